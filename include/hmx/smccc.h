/* SPDX-License-Identifier: MIT */
/*
 * HMX over the Arm SMC Calling Convention (spec/, "Arm mechanisms").
 *
 * HMX is a Standard Hypervisor Service (SMCCC owner 5).  It occupies 256
 * consecutive function numbers starting at a base the device tree gives
 * (default HMX_SMCCC_BASE_DEFAULT); every HMX function is an SMC64 fast
 * call issued through the conduit the device tree names (hvc or smc):
 *
 *   base + 0x00  HMX_VERSION   x1 = caller's version (major << 16 | minor)
 *                              -> x0 = callee's version, or NOT_SUPPORTED
 *                                 when the majors differ
 *   base + 0x01  HMX_FEATURES  x1 = feature id (0: the feature bitmap) or
 *                                  an HMX function ID
 *                              -> x0 = SUCCESS with x1/x2 = bits 0-63 /
 *                                 unused, or NOT_SUPPORTED
 *   base + 0x02  HMX_CALL      x1 = op, x2..x5 = the call's four arguments
 *                                  (guest-physical addresses, hmx/mech.h)
 *                              -> x0 = SUCCESS, x1 = the call's result
 *   base + 0xFC  CALL_COUNT    -> x0 = number of HMX functions
 *   base + 0xFD  CALL_UID      -> x0..x3 = HMX_SMCCC_UID_W0..W3
 *   base + 0xFF  REVISION      -> x0 = major, x1 = minor
 *
 * Xen answers owner 5's own UID query (0x8500FF01) with its UID: a probe
 * tells Xen and an HMX provider apart by the UID, never by the owner.
 */
#ifndef HMX_SMCCC_H
#define HMX_SMCCC_H

#include <stdint.h>

#include "hmx/arch.h"
#include "hmx/backend.h"
#include "hmx/mech.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SMCCC generic values. */
#define HMX_SMCCC_VERSION_FID 0x80000000u /* SMCCC_VERSION */
#define HMX_SMCCC_SUCCESS 0
#define HMX_SMCCC_NOT_SUPPORTED (-1)
#define HMX_SMCCC_INVALID_PARAMETER (-3)
#define HMX_SMCCC_FAST_SMC64 0xC0000000u      /* fast call, SMC64 convention */
#define HMX_SMCCC_OWNER_STD_HYP 5u             /* Standard Hypervisor Service */
#define HMX_SMCCC_OWNER_UID_FID 0x8500FF01u    /* owner 5's Call UID */
#define HMX_SMCCC_MIN_VERSION 0x10001u          /* SMCCC 1.1: x1-x7 as arguments */

/* The HMX function range. */
#define HMX_SMCCC_BASE_DEFAULT 0xC5000100u
#define HMX_SMCCC_FN_VERSION 0x00u
#define HMX_SMCCC_FN_FEATURES 0x01u
#define HMX_SMCCC_FN_CALL 0x02u
#define HMX_SMCCC_FN_CALL_COUNT 0xFCu
#define HMX_SMCCC_FN_CALL_UID 0xFDu
#define HMX_SMCCC_FN_REVISION 0xFFu
#define HMX_SMCCC_FUNCTIONS 6u /* what CALL_COUNT answers */
#define HMX_SMCCC_FEATURE_BITMAP 0u

/* HMX UID 14bcd6c4-49a4-4fde-a778-1d75c0dfb3c0, as SMCCC returns a UID:
 * bytes in order, four per register, first byte in the low bits. */
#define HMX_SMCCC_UID_W0 0xc4d6bc14u
#define HMX_SMCCC_UID_W1 0xde4fa449u
#define HMX_SMCCC_UID_W2 0x751d78a7u
#define HMX_SMCCC_UID_W3 0xc0b3dfc0u

/* Xen's Hypervisor Service UID a71812dc-c698-4369-9acf-79d18ddee667. */
#define HMX_XEN_SMCCC_UID_W0 0xdc1218a7u
#define HMX_XEN_SMCCC_UID_W1 0x694398c6u
#define HMX_XEN_SMCCC_UID_W2 0xd179cf9au
#define HMX_XEN_SMCCC_UID_W3 0x67e6de8du

/* Is fid a valid HMX function base: SMC64 fast, owner 5, bits 23:16 zero,
 * 256-aligned, and not the owner's own query block (0xFFxx)? */
#define HMX_SMCCC_BASE_VALID(fid)                                                     \
    (((fid) & 0xFFFF00FFu) == (HMX_SMCCC_FAST_SMC64 | (HMX_SMCCC_OWNER_STD_HYP << 24)) && \
     ((fid) & 0x0000FF00u) != 0xFF00u)

/* Device-tree binding (spec/, "Device-tree binding"). */
#define HMX_DT_COMPATIBLE "hmx,argo"
#define HMX_DT_PROP_CONDUIT "conduit"
#define HMX_DT_PROP_BASE "hmx,function-base"

struct hmx_smccc_config {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    enum hmx_smccc_conduit conduit;
    uint32_t function_base; /* 0: HMX_SMCCC_BASE_DEFAULT */
    void *call_page;        /* HMX_CALL_PAGE_SIZE bytes (hmx/mech.h) */
    uint64_t features;      /* HMX_FEAT_* that HMX_FEATURES reported */
};

extern const struct hmx_backend_ops hmx_backend_smccc;

#ifdef __cplusplus
}
#endif

#endif /* HMX_SMCCC_H */
