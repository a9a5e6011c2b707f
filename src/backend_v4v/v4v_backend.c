/* SPDX-License-Identifier: MIT */
/*
 * The two v4v backends: OpenXT's and uXen's v4v_op behind the HMX API.
 * They differ only in the dialect their marshalling and error mapping are
 * told, the ring layout, and the default hypercall number.
 */
#include "hmx/errors.h"
#include "hmx_env.h"
#include "v4v_marshal.h"

struct v4v_priv {
    struct hmx_v4v_config cfg;
    uint32_t dialect;
    uint16_t self; /* learnt from the first registration */
    uint16_t pad;
};

_Static_assert(sizeof(struct v4v_priv) <= HMX_CTX_PRIV_SIZE, "v4v private state fits");

/* Staging on the stack: v4v's hypervisor reads it through our page
 * tables, as Xen's Argo does. */
#define V4V_STACK_AREA 256u
_Static_assert(V4V_STACK_AREA >= HMX_V4V_AREA_MIN, "v4v staging area is large enough");

static int v4v_decode(uint32_t dialect, uint32_t cmd, uint64_t raw)
{
    if (raw <= 0x7FFFFFFFull)
        return (int)raw;
    if (raw >= (uint64_t)-4095) /* -1..-4095, sign-extended */
        return hmx_v4v_err(dialect, cmd, (int)(0 - raw));
    if (raw >= 0xFFFFF001ull && raw <= 0xFFFFFFFFull) /* zero-extended from 32 bits */
        return hmx_v4v_err(dialect, cmd, (int)(0x100000000ull - raw));
    return HMX_EIO;
}

int hmx_v4v_op(const struct hmx_v4v_config *cfg, uint32_t dialect, uint32_t cmd,
               const uint64_t a[5])
{
    const struct hmx_arch_ops *arch = cfg->arch != NULL ? cfg->arch : hmx_arch_native();
    uint64_t args[6] = {cmd, a[0], a[1], a[2], a[3], a[4]};
    uint32_t nr = cfg->hypercall != 0 ? cfg->hypercall : HMX_V4V_HYPERCALL;
    uint64_t raw = 0;
    int rc;

    if (arch->xen_hypercall6 == NULL)
        return HMX_EOPNOTSUPP;
    if (cfg->entry == HMX_XEN_ENTRY_NONE)
        return HMX_EINVAL;
    rc = arch->xen_hypercall6(arch->ctx, cfg->entry, cfg->hypercall_page, nr, args, &raw);
    if (rc < 0)
        return rc;
    return v4v_decode(dialect, cmd, raw);
}

static struct v4v_priv *priv(struct hmx_ctx *ctx)
{
    return (struct v4v_priv *)(void *)ctx->priv.u64;
}

static int v4v_trap(void *trap_ctx, uint32_t cmd, const uint64_t a[5])
{
    const struct v4v_priv *pv = trap_ctx;

    return hmx_v4v_op(&pv->cfg, pv->dialect, cmd, a);
}

static void setup(struct hmx_ctx *ctx, struct hmx_v4v_marshal *m, uint8_t *area)
{
    struct v4v_priv *pv = priv(ctx);

    m->dialect = pv->dialect;
    m->self = pv->self;
    m->pad = 0;
    m->area = area;
    m->area_size = V4V_STACK_AREA;
    m->trap = v4v_trap;
    m->trap_ctx = pv;
}

static int open_dialect(struct hmx_ctx *ctx, const void *config, uint32_t dialect)
{
    const struct hmx_v4v_config *cfg = config;
    struct v4v_priv *pv = priv(ctx);

    if (cfg == NULL || cfg->entry == HMX_XEN_ENTRY_NONE || cfg->entry > HMX_XEN_ENTRY_VMMCALL ||
        (cfg->entry == HMX_XEN_ENTRY_PAGE && cfg->hypercall_page == NULL))
        return HMX_EINVAL;
    pv->cfg = *cfg;
    if (pv->cfg.arch == NULL)
        pv->cfg.arch = hmx_arch_native();
    if (pv->cfg.hypercall == 0)
        pv->cfg.hypercall = HMX_V4V_HYPERCALL;
    pv->dialect = dialect;
    pv->self = cfg->domid != 0 ? cfg->domid : HMX_V4V_DOMID_ANY;
    ctx->features = 0; /* v4v has none of the HMX extensions */
    return 0;
}

static int openxt_open(struct hmx_ctx *ctx, const void *config)
{
    return open_dialect(ctx, config, HMX_V4V_OPENXT);
}

static int uxen_open(struct hmx_ctx *ctx, const void *config)
{
    return open_dialect(ctx, config, HMX_V4V_UXEN);
}

static int v4v_register(struct hmx_ctx *ctx, void *mem, const struct hmx_ring_reg *reg,
                        const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags)
{
    _Alignas(16) uint8_t area[V4V_STACK_AREA];
    struct hmx_v4v_marshal m;
    uint16_t self = HMX_V4V_DOMID_ANY;
    int rc;

    setup(ctx, &m, area);
    rc = hmx_v4v_marshal_register(&m, mem, reg, gfns, npages, flags, &self);
    /* The hypervisor wrote our id into the ring header: from now on our
     * sends name us (OpenXT matches rings by the id we give). */
    if (rc == 0 && self != HMX_V4V_DOMID_ANY && self < 0x7FF0u)
        priv(ctx)->self = self;
    return rc;
}

static int v4v_unregister(struct hmx_ctx *ctx, void *mem, const struct hmx_ring_unreg *unreg)
{
    _Alignas(16) uint8_t area[V4V_STACK_AREA];
    struct hmx_v4v_marshal m;

    (void)unreg; /* v4v finds the ring by the id in its header */
    setup(ctx, &m, area);
    return hmx_v4v_marshal_unregister(&m, mem);
}

static int v4v_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr,
                     const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    _Alignas(16) uint8_t area[V4V_STACK_AREA];
    struct hmx_v4v_marshal m;

    setup(ctx, &m, area);
    return hmx_v4v_marshal_sendv(&m, addr, iov, niov, message_type);
}

static int v4v_notify(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n)
{
    _Alignas(16) uint8_t area[V4V_STACK_AREA];
    struct hmx_v4v_marshal m;

    setup(ctx, &m, area);
    return hmx_v4v_marshal_notify(&m, q, n);
}

const struct hmx_backend_ops hmx_backend_v4v_openxt = {
    .name = "v4v-openxt",
    .mechanism = HMX_MECH_V4V_OPENXT,
    .priv_size = sizeof(struct v4v_priv),
    .open = openxt_open,
    .sendv = v4v_sendv,
    .notify = v4v_notify,
    .ring_layout = &hmx_ring_layout_v4v_openxt,
    .register_ring_mem = v4v_register,
    .unregister_ring_mem = v4v_unregister,
};

const struct hmx_backend_ops hmx_backend_v4v_uxen = {
    .name = "v4v-uxen",
    .mechanism = HMX_MECH_V4V_UXEN,
    .priv_size = sizeof(struct v4v_priv),
    .open = uxen_open,
    .sendv = v4v_sendv,
    .notify = v4v_notify,
    .ring_layout = &hmx_ring_layout_v4v_uxen,
    .register_ring_mem = v4v_register,
    .unregister_ring_mem = v4v_unregister,
};
