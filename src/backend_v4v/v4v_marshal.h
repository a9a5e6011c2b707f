/* SPDX-License-Identifier: MIT */
/*
 * Marshalling of the HMX operations into v4v_op calls, shared by both v4v
 * dialects (spec/, "v4v and Argo").  Where the dialects agree (send,
 * notify, unregister, the page list, addresses) there is one path; where
 * they differ (register_ring's third and fourth arguments, the ring header
 * layout, whether notify writes back max_message_size, error codes) the
 * dialect decides.  Addresses are this domain's virtual addresses: v4v's
 * hypervisor reads every structure through the guest's page tables.
 */
#ifndef HMX_BACKEND_V4V_MARSHAL_H
#define HMX_BACKEND_V4V_MARSHAL_H

#include "hmx/v4v.h"

/* One trap: cmd and a[0..4]; returns the mapped result or HMX_E*. */
typedef int (*hmx_v4v_trap_fn)(void *trap_ctx, uint32_t cmd, const uint64_t a[5]);

struct hmx_v4v_marshal {
    uint32_t dialect;   /* enum hmx_v4v_dialect */
    uint16_t self;      /* our domain id, or HMX_V4V_DOMID_ANY when unknown */
    uint16_t pad;
    uint8_t *area;      /* staging memory, 16-byte aligned, area_size bytes */
    uint32_t area_size; /* >= HMX_V4V_AREA_MIN */
    hmx_v4v_trap_fn trap;
    void *trap_ctx;
};

/* A send with HMX_MAXIOV buffers, or the notify header and a few entries. */
#define HMX_V4V_AREA_MIN 160u

/*
 * Register the ring at mem (laid out in the dialect's layout): write its id
 * into the header, build the page list in the data area, trap.  On success
 * *self receives the domain id the hypervisor wrote back into the header
 * (HMX_V4V_DOMID_ANY if it wrote none).
 */
int hmx_v4v_marshal_register(const struct hmx_v4v_marshal *m, void *mem,
                             const struct hmx_ring_reg *reg, const hmx_gfn_t *gfns,
                             uint32_t npages, uint32_t flags, uint16_t *self);
int hmx_v4v_marshal_unregister(const struct hmx_v4v_marshal *m, void *mem);
int hmx_v4v_marshal_sendv(const struct hmx_v4v_marshal *m, const struct hmx_send_addr *addr,
                          const struct hmx_iov *iov, unsigned niov, uint32_t message_type);
int hmx_v4v_marshal_notify(const struct hmx_v4v_marshal *m, struct hmx_ring_query *q, unsigned n);

#endif
