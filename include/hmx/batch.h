/* SPDX-License-Identifier: MIT */
/*
 * Many messages per trap: batched and asynchronous send (spec/, section 19).
 *
 * A trap costs microseconds; copying a small message costs nanoseconds.
 * These calls let one trap carry many messages:
 *
 *   hmx_sendv_batch   n messages, each with its own destination, buffers
 *                     and type, in one call (HMX_FEAT_BATCH: one trap per
 *                     call-page load; elsewhere one sendv per message)
 *   hmx_async_*       a submission ring and a completion ring in this
 *                     domain's memory (HMX_FEAT_ASYNC): queueing costs no
 *                     trap; the doorbell traps only when the provider is
 *                     idle, and the provider drains everything queued
 *
 * hmx/hmx.h includes this header; it also stands on its own.
 */
#ifndef HMX_BATCH_H
#define HMX_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/hmx.h"
#include "hmx/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Batched send ------------------------------------------------------ */

/* Largest n of one hmx_sendv_batch call (and of one HMX_OP_SENDV_BATCH). */
#define HMX_BATCH_MAX 256u

/* hmx_sendv_batch flags. */
#define HMX_BATCH_STOP 0x1u /* stop at the first message that fails */

/* One message of a batch: the arguments of one hmx_sendv. */
struct hmx_send_desc {
    const struct hmx_iov *iov; /* 1..HMX_MAXIOV buffers */
    unsigned niov;
    hmx_port_t src_port; /* ours */
    struct hmx_addr dst; /* as hmx_sendv's dst (reserved domains included) */
    uint32_t message_type;
};

/*
 * hmx_sendv_batch - send n (1..HMX_BATCH_MAX) messages, in order.
 * results[i] receives what hmx_sendv would have returned for d[i]: its
 * payload byte count or a negative HMX_E* code.  With HMX_BATCH_STOP the
 * batch ends at the first failure (that message included); without it,
 * every message is tried.  Messages are delivered in order, and a failed
 * one writes nothing.  With HMX_FEAT_BATCH the messages travel as one
 * descriptor array per trap (as many as the call page holds: 72 one-buffer
 * messages on the agnostic mechanisms); without it (Xen) each is one sendv.
 * Returns: the number of messages processed, k: results[0..k-1] are set,
 * the rest untouched (k < n: HMX_BATCH_STOP met a failure at k - 1, or a
 * later trap failed as a whole and the rest was not tried); HMX_EINVAL
 * (NULL ctx/d/results, n out of range, an unknown flag); or the error of
 * the first trap when it failed as a whole (HMX_EFAULT, HMX_EIO).
 */
int hmx_sendv_batch(hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n, uint32_t flags,
                    int32_t *results);

/* ---- Wire form of HMX_OP_SENDV_BATCH (spec/, section 19.1) -------------- */

/* One descriptor of the array the call names; 40 bytes, 8-aligned. */
struct hmx_batch_desc {
    struct hmx_send_addr addr; /* as sendv's: src.domain HMX_DOMID_ANY or the caller */
    uint64_t iov;              /* address of struct hmx_giov[niov] */
    uint32_t niov;             /* 0..HMX_MAXIOV */
    uint32_t message_type;
    int32_t result; /* out: payload bytes or -errno, written by the provider */
    uint32_t pad;   /* zero */
};

/* ---- Asynchronous send ------------------------------------------------- */

/* Submission and completion entries per region: a power of two. */
#define HMX_ASYNC_ENTRIES_MAX 256u

/* struct hmx_async_hdr.state, written by the provider. */
#define HMX_ASYNC_IDLE 0u     /* not draining: ring the doorbell */
#define HMX_ASYNC_DRAINING 1u /* draining: it will see what is queued */

/*
 * The region's header; the guest writes sq_prod and cq_cons, the provider
 * everything else.  Indices run freely (mod 2^32); the slot of index i is
 * i & (entries - 1).
 */
struct hmx_async_hdr {
    uint32_t sq_prod; /* guest: submissions queued */
    uint32_t sq_cons; /* provider: submissions taken */
    uint32_t cq_prod; /* provider: completions posted */
    uint32_t cq_cons; /* guest: completions consumed */
    uint32_t state;   /* provider: HMX_ASYNC_IDLE or HMX_ASYNC_DRAINING */
    uint32_t entries; /* provider: as registered */
    uint32_t reserved[10];
};

/* A submission: one sendv with its buffers named inline.  160 bytes. */
struct hmx_async_sqe {
    struct hmx_send_addr addr;
    uint64_t user_data; /* returned in the completion */
    uint32_t niov;      /* 0..HMX_MAXIOV */
    uint32_t message_type;
    struct hmx_giov iov[HMX_MAXIOV];
};

/* A completion.  16 bytes. */
struct hmx_async_cqe {
    uint64_t user_data;
    int32_t result; /* payload bytes or a negative HMX_E* code */
    uint32_t pad;
};

/* Region layout: the header, entries submissions, entries completions. */
#define HMX_ASYNC_HDR_SIZE 64u
#define HMX_ASYNC_SQ_OFF HMX_ASYNC_HDR_SIZE
#define HMX_ASYNC_CQ_OFF(entries) (HMX_ASYNC_HDR_SIZE + (uint64_t)(entries) * 160u)
#define HMX_ASYNC_SIZE(entries) (HMX_ASYNC_CQ_OFF(entries) + (uint64_t)(entries) * 16u)

/* A registered region, as the guest's library sees it.  Private fields. */
#define HMX_ASYNC_LIVE 0x41584d48u /* "HMXA" */
struct hmx_async {
    volatile struct hmx_async_hdr *hdr;
    struct hmx_async_sqe *sq;
    volatile struct hmx_async_cqe *cq;
    uint32_t entries;
    uint32_t sq_prod; /* our copy: never read back from shared memory */
    uint32_t cq_cons; /* ours */
    uint32_t live;
    uint64_t doorbells; /* doorbell traps taken */
    uint64_t queued;    /* submissions queued */
};

/*
 * hmx_async_setup - lay out mem (4 KiB aligned, HMX_ASYNC_SIZE(entries)
 * bytes or more, contiguous in the mechanism's address space, resident
 * until teardown) as an empty region and register it (one trap).
 * entries is a power of two, 1..HMX_ASYNC_ENTRIES_MAX.
 * Returns: 0; HMX_EOPNOTSUPP (no HMX_FEAT_ASYNC); HMX_EINVAL (NULL
 * arguments, alignment, size, entries, q already live); HMX_EFAULT (memory
 * the environment cannot translate, or not contiguous); HMX_EEXIST (this
 * domain has a region); or the backend's error.
 */
int hmx_async_setup(hmx_ctx *ctx, struct hmx_async *q, void *mem, size_t size, uint32_t entries);

/*
 * hmx_async_teardown - withdraw the region (one trap); completions not
 * reaped are lost and submissions not taken are dropped.
 * Returns: 0; HMX_EINVAL (q not live); or the backend's error.
 */
int hmx_async_teardown(hmx_ctx *ctx, struct hmx_async *q);

/*
 * hmx_async_queue - check d as hmx_sendv would and queue it.  No trap: the
 * provider sees it when it drains next (hmx_async_kick).
 * Returns: 0; HMX_EAGAIN (entries submissions are queued or not reaped:
 * reap first); HMX_EINVAL (q not live, d invalid as for hmx_sendv, or a
 * buffer too fragmented for HMX_MAXIOV segments); HMX_EMSGSIZE;
 * HMX_EOPNOTSUPP (a reserved destination without its feature);
 * HMX_EFAULT.
 */
int hmx_async_queue(hmx_ctx *ctx, struct hmx_async *q, const struct hmx_send_desc *d,
                    uint64_t user_data);

/*
 * hmx_async_kick - make sure the provider will take what is queued: ring
 * the doorbell (one trap) only if the provider is idle and something is
 * queued that it has not taken.
 * Returns: the number of doorbell traps taken (0 while the provider is
 * draining); HMX_EINVAL (q not live); HMX_ECORRUPT (the provider's indices
 * are impossible); or the doorbell's error.
 */
int hmx_async_kick(hmx_ctx *ctx, struct hmx_async *q);

/* hmx_async_submit - hmx_async_queue, then hmx_async_kick.  Returns 0 or
 * as those. */
int hmx_async_submit(hmx_ctx *ctx, struct hmx_async *q, const struct hmx_send_desc *d,
                     uint64_t user_data);

/*
 * hmx_async_reap - copy up to cap completions out, oldest first, and free
 * their slots.  Every value read from the region is checked: a provider
 * that claims more completions than were submitted makes this fail, and a
 * result outside the possible range reads as HMX_EIO.
 * Returns: the number copied; HMX_EINVAL (q not live, out NULL with cap >
 * 0); HMX_ECORRUPT.
 */
int hmx_async_reap(struct hmx_async *q, struct hmx_async_cqe *out, unsigned cap);

/* hmx_async_outstanding - submissions queued and not yet reaped. */
uint32_t hmx_async_outstanding(const struct hmx_async *q);

HMX__WIRE_ASSERT(sizeof(struct hmx_batch_desc) == 40, "batch descriptor is 40 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_batch_desc, iov) == 16, "batch.iov at 16");
HMX__WIRE_ASSERT(offsetof(struct hmx_batch_desc, niov) == 24, "batch.niov at 24");
HMX__WIRE_ASSERT(offsetof(struct hmx_batch_desc, message_type) == 28, "batch.type at 28");
HMX__WIRE_ASSERT(offsetof(struct hmx_batch_desc, result) == 32, "batch.result at 32");
HMX__WIRE_ASSERT(sizeof(struct hmx_async_hdr) == HMX_ASYNC_HDR_SIZE, "async header is 64 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_hdr, state) == 16, "async.state at 16");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_hdr, entries) == 20, "async.entries at 20");
HMX__WIRE_ASSERT(sizeof(struct hmx_async_sqe) == 160, "submission is 160 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_sqe, user_data) == 16, "sqe.user_data at 16");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_sqe, niov) == 24, "sqe.niov at 24");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_sqe, iov) == 32, "sqe.iov at 32");
HMX__WIRE_ASSERT(sizeof(struct hmx_async_cqe) == 16, "completion is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_async_cqe, result) == 8, "cqe.result at 8");

#ifdef __cplusplus
}
#endif

#endif /* HMX_BATCH_H */
