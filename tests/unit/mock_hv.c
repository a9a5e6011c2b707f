/* SPDX-License-Identifier: MIT */
/* A fake x86 hypervisor behind struct hmx_arch_ops: see mock_hv.h. */
#include "mock_hv.h"

#include <string.h>

#include "hmx/errors.h"
#include "hmx/mech.h"

static struct mock_hv *hv_of(void *ctx)
{
    return ctx;
}

static struct mock_hv_leaf *find_leaf(struct mock_hv *hv, uint32_t leaf)
{
    uint32_t i;

    for (i = 0; i < hv->nleaves; i++)
        if (hv->leaves[i].leaf == leaf)
            return &hv->leaves[i];
    return NULL;
}

static void mock_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct mock_hv *hv = hv_of(ctx);
    const struct mock_hv_leaf *l = find_leaf(hv, leaf);

    (void)subleaf;
    if (hv->ncpuid < MOCK_HV_CPUID_LOG)
        hv->cpuid_log[hv->ncpuid] = leaf;
    hv->ncpuid++;
    if (l == NULL && hv->echo_basic) {
        const struct mock_hv_leaf *l0 = find_leaf(hv, 0);

        if (l0 != NULL)
            l = find_leaf(hv, l0->r[0]);
    }
    if (l != NULL)
        memcpy(out, l->r, sizeof(l->r));
    else
        memset(out, 0, 4 * sizeof(out[0]));
}

static int refused(struct mock_hv *hv)
{
    if (!(hv->ops.flags & HMX_ARCH_USER))
        return 0;
    hv->nrefused++;
    return 1;
}

static struct mock_hv_msr *find_msr(struct mock_hv *hv, uint32_t msr)
{
    uint32_t i;

    for (i = 0; i < hv->nmsrs; i++)
        if (hv->msrs[i].msr == msr)
            return &hv->msrs[i];
    return NULL;
}

static int mock_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    struct mock_hv *hv = hv_of(ctx);
    const struct mock_hv_msr *m;

    if (refused(hv))
        return HMX_EPRIV;
    hv->nrdmsr++;
    if (hv->rdmsr_rc != 0)
        return hv->rdmsr_rc;
    m = find_msr(hv, msr);
    *val = m != NULL ? m->val : 0;
    return 0;
}

static int mock_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct mock_hv *hv = hv_of(ctx);
    struct mock_hv_msr *m;

    if (refused(hv))
        return HMX_EPRIV;
    if (hv->nwrmsr < MOCK_HV_CALL_LOG) {
        hv->wrmsr_log[hv->nwrmsr].msr = msr;
        hv->wrmsr_log[hv->nwrmsr].val = val;
    }
    hv->nwrmsr++;
    m = find_msr(hv, msr);
    if (m == NULL && hv->nmsrs < MOCK_HV_MSRS) {
        m = &hv->msrs[hv->nmsrs++];
        m->msr = msr;
    }
    if (m != NULL)
        m->val = val;
    if (hv->on_wrmsr != NULL)
        return hv->on_wrmsr(hv, msr, val);
    return hv->wrmsr_rc;
}

static int mock_cpuid_call(void *ctx, struct hmx_x86_regs *regs)
{
    struct mock_hv *hv = hv_of(ctx);

    if (refused(hv))
        return HMX_EPRIV;
    if (hv->ncpuid_call < MOCK_HV_CALL_LOG)
        hv->cpuid_call_log[hv->ncpuid_call] = *regs;
    hv->ncpuid_call++;
    if (hv->on_cpuid_call != NULL)
        return hv->on_cpuid_call(hv, regs);
    regs->rax = (uint64_t)(int64_t)hv->cpuid_call_ret;
    regs->rbx = regs->rcx = regs->rdx = 0;
    return 0;
}

static int mock_xen_hypercall(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                              const uint64_t args[5], uint64_t *ret)
{
    struct mock_hv *hv = hv_of(ctx);
    struct mock_hv_xen_call call;

    if (refused(hv))
        return HMX_EPRIV;
    call.entry = entry;
    call.page = page;
    call.nr = nr;
    memcpy(call.args, args, sizeof(call.args));
    call.arg5 = 0;
    call.six = 0;
    if (hv->nxen < MOCK_HV_CALL_LOG)
        hv->xen_log[hv->nxen] = call;
    hv->nxen++;
    if (hv->xen_rc != 0)
        return hv->xen_rc;
    if (hv->on_xen != NULL)
        return hv->on_xen(hv, &call, ret);
    *ret = hv->xen_ret;
    return 0;
}

/* The same hypervisor entry, with the sixth argument v4v_op needs. */
static int mock_xen_hypercall6(void *ctx, enum hmx_xen_entry entry, const void *page,
                               uint32_t nr, const uint64_t args[6], uint64_t *ret)
{
    struct mock_hv *hv = hv_of(ctx);
    struct mock_hv_xen_call call;

    if (refused(hv))
        return HMX_EPRIV;
    call.entry = entry;
    call.page = page;
    call.nr = nr;
    memcpy(call.args, args, sizeof(call.args));
    call.arg5 = args[5];
    call.six = 1;
    if (hv->nxen < MOCK_HV_CALL_LOG)
        hv->xen_log[hv->nxen] = call;
    hv->nxen++;
    if (hv->xen_rc != 0)
        return hv->xen_rc;
    if (hv->on_xen != NULL)
        return hv->on_xen(hv, &call, ret);
    *ret = hv->xen_ret;
    return 0;
}

void mock_hv_init(struct mock_hv *hv)
{
    memset(hv, 0, sizeof(*hv));
    hv->ops.ctx = hv;
    hv->ops.flags = 0;
    hv->ops.cpuid = mock_cpuid;
    hv->ops.rdmsr = mock_rdmsr;
    hv->ops.wrmsr = mock_wrmsr;
    hv->ops.cpuid_call = mock_cpuid_call;
    hv->ops.xen_hypercall = mock_xen_hypercall;
    hv->ops.smccc = NULL;
    hv->ops.xen_hypercall6 = mock_xen_hypercall6;
}

void mock_hv_set_user(struct mock_hv *hv, int user)
{
    if (user)
        hv->ops.flags |= HMX_ARCH_USER;
    else
        hv->ops.flags &= ~HMX_ARCH_USER;
}

void mock_hv_leaf(struct mock_hv *hv, uint32_t leaf, uint32_t eax, uint32_t ebx, uint32_t ecx,
                  uint32_t edx)
{
    struct mock_hv_leaf *l = find_leaf(hv, leaf);

    if (l == NULL) {
        if (hv->nleaves == MOCK_HV_LEAVES)
            return; /* full: tests never need this many */
        l = &hv->leaves[hv->nleaves++];
        l->leaf = leaf;
    }
    l->r[0] = eax;
    l->r[1] = ebx;
    l->r[2] = ecx;
    l->r[3] = edx;
}

void mock_hv_drop_leaf(struct mock_hv *hv, uint32_t leaf)
{
    struct mock_hv_leaf *l = find_leaf(hv, leaf);

    if (l != NULL)
        *l = hv->leaves[--hv->nleaves];
}

static uint32_t word(const char *s, unsigned i)
{
    uint32_t w;

    memcpy(&w, s + 4 * i, 4);
    return w;
}

void mock_hv_machine(struct mock_hv *hv, const char *vendor, int hypervisor_bit)
{
    static const char zeros[12];
    const char *v = vendor != NULL ? vendor : zeros;

    /* The vendor string is EBX, EDX, ECX. */
    mock_hv_leaf(hv, 0, MOCK_HV_MAX_BASIC, word(v, 0), word(v, 2), word(v, 1));
    /* Family 6 model 0x55; ECX: SSE3, SSE4.2, x2APIC, AVX... and bit 31. */
    mock_hv_leaf(hv, 1, 0x00050654u, 0x00010800u,
                 0x7ffafbffu | (hypervisor_bit ? 0x80000000u : 0u), 0xbfebfbffu);
    mock_hv_leaf(hv, MOCK_HV_MAX_BASIC, MOCK_HV_BASIC_EAX, MOCK_HV_BASIC_EBX, MOCK_HV_BASIC_ECX,
                 MOCK_HV_BASIC_EDX);
}

void mock_hv_signature(struct mock_hv *hv, uint32_t base, uint32_t max_leaf, const char *sig)
{
    mock_hv_leaf(hv, base, max_leaf, word(sig, 0), word(sig, 1), word(sig, 2));
}

void mock_hv_xen(struct mock_hv *hv, uint32_t base, uint32_t version, uint32_t hypercall_msr)
{
    mock_hv_signature(hv, base, base + 2u, "XenVMMXenVMM");
    mock_hv_leaf(hv, base + 1u, version, 0, 0, 0);
    mock_hv_leaf(hv, base + 2u, 1u, hypercall_msr, 0, 0);
}

void mock_hv_hmx_block(struct mock_hv *hv, uint32_t base, uint32_t max_leaf, uint32_t version,
                       uint32_t mechanisms, uint32_t features_lo, uint32_t features_hi,
                       uint32_t msr, uint32_t call_leaf)
{
    mock_hv_leaf(hv, base, max_leaf, HMX_CPUID_SIG_EBX, HMX_CPUID_SIG_ECX, HMX_CPUID_SIG_EDX);
    mock_hv_leaf(hv, base + HMX_CPUID_LEAF_INFO, version, mechanisms, features_lo, features_hi);
    mock_hv_leaf(hv, base + HMX_CPUID_LEAF_MECH(HMX_MECH_MSR), msr, 0, 0, 0);
    mock_hv_leaf(hv, base + HMX_CPUID_LEAF_MECH(HMX_MECH_CPUID), call_leaf, 0, 0, 0);
}

unsigned mock_hv_traps(const struct mock_hv *hv)
{
    return hv->ncpuid + hv->nrdmsr + hv->nwrmsr + hv->ncpuid_call + hv->nxen;
}

unsigned mock_hv_cpuid_reads(const struct mock_hv *hv, uint32_t leaf)
{
    unsigned i, n = 0, logged = hv->ncpuid < MOCK_HV_CPUID_LOG ? hv->ncpuid : MOCK_HV_CPUID_LOG;

    for (i = 0; i < logged; i++)
        n += hv->cpuid_log[i] == leaf;
    return n;
}

void mock_hv_clear_counters(struct mock_hv *hv)
{
    hv->ncpuid = hv->nrdmsr = hv->nwrmsr = hv->ncpuid_call = hv->nxen = 0;
    hv->nrefused = 0;
    memset(hv->cpuid_log, 0, sizeof(hv->cpuid_log));
    memset(hv->wrmsr_log, 0, sizeof(hv->wrmsr_log));
    memset(hv->cpuid_call_log, 0, sizeof(hv->cpuid_call_log));
    memset(hv->xen_log, 0, sizeof(hv->xen_log));
}

uint64_t mock_hv_msr_value(const struct mock_hv *hv, uint32_t msr)
{
    uint32_t i;

    for (i = 0; i < hv->nmsrs; i++)
        if (hv->msrs[i].msr == msr)
            return hv->msrs[i].val;
    return 0;
}
