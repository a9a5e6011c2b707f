/* SPDX-License-Identifier: MIT */
/*
 * The call page of the agnostic mechanisms (MSR, CPUID, SMCCC): a page of
 * the guest's memory, named by its guest-physical address, where the
 * marshalling stages each call.  The first 64 bytes hold the call block
 * (used by the MSR mechanism); the rest is the staging area.
 */
#ifndef HMX_CORE_CALL_PAGE_H
#define HMX_CORE_CALL_PAGE_H

#include "hmx/arch.h"
#include "hmx/backend.h"
#include "marshal.h"

#define HMX_CALL_PAGE_BYTES 4096u
#define HMX_CALL_BLOCK_BYTES 64u

struct hmx_call_page {
    uint8_t *va;
    uint64_t gpa;
};

/* Translate and check a caller's call page. Returns 0, HMX_EINVAL, HMX_EFAULT. */
int hmx_call_page_init(struct hmx_call_page *cp, const struct hmx_env *env, void *page);

/* Set m up for physical-mode marshalling into the page's staging area. */
void hmx_call_page_marshal(const struct hmx_call_page *cp, const struct hmx_env *env,
                           struct hmx_marshal *m, hmx_trap_fn trap, void *trap_ctx);

/* Bound a result the hypervisor returned: a plausible value or HMX_EIO. */
int hmx_call_result(int64_t ret);

/*
 * The state every agnostic backend (MSR, CPUID, SMCCC) starts its private
 * area with: the shared marshalling's hook, its trap, the instruction table
 * and the call page.  The backend's own fields follow it.
 */
struct hmx_agnostic {
    struct hmx_marshal_backend mb; /* first: the shared operations find it */
    hmx_trap_fn trap;              /* called with the backend's private area */
    const struct hmx_arch_ops *arch;
    struct hmx_call_page page;
};

/*
 * The common part of an agnostic backend's open: take the arch table
 * (NULL: native), check it has the instruction (has_insn), translate the
 * call page, and offer the features the backend carries.
 * Returns 0, HMX_EOPNOTSUPP (no such instruction), HMX_EINVAL, HMX_EFAULT.
 */
int hmx_agnostic_open(struct hmx_ctx *ctx, struct hmx_agnostic *ag, const struct hmx_arch_ops *arch,
                      int (*has_insn)(const struct hmx_arch_ops *arch), hmx_trap_fn trap,
                      void *call_page, uint64_t features);

#endif
