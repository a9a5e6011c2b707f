/* SPDX-License-Identifier: MIT */
/*
 * Probe: find out at run time which hypervisor is underneath and which HMX
 * mechanisms it offers, choose one, and open a context on it.
 *
 * x86: the hypervisor bit (CPUID.1:ECX[31]); every hypervisor CPUID range
 * 0x40000000 + k * 0x100 (k = 0..255) for a vendor signature or the HMX
 * discovery block (hmx/mech.h); on Xen, Xen's leaves and a harmless argo_op
 * (notify with no queries) to classify Argo.  Arm64 (device tree + SMCCC)
 * fills the same result.
 *
 * The result records, for every mechanism, whether the hypervisor offers
 * it, whether this caller can use it, whether it was chosen, and why.
 * Mechanisms and feature bits the library does not know are ignored.
 *
 * v4v (OpenXT, uXen) is classified only when the caller names a v4v
 * mechanism in allow or force, since it costs up to three more hypercalls
 * on Xen: notify(NULL) and an operation neither dialect defines, on
 * hypercall 39 and on 43.  v4v answers the unknown operation with ENOSYS
 * and Argo with EOPNOTSUPP; a Xen without the hypercall answers notify
 * itself with ENOSYS.  uXen is recognised by its CPUID signature.
 *
 * Preference (spec/, "Selection"): the hypervisor's own Argo first where it
 * has one (Xen hypercall), then the mechanism native to the platform's
 * calling convention (Arm: SMCCC; x86: MSR, then CPUID).  The caller may
 * forbid mechanisms (allow mask) or force one.
 */
#ifndef HMX_PROBE_H
#define HMX_PROBE_H

#include <stdint.h>

#include "hmx/arch.h"
#include "hmx/hmx.h"

#ifdef __cplusplus
extern "C" {
#endif

enum hmx_hypervisor {
    HMX_HV_NONE = 0,    /* bare metal: no hypervisor bit, no ranges */
    HMX_HV_UNKNOWN = 1, /* a hypervisor whose signature we do not know */
    HMX_HV_XEN = 2,
    HMX_HV_KVM = 3,
    HMX_HV_HYPERV = 4,
    HMX_HV_VMWARE = 5,
    HMX_HV_BHYVE = 6,
    HMX_HV_ACRN = 7,
    HMX_HV_QNX = 8,
    HMX_HV_TCG = 9,
    HMX_HV_VIRTUALBOX = 10,
    HMX_HV_PARALLELS = 11,
    HMX_HV_HMX = 12, /* only the HMX discovery block */
    HMX_HV_UXEN = 13 /* uXen: "uXenisnotXen" (v4v, hmx/v4v.h) */
};

/* How Xen's Argo answered the classifying call. */
enum hmx_argo_status {
    HMX_ARGO_NOT_XEN = 0,  /* not probed: no Xen */
    HMX_ARGO_PRESENT = 1,  /* answered (0, or any other code) */
    HMX_ARGO_DISABLED = 2, /* EOPNOTSUPP: built in, not enabled at boot */
    HMX_ARGO_ABSENT = 3,   /* ENOSYS: not built into this Xen */
    HMX_ARGO_DENIED = 4,   /* EPERM / EACCES: refused by XSM */
    HMX_ARGO_UNPROBED = 5  /* could not call (e.g. needs ring 0) */
};

#define HMX_MECH_COUNT 16u
#define HMX_PROBE_MAX_RANGES 8u

struct hmx_hv_range {
    uint32_t base;     /* 0x40000000 + k * 0x100 */
    uint32_t max_leaf; /* EAX of the base leaf */
    uint32_t hypervisor; /* enum hmx_hypervisor; HMX_HV_HMX for the HMX block */
    char signature[13];  /* EBX ECX EDX, NUL-terminated */
};

struct hmx_mech_report {
    uint8_t offered; /* the platform presents it */
    uint8_t usable;  /* and this caller can use it */
    uint8_t chosen;
    uint8_t pad;
    int32_t status;  /* 0, or the HMX_E* code that rules it out */
    const char *why; /* one line, static */
    uint64_t param;  /* MSR index, call leaf, SMCCC function base... */
};

struct hmx_probe_result {
    uint32_t hypervisor_bit; /* x86 CPUID.1:ECX[31]; Arm: 1 if a hypervisor node */
    uint32_t hypervisor;     /* enum hmx_hypervisor */
    char signature[13];
    uint32_t nranges;
    struct hmx_hv_range ranges[HMX_PROBE_MAX_RANGES];

    /* The HMX discovery block (0 when absent). */
    uint32_t hmx_base;
    uint32_t hmx_version;
    uint32_t hmx_mechanisms; /* HMX_MECH_BIT mask as offered, unknown bits kept */
    uint64_t hmx_features;

    /* Xen. */
    uint32_t xen_base;
    uint32_t xen_version;       /* major << 16 | minor */
    uint32_t xen_hypercall_msr; /* x86: where the hypercall page is installed */
    uint32_t xen_entry;         /* enum hmx_xen_entry the probe settled on */
    const void *xen_hypercall_page;
    uint32_t argo_status;       /* enum hmx_argo_status */
    int32_t argo_rc;            /* what the classifying call returned */

    /* Arm: what the device tree and SMCCC said. */
    int32_t dt_status;         /* 0, HMX_ECORRUPT (bad blob), HMX_EOPNOTSUPP (no libfdt) */
    uint32_t smccc_conduit;    /* enum hmx_smccc_conduit of the HMX node */
    uint32_t smccc_version;    /* SMCCC_VERSION's answer, as answered (0 when not asked) */
    uint32_t smccc_base;       /* HMX function base */
    uint32_t dt_irq_cells;     /* cells of the HMX node's "interrupts" (<= 3) */
    uint32_t dt_irq[3];

    struct hmx_mech_report mech[HMX_MECH_COUNT];
    uint32_t chosen;   /* enum hmx_mechanism; HMX_MECH_NONE when none */
    uint64_t features; /* of the chosen mechanism */
    uint32_t traps;    /* trapping instructions the probe executed */

    /* v4v (only when the options ask for a v4v mechanism): the range that
     * was classified (Xen's or uXen's), and what the two classifying calls
     * answered on each hypercall number tried (0: not tried). */
    uint32_t v4v_base;
    int32_t v4v_notify_rc[2]; /* notify(NULL) on 39, on 43 */
    int32_t v4v_probe_rc[2];  /* HMX_V4V_OP_PROBE on 39, on 43 */
};

struct hmx_probe_options {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    const struct hmx_env *env;       /* NULL: hmx_env_identity */
    uint32_t allow;                  /* HMX_MECH_BIT mask; 0: all */
    uint32_t force;                  /* enum hmx_mechanism to take if usable; 0: by preference */
    /*
     * Xen on x86: a 4 KiB page for Xen's hypercall page.  With
     * xen_page_ready, Xen already filled it (PV guests: the HYPERCALL_PAGE
     * ELF note); otherwise the probe installs it through Xen's MSR.  NULL:
     * enter Xen with vmcall / vmmcall, chosen by CPU vendor.
     */
    void *xen_hypercall_page;
    int xen_page_ready;
    /* Arm: the flattened device tree and the size of the buffer holding
     * it (the blob's own totalsize is not trusted beyond it).  NULL: no
     * device-tree probe, and no SMCCC call is made. */
    const void *fdt;
    size_t fdt_size;
};

/*
 * hmx_probe - discover the hypervisor and its mechanisms, and choose one.
 * Makes no call that changes state beyond installing Xen's hypercall page
 * where asked to.
 * Returns: 0 with *res filled (res->chosen may be HMX_MECH_NONE: nothing
 * usable); HMX_EINVAL for NULL res or unknown bits in force.
 */
int hmx_probe(struct hmx_probe_result *res, const struct hmx_probe_options *opt);

struct hmx_open_probed_args {
    const struct hmx_arch_ops *arch; /* as given to hmx_probe; NULL: native */
    const struct hmx_env *env;       /* NULL: hmx_env_identity */
    void *call_page;                 /* HMX_CALL_PAGE_SIZE bytes for MSR, CPUID, SMCCC */
};

/*
 * hmx_open_probed - open ctx on the mechanism the probe chose.
 * Returns: 0; HMX_ENOMECH when res->chosen is HMX_MECH_NONE; HMX_EINVAL
 * (NULL arguments, a call page missing where the mechanism needs one); or
 * hmx_open()'s error.
 */
int hmx_open_probed(hmx_ctx *ctx, const struct hmx_probe_result *res,
                    const struct hmx_open_probed_args *args);

/* Names for reports: static strings, "unknown" for unknown values. */
const char *hmx_hypervisor_name(uint32_t hv);
const char *hmx_mechanism_name(uint32_t mech);
const char *hmx_argo_status_name(uint32_t status);

#ifdef __cplusplus
}
#endif

#endif /* HMX_PROBE_H */
