/* SPDX-License-Identifier: MIT */
/*
 * The VMM's v4v side (vmm_v4v.c): a Xen-family CPUID signature, the
 * hypercall page of stubs, and v4v_op calls served by the reference
 * provider in the scenario's dialect.  See kvm_abi.h, KVM_MSR_HCPAGE.
 */
#ifndef HMX_KVM_VMM_V4V_H
#define HMX_KVM_VMM_V4V_H

#include <linux/kvm.h>
#include <stdint.h>

#include "hmx/provider.h"

/* enum hmx_v4v_dialect of a scenario, 0 for the Argo/HMX ones. */
uint32_t kvm_v4v_dialect(uint32_t scenario);
/* The provider flag serving it (0 for none). */
uint32_t kvm_v4v_provider_flags(uint32_t scenario);
/* The hypercall number the VMM serves v4v_op on: 43 (OpenXT with Xen
 * 4.12) or 39 (uXen). */
uint32_t kvm_v4v_hypercall(uint32_t scenario);
/* The mechanism the guests' probe must choose. */
uint32_t kvm_v4v_mechanism(uint32_t scenario);

/* Replace KVM's signature and the HMX block by the dialect's leaves. */
void kvm_v4v_cpuid(struct kvm_cpuid2 *cpuid, uint32_t scenario);

/* Fill the hypercall page the guest named at gpa; 0 or -1 (bad address). */
int kvm_v4v_fill_page(uint8_t *mem, uint64_t mem_size, uint64_t gpa);

/* What one v4v port exit was, for the accounting. */
enum kvm_v4v_kind {
    KVM_V4V_BAD = -1,    /* the call block is outside memory */
    KVM_V4V_FOREIGN = 0, /* another hypercall number: ENOSYS */
    KVM_V4V_PROBE = 1,   /* a v4v_op neither dialect defines (the probe's) */
    KVM_V4V_OP = 2       /* a served cmd; *op is the HMX operation number */
};

/*
 * Serve the call whose seven words are at gpa (number, cmd, arg1..arg5)
 * and write the result over the number.  The caller holds the provider's
 * lock.  Returns the kind; *op the HMX operation of a served cmd.
 */
int kvm_v4v_serve(struct hmx_provider *p, uint32_t scenario, hmx_domid_t dom, uint8_t *mem,
                  uint64_t mem_size, uint64_t gpa, hmx_gfn_t *scratch, uint32_t scratch_len,
                  uint32_t *op);

#endif
