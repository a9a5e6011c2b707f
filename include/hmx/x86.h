/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor-agnostic x86 mechanisms (spec/, "x86 mechanisms"):
 *
 *  MSR:   one WRMSR to the call register (index from the discovery block)
 *         with the guest-physical address of a 64-byte struct hmx_call_block;
 *         the hypervisor performs the call and writes ret.  One trap per
 *         operation.
 *  CPUID: one CPUID on the call leaf with the call in registers:
 *         rax = leaf, rcx = op, rbx = a1, rdx = a2, rsi = a3, rdi = a4;
 *         the result comes back in eax (signed 32-bit).  One trap.
 *
 * Addresses in the arguments are guest-physical.  Both backends stage their
 * structures in a call page the caller provides.
 */
#ifndef HMX_X86_H
#define HMX_X86_H

#include <stdint.h>

#include "hmx/arch.h"
#include "hmx/backend.h"
#include "hmx/mech.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hmx_msr_config {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    uint32_t msr;                    /* the call register */
    void *call_page;
    uint64_t features;               /* HMX_FEAT_* the discovery block offers */
};

struct hmx_cpuid_config {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    uint32_t leaf;                   /* the call leaf */
    void *call_page;
    uint64_t features;               /* HMX_FEAT_* the discovery block offers */
};

extern const struct hmx_backend_ops hmx_backend_msr;
extern const struct hmx_backend_ops hmx_backend_cpuid;

#ifdef __cplusplus
}
#endif

#endif /* HMX_X86_H */
