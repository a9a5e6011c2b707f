/* SPDX-License-Identifier: MIT */
/*
 * The public API: argument validation, then dispatch through the context's
 * backend.  Backends see only requests that pass the checks here, which is
 * why each check lives here once rather than in every backend.
 */
#include "api_internal.h"
#include "hmx/backend.h"
#include "hmx/hmx.h"
#include "hmx_env.h"

#define HMX_CTX_MAGIC 0x584d4831u /* "1HMX" */

static int ctx_open(const hmx_ctx *ctx)
{
    return ctx != NULL && ctx->magic == HMX_CTX_MAGIC && ctx->ops != NULL;
}

int hmx__ctx_open(const hmx_ctx *ctx)
{
    return ctx_open(ctx);
}

/*
 * A reserved domain the HMX extensions give a meaning to, as destination
 * or partner: usable only where the mechanism offers the feature, so that
 * a provider without it (Xen) is never asked.  Returns 0 or
 * HMX_EOPNOTSUPP.
 */
int hmx__reserved_domain_ok(const hmx_ctx *ctx, hmx_domid_t dom)
{
    switch (dom) {
    case HMX_DOMID_IMPLICIT:
    case HMX_DOMID_UP:
        return (ctx->features & HMX_FEAT_IMPLICIT) ? 0 : HMX_EOPNOTSUPP;
    case HMX_DOMID_PROVIDER:
        return (ctx->features & HMX_FEAT_DISCOVERY) ? 0 : HMX_EOPNOTSUPP;
    default:
        return 0;
    }
}

static int ops_complete(const struct hmx_backend_ops *ops)
{
    return ops->name != NULL && (ops->register_ring != NULL || ops->register_ring_mem != NULL) &&
           (ops->unregister_ring != NULL || ops->unregister_ring_mem != NULL) &&
           ops->sendv != NULL && ops->notify != NULL && ops->priv_size <= HMX_CTX_PRIV_SIZE;
}

static int env_valid(const struct hmx_env *env)
{
    uint32_t ps = env->page_size;

    if (env->virt_to_gpa == NULL)
        return 0;
    return ps == 0 || (ps >= HMX_FRAME_SIZE && (ps & (ps - 1u)) == 0);
}

static void ctx_log(const hmx_ctx *ctx, enum hmx_log_level level, const char *msg)
{
    if (ctx->env.log != NULL)
        ctx->env.log(ctx->env.user, level, msg);
}

int hmx_open(hmx_ctx *ctx, const struct hmx_open_args *args)
{
    const struct hmx_env *env;
    int rc;

    if (ctx == NULL)
        return HMX_EINVAL;
    hmx_env_memset(ctx, 0, sizeof(*ctx));
    if (args == NULL || args->backend == NULL || !ops_complete(args->backend))
        return HMX_EINVAL;
    env = args->env != NULL ? args->env : &hmx_env_identity;
    if (!env_valid(env))
        return HMX_EINVAL;

    ctx->env = *env;
    if (ctx->env.page_size == 0)
        ctx->env.page_size = HMX_FRAME_SIZE;
    ctx->ops = args->backend;
    if (ctx->ops->open != NULL) {
        rc = ctx->ops->open(ctx, args->backend_config);
        if (rc < 0) {
            hmx_env_memset(ctx, 0, sizeof(*ctx));
            return rc;
        }
    }
    ctx->magic = HMX_CTX_MAGIC;
    ctx_log(ctx, HMX_LOG_DEBUG, "hmx: context open");
    return 0;
}

void hmx_close(hmx_ctx *ctx)
{
    if (!ctx_open(ctx))
        return;
    if (ctx->ops->close != NULL)
        ctx->ops->close(ctx);
    hmx_env_memset(ctx, 0, sizeof(*ctx));
}

const char *hmx_backend_name(const hmx_ctx *ctx)
{
    return ctx_open(ctx) ? ctx->ops->name : "closed";
}

/*
 * Build the ring's 4 KiB frame list: translate once per environment page
 * and derive the frames inside it.
 */
static int fill_gfns(const hmx_ctx *ctx, const uint8_t *mem, uint32_t npages, hmx_gfn_t *gfns)
{
    uint64_t gpa = 0;
    uint32_t i;
    int rc;

    for (i = 0; i < npages; i++) {
        const uint8_t *va = mem + (size_t)i * HMX_FRAME_SIZE;
        uint32_t in_page = (uint32_t)(((uintptr_t)va & (ctx->env.page_size - 1u)) / HMX_FRAME_SIZE);

        if (i == 0 || in_page == 0) {
            rc = ctx->env.virt_to_gpa(ctx->env.user, va, &gpa);
            if (rc < 0)
                return rc;
            if ((gpa & (HMX_FRAME_SIZE - 1u)) != 0)
                return HMX_EFAULT;
        } else {
            gpa += HMX_FRAME_SIZE;
        }
        gfns[i] = gpa >> HMX_FRAME_SHIFT;
    }
    return 0;
}

int hmx_ring_register(hmx_ctx *ctx, struct hmx_ring *ring, const struct hmx_ring_config *cfg)
{
    struct hmx_ring_reg reg;
    hmx_gfn_t *gfns;
    uint32_t len, npages;
    int rc;

    if (!ctx_open(ctx) || ring == NULL || cfg == NULL || cfg->mem == NULL)
        return HMX_EINVAL;
    if (((uintptr_t)cfg->mem & (HMX_FRAME_SIZE - 1u)) != 0 ||
        (cfg->flags & ~HMX_REGISTER_FAIL_EXIST) != 0)
        return HMX_EINVAL;
    if (ring->live == HMX_RING_LIVE && ring->mem != NULL)
        return HMX_EINVAL;
    rc = hmx__reserved_domain_ok(ctx, cfg->partner);
    if (rc < 0)
        return rc;
    len = hmx_ring_len_for(cfg->mem_size);
    if (len == 0)
        return HMX_EINVAL;
    npages = HMX_RING_NPAGES(len);

    if (cfg->gfn_scratch != NULL) {
        if (cfg->gfn_scratch_len < npages)
            return HMX_EINVAL;
        gfns = cfg->gfn_scratch;
    } else {
        /* The data area is ours until registration completes, and holds
         * at least len / 512 >= npages frame numbers for any valid len. */
        gfns = (hmx_gfn_t *)(void *)((uint8_t *)cfg->mem + HMX_RING_HDR_SIZE);
    }

    hmx_env_memset(ring, 0, sizeof(*ring));
    rc = hmx_ring_reader_init_layout(&ring->rd, cfg->mem, len, 1, ctx->ops->ring_layout);
    if (rc < 0)
        return rc;
    rc = fill_gfns(ctx, cfg->mem, npages, gfns);
    if (rc < 0)
        goto fail;

    reg.port = cfg->port;
    reg.partner = cfg->partner;
    reg.pad = 0;
    reg.len = len;
    if (ctx->ops->register_ring_mem != NULL)
        rc = ctx->ops->register_ring_mem(ctx, cfg->mem, &reg, gfns, npages, cfg->flags);
    else
        rc = ctx->ops->register_ring(ctx, &reg, gfns, npages, cfg->flags);
    if (rc < 0)
        goto fail;

    ring->mem = cfg->mem;
    ring->port = cfg->port;
    ring->partner = cfg->partner;
    ring->npages = npages;
    ring->live = HMX_RING_LIVE;
    return 0;

fail:
    hmx_env_memset(ring, 0, sizeof(*ring));
    return rc;
}

int hmx_ring_unregister(hmx_ctx *ctx, struct hmx_ring *ring)
{
    struct hmx_ring_unreg unreg;
    int rc;

    if (!ctx_open(ctx) || ring == NULL || ring->live != HMX_RING_LIVE)
        return HMX_EINVAL;
    unreg.port = ring->port;
    unreg.partner = ring->partner;
    unreg.pad = 0;
    if (ctx->ops->unregister_ring_mem != NULL)
        rc = ctx->ops->unregister_ring_mem(ctx, ring->mem, &unreg);
    else
        rc = ctx->ops->unregister_ring(ctx, &unreg);
    if (rc < 0 && rc != HMX_ENOENT)
        return rc;
    /* ENOENT: the hypervisor already forgot it (partner gone); either way
     * the ring is no longer registered. */
    ring->live = 0;
    return rc > 0 ? 0 : rc; /* success is 0, whatever count a mechanism gave */
}

uint32_t hmx_ring_size(const struct hmx_ring *ring)
{
    return ring != NULL && ring->rd.hdr != NULL ? ring->rd.len : 0;
}

int hmx_recv(struct hmx_ring *ring, void *buf, size_t cap, struct hmx_msg_info *info)
{
    if (ring == NULL || ring->rd.hdr == NULL || (buf == NULL && cap != 0))
        return HMX_EINVAL;
    return hmx_ring_recv(&ring->rd, buf, cap, info);
}

int hmx_sendv(hmx_ctx *ctx, hmx_port_t src_port, const struct hmx_addr *dst,
              const struct hmx_iov *iov, unsigned niov, uint32_t message_type)
{
    struct hmx_send_addr addr;
    uint32_t total = 0;
    unsigned i;
    int rc;

    if (!ctx_open(ctx) || dst == NULL || dst->pad != 0 || iov == NULL || niov == 0 ||
        niov > HMX_MAXIOV)
        return HMX_EINVAL;
    rc = hmx__reserved_domain_ok(ctx, dst->domain);
    if (rc < 0)
        return rc;
    for (i = 0; i < niov; i++) {
        if ((iov[i].base == NULL && iov[i].len != 0) || iov[i].len > HMX_MSG_MAX)
            return HMX_EINVAL;
        total += (uint32_t)iov[i].len;
        if (total > HMX_MSG_MAX)
            return HMX_EMSGSIZE;
    }
    addr.src.port = src_port;
    addr.src.domain = HMX_DOMID_ANY; /* the hypervisor fills in who we are */
    addr.src.pad = 0;
    addr.dst = *dst;
    rc = ctx->ops->sendv(ctx, &addr, iov, niov, message_type);
    /* Success is the message's length, exactly: any other count is a
     * broken or hostile answer, never a length to hand on to the caller. */
    if (rc >= 0 && (uint32_t)rc != total)
        return HMX_EIO;
    return rc;
}

int hmx_send(hmx_ctx *ctx, hmx_port_t src_port, const struct hmx_addr *dst, const void *buf,
             size_t len, uint32_t message_type)
{
    struct hmx_iov iov;

    iov.base = buf;
    iov.len = len;
    return hmx_sendv(ctx, src_port, dst, &iov, 1, message_type);
}

int hmx_notify(hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n)
{
    unsigned i;
    int rc;

    if (!ctx_open(ctx) || n > HMX_NOTIFY_MAX || (q == NULL && n != 0))
        return HMX_EINVAL;
    for (i = 0; i < n; i++)
        if (q[i].ring.pad != 0 || q[i].pad != 0)
            return HMX_EINVAL;
    for (i = 0; i < n; i++)
        if (hmx__reserved_domain_ok(ctx, q[i].ring.domain) < 0)
            return HMX_EOPNOTSUPP;
    rc = ctx->ops->notify(ctx, n != 0 ? q : NULL, n);
    return rc > 0 ? 0 : rc; /* success is 0, whatever count a mechanism gave */
}

uint64_t hmx_features(const hmx_ctx *ctx)
{
    return ctx_open(ctx) ? ctx->features : 0;
}

int hmx_set_vector(hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags)
{
    if (!ctx_open(ctx))
        return HMX_EINVAL;
    if (ctx->ops->set_vector == NULL || !(ctx->features & HMX_FEAT_VECTOR))
        return HMX_EOPNOTSUPP;
    if (cpu >= HMX_VECTOR_CPUS || vector > HMX_VECTOR_MAX || flags != 0)
        return HMX_EINVAL;
    return ctx->ops->set_vector(ctx, cpu, vector, flags);
}

int hmx_query(hmx_ctx *ctx, const struct hmx_addr *dst, uint32_t space_required,
              struct hmx_ring_query *out)
{
    if (dst == NULL || out == NULL)
        return HMX_EINVAL;
    hmx_env_memset(out, 0, sizeof(*out));
    out->ring = *dst;
    out->space_required = space_required;
    return hmx_notify(ctx, out, 1);
}
