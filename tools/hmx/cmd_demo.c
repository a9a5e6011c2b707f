/* SPDX-License-Identifier: MIT */
/*
 * hmx demo: two domains on the in-process reference provider.  First, in
 * a short phase, the provider's firewall and domain 1's implicit
 * destinations are set up by the host: domain 1 discovers the services it
 * may reach, talks to one without learning where it lives, and is refused
 * another.  Then domain 1 sends bursts of messages to a ring of domain 2,
 * which verifies each one and acknowledges it on a ring of domain 1.
 * Bursts are larger than the ring holds, so the demo also shows a full
 * ring, the queued wake-up and the retry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmx/hmx.h"
#include "hmx/inproc.h"
#include "hmx/policy.h"
#include "tool.h"

#define DOM_FRONT 1
#define DOM_BACK 2
#define PORT_DATA 2000
#define PORT_ACK 1000
#define TYPE_DATA 1
#define TYPE_ACK 2
#define BURST 8
#define MAX_PAYLOAD 1024
#define PORT_DISC_REPLY 40 /* domain 1's ring for the provider's answers */
#define PORT_CONSOLE_BACK 3000
#define PORT_BLOCK_BACK 3001
#define TYPE_CONSOLE 3

/* The host's firewall: the block device is closed to domain 1. */
static const char demo_rules[] = "deny  send     @front:*   -> @back:3001\n"
                                 "allow *        @front:*   -> @back:*\n"
                                 "allow *        @back:*    -> @front:*\n"
                                 "allow register provider:* -> @front:*\n"
                                 "allow send     @front:*   -> provider:discovery\n";

struct demo_msg_head {
    uint32_t seq;
    uint32_t sum; /* of the body */
};

struct demo {
    struct hmx_provider prov;
    HMX_PROVIDER_STORAGE(slots, 4, 8);
    uint64_t signals[3][3]; /* [domain][kind] */
    hmx_ctx front, back;
    struct hmx_ring data_ring, ack_ring;
    struct hmx_ring disc_ring, console_ring, console_back;
    int quiet;
    unsigned sent, received, acked, bad, eagain;
    unsigned naudit;
    struct hmx_policy_query audit; /* the last denial */
};

static void on_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    struct demo *d = host;

    if (dom <= DOM_BACK && (unsigned)why <= 2)
        d->signals[dom][why]++;
}

static void on_audit(void *host, const struct hmx_policy_query *q, int verdict, const char *reason)
{
    struct demo *d = host;

    (void)verdict;
    (void)reason;
    d->naudit++;
    d->audit = *q;
}

static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;

    while (n--)
        h = (h ^ *p++) * 16777619u;
    return h;
}

static size_t body_for(unsigned seq, uint8_t *body)
{
    size_t n = (size_t)snprintf((char *)body, MAX_PAYLOAD, "message %u from dom%d", seq, DOM_FRONT);
    size_t extra = (seq * 197u) % (MAX_PAYLOAD - 64);

    for (size_t i = 0; i < extra; i++)
        body[n + i] = (uint8_t)('a' + (seq + i) % 26);
    return n + extra;
}

static const char *flag_names(uint16_t f, char *buf, size_t cap)
{
    static const char *names[] = {"EXISTS", "SHARED", "EMPTY", "SUFFICIENT", "EMSGSIZE", "EBUSY"};
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < 6; i++)
        if (f & (1u << i))
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? "|" : "", names[i]);
    if (used == 0)
        snprintf(buf, cap, "none");
    return buf;
}

/* Domain 2 drains its ring: verify, acknowledge, then wake waiting senders. */
static void back_drain(struct demo *d)
{
    uint8_t buf[sizeof(struct demo_msg_head) + MAX_PAYLOAD];
    struct hmx_msg_info info;
    struct hmx_addr ack_to = {.port = PORT_ACK, .domain = DOM_FRONT, .pad = 0};
    int n;

    while ((n = hmx_recv(&d->data_ring, buf, sizeof(buf), &info)) >= 0) {
        struct demo_msg_head head;
        int ok = (size_t)n >= sizeof(head);

        if (ok) {
            memcpy(&head, buf, sizeof(head));
            ok = head.sum == checksum(buf + sizeof(head), (size_t)n - sizeof(head)) &&
                 head.seq == d->received && info.source.domain == DOM_FRONT &&
                 info.message_type == TYPE_DATA;
        }
        if (!ok)
            d->bad++;
        if (!d->quiet) {
            /* The body is not NUL-terminated: print at most what arrived. */
            int shown = ok ? (int)((size_t)n - sizeof(head)) : 0;

            printf("recv  #%-3u dom%u:%u <- dom%u:%u  type %u  %4d bytes  %s  \"%.*s...\"\n",
                   d->received, DOM_BACK, PORT_DATA, info.source.domain, info.source.port,
                   info.message_type, n, ok ? "verified" : "CORRUPT", shown < 24 ? shown : 24,
                   (const char *)buf + sizeof(head));
        }
        d->received++;
        if (hmx_send(&d->back, PORT_DATA, &ack_to, &head.seq, sizeof(head.seq), TYPE_ACK) < 0)
            d->bad++;
    }
    if (n != HMX_EAGAIN) {
        fprintf(stderr, "hmx demo: reading the data ring: %s\n", hmx_strerror(n));
        d->bad++;
    }
    hmx_notify(&d->back, NULL, 0);
}

static void front_collect_acks(struct demo *d)
{
    uint32_t seq;
    int n;

    while ((n = hmx_recv(&d->ack_ring, &seq, sizeof(seq), NULL)) >= 0) {
        if (n != sizeof(seq) || seq != d->acked)
            d->bad++;
        d->acked++;
    }
    hmx_notify(&d->front, NULL, 0);
}

static int send_one(struct demo *d, unsigned seq)
{
    static uint8_t body[MAX_PAYLOAD];
    struct demo_msg_head head;
    struct hmx_addr to = {.port = PORT_DATA, .domain = DOM_BACK, .pad = 0};
    struct hmx_iov iov[2];
    int rc;

    size_t n = body_for(seq, body);
    head.seq = seq;
    head.sum = checksum(body, n);
    iov[0].base = &head;
    iov[0].len = sizeof(head);
    iov[1].base = body;
    iov[1].len = n;
    rc = hmx_sendv(&d->front, PORT_ACK, &to, iov, 2, TYPE_DATA);
    if (rc >= 0 && !d->quiet)
        printf("send  #%-3u dom%u:%u -> dom%u:%u  type %u  %4d bytes  (2 iovs)\n", seq, DOM_FRONT,
               PORT_ACK, DOM_BACK, PORT_DATA, TYPE_DATA, rc);
    return rc;
}

static int setup(struct demo *d, size_t mem_size, void *mem_data, void *mem_ack)
{
    struct hmx_provider_hooks hooks;
    struct hmx_inproc_config cf = {.provider = &d->prov, .domid = DOM_FRONT};
    struct hmx_inproc_config cb = {.provider = &d->prov, .domid = DOM_BACK};
    struct hmx_open_args af = {.backend = &hmx_backend_inproc, .backend_config = &cf, .env = NULL};
    struct hmx_open_args ab = {.backend = &hmx_backend_inproc, .backend_config = &cb, .env = NULL};
    struct hmx_ring_config rd = {.mem = mem_data, .mem_size = mem_size, .port = PORT_DATA,
                                 .partner = DOM_FRONT};
    struct hmx_ring_config ra = {.mem = mem_ack, .mem_size = mem_size, .port = PORT_ACK,
                                 .partner = DOM_BACK};
    int rc;

    hmx_inproc_hooks(&hooks, d);
    hooks.signal = on_signal;
    hooks.audit = on_audit;
    if ((rc = hmx_provider_init(&d->prov, &hooks, d->slots_domains, 4, d->slots_rings, 8, 0)) < 0 ||
        (rc = hmx_provider_domain_add(&d->prov, DOM_FRONT, 0)) < 0 ||
        (rc = hmx_provider_domain_add(&d->prov, DOM_BACK, 0)) < 0 ||
        (rc = hmx_open(&d->front, &af)) < 0 || (rc = hmx_open(&d->back, &ab)) < 0 ||
        (rc = hmx_ring_register(&d->back, &d->data_ring, &rd)) < 0 ||
        (rc = hmx_ring_register(&d->front, &d->ack_ring, &ra)) < 0) {
        fprintf(stderr, "hmx demo: setup failed: %s\n", hmx_strerror(rc));
        return rc;
    }
    return 0;
}

static int ring_in(hmx_ctx *ctx, struct hmx_ring *ring, void *mem, hmx_port_t port,
                   hmx_domid_t partner)
{
    struct hmx_ring_config cfg = {.mem = mem, .mem_size = HMX_FRAME_SIZE, .port = port,
                                  .partner = partner};

    return hmx_ring_register(ctx, ring, &cfg);
}

/*
 * The policy and addressing phase.  The host (the demo) labels the
 * domains, installs a firewall from its text form, and gives domain 1 two
 * implicit destinations on domain 2, both hidden: the VirtIO console at
 * port 3000 and the VirtIO block device at port 3001, which the firewall
 * closes.  Returns 0, or the first error.
 */
static int policy_phase(struct demo *d, uint8_t *mem)
{
    struct hmx_fw_rule rules[8];
    struct hmx_fw_parse_error perr;
    struct hmx_implicit_entry imp[2] = {
        {HMX_PORT_VIRTIO(3), PORT_CONSOLE_BACK, DOM_BACK, 0, 0},
        {HMX_PORT_VIRTIO(2), PORT_BLOCK_BACK, DOM_BACK, 0, 0},
    };
    struct hmx_addr console = {HMX_PORT_VIRTIO(3), HMX_DOMID_IMPLICIT, 0};
    struct hmx_addr block = {HMX_PORT_VIRTIO(2), HMX_DOMID_IMPLICIT, 0};
    struct hmx_addr front = {HMX_PORT_VIRTIO(3), DOM_FRONT, 0};
    struct hmx_disc_entry found[4];
    struct hmx_msg_info info;
    char buf[64];
    uint32_t n;
    int rc, total;

    if ((rc = hmx_fw_parse(demo_rules, sizeof(demo_rules) - 1, rules, 8, &n, &perr)) < 0 ||
        (rc = hmx_provider_set_label(&d->prov, HMX_DOMID_PROVIDER, DOM_FRONT, "front")) < 0 ||
        (rc = hmx_provider_set_label(&d->prov, HMX_DOMID_PROVIDER, DOM_BACK, "back")) < 0 ||
        (rc = hmx_provider_fw_set(&d->prov, HMX_DOMID_PROVIDER, rules, n, 0)) < 0 ||
        (rc = hmx_provider_implicit_set(&d->prov, HMX_DOMID_PROVIDER, DOM_FRONT, imp, 2)) < 0)
        return rc;
    if (!d->quiet)
        printf("hmx demo: the host labels dom1 @front and dom2 @back, installs %u firewall rules\n"
               "and gives dom1 two hidden implicit destinations: VirtIO console and block\n",
               n);

    /* Domain 2 serves the console at port 3000; domain 1 asks the provider
     * what it may reach, in a ring whose partner is the provider. */
    if ((rc = ring_in(&d->back, &d->console_back, mem, PORT_CONSOLE_BACK, DOM_FRONT)) < 0 ||
        (rc = ring_in(&d->front, &d->disc_ring, mem + HMX_FRAME_SIZE, PORT_DISC_REPLY,
                      HMX_DOMID_PROVIDER)) < 0 ||
        (rc = ring_in(&d->front, &d->console_ring, mem + 2 * HMX_FRAME_SIZE, HMX_PORT_VIRTIO(3),
                      HMX_DOMID_IMPLICIT)) < 0)
        return rc;
    total = hmx_discover(&d->front, &d->disc_ring, found, 4);
    if (total < 0)
        return total;
    if (!d->quiet) {
        printf("discovery: dom1 may reach %d service%s\n", total, total == 1 ? "" : "s");
        for (int i = 0; i < total && i < 4; i++)
            printf("  %s %u at well-known port %#x: %s\n",
                   (found[i].flags & HMX_DISC_VIRTIO) ? "VirtIO device" : "service",
                   found[i].service, found[i].port,
                   (found[i].flags & HMX_DISC_VISIBLE) ? "visible"
                                                       : "implicit, destination hidden");
    }
    if (total != 1 || found[0].port != HMX_PORT_VIRTIO(3))
        return HMX_EIO;

    /* A request to the console, by service; the answer comes back from it. */
    rc = hmx_send(&d->front, HMX_PORT_VIRTIO(3), &console, "hello, console", 14, TYPE_CONSOLE);
    if (rc < 0)
        return rc;
    rc = hmx_recv(&d->console_back, buf, sizeof(buf), &info);
    if (rc < 0)
        return rc;
    if (!d->quiet)
        printf("send  dom1 -> implicit:%#x  %d bytes; dom2:%u received them from dom%u:%#x\n",
               console.port, rc, PORT_CONSOLE_BACK, info.source.domain, info.source.port);
    rc = hmx_send(&d->back, PORT_CONSOLE_BACK, &front, "hello, frontend", 15, TYPE_CONSOLE);
    if (rc < 0)
        return rc;
    rc = hmx_recv(&d->console_ring, buf, sizeof(buf), &info);
    if (rc < 0)
        return rc;
    if (!d->quiet)
        printf("reply dom2 -> dom1:%#x  %d bytes; dom1 sees them come from %s:%#x\n",
               front.port, rc,
               info.source.domain == HMX_DOMID_IMPLICIT ? "implicit" : "a domain",
               info.source.port);
    if (info.source.domain != HMX_DOMID_IMPLICIT)
        return HMX_EIO;

    /* The block device resolves, and the firewall refuses what it resolves to. */
    rc = hmx_send(&d->front, HMX_PORT_VIRTIO(2), &block, "x", 1, TYPE_CONSOLE);
    if (rc != HMX_EACCES || d->naudit != 1)
        return rc < 0 ? rc : HMX_EIO;
    if (!d->quiet)
        printf("send  dom1 -> implicit:%#x: %s; audited: firewall rule %u (line %u)\n\n",
               block.port, hmx_err_name(rc), d->audit.rule, d->audit.line);
    /* The rest of the demo counts its own signals. */
    memset(d->signals, 0, sizeof(d->signals));
    return 0;
}

static void print_stats(struct demo *d)
{
    struct hmx_ring_stats s;

    if (hmx_provider_ring_stats(&d->prov, DOM_BACK, PORT_DATA, DOM_FRONT, &s) == 0)
        printf("ring dom%u:%u  %u-byte data area  %llu messages  %llu payload bytes  "
               "%llu refused full  %u bytes free\n",
               DOM_BACK, PORT_DATA, s.len, (unsigned long long)s.messages,
               (unsigned long long)s.bytes, (unsigned long long)s.eagain, s.space);
    if (hmx_provider_ring_stats(&d->prov, DOM_FRONT, PORT_ACK, DOM_BACK, &s) == 0)
        printf("ring dom%u:%u  %u-byte data area  %llu messages  %llu payload bytes  "
               "%llu refused full  %u bytes free\n",
               DOM_FRONT, PORT_ACK, s.len, (unsigned long long)s.messages,
               (unsigned long long)s.bytes, (unsigned long long)s.eagain, s.space);
    printf("signals: dom1 rx %llu space %llu; dom2 rx %llu space %llu\n",
           (unsigned long long)d->signals[1][HMX_SIGNAL_RX],
           (unsigned long long)d->signals[1][HMX_SIGNAL_SPACE],
           (unsigned long long)d->signals[2][HMX_SIGNAL_RX],
           (unsigned long long)d->signals[2][HMX_SIGNAL_SPACE]);
}

static void demo_help(void)
{
    printf("usage: hmx demo [--messages N] [--ring-size BYTES] [--quiet]\n"
           "\n"
           "Two domains exchange messages over the in-process reference provider.\n"
           "First the host installs a firewall and gives domain 1 implicit destinations:\n"
           "domain 1 discovers the services it may reach, sends to one by its\n"
           "well-known port without learning where it lives, and is refused another.\n"
           "Then:\n"
           "Domain 1 sends bursts of %d messages (2 iovs each, 8 to ~1000 bytes) to a\n"
           "ring of domain 2; domain 2 verifies each and acknowledges it on a ring of\n"
           "domain 1.  A full ring is shown as it happens: the send fails with\n"
           "EAGAIN, domain 2 drains, its notify wakes domain 1, the send is retried.\n"
           "\n"
           "  --messages N       messages to send (1..1000000, default 24)\n"
           "  --ring-size BYTES  ring memory per ring, header included\n"
           "                     (4096..16M, K/M suffixes, default 4096)\n"
           "  --quiet            print only the summary\n"
           "  -h, --help         show this help\n"
           "\n"
           "Exit status: 0 every message arrived intact and was acknowledged;\n"
           "1 a message was lost or corrupt, or setup failed; 2 bad command line.\n",
           BURST);
}

int cmd_demo(int argc, char **argv)
{
    static struct demo d;
    uint64_t messages = 24, ring_size = 4096;
    void *mem_data, *mem_ack;
    uint8_t *mem_phase;
    size_t alloc;
    unsigned seq = 0;
    char fl[96];
    struct hmx_ring_query q;
    struct hmx_addr to = {.port = PORT_DATA, .domain = DOM_BACK, .pad = 0};
    int rc;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            demo_help();
            return EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            d.quiet = 1;
        } else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], 1, 1000000, &messages) != 0) {
                fprintf(stderr, "hmx demo: --messages takes a number from 1 to 1000000\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--ring-size") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], 4096, HMX_RING_HDR_SIZE + HMX_RING_MAX_LEN, &ring_size) != 0) {
                fprintf(stderr, "hmx demo: --ring-size takes 4096 to 16M bytes\n");
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "hmx demo: unknown option '%s' (try 'hmx demo --help')\n", argv[i]);
            return EXIT_USAGE;
        }
    }

    alloc = ((size_t)ring_size + HMX_FRAME_SIZE - 1) & ~(size_t)(HMX_FRAME_SIZE - 1);
    mem_data = aligned_alloc(HMX_FRAME_SIZE, alloc);
    mem_ack = aligned_alloc(HMX_FRAME_SIZE, alloc);
    mem_phase = aligned_alloc(HMX_FRAME_SIZE, 3 * HMX_FRAME_SIZE);
    if (mem_data == NULL || mem_ack == NULL || mem_phase == NULL ||
        setup(&d, (size_t)ring_size, mem_data, mem_ack) < 0) {
        free(mem_data);
        free(mem_ack);
        free(mem_phase);
        return EXIT_FAIL;
    }
    rc = policy_phase(&d, mem_phase);
    if (rc < 0) {
        fprintf(stderr, "hmx demo: the policy and addressing phase failed: %s\n",
                hmx_strerror(rc));
        d.bad++;
    }
    printf("hmx demo: domains %d and %d on the in-process provider, rings of %u data bytes\n",
           DOM_FRONT, DOM_BACK, hmx_ring_size(&d.data_ring));
    if (hmx_query(&d.front, &to, 0, &q) == 0)
        printf("query dom%u:%u -> %s, largest message %u bytes\n\n", DOM_BACK, PORT_DATA,
               flag_names(q.flags, fl, sizeof(fl)), q.max_message_size);

    while (seq < messages) {
        for (unsigned b = 0; b < BURST && seq < messages; b++) {
            rc = send_one(&d, seq);
            if (rc == HMX_EAGAIN) {
                d.eagain++;
                if (!d.quiet)
                    printf("send  #%-3u ring full (EAGAIN): wake-up queued; dom2 drains\n", seq);
                back_drain(&d);
                front_collect_acks(&d);
                rc = send_one(&d, seq);
            }
            if (rc < 0) {
                fprintf(stderr, "hmx demo: send #%u: %s\n", seq, hmx_strerror(rc));
                d.bad++;
                break;
            }
            seq++;
            d.sent++;
        }
        if (rc < 0)
            break;
        back_drain(&d);
        front_collect_acks(&d);
    }

    if (hmx_query(&d.front, &to, 0, &q) == 0)
        printf("\nquery dom%u:%u -> %s\n", DOM_BACK, PORT_DATA, flag_names(q.flags, fl, sizeof(fl)));
    print_stats(&d);
    printf("sent %u, received %u, acknowledged %u, full-ring retries %u, errors %u\n", d.sent,
           d.received, d.acked, d.eagain, d.bad);

    hmx_ring_unregister(&d.back, &d.data_ring);
    hmx_ring_unregister(&d.front, &d.ack_ring);
    hmx_close(&d.front);
    hmx_close(&d.back);
    hmx_provider_fini(&d.prov);
    free(mem_data);
    free(mem_ack);
    free(mem_phase);
    return (d.bad == 0 && d.received == messages && d.acked == messages) ? EXIT_OK : EXIT_FAIL;
}
