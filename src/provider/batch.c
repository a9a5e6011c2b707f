/* SPDX-License-Identifier: MIT */
/*
 * Many messages per trap, provider side: the batched send's descriptor
 * array and the asynchronous send region (spec/, section 19).  Both live in
 * guest memory and are reached only through the copy hooks; every field is
 * copied in once, checked, and then used from the copy.  The indices this
 * provider advances are kept in its domain slot, so a guest that scribbles
 * on its own header can confuse only itself.
 */
#include "hmx/batch.h"
#include "hmx/provider.h"
#include "hmx_env.h"
#include "prov_internal.h"

static int from_guest(struct hmx_provider *p, hmx_domid_t dom, void *dst, uint64_t gaddr,
                      uint32_t len)
{
    if (gaddr > UINT64_MAX - len)
        return HMX_EFAULT;
    return p->hooks.copy_from_guest(p->hooks.host, dom, dst, gaddr, len) == 0 ? 0 : HMX_EFAULT;
}

static int to_guest(struct hmx_provider *p, hmx_domid_t dom, uint64_t gaddr, const void *src,
                    uint32_t len)
{
    if (p->hooks.copy_to_guest == NULL || gaddr > UINT64_MAX - len)
        return HMX_EFAULT;
    return p->hooks.copy_to_guest(p->hooks.host, dom, gaddr, src, len) == 0 ? 0 : HMX_EFAULT;
}

/* One message named in guest memory: its buffers are fetched, then it goes
 * through hmx_provider_sendv like any other. */
static int send_one(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_send_addr *addr,
                    uint64_t iov_gaddr, const struct hmx_giov *inline_iov, uint32_t niov,
                    uint32_t message_type)
{
    struct hmx_giov iov[HMX_MAXIOV];
    int rc;

    if (niov > HMX_MAXIOV)
        return HMX_EINVAL;
    if (inline_iov != NULL) {
        hmx_env_memcpy(iov, inline_iov, niov * sizeof(iov[0]));
    } else if (niov > 0) {
        rc = from_guest(p, caller, iov, iov_gaddr, niov * (uint32_t)sizeof(iov[0]));
        if (rc < 0)
            return rc;
    }
    return hmx_provider_sendv(p, caller, addr, iov, niov, message_type);
}

/* ---- HMX_OP_SENDV_BATCH ------------------------------------------------- */

int hmx_provider_sendv_batch(struct hmx_provider *p, hmx_domid_t caller, uint64_t gaddr,
                             uint32_t n, uint32_t flags)
{
    struct hmx_batch_desc d;
    uint64_t at = gaddr;
    uint32_t i;
    int32_t res;
    int rc;

    if (!hmx__prov_ok(p))
        return HMX_EINVAL;
    if (n == 0 || n > HMX_BATCH_MAX || (flags & ~HMX_BATCH_STOP) != 0)
        return HMX_EINVAL;
    if (hmx__prov_domain(p, caller) == NULL)
        return HMX_ENODEV;
    if (p->hooks.copy_to_guest == NULL)
        return HMX_EFAULT;
    for (i = 0; i < n; i++, at += sizeof(d)) {
        rc = from_guest(p, caller, &d, at, (uint32_t)sizeof(d));
        if (rc < 0)
            return i == 0 ? rc : (int)i;
        if (d.pad != 0)
            res = HMX_EINVAL;
        else
            res = send_one(p, caller, &d.addr, d.iov, NULL, d.niov, d.message_type);
        /* Only the result field is written: the rest is the guest's. */
        rc = to_guest(p, caller, at + offsetof(struct hmx_batch_desc, result), &res,
                      (uint32_t)sizeof(res));
        if (rc < 0)
            return i == 0 ? rc : (int)i;
        if (res < 0 && (flags & HMX_BATCH_STOP))
            return (int)(i + 1);
    }
    return (int)n;
}

/* ---- The asynchronous send region --------------------------------------- */

#define HDR_OFF(field) offsetof(struct hmx_async_hdr, field)

static int put_u32(struct hmx_provider *p, hmx_domid_t dom, uint64_t gaddr, uint32_t v)
{
    return to_guest(p, dom, gaddr, &v, (uint32_t)sizeof(v));
}

static int get_u32(struct hmx_provider *p, hmx_domid_t dom, uint64_t gaddr, uint32_t *v)
{
    return from_guest(p, dom, v, gaddr, (uint32_t)sizeof(*v));
}

int hmx_provider_async_setup(struct hmx_provider *p, hmx_domid_t caller, uint64_t gaddr,
                             uint32_t entries, uint32_t flags)
{
    struct hmx_prov_domain *d;
    struct hmx_async_hdr h;
    int rc;

    if (!hmx__prov_ok(p))
        return HMX_EINVAL;
    d = hmx__prov_domain(p, caller);
    if (d == NULL)
        return HMX_ENODEV;
    if (flags != 0)
        return HMX_EINVAL;
    if (gaddr == 0 && entries == 0) {
        if (d->async_entries == 0)
            return HMX_ENOENT;
        d->async_entries = 0;
        d->async_gaddr = 0;
        return 0;
    }
    if (entries == 0 || entries > HMX_ASYNC_ENTRIES_MAX || (entries & (entries - 1u)) != 0 ||
        gaddr == 0 || (gaddr & (HMX_FRAME_SIZE - 1u)) != 0 ||
        gaddr > UINT64_MAX - HMX_ASYNC_SIZE(entries))
        return HMX_EINVAL;
    if (d->async_entries != 0)
        return HMX_EEXIST;
    /* Prove both ends of the region reachable before taking it. */
    hmx_env_memset(&h, 0, sizeof(h));
    h.entries = entries;
    h.state = HMX_ASYNC_IDLE;
    rc = to_guest(p, caller, gaddr, &h, (uint32_t)sizeof(h));
    if (rc == 0) {
        struct hmx_async_cqe last;

        rc = from_guest(p, caller, &last,
                        gaddr + HMX_ASYNC_SIZE(entries) - sizeof(last), (uint32_t)sizeof(last));
    }
    if (rc < 0)
        return rc;
    d->async_gaddr = gaddr;
    d->async_entries = entries;
    d->async_sq_cons = 0;
    d->async_cq_prod = 0;
    return 0;
}

/* Take submission sq_cons, post its completion, advance both indices. */
static int take_one(struct hmx_provider *p, hmx_domid_t caller, struct hmx_prov_domain *d)
{
    const uint64_t base = d->async_gaddr;
    const uint32_t mask = d->async_entries - 1u;
    struct hmx_async_sqe s;
    struct hmx_async_cqe c;
    uint64_t at = base + HMX_ASYNC_SQ_OFF + (uint64_t)(d->async_sq_cons & mask) * sizeof(s);
    int rc;

    /* The fixed part first; the buffers only as far as niov says. */
    rc = from_guest(p, caller, &s, at, (uint32_t)offsetof(struct hmx_async_sqe, iov));
    if (rc < 0)
        return rc;
    hmx_env_memset(&c, 0, sizeof(c));
    c.user_data = s.user_data;
    if (s.niov > HMX_MAXIOV) {
        c.result = HMX_EINVAL;
    } else {
        rc = s.niov == 0 ? 0
                         : from_guest(p, caller, s.iov, at + offsetof(struct hmx_async_sqe, iov),
                                      s.niov * (uint32_t)sizeof(s.iov[0]));
        c.result = rc < 0 ? rc
                          : send_one(p, caller, &s.addr, 0, s.iov, s.niov, s.message_type);
    }
    at = base + HMX_ASYNC_CQ_OFF(d->async_entries) + (uint64_t)(d->async_cq_prod & mask) * sizeof(c);
    rc = to_guest(p, caller, at, &c, (uint32_t)sizeof(c));
    if (rc < 0)
        return rc;
    d->async_cq_prod++;
    d->async_sq_cons++;
    /* The completion is in place before cq_prod says so (the copy hooks of
     * a host whose guests run concurrently order their stores). */
    hmx_env_fence();
    rc = put_u32(p, caller, base + HDR_OFF(cq_prod), d->async_cq_prod);
    if (rc == 0)
        rc = put_u32(p, caller, base + HDR_OFF(sq_cons), d->async_sq_cons);
    return rc;
}

/* The drain of spec/ 19.5.  stay: a host polling from another CPU keeps
 * the region "draining" when it runs dry, so queueing costs its guest no
 * trap; it goes idle later through the doorbell's path. */
static int drain(struct hmx_provider *p, hmx_domid_t caller, int stay)
{
    struct hmx_prov_domain *d;
    uint32_t budget, prod, cq_cons, taken = 0;
    uint64_t base;
    int rc, rechecked = 0;

    if (!hmx__prov_ok(p))
        return HMX_EINVAL;
    d = hmx__prov_domain(p, caller);
    if (d == NULL)
        return HMX_ENODEV;
    if (d->async_entries == 0)
        return HMX_ENOENT;
    base = d->async_gaddr;
    budget = 4u * d->async_entries;
    rc = put_u32(p, caller, base + HDR_OFF(state), HMX_ASYNC_DRAINING);
    if (rc < 0)
        return rc;
    hmx_env_fence();
    for (;;) {
        rc = get_u32(p, caller, base + HDR_OFF(sq_prod), &prod);
        if (rc < 0)
            break;
        if (prod - d->async_sq_cons > d->async_entries) {
            rc = HMX_EINVAL; /* more queued than the ring holds */
            break;
        }
        if (prod == d->async_sq_cons && stay)
            break;
        if (prod == d->async_sq_cons) {
            /* Empty: go idle, then look once more.  A guest that queued
             * after our last look and read "draining" rang no doorbell;
             * its sq_prod store is visible once our idle store is, so this
             * second look finds it. */
            if (rechecked)
                break;
            rc = put_u32(p, caller, base + HDR_OFF(state), HMX_ASYNC_IDLE);
            if (rc < 0)
                return rc;
            hmx_env_fence();
            rechecked = 1;
            continue;
        }
        if (rechecked) {
            rc = put_u32(p, caller, base + HDR_OFF(state), HMX_ASYNC_DRAINING);
            if (rc < 0)
                break;
            hmx_env_fence();
            rechecked = 0;
        }
        if (taken == budget)
            break; /* the guest sees "idle" with work left and rings again */
        rc = get_u32(p, caller, base + HDR_OFF(cq_cons), &cq_cons);
        if (rc < 0)
            break;
        if (d->async_cq_prod - cq_cons > d->async_entries) {
            rc = HMX_EINVAL;
            break;
        }
        if (d->async_cq_prod - cq_cons == d->async_entries)
            break; /* no room to complete: the guest reaps and rings again */
        rc = take_one(p, caller, d);
        if (rc < 0)
            break;
        taken++;
    }
    if ((!stay || rc < 0) && put_u32(p, caller, base + HDR_OFF(state), HMX_ASYNC_IDLE) < 0 &&
        rc >= 0)
        rc = HMX_EFAULT;
    return rc < 0 ? rc : (int)taken;
}

int hmx_provider_async_doorbell(struct hmx_provider *p, hmx_domid_t caller)
{
    return drain(p, caller, 0);
}

int hmx_provider_async_poll(struct hmx_provider *p, hmx_domid_t caller)
{
    return drain(p, caller, 1);
}
