/* SPDX-License-Identifier: MIT */
/* An architecture libhmx has no trapping instructions for: nothing to probe. */
#include "hmx/arch.h"

static const struct hmx_arch_ops none_native = {
    .ctx = 0,
    .flags = HMX_ARCH_USER,
};

const struct hmx_arch_ops *hmx_arch_native(void)
{
    return &none_native;
}

const struct hmx_arch_ops *hmx_arch_xen_pv(void)
{
    return hmx_arch_native(); /* PV is an x86-64 notion */
}
