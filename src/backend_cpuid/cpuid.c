/* SPDX-License-Identifier: MIT */
/*
 * CPUID call backend: each HMX call is one CPUID on the call leaf with the
 * operation and its arguments in registers (in the style of HP/Bromium
 * AX); the result returns in eax.
 */
#include "call_page.h"
#include "hmx/x86.h"

struct cpuid_priv {
    struct hmx_agnostic ag; /* first */
    uint32_t leaf;
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
    rc = pv->ag.arch->cpuid_call(pv->ag.arch->ctx, &r);
    if (rc < 0)
        return rc;
    return hmx_call_result((int32_t)(uint32_t)r.rax);
}

static int has_cpuid_call(const struct hmx_arch_ops *arch)
{
    return arch->cpuid_call != NULL;
}

static int cpuid_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_cpuid_config *cfg = config;
    struct cpuid_priv *pv = priv(ctx);

    if (cfg == NULL)
        return HMX_EINVAL;
    pv->leaf = cfg->leaf;
    return hmx_agnostic_open(ctx, &pv->ag, cfg->arch, has_cpuid_call, cpuid_trap, cfg->call_page,
                             cfg->features);
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
    HMX_MB_POLICY_OPS,
    HMX_MB_BATCH_OPS,
};
