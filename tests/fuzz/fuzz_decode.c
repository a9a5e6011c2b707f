/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: what a hostile hypervisor answers, and how the guest side
 * marshals what it asks.
 *
 * Part 1, pure decoding: hmx_xen_decode on arbitrary 64-bit values and
 * hmx_err_from_xen / hmx_strerror / hmx_err_name on arbitrary ints, against
 * a reference decoder written here from spec/ (a value 0..INT32_MAX is a
 * result; -1..-4095 sign-extended from 64 bits, or zero-extended from 32
 * bits as Xen 4.17's sendv error paths return them, is that errno; anything
 * else is HMX_EIO), plus the extension invariants (both encodings of one
 * errno decode alike; no code of libhmx's own range ever comes back).
 *
 * Part 2, the trapping backends end to end: a context is opened on the MSR,
 * CPUID, SMCCC or Xen backend over a mock hypervisor, with an address
 * translation that scatters pages (a page size of 4, 16 or 64 KiB), and
 * the input drives API calls (send, notify with up to 256 queries,
 * register with rings of up to 4 MiB, unregister, set_vector, query).  At
 * each trap the mock decodes the call the way a hypervisor must (through
 * the inverse translation) and checks that it carries exactly what the
 * caller asked: the structures, every segment of every buffer, the frame
 * list of the ring, the query entries of each chunk.  It then answers with
 * values from the input - the MSR block's ret (or nothing at all), the
 * CPUID call's rax, SMCCC's x0 and x1, Xen's raw value, an arch error - and
 * may scribble over the whole staging area.  The API's result must be the
 * one the reference decoder derives from those answers (hmx_call_result
 * equivalence), and nothing may be read or written out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/smccc.h"
#include "hmx/x86.h"
#include "hmx/xen.h"

/* ---- the reference decoders ------------------------------------------------ */

static int ref_errno(uint64_t e) /* a positive Xen errno */
{
    /* The codes are hmx/errors.h's table (its single source); those of
     * 200 and up are libhmx's own and never Xen's. */
#define REF_CODE(name, value, msg) value,
    static const int xen[] = {HMX_ERRNO_MAP(REF_CODE)};
#undef REF_CODE

    for (unsigned i = 0; i < sizeof(xen) / sizeof(xen[0]); i++)
        if (e == (uint64_t)xen[i] && xen[i] < 200)
            return -xen[i];
    return HMX_EIO;
}

static int ref_xen(uint64_t raw)
{
    if (raw <= 0x7FFFFFFFull)
        return (int)raw;
    if (raw >= 0xFFFFFFFFFFFFF001ull)
        return ref_errno(0 - raw);
    if (raw >= 0xFFFFF001ull && raw <= 0xFFFFFFFFull)
        return ref_errno(0x100000000ull - raw);
    return HMX_EIO;
}

static int ref_call(int64_t ret)
{
    if (ret >= 0 && ret <= 0x7FFFFFFF)
        return (int)ret;
    if (ret < 0 && ret >= -4095)
        return ref_errno((uint64_t)-ret);
    return HMX_EIO;
}

static void check_decode(uint64_t raw)
{
    int rc = hmx_xen_decode(raw);

    FZ_CHECK(rc == ref_xen(raw), "hmx_xen_decode(%#llx) = %d, want %d", (unsigned long long)raw,
             rc, ref_xen(raw));
    FZ_CHECK(rc >= 0 ? (uint64_t)rc == raw : fz_known_err(rc), "decode result");
    FZ_CHECK(rc != HMX_ECORRUPT && rc != HMX_ENOMECH && rc != HMX_EPRIV,
             "decode gave a code of libhmx's own range");
    if (raw >= 0xFFFFFFFFFFFFF001ull) /* sign-extended: the zero-extended twin agrees */
        FZ_CHECK(hmx_xen_decode(raw & 0xFFFFFFFFull) == rc, "sign / zero extension disagree");
    if (raw >= 0xFFFFF001ull && raw <= 0xFFFFFFFFull)
        FZ_CHECK(hmx_xen_decode(raw | 0xFFFFFFFF00000000ull) == rc, "zero / sign disagree");
    if (raw > 0x7FFFFFFFull)
        FZ_CHECK(rc < 0, "a value beyond INT32_MAX decoded as %d", rc);
}

static void check_errno(int e)
{
    int rc = hmx_err_from_xen(e), neg = e > 0 ? -e : e;
    const char *msg = hmx_strerror(neg), *name = hmx_err_name(neg);

    FZ_CHECK(rc == (e > 0 ? ref_errno((uint64_t)e) : HMX_EIO), "hmx_err_from_xen(%d) = %d", e,
             rc);
    FZ_CHECK(msg != NULL && name != NULL, "NULL message");
    FZ_CHECK((strcmp(name, "UNKNOWN") == 0) == (strcmp(msg, "unknown error") == 0),
             "name %s and message %s disagree", name, msg);
    FZ_CHECK(strcmp(hmx_strerror(e > 0 ? e : 0), "success") == 0, "non-negative is success");
}

/* ---- the mock hypervisor --------------------------------------------------- */

#define MEM_BYTES (4u << 20)
#define MEM_ALIGN 65536u
#define MAX_TRAPS 16u
#define MAX_BUFS 8u

enum mechanism { M_MSR, M_CPUID, M_SMCCC, M_XEN };

/* What the API was asked, so a trap can be checked against it. */
struct expect {
    uint32_t op;
    struct hmx_send_addr addr;
    const struct hmx_iov *iov;
    unsigned niov;
    uint32_t type;
    const struct hmx_ring_reg *reg;
    const uint8_t *ring_mem;
    uint32_t npages, flags;
    const struct hmx_ring_unreg *unreg;
    const struct hmx_ring_query *q;
    unsigned nq, qdone;
    uint32_t cpu, vector, vflags;
};

struct hv {
    enum mechanism mech;
    uint64_t key;      /* gpa = va ^ key: whole pages of the environment swapped */
    uint32_t page;     /* the environment's page size */
    uint32_t fail_page; /* translation fails for addresses in this page (0: never) */
    int physical;
    struct fz *f;
    struct expect e;
    unsigned ntraps;
    int results[MAX_TRAPS]; /* what each trap should decode to */
    uint8_t *call_page;
};

static struct hv HV;

static int env_v2g(void *user, const void *va, uint64_t *gpa)
{
    struct hv *hv = user;
    uintptr_t a = (uintptr_t)va;

    if (hv->fail_page != 0 && (a / hv->page) % 64u == hv->fail_page % 64u)
        return HMX_EFAULT;
    *gpa = (uint64_t)a ^ hv->key;
    return 0;
}

/* A guest address the hypervisor was handed, back to a pointer. */
static const uint8_t *g2v(const struct hv *hv, uint64_t addr)
{
    return (const uint8_t *)(uintptr_t)(hv->physical ? addr ^ hv->key : addr);
}

static uint64_t v2g(const struct hv *hv, const void *va)
{
    return hv->physical ? (uint64_t)(uintptr_t)va ^ hv->key : (uint64_t)(uintptr_t)va;
}

/* The call as a hypervisor decodes it: does it carry what the API was asked? */
static void check_call(struct hv *hv, uint32_t op, const uint64_t a[4])
{
    const struct expect *e = &hv->e;

    FZ_CHECK(op == e->op, "trap op %u, the API was asked %u", op, e->op);
    switch (op) {
    case HMX_OP_SENDV: {
        struct hmx_send_addr got;
        size_t want_total = 0, at = 0;
        unsigned b = 0;
        size_t boff = 0;

        memcpy(&got, g2v(hv, a[0]), sizeof(got));
        FZ_CHECK(memcmp(&got, &e->addr, sizeof(got)) == 0, "send address");
        FZ_CHECK(a[2] <= HMX_MAXIOV && a[3] == e->type, "niov %llu", (unsigned long long)a[2]);
        for (unsigned i = 0; i < e->niov; i++)
            want_total += e->iov[i].len;
        /* The segments, read through the translation, are the buffers. */
        for (uint64_t s = 0; s < a[2]; s++) {
            struct hmx_giov seg;
            const uint8_t *p;

            memcpy(&seg, g2v(hv, a[1]) + s * sizeof(seg), sizeof(seg));
            FZ_CHECK(seg.pad == 0, "segment pad");
            p = g2v(hv, seg.gaddr);
            /* Compared a run at a time (a run ends with the segment or the
             * buffer): a byte loop here was half of the target's time. */
            for (uint32_t k = 0; k < seg.len;) {
                size_t run;

                while (b < e->niov && boff == e->iov[b].len) {
                    b++;
                    boff = 0;
                }
                FZ_CHECK(b < e->niov, "segments carry more than the buffers");
                run = e->iov[b].len - boff < seg.len - k ? e->iov[b].len - boff : seg.len - k;
                FZ_CHECK(memcmp(p + k, (const uint8_t *)e->iov[b].base + boff, run) == 0,
                         "segment %llu bytes %u.. are not the caller's", (unsigned long long)s,
                         k);
                k += (uint32_t)run;
                at += run;
                boff += run;
            }
        }
        FZ_CHECK(at == want_total, "segments carry %zu bytes of %zu", at, want_total);
        break;
    }
    case HMX_OP_REGISTER_RING: {
        struct hmx_ring_reg got;

        memcpy(&got, g2v(hv, a[0]), sizeof(got));
        FZ_CHECK(memcmp(&got, e->reg, sizeof(got)) == 0, "register request");
        FZ_CHECK(a[2] == e->npages && a[3] == e->flags, "npages / flags");
        for (uint32_t i = 0; i < e->npages; i++) {
            hmx_gfn_t gfn;

            memcpy(&gfn, g2v(hv, a[1]) + i * sizeof(gfn), sizeof(gfn));
            /* Frame numbers are guest-physical for every mechanism, Xen's too. */
            FZ_CHECK(gfn == ((uint64_t)(uintptr_t)(e->ring_mem + (size_t)i * HMX_FRAME_SIZE) ^
                             hv->key) >> 12,
                     "frame %u of the ring", i);
        }
        break;
    }
    case HMX_OP_UNREGISTER_RING: {
        struct hmx_ring_unreg got;

        memcpy(&got, g2v(hv, a[0]), sizeof(got));
        FZ_CHECK(memcmp(&got, e->unreg, sizeof(got)) == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0,
                 "unregister request");
        break;
    }
    case HMX_OP_NOTIFY:
        FZ_CHECK(a[1] == 0 && a[2] == 0 && a[3] == 0, "notify arguments");
        if (e->nq == 0) {
            FZ_CHECK(a[0] == 0, "notify without queries names a list");
        } else {
            struct hmx_ring_data_hdr h;

            memcpy(&h, g2v(hv, a[0]), sizeof(h));
            FZ_CHECK(h.pad == 0 && h.nent > 0 && h.nent <= e->nq - hv->e.qdone,
                     "chunk of %u entries", h.nent);
            FZ_CHECK(memcmp(g2v(hv, a[0]) + sizeof(h), e->q + hv->e.qdone,
                            h.nent * sizeof(e->q[0])) == 0,
                     "chunk entries");
            hv->e.qdone += h.nent;
        }
        break;
    case HMX_OP_SET_VECTOR:
        FZ_CHECK(a[0] == e->cpu && a[1] == e->vector && a[2] == e->vflags && a[3] == 0,
                 "set_vector arguments");
        break;
    default:
        FZ_CHECK(0, "unknown op %u", op);
    }
}

/* After decoding, a hostile hypervisor may scribble over its staging area. */
static void scribble(struct hv *hv)
{
    uint8_t sel = fz_u8(hv->f);

    if ((sel & 3) == 3 && hv->physical) {
        uint32_t off = 64u + fz_u16(hv->f) % (4096u - 64u), n = fz_u8(hv->f);

        if (n > 4096u - off)
            n = 4096u - off;
        fz_bytes(hv->f, hv->call_page + off, n);
    }
}

static const int arch_errs[] = {HMX_EPRIV, HMX_EIO, HMX_EFAULT, HMX_EOPNOTSUPP};

/* An arch error for this trap, or 0 to answer. */
static int arch_error(struct hv *hv)
{
    uint8_t s = fz_u8(hv->f);

    return (s & 0xF) == 0xF ? arch_errs[(s >> 4) % 4] : 0;
}

static void record(struct hv *hv, int want)
{
    FZ_CHECK(hv->ntraps < MAX_TRAPS, "too many traps for one call");
    hv->results[hv->ntraps++] = want;
}

/* A 64-bit answer: usually small or an errno, sometimes anything. */
static int64_t pick_ret(struct fz *f)
{
    uint8_t s = fz_u8(f);

    switch (s % 4) {
    case 0:
        return fz_u8(f);
    case 1:
        return -(int64_t)(fz_u8(f) % 128);
    case 2:
        return (int64_t)fz_u64(f);
    default:
        return (int64_t)(int32_t)fz_u32(f);
    }
}

static int mock_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
    struct hv *hv = ctx;
    struct hmx_call_block blk;
    int err = arch_error(hv);
    int64_t ret;

    FZ_CHECK(msr == 0x400000E0u, "call register %#x", msr);
    FZ_CHECK(val == v2g(hv, hv->call_page), "the block is at %#llx", (unsigned long long)val);
    memcpy(&blk, hv->call_page, sizeof(blk));
    FZ_CHECK(blk.flags == 0 && blk.reserved[0] == 0 && blk.reserved[1] == 0, "block zeroes");
    check_call(hv, blk.op, blk.arg);
    if (err != 0) {
        record(hv, err);
        return err;
    }
    if (fz_u8(hv->f) == 0xAA) { /* a hypervisor that does nothing */
        record(hv, ref_call(blk.ret));
        FZ_CHECK(blk.ret == INT64_MIN, "ret not preset");
    } else {
        ret = pick_ret(hv->f);
        memcpy(hv->call_page + offsetof(struct hmx_call_block, ret), &ret, sizeof(ret));
        record(hv, ref_call(ret));
    }
    scribble(hv);
    return 0;
}

static int mock_cpuid_call(void *ctx, struct hmx_x86_regs *r)
{
    struct hv *hv = ctx;
    uint64_t a[4] = {r->rbx, r->rdx, r->rsi, r->rdi};
    int err = arch_error(hv);

    FZ_CHECK(r->rax == 0x40000020u, "call leaf %#llx", (unsigned long long)r->rax);
    FZ_CHECK(r->rcx <= UINT32_MAX, "op");
    check_call(hv, (uint32_t)r->rcx, a);
    if (err != 0) {
        record(hv, err);
        return err;
    }
    r->rax = (uint64_t)pick_ret(hv->f);
    r->rbx = fz_u64(hv->f);
    record(hv, ref_call((int32_t)(uint32_t)r->rax));
    scribble(hv);
    return 0;
}

static int mock_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                      uint64_t out[18])
{
    struct hv *hv = ctx;
    int err = arch_error(hv);
    uint8_t s;

    FZ_CHECK(conduit == HMX_SMCCC_HVC, "conduit");
    FZ_CHECK(in[0] == HMX_SMCCC_BASE_DEFAULT + HMX_SMCCC_FN_CALL, "function %#llx",
             (unsigned long long)in[0]);
    for (unsigned i = 6; i < 18; i++)
        FZ_CHECK(in[i] == 0, "x%u", i);
    FZ_CHECK(in[1] <= UINT32_MAX, "op");
    check_call(hv, (uint32_t)in[1], &in[2]);
    if (err != 0) {
        record(hv, err);
        return err;
    }
    for (unsigned i = 0; i < 18; i++)
        out[i] = fz_u8(hv->f) * 0x0101010101010101ull;
    s = fz_u8(hv->f);
    out[0] = s < 0xC0 ? 0 : s < 0xD0 ? (uint64_t)-1 : s < 0xE0 ? (uint64_t)-3 : fz_u64(hv->f);
    out[1] = (uint64_t)pick_ret(hv->f);
    switch ((int64_t)out[0]) {
    case 0:
        record(hv, ref_call((int64_t)out[1]));
        break;
    case -1:
        record(hv, HMX_EOPNOTSUPP);
        break;
    case -3:
        record(hv, HMX_EINVAL);
        break;
    default:
        record(hv, HMX_EIO);
        break;
    }
    scribble(hv);
    return 0;
}

static int mock_xen(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                    const uint64_t args[5], uint64_t *ret)
{
    struct hv *hv = ctx;
    int err = arch_error(hv);

    FZ_CHECK(entry == HMX_XEN_ENTRY_VMCALL && page == NULL && nr == HMX_XEN_HYPERCALL_ARGO_OP,
             "Xen entry");
    FZ_CHECK(args[0] <= UINT32_MAX, "op");
    check_call(hv, (uint32_t)args[0], &args[1]);
    if (err != 0) {
        record(hv, err);
        return err;
    }
    *ret = (uint64_t)pick_ret(hv->f);
    if (fz_u8(hv->f) & 1)
        *ret &= 0xFFFFFFFFull; /* Xen 4.17's zero-extended errors */
    record(hv, ref_xen(*ret));
    return 0;
}

/* ---- API calls and what they must return -------------------------------- */

static void begin(struct hv *hv, uint32_t op)
{
    memset(&hv->e, 0, sizeof(hv->e));
    hv->e.op = op;
    hv->ntraps = 0;
}

/* Whether the API refuses dom before any trap: a reserved domain whose
 * feature the mechanism does not offer. */
static int refused_reserved(hmx_ctx *ctx, hmx_domid_t dom)
{
    uint64_t feat = hmx_features(ctx);

    if (dom == HMX_DOMID_IMPLICIT || dom == HMX_DOMID_UP)
        return !(feat & HMX_FEAT_IMPLICIT);
    if (dom == HMX_DOMID_PROVIDER)
        return !(feat & HMX_FEAT_DISCOVERY);
    return 0;
}

/* The result of a call that returns its one trap's result. */
static int one_trap(const struct hv *hv)
{
    FZ_CHECK(hv->ntraps == 1, "%u traps for one call", hv->ntraps);
    return hv->results[0];
}

static void api_send(struct fz *f, hmx_ctx *ctx, struct hv *hv, uint8_t *mem)
{
    struct hmx_iov iov[MAX_BUFS];
    struct hmx_addr dst;
    unsigned niov;
    uint32_t type;
    hmx_port_t src_port;
    int rc;

    dst.port = fz_u32(f);
    dst.domain = fz_u16(f);
    dst.pad = 0;
    niov = 1 + fz_u8(f) % MAX_BUFS;
    type = fz_u32(f);
    src_port = fz_u32(f);
    for (unsigned i = 0; i < niov; i++) {
        uint32_t off = fz_u32(f) % MEM_BYTES, len = fz_u16(f) % 20000u;

        if (len > MEM_BYTES - off)
            len = MEM_BYTES - off;
        iov[i].base = mem + off;
        iov[i].len = len;
    }
    begin(hv, HMX_OP_SENDV);
    hv->e.addr.src.port = src_port;
    hv->e.addr.src.domain = HMX_DOMID_ANY;
    hv->e.addr.dst = dst;
    hv->e.iov = iov;
    hv->e.niov = niov;
    hv->e.type = type;
    rc = hmx_sendv(ctx, src_port, &dst, iov, niov, type);
    if (refused_reserved(ctx, dst.domain)) {
        FZ_CHECK(rc == HMX_EOPNOTSUPP && hv->ntraps == 0, "send to reserved %#x: %d",
                 dst.domain, rc);
        return;
    }
    if (hv->ntraps == 0) {
        /* Refused before the trap: a translation failed or the buffers
         * need more than HMX_MAXIOV segments. */
        FZ_CHECK(rc == HMX_EFAULT || (rc == HMX_EINVAL && hv->physical), "send %d, no trap", rc);
        return;
    }
    {
        /* A count is taken only when it is the message's length. */
        uint64_t total = 0;
        int want = one_trap(hv);

        for (unsigned i = 0; i < niov; i++)
            total += iov[i].len;
        if (want >= 0 && (uint64_t)want != total)
            want = HMX_EIO;
        FZ_CHECK(rc == want, "send %d, hypervisor answered %d", rc, one_trap(hv));
    }
}

static void api_notify(struct fz *f, hmx_ctx *ctx, struct hv *hv)
{
    static struct hmx_ring_query q[HMX_NOTIFY_MAX];
    uint8_t s = fz_u8(f);
    unsigned n = s & 0x80 ? HMX_NOTIFY_MAX - fz_u8(f) % 64 : s % 8;
    struct hmx_ring_query *qa;
    int rc, want = 0;

    /* Exactly n entries on the heap: copying answers back must stay inside. */
    qa = n > 0 ? malloc(n * sizeof(*qa)) : NULL;
    for (unsigned i = 0; i < n; i++) {
        memset(&q[i], 0, sizeof(q[i]));
        q[i].ring.port = i < 8 ? fz_u32(f) : i;
        q[i].ring.domain = (hmx_domid_t)i;
        q[i].space_required = i < 8 ? fz_u32(f) : 0;
        qa[i] = q[i];
    }
    begin(hv, HMX_OP_NOTIFY);
    hv->e.q = q;
    hv->e.nq = n;
    rc = hmx_notify(ctx, qa, n);
    FZ_CHECK(hv->ntraps >= 1, "notify without a trap");
    if (n == 0) {
        want = one_trap(hv);
        if (want > 0) /* success is 0, whatever the count */
            want = 0;
    } else {
        for (unsigned i = 0; i < hv->ntraps && want == 0; i++)
            if (hv->results[i] < 0)
                want = hv->results[i];
        if (want == 0)
            FZ_CHECK(hv->e.qdone == n, "notify sent %u of %u queries", hv->e.qdone, n);
    }
    FZ_CHECK(rc == want, "notify %d, hypervisor answered %d", rc, want);
    free(qa);
}

/* A ring that is not registered: unregistering it is refused, with no trap. */
static void check_not_registered(hmx_ctx *ctx, struct hv *hv, struct hmx_ring *ring)
{
    int rc;

    begin(hv, HMX_OP_UNREGISTER_RING);
    rc = hmx_ring_unregister(ctx, ring);
    FZ_CHECK(rc == HMX_EINVAL && hv->ntraps == 0, "unregister of a ring that is not registered: %d",
             rc);
}

static void api_ring(struct fz *f, hmx_ctx *ctx, struct hv *hv, uint8_t *mem)
{
    struct hmx_ring ring;
    struct hmx_ring_config cfg;
    struct hmx_ring_reg reg;
    struct hmx_ring_unreg unreg;
    uint8_t s = fz_u8(f);
    size_t size;
    uint32_t len;
    int rc, want;

    switch (s % 4) {
    case 0:
        size = 4096u * (1 + fz_u8(f) % 8);
        break;
    case 1:
        size = 64u + 16u * fz_u16(f);
        break;
    case 2:
        size = 4096u * (1 + fz_u16(f) % (MEM_BYTES / 4096u));
        break;
    default:
        size = fz_u32(f) % (MEM_BYTES + 1);
        break;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = mem;
    cfg.mem_size = size;
    cfg.port = fz_u32(f);
    cfg.partner = fz_u16(f);
    cfg.flags = s & 0x10 ? HMX_REGISTER_FAIL_EXIST : 0;
    len = hmx_ring_len_for(size);
    memset(&ring, 0, sizeof(ring));
    reg.port = cfg.port;
    reg.partner = cfg.partner;
    reg.pad = 0;
    reg.len = len;
    begin(hv, HMX_OP_REGISTER_RING);
    hv->e.reg = &reg;
    hv->e.ring_mem = mem;
    hv->e.npages = len ? HMX_RING_NPAGES(len) : 0;
    hv->e.flags = cfg.flags;
    rc = hmx_ring_register(ctx, &ring, &cfg);
    if (refused_reserved(ctx, cfg.partner)) {
        FZ_CHECK(rc == HMX_EOPNOTSUPP && hv->ntraps == 0, "register for reserved %#x: %d",
                 cfg.partner, rc);
        check_not_registered(ctx, hv, &ring);
        return;
    }
    if (len == 0) {
        FZ_CHECK(rc == HMX_EINVAL && hv->ntraps == 0, "register of %zu bytes: %d", size, rc);
        return;
    }
    if (hv->ntraps == 0) {
        /* Refused before the trap: a frame that cannot be translated, or
         * (physical) a frame list too long to stage that is not one run. */
        FZ_CHECK(rc == HMX_EFAULT || (rc == HMX_EINVAL && hv->physical), "register %d", rc);
        check_not_registered(ctx, hv, &ring);
        return;
    }
    want = one_trap(hv);
    FZ_CHECK(rc == (want < 0 ? want : 0), "register %d, hypervisor answered %d", rc, want);
    if (rc != 0) {
        check_not_registered(ctx, hv, &ring);
        return;
    }
    FZ_CHECK(hmx_ring_size(&ring) == len, "ring size");

    unreg.port = cfg.port;
    unreg.partner = cfg.partner;
    unreg.pad = 0;
    begin(hv, HMX_OP_UNREGISTER_RING);
    hv->e.unreg = &unreg;
    rc = hmx_ring_unregister(ctx, &ring);
    want = one_trap(hv);
    FZ_CHECK(rc == (want > 0 ? 0 : want), "unregister %d, hypervisor answered %d", rc, want);
    /* Refused by the hypervisor: still registered; else gone. */
    if (!(want < 0 && want != HMX_ENOENT))
        check_not_registered(ctx, hv, &ring);
}

static void api_vector(struct fz *f, hmx_ctx *ctx, struct hv *hv)
{
    uint32_t cpu = fz_u8(f) % HMX_VECTOR_CPUS, vector = fz_u16(f) % (HMX_VECTOR_MAX + 1);
    int rc;

    begin(hv, HMX_OP_SET_VECTOR);
    hv->e.cpu = cpu;
    hv->e.vector = vector;
    rc = hmx_set_vector(ctx, cpu, vector, 0);
    if (!(hmx_features(ctx) & HMX_FEAT_VECTOR)) {
        FZ_CHECK(rc == HMX_EOPNOTSUPP && hv->ntraps == 0, "set_vector without the feature");
        return;
    }
    FZ_CHECK(rc == one_trap(hv), "set_vector %d", rc);
}

static uint8_t *g_mem;
static _Alignas(4096) uint8_t g_call_page[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t pages[] = {0, 4096, 16384, 65536};
    struct fz f;
    struct hmx_env env;
    hmx_ctx ctx;
    struct hmx_open_args oa;
    struct hmx_msr_config msr;
    struct hmx_cpuid_config cpuid;
    struct hmx_smccc_config smccc;
    struct hmx_xen_config xen;
    struct hmx_arch_ops arch;
    uint8_t mode;
    unsigned nops = 0;
    int rc;

    if (g_mem == NULL) {
        g_mem = aligned_alloc(MEM_ALIGN, MEM_BYTES);
        if (g_mem == NULL)
            abort();
        for (size_t i = 0; i < MEM_BYTES; i++)
            g_mem[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    fz_init(&f, data, size);
    mode = fz_u8(&f);

    /* Part 1: decoding alone. */
    if (mode & 0x80) {
        while (!fz_empty(&f)) {
            uint64_t raw = fz_u64(&f);

            check_decode(raw);
            check_decode(raw & 0xFFFFFFFFull);
            check_decode((uint64_t)(int64_t)(int32_t)raw);
            check_errno((int)(uint32_t)raw);
            check_errno((int)(raw >> 32));
            FZ_CHECK(ref_call((int64_t)raw) == ref_call((int64_t)raw), "stable");
        }
        return 0;
    }

    /* Part 2: a backend over the mock. */
    memset(&HV, 0, sizeof(HV));
    HV.mech = (enum mechanism)(mode % 4);
    HV.f = &f;
    HV.page = pages[(mode >> 2) % 4] ? pages[(mode >> 2) % 4] : 4096u;
    HV.key = mode & 0x10 ? (uint64_t)(fz_u16(&f) | 1u) * HV.page : 0;
    HV.fail_page = mode & 0x20 ? fz_u8(&f) : 0;
    HV.physical = HV.mech != M_XEN;
    HV.call_page = g_call_page;
    memset(g_call_page, 0, sizeof(g_call_page));
    memset(&env, 0, sizeof(env));
    env.virt_to_gpa = env_v2g;
    env.page_size = pages[(mode >> 2) % 4];
    env.user = &HV;
    memset(&arch, 0, sizeof(arch));
    arch.ctx = &HV;
    arch.wrmsr = mock_wrmsr;
    arch.cpuid_call = mock_cpuid_call;
    arch.smccc = mock_smccc;
    arch.xen_hypercall = mock_xen;

    memset(&oa, 0, sizeof(oa));
    oa.env = &env;
    switch (HV.mech) {
    case M_MSR:
        msr = (struct hmx_msr_config){&arch, 0x400000E0u, g_call_page, fz_u8(&f) & 1};
        oa.backend = &hmx_backend_msr;
        oa.backend_config = &msr;
        break;
    case M_CPUID:
        cpuid = (struct hmx_cpuid_config){&arch, 0x40000020u, g_call_page, fz_u8(&f) & 1};
        oa.backend = &hmx_backend_cpuid;
        oa.backend_config = &cpuid;
        break;
    case M_SMCCC:
        smccc = (struct hmx_smccc_config){&arch, HMX_SMCCC_HVC, 0, g_call_page, fz_u8(&f) & 1};
        oa.backend = &hmx_backend_smccc;
        oa.backend_config = &smccc;
        break;
    default:
        xen = (struct hmx_xen_config){&arch, HMX_XEN_ENTRY_VMCALL, NULL};
        oa.backend = &hmx_backend_xen;
        oa.backend_config = &xen;
        break;
    }
    rc = hmx_open(&ctx, &oa);
    if (HV.physical && HV.fail_page != 0 &&
        ((uintptr_t)g_call_page / HV.page) % 64u == HV.fail_page % 64u) {
        FZ_CHECK(rc == HMX_EFAULT, "open with an untranslatable call page: %d", rc);
        return 0;
    }
    FZ_CHECK(rc == 0, "open %d", rc);

    while (!fz_empty(&f) && nops++ < 16) {
        switch (fz_u8(&f) % 4) {
        case 0:
            api_send(&f, &ctx, &HV, g_mem);
            break;
        case 1:
            api_notify(&f, &ctx, &HV);
            break;
        case 2:
            api_ring(&f, &ctx, &HV, g_mem);
            break;
        default:
            api_vector(&f, &ctx, &HV);
            break;
        }
    }
    hmx_close(&ctx);
    return 0;
}
