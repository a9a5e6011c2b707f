/* SPDX-License-Identifier: MIT */
/*
 * Marshalling of the batched send and the asynchronous send's two calls
 * (spec/, section 19), for every trapping backend that carries them.
 *
 * A batch is staged as one descriptor array at the start of the area and
 * the descriptors' segment lists packed down from its end, so the area is
 * filled from both sides and as many messages as fit travel in one trap.
 * A batch longer than the area holds goes in several traps, in order.
 */
#include "marshal.h"
#include "hmx_env.h"

/* A result the provider wrote back: a plausible one for this message, or
 * HMX_EIO (a byte count other than the message's is a lie). */
static int32_t check_result(int32_t r, uint32_t expected)
{
    if (r >= 0)
        return (uint32_t)r == expected ? r : HMX_EIO;
    if (r >= -4095)
        return hmx_err_from_xen(-r);
    return HMX_EIO;
}

/* Name message d's buffers as segments; the payload total in *total. */
static int name_message(const struct hmx_marshal *m, const struct hmx_send_desc *d,
                        struct hmx_giov *seg, unsigned *nseg, uint32_t *total)
{
    unsigned i;
    int rc;

    *nseg = 0;
    *total = 0;
    for (i = 0; i < d->niov; i++) {
        *total += (uint32_t)d->iov[i].len; /* bounded by the library's checks */
        if (d->iov[i].len == 0 && m->physical)
            continue; /* nothing to name, as for sendv */
        rc = hmx_marshal_name(m, d->iov[i].base, (uint32_t)d->iov[i].len, seg, nseg, HMX_MAXIOV);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int hmx_marshal_sendv_batch(const struct hmx_marshal *m, const struct hmx_send_desc *d,
                            unsigned n, uint32_t flags, int32_t *results)
{
    const uint32_t dsz = (uint32_t)sizeof(struct hmx_batch_desc);
    uint32_t expected[HMX_BATCH_MAX];
    unsigned i = 0;

    while (i < n) {
        uint32_t desc_end = 0, seg_top = m->area_size & ~15u;
        struct hmx_batch_desc *wd;
        unsigned k = 0, j;
        uint64_t a[4];
        int rc;

        while (i + k < n) {
            struct hmx_giov seg[HMX_MAXIOV];
            unsigned nseg;
            uint32_t segb;

            rc = name_message(m, &d[i + k], seg, &nseg, &expected[k]);
            if (rc < 0) {
                if (k > 0)
                    break; /* send what is staged first, in order */
                results[i] = rc;
                i++;
                if (flags & HMX_BATCH_STOP)
                    return (int)i;
                continue;
            }
            segb = nseg * (uint32_t)sizeof(seg[0]);
            if (desc_end + dsz > seg_top - segb)
                break; /* the area is full: this one opens the next trap */
            seg_top -= segb;
            for (j = 0; j < nseg; j++) /* 16-aligned: seg_top and segb are multiples of 16 */
                ((struct hmx_giov *)(void *)(m->area + seg_top))[j] = seg[j];
            /* Written in place, field by field: the area is 16-aligned and
             * descriptors are 40 bytes, so each is 8-aligned. */
            wd = (struct hmx_batch_desc *)(void *)(m->area + desc_end);
            wd->addr.src.port = d[i + k].src_port;
            wd->addr.src.domain = HMX_DOMID_ANY; /* the provider knows who we are */
            wd->addr.src.pad = 0;
            wd->addr.dst = d[i + k].dst;
            wd->iov = m->area_addr + seg_top;
            wd->niov = nseg;
            wd->message_type = d[i + k].message_type;
            wd->result = 0;
            wd->pad = 0;
            desc_end += dsz;
            k++;
        }
        if (k == 0)
            continue; /* every message so far failed on its own */
        a[0] = m->area_addr;
        a[1] = k;
        a[2] = flags;
        a[3] = 0;
        rc = m->trap(m->trap_ctx, HMX_OP_SENDV_BATCH, a);
        if (rc < 0)
            return i > 0 ? (int)i : rc;
        if ((unsigned)rc > k)
            return i > 0 ? (int)i : HMX_EIO; /* more than we sent: not to be trusted */
        for (j = 0; j < (unsigned)rc; j++) {
            const volatile struct hmx_batch_desc *w =
                (const volatile struct hmx_batch_desc *)(void *)(m->area + j * dsz);

            results[i + j] = check_result(w->result, expected[j]); /* read once */
        }
        i += (unsigned)rc;
        if ((unsigned)rc < k || ((flags & HMX_BATCH_STOP) && rc > 0 && results[i - 1] < 0))
            return (int)i;
    }
    return (int)n;
}

int hmx_marshal_async_setup(const struct hmx_marshal *m, uint64_t gaddr, uint32_t entries)
{
    uint64_t a[4] = {gaddr, entries, 0, 0};

    return m->trap(m->trap_ctx, HMX_OP_ASYNC_SETUP, a);
}

int hmx_marshal_async_doorbell(const struct hmx_marshal *m)
{
    uint64_t a[4] = {0, 0, 0, 0};

    return m->trap(m->trap_ctx, HMX_OP_ASYNC_DOORBELL, a);
}

/* ---- the backend operations -------------------------------------------- */

static void setup(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *area)
{
    const struct hmx_marshal_backend *mb = (const struct hmx_marshal_backend *)(const void *)
                                               ctx->priv.u64;

    mb->setup(ctx, m, area);
}

int hmx_mb_sendv_batch(struct hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n,
                       uint32_t flags, int32_t *results)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    setup(ctx, &m, area);
    return hmx_marshal_sendv_batch(&m, d, n, flags, results);
}

int hmx_mb_async_setup(struct hmx_ctx *ctx, uint64_t gaddr, uint32_t entries)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    setup(ctx, &m, area);
    return hmx_marshal_async_setup(&m, gaddr, entries);
}

int hmx_mb_async_doorbell(struct hmx_ctx *ctx)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    setup(ctx, &m, area);
    return hmx_marshal_async_doorbell(&m);
}
