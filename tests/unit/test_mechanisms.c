/* SPDX-License-Identifier: MIT */
/*
 * Tests of the trapping mechanisms (Xen hypercall, MSR block, CPUID call)
 * against mock hypervisors (mock_hv.c):
 *
 *  - marshalling, register by register and byte by byte: the mock decodes
 *    the addresses each call carries, at the moment of the trap, and the
 *    tests compare every byte the hypervisor would read with bytes built
 *    here by hand (little-endian, field by field);
 *  - result decoding, including the zero-extended errors of Xen 4.17 and
 *    answers no hypervisor should give;
 *  - end to end: the mock's trap handler decodes the call and serves it
 *    with hmx_provider_call() on a real reference provider, so two domains
 *    talk through the MSR and CPUID mechanisms;
 *  - hmx_provider_call()'s own argument checks, and the path from
 *    hmx_probe() to hmx_open_probed().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/arch.h"
#include "hmx/backend.h"
#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/provider.h"
#include "hmx/wire.h"
#include "hmx/x86.h"
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

#define D1 ((hmx_domid_t)1)
#define D2 ((hmx_domid_t)2)
#define D3 ((hmx_domid_t)3)
#define ANY HMX_DOMID_ANY
#define PAGE 4096u
#define LEN1 4032u /* data length of a one-page ring */
#define MAX1 4000u /* its largest message */
#define MAX_MEM 48u

#define MSR_IDX HMX_MSR_CALL_DEFAULT
#define CALL_LEAF 0x40000020u
#define HV0 0x40000000u

#define RAW(neg) ((uint64_t)(int64_t)(neg)) /* -errno, sign-extended */
#define ZX(neg) ((uint64_t)(uint32_t)(int32_t)(neg)) /* -errno, zero-extended from 32 bits */

#define XEN_AREA 512u                 /* the Xen backend's staging area (stack) */
#define XEN_PER_CALL ((XEN_AREA - 8u) / 20u)  /* queries per notify call: 25 */
#define PAGE_AREA (PAGE - 64u)        /* staging area of a call page */
#define PAGE_PER_CALL ((PAGE_AREA - 8u) / 20u) /* 201 */

#define CAP_MAX 8u
#define CAP_BYTES 2048u
#define MCAP_MAX 4u
#define SCRATCH 64u

/* What a mock Xen saw in one argo_op, decoded while the caller waited. */
struct xcap {
    enum hmx_xen_entry entry;
    const void *page;
    uint32_t nr;
    uint64_t args[5];
    size_t n1, n2, npayload;
    uint8_t b1[CAP_BYTES];      /* bytes at arg1 */
    uint8_t b2[CAP_BYTES];      /* bytes at arg2 */
    uint8_t payload[CAP_BYTES]; /* sendv: the buffers the iovs name, concatenated */
};

/* What a mock MSR hypervisor saw: the register, the value and the page. */
struct mcap {
    uint32_t msr;
    uint64_t val;
    uint8_t page[PAGE];
};

struct fx;

/* One guest domain on the provider, with a vCPU of its own. */
struct dom {
    struct mock_hv hv;
    struct fx *f;
    hmx_domid_t id;
    uint32_t msr;  /* the call register this hypervisor serves */
    uint32_t leaf; /* the call leaf it serves */
    void *page;
    hmx_ctx ctx;
    hmx_gfn_t scratch[SCRATCH];
    unsigned ncalls;
};

struct fx {
    /* marshalling: one mock hypervisor that only captures */
    struct mock_hv hv;
    hmx_ctx ctx;
    void *page;
    int spread;     /* the env doubles frame numbers (see spread_gpa) */
    int64_t msr_ret;
    int msr_silent; /* the MSR hypervisor never writes ret */
    uint64_t cpuid_rax;
    unsigned ncap, nmcap;
    struct xcap cap[CAP_MAX];
    struct mcap mcap[MCAP_MAX];

    /* end to end: a reference provider and two domains */
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 8, 16);
    struct dom d1, d2;
    unsigned nspace[4], nrx[4], naudit;
    hmx_port_t deny_port;

    void *mem[MAX_MEM];
    unsigned nmem;
};

/* ---- little-endian bytes, built by hand ------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* xen_argo_register_ring_t */
static void reg_bytes(uint8_t out[12], uint32_t port, uint16_t partner, uint32_t len)
{
    put32(out, port);
    put16(out + 4, partner);
    put16(out + 6, 0);
    put32(out + 8, len);
}

/* xen_argo_unregister_ring_t, xen_argo_addr_t */
static void addr_bytes(uint8_t out[8], uint32_t port, uint16_t dom)
{
    put32(out, port);
    put16(out + 4, dom);
    put16(out + 6, 0);
}

/* xen_argo_iov_t */
static void giov_bytes(uint8_t out[16], uint64_t gaddr, uint32_t len)
{
    put64(out, gaddr);
    put32(out + 8, len);
    put32(out + 12, 0);
}

/* xen_argo_ring_data_ent_t */
static void query_bytes(uint8_t out[20], uint32_t port, uint16_t dom, uint16_t flags,
                        uint32_t space, uint32_t max)
{
    addr_bytes(out, port, dom);
    put16(out + 8, flags);
    put16(out + 10, 0);
    put32(out + 12, space);
    put32(out + 16, max);
}

/* struct hmx_call_block as the guest leaves it before the trap */
static void block_bytes(uint8_t out[64], uint32_t op, const uint64_t a[4])
{
    memset(out, 0, 64);
    put32(out, op);
    put64(out + 8, (uint64_t)INT64_MIN);
    put64(out + 16, a[0]);
    put64(out + 24, a[1]);
    put64(out + 32, a[2]);
    put64(out + 40, a[3]);
}

static uint64_t addr_of_ptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* ---- environments ------------------------------------------------------------ */

/* "spread": frame n of this process is guest frame 2n, so every page
 * boundary is a physical discontinuity. */
static uint64_t spread(uint64_t va)
{
    return ((va >> 12) << 13) | (va & 0xFFFu);
}

static uint64_t unspread(uint64_t gpa)
{
    return ((gpa >> 13) << 12) | (gpa & 0xFFFu);
}

static int spread_gpa(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = spread((uint64_t)(uintptr_t)va);
    return 0;
}

static const struct hmx_env spread_env = {
    .virt_to_gpa = spread_gpa, .page_size = 4096, .log = NULL, .user = NULL};

/* A page-aligned gpa 64 bytes off: what a broken translation returns. */
static int skewed_gpa(void *user, const void *va, uint64_t *gpa)
{
    (void)user;
    *gpa = (uint64_t)(uintptr_t)va + 64u;
    return 0;
}

/* ---- the capturing hypervisors (marshalling tests) -------------------------- */

static void copy_cap(uint8_t *dst, size_t *n, uint64_t gaddr, size_t len)
{
    if (len > CAP_BYTES)
        len = CAP_BYTES;
    *n = len;
    if (gaddr != 0 && len > 0)
        memcpy(dst, (const void *)(uintptr_t)gaddr, len);
}

/* Answer notify entries in place as a hypervisor would: EXISTS|SUFFICIENT,
 * max_message_size = space_required + 1 (so each answer names its entry). */
static void answer_entries(uint8_t *ent, uint32_t nent)
{
    uint32_t i;

    for (i = 0; i < nent; i++) {
        uint8_t *e = ent + (size_t)i * 20u;

        put16(e + 8, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
        put32(e + 16, get32(e + 12) + 1u);
    }
}

static int xen_capture(struct mock_hv *hv, const struct mock_hv_xen_call *c, uint64_t *ret)
{
    struct fx *f = hv->user;
    struct xcap *x = f->ncap < CAP_MAX ? &f->cap[f->ncap] : NULL;

    f->ncap++;
    *ret = hv->xen_ret;
    if (x == NULL)
        return 0;
    memset(x, 0, sizeof(*x));
    x->entry = c->entry;
    x->page = c->page;
    x->nr = c->nr;
    memcpy(x->args, c->args, sizeof(x->args));
    switch (c->args[0]) {
    case HMX_OP_REGISTER_RING:
        copy_cap(x->b1, &x->n1, c->args[1], 12);
        copy_cap(x->b2, &x->n2, c->args[2], (size_t)c->args[3] * 8u);
        break;
    case HMX_OP_UNREGISTER_RING:
        copy_cap(x->b1, &x->n1, c->args[1], 8);
        break;
    case HMX_OP_SENDV: {
        uint64_t i;

        copy_cap(x->b1, &x->n1, c->args[1], 16);
        copy_cap(x->b2, &x->n2, c->args[2], (size_t)c->args[3] * 16u);
        for (i = 0; i < c->args[3] && (i + 1) * 16u <= x->n2; i++) {
            uint64_t ga = get64(x->b2 + i * 16u);
            uint32_t len = get32(x->b2 + i * 16u + 8u);

            if (x->npayload + len <= CAP_BYTES && len > 0) {
                memcpy(x->payload + x->npayload, (const void *)(uintptr_t)ga, len);
                x->npayload += len;
            }
        }
        break;
    }
    case HMX_OP_NOTIFY:
        if (c->args[1] != 0) {
            uint8_t *area = (uint8_t *)(uintptr_t)c->args[1];
            uint32_t nent = get32(area);

            copy_cap(x->b1, &x->n1, c->args[1], 8u + (size_t)nent * 20u);
            answer_entries(area + 8, nent);
        }
        break;
    default:
        break;
    }
    return 0;
}

static uint8_t *va_of_gpa(const struct fx *f, uint64_t gpa)
{
    return (uint8_t *)(uintptr_t)(f->spread ? unspread(gpa) : gpa);
}

static int msr_capture(struct mock_hv *hv, uint32_t msr, uint64_t val)
{
    struct fx *f = hv->user;
    uint8_t *page = va_of_gpa(f, val);

    if (f->nmcap < MCAP_MAX) {
        f->mcap[f->nmcap].msr = msr;
        f->mcap[f->nmcap].val = val;
        memcpy(f->mcap[f->nmcap].page, page, PAGE);
    }
    f->nmcap++;
    if (get32(page) == HMX_OP_NOTIFY && get64(page + 16) != 0) {
        uint8_t *area = va_of_gpa(f, get64(page + 16));

        answer_entries(area + 8, get32(area));
    }
    if (!f->msr_silent)
        put64(page + 8, (uint64_t)f->msr_ret);
    return 0;
}

static int cpuid_capture(struct mock_hv *hv, struct hmx_x86_regs *r)
{
    struct fx *f = hv->user;

    if (f->nmcap < MCAP_MAX) {
        f->mcap[f->nmcap].msr = 0;
        f->mcap[f->nmcap].val = r->rax;
        memcpy(f->mcap[f->nmcap].page, f->page, PAGE);
    }
    f->nmcap++;
    if (r->rcx == HMX_OP_NOTIFY && r->rbx != 0) {
        uint8_t *area = (uint8_t *)(uintptr_t)r->rbx;

        answer_entries(area + 8, get32(area));
    }
    r->rax = f->cpuid_rax;
    r->rbx = r->rcx = r->rdx = 0;
    return 0;
}

/* ---- the serving hypervisors (end to end) ---------------------------------- */

static int serve(struct dom *d, uint32_t op, const uint64_t a[4])
{
    d->ncalls++;
    return hmx_provider_call(&d->f->p, d->id, op, a, d->scratch, SCRATCH);
}

/* WRMSR of the call register: perform the call in the block, write ret. */
static int prov_wrmsr(struct mock_hv *hv, uint32_t msr, uint64_t val)
{
    struct dom *d = hv->user;
    struct hmx_call_block *blk = (struct hmx_call_block *)(uintptr_t)val; /* identity */
    uint64_t a[4];

    if (msr != d->msr)
        return 0; /* some other MSR: no call */
    memcpy(a, blk->arg, sizeof(a));
    if (blk->flags != 0 || blk->reserved[0] != 0 || blk->reserved[1] != 0)
        blk->ret = HMX_EINVAL;
    else
        blk->ret = serve(d, blk->op, a);
    return 0;
}

/* CPUID on the call leaf: registers in, eax out (sign-extended into rax). */
static int prov_cpuid_call(struct mock_hv *hv, struct hmx_x86_regs *r)
{
    struct dom *d = hv->user;
    uint64_t a[4];
    int ret;

    if ((uint32_t)r->rax != d->leaf) {
        r->rax = r->rbx = r->rcx = r->rdx = 0; /* an ordinary, empty leaf */
        return 0;
    }
    a[0] = r->rbx;
    a[1] = r->rdx;
    a[2] = r->rsi;
    a[3] = r->rdi;
    ret = serve(d, (uint32_t)r->rcx, a);
    r->rax = (uint64_t)(int64_t)ret;
    r->rbx = r->rcx = r->rdx = 0;
    return 0;
}

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

static int on_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    struct fx *f = host;

    if ((q->op == HMX_POLICY_SEND || q->op == HMX_POLICY_QUERY) && f->deny_port != 0 &&
        q->dst.port == f->deny_port) {
        *reason = "test: port denied";
        return HMX_EACCES;
    }
    return 0;
}

static void on_audit(void *host, const struct hmx_policy_query *q, int verdict,
                     const char *reason)
{
    struct fx *f = host;

    (void)q;
    (void)verdict;
    (void)reason;
    f->naudit++;
}

/* ---- fixture -------------------------------------------------------------- */

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

static void dom_init(struct fx *f, struct dom *d, hmx_domid_t id)
{
    mock_hv_init(&d->hv);
    d->hv.user = d;
    d->hv.on_wrmsr = prov_wrmsr;
    d->hv.on_cpuid_call = prov_cpuid_call;
    d->f = f;
    d->id = id;
    d->msr = MSR_IDX;
    d->leaf = CALL_LEAF;
    d->page = alloc_pages(f, 1, 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct hmx_provider_hooks h;

    if (f == NULL)
        return -1;
    mock_hv_init(&f->hv);
    f->hv.user = f;
    f->hv.on_xen = xen_capture;
    f->hv.on_wrmsr = msr_capture;
    f->hv.on_cpuid_call = cpuid_capture;
    f->page = alloc_pages(f, 1, 0);

    hmx_inproc_hooks(&h, f);
    h.signal = on_signal;
    h.policy = on_policy;
    h.audit = on_audit;
    if (hmx_provider_init(&f->p, &h, f->st_domains, 8, f->st_rings, 16, 0) != 0 ||
        hmx_provider_domain_add(&f->p, D1, 0) != 0 || hmx_provider_domain_add(&f->p, D2, 0) != 0 ||
        hmx_provider_domain_add(&f->p, D3, 0) != 0) {
        free(f);
        return -1;
    }
    dom_init(f, &f->d1, D1);
    dom_init(f, &f->d2, D2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    unsigned i;

    hmx_close(&f->ctx);
    hmx_close(&f->d1.ctx);
    hmx_close(&f->d2.ctx);
    hmx_provider_fini(&f->p);
    for (i = 0; i < f->nmem; i++)
        free(f->mem[i]);
    free(f);
    return 0;
}

static int open_xen(struct fx *f, enum hmx_xen_entry entry, const void *page)
{
    struct hmx_xen_config cfg = {.arch = &f->hv.ops, .entry = entry, .hypercall_page = page};
    struct hmx_open_args args = {.backend = &hmx_backend_xen, .backend_config = &cfg, .env = NULL};

    return hmx_open(&f->ctx, &args);
}

static int open_msr(hmx_ctx *ctx, const struct hmx_arch_ops *arch, uint32_t msr, void *page,
                    const struct hmx_env *env)
{
    struct hmx_msr_config cfg = {.arch = arch, .msr = msr, .call_page = page};
    struct hmx_open_args args = {.backend = &hmx_backend_msr, .backend_config = &cfg, .env = env};

    return hmx_open(ctx, &args);
}

static int open_cpuid(hmx_ctx *ctx, const struct hmx_arch_ops *arch, uint32_t leaf, void *page,
                      const struct hmx_env *env)
{
    struct hmx_cpuid_config cfg = {.arch = arch, .leaf = leaf, .call_page = page};
    struct hmx_open_args args = {.backend = &hmx_backend_cpuid, .backend_config = &cfg, .env = env};

    return hmx_open(ctx, &args);
}

static void open_doms_msr(struct fx *f)
{
    assert_rc(open_msr(&f->d1.ctx, &f->d1.hv.ops, MSR_IDX, f->d1.page, NULL), 0);
    assert_rc(open_msr(&f->d2.ctx, &f->d2.hv.ops, MSR_IDX, f->d2.page, NULL), 0);
}

static void open_doms_cpuid(struct fx *f)
{
    assert_rc(open_cpuid(&f->d1.ctx, &f->d1.hv.ops, CALL_LEAF, f->d1.page, NULL), 0);
    assert_rc(open_cpuid(&f->d2.ctx, &f->d2.hv.ops, CALL_LEAF, f->d2.page, NULL), 0);
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

static void must_ring(struct fx *f, hmx_ctx *ctx, struct hmx_ring *ring, hmx_port_t port,
                      hmx_domid_t partner)
{
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, port, partner);

    memset(ring, 0, sizeof(*ring));
    assert_rc(hmx_ring_register(ctx, ring, &c), 0);
    assert_int_equal(hmx_ring_size(ring), LEN1);
}

static struct hmx_addr addr_to(hmx_domid_t dom, hmx_port_t port)
{
    struct hmx_addr a;

    a.port = port;
    a.domain = dom;
    a.pad = 0;
    return a;
}

/* ==== Xen hypercall backend: marshalling ===================================== */

static void test_xen_open_rejects_bad_config(void **state)
{
    struct fx *f = *state;
    struct hmx_xen_config cfg = {.arch = &f->hv.ops, .entry = HMX_XEN_ENTRY_NONE,
                                 .hypercall_page = NULL};
    struct hmx_open_args args = {.backend = &hmx_backend_xen, .backend_config = NULL, .env = NULL};

    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    args.backend_config = &cfg;
    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    cfg.entry = (enum hmx_xen_entry)5;
    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    cfg.entry = HMX_XEN_ENTRY_PAGE; /* without a page */
    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    assert_string_equal(hmx_backend_name(&f->ctx), "closed");
    cfg.entry = HMX_XEN_ENTRY_VMCALL;
    assert_rc(hmx_open(&f->ctx, &args), 0);
    assert_string_equal(hmx_backend_name(&f->ctx), "xen-hypercall");
    assert_int_equal(f->ctx.features, 0);
    assert_int_equal(mock_hv_traps(&f->hv), 0); /* opening traps nothing */
}

static void test_xen_register_one_page_ring_bytes(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    void *mem = alloc_pages(f, 1, 0x5a);
    struct hmx_ring_config c = ring_cfg(mem, PAGE, 0x01020304u, 0x0506u);
    uint8_t want[12], gfn[8];
    const struct xcap *x = &f->cap[0];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    c.flags = HMX_REGISTER_FAIL_EXIST;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    assert_int_equal(f->hv.nxen, 1);
    assert_int_equal(x->entry, HMX_XEN_ENTRY_VMCALL);
    assert_null(x->page);
    assert_int_equal(x->nr, 39);
    assert_int_equal(x->args[0], HMX_OP_REGISTER_RING);
    assert_int_not_equal(x->args[1], 0);
    assert_int_equal(x->args[2], x->args[1] + 16u); /* the frame list staged beside */
    assert_int_equal(x->args[3], 1);
    assert_int_equal(x->args[4], HMX_REGISTER_FAIL_EXIST);
    reg_bytes(want, 0x01020304u, 0x0506u, LEN1);
    assert_int_equal(x->n1, 12);
    assert_memory_equal(x->b1, want, 12);
    put64(gfn, addr_of_ptr(mem) >> 12);
    assert_int_equal(x->n2, 8);
    assert_memory_equal(x->b2, gfn, 8);
}

static void test_xen_register_large_ring_names_caller_list(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    void *mem62 = alloc_pages(f, 62, 0), *mem64 = alloc_pages(f, 64, 0);
    struct hmx_ring_config c = ring_cfg(mem62, 62u * PAGE, 7, D2);
    uint8_t want[12];
    uint32_t i;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);

    /* 62 frames: 16 + 496 bytes fill the staging area exactly */
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    assert_int_equal(f->cap[0].args[3], 62);
    assert_int_equal(f->cap[0].args[2], f->cap[0].args[1] + 16u);
    for (i = 0; i < 62; i++)
        assert_int_equal(get64(f->cap[0].b2 + i * 8u), (addr_of_ptr(mem62) >> 12) + i);

    /* 64 frames do not fit: Xen is handed the caller's list, in the ring */
    c = ring_cfg(mem64, 64u * PAGE, 8, D2);
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    assert_int_equal(f->cap[1].args[3], 64);
    assert_int_equal(f->cap[1].args[2], addr_of_ptr(mem64) + HMX_RING_HDR_SIZE);
    reg_bytes(want, 8, D2, 64u * PAGE - HMX_RING_HDR_SIZE);
    assert_memory_equal(f->cap[1].b1, want, 12);
    assert_int_equal(f->cap[1].n2, 64u * 8u);
    for (i = 0; i < 64; i++)
        assert_int_equal(get64(f->cap[1].b2 + i * 8u), (addr_of_ptr(mem64) >> 12) + i);
}

static void test_xen_unregister_bytes(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    uint8_t want[8];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    must_ring(f, &f->ctx, &ring, 0xA1B2C3D4u, ANY);
    assert_rc(hmx_ring_unregister(&f->ctx, &ring), 0);
    assert_int_equal(f->hv.nxen, 2);
    assert_int_equal(f->cap[1].args[0], HMX_OP_UNREGISTER_RING);
    assert_int_not_equal(f->cap[1].args[1], 0);
    assert_int_equal(f->cap[1].args[2], 0);
    assert_int_equal(f->cap[1].args[3], 0);
    assert_int_equal(f->cap[1].args[4], 0);
    addr_bytes(want, 0xA1B2C3D4u, ANY);
    assert_memory_equal(f->cap[1].b1, want, 8);
}

static void test_xen_sendv_one_iov_bytes(void **state)
{
    struct fx *f = *state;
    static const char msg[] = "one buffer, one iov";
    const struct hmx_addr dst = addr_to(7, 0x2a);
    uint8_t want[16];
    const struct xcap *x = &f->cap[0];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    f->hv.xen_ret = sizeof(msg);
    assert_rc(hmx_send(&f->ctx, 0x11, &dst, msg, sizeof(msg), 0xCAFEBABEu), sizeof(msg));
    assert_int_equal(f->hv.nxen, 1);
    assert_int_equal(x->args[0], HMX_OP_SENDV);
    assert_int_equal(x->args[2], x->args[1] + 16u);
    assert_int_equal(x->args[3], 1);
    assert_int_equal(x->args[4], 0xCAFEBABEu);
    addr_bytes(want, 0x11, ANY); /* src: "myself" */
    addr_bytes(want + 8, 0x2a, 7);
    assert_memory_equal(x->b1, want, 16);
    giov_bytes(want, addr_of_ptr(msg), sizeof(msg));
    assert_int_equal(x->n2, 16);
    assert_memory_equal(x->b2, want, 16);
    assert_int_equal(x->npayload, sizeof(msg));
    assert_memory_equal(x->payload, msg, sizeof(msg));
}

static void test_xen_sendv_eight_iovs_bytes(void **state)
{
    struct fx *f = *state;
    static uint8_t bufs[8][8];
    struct hmx_iov iov[8];
    const struct hmx_addr dst = addr_to(D2, 5);
    uint8_t want[16];
    unsigned i;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMMCALL, NULL), 0);
    for (i = 0; i < 8; i++) {
        memset(bufs[i], 'a' + (int)i, sizeof(bufs[i]));
        iov[i].base = bufs[i];
        iov[i].len = i + 1u;
    }
    f->hv.xen_ret = 36;
    assert_rc(hmx_sendv(&f->ctx, 3, &dst, iov, 8, 1), 36);
    assert_int_equal(f->cap[0].entry, HMX_XEN_ENTRY_VMMCALL);
    assert_int_equal(f->cap[0].args[3], 8);
    assert_int_equal(f->cap[0].n2, 128);
    for (i = 0; i < 8; i++) {
        giov_bytes(want, addr_of_ptr(bufs[i]), i + 1u);
        assert_memory_equal(f->cap[0].b2 + i * 16u, want, 16);
    }
    assert_int_equal(f->cap[0].npayload, 36);
    assert_memory_equal(f->cap[0].payload, "abbcccddddeeeeeffffffggggggghhhhhhhh", 36);
}

static void test_xen_sendv_zero_length_iov_is_passed_on(void **state)
{
    struct fx *f = *state;
    static const char a[] = "abcde", b[] = "1234567";
    struct hmx_iov iov[4] = {{a, 5}, {NULL, 0}, {b, 7}, {a, 0}};
    const struct hmx_addr dst = addr_to(D2, 5);
    uint8_t want[64];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    f->hv.xen_ret = 12;
    assert_rc(hmx_sendv(&f->ctx, 3, &dst, iov, 4, 0), 12);
    /* Xen reads virtual addresses and skips empty iovs itself: all four go */
    assert_int_equal(f->cap[0].args[3], 4);
    giov_bytes(want, addr_of_ptr(a), 5);
    giov_bytes(want + 16, 0, 0);
    giov_bytes(want + 32, addr_of_ptr(b), 7);
    giov_bytes(want + 48, addr_of_ptr(a), 0);
    assert_memory_equal(f->cap[0].b2, want, 64);
    assert_memory_equal(f->cap[0].payload, "abcde1234567", 12);
}

static void test_xen_sendv_success_returns_byte_count(void **state)
{
    struct fx *f = *state;
    static const uint8_t buf[16];
    const struct hmx_addr dst = addr_to(D2, 5);
    static const uint64_t counts[] = {0, 1, 16, 4000, HMX_MSG_MAX, 0x7FFFFFFF};
    size_t i;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        f->hv.xen_ret = counts[i];
        /* the backend decodes every count; the API takes only the length */
        assert_rc(f->ctx.ops->notify(&f->ctx, NULL, 0), (int)counts[i]);
        assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0),
                  counts[i] == sizeof(buf) ? (int)sizeof(buf) : HMX_EIO);
    }
}

static void test_xen_sendv_errors_in_both_encodings(void **state)
{
    struct fx *f = *state;
    static const uint8_t buf[16];
    const struct hmx_addr dst = addr_to(D2, 5);

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    f->hv.xen_ret = RAW(-111);
    assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_ECONNREFUSED);
    f->hv.xen_ret = 0xFFFFFF91ull; /* Xen 4.17's sendv, zero-extended */
    assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_ECONNREFUSED);
    f->hv.xen_ret = RAW(-11);
    assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_EAGAIN);
    f->hv.xen_ret = ZX(-11);
    assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_EAGAIN);
    f->hv.xen_ret = RAW(-90);
    assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_EMSGSIZE);
    assert_int_equal(f->hv.nxen, 5);
}

static void test_xen_sendv_implausible_results_are_eio(void **state)
{
    struct fx *f = *state;
    static const uint8_t buf[16];
    const struct hmx_addr dst = addr_to(D2, 5);
    static const uint64_t raws[] = {
        0x80000000ull, 0xFFFFFFFF00000000ull, 0x100000000ull, 0xFFFFF000ull,
        RAW(-4096),    0x8000000000000000ull, RAW(-200),      ZX(-201),
    };
    size_t i;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
        f->hv.xen_ret = raws[i];
        assert_rc(hmx_send(&f->ctx, 1, &dst, buf, sizeof(buf), 0), HMX_EIO);
    }
}

static void test_xen_notify_without_queries_has_zero_args(void **state)
{
    struct fx *f = *state;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    assert_int_equal(f->hv.nxen, 1);
    assert_int_equal(f->cap[0].nr, 39);
    assert_int_equal(f->cap[0].args[0], HMX_OP_NOTIFY);
    assert_int_equal(f->cap[0].args[1], 0);
    assert_int_equal(f->cap[0].args[2], 0);
    assert_int_equal(f->cap[0].args[3], 0);
    assert_int_equal(f->cap[0].args[4], 0);
}

static void test_xen_notify_one_query_bytes(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q;
    const struct hmx_addr dst = addr_to(3, 9);
    uint8_t want[28];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    assert_rc(hmx_query(&f->ctx, &dst, 200, &q), 0);
    assert_int_equal(f->hv.nxen, 1);
    assert_int_not_equal(f->cap[0].args[1], 0);
    assert_int_equal(f->cap[0].args[2], 0);
    assert_int_equal(f->cap[0].args[3], 0);
    assert_int_equal(f->cap[0].args[4], 0);
    put32(want, 1);
    put32(want + 4, 0);
    query_bytes(want + 8, 9, 3, 0, 200, 0);
    assert_int_equal(f->cap[0].n1, 28);
    assert_memory_equal(f->cap[0].b1, want, 28);
    /* the answer Xen wrote comes back to the caller */
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, 201);
    assert_int_equal(q.ring.port, 9);
    assert_int_equal(q.ring.domain, 3);
}

static void test_xen_notify_forty_queries_split_by_staging_capacity(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q[40];
    uint8_t want[20];
    unsigned i, call, first;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    memset(q, 0, sizeof(q));
    for (i = 0; i < 40; i++) {
        q[i].ring = addr_to((hmx_domid_t)(1 + i % 3), 1000u + i);
        q[i].space_required = 10u * i;
    }
    assert_int_equal(XEN_PER_CALL, 25);
    assert_rc(hmx_notify(&f->ctx, q, 40), 0);
    assert_int_equal(f->hv.nxen, 2);
    for (call = 0, first = 0; call < 2; call++) {
        const struct xcap *x = &f->cap[call];
        const unsigned nent = call == 0 ? XEN_PER_CALL : 40u - XEN_PER_CALL;

        assert_int_equal(x->args[0], HMX_OP_NOTIFY);
        assert_int_not_equal(x->args[1], 0);
        assert_int_equal(x->args[2], 0);
        assert_int_equal(x->args[3], 0);
        assert_int_equal(x->args[4], 0);
        assert_int_equal(get32(x->b1), nent);     /* hdr.nent */
        assert_int_equal(get32(x->b1 + 4), 0);    /* hdr.pad */
        assert_int_equal(x->n1, 8u + nent * 20u);
        for (i = 0; i < nent; i++) {
            const unsigned k = first + i;

            query_bytes(want, 1000u + k, (uint16_t)(1 + k % 3), 0, 10u * k, 0);
            assert_memory_equal(x->b1 + 8 + i * 20u, want, 20);
        }
        first += nent;
    }
    for (i = 0; i < 40; i++) {
        assert_int_equal(q[i].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
        assert_int_equal(q[i].max_message_size, 10u * i + 1u);
    }
}

static void test_xen_notify_over_limit_rejected_before_any_call(void **state)
{
    struct fx *f = *state;
    static struct hmx_ring_query q[300];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    assert_rc(hmx_notify(&f->ctx, q, 300), HMX_EINVAL);
    assert_rc(hmx_notify(&f->ctx, q, HMX_NOTIFY_MAX + 1u), HMX_EINVAL);
    assert_int_equal(f->hv.nxen, 0);
}

static void test_xen_notify_error_stops_the_split(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q[40];
    unsigned i;

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    memset(q, 0, sizeof(q));
    for (i = 0; i < 40; i++)
        q[i].ring = addr_to(D2, i);
    f->hv.xen_ret = ZX(-13);
    assert_rc(hmx_notify(&f->ctx, q, 40), HMX_EACCES);
    assert_int_equal(f->hv.nxen, 1);
}

static void test_xen_hypercall_page_entry_carries_the_page(void **state)
{
    struct fx *f = *state;
    void *hpage = alloc_pages(f, 1, 0xC3);

    assert_rc(open_xen(f, HMX_XEN_ENTRY_PAGE, hpage), 0);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    assert_int_equal(f->cap[0].entry, HMX_XEN_ENTRY_PAGE);
    assert_ptr_equal(f->cap[0].page, hpage);
    assert_int_equal(f->cap[0].nr, HMX_XEN_HYPERCALL_ARGO_OP);
}

static void test_xen_user_mode_answers_epriv_without_trapping(void **state)
{
    struct fx *f = *state;
    const struct hmx_addr dst = addr_to(D2, 5);
    struct hmx_xen_config cfg = {.arch = &f->hv.ops, .entry = HMX_XEN_ENTRY_NONE,
                                 .hypercall_page = NULL};
    static const uint64_t a[4];

    assert_rc(open_xen(f, HMX_XEN_ENTRY_VMCALL, NULL), 0);
    mock_hv_set_user(&f->hv, 1);
    assert_rc(hmx_send(&f->ctx, 1, &dst, "x", 1, 0), HMX_EPRIV);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), HMX_EPRIV);
    assert_int_equal(f->hv.nxen, 0);
    assert_int_equal(f->hv.nrefused, 2);

    /* hmx_xen_argo_op with no way in */
    mock_hv_set_user(&f->hv, 0);
    assert_rc(hmx_xen_argo_op(&cfg, HMX_OP_NOTIFY, a), HMX_EINVAL);
    cfg.entry = HMX_XEN_ENTRY_VMCALL;
    f->hv.ops.xen_hypercall = NULL;
    assert_rc(hmx_xen_argo_op(&cfg, HMX_OP_NOTIFY, a), HMX_EINVAL);
    assert_int_equal(f->hv.nxen, 0);
}

static void test_xen_decode_every_errno_in_both_encodings(void **state)
{
    static const struct {
        const char *name;
        int value;
    } table[] = {
#define ROW(name, value, msg) {#name, value},
        HMX_ERRNO_MAP(ROW)
#undef ROW
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const int v = table[i].value;
        const int want = v < 200 ? -v : HMX_EIO; /* our own codes are not Xen's */
        const int sx = hmx_xen_decode((uint64_t)-(int64_t)v);
        const int zx = hmx_xen_decode(UINT64_C(0x100000000) - (uint64_t)v);

        if (sx != want || zx != want)
            fail_msg("%s (%d): sign-extended %d, zero-extended %d, want %d", table[i].name, v,
                     sx, zx, want);
    }
    assert_true(i >= 21);
}

static void test_xen_decode_boundaries(void **state)
{
    (void)state;
    assert_rc(hmx_xen_decode(0), 0);
    assert_rc(hmx_xen_decode(1), 1);
    assert_rc(hmx_xen_decode(0x7FFFFFFFull), 0x7FFFFFFF);
    assert_rc(hmx_xen_decode(0x80000000ull), HMX_EIO);
    assert_rc(hmx_xen_decode(0xFFFFF000ull), HMX_EIO);          /* -4096, zero-extended */
    assert_rc(hmx_xen_decode(0xFFFFF001ull), HMX_EIO);          /* -4095: no such errno */
    assert_rc(hmx_xen_decode(RAW(-4095)), HMX_EIO);
    assert_rc(hmx_xen_decode(RAW(-4096)), HMX_EIO);
    assert_rc(hmx_xen_decode(0x100000000ull), HMX_EIO);
    assert_rc(hmx_xen_decode(0xFFFFFFFF00000000ull), HMX_EIO);
    assert_rc(hmx_xen_decode(0xFFFFFFFFFFFFFFFFull), HMX_EPERM);
    assert_rc(hmx_xen_decode(0xFFFFFFFFull), HMX_EPERM);
    assert_rc(hmx_xen_decode(RAW(-4)), HMX_EIO); /* EINTR: not in the table */
}

/* ==== MSR backend: marshalling ============================================== */

static void open_f_msr(struct fx *f, const struct hmx_env *env)
{
    assert_rc(open_msr(&f->ctx, &f->hv.ops, MSR_IDX, f->page, env), 0);
    assert_string_equal(hmx_backend_name(&f->ctx), "msr");
}

static void test_msr_open_rejects_bad_config(void **state)
{
    struct fx *f = *state;
    struct hmx_open_args args = {.backend = &hmx_backend_msr, .backend_config = NULL, .env = NULL};
    const struct hmx_env skew = {.virt_to_gpa = skewed_gpa, .page_size = 4096, .log = NULL,
                                 .user = NULL};

    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    assert_rc(open_msr(&f->ctx, &f->hv.ops, MSR_IDX, NULL, NULL), HMX_EINVAL);
    assert_rc(open_msr(&f->ctx, &f->hv.ops, MSR_IDX, (uint8_t *)f->page + 64, NULL), HMX_EINVAL);
    assert_rc(open_msr(&f->ctx, &f->hv.ops, MSR_IDX, f->page, &skew), HMX_EFAULT);
    f->hv.ops.wrmsr = NULL;
    assert_rc(open_msr(&f->ctx, &f->hv.ops, MSR_IDX, f->page, NULL), HMX_EOPNOTSUPP);
    assert_string_equal(hmx_backend_name(&f->ctx), "closed");
    assert_int_equal(mock_hv_traps(&f->hv), 0);
}

static void test_msr_register_one_wrmsr_block_and_staging(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    void *mem = alloc_pages(f, 1, 0);
    struct hmx_ring_config c = ring_cfg(mem, PAGE, 0x01020304u, 0x0506u);
    const uint64_t P = addr_of_ptr(f->page);
    const uint64_t a[4] = {P + 64, P + 80, 1, HMX_REGISTER_FAIL_EXIST};
    uint8_t want[64];
    const uint8_t *pg = f->mcap[0].page;

    open_f_msr(f, NULL);
    c.flags = HMX_REGISTER_FAIL_EXIST;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    assert_int_equal(f->hv.nwrmsr, 1);
    assert_int_equal(mock_hv_traps(&f->hv), 1);
    assert_int_equal(f->hv.wrmsr_log[0].msr, MSR_IDX);
    assert_int_equal(f->hv.wrmsr_log[0].val, P);
    block_bytes(want, HMX_OP_REGISTER_RING, a);
    assert_memory_equal(pg, want, 64);
    reg_bytes(want, 0x01020304u, 0x0506u, LEN1);
    assert_memory_equal(pg + 64, want, 12);
    put64(want, P == 0 ? 0 : addr_of_ptr(mem) >> 12);
    assert_memory_equal(pg + 80, want, 8);
    /* the hypervisor's ret stays in the block */
    assert_int_equal(get64((const uint8_t *)f->page + 8), 0);
}

static void test_msr_unregister_block(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    const uint64_t P = addr_of_ptr(f->page);
    const uint64_t a[4] = {P + 64, 0, 0, 0};
    uint8_t want[64];

    open_f_msr(f, NULL);
    must_ring(f, &f->ctx, &ring, 77, D2);
    assert_rc(hmx_ring_unregister(&f->ctx, &ring), 0);
    assert_int_equal(f->hv.nwrmsr, 2);
    assert_int_equal(f->hv.wrmsr_log[1].msr, MSR_IDX);
    assert_int_equal(f->hv.wrmsr_log[1].val, P);
    block_bytes(want, HMX_OP_UNREGISTER_RING, a);
    assert_memory_equal(f->mcap[1].page, want, 64);
    addr_bytes(want, 77, D2);
    assert_memory_equal(f->mcap[1].page + 64, want, 8);
}

static void test_msr_sendv_block_and_physical_iovs(void **state)
{
    struct fx *f = *state;
    uint8_t *two = alloc_pages(f, 2, 'z');
    static const char a[] = "hello";
    struct hmx_iov iov[5] = {{a, 5}, {NULL, 0}, {two + 4000, 200}, {a, 0}, {a + 1, 3}};
    const struct hmx_addr dst = addr_to(D2, 0x2a);
    const uint64_t P = addr_of_ptr(f->page);
    const uint64_t args[4] = {P + 64, P + 80, 3, 0x12345678u};
    uint8_t want[64];
    const uint8_t *pg = f->mcap[0].page;

    open_f_msr(f, NULL);
    f->msr_ret = 208;
    assert_rc(hmx_sendv(&f->ctx, 0x11, &dst, iov, 5, 0x12345678u), 208);
    assert_int_equal(f->hv.nwrmsr, 1);
    assert_int_equal(f->hv.wrmsr_log[0].val, P);
    /* empty iovs are not named; the page-crossing buffer is contiguous
     * here (identity) and stays one segment */
    block_bytes(want, HMX_OP_SENDV, args);
    assert_memory_equal(pg, want, 64);
    addr_bytes(want, 0x11, ANY);
    addr_bytes(want + 8, 0x2a, D2);
    assert_memory_equal(pg + 64, want, 16);
    giov_bytes(want, addr_of_ptr(a), 5);
    giov_bytes(want + 16, addr_of_ptr(two + 4000), 200);
    giov_bytes(want + 32, addr_of_ptr(a + 1), 3);
    assert_memory_equal(pg + 80, want, 48);
}

static void test_msr_guest_physical_addresses_through_env(void **state)
{
    struct fx *f = *state;
    uint8_t *two = alloc_pages(f, 2, 'q');
    struct hmx_iov iov = {two + 4000, 200};
    const struct hmx_addr dst = addr_to(D2, 1);
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(two, 2u * PAGE, 3, D2);
    const uint64_t G = spread(addr_of_ptr(f->page));
    uint8_t want[64];
    uint64_t args[4];

    f->spread = 1;
    open_f_msr(f, &spread_env);
    f->msr_ret = 200;
    assert_rc(hmx_sendv(&f->ctx, 9, &dst, &iov, 1, 0), 200);
    assert_int_equal(f->hv.wrmsr_log[0].val, G);
    args[0] = G + 64;
    args[1] = G + 80;
    args[2] = 2; /* split where the guest-physical run breaks */
    args[3] = 0;
    block_bytes(want, HMX_OP_SENDV, args);
    assert_memory_equal(f->mcap[0].page, want, 64);
    giov_bytes(want, spread(addr_of_ptr(two + 4000)), 96);
    giov_bytes(want + 16, spread(addr_of_ptr(two + 4096)), 104);
    assert_memory_equal(f->mcap[0].page + 80, want, 32);

    /* ring frames are guest frames too */
    f->msr_ret = 0;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    assert_int_equal(f->hv.wrmsr_log[1].val, G);
    assert_int_equal(get64(f->mcap[1].page + 16), G + 64);
    assert_int_equal(get64(f->mcap[1].page + 24), G + 80);
    assert_int_equal(get64(f->mcap[1].page + 32), 2);
    assert_int_equal(get64(f->mcap[1].page + 80), spread(addr_of_ptr(two)) >> 12);
    assert_int_equal(get64(f->mcap[1].page + 88), spread(addr_of_ptr(two + PAGE)) >> 12);
}

static void test_msr_notify_blocks_and_split(void **state)
{
    struct fx *f = *state;
    static struct hmx_ring_query q[210];
    const uint64_t P = addr_of_ptr(f->page);
    const uint64_t zero[4] = {0, 0, 0, 0};
    const uint64_t one[4] = {P + 64, 0, 0, 0};
    uint8_t want[64];
    unsigned i;

    open_f_msr(f, NULL);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    block_bytes(want, HMX_OP_NOTIFY, zero);
    assert_memory_equal(f->mcap[0].page, want, 64);

    memset(q, 0, sizeof(q));
    for (i = 0; i < 210; i++) {
        q[i].ring = addr_to(D2, 500u + i);
        q[i].space_required = 3u * i;
    }
    assert_rc(hmx_notify(&f->ctx, q, 1), 0);
    assert_int_equal(f->hv.nwrmsr, 2);
    block_bytes(want, HMX_OP_NOTIFY, one);
    assert_memory_equal(f->mcap[1].page, want, 64);
    put32(want, 1);
    put32(want + 4, 0);
    query_bytes(want + 8, 500, D2, 0, 0, 0);
    assert_memory_equal(f->mcap[1].page + 64, want, 28);

    assert_int_equal(PAGE_PER_CALL, 201);
    assert_rc(hmx_notify(&f->ctx, q, 210), 0);
    assert_int_equal(f->hv.nwrmsr, 4);
    assert_int_equal(get32(f->mcap[2].page + 64), 201);
    assert_int_equal(get32(f->mcap[3].page + 64), 9);
    query_bytes(want, 500u + 200u, D2, 0, 600, 0);
    assert_memory_equal(f->mcap[2].page + 72 + 200u * 20u, want, 20);
    query_bytes(want, 500u + 201u, D2, 0, 603, 0);
    assert_memory_equal(f->mcap[3].page + 72, want, 20);
    for (i = 0; i < 210; i++) {
        assert_int_equal(q[i].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
        assert_int_equal(q[i].max_message_size, 3u * i + 1u);
    }
}

static void test_msr_hypervisor_that_never_writes_ret_is_eio(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 1, D2);
    struct hmx_ring_query q;
    const struct hmx_addr dst = addr_to(D2, 1);

    open_f_msr(f, NULL);
    f->msr_silent = 1;
    memset(&ring, 0, sizeof(ring));
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), HMX_EIO);
    assert_int_not_equal(ring.live, HMX_RING_LIVE);
    assert_rc(hmx_send(&f->ctx, 1, &dst, "abc", 3, 0), HMX_EIO);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), HMX_EIO);
    assert_rc(hmx_query(&f->ctx, &dst, 0, &q), HMX_EIO);
    assert_int_equal(f->hv.nwrmsr, 4);
    /* what the guest left in ret before each trap */
    assert_int_equal(get64(f->mcap[0].page + 8), (uint64_t)INT64_MIN);
    assert_int_equal(get64((const uint8_t *)f->page + 8), (uint64_t)INT64_MIN);

    /* an MSR that faults (the arch's error) passes through */
    f->hv.on_wrmsr = NULL;
    f->hv.wrmsr_rc = HMX_EFAULT;
    assert_rc(hmx_notify(&f->ctx, NULL, 0), HMX_EFAULT);
}

static void test_msr_ret_decoding(void **state)
{
    struct fx *f = *state;
    const struct hmx_addr dst = addr_to(D2, 1);
    static const struct {
        int64_t ret;
        int want;
    } cases[] = {
        {3, 3},
        {5, 5},
        {0x7FFFFFFF, 0x7FFFFFFF},
        {-111, HMX_ECONNREFUSED},
        {-11, HMX_EAGAIN},
        {-90, HMX_EMSGSIZE},
        {-4095, HMX_EIO},
        {-4096, HMX_EIO},
        {-200, HMX_EIO},
        {0x80000000ll, HMX_EIO},
        {0xFFFFFF91ll, HMX_EIO}, /* the block's ret is 64-bit: no zero-extended form */
        {INT64_MIN, HMX_EIO},
        {INT64_MAX, HMX_EIO},
    };
    size_t i;

    open_f_msr(f, NULL);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->msr_ret = cases[i].ret;
        /* the backend decodes every count; the API takes only the length */
        assert_rc(f->ctx.ops->notify(&f->ctx, NULL, 0), cases[i].want);
        assert_rc(hmx_send(&f->ctx, 1, &dst, "abc", 3, 0),
                  cases[i].want >= 0 && cases[i].want != 3 ? HMX_EIO : cases[i].want);
    }
}

static void test_msr_user_mode_is_epriv_without_trapping(void **state)
{
    struct fx *f = *state;

    open_f_msr(f, NULL);
    mock_hv_set_user(&f->hv, 1);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), HMX_EPRIV);
    assert_int_equal(f->hv.nwrmsr, 0);
    assert_int_equal(f->hv.nrefused, 1);
}

/* ==== CPUID backend: registers ============================================== */

static void test_cpuid_open_rejects_bad_config(void **state)
{
    struct fx *f = *state;
    struct hmx_open_args args = {.backend = &hmx_backend_cpuid, .backend_config = NULL,
                                 .env = NULL};

    assert_rc(hmx_open(&f->ctx, &args), HMX_EINVAL);
    assert_rc(open_cpuid(&f->ctx, &f->hv.ops, CALL_LEAF, NULL, NULL), HMX_EINVAL);
    assert_rc(open_cpuid(&f->ctx, &f->hv.ops, CALL_LEAF, (uint8_t *)f->page + 2048, NULL),
              HMX_EINVAL);
    f->hv.ops.cpuid_call = NULL;
    assert_rc(open_cpuid(&f->ctx, &f->hv.ops, CALL_LEAF, f->page, NULL), HMX_EOPNOTSUPP);
    assert_int_equal(mock_hv_traps(&f->hv), 0);
}

static void test_cpuid_registers_of_each_operation(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    void *mem = alloc_pages(f, 1, 0);
    struct hmx_ring_config c = ring_cfg(mem, PAGE, 42, D2);
    const struct hmx_addr dst = addr_to(D2, 42);
    const uint64_t P = addr_of_ptr(f->page);
    const struct hmx_x86_regs *r = f->hv.cpuid_call_log;
    uint8_t want[16];
    unsigned i;

    memset(f->page, 0xEE, 64); /* the call block: CPUID never touches it */
    assert_rc(open_cpuid(&f->ctx, &f->hv.ops, CALL_LEAF, f->page, NULL), 0);
    assert_string_equal(hmx_backend_name(&f->ctx), "cpuid");
    memset(&ring, 0, sizeof(ring));
    c.flags = HMX_REGISTER_FAIL_EXIST;
    assert_rc(hmx_ring_register(&f->ctx, &ring, &c), 0);
    f->cpuid_rax = 3;
    assert_rc(hmx_send(&f->ctx, 8, &dst, "abc", 3, 0xFEEDu), 3);
    f->cpuid_rax = 0;
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    assert_rc(hmx_ring_unregister(&f->ctx, &ring), 0);
    assert_int_equal(f->hv.ncpuid_call, 4);
    assert_int_equal(mock_hv_traps(&f->hv), 4);
    for (i = 0; i < 4; i++)
        assert_int_equal(r[i].rax, CALL_LEAF);

    /* register: rcx = op, rbx = reg, rdx = frames, rsi = npages, rdi = flags */
    assert_int_equal(r[0].rcx, HMX_OP_REGISTER_RING);
    assert_int_equal(r[0].rbx, P + 64);
    assert_int_equal(r[0].rdx, P + 80);
    assert_int_equal(r[0].rsi, 1);
    assert_int_equal(r[0].rdi, HMX_REGISTER_FAIL_EXIST);
    reg_bytes(want, 42, D2, LEN1);
    assert_memory_equal(f->mcap[0].page + 64, want, 12);
    put64(want, addr_of_ptr(mem) >> 12);
    assert_memory_equal(f->mcap[0].page + 80, want, 8);

    /* sendv */
    assert_int_equal(r[1].rcx, HMX_OP_SENDV);
    assert_int_equal(r[1].rbx, P + 64);
    assert_int_equal(r[1].rdx, P + 80);
    assert_int_equal(r[1].rsi, 1);
    assert_int_equal(r[1].rdi, 0xFEEDu);
    giov_bytes(want, 0, 3);
    put64(want, get64(f->mcap[1].page + 80)); /* the literal's address */
    assert_memory_equal(f->mcap[1].page + 80, want, 16);
    addr_bytes(want, 8, ANY);
    addr_bytes(want + 8, 42, D2);
    assert_memory_equal(f->mcap[1].page + 64, want, 16);

    /* notify without queries: all zero */
    assert_int_equal(r[2].rcx, HMX_OP_NOTIFY);
    assert_int_equal(r[2].rbx, 0);
    assert_int_equal(r[2].rdx, 0);
    assert_int_equal(r[2].rsi, 0);
    assert_int_equal(r[2].rdi, 0);

    /* unregister */
    assert_int_equal(r[3].rcx, HMX_OP_UNREGISTER_RING);
    assert_int_equal(r[3].rbx, P + 64);
    assert_int_equal(r[3].rdx, 0);
    assert_int_equal(r[3].rsi, 0);
    assert_int_equal(r[3].rdi, 0);
    addr_bytes(want, 42, D2);
    assert_memory_equal(f->mcap[3].page + 64, want, 8);

    for (i = 0; i < 64; i++)
        assert_int_equal(((const uint8_t *)f->page)[i], 0xEE);
}

static void test_cpuid_result_is_signed_eax(void **state)
{
    struct fx *f = *state;
    static const struct {
        uint64_t rax;
        int want;
    } cases[] = {
        {0, 0},
        {3, 3},
        {0x7FFFFFFFull, 0x7FFFFFFF},
        {0xFFFFFFFFFFFFFF91ull, HMX_ECONNREFUSED}, /* sign-extended */
        {0xFFFFFF91ull, HMX_ECONNREFUSED},         /* CPUID zero-extends eax */
        {0xFFFFFFF5ull, HMX_EAGAIN},
        {0x80000000ull, HMX_EIO},
        {0xFFFFF000ull, HMX_EIO},
        {0xFFFFFF38ull, HMX_EIO},                  /* -200 */
        {0x0000000100000005ull, 5},                /* only eax counts */
    };
    size_t i;

    assert_rc(open_cpuid(&f->ctx, &f->hv.ops, CALL_LEAF, f->page, NULL), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->cpuid_rax = cases[i].rax;
        /* the backend decodes every count; the API's success is 0 */
        assert_rc(f->ctx.ops->notify(&f->ctx, NULL, 0), cases[i].want);
        assert_rc(hmx_notify(&f->ctx, NULL, 0), cases[i].want > 0 ? 0 : cases[i].want);
    }
    mock_hv_set_user(&f->hv, 1);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), HMX_EPRIV);
    assert_int_equal(f->hv.ncpuid_call, 2 * (sizeof(cases) / sizeof(cases[0])));
}

/* ==== end to end through a reference provider ================================ */

/* register -> sendv -> recv -> query -> unregister between D1 and D2 */
static void round_trip(struct fx *f)
{
    struct hmx_ring ring;
    static const char part1[] = "hello, ", part2[] = "hypervisor";
    const struct hmx_iov iov[2] = {{part1, 7}, {part2, 10}};
    const struct hmx_addr to2 = addr_to(D2, 100);
    struct hmx_msg_info info;
    struct hmx_ring_query q;
    struct hmx_ring_stats st;
    char buf[64];

    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    assert_rc(hmx_provider_ring_stats(&f->p, D2, 100, D1, &st), 0);
    assert_int_equal(st.len, LEN1);

    assert_rc(hmx_sendv(&f->d1.ctx, 55, &to2, iov, 2, 0x77u), 17);
    assert_int_equal(f->nrx[D2], 1);
    memset(buf, 0, sizeof(buf));
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), &info), 17);
    assert_memory_equal(buf, "hello, hypervisor", 17);
    assert_int_equal(info.len, 17);
    assert_int_equal(info.message_type, 0x77u);
    assert_int_equal(info.source.domain, D1);
    assert_int_equal(info.source.port, 55);
    assert_rc(hmx_recv(&ring, buf, sizeof(buf), &info), HMX_EAGAIN);

    assert_rc(hmx_query(&f->d1.ctx, &to2, 100, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, MAX1);
    assert_rc(hmx_query(&f->d1.ctx, &to2, MAX1 + 1u, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE);

    assert_rc(hmx_ring_unregister(&f->d2.ctx, &ring), 0);
    assert_rc(hmx_provider_ring_stats(&f->p, D2, 100, D1, &st), HMX_ENOENT);
    assert_rc(hmx_send(&f->d1.ctx, 55, &to2, "x", 1, 0), HMX_ECONNREFUSED);
    assert_rc(hmx_query(&f->d1.ctx, &to2, 0, &q), 0);
    assert_int_equal(q.flags, 0);
    /* every operation was one call served by the provider */
    assert_int_equal(f->d1.ncalls, 5);
    assert_int_equal(f->d2.ncalls, 2);
}

static void test_msr_end_to_end_round_trip(void **state)
{
    struct fx *f = *state;

    open_doms_msr(f);
    round_trip(f);
    assert_int_equal(f->d1.hv.nwrmsr, 5);
    assert_int_equal(f->d2.hv.nwrmsr, 2);
    assert_int_equal(mock_hv_traps(&f->d1.hv), 5);
    assert_int_equal(f->d1.hv.wrmsr_log[0].msr, MSR_IDX);
    assert_int_equal(f->d1.hv.wrmsr_log[0].val, addr_of_ptr(f->d1.page));
}

static void test_msr_end_to_end_send_errors(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    static uint8_t big[MAX1 + 1u];
    const struct hmx_addr to2 = addr_to(D2, 100);
    const struct hmx_addr nobody = addr_to(D2, 101);
    const struct hmx_addr ghost = addr_to(6, 100);

    open_doms_msr(f);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, "x", 1, 0), HMX_ECONNREFUSED);
    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    assert_rc(hmx_send(&f->d1.ctx, 1, &nobody, "x", 1, 0), HMX_ECONNREFUSED);
    assert_rc(hmx_send(&f->d1.ctx, 1, &ghost, "x", 1, 0), HMX_ESRCH);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, big, MAX1 + 1u, 0), HMX_EMSGSIZE);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, big, MAX1, 0), (int)MAX1);
    /* D2's ring is for D1 only */
    assert_rc(hmx_send(&f->d2.ctx, 1, &to2, "x", 1, 0), HMX_ECONNREFUSED);
    /* registering the same ring twice with FAIL_EXIST */
    {
        struct hmx_ring again;
        struct hmx_ring_config c = ring_cfg(alloc_pages(f, 1, 0), PAGE, 100, D1);

        c.flags = HMX_REGISTER_FAIL_EXIST;
        memset(&again, 0, sizeof(again));
        assert_rc(hmx_ring_register(&f->d2.ctx, &again, &c), HMX_EEXIST);
    }
    assert_int_equal(f->d1.hv.nwrmsr, f->d1.ncalls);
}

static void test_msr_end_to_end_full_ring_then_space_signal(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    static uint8_t msg[1000];
    const struct hmx_addr to2 = addr_to(D2, 100);
    struct hmx_msg_info info;
    int sent = 0, rc;

    open_doms_msr(f);
    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    while ((rc = hmx_send(&f->d1.ctx, 1, &to2, msg, sizeof(msg), 0)) == (int)sizeof(msg))
        sent++;
    assert_rc(rc, HMX_EAGAIN);
    assert_int_equal(sent, 3);
    assert_int_equal(f->nspace[D1], 0);
    /* D2 makes room and notifies: D1 is told there is space */
    assert_rc(hmx_recv(&ring, msg, sizeof(msg), &info), sizeof(msg));
    assert_rc(hmx_notify(&f->d2.ctx, NULL, 0), 0);
    assert_int_equal(f->nspace[D1], 1);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, msg, sizeof(msg), 0), sizeof(msg));
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, msg, sizeof(msg), 0), HMX_EAGAIN);
}

static void test_msr_end_to_end_policy_denial(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    const struct hmx_addr to2 = addr_to(D2, 666);
    struct hmx_ring_query q;

    open_doms_msr(f);
    must_ring(f, &f->d2.ctx, &ring, 666, D1);
    f->deny_port = 666;
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, "x", 1, 0), HMX_EACCES);
    assert_rc(hmx_query(&f->d1.ctx, &to2, 0, &q), HMX_EACCES);
    assert_int_equal(f->naudit, 2);
    assert_int_equal(f->p.denials, 2);
    f->deny_port = 0;
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, "x", 1, 0), 1);
}

static void test_msr_end_to_end_long_query_list(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    static struct hmx_ring_query q[HMX_NOTIFY_MAX];
    unsigned i;

    open_doms_msr(f);
    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    memset(q, 0, sizeof(q));
    for (i = 0; i < HMX_NOTIFY_MAX; i++) {
        q[i].ring = addr_to(D2, i % 3 == 0 ? 100 : 1000u + i);
        q[i].space_required = i;
        q[i].flags = 0xFFFF;
    }
    assert_rc(hmx_notify(&f->d1.ctx, q, HMX_NOTIFY_MAX), 0);
    assert_int_equal(f->d1.hv.nwrmsr, 2); /* 201 + 55 */
    for (i = 0; i < HMX_NOTIFY_MAX; i++) {
        if (i % 3 == 0) {
            assert_int_equal(q[i].flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
            assert_int_equal(q[i].max_message_size, MAX1);
        } else {
            assert_int_equal(q[i].flags, 0);
        }
        assert_int_equal(q[i].ring.port, i % 3 == 0 ? 100 : 1000u + i);
        assert_int_equal(q[i].space_required, i);
    }
}

static void test_cpuid_end_to_end_round_trip(void **state)
{
    struct fx *f = *state;

    open_doms_cpuid(f);
    round_trip(f);
    assert_int_equal(f->d1.hv.ncpuid_call, 5);
    assert_int_equal(f->d2.hv.ncpuid_call, 2);
    assert_int_equal(f->d1.hv.nwrmsr, 0);
    assert_int_equal(f->d1.hv.cpuid_call_log[0].rax, CALL_LEAF);
}

static void test_cpuid_end_to_end_errors(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    static uint8_t msg[1000], big[MAX1 + 1u];
    const struct hmx_addr to2 = addr_to(D2, 100);
    struct hmx_msg_info info;
    int sent = 0, rc;

    open_doms_cpuid(f);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, msg, 1, 0), HMX_ECONNREFUSED);
    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, big, sizeof(big), 0), HMX_EMSGSIZE);
    while ((rc = hmx_send(&f->d1.ctx, 1, &to2, msg, sizeof(msg), 0)) == (int)sizeof(msg))
        sent++;
    assert_rc(rc, HMX_EAGAIN);
    assert_int_equal(sent, 3);
    assert_rc(hmx_recv(&ring, msg, sizeof(msg), &info), sizeof(msg));
    assert_rc(hmx_notify(&f->d2.ctx, NULL, 0), 0);
    assert_int_equal(f->nspace[D1], 1);
    f->deny_port = 100;
    assert_rc(hmx_send(&f->d1.ctx, 1, &to2, msg, 1, 0), HMX_EACCES);
    /* a CPUID on another leaf is no call at all */
    f->d1.leaf = CALL_LEAF + 1u;
    assert_rc(hmx_notify(&f->d1.ctx, NULL, 0), 0);
    assert_int_equal(f->d1.hv.ncpuid_call, f->d1.ncalls + 1u);
}

/* ==== hmx_provider_call: argument checks ===================================== */

static int call(struct fx *f, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    const uint64_t a[4] = {a0, a1, a2, a3};

    return hmx_provider_call(&f->p, D1, op, a, f->d1.scratch, SCRATCH);
}

static void test_provider_call_unknown_op_is_eopnotsupp(void **state)
{
    struct fx *f = *state;
    /* 0, Xen's reserved 5..15, far beyond the extensions */
    static const uint32_t ops[] = {0, 5, 6, 15, 0x1000u, 0x80000004u, 0xFFFFFFFFu};
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        assert_rc(call(f, ops[i], 0, 0, 0, 0), HMX_EOPNOTSUPP);
    assert_rc(hmx_provider_call(NULL, D1, HMX_OP_NOTIFY, f->d1.scratch, NULL, 0), HMX_EINVAL);
    assert_rc(hmx_provider_call(&f->p, D1, HMX_OP_NOTIFY, NULL, NULL, 0), HMX_EINVAL);
}

static void test_provider_call_nonzero_unused_args_are_einval(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_unreg u = {.port = 1, .partner = D2, .pad = 0};
    const uint64_t ua = addr_of_ptr(&u);

    assert_rc(call(f, HMX_OP_UNREGISTER_RING, ua, 1, 0, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_UNREGISTER_RING, ua, 0, 1, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_UNREGISTER_RING, ua, 0, 0, 1), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_UNREGISTER_RING, ua, 0, 0, 0), HMX_ENOENT);
    assert_rc(call(f, HMX_OP_NOTIFY, 0, 1, 0, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_NOTIFY, 0, 0, 1, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_NOTIFY, 0, 0, 0, 0x100000000ull), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_NOTIFY, 0, 0, 0, 0), 0);
}

static void test_provider_call_sendv_argument_checks(void **state)
{
    struct fx *f = *state;
    struct hmx_ring ring;
    struct hmx_send_addr sa;
    struct hmx_giov iov[9];
    static const char payload[] = "payload";
    unsigned i;

    open_doms_msr(f);
    must_ring(f, &f->d2.ctx, &ring, 100, D1);
    sa.src = addr_to(ANY, 1);
    sa.dst = addr_to(D2, 100);
    for (i = 0; i < 9; i++) {
        iov[i].gaddr = addr_of_ptr(payload);
        iov[i].len = 1;
        iov[i].pad = 0;
    }
    assert_rc(call(f, HMX_OP_SENDV, addr_of_ptr(&sa), addr_of_ptr(iov), 9, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_SENDV, addr_of_ptr(&sa), addr_of_ptr(iov), 8, 1ull << 32),
              HMX_EINVAL);
    assert_rc(call(f, HMX_OP_SENDV, addr_of_ptr(&sa), addr_of_ptr(iov), 8, 0xFFFFFFFFull), 8);
    /* the checks come before any copy: nothing was written by the bad calls */
    {
        struct hmx_ring_stats st;

        assert_rc(hmx_provider_ring_stats(&f->p, D2, 100, D1, &st), 0);
        assert_int_equal(st.messages, 1);
    }
}

static void test_provider_call_register_argument_checks(void **state)
{
    struct fx *f = *state;
    void *mem = alloc_pages(f, 1, 0);
    struct hmx_ring_reg reg = {.port = 9, .partner = D2, .pad = 0, .len = LEN1};
    hmx_gfn_t gfn[2] = {addr_of_ptr(mem) >> 12, (addr_of_ptr(mem) >> 12) + 1u};
    const uint64_t ra = addr_of_ptr(&reg), ga = addr_of_ptr(gfn);
    const uint64_t a[4] = {ra, ga, 1, 0};

    assert_rc(call(f, HMX_OP_REGISTER_RING, ra, ga, 1, 1ull << 32), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_REGISTER_RING, ra, ga, SCRATCH + 1u, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_REGISTER_RING, ra, ga, HMX_RING_NPAGES(HMX_RING_MAX_LEN) + 1u, 0),
              HMX_EINVAL);
    assert_rc(hmx_provider_call(&f->p, D1, HMX_OP_REGISTER_RING, a, NULL, 0), HMX_EINVAL);
    assert_rc(call(f, HMX_OP_REGISTER_RING, ra, ga, 2, 0), HMX_EINVAL); /* npages != NPAGES(len) */
    assert_rc(call(f, HMX_OP_REGISTER_RING, ra, ga, 1, 0), 0);
    assert_int_equal(f->d1.scratch[0], gfn[0]);
}

static void test_provider_call_unreadable_memory_is_efault(void **state)
{
    struct fx *f = *state;
    struct hmx_send_addr sa;
    hmx_gfn_t gfn = 1;

    sa.src = addr_to(ANY, 1);
    sa.dst = addr_to(D2, 100);
    /* address 0: the in-process hooks refuse it */
    assert_rc(call(f, HMX_OP_REGISTER_RING, 0, addr_of_ptr(&gfn), 1, 0), HMX_EFAULT);
    assert_rc(call(f, HMX_OP_UNREGISTER_RING, 0, 0, 0, 0), HMX_EFAULT);
    assert_rc(call(f, HMX_OP_SENDV, 0, 0, 1, 0), HMX_EFAULT);
    assert_rc(call(f, HMX_OP_SENDV, addr_of_ptr(&sa), 0, 1, 0), HMX_EFAULT);
    assert_rc(call(f, HMX_OP_NOTIFY, UINT64_MAX - 3u, 0, 0, 0), HMX_EFAULT);
}

static int failing_copy(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len)
{
    unsigned *n = host;

    (void)dom;
    (void)dst;
    (void)gaddr;
    (void)len;
    (*n)++;
    return -1; /* not even an HMX code: still EFAULT to the guest */
}

static void test_provider_call_failing_copy_hook_is_efault(void **state)
{
    struct fx *f = *state;
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 2, 2);
    struct hmx_provider_hooks h;
    struct hmx_ring_unreg u = {.port = 1, .partner = D2, .pad = 0};
    struct hmx_ring_data_hdr hdr = {.nent = 1, .pad = 0};
    hmx_gfn_t scratch[4];
    uint64_t a[4] = {addr_of_ptr(&u), 0, 0, 0};
    unsigned copies = 0;

    (void)f;
    hmx_inproc_hooks(&h, &copies);
    h.copy_from_guest = failing_copy;
    assert_rc(hmx_provider_init(&p, &h, st_domains, 2, st_rings, 2, 0), 0);
    assert_rc(hmx_provider_domain_add(&p, D1, 0), 0);
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_UNREGISTER_RING, a, scratch, 4), HMX_EFAULT);
    a[0] = addr_of_ptr(&hdr);
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_NOTIFY, a, scratch, 4), HMX_EFAULT);
    a[1] = addr_of_ptr(&u);
    a[2] = 1;
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_SENDV, a, scratch, 4), HMX_EFAULT);
    a[3] = 0;
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_REGISTER_RING, a, scratch, 4), HMX_EFAULT);
    assert_int_equal(copies, 4);
    hmx_provider_fini(&p);
}

static void test_provider_call_notify_entry_counts(void **state)
{
    struct fx *f = *state;
    static struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query q[HMX_NOTIFY_MAX + 1u];
    } rd;
    unsigned i;

    memset(&rd, 0, sizeof(rd));
    for (i = 0; i <= HMX_NOTIFY_MAX; i++) {
        rd.q[i].ring = addr_to(D2, i);
        rd.q[i].flags = 0xFFFF;
    }
    rd.hdr.nent = HMX_NOTIFY_MAX + 1u;
    assert_rc(call(f, HMX_OP_NOTIFY, addr_of_ptr(&rd), 0, 0, 0), HMX_EACCES);
    assert_int_equal(rd.q[0].flags, 0xFFFF); /* nothing answered */
    rd.hdr.nent = 0xFFFFFFFFu;
    assert_rc(call(f, HMX_OP_NOTIFY, addr_of_ptr(&rd), 0, 0, 0), HMX_EACCES);
    rd.hdr.nent = HMX_NOTIFY_MAX;
    assert_rc(call(f, HMX_OP_NOTIFY, addr_of_ptr(&rd), 0, 0, 0), 0);
    for (i = 0; i < HMX_NOTIFY_MAX; i++)
        assert_int_equal(rd.q[i].flags, 0); /* no such rings: answered, no flags */
    assert_int_equal(rd.q[HMX_NOTIFY_MAX].flags, 0xFFFF);
    rd.hdr.nent = 0;
    assert_rc(call(f, HMX_OP_NOTIFY, addr_of_ptr(&rd), 0, 0, 0), 0);
}

static void test_provider_call_notify_needs_copy_to_guest(void **state)
{
    struct fx *f = *state;
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 2, 2);
    struct hmx_provider_hooks h;
    struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query q[1];
    } rd;
    hmx_gfn_t scratch[4];
    uint64_t a[4] = {addr_of_ptr(&rd), 0, 0, 0};

    (void)f;
    memset(&rd, 0, sizeof(rd));
    rd.hdr.nent = 1;
    rd.q[0].ring = addr_to(D1, 1);
    hmx_inproc_hooks(&h, NULL);
    h.copy_to_guest = NULL;
    assert_rc(hmx_provider_init(&p, &h, st_domains, 2, st_rings, 2, 0), 0);
    assert_rc(hmx_provider_domain_add(&p, D1, 0), 0);
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_NOTIFY, a, scratch, 4), HMX_EFAULT);
    rd.hdr.nent = 0; /* nothing to answer: no copy needed */
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_NOTIFY, a, scratch, 4), 0);
    a[0] = 0;
    assert_rc(hmx_provider_call(&p, D1, HMX_OP_NOTIFY, a, scratch, 4), 0);
    hmx_provider_fini(&p);
}

static void test_provider_call_unknown_caller_is_enodev(void **state)
{
    struct fx *f = *state;
    const uint64_t a[4] = {0, 0, 0, 0};

    assert_rc(hmx_provider_call(&f->p, 5, HMX_OP_NOTIFY, a, NULL, 0), HMX_ENODEV);
}

/* ==== probe -> hmx_open_probed ============================================== */

static void hmx_guest(struct mock_hv *hv)
{
    mock_hv_machine(hv, MOCK_HV_INTEL, 1);
    mock_hv_signature(hv, HV0, HV0 + 1u, "KVMKVMKVM\0\0\0");
    mock_hv_hmx_block(hv, 0x40000100u, 0x40000114u, HMX_INTERFACE_VERSION,
                      HMX_MECH_BIT(HMX_MECH_MSR) | HMX_MECH_BIT(HMX_MECH_CPUID), 0, 0, MSR_IDX,
                      CALL_LEAF);
}

static void test_open_probed_msr(void **state)
{
    struct fx *f = *state;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args oa = {.arch = &f->d1.hv.ops, .env = NULL, .call_page = NULL};
    struct hmx_ring ring;
    struct hmx_ring_stats st;

    hmx_guest(&f->d1.hv);
    memset(&opt, 0, sizeof(opt));
    opt.arch = &f->d1.hv.ops;
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_int_equal(res.chosen, HMX_MECH_MSR);
    assert_int_equal(res.mech[HMX_MECH_MSR].param, MSR_IDX);

    /* the MSR mechanism needs a call page */
    assert_rc(hmx_open_probed(&f->d1.ctx, &res, &oa), HMX_EINVAL);
    oa.call_page = f->d1.page;
    assert_rc(hmx_open_probed(&f->d1.ctx, &res, &oa), 0);
    assert_string_equal(hmx_backend_name(&f->d1.ctx), "msr");

    mock_hv_clear_counters(&f->d1.hv);
    must_ring(f, &f->d1.ctx, &ring, 31, D2);
    assert_int_equal(f->d1.hv.nwrmsr, 1);
    assert_int_equal(f->d1.hv.wrmsr_log[0].msr, MSR_IDX);
    assert_int_equal(f->d1.hv.wrmsr_log[0].val, addr_of_ptr(f->d1.page));
    assert_rc(hmx_provider_ring_stats(&f->p, D1, 31, D2, &st), 0);

    /* the index the discovery block names is the one used */
    assert_rc(hmx_ring_unregister(&f->d1.ctx, &ring), 0);
    hmx_close(&f->d1.ctx);
    mock_hv_leaf(&f->d1.hv, 0x40000113u, 0x400000C5u, 0, 0, 0);
    f->d1.msr = 0x400000C5u;
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_rc(hmx_open_probed(&f->d1.ctx, &res, &oa), 0);
    mock_hv_clear_counters(&f->d1.hv);
    must_ring(f, &f->d1.ctx, &ring, 32, D2);
    assert_int_equal(f->d1.hv.wrmsr_log[0].msr, 0x400000C5u);
}

static void test_open_probed_cpuid(void **state)
{
    struct fx *f = *state;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args oa = {.arch = &f->d1.hv.ops, .env = NULL,
                                      .call_page = f->d1.page};
    struct hmx_ring ring;

    hmx_guest(&f->d1.hv);
    memset(&opt, 0, sizeof(opt));
    opt.arch = &f->d1.hv.ops;
    opt.allow = HMX_MECH_BIT(HMX_MECH_CPUID);
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_int_equal(res.chosen, HMX_MECH_CPUID);
    assert_rc(hmx_open_probed(&f->d1.ctx, &res, &oa), 0);
    assert_string_equal(hmx_backend_name(&f->d1.ctx), "cpuid");
    must_ring(f, &f->d1.ctx, &ring, 33, D2);
    assert_int_equal(f->d1.hv.ncpuid_call, 1);
    assert_int_equal(f->d1.hv.cpuid_call_log[0].rax, CALL_LEAF);
    assert_int_equal(f->d1.hv.cpuid_call_log[0].rcx, HMX_OP_REGISTER_RING);
    assert_int_equal(f->d1.hv.nwrmsr, 0);
}

static void test_open_probed_xen(void **state)
{
    struct fx *f = *state;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args oa = {.arch = &f->hv.ops, .env = NULL, .call_page = NULL};
    const struct hmx_addr dst = addr_to(D2, 5);
    void *hpage = alloc_pages(f, 1, 0);

    mock_hv_machine(&f->hv, MOCK_HV_AMD, 1);
    mock_hv_xen(&f->hv, HV0, 0x00040011u, 0x40000000u);
    memset(&opt, 0, sizeof(opt));
    opt.arch = &f->hv.ops;
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_int_equal(res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_rc(hmx_open_probed(&f->ctx, &res, &oa), 0);
    assert_string_equal(hmx_backend_name(&f->ctx), "xen-hypercall");
    f->hv.xen_ret = 1;
    assert_rc(hmx_send(&f->ctx, 1, &dst, "x", 1, 0), 1);
    assert_int_equal(f->hv.nxen, 2); /* the probe's notify, then the send */
    assert_int_equal(f->cap[1].entry, HMX_XEN_ENTRY_VMMCALL);
    assert_int_equal(f->cap[1].args[0], HMX_OP_SENDV);
    hmx_close(&f->ctx);

    /* with a hypercall page installed by the probe */
    opt.xen_hypercall_page = hpage;
    f->hv.xen_ret = 0;
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_int_equal(res.xen_entry, HMX_XEN_ENTRY_PAGE);
    assert_rc(hmx_open_probed(&f->ctx, &res, &oa), 0);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    assert_int_equal(f->hv.nxen, 4);
    assert_int_equal(f->cap[3].entry, HMX_XEN_ENTRY_PAGE);
    assert_ptr_equal(f->cap[3].page, hpage);
}

static void test_open_probed_none_is_enomech(void **state)
{
    struct fx *f = *state;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;

    mock_hv_machine(&f->hv, MOCK_HV_INTEL, 0);
    memset(&opt, 0, sizeof(opt));
    opt.arch = &f->hv.ops;
    assert_rc(hmx_probe(&res, &opt), 0);
    assert_int_equal(res.chosen, HMX_MECH_NONE);
    assert_rc(hmx_open_probed(&f->ctx, &res, NULL), HMX_ENOMECH);
    assert_string_equal(hmx_backend_name(&f->ctx), "closed");
    assert_rc(hmx_open_probed(NULL, &res, NULL), HMX_EINVAL);
    assert_rc(hmx_open_probed(&f->ctx, NULL, NULL), HMX_EINVAL);
    res.chosen = 8; /* a mechanism this library has no backend for */
    assert_rc(hmx_open_probed(&f->ctx, &res, NULL), HMX_EOPNOTSUPP);
    assert_string_equal(hmx_backend_name(&f->ctx), "closed");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_xen_open_rejects_bad_config),
        T(test_xen_register_one_page_ring_bytes),
        T(test_xen_register_large_ring_names_caller_list),
        T(test_xen_unregister_bytes),
        T(test_xen_sendv_one_iov_bytes),
        T(test_xen_sendv_eight_iovs_bytes),
        T(test_xen_sendv_zero_length_iov_is_passed_on),
        T(test_xen_sendv_success_returns_byte_count),
        T(test_xen_sendv_errors_in_both_encodings),
        T(test_xen_sendv_implausible_results_are_eio),
        T(test_xen_notify_without_queries_has_zero_args),
        T(test_xen_notify_one_query_bytes),
        T(test_xen_notify_forty_queries_split_by_staging_capacity),
        T(test_xen_notify_over_limit_rejected_before_any_call),
        T(test_xen_notify_error_stops_the_split),
        T(test_xen_hypercall_page_entry_carries_the_page),
        T(test_xen_user_mode_answers_epriv_without_trapping),
        T(test_xen_decode_every_errno_in_both_encodings),
        T(test_xen_decode_boundaries),
        T(test_msr_open_rejects_bad_config),
        T(test_msr_register_one_wrmsr_block_and_staging),
        T(test_msr_unregister_block),
        T(test_msr_sendv_block_and_physical_iovs),
        T(test_msr_guest_physical_addresses_through_env),
        T(test_msr_notify_blocks_and_split),
        T(test_msr_hypervisor_that_never_writes_ret_is_eio),
        T(test_msr_ret_decoding),
        T(test_msr_user_mode_is_epriv_without_trapping),
        T(test_cpuid_open_rejects_bad_config),
        T(test_cpuid_registers_of_each_operation),
        T(test_cpuid_result_is_signed_eax),
        T(test_msr_end_to_end_round_trip),
        T(test_msr_end_to_end_send_errors),
        T(test_msr_end_to_end_full_ring_then_space_signal),
        T(test_msr_end_to_end_policy_denial),
        T(test_msr_end_to_end_long_query_list),
        T(test_cpuid_end_to_end_round_trip),
        T(test_cpuid_end_to_end_errors),
        T(test_provider_call_unknown_op_is_eopnotsupp),
        T(test_provider_call_nonzero_unused_args_are_einval),
        T(test_provider_call_sendv_argument_checks),
        T(test_provider_call_register_argument_checks),
        T(test_provider_call_unreadable_memory_is_efault),
        T(test_provider_call_failing_copy_hook_is_efault),
        T(test_provider_call_notify_entry_counts),
        T(test_provider_call_notify_needs_copy_to_guest),
        T(test_provider_call_unknown_caller_is_enodev),
        T(test_open_probed_msr),
        T(test_open_probed_cpuid),
        T(test_open_probed_xen),
        T(test_open_probed_none_is_enomech),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
