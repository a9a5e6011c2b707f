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
    struct hmx_agnostic ag; /* first */
    uint32_t msr;
};

_Static_assert(sizeof(struct msr_priv) <= HMX_CTX_PRIV_SIZE, "msr private state fits");

static struct msr_priv *priv(struct hmx_ctx *ctx)
{
    return (struct msr_priv *)(void *)ctx->priv.u64;
}

static int msr_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    struct msr_priv *pv = trap_ctx;
    volatile struct hmx_call_block *blk = (volatile struct hmx_call_block *)(void *)pv->ag.page.va;
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
    rc = pv->ag.arch->wrmsr(pv->ag.arch->ctx, pv->msr, pv->ag.page.gpa);
    if (rc < 0)
        return rc;
    return hmx_call_result(blk->ret);
}

static int has_wrmsr(const struct hmx_arch_ops *arch)
{
    return arch->wrmsr != NULL;
}

static int msr_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_msr_config *cfg = config;
    struct msr_priv *pv = priv(ctx);

    if (cfg == NULL)
        return HMX_EINVAL;
    pv->msr = cfg->msr;
    return hmx_agnostic_open(ctx, &pv->ag, cfg->arch, has_wrmsr, msr_trap, cfg->call_page,
                             cfg->features);
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
    HMX_MB_POLICY_OPS,
    HMX_MB_BATCH_OPS,
};
