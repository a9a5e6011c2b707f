/* SPDX-License-Identifier: MIT */
/* The VMM's v4v side: see vmm_v4v.h and kvm_abi.h (KVM_MSR_HCPAGE). */
#include "vmm_v4v.h"

#include <string.h>

#include "hmx/mech.h"
#include "hmx/v4v.h"
#include "kvm_abi.h"

#define XEN_LEAVES 0x40000000u
#define STUB_SIZE 32u
#define CALL_WORDS 7u

uint32_t kvm_v4v_dialect(uint32_t scenario)
{
    return scenario == KVM_SC_V4V_OPENXT ? HMX_V4V_OPENXT
           : scenario == KVM_SC_V4V_UXEN ? HMX_V4V_UXEN
                                         : 0;
}

uint32_t kvm_v4v_provider_flags(uint32_t scenario)
{
    switch (kvm_v4v_dialect(scenario)) {
    case HMX_V4V_OPENXT:
        return HMX_PROVIDER_V4V_OPENXT;
    case HMX_V4V_UXEN:
        return HMX_PROVIDER_V4V_UXEN;
    default:
        return 0;
    }
}

uint32_t kvm_v4v_hypercall(uint32_t scenario)
{
    return kvm_v4v_dialect(scenario) == HMX_V4V_OPENXT ? HMX_V4V_HYPERCALL_OPENXT_412
                                                       : HMX_V4V_HYPERCALL;
}

uint32_t kvm_v4v_mechanism(uint32_t scenario)
{
    switch (kvm_v4v_dialect(scenario)) {
    case HMX_V4V_OPENXT:
        return HMX_MECH_V4V_OPENXT;
    case HMX_V4V_UXEN:
        return HMX_MECH_V4V_UXEN;
    default:
        return HMX_MECH_MSR;
    }
}

static void sig(struct kvm_cpuid_entry2 *e, const char s[12])
{
    memcpy(&e->ebx, s, 4);
    memcpy(&e->ecx, s + 4, 4);
    memcpy(&e->edx, s + 8, 4);
}

void kvm_v4v_cpuid(struct kvm_cpuid2 *cpuid, uint32_t scenario)
{
    const int uxen = kvm_v4v_dialect(scenario) == HMX_V4V_UXEN;
    struct kvm_cpuid_entry2 *e;
    uint32_t i, n = 0;

    /* Drop the HMX block (three leaves) and any leaf +1, +2 of KVM's;
     * their room takes Xen's +1 and +2 (the table cannot grow). */
    for (i = 0; i < cpuid->nent; i++) {
        e = &cpuid->entries[i];
        if ((e->function >= KVM_HMX_CPUID_BASE && e->function < KVM_HMX_CPUID_BASE + 0x100u) ||
            e->function == XEN_LEAVES + 1u || e->function == XEN_LEAVES + 2u)
            continue;
        cpuid->entries[n++] = *e;
    }
    if (cpuid->nent - n < 2)
        return; /* cannot happen: cpuid_prepare added the HMX block */
    for (i = 0; i < n; i++) {
        e = &cpuid->entries[i];
        if (e->function == XEN_LEAVES) {
            e->eax = XEN_LEAVES + 2u;
            sig(e, uxen ? "uXenisnotXen" : "XenVMMXenVMM");
        }
    }
    e = &cpuid->entries[n++];
    memset(e, 0, sizeof(*e));
    e->function = XEN_LEAVES + 1u;
    e->eax = uxen ? 0x00010000u : 0x0004000Cu; /* version: uXen 1.0, Xen 4.12 */
    e = &cpuid->entries[n++];
    memset(e, 0, sizeof(*e));
    e->function = XEN_LEAVES + 2u;
    e->eax = 1; /* one hypercall page */
    e->ebx = KVM_MSR_HCPAGE;
    cpuid->nent = n;
}

int kvm_v4v_fill_page(uint8_t *mem, uint64_t mem_size, uint64_t gpa)
{
    static const uint8_t stub[] = {
        0x41, 0x51,             /* push %r9 */
        0x41, 0x50,             /* push %r8 */
        0x41, 0x52,             /* push %r10 */
        0x52,                   /* push %rdx */
        0x56,                   /* push %rsi */
        0x57,                   /* push %rdi */
        0x6a, 0x00,             /* push $nr (patched) */
        0x89, 0xe0,             /* mov %esp, %eax */
        0xe7, KVM_PORT_V4V,     /* out %eax, $KVM_PORT_V4V */
        0x58,                   /* pop %rax: the result */
        0x48, 0x83, 0xc4, 0x30, /* add $48, %rsp */
        0xc3,                   /* ret */
    };
    uint8_t *page;
    uint32_t nr;

    if ((gpa & 0xFFFu) != 0 || gpa > mem_size - 4096u || mem_size < 4096u)
        return -1;
    page = mem + gpa;
    memset(page, 0xCC, 4096); /* int3 between stubs */
    for (nr = 0; nr < 4096u / STUB_SIZE; nr++) {
        memcpy(page + nr * STUB_SIZE, stub, sizeof(stub));
        page[nr * STUB_SIZE + 10] = (uint8_t)nr; /* 0..127: imm8 sign-extends to itself */
    }
    return 0;
}

int kvm_v4v_serve(struct hmx_provider *p, uint32_t scenario, hmx_domid_t dom, uint8_t *mem,
                  uint64_t mem_size, uint64_t gpa, hmx_gfn_t *scratch, uint32_t scratch_len,
                  uint32_t *op)
{
    uint64_t w[CALL_WORDS];
    int64_t ret;
    int kind;

    if (gpa > mem_size || mem_size - gpa < sizeof(w))
        return KVM_V4V_BAD;
    memcpy(w, mem + gpa, sizeof(w));
    if (w[0] != kvm_v4v_hypercall(scenario)) {
        ret = -38; /* no such hypercall here */
        kind = KVM_V4V_FOREIGN;
    } else {
        ret = hmx_provider_v4v_call(p, dom, (uint32_t)w[1], w + 2, scratch, scratch_len);
        switch (w[1]) {
        case HMX_V4V_OP_REGISTER_RING:
            *op = HMX_OP_REGISTER_RING;
            kind = KVM_V4V_OP;
            break;
        case HMX_V4V_OP_UNREGISTER_RING:
            *op = HMX_OP_UNREGISTER_RING;
            kind = KVM_V4V_OP;
            break;
        case HMX_V4V_OP_SEND:
        case HMX_V4V_OP_SENDV:
            *op = HMX_OP_SENDV;
            kind = KVM_V4V_OP;
            break;
        case HMX_V4V_OP_NOTIFY:
            *op = HMX_OP_NOTIFY;
            kind = KVM_V4V_OP;
            break;
        default:
            kind = KVM_V4V_PROBE;
            break;
        }
    }
    memcpy(mem + gpa, &ret, sizeof(ret));
    return kind;
}
