/* SPDX-License-Identifier: MIT */
/*
 * Tests of many messages per trap (hmx/batch.h; spec/, section 19):
 *  - hmx_sendv_batch over the in-process backend and over the MSR mechanism
 *    (a fake WRMSR that hands the call block to the reference provider and
 *    counts traps): per-message results, stop or continue, several
 *    destinations, a batch split over traps only when the call page is full;
 *  - the fallback to one sendv per message where a backend lacks the
 *    operation or the feature;
 *  - the provider's checks of every descriptor field, through
 *    hmx_provider_call as a mechanism delivers them;
 *  - the asynchronous region: queueing costs no trap, the doorbell only
 *    when the provider is idle, completions; the provider's checks of the
 *    guest's indices; the library's checks of a hostile completion ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/backend.h"
#include "hmx/batch.h"
#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/mech.h"
#include "hmx/provider.h"
#include "hmx/x86.h"

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
#define D9 ((hmx_domid_t)9) /* not a domain of the provider */
#define PAGE 4096u
#define RING_PAGES 8u
#define MAX_MEM 16u
#define MSR_CALL 0x400000E0u
#define UNSENT 0x5A5A5A5A /* a result slot the call must leave alone */

struct fx {
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 4, 8);
    hmx_ctx c1, c2, cm; /* domain 1 in-process, domain 2 in-process, domain 1 over MSR */
    struct hmx_arch_ops arch;
    unsigned traps, ops[32];
    void *mem[MAX_MEM];
    unsigned nmem;
    struct hmx_ring r10, r11; /* domain 2's rings at ports 10 and 11 */
};

static void *alloc_pages(struct fx *f, uint32_t npages)
{
    void *m = aligned_alloc(PAGE, (size_t)npages * PAGE);

    assert_non_null(m);
    memset(m, 0xEE, (size_t)npages * PAGE);
    assert_true(f->nmem < MAX_MEM);
    f->mem[f->nmem++] = m;
    return m;
}

/* A WRMSR that traps to the reference provider, as the KVM VMM does. */
static int fake_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct fx *f = ctx;
    struct hmx_call_block *b = (struct hmx_call_block *)(uintptr_t)val;

    if (msr != MSR_CALL)
        return HMX_EIO;
    f->traps++;
    if (b->op < 32)
        f->ops[b->op]++;
    b->ret = hmx_provider_call(&f->p, D1, b->op, b->arg, NULL, 0);
    return 0;
}

static int open_inproc(hmx_ctx *ctx, struct hmx_provider *p, hmx_domid_t dom)
{
    struct hmx_inproc_config cfg = {.provider = p, .domid = dom};
    struct hmx_open_args args = {.backend = &hmx_backend_inproc, .backend_config = &cfg};

    return hmx_open(ctx, &args);
}

static void register_ring(struct fx *f, struct hmx_ring *r, hmx_port_t port)
{
    struct hmx_ring_config c;

    memset(&c, 0, sizeof(c));
    c.mem = alloc_pages(f, RING_PAGES);
    c.mem_size = (size_t)RING_PAGES * PAGE;
    c.port = port;
    c.partner = D1;
    memset(r, 0, sizeof(*r));
    assert_rc(hmx_ring_register(&f->c2, r, &c), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hmx_provider_hooks h;
    struct hmx_msr_config mc;
    struct hmx_open_args args;

    if (f == NULL)
        return -1;
    hmx_inproc_hooks(&h, f);
    if (hmx_provider_init(&f->p, &h, f->st_domains, 4, f->st_rings, 8, 0) != 0 ||
        hmx_provider_domain_add(&f->p, D1, 0) != 0 || hmx_provider_domain_add(&f->p, D2, 0) != 0 ||
        open_inproc(&f->c1, &f->p, D1) != 0 || open_inproc(&f->c2, &f->p, D2) != 0)
        return -1;
    f->arch.ctx = f;
    f->arch.wrmsr = fake_wrmsr;
    memset(&mc, 0, sizeof(mc));
    mc.arch = &f->arch;
    mc.msr = MSR_CALL;
    mc.call_page = alloc_pages(f, 1);
    mc.features = hmx_provider_features(&f->p);
    memset(&args, 0, sizeof(args));
    args.backend = &hmx_backend_msr;
    args.backend_config = &mc;
    if (hmx_open(&f->cm, &args) != 0)
        return -1;
    register_ring(f, &f->r10, 10);
    register_ring(f, &f->r11, 11);
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

/* ---- message helpers: message i is recognisable from its bytes ------------ */

struct msgs {
    uint8_t head[HMX_BATCH_MAX][8];
    uint8_t body[HMX_BATCH_MAX][64];
    struct hmx_iov iov[HMX_BATCH_MAX][2];
    struct hmx_send_desc d[HMX_BATCH_MAX];
    int32_t res[HMX_BATCH_MAX];
};

static uint32_t body_len(unsigned i)
{
    return 1u + (i * 7u) % 63u;
}

/* n messages: even ones to port 10, odd ones to port 11; two buffers each. */
static void make_msgs(struct msgs *m, unsigned n)
{
    unsigned i;

    memset(m, 0, sizeof(*m));
    for (i = 0; i < n; i++) {
        memcpy(m->head[i], &i, sizeof(i));
        memset(m->head[i] + 4, 0xA0 + (i & 15), 4);
        memset(m->body[i], (int)(i * 13u), sizeof(m->body[i]));
        m->iov[i][0].base = m->head[i];
        m->iov[i][0].len = 8;
        m->iov[i][1].base = m->body[i];
        m->iov[i][1].len = body_len(i);
        m->d[i].iov = m->iov[i];
        m->d[i].niov = 2;
        m->d[i].src_port = 500;
        m->d[i].dst.domain = D2;
        m->d[i].dst.port = (i & 1) ? 11 : 10;
        m->d[i].message_type = 1000 + i;
        m->res[i] = UNSENT;
    }
}

/* Read the next message on r and check it is message i. */
static void expect_msg(struct hmx_ring *r, unsigned i)
{
    uint8_t buf[128], want[128];
    struct hmx_msg_info info;
    int n = hmx_recv(r, buf, sizeof(buf), &info);
    unsigned k = i;

    assert_int_equal(n, 8 + (int)body_len(i));
    memcpy(want, &k, sizeof(k));
    memset(want + 4, 0xA0 + (i & 15), 4);
    memset(want + 8, (int)(i * 13u), body_len(i));
    assert_memory_equal(buf, want, (size_t)n);
    assert_int_equal(info.message_type, 1000 + i);
    assert_int_equal(info.source.domain, D1);
    assert_int_equal(info.source.port, 500);
}

static void expect_empty(struct hmx_ring *r)
{
    uint8_t buf[8];

    assert_rc(hmx_recv(r, buf, sizeof(buf), NULL), HMX_EAGAIN);
}

/* Every message of [0, n) not in skip[] arrived in order on its ring. */
static void expect_all(struct fx *f, unsigned n, const int *skip)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (skip == NULL || !skip[i])
            expect_msg((i & 1) ? &f->r11 : &f->r10, i);
    expect_empty(&f->r10);
    expect_empty(&f->r11);
}

/* ---- the batched send --------------------------------------------------- */

static void batch_delivers_all(struct fx *f, hmx_ctx *ctx, unsigned n)
{
    static struct msgs m;
    unsigned i;

    make_msgs(&m, n);
    assert_rc(hmx_sendv_batch(ctx, m.d, n, 0, m.res), (int)n);
    for (i = 0; i < n; i++)
        assert_int_equal(m.res[i], 8 + (int)body_len(i));
    expect_all(f, n, NULL);
}

static void test_features_offered(void **state)
{
    struct fx *f = *state;

    assert_true(hmx_features(&f->c1) & HMX_FEAT_BATCH);
    assert_true(hmx_features(&f->c1) & HMX_FEAT_ASYNC);
    assert_true(hmx_features(&f->cm) & HMX_FEAT_BATCH);
    assert_true(hmx_features(&f->cm) & HMX_FEAT_ASYNC);
}

static void test_inproc_batch_two_destinations(void **state)
{
    batch_delivers_all(*state, &((struct fx *)*state)->c1, 32);
}

static void test_msr_batch_of_32_is_one_trap(void **state)
{
    struct fx *f = *state;

    batch_delivers_all(f, &f->cm, 32);
    assert_int_equal(f->traps, 1);
    assert_int_equal(f->ops[HMX_OP_SENDV_BATCH], 1);
    assert_int_equal(f->ops[HMX_OP_SENDV], 0);
}

static void test_msr_batch_of_256_fills_each_call_page(void **state)
{
    struct fx *f = *state;
    /* Two segments each: 40 + 32 bytes per message in the 4032-byte area. */
    const unsigned per_trap = 4032u / 72u;

    batch_delivers_all(f, &f->cm, 256);
    assert_int_equal(f->traps, (256u + per_trap - 1) / per_trap);
}

static void test_continue_tries_every_message(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    int skip[8] = {0};
    unsigned i;

    make_msgs(&m, 8);
    m.d[2].dst.port = 99; /* no ring there: the provider refuses */
    m.d[5].dst.pad = 1;   /* malformed: the library refuses */
    skip[2] = skip[5] = 1;
    assert_rc(hmx_sendv_batch(&f->cm, m.d, 8, 0, m.res), 8);
    for (i = 0; i < 8; i++)
        if (!skip[i])
            assert_int_equal(m.res[i], 8 + (int)body_len(i));
    assert_rc(m.res[2], HMX_ECONNREFUSED);
    assert_rc(m.res[5], HMX_EINVAL);
    expect_all(f, 8, skip);
    /* The malformed one splits the batch; nothing else does. */
    assert_int_equal(f->traps, 2);
}

static void test_stop_ends_at_first_failure(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    int skip[8] = {0, 0, 1, 1, 1, 1, 1, 1};

    make_msgs(&m, 8);
    m.d[2].dst.port = 99;
    assert_rc(hmx_sendv_batch(&f->cm, m.d, 8, HMX_BATCH_STOP, m.res), 3);
    assert_rc(m.res[2], HMX_ECONNREFUSED);
    assert_int_equal(m.res[3], UNSENT);
    assert_int_equal(m.res[7], UNSENT);
    expect_all(f, 8, skip);
    assert_int_equal(f->traps, 1);

    /* A message the library refuses stops the batch just the same. */
    make_msgs(&m, 8);
    m.d[1].niov = 0;
    assert_rc(hmx_sendv_batch(&f->c1, m.d, 8, HMX_BATCH_STOP, m.res), 2);
    assert_int_equal(m.res[0], 8 + (int)body_len(0));
    assert_rc(m.res[1], HMX_EINVAL);
    assert_int_equal(m.res[2], UNSENT);
    skip[1] = 1;
    skip[2] = 1;
    expect_all(f, 8, skip);
}

static void test_batch_argument_checks(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    hmx_ctx closed;

    make_msgs(&m, 2);
    memset(&closed, 0, sizeof(closed));
    assert_rc(hmx_sendv_batch(NULL, m.d, 1, 0, m.res), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&closed, m.d, 1, 0, m.res), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&f->c1, NULL, 1, 0, m.res), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&f->c1, m.d, 1, 0, NULL), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&f->c1, m.d, 0, 0, m.res), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&f->c1, m.d, HMX_BATCH_MAX + 1, 0, m.res), HMX_EINVAL);
    assert_rc(hmx_sendv_batch(&f->c1, m.d, 1, 2, m.res), HMX_EINVAL);
    assert_int_equal(m.res[0], UNSENT);
    /* Per-message checks, as hmx_sendv's. */
    m.d[0].niov = HMX_MAXIOV + 1;
    m.d[1].dst.domain = HMX_DOMID_UP; /* fine: the provider has the feature */
    m.iov[1][1].base = NULL;          /* but a NULL buffer with a length is not */
    assert_rc(hmx_sendv_batch(&f->c1, m.d, 2, 0, m.res), 2);
    assert_rc(m.res[0], HMX_EINVAL);
    assert_rc(m.res[1], HMX_EINVAL);
    expect_empty(&f->r10);
    expect_empty(&f->r11);
}

/* ---- the fallback: one sendv per message -------------------------------- */

static unsigned fallback_sends;

static int counting_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr,
                          const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    fallback_sends++;
    return hmx_backend_inproc.sendv(ctx, addr, iov, niov, message_type);
}

static void test_fallback_without_the_operation(void **state)
{
    struct fx *f = *state;
    struct hmx_backend_ops ops = hmx_backend_inproc;
    struct hmx_inproc_config cfg = {.provider = &f->p, .domid = D1};
    struct hmx_open_args args = {.backend = &ops, .backend_config = &cfg};
    static struct msgs m;
    hmx_ctx c;
    int skip[8] = {0, 0, 0, 1, 1, 1, 1, 1};

    ops.sendv = counting_sendv;
    ops.sendv_batch = NULL; /* as the Xen hypercall backend */
    ops.async_setup = NULL;
    ops.async_doorbell = NULL;
    assert_rc(hmx_open(&c, &args), 0);
    fallback_sends = 0;
    make_msgs(&m, 8);
    m.d[3].dst.port = 99;
    assert_rc(hmx_sendv_batch(&c, m.d, 8, HMX_BATCH_STOP, m.res), 4);
    assert_int_equal(fallback_sends, 4);
    assert_rc(m.res[3], HMX_ECONNREFUSED);
    assert_int_equal(m.res[4], UNSENT);
    expect_all(f, 8, skip);
    /* And async is refused rather than emulated. */
    {
        struct hmx_async q;

        memset(&q, 0, sizeof(q));
        assert_rc(hmx_async_setup(&c, &q, alloc_pages(f, 3), 3 * PAGE, 16), HMX_EOPNOTSUPP);
    }
    hmx_close(&c);
}

static void test_fallback_without_the_feature(void **state)
{
    struct fx *f = *state;
    struct hmx_backend_ops ops = hmx_backend_inproc;
    struct hmx_inproc_config cfg = {.provider = &f->p, .domid = D1};
    struct hmx_open_args args = {.backend = &ops, .backend_config = &cfg};
    static struct msgs m;
    hmx_ctx c;

    ops.sendv = counting_sendv;
    assert_rc(hmx_open(&c, &args), 0);
    c.features &= ~(HMX_FEAT_BATCH | HMX_FEAT_ASYNC); /* a provider that does not offer them */
    fallback_sends = 0;
    make_msgs(&m, 5);
    assert_rc(hmx_sendv_batch(&c, m.d, 5, 0, m.res), 5);
    assert_int_equal(fallback_sends, 5);
    expect_all(f, 5, NULL);
    hmx_close(&c);
}

/* ---- the provider's checks, as a mechanism delivers the call -------------- */

static int call(struct fx *f, hmx_domid_t dom, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                uint64_t a3)
{
    uint64_t a[4] = {a0, a1, a2, a3};

    return hmx_provider_call(&f->p, dom, op, a, NULL, 0);
}

#define ADDR(p) ((uint64_t)(uintptr_t)(p))

static void wire_desc(struct hmx_batch_desc *w, hmx_port_t port, const struct hmx_giov *g,
                      uint32_t niov)
{
    memset(w, 0, sizeof(*w));
    w->addr.src.port = 7;
    w->addr.src.domain = HMX_DOMID_ANY;
    w->addr.dst.domain = D2;
    w->addr.dst.port = port;
    w->iov = ADDR(g);
    w->niov = niov;
    w->message_type = 42;
    w->result = UNSENT;
}

static void test_provider_checks_the_call(void **state)
{
    struct fx *f = *state;
    struct hmx_batch_desc w[2];
    uint8_t payload[4] = {1, 2, 3, 4};
    struct hmx_giov g = {ADDR(payload), 4, 0};

    wire_desc(&w[0], 10, &g, 1);
    wire_desc(&w[1], 10, &g, 1);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 0, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), HMX_BATCH_MAX + 1, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 1, 2, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 1, 0, 1), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 1ull << 32 | 1, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D9, HMX_OP_SENDV_BATCH, ADDR(w), 1, 0, 0), HMX_ENODEV);
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, 0, 1, 0, 0), HMX_EFAULT);
    assert_int_equal(w[0].result, UNSENT);
    expect_empty(&f->r10);

    /* Two good ones: both delivered, results written and nothing else. */
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 2, 0, 0), 2);
    assert_int_equal(w[0].result, 4);
    assert_int_equal(w[1].result, 4);
    assert_int_equal(w[0].addr.src.domain, HMX_DOMID_ANY);
    assert_int_equal(w[0].niov, 1);
    assert_int_equal(w[0].pad, 0);
}

static void test_provider_checks_every_descriptor(void **state)
{
    struct fx *f = *state;
    struct hmx_batch_desc w[7];
    uint8_t payload[4] = {1, 2, 3, 4};
    struct hmx_giov g = {ADDR(payload), 4, 0};
    struct hmx_giov bad_pad = {ADDR(payload), 4, 1};
    unsigned i;

    for (i = 0; i < 7; i++)
        wire_desc(&w[i], 10, &g, 1);
    w[0].pad = 1;                 /* reserved field */
    w[1].niov = HMX_MAXIOV + 1;   /* too many buffers */
    w[2].iov = 0;                 /* buffers not readable */
    w[3].addr.src.domain = D2;    /* on behalf of another */
    w[4].iov = ADDR(&bad_pad);    /* a buffer's pad */
    w[5].addr.dst.domain = D9;    /* no such domain */
    /* w[6] is good */
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 7, 0, 0), 7);
    assert_rc(w[0].result, HMX_EINVAL);
    assert_rc(w[1].result, HMX_EINVAL);
    assert_rc(w[2].result, HMX_EFAULT);
    assert_rc(w[3].result, HMX_EPERM);
    assert_rc(w[4].result, HMX_EINVAL);
    assert_rc(w[5].result, HMX_ESRCH);
    assert_int_equal(w[6].result, 4);

    /* With HMX_BATCH_STOP: processed up to and including the failure. */
    for (i = 0; i < 3; i++)
        wire_desc(&w[i], 10, &g, 1);
    w[1].addr.dst.port = 99;
    assert_rc(call(f, D1, HMX_OP_SENDV_BATCH, ADDR(w), 3, HMX_BATCH_STOP, 0), 2);
    assert_int_equal(w[0].result, 4);
    assert_rc(w[1].result, HMX_ECONNREFUSED);
    assert_int_equal(w[2].result, UNSENT);
}

/* A hostile provider's answers: results are bounded by what was sent. */
static int lying_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct fx *f = ctx;
    struct hmx_call_block *b = (struct hmx_call_block *)(uintptr_t)val;
    struct hmx_batch_desc *w = (struct hmx_batch_desc *)(uintptr_t)b->arg[0];

    (void)msr;
    f->traps++;
    w[0].result = 9999;       /* not the message's length */
    w[1].result = -100000;    /* not an errno */
    w[2].result = -(int32_t)11; /* EAGAIN: fine */
    b->ret = f->ops[0] ? (int64_t)b->arg[1] + 1 : (int64_t)b->arg[1];
    return 0;
}

static void test_hostile_batch_results_are_bounded(void **state)
{
    struct fx *f = *state;
    static struct msgs m;

    make_msgs(&m, 3);
    f->arch.wrmsr = lying_wrmsr;
    assert_rc(hmx_sendv_batch(&f->cm, m.d, 3, 0, m.res), 3);
    assert_rc(m.res[0], HMX_EIO);
    assert_rc(m.res[1], HMX_EIO);
    assert_rc(m.res[2], HMX_EAGAIN);
    /* Claiming more processed than sent is not believed. */
    f->ops[0] = 1;
    m.res[0] = UNSENT;
    assert_rc(hmx_sendv_batch(&f->cm, m.d, 3, 0, m.res), HMX_EIO);
    assert_int_equal(m.res[0], UNSENT);
    f->arch.wrmsr = fake_wrmsr;
}

/* ---- the asynchronous region --------------------------------------------- */

#define ENTRIES 16u

static void async_open(struct fx *f, hmx_ctx *ctx, struct hmx_async *q)
{
    size_t size = (size_t)HMX_ASYNC_SIZE(ENTRIES);
    uint32_t pages = (uint32_t)((size + PAGE - 1) / PAGE);

    memset(q, 0, sizeof(*q));
    assert_rc(hmx_async_setup(ctx, q, alloc_pages(f, pages), (size_t)pages * PAGE, ENTRIES), 0);
    assert_int_equal(q->hdr->entries, ENTRIES);
    assert_int_equal(q->hdr->state, HMX_ASYNC_IDLE);
}

static void test_async_queue_costs_no_trap(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    struct hmx_async q;
    struct hmx_async_cqe c[ENTRIES];
    unsigned i, traps0;

    async_open(f, &f->cm, &q);
    assert_int_equal(f->ops[HMX_OP_ASYNC_SETUP], 1);
    make_msgs(&m, ENTRIES);
    traps0 = f->traps;
    for (i = 0; i < ENTRIES; i++)
        assert_rc(hmx_async_queue(&f->cm, &q, &m.d[i], 0xC0DE0000u + i), 0);
    assert_int_equal(f->traps, traps0); /* queueing is free */
    assert_rc(hmx_async_queue(&f->cm, &q, &m.d[0], 0), HMX_EAGAIN); /* all slots in flight */
    assert_rc(hmx_async_kick(&f->cm, &q), 1);
    assert_int_equal(f->traps, traps0 + 1);
    assert_int_equal(q.doorbells, 1);
    assert_int_equal(q.hdr->state, HMX_ASYNC_IDLE);
    assert_int_equal(q.hdr->sq_cons, ENTRIES);
    /* Nothing queued that the provider has not taken: no trap. */
    assert_rc(hmx_async_kick(&f->cm, &q), 0);
    assert_rc(hmx_async_reap(&q, c, ENTRIES), ENTRIES);
    for (i = 0; i < ENTRIES; i++) {
        assert_int_equal(c[i].user_data, 0xC0DE0000u + i);
        assert_int_equal(c[i].result, 8 + (int)body_len(i));
    }
    assert_int_equal(hmx_async_outstanding(&q), 0);
    expect_all(f, ENTRIES, NULL);
    assert_rc(hmx_async_teardown(&f->cm, &q), 0);
    assert_rc(hmx_async_kick(&f->cm, &q), HMX_EINVAL);
}

static void test_async_no_doorbell_while_draining(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    struct hmx_async q;
    struct hmx_async_cqe c[4];

    async_open(f, &f->c1, &q);
    make_msgs(&m, 4);
    /* A provider draining on another CPU has published "draining": the
     * guest queues and rings nothing. */
    q.hdr->state = HMX_ASYNC_DRAINING;
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[0], 1), 0);
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[1], 2), 0);
    assert_int_equal(q.doorbells, 0);
    assert_rc(hmx_async_reap(&q, c, 4), 0);
    /* It drains what was queued (here: the doorbell of the next idle
     * moment), and completions arrive. */
    q.hdr->state = HMX_ASYNC_IDLE;
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[2], 3), 0);
    assert_int_equal(q.doorbells, 1);
    assert_rc(hmx_async_reap(&q, c, 4), 3);
    assert_int_equal(c[0].user_data, 1);
    assert_int_equal(c[2].user_data, 3);
    expect_all(f, 3, NULL);
    /* Per-message errors arrive as completions. */
    m.d[3].dst.port = 99;
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[3], 4), 0);
    assert_rc(hmx_async_reap(&q, c, 4), 1);
    assert_rc(c[0].result, HMX_ECONNREFUSED);
    /* And the library refuses what hmx_sendv would. */
    m.d[0].dst.pad = 1;
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[0], 5), HMX_EINVAL);
    assert_int_equal(hmx_async_outstanding(&q), 0);
    assert_rc(hmx_async_teardown(&f->c1, &q), 0);
}

static void test_async_setup_checks(void **state)
{
    struct fx *f = *state;
    struct hmx_async q, q2;
    void *mem = alloc_pages(f, 3);
    uint8_t *page = alloc_pages(f, 1);

    memset(&q, 0, sizeof(q));
    memset(&q2, 0, sizeof(q2));
    assert_rc(hmx_async_setup(&f->c1, &q, mem, 3 * PAGE, 3), HMX_EINVAL);
    assert_rc(hmx_async_setup(&f->c1, &q, mem, 3 * PAGE, 0), HMX_EINVAL);
    assert_rc(hmx_async_setup(&f->c1, &q, mem, 3 * PAGE, 512), HMX_EINVAL);
    assert_rc(hmx_async_setup(&f->c1, &q, (uint8_t *)mem + 64, 2 * PAGE, 16), HMX_EINVAL);
    assert_rc(hmx_async_setup(&f->c1, &q, mem, (size_t)HMX_ASYNC_SIZE(16) - 1, 16), HMX_EINVAL);
    assert_rc(hmx_async_setup(&f->c1, &q, mem, 3 * PAGE, 16), 0);
    assert_rc(hmx_async_setup(&f->c1, &q, mem, 3 * PAGE, 16), HMX_EINVAL); /* live */
    assert_rc(hmx_async_setup(&f->c1, &q2, alloc_pages(f, 3), 3 * PAGE, 16), HMX_EEXIST);
    assert_rc(hmx_async_teardown(&f->c1, &q), 0);
    assert_rc(hmx_async_teardown(&f->c1, &q), HMX_EINVAL);

    /* The provider's own checks. */
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, 0, 0, 0, 0), HMX_ENOENT);
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), HMX_ENOENT);
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 1, 0, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 6, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 512, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page + 8), 4, 0, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 4, 1, 0), HMX_EINVAL);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 4, 0, 1), HMX_EINVAL);
    assert_rc(call(f, D9, HMX_OP_ASYNC_SETUP, ADDR(page), 4, 0, 0), HMX_ENODEV);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 4, 0, 0), 0);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(page), 4, 0, 0), HMX_EEXIST);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, 0, 0, 0, 0), 0);
}

/* An environment whose pages are not contiguous: memory from `split_from`
 * on (for a few pages) lies elsewhere. */
static uintptr_t split_from;

static int split_virt_to_gpa(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = (uint64_t)(uintptr_t)va;
    if ((uintptr_t)va >= split_from && (uintptr_t)va < split_from + 4 * PAGE)
        *gpa += 1ull << 40;
    return 0;
}

static int open_split(struct fx *f, hmx_ctx *c, uint32_t page_size)
{
    struct hmx_inproc_config cfg = {.provider = &f->p, .domid = D1};
    struct hmx_env env = {.virt_to_gpa = split_virt_to_gpa, .page_size = page_size};
    struct hmx_open_args args = {.backend = &hmx_backend_inproc, .backend_config = &cfg,
                                 .env = &env};

    return hmx_open(c, &args);
}

static void test_async_region_must_be_contiguous(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 6);
    struct hmx_async q;
    hmx_ctx c;

    /* 4 KiB pages, the third one elsewhere.  64 entries take 11,328 bytes:
     * three pages.  16 entries fit in the first. */
    split_from = (uintptr_t)mem + 2 * PAGE;
    assert_rc(open_split(f, &c, PAGE), 0);
    memset(&q, 0, sizeof(q));
    assert_rc(hmx_async_setup(&c, &q, mem, 4 * PAGE, 64), HMX_EFAULT);
    assert_rc(hmx_async_setup(&c, &q, mem, 4 * PAGE, 16), 0);
    assert_rc(hmx_async_teardown(&c, &q), 0);
    hmx_close(&c);

    /* 8 KiB environment pages and a region that starts in the middle of
     * one: 32 entries (5,696 bytes) reach into the next page, which lies
     * elsewhere.  The check is at that page's start, not 8 KiB on. */
    if (((uintptr_t)mem & (2 * PAGE - 1)) == 0)
        mem += PAGE;
    split_from = (uintptr_t)mem + PAGE;
    assert_rc(open_split(f, &c, 2 * PAGE), 0);
    memset(&q, 0, sizeof(q));
    assert_rc(hmx_async_setup(&c, &q, mem, 3 * PAGE, 32), HMX_EFAULT);
    hmx_close(&c);
}

/* The guest's indices, as the provider sees them: impossible ones end the
 * drain with EINVAL and leave the region idle; a full completion ring
 * stops it without loss. */
static void test_async_provider_checks_guest_indices(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 2);
    struct hmx_async_hdr *h = (struct hmx_async_hdr *)(void *)mem;
    struct hmx_async_sqe *sq = (struct hmx_async_sqe *)(void *)(mem + HMX_ASYNC_SQ_OFF);
    struct hmx_async_cqe *cq = (struct hmx_async_cqe *)(void *)(mem + HMX_ASYNC_CQ_OFF(4));
    uint8_t payload[4] = {9, 9, 9, 9};
    unsigned i;

    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(mem), 4, 0, 0), 0);
    assert_int_equal(h->entries, 4);
    for (i = 0; i < 4; i++) {
        memset(&sq[i], 0, sizeof(sq[i]));
        sq[i].addr.src.domain = HMX_DOMID_ANY;
        sq[i].addr.dst.domain = D2;
        sq[i].addr.dst.port = 10;
        sq[i].user_data = i;
        sq[i].niov = 1;
        sq[i].iov[0].gaddr = ADDR(payload);
        sq[i].iov[0].len = 4;
    }
    sq[1].niov = HMX_MAXIOV + 1;
    sq[2].iov[0].pad = 3;
    h->sq_prod = 5; /* more than the ring holds */
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), HMX_EINVAL);
    assert_int_equal(h->state, HMX_ASYNC_IDLE);
    assert_int_equal(h->sq_cons, 0);
    h->sq_prod = 4;
    h->cq_cons = 7; /* completions consumed that were never posted */
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), HMX_EINVAL);
    h->cq_cons = 0;
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), 4);
    assert_int_equal(h->sq_cons, 4);
    assert_int_equal(h->cq_prod, 4);
    assert_int_equal(cq[0].result, 4);
    assert_rc(cq[1].result, HMX_EINVAL);
    assert_rc(cq[2].result, HMX_EINVAL);
    assert_int_equal(cq[3].result, 4);
    assert_int_equal(cq[3].user_data, 3);
    /* The guest rewinds sq_cons in its copy of the header: the provider
     * keeps its own and is not fooled. */
    h->sq_cons = 0;
    h->sq_prod = 6; /* two more, but the completion ring is full */
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), 0);
    assert_int_equal(h->sq_cons, 0);
    h->cq_cons = 4; /* reaped */
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), 2);
    assert_int_equal(h->sq_cons, 6);
    assert_int_equal(h->cq_prod, 6);
    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, 0, 0, 0, 0), 0);
    /* Drain what landed: messages 0, 3, 0 (slot 4 is slot 0), 1 refused. */
    for (i = 0; i < 3; i++) {
        uint8_t buf[8];

        assert_int_equal(hmx_recv(&f->r10, buf, sizeof(buf), NULL), 4);
    }
    expect_empty(&f->r10);
}

/* A guest that queues while the provider is on its way to idle: it read
 * "draining" and rang no doorbell, so the provider's look after its idle
 * store must find the new submission. */
static int (*real_to_guest)(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src,
                            uint32_t len);
static struct hmx_async_hdr *race_hdr;
static unsigned race_hits;

static int racing_to_guest(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src,
                           uint32_t len)
{
    int rc = real_to_guest(host, dom, gaddr, src, len);
    uint32_t v;

    if (gaddr == ADDR(&race_hdr->state) && len == 4) {
        memcpy(&v, src, 4);
        if (v == HMX_ASYNC_IDLE && race_hits++ == 0)
            race_hdr->sq_prod++; /* the submission was written before */
    }
    return rc;
}

static void test_async_provider_looks_again_after_idle(void **state)
{
    struct fx *f = *state;
    uint8_t *mem = alloc_pages(f, 1);
    struct hmx_async_hdr *h = (struct hmx_async_hdr *)(void *)mem;
    struct hmx_async_sqe *sq = (struct hmx_async_sqe *)(void *)(mem + HMX_ASYNC_SQ_OFF);
    struct hmx_async_cqe *cq = (struct hmx_async_cqe *)(void *)(mem + HMX_ASYNC_CQ_OFF(4));
    uint8_t payload[4] = {7, 7, 7, 7};
    unsigned i;

    assert_rc(call(f, D1, HMX_OP_ASYNC_SETUP, ADDR(mem), 4, 0, 0), 0);
    for (i = 0; i < 3; i++) {
        memset(&sq[i], 0, sizeof(sq[i]));
        sq[i].addr.src.domain = HMX_DOMID_ANY;
        sq[i].addr.dst.domain = D2;
        sq[i].addr.dst.port = 11;
        sq[i].user_data = 100 + i;
        sq[i].niov = 1;
        sq[i].iov[0].gaddr = ADDR(payload);
        sq[i].iov[0].len = 4;
    }
    h->sq_prod = 2;
    race_hdr = h;
    race_hits = 0;
    real_to_guest = f->p.hooks.copy_to_guest;
    f->p.hooks.copy_to_guest = racing_to_guest;
    assert_rc(call(f, D1, HMX_OP_ASYNC_DOORBELL, 0, 0, 0, 0), 3);
    f->p.hooks.copy_to_guest = real_to_guest;
    assert_int_equal(h->sq_cons, 3);
    assert_int_equal(h->cq_prod, 3);
    assert_int_equal(h->state, HMX_ASYNC_IDLE);
    assert_int_equal(cq[2].user_data, 102);
    assert_int_equal(cq[2].result, 4);
    for (i = 0; i < 3; i++) {
        uint8_t buf[8];

        assert_int_equal(hmx_recv(&f->r11, buf, sizeof(buf), NULL), 4);
    }
    expect_empty(&f->r11);
}

/* A host that polls from another CPU: the region stays "draining" between
 * polls, so the guest queues and kicks with no doorbell at all, until the
 * host ends its polling period with the doorbell's path. */
static void test_async_polling_host_takes_no_doorbell(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    struct hmx_async q;
    struct hmx_async_cqe c[ENTRIES];

    async_open(f, &f->c1, &q);
    make_msgs(&m, 5);
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[0], 0), 0);
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[1], 1), 0);
    assert_rc(hmx_provider_async_poll(&f->p, D1), 2);
    assert_int_equal(q.hdr->state, HMX_ASYNC_DRAINING);
    assert_rc(hmx_provider_async_poll(&f->p, D1), 0); /* dry, still draining */
    assert_int_equal(q.hdr->state, HMX_ASYNC_DRAINING);
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[2], 2), 0);
    assert_rc(hmx_async_submit(&f->c1, &q, &m.d[3], 3), 0);
    assert_int_equal(q.doorbells, 0);
    assert_rc(hmx_provider_async_poll(&f->p, D1), 2);
    /* The end of the polling period: idle, after one more look. */
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[4], 4), 0);
    assert_rc(hmx_provider_async_doorbell(&f->p, D1), 1);
    assert_int_equal(q.hdr->state, HMX_ASYNC_IDLE);
    assert_rc(hmx_async_reap(&q, c, ENTRIES), 5);
    assert_int_equal(c[4].user_data, 4);
    assert_int_equal(c[4].result, 8 + (int)body_len(4));
    assert_int_equal(q.doorbells, 0);
    expect_all(f, 5, NULL);
    /* An impossible index ends polling with the region idle. */
    q.hdr->sq_prod = q.sq_prod + ENTRIES + 1;
    assert_rc(hmx_provider_async_poll(&f->p, D1), HMX_EINVAL);
    assert_int_equal(q.hdr->state, HMX_ASYNC_IDLE);
}

/* Completions come from a possibly hostile writer: the library checks. */
static void test_async_hostile_completions(void **state)
{
    struct fx *f = *state;
    static struct msgs m;
    struct hmx_async q;
    struct hmx_async_cqe c[ENTRIES];

    async_open(f, &f->c1, &q);
    make_msgs(&m, 2);
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[0], 1), 0);
    assert_rc(hmx_async_queue(&f->c1, &q, &m.d[1], 2), 0);
    /* Before the provider ran: it claims three completions. */
    q.hdr->cq_prod = 3;
    assert_rc(hmx_async_reap(&q, c, ENTRIES), HMX_ECORRUPT);
    q.hdr->cq_prod = 0xFFFFFFFFu; /* "minus one" */
    assert_rc(hmx_async_reap(&q, c, ENTRIES), HMX_ECORRUPT);
    /* It claims to have taken more than was queued. */
    q.hdr->cq_prod = 0;
    q.hdr->sq_cons = 3;
    assert_rc(hmx_async_kick(&f->c1, &q), HMX_ECORRUPT);
    q.hdr->sq_cons = 0;
    assert_rc(hmx_async_kick(&f->c1, &q), 1);
    /* Results out of range read as HMX_EIO; user_data is passed as is. */
    q.cq[0].result = (int32_t)HMX_MSG_MAX + 1;
    q.cq[1].result = -5000;
    assert_rc(hmx_async_reap(&q, c, 1), 1); /* one at a time is fine */
    assert_rc(c[0].result, HMX_EIO);
    assert_rc(hmx_async_reap(&q, c, ENTRIES), 1);
    assert_rc(c[0].result, HMX_EIO);
    assert_int_equal(c[0].user_data, 2);
    assert_int_equal(q.hdr->cq_cons, 2);
    assert_rc(hmx_async_reap(&q, NULL, 1), HMX_EINVAL);
    assert_rc(hmx_async_teardown(&f->c1, &q), 0);
    expect_all(f, 2, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_features_offered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inproc_batch_two_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_batch_of_32_is_one_trap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_batch_of_256_fills_each_call_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_continue_tries_every_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_ends_at_first_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_argument_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_without_the_operation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_without_the_feature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_checks_the_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_checks_every_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_batch_results_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_queue_costs_no_trap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_no_doorbell_while_draining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_setup_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_provider_checks_guest_indices, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_async_region_must_be_contiguous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_provider_looks_again_after_idle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_async_polling_host_takes_no_doorbell, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_async_hostile_completions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
