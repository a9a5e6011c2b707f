/* SPDX-License-Identifier: MIT */
/*
 * The reference provider speaking v4v: decode one v4v_op of the dialect
 * chosen at provider init into the provider's own operations, and answer
 * in that dialect's errnos.  Every structure is read from the guest once,
 * into local copies, and validated there (magics, lengths, counts), as
 * the Argo decoder in call.c does.
 */
#include "hmx/v4v.h"
#include "hmx_env.h"
#include "prov_internal.h"

#define V4V_MAX_PAGES (HMX_RING_MAX_LEN / HMX_FRAME_SIZE) /* v4v's limit on npage */
/* OpenXT's V4V_MAXENT.  uXen sets no limit; this provider applies the same
 * one to both, so that one call cannot keep it busy for millions of
 * entries. */
#define V4V_NOTIFY_MAX 4096u
#define NOTIFY_CHUNK 16u /* entries answered per provider notify */

struct v4v_call {
    struct hmx_provider *p;
    hmx_domid_t caller;
    uint32_t dialect;
    const struct hmx_ring_layout *lay;
};

static int get(const struct v4v_call *c, void *dst, uint64_t gaddr, uint32_t len)
{
    int rc = c->p->hooks.copy_from_guest(c->p->hooks.host, c->caller, dst, gaddr, len);

    return rc > 0 ? HMX_EFAULT : rc;
}

static int put(const struct v4v_call *c, uint64_t gaddr, const void *src, uint32_t len)
{
    int rc;

    if (c->p->hooks.copy_to_guest == NULL)
        return HMX_EFAULT;
    rc = c->p->hooks.copy_to_guest(c->p->hooks.host, c->caller, gaddr, src, len);
    return rc > 0 ? HMX_EFAULT : rc;
}

/* The ring header's magic, id and len, read through the ring's address. */
static int read_ring_hdr(const struct v4v_call *c, uint64_t ring, struct hmx_v4v_ring_id *id,
                         uint32_t *len)
{
    uint8_t hdr[HMX_RING_HDR_SIZE];
    uint64_t magic;
    int rc;

    if (ring == 0 || (ring & (HMX_FRAME_SIZE - 1u)) != 0)
        return HMX_EINVAL; /* v4v: ring memory starts on a page */
    rc = get(c, hdr, ring, c->lay->hdr_size);
    if (rc < 0)
        return rc;
    hmx_env_memcpy(&magic, hdr + c->lay->magic_off, sizeof(magic));
    if (magic != c->lay->magic)
        return HMX_EINVAL;
    hmx_env_memcpy(id, hdr + c->lay->id_off, sizeof(*id));
    hmx_env_memcpy(len, hdr + c->lay->len_off, sizeof(*len));
    return 0;
}

static int do_register(const struct v4v_call *c, const uint64_t a[5], hmx_gfn_t *scratch,
                       uint32_t scratch_len)
{
    struct hmx_v4v_pfn_list pl;
    struct hmx_v4v_ring_id id;
    struct hmx_ring_reg reg;
    uint32_t len, npages, flags = 0;
    int rc;

    rc = read_ring_hdr(c, a[0], &id, &len);
    if (rc < 0)
        return rc;
    if (!hmx_ring_valid_len(len))
        return HMX_EINVAL;
    /* uXen: a partner named by identity token is not served here. */
    if (c->dialect == HMX_V4V_UXEN && a[2] != 0)
        return HMX_EINVAL;
    rc = get(c, &pl, a[1], sizeof(pl));
    if (rc < 0)
        return rc;
    npages = HMX_RING_NPAGES(len);
    /* v4v wants the magic and at most 16 MiB of pages; the ring with its
     * header must lie in the pages given (extra pages are not mapped). */
    if (pl.magic != HMX_V4V_PFN_LIST_MAGIC || pl.npage > V4V_MAX_PAGES || pl.npage < npages)
        return HMX_EINVAL;
    if (npages > scratch_len || scratch == NULL)
        return HMX_EINVAL;
    rc = get(c, scratch, a[1] + sizeof(pl), npages * (uint32_t)sizeof(hmx_gfn_t));
    if (rc < 0)
        return rc;
    if (c->dialect == HMX_V4V_UXEN && a[3] != 0)
        flags = HMX_REGISTER_FAIL_EXIST;

    reg.port = id.addr.port;
    reg.partner = hmx_v4v_domid_to_hmx(id.partner);
    reg.pad = 0;
    reg.len = len;
    rc = hmx_provider_register_ring(c->p, c->caller, &reg, scratch, npages, flags);
    if (rc < 0)
        return rc;
    /* As v4v: the owner learns its own id from the header. */
    id.addr.domain = c->caller;
    return put(c, a[0] + c->lay->id_off, &id, sizeof(id));
}

static int do_unregister(const struct v4v_call *c, const uint64_t a[5])
{
    struct hmx_v4v_ring_id id;
    struct hmx_ring_unreg unreg;
    uint32_t len;
    int rc = read_ring_hdr(c, a[0], &id, &len);

    if (rc < 0)
        return rc;
    unreg.port = id.addr.port;
    unreg.partner = hmx_v4v_domid_to_hmx(id.partner);
    unreg.pad = 0;
    return hmx_provider_unregister_ring(c->p, c->caller, &unreg);
}

/* src and dst at a[0] and a[1]; the caller's buffers in iov. */
static int do_send(const struct v4v_call *c, const uint64_t a[5], const struct hmx_giov *iov,
                   uint32_t niov)
{
    struct hmx_v4v_addr src, dst;
    struct hmx_send_addr sa;
    int rc;

    rc = get(c, &src, a[0], sizeof(src));
    if (rc == 0)
        rc = get(c, &dst, a[1], sizeof(dst));
    if (rc < 0)
        return rc;
    sa.src.port = src.port;
    /* uXen overwrites the source domain with the caller's; OpenXT takes
     * it as given, which this provider does not allow: another domain's
     * id is refused (EPERM), as Argo refuses it. */
    sa.src.domain = c->dialect == HMX_V4V_UXEN ? HMX_DOMID_ANY : hmx_v4v_domid_to_hmx(src.domain);
    sa.src.pad = 0;
    sa.dst.port = dst.port;
    sa.dst.domain = hmx_v4v_domid_to_hmx(dst.domain);
    sa.dst.pad = 0;
    if (sa.dst.domain >= 0x7FF0u)
        return HMX_ESRCH; /* v4v has no HMX reserved destinations */
    if (a[4] > 0xFFFFFFFFull)
        return HMX_EINVAL;
    return hmx_provider_sendv(c->p, c->caller, &sa, iov, niov, (uint32_t)a[4]);
}

static int do_send_flat(const struct v4v_call *c, const uint64_t a[5])
{
    struct hmx_giov g;

    if (a[3] > HMX_MSG_MAX)
        return HMX_EINVAL;
    g.gaddr = a[2];
    g.len = (uint32_t)a[3];
    g.pad = 0;
    return do_send(c, a, &g, 1);
}

static int do_sendv(const struct v4v_call *c, const uint64_t a[5])
{
    struct hmx_giov g[HMX_MAXIOV];
    struct hmx_v4v_iov v;
    uint32_t i;
    int rc;

    if (a[3] > HMX_MAXIOV)
        return HMX_EINVAL;
    for (i = 0; i < (uint32_t)a[3]; i++) {
        rc = get(c, &v, a[2] + (uint64_t)i * sizeof(v), sizeof(v));
        if (rc < 0)
            return rc;
        if (v.len > HMX_MSG_MAX)
            return HMX_EINVAL;
        g[i].gaddr = v.base;
        g[i].len = (uint32_t)v.len;
        g[i].pad = 0;
    }
    return do_send(c, a, g, (uint32_t)a[3]);
}

static int do_notify(const struct v4v_call *c, const uint64_t a[5])
{
    struct hmx_ring_query q[NOTIFY_CHUNK];
    struct hmx_v4v_ring_data hdr;
    struct hmx_v4v_ring_data_ent e;
    uint64_t ents = a[0] + sizeof(hdr);
    uint32_t done = 0, k, i;
    int rc;

    if (a[0] == 0)
        return hmx_provider_notify(c->p, c->caller, NULL, 0);
    rc = get(c, &hdr, a[0], sizeof(hdr));
    if (rc < 0)
        return rc;
    if (hdr.magic != HMX_V4V_RING_DATA_MAGIC || hdr.nent > V4V_NOTIFY_MAX)
        return HMX_EINVAL;
    if (hdr.nent == 0)
        return hmx_provider_notify(c->p, c->caller, NULL, 0);
    while (done < hdr.nent) {
        k = hdr.nent - done < NOTIFY_CHUNK ? hdr.nent - done : NOTIFY_CHUNK;
        for (i = 0; i < k; i++) {
            rc = get(c, &e, ents + (uint64_t)(done + i) * sizeof(e), sizeof(e));
            if (rc < 0)
                return rc;
            hmx_env_memset(&q[i], 0, sizeof(q[i]));
            q[i].ring.port = e.ring.port;
            q[i].ring.domain = hmx_v4v_domid_to_hmx(e.ring.domain);
            q[i].space_required = e.space_required;
        }
        rc = hmx_provider_notify(c->p, c->caller, q, k);
        if (rc < 0)
            return rc;
        for (i = 0; i < k; i++) {
            uint64_t at = ents + (uint64_t)(done + i) * sizeof(e);
            uint16_t flags = hmx_v4v_flags_from_hmx(q[i].flags);

            /* OpenXT copies out the flags only; uXen the size as well. */
            rc = put(c, at + 6, &flags, sizeof(flags));
            if (rc == 0 && c->dialect == HMX_V4V_UXEN)
                rc = put(c, at + 12, &q[i].max_message_size, sizeof(q[i].max_message_size));
            if (rc < 0)
                return rc;
        }
        done += k;
    }
    return 0;
}

int hmx_provider_v4v_call(struct hmx_provider *p, hmx_domid_t caller, uint32_t cmd,
                          const uint64_t a[5], hmx_gfn_t *gfn_scratch, uint32_t gfn_scratch_len)
{
    struct v4v_call c;
    int rc;

    if (!hmx__prov_ok(p) || a == NULL)
        return -38;
    if (p->flags & HMX_PROVIDER_V4V_OPENXT)
        c.dialect = HMX_V4V_OPENXT;
    else if (p->flags & HMX_PROVIDER_V4V_UXEN)
        c.dialect = HMX_V4V_UXEN;
    else
        return -38; /* no v4v here: ENOSYS, as a Xen without it */
    c.p = p;
    c.caller = caller;
    c.lay = hmx_v4v_layout(c.dialect);
    if (hmx__prov_domain(p, caller) == NULL) {
        rc = HMX_ENODEV;
    } else {
        switch (cmd) {
        case HMX_V4V_OP_REGISTER_RING:
            rc = do_register(&c, a, gfn_scratch, gfn_scratch_len);
            break;
        case HMX_V4V_OP_UNREGISTER_RING:
            rc = do_unregister(&c, a);
            break;
        case HMX_V4V_OP_SEND:
            rc = do_send_flat(&c, a);
            break;
        case HMX_V4V_OP_NOTIFY:
            rc = do_notify(&c, a);
            break;
        case HMX_V4V_OP_SENDV:
            rc = do_sendv(&c, a);
            break;
        default:
            return -38; /* ENOSYS: v4v's answer to an unknown cmd */
        }
    }
    return rc >= 0 ? rc : -hmx_v4v_err_to_dialect(c.dialect, cmd, rc);
}
