/* SPDX-License-Identifier: MIT */
/*
 * The EL2 monitor: a minimal hypervisor that offers HMX to two EL1 domains
 * through libhmx's reference provider.
 *
 *  - builds each domain's device tree from QEMU's (its own /memory, the
 *    test's parameters in /chosen, and, unless the scenario says not to,
 *    the HMX node) with libfdt;
 *  - gives each domain its own stage-2 address space: the image's text
 *    read-only, its own 2 MiB of RAM read-write, nothing else;
 *  - traps hvc and smc (HCR_EL2.TSC), answers SMCCC discovery and serves
 *    the HMX function range with hmx_provider_smccc, guest memory being
 *    the identity map of the calling domain's RAM;
 *  - raises each provider signal as a virtual IRQ (HCR_EL2.VI) on the
 *    domain that registered a vector, lowered when the guest acknowledges;
 *  - time-slices the domains: the EL2 timer preempts every quantum, and a
 *    guest that waits (WFI, trapped by HCR_EL2.TWI) gives up the CPU until
 *    a notification arrives;
 *  - counts every trap, prints each guest's log lines, and gives the
 *    verdict on the serial line and in QEMU's exit status (semihosting).
 */
#include <libfdt.h>

#include "el2.h"
#include "hmx/mech.h"
#include "hmx/provider.h"
#include "hmx/smccc.h"

/* ---- declarations shared with start.S -------------------------------------- */

struct el2_frame {
    uint64_t x[31];
    uint64_t elr, spsr, sp_el0;
    uint64_t pad[2];
};
_Static_assert(sizeof(struct el2_frame) == 288, "start.S knows the frame as 288 bytes");

void monitor_main(void) __attribute__((noreturn));
void el2_handle(struct el2_frame *f, uint64_t kind);
void el2_self_fault(uint64_t kind) __attribute__((noreturn));
void el2_launch(const struct el2_frame *f) __attribute__((noreturn));
extern char guest_entry[];

/* ---- registers and bits ----------------------------------------------------- */

#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_IMO (1ull << 4)
#define HCR_VI (1ull << 7)
#define HCR_TWI (1ull << 13)
#define HCR_TSC (1ull << 19)
#define HCR_RW (1ull << 31)
#define HCR_BASE (HCR_RW | HCR_TSC | HCR_TWI | HCR_IMO | HCR_SWIO | HCR_VM)

#define EC_WFX 0x01u
#define EC_HVC64 0x16u
#define EC_SMC64 0x17u
#define EC_IABT_LOW 0x20u
#define EC_DABT_LOW 0x24u

/* Translation table descriptors, 4 KiB granule. */
#define PTE_BLOCK 0x1ull
#define PTE_TABLE 0x3ull
#define PTE_AF (1ull << 10)
#define PTE_SH_INNER (3ull << 8)
#define PTE_XN (1ull << 54)
#define PTE_ATTR(i) ((uint64_t)(i) << 2) /* stage 1: MAIR index */
#define S2_NORMAL (0xFull << 2)          /* stage 2: normal, write-back */
#define S2_RO (1ull << 6)
#define S2_RW (3ull << 6)

#define GICD_CTLR 0x000u
#define GICD_ISENABLER0 0x100u
#define GICD_IPRIORITYR 0x400u
#define GICC_CTLR 0x000u
#define GICC_PMR 0x004u
#define GICC_IAR 0x00Cu
#define GICC_EOIR 0x010u
#define INTID_HYP_TIMER 26u /* PPI 10: the EL2 physical timer */

#define SPSR_EL1H_MASKED 0x3C5ull

static inline void mmio_w32(uint64_t a, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)a = v;
}

static inline uint32_t mmio_r32(uint64_t a)
{
    return *(volatile uint32_t *)(uintptr_t)a;
}

/* EL1 state a context switch saves and restores (SP_EL0 is in the frame). */
#define EL1_SYSREGS(X)                                                                        \
    X(sctlr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1) X(amair_el1) X(vbar_el1)     \
    X(contextidr_el1) X(tpidr_el1) X(tpidr_el0) X(tpidrro_el0) X(sp_el1) X(elr_el1)            \
    X(spsr_el1) X(esr_el1) X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1) X(cpacr_el1)        \
    X(cntkctl_el1) X(csselr_el1) X(cntv_ctl_el0) X(cntv_cval_el0)

#define SYS_FIELD(r) uint64_t r;
struct el1_sys {
    EL1_SYSREGS(SYS_FIELD)
};

static void sys_save(struct el1_sys *s)
{
#define SYS_SAVE(r) s->r = EL2_READ_SYSREG(r);
    EL1_SYSREGS(SYS_SAVE)
}

static void sys_load(const struct el1_sys *s)
{
#define SYS_LOAD(r) EL2_WRITE_SYSREG(r, s->r);
    EL1_SYSREGS(SYS_LOAD)
    EL2_ISB();
}

/* ---- state --------------------------------------------------------------------- */

enum dom_state { DOM_RUN, DOM_BLOCKED, DOM_DONE };

struct counts {
    uint64_t hvc, smc;       /* trapped calls, by instruction */
    uint64_t smccc_version;  /* SMCCC_VERSION */
    uint64_t hmx_query;      /* HMX range: VERSION, FEATURES, UID, COUNT, REVISION */
    uint64_t hmx_op[27];     /* HMX_CALL by operation (0: unknown) */
    uint64_t ack, yield;     /* the harness's own functions */
    uint64_t unknown;        /* any other function ID: NOT_SUPPORTED */
    uint64_t wfi, wfi_blocked;
    uint64_t injected;       /* virtual IRQs raised */
    uint64_t sig_rx, sig_space, sig_novector;
    uint64_t preempted, entered;
};

struct dom {
    unsigned idx;
    hmx_domid_t id;
    uint64_t base, size;
    struct el2_mailbox *mb;
    struct el2_frame regs;
    struct el1_sys sys;
    uint64_t vttbr;
    enum dom_state state;
    int vi;
    uint32_t intid;
    char line[192];
    unsigned linelen;
    struct counts n;
};

struct scenario {
    int hmx_node;        /* put the HMX node in the domains' device trees */
    const char *name;    /* "hmx" or "nohmx" */
    const char *conduit; /* "hvc" or "smc" */
    uint32_t messages;
    uint32_t quantum_us;
};

static struct scenario sc = {1, "hmx", "hvc", 10000, 1000};
static struct dom doms[EL2_NDOMS];
static struct dom *cur;
static uint64_t quantum_ticks, t_start, switches;
static int exiting;

static struct hmx_provider prov;
static HMX_PROVIDER_STORAGE(slots, 4, 16);
static hmx_gfn_t gfn_scratch[16];
static uint64_t denials_by_op[4];
static const char *last_denial;

static uint64_t el2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l1[EL2_NDOMS][512] __attribute__((aligned(4096)));
static uint64_t s2_l2[EL2_NDOMS][512] __attribute__((aligned(4096)));

#define PRINT el2_uart_printf

/* ---- leaving QEMU ----------------------------------------------------------- */

static void __attribute__((noreturn)) machine_exit(uint32_t code)
{
    /* Semihosting SYS_EXIT: QEMU exits with code (run with -semihosting). */
    uint64_t block[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, code};
    register uint64_t x0 __asm__("x0") = 0x18;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;

    exiting = 1;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    /* Without semihosting: PSCI SYSTEM_OFF (exit status 0; the log tells). */
    x0 = 0x84000008u;
    __asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
    for (;;)
        __asm__ volatile("wfi");
}

static void __attribute__((noreturn, format(printf, 1, 2))) fatal(const char *fmt, ...)
{
    va_list ap;

    PRINT("el2: FATAL: ");
    va_start(ap, fmt);
    el2_vformat(el2_uart_putc, NULL, fmt, ap);
    va_end(ap);
    PRINT("\nel2: verdict: FAIL\n");
    machine_exit(1);
}

void el2_self_fault(uint64_t kind)
{
    if (exiting)
        machine_exit(1); /* hlt without semihosting: fall back to PSCI */
    exiting = 1;
    fatal("exception %lu at EL2: ESR %lx ELR %lx FAR %lx", (unsigned long)kind,
          (unsigned long)EL2_READ_SYSREG(esr_el2), (unsigned long)EL2_READ_SYSREG(elr_el2),
          (unsigned long)EL2_READ_SYSREG(far_el2));
}

/* ---- the guests' logs ----------------------------------------------------------- */

static void drain(struct dom *d)
{
    struct el2_mailbox *mb = d->mb;
    uint32_t head = mb->log_head, tail = mb->log_tail;

    if (head - tail > EL2_LOG_SIZE)
        tail = head - EL2_LOG_SIZE; /* a confused guest: keep the newest */
    while (tail != head) {
        char c = mb->log[tail % EL2_LOG_SIZE];

        tail++;
        if (c == '\n' || d->linelen == sizeof(d->line) - 1) {
            d->line[d->linelen] = '\0';
            PRINT("[dom%u] %s\n", d->id, d->line);
            d->linelen = 0;
            if (c == '\n')
                continue;
        }
        d->line[d->linelen++] = c;
    }
    mb->log_tail = tail;
}

/* ---- the provider's hooks: guest memory is the identity map of its RAM ------------- */

static struct dom *dom_by_id(hmx_domid_t id)
{
    for (unsigned i = 0; i < EL2_NDOMS; i++)
        if (doms[i].id == id)
            return &doms[i];
    return NULL;
}

static int in_ram(const struct dom *d, uint64_t addr, uint64_t len)
{
    return d != NULL && addr >= d->base && len <= d->size && addr - d->base <= d->size - len;
}

static int hook_map_ring(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                         void **va)
{
    const struct dom *d = dom_by_id(dom);

    (void)host;
    if (npages == 0)
        return HMX_EINVAL;
    for (uint32_t i = 0; i < npages; i++) {
        if (gfns[i] > (UINT64_MAX >> HMX_FRAME_SHIFT) ||
            !in_ram(d, gfns[i] << HMX_FRAME_SHIFT, HMX_FRAME_SIZE))
            return HMX_EFAULT;
        if (gfns[i] != gfns[0] + i)
            return HMX_EINVAL; /* identity map: only contiguous frames map together */
    }
    *va = (void *)(uintptr_t)(gfns[0] << HMX_FRAME_SHIFT);
    return 0;
}

static int hook_copy_from_guest(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len)
{
    (void)host;
    if (!in_ram(dom_by_id(dom), gaddr, len))
        return HMX_EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gaddr, len);
    return 0;
}

static int hook_copy_to_guest(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src, uint32_t len)
{
    (void)host;
    if (!in_ram(dom_by_id(dom), gaddr, len))
        return HMX_EFAULT;
    memcpy((void *)(uintptr_t)gaddr, src, len);
    return 0;
}

static int hook_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    (void)host;
    if (q->dst.port == EL2_DENY_PORT) {
        *reason = "the harness policy closes port 13";
        return HMX_EACCES;
    }
    return 0;
}

static void hook_audit(void *host, const struct hmx_policy_query *q, int verdict, const char *reason)
{
    (void)host;
    (void)verdict;
    if (q->op < 4)
        denials_by_op[q->op]++;
    last_denial = reason;
}

static void hook_signal(void *host, hmx_domid_t id, enum hmx_signal_kind why)
{
    struct dom *d = dom_by_id(id);
    uint32_t vector;

    (void)host;
    if (d == NULL)
        return;
    if (why == HMX_SIGNAL_RX)
        d->n.sig_rx++;
    else
        d->n.sig_space++;
    vector = hmx_provider_vector(&prov, id, 0);
    if (vector == 0) {
        d->n.sig_novector++; /* no vector registered: nothing to raise */
        return;
    }
    if (!d->vi) {
        d->vi = 1;
        d->intid = vector;
        d->n.injected++;
    }
    if (d->state == DOM_BLOCKED)
        d->state = DOM_RUN;
}

/* ---- scheduling ------------------------------------------------------------------ */

static void apply(const struct dom *d)
{
    EL2_WRITE_SYSREG(hcr_el2, HCR_BASE | (d->vi ? HCR_VI : 0));
    EL2_WRITE_SYSREG(vttbr_el2, d->vttbr);
    EL2_ISB();
}

static void __attribute__((noreturn)) finish(const char *why);

/* A domain whose mailbox says it finished is done, whatever it executes. */
static void reap(void)
{
    for (unsigned i = 0; i < EL2_NDOMS; i++) {
        struct dom *d = &doms[i];

        if (d->state != DOM_DONE && d->mb->status != EL2_RUNNING) {
            drain(d);
            d->state = DOM_DONE;
            d->vi = 0;
        }
    }
}

/* Run the next runnable domain after cur (cur itself last). */
static void schedule(struct el2_frame *f)
{
    struct dom *next = NULL;

    reap();
    for (unsigned i = 1; i <= EL2_NDOMS && next == NULL; i++) {
        struct dom *d = &doms[(cur->idx + i) % EL2_NDOMS];

        if (d->state == DOM_RUN)
            next = d;
    }
    if (next == NULL) {
        for (unsigned i = 0; i < EL2_NDOMS; i++)
            if (doms[i].state != DOM_DONE)
                finish("deadlock: every unfinished domain waits and no notification is pending");
        finish(NULL);
    }
    if (next != cur) {
        drain(cur);
        cur->regs = *f;
        sys_save(&cur->sys);
        cur = next;
        *f = cur->regs;
        sys_load(&cur->sys);
        cur->n.entered++;
        switches++;
    }
}

/* ---- serving calls ----------------------------------------------------------------- */

static uint32_t hmx_base = HMX_SMCCC_BASE_DEFAULT;

static void serve_smccc(struct dom *d, struct el2_frame *f)
{
    const uint32_t fid = (uint32_t)f->x[0];
    uint64_t in[18], out[4];
    unsigned i;

    if (fid == HMX_SMCCC_VERSION_FID) {
        /* QEMU's own PSCI would answer -1: the monitor is the SMCCC callee. */
        d->n.smccc_version++;
        f->x[0] = 0x10002; /* SMCCC 1.2 */
        return;
    }
    for (i = 0; i < 18; i++)
        in[i] = f->x[i];
    if (hmx_provider_smccc(&prov, d->id, hmx_base, in, out, gfn_scratch,
                           sizeof(gfn_scratch) / sizeof(gfn_scratch[0]))) {
        if ((fid & 0xFFu) == HMX_SMCCC_FN_CALL) {
            d->n.hmx_op[in[1] < 27 ? in[1] : 0]++;
        } else {
            d->n.hmx_query++;
        }
        for (i = 0; i < 4; i++)
            f->x[i] = out[i];
        return;
    }
    switch (fid) {
    case EL2_FN_ACK:
        d->n.ack++;
        f->x[0] = d->vi ? d->intid : EL2_INTID_SPURIOUS;
        d->vi = 0;
        return;
    case EL2_FN_YIELD:
        d->n.yield++;
        f->x[0] = 0;
        schedule(f);
        return;
    default:
        d->n.unknown++;
        f->x[0] = (uint64_t)(int64_t)HMX_SMCCC_NOT_SUPPORTED;
        return;
    }
}

static void serve_irq(struct el2_frame *f)
{
    uint32_t iar = mmio_r32(EL2_GICC + GICC_IAR), intid = iar & 0x3FFu;

    if (intid >= 1020)
        return; /* spurious */
    if (intid == INTID_HYP_TIMER)
        EL2_WRITE_SYSREG(cnthp_tval_el2, quantum_ticks);
    mmio_w32(EL2_GICC + GICC_EOIR, iar);
    if (intid == INTID_HYP_TIMER) {
        cur->n.preempted++;
        schedule(f);
    }
}

void el2_handle(struct el2_frame *f, uint64_t kind)
{
    struct dom *d = cur;
    uint64_t esr;

    if (kind == 1) {
        serve_irq(f);
        apply(cur);
        return;
    }
    esr = EL2_READ_SYSREG(esr_el2);
    switch ((uint32_t)(esr >> 26) & 0x3Fu) {
    case EC_HVC64:
        d->n.hvc++; /* ELR is past the hvc already */
        serve_smccc(d, f);
        break;
    case EC_SMC64:
        d->n.smc++;
        f->elr += 4; /* a trapped smc returns to itself */
        serve_smccc(d, f);
        break;
    case EC_WFX:
        f->elr += 4;
        if (esr & 1u)
            break; /* WFE: go on */
        d->n.wfi++;
        if (d->mb->status != EL2_RUNNING) {
            reap();
            schedule(f);
        } else if (!d->vi) {
            d->n.wfi_blocked++;
            d->state = DOM_BLOCKED;
            schedule(f);
        }
        break;
    case EC_DABT_LOW:
    case EC_IABT_LOW:
        drain(d);
        fatal("dom%u: stage-2 %s abort at IPA %lx (FAR %lx, ELR %lx, ESR %lx): outside its memory",
              d->id, (esr >> 26) == EC_DABT_LOW ? "data" : "instruction",
              (unsigned long)((EL2_READ_SYSREG(hpfar_el2) >> 4) << 12 |
                              (EL2_READ_SYSREG(far_el2) & 0xFFFu)),
              (unsigned long)EL2_READ_SYSREG(far_el2), (unsigned long)f->elr, (unsigned long)esr);
    default:
        drain(d);
        fatal("dom%u: unexpected trap, ESR %lx ELR %lx", d->id, (unsigned long)esr,
              (unsigned long)f->elr);
    }
    drain(cur);
    apply(cur);
}

/* ---- the verdict ---------------------------------------------------------------------- */

static int failed_checks;

static void __attribute__((format(printf, 2, 3))) verify(int ok, const char *fmt, ...)
{
    va_list ap;

    PRINT("el2: check %s: ", ok ? "ok    " : "FAILED");
    va_start(ap, fmt);
    el2_vformat(el2_uart_putc, NULL, fmt, ap);
    va_end(ap);
    PRINT("\n");
    if (!ok)
        failed_checks++;
}

static const char *const op_names[27] = {
    "?", "register", "unregister", "sendv", "notify", "?", "?", "?", "?",
    "?", "?", "?", "?", "?", "?", "?", "set_vector", "fw_set", "fw_list", "fw_add",
    "fw_del", "set_label", "implicit_set", "implicit_list", "sendv_batch", "async_setup",
    "async_doorbell",
};

static void report(void)
{
    uint64_t freq = EL2_READ_SYSREG(cntfrq_el0);
    uint64_t ms = (EL2_READ_SYSREG(cntpct_el0) - t_start) * 1000 / (freq ? freq : 1);

    PRINT("el2: ---- figures (scenario %s, conduit %s, %u messages each way) ----\n", sc.name,
          sc.conduit, sc.messages);
    PRINT("el2: guest time %lu ms, context switches %lu, quantum %u us\n", (unsigned long)ms,
          (unsigned long)switches, sc.quantum_us);
    for (unsigned i = 0; i < EL2_NDOMS; i++) {
        const struct dom *d = &doms[i];
        const struct counts *n = &d->n;
        const uint64_t *fg = d->mb->fig;

        PRINT("el2: dom%u: traps hvc %lu smc %lu | SMCCC_VERSION %lu, HMX discovery %lu, "
              "harness ack %lu yield %lu, unknown %lu\n",
              d->id, (unsigned long)n->hvc, (unsigned long)n->smc, (unsigned long)n->smccc_version,
              (unsigned long)n->hmx_query, (unsigned long)n->ack, (unsigned long)n->yield,
              (unsigned long)n->unknown);
        PRINT("el2: dom%u: HMX_CALL", d->id);
        for (unsigned op = 0; op < 27; op++)
            if (n->hmx_op[op] != 0)
                PRINT(" %s %lu", op_names[op], (unsigned long)n->hmx_op[op]);
        PRINT("\n");
        PRINT("el2: dom%u: wfi %lu (blocked %lu), preempted %lu, entered %lu, signals rx %lu "
              "space %lu (no vector %lu), vIRQs raised %lu\n",
              d->id, (unsigned long)n->wfi, (unsigned long)n->wfi_blocked,
              (unsigned long)n->preempted, (unsigned long)n->entered, (unsigned long)n->sig_rx,
              (unsigned long)n->sig_space, (unsigned long)n->sig_novector,
              (unsigned long)n->injected);
        PRINT("el2: dom%u: guest: sent %lu received %lu bytes %lu wraps %lu eagain %lu irqs %lu "
              "fill %lu max-msg %lu probe-traps %lu checks %lu failures %u log-dropped %u\n",
              d->id, (unsigned long)fg[EL2_FIG_SENT], (unsigned long)fg[EL2_FIG_RECEIVED],
              (unsigned long)fg[EL2_FIG_BYTES], (unsigned long)fg[EL2_FIG_WRAPS],
              (unsigned long)fg[EL2_FIG_EAGAIN], (unsigned long)fg[EL2_FIG_IRQS],
              (unsigned long)fg[EL2_FIG_FILL], (unsigned long)fg[EL2_FIG_MAXMSG],
              (unsigned long)fg[EL2_FIG_PROBE_TRAPS], (unsigned long)fg[EL2_FIG_CHECKS],
              d->mb->failures, d->mb->log_dropped);
    }
    PRINT("el2: policy denials %lu (register %lu, send %lu, query %lu), last: %s\n",
          (unsigned long)prov.denials, (unsigned long)denials_by_op[HMX_POLICY_REGISTER],
          (unsigned long)denials_by_op[HMX_POLICY_SEND], (unsigned long)denials_by_op[HMX_POLICY_QUERY],
          last_denial != NULL ? last_denial : "-");
}

static void __attribute__((noreturn)) finish(const char *why)
{
    uint64_t hvc = 0, smc = 0;
    int hvc_conduit = sc.conduit[0] == 'h';

    for (unsigned i = 0; i < EL2_NDOMS; i++)
        drain(&doms[i]);
    report();
    if (why != NULL) {
        PRINT("el2: %s\n", why);
        failed_checks++;
    }
    for (unsigned i = 0; i < EL2_NDOMS; i++) {
        const struct dom *d = &doms[i];
        const hmx_domid_t peer = d->id == 1 ? 2 : 1;
        struct hmx_ring_stats st;

        hvc += d->n.hvc;
        smc += d->n.smc;
        verify(d->mb->magic == EL2_MB_MAGIC && d->mb->status == EL2_PASS && d->mb->failures == 0,
               "dom%u reports PASS", d->id);
        verify(d->n.unknown == 0, "dom%u made no call outside HMX, SMCCC and the harness", d->id);
        if (sc.hmx_node) {
            verify(d->n.smccc_version + d->n.hmx_query == d->mb->fig[EL2_FIG_PROBE_TRAPS],
                   "dom%u: discovery traps counted here (%lu) = the probe's own count (%lu)", d->id,
                   (unsigned long)(d->n.smccc_version + d->n.hmx_query),
                   (unsigned long)d->mb->fig[EL2_FIG_PROBE_TRAPS]);
            verify(d->n.injected >= 1 && d->n.ack + 1 >= d->n.injected && d->n.ack <= d->n.injected,
                   "dom%u took its notifications as interrupts (%lu raised, %lu acknowledged)",
                   d->id, (unsigned long)d->n.injected, (unsigned long)d->n.ack);
            verify(d->n.sig_space >= 1, "dom%u was woken for space (%lu times)", d->id,
                   (unsigned long)d->n.sig_space);
            verify(hmx_provider_ring_stats(&prov, d->id, 100, peer, &st) == HMX_ENOENT &&
                       hmx_provider_ring_stats(&prov, d->id, 1, peer, &st) == HMX_ENOENT,
                   "dom%u's rings are all unregistered", d->id);
            verify(hmx_provider_vector(&prov, d->id, 0) == 0, "dom%u withdrew its vector", d->id);
            verify(d->n.hmx_op[HMX_OP_SENDV_BATCH] == d->mb->fig[EL2_FIG_BATCH_TRAPS] &&
                       d->n.hmx_op[HMX_OP_ASYNC_DOORBELL] == d->mb->fig[EL2_FIG_DOORBELLS],
                   "dom%u: sendv_batch and doorbell traps counted here (%lu, %lu) = the "
                   "guest's (%lu, %lu)",
                   d->id, (unsigned long)d->n.hmx_op[HMX_OP_SENDV_BATCH],
                   (unsigned long)d->n.hmx_op[HMX_OP_ASYNC_DOORBELL],
                   (unsigned long)d->mb->fig[EL2_FIG_BATCH_TRAPS],
                   (unsigned long)d->mb->fig[EL2_FIG_DOORBELLS]);
        } else {
            verify(d->n.hvc + d->n.smc == 0, "dom%u trapped no hvc and no smc (%lu)", d->id,
                   (unsigned long)(d->n.hvc + d->n.smc));
            verify(d->n.injected == 0, "dom%u got no interrupt", d->id);
        }
    }
    if (sc.hmx_node) {
        verify(hvc_conduit ? smc == 0 : hvc == 0, "every call came by %s", sc.conduit);
        verify(prov.denials >= 3 && denials_by_op[HMX_POLICY_REGISTER] >= 1 &&
                   denials_by_op[HMX_POLICY_SEND] >= 1 && denials_by_op[HMX_POLICY_QUERY] >= 1,
               "the policy hook denied register, send and query (%lu)",
               (unsigned long)prov.denials);
        verify(switches > 0, "the domains were time-sliced (%lu switches)", (unsigned long)switches);
        verify(doms[0].mb->fig[EL2_FIG_BATCH_SENT] > 0 &&
                   doms[0].mb->fig[EL2_FIG_BATCH_SENT] == doms[1].mb->fig[EL2_FIG_BATCH_RECEIVED],
               "batched and queued messages: %lu sent in %lu + %lu traps, %lu received and "
               "verified",
               (unsigned long)doms[0].mb->fig[EL2_FIG_BATCH_SENT],
               (unsigned long)doms[0].mb->fig[EL2_FIG_BATCH_TRAPS],
               (unsigned long)doms[0].mb->fig[EL2_FIG_DOORBELLS],
               (unsigned long)doms[1].mb->fig[EL2_FIG_BATCH_RECEIVED]);
    }
    PRINT("el2: hvc/smc traps: %lu hvc, %lu smc\n", (unsigned long)hvc, (unsigned long)smc);
    if (failed_checks == 0) {
        PRINT("el2: verdict: PASS\n");
        machine_exit(0);
    }
    PRINT("el2: verdict: FAIL (%d checks failed)\n", failed_checks);
    machine_exit(1);
}

/* ---- setup ------------------------------------------------------------------------------ */

static void mmu_el2_on(void)
{
    el2_l1[0] = 0x00000000ull | PTE_BLOCK | PTE_ATTR(0) | PTE_AF | PTE_XN; /* devices */
    el2_l1[1] = EL2_RAM_BASE | PTE_BLOCK | PTE_ATTR(1) | PTE_AF | PTE_SH_INNER;
    EL2_WRITE_SYSREG(mair_el2, 0xFF00ull); /* 0: Device-nGnRnE, 1: Normal write-back */
    EL2_WRITE_SYSREG(tcr_el2, (1ull << 31) | (1ull << 23) | (3ull << 12) | (1ull << 10) |
                                  (1ull << 8) | 32);
    EL2_WRITE_SYSREG(ttbr0_el2, (uint64_t)(uintptr_t)el2_l1);
    __asm__ volatile("dsb ish; tlbi alle2; dsb ish; isb" ::: "memory");
    EL2_WRITE_SYSREG(sctlr_el2, 0x30C50830ull | (1ull << 12) | (1ull << 2) | 1ull);
    EL2_ISB();
}

static uint32_t parse_u32(const char *s, uint32_t def)
{
    uint32_t v = 0;
    int digits = 0;

    for (; *s >= '0' && *s <= '9'; s++, digits++)
        v = v * 10 + (uint32_t)(*s - '0');
    return digits ? v : def;
}

static int word_is(const char *w, const char *name, const char **val)
{
    size_t n = 0;

    while (name[n] != '\0')
        n++;
    if (memcmp(w, name, n) != 0 || w[n] != '=')
        return 0;
    *val = w + n + 1;
    return 1;
}

/* QEMU's -append arrives as /chosen/bootargs: el2.scenario=hmx|nohmx,
 * el2.conduit=hvc|smc, el2.messages=N, el2.quantum_us=N. */
static void parse_bootargs(const void *dt)
{
    int off = fdt_path_offset(dt, "/chosen"), len = 0;
    const char *args = off >= 0 ? fdt_getprop(dt, off, "bootargs", &len) : NULL;
    const char *end = args != NULL ? args + len : NULL;

    for (const char *w = args; w != NULL && w < end && *w != '\0';) {
        const char *v;

        if (word_is(w, "el2.scenario", &v)) {
            if (memcmp(v, "nohmx", 5) == 0) {
                sc.name = "nohmx";
                sc.hmx_node = 0;
            }
        } else if (word_is(w, "el2.conduit", &v)) {
            if (memcmp(v, "smc", 3) == 0)
                sc.conduit = "smc";
        } else if (word_is(w, "el2.messages", &v)) {
            sc.messages = parse_u32(v, sc.messages);
        } else if (word_is(w, "el2.quantum_us", &v)) {
            sc.quantum_us = parse_u32(v, sc.quantum_us);
        }
        while (w < end && *w != ' ' && *w != '\0')
            w++;
        while (w < end && *w == ' ')
            w++;
    }
}

static void dt_check(struct dom *d, int rc, const char *what)
{
    if (rc < 0)
        fatal("dom%u device tree: %s: %s", d->id, what, fdt_strerror(rc));
}

static void build_dtb(struct dom *d, const struct dom *peer, const void *qemu_dt)
{
    void *dt = (void *)(uintptr_t)(d->base + EL2_DOM_DTB_OFF);
    fdt32_t reg[4], irq[3];
    char name[32];
    int off;

    dt_check(d, fdt_open_into(qemu_dt, dt, EL2_DOM_DTB_MAX), "open");
    /* Its own RAM, and nothing else. */
    off = fdt_node_offset_by_prop_value(dt, -1, "device_type", "memory", sizeof("memory"));
    dt_check(d, off, "no memory node");
    reg[0] = cpu_to_fdt32((uint32_t)(d->base >> 32));
    reg[1] = cpu_to_fdt32((uint32_t)d->base);
    reg[2] = cpu_to_fdt32((uint32_t)(d->size >> 32));
    reg[3] = cpu_to_fdt32((uint32_t)d->size);
    dt_check(d, fdt_setprop(dt, off, "reg", reg, sizeof(reg)), "memory reg");
    el2_snprintf(name, sizeof(name), "memory@%lx", (unsigned long)d->base);
    dt_check(d, fdt_set_name(dt, off, name), "memory name");
    /* The test's parameters. */
    off = fdt_path_offset(dt, "/chosen");
    if (off < 0)
        off = fdt_add_subnode(dt, 0, "chosen");
    dt_check(d, off, "chosen");
    dt_check(d, fdt_setprop_u32(dt, off, "libhmx-test,domain", d->id), "domain");
    dt_check(d, fdt_setprop_u32(dt, off, "libhmx-test,peer", peer->id), "peer");
    dt_check(d, fdt_setprop_u32(dt, off, "libhmx-test,messages", sc.messages), "messages");
    dt_check(d, fdt_setprop_string(dt, off, "libhmx-test,scenario", sc.name), "scenario");
    dt_check(d, fdt_setprop_string(dt, off, "libhmx-test,conduit", sc.conduit), "conduit");
    if (sc.hmx_node) {
        off = fdt_add_subnode(dt, 0, "hmx");
        dt_check(d, off, "hmx node");
        dt_check(d, fdt_setprop_string(dt, off, "compatible", HMX_DT_COMPATIBLE), "compatible");
        dt_check(d, fdt_setprop_string(dt, off, HMX_DT_PROP_CONDUIT, sc.conduit), "conduit");
        dt_check(d, fdt_setprop_u32(dt, off, HMX_DT_PROP_BASE, hmx_base), "function base");
        irq[0] = cpu_to_fdt32(EL2_HMX_IRQ_TYPE);
        irq[1] = cpu_to_fdt32(EL2_HMX_IRQ_NUM);
        irq[2] = cpu_to_fdt32(EL2_HMX_IRQ_FLAGS);
        dt_check(d, fdt_setprop(dt, off, "interrupts", irq, sizeof(irq)), "interrupts");
    }
    dt_check(d, fdt_pack(dt), "pack");
}

static void build_stage2(struct dom *d)
{
    uint64_t *l1 = s2_l1[d->idx], *l2 = s2_l2[d->idx];

    /* Nothing below 1 GiB (no devices); in RAM, the image's text read-only
     * and executable, the domain's own RAM read-write and not executable. */
    l1[1] = (uint64_t)(uintptr_t)l2 | PTE_TABLE;
    l2[(EL2_TEXT_BASE - EL2_RAM_BASE) / EL2_BLOCK] =
        EL2_TEXT_BASE | PTE_BLOCK | PTE_AF | PTE_SH_INNER | S2_NORMAL | S2_RO;
    l2[(d->base - EL2_RAM_BASE) / EL2_BLOCK] =
        d->base | PTE_BLOCK | PTE_AF | PTE_SH_INNER | S2_NORMAL | S2_RW | PTE_XN;
    d->vttbr = (uint64_t)(uintptr_t)l1 | ((uint64_t)(d->idx + 1) << 48);
}

void monitor_main(void)
{
    const void *qemu_dt = (const void *)(uintptr_t)EL2_QEMU_DTB;
    static const struct hmx_provider_hooks hooks = {
        .host = NULL,
        .map_ring = hook_map_ring,
        .copy_from_guest = hook_copy_from_guest,
        .copy_to_guest = hook_copy_to_guest,
        .policy = hook_policy,
        .audit = hook_audit,
        .signal = hook_signal,
    };
    int rc;

    mmu_el2_on();
    PRINT("\nel2: libhmx EL2 monitor, CurrentEL %lu\n",
          (unsigned long)(EL2_READ_SYSREG(CurrentEL) >> 2));
    if (fdt_check_header(qemu_dt) != 0 || fdt_totalsize(qemu_dt) > EL2_QEMU_DTB_MAX)
        fatal("no device tree from QEMU at %lx", (unsigned long)EL2_QEMU_DTB);
    /* QEMU's blob claims its whole 1 MiB: pack it so that copies fit. */
    rc = fdt_pack((void *)(uintptr_t)EL2_QEMU_DTB);
    if (rc != 0)
        fatal("fdt_pack: %s", fdt_strerror(rc));
    parse_bootargs(qemu_dt);
    PRINT("el2: scenario %s, conduit %s, %u messages each way, quantum %u us\n", sc.name,
          sc.conduit, sc.messages, sc.quantum_us);

    /* This monitor delivers registered vectors (HCR_EL2.VI): say so, and
     * HMX_FEATURES offers HMX_FEAT_VECTOR to the guests. */
    rc = hmx_provider_init(&prov, &hooks, slots_domains, 4, slots_rings, 16, HMX_PROVIDER_VECTORS);
    if (rc != 0)
        fatal("hmx_provider_init: %d", rc);
    for (unsigned i = 0; i < EL2_NDOMS; i++) {
        struct dom *d = &doms[i];

        d->idx = i;
        d->id = (hmx_domid_t)(i + 1);
        d->base = EL2_DOM_BASE(i);
        d->size = EL2_DOM_SIZE;
        d->mb = (struct el2_mailbox *)(uintptr_t)d->base;
        memset((void *)(uintptr_t)d->base, 0, d->size);
        d->mb->magic = EL2_MB_MAGIC;
        rc = hmx_provider_domain_add(&prov, d->id, 0);
        if (rc != 0)
            fatal("hmx_provider_domain_add(%u): %d", d->id, rc);
    }
    for (unsigned i = 0; i < EL2_NDOMS; i++) {
        struct dom *d = &doms[i];

        build_dtb(d, &doms[(i + 1) % EL2_NDOMS], qemu_dt);
        build_stage2(d);
        d->regs.x[0] = d->base + EL2_DOM_DTB_OFF;
        d->regs.x[1] = EL2_DOM_DTB_MAX;
        d->regs.x[2] = d->base;
        d->regs.x[3] = d->size;
        d->regs.elr = (uint64_t)(uintptr_t)guest_entry;
        d->regs.spsr = SPSR_EL1H_MASKED;
        d->sys.sctlr_el1 = 0x30D00800ull; /* RES1 bits; MMU off */
        d->state = DOM_RUN;
    }

    /* EL2 configuration. */
    EL2_WRITE_SYSREG(vtcr_el2, (1ull << 31) | (3ull << 12) | (1ull << 10) | (1ull << 8) |
                                   (1ull << 6) | 32);
    EL2_WRITE_SYSREG(cptr_el2, 0x33FFull);
    EL2_WRITE_SYSREG(cnthctl_el2, 3ull);
    EL2_WRITE_SYSREG(cntvoff_el2, 0ull);
    EL2_WRITE_SYSREG(vpidr_el2, EL2_READ_SYSREG(midr_el1));
    EL2_WRITE_SYSREG(vmpidr_el2, EL2_READ_SYSREG(mpidr_el1));
    __asm__ volatile("dsb ish; tlbi alle1; dsb ish; isb" ::: "memory");

    /* The preemption timer: the EL2 physical timer through the GICv2. */
    mmio_w32(EL2_GICD + GICD_CTLR, 1);
    *(volatile uint8_t *)(uintptr_t)(EL2_GICD + GICD_IPRIORITYR + INTID_HYP_TIMER) = 0x80;
    mmio_w32(EL2_GICD + GICD_ISENABLER0, 1u << INTID_HYP_TIMER);
    mmio_w32(EL2_GICC + GICC_PMR, 0xF0);
    mmio_w32(EL2_GICC + GICC_CTLR, 1);
    quantum_ticks = EL2_READ_SYSREG(cntfrq_el0) / 1000000u * sc.quantum_us;
    if (quantum_ticks == 0)
        quantum_ticks = 1;
    EL2_WRITE_SYSREG(cnthp_tval_el2, quantum_ticks);
    EL2_WRITE_SYSREG(cnthp_ctl_el2, 1ull);

    cur = &doms[0];
    cur->n.entered++;
    sys_load(&cur->sys);
    apply(cur);
    t_start = EL2_READ_SYSREG(cntpct_el0);
    el2_launch(&cur->regs);
}
