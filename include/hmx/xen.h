/* SPDX-License-Identifier: MIT */
/*
 * The Xen hypercall backend: HMX over Xen's own argo_op (hypercall 39), on
 * x86 (hypercall page, vmcall or vmmcall) and on Arm (hvc #0xEA1).  The
 * structures are Xen's (hmx/wire.h is byte-compatible); addresses are this
 * domain's virtual addresses, which Xen translates itself.
 */
#ifndef HMX_XEN_H
#define HMX_XEN_H

#include <stdint.h>

#include "hmx/arch.h"
#include "hmx/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HMX_XEN_HYPERCALL_ARGO_OP 39u

struct hmx_xen_config {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    enum hmx_xen_entry entry;        /* how to trap; required */
    const void *hypercall_page;      /* for HMX_XEN_ENTRY_PAGE */
};

extern const struct hmx_backend_ops hmx_backend_xen;

/*
 * hmx_xen_decode - turn the raw value Xen left in rax / x0 into a libhmx
 * result.  Xen returns -errno sign-extended, except that Xen 4.17's sendv
 * error paths arrive zero-extended from 32 bits (-111 as 0xFFFFFF91); both
 * are decoded.
 * Returns: the value when it is a plausible result (0..INT32_MAX); the
 * mapped HMX_E* code for -1..-4095 in either encoding; HMX_EIO otherwise.
 */
int hmx_xen_decode(uint64_t raw);

/*
 * hmx_xen_argo_op - one raw argo_op call: op and four arguments.
 * Returns: the decoded result (hmx_xen_decode), or the arch's error
 * (HMX_EPRIV outside the kernel, HMX_EINVAL for a config without entry).
 */
int hmx_xen_argo_op(const struct hmx_xen_config *cfg, uint32_t op, const uint64_t a[4]);

#ifdef __cplusplus
}
#endif

#endif /* HMX_XEN_H */
