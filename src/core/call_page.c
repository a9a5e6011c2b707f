/* SPDX-License-Identifier: MIT */
#include "call_page.h"

int hmx_call_page_init(struct hmx_call_page *cp, const struct hmx_env *env, void *page)
{
    int rc;

    if (page == NULL || ((uintptr_t)page & (HMX_CALL_PAGE_BYTES - 1u)) != 0)
        return HMX_EINVAL;
    rc = env->virt_to_gpa(env->user, page, &cp->gpa);
    if (rc < 0)
        return rc;
    if ((cp->gpa & (HMX_CALL_PAGE_BYTES - 1u)) != 0)
        return HMX_EFAULT;
    cp->va = page;
    return 0;
}

void hmx_call_page_marshal(const struct hmx_call_page *cp, const struct hmx_env *env,
                           struct hmx_marshal *m, hmx_trap_fn trap, void *trap_ctx)
{
    m->env = env;
    m->physical = 1;
    m->area = cp->va + HMX_CALL_BLOCK_BYTES;
    m->area_addr = cp->gpa + HMX_CALL_BLOCK_BYTES;
    m->area_size = HMX_CALL_PAGE_BYTES - HMX_CALL_BLOCK_BYTES;
    m->trap = trap;
    m->trap_ctx = trap_ctx;
}

int hmx_call_result(int64_t ret)
{
    /* Results are non-negative counts (hmx_sendv then insists on the
     * message's exact length) or -1..-4095: anything else means the
     * hypervisor is broken or hostile. */
    if (ret >= 0 && ret <= 0x7FFFFFFF)
        return (int)ret;
    if (ret < 0 && ret >= -4095)
        return hmx_err_from_xen((int)-ret);
    return HMX_EIO;
}

static void agnostic_setup(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *stack_area)
{
    struct hmx_agnostic *ag = (struct hmx_agnostic *)(void *)ctx->priv.u64;

    (void)stack_area; /* guest-physical staging lives in the call page */
    hmx_call_page_marshal(&ag->page, &ctx->env, m, ag->trap, ag);
}

int hmx_agnostic_open(struct hmx_ctx *ctx, struct hmx_agnostic *ag, const struct hmx_arch_ops *arch,
                      int (*has_insn)(const struct hmx_arch_ops *arch), hmx_trap_fn trap,
                      void *call_page, uint64_t features)
{
    ag->arch = arch != NULL ? arch : hmx_arch_native();
    if (!has_insn(ag->arch))
        return HMX_EOPNOTSUPP;
    ag->mb.setup = agnostic_setup;
    ag->trap = trap;
    /* The extensions these mechanisms carry. */
    ctx->features = features & (HMX_FEAT_VECTOR | HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT |
                                HMX_FEAT_DISCOVERY | HMX_FEAT_BATCH | HMX_FEAT_ASYNC);
    return hmx_call_page_init(&ag->page, &ctx->env, call_page);
}
