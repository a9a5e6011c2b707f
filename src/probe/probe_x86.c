/* SPDX-License-Identifier: MIT */
/*
 * x86 discovery: the hypervisor bit, the hypervisor CPUID ranges with their
 * signatures, the HMX discovery block, and Xen's hypercall entry and Argo.
 *
 * Every answer is treated as untrusted: signatures are compared, never
 * parsed; a range's max_leaf is only used to decide whether a leaf of that
 * range may be read; parameters outside their documented range are
 * ignored.  Each CPUID is counted in res->traps (under a hypervisor every
 * one exits).
 */
#include "hmx/mech.h"
#include "hmx/xen.h"
#include "hmx_env.h"
#include "probe_internal.h"

#define HV_FIRST 0x40000000u
#define HV_STEP 0x100u
#define HV_RANGES 256u

struct known_sig {
    char sig[13];
    uint32_t hv;
};

/* Vendor signatures as the 12 bytes of EBX, ECX, EDX. */
static const struct known_sig known[] = {
    {"XenVMMXenVMM", HMX_HV_XEN},
    {"KVMKVMKVM\0\0\0", HMX_HV_KVM},
    {"Linux KVM Hv", HMX_HV_KVM}, /* KVM's Hyper-V enlightenments */
    {"Microsoft Hv", HMX_HV_HYPERV},
    {"VMwareVMware", HMX_HV_VMWARE},
    {"bhyve bhyve ", HMX_HV_BHYVE},
    {"ACRNACRNACRN", HMX_HV_ACRN},
    {" QNXQVMBSQG ", HMX_HV_QNX},
    {"QNXQVMBSQG\0\0", HMX_HV_QNX},
    {"TCGTCGTCGTCG", HMX_HV_TCG},
    {"VBoxVBoxVBox", HMX_HV_VIRTUALBOX},
    {" prl hyperv ", HMX_HV_PARALLELS},
    {" lrpepyh  vr", HMX_HV_PARALLELS},
    {"uXenisnotXen", HMX_HV_UXEN},
};

static void cpuid(struct hmx_probe_result *res, const struct hmx_arch_ops *arch, uint32_t leaf,
                  uint32_t out[4])
{
    arch->cpuid(arch->ctx, leaf, 0, out);
    res->traps++;
}

static uint32_t classify(const uint32_t r[4], char sig[13])
{
    unsigned i;

    hmx_env_memcpy(sig, &r[1], 4);
    hmx_env_memcpy(sig + 4, &r[2], 4);
    hmx_env_memcpy(sig + 8, &r[3], 4);
    sig[12] = '\0';
    if (r[1] == HMX_CPUID_SIG_EBX && r[2] == HMX_CPUID_SIG_ECX && r[3] == HMX_CPUID_SIG_EDX)
        return HMX_HV_HMX;
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (hmx_env_memcmp(sig, known[i].sig, 12) == 0)
            return known[i].hv;
    return HMX_HV_UNKNOWN;
}

/* Printable copy of a signature: NULs and control bytes become spaces. */
static void printable(char sig[13])
{
    unsigned i;

    for (i = 0; i < 12; i++)
        if ((unsigned char)sig[i] < 0x20 || (unsigned char)sig[i] > 0x7e)
            sig[i] = ' ';
}

/* A range is a hypervisor's if its base leaf says it has leaves and a
 * signature; all-zero answers (and echoes of basic leaves) are not. */
static int range_present(uint32_t base, const uint32_t r[4])
{
    return r[0] >= base && r[0] < base + HV_STEP && (r[1] | r[2] | r[3]) != 0;
}

static void read_hmx_block(struct hmx_probe_result *res, const struct hmx_arch_ops *arch,
                           uint32_t base, uint32_t max_leaf)
{
    uint32_t r[4];

    res->hmx_base = base;
    if (max_leaf < base + HMX_CPUID_LEAF_INFO)
        return; /* a signature without an info leaf offers nothing */
    cpuid(res, arch, base + HMX_CPUID_LEAF_INFO, r);
    res->hmx_version = r[0];
    res->hmx_mechanisms = r[1];
    res->hmx_features = ((uint64_t)r[3] << 32) | r[2];
    if ((r[0] >> 16) != (HMX_INTERFACE_VERSION >> 16))
        return; /* another major version: nothing here is ours to read */

    if ((res->hmx_mechanisms & HMX_MECH_BIT(HMX_MECH_MSR)) &&
        max_leaf >= base + HMX_CPUID_LEAF_MECH(HMX_MECH_MSR)) {
        cpuid(res, arch, base + HMX_CPUID_LEAF_MECH(HMX_MECH_MSR), r);
        /* The call register must lie in the range Intel keeps unused. */
        if (r[0] >= 0x40000000u && r[0] <= 0x400000FFu)
            hmx_probe_offer(res, HMX_MECH_MSR, r[0]);
    }
    if ((res->hmx_mechanisms & HMX_MECH_BIT(HMX_MECH_CPUID)) &&
        max_leaf >= base + HMX_CPUID_LEAF_MECH(HMX_MECH_CPUID)) {
        cpuid(res, arch, base + HMX_CPUID_LEAF_MECH(HMX_MECH_CPUID), r);
        /* A leaf of the hypervisor range, but never a range's base leaf. */
        if (r[0] >= HV_FIRST && r[0] < HV_FIRST + HV_RANGES * HV_STEP && (r[0] & 0xFFu) != 0)
            hmx_probe_offer(res, HMX_MECH_CPUID, r[0]);
    }
}

/* Intel traps Xen with vmcall, AMD and Hygon with vmmcall. */
static uint32_t vendor_entry(struct hmx_probe_result *res, const struct hmx_arch_ops *arch)
{
    uint32_t r[4];

    cpuid(res, arch, 0, r);
    if (r[1] == 0x756e6547u && r[3] == 0x49656e69u && r[2] == 0x6c65746eu) /* GenuineIntel */
        return HMX_XEN_ENTRY_VMCALL;
    if ((r[1] == 0x68747541u && r[3] == 0x69746e65u && r[2] == 0x444d4163u) || /* AuthenticAMD */
        (r[1] == 0x6f677948u && r[3] == 0x6e65476eu && r[2] == 0x656e6975u))   /* HygonGenuine */
        return HMX_XEN_ENTRY_VMMCALL;
    return HMX_XEN_ENTRY_NONE;
}

static void probe_xen(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                      const struct hmx_arch_ops *arch, uint32_t base, uint32_t max_leaf)
{
    const struct hmx_env *env = opt->env != NULL ? opt->env : &hmx_env_identity;
    struct hmx_xen_config cfg;
    uint64_t a[4] = {0, 0, 0, 0}, gpa;
    uint32_t r[4];
    int rc;

    res->xen_base = base;
    if (max_leaf >= base + 1) {
        cpuid(res, arch, base + 1, r);
        res->xen_version = r[0];
    }
    if (max_leaf >= base + 2) {
        cpuid(res, arch, base + 2, r);
        res->xen_hypercall_msr = r[1];
    }
    hmx_probe_offer(res, HMX_MECH_XEN_HYPERCALL, HMX_XEN_HYPERCALL_ARGO_OP);

    /* Settle how to enter Xen. */
    if (opt->xen_hypercall_page != NULL && opt->xen_page_ready) {
        res->xen_entry = HMX_XEN_ENTRY_PAGE;
    } else if (opt->xen_hypercall_page != NULL && res->xen_hypercall_msr != 0) {
        rc = env->virt_to_gpa(env->user, opt->xen_hypercall_page, &gpa);
        if (rc == 0) {
            rc = arch->wrmsr != NULL ? arch->wrmsr(arch->ctx, res->xen_hypercall_msr, gpa)
                                     : HMX_EOPNOTSUPP; /* never call an empty page */
            res->traps += rc == 0;
        }
        res->xen_entry = rc == 0 ? HMX_XEN_ENTRY_PAGE : HMX_XEN_ENTRY_NONE;
        if (rc < 0) {
            res->argo_status = HMX_ARGO_UNPROBED;
            res->argo_rc = rc;
            hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, rc,
                             rc == HMX_EPRIV ? "needs ring 0 to install the hypercall page"
                                             : "could not install the hypercall page");
            return;
        }
    } else {
        res->xen_entry = vendor_entry(res, arch);
    }
    if (res->xen_entry == HMX_XEN_ENTRY_PAGE)
        res->xen_hypercall_page = opt->xen_hypercall_page;
    if (res->xen_entry == HMX_XEN_ENTRY_NONE || arch->xen_hypercall == NULL) {
        res->argo_status = HMX_ARGO_UNPROBED;
        hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, HMX_EOPNOTSUPP,
                         arch->xen_hypercall == NULL ? "this build cannot issue it"
                         : "no way to enter Xen (unknown CPU vendor, no hypercall page)");
        return;
    }

    /* Classify Argo with notify(NULL): it only wakes our own waiters. */
    cfg.arch = arch;
    cfg.entry = (enum hmx_xen_entry)res->xen_entry;
    cfg.hypercall_page = res->xen_hypercall_page;
    rc = hmx_xen_argo_op(&cfg, HMX_OP_NOTIFY, a);
    if (rc != HMX_EPRIV)
        res->traps++;
    hmx_probe_argo_answer(res, rc, "needs ring 0");
}

void hmx_probe_x86(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch)
{
    uint32_t r[4], k, xen_base = 0, xen_max = 0;

    if (arch->cpuid == NULL)
        return;
    cpuid(res, arch, 1, r);
    res->hypervisor_bit = r[2] >> 31;
    if (!res->hypervisor_bit)
        return; /* bare metal: the 0x40000000 leaves mean nothing here */

    for (k = 0; k < HV_RANGES; k++) {
        const uint32_t base = HV_FIRST + k * HV_STEP;
        struct hmx_hv_range range;

        cpuid(res, arch, base, r);
        range.hypervisor = classify(r, range.signature);
        /* Old KVM answered EAX = 0 at its base: a known signature stands. */
        if (r[0] == 0 && range.hypervisor != HMX_HV_UNKNOWN && range.hypervisor != HMX_HV_HMX)
            r[0] = base;
        else if (!range_present(base, r))
            continue;
        range.base = base;
        range.max_leaf = r[0];
        printable(range.signature);
        if (res->nranges < HMX_PROBE_MAX_RANGES)
            res->ranges[res->nranges++] = range;

        if (range.hypervisor == HMX_HV_HMX && res->hmx_base == 0)
            read_hmx_block(res, arch, base, range.max_leaf);
        if (range.hypervisor == HMX_HV_XEN && xen_base == 0) {
            xen_base = base;
            xen_max = range.max_leaf;
        }
        /* The identity: the first vendor range, except that a Hyper-V
         * interface followed by another vendor's is that vendor emulating
         * Hyper-V (Xen's viridian, KVM's enlightenments). */
        if (range.hypervisor != HMX_HV_HMX &&
            (res->hypervisor == HMX_HV_NONE || res->hypervisor == HMX_HV_HYPERV)) {
            if (res->hypervisor == HMX_HV_NONE || range.hypervisor != HMX_HV_UNKNOWN) {
                res->hypervisor = range.hypervisor;
                hmx_env_memcpy(res->signature, range.signature, sizeof(res->signature));
            }
        }
    }
    if (res->hypervisor == HMX_HV_NONE)
        res->hypervisor = res->hmx_base != 0 ? HMX_HV_HMX : HMX_HV_UNKNOWN;
    if (xen_base != 0)
        probe_xen(res, opt, arch, xen_base, xen_max);
    if (hmx_probe_v4v_wanted(opt))
        hmx_probe_v4v(res, opt, arch);
}
