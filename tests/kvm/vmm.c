/* SPDX-License-Identifier: MIT */
/*
 * hmx-kvm-vmm: a small VMM on /dev/kvm that runs two freestanding guests as
 * HMX domains 1 and 2, and serves their HMX calls with libhmx's reference
 * provider over the MSR mechanism.
 *
 *   - Each domain is one VM with its own memory and one vCPU thread, started
 *     in 64-bit long mode (identity-mapped first 4 GiB, flat GDT).
 *   - Guest CPUID: KVM's supported leaves with the hypervisor bit, KVM's
 *     signature at 0x40000000, and the HMX discovery block at 0x40000100
 *     offering the MSR mechanism and the provider's features: the vector,
 *     the firewall, implicit destinations and discovery.
 *   - A WRMSR to the call register exits to user space (MSR filter); the VMM
 *     reads the 64-byte call block, calls hmx_provider_call under one lock,
 *     stores ret and resumes the guest.  Exits are counted per operation.
 *   - The provider's signal hook delivers the vector a domain registered as
 *     an MSI through the in-kernel irqchip.
 *   - I/O ports (kvm_abi.h) carry the guests' text, verdict, report,
 *     barriers, timestamps and benchmark rows.
 *
 * Exit status: 0 when every guest passed and the VMM's accounting agrees
 * with theirs; 1 on any failure or timeout; 77 when KVM is unavailable; 2 on
 * a usage error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hmx/mech.h"
#include "hmx/policy.h"
#include "hmx/provider.h"
#include "kvm_abi.h"
#include "vmm_v4v.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_SKIP 77

#define NVMS 2
#define MAX_MARKS 256
#define MAX_ROWS 32
#define GFN_SCRATCH HMX_RING_NPAGES(HMX_RING_MAX_LEN)
#define PROBE_TRAP_BUDGET (1u + 256u + 3u) /* no Xen: leaf 1, the scan, the HMX block */
/* v4v: leaf 1, the scan, Xen's +1 and +2, the page's WRMSR, four hypercalls */
#define PROBE_TRAP_BUDGET_V4V (1u + 256u + 3u + 4u)

struct mark {
    uint64_t ns;
    uint64_t exits;
};

struct vm {
    hmx_domid_t domid;
    int fd;
    int vcpu;
    uint8_t *mem;
    uint64_t mem_size;
    struct kvm_run *run;
    uint64_t entry;
    uint64_t image_end;
    pthread_t thread;

    /* Written by this VM's vCPU thread only. */
    uint64_t exits;                  /* every exit to user space */
    uint64_t call_exits[KVM_OPS];    /* WRMSR of the call register, by op */
    uint64_t call_exits_other;       /* an op >= KVM_OPS, or a bad block */
    uint64_t v4v_probe_exits;        /* v4v: the probe's unknown cmd */
    uint64_t v4v_foreign_exits;      /* v4v: hypercalls of another number */
    uint64_t hcpage_exits;           /* v4v: WRMSR installing the hypercall page */
    uint64_t null_exits;             /* WRMSR of KVM_MSR_NULL */
    uint64_t io_exits;
    uint64_t steps;                  /* single-stepped instructions */
    uint32_t last_steps;
    int stepping;
    uint32_t csel;
    char line[1024];
    size_t linelen;
    struct kvm_report report;
    int have_report;
    struct mark marks[MAX_MARKS];
    uint32_t nmarks;
    hmx_gfn_t scratch[GFN_SCRATCH];

    /* Under g.prov_lock (written by whichever thread signals). */
    uint64_t signals[3];             /* by enum hmx_signal_kind */
    uint64_t msis;
    uint64_t msis_blocked;

    /* Under g.lock. */
    int done;
    uint32_t verdict;

    /* The asynchronous region's drainer thread (KVM_PORT_POLL), under dlock. */
    pthread_mutex_t dlock;
    pthread_cond_t dcond;
    pthread_t drainer;
    int drainer_started;
    int poll;      /* doorbells go to the drainer, which polls */
    int rung;      /* a doorbell the drainer has not seen */
    int draining;  /* the drainer is in a polling period */
    uint64_t periods, polled; /* polling periods, submissions they took */
};

/* How long the drainer keeps polling a dry region before it goes idle. */
#define POLL_LINGER_NS 20000000ull

#define MAX_CHUNKS 16

struct row {
    struct kvm_bench_row r;
    hmx_domid_t domid;
    uint32_t chunks;
    uint64_t chunk_ns[MAX_CHUNKS]; /* sorted */
    uint64_t exits;
};

static struct {
    int kvm;
    size_t run_size;
    struct kvm_cpuid2 *cpuid;
    uint64_t mem_size;
    uint32_t scenario;
    uint64_t arg;
    unsigned timeout_s;
    int quiet;
    struct vm vms[NVMS];

    pthread_mutex_t prov_lock; /* serialises every provider call */
    struct hmx_provider prov;
    uint64_t denials;          /* audit hook calls, under prov_lock */
    uint32_t audit_rule, audit_line; /* the last firewall denial, under prov_lock */

    pthread_mutex_t lock;      /* run state, barriers, rows */
    pthread_cond_t cond;       /* main waits for the end */
    pthread_cond_t bar_cond;
    uint32_t bar_arrived, bar_gen, bar_id;
    int failed;
    char why[512];
    struct row rows[MAX_ROWS];
    uint32_t nrows;

    pthread_mutex_t out_lock;  /* stdout lines */
    struct timespec t0;
} g = {
    .prov_lock = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .out_lock = PTHREAD_MUTEX_INITIALIZER,
};

static HMX_PROVIDER_STORAGE(slots, NVMS, 64);

static const char *const scenario_names[] = {
    [KVM_SC_BASIC] = "basic", [KVM_SC_ERRORS] = "errors", [KVM_SC_BULK] = "bulk",
    [KVM_SC_TRAPS] = "traps", [KVM_SC_BENCH] = "bench", [KVM_SC_POLICY] = "policy",
    [KVM_SC_BATCH] = "batch",
    [KVM_SC_V4V_OPENXT] = "v4v-openxt", [KVM_SC_V4V_UXEN] = "v4v-uxen",
};

static const char *op_name(uint32_t op)
{
    switch (op) {
    case HMX_OP_REGISTER_RING:
        return "register_ring";
    case HMX_OP_UNREGISTER_RING:
        return "unregister_ring";
    case HMX_OP_SENDV:
        return "sendv";
    case HMX_OP_NOTIFY:
        return "notify";
    case HMX_OP_SET_VECTOR:
        return "set_vector";
    case HMX_OP_FW_SET:
        return "fw_set";
    case HMX_OP_FW_LIST:
        return "fw_list";
    case HMX_OP_FW_ADD:
        return "fw_add";
    case HMX_OP_FW_DEL:
        return "fw_del";
    case HMX_OP_SET_LABEL:
        return "set_label";
    case HMX_OP_IMPLICIT_SET:
        return "implicit_set";
    case HMX_OP_IMPLICIT_LIST:
        return "implicit_list";
    case HMX_OP_SENDV_BATCH:
        return "sendv_batch";
    case HMX_OP_ASYNC_SETUP:
        return "async_setup";
    case HMX_OP_ASYNC_DOORBELL:
        return "async_doorbell";
    default:
        return "(unknown)";
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- output and failure ------------------------------------------------ */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&g.out_lock);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
    pthread_mutex_unlock(&g.out_lock);
}

/* Record the first failure and wake the main thread. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&g.lock);
    if (!g.failed) {
        va_start(ap, fmt);
        vsnprintf(g.why, sizeof(g.why), fmt, ap);
        va_end(ap);
        g.failed = 1;
    }
    pthread_cond_broadcast(&g.cond);
    pthread_cond_broadcast(&g.bar_cond);
    pthread_mutex_unlock(&g.lock);
}

/* Setup could not get KVM to do what the harness needs: not a test failure. */
static void skip(const char *what) __attribute__((noreturn));
static void skip(const char *what)
{
    printf("SKIP: %s: %s\n", what, strerror(errno));
    exit(EXIT_SKIP);
}

static void skipx(const char *what) __attribute__((noreturn));
static void skipx(const char *what)
{
    printf("SKIP: %s\n", what);
    exit(EXIT_SKIP);
}

/* ---- guest memory ------------------------------------------------------ */

static struct vm *vm_of(hmx_domid_t dom)
{
    unsigned i;

    for (i = 0; i < NVMS; i++)
        if (g.vms[i].domid == dom)
            return &g.vms[i];
    return NULL;
}

static int in_guest(const struct vm *vm, uint64_t gaddr, uint64_t len)
{
    return vm != NULL && len <= vm->mem_size && gaddr <= vm->mem_size - len;
}

/* ---- provider hooks ---------------------------------------------------- */

static int hook_map_ring(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                         void **va)
{
    struct vm *vm = vm_of(dom);
    uint32_t i;

    (void)host;
    if (vm == NULL || npages == 0)
        return HMX_EINVAL;
    for (i = 1; i < npages; i++)
        if (gfns[i] != gfns[0] + i)
            return HMX_EINVAL; /* this VMM maps only contiguous rings */
    if (gfns[0] > (vm->mem_size >> 12) || npages > (vm->mem_size >> 12) - gfns[0])
        return HMX_EFAULT;
    *va = vm->mem + (gfns[0] << 12);
    return 0;
}

static int hook_copy_from_guest(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr,
                                uint32_t len)
{
    struct vm *vm = vm_of(dom);

    (void)host;
    if (!in_guest(vm, gaddr, len))
        return HMX_EFAULT;
    memcpy(dst, vm->mem + gaddr, len);
    return 0;
}

static int hook_copy_to_guest(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src,
                              uint32_t len)
{
    struct vm *vm = vm_of(dom);

    (void)host;
    if (!in_guest(vm, gaddr, len))
        return HMX_EFAULT;
    memcpy(vm->mem + gaddr, src, len);
    return 0;
}

static int hook_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    (void)host;
    if (q->op == HMX_POLICY_SEND && q->dst.port == KVM_DENIED_PORT) {
        *reason = "the harness policy closes port 666 to every sender";
        return HMX_EACCES;
    }
    return 0;
}

static void hook_audit(void *host, const struct hmx_policy_query *q, int verdict,
                       const char *reason)
{
    (void)host;
    g.denials++;
    say("vmm | audit: domain %u, %s %u:%u -> %u:%u: %s (%s)\n", q->caller,
        q->op == HMX_POLICY_SEND ? "send" : q->op == HMX_POLICY_REGISTER ? "register" : "query",
        q->src.domain, q->src.port, q->dst.domain, q->dst.port, reason,
        verdict == HMX_EACCES ? "EACCES" : "denied");
    if (q->denied_by == HMX_DENIED_BY_FIREWALL) {
        g.audit_rule = q->rule;
        g.audit_line = q->line;
        if (q->rule == HMX_FW_RULE_DEFAULT)
            say("vmm | audit: decided by the firewall's default\n");
        else
            say("vmm | audit: decided by firewall rule %u, line %u of the VMM's rule text\n",
                q->rule, q->line);
    }
}

static void hook_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    struct vm *vm = vm_of(dom);
    uint32_t vector = hmx_provider_vector(&g.prov, dom, 0);
    struct kvm_msi msi;
    int rc;

    (void)host;
    if (vm != NULL && (unsigned)why < 3)
        vm->signals[why]++;
    if (vm == NULL || vector < 32 || vector > 255)
        return; /* no vector (or one an x86 MSI cannot carry): nothing to raise */
    memset(&msi, 0, sizeof(msi));
    msi.address_lo = KVM_GUEST_LAPIC; /* destination APIC 0, physical */
    msi.data = vector;                /* fixed delivery, edge */
    rc = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
    if (rc > 0)
        vm->msis++;
    else if (rc == 0)
        vm->msis_blocked++;
    else
        fail("dom%u: KVM_SIGNAL_MSI: %s", dom, strerror(errno));
}

/* ---- exits --------------------------------------------------------------- */

/*
 * The drainer: a host CPU of its own for one domain's asynchronous region
 * (spec 19.5).  A doorbell starts a polling period; while it lasts the
 * region reads "draining" and the guest queues with no exit at all.  The
 * period ends after POLL_LINGER_NS without work, or when the guest turns
 * polling off, with the doorbell's path: idle, and one more look.
 */
static void poll_period(struct vm *vm)
{
    uint64_t last = now_ns();
    int rc, stop;

    for (;;) {
        pthread_mutex_lock(&vm->dlock);
        stop = !vm->poll;
        pthread_mutex_unlock(&vm->dlock);
        pthread_mutex_lock(&g.prov_lock);
        if (stop || now_ns() - last > POLL_LINGER_NS)
            rc = hmx_provider_async_doorbell(&g.prov, vm->domid);
        else
            rc = hmx_provider_async_poll(&g.prov, vm->domid);
        pthread_mutex_unlock(&g.prov_lock);
        if (rc == HMX_ENOENT)
            return; /* the region was withdrawn */
        if (rc < 0) {
            fail("dom%u: the drainer: %s", vm->domid, hmx_strerror(rc));
            return;
        }
        pthread_mutex_lock(&vm->dlock);
        vm->polled += (uint64_t)rc;
        pthread_mutex_unlock(&vm->dlock);
        if (rc > 0) {
            last = now_ns();
            continue;
        }
        if (stop || now_ns() - last > POLL_LINGER_NS)
            return; /* that was the doorbell's path: the region is idle */
        usleep(100);
    }
}

static void *drainer_thread(void *arg)
{
    struct vm *vm = arg;

    pthread_mutex_lock(&vm->dlock);
    for (;;) {
        while (!vm->rung)
            pthread_cond_wait(&vm->dcond, &vm->dlock);
        vm->rung = 0;
        vm->draining = 1;
        vm->periods++;
        pthread_mutex_unlock(&vm->dlock);
        poll_period(vm);
        pthread_mutex_lock(&vm->dlock);
        vm->draining = 0;
        pthread_cond_broadcast(&vm->dcond);
    }
    return NULL;
}

/* KVM_PORT_POLL: 1 starts handing doorbells to the drainer; 0 stops, and
 * returns once the drainer has left the region idle. */
static int set_poll(struct vm *vm, uint32_t on)
{
    pthread_mutex_lock(&vm->dlock);
    if (on && !vm->drainer_started) {
        if (pthread_create(&vm->drainer, NULL, drainer_thread, vm) != 0) {
            pthread_mutex_unlock(&vm->dlock);
            fail("dom%u: cannot start the drainer", vm->domid);
            return 1;
        }
        pthread_detach(vm->drainer);
        vm->drainer_started = 1;
    }
    vm->poll = on != 0;
    if (!on && vm->drainer_started) {
        vm->rung = 1; /* a last period: the doorbell's path */
        pthread_cond_broadcast(&vm->dcond);
        while (vm->rung || vm->draining)
            pthread_cond_wait(&vm->dcond, &vm->dlock);
    }
    pthread_mutex_unlock(&vm->dlock);
    return 0;
}

/* A doorbell while the drainer is in charge: wake it, answer 0 at once. */
static int ring_drainer(struct vm *vm)
{
    int handed = 0;

    pthread_mutex_lock(&vm->dlock);
    if (vm->poll) {
        vm->rung = 1;
        pthread_cond_broadcast(&vm->dcond);
        handed = 1;
    }
    pthread_mutex_unlock(&vm->dlock);
    return handed;
}

static void handle_call(struct vm *vm, uint64_t gpa)
{
    struct hmx_call_block blk;
    int64_t ret;

    if ((gpa & 63u) != 0 || !in_guest(vm, gpa, sizeof(blk))) {
        /* No operation and no write (spec 12.1); the WRMSR faults. */
        vm->call_exits_other++;
        vm->run->msr.error = 1;
        return;
    }
    memcpy(&blk, vm->mem + gpa, sizeof(blk));
    if (blk.op < KVM_OPS)
        vm->call_exits[blk.op]++;
    else
        vm->call_exits_other++;
    if (blk.flags != 0 || blk.reserved[0] != 0 || blk.reserved[1] != 0) {
        ret = HMX_EINVAL;
    } else if (blk.op == HMX_OP_ASYNC_DOORBELL && blk.arg[0] == 0 && blk.arg[1] == 0 &&
               blk.arg[2] == 0 && blk.arg[3] == 0 && ring_drainer(vm)) {
        ret = 0; /* the drainer takes the submissions, on its own CPU */
    } else {
        pthread_mutex_lock(&g.prov_lock);
        ret = hmx_provider_call(&g.prov, vm->domid, blk.op, blk.arg, vm->scratch, GFN_SCRATCH);
        pthread_mutex_unlock(&g.prov_lock);
    }
    memcpy(vm->mem + gpa + offsetof(struct hmx_call_block, ret), &ret, sizeof(ret));
    vm->run->msr.error = 0;
}

static void flush_line(struct vm *vm)
{
    vm->line[vm->linelen] = 0;
    if (!g.quiet)
        say("dom%u| %s\n", vm->domid, vm->line);
    vm->linelen = 0;
}

/* A NUL-terminated string at gpa (at most 4 KiB): whole lines are printed
 * with the domain's prefix, a partial one waits for the rest. */
static void guest_print(struct vm *vm, uint32_t gpa)
{
    uint64_t i;

    for (i = gpa; i < vm->mem_size && i < (uint64_t)gpa + 4096u && vm->mem[i] != 0; i++) {
        char c = (char)vm->mem[i];

        if (c == '\n') {
            flush_line(vm);
            continue;
        }
        if (vm->linelen == sizeof(vm->line) - 1)
            flush_line(vm);
        vm->line[vm->linelen++] = c;
    }
}

static uint64_t counter(struct vm *vm, uint32_t sel)
{
    uint64_t v = 0;

    switch (sel) {
    case KVM_CTR_DENIALS:
        pthread_mutex_lock(&g.prov_lock);
        v = g.denials;
        pthread_mutex_unlock(&g.prov_lock);
        return v;
    case KVM_CTR_MSIS:
        pthread_mutex_lock(&g.prov_lock);
        v = vm->msis;
        pthread_mutex_unlock(&g.prov_lock);
        return v;
    case KVM_CTR_AUDIT_RULE:
    case KVM_CTR_AUDIT_LINE:
        pthread_mutex_lock(&g.prov_lock);
        v = sel == KVM_CTR_AUDIT_RULE ? g.audit_rule : g.audit_line;
        pthread_mutex_unlock(&g.prov_lock);
        return v;
    case KVM_CTR_EXITS:
        return vm->exits;
    case KVM_CTR_CALL_EXITS: {
        unsigned i;

        for (i = 0; i < KVM_OPS; i++)
            v += vm->call_exits[i];
        return v + vm->call_exits_other;
    }
    default:
        if (sel >= KVM_CTR_EXITS_OP(0) && sel < KVM_CTR_EXITS_OP(KVM_OPS))
            return vm->call_exits[sel - KVM_CTR_EXITS_OP(0)];
        return 0;
    }
}

/* Every domain waits here until all have arrived at barrier id. */
static int barrier(struct vm *vm, uint32_t id)
{
    unsigned i;
    int rc = 0;

    pthread_mutex_lock(&g.lock);
    for (i = 0; i < NVMS; i++)
        if (g.vms[i].done && !g.failed) {
            g.failed = 1;
            snprintf(g.why, sizeof(g.why), "dom%u at barrier %u, but dom%u has exited",
                     vm->domid, id, g.vms[i].domid);
            pthread_cond_broadcast(&g.cond);
        }
    if (g.bar_arrived == 0)
        g.bar_id = id;
    if (!g.failed && id != g.bar_id) {
        g.failed = 1;
        snprintf(g.why, sizeof(g.why), "dom%u at barrier %u while others wait at %u", vm->domid,
                 id, g.bar_id);
        pthread_cond_broadcast(&g.cond);
    }
    if (!g.failed && ++g.bar_arrived == NVMS) {
        g.bar_arrived = 0;
        g.bar_gen++;
        pthread_cond_broadcast(&g.bar_cond);
    } else {
        uint32_t gen = g.bar_gen;

        while (gen == g.bar_gen && !g.failed)
            pthread_cond_wait(&g.bar_cond, &g.lock);
    }
    rc = g.failed ? -1 : 0;
    pthread_mutex_unlock(&g.lock);
    return rc;
}

static void record_row(struct vm *vm, uint32_t gpa)
{
    struct row row;
    uint32_t i, j;

    if (!in_guest(vm, gpa, sizeof(row.r))) {
        fail("dom%u: benchmark row outside memory", vm->domid);
        return;
    }
    memcpy(&row.r, vm->mem + gpa, sizeof(row.r));
    row.r.name[sizeof(row.r.name) - 1] = 0;
    if (row.r.mark_begin >= row.r.mark_end || row.r.mark_end >= vm->nmarks ||
        row.r.mark_end - row.r.mark_begin > MAX_CHUNKS || row.r.iters == 0 ||
        row.r.iters % (row.r.mark_end - row.r.mark_begin) != 0) {
        fail("dom%u: benchmark row '%s' with bad marks", vm->domid, row.r.name);
        return;
    }
    row.domid = vm->domid;
    row.chunks = row.r.mark_end - row.r.mark_begin;
    for (i = 0; i < row.chunks; i++) {
        const struct mark *m = &vm->marks[row.r.mark_begin + i];
        uint64_t ns = m[1].ns - m[0].ns;

        for (j = i; j > 0 && row.chunk_ns[j - 1] > ns; j--)
            row.chunk_ns[j] = row.chunk_ns[j - 1];
        row.chunk_ns[j] = ns;
    }
    /* Exits between the marks, less the marks' own (each snapshot counts
     * its own exit). */
    row.exits = vm->marks[row.r.mark_end].exits - vm->marks[row.r.mark_begin].exits - row.chunks;
    pthread_mutex_lock(&g.lock);
    if (g.nrows < MAX_ROWS)
        g.rows[g.nrows++] = row;
    pthread_mutex_unlock(&g.lock);
}

/* Count the guest's instructions: every one exits with KVM_EXIT_DEBUG. */
static int single_step(struct vm *vm, int on)
{
    struct kvm_guest_debug dbg;

    memset(&dbg, 0, sizeof(dbg));
    if (on)
        dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
    if (ioctl(vm->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
        fail("dom%u: KVM_SET_GUEST_DEBUG: %s", vm->domid, strerror(errno));
        return 1;
    }
    if (!on)
        vm->last_steps = (uint32_t)vm->steps;
    vm->steps = 0;
    vm->stepping = on;
    return 0;
}

/* Returns 1 when the VM is finished (verdict given, or failed). */
static int handle_io(struct vm *vm)
{
    struct kvm_run *run = vm->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint32_t v = 0;

    vm->io_exits++;
    if (run->io.size != 4 || run->io.count != 1) {
        fail("dom%u: unexpected %s of %u x %u bytes at port %#x", vm->domid,
             run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.count, run->io.size,
             run->io.port);
        return 1;
    }
    if (run->io.direction == KVM_EXIT_IO_OUT)
        memcpy(&v, data, 4);
    switch (run->io.port) {
    case KVM_PORT_PRINT:
        guest_print(vm, v);
        return 0;
    case KVM_PORT_EXIT:
        if (vm->linelen > 0)
            flush_line(vm);
        pthread_mutex_lock(&g.lock);
        vm->verdict = v;
        vm->done = 1;
        if (v != 0 && !g.failed) {
            g.failed = 1;
            snprintf(g.why, sizeof(g.why), "dom%u reported failure (verdict %u)", vm->domid, v);
        }
        if (g.bar_arrived > 0 && !g.failed) {
            g.failed = 1;
            snprintf(g.why, sizeof(g.why), "dom%u exited while others wait at barrier %u",
                     vm->domid, g.bar_id);
        }
        pthread_cond_broadcast(&g.cond);
        pthread_cond_broadcast(&g.bar_cond);
        pthread_mutex_unlock(&g.lock);
        return 1;
    case KVM_PORT_CSEL:
        vm->csel = v;
        return 0;
    case KVM_PORT_CVAL:
        v = (uint32_t)counter(vm, vm->csel);
        memcpy(data, &v, 4);
        return 0;
    case KVM_PORT_REPORT:
        if (!in_guest(vm, v, sizeof(vm->report))) {
            fail("dom%u: report outside memory", vm->domid);
            return 1;
        }
        memcpy(&vm->report, vm->mem + v, sizeof(vm->report));
        vm->have_report = vm->report.magic == KVM_REPORT_MAGIC;
        return 0;
    case KVM_PORT_BARRIER:
        return barrier(vm, v) < 0;
    case KVM_PORT_MARK:
        if (vm->nmarks == MAX_MARKS) {
            fail("dom%u: too many timestamps", vm->domid);
            return 1;
        }
        vm->marks[vm->nmarks].ns = now_ns();
        vm->marks[vm->nmarks].exits = vm->exits;
        v = vm->nmarks++;
        memcpy(data, &v, 4);
        return 0;
    case KVM_PORT_BENCH:
        record_row(vm, v);
        return 0;
    case KVM_PORT_V4V: {
        uint32_t op = 0;
        int kind;

        if (kvm_v4v_dialect(g.scenario) == 0 || run->io.direction != KVM_EXIT_IO_OUT) {
            fail("dom%u: v4v call outside a v4v scenario", vm->domid);
            return 1;
        }
        pthread_mutex_lock(&g.prov_lock);
        kind = kvm_v4v_serve(&g.prov, g.scenario, vm->domid, vm->mem, vm->mem_size, v,
                             vm->scratch, GFN_SCRATCH, &op);
        pthread_mutex_unlock(&g.prov_lock);
        if (kind == KVM_V4V_OP)
            vm->call_exits[op]++;
        else if (kind == KVM_V4V_PROBE)
            vm->v4v_probe_exits++;
        else if (kind == KVM_V4V_FOREIGN)
            vm->v4v_foreign_exits++;
        else
            vm->call_exits_other++;
        return 0;
    }
    case KVM_PORT_POLL:
        return set_poll(vm, v);
    case KVM_PORT_STEP:
        if (run->io.direction == KVM_EXIT_IO_IN) {
            memcpy(data, &vm->last_steps, 4);
            return 0;
        }
        return single_step(vm, v != 0);
    default:
        fail("dom%u: %s at unknown port %#x", vm->domid,
             run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port);
        return 1;
    }
}

static void dump_regs(struct vm *vm)
{
    struct kvm_regs r;
    struct kvm_sregs s;

    if (ioctl(vm->vcpu, KVM_GET_REGS, &r) == 0 && ioctl(vm->vcpu, KVM_GET_SREGS, &s) == 0)
        say("dom%u| rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx "
            "efer %#llx\n",
            vm->domid, r.rip, r.rsp, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}

static void *vcpu_thread(void *arg)
{
    struct vm *vm = arg;
    struct kvm_run *run = vm->run;

    for (;;) {
        if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fail("dom%u: KVM_RUN: %s", vm->domid, strerror(errno));
            return NULL;
        }
        vm->exits++;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (handle_io(vm))
                return NULL;
            break;
        case KVM_EXIT_X86_WRMSR:
            if (run->msr.index == KVM_MSR_CALL) {
                handle_call(vm, run->msr.data);
            } else if (run->msr.index == KVM_MSR_NULL) {
                vm->null_exits++;
                run->msr.error = 0;
            } else if (run->msr.index == KVM_MSR_HCPAGE && kvm_v4v_dialect(g.scenario) != 0) {
                run->msr.error = kvm_v4v_fill_page(vm->mem, vm->mem_size, run->msr.data) != 0;
                vm->hcpage_exits++;
            } else {
                run->msr.error = 1;
            }
            break;
        case KVM_EXIT_X86_RDMSR:
            run->msr.error = 1; /* the call register is write-only */
            break;
        case KVM_EXIT_DEBUG:
            if (!vm->stepping) {
                fail("dom%u: unexpected debug exit at %#llx", vm->domid, run->debug.arch.pc);
                return NULL;
            }
            vm->steps++;
            break;
        case KVM_EXIT_HLT:
            dump_regs(vm);
            fail("dom%u: hlt exited to user space (in-kernel irqchip missing?)", vm->domid);
            return NULL;
        case KVM_EXIT_SHUTDOWN:
            dump_regs(vm);
            fail("dom%u: shutdown (triple fault)", vm->domid);
            return NULL;
        case KVM_EXIT_MMIO:
            dump_regs(vm);
            fail("dom%u: %s of %u bytes at unbacked address %#llx", vm->domid,
                 run->mmio.is_write ? "write" : "read", run->mmio.len, run->mmio.phys_addr);
            return NULL;
        case KVM_EXIT_FAIL_ENTRY:
            fail("dom%u: entry failed, reason %#llx", vm->domid,
                 run->fail_entry.hardware_entry_failure_reason);
            return NULL;
        case KVM_EXIT_INTERNAL_ERROR:
            dump_regs(vm);
            fail("dom%u: KVM internal error, suberror %u", vm->domid, run->internal.suberror);
            return NULL;
        default:
            dump_regs(vm);
            fail("dom%u: unexpected exit reason %u", vm->domid, run->exit_reason);
            return NULL;
        }
    }
}

/* ---- setup ----------------------------------------------------------- */

static void kvm_open(void)
{
    static const struct {
        int cap;
        const char *name;
    } caps[] = {
        {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
        {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
        {KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI"},
        {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
        {KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR"},
        {KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER"},
    };
    unsigned i;
    int n;

    g.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (g.kvm < 0)
        skip("cannot open /dev/kvm");
    if (ioctl(g.kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        skipx("KVM API version is not 12");
    for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        int r = ioctl(g.kvm, KVM_CHECK_EXTENSION, caps[i].cap);

        if (r <= 0) {
            printf("SKIP: KVM lacks %s\n", caps[i].name);
            exit(EXIT_SKIP);
        }
    }
    n = ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (n <= 0)
        skip("KVM_GET_VCPU_MMAP_SIZE");
    g.run_size = (size_t)n;

    for (n = 64; n <= 4096; n *= 2) {
        g.cpuid = calloc(1, sizeof(*g.cpuid) + (size_t)(n + 4) * sizeof(g.cpuid->entries[0]));
        if (g.cpuid == NULL)
            skip("out of memory");
        g.cpuid->nent = (uint32_t)n;
        if (ioctl(g.kvm, KVM_GET_SUPPORTED_CPUID, g.cpuid) == 0)
            return;
        free(g.cpuid);
        g.cpuid = NULL;
        if (errno != E2BIG)
            skip("KVM_GET_SUPPORTED_CPUID");
    }
    skipx("KVM_GET_SUPPORTED_CPUID: too many leaves");
}

static struct kvm_cpuid_entry2 *cpuid_entry(uint32_t function)
{
    uint32_t i;

    for (i = 0; i < g.cpuid->nent; i++)
        if (g.cpuid->entries[i].function == function)
            return &g.cpuid->entries[i];
    return NULL;
}

static struct kvm_cpuid_entry2 *cpuid_add(uint32_t function)
{
    struct kvm_cpuid_entry2 *e = cpuid_entry(function);

    if (e == NULL) {
        e = &g.cpuid->entries[g.cpuid->nent++];
        memset(e, 0, sizeof(*e));
        e->function = function;
    }
    return e;
}

/* The guest's CPUID: the host's supported leaves, the hypervisor bit, KVM's
 * signature, and the HMX discovery block past it.  Space for four added
 * leaves was allocated with the table. */
static void cpuid_prepare(void)
{
    struct kvm_cpuid_entry2 *e;
    uint32_t i, n = 0;

    for (i = 0; i < g.cpuid->nent; i++) {
        e = &g.cpuid->entries[i];
        if (e->function == 1) {
            e->ecx |= 1u << 31;    /* hypervisor present */
            e->ebx &= 0x00FFFFFFu; /* initial APIC id 0 */
        }
        /* The HMX block's range is ours alone. */
        if (e->function >= KVM_HMX_CPUID_BASE && e->function < KVM_HMX_CPUID_BASE + 0x100u)
            continue;
        g.cpuid->entries[n++] = *e;
    }
    g.cpuid->nent = n;
    e = cpuid_add(0x40000000u);
    if (e->ebx != 0x4b4d564bu) { /* not "KVMK": write KVM's signature */
        e->eax = 0x40000001u;
        e->ebx = 0x4b4d564bu;
        e->ecx = 0x564b4d56u;
        e->edx = 0x0000004du;
    }
    e = cpuid_add(KVM_HMX_CPUID_BASE);
    e->eax = KVM_HMX_CPUID_BASE + HMX_CPUID_LEAF_MECH(HMX_MECH_MSR);
    e->ebx = HMX_CPUID_SIG_EBX;
    e->ecx = HMX_CPUID_SIG_ECX;
    e->edx = HMX_CPUID_SIG_EDX;
    e = cpuid_add(KVM_HMX_CPUID_BASE + HMX_CPUID_LEAF_INFO);
    e->eax = HMX_INTERFACE_VERSION;
    e->ebx = HMX_MECH_BIT(HMX_MECH_MSR);
    e->ecx = (uint32_t)hmx_provider_features(&g.prov); /* the vector and the policy extensions */
    e->edx = (uint32_t)(hmx_provider_features(&g.prov) >> 32);
    e = cpuid_add(KVM_HMX_CPUID_BASE + HMX_CPUID_LEAF_MECH(HMX_MECH_MSR));
    e->eax = KVM_MSR_CALL;
    e->ebx = e->ecx = e->edx = 0;
}

static int load_elf(struct vm *vm, const uint8_t *img, size_t size, const char *path)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)img;
    unsigned i;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff) {
        fprintf(stderr, "%s: not an x86-64 ELF image\n", path);
        return -1;
    }
    vm->image_end = 0;
    for (i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph =
            (const Elf64_Phdr *)(const void *)(img + eh->e_phoff + i * sizeof(Elf64_Phdr));

        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        if (ph->p_filesz > ph->p_memsz || ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
            ph->p_paddr < KVM_GUEST_LOAD ||
            !in_guest(vm, ph->p_paddr, ph->p_memsz + KVM_GUEST_STACK)) {
            fprintf(stderr, "%s: segment %u does not fit guest memory\n", path, i);
            return -1;
        }
        memcpy(vm->mem + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
        memset(vm->mem + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
        if (ph->p_paddr + ph->p_memsz > vm->image_end)
            vm->image_end = ph->p_paddr + ph->p_memsz;
    }
    vm->entry = eh->e_entry;
    return vm->image_end != 0 ? 0 : -1;
}

/* Identity page tables (2 MiB pages, first 4 GiB), GDT and TSS. */
static void build_tables(struct vm *vm)
{
    uint64_t *pml4 = (uint64_t *)(void *)(vm->mem + KVM_GUEST_PML4);
    uint64_t *pdpt = pml4 + 512;
    uint64_t *pd = pdpt + 512;
    uint64_t *gdt = (uint64_t *)(void *)(vm->mem + KVM_GUEST_GDT);
    const uint64_t tss = KVM_GUEST_TSS;
    unsigned i;

    pml4[0] = (KVM_GUEST_PML4 + 0x1000u) | 0x3u; /* present, writable */
    for (i = 0; i < 4; i++)
        pdpt[i] = (KVM_GUEST_PML4 + 0x2000u + i * 0x1000u) | 0x3u;
    for (i = 0; i < 4 * 512; i++)
        pd[i] = ((uint64_t)i << 21) | 0x83u; /* present, writable, 2 MiB */
    pd[KVM_GUEST_LAPIC >> 21] |= 0x18u;      /* the LAPIC's 2 MiB: uncached */

    gdt[0] = 0;
    gdt[1] = 0x00AF9B000000FFFFull; /* 0x08: 64-bit code, accessed */
    gdt[2] = 0x00CF93000000FFFFull; /* 0x10: data, accessed */
    /* 0x18: 64-bit TSS (busy), 104 bytes: two slots. */
    gdt[3] = 0x67u | ((tss & 0xFFFFFFu) << 16) | (0x8Bull << 40) |
             (((tss >> 24) & 0xFFu) << 56);
    gdt[4] = tss >> 32;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
    memset(s, 0, sizeof(*s));
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->s = 1;
    s->g = 1;
    s->l = code ? 1 : 0;
    s->db = code ? 0 : 1;
}

static void vm_create(struct vm *vm, hmx_domid_t domid, const uint8_t *img, size_t img_size,
                      const char *path)
{
    struct kvm_userspace_memory_region region;
    struct kvm_enable_cap cap;
    struct kvm_msr_filter filter;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    static uint8_t deny_bitmap[1]; /* 0 bits: all three MSRs exit */

    vm->domid = domid;
    vm->mem_size = g.mem_size;
    vm->fd = ioctl(g.kvm, KVM_CREATE_VM, 0);
    if (vm->fd < 0)
        skip("KVM_CREATE_VM");
    if (ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xFFFBD000ul) < 0)
        skip("KVM_SET_TSS_ADDR");
    if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
        skip("KVM_CREATE_IRQCHIP");

    memset(&cap, 0, sizeof(cap));
    cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
    cap.args[0] = KVM_MSR_EXIT_REASON_FILTER;
    if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
        skip("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
    memset(&filter, 0, sizeof(filter));
    filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
    filter.ranges[0].flags = KVM_MSR_FILTER_WRITE | KVM_MSR_FILTER_READ;
    filter.ranges[0].nmsrs = 3; /* KVM_MSR_CALL, KVM_MSR_NULL, KVM_MSR_HCPAGE */
    filter.ranges[0].base = KVM_MSR_CALL;
    filter.ranges[0].bitmap = deny_bitmap;
    if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
        skip("KVM_X86_SET_MSR_FILTER");

    vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->mem == MAP_FAILED)
        skip("mmap guest memory");
    memset(&region, 0, sizeof(region));
    region.slot = 0;
    region.guest_phys_addr = 0;
    region.memory_size = vm->mem_size;
    region.userspace_addr = (uint64_t)(uintptr_t)vm->mem;
    if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        skip("KVM_SET_USER_MEMORY_REGION");
    if (load_elf(vm, img, img_size, path) < 0)
        exit(EXIT_FAIL);
    build_tables(vm);

    vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
    if (vm->vcpu < 0)
        skip("KVM_CREATE_VCPU");
    vm->run = mmap(NULL, g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
    if (vm->run == MAP_FAILED)
        skip("mmap kvm_run");
    if (ioctl(vm->vcpu, KVM_SET_CPUID2, g.cpuid) < 0)
        skip("KVM_SET_CPUID2");

    if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0)
        skip("KVM_GET_SREGS");
    set_seg(&sregs.cs, KVM_SEL_CODE, 0xB, 1);
    set_seg(&sregs.ds, KVM_SEL_DATA, 0x3, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    memset(&sregs.tr, 0, sizeof(sregs.tr));
    sregs.tr.base = KVM_GUEST_TSS;
    sregs.tr.limit = 0x67;
    sregs.tr.selector = KVM_SEL_TSS;
    sregs.tr.type = 0xB; /* busy 64-bit TSS */
    sregs.tr.present = 1;
    memset(&sregs.ldt, 0, sizeof(sregs.ldt));
    sregs.ldt.unusable = 1;
    sregs.ldt.type = 2;
    sregs.gdt.base = KVM_GUEST_GDT;
    sregs.gdt.limit = 5 * 8 - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr3 = KVM_GUEST_PML4;
    sregs.cr4 = 1u << 5;                                     /* PAE */
    sregs.cr0 = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31); /* PE ET NE WP PG */
    sregs.efer = (1u << 8) | (1u << 10);                    /* LME, LMA */
    if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0)
        skip("KVM_SET_SREGS");

    memset(&regs, 0, sizeof(regs));
    regs.rip = vm->entry;
    regs.rsp = vm->mem_size; /* grows down from the top of memory */
    regs.rflags = 0x2;
    regs.rdi = domid;
    regs.rsi = g.scenario;
    regs.rdx = g.arg;
    if (ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0)
        skip("KVM_SET_REGS");
}

static uint8_t *read_file(const char *path, size_t *size)
{
    struct stat st;
    uint8_t *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
    buf = malloc((size_t)st.st_size);
    if (buf == NULL || read(fd, buf, (size_t)st.st_size) != st.st_size) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(EXIT_USAGE);
    }
    close(fd);
    *size = (size_t)st.st_size;
    return buf;
}

/* ---- the end: checks and tables ------------------------------------------ */

static int check_accounting(void)
{
    uint64_t want_denials = 0, eagain = 0, space = 0, interrupts = 0, sent = 0, received = 0;
    unsigned i, op;
    int bad = 0;

    for (i = 0; i < NVMS; i++) {
        struct vm *vm = &g.vms[i];
        const struct kvm_report *r = &vm->report;

        if (!vm->have_report) {
            say("vmm | dom%u: FAIL: the guest sent no report\n", vm->domid);
            bad = 1;
            continue;
        }
        say("vmm | dom%u: %-16s %12s %12s\n", vm->domid, "HMX operation", "guest calls",
            "MSR exits");
        for (op = 0; op < KVM_OPS; op++) {
            if (r->ops[op] == 0 && vm->call_exits[op] == 0)
                continue;
            say("vmm | dom%u: %-16s %12" PRIu64 " %12" PRIu64 "%s\n", vm->domid, op_name(op),
                r->ops[op], vm->call_exits[op],
                r->ops[op] == vm->call_exits[op] ? "" : "   MISMATCH");
            if (r->ops[op] != vm->call_exits[op])
                bad = 1;
        }
        if (vm->call_exits_other != 0) {
            say("vmm | dom%u: FAIL: %" PRIu64 " calls with an unknown op or a bad block\n",
                vm->domid, vm->call_exits_other);
            bad = 1;
        }
        say("vmm | dom%u: probe traps %u (budget %u); %" PRIu64 " messages sent, %" PRIu64
            " received, %" PRIu64 " EAGAIN\n",
            vm->domid, r->probe_traps,
            kvm_v4v_dialect(g.scenario) ? PROBE_TRAP_BUDGET_V4V : PROBE_TRAP_BUDGET, r->sent,
            r->received, r->eagain);
        say("vmm | dom%u: signals %" PRIu64 " rx + %" PRIu64 " space, %" PRIu64
            " MSIs raised (%" PRIu64 " refused), %" PRIu64 " interrupts taken\n",
            vm->domid, vm->signals[HMX_SIGNAL_RX], vm->signals[HMX_SIGNAL_SPACE], vm->msis,
            vm->msis_blocked, r->interrupts);
        say("vmm | dom%u: %" PRIu64 " exits to user space: %" PRIu64 " HMX calls, %" PRIu64
            " empty WRMSRs, %" PRIu64 " port I/O, %" PRIu64 " single steps\n",
            vm->domid, vm->exits, counter(vm, KVM_CTR_CALL_EXITS), vm->null_exits, vm->io_exits,
            vm->exits - vm->null_exits - vm->io_exits - vm->hcpage_exits -
                (kvm_v4v_dialect(g.scenario) ? 0 : counter(vm, KVM_CTR_CALL_EXITS)));
        if (vm->drainer_started) {
            pthread_mutex_lock(&vm->dlock);
            say("vmm | dom%u: drainer thread: %" PRIu64 " polling periods took %" PRIu64
                " submissions\n",
                vm->domid, vm->periods, vm->polled);
            pthread_mutex_unlock(&vm->dlock);
        }
        eagain += r->eagain;
        sent += r->sent;
        received += r->received;
        space += vm->signals[HMX_SIGNAL_SPACE];
        interrupts += r->interrupts;
        if (r->probe_traps == 0 ||
            r->probe_traps > (kvm_v4v_dialect(g.scenario) ? PROBE_TRAP_BUDGET_V4V
                                                          : PROBE_TRAP_BUDGET)) {
            say("vmm | dom%u: FAIL: probe traps outside 1..%u\n", vm->domid, PROBE_TRAP_BUDGET);
            bad = 1;
        }
        if (kvm_v4v_dialect(g.scenario) != 0) {
            /* The probe's classifying cmd, once, on the served number. */
            say("vmm | dom%u: v4v: %" PRIu64 " probe cmd, %" PRIu64
                " hypercalls of another number\n", vm->domid, vm->v4v_probe_exits,
                vm->v4v_foreign_exits);
            if (vm->v4v_probe_exits != 1)
                bad = 1;
        }
        if (r->probe_chosen != kvm_v4v_mechanism(g.scenario)) {
            say("vmm | dom%u: FAIL: probe chose mechanism %u\n", vm->domid, r->probe_chosen);
            bad = 1;
        }
        if (r->interrupts > vm->msis) {
            say("vmm | dom%u: FAIL: more interrupts taken than MSIs raised\n", vm->domid);
            bad = 1;
        }
        want_denials += r->denials;
    }
    say("vmm | policy denials audited: %" PRIu64 " (guests expected %" PRIu64 ")\n", g.denials,
        want_denials);
    if (g.denials != want_denials)
        bad = 1;
    say("vmm | messages: %" PRIu64 " sent, %" PRIu64 " received and checked by the guests\n",
        sent, received);
    if (sent != received) {
        say("vmm | FAIL: messages were lost\n");
        bad = 1;
    }
    if (g.scenario == KVM_SC_BULK && (eagain == 0 || space == 0 || interrupts == 0)) {
        say("vmm | FAIL: bulk ran without back-pressure (EAGAIN %" PRIu64 ", space wake-ups %" PRIu64
            ", interrupts %" PRIu64 ")\n", eagain, space, interrupts);
        bad = 1;
    }
    return bad;
}

/* ns per repetition in the best (or the median) chunk, less the loop's
 * filler instructions. */
static double row_ns(const struct row *r, int median, double insn_ns)
{
    uint64_t ns = r->chunk_ns[median ? r->chunks / 2 : 0];
    double per = (double)ns / (r->r.iters / r->chunks) - r->r.filler * insn_ns;

    return per > 0 ? per : 0;
}

/* The rows that send messages: how many each trap carried, and the time
 * per message (a repetition of a batch row sends msgs messages). */
static void print_batch_rows(double insn_ns)
{
    uint32_t i;

    say("\n%-36s %5s %9s %9s %11s %9s\n", "messages per trap (MSR mechanism)", "msgs",
        "ns/rep", "ns/msg", "exits/rep", "msgs/trap");
    for (i = 0; i < g.nrows; i++) {
        const struct row *r = &g.rows[i];
        double ns = row_ns(r, 0, insn_ns), exits = (double)r->exits / r->r.iters;

        if (r->r.msgs == 0)
            continue;
        if (exits > 0)
            say("%-36s %5u %9.0f %9.0f %11.3f %9.2f\n", r->r.name, r->r.msgs, ns,
                ns / r->r.msgs, exits, r->r.msgs / exits);
        else
            say("%-36s %5u %9.0f %9.0f %11.3f %9s\n", r->r.name, r->r.msgs, ns, ns / r->r.msgs,
                exits, "no trap");
    }
    say("msgs: messages per repetition; ns/msg = ns/rep / msgs; msgs/trap = msgs / exits\n"
        "  (\"no trap\": not one exit in the timed repetitions).\n");
}

static void print_bench(void)
{
    double insn_ns = 0, cpuid_ns = 0, msr_ns = 0;
    uint32_t i;

    for (i = 0; i < g.nrows; i++)
        if (g.rows[i].r.kind == KVM_BENCH_BASE_INSN)
            insn_ns = row_ns(&g.rows[i], 0, 0);
    for (i = 0; i < g.nrows; i++) {
        if (g.rows[i].r.kind == KVM_BENCH_BASE_CPUID)
            cpuid_ns = row_ns(&g.rows[i], 0, insn_ns);
        if (g.rows[i].r.kind == KVM_BENCH_BASE_MSR)
            msr_ns = row_ns(&g.rows[i], 0, insn_ns);
    }
    say("\n%-36s %3s %5s %9s %9s %6s %6s %9s %7s\n", "operation (MSR mechanism)", "dom", "reps",
        "ns/op", "median", "exits", "insns", "x WRMSR", "x CPUID");
    for (i = 0; i < g.nrows; i++) {
        const struct row *r = &g.rows[i];
        double ns = row_ns(r, 0, insn_ns);
        char a[16] = "-", b[16] = "-", c[16] = "-";

        if (msr_ns > 0)
            snprintf(a, sizeof(a), "%.1f", ns / msr_ns);
        if (cpuid_ns > 0)
            snprintf(b, sizeof(b), "%.0f", ns / cpuid_ns);
        if (r->r.insns != 0)
            snprintf(c, sizeof(c), "%u", r->r.insns);
        say("%-36s %3u %5u %9.0f %9.0f %6.2f %6s %9s %7s\n", r->r.name, r->domid, r->r.iters, ns,
            row_ns(r, 1, insn_ns), (double)r->exits / r->r.iters, c, a, b);
    }
    print_batch_rows(insn_ns);
    say("ns/op: host CLOCK_MONOTONIC between guest port reads, per repetition, in the best of\n"
        "  %u equal chunks (median: the median chunk); the baseline loops' filler register\n"
        "  instructions are subtracted at the measured cost of one.\n"
        "exits: exits to user space per repetition.  insns: guest instructions of one more\n"
        "  repetition, counted by single-stepping it.  x WRMSR, x CPUID: ns/op over the\n"
        "  empty WRMSR exit's and the empty CPUID's.\n\n",
        g.nrows > 0 ? g.rows[0].chunks : 0);
}

/*
 * The policy scenario's setup, by the host before the guests run: labels,
 * the firewall from its text form (so that audit records name its lines),
 * and domain 1's implicit destinations (kvm_abi.h).
 */
static int install_policy(void)
{
    static const char text[] = KVM_POLICY_RULES;
    const struct hmx_implicit_entry imp[3] = {
        {HMX_PORT_VIRTIO(3), KVM_POLICY_CONSOLE_PORT, 2, 0, 0},
        {HMX_PORT_VIRTIO(2), KVM_POLICY_BLOCK_PORT, 2, 0, 0},
        {HMX_PORT_VIRTIO(1), KVM_POLICY_NET_PORT, 2, HMX_IMPLICIT_VISIBLE, 0},
    };
    struct hmx_fw_rule rules[HMX_FW_RULES_MAX];
    struct hmx_fw_parse_error err;
    uint32_t n;
    int rc;

    rc = hmx_fw_parse(text, sizeof(text) - 1, rules, HMX_FW_RULES_MAX, &n, &err);
    if (rc != 0) {
        fprintf(stderr, "vmm: the rule text, line %u column %u: %s\n", err.line, err.column,
                err.message);
        return -1;
    }
    if ((rc = hmx_provider_set_label(&g.prov, HMX_DOMID_PROVIDER, 1, "front")) != 0 ||
        (rc = hmx_provider_set_label(&g.prov, HMX_DOMID_PROVIDER, 2, "back")) != 0 ||
        (rc = hmx_provider_fw_set(&g.prov, HMX_DOMID_PROVIDER, rules, n, 0)) != 0 ||
        (rc = hmx_provider_implicit_set(&g.prov, HMX_DOMID_PROVIDER, 1, imp, 3)) != 0) {
        fprintf(stderr, "vmm: installing the policy: %s\n", hmx_strerror(rc));
        return -1;
    }
    say("vmm | policy: %u firewall rules; dom1 @front, dom2 @back; dom1 has 3 implicit "
        "destinations on dom2\n",
        n);
    return 0;
}

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr,
            "usage: hmx-kvm-vmm [-t SECONDS] [-m MIB] [-q] GUEST.elf SCENARIO [ARG]\n"
            "  SCENARIO: basic, errors, bulk, traps, bench, policy, v4v-openxt, v4v-uxen;\n"
            "  ARG: the scenario's count\n"
            "  exit status: 0 pass, 1 fail, 77 KVM unavailable (skip), 2 usage\n");
    exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
    struct hmx_provider_hooks hooks;
    pthread_condattr_t ca;
    struct timespec deadline;
    const char *path;
    uint8_t *img;
    size_t img_size;
    unsigned i;
    int opt, rc, done;

    g.timeout_s = 60;
    g.mem_size = 64u << 20;
    while ((opt = getopt(argc, argv, "t:m:q")) != -1) {
        switch (opt) {
        case 't':
            g.timeout_s = (unsigned)strtoul(optarg, NULL, 0);
            break;
        case 'm':
            g.mem_size = (uint64_t)strtoul(optarg, NULL, 0) << 20;
            break;
        case 'q':
            g.quiet = 1;
            break;
        default:
            usage();
        }
    }
    if (argc - optind < 2 || argc - optind > 3 || g.mem_size < (8u << 20) ||
        g.mem_size > (1ull << 31) || g.timeout_s == 0)
        usage();
    path = argv[optind];
    for (i = 1; i < sizeof(scenario_names) / sizeof(scenario_names[0]); i++)
        if (strcmp(argv[optind + 1], scenario_names[i]) == 0)
            g.scenario = i;
    if (g.scenario == 0)
        usage();
    if (argc - optind == 3)
        g.arg = strtoull(argv[optind + 2], NULL, 0);
    img = read_file(path, &img_size);

    /* The signal hook delivers registered vectors: HMX_PROVIDER_VECTORS. */
    memset(&hooks, 0, sizeof(hooks));
    hooks.map_ring = hook_map_ring;
    hooks.copy_from_guest = hook_copy_from_guest;
    hooks.copy_to_guest = hook_copy_to_guest;
    hooks.policy = hook_policy;
    hooks.audit = hook_audit;
    hooks.signal = hook_signal;
    if (hmx_provider_init(&g.prov, &hooks, slots_domains, NVMS, slots_rings, 64,
                          HMX_PROVIDER_VECTORS | kvm_v4v_provider_flags(g.scenario)) != 0) {
        fprintf(stderr, "hmx_provider_init failed\n");
        return EXIT_FAIL;
    }

    kvm_open();
    cpuid_prepare();
    if (kvm_v4v_dialect(g.scenario) != 0)
        kvm_v4v_cpuid(g.cpuid, g.scenario);

    for (i = 0; i < NVMS; i++) {
        vm_create(&g.vms[i], (hmx_domid_t)(i + 1), img, img_size, path);
        pthread_mutex_init(&g.vms[i].dlock, NULL);
        pthread_cond_init(&g.vms[i].dcond, NULL);
        if (hmx_provider_domain_add(&g.prov, (hmx_domid_t)(i + 1), 0) != 0) {
            fprintf(stderr, "hmx_provider_domain_add failed\n");
            return EXIT_FAIL;
        }
    }
    free(img);
    if (g.scenario == KVM_SC_POLICY && install_policy() != 0)
        return EXIT_FAIL;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g.cond, &ca);
    pthread_cond_init(&g.bar_cond, NULL);
    say("vmm | %s: %u domains, %" PRIu64 " MiB each, scenario %s (arg %" PRIu64
        "), HMX call MSR %#x, timeout %u s\n",
        path, NVMS, g.mem_size >> 20, scenario_names[g.scenario], g.arg, KVM_MSR_CALL,
        g.timeout_s);

    clock_gettime(CLOCK_MONOTONIC, &g.t0);
    deadline = g.t0;
    deadline.tv_sec += g.timeout_s;
    for (i = 0; i < NVMS; i++)
        if (pthread_create(&g.vms[i].thread, NULL, vcpu_thread, &g.vms[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return EXIT_FAIL;
        }

    pthread_mutex_lock(&g.lock);
    for (;;) {
        done = 0;
        for (i = 0; i < NVMS; i++)
            done += g.vms[i].done;
        if (g.failed || done == NVMS)
            break;
        if (pthread_cond_timedwait(&g.cond, &g.lock, &deadline) == ETIMEDOUT) {
            g.failed = 1;
            snprintf(g.why, sizeof(g.why), "timeout after %u s", g.timeout_s);
            break;
        }
    }
    pthread_mutex_unlock(&g.lock);
    {
        uint64_t ns = now_ns() - ((uint64_t)g.t0.tv_sec * 1000000000u + (uint64_t)g.t0.tv_nsec);

        say("vmm | guests ran %.3f s\n", (double)ns / 1e9);
    }
    if (g.failed) {
        /* vCPU threads may still be running (or blocked): leave at once. */
        for (i = 0; i < NVMS; i++)
            say("vmm | dom%u: %s after %" PRIu64 " user-space exits, %" PRIu64
                " of them HMX calls\n",
                g.vms[i].domid, g.vms[i].done ? "stopped" : "still running", g.vms[i].exits,
                counter(&g.vms[i], KVM_CTR_CALL_EXITS));
        say("FAIL: %s\n", g.why);
        fflush(stdout);
        _exit(EXIT_FAIL);
    }
    for (i = 0; i < NVMS; i++)
        pthread_join(g.vms[i].thread, NULL);

    if (g.scenario == KVM_SC_BENCH)
        print_bench();
    rc = check_accounting();
    say("%s: scenario %s\n", rc == 0 ? "PASS" : "FAIL", scenario_names[g.scenario]);
    return rc == 0 ? EXIT_PASS : EXIT_FAIL;
}
