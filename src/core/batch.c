/* SPDX-License-Identifier: MIT */
/*
 * Many messages per trap, guest side (hmx/batch.h): argument checks for
 * the batched send and its fallback to one sendv per message, and the
 * library's half of the asynchronous send region.  Everything read back
 * from the region was written by the provider and is checked before use;
 * the indices this side owns are kept in struct hmx_async, never re-read.
 */
#include "api_internal.h"
#include "hmx/backend.h"
#include "hmx/batch.h"
#include "hmx_env.h"
#include "marshal.h"

/* The checks hmx_sendv makes, for one descriptor. */
static int check_desc(const hmx_ctx *ctx, const struct hmx_send_desc *d)
{
    uint32_t total = 0;
    unsigned i;
    int rc;

    if (d->dst.pad != 0 || d->iov == NULL || d->niov == 0 || d->niov > HMX_MAXIOV)
        return HMX_EINVAL;
    rc = hmx__reserved_domain_ok(ctx, d->dst.domain);
    if (rc < 0)
        return rc;
    for (i = 0; i < d->niov; i++) {
        if ((d->iov[i].base == NULL && d->iov[i].len != 0) || d->iov[i].len > HMX_MSG_MAX)
            return HMX_EINVAL;
        total += (uint32_t)d->iov[i].len;
        if (total > HMX_MSG_MAX)
            return HMX_EMSGSIZE;
    }
    return 0;
}

/* Without HMX_FEAT_BATCH (Xen): one sendv per message, same results. */
static int batch_fallback(hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n, uint32_t flags,
                          int32_t *results)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        results[i] = hmx_sendv(ctx, d[i].src_port, &d[i].dst, d[i].iov, d[i].niov,
                               d[i].message_type);
        if (results[i] < 0 && (flags & HMX_BATCH_STOP))
            return (int)(i + 1);
    }
    return (int)n;
}

int hmx_sendv_batch(hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n, uint32_t flags,
                    int32_t *results)
{
    unsigned i = 0, j;
    int rc = 0, r;

    if (!hmx__ctx_open(ctx) || d == NULL || results == NULL || n == 0 || n > HMX_BATCH_MAX ||
        (flags & ~HMX_BATCH_STOP) != 0)
        return HMX_EINVAL;
    if (ctx->ops->sendv_batch == NULL || !(ctx->features & HMX_FEAT_BATCH))
        return batch_fallback(ctx, d, n, flags, results);
    while (i < n) {
        /* The backend sees only well-formed runs; a descriptor that fails
         * the checks is answered here, in its place in the order. */
        for (j = i; j < n; j++) {
            rc = check_desc(ctx, &d[j]);
            if (rc < 0)
                break;
        }
        if (j > i) {
            r = ctx->ops->sendv_batch(ctx, d + i, j - i, flags, results + i);
            if (r < 0)
                return i > 0 ? (int)i : r;
            if ((unsigned)r > j - i)
                return i > 0 ? (int)i : HMX_EIO;
            if ((unsigned)r < j - i)
                return (int)(i + (unsigned)r);
            i = j;
            if ((flags & HMX_BATCH_STOP) && results[i - 1] < 0)
                return (int)i;
        }
        if (j < n) {
            results[j] = rc;
            i = j + 1;
            if (flags & HMX_BATCH_STOP)
                return (int)i;
        }
    }
    return (int)n;
}

/* ---- the asynchronous send region -------------------------------------- */

static int async_live(const struct hmx_async *q)
{
    return q != NULL && q->live == HMX_ASYNC_LIVE && q->hdr != NULL;
}

/* The region's address for the provider: one contiguous run, checked at
 * the start of every environment page it reaches. */
static int region_addr(const hmx_ctx *ctx, uint8_t *mem, uint64_t size, uint64_t *gaddr)
{
    const uint64_t page = ctx->env.page_size;
    uint64_t off, at;
    int rc;

    rc = ctx->env.virt_to_gpa(ctx->env.user, mem, gaddr);
    if (rc < 0)
        return rc;
    if ((*gaddr & (HMX_FRAME_SIZE - 1u)) != 0)
        return HMX_EFAULT;
    for (off = page - ((uintptr_t)mem & (page - 1u)); off < size; off += page) {
        rc = ctx->env.virt_to_gpa(ctx->env.user, mem + off, &at);
        if (rc < 0)
            return rc;
        if (at != *gaddr + off)
            return HMX_EFAULT;
    }
    return 0;
}

int hmx_async_setup(hmx_ctx *ctx, struct hmx_async *q, void *mem, size_t size, uint32_t entries)
{
    uint64_t gaddr;
    int rc;

    if (!hmx__ctx_open(ctx) || q == NULL || mem == NULL)
        return HMX_EINVAL;
    if (ctx->ops->async_setup == NULL || ctx->ops->async_doorbell == NULL ||
        !(ctx->features & HMX_FEAT_ASYNC))
        return HMX_EOPNOTSUPP;
    if (q->live == HMX_ASYNC_LIVE || entries == 0 || entries > HMX_ASYNC_ENTRIES_MAX ||
        (entries & (entries - 1u)) != 0 || ((uintptr_t)mem & (HMX_FRAME_SIZE - 1u)) != 0 ||
        size < HMX_ASYNC_SIZE(entries))
        return HMX_EINVAL;
    rc = region_addr(ctx, mem, HMX_ASYNC_SIZE(entries), &gaddr);
    if (rc < 0)
        return rc;
    hmx_env_memset(mem, 0, (size_t)HMX_ASYNC_SIZE(entries));
    rc = ctx->ops->async_setup(ctx, gaddr, entries);
    if (rc < 0)
        return rc;
    hmx_env_memset(q, 0, sizeof(*q));
    q->hdr = (volatile struct hmx_async_hdr *)mem;
    q->sq = (struct hmx_async_sqe *)(void *)((uint8_t *)mem + HMX_ASYNC_SQ_OFF);
    q->cq = (volatile struct hmx_async_cqe *)(void *)((uint8_t *)mem + HMX_ASYNC_CQ_OFF(entries));
    q->entries = entries;
    q->live = HMX_ASYNC_LIVE;
    return 0;
}

int hmx_async_teardown(hmx_ctx *ctx, struct hmx_async *q)
{
    int rc;

    if (!hmx__ctx_open(ctx) || !async_live(q) || ctx->ops->async_setup == NULL)
        return HMX_EINVAL;
    rc = ctx->ops->async_setup(ctx, 0, 0);
    if (rc < 0 && rc != HMX_ENOENT)
        return rc;
    q->live = 0; /* ENOENT: the provider had already forgotten it */
    return rc;
}

int hmx_async_queue(hmx_ctx *ctx, struct hmx_async *q, const struct hmx_send_desc *d,
                    uint64_t user_data)
{
    struct hmx_giov seg[HMX_MAXIOV];
    struct hmx_async_sqe *s;
    struct hmx_marshal m;
    unsigned i, nseg = 0;
    int rc;

    if (!hmx__ctx_open(ctx) || !async_live(q) || d == NULL)
        return HMX_EINVAL;
    rc = check_desc(ctx, d);
    if (rc < 0)
        return rc;
    /* Never more in flight than the completion ring holds: then a slot
     * whose completion we reaped is one the provider is done with. */
    if (q->sq_prod - q->cq_cons >= q->entries)
        return HMX_EAGAIN;
    m.env = &ctx->env;
    m.physical = 1; /* the region is named by address in the env's space */
    for (i = 0; i < d->niov; i++) {
        if (d->iov[i].len == 0)
            continue;
        rc = hmx_marshal_name(&m, d->iov[i].base, (uint32_t)d->iov[i].len, seg, &nseg,
                              HMX_MAXIOV);
        if (rc < 0)
            return rc;
    }
    /* Written in place; the provider reads only the niov segments named,
     * so the slot's other segments may keep old bytes. */
    s = &q->sq[q->sq_prod & (q->entries - 1u)];
    s->addr.src.port = d->src_port;
    s->addr.src.domain = HMX_DOMID_ANY;
    s->addr.src.pad = 0;
    s->addr.dst = d->dst;
    s->user_data = user_data;
    s->niov = nseg;
    s->message_type = d->message_type;
    for (i = 0; i < nseg; i++)
        s->iov[i] = seg[i];
    q->sq_prod++;
    hmx_env_store_release_u32(&q->hdr->sq_prod, q->sq_prod);
    q->queued++;
    return 0;
}

int hmx_async_kick(hmx_ctx *ctx, struct hmx_async *q)
{
    uint32_t sq_cons, state;
    int traps = 0, rc;

    if (!hmx__ctx_open(ctx) || !async_live(q))
        return HMX_EINVAL;
    /* A provider that stops at its budget goes idle with work left: ring
     * again, a bounded number of times. */
    while (traps < 4) {
        /* Our sq_prod store before the state load: a provider going idle
         * looks at sq_prod once more after its store, so one of us sees
         * the other. */
        hmx_env_fence();
        state = hmx_env_load_once_u32(&q->hdr->state);
        sq_cons = hmx_env_load_acquire_u32(&q->hdr->sq_cons);
        if (sq_cons - q->cq_cons > q->sq_prod - q->cq_cons)
            return HMX_ECORRUPT; /* taken more than we queued */
        if (sq_cons == q->sq_prod || state == HMX_ASYNC_DRAINING)
            return traps; /* nothing left, or it is still draining */
        rc = ctx->ops->async_doorbell(ctx);
        q->doorbells++;
        traps++;
        if (rc < 0)
            return rc;
        if (rc == 0)
            break; /* it took nothing: asking again would not help */
    }
    return traps;
}

int hmx_async_submit(hmx_ctx *ctx, struct hmx_async *q, const struct hmx_send_desc *d,
                     uint64_t user_data)
{
    int rc = hmx_async_queue(ctx, q, d, user_data);

    if (rc < 0)
        return rc;
    rc = hmx_async_kick(ctx, q);
    return rc < 0 ? rc : 0;
}

int hmx_async_reap(struct hmx_async *q, struct hmx_async_cqe *out, unsigned cap)
{
    uint32_t prod, avail, k, i;

    if (!async_live(q) || (out == NULL && cap != 0))
        return HMX_EINVAL;
    prod = hmx_env_load_acquire_u32(&q->hdr->cq_prod);
    avail = prod - q->cq_cons;
    if (avail > q->sq_prod - q->cq_cons)
        return HMX_ECORRUPT; /* more completions than submissions */
    k = avail < cap ? avail : cap;
    for (i = 0; i < k; i++) {
        const volatile struct hmx_async_cqe *c = &q->cq[(q->cq_cons + i) & (q->entries - 1u)];
        int32_t r = c->result;

        out[i].user_data = c->user_data;
        out[i].pad = 0;
        if (r >= 0)
            out[i].result = r <= (int32_t)HMX_MSG_MAX ? r : HMX_EIO;
        else
            out[i].result = r >= -4095 ? hmx_err_from_xen(-r) : HMX_EIO;
    }
    q->cq_cons += k;
    hmx_env_store_release_u32(&q->hdr->cq_cons, q->cq_cons);
    return (int)k;
}

uint32_t hmx_async_outstanding(const struct hmx_async *q)
{
    return async_live(q) ? q->sq_prod - q->cq_cons : 0;
}
