/* SPDX-License-Identifier: MIT */
/*
 * In-process backend: each context speaks as one domain of a reference
 * provider that lives in the same address space.  No trap, no marshalling
 * beyond turning pointers into guest addresses: this is the built-in
 * default, and the baseline every other mechanism is measured against.
 */
#include "hmx/inproc.h"
#include "hmx/mech.h"
#include "hmx_env.h"
#include "marshal.h"

struct inproc_priv {
    struct hmx_provider *provider;
    hmx_domid_t domid;
};

_Static_assert(sizeof(struct inproc_priv) <= HMX_CTX_PRIV_SIZE, "inproc private state fits");

static struct inproc_priv *priv(struct hmx_ctx *ctx)
{
    return (struct inproc_priv *)(void *)ctx->priv.u64;
}

static int inproc_open(struct hmx_ctx *ctx, const void *config)
{
    const struct hmx_inproc_config *cfg = config;
    struct inproc_priv *pv = priv(ctx);

    if (cfg == NULL || cfg->provider == NULL)
        return HMX_EINVAL;
    pv->provider = cfg->provider;
    pv->domid = cfg->domid;
    ctx->features = hmx_provider_features(cfg->provider);
    return 0;
}

static int inproc_register(struct hmx_ctx *ctx, const struct hmx_ring_reg *reg,
                           const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_register_ring(pv->provider, pv->domid, reg, gfns, npages, flags);
}

static int inproc_unregister(struct hmx_ctx *ctx, const struct hmx_ring_unreg *unreg)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_unregister_ring(pv->provider, pv->domid, unreg);
}

static int inproc_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr,
                        const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    struct inproc_priv *pv = priv(ctx);
    struct hmx_giov g[HMX_MAXIOV];
    unsigned i;

    for (i = 0; i < niov; i++) { /* niov <= HMX_MAXIOV: checked by the API */
        g[i].gaddr = (uint64_t)(uintptr_t)iov[i].base;
        g[i].len = (uint32_t)iov[i].len;
        g[i].pad = 0;
    }
    return hmx_provider_sendv(pv->provider, pv->domid, addr, g, niov, message_type);
}

static int inproc_notify(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_notify(pv->provider, pv->domid, q, n);
}

static int inproc_set_vector(struct hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_set_vector(pv->provider, pv->domid, cpu, vector, flags);
}

static int inproc_fw_set(struct hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n,
                         uint32_t flags)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_fw_set(pv->provider, pv->domid, rules, n, flags);
}

static int inproc_fw_list(struct hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap,
                          uint32_t first)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_fw_list(pv->provider, pv->domid, out, cap, first);
}

static int inproc_fw_add(struct hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_fw_add(pv->provider, pv->domid, rule, pos);
}

static int inproc_fw_del(struct hmx_ctx *ctx, uint32_t index)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_fw_del(pv->provider, pv->domid, index);
}

static int inproc_set_label(struct hmx_ctx *ctx, hmx_domid_t dom, const char label[HMX_LABEL_SIZE])
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_set_label(pv->provider, pv->domid, dom, label);
}

static int inproc_implicit_set(struct hmx_ctx *ctx, hmx_domid_t dom,
                               const struct hmx_implicit_entry *e, uint32_t n)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_implicit_set(pv->provider, pv->domid, dom, e, n);
}

static int inproc_implicit_list(struct hmx_ctx *ctx, hmx_domid_t dom,
                                struct hmx_implicit_entry *out, uint32_t cap)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_implicit_list(pv->provider, pv->domid, dom, out, cap);
}

/*
 * The batched and asynchronous send go through the provider's call
 * decoder, as a trapping mechanism's would: the same wire form and checks,
 * with this process's addresses as guest addresses (as for sendv above).
 */
static int inproc_trap(void *trap_ctx, uint32_t op, const uint64_t a[4])
{
    struct inproc_priv *pv = trap_ctx;

    return hmx_provider_call(pv->provider, pv->domid, op, a, NULL, 0);
}

static void inproc_marshal(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *area,
                           uint32_t size)
{
    m->env = &ctx->env;
    m->physical = 0;
    m->area = area;
    m->area_addr = (uint64_t)(uintptr_t)area;
    m->area_size = size;
    m->trap = inproc_trap;
    m->trap_ctx = priv(ctx);
}

/* As large as an agnostic mechanism's staging area, so a batch splits the
 * same way in-process as over a trap. */
#define INPROC_BATCH_AREA 4032u

static int inproc_sendv_batch(struct hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n,
                              uint32_t flags, int32_t *results)
{
    _Alignas(16) uint8_t area[INPROC_BATCH_AREA];
    struct hmx_marshal m;

    inproc_marshal(ctx, &m, area, sizeof(area));
    return hmx_marshal_sendv_batch(&m, d, n, flags, results);
}

static int inproc_async_setup(struct hmx_ctx *ctx, uint64_t gaddr, uint32_t entries)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_async_setup(pv->provider, pv->domid, gaddr, entries, 0);
}

static int inproc_async_doorbell(struct hmx_ctx *ctx)
{
    struct inproc_priv *pv = priv(ctx);

    return hmx_provider_async_doorbell(pv->provider, pv->domid);
}

const struct hmx_backend_ops hmx_backend_inproc = {
    .name = "inproc",
    .mechanism = HMX_MECH_INPROC,
    .priv_size = sizeof(struct inproc_priv),
    .open = inproc_open,
    .close = NULL,
    .register_ring = inproc_register,
    .unregister_ring = inproc_unregister,
    .sendv = inproc_sendv,
    .notify = inproc_notify,
    .set_vector = inproc_set_vector,
    .fw_set = inproc_fw_set,
    .fw_list = inproc_fw_list,
    .fw_add = inproc_fw_add,
    .fw_del = inproc_fw_del,
    .set_label = inproc_set_label,
    .implicit_set = inproc_implicit_set,
    .implicit_list = inproc_implicit_list,
    .sendv_batch = inproc_sendv_batch,
    .async_setup = inproc_async_setup,
    .async_doorbell = inproc_async_doorbell,
};

/* ---- host hooks for a provider whose domains share this address space -- */

static int local_map_ring(void *host, hmx_domid_t dom, const hmx_gfn_t *gfns, uint32_t npages,
                          void **va)
{
    uint32_t i;

    (void)host;
    (void)dom;
    if (npages == 0 || gfns[0] > (UINTPTR_MAX >> HMX_FRAME_SHIFT))
        return HMX_EFAULT;
    for (i = 1; i < npages; i++)
        if (gfns[i] != gfns[0] + i)
            return HMX_EFAULT; /* frames must be contiguous here */
    *va = (void *)(uintptr_t)(gfns[0] << HMX_FRAME_SHIFT);
    return 0;
}

/*
 * In one address space a sender may name its own ring (or any buffer the
 * copy writes) as a source: a message sent to oneself from the ring's own
 * bytes.  memcpy is undefined for overlapping ranges, and the core may not
 * assume memmove (the environment gives memcpy, memset and memcmp only), so
 * overlapping copies go a byte at a time, in the direction that never
 * overwrites a source byte before reading it.  The accesses are volatile:
 * compilers otherwise recognise the loop (or a copy through a temporary)
 * and emit a call to memmove after all.  Only this pathological case pays.
 */
static void local_copy(void *dst, const void *src, uint32_t len)
{
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;

    if ((uintptr_t)dst + len <= (uintptr_t)src || (uintptr_t)src + len <= (uintptr_t)dst) {
        hmx_env_memcpy(dst, src, len);
    } else if ((uintptr_t)dst < (uintptr_t)src) {
        for (uint32_t i = 0; i < len; i++)
            d[i] = s[i];
    } else if (dst != src) {
        for (uint32_t i = len; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
}

static int local_copy_from_guest(void *host, hmx_domid_t dom, void *dst, uint64_t gaddr,
                                 uint32_t len)
{
    (void)host;
    (void)dom;
    if (gaddr == 0 || gaddr > UINTPTR_MAX - len)
        return HMX_EFAULT;
    local_copy(dst, (const void *)(uintptr_t)gaddr, len);
    return 0;
}

static int local_copy_to_guest(void *host, hmx_domid_t dom, uint64_t gaddr, const void *src,
                               uint32_t len)
{
    (void)host;
    (void)dom;
    if (gaddr == 0 || gaddr > UINTPTR_MAX - len)
        return HMX_EFAULT;
    local_copy((void *)(uintptr_t)gaddr, src, len);
    return 0;
}

void hmx_inproc_hooks(struct hmx_provider_hooks *hooks, void *host)
{
    hmx_env_memset(hooks, 0, sizeof(*hooks));
    hooks->host = host;
    hooks->map_ring = local_map_ring;
    hooks->copy_from_guest = local_copy_from_guest;
    hooks->copy_to_guest = local_copy_to_guest;
}
