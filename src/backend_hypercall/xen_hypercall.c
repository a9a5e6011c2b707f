/* SPDX-License-Identifier: MIT */
/*
 * Xen hypercall backend: the shared marshalling in virtual mode, trapping
 * with argo_op through the architecture's hypercall entry.  The only
 * difference between x86 and Arm is hmx_arch_ops.xen_hypercall.
 */
#include "hmx/xen.h"
#include "hmx_env.h"
#include "marshal.h"

struct xen_priv {
    struct hmx_marshal_backend mb; /* first: the shared operations find it */
    struct hmx_xen_config cfg;
};

_Static_assert(sizeof(struct xen_priv) <= HMX_CTX_PRIV_SIZE, "xen private state fits");

int hmx_xen_decode(uint64_t raw)
{
    if (raw <= 0x7FFFFFFFull)
        return (int)raw;
    if (raw >= (uint64_t)-4095) /* -1..-4095, sign-extended */
        return hmx_err_from_xen((int)(0 - raw));
    if (raw >= 0xFFFFF001ull && raw <= 0xFFFFFFFFull) /* the same, zero-extended */
        return hmx_err_from_xen((int)(0x100000000ull - raw));
    return HMX_EIO;
}

int hmx_xen_argo_op(const struct hmx_xen_config *cfg, uint32_t op, const uint64_t a[4])
{
    const struct hmx_arch_ops *arch = cfg->arch != NULL ? cfg->arch : hmx_arch_native();
    uint64_t args[5] = {op, a[0], a[1], a[2], a[3]};
    uint64_t raw = 0;
    int rc;

    if (arch->xen_hypercall == NULL || cfg->entry == HMX_XEN_ENTRY_NONE)
        return HMX_EINVAL;
    rc = arch->xen_hypercall(arch->ctx, cfg->entry, cfg->hypercall_page,
                             HMX_XEN_HYPERCALL_ARGO_OP, args, &raw);
    if (rc < 0)
        return rc;
    return hmx_xen_decode(raw);
}

static struct xen_priv *priv(struct hmx_ctx *ctx)
{
    return (struct xen_priv *)(void *)ctx->priv.u64;
}

static int xen_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    return hmx_xen_argo_op(trap_ctx, op, a);
}

/* Xen reads our structures through our page tables: stage on the stack. */
static void xen_setup(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *stack_area)
{
    m->env = &ctx->env;
    m->physical = 0;
    m->area = stack_area;
    m->area_addr = (uint64_t)(uintptr_t)stack_area;
    m->area_size = HMX_MARSHAL_STACK_AREA;
    m->trap = xen_trap;
    m->trap_ctx = &priv(ctx)->cfg;
}

static int xen_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_xen_config *cfg = config;
    struct xen_priv *pv = priv(ctx);

    if (cfg == NULL || cfg->entry == HMX_XEN_ENTRY_NONE || cfg->entry > HMX_XEN_ENTRY_HVC ||
        (cfg->entry == HMX_XEN_ENTRY_PAGE && cfg->hypercall_page == NULL))
        return HMX_EINVAL;
    pv->mb.setup = xen_setup;
    pv->cfg = *cfg;
    if (pv->cfg.arch == NULL)
        pv->cfg.arch = hmx_arch_native();
    ctx->features = 0; /* Xen 4.17 offers no HMX extension */
    return 0;
}

const struct hmx_backend_ops hmx_backend_xen = {
    .name = "xen-hypercall",
    .mechanism = HMX_MECH_XEN_HYPERCALL,
    .priv_size = sizeof(struct xen_priv),
    .open = xen_open,
    .close = NULL,
    .register_ring = hmx_mb_register,
    .unregister_ring = hmx_mb_unregister,
    .sendv = hmx_mb_sendv,
    .notify = hmx_mb_notify,
};
