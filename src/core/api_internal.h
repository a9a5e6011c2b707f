/* SPDX-License-Identifier: MIT */
/* What the API's files share (src/core/api.c, policy.c). */
#ifndef HMX_CORE_API_INTERNAL_H
#define HMX_CORE_API_INTERNAL_H

#include "hmx/hmx.h"

/* Is ctx an open context? */
int hmx__ctx_open(const hmx_ctx *ctx);

/* 0, or HMX_EOPNOTSUPP for a reserved domain (HMX_DOMID_IMPLICIT, UP,
 * PROVIDER) whose feature ctx's mechanism lacks. */
int hmx__reserved_domain_ok(const hmx_ctx *ctx, hmx_domid_t dom);

#endif
