/* SPDX-License-Identifier: MIT */
/*
 * The EL1 domain: an ordinary guest kernel's view of HMX.  It turns its
 * MMU on, reads its parameters from the device tree the monitor gave it,
 * probes (device tree + SMCCC), opens a context on what the probe chose
 * and exchanges messages with its peer, through libhmx built freestanding.
 *
 * Two domains run this same code (the role comes from /chosen), each in
 * its own RAM: every byte of state lives there, none in the image.  The
 * domains synchronise only through HMX itself (a control ring each), and
 * wait for each other with WFI until a notification interrupt arrives.
 *
 * A guest reports by writing its log and verdict into the mailbox at the
 * base of its RAM: it needs no trap to say anything.
 */
#include <libfdt.h>

#include "el2.h"
#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/smccc.h"

void guest_main(uint64_t dtb, uint64_t dtb_size, uint64_t base, uint64_t size);
void guest_irq(void);
void guest_fault(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind) __attribute__((noreturn));

#define CTRL_PORT 1u      /* each domain's control ring */
#define DATA_PORT 100u    /* each domain's data ring */
#define SRC_PORT 7u       /* the port data is sent from */
#define NOBODY_PORT 0x7777u
#define NO_DOMAIN 9u
#define CTRL_TYPE 0x43544cu
#define DATA_TYPE(seq) (0x1000u + ((seq) & 0xFFu))
#define MSG_MAGIC 0x4d584d48u
#define FILL_LEN 100u
#define ROLE_A 1u
#define ROLE_B 2u

enum ctrl_kind { CTRL_BARRIER = 1, CTRL_FILLED, CTRL_RETRIED, CTRL_EMPTY, CTRL_BATCH_READY,
                 CTRL_BATCH_SENT };

struct ctrl_msg {
    uint32_t kind, id, value, pad;
};

struct msg_hdr {
    uint32_t seq, len, csum, magic;
};

struct guest {
    struct el2_mailbox mb; /* first: the monitor finds it at the base of RAM */
    uint64_t base, size;
    const void *dtb;
    uint64_t dtb_size;
    uint32_t self, peer, role, messages, hmx;
    enum hmx_smccc_conduit conduit;
    uint32_t intid; /* the vector registered with hmx_set_vector */
    volatile uint32_t irqs, spurious, wrong_intid;
    uint32_t peer_max; /* largest payload the peer's data ring takes */
    hmx_ctx ctx;
    struct hmx_ring ctrl, data;
};

/* The batch phase's messages: BATCH_N at most per call. */
#define BATCH_N 32u
#define BATCH_PORT 200u
#define BATCH_NONE_PORT 201u /* no ring: ECONNREFUSED */
#define ASYNC_N 16u
struct batch_mem {
    struct msg_hdr h[BATCH_N];
    uint8_t body[BATCH_N][48];
    struct hmx_iov iov[BATCH_N][2];
    struct hmx_send_desc d[BATCH_N];
    int32_t res[BATCH_N];
    uint32_t seq[BATCH_N];
    struct hmx_async q;
    struct hmx_async_cqe c[ASYNC_N];
};

struct guest_mem {
    struct guest g;
    struct batch_mem b;
    _Alignas(4096) uint64_t l1[512];
    _Alignas(4096) uint8_t call_page[HMX_CALL_PAGE_SIZE];
    _Alignas(4096) uint8_t ctrl_ring[4096];
    _Alignas(4096) uint8_t data_ring[4096];
    _Alignas(4096) uint8_t spare_ring[4096];
    _Alignas(4096) uint8_t big[8192];
};
_Static_assert(sizeof(struct guest_mem) <= EL2_DOM_DTB_OFF, "guest state fits below the device tree");

/* Read-only data lies outside every domain's RAM: a send from here must
 * be refused by the host's copy hook. */
static const uint8_t outside_ram[64] = {1, 2, 3};

static struct guest *self_state(void)
{
    return (struct guest *)(uintptr_t)EL2_READ_SYSREG(tpidr_el1);
}

/* ---- reporting -------------------------------------------------------------- */

static void log_putc(void *arg, char c)
{
    struct el2_mailbox *mb = arg;

    if (mb->log_head - mb->log_tail >= EL2_LOG_SIZE) {
        mb->log_dropped++;
        return;
    }
    mb->log[mb->log_head % EL2_LOG_SIZE] = c;
    mb->log_head = mb->log_head + 1;
}

static void __attribute__((format(printf, 2, 3))) say(struct guest *g, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    el2_vformat(log_putc, &g->mb, fmt, ap);
    va_end(ap);
}

static int check_at(struct guest *g, int ok, int line, const char *what)
{
    if (ok) {
        g->mb.fig[EL2_FIG_CHECKS]++;
        return 1;
    }
    g->mb.failures++;
    say(g, "FAIL (guest.c:%d): %s\n", line, what);
    return 0;
}

static int rc_at(struct guest *g, int rc, int want, int line, const char *what)
{
    if (rc == want) {
        g->mb.fig[EL2_FIG_CHECKS]++;
        return 1;
    }
    g->mb.failures++;
    say(g, "FAIL (guest.c:%d): %s = %d (%s), expected %d (%s)\n", line, what, rc,
        hmx_err_name(rc), want, hmx_err_name(want));
    return 0;
}

/* Each returns from the calling function with -1 when the check fails. */
#define CHECK(c)                                   \
    do {                                           \
        if (!check_at(g, (c), __LINE__, #c))       \
            return -1;                             \
    } while (0)
#define EXPECT(call, want)                                  \
    do {                                                    \
        if (!rc_at(g, (call), (want), __LINE__, #call))     \
            return -1;                                      \
    } while (0)

/* ---- the CPU ------------------------------------------------------------------ */

static void mmu_on(uint64_t *l1)
{
    /* Identity map: RAM (1-2 GiB) normal write-back; nothing else. */
    l1[1] = EL2_RAM_BASE | 1u | (1u << 2) | (3u << 8) | (1u << 10);
    EL2_DSB();
    EL2_WRITE_SYSREG(mair_el1, 0xFF00ull);
    EL2_WRITE_SYSREG(tcr_el1, (1ull << 23) | (3ull << 12) | (1ull << 10) | (1ull << 8) | 32);
    EL2_WRITE_SYSREG(ttbr0_el1, (uint64_t)(uintptr_t)l1);
    __asm__ volatile("isb; tlbi vmalle1; dsb nsh; isb" ::: "memory");
    EL2_WRITE_SYSREG(sctlr_el1, 0x30D00800ull | (1ull << 12) | (1ull << 2) | 1ull);
    EL2_ISB();
}

static uint64_t harness_call(const struct guest *g, uint32_t fid)
{
    register uint64_t x0 __asm__("x0") = fid;

    if (g->conduit == HMX_SMCCC_SMC)
        __asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
    return x0;
}

/* The notification interrupt: acknowledge it (the monitor lowers the line). */
void guest_irq(void)
{
    struct guest *g = self_state();
    uint32_t intid = (uint32_t)harness_call(g, EL2_FN_ACK);

    if (intid == EL2_INTID_SPURIOUS) {
        g->spurious++;
        return;
    }
    if (intid != g->intid)
        g->wrong_intid++;
    g->irqs++;
    g->mb.fig[EL2_FIG_IRQS]++;
}

void guest_fault(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind)
{
    struct guest *g = self_state();

    if (g != NULL) {
        say(g, "FAIL: exception %lu at EL1: ESR %lx ELR %lx FAR %lx\n", (unsigned long)kind,
            (unsigned long)esr, (unsigned long)elr, (unsigned long)far);
        g->mb.failures++;
        g->mb.status = EL2_FAIL;
    }
    for (;;)
        __asm__ volatile("msr daifset, #0xf; wfi" ::: "memory");
}

/* Wait until an interrupt has been taken since `seen` was read. */
static void wait_irq(struct guest *g, uint32_t seen)
{
    for (;;) {
        __asm__ volatile("msr daifset, #2" ::: "memory");
        if (g->irqs != seen)
            break;
        __asm__ volatile("wfi" ::: "memory"); /* the monitor runs the peer meanwhile */
        __asm__ volatile("msr daifclr, #2" ::: "memory");
    }
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

/* ---- the control channel ---------------------------------------------------------- */

static int ctrl_send(struct guest *g, uint32_t kind, uint32_t id, uint32_t value)
{
    struct ctrl_msg m = {kind, id, value, 0};
    struct hmx_addr to = {CTRL_PORT, (hmx_domid_t)g->peer, 0};

    for (;;) {
        uint32_t seen = g->irqs;
        int rc = hmx_send(&g->ctx, CTRL_PORT, &to, &m, sizeof(m), CTRL_TYPE);

        if (rc == (int)sizeof(m))
            return 0;
        if (rc == HMX_ECONNREFUSED) { /* the peer has not registered yet */
            harness_call(g, EL2_FN_YIELD);
            continue;
        }
        if (rc == HMX_EAGAIN) {
            wait_irq(g, seen);
            continue;
        }
        EXPECT(rc, (int)sizeof(m));
    }
}

static int ctrl_recv(struct guest *g, uint32_t kind, uint32_t id, uint32_t *value)
{
    struct ctrl_msg m;
    struct hmx_msg_info info;

    for (;;) {
        uint32_t seen = g->irqs;
        int rc = hmx_recv(&g->ctrl, &m, sizeof(m), &info);

        if (rc == HMX_EAGAIN) {
            wait_irq(g, seen);
            continue;
        }
        EXPECT(rc, (int)sizeof(m));
        CHECK(info.source.domain == g->peer && info.source.port == CTRL_PORT);
        CHECK(info.message_type == CTRL_TYPE);
        CHECK(m.kind == kind && m.id == id);
        if (value != NULL)
            *value = m.value;
        EXPECT(hmx_notify(&g->ctx, NULL, 0), 0);
        return 0;
    }
}

static int barrier(struct guest *g, uint32_t id)
{
    if (ctrl_send(g, CTRL_BARRIER, id, 0) < 0 || ctrl_recv(g, CTRL_BARRIER, id, NULL) < 0)
        return -1;
    return 0;
}

/* ---- messages ----------------------------------------------------------------------- */

static uint32_t body_len(uint32_t seq)
{
    return ((seq * 2654435761u) >> 20) % 233u; /* 0..232 bytes */
}

static void body_fill(uint32_t seq, uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seq * 31u + i * 7u + (seq >> 8));
}

static uint32_t body_csum(uint32_t seq, const uint8_t *p, uint32_t len)
{
    return el2_fnv1a(p, len, el2_fnv1a(&seq, sizeof(seq), 2166136261u));
}

/* One message: a header and a body in one, two or three buffers. */
static int send_msg(struct guest *g, const struct hmx_addr *to, uint32_t seq, uint32_t len)
{
    uint8_t body[256];
    struct msg_hdr h;
    struct hmx_iov iov[3];
    unsigned niov = 1;

    body_fill(seq, body, len);
    h.seq = seq;
    h.len = len;
    h.csum = body_csum(seq, body, len);
    h.magic = MSG_MAGIC;
    iov[0].base = &h;
    iov[0].len = sizeof(h);
    if (seq % 3u == 2u && len >= 2) {
        iov[1].base = body;
        iov[1].len = len / 2;
        iov[2].base = body + len / 2;
        iov[2].len = len - len / 2;
        niov = 3;
    } else if (seq % 3u != 0 || len > 0) {
        iov[1].base = body;
        iov[1].len = len; /* may be empty */
        niov = 2;
    }
    return hmx_sendv(&g->ctx, SRC_PORT, to, iov, niov, DATA_TYPE(seq));
}

/* Check one received message: its length, sender, type, sequence and body. */
static int verify_msg(struct guest *g, const uint8_t *buf, int n, const struct hmx_msg_info *info,
                      uint32_t seq, uint32_t want_len)
{
    struct msg_hdr h;
    uint8_t body[256];

    CHECK(n >= (int)sizeof(h));
    memcpy(&h, buf, sizeof(h));
    if (h.seq != seq || h.magic != MSG_MAGIC || h.len != want_len ||
        n != (int)(sizeof(h) + want_len) || info->len != (uint32_t)n) {
        say(g, "FAIL: message %u: got seq %u magic %x len %u (%d bytes), expected len %u\n", seq,
            h.seq, h.magic, h.len, n, want_len);
        g->mb.failures++;
        return -1;
    }
    CHECK(info->source.domain == g->peer && info->source.port == SRC_PORT);
    CHECK(info->message_type == DATA_TYPE(seq));
    body_fill(seq, body, want_len);
    CHECK(memcmp(buf + sizeof(h), body, want_len) == 0);
    CHECK(body_csum(seq, buf + sizeof(h), want_len) == h.csum);
    return 0;
}

static int recv_msg(struct guest *g, uint32_t seq, uint32_t len)
{
    uint8_t buf[FILL_LEN + 64];
    struct hmx_msg_info info;
    int n;

    for (;;) {
        uint32_t seen = g->irqs;

        n = hmx_recv(&g->data, buf, sizeof(buf), &info);
        if (n != HMX_EAGAIN)
            break;
        wait_irq(g, seen);
    }
    return verify_msg(g, buf, n, &info, seq, len);
}

/* ---- the scenarios --------------------------------------------------------------------- */

static int probe_none(struct guest *g, struct guest_mem *m)
{
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args args;

    memset(&opt, 0, sizeof(opt));
    opt.fdt = g->dtb;
    opt.fdt_size = g->dtb_size;
    EXPECT(hmx_probe(&res, &opt), 0);
    say(g, "probe: hypervisor %s, chosen %s, dt_status %d, traps %u\n",
        hmx_hypervisor_name(res.hypervisor), hmx_mechanism_name(res.chosen), res.dt_status,
        res.traps);
    g->mb.fig[EL2_FIG_PROBE_TRAPS] = res.traps;
    CHECK(res.dt_status == 0);
    CHECK(res.chosen == HMX_MECH_NONE);
    CHECK(res.traps == 0);
    CHECK(!res.mech[HMX_MECH_SMCCC].offered && !res.mech[HMX_MECH_XEN_HYPERCALL].offered);
    CHECK(res.hypervisor == HMX_HV_NONE && res.smccc_version == 0);
    memset(&args, 0, sizeof(args));
    args.call_page = m->call_page;
    EXPECT(hmx_open_probed(&g->ctx, &res, &args), HMX_ENOMECH);
    /* Forcing SMCCC changes nothing when nothing offers it. */
    opt.force = HMX_MECH_SMCCC;
    EXPECT(hmx_probe(&res, &opt), 0);
    CHECK(res.chosen == HMX_MECH_NONE && res.traps == 0);
    say(g, "no HMX node: no mechanism, no call\n");
    return 0;
}

static int probe_open(struct guest *g, struct guest_mem *m, const char *want_conduit)
{
    struct hmx_probe_result res;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args args;
    const struct hmx_mech_report *r;

    memset(&opt, 0, sizeof(opt));
    opt.fdt = g->dtb;
    opt.fdt_size = g->dtb_size;
    EXPECT(hmx_probe(&res, &opt), 0);
    r = &res.mech[HMX_MECH_SMCCC];
    say(g, "probe: hypervisor %s, chosen %s (%s), conduit %u, base %x, SMCCC %x, HMX %x, "
        "features %lx, irq <%u %u %x>, traps %u\n",
        hmx_hypervisor_name(res.hypervisor), hmx_mechanism_name(res.chosen), r->why,
        res.smccc_conduit, res.smccc_base, res.smccc_version, res.hmx_version,
        (unsigned long)res.hmx_features, res.dt_irq[0], res.dt_irq[1], res.dt_irq[2], res.traps);
    g->mb.fig[EL2_FIG_PROBE_TRAPS] = res.traps;
    CHECK(res.dt_status == 0);
    CHECK(res.chosen == HMX_MECH_SMCCC && r->chosen && r->usable);
    CHECK(res.hypervisor == HMX_HV_HMX);
    CHECK(res.smccc_conduit == (want_conduit[0] == 's' ? HMX_SMCCC_SMC : HMX_SMCCC_HVC));
    CHECK(res.smccc_base == HMX_SMCCC_BASE_DEFAULT);
    CHECK(res.smccc_version >= HMX_SMCCC_MIN_VERSION);
    CHECK(res.hmx_version == HMX_INTERFACE_VERSION);
    CHECK(res.dt_irq_cells == 3 && res.dt_irq[0] == EL2_HMX_IRQ_TYPE &&
          res.dt_irq[1] == EL2_HMX_IRQ_NUM);
    CHECK(res.traps == 4); /* SMCCC_VERSION, Call UID, HMX_VERSION, HMX_FEATURES */
    CHECK(res.features & HMX_FEAT_VECTOR);
    g->conduit = (enum hmx_smccc_conduit)res.smccc_conduit;

    memset(&args, 0, sizeof(args));
    args.call_page = m->call_page + 1; /* not page aligned */
    EXPECT(hmx_open_probed(&g->ctx, &res, &args), HMX_EINVAL);
    args.call_page = m->call_page;
    EXPECT(hmx_open_probed(&g->ctx, &res, &args), 0);
    CHECK(memcmp(hmx_backend_name(&g->ctx), "smccc", 6) == 0);
    CHECK(hmx_features(&g->ctx) & HMX_FEAT_VECTOR);

    /* Notifications as an interrupt: the node's PPI, as a GIC INTID. */
    g->intid = (res.dt_irq[0] == 1 ? 16u : 32u) + res.dt_irq[1];
    EXPECT(hmx_set_vector(&g->ctx, HMX_VECTOR_CPUS, g->intid, 0), HMX_EINVAL);
    EXPECT(hmx_set_vector(&g->ctx, 0, g->intid, 0), 0);
    return 0;
}

static int register_rings(struct guest *g, struct guest_mem *m)
{
    struct hmx_ring_config c;

    memset(&c, 0, sizeof(c));
    c.mem = m->ctrl_ring;
    c.mem_size = sizeof(m->ctrl_ring);
    c.port = CTRL_PORT;
    c.partner = (hmx_domid_t)g->peer;
    EXPECT(hmx_ring_register(&g->ctx, &g->ctrl, &c), 0);
    c.mem = m->data_ring;
    c.mem_size = sizeof(m->data_ring);
    c.port = DATA_PORT;
    EXPECT(hmx_ring_register(&g->ctx, &g->data, &c), 0);
    say(g, "rings registered: control port %u, data port %u (%u bytes of data)\n", CTRL_PORT,
        DATA_PORT, hmx_ring_size(&g->data));
    return 0;
}

/* Role A: the refusals, before any traffic. */
static int error_paths(struct guest *g, struct guest_mem *m)
{
    struct hmx_addr nobody = {NOBODY_PORT, (hmx_domid_t)g->peer, 0};
    struct hmx_addr ghost = {DATA_PORT, NO_DOMAIN, 0};
    struct hmx_addr denied = {EL2_DENY_PORT, (hmx_domid_t)g->peer, 0};
    struct hmx_addr data = {DATA_PORT, (hmx_domid_t)g->peer, 0};
    struct hmx_ring spare;
    struct hmx_ring_config c;
    struct hmx_ring_query q;
    uint8_t small[16] = {0};

    EXPECT(hmx_send(&g->ctx, SRC_PORT, &nobody, small, sizeof(small), 1), HMX_ECONNREFUSED);
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &ghost, small, sizeof(small), 1), HMX_ESRCH);
    /* The policy hook: port 13 is closed to register, send and query. */
    memset(&c, 0, sizeof(c));
    c.mem = m->spare_ring;
    c.mem_size = sizeof(m->spare_ring);
    c.port = EL2_DENY_PORT;
    c.partner = (hmx_domid_t)g->peer;
    EXPECT(hmx_ring_register(&g->ctx, &spare, &c), HMX_EACCES);
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &denied, small, sizeof(small), 1), HMX_EACCES);
    EXPECT(hmx_query(&g->ctx, &denied, 0, &q), HMX_EACCES);
    /* A buffer outside our RAM: the host's copy hook refuses it. */
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &data, outside_ram, sizeof(outside_ram), 1), HMX_EFAULT);
    /* Too large for the peer's ring. */
    EXPECT(hmx_query(&g->ctx, &data, 0, &q), 0);
    CHECK((q.flags & HMX_RING_EXISTS) && (q.flags & HMX_RING_EMPTY));
    g->peer_max = q.max_message_size;
    g->mb.fig[EL2_FIG_MAXMSG] = q.max_message_size;
    CHECK(g->peer_max > FILL_LEN && g->peer_max < sizeof(m->big));
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &data, m->big, g->peer_max + 1, 1), HMX_EMSGSIZE);
    say(g, "refusals: ECONNREFUSED, ESRCH, EACCES x3 (policy), EFAULT, EMSGSIZE (%u > %u) ok\n",
        g->peer_max + 1, g->peer_max);
    return 0;
}

/* EAGAIN, then space after the peer drains: A fills B's empty data ring. */
static int fill_and_wait(struct guest *g, struct guest_mem *m)
{
    struct hmx_addr data = {DATA_PORT, (hmx_domid_t)g->peer, 0};
    struct hmx_ring_query q;
    uint32_t k = 0, seen;
    int rc;

    while ((rc = send_msg(g, &data, k, FILL_LEN - sizeof(struct msg_hdr))) == (int)FILL_LEN)
        k++;
    EXPECT(rc, HMX_EAGAIN);
    g->mb.fig[EL2_FIG_EAGAIN]++;
    g->mb.fig[EL2_FIG_FILL] = k;
    CHECK(k > 1);
    EXPECT(hmx_query(&g->ctx, &data, FILL_LEN, &q), 0);
    CHECK((q.flags & HMX_RING_EXISTS) && !(q.flags & HMX_RING_SUFFICIENT));
    seen = g->irqs;
    if (ctrl_send(g, CTRL_FILLED, 0, k) < 0)
        return -1;
    wait_irq(g, seen); /* the peer drains and notifies: the space wake-up */
    EXPECT(send_msg(g, &data, k, FILL_LEN - sizeof(struct msg_hdr)), (int)FILL_LEN);
    say(g, "EAGAIN after %u messages of %u bytes; woken by interrupt %u; retry ok\n", k,
        FILL_LEN, g->intid);
    if (ctrl_send(g, CTRL_RETRIED, 0, 0) < 0 || ctrl_recv(g, CTRL_EMPTY, 0, NULL) < 0)
        return -1;
    /* The largest message the ring takes, into the empty ring. */
    memset(m->big, 0x5A, g->peer_max);
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &data, m->big, g->peer_max, 2), (int)g->peer_max);
    return 0;
}

/* B's side of it. */
static int drain_filled(struct guest *g, struct guest_mem *m)
{
    uint8_t cmp[256];
    struct hmx_msg_info info;
    uint32_t k, i;
    int n;

    if (ctrl_recv(g, CTRL_FILLED, 0, &k) < 0)
        return -1;
    for (i = 0; i < k; i++)
        if (recv_msg(g, i, FILL_LEN - sizeof(struct msg_hdr)) < 0)
            return -1;
    /* The refused send wrote nothing. */
    EXPECT(hmx_recv(&g->data, cmp, sizeof(cmp), &info), HMX_EAGAIN);
    EXPECT(hmx_notify(&g->ctx, NULL, 0), 0);
    if (ctrl_recv(g, CTRL_RETRIED, 0, NULL) < 0 || recv_msg(g, k, FILL_LEN - sizeof(struct msg_hdr)) < 0)
        return -1;
    EXPECT(hmx_recv(&g->data, cmp, sizeof(cmp), &info), HMX_EAGAIN);
    EXPECT(hmx_notify(&g->ctx, NULL, 0), 0);
    if (ctrl_send(g, CTRL_EMPTY, 0, 0) < 0)
        return -1;
    for (;;) {
        uint32_t seen = g->irqs;

        n = hmx_recv(&g->data, m->big, sizeof(m->big), &info);
        if (n != HMX_EAGAIN)
            break;
        wait_irq(g, seen);
    }
    CHECK(n == (int)hmx_ring_size(&g->data) - 32 && info.message_type == 2);
    for (i = 0; i < (uint32_t)n; i++)
        CHECK(m->big[i] == 0x5A);
    EXPECT(hmx_notify(&g->ctx, NULL, 0), 0);
    say(g, "drained %u + 1 messages, then the largest one (%d bytes)\n", k, n);
    return 0;
}

/* Both ways at once: each domain sends `messages` to the peer's data ring
 * and receives as many from its own, every one checked. */
static int bulk(struct guest *g)
{
    struct hmx_addr to = {DATA_PORT, (hmx_domid_t)g->peer, 0};
    uint8_t buf[512];
    struct hmx_msg_info info;
    uint32_t sent = 0, got = 0, consumed = 0;
    uint64_t ring_bytes = 0;
    const uint32_t len = hmx_ring_size(&g->data);
    int n = HMX_EAGAIN;

    while (sent < g->messages || got < g->messages) {
        uint32_t seen = g->irqs;
        int progress = 0;

        while (got < g->messages && (n = hmx_recv(&g->data, buf, sizeof(buf), &info)) >= 0) {
            if (verify_msg(g, buf, n, &info, got, body_len(got)) < 0)
                return -1;
            g->mb.fig[EL2_FIG_BYTES] += (uint32_t)n;
            ring_bytes += HMX_SLOT_ROUNDUP(HMX_MSG_HDR_SIZE + (uint32_t)n);
            got++;
            consumed++;
            progress = 1;
        }
        if (got < g->messages && n != HMX_EAGAIN)
            EXPECT(n, HMX_EAGAIN);
        if (consumed > 0) {
            EXPECT(hmx_notify(&g->ctx, NULL, 0), 0); /* wake the peer if it waits for space */
            consumed = 0;
        }
        while (sent < g->messages) {
            int rc = send_msg(g, &to, sent, body_len(sent));

            if (rc == HMX_EAGAIN) {
                g->mb.fig[EL2_FIG_EAGAIN]++;
                break;
            }
            EXPECT(rc, (int)(sizeof(struct msg_hdr) + body_len(sent)));
            sent++;
            progress = 1;
        }
        if (!progress)
            wait_irq(g, seen);
    }
    g->mb.fig[EL2_FIG_SENT] = sent;
    g->mb.fig[EL2_FIG_RECEIVED] = got;
    g->mb.fig[EL2_FIG_WRAPS] = ring_bytes / len;
    say(g, "bulk: sent %u, received and verified %u (%lu payload bytes, ring wrapped %lu times)\n",
        sent, got, (unsigned long)g->mb.fig[EL2_FIG_BYTES], (unsigned long)(ring_bytes / len));
    CHECK(ring_bytes / len >= 10);
    return 0;
}

/* ---- many messages per trap ---------------------------------------------------------- */

static uint32_t batch_len(uint32_t seq)
{
    return (seq * 7u) % 41u; /* 0..40 bytes of body */
}

/* Message slot i: sequence seq to the batch ring (or, with seq ~0, to a
 * port without a ring), a header and a body that may be empty. */
static void batch_make(struct guest *g, struct batch_mem *b, uint32_t i, uint32_t seq)
{
    const uint32_t len = seq == ~0u ? 8u : batch_len(seq);

    body_fill(seq, b->body[i], len);
    b->h[i].seq = seq;
    b->h[i].len = len;
    b->h[i].csum = body_csum(seq, b->body[i], len);
    b->h[i].magic = MSG_MAGIC;
    b->iov[i][0].base = &b->h[i];
    b->iov[i][0].len = sizeof(b->h[i]);
    b->iov[i][1].base = b->body[i];
    b->iov[i][1].len = len;
    b->d[i].iov = b->iov[i];
    b->d[i].niov = 2;
    b->d[i].src_port = SRC_PORT;
    b->d[i].dst.domain = (hmx_domid_t)g->peer;
    b->d[i].dst.port = seq == ~0u ? BATCH_NONE_PORT : BATCH_PORT;
    b->d[i].dst.pad = 0;
    b->d[i].message_type = DATA_TYPE(seq);
    b->seq[i] = seq;
    b->res[i] = 0x5A5A5A5A;
}

/* The traps of one batch of well-formed messages (spec/ 19.1's packing:
 * 40-byte descriptors from the start of the 4032-byte area, 16-byte
 * segments from its end; an empty buffer takes no segment). */
static uint32_t batch_traps(const struct batch_mem *b, uint32_t n)
{
    uint32_t traps = 0, used = 0, i;

    for (i = 0; i < n; i++) {
        uint32_t need = 40u + 16u * (1u + (b->iov[i][1].len != 0));

        if (traps == 0 || used + need > 4032u) {
            traps++;
            used = 0;
        }
        used += need;
    }
    return traps;
}

/* Role A: batches (continuing and stopping) and the asynchronous ring,
 * every result checked; the peer checks every message. */
static int batch_send(struct guest *g, struct guest_mem *m)
{
    struct batch_mem *b = &m->b;
    uint32_t seq = 0, i, round, sent = 0, traps = 0;

    CHECK((hmx_features(&g->ctx) & (HMX_FEAT_BATCH | HMX_FEAT_ASYNC)) ==
          (HMX_FEAT_BATCH | HMX_FEAT_ASYNC));
    EXPECT(ctrl_recv(g, CTRL_BATCH_READY, 0, NULL), 0);

    /* 32 messages in one call: one trap. */
    for (i = 0; i < BATCH_N; i++)
        batch_make(g, b, i, seq++);
    CHECK(batch_traps(b, BATCH_N) == 1);
    EXPECT(hmx_sendv_batch(&g->ctx, b->d, BATCH_N, 0, b->res), (int)BATCH_N);
    traps += 1;
    for (i = 0; i < BATCH_N; i++)
        EXPECT(b->res[i], (int)(sizeof(struct msg_hdr) + batch_len(b->seq[i])));
    sent += BATCH_N;

    /* Continue past a refusal (no ring) and a malformed message (its
     * pad), which the library answers itself, splitting the call in two. */
    for (i = 0; i < 8; i++)
        batch_make(g, b, i, i == 2 || i == 5 ? ~0u : seq++);
    b->d[5].dst.pad = 1;
    EXPECT(hmx_sendv_batch(&g->ctx, b->d, 8, 0, b->res), 8);
    traps += 2;
    EXPECT(b->res[2], HMX_ECONNREFUSED);
    EXPECT(b->res[5], HMX_EINVAL);
    for (i = 0; i < 8; i++)
        if (i != 2 && i != 5)
            EXPECT(b->res[i], (int)(sizeof(struct msg_hdr) + batch_len(b->seq[i])));
    sent += 6;

    /* Stop at the first failure: the rest untouched, and not sent. */
    for (i = 0; i < 8; i++)
        batch_make(g, b, i, i == 2 ? ~0u : seq + i - (i > 2));
    EXPECT(hmx_sendv_batch(&g->ctx, b->d, 8, HMX_BATCH_STOP, b->res), 3);
    traps += 1;
    EXPECT(b->res[2], HMX_ECONNREFUSED);
    CHECK(b->res[3] == 0x5A5A5A5A && b->res[7] == 0x5A5A5A5A);
    seq += 2;
    sent += 2;

    /* The asynchronous ring: 16 queued, one doorbell, 16 completions. */
    memset(&b->q, 0, sizeof(b->q));
    EXPECT(hmx_async_setup(&g->ctx, &b->q, m->spare_ring, sizeof(m->spare_ring), ASYNC_N), 0);
    for (round = 0; round < 2; round++) {
        for (i = 0; i < ASYNC_N; i++) {
            batch_make(g, b, i, round == 1 && i == 9 ? ~0u : seq++);
            EXPECT(hmx_async_queue(&g->ctx, &b->q, &b->d[i], 0xA000u + round * 100u + i), 0);
        }
        CHECK(b->q.doorbells == round);
        EXPECT(hmx_async_kick(&g->ctx, &b->q), 1);
        EXPECT(hmx_async_reap(&b->q, b->c, ASYNC_N), (int)ASYNC_N);
        for (i = 0; i < ASYNC_N; i++) {
            CHECK(b->c[i].user_data == 0xA000u + round * 100u + i);
            if (b->seq[i] == ~0u) {
                EXPECT(b->c[i].result, HMX_ECONNREFUSED);
            } else {
                EXPECT(b->c[i].result, (int)(sizeof(struct msg_hdr) + batch_len(b->seq[i])));
                sent++;
            }
        }
    }
    CHECK(hmx_async_outstanding(&b->q) == 0);
    g->mb.fig[EL2_FIG_DOORBELLS] = b->q.doorbells;
    EXPECT(hmx_async_teardown(&g->ctx, &b->q), 0);
    g->mb.fig[EL2_FIG_BATCH_TRAPS] = traps;
    g->mb.fig[EL2_FIG_BATCH_SENT] = sent;
    say(g, "batch: %u messages sent in %u sendv_batch traps and %lu doorbells\n", sent, traps,
        (unsigned long)b->q.doorbells);
    return ctrl_send(g, CTRL_BATCH_SENT, 0, sent);
}

/* Role B: a ring for the batch phase; then every message checked. */
static int batch_receive(struct guest *g, struct guest_mem *m)
{
    struct hmx_ring_config c;
    struct hmx_ring ring;
    struct hmx_msg_info info;
    uint8_t buf[128];
    uint32_t want = 0, got = 0;
    int n;

    memset(&c, 0, sizeof(c));
    memset(&ring, 0, sizeof(ring));
    c.mem = m->big;
    c.mem_size = sizeof(m->big);
    c.port = BATCH_PORT;
    c.partner = (hmx_domid_t)g->peer;
    EXPECT(hmx_ring_register(&g->ctx, &ring, &c), 0);
    EXPECT(ctrl_send(g, CTRL_BATCH_READY, 0, 0), 0);
    EXPECT(ctrl_recv(g, CTRL_BATCH_SENT, 0, &want), 0);
    while ((n = hmx_recv(&ring, buf, sizeof(buf), &info)) != HMX_EAGAIN) {
        if (verify_msg(g, buf, n, &info, got, batch_len(got)) < 0)
            return -1;
        got++;
    }
    CHECK(got == want && got > BATCH_N);
    g->mb.fig[EL2_FIG_BATCH_RECEIVED] = got;
    say(g, "batch: received and verified %u messages\n", got);
    EXPECT(hmx_ring_unregister(&g->ctx, &ring), 0);
    return 0;
}

static int run_hmx(struct guest *g, struct guest_mem *m, const char *conduit)
{
    struct hmx_addr data = {DATA_PORT, (hmx_domid_t)g->peer, 0};
    uint8_t small[16] = {0};

    if (probe_open(g, m, conduit) < 0 || register_rings(g, m) < 0 || barrier(g, 1) < 0)
        return -1;
    if (g->role == ROLE_A && error_paths(g, m) < 0)
        return -1;
    if (barrier(g, 2) < 0)
        return -1;
    if (g->role == ROLE_A ? fill_and_wait(g, m) < 0 : drain_filled(g, m) < 0)
        return -1;
    if (barrier(g, 3) < 0 || bulk(g) < 0 || barrier(g, 4) < 0)
        return -1;
    if (g->role == ROLE_A ? batch_send(g, m) < 0 : batch_receive(g, m) < 0)
        return -1;
    /* Unregister the data ring; the peer's sends are then refused. */
    EXPECT(hmx_ring_unregister(&g->ctx, &g->data), 0);
    EXPECT(hmx_ring_unregister(&g->ctx, &g->data), HMX_EINVAL); /* no longer registered */
    if (barrier(g, 5) < 0)
        return -1;
    EXPECT(hmx_send(&g->ctx, SRC_PORT, &data, small, sizeof(small), 1), HMX_ECONNREFUSED);
    if (barrier(g, 6) < 0)
        return -1;
    EXPECT(hmx_set_vector(&g->ctx, 0, 0, 0), 0);
    EXPECT(hmx_ring_unregister(&g->ctx, &g->ctrl), 0);
    CHECK(g->wrong_intid == 0);
    hmx_close(&g->ctx);
    say(g, "unregistered; %u interrupts taken (%u spurious)\n", g->irqs, g->spurious);
    return 0;
}

static uint32_t chosen_u32(const void *dt, int off, const char *name)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(dt, off, name, &len);

    return p != NULL && len == 4 ? fdt32_to_cpu(*p) : 0;
}

void guest_main(uint64_t dtb, uint64_t dtb_size, uint64_t base, uint64_t size)
{
    struct guest_mem *m = (struct guest_mem *)(uintptr_t)base;
    struct guest *g = &m->g;
    const char *scenario, *conduit;
    int off, rc;

    mmu_on(m->l1);
    EL2_WRITE_SYSREG(tpidr_el1, (uint64_t)(uintptr_t)g);
    g->base = base;
    g->size = size;
    g->dtb = (const void *)(uintptr_t)dtb;
    g->dtb_size = dtb_size;
    if (g->mb.magic != EL2_MB_MAGIC || fdt_check_header(g->dtb) != 0 ||
        (off = fdt_path_offset(g->dtb, "/chosen")) < 0) {
        say(g, "FAIL: no mailbox or no device tree\n");
        g->mb.status = EL2_FAIL;
        return;
    }
    g->self = chosen_u32(g->dtb, off, "libhmx-test,domain");
    g->peer = chosen_u32(g->dtb, off, "libhmx-test,peer");
    g->messages = chosen_u32(g->dtb, off, "libhmx-test,messages");
    g->role = g->self < g->peer ? ROLE_A : ROLE_B;
    scenario = fdt_getprop(g->dtb, off, "libhmx-test,scenario", NULL);
    conduit = fdt_getprop(g->dtb, off, "libhmx-test,conduit", NULL);
    if (scenario == NULL || conduit == NULL) {
        say(g, "FAIL: no test parameters in /chosen\n");
        g->mb.status = EL2_FAIL;
        return;
    }
    g->hmx = memcmp(scenario, "hmx", 4) == 0;
    say(g, "EL%lu, RAM %lx+%lx, device tree at %lx, role %c, peer dom%u, scenario %s\n",
        (unsigned long)(EL2_READ_SYSREG(CurrentEL) >> 2), (unsigned long)base,
        (unsigned long)size, (unsigned long)dtb, g->role == ROLE_A ? 'A' : 'B', g->peer, scenario);
    __asm__ volatile("msr daifclr, #2" ::: "memory"); /* notifications may come */
    rc = g->hmx ? run_hmx(g, m, conduit) : probe_none(g, m);
    __asm__ volatile("msr daifset, #2" ::: "memory");
    say(g, "%s (%lu checks)\n", rc == 0 && g->mb.failures == 0 ? "PASS" : "FAIL",
        (unsigned long)g->mb.fig[EL2_FIG_CHECKS]);
    g->mb.status = rc == 0 && g->mb.failures == 0 ? EL2_PASS : EL2_FAIL;
}
