/* SPDX-License-Identifier: MIT */
/*
 * The trapping instructions, behind one table.
 *
 * Every instruction that leaves the guest (cpuid, rdmsr, wrmsr, vmcall,
 * vmmcall, a call into Xen's hypercall page, hvc, smc) is reached through a
 * struct hmx_arch_ops.  hmx_arch_native() returns the table of the machine
 * libhmx was built for, whose raw instructions live in one small file per
 * architecture (src/arch/); tests hand the probe and the backends a table
 * of their own and so put a mock hypervisor behind the very same code.
 *
 * Members a platform lacks are NULL.  Members return 0 or a negative
 * HMX_E* code; HMX_EPRIV when the instruction needs a privilege the caller
 * lacks (a hosted build runs in user mode and never executes rdmsr, wrmsr,
 * vmcall, vmmcall, hvc or smc: it answers HMX_EPRIV instead).
 */
#ifndef HMX_ARCH_H
#define HMX_ARCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How an x86 guest enters Xen. */
enum hmx_xen_entry {
    HMX_XEN_ENTRY_NONE = 0,
    HMX_XEN_ENTRY_PAGE = 1,    /* call into the hypercall page (HVM, PVH, PV) */
    HMX_XEN_ENTRY_VMCALL = 2,  /* Intel VMX */
    HMX_XEN_ENTRY_VMMCALL = 3, /* AMD SVM */
    HMX_XEN_ENTRY_HVC = 4      /* Arm: hvc #0xEA1, number in x16 */
};

/* SMCCC conduits. */
enum hmx_smccc_conduit {
    HMX_SMCCC_NONE = 0,
    HMX_SMCCC_HVC = 1,
    HMX_SMCCC_SMC = 2
};

/* Registers of an x86 CPUID call: in and out. */
struct hmx_x86_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi;
};

/* hmx_arch_ops.flags */
#define HMX_ARCH_USER 0x1u /* runs unprivileged: privileged members answer HMX_EPRIV */

struct hmx_arch_ops {
    void *ctx;      /* passed to every member */
    uint32_t flags; /* HMX_ARCH_* */

    /* x86: cpuid(leaf, subleaf) -> out[0..3] = eax, ebx, ecx, edx.
     * Unprivileged; never fails. */
    void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
    /* x86: read / write an MSR. HMX_EPRIV outside ring 0. */
    int (*rdmsr)(void *ctx, uint32_t msr, uint64_t *val);
    int (*wrmsr)(void *ctx, uint32_t msr, uint64_t val);
    /* x86: CPUID with rax, rbx, rcx, rdx, rsi, rdi all as inputs and
     * outputs (the CPUID call interface). HMX_EPRIV outside ring 0. */
    int (*cpuid_call)(void *ctx, struct hmx_x86_regs *regs);

    /* Xen hypercall nr with five arguments; *ret is the raw value left in
     * rax / x0.  entry says how to trap; page is the hypercall page for
     * HMX_XEN_ENTRY_PAGE.  HMX_EPRIV outside the kernel. */
    int (*xen_hypercall)(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                         const uint64_t args[5], uint64_t *ret);

    /* Arm: an SMCCC call through conduit; in[0] is the function ID, in[1..17]
     * x1..x17; out[0..17] receives x0..x17 (the native table passes x0..x7
     * and returns x0..x7, as SMCCC 1.1; HMX needs no more). HMX_EPRIV
     * outside EL1. */
    int (*smccc)(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                 uint64_t out[18]);

    /* As xen_hypercall with six arguments (x86-64: rdi, rsi, rdx, r10, r8,
     * r9), for v4v's v4v_op(cmd, arg1..arg5).  Optional (NULL: v4v cannot
     * be reached).  HMX_EPRIV outside the kernel. */
    int (*xen_hypercall6)(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                          const uint64_t args[6], uint64_t *ret);
};

/*
 * hmx_arch_native - the instruction table of the machine libhmx was built
 * for.  Returns a static table; members this architecture lacks are NULL.
 */
const struct hmx_arch_ops *hmx_arch_native(void);

/*
 * hmx_arch_xen_pv - the table for a Xen PV kernel on x86-64: as native,
 * except that cpuid uses Xen's forced-emulation prefix (ud2; "xen";
 * cpuid).  A PV kernel runs on the bare CPU, so a plain CPUID reaches Xen
 * only where Xen can enable CPUID faulting (not on most AMD parts, nor
 * under emulation) and otherwise shows the machine's own leaves.  Use it
 * only in a PV domain: elsewhere the prefix is an undefined opcode.
 * Returns: the table on x86-64; the native table on other architectures.
 */
const struct hmx_arch_ops *hmx_arch_xen_pv(void);

#ifdef __cplusplus
}
#endif

#endif /* HMX_ARCH_H */
