/* SPDX-License-Identifier: MIT */
/*
 * v4v (OpenXT and uXen) behind the HMX API:
 *
 *  - ring images in each dialect's header layout, built here byte by byte,
 *    read by the reader and compared after the writer wrote them;
 *  - each dialect's marshalling, byte by byte: a mock hypervisor copies
 *    out every structure a v4v_op names at the moment of the trap and the
 *    tests compare it with bytes written out by hand (little-endian);
 *  - the error, flag and wildcard mappings in both directions;
 *  - the probe's classification of Xen with Argo, OpenXT's v4v (on
 *    hypercall 39 and on 43) and uXen's v4v;
 *  - end to end: two domains whose traps the reference provider serves in
 *    each dialect (hmx_provider_v4v_call).
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
#include "hmx/probe.h"
#include "hmx/provider.h"
#include "hmx/ring.h"
#include "hmx/v4v.h"
#include "mock_hv.h"

#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (int)(expr);                                                                 \
        int want_ = (int)(want);                                                               \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define PAGE 4096u
#define RAW(neg) ((uint64_t)(int64_t)(neg))
#define ZX(neg) ((uint64_t)(uint32_t)(int32_t)(neg))
#define HV0 0x40000000u
#define XEN_MSR 0x40000000u

/* ---- little-endian byte writers for the expected images ---------------- */

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

static const struct hmx_ring_layout *layout_of(uint32_t dialect)
{
    return dialect == HMX_V4V_OPENXT ? &hmx_ring_layout_v4v_openxt : &hmx_ring_layout_v4v_uxen;
}

/* The v4v ring header, field by field, as OpenXT's and uXen's v4v.h
 * declare it: magic @0, id {port @8, domain @12, partner @14}, len @16,
 * rx @20, tx @24, zero to the end (60 or 64 bytes). */
static void v4v_header(uint8_t *img, uint32_t dialect, uint32_t port, uint16_t dom,
                       uint16_t partner, uint32_t len, uint32_t rx, uint32_t tx)
{
    memset(img, 0, dialect == HMX_V4V_OPENXT ? 60 : 64);
    le64(img, dialect == HMX_V4V_OPENXT ? 0xdf6977f231abd910ull : 0xac67e163e7267f2full);
    le32(img + 8, port);
    le16(img + 12, dom);
    le16(img + 14, partner);
    le32(img + 16, len);
    le32(img + 20, rx);
    le32(img + 24, tx);
}

/* One message: the 16-byte header Argo and v4v share, then the payload. */
static void message(uint8_t *at, uint32_t port, uint16_t dom, uint32_t type, const char *payload)
{
    uint32_t n = (uint32_t)strlen(payload);

    le32(at, 16u + n);
    le32(at + 4, port);
    le16(at + 8, dom);
    le16(at + 10, 0);
    le32(at + 12, type);
    memcpy(at + 16, payload, n);
}

/* ---- layouts ------------------------------------------------------------ */

static void test_layouts(void **state)
{
    struct hmx_ring_layout bad;

    (void)state;
    assert_true(hmx_ring_layout_check(&hmx_ring_layout_argo));
    assert_true(hmx_ring_layout_check(&hmx_ring_layout_v4v_openxt));
    assert_true(hmx_ring_layout_check(&hmx_ring_layout_v4v_uxen));
    assert_int_equal(hmx_ring_layout_v4v_openxt.hdr_size, 60);
    assert_int_equal(hmx_ring_layout_v4v_uxen.hdr_size, 64);
    assert_int_equal(hmx_ring_layout_argo.hdr_size, 64);
    assert_ptr_equal(hmx_v4v_layout(HMX_V4V_OPENXT), &hmx_ring_layout_v4v_openxt);
    assert_ptr_equal(hmx_v4v_layout(HMX_V4V_UXEN), &hmx_ring_layout_v4v_uxen);
    assert_null(hmx_v4v_layout(0));

    assert_false(hmx_ring_layout_check(NULL));
    bad = hmx_ring_layout_v4v_openxt;
    bad.hdr_size = 68; /* larger than the space hmx_ring_len_for leaves */
    assert_false(hmx_ring_layout_check(&bad));
    bad = hmx_ring_layout_v4v_openxt;
    bad.tx_off = 58; /* runs past the header */
    assert_false(hmx_ring_layout_check(&bad));
    bad = hmx_ring_layout_v4v_openxt;
    bad.len_off = 20; /* on top of rx_ptr */
    assert_false(hmx_ring_layout_check(&bad));
    bad = hmx_ring_layout_v4v_openxt;
    bad.rx_off = 22; /* misaligned */
    assert_false(hmx_ring_layout_check(&bad));
}

/* ---- ring images: reader ------------------------------------------------ */

#define RLEN 256u

static _Alignas(4096) uint8_t ring_mem[PAGE];
static uint8_t ring_want[PAGE];

static void reader_image(uint32_t dialect)
{
    const uint32_t hs = layout_of(dialect)->hdr_size;
    struct hmx_ring_reader r;
    struct hmx_msg_info info;
    char buf[32];

    /* Two messages: 5 bytes (one slot of payload) and 20 bytes (two). */
    memset(ring_mem, 0xEE, sizeof(ring_mem));
    v4v_header(ring_mem, dialect, 0x10, 3, 0x7FFF, RLEN, 0, 80);
    message(ring_mem + hs, 0x1234, 7, 0xAABBCCDDu, "hello");
    message(ring_mem + hs + 32, 0x99, 8, 0x3c2c1db8u, "twenty bytes payload");
    memcpy(ring_want, ring_mem, sizeof(ring_mem));

    assert_rc(hmx_ring_reader_init_layout(&r, ring_mem, RLEN, 0, layout_of(dialect)), 0);
    assert_ptr_equal(r.data, ring_mem + hs);
    assert_rc(hmx_ring_pending(&r), 80);
    assert_rc(hmx_ring_recv(&r, buf, sizeof(buf), &info), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(info.source.port, 0x1234);
    assert_int_equal(info.source.domain, 7);
    assert_int_equal(info.message_type, 0xAABBCCDDu);
    /* Only rx_ptr, at offset 20, changed: 32 */
    le32(ring_want + 20, 32);
    assert_memory_equal(ring_mem, ring_want, sizeof(ring_mem));
    assert_rc(hmx_ring_recv(&r, buf, sizeof(buf), &info), 20);
    assert_memory_equal(buf, "twenty bytes payload", 20);
    assert_int_equal(info.source.domain, 8);
    assert_int_equal(info.message_type, 0x3c2c1db8u);
    le32(ring_want + 20, 80);
    assert_memory_equal(ring_mem, ring_want, sizeof(ring_mem));
    assert_rc(hmx_ring_recv(&r, buf, sizeof(buf), &info), HMX_EAGAIN);

    /* Argo's index offsets (0 and 4) hold the magic here: never read.
     * The layout's tx_ptr is: an unaligned one is corrupt. */
    le32(ring_mem + 24, 81);
    assert_rc(hmx_ring_recv(&r, buf, sizeof(buf), &info), HMX_ECORRUPT);
    le32(ring_mem + 24, RLEN);
    assert_rc(hmx_ring_pending(&r), HMX_ECORRUPT);
    /* A header claiming more than was written is corrupt too. */
    le32(ring_mem + 24, 112);
    le32(ring_mem + hs + 80, 16u + 40u);
    assert_rc(hmx_ring_peek(&r, &info), HMX_ECORRUPT);
    le32(ring_mem + hs + 80, 16u + 3u);
    assert_rc(hmx_ring_skip(&r), 3);

    /* Adopting a ring whose rx_ptr (offset 20) is off a slot fails. */
    le32(ring_mem + 20, 8);
    assert_rc(hmx_ring_reader_init_layout(&r, ring_mem, RLEN, 0, layout_of(dialect)),
              HMX_ECORRUPT);
}

static void test_reader_openxt_image(void **state)
{
    (void)state;
    reader_image(HMX_V4V_OPENXT);
}

static void test_reader_uxen_image(void **state)
{
    (void)state;
    reader_image(HMX_V4V_UXEN);
}

/* A reset writes the header a v4v hypervisor expects to find. */
static void reset_image(uint32_t dialect)
{
    struct hmx_ring_reader r;

    memset(ring_mem, 0xEE, sizeof(ring_mem));
    memset(ring_want, 0xEE, sizeof(ring_want));
    v4v_header(ring_want, dialect, 0, 0, 0, RLEN, 0, 0);
    assert_rc(hmx_ring_reader_init_layout(&r, ring_mem, RLEN, 1, layout_of(dialect)), 0);
    assert_memory_equal(ring_mem, ring_want, sizeof(ring_mem));
}

static void test_reader_reset_writes_v4v_header(void **state)
{
    (void)state;
    reset_image(HMX_V4V_OPENXT);
    reset_image(HMX_V4V_UXEN);
}

/*
 * The reader's guarantees hold in every layout: with tx_ptr and message
 * headers drawn at random (fixed seed), every call answers a payload
 * length that fits, EAGAIN, ENOBUFS or ECORRUPT, and the cursor stays on a
 * slot inside the ring.  The memory is exactly header + data area, from
 * malloc, so AddressSanitizer builds catch any read past it.
 */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state >> 16);
}

static void hostile_layout(const struct hmx_ring_layout *lay)
{
    unsigned iter;

    for (iter = 0; iter < 4000; iter++) {
        const uint32_t len = 48u + 16u * (rnd() % 14u);
        uint8_t *mem = malloc(lay->hdr_size + len);
        struct hmx_ring_reader r;
        struct hmx_msg_info info;
        uint8_t buf[256];
        uint32_t i, tx;
        int rc, k;

        assert_non_null(mem);
        assert_int_equal((uintptr_t)mem % 16u, 0);
        for (i = 0; i < lay->hdr_size + len; i++)
            mem[i] = (uint8_t)rnd();
        assert_rc(hmx_ring_reader_init_layout(&r, mem, len, 1, lay), 0);
        for (k = 0; k < 8; k++) {
            /* A hostile writer: any tx_ptr (mostly near valid), any header. */
            tx = rnd() % 4u == 0 ? rnd() : (rnd() % (len / 16u)) * 16u;
            memcpy(mem + lay->tx_off, &tx, 4);
            if (rnd() % 2u == 0) {
                uint32_t mlen = rnd() % 3u == 0 ? rnd() : rnd() % (len + 16u);

                memcpy(mem + lay->hdr_size + r.rx, &mlen, 4);
            }
            rc = hmx_ring_recv(&r, buf, (size_t)(rnd() % sizeof(buf)), &info);
            assert_true(rc == HMX_EAGAIN || rc == HMX_ECORRUPT || rc == HMX_ENOBUFS ||
                        (rc >= 0 && (uint32_t)rc <= len - 32u));
            assert_true(r.rx < len && r.rx % 16u == 0);
        }
        free(mem);
    }
}

static void test_reader_hostile_every_layout(void **state)
{
    (void)state;
    hostile_layout(&hmx_ring_layout_argo);
    hostile_layout(&hmx_ring_layout_v4v_openxt);
    hostile_layout(&hmx_ring_layout_v4v_uxen);
}

/* ---- ring images: writer ------------------------------------------------ */

static void writer_image(uint32_t dialect)
{
    const uint32_t hs = layout_of(dialect)->hdr_size;
    const struct hmx_addr src = {0x1234, 7, 0};
    struct hmx_ring_writer w;
    struct hmx_iov iov[2] = {{"hel", 3}, {"lo", 2}};
    uint32_t i;

    memset(ring_mem, 0, sizeof(ring_mem));
    v4v_header(ring_mem, dialect, 0x10, 3, 0x7FFF, RLEN, 0, 0);
    memcpy(ring_want, ring_mem, sizeof(ring_mem));

    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, layout_of(dialect)), 0);
    assert_int_equal(hmx_ring_writer_space(&w), RLEN - 32u);
    assert_rc(hmx_ring_write(&w, &src, 0xAABBCCDDu, iov, 2), 5);
    message(ring_want + hs, 0x1234, 7, 0xAABBCCDDu, "hello");
    le32(ring_want + 24, 32); /* tx_ptr at offset 24 */
    assert_memory_equal(ring_mem, ring_want, sizeof(ring_mem));

    /* Fill to the wrap: the reader consumed the first message. */
    le32(ring_mem + 20, 32); /* rx_ptr */
    le32(ring_want + 20, 32);
    for (i = 0; i < 6; i++)
        assert_rc(hmx_ring_write(&w, &src, 1, iov, 2), 5);
    assert_int_equal(w.tx, 224);
    {
        static const char big[40] = "0123456789abcdef0123456789abcdef0123456";
        struct hmx_iov b = {big, 39};

        /* 16 + 39 bytes at 224 need 64 bytes and one slot more than the
         * 64 free; once the reader is at 128 the header fits before the
         * end and the payload wraps to the start of the data area. */
        assert_rc(hmx_ring_write(&w, &src, 2, &b, 1), HMX_EAGAIN);
        le32(ring_mem + 20, 128);
        assert_rc(hmx_ring_write(&w, &src, 2, &b, 1), 39);
        assert_int_equal(w.tx, (224u + 16u + 48u) - RLEN);
        assert_memory_equal(ring_mem + hs + 240, big, 16);
        assert_memory_equal(ring_mem + hs, big + 16, 23);
        le32(ring_want + 24, (224u + 16u + 48u) - RLEN);
        assert_memory_equal(ring_mem + 24, ring_want + 24, 4);
    }
}

static void test_writer_openxt_image(void **state)
{
    (void)state;
    writer_image(HMX_V4V_OPENXT);
}

static void test_writer_uxen_image(void **state)
{
    (void)state;
    writer_image(HMX_V4V_UXEN);
}

/* A stale magic is refused, as v4v refuses it (EINVAL). */
static void test_writer_refuses_other_dialects_magic(void **state)
{
    struct hmx_ring_writer w;

    (void)state;
    memset(ring_mem, 0, sizeof(ring_mem));
    v4v_header(ring_mem, HMX_V4V_UXEN, 1, 1, 1, RLEN, 0, 0);
    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, &hmx_ring_layout_v4v_openxt),
              HMX_EINVAL);
    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, &hmx_ring_layout_v4v_uxen), 0);
    v4v_header(ring_mem, HMX_V4V_OPENXT, 1, 1, 1, RLEN, 0, 0);
    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, &hmx_ring_layout_v4v_uxen),
              HMX_EINVAL);
    memset(ring_mem, 0, 8);
    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, &hmx_ring_layout_v4v_openxt),
              HMX_EINVAL);
    /* A bogus tx_ptr restarts at the rounded-up rx_ptr, at the layout's
     * offsets. */
    v4v_header(ring_mem, HMX_V4V_OPENXT, 1, 1, 1, RLEN, 40, 999);
    assert_rc(hmx_ring_writer_init_layout(&w, ring_mem, RLEN, &hmx_ring_layout_v4v_openxt), 0);
    assert_int_equal(w.tx, 48);
    assert_int_equal(ring_mem[24], 48);
}

/* ---- marshalling, byte by byte ------------------------------------------ */

/* What the mock v4v saw in the last call, copied at the trap. */
struct cap {
    uint32_t nr, cmd;
    uint64_t a[5];
    uint8_t hdr[64];   /* register: the ring header */
    uint8_t list[64];  /* register: the page list */
    uint8_t src[6], dst[6];
    uint8_t iov[128];
    uint8_t notify[48 + 16 * 16];
    uint32_t dialect;
    uint16_t write_domain; /* register: the id the hypervisor writes back */
    uint64_t ret;          /* the raw answer */
    uint16_t answer_flags; /* notify: v4v flags written into every entry */
    uint32_t answer_max;
};

static int cap_xen(struct mock_hv *hv, const struct mock_hv_xen_call *call, uint64_t *ret)
{
    struct cap *c = hv->user;
    uint32_t hs = layout_of(c->dialect)->hdr_size, i, nent;

    assert_true(call->six);
    c->nr = call->nr;
    c->cmd = (uint32_t)call->args[0];
    memcpy(c->a, call->args + 1, 4 * sizeof(uint64_t));
    c->a[4] = call->arg5;
    switch (c->cmd) {
    case HMX_V4V_OP_REGISTER_RING:
        memcpy(c->hdr, (const void *)(uintptr_t)c->a[0], hs);
        memcpy(c->list, (const void *)(uintptr_t)c->a[1], sizeof(c->list));
        le16((uint8_t *)(uintptr_t)c->a[0] + 12, c->write_domain);
        break;
    case HMX_V4V_OP_SENDV:
        memcpy(c->src, (const void *)(uintptr_t)c->a[0], 6);
        memcpy(c->dst, (const void *)(uintptr_t)c->a[1], 6);
        memcpy(c->iov, (const void *)(uintptr_t)c->a[2], 16 * (size_t)c->a[3]);
        break;
    case HMX_V4V_OP_NOTIFY:
        if (c->a[0] == 0)
            break;
        memcpy(&nent, (const uint8_t *)(uintptr_t)c->a[0] + 8, 4);
        memcpy(c->notify, (const void *)(uintptr_t)c->a[0], 48 + 16 * (size_t)nent);
        for (i = 0; i < nent; i++) {
            uint8_t *e = (uint8_t *)(uintptr_t)c->a[0] + 48 + 16 * i;

            le16(e + 6, c->answer_flags);
            le32(e + 12, c->answer_max);
        }
        break;
    default:
        break;
    }
    *ret = c->ret;
    return 0;
}

struct mfx {
    struct mock_hv hv;
    struct cap cap;
    hmx_ctx ctx;
    struct hmx_ring ring;
};

static _Alignas(4096) uint8_t ring2[2 * PAGE];

static void open_dialect(struct mfx *f, uint32_t dialect, uint32_t nr)
{
    struct hmx_v4v_config cfg;
    struct hmx_open_args oa;

    memset(f, 0, sizeof(*f));
    mock_hv_init(&f->hv);
    f->hv.user = &f->cap;
    f->hv.on_xen = cap_xen;
    f->cap.dialect = dialect;
    memset(&cfg, 0, sizeof(cfg));
    cfg.arch = &f->hv.ops;
    cfg.entry = HMX_XEN_ENTRY_VMCALL;
    cfg.hypercall = nr;
    memset(&oa, 0, sizeof(oa));
    oa.backend = dialect == HMX_V4V_OPENXT ? &hmx_backend_v4v_openxt : &hmx_backend_v4v_uxen;
    oa.backend_config = &cfg;
    assert_rc(hmx_open(&f->ctx, &oa), 0);
}

static void marshal_dialect(uint32_t dialect, uint32_t nr)
{
    static struct mfx fx;
    struct mfx *f = &fx;
    const uint32_t hs = layout_of(dialect)->hdr_size;
    const uint32_t len = 2 * PAGE - 64; /* hmx_ring_len_for(8192) */
    struct hmx_ring_config rc;
    uint8_t want[128];
    struct hmx_addr dst = {0x20, HMX_DOMID_ANY, 0};
    struct hmx_iov iov[2] = {{"abc", 3}, {"defgh", 5}};
    struct hmx_ring_query q[2];
    uint64_t frame = (uint64_t)(uintptr_t)ring2 >> 12;

    open_dialect(f, dialect, nr);

    /* register_ring(ring VA, page list VA, token, fail_exist) */
    memset(&rc, 0, sizeof(rc));
    rc.mem = ring2;
    rc.mem_size = sizeof(ring2);
    rc.port = 0x10;
    rc.partner = 2;
    rc.flags = dialect == HMX_V4V_UXEN ? HMX_REGISTER_FAIL_EXIST : 0;
    f->cap.write_domain = 5;
    assert_rc(hmx_ring_register(&f->ctx, &f->ring, &rc), 0);
    assert_int_equal(f->cap.nr, nr != 0 ? nr : 39);
    assert_int_equal(f->cap.cmd, 1);
    assert_int_equal(f->cap.a[0], (uintptr_t)ring2);
    assert_int_equal(f->cap.a[1], (uintptr_t)ring2 + hs);
    assert_int_equal(f->cap.a[2], 0);
    assert_int_equal(f->cap.a[3], dialect == HMX_V4V_UXEN ? 1 : 0);
    assert_int_equal(f->cap.a[4], 0);
    v4v_header(want, dialect, 0x10, 0x7FFF, 2, len, 0, 0);
    assert_memory_equal(f->cap.hdr, want, hs);
    memset(want, 0, 56);
    want[0] = 0x2d; want[1] = 0x30; want[2] = 0x5b; want[3] = 0x04; /* 0x91dd6159045b302d */
    want[4] = 0x59; want[5] = 0x61; want[6] = 0xdd; want[7] = 0x91;
    want[8] = 2;                                                      /* npage */
    le64(want + 40, frame);
    le64(want + 48, frame + 1);
    assert_memory_equal(f->cap.list, want, 56);
    /* The reader sees the layout; the id the hypervisor wrote back stays. */
    assert_int_equal(hmx_ring_size(&f->ring), len);
    assert_int_equal(ring2[12], 5);

    /* A caller's own frame list (gfn_scratch) is copied into the page
     * list the same way. */
    {
        static _Alignas(4096) uint8_t one[PAGE];
        hmx_gfn_t scratch[4] = {0, 0, 0, 0};
        struct hmx_ring r1;

        memset(&r1, 0, sizeof(r1));
        memset(&rc, 0, sizeof(rc));
        rc.mem = one;
        rc.mem_size = PAGE;
        rc.port = 0x11;
        rc.partner = HMX_DOMID_ANY;
        rc.gfn_scratch = scratch;
        rc.gfn_scratch_len = 4;
        assert_rc(hmx_ring_register(&f->ctx, &r1, &rc), 0);
        assert_int_equal(scratch[0], (uintptr_t)one >> 12);
        memset(want, 0, 48);
        le64(want, HMX_V4V_PFN_LIST_MAGIC);
        want[8] = 1;
        le64(want + 40, (uintptr_t)one >> 12);
        assert_memory_equal(f->cap.list, want, 48);
        v4v_header(want, dialect, 0x11, 0x7FFF, 0x7FFF, PAGE - 64, 0, 0);
        assert_memory_equal(f->cap.hdr, want, hs);
        rc.mem = ring2;
        rc.mem_size = sizeof(ring2);
        rc.port = 0x10;
        rc.partner = 2;
        rc.gfn_scratch = NULL;
        rc.gfn_scratch_len = 0;
    }

    /* OpenXT cannot refuse an existing ring: FAIL_EXIST is not sent. */
    if (dialect == HMX_V4V_OPENXT) {
        struct hmx_ring other;

        memset(&other, 0, sizeof(other));
        rc.flags = HMX_REGISTER_FAIL_EXIST;
        rc.mem = ring_mem;
        rc.mem_size = PAGE;
        assert_rc(hmx_ring_register(&f->ctx, &other, &rc), HMX_EOPNOTSUPP);
    }

    /* sendv(src, dst, iov[], niov, protocol): our id learnt above. */
    f->cap.ret = 8;
    assert_rc(hmx_sendv(&f->ctx, 0x10, &dst, iov, 2, HMX_V4V_PROTO_DGRAM), 8);
    assert_int_equal(f->cap.cmd, 5);
    assert_int_equal(f->cap.a[3], 2);
    assert_int_equal(f->cap.a[4], 0x3c2c1db8u);
    {
        static const uint8_t src[6] = {0x10, 0, 0, 0, 5, 0};
        static const uint8_t dsts[6] = {0x20, 0, 0, 0, 0xff, 0x7f}; /* ANY -> 0x7FFF */

        assert_memory_equal(f->cap.src, src, 6);
        assert_memory_equal(f->cap.dst, dsts, 6);
    }
    le64(want, (uintptr_t)"abc");
    le64(want + 8, 3);
    le64(want + 16, (uintptr_t)"defgh");
    le64(want + 24, 5);
    /* the iov pointers are whatever the compiler made of the literals */
    le64(want, (uintptr_t)iov[0].base);
    le64(want + 16, (uintptr_t)iov[1].base);
    assert_memory_equal(f->cap.iov, want, 32);

    /* notify(ring_data): a 48-byte header with its magic, 16-byte entries */
    memset(q, 0, sizeof(q));
    q[0].ring.port = 0x20;
    q[0].ring.domain = 2;
    q[0].space_required = 100;
    q[1].ring.port = 0x30;
    q[1].ring.domain = HMX_DOMID_ANY;
    f->cap.ret = 0;
    f->cap.answer_flags = HMX_V4V_RING_EXISTS | HMX_V4V_RING_SUFFICIENT | HMX_V4V_RING_PENDING;
    f->cap.answer_max = 4000;
    assert_rc(hmx_notify(&f->ctx, q, 2), 0);
    assert_int_equal(f->cap.cmd, 4);
    memset(want, 0, 80);
    le64(want, 0x4ce4d30fbc82e92aull);
    le32(want + 8, 2);
    le32(want + 48, 0x20);
    le16(want + 52, 2);
    le32(want + 56, 100);
    le32(want + 64, 0x30);
    le16(want + 68, 0x7FFF);
    assert_memory_equal(f->cap.notify, want, 80);
    assert_int_equal(q[0].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    assert_int_equal(q[1].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    /* OpenXT never copies max_message_size out; uXen does. */
    assert_int_equal(q[0].max_message_size, dialect == HMX_V4V_UXEN ? 4000 : 0);
    assert_rc(hmx_notify(&f->ctx, NULL, 0), 0);
    assert_int_equal(f->cap.a[0], 0);

    /* unregister_ring(ring VA) */
    assert_rc(hmx_ring_unregister(&f->ctx, &f->ring), 0);
    assert_int_equal(f->cap.cmd, 2);
    assert_int_equal(f->cap.a[0], (uintptr_t)ring2);
    assert_int_equal(f->cap.a[1], 0);
    hmx_close(&f->ctx);
}

static void test_marshal_openxt(void **state)
{
    (void)state;
    marshal_dialect(HMX_V4V_OPENXT, HMX_V4V_HYPERCALL_OPENXT_412);
    marshal_dialect(HMX_V4V_OPENXT, HMX_V4V_HYPERCALL);
}

/* A long query list goes in calls of 13 entries (a 256-byte staging
 * area: 48 + 13 x 16), each answered in place. */
static void test_notify_split(void **state)
{
    static struct mfx fx;
    struct hmx_ring_query q[30];
    unsigned i;

    (void)state;
    open_dialect(&fx, HMX_V4V_UXEN, 0);
    memset(q, 0, sizeof(q));
    for (i = 0; i < 30; i++) {
        q[i].ring.port = 100 + i;
        q[i].ring.domain = 2;
    }
    fx.cap.answer_flags = HMX_V4V_RING_EXISTS;
    fx.cap.answer_max = 77;
    mock_hv_clear_counters(&fx.hv);
    assert_rc(hmx_notify(&fx.ctx, q, 30), 0);
    assert_int_equal(fx.hv.nxen, 3);
    /* the last call carried entries 26..29 */
    assert_int_equal(fx.cap.notify[8], 4);
    assert_int_equal(fx.cap.notify[48], 126);
    for (i = 0; i < 30; i++) {
        assert_int_equal(q[i].flags, HMX_RING_EXISTS);
        assert_int_equal(q[i].max_message_size, 77);
    }
    hmx_close(&fx.ctx);
}

static void test_marshal_uxen(void **state)
{
    (void)state;
    marshal_dialect(HMX_V4V_UXEN, 0); /* 0: the default, 39 */
}

/* ---- errors, flags, domains --------------------------------------------- */

static void test_error_mapping(void **state)
{
    const uint32_t O = HMX_V4V_OPENXT, U = HMX_V4V_UXEN;

    (void)state;
    /* no ring, or no such domain, at the destination */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SENDV, 107), HMX_ECONNREFUSED);
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 111), HMX_ECONNREFUSED);
    /* message larger than the ring */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SEND, 105), HMX_EMSGSIZE);
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 90), HMX_EMSGSIZE);
    /* ring full */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SENDV, 11), HMX_EAGAIN);
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 11), HMX_EAGAIN);
    /* bad magic, bad arguments */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_REGISTER_RING, 22), HMX_EINVAL);
    /* uXen: a reserved destination id; any: unknown ring on unregister */
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 2), HMX_ESRCH);
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_UNREGISTER_RING, 2), HMX_ENOENT);
    /* viptables / XSM */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SENDV, 1), HMX_EPERM);
    /* unknown cmd, no v4v */
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_PROBE, 38), HMX_ENOSYS);
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_NOTIFY, 19), HMX_ENODEV);
    /* no meaning here */
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 107), HMX_EIO);
    assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV, 105), HMX_EIO);
    assert_rc(hmx_v4v_err(0, HMX_V4V_OP_SENDV, 22), HMX_EIO);
    assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SENDV, 4000), HMX_EIO);

    /* The provider's side: what each dialect's hypervisor would say. */
    assert_int_equal(hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SENDV, HMX_ECONNREFUSED), 107);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, HMX_ECONNREFUSED), 111);
    assert_int_equal(hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SENDV, HMX_ESRCH), 107);
    assert_int_equal(hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SENDV, HMX_EMSGSIZE), 105);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, HMX_EMSGSIZE), 90);
    assert_int_equal(hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SEND, HMX_EACCES), 107);
    assert_int_equal(hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SENDV, HMX_EACCES), 1);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, HMX_EACCES), 1);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, HMX_EAGAIN), 11);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_REGISTER_RING, HMX_EEXIST), 17);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_REGISTER_RING, HMX_ENOSPC), 12);
    assert_int_equal(hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, HMX_ECORRUPT), 5);
    /* and back: every situation lands on the same HMX code in both */
    {
        static const int codes[] = {HMX_ECONNREFUSED, HMX_EMSGSIZE, HMX_EAGAIN, HMX_EINVAL,
                                    HMX_EFAULT, HMX_ENODEV, HMX_EPERM};
        unsigned i;

        for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
            assert_rc(hmx_v4v_err(O, HMX_V4V_OP_SENDV,
                                  hmx_v4v_err_to_dialect(O, HMX_V4V_OP_SENDV, codes[i])),
                      codes[i]);
            assert_rc(hmx_v4v_err(U, HMX_V4V_OP_SENDV,
                                  hmx_v4v_err_to_dialect(U, HMX_V4V_OP_SENDV, codes[i])),
                      codes[i]);
        }
    }
}

/* Raw answers in both encodings reach the API as HMX codes. */
static void test_backend_decodes_errors(void **state)
{
    static struct mfx fx;
    struct hmx_addr dst = {0x20, 2, 0};

    (void)state;
    open_dialect(&fx, HMX_V4V_OPENXT, 0);
    fx.cap.ret = RAW(-107);
    assert_rc(hmx_send(&fx.ctx, 1, &dst, "x", 1, 0), HMX_ECONNREFUSED);
    fx.cap.ret = ZX(-105);
    assert_rc(hmx_send(&fx.ctx, 1, &dst, "x", 1, 0), HMX_EMSGSIZE);
    fx.cap.ret = 0x80000000ull; /* no plausible answer */
    assert_rc(hmx_send(&fx.ctx, 1, &dst, "x", 1, 0), HMX_EIO);
    hmx_close(&fx.ctx);
    open_dialect(&fx, HMX_V4V_UXEN, 0);
    fx.cap.ret = RAW(-111);
    assert_rc(hmx_send(&fx.ctx, 1, &dst, "x", 1, 0), HMX_ECONNREFUSED);
    fx.cap.ret = RAW(-90);
    assert_rc(hmx_send(&fx.ctx, 1, &dst, "x", 1, 0), HMX_EMSGSIZE);
    hmx_close(&fx.ctx);
}

/* A backend must register somehow: register_ring or register_ring_mem
 * (and likewise unregister); the v4v backends use the second. */
static void test_backend_table_rules(void **state)
{
    struct hmx_backend_ops ops = hmx_backend_v4v_uxen;
    struct hmx_v4v_config cfg;
    struct hmx_open_args oa;
    hmx_ctx ctx;

    (void)state;
    assert_null(hmx_backend_v4v_openxt.register_ring);
    assert_non_null(hmx_backend_v4v_openxt.register_ring_mem);
    assert_ptr_equal(hmx_backend_v4v_openxt.ring_layout, &hmx_ring_layout_v4v_openxt);
    assert_ptr_equal(hmx_backend_v4v_uxen.ring_layout, &hmx_ring_layout_v4v_uxen);
    memset(&cfg, 0, sizeof(cfg));
    cfg.entry = HMX_XEN_ENTRY_VMCALL;
    memset(&oa, 0, sizeof(oa));
    oa.backend = &ops;
    oa.backend_config = &cfg;
    ops.register_ring_mem = NULL;
    assert_rc(hmx_open(&ctx, &oa), HMX_EINVAL);
    ops = hmx_backend_v4v_uxen;
    ops.unregister_ring_mem = NULL;
    assert_rc(hmx_open(&ctx, &oa), HMX_EINVAL);
    ops = hmx_backend_v4v_uxen;
    assert_rc(hmx_open(&ctx, &oa), 0);
    assert_string_equal(hmx_backend_name(&ctx), "v4v-uxen");
    assert_int_equal(hmx_features(&ctx), 0);
    hmx_close(&ctx);
    /* the page entry needs a page */
    cfg.entry = HMX_XEN_ENTRY_PAGE;
    assert_rc(hmx_open(&ctx, &oa), HMX_EINVAL);
    cfg.entry = HMX_XEN_ENTRY_HVC; /* Arm: v4v is x86 only */
    assert_rc(hmx_open(&ctx, &oa), HMX_EINVAL);
}

static void test_flags_and_wildcards(void **state)
{
    (void)state;
    assert_int_equal(hmx_v4v_flags_to_hmx(HMX_V4V_RING_EMPTY), HMX_RING_EMPTY);
    assert_int_equal(hmx_v4v_flags_to_hmx(HMX_V4V_RING_EXISTS), HMX_RING_EXISTS);
    assert_int_equal(hmx_v4v_flags_to_hmx(HMX_V4V_RING_PENDING), 0);
    assert_int_equal(hmx_v4v_flags_to_hmx(HMX_V4V_RING_SUFFICIENT), HMX_RING_SUFFICIENT);
    assert_int_equal(hmx_v4v_flags_from_hmx(HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMPTY |
                                            HMX_RING_SUFFICIENT | HMX_RING_EMSGSIZE |
                                            HMX_RING_EBUSY),
                     HMX_V4V_RING_EXISTS | HMX_V4V_RING_EMPTY | HMX_V4V_RING_SUFFICIENT);
    assert_int_equal(hmx_v4v_domid_from_hmx(HMX_DOMID_ANY), 0x7FFF);
    assert_int_equal(hmx_v4v_domid_to_hmx(0x7FFF), HMX_DOMID_ANY);
    assert_int_equal(hmx_v4v_domid_to_hmx(3), 3);
    assert_int_equal(hmx_v4v_domid_from_hmx(0x7FF1), 0x7FF1);
}

/* ---- probe ---------------------------------------------------------------- */

/* A hypervisor answering v4v_op / argo_op by hypercall number. */
struct pfx {
    struct mock_hv hv;
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    int argo_on_39;   /* Argo answers 39 */
    int v4v_on;       /* v4v answers this hypercall (0: none) */
};

static int probe_xen(struct mock_hv *hv, const struct mock_hv_xen_call *call, uint64_t *ret)
{
    const struct pfx *f = hv->user;
    uint64_t cmd = call->args[0];

    if (f->argo_on_39 && call->nr == 39)
        *ret = cmd == 4 ? 0 : RAW(-95); /* Argo: unknown op EOPNOTSUPP */
    else if (f->v4v_on != 0 && call->nr == (uint32_t)f->v4v_on)
        *ret = cmd == 4 ? 0 : RAW(-38); /* v4v: unknown op ENOSYS */
    else
        *ret = RAW(-38); /* no such hypercall */
    return 0;
}

static void probe_setup(struct pfx *f, const char *sig, int argo, int v4v, uint32_t allow)
{
    static _Alignas(4096) uint8_t hpage[PAGE];

    memset(f, 0, sizeof(*f));
    mock_hv_init(&f->hv);
    mock_hv_machine(&f->hv, MOCK_HV_INTEL, 1);
    if (strcmp(sig, "XenVMMXenVMM") == 0)
        mock_hv_xen(&f->hv, HV0, 0x0004000Cu, XEN_MSR);
    else
        mock_hv_signature(&f->hv, HV0, HV0 + 2, sig), mock_hv_leaf(&f->hv, HV0 + 2, 1, XEN_MSR, 0, 0);
    f->hv.user = f;
    f->hv.on_xen = probe_xen;
    f->argo_on_39 = argo;
    f->v4v_on = v4v;
    f->opt.arch = &f->hv.ops;
    f->opt.allow = allow;
    f->opt.xen_hypercall_page = hpage;
    assert_rc(hmx_probe(&f->res, &f->opt), 0);
    assert_int_equal(f->res.traps, mock_hv_traps(&f->hv));
}

#define ALL_XEN (HMX_MECH_BIT(HMX_MECH_XEN_HYPERCALL) | HMX_MECH_BIT(HMX_MECH_V4V_OPENXT) | \
                 HMX_MECH_BIT(HMX_MECH_V4V_UXEN))

static void test_probe_xen_argo(void **state)
{
    static struct pfx f;

    (void)state;
    probe_setup(&f, "XenVMMXenVMM", 1, 0, ALL_XEN);
    assert_int_equal(f.res.hypervisor, HMX_HV_XEN);
    assert_int_equal(f.res.argo_status, HMX_ARGO_PRESENT);
    assert_int_equal(f.res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_false(f.res.mech[HMX_MECH_V4V_OPENXT].offered);
    assert_false(f.res.mech[HMX_MECH_V4V_UXEN].offered);
    /* Argo's notify, then v4v's probe op on 39 (EOPNOTSUPP: Argo), then
     * notify on 43 (ENOSYS: nothing there). */
    assert_int_equal(f.hv.nxen, 3);
    assert_rc(f.res.v4v_probe_rc[0], HMX_EOPNOTSUPP);
    assert_rc(f.res.v4v_notify_rc[1], HMX_ENOSYS);
    assert_int_equal(f.hv.xen_log[1].args[0], HMX_V4V_OP_PROBE);
    assert_int_equal(f.hv.xen_log[2].nr, 43);
    assert_int_equal(f.hv.xen_log[2].args[0], HMX_V4V_OP_NOTIFY);
    assert_int_equal(f.hv.xen_log[2].args[1], 0);
}

static void test_probe_openxt_412(void **state)
{
    static struct pfx f;

    (void)state;
    /* Xen 4.12 OpenXT: v4v on 43, no Argo built in */
    probe_setup(&f, "XenVMMXenVMM", 0, 43, ALL_XEN);
    assert_int_equal(f.res.argo_status, HMX_ARGO_ABSENT);
    assert_int_equal(f.res.chosen, HMX_MECH_V4V_OPENXT);
    assert_true(f.res.mech[HMX_MECH_V4V_OPENXT].usable);
    assert_int_equal(f.res.mech[HMX_MECH_V4V_OPENXT].param, 43);
    assert_false(f.res.mech[HMX_MECH_V4V_UXEN].offered);
    assert_rc(f.res.v4v_probe_rc[1], HMX_ENOSYS);
    /* with Argo on 39 as well, Argo is preferred and v4v still reported */
    probe_setup(&f, "XenVMMXenVMM", 1, 43, ALL_XEN);
    assert_int_equal(f.res.chosen, HMX_MECH_XEN_HYPERCALL);
    assert_true(f.res.mech[HMX_MECH_V4V_OPENXT].usable);
    assert_int_equal(f.res.mech[HMX_MECH_V4V_OPENXT].param, 43);
    /* and chosen when the caller asks for it */
    probe_setup(&f, "XenVMMXenVMM", 1, 43, HMX_MECH_BIT(HMX_MECH_V4V_OPENXT));
    assert_int_equal(f.res.chosen, HMX_MECH_V4V_OPENXT);
}

static void test_probe_openxt_on_39(void **state)
{
    static struct pfx f;
    hmx_ctx ctx;
    struct hmx_open_probed_args oa;

    (void)state;
    /* Xen 4.11 OpenXT: v4v on 39, which the Argo probe first took for
     * Argo; the unknown op's ENOSYS corrects it. */
    probe_setup(&f, "XenVMMXenVMM", 0, 39, ALL_XEN);
    assert_int_equal(f.res.argo_status, HMX_ARGO_ABSENT);
    assert_false(f.res.mech[HMX_MECH_XEN_HYPERCALL].usable);
    assert_int_equal(f.res.chosen, HMX_MECH_V4V_OPENXT);
    assert_int_equal(f.res.mech[HMX_MECH_V4V_OPENXT].param, 39);
    assert_int_equal(f.res.features, 0);
    memset(&oa, 0, sizeof(oa));
    oa.arch = &f.hv.ops;
    assert_rc(hmx_open_probed(&ctx, &f.res, &oa), 0);
    assert_string_equal(hmx_backend_name(&ctx), "v4v-openxt");
    mock_hv_clear_counters(&f.hv);
    assert_rc(hmx_notify(&ctx, NULL, 0), 0);
    assert_int_equal(f.hv.xen_log[0].nr, 39);
    assert_int_equal(f.hv.xen_log[0].entry, HMX_XEN_ENTRY_PAGE);
    hmx_close(&ctx);
}

static void test_probe_uxen(void **state)
{
    static struct pfx f;
    hmx_ctx ctx;
    struct hmx_open_probed_args oa;

    (void)state;
    probe_setup(&f, "uXenisnotXen", 0, 39, ALL_XEN);
    assert_int_equal(f.res.hypervisor, HMX_HV_UXEN);
    assert_string_equal(f.res.signature, "uXenisnotXen");
    assert_int_equal(f.res.argo_status, HMX_ARGO_NOT_XEN);
    assert_int_equal(f.res.chosen, HMX_MECH_V4V_UXEN);
    assert_int_equal(f.res.mech[HMX_MECH_V4V_UXEN].param, 39);
    assert_false(f.res.mech[HMX_MECH_V4V_OPENXT].offered);
    assert_false(f.res.mech[HMX_MECH_XEN_HYPERCALL].offered);
    /* the hypercall page went in through the MSR of leaf base + 2 */
    assert_int_equal(f.hv.nwrmsr, 1);
    assert_int_equal(f.hv.wrmsr_log[0].msr, XEN_MSR);
    assert_int_equal(f.hv.wrmsr_log[0].val, (uintptr_t)f.opt.xen_hypercall_page);
    assert_int_equal(f.res.xen_entry, HMX_XEN_ENTRY_PAGE);
    assert_int_equal(f.hv.nxen, 2);
    memset(&oa, 0, sizeof(oa));
    oa.arch = &f.hv.ops;
    assert_rc(hmx_open_probed(&ctx, &f.res, &oa), 0);
    assert_string_equal(hmx_backend_name(&ctx), "v4v-uxen");
    hmx_close(&ctx);

    /* uXen whose hypercall 39 answers as Argo would is not taken for v4v */
    probe_setup(&f, "uXenisnotXen", 1, 0, ALL_XEN);
    assert_true(f.res.mech[HMX_MECH_V4V_UXEN].offered);
    assert_false(f.res.mech[HMX_MECH_V4V_UXEN].usable);
    assert_int_equal(f.res.chosen, HMX_MECH_NONE);
}

static void test_probe_v4v_only_when_asked(void **state)
{
    static struct pfx f;

    (void)state;
    /* Without a v4v bit the probe costs what it did: one call on Xen, and
     * uXen is only named. */
    probe_setup(&f, "XenVMMXenVMM", 0, 39, 0);
    assert_int_equal(f.hv.nxen, 1);
    assert_int_equal(f.res.chosen, HMX_MECH_XEN_HYPERCALL); /* notify answered 0 */
    probe_setup(&f, "uXenisnotXen", 0, 39, 0);
    assert_int_equal(f.res.hypervisor, HMX_HV_UXEN);
    assert_int_equal(f.hv.nxen, 0);
    assert_int_equal(f.hv.nwrmsr, 0);
    assert_int_equal(f.res.chosen, HMX_MECH_NONE);
    /* force names it too */
    memset(&f.opt, 0, sizeof(f.opt));
    f.opt.arch = &f.hv.ops;
    f.opt.force = HMX_MECH_V4V_UXEN;
    f.opt.xen_hypercall_page = ring_mem;
    assert_rc(hmx_probe(&f.res, &f.opt), 0);
    assert_int_equal(f.res.chosen, HMX_MECH_V4V_UXEN);
}

/* ---- end to end through the provider --------------------------------- */

struct dom {
    struct mock_hv hv;
    hmx_ctx ctx;
    struct hmx_ring ring;
    hmx_domid_t id;
    struct hmx_provider *p;
};

static int host_map(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                    void **va)
{
    uint32_t i;

    (void)host;
    (void)dom;
    for (i = 1; i < npages; i++)
        if (gfns[i] != gfns[0] + i)
            return HMX_EFAULT;
    *va = (void *)(uintptr_t)(gfns[0] << 12);
    return 0;
}

static int host_from(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len)
{
    (void)host;
    (void)dom;
    if (gaddr == 0)
        return HMX_EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gaddr, len);
    return 0;
}

static int host_to(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src, uint32_t len)
{
    (void)host;
    (void)dom;
    if (gaddr == 0)
        return HMX_EFAULT;
    memcpy((void *)(uintptr_t)gaddr, src, len);
    return 0;
}

static int serve(struct mock_hv *hv, const struct mock_hv_xen_call *call, uint64_t *ret)
{
    struct dom *d = hv->user;
    hmx_gfn_t scratch[8];
    uint64_t a[5] = {call->args[1], call->args[2], call->args[3], call->args[4], call->arg5};

    *ret = (uint64_t)(int64_t)hmx_provider_v4v_call(d->p, d->id, (uint32_t)call->args[0], a,
                                                    scratch, 8);
    return 0;
}

static _Alignas(4096) uint8_t mem1[PAGE], mem2[PAGE];

static void end_to_end(uint32_t dialect)
{
    static struct hmx_provider p;
    static HMX_PROVIDER_STORAGE(st, 4, 8);
    static struct dom d1, d2;
    struct dom *ds[2] = {&d1, &d2};
    struct hmx_provider_hooks hooks;
    struct hmx_v4v_config cfg;
    struct hmx_open_args oa;
    struct hmx_ring_config rc;
    struct hmx_msg_info info;
    struct hmx_addr to2 = {0x200, 2, 0}, nowhere = {0x999, 2, 0};
    struct hmx_ring_query q;
    char buf[64], big[4001];
    uint64_t a[5] = {0, 0, 0, 0, 0};
    int i;

    memset(&hooks, 0, sizeof(hooks));
    hooks.map_ring = host_map;
    hooks.copy_from_guest = host_from;
    hooks.copy_to_guest = host_to;
    assert_rc(hmx_provider_init(&p, &hooks, st_domains, 4, st_rings, 8,
                                dialect == HMX_V4V_OPENXT ? HMX_PROVIDER_V4V_OPENXT
                                                          : HMX_PROVIDER_V4V_UXEN),
              0);
    for (i = 0; i < 2; i++)
        assert_rc(hmx_provider_domain_add(&p, (hmx_domid_t)(i + 1), 0), 0);
    for (i = 0; i < 2; i++) {
        struct dom *d = ds[i];

        memset(d, 0, sizeof(*d));
        d->id = (hmx_domid_t)(i + 1);
        d->p = &p;
        mock_hv_init(&d->hv);
        d->hv.user = d;
        d->hv.on_xen = serve;
        memset(&cfg, 0, sizeof(cfg));
        cfg.arch = &d->hv.ops;
        cfg.entry = HMX_XEN_ENTRY_VMCALL;
        memset(&oa, 0, sizeof(oa));
        oa.backend = dialect == HMX_V4V_OPENXT ? &hmx_backend_v4v_openxt : &hmx_backend_v4v_uxen;
        oa.backend_config = &cfg;
        assert_rc(hmx_open(&d->ctx, &oa), 0);
        memset(&rc, 0, sizeof(rc));
        rc.mem = i == 0 ? mem1 : mem2;
        rc.mem_size = PAGE;
        rc.port = (hmx_port_t)(0x100 * (i + 1));
        rc.partner = (hmx_domid_t)(2 - i);
        assert_rc(hmx_ring_register(&d->ctx, &d->ring, &rc), 0);
    }
    /* The provider wrote the owner's id into the header (offset 12). */
    assert_int_equal(mem2[12], 2);
    assert_memory_equal(mem2, dialect == HMX_V4V_OPENXT ? "\x10\xd9\xab\x31\xf2\x77\x69\xdf"
                                                        : "\x2f\x7f\x26\xe7\x63\xe1\x67\xac",
                        8);

    assert_rc(hmx_send(&d1.ctx, 0x100, &to2, "over v4v", 8, HMX_V4V_PROTO_DGRAM), 8);
    /* The message is in the dialect's layout: data at 60 or 64. */
    assert_memory_equal(mem2 + layout_of(dialect)->hdr_size + 16, "over v4v", 8);
    assert_int_equal(mem2[24], 32); /* tx_ptr */
    assert_rc(hmx_recv(&d2.ring, buf, sizeof(buf), &info), 8);
    assert_memory_equal(buf, "over v4v", 8);
    assert_int_equal(info.source.domain, 1);
    assert_int_equal(info.source.port, 0x100);
    assert_int_equal(info.message_type, HMX_V4V_PROTO_DGRAM);

    /* Errors, each the dialect's errno on the wire, the same code here. */
    assert_rc(hmx_send(&d1.ctx, 0x100, &nowhere, "x", 1, 0), HMX_ECONNREFUSED);
    memset(big, 'b', sizeof(big));
    assert_rc(hmx_send(&d1.ctx, 0x100, &to2, big, sizeof(big), 0), HMX_EMSGSIZE);
    for (i = 0; i < 3; i++)
        assert_rc(hmx_send(&d1.ctx, 0x100, &to2, big, 1000, 0), 1000);
    assert_rc(hmx_send(&d1.ctx, 0x100, &to2, big, 1000, 0), HMX_EAGAIN);

    assert_rc(hmx_query(&d1.ctx, &to2, 16, &q), 0);
    assert_int_equal(q.flags & (HMX_RING_EXISTS | HMX_RING_SUFFICIENT),
                     HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, dialect == HMX_V4V_UXEN ? 4000 : 0);
    assert_rc(hmx_query(&d1.ctx, &nowhere, 16, &q), 0);
    assert_int_equal(q.flags & HMX_RING_EXISTS, 0);

    /* v4v's flat send (cmd 3), which libhmx never issues but a v4v guest
     * may: addresses as six packed bytes, written here by hand. */
    {
        uint8_t src6[6] = {0x00, 0x01, 0, 0, 0xff, 0x7f}; /* port 0x100, "myself" */
        uint8_t dst6[6] = {0x00, 0x02, 0, 0, 0x02, 0x00}; /* port 0x200, domain 2 */
        uint64_t s3[5];

        assert_rc(hmx_recv(&d2.ring, big, sizeof(big), &info), 1000); /* make room */
        assert_rc(hmx_recv(&d2.ring, buf, sizeof(buf), &info), HMX_ENOBUFS);
        s3[0] = (uintptr_t)src6;
        s3[1] = (uintptr_t)dst6;
        s3[2] = (uintptr_t)"flat";
        s3[3] = 4;
        s3[4] = HMX_V4V_PROTO_STREAM;
        assert_int_equal(hmx_provider_v4v_call(&p, 1, HMX_V4V_OP_SEND, s3, NULL, 0), 4);
        dst6[0] = 0x99; /* no ring at port 0x299: the dialect's own errno */
        assert_int_equal(hmx_provider_v4v_call(&p, 1, HMX_V4V_OP_SEND, s3, NULL, 0),
                         dialect == HMX_V4V_OPENXT ? -107 : -111);
        s3[3] = HMX_MSG_MAX + 1u;
        assert_int_equal(hmx_provider_v4v_call(&p, 1, HMX_V4V_OP_SEND, s3, NULL, 0), -22);
    }

    /* The classifying op and the viptables ops: ENOSYS, as v4v. */
    assert_int_equal(hmx_provider_v4v_call(&p, 1, HMX_V4V_OP_PROBE, a, NULL, 0), -38);
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 6, a, NULL, 0), -38);
    /* Unknown domain: ENODEV, in either dialect. */
    assert_int_equal(hmx_provider_v4v_call(&p, 3, HMX_V4V_OP_NOTIFY, a, NULL, 0), -19);

    for (i = 0; i < 2; i++) {
        assert_rc(hmx_ring_unregister(&ds[i]->ctx, &ds[i]->ring), 0);
        hmx_close(&ds[i]->ctx);
    }
    hmx_provider_fini(&p);
}

static void test_end_to_end_openxt(void **state)
{
    (void)state;
    end_to_end(HMX_V4V_OPENXT);
}

static void test_end_to_end_uxen(void **state)
{
    (void)state;
    end_to_end(HMX_V4V_UXEN);
}

/* A provider refuses a ring in the other dialect's layout, and one that
 * serves no dialect answers every v4v_op with ENOSYS. */
static void test_provider_checks(void **state)
{
    static struct hmx_provider p;
    static HMX_PROVIDER_STORAGE(st, 2, 2);
    struct hmx_provider_hooks hooks;
    hmx_gfn_t scratch[2];
    uint8_t pl[48];
    uint64_t a[5];

    (void)state;
    memset(&hooks, 0, sizeof(hooks));
    hooks.map_ring = host_map;
    hooks.copy_from_guest = host_from;
    hooks.copy_to_guest = host_to;
    assert_rc(hmx_provider_init(&p, &hooks, st_domains, 2, st_rings, 2,
                                HMX_PROVIDER_V4V_OPENXT | HMX_PROVIDER_V4V_UXEN),
              HMX_EINVAL);
    assert_rc(hmx_provider_init(&p, &hooks, st_domains, 2, st_rings, 2, HMX_PROVIDER_V4V_OPENXT),
              0);
    assert_rc(hmx_provider_domain_add(&p, 1, 0), 0);
    memset(pl, 0, sizeof(pl));
    le64(pl, HMX_V4V_PFN_LIST_MAGIC);
    le32(pl + 8, 1);
    le64(pl + 40, (uintptr_t)mem1 >> 12);
    v4v_header(mem1, HMX_V4V_UXEN, 5, 0x7FFF, 0x7FFF, 4032, 0, 0);
    a[0] = (uintptr_t)mem1;
    a[1] = (uintptr_t)pl;
    a[2] = a[3] = a[4] = 0;
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 1, a, scratch, 2), -22);
    v4v_header(mem1, HMX_V4V_OPENXT, 5, 0x7FFF, 1, 4032, 0, 0);
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 1, a, scratch, 2), 0);
    assert_int_equal(mem1[12], 1);
    le64(pl, 1); /* a stale page-list magic */
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 1, a, scratch, 2), -22);
    a[0] = (uintptr_t)mem1 + 16; /* not on a page */
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 2, a, NULL, 0), -22);
    a[0] = (uintptr_t)mem1;
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 2, a, NULL, 0), 0);
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 2, a, NULL, 0), -2);
    hmx_provider_fini(&p);

    assert_rc(hmx_provider_init(&p, &hooks, st_domains, 2, st_rings, 2, 0), 0);
    assert_rc(hmx_provider_domain_add(&p, 1, 0), 0);
    assert_int_equal(hmx_provider_v4v_call(&p, 1, 4, a, NULL, 0), -38);
    hmx_provider_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_reader_openxt_image),
        cmocka_unit_test(test_reader_uxen_image),
        cmocka_unit_test(test_reader_reset_writes_v4v_header),
        cmocka_unit_test(test_reader_hostile_every_layout),
        cmocka_unit_test(test_writer_openxt_image),
        cmocka_unit_test(test_writer_uxen_image),
        cmocka_unit_test(test_writer_refuses_other_dialects_magic),
        cmocka_unit_test(test_marshal_openxt),
        cmocka_unit_test(test_marshal_uxen),
        cmocka_unit_test(test_notify_split),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_backend_decodes_errors),
        cmocka_unit_test(test_backend_table_rules),
        cmocka_unit_test(test_flags_and_wildcards),
        cmocka_unit_test(test_probe_xen_argo),
        cmocka_unit_test(test_probe_openxt_412),
        cmocka_unit_test(test_probe_openxt_on_39),
        cmocka_unit_test(test_probe_uxen),
        cmocka_unit_test(test_probe_v4v_only_when_asked),
        cmocka_unit_test(test_end_to_end_openxt),
        cmocka_unit_test(test_end_to_end_uxen),
        cmocka_unit_test(test_provider_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
