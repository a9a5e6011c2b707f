/* SPDX-License-Identifier: MIT */
/*
 * Probe: run the architecture's discovery, decide which offered mechanisms
 * this caller can use, choose one by preference, and open it.
 */
#include "hmx/probe.h"
#include "hmx/smccc.h"
#include "hmx/v4v.h"
#include "hmx/x86.h"
#include "hmx/xen.h"
#include "hmx_env.h"
#include "probe_internal.h"

/* The hypervisor's own Argo first, then the platform's calling convention
 * (SMCCC on Arm; on x86 a WRMSR, architectural everywhere, before the CPUID
 * call, which some hypervisors answer without exiting). */
static const uint32_t preference[] = {
    HMX_MECH_XEN_HYPERCALL,
    HMX_MECH_V4V_OPENXT,
    HMX_MECH_V4V_UXEN,
    HMX_MECH_SMCCC,
    HMX_MECH_MSR,
    HMX_MECH_CPUID,
};

void hmx_probe_offer(struct hmx_probe_result *res, uint32_t m, uint64_t param)
{
    if (m >= HMX_MECH_COUNT)
        return;
    res->mech[m].offered = 1;
    res->mech[m].param = param;
    res->mech[m].why = "offered";
}

void hmx_probe_usable(struct hmx_probe_result *res, uint32_t m, int status, const char *why)
{
    if (m >= HMX_MECH_COUNT)
        return;
    res->mech[m].usable = status == 0 && res->mech[m].offered;
    res->mech[m].status = status;
    res->mech[m].why = why;
}

void hmx_probe_argo_answer(struct hmx_probe_result *res, int rc, const char *needs_priv)
{
    static const struct {
        int rc;
        uint32_t status;
        const char *why;
    } answers[] = {
        {HMX_ENOSYS, HMX_ARGO_ABSENT, "Argo is not built into this Xen"},
        {HMX_ENODEV, HMX_ARGO_ABSENT, "Argo has no state for this domain"},
        {HMX_EOPNOTSUPP, HMX_ARGO_DISABLED, "Argo is not enabled (boot Xen with argo=1)"},
        {HMX_EPERM, HMX_ARGO_DENIED, "Argo is denied to this domain by XSM"},
        {HMX_EACCES, HMX_ARGO_DENIED, "Argo is denied to this domain by XSM"},
    };
    unsigned i;

    res->argo_rc = rc;
    if (rc == HMX_EPRIV) {
        res->argo_status = HMX_ARGO_UNPROBED;
        hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, rc, needs_priv);
        return;
    }
    for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        if (answers[i].rc == rc) {
            res->argo_status = answers[i].status;
            hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, rc, answers[i].why);
            return;
        }
    }
    /* Anything else (0, or an error about our null arguments) means Argo
     * itself answered. */
    res->argo_status = HMX_ARGO_PRESENT;
    hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, 0, "Xen Argo answers");
}

/* The x86 agnostic mechanisms need privileged instructions: can we use
 * them? (SMCCC is judged by the device-tree probe, which must call.) */
static void judge_agnostic(struct hmx_probe_result *res, const struct hmx_arch_ops *arch)
{
    static const struct {
        uint32_t mech;
        const char *ok;
    } agnostic[] = {
        {HMX_MECH_MSR, "offered by the HMX discovery block"},
        {HMX_MECH_CPUID, "offered by the HMX discovery block"},
    };
    unsigned i;

    for (i = 0; i < sizeof(agnostic) / sizeof(agnostic[0]); i++) {
        uint32_t m = agnostic[i].mech;
        int present = (m == HMX_MECH_MSR && arch->wrmsr != NULL) ||
                      (m == HMX_MECH_CPUID && arch->cpuid_call != NULL);

        if (!res->mech[m].offered || res->mech[m].status != 0 || res->mech[m].usable)
            continue;
        if (!present)
            hmx_probe_usable(res, m, HMX_EOPNOTSUPP, "this build cannot issue it");
        else if (arch->flags & HMX_ARCH_USER)
            hmx_probe_usable(res, m, HMX_EPRIV, "needs ring 0");
        else
            hmx_probe_usable(res, m, 0, agnostic[i].ok);
    }
}

static void choose(struct hmx_probe_result *res, const struct hmx_probe_options *opt)
{
    const uint32_t allow = opt->allow != 0 ? opt->allow : 0xFFFFFFFFu;
    unsigned i;

    if (opt->force != 0) {
        struct hmx_mech_report *r = &res->mech[opt->force];

        if (r->usable) {
            r->chosen = 1;
            r->why = "forced by the caller";
            res->chosen = opt->force;
        } else if (r->offered && r->status == 0) {
            r->why = "forced, but not usable";
        }
        return;
    }
    for (i = 0; i < sizeof(preference) / sizeof(preference[0]); i++) {
        struct hmx_mech_report *r = &res->mech[preference[i]];

        if (!r->usable)
            continue;
        if (!(allow & HMX_MECH_BIT(preference[i]))) {
            r->why = "usable, but not allowed by the caller";
            continue;
        }
        if (res->chosen == HMX_MECH_NONE) {
            r->chosen = 1;
            res->chosen = preference[i];
        } else {
            r->why = "usable; a preferred mechanism was chosen";
        }
    }
}

int hmx_probe(struct hmx_probe_result *res, const struct hmx_probe_options *opt)
{
    static const struct hmx_probe_options defaults;
    const struct hmx_arch_ops *arch;
    unsigned m;

    if (res == NULL)
        return HMX_EINVAL;
    if (opt == NULL)
        opt = &defaults;
    if (opt->force >= HMX_MECH_COUNT || opt->force == HMX_MECH_INPROC)
        return HMX_EINVAL;
    hmx_env_memset(res, 0, sizeof(*res));
    for (m = 0; m < HMX_MECH_COUNT; m++)
        res->mech[m].why = "not offered";
    res->mech[HMX_MECH_INPROC].why = "built in; opened explicitly, never probed";
    arch = opt->arch != NULL ? opt->arch : hmx_arch_native();

    if (arch->cpuid != NULL)
        hmx_probe_x86(res, opt, arch);
    if (opt->fdt != NULL) {
#ifdef HMX_HAVE_LIBFDT
        hmx_probe_fdt(res, opt, arch);
#else
        res->dt_status = HMX_EOPNOTSUPP; /* built without libfdt */
#endif
    }
    judge_agnostic(res, arch);
    choose(res, opt);
    if (res->chosen == HMX_MECH_XEN_HYPERCALL || res->chosen == HMX_MECH_V4V_OPENXT ||
        res->chosen == HMX_MECH_V4V_UXEN)
        res->features = 0; /* Xen 4.17, v4v: none of the extensions */
    else if (res->chosen != HMX_MECH_NONE)
        res->features = res->hmx_features;
    return 0;
}

int hmx_open_probed(hmx_ctx *ctx, const struct hmx_probe_result *res,
                    const struct hmx_open_probed_args *args)
{
    static const struct hmx_open_probed_args defaults;
    struct hmx_open_args oa;
    struct hmx_xen_config xen;
    struct hmx_msr_config msr;
    struct hmx_cpuid_config cpuid;
    struct hmx_smccc_config smccc;
    struct hmx_v4v_config v4v;

    if (ctx == NULL || res == NULL)
        return HMX_EINVAL;
    if (args == NULL)
        args = &defaults;
    oa.env = args->env;
    switch (res->chosen) {
    case HMX_MECH_NONE:
        return HMX_ENOMECH;
    case HMX_MECH_XEN_HYPERCALL:
        xen.arch = args->arch;
        xen.entry = (enum hmx_xen_entry)res->xen_entry;
        xen.hypercall_page = res->xen_hypercall_page;
        oa.backend = &hmx_backend_xen;
        oa.backend_config = &xen;
        break;
    case HMX_MECH_V4V_OPENXT:
    case HMX_MECH_V4V_UXEN:
        hmx_env_memset(&v4v, 0, sizeof(v4v));
        v4v.arch = args->arch;
        v4v.entry = (enum hmx_xen_entry)res->xen_entry;
        v4v.hypercall_page = res->xen_hypercall_page;
        v4v.hypercall = (uint32_t)res->mech[res->chosen].param;
        oa.backend = res->chosen == HMX_MECH_V4V_OPENXT ? &hmx_backend_v4v_openxt
                                                        : &hmx_backend_v4v_uxen;
        oa.backend_config = &v4v;
        break;
    case HMX_MECH_MSR:
        msr.arch = args->arch;
        msr.msr = (uint32_t)res->mech[HMX_MECH_MSR].param;
        msr.call_page = args->call_page;
        msr.features = res->features;
        oa.backend = &hmx_backend_msr;
        oa.backend_config = &msr;
        break;
    case HMX_MECH_CPUID:
        cpuid.arch = args->arch;
        cpuid.leaf = (uint32_t)res->mech[HMX_MECH_CPUID].param;
        cpuid.call_page = args->call_page;
        cpuid.features = res->features;
        oa.backend = &hmx_backend_cpuid;
        oa.backend_config = &cpuid;
        break;
    case HMX_MECH_SMCCC:
        smccc.arch = args->arch;
        smccc.conduit = (enum hmx_smccc_conduit)res->smccc_conduit;
        smccc.function_base = res->smccc_base;
        smccc.call_page = args->call_page;
        smccc.features = res->features;
        oa.backend = &hmx_backend_smccc;
        oa.backend_config = &smccc;
        break;
    default:
        return HMX_EOPNOTSUPP;
    }
    return hmx_open(ctx, &oa);
}

const char *hmx_hypervisor_name(uint32_t hv)
{
    static const char *const names[] = {
        "none", "unknown", "Xen", "KVM", "Hyper-V", "VMware", "bhyve",
        "ACRN", "QNX", "QEMU TCG", "VirtualBox", "Parallels", "HMX", "uXen",
    };

    return hv < sizeof(names) / sizeof(names[0]) ? names[hv] : "unknown";
}

const char *hmx_mechanism_name(uint32_t mech)
{
    switch (mech) {
    case HMX_MECH_NONE:
        return "none";
    case HMX_MECH_INPROC:
        return "inproc";
    case HMX_MECH_XEN_HYPERCALL:
        return "xen-hypercall";
    case HMX_MECH_MSR:
        return "msr";
    case HMX_MECH_CPUID:
        return "cpuid";
    case HMX_MECH_SMCCC:
        return "smccc";
    case HMX_MECH_V4V_OPENXT:
        return "v4v-openxt";
    case HMX_MECH_V4V_UXEN:
        return "v4v-uxen";
    case HMX_MECH_MOCK:
        return "mock";
    default:
        return "unknown";
    }
}

const char *hmx_argo_status_name(uint32_t status)
{
    static const char *const names[] = {
        "not Xen", "present", "not enabled", "not built in", "denied by XSM", "not probed",
    };

    return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}
