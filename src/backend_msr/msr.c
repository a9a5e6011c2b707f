/* SPDX-License-Identifier: MIT */
/*
 * MSR backend: each HMX call is one WRMSR of the call block's guest-physical
 * address to the call register; the hypervisor writes the result into the
 * block before the instruction completes.
 */
#include "call_page.h"
#include "hmx/x86.h"
#include "hmx_env.h"

struct msr_priv {
    struct hmx_marshal_backend mb; /* first: the shared operations find it */
    const struct hmx_arch_ops *arch;
    uint32_t msr;
    struct hmx_call_page page;
};

_Static_assert(sizeof(struct msr_priv) <= HMX_CTX_PRIV_SIZE, "msr private state fits");

static struct msr_priv *priv(struct hmx_ctx *ctx)
{
    return (struct msr_priv *)(void *)ctx->priv.u64;
}

static int msr_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    struct msr_priv *pv = trap_ctx;
    volatile struct hmx_call_block *blk = (volatile struct hmx_call_block *)(void *)pv->page.va;
    int rc;

    blk->op = op;
    blk->flags = 0;
    blk->ret = INT64_MIN; /* left there by a hypervisor that did nothing: HMX_EIO */
    blk->arg[0] = a[0];
    blk->arg[1] = a[1];
    blk->arg[2] = a[2];
    blk->arg[3] = a[3];
    blk->reserved[0] = 0;
    blk->reserved[1] = 0;
    rc = pv->arch->wrmsr(pv->arch->ctx, pv->msr, pv->page.gpa);
    if (rc < 0)
        return rc;
    return hmx_call_result(blk->ret);
}

static void msr_setup(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *stack_area)
{
    (void)stack_area;
    hmx_call_page_marshal(&priv(ctx)->page, &ctx->env, m, msr_trap, priv(ctx));
}

static int msr_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_msr_config *cfg = config;
    struct msr_priv *pv = priv(ctx);

    if (cfg == NULL)
        return HMX_EINVAL;
    pv->arch = cfg->arch != NULL ? cfg->arch : hmx_arch_native();
    if (pv->arch->wrmsr == NULL)
        return HMX_EOPNOTSUPP;
    pv->mb.setup = msr_setup;
    pv->msr = cfg->msr;
    ctx->features = cfg->features & HMX_FEAT_VECTOR; /* the extensions we carry */
    return hmx_call_page_init(&pv->page, &ctx->env, cfg->call_page);
}

const struct hmx_backend_ops hmx_backend_msr = {
    .name = "msr",
    .mechanism = HMX_MECH_MSR,
    .priv_size = sizeof(struct msr_priv),
    .open = msr_open,
    .close = NULL,
    .register_ring = hmx_mb_register,
    .unregister_ring = hmx_mb_unregister,
    .sendv = hmx_mb_sendv,
    .notify = hmx_mb_notify,
    .set_vector = hmx_mb_set_vector,
};
