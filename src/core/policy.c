/* SPDX-License-Identifier: MIT */
/*
 * The API of the policy and addressing extensions: management calls of
 * the privileged domain (hmx/policy.h) and discovery (hmx_discover).  As
 * in api.c, arguments are checked here once and backends see only
 * well-formed requests; a mechanism without the feature is never called.
 */
#include "api_internal.h"
#include "hmx/backend.h"
#include "hmx/policy.h"
#include "hmx_env.h"

/* The context is open and its mechanism offers feature. */
static int usable(const hmx_ctx *ctx, uint64_t feature)
{
    if (!hmx__ctx_open(ctx))
        return HMX_EINVAL;
    return (ctx->features & feature) ? 0 : HMX_EOPNOTSUPP;
}

/* ... and its backend has the operation. */
#define USABLE(ctx, feature, op) \
    (usable((ctx), (feature)) < 0 ? usable((ctx), (feature)) \
                                  : (ctx)->ops->op == NULL ? HMX_EOPNOTSUPP : 0)

int hmx_fw_set(hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n, uint32_t flags)
{
    uint32_t i;
    int rc = USABLE(ctx, HMX_FEAT_FIREWALL, fw_set);

    if (rc < 0)
        return rc;
    if ((rules == NULL && n != 0) || (flags & ~HMX_FW_SET_CLEAR) != 0 ||
        ((flags & HMX_FW_SET_CLEAR) && n != 0))
        return HMX_EINVAL;
    if (n > HMX_FW_RULES_MAX)
        return HMX_ENOSPC;
    for (i = 0; i < n; i++)
        if (hmx_fw_rule_check(&rules[i]) < 0)
            return HMX_EINVAL;
    return ctx->ops->fw_set(ctx, rules, n, flags);
}

int hmx_fw_list(hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap, uint32_t first)
{
    int rc = USABLE(ctx, HMX_FEAT_FIREWALL, fw_list);

    if (rc < 0)
        return rc;
    if (out == NULL && cap != 0)
        return HMX_EINVAL;
    if (cap > HMX_FW_RULES_MAX)
        cap = HMX_FW_RULES_MAX; /* no table is larger */
    return ctx->ops->fw_list(ctx, out, cap, first);
}

int hmx_fw_add(hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos)
{
    int rc = USABLE(ctx, HMX_FEAT_FIREWALL, fw_add);

    if (rc < 0)
        return rc;
    if (hmx_fw_rule_check(rule) < 0)
        return HMX_EINVAL;
    return ctx->ops->fw_add(ctx, rule, pos);
}

int hmx_fw_del(hmx_ctx *ctx, uint32_t index)
{
    int rc = USABLE(ctx, HMX_FEAT_FIREWALL, fw_del);

    return rc < 0 ? rc : ctx->ops->fw_del(ctx, index);
}

int hmx_domain_set_label(hmx_ctx *ctx, hmx_domid_t dom, const char *label)
{
    char buf[HMX_LABEL_SIZE];
    unsigned n = 0;
    int rc = USABLE(ctx, HMX_FEAT_FIREWALL, set_label);

    if (rc < 0)
        return rc;
    if (label == NULL)
        return HMX_EINVAL;
    hmx_env_memset(buf, 0, sizeof(buf));
    while (label[n] != '\0') {
        if (n == HMX_LABEL_SIZE - 1)
            return HMX_EINVAL;
        buf[n] = label[n];
        n++;
    }
    if (n > 0 && hmx_label_check(buf) < 0)
        return HMX_EINVAL;
    return ctx->ops->set_label(ctx, dom, buf);
}

int hmx_implicit_set(hmx_ctx *ctx, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                     uint32_t n)
{
    int rc = USABLE(ctx, HMX_FEAT_IMPLICIT, implicit_set);

    if (rc < 0)
        return rc;
    if ((e == NULL && n != 0) || n > HMX_IMPLICIT_MAX)
        return HMX_EINVAL;
    return ctx->ops->implicit_set(ctx, dom, e, n);
}

int hmx_implicit_list(hmx_ctx *ctx, hmx_domid_t dom, struct hmx_implicit_entry *out,
                      uint32_t cap)
{
    int rc = USABLE(ctx, HMX_FEAT_IMPLICIT, implicit_list);

    if (rc < 0)
        return rc;
    if (out == NULL && cap != 0)
        return HMX_EINVAL;
    if (cap > HMX_IMPLICIT_MAX)
        cap = HMX_IMPLICIT_MAX;
    return ctx->ops->implicit_list(ctx, dom, out, cap);
}

/* ---- discovery ------------------------------------------------------------ */

/* Entries asked for per request: a reply then fits 16 + 16 * 16 bytes. */
#define DISC_PER_REQUEST 16u
#define DISC_COOKIE 0x48580000u /* | first: tells this request's answer apart */

int hmx_discover(hmx_ctx *ctx, struct hmx_ring *ring, struct hmx_disc_entry *out, unsigned cap)
{
    struct {
        struct hmx_disc_reply h;
        struct hmx_disc_entry e[DISC_PER_REQUEST];
    } ans;
    const struct hmx_addr to = {HMX_PORT_DISCOVERY, HMX_DOMID_PROVIDER, 0};
    unsigned first = 0, total = 0;
    int rc;

    if (!hmx__ctx_open(ctx))
        return HMX_EINVAL;
    if (!(ctx->features & HMX_FEAT_DISCOVERY))
        return HMX_EOPNOTSUPP;
    if (ring == NULL || ring->live != HMX_RING_LIVE || ring->partner != HMX_DOMID_PROVIDER ||
        (out == NULL && cap != 0))
        return HMX_EINVAL;

    /* One request per DISC_PER_REQUEST entries; at least one, for the total. */
    do {
        struct hmx_disc_req req;
        struct hmx_msg_info info;
        unsigned want = cap - first < DISC_PER_REQUEST ? cap - first : DISC_PER_REQUEST;
        int n, tries;

        hmx_env_memset(&req, 0, sizeof(req));
        req.version = HMX_DISC_VERSION;
        req.op = HMX_DISC_OP_LIST;
        req.first = (uint16_t)first;
        req.max = (uint16_t)(want != 0 ? want : 1);
        req.cookie = DISC_COOKIE | first;
        rc = hmx_send(ctx, ring->port, &to, &req, sizeof(req), HMX_DISC_MSG_TYPE);
        if (rc < 0)
            return rc;

        /* The answer is in the ring when the send returns; an older answer
         * still there is passed over (the ring's partner is the provider,
         * so nothing else arrives in it). */
        for (tries = 0;; tries++) {
            n = hmx_recv(ring, &ans, sizeof(ans), &info);
            if (n == HMX_ENOBUFS)
                return HMX_ECORRUPT; /* longer than any answer we asked for */
            if (n < 0)
                return n; /* HMX_EAGAIN: not there (yet) */
            if (info.source.domain != HMX_DOMID_PROVIDER ||
                info.message_type != HMX_DISC_MSG_TYPE || n < (int)sizeof(ans.h))
                return HMX_ECORRUPT;
            if (ans.h.cookie == req.cookie)
                break;
            if (tries == 16)
                return HMX_ECORRUPT;
        }
        if (ans.h.version != HMX_DISC_VERSION || ans.h.first != first || ans.h.count > req.max ||
            first + ans.h.count > ans.h.total ||
            (size_t)n != sizeof(ans.h) + ans.h.count * sizeof(ans.e[0]))
            return HMX_ECORRUPT;
        total = ans.h.total;
        if (first + ans.h.count > cap)
            ans.h.count = (uint16_t)(cap - first);
        if (ans.h.count > 0)
            hmx_env_memcpy(out + first, ans.e, ans.h.count * sizeof(ans.e[0]));
        if (ans.h.count == 0) {
            if (first < total && first < cap)
                return HMX_EMSGSIZE; /* the ring cannot hold an answer with an entry */
            break;
        }
        first += ans.h.count;
    } while (first < cap && first < total);
    return (int)total;
}
