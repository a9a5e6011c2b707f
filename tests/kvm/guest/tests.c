/* SPDX-License-Identifier: MIT */
/*
 * The test guest: both domains run this image; rdi says which domain this
 * is, rsi which scenario (kvm_abi.h), rdx its argument.  Scenarios: basic,
 * errors, traps, bulk and policy.  Every HMX call
 * goes through libhmx's probe and MSR backend to the VMM's reference
 * provider; the guest checks each result and reports what it issued.
 */
#include "gx.h"

#define SRC_PORT 7u
#define PORT_BASIC 1000u
#define PORT_ERRORS 2000u
#define PORT_NOBODY 3000u
#define PORT_TRAPS 4000u
#define PORT_BULK 5000u

/* Ring memory: 4 KiB, a 4032-byte data area, so rings wrap often. */
#define RING_BYTES 4096u
static uint8_t ring_a[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t ring_b[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t msg[4096] __attribute__((aligned(16)));
static uint8_t rx[4096] __attribute__((aligned(16)));

#define RING_DATA (RING_BYTES - HMX_RING_HDR_SIZE)     /* 4032 */
#define RING_MAX_PAYLOAD HMX_RING_MAX_PAYLOAD(RING_DATA) /* 4000 */

static struct gx gx;

/* ---- basic: the whole life cycle, symmetric ----------------------------- */

static int basic(struct gx *g)
{
    static const char hello[] = "hello over HMX, from domain ";
    struct hmx_ring ring;
    struct hmx_ring_query q;
    struct hmx_msg_info info;
    struct hmx_iov iov[2];
    char tail[4], want_tail[4];
    int n, total;

    CHECK_RC(gx_register(g, &ring, ring_a, RING_BYTES, PORT_BASIC, g->peer), 0);
    CHECK(hmx_ring_size(&ring) == RING_DATA);
    rt_barrier(1); /* both rings exist */

    tail[0] = (char)('0' + g->self);
    tail[1] = '\0';
    iov[0].base = hello;
    iov[0].len = sizeof(hello) - 1;
    iov[1].base = tail;
    iov[1].len = 2;
    total = (int)(sizeof(hello) - 1 + 2);
    CHECK_RC(gx_sendv(g, SRC_PORT, g->peer, PORT_BASIC, iov, 2, 0x11), total);
    gx_report.sent++;

    rt_wait_irq(); /* the peer's message raised our vector */
    CHECK(rt_irq_count >= 1);
    n = hmx_recv(&ring, rx, sizeof(rx), &info);
    CHECK_RC(n, total);
    want_tail[0] = (char)('0' + g->peer);
    want_tail[1] = '\0';
    CHECK(memcmp(rx, hello, sizeof(hello) - 1) == 0);
    CHECK(memcmp(rx + sizeof(hello) - 1, want_tail, 2) == 0);
    CHECK(info.source.domain == g->peer && info.source.port == SRC_PORT);
    CHECK(info.message_type == 0x11 && info.len == (uint32_t)total);
    rt_printf("received %d bytes from domain %u port %u: \"%s\"", n, info.source.domain,
              info.source.port, (const char *)rx);
    gx_report.received++;
    CHECK_RC(hmx_recv(&ring, rx, sizeof(rx), &info), HMX_EAGAIN);
    CHECK_RC(gx_notify(g), 0);

    rt_barrier(2); /* both have read: the peer's ring is empty again */
    CHECK_RC(gx_query(g, g->peer, PORT_BASIC, 100, &q), 0);
    CHECK(q.flags == (HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT));
    CHECK(q.max_message_size == RING_MAX_PAYLOAD);

    rt_barrier(3); /* both queried */
    CHECK_RC(gx_unregister(g, &ring), 0);
    CHECK_RC(gx_set_vector(g, 0), 0); /* withdraw the vector */
    rt_printf("basic: register, sendv, interrupt, recv, notify, query, unregister: ok");
    return gx_finish();
}

/* ---- errors: domain 1 provokes them, domain 2 owns the rings ------------ */

static void fill_msg(uint32_t seq, uint32_t len)
{
    uint32_t i;

    for (i = 0; i < len; i += 4) {
        uint32_t w = seq * 0x9E3779B9u ^ i;

        memcpy(msg + i, &w, 4);
    }
}

static void check_msg(const uint8_t *p, uint32_t seq, uint32_t len)
{
    uint32_t i;

    for (i = 0; i + 4 <= len; i += 4) {
        uint32_t w;

        memcpy(&w, p + i, 4);
        CHECK(w == (seq * 0x9E3779B9u ^ i));
    }
}

#define FILL_LEN 1000u

static int errors_sender(struct gx *g)
{
    struct hmx_ring_query q;
    uint64_t irqs;
    uint32_t denials, k;
    int rc;

    rt_barrier(1); /* domain 2's rings exist */

    /* A port with no ring. */
    CHECK_RC(gx_send(g, SRC_PORT, g->peer, PORT_NOBODY, msg, 16, 1), HMX_ECONNREFUSED);
    rt_printf("send to a port without a ring: ECONNREFUSED");

    /* One byte more than the ring can ever hold. */
    CHECK_RC(gx_query(g, g->peer, PORT_ERRORS, 0, &q), 0);
    CHECK((q.flags & HMX_RING_EXISTS) && q.max_message_size == RING_MAX_PAYLOAD);
    CHECK_RC(gx_send(g, SRC_PORT, g->peer, PORT_ERRORS, msg, RING_MAX_PAYLOAD + 1, 1),
             HMX_EMSGSIZE);
    rt_printf("send of %u bytes to a ring that holds %u: EMSGSIZE", RING_MAX_PAYLOAD + 1,
              q.max_message_size);

    /* The provider's policy hook: denied, and audited. */
    denials = rt_counter(KVM_CTR_DENIALS);
    CHECK_RC(gx_send(g, SRC_PORT, g->peer, KVM_DENIED_PORT, msg, 16, 1), HMX_EACCES);
    CHECK(rt_counter(KVM_CTR_DENIALS) == denials + 1);
    gx_report.denials++;
    rt_printf("send to the closed port %u: EACCES, audit count %u -> %u", KVM_DENIED_PORT,
              denials, denials + 1);

    /* Fill the ring until it refuses. */
    (void)rt_irq_take();
    irqs = rt_irq_count;
    for (k = 0;; k++) {
        CHECK(k < 16);
        fill_msg(k, FILL_LEN);
        rc = gx_send(g, SRC_PORT, g->peer, PORT_ERRORS, msg, FILL_LEN, 1);
        if (rc == HMX_EAGAIN)
            break;
        CHECK_RC(rc, (int)FILL_LEN);
        gx_report.sent++;
    }
    gx_report.eagain++;
    /* 4032 bytes, one slot kept free: three 1016-byte slots fit, not four. */
    CHECK(k == (RING_DATA - HMX_MSG_SLOT_SIZE) / HMX_SLOT_ROUNDUP(FILL_LEN + HMX_MSG_HDR_SIZE));
    CHECK(rt_irq_count == irqs); /* nothing wakes us while the ring is full */
    rt_printf("ring full after %u messages of %u bytes: EAGAIN", k, FILL_LEN);

    rt_barrier(2);  /* domain 2 drains and notifies ... */
    rt_wait_irq();  /* ... which wakes us */
    CHECK(rt_irq_count == irqs + 1);
    fill_msg(k, FILL_LEN);
    CHECK_RC(gx_send(g, SRC_PORT, g->peer, PORT_ERRORS, msg, FILL_LEN, 2), (int)FILL_LEN);
    gx_report.sent++;
    rt_printf("space wake-up interrupt taken; the retry was accepted");
    rt_barrier(3);
    return gx_finish();
}

static int errors_receiver(struct gx *g)
{
    struct hmx_ring ring, closed;
    struct hmx_msg_info info;
    uint32_t n = 0;
    int rc;

    CHECK_RC(gx_register(g, &ring, ring_a, RING_BYTES, PORT_ERRORS, g->peer), 0);
    CHECK_RC(gx_register(g, &closed, ring_b, RING_BYTES, KVM_DENIED_PORT, g->peer), 0);
    rt_barrier(1);

    rt_barrier(2); /* domain 1 filled our ring */
    for (;;) {
        rc = hmx_recv(&ring, rx, sizeof(rx), &info);
        if (rc == HMX_EAGAIN)
            break;
        CHECK_RC(rc, (int)FILL_LEN);
        CHECK(info.message_type == 1 && info.source.domain == g->peer);
        check_msg(rx, n, FILL_LEN);
        n++;
        gx_report.received++;
    }
    CHECK(n == 3);
    CHECK_RC(gx_notify(g), 0); /* room again: wake the sender */
    for (;;) {
        rc = hmx_recv(&ring, rx, sizeof(rx), &info);
        if (rc != HMX_EAGAIN)
            break;
        rt_wait_irq();
    }
    CHECK_RC(rc, (int)FILL_LEN);
    CHECK(info.message_type == 2);
    check_msg(rx, n, FILL_LEN);
    gx_report.received++;
    CHECK_RC(hmx_recv(&closed, rx, sizeof(rx), &info), HMX_EAGAIN); /* the denied send wrote nothing */
    rt_printf("drained %u messages, notified, received the retried one", n);
    rt_barrier(3);
    CHECK_RC(gx_unregister(g, &ring), 0);
    CHECK_RC(gx_unregister(g, &closed), 0);
    return gx_finish();
}

/* ---- traps: every operation costs exactly one exit, seen live ----------- */

static uint32_t exits_of(uint32_t op)
{
    return rt_counter(KVM_CTR_EXITS_OP(op));
}

/* Run one call and check that it took exactly one exit, on its own op. */
#define ONE_TRAP(op, expr, want)                                                 \
    do {                                                                         \
        uint32_t all_ = rt_counter(KVM_CTR_CALL_EXITS), mine_ = exits_of(op);   \
        CHECK_RC(expr, want);                                                    \
        CHECK(exits_of(op) == mine_ + 1);                                        \
        CHECK(rt_counter(KVM_CTR_CALL_EXITS) == all_ + 1);                       \
    } while (0)

static int traps(struct gx *g)
{
    struct hmx_ring ring, ring2;
    struct hmx_ring_query q;
    struct hmx_msg_info info;
    uint32_t i;
    int rc;

    /* gx_start issued one set_vector: the VMM saw it. */
    CHECK(exits_of(HMX_OP_SET_VECTOR) == 1);
    ONE_TRAP(HMX_OP_REGISTER_RING, gx_register(g, &ring, ring_a, RING_BYTES, PORT_TRAPS, g->peer),
             0);
    ONE_TRAP(HMX_OP_REGISTER_RING,
             gx_register(g, &ring2, ring_b, RING_BYTES, PORT_TRAPS + 1, g->peer), 0);
    rt_barrier(1);
    for (i = 0; i < 3; i++)
        ONE_TRAP(HMX_OP_NOTIFY, gx_query(g, g->peer, PORT_TRAPS, 64 * i, &q), 0);
    CHECK(q.flags & HMX_RING_EXISTS);
    for (i = 0; i < 2; i++)
        ONE_TRAP(HMX_OP_NOTIFY, gx_notify(g), 0);
    for (i = 1; i <= 5; i++) {
        fill_msg(i, 100 * i);
        ONE_TRAP(HMX_OP_SENDV, gx_send(g, SRC_PORT, g->peer, PORT_TRAPS, msg, 100 * i, 3),
                 (int)(100 * i));
        gx_report.sent++;
    }
    ONE_TRAP(HMX_OP_SENDV, gx_send(g, SRC_PORT, g->peer, PORT_NOBODY, msg, 8, 3),
             HMX_ECONNREFUSED);
    rt_barrier(2);
    for (i = 1; i <= 5; i++) { /* reading the ring traps nothing */
        uint32_t all = rt_counter(KVM_CTR_CALL_EXITS);

        rc = hmx_recv(&ring, rx, sizeof(rx), &info);
        CHECK_RC(rc, (int)(100 * i));
        check_msg(rx, i, 100 * i);
        CHECK(rt_counter(KVM_CTR_CALL_EXITS) == all);
        gx_report.received++;
    }
    rt_barrier(3);
    ONE_TRAP(HMX_OP_UNREGISTER_RING, gx_unregister(g, &ring), 0);
    ONE_TRAP(HMX_OP_UNREGISTER_RING, gx_unregister(g, &ring2), 0);
    ONE_TRAP(HMX_OP_SET_VECTOR, gx_set_vector(g, 0), 0);
    rt_printf("traps: 2 register, 2 unregister, 6 sendv, 5 notify, 2 set_vector: "
              "one exit each; the probe's %u CPUIDs (budget %u) exited to user space never",
              g->probe.traps, 1 + 256 + 3);
    return gx_finish();
}

/* ---- bulk: n messages each way, back-pressure by EAGAIN + interrupts ---- */

/*
 * A message is a struct bulk_hdr and a body: len - 16 bytes cut from this
 * sender's pattern at a word offset that depends on seq.  The receiver
 * checks the sequence number, the length, and a Fletcher sum over 64-bit
 * words (the tail zero-padded to a word), computed over the bytes it
 * received.  The sender computes the same sum in constant time from prefix
 * sums of its pattern.
 */
struct bulk_hdr {
    uint32_t seq;
    uint32_t len;
    uint64_t sum;
};

#define PATTERN_WORDS 1536u /* offsets 0..1023, bodies up to 4000 bytes */
static uint64_t pattern[PATTERN_WORDS + 1];
static uint64_t prefix1[PATTERN_WORDS + 1]; /* sum of w[j], j < k */
static uint64_t prefix2[PATTERN_WORDS + 1]; /* sum of j * w[j], j < k */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

/* Payload bytes of message seq from domain from: 16..515 mostly, one in 61
 * 1500..3499; any length, so slot padding varies. */
static uint32_t bulk_len(uint32_t seq, uint32_t from)
{
    uint32_t r = mix32(seq * 2u + from);

    return (r % 61u == 0) ? 1500u + (r >> 8) % 2000u : 16u + (r >> 8) % 500u;
}

static uint32_t bulk_offset(uint32_t seq)
{
    return mix32(seq ^ 0xA5A5A5A5u) & 1023u;
}

static uint64_t tail_word(const uint8_t *p, uint32_t t)
{
    uint64_t w = 0;

    memcpy(&w, p, t);
    return w;
}

static uint64_t fold(uint64_t s1, uint64_t s2)
{
    return s1 ^ ((s2 << 32) | (s2 >> 32));
}

/* The receiver's sum: over the bytes as they arrived. */
static uint64_t body_sum(const uint8_t *body, uint32_t bytes)
{
    const uint64_t *w = (const uint64_t *)(const void *)body;
    uint32_t nw = bytes / 8u, t = bytes % 8u, i = 0;
    uint64_t s1 = 0, s2 = 0;

    for (; i + 4 <= nw; i += 4) {
        s1 += w[i];
        s2 += s1;
        s1 += w[i + 1];
        s2 += s1;
        s1 += w[i + 2];
        s2 += s1;
        s1 += w[i + 3];
        s2 += s1;
    }
    for (; i < nw; i++) {
        s1 += w[i];
        s2 += s1;
    }
    if (t != 0) {
        s1 += tail_word(body + 8u * nw, t);
        s2 += s1;
    }
    return fold(s1, s2);
}

/* The sender's sum of the body at word offset a, in constant time:
 * with L' words (the tail counted), s2 = sum of w[a+i] * (L' - i). */
static uint64_t window_sum(uint32_t a, uint32_t bytes)
{
    uint32_t nw = bytes / 8u, t = bytes % 8u;
    uint64_t lw = nw + (t != 0), tail = 0, s1, s2;

    if (t != 0)
        tail = tail_word((const uint8_t *)&pattern[a + nw], t);
    s1 = prefix1[a + nw] - prefix1[a];
    s2 = (lw + a) * s1 - (prefix2[a + nw] - prefix2[a]);
    return fold(s1 + tail, s2 + tail);
}

static int bulk(struct gx *g, uint32_t n)
{
    struct hmx_ring ring;
    struct hmx_msg_info info;
    uint32_t sent = 0, got = 0, waits = 0, batches = 0, i;
    uint64_t bytes = 0;
    int rc;

    for (i = 0; i <= PATTERN_WORDS; i++) {
        pattern[i] = (uint64_t)mix32(2 * i + 7919u * g->self) << 32 | mix32(2 * i + 1);
        if (i < PATTERN_WORDS) {
            prefix1[i + 1] = prefix1[i] + pattern[i];
            prefix2[i + 1] = prefix2[i] + (uint64_t)i * pattern[i];
        }
    }
    /* The two ways of summing agree (an odd length, with a tail). */
    CHECK(window_sum(5, 123) == body_sum((const uint8_t *)&pattern[5], 123));
    CHECK_RC(gx_register(g, &ring, ring_a, RING_BYTES, PORT_BULK, g->peer), 0);
    rt_barrier(1);

    while (sent < n || got < n) {
        int progress = 0;
        uint32_t batch = 0;

        (void)rt_irq_take(); /* anything from here on wakes the wait below */

        /* Read everything there is, check it, then wake our senders. */
        while (got < n) {
            struct bulk_hdr h;
            uint32_t len = bulk_len(got, g->peer);

            rc = hmx_recv(&ring, rx, sizeof(rx), &info);
            if (rc == HMX_EAGAIN)
                break;
            memcpy(&h, rx, sizeof(h));
            if (rc != (int)len || info.source.domain != g->peer || info.message_type != 5 ||
                h.seq != got || h.len != len || h.sum != body_sum(rx + sizeof(h), len - 16u)) {
                rt_printf("message %u: %d bytes from domain %u, type %u, seq %u, len %u; "
                          "expected %u bytes",
                          got, rc, info.source.domain, info.message_type, h.seq, h.len, len);
                CHECK(!"message intact and in order");
            }
            got++;
            batch++;
            bytes += len;
        }
        if (batch > 0) {
            CHECK_RC(gx_notify(g), 0);
            batches++;
            progress = 1;
        }

        /* Send until the peer's ring is full. */
        while (sent < n) {
            uint32_t len = bulk_len(sent, g->self), a = bulk_offset(sent);
            struct bulk_hdr h;
            struct hmx_iov iov[2];

            h.seq = sent;
            h.len = len;
            h.sum = window_sum(a, len - 16u);
            iov[0].base = &h;
            iov[0].len = sizeof(h);
            iov[1].base = &pattern[a];
            iov[1].len = len - 16u;
            rc = gx_sendv(g, SRC_PORT, g->peer, PORT_BULK, iov, 2, 5);
            if (rc == HMX_EAGAIN) {
                gx_report.eagain++;
                break;
            }
            CHECK_RC(rc, (int)len);
            sent++;
            progress = 1;
        }
        if (!progress) {
            rt_wait_irq();
            waits++;
        }
    }
    gx_report.sent = sent;
    gx_report.received = got;
    rt_printf("bulk: sent %u, received and checked %u (%lu bytes) in %u batches; "
              "%lu EAGAIN, %u waits, %lu interrupts",
              sent, got, bytes, batches, gx_report.eagain, waits, rt_irq_count);
    rt_barrier(2);
    CHECK_RC(gx_unregister(g, &ring), 0);
    return gx_finish();
}

/* ---- policy: firewall, implicit destinations, discovery (kvm_abi.h) ---- */

#define CONSOLE HMX_PORT_VIRTIO(3)
#define BLOCK HMX_PORT_VIRTIO(2)
#define NET HMX_PORT_VIRTIO(1)

/* Receive one message into rx, sleeping until it comes. */
static int recv_wait(struct hmx_ring *ring, struct hmx_msg_info *info)
{
    int rc;

    for (;;) {
        rc = hmx_recv(ring, rx, sizeof(rx), info);
        if (rc != HMX_EAGAIN)
            return rc;
        rt_wait_irq();
    }
}

/* Domain 1: discovers, talks to its console by service, is refused the
 * block device, and is refused the toolstack's operations. */
static int policy_front(struct gx *g)
{
    static const char hello[] = "hello, console";
    struct hmx_ring disc, console;
    struct hmx_disc_entry d[4];
    struct hmx_ring_query q;
    struct hmx_msg_info info;
    struct hmx_fw_rule r;
    uint32_t denials;
    int rc;

    CHECK((hmx_features(&g->ctx) & (HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT | HMX_FEAT_DISCOVERY)) ==
          (HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT | HMX_FEAT_DISCOVERY));
    /* A ring for the provider's answers, and one for the console's: its
     * partner is whoever the console is. */
    CHECK_RC(gx_register(g, &disc, ring_a, RING_BYTES, KVM_POLICY_DISC_PORT, HMX_DOMID_PROVIDER),
             0);
    CHECK_RC(gx_register(g, &console, ring_b, RING_BYTES, CONSOLE, HMX_DOMID_IMPLICIT), 0);
    rt_barrier(1); /* the backend's ring exists */

    /* Discovery, in the table's order: console (hidden) and net (visible);
     * the block device is closed by the firewall, so it is not listed. */
    CHECK_RC(gx_discover(g, &disc, d, 4), 2);
    CHECK(d[0].service == 3 && d[0].port == CONSOLE);
    CHECK(d[0].flags == (HMX_DISC_IMPLICIT | HMX_DISC_VIRTIO));
    CHECK(d[0].domain == HMX_DOMID_IMPLICIT && d[0].dst_port == 0);
    CHECK(d[1].service == 1 && d[1].port == NET);
    CHECK(d[1].flags == (HMX_DISC_IMPLICIT | HMX_DISC_VISIBLE | HMX_DISC_VIRTIO));
    CHECK(d[1].domain == g->peer && d[1].dst_port == KVM_POLICY_NET_PORT);
    rt_printf("discovery: 2 services: VirtIO %u at %x (hidden), VirtIO %u at %x (dom%u:%u, "
              "visible); the block device is not listed",
              d[0].service, d[0].port, d[1].service, d[1].port, d[1].domain, d[1].dst_port);

    /* To the console by its well-known port; the answer comes from it. */
    CHECK_RC(gx_query(g, HMX_DOMID_IMPLICIT, CONSOLE, 64, &q), 0);
    CHECK(q.flags == (HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT));
    CHECK(q.ring.domain == HMX_DOMID_IMPLICIT);
    CHECK_RC(gx_send(g, CONSOLE, HMX_DOMID_IMPLICIT, CONSOLE, hello, sizeof(hello), 0x21),
             (int)sizeof(hello));
    gx_report.sent++;
    rc = recv_wait(&console, &info);
    CHECK_RC(rc, 5);
    CHECK(memcmp(rx, "pong", 5) == 0);
    CHECK(info.source.domain == HMX_DOMID_IMPLICIT && info.source.port == CONSOLE);
    CHECK(info.message_type == 0x22);
    gx_report.received++;
    rt_printf("send to implicit:%x delivered; the answer came from implicit:%x", CONSOLE,
              info.source.port);

    /* The block device resolves, and the firewall denies its destination:
     * audited, with the rule's line. */
    denials = rt_counter(KVM_CTR_DENIALS);
    CHECK_RC(gx_send(g, BLOCK, HMX_DOMID_IMPLICIT, BLOCK, msg, 16, 0x21), HMX_EACCES);
    CHECK(rt_counter(KVM_CTR_DENIALS) == denials + 1);
    CHECK(rt_counter(KVM_CTR_AUDIT_RULE) == KVM_POLICY_DENY_RULE);
    CHECK(rt_counter(KVM_CTR_AUDIT_LINE) == KVM_POLICY_DENY_LINE);
    gx_report.denials++;
    rt_printf("send to implicit:%x: EACCES, audited as firewall rule %u (line %u)", BLOCK,
              KVM_POLICY_DENY_RULE, KVM_POLICY_DENY_LINE);

    /* No entry; no level above; not the toolstack. */
    CHECK_RC(gx_send(g, 1, HMX_DOMID_IMPLICIT, HMX_PORT_VIRTIO(4), msg, 16, 0x21),
             HMX_EADDRNOTAVAIL);
    CHECK_RC(gx_send(g, 1, HMX_DOMID_UP, 1, msg, 16, 0x21), HMX_ENXIO);
    CHECK_RC(gx_fw_list(g, &r, 1), HMX_EPERM);
    CHECK_RC(gx_fw_del(g, 0), HMX_EPERM);
    rt_printf("no entry: EADDRNOTAVAIL; up: ENXIO; firewall list and delete: EPERM");

    rt_barrier(2);
    CHECK_RC(gx_unregister(g, &disc), 0);
    CHECK_RC(gx_unregister(g, &console), 0);
    return gx_finish();
}

/* Domain 2: serves the console at port 7000 and answers; it may not
 * rewrite the table that points at it. */
static int policy_back(struct gx *g)
{
    struct hmx_implicit_entry e = {CONSOLE, 1, 1, HMX_IMPLICIT_VISIBLE, 0};
    struct hmx_ring console;
    struct hmx_msg_info info;
    int rc;

    CHECK_RC(gx_register(g, &console, ring_a, RING_BYTES, KVM_POLICY_CONSOLE_PORT, g->peer), 0);
    CHECK_RC(gx_implicit_set(g, g->peer, &e, 1), HMX_EPERM);
    CHECK_RC(gx_fw_del(g, 0), HMX_EPERM);
    rt_barrier(1);

    rc = recv_wait(&console, &info);
    CHECK_RC(rc, 15);
    CHECK(memcmp(rx, "hello, console", 15) == 0);
    /* The backend knows whom it serves. */
    CHECK(info.source.domain == g->peer && info.source.port == CONSOLE);
    gx_report.received++;
    CHECK_RC(gx_notify(g), 0);
    CHECK_RC(gx_send(g, KVM_POLICY_CONSOLE_PORT, g->peer, CONSOLE, "pong", 5, 0x22), 5);
    gx_report.sent++;
    rt_printf("console: request from dom%u:%x, answered; table and firewall: EPERM",
              info.source.domain, info.source.port);

    rt_barrier(2);
    CHECK_RC(gx_unregister(g, &console), 0);
    return gx_finish();
}

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg);

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg)
{
    gx_start(&gx, domid, RT_VECTOR);
    switch (scenario) {
    case KVM_SC_BASIC:
        return basic(&gx);
    case KVM_SC_ERRORS:
        return domid == 1 ? errors_sender(&gx) : errors_receiver(&gx);
    case KVM_SC_TRAPS:
        return traps(&gx);
    case KVM_SC_BULK:
        return bulk(&gx, arg != 0 ? (uint32_t)arg : 10000u);
    case KVM_SC_POLICY:
        return domid == 1 ? policy_front(&gx) : policy_back(&gx);
    case KVM_SC_BATCH:
        return batch_scenario(&gx);
    default:
        rt_printf("scenario %u is not in this image", scenario);
        return 2;
    }
}
