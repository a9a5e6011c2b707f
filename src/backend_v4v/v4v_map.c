/* SPDX-License-Identifier: MIT */
/*
 * What the v4v dialects and Argo disagree on besides structure layouts:
 * the wildcard domain, the notify flag bits and the error codes (spec/,
 * "v4v and Argo", tables "Flags" and "Errors").  Both directions live
 * here, so that the guest side and the provider side cannot drift apart.
 */
#include "hmx/v4v.h"
#include "hmx/errors.h"

/* Xen errnos v4v uses that HMX has no code of its own for. */
#define XEN_ENOTCONN 107

const struct hmx_ring_layout *hmx_v4v_layout(uint32_t dialect)
{
    switch (dialect) {
    case HMX_V4V_OPENXT:
        return &hmx_ring_layout_v4v_openxt;
    case HMX_V4V_UXEN:
        return &hmx_ring_layout_v4v_uxen;
    default:
        return NULL;
    }
}

static int is_send(uint32_t op)
{
    return op == HMX_V4V_OP_SEND || op == HMX_V4V_OP_SENDV;
}

int hmx_v4v_err(uint32_t dialect, uint32_t op, int e)
{
    if (dialect != HMX_V4V_OPENXT && dialect != HMX_V4V_UXEN)
        return HMX_EIO;
    switch (e) {
    case XEN_ENOTCONN:
        /* OpenXT: no such domain, no v4v, no ring, or viptables said no
         * to a send; the API names all of them "nobody listens there". */
        return dialect == HMX_V4V_OPENXT ? HMX_ECONNREFUSED : HMX_EIO;
    case 105: /* ENOBUFS */
        /* OpenXT's "larger than the ring" on a send; HMX's ENOBUFS means
         * the caller's receive buffer. */
        return dialect == HMX_V4V_OPENXT && is_send(op) ? HMX_EMSGSIZE : HMX_EIO;
    case 2: /* ENOENT */
        /* uXen refuses a reserved destination id with ENOENT; on
         * unregister it is "no such ring", as in Argo. */
        return is_send(op) ? HMX_ESRCH : HMX_ENOENT;
    default:
        return hmx_err_from_xen(e);
    }
}

int hmx_v4v_err_to_dialect(uint32_t dialect, uint32_t op, int rc)
{
    const int openxt = dialect == HMX_V4V_OPENXT;

    switch (rc) {
    case HMX_ECONNREFUSED:
    case HMX_ESRCH:
        return openxt ? XEN_ENOTCONN : 111; /* ECONNREFUSED */
    case HMX_EMSGSIZE:
        return openxt ? 105 : 90; /* ENOBUFS : EMSGSIZE */
    case HMX_EACCES:
        /* viptables (OpenXT) and XSM refuse with EPERM or ENOTCONN, never
         * EACCES. */
        return openxt && op == HMX_V4V_OP_SEND ? XEN_ENOTCONN : 1;
    case HMX_EOPNOTSUPP:
        return 38; /* ENOSYS: v4v's answer to what it does not do */
    case HMX_EEXIST:
    case HMX_EINVAL:
    case HMX_EPERM:
    case HMX_ENOENT:
    case HMX_EAGAIN:
    case HMX_ENOMEM:
    case HMX_EFAULT:
    case HMX_ENODEV:
    case HMX_EBUSY:
        return -rc;
    case HMX_ENOSPC:
        return 12; /* no per-domain ring limit in v4v: call it ENOMEM */
    default:
        return 5; /* EIO */
    }
}

uint16_t hmx_v4v_flags_to_hmx(uint16_t f)
{
    uint16_t h = 0;

    if (f & HMX_V4V_RING_EMPTY)
        h |= HMX_RING_EMPTY;
    if (f & HMX_V4V_RING_EXISTS)
        h |= HMX_RING_EXISTS;
    if (f & HMX_V4V_RING_SUFFICIENT)
        h |= HMX_RING_SUFFICIENT;
    return h;
}

uint16_t hmx_v4v_flags_from_hmx(uint16_t h)
{
    uint16_t f = 0;

    if (h & HMX_RING_EMPTY)
        f |= HMX_V4V_RING_EMPTY;
    if (h & HMX_RING_EXISTS)
        f |= HMX_V4V_RING_EXISTS;
    if (h & HMX_RING_SUFFICIENT)
        f |= HMX_V4V_RING_SUFFICIENT;
    return f;
}

uint16_t hmx_v4v_domid_to_hmx(uint16_t d)
{
    return d == HMX_V4V_DOMID_ANY ? HMX_DOMID_ANY : d;
}

uint16_t hmx_v4v_domid_from_hmx(uint16_t d)
{
    return d == HMX_DOMID_ANY ? HMX_V4V_DOMID_ANY : d;
}
