/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the reference provider driven by three hostile guests.
 *
 * The input is decoded into a sequence of operations by three domains, each
 * with 32 KiB of guest memory (an arena the host hooks here translate
 * into): register / unregister / sendv / notify / set_vector, reaching the
 * provider directly (hmx_provider_*), through hmx_provider_call with every
 * structure staged in the caller's memory, or through hmx_provider_smccc;
 * domains come and go; guests read their rings with the library's own
 * reader and scribble on any byte of their memory, rings included.
 * Arguments are arbitrary: bad lengths and pads, iovs outside memory,
 * frame lists that overlap other rings or run off the arena, rings larger
 * than memory, query lists longer than allowed.
 *
 * After every operation the provider's state is checked:
 *  - every ring: valid length, a writer cursor inside the ring on a slot,
 *    its mapping inside its owner's memory and still live, at most
 *    HMX_PENDING_PER_RING_MAX distinct waiters, counters that moved only
 *    as the operation allows; no two rings with one key; each domain's
 *    ring count right; mappings and rings one to one;
 *  - guest memory: the provider wrote only what the operation allows (a
 *    sent message's slots and tx_ptr, a new ring's tx_ptr, the answer
 *    fields of a query list);
 *  - every ring no guest has tampered with ("clean"): tx_ptr is the
 *    writer's cursor, and the ring's contents, read with hmx_ring_reader
 *    on a copy, are exactly the messages sent and not yet received, each
 *    whole, with its source, type, length and payload;
 *  - sendv's verdict (bytes, HMX_EAGAIN, HMX_EMSGSIZE) matches the ring's
 *    real free space, and every query answer (EXISTS, SHARED, EMPTY,
 *    SUFFICIENT, EMSGSIZE, EBUSY, max_message_size) matches the ring's real
 *    free space and waiter list; a notify wakes exactly the waiters whose
 *    space is now there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "hmx/mech.h"
#include "hmx/provider.h"
#include "hmx/smccc.h"

#define NDOM 3u
#define PAGES 8u
#define ARENA (PAGES * HMX_FRAME_SIZE)
#define NDOM_SLOTS 4u
#define NRING_SLOTS 6u
#define MAXQ 2048u
#define MAX_OPS 64u
#define MAX_WRITES 1024u
#define MAX_DECISIONS 512u
#define SCRATCH_GFNS (HMX_RING_NPAGES(HMX_RING_MAX_LEN) + 4u)

/* ---- the host ---------------------------------------------------------- */

static uint8_t *g_arena[NDOM];
static uint8_t *g_before; /* all arenas before the operation */
static hmx_domid_t g_id[NDOM];
static hmx_gfn_t g_scratch[SCRATCH_GFNS];

struct mapping {
    int live;
    hmx_domid_t dom;
    uint8_t *va;
    uint32_t npages;
};
static struct mapping g_maps[NRING_SLOTS + 8];

struct gwrite {
    int dom;
    uint64_t gaddr;
    uint32_t len;
};

struct decision {
    uint32_t op;
    struct hmx_addr dst;
    int verdict;
};

static struct host_log {
    uint64_t deny_mask;
    uint8_t deny_kind;
    /* logs of the current operation */
    struct gwrite writes[MAX_WRITES];
    unsigned nwrites;
    struct decision decisions[MAX_DECISIONS];
    unsigned ndecisions;
    unsigned nsignal_rx[NDOM + 1], nsignal_space[NDOM + 1];
    unsigned naudit;    /* denials the host's policy hook made, audited */
    unsigned naudit_fw; /* denials the firewall made (no hook call), audited */
    struct hmx_addr fw_dst; /* the destination of the last of them */
    uint32_t fw_op;         /* and its HMX_POLICY_* */
} H;
static int g_policy_on, g_signal_on, g_copy_to_on;

/* How often each check really ran (printed at exit with HMX_FUZZ_STATS=1):
 * a target whose checks never fire proves nothing. */
static struct {
    unsigned long msgs_verified, sends_ok, sends_eagain, sends_emsgsize, queries_verified,
        wakes_verified, recv_verified, clean_registers, ops;
} C;

static void print_stats(void)
{
    fprintf(stderr,
            "fuzz_provider: %lu ops; %lu clean registrations; sends: %lu delivered, %lu EAGAIN, "
            "%lu EMSGSIZE; %lu ring messages verified in place, %lu received by owners; %lu "
            "query answers and %lu notify wake-ups verified\n",
            C.ops, C.clean_registers, C.sends_ok, C.sends_eagain, C.sends_emsgsize,
            C.msgs_verified, C.recv_verified, C.queries_verified, C.wakes_verified);
}

static int dom_index(hmx_domid_t id)
{
    for (unsigned i = 0; i < NDOM; i++)
        if (g_id[i] == id)
            return (int)i;
    return -1;
}

static int in_arena(uint64_t gaddr, uint64_t len)
{
    return gaddr <= ARENA && len <= ARENA - gaddr;
}

static int h_map_ring(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                      void **va)
{
    int d = dom_index(dom);

    (void)host;
    if (d < 0 || npages == 0 || gfns[0] >= PAGES || npages > PAGES - gfns[0])
        return HMX_EFAULT;
    for (uint32_t i = 1; i < npages; i++)
        if (gfns[i] != gfns[0] + i)
            return HMX_EFAULT;
    for (unsigned i = 0; i < sizeof(g_maps) / sizeof(g_maps[0]); i++) {
        if (!g_maps[i].live) {
            g_maps[i].live = 1;
            g_maps[i].dom = dom;
            g_maps[i].va = g_arena[d] + gfns[0] * HMX_FRAME_SIZE;
            g_maps[i].npages = npages;
            *va = g_maps[i].va;
            return 0;
        }
    }
    FZ_CHECK(0, "more live mappings than ring slots: unmap missing");
    return HMX_EFAULT;
}

static void h_unmap_ring(void *host, hmx_domid_t dom, void *va, uint32_t npages)
{
    (void)host;
    /* Rings may share memory: the mapping is (dom, va, npages). */
    for (unsigned i = 0; i < sizeof(g_maps) / sizeof(g_maps[0]); i++) {
        if (g_maps[i].live && g_maps[i].va == va && g_maps[i].dom == dom &&
            g_maps[i].npages == npages) {
            g_maps[i].live = 0;
            return;
        }
    }
    FZ_CHECK(0, "unmap of a range that is not mapped (dom %u, %u pages)", dom, npages);
}

static int h_copy_from(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr, uint32_t len)
{
    int d = dom_index(dom);

    (void)host;
    if (d < 0 || !in_arena(gaddr, len))
        return HMX_EFAULT;
    /* A hypervisor's copy: source and destination may both be guest
     * memory (a domain sending from its own ring), so memmove. */
    if (len > 0)
        memmove(dst, g_arena[d] + gaddr, len);
    return 0;
}

static int h_copy_to(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src, uint32_t len)
{
    int d = dom_index(dom);

    (void)host;
    if (d < 0 || !in_arena(gaddr, len))
        return HMX_EFAULT;
    FZ_CHECK(H.nwrites < MAX_WRITES, "too many guest writes in one call");
    H.writes[H.nwrites].dom = d;
    H.writes[H.nwrites].gaddr = gaddr;
    H.writes[H.nwrites].len = len;
    H.nwrites++;
    memcpy(g_arena[d] + gaddr, src, len);
    return 0;
}

static int h_policy(void *host, const struct hmx_policy_query *q, const char **reason)
{
    unsigned bit = (q->op * 7u + q->caller * 3u + q->dst.domain + q->dst.port) % 64u;
    int verdict = 0;

    (void)host;
    FZ_CHECK(q->op >= HMX_POLICY_REGISTER && q->op <= HMX_POLICY_QUERY, "policy op %u", q->op);
    FZ_CHECK(q->pad == 0, "policy query pad");
    if (H.deny_mask >> bit & 1) {
        static const int kinds[] = {HMX_EACCES, HMX_EPERM, 1, HMX_EACCES};

        verdict = kinds[H.deny_kind % 4];
        if (H.deny_kind & 4)
            *reason = "fuzz policy";
    }
    if (H.ndecisions < MAX_DECISIONS) {
        H.decisions[H.ndecisions].op = q->op;
        H.decisions[H.ndecisions].dst = q->dst;
        H.decisions[H.ndecisions].verdict = verdict;
        H.ndecisions++;
    }
    return verdict;
}

static void h_audit(void *host, const struct hmx_policy_query *q, int verdict, const char *reason)
{
    (void)host;
    FZ_CHECK(verdict < 0 && reason != NULL, "audit of a denial: %d", verdict);
    FZ_CHECK(q->denied_by == HMX_DENIED_BY_FIREWALL || q->denied_by == HMX_DENIED_BY_HOST,
             "audit denied_by %u", q->denied_by);
    /* The firewall decides before the host's hook, which it then never
     * asks: its denials have no decision of the hook's to match. */
    if (q->denied_by == HMX_DENIED_BY_FIREWALL) {
        FZ_CHECK(verdict == HMX_EACCES, "firewall denial %d", verdict);
        H.naudit_fw++;
        H.fw_dst = q->dst;
        H.fw_op = q->op;
    } else {
        H.naudit++;
    }
}

static void h_signal(void *host, hmx_domid_t dom, enum hmx_signal_kind why)
{
    int d = dom_index(dom);
    unsigned i = d < 0 ? NDOM : (unsigned)d;

    (void)host;
    FZ_CHECK(why == HMX_SIGNAL_RX || why == HMX_SIGNAL_SPACE, "signal kind %d", why);
    if (why == HMX_SIGNAL_RX)
        H.nsignal_rx[i]++;
    else
        H.nsignal_space[i]++;
}

/* ---- the model ---------------------------------------------------------- */

struct msg {
    uint32_t port;
    hmx_domid_t dom;
    uint32_t type;
    uint32_t len;
    uint64_t hash;
};

/* What we know of the ring in one provider slot. */
struct shadow {
    int valid;
    /* identity: a changed one is another ring */
    hmx_domid_t owner, partner;
    hmx_port_t port;
    uint8_t *va;
    uint32_t len;
    int clean;
    struct hmx_ring_reader rd; /* the owner's reader; rd.hdr NULL if it could not attach */
    uint32_t head, nq;
    struct msg q[MAXQ];
};

static struct hmx_provider P;
static struct hmx_prov_domain S_domains[NDOM_SLOTS];
static struct hmx_prov_ring S_rings[NRING_SLOTS];
static struct shadow g_sh[NRING_SLOTS];
static struct hmx_prov_ring g_rings_before[NRING_SLOTS];
static uint8_t g_copy[HMX_RING_HDR_SIZE + ARENA];
static uint8_t g_buf[ARENA];

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

#define FNV0 0xcbf29ce484222325ull

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint64_t rup(uint64_t n)
{
    return (n + 15u) / 16u * 16u;
}

/* The ring's real free space, from the writer's cursor and rx_ptr as Xen
 * sanitises it, computed here independently of the library. */
static uint32_t real_free(const struct hmx_prov_ring *r)
{
    uint64_t rx = rd32((const uint8_t *)r->va), tx = r->w.tx, len = r->w.len;

    rx = rx >= len ? 0 : rup(rx);
    if (rx >= len)
        rx = 0;
    if (rx == tx)
        return (uint32_t)len;
    return (uint32_t)(rx > tx ? rx - tx : len - tx + rx);
}

static uint32_t real_space(const struct hmx_prov_ring *r)
{
    uint32_t fr = real_free(r);

    return fr > 32 ? fr - 32 : 0;
}

static struct hmx_prov_ring *ring_by_key(hmx_domid_t owner, hmx_port_t port, hmx_domid_t partner)
{
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        struct hmx_prov_ring *r = &S_rings[i];

        if (r->in_use && r->owner == owner && r->port == port && r->partner == partner)
            return r;
    }
    return NULL;
}

/* The ring a send from sender to (owner, port) lands in (Xen's match). */
static struct hmx_prov_ring *ring_match(hmx_domid_t owner, hmx_port_t port, hmx_domid_t sender)
{
    struct hmx_prov_ring *r = ring_by_key(owner, port, sender);

    return r != NULL ? r : ring_by_key(owner, port, HMX_DOMID_ANY);
}

static const struct hmx_prov_domain *domain_of(hmx_domid_t id)
{
    for (unsigned i = 0; i < NDOM_SLOTS; i++)
        if (S_domains[i].in_use && S_domains[i].id == id)
            return &S_domains[i];
    return NULL;
}

static int pending_index(const struct hmx_prov_ring *r, hmx_domid_t dom)
{
    for (uint32_t i = 0; i < r->npending; i++)
        if (r->pending[i].domain == dom)
            return (int)i;
    return -1;
}

static unsigned slot_of(const struct hmx_prov_ring *r)
{
    return (unsigned)(r - S_rings);
}

static int overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return a < b + blen && b < a + alen;
}

static size_t ring_bytes(const struct shadow *s)
{
    return HMX_RING_HDR_SIZE + s->len;
}

/* A guest wrote [p, p + n): rings there are no longer ours to predict. */
static void tainted(const uint8_t *p, size_t n)
{
    for (unsigned i = 0; i < NRING_SLOTS; i++)
        if (g_sh[i].valid && overlaps(p, n, g_sh[i].va, ring_bytes(&g_sh[i])))
            g_sh[i].clean = 0;
}

static void guest_write(unsigned d, uint64_t off, const void *src, size_t n)
{
    if (off >= ARENA)
        return;
    if (n > ARENA - off)
        n = ARENA - off;
    memcpy(g_arena[d] + off, src, n);
    tainted(g_arena[d] + off, n);
}

/* Make the shadows follow the provider's slots. */
static void reconcile(void)
{
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        const struct hmx_prov_ring *r = &S_rings[i];
        struct shadow *s = &g_sh[i];

        if (!r->in_use) {
            s->valid = 0;
            continue;
        }
        if (s->valid && s->owner == r->owner && s->partner == r->partner && s->port == r->port &&
            s->va == r->va && s->len == r->w.len)
            continue;
        memset(s, 0, offsetof(struct shadow, q));
        s->valid = 1;
        s->owner = r->owner;
        s->partner = r->partner;
        s->port = r->port;
        s->va = r->va;
        s->len = r->w.len;
        s->clean = 0; /* until a register operation vouches for it */
        if (hmx_ring_reader_init(&s->rd, r->va, r->w.len, 0) != 0)
            memset(&s->rd, 0, sizeof(s->rd));
    }
    /* Rings sharing memory write over each other. */
    for (unsigned i = 0; i < NRING_SLOTS; i++)
        for (unsigned j = i + 1; j < NRING_SLOTS; j++)
            if (g_sh[i].valid && g_sh[j].valid &&
                overlaps(g_sh[i].va, ring_bytes(&g_sh[i]), g_sh[j].va, ring_bytes(&g_sh[j])))
                g_sh[i].clean = g_sh[j].clean = 0;
}

static uint32_t model_pending(const struct shadow *s)
{
    uint64_t p = 0;

    for (uint32_t k = 0; k < s->nq; k++)
        p += rup(16u + (uint64_t)s->q[(s->head + k) % MAXQ].len);
    return (uint32_t)p;
}

/* A clean ring's memory holds exactly the queued messages. */
static void check_contents(unsigned i)
{
    const struct hmx_prov_ring *r = &S_rings[i];
    const struct shadow *s = &g_sh[i];
    struct hmx_ring_reader rd;
    uint32_t pend = model_pending(s), k;
    int rc;

    if (!s->valid || !s->clean)
        return;
    FZ_CHECK(s->rd.hdr != NULL, "clean ring without a reader");
    FZ_CHECK(rd32(s->va + 4) == r->w.tx, "tx_ptr %u, writer cursor %u", rd32(s->va + 4),
             r->w.tx);
    FZ_CHECK(rd32(s->va) == s->rd.rx, "rx_ptr %u, reader %u", rd32(s->va), s->rd.rx);
    FZ_CHECK(pend < s->len && (s->rd.rx + pend) % s->len == r->w.tx,
             "pending %u from rx %u does not reach tx %u", pend, s->rd.rx, r->w.tx);
    FZ_CHECK(real_space(r) == (s->len - pend > 32 ? s->len - pend - 32 : 0),
             "free space %u, model says %u pending", real_space(r), pend);

    memcpy(g_copy, s->va, ring_bytes(s));
    FZ_CHECK(hmx_ring_reader_init(&rd, g_copy, s->len, 0) == 0, "reader on a copy");
    FZ_CHECK(hmx_ring_pending(&rd) == (int)pend, "hmx_ring_pending %d, model %u",
             hmx_ring_pending(&rd), pend);
    for (k = 0; k < s->nq; k++) {
        const struct msg *m = &s->q[(s->head + k) % MAXQ];
        struct hmx_msg_info info;

        rc = hmx_ring_recv(&rd, g_buf, sizeof(g_buf), &info);
        FZ_CHECK(rc >= 0 && (uint32_t)rc == m->len, "message %u of ring %u: %d (%s), want %u", k,
                 i, rc, hmx_err_name(rc), m->len);
        FZ_CHECK(info.source.port == m->port && info.source.domain == m->dom &&
                     info.source.pad == 0 && info.message_type == m->type,
                 "message %u header", k);
        FZ_CHECK(fnv(FNV0, g_buf, (size_t)rc) == m->hash, "message %u payload", k);
        C.msgs_verified++;
    }
    FZ_CHECK(hmx_ring_recv(&rd, g_buf, sizeof(g_buf), NULL) == HMX_EAGAIN,
             "more in ring %u than was sent", i);
}

/* Whatever the guests did, the provider's own state stays sound. */
static void check_provider(void)
{
    unsigned live = 0, inuse = 0;

    for (unsigned i = 0; i < sizeof(g_maps) / sizeof(g_maps[0]); i++)
        live += g_maps[i].live != 0;
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        const struct hmx_prov_ring *r = &S_rings[i];
        int found = 0;

        if (!r->in_use)
            continue;
        inuse++;
        FZ_CHECK(hmx_ring_valid_len(r->w.len), "ring %u len %u", i, r->w.len);
        FZ_CHECK(r->w.tx < r->w.len && r->w.tx % 16 == 0, "ring %u cursor %u", i, r->w.tx);
        FZ_CHECK((uint8_t *)r->w.hdr == (uint8_t *)r->va &&
                     r->w.data == (uint8_t *)r->va + HMX_RING_HDR_SIZE,
                 "ring %u writer not on its mapping", i);
        FZ_CHECK(r->npages == HMX_RING_NPAGES(r->w.len), "ring %u npages", i);
        FZ_CHECK(r->stats.len == r->w.len, "ring %u stats.len", i);
        for (unsigned m = 0; m < sizeof(g_maps) / sizeof(g_maps[0]); m++) {
            if (g_maps[m].live && g_maps[m].va == r->va && g_maps[m].dom == r->owner &&
                g_maps[m].npages == r->npages) {
                int d = dom_index(r->owner);

                FZ_CHECK(d >= 0 && (uint8_t *)r->va >= g_arena[d] &&
                             (uint8_t *)r->va + HMX_RING_HDR_SIZE + r->w.len <=
                                 g_arena[d] + ARENA,
                         "ring %u outside its owner's memory", i);
                found = 1;
            }
        }
        FZ_CHECK(found, "ring %u has no live mapping", i);
        FZ_CHECK(domain_of(r->owner) != NULL, "ring %u of a domain that is gone", i);
        FZ_CHECK(r->partner == HMX_DOMID_ANY || domain_of(r->partner) != NULL,
                 "ring %u for a partner that is gone", i);
        FZ_CHECK(r->npending <= HMX_PENDING_PER_RING_MAX, "ring %u: %u waiters", i, r->npending);
        for (uint32_t a = 0; a < r->npending; a++) {
            FZ_CHECK(domain_of(r->pending[a].domain) != NULL, "waiter of a domain that is gone");
            for (uint32_t b = a + 1; b < r->npending; b++)
                FZ_CHECK(r->pending[a].domain != r->pending[b].domain, "waiter twice");
        }
        for (unsigned j = i + 1; j < NRING_SLOTS; j++)
            FZ_CHECK(!S_rings[j].in_use || S_rings[j].owner != r->owner ||
                         S_rings[j].port != r->port || S_rings[j].partner != r->partner,
                     "two rings with one key");
        {
            struct hmx_ring_stats st;

            FZ_CHECK(hmx_provider_ring_stats(&P, r->owner, r->port, r->partner, &st) == 0,
                     "stats");
            FZ_CHECK(st.space == real_space(r), "stats.space %u, real %u", st.space,
                     real_space(r));
            FZ_CHECK(st.npending == r->npending && st.len == r->w.len, "stats");
        }
    }
    FZ_CHECK(live == inuse, "%u live mappings for %u rings", live, inuse);
    for (unsigned d = 0; d < NDOM_SLOTS; d++) {
        uint32_t n = 0;

        if (!S_domains[d].in_use)
            continue;
        for (unsigned i = 0; i < NRING_SLOTS; i++)
            n += S_rings[i].in_use && S_rings[i].owner == S_domains[d].id;
        FZ_CHECK(S_domains[d].ring_count == n, "domain %u counts %u rings, has %u",
                 S_domains[d].id, S_domains[d].ring_count, n);
    }
}

/* ---- one operation: before and after ------------------------------------- */

/* Bytes of guest memory the current operation may write. */
struct allowed {
    const uint8_t *p;
    size_t n;
};
static struct allowed g_allow[8];
static unsigned g_nallow;

static void allow(const uint8_t *p, size_t n)
{
    if (g_nallow < sizeof(g_allow) / sizeof(g_allow[0])) {
        g_allow[g_nallow].p = p;
        g_allow[g_nallow].n = n;
        g_nallow++;
    }
}

static void before(void)
{
    for (unsigned d = 0; d < NDOM; d++)
        memcpy(g_before + d * ARENA, g_arena[d], ARENA);
    memcpy(g_rings_before, S_rings, sizeof(g_rings_before));
    H.nwrites = 0;
    H.ndecisions = 0;
    H.naudit = 0;
    H.naudit_fw = 0;
    memset(H.nsignal_rx, 0, sizeof(H.nsignal_rx));
    memset(H.nsignal_space, 0, sizeof(H.nsignal_space));
    g_nallow = 0;
}

static uint8_t g_mask[ARENA];

static void after(int rc)
{
    FZ_CHECK(rc >= 0 || fz_known_err(rc), "result %d is no HMX_E* code", rc);
    for (unsigned d = 0; d < NDOM; d++) {
        const uint8_t *was = g_before + d * ARENA;
        uint8_t *mem = g_arena[d];

        if (memcmp(was, mem, ARENA) == 0)
            continue;
        /* 1: the operation may write there; 2: the copy_to_guest hook did. */
        memset(g_mask, 0, sizeof(g_mask));
        for (unsigned i = 0; i < g_nallow; i++)
            if (overlaps(g_allow[i].p, g_allow[i].n, mem, ARENA)) {
                const uint8_t *lo = g_allow[i].p > mem ? g_allow[i].p : mem;
                const uint8_t *hi = g_allow[i].p + g_allow[i].n < mem + ARENA
                                        ? g_allow[i].p + g_allow[i].n
                                        : mem + ARENA;

                memset(g_mask + (lo - mem), 1, (size_t)(hi - lo));
            }
        for (unsigned i = 0; i < H.nwrites; i++)
            if (H.writes[i].dom == (int)d)
                memset(g_mask + H.writes[i].gaddr, 2, H.writes[i].len);
        for (uint32_t off = 0; off < ARENA; off++) {
            if (was[off] == mem[off])
                continue;
            FZ_CHECK(g_mask[off] != 0, "provider wrote byte %u of domain %u's memory", off,
                     g_id[d]);
            /* A hook write into a ring's memory is a guest write to it. */
            if (g_mask[off] == 2)
                tainted(mem + off, 1);
        }
    }
    FZ_CHECK(H.naudit <= H.ndecisions, "audits without decisions");
    reconcile();
    check_provider();
}

/* Operations whose effects the target does not predict: any byte may
 * change, and rings whose cursor moved are no longer predicted. */
static void allow_everything(void)
{
    g_nallow = 0;
    for (unsigned d = 0; d < NDOM; d++)
        allow(g_arena[d], ARENA);
}

static void forget_moved_rings(void)
{
    for (unsigned i = 0; i < NRING_SLOTS; i++)
        if (S_rings[i].in_use && S_rings[i].w.tx != g_rings_before[i].w.tx)
            g_sh[i].clean = 0;
}

/* ---- decoding arguments -------------------------------------------------- */

static hmx_domid_t pick_dom(struct fz *f)
{
    uint8_t s = fz_u8(f);

    switch (s % 8) {
    case 0:
    case 1:
    case 2:
        return g_id[s % 8];
    case 3:
        return HMX_DOMID_ANY;
    case 4:
        return 0x1234;
    case 5:
        return 0x7FF0;
    case 6:
        return fz_u16(f);
    default:
        return g_id[(s >> 3) % NDOM];
    }
}

/* A caller: one of our domains, or now and then a stranger. */
static hmx_domid_t pick_caller(struct fz *f, int *d)
{
    uint8_t s = fz_u8(f);

    hmx_domid_t id = s % 4 < 3 ? g_id[s % 4] : (hmx_domid_t)(s & 0x80 ? HMX_DOMID_ANY : 0x2222);

    *d = dom_index(id); /* two slots may share an id: the memory is the first's */
    return id;
}

static hmx_port_t pick_port(struct fz *f)
{
    uint8_t s = fz_u8(f);

    return s < 0xF0 ? (hmx_port_t)(s % 4 + 1) : fz_u32(f);
}

static uint32_t pick_len(struct fz *f)
{
    uint8_t s = fz_u8(f);

    switch (s % 5) {
    case 0:
        return HMX_RING_MIN_LEN + 16u * fz_u8(f);
    case 1:
        return hmx_ring_len_for((size_t)(fz_u8(f) % PAGES + 1) * HMX_FRAME_SIZE);
    case 2:
        return fz_u32(f);
    case 3:
        return HMX_RING_MIN_LEN + 16u * (fz_u32(f) % ((HMX_RING_MAX_LEN - HMX_RING_MIN_LEN) / 16 + 1));
    default:
        return HMX_RING_MIN_LEN + 16u * (fz_u16(f) % 2048u);
    }
}

/* A guest address in the caller's memory, usually a sensible one. */
static uint64_t pick_gaddr(struct fz *f)
{
    uint8_t s = fz_u8(f);

    if (s < 0xE0)
        return (uint64_t)fz_u16(f) % (ARENA + 64u);
    return fz_u64(f);
}

/* An existing ring picked by slot, if the input asks for one. */
static const struct hmx_prov_ring *pick_ring(struct fz *f)
{
    const struct hmx_prov_ring *r = &S_rings[fz_u8(f) % NRING_SLOTS];

    return r->in_use ? r : NULL;
}

/* ---- sendv ----------------------------------------------------------------- */

struct send_expect {
    int valid;
    struct hmx_prov_ring *r; /* the ring it should land in, if any */
    unsigned slot;
    uint32_t free_before;
    uint64_t total;
    int iov_ok; /* every iov readable: the payload below is what lands */
    int overlap; /* a source overlaps the destination ring */
    uint64_t hash;
    hmx_domid_t caller;
    struct hmx_send_addr addr;
    uint32_t type;
    int was_waiting;
    uint32_t wait_space;
};

static void send_prepare(struct send_expect *e, hmx_domid_t caller, int d,
                         const struct hmx_send_addr *addr, const struct hmx_giov *iov,
                         uint32_t niov, uint32_t type)
{
    memset(e, 0, sizeof(*e));
    e->valid = 1;
    e->caller = caller;
    e->addr = *addr;
    e->type = type;
    e->r = ring_match(addr->dst.domain, addr->dst.port, caller);
    e->iov_ok = d >= 0;
    e->hash = FNV0;
    for (uint32_t i = 0; i < niov && i < HMX_MAXIOV; i++) {
        e->total += iov[i].len;
        if (d < 0 || iov[i].len == 0)
            continue;
        if (!in_arena(iov[i].gaddr, iov[i].len)) {
            e->iov_ok = 0;
            continue;
        }
        if (e->iov_ok)
            e->hash = fnv(e->hash, g_arena[d] + iov[i].gaddr, iov[i].len);
        if (e->r != NULL && overlaps(g_arena[d] + iov[i].gaddr, iov[i].len, (uint8_t *)e->r->va,
                                     HMX_RING_HDR_SIZE + e->r->w.len))
            e->overlap = 1;
    }
    if (e->r != NULL) {
        int w = pending_index(e->r, caller);

        e->slot = slot_of(e->r);
        e->free_before = real_free(e->r);
        e->was_waiting = w >= 0;
        e->wait_space = w >= 0 ? e->r->pending[w].space : 0;
        /* The writer writes at its cursor: allow the message's slots. */
        allow((uint8_t *)e->r->va + 4, 4);
        allow((uint8_t *)e->r->va + HMX_RING_HDR_SIZE, e->r->w.len);
    }
}

static void send_check(const struct send_expect *e, int rc)
{
    const struct hmx_prov_ring *before_r = e->r != NULL ? &g_rings_before[e->slot] : NULL;
    uint64_t need = 16 + rup(e->total);

    if (rc >= 0 || rc == HMX_EAGAIN || rc == HMX_EBUSY || rc == HMX_EMSGSIZE) {
        FZ_CHECK(e->r != NULL, "sendv %d without a ring to land in", rc);
        FZ_CHECK(S_rings[e->slot].in_use, "the ring vanished in sendv");
    }
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        const struct hmx_prov_ring *r = &S_rings[i], *b = &g_rings_before[i];

        if (!r->in_use)
            continue;
        if (e->r == NULL || i != e->slot) {
            FZ_CHECK(r->stats.messages == b->stats.messages && r->stats.eagain == b->stats.eagain &&
                         r->w.tx == b->w.tx,
                     "sendv touched ring %u it was not for", i);
            continue;
        }
    }
    if (rc >= 0) {
        struct shadow *s = &g_sh[e->slot];

        C.sends_ok++;
        FZ_CHECK((uint64_t)rc == e->total, "sendv %d of %llu bytes", rc,
                 (unsigned long long)e->total);
        FZ_CHECK(need < e->free_before && need < e->r->w.len,
                 "sendv of %llu bytes fitted in %u free", (unsigned long long)e->total,
                 e->free_before);
        FZ_CHECK(e->r->stats.messages == before_r->stats.messages + 1 &&
                     e->r->stats.bytes == before_r->stats.bytes + (uint32_t)rc,
                 "counters after a send");
        FZ_CHECK(e->r->w.tx == (before_r->w.tx + need) % e->r->w.len, "cursor after a send");
        {
            int od = dom_index(e->r->owner);

            FZ_CHECK(!g_signal_on || H.nsignal_rx[od < 0 ? NDOM : (unsigned)od] == 1,
                     "owner not signalled");
        }
        if (e->overlap || !e->iov_ok) {
            s->clean = 0;
        } else if (s->clean) {
            struct msg *m;

            FZ_CHECK(s->nq < MAXQ, "model queue full");
            m = &s->q[(s->head + s->nq) % MAXQ];
            m->port = e->addr.src.port;
            m->dom = e->caller;
            m->type = e->type;
            m->len = (uint32_t)e->total;
            m->hash = e->hash;
            s->nq++;
        }
        check_contents(e->slot);
        return;
    }
    if (e->r != NULL)
        FZ_CHECK(e->r->w.tx == before_r->w.tx, "cursor moved by a failed send %d", rc);
    if (rc == HMX_EAGAIN || rc == HMX_EBUSY) {
        int w = pending_index(e->r, e->caller);

        FZ_CHECK(need >= e->free_before && need < e->r->w.len,
                 "sendv EAGAIN for %llu bytes with %u free", (unsigned long long)e->total,
                 e->free_before);
        FZ_CHECK(e->r->stats.eagain == before_r->stats.eagain + 1, "eagain counter");
        C.sends_eagain++;
        if (rc == HMX_EBUSY) {
            FZ_CHECK(!e->was_waiting && before_r->npending == HMX_PENDING_PER_RING_MAX && w < 0,
                     "EBUSY with room for a waiter");
        } else {
            FZ_CHECK(w >= 0, "EAGAIN without a wake-up queued");
            FZ_CHECK(e->r->pending[w].space ==
                         (e->was_waiting && e->wait_space > e->total ? e->wait_space
                                                                      : (uint32_t)e->total),
                     "waiter space %u", e->r->pending[w].space);
        }
    } else if (rc == HMX_EMSGSIZE) {
        C.sends_emsgsize++;
        FZ_CHECK(e->total > HMX_MSG_MAX || need >= e->r->w.len, "EMSGSIZE for %llu bytes",
                 (unsigned long long)e->total);
    }
}

static void op_sendv(struct fz *f, int route)
{
    struct hmx_send_addr addr;
    struct hmx_giov iov[HMX_MAXIOV + 1];
    struct send_expect e;
    uint32_t niov, type;
    hmx_domid_t caller;
    const struct hmx_prov_ring *target;
    int d, rc;
    uint8_t sel = fz_u8(f);

    caller = pick_caller(f, &d);
    target = sel & 1 ? pick_ring(f) : NULL;
    memset(&addr, 0, sizeof(addr));
    if (target != NULL) {
        addr.dst.domain = target->owner;
        addr.dst.port = target->port;
        if (target->partner != HMX_DOMID_ANY && !(sel & 2)) {
            caller = target->partner;
            d = dom_index(caller);
        }
    } else {
        addr.dst.domain = pick_dom(f);
        addr.dst.port = pick_port(f);
    }
    addr.src.port = sel & 4 ? fz_u32(f) : 7;
    addr.src.domain = sel & 8 ? pick_dom(f) : HMX_DOMID_ANY;
    if (sel & 0x10) {
        addr.src.pad = fz_u16(f);
        addr.dst.pad = fz_u16(f);
    }
    niov = fz_u8(f);
    niov = niov < 0xF0 ? niov % 5 : niov % (HMX_MAXIOV + 2);
    for (uint32_t i = 0; i < niov; i++) {
        uint8_t k = fz_u8(f);

        iov[i].gaddr = pick_gaddr(f);
        iov[i].len = k & 0x80 ? fz_u32(f) : k & 0x40 ? fz_u16(f) % 8192u : fz_u8(f);
        iov[i].pad = (k & 0x3F) == 0x3F ? fz_u32(f) : 0;
    }
    type = fz_u32(f);

    before();
    {
        struct hmx_send_addr a = addr;

        if (a.src.domain == HMX_DOMID_ANY)
            a.src.domain = caller;
        send_prepare(&e, caller, d, &a, iov, niov, type);
    }
    if (route == 0 || d < 0) {
        rc = hmx_provider_sendv(&P, caller, &addr, niov ? iov : (sel & 0x20 ? NULL : iov), niov,
                                type);
    } else {
        /* Stage both structures in the caller's memory; they may land on a
         * ring (then the ring is the guest's business). */
        uint64_t a[4], s_addr = pick_gaddr(f) % ARENA, s_iov = pick_gaddr(f) % ARENA;

        guest_write((unsigned)d, s_addr, &addr, sizeof(addr));
        guest_write((unsigned)d, s_iov, iov, niov * sizeof(iov[0]));
        a[0] = sel & 0x40 ? fz_u64(f) : s_addr;
        a[1] = s_iov;
        a[2] = sel & 0x80 ? fz_u64(f) : niov;
        a[3] = type;
        /* Re-read what the provider will read, after staging. */
        before();
        {
            struct hmx_send_addr ga;
            struct hmx_giov gi[HMX_MAXIOV];
            uint32_t n = a[2] <= HMX_MAXIOV ? (uint32_t)a[2] : 0;

            if (in_arena(a[0], sizeof(ga)) && in_arena(a[1], n * sizeof(gi[0]))) {
                memcpy(&ga, g_arena[d] + a[0], sizeof(ga));
                memcpy(gi, g_arena[d] + a[1], n * sizeof(gi[0]));
                if (ga.src.domain == HMX_DOMID_ANY)
                    ga.src.domain = caller;
                send_prepare(&e, caller, d, &ga, gi, n, type);
            } else {
                memset(&e, 0, sizeof(e));
            }
        }
        if (route == 1) {
            rc = hmx_provider_call(&P, caller, HMX_OP_SENDV, a, NULL, 0);
        } else {
            uint64_t in[18] = {0}, out[4];

            in[0] = HMX_SMCCC_BASE_DEFAULT + HMX_SMCCC_FN_CALL;
            in[1] = HMX_OP_SENDV;
            memcpy(&in[2], a, sizeof(a));
            FZ_CHECK(hmx_provider_smccc(&P, caller, HMX_SMCCC_BASE_DEFAULT, in, out, NULL, 0) == 1,
                     "smccc: the HMX range is ours");
            FZ_CHECK(out[0] == HMX_SMCCC_SUCCESS, "smccc status");
            rc = (int)(int64_t)out[1];
            FZ_CHECK((int64_t)out[1] == rc, "smccc result not sign-extended");
        }
    }
    after(rc);
    if (e.valid)
        send_check(&e, rc);
}

/* ---- register / unregister ------------------------------------------------- */

static void op_register(struct fz *f, int route)
{
    struct hmx_ring_reg reg;
    hmx_gfn_t gfns[PAGES + 4];
    uint8_t sel = fz_u8(f), sel2 = fz_u8(f);
    uint32_t npages, flags, ng;
    uint64_t gfn0;
    hmx_domid_t caller;
    int d, rc, existed;
    uint8_t *va = NULL;
    struct hmx_prov_ring *r;

    caller = pick_caller(f, &d);
    reg.port = pick_port(f);
    reg.partner = pick_dom(f);
    reg.pad = sel & 1 ? fz_u16(f) : 0;
    reg.len = pick_len(f);
    npages = HMX_RING_NPAGES(reg.len);
    if (sel & 2)
        npages = sel & 4 ? fz_u8(f) : npages + 1;
    gfn0 = sel & 8 ? fz_u64(f) : fz_u8(f) % PAGES;
    ng = npages < PAGES + 4 ? npages : PAGES + 4;
    for (uint32_t i = 0; i < ng; i++)
        gfns[i] = gfn0 + i;
    if (sel & 0x10 && ng > 1) {
        uint32_t at = fz_u8(f) % ng; /* not contiguous */

        gfns[at] += fz_u8(f) | 1;
    }
    flags = sel2 & 1 ? HMX_REGISTER_FAIL_EXIST : 0;
    if ((sel2 & 6) == 6)
        flags = fz_u32(f);

    /* The guest prepares the ring first, as hmx_ring_register does. */
    if ((sel & 0x20) == 0 && d >= 0 && gfn0 < PAGES) {
        uint8_t hdr[HMX_RING_HDR_SIZE] = {0};

        va = g_arena[d] + gfn0 * HMX_FRAME_SIZE;
        guest_write((unsigned)d, gfn0 * HMX_FRAME_SIZE, hdr, sizeof(hdr));
    }
    existed = ring_by_key(caller, reg.port, reg.partner) != NULL;

    before();
    if (route == 0 || d < 0) {
        rc = hmx_provider_register_ring(&P, caller, &reg, sel2 & 8 ? NULL : gfns, npages, flags);
    } else {
        uint64_t a[4], s_reg = pick_gaddr(f) % ARENA, s_gfn = pick_gaddr(f) % ARENA;
        uint32_t scratch_len;

        guest_write((unsigned)d, s_reg, &reg, sizeof(reg));
        guest_write((unsigned)d, s_gfn, gfns, ng * sizeof(gfns[0]));
        /* The list may have landed on the request: read back what is there. */
        if (s_reg + sizeof(reg) <= ARENA)
            memcpy(&reg, g_arena[d] + s_reg, sizeof(reg));
        else
            va = NULL;
        if (s_gfn + ng * sizeof(gfns[0]) <= ARENA)
            memcpy(gfns, g_arena[d] + s_gfn, ng * sizeof(gfns[0]));
        else
            va = NULL;
        gfn0 = gfns[0];
        existed = ring_by_key(caller, reg.port, reg.partner) != NULL;
        if (va != NULL && (overlaps(g_arena[d] + s_reg, sizeof(reg), va, HMX_RING_HDR_SIZE) ||
                           overlaps(g_arena[d] + s_gfn, ng * sizeof(gfns[0]), va,
                                    HMX_RING_HDR_SIZE)))
            va = NULL; /* the staging overwrote the fresh header */
        a[0] = s_reg;
        a[1] = s_gfn;
        a[2] = sel2 & 0x10 ? fz_u64(f) : npages;
        a[3] = sel2 & 0x20 ? fz_u64(f) : flags;
        scratch_len = sel2 & 0x40 ? fz_u8(f) : SCRATCH_GFNS;
        before();
        if (route == 1) {
            rc = hmx_provider_call(&P, caller, HMX_OP_REGISTER_RING, a,
                                   sel2 & 0x80 ? NULL : g_scratch, scratch_len);
        } else {
            uint64_t in[18] = {0}, out[4];

            in[0] = HMX_SMCCC_BASE_DEFAULT + HMX_SMCCC_FN_CALL;
            in[1] = HMX_OP_REGISTER_RING;
            memcpy(&in[2], a, sizeof(a));
            FZ_CHECK(hmx_provider_smccc(&P, caller, HMX_SMCCC_BASE_DEFAULT, in, out,
                                        sel2 & 0x80 ? NULL : g_scratch, scratch_len) == 1,
                     "smccc range");
            rc = (int)(int64_t)out[1];
        }
        /* What the provider read is what was staged, unless arguments
         * were replaced: then only the generic checks apply. */
        if (a[2] != npages || a[3] != flags || (sel2 & 0x80) || scratch_len < npages)
            va = NULL;
    }
    {
        /* writer_init may publish tx_ptr on the ring it maps. */
        for (unsigned i = 0; i < sizeof(g_maps) / sizeof(g_maps[0]); i++)
            if (g_maps[i].live)
                allow(g_maps[i].va + 4, 4);
    }
    after(rc);

    r = ring_by_key(caller, reg.port, reg.partner);
    if (route != 0 && d >= 0 && va == NULL) {
        /* Replaced or unreadable arguments: only the generic checks. */
        return;
    }
    if (rc == 0) {
        FZ_CHECK(r != NULL, "registered ring not found");
        FZ_CHECK(r->w.len == reg.len, "registered len");
        if (d >= 0 && gfn0 < PAGES)
            FZ_CHECK((uint8_t *)r->va == g_arena[d] + gfn0 * HMX_FRAME_SIZE, "mapped elsewhere");
        FZ_CHECK(reg.pad == 0 && hmx_ring_valid_len(reg.len) &&
                     HMX_RING_NPAGES(reg.len) == npages && (flags & ~1u) == 0,
                 "register accepted bad arguments");
        FZ_CHECK(!existed || !(flags & HMX_REGISTER_FAIL_EXIST), "FAIL_EXIST ignored");
        if (va != NULL && (uint8_t *)r->va == va) {
            struct shadow *s = &g_sh[slot_of(r)];

            /* Fresh memory: the writer starts at 0 and the owner reads from 0. */
            FZ_CHECK(r->w.tx == 0, "writer on a fresh ring at %u", r->w.tx);
            memset(s, 0, offsetof(struct shadow, q));
            s->valid = 1;
            s->owner = r->owner;
            s->partner = r->partner;
            s->port = r->port;
            s->va = r->va;
            s->len = r->w.len;
            s->clean = 1;
            C.clean_registers++;
            FZ_CHECK(hmx_ring_reader_init(&s->rd, r->va, r->w.len, 0) == 0, "reader attach");
            reconcile(); /* overlap with other rings makes it dirty again */
            check_contents(slot_of(r));
        }
    } else if (rc != HMX_EFAULT || !existed) {
        /* A refused registration leaves the registry as it was (only a
         * failed mapping of an existing ring drops it, as Xen). */
        FZ_CHECK(existed == (r != NULL), "refused register (%d) changed the registry", rc);
    }
}

static void op_unregister(struct fz *f, int route)
{
    struct hmx_ring_unreg u;
    const struct hmx_prov_ring *target;
    uint8_t sel = fz_u8(f);
    hmx_domid_t caller;
    int d, rc, existed;

    caller = pick_caller(f, &d);
    target = sel & 1 ? pick_ring(f) : NULL;
    if (target != NULL) {
        caller = target->owner;
        d = dom_index(caller);
        u.port = target->port;
        u.partner = target->partner;
    } else {
        u.port = pick_port(f);
        u.partner = pick_dom(f);
    }
    u.pad = sel & 2 ? fz_u16(f) : 0;
    existed = ring_by_key(caller, u.port, u.partner) != NULL;
    before();
    if (route == 0 || d < 0) {
        rc = hmx_provider_unregister_ring(&P, caller, sel & 4 ? NULL : &u);
    } else {
        uint64_t a[4] = {pick_gaddr(f) % ARENA, 0, 0, 0};

        guest_write((unsigned)d, a[0], &u, sizeof(u));
        if (sel & 8)
            a[1 + fz_u8(f) % 3] = fz_u64(f);
        before();
        rc = hmx_provider_call(&P, caller, HMX_OP_UNREGISTER_RING, a, NULL, 0);
    }
    after(rc);
    if (rc == 0)
        FZ_CHECK(existed && ring_by_key(caller, u.port, u.partner) == NULL, "unregister");
    if (rc == HMX_ENOENT)
        FZ_CHECK(!existed, "ENOENT for a ring that exists");
}

/* ---- notify and queries ---------------------------------------------------- */

/* Expected wake-ups: waiters on caller's rings whose space is there now. */
static unsigned expected_wakes(hmx_domid_t caller)
{
    unsigned n = 0;

    if (domain_of(caller) == NULL)
        return 0;
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        const struct hmx_prov_ring *r = &S_rings[i];
        uint32_t sp;

        if (!r->in_use || r->owner != caller)
            continue;
        sp = real_space(r);
        if (sp == 0)
            continue;
        for (uint32_t j = 0; j < r->npending; j++)
            n += r->pending[j].space <= sp && domain_of(r->pending[j].domain) != NULL;
    }
    return n;
}

static void check_woken(hmx_domid_t caller, unsigned want)
{
    unsigned got = 0;

    for (unsigned d = 0; d <= NDOM; d++)
        got += H.nsignal_space[d];
    FZ_CHECK(!g_signal_on || got == want, "notify woke %u waiters, %u had their space", got,
             want);
    C.wakes_verified += want;
    for (unsigned i = 0; i < NRING_SLOTS; i++) {
        const struct hmx_prov_ring *r = &S_rings[i];
        uint32_t sp;

        if (!r->in_use || r->owner != caller)
            continue;
        sp = real_space(r);
        for (uint32_t j = 0; sp != 0 && j < r->npending; j++)
            FZ_CHECK(r->pending[j].space > sp, "a waiter for %u bytes still waits with %u free",
                     r->pending[j].space, sp);
    }
}

/* Whether an entry after i asks about the same ring. */
static int later_same_ring(hmx_domid_t caller, const struct hmx_ring_query *req, uint32_t n,
                           uint32_t i, const struct hmx_prov_ring *r)
{
    for (uint32_t j = i + 1; j < n; j++)
        if (ring_match(req[j].ring.domain, req[j].ring.port, caller) == r)
            return 1;
    return 0;
}

/*
 * Check answers: req[i] is what the caller asked, ans[i] what came back.
 * n entries were submitted; rc is the call's result.  Entries are answered
 * in order until the policy denies one (decisions log the order).
 */
/* The notify list in guest memory while a notify call is checked (else
 * NULL): the provider writes each answer into it as it goes. */
static const uint8_t *g_list_lo, *g_list_hi;

/* Whether the answers written into the list may have moved r's rx_ptr: a
 * hostile guest can place its list over a ring header of its own, and the
 * space the provider saw for an entry is then not the space left after
 * the call. */
static int rx_in_list(const struct hmx_prov_ring *r)
{
    const uint8_t *rx = (const uint8_t *)r->va;

    return g_list_lo != NULL && rx + 4 > g_list_lo && rx < g_list_hi;
}

static void check_answers(hmx_domid_t caller, const struct hmx_ring_query *req,
                          const struct hmx_ring_query *ans, uint32_t n, int rc)
{
    unsigned dec = 0;
    uint32_t i;

    /* An entry for HMX_DOMID_IMPLICIT is answered for the destination the
     * caller's implicit table resolves its port to, and one for
     * HMX_DOMID_PROVIDER by the discovery service, each after a policy
     * decision the target does not model; answers and the decisions of
     * later entries are then not predicted.  What holds whatever the
     * route: the request fields come back as they were written. */
    for (i = 0; i < n; i++)
        if (req[i].ring.domain == HMX_DOMID_IMPLICIT || req[i].ring.domain == HMX_DOMID_PROVIDER) {
            for (i = 0; i < n; i++)
                FZ_CHECK(memcmp(&req[i].ring, &ans[i].ring, sizeof(req[i].ring)) == 0 &&
                             req[i].space_required == ans[i].space_required &&
                             req[i].pad == ans[i].pad,
                         "query %u: request fields rewritten", i);
            return;
        }
    for (i = 0; i < n; i++) {
        const struct hmx_ring_query *q = &req[i], *a = &ans[i];
        const struct hmx_prov_ring *r;
        uint32_t max, space;
        uint16_t want = 0;

        if (domain_of(q->ring.domain) == NULL) {
            FZ_CHECK(a->flags == 0, "query of an unknown domain: flags %#x", a->flags);
            continue;
        }
        /* The firewall decides before the host's hook, which it then does
         * not ask, and it is deterministic: the first entry naming the
         * destination it denied is where the call stopped. */
        if (H.naudit_fw > 0 && H.fw_op == HMX_POLICY_QUERY &&
            q->ring.domain == H.fw_dst.domain && q->ring.port == H.fw_dst.port) {
            FZ_CHECK(rc == HMX_EACCES, "a query the firewall denied, yet notify returned %d", rc);
            FZ_CHECK(memcmp(q, a, sizeof(*q)) == 0, "the entry the firewall denied was written");
            break;
        }
        while (g_policy_on && dec < H.ndecisions && H.decisions[dec].op != HMX_POLICY_QUERY)
            dec++;
        FZ_CHECK(!g_policy_on || dec < H.ndecisions, "query %u answered without a decision", i);
        if (g_policy_on && H.decisions[dec++].verdict != 0) {
            FZ_CHECK(rc < 0, "a denied query, yet notify returned %d", rc);
            FZ_CHECK(memcmp(q, a, sizeof(*q)) == 0, "the denied entry was written");
            break;
        }
        r = ring_match(q->ring.domain, q->ring.port, caller);
        if (r == NULL) {
            FZ_CHECK(a->flags == 0, "query of a missing ring: flags %#x", a->flags);
            continue;
        }
        max = HMX_RING_MAX_PAYLOAD(r->w.len);
        space = real_space(r);
        want = HMX_RING_EXISTS;
        if (r->partner == HMX_DOMID_ANY)
            want |= HMX_RING_SHARED;
        if (space == max)
            want |= HMX_RING_EMPTY;
        if (q->space_required > max)
            want |= HMX_RING_EMSGSIZE;
        else if (space >= q->space_required)
            want |= HMX_RING_SUFFICIENT;
        if (rx_in_list(r)) {
            /* Only what does not depend on rx_ptr can be checked. */
            const uint16_t fixed = HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMSGSIZE;

            FZ_CHECK((a->flags & fixed) == (want & fixed), "query %u: flags %#x, want %#x "
                     "(rx_ptr under the list)", i, a->flags, want);
            FZ_CHECK(a->max_message_size == max, "query %u: max %u, want %u", i,
                     a->max_message_size, max);
            continue;
        }
        FZ_CHECK((a->flags & ~HMX_RING_EBUSY) == want, "query %u: flags %#x, want %#x (space %u, "
                 "required %u, max %u)", i, a->flags, want, space, q->space_required, max);
        FZ_CHECK(a->max_message_size == max, "query %u: max %u, want %u", i, a->max_message_size,
                 max);
        C.queries_verified++;
        if (later_same_ring(caller, req, n, i, r))
            ; /* a later entry on this ring decides its wait list */
        else if (a->flags & HMX_RING_EBUSY)
            FZ_CHECK(!(want & (HMX_RING_SUFFICIENT | HMX_RING_EMSGSIZE)) &&
                         r->npending == HMX_PENDING_PER_RING_MAX && pending_index(r, caller) < 0,
                     "EBUSY with room");
        else if (!(want & (HMX_RING_SUFFICIENT | HMX_RING_EMSGSIZE)))
            FZ_CHECK(pending_index(r, caller) >= 0 &&
                         r->pending[pending_index(r, caller)].space >= q->space_required,
                     "no wake-up queued for a query that does not fit");
        FZ_CHECK(memcmp(&q->ring, &a->ring, sizeof(q->ring)) == 0 &&
                     q->space_required == a->space_required && q->pad == a->pad,
                 "query %u: request fields rewritten", i);
    }
    if (rc == 0)
        FZ_CHECK(i == n, "notify succeeded but stopped at %u of %u", i, n);
    /* Entries after a stop are untouched. */
    for (i++; i < n && rc < 0; i++)
        FZ_CHECK(memcmp(&req[i], &ans[i], sizeof(req[i])) == 0, "entry %u after the stop", i);
}

static void pick_query(struct fz *f, struct hmx_ring_query *q)
{
    uint8_t sel = fz_u8(f);
    const struct hmx_prov_ring *r = sel & 1 ? pick_ring(f) : NULL;

    memset(q, 0, sizeof(*q));
    if (r != NULL) {
        q->ring.domain = r->owner;
        q->ring.port = r->port;
    } else {
        q->ring.domain = pick_dom(f);
        q->ring.port = pick_port(f);
    }
    switch ((sel >> 1) & 3) {
    case 0:
        q->space_required = 0;
        break;
    case 1:
        q->space_required = fz_u16(f);
        break;
    case 2:
        q->space_required = r != NULL ? HMX_RING_MAX_PAYLOAD(r->w.len) + (sel >> 6) % 3 - 1 : 1;
        break;
    default:
        q->space_required = fz_u32(f);
        break;
    }
    q->flags = sel & 0x8 ? fz_u16(f) : 0;
    q->max_message_size = sel & 0x10 ? fz_u32(f) : 0;
}

#define MAXQUERY 8u

static void op_notify(struct fz *f)
{
    struct hmx_ring_query req[HMX_NOTIFY_MAX + 1], ans[HMX_NOTIFY_MAX + 1];
    uint8_t sel = fz_u8(f);
    uint32_t n = sel & 0x80 ? (sel & 0x40 ? HMX_NOTIFY_MAX + 1 : HMX_NOTIFY_MAX) : sel % (MAXQUERY + 1);
    hmx_domid_t caller;
    unsigned wakes;
    int d, rc;

    caller = pick_caller(f, &d);
    for (uint32_t i = 0; i < n; i++) {
        if (i < MAXQUERY)
            pick_query(f, &req[i]);
        else
            req[i] = req[i % MAXQUERY];
    }
    memcpy(ans, req, n * sizeof(req[0]));
    wakes = expected_wakes(caller);
    before();
    rc = hmx_provider_notify(&P, caller, sel & 0x20 ? NULL : ans, n);
    after(rc);
    if (domain_of(caller) == NULL) {
        FZ_CHECK(rc == HMX_ENODEV, "notify by a stranger: %d", rc);
        return;
    }
    check_woken(caller, wakes);
    if (sel & 0x20) {
        FZ_CHECK(rc == (n > 0 ? HMX_EINVAL : 0), "notify without a list: %d", rc);
        return;
    }
    if (n > HMX_NOTIFY_MAX) {
        FZ_CHECK(rc == HMX_EACCES && memcmp(req, ans, n * sizeof(req[0])) == 0,
                 "over-long notify: %d", rc);
        return;
    }
    check_answers(caller, req, ans, n, rc);
}

static void op_notify_call(struct fz *f, int route)
{
    struct hmx_ring_query req[HMX_NOTIFY_MAX], ans[HMX_NOTIFY_MAX];
    struct hmx_ring_data_hdr hdr;
    uint8_t sel = fz_u8(f);
    uint32_t n = sel % (MAXQUERY + 1), nread;
    uint64_t a[4] = {0, 0, 0, 0}, s;
    hmx_domid_t caller;
    unsigned wakes;
    int d, rc;

    caller = pick_caller(f, &d);
    if (d < 0)
        return;
    for (uint32_t i = 0; i < n; i++)
        pick_query(f, &req[i]);
    hdr.nent = sel & 0x10 ? fz_u32(f) % (HMX_NOTIFY_MAX + 2) : n;
    hdr.pad = 0;
    s = pick_gaddr(f) % ARENA;
    guest_write((unsigned)d, s, &hdr, sizeof(hdr));
    guest_write((unsigned)d, s + sizeof(hdr), req, n * sizeof(req[0]));
    a[0] = sel & 0x20 ? 0 : s;
    if (sel & 0x40)
        a[1 + fz_u8(f) % 3] = fz_u64(f);
    /* What the provider will read: the list as it is in memory now. */
    memcpy(&hdr, g_arena[d] + s, s + sizeof(hdr) <= ARENA ? sizeof(hdr) : 0);
    nread = 0;
    if (s + sizeof(hdr) <= ARENA && hdr.nent <= HMX_NOTIFY_MAX)
        for (; nread < hdr.nent && in_arena(s + sizeof(hdr) + (nread + 1) * sizeof(req[0]), 0);
             nread++)
            memcpy(&req[nread], g_arena[d] + s + sizeof(hdr) + nread * sizeof(req[0]),
                   sizeof(req[0]));
    wakes = expected_wakes(caller);
    before();
    if (route == 1) {
        rc = hmx_provider_call(&P, caller, HMX_OP_NOTIFY, a, NULL, 0);
    } else {
        uint64_t in[18] = {0}, out[4];

        in[0] = HMX_SMCCC_BASE_DEFAULT + HMX_SMCCC_FN_CALL;
        in[1] = HMX_OP_NOTIFY;
        memcpy(&in[2], a, sizeof(a));
        FZ_CHECK(hmx_provider_smccc(&P, caller, HMX_SMCCC_BASE_DEFAULT, in, out, NULL, 0) == 1,
                 "smccc range");
        rc = (int)(int64_t)out[1];
    }
    /* Only flags (2 bytes at +8) and max_message_size (4 at +16) of entries. */
    for (unsigned w = 0; w < H.nwrites; w++) {
        uint64_t rel = H.writes[w].gaddr - (s + sizeof(hdr));

        FZ_CHECK(H.writes[w].dom == d && H.writes[w].gaddr >= s + sizeof(hdr) &&
                     ((rel % 20 == 8 && H.writes[w].len == 2) ||
                      (rel % 20 == 16 && H.writes[w].len == 4)) &&
                     rel / 20 < nread,
                 "notify wrote %u bytes at %llu, outside the answer fields", H.writes[w].len,
                 (unsigned long long)H.writes[w].gaddr);
    }
    after(rc);
    if (a[1] != 0 || a[2] != 0 || a[3] != 0) {
        FZ_CHECK(rc == HMX_EINVAL, "notify with junk arguments: %d", rc);
        return;
    }
    if (domain_of(caller) == NULL) {
        FZ_CHECK(rc == HMX_ENODEV, "notify by a stranger: %d", rc);
        return;
    }
    check_woken(caller, wakes);
    if (a[0] == 0 || s + sizeof(hdr) > ARENA)
        return;
    if (hdr.nent > HMX_NOTIFY_MAX) {
        FZ_CHECK(rc == HMX_EACCES, "over-long list: %d", rc);
        return;
    }
    if (!g_copy_to_on && hdr.nent > 0) {
        FZ_CHECK(rc == HMX_EFAULT, "answers without copy_to_guest: %d", rc);
        return;
    }
    for (uint32_t i = 0; i < nread; i++)
        memcpy(&ans[i], g_arena[d] + s + sizeof(hdr) + i * sizeof(req[0]), sizeof(req[0]));
    if (nread < hdr.nent) {
        /* EFAULT at the cut, or the policy's denial of an entry before it:
         * the hook's own code (EACCES or EPERM here) is what the caller sees,
         * and check_answers matches it with a logged denial. */
        FZ_CHECK(rc == HMX_EFAULT || rc == HMX_EACCES || (g_policy_on && rc == HMX_EPERM),
                 "list beyond memory: %d", rc);
        /* Answered entries are checked the same way; the rest is cut. */
        g_list_lo = g_arena[d] + s;
        g_list_hi = g_list_lo + sizeof(hdr) + nread * sizeof(req[0]);
        check_answers(caller, req, ans, nread, rc == HMX_EFAULT ? 0 : rc);
        g_list_lo = g_list_hi = NULL;
        return;
    }
    /* Answers are written into the list as it is walked, and a later entry
     * may overlap nothing else: the request fields are the staged ones. */
    for (uint32_t i = 0; i < nread; i++) {
        ans[i].ring = req[i].ring;
        ans[i].pad = req[i].pad;
        ans[i].space_required = req[i].space_required;
    }
    g_list_lo = g_arena[d] + s;
    g_list_hi = g_list_lo + sizeof(hdr) + nread * sizeof(req[0]);
    check_answers(caller, req, ans, nread, rc);
    g_list_lo = g_list_hi = NULL;
}

/* ---- guests ------------------------------------------------------------------ */

/* The owner reads the next message of one of its rings. */
static void op_guest_recv(struct fz *f)
{
    unsigned i = fz_u8(f) % NRING_SLOTS;
    struct shadow *s = &g_sh[i];
    uint32_t cap = fz_u8(f) & 1 ? fz_u16(f) : ARENA;
    struct hmx_msg_info info;
    int rc;

    if (!s->valid || s->rd.hdr == NULL)
        return;
    rc = hmx_ring_recv(&s->rd, g_buf + (ARENA - (cap < ARENA ? cap : ARENA)),
                       cap < ARENA ? cap : ARENA, &info);
    if (rc >= 0)
        FZ_CHECK((uint32_t)rc <= cap && info.len == (uint32_t)rc, "recv %d, cap %u", rc, cap);
    if (!s->clean) {
        FZ_CHECK(rc >= 0 || rc == HMX_EAGAIN || rc == HMX_ENOBUFS || rc == HMX_ECORRUPT,
                 "recv on a tampered ring: %d", rc);
        return;
    }
    if (s->nq == 0) {
        FZ_CHECK(rc == HMX_EAGAIN, "recv on an empty ring: %d", rc);
    } else {
        const struct msg *m = &s->q[s->head];

        FZ_CHECK(rc != HMX_ECORRUPT, "a clean ring reads as corrupt");
        if (m->len > (cap < ARENA ? cap : ARENA)) {
            FZ_CHECK(rc == HMX_ENOBUFS, "recv %d, message of %u, cap %u", rc, m->len, cap);
        } else {
            FZ_CHECK(rc >= 0 && (uint32_t)rc == m->len, "recv %d, want %u", rc, m->len);
            FZ_CHECK(fnv(FNV0, g_buf + (ARENA - (cap < ARENA ? cap : ARENA)), (size_t)rc) ==
                         m->hash,
                     "payload differs");
            FZ_CHECK(info.source.port == m->port && info.source.domain == m->dom &&
                         info.message_type == m->type,
                     "header differs");
            C.recv_verified++;
            s->head = (s->head + 1) % MAXQ;
            s->nq--;
        }
    }
    check_contents(i);
}

/* A guest writes anything anywhere in its own memory. */
static void op_scribble(struct fz *f)
{
    unsigned d = fz_u8(f) % NDOM;
    uint8_t sel = fz_u8(f);
    uint64_t off;
    uint8_t bytes[32];
    uint32_t n = fz_u8(f) % sizeof(bytes);

    if (sel & 1) { /* aim at a ring's indices or first header */
        const struct hmx_prov_ring *r = pick_ring(f);

        if (r == NULL || dom_index(r->owner) < 0)
            return;
        d = (unsigned)dom_index(r->owner);
        off = (uint64_t)((uint8_t *)r->va - g_arena[d]) + (sel & 2 ? fz_u8(f) % 8 : 64);
    } else {
        off = fz_u16(f) % ARENA;
    }
    fz_bytes(f, bytes, n);
    guest_write(d, off, bytes, n);
}

static void op_domain(struct fz *f)
{
    uint8_t sel = fz_u8(f);
    hmx_domid_t id = pick_dom(f);
    int rc, existed = domain_of(id) != NULL;

    before();
    if (sel & 1) {
        rc = hmx_provider_domain_remove(&P, id);
        after(rc);
        FZ_CHECK(rc == (existed ? 0 : HMX_ESRCH), "remove %u: %d", id, rc);
        for (unsigned i = 0; i < NRING_SLOTS; i++) {
            const struct hmx_prov_ring *r = &S_rings[i];

            if (!r->in_use || rc != 0)
                continue;
            FZ_CHECK(r->owner != id && r->partner != id, "a ring survived its domain");
            FZ_CHECK(pending_index(r, id) < 0, "a waiter survived its domain");
        }
    } else {
        uint32_t flags = sel & 2 ? HMX_DOMAIN_PRIVILEGED : 0;

        if ((sel & 0xC) == 0xC)
            flags = fz_u32(f);
        rc = hmx_provider_domain_add(&P, id, flags);
        after(rc);
        if (rc == 0)
            FZ_CHECK(!existed && id < 0x7FF0 && (flags & ~1u) == 0, "domain_add %u", id);
        if (existed)
            FZ_CHECK(rc == HMX_EEXIST || rc == HMX_EINVAL, "domain_add of a known id: %d", rc);
    }
}

static void op_misc(struct fz *f)
{
    uint8_t sel = fz_u8(f);
    hmx_domid_t caller;
    int d, rc;

    caller = pick_caller(f, &d);
    before();
    switch (sel % 4) {
    case 0: { /* vectors */
        uint32_t cpu = fz_u8(f) % 10, vec = fz_u16(f) % 1100, fl = sel & 0x10 ? fz_u32(f) : 0;

        rc = hmx_provider_set_vector(&P, caller, cpu, vec, fl);
        after(rc);
        if (rc == 0)
            FZ_CHECK(hmx_provider_vector(&P, caller, cpu) == vec, "vector not recorded");
        else
            FZ_CHECK(rc == HMX_ENODEV || rc == HMX_EINVAL, "set_vector %d", rc);
        break;
    }
    case 1: { /* one query without the wake-up pass */
        struct hmx_ring_query q, a;

        pick_query(f, &q);
        a = q;
        rc = hmx_provider_query(&P, caller, &a);
        after(rc);
        if (domain_of(caller) == NULL)
            FZ_CHECK(rc == HMX_ENODEV, "query by a stranger: %d", rc);
        else
            check_answers(caller, &q, &a, 1, rc);
        break;
    }
    case 2: { /* the SMCCC range, any function, any registers */
        uint64_t in[18], out[4], canary[4];
        uint32_t base = sel & 0x10 ? fz_u32(f) : HMX_SMCCC_BASE_DEFAULT + 0x100u * (fz_u8(f) % 3);

        for (unsigned i = 0; i < 18; i++)
            in[i] = i < 6 ? fz_u64(f) : 0;
        if (!(sel & 0x20))
            in[0] = (in[0] & ~0xFFFFFFFFull) | (base & ~0xFFu) | (in[0] & 0xFFu);
        if (!(sel & 0x40) && (in[0] & 0xFFu) == HMX_SMCCC_FN_CALL)
            in[1] &= 0xFF; /* mostly a plausible op */
        memset(out, 0xC3, sizeof(out));
        memcpy(canary, out, sizeof(out));
        allow_everything();
        rc = hmx_provider_smccc(&P, caller, base, in, out, g_scratch, SCRATCH_GFNS);
        forget_moved_rings();
        after(0);
        /* Bit 16 is SMCCC 1.3's SVE hint: not part of the function. */
        if (!HMX_SMCCC_BASE_VALID(base) || ((uint32_t)in[0] & ~0x100FFu) != base) {
            FZ_CHECK(rc == 0 && memcmp(out, canary, sizeof(out)) == 0,
                     "smccc claimed a function outside its range");
        } else {
            FZ_CHECK(rc == 1, "smccc declined its own range");
            if ((in[0] & 0xFFu) == HMX_SMCCC_FN_CALL && in[1] <= UINT32_MAX) {
                FZ_CHECK(out[0] == HMX_SMCCC_SUCCESS, "HMX_CALL status");
                FZ_CHECK((int64_t)out[1] >= INT32_MIN && (int64_t)out[1] <= INT32_MAX &&
                             ((int64_t)out[1] >= 0 || fz_known_err((int)(int64_t)out[1])),
                         "HMX_CALL result %lld", (long long)out[1]);
            }
        }
        break;
    }
    default: { /* any call, raw arguments */
        static const uint32_t ops[] = {HMX_OP_REGISTER_RING, HMX_OP_UNREGISTER_RING, HMX_OP_SENDV,
                                       HMX_OP_NOTIFY, HMX_OP_SET_VECTOR, 0, 5, 17,
                                       HMX_OP_SENDV_BATCH, HMX_OP_ASYNC_SETUP,
                                       HMX_OP_ASYNC_DOORBELL};
        uint64_t a[4];
        uint32_t op = ops[fz_u8(f) % (sizeof(ops) / sizeof(ops[0]))];

        for (unsigned i = 0; i < 4; i++)
            a[i] = fz_u8(f) & 1 ? fz_u64(f) : fz_u16(f) % ARENA;
        allow_everything();
        rc = hmx_provider_call(&P, caller, op, a, g_scratch, SCRATCH_GFNS);
        forget_moved_rings();
        after(rc);
        break;
    }
    }
}

/* ---- the target -------------------------------------------------------------- */

static void init_globals(void)
{
    if (g_before != NULL)
        return;
    if (getenv("HMX_FUZZ_STATS") != NULL)
        atexit(print_stats);
    for (unsigned d = 0; d < NDOM; d++) {
        g_arena[d] = aligned_alloc(HMX_FRAME_SIZE, ARENA);
        if (g_arena[d] == NULL)
            abort();
    }
    g_before = malloc(NDOM * ARENA);
    if (g_before == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const hmx_domid_t ids[] = {1, 2, 3, 0, 7, 0x7FEF, 0x7FF0, HMX_DOMID_ANY};
    struct hmx_provider_hooks hooks;
    struct fz f;
    uint8_t cfg;
    unsigned nops = 0;

    init_globals();
    fz_init(&f, data, size);
    cfg = fz_u8(&f);
    H.deny_mask = cfg & 0x80 ? fz_u64(&f) : 0;
    H.deny_kind = fz_u8(&f);
    for (unsigned d = 0; d < NDOM; d++) {
        uint8_t s = fz_u8(&f);

        g_id[d] = s < 0xC0 ? (hmx_domid_t)(d + 1) : ids[s % 8];
        /* Guest memory starts as a recognisable pattern. */
        for (uint32_t i = 0; i < ARENA; i += 4) {
            uint32_t v = (d + 1) * 0x9E3779B1u ^ i * 0x85EBCA6Bu;

            memcpy(g_arena[d] + i, &v, 4);
        }
    }
    memset(g_maps, 0, sizeof(g_maps));
    memset(g_sh, 0, sizeof(g_sh));
    memset(&H.nwrites, 0, sizeof(H) - offsetof(struct host_log, nwrites));

    memset(&hooks, 0, sizeof(hooks));
    hooks.map_ring = h_map_ring;
    hooks.unmap_ring = h_unmap_ring;
    hooks.copy_from_guest = h_copy_from;
    g_copy_to_on = !(cfg & 0x40);
    g_policy_on = (cfg & 0x20) != 0;
    g_signal_on = !(cfg & 0x10);
    hooks.copy_to_guest = g_copy_to_on ? h_copy_to : NULL;
    hooks.policy = g_policy_on ? h_policy : NULL;
    hooks.audit = h_audit;
    hooks.signal = g_signal_on ? h_signal : NULL;
    FZ_CHECK(hmx_provider_init(&P, &hooks, S_domains, NDOM_SLOTS, S_rings, NRING_SLOTS, 0x80000000u) ==
                 HMX_EINVAL,
             "init with an unknown flag");
    FZ_CHECK(hmx_provider_init(&P, &hooks, S_domains, NDOM_SLOTS, S_rings, NRING_SLOTS,
                               (cfg & 1 ? HMX_PROVIDER_ALLOW_WILDCARD : 0) | (cfg & 2 ? HMX_PROVIDER_VECTORS : 0)) == 0,
             "init");
    for (unsigned d = 0; d < NDOM; d++) {
        int rc = hmx_provider_domain_add(&P, g_id[d], 0);

        FZ_CHECK(rc == 0 || (rc == HMX_EINVAL && g_id[d] >= 0x7FF0) ||
                     (rc == HMX_EEXIST && dom_index(g_id[d]) != (int)d),
                 "domain_add %u: %d", g_id[d], rc);
    }

    while (!fz_empty(&f) && nops++ < MAX_OPS) {
        uint8_t op = fz_u8(&f);

        C.ops++;
        /* op % 12: the operation; op / 12: the route (direct, call, smccc). */
        switch (op % 12) {
        case 0:
        case 1:
            op_register(&f, (op / 12) % 3);
            break;
        case 2:
            op_unregister(&f, (op / 12) % 2);
            break;
        case 3:
        case 4:
        case 5:
            op_sendv(&f, (op / 12) % 3);
            break;
        case 6:
            op_notify(&f);
            break;
        case 7:
            op_notify_call(&f, 1 + (op / 12) % 2);
            break;
        case 8:
            op_guest_recv(&f);
            break;
        case 9:
            op_scribble(&f);
            break;
        case 10:
            op_domain(&f);
            break;
        default:
            op_misc(&f);
            break;
        }
    }
    for (unsigned i = 0; i < NRING_SLOTS; i++)
        check_contents(i);
    hmx_provider_fini(&P);
    for (unsigned i = 0; i < sizeof(g_maps) / sizeof(g_maps[0]); i++)
        FZ_CHECK(!g_maps[i].live, "a mapping outlived hmx_provider_fini");
    return 0;
}
