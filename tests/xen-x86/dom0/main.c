/* SPDX-License-Identifier: MIT */
/*
 * The test dom0: libhmx's freestanding core against a real Xen, with no
 * toolstack and no other domain.  The probe finds Xen, its hypercall page
 * and Argo; then, when Argo is there, every operation runs against rings
 * this domain registers for itself (a domain may be its own partner), and
 * every error Xen can produce for a lone dom0 is provoked and decoded.
 *
 * Command line (the multiboot module's string):
 *   expect=present|disabled|absent   what the probe must report for Argo
 *   mac=strict|permissive            Xen's Argo MAC (argo=...,mac-permissive=1)
 *   xen=MAJOR.MINOR                  the version Xen's CPUID must report
 *   messages=N                       the bulk run's length (default 1200)
 *
 * Output, one line per fact, on Xen's console:
 *   HMXT ok   NAME: detail          a check that held
 *   HMXT FAIL NAME: detail          a check that did not
 *   HMXT | ...                      the report `hmx probe` prints
 *   HMXT info KEY: ...              figures
 *   HMXT note KEY: ...              what plain CPUID finds in a PV domain
 *                                   (the probe then uses hmx_arch_xen_pv())
 *   HMXT result: N passed, M failed
 * then QEMU's isa-debug-exit with 0 (all passed) or 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "hmx/arch.h"
#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/v4v.h"
#include "hmx/xen.h"
#include "xen_abi.h"

void dom0_main(unsigned long mode, unsigned long start_info);
int memcmp(const void *a, const void *b, size_t n); /* rt.c */

enum { MODE_PVH = 0, MODE_PV = 1 };

extern uint8_t hypercall_page[4096];

#define DOM0 ((hmx_domid_t)0)
#define NO_DOMAIN ((hmx_domid_t)42)
#define PORT_A 0x1000u
#define PORT_B 0x2000u
#define PORT_ANY 0x3000u
#define PORT_MANY 0x4000u
#define PORT_NONE 0x5000u
#define SRC_PORT 0x700u

#define RING_A_LEN 4032u /* one page: 4096 - 64 */
#define RING_B_LEN 512u  /* the small ring of the bulk run */

static int mode;
static const char *cmdline = "";
static unsigned n_pass, n_fail;

/* ---- checks ------------------------------------------------------------ */

static void check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    con_printf("HMXT %s %s", ok ? "ok  " : "FAIL", name);
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

/* "0", "ECONNREFUSED", or a payload count. */
static const char *rcs(int rc)
{
    static char buf[4][16];
    static unsigned next;
    char *b;
    unsigned i = 0, n;
    char tmp[12];

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

/* ---- command line -------------------------------------------------------- */

static int streq_n(const char *a, const char *b, size_t n)
{
    while (n--) {
        if (*a != *b)
            return 0;
        if (*a == '\0')
            return 1;
        a++;
        b++;
    }
    return 1;
}

/* The value of key= in the command line, copied into out; "" if absent. */
static const char *arg(const char *key, char *out, size_t cap)
{
    size_t klen = 0, n = 0;
    const char *p = cmdline;

    while (key[klen])
        klen++;
    while (*p) {
        while (*p == ' ')
            p++;
        if (streq_n(p, key, klen) && p[klen] == '=') {
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

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static unsigned parse_uint(const char **p)
{
    unsigned v = 0;

    while (**p >= '0' && **p <= '9')
        v = v * 10 + (unsigned)(*(*p)++ - '0');
    return v;
}

/* ---- PV address translation: pseudo-physical frame -> machine frame ---- */

static const uint64_t *pv_mfn_list;
static uint64_t pv_nr_pages;

static int pv_virt_to_gpa(void *user, const void *va, uint64_t *gpa)
{
    uintptr_t v = (uintptr_t)va;
    uint64_t pfn = v >> 12; /* VIRT_BASE 0: virtual == pseudo-physical */

    (void)user;
    if (pfn >= pv_nr_pages)
        return HMX_EFAULT;
    *gpa = (pv_mfn_list[pfn] << 12) | (v & 0xFFFu);
    return 0;
}

static const struct hmx_env pv_env = {.virt_to_gpa = pv_virt_to_gpa, .page_size = 4096};

/* ---- the `hmx probe` report ------------------------------------------------ */

static const uint32_t shown[] = {HMX_MECH_XEN_HYPERCALL, HMX_MECH_MSR, HMX_MECH_CPUID,
                                 HMX_MECH_SMCCC, HMX_MECH_INPROC};

/* The text `hmx probe` prints (tools/hmx/cmd_probe.c), each line prefixed. */
static void print_probe(const struct hmx_probe_result *r)
{
    unsigned i;

    con_printf("HMXT | hypervisor:  %s%s\n", hmx_hypervisor_name(r->hypervisor),
               r->hypervisor_bit ? "" : " (no hypervisor bit: bare metal or hidden)");
    for (i = 0; i < r->nranges; i++)
        con_printf("HMXT |   cpuid 0x%08x  \"%s\"  %s, leaves to 0x%08x\n", r->ranges[i].base,
                   r->ranges[i].signature, hmx_hypervisor_name(r->ranges[i].hypervisor),
                   r->ranges[i].max_leaf);
    if (r->hmx_base)
        con_printf("HMXT | HMX block:   at 0x%08x, interface %u.%u, mechanisms 0x%x, features 0x%llx\n",
                   r->hmx_base, r->hmx_version >> 16, r->hmx_version & 0xFFFF, r->hmx_mechanisms,
                   (unsigned long long)r->hmx_features);
    else
        con_printf("HMXT | HMX block:   none\n");
    if (r->xen_base)
        con_printf("HMXT | Xen:         %u.%u at 0x%08x; Argo %s (%s)\n", r->xen_version >> 16,
                   r->xen_version & 0xFFFF, r->xen_base, hmx_argo_status_name(r->argo_status),
                   hmx_err_name(r->argo_rc));
    con_printf("HMXT | mechanisms:\n");
    for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const struct hmx_mech_report *m = &r->mech[shown[i]];
        const char *state = shown[i] == HMX_MECH_INPROC ? "built-in"
                            : m->chosen                ? "CHOSEN"
                            : m->usable                ? "usable"
                            : m->offered               ? "offered"
                                                       : "absent";

        con_printf("HMXT |   %-14s %-8s %s\n", hmx_mechanism_name(shown[i]), state, m->why);
    }
    con_printf("HMXT | chosen:      %s\n", hmx_mechanism_name(r->chosen));
    con_printf("HMXT | features:    0x%llx\n", (unsigned long long)r->features);
    con_printf("HMXT | traps:       %u trapping instructions during the probe\n", r->traps);
}

/* ---- raw argo_op: Xen's own answer, before libhmx decodes it ------------ */

static const struct hmx_arch_ops *arch;
static hmx_ctx ctx;

static uint64_t raw_argo(uint32_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    uint64_t args[5] = {op, a1, a2, a3, a4}, ret = 0x5a5a5a5a5a5a5a5aull;
    int rc = arch->xen_hypercall(arch->ctx, HMX_XEN_ENTRY_PAGE, hypercall_page,
                                 HMX_XEN_HYPERCALL_ARGO_OP, args, &ret);

    if (rc < 0)
        check(0, "raw-hypercall", "arch refused: %s", rcs(rc));
    return ret;
}

static void expect_raw(const char *name, uint64_t raw, uint64_t want_raw, int want_decoded)
{
    int dec = hmx_xen_decode(raw);

    check(raw == want_raw && dec == want_decoded, name, "Xen returned 0x%llx (want 0x%llx), decoded %s (want %s)",
          (unsigned long long)raw, (unsigned long long)want_raw, rcs(dec), rcs(want_decoded));
}

/* What Xen leaves in rax for the HMX_E* code e: -errno as a long, or the
 * 32-bit -errno zero-extended (Xen 4.17's sendv after its ring lookup). */
#define SIGNEXT(e) ((uint64_t)(int64_t)(e))
#define ZEROEXT(e) ((uint64_t)(uint32_t)(int32_t)(e))

/* ---- helpers ------------------------------------------------------------- */

static uint32_t rng_state = 0x12345678u;

static uint32_t rnd(void)
{
    uint32_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint8_t pattern(uint32_t seq, uint32_t i)
{
    return (uint8_t)(seq * 131u + i * 7u + (i >> 8));
}

static uint32_t roundup16(uint32_t n)
{
    return (n + 15u) & ~15u;
}

static struct hmx_addr addr_of(hmx_domid_t dom, hmx_port_t port)
{
    struct hmx_addr a = {.port = port, .domain = dom, .pad = 0};

    return a;
}

/* One query through the library, compared with what Xen's rules say. */
static void expect_query(const char *name, hmx_domid_t dom, hmx_port_t port, uint32_t space,
                         uint16_t want_flags, uint32_t want_max)
{
    struct hmx_addr a = addr_of(dom, port);
    struct hmx_ring_query q;
    int rc = hmx_query(&ctx, &a, space, &q);

    check(rc == 0 && q.flags == want_flags && q.max_message_size == want_max, name,
          "rc %s, flags 0x%x (want 0x%x), max message %u (want %u)", rcs(rc), q.flags, want_flags,
          q.max_message_size, want_max);
}

static _Alignas(4096) uint8_t mem_a[4096];
static _Alignas(4096) uint8_t mem_a2[2 * 4096];
static _Alignas(4096) uint8_t mem_b[4096];
static _Alignas(4096) uint8_t mem_any[4096];
static _Alignas(4096) uint8_t mem_many[HMX_RINGS_PER_DOMAIN_MAX + 1][4096];
static _Alignas(4096) uint8_t src[3 * 4096];
static uint8_t rbuf[8192];
static struct hmx_ring ring_a, ring_b, ring_any, ring_tmp;
static struct hmx_ring ring_many[HMX_RINGS_PER_DOMAIN_MAX + 1];

static int reg(struct hmx_ring *r, void *mem, size_t size, hmx_port_t port, hmx_domid_t partner,
               uint32_t flags)
{
    struct hmx_ring_config c = {.mem = mem, .mem_size = size, .port = port, .partner = partner,
                                .flags = flags};

    return hmx_ring_register(&ctx, r, &c);
}

/* ---- the tests ------------------------------------------------------------ */

static void test_probe(struct hmx_probe_result *res, const char *expect, unsigned xmaj,
                       unsigned xmin)
{
    struct hmx_probe_options opt = {0};
    uint32_t want_status = streq(expect, "present")    ? HMX_ARGO_PRESENT
                           : streq(expect, "disabled") ? HMX_ARGO_DISABLED
                                                       : HMX_ARGO_ABSENT;
    int want_rc = want_status == HMX_ARGO_PRESENT    ? 0
                  : want_status == HMX_ARGO_DISABLED ? HMX_EOPNOTSUPP
                                                     : HMX_ENOSYS;
    const uint8_t *stub;
    int rc, found = 0;
    unsigned i;

    opt.xen_hypercall_page = hypercall_page;
    opt.xen_page_ready = mode == MODE_PV; /* PV: Xen filled it at build time */
    opt.env = mode == MODE_PV ? &pv_env : NULL;
    if (mode == MODE_PV) {
        /* First as libhmx would on its own, to record what a PV kernel's
         * plain CPUID sees here. */
        opt.arch = hmx_arch_native();
        rc = hmx_probe(res, &opt);
        con_printf("HMXT note pv-plain-cpuid: hmx_probe with hmx_arch_native() in a PV domain finds "
                   "%s (\"%s\", Argo %s): plain CPUID is %s\n",
                   hmx_hypervisor_name(res->hypervisor), res->signature,
                   hmx_argo_status_name(res->argo_status),
                   res->hypervisor == HMX_HV_XEN ? "trapped by Xen (CPUID faulting)"
                                                 : "not trapped by Xen here (no CPUID faulting)");
        opt.arch = hmx_arch_xen_pv();
    }
    rc = hmx_probe(res, &opt);

    /* From here on Xen's console is reachable through the page the probe
     * settled on; what was printed so far follows. */
    if (res->xen_entry == HMX_XEN_ENTRY_PAGE)
        con_attach(arch, HMX_XEN_ENTRY_PAGE, res->xen_hypercall_page);
    con_printf("HMXT info mode: %s dom0, command line \"%s\"\n", mode == MODE_PV ? "PV" : "PVH",
               cmdline);
    print_probe(res);

    expect_rc("probe", rc, 0);
    check(res->hypervisor_bit == 1, "probe-hypervisor-bit", "CPUID.1:ECX[31] = %u",
          res->hypervisor_bit);
    check(res->hypervisor == HMX_HV_XEN && streq(res->signature, "XenVMMXenVMM"),
          "probe-identifies-xen", "%s, signature \"%s\"", hmx_hypervisor_name(res->hypervisor),
          res->signature);
    check(res->xen_base == 0x40000000u, "probe-xen-leaves", "Xen's leaves at 0x%08x",
          res->xen_base);
    check(res->xen_version == (xmaj << 16 | xmin), "probe-xen-version", "%u.%u (Xen is %u.%u)",
          res->xen_version >> 16, res->xen_version & 0xFFFF, xmaj, xmin);
    check(res->xen_hypercall_msr == 0x40000000u, "probe-hypercall-msr",
          "leaf 0x40000002 EBX = 0x%08x", res->xen_hypercall_msr);
    check(res->xen_entry == HMX_XEN_ENTRY_PAGE && res->xen_hypercall_page == hypercall_page,
          "probe-hypercall-page", "entry %u, page %p (%s)", res->xen_entry,
          res->xen_hypercall_page,
          mode == MODE_PV ? "filled by Xen from the ELF note" : "installed through the MSR");

    /* What Xen wrote into the page: PV stubs enter with syscall, HVM ones
     * with vmcall (Intel) or vmmcall (AMD). */
    stub = hypercall_page + HMX_XEN_HYPERCALL_ARGO_OP * D0_HYPERCALL_STUB_SIZE;
    for (i = 0; i + 3 <= D0_HYPERCALL_STUB_SIZE; i++) {
        if (mode == MODE_PV && stub[i] == 0x0f && stub[i + 1] == 0x05)
            found = 1;
        if (mode == MODE_PVH && stub[i] == 0x0f && stub[i + 1] == 0x01 &&
            (stub[i + 2] == 0xd9 || stub[i + 2] == 0xc1))
            found = stub[i + 2] == 0xd9 ? 2 : 3;
    }
    check(found != 0, "hypercall-page-stubs", "argo_op stub enters Xen with %s",
          found == 1 ? "syscall" : found == 2 ? "vmmcall" : found == 3 ? "vmcall" : "nothing known");

    check(res->argo_status == want_status && res->argo_rc == want_rc, "probe-argo-status",
          "Argo %s (%s); want %s (%s)", hmx_argo_status_name(res->argo_status),
          hmx_err_name(res->argo_rc), hmx_argo_status_name(want_status), hmx_err_name(want_rc));
    check(res->mech[HMX_MECH_XEN_HYPERCALL].offered == 1 &&
              res->mech[HMX_MECH_XEN_HYPERCALL].usable == (want_status == HMX_ARGO_PRESENT),
          "probe-mechanism", "xen-hypercall offered %u usable %u (%s)",
          res->mech[HMX_MECH_XEN_HYPERCALL].offered, res->mech[HMX_MECH_XEN_HYPERCALL].usable,
          res->mech[HMX_MECH_XEN_HYPERCALL].why);
    check(res->chosen == (want_status == HMX_ARGO_PRESENT ? HMX_MECH_XEN_HYPERCALL : HMX_MECH_NONE),
          "probe-chosen", "%s", hmx_mechanism_name(res->chosen));
    con_printf("HMXT info argo: %s\n", hmx_argo_status_name(res->argo_status));
}

/*
 * The probe once more, asked to classify v4v too (spec §20.8), against a
 * real Xen: its harmless calls must find no v4v here and leave Argo's
 * classification as it was.  Argo answers the unknown cmd with
 * EOPNOTSUPP, and Xen 4.17 has no hypercall 43 (ENOSYS).
 */
static void test_v4v_probe(const struct hmx_probe_result *first)
{
    struct hmx_probe_options opt = {0};
    struct hmx_probe_result res;
    const int present = first->argo_status == HMX_ARGO_PRESENT;
    int rc;

    opt.xen_hypercall_page = hypercall_page;
    opt.xen_page_ready = 1; /* installed (or filled) by the first probe */
    opt.env = mode == MODE_PV ? &pv_env : NULL;
    opt.arch = mode == MODE_PV ? hmx_arch_xen_pv() : NULL;
    opt.allow = HMX_MECH_BIT(HMX_MECH_XEN_HYPERCALL) | HMX_MECH_BIT(HMX_MECH_V4V_OPENXT) |
                HMX_MECH_BIT(HMX_MECH_V4V_UXEN);
    rc = hmx_probe(&res, &opt);
    expect_rc("v4v-probe", rc, 0);
    check(res.argo_status == first->argo_status && res.argo_rc == first->argo_rc,
          "v4v-probe-argo-unchanged", "Argo %s (%s)", hmx_argo_status_name(res.argo_status),
          hmx_err_name(res.argo_rc));
    if (present)
        check(res.v4v_probe_rc[0] == HMX_EOPNOTSUPP, "v4v-probe-argo-unknown-cmd",
              "cmd 0x%x on hypercall 39: %s (want EOPNOTSUPP: Argo, not v4v)", HMX_V4V_OP_PROBE,
              hmx_err_name(res.v4v_probe_rc[0]));
    check(res.v4v_notify_rc[1] == HMX_ENOSYS, "v4v-probe-no-hypercall-43",
          "notify on hypercall 43: %s (want ENOSYS)", hmx_err_name(res.v4v_notify_rc[1]));
    check(!res.mech[HMX_MECH_V4V_OPENXT].offered && !res.mech[HMX_MECH_V4V_UXEN].offered,
          "v4v-probe-no-v4v", "openxt offered %u, uxen offered %u",
          res.mech[HMX_MECH_V4V_OPENXT].offered, res.mech[HMX_MECH_V4V_UXEN].offered);
    check(res.chosen == first->chosen, "v4v-probe-chosen", "%s",
          hmx_mechanism_name(res.chosen));
    /* Two more hypercalls with Argo (the unknown cmd on 39, notify on 43),
     * one without; the page was ready, so no WRMSR this time. */
    check(res.traps == first->traps + (present ? 2u : 1u) - (mode == MODE_PV ? 0u : 1u),
          "v4v-probe-traps", "%u trapping instructions (first probe %u)", res.traps,
          first->traps);
}

/* Argo built in but off, or not built: every operation says so. */
static void test_no_argo(const struct hmx_probe_result *res)
{
    int want = res->argo_status == HMX_ARGO_DISABLED ? HMX_EOPNOTSUPP : HMX_ENOSYS;
    struct hmx_xen_config xc = {.arch = arch, .entry = HMX_XEN_ENTRY_PAGE,
                                .hypercall_page = hypercall_page};
    struct hmx_open_args oa = {.backend = &hmx_backend_xen, .backend_config = &xc,
                               .env = mode == MODE_PV ? &pv_env : NULL};
    struct hmx_addr dst = addr_of(DOM0, PORT_A);
    struct hmx_ring_query q;
    int rc;

    expect_rc("open-probed-no-mechanism", hmx_open_probed(&ctx, res, NULL), HMX_ENOMECH);
    rc = hmx_open(&ctx, &oa);
    expect_rc("open-xen-backend", rc, 0);
    if (rc < 0)
        return;
    expect_rc("register-without-argo", reg(&ring_a, mem_a, sizeof(mem_a), PORT_A, DOM0, 0), want);
    expect_rc("sendv-without-argo", hmx_send(&ctx, SRC_PORT, &dst, "x", 1, 1), want);
    expect_rc("notify-without-argo", hmx_notify(&ctx, NULL, 0), want);
    expect_rc("query-without-argo", hmx_query(&ctx, &dst, 0, &q), want);
    expect_raw("raw-notify-without-argo", raw_argo(HMX_OP_NOTIFY, 0, 0, 0, 0),
               SIGNEXT(want), want);
    hmx_close(&ctx);
}

static void test_basics(void)
{
    struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query ent[1];
    } raw = {{1, 0}, {{{PORT_A, DOM0, 0}, 0, 0, 0, 0}}};
    uint64_t r;

    expect_rc("notify-null", hmx_notify(&ctx, NULL, 0), 0);
    expect_rc("register-ring", reg(&ring_a, mem_a, sizeof(mem_a), PORT_A, DOM0, 0), 0);
    check(hmx_ring_size(&ring_a) == RING_A_LEN, "ring-length", "%u bytes of data",
          hmx_ring_size(&ring_a));
    expect_query("query-empty-ring", DOM0, PORT_A, 0,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, RING_A_LEN - 32);

    /* The same question straight to Xen, bypassing the marshalling. */
    r = raw_argo(HMX_OP_NOTIFY, (uint64_t)(uintptr_t)&raw, 0, 0, 0);
    check(r == 0 && raw.ent[0].flags == (HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT) &&
              raw.ent[0].max_message_size == RING_A_LEN - 32,
          "raw-query-agrees", "Xen: rc 0x%llx flags 0x%x max %u", (unsigned long long)r,
          raw.ent[0].flags, raw.ent[0].max_message_size);
    expect_query("query-absent-port", DOM0, PORT_NONE, 0, 0, 0);
    expect_query("query-absent-domain", NO_DOMAIN, PORT_A, 0, 0, 0);
}

/* niov = 1..8 buffers of odd lengths and alignments, one across a page
 * boundary, some empty; read back through hmx_recv. */
static void test_sendv(void)
{
    unsigned niov, i, bad = 0;

    for (i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 37u + 11u);
    for (niov = 1; niov <= HMX_MAXIOV; niov++) {
        struct hmx_iov iov[HMX_MAXIOV];
        struct hmx_addr dst = addr_of(DOM0, PORT_A);
        struct hmx_msg_info info;
        uint8_t want[2048];
        uint32_t total = 0, off = 5;
        int rc;

        for (i = 0; i < niov; i++) {
            uint32_t len = (niov * 41u + i * 97u) % 300u;

            if (niov >= 3 && i == 1)
                len = 0; /* an empty buffer in the middle */
            if (i == niov - 1 && niov > 1) {
                off = 4096 - 13; /* across a page boundary */
                len = 60;
            }
            iov[i].base = src + off;
            iov[i].len = len;
            for (uint32_t k = 0; k < len; k++)
                want[total + k] = src[off + k];
            total += len;
            off += len + 3;
        }
        rc = hmx_sendv(&ctx, SRC_PORT + niov, &dst, iov, niov, 0x100u + niov);
        if (rc != (int)total) {
            check(0, "sendv-niov", "niov %u: %s, want %u", niov, rcs(rc), total);
            bad++;
            continue;
        }
        if (niov == 1) {
            /* Unread message: exists, space left, not empty. */
            expect_query("query-unread-message", DOM0, PORT_A, 16,
                         HMX_RING_EXISTS | HMX_RING_SUFFICIENT, RING_A_LEN - 32);
            /* Too small a buffer: nothing consumed. */
            rc = hmx_recv(&ring_a, rbuf, total > 0 ? total - 1 : 0, &info);
            check(total == 0 || (rc == HMX_ENOBUFS && info.len == total), "recv-short-buffer",
                  "%s, length %u", rcs(rc), info.len);
        }
        rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
        if (rc != (int)total || info.len != total || info.source.domain != DOM0 ||
            info.source.port != SRC_PORT + niov || info.message_type != 0x100u + niov ||
            memcmp(rbuf, want, total) != 0) {
            check(0, "sendv-recv", "niov %u: %s, len %u from %u:0x%x type 0x%x", niov, rcs(rc),
                  info.len, info.source.domain, info.source.port, info.message_type);
            bad++;
        } else {
            con_printf("HMXT info sendv niov %u: %u bytes from d%u:0x%x type 0x%x\n", niov, total,
                       info.source.domain, info.source.port, info.message_type);
        }
    }
    check(bad == 0, "sendv-1-to-8-iovs", "%u of %u messages wrong", bad, HMX_MAXIOV);
    expect_query("query-after-read", DOM0, PORT_A, 16,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, RING_A_LEN - 32);
    expect_rc("recv-empty", hmx_recv(&ring_a, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    expect_rc("notify-after-read", hmx_notify(&ctx, NULL, 0), 0);
}

/*
 * Many messages per trap (spec 19) on Xen: no feature bit, so
 * hmx_sendv_batch sends one sendv per message (counted at the hypercall)
 * with the same results and stop rule, and async setup is refused.
 */
static const struct hmx_arch_ops *real_arch;
static struct hmx_arch_ops counting_arch;
static unsigned argo_sendv_calls, argo_other_calls;

static int counting_hypercall(void *c, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                              const uint64_t args[5], uint64_t *ret)
{
    if (nr == HMX_XEN_HYPERCALL_ARGO_OP) {
        if (args[0] == HMX_OP_SENDV)
            argo_sendv_calls++;
        else
            argo_other_calls++;
    }
    return real_arch->xen_hypercall(c, entry, page, nr, args, ret);
}

static void test_batch_fallback(void)
{
    struct hmx_iov iov[8][2];
    struct hmx_send_desc d[8];
    int32_t res[8];
    struct hmx_msg_info info;
    struct hmx_async q;
    unsigned i, sends0, other0, bad = 0;
    int rc;

    check((hmx_features(&ctx) & (HMX_FEAT_BATCH | HMX_FEAT_ASYNC)) == 0, "batch-no-feature",
          "features 0x%llx", (unsigned long long)hmx_features(&ctx));
    for (i = 0; i < 8; i++) {
        iov[i][0].base = src + i * 100u;
        iov[i][0].len = 10u + i;
        iov[i][1].base = src + 4096u - 7u; /* across a page boundary */
        iov[i][1].len = 20u;
        d[i].iov = iov[i];
        d[i].niov = 2;
        d[i].src_port = SRC_PORT;
        d[i].dst = addr_of(DOM0, i == 3 ? PORT_NONE : PORT_A);
        d[i].message_type = 0x200u + i;
        res[i] = 0x5A5A5A5A;
    }
    sends0 = argo_sendv_calls;
    other0 = argo_other_calls;
    rc = hmx_sendv_batch(&ctx, d, 8, 0, res);
    check(rc == 8 && argo_sendv_calls - sends0 == 8 && argo_other_calls == other0,
          "batch-fallback-one-sendv-each", "%s; %u argo_op sendv, %u other argo_op", rcs(rc),
          argo_sendv_calls - sends0, argo_other_calls - other0);
    expect_rc("batch-fallback-refused", res[3], HMX_ECONNREFUSED);
    for (i = 0; i < 8; i++) {
        if (i == 3)
            continue;
        rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
        if (res[i] != (int32_t)(30u + i) || rc != (int)(30u + i) ||
            info.message_type != 0x200u + i || memcmp(rbuf, src + i * 100u, 10u + i) != 0 ||
            memcmp(rbuf + 10u + i, src + 4096u - 7u, 20u) != 0)
            bad++;
    }
    check(bad == 0, "batch-fallback-delivered", "%u of 7 messages wrong", bad);
    /* HMX_BATCH_STOP: ends at the refused one, the rest untouched. */
    for (i = 0; i < 8; i++)
        res[i] = 0x5A5A5A5A;
    sends0 = argo_sendv_calls;
    rc = hmx_sendv_batch(&ctx, d, 8, HMX_BATCH_STOP, res);
    check(rc == 4 && argo_sendv_calls - sends0 == 4 && res[3] == HMX_ECONNREFUSED &&
              res[4] == 0x5A5A5A5A,
          "batch-fallback-stop", "%s after %u sendv", rcs(rc), argo_sendv_calls - sends0);
    for (i = 0; i < 3; i++)
        rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
    expect_rc("batch-fallback-drained", hmx_recv(&ring_a, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    expect_rc("batch-fallback-notify", hmx_notify(&ctx, NULL, 0), 0);
    __builtin_memset(&q, 0, sizeof(q));
    other0 = argo_other_calls;
    expect_rc("async-not-offered", hmx_async_setup(&ctx, &q, mem_many[0], 4096, 16),
              HMX_EOPNOTSUPP);
    check(argo_other_calls == other0, "async-no-call", "%u argo_op", argo_other_calls - other0);
}

/* Largest message, one byte more, and what Xen says about both. */
static void test_msgsize(void)
{
    const uint32_t max = RING_A_LEN - 32;
    struct hmx_addr dst = addr_of(DOM0, PORT_A);
    struct hmx_send_addr sa = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_A, DOM0, 0}};
    struct hmx_giov gv = {(uint64_t)(uintptr_t)src, max + 1, 0};
    struct hmx_msg_info info;
    int rc;

    rc = hmx_send(&ctx, SRC_PORT, &dst, src, max, 7);
    expect_rc("send-largest", rc, (int)max);
    rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
    check(rc == (int)max && memcmp(rbuf, src, max) == 0, "recv-largest", "%s", rcs(rc));
    expect_rc("send-too-large", hmx_send(&ctx, SRC_PORT, &dst, src, max + 1, 7), HMX_EMSGSIZE);
    expect_raw("raw-send-too-large",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa, (uint64_t)(uintptr_t)&gv, 1, 7),
               ZEROEXT(HMX_EMSGSIZE), HMX_EMSGSIZE);
    expect_query("query-too-large", DOM0, PORT_A, max + 1,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE, max);
    expect_query("query-largest", DOM0, PORT_A, max,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, max);
}

/* Fill the ring until Xen says EAGAIN; read one; send again; drain. */
static void test_full(void)
{
    const uint32_t p = 100, slot = 16 + roundup16(100);
    const uint32_t want_n = (RING_A_LEN + slot - 1) / slot - 1;
    struct hmx_addr dst = addr_of(DOM0, PORT_A);
    struct hmx_send_addr sa = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_A, DOM0, 0}};
    struct hmx_giov gv = {(uint64_t)(uintptr_t)src, p, 0};
    struct hmx_msg_info info;
    uint32_t n = 0, got = 0, bad = 0;
    int rc;

    for (;;) {
        rc = hmx_send(&ctx, SRC_PORT, &dst, src + n, p, n);
        if (rc != (int)p)
            break;
        n++;
    }
    check(rc == HMX_EAGAIN && n == want_n, "ring-full", "%u messages of %u bytes, then %s (want %u, then EAGAIN)",
          n, p, rcs(rc), want_n);
    expect_raw("raw-send-ring-full",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa, (uint64_t)(uintptr_t)&gv, 1, 0),
               ZEROEXT(HMX_EAGAIN), HMX_EAGAIN);
    expect_query("query-full-ring", DOM0, PORT_A, p, HMX_RING_EXISTS, RING_A_LEN - 32);

    rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
    check(rc == (int)p && info.message_type == 0 && memcmp(rbuf, src, p) == 0, "recv-from-full",
          "%s, type %u", rcs(rc), info.message_type);
    expect_rc("notify-space", hmx_notify(&ctx, NULL, 0), 0);
    expect_query("query-space-after-read", DOM0, PORT_A, p,
                 HMX_RING_EXISTS | HMX_RING_SUFFICIENT, RING_A_LEN - 32);
    expect_rc("send-after-read", hmx_send(&ctx, SRC_PORT, &dst, src + n, p, n), (int)p);
    for (got = 1; got <= n; got++) {
        rc = hmx_recv(&ring_a, rbuf, sizeof(rbuf), &info);
        if (rc != (int)p || info.message_type != got || memcmp(rbuf, src + got, p) != 0)
            bad++;
    }
    check(bad == 0, "drain-full-ring", "%u messages, %u wrong", n, bad);
    expect_rc("drained", hmx_recv(&ring_a, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    hmx_notify(&ctx, NULL, 0);
}

/* Every error this lone domain can provoke, through the API and raw. */
static void test_errors(void)
{
    struct hmx_addr none = addr_of(DOM0, PORT_NONE), nodom = addr_of(NO_DOMAIN, PORT_A);
    struct hmx_addr a = addr_of(DOM0, PORT_A);
    struct hmx_send_addr sa_none = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_NONE, DOM0, 0}};
    struct hmx_send_addr sa_nodom = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_A, NO_DOMAIN, 0}};
    struct hmx_send_addr sa_spoof = {{SRC_PORT, 5, 0}, {PORT_A, DOM0, 0}};
    struct hmx_send_addr sa_a = {{SRC_PORT, HMX_DOMID_ANY, 0}, {PORT_A, DOM0, 0}};
    struct hmx_giov gv[HMX_MAXIOV + 1];
    struct hmx_iov bad_iov = {(const void *)(uintptr_t)0x700000000000ull, 16};
    struct hmx_ring_reg rr = {PORT_NONE, DOM0, 0, RING_A_LEN};
    uint64_t bogus_gfn[1] = {0xFFFFFFFFFull};
    static struct {
        struct hmx_ring_data_hdr hdr;
        struct hmx_ring_query ent[HMX_NOTIFY_MAX + 1];
    } big;
    unsigned i;

    for (i = 0; i <= HMX_MAXIOV; i++) {
        gv[i].gaddr = (uint64_t)(uintptr_t)src;
        gv[i].len = 1;
        gv[i].pad = 0;
    }

    /* No ring there: ECONNREFUSED, which Xen 4.17 returns zero-extended. */
    expect_rc("send-no-ring", hmx_send(&ctx, SRC_PORT, &none, "x", 1, 1), HMX_ECONNREFUSED);
    expect_raw("raw-send-no-ring",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_none, (uint64_t)(uintptr_t)gv, 1, 1),
               ZEROEXT(HMX_ECONNREFUSED), HMX_ECONNREFUSED);
    /* No such domain: ESRCH, sign-extended (an early return). */
    expect_rc("send-no-domain", hmx_send(&ctx, SRC_PORT, &nodom, "x", 1, 1), HMX_ESRCH);
    expect_raw("raw-send-no-domain",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_nodom, (uint64_t)(uintptr_t)gv, 1, 1),
               SIGNEXT(HMX_ESRCH), HMX_ESRCH);
    /* Sending as another domain. */
    expect_raw("raw-send-spoofed-source",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_spoof, (uint64_t)(uintptr_t)gv, 1, 1),
               SIGNEXT(HMX_EPERM), HMX_EPERM);
    /* A buffer Xen cannot read: EFAULT, zero-extended, nothing written. */
    expect_rc("send-bad-buffer", hmx_sendv(&ctx, SRC_PORT, &a, &bad_iov, 1, 1), HMX_EFAULT);
    expect_rc("bad-buffer-wrote-nothing", hmx_recv(&ring_a, rbuf, sizeof(rbuf), NULL), HMX_EAGAIN);
    /* More iovs than Xen takes. */
    expect_raw("raw-send-9-iovs",
               raw_argo(HMX_OP_SENDV, (uint64_t)(uintptr_t)&sa_a, (uint64_t)(uintptr_t)gv,
                        HMX_MAXIOV + 1, 1),
               SIGNEXT(HMX_EINVAL), HMX_EINVAL);
    /* An unknown operation. */
    expect_raw("raw-unknown-op", raw_argo(99, 0, 0, 0, 0), SIGNEXT(HMX_EOPNOTSUPP),
               HMX_EOPNOTSUPP);
    /* Too many queries in one notify. */
    big.hdr.nent = HMX_NOTIFY_MAX + 1;
    expect_raw("raw-notify-too-many", raw_argo(HMX_OP_NOTIFY, (uint64_t)(uintptr_t)&big, 0, 0, 0),
               SIGNEXT(HMX_EACCES), HMX_EACCES);
    /* A frame that is not this domain's RAM. */
    expect_raw("raw-register-bad-frame",
               raw_argo(HMX_OP_REGISTER_RING, (uint64_t)(uintptr_t)&rr,
                        (uint64_t)(uintptr_t)bogus_gfn, 1, 0),
               SIGNEXT(HMX_EINVAL), HMX_EINVAL);
    /* A frame count that does not match the length. */
    expect_raw("raw-register-bad-npages",
               raw_argo(HMX_OP_REGISTER_RING, (uint64_t)(uintptr_t)&rr,
                        (uint64_t)(uintptr_t)bogus_gfn, 2, 0),
               SIGNEXT(HMX_EINVAL), HMX_EINVAL);

    /* Registration errors. */
    expect_rc("register-duplicate-fail-exist",
              reg(&ring_tmp, mem_a2, 4096, PORT_A, DOM0, HMX_REGISTER_FAIL_EXIST), HMX_EEXIST);
    expect_rc("register-duplicate-resize", reg(&ring_tmp, mem_a2, sizeof(mem_a2), PORT_A, DOM0, 0),
              HMX_EEXIST);
    expect_rc("register-no-partner-domain", reg(&ring_tmp, mem_a2, 4096, PORT_A, NO_DOMAIN, 0),
              HMX_ESRCH);
    expect_query("ring-survives-failed-registrations", DOM0, PORT_A, 0,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, RING_A_LEN - 32);
}

/* A ring any domain may send to: Xen's MAC must be permissive. */
static void test_any(int permissive)
{
    struct hmx_addr dst = addr_of(DOM0, PORT_ANY);
    struct hmx_msg_info info;
    int rc;

    rc = reg(&ring_any, mem_any, sizeof(mem_any), PORT_ANY, HMX_DOMID_ANY, 0);
    if (!permissive) {
        expect_rc("register-any-strict-mac", rc, HMX_EPERM);
        return;
    }
    expect_rc("register-any-permissive-mac", rc, 0);
    expect_query("query-any-ring", DOM0, PORT_ANY, 0,
                 HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMPTY | HMX_RING_SUFFICIENT,
                 RING_A_LEN - 32);
    expect_rc("send-any-ring", hmx_send(&ctx, SRC_PORT, &dst, "shared", 6, 3), 6);
    rc = hmx_recv(&ring_any, rbuf, sizeof(rbuf), &info);
    check(rc == 6 && memcmp(rbuf, "shared", 6) == 0 && info.source.domain == DOM0,
          "recv-any-ring", "%s from d%u", rcs(rc), info.source.domain);
    expect_rc("unregister-any-ring", hmx_ring_unregister(&ctx, &ring_any), 0);
}

/* The bulk run: many messages of varied sizes and iov counts through the
 * small ring, wrapping many times; every byte checked, none lost. */
static void test_bulk(uint32_t messages)
{
    const uint32_t max = RING_B_LEN - 32;
    struct hmx_addr dst = addr_of(DOM0, PORT_B);
    uint32_t sent = 0, next_rx = 0, bad = 0, eagain = 0, retries_failed = 0;
    uint64_t consumed = 0, payload = 0;
    static uint8_t msg[512];
    int rc;

    expect_rc("register-small-ring", reg(&ring_b, mem_b, 64 + RING_B_LEN, PORT_B, DOM0, 0), 0);
    check(hmx_ring_size(&ring_b) == RING_B_LEN, "small-ring-length", "%u", hmx_ring_size(&ring_b));

    while (next_rx < messages) {
        /* Send the next message, if any; on EAGAIN drain, then retry. */
        if (sent < messages) {
            uint32_t size = rnd() % (max + 1), niov = 1 + rnd() % HMX_MAXIOV, i, off = 0;
            struct hmx_iov iov[HMX_MAXIOV];

            if (sent % 97 == 0)
                size = max;
            else if (sent % 89 == 0)
                size = 0;
            for (i = 0; i < size; i++)
                msg[i] = pattern(sent, i);
            for (i = 0; i < niov; i++) {
                uint32_t len = i == niov - 1 ? size - off : (size - off) / (niov - i);

                if (i < niov - 1 && len > 0)
                    len = rnd() % (len + 1);
                /* Empty buffers are valid, but Xen logs each: keep a few. */
                if (len == 0 && size > off && (sent & 7) != 0)
                    len = 1;
                iov[i].base = msg + off;
                iov[i].len = len;
                off += len;
            }
            rc = hmx_sendv(&ctx, PORT_B + (sent & 0xFF), &dst, iov, niov, sent);
            if (rc == HMX_EAGAIN) {
                eagain++;
            } else if (rc == (int)size) {
                sent++;
                payload += size;
                /* Sometimes read one right away, to mix ring states. */
                if ((rnd() & 3) != 0)
                    continue;
            } else {
                check(0, "bulk-send", "message %u (%u bytes, %u iovs): %s", sent, size, niov,
                      rcs(rc));
                retries_failed++;
                break;
            }
        }
        /* Read what is there: everything after EAGAIN, else one. */
        for (;;) {
            struct hmx_msg_info info;
            uint32_t i;

            rc = hmx_recv(&ring_b, rbuf, sizeof(rbuf), &info);
            if (rc == HMX_EAGAIN)
                break;
            if (rc < 0 || info.message_type != next_rx ||
                info.source.port != PORT_B + (next_rx & 0xFF) || info.source.domain != DOM0) {
                check(0, "bulk-recv", "expected message %u: %s, type %u", next_rx, rcs(rc),
                      info.message_type);
                bad++;
                next_rx = messages; /* stop: the stream is out of step */
                break;
            }
            for (i = 0; i < (uint32_t)rc; i++)
                if (rbuf[i] != pattern(next_rx, i))
                    break;
            if (i != (uint32_t)rc)
                bad++;
            consumed += 16 + roundup16((uint32_t)rc);
            next_rx++;
            if (sent < messages && eagain == 0)
                break;
        }
        hmx_notify(&ctx, NULL, 0);
        if (sent >= messages && next_rx >= sent)
            break;
    }
    con_printf("HMXT info bulk: %u messages, %llu payload bytes, %llu ring bytes, %llu wraps of a "
               "%u-byte ring, %u EAGAIN\n",
               next_rx, (unsigned long long)payload, (unsigned long long)consumed,
               (unsigned long long)(consumed / RING_B_LEN), RING_B_LEN, eagain);
    check(sent == messages && next_rx == messages && bad == 0 && retries_failed == 0,
          "bulk-all-delivered", "%u sent, %u received in order, %u corrupt", sent, next_rx, bad);
    check(consumed / RING_B_LEN >= 10, "bulk-wraps", "%llu wraps",
          (unsigned long long)(consumed / RING_B_LEN));
    check(eagain > 0, "bulk-ring-full-seen", "%u EAGAIN", eagain);
    expect_query("bulk-ring-empty-after", DOM0, PORT_B, 0,
                 HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, max);
}

/* Many queries in one call (the library splits them over several
 * hypercalls), each compared with Xen's rules. */
static void test_many_queries(void)
{
    enum { N = 60 };
    struct hmx_ring_query q[N];
    unsigned i, bad = 0;
    int rc;

    for (i = 0; i < N; i++) {
        q[i].ring = addr_of(i % 3 == 2 ? NO_DOMAIN : DOM0, i % 3 == 1 ? PORT_NONE : PORT_A);
        q[i].flags = 0xFFFF;
        q[i].pad = 0;
        q[i].space_required = i * 100u;
        q[i].max_message_size = 0;
    }
    rc = hmx_notify(&ctx, q, N);
    for (i = 0; i < N; i++) {
        uint16_t want = 0;
        uint32_t want_max = 0;

        if (i % 3 == 0) {
            want = HMX_RING_EXISTS | HMX_RING_EMPTY;
            want |= i * 100u <= RING_A_LEN - 32 ? HMX_RING_SUFFICIENT : HMX_RING_EMSGSIZE;
            want_max = RING_A_LEN - 32;
        }
        if (q[i].flags != want || q[i].max_message_size != want_max) {
            check(0, "many-queries-entry", "entry %u: flags 0x%x max %u, want 0x%x max %u", i,
                  q[i].flags, q[i].max_message_size, want, want_max);
            bad++;
        }
    }
    check(rc == 0 && bad == 0, "many-queries", "%u queries in one notify: %s, %u wrong", N, rcs(rc),
          bad);
}

/* Xen's limit of rings per domain. */
static void test_ring_limit(unsigned already)
{
    unsigned i, ok = 0, n;
    int rc = 0;

    for (i = 0; i <= HMX_RINGS_PER_DOMAIN_MAX; i++) {
        rc = reg(&ring_many[i], mem_many[i], 4096, PORT_MANY + i, DOM0, 0);
        if (rc < 0)
            break;
        ok++;
    }
    check(rc == HMX_ENOSPC && ok + already == HMX_RINGS_PER_DOMAIN_MAX, "ring-limit",
          "%u more rings registered (%u already), then %s (want %u, then ENOSPC)", ok, already,
          rcs(rc), HMX_RINGS_PER_DOMAIN_MAX - already);
    for (n = 0, i = 0; i < ok; i++)
        n += hmx_ring_unregister(&ctx, &ring_many[i]) == 0;
    check(n == ok, "ring-limit-unregister", "%u of %u", n, ok);
}

static void test_unregister(void)
{
    struct hmx_addr dst = addr_of(DOM0, PORT_A);
    struct hmx_ring copy = ring_a;
    struct hmx_ring_unreg ur = {PORT_A, DOM0, 0};

    expect_rc("unregister", hmx_ring_unregister(&ctx, &ring_a), 0);
    expect_query("query-unregistered", DOM0, PORT_A, 0, 0, 0);
    expect_rc("send-unregistered", hmx_send(&ctx, SRC_PORT, &dst, "x", 1, 1), HMX_ECONNREFUSED);
    expect_rc("unregister-again", hmx_ring_unregister(&ctx, &copy), HMX_ENOENT);
    expect_raw("raw-unregister-again",
               raw_argo(HMX_OP_UNREGISTER_RING, (uint64_t)(uintptr_t)&ur, 0, 0, 0),
               SIGNEXT(HMX_ENOENT), HMX_ENOENT);
    expect_rc("unregister-twice-api", hmx_ring_unregister(&ctx, &ring_a), HMX_EINVAL);
    expect_rc("unregister-small-ring", hmx_ring_unregister(&ctx, &ring_b), 0);
    /* The port is free again. */
    expect_rc("register-again", reg(&ring_a, mem_a, sizeof(mem_a), PORT_A, DOM0,
                                    HMX_REGISTER_FAIL_EXIST), 0);
    expect_rc("unregister-last", hmx_ring_unregister(&ctx, &ring_a), 0);
}

void dom0_main(unsigned long m, unsigned long start_info)
{
    static struct hmx_probe_result res;
    char expect[16], mac[16], xen[16], msgs[16];
    const char *p;
    unsigned xmaj, xmin, messages;
    int rc;

    mode = (int)m;
    /* A PV kernel's plain CPUID may not reach Xen: libhmx's PV table uses
     * Xen's forced-emulation prefix. */
    arch = mode == MODE_PV ? hmx_arch_xen_pv() : hmx_arch_native();
    if (mode == MODE_PV) {
        const struct d0_start_info *si = (const struct d0_start_info *)start_info;

        pv_mfn_list = (const uint64_t *)(uintptr_t)si->mfn_list;
        pv_nr_pages = si->nr_pages;
        cmdline = si->cmd_line;
        /* Xen filled the hypercall page before we ran: talk now. */
        con_attach(arch, HMX_XEN_ENTRY_PAGE, hypercall_page);
        check(streq_n(si->magic, "xen-3.0-x86_64", 14) && (si->flags & D0_SIF_INITDOMAIN),
              "pv-start-info", "magic \"%s\", flags 0x%x, %llu pages", si->magic, si->flags,
              (unsigned long long)si->nr_pages);
    } else {
        const struct d0_hvm_start_info *si = (const struct d0_hvm_start_info *)start_info;

        if (si->magic == D0_HVM_START_MAGIC && si->cmdline_paddr != 0)
            cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
        check(si->magic == D0_HVM_START_MAGIC, "pvh-start-info", "magic 0x%x, version %u",
              si->magic, si->version);
    }

    arg("expect", expect, sizeof(expect));
    arg("mac", mac, sizeof(mac));
    p = arg("xen", xen, sizeof(xen));
    xmaj = parse_uint(&p);
    if (*p == '.')
        p++;
    xmin = parse_uint(&p);
    p = arg("messages", msgs, sizeof(msgs));
    messages = *p ? parse_uint(&p) : 1200;
    if (expect[0] == '\0')
        __builtin_memcpy(expect, "present", 8);

    test_probe(&res, expect, xmaj, xmin);
    if (!con_attached()) {
        /* No way to Xen's console: the exit status alone tells. */
        dom0_exit(mode == MODE_PV, 1);
    }
    test_v4v_probe(&res);

    if (res.argo_status == HMX_ARGO_PRESENT && streq(expect, "present")) {
        struct hmx_open_probed_args oa = {.arch = &counting_arch,
                                          .env = mode == MODE_PV ? &pv_env : NULL,
                                          .call_page = NULL};

        /* The same instructions, with argo_op calls counted. */
        real_arch = arch;
        counting_arch = *arch;
        counting_arch.xen_hypercall = counting_hypercall;
        rc = hmx_open_probed(&ctx, &res, &oa);
        check(rc == 0 && streq(hmx_backend_name(&ctx), "xen-hypercall"), "open-probed",
              "%s on %s", rcs(rc), hmx_backend_name(&ctx));
        if (rc == 0) {
            test_basics();
            test_sendv();
            test_batch_fallback();
            test_msgsize();
            test_full();
            test_errors();
            test_any(streq(mac, "permissive"));
            test_many_queries();
            test_bulk(messages);
            test_ring_limit(2); /* ring A and the small ring */
            test_unregister();
            hmx_close(&ctx);
        }
    } else if (res.argo_status == HMX_ARGO_DISABLED || res.argo_status == HMX_ARGO_ABSENT) {
        test_no_argo(&res);
    }

    con_printf("HMXT result: %u passed, %u failed\n", n_pass, n_fail);
    dom0_exit(mode == MODE_PV, n_fail == 0 && n_pass > 0 ? 0 : 1);
}
