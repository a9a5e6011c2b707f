/* SPDX-License-Identifier: MIT */
/* The shared marshalling of v4v_op calls: see v4v_marshal.h. */
#include "v4v_marshal.h"
#include "hmx/errors.h"
#include "hmx_env.h"

/* The staging area: the two addresses, then the iovs (8-aligned). */
#define AREA_SRC 0u
#define AREA_DST 8u
#define AREA_IOV 16u

/* One 8-byte element, through a temporary: correct even when the two
 * places overlap. */
static void move8(uint8_t *dst, const uint8_t *src)
{
    uint8_t t[8];

    hmx_env_memcpy(t, src, 8);
    hmx_env_memcpy(dst, t, 8);
}

/* Move n frame numbers where the two arrays may overlap (the API's default
 * list lies at the start of the data area, just below where the page list
 * wants it).  Element by element, in the direction that never overwrites
 * an element before it is moved. */
static void move_gfns(uint8_t *dst, const hmx_gfn_t *src, uint32_t n)
{
    const uint8_t *s = (const uint8_t *)src;
    uint32_t i;

    if (dst == s)
        return;
    if (dst > s) {
        for (i = n; i-- > 0;)
            move8(dst + (size_t)i * 8u, s + (size_t)i * 8u);
    } else {
        for (i = 0; i < n; i++)
            move8(dst + (size_t)i * 8u, s + (size_t)i * 8u);
    }
}

static void put_addr(uint8_t *at, uint32_t port, uint16_t domain)
{
    struct hmx_v4v_addr a;

    a.port = port;
    a.domain = domain;
    hmx_env_memcpy(at, &a, sizeof(a));
}

int hmx_v4v_marshal_register(const struct hmx_v4v_marshal *m, void *mem,
                             const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                             uint32_t npages, uint32_t flags, uint16_t *self)
{
    const struct hmx_ring_layout *lay = hmx_v4v_layout(m->dialect);
    struct hmx_v4v_ring_id id;
    struct hmx_v4v_pfn_list pl;
    uint8_t *base = mem, *list;
    uint64_t a[5];
    int rc;

    if (lay == NULL)
        return HMX_EINVAL;
    /* OpenXT has no "fail if it exists" option: refuse rather than
     * silently replace a ring. */
    if ((flags & HMX_REGISTER_FAIL_EXIST) && m->dialect == HMX_V4V_OPENXT)
        return HMX_EOPNOTSUPP;
    /* The page list goes at the start of the data area, unused until the
     * ring is live; it always fits: 40 + 8 * npages <= len for every valid
     * len, but check rather than trust the arithmetic. */
    if ((uint64_t)sizeof(pl) + (uint64_t)npages * sizeof(hmx_gfn_t) > reg->len)
        return HMX_EINVAL;
    list = base + lay->hdr_size;
    move_gfns(list + sizeof(pl), gfns, npages);
    hmx_env_memset(&pl, 0, sizeof(pl));
    pl.magic = HMX_V4V_PFN_LIST_MAGIC;
    pl.npage = npages;
    hmx_env_memcpy(list, &pl, sizeof(pl));

    /* The ring id lives in the header, where the hypervisor reads it; the
     * domain is the hypervisor's to fill in. */
    id.addr.port = reg->port;
    id.addr.domain = HMX_V4V_DOMID_ANY;
    id.partner = hmx_v4v_domid_from_hmx(reg->partner);
    hmx_env_memcpy(base + lay->id_off, &id, sizeof(id));

    a[0] = (uint64_t)(uintptr_t)mem;
    a[1] = (uint64_t)(uintptr_t)list;
    a[2] = 0; /* uXen: no identity token (the partner is a domain id) */
    a[3] = m->dialect == HMX_V4V_UXEN && (flags & HMX_REGISTER_FAIL_EXIST) ? 1u : 0u;
    a[4] = 0;
    rc = m->trap(m->trap_ctx, HMX_V4V_OP_REGISTER_RING, a);
    if (rc >= 0 && self != NULL) {
        hmx_env_memcpy(&id, base + lay->id_off, sizeof(id));
        *self = id.addr.domain;
    }
    return rc < 0 ? rc : 0;
}

int hmx_v4v_marshal_unregister(const struct hmx_v4v_marshal *m, void *mem)
{
    uint64_t a[5] = {(uint64_t)(uintptr_t)mem, 0, 0, 0, 0};
    int rc = m->trap(m->trap_ctx, HMX_V4V_OP_UNREGISTER_RING, a);

    return rc < 0 ? rc : 0;
}

int hmx_v4v_marshal_sendv(const struct hmx_v4v_marshal *m, const struct hmx_send_addr *addr,
                          const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    struct hmx_v4v_iov v;
    uint64_t a[5];
    unsigned i;

    if (niov > (m->area_size - AREA_IOV) / sizeof(v))
        return HMX_EINVAL;
    /* Source: our own id when known (OpenXT looks rings up by the id we
     * give); else v4v's wildcard, which uXen reads as "myself". */
    put_addr(m->area + AREA_SRC, addr->src.port,
             addr->src.domain == HMX_DOMID_ANY ? m->self : addr->src.domain);
    hmx_env_memset(m->area + AREA_SRC + 6, 0, 2);
    put_addr(m->area + AREA_DST, addr->dst.port, hmx_v4v_domid_from_hmx(addr->dst.domain));
    hmx_env_memset(m->area + AREA_DST + 6, 0, 2);
    for (i = 0; i < niov; i++) {
        v.base = (uint64_t)(uintptr_t)iov[i].base;
        v.len = iov[i].len;
        hmx_env_memcpy(m->area + AREA_IOV + i * sizeof(v), &v, sizeof(v));
    }
    a[0] = (uint64_t)(uintptr_t)(m->area + AREA_SRC);
    a[1] = (uint64_t)(uintptr_t)(m->area + AREA_DST);
    a[2] = (uint64_t)(uintptr_t)(m->area + AREA_IOV);
    a[3] = niov;
    a[4] = message_type; /* v4v's "protocol" */
    return m->trap(m->trap_ctx, HMX_V4V_OP_SENDV, a);
}

int hmx_v4v_marshal_notify(const struct hmx_v4v_marshal *m, struct hmx_ring_query *q, unsigned n)
{
    const unsigned per_call = (m->area_size - (uint32_t)sizeof(struct hmx_v4v_ring_data)) /
                              (uint32_t)sizeof(struct hmx_v4v_ring_data_ent);
    struct hmx_v4v_ring_data hdr;
    struct hmx_v4v_ring_data_ent e;
    unsigned done = 0, i;
    int rc;

    if (n == 0) {
        uint64_t a[5] = {0, 0, 0, 0, 0};

        rc = m->trap(m->trap_ctx, HMX_V4V_OP_NOTIFY, a);
        return rc < 0 ? rc : 0;
    }
    while (done < n) {
        unsigned k = n - done < per_call ? n - done : per_call;
        uint8_t *ents = m->area + sizeof(hdr);
        uint64_t a[5] = {(uint64_t)(uintptr_t)m->area, 0, 0, 0, 0};

        hmx_env_memset(&hdr, 0, sizeof(hdr));
        hdr.magic = HMX_V4V_RING_DATA_MAGIC;
        hdr.nent = k;
        hmx_env_memcpy(m->area, &hdr, sizeof(hdr));
        for (i = 0; i < k; i++) {
            const struct hmx_ring_query *x = &q[done + i];

            e.ring.port = x->ring.port;
            e.ring.domain = hmx_v4v_domid_from_hmx(x->ring.domain);
            e.flags = 0;
            e.space_required = x->space_required;
            e.max_message_size = 0;
            hmx_env_memcpy(ents + i * sizeof(e), &e, sizeof(e));
        }
        rc = m->trap(m->trap_ctx, HMX_V4V_OP_NOTIFY, a);
        if (rc < 0)
            return rc;
        for (i = 0; i < k; i++) {
            struct hmx_ring_query *x = &q[done + i];

            hmx_env_memcpy(&e, ents + i * sizeof(e), sizeof(e));
            x->flags = hmx_v4v_flags_to_hmx(e.flags);
            /* OpenXT computes the size but never copies it out. */
            x->max_message_size = m->dialect == HMX_V4V_UXEN ? e.max_message_size : 0;
        }
        done += k;
    }
    return 0;
}
