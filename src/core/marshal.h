/* SPDX-License-Identifier: MIT */
/*
 * Marshalling of the HMX operations into the five-word HMX call, shared
 * by every trapping backend (Xen hypercall, MSR, CPUID, SMCCC).
 *
 * A backend supplies a staging area the hypervisor can read, the address
 * the hypervisor knows that area by, whether addresses it passes are
 * virtual (Xen) or guest-physical (the agnostic mechanisms), and its trap.
 * Everything else - where each structure goes, how buffers are named, how
 * long query lists are split - is decided here once.
 */
#ifndef HMX_CORE_MARSHAL_H
#define HMX_CORE_MARSHAL_H

#include "hmx/hmx.h"
#include "hmx/mech.h"

/* One trap: op and a[0..3]; returns the decoded result or HMX_E*. */
typedef int (*hmx_trap_fn)(void *trap_ctx, uint32_t op, const uint64_t a[4]);

struct hmx_marshal {
    const struct hmx_env *env; /* address translation (physical mode) */
    int physical;              /* 1: addresses are guest-physical */
    uint8_t *area;             /* staging memory, 16-byte aligned */
    uint64_t area_addr;        /* the area's address as the hypervisor sees it */
    uint32_t area_size;        /* >= HMX_MARSHAL_AREA_MIN */
    hmx_trap_fn trap;
    void *trap_ctx;
};

/* Smallest staging area: a send (16 + 8 iovs) or a few queries. */
#define HMX_MARSHAL_AREA_MIN 256u

/* Translate a virtual address into the mechanism's address space. */
int hmx_marshal_addr(const struct hmx_marshal *m, const void *va, uint64_t *out);

/*
 * Name the buffer [va, va + len) as segments appended to seg[*nseg] (at
 * most max in all): one per physically contiguous run in physical mode.
 * Returns 0, HMX_EINVAL (more segments than max) or the translation's error.
 */
int hmx_marshal_name(const struct hmx_marshal *m, const void *va, uint32_t len,
                     struct hmx_giov *seg, unsigned *nseg, unsigned max);

int hmx_marshal_register(const struct hmx_marshal *m, const struct hmx_ring_reg *reg,
                         const hmx_gfn_t *gfns, uint32_t npages, uint32_t flags);
int hmx_marshal_unregister(const struct hmx_marshal *m, const struct hmx_ring_unreg *unreg);
int hmx_marshal_sendv(const struct hmx_marshal *m, const struct hmx_send_addr *addr,
                      const struct hmx_iov *iov, unsigned niov, uint32_t message_type);
int hmx_marshal_notify(const struct hmx_marshal *m, struct hmx_ring_query *q, unsigned n);
int hmx_marshal_set_vector(const struct hmx_marshal *m, uint32_t cpu, uint32_t vector,
                           uint32_t flags);
int hmx_marshal_fw_set(const struct hmx_marshal *m, const struct hmx_fw_rule *rules, uint32_t n,
                       uint32_t flags);
int hmx_marshal_fw_list(const struct hmx_marshal *m, struct hmx_fw_rule *out, uint32_t cap,
                        uint32_t first);
int hmx_marshal_fw_add(const struct hmx_marshal *m, const struct hmx_fw_rule *rule, uint32_t pos);
int hmx_marshal_fw_del(const struct hmx_marshal *m, uint32_t index);
int hmx_marshal_set_label(const struct hmx_marshal *m, hmx_domid_t dom,
                          const char label[HMX_LABEL_SIZE]);
int hmx_marshal_implicit_set(const struct hmx_marshal *m, hmx_domid_t dom,
                             const struct hmx_implicit_entry *e, uint32_t n);
int hmx_marshal_implicit_list(const struct hmx_marshal *m, hmx_domid_t dom,
                              struct hmx_implicit_entry *out, uint32_t cap);

/*
 * Backends built on this marshalling begin their private state (ctx->priv)
 * with a struct hmx_marshal_backend and use the hmx_mb_* functions as their
 * four operations: each call sets up a struct hmx_marshal through setup()
 * and marshals.  stack_area (HMX_MARSHAL_STACK_AREA bytes, on the caller's
 * stack) serves backends whose hypervisor reads virtual addresses.
 */
struct hmx_marshal_backend {
    void (*setup)(struct hmx_ctx *ctx, struct hmx_marshal *m, uint8_t *stack_area);
};

#define HMX_MARSHAL_STACK_AREA 512u

int hmx_mb_register(struct hmx_ctx *ctx, const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                    uint32_t npages, uint32_t flags);
int hmx_mb_unregister(struct hmx_ctx *ctx, const struct hmx_ring_unreg *unreg);
int hmx_mb_sendv(struct hmx_ctx *ctx, const struct hmx_send_addr *addr, const struct hmx_iov *iov,
                 unsigned niov, uint32_t message_type);
int hmx_mb_notify(struct hmx_ctx *ctx, struct hmx_ring_query *q, unsigned n);
int hmx_mb_set_vector(struct hmx_ctx *ctx, uint32_t cpu, uint32_t vector, uint32_t flags);
int hmx_mb_fw_set(struct hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n,
                  uint32_t flags);
int hmx_mb_fw_list(struct hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap, uint32_t first);
int hmx_mb_fw_add(struct hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos);
int hmx_mb_fw_del(struct hmx_ctx *ctx, uint32_t index);
int hmx_mb_set_label(struct hmx_ctx *ctx, hmx_domid_t dom, const char label[HMX_LABEL_SIZE]);
int hmx_mb_implicit_set(struct hmx_ctx *ctx, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                        uint32_t n);
int hmx_mb_implicit_list(struct hmx_ctx *ctx, hmx_domid_t dom, struct hmx_implicit_entry *out,
                         uint32_t cap);

/* Many messages per trap (src/core/batch_marshal.c). */
int hmx_marshal_sendv_batch(const struct hmx_marshal *m, const struct hmx_send_desc *d,
                            unsigned n, uint32_t flags, int32_t *results);
int hmx_marshal_async_setup(const struct hmx_marshal *m, uint64_t gaddr, uint32_t entries);
int hmx_marshal_async_doorbell(const struct hmx_marshal *m);
int hmx_mb_sendv_batch(struct hmx_ctx *ctx, const struct hmx_send_desc *d, unsigned n,
                       uint32_t flags, int32_t *results);
int hmx_mb_async_setup(struct hmx_ctx *ctx, uint64_t gaddr, uint32_t entries);
int hmx_mb_async_doorbell(struct hmx_ctx *ctx);

/* The batched and asynchronous send of every marshalling backend that
 * carries them (the agnostic mechanisms), for its ops table. */
#define HMX_MB_BATCH_OPS                                                                   \
    .sendv_batch = hmx_mb_sendv_batch, .async_setup = hmx_mb_async_setup,                  \
    .async_doorbell = hmx_mb_async_doorbell

/* The policy and addressing operations of every marshalling backend that
 * carries them (the agnostic mechanisms), for its ops table. */
#define HMX_MB_POLICY_OPS                                                                  \
    .fw_set = hmx_mb_fw_set, .fw_list = hmx_mb_fw_list, .fw_add = hmx_mb_fw_add,           \
    .fw_del = hmx_mb_fw_del, .set_label = hmx_mb_set_label,                                \
    .implicit_set = hmx_mb_implicit_set, .implicit_list = hmx_mb_implicit_list

#endif
