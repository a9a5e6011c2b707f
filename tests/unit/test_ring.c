/* SPDX-License-Identifier: MIT */
/*
 * Functional tests of the HMX ring (src/ring): length helpers, reader and
 * writer set-up, message layout (byte-compatible with Xen 4.17 argo), the
 * one-free-slot capacity rule, wrapping, iov handling and a long randomized
 * round trip.  Hostile ring contents are covered by test_ring_hostile.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/errors.h"
#include "hmx/ring.h"

#define SLOT HMX_MSG_SLOT_SIZE
#define RUP(n) HMX_SLOT_ROUNDUP(n)

/* Report return codes by name: "got -11 (EAGAIN)" beats a 20-digit number. */
#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        int want_ = (want);                                                                    \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

typedef struct {
    uint8_t *mem;
    uint32_t len;
    struct hmx_ring_hdr *hdr;
    uint8_t *data;
    struct hmx_ring_reader r;
    struct hmx_ring_writer w;
} ring_t;

/* Exactly header + len bytes, so ASan flags any access past the data area. */
static uint8_t *ring_mem(uint32_t len)
{
    size_t n = HMX_RING_HDR_SIZE + (size_t)len;
    uint8_t *m = aligned_alloc(16, n);
    assert_non_null(m);
    /* Garbage everywhere: a reset must not rely on zeroed memory. */
    memset(m, 0xA5, n);
    return m;
}

static void ring_attach(ring_t *t, uint8_t *mem, uint32_t len)
{
    t->mem = mem;
    t->len = len;
    t->hdr = (struct hmx_ring_hdr *)(void *)mem;
    t->data = mem + HMX_RING_HDR_SIZE;
}

static void ring_open(ring_t *t, uint32_t len)
{
    ring_attach(t, ring_mem(len), len);
    assert_rc(hmx_ring_reader_init(&t->r, t->mem, len, 1), 0);
    assert_rc(hmx_ring_writer_init(&t->w, t->mem, len), 0);
}

static void ring_close(ring_t *t)
{
    free(t->mem);
    t->mem = NULL;
}

static struct hmx_addr mkaddr(uint32_t port, uint16_t dom)
{
    struct hmx_addr a = {port, dom, 0};
    return a;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 8));
}

/* One-buffer write; never passes a NULL base (even for 0 bytes). */
static int put(ring_t *t, uint32_t port, uint32_t type, const void *p, size_t n)
{
    static const uint8_t none;
    struct hmx_addr src = mkaddr(port, 7);
    struct hmx_iov iov = {p ? p : &none, n};
    return hmx_ring_write(&t->w, &src, type, &iov, 1);
}

static uint32_t slot_bytes(uint32_t payload)
{
    return SLOT + RUP(payload);
}

/* Free bytes as the writer sees them: rx == tx means empty, never full. */
static uint32_t free_bytes(uint32_t len, uint32_t rx, uint32_t tx)
{
    return rx == tx ? len : (rx + len - tx) % len;
}

/* Xen's ringbuf_payload_space for sane indices. */
static uint32_t space_formula(uint32_t len, uint32_t rx, uint32_t tx)
{
    uint32_t fr = free_bytes(len, rx, tx);
    return fr >= 2 * SLOT ? fr - 2 * SLOT : 0;
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Move an empty ring's indices to off by writing and reading one filler
 * message, so the wrap tests start from a state the API itself produced.
 */
static void ring_seek(ring_t *t, uint32_t off)
{
    uint32_t d = (off + t->len - t->w.tx) % t->len;
    assert_int_equal(t->r.rx, t->w.tx);
    if (d != 0) {
        uint8_t *buf = malloc(t->len);
        assert_non_null(buf);
        memset(buf, 0x5A, t->len);
        assert_rc(put(t, 0xF111E4, 0, buf, d - SLOT), (int)(d - SLOT));
        assert_rc(hmx_ring_recv(&t->r, buf, t->len, NULL), (int)(d - SLOT));
        free(buf);
    }
    assert_int_equal(t->w.tx, off);
    assert_int_equal(t->r.rx, off);
    assert_int_equal(t->hdr->rx_ptr, off);
    assert_int_equal(t->hdr->tx_ptr, off);
}

/* ---- length helpers ------------------------------------------------- */

static void test_valid_len_accepts_only_xen_lengths(void **state)
{
    (void)state;
    assert_int_equal(hmx_ring_valid_len(0), 0);
    assert_int_equal(hmx_ring_valid_len(16), 0);
    assert_int_equal(hmx_ring_valid_len(32), 0);
    assert_int_equal(hmx_ring_valid_len(47), 0);
    assert_int_equal(hmx_ring_valid_len(48), 1);
    assert_int_equal(hmx_ring_valid_len(49), 0);
    assert_int_equal(hmx_ring_valid_len(56), 0);
    assert_int_equal(hmx_ring_valid_len(64), 1);
    assert_int_equal(hmx_ring_valid_len(4096), 1);
    assert_int_equal(hmx_ring_valid_len(HMX_RING_MAX_LEN - 16), 1);
    assert_int_equal(hmx_ring_valid_len(HMX_RING_MAX_LEN - 8), 0);
    assert_int_equal(hmx_ring_valid_len(HMX_RING_MAX_LEN), 1);
    assert_int_equal(hmx_ring_valid_len(HMX_RING_MAX_LEN + 16), 0);
    assert_int_equal(hmx_ring_valid_len(UINT32_MAX - 15), 0);
    assert_int_equal(hmx_ring_valid_len(UINT32_MAX), 0);
    for (uint32_t len = 0; len <= 1024; len++) {
        int want = len >= HMX_RING_MIN_LEN && len % 16 == 0;
        assert_int_equal(hmx_ring_valid_len(len), want);
    }
}

static void test_len_for_fits_memory(void **state)
{
    (void)state;
    assert_int_equal(hmx_ring_len_for(0), 0);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE), 0);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN - 1), 0);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN), 48);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + 63), 48);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + 64), 64);
    assert_int_equal(hmx_ring_len_for(4096), 4096 - HMX_RING_HDR_SIZE);
    assert_int_equal(hmx_ring_len_for(2 * 4096), 2 * 4096 - HMX_RING_HDR_SIZE);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + (size_t)HMX_RING_MAX_LEN), HMX_RING_MAX_LEN);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + (size_t)HMX_RING_MAX_LEN - 1),
                     HMX_RING_MAX_LEN - 16);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + (size_t)HMX_RING_MAX_LEN + 16),
                     HMX_RING_MAX_LEN);
    assert_int_equal(hmx_ring_len_for(HMX_RING_HDR_SIZE + (size_t)HMX_RING_MAX_LEN + 4096),
                     HMX_RING_MAX_LEN);
    assert_int_equal(hmx_ring_len_for((size_t)UINT32_MAX), HMX_RING_MAX_LEN);
    assert_int_equal(hmx_ring_len_for(SIZE_MAX), HMX_RING_MAX_LEN);

    /* Whatever it returns must be valid, fit, and be the largest that fits. */
    for (size_t m = 0; m <= 2048; m++) {
        uint32_t len = hmx_ring_len_for(m);
        if (len == 0) {
            assert_true(m < HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN);
            continue;
        }
        assert_int_equal(hmx_ring_valid_len(len), 1);
        assert_true(HMX_RING_HDR_SIZE + (size_t)len <= m);
        assert_true(HMX_RING_HDR_SIZE + (size_t)len + 16 > m);
    }
}

/* ---- init ----------------------------------------------------------- */

static void test_reader_init_rejects_bad_args(void **state)
{
    static const uint32_t bad_len[] = {0, 16, 32, 47, 49, 4095, HMX_RING_MAX_LEN + 16, UINT32_MAX};
    struct hmx_ring_reader r;
    uint8_t *mem = ring_mem(4096);
    (void)state;

    for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
        assert_rc(hmx_ring_reader_init(&r, mem, bad_len[i], 1), HMX_EINVAL);
        assert_rc(hmx_ring_reader_init(&r, mem, bad_len[i], 0), HMX_EINVAL);
    }
    assert_rc(hmx_ring_reader_init(&r, NULL, 256, 1), HMX_EINVAL);
    assert_rc(hmx_ring_reader_init(&r, NULL, 256, 0), HMX_EINVAL);
    for (size_t mis = 1; mis < 16; mis++)
        assert_rc(hmx_ring_reader_init(&r, mem + mis, 256, 1), HMX_EINVAL);
    /* A rejected init must not have written the (garbage) header. */
    for (size_t i = 0; i < HMX_RING_HDR_SIZE; i++)
        assert_int_equal(mem[i], 0xA5);
    assert_rc(hmx_ring_reader_init(&r, mem, 4096, 1), 0);
    free(mem);
}

static void test_writer_init_rejects_bad_args(void **state)
{
    static const uint32_t bad_len[] = {0, 16, 32, 47, 49, 4095, HMX_RING_MAX_LEN + 16, UINT32_MAX};
    struct hmx_ring_writer w;
    uint8_t *mem = ring_mem(4096);
    (void)state;

    for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++)
        assert_rc(hmx_ring_writer_init(&w, mem, bad_len[i]), HMX_EINVAL);
    assert_rc(hmx_ring_writer_init(&w, NULL, 256), HMX_EINVAL);
    for (size_t mis = 1; mis < 16; mis++)
        assert_rc(hmx_ring_writer_init(&w, mem + mis, 256), HMX_EINVAL);
    for (size_t i = 0; i < HMX_RING_HDR_SIZE; i++)
        assert_int_equal(mem[i], 0xA5);
    free(mem);
}

static void test_reader_init_reset_clears_header(void **state)
{
    ring_t t;
    (void)state;
    ring_open(&t, 256);
    assert_int_equal(t.hdr->rx_ptr, 0);
    assert_int_equal(t.hdr->tx_ptr, 0);
    for (size_t i = 0; i < sizeof t.hdr->reserved; i++)
        assert_int_equal(t.hdr->reserved[i], 0);
    assert_int_equal(t.r.rx, 0);
    assert_int_equal(t.r.len, 256);
    assert_int_equal(t.w.tx, 0);
    assert_rc(hmx_ring_pending(&t.r), 0);
    assert_int_equal(hmx_ring_writer_empty(&t.w), 1);
    ring_close(&t);
}

static void test_reader_init_adopts_valid_rx(void **state)
{
    ring_t t;
    (void)state;
    ring_open(&t, 256);
    assert_rc(put(&t, 1, 2, "hello", 5), 5);
    assert_rc(put(&t, 3, 4, "world!", 6), 6);
    assert_rc(hmx_ring_skip(&t.r), 5);

    /* A second reader (e.g. after a restart) continues where the first stopped. */
    struct hmx_ring_reader r2;
    struct hmx_msg_info info;
    char buf[16];
    assert_rc(hmx_ring_reader_init(&r2, t.mem, 256, 0), 0);
    assert_int_equal(r2.rx, 32);
    assert_rc(hmx_ring_recv(&r2, buf, sizeof buf, &info), 6);
    assert_memory_equal(buf, "world!", 6);
    assert_int_equal(info.source.port, 3);
    ring_close(&t);
}

/* ---- messages ------------------------------------------------------- */

static void test_round_trip_single_message(void **state)
{
    ring_t t;
    struct hmx_msg_info info;
    uint8_t in[100], out[128];
    struct hmx_addr src = mkaddr(0xDEADBEEF, 0x1234);
    (void)state;

    ring_open(&t, 1024);
    fill(in, sizeof in, 1);
    memset(out, 0, sizeof out);
    struct hmx_iov iov = {in, sizeof in};
    assert_rc(hmx_ring_write(&t.w, &src, 0xCAFEF00D, &iov, 1), 100);
    assert_int_equal(t.w.tx, 16 + 112);
    assert_int_equal(t.hdr->tx_ptr, 16 + 112);

    memset(&info, 0xFF, sizeof info);
    assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), 100);
    assert_memory_equal(in, out, sizeof in);
    for (size_t i = sizeof in; i < sizeof out; i++)
        assert_int_equal(out[i], 0); /* no writes past the payload */
    assert_int_equal(info.len, 100);
    assert_int_equal(info.message_type, 0xCAFEF00D);
    assert_int_equal(info.source.port, 0xDEADBEEF);
    assert_int_equal(info.source.domain, 0x1234);
    assert_int_equal(info.source.pad, 0);
    assert_int_equal(t.r.rx, 128);
    assert_int_equal(t.hdr->rx_ptr, 128); /* published for the writer */
    assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), HMX_EAGAIN);
    ring_close(&t);
}

static void test_zero_length_message(void **state)
{
    ring_t t;
    struct hmx_msg_info info;
    (void)state;

    ring_open(&t, 64);
    assert_rc(put(&t, 9, 77, NULL, 0), 0);
    assert_int_equal(t.hdr->tx_ptr, 16);
    assert_int_equal(le32_at(t.data), 16); /* header only */
    assert_rc(hmx_ring_pending(&t.r), 16);
    assert_rc(hmx_ring_peek(&t.r, &info), 0);
    assert_int_equal(info.len, 0);
    assert_int_equal(info.message_type, 77);
    assert_rc(hmx_ring_recv(&t.r, NULL, 0, &info), 0);
    assert_int_equal(info.source.port, 9);
    assert_int_equal(t.r.rx, 16);

    /* niov == 0 is also an empty message; so are eight empty buffers. */
    struct hmx_addr src = mkaddr(1, 1);
    struct hmx_iov iov[HMX_MAXIOV];
    for (unsigned i = 0; i < HMX_MAXIOV; i++) {
        iov[i].base = &info;
        iov[i].len = 0;
    }
    assert_rc(hmx_ring_write(&t.w, &src, 5, iov, 0), 0);
    assert_rc(hmx_ring_write(&t.w, &src, 6, iov, HMX_MAXIOV), 0);
    assert_rc(hmx_ring_recv(&t.r, NULL, 0, &info), 0);
    assert_int_equal(info.message_type, 5);
    assert_rc(hmx_ring_recv(&t.r, NULL, 0, &info), 0);
    assert_int_equal(info.message_type, 6);
    assert_rc(hmx_ring_recv(&t.r, NULL, 0, &info), HMX_EAGAIN);
    ring_close(&t);
}

static void test_max_message_and_emsgsize(void **state)
{
    static const uint32_t lens[] = {48, 64, 80, 256, 4096};
    (void)state;

    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint32_t len = lens[i], max = HMX_RING_MAX_PAYLOAD(len);
        ring_t t;
        uint8_t *in = malloc(len), *out = malloc(len);
        assert_non_null(in);
        assert_non_null(out);
        fill(in, len, len);
        ring_open(&t, len);
        assert_int_equal(max, len - 32);
        assert_int_equal(hmx_ring_writer_space(&t.w), max);

        /* Larger than the ring can ever hold: EMSGSIZE, not EAGAIN. */
        assert_rc(put(&t, 1, 1, in, max + 1), HMX_EMSGSIZE);
        assert_rc(put(&t, 1, 1, in, len), HMX_EMSGSIZE);
        assert_int_equal(t.hdr->tx_ptr, 0);

        assert_rc(put(&t, 1, 1, in, max), (int)max);
        assert_int_equal(t.hdr->tx_ptr, len - 16);
        assert_int_equal(hmx_ring_writer_space(&t.w), 0);
        assert_rc(put(&t, 1, 1, in, 0), HMX_EAGAIN);
        /* Still EMSGSIZE on a full ring: it can never fit. */
        assert_rc(put(&t, 1, 1, in, max + 1), HMX_EMSGSIZE);
        assert_rc(hmx_ring_recv(&t.r, out, len, NULL), (int)max);
        assert_memory_equal(in, out, max);
        ring_close(&t);
        free(in);
        free(out);
    }
}

static int fail_copy(void *arg, void *dst, const struct hmx_giov *src, uint32_t off, uint32_t len)
{
    (void)arg;
    (void)dst;
    (void)src;
    (void)off;
    (void)len;
    fail_msg("copy callback called for a message that must be rejected");
    return HMX_EFAULT;
}

static void test_write_giov_rejects_oversized_and_bad_iovs(void **state)
{
    ring_t t;
    struct hmx_addr src = mkaddr(1, 1);
    struct hmx_giov g[HMX_MAXIOV + 1];
    (void)state;

    ring_open(&t, 256);
    memset(g, 0, sizeof g);
    for (unsigned i = 0; i <= HMX_MAXIOV; i++)
        g[i].gaddr = 0x10000u * (i + 1);

    /* One buffer above HMX_MSG_MAX is an invalid iov (Xen: -EINVAL). */
    g[0].len = HMX_MSG_MAX + 1;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, 1, fail_copy, NULL), HMX_EINVAL);
    g[0].len = UINT32_MAX;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, 1, fail_copy, NULL), HMX_EINVAL);

    /* Each buffer legal, total above HMX_MSG_MAX: EMSGSIZE. */
    for (unsigned i = 0; i < HMX_MAXIOV; i++)
        g[i].len = HMX_MSG_MAX;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, HMX_MAXIOV, fail_copy, NULL), HMX_EMSGSIZE);
    g[0].len = HMX_MSG_MAX;
    g[1].len = 1;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, 2, fail_copy, NULL), HMX_EMSGSIZE);

    /* Non-zero pad is invalid. */
    g[0].len = 4;
    g[0].pad = 1;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, 1, fail_copy, NULL), HMX_EINVAL);
    g[0].pad = 0;

    /* NULL iov with niov > 0, and more than HMX_MAXIOV buffers. */
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, NULL, 1, fail_copy, NULL), HMX_EINVAL);
    for (unsigned i = 0; i <= HMX_MAXIOV; i++)
        g[i].len = 1;
    assert_rc(hmx_ring_write_giov(&t.w, &src, 0, g, HMX_MAXIOV + 1, fail_copy, NULL), HMX_EINVAL);

    struct hmx_iov iov[HMX_MAXIOV + 1];
    for (unsigned i = 0; i <= HMX_MAXIOV; i++) {
        iov[i].base = "x";
        iov[i].len = 1;
    }
    assert_rc(hmx_ring_write(&t.w, &src, 0, NULL, 1), HMX_EINVAL);
    assert_rc(hmx_ring_write(&t.w, &src, 0, iov, HMX_MAXIOV + 1), HMX_EINVAL);
    assert_rc(hmx_ring_write(&t.w, &src, 0, iov, HMX_MAXIOV), (int)HMX_MAXIOV);

    assert_int_equal(t.hdr->tx_ptr, 32); /* only the last write landed */
    ring_close(&t);
}

/* ---- capacity ------------------------------------------------------- */

static void test_exact_fill_matches_formula(void **state)
{
    static const uint32_t lens[] = {48, 64, 256, 4096};
    static const uint32_t sizes[] = {0, 1, 15, 16, 17, 31, 32, 100, 0xFFFFFFFFu /* = max */};
    (void)state;

    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        uint32_t len = lens[li];
        uint8_t *buf = malloc(len);
        assert_non_null(buf);
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            uint32_t p = sizes[si] == 0xFFFFFFFFu ? len - 32 : sizes[si];
            ring_t t;
            if (p > len - 32)
                continue;
            uint32_t s = slot_bytes(p);
            uint32_t want = (len - 1) / s; /* largest n with n * s < len */
            uint32_t n = 0;
            int rc;

            fill(buf, len, p);
            ring_open(&t, len);
            while ((rc = put(&t, n, p, buf, p)) == (int)p) {
                n++;
                assert_true(n <= len / 16); /* never loop on a broken ring */
            }
            assert_rc(rc, HMX_EAGAIN);
            assert_int_equal(n, want);
            assert_rc(hmx_ring_pending(&t.r), (int)(n * s));
            assert_int_equal(hmx_ring_writer_space(&t.w), space_formula(len, 0, n * s));
            assert_true(hmx_ring_writer_space(&t.w) < p || p == 0);
            assert_int_equal(hmx_ring_writer_empty(&t.w), 0);

            /* Reading one message makes room for exactly one more. */
            assert_rc(hmx_ring_skip(&t.r), (int)p);
            assert_rc(put(&t, n, p, buf, p), (int)p);
            assert_rc(put(&t, n + 1, p, buf, p), HMX_EAGAIN);

            /* Drain: every message comes back in order. */
            uint8_t *out = malloc(len);
            struct hmx_msg_info info;
            assert_non_null(out);
            for (uint32_t k = 1; k <= n; k++) {
                assert_rc(hmx_ring_recv(&t.r, out, len, &info), (int)p);
                assert_int_equal(info.source.port, k);
                assert_memory_equal(out, buf, p);
            }
            assert_rc(hmx_ring_recv(&t.r, out, len, &info), HMX_EAGAIN);
            assert_int_equal(hmx_ring_writer_empty(&t.w), 1);
            free(out);
            ring_close(&t);
        }
        free(buf);
    }
}

static void test_wrap_at_every_slot_offset(void **state)
{
    const uint32_t len = 256;
    uint8_t in[256], out[256];
    ring_t t;
    (void)state;

    ring_open(&t, len);
    for (uint32_t off = 0; off < len; off += SLOT) {
        for (uint32_t p = 0; p <= len - 32; p++) {
            struct hmx_msg_info info;
            ring_seek(&t, off);
            fill(in, p, off + p);
            assert_rc(put(&t, off, p, in, p), (int)p);
            uint32_t end = (off + slot_bytes(p)) % len;
            assert_int_equal(t.hdr->tx_ptr, end);
            assert_rc(hmx_ring_pending(&t.r), (int)slot_bytes(p));

            /* Xen layout: header at off, payload straight after, wrapping to 0. */
            assert_int_equal(le32_at(t.data + off), p + 16);
            for (uint32_t j = 0; j < p; j++)
                if (t.data[(off + 16 + j) % len] != in[j])
                    fail_msg("off %u p %u: ring byte %u wrong", off, p, j);

            memset(out, 0, sizeof out);
            assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), (int)p);
            assert_int_equal(info.len, p);
            assert_int_equal(info.source.port, off);
            assert_int_equal(info.message_type, p);
            assert_memory_equal(in, out, p);
            assert_int_equal(t.r.rx, end);
            assert_int_equal(t.hdr->rx_ptr, end);
        }
    }
    ring_close(&t);
}

/* Slice sizes of up to eight buffers, odd and empty ones included. */
static const uint32_t iov_patterns[][HMX_MAXIOV] = {
    {0, 1, 3, 0, 7, 13, 29, 5},   {17, 0, 0, 33, 1, 1, 61, 0}, {101, 0, 99, 0, 0, 0, 0, 23},
    {5, 0, 0, 0, 0, 0, 0, 0},     {0, 0, 0, 0, 0, 0, 0, 224},  {1, 1, 1, 1, 1, 1, 1, 1},
    {0, 0, 0, 0, 0, 0, 0, 0},     {31, 33, 15, 17, 47, 49, 0, 31},
};

static void test_iov_split_across_wrap(void **state)
{
    const uint32_t len = 256;
    uint8_t in[256], out[256 + 16];
    ring_t t;
    (void)state;

    ring_open(&t, len);
    for (uint32_t off = 0; off < len; off += SLOT) {
        for (size_t pi = 0; pi < sizeof iov_patterns / sizeof iov_patterns[0]; pi++) {
            for (unsigned niov = 1; niov <= HMX_MAXIOV; niov++) {
                struct hmx_iov iov[HMX_MAXIOV];
                struct hmx_addr src = mkaddr(pi, 3);
                uint32_t total = 0;
                for (unsigned i = 0; i < niov; i++) {
                    iov[i].base = in + total;
                    iov[i].len = iov_patterns[pi][i];
                    total += iov_patterns[pi][i];
                }
                assert_true(total <= len - 32);
                ring_seek(&t, off);
                fill(in, total, off ^ (uint32_t)pi);
                assert_rc(hmx_ring_write(&t.w, &src, niov, iov, niov), (int)total);
                for (uint32_t j = 0; j < total; j++)
                    if (t.data[(off + 16 + j) % len] != in[j])
                        fail_msg("off %u pattern %zu niov %u: ring byte %u wrong", off, pi, niov, j);

                memset(out, 0xEE, sizeof out);
                assert_rc(hmx_ring_recv(&t.r, out, total, NULL), (int)total);
                assert_memory_equal(in, out, total);
                assert_int_equal(out[total], 0xEE);
            }
        }
    }
    ring_close(&t);
}

static void test_recv_iov_scatter(void **state)
{
    ring_t t;
    uint8_t in[200], a[7], b[64], c[1], d[128 + 8], big[300];
    struct hmx_msg_info info;
    (void)state;

    ring_open(&t, 512);
    fill(in, sizeof in, 42);
    ring_seek(&t, 400); /* so the payload also wraps */

    /* Exact capacity, with empty entries in between (a NULL base is fine
     * for an empty entry, as buf is for recv with cap 0). */
    assert_rc(put(&t, 5, 6, in, 200), 200);
    struct hmx_iov v1[] = {{NULL, 0}, {a, 7}, {b, 64}, {b, 0}, {c, 1}, {d, 128}, {NULL, 0}};
    memset(d, 0xEE, sizeof d);
    assert_rc(hmx_ring_recv_iov(&t.r, v1, 7, &info), 200);
    assert_int_equal(info.len, 200);
    assert_int_equal(info.source.port, 5);
    assert_int_equal(info.message_type, 6);
    assert_memory_equal(a, in, 7);
    assert_memory_equal(b, in + 7, 64);
    assert_memory_equal(c, in + 71, 1);
    assert_memory_equal(d, in + 72, 128);
    for (size_t i = 128; i < sizeof d; i++)
        assert_int_equal(d[i], 0xEE);

    /* More capacity than payload: filled in order, the rest untouched. */
    assert_rc(put(&t, 5, 7, in, 200), 200);
    memset(big, 0xEE, sizeof big);
    struct hmx_iov v2[] = {{a, 7}, {big, sizeof big}};
    assert_rc(hmx_ring_recv_iov(&t.r, v2, 2, &info), 200);
    assert_memory_equal(a, in, 7);
    assert_memory_equal(big, in + 7, 193);
    for (size_t i = 193; i < sizeof big; i++)
        assert_int_equal(big[i], 0xEE);

    /* Too little capacity: ENOBUFS, nothing consumed. */
    assert_rc(put(&t, 5, 8, in, 200), 200);
    uint32_t rx = t.r.rx;
    struct hmx_iov v3[] = {{b, 64}, {d, 128}, {a, 7}};
    assert_rc(hmx_ring_recv_iov(&t.r, v3, 3, &info), HMX_ENOBUFS);
    assert_int_equal(info.len, 200);
    assert_int_equal(t.r.rx, rx);
    assert_rc(hmx_ring_recv_iov(&t.r, v3, 0, &info), HMX_ENOBUFS);
    assert_rc(hmx_ring_recv_iov(&t.r, NULL, 1, &info), HMX_EINVAL);
    assert_int_equal(t.r.rx, rx);
    assert_rc(hmx_ring_recv_iov(&t.r, v1, 7, &info), 200);
    assert_int_equal(info.message_type, 8);
    assert_memory_equal(d, in + 72, 128);

    /* Empty ring and empty message. */
    assert_rc(hmx_ring_recv_iov(&t.r, v1, 7, &info), HMX_EAGAIN);
    assert_rc(put(&t, 5, 9, NULL, 0), 0);
    assert_rc(hmx_ring_recv_iov(&t.r, NULL, 0, &info), 0);
    assert_int_equal(info.message_type, 9);
    ring_close(&t);
}

static void test_peek_recv_skip(void **state)
{
    ring_t t;
    struct hmx_msg_info info, info2;
    uint8_t a[10], c[50], out[64];
    (void)state;

    ring_open(&t, 256);
    fill(a, sizeof a, 1);
    fill(c, sizeof c, 3);
    assert_rc(put(&t, 100, 1, a, sizeof a), 10);
    assert_rc(put(&t, 200, 2, NULL, 0), 0);
    assert_rc(put(&t, 300, 3, c, sizeof c), 50);
    int pend = hmx_ring_pending(&t.r);
    assert_rc(pend, 32 + 16 + 80);

    /* peek is idempotent and consumes nothing. */
    assert_rc(hmx_ring_peek(&t.r, &info), 10);
    assert_rc(hmx_ring_peek(&t.r, &info2), 10);
    assert_memory_equal(&info, &info2, sizeof info);
    assert_int_equal(info.len, 10);
    assert_int_equal(info.source.port, 100);
    assert_int_equal(info.source.domain, 7);
    assert_int_equal(info.message_type, 1);
    assert_rc(hmx_ring_pending(&t.r), pend);
    assert_int_equal(t.r.rx, 0);
    assert_int_equal(t.hdr->rx_ptr, 0);

    /* skip consumes without copying. */
    assert_rc(hmx_ring_skip(&t.r), 10);
    assert_int_equal(t.r.rx, 32);
    assert_int_equal(t.hdr->rx_ptr, 32);
    assert_rc(hmx_ring_pending(&t.r), pend - 32);

    assert_rc(hmx_ring_peek(&t.r, &info), 0);
    assert_int_equal(info.source.port, 200);
    assert_rc(hmx_ring_recv(&t.r, NULL, 0, NULL), 0); /* info may be NULL */
    assert_int_equal(t.r.rx, 48);

    assert_rc(hmx_ring_peek(&t.r, &info), 50);
    assert_int_equal(info.message_type, 3);
    assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info2), 50);
    assert_memory_equal(&info, &info2, sizeof info);
    assert_memory_equal(out, c, sizeof c);

    assert_rc(hmx_ring_peek(&t.r, &info), HMX_EAGAIN);
    assert_rc(hmx_ring_skip(&t.r), HMX_EAGAIN);
    assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), HMX_EAGAIN);
    assert_rc(hmx_ring_pending(&t.r), 0);
    ring_close(&t);
}

static void test_pending_counts_headers_and_padding(void **state)
{
    ring_t t;
    uint8_t buf[64] = {0};
    (void)state;

    ring_open(&t, 256);
    assert_rc(hmx_ring_pending(&t.r), 0);
    assert_rc(put(&t, 1, 1, buf, 3), 3);
    assert_rc(hmx_ring_pending(&t.r), 32);
    assert_rc(put(&t, 1, 1, buf, 16), 16);
    assert_rc(hmx_ring_pending(&t.r), 64);
    assert_rc(put(&t, 1, 1, buf, 17), 17);
    assert_rc(hmx_ring_pending(&t.r), 112);
    assert_rc(hmx_ring_skip(&t.r), 3);
    assert_rc(hmx_ring_pending(&t.r), 80);
    assert_rc(hmx_ring_skip(&t.r), 16);
    assert_rc(hmx_ring_skip(&t.r), 17);
    assert_rc(hmx_ring_pending(&t.r), 0);

    /* Across the wrap: 240 -> 48 is 64 bytes pending. */
    ring_seek(&t, 240);
    assert_rc(put(&t, 1, 1, buf, 40), 40);
    assert_int_equal(t.hdr->tx_ptr, 48);
    assert_rc(hmx_ring_pending(&t.r), 64);

    /* Full of empty messages: len - 16, the maximum. */
    ring_close(&t);
    ring_open(&t, 256);
    for (unsigned guard = 0; put(&t, 1, 1, NULL, 0) == 0; guard++)
        assert_true(guard < 256 / 16);
    assert_rc(hmx_ring_pending(&t.r), 256 - 16);
    ring_close(&t);
}

static void test_writer_space_and_empty_match_formula(void **state)
{
    const uint32_t len = 512;
    uint8_t buf[512];
    ring_t t;
    (void)state;

    fill(buf, sizeof buf, 9);
    ring_open(&t, len);
    for (uint32_t off = 0; off < len; off += 48) {
        for (uint32_t p0 = 0; p0 <= 200; p0 += 37) {
            uint32_t sp;
            ring_seek(&t, off);
            assert_int_equal(hmx_ring_writer_empty(&t.w), 1);
            assert_int_equal(hmx_ring_writer_space(&t.w), len - 32);

            assert_rc(put(&t, 1, 1, buf, p0), (int)p0);
            assert_int_equal(hmx_ring_writer_empty(&t.w), 0);
            sp = hmx_ring_writer_space(&t.w);
            assert_int_equal(sp, space_formula(len, t.hdr->rx_ptr, t.w.tx));

            /* The space is exact: one byte more does not fit, that much does. */
            assert_rc(put(&t, 1, 1, buf, sp + 1), HMX_EAGAIN);
            assert_rc(put(&t, 1, 1, buf, sp), (int)sp);
            assert_int_equal(hmx_ring_writer_space(&t.w), 0);
            assert_int_equal(free_bytes(len, t.hdr->rx_ptr, t.w.tx), 16);

            assert_rc(hmx_ring_skip(&t.r), (int)p0);
            assert_int_equal(hmx_ring_writer_space(&t.w),
                             space_formula(len, t.hdr->rx_ptr, t.w.tx));
            assert_int_equal(hmx_ring_writer_empty(&t.w), 0);
            assert_rc(hmx_ring_skip(&t.r), (int)sp);
            assert_int_equal(hmx_ring_writer_empty(&t.w), 1);
        }
    }
    ring_close(&t);
}

/*
 * writer_space (like Xen's) reports 0 both with 16 and with 32 free bytes;
 * only the second still takes an empty message.
 */
static void test_zero_length_fits_when_space_is_zero(void **state)
{
    ring_t t;
    (void)state;

    ring_open(&t, 64);
    assert_rc(put(&t, 1, 1, "x", 1), 1); /* 32 used, 32 free */
    assert_int_equal(hmx_ring_writer_space(&t.w), 0);
    assert_rc(put(&t, 1, 1, "x", 1), HMX_EAGAIN);
    assert_rc(put(&t, 2, 2, NULL, 0), 0); /* 48 used, 16 free */
    assert_int_equal(hmx_ring_writer_space(&t.w), 0);
    assert_rc(put(&t, 3, 3, NULL, 0), HMX_EAGAIN);
    assert_rc(hmx_ring_pending(&t.r), 48);
    assert_rc(hmx_ring_skip(&t.r), 1);
    assert_rc(hmx_ring_skip(&t.r), 0);
    ring_close(&t);
}

static void test_writer_init_adopts_valid_tx(void **state)
{
    ring_t t;
    struct hmx_ring_writer w2;
    struct hmx_msg_info info;
    char out[8];
    (void)state;

    ring_open(&t, 256);
    assert_rc(put(&t, 1, 1, "one", 3), 3);
    assert_rc(put(&t, 2, 2, "two", 3), 3);
    assert_int_equal(t.hdr->tx_ptr, 64);

    /* A restarted writer continues after the unread messages. */
    assert_rc(hmx_ring_writer_init(&w2, t.mem, 256), 0);
    assert_int_equal(w2.tx, 64);
    assert_int_equal(t.hdr->tx_ptr, 64);
    assert_int_equal(t.hdr->rx_ptr, 0);
    struct hmx_addr src = mkaddr(3, 7);
    struct hmx_iov iov = {"six", 3};
    assert_rc(hmx_ring_write(&w2, &src, 3, &iov, 1), 3);
    for (uint32_t k = 1; k <= 3; k++) {
        assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), 3);
        assert_int_equal(info.source.port, k);
    }

    /* A valid tx is adopted whatever rx_ptr holds (even garbage). */
    t.hdr->rx_ptr = 0xFFFFFFF7u;
    t.hdr->tx_ptr = 240;
    assert_rc(hmx_ring_writer_init(&w2, t.mem, 256), 0);
    assert_int_equal(w2.tx, 240);
    assert_int_equal(t.hdr->tx_ptr, 240);
    assert_int_equal(t.hdr->rx_ptr, 0xFFFFFFF7u); /* the reader's word: untouched */
    ring_close(&t);
}

static void test_writer_init_resets_invalid_tx(void **state)
{
    static const struct {
        uint32_t rx, tx, want;
    } cases[] = {
        {0, 256, 0},          {0, 8, 0},           {17, 3, 32},
        {32, 33, 32},         {240, 1, 240},       {241, 255, 0},   /* roundup hits len */
        {255, 0xFFFFFFFFu, 0}, {256, 512, 0},      {100, 0x80000000u, 112},
        {0x7FFFFFFFu, 1, 0},  {0xFFFFFFFFu, 4, 0}, {0xFFFFFFF1u, 272, 0},
        {16, 0xFFFFFFF0u, 16}, {1, 1, 16},
    };
    uint8_t *mem = ring_mem(256);
    struct hmx_ring_hdr *hdr = (struct hmx_ring_hdr *)(void *)mem;
    struct hmx_ring_writer w;
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hdr->rx_ptr = cases[i].rx;
        hdr->tx_ptr = cases[i].tx;
        assert_rc(hmx_ring_writer_init(&w, mem, 256), 0);
        if (w.tx != cases[i].want || hdr->tx_ptr != cases[i].want)
            fail_msg("rx %#x tx %#x: writer tx %u, published %u, want %u", cases[i].rx, cases[i].tx,
                     w.tx, hdr->tx_ptr, cases[i].want);
        assert_int_equal(hdr->rx_ptr, cases[i].rx);
    }
    free(mem);
}

static void test_recv_enobufs_consumes_nothing(void **state)
{
    ring_t t;
    struct hmx_msg_info info;
    uint8_t in[100];
    (void)state;

    ring_open(&t, 256);
    fill(in, sizeof in, 77);
    assert_rc(put(&t, 11, 22, in, sizeof in), 100);
    int pend = hmx_ring_pending(&t.r);

    for (size_t cap = 0; cap < sizeof in; cap += 33) {
        /* Exact-size heap buffer: ASan catches a write past cap. */
        uint8_t *small = cap ? malloc(cap) : NULL;
        memset(&info, 0, sizeof info);
        assert_rc(hmx_ring_recv(&t.r, small, cap, &info), HMX_ENOBUFS);
        assert_int_equal(info.len, 100);
        assert_int_equal(t.r.rx, 0);
        assert_int_equal(t.hdr->rx_ptr, 0);
        assert_rc(hmx_ring_pending(&t.r), pend);
        free(small);
    }
    uint8_t *c99 = malloc(99);
    assert_rc(hmx_ring_recv(&t.r, c99, 99, NULL), HMX_ENOBUFS); /* info may be NULL */
    free(c99);

    uint8_t *exact = malloc(100);
    assert_rc(hmx_ring_recv(&t.r, exact, 100, &info), 100);
    assert_memory_equal(exact, in, 100);
    assert_int_equal(info.source.port, 11);
    assert_int_equal(info.message_type, 22);
    assert_rc(hmx_ring_pending(&t.r), 0);
    free(exact);
    ring_close(&t);
}

static void test_byte_layout_matches_xen(void **state)
{
    ring_t t;
    struct hmx_addr src = mkaddr(0x11223344u, 0x5566);
    struct hmx_iov iov = {"abc", 3};
    static const uint8_t want_hdr[16] = {
        0x13, 0x00, 0x00, 0x00,             /* len = 16 + 3 */
        0x44, 0x33, 0x22, 0x11,             /* source.port */
        0x66, 0x55, 0x00, 0x00,             /* source.domain, pad */
        0xDD, 0xCC, 0xBB, 0xAA,             /* message_type */
    };
    (void)state;

    ring_open(&t, 256);
    assert_rc(hmx_ring_write(&t.w, &src, 0xAABBCCDDu, &iov, 1), 3);
    assert_memory_equal(t.mem + 64, want_hdr, 16);
    assert_memory_equal(t.mem + 80, "abc", 3);
    static const uint8_t want_ring[8] = {0, 0, 0, 0, 0x20, 0, 0, 0}; /* rx 0, tx 32 */
    assert_memory_equal(t.mem, want_ring, 8);
    for (size_t i = 8; i < 64; i++)
        assert_int_equal(t.mem[i], 0); /* reserved stays clear */
    assert_int_equal(t.hdr->tx_ptr, 32);
    /* Nothing beyond the message's two slots was written. */
    for (size_t i = 64 + 32; i < 64 + 256; i++)
        assert_int_equal(t.mem[i], 0xA5);
    ring_close(&t);
}

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Mostly small messages, some up to the ring's maximum. */
static uint32_t rand_size(uint32_t seq, uint32_t max)
{
    uint64_t s = seq * 0x2545F4914F6CDD1Dull;
    uint64_t h = rng_next(&s);
    switch (h % 10) {
    case 0:
        return (uint32_t)((h >> 8) % (max + 1));
    case 1:
    case 2:
    case 3:
        return (uint32_t)((h >> 8) % 513);
    default:
        return (uint32_t)((h >> 8) % 65);
    }
}

/* Split n bytes into k random pieces (zero-length pieces allowed). */
static void rand_split(uint64_t *rng, uint32_t n, unsigned k, uint32_t *piece)
{
    uint32_t cut[HMX_MAXIOV + 1];
    cut[0] = 0;
    cut[k] = n;
    for (unsigned i = 1; i < k; i++) {
        uint32_t v = (uint32_t)(rng_next(rng) % (n + 1ull));
        unsigned j = i;
        while (j > 1 && cut[j - 1] > v) {
            cut[j] = cut[j - 1];
            j--;
        }
        cut[j] = v;
    }
    for (unsigned i = 0; i < k; i++)
        piece[i] = cut[i + 1] - cut[i];
}

static void test_randomized_round_trip(void **state)
{
    const uint32_t len = 4096, max = len - 32, total = 100000;
    uint8_t in[4096], out[4096 + 16];
    uint64_t rng = 0x0123456789ABCDEFull;
    uint32_t wseq = 0, rseq = 0;
    int pend = 0;
    ring_t t;
    (void)state;

    ring_open(&t, len);
    while (rseq < total) {
        unsigned nw = (unsigned)(rng_next(&rng) % 8);
        for (unsigned k = 0; k < nw && wseq < total; k++) {
            uint32_t n = rand_size(wseq, max), piece[HMX_MAXIOV], off = 0;
            unsigned niov = 1 + (unsigned)(rng_next(&rng) % HMX_MAXIOV);
            struct hmx_iov iov[HMX_MAXIOV];
            struct hmx_addr src = mkaddr(wseq, (uint16_t)(wseq & 0x7FFF));
            uint32_t fr = free_bytes(len, t.hdr->rx_ptr, t.w.tx);
            assert_int_equal(hmx_ring_writer_space(&t.w), space_formula(len, t.hdr->rx_ptr, t.w.tx));

            fill(in, n, wseq);
            rand_split(&rng, n, niov, piece);
            for (unsigned i = 0; i < niov; i++) {
                iov[i].base = in + off;
                iov[i].len = piece[i];
                off += piece[i];
            }
            int rc = hmx_ring_write(&t.w, &src, wseq * 2654435761u, iov, niov);
            /* The fit rule itself, not writer_space: space 0 is ambiguous for empty messages. */
            if (slot_bytes(n) < fr) {
                assert_rc(rc, (int)n);
                pend += (int)slot_bytes(n);
                wseq++;
            } else {
                assert_rc(rc, HMX_EAGAIN);
                break;
            }
        }
        if (rseq == wseq) {
            struct hmx_msg_info none;
            assert_rc(hmx_ring_peek(&t.r, &none), HMX_EAGAIN);
        }

        unsigned nr = (unsigned)(rng_next(&rng) % 8);
        for (unsigned k = 0; k < nr && rseq < wseq; k++) {
            uint32_t n = rand_size(rseq, max);
            struct hmx_msg_info info;
            int rc;

            switch (rng_next(&rng) % 3) {
            case 0:
                rc = hmx_ring_recv(&t.r, out, n, &info);
                break;
            case 1: {
                uint32_t piece[HMX_MAXIOV], off = 0;
                unsigned niov = 1 + (unsigned)(rng_next(&rng) % HMX_MAXIOV);
                struct hmx_iov iov[HMX_MAXIOV];
                rand_split(&rng, n, niov, piece);
                for (unsigned i = 0; i < niov; i++) {
                    iov[i].base = out + off;
                    iov[i].len = piece[i];
                    off += piece[i];
                }
                rc = hmx_ring_recv_iov(&t.r, iov, niov, &info);
                break;
            }
            default:
                assert_rc(hmx_ring_peek(&t.r, &info), (int)n);
                rc = hmx_ring_recv(&t.r, out, sizeof out, &info);
                break;
            }
            assert_rc(rc, (int)n);
            assert_int_equal(info.len, n);
            assert_int_equal(info.source.port, rseq);
            assert_int_equal(info.source.domain, rseq & 0x7FFF);
            assert_int_equal(info.message_type, rseq * 2654435761u);
            fill(in, n, rseq);
            if (memcmp(in, out, n) != 0)
                fail_msg("message %u (%u bytes) corrupted", rseq, n);
            pend -= (int)slot_bytes(n);
            rseq++;
        }
        assert_rc(hmx_ring_pending(&t.r), pend);
        assert_int_equal(hmx_ring_writer_empty(&t.w), pend == 0);
    }
    assert_int_equal(wseq, total);
    assert_rc(hmx_ring_pending(&t.r), 0);
    assert_int_equal(t.r.rx, t.w.tx);
    ring_close(&t);
}

/* ---- write_giov with a caller-supplied copy ---------------------------- */

struct copy_ctx {
    const uint8_t *buf[3]; /* "guest addresses" 0x1000, 0x2000, 0x3000 */
    uint64_t fail_gaddr;
    int err;
    unsigned calls;
    const uint8_t *lo, *hi; /* the data area */
};

static int test_copy(void *arg, void *dst, const struct hmx_giov *src, uint32_t off, uint32_t len)
{
    struct copy_ctx *c = arg;
    unsigned idx = (unsigned)(src->gaddr / 0x1000u) - 1;
    c->calls++;
    assert_true(src->gaddr % 0x1000u == 0 && idx < 3);
    assert_true(off <= src->len && len <= src->len - off);
    assert_true((const uint8_t *)dst >= c->lo && (const uint8_t *)dst + len <= c->hi);
    if (src->gaddr == c->fail_gaddr)
        return c->err;
    memcpy(dst, c->buf[idx] + off, len);
    return 0;
}

/* Sources as "guest addresses": index + 1 in units of 0x1000 into a table. */
struct gcopy_ctx {
    const uint8_t *base[HMX_MAXIOV];
    unsigned calls[HMX_MAXIOV];
    const uint8_t *lo, *hi;
};

static int table_copy(void *arg, void *dst, const struct hmx_giov *src, uint32_t off, uint32_t len)
{
    struct gcopy_ctx *c = arg;
    unsigned idx = (unsigned)(src->gaddr / 0x1000u) - 1;
    assert_true(src->gaddr % 0x1000u == 0 && idx < HMX_MAXIOV);
    assert_true(off <= src->len && len <= src->len - off);
    assert_true((const uint8_t *)dst >= c->lo && (const uint8_t *)dst + len <= c->hi);
    c->calls[idx]++;
    memcpy(dst, c->base[idx] + off, len);
    return 0;
}

/* Write one message of niov table buffers at off via write_giov; read it back. */
static void giov_round_trip(ring_t *t, uint32_t off, const uint32_t *lens, unsigned niov)
{
    uint8_t in[256], out[256];
    struct gcopy_ctx c;
    struct hmx_giov g[HMX_MAXIOV];
    struct hmx_addr src = mkaddr(off, 9);
    uint32_t total = 0;

    memset(&c, 0, sizeof c);
    c.lo = t->data;
    c.hi = t->data + t->len;
    for (unsigned i = 0; i < niov; i++) {
        g[i].gaddr = 0x1000u * (i + 1);
        g[i].len = lens[i];
        g[i].pad = 0;
        c.base[i] = in + total;
        total += lens[i];
    }
    assert_true(total <= sizeof in && total <= t->len - 32);
    ring_seek(t, off);
    fill(in, total, off * 3 + total + niov);
    assert_rc(hmx_ring_write_giov(&t->w, &src, niov, g, niov, table_copy, &c), (int)total);
    /* "once or twice per buffer" */
    for (unsigned i = 0; i < niov; i++)
        assert_true(lens[i] == 0 ? c.calls[i] <= 1 : c.calls[i] >= 1 && c.calls[i] <= 2);
    assert_int_equal(le32_at(t->data + off), total + 16);
    for (uint32_t j = 0; j < total; j++)
        if (t->data[(off + 16 + j) % t->len] != in[j])
            fail_msg("off %u niov %u total %u: ring byte %u wrong", off, niov, total, j);
    assert_int_equal(t->hdr->tx_ptr, (off + slot_bytes(total)) % t->len);
    assert_rc(hmx_ring_recv(&t->r, out, sizeof out, NULL), (int)total);
    assert_memory_equal(in, out, total);
}

/* The giov path has its own copy loop; it must wrap exactly like hmx_ring_write. */
static void test_write_giov_wrap_at_every_slot_offset(void **state)
{
    const uint32_t len = 256;
    ring_t t;
    (void)state;

    ring_open(&t, len);
    for (uint32_t off = 0; off < len; off += SLOT) {
        for (uint32_t p = 0; p <= len - 32; p++)
            giov_round_trip(&t, off, &p, 1);
        for (size_t pi = 0; pi < sizeof iov_patterns / sizeof iov_patterns[0]; pi++)
            for (unsigned niov = 1; niov <= HMX_MAXIOV; niov++)
                giov_round_trip(&t, off, iov_patterns[pi], niov);
    }
    ring_close(&t);
}

static void test_write_giov_copy_failure_publishes_nothing(void **state)
{
    static const uint32_t offs[] = {0, 128, 224, 240};
    uint8_t b0[40], b1[70], b2[25], out[256];
    ring_t t;
    (void)state;

    fill(b0, sizeof b0, 10);
    fill(b1, sizeof b1, 11);
    fill(b2, sizeof b2, 12);
    ring_open(&t, 256);
    for (size_t oi = 0; oi < sizeof offs / sizeof offs[0]; oi++) {
        struct copy_ctx c = {{b0, b1, b2}, 0x2000, HMX_EFAULT, 0, t.data, t.data + 256};
        struct hmx_giov g[3] = {{0x1000, sizeof b0, 0}, {0x2000, sizeof b1, 0}, {0x3000, sizeof b2, 0}};
        struct hmx_addr src = mkaddr(77, 7);
        struct hmx_msg_info info;

        ring_seek(&t, offs[oi]);
        uint32_t tx = t.w.tx;
        assert_rc(hmx_ring_write_giov(&t.w, &src, 1, g, 3, test_copy, &c), HMX_EFAULT);
        assert_true(c.calls >= 2); /* it did get as far as the second buffer */
        assert_int_equal(t.w.tx, tx);
        assert_int_equal(t.hdr->tx_ptr, tx);
        assert_rc(hmx_ring_peek(&t.r, &info), HMX_EAGAIN);
        assert_rc(hmx_ring_pending(&t.r), 0);
        assert_int_equal(hmx_ring_writer_empty(&t.w), 1);

        /* Any error code is passed through. */
        c.err = HMX_EACCES;
        assert_rc(hmx_ring_write_giov(&t.w, &src, 1, g, 3, test_copy, &c), HMX_EACCES);
        assert_int_equal(t.hdr->tx_ptr, tx);

        /* The ring is still usable and the retry is exact. */
        c.fail_gaddr = 0;
        assert_rc(hmx_ring_write_giov(&t.w, &src, 2, g, 3, test_copy, &c), 135);
        assert_rc(hmx_ring_recv(&t.r, out, sizeof out, &info), 135);
        assert_int_equal(info.message_type, 2);
        assert_memory_equal(out, b0, sizeof b0);
        assert_memory_equal(out + 40, b1, sizeof b1);
        assert_memory_equal(out + 110, b2, sizeof b2);
    }
    ring_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_len_accepts_only_xen_lengths),
        cmocka_unit_test(test_len_for_fits_memory),
        cmocka_unit_test(test_reader_init_rejects_bad_args),
        cmocka_unit_test(test_writer_init_rejects_bad_args),
        cmocka_unit_test(test_reader_init_reset_clears_header),
        cmocka_unit_test(test_reader_init_adopts_valid_rx),
        cmocka_unit_test(test_round_trip_single_message),
        cmocka_unit_test(test_zero_length_message),
        cmocka_unit_test(test_max_message_and_emsgsize),
        cmocka_unit_test(test_write_giov_rejects_oversized_and_bad_iovs),
        cmocka_unit_test(test_exact_fill_matches_formula),
        cmocka_unit_test(test_wrap_at_every_slot_offset),
        cmocka_unit_test(test_iov_split_across_wrap),
        cmocka_unit_test(test_recv_iov_scatter),
        cmocka_unit_test(test_peek_recv_skip),
        cmocka_unit_test(test_pending_counts_headers_and_padding),
        cmocka_unit_test(test_writer_space_and_empty_match_formula),
        cmocka_unit_test(test_zero_length_fits_when_space_is_zero),
        cmocka_unit_test(test_writer_init_adopts_valid_tx),
        cmocka_unit_test(test_writer_init_resets_invalid_tx),
        cmocka_unit_test(test_recv_enobufs_consumes_nothing),
        cmocka_unit_test(test_byte_layout_matches_xen),
        cmocka_unit_test(test_randomized_round_trip),
        cmocka_unit_test(test_write_giov_wrap_at_every_slot_offset),
        cmocka_unit_test(test_write_giov_copy_failure_publishes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
