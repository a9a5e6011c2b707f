/* SPDX-License-Identifier: MIT */
/*
 * CPUID call backend: each HMX call is one CPUID on the call leaf with the
 * operation and its arguments in registers (in the style of HP/Bromium
 * AX); the result returns in eax.
 */
#include "call_page.h"
#include "hmx/x86.h"

struct cpuid_priv {
    struct hmx_marshal_backend mb; /* first: the shared operations find it */
    const struct hmx_arch_ops *arch;
    uint32_t leaf;
    struct hmx_call_page page;
};

_Static_assert(sizeof(struct cpuid_priv) <= HMX_CTX_PRIV_SIZE, "cpuid private state fits");

static struct cpuid_priv *priv(struct hmx_ctx *ctx)
{
    return (struct cpuid_priv *)(void *)ctx->priv.u64;
}

static int cpuid_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    struct cpuid_priv *pv = trap_ctx;
    struct hmx_x86_regs r;
    int rc;

    r.rax = pv->leaf;
    r.rcx = op;
    r.rbx = a[0];
    r.rdx = a[1];
    r.rsi = a[2];
    r.rdi = a[3];
    rc = pv->arch->cpuid_call(pv->arch->ctx, &r);
    if (rc < 0)
        return rc;
    return hmx_call_result((int32_t)(uint32_t)r.rax);
}

static void cpuid_setup(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *stack_area)
{
    (void)stack_area;
    hmx_call_page_marshal(&priv(ctx)->page, &ctx->env, m, cpuid_trap, priv(ctx));
}

static int cpuid_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_cpuid_config *cfg = config;
    struct cpuid_priv *pv = priv(ctx);

    if (cfg == NULL)
        return HMX_EINVAL;
    pv->arch = cfg->arch != NULL ? cfg->arch : hmx_arch_native();
    if (pv->arch->cpuid_call == NULL)
        return HMX_EOPNOTSUPP;
    pv->mb.setup = cpuid_setup;
    pv->leaf = cfg->leaf;
    ctx->features = cfg->features & HMX_FEAT_VECTOR; /* the extensions we carry */
    return hmx_call_page_init(&pv->page, &ctx->env, cfg->call_page);
}

const struct hmx_backend_ops hmx_backend_cpuid = {
    .name = "cpuid",
    .mechanism = HMX_MECH_CPUID,
    .priv_size = sizeof(struct cpuid_priv),
    .open = cpuid_open,
    .close = NULL,
    .register_ring = hmx_mb_register,
    .unregister_ring = hmx_mb_unregister,
    .sendv = hmx_mb_sendv,
    .notify = hmx_mb_notify,
    .set_vector = hmx_mb_set_vector,
};
