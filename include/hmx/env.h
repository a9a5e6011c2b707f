/* SPDX-License-Identifier: MIT */
/*
 * The run-time half of libhmx's host environment: what the library asks of
 * the system it is linked into, given as a struct of hooks at hmx_open().
 *
 * The build-time half (fixed-width types, memcpy/memset/memcmp/memmove and
 * the atomic accessors) is src/env/hmx_env.h, one header a port replaces,
 * as libfdt's libfdt_env.h.  Together they are everything libhmx needs: the
 * core makes no other call, allocates nothing, and keeps no global state.
 */
#ifndef HMX_ENV_H
#define HMX_ENV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum hmx_log_level {
    HMX_LOG_ERROR = 0,
    HMX_LOG_WARN = 1,
    HMX_LOG_INFO = 2,
    HMX_LOG_DEBUG = 3,
};

struct hmx_env {
    /*
     * Translate a virtual address of this domain to the address its
     * hypervisor knows it by (guest-physical for HVM/PVH/Arm guests, the
     * machine address for a Xen PV guest).  Required.
     * Returns 0 and sets *gpa, or a negative HMX_E* code (HMX_EFAULT).
     */
    int (*virt_to_gpa)(void *user, const void *va, uint64_t *gpa);

    /*
     * The domain's page size: the library translates once per page and
     * derives the 4 KiB ring frames inside it.  A power of two >= 4096;
     * 0 means 4096.
     */
    uint32_t page_size;

    /* Optional log sink; msg is a constant string, no formatting. */
    void (*log)(void *user, enum hmx_log_level level, const char *msg);

    /* Passed back to the hooks. */
    void *user;
};

/*
 * The identity environment: gpa == va, 4 KiB pages, no log.  Right for
 * the in-process backend and for identity-mapped firmware and test guests.
 */
extern const struct hmx_env hmx_env_identity;

#ifdef __cplusplus
}
#endif

#endif /* HMX_ENV_H */
