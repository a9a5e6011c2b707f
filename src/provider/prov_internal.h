/* SPDX-License-Identifier: MIT */
/* What the reference provider's files share, and nothing else uses. */
#ifndef HMX_PROV_INTERNAL_H
#define HMX_PROV_INTERNAL_H

#include "hmx/provider.h"

int hmx__prov_ok(const struct hmx_provider *p);
struct hmx_prov_domain *hmx__prov_domain(const struct hmx_provider *p, hmx_domid_t id);

/* Fetch rule i of a replacement table into *out: 0 or an HMX_E* code. */
typedef int (*hmx__fw_read_fn)(void *arg, uint32_t i, struct hmx_fw_rule *out);

/*
 * hmx_provider_fw_set with the rules fetched one by one, straight into the
 * table not in use, so a decoder reads guest memory once and needs no
 * buffer of its own.  Privilege and n are checked before the first fetch.
 */
int hmx__prov_fw_replace(struct hmx_provider *p, hmx_domid_t caller, uint32_t n, uint32_t flags,
                         hmx__fw_read_fn read, void *arg);

/* 0 if caller may manage policy (HMX_DOMID_PROVIDER, or a privileged
 * domain); HMX_EPERM; HMX_ENODEV (unknown caller); HMX_EINVAL (p is not an
 * initialised provider: callers need not check it first). */
int hmx__prov_may_manage(const struct hmx_provider *p, hmx_domid_t caller);

#endif
