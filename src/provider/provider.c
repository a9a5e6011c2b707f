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
#include "prov_internal.h"

#define PROVIDER_MAGIC 0x56505848u /* "HXPV" */

static int provider_ok(const struct hmx_provider *p)
{
    return p != NULL && p->magic == PROVIDER_MAGIC;
}

int hmx__prov_ok(const struct hmx_provider *p)
{
    return provider_ok(p);
}

static struct hmx_prov_domain *find_domain(const struct hmx_provider *p, hmx_domid_t id)
{
    uint32_t i;

    for (i = 0; i < p->ndomains; i++)
        if (p->domains[i].in_use && p->domains[i].id == id)
            return &p->domains[i];
    return NULL;
}

struct hmx_prov_domain *hmx__prov_domain(const struct hmx_provider *p, hmx_domid_t id)
{
    return find_domain(p, id);
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

/* A domain's label for the firewall, or NULL (none, or not a domain). */
static const char *domain_label(const struct hmx_provider *p, hmx_domid_t id)
{
    const struct hmx_prov_domain *d = find_domain(p, id);

    return d != NULL && d->label[0] != '\0' ? d->label : NULL;
}

/*
 * The access decision on q, without side effects: the firewall (when a
 * table is installed), then the host's policy hook.  On a denial, fills
 * q->denied_by (and, for the firewall, q->rule and q->line) and *reason.
 */
static int decide(struct hmx_provider *p, struct hmx_policy_query *q, const char **reason)
{
    const struct hmx_prov_fw *fw = &p->fw[p->fw_live];
    int rc;

    if (fw->installed) {
        struct hmx_fw_request req;
        uint32_t rule;

        req.op = q->op;
        req.src = q->src;
        req.dst = q->dst;
        req.src_label = domain_label(p, q->src.domain);
        req.dst_label = domain_label(p, q->dst.domain);
        if (hmx_fw_decide(fw->rules, fw->n, &req, &rule) != HMX_FW_ALLOW) {
            q->denied_by = HMX_DENIED_BY_FIREWALL;
            q->rule = rule;
            q->line = rule == HMX_FW_RULE_DEFAULT ? 0 : fw->rules[rule].line;
            *reason = rule == HMX_FW_RULE_DEFAULT
                          ? "denied by the firewall: no rule matches (default deny)"
                          : "denied by a firewall rule";
            return HMX_EACCES;
        }
    }
    if (p->hooks.policy == NULL)
        return 0;
    rc = p->hooks.policy(p->hooks.host, q, reason);
    if (rc == 0)
        return 0;
    q->denied_by = HMX_DENIED_BY_HOST;
    return rc > 0 ? HMX_EACCES : rc; /* a hook that forgot the sign still denies */
}

static void query_init(struct hmx_policy_query *q, uint32_t op, hmx_domid_t caller,
                       const struct hmx_addr *src, const struct hmx_addr *dst)
{
    hmx_env_memset(q, 0, sizeof(*q));
    q->op = op;
    q->caller = caller;
    q->src = *src;
    q->dst = *dst;
}

/* Decide, and count and audit a denial. */
static int policy_check(struct hmx_provider *p, uint32_t op, hmx_domid_t caller,
                        const struct hmx_addr *src, const struct hmx_addr *dst)
{
    struct hmx_policy_query q;
    const char *reason = NULL;
    int rc;

    query_init(&q, op, caller, src, dst);
    rc = decide(p, &q, &reason);
    if (rc == 0)
        return 0;
    p->denials++;
    if (q.denied_by == HMX_DENIED_BY_FIREWALL)
        p->fw_denials++;
    if (p->hooks.audit != NULL)
        p->hooks.audit(p->hooks.host, &q, rc, reason != NULL ? reason : "denied by policy");
    return rc;
}

/* Would the policy let caller query dst?  Asked, not audited. */
static int policy_allows(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_addr *dst)
{
    struct hmx_policy_query q;
    struct hmx_addr src;
    const char *reason = NULL;

    src.port = 0;
    src.domain = caller;
    src.pad = 0;
    query_init(&q, HMX_POLICY_QUERY, caller, &src, dst);
    return decide(p, &q, &reason) == 0;
}

/* ---- implicit destinations ------------------------------------------- */

/* d's entry for port: its own, else the default; NULL when neither. */
static const struct hmx_implicit_entry *implicit_lookup(const struct hmx_prov_domain *d,
                                                        hmx_port_t port)
{
    const struct hmx_implicit_entry *dflt = NULL;
    uint32_t i;

    for (i = 0; i < d->nimplicit; i++) {
        const struct hmx_implicit_entry *e = &d->implicit[i];

        if (e->flags & HMX_IMPLICIT_DEFAULT)
            dflt = e;
        else if (e->service == port)
            return e;
    }
    return dflt;
}

/* Where e sends a message addressed to (HMX_DOMID_IMPLICIT, port). */
static void implicit_target(const struct hmx_implicit_entry *e, hmx_port_t port,
                            struct hmx_addr *out)
{
    out->domain = e->domain;
    out->port = (e->flags & HMX_IMPLICIT_DEFAULT) && e->port == 0 ? port : e->port;
    out->pad = 0;
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
        (flags & ~(HMX_PROVIDER_ALLOW_WILDCARD | HMX_PROVIDER_VECTORS |
                   HMX_PROVIDER_V4V_OPENXT | HMX_PROVIDER_V4V_UXEN)) != 0 ||
        (flags & (HMX_PROVIDER_V4V_OPENXT | HMX_PROVIDER_V4V_UXEN)) ==
            (HMX_PROVIDER_V4V_OPENXT | HMX_PROVIDER_V4V_UXEN))
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

/* The header layout of the provider's rings: v4v's when it serves v4v. */
static const struct hmx_ring_layout *ring_layout(const struct hmx_provider *p)
{
    if (p->flags & HMX_PROVIDER_V4V_OPENXT)
        return &hmx_ring_layout_v4v_openxt;
    if (p->flags & HMX_PROVIDER_V4V_UXEN)
        return &hmx_ring_layout_v4v_uxen;
    return NULL;
}

int hmx_provider_register_ring(struct hmx_provider *p, hmx_domid_t caller,
                               const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                               uint32_t npages, uint32_t flags)
{
    struct hmx_prov_domain *d;
    struct hmx_prov_ring *r;
    struct hmx_ring_writer w;
    struct hmx_addr src, dst;
    hmx_domid_t partner;
    uint32_t implicit = 0;
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

    partner = reg->partner;
    if (partner == HMX_DOMID_IMPLICIT) {
        /* The destination of our service at this port: the ring receives
         * its answers, and it never learns who it is unless allowed. */
        const struct hmx_implicit_entry *e = implicit_lookup(d, reg->port);

        if (e == NULL)
            return HMX_EADDRNOTAVAIL;
        partner = e->domain;
        implicit = HMX_PROV_RING_IMPLICIT;
        if (!(e->flags & HMX_IMPLICIT_VISIBLE))
            implicit |= HMX_PROV_RING_HIDDEN;
    }
    src.port = 0;
    src.domain = partner;
    src.pad = 0;
    dst.port = reg->port;
    dst.domain = caller;
    dst.pad = 0;
    if (partner == HMX_DOMID_ANY) {
        if (!(p->flags & HMX_PROVIDER_ALLOW_WILDCARD))
            return HMX_EPERM;
    } else if (partner == HMX_DOMID_UP) {
        return HMX_ENXIO; /* nothing arrives from above in this version */
    } else if (partner != HMX_DOMID_PROVIDER && find_domain(p, partner) == NULL) {
        return HMX_ESRCH;
    }
    rc = policy_check(p, HMX_POLICY_REGISTER, caller, &src, &dst);
    if (rc < 0)
        return rc;

    r = find_ring(p, caller, reg->port, partner);
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
    /* Adopts a valid tx_ptr from the memory, else restarts at rx_ptr.  In
     * a v4v layout the magic is read here, once: a wrong one refuses the
     * ring before anything of the old registration is touched. */
    rc = hmx_ring_writer_init_layout(&w, va, reg->len, ring_layout(p));
    if (rc < 0) {
        if (p->hooks.unmap_ring != NULL)
            p->hooks.unmap_ring(p->hooks.host, caller, va, npages);
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
        r->partner = partner;
        r->stats.len = reg->len;
        d->ring_count++;
    }
    r->implicit = implicit;
    r->va = va;
    r->npages = npages;
    r->w = w;
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
    if (unreg->partner == HMX_DOMID_IMPLICIT) {
        /* The ring registered for our implicit service at this port,
         * whatever the table says now. */
        uint32_t i;

        r = NULL;
        for (i = 0; i < p->nrings && r == NULL; i++)
            if (p->rings[i].in_use && p->rings[i].owner == caller &&
                p->rings[i].port == unreg->port && (p->rings[i].implicit & HMX_PROV_RING_IMPLICIT))
                r = &p->rings[i];
    } else {
        r = find_ring(p, caller, unreg->port, unreg->partner);
    }
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

/* Queue caller for space in r after a full ring; the send's answer. */
static int ring_full(struct hmx_prov_ring *r, hmx_domid_t caller, uint32_t total)
{
    int q;

    r->stats.eagain++;
    q = pending_requeue(r, caller, total);
    return q < 0 ? q : HMX_EAGAIN;
}

/* ---- the discovery service (spec/, section 18.3) --------------------- */

/* Gather exactly len bytes of caller's buffers into buf. */
static int gather(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_giov *iov,
                  uint32_t niov, void *buf, uint32_t len)
{
    uint64_t total = 0;
    uint32_t i, off = 0;
    int rc;

    for (i = 0; i < niov; i++) {
        if (iov[i].pad != 0)
            return HMX_EINVAL;
        total += iov[i].len;
    }
    if (total != len)
        return HMX_EINVAL;
    for (i = 0; i < niov; i++) {
        if (iov[i].len == 0)
            continue;
        rc = p->hooks.copy_from_guest(p->hooks.host, caller, (uint8_t *)buf + off, iov[i].gaddr,
                                      iov[i].len);
        if (rc != 0)
            return rc < 0 ? rc : HMX_EFAULT;
        off += iov[i].len;
    }
    return 0;
}

/* The entry that discovery lists for e, if the policy lets d reach it. */
static int disc_entry(struct hmx_provider *p, const struct hmx_prov_domain *d,
                      const struct hmx_implicit_entry *e, struct hmx_disc_entry *out)
{
    struct hmx_addr to;

    if (e->flags & HMX_IMPLICIT_DEFAULT)
        return 0; /* a route, not a service */
    implicit_target(e, e->service, &to);
    if (!policy_allows(p, d->id, &to))
        return 0;
    hmx_env_memset(out, 0, sizeof(*out));
    out->port = e->service;
    out->flags = HMX_DISC_IMPLICIT;
    if (e->service >= HMX_PORT_VIRTIO_FIRST && e->service <= HMX_PORT_VIRTIO_LAST) {
        out->service = e->service - HMX_PORT_VIRTIO_FIRST;
        out->flags |= HMX_DISC_VIRTIO;
    } else {
        out->service = e->service - HMX_PORT_WELL_KNOWN_FIRST;
    }
    if (e->flags & HMX_IMPLICIT_VISIBLE) {
        out->flags |= HMX_DISC_VISIBLE;
        out->domain = to.domain;
        out->dst_port = to.port;
    } else {
        out->domain = HMX_DOMID_IMPLICIT;
    }
    return 1;
}

static int discovery(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_send_addr *a,
                     const struct hmx_giov *iov, uint32_t niov, uint32_t message_type)
{
    struct {
        struct hmx_disc_reply h;
        struct hmx_disc_entry e[HMX_IMPLICIT_MAX];
    } ans;
    const struct hmx_prov_domain *d = find_domain(p, caller);
    const struct hmx_addr from = {HMX_PORT_DISCOVERY, HMX_DOMID_PROVIDER, 0};
    struct hmx_disc_entry ent;
    struct hmx_disc_req req;
    struct hmx_prov_ring *r;
    struct hmx_iov out;
    uint32_t i, fit, want, total = 0, count = 0, len;
    int rc;

    if (d == NULL)
        return HMX_ENODEV;
    if (a->dst.port != HMX_PORT_DISCOVERY)
        return HMX_ECONNREFUSED; /* the provider serves no other port */
    r = find_ring(p, caller, a->src.port, HMX_DOMID_PROVIDER);
    if (r == NULL)
        return HMX_ECONNREFUSED; /* nowhere to answer */
    if (message_type != HMX_DISC_MSG_TYPE)
        return HMX_EINVAL;
    rc = gather(p, caller, iov, niov, &req, sizeof(req));
    if (rc < 0)
        return rc;
    if (req.version != HMX_DISC_VERSION || req.reserved != 0)
        return HMX_EINVAL;
    if (req.op != HMX_DISC_OP_LIST)
        return HMX_EOPNOTSUPP;

    /* As many entries as asked for and as the ring's largest message holds. */
    if (HMX_RING_MAX_PAYLOAD(r->w.len) < sizeof(ans.h))
        return HMX_EMSGSIZE;
    fit = (HMX_RING_MAX_PAYLOAD(r->w.len) - (uint32_t)sizeof(ans.h)) / (uint32_t)sizeof(ent);
    want = req.max != 0 && req.max < fit ? req.max : fit;
    for (i = 0; i < d->nimplicit; i++) {
        if (!disc_entry(p, d, &d->implicit[i], &ent))
            continue;
        if (total >= req.first && count < want)
            ans.e[count++] = ent;
        total++;
    }
    hmx_env_memset(&ans.h, 0, sizeof(ans.h));
    ans.h.version = HMX_DISC_VERSION;
    ans.h.op = req.op;
    ans.h.total = (uint16_t)total;
    ans.h.count = (uint16_t)count;
    ans.h.cookie = req.cookie;
    ans.h.first = req.first;

    len = (uint32_t)(sizeof(ans.h) + count * sizeof(ent));
    out.base = &ans;
    out.len = len;
    rc = hmx_ring_write(&r->w, &from, HMX_DISC_MSG_TYPE, &out, 1);
    if (rc == HMX_EAGAIN)
        return ring_full(r, caller, len);
    if (rc < 0)
        return rc;
    r->stats.messages++;
    r->stats.bytes += (uint32_t)rc;
    signal_domain(p, caller, HMX_SIGNAL_RX);
    return (int)sizeof(req);
}

/* ---- send ---------------------------------------------------------------- */

int hmx_provider_sendv(struct hmx_provider *p, hmx_domid_t caller, const struct hmx_send_addr *addr,
                       const struct hmx_giov *iov, uint32_t niov, uint32_t message_type)
{
    struct hmx_send_addr a;
    struct hmx_addr shown;
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

    if (a.dst.domain == HMX_DOMID_IMPLICIT) {
        /* Resolve first: everything after sees the real destination. */
        const struct hmx_prov_domain *d = find_domain(p, caller);
        const struct hmx_implicit_entry *e;

        if (d == NULL)
            return HMX_ENODEV;
        e = implicit_lookup(d, a.dst.port);
        if (e == NULL)
            return HMX_EADDRNOTAVAIL;
        implicit_target(e, a.dst.port, &a.dst);
    }
    if (a.dst.domain == HMX_DOMID_UP) {
        if (p->hooks.send_up == NULL)
            return HMX_ENXIO; /* no level above this one */
        rc = policy_check(p, HMX_POLICY_SEND, caller, &a.src, &a.dst);
        if (rc < 0)
            return rc;
        if (find_domain(p, caller) == NULL)
            return HMX_ENODEV;
        return p->hooks.send_up(p->hooks.host, caller, &a, iov, niov, message_type);
    }
    if (a.dst.domain != HMX_DOMID_PROVIDER && find_domain(p, a.dst.domain) == NULL)
        return HMX_ESRCH;
    rc = policy_check(p, HMX_POLICY_SEND, caller, &a.src, &a.dst);
    if (rc < 0)
        return rc;
    if (a.dst.domain == HMX_DOMID_PROVIDER)
        return discovery(p, caller, &a, iov, niov, message_type);
    if (find_domain(p, caller) == NULL)
        return HMX_ENODEV;

    r = match_ring(p, a.dst.domain, a.dst.port, caller);
    if (r == NULL)
        return HMX_ECONNREFUSED;

    /* A ring registered for an implicit partner that may stay unknown
     * sees its messages come from the service's address. */
    shown = a.src;
    if ((r->implicit & HMX_PROV_RING_HIDDEN) && r->partner == caller) {
        shown.domain = HMX_DOMID_IMPLICIT;
        shown.port = r->port;
    }
    gc.p = p;
    gc.dom = caller;
    rc = hmx_ring_write_giov(&r->w, &shown, message_type, iov, niov, copy_guest, &gc);
    if (rc == HMX_EAGAIN) {
        uint32_t total = 0, i;

        for (i = 0; i < niov; i++)
            total += iov[i].len; /* bounded: write_giov validated the iovs */
        return ring_full(r, caller, total);
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
    struct hmx_addr src, dst = q->ring;
    uint32_t space, max;
    int rc;

    if (dst.domain == HMX_DOMID_IMPLICIT) {
        /* Answered for the destination the port resolves to; q->ring is
         * left as the caller wrote it, so the answer does not reveal it. */
        const struct hmx_prov_domain *d = find_domain(p, caller);
        const struct hmx_implicit_entry *e = d != NULL ? implicit_lookup(d, dst.port) : NULL;

        if (e == NULL) {
            q->flags = 0; /* no destination: no ring */
            return 0;
        }
        implicit_target(e, dst.port, &dst);
    }
    if (dst.domain != HMX_DOMID_PROVIDER && find_domain(p, dst.domain) == NULL) {
        q->flags = 0; /* no such domain (or the level above): the ring does not exist */
        return 0;
    }
    src.port = 0;
    src.domain = caller;
    src.pad = 0;
    /* Say nothing of rings the caller may not send to: as Xen, a denied
     * entry is left as the caller wrote it. */
    rc = policy_check(p, HMX_POLICY_QUERY, caller, &src, &dst);
    if (rc < 0)
        return rc;
    q->flags = 0;
    if (dst.domain == HMX_DOMID_PROVIDER) {
        /* The discovery service takes one request of fixed size. */
        if (dst.port != HMX_PORT_DISCOVERY)
            return 0;
        q->flags = HMX_RING_EXISTS | HMX_RING_EMPTY;
        q->max_message_size = (uint32_t)sizeof(struct hmx_disc_req);
        q->flags |= q->space_required <= q->max_message_size ? HMX_RING_SUFFICIENT
                                                              : HMX_RING_EMSGSIZE;
        return 0;
    }
    r = match_ring(p, dst.domain, dst.port, caller);
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
    return HMX_FEAT_FIREWALL | HMX_FEAT_IMPLICIT | HMX_FEAT_DISCOVERY | HMX_FEAT_BATCH |
           HMX_FEAT_ASYNC |
           ((p->flags & HMX_PROVIDER_VECTORS) ? HMX_FEAT_VECTOR : 0);
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
