/* SPDX-License-Identifier: MIT */
/*
 * The HMX ring reader against a hostile writer.  Ring memory is shared with
 * the other side, so every tx_ptr and message header is forged here by hand
 * and the reader must answer exactly: HMX_ECORRUPT for anything invalid,
 * with nothing consumed, no partial message, and no access outside the
 * 64 + len bytes of ring memory (allocated to the byte so ASan, which CI
 * runs, catches overreads).
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

/* Larger than any ring here, so the caller's cap never masks an overread. */
#define BIG_CAP 65536u

typedef struct {
    uint8_t *mem;
    uint32_t len;
    struct hmx_ring_hdr *hdr;
    uint8_t *data;
    struct hmx_ring_reader r;
} hring_t;

static uint8_t ring_byte(uint32_t i)
{
    return (uint8_t)(i * 7u + 3u);
}

/* Recognisable data bytes, so a payload can be checked where it lies. */
static void h_fill(hring_t *h)
{
    for (uint32_t i = 0; i < h->len; i++)
        h->data[i] = ring_byte(i);
}

/* Empty ring whose reader cursor starts at rx (adopted from rx_ptr). */
static void h_open(hring_t *h, uint32_t len, uint32_t rx)
{
    h->len = len;
    h->mem = aligned_alloc(16, HMX_RING_HDR_SIZE + (size_t)len);
    assert_non_null(h->mem);
    h->hdr = (struct hmx_ring_hdr *)(void *)h->mem;
    h->data = h->mem + HMX_RING_HDR_SIZE;
    memset(h->hdr, 0, sizeof *h->hdr);
    h_fill(h);
    h->hdr->rx_ptr = rx;
    h->hdr->tx_ptr = rx;
    assert_rc(hmx_ring_reader_init(&h->r, h->mem, len, 0), 0);
    assert_int_equal(h->r.rx, rx);
}

static void h_close(hring_t *h)
{
    free(h->mem);
    h->mem = NULL;
}

/* Forge a message header at off (which the caller keeps slot aligned). */
static void h_msg(hring_t *h, uint32_t off, uint32_t msglen, uint32_t port, uint32_t type)
{
    struct hmx_msg_hdr m = {msglen, {port, 7, 0}, type};
    assert_true(off % SLOT == 0 && off + SLOT <= h->len);
    memcpy(h->data + off, &m, sizeof m);
}

static void h_tx(hring_t *h, uint32_t tx)
{
    h->hdr->tx_ptr = tx;
}

static uint32_t h_pending(const hring_t *h, uint32_t tx)
{
    return (tx + h->len - h->r.rx) % h->len;
}

/*
 * Every read entry point gives err, twice, and consumes nothing: the cursor,
 * the shared rx_ptr and the caller's buffer are all unchanged.
 * pend_want is what hmx_ring_pending must say (HMX_ECORRUPT for a bad tx).
 */
static void expect_stuck(hring_t *h, int err, int pend_want)
{
    uint32_t rx = h->r.rx, shared = h->hdr->rx_ptr;
    struct hmx_msg_info info;
    uint8_t *buf = malloc(BIG_CAP);
    assert_non_null(buf);
    memset(buf, 0xEE, BIG_CAP);

    for (int round = 0; round < 2; round++) {
        assert_rc(hmx_ring_peek(&h->r, &info), err);
        assert_rc(hmx_ring_recv(&h->r, buf, BIG_CAP, &info), err);
        /* Corruption is reported before any buffer-size verdict. */
        assert_rc(hmx_ring_recv(&h->r, NULL, 0, NULL), err);
        struct hmx_iov iov[3] = {{buf, 10}, {buf + 10, 0}, {buf + 10, BIG_CAP - 10}};
        assert_rc(hmx_ring_recv_iov(&h->r, iov, 3, &info), err);
        assert_rc(hmx_ring_skip(&h->r), err);
        assert_rc(hmx_ring_pending(&h->r), pend_want);
        assert_int_equal(h->r.rx, rx);
        assert_int_equal(h->hdr->rx_ptr, shared);
    }
    for (uint32_t i = 0; i < BIG_CAP; i++)
        if (buf[i] != 0xEE)
            fail_msg("partial message handed out: byte %u written", i);
    free(buf);
}

/* Read one message and check its payload against the ring bytes it covers. */
static void expect_msg(hring_t *h, uint32_t payload, uint32_t port)
{
    uint32_t rx = h->r.rx;
    struct hmx_msg_info info;
    uint8_t *buf = malloc(payload + 1);
    assert_non_null(buf);
    assert_rc(hmx_ring_peek(&h->r, &info), (int)payload);
    assert_rc(hmx_ring_recv(&h->r, buf, payload, &info), (int)payload);
    assert_int_equal(info.len, payload);
    assert_int_equal(info.source.port, port);
    for (uint32_t j = 0; j < payload; j++)
        if (buf[j] != ring_byte((rx + SLOT + j) % h->len))
            fail_msg("payload byte %u of message at %u wrong", j, rx);
    uint32_t next = (rx + SLOT + RUP(payload)) % h->len;
    assert_int_equal(h->r.rx, next);
    assert_int_equal(h->hdr->rx_ptr, next);
    free(buf);
}

/* ---- tx_ptr --------------------------------------------------------- */

static void test_tx_ptr_equal_len_is_corrupt(void **state)
{
    static const uint32_t rxs[] = {0, 128, 240};
    (void)state;
    for (size_t i = 0; i < sizeof rxs / sizeof rxs[0]; i++) {
        hring_t h;
        h_open(&h, 256, rxs[i]);
        h_msg(&h, rxs[i], 20, 1, 1); /* a plausible header must not rescue it */
        h_tx(&h, 256);
        expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
        h_close(&h);
    }
}

static void test_tx_ptr_beyond_len_is_corrupt(void **state)
{
    static const uint32_t txs[] = {256 + 16, 512,        256 + 128,  4096,
                                   0x10000,  HMX_RING_MAX_LEN, 0x80000000u, 0xFFFFFFF0u};
    (void)state;
    for (size_t i = 0; i < sizeof txs / sizeof txs[0]; i++) {
        hring_t h;
        h_open(&h, 256, 128);
        h_msg(&h, 128, 32, 1, 1);
        h_tx(&h, txs[i]);
        expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
        h_close(&h);
    }
}

static void test_tx_ptr_unaligned_is_corrupt(void **state)
{
    static const uint32_t rxs[] = {0, 112, 240};
    (void)state;
    for (size_t i = 0; i < sizeof rxs / sizeof rxs[0]; i++) {
        hring_t h;
        h_open(&h, 256, rxs[i]);
        h_msg(&h, rxs[i], 16, 1, 1);
        for (uint32_t tx = 0; tx < 256; tx++) {
            if (tx % SLOT == 0)
                continue;
            h_tx(&h, tx);
            expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
        }
        h_close(&h);
    }
}

static void test_tx_ptr_uint32_max_is_corrupt(void **state)
{
    static const uint32_t txs[] = {UINT32_MAX, UINT32_MAX - 1, UINT32_MAX - 15, 0x7FFFFFFFu};
    static const uint32_t rxs[] = {0, 16, 240};
    (void)state;
    for (size_t r = 0; r < sizeof rxs / sizeof rxs[0]; r++) {
        for (size_t i = 0; i < sizeof txs / sizeof txs[0]; i++) {
            hring_t h;
            h_open(&h, 256, rxs[r]);
            h_msg(&h, rxs[r], 16, 1, 1);
            h_tx(&h, txs[i]);
            expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
            h_close(&h);
        }
    }
}

/* ---- message header len ---------------------------------------------- */

static void test_hdr_len_below_header_size_is_corrupt(void **state)
{
    static const uint32_t pend[] = {16, 32, 240};
    (void)state;
    for (size_t p = 0; p < sizeof pend / sizeof pend[0]; p++) {
        for (uint32_t hl = 0; hl < SLOT; hl++) {
            hring_t h;
            h_open(&h, 256, 64);
            h_msg(&h, 64, hl, 1, 1);
            h_tx(&h, (64 + pend[p]) % 256);
            expect_stuck(&h, HMX_ECORRUPT, (int)pend[p]);
            h_close(&h);
        }
    }
}

static void test_hdr_len_exceeds_pending_is_corrupt(void **state)
{
    static const uint32_t hls[] = {65, 79, 80, 81, 100, 255, 256, 257, 4096, 0x10000, HMX_RING_MAX_LEN};
    (void)state;
    for (size_t i = 0; i < sizeof hls / sizeof hls[0]; i++) {
        hring_t h;
        h_open(&h, 256, 0);
        h_msg(&h, 0, hls[i], 1, 1);
        h_tx(&h, 64);
        expect_stuck(&h, HMX_ECORRUPT, 64);
        h_close(&h);
    }
}

/*
 * Near 2^32 a naive roundup wraps to a small number that passes a "fits in
 * pending" check; the pending bytes are made as large as possible so it would.
 */
static void test_hdr_len_roundup_overflow_is_corrupt(void **state)
{
    static const uint32_t hls[] = {0xFFFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFF9u, 0xFFFFFFF8u, 0xFFFFFFF2u,
                                   0xFFFFFFF1u, 0xFFFFFFF0u, 0xFFFFFFEFu, 0xFFFFFFE1u, 0xFFFFFF00u,
                                   0x80000010u, 0x80000000u, 0x7FFFFFFFu, 0x7FFFFFF1u, 0x0000FFF1u};
    static const uint32_t rxs[] = {0, 128, 240};
    (void)state;
    for (size_t r = 0; r < sizeof rxs / sizeof rxs[0]; r++) {
        for (size_t i = 0; i < sizeof hls / sizeof hls[0]; i++) {
            hring_t h;
            uint32_t tx = (rxs[r] + 256 - 16) % 256;
            h_open(&h, 256, rxs[r]);
            h_msg(&h, rxs[r], hls[i], 1, 1);
            h_tx(&h, tx);
            expect_stuck(&h, HMX_ECORRUPT, 256 - 16);
            h_close(&h);
        }
    }
}

static void test_hdr_len_exactly_pending_is_valid_one_slot_more_corrupt(void **state)
{
    const uint32_t len = 256;
    (void)state;
    for (uint32_t rx = 0; rx < len; rx += 48) {
        uint32_t rx16 = rx - rx % SLOT;
        for (uint32_t pend = SLOT; pend < len; pend += SLOT) {
            uint32_t tx = (rx16 + pend) % len;
            hring_t h;

            h_open(&h, len, rx16);
            h_tx(&h, tx);
            h_msg(&h, rx16, pend + SLOT, 1, 1);
            expect_stuck(&h, HMX_ECORRUPT, (int)pend);
            h_msg(&h, rx16, pend + 1, 1, 1);
            expect_stuck(&h, HMX_ECORRUPT, (int)pend);

            /* pend - 15 rounds up to exactly pend: valid. */
            if (pend > SLOT) {
                h_msg(&h, rx16, pend - 15, 2, 2);
                assert_rc(hmx_ring_peek(&h.r, &(struct hmx_msg_info){0}), (int)(pend - 31));
            }
            h_msg(&h, rx16, pend, 3, 3);
            expect_msg(&h, pend - SLOT, 3);
            assert_int_equal(h.r.rx, tx);
            expect_stuck(&h, HMX_EAGAIN, 0);
            h_close(&h);
        }
    }
}

static void test_hdr_len_past_end_of_data_area_is_corrupt(void **state)
{
    static const struct {
        uint32_t rx, tx, hl;
    } cases[] = {
        /* header in the last slot, claiming bytes past the end */
        {240, 0, 17},   {240, 0, 32},  {240, 0, 256},  {240, 0, 272},   {240, 0, 0x1000},
        {240, 32, 49},  {240, 32, 512},
        /* no wrap in the pending bytes, len reaching past the end */
        {0, 240, 257},  {0, 240, 256}, {0, 240, 512},  {128, 240, 129}, {128, 240, 144},
        {192, 0, 65},   {192, 0, 80},  {192, 16, 96},  {224, 240, 33},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hring_t h;
        h_open(&h, 256, cases[i].rx);
        h_msg(&h, cases[i].rx, cases[i].hl, 1, 1);
        h_tx(&h, cases[i].tx);
        expect_stuck(&h, HMX_ECORRUPT, (int)h_pending(&h, cases[i].tx));
        h_close(&h);
    }
}

/* ---- the reader's own state ------------------------------------------- */

static void test_scribbled_shared_rx_ptr_is_ignored(void **state)
{
    static const uint32_t junk[] = {256, 256 + 8, 0xFFFFFFFFu, 0x80000000u, 8, 128, 240};
    (void)state;
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        hring_t h;
        h_open(&h, 256, 208);
        /* Two valid messages: 208 -> 16 (payload wraps), 16 -> 64. */
        h_msg(&h, 208, 16 + 40, 1, 1);
        h_msg(&h, 16, 16 + 20, 2, 2);
        h_tx(&h, 64);
        h.hdr->rx_ptr = junk[i];
        assert_rc(hmx_ring_pending(&h.r), 112);
        expect_msg(&h, 40, 1); /* overwrites the junk with the true cursor */
        assert_int_equal(h.hdr->rx_ptr, 16);
        h.hdr->rx_ptr = junk[i];
        assert_rc(hmx_ring_pending(&h.r), 48);
        assert_rc(hmx_ring_skip(&h.r), 20);
        assert_int_equal(h.r.rx, 64);
        assert_int_equal(h.hdr->rx_ptr, 64);
        h.hdr->rx_ptr = junk[i];
        expect_stuck(&h, HMX_EAGAIN, 0);
        h_close(&h);
    }
}

static void test_pending_computed_across_wrap(void **state)
{
    hring_t h;
    (void)state;

    h_open(&h, 256, 224);
    h_tx(&h, 16);
    assert_rc(hmx_ring_pending(&h.r), 48);

    /* 48 bytes = header at 224, payload 240..255 then 0..15. */
    h_msg(&h, 224, 49, 1, 1);
    expect_stuck(&h, HMX_ECORRUPT, 48);
    h_msg(&h, 224, 64, 1, 1);
    expect_stuck(&h, HMX_ECORRUPT, 48);
    h_msg(&h, 224, 48, 1, 1);
    expect_msg(&h, 32, 1);
    assert_int_equal(h.r.rx, 16);
    assert_rc(hmx_ring_pending(&h.r), 0);

    /* Header in the last slot, empty payload, cursor wraps to 0. */
    h_fill(&h); /* earlier forged headers would spoil the payload check */
    h.hdr->rx_ptr = 240;
    assert_rc(hmx_ring_reader_init(&h.r, h.mem, h.len, 0), 0);
    h_msg(&h, 240, 16, 2, 2);
    h_tx(&h, 0);
    assert_rc(hmx_ring_pending(&h.r), 16);
    expect_msg(&h, 0, 2);
    assert_int_equal(h.r.rx, 0);

    /* tx behind rx by one slot: the whole ring bar one slot is pending. */
    h_fill(&h); /* earlier forged headers would spoil the payload check */
    h.hdr->rx_ptr = 128;
    assert_rc(hmx_ring_reader_init(&h.r, h.mem, h.len, 0), 0);
    h_tx(&h, 112);
    assert_rc(hmx_ring_pending(&h.r), 240);
    h_msg(&h, 128, 240, 3, 3);
    expect_msg(&h, 224, 3);
    assert_int_equal(h.r.rx, 112);
    h_close(&h);
}

static void test_reader_init_adopting_invalid_rx_is_corrupt(void **state)
{
    static const uint32_t bad[] = {256, 256 + 16, 512, 1, 8, 15, 255, 241, 0x80000000u, UINT32_MAX,
                                   UINT32_MAX - 15};
    uint8_t *mem = aligned_alloc(16, HMX_RING_HDR_SIZE + 256);
    struct hmx_ring_hdr *hdr = (struct hmx_ring_hdr *)(void *)mem;
    struct hmx_ring_reader r;
    (void)state;

    assert_non_null(mem);
    memset(mem, 0, HMX_RING_HDR_SIZE + 256);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hdr->rx_ptr = bad[i];
        hdr->tx_ptr = 0;
        assert_rc(hmx_ring_reader_init(&r, mem, 256, 0), HMX_ECORRUPT);
        assert_int_equal(hdr->rx_ptr, bad[i]); /* adopting does not repair */
    }
    /* A garbage tx_ptr is not checked at init; the first read reports it. */
    hdr->rx_ptr = 240;
    hdr->tx_ptr = 7;
    assert_rc(hmx_ring_reader_init(&r, mem, 256, 0), 0);
    assert_int_equal(r.rx, 240);
    assert_rc(hmx_ring_peek(&r, &(struct hmx_msg_info){0}), HMX_ECORRUPT);
    /* A reset recovers a corrupt ring. */
    hdr->rx_ptr = UINT32_MAX;
    assert_rc(hmx_ring_reader_init(&r, mem, 256, 1), 0);
    assert_int_equal(hdr->rx_ptr, 0);
    assert_int_equal(hdr->tx_ptr, 0);
    assert_rc(hmx_ring_peek(&r, &(struct hmx_msg_info){0}), HMX_EAGAIN);
    free(mem);
}

static void test_corrupt_second_message_keeps_first(void **state)
{
    hring_t h;
    (void)state;

    h_open(&h, 256, 0);
    h_msg(&h, 0, 16 + 10, 1, 1);   /* 0..32 */
    h_msg(&h, 32, 16 + 100, 2, 2); /* claims 32..160, only 32..64 pending */
    h_tx(&h, 64);
    expect_msg(&h, 10, 1);
    expect_stuck(&h, HMX_ECORRUPT, 32);
    assert_int_equal(h.r.rx, 32);

    /* The writer finishing its message (tx catching up) repairs the ring. */
    h_tx(&h, 160);
    expect_msg(&h, 100, 2);
    expect_stuck(&h, HMX_EAGAIN, 0);
    h_close(&h);
}

static void test_corruption_is_not_sticky(void **state)
{
    hring_t h;
    (void)state;

    h_open(&h, 256, 96);
    h_msg(&h, 96, 16 + 33, 5, 5);
    h_tx(&h, 97);
    expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
    h_tx(&h, 300);
    expect_stuck(&h, HMX_ECORRUPT, HMX_ECORRUPT);
    h_tx(&h, 96 + 64);
    expect_msg(&h, 33, 5);
    h_close(&h);
}

/*
 * The reverse trust direction: a hostile reader scribbling rx_ptr must not
 * steer the writer out of the data area.  Only bounds are asserted here;
 * ASan catches any stray write.
 */
static void test_hostile_rx_ptr_keeps_writer_in_bounds(void **state)
{
    static const uint32_t junk[] = {1, 8, 15, 17, 255, 256, 257, 512, 0x80000000u, 0xFFFFFFF1u,
                                    UINT32_MAX};
    const uint32_t len = 256;
    uint8_t payload[256];
    (void)state;

    memset(payload, 0x3C, sizeof payload);
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        for (uint32_t tx0 = 0; tx0 < len; tx0 += 80) {
            hring_t h;
            struct hmx_ring_writer w;
            struct hmx_addr src = {1, 1, 0};
            h_open(&h, len, 0);
            h.hdr->tx_ptr = tx0 - tx0 % SLOT;
            h.hdr->rx_ptr = junk[i];
            assert_rc(hmx_ring_writer_init(&w, h.mem, len), 0);
            for (int k = 0; k < 40; k++) {
                uint32_t n = (uint32_t)(k * 37) % (len - 31);
                struct hmx_iov iov = {payload, n};
                assert_true(hmx_ring_writer_space(&w) <= len - 32);
                int rc = hmx_ring_write(&w, &src, 0, &iov, 1);
                assert_true(rc == (int)n || rc == HMX_EAGAIN);
                assert_true(w.tx < len && w.tx % SLOT == 0);
                assert_int_equal(h.hdr->tx_ptr, w.tx);
                h.hdr->rx_ptr = junk[(i + (size_t)k) % (sizeof junk / sizeof junk[0])];
            }
            h_close(&h);
        }
    }
}

/* Xen's get_sanitized_ring: round rx_ptr up to a slot, 0 if that reaches len. */
static uint32_t xen_sanitized_rx(uint32_t rx, uint32_t len)
{
    uint64_t up = ((uint64_t)rx + SLOT - 1) & ~(uint64_t)(SLOT - 1);
    return up >= len ? 0 : (uint32_t)up;
}

/* Exact Xen semantics for space/empty whatever the reader scribbled. */
static void test_writer_sanitizes_rx_ptr_like_xen(void **state)
{
    static const uint32_t big[] = {0x7FFFFFFFu, 0x80000000u, 0xFFFFFFEFu, 0xFFFFFFF0u, 0xFFFFFFF1u,
                                   UINT32_MAX};
    const uint32_t len = 128;
    const uint32_t nrx = len + 40 + sizeof big / sizeof big[0];
    static uint8_t payload[128];
    (void)state;

    for (uint32_t tx = 0; tx < len; tx += SLOT) {
        for (uint32_t ri = 0; ri < nrx; ri++) {
            uint32_t rx = ri < len + 40 ? ri : big[ri - len - 40];
            uint32_t srx = xen_sanitized_rx(rx, len);
            uint32_t fr = srx == tx ? len : (srx + len - tx) % len;
            uint32_t want = fr >= 32 ? fr - 32 : 0;
            struct hmx_ring_writer w;
            struct hmx_addr src = {1, 1, 0};
            hring_t h;

            h_open(&h, len, 0);
            h.hdr->tx_ptr = tx;
            h.hdr->rx_ptr = rx;
            assert_rc(hmx_ring_writer_init(&w, h.mem, len), 0);
            assert_int_equal(w.tx, tx);
            if (hmx_ring_writer_space(&w) != want)
                fail_msg("tx %u rx_ptr %#x: space %u, want %u", tx, rx, hmx_ring_writer_space(&w),
                         want);
            assert_int_equal(hmx_ring_writer_empty(&w), srx == tx);

            /* The write agrees with the space it reported. */
            struct hmx_iov too_big = {payload, want + 1};
            assert_rc(hmx_ring_write(&w, &src, 0, &too_big, 1),
                      want + 1 > len - 32 ? HMX_EMSGSIZE : HMX_EAGAIN);
            struct hmx_iov fits = {payload, want};
            assert_rc(hmx_ring_write(&w, &src, 0, &fits, 1), fr > 16 ? (int)want : HMX_EAGAIN);
            h_close(&h);
        }
    }
}

/* ---- exhaustive ------------------------------------------------------- */

/* The reader's verdict, straight from the rules in ring.h. */
static int oracle(uint32_t len, uint32_t rx, uint32_t tx, uint32_t hl)
{
    if (tx >= len || tx % SLOT != 0)
        return HMX_ECORRUPT;
    if (tx == rx)
        return HMX_EAGAIN;
    uint32_t pend = (tx + len - rx) % len;
    /* 64-bit roundup: HMX_SLOT_ROUNDUP's 32-bit mask would truncate. */
    if (hl < SLOT || (((uint64_t)hl + SLOT - 1) & ~(uint64_t)(SLOT - 1)) > pend)
        return HMX_ECORRUPT;
    return (int)(hl - SLOT);
}

static void ex_reset(hring_t *h, uint32_t rx, uint32_t tx, uint32_t hl)
{
    h_fill(h);
    h->hdr->rx_ptr = rx;
    h->hdr->tx_ptr = tx;
    h_msg(h, rx, hl, rx, hl);
    assert_rc(hmx_ring_reader_init(&h->r, h->mem, h->len, 0), 0);
}

static void test_exhaustive_small_ring(void **state)
{
    static const uint32_t extra_tx[] = {64, 80, 0x7FFFFFF0u, 0xFFFFFFF0u, UINT32_MAX};
    static const uint32_t extra_hl[] = {0x7FFFFFFFu, 0x80000000u, 0x80000010u, 0xFFFFFFE0u,
                                        0xFFFFFFEFu, 0xFFFFFFF0u, 0xFFFFFFF1u, UINT32_MAX};
    static const uint32_t caps[] = {0, 1, 15, 16, 17, 31, 32, 47, 48, 64};
    const uint32_t len = 64;
    const uint32_t ntx = len + sizeof extra_tx / sizeof extra_tx[0];
    const uint32_t nhl = 81 + sizeof extra_hl / sizeof extra_hl[0];
    uint8_t *bufs[sizeof caps / sizeof caps[0]];
    unsigned ok = 0, again = 0, corrupt = 0;
    hring_t h;
    (void)state;

    h_open(&h, len, 0);
    /* Exact-size buffers: ASan flags a copy past cap. */
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
        bufs[c] = caps[c] ? malloc(caps[c]) : NULL;

    for (uint32_t rx = 0; rx < len; rx += SLOT) {
        for (uint32_t ti = 0; ti < ntx; ti++) {
            uint32_t tx = ti < len ? ti : extra_tx[ti - len];
            for (uint32_t hi = 0; hi < nhl; hi++) {
                uint32_t hl = hi <= 80 ? hi : extra_hl[hi - 81];
                int want = oracle(len, rx, tx, hl);
                struct hmx_msg_info info;

                ex_reset(&h, rx, tx, hl);
                int got = hmx_ring_peek(&h.r, &info);
                if (got != want)
                    fail_msg("peek rx %u tx %#x hl %#x: got %d (%s), want %d (%s)", rx, tx, hl,
                             got, hmx_err_name(got), want, hmx_err_name(want));
                assert_true(got >= 0 || got == HMX_EAGAIN || got == HMX_ECORRUPT);
                if (got >= 0) {
                    /* The payload lies inside the pending bytes, hence inside the ring. */
                    assert_int_equal(info.len, (uint32_t)got);
                    assert_true(SLOT + RUP((uint32_t)got) <= (tx + len - rx) % len);
                    ok++;
                } else if (got == HMX_EAGAIN) {
                    again++;
                } else {
                    corrupt++;
                }
                assert_int_equal(h.r.rx, rx);

                for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
                    uint32_t cap = caps[c];
                    ex_reset(&h, rx, tx, hl);
                    got = hmx_ring_recv(&h.r, bufs[c], cap, &info);
                    if (want >= 0 && (uint32_t)want > cap) {
                        if (got != HMX_ENOBUFS)
                            fail_msg("recv rx %u tx %u hl %u cap %u: got %d, want ENOBUFS", rx, tx,
                                     hl, cap, got);
                        assert_int_equal(info.len, (uint32_t)want);
                        assert_int_equal(h.r.rx, rx);
                        continue;
                    }
                    if (got != want)
                        fail_msg("recv rx %u tx %#x hl %#x cap %u: got %d (%s), want %d (%s)", rx,
                                 tx, hl, cap, got, hmx_err_name(got), want, hmx_err_name(want));
                    if (got < 0) {
                        assert_int_equal(h.r.rx, rx);
                        assert_int_equal(h.hdr->rx_ptr, rx);
                        continue;
                    }
                    assert_true((uint32_t)got <= cap);
                    for (uint32_t j = 0; j < (uint32_t)got; j++)
                        assert_int_equal(bufs[c][j], ring_byte((rx + SLOT + j) % len));
                    assert_int_equal(h.r.rx, (rx + SLOT + RUP((uint32_t)got)) % len);
                    assert_int_equal(h.hdr->rx_ptr, h.r.rx);
                }

                ex_reset(&h, rx, tx, hl);
                assert_rc(hmx_ring_skip(&h.r), want);
                assert_int_equal(h.r.rx, want >= 0 ? (rx + SLOT + RUP((uint32_t)want)) % len : rx);
            }
        }
    }
    /* Sanity: the sweep reached all three verdicts. */
    assert_true(ok > 0 && again > 0 && corrupt > 0);
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
        free(bufs[c]);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_ptr_equal_len_is_corrupt),
        cmocka_unit_test(test_tx_ptr_beyond_len_is_corrupt),
        cmocka_unit_test(test_tx_ptr_unaligned_is_corrupt),
        cmocka_unit_test(test_tx_ptr_uint32_max_is_corrupt),
        cmocka_unit_test(test_hdr_len_below_header_size_is_corrupt),
        cmocka_unit_test(test_hdr_len_exceeds_pending_is_corrupt),
        cmocka_unit_test(test_hdr_len_roundup_overflow_is_corrupt),
        cmocka_unit_test(test_hdr_len_exactly_pending_is_valid_one_slot_more_corrupt),
        cmocka_unit_test(test_hdr_len_past_end_of_data_area_is_corrupt),
        cmocka_unit_test(test_scribbled_shared_rx_ptr_is_ignored),
        cmocka_unit_test(test_pending_computed_across_wrap),
        cmocka_unit_test(test_reader_init_adopting_invalid_rx_is_corrupt),
        cmocka_unit_test(test_corrupt_second_message_keeps_first),
        cmocka_unit_test(test_corruption_is_not_sticky),
        cmocka_unit_test(test_hostile_rx_ptr_keeps_writer_in_bounds),
        cmocka_unit_test(test_writer_sanitizes_rx_ptr_like_xen),
        cmocka_unit_test(test_exhaustive_small_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
