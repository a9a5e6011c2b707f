/* SPDX-License-Identifier: MIT */
/*
 * Tests of the public API (src/core): hmx_open / hmx_close, ring
 * registration, sendv / recv / notify / query, and the error table.
 *
 * Two kinds of backend carry the calls:
 *  - the in-process backend over a reference provider, with two contexts
 *    speaking as domains 1 and 2, for end-to-end behaviour;
 *  - a mock backend (HMX_MECH_MOCK) that records every call, to prove that
 *    the library validates before it calls a backend, marshals arguments
 *    exactly, and passes backend errors through unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/backend.h"
#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/provider.h"

/* Report return codes by name: "got -11 (EAGAIN)" beats a 20-digit number. */
#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        int want_ = (want);                                                                    \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define D1 ((hmx_domid_t)1)
#define D2 ((hmx_domid_t)2)
#define D3 ((hmx_domid_t)3)
#define ANY HMX_DOMID_ANY
#define PAGE 4096u
#define LEN1 4032u /* data length of a one-page ring */
#define MAX1 4000u /* its largest message */
#define MAX_MEM 32u

/* ---- the mock backend ------------------------------------------------------ */

struct mock {
    int open_rc, reg_rc, unreg_rc, send_rc, notify_rc;
    unsigned nopen, nclose, nreg, nunreg, nsend, nnotify;
    /* register */
    struct hmx_ring_reg reg;
    const hmx_gfn_t *gfns_ptr;
    hmx_gfn_t gfns[16];
    uint32_t npages, reg_flags;
    /* unregister */
    struct hmx_ring_unreg unreg;
    /* sendv */
    struct hmx_send_addr addr;
    struct hmx_iov iov[HMX_MAXIOV];
    unsigned niov;
    uint32_t message_type;
    /* notify */
    struct hmx_ring_query *q_ptr;
    struct hmx_ring_query q0;
    unsigned nq;
    uint16_t answer_flags;
    uint32_t answer_max;
};

static struct mock *mock_of(struct hmx_ctx *ctx)
{
    return ctx->priv.ptr;
}

static int mock_open(struct hmx_ctx *ctx, const void *config)
{
    struct mock *m = (struct mock *)(uintptr_t)config;

    if (m == NULL)
        return HMX_EINVAL;
    m->nopen++;
    if (m->open_rc != 0)
        return m->open_rc;
    ctx->priv.ptr = m;
    ctx->features = 0;
    return 0;
}

static void mock_close(struct hmx_ctx *ctx)
{
    mock_of(ctx)->nclose++;
}

static int mock_register(struct hmx_ctx *ctx, const struct hmx_ring_reg *reg,
                         const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags)
{
    struct mock *m = mock_of(ctx);
    uint32_t i;

    m->nreg++;
    m->reg = *reg;
    m->gfns_ptr = gfns;
    m->npages = npages;
    m->reg_flags = flags;
    for (i = 0; i < npages && i < 16; i++)
        m->gfns[i] = gfns[i];
    return m->reg_rc;
}

static int mock_unregister(struct hmx_ctx *ctx, const struct hmx_ring_unreg *unreg)
{
    struct mock *m = mock_of(ctx);

    m->nunreg++;
    m->unreg = *unreg;
    return m->unreg_rc;
}

static int mock_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr,
                      const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    struct mock *m = mock_of(ctx);
    unsigned i;
    size_t total = 0;

    m->nsend++;
    m->addr = *addr;
    m->niov = niov;
    m->message_type = message_type;
    for (i = 0; i < niov && i < HMX_MAXIOV; i++) {
        m->iov[i] = iov[i];
        total += iov[i].len;
    }
    return m->send_rc != 0 ? m->send_rc : (int)total;
}

static int mock_notify(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n)
{
    struct mock *m = mock_of(ctx);

    m->nnotify++;
    m->q_ptr = q;
    m->nq = n;
    if (n > 0) {
        m->q0 = q[0];
        q[0].flags = m->answer_flags;
        q[0].max_message_size = m->answer_max;
    }
    return m->notify_rc;
}

static const struct hmx_backend_ops mock_ops = {
    .name = "mock",
    .mechanism = HMX_MECH_MOCK,
    .priv_size = sizeof(void *),
    .open = mock_open,
    .close = mock_close,
    .register_ring = mock_register,
    .unregister_ring = mock_unregister,
    .sendv = mock_sendv,
    .notify = mock_notify,
};

static unsigned mock_calls(const struct mock *m)
{
    return m->nreg + m->nunreg + m->nsend + m->nnotify;
}

/* ---- fixture: a provider with domains 1..3, contexts for 1 and 2, a mock -- */

struct fx {
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 8, 16);
    unsigned nspace[4], nrx[4]; /* signals per domain */
    hmx_ctx c1, c2, cm;
    struct mock m;
    void *mem[MAX_MEM];
    unsigned nmem;
};

static void on_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    struct fx *f = host;

    if (dom < 4) {
        if (why == HMX_SIGNAL_SPACE)
            f->nspace[dom]++;
        else if (why == HMX_SIGNAL_RX)
            f->nrx[dom]++;
    }
}

static int open_inproc(hmx_ctx *ctx, struct hmx_provider *p, hmx_domid_t dom)
{
    struct hmx_inproc_config cfg = {.provider = p, .domid = dom};
    struct hmx_open_args args = {.backend = &hmx_backend_inproc, .backend_config = &cfg,
                                 .env = NULL};

    return hmx_open(ctx, &args);
}

static int open_mock(hmx_ctx *ctx, struct mock *m, const struct hmx_env *env)
{
    struct hmx_open_args args = {.backend = &mock_ops, .backend_config = m, .env = env};

    return hmx_open(ctx, &args);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hmx_provider_hooks h;

    if (f == NULL)
        return -1;
    hmx_inproc_hooks(&h, f);
    h.signal = on_signal;
    if (hmx_provider_init(&f->p, &h, f->st_domains, 8, f->st_rings, 16,
                          HMX_PROVIDER_ALLOW_WILDCARD) != 0 ||
        hmx_provider_domain_add(&f->p, D1, 0) != 0 || hmx_provider_domain_add(&f->p, D2, 0) != 0 ||
        hmx_provider_domain_add(&f->p, D3, 0) != 0 || open_inproc(&f->c1, &f->p, D1) != 0 ||
        open_inproc(&f->c2, &f->p, D2) != 0 || open_mock(&f->cm, &f->m, NULL) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    unsigned i;

    hmx_close(&f->cm);
    hmx_close(&f->c2);
    hmx_close(&f->c1);
    hmx_provider_fini(&f->p);
    for (i = 0; i < f->nmem; i++)
        free(f->mem[i]);
    free(f);
    return 0;
}

/* Page-aligned memory, filled with `fill`, freed at teardown. */
static void *alloc_pages(struct fx *f, uint32_t npages, int fill)
{
    size_t size = (size_t)npages * PAGE;
    void *m = aligned_alloc(PAGE, size);

    assert_non_null(m);
    memset(m, fill, size);
    assert_true(f->nmem < MAX_MEM);
    f->mem[f->nmem++] = m;
    return m;
}

static struct hmx_ring_config ring_cfg(void *mem, size_t size, hmx_port_t port,
                                       hmx_domid_t partner)
{
    struct hmx_ring_config c;

    memset(&c, 0, sizeof(c));
    c.mem = mem;
    c.mem_size = size;
    c.port = port;
    c.partner = partner;
    return c;
}

/* Register a one-page ring for ctx. */
static void must_ring(struct fx *f, hmx_ctx *ctx, struct hmx_ring *ring, hmx_port_t port,
                      hmx_domid_t partner)
{
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, port, partner);

    memset(ring, 0, sizeof(*ring));
    assert_rc(hmx_ring_register(ctx, ring, &c), 0);
    assert_int_equal(hmx_ring_size(ring), LEN1);
}

static struct hmx_addr addr_of(hmx_domid_t dom, hmx_port_t port)
{
    struct hmx_addr a;

    a.port = port;
    a.domain = dom;
    a.pad = 0;
    return a;
}

/* ---- open / close ------------------------------------------------------------ */

static void test_open_rejects_null_arguments(void **state)
{
    hmx_ctx ctx;
    struct hmx_open_args args = {.backend = NULL, .backend_config = NULL, .env = NULL};

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    assert_rc(hmx_open(NULL, &args), HMX_EINVAL);
    assert_rc(hmx_open(&ctx, NULL), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_rc(hmx_open(&ctx, &args), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
}

static void test_open_rejects_incomplete_backend(void **state)
{
    struct fx *f = *state;
    struct hmx_backend_ops bad;
    struct hmx_open_args args = {.backend = &bad, .backend_config = &f->m, .env = NULL};
    hmx_ctx ctx;
    unsigned which;

    for (which = 0; which < 5; which++) {
        bad = mock_ops;
        switch (which) {
        case 0:
            bad.name = NULL;
            break;
        case 1:
            bad.register_ring = NULL;
            break;
        case 2:
            bad.unregister_ring = NULL;
            break;
        case 3:
            bad.sendv = NULL;
            break;
        default:
            bad.notify = NULL;
            break;
        }
        assert_rc(hmx_open(&ctx, &args), HMX_EINVAL);
        assert_string_equal(hmx_backend_name(&ctx), "closed");
    }
    assert_int_equal(f->m.nopen, 1); /* only the fixture's own open */

    /* open and close are optional */
    bad = mock_ops;
    bad.open = NULL;
    bad.close = NULL;
    bad.priv_size = 0;
    assert_rc(hmx_open(&ctx, &args), 0);
    assert_string_equal(hmx_backend_name(&ctx), "mock");
    hmx_close(&ctx);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
}

static void test_open_rejects_oversized_private_state(void **state)
{
    struct fx *f = *state;
    struct hmx_backend_ops big = mock_ops;
    struct hmx_open_args args = {.backend = &big, .backend_config = &f->m, .env = NULL};
    hmx_ctx ctx;

    big.priv_size = HMX_CTX_PRIV_SIZE + 1u;
    assert_rc(hmx_open(&ctx, &args), HMX_EINVAL);
    big.priv_size = (size_t)-1;
    assert_rc(hmx_open(&ctx, &args), HMX_EINVAL);
    assert_int_equal(f->m.nopen, 1);
    big.priv_size = HMX_CTX_PRIV_SIZE;
    assert_rc(hmx_open(&ctx, &args), 0);
    assert_int_equal(f->m.nopen, 2);
    hmx_close(&ctx);
}

static int gpa_plain(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = (uint64_t)(uintptr_t)va;
    return 0;
}

static void test_open_rejects_bad_environment(void **state)
{
    struct fx *f = *state;
    struct hmx_env env = {.virt_to_gpa = NULL, .page_size = 4096, .log = NULL, .user = NULL};
    static const uint32_t bad_sizes[] = {1, 1024, 2048, 3000, 4095, 4097, 6144, 12288, 0x80000001u};
    static const uint32_t good_sizes[] = {0, 4096, 8192, 16384, 65536, 0x80000000u};
    hmx_ctx ctx;
    size_t i;

    assert_rc(open_mock(&ctx, &f->m, &env), HMX_EINVAL);
    env.virt_to_gpa = gpa_plain;
    for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        env.page_size = bad_sizes[i];
        assert_rc(open_mock(&ctx, &f->m, &env), HMX_EINVAL);
    }
    assert_int_equal(f->m.nopen, 1);
    for (i = 0; i < sizeof(good_sizes) / sizeof(good_sizes[0]); i++) {
        env.page_size = good_sizes[i];
        assert_rc(open_mock(&ctx, &f->m, &env), 0);
        hmx_close(&ctx);
    }
}

static void test_open_backend_error_leaves_context_closed(void **state)
{
    struct fx *f = *state;
    struct mock m;
    hmx_ctx ctx;
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 1, D2);
    struct hmx_addr dst = addr_of(D2, 1);
    struct hmx_open_args args = {.backend = &hmx_backend_inproc, .backend_config = NULL,
                                 .env = NULL};

    memset(&m, 0, sizeof(m));
    m.open_rc = HMX_ENODEV;
    assert_rc(open_mock(&ctx, &m, NULL), HMX_ENODEV);
    m.open_rc = HMX_ENOSYS;
    assert_rc(open_mock(&ctx, &m, NULL), HMX_ENOSYS);
    assert_int_equal(m.nopen, 2);
    assert_string_equal(hmx_backend_name(&ctx), "closed");

    /* a closed context refuses everything and reaches no backend */
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &c), HMX_EINVAL);
    assert_rc(hmx_send(&ctx, 1, &dst, "x", 1, 0), HMX_EINVAL);
    assert_rc(hmx_notify(&ctx, NULL, 0), HMX_EINVAL);
    hmx_close(&ctx);
    assert_int_equal(m.nclose, 0);
    assert_int_equal(mock_calls(&m), 0);

    /* the in-process backend wants its config */
    assert_rc(hmx_open(&ctx, &args), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
}

static void test_close_is_safe_on_zeroed_and_closed_context(void **state)
{
    struct fx *f = *state;
    hmx_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    hmx_close(&ctx);
    assert_string_equal(hmx_backend_name(&ctx), "closed");

    assert_rc(open_mock(&ctx, &f->m, NULL), 0);
    assert_int_equal(f->m.nopen, 2);
    hmx_close(&ctx);
    assert_int_equal(f->m.nclose, 1);
    hmx_close(&ctx);
    assert_int_equal(f->m.nclose, 1);
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    assert_rc(hmx_notify(&ctx, NULL, 0), HMX_EINVAL);
    assert_int_equal(f->m.nnotify, 0);
}

static void test_backend_name(void **state)
{
    struct fx *f = *state;
    hmx_ctx ctx;

    assert_string_equal(hmx_backend_name(&f->cm), "mock");
    assert_string_equal(hmx_backend_name(&f->c1), "inproc");
    assert_string_equal(hmx_backend_name(&f->c2), "inproc");
    assert_string_equal(hmx_backend_inproc.name, "inproc");
    assert_int_equal(hmx_backend_inproc.mechanism, HMX_MECH_INPROC);
    memset(&ctx, 0, sizeof(ctx));
    assert_string_equal(hmx_backend_name(&ctx), "closed");
    hmx_close(&f->c2);
    assert_string_equal(hmx_backend_name(&f->c2), "closed");
}

/* ---- ring registration ----------------------------------------------------------- */

static void test_ring_register_rejects_invalid_config(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 3, 0);
    struct hmx_ring ring;
    hmx_gfn_t scratch[3];
    struct hmx_ring_config c = ring_cfg(mem, 2 * PAGE, 1, D2);

    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(NULL, &ring, &c), HMX_EINVAL);
    assert_rc(hmx_ring_register(&f->cm, NULL, &c), HMX_EINVAL);
    assert_rc(hmx_ring_register(&f->cm, &ring, NULL), HMX_EINVAL);
    c.mem = NULL;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    /* not 4 KiB aligned */
    c.mem = mem + 16;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.mem = mem + 2048;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.mem = mem;
    /* too small: header + 48 bytes is the least */
    c.mem_size = HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN - 1u;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.mem_size = 0;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.mem_size = 2 * PAGE;
    /* unknown flags */
    c.flags = 0x2;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.flags = HMX_REGISTER_FAIL_EXIST | 0x80000000u;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.flags = 0;
    /* a two-page ring needs two frame numbers of scratch */
    c.gfn_scratch = scratch;
    c.gfn_scratch_len = 1;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    c.gfn_scratch_len = 0;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);

    assert_int_equal(mock_calls(&f->m), 0);
    assert_rc(hmx_ring_unregister(&f->cm, &ring), HMX_EINVAL); /* never registered */

    c.gfn_scratch_len = 2;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.nreg, 1);
    assert_int_equal(f->m.npages, 2);
}

static void test_ring_register_smallest_ring(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    struct hmx_ring_config c =
        ring_cfg(alloc_pages(f, 1, 0), HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN, 3, D2);

    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.reg.len, HMX_RING_MIN_LEN);
    assert_int_equal(f->m.npages, 1);
    assert_int_equal(hmx_ring_size(&ring), HMX_RING_MIN_LEN);
    /* a size that is not a whole number of slots rounds down */
    memset(&ring, 0, sizeof(ring));
    c.mem = alloc_pages(f, 1, 0);
    c.mem_size = 1000;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.reg.len, 928);
    assert_int_equal(hmx_ring_size(&ring), 928);
}

static void test_ring_register_twice_is_einval(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 1, D2);
    struct hmx_ring_config c2 = ring_cfg(alloc_pages(f, 1, 0), PAGE, 2, D2);

    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EINVAL);
    assert_rc(hmx_ring_register(&f->cm, &ring, &c2), HMX_EINVAL);
    assert_int_equal(f->m.nreg, 1);
    /* after unregistering, the same struct may be used again */
    assert_rc(hmx_ring_unregister(&f->cm, &ring), 0);
    assert_int_equal(f->m.nunreg, 1);
    assert_int_equal(f->m.unreg.port, 1);
    assert_int_equal(f->m.unreg.partner, D2);
    assert_int_equal(f->m.unreg.pad, 0);
    assert_rc(hmx_ring_unregister(&f->cm, &ring), HMX_EINVAL);
    assert_int_equal(f->m.nunreg, 1);
    assert_rc(hmx_ring_register(&f->cm, &ring, &c2), 0);
    assert_int_equal(f->m.nreg, 2);
}

static void test_ring_register_passes_frames_len_and_flags(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 3, 0xAA);
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(mem, 3 * PAGE, 0xABCD, D3);
    const struct hmx_ring_hdr *hdr = (const struct hmx_ring_hdr *)(const void *)mem;
    uint32_t i;

    c.flags = HMX_REGISTER_FAIL_EXIST;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.nreg, 1);
    assert_int_equal(f->m.reg.len, 3 * PAGE - HMX_RING_HDR_SIZE);
    assert_int_equal(f->m.reg.port, 0xABCD);
    assert_int_equal(f->m.reg.partner, D3);
    assert_int_equal(f->m.reg.pad, 0);
    assert_int_equal(f->m.reg_flags, HMX_REGISTER_FAIL_EXIST);
    assert_int_equal(f->m.npages, 3);
    assert_int_equal(HMX_RING_NPAGES(f->m.reg.len), 3);
    for (i = 0; i < 3; i++)
        assert_int_equal(f->m.gfns[i], ((uintptr_t)mem >> 12) + i);
    /* the memory is an empty ring now */
    assert_int_equal(hdr->rx_ptr, 0);
    assert_int_equal(hdr->tx_ptr, 0);
    assert_int_equal(hmx_ring_size(&ring), 3 * PAGE - HMX_RING_HDR_SIZE);
    assert_rc(hmx_recv(&ring, NULL, 0, NULL), HMX_EAGAIN);

    /* a wildcard partner goes through as HMX_DOMID_ANY */
    memset(&ring, 0, sizeof(ring));
    c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 7, ANY);
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.reg.partner, ANY);
    assert_int_equal(f->m.reg_flags, 0);
}

static void test_ring_register_uses_caller_scratch(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 2, 0xAA);
    hmx_gfn_t scratch[4] = {0, 0, 0, 0x1234};
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(mem, 2 * PAGE, 1, D2);

    c.gfn_scratch = scratch;
    c.gfn_scratch_len = 4;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_ptr_equal(f->m.gfns_ptr, scratch);
    assert_int_equal(f->m.npages, 2);
    assert_int_equal(scratch[0], (uintptr_t)mem >> 12);
    assert_int_equal(scratch[1], ((uintptr_t)mem >> 12) + 1);
    assert_int_equal(scratch[3], 0x1234); /* beyond npages: untouched */
    /* with a scratch array, the data area is not written */
    assert_int_equal(mem[HMX_RING_HDR_SIZE], 0xAA);
    assert_int_equal(mem[HMX_RING_HDR_SIZE + 15], 0xAA);

    /* without one, the frame list is built in the ring's own data area */
    mem = alloc_pages(f, 2, 0xAA);
    c = ring_cfg(mem, 2 * PAGE, 2, D2);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_ptr_equal(f->m.gfns_ptr, mem + HMX_RING_HDR_SIZE);
    assert_int_equal(f->m.gfns[0], (uintptr_t)mem >> 12);
    assert_int_equal(f->m.gfns[1], ((uintptr_t)mem >> 12) + 1);
}

struct xlate {
    uint64_t offset;
    unsigned calls;
    int fail;
};

static int gpa_offset(void *user, const void *va, uint64_t *gpa)
{
    struct xlate *x = user;

    x->calls++;
    if (x->fail != 0)
        return x->fail;
    *gpa = (uint64_t)(uintptr_t)va + x->offset;
    return 0;
}

static void test_ring_register_translates_through_env(void **state)
{
    struct fx *f = *state;
    struct xlate x = {.offset = 0x100000000000ull, .calls = 0, .fail = 0};
    struct hmx_env env = {.virt_to_gpa = gpa_offset, .page_size = 16384, .log = NULL, .user = &x};
    struct mock m;
    hmx_ctx ctx;
    uint8_t *mem = alloc_pages(f, 6, 0);
    uintptr_t base = (uintptr_t)mem + PAGE; /* 4 KiB aligned, maybe not 16 KiB */
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg((void *)base, 4 * PAGE, 1, D2);
    unsigned spanned = (unsigned)(((base + 4 * PAGE - 1) >> 14) - (base >> 14) + 1);
    uint32_t i;

    memset(&m, 0, sizeof(m));
    assert_rc(open_mock(&ctx, &m, &env), 0);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&ctx, &ring, &c), 0);
    assert_int_equal(m.npages, 4);
    for (i = 0; i < 4; i++)
        assert_int_equal(m.gfns[i], ((base + x.offset) >> 12) + i);
    /* one translation per 16 KiB environment page, not per frame */
    assert_int_equal(x.calls, spanned);

    /* a failed translation fails the registration before the backend */
    x.fail = HMX_EFAULT;
    memset(&ring, 0, sizeof(ring));
    c.port = 2;
    assert_rc(hmx_ring_register(&ctx, &ring, &c), HMX_EFAULT);
    assert_int_equal(m.nreg, 1);
    assert_rc(hmx_ring_unregister(&ctx, &ring), HMX_EINVAL);
    assert_int_equal(m.nunreg, 0);
    hmx_close(&ctx);
}

static void test_backend_errors_pass_through_unchanged(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 1, D2);
    struct hmx_addr dst = addr_of(D2, 5);
    struct hmx_ring_query q;

    memset(&ring, 0, sizeof(ring));
    f->m.reg_rc = HMX_ENOSPC;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_ENOSPC);
    f->m.reg_rc = HMX_EEXIST;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_EEXIST);
    f->m.reg_rc = HMX_ECORRUPT; /* even a code no backend should use */
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), HMX_ECORRUPT);
    assert_rc(hmx_ring_unregister(&f->cm, &ring), HMX_EINVAL); /* not registered */
    f->m.reg_rc = 0;
    assert_rc(hmx_ring_register(&f->cm, &ring, &c), 0);
    assert_int_equal(f->m.nreg, 4);

    f->m.unreg_rc = HMX_ENODEV;
    assert_rc(hmx_ring_unregister(&f->cm, &ring), HMX_ENODEV);

    f->m.send_rc = HMX_EAGAIN;
    assert_rc(hmx_send(&f->cm, 1, &dst, "abc", 3, 0), HMX_EAGAIN);
    f->m.send_rc = HMX_ECONNREFUSED;
    assert_rc(hmx_send(&f->cm, 1, &dst, "abc", 3, 0), HMX_ECONNREFUSED);
    f->m.send_rc = HMX_EFAULT;
    assert_rc(hmx_send(&f->cm, 1, &dst, "abc", 3, 0), HMX_EFAULT);
    f->m.send_rc = HMX_EPRIV;
    assert_rc(hmx_send(&f->cm, 1, &dst, "abc", 3, 0), HMX_EPRIV);
    assert_int_equal(f->m.nsend, 4);

    f->m.notify_rc = HMX_EACCES;
    assert_rc(hmx_notify(&f->cm, NULL, 0), HMX_EACCES);
    f->m.notify_rc = HMX_ENODEV;
    assert_rc(hmx_query(&f->cm, &dst, 0, &q), HMX_ENODEV);
    assert_int_equal(f->m.nnotify, 2);
}

/* ---- sendv ----------------------------------------------------------------------- */

static void test_sendv_validates_before_backend(void **state)
{
    struct fx *f = *state;
    struct hmx_addr dst = addr_of(D2, 5);
    struct hmx_iov iov[HMX_MAXIOV + 1];
    unsigned i;

    for (i = 0; i < HMX_MAXIOV + 1; i++) {
        iov[i].base = "x";
        iov[i].len = 1;
    }
    assert_rc(hmx_sendv(NULL, 1, &dst, iov, 1, 0), HMX_EINVAL);
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 0, 0), HMX_EINVAL);
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, HMX_MAXIOV + 1, 0), HMX_EINVAL);
    assert_rc(hmx_sendv(&f->cm, 1, &dst, NULL, 1, 0), HMX_EINVAL);
    assert_rc(hmx_sendv(&f->cm, 1, NULL, iov, 1, 0), HMX_EINVAL);
    dst.pad = 1;
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 1, 0), HMX_EINVAL);
    dst.pad = 0;
    iov[3].base = NULL; /* NULL with a length */
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 4, 0), HMX_EINVAL);
    assert_rc(hmx_send(&f->cm, 1, &dst, NULL, 10, 0), HMX_EINVAL);
    iov[3].base = "x";
    iov[2].len = (size_t)HMX_MSG_MAX + 1u; /* one buffer too long */
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 4, 0), HMX_EINVAL);
    iov[2].len = (size_t)-1;
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 4, 0), HMX_EINVAL);
    assert_rc(hmx_send(&f->cm, 1, &dst, "x", (size_t)HMX_MSG_MAX + 1u, 0), HMX_EINVAL);
    /* each buffer fine, the total too long */
    iov[0].len = HMX_MSG_MAX;
    iov[1].len = 1;
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, 2, 0), HMX_EMSGSIZE);
    for (i = 0; i < HMX_MAXIOV; i++)
        iov[i].len = HMX_MSG_MAX / HMX_MAXIOV + 1u;
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, HMX_MAXIOV, 0), HMX_EMSGSIZE);

    assert_int_equal(f->m.nsend, 0);
    assert_int_equal(mock_calls(&f->m), 0);

    /* at the limits, it goes through */
    for (i = 0; i < HMX_MAXIOV; i++)
        iov[i].len = HMX_MSG_MAX / HMX_MAXIOV;
    assert_rc(hmx_sendv(&f->cm, 1, &dst, iov, HMX_MAXIOV, 0),
              (int)(HMX_MSG_MAX / HMX_MAXIOV * HMX_MAXIOV));
    assert_int_equal(f->m.nsend, 1);
}

static void test_sendv_passes_addresses_and_buffers(void **state)
{
    struct fx *f = *state;
    struct hmx_addr dst = addr_of(D3, 0x12345678u);
    static const char a[] = "first", b[] = "second";
    struct hmx_iov iov[3] = {{a, 5}, {NULL, 0}, {b, 6}};

    assert_rc(hmx_sendv(&f->cm, 0xBEEF, &dst, iov, 3, 0xCAFEu), 11);
    assert_int_equal(f->m.nsend, 1);
    assert_int_equal(f->m.addr.src.port, 0xBEEF);
    assert_int_equal(f->m.addr.src.domain, ANY); /* "myself": the hypervisor knows who */
    assert_int_equal(f->m.addr.src.pad, 0);
    assert_int_equal(f->m.addr.dst.port, 0x12345678u);
    assert_int_equal(f->m.addr.dst.domain, D3);
    assert_int_equal(f->m.addr.dst.pad, 0);
    assert_int_equal(f->m.niov, 3);
    assert_int_equal(f->m.message_type, 0xCAFEu);
    assert_ptr_equal(f->m.iov[0].base, a);
    assert_int_equal(f->m.iov[0].len, 5);
    assert_int_equal(f->m.iov[1].len, 0);
    assert_ptr_equal(f->m.iov[2].base, b);
    assert_int_equal(f->m.iov[2].len, 6);

    /* hmx_send is one buffer; an empty message is allowed */
    assert_rc(hmx_send(&f->cm, 7, &dst, NULL, 0, 1), 0);
    assert_int_equal(f->m.nsend, 2);
    assert_int_equal(f->m.niov, 1);
    assert_int_equal(f->m.iov[0].len, 0);
    assert_int_equal(f->m.addr.src.port, 7);
}

/* ---- notify / query ----------------------------------------------------------------- */

static void test_notify_validates_before_backend(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query *q = calloc(HMX_NOTIFY_MAX + 1u, sizeof(*q));
    struct hmx_addr dst = addr_of(D2, 1);
    struct hmx_ring_query out;

    assert_non_null(q);
    assert_rc(hmx_notify(NULL, q, 1), HMX_EINVAL);
    assert_rc(hmx_notify(&f->cm, q, HMX_NOTIFY_MAX + 1u), HMX_EINVAL);
    assert_rc(hmx_notify(&f->cm, q, 0xFFFFFFFFu), HMX_EINVAL);
    assert_rc(hmx_notify(&f->cm, NULL, 1), HMX_EINVAL);
    q[5].ring.pad = 1;
    assert_rc(hmx_notify(&f->cm, q, 6), HMX_EINVAL);
    q[5].ring.pad = 0;
    q[5].pad = 1;
    assert_rc(hmx_notify(&f->cm, q, 6), HMX_EINVAL);
    q[5].pad = 0;
    assert_rc(hmx_query(&f->cm, NULL, 0, &out), HMX_EINVAL);
    assert_rc(hmx_query(&f->cm, &dst, 0, NULL), HMX_EINVAL);
    dst.pad = 2;
    assert_rc(hmx_query(&f->cm, &dst, 0, &out), HMX_EINVAL);
    assert_int_equal(f->m.nnotify, 0);

    assert_rc(hmx_notify(&f->cm, q, HMX_NOTIFY_MAX), 0);
    assert_int_equal(f->m.nq, HMX_NOTIFY_MAX);
    assert_ptr_equal(f->m.q_ptr, q);
    assert_rc(hmx_notify(&f->cm, NULL, 0), 0);
    assert_int_equal(f->m.nq, 0);
    assert_null(f->m.q_ptr);
    assert_int_equal(f->m.nnotify, 2);
    free(q);
}

static void test_query_builds_one_request(void **state)
{
    struct fx *f = *state;
    struct hmx_addr dst = addr_of(D3, 99);
    struct hmx_ring_query out;

    memset(&out, 0xFF, sizeof(out));
    f->m.answer_flags = HMX_RING_EXISTS | HMX_RING_SUFFICIENT;
    f->m.answer_max = 1234;
    assert_rc(hmx_query(&f->cm, &dst, 777, &out), 0);
    assert_int_equal(f->m.nnotify, 1);
    assert_int_equal(f->m.nq, 1);
    assert_int_equal(f->m.q0.ring.port, 99);
    assert_int_equal(f->m.q0.ring.domain, D3);
    assert_int_equal(f->m.q0.ring.pad, 0);
    assert_int_equal(f->m.q0.space_required, 777);
    assert_int_equal(f->m.q0.pad, 0);
    assert_int_equal(out.flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    assert_int_equal(out.max_message_size, 1234);
    assert_int_equal(out.ring.port, 99);
    assert_int_equal(out.ring.domain, D3);
    assert_int_equal(out.space_required, 777);
}

/* ---- end to end over the in-process backend --------------------------------------- */

static void test_inproc_round_trip_both_ways(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1, r2;
    struct hmx_addr to1 = addr_of(D1, 100);
    struct hmx_msg_info info;
    char buf[64];
    struct hmx_iov iov[2] = {{"pi", 2}, {"ng", 2}};

    must_ring(f, &f->c1, &r1, 100, D2);
    must_ring(f, &f->c2, &r2, 200, D1);

    assert_rc(hmx_sendv(&f->c2, 200, &to1, iov, 2, 0x10), 4);
    assert_int_equal(f->nrx[D1], 1);
    memset(&info, 0, sizeof(info));
    memset(buf, 0, sizeof(buf));
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), &info), 4);
    assert_string_equal(buf, "ping");
    assert_int_equal(info.len, 4);
    assert_int_equal(info.source.domain, D2);
    assert_int_equal(info.source.port, 200);
    assert_int_equal(info.message_type, 0x10);
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), &info), HMX_EAGAIN);

    /* and back, to the port the request came from */
    assert_rc(hmx_send(&f->c1, 100, &info.source, "pong!", 5, 0x11), 5);
    assert_int_equal(f->nrx[D2], 1);
    memset(buf, 0, sizeof(buf));
    assert_rc(hmx_recv(&r2, buf, sizeof(buf), &info), 5);
    assert_string_equal(buf, "pong!");
    assert_int_equal(info.source.domain, D1);
    assert_int_equal(info.source.port, 100);
    assert_int_equal(info.message_type, 0x11);

    /* many messages keep their order */
    {
        int i;
        uint32_t v;

        for (i = 0; i < 50; i++) {
            v = (uint32_t)i;
            assert_rc(hmx_send(&f->c2, 200, &to1, &v, sizeof(v), 0), (int)sizeof(v));
            assert_rc(hmx_recv(&r1, &v, sizeof(v), NULL), (int)sizeof(v));
            assert_int_equal(v, (uint32_t)i);
        }
    }
}

/* In one address space a sender may pass its own ring's bytes as the
 * message: the copy into the ring then overlaps its source.  It must act
 * as memmove (ASan reports an overlapping memcpy) and deliver the bytes the
 * source held when the call began. */
static void test_inproc_send_from_own_ring_overlaps(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r;
    struct hmx_addr self = addr_of(D1, 100);
    struct hmx_iov iov;
    uint8_t *data, want[200], got[256];

    must_ring(f, &f->c1, &r, 100, D1);
    data = (uint8_t *)r.mem + HMX_RING_HDR_SIZE;
    for (unsigned i = 0; i < LEN1; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    /* The first message takes slots [0, 128): the second one's header goes
     * to 128 and its payload to [144, 344), which its source [150, 350)
     * overlaps from above; the third's header goes to 352 and its payload
     * to [368, 568), which its source [300, 500) overlaps from below. */
    memset(got, 0x5A, sizeof(got));
    assert_rc(hmx_send(&f->c1, 100, &self, got, 100, 1), 100);
    memcpy(want, data + 150, sizeof(want));
    iov.base = data + 150;
    iov.len = sizeof(want);
    assert_rc(hmx_sendv(&f->c1, 100, &self, &iov, 1, 2), 200);
    assert_rc(hmx_recv(&r, got, sizeof(got), NULL), 100);
    assert_rc(hmx_recv(&r, got, sizeof(got), NULL), 200);
    assert_memory_equal(got, want, sizeof(want));

    memcpy(want, data + 300, sizeof(want));
    iov.base = data + 300;
    assert_rc(hmx_sendv(&f->c1, 100, &self, &iov, 1, 3), 200);
    assert_rc(hmx_recv(&r, got, sizeof(got), NULL), 200);
    /* The header went in first, onto source bytes [52, 68): the rest is the
     * source as it was, though the payload's copy overwrote it as it went. */
    assert_memory_equal(got, want, 52);
    assert_memory_equal(got + 68, want + 68, sizeof(want) - 68);
}

static void test_inproc_recv_errors(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1, never;
    struct hmx_addr to1 = addr_of(D1, 1);
    struct hmx_msg_info info;
    char buf[16];

    must_ring(f, &f->c1, &r1, 1, D2);
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), NULL), HMX_EAGAIN);
    assert_rc(hmx_send(&f->c2, 9, &to1, "0123456789", 10, 0), 10);
    /* too small a buffer: nothing consumed, the length is told */
    memset(&info, 0, sizeof(info));
    assert_rc(hmx_recv(&r1, buf, 4, &info), HMX_ENOBUFS);
    assert_int_equal(info.len, 10);
    assert_rc(hmx_recv(&r1, NULL, 0, NULL), HMX_ENOBUFS);
    assert_rc(hmx_recv(&r1, NULL, 5, NULL), HMX_EINVAL);
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), &info), 10);
    assert_memory_equal(buf, "0123456789", 10);
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), &info), HMX_EAGAIN);
    /* an empty message needs no buffer at all */
    assert_rc(hmx_send(&f->c2, 9, &to1, NULL, 0, 42), 0);
    memset(&info, 0xFF, sizeof(info));
    assert_rc(hmx_recv(&r1, NULL, 0, &info), 0);
    assert_int_equal(info.len, 0);
    assert_int_equal(info.message_type, 42);
    assert_rc(hmx_recv(&r1, NULL, 0, &info), HMX_EAGAIN);

    memset(&never, 0, sizeof(never));
    assert_rc(hmx_recv(&never, buf, sizeof(buf), NULL), HMX_EINVAL);
    assert_rc(hmx_recv(NULL, buf, sizeof(buf), NULL), HMX_EINVAL);
    assert_int_equal(hmx_ring_size(&never), 0);
    assert_int_equal(hmx_ring_size(NULL), 0);
}

static void test_inproc_query_answers(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1;
    struct hmx_addr to1 = addr_of(D1, 100);
    struct hmx_addr nowhere = addr_of(D1, 101), nobody = addr_of(55, 100);
    struct hmx_ring_query q;

    must_ring(f, &f->c1, &r1, 100, D2);
    assert_rc(hmx_query(&f->c2, &to1, 0, &q), 0);
    assert_int_equal(q.flags, 0xd);
    assert_int_equal(q.max_message_size, MAX1);

    assert_rc(hmx_send(&f->c2, 1, &to1, "abc", 3, 0), 3);
    assert_rc(hmx_query(&f->c2, &to1, 0, &q), 0);
    assert_int_equal(q.flags, 0x9); /* EXISTS | SUFFICIENT, as Xen answers */
    assert_int_equal(q.max_message_size, 4000);
    assert_rc(hmx_recv(&r1, NULL, 0, NULL), HMX_ENOBUFS);
    {
        char b[8];

        assert_rc(hmx_recv(&r1, b, sizeof(b), NULL), 3);
    }
    assert_rc(hmx_query(&f->c2, &to1, 0, &q), 0);
    assert_int_equal(q.flags, 0xd);
    assert_rc(hmx_query(&f->c2, &to1, MAX1 + 1u, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE);

    /* no ring, no domain, not our ring: no flags */
    assert_rc(hmx_query(&f->c2, &nowhere, 0, &q), 0);
    assert_int_equal(q.flags, 0);
    assert_rc(hmx_query(&f->c2, &nobody, 0, &q), 0);
    assert_int_equal(q.flags, 0);
    assert_rc(hmx_query(&f->c1, &to1, 0, &q), 0);
    assert_int_equal(q.flags, 0);
}

static void test_inproc_notify_over_limit_is_einval(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query *q = calloc(HMX_NOTIFY_MAX + 1u, sizeof(*q));
    struct hmx_ring r1;
    unsigned i;

    assert_non_null(q);
    must_ring(f, &f->c1, &r1, 100, D2);
    for (i = 0; i <= HMX_NOTIFY_MAX; i++) {
        q[i].ring.domain = D1;
        q[i].ring.port = 100;
    }
    /* the provider alone would say EACCES (Xen's code); the API says EINVAL */
    assert_rc(hmx_notify(&f->c2, q, HMX_NOTIFY_MAX + 1u), HMX_EINVAL);
    assert_int_equal(q[0].flags, 0);
    assert_rc(hmx_notify(&f->c2, q, HMX_NOTIFY_MAX), 0);
    assert_int_equal(q[0].flags, 0xd);
    assert_int_equal(q[HMX_NOTIFY_MAX - 1u].flags, 0xd);
    assert_int_equal(q[HMX_NOTIFY_MAX].flags, 0);
    assert_rc(hmx_notify(&f->c2, NULL, 0), 0);
    free(q);
}

static void test_inproc_unregister_then_send_is_econnrefused(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1;
    struct hmx_addr to1 = addr_of(D1, 100);
    struct hmx_ring_config c;
    char buf[8];

    must_ring(f, &f->c1, &r1, 100, D2);
    assert_rc(hmx_send(&f->c2, 1, &to1, "a", 1, 0), 1);
    assert_rc(hmx_ring_unregister(&f->c1, &r1), 0);
    assert_rc(hmx_send(&f->c2, 1, &to1, "b", 1, 0), HMX_ECONNREFUSED);
    assert_rc(hmx_ring_unregister(&f->c1, &r1), HMX_EINVAL);
    /* what arrived before is still readable */
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), NULL), 1);
    assert_int_equal(buf[0], 'a');

    /* register again, in new memory */
    c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 100, D2);
    assert_rc(hmx_ring_register(&f->c1, &r1, &c), 0);
    assert_rc(hmx_send(&f->c2, 1, &to1, "c", 1, 0), 1);
    assert_rc(hmx_recv(&r1, buf, sizeof(buf), NULL), 1);
    assert_int_equal(buf[0], 'c');
}

static void test_inproc_provider_errors_reach_caller(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1, dup, r3;
    struct hmx_ring_config c;
    struct hmx_addr to1 = addr_of(D1, 100), nobody = addr_of(55, 1), wild = addr_of(D1, 300);
    static char big[MAX1 + 1u];

    /* unknown partner */
    c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 100, 55);
    memset(&r1, 0, sizeof(r1));
    assert_rc(hmx_ring_register(&f->c1, &r1, &c), HMX_ESRCH);
    /* an existing ring, from another struct, with FAIL_EXIST */
    must_ring(f, &f->c1, &r1, 100, D2);
    c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 100, D2);
    c.flags = HMX_REGISTER_FAIL_EXIST;
    memset(&dup, 0, sizeof(dup));
    assert_rc(hmx_ring_register(&f->c1, &dup, &c), HMX_EEXIST);
    /* a different length for the same ring */
    c = ring_cfg(alloc_pages(f, 2, 0), 2 * PAGE, 100, D2);
    memset(&dup, 0, sizeof(dup));
    assert_rc(hmx_ring_register(&f->c1, &dup, &c), HMX_EEXIST);

    assert_rc(hmx_send(&f->c2, 1, &nobody, "x", 1, 0), HMX_ESRCH);
    assert_rc(hmx_send(&f->c2, 1, &to1, big, MAX1 + 1u, 0), HMX_EMSGSIZE);
    assert_rc(hmx_send(&f->c2, 1, &to1, big, MAX1, 0), (int)MAX1);
    assert_rc(hmx_send(&f->c2, 1, &wild, "x", 1, 0), HMX_ECONNREFUSED);

    /* a wildcard ring takes D2 and D3 */
    must_ring(f, &f->c1, &r3, 300, ANY);
    assert_rc(hmx_send(&f->c2, 1, &wild, "x", 1, 0), 1);
    {
        hmx_ctx c3;
        struct hmx_msg_info info;
        char b[4];

        assert_rc(open_inproc(&c3, &f->p, D3), 0);
        assert_rc(hmx_send(&c3, 3, &wild, "y", 1, 0), 1);
        assert_rc(hmx_send(&c3, 3, &to1, "y", 1, 0), HMX_ECONNREFUSED);
        hmx_close(&c3);
        assert_rc(hmx_recv(&r3, b, sizeof(b), &info), 1);
        assert_int_equal(info.source.domain, D2);
        assert_rc(hmx_recv(&r3, b, sizeof(b), &info), 1);
        assert_int_equal(info.source.domain, D3);
    }
}

static void test_inproc_full_ring_wakes_sender(void **state)
{
    struct fx *f = *state;
    struct hmx_ring r1;
    struct hmx_addr to1 = addr_of(D1, 100);
    static char buf[1000];
    struct hmx_ring_query q;
    int i;

    must_ring(f, &f->c1, &r1, 100, D2);
    for (i = 0; i < 3; i++)
        assert_rc(hmx_send(&f->c2, 1, &to1, buf, sizeof(buf), 0), 1000);
    assert_rc(hmx_send(&f->c2, 1, &to1, buf, sizeof(buf), 0), HMX_EAGAIN);
    assert_rc(hmx_query(&f->c2, &to1, 1000, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS);
    assert_int_equal(f->nspace[D2], 0);

    assert_rc(hmx_recv(&r1, buf, sizeof(buf), NULL), 1000);
    assert_rc(hmx_notify(&f->c1, NULL, 0), 0);
    assert_int_equal(f->nspace[D2], 1);
    assert_rc(hmx_send(&f->c2, 1, &to1, buf, sizeof(buf), 0), 1000);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_error_table_messages_and_names(void **state)
{
    int values[64];
    unsigned n = 0, i, j;

    (void)state;
#define CHECK_ROW(name, value, msg)                                                            \
    do {                                                                                       \
        assert_int_equal(HMX_##name, -(value));                                                \
        assert_string_equal(hmx_strerror(-(value)), msg);                                      \
        assert_string_equal(hmx_err_name(-(value)), #name);                                    \
        assert_true(strlen(msg) > 0);                                                          \
        assert_true(n < 64);                                                                   \
        values[n++] = (value);                                                                 \
    } while (0);
    HMX_ERRNO_MAP(CHECK_ROW)
#undef CHECK_ROW
    assert_true(n >= 21);
    for (i = 0; i < n; i++) {
        assert_true(values[i] > 0);
        for (j = i + 1; j < n; j++)
            assert_int_not_equal(values[i], values[j]); /* one row per code */
    }
    assert_string_equal(hmx_strerror(HMX_EAGAIN), "try again: ring full, or nothing to read");
    assert_string_equal(hmx_err_name(HMX_ECONNREFUSED), "ECONNREFUSED");
}

static void test_error_from_xen_maps_every_code(void **state)
{
    (void)state;
#define CHECK_XEN(name, value, msg)                                                            \
    do {                                                                                       \
        if ((value) < 200)                                                                     \
            assert_rc(hmx_err_from_xen(value), -(value));                                      \
        else /* libhmx's own codes are not Xen errnos */                                       \
            assert_rc(hmx_err_from_xen(value), HMX_EIO);                                       \
    } while (0);
    HMX_ERRNO_MAP(CHECK_XEN)
#undef CHECK_XEN
    /* Xen errnos the table does not name */
    assert_rc(hmx_err_from_xen(4), HMX_EIO);   /* EINTR */
    assert_rc(hmx_err_from_xen(7), HMX_EIO);   /* E2BIG */
    assert_rc(hmx_err_from_xen(9), HMX_EIO);   /* EBADF */
    assert_rc(hmx_err_from_xen(110), HMX_EIO); /* ETIMEDOUT */
    assert_rc(hmx_err_from_xen(10000), HMX_EIO);
    assert_rc(hmx_err_from_xen(-1), HMX_EIO);
}

static void test_error_codes_equal_xen_errno_values(void **state)
{
    (void)state;
    /* xen/include/public/errno.h */
    assert_int_equal(HMX_EPERM, -1);
    assert_int_equal(HMX_ENOENT, -2);
    assert_int_equal(HMX_ESRCH, -3);
    assert_int_equal(HMX_EIO, -5);
    assert_int_equal(HMX_ENXIO, -6);
    assert_int_equal(HMX_EAGAIN, -11);
    assert_int_equal(HMX_ENOMEM, -12);
    assert_int_equal(HMX_EACCES, -13);
    assert_int_equal(HMX_EFAULT, -14);
    assert_int_equal(HMX_EBUSY, -16);
    assert_int_equal(HMX_EEXIST, -17);
    assert_int_equal(HMX_ENODEV, -19);
    assert_int_equal(HMX_EINVAL, -22);
    assert_int_equal(HMX_ENOSPC, -28);
    assert_int_equal(HMX_ENOSYS, -38);
    assert_int_equal(HMX_EMSGSIZE, -90);
    assert_int_equal(HMX_EOPNOTSUPP, -95);
    assert_int_equal(HMX_EADDRNOTAVAIL, -99);
    assert_int_equal(HMX_ENOBUFS, -105);
    assert_int_equal(HMX_ECONNREFUSED, -111);
    assert_true(HMX_ECORRUPT <= -200);
    assert_true(HMX_ENOMECH <= -200);
    assert_true(HMX_EPRIV <= -200);
}

static void test_error_unknown_and_non_negative_values(void **state)
{
    static const int unknown[] = {-4, -7, -98, -199, -203, -1000, -2147483647 - 1};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_string_equal(hmx_strerror(unknown[i]), "unknown error");
        assert_string_equal(hmx_err_name(unknown[i]), "UNKNOWN");
    }
    assert_string_equal(hmx_strerror(0), "success");
    assert_string_equal(hmx_strerror(42), "success");
    assert_string_equal(hmx_strerror(2147483647), "success");
    assert_string_equal(hmx_err_name(0), "OK");
    assert_string_equal(hmx_err_name(4000), "OK");
    assert_int_equal(HMX_OK, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_rejects_null_arguments),
        T(test_open_rejects_incomplete_backend),
        T(test_open_rejects_oversized_private_state),
        T(test_open_rejects_bad_environment),
        T(test_open_backend_error_leaves_context_closed),
        T(test_close_is_safe_on_zeroed_and_closed_context),
        T(test_backend_name),
        T(test_ring_register_rejects_invalid_config),
        T(test_ring_register_smallest_ring),
        T(test_ring_register_twice_is_einval),
        T(test_ring_register_passes_frames_len_and_flags),
        T(test_ring_register_uses_caller_scratch),
        T(test_ring_register_translates_through_env),
        T(test_backend_errors_pass_through_unchanged),
        T(test_sendv_validates_before_backend),
        T(test_sendv_passes_addresses_and_buffers),
        T(test_notify_validates_before_backend),
        T(test_query_builds_one_request),
        T(test_inproc_round_trip_both_ways),
        T(test_inproc_send_from_own_ring_overlaps),
    T(test_inproc_recv_errors),
        T(test_inproc_query_answers),
        T(test_inproc_notify_over_limit_is_einval),
        T(test_inproc_unregister_then_send_is_econnrefused),
        T(test_inproc_provider_errors_reach_caller),
        T(test_inproc_full_ring_wakes_sender),
        T(test_error_table_messages_and_names),
        T(test_error_from_xen_maps_every_code),
        T(test_error_codes_equal_xen_errno_values),
        T(test_error_unknown_and_non_negative_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
