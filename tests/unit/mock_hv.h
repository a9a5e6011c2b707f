/* SPDX-License-Identifier: MIT */
/*
 * mock_hv: a configurable fake x86 hypervisor behind a struct hmx_arch_ops.
 *
 * The probe and the trapping backends reach every instruction that leaves
 * the guest through an arch table (hmx/arch.h); a test hands them
 * &hv.ops instead of hmx_arch_native() and so runs the very same code
 * against a hypervisor of its own making:
 *
 *  - CPUID: a table keyed by leaf (subleaf ignored).  Absent leaves answer
 *    all zeros, or, with echo_basic set, the data of the highest basic leaf
 *    (EAX of leaf 0), as Intel processors do for out-of-range leaves.
 *  - RDMSR / WRMSR: a small MSR file; every write is logged, then handed to
 *    on_wrmsr when set (which may read the call block the value names).
 *  - the CPUID call: the input registers are logged and handed to
 *    on_cpuid_call; without one, rax is set to cpuid_call_ret
 *    (sign-extended).
 *  - Xen hypercalls: entry kind, page, number and the five arguments (six
 *    through xen_hypercall6, as v4v_op makes them) are logged; on_xen, when set, computes the raw 64-bit result (it may
 *    decode the pointers while the caller's structures are alive),
 *    otherwise the raw value is xen_ret.
 *  - with HMX_ARCH_USER in ops.flags (mock_hv_set_user) the privileged
 *    members execute nothing, log nothing and answer HMX_EPRIV, as a
 *    user-mode build of libhmx does; they count in nrefused only.
 *
 * Counters count executed instructions, so mock_hv_traps() is what a probe
 * should report in res->traps.  Nothing here allocates.
 */
#ifndef TESTS_UNIT_MOCK_HV_H
#define TESTS_UNIT_MOCK_HV_H

#include <stdint.h>

#include "hmx/arch.h"

#define MOCK_HV_LEAVES 320u
#define MOCK_HV_MSRS 16u
#define MOCK_HV_CPUID_LOG 600u
#define MOCK_HV_CALL_LOG 32u

/* Common vendor strings of leaf 0 (EBX, EDX, ECX order). */
#define MOCK_HV_INTEL "GenuineIntel"
#define MOCK_HV_AMD "AuthenticAMD"
#define MOCK_HV_HYGON "HygonGenuine"

/* The highest basic leaf mock_hv_machine() sets up, and its data. */
#define MOCK_HV_MAX_BASIC 0x16u
#define MOCK_HV_BASIC_EAX 0x00000bb8u /* 3000 MHz */
#define MOCK_HV_BASIC_EBX 0x00000fa0u
#define MOCK_HV_BASIC_ECX 0x00000064u
#define MOCK_HV_BASIC_EDX 0x00000000u

struct mock_hv_leaf {
    uint32_t leaf;
    uint32_t r[4]; /* eax, ebx, ecx, edx */
};

struct mock_hv_msr {
    uint32_t msr;
    uint64_t val;
};

struct mock_hv_xen_call {
    enum hmx_xen_entry entry;
    const void *page;
    uint32_t nr;
    uint64_t args[5];
    uint64_t arg5; /* the sixth word of a six-argument call (v4v_op) */
    int six;       /* made through xen_hypercall6 */
};

struct mock_hv {
    /* The table handed to libhmx; ops.ctx points back at this mock, so
     * the struct must not be copied after mock_hv_init(). */
    struct hmx_arch_ops ops;

    /* CPUID */
    uint32_t nleaves;
    struct mock_hv_leaf leaves[MOCK_HV_LEAVES];
    int echo_basic;

    /* MSR file */
    uint32_t nmsrs;
    struct mock_hv_msr msrs[MOCK_HV_MSRS];
    int rdmsr_rc; /* returned by rdmsr (0: read the file) */
    int wrmsr_rc; /* returned by wrmsr when no on_wrmsr is set */

    /* Results of the calls, when no handler is set. */
    int32_t cpuid_call_ret;
    uint64_t xen_ret;
    int xen_rc; /* arch-level result of xen_hypercall (0: trapped) */

    /* Handlers: the hypervisor's side of each trap.  user is theirs. */
    int (*on_wrmsr)(struct mock_hv *hv, uint32_t msr, uint64_t val);
    int (*on_cpuid_call)(struct mock_hv *hv, struct hmx_x86_regs *regs);
    int (*on_xen)(struct mock_hv *hv, const struct mock_hv_xen_call *call, uint64_t *ret);
    void *user;

    /* Executed instructions. */
    unsigned ncpuid, nrdmsr, nwrmsr, ncpuid_call, nxen;
    /* Privileged instructions refused because of HMX_ARCH_USER. */
    unsigned nrefused;

    /* Logs: the first entries of each kind, in order. */
    uint32_t cpuid_log[MOCK_HV_CPUID_LOG];
    struct mock_hv_msr wrmsr_log[MOCK_HV_CALL_LOG];
    struct hmx_x86_regs cpuid_call_log[MOCK_HV_CALL_LOG]; /* registers on entry */
    struct mock_hv_xen_call xen_log[MOCK_HV_CALL_LOG];
};

/* Zero everything and wire ops to this mock: no leaves, no handlers. */
void mock_hv_init(struct mock_hv *hv);

/* Set or clear HMX_ARCH_USER (privileged members answer HMX_EPRIV). */
void mock_hv_set_user(struct mock_hv *hv, int user);

/* Define (or redefine) one CPUID leaf. */
void mock_hv_leaf(struct mock_hv *hv, uint32_t leaf, uint32_t eax, uint32_t ebx, uint32_t ecx,
                  uint32_t edx);

/* Remove a leaf from the table (it then answers as absent). */
void mock_hv_drop_leaf(struct mock_hv *hv, uint32_t leaf);

/*
 * A processor: leaf 0 with max_basic MOCK_HV_MAX_BASIC and vendor (12
 * bytes, NULL: all zeros), leaf 1 with the hypervisor bit as asked, and
 * the highest basic leaf with non-zero data (what echo_basic returns).
 */
void mock_hv_machine(struct mock_hv *hv, const char *vendor, int hypervisor_bit);

/* A hypervisor range: base leaf with EAX max_leaf and the 12 signature
 * bytes in EBX, ECX, EDX. */
void mock_hv_signature(struct mock_hv *hv, uint32_t base, uint32_t max_leaf, const char *sig);

/* Xen's leaves at base: signature, base+1 EAX version, base+2 EBX the MSR
 * that installs the hypercall page (EAX 1 page). max_leaf = base + 2. */
void mock_hv_xen(struct mock_hv *hv, uint32_t base, uint32_t version, uint32_t hypercall_msr);

/* The HMX discovery block (hmx/mech.h) at base. */
void mock_hv_hmx_block(struct mock_hv *hv, uint32_t base, uint32_t max_leaf, uint32_t version,
                       uint32_t mechanisms, uint32_t features_lo, uint32_t features_hi,
                       uint32_t msr, uint32_t call_leaf);

/* Executed trapping instructions of every kind. */
unsigned mock_hv_traps(const struct mock_hv *hv);

/* How many times leaf was read with CPUID (from the log). */
unsigned mock_hv_cpuid_reads(const struct mock_hv *hv, uint32_t leaf);

/* Zero the counters and logs, keep the configuration. */
void mock_hv_clear_counters(struct mock_hv *hv);

/* The value of an MSR in the file (0 if never written). */
uint64_t mock_hv_msr_value(const struct mock_hv *hv, uint32_t msr);

#endif
