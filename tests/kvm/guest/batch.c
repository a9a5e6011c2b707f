/* SPDX-License-Identifier: MIT */
/*
 * The batch scenario (kvm-batch): many messages per trap over real WRMSR
 * exits.  Domain 2 owns two rings; domain 1 sends to both with
 * hmx_sendv_batch (32 and 256 messages, then with a failure in the middle,
 * continuing and stopping) and through the asynchronous region (rounds of
 * 64 queued submissions and one doorbell, then single submissions).
 * Around each call domain 1 reads the VMM's exit counters and checks the
 * traps: one per call-page load of descriptors, one doorbell per round,
 * none for queueing.  Domain 2 then reads every message and checks each
 * one's sequence number, length, type and Fletcher sum, ring by ring.
 */
#include "gx.h"

#define PORT_A 8100u
#define PORT_B 8101u
#define PORT_NONE 8199u /* no ring: ECONNREFUSED */
#define SRC_PORT 77u
#define RING_BYTES (512u << 10)
#define NMAX 256u
#define MSG_MAX 300u
#define ENTRIES 64u
#define AREA 4032u /* the call page's staging area (spec/, section 19.1) */
#define POLLED 512u /* messages of the polled phase */

static uint8_t ring_a_mem[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t ring_b_mem[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t region[(HMX_ASYNC_SIZE(ENTRIES) + 4095u) & ~4095ull] __attribute__((aligned(4096)));
static uint8_t msg[NMAX][MSG_MAX];
static struct hmx_iov iovs[NMAX][3];
static struct hmx_send_desc d[NMAX];
static int32_t res[NMAX];
static uint32_t want_len[NMAX];
static uint32_t seq_next[2]; /* per ring: the next sequence number */
static uint64_t delivered;

/* ---- messages ------------------------------------------------------------ */

/* The header every message starts with; the body follows. */
struct head {
    uint32_t seq;  /* per destination ring */
    uint32_t len;  /* whole message */
    uint64_t sum;  /* Fletcher-64 of the body */
};

static uint64_t fletcher(const uint8_t *p, uint32_t n)
{
    uint64_t a = 0, b = 0;
    uint32_t i;

    for (i = 0; i < n; i++) {
        a = (a + p[i]) % 0xFFFFFFFFu;
        b = (b + a) % 0xFFFFFFFFu;
    }
    return b << 32 | a;
}

/* Message slot i to ring (0: A, 1: B, 2: no ring), varied by k: 1 to 3
 * buffers, 16 + 1..280 bytes.  A message to a ring takes its sequence
 * number now. */
static void make(uint32_t i, uint32_t ring, uint32_t k)
{
    struct head h;
    uint32_t body = 1u + (k * 37u + i * 11u) % 280u, j, nbuf = 1u + (k + i) % 3u;
    uint8_t *p = msg[i];

    h.seq = ring < 2 ? seq_next[ring]++ : 0xFFFFFFu;
    h.len = (uint32_t)sizeof(h) + body;
    for (j = 0; j < body; j++)
        p[sizeof(h) + j] = (uint8_t)(h.seq * 7u + j * 3u + ring);
    h.sum = fletcher(p + sizeof(h), body);
    memcpy(p, &h, sizeof(h));
    /* The same bytes as one buffer, header and body, or header and two
     * halves of the body: the receiver sees one message either way. */
    iovs[i][0].base = p;
    iovs[i][0].len = nbuf == 1 ? h.len : sizeof(h);
    iovs[i][1].base = p + sizeof(h);
    iovs[i][1].len = nbuf == 3 ? body / 2 : body;
    iovs[i][2].base = p + sizeof(h) + iovs[i][1].len;
    iovs[i][2].len = body - iovs[i][1].len;
    d[i].iov = iovs[i];
    d[i].niov = nbuf;
    d[i].src_port = SRC_PORT;
    d[i].dst.domain = 2;
    d[i].dst.port = ring == 0 ? PORT_A : ring == 1 ? PORT_B : PORT_NONE;
    d[i].dst.pad = 0;
    d[i].message_type = 0xBA000000u | (h.seq & 0xFFFFFFu);
    want_len[i] = h.len;
    res[i] = 0x5A5A5A5A;
}

/* A message to a ring was sent whole. */
static void sent_ok(uint32_t i)
{
    CHECK_RC(res[i], (int)want_len[i]);
    delivered++;
}

/* Non-empty buffers of d: the segments it takes (identity-mapped: each
 * buffer is one run of guest-physical memory). */
static uint32_t segs(const struct hmx_send_desc *x)
{
    uint32_t n = 0, j;

    for (j = 0; j < x->niov; j++)
        n += x->iov[j].len != 0;
    return n;
}

/* Traps of one batch of well-formed messages, by the packing rule of
 * spec/ 19.1: descriptors (40 bytes) from the start of the area, segments
 * (16 bytes) from its end, a new trap when the next would not fit. */
static uint32_t expected_traps(const struct hmx_send_desc *x, uint32_t n)
{
    uint32_t traps = 0, descs = 0, segb = 0, i;

    for (i = 0; i < n; i++) {
        uint32_t s = 16u * segs(&x[i]);

        if (traps == 0 || descs + 40u > AREA - segb - s) {
            traps++;
            descs = 0;
            segb = 0;
        }
        descs += 40u;
        segb += s;
    }
    return traps;
}

static uint32_t exits(uint32_t op)
{
    return rt_counter(KVM_CTR_EXITS_OP(op));
}

/* hmx_sendv_batch with the traps it must take, checked against the VMM. */
static int batch(struct gx *g, uint32_t n, uint32_t flags, uint32_t traps)
{
    uint32_t b0 = exits(HMX_OP_SENDV_BATCH), s0 = exits(HMX_OP_SENDV);
    int rc = hmx_sendv_batch(&g->ctx, d, n, flags, res);

    CHECK(exits(HMX_OP_SENDV_BATCH) - b0 == traps);
    CHECK(exits(HMX_OP_SENDV) == s0);
    gx_report.ops[HMX_OP_SENDV_BATCH] += traps;
    return rc;
}

/* ---- domain 1 ------------------------------------------------------------ */

static void batch_sends(struct gx *g)
{
    uint32_t i;

    /* 32 messages, both rings: one trap. */
    for (i = 0; i < 32; i++)
        make(i, i % 2, i);
    CHECK(expected_traps(d, 32) == 1);
    CHECK_RC(batch(g, 32, 0, 1), 32);
    for (i = 0; i < 32; i++)
        sent_ok(i);

    /* 256: as many traps as call-page loads. */
    for (i = 0; i < NMAX; i++)
        make(i, (i / 3) % 2, i);
    CHECK_RC(batch(g, NMAX, 0, expected_traps(d, NMAX)), (int)NMAX);
    rt_printf("batch of 256: %u traps", expected_traps(d, NMAX));
    for (i = 0; i < NMAX; i++)
        sent_ok(i);

    /* Continue past failures: one refused by the provider (no ring), one
     * by the library (a non-zero pad), which splits the batch in two. */
    for (i = 0; i < 8; i++)
        make(i, i == 3 || i == 6 ? 2 : i % 2, i);
    d[6].dst.pad = 1;
    CHECK_RC(batch(g, 8, 0, 2), 8);
    CHECK_RC(res[3], HMX_ECONNREFUSED);
    CHECK_RC(res[6], HMX_EINVAL);
    for (i = 0; i < 8; i++)
        if (i != 3 && i != 6)
            sent_ok(i);

    /* Stop at the failure: the rest untouched and not sent (so their
     * sequence numbers are given back). */
    for (i = 0; i < 8; i++)
        make(i, i == 2 ? 2 : 0, i);
    CHECK_RC(batch(g, 8, HMX_BATCH_STOP, 1), 3);
    CHECK_RC(res[2], HMX_ECONNREFUSED);
    CHECK(res[3] == 0x5A5A5A5A && res[7] == 0x5A5A5A5A);
    sent_ok(0);
    sent_ok(1);
    seq_next[0] -= 5;
}

/* Completions of the polled phase: slot numbers as user_data. */
static uint32_t reap_check(struct hmx_async *q, struct hmx_async_cqe *c)
{
    int k = hmx_async_reap(q, c, ENTRIES), i;

    CHECK(k >= 0);
    for (i = 0; i < k; i++) {
        CHECK(c[i].user_data < NMAX);
        CHECK_RC(c[i].result, (int)want_len[c[i].user_data]);
        delivered++;
    }
    return (uint32_t)k;
}

static void async_sends(struct gx *g)
{
    struct hmx_async q;
    struct hmx_async_cqe c[ENTRIES];
    uint32_t round, i, k, e0, read_cost, reaped = 0, ring[ENTRIES];

    memset(&q, 0, sizeof(q));
    CHECK_RC(hmx_async_setup(&g->ctx, &q, region, sizeof(region), ENTRIES), 0);
    gx_report.ops[HMX_OP_ASYNC_SETUP]++;

    /* What reading the exit counter costs in exits, to subtract. */
    e0 = rt_counter(KVM_CTR_EXITS);
    read_cost = rt_counter(KVM_CTR_EXITS) - e0;

    /* Rounds of 64 queued, then one doorbell: 64 messages per trap. */
    for (round = 0; round < 4; round++) {
        e0 = rt_counter(KVM_CTR_EXITS);
        for (i = 0; i < ENTRIES; i++) {
            ring[i] = round == 1 && i == 17 ? 2 : (i + round) % 2;
            make(i, ring[i], i + round);
            CHECK_RC(hmx_async_queue(&g->ctx, &q, &d[i], 0xA5000000u + round * 256u + i), 0);
        }
        /* Queueing 64 took no exit at all. */
        CHECK(rt_counter(KVM_CTR_EXITS) - e0 == read_cost);
        e0 = exits(HMX_OP_ASYNC_DOORBELL);
        CHECK_RC(hmx_async_kick(&g->ctx, &q), 1);
        CHECK(exits(HMX_OP_ASYNC_DOORBELL) - e0 == 1);
        CHECK_RC(hmx_async_reap(&q, c, ENTRIES), (int)ENTRIES);
        for (i = 0; i < ENTRIES; i++) {
            CHECK(c[i].user_data == 0xA5000000u + round * 256u + i);
            if (ring[i] == 2) {
                CHECK_RC(c[i].result, HMX_ECONNREFUSED);
            } else {
                CHECK_RC(c[i].result, (int)want_len[i]);
                delivered++;
            }
        }
    }

    /* One at a time: this VMM drains during the doorbell's exit, so it is
     * idle again at each submit and every submit rings. */
    e0 = exits(HMX_OP_ASYNC_DOORBELL);
    for (i = 0; i < 8; i++) {
        make(i, 1, i);
        CHECK_RC(hmx_async_submit(&g->ctx, &q, &d[i], i), 0);
        k = (uint32_t)hmx_async_reap(&q, c, ENTRIES);
        CHECK(k == 1 && c[0].user_data == i && c[0].result == (int32_t)want_len[i]);
        delivered++;
    }
    CHECK(exits(HMX_OP_ASYNC_DOORBELL) - e0 == 8);
    CHECK(hmx_async_outstanding(&q) == 0);

    /* The VMM drains on a thread of its own (KVM_PORT_POLL): the region
     * reads "draining" while it polls, and single submits ring only when
     * it has gone idle.  POLLED messages, one submit each. */
    rt_outl(KVM_PORT_POLL, 1);
    e0 = exits(HMX_OP_ASYNC_DOORBELL);
    k = (uint32_t)q.doorbells;
    for (i = 0; i < POLLED; i++) {
        uint32_t slot = i % NMAX, j;
        int n;

        make(slot, i % 2, i);
        while ((n = hmx_async_submit(&g->ctx, &q, &d[slot], slot)) == HMX_EAGAIN)
            reaped += reap_check(&q, c);
        CHECK_RC(n, 0);
        reaped += reap_check(&q, c);
        for (j = 0; j < 1000 && hmx_async_outstanding(&q) > ENTRIES / 2; j++)
            reaped += reap_check(&q, c);
    }
    while (hmx_async_outstanding(&q) > 0)
        reaped += reap_check(&q, c);
    rt_outl(KVM_PORT_POLL, 0);
    CHECK(reaped == POLLED);
    CHECK(exits(HMX_OP_ASYNC_DOORBELL) - e0 == (uint32_t)q.doorbells - k);
    CHECK(((uint32_t)q.doorbells - k) * 8u <= POLLED);
    rt_printf("async, VMM polling: %u messages, %u doorbells", POLLED,
              (uint32_t)q.doorbells - k);
    gx_report.ops[HMX_OP_ASYNC_DOORBELL] += q.doorbells;
    CHECK_RC(hmx_async_teardown(&g->ctx, &q), 0);
    gx_report.ops[HMX_OP_ASYNC_SETUP]++;
    rt_printf("async: %u messages in %u doorbells", (uint32_t)q.queued, (uint32_t)q.doorbells);
}

/* ---- domain 2 ------------------------------------------------------------ */

static uint8_t rbuf[MSG_MAX];

static uint32_t drain(struct hmx_ring *r, uint32_t which)
{
    struct hmx_msg_info info;
    struct head h;
    uint32_t n = 0;
    int len;

    while ((len = hmx_recv(r, rbuf, sizeof(rbuf), &info)) != HMX_EAGAIN) {
        CHECK(len >= (int)sizeof(h));
        memcpy(&h, rbuf, sizeof(h));
        CHECK(h.seq == n);
        CHECK(h.len == (uint32_t)len);
        CHECK(h.sum == fletcher(rbuf + sizeof(h), (uint32_t)len - sizeof(h)));
        CHECK(rbuf[sizeof(h)] == (uint8_t)(h.seq * 7u + which));
        CHECK(info.message_type == (0xBA000000u | n));
        CHECK(info.source.domain == 1 && info.source.port == SRC_PORT);
        n++;
    }
    return n;
}

int batch_scenario(struct gx *g)
{
    struct hmx_ring a, b;
    uint32_t na, nb;

    CHECK((hmx_features(&g->ctx) & (HMX_FEAT_BATCH | HMX_FEAT_ASYNC)) ==
          (HMX_FEAT_BATCH | HMX_FEAT_ASYNC));
    if (g->self == 2) {
        CHECK_RC(gx_register(g, &a, ring_a_mem, sizeof(ring_a_mem), PORT_A, 1), 0);
        CHECK_RC(gx_register(g, &b, ring_b_mem, sizeof(ring_b_mem), PORT_B, 1), 0);
        rt_barrier(1);
        rt_barrier(2);
        na = drain(&a, 0);
        nb = drain(&b, 1);
        rt_printf("received %u + %u messages, each checked", na, nb);
        gx_report.received = na + nb;
        CHECK_RC(gx_unregister(g, &a), 0);
        CHECK_RC(gx_unregister(g, &b), 0);
        return gx_finish();
    }
    rt_barrier(1);
    batch_sends(g);
    async_sends(g);
    gx_report.sent = delivered;
    rt_barrier(2);
    return gx_finish();
}
