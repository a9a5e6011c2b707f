/* SPDX-License-Identifier: MIT */
/*
 * Tests of the reference provider (src/provider) driven directly, as a
 * hypervisor would: several domains, rings in page-aligned memory of this
 * process (gfn = address >> 12, mapped by the in-process hooks), and host
 * hooks of our own that record every policy decision, audit record, signal
 * and unmap, and that can make map_ring or copy_from_guest fail.
 *
 * Expected values follow Xen 4.17's xen/common/argo.c: the same mistake
 * gives the same error code, and notify's query flags are Xen's bit for bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/errors.h"
#include "hmx/inproc.h"
#include "hmx/provider.h"
#include "hmx/ring.h"
#include "hmx/wire.h"

/* Report return codes by name: "got -11 (EAGAIN)" beats a 20-digit number. */
#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        int want_ = (want);                                                                    \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define NDOM 48u   /* 1 owner + 33 waiters + a querier + spares */
#define NRING 160u /* more than HMX_RINGS_PER_DOMAIN_MAX + 1 */
#define MAX_MEM 300u
#define MAX_SIG 512u
#define MAX_POL 64u
#define MAX_AUDIT 16u

#define D1 ((hmx_domid_t)1)
#define D2 ((hmx_domid_t)2)
#define D3 ((hmx_domid_t)3)
#define ANY HMX_DOMID_ANY

/* A one-page ring: 4096 bytes of memory, a 4032-byte data area. */
#define LEN1 4032u
#define MAX1 4000u /* its largest message, HMX_RING_MAX_PAYLOAD(LEN1) */
#define TYPE 0x5a5a0001u

struct sig_rec {
    hmx_domid_t dom;
    enum hmx_signal_kind why;
};

struct audit_rec {
    struct hmx_policy_query q;
    int verdict;
    const char *reason;
};

struct fx {
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, NDOM, NRING);
    struct hmx_provider_hooks real;  /* the in-process hooks we wrap */
    struct hmx_provider_hooks hooks; /* what the provider gets */

    /* fault injection */
    int map_fail;          /* non-zero: map_ring returns it */
    unsigned copy_fail_at; /* 1-based copy_from_guest call that fails; 0: none */

    /* policy: deny (op, dst domain) with deny_rc and deny_reason */
    uint32_t deny_op;
    hmx_domid_t deny_dst; /* ANY: every destination */
    int deny_rc;
    const char *deny_reason;

    /* records */
    unsigned nmap, nunmap, ncopy;
    unsigned npol;
    struct hmx_policy_query pol[MAX_POL];
    unsigned naudit;
    struct audit_rec audit[MAX_AUDIT];
    unsigned nsig;
    struct sig_rec sig[MAX_SIG];

    void *mem[MAX_MEM];
    unsigned nmem;
};

/* Payload source: a recognisable pattern, large enough for any test send. */
static uint8_t pattern[8192];

/* ---- host hooks -------------------------------------------------------- */

static int h_map(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages, void **va)
{
    struct fx *f = host;

    f->nmap++;
    if (f->map_fail != 0)
        return f->map_fail;
    return f->real.map_ring(f->real.host, dom, gfns, npages, va);
}

static void h_unmap(void *host, hmx_domid_t dom, void *va, uint32_t npages)
{
    struct fx *f = host;

    f->nunmap++;
    if (f->real.unmap_ring != NULL)
        f->real.unmap_ring(f->real.host, dom, va, npages);
}

static int h_copy(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len)
{
    struct fx *f = host;

    f->ncopy++;
    if (f->copy_fail_at != 0 && f->ncopy == f->copy_fail_at)
        return HMX_EFAULT;
    return f->real.copy_from_guest(f->real.host, dom, dst, gaddr, len);
}

static int h_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    struct fx *f = host;

    if (f->npol < MAX_POL)
        f->pol[f->npol] = *q;
    f->npol++;
    if (f->deny_op != 0 && q->op == f->deny_op &&
        (f->deny_dst == ANY || q->dst.domain == f->deny_dst)) {
        *reason = f->deny_reason;
        return f->deny_rc;
    }
    return 0;
}

static void h_audit(void *host, const struct hmx_policy_query *q, int verdict, const char *reason)
{
    struct fx *f = host;

    if (f->naudit < MAX_AUDIT) {
        f->audit[f->naudit].q = *q;
        f->audit[f->naudit].verdict = verdict;
        f->audit[f->naudit].reason = reason;
    }
    f->naudit++;
}

static void h_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    struct fx *f = host;

    if (f->nsig < MAX_SIG) {
        f->sig[f->nsig].dom = dom;
        f->sig[f->nsig].why = why;
    }
    f->nsig++;
}

static unsigned nsignals(const struct fx *f, hmx_domid_t dom, enum hmx_signal_kind why)
{
    unsigned i, n = 0;

    for (i = 0; i < f->nsig && i < MAX_SIG; i++)
        if (f->sig[i].dom == dom && f->sig[i].why == why)
            n++;
    return n;
}

/* ---- fixture ------------------------------------------------------------- */

static int fx_start(struct fx *f, uint32_t flags, uint32_t ndom, uint32_t nring)
{
    int rc = hmx_provider_init(&f->p, &f->hooks, f->st_domains, ndom, f->st_rings, nring, flags);

    if (rc == 0)
        rc = hmx_provider_domain_add(&f->p, D1, 0);
    if (rc == 0)
        rc = hmx_provider_domain_add(&f->p, D2, 0);
    if (rc == 0)
        rc = hmx_provider_domain_add(&f->p, D3, 0);
    return rc;
}

/* Start over with another provider configuration (same hooks, domains 1-3). */
static void fx_restart(struct fx *f, uint32_t flags, uint32_t ndom, uint32_t nring)
{
    hmx_provider_fini(&f->p);
    assert_rc(fx_start(f, flags, ndom, nring), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    hmx_inproc_hooks(&f->real, NULL);
    f->hooks = f->real; /* any hook we do not wrap stays the in-process one */
    f->hooks.host = f;
    f->hooks.map_ring = h_map;
    f->hooks.unmap_ring = h_unmap;
    f->hooks.copy_from_guest = h_copy;
    f->hooks.policy = h_policy;
    f->hooks.audit = h_audit;
    f->hooks.signal = h_signal;
    if (fx_start(f, HMX_PROVIDER_ALLOW_WILDCARD, NDOM, NRING) != 0) {
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

    hmx_provider_fini(&f->p);
    for (i = 0; i < f->nmem; i++)
        free(f->mem[i]);
    free(f);
    return 0;
}

static int group_setup(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7u + 3u);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* Zeroed, page-aligned memory of npages frames, freed at teardown. */
static void *alloc_pages(struct fx *f, uint32_t npages)
{
    size_t size = (size_t)npages * HMX_FRAME_SIZE;
    void *m = aligned_alloc(HMX_FRAME_SIZE, size);

    assert_non_null(m);
    memset(m, 0, size);
    assert_true(f->nmem < MAX_MEM);
    f->mem[f->nmem++] = m;
    return m;
}

static struct hmx_ring_hdr *hdr_of(void *mem)
{
    return (struct hmx_ring_hdr *)mem;
}

static hmx_gfn_t *frames_of(const void *mem, uint32_t npages)
{
    hmx_gfn_t *g = malloc(sizeof(*g) * (npages ? npages : 1u));
    uint32_t i;

    assert_non_null(g);
    for (i = 0; i < npages; i++)
        g[i] = (hmx_gfn_t)((uintptr_t)mem >> HMX_FRAME_SHIFT) + i;
    return g;
}

/* Register (owner, port, partner) over mem with the right frames. */
static int reg_at(struct fx *f, hmx_domid_t owner, hmx_port_t port, hmx_domid_t partner,
                  uint32_t len, uint32_t flags, void *mem)
{
    struct hmx_ring_reg reg = {.port = port, .partner = partner, .pad = 0, .len = len};
    uint32_t npages = HMX_RING_NPAGES(len);
    hmx_gfn_t *g = frames_of(mem, npages);
    int rc = hmx_provider_register_ring(&f->p, owner, &reg, g, npages, flags);

    free(g);
    return rc;
}

/* Register a ring in fresh memory; *memp receives the memory. */
static int reg_new(struct fx *f, hmx_domid_t owner, hmx_port_t port, hmx_domid_t partner,
                   uint32_t len, void **memp)
{
    void *mem = alloc_pages(f, HMX_RING_NPAGES(len));

    if (memp != NULL)
        *memp = mem;
    return reg_at(f, owner, port, partner, len, 0, mem);
}

static void *must_reg(struct fx *f, hmx_domid_t owner, hmx_port_t port, hmx_domid_t partner,
                      uint32_t len)
{
    void *mem = NULL;

    assert_rc(reg_new(f, owner, port, partner, len, &mem), 0);
    return mem;
}

static int send_from(struct fx *f, hmx_domid_t caller, hmx_port_t sport, hmx_domid_t dom,
                     hmx_port_t dport, const void *buf, uint32_t len)
{
    struct hmx_send_addr a = {.src = {sport, ANY, 0}, .dst = {dport, dom, 0}};
    struct hmx_giov g = {.gaddr = (uint64_t)(uintptr_t)buf, .len = len, .pad = 0};

    return hmx_provider_sendv(&f->p, caller, &a, &g, 1, TYPE);
}

static int send_len(struct fx *f, hmx_domid_t caller, hmx_domid_t dom, hmx_port_t dport,
                    uint32_t len)
{
    return send_from(f, caller, 77, dom, dport, pattern, len);
}

/* Read the next message as the ring's owner (adopting the shared rx_ptr). */
static int read_msg(void *mem, uint32_t len, void *buf, size_t cap, struct hmx_msg_info *info)
{
    struct hmx_ring_reader r;

    assert_rc(hmx_ring_reader_init(&r, mem, len, 0), 0);
    return hmx_ring_recv(&r, buf, cap, info);
}

static int skip_msg(void *mem, uint32_t len)
{
    struct hmx_ring_reader r;

    assert_rc(hmx_ring_reader_init(&r, mem, len, 0), 0);
    return hmx_ring_skip(&r);
}

static struct hmx_ring_stats stats_of(struct fx *f, hmx_domid_t owner, hmx_port_t port,
                                      hmx_domid_t partner)
{
    struct hmx_ring_stats s;

    memset(&s, 0, sizeof(s));
    assert_rc(hmx_provider_ring_stats(&f->p, owner, port, partner, &s), 0);
    return s;
}

static int ring_exists(struct fx *f, hmx_domid_t owner, hmx_port_t port, hmx_domid_t partner)
{
    struct hmx_ring_stats s;

    return hmx_provider_ring_stats(&f->p, owner, port, partner, &s) == 0;
}

static struct hmx_ring_query query(struct fx *f, hmx_domid_t caller, hmx_domid_t dom,
                                   hmx_port_t port, uint32_t space)
{
    struct hmx_ring_query q;

    memset(&q, 0, sizeof(q));
    q.ring.port = port;
    q.ring.domain = dom;
    q.space_required = space;
    assert_rc(hmx_provider_notify(&f->p, caller, &q, 1), 0);
    return q;
}

/* ---- init and domains ------------------------------------------------------ */

static void test_init_rejects_invalid_arguments(void **state)
{
    struct hmx_provider p;
    struct hmx_provider_hooks h, bad;
    struct hmx_prov_domain doms[2];
    struct hmx_prov_ring rings[2];

    (void)state;
    hmx_inproc_hooks(&h, NULL);
    assert_non_null(h.map_ring);
    assert_non_null(h.copy_from_guest);
    assert_null(h.policy);
    assert_null(h.audit);
    assert_null(h.signal);

    assert_rc(hmx_provider_init(NULL, &h, doms, 2, rings, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, NULL, doms, 2, rings, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &h, NULL, 2, rings, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &h, doms, 0, rings, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &h, doms, 2, NULL, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 0, 0), HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 2, 0x4u), HMX_EINVAL); /* first unassigned flag */
    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 2, 0x80000000u), HMX_EINVAL);
    bad = h;
    bad.map_ring = NULL;
    assert_rc(hmx_provider_init(&p, &bad, doms, 2, rings, 2, 0), HMX_EINVAL);
    bad = h;
    bad.copy_from_guest = NULL;
    assert_rc(hmx_provider_init(&p, &bad, doms, 2, rings, 2, 0), HMX_EINVAL);

    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 2, 0), 0);
    hmx_provider_fini(&p);
    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 2, HMX_PROVIDER_ALLOW_WILDCARD), 0);
    hmx_provider_fini(&p);
}

/* Optional hooks may all be NULL: policy allows everything, nobody is told. */
static void test_init_with_only_required_hooks_works(void **state)
{
    struct fx *f = *state;
    struct hmx_provider p;
    struct hmx_provider_hooks h;
    struct hmx_prov_domain doms[2];
    struct hmx_prov_ring rings[1];
    void *mem = alloc_pages(f, 1);
    struct hmx_ring_reg reg = {.port = 5, .partner = D2, .pad = 0, .len = LEN1};
    hmx_gfn_t gfn = (hmx_gfn_t)((uintptr_t)mem >> HMX_FRAME_SHIFT);
    struct hmx_send_addr a = {.src = {9, ANY, 0}, .dst = {5, D1, 0}};
    struct hmx_giov g = {.gaddr = (uint64_t)(uintptr_t)"hello", .len = 5, .pad = 0};
    char buf[16];

    hmx_inproc_hooks(&h, NULL);
    assert_rc(hmx_provider_init(&p, &h, doms, 2, rings, 1, 0), 0);
    assert_rc(hmx_provider_domain_add(&p, D1, 0), 0);
    assert_rc(hmx_provider_domain_add(&p, D2, 0), 0);
    assert_rc(hmx_provider_register_ring(&p, D1, &reg, &gfn, 1, 0), 0);
    assert_rc(hmx_provider_sendv(&p, D2, &a, &g, 1, TYPE), 5);
    assert_int_equal(hmx_provider_domain_signals(&p, D1), 1);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 5);
    assert_memory_equal(buf, "hello", 5);
    hmx_provider_fini(&p);
}

static void test_domain_add_validates_id_and_flags(void **state)
{
    struct fx *f = *state;

    assert_rc(hmx_provider_domain_add(&f->p, 0x7FF0u, 0), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, ANY, 0), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, 0x7FFFu, 0), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, 0xFFFFu, 0), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, 10, 0x2u), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, 10, 0x80000000u), HMX_EINVAL);
    assert_rc(hmx_provider_domain_add(&f->p, D1, 0), HMX_EEXIST);
    assert_rc(hmx_provider_domain_add(&f->p, 0, HMX_DOMAIN_PRIVILEGED), 0);
    assert_rc(hmx_provider_domain_add(&f->p, 0x7FEFu, 0), 0);
    assert_rc(hmx_provider_domain_add(&f->p, 0x7FEFu, 0), HMX_EEXIST);
    /* the new domains are usable */
    must_reg(f, 0x7FEFu, 1, 0, LEN1);
    assert_rc(send_len(f, 0, 0x7FEFu, 1, 10), 10);
}

static void test_domain_add_without_free_slot_is_enomem(void **state)
{
    struct fx *f = *state;

    fx_restart(f, 0, 4, NRING); /* domains 1, 2, 3 take three of four slots */
    assert_rc(hmx_provider_domain_add(&f->p, 4, 0), 0);
    assert_rc(hmx_provider_domain_add(&f->p, 5, 0), HMX_ENOMEM);
    assert_rc(hmx_provider_domain_remove(&f->p, 4), 0);
    assert_rc(hmx_provider_domain_add(&f->p, 5, 0), 0);
    assert_rc(hmx_provider_domain_add(&f->p, 4, 0), HMX_ENOMEM);
}

static void test_domain_remove_unknown_is_esrch(void **state)
{
    struct fx *f = *state;

    assert_rc(hmx_provider_domain_remove(&f->p, 99), HMX_ESRCH);
    assert_rc(hmx_provider_domain_remove(&f->p, D3), 0);
    assert_rc(hmx_provider_domain_remove(&f->p, D3), HMX_ESRCH);
    /* D3 is gone: it may not call, and nobody may name it */
    assert_rc(hmx_provider_notify(&f->p, D3, NULL, 0), HMX_ENODEV);
    assert_rc(reg_new(f, D1, 1, D3, LEN1, NULL), HMX_ESRCH);
    assert_rc(send_len(f, D1, D3, 1, 4), HMX_ESRCH);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D3), 0);
    /* and it can come back */
    assert_rc(hmx_provider_domain_add(&f->p, D3, 0), 0);
    assert_rc(reg_new(f, D1, 1, D3, LEN1, NULL), 0);
}

static void test_unknown_caller_is_enodev(void **state)
{
    struct fx *f = *state;
    const hmx_domid_t stranger = 77;
    struct hmx_ring_unreg unreg = {.port = 1, .partner = D1, .pad = 0};
    struct hmx_ring_query q;

    must_reg(f, D1, 1, ANY, LEN1);
    assert_rc(reg_new(f, stranger, 1, D1, LEN1, NULL), HMX_ENODEV);
    assert_rc(hmx_provider_unregister_ring(&f->p, stranger, &unreg), HMX_ENODEV);
    assert_rc(send_len(f, stranger, D1, 1, 4), HMX_ENODEV);
    assert_rc(hmx_provider_notify(&f->p, stranger, NULL, 0), HMX_ENODEV);
    memset(&q, 0, sizeof(q));
    q.ring.port = 1;
    q.ring.domain = D1;
    assert_rc(hmx_provider_notify(&f->p, stranger, &q, 1), HMX_ENODEV);
    assert_int_equal(stats_of(f, D1, 1, ANY).messages, 0);
}

/* ---- register -------------------------------------------------------------- */

static void test_register_rejects_unknown_flags(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 1);

    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0x2u, mem), HMX_EINVAL);
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0x80000000u, mem), HMX_EINVAL);
    assert_rc(reg_at(f, D1, 1, D2, LEN1, HMX_REGISTER_FAIL_EXIST | 0x4u, mem), HMX_EINVAL);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_int_equal(f->nmap, 0);
    assert_rc(reg_at(f, D1, 1, D2, LEN1, HMX_REGISTER_FAIL_EXIST, mem), 0);
}

static void test_register_rejects_invalid_lengths(void **state)
{
    struct fx *f = *state;
    static const uint32_t bad[] = {0,    16,   32,   47,   40,    56,
                                   4040, 4024 + 1, HMX_RING_MAX_LEN + 16u, 0xFFFFFFF0u};
    void *mem = alloc_pages(f, 2);
    hmx_gfn_t *g = frames_of(mem, 4100); /* as many numbers as any npages below */
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hmx_ring_reg reg = {.port = 1, .partner = D2, .pad = 0, .len = bad[i]};
        uint32_t npages = HMX_RING_NPAGES(bad[i]);

        /* npages agrees with len, so len is the only fault */
        assert_rc(hmx_provider_register_ring(&f->p, D1, &reg, g, npages, 0), HMX_EINVAL);
    }
    free(g);
    assert_int_equal(f->nmap, 0);
    assert_false(ring_exists(f, D1, 1, D2));
}

static void test_register_accepts_min_and_max_lengths(void **state)
{
    struct fx *f = *state;
    void *big = alloc_pages(f, HMX_RING_NPAGES(HMX_RING_MAX_LEN));
    struct hmx_ring_query q;

    assert_int_equal(HMX_RING_NPAGES(HMX_RING_MAX_LEN), 4097);
    assert_rc(reg_at(f, D1, 1, D2, HMX_RING_MAX_LEN, 0, big), 0);
    must_reg(f, D1, 2, D2, HMX_RING_MIN_LEN);

    q = query(f, D2, D1, 1, 0);
    assert_int_equal(q.max_message_size, HMX_MSG_MAX);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    q = query(f, D2, D1, 2, 0);
    assert_int_equal(q.max_message_size, 16);
    assert_int_equal(stats_of(f, D1, 1, D2).len, HMX_RING_MAX_LEN);
    assert_int_equal(stats_of(f, D1, 2, D2).len, HMX_RING_MIN_LEN);

    /* the smallest ring carries one 16-byte message and no more */
    assert_rc(send_len(f, D2, D1, 2, 17), HMX_EMSGSIZE);
    assert_rc(send_len(f, D2, D1, 2, 16), 16);
    assert_rc(send_len(f, D2, D1, 2, 1), HMX_EAGAIN);
}

static void test_register_rejects_npages_mismatch(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 4);
    hmx_gfn_t *g = frames_of(mem, 4);
    struct hmx_ring_reg one = {.port = 1, .partner = D2, .pad = 0, .len = LEN1};
    struct hmx_ring_reg two = {.port = 2, .partner = D2, .pad = 0, .len = 8128};

    assert_int_equal(HMX_RING_NPAGES(LEN1), 1);
    assert_int_equal(HMX_RING_NPAGES(8128), 2);
    assert_int_equal(HMX_RING_NPAGES(8144), 3);
    assert_rc(hmx_provider_register_ring(&f->p, D1, &one, g, 0, 0), HMX_EINVAL);
    assert_rc(hmx_provider_register_ring(&f->p, D1, &one, g, 2, 0), HMX_EINVAL);
    assert_rc(hmx_provider_register_ring(&f->p, D1, &two, g, 1, 0), HMX_EINVAL);
    assert_rc(hmx_provider_register_ring(&f->p, D1, &two, g, 3, 0), HMX_EINVAL);
    assert_int_equal(f->nmap, 0);
    assert_rc(hmx_provider_register_ring(&f->p, D1, &two, g, 2, 0), 0);
    free(g);
}

static void test_register_rejects_nonzero_pad(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 1);
    hmx_gfn_t *g = frames_of(mem, 1);
    struct hmx_ring_reg reg = {.port = 1, .partner = D2, .pad = 1, .len = LEN1};

    assert_rc(hmx_provider_register_ring(&f->p, D1, &reg, g, 1, 0), HMX_EINVAL);
    reg.pad = 0x8000;
    assert_rc(hmx_provider_register_ring(&f->p, D1, &reg, g, 1, 0), HMX_EINVAL);
    assert_false(ring_exists(f, D1, 1, D2));
    free(g);
}

static void test_register_wildcard_needs_provider_flag(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q;

    fx_restart(f, 0, NDOM, NRING);
    assert_rc(reg_new(f, D1, 1, ANY, LEN1, NULL), HMX_EPERM);
    assert_false(ring_exists(f, D1, 1, ANY));
    assert_int_equal(f->nmap, 0);
    /* a specific partner is fine without the flag */
    assert_rc(reg_new(f, D1, 1, D2, LEN1, NULL), 0);

    fx_restart(f, HMX_PROVIDER_ALLOW_WILDCARD, NDOM, NRING);
    assert_rc(reg_new(f, D1, 1, ANY, LEN1, NULL), 0);
    q = query(f, D3, D1, 1, 0);
    assert_int_equal(q.flags & (HMX_RING_EXISTS | HMX_RING_SHARED),
                     HMX_RING_EXISTS | HMX_RING_SHARED);
}

static void test_register_unknown_partner_is_esrch(void **state)
{
    struct fx *f = *state;

    assert_rc(reg_new(f, D1, 1, 99, LEN1, NULL), HMX_ESRCH);
    assert_rc(reg_new(f, D1, 1, 0x7FF0u, LEN1, NULL), HMX_ESRCH);
    assert_false(ring_exists(f, D1, 1, 99));
    assert_int_equal(f->nmap, 0);
}

static void test_register_existing_ring(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    void *mem2 = alloc_pages(f, 2);

    /* FAIL_EXIST: the ring must not exist yet */
    assert_rc(reg_at(f, D1, 1, D2, LEN1, HMX_REGISTER_FAIL_EXIST, mem), HMX_EEXIST);
    /* a different length is refused with or without the flag */
    assert_rc(reg_at(f, D1, 1, D2, 8128, 0, mem2), HMX_EEXIST);
    assert_rc(reg_at(f, D1, 1, D2, 2000, HMX_REGISTER_FAIL_EXIST, mem), HMX_EEXIST);
    assert_int_equal(stats_of(f, D1, 1, D2).len, LEN1);
    /* same length, no flag: re-registration */
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, mem), 0);
    assert_int_equal(stats_of(f, D1, 1, D2).len, LEN1);
    /* other (port, partner) keys are other rings */
    assert_rc(reg_at(f, D1, 2, D2, LEN1, HMX_REGISTER_FAIL_EXIST, alloc_pages(f, 1)), 0);
    assert_rc(reg_at(f, D1, 1, D3, LEN1, HMX_REGISTER_FAIL_EXIST, alloc_pages(f, 1)), 0);
    assert_rc(reg_at(f, D2, 1, D1, LEN1, HMX_REGISTER_FAIL_EXIST, alloc_pages(f, 1)), 0);
}

static void test_reregister_keeps_valid_tx_ptr(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    void *mem2 = alloc_pages(f, 1);
    uint8_t buf[64];
    struct hmx_msg_info info;

    assert_rc(send_len(f, D2, D1, 1, 10), 10);
    assert_int_equal(hdr_of(mem)->tx_ptr, 32);

    /* same memory again: the writer carries on where it was */
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, mem), 0);
    assert_int_equal(f->nunmap, 1); /* the old mapping was dropped */
    assert_int_equal(hdr_of(mem)->tx_ptr, 32);
    assert_rc(send_len(f, D2, D1, 1, 20), 20);
    assert_int_equal(hdr_of(mem)->tx_ptr, 32 + 48);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), &info), 10);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), &info), 20);
    assert_memory_equal(buf, pattern, 20);

    /* fresh memory (tx_ptr 0, valid): later messages land there at 0 */
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, mem2), 0);
    assert_int_equal(f->nunmap, 2);
    assert_rc(send_len(f, D2, D1, 1, 5), 5);
    assert_int_equal(hdr_of(mem2)->tx_ptr, 32);
    assert_int_equal(hdr_of(mem)->tx_ptr, 80);
    assert_rc(read_msg(mem2, LEN1, buf, sizeof(buf), &info), 5);
    assert_int_equal(info.source.domain, D2);
}

static void test_register_resets_invalid_tx_ptr_to_rx(void **state)
{
    struct fx *f = *state;
    void *a = alloc_pages(f, 1);
    void *b = alloc_pages(f, 1);
    void *c = alloc_pages(f, 1);

    /* tx_ptr out of range: restart at rx_ptr rounded up to a slot */
    hdr_of(a)->tx_ptr = 0x12345u;
    hdr_of(a)->rx_ptr = 0x21u;
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, a), 0);
    assert_int_equal(hdr_of(a)->tx_ptr, 0x30);
    assert_int_equal(hdr_of(a)->rx_ptr, 0x21);

    /* tx_ptr misaligned, rx_ptr rounds up to the end: wrap to 0 */
    hdr_of(b)->tx_ptr = 8;
    hdr_of(b)->rx_ptr = LEN1 - 2u;
    assert_rc(reg_at(f, D1, 2, D2, LEN1, 0, b), 0);
    assert_int_equal(hdr_of(b)->tx_ptr, 0);

    /* a valid tx_ptr is adopted as it is */
    hdr_of(c)->tx_ptr = 0x40;
    hdr_of(c)->rx_ptr = 0x40;
    assert_rc(reg_at(f, D1, 3, D2, LEN1, 0, c), 0);
    assert_int_equal(hdr_of(c)->tx_ptr, 0x40);
    assert_rc(send_len(f, D2, D1, 3, 1), 1);
    assert_int_equal(hdr_of(c)->tx_ptr, 0x40 + 32);
}

static void test_register_ring_limit_is_enospc(void **state)
{
    struct fx *f = *state;
    uint32_t i;
    struct hmx_ring_unreg unreg = {.port = 1000, .partner = D2, .pad = 0};

    for (i = 0; i < HMX_RINGS_PER_DOMAIN_MAX; i++)
        assert_rc(reg_new(f, D1, 1000 + i, D2, HMX_RING_MIN_LEN, NULL), 0);
    assert_rc(reg_new(f, D1, 2000, D2, HMX_RING_MIN_LEN, NULL), HMX_ENOSPC);
    assert_rc(reg_new(f, D1, 2000, ANY, HMX_RING_MIN_LEN, NULL), HMX_ENOSPC);
    assert_false(ring_exists(f, D1, 2000, D2));
    /* the limit is per domain: slots remain for others */
    assert_rc(reg_new(f, D2, 2000, D1, HMX_RING_MIN_LEN, NULL), 0);
    /* and a freed ring makes room again */
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), 0);
    assert_rc(reg_new(f, D1, 2000, D2, HMX_RING_MIN_LEN, NULL), 0);
    assert_rc(reg_new(f, D1, 2001, D2, HMX_RING_MIN_LEN, NULL), HMX_ENOSPC);
}

static void test_register_without_free_slot_is_enomem(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_unreg unreg = {.port = 1, .partner = D2, .pad = 0};

    fx_restart(f, HMX_PROVIDER_ALLOW_WILDCARD, NDOM, 2);
    must_reg(f, D1, 1, D2, LEN1);
    must_reg(f, D2, 1, D1, LEN1);
    assert_rc(reg_new(f, D3, 1, D1, LEN1, NULL), HMX_ENOMEM);
    assert_rc(reg_new(f, D1, 2, ANY, LEN1, NULL), HMX_ENOMEM);
    assert_false(ring_exists(f, D3, 1, D1));
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), 0);
    assert_rc(reg_new(f, D3, 1, D1, LEN1, NULL), 0);
}

static void test_register_map_failure_registers_nothing(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 1);

    fx_restart(f, HMX_PROVIDER_ALLOW_WILDCARD, NDOM, 1); /* one slot: a leak would show */
    f->map_fail = HMX_EFAULT;
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, mem), HMX_EFAULT);
    f->map_fail = HMX_EINVAL;
    assert_rc(reg_at(f, D1, 1, D2, LEN1, 0, mem), HMX_EINVAL);
    assert_int_equal(f->nmap, 2);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_rc(send_len(f, D2, D1, 1, 4), HMX_ECONNREFUSED);
    assert_int_equal(query(f, D2, D1, 1, 0).flags, 0);
    assert_int_equal(f->nunmap, 0);

    f->map_fail = 0;
    assert_rc(reg_at(f, D1, 1, D2, LEN1, HMX_REGISTER_FAIL_EXIST, mem), 0);
    assert_rc(send_len(f, D2, D1, 1, 4), 4);
}

static void test_register_noncontiguous_frames_fail_inproc_map(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 3);
    hmx_gfn_t g[2];
    struct hmx_ring_reg reg = {.port = 1, .partner = D2, .pad = 0, .len = 8128};

    g[0] = (hmx_gfn_t)((uintptr_t)mem >> HMX_FRAME_SHIFT);
    g[1] = g[0] + 2; /* a hole: the in-process map needs contiguous frames */
    assert_rc(hmx_provider_register_ring(&f->p, D1, &reg, g, 2, 0), HMX_EFAULT);
    assert_false(ring_exists(f, D1, 1, D2));
    g[1] = g[0] + 1;
    assert_rc(hmx_provider_register_ring(&f->p, D1, &reg, g, 2, 0), 0);
}

/* ---- unregister ------------------------------------------------------------- */

static void test_unregister_errors_and_success(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_unreg unreg = {.port = 1, .partner = D2, .pad = 1};

    must_reg(f, D1, 1, D2, LEN1);
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), HMX_EINVAL);
    unreg.pad = 0;
    unreg.port = 2;
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), HMX_ENOENT);
    unreg.port = 1;
    unreg.partner = D3;
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), HMX_ENOENT);
    unreg.partner = ANY;
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), HMX_ENOENT);
    /* only the owner can unregister */
    unreg.partner = D2;
    assert_rc(hmx_provider_unregister_ring(&f->p, D2, &unreg), HMX_ENOENT);
    assert_true(ring_exists(f, D1, 1, D2));
    assert_int_equal(f->nunmap, 0);

    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), 0);
    assert_int_equal(f->nunmap, 1);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), HMX_ENOENT);
    assert_rc(send_len(f, D2, D1, 1, 4), HMX_ECONNREFUSED);
    assert_int_equal(query(f, D2, D1, 1, 0).flags, 0);
}

/* ---- sendv ------------------------------------------------------------------ */

static void test_sendv_delivers_message_and_signals_owner(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 10, D2, LEN1);
    char buf[32];
    struct hmx_msg_info info;
    struct hmx_ring_stats s;

    assert_rc(send_from(f, D2, 4242, D1, 10, "hello world", 11), 11);
    assert_int_equal(f->nsig, 1);
    assert_int_equal(f->sig[0].dom, D1);
    assert_int_equal(f->sig[0].why, HMX_SIGNAL_RX);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D1), 1);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D2), 0);

    /* Xen's layout: 16-byte header {len incl. header, source, type}, padded */
    assert_int_equal(hdr_of(mem)->tx_ptr, 32);
    memset(&info, 0, sizeof(info));
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), &info), 11);
    assert_memory_equal(buf, "hello world", 11);
    assert_int_equal(info.len, 11);
    assert_int_equal(info.source.port, 4242);
    assert_int_equal(info.source.domain, D2);
    assert_int_equal(info.source.pad, 0);
    assert_int_equal(info.message_type, TYPE);

    s = stats_of(f, D1, 10, D2);
    assert_int_equal(s.messages, 1);
    assert_int_equal(s.bytes, 11);
}

static void test_sendv_source_domain_rules(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);
    struct hmx_send_addr a = {.src = {5, D2, 0}, .dst = {1, D1, 0}};
    struct hmx_giov g = {.gaddr = (uint64_t)(uintptr_t)pattern, .len = 8, .pad = 0};
    struct hmx_msg_info info;

    /* explicit own domain */
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, TYPE), 8);
    /* HMX_DOMID_ANY: "myself" */
    a.src.domain = ANY;
    assert_rc(hmx_provider_sendv(&f->p, D3, &a, &g, 1, TYPE), 8);
    /* on behalf of another: never */
    a.src.domain = D3;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, TYPE), HMX_EPERM);
    a.src.domain = D1;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, TYPE), HMX_EPERM);

    assert_rc(skip_msg(mem, LEN1), 8);
    assert_rc(read_msg(mem, LEN1, NULL, 0, &info), HMX_ENOBUFS);
    assert_int_equal(info.source.domain, D3);
    assert_int_equal(info.source.port, 5);
    assert_rc(skip_msg(mem, LEN1), 8);
    assert_rc(skip_msg(mem, LEN1), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, ANY).messages, 2);
}

static void test_sendv_rejects_nonzero_address_pads(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_send_addr a = {.src = {5, ANY, 1}, .dst = {1, D1, 0}};
    struct hmx_giov g = {.gaddr = (uint64_t)(uintptr_t)pattern, .len = 8, .pad = 0};

    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, TYPE), HMX_EINVAL);
    a.src.pad = 0;
    a.dst.pad = 0x100;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, TYPE), HMX_EINVAL);
    assert_rc(hmx_provider_sendv(&f->p, D2, NULL, &g, 1, TYPE), HMX_EINVAL);
    assert_int_equal(hdr_of(mem)->tx_ptr, 0);
    assert_int_equal(f->nsig, 0);
}

static void test_sendv_unknown_destination_domain_is_esrch(void **state)
{
    struct fx *f = *state;

    assert_rc(send_len(f, D2, 99, 1, 4), HMX_ESRCH);
    assert_rc(send_len(f, D2, ANY, 1, 4), HMX_ESRCH);
    assert_int_equal(f->npol, 0); /* Xen: no policy question for a missing domain */
}

static void test_sendv_without_matching_ring_is_econnrefused(void **state)
{
    struct fx *f = *state;

    must_reg(f, D1, 10, D3, LEN1);
    /* ring for D3 only: D2 is refused, D3 is not */
    assert_rc(send_len(f, D2, D1, 10, 4), HMX_ECONNREFUSED);
    assert_rc(send_len(f, D3, D1, 10, 4), 4);
    /* wrong port, wrong owner */
    assert_rc(send_len(f, D3, D1, 11, 4), HMX_ECONNREFUSED);
    assert_rc(send_len(f, D3, D2, 10, 4), HMX_ECONNREFUSED);
    /* the owner itself is not the partner either */
    assert_rc(send_len(f, D1, D1, 10, 4), HMX_ECONNREFUSED);
    assert_int_equal(stats_of(f, D1, 10, D3).messages, 1);
}

static void test_sendv_rejects_bad_iovs(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_send_addr a = {.src = {5, ANY, 0}, .dst = {1, D1, 0}};
    struct hmx_giov g[HMX_MAXIOV + 1];
    unsigned i;

    for (i = 0; i < HMX_MAXIOV + 1; i++) {
        g[i].gaddr = (uint64_t)(uintptr_t)pattern;
        g[i].len = 1;
        g[i].pad = 0;
    }
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, HMX_MAXIOV + 1, TYPE), HMX_EINVAL);
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, NULL, 1, TYPE), HMX_EINVAL);
    g[2].pad = 1;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 3, TYPE), HMX_EINVAL);
    g[2].pad = 0;
    g[1].len = HMX_MSG_MAX + 1u; /* one iov too long on its own */
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 3, TYPE), HMX_EINVAL);
    g[1].len = 0xFFFFFFFFu;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 3, TYPE), HMX_EINVAL);
    /* each fine, together too long */
    g[0].len = HMX_MSG_MAX / 2u + 16u;
    g[1].len = HMX_MSG_MAX / 2u + 16u;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 2, TYPE), HMX_EMSGSIZE);
    g[0].len = HMX_MSG_MAX;
    g[1].len = 1;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 2, TYPE), HMX_EMSGSIZE);

    /* nothing was read from the sender, nothing written, nobody woken */
    assert_int_equal(f->ncopy, 0);
    assert_int_equal(hdr_of(mem)->tx_ptr, 0);
    assert_int_equal(f->nsig, 0);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 0);
}

static void test_sendv_larger_than_ring_is_emsgsize(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_stats s;

    assert_rc(send_len(f, D2, D1, 1, MAX1 + 1u), HMX_EMSGSIZE);
    assert_rc(send_len(f, D2, D1, 1, 4016), HMX_EMSGSIZE);
    assert_int_equal(hdr_of(mem)->tx_ptr, 0);
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.eagain, 0);
    assert_int_equal(s.npending, 0); /* no wake-up for what can never fit */
    /* the largest message fills the empty ring up to the one free slot */
    assert_rc(send_len(f, D2, D1, 1, MAX1), (int)MAX1);
    assert_int_equal(hdr_of(mem)->tx_ptr, 16 + MAX1);
    assert_int_equal(stats_of(f, D1, 1, D2).space, 0);
}

static void test_sendv_gathers_iovs_in_order(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    static const char *parts[HMX_MAXIOV] = {"ab", "", "cde", "f", "", "ghij", "k", "lmnop"};
    struct hmx_send_addr a = {.src = {3, ANY, 0}, .dst = {1, D1, 0}};
    struct hmx_giov g[HMX_MAXIOV];
    char buf[64];
    unsigned i;

    for (i = 0; i < HMX_MAXIOV; i++) {
        g[i].gaddr = (uint64_t)(uintptr_t)parts[i];
        g[i].len = (uint32_t)strlen(parts[i]);
        g[i].pad = 0;
    }
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, HMX_MAXIOV, 7), 16);
    memset(buf, 0, sizeof(buf));
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 16);
    assert_string_equal(buf, "abcdefghijklmnop");
}

static void test_sendv_zero_length_message(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_send_addr a = {.src = {3, ANY, 0}, .dst = {1, D1, 0}};
    struct hmx_giov g = {.gaddr = (uint64_t)(uintptr_t)pattern, .len = 0, .pad = 0};
    struct hmx_msg_info info;

    assert_rc(hmx_provider_sendv(&f->p, D2, &a, &g, 1, 99), 0);
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, NULL, 0, 98), 0);
    assert_int_equal(hdr_of(mem)->tx_ptr, 32); /* a header slot each */
    assert_int_equal(nsignals(f, D1, HMX_SIGNAL_RX), 2);
    assert_rc(read_msg(mem, LEN1, NULL, 0, &info), 0);
    assert_int_equal(info.message_type, 99);
    assert_rc(read_msg(mem, LEN1, NULL, 0, &info), 0);
    assert_int_equal(info.message_type, 98);
    assert_int_equal(stats_of(f, D1, 1, D2).messages, 2);
}

static void test_sendv_wraps_across_ring_end(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    static uint8_t buf[2048];
    int i;

    for (i = 0; i < 3; i++)
        assert_rc(send_from(f, D2, 1, D1, 1, pattern + i, 1000), 1000);
    for (i = 0; i < 3; i++) {
        assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 1000);
        assert_memory_equal(buf, pattern + i, 1000);
    }
    /* tx is at 3072: this one's payload runs past the end and wraps */
    assert_int_equal(hdr_of(mem)->tx_ptr, 3072);
    assert_rc(send_from(f, D2, 1, D1, 1, pattern + 100, 1500), 1500);
    assert_int_equal(hdr_of(mem)->tx_ptr, (3072 + 16 + 1504) - LEN1);
    memset(buf, 0, sizeof(buf));
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 1500);
    assert_memory_equal(buf, pattern + 100, 1500);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, D2).space, MAX1);
}

static void test_specific_ring_preferred_over_wildcard(void **state)
{
    struct fx *f = *state;
    void *wild = must_reg(f, D1, 7, ANY, LEN1);
    void *mine = must_reg(f, D1, 7, D2, LEN1);
    struct hmx_msg_info info;

    assert_rc(send_len(f, D2, D1, 7, 10), 10);
    assert_rc(send_len(f, D3, D1, 7, 20), 20);
    assert_int_equal(stats_of(f, D1, 7, D2).messages, 1);
    assert_int_equal(stats_of(f, D1, 7, ANY).messages, 1);
    assert_rc(read_msg(mine, LEN1, NULL, 0, &info), HMX_ENOBUFS);
    assert_int_equal(info.source.domain, D2);
    assert_int_equal(info.len, 10);
    assert_rc(read_msg(wild, LEN1, NULL, 0, &info), HMX_ENOBUFS);
    assert_int_equal(info.source.domain, D3);
    assert_int_equal(info.len, 20);

    /* queries see the same ring the send would use */
    assert_int_equal(query(f, D2, D1, 7, 0).flags & HMX_RING_SHARED, 0);
    assert_int_equal(query(f, D3, D1, 7, 0).flags & HMX_RING_SHARED, HMX_RING_SHARED);

    /* without its own ring, D2 falls back to the wildcard ring */
    {
        struct hmx_ring_unreg unreg = {.port = 7, .partner = D2, .pad = 0};

        assert_rc(hmx_provider_unregister_ring(&f->p, D1, &unreg), 0);
    }
    assert_rc(send_len(f, D2, D1, 7, 30), 30);
    assert_int_equal(stats_of(f, D1, 7, ANY).messages, 2);
}

/* ---- space: EAGAIN, waiters, wake-ups ----------------------------------------- */

/* Three 1000-byte messages leave 960 free bytes (928 of payload) in LEN1. */
static void fill_three(struct fx *f, hmx_domid_t from, hmx_port_t port)
{
    int i;

    for (i = 0; i < 3; i++)
        assert_rc(send_len(f, from, D1, port, 1000), 1000);
}

static void test_ring_full_eagain_then_space_signal(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_stats s;
    unsigned tx;

    fill_three(f, D2, 1);
    assert_int_equal(stats_of(f, D1, 1, D2).space, 928);
    tx = hdr_of(mem)->tx_ptr;
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_int_equal(hdr_of(mem)->tx_ptr, tx);
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.eagain, 1);
    assert_int_equal(s.npending, 1);
    assert_int_equal(s.messages, 3);
    assert_int_equal(nsignals(f, D1, HMX_SIGNAL_RX), 3); /* not for the refused one */

    /* the owner notifies before reading: still no room, nobody woken */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);

    /* the reader consumes; the wake-up comes with the owner's next notify */
    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D2), 1);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 0);

    /* once only */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    /* someone else's notify does not wake anything on D1's rings */
    assert_rc(send_len(f, D2, D1, 1, 1000), 1000);
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_rc(hmx_provider_notify(&f->p, D3, NULL, 0), 0);
    assert_rc(hmx_provider_notify(&f->p, D2, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 2);
    assert_int_equal(stats_of(f, D1, 1, D2).eagain, 2);
}

static void test_notify_wakes_only_waiters_that_fit(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);

    fill_three(f, D2, 1);
    assert_rc(send_len(f, D3, D1, 1, 1000), HMX_EAGAIN);
    assert_rc(send_len(f, D2, D1, 1, 2000), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 2);

    assert_rc(skip_msg(mem, LEN1), 1000); /* 1952 bytes of payload now fit */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D3, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 1);

    assert_rc(skip_msg(mem, LEN1), 1000); /* 2976 */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(nsignals(f, D3, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 0);
}

/* Xen's pending_requeue keeps one entry per domain and the larger size. */
static void test_requeue_keeps_one_entry_with_larger_size(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);

    fill_three(f, D2, 1);
    assert_rc(send_len(f, D2, D1, 1, 2000), HMX_EAGAIN);
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);
    assert_int_equal(stats_of(f, D1, 1, D2).eagain, 2);

    assert_rc(skip_msg(mem, LEN1), 1000); /* 1952 fit: enough for 1000, not 2000 */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);

    assert_rc(skip_msg(mem, LEN1), 1000); /* 2976 */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
}

static void test_waiters_beyond_limit_get_ebusy(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);
    struct hmx_ring_query q;
    hmx_domid_t d;

    for (d = 4; d <= 35; d++)
        assert_rc(hmx_provider_domain_add(&f->p, d, 0), 0);
    assert_rc(send_len(f, D2, D1, 1, MAX1), (int)MAX1); /* no payload space left */

    /* 32 distinct waiters: domains 2..33 */
    for (d = 2; d <= 33; d++)
        assert_rc(send_len(f, d, D1, 1, 1), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, HMX_PENDING_PER_RING_MAX);
    /* a domain already waiting just updates its entry */
    assert_rc(send_len(f, D2, D1, 1, 1), HMX_EAGAIN);
    /* the 33rd is turned away */
    assert_rc(send_len(f, 34, D1, 1, 1), HMX_EBUSY);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, HMX_PENDING_PER_RING_MAX);
    /* and a query says so with a flag, not an error */
    q = query(f, 35, D1, 1, 1);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EBUSY);
    assert_int_equal(q.max_message_size, MAX1);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, HMX_PENDING_PER_RING_MAX);

    /* consuming wakes exactly the 32 waiters */
    assert_rc(skip_msg(mem, LEN1), (int)MAX1);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    for (d = 2; d <= 33; d++)
        assert_int_equal(nsignals(f, d, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(nsignals(f, 34, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(nsignals(f, 35, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 0);
    /* room for waiters again */
    assert_rc(send_len(f, 34, D1, 1, 1), 1);
}

/* ---- notify queries ------------------------------------------------------------ */

static void test_query_flags_sufficient_then_empty(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_query q;

    q = query(f, D2, D1, 1, 0);
    assert_int_equal(q.flags, 0xd); /* EXISTS | EMPTY | SUFFICIENT */
    assert_int_equal(q.max_message_size, MAX1);

    assert_rc(send_len(f, D2, D1, 1, 5), 5);
    q = query(f, D2, D1, 1, 0);
    assert_int_equal(q.flags, 0x9); /* EXISTS | SUFFICIENT: a message is unread */
    assert_int_equal(q.max_message_size, 4000);
    assert_int_equal(q.ring.port, 1);
    assert_int_equal(q.ring.domain, D1);
    assert_int_equal(q.space_required, 0);

    assert_rc(skip_msg(mem, LEN1), 5);
    q = query(f, D2, D1, 1, 0);
    assert_int_equal(q.flags, 0xd);
    assert_int_equal(q.max_message_size, 4000);

    /* space_required is payload: up to 4000 fits an empty ring */
    q = query(f, D2, D1, 1, MAX1);
    assert_int_equal(q.flags, 0xd);
}

static void test_query_without_ring_has_no_flags(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q[4];

    must_reg(f, D1, 1, D3, LEN1);
    memset(q, 0, sizeof(q));
    q[0].ring.domain = 99; /* unknown domain */
    q[0].ring.port = 1;
    q[1].ring.domain = D1; /* no ring at this port */
    q[1].ring.port = 2;
    q[2].ring.domain = D1; /* a ring, but not for D2 */
    q[2].ring.port = 1;
    q[3].ring.domain = D2; /* D2's own domain, no ring */
    q[3].ring.port = 1;
    q[0].flags = q[1].flags = q[2].flags = q[3].flags = 0xFFFF;
    assert_rc(hmx_provider_notify(&f->p, D2, q, 4), 0);
    assert_int_equal(q[0].flags, 0);
    assert_int_equal(q[1].flags, 0);
    assert_int_equal(q[2].flags, 0);
    assert_int_equal(q[3].flags, 0);
    assert_int_equal(stats_of(f, D1, 1, D3).npending, 0);
}

static void test_query_wildcard_ring_is_shared(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q;

    must_reg(f, D1, 1, ANY, LEN1);
    q = query(f, D3, D1, 1, 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMPTY |
                                  HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, MAX1);
    q = query(f, D2, D1, 1, 10);
    assert_int_equal(q.flags, 0xf);
}

static void test_query_too_large_sets_emsgsize_without_waiting(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q;

    must_reg(f, D1, 1, D2, LEN1);
    q = query(f, D2, D1, 1, MAX1 + 1u);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE);
    assert_int_equal(q.max_message_size, MAX1);
    q = query(f, D2, D1, 1, 0xFFFFFFFFu);
    assert_int_equal(q.flags, 0x15);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 0);

    assert_rc(send_len(f, D2, D1, 1, 10), 10);
    q = query(f, D2, D1, 1, MAX1 + 1u);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMSGSIZE);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 0);
}

static void test_query_insufficient_space_queues_wakeup(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);
    struct hmx_ring_query q;

    fill_three(f, D2, 1); /* 928 of payload free */
    q = query(f, D3, D1, 1, 928);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_SUFFICIENT);
    q = query(f, D3, D1, 1, 929);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SHARED);
    assert_int_equal(q.max_message_size, MAX1);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 1);
    /* asking again does not take a second place */
    q = query(f, D3, D1, 1, 1500);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 1);

    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D3, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 0);
}

static void test_query_sufficient_cancels_pending_wakeup(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_query q;

    fill_three(f, D2, 1);
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);
    assert_rc(skip_msg(mem, LEN1), 1000);

    /* D2 asks before the owner notifies: the space is there, wait cancelled */
    q = query(f, D2, D1, 1, 1000);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 0);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
}

static void test_notify_limits_and_wakes_first(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_query *q = calloc(HMX_NOTIFY_MAX + 1u, sizeof(*q));
    unsigned i;

    assert_non_null(q);
    for (i = 0; i <= HMX_NOTIFY_MAX; i++) {
        q[i].ring.domain = D2;
        q[i].ring.port = 1;
    }
    /* n == 0 with NULL, n > 0 with NULL */
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 1), HMX_EINVAL);

    /* Xen: waiters are woken first, then an over-long list is EACCES */
    fill_three(f, D2, 1);
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_rc(hmx_provider_notify(&f->p, D1, q, HMX_NOTIFY_MAX + 1u), HMX_EACCES);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);

    /* exactly the maximum is fine */
    q[HMX_NOTIFY_MAX - 1u].ring.domain = D1; /* D1 asks about its own ring */
    assert_rc(hmx_provider_notify(&f->p, D3, q, HMX_NOTIFY_MAX), 0);
    free(q);
}

/* ---- copy failure --------------------------------------------------------------- */

static void test_copy_failure_publishes_nothing(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_send_addr a = {.src = {3, ANY, 0}, .dst = {1, D1, 0}};
    struct hmx_giov g[3];
    uint8_t buf[512];
    struct hmx_ring_stats s;

    assert_rc(send_len(f, D2, D1, 1, 40), 40); /* something already in the ring */
    assert_int_equal(hdr_of(mem)->tx_ptr, 64);
    f->nsig = 0;
    f->ncopy = 0;

    g[0].gaddr = (uint64_t)(uintptr_t)(pattern + 1000);
    g[0].len = 100;
    g[1].gaddr = (uint64_t)(uintptr_t)(pattern + 2000);
    g[1].len = 100;
    g[2].gaddr = (uint64_t)(uintptr_t)(pattern + 3000);
    g[2].len = 100;
    g[0].pad = g[1].pad = g[2].pad = 0;
    f->copy_fail_at = 2; /* the second buffer faults */
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 3, TYPE), HMX_EFAULT);
    assert_int_equal(f->ncopy, 2);
    assert_int_equal(hdr_of(mem)->tx_ptr, 64);
    assert_int_equal(f->nsig, 0);
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.messages, 1);
    assert_int_equal(s.bytes, 40);
    assert_int_equal(s.npending, 0);

    /* the reader sees only the first message */
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 40);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), HMX_EAGAIN);

    /* the next good send takes the place the failed one did not */
    f->copy_fail_at = 0;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 3, TYPE), 300);
    assert_int_equal(hdr_of(mem)->tx_ptr, 64 + 16 + 304);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), 300);
    assert_memory_equal(buf, pattern + 1000, 100);
    assert_memory_equal(buf + 100, pattern + 2000, 100);
    assert_memory_equal(buf + 200, pattern + 3000, 100);

    /* a bad guest address from the in-process hook is EFAULT too */
    g[0].gaddr = 0;
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, g, 1, TYPE), HMX_EFAULT);
    assert_rc(read_msg(mem, LEN1, buf, sizeof(buf), NULL), HMX_EAGAIN);
}

/* ---- policy and audit ------------------------------------------------------------ */

static void test_policy_sees_register_send_and_query(void **state)
{
    struct fx *f = *state;
    const struct hmx_policy_query *p;

    must_reg(f, D1, 0x1234, D2, LEN1);
    assert_int_equal(f->npol, 1);
    p = &f->pol[0];
    assert_int_equal(p->op, HMX_POLICY_REGISTER);
    assert_int_equal(p->caller, D1);
    assert_int_equal(p->src.domain, D2);
    assert_int_equal(p->src.port, 0);
    assert_int_equal(p->dst.domain, D1);
    assert_int_equal(p->dst.port, 0x1234);

    must_reg(f, D3, 9, ANY, LEN1);
    assert_int_equal(f->npol, 2);
    p = &f->pol[1];
    assert_int_equal(p->op, HMX_POLICY_REGISTER);
    assert_int_equal(p->caller, D3);
    assert_int_equal(p->src.domain, ANY);
    assert_int_equal(p->dst.domain, D3);
    assert_int_equal(p->dst.port, 9);

    assert_rc(send_from(f, D2, 0x55, D1, 0x1234, pattern, 4), 4);
    assert_int_equal(f->npol, 3);
    p = &f->pol[2];
    assert_int_equal(p->op, HMX_POLICY_SEND);
    assert_int_equal(p->caller, D2);
    assert_int_equal(p->src.domain, D2); /* HMX_DOMID_ANY resolved to the caller */
    assert_int_equal(p->src.port, 0x55);
    assert_int_equal(p->dst.domain, D1);
    assert_int_equal(p->dst.port, 0x1234);
    assert_int_equal(p->dst.pad, 0);

    query(f, D2, D3, 9, 0);
    assert_int_equal(f->npol, 4);
    p = &f->pol[3];
    assert_int_equal(p->op, HMX_POLICY_QUERY);
    assert_int_equal(p->caller, D2);
    assert_int_equal(p->src.domain, D2);
    assert_int_equal(p->src.port, 0);
    assert_int_equal(p->dst.domain, D3);
    assert_int_equal(p->dst.port, 9);

    /* a policy that allows everything changes nothing */
    assert_int_equal(f->naudit, 0);
    assert_int_equal(f->p.denials, 0);
}

static void test_policy_denials_are_returned_and_audited(void **state)
{
    struct fx *f = *state;
    void *mem;
    struct hmx_ring_query q[3];

    /* register */
    f->deny_op = HMX_POLICY_REGISTER;
    f->deny_dst = ANY;
    f->deny_rc = HMX_EACCES;
    f->deny_reason = "no rings for you";
    assert_rc(reg_new(f, D1, 1, D2, LEN1, NULL), HMX_EACCES);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_int_equal(f->nmap, 0);
    assert_int_equal(f->naudit, 1);
    assert_int_equal(f->audit[0].verdict, HMX_EACCES);
    assert_string_equal(f->audit[0].reason, "no rings for you");
    assert_int_equal(f->audit[0].q.op, HMX_POLICY_REGISTER);
    assert_int_equal(f->audit[0].q.caller, D1);
    assert_int_equal(f->audit[0].q.src.domain, D2);

    /* send: the hook's own code comes back (EPERM here) */
    f->deny_op = 0;
    mem = must_reg(f, D1, 1, D2, LEN1);
    must_reg(f, D3, 1, D2, LEN1);
    f->deny_op = HMX_POLICY_SEND;
    f->deny_dst = D1;
    f->deny_rc = HMX_EPERM;
    f->deny_reason = "D1 is closed";
    assert_rc(send_len(f, D2, D1, 1, 4), HMX_EPERM);
    assert_rc(send_len(f, D2, D3, 1, 4), 4);
    assert_int_equal(hdr_of(mem)->tx_ptr, 0);
    assert_int_equal(nsignals(f, D1, HMX_SIGNAL_RX), 0);
    assert_int_equal(f->naudit, 2);
    assert_int_equal(f->audit[1].verdict, HMX_EPERM);
    assert_string_equal(f->audit[1].reason, "D1 is closed");
    assert_int_equal(f->audit[1].q.op, HMX_POLICY_SEND);
    assert_int_equal(f->audit[1].q.dst.domain, D1);

    /* query: the walk stops at the denied entry */
    f->deny_op = HMX_POLICY_QUERY;
    f->deny_rc = HMX_EACCES;
    f->deny_reason = "not telling";
    memset(q, 0, sizeof(q));
    q[0].ring.domain = D3;
    q[0].ring.port = 1;
    q[1].ring.domain = D1;
    q[1].ring.port = 1;
    q[2].ring.domain = D3;
    q[2].ring.port = 1;
    q[2].flags = 0xBEEF;
    assert_rc(hmx_provider_notify(&f->p, D2, q, 3), HMX_EACCES);
    assert_int_equal(q[0].flags, 0x9);
    assert_int_equal(q[2].flags, 0xBEEF);
    assert_int_equal(f->naudit, 3);
    assert_int_equal(f->audit[2].verdict, HMX_EACCES);
    assert_string_equal(f->audit[2].reason, "not telling");
    assert_int_equal(f->audit[2].q.op, HMX_POLICY_QUERY);
    assert_int_equal(f->audit[2].q.caller, D2);

    assert_int_equal(f->p.denials, 3);
}

/* Spec section 7.1 / 7.2: a positive answer still denies, with EACCES, and an
 * audit record always carries a reason. */
static void test_policy_positive_answer_and_missing_reason(void **state)
{
    struct fx *f = *state;

    must_reg(f, D1, 1, D2, LEN1);
    f->deny_op = HMX_POLICY_SEND;
    f->deny_dst = ANY;
    f->deny_rc = 13; /* forgot the sign */
    f->deny_reason = NULL;
    assert_rc(send_len(f, D2, D1, 1, 4), HMX_EACCES);
    assert_int_equal(f->naudit, 1);
    assert_int_equal(f->audit[0].verdict, HMX_EACCES);
    assert_non_null(f->audit[0].reason);
    assert_true(strlen(f->audit[0].reason) > 0);
    assert_int_equal(f->audit[0].q.src.domain, D2);
    assert_int_equal(f->audit[0].q.src.port, 77);
    assert_int_equal(f->audit[0].q.dst.port, 1);
    assert_int_equal(stats_of(f, D1, 1, D2).messages, 0);
    assert_int_equal(f->p.denials, 1);
}

/* Spec section 5.4 step 3 (and Xen's fill_ring_data): a denied entry is not
 * written back; only earlier entries carry answers. */
static void test_policy_denied_query_entry_is_left_unwritten(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q[2];

    must_reg(f, D1, 1, D2, LEN1);
    must_reg(f, D3, 1, D2, LEN1);
    f->deny_op = HMX_POLICY_QUERY;
    f->deny_dst = D1;
    f->deny_rc = HMX_EACCES;
    f->deny_reason = "hidden";
    memset(q, 0, sizeof(q));
    q[0].ring.domain = D3;
    q[0].ring.port = 1;
    q[1].ring.domain = D1;
    q[1].ring.port = 1;
    q[1].flags = 0x1234;
    q[1].max_message_size = 0x5678;
    assert_rc(hmx_provider_notify(&f->p, D2, q, 2), HMX_EACCES);
    assert_int_equal(q[0].flags, 0xd);
    assert_int_equal(q[1].max_message_size, 0x5678);
    assert_int_equal(q[1].flags, 0x1234);
}

/* Spec section 5.5 (Xen's notify_ring): waiters are woken only when the ring
 * has payload space, so a zero-length waiter on a full ring stays asleep. */
static void test_notify_does_not_wake_when_space_is_zero(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, HMX_RING_MIN_LEN);
    struct hmx_send_addr a = {.src = {3, ANY, 0}, .dst = {1, D1, 0}};

    assert_rc(send_len(f, D2, D1, 1, 16), 16); /* one free slot left */
    assert_int_equal(stats_of(f, D1, 1, D2).space, 0);
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, NULL, 0, 0), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(stats_of(f, D1, 1, D2).npending, 1);

    assert_rc(skip_msg(mem, HMX_RING_MIN_LEN), 16);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    assert_rc(hmx_provider_sendv(&f->p, D2, &a, NULL, 0, 0), 0);
}

/* ---- domain teardown ------------------------------------------------------------- */

static void test_domain_remove_unregisters_owned_and_partner_rings(void **state)
{
    struct fx *f = *state;

    must_reg(f, D1, 1, D2, LEN1);  /* D2 is partner: goes */
    must_reg(f, D1, 2, ANY, LEN1); /* wildcard: stays */
    must_reg(f, D1, 3, D3, LEN1);  /* unrelated: stays */
    must_reg(f, D2, 4, D1, LEN1);  /* D2 owns: goes */
    must_reg(f, D2, 5, ANY, LEN1); /* D2 owns: goes */
    must_reg(f, D3, 6, D2, LEN1);  /* D2 is partner: goes */
    must_reg(f, D3, 7, D1, LEN1);  /* unrelated: stays */

    assert_rc(hmx_provider_domain_remove(&f->p, D2), 0);
    assert_int_equal(f->nunmap, 4);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_false(ring_exists(f, D2, 4, D1));
    assert_false(ring_exists(f, D2, 5, ANY));
    assert_false(ring_exists(f, D3, 6, D2));
    assert_true(ring_exists(f, D1, 2, ANY));
    assert_true(ring_exists(f, D1, 3, D3));
    assert_true(ring_exists(f, D3, 7, D1));

    /* the survivors still work; D2 comes back with nothing */
    assert_rc(send_len(f, D3, D1, 2, 4), 4);
    assert_rc(send_len(f, D1, D3, 7, 4), 4);
    assert_rc(hmx_provider_domain_add(&f->p, D2, 0), 0);
    assert_rc(send_len(f, D2, D1, 1, 4), HMX_ECONNREFUSED);
    assert_rc(send_len(f, D2, D1, 2, 4), 4);
    assert_rc(reg_new(f, D1, 1, D2, LEN1, NULL), 0);
}

static void test_domain_remove_drops_its_waits(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);

    fill_three(f, D2, 1);
    assert_rc(send_len(f, D3, D1, 1, 1000), HMX_EAGAIN);
    assert_rc(send_len(f, D2, D1, 1, 1000), HMX_EAGAIN);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 2);

    assert_rc(hmx_provider_domain_remove(&f->p, D3), 0);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 1);
    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(nsignals(f, D3, HMX_SIGNAL_SPACE), 0);
    assert_int_equal(nsignals(f, D2, HMX_SIGNAL_SPACE), 1);
    assert_int_equal(stats_of(f, D1, 1, ANY).npending, 0);
}

/* ---- counters -------------------------------------------------------------------- */

static void test_ring_stats_counters(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, D2, LEN1);
    struct hmx_ring_stats s;

    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.messages, 0);
    assert_int_equal(s.bytes, 0);
    assert_int_equal(s.eagain, 0);
    assert_int_equal(s.len, LEN1);
    assert_int_equal(s.space, MAX1);
    assert_int_equal(s.npending, 0);

    assert_rc(send_len(f, D2, D1, 1, 10), 10); /* 32 bytes of ring */
    assert_rc(send_len(f, D2, D1, 1, 20), 20); /* 48 */
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.messages, 2);
    assert_int_equal(s.bytes, 30);
    assert_int_equal(s.space, LEN1 - 80u - 32u);

    assert_rc(send_len(f, D2, D1, 1, 3950), HMX_EAGAIN); /* 3968 bytes > 3952 free */
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.eagain, 1);
    assert_int_equal(s.npending, 1);
    assert_int_equal(s.messages, 2);

    assert_rc(skip_msg(mem, LEN1), 10);
    s = stats_of(f, D1, 1, D2);
    assert_int_equal(s.space, LEN1 - 48u - 32u);
    assert_rc(skip_msg(mem, LEN1), 20);
    assert_int_equal(stats_of(f, D1, 1, D2).space, MAX1);

    assert_rc(hmx_provider_ring_stats(&f->p, D1, 1, D3, &s), HMX_ENOENT);
    assert_rc(hmx_provider_ring_stats(&f->p, D1, 2, D2, &s), HMX_ENOENT);
    assert_rc(hmx_provider_ring_stats(&f->p, D2, 1, D2, &s), HMX_ENOENT);
    assert_rc(hmx_provider_ring_stats(&f->p, D1, 1, D2, NULL), HMX_EINVAL);
}

static void test_domain_signals_count_rx_and_space(void **state)
{
    struct fx *f = *state;
    void *mem = must_reg(f, D1, 1, ANY, LEN1);

    must_reg(f, D2, 1, D1, LEN1);
    fill_three(f, D3, 1);
    assert_rc(send_len(f, D1, D2, 1, 10), 10);
    assert_rc(send_len(f, D3, D1, 1, 1000), HMX_EAGAIN);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D1), 3);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D2), 1);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D3), 0);
    assert_rc(skip_msg(mem, LEN1), 1000);
    assert_rc(hmx_provider_notify(&f->p, D1, NULL, 0), 0);
    assert_int_equal(hmx_provider_domain_signals(&f->p, D3), 1);
    assert_int_equal(hmx_provider_domain_signals(&f->p, 99), 0);
    assert_int_equal(f->nsig, 5);
}

static void test_fini_unmaps_every_ring(void **state)
{
    struct fx *f = *state;

    must_reg(f, D1, 1, D2, LEN1);
    must_reg(f, D2, 1, ANY, LEN1);
    must_reg(f, D3, 1, D1, 8128);
    assert_int_equal(f->nunmap, 0);
    hmx_provider_fini(&f->p);
    assert_int_equal(f->nunmap, 3);
    assert_rc(fx_start(f, HMX_PROVIDER_ALLOW_WILDCARD, NDOM, NRING), 0);
    assert_false(ring_exists(f, D1, 1, D2));
    assert_int_equal(f->nunmap, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)


/* Vector registration: recorded per (domain, CPU), withdrawn with 0,
 * offered as a feature only when the host says it delivers vectors. */
static void test_set_vector_records_and_withdraws(void **state)
{
    static struct hmx_provider p;
    static HMX_PROVIDER_STORAGE(vs, 2, 2);
    struct hmx_provider_hooks h;

    (void)state;
    hmx_inproc_hooks(&h, NULL);
    assert_int_equal(hmx_provider_init(&p, &h, vs_domains, 2, vs_rings, 2, 0), 0);
    assert_int_equal(hmx_provider_domain_add(&p, 1, 0), 0);
    assert_int_equal(hmx_provider_features(&p) & HMX_FEAT_VECTOR, 0);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 0, 0x40, 0), 0);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 7, 0x41, 0), 0);
    assert_int_equal(hmx_provider_vector(&p, 1, 0), 0x40);
    assert_int_equal(hmx_provider_vector(&p, 1, 7), 0x41);
    assert_int_equal(hmx_provider_vector(&p, 1, 1), 0);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 0, 0x50, 0), 0); /* replaces */
    assert_int_equal(hmx_provider_vector(&p, 1, 0), 0x50);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 0, 0, 0), 0); /* withdraws */
    assert_int_equal(hmx_provider_vector(&p, 1, 0), 0);
    assert_int_equal(hmx_provider_set_vector(&p, 1, HMX_VECTOR_CPUS, 0x40, 0), HMX_EINVAL);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 0, HMX_VECTOR_MAX + 1, 0), HMX_EINVAL);
    assert_int_equal(hmx_provider_set_vector(&p, 1, 0, 0x40, 1), HMX_EINVAL);
    assert_int_equal(hmx_provider_set_vector(&p, 9, 0, 0x40, 0), HMX_ENODEV);
    assert_int_equal(hmx_provider_vector(&p, 9, 0), 0);
    assert_int_equal(hmx_provider_vector(&p, 1, HMX_VECTOR_CPUS), 0);
    /* A removed and re-added domain starts without vectors. */
    assert_int_equal(hmx_provider_set_vector(&p, 1, 3, 0x42, 0), 0);
    assert_int_equal(hmx_provider_domain_remove(&p, 1), 0);
    assert_int_equal(hmx_provider_domain_add(&p, 1, 0), 0);
    assert_int_equal(hmx_provider_vector(&p, 1, 3), 0);
}

static void test_vectors_feature_follows_provider_flag(void **state)
{
    static struct hmx_provider p;
    static HMX_PROVIDER_STORAGE(vf, 2, 2);
    struct hmx_provider_hooks h;
    struct hmx_inproc_config cfg = {.provider = &p, .domid = 1};
    struct hmx_open_args args = {.backend = &hmx_backend_inproc, .backend_config = &cfg};
    hmx_ctx ctx;

    (void)state;
    hmx_inproc_hooks(&h, NULL);
    assert_int_equal(hmx_provider_init(&p, &h, vf_domains, 2, vf_rings, 2, HMX_PROVIDER_VECTORS), 0);
    assert_int_equal(hmx_provider_domain_add(&p, 1, 0), 0);
    assert_int_equal(hmx_provider_features(&p) & HMX_FEAT_VECTOR, HMX_FEAT_VECTOR);
    assert_int_equal(hmx_open(&ctx, &args), 0);
    assert_int_equal(hmx_features(&ctx) & HMX_FEAT_VECTOR, HMX_FEAT_VECTOR);
    assert_int_equal(hmx_set_vector(&ctx, 0, 0x40, 0), 0);
    assert_int_equal(hmx_provider_vector(&p, 1, 0), 0x40);
    assert_int_equal(hmx_set_vector(&ctx, HMX_VECTOR_CPUS, 0x40, 0), HMX_EINVAL);
    hmx_close(&ctx);

    /* Without the flag the in-process backend does not offer it. */
    assert_int_equal(hmx_provider_init(&p, &h, vf_domains, 2, vf_rings, 2, 0), 0);
    assert_int_equal(hmx_provider_domain_add(&p, 1, 0), 0);
    assert_int_equal(hmx_open(&ctx, &args), 0);
    assert_int_equal(hmx_features(&ctx) & HMX_FEAT_VECTOR, 0);
    assert_int_equal(hmx_set_vector(&ctx, 0, 0x40, 0), HMX_EOPNOTSUPP);
    hmx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_vector_records_and_withdraws),
        cmocka_unit_test(test_vectors_feature_follows_provider_flag),
        T(test_init_rejects_invalid_arguments),
        T(test_init_with_only_required_hooks_works),
        T(test_domain_add_validates_id_and_flags),
        T(test_domain_add_without_free_slot_is_enomem),
        T(test_domain_remove_unknown_is_esrch),
        T(test_unknown_caller_is_enodev),
        T(test_register_rejects_unknown_flags),
        T(test_register_rejects_invalid_lengths),
        T(test_register_accepts_min_and_max_lengths),
        T(test_register_rejects_npages_mismatch),
        T(test_register_rejects_nonzero_pad),
        T(test_register_wildcard_needs_provider_flag),
        T(test_register_unknown_partner_is_esrch),
        T(test_register_existing_ring),
        T(test_reregister_keeps_valid_tx_ptr),
        T(test_register_resets_invalid_tx_ptr_to_rx),
        T(test_register_ring_limit_is_enospc),
        T(test_register_without_free_slot_is_enomem),
        T(test_register_map_failure_registers_nothing),
        T(test_register_noncontiguous_frames_fail_inproc_map),
        T(test_unregister_errors_and_success),
        T(test_sendv_delivers_message_and_signals_owner),
        T(test_sendv_source_domain_rules),
        T(test_sendv_rejects_nonzero_address_pads),
        T(test_sendv_unknown_destination_domain_is_esrch),
        T(test_sendv_without_matching_ring_is_econnrefused),
        T(test_sendv_rejects_bad_iovs),
        T(test_sendv_larger_than_ring_is_emsgsize),
        T(test_sendv_gathers_iovs_in_order),
        T(test_sendv_zero_length_message),
        T(test_sendv_wraps_across_ring_end),
        T(test_specific_ring_preferred_over_wildcard),
        T(test_ring_full_eagain_then_space_signal),
        T(test_notify_wakes_only_waiters_that_fit),
        T(test_requeue_keeps_one_entry_with_larger_size),
        T(test_waiters_beyond_limit_get_ebusy),
        T(test_query_flags_sufficient_then_empty),
        T(test_query_without_ring_has_no_flags),
        T(test_query_wildcard_ring_is_shared),
        T(test_query_too_large_sets_emsgsize_without_waiting),
        T(test_query_insufficient_space_queues_wakeup),
        T(test_query_sufficient_cancels_pending_wakeup),
        T(test_notify_limits_and_wakes_first),
        T(test_copy_failure_publishes_nothing),
        T(test_policy_sees_register_send_and_query),
        T(test_policy_denials_are_returned_and_audited),
        T(test_policy_positive_answer_and_missing_reason),
        T(test_policy_denied_query_entry_is_left_unwritten),
        T(test_notify_does_not_wake_when_space_is_zero),
        T(test_domain_remove_unregisters_owned_and_partner_rings),
        T(test_domain_remove_drops_its_waits),
        T(test_ring_stats_counters),
        T(test_domain_signals_count_rx_and_space),
        T(test_fini_unmaps_every_ring),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
