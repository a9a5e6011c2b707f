/* SPDX-License-Identifier: MIT */
/*
 * The call page of the agnostic mechanisms (MSR, CPUID, SMCCC): a page of
 * the guest's memory, named by its guest-physical address, where the
 * marshalling stages each call.  The first 64 bytes hold the call block
 * (used by the MSR mechanism); the rest is the staging area.
 */
#ifndef HMX_CORE_CALL_PAGE_H
#define HMX_CORE_CALL_PAGE_H

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

#endif
