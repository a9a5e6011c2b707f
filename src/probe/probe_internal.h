/* SPDX-License-Identifier: MIT */
/* Between the architecture probes and the common selection. */
#ifndef HMX_PROBE_INTERNAL_H
#define HMX_PROBE_INTERNAL_H

#include "hmx/probe.h"

/* Mark mechanism m as offered by the platform, with its parameter. */
void hmx_probe_offer(struct hmx_probe_result *res, uint32_t m, uint64_t param);
/* Record why m cannot be used (status < 0) or that it can (status 0). */
void hmx_probe_usable(struct hmx_probe_result *res, uint32_t m, int status, const char *why);

/* Classify Xen's Argo from the answer to the harmless notify call. */
void hmx_probe_argo_answer(struct hmx_probe_result *res, int rc, const char *needs_priv);

/* x86: CPUID scan, HMX block, Xen classification. */
void hmx_probe_x86(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch);

/* x86: v4v classification (probe_v4v.c), after the scan and Xen's. */
int hmx_probe_v4v_wanted(const struct hmx_probe_options *opt);
void hmx_probe_v4v(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch);

/* Arm: device tree, then SMCCC (built only with libfdt). */
void hmx_probe_fdt(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch);

#endif
