/* SPDX-License-Identifier: MIT */
/*
 * The benchmark guest.  Domain 2 owns a 4 MiB ring and waits; domain 1
 * times loops of HMX operations over the MSR mechanism between two host
 * timestamps (KVM_PORT_MARK), next to an empty CPUID (answered inside KVM)
 * and an empty user-space MSR exit (a WRMSR the VMM ignores).  One more
 * repetition of each is single-stepped by the VMM to count its guest
 * instructions.  Then domain 2 times reading the messages back.  The VMM
 * divides and prints the table.  No vector is registered, so no interrupt
 * disturbs the loops.
 */
#include "gx.h"

#define PORT_BENCH 7000u
#define PORT_REG 7001u
#define SRC_PORT 9u
#define BIG_RING (4u << 20)

static uint8_t big_ring[BIG_RING] __attribute__((aligned(4096)));
static uint8_t small_ring[4096] __attribute__((aligned(4096)));
static uint8_t payload[1024];
static uint8_t buf[1024];
static struct gx gx;
static struct hmx_ring ring;
static uint32_t failures;

/* Each row is timed in CHUNKS equal parts, one timestamp between each. */
#define CHUNKS 5u

static uint32_t row_msgs; /* messages per repetition of the next row (0: not a send) */

static void row(const char *name, uint32_t kind, uint32_t iters, uint32_t m0, uint32_t m1,
                uint32_t filler, uint32_t insns)
{
    struct kvm_bench_row r;
    uint32_t i;

    memset(&r, 0, sizeof(r));
    for (i = 0; name[i] && i < sizeof(r.name) - 1; i++)
        r.name[i] = name[i];
    r.kind = kind;
    r.iters = iters;
    r.mark_begin = m0;
    r.mark_end = m1;
    r.filler = filler;
    r.insns = insns;
    r.msgs = row_msgs;
    row_msgs = 0;
    rt_outl(KVM_PORT_BENCH, rt_addr(&r));
}

/* ---- baselines ------------------------------------------------------- */

/* 16 register additions and the loop's decrement and branch: 18
 * instructions per round. */
static void bench_insn(uint32_t rounds)
{
    uint32_t m0, c;
    uint64_t x = 1, y = 3;

    m0 = rt_mark();
    for (c = 0; c < CHUNKS; c++) {
        uint32_t k = rounds;

        __asm__ volatile("1:\n\t"
                         ".rept 8\n\t"
                         "add %1, %2\n\t"
                         "add %2, %1\n\t"
                         ".endr\n\t"
                         "dec %0\n\t"
                         "jnz 1b"
                         : "+r"(k), "+r"(x), "+r"(y)
                         :
                         : "cc");
        (void)rt_mark();
    }
    row("one guest instruction (add)", KVM_BENCH_BASE_INSN, CHUNKS * rounds * 18u, m0,
        m0 + CHUNKS, 0, 1);
}

static void bench_cpuid(uint32_t n)
{
    uint32_t m0, c, i;

    m0 = rt_mark();
    for (c = 0; c < CHUNKS; c++) {
        for (i = 0; i < n / 16; i++) {
            uint32_t a, b, cx, d;

            /* Leaf 0 each time (it ignores ecx): one xor of filler per
             * CPUID; the loop's own three instructions spread over 16. */
            __asm__ volatile(".rept 16\n\t"
                             "xor %%eax, %%eax\n\t"
                             "cpuid\n\t"
                             ".endr"
                             : "=a"(a), "=b"(b), "=c"(cx), "=d"(d));
        }
        (void)rt_mark();
    }
    row("empty CPUID (leaf 0, in KVM)", KVM_BENCH_BASE_CPUID, CHUNKS * (n / 16 * 16), m0,
        m0 + CHUNKS, 1, 1);
}

static void bench_null_msr(uint32_t n)
{
    uint32_t m0, c, i;

    m0 = rt_mark();
    for (c = 0; c < CHUNKS; c++) {
        for (i = 0; i < n / 16; i++)
            __asm__ volatile(".rept 16\n\twrmsr\n\t.endr"
                             :
                             : "c"(KVM_MSR_NULL), "a"(0), "d"(0)
                             : "memory");
        (void)rt_mark();
    }
    row("empty WRMSR exit (VMM ignores)", KVM_BENCH_BASE_MSR, CHUNKS * (n / 16 * 16), m0,
        m0 + CHUNKS, 0, 1);
}

/* ---- operations ---------------------------------------------------------- */

static void op_none(void)
{
}

static void op_send16(void)
{
    failures += gx_send(&gx, SRC_PORT, 2, PORT_BENCH, payload, 16, 1) != 16;
}

static void op_send1k(void)
{
    failures += gx_send(&gx, SRC_PORT, 2, PORT_BENCH, payload, 1024, 1) != 1024;
}

static void op_query(void)
{
    struct hmx_ring_query q;

    failures += gx_query(&gx, 2, PORT_BENCH, 16, &q) != 0 || !(q.flags & HMX_RING_EXISTS);
}

static void op_notify(void)
{
    failures += gx_notify(&gx) != 0;
}

static void op_register(void)
{
    struct hmx_ring r;

    failures += gx_register(&gx, &r, small_ring, sizeof(small_ring), PORT_REG, 2) != 0;
    failures += gx_unregister(&gx, &r) != 0;
}

static void op_memcpy(void)
{
    memcpy(buf, payload, sizeof(buf));
}

static void op_recv16(void)
{
    struct hmx_msg_info info;

    failures += hmx_recv(&ring, buf, sizeof(buf), &info) != 16;
}

static void op_recv1k(void)
{
    struct hmx_msg_info info;

    failures += hmx_recv(&ring, buf, sizeof(buf), &info) != 1024;
}

/* ---- many messages per trap: 16-byte messages to their own ring ---------- */

#define PORT_BATCH 7002u
#define BATCH_RING (1u << 20)
#define ASYNC_ENTRIES 64u
/* One-buffer messages per trap: 40-byte descriptor + 16-byte segment in
 * the call page's 4032-byte staging area (spec/ 19.1). */
#define PER_TRAP (4032u / 56u)

static uint8_t batch_ring[BATCH_RING] __attribute__((aligned(4096)));
static uint8_t async_mem[(HMX_ASYNC_SIZE(ASYNC_ENTRIES) + 4095u) & ~4095ull]
    __attribute__((aligned(4096)));
static struct hmx_iov one_iov;
static struct hmx_send_desc descs[HMX_BATCH_MAX];
static int32_t results[HMX_BATCH_MAX];
static struct hmx_async aq;
static struct hmx_async_cqe cqes[ASYNC_ENTRIES];
static uint64_t batch_msgs; /* sent to PORT_BATCH */

static void batch_setup(void)
{
    uint32_t i;

    one_iov.base = payload;
    one_iov.len = 16;
    for (i = 0; i < HMX_BATCH_MAX; i++) {
        descs[i].iov = &one_iov;
        descs[i].niov = 1;
        descs[i].src_port = SRC_PORT;
        descs[i].dst.domain = 2;
        descs[i].dst.port = PORT_BATCH;
        descs[i].dst.pad = 0;
        descs[i].message_type = 2;
    }
}

static void send_batch(uint32_t n)
{
    uint32_t i;

    failures += hmx_sendv_batch(&gx.ctx, descs, n, 0, results) != (int)n;
    for (i = 0; i < n; i++)
        failures += results[i] != 16;
    gx_report.ops[HMX_OP_SENDV_BATCH] += (n + PER_TRAP - 1) / PER_TRAP;
    batch_msgs += n;
}

/* The one-message baseline of the batch rows, to the same ring. */
static void op_send16_batch_ring(void)
{
    failures += gx_send(&gx, SRC_PORT, 2, PORT_BATCH, payload, 16, 2) != 16;
    batch_msgs++;
}

static void op_batch1(void)
{
    send_batch(1);
}

static void op_batch8(void)
{
    send_batch(8);
}

static void op_batch32(void)
{
    send_batch(32);
}

static void op_batch256(void)
{
    send_batch(256);
}

/* A full submission ring queued (no trap), one doorbell, all reaped. */
static void op_async64(void)
{
    uint32_t i;
    int k;

    for (i = 0; i < ASYNC_ENTRIES; i++)
        failures += hmx_async_queue(&gx.ctx, &aq, &descs[i], i) != 0;
    failures += hmx_async_kick(&gx.ctx, &aq) != 1;
    k = hmx_async_reap(&aq, cqes, ASYNC_ENTRIES);
    failures += k != (int)ASYNC_ENTRIES;
    for (i = 0; i < ASYNC_ENTRIES && (int)i < k; i++)
        failures += cqes[i].result != 16 || cqes[i].user_data != i;
    batch_msgs += ASYNC_ENTRIES;
}

/* Take what completed; every result must be the message's. */
static void reap_some(void)
{
    int k = hmx_async_reap(&aq, cqes, ASYNC_ENTRIES), i;

    failures += k < 0;
    for (i = 0; i < k; i++)
        failures += cqes[i].result != 16;
}

/* 64 messages submitted one at a time while the VMM's drainer thread
 * polls the region: a submit rings only when the drainer is idle. */
static void op_async_polled(void)
{
    uint32_t i;
    int rc;

    for (i = 0; i < ASYNC_ENTRIES; i++) {
        while ((rc = hmx_async_submit(&gx.ctx, &aq, &descs[i], i)) == HMX_EAGAIN)
            reap_some();
        failures += rc != 0;
        reap_some();
    }
    while (hmx_async_outstanding(&aq) > 0)
        reap_some();
    batch_msgs += ASYNC_ENTRIES;
}

/* Guest instructions of one call of fn, less the cost of calling nothing. */
static uint32_t count_insns(void (*fn)(void))
{
    static uint32_t calibration;
    uint32_t n;

    if (calibration == 0) {
        rt_outl(KVM_PORT_STEP, 1);
        op_none();
        rt_outl(KVM_PORT_STEP, 0);
        calibration = rt_inl(KVM_PORT_STEP) + 1;
    }
    rt_outl(KVM_PORT_STEP, 1);
    fn();
    rt_outl(KVM_PORT_STEP, 0);
    n = rt_inl(KVM_PORT_STEP);
    return n >= calibration ? n - calibration + 1 : 0;
}

/* n repetitions, in CHUNKS timed parts. */
static void bench_op(const char *name, void (*fn)(void), uint32_t n)
{
    uint32_t m0, c, i, insns;

    insns = count_insns(fn);
    m0 = rt_mark();
    for (c = 0; c < CHUNKS; c++) {
        for (i = 0; i < n / CHUNKS; i++)
            fn();
        (void)rt_mark();
    }
    CHECK(failures == 0);
    row(name, KVM_BENCH_OP, n / CHUNKS * CHUNKS, m0, m0 + CHUNKS, 0, insns);
}

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg);

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg)
{
    uint32_t n = arg != 0 ? (uint32_t)arg : 2000u;

    if (scenario != KVM_SC_BENCH) {
        rt_printf("the bench image runs only the bench scenario");
        return 2;
    }
    if (n > 3000)
        n = 3000; /* 3001 KiB messages fill 3 MiB of the 4 MiB ring */
    n = n < 80 ? 80 : n / 80 * 80; /* whole chunks, and sixteens within them */
    gx_start(&gx, domid, 0);
    if (domid != 1) {
        struct hmx_ring bring;
        uint32_t nb = 0;

        CHECK_RC(gx_register(&gx, &ring, big_ring, sizeof(big_ring), PORT_BENCH, 1), 0);
        CHECK_RC(gx_register(&gx, &bring, batch_ring, sizeof(batch_ring), PORT_BATCH, 1), 0);
        rt_barrier(1);
        rt_barrier(2); /* domain 1 measures, then we read back what it sent */
        bench_op("hmx_recv 16 B (no trap)", op_recv16, n);
        bench_op("hmx_recv 1 KiB (no trap)", op_recv1k, n);
        /* Every message of the batch rows, and of their one-per-call row. */
        for (;;) {
            struct hmx_msg_info info;
            int len = hmx_recv(&bring, buf, sizeof(buf), &info);

            if (len == HMX_EAGAIN)
                break;
            CHECK(len == 16 && info.message_type == 2 && memcmp(buf, payload, 16) == 0);
            nb++;
        }
        CHECK(failures == 0);
        rt_printf("bench: %u batched and queued messages read back", nb);
        gx_report.received = 2u * (n + 1) + nb;
        CHECK_RC(gx_unregister(&gx, &bring), 0);
        CHECK_RC(gx_unregister(&gx, &ring), 0);
        return gx_finish();
    }
    rt_barrier(1);
    bench_insn(n / CHUNKS);
    bench_cpuid(4 * n / CHUNKS);
    bench_null_msr(n / CHUNKS);
    bench_op("sendv 16 B", op_send16, n);
    batch_setup();
    CHECK_RC(hmx_async_setup(&gx.ctx, &aq, async_mem, sizeof(async_mem), ASYNC_ENTRIES), 0);
    gx_report.ops[HMX_OP_ASYNC_SETUP]++;
    row_msgs = 1;
    bench_op("sendv 16 B, one message per call", op_send16_batch_ring, n / 5);
    row_msgs = 1;
    bench_op("sendv_batch 16 B x 1", op_batch1, n / 5);
    row_msgs = 8;
    bench_op("sendv_batch 16 B x 8", op_batch8, n / 10);
    row_msgs = 32;
    bench_op("sendv_batch 16 B x 32", op_batch32, n / 40);
    row_msgs = 256;
    bench_op("sendv_batch 16 B x 256", op_batch256, CHUNKS);
    row_msgs = ASYNC_ENTRIES;
    bench_op("async ring: 64 queued, 1 doorbell", op_async64, n / 80);
    rt_outl(KVM_PORT_POLL, 1); /* from here the VMM drains on a thread of its own */
    row_msgs = ASYNC_ENTRIES;
    bench_op("async ring: 64 submits, VMM polls", op_async_polled, n / 80);
    rt_outl(KVM_PORT_POLL, 0);
    gx_report.ops[HMX_OP_ASYNC_DOORBELL] += aq.doorbells;
    CHECK_RC(hmx_async_teardown(&gx.ctx, &aq), 0);
    gx_report.ops[HMX_OP_ASYNC_SETUP]++;
    bench_op("sendv 1 KiB", op_send1k, n);
    bench_op("notify, one ring query", op_query, n);
    bench_op("notify, no query", op_notify, n);
    bench_op("register + unregister (4 KiB ring)", op_register, n / 2);
    bench_op("guest memcpy 1 KiB (rep movsq)", op_memcpy, n);
    gx_report.sent = 2u * (n + 1) + batch_msgs;
    rt_barrier(2);
    rt_printf("bench: %u repetitions per row", n);
    return gx_finish();
}
