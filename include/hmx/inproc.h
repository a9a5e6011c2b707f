/* SPDX-License-Identifier: MIT */
/*
 * The in-process backend: the HMX API routed to a reference provider in
 * the same address space.  It is libhmx's built-in default, runs on any
 * machine, and is what tests, tools and single-process simulations of
 * several domains use.
 *
 * Each hmx_ctx opened on it speaks as one domain of the provider.  Guest
 * addresses are this process's virtual addresses, so open it with the
 * identity environment (hmx_env_identity, the default).
 */
#ifndef HMX_INPROC_H
#define HMX_INPROC_H

#include "hmx/backend.h"
#include "hmx/provider.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hmx_inproc_config {
    struct hmx_provider *provider; /* initialised, with the domain added */
    hmx_domid_t domid;             /* the domain this context speaks as */
};

extern const struct hmx_backend_ops hmx_backend_inproc;

/*
 * hmx_inproc_hooks - fill hooks for a provider whose domains all live in
 * this process: map_ring accepts frame lists that are contiguous in this
 * address space, copy_from_guest and copy_to_guest use this address space.  policy, audit
 * and signal are left NULL for the caller to set.
 */
void hmx_inproc_hooks(struct hmx_provider_hooks *hooks, void *host);

#ifdef __cplusplus
}
#endif

#endif /* HMX_INPROC_H */
