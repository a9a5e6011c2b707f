/* SPDX-License-Identifier: MIT */
/*
 * The backend interface: how one call mechanism (in-process, Xen hypercall,
 * MSR block, CPUID calls, SMCCC, a test mock) carries the HMX operations.
 *
 * A backend is one `const struct hmx_backend_ops` with designated
 * initializers.  hmx_open() picks one; every API call goes through it after
 * the library has validated the caller's arguments, so a backend receives
 * only well-formed requests (NULL pointers checked, niov <= HMX_MAXIOV,
 * pads zero, lengths within HMX_MSG_MAX) and concentrates on marshalling.
 *
 * Return convention for every member: 0 (or a byte count where stated) on
 * success, a negative HMX_E* code on failure.  A backend translates its
 * mechanism's own error encoding before returning.
 */
#ifndef HMX_BACKEND_H
#define HMX_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/hmx.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hmx_backend_ops {
    /* Short name for logs and `hmx probe` ("inproc", "xen-hypercall"). Required. */
    const char *name;

    /* enum hmx_mechanism value this backend implements. Required. */
    uint32_t mechanism;

    /* Bytes of hmx_ctx private storage the backend uses; the library
     * refuses to open a backend whose priv_size exceeds HMX_CTX_PRIV_SIZE. */
    size_t priv_size;

    /*
     * open - set up ctx's private storage from the backend's config.
     * Optional (NULL: nothing to set up).  Sets ctx->features.
     * Returns 0, HMX_EINVAL for a bad config, or the mechanism's error
     * (HMX_ENOSYS/HMX_ENODEV when HMX is absent).
     */
    int (*open)(struct hmx_ctx *ctx, const void *config);

    /* close - release what open took. Optional. */
    void (*close)(struct hmx_ctx *ctx);

    /*
     * register_ring - Xen's XEN_ARGO_OP_register_ring.
     * reg->len is valid, npages == HMX_RING_NPAGES(reg->len), gfns holds
     * npages 4 KiB frame numbers, flags has no unknown bit. Required
     * unless register_ring_mem is set.
     * Returns 0 or: HMX_EINVAL, HMX_EEXIST, HMX_ESRCH, HMX_EPERM,
     * HMX_EACCES, HMX_ENOSPC, HMX_ENOMEM, HMX_EFAULT, HMX_ENODEV.
     */
    int (*register_ring)(struct hmx_ctx *ctx, const struct hmx_ring_reg *reg,
                         const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags);

    /*
     * unregister_ring - XEN_ARGO_OP_unregister_ring. Required unless
     * unregister_ring_mem is set.
     * Returns 0, HMX_ENOENT or HMX_ENODEV.
     */
    int (*unregister_ring)(struct hmx_ctx *ctx, const struct hmx_ring_unreg *unreg);

    /*
     * sendv - XEN_ARGO_OP_sendv: one message from 1..HMX_MAXIOV buffers of
     * this domain.  Required.
     * Returns the payload byte count, or: HMX_EAGAIN (ring full; a wake-up
     * is queued), HMX_EMSGSIZE, HMX_ECONNREFUSED, HMX_ESRCH, HMX_EPERM,
     * HMX_EACCES, HMX_EINVAL, HMX_EFAULT, HMX_ENODEV.
     */
    int (*sendv)(struct hmx_ctx *ctx, const struct hmx_send_addr *addr, const struct hmx_iov *iov,
                 unsigned niov, uint32_t message_type);

    /*
     * notify - XEN_ARGO_OP_notify: wake senders waiting for space in this
     * domain's rings, then answer n queries (n may be 0, q then NULL).
     * n <= HMX_NOTIFY_MAX.  Required.
     * Returns 0, or HMX_EACCES (a queried destination is denied by policy),
     * HMX_EFAULT, HMX_ENODEV.
     */
    int (*notify)(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n);

    /*
     * Optional extensions.  A backend leaves the ones its mechanism lacks
     * NULL and does not set their HMX_FEAT_* bit; the library then answers
     * HMX_EOPNOTSUPP without calling.  Later extensions are appended
     * here.
     */

    /*
     * set_vector - HMX_OP_SET_VECTOR (HMX_FEAT_VECTOR): cpu <
     * HMX_VECTOR_CPUS, vector <= HMX_VECTOR_MAX, flags 0.
     * Returns 0, HMX_EINVAL, HMX_EOPNOTSUPP, HMX_ENODEV.
     */
    int (*set_vector)(struct hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags);

    /*
     * Policy management (HMX_FEAT_FIREWALL): HMX_OP_FW_SET, FW_LIST,
     * FW_ADD, FW_DEL and SET_LABEL.  The library has checked every rule
     * (hmx_fw_rule_check) and label, n <= HMX_FW_RULES_MAX, flags.
     * Returns 0 (fw_list: the number of rules in the table), or:
     * HMX_EPERM (not the privileged domain), HMX_EINVAL, HMX_ENOSPC,
     * HMX_ENOENT, HMX_ESRCH, HMX_EFAULT, HMX_EOPNOTSUPP, HMX_ENODEV.
     */
    int (*fw_set)(struct hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n,
                  uint32_t flags);
    int (*fw_list)(struct hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap, uint32_t first);
    int (*fw_add)(struct hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos);
    int (*fw_del)(struct hmx_ctx *ctx, uint32_t index);
    int (*set_label)(struct hmx_ctx *ctx, hmx_domid_t dom, const char label[HMX_LABEL_SIZE]);

    /*
     * Implicit destinations (HMX_FEAT_IMPLICIT): HMX_OP_IMPLICIT_SET and
     * IMPLICIT_LIST for domain dom.  n, cap <= HMX_IMPLICIT_MAX.
     * Returns 0 (implicit_list: the number of entries), or HMX_EPERM,
     * HMX_EINVAL, HMX_ESRCH, HMX_EFAULT, HMX_EOPNOTSUPP, HMX_ENODEV.
     */
    int (*implicit_set)(struct hmx_ctx *ctx, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                        uint32_t n);
    int (*implicit_list)(struct hmx_ctx *ctx, hmx_domid_t dom, struct hmx_implicit_entry *out,
                         uint32_t cap);

    /*
     * v4v (hmx/v4v.h): the ring header layout this mechanism's hypervisor
     * reads and writes; NULL: Argo's.  hmx_ring_register lays the ring out
     * in it before registering.
     */
    const struct hmx_ring_layout *ring_layout;

    /*
     * register_ring_mem / unregister_ring_mem - register_ring and
     * unregister_ring for hypervisors that read the ring header through its
     * address (v4v).  mem is the ring memory, laid out in ring_layout with
     * rx_ptr = tx_ptr = 0; its data area is the backend's to use until
     * register_ring_mem returns.  When set they are called instead of
     * register_ring / unregister_ring, which may then be NULL.
     * Returns: as register_ring / unregister_ring.
     */
    int (*register_ring_mem)(struct hmx_ctx *ctx, void *mem, const struct hmx_ring_reg *reg,
                             const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags);
    int (*unregister_ring_mem)(struct hmx_ctx *ctx, void *mem,
                               const struct hmx_ring_unreg *unreg);

    /*
     * sendv_batch - HMX_OP_SENDV_BATCH (HMX_FEAT_BATCH): n messages, in
     * order.  The library has checked every descriptor as hmx_sendv checks
     * its arguments, 1 <= n <= HMX_BATCH_MAX, and flags (HMX_BATCH_STOP).
     * NULL: the library sends one sendv per message instead.
     * Returns the number of descriptors processed, k (results[0..k-1] set
     * to each message's byte count or HMX_E* code; k < n only when
     * HMX_BATCH_STOP met a failure at k - 1, or when a later trap failed as
     * a whole), or the first trap's own failure: HMX_EINVAL, HMX_EFAULT,
     * HMX_EIO, HMX_ENODEV.
     */
    int (*sendv_batch)(struct hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n,
                       uint32_t flags, int32_t *results);

    /*
     * async_setup - HMX_OP_ASYNC_SETUP (HMX_FEAT_ASYNC): register the
     * region at gaddr (the mechanism's address space, 4 KiB aligned and
     * contiguous, HMX_ASYNC_SIZE(entries) bytes) or, with gaddr and entries
     * 0, withdraw it.  entries is a power of two <= HMX_ASYNC_ENTRIES_MAX.
     * Returns 0, HMX_EINVAL, HMX_EEXIST, HMX_ENOENT, HMX_EFAULT,
     * HMX_ENODEV.
     */
    int (*async_setup)(struct hmx_ctx *ctx, uint64_t gaddr, uint32_t entries);

    /*
     * async_doorbell - HMX_OP_ASYNC_DOORBELL (HMX_FEAT_ASYNC): the provider
     * drains the caller's submission ring.
     * Returns the number of submissions taken, or HMX_ENOENT (no region),
     * HMX_EINVAL (impossible indices in the region), HMX_EFAULT,
     * HMX_ENODEV.
     */
    int (*async_doorbell)(struct hmx_ctx *ctx);
};

#ifdef __cplusplus
}
#endif

#endif /* HMX_BACKEND_H */
