/* SPDX-License-Identifier: MIT */
/*
 * Tests of the Arm discovery (src/probe/probe_fdt.c): device trees built
 * here with libfdt's sequential-write API, an SMCCC firmware and a Xen
 * behind a struct hmx_arch_ops of our own.
 *
 *  - the HMX node (compatible "hmx,argo"): conduit, function base,
 *    interrupts, and the SMCCC conversation that confirms it (SMCCC_VERSION,
 *    the HMX Call UID, HMX_VERSION, HMX_FEATURES), call by call;
 *  - Xen's /hypervisor node: version from the compatible list and the
 *    classifying argo_op through hvc;
 *  - both, neither, and the selection between them;
 *  - hostile blobs and nodes: refused, never read out of bounds (every blob
 *    is allocated at its exact size so that ASan sees an overrun).
 *
 * The arch table has no cpuid member, so the x86 probe never runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "hmx/arch.h"
#include "hmx/errors.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/smccc.h"
#include "hmx/xen.h"

#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        int want_ = (want);                                                                    \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define BASE HMX_SMCCC_BASE_DEFAULT
#define MAX_CALLS 16u
#define NEG(x) ((uint64_t)(int64_t)(x)) /* a negative value as a register holds it */

/* ---- the mock firmware and Xen -------------------------------------------------- */

struct smccc_call {
    enum hmx_smccc_conduit conduit;
    uint64_t in[18];
};

struct mock {
    /* SMCCC: what the firmware answers, and what it was asked. */
    uint32_t fw_base;        /* the HMX range the firmware serves */
    uint64_t smccc_version;  /* answer to SMCCC_VERSION */
    uint64_t uid[4];         /* answer to base + CALL_UID (x0..x3) */
    uint64_t hmx_version;    /* answer to base + HMX_VERSION */
    uint64_t features_x0;    /* answer to base + HMX_FEATURES */
    uint64_t features_x1;
    unsigned fail_call;      /* 1-based call number whose member returns fail_rc (0: none) */
    int fail_rc;
    unsigned nsmccc;
    struct smccc_call calls[MAX_CALLS];

    /* Xen. */
    int xen_rc;       /* what the member returns */
    uint64_t xen_raw; /* what Xen leaves in x0 */
    unsigned nxen;
    enum hmx_xen_entry xen_entry;
    const void *xen_page;
    uint32_t xen_nr;
    uint64_t xen_args[5];
};

static struct mock M;

static int mock_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                      uint64_t out[18])
{
    struct mock *m = ctx;
    const uint32_t fid = (uint32_t)in[0];
    unsigned i;

    assert_ptr_equal(m, &M);
    if (m->nsmccc < MAX_CALLS) {
        m->calls[m->nsmccc].conduit = conduit;
        memcpy(m->calls[m->nsmccc].in, in, sizeof(m->calls[0].in));
    }
    m->nsmccc++;
    if (m->fail_call != 0 && m->nsmccc == m->fail_call)
        return m->fail_rc;
    for (i = 0; i < 18; i++)
        out[i] = 0x5A5A5A5A5A5A5A5Aull; /* registers the callee leaves alone */
    if (fid == HMX_SMCCC_VERSION_FID) {
        out[0] = m->smccc_version;
    } else if (fid == m->fw_base + HMX_SMCCC_FN_CALL_UID) {
        for (i = 0; i < 4; i++)
            out[i] = m->uid[i];
    } else if (fid == m->fw_base + HMX_SMCCC_FN_VERSION) {
        out[0] = m->hmx_version;
    } else if (fid == m->fw_base + HMX_SMCCC_FN_FEATURES) {
        out[0] = m->features_x0;
        out[1] = m->features_x1;
    } else {
        out[0] = NEG(HMX_SMCCC_NOT_SUPPORTED);
    }
    return 0;
}

static int mock_xen(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                    const uint64_t args[5], uint64_t *ret)
{
    struct mock *m = ctx;

    assert_ptr_equal(m, &M);
    m->nxen++;
    m->xen_entry = entry;
    m->xen_page = page;
    m->xen_nr = nr;
    memcpy(m->xen_args, args, sizeof(m->xen_args));
    if (m->xen_rc < 0)
        return m->xen_rc;
    *ret = m->xen_raw;
    return 0;
}

/* An Arm guest at EL1: SMCCC and Xen's hvc, no cpuid. */
static struct hmx_arch_ops arch_el1(void)
{
    struct hmx_arch_ops a;

    memset(&a, 0, sizeof(a));
    a.ctx = &M;
    a.smccc = mock_smccc;
    a.xen_hypercall = mock_xen;
    return a;
}

/* A healthy HMX provider behind SMCCC 1.1, at the default base; Xen's Argo answers. */
static int setup(void **state)
{
    (void)state;
    memset(&M, 0, sizeof(M));
    M.fw_base = BASE;
    M.smccc_version = 0x10001;
    M.uid[0] = HMX_SMCCC_UID_W0;
    M.uid[1] = HMX_SMCCC_UID_W1;
    M.uid[2] = HMX_SMCCC_UID_W2;
    M.uid[3] = HMX_SMCCC_UID_W3;
    M.hmx_version = HMX_INTERFACE_VERSION;
    M.features_x0 = HMX_SMCCC_SUCCESS;
    M.features_x1 = 0;
    M.xen_raw = 0;
    return 0;
}

/* ---- device trees ------------------------------------------------------------------ */

struct dt_spec {
    int xen;                /* a /hypervisor node */
    const char *xen_compat; /* its compatible list (NUL-separated, len bytes) */
    int xen_compat_len;
    int hmx;                /* an HMX node, /firmware/hmx */
    const char *hmx_compat;
    int hmx_compat_len;
    const void *conduit; /* NULL: no conduit property */
    int conduit_len;
    int has_base;        /* an hmx,function-base property of base_len bytes */
    const void *base;
    int base_len;
    const uint32_t *irq; /* interrupts, nirq cells (CPU order; stored big-endian) */
    int nirq;
};

#define XEN_COMPAT "xen,xen-4.17\0xen,xen"

static struct dt_spec spec_none(void)
{
    struct dt_spec s;

    memset(&s, 0, sizeof(s));
    return s;
}

static struct dt_spec spec_hmx(const char *conduit)
{
    struct dt_spec s = spec_none();

    s.hmx = 1;
    s.hmx_compat = HMX_DT_COMPATIBLE;
    s.hmx_compat_len = (int)sizeof(HMX_DT_COMPATIBLE);
    s.conduit = conduit;
    s.conduit_len = (int)strlen(conduit) + 1;
    return s;
}

static struct dt_spec spec_xen(void)
{
    struct dt_spec s = spec_none();

    s.xen = 1;
    s.xen_compat = XEN_COMPAT;
    s.xen_compat_len = (int)sizeof(XEN_COMPAT);
    return s;
}

static struct dt_spec spec_both(void)
{
    struct dt_spec s = spec_hmx("hvc");

    s.xen = 1;
    s.xen_compat = XEN_COMPAT;
    s.xen_compat_len = (int)sizeof(XEN_COMPAT);
    return s;
}

#define CHECK_FDT(expr)                                                                        \
    do {                                                                                       \
        int e_ = (expr);                                                                       \
        if (e_ < 0)                                                                            \
            fail_msg("%s: %s", #expr, fdt_strerror(e_));                                       \
    } while (0)

/* A copy of n bytes of src in a heap block of exactly n bytes. */
static void *exact_copy(const void *src, size_t n)
{
    void *p = malloc(n);

    assert_non_null(p);
    memcpy(p, src, n);
    return p;
}

/* Build the tree s describes; returns a heap blob of exactly *size bytes. */
static void *build_dt(const struct dt_spec *s, size_t *size)
{
    enum { SCRATCH = 8192 };
    void *tmp = malloc(SCRATCH);
    void *blob;
    int i;

    assert_non_null(tmp);
    CHECK_FDT(fdt_create(tmp, SCRATCH));
    CHECK_FDT(fdt_finish_reservemap(tmp));
    CHECK_FDT(fdt_begin_node(tmp, ""));
    CHECK_FDT(fdt_property_string(tmp, "compatible", "linux,dummy-virt"));
    CHECK_FDT(fdt_property_u32(tmp, "#address-cells", 2));
    CHECK_FDT(fdt_property_u32(tmp, "#size-cells", 2));
    CHECK_FDT(fdt_begin_node(tmp, "chosen"));
    CHECK_FDT(fdt_end_node(tmp));
    if (s->xen) {
        CHECK_FDT(fdt_begin_node(tmp, "hypervisor"));
        CHECK_FDT(fdt_property(tmp, "compatible", s->xen_compat, s->xen_compat_len));
        CHECK_FDT(fdt_end_node(tmp));
    }
    if (s->hmx) {
        CHECK_FDT(fdt_begin_node(tmp, "firmware"));
        CHECK_FDT(fdt_begin_node(tmp, "hmx"));
        CHECK_FDT(fdt_property(tmp, "compatible", s->hmx_compat, s->hmx_compat_len));
        if (s->conduit != NULL)
            CHECK_FDT(fdt_property(tmp, HMX_DT_PROP_CONDUIT, s->conduit, s->conduit_len));
        if (s->has_base)
            CHECK_FDT(fdt_property(tmp, HMX_DT_PROP_BASE, s->base, s->base_len));
        if (s->nirq > 0) {
            fdt32_t cells[8];

            assert_true(s->nirq <= 8);
            for (i = 0; i < s->nirq; i++)
                cells[i] = cpu_to_fdt32(s->irq[i]);
            CHECK_FDT(fdt_property(tmp, "interrupts", cells, s->nirq * 4));
        }
        CHECK_FDT(fdt_end_node(tmp));
        CHECK_FDT(fdt_end_node(tmp));
    }
    CHECK_FDT(fdt_end_node(tmp));
    CHECK_FDT(fdt_finish(tmp));
    CHECK_FDT(fdt_check_header(tmp));
    *size = fdt_totalsize(tmp);
    assert_true(*size <= SCRATCH);
    blob = exact_copy(tmp, *size);
    free(tmp);
    return blob;
}

/* Probe blob (fdt_size bytes) with arch and optional allow / force. */
static int probe_blob(struct hmx_probe_result *res, const struct hmx_arch_ops *arch,
                      const void *blob, size_t fdt_size, uint32_t allow, uint32_t force)
{
    struct hmx_probe_options opt;

    memset(&opt, 0, sizeof(opt));
    opt.arch = arch;
    opt.fdt = blob;
    opt.fdt_size = fdt_size;
    opt.allow = allow;
    opt.force = force;
    return hmx_probe(res, &opt);
}

/* Build s and probe it on an EL1 arch; the blob is freed. */
static void probe_spec(struct hmx_probe_result *res, const struct dt_spec *s)
{
    struct hmx_arch_ops arch = arch_el1();
    size_t size;
    void *blob = build_dt(s, &size);

    assert_rc(probe_blob(res, &arch, blob, size, 0, 0), 0);
    free(blob);
}

static const struct hmx_mech_report *smccc_report(const struct hmx_probe_result *res)
{
    return &res->mech[HMX_MECH_SMCCC];
}

static const struct hmx_mech_report *xen_report(const struct hmx_probe_result *res)
{
    return &res->mech[HMX_MECH_XEN_HYPERCALL];
}

/* The SMCCC mechanism is offered but not usable, with status want. */
static void assert_smccc_refused(const struct hmx_probe_result *res, int want)
{
    assert_int_equal(smccc_report(res)->offered, 1);
    assert_int_equal(smccc_report(res)->usable, 0);
    assert_int_equal(smccc_report(res)->chosen, 0);
    assert_rc(smccc_report(res)->status, want);
    assert_non_null(smccc_report(res)->why);
    assert_int_equal(res->chosen, HMX_MECH_NONE);
    assert_int_equal(res->hmx_mechanisms & HMX_MECH_BIT(HMX_MECH_SMCCC), 0);
}

/* Nothing in the tree was offered and nothing was called. */
static void assert_nothing_offered(const struct hmx_probe_result *res)
{
    unsigned m;

    for (m = 0; m < HMX_MECH_COUNT; m++) {
        assert_int_equal(res->mech[m].offered, 0);
        assert_int_equal(res->mech[m].usable, 0);
        assert_int_equal(res->mech[m].chosen, 0);
    }
    assert_int_equal(res->chosen, HMX_MECH_NONE);
    assert_int_equal(res->traps, 0);
    assert_int_equal(M.nsmccc, 0);
    assert_int_equal(M.nxen, 0);
}

/* Call i (0-based) was fid with x1, through conduit, every other register zero. */
static void assert_call(unsigned i, enum hmx_smccc_conduit conduit, uint32_t fid, uint64_t x1)
{
    unsigned r;

    assert_true(i < M.nsmccc);
    assert_int_equal(M.calls[i].conduit, conduit);
    assert_int_equal(M.calls[i].in[0], fid);
    assert_int_equal(M.calls[i].in[1], x1);
    for (r = 2; r < 18; r++)
        assert_int_equal(M.calls[i].in[r], 0);
}

/* ---- no device tree, empty device tree -------------------------------------------- */

static void test_fdt_null_makes_no_smccc_or_xen_call(void **state)
{
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;

    (void)state;
    assert_rc(probe_blob(&res, &arch, NULL, 0, 0, 0), 0);
    assert_nothing_offered(&res);
    assert_int_equal(res.dt_status, 0);
    assert_int_equal(res.hypervisor, HMX_HV_NONE);
    assert_int_equal(res.hypervisor_bit, 0);
    /* even with a size: the pointer decides */
    assert_rc(probe_blob(&res, &arch, NULL, 4096, 0, 0), 0);
    assert_nothing_offered(&res);
}

static void test_tree_without_either_node_makes_no_call(void **state)
{
    struct dt_spec s = spec_none();
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_nothing_offered(&res);
    assert_int_equal(res.dt_status, 0);
    assert_int_equal(res.hypervisor, HMX_HV_NONE);
    assert_int_equal(res.hypervisor_bit, 0);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_NONE);
    assert_int_equal(res.smccc_base, 0);
    assert_int_equal(res.smccc_version, 0);
    assert_int_equal(res.argo_status, HMX_ARGO_NOT_XEN);
    assert_int_equal(res.xen_version, 0);
    assert_string_equal(smccc_report(&res)->why, "not offered");
}

static void test_node_with_other_compatible_is_ignored(void **state)
{
    static const char other[] = "vendor,argo\0hmx,argo-v2";
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    s.hmx_compat = other;
    s.hmx_compat_len = (int)sizeof(other);
    probe_spec(&res, &s);
    assert_nothing_offered(&res);
    assert_int_equal(res.dt_status, 0);
}

/* ---- the HMX node and its SMCCC conversation ------------------------------------- */

static void test_hmx_node_hvc_confirmed_usable_and_chosen(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(res.dt_status, 0);
    assert_int_equal(smccc_report(&res)->offered, 1);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(smccc_report(&res)->chosen, 1);
    assert_int_equal(smccc_report(&res)->status, 0);
    assert_int_equal(smccc_report(&res)->param, BASE);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_HVC);
    assert_int_equal(res.smccc_base, BASE);
    assert_int_equal(res.smccc_version, 0x10001);
    assert_int_equal(res.hmx_version, HMX_INTERFACE_VERSION);
    assert_int_equal(res.hmx_mechanisms, HMX_MECH_BIT(HMX_MECH_SMCCC));
    assert_int_equal(res.hmx_features, 0); /* the firmware's bitmap is 0 */
    assert_int_equal(res.features, 0);
    assert_int_equal(res.hypervisor, HMX_HV_HMX);
    assert_int_equal(res.hypervisor_bit, 1);
    assert_int_equal(res.dt_irq_cells, 0);
    /* no Xen: no hypercall, nothing else offered */
    assert_int_equal(M.nxen, 0);
    assert_int_equal(xen_report(&res)->offered, 0);
    assert_int_equal(res.mech[HMX_MECH_MSR].offered, 0);
    assert_int_equal(res.mech[HMX_MECH_CPUID].offered, 0);
    assert_int_equal(res.argo_status, HMX_ARGO_NOT_XEN);
}

static void test_hmx_probe_call_sequence_and_registers(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(M.nsmccc, 4);
    assert_call(0, HMX_SMCCC_HVC, 0x80000000u, 0);
    assert_call(1, HMX_SMCCC_HVC, BASE + 0xFDu, 0);
    assert_call(2, HMX_SMCCC_HVC, BASE + 0x00u, 0x00010000u);
    assert_call(3, HMX_SMCCC_HVC, BASE + 0x01u, 0);
    assert_int_equal(M.calls[1].in[0], 0xC50001FDu);
    assert_int_equal(res.traps, M.nsmccc);
}

static void test_hmx_node_smc_conduit_used_for_every_call(void **state)
{
    struct dt_spec s = spec_hmx("smc");
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_SMC);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(M.nsmccc, 4);
    for (i = 0; i < M.nsmccc; i++)
        assert_int_equal(M.calls[i].conduit, HMX_SMCCC_SMC);
    assert_int_equal(res.traps, 4);
}

static void test_hmx_function_base_from_tree_is_used(void **state)
{
    const fdt32_t base = cpu_to_fdt32(0xC5004200u);
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    s.has_base = 1;
    s.base = &base;
    s.base_len = 4;
    M.fw_base = 0xC5004200u;
    probe_spec(&res, &s);
    assert_int_equal(res.smccc_base, 0xC5004200u);
    assert_int_equal(smccc_report(&res)->param, 0xC5004200u);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(M.nsmccc, 4);
    assert_call(1, HMX_SMCCC_HVC, 0xC50042FDu, 0);
    assert_call(2, HMX_SMCCC_HVC, 0xC5004200u, HMX_INTERFACE_VERSION);
    assert_call(3, HMX_SMCCC_HVC, 0xC5004201u, 0);
}

static void test_hmx_base_in_tree_but_firmware_elsewhere_not_usable(void **state)
{
    const fdt32_t base = cpu_to_fdt32(0xC5000300u);
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    s.has_base = 1;
    s.base = &base;
    s.base_len = 4;
    /* the firmware serves the default range: 0xC50003FD answers NOT_SUPPORTED */
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_ENOMECH);
    assert_null(strstr(smccc_report(&res)->why, "Xen"));
    assert_int_equal(M.nsmccc, 2);
    assert_call(1, HMX_SMCCC_HVC, 0xC50003FDu, 0);
}

static void test_hmx_interrupts_three_cells_recorded(void **state)
{
    static const uint32_t irq[3] = {0, 0x2A, 4}; /* SPI 42, level high */
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    s.irq = irq;
    s.nirq = 3;
    probe_spec(&res, &s);
    assert_int_equal(res.dt_irq_cells, 3);
    assert_int_equal(res.dt_irq[0], 0);
    assert_int_equal(res.dt_irq[1], 0x2A);
    assert_int_equal(res.dt_irq[2], 4);
    assert_int_equal(smccc_report(&res)->usable, 1);
}

static void test_hmx_interrupts_odd_sizes_bounded(void **state)
{
    static const uint32_t irq[5] = {1, 13, 0xF08, 0xDEAD, 0xBEEF};
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    /* five cells: the first three kept, never more */
    s.irq = irq;
    s.nirq = 5;
    probe_spec(&res, &s);
    assert_int_equal(res.dt_irq_cells, 3);
    assert_int_equal(res.dt_irq[0], 1);
    assert_int_equal(res.dt_irq[1], 13);
    assert_int_equal(res.dt_irq[2], 0xF08);
    assert_int_equal(smccc_report(&res)->usable, 1);

    /* one cell */
    memset(&M.calls, 0, sizeof(M.calls));
    s.nirq = 1;
    probe_spec(&res, &s);
    assert_int_equal(res.dt_irq_cells, 1);
    assert_int_equal(res.dt_irq[0], 1);
    assert_int_equal(res.dt_irq[1], 0);
    assert_int_equal(res.dt_irq[2], 0);
}

static void test_hmx_interrupts_not_whole_cells_ignored(void **state)
{
    static const uint8_t six[6] = {0, 0, 0, 1, 0, 0};
    struct hmx_arch_ops arch = arch_el1();
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    void *tmp = malloc(4096), *blob;
    size_t size;

    (void)state;
    /* interrupts of 6 bytes: not whole cells */
    assert_non_null(tmp);
    CHECK_FDT(fdt_create(tmp, 4096));
    CHECK_FDT(fdt_finish_reservemap(tmp));
    CHECK_FDT(fdt_begin_node(tmp, ""));
    CHECK_FDT(fdt_begin_node(tmp, "hmx"));
    CHECK_FDT(fdt_property(tmp, "compatible", s.hmx_compat, s.hmx_compat_len));
    CHECK_FDT(fdt_property_string(tmp, HMX_DT_PROP_CONDUIT, "hvc"));
    CHECK_FDT(fdt_property(tmp, "interrupts", six, sizeof(six)));
    CHECK_FDT(fdt_end_node(tmp));
    CHECK_FDT(fdt_end_node(tmp));
    CHECK_FDT(fdt_finish(tmp));
    size = fdt_totalsize(tmp);
    blob = exact_copy(tmp, size);
    free(tmp);
    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    free(blob);
    assert_int_equal(res.dt_irq_cells, 0);
    assert_int_equal(res.dt_irq[0], 0);
    assert_int_equal(smccc_report(&res)->usable, 1); /* the interrupt is optional */
}

/* ---- SMCCC_VERSION ----------------------------------------------------------------- */

static void test_smccc_version_1_0_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.smccc_version = 0x10000; /* 1.0: x1..x7 are not arguments */
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(M.nsmccc, 1); /* nothing after the version */
    assert_call(0, HMX_SMCCC_HVC, HMX_SMCCC_VERSION_FID, 0);
    assert_int_equal(res.traps, 1);
    assert_int_equal(res.hmx_version, 0);
}

static void test_smccc_version_not_supported_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.smccc_version = NEG(HMX_SMCCC_NOT_SUPPORTED); /* SMCCC 1.0 firmware */
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(M.nsmccc, 1);
    assert_int_equal(res.traps, 1);
    assert_int_equal(res.smccc_version, 0);

    /* -1 as a 32-bit register value (w0) is refused the same way */
    M.nsmccc = 0;
    M.smccc_version = 0xFFFFFFFFu;
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(M.nsmccc, 1);
}

static void test_smccc_version_1_1_and_1_2_usable(void **state)
{
    static const uint64_t versions[] = {0x10001, 0x10002, 0x10004, 0x20000};
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        M.nsmccc = 0;
        M.smccc_version = versions[i];
        probe_spec(&res, &s);
        assert_int_equal(smccc_report(&res)->usable, 1);
        assert_int_equal(res.chosen, HMX_MECH_SMCCC);
        assert_int_equal(res.smccc_version, versions[i]);
        assert_int_equal(M.nsmccc, 4);
        assert_int_equal(res.traps, 4);
    }
}

/* ---- the Call UID ---------------------------------------------------------------------- */

static void test_uid_hmx_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_string_equal(smccc_report(&res)->why,
                        "device tree node, HMX UID and version confirmed");
}

static void test_uid_xen_not_usable_and_says_xen(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.uid[0] = HMX_XEN_SMCCC_UID_W0;
    M.uid[1] = HMX_XEN_SMCCC_UID_W1;
    M.uid[2] = HMX_XEN_SMCCC_UID_W2;
    M.uid[3] = HMX_XEN_SMCCC_UID_W3;
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_ENOMECH);
    assert_non_null(strstr(smccc_report(&res)->why, "Xen"));
    assert_int_equal(M.nsmccc, 2); /* no HMX_VERSION on a stranger */
    assert_int_equal(res.traps, 2);
    assert_int_equal(res.hmx_version, 0);
    assert_int_equal(res.smccc_version, 0x10001);
}

static void test_uid_random_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.uid[0] = 0x01234567u;
    M.uid[1] = 0x89ABCDEFu;
    M.uid[2] = 0xFEDCBA98u;
    M.uid[3] = 0x76543210u;
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_ENOMECH);
    assert_null(strstr(smccc_report(&res)->why, "Xen"));
    assert_int_equal(M.nsmccc, 2);
    assert_int_equal(res.hmx_version, 0);
}

static void test_uid_one_word_off_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned w;

    (void)state;
    for (w = 0; w < 4; w++) {
        setup(NULL);
        M.uid[w] ^= 0x100u;
        probe_spec(&res, &s);
        assert_smccc_refused(&res, HMX_ENOMECH);
        assert_int_equal(M.nsmccc, 2);
    }
    /* Xen's UID with one word off is a stranger, not Xen */
    setup(NULL);
    M.uid[0] = HMX_XEN_SMCCC_UID_W0;
    M.uid[1] = HMX_XEN_SMCCC_UID_W1;
    M.uid[2] = HMX_XEN_SMCCC_UID_W2;
    M.uid[3] = HMX_XEN_SMCCC_UID_W3 ^ 1u;
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_ENOMECH);
    assert_null(strstr(smccc_report(&res)->why, "Xen"));
}

static void test_uid_upper_register_halves_ignored(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned w;

    (void)state;
    /* SMCCC returns the UID in w0..w3: bits 63:32 carry nothing */
    for (w = 0; w < 4; w++)
        M.uid[w] |= 0xFFFFFFFF00000000ull;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(M.nsmccc, 4);
}

/* ---- HMX_VERSION and HMX_FEATURES ---------------------------------------------- */

static void test_hmx_version_accepted(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.hmx_version = 0x00010000u;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.hmx_version, 0x00010000u);
    /* a newer minor of the same major is fine too */
    M.nsmccc = 0;
    M.hmx_version = 0x00010007u;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.hmx_version, 0x00010007u);
}

static void test_hmx_version_refused_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.hmx_version = NEG(HMX_SMCCC_NOT_SUPPORTED);
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(M.nsmccc, 3); /* no features query after a refusal */
    assert_int_equal(res.traps, 3);
    assert_int_equal(res.hmx_version, 0);
    assert_int_equal(res.hmx_features, 0);
}

static void test_hmx_version_other_major_not_usable(void **state)
{
    static const uint64_t others[] = {0x00020000u, 0x00000001u, 0xFFFF0000u};
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        M.nsmccc = 0;
        M.hmx_version = others[i];
        probe_spec(&res, &s);
        assert_smccc_refused(&res, HMX_EOPNOTSUPP);
        assert_int_equal(M.nsmccc, 3);
        assert_int_equal(res.hmx_version, 0);
    }
}

static void test_hmx_features_bitmap_reported(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.features_x1 = 0x8000000000000006ull;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.hmx_features, 0x8000000000000006ull);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(res.features, 0x8000000000000006ull); /* of the chosen mechanism */
}

static void test_hmx_features_not_supported_leaves_zero(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    M.features_x0 = NEG(HMX_SMCCC_NOT_SUPPORTED);
    M.features_x1 = 0xFFFFull; /* ignored: the call failed */
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1); /* features are optional */
    assert_int_equal(res.hmx_features, 0);
    assert_int_equal(res.features, 0);
    assert_int_equal(M.nsmccc, 4);
}

/* ---- privilege and the arch table -------------------------------------------------- */

static void test_user_mode_offered_not_usable_no_call(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);

    (void)state;
    arch.flags = HMX_ARCH_USER;
    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    free(blob);
    assert_smccc_refused(&res, HMX_EPRIV);
    assert_int_equal(M.nsmccc, 0);
    assert_int_equal(res.traps, 0);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_HVC);
    assert_int_equal(res.smccc_base, BASE);
    assert_int_equal(smccc_report(&res)->param, BASE);
    assert_int_equal(res.smccc_version, 0);
}

static void test_arch_without_smccc_member_not_usable(void **state)
{
    struct dt_spec s = spec_hmx("smc");
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);

    (void)state;
    arch.smccc = NULL;
    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    free(blob);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(res.traps, 0);
    assert_int_equal(M.nsmccc, 0);
}

static void test_smccc_member_failing_is_not_counted(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;

    (void)state;
    /* the arch refuses the very first call */
    M.fail_call = 1;
    M.fail_rc = HMX_EPRIV;
    probe_spec(&res, &s);
    assert_smccc_refused(&res, HMX_EOPNOTSUPP);
    assert_int_equal(M.nsmccc, 1);
    assert_int_equal(res.traps, 0); /* nothing trapped */
}

static void test_smccc_member_failing_mid_probe_not_usable(void **state)
{
    static const unsigned at[] = {2, 3};
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        setup(NULL);
        M.fail_call = at[i];
        M.fail_rc = HMX_EIO;
        probe_spec(&res, &s);
        assert_int_equal(smccc_report(&res)->offered, 1);
        assert_int_equal(smccc_report(&res)->usable, 0);
        assert_int_equal(res.chosen, HMX_MECH_NONE);
        assert_true(smccc_report(&res)->status < 0); /* a reason, never "0 but unusable" */
        assert_int_equal(M.nsmccc, at[i]);
        assert_int_equal(res.traps, at[i] - 1);
    }
    /* a failing features query only loses the features */
    setup(NULL);
    M.fail_call = 4;
    M.fail_rc = HMX_EIO;
    M.features_x1 = 0xFF;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.hmx_features, 0);
    assert_int_equal(res.traps, 3);
}

/* ---- Xen's /hypervisor node --------------------------------------------------------- */

static void test_xen_node_version_and_identity(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(res.dt_status, 0);
    assert_int_equal(res.xen_version, 0x00040011u);
    assert_int_equal(res.hypervisor, HMX_HV_XEN);
    assert_int_equal(res.hypervisor_bit, 1);
    assert_string_equal(res.signature, "xen,xen");
    assert_int_equal(res.xen_entry, HMX_XEN_ENTRY_HVC);
    assert_int_equal(xen_report(&res)->offered, 1);
    assert_int_equal(xen_report(&res)->param, HMX_XEN_HYPERCALL_ARGO_OP);
    /* no HMX node: SMCCC is neither offered nor called */
    assert_int_equal(smccc_report(&res)->offered, 0);
    assert_int_equal(M.nsmccc, 0);
}

static void test_xen_version_forms(void **state)
{
    static const struct {
        const char *compat;
        int len;
        uint32_t want;
    } cases[] = {
        {"xen,xen", 8, 0},                                   /* no version */
        {"xen,xen-4.19\0xen,xen", 21, 0x00040013u},
        {"xen,xen-10\0xen,xen", 19, 0x000A0000u},            /* major only */
        {"xen,xen-4.x\0xen,xen", 20, 0},                     /* not digits */
        {"xen,xen-.4\0xen,xen", 19, 0},                      /* no major */
        {"xen,xen-4.17", 12, 0},                             /* not NUL-terminated */
        {"xen,xen-99999.1\0xen,xen", 24, 0},                 /* absurd */
        {"arm,foo\0xen,xen-4.17\0xen,xen", 29, 0x00040011u}, /* anywhere in the list */
    };
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dt_spec s = spec_xen();

        s.xen_compat = cases[i].compat;
        s.xen_compat_len = cases[i].len;
        probe_spec(&res, &s);
        if (res.xen_version != cases[i].want)
            fail_msg("case %u: xen_version 0x%x, want 0x%x", i, res.xen_version, cases[i].want);
    }
}

static void test_xen_classifying_call_registers(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(M.nxen, 1);
    assert_int_equal(M.xen_nr, 39);
    assert_int_equal(M.xen_entry, HMX_XEN_ENTRY_HVC);
    assert_null(M.xen_page);
    assert_int_equal(M.xen_args[0], 4); /* notify */
    assert_int_equal(M.xen_args[1], 0); /* no ring data */
    assert_int_equal(M.xen_args[2], 0);
    assert_int_equal(M.xen_args[3], 0);
    assert_int_equal(M.xen_args[4], 0);
    assert_int_equal(res.traps, 1);
    assert_int_equal(M.nsmccc, 0);
}

static void test_xen_argo_present(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = 0;
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_PRESENT);
    assert_int_equal(res.argo_rc, 0);
    assert_int_equal(xen_report(&res)->usable, 1);
    assert_int_equal(xen_report(&res)->chosen, 1);
    assert_int_equal(xen_report(&res)->status, 0);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(res.features, 0);
}

static void test_xen_argo_absent_enosys(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = NEG(-38);
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_ABSENT);
    assert_rc(res.argo_rc, HMX_ENOSYS);
    assert_int_equal(xen_report(&res)->offered, 1);
    assert_int_equal(xen_report(&res)->usable, 0);
    assert_rc(xen_report(&res)->status, HMX_ENOSYS);
    assert_int_equal(res.chosen, HMX_MECH_NONE);
    assert_int_equal(res.traps, 1);
}

static void test_xen_argo_disabled_eopnotsupp(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = NEG(-95);
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_DISABLED);
    assert_rc(xen_report(&res)->status, HMX_EOPNOTSUPP);
    assert_int_equal(xen_report(&res)->usable, 0);
    assert_int_equal(res.chosen, HMX_MECH_NONE);
}

static void test_xen_argo_disabled_zero_extended(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = 0xFFFFFFA1ull; /* -95 zero-extended from 32 bits */
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_DISABLED);
    assert_rc(res.argo_rc, HMX_EOPNOTSUPP);
    assert_int_equal(xen_report(&res)->usable, 0);
}

static void test_xen_argo_denied_by_xsm(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = NEG(-13);
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_DENIED);
    assert_rc(xen_report(&res)->status, HMX_EACCES);
    assert_int_equal(xen_report(&res)->usable, 0);
    assert_int_equal(res.chosen, HMX_MECH_NONE);
    /* EPERM is a denial too */
    M.xen_raw = NEG(-1);
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_DENIED);
    assert_rc(xen_report(&res)->status, HMX_EPERM);
}

static void test_xen_argo_other_answer_counts_as_present(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = NEG(-22); /* EINVAL: Argo is there and answered */
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_PRESENT);
    assert_rc(res.argo_rc, HMX_EINVAL);
    assert_int_equal(xen_report(&res)->usable, 1);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
}

static void test_xen_hypercall_unavailable_unprobed(void **state)
{
    struct dt_spec s = spec_xen();
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);

    (void)state;
    /* the member answers EPRIV (user mode): not probed, not counted */
    M.xen_rc = HMX_EPRIV;
    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    assert_int_equal(res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(xen_report(&res)->status, HMX_EPRIV);
    assert_int_equal(xen_report(&res)->usable, 0);
    assert_int_equal(res.traps, 0);
    assert_int_equal(M.nxen, 1);

    /* no member at all: not probed, nothing called */
    M.nxen = 0;
    arch.xen_hypercall = NULL;
    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    free(blob);
    assert_int_equal(res.argo_status, HMX_ARGO_UNPROBED);
    assert_rc(xen_report(&res)->status, HMX_EOPNOTSUPP);
    assert_int_equal(xen_report(&res)->offered, 1);
    assert_int_equal(M.nxen, 0);
    assert_int_equal(res.xen_version, 0x00040011u);
}

/* ---- both nodes -------------------------------------------------------------------------- */

static void test_both_nodes_xen_preferred(void **state)
{
    struct dt_spec s = spec_both();
    struct hmx_probe_result res;

    (void)state;
    probe_spec(&res, &s);
    assert_int_equal(xen_report(&res)->usable, 1);
    assert_int_equal(smccc_report(&res)->usable, 1);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(xen_report(&res)->chosen, 1);
    assert_int_equal(smccc_report(&res)->chosen, 0);
    assert_string_equal(smccc_report(&res)->why, "usable; a preferred mechanism was chosen");
    assert_int_equal(res.hypervisor, HMX_HV_XEN); /* the HMX node does not rename Xen */
    assert_int_equal(res.features, 0);            /* Xen 4.17 */
    assert_int_equal(M.nxen, 1);
    assert_int_equal(M.nsmccc, 4);
    assert_int_equal(res.traps, 5);
}

static void test_both_nodes_allow_mask_selects_smccc(void **state)
{
    struct dt_spec s = spec_both();
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);

    (void)state;
    M.features_x1 = 0x3;
    assert_rc(probe_blob(&res, &arch, blob, size, ~HMX_MECH_BIT(HMX_MECH_XEN_HYPERCALL), 0), 0);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(smccc_report(&res)->chosen, 1);
    assert_int_equal(xen_report(&res)->chosen, 0);
    assert_int_equal(xen_report(&res)->usable, 1);
    assert_string_equal(xen_report(&res)->why, "usable, but not allowed by the caller");
    assert_int_equal(res.features, 0x3);

    /* force does the same */
    assert_rc(probe_blob(&res, &arch, blob, size, 0, HMX_MECH_SMCCC), 0);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_string_equal(smccc_report(&res)->why, "forced by the caller");

    /* an allow mask of only Xen leaves SMCCC out */
    assert_rc(probe_blob(&res, &arch, blob, size, HMX_MECH_BIT(HMX_MECH_XEN_HYPERCALL), 0), 0);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    free(blob);
}

static void test_both_nodes_xen_uid_at_hmx_base_falls_back_to_xen(void **state)
{
    struct dt_spec s = spec_both();
    struct hmx_probe_result res;

    (void)state;
    M.uid[0] = HMX_XEN_SMCCC_UID_W0;
    M.uid[1] = HMX_XEN_SMCCC_UID_W1;
    M.uid[2] = HMX_XEN_SMCCC_UID_W2;
    M.uid[3] = HMX_XEN_SMCCC_UID_W3;
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->usable, 0);
    assert_rc(smccc_report(&res)->status, HMX_ENOMECH);
    assert_non_null(strstr(smccc_report(&res)->why, "Xen"));
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
}

static void test_both_nodes_only_smccc_usable_when_argo_absent(void **state)
{
    struct dt_spec s = spec_both();
    struct hmx_probe_result res;

    (void)state;
    M.xen_raw = NEG(-38);
    probe_spec(&res, &s);
    assert_int_equal(res.argo_status, HMX_ARGO_ABSENT);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(res.hypervisor, HMX_HV_XEN);
}

static void test_bad_hmx_node_does_not_spoil_xen(void **state)
{
    static const char foo[] = "foo";
    struct dt_spec s = spec_both();
    struct hmx_probe_result res;

    (void)state;
    s.conduit = foo;
    s.conduit_len = (int)sizeof(foo);
    probe_spec(&res, &s);
    assert_int_equal(smccc_report(&res)->offered, 0);
    assert_int_equal(M.nsmccc, 0);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_int_equal(res.dt_status, 0);
}

/* ---- malformed blobs ---------------------------------------------------------------- */

/* Probe blob of size bytes: corrupt, nothing offered, nothing called. */
static void assert_blob_corrupt(const void *blob, size_t size)
{
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;

    assert_rc(probe_blob(&res, &arch, blob, size, 0, 0), 0);
    assert_rc(res.dt_status, HMX_ECORRUPT);
    assert_nothing_offered(&res);
    assert_int_equal(res.hypervisor, HMX_HV_NONE);
}

static void test_blob_truncated_is_corrupt(void **state)
{
    struct dt_spec s = spec_both();
    size_t size, cut;
    void *blob = build_dt(&s, &size);

    (void)state;
    /* the caller's buffer ends before the blob does: exactly that much is allocated */
    for (cut = 1; cut < size; cut++) {
        void *part = exact_copy(blob, size - cut);

        assert_blob_corrupt(part, size - cut);
        free(part);
    }
    free(blob);
}

static void test_blob_bad_magic_is_corrupt(void **state)
{
    struct dt_spec s = spec_both();
    size_t size;
    uint8_t *blob = build_dt(&s, &size);

    (void)state;
    blob[0] ^= 0xFF;
    assert_blob_corrupt(blob, size);
    blob[0] ^= 0xFF;
    /* magic byte-swapped: a little-endian writer's mistake */
    {
        uint32_t magic = FDT_MAGIC;

        memcpy(blob, &magic, 4);
        if (fdt_magic((const void *)blob) != FDT_MAGIC)
            assert_blob_corrupt(blob, size);
    }
    free(blob);
}

static void test_blob_garbage_is_corrupt(void **state)
{
    uint8_t *junk = malloc(256);
    unsigned i;

    (void)state;
    assert_non_null(junk);
    for (i = 0; i < 256; i++)
        junk[i] = (uint8_t)(i * 37u + 11u);
    assert_blob_corrupt(junk, 256);
    memset(junk, 0, 256);
    assert_blob_corrupt(junk, 256);
    memset(junk, 0xFF, 256);
    assert_blob_corrupt(junk, 256);
    free(junk);
}

static void test_blob_too_short_for_a_header_is_corrupt(void **state)
{
    struct dt_spec s = spec_hmx("hvc");
    size_t size, n;
    void *blob = build_dt(&s, &size);

    (void)state;
    for (n = 0; n < sizeof(struct fdt_header); n++) {
        void *part = exact_copy(blob, n == 0 ? 1 : n);

        assert_blob_corrupt(part, n);
        free(part);
    }
    free(blob);
}

static void test_blob_totalsize_beyond_buffer_is_corrupt(void **state)
{
    struct dt_spec s = spec_both();
    size_t size;
    void *blob = build_dt(&s, &size);

    (void)state;
    /* the header claims more than the caller has: the buffer size wins */
    fdt_set_totalsize(blob, (uint32_t)size + 4096u);
    assert_blob_corrupt(blob, size);
    fdt_set_totalsize(blob, 0xFFFFFFFFu);
    assert_blob_corrupt(blob, size);
    free(blob);
}

static void test_blob_header_offsets_beyond_totalsize_are_corrupt(void **state)
{
    struct dt_spec s = spec_both();
    size_t size;
    uint8_t *blob = build_dt(&s, &size);
    uint8_t *copy;

    (void)state;
    copy = exact_copy(blob, size);
    fdt_set_off_dt_struct(copy, (uint32_t)size);
    assert_blob_corrupt(copy, size);
    memcpy(copy, blob, size);
    fdt_set_size_dt_strings(copy, 0x10000000u);
    assert_blob_corrupt(copy, size);
    memcpy(copy, blob, size);
    fdt_set_size_dt_struct(copy, 0xFFFFFFF0u);
    assert_blob_corrupt(copy, size);
    memcpy(copy, blob, size);
    fdt_set_version(copy, 1); /* unsupported version */
    assert_blob_corrupt(copy, size);
    free(copy);
    free(blob);
}

static void test_blob_misaligned_never_crashes(void **state)
{
    struct dt_spec s = spec_both();
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);
    uint8_t *buf = malloc(size + 3);

    (void)state;
    assert_non_null(buf);
    memcpy(buf + 3, blob, size);
    /* libfdt 1.6.1 refuses a tree that is not 8-byte aligned
     * (FDT_ERR_ALIGNMENT): the probe calls that corrupt and calls nothing;
     * an older libfdt reads it in place and the probe works as usual */
    assert_rc(probe_blob(&res, &arch, buf + 3, size, 0, 0), 0);
    if (fdt_check_header(buf + 3) != 0) {
        assert_rc(res.dt_status, HMX_ECORRUPT);
        assert_nothing_offered(&res);
    } else {
        assert_int_equal(res.dt_status, 0);
        assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    }
    free(buf);
    free(blob);
}

static void test_blob_corrupt_structure_block_never_crashes(void **state)
{
    struct dt_spec s = spec_both();
    size_t size;
    uint8_t *blob = build_dt(&s, &size);
    uint8_t *copy = exact_copy(blob, size);
    const uint32_t off = fdt_off_dt_struct((const void *)blob);
    const uint32_t len = fdt_size_dt_struct((const void *)blob);
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    uint32_t i;

    (void)state;
    /* every structure word replaced by a bad tag, one at a time: a node
     * libfdt cannot find is not offered, and nothing is read out of bounds
     * (a libfdt error in the node search currently leaves dt_status 0) */
    for (i = 0; i + 4 <= len; i += 4) {
        int xen_off, hmx_off;

        memcpy(copy, blob, size);
        memset(copy + off + i, 0xEE, 4);
        xen_off = fdt_node_offset_by_compatible(copy, -1, "xen,xen");
        hmx_off = fdt_node_offset_by_compatible(copy, -1, HMX_DT_COMPATIBLE);
        M.nsmccc = 0;
        M.nxen = 0;
        assert_rc(probe_blob(&res, &arch, copy, size, 0, 0), 0);
        assert_true(res.dt_status == 0 || res.dt_status == HMX_ECORRUPT);
        if (xen_off < 0) {
            assert_int_equal(res.mech[HMX_MECH_XEN_HYPERCALL].offered, 0);
            assert_int_equal(M.nxen, 0);
        }
        if (hmx_off < 0) {
            assert_int_equal(res.mech[HMX_MECH_SMCCC].offered, 0);
            assert_int_equal(M.nsmccc, 0);
        }
        if (res.mech[HMX_MECH_SMCCC].offered)
            assert_int_equal(res.smccc_conduit, HMX_SMCCC_HVC);
    }
    /* a string offset past the strings block */
    memcpy(copy, blob, size);
    {
        /* the first property's nameoff sits 8 bytes into its FDT_PROP tag */
        int node = fdt_path_offset(copy, "/firmware/hmx");
        int prop = fdt_first_property_offset(copy, node);

        assert_true(prop >= 0);
        {
            fdt32_t bad = cpu_to_fdt32(0x7FFFFFF0u);

            memcpy(copy + off + (uint32_t)prop + 8, &bad, 4);
        }
        assert_rc(probe_blob(&res, &arch, copy, size, 0, 0), 0);
        assert_int_equal(res.mech[HMX_MECH_SMCCC].offered, 0);
    }
    free(copy);
    free(blob);
}

static void test_blob_in_larger_buffer_via_open_into(void **state)
{
    struct dt_spec s = spec_hmx("smc");
    struct hmx_arch_ops arch = arch_el1();
    struct hmx_probe_result res;
    size_t size;
    void *blob = build_dt(&s, &size);
    void *big = malloc(size + 512);

    (void)state;
    assert_non_null(big);
    CHECK_FDT(fdt_open_into(blob, big, (int)size + 512));
    assert_int_equal(fdt_totalsize(big), size + 512);
    assert_rc(probe_blob(&res, &arch, big, size + 512, 0, 0), 0);
    assert_int_equal(res.dt_status, 0);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_SMC);
    /* the buffer may be larger than the blob */
    M.nsmccc = 0;
    assert_rc(probe_blob(&res, &arch, big, size + 512, 0, 0), 0);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    /* but the open_into tree does not fit the original size */
    M.nsmccc = 0;
    assert_blob_corrupt(big, size);
    free(big);
    free(blob);
}

/* ---- malformed HMX nodes: not offered, never called ------------------------------ */

static void probe_bad_node(const struct dt_spec *s)
{
    struct hmx_probe_result res;

    memset(&M.calls, 0, sizeof(M.calls));
    M.nsmccc = 0;
    probe_spec(&res, s);
    assert_int_equal(res.dt_status, 0);
    assert_nothing_offered(&res);
    assert_int_equal(res.hypervisor, HMX_HV_NONE);
    assert_int_equal(res.smccc_conduit, HMX_SMCCC_NONE);
    assert_int_equal(res.smccc_base, 0);
    assert_int_equal(res.dt_irq_cells, 0);
}

static void test_hmx_node_without_conduit_not_offered(void **state)
{
    static const uint32_t irq[3] = {0, 7, 4};
    struct dt_spec s = spec_hmx("hvc");

    (void)state;
    s.conduit = NULL;
    s.irq = irq;
    s.nirq = 3;
    probe_bad_node(&s);
}

static void test_hmx_node_unknown_conduit_not_offered(void **state)
{
    static const char *const bad[] = {"foo", "HVC", "smc32", "", "hvc ", "sm"};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dt_spec s = spec_hmx(bad[i]);

        probe_bad_node(&s);
    }
}

static void test_hmx_node_conduit_not_nul_terminated_not_offered(void **state)
{
    static const char hvc_smc[] = {'h', 'v', 'c', 's', 'm', 'c'};
    static const char hvcx[] = {'h', 'v', 'c', 'x'};
    static const char hvc_list[] = "hvc\0smc";
    struct dt_spec s = spec_hmx("hvc");

    (void)state;
    s.conduit = "hvc";
    s.conduit_len = 3; /* "hvc" without its NUL */
    probe_bad_node(&s);
    s.conduit = hvcx;
    s.conduit_len = 4;
    probe_bad_node(&s);
    s.conduit = hvc_smc;
    s.conduit_len = 6;
    probe_bad_node(&s);
    s.conduit = hvc_list; /* a list is not one conduit */
    s.conduit_len = (int)sizeof(hvc_list);
    probe_bad_node(&s);
    s.conduit = "";
    s.conduit_len = 0; /* empty property */
    probe_bad_node(&s);
}

static void test_hmx_node_base_wrong_length_not_offered(void **state)
{
    static const uint8_t eight[8] = {0, 0, 0, 0, 0xC5, 0, 0x01, 0};
    static const uint8_t two[2] = {0xC5, 0x00};
    static const uint8_t five[5] = {0xC5, 0x00, 0x01, 0x00, 0x00};
    struct dt_spec s = spec_hmx("hvc");

    (void)state;
    s.has_base = 1;
    s.base = eight; /* a 64-bit cell pair */
    s.base_len = 8;
    probe_bad_node(&s);
    s.base = two;
    s.base_len = 2;
    probe_bad_node(&s);
    s.base = five;
    s.base_len = 5;
    probe_bad_node(&s);
    s.base = two;
    s.base_len = 0; /* present but empty */
    probe_bad_node(&s);
}

static void test_hmx_node_invalid_base_not_offered(void **state)
{
    static const uint32_t bad[] = {
        0xC4000100u, /* owner 4: Standard Secure Service */
        0xC6000100u, /* owner 6 */
        0xC5000180u, /* not 256-aligned */
        0xC5000101u, /* not 256-aligned */
        0xC500FF00u, /* the owner's own query block */
        0x85000100u, /* SMC32 */
        0x45000100u, /* yielding */
        0xC5010100u, /* bits 23:16 set */
        0x00000000u,
        0xFFFFFFFFu,
    };
    struct dt_spec s = spec_hmx("hvc");
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fdt32_t cell = cpu_to_fdt32(bad[i]);

        s.has_base = 1;
        s.base = &cell;
        s.base_len = 4;
        probe_bad_node(&s);
    }
}

static void test_hmx_node_valid_base_edges_offered(void **state)
{
    static const uint32_t good[] = {0xC5000000u, 0xC500FE00u, 0xC5000100u};
    struct dt_spec s = spec_hmx("hvc");
    struct hmx_probe_result res;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fdt32_t cell = cpu_to_fdt32(good[i]);

        setup(NULL);
        M.fw_base = good[i];
        s.has_base = 1;
        s.base = &cell;
        s.base_len = 4;
        probe_spec(&res, &s);
        assert_int_equal(smccc_report(&res)->usable, 1);
        assert_int_equal(res.smccc_base, good[i]);
        assert_call(1, HMX_SMCCC_HVC, good[i] + 0xFDu, 0);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_fdt_null_makes_no_smccc_or_xen_call),
        T(test_tree_without_either_node_makes_no_call),
        T(test_node_with_other_compatible_is_ignored),
        T(test_hmx_node_hvc_confirmed_usable_and_chosen),
        T(test_hmx_probe_call_sequence_and_registers),
        T(test_hmx_node_smc_conduit_used_for_every_call),
        T(test_hmx_function_base_from_tree_is_used),
        T(test_hmx_base_in_tree_but_firmware_elsewhere_not_usable),
        T(test_hmx_interrupts_three_cells_recorded),
        T(test_hmx_interrupts_odd_sizes_bounded),
        T(test_hmx_interrupts_not_whole_cells_ignored),
        T(test_smccc_version_1_0_not_usable),
        T(test_smccc_version_not_supported_not_usable),
        T(test_smccc_version_1_1_and_1_2_usable),
        T(test_uid_hmx_usable),
        T(test_uid_xen_not_usable_and_says_xen),
        T(test_uid_random_not_usable),
        T(test_uid_one_word_off_not_usable),
        T(test_uid_upper_register_halves_ignored),
        T(test_hmx_version_accepted),
        T(test_hmx_version_refused_not_usable),
        T(test_hmx_version_other_major_not_usable),
        T(test_hmx_features_bitmap_reported),
        T(test_hmx_features_not_supported_leaves_zero),
        T(test_user_mode_offered_not_usable_no_call),
        T(test_arch_without_smccc_member_not_usable),
        T(test_smccc_member_failing_is_not_counted),
        T(test_smccc_member_failing_mid_probe_not_usable),
        T(test_xen_node_version_and_identity),
        T(test_xen_version_forms),
        T(test_xen_classifying_call_registers),
        T(test_xen_argo_present),
        T(test_xen_argo_absent_enosys),
        T(test_xen_argo_disabled_eopnotsupp),
        T(test_xen_argo_disabled_zero_extended),
        T(test_xen_argo_denied_by_xsm),
        T(test_xen_argo_other_answer_counts_as_present),
        T(test_xen_hypercall_unavailable_unprobed),
        T(test_both_nodes_xen_preferred),
        T(test_both_nodes_allow_mask_selects_smccc),
        T(test_both_nodes_xen_uid_at_hmx_base_falls_back_to_xen),
        T(test_both_nodes_only_smccc_usable_when_argo_absent),
        T(test_bad_hmx_node_does_not_spoil_xen),
        T(test_blob_truncated_is_corrupt),
        T(test_blob_bad_magic_is_corrupt),
        T(test_blob_garbage_is_corrupt),
        T(test_blob_too_short_for_a_header_is_corrupt),
        T(test_blob_totalsize_beyond_buffer_is_corrupt),
        T(test_blob_header_offsets_beyond_totalsize_are_corrupt),
        T(test_blob_misaligned_never_crashes),
        T(test_blob_corrupt_structure_block_never_crashes),
        T(test_blob_in_larger_buffer_via_open_into),
        T(test_hmx_node_without_conduit_not_offered),
        T(test_hmx_node_unknown_conduit_not_offered),
        T(test_hmx_node_conduit_not_nul_terminated_not_offered),
        T(test_hmx_node_base_wrong_length_not_offered),
        T(test_hmx_node_invalid_base_not_offered),
        T(test_hmx_node_valid_base_edges_offered),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
