/* SPDX-License-Identifier: MIT */
/*
 * A dom0less guest of a real Xen on Arm, linking libhmx's freestanding
 * core as a guest kernel would: the probe finds Xen through the device
 * tree's /hypervisor node, the Xen hypercall backend traps with
 * hvc #0xEA1, and the library's ring reader reads what Xen wrote.  Two
 * of these run at once, domains 1 and 2; domain 1 ("a") drives, domain
 * 2 ("b") answers, and they keep in step through a control ring each.
 *
 * /chosen/bootargs (the kernel module's "bootargs" in Xen's device tree):
 *   role=a|b          which side
 *   self=N peer=M     the domain ids (Xen numbers dom0less guests in order)
 *   scenario=S        argo     Argo allowed: every check below
 *                     deny     Flask policy without argo send: EACCES
 *                     silo     xsm=silo: EPERM between two guests
 *                     disabled Xen without argo=1: EOPNOTSUPP everywhere
 *                     nonode   no /hypervisor node (the domain node lacks
 *                              xen,enhanced): the probe must find nothing
 *                              and make no call
 *   xen=MAJOR.MINOR   what the /hypervisor node must say
 *   messages=N        the bulk run's length (default 1200)
 *
 * Output, one line per fact, on the emulated UART (Xen prints it as
 * "DOMn: ..."):
 *   HMXT ok   GROUP/NAME: detail      a check that held
 *   HMXT FAIL GROUP/NAME: detail      a check that did not
 *   HMXT | ...                        the report `hmx probe` prints
 *   HMXT info KEY: ...                figures
 *   HMXT result: N passed, M failed
 * Lines stay short: Xen splits a guest's line at 126 characters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <libfdt.h>

#include "console.h"
#include "hmx/arch.h"
#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/xen.h"

void guest_main(const void *fdt);
void guest_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);
int memcmp(const void *a, const void *b, size_t n);

/* Ports.  The control rings carry the two sides' step messages. */
#define PORT_CTL 1u
#define PORT_DATA 0x10u  /* b: the exchange's requests */
#define PORT_REPLY 0x11u /* a: the exchange's replies */
#define PORT_BULK 0x20u  /* b: the small ring of the bulk run */
#define PORT_FULL 0x30u  /* b: the ring a fills */
#define PORT_NONE 0x99u  /* nobody's */
#define SRC_PORT 0x700u
#define BULK_SRC_PORT 0x1000u

#define PAGE_RING_LEN 4032u /* one page: 4096 - 64 */
#define BULK_RING_LEN 512u
#define EXCHANGES 16u

/* Control messages (the message type says which). */
enum ctl { CTL_READY = 1, CTL_PING, CTL_FILLED, CTL_DRAINED, CTL_BULK_DONE, CTL_BULK_RESULT,
           CTL_BYE };

#define SPIN_LIMIT 4000000u /* polls before a wait gives up */

static const char *group = "boot";
static unsigned n_pass, n_fail;
static int role_a;
static hmx_domid_t self_id, peer_id;

/* ---- checks --------------------------------------------------------------- */

static void check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    con_printf("HMXT %s %s/%s", ok ? "ok  " : "FAIL", group, name);
    if (fmt != NULL && fmt[0] != '\0') {
        con_puts(": ");
        va_start(ap, fmt);
        con_vprintf(fmt, ap);
        va_end(ap);
    }
    con_putc('\n');
    if (ok)
        n_pass++;
    else
        n_fail++;
}

/* "0", "ECONNREFUSED", or a byte count. */
static const char *rcs(int rc)
{
    static char buf[4][16];
    static unsigned next;
    char *b, tmp[12];
    unsigned i = 0, n;

    if (rc < 0)
        return hmx_err_name(rc);
    b = buf[next++ % 4];
    n = (unsigned)rc;
    do {
        tmp[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (n = 0; n < i; n++)
        b[n] = tmp[i - 1 - n];
    b[i] = '\0';
    return b;
}

static void expect_rc(const char *name, int rc, int want)
{
    check(rc == want, name, "%s (want %s)", rcs(rc), rcs(want));
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* ---- boot arguments --------------------------------------------------------- */

static const char *bootargs = "";

/* The value of key= in the boot arguments, copied into out; "" if absent. */
static const char *arg(const char *key, char *out, size_t cap)
{
    size_t klen = 0, n = 0, i;
    const char *p = bootargs;

    while (key[klen])
        klen++;
    while (*p) {
        while (*p == ' ')
            p++;
        for (i = 0; i < klen && p[i] == key[i]; i++)
            ;
        if (i == klen && p[klen] == '=') {
            p += klen + 1;
            while (p[n] && p[n] != ' ' && n + 1 < cap) {
                out[n] = p[n];
                n++;
            }
            break;
        }
        while (*p && *p != ' ')
            p++;
    }
    out[n] = '\0';
    return out;
}

static unsigned parse_uint(const char **p)
{
    unsigned v = 0;

    while (**p >= '0' && **p <= '9')
        v = v * 10 + (unsigned)(*(*p)++ - '0');
    return v;
}

/* ---- Xen, raw ---------------------------------------------------------------- */

static const struct hmx_arch_ops *arch;
static hmx_ctx ctx;

#define XEN_SCHED_OP 29u
#define XEN_SCHEDOP_YIELD 0u
#define XEN_SCHEDOP_SHUTDOWN 2u
#define XEN_SHUTDOWN_POWEROFF 0u

static uint64_t hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    uint64_t args[5] = {a0, a1, a2, a3, 0}, ret = 0x5a5a5a5a5a5a5a5aull;

    if (arch->xen_hypercall(arch->ctx, HMX_XEN_ENTRY_HVC, NULL, nr, args, &ret) < 0)
        check(0, "raw-hypercall", "the arch table refused");
    return ret;
}

static uint64_t raw_argo(uint32_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    uint64_t args[5] = {op, a1, a2, a3, a4}, ret = 0x5a5a5a5a5a5a5a5aull;

    if (arch->xen_hypercall(arch->ctx, HMX_XEN_ENTRY_HVC, NULL, HMX_XEN_HYPERCALL_ARGO_OP, args,
                            &ret) < 0)
        check(0, "raw-argo-op", "the arch table refused");
    return ret;
}

/* What Xen leaves in x0 for the HMX_E* code e: -errno as a long, or the
 * 32-bit -errno zero-extended (Xen 4.17's sendv after its ring lookup). */
#define SIGNEXT(e) ((uint64_t)(int64_t)(e))
#define ZEROEXT(e) ((uint64_t)(uint32_t)(int32_t)(e))

static void expect_raw(const char *name, uint64_t raw, uint64_t want_raw, int want_decoded)
{
    int dec = hmx_xen_decode(raw);

    check(raw == want_raw && dec == want_decoded, name, "Xen: 0x%llx (want 0x%llx) = %s (want %s)",
          (unsigned long long)raw, (unsigned long long)want_raw, rcs(dec), rcs(want_decoded));
}

/* Give the CPU back to Xen while waiting for the other guest. */
static void yield(void)
{
    (void)hypercall(XEN_SCHED_OP, XEN_SCHEDOP_YIELD, 0, 0, 0);
}

static void __attribute__((noreturn)) finish(void)
{
    static uint32_t reason = XEN_SHUTDOWN_POWEROFF;

    con_printf("HMXT result: %u passed, %u failed\n", n_pass, n_fail);
    for (;;)
        (void)hypercall(XEN_SCHED_OP, XEN_SCHEDOP_SHUTDOWN, (uint64_t)(uintptr_t)&reason, 0, 0);
}

void guest_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
    group = "fault";
    check(0, "exception", "vector %llu, ESR 0x%llx, ELR 0x%llx, FAR 0x%llx",
          (unsigned long long)kind, (unsigned long long)esr, (unsigned long long)elr,
          (unsigned long long)far);
    finish();
}

/* ---- helpers ---------------------------------------------------------------- */

static struct hmx_addr addr_of(hmx_domid_t dom, hmx_port_t port)
{
    struct hmx_addr a = {.port = port, .domain = dom, .pad = 0};

    return a;
}

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static uint8_t pattern(uint32_t seq, uint32_t i)
{
    return (uint8_t)(seq * 131u + i * 7u + (i >> 8) + 1u);
}

static uint32_t slot_bytes(uint32_t payload)
{
    return HMX_MSG_HDR_SIZE + HMX_SLOT_ROUNDUP(payload);
}

/* One query through the library and the same one straight to Xen; both
 * must agree with each other and with what Xen's rules predict.  For a
 * ring that is not there Xen leaves max_message_size as the caller wrote
 * it (the raw query's 0xffffffff stays), and the library reports 0. */
static void expect_query(const char *name, hmx_domid_t dom, hmx_port_t port, uint32_t space,
                         uint16_t want_flags, uint32_t want_max)
{
    static struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query ent[1];
    } raw;
    struct hmx_addr a = addr_of(dom, port);
    struct hmx_ring_query q;
    int rc = hmx_query(&ctx, &a, space, &q);
    uint64_t r;

    raw.hdr.nent = 1;
    raw.hdr.pad = 0;
    raw.ent[0].ring = a;
    raw.ent[0].flags = 0xffff;
    raw.ent[0].pad = 0;
    raw.ent[0].space_required = space;
    raw.ent[0].max_message_size = 0xffffffffu;
    r = raw_argo(HMX_OP_NOTIFY, (uint64_t)(uintptr_t)&raw, 0, 0, 0);
    check(rc == 0 && q.flags == want_flags && q.max_message_size == want_max && r == 0 &&
              raw.ent[0].flags == q.flags &&
              raw.ent[0].max_message_size ==
                  ((want_flags & HMX_RING_EXISTS) ? want_max : 0xffffffffu),
          name, "hmx %s 0x%x/%u, Xen 0x%llx 0x%x/%u, want 0x%x/%u", rcs(rc), q.flags,
          q.max_message_size, (unsigned long long)r, raw.ent[0].flags,
          raw.ent[0].max_message_size, want_flags, want_max);
}

static int reg(struct hmx_ring *r, void *mem, size_t size, hmx_port_t port, hmx_domid_t partner)
{
    struct hmx_ring_config c = {.mem = mem, .mem_size = size, .port = port, .partner = partner};

    return hmx_ring_register(&ctx, r, &c);
}

static _Alignas(4096) uint8_t mem_ctl[4096];
static _Alignas(4096) uint8_t mem_data[4096];  /* b: DATA; a: REPLY */
static _Alignas(4096) uint8_t mem_bulk[4096];
static _Alignas(4096) uint8_t mem_full[4096];
static struct hmx_ring ring_ctl, ring_data, ring_bulk, ring_full;
static uint8_t msg[4096 + 16];
static uint8_t rbuf[4096 + 16];

/* ---- the control channel ------------------------------------------------------ */

struct ctl_msg {
    uint32_t arg[4];
};

static int ctl_send(enum ctl cmd, uint32_t a0, uint32_t a1, uint32_t a2)
{
    struct hmx_addr dst = addr_of(peer_id, PORT_CTL);
    struct ctl_msg m = {{a0, a1, a2, 0}};
    uint32_t spins;
    int rc = HMX_EAGAIN;

    for (spins = 0; spins < SPIN_LIMIT; spins++) {
        rc = hmx_send(&ctx, PORT_CTL, &dst, &m, sizeof(m), cmd);
        if (rc != HMX_EAGAIN && rc != HMX_ECONNREFUSED)
            break;
        yield();
    }
    if (rc != (int)sizeof(m))
        check(0, "ctl-send", "step %u: %s", cmd, rcs(rc));
    return rc;
}

/* Wait for the peer's next step, which must be cmd. */
static int ctl_wait(enum ctl cmd, struct ctl_msg *out)
{
    struct hmx_msg_info info;
    struct ctl_msg m;
    uint32_t spins;
    int rc = HMX_EAGAIN;

    for (spins = 0; spins < SPIN_LIMIT; spins++) {
        rc = hmx_recv(&ring_ctl, &m, sizeof(m), &info);
        if (rc != HMX_EAGAIN)
            break;
        yield();
    }
    if (rc == HMX_EAGAIN) {
        check(0, "ctl-wait", "no step %u from d%u", cmd, peer_id);
        return rc;
    }
    (void)hmx_notify(&ctx, NULL, 0);
    if (rc != (int)sizeof(m) || info.message_type != cmd || info.source.domain != peer_id ||
        info.source.port != PORT_CTL) {
        check(0, "ctl-wait", "want step %u from d%u: %s, step %u from d%u:%u", cmd, peer_id,
              rcs(rc), info.message_type, info.source.domain, info.source.port);
        return HMX_EIO;
    }
    if (out != NULL)
        *out = m;
    return 0;
}

/* Poll until the peer's ring at port exists for us. */
static int wait_ring(hmx_port_t port)
{
    struct hmx_addr a = addr_of(peer_id, port);
    struct hmx_ring_query q;
    uint32_t spins;
    int rc = 0;

    for (spins = 0; spins < SPIN_LIMIT; spins++) {
        rc = hmx_query(&ctx, &a, 0, &q);
        if (rc < 0 || (q.flags & HMX_RING_EXISTS))
            break;
        yield();
    }
    return rc < 0 ? rc : (q.flags & HMX_RING_EXISTS) ? 0 : HMX_EAGAIN;
}

/* ---- the `hmx probe` report ----------------------------------------------------- */

static void print_probe(const struct hmx_probe_result *r)
{
    static const uint32_t shown[] = {HMX_MECH_XEN_HYPERCALL, HMX_MECH_SMCCC};
    unsigned i;

    con_printf("HMXT | hypervisor:  %s (\"%s\" from the device tree)\n",
               hmx_hypervisor_name(r->hypervisor), r->signature);
    con_printf("HMXT | Xen:         %u.%u; Argo %s (%s)\n", r->xen_version >> 16,
               r->xen_version & 0xFFFF, hmx_argo_status_name(r->argo_status),
               hmx_err_name(r->argo_rc));
    for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const struct hmx_mech_report *m = &r->mech[shown[i]];

        con_printf("HMXT |   %-14s %-8s %s\n", hmx_mechanism_name(shown[i]),
                   m->chosen ? "CHOSEN" : m->usable ? "usable" : m->offered ? "offered" : "absent",
                   m->why);
    }
    con_printf("HMXT | chosen:      %s; %u traps\n", hmx_mechanism_name(r->chosen), r->traps);
}

/* ---- the checks ------------------------------------------------------------------ */

static void test_probe(struct hmx_probe_result *res, const void *fdt, const char *scenario,
                       unsigned xmaj, unsigned xmin)
{
    struct hmx_probe_options opt = {0};
    int disabled = streq(scenario, "disabled");
    uint32_t want_status = disabled ? HMX_ARGO_DISABLED : HMX_ARGO_PRESENT;
    int want_rc = disabled ? HMX_EOPNOTSUPP : 0;
    int rc;

    group = "probe";
    opt.arch = arch;
    opt.fdt = fdt;
    opt.fdt_size = fdt_totalsize(fdt);
    rc = hmx_probe(res, &opt);
    print_probe(res);
    expect_rc("probe", rc, 0);
    check(res->dt_status == 0, "device-tree", "%s", rcs(res->dt_status));
    if (streq(scenario, "nonode")) {
        /* Xen is there, but says nothing in the tree: nothing is called. */
        check(res->hypervisor == HMX_HV_NONE && res->hypervisor_bit == 0, "no-hypervisor-node",
              "%s", hmx_hypervisor_name(res->hypervisor));
        check(res->mech[HMX_MECH_XEN_HYPERCALL].offered == 0 && res->chosen == HMX_MECH_NONE,
              "nothing-chosen", "xen-hypercall offered %u, chosen %s",
              res->mech[HMX_MECH_XEN_HYPERCALL].offered, hmx_mechanism_name(res->chosen));
        check(res->traps == 0 && res->argo_status == HMX_ARGO_NOT_XEN, "no-call-made",
              "%u traps, Argo %s", res->traps, hmx_argo_status_name(res->argo_status));
        return;
    }
    check(res->hypervisor_bit == 1 && res->hypervisor == HMX_HV_XEN, "hypervisor-node",
          "%s, \"%s\"", hmx_hypervisor_name(res->hypervisor), res->signature);
    check(res->xen_version == (xmaj << 16 | xmin), "xen-version", "%u.%u (Xen is %u.%u)",
          res->xen_version >> 16, res->xen_version & 0xFFFF, xmaj, xmin);
    check(res->xen_entry == HMX_XEN_ENTRY_HVC, "hvc-entry", "entry %u", res->xen_entry);
    check(res->argo_status == want_status && res->argo_rc == want_rc, "argo-status",
          "%s (%s); want %s (%s)", hmx_argo_status_name(res->argo_status),
          hmx_err_name(res->argo_rc), hmx_argo_status_name(want_status), hmx_err_name(want_rc));
    check(res->chosen == (disabled ? HMX_MECH_NONE : HMX_MECH_XEN_HYPERCALL), "chosen", "%s",
          hmx_mechanism_name(res->chosen));
}

/* Argo built in, not enabled at boot: every operation says EOPNOTSUPP. */
static void test_disabled(const struct hmx_probe_result *res)
{
    struct hmx_xen_config xc = {.arch = arch, .entry = HMX_XEN_ENTRY_HVC};
    struct hmx_open_args oa = {.backend = &hmx_backend_xen, .backend_config = &xc};
    struct hmx_addr dst = addr_of(peer_id, PORT_CTL);
    struct hmx_ring_query q;
    int rc;

    group = "disabled";
    expect_rc("open-probed-no-mechanism", hmx_open_probed(&ctx, res, NULL), HMX_ENOMECH);
    rc = hmx_open(&ctx, &oa);
    expect_rc("open-xen-backend", rc, 0);
    if (rc < 0)
        return;
    expect_rc("register", reg(&ring_ctl, mem_ctl, sizeof(mem_ctl), PORT_CTL, peer_id),
              HMX_EOPNOTSUPP);
    expect_rc("sendv", hmx_send(&ctx, PORT_CTL, &dst, "x", 1, 1), HMX_EOPNOTSUPP);
    expect_rc("notify", hmx_notify(&ctx, NULL, 0), HMX_EOPNOTSUPP);
    expect_rc("query", hmx_query(&ctx, &dst, 0, &q), HMX_EOPNOTSUPP);
    expect_raw("raw-notify", raw_argo(HMX_OP_NOTIFY, 0, 0, 0, 0), SIGNEXT(HMX_EOPNOTSUPP),
               HMX_EOPNOTSUPP);
    hmx_close(&ctx);
}

/* XSM refuses Argo between the two guests: Flask without "send" (EACCES,
 * registration still allowed) or SILO (EPERM for both). */
static void test_xsm(int silo)
{
    const int want = silo ? HMX_EPERM : HMX_EACCES;
    struct hmx_addr dst = addr_of(peer_id, PORT_CTL);
    struct hmx_send_addr sa = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_CTL, peer_id, 0}};
    struct hmx_giov gv = {(uint64_t)(uintptr_t)msg, 8, 0};
    static struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query ent[1];
    } raw = {{1, 0}, {{{PORT_CTL, 0, 0}, 0, 0, 0, 0}}};
    struct hmx_ring_query q;

    group = silo ? "silo" : "flask-deny";
    expect_rc("register-peer-ring", reg(&ring_ctl, mem_ctl, sizeof(mem_ctl), PORT_CTL, peer_id),
              silo ? HMX_EPERM : 0);
    expect_rc("notify-no-queries", hmx_notify(&ctx, NULL, 0), 0);
    expect_rc("sendv", hmx_send(&ctx, SRC_PORT, &dst, "denied", 6, 1), want);
    expect_raw("raw-sendv", raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa,
                                     (uint64_t)(uintptr_t)&gv, 1, 1),
               SIGNEXT(want), want);
    expect_rc("query", hmx_query(&ctx, &dst, 0, &q), want);
    raw.ent[0].ring.domain = peer_id;
    expect_raw("raw-query", raw_argo(HMX_OP_NOTIFY, (uint64_t)(uintptr_t)&raw, 0, 0, 0),
               SIGNEXT(want), want);
    if (!silo) {
        /* Flask allowed the registration: the ring goes away as usual. */
        expect_rc("unregister", hmx_ring_unregister(&ctx, &ring_ctl), 0);
    }
}

/* Queries about the peer's rings: the library's answer, Xen's raw answer
 * and Xen's rules must agree. */
static void test_queries(void)
{
    group = "query";
    if (role_a) {
        expect_query("empty-page-ring", peer_id, PORT_DATA, 0,
                     HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, PAGE_RING_LEN - 32);
        expect_query("space-fits", peer_id, PORT_DATA, PAGE_RING_LEN - 32,
                     HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, PAGE_RING_LEN - 32);
        expect_query("space-too-large", peer_id, PORT_DATA, PAGE_RING_LEN - 31,
                     HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE, PAGE_RING_LEN - 32);
        expect_query("small-ring", peer_id, PORT_BULK, 100,
                     HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, BULK_RING_LEN - 32);
        expect_query("no-ring", peer_id, PORT_NONE, 0, 0, 0);
        /* Rings are matched by partner: ours for b are not for us. */
        expect_query("own-ring-partnered-elsewhere", self_id, PORT_REPLY, 0, 0, 0);
    } else {
        expect_query("empty-page-ring", peer_id, PORT_REPLY, 0,
                     HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, PAGE_RING_LEN - 32);
        expect_query("no-ring", peer_id, PORT_DATA, 0, 0, 0);
    }
}

/* a -> b request, b -> a reply, EXCHANGES times, sizes and iov counts
 * varying; each side checks every byte, the source and the type. */
static uint32_t exchange_len(uint32_t i)
{
    return i == 0 ? 1 : i == 1 ? PAGE_RING_LEN - 32 : hash32(i + 77) % 3000u;
}

static int check_msg(const char *name, int rc, const struct hmx_msg_info *info, uint32_t len,
                     hmx_domid_t from, hmx_port_t port, uint32_t type, uint32_t seq, int reversed)
{
    uint32_t i, bad = 0;

    if (rc == (int)len)
        for (i = 0; i < len; i++)
            bad += rbuf[i] != (reversed ? (uint8_t)(pattern(seq, len - 1 - i) ^ 0xa5u)
                                        : pattern(seq, i));
    if (rc != (int)len || info->len != len || info->source.domain != from ||
        info->source.port != port || info->message_type != type || bad != 0) {
        check(0, name, "%u: %s, len %u from d%u:0x%x type 0x%x, %u bytes wrong", seq, rcs(rc),
              info->len, info->source.domain, info->source.port, info->message_type, bad);
        return 0;
    }
    return 1;
}

static void test_exchange_a(void)
{
    struct hmx_addr dst = addr_of(peer_id, PORT_DATA);
    uint32_t i, good = 0, bytes = 0;

    group = "exchange";
    for (i = 0; i < EXCHANGES; i++) {
        uint32_t len = exchange_len(i), niov = 1 + i % HMX_MAXIOV, off = 0, k, spins;
        struct hmx_iov iov[HMX_MAXIOV];
        struct hmx_msg_info info;
        int rc;

        for (k = 0; k < len; k++)
            msg[k] = pattern(i, k);
        for (k = 0; k < niov; k++) {
            uint32_t part = k == niov - 1 ? len - off : (len - off) / (niov - k);

            iov[k].base = msg + off;
            iov[k].len = part;
            off += part;
        }
        rc = hmx_sendv(&ctx, SRC_PORT, &dst, iov, niov, 0x100u + i);
        if (rc != (int)len) {
            check(0, "request", "%u (%u bytes, %u iovs): %s", i, len, niov, rcs(rc));
            break;
        }
        if (i == 0) /* not read yet: b waits for the step message */
            expect_query("unread-request", peer_id, PORT_DATA, 16,
                         HMX_RING_EXISTS | HMX_RING_SUFFICIENT, PAGE_RING_LEN - 32);
        if (ctl_send(CTL_PING, i, len, 0) < 0)
            break;
        for (spins = 0; spins < SPIN_LIMIT; spins++) {
            rc = hmx_recv(&ring_data, rbuf, sizeof(rbuf), &info);
            if (rc != HMX_EAGAIN)
                break;
            yield();
        }
        (void)hmx_notify(&ctx, NULL, 0);
        if (!check_msg("reply", rc, &info, len, peer_id, PORT_DATA, 0x200u + i, i, 1))
            break;
        good++;
        bytes += 2 * len;
    }
    check(good == EXCHANGES, "round-trips", "%u of %u, %u bytes both ways", good, EXCHANGES,
          bytes);
}

static void test_exchange_b(void)
{
    struct hmx_addr dst = addr_of(peer_id, PORT_REPLY);
    uint32_t i, good = 0;

    group = "exchange";
    for (i = 0; i < EXCHANGES; i++) {
        struct hmx_msg_info info;
        struct ctl_msg step;
        uint32_t len, k;
        int rc;

        if (ctl_wait(CTL_PING, &step) < 0)
            break;
        len = step.arg[1];
        check(step.arg[0] == i && len == exchange_len(i), "step", "%u of %u bytes", step.arg[0],
              len);
        rc = hmx_recv(&ring_data, rbuf, sizeof(rbuf), &info);
        (void)hmx_notify(&ctx, NULL, 0);
        if (!check_msg("request", rc, &info, len, peer_id, SRC_PORT, 0x100u + i, i, 0))
            break;
        for (k = 0; k < len; k++)
            msg[k] = (uint8_t)(rbuf[len - 1 - k] ^ 0xa5u);
        rc = hmx_send(&ctx, PORT_DATA, &dst, msg, len, 0x200u + i);
        if (rc != (int)len) {
            check(0, "reply", "%u: %s", i, rcs(rc));
            break;
        }
        good++;
    }
    check(good == EXCHANGES, "requests-answered", "%u of %u", good, EXCHANGES);
}

/* Error paths a sends into: too large, no ring, ring full. */
static void test_errors_a(void)
{
    const uint32_t max = PAGE_RING_LEN - 32, p = 100;
    const uint32_t want_fill = (PAGE_RING_LEN + slot_bytes(p) - 1) / slot_bytes(p) - 1;
    struct hmx_addr data = addr_of(peer_id, PORT_DATA), none = addr_of(peer_id, PORT_NONE);
    struct hmx_addr full = addr_of(peer_id, PORT_FULL);
    struct hmx_send_addr sa_data = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_DATA, peer_id, 0}};
    struct hmx_send_addr sa_none = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_NONE, peer_id, 0}};
    struct hmx_send_addr sa_full = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_FULL, peer_id, 0}};
    struct hmx_giov gv = {(uint64_t)(uintptr_t)msg, max + 1, 0};
    uint32_t n = 0;
    int rc;

    group = "too-large";
    expect_rc("too-large", hmx_send(&ctx, SRC_PORT, &data, msg, max + 1, 1), HMX_EMSGSIZE);
    expect_raw("raw-too-large", raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_data,
                                         (uint64_t)(uintptr_t)&gv, 1, 1),
               ZEROEXT(HMX_EMSGSIZE), HMX_EMSGSIZE);
    {
        /* Two buffers, each within HMX_MSG_MAX, together beyond it. */
        struct hmx_iov big[2] = {{msg, HMX_MSG_MAX / 2 + 1}, {msg, HMX_MSG_MAX / 2 + 1}};

        expect_rc("larger-than-any-ring", hmx_sendv(&ctx, SRC_PORT, &data, big, 2, 1),
                  HMX_EMSGSIZE);
    }
    expect_query("too-large-wrote-nothing", peer_id, PORT_DATA, 0,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, max);

    group = "no-ring";
    gv.len = 1;
    expect_rc("no-ring", hmx_send(&ctx, SRC_PORT, &none, "x", 1, 1), HMX_ECONNREFUSED);
    expect_raw("raw-no-ring", raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_none,
                                       (uint64_t)(uintptr_t)&gv, 1, 1),
               ZEROEXT(HMX_ECONNREFUSED), HMX_ECONNREFUSED);
    expect_rc("no-domain", hmx_send(&ctx, SRC_PORT, &(struct hmx_addr){PORT_DATA, 42, 0}, "x", 1, 1),
              HMX_ESRCH);

    /* Fill b's ring, which b does not read until told. */
    group = "ring-full";
    for (;;) {
        uint32_t k;

        for (k = 0; k < p; k++)
            msg[k] = pattern(5000 + n, k);
        rc = hmx_send(&ctx, SRC_PORT, &full, msg, p, n);
        if (rc != (int)p)
            break;
        n++;
    }
    check(rc == HMX_EAGAIN && n == want_fill, "ring-full",
          "%u messages of %u bytes, then %s (want %u, then EAGAIN)", n, p, rcs(rc), want_fill);
    gv.len = p;
    expect_raw("raw-ring-full", raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_full,
                                         (uint64_t)(uintptr_t)&gv, 1, 0),
               ZEROEXT(HMX_EAGAIN), HMX_EAGAIN);
    expect_query("full-ring", peer_id, PORT_FULL, p, HMX_RING_EXISTS, max);
    if (ctl_send(CTL_FILLED, n, p, 0) < 0 || ctl_wait(CTL_DRAINED, NULL) < 0)
        return;
    expect_query("drained-ring", peer_id, PORT_FULL, p,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, max);
    expect_rc("send-after-drain", hmx_send(&ctx, SRC_PORT, &full, msg, p, 0), (int)p);
}

static void test_errors_b(void)
{
    struct ctl_msg step;
    uint32_t n, p, got = 0;

    group = "ring-full";
    if (ctl_wait(CTL_FILLED, &step) < 0)
        return;
    n = step.arg[0];
    p = step.arg[1];
    for (; got < n; got++) {
        struct hmx_msg_info info;
        int rc = hmx_recv(&ring_full, rbuf, sizeof(rbuf), &info);

        if (!check_msg("full-ring-message", rc, &info, p, peer_id, SRC_PORT, got, 5000 + got, 0))
            break;
    }
    check(got == n && n > 0, "full-ring-drained", "%u of %u messages verified", got, n);
    expect_rc("full-ring-empty", hmx_recv(&ring_full, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    expect_rc("notify-after-drain", hmx_notify(&ctx, NULL, 0), 0);
    ctl_send(CTL_DRAINED, got, 0, 0);
}

/* The bulk run: a sends many messages of varied sizes and iov counts
 * through b's 512-byte ring; b reads and checks every byte.  Sizes and
 * splits are functions of the sequence number, so both sides know them. */
static uint32_t bulk_size(uint32_t seq)
{
    const uint32_t max = BULK_RING_LEN - 32;

    if (seq % 97 == 0)
        return max;
    if (seq % 89 == 0)
        return 0;
    return hash32(seq) % (max + 1);
}

static void test_bulk_a(uint32_t messages)
{
    struct hmx_addr dst = addr_of(peer_id, PORT_BULK);
    uint32_t sent = 0, eagain = 0, spins = 0;
    uint64_t payload = 0;
    struct ctl_msg res;

    group = "bulk";
    while (sent < messages && spins < SPIN_LIMIT) {
        uint32_t size = bulk_size(sent), h = hash32(sent ^ 0xb0b0b0b0u);
        uint32_t niov = 1 + h % HMX_MAXIOV, i, off = 0;
        struct hmx_iov iov[HMX_MAXIOV];
        int rc;

        for (i = 0; i < size; i++)
            msg[i] = pattern(sent, i);
        for (i = 0; i < niov; i++) {
            uint32_t len = i == niov - 1 ? size - off : (hash32(h + i) % (size - off + 1)) / 2;

            /* Empty buffers are valid, but Xen logs each: keep a few. */
            if (len == 0 && size > off && (sent & 15) != 0)
                len = 1;

            iov[i].base = msg + off;
            iov[i].len = len;
            off += len;
        }
        rc = hmx_sendv(&ctx, BULK_SRC_PORT + (sent & 0xff), &dst, iov, niov, sent);
        if (rc == HMX_EAGAIN) {
            eagain++;
            spins++;
            yield();
            continue;
        }
        if (rc != (int)size) {
            check(0, "send", "message %u (%u bytes, %u iovs): %s", sent, size, niov, rcs(rc));
            break;
        }
        spins = 0;
        sent++;
        payload += size;
    }
    con_printf("HMXT info bulk-sent: %u messages, %llu payload bytes, %u EAGAIN\n", sent,
               (unsigned long long)payload, eagain);
    check(sent == messages, "all-sent", "%u of %u", sent, messages);
    check(eagain > 0, "ring-full-seen", "%u sends found the ring full and were retried", eagain);
    if (ctl_send(CTL_BULK_DONE, sent, eagain, 0) < 0 || ctl_wait(CTL_BULK_RESULT, &res) < 0)
        return;
    check(res.arg[0] == sent && res.arg[1] == 0, "peer-verified", "b received %u, %u wrong",
          res.arg[0], res.arg[1]);
}

static void test_bulk_b(uint32_t messages)
{
    uint32_t next = 0, bad = 0, spins = 0, i;
    uint64_t ring_bytes = 0, payload = 0;
    struct ctl_msg done;

    group = "bulk";
    while (next < messages && spins < SPIN_LIMIT) {
        struct hmx_msg_info info;
        uint32_t size = bulk_size(next);
        int rc = hmx_recv(&ring_bulk, rbuf, sizeof(rbuf), &info);

        if (rc == HMX_EAGAIN) {
            spins++;
            yield();
            continue;
        }
        spins = 0;
        /* Wake a, which may be waiting for space (and must not need to). */
        (void)hmx_notify(&ctx, NULL, 0);
        if (rc != (int)size || info.message_type != next || info.source.domain != peer_id ||
            info.source.port != BULK_SRC_PORT + (next & 0xff)) {
            check(0, "message", "%u: %s, type %u from d%u:0x%x (want %u bytes)", next, rcs(rc),
                  info.message_type, info.source.domain, info.source.port, size);
            bad++;
            break; /* out of step: the rest cannot be matched */
        }
        for (i = 0; i < size; i++)
            if (rbuf[i] != pattern(next, i))
                break;
        if (i != size) {
            check(0, "payload", "message %u: byte %u of %u differs", next, i, size);
            bad++;
        }
        ring_bytes += slot_bytes(size);
        payload += size;
        next++;
    }
    con_printf("HMXT info bulk-received: %u messages, %llu payload bytes, %llu ring bytes, "
               "%llu wraps\n", next, (unsigned long long)payload, (unsigned long long)ring_bytes,
               (unsigned long long)(ring_bytes / BULK_RING_LEN));
    check(next == messages && bad == 0, "all-received-in-order", "%u of %u, %u wrong", next,
          messages, bad);
    check(ring_bytes / BULK_RING_LEN >= 100, "wrap-around", "the %u-byte ring wrapped %llu times",
          BULK_RING_LEN, (unsigned long long)(ring_bytes / BULK_RING_LEN));
    expect_rc("nothing-more", hmx_recv(&ring_bulk, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    if (ctl_wait(CTL_BULK_DONE, &done) < 0)
        return;
    check(done.arg[0] == next, "count-agrees", "a sent %u, b received %u", done.arg[0], next);
    ctl_send(CTL_BULK_RESULT, next, bad, 0);
}

static void test_argo(const struct hmx_probe_result *res, uint32_t messages)
{
    struct hmx_open_probed_args oa = {.arch = arch, .env = NULL, .call_page = NULL};
    int rc;

    group = "setup";
    rc = hmx_open_probed(&ctx, res, &oa);
    check(rc == 0 && streq(hmx_backend_name(&ctx), "xen-hypercall"), "open-probed", "%s on %s",
          rcs(rc), hmx_backend_name(&ctx));
    if (rc < 0)
        return;
    expect_rc("notify-null", hmx_notify(&ctx, NULL, 0), 0);
    /* The control ring last: once the peer sees it, it sees them all. */
    if (role_a) {
        expect_rc("register-reply", reg(&ring_data, mem_data, sizeof(mem_data), PORT_REPLY, peer_id), 0);
    } else {
        expect_rc("register-data", reg(&ring_data, mem_data, sizeof(mem_data), PORT_DATA, peer_id), 0);
        expect_rc("register-bulk", reg(&ring_bulk, mem_bulk, HMX_RING_HDR_SIZE + BULK_RING_LEN,
                                       PORT_BULK, peer_id), 0);
        check(hmx_ring_size(&ring_bulk) == BULK_RING_LEN, "bulk-ring-length", "%u",
              hmx_ring_size(&ring_bulk));
        expect_rc("register-full", reg(&ring_full, mem_full, sizeof(mem_full), PORT_FULL, peer_id), 0);
    }
    expect_rc("register-control", reg(&ring_ctl, mem_ctl, sizeof(mem_ctl), PORT_CTL, peer_id), 0);
    expect_rc("peer-control-ring", wait_ring(PORT_CTL), 0);
    if (role_a) {
        if (ctl_wait(CTL_READY, NULL) < 0)
            return;
    } else if (ctl_send(CTL_READY, 0, 0, 0) < 0) {
        return;
    }
    con_printf("HMXT info in step with d%u\n", peer_id);

    test_queries();
    if (role_a) {
        test_exchange_a();
        test_errors_a();
        test_bulk_a(messages);
        ctl_send(CTL_BYE, 0, 0, 0);
    } else {
        test_exchange_b();
        test_errors_b();
        test_bulk_b(messages);
        ctl_wait(CTL_BYE, NULL);
    }

    group = "teardown";
    expect_rc("unregister-control", hmx_ring_unregister(&ctx, &ring_ctl), 0);
    expect_rc("unregister-data", hmx_ring_unregister(&ctx, &ring_data), 0);
    if (!role_a) {
        expect_rc("unregister-bulk", hmx_ring_unregister(&ctx, &ring_bulk), 0);
        expect_rc("unregister-full", hmx_ring_unregister(&ctx, &ring_full), 0);
    }
    hmx_close(&ctx);
}

void guest_main(const void *fdt)
{
    static struct hmx_probe_result res;
    char role[8], scenario[16], val[16];
    const char *p;
    unsigned xmaj, xmin, messages;
    int off, len;

    arch = hmx_arch_native();
    if (fdt_check_header(fdt) == 0 && (off = fdt_path_offset(fdt, "/chosen")) >= 0) {
        p = fdt_getprop(fdt, off, "bootargs", &len);
        if (p != NULL && len > 0 && p[len - 1] == '\0')
            bootargs = p;
    }
    con_printf("HMXT info bootargs: %s\n", bootargs);
    arg("role", role, sizeof(role));
    arg("scenario", scenario, sizeof(scenario));
    role_a = streq(role, "a");
    p = arg("self", val, sizeof(val));
    self_id = (hmx_domid_t)parse_uint(&p);
    p = arg("peer", val, sizeof(val));
    peer_id = (hmx_domid_t)parse_uint(&p);
    p = arg("xen", val, sizeof(val));
    xmaj = parse_uint(&p);
    if (*p == '.')
        p++;
    xmin = parse_uint(&p);
    p = arg("messages", val, sizeof(val));
    messages = *p ? parse_uint(&p) : 1200;
    group = "boot";
    check(scenario[0] != '\0' && self_id != 0 && peer_id != 0, "bootargs", "role %s, d%u and d%u",
          role, self_id, peer_id);

    test_probe(&res, fdt, scenario, xmaj, xmin);
    if (streq(scenario, "disabled")) {
        test_disabled(&res);
    } else if (res.chosen == HMX_MECH_XEN_HYPERCALL) {
        if (streq(scenario, "argo")) {
            test_argo(&res, messages);
        } else {
            struct hmx_open_probed_args oa = {.arch = arch};

            expect_rc("open-probed", hmx_open_probed(&ctx, &res, &oa), 0);
            test_xsm(streq(scenario, "silo"));
            hmx_close(&ctx);
        }
    }
    finish();
}
