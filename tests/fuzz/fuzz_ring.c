/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the ring reader (and writer) over arbitrary ring memory.
 *
 * The input chooses the ring length (valid or not, up to HMX_RING_MAX_LEN),
 * the shared indices, the bytes of the data area, and then a sequence of
 * reader calls (recv, recv_iov, peek, skip, pending, re-adopting rx_ptr),
 * writer calls, and hostile changes to the memory between calls.
 *
 * Every call is checked against a reference reader written here with
 * 64-bit arithmetic, straight from spec/: the library must return exactly
 * the same verdict, hand out only whole messages that lie within the
 * pending bytes, never write more than the caller's capacity, consume
 * nothing on an error, and move its cursor only to the next message.  The
 * ring memory sits at the very end of its allocation and every output
 * buffer at the end of its own, so AddressSanitizer sees any overrun.
 * A final drain must end within len / 16 + 1 calls.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "hmx/ring.h"

#define MEM_MAX (HMX_RING_HDR_SIZE + HMX_RING_MAX_LEN)
#define OUT_MAX HMX_RING_MAX_LEN
#define NIOV 4u
#define IOV_MAX 65536u
#define SMALL_LEN 4096u /* rings up to this length are snapshotted around each call */
#define CANARY 0xA5u

static uint8_t *g_mem; /* MEM_MAX bytes: ring memory is placed at its end */
static uint8_t *g_out; /* OUT_MAX bytes: recv buffers are placed at its end */
static uint8_t *g_iov[NIOV];
static uint8_t *g_snap;
static uint8_t g_pattern[4 * 65536];

/* Bytes of g_mem an input wrote: zeroed again before the next input, so
 * that a 16 MiB ring costs only what its input touched. */
#define MAX_DIRTY 512u
static struct {
    size_t lo, hi;
} g_dirty[MAX_DIRTY];
static unsigned g_ndirty;
static int g_dirty_all = 1;

static void dirty(const uint8_t *p, size_t n)
{
    if (g_ndirty == MAX_DIRTY) {
        g_dirty_all = 1;
        return;
    }
    g_dirty[g_ndirty].lo = (size_t)(p - g_mem);
    g_dirty[g_ndirty].hi = (size_t)(p - g_mem) + n;
    g_ndirty++;
}

static void clean(void)
{
    if (g_dirty_all)
        memset(g_mem, 0, MEM_MAX);
    else
        for (unsigned i = 0; i < g_ndirty; i++)
            memset(g_mem + g_dirty[i].lo, 0, g_dirty[i].hi - g_dirty[i].lo);
    g_ndirty = 0;
    g_dirty_all = 0;
}

struct ring {
    uint8_t *mem;
    uint8_t *data;
    uint32_t len;
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint64_t rup(uint64_t n)
{
    return (n + 15u) / 16u * 16u;
}

/* The reference reader's view of the next message at rx. */
struct ref {
    int rc;            /* 0, HMX_EAGAIN or HMX_ECORRUPT */
    uint64_t pending;  /* when tx is valid */
    uint32_t payload;  /* payload bytes */
    uint32_t start;    /* offset of the first payload byte */
    uint32_t next;     /* rx after consuming it */
    uint32_t word[4];  /* the header */
};

static struct ref ref_next(const struct ring *g, uint32_t rx)
{
    struct ref m;
    uint64_t tx = rd32(g->mem + 4), len = g->len, mlen;

    memset(&m, 0, sizeof(m));
    if (tx >= len || tx % 16 != 0) {
        m.rc = HMX_ECORRUPT;
        return m;
    }
    m.pending = (tx + len - rx) % len;
    if (m.pending == 0) {
        m.rc = HMX_EAGAIN;
        return m;
    }
    for (int i = 0; i < 4; i++)
        m.word[i] = rd32(g->data + rx + 4 * i);
    mlen = m.word[0];
    if (mlen < 16 || rup(mlen) > m.pending) {
        m.rc = HMX_ECORRUPT;
        return m;
    }
    m.payload = (uint32_t)(mlen - 16);
    m.start = (uint32_t)((rx + 16) % len);
    m.next = (uint32_t)((rx + rup(mlen)) % len);
    return m;
}

static void check_info(const struct hmx_msg_info *info, const struct ref *m)
{
    FZ_CHECK(info->len == m->payload, "info.len %u, header says %u", info->len, m->payload);
    FZ_CHECK(info->source.port == m->word[1], "source port");
    FZ_CHECK(info->source.domain == (m->word[2] & 0xFFFFu), "source domain");
    FZ_CHECK(info->source.pad == (m->word[2] >> 16), "source pad");
    FZ_CHECK(info->message_type == m->word[3], "message type");
}

/* Whether the n ring bytes from offset at (wrapping once at most, as a
 * message can) equal b.  Two memcmp calls rather than a loop with a
 * division per byte: the checks dominated the target's time. */
static int ring_equal(const struct ring *g, uint32_t at, const uint8_t *b, size_t n)
{
    size_t first = g->len - at;

    if (n == 0)
        return 1;
    if (n <= first)
        return memcmp(g->data + at, b, n) == 0;
    return memcmp(g->data + at, b, first) == 0 && memcmp(g->data, b + first, n - first) == 0;
}

/* Nothing consumed: cursor and shared rx_ptr are where they were. */
static void check_unmoved(const struct ring *g, const struct hmx_ring_reader *r, uint32_t rx,
                          uint32_t shared)
{
    FZ_CHECK(r->rx == rx, "cursor moved from %u to %u on an error", rx, r->rx);
    FZ_CHECK(rd32(g->mem) == shared, "rx_ptr written on an error");
}

static void check_consumed(const struct ring *g, const struct hmx_ring_reader *r,
                           const struct ref *m)
{
    FZ_CHECK(r->rx == m->next, "cursor %u, want %u", r->rx, m->next);
    FZ_CHECK(rd32(g->mem) == m->next, "rx_ptr %u, want %u", rd32(g->mem), m->next);
}

/* The library never writes ring memory but rx_ptr (reader) or the slots it
 * is given plus tx_ptr (writer): compare with a snapshot for small rings. */
static void snap(const struct ring *g)
{
    if (g->len <= SMALL_LEN)
        memcpy(g_snap, g->mem, HMX_RING_HDR_SIZE + g->len);
}

static void check_reader_wrote_only_rx(const struct ring *g)
{
    if (g->len > SMALL_LEN)
        return;
    FZ_CHECK(memcmp(g_snap + 4, g->mem + 4, HMX_RING_HDR_SIZE - 4 + g->len) == 0,
             "the reader wrote ring memory other than rx_ptr");
}

static void op_recv(struct fz *f, const struct ring *g, struct hmx_ring_reader *r)
{
    uint32_t sel = fz_u32(f), rx = r->rx, shared = rd32(g->mem);
    size_t cap;
    uint8_t *buf;
    struct hmx_msg_info info;
    struct ref m = ref_next(g, rx);
    int rc, with_info = sel & 1;

    /* Capacities: exact ones near the payload, small, or enormous. */
    switch ((sel >> 1) & 3) {
    case 0:
        cap = m.payload + ((sel >> 3) % 3) - 1; /* payload - 1 .. payload + 1 */
        if (m.rc != 0 || ((sel >> 3) % 3 == 0 && m.payload == 0))
            cap = 0;
        break;
    case 1:
        cap = (sel >> 3) % 256;
        break;
    case 2:
        cap = (sel >> 3) % (OUT_MAX + 1);
        break;
    default:
        cap = (size_t)-1 >> ((sel >> 3) & 7);
        break;
    }
    if (cap <= OUT_MAX)
        buf = g_out + (OUT_MAX - cap); /* the buffer ends where the allocation ends */
    else
        buf = g_out;
    if (cap == 0 && (sel & 0x80000000u))
        buf = NULL;
    if (buf != NULL)
        memset(buf, CANARY, cap < 64 ? cap : 64);
    if (cap > OUT_MAX && m.rc == 0 && m.payload < OUT_MAX) /* guard the bytes after it */
        memset(buf + m.payload, CANARY, OUT_MAX - m.payload < 64 ? OUT_MAX - m.payload : 64);
    memset(&info, 0, sizeof(info));
    snap(g);
    rc = hmx_ring_recv(r, buf, cap, with_info ? &info : NULL);
    check_reader_wrote_only_rx(g);

    if (m.rc != 0) {
        FZ_CHECK(rc == m.rc, "recv %d, reference %d", rc, m.rc);
        check_unmoved(g, r, rx, shared);
    } else if (m.payload > cap) {
        FZ_CHECK(rc == HMX_ENOBUFS, "recv %d with payload %u > cap %zu", rc, m.payload, cap);
        check_unmoved(g, r, rx, shared);
        if (with_info)
            check_info(&info, &m);
    } else {
        FZ_CHECK(rc >= 0 && (uint32_t)rc == m.payload, "recv %d, reference payload %u", rc,
                 m.payload);
        FZ_CHECK((size_t)rc <= cap, "recv %d beyond cap %zu", rc, cap);
        FZ_CHECK(ring_equal(g, m.start, buf, m.payload), "payload differs from the ring");
        if (cap > OUT_MAX) /* a huge capacity: nothing after the payload is written */
            for (uint32_t j = m.payload; j < m.payload + 64u && j < OUT_MAX; j++)
                FZ_CHECK(buf[j] == CANARY, "byte %u after the payload written", j);
        if (with_info)
            check_info(&info, &m);
        check_consumed(g, r, &m);
    }
    if (rc < 0 && buf != NULL)
        for (size_t j = 0; j < cap && j < 64; j++)
            FZ_CHECK(buf[j] == CANARY, "buffer written on error %d", rc);
}

static void op_recv_iov(struct fz *f, const struct ring *g, struct hmx_ring_reader *r)
{
    struct hmx_iov iov[NIOV];
    unsigned niov = fz_u8(f) % (NIOV + 1), i;
    uint32_t rx = r->rx, shared = rd32(g->mem);
    uint64_t cap = 0;
    int bad = 0, rc;
    struct ref m = ref_next(g, rx);
    struct hmx_msg_info info;

    for (i = 0; i < niov; i++) {
        uint16_t l = fz_u16(f);
        size_t len = l & 0x8000u ? (size_t)(l & 0x7FFFu) : (size_t)(l & 0xFFu);

        if ((l & 0x7FFFu) == 0x7FFFu) { /* a NULL base */
            iov[i].base = NULL;
            iov[i].len = l & 0x8000u ? 1 : 0;
            bad |= iov[i].len != 0;
        } else {
            iov[i].base = g_iov[i] + (IOV_MAX - len);
            iov[i].len = len;
            memset(g_iov[i] + (IOV_MAX - len), CANARY, len);
        }
        cap += iov[i].len;
    }
    snap(g);
    rc = hmx_ring_recv_iov(r, niov ? iov : NULL, niov, &info);
    check_reader_wrote_only_rx(g);
    if (bad) {
        FZ_CHECK(rc == HMX_EINVAL, "recv_iov %d with a NULL buffer", rc);
        check_unmoved(g, r, rx, shared);
        return;
    }
    if (m.rc != 0) {
        FZ_CHECK(rc == m.rc, "recv_iov %d, reference %d", rc, m.rc);
        check_unmoved(g, r, rx, shared);
        return;
    }
    check_info(&info, &m);
    if (m.payload > cap) {
        FZ_CHECK(rc == HMX_ENOBUFS, "recv_iov %d, payload %u > cap %llu", rc, m.payload,
                 (unsigned long long)cap);
        check_unmoved(g, r, rx, shared);
        return;
    }
    FZ_CHECK(rc >= 0 && (uint32_t)rc == m.payload, "recv_iov %d, reference %u", rc, m.payload);
    {
        uint32_t j = 0; /* payload bytes placed so far */

        for (i = 0; i < niov; i++) {
            const uint8_t *b = iov[i].base;
            size_t in = m.payload - j < iov[i].len ? m.payload - j : iov[i].len;

            FZ_CHECK(ring_equal(g, (uint32_t)(((uint64_t)m.start + j) % g->len), b, in),
                     "iov %u differs from the ring", i);
            for (size_t k = in; k < iov[i].len; k++)
                FZ_CHECK(b[k] == CANARY, "iov %u byte %zu written past the payload", i, k);
            j += (uint32_t)in;
        }
    }
    check_consumed(g, r, &m);
}

static void op_peek(const struct ring *g, struct hmx_ring_reader *r)
{
    uint32_t rx = r->rx, shared = rd32(g->mem);
    struct ref m = ref_next(g, rx);
    struct hmx_msg_info info;
    int rc;

    snap(g);
    rc = hmx_ring_peek(r, &info);
    check_reader_wrote_only_rx(g);
    check_unmoved(g, r, rx, shared);
    if (m.rc != 0) {
        FZ_CHECK(rc == m.rc, "peek %d, reference %d", rc, m.rc);
        return;
    }
    FZ_CHECK(rc >= 0 && (uint32_t)rc == m.payload, "peek %d, reference %u", rc, m.payload);
    check_info(&info, &m);
    FZ_CHECK(hmx_ring_peek(r, NULL) == rc, "peek without info differs");
}

/* Returns 1 when a message was consumed. */
static int op_skip(const struct ring *g, struct hmx_ring_reader *r)
{
    uint32_t rx = r->rx, shared = rd32(g->mem);
    struct ref m = ref_next(g, rx);
    int rc;

    snap(g);
    rc = hmx_ring_skip(r);
    check_reader_wrote_only_rx(g);
    if (m.rc != 0) {
        FZ_CHECK(rc == m.rc, "skip %d, reference %d", rc, m.rc);
        check_unmoved(g, r, rx, shared);
        return 0;
    }
    FZ_CHECK(rc >= 0 && (uint32_t)rc == m.payload, "skip %d, reference %u", rc, m.payload);
    check_consumed(g, r, &m);
    return 1;
}

static void op_pending(const struct ring *g, const struct hmx_ring_reader *r)
{
    uint32_t tx = rd32(g->mem + 4);
    struct ref m = ref_next(g, r->rx);
    int rc = hmx_ring_pending(r);

    if (tx >= g->len || tx % 16 != 0) {
        FZ_CHECK(rc == HMX_ECORRUPT, "pending %d with a bad tx_ptr", rc);
        return;
    }
    FZ_CHECK(rc >= 0 && (uint64_t)rc == m.pending, "pending %d, reference %llu", rc,
             (unsigned long long)m.pending);
    FZ_CHECK((uint32_t)rc <= g->len - 16, "pending %d beyond len - 16", rc);
}

/* The hostile writer: overwrite some bytes of ring memory. */
static void op_poke(struct fz *f, const struct ring *g)
{
    uint32_t total = HMX_RING_HDR_SIZE + g->len;
    uint32_t off = fz_below(f, total), n = fz_u8(f) % 32u;

    if (n > total - off)
        n = total - off;
    dirty(g->mem + off, n);
    fz_bytes(f, g->mem + off, n);
}

/* A plausible header at a slot: what the fuzzer is slowest to find. */
static void op_forge(struct fz *f, const struct ring *g, const struct hmx_ring_reader *r)
{
    uint32_t sel = fz_u8(f);
    uint32_t off = sel & 1 ? r->rx : 16u * fz_below(f, g->len / 16u);
    uint32_t payload = fz_u16(f);
    uint32_t mlen = sel & 2 ? fz_u32(f) : payload % g->len + 16u;

    dirty(g->data + off, 16);
    wr32(g->data + off, mlen);
    wr32(g->data + off + 4, fz_u32(f));
    wr32(g->data + off + 8, fz_u32(f));
    wr32(g->data + off + 12, fz_u32(f));
    if (sel & 4) /* and a tx_ptr just past it */
        wr32(g->mem + 4, (uint32_t)((off + rup(mlen)) % g->len));
}

/* The writer side: adopt the ring and append one message. */
static void op_write(struct fz *f, const struct ring *g)
{
    struct hmx_ring_writer w;
    struct hmx_iov iov[NIOV];
    struct hmx_addr src;
    unsigned niov = fz_u8(f) % (NIOV + 1), i;
    uint32_t type = fz_u32(f), total = 0, tx0, rx_s, free_b, tx_shared, rx_shared;
    uint64_t need;
    int rc;

    src.port = fz_u32(f);
    src.domain = fz_u16(f);
    src.pad = 0;
    for (i = 0; i < niov; i++) {
        uint32_t l = fz_u16(f);

        iov[i].base = g_pattern + i * 65536u;
        iov[i].len = l;
        total += l;
    }

    tx_shared = rd32(g->mem + 4);
    rx_shared = rd32(g->mem);
    FZ_CHECK(hmx_ring_writer_init(&w, g->mem, g->len) == 0, "writer_init on a valid ring");
    /* Adopt a valid tx_ptr, else restart at rx_ptr rounded up to a slot. */
    if (tx_shared < g->len && tx_shared % 16 == 0)
        tx0 = tx_shared;
    else
        tx0 = rx_shared < g->len && rup(rx_shared) < g->len ? (uint32_t)rup(rx_shared) : 0;
    FZ_CHECK(w.tx == tx0 && rd32(g->mem + 4) == tx0, "writer adopted tx %u, want %u", w.tx,
             tx0);
    rx_s = rx_shared < g->len && rup(rx_shared) < g->len ? (uint32_t)rup(rx_shared) : 0;
    free_b = rx_s == tx0 ? g->len : rx_s > tx0 ? rx_s - tx0 : g->len - tx0 + rx_s;
    FZ_CHECK(hmx_ring_writer_space(&w) == (free_b > 32 ? free_b - 32 : 0), "writer space");

    need = 16 + rup(total);
    /* What the writer may write: the message's slots from its cursor. */
    if (need < g->len) {
        dirty(g->data + tx0, tx0 + need <= g->len ? need : g->len - tx0);
        if (tx0 + need > g->len)
            dirty(g->data, tx0 + need - g->len);
    }
    snap(g);
    rc = hmx_ring_write(&w, &src, type, niov ? iov : NULL, niov);
    if (g->len <= need) {
        FZ_CHECK(rc == HMX_EMSGSIZE, "write %d for %u bytes in a ring of %u", rc, total, g->len);
    } else if (need >= free_b) {
        FZ_CHECK(rc == HMX_EAGAIN, "write %d with %u free for %u bytes", rc, free_b, total);
    } else {
        uint32_t at;

        FZ_CHECK(rc >= 0 && (uint32_t)rc == total, "write %d, want %u", rc, total);
        FZ_CHECK(rd32(g->data + tx0) == total + 16, "header length");
        FZ_CHECK(rd32(g->data + tx0 + 4) == src.port, "header port");
        FZ_CHECK(rd32(g->data + tx0 + 12) == type, "header type");
        at = (tx0 + 16) % g->len;
        for (i = 0; i < niov; i++) {
            FZ_CHECK(ring_equal(g, at, iov[i].base, iov[i].len), "payload of iov %u", i);
            at = (uint32_t)(((uint64_t)at + iov[i].len) % g->len);
        }
        FZ_CHECK(w.tx == (tx0 + need) % g->len, "writer cursor");
        FZ_CHECK(rd32(g->mem + 4) == w.tx, "tx_ptr not published");
        /* Nothing outside the message's slots and tx_ptr changed. */
        if (g->len <= SMALL_LEN) {
            for (uint32_t j = 0; j < HMX_RING_HDR_SIZE; j++)
                if (j < 4 || j >= 8)
                    FZ_CHECK(g->mem[j] == g_snap[j], "ring header byte %u written", j);
            for (uint32_t j = 0; j < g->len; j++) {
                uint32_t d = (j + g->len - tx0) % g->len;

                if (d >= 16 + total)
                    FZ_CHECK(g->data[j] == g_snap[HMX_RING_HDR_SIZE + j],
                             "data byte %u outside the message written", j);
            }
        }
        return;
    }
    FZ_CHECK(rd32(g->mem + 4) == tx0, "tx_ptr moved on a failed write");
}

static void init_globals(void)
{
    if (g_mem != NULL)
        return;
    g_mem = malloc(MEM_MAX);
    g_out = malloc(OUT_MAX);
    g_snap = malloc(HMX_RING_HDR_SIZE + SMALL_LEN);
    for (unsigned i = 0; i < NIOV; i++)
        g_iov[i] = malloc(IOV_MAX);
    if (g_mem == NULL || g_out == NULL || g_snap == NULL)
        abort();
    for (size_t i = 0; i < sizeof(g_pattern); i++)
        g_pattern[i] = (uint8_t)(i * 131u + (i >> 8) * 7u + 1u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct ring g;
    struct hmx_ring_reader r;
    uint8_t flags;
    uint32_t lenraw, rx0, tx0, nmem, ops = 0;
    int valid, rc, drained = 0;

    init_globals();
    fz_init(&f, data, size);
    flags = fz_u8(&f);
    lenraw = fz_u32(&f);
    if (flags & 2) /* raw: possibly invalid */
        g.len = lenraw;
    else if (flags & 4) /* anywhere up to the largest ring */
        g.len = HMX_RING_MIN_LEN + 16u * (lenraw % ((HMX_RING_MAX_LEN - HMX_RING_MIN_LEN) / 16u + 1));
    else
        g.len = HMX_RING_MIN_LEN + 16u * (lenraw % 256u);
    valid = g.len >= HMX_RING_MIN_LEN && g.len <= HMX_RING_MAX_LEN && g.len % 16 == 0;
    FZ_CHECK(hmx_ring_valid_len(g.len) == valid, "valid_len(%u)", g.len);
    rx0 = fz_u32(&f);
    tx0 = fz_u32(&f);

    memset(&r, 0, sizeof(r));
    if (!valid) {
        uint8_t *mem = g_mem + MEM_MAX - 4096;

        FZ_CHECK(hmx_ring_reader_init(&r, mem, g.len, flags & 1) == HMX_EINVAL,
                 "reader_init accepted len %u", g.len);
        FZ_CHECK(hmx_ring_writer_init(&(struct hmx_ring_writer){0}, mem, g.len) == HMX_EINVAL,
                 "writer_init accepted len %u", g.len);
        return 0;
    }
    g.mem = g_mem + (MEM_MAX - (HMX_RING_HDR_SIZE + g.len));
    g.data = g.mem + HMX_RING_HDR_SIZE;
    clean(); /* every byte of the ring is zero now */
    dirty(g.mem, HMX_RING_HDR_SIZE);
    wr32(g.mem, rx0);
    wr32(g.mem + 4, tx0);
    nmem = fz_u16(&f);
    if (nmem > g.len)
        nmem = g.len;
    dirty(g.data, nmem);
    fz_bytes(&f, g.data, nmem);

    if (flags & 8) /* misaligned memory is refused */
        FZ_CHECK(hmx_ring_reader_init(&r, g.mem + 8, g.len - 16, 1) == HMX_EINVAL, "misaligned");

    rc = hmx_ring_reader_init(&r, g.mem, g.len, flags & 1);
    if (flags & 1) {
        FZ_CHECK(rc == 0 && r.rx == 0 && rd32(g.mem) == 0 && rd32(g.mem + 4) == 0, "reset");
    } else if (rx0 >= g.len || rx0 % 16 != 0) {
        FZ_CHECK(rc == HMX_ECORRUPT, "adopted a bad rx_ptr %u: %d", rx0, rc);
        /* A reader that never attached answers EINVAL, touching nothing. */
        FZ_CHECK(hmx_ring_recv(&r, NULL, 0, NULL) == HMX_EINVAL, "recv on a dead reader");
        FZ_CHECK(hmx_ring_peek(&r, NULL) == HMX_EINVAL, "peek on a dead reader");
        FZ_CHECK(hmx_ring_skip(&r) == HMX_EINVAL, "skip on a dead reader");
        FZ_CHECK(hmx_ring_pending(&r) == HMX_EINVAL, "pending on a dead reader");
        return 0;
    } else {
        FZ_CHECK(rc == 0 && r.rx == rx0, "adopt rx_ptr %u: %d", rx0, rc);
    }

    while (!fz_empty(&f) && ops++ < 256) {
        switch (fz_u8(&f) % 10) {
        case 0:
            op_recv(&f, &g, &r);
            break;
        case 1:
            op_recv_iov(&f, &g, &r);
            break;
        case 2:
            op_peek(&g, &r);
            break;
        case 3:
            op_skip(&g, &r);
            break;
        case 4:
            op_pending(&g, &r);
            break;
        case 5:
            op_poke(&f, &g);
            break;
        case 6:
            wr32(g.mem + 4, fz_u32(&f));
            break;
        case 7:
            op_forge(&f, &g, &r);
            break;
        case 8:
            op_write(&f, &g);
            break;
        default: {
            /* Re-attach, adopting whatever rx_ptr says now. */
            uint32_t shared = rd32(g.mem);

            rc = hmx_ring_reader_init(&r, g.mem, g.len, 0);
            if (shared >= g.len || shared % 16 != 0) {
                FZ_CHECK(rc == HMX_ECORRUPT, "adopted rx_ptr %u", shared);
                rc = hmx_ring_reader_init(&r, g.mem, g.len, 1);
                FZ_CHECK(rc == 0, "reset");
            } else {
                FZ_CHECK(rc == 0 && r.rx == shared, "adopt");
            }
            break;
        }
        }
        FZ_CHECK(r.rx < g.len && r.rx % 16 == 0, "cursor %u left the ring", r.rx);
    }

    /* Drain: every call consumes at least one slot, so it ends soon. */
    while (op_skip(&g, &r)) {
        drained++;
        FZ_CHECK((uint32_t)drained <= g.len / 16u + 1u, "drain did not terminate");
    }
    return 0;
}
