/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 instructions that trap to a hypervisor: the only inline
 * assembly in libhmx for this architecture.
 *
 * CPUID is unprivileged and always executed.  The rest need ring 0: a
 * build for user space (hosted, unless HMX_PRIVILEGED is defined to 1)
 * answers HMX_EPRIV without executing them, so a tool can probe without
 * faulting.
 */
#include "hmx/arch.h"
#include "hmx/errors.h"

#ifndef HMX_PRIVILEGED
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#define HMX_PRIVILEGED 0
#else
#define HMX_PRIVILEGED 1
#endif
#endif

static void x86_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t a, b, c, d;

    (void)ctx;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

/* Xen's forced emulation: ud2 followed by "xen" makes Xen emulate the
 * next instruction, so a PV guest's CPUID sees Xen's leaves. */
static void x86_cpuid_xen_pv(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t a, b, c, d;

    (void)ctx;
    __asm__ volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n\tcpuid"
                     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                     : "a"(leaf), "c"(subleaf));
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

#if HMX_PRIVILEGED

static int x86_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    uint32_t lo, hi;

    (void)ctx;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    *val = ((uint64_t)hi << 32) | lo;
    return 0;
}

static int x86_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    (void)ctx;
    /* "memory": the hypervisor reads and writes guest memory (the call
     * block) during this instruction. */
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                     : "memory");
    return 0;
}

static int x86_cpuid_call(void *ctx, struct hmx_x86_regs *r)
{
    (void)ctx;
    __asm__ volatile("cpuid"
                     : "+a"(r->rax), "+b"(r->rbx), "+c"(r->rcx), "+d"(r->rdx), "+S"(r->rsi),
                       "+D"(r->rdi)
                     :
                     : "memory");
    return 0;
}

static int x86_xen_hypercall6(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                              const uint64_t args[6], uint64_t *ret)
{
    /* Xen's x86-64 hypercall ABI: rdi, rsi, rdx, r10, r8, r9 (v4v_op's
     * sixth); result in rax; the hypercall page's PV stubs use syscall,
     * which clobbers rcx, r11. */
    register uint64_t rdi __asm__("rdi") = args[0];
    register uint64_t rsi __asm__("rsi") = args[1];
    register uint64_t rdx __asm__("rdx") = args[2];
    register uint64_t r10 __asm__("r10") = args[3];
    register uint64_t r8 __asm__("r8") = args[4];
    register uint64_t r9 __asm__("r9") = args[5];
    uint64_t rax;

    (void)ctx;
    switch (entry) {
    case HMX_XEN_ENTRY_PAGE:
        if (page == 0)
            return HMX_EINVAL;
        rax = (uint64_t)(uintptr_t)page + (uint64_t)nr * 32u;
        __asm__ volatile("call *%%rax"
                         : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
                           "+r"(r9)
                         :
                         : "rcx", "r11", "memory");
        break;
    case HMX_XEN_ENTRY_VMCALL:
        rax = nr;
        __asm__ volatile("vmcall"
                         : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
                           "+r"(r9)
                         :
                         : "rcx", "r11", "memory");
        break;
    case HMX_XEN_ENTRY_VMMCALL:
        rax = nr;
        __asm__ volatile("vmmcall"
                         : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
                           "+r"(r9)
                         :
                         : "rcx", "r11", "memory");
        break;
    default:
        return HMX_EINVAL;
    }
    *ret = rax;
    return 0;
}

/* Five-argument hypercalls go through the six-argument entry with r9 zero:
 * Xen's argo_op reads five and ignores r9. */
static int x86_xen_hypercall(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                             const uint64_t args[5], uint64_t *ret)
{
    const uint64_t six[6] = {args[0], args[1], args[2], args[3], args[4], 0};

    return x86_xen_hypercall6(ctx, entry, page, nr, six, ret);
}

#else /* user mode: never execute a privileged instruction */

static int x86_rdmsr(void *ctx, uint32_t msr, uint64_t *val)
{
    (void)ctx;
    (void)msr;
    (void)val;
    return HMX_EPRIV;
}

static int x86_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    (void)ctx;
    (void)msr;
    (void)val;
    return HMX_EPRIV;
}

static int x86_cpuid_call(void *ctx, struct hmx_x86_regs *r)
{
    (void)ctx;
    (void)r;
    return HMX_EPRIV;
}

static int x86_xen_hypercall(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                             const uint64_t args[5], uint64_t *ret)
{
    (void)ctx;
    (void)entry;
    (void)page;
    (void)nr;
    (void)args;
    (void)ret;
    return HMX_EPRIV;
}

static int x86_xen_hypercall6(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                              const uint64_t args[6], uint64_t *ret)
{
    (void)ctx;
    (void)entry;
    (void)page;
    (void)nr;
    (void)args;
    (void)ret;
    return HMX_EPRIV;
}

#endif

static const struct hmx_arch_ops x86_native = {
    .ctx = 0,
    .flags = HMX_PRIVILEGED ? 0u : HMX_ARCH_USER,
    .cpuid = x86_cpuid,
    .rdmsr = x86_rdmsr,
    .wrmsr = x86_wrmsr,
    .cpuid_call = x86_cpuid_call,
    .xen_hypercall = x86_xen_hypercall,
    .smccc = 0,
    .xen_hypercall6 = x86_xen_hypercall6,
};

static const struct hmx_arch_ops x86_xen_pv = {
    .ctx = 0,
    .flags = HMX_PRIVILEGED ? 0u : HMX_ARCH_USER,
    .cpuid = x86_cpuid_xen_pv,
    .rdmsr = x86_rdmsr,
    .wrmsr = x86_wrmsr,
    .cpuid_call = x86_cpuid_call,
    .xen_hypercall = x86_xen_hypercall,
    .smccc = 0,
    .xen_hypercall6 = x86_xen_hypercall6,
};

const struct hmx_arch_ops *hmx_arch_native(void)
{
    return &x86_native;
}

const struct hmx_arch_ops *hmx_arch_xen_pv(void)
{
    return &x86_xen_pv;
}
