/* SPDX-License-Identifier: MIT */
/*
 * Tests of the SMCCC mechanism, both sides:
 *
 *  - the backend (src/backend_smccc): every operation is exactly one
 *    HMX_CALL fast call through the configured conduit, x0 = base + 2,
 *    x1 = op, x2..x5 = the call's arguments (guest-physical), with the
 *    structures staged in the call page byte for byte; how x0 / x1 map to
 *    results; what hmx_open refuses;
 *  - an "EL2 monitor" in the test: the mock smccc member hands every call
 *    to hmx_provider_smccc on a real reference provider, so that probe,
 *    hmx_open_probed, registration, send, receive and query run end to end
 *    through the very code a guest and a monitor would run;
 *  - hmx_provider_smccc's own answers (version, features, count, UID,
 *    revision, unassigned and foreign function IDs).
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
#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/provider.h"
#include "hmx/smccc.h"

#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        int want_ = (want);                                                                    \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define BASE HMX_SMCCC_BASE_DEFAULT
#define PAGE 4096u
#define NEG(x) ((uint64_t)(int64_t)(x)) /* a negative value as a register holds it */
#define VA(p) ((uint64_t)(uintptr_t)(p))
#define D1 ((hmx_domid_t)1)
#define D2 ((hmx_domid_t)2)
#define D3 ((hmx_domid_t)3)

/* The guest's memory: call pages and rings, 4 KiB aligned. */
static _Alignas(4096) uint8_t call_page[PAGE];
static _Alignas(4096) uint8_t call_page2[PAGE];
static _Alignas(4096) uint8_t ring_mem[3 * PAGE];
static _Alignas(4096) uint8_t two_pages[2 * PAGE];

/* ---- the mock firmware: records every call, answers x0 / x1 ------------------ */

#define MAX_CALLS 4u

struct fw {
    unsigned ncalls;
    enum hmx_smccc_conduit conduit[MAX_CALLS];
    uint64_t in[MAX_CALLS][18];
    uint8_t staged[MAX_CALLS][PAGE]; /* the call page as the call found it */
    int rc;                          /* what the member returns */
    uint64_t x0, x1;                 /* the answer */
    int answer_queries;              /* write answers into staged notify entries */
    uint32_t answered;               /* entries answered so far */
};

static struct fw F;

static int fw_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                    uint64_t out[18])
{
    struct fw *f = ctx;
    unsigned i;

    assert_ptr_equal(f, &F);
    if (f->ncalls < MAX_CALLS) {
        f->conduit[f->ncalls] = conduit;
        memcpy(f->in[f->ncalls], in, sizeof(f->in[0]));
        memcpy(f->staged[f->ncalls], call_page, PAGE);
    }
    f->ncalls++;
    if (f->rc < 0)
        return f->rc;
    if (f->answer_queries && (uint32_t)in[1] == HMX_OP_NOTIFY && in[2] != 0) {
        /* the hypervisor's side: flags at +8, max_message_size at +16 */
        uint8_t *data = call_page + 64;
        uint32_t nent;

        memcpy(&nent, data, 4);
        for (i = 0; i < nent; i++) {
            uint8_t *e = data + 8 + (size_t)i * 20;
            uint16_t flags = (uint16_t)(f->answered & 0x3Fu);
            uint32_t max = 0x1000u + f->answered;

            memcpy(e + 8, &flags, 2);
            memcpy(e + 16, &max, 4);
            f->answered++;
        }
    }
    for (i = 0; i < 18; i++)
        out[i] = 0xA5A5A5A5A5A5A5A5ull;
    out[0] = f->x0;
    out[1] = f->x1;
    return 0;
}

static struct hmx_arch_ops fw_arch(void)
{
    struct hmx_arch_ops a;

    memset(&a, 0, sizeof(a));
    a.ctx = &F;
    a.smccc = fw_smccc;
    return a;
}

static struct hmx_arch_ops FW_ARCH;

static int setup_fw(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    memset(call_page, 0, sizeof(call_page));
    memset(ring_mem, 0, sizeof(ring_mem));
    FW_ARCH = fw_arch();
    return 0;
}

static int open_with(hmx_ctx *ctx, const struct hmx_arch_ops *arch, enum hmx_smccc_conduit conduit,
                     uint32_t base, void *page, const struct hmx_env *env, uint64_t features)
{
    struct hmx_smccc_config cfg;
    struct hmx_open_args oa;

    memset(&cfg, 0, sizeof(cfg));
    cfg.arch = arch;
    cfg.conduit = conduit;
    cfg.function_base = base;
    cfg.call_page = page;
    cfg.features = features;
    memset(&oa, 0, sizeof(oa));
    oa.backend = &hmx_backend_smccc;
    oa.backend_config = &cfg;
    oa.env = env;
    return hmx_open(ctx, &oa);
}

/* Open on the mock firmware: hvc, default base, identity env. */
static void open_fw(hmx_ctx *ctx)
{
    assert_rc(open_with(ctx, &FW_ARCH, HMX_SMCCC_HVC, 0, call_page, NULL, 0), 0);
    assert_int_equal(F.ncalls, 0);
}

/* Call i was HMX_CALL at base through conduit with op and a[0..3]; x6..x17 zero. */
static void assert_hmx_call(unsigned i, enum hmx_smccc_conduit conduit, uint32_t base, uint32_t op,
                            uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    unsigned r;

    assert_true(i < F.ncalls && i < MAX_CALLS);
    assert_int_equal(F.conduit[i], conduit);
    assert_int_equal(F.in[i][0], base + HMX_SMCCC_FN_CALL);
    assert_int_equal(F.in[i][1], op);
    assert_int_equal(F.in[i][2], a0);
    assert_int_equal(F.in[i][3], a1);
    assert_int_equal(F.in[i][4], a2);
    assert_int_equal(F.in[i][5], a3);
    for (r = 6; r < 18; r++)
        assert_int_equal(F.in[i][r], 0);
}

/* Staged bytes of call i at offset off of the call page equal want[0..n). */
static void assert_staged(unsigned i, uint32_t off, const uint8_t *want, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (F.staged[i][off + k] != want[k])
            fail_msg("call %u: staged byte %u is 0x%02x, want 0x%02x", i, (unsigned)(off + k),
                     F.staged[i][off + k], want[k]);
}

/* Little-endian bytes of v (n bytes) into p. */
static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned k;

    for (k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static struct hmx_ring_config ring_cfg(void *mem, size_t size, hmx_port_t port,
                                       hmx_domid_t partner, uint32_t flags)
{
    struct hmx_ring_config c;

    memset(&c, 0, sizeof(c));
    c.mem = mem;
    c.mem_size = size;
    c.port = port;
    c.partner = partner;
    c.flags = flags;
    return c;
}

static int send_one(hmx_ctx *ctx, hmx_port_t src_port, hmx_domid_t dom, hmx_port_t port,
                    const void *buf, size_t len, uint32_t type)
{
    struct hmx_addr dst;

    memset(&dst, 0, sizeof(dst));
    dst.domain = dom;
    dst.port = port;
    return hmx_send(ctx, src_port, &dst, buf, len, type);
}

/* ---- hmx_open ---------------------------------------------------------------------- */

static void test_open_succeeds_without_calling(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_SMC, BASE, call_page, NULL, 0), 0);
    assert_string_equal(hmx_backend_name(&ctx), "smccc");
    assert_int_equal(hmx_features(&ctx), 0);
    assert_int_equal(F.ncalls, 0);
    hmx_close(&ctx);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_int_equal(F.ncalls, 0);
}

static void test_open_rejects_conduit_none_and_unknown(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_NONE, BASE, call_page, NULL, 0), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_rc(open_with(&ctx, &FW_ARCH, (enum hmx_smccc_conduit)3, BASE, call_page, NULL, 0),
              HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_int_equal(F.ncalls, 0);
}

static void test_open_rejects_invalid_function_base(void **state)
{
    static const uint32_t bad[] = {
        0xC4000100u, /* owner 4 */
        0xC5000180u, /* not 256-aligned */
        0xC50001FFu, /* not 256-aligned */
        0xC500FF00u, /* the owner's query block */
        0x85000100u, /* SMC32 */
        0x45000100u, /* yielding */
        0xC5FF0100u, /* bits 23:16 set */
        0xFFFFFFFFu,
    };
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, bad[i], call_page, NULL, 0),
                  HMX_EINVAL);
        assert_string_equal(hmx_backend_name(&ctx), "closed");
    }
    assert_int_equal(F.ncalls, 0);
}

static void test_open_zero_base_means_default(void **state)
{
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    assert_rc(hmx_notify(&ctx, NULL, 0), 0);
    assert_int_equal(F.ncalls, 1);
    assert_int_equal(F.in[0][0], 0xC5000102u);
}

static void test_open_custom_base_used_for_every_call(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_SMC, 0xC500AB00u, call_page, NULL, 0), 0);
    assert_rc(hmx_notify(&ctx, NULL, 0), 0);
    assert_hmx_call(0, HMX_SMCCC_SMC, 0xC500AB00u, HMX_OP_NOTIFY, 0, 0, 0, 0);
    assert_int_equal(F.in[0][0], 0xC500AB02u);
}

static void test_open_rejects_missing_call_page(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, NULL, NULL, 0), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_int_equal(F.ncalls, 0);
}

static void test_open_rejects_misaligned_call_page(void **state)
{
    static const size_t offs[] = {1, 8, 64, 2048, 4095};
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, two_pages + offs[i], NULL, 0),
                  HMX_EINVAL);
        assert_string_equal(hmx_backend_name(&ctx), "closed");
    }
    assert_int_equal(F.ncalls, 0);
}

static int env_fail(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    (void)va;
    (void)gpa;
    return HMX_EFAULT;
}

static int env_misaligned(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = VA(va) + 0x800u;
    return 0;
}

static void test_open_rejects_call_page_env_cannot_place(void **state)
{
    struct hmx_env env;
    hmx_ctx ctx;

    (void)state;
    memset(&env, 0, sizeof(env));
    env.virt_to_gpa = env_fail;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, &env, 0), HMX_EFAULT);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    env.virt_to_gpa = env_misaligned; /* the page is not page-aligned guest-physically */
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, &env, 0), HMX_EFAULT);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_int_equal(F.ncalls, 0);
}

static void test_open_rejects_null_config_and_arch_without_smccc(void **state)
{
    struct hmx_arch_ops bare;
    struct hmx_open_args oa;
    hmx_ctx ctx;

    (void)state;
    memset(&oa, 0, sizeof(oa));
    oa.backend = &hmx_backend_smccc;
    assert_rc(hmx_open(&ctx, &oa), HMX_EINVAL);
    memset(&bare, 0, sizeof(bare));
    assert_rc(open_with(&ctx, &bare, HMX_SMCCC_HVC, BASE, call_page, NULL, 0), HMX_EOPNOTSUPP);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
}

static void test_open_keeps_only_known_features(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, NULL, ~0ull), 0);
    assert_int_equal(hmx_features(&ctx), HMX_FEAT_VECTOR | HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT |
                                             HMX_FEAT_DISCOVERY | HMX_FEAT_BATCH |
                                             HMX_FEAT_ASYNC);
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, NULL, 0xC0ull), 0);
    assert_int_equal(hmx_features(&ctx), 0);
    assert_int_equal(F.ncalls, 0);
}

/* ---- marshalling, register by register ------------------------------------------ */

static void test_register_one_page_registers_and_staging(void **state)
{
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x11223344u, D2, 0);
    struct hmx_ring ring;
    uint8_t want[16 + 8];
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), 0);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_REGISTER_RING, VA(call_page) + 64,
                    VA(call_page) + 80, 1, 0);
    /* struct hmx_ring_reg at +64: port, partner, pad, len (4032) */
    memset(want, 0, sizeof(want));
    put_le(want + 0, 0x11223344u, 4);
    put_le(want + 4, 2, 2);
    put_le(want + 6, 0, 2);
    put_le(want + 8, 4032, 4);
    /* bytes 12..15: unused, then the frame list at +80 */
    put_le(want + 16, VA(ring_mem) >> 12, 8);
    assert_staged(0, 64, want, 12);
    assert_staged(0, 80, want + 16, 8);
    /* nothing written in the call block */
    {
        static const uint8_t zero[64];

        assert_staged(0, 0, zero, sizeof(zero));
    }
    assert_int_equal(hmx_ring_size(&ring), 4032);
}

static void test_register_three_pages_with_flag_through_smc(void **state)
{
    struct hmx_ring_config cfg =
        ring_cfg(ring_mem, 3 * PAGE, 7, HMX_DOMID_ANY, HMX_REGISTER_FAIL_EXIST);
    struct hmx_ring ring;
    uint8_t want[24];
    hmx_ctx ctx;
    unsigned k;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_SMC, BASE, call_page, NULL, 0), 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), 0);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_SMC, BASE, HMX_OP_REGISTER_RING, VA(call_page) + 64,
                    VA(call_page) + 80, 3, HMX_REGISTER_FAIL_EXIST);
    memset(want, 0, sizeof(want));
    put_le(want + 0, 7, 4);
    put_le(want + 4, 0x7FF4, 2);
    put_le(want + 8, 3 * PAGE - 64, 4);
    assert_staged(0, 64, want, 12);
    for (k = 0; k < 3; k++)
        put_le(want + 8 * k, (VA(ring_mem) >> 12) + k, 8);
    assert_staged(0, 80, want, 24);
}

static void test_unregister_registers_and_staging(void **state)
{
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0xABCD, D3, 0);
    struct hmx_ring ring;
    uint8_t want[8];
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), 0);
    memset(call_page, 0xEE, sizeof(call_page)); /* stale bytes must not matter */
    assert_rc(hmx_ring_unregister(&ctx, &ring), 0);
    assert_int_equal(F.ncalls, 2);
    assert_hmx_call(1, HMX_SMCCC_HVC, BASE, HMX_OP_UNREGISTER_RING, VA(call_page) + 64, 0, 0, 0);
    put_le(want + 0, 0xABCD, 4);
    put_le(want + 4, 3, 2);
    put_le(want + 6, 0, 2);
    assert_staged(1, 64, want, 8);
}

static void test_sendv_registers_and_staged_addresses_and_iovs(void **state)
{
    static const char hello[] = "hello";
    static const uint8_t tail[3] = {1, 2, 3};
    struct hmx_iov iov[2];
    struct hmx_addr dst;
    uint8_t want[16 + 32];
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.x1 = 8; /* payload bytes */
    iov[0].base = hello;
    iov[0].len = 5;
    iov[1].base = tail;
    iov[1].len = 3;
    memset(&dst, 0, sizeof(dst));
    dst.port = 0xCAFE;
    dst.domain = 0x0102;
    assert_rc(hmx_sendv(&ctx, 0x99, &dst, iov, 2, 0xDEADBEEFu), 8);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_SENDV, VA(call_page) + 64, VA(call_page) + 80,
                    2, 0xDEADBEEFu);
    memset(want, 0, sizeof(want));
    /* struct hmx_send_addr: src (port, "myself", pad), dst (port, domain, pad) */
    put_le(want + 0, 0x99, 4);
    put_le(want + 4, 0x7FF4, 2);
    put_le(want + 8, 0xCAFE, 4);
    put_le(want + 12, 0x0102, 2);
    /* struct hmx_giov[2]: gaddr, len, pad */
    put_le(want + 16, VA(hello), 8);
    put_le(want + 24, 5, 4);
    put_le(want + 32, VA(tail), 8);
    put_le(want + 40, 3, 4);
    assert_staged(0, 64, want, sizeof(want));
}

static void test_sendv_skips_empty_buffers(void **state)
{
    static const char a[] = "abc";
    struct hmx_iov iov[3];
    struct hmx_addr dst;
    uint8_t want[16];
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    iov[0].base = NULL;
    iov[0].len = 0;
    iov[1].base = a;
    iov[1].len = 3;
    iov[2].base = a;
    iov[2].len = 0;
    memset(&dst, 0, sizeof(dst));
    dst.domain = D1;
    dst.port = 1;
    F.x1 = 3;
    assert_rc(hmx_sendv(&ctx, 2, &dst, iov, 3, 0), 3);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_SENDV, VA(call_page) + 64, VA(call_page) + 80,
                    1, 0);
    memset(want, 0, sizeof(want));
    put_le(want + 0, VA(a), 8);
    put_le(want + 8, 3, 4);
    assert_staged(0, 80, want, 16);
}

/* Guest-physical = virtual + a different offset for even and odd pages:
 * neighbouring virtual pages are not neighbours in guest-physical memory. */
static uint64_t scatter(uint64_t va)
{
    return va + (((va >> 12) & 1u) ? 0x40000000ull : 0x10000000ull);
}

static int env_scatter(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = scatter(VA(va));
    return 0;
}

static void test_sendv_addresses_are_guest_physical_and_split_at_pages(void **state)
{
    struct hmx_env env;
    struct hmx_iov iov;
    struct hmx_addr dst;
    uint8_t want[32];
    hmx_ctx ctx;

    (void)state;
    memset(&env, 0, sizeof(env));
    env.virt_to_gpa = env_scatter;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, &env, 0), 0);
    /* 12 bytes across a page boundary: two guest-physical runs */
    iov.base = two_pages + PAGE - 6;
    iov.len = 12;
    memset(&dst, 0, sizeof(dst));
    dst.domain = D1;
    dst.port = 5;
    F.x1 = 12;
    assert_rc(hmx_sendv(&ctx, 1, &dst, &iov, 1, 0), 12);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_SENDV, scatter(VA(call_page)) + 64,
                    scatter(VA(call_page)) + 80, 2, 0);
    memset(want, 0, sizeof(want));
    put_le(want + 0, scatter(VA(two_pages + PAGE - 6)), 8);
    put_le(want + 8, 6, 4);
    put_le(want + 16, scatter(VA(two_pages + PAGE)), 8);
    put_le(want + 24, 6, 4);
    assert_staged(0, 80, want, sizeof(want));
}

static void test_register_frames_are_guest_physical(void **state)
{
    struct hmx_ring_config cfg = ring_cfg(ring_mem, 2 * PAGE, 3, D2, 0);
    struct hmx_env env;
    struct hmx_ring ring;
    uint8_t want[16];
    hmx_ctx ctx;

    (void)state;
    memset(&env, 0, sizeof(env));
    env.virt_to_gpa = env_scatter;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_HVC, BASE, call_page, &env, 0), 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), 0);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_REGISTER_RING, scatter(VA(call_page)) + 64,
                    scatter(VA(call_page)) + 80, 2, 0);
    put_le(want + 0, scatter(VA(ring_mem)) >> 12, 8);
    put_le(want + 8, scatter(VA(ring_mem + PAGE)) >> 12, 8);
    assert_staged(0, 80, want, sizeof(want));
}

static void test_notify_without_queries_passes_zero_arguments(void **state)
{
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    assert_rc(hmx_notify(&ctx, NULL, 0), 0);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_NOTIFY, 0, 0, 0, 0);
}

static void test_query_staged_entry_and_answer_copied_back(void **state)
{
    struct hmx_ring_query out;
    struct hmx_addr dst;
    uint8_t want[8 + 20];
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.answer_queries = 1;
    memset(&dst, 0, sizeof(dst));
    dst.port = 0x01020304u;
    dst.domain = 0x0506;
    F.answered = 9; /* the firmware answers flags 9, max 0x1009 */
    assert_rc(hmx_query(&ctx, &dst, 100, &out), 0);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_HVC, BASE, HMX_OP_NOTIFY, VA(call_page) + 64, 0, 0, 0);
    memset(want, 0, sizeof(want));
    put_le(want + 0, 1, 4); /* nent */
    put_le(want + 4, 0, 4); /* pad */
    put_le(want + 8, 0x01020304u, 4);
    put_le(want + 12, 0x0506, 2);
    put_le(want + 20, 100, 4); /* space_required; flags and max_message_size zero */
    assert_staged(0, 64, want, sizeof(want));
    assert_int_equal(out.flags, 9);
    assert_int_equal(out.max_message_size, 0x1009);
    assert_int_equal(out.ring.port, 0x01020304u);
    assert_int_equal(out.space_required, 100);
}

static void test_notify_long_list_split_over_calls(void **state)
{
    struct hmx_ring_query *q = calloc(HMX_NOTIFY_MAX, sizeof(*q));
    const unsigned per_call = (4096u - 64u - 8u) / 20u; /* 201 */
    hmx_ctx ctx;
    unsigned i, call;

    (void)state;
    assert_non_null(q);
    open_fw(&ctx);
    F.answer_queries = 1;
    for (i = 0; i < HMX_NOTIFY_MAX; i++) {
        q[i].ring.port = i;
        q[i].ring.domain = D1;
        q[i].space_required = i;
    }
    assert_rc(hmx_notify(&ctx, q, HMX_NOTIFY_MAX), 0);
    assert_int_equal(F.ncalls, 2);
    for (call = 0; call < 2; call++) {
        const unsigned first = call * per_call;
        const unsigned n = call == 0 ? per_call : HMX_NOTIFY_MAX - per_call;
        uint8_t want[20];

        assert_hmx_call(call, HMX_SMCCC_HVC, BASE, HMX_OP_NOTIFY, VA(call_page) + 64, 0, 0, 0);
        put_le(want, n, 4);
        put_le(want + 4, 0, 4);
        assert_staged(call, 64, want, 8);
        for (i = 0; i < n; i++) {
            memset(want, 0, sizeof(want));
            put_le(want + 0, first + i, 4);
            put_le(want + 4, D1, 2);
            put_le(want + 12, first + i, 4);
            assert_staged(call, 64 + 8 + 20 * i, want, sizeof(want));
        }
    }
    for (i = 0; i < HMX_NOTIFY_MAX; i++) {
        assert_int_equal(q[i].flags, i & 0x3Fu);
        assert_int_equal(q[i].max_message_size, 0x1000u + i);
        assert_int_equal(q[i].ring.port, i);
    }
    free(q);
}

static void test_set_vector_is_one_call_without_memory(void **state)
{
    hmx_ctx ctx;

    (void)state;
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_SMC, BASE, call_page, NULL, HMX_FEAT_VECTOR), 0);
    assert_rc(hmx_set_vector(&ctx, 3, 42, 0), 0);
    assert_int_equal(F.ncalls, 1);
    assert_hmx_call(0, HMX_SMCCC_SMC, BASE, HMX_OP_SET_VECTOR, 3, 42, 0, 0);
    /* without the feature: refused before any call */
    assert_rc(open_with(&ctx, &FW_ARCH, HMX_SMCCC_SMC, BASE, call_page, NULL, 0), 0);
    assert_rc(hmx_set_vector(&ctx, 3, 42, 0), HMX_EOPNOTSUPP);
    assert_int_equal(F.ncalls, 1);
}

/* ---- results: x0 is the SMCCC status, x1 the call's result ----------------------- */

static int send_small(hmx_ctx *ctx)
{
    static const char msg[] = "x";

    return send_one(ctx, 1, D1, 1, msg, 1, 0);
}

static void test_result_success_returns_x1(void **state)
{
    static const uint64_t ok[] = {0, 1, 1234, 0xFFFFE0u, 0x7FFFFFFFu};
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    open_fw(&ctx);
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        F.x0 = HMX_SMCCC_SUCCESS;
        F.x1 = ok[i];
        /* the backend decodes every count; the API takes only the length */
        assert_rc(ctx.ops->notify(&ctx, NULL, 0), (int)ok[i]);
        F.x0 = HMX_SMCCC_SUCCESS;
        F.x1 = ok[i];
        assert_rc(send_small(&ctx), ok[i] == 1 ? 1 : HMX_EIO);
    }
    assert_int_equal(F.ncalls, 2 * (sizeof(ok) / sizeof(ok[0])));
}

static void test_result_negative_x1_is_the_error(void **state)
{
    static const struct {
        int64_t x1;
        int want;
    } cases[] = {
        {-11, HMX_EAGAIN},   {-111, HMX_ECONNREFUSED}, {-90, HMX_EMSGSIZE},
        {-13, HMX_EACCES},   {-3, HMX_ESRCH},          {-22, HMX_EINVAL},
        {-1, HMX_EPERM},     {-14, HMX_EFAULT},        {-19, HMX_ENODEV},
        {-4095, HMX_EIO}, /* not an errno the table names */
    };
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    open_fw(&ctx);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        F.x1 = (uint64_t)cases[i].x1;
        assert_rc(send_small(&ctx), cases[i].want);
    }
}

static void test_result_x1_out_of_range_is_eio(void **state)
{
    static const uint64_t bad[] = {
        0x80000000u,          /* beyond int */
        0xFFFFFF91u,          /* -111 zero-extended: SMCCC registers are 64-bit */
        0xFFFFFFFFu,          /* -1 zero-extended */
        NEG(-4096),           /* beyond the errno range */
        0x8000000000000000ull,
        0x0000000100000000ull,
    };
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    open_fw(&ctx);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        F.x1 = bad[i];
        assert_rc(send_small(&ctx), HMX_EIO);
    }
}

static void test_status_not_supported_is_eopnotsupp(void **state)
{
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.x0 = NEG(HMX_SMCCC_NOT_SUPPORTED);
    F.x1 = 5; /* ignored */
    assert_rc(send_small(&ctx), HMX_EOPNOTSUPP);
    assert_rc(hmx_notify(&ctx, NULL, 0), HMX_EOPNOTSUPP);
    assert_int_equal(F.ncalls, 2);
}

static void test_status_invalid_parameter_is_einval(void **state)
{
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.x0 = NEG(HMX_SMCCC_INVALID_PARAMETER);
    F.x1 = 0;
    assert_rc(send_small(&ctx), HMX_EINVAL);
    assert_rc(hmx_notify(&ctx, NULL, 0), HMX_EINVAL);
}

static void test_status_other_is_eio(void **state)
{
    static const uint64_t other[] = {
        NEG(-2), NEG(-4), 1, 0x80000000u,
        0xFFFFFFFFu, /* -1 as w0 only: not the 64-bit NOT_SUPPORTED */
        0x8000000000000000ull,
    };
    hmx_ctx ctx;
    unsigned i;

    (void)state;
    open_fw(&ctx);
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        F.x0 = other[i];
        F.x1 = 0; /* would be success */
        assert_rc(send_small(&ctx), HMX_EIO);
    }
}

static void test_arch_error_passed_through(void **state)
{
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 1, D2, 0);
    struct hmx_ring ring;
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.rc = HMX_EPRIV;
    assert_rc(send_small(&ctx), HMX_EPRIV);
    assert_rc(hmx_notify(&ctx, NULL, 0), HMX_EPRIV);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), HMX_EPRIV);
    assert_int_equal(hmx_ring_size(&ring), 0); /* left unregistered */
    assert_int_equal(F.ncalls, 3);
}

static void test_register_refused_leaves_ring_unregistered(void **state)
{
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 1, D2, HMX_REGISTER_FAIL_EXIST);
    struct hmx_ring ring;
    hmx_ctx ctx;

    (void)state;
    open_fw(&ctx);
    F.x1 = NEG(-17);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &cfg), HMX_EEXIST);
    assert_int_equal(hmx_ring_size(&ring), 0);
    assert_rc(hmx_ring_unregister(&ctx, &ring), HMX_EINVAL); /* nothing to undo: no call */
    assert_int_equal(F.ncalls, 1);
}

/* ---- an EL2 monitor in the test: hmx_provider_smccc on a real provider ---------- */

#define MAX_SIGNALS 32u

struct monitor {
    struct hmx_provider prov;
    struct hmx_provider_hooks hooks;
    HMX_PROVIDER_STORAGE(slots, 4, 8);
    uint32_t base;
    hmx_gfn_t scratch[8];
    unsigned ncalls, nforeign;
    /* policy: deny sends to deny_dst (when set) */
    int deny_send;
    hmx_domid_t deny_dst;
    unsigned npolicy;
    /* signals */
    unsigned nsignals;
    hmx_domid_t sig_dom[MAX_SIGNALS];
    enum hmx_signal_kind sig_why[MAX_SIGNALS];
};

/* One vCPU of a guest: the monitor knows who trapped. */
struct vcpu {
    struct monitor *mon;
    hmx_domid_t dom;
};

static struct monitor MON;
static struct vcpu VCPU1 = {&MON, D1}, VCPU2 = {&MON, D2}, VCPU3 = {&MON, D3};

static int monitor_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                         uint64_t out[18])
{
    struct vcpu *v = ctx;
    struct monitor *m = v->mon;

    (void)conduit;
    memset(out, 0, 18 * sizeof(out[0]));
    m->ncalls++;
    if (hmx_provider_smccc(&m->prov, v->dom, m->base, in, out, m->scratch, 8))
        return 0;
    m->nforeign++;
    if ((uint32_t)in[0] == HMX_SMCCC_VERSION_FID)
        out[0] = 0x10002; /* SMCCC 1.2 */
    else
        out[0] = NEG(HMX_SMCCC_NOT_SUPPORTED);
    return 0;
}

static int mon_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    struct monitor *m = host;

    m->npolicy++;
    if (m->deny_send && q->op == HMX_POLICY_SEND && q->dst.domain == m->deny_dst) {
        *reason = "test policy: no sends there";
        return HMX_EACCES;
    }
    return 0;
}

static void mon_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    struct monitor *m = host;

    if (m->nsignals < MAX_SIGNALS) {
        m->sig_dom[m->nsignals] = dom;
        m->sig_why[m->nsignals] = why;
    }
    m->nsignals++;
}

static void monitor_init(uint32_t base)
{
    memset(&MON, 0, sizeof(MON));
    hmx_inproc_hooks(&MON.hooks, &MON);
    MON.hooks.policy = mon_policy;
    MON.hooks.signal = mon_signal;
    MON.base = base;
    assert_rc(hmx_provider_init(&MON.prov, &MON.hooks, MON.slots_domains, 4, MON.slots_rings, 8, 0),
              0);
    assert_rc(hmx_provider_domain_add(&MON.prov, D1, 0), 0);
    assert_rc(hmx_provider_domain_add(&MON.prov, D2, 0), 0);
}

static int setup_monitor(void **state)
{
    setup_fw(state);
    memset(call_page2, 0, sizeof(call_page2));
    monitor_init(BASE);
    return 0;
}

static int teardown_monitor(void **state)
{
    (void)state;
    hmx_provider_fini(&MON.prov);
    return 0;
}

static struct hmx_arch_ops vcpu_arch(struct vcpu *v)
{
    struct hmx_arch_ops a;

    memset(&a, 0, sizeof(a));
    a.ctx = v;
    a.smccc = monitor_smccc;
    return a;
}

/* A device tree with the HMX node (hvc, base when not 0), exactly sized. */
static void *hmx_dt(uint32_t base, size_t *size)
{
    enum { SCRATCH = 2048 };
    void *tmp = malloc(SCRATCH), *blob;

    assert_non_null(tmp);
    assert_int_equal(fdt_create(tmp, SCRATCH), 0);
    assert_int_equal(fdt_finish_reservemap(tmp), 0);
    assert_int_equal(fdt_begin_node(tmp, ""), 0);
    assert_int_equal(fdt_begin_node(tmp, "hmx"), 0);
    assert_int_equal(fdt_property_string(tmp, "compatible", HMX_DT_COMPATIBLE), 0);
    assert_int_equal(fdt_property_string(tmp, HMX_DT_PROP_CONDUIT, "hvc"), 0);
    if (base != 0)
        assert_int_equal(fdt_property_u32(tmp, HMX_DT_PROP_BASE, base), 0);
    assert_int_equal(fdt_end_node(tmp), 0);
    assert_int_equal(fdt_end_node(tmp), 0);
    assert_int_equal(fdt_finish(tmp), 0);
    *size = fdt_totalsize(tmp);
    blob = malloc(*size);
    assert_non_null(blob);
    memcpy(blob, tmp, *size);
    free(tmp);
    return blob;
}

/* Probe through vCPU v's monitor and open ctx on what it chose. */
static void guest_open(hmx_ctx *ctx, const struct hmx_arch_ops *arch, void *page, uint32_t dt_base)
{
    struct hmx_probe_options opt;
    struct hmx_open_probed_args args;
    struct hmx_probe_result res;
    size_t size;
    void *blob = hmx_dt(dt_base, &size);

    memset(&opt, 0, sizeof(opt));
    opt.arch = arch;
    opt.fdt = blob;
    opt.fdt_size = size;
    assert_rc(hmx_probe(&res, &opt), 0);
    free(blob);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    memset(&args, 0, sizeof(args));
    args.arch = arch;
    args.call_page = page;
    assert_rc(hmx_open_probed(ctx, &res, &args), 0);
    assert_string_equal(hmx_backend_name(ctx), "smccc");
}

static void test_monitor_probe_confirms_provider(void **state)
{
    struct hmx_arch_ops arch = vcpu_arch(&VCPU1);
    struct hmx_probe_options opt;
    struct hmx_probe_result res;
    size_t size;
    void *blob = hmx_dt(0, &size);

    (void)state;
    memset(&opt, 0, sizeof(opt));
    opt.arch = &arch;
    opt.fdt = blob;
    opt.fdt_size = size;
    assert_rc(hmx_probe(&res, &opt), 0);
    free(blob);
    assert_int_equal(res.chosen, HMX_MECH_SMCCC);
    assert_int_equal(res.mech[HMX_MECH_SMCCC].usable, 1);
    assert_int_equal(res.smccc_version, 0x10002);
    assert_int_equal(res.hmx_version, HMX_INTERFACE_VERSION);
    assert_int_equal(res.smccc_base, BASE);
    assert_int_equal(res.traps, 4);
    assert_int_equal(MON.ncalls, 4);
    assert_int_equal(MON.nforeign, 1); /* only SMCCC_VERSION is the monitor's own */
    assert_int_equal(res.hmx_features & ~(HMX_FEAT_VECTOR | HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT |
                                          HMX_FEAT_DISCOVERY | HMX_FEAT_BATCH | HMX_FEAT_ASYNC),
                     0);
}

static void test_monitor_end_to_end_register_send_recv_query_unregister(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1), a2 = vcpu_arch(&VCPU2);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x100, D2, 0);
    static const char part1[] = "hello, ";
    static const char part2[] = "monitor";
    struct hmx_iov iov[2];
    struct hmx_addr dst;
    struct hmx_ring ring;
    struct hmx_ring_query q;
    struct hmx_msg_info info;
    struct hmx_ring_stats st;
    char buf[64];
    hmx_ctx c1, c2;
    unsigned before;

    (void)state;
    guest_open(&c1, &a1, call_page, 0);
    guest_open(&c2, &a2, call_page2, 0);

    memset(&ring, 0, sizeof(ring));
    before = MON.ncalls;
    assert_rc(hmx_ring_register(&c1, &ring, &cfg), 0);
    assert_int_equal(MON.ncalls, before + 1);
    assert_rc(hmx_provider_ring_stats(&MON.prov, D1, 0x100, D2, &st), 0);
    assert_int_equal(st.len, 4032);

    iov[0].base = part1;
    iov[0].len = 7;
    iov[1].base = part2;
    iov[1].len = 7;
    memset(&dst, 0, sizeof(dst));
    dst.domain = D1;
    dst.port = 0x100;
    before = MON.ncalls;
    assert_rc(hmx_sendv(&c2, 0x55, &dst, iov, 2, 0x2A), 14);
    assert_int_equal(MON.ncalls, before + 1);
    assert_true(MON.nsignals >= 1);
    assert_int_equal(MON.sig_dom[MON.nsignals - 1], D1);
    assert_int_equal(MON.sig_why[MON.nsignals - 1], HMX_SIGNAL_RX);

    memset(buf, 0, sizeof(buf));
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), &info), 14);
    assert_memory_equal(buf, "hello, monitor", 14);
    assert_int_equal(info.source.domain, D2);
    assert_int_equal(info.source.port, 0x55);
    assert_int_equal(info.message_type, 0x2A);
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), &info), HMX_EAGAIN);

    assert_rc(hmx_query(&c2, &dst, 100, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, 4000);

    assert_rc(hmx_ring_unregister(&c1, &ring), 0);
    assert_rc(hmx_provider_ring_stats(&MON.prov, D1, 0x100, D2, &st), HMX_ENOENT);
    assert_rc(hmx_query(&c2, &dst, 100, &q), 0);
    assert_int_equal(q.flags & HMX_RING_EXISTS, 0);
    assert_rc(hmx_send(&c2, 0x55, &dst, "x", 1, 0), HMX_ECONNREFUSED);
}

static void test_monitor_send_without_ring_is_econnrefused(void **state)
{
    struct hmx_arch_ops a2 = vcpu_arch(&VCPU2);
    hmx_ctx c2;

    (void)state;
    guest_open(&c2, &a2, call_page2, 0);
    assert_rc(send_one(&c2, 1, D1, 0x999, "abc", 3, 0), HMX_ECONNREFUSED);
    /* an unknown destination domain is ESRCH */
    assert_rc(send_one(&c2, 1, 0x0777, 0x999, "abc", 3, 0), HMX_ESRCH);
}

static void test_monitor_oversized_message_is_emsgsize(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1), a2 = vcpu_arch(&VCPU2);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x200, D2, 0);
    struct hmx_ring ring;
    uint8_t *big = calloc(1, 4001);
    hmx_ctx c1, c2;

    (void)state;
    assert_non_null(big);
    guest_open(&c1, &a1, call_page, 0);
    guest_open(&c2, &a2, call_page2, 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&c1, &ring, &cfg), 0);
    assert_rc(send_one(&c2, 1, D1, 0x200, big, 4001, 0), HMX_EMSGSIZE);
    assert_rc(send_one(&c2, 1, D1, 0x200, big, 4000, 0), 4000); /* the largest fits */
    free(big);
}

static void test_monitor_full_ring_eagain_then_space_signal(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1), a2 = vcpu_arch(&VCPU2);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x300, D2, 0);
    struct hmx_ring ring;
    struct hmx_ring_stats st;
    static uint8_t msg[1000];
    uint8_t buf[1000];
    hmx_ctx c1, c2;
    int rc = 0, sent = 0;
    unsigned i;

    (void)state;
    guest_open(&c1, &a1, call_page, 0);
    guest_open(&c2, &a2, call_page2, 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&c1, &ring, &cfg), 0);
    for (i = 0; i < 10; i++) {
        rc = send_one(&c2, 1, D1, 0x300, msg, sizeof(msg), 0);
        if (rc < 0)
            break;
        sent++;
    }
    assert_rc(rc, HMX_EAGAIN);
    assert_int_equal(sent, 3); /* 3 x 1024 bytes of 4032 */
    assert_rc(hmx_provider_ring_stats(&MON.prov, D1, 0x300, D2, &st), 0);
    assert_int_equal(st.npending, 1);
    assert_int_equal(st.eagain, 1);

    /* the reader consumes one message and tells the provider */
    MON.nsignals = 0;
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), NULL), 1000);
    assert_rc(hmx_notify(&c1, NULL, 0), 0);
    assert_int_equal(MON.nsignals, 1);
    assert_int_equal(MON.sig_dom[0], D2);
    assert_int_equal(MON.sig_why[0], HMX_SIGNAL_SPACE);
    assert_rc(hmx_provider_ring_stats(&MON.prov, D1, 0x300, D2, &st), 0);
    assert_int_equal(st.npending, 0);
    /* and the sender gets through */
    assert_rc(send_one(&c2, 1, D1, 0x300, msg, sizeof(msg), 0), 1000);
}

static void test_monitor_policy_denial_is_eacces(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1), a2 = vcpu_arch(&VCPU2);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x400, D2, 0);
    struct hmx_ring ring;
    struct hmx_ring_stats st;
    hmx_ctx c1, c2;

    (void)state;
    guest_open(&c1, &a1, call_page, 0);
    guest_open(&c2, &a2, call_page2, 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&c1, &ring, &cfg), 0);
    MON.deny_send = 1;
    MON.deny_dst = D1;
    assert_rc(send_one(&c2, 1, D1, 0x400, "no", 2, 0), HMX_EACCES);
    assert_int_equal(MON.prov.denials, 1);
    assert_rc(hmx_provider_ring_stats(&MON.prov, D1, 0x400, D2, &st), 0);
    assert_int_equal(st.messages, 0);
    assert_rc(hmx_recv(&ring, NULL, 0, NULL), HMX_EAGAIN); /* nothing written */
    MON.deny_send = 0;
    assert_rc(send_one(&c2, 1, D1, 0x400, "ok", 2, 0), 2);
}

static void test_monitor_unknown_domain_is_enodev(void **state)
{
    struct hmx_arch_ops a3 = vcpu_arch(&VCPU3);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 1, D1, 0);
    struct hmx_ring ring;
    hmx_ctx c3;

    (void)state;
    /* domain 3 traps into the monitor but the provider does not know it */
    guest_open(&c3, &a3, call_page, 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&c3, &ring, &cfg), HMX_ENODEV);
    assert_rc(send_one(&c3, 1, D1, 1, "x", 1, 0), HMX_ENODEV);
    assert_rc(hmx_notify(&c3, NULL, 0), HMX_ENODEV);
}

static void test_monitor_at_custom_base(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1), a2 = vcpu_arch(&VCPU2);
    struct hmx_ring_config cfg = ring_cfg(ring_mem, PAGE, 0x500, D2, 0);
    struct hmx_ring ring;
    char buf[8];
    hmx_ctx c1, c2;

    (void)state;
    hmx_provider_fini(&MON.prov);
    monitor_init(0xC5003100u);
    guest_open(&c1, &a1, call_page, 0xC5003100u);
    guest_open(&c2, &a2, call_page2, 0xC5003100u);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&c1, &ring, &cfg), 0);
    assert_rc(send_one(&c2, 9, D1, 0x500, "base", 4, 1), 4);
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), NULL), 4);
    assert_memory_equal(buf, "base", 4);
}

static void test_monitor_at_other_base_not_found_by_default_probe(void **state)
{
    struct hmx_arch_ops a1 = vcpu_arch(&VCPU1);
    struct hmx_probe_options opt;
    struct hmx_probe_result res;
    size_t size;
    void *blob = hmx_dt(0, &size);

    (void)state;
    hmx_provider_fini(&MON.prov);
    monitor_init(0xC5003100u); /* the tree says nothing: the probe asks the default base */
    memset(&opt, 0, sizeof(opt));
    opt.arch = &a1;
    opt.fdt = blob;
    opt.fdt_size = size;
    assert_rc(hmx_probe(&res, &opt), 0);
    free(blob);
    assert_int_equal(res.chosen, HMX_MECH_NONE);
    assert_int_equal(res.mech[HMX_MECH_SMCCC].offered, 1);
    assert_int_equal(res.mech[HMX_MECH_SMCCC].usable, 0);
    assert_rc(res.mech[HMX_MECH_SMCCC].status, HMX_ENOMECH);
}

/* ---- hmx_provider_smccc's own answers ------------------------------------------------ */

/* Ask the provider fid with x1 (others zero) as domain 1; out pre-filled with junk. */
static int ask(uint64_t fid, uint64_t x1, uint64_t out[4])
{
    uint64_t in[18];
    unsigned i;

    memset(in, 0, sizeof(in));
    in[0] = fid;
    in[1] = x1;
    for (i = 0; i < 4; i++)
        out[i] = 0xDEAD0000u + i;
    return hmx_provider_smccc(&MON.prov, D1, BASE, in, out, MON.scratch, 8);
}

static void test_provider_version_same_major(void **state)
{
    static const uint64_t callers[] = {0x00010000u, 0x00010001u, 0x0001FFFFu};
    uint64_t out[4];
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
        assert_int_equal(ask(BASE + HMX_SMCCC_FN_VERSION, callers[i], out), 1);
        assert_int_equal(out[0], HMX_INTERFACE_VERSION);
        assert_int_equal(out[1], 0);
        assert_int_equal(out[2], 0);
        assert_int_equal(out[3], 0);
    }
}

static void test_provider_version_other_major_not_supported(void **state)
{
    static const uint64_t callers[] = {0x00020000u, 0x00000001u, 0x00000000u, 0x7FFF0000u};
    uint64_t out[4];
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
        assert_int_equal(ask(BASE + HMX_SMCCC_FN_VERSION, callers[i], out), 1);
        assert_int_equal(out[0], NEG(HMX_SMCCC_NOT_SUPPORTED));
    }
}

static void test_provider_version_bit31_not_supported(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_VERSION, 0x80010000u, out), 1);
    assert_int_equal(out[0], NEG(HMX_SMCCC_NOT_SUPPORTED));
    /* bits above 31 too: the version is 31 bits */
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_VERSION, 0x0000000100010000ull, out), 1);
    assert_int_equal(out[0], NEG(HMX_SMCCC_NOT_SUPPORTED));
}

static void test_provider_features_bitmap(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_FEATURES, HMX_SMCCC_FEATURE_BITMAP, out), 1);
    assert_int_equal(out[0], HMX_SMCCC_SUCCESS);
    /* only bits the interface defines */
    assert_int_equal(out[1] & ~(HMX_FEAT_VECTOR | HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT |
                                HMX_FEAT_DISCOVERY | HMX_FEAT_BATCH | HMX_FEAT_ASYNC),
                     0);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 0);
}

static void test_provider_features_known_function_ids(void **state)
{
    static const uint32_t fns[] = {HMX_SMCCC_FN_VERSION, HMX_SMCCC_FN_FEATURES, HMX_SMCCC_FN_CALL};
    uint64_t out[4];
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        assert_int_equal(ask(BASE + HMX_SMCCC_FN_FEATURES, BASE + fns[i], out), 1);
        assert_int_equal(out[0], HMX_SMCCC_SUCCESS);
    }
}

static void test_provider_features_unknown_not_supported(void **state)
{
    static const uint64_t ids[] = {
        BASE + 0x03u, BASE + 0x80u, BASE + 0x100u, 0xC5000002u, HMX_SMCCC_VERSION_FID,
        0x0000000100000000ull | (BASE + HMX_SMCCC_FN_CALL), /* not a 32-bit function ID */
        1u, 2u, 3u, /* function numbers without the base */
    };
    uint64_t out[4];
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        assert_int_equal(ask(BASE + HMX_SMCCC_FN_FEATURES, ids[i], out), 1);
        assert_int_equal(out[0], NEG(HMX_SMCCC_NOT_SUPPORTED));
        assert_int_equal(out[1], 0);
    }
}

static void test_provider_call_count(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL_COUNT, 0, out), 1);
    assert_int_equal(out[0], HMX_SMCCC_FUNCTIONS);
    assert_int_equal(out[0], 6);
    assert_int_equal(out[1], 0);
}

static void test_provider_call_uid_words(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL_UID, 0, out), 1);
    assert_int_equal(out[0], 0xc4d6bc14u);
    assert_int_equal(out[1], 0xde4fa449u);
    assert_int_equal(out[2], 0x751d78a7u);
    assert_int_equal(out[3], 0xc0b3dfc0u);
}

static void test_provider_call_uid_bytes_are_the_uuid(void **state)
{
    /* 14bcd6c4-49a4-4fde-a778-1d75c0dfb3c0 as SMCCC packs a UID */
    static const uint8_t uuid[16] = {0x14, 0xbc, 0xd6, 0xc4, 0x49, 0xa4, 0x4f, 0xde,
                                     0xa7, 0x78, 0x1d, 0x75, 0xc0, 0xdf, 0xb3, 0xc0};
    uint64_t out[4];
    unsigned w, b;

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL_UID, 0, out), 1);
    for (w = 0; w < 4; w++)
        for (b = 0; b < 4; b++)
            assert_int_equal((out[w] >> (8 * b)) & 0xFFu, uuid[4 * w + b]);
}

static void test_provider_revision(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_REVISION, 0, out), 1);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 0);
}

static void test_provider_unassigned_id_in_range_not_supported(void **state)
{
    static const uint32_t fns[] = {0x03u, 0x04u, 0x10u, 0x80u, 0xFBu, 0xFEu};
    uint64_t out[4];
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        assert_int_equal(ask(BASE + fns[i], 0x1234, out), 1);
        assert_int_equal(out[0], NEG(HMX_SMCCC_NOT_SUPPORTED));
        assert_int_equal(out[1], 0);
        assert_int_equal(out[2], 0);
        assert_int_equal(out[3], 0);
    }
}

static void test_provider_id_outside_range_leaves_out_untouched(void **state)
{
    static const uint64_t fids[] = {
        BASE + 0x100u, BASE - 1u, BASE - 0x100u, HMX_SMCCC_VERSION_FID, HMX_SMCCC_OWNER_UID_FID,
        BASE & ~0x40000000u, /* the SMC32 twin of the range */
        0xC4000100u,         /* another owner */
        0,
    };
    uint64_t out[4];
    unsigned i, k;

    (void)state;
    for (i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
        assert_int_equal(ask(fids[i], 0, out), 0);
        for (k = 0; k < 4; k++)
            assert_int_equal(out[k], 0xDEAD0000u + k);
    }
}

static void test_provider_invalid_base_or_no_provider_not_ours(void **state)
{
    uint64_t in[18], out[4];
    unsigned k;

    (void)state;
    memset(in, 0, sizeof(in));
    for (k = 0; k < 4; k++)
        out[k] = 7;
    in[0] = 0xC500FFFDu;
    assert_int_equal(hmx_provider_smccc(&MON.prov, D1, 0xC500FF00u, in, out, MON.scratch, 8), 0);
    in[0] = 0xC50001FDu;
    assert_int_equal(hmx_provider_smccc(&MON.prov, D1, 0xC5000180u, in, out, MON.scratch, 8), 0);
    assert_int_equal(hmx_provider_smccc(NULL, D1, BASE, in, out, MON.scratch, 8), 0);
    for (k = 0; k < 4; k++)
        assert_int_equal(out[k], 7);
}

static void test_provider_function_id_is_w0(void **state)
{
    uint64_t out[4];

    (void)state;
    /* SMCCC: the function ID is w0; bits 63:32 of x0 are ignored */
    assert_int_equal(ask(0xFFFFFFFF00000000ull | (BASE + HMX_SMCCC_FN_CALL_UID), 0, out), 1);
    assert_int_equal(out[0], HMX_SMCCC_UID_W0);
}

static void test_provider_call_op_above_32_bits_invalid_parameter(void **state)
{
    uint64_t out[4];

    (void)state;
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL, 0x100000000ull | HMX_OP_NOTIFY, out), 1);
    assert_int_equal(out[0], NEG(HMX_SMCCC_INVALID_PARAMETER));
    assert_int_equal(out[1], 0);
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL, ~0ull, out), 1);
    assert_int_equal(out[0], NEG(HMX_SMCCC_INVALID_PARAMETER));
}

static void test_provider_call_result_sign_extended_in_x1(void **state)
{
    uint64_t out[4];

    (void)state;
    /* an unknown op: the call itself answers, x0 is SUCCESS */
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL, 9, out), 1);
    assert_int_equal(out[0], HMX_SMCCC_SUCCESS);
    assert_int_equal(out[1], NEG(HMX_EOPNOTSUPP));
    /* notify without data: success */
    assert_int_equal(ask(BASE + HMX_SMCCC_FN_CALL, HMX_OP_NOTIFY, out), 1);
    assert_int_equal(out[0], HMX_SMCCC_SUCCESS);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 0);
}

static void test_provider_call_arguments_come_from_x2_to_x5(void **state)
{
    struct hmx_ring_unreg unreg;
    uint64_t in[18], out[4];

    (void)state;
    memset(&unreg, 0, sizeof(unreg));
    unreg.port = 0x77;
    unreg.partner = D2;
    memset(in, 0, sizeof(in));
    in[0] = BASE + HMX_SMCCC_FN_CALL;
    in[1] = HMX_OP_UNREGISTER_RING;
    in[2] = VA(&unreg);
    assert_int_equal(hmx_provider_smccc(&MON.prov, D1, BASE, in, out, MON.scratch, 8), 1);
    assert_int_equal(out[0], HMX_SMCCC_SUCCESS);
    assert_int_equal(out[1], NEG(HMX_ENOENT)); /* read through x2: no such ring */
    in[5] = 1; /* a non-zero unused argument (x5 = a4) */
    assert_int_equal(hmx_provider_smccc(&MON.prov, D1, BASE, in, out, MON.scratch, 8), 1);
    assert_int_equal(out[1], NEG(HMX_EINVAL));
    in[5] = 0;
    in[6] = 0xFFFF; /* x6 and above are not HMX arguments */
    assert_int_equal(hmx_provider_smccc(&MON.prov, D1, BASE, in, out, MON.scratch, 8), 1);
    assert_int_equal(out[1], NEG(HMX_ENOENT));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup_fw)
#define TM(f) cmocka_unit_test_setup_teardown(f, setup_monitor, teardown_monitor)
    const struct CMUnitTest tests[] = {
        T(test_open_succeeds_without_calling),
        T(test_open_rejects_conduit_none_and_unknown),
        T(test_open_rejects_invalid_function_base),
        T(test_open_zero_base_means_default),
        T(test_open_custom_base_used_for_every_call),
        T(test_open_rejects_missing_call_page),
        T(test_open_rejects_misaligned_call_page),
        T(test_open_rejects_call_page_env_cannot_place),
        T(test_open_rejects_null_config_and_arch_without_smccc),
        T(test_open_keeps_only_known_features),
        T(test_register_one_page_registers_and_staging),
        T(test_register_three_pages_with_flag_through_smc),
        T(test_unregister_registers_and_staging),
        T(test_sendv_registers_and_staged_addresses_and_iovs),
        T(test_sendv_skips_empty_buffers),
        T(test_sendv_addresses_are_guest_physical_and_split_at_pages),
        T(test_register_frames_are_guest_physical),
        T(test_notify_without_queries_passes_zero_arguments),
        T(test_query_staged_entry_and_answer_copied_back),
        T(test_notify_long_list_split_over_calls),
        T(test_set_vector_is_one_call_without_memory),
        T(test_result_success_returns_x1),
        T(test_result_negative_x1_is_the_error),
        T(test_result_x1_out_of_range_is_eio),
        T(test_status_not_supported_is_eopnotsupp),
        T(test_status_invalid_parameter_is_einval),
        T(test_status_other_is_eio),
        T(test_arch_error_passed_through),
        T(test_register_refused_leaves_ring_unregistered),
        TM(test_monitor_probe_confirms_provider),
        TM(test_monitor_end_to_end_register_send_recv_query_unregister),
        TM(test_monitor_send_without_ring_is_econnrefused),
        TM(test_monitor_oversized_message_is_emsgsize),
        TM(test_monitor_full_ring_eagain_then_space_signal),
        TM(test_monitor_policy_denial_is_eacces),
        TM(test_monitor_unknown_domain_is_enodev),
        TM(test_monitor_at_custom_base),
        TM(test_monitor_at_other_base_not_found_by_default_probe),
        TM(test_provider_version_same_major),
        TM(test_provider_version_other_major_not_supported),
        TM(test_provider_version_bit31_not_supported),
        TM(test_provider_features_bitmap),
        TM(test_provider_features_known_function_ids),
        TM(test_provider_features_unknown_not_supported),
        TM(test_provider_call_count),
        TM(test_provider_call_uid_words),
        TM(test_provider_call_uid_bytes_are_the_uuid),
        TM(test_provider_revision),
        TM(test_provider_unassigned_id_in_range_not_supported),
        TM(test_provider_id_outside_range_leaves_out_untouched),
        TM(test_provider_invalid_base_or_no_provider_not_ours),
        TM(test_provider_function_id_is_w0),
        TM(test_provider_call_op_above_32_bits_invalid_parameter),
        TM(test_provider_call_result_sign_extended_in_x1),
        TM(test_provider_call_arguments_come_from_x2_to_x5),
    };
#undef T
#undef TM
    return cmocka_run_group_tests(tests, NULL, NULL);
}
