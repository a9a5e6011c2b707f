/* SPDX-License-Identifier: MIT */
/*
 * libhmx: one Argo API for hypervisor-mediated data exchange, whatever the
 * hypervisor and whatever the call mechanism.
 *
 * A domain registers rings in its own memory; the hypervisor copies each
 * message a peer sends into the destination ring; no memory is shared
 * between domains.  This header is the guest-side API:
 *
 *   hmx_open        pick a backend (a call mechanism) and set up a context
 *   hmx_ring_register / hmx_ring_unregister
 *   hmx_sendv       send one message made of 1..8 buffers
 *   hmx_notify      ask about destination rings; wake senders waiting on ours
 *   hmx_recv        read the next message from one of our rings
 *   hmx_discover    ask the provider which services we may reach
 * (the privileged domain's management calls are in hmx/policy.h)
 *
 * Contexts and rings are caller-allocated; nothing allocates, and there is
 * no global state, so any number of contexts may coexist.  A context is not
 * locked: callers serialise calls on one context (rings may be read from
 * other threads, one reader per ring).
 *
 * Every function returns a non-negative value on success and a negative
 * HMX_E* code (hmx/errors.h) on failure.
 */
#ifndef HMX_HMX_H
#define HMX_HMX_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/env.h"
#include "hmx/errors.h"
#include "hmx/ring.h"
#include "hmx/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HMX_VERSION_MAJOR 0
#define HMX_VERSION_MINOR 1
#define HMX_VERSION_PATCH 0

/* Call mechanisms.  Values are stable; spec/ assigns them. */
enum hmx_mechanism {
    HMX_MECH_NONE = 0,
    HMX_MECH_INPROC = 1,         /* reference provider in this process */
    HMX_MECH_XEN_HYPERCALL = 2,  /* Xen argo_op, hypercall 39 */
    HMX_MECH_MSR = 3,            /* x86 agnostic MSR block */
    HMX_MECH_CPUID = 4,          /* x86 CPUID call interface */
    HMX_MECH_SMCCC = 5,          /* Arm SMCCC hvc/smc */
    HMX_MECH_V4V_OPENXT = 6,     /* OpenXT's v4v_op, hypercall 39 or 43 (hmx/v4v.h) */
    HMX_MECH_V4V_UXEN = 7,       /* uXen's v4v_op, hypercall 39 (hmx/v4v.h) */
    HMX_MECH_MOCK = 15           /* test doubles */
};

/* A set of mechanisms: bit n stands for enum hmx_mechanism n. */
#define HMX_MECH_BIT(m) (1u << (m))

/* Optional operations (hmx_ctx.features, the discovery block's features).
 * Bits not named here are reserved and ignored. */
#define HMX_FEAT_VECTOR (1ull << 0)    /* hmx_set_vector: native interrupt delivery */
#define HMX_FEAT_FIREWALL (1ull << 1)  /* the firewall and labels (hmx/policy.h) */
#define HMX_FEAT_IMPLICIT (1ull << 2)  /* HMX_DOMID_IMPLICIT and HMX_DOMID_UP destinations */
#define HMX_FEAT_DISCOVERY (1ull << 3) /* the discovery service (hmx_discover) */
#define HMX_FEAT_BATCH (1ull << 4)     /* HMX_OP_SENDV_BATCH (hmx/batch.h) */
#define HMX_FEAT_ASYNC (1ull << 5)     /* asynchronous send rings (hmx/batch.h) */

/* Bytes of backend-private storage inside a context. */
#define HMX_CTX_PRIV_SIZE 256u

struct hmx_backend_ops;

/* An open HMX context.  Allocate it anywhere; fields are private. */
typedef struct hmx_ctx {
    const struct hmx_backend_ops *ops;
    struct hmx_env env;
    uint64_t features; /* HMX_FEAT_* bits of optional operations offered */
    uint32_t magic;
    uint32_t reserved;
    union {
        uint64_t u64[HMX_CTX_PRIV_SIZE / 8];
        void *ptr;
    } priv;
} hmx_ctx;

struct hmx_open_args {
    const struct hmx_backend_ops *backend; /* required */
    const void *backend_config;            /* backend-specific, may be NULL */
    const struct hmx_env *env;             /* NULL: hmx_env_identity */
};

/*
 * hmx_open - open a context on one backend.
 * Returns: 0; HMX_EINVAL (NULL ctx/args/backend, a backend whose table is
 * incomplete or whose priv_size is too large, an env without virt_to_gpa or
 * with a page size that is not a power of two >= 4096); or the backend's
 * open error.  On failure ctx is left closed.
 */
int hmx_open(hmx_ctx *ctx, const struct hmx_open_args *args);

/* hmx_close - close a context; safe on a closed or zeroed context. */
void hmx_close(hmx_ctx *ctx);

/*
 * hmx_backend_name - the name of the context's backend.
 * Returns: a static string; "closed" for a context that is not open.
 */
const char *hmx_backend_name(const hmx_ctx *ctx);

/* ---- Rings ------------------------------------------------------------ */

/* A ring this domain owns and reads.  Fields are private; the struct needs
 * no initialisation before hmx_ring_register. */
#define HMX_RING_LIVE 0x52584d48u /* "HMXR" */
struct hmx_ring {
    struct hmx_ring_reader rd;
    void *mem;
    hmx_port_t port;
    hmx_domid_t partner;
    uint16_t reserved;
    uint32_t live; /* HMX_RING_LIVE while registered: a magic, not a flag,
                    * so that an uninitialised struct is never taken as one */
    uint32_t npages;
};

struct hmx_ring_config {
    /* Ring memory: 4 KiB aligned, in this domain, resident for the ring's
     * lifetime.  The ring's data length is hmx_ring_len_for(mem_size). */
    void *mem;
    size_t mem_size;
    hmx_port_t port;
    /* The one domain that may send; HMX_DOMID_ANY: any.  HMX_DOMID_IMPLICIT:
     * the destination of our implicit service at port (HMX_FEAT_IMPLICIT);
     * HMX_DOMID_PROVIDER: the provider's answers (HMX_FEAT_DISCOVERY). */
    hmx_domid_t partner;
    uint32_t flags;      /* HMX_REGISTER_FAIL_EXIST */
    /*
     * Where to build the frame list handed to the hypervisor: NULL to use
     * the ring's own data area (always large enough, and unused before the
     * ring is live), or an array of at least HMX_RING_NPAGES(len) entries.
     */
    hmx_gfn_t *gfn_scratch;
    uint32_t gfn_scratch_len;
};

/*
 * hmx_ring_register - initialise ring memory as an empty ring and register
 * it with the hypervisor, receiving on (this domain, port) from partner.
 * Returns: 0; HMX_EINVAL (NULL arguments, mem not 4 KiB aligned, mem_size
 * too small, unknown flag, scratch too short, ring already registered);
 * HMX_EOPNOTSUPP (a reserved partner whose feature the mechanism lacks);
 * HMX_EFAULT (an address the environment cannot translate); or the
 * backend's error (HMX_EEXIST, HMX_ESRCH, HMX_EPERM, HMX_EACCES,
 * HMX_ENOSPC, HMX_ENOMEM, HMX_EADDRNOTAVAIL, HMX_ENXIO).
 */
int hmx_ring_register(hmx_ctx *ctx, struct hmx_ring *ring, const struct hmx_ring_config *cfg);

/*
 * hmx_ring_unregister - stop receiving on the ring.  The memory may be
 * reused once this returns 0.
 * Returns: 0; HMX_EINVAL (not registered); HMX_ENOENT; HMX_ENODEV.
 */
int hmx_ring_unregister(hmx_ctx *ctx, struct hmx_ring *ring);

/* hmx_ring_size - the ring's data length in bytes (0 if not set up). */
uint32_t hmx_ring_size(const struct hmx_ring *ring);

/*
 * hmx_recv - copy the next message out of one of our rings.
 * Returns: as hmx_ring_recv (ring.h): payload bytes, HMX_EAGAIN when empty,
 * HMX_ENOBUFS (nothing consumed), HMX_ECORRUPT; HMX_EINVAL for a ring that
 * was never set up.  After consuming, call hmx_notify(ctx, NULL, 0) so
 * that senders waiting for space are woken.
 */
int hmx_recv(struct hmx_ring *ring, void *buf, size_t cap, struct hmx_msg_info *info);

/* ---- Sending and queries ------------------------------------------------ */

/*
 * hmx_sendv - send one message of niov (1..HMX_MAXIOV) buffers to dst,
 * from this domain's src_port.  dst->domain may be HMX_DOMID_IMPLICIT
 * (the service at well-known port dst->port, wherever the provider's table
 * for us says it is) or HMX_DOMID_UP (the next hypervisor level), with
 * HMX_FEAT_IMPLICIT; or HMX_DOMID_PROVIDER (hmx_discover), with
 * HMX_FEAT_DISCOVERY.
 * Returns: the payload byte count; HMX_EINVAL (NULL dst/iov, niov out of
 * range, dst->pad not zero, a NULL buffer with a non-zero length, a buffer
 * longer than HMX_MSG_MAX); HMX_EOPNOTSUPP (a reserved destination whose
 * feature the mechanism lacks); HMX_EMSGSIZE (total longer than
 * HMX_MSG_MAX or than the destination ring can hold); HMX_EAGAIN (the ring
 * is full now: a wake-up is queued and arrives when it has room);
 * HMX_ECONNREFUSED (no ring at dst for us); HMX_EADDRNOTAVAIL (no implicit
 * destination for the port); HMX_ENXIO (no next level); HMX_ESRCH;
 * HMX_EACCES; HMX_EPERM; HMX_EFAULT; HMX_EIO (the mechanism answered
 * with a count other than the payload's length: a broken or hostile
 * hypervisor, after which whether the message arrived is unknown).
 * A failed send writes nothing.
 */
int hmx_sendv(hmx_ctx *ctx, hmx_port_t src_port, const struct hmx_addr *dst,
              const struct hmx_iov *iov, unsigned niov, uint32_t message_type);

/* hmx_send - hmx_sendv with one buffer. */
int hmx_send(hmx_ctx *ctx, hmx_port_t src_port, const struct hmx_addr *dst, const void *buf,
             size_t len, uint32_t message_type);

/*
 * hmx_notify - first wake any sender waiting for space in this domain's
 * rings, then answer n (0..HMX_NOTIFY_MAX) ring queries in place: for each
 * q[i].ring and q[i].space_required, set q[i].flags (HMX_RING_*) and
 * q[i].max_message_size.  A query whose space does not fit now queues a
 * wake-up for when it does.  q may be NULL when n is 0.  A query about
 * (HMX_DOMID_IMPLICIT, port) is answered for the destination the port
 * resolves to, which the answer does not reveal.
 * Returns: 0; HMX_EINVAL (n too large, q NULL with n > 0, a non-zero pad);
 * HMX_EOPNOTSUPP (a reserved domain whose feature the mechanism lacks);
 * HMX_EACCES (a destination the policy does not let us send to).
 */
int hmx_notify(hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n);

/*
 * hmx_query - one query: does dst exist, does space_required fit now, what
 * is its largest message.  *out receives the answer.
 * Returns: as hmx_notify.
 */
int hmx_query(hmx_ctx *ctx, const struct hmx_addr *dst, uint32_t space_required,
              struct hmx_ring_query *out);

/* ---- Extensions -------------------------------------------------------- */

/*
 * hmx_features - the HMX_FEAT_* bits of the context's mechanism.
 * Returns: the bits; 0 for a closed context.
 */
uint64_t hmx_features(const hmx_ctx *ctx);

/*
 * hmx_set_vector - deliver this domain's HMX notifications as a native
 * interrupt: vector on CPU cpu (x86: an IDT vector, 32..255; Arm: an
 * interrupt ID).  One vector per CPU, shared by all the domain's rings;
 * vector 0 withdraws it.  Without a vector the hypervisor's own signal
 * (Xen: an event channel) is used.  flags must be 0.
 * Returns: 0; HMX_EOPNOTSUPP (the mechanism lacks HMX_FEAT_VECTOR);
 * HMX_EINVAL (cpu beyond HMX_VECTOR_CPUS, a vector out of range, flags).
 */
int hmx_set_vector(hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags);

/*
 * hmx_discover - ask the provider which services this domain may reach
 * (HMX_FEAT_DISCOVERY): the discovery protocol of spec/, section 18.3.
 * ring is one of ours, registered with partner HMX_DOMID_PROVIDER; the
 * request goes from its port and the answer lands in it (a provider
 * answers before the send returns).  out receives up to cap entries,
 * only services that the access policy lets us send to.
 * Returns: the number of such services (more than cap when out was too
 * short); HMX_EOPNOTSUPP (no HMX_FEAT_DISCOVERY); HMX_EINVAL (NULL ring,
 * a ring not registered with the provider as partner, out NULL with cap
 * > 0); HMX_EAGAIN (the ring was full: read it, notify, ask again);
 * HMX_ECORRUPT (a malformed answer); or the send's error.
 */
int hmx_discover(hmx_ctx *ctx, struct hmx_ring *ring, struct hmx_disc_entry *out, unsigned cap);

/* CPUs a domain may register vectors for. */
#define HMX_VECTOR_CPUS 8u
/* Largest vector number (x86 IDT vectors and Arm interrupt IDs fit). */
#define HMX_VECTOR_MAX 1019u

#ifdef __cplusplus
}
#endif

/* Batched and asynchronous send: many messages per trap. */
#include "hmx/batch.h"

#endif /* HMX_HMX_H */
