/* SPDX-License-Identifier: MIT */
/*
 * The reference provider: Argo's hypervisor side with Xen 4.17's semantics.
 *
 * The order of the checks in each operation follows xen/common/argo.c, so
 * that a guest sees the same error for the same mistake on either.  Where
 * the provider departs from Xen it says so (see spec/, "Reference provider").
 *
 * Rings live in host-supplied slots and are found by a linear scan; the
 * host chooses how many slots to give, and a scan of a few hundred compact
 * slots costs less than the guest exit that brought us here.
 */
#include "hmx/provider.h"
#include "hmx_env.h"

#define PROVIDER_MAGIC 0x56505848u /* "HXPV" */

static int provider_ok(const struct hmx_provider *p)
{
    return p != NULL && p->magic == PROVIDER_MAGIC;
}

static struct hmx_prov_domain *find_domain(const struct hmx_provider *p, hmx_domid_t id)
{
    uint32_t i;

    for (i = 0; i < p->ndomains; i++)
        if (p->domains[i].in_use && p->domains[i].id == id)
            return &p->domains[i];
    return NULL;
}

static struct hmx_prov_ring *find_ring(const struct hmx_provider *p, hmx_domid_t owner,
                                       hmx_port_t port, hmx_domid_t partner)
{
    uint32_t i;

    for (i = 0; i < p->nrings; i++) {
        struct hmx_prov_ring *r = &p->rings[i];

        if (r->in_use && r->owner == owner && r->port == port && r->partner == partner)
            return r;
    }
    return NULL;
}

/* Xen's find_ring_info_by_match: a ring for this sender, else a wildcard. */
static struct hmx_prov_ring *match_ring(const struct hmx_provider *p, hmx_domid_t owner,
                                        hmx_port_t port, hmx_domid_t sender)
{
    struct hmx_prov_ring *r = find_ring(p, owner, port, sender);

    return r != NULL ? r : find_ring(p, owner, port, HMX_DOMID_ANY);
}

static int policy_check(struct hmx_provider *p, uint32_t op, hmx_domid_t caller,
                        const struct hmx_addr *src, const struct hmx_addr *dst)
{
    struct hmx_policy_query q;
    const char *reason = NULL;
    int rc;

    if (p->hooks.policy == NULL)
        return 0;
    q.op = op;
    q.caller = caller;
    q.pad = 0;
    q.src = *src;
    q.dst = *dst;
    rc = p->hooks.policy(p->hooks.host, &q, &reason);
    if (rc == 0)
        return 0;
    if (rc > 0)
        rc = HMX_EACCES; /* a hook that forgot the sign still denies */
    p->denials++;
    if (p->hooks.audit != NULL)
        p->hooks.audit(p->hooks.host, &q, rc, reason != NULL ? reason : "denied by policy");
    return rc;
}

static void signal_domain(struct hmx_provider *p, hmx_domid_t id, enum hmx_signal_kind why)
{
    struct hmx_prov_domain *d = find_domain(p, id);

    if (d == NULL)
        return;
    d->signals++;
    if (p->hooks.signal != NULL)
        p->hooks.signal(p->hooks.host, id, why);
}

/* ---- waiters for space ---------------------------------------------- */

static int pending_find(const struct hmx_prov_ring *r, hmx_domid_t dom)
{
    uint32_t i;

    for (i = 0; i < r->npending; i++)
        if (r->pending[i].domain == dom)
            return (int)i;
    return -1;
}

static void pending_drop(struct hmx_prov_ring *r, uint32_t i)
{
    r->pending[i] = r->pending[--r->npending];
}

/* Xen's pending_requeue: remember (or update) that dom waits for space. */
static int pending_requeue(struct hmx_prov_ring *r, hmx_domid_t dom, uint32_t space)
{
    int i = pending_find(r, dom);

    if (i >= 0) {
        if (r->pending[i].space < space) /* as Xen: wait for the larger size */
            r->pending[i].space = space;
        return 0;
    }
    if (r->npending >= HMX_PENDING_PER_RING_MAX)
        return HMX_EBUSY;
    r->pending[r->npending].domain = dom;
    r->pending[r->npending].pad = 0;
    r->pending[r->npending].space = space;
    r->npending++;
    return 0;
}

static void pending_cancel(struct hmx_prov_ring *r, hmx_domid_t dom)
{
    int i = pending_find(r, dom);

    if (i >= 0)
        pending_drop(r, (uint32_t)i);
}

/* Xen's notify_check_pending: wake waiters on dom's rings that now fit. */
static void wake_waiters(struct hmx_provider *p, hmx_domid_t dom)
{
    uint32_t i, j;

    for (i = 0; i < p->nrings; i++) {
        struct hmx_prov_ring *r = &p->rings[i];
        uint32_t space;

        if (!r->in_use || r->owner != dom || r->npending == 0)
            continue;
        space = hmx_ring_writer_space(&r->w);
        if (space == 0)
            continue; /* as Xen's notify_ring: no room, nobody to wake */
        for (j = 0; j < r->npending;) {
            if (space >= r->pending[j].space) {
                hmx_domid_t waiter = r->pending[j].domain;

                pending_drop(r, j);
                signal_domain(p, waiter, HMX_SIGNAL_SPACE);
            } else {
                j++;
            }
        }
    }
}

/* ---- setup ------------------------------------------------------------ */

int hmx_provider_init(struct hmx_provider *p, const struct hmx_provider_hooks *hooks,
                      struct hmx_prov_domain *domains, uint32_t ndomains,
                      struct hmx_prov_ring *rings, uint32_t nrings, uint32_t flags)
{
    if (p == NULL)
        return HMX_EINVAL;
    hmx_env_memset(p, 0, sizeof(*p));
    if (hooks == NULL || hooks->map_ring == NULL || hooks->copy_from_guest == NULL ||
        domains == NULL || ndomains == 0 || rings == NULL || nrings == 0 ||
        (flags & ~(HMX_PROVIDER_ALLOW_WILDCARD | HMX_PROVIDER_VECTORS)) != 0)
        return HMX_EINVAL;
    hmx_env_memset(domains, 0, sizeof(*domains) * ndomains);
    hmx_env_memset(rings, 0, sizeof(*rings) * nrings);
    p->hooks = *hooks;
    p->domains = domains;
    p->ndomains = ndomains;
    p->rings = rings;
    p->nrings = nrings;
    p->flags = flags;
    p->magic = PROVIDER_MAGIC;
    return 0;
}

static void ring_release(struct hmx_provider *p, struct hmx_prov_ring *r)
{
    struct hmx_prov_domain *d = find_domain(p, r->owner);

    if (p->hooks.unmap_ring != NULL && r->va != NULL)
        p->hooks.unmap_ring(p->hooks.host, r->owner, r->va, r->npages);
    if (d != NULL && d->ring_count > 0)
        d->ring_count--;
    hmx_env_memset(r, 0, sizeof(*r));
}

void hmx_provider_fini(struct hmx_provider *p)
{
    uint32_t i;

    if (!provider_ok(p))
        return;
    for (i = 0; i < p->nrings; i++)
        if (p->rings[i].in_use)
            ring_release(p, &p->rings[i]);
    hmx_env_memset(p->domains, 0, sizeof(*p->domains) * p->ndomains);
    p->magic = 0;
}

int hmx_provider_domain_add(struct hmx_provider *p, hmx_domid_t id, uint32_t flags)
{
    uint32_t i;

    if (!provider_ok(p) || id >= 0x7FF0u || (flags & ~HMX_DOMAIN_PRIVILEGED) != 0)
        return HMX_EINVAL;
    if (find_domain(p, id) != NULL)
        return HMX_EEXIST;
    for (i = 0; i < p->ndomains; i++) {
        struct hmx_prov_domain *d = &p->domains[i];

        if (!d->in_use) {
            hmx_env_memset(d, 0, sizeof(*d));
            d->in_use = 1;
            d->id = id;
            d->flags = flags;
            return 0;
        }
    }
    return HMX_ENOMEM;
}

int hmx_provider_domain_remove(struct hmx_provider *p, hmx_domid_t id)
{
    struct hmx_prov_domain *d;
    uint32_t i;

    if (!provider_ok(p))
        return HMX_EINVAL;
    d = find_domain(p, id);
    if (d == NULL)
        return HMX_ESRCH;
    for (i = 0; i < p->nrings; i++) {
        struct hmx_prov_ring *r = &p->rings[i];

        if (!r->in_use)
            continue;
        if (r->owner == id || r->partner == id)
            ring_release(p, r);
        else
            pending_cancel(r, id);
    }
    hmx_env_memset(d, 0, sizeof(*d));
    return 0;
}

/* ---- operations ------------------------------------------------------- */

static struct hmx_prov_ring *free_slot(const struct hmx_provider *p)
{
    uint32_t i;

    for (i = 0; i < p->nrings; i++)
        if (!p->rings[i].in_use)
            return &p->rings[i];
    return NULL;
}

int hmx_provider_register_ring(struct hmx_provider *p, hmx_domid_t caller,
                               const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                               uint32_t npages, uint32_t flags)
{
    struct hmx_prov_domain *d;
    struct hmx_prov_ring *r;
    struct hmx_addr src, dst;
    void *va = NULL;
    int rc, existing;

    if (!provider_ok(p))
        return HMX_EINVAL;
    d = find_domain(p, caller);
    if (d == NULL)
        return HMX_ENODEV;
    if ((flags & ~HMX_REGISTER_FAIL_EXIST) != 0 || reg == NULL || gfns == NULL)
        return HMX_EINVAL;
    if (!hmx_ring_valid_len(reg->len) || HMX_RING_NPAGES(reg->len) != npages || reg->pad != 0)
        return HMX_EINVAL;

    src.port = 0;
    src.domain = reg->partner;
    src.pad = 0;
    dst.port = reg->port;
    dst.domain = caller;
    dst.pad = 0;
    if (reg->partner == HMX_DOMID_ANY) {
        if (!(p->flags & HMX_PROVIDER_ALLOW_WILDCARD))
            return HMX_EPERM;
    } else if (find_domain(p, reg->partner) == NULL) {
        return HMX_ESRCH;
    }
    rc = policy_check(p, HMX_POLICY_REGISTER, caller, &src, &dst);
    if (rc < 0)
        return rc;

    r = find_ring(p, caller, reg->port, reg->partner);
    existing = r != NULL;
    if (!existing && d->ring_count >= HMX_RINGS_PER_DOMAIN_MAX)
        return HMX_ENOSPC;
    if (existing) {
        if ((flags & HMX_REGISTER_FAIL_EXIST) || r->w.len != reg->len)
            return HMX_EEXIST;
    } else {
        r = free_slot(p);
        if (r == NULL)
            return HMX_ENOMEM;
    }

    rc = p->hooks.map_ring(p->hooks.host, caller, gfns, npages, &va);
    if (rc > 0 || (rc == 0 && (va == NULL || ((uintptr_t)va % HMX_MSG_SLOT_SIZE) != 0)))
        rc = HMX_EFAULT;
    if (rc < 0) {
        if (existing) /* as Xen: a failed re-registration drops the ring */
            ring_release(p, r);
        return rc;
    }

    if (existing) {
        if (p->hooks.unmap_ring != NULL && r->va != NULL)
            p->hooks.unmap_ring(p->hooks.host, caller, r->va, r->npages);
    } else {
        hmx_env_memset(r, 0, sizeof(*r));
        r->in_use = 1;
        r->owner = caller;
        r->port = reg->port;
        r->partner = reg->partner;
        r->stats.len = reg->len;
        d->ring_count++;
    }
    r->va = va;
    r->npages = npages;
    /* Adopts a valid tx_ptr from the memory, else restarts at rx_ptr. */
    (void)hmx_ring_writer_init(&r->w, va, reg->len);
    return 0;
}

int hmx_provider_unregister_ring(struct hmx_provider *p, hmx_domid_t caller,
                                 const struct hmx_ring_unreg *unreg)
{
    struct hmx_prov_ring *r;

    if (!provider_ok(p))
        return HMX_EINVAL;
    if (find_domain(p, caller) == NULL)
        return HMX_ENODEV;
    if (unreg == NULL || unreg->pad != 0)
        return HMX_EINVAL;
    r = find_ring(p, caller, unreg->port, unreg->partner);
    if (r == NULL)
        return HMX_ENOENT;
    ring_release(p, r);
    return 0;
}

struct guest_copy {
    struct hmx_provider *p;
    hmx_domid_t dom;
};

static int copy_guest(void *arg, void *dst, const struct hmx_giov *src, uint32_t off, uint32_t len)
{
    const struct guest_copy *gc = arg;
    int rc = gc->p->hooks.copy_from_guest(gc->p->hooks.host, gc->dom, dst, src->gaddr + off, len);

    return rc == 0 ? 0 : (rc < 0 ? rc : HMX_EFAULT);
}

int hmx_provider_sendv(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_send_addr *addr,
                       const struct hmx_giov *iov, uint32_t niov, uint32_t message_type)
{
    struct hmx_send_addr a;
    struct hmx_prov_ring *r;
    struct guest_copy gc;
    int rc;

    if (!provider_ok(p))
        return HMX_EINVAL;
    if (addr == NULL || niov > HMX_MAXIOV || (niov > 0 && iov == NULL))
        return HMX_EINVAL;
    a = *addr;
    if (a.src.pad != 0 || a.dst.pad != 0)
        return HMX_EINVAL;
    if (a.src.domain == HMX_DOMID_ANY)
        a.src.domain = caller;
    if (a.src.domain != caller)
        return HMX_EPERM; /* nobody may send on behalf of another */
    if (find_domain(p, a.dst.domain) == NULL)
        return HMX_ESRCH;
    rc = policy_check(p, HMX_POLICY_SEND, caller, &a.src, &a.dst);
    if (rc < 0)
        return rc;
    if (find_domain(p, caller) == NULL)
        return HMX_ENODEV;

    r = match_ring(p, a.dst.domain, a.dst.port, caller);
    if (r == NULL)
        return HMX_ECONNREFUSED;

    gc.p = p;
    gc.dom = caller;
    rc = hmx_ring_write_giov(&r->w, &a.src, message_type, iov, niov, copy_guest, &gc);
    if (rc == HMX_EAGAIN) {
        uint32_t total = 0, i;
        int q;

        for (i = 0; i < niov; i++)
            total += iov[i].len; /* bounded: write_giov validated the iovs */
        r->stats.eagain++;
        q = pending_requeue(r, caller, total);
        return q < 0 ? q : rc;
    }
    if (rc < 0)
        return rc;
    r->stats.messages++;
    r->stats.bytes += (uint32_t)rc;
    signal_domain(p, r->owner, HMX_SIGNAL_RX);
    return rc;
}

static int answer_query(struct hmx_provider *p, hmx_domid_t caller, struct hmx_ring_query *q)
{
    struct hmx_prov_ring *r;
    struct hmx_addr src;
    uint32_t space, max;
    int rc;

    if (find_domain(p, q->ring.domain) == NULL) {
        q->flags = 0; /* no such domain: the ring does not exist */
        return 0;
    }
    src.port = 0;
    src.domain = caller;
    src.pad = 0;
    /* Say nothing of rings the caller may not send to: as Xen, a denied
     * entry is left as the caller wrote it. */
    rc = policy_check(p, HMX_POLICY_QUERY, caller, &src, &q->ring);
    if (rc < 0)
        return rc;
    q->flags = 0;
    r = match_ring(p, q->ring.domain, q->ring.port, caller);
    if (r == NULL)
        return 0;

    q->flags |= HMX_RING_EXISTS;
    max = HMX_RING_MAX_PAYLOAD(r->w.len);
    q->max_message_size = max;
    if (r->partner == HMX_DOMID_ANY)
        q->flags |= HMX_RING_SHARED;
    space = hmx_ring_writer_space(&r->w);
    if (q->space_required > max) {
        q->flags |= HMX_RING_EMSGSIZE;
    } else if (space >= q->space_required) {
        pending_cancel(r, caller);
        q->flags |= HMX_RING_SUFFICIENT;
    } else if (pending_requeue(r, caller, q->space_required) == HMX_EBUSY) {
        q->flags |= HMX_RING_EBUSY;
    }
    if (space == max)
        q->flags |= HMX_RING_EMPTY;
    return 0;
}

int hmx_provider_notify(struct hmx_provider *p, hmx_domid_t caller, struct hmx_ring_query *q,
                        uint32_t n)
{
    uint32_t i;
    int rc;

    if (!provider_ok(p))
        return HMX_EINVAL;
    if (find_domain(p, caller) == NULL)
        return HMX_ENODEV;
    wake_waiters(p, caller);
    if (n == 0)
        return 0;
    if (q == NULL)
        return HMX_EINVAL;
    if (n > HMX_NOTIFY_MAX)
        return HMX_EACCES; /* Xen's answer to an over-long list */
    for (i = 0; i < n; i++) {
        rc = answer_query(p, caller, &q[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int hmx_provider_set_vector(struct hmx_provider *p, hmx_domid_t caller, uint32_t cpu,
                            uint32_t vector, uint32_t flags)
{
    struct hmx_prov_domain *d;

    if (!provider_ok(p))
        return HMX_EINVAL;
    d = find_domain(p, caller);
    if (d == NULL)
        return HMX_ENODEV;
    if (cpu >= HMX_VECTOR_CPUS || vector > HMX_VECTOR_MAX || flags != 0)
        return HMX_EINVAL;
    d->vector[cpu] = (uint16_t)vector;
    return 0;
}

uint64_t hmx_provider_features(const struct hmx_provider *p)
{
    if (!provider_ok(p))
        return 0;
    return (p->flags & HMX_PROVIDER_VECTORS) ? HMX_FEAT_VECTOR : 0;
}

uint32_t hmx_provider_vector(const struct hmx_provider *p, hmx_domid_t dom, uint32_t cpu)
{
    const struct hmx_prov_domain *d;

    if (!provider_ok(p) || cpu >= HMX_VECTOR_CPUS)
        return 0;
    d = find_domain(p, dom);
    return d != NULL ? d->vector[cpu] : 0;
}

int hmx_provider_query(struct hmx_provider *p, hmx_domid_t caller, struct hmx_ring_query *q)
{
    if (!provider_ok(p) || q == NULL)
        return HMX_EINVAL;
    if (find_domain(p, caller) == NULL)
        return HMX_ENODEV;
    return answer_query(p, caller, q);
}

int hmx_provider_ring_stats(const struct hmx_provider *p, hmx_domid_t owner, hmx_port_t port,
                            hmx_domid_t partner, struct hmx_ring_stats *out)
{
    const struct hmx_prov_ring *r;

    if (!provider_ok(p) || out == NULL)
        return HMX_EINVAL;
    r = find_ring(p, owner, port, partner);
    if (r == NULL)
        return HMX_ENOENT;
    *out = r->stats;
    out->space = hmx_ring_writer_space(&r->w);
    out->npending = r->npending;
    return 0;
}

uint64_t hmx_provider_domain_signals(const struct hmx_provider *p, hmx_domid_t id)
{
    const struct hmx_prov_domain *d;

    if (!provider_ok(p))
        return 0;
    d = find_domain(p, id);
    return d != NULL ? d->signals : 0;
}
