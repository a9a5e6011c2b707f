/* SPDX-License-Identifier: MIT */
/* The identity environment: guest addresses are this address space's. */
#include "hmx/env.h"

static int identity_virt_to_gpa(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = (uint64_t)(uintptr_t)va;
    return 0;
}

const struct hmx_env hmx_env_identity = {
    .virt_to_gpa = identity_virt_to_gpa,
    .page_size = 4096,
    .log = 0,
    .user = 0,
};
