/* SPDX-License-Identifier: MIT */
/*
 * x86 v4v classification: which of Xen's Argo, OpenXT's v4v and uXen's
 * v4v answers, told apart by CPUID signature and by calls that change
 * nothing (spec/, "v4v and Argo", "Probe"):
 *
 *   notify(NULL)       wakes only our own waiters.  A hypervisor without
 *                      the hypercall answers ENOSYS; v4v and Argo answer 0
 *                      (or an error of their own).
 *   HMX_V4V_OP_PROBE   an operation neither defines: v4v answers ENOSYS,
 *                      Argo EOPNOTSUPP.
 *
 * A mechanism is offered only when both answers agree with it; nothing is
 * inferred from a version number or from what did not answer.  Under
 * "XenVMMXenVMM" a v4v is OpenXT's (on hypercall 43 with Xen 4.12, on 39
 * before); under "uXenisnotXen" it is uXen's, on 39.
 */
#include "hmx/mech.h"
#include "hmx/v4v.h"
#include "hmx/xen.h"
#include "hmx_env.h"
#include "probe_internal.h"

#define V4V_BITS (HMX_MECH_BIT(HMX_MECH_V4V_OPENXT) | HMX_MECH_BIT(HMX_MECH_V4V_UXEN))

int hmx_probe_v4v_wanted(const struct hmx_probe_options *opt)
{
    return (opt->allow & V4V_BITS) != 0 || opt->force == HMX_MECH_V4V_OPENXT ||
           opt->force == HMX_MECH_V4V_UXEN;
}

/* One classifying call; counts the trap unless nothing was executed (the
 * callers have checked the entry and the arch's six-word hypercall, so
 * only a user-mode build refuses). */
static int call(struct hmx_probe_result *res, const struct hmx_v4v_config *cfg, uint32_t dialect,
                uint32_t cmd)
{
    const uint64_t a[5] = {0, 0, 0, 0, 0};
    int rc = hmx_v4v_op(cfg, dialect, cmd, a);

    if (rc != HMX_EPRIV)
        res->traps++;
    return rc;
}

/*
 * Is there a v4v on hypercall nr?  Returns 1 (both answers say v4v), 0
 * (something else answered, or nothing), or a negative code that rules
 * the mechanism out for this caller (HMX_EPRIV).  slot: 0 for 39, 1 for 43;
 * notified: notify(NULL) was already made on nr (its answer in argo_rc).
 */
static int v4v_on(struct hmx_probe_result *res, struct hmx_v4v_config *cfg, uint32_t dialect,
                  uint32_t nr, unsigned slot, int notified)
{
    int rc;

    cfg->hypercall = nr;
    /* On Xen's 39 the Argo probe has just made the same notify call. */
    rc = notified ? res->argo_rc : call(res, cfg, dialect, HMX_V4V_OP_NOTIFY);
    res->v4v_notify_rc[slot] = rc;
    if (rc == HMX_EPRIV)
        return rc;
    if (rc == HMX_ENOSYS || rc == HMX_EOPNOTSUPP)
        return 0; /* no hypercall nr, or Argo switched off */
    rc = call(res, cfg, dialect, HMX_V4V_OP_PROBE);
    res->v4v_probe_rc[slot] = rc;
    return rc == HMX_ENOSYS;
}

/* uXen: Xen's way of installing the hypercall page (leaf base + 2). */
static int uxen_entry(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                      const struct hmx_arch_ops *arch, uint32_t base, uint32_t max_leaf)
{
    const struct hmx_env *env = opt->env != NULL ? opt->env : &hmx_env_identity;
    uint32_t r[4];
    uint64_t gpa;
    int rc;

    if (opt->xen_hypercall_page == NULL)
        return HMX_EOPNOTSUPP; /* uXen guests enter through the page only */
    if (opt->xen_page_ready) {
        res->xen_entry = HMX_XEN_ENTRY_PAGE;
        res->xen_hypercall_page = opt->xen_hypercall_page;
        return 0;
    }
    if (max_leaf < base + 2)
        return HMX_EOPNOTSUPP;
    arch->cpuid(arch->ctx, base + 1, 0, r);
    res->xen_version = r[0];
    arch->cpuid(arch->ctx, base + 2, 0, r);
    res->traps += 2;
    res->xen_hypercall_msr = r[1];
    if (r[1] == 0 || arch->wrmsr == NULL)
        return HMX_EOPNOTSUPP;
    rc = env->virt_to_gpa(env->user, opt->xen_hypercall_page, &gpa);
    if (rc < 0)
        return rc;
    rc = arch->wrmsr(arch->ctx, r[1], gpa);
    if (rc < 0)
        return rc;
    res->traps++;
    res->xen_entry = HMX_XEN_ENTRY_PAGE;
    res->xen_hypercall_page = opt->xen_hypercall_page;
    return 0;
}

static void openxt(struct hmx_probe_result *res, const struct hmx_arch_ops *arch)
{
    struct hmx_v4v_config cfg;
    int on39 = 0, on43;

    res->v4v_base = res->xen_base;
    if (res->xen_entry == HMX_XEN_ENTRY_NONE || arch->xen_hypercall6 == NULL) {
        hmx_probe_usable(res, HMX_MECH_V4V_OPENXT, HMX_EOPNOTSUPP,
                         arch->xen_hypercall6 == NULL ? "this build cannot issue v4v_op"
                                                      : "no way to enter Xen");
        return;
    }
    hmx_env_memset(&cfg, 0, sizeof(cfg));
    cfg.arch = arch;
    cfg.entry = (enum hmx_xen_entry)res->xen_entry;
    cfg.hypercall_page = res->xen_hypercall_page;

    /* Hypercall 39 answered notify: Argo's, or an older OpenXT's v4v. */
    if (res->argo_status == HMX_ARGO_PRESENT) {
        on39 = v4v_on(res, &cfg, HMX_V4V_OPENXT, HMX_V4V_HYPERCALL, 0, 1);
        if (on39 == 1) {
            /* Not Argo after all: correct what the Argo probe concluded. */
            res->argo_status = HMX_ARGO_ABSENT;
            res->mech[HMX_MECH_XEN_HYPERCALL].offered = 0;
            hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, HMX_ENOSYS,
                             "hypercall 39 is OpenXT's v4v, not Argo");
        }
    }
    on43 = v4v_on(res, &cfg, HMX_V4V_OPENXT, HMX_V4V_HYPERCALL_OPENXT_412, 1, 0);
    if (on39 == HMX_EPRIV || on43 == HMX_EPRIV) {
        hmx_probe_offer(res, HMX_MECH_V4V_OPENXT, 0);
        hmx_probe_usable(res, HMX_MECH_V4V_OPENXT, HMX_EPRIV, "needs ring 0");
        return;
    }
    if (on43 == 1 || on39 == 1) {
        /* Xen 4.12's OpenXT has both; its v4v then lives on 43. */
        hmx_probe_offer(res, HMX_MECH_V4V_OPENXT,
                        on43 == 1 ? HMX_V4V_HYPERCALL_OPENXT_412 : HMX_V4V_HYPERCALL);
        hmx_probe_usable(res, HMX_MECH_V4V_OPENXT, 0,
                         on43 == 1 ? "OpenXT v4v answers on hypercall 43"
                                   : "OpenXT v4v answers on hypercall 39");
    }
}

static void uxen(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                 const struct hmx_arch_ops *arch, const struct hmx_hv_range *range)
{
    struct hmx_v4v_config cfg;
    int rc;

    res->v4v_base = range->base;
    hmx_probe_offer(res, HMX_MECH_V4V_UXEN, HMX_V4V_HYPERCALL);
    if (arch->xen_hypercall6 == NULL) {
        hmx_probe_usable(res, HMX_MECH_V4V_UXEN, HMX_EOPNOTSUPP, "this build cannot issue v4v_op");
        return;
    }
    rc = uxen_entry(res, opt, arch, range->base, range->max_leaf);
    if (rc < 0) {
        hmx_probe_usable(res, HMX_MECH_V4V_UXEN, rc,
                         rc == HMX_EPRIV ? "needs ring 0 to install the hypercall page"
                                         : "no hypercall page to enter uXen through");
        return;
    }
    hmx_env_memset(&cfg, 0, sizeof(cfg));
    cfg.arch = arch;
    cfg.entry = HMX_XEN_ENTRY_PAGE;
    cfg.hypercall_page = res->xen_hypercall_page;
    rc = v4v_on(res, &cfg, HMX_V4V_UXEN, HMX_V4V_HYPERCALL, 0, 0);
    if (rc == 1)
        hmx_probe_usable(res, HMX_MECH_V4V_UXEN, 0, "uXen v4v answers");
    else
        hmx_probe_usable(res, HMX_MECH_V4V_UXEN, rc < 0 ? rc : HMX_ENOSYS,
                         rc == HMX_EPRIV ? "needs ring 0" : "uXen's v4v did not answer as v4v");
}

void hmx_probe_v4v(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch)
{
    uint32_t i;

    if (res->xen_base != 0) {
        openxt(res, arch);
        return;
    }
    for (i = 0; i < res->nranges; i++) {
        if (res->ranges[i].hypervisor == HMX_HV_UXEN) {
            uxen(res, opt, arch, &res->ranges[i]);
            return;
        }
    }
}
