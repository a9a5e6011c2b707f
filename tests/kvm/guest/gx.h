/* SPDX-License-Identifier: MIT */
/*
 * The guests' HMX side: probe and open libhmx on the mechanism the probe
 * chooses, and counted wrappers around every call that traps, so that a
 * guest can tell the VMM how many operations of each kind it issued.
 */
#ifndef HMX_KVM_GX_H
#define HMX_KVM_GX_H

#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/policy.h"
#include "hmx/probe.h"
#include "rt.h"

struct gx {
    hmx_ctx ctx;
    hmx_domid_t self, peer;
    struct hmx_probe_result probe;
};

/* What this guest did; sent to the VMM by gx_finish. */
extern struct kvm_report gx_report;

/* rt_init, hmx_probe (checked: KVM, the HMX block, MSR chosen, the vector
 * feature, the trap budget), hmx_open_probed, and with vector != 0
 * hmx_set_vector(ctx, 0, vector, 0). */
void gx_start(struct gx *g, uint32_t domid, uint32_t vector);

/* Each wrapper issues exactly one HMX call (one trap) and counts it. */
int gx_register(struct gx *g, struct hmx_ring *ring, void *mem, size_t size, hmx_port_t port,
                hmx_domid_t partner);
int gx_unregister(struct gx *g, struct hmx_ring *ring);
int gx_sendv(struct gx *g, hmx_port_t src_port, hmx_domid_t dom, hmx_port_t port,
             const struct hmx_iov *iov, unsigned niov, uint32_t type);
int gx_send(struct gx *g, hmx_port_t src_port, hmx_domid_t dom, hmx_port_t port, const void *buf,
            size_t len, uint32_t type);
int gx_notify(struct gx *g);
int gx_query(struct gx *g, hmx_domid_t dom, hmx_port_t port, uint32_t space,
             struct hmx_ring_query *q);
int gx_set_vector(struct gx *g, uint32_t vector);
/* hmx_discover with cap <= 16: one request (a sendv). */
int gx_discover(struct gx *g, struct hmx_ring *ring, struct hmx_disc_entry *out, unsigned cap);
/* Management calls (refused here: neither guest is privileged). */
int gx_fw_del(struct gx *g, uint32_t index);
int gx_fw_list(struct gx *g, struct hmx_fw_rule *out, uint32_t cap);
int gx_implicit_set(struct gx *g, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                    uint32_t n);

/* The batch scenario (batch.c). */
int batch_scenario(struct gx *g);

/* Send the report; returns the verdict 0. */
int gx_finish(void);

void gx_fail_rc(const char *file, int line, const char *expr, int got, int want)
    __attribute__((noreturn));

#define CHECK_RC(expr, want)                                               \
    do {                                                                   \
        int rc_ = (expr);                                                  \
        if (rc_ != (want))                                                 \
            gx_fail_rc(__FILE__, __LINE__, #expr, rc_, (want));            \
    } while (0)

#endif /* HMX_KVM_GX_H */
