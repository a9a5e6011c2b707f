/* SPDX-License-Identifier: MIT */
/*
 * The call that every HMX mechanism carries, and how x86 guests discover it.
 *
 * An HMX call is five words, as Xen's argo_op: an operation number and four
 * arguments whose meaning is the same on every mechanism (Xen hypercall,
 * MSR block, CPUID call, SMCCC).  Only two things differ between
 * mechanisms: the instruction that traps, and the address space of the
 * addresses in the arguments:
 *   - Xen hypercall: this domain's virtual addresses (Xen walks the guest's
 *     page tables), as in Xen's public/argo.h;
 *   - the agnostic mechanisms (MSR, CPUID, SMCCC): guest-physical
 *     addresses, so a hypervisor never has to walk guest page tables.
 *
 * Operations (arguments as Xen's):
 *   HMX_OP_REGISTER_RING   a1 = struct hmx_ring_reg *, a2 = hmx_gfn_t[],
 *                          a3 = npages, a4 = flags
 *   HMX_OP_UNREGISTER_RING a1 = struct hmx_ring_unreg *, a2 = a3 = a4 = 0
 *   HMX_OP_SENDV           a1 = struct hmx_send_addr *, a2 = struct hmx_giov[],
 *                          a3 = niov, a4 = message type
 *   HMX_OP_NOTIFY          a1 = ring data (struct hmx_ring_data_hdr followed
 *                          by nent struct hmx_ring_query) or 0, a2..a4 = 0
 *   HMX_OP_SET_VECTOR      a1 = cpu, a2 = vector, a3 = flags, a4 = 0
 *                          (HMX_FEAT_VECTOR; no structure in memory)
 * Policy and addressing (hmx/policy.h; the privileged domain only):
 *   HMX_OP_FW_SET          a1 = struct hmx_fw_rule[], a2 = n, a3 = flags, a4 = 0
 *   HMX_OP_FW_LIST         a1 = struct hmx_fw_rule[] (out), a2 = capacity,
 *                          a3 = first index, a4 = 0; result: rules in the table
 *   HMX_OP_FW_ADD          a1 = struct hmx_fw_rule *, a2 = position, a3 = a4 = 0
 *   HMX_OP_FW_DEL          a1 = index, a2 = a3 = a4 = 0
 *   HMX_OP_SET_LABEL       a1 = domain, a2 = char[HMX_LABEL_SIZE], a3 = a4 = 0
 *   HMX_OP_IMPLICIT_SET    a1 = domain, a2 = struct hmx_implicit_entry[],
 *                          a3 = n, a4 = 0
 *   HMX_OP_IMPLICIT_LIST   a1 = domain, a2 = struct hmx_implicit_entry[] (out),
 *                          a3 = capacity, a4 = 0; result: entries in the table
 * Many messages per trap (hmx/batch.h):
 *   HMX_OP_SENDV_BATCH     a1 = struct hmx_batch_desc[], a2 = n (1..HMX_BATCH_MAX),
 *                          a3 = flags (HMX_BATCH_STOP), a4 = 0; each descriptor's
 *                          result written back; result: descriptors processed
 *   HMX_OP_ASYNC_SETUP     a1 = region (struct hmx_async_hdr, then the rings),
 *                          a2 = entries, a3 = flags (0), a4 = 0; a1 = a2 = 0
 *                          withdraws the caller's region
 *   HMX_OP_ASYNC_DOORBELL  a1 = a2 = a3 = a4 = 0; result: submissions taken
 * Result: >= 0 (sendv: payload bytes), or a negative HMX_E* value.
 */
#ifndef HMX_MECH_H
#define HMX_MECH_H

#include <stdint.h>

#include "hmx/hmx.h"
#include "hmx/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operation numbers: Xen's XEN_ARGO_OP_* for 1..4; 5..15 stay reserved for
 * Xen; HMX extensions start at 16. */
#define HMX_OP_REGISTER_RING 1u
#define HMX_OP_UNREGISTER_RING 2u
#define HMX_OP_SENDV 3u
#define HMX_OP_NOTIFY 4u
/* HMX extensions. */
#define HMX_OP_SET_VECTOR 16u /* a1 = cpu, a2 = vector (0: none), a3 = flags (0), a4 = 0 */
#define HMX_OP_FW_SET 17u        /* HMX_FEAT_FIREWALL */
#define HMX_OP_FW_LIST 18u       /* HMX_FEAT_FIREWALL */
#define HMX_OP_FW_ADD 19u        /* HMX_FEAT_FIREWALL */
#define HMX_OP_FW_DEL 20u        /* HMX_FEAT_FIREWALL */
#define HMX_OP_SET_LABEL 21u     /* HMX_FEAT_FIREWALL */
#define HMX_OP_IMPLICIT_SET 22u  /* HMX_FEAT_IMPLICIT */
#define HMX_OP_IMPLICIT_LIST 23u /* HMX_FEAT_IMPLICIT */
#define HMX_OP_SENDV_BATCH 24u     /* HMX_FEAT_BATCH */
#define HMX_OP_ASYNC_SETUP 25u     /* HMX_FEAT_ASYNC */
#define HMX_OP_ASYNC_DOORBELL 26u  /* HMX_FEAT_ASYNC */

/*
 * The call block of the memory-based mechanisms (MSR): 64 bytes, 64-byte
 * aligned, in guest memory.  The guest fills op and arg, zeroes the rest,
 * and traps once with the block's guest-physical address; the hypervisor
 * performs the call and stores the result in ret before the trap returns.
 */
struct hmx_call_block {
    uint32_t op;
    uint32_t flags;  /* zero */
    int64_t ret;     /* out */
    uint64_t arg[4];
    uint64_t reserved[2]; /* zero */
};

/*
 * x86 discovery block: a range of hypervisor CPUID leaves at base B (one of
 * 0x40000000 + k * 0x100), found by its signature.
 *   B + 0  EAX: largest leaf of the block; EBX, ECX, EDX: "HMXHMXHMXHMX"
 *   B + 1  EAX: interface version (major << 16 | minor)
 *          EBX: mechanisms offered (HMX_MECH_BIT of enum hmx_mechanism)
 *          ECX: feature bits, low half; EDX: feature bits, high half
 *   B + 0x10 + n   parameters of mechanism n (present when EAX of B
 *                  reaches it):
 *          MSR   (n = 3): EAX = MSR index of the call register
 *          CPUID (n = 4): EAX = the call leaf
 * A guest ignores mechanisms and feature bits it does not know.
 */
#define HMX_CPUID_SIG_EBX 0x48584d48u /* "HMXH" */
#define HMX_CPUID_SIG_ECX 0x4d48584du /* "MXHM" */
#define HMX_CPUID_SIG_EDX 0x584d4858u /* "XHMX" */
#define HMX_CPUID_LEAF_INFO 1u
#define HMX_CPUID_LEAF_MECH(n) (0x10u + (n))
#define HMX_INTERFACE_VERSION 0x00010000u /* 1.0 */

/* The call page of the agnostic mechanisms (MSR, CPUID, SMCCC): 4 KiB of
 * the guest's memory, 4 KiB aligned, resident while a context is open; the
 * guest stages each call there and names it by guest-physical address. */
#define HMX_CALL_PAGE_SIZE 4096u

/* Default MSR of the call register: free in every known hypervisor's use
 * of the 0x40000000 range; a hypervisor may move it (leaf B + 0x13). */
#define HMX_MSR_CALL_DEFAULT 0x400000E0u

HMX__WIRE_ASSERT(sizeof(struct hmx_call_block) == 64, "call block is 64 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_call_block, ret) == 8, "call.ret at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_call_block, arg) == 16, "call.arg at 16");

#ifdef __cplusplus
}
#endif

#endif /* HMX_MECH_H */
