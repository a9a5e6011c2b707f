/* SPDX-License-Identifier: MIT */
/*
 * Tests of the x86 probe (src/probe) against mock hypervisors (mock_hv.c):
 * the CPUID fingerprints of real hypervisors, hostile and garbage answers,
 * the HMX discovery block, Xen's leaves, hypercall entry and Argo
 * classification, and the selection among the mechanisms found.
 *
 * Every probe here runs through the mock's instruction table, so the tests
 * see each instruction the probe executes; res->traps must equal the
 * mock's count every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/arch.h"
#include "hmx/errors.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/xen.h"
#include "mock_hv.h"

/* Report return codes by name: "got -11 (EAGAIN)" beats a 20-digit number. */
#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (int)(expr);                                                                 \
        int want_ = (int)(want);                                                               \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define HV0 0x40000000u
#define HV1 0x40000100u
#define HV_STEP 0x100u
#define SCAN 257u /* leaf 1 and the 256 hypervisor ranges */

#define XEN_VER 0x00040011u /* 4.17 */
#define XEN_MSR 0x40000000u /* where Xen installs its hypercall page */

#define MSR_IDX HMX_MSR_CALL_DEFAULT
#define CALL_LEAF 0x40000020u
#define MECH_KNOWN (HMX_MECH_BIT(HMX_MECH_MSR) | HMX_MECH_BIT(HMX_MECH_CPUID))
#define MECH_ALL (MECH_KNOWN | (1u << 9) | (1u << 31))
#define FEAT_LO 0x00000005u
#define FEAT_HI 0x80000001u

#define RAW(neg) ((uint64_t)(int64_t)(neg)) /* -errno, sign-extended */
#define ZX(neg) ((uint64_t)(uint32_t)(int32_t)(neg)) /* -errno, zero-extended from 32 bits */

struct fx {
    struct mock_hv hv;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    void *page; /* 4 KiB aligned: a hypercall page */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->page = aligned_alloc(4096, 4096);
    if (f->page == NULL) {
        free(f);
        return -1;
    }
    memset(f->page, 0, 4096);
    mock_hv_init(&f->hv);
    f->opt.arch = &f->hv.ops;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    free(f->page);
    free(f);
    return 0;
}

/* Probe; the result must be 0 and res->traps what the mock executed. */
static void probe(struct fx *f)
{
    mock_hv_clear_counters(&f->hv);
    assert_rc(hmx_probe(&f->res, &f->opt), 0);
    assert_int_equal(f->res.traps, mock_hv_traps(&f->hv));
}

/* An Intel machine with the hypervisor bit. */
static void intel_guest(struct fx *f)
{
    mock_hv_machine(&f->hv, MOCK_HV_INTEL, 1);
}

/* An Intel machine under Xen 4.17 at base, whose Argo answers raw. */
static void xen_guest(struct fx *f, uint32_t base, uint64_t raw)
{
    intel_guest(f);
    mock_hv_xen(&f->hv, base, XEN_VER, XEN_MSR);
    f->hv.xen_ret = raw;
}

/* The HMX discovery block offering MSR and CPUID (and unknown bits). */
static void hmx_block(struct fx *f, uint32_t base)
{
    mock_hv_hmx_block(&f->hv, base, base + HMX_CPUID_LEAF_MECH(HMX_MECH_CPUID),
                      HMX_INTERFACE_VERSION, MECH_ALL, FEAT_LO, FEAT_HI, MSR_IDX, CALL_LEAF);
}

static void assert_not_offered(const struct hmx_probe_result *r, uint32_t m)
{
    assert_int_equal(r->mech[m].offered, 0);
    assert_int_equal(r->mech[m].usable, 0);
    assert_int_equal(r->mech[m].chosen, 0);
    assert_int_equal(r->mech[m].status, 0);
    assert_int_equal(r->mech[m].param, 0);
    assert_string_equal(r->mech[m].why, "not offered");
}

static void assert_nothing_offered(const struct hmx_probe_result *r)
{
    uint32_t m;

    for (m = 0; m < HMX_MECH_COUNT; m++)
        if (m != HMX_MECH_INPROC)
            assert_not_offered(r, m);
    assert_int_equal(r->chosen, HMX_MECH_NONE);
    assert_int_equal(r->features, 0);
}

/* why must equal want; a want starting with '~' need only occur in it. */
static void assert_why(const char *why, const char *want)
{
    assert_non_null(why);
    if (want[0] == '~') {
        if (strstr(why, want + 1) == NULL)
            fail_msg("\"%s\" does not mention \"%s\"", why, want + 1);
    } else {
        assert_string_equal(why, want);
    }
}

static void assert_mech(const struct hmx_probe_result *r, uint32_t m, int offered, int usable,
                        int chosen, int status, const char *why)
{
    if (r->mech[m].offered != offered || r->mech[m].usable != usable ||
        r->mech[m].chosen != chosen || r->mech[m].status != status)
        fail_msg("%s: offered %u usable %u chosen %u status %d (%s), want %d %d %d %d",
                 hmx_mechanism_name(m), r->mech[m].offered, r->mech[m].usable,
                 r->mech[m].chosen, (int)r->mech[m].status, r->mech[m].why, offered, usable,
                 chosen, status);
    assert_why(r->mech[m].why, why);
}

/* The classifying call: argo_op (39), notify (4) with nothing to query. */
static void assert_argo_probe_call(const struct mock_hv *hv, unsigned i, enum hmx_xen_entry entry,
                                   const void *page)
{
    const struct mock_hv_xen_call *c = &hv->xen_log[i];

    assert_int_equal(c->entry, entry);
    assert_ptr_equal(c->page, page);
    assert_int_equal(c->nr, 39);
    assert_int_equal(c->args[0], 4);
    assert_int_equal(c->args[1], 0);
    assert_int_equal(c->args[2], 0);
    assert_int_equal(c->args[3], 0);
    assert_int_equal(c->args[4], 0);
}

/* One vendor range at HV0 and nothing else: identity only. */
static void check_vendor(struct fx *f, const char *sig, uint32_t want_hv, const char *shown)
{
    intel_guest(f);
    mock_hv_signature(&f->hv, HV0, HV0 + 0x0Bu, sig);
    probe(f);
    assert_int_equal(f->res.hypervisor_bit, 1);
    assert_int_equal(f->res.hypervisor, want_hv);
    assert_string_equal(f->res.signature, shown);
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.ranges[0].base, HV0);
    assert_int_equal(f->res.ranges[0].max_leaf, HV0 + 0x0Bu);
    assert_int_equal(f->res.ranges[0].hypervisor, want_hv);
    assert_string_equal(f->res.ranges[0].signature, shown);
    assert_int_equal(f->res.traps, SCAN);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->res.argo_status, HMX_ARGO_NOT_XEN);
    assert_int_equal(f->res.xen_base, 0);
    assert_int_equal(f->res.hmx_base, 0);
    assert_nothing_offered(&f->res);
}

/* ---- identity: no hypervisor, unknown hypervisor ------------------------- */

static void test_bare_metal_executes_one_cpuid(void **state)
{
    struct fx *f = *state;

    mock_hv_machine(&f->hv, MOCK_HV_INTEL, 0);
    /* Leaves that would be found if the probe looked past the bit. */
    mock_hv_xen(&f->hv, HV0, XEN_VER, XEN_MSR);
    hmx_block(f, HV1);
    probe(f);
    assert_int_equal(f->res.hypervisor_bit, 0);
    assert_int_equal(f->res.hypervisor, HMX_HV_NONE);
    assert_string_equal(f->res.signature, "");
    assert_int_equal(f->res.nranges, 0);
    assert_int_equal(f->res.traps, 1);
    assert_int_equal(f->hv.ncpuid, 1);
    assert_int_equal(f->hv.cpuid_log[0], 1);
    assert_int_equal(mock_hv_traps(&f->hv), 1);
    assert_int_equal(f->res.hmx_base, 0);
    assert_int_equal(f->res.xen_base, 0);
    assert_int_equal(f->res.argo_status, HMX_ARGO_NOT_XEN);
    assert_nothing_offered(&f->res);
}

static void test_hypervisor_bit_without_ranges_is_unknown(void **state)
{
    struct fx *f = *state;
    uint32_t k;

    intel_guest(f);
    probe(f);
    assert_int_equal(f->res.hypervisor_bit, 1);
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_string_equal(f->res.signature, "");
    assert_int_equal(f->res.nranges, 0);
    assert_int_equal(f->res.traps, SCAN);
    /* Every range was looked at, once, in order. */
    for (k = 0; k < 256; k++)
        assert_int_equal(f->hv.cpuid_log[1 + k], HV0 + k * HV_STEP);
    assert_int_equal(f->res.argo_status, HMX_ARGO_NOT_XEN);
    assert_nothing_offered(&f->res);
}

static void test_arch_without_cpuid_finds_nothing(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    f->hv.ops.cpuid = NULL;
    probe(f);
    assert_int_equal(f->res.traps, 0);
    assert_int_equal(mock_hv_traps(&f->hv), 0);
    assert_int_equal(f->res.hypervisor, HMX_HV_NONE);
    assert_int_equal(f->res.hypervisor_bit, 0);
    assert_nothing_offered(&f->res);
}

/* ---- vendor fingerprints ------------------------------------------------- */

static void test_xen_at_first_range(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_XEN);
    assert_string_equal(f->res.signature, "XenVMMXenVMM");
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.ranges[0].base, HV0);
    assert_int_equal(f->res.ranges[0].max_leaf, HV0 + 2);
    assert_int_equal(f->res.ranges[0].hypervisor, HMX_HV_XEN);
    assert_int_equal(f->res.xen_base, HV0);
    assert_int_equal(f->res.xen_version, XEN_VER);
    assert_int_equal(f->res.xen_hypercall_msr, XEN_MSR);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMCALL);
    assert_null(f->res.xen_hypercall_page);
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
    assert_int_equal(f->res.argo_rc, 0);
    assert_int_equal(f->hv.nxen, 1);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMCALL, NULL);
    assert_int_equal(f->hv.nwrmsr, 0);
    /* scan, Xen's two leaves, the vendor leaf, the hypercall */
    assert_int_equal(f->res.traps, SCAN + 2 + 1 + 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 1), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 2), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, 0), 1);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 1, 0, "Xen Argo answers");
    assert_int_equal(f->res.mech[HMX_MECH_XEN_HYPERCALL].param, HMX_XEN_HYPERCALL_ARGO_OP);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(f->res.features, 0);
    assert_not_offered(&f->res, HMX_MECH_MSR);
    assert_not_offered(&f->res, HMX_MECH_CPUID);
    assert_not_offered(&f->res, HMX_MECH_SMCCC);
}

static void test_xen_behind_viridian(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV1, 0);
    mock_hv_signature(&f->hv, HV0, HV0 + 6, "Microsoft Hv");
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_XEN);
    assert_string_equal(f->res.signature, "XenVMMXenVMM");
    assert_int_equal(f->res.nranges, 2);
    assert_int_equal(f->res.ranges[0].base, HV0);
    assert_int_equal(f->res.ranges[0].hypervisor, HMX_HV_HYPERV);
    assert_string_equal(f->res.ranges[0].signature, "Microsoft Hv");
    assert_int_equal(f->res.ranges[1].base, HV1);
    assert_int_equal(f->res.ranges[1].hypervisor, HMX_HV_XEN);
    assert_int_equal(f->res.xen_base, HV1);
    assert_int_equal(f->res.xen_version, XEN_VER);
    assert_int_equal(f->res.xen_hypercall_msr, XEN_MSR);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 1), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 2), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 1), 0);
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMCALL, NULL);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
}

static void test_kvm_signature_with_nuls(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "KVMKVMKVM\0\0\0", HMX_HV_KVM, "KVMKVMKVM   ");
}

static void test_kvm_with_hyperv_enlightenments(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    mock_hv_signature(&f->hv, HV0, HV0 + 0x0Bu, "Linux KVM Hv");
    mock_hv_signature(&f->hv, HV1, HV1 + 1, "KVMKVMKVM\0\0\0");
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_KVM);
    assert_string_equal(f->res.signature, "Linux KVM Hv");
    assert_int_equal(f->res.nranges, 2);
    assert_int_equal(f->res.ranges[0].hypervisor, HMX_HV_KVM);
    assert_int_equal(f->res.ranges[1].hypervisor, HMX_HV_KVM);
    assert_int_equal(f->res.ranges[1].base, HV1);
    assert_string_equal(f->res.ranges[1].signature, "KVMKVMKVM   ");
    assert_int_equal(f->res.traps, SCAN);
    assert_int_equal(f->hv.nxen, 0);
    assert_nothing_offered(&f->res);
}

static void test_hyperv_alone(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "Microsoft Hv", HMX_HV_HYPERV, "Microsoft Hv");
}

static void test_vmware(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "VMwareVMware", HMX_HV_VMWARE, "VMwareVMware");
}

static void test_bhyve(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "bhyve bhyve ", HMX_HV_BHYVE, "bhyve bhyve ");
}

static void test_acrn(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "ACRNACRNACRN", HMX_HV_ACRN, "ACRNACRNACRN");
}

static void test_qnx_both_signatures(void **state)
{
    struct fx *f = *state;

    check_vendor(f, " QNXQVMBSQG ", HMX_HV_QNX, " QNXQVMBSQG ");
    mock_hv_init(&f->hv);
    check_vendor(f, "QNXQVMBSQG\0\0", HMX_HV_QNX, "QNXQVMBSQG  ");
}

static void test_tcg(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "TCGTCGTCGTCG", HMX_HV_TCG, "TCGTCGTCGTCG");
}

static void test_virtualbox_and_parallels(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "VBoxVBoxVBox", HMX_HV_VIRTUALBOX, "VBoxVBoxVBox");
    mock_hv_init(&f->hv);
    check_vendor(f, " prl hyperv ", HMX_HV_PARALLELS, " prl hyperv ");
}

/* ---- garbage answers --------------------------------------------------- */

static void test_unknown_signature_is_recorded_as_unknown(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "NotAHypervsr", HMX_HV_UNKNOWN, "NotAHypervsr");
}

static void test_unprintable_signature_bytes_become_spaces(void **state)
{
    struct fx *f = *state;

    check_vendor(f, "X\x01\x7f\x80\xffY\t\nZ\0W\x1f", HMX_HV_UNKNOWN, "X    Y  Z W ");
}

static void test_max_leaf_out_of_range_is_not_a_range(void **state)
{
    struct fx *f = *state;
    static const uint32_t bad_max[] = {
        HV0 - 1u, HV0 + 2u * HV_STEP, HV0 + 3u * HV_STEP + 0x40u, 0xFFFFFFFFu, 0x80000008u,
    };
    uint32_t k;

    intel_guest(f);
    /* range k answers a max_leaf outside [base, base + 0xFF] */
    for (k = 0; k < sizeof(bad_max) / sizeof(bad_max[0]); k++)
        mock_hv_signature(&f->hv, HV0 + k * HV_STEP, bad_max[k], "XenVMMXenVMM");
    /* and max_leaf 0 behind a signature nobody knows */
    mock_hv_signature(&f->hv, HV0 + 8u * HV_STEP, 0, "NotAHypervsr");
    /* one past the range's end, and a valid range with max_leaf == base */
    mock_hv_signature(&f->hv, HV0 + 5u * HV_STEP, HV0 + 6u * HV_STEP, "KVMKVMKVM\0\0\0");
    mock_hv_signature(&f->hv, HV0 + 6u * HV_STEP, HV0 + 6u * HV_STEP, "VMwareVMware");
    mock_hv_signature(&f->hv, HV0 + 7u * HV_STEP, HV0 + 7u * HV_STEP + 0xFFu, "bhyve bhyve ");
    probe(f);
    assert_int_equal(f->res.nranges, 2);
    assert_int_equal(f->res.ranges[0].base, HV0 + 6u * HV_STEP);
    assert_int_equal(f->res.ranges[0].max_leaf, HV0 + 6u * HV_STEP);
    assert_int_equal(f->res.ranges[1].base, HV0 + 7u * HV_STEP);
    assert_int_equal(f->res.ranges[1].max_leaf, HV0 + 7u * HV_STEP + 0xFFu);
    assert_int_equal(f->res.hypervisor, HMX_HV_VMWARE);
    /* the Xen signatures with bad max_leaf were not taken as Xen */
    assert_int_equal(f->res.xen_base, 0);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->res.traps, SCAN);
    assert_nothing_offered(&f->res);
}

static void test_known_signature_with_zero_max_leaf_is_a_range(void **state)
{
    struct fx *f = *state;

    /* Old KVM answered EAX = 0 at its base: a known signature stands, with
     * no leaves beyond the base. */
    intel_guest(f);
    mock_hv_signature(&f->hv, HV0, 0, "KVMKVMKVM\0\0\0");
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_KVM);
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.ranges[0].base, HV0);
    assert_int_equal(f->res.ranges[0].max_leaf, HV0);
    assert_int_equal(f->res.traps, SCAN);

    /* the HMX signature gets no such allowance: its leaves are needed */
    mock_hv_init(&f->hv);
    intel_guest(f);
    mock_hv_hmx_block(&f->hv, HV1, 0, HMX_INTERFACE_VERSION, MECH_KNOWN, 0, 0, MSR_IDX,
                      CALL_LEAF);
    probe(f);
    assert_int_equal(f->res.nranges, 0);
    assert_int_equal(f->res.hmx_base, 0);
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_nothing_offered(&f->res);
}

static void test_zero_signature_is_not_a_range(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    mock_hv_leaf(&f->hv, HV0, HV0 + 5u, 0, 0, 0);
    mock_hv_leaf(&f->hv, HV1, HV1 + 5u, 0, 0, 1);
    probe(f);
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.ranges[0].base, HV1);
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_string_equal(f->res.signature, "            ");
    assert_int_equal(strlen(f->res.signature), 12);
}

static void test_echoed_basic_leaf_is_not_a_range(void **state)
{
    struct fx *f = *state;
    uint32_t out[4];

    intel_guest(f);
    f->hv.echo_basic = 1;
    /* The mock echoes the highest basic leaf for every absent leaf. */
    f->hv.ops.cpuid(f->hv.ops.ctx, HV1 + 0x42u, 0, out);
    assert_int_equal(out[0], MOCK_HV_BASIC_EAX);
    assert_int_equal(out[1], MOCK_HV_BASIC_EBX);
    assert_int_equal(out[2], MOCK_HV_BASIC_ECX);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_int_equal(f->res.nranges, 0);
    assert_nothing_offered(&f->res);

    /* Under KVM, the 255 other ranges echo the basic leaf: one range only. */
    mock_hv_signature(&f->hv, HV0, HV0 + 1u, "KVMKVMKVM\0\0\0");
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_KVM);
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.traps, SCAN);
}

static void test_echoed_leaves_inside_xen_and_hmx_ranges(void **state)
{
    struct fx *f = *state;

    /* Xen with a max_leaf that does not reach its leaves, and an HMX block
     * without an info leaf, on a CPU that echoes basic data there. */
    intel_guest(f);
    f->hv.echo_basic = 1;
    mock_hv_signature(&f->hv, HV0, HV0, "XenVMMXenVMM");
    mock_hv_hmx_block(&f->hv, HV1, HV1, HMX_INTERFACE_VERSION, MECH_KNOWN, 0, 0, MSR_IDX,
                      CALL_LEAF);
    probe(f);
    assert_int_equal(f->res.xen_base, HV0);
    assert_int_equal(f->res.xen_version, 0);
    assert_int_equal(f->res.xen_hypercall_msr, 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 1), 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 2), 0);
    assert_int_equal(f->res.hmx_base, HV1);
    assert_int_equal(f->res.hmx_version, 0);
    assert_int_equal(f->res.hmx_mechanisms, 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 1), 0);
    assert_not_offered(&f->res, HMX_MECH_MSR);
    assert_not_offered(&f->res, HMX_MECH_CPUID);
    /* Xen itself is still entered by vendor and classified. */
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMCALL);
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
}

/* A small deterministic generator: garbage without randomness. */
static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void test_random_garbage_in_every_range(void **state)
{
    struct fx *f = *state;
    uint32_t seed = 0x12345678u, k, i, nvalid = 0;
    uint32_t valid[256];

    intel_guest(f);
    for (k = 0; k < 256; k++) {
        const uint32_t base = HV0 + k * HV_STEP;
        uint32_t eax = xorshift(&seed), ebx = xorshift(&seed) | 1u;
        uint32_t ecx = xorshift(&seed), edx = xorshift(&seed);

        if (k % 7 == 3) {
            eax = base + (eax & 0xFFu); /* plausible max_leaf: a range */
            valid[nvalid++] = base;
        } else if (eax >= base && eax < base + HV_STEP) {
            eax = base - 1u; /* keep the garbage out of range */
        }
        if (f->hv.nleaves < MOCK_HV_LEAVES)
            mock_hv_leaf(&f->hv, base, eax, ebx, ecx, edx);
        else if (k % 7 == 3)
            nvalid--; /* the table is full: this leaf stays absent */
    }
    probe(f);
    assert_true(nvalid > HMX_PROBE_MAX_RANGES);
    assert_int_equal(f->res.nranges, HMX_PROBE_MAX_RANGES);
    for (i = 0; i < HMX_PROBE_MAX_RANGES; i++) {
        size_t j;

        assert_int_equal(f->res.ranges[i].base, valid[i]);
        assert_int_equal(f->res.ranges[i].hypervisor, HMX_HV_UNKNOWN);
        assert_true(f->res.ranges[i].max_leaf >= valid[i]);
        assert_true(f->res.ranges[i].max_leaf <= valid[i] + 0xFFu);
        assert_int_equal(strlen(f->res.ranges[i].signature), 12);
        for (j = 0; j < 12; j++) {
            const unsigned char c = (unsigned char)f->res.ranges[i].signature[j];

            assert_true(c >= 0x20 && c <= 0x7e);
        }
    }
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_string_equal(f->res.signature, f->res.ranges[0].signature);
    assert_int_equal(f->res.traps, SCAN);
    assert_int_equal(f->hv.nxen, 0);
    assert_nothing_offered(&f->res);
}

static void test_more_ranges_than_recorded_still_finds_xen(void **state)
{
    struct fx *f = *state;
    uint32_t k;

    xen_guest(f, HV0 + 11u * HV_STEP, 0);
    for (k = 0; k < 11; k++)
        mock_hv_signature(&f->hv, HV0 + k * HV_STEP, HV0 + k * HV_STEP + 1u, "Unknown HV  ");
    probe(f);
    assert_int_equal(f->res.nranges, HMX_PROBE_MAX_RANGES);
    for (k = 0; k < HMX_PROBE_MAX_RANGES; k++)
        assert_int_equal(f->res.ranges[k].base, HV0 + k * HV_STEP);
    assert_int_equal(f->res.hypervisor, HMX_HV_UNKNOWN);
    assert_int_equal(f->res.xen_base, HV0 + 11u * HV_STEP);
    assert_int_equal(f->res.xen_version, XEN_VER);
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
}

/* ---- the HMX discovery block -------------------------------------------- */

static void test_hmx_block_alone(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    hmx_block(f, HV0);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_HMX);
    assert_string_equal(f->res.signature, "");
    assert_int_equal(f->res.nranges, 1);
    assert_int_equal(f->res.ranges[0].hypervisor, HMX_HV_HMX);
    assert_string_equal(f->res.ranges[0].signature, "HMXHMXHMXHMX");
    assert_int_equal(f->res.hmx_base, HV0);
    assert_int_equal(f->res.hmx_version, HMX_INTERFACE_VERSION);
    assert_int_equal(f->res.hmx_mechanisms, MECH_ALL); /* as offered, unknown bits kept */
    assert_int_equal(f->res.hmx_features, ((uint64_t)FEAT_HI << 32) | FEAT_LO);
    assert_int_equal(f->res.traps, SCAN + 3);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x13u), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x14u), 1);

    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_int_equal(f->res.mech[HMX_MECH_MSR].param, MSR_IDX);
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");
    assert_int_equal(f->res.mech[HMX_MECH_CPUID].param, CALL_LEAF);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
    assert_int_equal(f->res.features, f->res.hmx_features);
    /* unknown mechanisms 9 and 31: ignored, nothing past the table */
    assert_not_offered(&f->res, 9);
    assert_not_offered(&f->res, HMX_MECH_XEN_HYPERCALL);
    assert_not_offered(&f->res, HMX_MECH_SMCCC);
    assert_int_equal(f->res.argo_status, HMX_ARGO_NOT_XEN);
    assert_int_equal(f->hv.nwrmsr, 0); /* the probe never calls */
    assert_int_equal(f->hv.ncpuid_call, 0);
}

static void test_hmx_block_alongside_kvm(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    mock_hv_signature(&f->hv, HV0, HV0 + 1u, "KVMKVMKVM\0\0\0");
    hmx_block(f, HV1);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_KVM);
    assert_string_equal(f->res.signature, "KVMKVMKVM   ");
    assert_int_equal(f->res.nranges, 2);
    assert_int_equal(f->res.ranges[1].base, HV1);
    assert_int_equal(f->res.ranges[1].hypervisor, HMX_HV_HMX);
    assert_int_equal(f->res.hmx_base, HV1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 1u), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 0x13u), 1);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x13u), 0);
    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
}

static void test_hmx_block_before_vendor_range(void **state)
{
    struct fx *f = *state;

    /* HMX at the first range, the vendor behind it: the vendor is the
     * identity, the block is still read. */
    intel_guest(f);
    hmx_block(f, HV0);
    mock_hv_signature(&f->hv, HV1, HV1 + 1u, "bhyve bhyve ");
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_BHYVE);
    assert_int_equal(f->res.hmx_base, HV0);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
}

static void test_hmx_only_unknown_mechanism_bits(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    mock_hv_hmx_block(&f->hv, HV0, HV0 + 0x14u, HMX_INTERFACE_VERSION, (1u << 9) | (1u << 31),
                      0, 0, MSR_IDX, CALL_LEAF);
    probe(f);
    assert_int_equal(f->res.hmx_mechanisms, (1u << 9) | (1u << 31));
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x13u), 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x14u), 0);
    assert_int_equal(f->res.traps, SCAN + 1);
    assert_nothing_offered(&f->res);
}

static void test_hmx_future_major_version_offers_nothing(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    mock_hv_hmx_block(&f->hv, HV0, HV0 + 0x14u, 0x00020000u, MECH_ALL, FEAT_LO, FEAT_HI, MSR_IDX,
                      CALL_LEAF);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_HMX);
    assert_int_equal(f->res.hmx_base, HV0);
    assert_int_equal(f->res.hmx_version, 0x00020000u);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x13u), 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x14u), 0);
    assert_nothing_offered(&f->res);

    /* a newer minor version of the same major is ours */
    mock_hv_leaf(&f->hv, HV0 + 1u, 0x00010007u, MECH_ALL, FEAT_LO, FEAT_HI);
    probe(f);
    assert_int_equal(f->res.hmx_version, 0x00010007u);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
    /* and major 0 is not */
    mock_hv_leaf(&f->hv, HV0 + 1u, 0x0000FFFFu, MECH_ALL, FEAT_LO, FEAT_HI);
    probe(f);
    assert_nothing_offered(&f->res);
}

static void test_hmx_msr_index_outside_range_is_ignored(void **state)
{
    struct fx *f = *state;
    static const uint32_t bad[] = {0u, 0x3FFFFFFFu, 0x40000100u, 0xC0000080u, 0xFFFFFFFFu};
    static const uint32_t good[] = {0x40000000u, 0x400000FFu};
    size_t i;

    intel_guest(f);
    hmx_block(f, HV0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mock_hv_leaf(&f->hv, HV0 + 0x13u, bad[i], 0, 0, 0);
        probe(f);
        assert_not_offered(&f->res, HMX_MECH_MSR);
        assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 1, 0, "offered by the HMX discovery block");
        assert_int_equal(f->res.chosen, HMX_MECH_CPUID);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        mock_hv_leaf(&f->hv, HV0 + 0x13u, good[i], 0, 0, 0);
        probe(f);
        assert_int_equal(f->res.mech[HMX_MECH_MSR].param, good[i]);
        assert_int_equal(f->res.chosen, HMX_MECH_MSR);
    }
}

static void test_hmx_call_leaf_outside_range_is_ignored(void **state)
{
    struct fx *f = *state;
    /* outside the hypervisor leaves, or a range's base leaf */
    static const uint32_t bad[] = {0u,          0x3FFFFFFFu, 0x40010000u, 0x80000000u,
                                   0xFFFFFFFFu, 0x40000000u, 0x40000100u, 0x4000FF00u};
    static const uint32_t good[] = {0x40000001u, 0x400000FFu, 0x4000FFFFu};
    size_t i;

    intel_guest(f);
    hmx_block(f, HV0);
    f->opt.allow = HMX_MECH_BIT(HMX_MECH_CPUID);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mock_hv_leaf(&f->hv, HV0 + 0x14u, bad[i], 0, 0, 0);
        probe(f);
        assert_not_offered(&f->res, HMX_MECH_CPUID);
        assert_int_equal(f->res.mech[HMX_MECH_MSR].offered, 1);
        assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        mock_hv_leaf(&f->hv, HV0 + 0x14u, good[i], 0, 0, 0);
        probe(f);
        assert_int_equal(f->res.mech[HMX_MECH_CPUID].param, good[i]);
        assert_int_equal(f->res.chosen, HMX_MECH_CPUID);
    }
}

static void test_hmx_max_leaf_short_of_parameter_leaves(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    hmx_block(f, HV0);

    /* reaches the MSR leaf, not the CPUID leaf */
    mock_hv_leaf(&f->hv, HV0, HV0 + 0x13u, HMX_CPUID_SIG_EBX, HMX_CPUID_SIG_ECX,
                 HMX_CPUID_SIG_EDX);
    probe(f);
    assert_int_equal(f->res.mech[HMX_MECH_MSR].offered, 1);
    assert_not_offered(&f->res, HMX_MECH_CPUID);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x14u), 0);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);

    /* reaches neither */
    mock_hv_leaf(&f->hv, HV0, HV0 + 0x12u, HMX_CPUID_SIG_EBX, HMX_CPUID_SIG_ECX,
                 HMX_CPUID_SIG_EDX);
    probe(f);
    assert_int_equal(f->res.hmx_version, HMX_INTERFACE_VERSION);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 0x13u), 0);
    assert_nothing_offered(&f->res);

    /* the info leaf only */
    mock_hv_leaf(&f->hv, HV0, HV0 + 1u, HMX_CPUID_SIG_EBX, HMX_CPUID_SIG_ECX, HMX_CPUID_SIG_EDX);
    probe(f);
    assert_int_equal(f->res.hmx_mechanisms, MECH_ALL);
    assert_nothing_offered(&f->res);
    assert_int_equal(f->res.traps, SCAN + 1);

    /* not even the info leaf: the signature alone offers nothing */
    mock_hv_leaf(&f->hv, HV0, HV0, HMX_CPUID_SIG_EBX, HMX_CPUID_SIG_ECX, HMX_CPUID_SIG_EDX);
    probe(f);
    assert_int_equal(f->res.hmx_base, HV0);
    assert_int_equal(f->res.hmx_version, 0);
    assert_int_equal(f->res.hmx_mechanisms, 0);
    assert_int_equal(f->res.hmx_features, 0);
    assert_int_equal(f->res.traps, SCAN);
    assert_nothing_offered(&f->res);
}

static void test_second_hmx_block_is_ignored(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    hmx_block(f, HV0);
    mock_hv_hmx_block(&f->hv, HV1, HV1 + 0x14u, HMX_INTERFACE_VERSION, MECH_KNOWN, 0, 0,
                      0x400000F0u, 0x40000120u);
    probe(f);
    assert_int_equal(f->res.nranges, 2);
    assert_int_equal(f->res.hmx_base, HV0);
    assert_int_equal(f->res.mech[HMX_MECH_MSR].param, MSR_IDX);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV1 + 1u), 0);
}

/* ---- Xen: Argo classification ------------------------------------------- */

static void check_argo(struct fx *f, uint64_t raw, uint32_t want_status, int want_rc,
                       const char *want_why)
{
    mock_hv_init(&f->hv);
    xen_guest(f, HV0, raw);
    probe(f);
    assert_int_equal(f->hv.nxen, 1);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMCALL, NULL);
    assert_int_equal(f->res.argo_status, want_status);
    assert_rc(f->res.argo_rc, want_rc);
    if (want_status == HMX_ARGO_PRESENT) {
        assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 1, 0, want_why);
        assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
    } else {
        assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, want_rc, want_why);
        assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    }
    assert_int_equal(f->res.traps, SCAN + 2 + 1 + 1);
}

static void test_argo_present_when_notify_returns_zero(void **state)
{
    struct fx *f = *state;

    check_argo(f, 0, HMX_ARGO_PRESENT, 0, "Xen Argo answers");
}

static void test_argo_absent_on_enosys(void **state)
{
    struct fx *f = *state;

    check_argo(f, 0xFFFFFFFFFFFFFFDAull, HMX_ARGO_ABSENT, HMX_ENOSYS,
               "Argo is not built into this Xen");
}

static void test_argo_absent_on_enodev(void **state)
{
    struct fx *f = *state;

    /* Argo built in, but no state for this domain */
    check_argo(f, RAW(-19), HMX_ARGO_ABSENT, HMX_ENODEV, "Argo has no state for this domain");
    check_argo(f, ZX(-19), HMX_ARGO_ABSENT, HMX_ENODEV, "Argo has no state for this domain");
}

static void test_argo_disabled_on_eopnotsupp(void **state)
{
    struct fx *f = *state;

    check_argo(f, RAW(-95), HMX_ARGO_DISABLED, HMX_EOPNOTSUPP,
               "Argo is not enabled (boot Xen with argo=1)");
}

static void test_argo_denied_on_eperm_and_eacces(void **state)
{
    struct fx *f = *state;

    check_argo(f, RAW(-1), HMX_ARGO_DENIED, HMX_EPERM, "Argo is denied to this domain by XSM");
    check_argo(f, RAW(-13), HMX_ARGO_DENIED, HMX_EACCES, "Argo is denied to this domain by XSM");
}

static void test_argo_zero_extended_codes_decode_the_same(void **state)
{
    struct fx *f = *state;

    check_argo(f, 0xFFFFFFA1ull, HMX_ARGO_DISABLED, HMX_EOPNOTSUPP,
               "Argo is not enabled (boot Xen with argo=1)");
    check_argo(f, 0xFFFFFFDAull, HMX_ARGO_ABSENT, HMX_ENOSYS, "Argo is not built into this Xen");
    check_argo(f, 0xFFFFFFFFull, HMX_ARGO_DENIED, HMX_EPERM,
               "Argo is denied to this domain by XSM");
    check_argo(f, 0xFFFFFFF3ull, HMX_ARGO_DENIED, HMX_EACCES,
               "Argo is denied to this domain by XSM");
}

static void test_argo_other_error_means_present(void **state)
{
    struct fx *f = *state;

    /* Argo answered the call, if only to refuse its arguments. */
    check_argo(f, RAW(-22), HMX_ARGO_PRESENT, HMX_EINVAL, "Xen Argo answers");
    check_argo(f, RAW(-14), HMX_ARGO_PRESENT, HMX_EFAULT, "Xen Argo answers");
}

static void test_argo_user_mode_makes_no_privileged_call(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    hmx_block(f, HV1);
    mock_hv_set_user(&f->hv, 1);
    probe(f);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->hv.nrdmsr, 0);
    assert_int_equal(f->hv.ncpuid_call, 0);
    assert_int_equal(f->hv.nrefused, 1); /* the one hypercall, refused */
    assert_int_equal(f->res.traps, f->hv.ncpuid);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMCALL);
    assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(f->res.argo_rc, HMX_EPRIV);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EPRIV, "~ring 0");
    assert_mech(&f->res, HMX_MECH_MSR, 1, 0, 0, HMX_EPRIV, "~ring 0");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 0, 0, HMX_EPRIV, "~ring 0");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_int_equal(f->res.features, 0);
}

/* ---- Xen: how to enter it ------------------------------------------------ */

static void test_xen_entry_vmmcall_on_amd_and_hygon(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    mock_hv_machine(&f->hv, MOCK_HV_AMD, 1);
    probe(f);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMMCALL);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMMCALL, NULL);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);

    mock_hv_machine(&f->hv, MOCK_HV_HYGON, 1);
    probe(f);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMMCALL);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMMCALL, NULL);
}

static void test_xen_entry_unknown_vendor_is_unusable(void **state)
{
    struct fx *f = *state;
    static const char *const vendors[] = {"CentaurHauls", "GenuineIotel", "AuthenticAMd", NULL};
    size_t i;

    for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
        mock_hv_init(&f->hv);
        xen_guest(f, HV0, 0);
        mock_hv_machine(&f->hv, vendors[i], 1);
        probe(f);
        assert_int_equal(mock_hv_cpuid_reads(&f->hv, 0), 1);
        assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_NONE);
        assert_int_equal(f->hv.nxen, 0);
        assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
        assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EOPNOTSUPP,
                    "no way to enter Xen (unknown CPU vendor, no hypercall page)");
        assert_int_equal(f->res.chosen, HMX_MECH_NONE);
        assert_int_equal(f->res.traps, SCAN + 2 + 1);
    }
}

static void test_xen_hypercall_page_installed_through_msr(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    f->opt.xen_hypercall_page = f->page;
    probe(f);
    assert_int_equal(f->hv.nwrmsr, 1);
    assert_int_equal(f->hv.wrmsr_log[0].msr, XEN_MSR);
    assert_int_equal(f->hv.wrmsr_log[0].val, (uint64_t)(uintptr_t)f->page);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_PAGE);
    assert_ptr_equal(f->res.xen_hypercall_page, f->page);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, 0), 0); /* vendor not needed */
    assert_int_equal(f->hv.nxen, 1);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_PAGE, f->page);
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(f->res.traps, SCAN + 2 + 1 + 1);
}

/* An environment that puts the hypercall page at a fixed guest frame. */
#define PAGE_GPA 0x00000001234f5000ull

static int page_gpa(void *user, const void *va, uint64_t *gpa)
{
    if (va != user)
        return HMX_EFAULT;
    *gpa = PAGE_GPA;
    return 0;
}

static void test_xen_hypercall_page_gpa_comes_from_env(void **state)
{
    struct fx *f = *state;
    struct hmx_env env = {.virt_to_gpa = page_gpa, .page_size = 4096, .log = NULL, .user = NULL};

    xen_guest(f, HV0, 0);
    mock_hv_leaf(&f->hv, HV0 + 2u, 1, 0xC0000500u, 0, 0); /* an MSR elsewhere */
    f->opt.env = &env;
    f->opt.xen_hypercall_page = f->page;
    env.user = f->page;
    probe(f);
    assert_int_equal(f->hv.nwrmsr, 1);
    assert_int_equal(f->hv.wrmsr_log[0].msr, 0xC0000500u);
    assert_int_equal(f->hv.wrmsr_log[0].val, PAGE_GPA);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_PAGE);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_PAGE, f->page);

    /* a page the environment cannot translate: nothing installed, nothing called */
    env.user = NULL;
    probe(f);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_NONE);
    assert_null(f->res.xen_hypercall_page);
    assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(f->res.argo_rc, HMX_EFAULT);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EFAULT,
                "could not install the hypercall page");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
}

static void test_xen_hypercall_page_ready_needs_no_wrmsr(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    f->opt.xen_hypercall_page = f->page;
    f->opt.xen_page_ready = 1;
    probe(f);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, 0), 0);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_PAGE);
    assert_ptr_equal(f->res.xen_hypercall_page, f->page);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_PAGE, f->page);
    assert_int_equal(f->res.traps, SCAN + 2 + 1);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
}

static void test_xen_hypercall_page_install_needs_ring0(void **state)
{
    struct fx *f = *state;

    xen_guest(f, HV0, 0);
    mock_hv_set_user(&f->hv, 1);
    f->opt.xen_hypercall_page = f->page;
    probe(f);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->hv.nrefused, 1);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_NONE);
    assert_null(f->res.xen_hypercall_page);
    assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(f->res.argo_rc, HMX_EPRIV);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EPRIV,
                "needs ring 0 to install the hypercall page");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
}

static void test_xen_hypercall_page_without_wrmsr_member(void **state)
{
    struct fx *f = *state;

    /* An arch table that cannot write MSRs cannot install the page: the
     * page stays empty and must never be called into. */
    xen_guest(f, HV0, 0);
    f->hv.ops.wrmsr = NULL;
    f->opt.xen_hypercall_page = f->page;
    probe(f);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_NONE);
    assert_null(f->res.xen_hypercall_page);
    assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(f->res.argo_rc, HMX_EOPNOTSUPP);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EOPNOTSUPP,
                "could not install the hypercall page");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_int_equal(f->res.traps, SCAN + 2);
}

static void test_xen_without_hypercall_member_is_unusable(void **state)
{
    struct fx *f = *state;

    /* Nothing can trap into Xen: Argo must not be reported as answering. */
    xen_guest(f, HV0, 0);
    f->hv.ops.xen_hypercall = NULL;
    probe(f);
    assert_int_equal(f->res.argo_status, HMX_ARGO_UNPROBED);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_EOPNOTSUPP,
                "this build cannot issue it");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_int_equal(f->res.traps, SCAN + 2 + 1);
}

static void test_xen_without_version_leaves(void **state)
{
    struct fx *f = *state;

    /* max_leaf == base: no version, no MSR; a page given to install falls
     * back to the vendor's instruction. */
    xen_guest(f, HV0, 0);
    mock_hv_signature(&f->hv, HV0, HV0, "XenVMMXenVMM");
    f->opt.xen_hypercall_page = f->page;
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_XEN);
    assert_int_equal(f->res.xen_version, 0);
    assert_int_equal(f->res.xen_hypercall_msr, 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 1u), 0);
    assert_int_equal(mock_hv_cpuid_reads(&f->hv, HV0 + 2u), 0);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->res.xen_entry, HMX_XEN_ENTRY_VMCALL);
    assert_argo_probe_call(&f->hv, 0, HMX_XEN_ENTRY_VMCALL, NULL);
}

/* ---- selection ------------------------------------------------------------ */

static void xen_and_hmx(struct fx *f)
{
    xen_guest(f, HV0, 0);
    hmx_block(f, HV1);
}

static void test_selection_prefers_xen_then_msr_then_cpuid(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    probe(f);
    assert_int_equal(f->res.hypervisor, HMX_HV_XEN);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(f->res.features, 0); /* Xen 4.17 has no extension */
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 1, 0, "Xen Argo answers");
    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");
    assert_int_equal(f->res.traps, SCAN + 2 + 3 + 1 + 1);

    /* without Argo, MSR comes next */
    f->hv.xen_ret = RAW(-38);
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
    assert_int_equal(f->res.features, ((uint64_t)FEAT_HI << 32) | FEAT_LO);
    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");

    /* without MSR, CPUID */
    mock_hv_leaf(&f->hv, HV1 + 1u, HMX_INTERFACE_VERSION, HMX_MECH_BIT(HMX_MECH_CPUID), 0, 0);
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_CPUID);
    assert_not_offered(&f->res, HMX_MECH_MSR);
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 1, 0, "offered by the HMX discovery block");
}

static void test_selection_allow_mask_forbids_xen(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    f->opt.allow = HMX_MECH_BIT(HMX_MECH_MSR) | HMX_MECH_BIT(HMX_MECH_CPUID);
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_MSR);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 0, 0,
                "usable, but not allowed by the caller");
    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 0, 0, "usable; a preferred mechanism was chosen");
    /* Argo was still classified */
    assert_int_equal(f->res.argo_status, HMX_ARGO_PRESENT);
}

static void test_selection_allow_mask_only_cpuid(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    f->opt.allow = HMX_MECH_BIT(HMX_MECH_CPUID);
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_CPUID);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 0, 0,
                "usable, but not allowed by the caller");
    assert_mech(&f->res, HMX_MECH_MSR, 1, 1, 0, 0, "usable, but not allowed by the caller");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_int_equal(f->res.features, ((uint64_t)FEAT_HI << 32) | FEAT_LO);

    /* allowing only what is not offered chooses nothing */
    f->opt.allow = HMX_MECH_BIT(HMX_MECH_SMCCC);
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_int_equal(f->res.features, 0);
}

static void test_force_usable_mechanism(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    f->opt.force = HMX_MECH_CPUID;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_CPUID);
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 1, 0, "forced by the caller");
    assert_int_equal(f->res.mech[HMX_MECH_XEN_HYPERCALL].chosen, 0);
    assert_int_equal(f->res.mech[HMX_MECH_MSR].chosen, 0);
    assert_int_equal(f->res.features, ((uint64_t)FEAT_HI << 32) | FEAT_LO);

    f->opt.force = HMX_MECH_XEN_HYPERCALL;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 1, 1, 0, "forced by the caller");
    assert_int_equal(f->res.features, 0);
}

static void test_force_unusable_mechanism_chooses_none(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    f->hv.xen_ret = RAW(-38);
    f->opt.force = HMX_MECH_XEN_HYPERCALL;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_mech(&f->res, HMX_MECH_XEN_HYPERCALL, 1, 0, 0, HMX_ENOSYS,
                "Argo is not built into this Xen");
    assert_int_equal(f->res.mech[HMX_MECH_MSR].chosen, 0);
    assert_int_equal(f->res.features, 0);

    /* not offered at all */
    f->opt.force = HMX_MECH_SMCCC;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_not_offered(&f->res, HMX_MECH_SMCCC);

    f->opt.force = HMX_MECH_MOCK;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);

    /* offered, but this caller cannot use it */
    mock_hv_set_user(&f->hv, 1);
    f->opt.force = HMX_MECH_MSR;
    probe(f);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_mech(&f->res, HMX_MECH_MSR, 1, 0, 0, HMX_EPRIV, "~ring 0");
}

static void test_force_unknown_mechanism_is_einval(void **state)
{
    struct fx *f = *state;
    static const uint32_t bad[] = {HMX_MECH_INPROC, HMX_MECH_COUNT, 16u, 0x80000000u, 0xFFFFFFFFu};
    size_t i;

    xen_and_hmx(f);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f->opt.force = bad[i];
        assert_rc(hmx_probe(&f->res, &f->opt), HMX_EINVAL);
    }
    f->opt.force = 0;
    assert_rc(hmx_probe(NULL, &f->opt), HMX_EINVAL);
    assert_int_equal(mock_hv_traps(&f->hv), 0); /* refused before any instruction */
}

static void test_agnostic_mechanisms_need_ring0_in_user_mode(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    hmx_block(f, HV0);
    mock_hv_set_user(&f->hv, 1);
    probe(f);
    assert_mech(&f->res, HMX_MECH_MSR, 1, 0, 0, HMX_EPRIV, "~ring 0");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 0, 0, HMX_EPRIV, "~ring 0");
    assert_int_equal(f->res.mech[HMX_MECH_MSR].param, MSR_IDX);
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
    assert_int_equal(f->hv.nrefused, 0); /* judged without trying */
    assert_int_equal(f->res.traps, SCAN + 3);
}

static void test_agnostic_mechanisms_without_instruction_members(void **state)
{
    struct fx *f = *state;

    intel_guest(f);
    hmx_block(f, HV0);
    f->hv.ops.wrmsr = NULL;
    probe(f);
    assert_mech(&f->res, HMX_MECH_MSR, 1, 0, 0, HMX_EOPNOTSUPP, "this build cannot issue it");
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 1, 1, 0, "offered by the HMX discovery block");
    assert_int_equal(f->res.chosen, HMX_MECH_CPUID);

    f->hv.ops.cpuid_call = NULL;
    probe(f);
    assert_mech(&f->res, HMX_MECH_CPUID, 1, 0, 0, HMX_EOPNOTSUPP, "this build cannot issue it");
    assert_int_equal(f->res.chosen, HMX_MECH_NONE);
}

static void test_traps_count_every_instruction(void **state)
{
    struct fx *f = *state;

    /* scan + Xen leaves + HMX info and two parameter leaves + page MSR +
     * the classifying hypercall */
    xen_and_hmx(f);
    f->opt.xen_hypercall_page = f->page;
    probe(f);
    assert_int_equal(f->hv.ncpuid, SCAN + 2 + 3);
    assert_int_equal(f->hv.nwrmsr, 1);
    assert_int_equal(f->hv.nxen, 1);
    assert_int_equal(f->res.traps, SCAN + 2 + 3 + 1 + 1);

    /* a failed hypercall still trapped; a refused one did not */
    f->hv.xen_ret = RAW(-95);
    f->opt.xen_hypercall_page = NULL;
    probe(f);
    assert_int_equal(f->res.traps, SCAN + 2 + 3 + 1 + 1);
    mock_hv_set_user(&f->hv, 1);
    probe(f);
    assert_int_equal(f->res.traps, SCAN + 2 + 3 + 1);
}

static void test_inproc_is_never_probed(void **state)
{
    struct fx *f = *state;

    xen_and_hmx(f);
    probe(f);
    assert_int_equal(f->res.mech[HMX_MECH_INPROC].offered, 0);
    assert_int_equal(f->res.mech[HMX_MECH_INPROC].chosen, 0);
    assert_string_equal(f->res.mech[HMX_MECH_INPROC].why,
                        "built in; opened explicitly, never probed");
}

static void test_probe_resets_a_dirty_result(void **state)
{
    struct fx *f = *state;

    memset(&f->res, 0xA5, sizeof(f->res));
    intel_guest(f);
    probe(f);
    assert_int_equal(f->res.nranges, 0);
    assert_int_equal(f->res.hmx_base, 0);
    assert_int_equal(f->res.xen_entry, 0);
    assert_null(f->res.xen_hypercall_page);
    assert_nothing_offered(&f->res);
}

/* ---- names ---------------------------------------------------------------- */

static void test_hypervisor_names(void **state)
{
    (void)state;
    assert_string_equal(hmx_hypervisor_name(HMX_HV_NONE), "none");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_UNKNOWN), "unknown");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_XEN), "Xen");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_KVM), "KVM");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_HYPERV), "Hyper-V");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_VMWARE), "VMware");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_BHYVE), "bhyve");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_ACRN), "ACRN");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_QNX), "QNX");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_TCG), "QEMU TCG");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_VIRTUALBOX), "VirtualBox");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_PARALLELS), "Parallels");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_HMX), "HMX");
    assert_string_equal(hmx_hypervisor_name(HMX_HV_UXEN), "uXen");
    assert_string_equal(hmx_hypervisor_name(14), "unknown");
    assert_string_equal(hmx_hypervisor_name(0xFFFFFFFFu), "unknown");
}

static void test_mechanism_names(void **state)
{
    uint32_t m;

    (void)state;
    assert_string_equal(hmx_mechanism_name(HMX_MECH_NONE), "none");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_INPROC), "inproc");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_XEN_HYPERCALL), "xen-hypercall");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_MSR), "msr");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_CPUID), "cpuid");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_SMCCC), "smccc");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_V4V_OPENXT), "v4v-openxt");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_V4V_UXEN), "v4v-uxen");
    assert_string_equal(hmx_mechanism_name(HMX_MECH_MOCK), "mock");
    for (m = 8; m < 15; m++)
        assert_string_equal(hmx_mechanism_name(m), "unknown");
    assert_string_equal(hmx_mechanism_name(16), "unknown");
    assert_string_equal(hmx_mechanism_name(0xFFFFFFFFu), "unknown");
}

static void test_argo_status_names(void **state)
{
    (void)state;
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_NOT_XEN), "not Xen");
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_PRESENT), "present");
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_DISABLED), "not enabled");
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_ABSENT), "not built in");
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_DENIED), "denied by XSM");
    assert_string_equal(hmx_argo_status_name(HMX_ARGO_UNPROBED), "not probed");
    assert_string_equal(hmx_argo_status_name(6), "unknown");
    assert_string_equal(hmx_argo_status_name(0xFFFFFFFFu), "unknown");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_bare_metal_executes_one_cpuid),
        T(test_hypervisor_bit_without_ranges_is_unknown),
        T(test_arch_without_cpuid_finds_nothing),
        T(test_xen_at_first_range),
        T(test_xen_behind_viridian),
        T(test_kvm_signature_with_nuls),
        T(test_kvm_with_hyperv_enlightenments),
        T(test_hyperv_alone),
        T(test_vmware),
        T(test_bhyve),
        T(test_acrn),
        T(test_qnx_both_signatures),
        T(test_tcg),
        T(test_virtualbox_and_parallels),
        T(test_unknown_signature_is_recorded_as_unknown),
        T(test_unprintable_signature_bytes_become_spaces),
        T(test_max_leaf_out_of_range_is_not_a_range),
        T(test_known_signature_with_zero_max_leaf_is_a_range),
        T(test_zero_signature_is_not_a_range),
        T(test_echoed_basic_leaf_is_not_a_range),
        T(test_echoed_leaves_inside_xen_and_hmx_ranges),
        T(test_random_garbage_in_every_range),
        T(test_more_ranges_than_recorded_still_finds_xen),
        T(test_hmx_block_alone),
        T(test_hmx_block_alongside_kvm),
        T(test_hmx_block_before_vendor_range),
        T(test_hmx_only_unknown_mechanism_bits),
        T(test_hmx_future_major_version_offers_nothing),
        T(test_hmx_msr_index_outside_range_is_ignored),
        T(test_hmx_call_leaf_outside_range_is_ignored),
        T(test_hmx_max_leaf_short_of_parameter_leaves),
        T(test_second_hmx_block_is_ignored),
        T(test_argo_present_when_notify_returns_zero),
        T(test_argo_absent_on_enosys),
        T(test_argo_absent_on_enodev),
        T(test_argo_disabled_on_eopnotsupp),
        T(test_argo_denied_on_eperm_and_eacces),
        T(test_argo_zero_extended_codes_decode_the_same),
        T(test_argo_other_error_means_present),
        T(test_argo_user_mode_makes_no_privileged_call),
        T(test_xen_entry_vmmcall_on_amd_and_hygon),
        T(test_xen_entry_unknown_vendor_is_unusable),
        T(test_xen_hypercall_page_installed_through_msr),
        T(test_xen_hypercall_page_gpa_comes_from_env),
        T(test_xen_hypercall_page_ready_needs_no_wrmsr),
        T(test_xen_hypercall_page_install_needs_ring0),
        T(test_xen_hypercall_page_without_wrmsr_member),
        T(test_xen_without_hypercall_member_is_unusable),
        T(test_xen_without_version_leaves),
        T(test_selection_prefers_xen_then_msr_then_cpuid),
        T(test_selection_allow_mask_forbids_xen),
        T(test_selection_allow_mask_only_cpuid),
        T(test_force_usable_mechanism),
        T(test_force_unusable_mechanism_chooses_none),
        T(test_force_unknown_mechanism_is_einval),
        T(test_agnostic_mechanisms_need_ring0_in_user_mode),
        T(test_agnostic_mechanisms_without_instruction_members),
        T(test_traps_count_every_instruction),
        T(test_inproc_is_never_probed),
        T(test_probe_resets_a_dirty_result),
        T(test_hypervisor_names),
        T(test_mechanism_names),
        T(test_argo_status_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
