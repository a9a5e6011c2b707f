/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the x86 discovery (hmx_probe with CPUID).
 *
 * Every CPUID answer comes from the input through a mock arch table: a
 * table of leaves (basic leaves, any leaf of the 256 hypervisor ranges,
 * raw leaves), with vendor signatures and the HMX block's signature
 * available as shortcuts, absent leaves answering zeros or, like Intel
 * processors, the highest basic leaf; so do the Xen hypercall's raw
 * result, the arch errors of wrmsr and the hypercall, user or kernel
 * mode, the members present, the hypercall page options and the caller's
 * allow / force.
 *
 * Checked: hmx_probe returns 0 (HMX_EINVAL only for a bad force); it
 * executes a bounded number of CPUIDs and counts every trap it makes;
 * ranges are real range bases in ascending order with a max_leaf inside
 * their range and printable, terminated signatures; the hypervisor bit is
 * the one answered and without it nothing else is read; a mechanism is
 * offered only with a parameter inside its documented range (MSR index,
 * call leaf), the HMX block only where its signature was answered, Xen
 * only at a Xen signature; Argo's classification matches the hypercall's
 * answer decoded independently here (sign- and zero-extended codes);
 * reports are consistent and the choice obeys preference, allow and
 * force; and probing twice gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/xen.h"

#define MAX_LEAVES 48u
#define HV_FIRST 0x40000000u

struct leaf {
    uint32_t leaf;
    uint32_t r[4];
};

struct mock {
    unsigned nleaves;
    struct leaf leaves[MAX_LEAVES];
    int echo_basic;
    int wrmsr_rc, xen_rc;
    uint64_t xen_raw;
    /* what happened */
    unsigned ncpuid, nwrmsr_ok, nxen, nxen_counted;
    uint32_t last_msr;
    uint64_t last_msr_val;
};

static struct mock M;

static const struct leaf *find(const struct mock *m, uint32_t leaf)
{
    for (unsigned i = 0; i < m->nleaves; i++)
        if (m->leaves[i].leaf == leaf)
            return &m->leaves[i];
    return NULL;
}

static void answer(const struct mock *m, uint32_t leaf, uint32_t out[4])
{
    const struct leaf *l = find(m, leaf);

    if (l == NULL && m->echo_basic) {
        const struct leaf *l0 = find(m, 0);

        if (l0 != NULL)
            l = find(m, l0->r[0]);
    }
    if (l != NULL)
        memcpy(out, l->r, 16);
    else
        memset(out, 0, 16);
}

static void mock_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct mock *m = ctx;

    (void)subleaf;
    m->ncpuid++;
    answer(m, leaf, out);
}

static int mock_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct mock *m = ctx;

    m->last_msr = msr;
    m->last_msr_val = val;
    if (m->wrmsr_rc == 0)
        m->nwrmsr_ok++;
    return m->wrmsr_rc;
}

static int mock_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    (void)ctx;
    (void)msr;
    (void)val;
    FZ_CHECK(0, "the probe never reads an MSR");
    return HMX_EIO;
}

static int mock_cpuid_call(void *ctx, struct hmx_x86_regs *regs)
{
    (void)ctx;
    (void)regs;
    FZ_CHECK(0, "the probe never makes a CPUID call");
    return HMX_EIO;
}

static int mock_xen(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                    const uint64_t args[5], uint64_t *ret)
{
    struct mock *m = ctx;

    FZ_CHECK(entry == HMX_XEN_ENTRY_PAGE || entry == HMX_XEN_ENTRY_VMCALL ||
                 entry == HMX_XEN_ENTRY_VMMCALL,
             "x86 entry %d", entry);
    FZ_CHECK(entry != HMX_XEN_ENTRY_PAGE || page != NULL, "page entry without a page");
    FZ_CHECK(nr == HMX_XEN_HYPERCALL_ARGO_OP && args[0] == HMX_OP_NOTIFY && args[1] == 0 &&
                 args[2] == 0 && args[3] == 0 && args[4] == 0,
             "the classifying call is notify(NULL)");
    m->nxen++;
    if (m->xen_rc != HMX_EPRIV)
        m->nxen_counted++;
    if (m->xen_rc < 0)
        return m->xen_rc;
    *ret = m->xen_raw;
    return 0;
}

/* Xen's return value, decoded here from the specification. */
static int ref_decode(uint64_t raw)
{
    if (raw <= 0x7FFFFFFFull)
        return (int)raw;
    if (raw >= (uint64_t)-4095)
        return hmx_err_from_xen((int)(uint32_t)(0 - raw));
    if (raw >= 0xFFFFF001ull && raw <= 0xFFFFFFFFull)
        return hmx_err_from_xen((int)(0x100000000ull - raw));
    return HMX_EIO;
}

static const char *const sigs[] = {
    "XenVMMXenVMM", "KVMKVMKVM\0\0\0", "Linux KVM Hv", "Microsoft Hv", "VMwareVMware",
    "bhyve bhyve ", "ACRNACRNACRN", " QNXQVMBSQG ", "TCGTCGTCGTCG", "VBoxVBoxVBox",
    " prl hyperv ", "HMXHMXHMXHMX", "GenuineIntel", "AuthenticAMD", "HygonGenuine",
};

static void add_leaf(struct fz *f, struct mock *m)
{
    uint8_t sel = fz_u8(f), kind = fz_u8(f);
    struct leaf l;

    switch (sel % 4) {
    case 0:
        l.leaf = (sel >> 2) % 0x18u;
        break;
    case 1:
    case 2:
        l.leaf = HV_FIRST + fz_u8(f) * 0x100u + (sel >> 2) % 0x20u;
        break;
    default:
        l.leaf = fz_u32(f);
        break;
    }
    if (kind % 4 == 0) {
        /* A signature at a range base (or a vendor at leaf 0). */
        const char *s = sigs[(kind >> 2) % (sizeof(sigs) / sizeof(sigs[0]))];
        uint32_t w[3];

        memcpy(w, s, 12);
        l.r[0] = l.leaf >= HV_FIRST ? (l.leaf & ~0xFFu) + fz_u8(f) % 0x20u : fz_u8(f) % 0x20u;
        if (l.leaf < HV_FIRST) { /* vendor order: EBX, EDX, ECX */
            l.r[1] = w[0];
            l.r[3] = w[1];
            l.r[2] = w[2];
        } else {
            l.r[1] = w[0];
            l.r[2] = w[1];
            l.r[3] = w[2];
        }
        if (kind & 0x80) /* damage one byte */
            ((uint8_t *)l.r)[4 + fz_u8(f) % 12] ^= (uint8_t)(1u << (kind >> 4 & 7));
    } else if (kind % 4 == 1 && l.leaf == 1) {
        l.r[0] = 0x50654;
        l.r[1] = 0;
        l.r[2] = fz_u32(f) | 0x80000000u; /* the hypervisor bit, mostly */
        l.r[3] = 0;
        if (kind & 0x80)
            l.r[2] &= 0x7FFFFFFFu;
    } else if (kind % 4 == 1) {
        /* HMX block parameters: plausible values near their ranges. */
        l.r[0] = (kind & 0x40 ? HV_FIRST : 0x00010000u) + fz_u8(f) * (kind & 0x20 ? 0x100u : 1u);
        l.r[1] = fz_u8(f);
        l.r[2] = fz_u32(f);
        l.r[3] = fz_u32(f);
    } else {
        for (unsigned i = 0; i < 4; i++)
            l.r[i] = fz_u32(f);
    }
    for (unsigned i = 0; i < m->nleaves; i++) {
        if (m->leaves[i].leaf == l.leaf) { /* a later answer replaces an earlier one */
            m->leaves[i] = l;
            return;
        }
    }
    if (m->nleaves < MAX_LEAVES)
        m->leaves[m->nleaves++] = l;
}

static int known_leaf_range(uint32_t leaf)
{
    return leaf >= HV_FIRST && leaf < HV_FIRST + 256u * 0x100u;
}

static void check_result(const struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                         const struct hmx_arch_ops *arch, const struct mock *m)
{
    uint32_t r[4];
    unsigned nchosen = 0;

    answer(m, 1, r);
    FZ_CHECK(m->ncpuid <= 1 + 256 + 3 + 2 + 1, "%u CPUIDs", m->ncpuid);
    FZ_CHECK(res->traps == m->ncpuid + m->nwrmsr_ok + m->nxen_counted,
             "traps %u, executed %u + %u + %u", res->traps, m->ncpuid, m->nwrmsr_ok,
             m->nxen_counted);
    FZ_CHECK(res->hypervisor_bit == r[2] >> 31, "hypervisor bit");
    FZ_CHECK(res->hypervisor <= HMX_HV_HMX, "hypervisor %u", res->hypervisor);
    FZ_CHECK(memchr(res->signature, '\0', sizeof(res->signature)) != NULL, "signature");
    if (!res->hypervisor_bit) {
        FZ_CHECK(m->ncpuid == 1 && res->nranges == 0 && res->hypervisor == HMX_HV_NONE,
                 "bare metal read more than leaf 1");
        FZ_CHECK(res->chosen == HMX_MECH_NONE, "a mechanism on bare metal");
    }
    FZ_CHECK(res->nranges <= HMX_PROBE_MAX_RANGES, "nranges %u", res->nranges);
    for (unsigned i = 0; i < res->nranges; i++) {
        const struct hmx_hv_range *g = &res->ranges[i];

        FZ_CHECK(known_leaf_range(g->base) && (g->base & 0xFFu) == 0, "range base %#x", g->base);
        FZ_CHECK(i == 0 || g->base > res->ranges[i - 1].base, "ranges out of order");
        FZ_CHECK(g->max_leaf >= g->base && g->max_leaf <= g->base + 0xFFu, "max_leaf %#x",
                 g->max_leaf);
        FZ_CHECK(g->signature[12] == '\0', "range signature not terminated");
        for (unsigned k = 0; k < 12; k++)
            FZ_CHECK(g->signature[k] >= 0x20 && g->signature[k] <= 0x7e,
                     "unprintable signature byte");
        FZ_CHECK(g->hypervisor <= HMX_HV_HMX && g->hypervisor != HMX_HV_NONE, "range kind");
    }
    if (res->hmx_base != 0) {
        answer(m, res->hmx_base, r);
        FZ_CHECK(known_leaf_range(res->hmx_base) && (res->hmx_base & 0xFFu) == 0 &&
                     r[1] == HMX_CPUID_SIG_EBX && r[2] == HMX_CPUID_SIG_ECX &&
                     r[3] == HMX_CPUID_SIG_EDX,
                 "HMX block at %#x without its signature", res->hmx_base);
    }
    for (unsigned i = 0; i < HMX_MECH_COUNT; i++) {
        const struct hmx_mech_report *rep = &res->mech[i];

        FZ_CHECK(rep->why != NULL, "mechanism %u without a reason", i);
        FZ_CHECK(!rep->usable || (rep->offered && rep->status == 0), "mechanism %u", i);
        FZ_CHECK(!rep->chosen || rep->usable, "mechanism %u chosen, not usable", i);
        FZ_CHECK(rep->status <= 0, "status %d", rep->status);
        nchosen += rep->chosen != 0;
        FZ_CHECK(!rep->offered || i == HMX_MECH_MSR || i == HMX_MECH_CPUID ||
                     i == HMX_MECH_XEN_HYPERCALL,
                 "mechanism %u offered on x86", i);
        if (rep->usable && (i == HMX_MECH_MSR || i == HMX_MECH_CPUID))
            FZ_CHECK(!(arch->flags & HMX_ARCH_USER), "privileged mechanism usable in user mode");
    }
    if (res->mech[HMX_MECH_MSR].offered) {
        FZ_CHECK(res->hmx_base != 0 && res->mech[HMX_MECH_MSR].param >= 0x40000000u &&
                     res->mech[HMX_MECH_MSR].param <= 0x400000FFu,
                 "MSR %#llx", (unsigned long long)res->mech[HMX_MECH_MSR].param);
        FZ_CHECK((res->hmx_version >> 16) == 1, "MSR offered by another major version");
    }
    if (res->mech[HMX_MECH_CPUID].offered) {
        uint64_t leaf = res->mech[HMX_MECH_CPUID].param;

        FZ_CHECK(res->hmx_base != 0 && known_leaf_range((uint32_t)leaf) && leaf <= UINT32_MAX &&
                     (leaf & 0xFFu) != 0,
                 "call leaf %#llx", (unsigned long long)leaf);
        FZ_CHECK((res->hmx_version >> 16) == 1, "CPUID offered by another major version");
    }
    FZ_CHECK(nchosen <= 1 && (res->chosen == HMX_MECH_NONE) == (nchosen == 0), "chosen");
    if (opt->force != 0)
        FZ_CHECK(res->chosen == HMX_MECH_NONE || res->chosen == opt->force, "force");
    else if (opt->allow != 0 && res->chosen != HMX_MECH_NONE)
        FZ_CHECK(opt->allow & HMX_MECH_BIT(res->chosen), "allow");
    if (opt->force == 0 && res->chosen != HMX_MECH_NONE) {
        /* Preference: Xen, then MSR, then CPUID (SMCCC is not on x86). */
        static const uint32_t pref[] = {HMX_MECH_XEN_HYPERCALL, HMX_MECH_MSR, HMX_MECH_CPUID};

        for (unsigned i = 0; i < 3 && pref[i] != res->chosen; i++)
            FZ_CHECK(!res->mech[pref[i]].usable ||
                         (opt->allow != 0 && !(opt->allow & HMX_MECH_BIT(pref[i]))),
                     "a preferred mechanism was passed over");
    }
    if (res->chosen != HMX_MECH_NONE && res->chosen != HMX_MECH_XEN_HYPERCALL)
        FZ_CHECK(res->features == res->hmx_features, "features");
    if (res->chosen == HMX_MECH_XEN_HYPERCALL)
        FZ_CHECK(res->features == 0, "Xen offers no extension");

    /* Xen. */
    if (res->mech[HMX_MECH_XEN_HYPERCALL].offered) {
        answer(m, res->xen_base, r);
        FZ_CHECK(known_leaf_range(res->xen_base) && memcmp(&r[1], "XenVMMXenVMM", 12) == 0,
                 "Xen offered without its signature at %#x", res->xen_base);
        FZ_CHECK(res->xen_entry <= HMX_XEN_ENTRY_VMMCALL, "entry %u", res->xen_entry);
        FZ_CHECK((res->xen_entry == HMX_XEN_ENTRY_PAGE) == (res->xen_hypercall_page != NULL),
                 "hypercall page");
        if (res->xen_entry == HMX_XEN_ENTRY_PAGE)
            FZ_CHECK(res->xen_hypercall_page == opt->xen_hypercall_page, "which page");
        if (m->nxen > 0) {
            int want = M.xen_rc < 0 ? M.xen_rc : ref_decode(M.xen_raw);

            FZ_CHECK(res->argo_rc == want, "argo_rc %d, Xen answered %d", res->argo_rc, want);
            switch (want) {
            case HMX_ENOSYS:
            case HMX_ENODEV:
                FZ_CHECK(res->argo_status == HMX_ARGO_ABSENT, "absent");
                break;
            case HMX_EOPNOTSUPP:
                FZ_CHECK(res->argo_status == HMX_ARGO_DISABLED, "disabled");
                break;
            case HMX_EPERM:
            case HMX_EACCES:
                FZ_CHECK(res->argo_status == HMX_ARGO_DENIED, "denied");
                break;
            case HMX_EPRIV:
                FZ_CHECK(res->argo_status == HMX_ARGO_UNPROBED, "unprobed");
                break;
            default:
                FZ_CHECK(res->argo_status == HMX_ARGO_PRESENT &&
                             res->mech[HMX_MECH_XEN_HYPERCALL].usable,
                         "present: status %u", res->argo_status);
                break;
            }
        } else {
            FZ_CHECK(!res->mech[HMX_MECH_XEN_HYPERCALL].usable, "Xen usable without a call");
        }
    } else {
        FZ_CHECK(m->nxen == 0 && res->xen_base == 0 && res->argo_status == HMX_ARGO_NOT_XEN,
                 "Xen probed without a Xen range");
    }
}

static int same_result(const struct hmx_probe_result *a, const struct hmx_probe_result *b)
{
    /* Field by field: struct padding is not part of the result. */
    if (a->hypervisor_bit != b->hypervisor_bit || a->hypervisor != b->hypervisor ||
        memcmp(a->signature, b->signature, sizeof(a->signature)) != 0 ||
        a->nranges != b->nranges || a->hmx_base != b->hmx_base ||
        a->hmx_version != b->hmx_version || a->hmx_mechanisms != b->hmx_mechanisms ||
        a->hmx_features != b->hmx_features || a->xen_base != b->xen_base ||
        a->xen_version != b->xen_version || a->xen_hypercall_msr != b->xen_hypercall_msr ||
        a->xen_entry != b->xen_entry || a->xen_hypercall_page != b->xen_hypercall_page ||
        a->argo_status != b->argo_status || a->argo_rc != b->argo_rc ||
        a->chosen != b->chosen || a->features != b->features || a->traps != b->traps)
        return 0;
    for (unsigned i = 0; i < a->nranges; i++)
        if (a->ranges[i].base != b->ranges[i].base ||
            a->ranges[i].max_leaf != b->ranges[i].max_leaf ||
            a->ranges[i].hypervisor != b->ranges[i].hypervisor ||
            memcmp(a->ranges[i].signature, b->ranges[i].signature, 13) != 0)
            return 0;
    for (unsigned i = 0; i < HMX_MECH_COUNT; i++)
        if (a->mech[i].offered != b->mech[i].offered || a->mech[i].usable != b->mech[i].usable ||
            a->mech[i].chosen != b->mech[i].chosen || a->mech[i].status != b->mech[i].status ||
            a->mech[i].why != b->mech[i].why || a->mech[i].param != b->mech[i].param)
            return 0;
    return 1;
}

static const int arch_rcs[] = {0, HMX_EPRIV, HMX_EIO, HMX_EINVAL, HMX_EFAULT, 0, 0, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static _Alignas(4096) uint8_t page[4096];
    struct fz f;
    struct hmx_arch_ops arch;
    struct hmx_probe_options opt;
    struct hmx_probe_result res, res2;
    struct mock answers;
    uint8_t mode, sel, n;
    int rc;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    memset(&answers, 0, sizeof(answers));
    answers.echo_basic = (mode & 0x10) != 0;
    sel = fz_u8(&f);
    answers.wrmsr_rc = arch_rcs[sel % 8];
    answers.xen_rc = arch_rcs[(sel >> 3) % 8];
    answers.xen_raw = sel & 0x40 ? fz_u64(&f) : (uint64_t)(int64_t)-(int64_t)(fz_u8(&f) % 120);
    if (sel & 0x80) /* the zero-extended form of Xen 4.17's sendv paths */
        answers.xen_raw &= 0xFFFFFFFFull;

    memset(&opt, 0, sizeof(opt));
    if (mode & 0x80) {
        uint8_t s = fz_u8(&f);

        opt.allow = s & 1 ? fz_u32(&f) : 0;
        opt.force = s & 2 ? fz_u8(&f) % 20 : 0;
    }
    if (mode & 0x20) {
        opt.xen_hypercall_page = page;
        opt.xen_page_ready = (mode & 0x40) != 0;
    }
    n = fz_u8(&f) % (MAX_LEAVES + 1);
    /* A hypervisor bit unless the input takes it away. */
    answers.leaves[0].leaf = 1;
    answers.leaves[0].r[2] = 0x80000000u;
    answers.nleaves = 1;
    for (unsigned i = 0; i < n && !fz_empty(&f); i++)
        add_leaf(&f, &answers);

    memset(&arch, 0, sizeof(arch));
    arch.ctx = &M;
    arch.flags = mode & 1 ? HMX_ARCH_USER : 0;
    arch.cpuid = mock_cpuid;
    arch.rdmsr = mock_rdmsr;
    arch.wrmsr = mode & 2 ? NULL : mock_wrmsr;
    arch.cpuid_call = mode & 8 ? NULL : mock_cpuid_call;
    arch.xen_hypercall = mode & 4 ? NULL : mock_xen;
    if (arch.flags & HMX_ARCH_USER) { /* user mode: privileged members refuse */
        answers.wrmsr_rc = HMX_EPRIV;
        answers.xen_rc = HMX_EPRIV;
    }
    opt.arch = &arch;

    M = answers;
    rc = hmx_probe(&res, &opt);
    if (opt.force >= HMX_MECH_COUNT || opt.force == HMX_MECH_INPROC) {
        FZ_CHECK(rc == HMX_EINVAL && M.ncpuid == 0, "force %u: %d", opt.force, rc);
        return 0;
    }
    FZ_CHECK(rc == 0, "hmx_probe %d", rc);
    check_result(&res, &opt, &arch, &M);
    if (M.nwrmsr_ok > 0)
        FZ_CHECK(M.last_msr == res.xen_hypercall_msr && M.last_msr_val == (uintptr_t)page,
                 "hypercall page installed at %#llx through %#x",
                 (unsigned long long)M.last_msr_val, M.last_msr);

    if (getenv("HMX_FUZZ_STATS") != NULL) /* what this input made of the probe */
        fprintf(stderr, "probe_x86: hypervisor %s, %u ranges, hmx_base %#x, xen_base %#x, argo %s "
                "(%d), offered xen/msr/cpuid %u%u%u, usable %u%u%u, chosen %s, %u traps\n",
                hmx_hypervisor_name(res.hypervisor), res.nranges, res.hmx_base, res.xen_base,
                hmx_argo_status_name(res.argo_status), res.argo_rc,
                res.mech[HMX_MECH_XEN_HYPERCALL].offered, res.mech[HMX_MECH_MSR].offered,
                res.mech[HMX_MECH_CPUID].offered, res.mech[HMX_MECH_XEN_HYPERCALL].usable,
                res.mech[HMX_MECH_MSR].usable, res.mech[HMX_MECH_CPUID].usable,
                hmx_mechanism_name(res.chosen), res.traps);
    M = answers;
    FZ_CHECK(hmx_probe(&res2, &opt) == 0 && same_result(&res, &res2),
             "the probe is not a function of its input");
    return 0;
}
