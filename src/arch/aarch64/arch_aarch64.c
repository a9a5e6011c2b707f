/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 instructions that trap to a hypervisor or firmware: the only
 * inline assembly in libhmx for this architecture.  A user-space build
 * (hosted, unless HMX_PRIVILEGED is defined to 1) answers HMX_EPRIV
 * instead of executing hvc or smc, which would fault at EL0.
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

#if HMX_PRIVILEGED

/*
 * Arguments in x0..x7 and results in x0..x7 (HMX uses x0..x5 and x0..x3).
 * SMCCC 1.1 preserves x4..x17 but 1.0 does not, and the first call a probe
 * makes (SMCCC_VERSION) cannot know which it talks to: x8..x17 are
 * declared clobbered.  GCC allows 30 asm operands, so the 1.2 extension of
 * arguments to x17 is not carried; out[8..17] read as 0.
 */
static int a64_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                     uint64_t out[18])
{
    register uint64_t x0 __asm__("x0") = in[0];
    register uint64_t x1 __asm__("x1") = in[1];
    register uint64_t x2 __asm__("x2") = in[2];
    register uint64_t x3 __asm__("x3") = in[3];
    register uint64_t x4 __asm__("x4") = in[4];
    register uint64_t x5 __asm__("x5") = in[5];
    register uint64_t x6 __asm__("x6") = in[6];
    register uint64_t x7 __asm__("x7") = in[7];
    int i;

    (void)ctx;
    if (conduit == HMX_SMCCC_HVC)
        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
                           "+r"(x7)
                         :
                         : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                           "memory");
    else if (conduit == HMX_SMCCC_SMC)
        __asm__ volatile("smc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
                           "+r"(x7)
                         :
                         : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                           "memory");
    else
        return HMX_EINVAL;
    out[0] = x0, out[1] = x1, out[2] = x2, out[3] = x3;
    out[4] = x4, out[5] = x5, out[6] = x6, out[7] = x7;
    for (i = 8; i < 18; i++)
        out[i] = 0;
    return 0;
}

static int a64_xen_hypercall(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                             const uint64_t args[5], uint64_t *ret)
{
    /* Xen on Arm: hvc #0xEA1, number in x16, arguments x0..x4, result x0. */
    register uint64_t x0 __asm__("x0") = args[0];
    register uint64_t x1 __asm__("x1") = args[1];
    register uint64_t x2 __asm__("x2") = args[2];
    register uint64_t x3 __asm__("x3") = args[3];
    register uint64_t x4 __asm__("x4") = args[4];
    register uint64_t x16 __asm__("x16") = nr;

    (void)ctx;
    (void)page;
    if (entry != HMX_XEN_ENTRY_HVC)
        return HMX_EINVAL;
    __asm__ volatile("hvc #0xEA1"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x16)
                     :
                     : "memory");
    *ret = x0;
    return 0;
}

#else /* EL0: never issue hvc or smc */

static int a64_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                     uint64_t out[18])
{
    (void)ctx;
    (void)conduit;
    (void)in;
    (void)out;
    return HMX_EPRIV;
}

static int a64_xen_hypercall(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
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

#endif

static const struct hmx_arch_ops a64_native = {
    .ctx = 0,
    .flags = HMX_PRIVILEGED ? 0u : HMX_ARCH_USER,
    .xen_hypercall = a64_xen_hypercall,
    .smccc = a64_smccc,
};

const struct hmx_arch_ops *hmx_arch_native(void)
{
    return &a64_native;
}

const struct hmx_arch_ops *hmx_arch_xen_pv(void)
{
    return hmx_arch_native(); /* PV is an x86-64 notion */
}
