/* SPDX-License-Identifier: MIT */
/* The shared marshalling of HMX calls: see marshal.h. */
#include "marshal.h"
#include "hmx_env.h"

int hmx_marshal_addr(const struct hmx_marshal *m, const void *va, uint64_t *out)
{
    if (!m->physical) {
        *out = (uint64_t)(uintptr_t)va;
        return 0;
    }
    return m->env->virt_to_gpa(m->env->user, va, out);
}

/*
 * Name one buffer [va, va + len) in the mechanism's address space,
 * appending segments to seg[*nseg].  Virtual mode: one segment, as given.
 * Physical mode: a new segment wherever the memory stops being physically
 * contiguous (translating once per environment page).  Segments of
 * different buffers are never merged, so the hypervisor sees the caller's
 * buffer boundaries.
 */
static int name_buffer(const struct hmx_marshal *m, const uint8_t *va, uint32_t len,
                       struct hmx_giov *seg, unsigned *nseg, unsigned max)
{
    const uint64_t page = m->env->page_size ? m->env->page_size : HMX_FRAME_SIZE;
    int first = 1;
    uint64_t addr;
    int rc;

    do {
        uint32_t run = len;

        if (m->physical) {
            uint64_t to_end = page - ((uintptr_t)va & (page - 1));

            if (run > to_end)
                run = (uint32_t)to_end;
        }
        rc = hmx_marshal_addr(m, va, &addr);
        if (rc < 0)
            return rc;
        if (!first && seg[*nseg - 1].gaddr + seg[*nseg - 1].len == addr) {
            seg[*nseg - 1].len += run;
        } else {
            if (*nseg == max)
                return HMX_EINVAL; /* too fragmented for the segments allowed */
            seg[*nseg].gaddr = addr;
            seg[*nseg].len = run;
            seg[*nseg].pad = 0;
            (*nseg)++;
        }
        first = 0;
        va += run;
        len -= run;
    } while (len > 0);
    return 0;
}

int hmx_marshal_name(const struct hmx_marshal *m, const void *va, uint32_t len,
                     struct hmx_giov *seg, unsigned *nseg, unsigned max)
{
    return name_buffer(m, va, len, seg, nseg, max);
}

int hmx_marshal_register(const struct hmx_marshal *m, const struct hmx_ring_reg *reg,
                         const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags)
{
    const uint32_t list_bytes = npages * (uint32_t)sizeof(hmx_gfn_t);
    uint64_t a[4];
    int rc;

    hmx_env_memcpy(m->area, reg, sizeof(*reg));
    a[0] = m->area_addr;
    if (16u + list_bytes <= m->area_size) {
        /* The frame list fits beside the request: stage it (8-aligned). */
        hmx_env_memcpy(m->area + 16, gfns, list_bytes);
        a[1] = m->area_addr + 16;
    } else {
        /* Pass the caller's list where it is; physically it must be one run. */
        struct hmx_giov seg;
        unsigned nseg = 0;

        rc = name_buffer(m, (const uint8_t *)gfns, list_bytes, &seg, &nseg, 1);
        if (rc < 0)
            return rc;
        a[1] = seg.gaddr;
    }
    a[2] = npages;
    a[3] = flags;
    return m->trap(m->trap_ctx, HMX_OP_REGISTER_RING, a);
}

int hmx_marshal_unregister(const struct hmx_marshal *m, const struct hmx_ring_unreg *unreg)
{
    uint64_t a[4] = {m->area_addr, 0, 0, 0};

    hmx_env_memcpy(m->area, unreg, sizeof(*unreg));
    return m->trap(m->trap_ctx, HMX_OP_UNREGISTER_RING, a);
}

int hmx_marshal_sendv(const struct hmx_marshal *m, const struct hmx_send_addr *addr,
                      const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    struct hmx_giov seg[HMX_MAXIOV];
    unsigned nseg = 0, i;
    uint64_t a[4];
    int rc;

    for (i = 0; i < niov; i++) {
        if (iov[i].len == 0 && m->physical)
            continue; /* nothing to name; Xen skips empty iovs too */
        rc = name_buffer(m, iov[i].base, (uint32_t)iov[i].len, seg, &nseg, HMX_MAXIOV);
        if (rc < 0)
            return rc;
    }
    hmx_env_memcpy(m->area, addr, sizeof(*addr));
    hmx_env_memcpy(m->area + sizeof(*addr), seg, nseg * sizeof(seg[0]));
    a[0] = m->area_addr;
    a[1] = m->area_addr + sizeof(*addr);
    a[2] = nseg;
    a[3] = message_type;
    return m->trap(m->trap_ctx, HMX_OP_SENDV, a);
}

int hmx_marshal_notify(const struct hmx_marshal *m, struct hmx_ring_query *q, unsigned n)
{
    const unsigned per_call =
        (m->area_size - (uint32_t)sizeof(struct hmx_ring_data_hdr)) / (uint32_t)sizeof(*q);
    struct hmx_ring_data_hdr hdr;
    unsigned done = 0;
    int rc;

    if (n == 0) {
        uint64_t a[4] = {0, 0, 0, 0};

        return m->trap(m->trap_ctx, HMX_OP_NOTIFY, a);
    }
    /* Longer lists than the area holds go in several calls; the hypervisor
     * answers each entry independently, so the split is invisible. */
    while (done < n) {
        unsigned k = n - done < per_call ? n - done : per_call;
        uint64_t a[4] = {m->area_addr, 0, 0, 0};

        hdr.nent = k;
        hdr.pad = 0;
        hmx_env_memcpy(m->area, &hdr, sizeof(hdr));
        hmx_env_memcpy(m->area + sizeof(hdr), q + done, k * sizeof(*q));
        rc = m->trap(m->trap_ctx, HMX_OP_NOTIFY, a);
        hmx_env_memcpy(q + done, m->area + sizeof(hdr), k * sizeof(*q));
        if (rc < 0)
            return rc;
        done += k;
    }
    return 0;
}

int hmx_marshal_set_vector(const struct hmx_marshal *m, uint32_t cpu, uint32_t vector,
                           uint32_t flags)
{
    uint64_t a[4] = {cpu, vector, flags, 0};

    return m->trap(m->trap_ctx, HMX_OP_SET_VECTOR, a);
}

/*
 * Where the hypervisor finds (or leaves) bytes bytes of the caller's buf:
 * staged at the start of the area when they fit (copied in when copy_in),
 * else the caller's memory itself, which must then be one run in the
 * mechanism's address space.  Returns 1 when staged, 0 when not, or an
 * error.
 */
static int stage(const struct hmx_marshal *m, const void *buf, uint32_t bytes, int copy_in,
                 uint64_t *addr)
{
    struct hmx_giov seg;
    unsigned nseg = 0;
    int rc;

    if (bytes <= m->area_size) {
        if (copy_in && bytes > 0)
            hmx_env_memcpy(m->area, buf, bytes);
        *addr = m->area_addr;
        return 1;
    }
    rc = name_buffer(m, (const uint8_t *)buf, bytes, &seg, &nseg, 1);
    if (rc < 0)
        return rc;
    *addr = seg.gaddr;
    return 0;
}

int hmx_marshal_fw_set(const struct hmx_marshal *m, const struct hmx_fw_rule *rules, uint32_t n,
                       uint32_t flags)
{
    uint64_t a[4] = {0, n, flags, 0};
    int rc = 0;

    /* One call, so that the table is replaced at once: a table larger than
     * the area is passed where it lies. */
    if (n > 0)
        rc = stage(m, rules, n * (uint32_t)sizeof(*rules), 1, &a[0]);
    return rc < 0 ? rc : m->trap(m->trap_ctx, HMX_OP_FW_SET, a);
}

int hmx_marshal_fw_list(const struct hmx_marshal *m, struct hmx_fw_rule *out, uint32_t cap,
                        uint32_t first)
{
    const uint32_t per_call = m->area_size / (uint32_t)sizeof(*out);
    uint32_t done = 0;
    int total;

    /* In runs that fit the area; every call answers the table's size. */
    do {
        uint32_t k = cap - done < per_call ? cap - done : per_call;
        uint64_t a[4] = {m->area_addr, k, first + done, 0};

        total = m->trap(m->trap_ctx, HMX_OP_FW_LIST, a);
        if (total < 0)
            return total;
        if ((uint32_t)total <= first + done)
            break;
        if (k > (uint32_t)total - (first + done))
            k = (uint32_t)total - (first + done);
        hmx_env_memcpy(out + done, m->area, k * sizeof(*out));
        done += k;
    } while (done < cap && first + done < (uint32_t)total);
    return total;
}

int hmx_marshal_fw_add(const struct hmx_marshal *m, const struct hmx_fw_rule *rule, uint32_t pos)
{
    uint64_t a[4] = {m->area_addr, pos, 0, 0};

    hmx_env_memcpy(m->area, rule, sizeof(*rule));
    return m->trap(m->trap_ctx, HMX_OP_FW_ADD, a);
}

int hmx_marshal_fw_del(const struct hmx_marshal *m, uint32_t index)
{
    uint64_t a[4] = {index, 0, 0, 0};

    return m->trap(m->trap_ctx, HMX_OP_FW_DEL, a);
}

int hmx_marshal_set_label(const struct hmx_marshal *m, hmx_domid_t dom,
                          const char label[HMX_LABEL_SIZE])
{
    uint64_t a[4] = {dom, m->area_addr, 0, 0};

    hmx_env_memcpy(m->area, label, HMX_LABEL_SIZE);
    return m->trap(m->trap_ctx, HMX_OP_SET_LABEL, a);
}

int hmx_marshal_implicit_set(const struct hmx_marshal *m, hmx_domid_t dom,
                             const struct hmx_implicit_entry *e, uint32_t n)
{
    uint64_t a[4] = {dom, m->area_addr, n, 0};

    /* At most HMX_IMPLICIT_MAX entries: 256 bytes, always staged. */
    hmx_env_memcpy(m->area, e, n * sizeof(*e));
    return m->trap(m->trap_ctx, HMX_OP_IMPLICIT_SET, a);
}

int hmx_marshal_implicit_list(const struct hmx_marshal *m, hmx_domid_t dom,
                              struct hmx_implicit_entry *out, uint32_t cap)
{
    uint64_t a[4] = {dom, m->area_addr, cap, 0};
    int n = m->trap(m->trap_ctx, HMX_OP_IMPLICIT_LIST, a);

    if (n > 0)
        hmx_env_memcpy(out, m->area, ((uint32_t)n < cap ? (uint32_t)n : cap) * sizeof(*out));
    return n;
}

/* ---- the backend operations, for every marshalling backend ------------ */

static const struct hmx_marshal_backend *mb(const struct hmx_ctx *ctx)
{
    return (const struct hmx_marshal_backend *)(const void *)ctx->priv.u64;
}

int hmx_mb_register(struct hmx_ctx *ctx, const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                    uint32_t npages, uint32_t flags)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    mb(ctx)->setup(ctx, &m, area);
    return hmx_marshal_register(&m, reg, gfns, npages, flags);
}

int hmx_mb_unregister(struct hmx_ctx *ctx, const struct hmx_ring_unreg *unreg)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    mb(ctx)->setup(ctx, &m, area);
    return hmx_marshal_unregister(&m, unreg);
}

int hmx_mb_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr, const struct hmx_iov *iov,
                 unsigned niov, uint32_t message_type)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    mb(ctx)->setup(ctx, &m, area);
    return hmx_marshal_sendv(&m, addr, iov, niov, message_type);
}

int hmx_mb_notify(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    mb(ctx)->setup(ctx, &m, area);
    return hmx_marshal_notify(&m, q, n);
}

int hmx_mb_set_vector(struct hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags)
{
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];
    struct hmx_marshal m;

    mb(ctx)->setup(ctx, &m, area);
    return hmx_marshal_set_vector(&m, cpu, vector, flags);
}

/* The policy and addressing operations: each sets up and marshals. */
#define HMX__MB_WRAP(call)                                \
    _Alignas(16) uint8_t area[HMX_MARSHAL_STACK_AREA];    \
    struct hmx_marshal m;                                 \
                                                          \
    mb(ctx)->setup(ctx, &m, area);                        \
    return call

int hmx_mb_fw_set(struct hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n,
                  uint32_t flags)
{
    HMX__MB_WRAP(hmx_marshal_fw_set(&m, rules, n, flags));
}

int hmx_mb_fw_list(struct hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap, uint32_t first)
{
    HMX__MB_WRAP(hmx_marshal_fw_list(&m, out, cap, first));
}

int hmx_mb_fw_add(struct hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos)
{
    HMX__MB_WRAP(hmx_marshal_fw_add(&m, rule, pos));
}

int hmx_mb_fw_del(struct hmx_ctx *ctx, uint32_t index)
{
    HMX__MB_WRAP(hmx_marshal_fw_del(&m, index));
}

int hmx_mb_set_label(struct hmx_ctx *ctx, hmx_domid_t dom, const char label[HMX_LABEL_SIZE])
{
    HMX__MB_WRAP(hmx_marshal_set_label(&m, dom, label));
}

int hmx_mb_implicit_set(struct hmx_ctx *ctx, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                        uint32_t n)
{
    HMX__MB_WRAP(hmx_marshal_implicit_set(&m, dom, e, n));
}

int hmx_mb_implicit_list(struct hmx_ctx *ctx, hmx_domid_t dom, struct hmx_implicit_entry *out,
                         uint32_t cap)
{
    HMX__MB_WRAP(hmx_marshal_implicit_list(&m, dom, out, cap));
}
