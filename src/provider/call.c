/* SPDX-License-Identifier: MIT */
/*
 * hmx_provider_call: decode an HMX call whose arguments point into guest
 * memory, for hosts serving the agnostic mechanisms.  The argument checks
 * mirror Xen's do_argo_op, so the same call fails the same way on both.
 */
#include "hmx/mech.h"
#include "hmx/provider.h"
#include "hmx_env.h"
#include "prov_internal.h"

static int read_guest(struct hmx_provider *p, hmx_domid_t dom, void *dst, uint64_t gaddr,
                      uint32_t len)
{
    int rc = p->hooks.copy_from_guest(p->hooks.host, dom, dst, gaddr, len);

    return rc == 0 ? 0 : HMX_EFAULT;
}

static int call_register(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4],
                         hmx_gfn_t *scratch, uint32_t scratch_len)
{
    struct hmx_ring_reg reg;
    int rc;

    if (a[2] > HMX_RING_NPAGES(HMX_RING_MAX_LEN) || a[3] > UINT32_MAX)
        return HMX_EINVAL;
    if (a[2] > scratch_len || scratch == NULL)
        return HMX_EINVAL;
    rc = read_guest(p, caller, &reg, a[0], sizeof(reg));
    if (rc == 0 && a[2] > 0)
        rc = read_guest(p, caller, scratch, a[1], (uint32_t)a[2] * (uint32_t)sizeof(hmx_gfn_t));
    if (rc < 0)
        return rc;
    return hmx_provider_register_ring(p, caller, &reg, scratch, (uint32_t)a[2], (uint32_t)a[3]);
}

static int call_unregister(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_ring_unreg unreg;
    int rc;

    if (a[1] != 0 || a[2] != 0 || a[3] != 0)
        return HMX_EINVAL;
    rc = read_guest(p, caller, &unreg, a[0], sizeof(unreg));
    return rc < 0 ? rc : hmx_provider_unregister_ring(p, caller, &unreg);
}

static int call_sendv(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_send_addr addr;
    struct hmx_giov iov[HMX_MAXIOV];
    int rc;

    rc = read_guest(p, caller, &addr, a[0], sizeof(addr));
    if (rc < 0)
        return rc;
    if (a[2] > HMX_MAXIOV || a[3] > UINT32_MAX)
        return HMX_EINVAL;
    if (a[2] > 0) {
        rc = read_guest(p, caller, iov, a[1], (uint32_t)a[2] * (uint32_t)sizeof(iov[0]));
        if (rc < 0)
            return rc;
    }
    return hmx_provider_sendv(p, caller, &addr, iov, (uint32_t)a[2], (uint32_t)a[3]);
}

static int call_notify(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_ring_data_hdr hdr;
    struct hmx_ring_query q;
    uint64_t ent;
    uint32_t i;
    int rc;

    if (a[1] != 0 || a[2] != 0 || a[3] != 0)
        return HMX_EINVAL;
    /* As Xen: caller checked and waiters woken before the list is read. */
    rc = hmx_provider_notify(p, caller, NULL, 0);
    if (rc < 0 || a[0] == 0)
        return rc;
    rc = read_guest(p, caller, &hdr, a[0], sizeof(hdr));
    if (rc < 0)
        return rc;
    if (hdr.nent > HMX_NOTIFY_MAX)
        return HMX_EACCES; /* Xen's answer to an over-long list */
    if (hdr.nent > 0 && p->hooks.copy_to_guest == NULL)
        return HMX_EFAULT;
    /* Entry by entry, each answer written back before the next is read:
     * a failure part-way leaves the earlier answers in place, as Xen. */
    ent = a[0] + sizeof(hdr);
    for (i = 0; i < hdr.nent; i++, ent += sizeof(q)) {
        rc = read_guest(p, caller, &q, ent, sizeof(q));
        if (rc < 0)
            return rc;
        rc = hmx_provider_query(p, caller, &q);
        if (rc < 0)
            return rc;
        /* Xen writes back only flags and max_message_size. */
        if (p->hooks.copy_to_guest(p->hooks.host, caller, ent + 8, &q.flags, 2) != 0 ||
            p->hooks.copy_to_guest(p->hooks.host, caller, ent + 16, &q.max_message_size, 4) != 0)
            return HMX_EFAULT;
    }
    return 0;
}

static int write_guest(struct hmx_provider *p, hmx_domid_t dom, uint64_t gaddr, const void *src,
                       uint32_t len)
{
    if (p->hooks.copy_to_guest == NULL)
        return HMX_EFAULT;
    return p->hooks.copy_to_guest(p->hooks.host, dom, gaddr, src, len) == 0 ? 0 : HMX_EFAULT;
}

/* ---- policy and addressing: the privileged domain's operations ---------- */

struct guest_rules {
    struct hmx_provider *p;
    hmx_domid_t caller;
    uint64_t gaddr;
};

static int read_rule(void *arg, uint32_t i, struct hmx_fw_rule *out)
{
    const struct guest_rules *g = arg;

    return read_guest(g->p, g->caller, out, g->gaddr + (uint64_t)i * sizeof(*out),
                      (uint32_t)sizeof(*out));
}

static int call_fw_set(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct guest_rules g;

    if (a[1] > UINT32_MAX || a[2] > UINT32_MAX || a[3] != 0)
        return HMX_EINVAL;
    g.p = p;
    g.caller = caller;
    g.gaddr = a[0];
    /* Privilege and the count are checked before the first rule is read,
     * and each rule is read once, into the table not yet in use. */
    return hmx__prov_fw_replace(p, caller, (uint32_t)a[1], (uint32_t)a[2], read_rule, &g);
}

static int call_fw_list(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_fw_rule r;
    uint32_t cap, first, i;
    int total, rc;

    if (a[1] > UINT32_MAX || a[2] > UINT32_MAX || a[3] != 0)
        return HMX_EINVAL;
    cap = (uint32_t)a[1];
    first = (uint32_t)a[2];
    total = hmx_provider_fw_list(p, caller, NULL, 0, 0);
    if (total < 0)
        return total;
    for (i = 0; i < cap && first < (uint32_t)total && i < (uint32_t)total - first; i++) {
        rc = hmx_provider_fw_list(p, caller, &r, 1, first + i);
        if (rc < 0)
            return rc;
        rc = write_guest(p, caller, a[0] + (uint64_t)i * sizeof(r), &r, (uint32_t)sizeof(r));
        if (rc < 0)
            return rc;
    }
    return total;
}

static int call_fw_add(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_fw_rule r;
    int rc;

    if (a[1] > UINT32_MAX || a[2] != 0 || a[3] != 0)
        return HMX_EINVAL;
    rc = hmx__prov_may_manage(p, caller);
    if (rc == 0)
        rc = read_guest(p, caller, &r, a[0], (uint32_t)sizeof(r));
    return rc < 0 ? rc : hmx_provider_fw_add(p, caller, &r, (uint32_t)a[1]);
}

static int call_set_label(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    char label[HMX_LABEL_SIZE + 1];
    unsigned i, n;
    int rc;

    if (a[0] > 0xFFFFu || a[2] != 0 || a[3] != 0)
        return HMX_EINVAL;
    rc = hmx__prov_may_manage(p, caller);
    if (rc == 0)
        rc = read_guest(p, caller, label, a[1], HMX_LABEL_SIZE);
    if (rc < 0)
        return rc;
    label[HMX_LABEL_SIZE] = '\0';
    /* The wire form is NUL-padded: bytes after the first NUL must be NUL. */
    for (n = 0; n < HMX_LABEL_SIZE && label[n] != '\0'; n++)
        ;
    for (i = n; i < HMX_LABEL_SIZE; i++)
        if (label[i] != '\0')
            return HMX_EINVAL;
    return hmx_provider_set_label(p, caller, (hmx_domid_t)a[0], label);
}

static int call_implicit_set(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_implicit_entry e[HMX_IMPLICIT_MAX];
    int rc;

    if (a[0] > 0xFFFFu || a[2] > UINT32_MAX || a[3] != 0)
        return HMX_EINVAL;
    rc = hmx__prov_may_manage(p, caller);
    if (rc < 0)
        return rc;
    if (a[2] > HMX_IMPLICIT_MAX)
        return HMX_EINVAL;
    if (a[2] > 0) {
        rc = read_guest(p, caller, e, a[1], (uint32_t)a[2] * (uint32_t)sizeof(e[0]));
        if (rc < 0)
            return rc;
    }
    return hmx_provider_implicit_set(p, caller, (hmx_domid_t)a[0], e, (uint32_t)a[2]);
}

static int call_implicit_list(struct hmx_provider *p, hmx_domid_t caller, const uint64_t a[4])
{
    struct hmx_implicit_entry e[HMX_IMPLICIT_MAX];
    uint32_t k;
    int n, rc;

    if (a[0] > 0xFFFFu || a[2] > UINT32_MAX || a[3] != 0)
        return HMX_EINVAL;
    n = hmx_provider_implicit_list(p, caller, (hmx_domid_t)a[0], e, HMX_IMPLICIT_MAX);
    if (n < 0)
        return n;
    k = (uint32_t)n < a[2] ? (uint32_t)n : (uint32_t)a[2];
    if (k > 0) {
        rc = write_guest(p, caller, a[1], e, k * (uint32_t)sizeof(e[0]));
        if (rc < 0)
            return rc;
    }
    return n;
}

int hmx_provider_call(struct hmx_provider *p, hmx_domid_t caller, uint32_t op, const uint64_t a[4],
                      hmx_gfn_t *gfn_scratch, uint32_t gfn_scratch_len)
{
    if (p == NULL || a == NULL)
        return HMX_EINVAL;
    switch (op) {
    case HMX_OP_REGISTER_RING:
        return call_register(p, caller, a, gfn_scratch, gfn_scratch_len);
    case HMX_OP_UNREGISTER_RING:
        return call_unregister(p, caller, a);
    case HMX_OP_SENDV:
        return call_sendv(p, caller, a);
    case HMX_OP_NOTIFY:
        return call_notify(p, caller, a);
    case HMX_OP_SET_VECTOR:
        if (a[0] > UINT32_MAX || a[1] > UINT32_MAX || a[2] > UINT32_MAX || a[3] != 0)
            return HMX_EINVAL;
        return hmx_provider_set_vector(p, caller, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
    case HMX_OP_FW_SET:
        return call_fw_set(p, caller, a);
    case HMX_OP_FW_LIST:
        return call_fw_list(p, caller, a);
    case HMX_OP_FW_ADD:
        return call_fw_add(p, caller, a);
    case HMX_OP_FW_DEL:
        if (a[0] > UINT32_MAX || a[1] != 0 || a[2] != 0 || a[3] != 0)
            return HMX_EINVAL;
        return hmx_provider_fw_del(p, caller, (uint32_t)a[0]);
    case HMX_OP_SET_LABEL:
        return call_set_label(p, caller, a);
    case HMX_OP_IMPLICIT_SET:
        return call_implicit_set(p, caller, a);
    case HMX_OP_IMPLICIT_LIST:
        return call_implicit_list(p, caller, a);
    case HMX_OP_SENDV_BATCH:
        if (a[1] > UINT32_MAX || a[2] > UINT32_MAX || a[3] != 0)
            return HMX_EINVAL;
        return hmx_provider_sendv_batch(p, caller, a[0], (uint32_t)a[1], (uint32_t)a[2]);
    case HMX_OP_ASYNC_SETUP:
        if (a[1] > UINT32_MAX || a[2] > UINT32_MAX || a[3] != 0)
            return HMX_EINVAL;
        return hmx_provider_async_setup(p, caller, a[0], (uint32_t)a[1], (uint32_t)a[2]);
    case HMX_OP_ASYNC_DOORBELL:
        if (a[0] != 0 || a[1] != 0 || a[2] != 0 || a[3] != 0)
            return HMX_EINVAL;
        return hmx_provider_async_doorbell(p, caller);
    default:
        return HMX_EOPNOTSUPP;
    }
}
