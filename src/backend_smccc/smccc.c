/* SPDX-License-Identifier: MIT */
/*
 * SMCCC backend: each HMX call is one HMX_CALL fast call through the
 * device tree's conduit: x1 = op, x2..x5 = arguments (guest-physical);
 * x0 = SMCCC status, x1 = the call's result.
 */
#include "call_page.h"
#include "hmx/smccc.h"
#include "hmx_env.h"

struct smccc_priv {
    struct hmx_agnostic ag; /* first */
    enum hmx_smccc_conduit conduit;
    uint32_t base;
};

_Static_assert(sizeof(struct smccc_priv) <= HMX_CTX_PRIV_SIZE, "smccc private state fits");

static struct smccc_priv *priv(struct hmx_ctx *ctx)
{
    return (struct smccc_priv *)(void *)ctx->priv.u64;
}

static int smccc_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    struct smccc_priv *pv = trap_ctx;
    uint64_t in[18], out[18];
    int rc;

    hmx_env_memset(in, 0, sizeof(in));
    in[0] = pv->base + HMX_SMCCC_FN_CALL;
    in[1] = op;
    in[2] = a[0];
    in[3] = a[1];
    in[4] = a[2];
    in[5] = a[3];
    rc = pv->ag.arch->smccc(pv->ag.arch->ctx, pv->conduit, in, out);
    if (rc < 0)
        return rc;
    switch ((int64_t)out[0]) {
    case HMX_SMCCC_SUCCESS:
        return hmx_call_result((int64_t)out[1]);
    case HMX_SMCCC_NOT_SUPPORTED:
        return HMX_EOPNOTSUPP;
    case HMX_SMCCC_INVALID_PARAMETER:
        return HMX_EINVAL;
    default:
        return HMX_EIO;
    }
}

static int has_smccc(const struct hmx_arch_ops *arch)
{
    return arch->smccc != NULL;
}

static int smccc_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_smccc_config *cfg = config;
    struct smccc_priv *pv = priv(ctx);

    if (cfg == NULL || (cfg->conduit != HMX_SMCCC_HVC && cfg->conduit != HMX_SMCCC_SMC))
        return HMX_EINVAL;
    pv->base = cfg->function_base != 0 ? cfg->function_base : HMX_SMCCC_BASE_DEFAULT;
    if (!HMX_SMCCC_BASE_VALID(pv->base))
        return HMX_EINVAL;
    pv->conduit = cfg->conduit;
    return hmx_agnostic_open(ctx, &pv->ag, cfg->arch, has_smccc, smccc_trap, cfg->call_page,
                             cfg->features);
}

const struct hmx_backend_ops hmx_backend_smccc = {
    .name = "smccc",
    .mechanism = HMX_MECH_SMCCC,
    .priv_size = sizeof(struct smccc_priv),
    .open = smccc_open,
    .close = NULL,
    .register_ring = hmx_mb_register,
    .unregister_ring = hmx_mb_unregister,
    .sendv = hmx_mb_sendv,
    .notify = hmx_mb_notify,
    .set_vector = hmx_mb_set_vector,
    HMX_MB_POLICY_OPS,
    HMX_MB_BATCH_OPS,
};
