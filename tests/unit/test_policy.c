/* SPDX-License-Identifier: MIT */
/*
 * Tests of the policy and addressing extensions (spec/, sections 7.5 to
 * 7.8, 17 and 18):
 *
 *  - the rule text format: what it accepts, and every malformed input
 *    rejected with its line and column;
 *  - rule matching: labels, domains, port ranges, operations, first match,
 *    default deny;
 *  - the provider's firewall: management by the privileged domain only,
 *    the size limit, atomic replacement, enforcement on register, send and
 *    query, audit records naming the deciding rule, the host hook after it;
 *  - implicit destinations: resolution, a missing entry, a denial after
 *    resolution, the default entry, "up" with and without an upper level,
 *    queries and reply rings that do not reveal the destination;
 *  - discovery: only what the policy allows, entry by entry, paging, and
 *    the protocol's errors;
 *  - the API's feature gate, and the whole set carried over the MSR
 *    mechanism through hmx_provider_call.
 *
 * Domains: 0 is the privileged toolstack, 1 a frontend, 2 a backend, 3 a
 * stranger.  Every domain speaks through the in-process backend unless a
 * test says otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmx/arch.h"
#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/mech.h"
#include "hmx/policy.h"
#include "hmx/provider.h"
#include "hmx/wire.h"
#include "hmx/x86.h"
#include "hmx/xen.h"

#define assert_rc(expr, want)                                                                  \
    do {                                                                                       \
        int rc_ = (int)(expr);                                                                 \
        int want_ = (int)(want);                                                               \
        if (rc_ != want_)                                                                      \
            fail_msg("%s: got %d (%s), want %d (%s)", #expr, rc_, hmx_err_name(rc_), want_,    \
                     hmx_err_name(want_));                                                     \
    } while (0)

#define NDOM 4u
#define D0 ((hmx_domid_t)0) /* the toolstack: privileged */
#define D1 ((hmx_domid_t)1)
#define D2 ((hmx_domid_t)2)
#define D3 ((hmx_domid_t)3)
#define HOST HMX_DOMID_PROVIDER
#define IMPLICIT HMX_DOMID_IMPLICIT
#define RING_BYTES 4096u
#define MAX_AUDIT 16u
#define MAX_RINGS 16u
#define TYPE 0x77u

#define NET HMX_PORT_VIRTIO(1)
#define BLOCK HMX_PORT_VIRTIO(2)
#define CONSOLE HMX_PORT_VIRTIO(3)
#define OWN_SERVICE (HMX_PORT_WELL_KNOWN_FIRST + 5u) /* an HMX-defined service number */

struct audit_rec {
    struct hmx_policy_query q;
    int verdict;
    const char *reason;
};

struct fx {
    struct hmx_provider p;
    HMX_PROVIDER_STORAGE(st, 8, 32);
    struct hmx_provider_hooks hooks;
    hmx_ctx ctx[NDOM];

    /* host policy hook: deny sends to this port (0: none); calls counted */
    hmx_port_t host_deny_port;
    unsigned npolicy;
    struct hmx_policy_query last_policy;
    unsigned naudit;
    struct audit_rec audit[MAX_AUDIT];

    /* the upper level, when the test gives one */
    unsigned nup;
    struct hmx_send_addr up_addr;
    uint32_t up_len;

    struct hmx_ring rings[MAX_RINGS];
    void *mem[MAX_RINGS];
    unsigned nrings;
};

/* ---- hooks ---------------------------------------------------------------- */

static int h_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    struct fx *f = host;

    f->npolicy++;
    f->last_policy = *q;
    if (f->host_deny_port != 0 && q->op != HMX_POLICY_REGISTER &&
        q->dst.port == f->host_deny_port) {
        *reason = "the host closes this port";
        return HMX_EACCES;
    }
    return 0;
}

static void h_audit(void *host, const struct hmx_policy_query *q, int verdict, const char *reason)
{
    struct fx *f = host;

    if (f->naudit < MAX_AUDIT) {
        f->audit[f->naudit].q = *q;
        f->audit[f->naudit].verdict = verdict;
        f->audit[f->naudit].reason = reason;
    }
    f->naudit++;
}

static int h_send_up(void *host, hmx_domid_t caller, const struct hmx_send_addr *addr,
                     const struct hmx_giov *iov, uint32_t niov, uint32_t message_type)
{
    struct fx *f = host;
    uint32_t i;

    (void)caller;
    (void)message_type;
    f->nup++;
    f->up_addr = *addr;
    f->up_len = 0;
    for (i = 0; i < niov; i++)
        f->up_len += iov[i].len;
    return (int)f->up_len;
}

/* ---- fixture ---------------------------------------------------------------- */

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    unsigned i;

    if (f == NULL)
        return -1;
    hmx_inproc_hooks(&f->hooks, f);
    f->hooks.policy = h_policy;
    f->hooks.audit = h_audit;
    if (hmx_provider_init(&f->p, &f->hooks, f->st_domains, 8, f->st_rings, 32, 0) != 0 ||
        hmx_provider_domain_add(&f->p, D0, HMX_DOMAIN_PRIVILEGED) != 0)
        return -1;
    for (i = 1; i < NDOM; i++)
        if (hmx_provider_domain_add(&f->p, (hmx_domid_t)i, 0) != 0)
            return -1;
    for (i = 0; i < NDOM; i++) {
        struct hmx_inproc_config cfg = {.provider = &f->p, .domid = (hmx_domid_t)i};
        struct hmx_open_args oa = {.backend = &hmx_backend_inproc, .backend_config = &cfg};

        if (hmx_open(&f->ctx[i], &oa) != 0)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    unsigned i;

    for (i = 0; i < NDOM; i++)
        hmx_close(&f->ctx[i]);
    hmx_provider_fini(&f->p);
    for (i = 0; i < f->nrings; i++)
        free(f->mem[i]);
    free(f);
    return 0;
}

/* A ring of domain dom at port, partner partner, data area of 4032 bytes
 * (or the area mem_size gives); returns it, or NULL with *rc set. */
static struct hmx_ring *ring_sized(struct fx *f, hmx_domid_t dom, hmx_port_t port,
                                   hmx_domid_t partner, size_t mem_size, int *rc)
{
    struct hmx_ring_config cfg;
    struct hmx_ring *r;

    assert_true(f->nrings < MAX_RINGS);
    r = &f->rings[f->nrings];
    f->mem[f->nrings] = aligned_alloc(4096, RING_BYTES);
    assert_non_null(f->mem[f->nrings]);
    memset(f->mem[f->nrings], 0, RING_BYTES);
    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = f->mem[f->nrings];
    cfg.mem_size = mem_size;
    cfg.port = port;
    cfg.partner = partner;
    f->nrings++;
    *rc = hmx_ring_register(&f->ctx[dom], r, &cfg);
    return *rc == 0 ? r : NULL;
}

static struct hmx_ring *ring_of(struct fx *f, hmx_domid_t dom, hmx_port_t port,
                                hmx_domid_t partner)
{
    int rc;
    struct hmx_ring *r = ring_sized(f, dom, port, partner, RING_BYTES, &rc);

    assert_rc(rc, 0);
    return r;
}

static int send_to(struct fx *f, hmx_domid_t from, hmx_port_t sport, hmx_domid_t dom,
                   hmx_port_t port, const char *text)
{
    struct hmx_addr to = {port, dom, 0};

    return hmx_send(&f->ctx[from], sport, &to, text, strlen(text), TYPE);
}

static struct hmx_fw_rule rule(uint8_t action, uint8_t ops, uint8_t sm, hmx_domid_t sd,
                               const char *sl, hmx_port_t sp0, hmx_port_t sp1, uint8_t dm,
                               hmx_domid_t dd, const char *dl, hmx_port_t dp0, hmx_port_t dp1)
{
    struct hmx_fw_rule r;

    memset(&r, 0, sizeof(r));
    r.action = action;
    r.ops = ops;
    r.src_match = sm;
    r.src_domain = sd;
    if (sl != NULL)
        strcpy(r.src_label, sl);
    r.src_port_first = sp0;
    r.src_port_last = sp1;
    r.dst_match = dm;
    r.dst_domain = dd;
    if (dl != NULL)
        strcpy(r.dst_label, dl);
    r.dst_port_first = dp0;
    r.dst_port_last = dp1;
    return r;
}

static struct hmx_fw_rule allow_all(void)
{
    return rule(HMX_FW_ALLOW, HMX_FW_OP_SEND, 0, 0, NULL, 0, ~0u, 0, 0, NULL, 0, ~0u);
}

/* Install rules parsed from text, as the host. */
static void install(struct fx *f, const char *text)
{
    struct hmx_fw_rule rules[HMX_FW_RULES_MAX];
    struct hmx_fw_parse_error err;
    uint32_t n;
    int rc = hmx_fw_parse(text, strlen(text), rules, HMX_FW_RULES_MAX, &n, &err);

    if (rc != 0)
        fail_msg("line %u column %u: %s", err.line, err.column, err.message);
    assert_rc(hmx_provider_fw_set(&f->p, HOST, rules, n, 0), 0);
}

static struct hmx_implicit_entry ient(hmx_port_t service, hmx_domid_t dom, hmx_port_t port,
                                      uint16_t flags)
{
    struct hmx_implicit_entry e;

    memset(&e, 0, sizeof(e));
    e.service = service;
    e.domain = dom;
    e.port = port;
    e.flags = flags;
    return e;
}

/* ---- the text format ------------------------------------------------------------ */

static void test_parse_accepts_the_format(void **state)
{
    static const char text[] =
        "# A firewall for two domains.\n"
        "\n"
        "deny  send        @front:*            -> @back:virtio-2   # no block device\r\n"
        "  allow\tsend,register @front:1000-2000 -> @back:0x10-0x20\n"
        "allow * 7:* -> provider:discovery\n"
        "allow register provider:* -> *:virtio-1-virtio-3\n"
        "deny register,send *:5 -> up:*   \n"
        "allow send 0x7fef:0 -> 0:4294967295";
    struct hmx_fw_rule r[8];
    struct hmx_fw_parse_error err;
    uint32_t n = 99;

    (void)state;
    assert_rc(hmx_fw_parse(text, sizeof(text) - 1, r, 8, &n, &err), 0);
    assert_int_equal(n, 6);

    assert_int_equal(r[0].line, 3);
    assert_int_equal(r[0].action, HMX_FW_DENY);
    assert_int_equal(r[0].ops, HMX_FW_OP_SEND);
    assert_int_equal(r[0].src_match, HMX_FW_MATCH_LABEL);
    assert_string_equal(r[0].src_label, "front");
    assert_int_equal(r[0].src_port_first, 0);
    assert_int_equal(r[0].src_port_last, 0xFFFFFFFFu);
    assert_string_equal(r[0].dst_label, "back");
    assert_int_equal(r[0].dst_port_first, BLOCK);
    assert_int_equal(r[0].dst_port_last, BLOCK);

    assert_int_equal(r[1].line, 4);
    assert_int_equal(r[1].action, HMX_FW_ALLOW);
    assert_int_equal(r[1].ops, HMX_FW_OP_SEND | HMX_FW_OP_REGISTER);
    assert_int_equal(r[1].src_port_first, 1000);
    assert_int_equal(r[1].src_port_last, 2000);
    assert_int_equal(r[1].dst_port_first, 0x10);
    assert_int_equal(r[1].dst_port_last, 0x20);

    assert_int_equal(r[2].ops, HMX_FW_OP_SEND | HMX_FW_OP_REGISTER);
    assert_int_equal(r[2].src_match, HMX_FW_MATCH_DOMAIN);
    assert_int_equal(r[2].src_domain, 7);
    assert_int_equal(r[2].dst_domain, HMX_DOMID_PROVIDER);
    assert_int_equal(r[2].dst_port_first, HMX_PORT_DISCOVERY);

    assert_int_equal(r[3].src_domain, HMX_DOMID_PROVIDER);
    assert_int_equal(r[3].dst_match, HMX_FW_MATCH_ANY);
    assert_int_equal(r[3].dst_port_first, NET);
    assert_int_equal(r[3].dst_port_last, CONSOLE);

    assert_int_equal(r[4].dst_domain, HMX_DOMID_UP);
    assert_int_equal(r[4].src_port_first, 5);

    assert_int_equal(r[5].line, 8);
    assert_int_equal(r[5].src_domain, 0x7FEF);
    assert_int_equal(r[5].dst_domain, 0);
    assert_int_equal(r[5].dst_port_first, 0xFFFFFFFFu);
    for (n = 0; n < 6; n++)
        assert_rc(hmx_fw_rule_check(&r[n]), 0);

    /* Nothing but comments and blanks: no rules, no error. */
    assert_rc(hmx_fw_parse("# empty\n\n   \t\n", 14, r, 8, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_rc(hmx_fw_parse(NULL, 0, r, 8, &n, NULL), 0);
    assert_int_equal(n, 0);
}

static void test_parse_rejects_with_line_and_column(void **state)
{
    static const struct {
        const char *text;
        uint32_t line, column;
        const char *says;
    } bad[] = {
        {"permit send *:* -> *:*", 1, 1, "'allow' or 'deny'"},
        {"# one\nallow\n", 2, 6, "operations"},
        {"allow sned *:* -> *:*", 1, 7, "unknown operation"},
        {"allow send, *:* -> *:*", 1, 12, "unknown operation"},
        {"allow send,,register *:* -> *:*", 1, 12, "unknown operation"},
        {"allow send\n", 1, 11, "source endpoint"},
        {"allow send *:*\n", 1, 15, "'->'"},
        {"allow send 1:7->2:80", 1, 15, "spaces around '->'"},
        {"allow send 1:7 ->2:80", 1, 16, "'->'"},
        {"allow send 1 -> 2:80", 1, 12, "source endpoint"},
        {"allow send *:* => *:*", 1, 16, "'->'"},
        {"allow send *:* ->", 1, 18, "destination endpoint"},
        {"allow send *:* -> *:* extra", 1, 23, "unexpected text"},
        {"allow send 0x7ff0:* -> *:*", 1, 12, "bad domain"},
        {"allow send 32752:* -> *:*", 1, 12, "bad domain"},
        {"allow send me:* -> *:*", 1, 12, "bad domain"},
        {"allow send -1:* -> *:*", 1, 12, "bad domain"},
        {"allow send @:* -> *:*", 1, 12, "bad label"},
        {"allow send @a/b:* -> *:*", 1, 14, "bad label"},
        {"allow send @0123456789abcdef:* -> *:*", 1, 12, "bad label"},
        {"allow send *: -> *:*", 1, 14, "bad port"},
        {"allow send *:4294967296 -> *:*", 1, 14, "bad port"},
        {"allow send *:0x1ffffffff -> *:*", 1, 14, "bad port"},
        {"allow send *:5- -> *:*", 1, 16, "bad port"},
        {"allow send *:5x -> *:*", 1, 15, "bad port"},
        {"allow send *:9-5 -> *:*", 1, 16, "backwards"},
        {"allow send *:* -> *:virtio-0", 1, 21, "bad port"},
        {"allow send *:* -> *:virtio-256", 1, 21, "bad port"},
        {"allow send *:* -> *:disco", 1, 21, "bad port"},
        {"\n\n\nallow send *:* -> *:* # fine\ndeny send *:* -> **:*\n", 5, 18, "bad domain"},
    };
    struct hmx_fw_rule r[4];
    struct hmx_fw_parse_error err;
    uint32_t n;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = hmx_fw_parse(bad[i].text, strlen(bad[i].text), r, 4, &n, &err);

        if (rc != HMX_EINVAL || err.line != bad[i].line || err.column != bad[i].column ||
            err.message == NULL || strstr(err.message, bad[i].says) == NULL)
            fail_msg("case %zu \"%s\": rc %d, line %u column %u, \"%s\"", i, bad[i].text, rc,
                     err.line, err.column, err.message ? err.message : "(none)");
    }

    /* A NUL byte: not text. */
    assert_rc(hmx_fw_parse("allow send *:* -> *:*\n#\0x\n", 25, r, 4, &n, &err), HMX_EINVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);
    assert_non_null(strstr(err.message, "NUL"));

    assert_rc(hmx_fw_parse("x", 1, NULL, 4, &n, &err), HMX_EINVAL);
    assert_rc(hmx_fw_parse("x", 1, r, 4, NULL, &err), HMX_EINVAL);
}

static void test_parse_stops_at_the_table_limit(void **state)
{
    static char text[80 * 70];
    static struct hmx_fw_rule r[HMX_FW_RULES_MAX];
    struct hmx_fw_parse_error err;
    uint32_t n, i;
    size_t len = 0;

    (void)state;
    len += (size_t)sprintf(text + len, "# %u rules\n", HMX_FW_RULES_MAX + 1);
    for (i = 0; i < HMX_FW_RULES_MAX; i++)
        len += (size_t)sprintf(text + len, "allow send %u:* -> *:*\n", i);
    assert_rc(hmx_fw_parse(text, len, r, HMX_FW_RULES_MAX, &n, &err), 0);
    assert_int_equal(n, HMX_FW_RULES_MAX);
    assert_int_equal(r[HMX_FW_RULES_MAX - 1].line, HMX_FW_RULES_MAX + 1);

    len += (size_t)sprintf(text + len, "  deny send *:* -> *:*\n");
    assert_rc(hmx_fw_parse(text, len, r, HMX_FW_RULES_MAX, &n, &err), HMX_ENOSPC);
    assert_int_equal(n, HMX_FW_RULES_MAX);
    assert_int_equal(err.line, HMX_FW_RULES_MAX + 2);
    assert_int_equal(err.column, 3);
    assert_non_null(strstr(err.message, "too many rules"));
}

/* ---- rules and decisions ------------------------------------------------------------ */

static void test_rule_check(void **state)
{
    struct hmx_fw_rule ok = rule(HMX_FW_ALLOW, HMX_FW_OP_SEND, HMX_FW_MATCH_LABEL, 0, "a.b-c_9", 0,
                                 9, HMX_FW_MATCH_DOMAIN, 5, NULL, 3, 3);
    struct hmx_fw_rule r;
    char label[HMX_LABEL_SIZE];

    (void)state;
    assert_rc(hmx_fw_rule_check(&ok), 0);
    assert_rc(hmx_fw_rule_check(NULL), HMX_EINVAL);
#define BAD(stmt)                                          \
    do {                                                   \
        r = ok;                                            \
        stmt;                                              \
        assert_rc(hmx_fw_rule_check(&r), HMX_EINVAL);      \
    } while (0)
    BAD(r.action = 0);
    BAD(r.action = 3);
    BAD(r.ops = 0);
    BAD(r.ops = 4);
    BAD(r.src_match = 3);
    BAD(r.src_port_first = 10);
    BAD(r.dst_port_last = 2);
    BAD(r.reserved = 1);
    BAD(r.src_domain = 1);                /* a label rule names no domain */
    BAD(r.dst_label[0] = 'x');            /* a domain rule has no label */
    BAD(r.src_label[0] = '\0');           /* empty label */
    BAD(r.src_label[3] = '/');            /* bad character */
    BAD(r.src_label[10] = 'z');           /* junk after the NUL */
    BAD(memset(r.src_label, 'a', 16));    /* no NUL */
    BAD(r.dst_match = HMX_FW_MATCH_ANY);  /* ANY with a domain set */
#undef BAD
    r = ok;
    r.line = 12345; /* informational */
    assert_rc(hmx_fw_rule_check(&r), 0);

    memset(label, 0, sizeof(label));
    assert_rc(hmx_label_check(label), HMX_EINVAL);
    strcpy(label, "fifteen-chars-x");
    assert_rc(hmx_label_check(label), 0);
}

static void test_decide_first_match_default_deny(void **state)
{
    static const char text[] = "deny  send     @front:*     -> @back:666\n"         /* 0 */
                               "allow send     @front:1-99  -> @back:*\n"           /* 1 */
                               "allow register 2:*          -> 1:500-600\n"         /* 2 */
                               "deny  *        3:*          -> *:*\n"               /* 3 */
                               "allow send     *:*          -> 3:*\n";              /* 4 */
    struct hmx_fw_rule r[8];
    char front[HMX_LABEL_SIZE] = "front", back[HMX_LABEL_SIZE] = "back";
    struct hmx_fw_request q;
    uint32_t n, which;

    (void)state;
    assert_rc(hmx_fw_parse(text, sizeof(text) - 1, r, 8, &n, NULL), 0);
    memset(&q, 0, sizeof(q));
    q.src_label = front;
    q.dst_label = back;

    /* First match wins: rule 0 before rule 1. */
    q.op = HMX_POLICY_SEND;
    q.src = (struct hmx_addr){50, 1, 0};
    q.dst = (struct hmx_addr){666, 2, 0};
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, 0);
    q.dst.port = 667;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_ALLOW);
    assert_int_equal(which, 1);
    /* A query is decided as a send. */
    q.op = HMX_POLICY_QUERY;
    q.src.port = 0; /* queries come from port 0, outside 1-99 */
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, HMX_FW_RULE_DEFAULT);
    q.src.port = 1;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_ALLOW);
    /* Port range edges. */
    q.op = HMX_POLICY_SEND;
    q.src.port = 99;
    assert_int_equal(hmx_fw_decide(r, n, &q, NULL), HMX_FW_ALLOW);
    q.src.port = 100;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, HMX_FW_RULE_DEFAULT);
    /* Labels: an unlabelled domain matches no label rule. */
    q.src.port = 50;
    q.src_label = NULL;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, HMX_FW_RULE_DEFAULT);
    q.src_label = back; /* another label */
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);

    /* The operation must be in the rule's set. */
    q.op = HMX_POLICY_REGISTER;
    q.src = (struct hmx_addr){0, 2, 0};
    q.dst = (struct hmx_addr){550, 1, 0};
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_ALLOW);
    assert_int_equal(which, 2);
    q.op = HMX_POLICY_SEND;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, HMX_FW_RULE_DEFAULT);
    /* Domain rules. */
    q.src.domain = 3;
    q.dst.domain = 3;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, 3);
    q.src.domain = 2;
    assert_int_equal(hmx_fw_decide(r, n, &q, &which), HMX_FW_ALLOW);
    assert_int_equal(which, 4);
    /* No rules at all: deny. */
    assert_int_equal(hmx_fw_decide(r, 0, &q, &which), HMX_FW_DENY);
    assert_int_equal(which, HMX_FW_RULE_DEFAULT);
}

/* ---- the firewall in the provider ------------------------------------------------------ */

static void test_management_is_for_the_privileged_domain(void **state)
{
    struct fx *f = *state;
    struct hmx_fw_rule r = allow_all();
    struct hmx_fw_rule out[2];
    struct hmx_implicit_entry e = ient(CONSOLE, D2, 5000, 0), eo[2];
    unsigned i;

    /* Domains 1 to 3 are refused every management call, before anything. */
    for (i = 1; i < NDOM; i++) {
        hmx_ctx *c = &f->ctx[i];

        assert_rc(hmx_fw_set(c, &r, 1, 0), HMX_EPERM);
        assert_rc(hmx_fw_set(c, NULL, 0, HMX_FW_SET_CLEAR), HMX_EPERM);
        assert_rc(hmx_fw_list(c, out, 2, 0), HMX_EPERM);
        assert_rc(hmx_fw_add(c, &r, 0), HMX_EPERM);
        assert_rc(hmx_fw_del(c, 0), HMX_EPERM);
        assert_rc(hmx_domain_set_label(c, (hmx_domid_t)i, "me"), HMX_EPERM);
        assert_rc(hmx_implicit_set(c, (hmx_domid_t)i, &e, 1), HMX_EPERM);
        assert_rc(hmx_implicit_list(c, (hmx_domid_t)i, eo, 2), HMX_EPERM);
    }
    assert_rc(hmx_provider_fw_list(&f->p, D1, NULL, 0, 0), HMX_EPERM);
    assert_rc(hmx_provider_fw_set(&f->p, 42, &r, 1, 0), HMX_ENODEV); /* unknown caller */
    assert_int_equal(f->p.fw[f->p.fw_live].installed, 0);

    /* The toolstack and the host may. */
    assert_rc(hmx_fw_list(&f->ctx[D0], out, 2, 0), HMX_ENOENT); /* no table yet */
    assert_rc(hmx_fw_set(&f->ctx[D0], &r, 1, 0), 0);
    assert_rc(hmx_fw_list(&f->ctx[D0], out, 2, 0), 1);
    assert_memory_equal(&out[0], &r, sizeof(r));
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, "front"), 0);
    assert_rc(hmx_implicit_set(&f->ctx[D0], D1, &e, 1), 0);
    assert_rc(hmx_implicit_list(&f->ctx[D0], D1, eo, 2), 1);
    assert_memory_equal(&eo[0], &e, sizeof(e));
    assert_rc(hmx_provider_fw_list(&f->p, HOST, out, 2, 0), 1);
    assert_rc(hmx_provider_set_label(&f->p, HOST, D2, "back"), 0);
    assert_string_equal(f->p.domains[2].label, "back");
}

static void test_table_limit_and_atomic_replacement(void **state)
{
    struct fx *f = *state;
    static struct hmx_fw_rule rules[HMX_FW_RULES_MAX + 1], out[HMX_FW_RULES_MAX + 1];
    hmx_ctx *c = &f->ctx[D0];
    uint32_t i;

    for (i = 0; i <= HMX_FW_RULES_MAX; i++) {
        rules[i] = rule(HMX_FW_ALLOW, HMX_FW_OP_SEND, HMX_FW_MATCH_DOMAIN, (hmx_domid_t)i, NULL, 0,
                        ~0u, 0, 0, NULL, 0, ~0u);
        rules[i].line = i + 1;
    }
    /* The documented limit: 64 rules. */
    assert_rc(hmx_fw_set(c, rules, HMX_FW_RULES_MAX + 1, 0), HMX_ENOSPC);
    assert_rc(hmx_provider_fw_set(&f->p, HOST, rules, HMX_FW_RULES_MAX + 1, 0), HMX_ENOSPC);
    assert_rc(hmx_fw_set(c, rules, HMX_FW_RULES_MAX, 0), 0);
    assert_rc(hmx_fw_list(c, out, HMX_FW_RULES_MAX + 1, 0), HMX_FW_RULES_MAX);
    assert_memory_equal(out, rules, HMX_FW_RULES_MAX * sizeof(rules[0]));
    assert_rc(hmx_fw_add(c, &rules[0], 0), HMX_ENOSPC);

    /* A bad rule anywhere: refused, and the table in force is unchanged. */
    rules[40].ops = 0;
    assert_rc(hmx_provider_fw_set(&f->p, HOST, rules, 41, 0), HMX_EINVAL);
    rules[40].ops = HMX_FW_OP_SEND;
    assert_rc(hmx_fw_list(c, out, 4, 62), HMX_FW_RULES_MAX);
    assert_memory_equal(out, &rules[62], 2 * sizeof(rules[0]));

    /* Replace by a short table; add and delete in it. */
    assert_rc(hmx_fw_set(c, rules, 2, 0), 0);
    assert_rc(hmx_fw_add(c, &rules[9], 1), 0);    /* 0 9 1 */
    assert_rc(hmx_fw_add(c, &rules[7], 1000), 0); /* 0 9 1 7 */
    assert_rc(hmx_fw_list(c, out, 8, 0), 4);
    assert_int_equal(out[0].src_domain, 0);
    assert_int_equal(out[1].src_domain, 9);
    assert_int_equal(out[2].src_domain, 1);
    assert_int_equal(out[3].src_domain, 7);
    assert_rc(hmx_fw_del(c, 4), HMX_ENOENT);
    assert_rc(hmx_fw_del(c, 1), 0); /* 0 1 7 */
    assert_rc(hmx_fw_list(c, out, 8, 1), 3);
    assert_int_equal(out[0].src_domain, 1);
    assert_int_equal(out[1].src_domain, 7);
    assert_rc(hmx_fw_list(c, out, 8, 3), 3); /* past the end: nothing copied */

    /* Clear: no table. */
    assert_rc(hmx_fw_set(c, rules, 1, HMX_FW_SET_CLEAR), HMX_EINVAL);
    assert_rc(hmx_fw_set(c, NULL, 0, 0x2), HMX_EINVAL);
    assert_rc(hmx_fw_set(c, NULL, 0, HMX_FW_SET_CLEAR), 0);
    assert_rc(hmx_fw_list(c, out, 8, 0), HMX_ENOENT);
    assert_rc(hmx_fw_del(c, 0), HMX_ENOENT);
    /* Adding to no table installs one. */
    assert_rc(hmx_fw_add(c, &rules[3], 0), 0);
    assert_rc(hmx_fw_list(c, out, 8, 0), 1);
    /* Bad arguments at the API. */
    rules[5].reserved = 1;
    assert_rc(hmx_fw_add(c, &rules[5], 0), HMX_EINVAL);
    assert_rc(hmx_fw_set(c, &rules[5], 1, 0), HMX_EINVAL);
    assert_rc(hmx_fw_set(c, NULL, 1, 0), HMX_EINVAL);
    assert_rc(hmx_fw_list(c, NULL, 1, 0), HMX_EINVAL);
}

static void test_firewall_decides_register_send_and_query(void **state)
{
    struct fx *f = *state;
    struct hmx_ring_query q;
    struct hmx_addr to = {80, D2, 0};
    struct hmx_msg_info info;
    char buf[64];
    uint64_t total;
    int rc;

    assert_rc(hmx_provider_set_label(&f->p, HOST, D1, "front"), 0);
    assert_rc(hmx_provider_set_label(&f->p, HOST, D2, "back"), 0);
    install(f, "# line 1\n"
               "allow register @front:* -> @back:80\n"        /* rule 0, line 2 */
               "deny  send     @front:* -> @back:81\n"        /* rule 1, line 3 */
               "allow send     @front:7 -> @back:80-81\n"     /* rule 2, line 4 */
               "allow send     @front:0 -> @back:80\n");      /* rule 3, line 5: queries */

    /* Register: allowed by rule 0 for partner 1; partner 3 matches nothing. */
    (void)ring_of(f, D2, 80, D1);
    assert_int_equal(f->npolicy, 1); /* the host hook is asked after the firewall allows */
    assert_null(ring_sized(f, D2, 80, D3, RING_BYTES, &rc));
    assert_rc(rc, HMX_EACCES);
    assert_int_equal(f->npolicy, 1); /* ... and not when it denies */
    assert_int_equal(f->naudit, 1);
    assert_int_equal(f->audit[0].q.op, HMX_POLICY_REGISTER);
    assert_int_equal(f->audit[0].q.denied_by, HMX_DENIED_BY_FIREWALL);
    assert_int_equal(f->audit[0].q.rule, HMX_FW_RULE_DEFAULT);
    assert_int_equal(f->audit[0].q.line, 0);
    assert_int_equal(f->audit[0].verdict, HMX_EACCES);
    assert_non_null(strstr(f->audit[0].reason, "default"));

    /* Send: from port 7 allowed (rule 2); from port 8, default deny. */
    assert_rc(send_to(f, D1, 7, D2, 80, "hello"), 5);
    assert_rc(hmx_recv(&f->rings[0], buf, sizeof(buf), &info), 5);
    assert_int_equal(info.source.domain, D1);
    assert_rc(send_to(f, D1, 8, D2, 80, "hello"), HMX_EACCES);
    assert_int_equal(f->audit[1].q.rule, HMX_FW_RULE_DEFAULT);
    assert_int_equal(f->audit[1].q.src.port, 8);
    /* To port 81: rule 1 denies, before rule 2 could allow. */
    assert_rc(send_to(f, D1, 7, D2, 81, "x"), HMX_EACCES);
    assert_int_equal(f->audit[2].q.denied_by, HMX_DENIED_BY_FIREWALL);
    assert_int_equal(f->audit[2].q.rule, 1);
    assert_int_equal(f->audit[2].q.line, 3);
    assert_int_equal(f->audit[2].q.dst.port, 81);
    assert_non_null(strstr(f->audit[2].reason, "firewall rule"));

    /* A query is checked as a send from port 0: rule 3. */
    assert_rc(hmx_query(&f->ctx[D1], &to, 0, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    to.port = 81;
    assert_rc(hmx_query(&f->ctx[D1], &to, 0, &q), HMX_EACCES);
    assert_int_equal(f->audit[3].q.op, HMX_POLICY_QUERY);
    assert_int_equal(f->audit[3].q.rule, 1);

    /* The host's hook still has its say, after the firewall. */
    f->host_deny_port = 80;
    assert_rc(send_to(f, D1, 7, D2, 80, "x"), HMX_EACCES);
    assert_int_equal(f->audit[4].q.denied_by, HMX_DENIED_BY_HOST);
    assert_string_equal(f->audit[4].reason, "the host closes this port");
    assert_int_equal(f->last_policy.denied_by, 0); /* the hook's query carries no verdict */
    assert_int_equal(f->naudit, 5);
    assert_int_equal(hmx_provider_fw_denials(&f->p, &total), 4);
    assert_int_equal(total, 5);

    /* Clearing the table leaves the host's policy alone. */
    f->host_deny_port = 0;
    assert_rc(hmx_provider_fw_set(&f->p, HOST, NULL, 0, HMX_FW_SET_CLEAR), 0);
    assert_rc(send_to(f, D1, 8, D2, 80, "x"), 1);
    assert_rc(send_to(f, D3, 8, D2, 80, "x"), HMX_ECONNREFUSED); /* no ring for 3 */
}

static void test_empty_table_denies_everything(void **state)
{
    struct fx *f = *state;
    int rc;

    (void)ring_of(f, D2, 80, D1);
    assert_rc(hmx_provider_fw_set(&f->p, HOST, NULL, 0, 0), 0);
    assert_rc(send_to(f, D1, 7, D2, 80, "x"), HMX_EACCES);
    assert_null(ring_sized(f, D2, 81, D1, RING_BYTES, &rc));
    assert_rc(rc, HMX_EACCES);
    assert_int_equal(f->naudit, 2);
    assert_int_equal(f->audit[1].q.rule, HMX_FW_RULE_DEFAULT);
}

/* ---- implicit destinations ----------------------------------------------------------------- */

static void test_implicit_send_resolves(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e[2] = {ient(CONSOLE, D2, 5000, 0), ient(NET, D3, 6000, 0)};
    struct hmx_ring *r2 = ring_of(f, D2, 5000, D1);
    struct hmx_msg_info info;
    char buf[64];

    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, 2), 0);
    assert_rc(send_to(f, D1, 44, IMPLICIT, CONSOLE, "to the console"), 14);
    assert_rc(hmx_recv(r2, buf, sizeof(buf), &info), 14);
    assert_memory_equal(buf, "to the console", 14);
    /* The receiver learns the true sender, as always. */
    assert_int_equal(info.source.domain, D1);
    assert_int_equal(info.source.port, 44);
    /* The policy saw the resolved destination. */
    assert_int_equal(f->last_policy.dst.domain, D2);
    assert_int_equal(f->last_policy.dst.port, 5000);
    /* Domain 3 has no ring: refused like any send, nothing revealed. */
    assert_rc(send_to(f, D1, 44, IMPLICIT, NET, "x"), HMX_ECONNREFUSED);
    /* Another domain's table is its own: domain 2 has none. */
    assert_rc(send_to(f, D2, 44, IMPLICIT, CONSOLE, "x"), HMX_EADDRNOTAVAIL);
}

static void test_implicit_missing_and_default(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e[2] = {ient(CONSOLE, D2, 5000, 0),
                                      ient(0, D3, 0, HMX_IMPLICIT_DEFAULT)};
    struct hmx_ring *r3 = ring_of(f, D3, BLOCK, D1);
    struct hmx_ring *r3b = ring_of(f, D3, 9, D1);
    struct hmx_msg_info info;
    char buf[16];

    /* No table, no entry: EADDRNOTAVAIL, and the policy is not asked. */
    assert_rc(send_to(f, D1, 1, IMPLICIT, CONSOLE, "x"), HMX_EADDRNOTAVAIL);
    assert_int_equal(f->npolicy, 2); /* the two registrations only */

    /* The default entry takes every other port, keeping it (port 0). */
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, 2), 0);
    assert_rc(send_to(f, D1, 1, IMPLICIT, BLOCK, "blk"), 3);
    assert_rc(hmx_recv(r3, buf, sizeof(buf), &info), 3);
    assert_rc(send_to(f, D1, 1, IMPLICIT, 12345, "x"), HMX_ECONNREFUSED); /* no ring 3:12345 */
    /* A default entry with a port of its own sends everything there. */
    e[1].port = 9;
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, 2), 0);
    assert_rc(send_to(f, D1, 1, IMPLICIT, 12345, "dflt"), 4);
    assert_rc(hmx_recv(r3b, buf, sizeof(buf), &info), 4);
    /* A destination that went away: no such domain. */
    assert_rc(hmx_provider_domain_remove(&f->p, D3), 0);
    assert_rc(send_to(f, D1, 1, IMPLICIT, 12345, "x"), HMX_ESRCH);
    /* An empty table again. */
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, NULL, 0), 0);
    assert_rc(send_to(f, D1, 1, IMPLICIT, BLOCK, "x"), HMX_EADDRNOTAVAIL);
}

static void test_implicit_denied_after_resolution(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e = ient(CONSOLE, D2, 5000, 0);

    (void)ring_of(f, D2, 5000, D1);
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, &e, 1), 0);
    install(f, "allow send 1:* -> 2:4000-4999\n"
               "deny  send 1:* -> 2:5000\n");
    assert_rc(send_to(f, D1, 3, IMPLICIT, CONSOLE, "x"), HMX_EACCES);
    /* The audit names the destination the service resolved to. */
    assert_int_equal(f->naudit, 1);
    assert_int_equal(f->audit[0].q.dst.domain, D2);
    assert_int_equal(f->audit[0].q.dst.port, 5000);
    assert_int_equal(f->audit[0].q.rule, 1);
    assert_int_equal(f->audit[0].q.line, 2);
    /* A firewall rule on the service port itself does not apply: it is
     * not where the message goes. */
    install(f, "allow send 1:* -> *:virtio-3\n");
    assert_rc(send_to(f, D1, 3, IMPLICIT, CONSOLE, "x"), HMX_EACCES);
    assert_int_equal(f->audit[1].q.rule, HMX_FW_RULE_DEFAULT);
}

static void test_up_without_and_with_an_upper_level(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e = ient(OWN_SERVICE, HMX_DOMID_UP, 77, 0);
    struct hmx_ring_query q;
    struct hmx_addr up = {77, HMX_DOMID_UP, 0};
    int rc;

    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, &e, 1), 0);
    /* No upper level: ENXIO, directly or through the table. */
    assert_rc(send_to(f, D1, 1, HMX_DOMID_UP, 77, "x"), HMX_ENXIO);
    assert_rc(send_to(f, D1, 1, IMPLICIT, OWN_SERVICE, "x"), HMX_ENXIO);
    assert_null(ring_sized(f, D1, 8, HMX_DOMID_UP, RING_BYTES, &rc));
    assert_rc(rc, HMX_ENXIO);
    assert_rc(hmx_query(&f->ctx[D1], &up, 0, &q), 0);
    assert_int_equal(q.flags, 0); /* nothing known up there */

    /* A host with a level above carries the send, after the policy. */
    f->p.hooks.send_up = h_send_up;
    assert_rc(send_to(f, D1, 1, IMPLICIT, OWN_SERVICE, "upwards"), 7);
    assert_int_equal(f->nup, 1);
    assert_int_equal(f->up_addr.src.domain, D1);
    assert_int_equal(f->up_addr.dst.domain, HMX_DOMID_UP);
    assert_int_equal(f->up_addr.dst.port, 77);
    install(f, "deny send *:* -> up:77\nallow send *:* -> *:*\n");
    assert_rc(send_to(f, D1, 1, HMX_DOMID_UP, 77, "x"), HMX_EACCES);
    assert_rc(send_to(f, D1, 1, HMX_DOMID_UP, 78, "ok"), 2);
    assert_int_equal(f->nup, 2);
}

static void test_implicit_queries_do_not_reveal(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e = ient(CONSOLE, D2, 5000, 0);
    struct hmx_addr to = {CONSOLE, IMPLICIT, 0};
    struct hmx_ring_query q;

    (void)ring_of(f, D2, 5000, D1);
    assert_rc(hmx_query(&f->ctx[D1], &to, 100, &q), 0);
    assert_int_equal(q.flags, 0); /* no entry yet: no ring */
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, &e, 1), 0);
    assert_rc(hmx_query(&f->ctx[D1], &to, 100, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, 4000);
    assert_int_equal(q.ring.domain, IMPLICIT); /* as the caller wrote it */
    assert_int_equal(q.ring.port, CONSOLE);
    /* Denied by the policy after resolution: EACCES, the entry untouched. */
    install(f, "deny send *:* -> 2:5000\n");
    q.flags = 0xABCD;
    assert_rc(hmx_notify(&f->ctx[D1], &q, 1), HMX_EACCES);
    assert_int_equal(q.flags, 0xABCD);
}

static void test_reply_rings_for_implicit_partners(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e[2] = {ient(CONSOLE, D2, 5000, 0),
                                      ient(NET, D3, 6000, HMX_IMPLICIT_VISIBLE)};
    struct hmx_ring *back, *r, *rv;
    struct hmx_msg_info info;
    char buf[16];
    int rc;

    assert_null(ring_sized(f, D1, CONSOLE, IMPLICIT, RING_BYTES, &rc));
    assert_rc(rc, HMX_EADDRNOTAVAIL);
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, 2), 0);
    back = ring_of(f, D2, 5000, D1);
    /* Domain 1's ring for its console answers: partner resolved to 2. */
    r = ring_of(f, D1, CONSOLE, IMPLICIT);
    assert_true(hmx_provider_ring_stats(&f->p, D1, CONSOLE, D2, &(struct hmx_ring_stats){0}) == 0);
    assert_rc(send_to(f, D1, CONSOLE, IMPLICIT, CONSOLE, "ping"), 4);
    assert_rc(hmx_recv(back, buf, sizeof(buf), &info), 4);
    assert_int_equal(info.source.domain, D1);
    assert_int_equal(info.source.port, CONSOLE);
    /* The backend answers the frontend's address; the frontend sees the
     * answer come from the service, not from domain 2. */
    assert_rc(send_to(f, D2, 5000, D1, CONSOLE, "pong"), 4);
    assert_rc(hmx_recv(r, buf, sizeof(buf), &info), 4);
    assert_memory_equal(buf, "pong", 4);
    assert_int_equal(info.source.domain, IMPLICIT);
    assert_int_equal(info.source.port, CONSOLE);
    /* Nobody else may send into it: it is domain 2's. */
    assert_rc(send_to(f, D3, 1, D1, CONSOLE, "x"), HMX_ECONNREFUSED);

    /* A visible entry: the true source shows. */
    rv = ring_of(f, D1, NET, IMPLICIT);
    assert_rc(send_to(f, D3, 6000, D1, NET, "net"), 3);
    assert_rc(hmx_recv(rv, buf, sizeof(buf), &info), 3);
    assert_int_equal(info.source.domain, D3);
    assert_int_equal(info.source.port, 6000);

    /* Unregistered by the same name, even after the table changed. */
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, NULL, 0), 0);
    assert_rc(hmx_ring_unregister(&f->ctx[D1], r), 0);
    assert_false(hmx_provider_ring_stats(&f->p, D1, CONSOLE, D2, &(struct hmx_ring_stats){0}) == 0);
    assert_rc(hmx_ring_unregister(&f->ctx[D1], rv), 0);
}

static void test_implicit_table_checks(void **state)
{
    struct fx *f = *state;
    struct hmx_implicit_entry e[HMX_IMPLICIT_MAX + 1], out[HMX_IMPLICIT_MAX];
    unsigned i;

#define BAD(entry)                                                                       \
    do {                                                                                 \
        struct hmx_implicit_entry b_[2] = {ient(CONSOLE, D2, 1, 0), entry};              \
        assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, b_, 2), HMX_EINVAL);        \
    } while (0)
    BAD(ient(80, D2, 1, 0));                                     /* not a well-known port */
    BAD(ient(HMX_PORT_DISCOVERY, D2, 1, 0));                     /* the provider's own */
    BAD(ient(0xFFFFFFFFu, D2, 1, 0));                            /* outside the range */
    BAD(ient(CONSOLE, D3, 1, 0));                                /* twice */
    BAD(ient(NET, D2, 1, 0x4));                                  /* unknown flag */
    BAD(ient(NET, HMX_DOMID_ANY, 1, 0));                         /* a reserved domain */
    BAD(ient(NET, HMX_DOMID_IMPLICIT, 1, 0));
    BAD(ient(NET, HMX_DOMID_PROVIDER, 1, 0));
    BAD(ient(5, D2, 0, HMX_IMPLICIT_DEFAULT));                   /* a default names no service */
#undef BAD
    {
        struct hmx_implicit_entry two[2] = {ient(0, D2, 0, HMX_IMPLICIT_DEFAULT),
                                            ient(0, D3, 0, HMX_IMPLICIT_DEFAULT)};
        struct hmx_implicit_entry res = ient(NET, D2, 1, 0);

        assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, two, 2), HMX_EINVAL);
        res.reserved = 1;
        assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, &res, 1), HMX_EINVAL);
    }
    for (i = 0; i <= HMX_IMPLICIT_MAX; i++)
        e[i] = ient(HMX_PORT_VIRTIO(1 + i), D2, i, 0);
    assert_rc(hmx_implicit_set(&f->ctx[D0], D1, e, HMX_IMPLICIT_MAX + 1), HMX_EINVAL);
    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, HMX_IMPLICIT_MAX + 1), HMX_EINVAL);
    assert_rc(hmx_implicit_set(&f->ctx[D0], D1, e, HMX_IMPLICIT_MAX), 0);
    assert_rc(hmx_implicit_list(&f->ctx[D0], D1, out, HMX_IMPLICIT_MAX), HMX_IMPLICIT_MAX);
    assert_memory_equal(out, e, HMX_IMPLICIT_MAX * sizeof(e[0]));
    assert_rc(hmx_implicit_list(&f->ctx[D0], D1, NULL, 0), HMX_IMPLICIT_MAX);
    assert_rc(hmx_implicit_set(&f->ctx[D0], 42, e, 1), HMX_ESRCH);
    assert_rc(hmx_implicit_list(&f->ctx[D0], 42, out, 1), HMX_ESRCH);
    assert_rc(hmx_implicit_set(&f->ctx[D0], D1, NULL, 1), HMX_EINVAL);
    /* Labels, likewise. */
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, "sixteen-chars-xx"), HMX_EINVAL);
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, "bad label"), HMX_EINVAL);
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, NULL), HMX_EINVAL);
    assert_rc(hmx_domain_set_label(&f->ctx[D0], 42, "x"), HMX_ESRCH);
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, "x"), 0);
    assert_rc(hmx_domain_set_label(&f->ctx[D0], D1, ""), 0); /* removed */
    assert_int_equal(f->p.domains[1].label[0], '\0');
}

/* ---- discovery ---------------------------------------------------------------------------- */

static void discovery_setup(struct fx *f)
{
    struct hmx_implicit_entry e[5] = {
        ient(NET, D2, 7002, HMX_IMPLICIT_VISIBLE), ient(BLOCK, D2, 7001, 0),
        ient(CONSOLE, D2, 7000, 0), ient(OWN_SERVICE, D3, 9, 0),
        ient(0, D3, 0, HMX_IMPLICIT_DEFAULT)};

    assert_rc(hmx_provider_implicit_set(&f->p, HOST, D1, e, 5), 0);
    assert_rc(hmx_provider_set_label(&f->p, HOST, D1, "front"), 0);
    install(f, "allow register provider:*  -> @front:*\n"
               "allow send     @front:*    -> provider:discovery\n"
               "deny  send     @front:*    -> 2:7001   # no block device\n"
               "allow send     @front:*    -> *:*\n");
}

static void test_discovery_lists_what_the_policy_allows(void **state)
{
    struct fx *f = *state;
    struct hmx_disc_entry d[8];
    struct hmx_ring *r;
    unsigned naudit;

    discovery_setup(f);
    r = ring_of(f, D1, 40, HOST);
    naudit = f->naudit;
    memset(d, 0xEE, sizeof(d));
    assert_rc(hmx_discover(&f->ctx[D1], r, d, 8), 3);
    /* Listing is not a denial: nothing audited. */
    assert_int_equal(f->naudit, naudit);

    /* net: visible, so its destination shows. */
    assert_int_equal(d[0].service, 1);
    assert_int_equal(d[0].port, NET);
    assert_int_equal(d[0].flags, HMX_DISC_IMPLICIT | HMX_DISC_VISIBLE | HMX_DISC_VIRTIO);
    assert_int_equal(d[0].domain, D2);
    assert_int_equal(d[0].dst_port, 7002);
    /* block is denied, so not listed; console: hidden. */
    assert_int_equal(d[1].service, 3);
    assert_int_equal(d[1].port, CONSOLE);
    assert_int_equal(d[1].flags, HMX_DISC_IMPLICIT | HMX_DISC_VIRTIO);
    assert_int_equal(d[1].domain, IMPLICIT);
    assert_int_equal(d[1].dst_port, 0);
    /* An HMX service number; the default route is not a service. */
    assert_int_equal(d[2].service, 5);
    assert_int_equal(d[2].port, OWN_SERVICE);
    assert_int_equal(d[2].flags, HMX_DISC_IMPLICIT);
    assert_int_equal(d[3].service, 0xEEEEEEEEu); /* untouched */

    /* Too small an array: the total still comes back. */
    assert_rc(hmx_discover(&f->ctx[D1], r, d, 1), 3);
    assert_rc(hmx_discover(&f->ctx[D1], r, NULL, 0), 3);
    /* The host policy filters too. */
    f->host_deny_port = 7002;
    assert_rc(hmx_discover(&f->ctx[D1], r, d, 8), 2);
    assert_int_equal(d[0].port, CONSOLE);
    /* Each answer is one message in the ring, read by hmx_discover. */
    assert_rc(hmx_recv(r, d, sizeof(d), NULL), HMX_EAGAIN);
}

static void test_discovery_pages_through_a_small_ring(void **state)
{
    struct fx *f = *state;
    struct hmx_disc_entry d[8];
    struct hmx_ring_stats s;
    struct hmx_ring *r;
    int rc;

    discovery_setup(f);
    /* A ring whose largest message is one entry: 64 + 64 bytes of memory. */
    r = ring_sized(f, D1, 41, HOST, 128, &rc);
    assert_rc(rc, 0);
    assert_int_equal(hmx_ring_size(r), 64);
    assert_rc(hmx_discover(&f->ctx[D1], r, d, 8), 3);
    assert_int_equal(d[0].port, NET);
    assert_int_equal(d[1].port, CONSOLE);
    assert_int_equal(d[2].port, OWN_SERVICE);
    assert_rc(hmx_provider_ring_stats(&f->p, D1, 41, HOST, &s), 0);
    assert_int_equal(s.messages, 3); /* one request per entry */
    /* Too small for any entry. */
    r = ring_sized(f, D1, 42, HOST, 64 + 48, &rc);
    assert_rc(rc, 0);
    assert_rc(hmx_discover(&f->ctx[D1], r, d, 8), HMX_EMSGSIZE);
}

static int raw_request(struct fx *f, hmx_domid_t from, hmx_port_t sport, hmx_port_t dport,
                       const struct hmx_disc_req *req, size_t len, uint32_t type)
{
    struct hmx_addr to = {dport, HOST, 0};

    return hmx_send(&f->ctx[from], sport, &to, req, len, type);
}

static void test_discovery_protocol_errors(void **state)
{
    struct fx *f = *state;
    struct hmx_disc_req req = {HMX_DISC_VERSION, HMX_DISC_OP_LIST, 0, 0, 7, 0};
    struct hmx_ring_query q;
    struct hmx_addr prov = {HMX_PORT_DISCOVERY, HOST, 0};
    struct {
        struct hmx_disc_reply h;
        struct hmx_disc_entry e[4];
    } ans;
    struct hmx_msg_info info;
    struct hmx_disc_req bad;

    discovery_setup(f);
    /* No ring to answer into. */
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &req, sizeof(req), HMX_DISC_MSG_TYPE),
              HMX_ECONNREFUSED);
    (void)ring_of(f, D1, 40, HOST);
    /* The provider serves no other port. */
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY + 1, &req, sizeof(req),
                          HMX_DISC_MSG_TYPE),
              HMX_ECONNREFUSED);
    /* The firewall decides on sends to the provider too. */
    install(f, "allow register provider:* -> *:*\n");
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &req, sizeof(req), HMX_DISC_MSG_TYPE),
              HMX_EACCES);
    assert_rc(hmx_provider_fw_set(&f->p, HOST, NULL, 0, HMX_FW_SET_CLEAR), 0);
    /* Malformed requests. */
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &req, sizeof(req), 1), HMX_EINVAL);
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &req, sizeof(req) - 1,
                          HMX_DISC_MSG_TYPE),
              HMX_EINVAL);
    bad = req;
    bad.version = 2;
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &bad, sizeof(bad), HMX_DISC_MSG_TYPE),
              HMX_EINVAL);
    bad = req;
    bad.reserved = 1;
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &bad, sizeof(bad), HMX_DISC_MSG_TYPE),
              HMX_EINVAL);
    bad = req;
    bad.op = 2;
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &bad, sizeof(bad), HMX_DISC_MSG_TYPE),
              HMX_EOPNOTSUPP);
    assert_rc(hmx_recv(&f->rings[0], &ans, sizeof(ans), &info), HMX_EAGAIN); /* nothing answered */

    /* A well-formed one, by hand: the answer's bytes. */
    req.first = 1;
    req.max = 1;
    assert_rc(raw_request(f, D1, 40, HMX_PORT_DISCOVERY, &req, sizeof(req), HMX_DISC_MSG_TYPE),
              (int)sizeof(req));
    assert_rc(hmx_recv(&f->rings[0], &ans, sizeof(ans), &info), 32);
    assert_int_equal(info.source.domain, HOST);
    assert_int_equal(info.source.port, HMX_PORT_DISCOVERY);
    assert_int_equal(info.message_type, HMX_DISC_MSG_TYPE);
    assert_int_equal(ans.h.version, HMX_DISC_VERSION);
    assert_int_equal(ans.h.op, HMX_DISC_OP_LIST);
    assert_int_equal(ans.h.total, 4); /* no firewall now: block is listed too */
    assert_int_equal(ans.h.count, 1);
    assert_int_equal(ans.h.first, 1);
    assert_int_equal(ans.h.cookie, 7);
    assert_int_equal(ans.e[0].port, BLOCK);

    /* The provider's address answers queries. */
    assert_rc(hmx_query(&f->ctx[D1], &prov, 16, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
    assert_int_equal(q.max_message_size, sizeof(struct hmx_disc_req));
    assert_rc(hmx_query(&f->ctx[D1], &prov, 17, &q), 0);
    assert_int_equal(q.flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE);
    prov.port = 5;
    assert_rc(hmx_query(&f->ctx[D1], &prov, 0, &q), 0);
    assert_int_equal(q.flags, 0);

    /* hmx_discover's own checks. */
    assert_rc(hmx_discover(&f->ctx[D1], NULL, NULL, 0), HMX_EINVAL);
    assert_rc(hmx_discover(&f->ctx[D1], &f->rings[0], NULL, 1), HMX_EINVAL);
    {
        struct hmx_ring *other = ring_of(f, D1, 41, D2);

        assert_rc(hmx_discover(&f->ctx[D1], other, ans.e, 4), HMX_EINVAL);
    }
}

/* ---- the feature gate ---------------------------------------------------------------------- */

static void test_without_the_features_nothing_is_asked(void **state)
{
    struct fx *f = *state;
    hmx_ctx *c = &f->ctx[D0];
    struct hmx_fw_rule r = allow_all();
    struct hmx_implicit_entry e = ient(CONSOLE, D2, 1, 0);
    struct hmx_ring_query q[2];
    struct hmx_addr to = {CONSOLE, IMPLICIT, 0};
    struct hmx_ring fake;
    int rc;

    c->features = 0; /* as a Xen mechanism's context has it */
    assert_rc(send_to(f, D0, 1, IMPLICIT, CONSOLE, "x"), HMX_EOPNOTSUPP);
    assert_rc(send_to(f, D0, 1, HMX_DOMID_UP, 1, "x"), HMX_EOPNOTSUPP);
    assert_rc(send_to(f, D0, 1, HOST, HMX_PORT_DISCOVERY, "x"), HMX_EOPNOTSUPP);
    assert_null(ring_sized(f, D0, 1, IMPLICIT, RING_BYTES, &rc));
    assert_rc(rc, HMX_EOPNOTSUPP);
    assert_null(ring_sized(f, D0, 1, HOST, RING_BYTES, &rc));
    assert_rc(rc, HMX_EOPNOTSUPP);
    memset(q, 0, sizeof(q));
    q[0].ring.domain = D2;
    q[1].ring = to;
    assert_rc(hmx_notify(c, q, 2), HMX_EOPNOTSUPP);
    assert_rc(hmx_fw_set(c, &r, 1, 0), HMX_EOPNOTSUPP);
    assert_rc(hmx_fw_list(c, &r, 1, 0), HMX_EOPNOTSUPP);
    assert_rc(hmx_fw_add(c, &r, 0), HMX_EOPNOTSUPP);
    assert_rc(hmx_fw_del(c, 0), HMX_EOPNOTSUPP);
    assert_rc(hmx_domain_set_label(c, D1, "x"), HMX_EOPNOTSUPP);
    assert_rc(hmx_implicit_set(c, D1, &e, 1), HMX_EOPNOTSUPP);
    assert_rc(hmx_implicit_list(c, D1, &e, 1), HMX_EOPNOTSUPP);
    memset(&fake, 0, sizeof(fake));
    assert_rc(hmx_discover(c, &fake, NULL, 0), HMX_EOPNOTSUPP);
    assert_int_equal(f->npolicy, 0); /* the provider was never asked */
    assert_int_equal(hmx_fw_set(NULL, &r, 1, 0), HMX_EINVAL);

    /* The Xen hypercall mechanism carries none of them. */
    assert_null(hmx_backend_xen.fw_set);
    assert_null(hmx_backend_xen.fw_list);
    assert_null(hmx_backend_xen.fw_add);
    assert_null(hmx_backend_xen.fw_del);
    assert_null(hmx_backend_xen.set_label);
    assert_null(hmx_backend_xen.implicit_set);
    assert_null(hmx_backend_xen.implicit_list);
    /* The reference provider offers all three. */
    assert_int_equal(hmx_provider_features(&f->p) &
                         (HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT | HMX_FEAT_DISCOVERY),
                     HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT | HMX_FEAT_DISCOVERY);
}

/* ---- over the MSR mechanism: hmx_provider_call decodes ----------------------------- */

struct msr_dom {
    struct hmx_arch_ops arch;
    struct fx *f;
    hmx_domid_t id;
    unsigned calls[32];
    hmx_gfn_t scratch[8];
};

/* The hypervisor's side of WRMSR: the block is at the written address (the
 * identity environment makes guest-physical equal virtual). */
static int msr_trap(void *ctx, uint32_t msr, uint64_t val)
{
    struct msr_dom *d = ctx;
    struct hmx_call_block *blk = (struct hmx_call_block *)(uintptr_t)val;

    assert_int_equal(msr, HMX_MSR_CALL_DEFAULT);
    if (blk->op < 32)
        d->calls[blk->op]++;
    blk->ret = hmx_provider_call(&d->f->p, d->id, blk->op, blk->arg, d->scratch, 8);
    return 0;
}

static void open_msr(struct fx *f, struct msr_dom *d, hmx_domid_t id, hmx_ctx *ctx, void *page)
{
    struct hmx_msr_config cfg;
    struct hmx_open_args oa = {.backend = &hmx_backend_msr, .backend_config = &cfg};

    memset(d, 0, sizeof(*d));
    d->f = f;
    d->id = id;
    d->arch.ctx = d;
    d->arch.wrmsr = msr_trap;
    memset(&cfg, 0, sizeof(cfg));
    cfg.arch = &d->arch;
    cfg.msr = HMX_MSR_CALL_DEFAULT;
    cfg.call_page = page;
    cfg.features = hmx_provider_features(&f->p);
    assert_rc(hmx_open(ctx, &oa), 0);
}

static void test_the_msr_mechanism_carries_them(void **state)
{
    struct fx *f = *state;
    static struct hmx_fw_rule rules[HMX_FW_RULES_MAX], out[HMX_FW_RULES_MAX];
    struct hmx_implicit_entry e[3] = {ient(CONSOLE, D2, 5000, 0), ient(NET, D2, 5001, 0),
                                      ient(0, D2, 0, HMX_IMPLICIT_DEFAULT)},
                              eo[4];
    struct msr_dom m0, m1;
    hmx_ctx c0, c1;
    void *p0 = aligned_alloc(4096, 4096), *p1 = aligned_alloc(4096, 4096);
    struct hmx_disc_entry d[4];
    struct hmx_ring *back, *reply;
    struct hmx_ring_config rc1;
    struct hmx_ring rr;
    void *rmem = aligned_alloc(4096, 4096);
    struct hmx_msg_info info;
    char buf[16];
    uint32_t i;

    assert_non_null(p0);
    assert_non_null(p1);
    assert_non_null(rmem);
    open_msr(f, &m0, D0, &c0, p0);
    open_msr(f, &m1, D1, &c1, p1);
    assert_true((hmx_features(&c1) & HMX_FEAT_DISCOVERY) != 0);

    /* A table of 64 rules is larger than the call page's staging area: it
     * goes in one call, from where it lies. */
    for (i = 0; i < HMX_FW_RULES_MAX; i++) {
        rules[i] = rule(HMX_FW_ALLOW, HMX_FW_OP_SEND | HMX_FW_OP_REGISTER, HMX_FW_MATCH_ANY, 0,
                        NULL, 0, ~0u, HMX_FW_MATCH_DOMAIN, (hmx_domid_t)(i % 4), NULL, 0, ~0u);
        rules[i].line = 100 + i;
    }
    rules[0] = rule(HMX_FW_DENY, HMX_FW_OP_SEND, HMX_FW_MATCH_ANY, 0, NULL, 0, ~0u,
                    HMX_FW_MATCH_DOMAIN, D2, NULL, 5001, 5001);
    rules[2] = rule(HMX_FW_ALLOW, HMX_FW_OP_SEND, HMX_FW_MATCH_ANY, 0, NULL, 0, ~0u,
                    HMX_FW_MATCH_DOMAIN, HOST, NULL, 0, ~0u);
    assert_rc(hmx_fw_set(&c0, rules, HMX_FW_RULES_MAX, 0), 0);
    assert_int_equal(m0.calls[HMX_OP_FW_SET], 1);
    /* ... and is read back in runs that fit the area: 63 + 1. */
    memset(out, 0, sizeof(out));
    assert_rc(hmx_fw_list(&c0, out, HMX_FW_RULES_MAX, 0), HMX_FW_RULES_MAX);
    assert_memory_equal(out, rules, sizeof(rules));
    assert_int_equal(m0.calls[HMX_OP_FW_LIST], 2);
    assert_rc(hmx_fw_list(&c0, out, 2, 63), HMX_FW_RULES_MAX);
    assert_memory_equal(&out[0], &rules[63], sizeof(rules[0]));
    assert_rc(hmx_fw_del(&c0, 63), 0);
    assert_rc(hmx_fw_add(&c0, &rules[63], 63), 0);
    assert_rc(hmx_fw_add(&c0, &rules[1], 0), HMX_ENOSPC);
    assert_rc(hmx_domain_set_label(&c0, D1, "front"), 0);
    assert_string_equal(f->p.domains[1].label, "front");
    assert_rc(hmx_implicit_set(&c0, D1, e, 3), 0);
    assert_rc(hmx_implicit_list(&c0, D1, eo, 4), 3);
    assert_memory_equal(eo, e, sizeof(e));
    assert_rc(hmx_implicit_list(&c0, D1, eo, 1), 3);

    /* Domain 1 is refused, over the trap as in process. */
    assert_rc(hmx_fw_del(&c1, 0), HMX_EPERM);
    assert_rc(hmx_fw_set(&c1, rules, HMX_FW_RULES_MAX, 0), HMX_EPERM);
    assert_rc(hmx_implicit_set(&c1, D1, e, 1), HMX_EPERM);
    assert_rc(hmx_domain_set_label(&c1, D1, "root"), HMX_EPERM);
    assert_rc(hmx_fw_list(&c1, out, 4, 0), HMX_EPERM);

    /* Discovery and an implicit send, over the trap. */
    memset(&rc1, 0, sizeof(rc1));
    rc1.mem = rmem;
    rc1.mem_size = 4096;
    rc1.port = 40;
    rc1.partner = HOST;
    memset(&rr, 0, sizeof(rr));
    assert_rc(hmx_ring_register(&c1, &rr, &rc1), 0);
    reply = &rr;
    assert_rc(hmx_discover(&c1, reply, d, 4), 1); /* net (to 2:5001) is denied by rule 0 */
    assert_int_equal(d[0].port, CONSOLE);
    back = ring_of(f, D2, 5000, D1);
    {
        struct hmx_addr to = {CONSOLE, IMPLICIT, 0};

        assert_rc(hmx_send(&c1, 3, &to, "over msr", 8, TYPE), 8);
    }
    assert_rc(hmx_recv(back, buf, sizeof(buf), &info), 8);
    assert_int_equal(info.source.domain, D1);
    {
        struct hmx_addr to = {NET, IMPLICIT, 0};

        assert_rc(hmx_send(&c1, 3, &to, "x", 1, TYPE), HMX_EACCES);
        to.domain = HMX_DOMID_UP;
        assert_rc(hmx_send(&c1, 3, &to, "x", 1, TYPE), HMX_ENXIO);
        to.domain = IMPLICIT;
        to.port = HMX_PORT_WELL_KNOWN_LAST; /* the default entry keeps the port: no such ring */
        assert_rc(hmx_send(&c1, 3, &to, "x", 1, TYPE), HMX_ECONNREFUSED);
    }
    assert_rc(hmx_ring_unregister(&c1, reply), 0);

    hmx_close(&c0);
    hmx_close(&c1);
    free(p0);
    free(p1);
    free(rmem);
}

static void test_call_decoder_checks(void **state)
{
    struct fx *f = *state;
    struct hmx_fw_rule r = allow_all();
    struct hmx_implicit_entry e[2] = {ient(CONSOLE, D2, 1, 0), ient(NET, D2, 2, 0)};
    char label[HMX_LABEL_SIZE] = "ok";
    hmx_gfn_t scratch[4];
    uint64_t a[4];

#define CALL(dom, op, a0, a1, a2, a3)                                                     \
    (a[0] = (uint64_t)(a0), a[1] = (uint64_t)(a1), a[2] = (uint64_t)(a2),                 \
     a[3] = (uint64_t)(a3), hmx_provider_call(&f->p, (dom), (op), a, scratch, 4))
#define ADDR(p) ((uint64_t)(uintptr_t)(p))
    /* Unused arguments must be zero, counts must fit 32 bits. */
    assert_rc(CALL(D0, HMX_OP_FW_SET, ADDR(&r), 1, 0, 1), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_FW_SET, ADDR(&r), 1ull << 32, 0, 0), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_FW_LIST, ADDR(&r), 1, 0, 1), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_FW_ADD, ADDR(&r), 0, 1, 0), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_FW_DEL, 0, 1, 0, 0), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_SET_LABEL, 0x10000, ADDR(label), 0, 0), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_SET, D1, ADDR(e), 2, 1), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_LIST, D1, ADDR(e), 2, 1), HMX_EINVAL);
    assert_rc(CALL(D0, 27, 0, 0, 0, 0), HMX_EOPNOTSUPP); /* the first op not assigned */

    /* An unprivileged caller is refused before its memory is read: a bad
     * address gives EPERM, not EFAULT. */
    assert_rc(CALL(D1, HMX_OP_FW_SET, 0, 1, 0, 0), HMX_EPERM);
    assert_rc(CALL(D1, HMX_OP_FW_ADD, 0, 0, 0, 0), HMX_EPERM);
    assert_rc(CALL(D1, HMX_OP_SET_LABEL, D1, 0, 0, 0), HMX_EPERM);
    assert_rc(CALL(D1, HMX_OP_IMPLICIT_SET, D1, 0, 2, 0), HMX_EPERM);
    assert_rc(CALL(42, HMX_OP_FW_DEL, 0, 0, 0, 0), HMX_ENODEV);
    /* The privileged caller's bad memory: EFAULT. */
    assert_rc(CALL(D0, HMX_OP_FW_SET, 0, 1, 0, 0), HMX_EFAULT);
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_SET, D1, 0, 1, 0), HMX_EFAULT);
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_SET, D1, ADDR(e), HMX_IMPLICIT_MAX + 1, 0), HMX_EINVAL);
    assert_rc(CALL(D0, HMX_OP_FW_SET, ADDR(&r), HMX_FW_RULES_MAX + 1, 0, 0), HMX_ENOSPC);
    /* A label with bytes after its NUL. */
    label[5] = 'x';
    assert_rc(CALL(D0, HMX_OP_SET_LABEL, D1, ADDR(label), 0, 0), HMX_EINVAL);
    label[5] = '\0';
    assert_rc(CALL(D0, HMX_OP_SET_LABEL, D1, ADDR(label), 0, 0), 0);
    /* Works, and answers are written back. */
    assert_rc(CALL(D0, HMX_OP_FW_SET, ADDR(&r), 1, 0, 0), 0);
    memset(&r, 0, sizeof(r));
    assert_rc(CALL(D0, HMX_OP_FW_LIST, ADDR(&r), 1, 0, 0), 1);
    assert_int_equal(r.action, HMX_FW_ALLOW);
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_SET, D1, ADDR(e), 2, 0), 0);
    memset(e, 0, sizeof(e));
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_LIST, D1, ADDR(e), 1, 0), 2);
    assert_int_equal(e[0].service, CONSOLE);
    assert_int_equal(e[1].service, 0); /* only the capacity asked for */
    /* Without copy_to_guest nothing can be listed. */
    f->p.hooks.copy_to_guest = NULL;
    assert_rc(CALL(D0, HMX_OP_FW_LIST, ADDR(&r), 1, 0, 0), HMX_EFAULT);
    assert_rc(CALL(D0, HMX_OP_FW_LIST, ADDR(&r), 0, 0, 0), 1); /* nothing to write */
    assert_rc(CALL(D0, HMX_OP_IMPLICIT_LIST, D1, ADDR(e), 1, 0), HMX_EFAULT);
#undef CALL
#undef ADDR
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_the_format),
        cmocka_unit_test(test_parse_rejects_with_line_and_column),
        cmocka_unit_test(test_parse_stops_at_the_table_limit),
        cmocka_unit_test(test_rule_check),
        cmocka_unit_test(test_decide_first_match_default_deny),
        T(test_management_is_for_the_privileged_domain),
        T(test_table_limit_and_atomic_replacement),
        T(test_firewall_decides_register_send_and_query),
        T(test_empty_table_denies_everything),
        T(test_implicit_send_resolves),
        T(test_implicit_missing_and_default),
        T(test_implicit_denied_after_resolution),
        T(test_up_without_and_with_an_upper_level),
        T(test_implicit_queries_do_not_reveal),
        T(test_reply_rings_for_implicit_partners),
        T(test_implicit_table_checks),
        T(test_discovery_lists_what_the_policy_allows),
        T(test_discovery_pages_through_a_small_ring),
        T(test_discovery_protocol_errors),
        T(test_without_the_features_nothing_is_asked),
        T(test_the_msr_mechanism_carries_them),
        T(test_call_decoder_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
