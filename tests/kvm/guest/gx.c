/* SPDX-License-Identifier: MIT */
/* The guests' HMX side: see gx.h. */
#include "gx.h"

struct kvm_report gx_report;

/* The context's call page: 4 KiB aligned, identity-mapped. */
static uint8_t call_page[HMX_CALL_PAGE_SIZE] __attribute__((aligned(4096)));

void gx_fail_rc(const char *file, int line, const char *expr, int got, int want)
{
    rt_printf("FAIL at %s:%d: %s returned %d (%s), expected %d (%s)", file, line, expr, got,
              hmx_err_name(got), want, hmx_err_name(want));
    rt_exit(1);
}

void gx_start(struct gx *g, uint32_t domid, uint32_t vector)
{
    struct hmx_probe_result *res = &g->probe;
    struct hmx_open_probed_args oa;
    uint32_t exits;

    memset(g, 0, sizeof(*g));
    g->self = (hmx_domid_t)domid;
    g->peer = domid == 1 ? 2 : 1;
    gx_report.magic = KVM_REPORT_MAGIC;
    rt_init();

    exits = rt_counter(KVM_CTR_EXITS);
    CHECK_RC(hmx_probe(res, NULL), 0);
    /* Its CPUIDs are answered inside KVM: the only exits in between are
     * the two of reading the counter again. */
    CHECK(rt_counter(KVM_CTR_EXITS) == exits + 2);
    gx_report.probe_traps = res->traps;
    gx_report.probe_chosen = res->chosen;
    rt_printf("probe: %s (\"%s\"), HMX block at %x, version %u.%u, mechanisms %x, features %lx",
              hmx_hypervisor_name(res->hypervisor), res->signature, res->hmx_base,
              res->hmx_version >> 16, res->hmx_version & 0xFFFFu, res->hmx_mechanisms,
              res->hmx_features);
    rt_printf("probe: chose %s (call register %x), features %lx, %u trapping instructions",
              hmx_mechanism_name(res->chosen), (unsigned)res->mech[HMX_MECH_MSR].param,
              res->features, res->traps);
    CHECK(res->hypervisor_bit == 1);
    CHECK(res->hypervisor == HMX_HV_KVM);
    CHECK(res->hmx_base == KVM_HMX_CPUID_BASE);
    CHECK(res->hmx_version == HMX_INTERFACE_VERSION);
    CHECK(res->chosen == HMX_MECH_MSR);
    CHECK(res->mech[HMX_MECH_MSR].chosen && res->mech[HMX_MECH_MSR].usable);
    CHECK(res->mech[HMX_MECH_MSR].param == KVM_MSR_CALL);
    CHECK((res->features & HMX_FEAT_VECTOR) != 0);
    /* The x86 probe's budget without Xen: leaf 1, 256 range leaves, at most
     * three leaves of the HMX block. */
    CHECK(res->traps >= 1 + 256 && res->traps <= 1 + 256 + 3);

    memset(&oa, 0, sizeof(oa));
    oa.call_page = call_page;
    CHECK_RC(hmx_open_probed(&g->ctx, res, &oa), 0);
    CHECK((hmx_features(&g->ctx) & HMX_FEAT_VECTOR) != 0);
    if (vector != 0)
        CHECK_RC(gx_set_vector(g, vector), 0);
}

int gx_register(struct gx *g, struct hmx_ring *ring, void *mem, size_t size, hmx_port_t port,
                hmx_domid_t partner)
{
    struct hmx_ring_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = mem;
    cfg.mem_size = size;
    cfg.port = port;
    cfg.partner = partner;
    memset(ring, 0, sizeof(*ring));
    gx_report.ops[HMX_OP_REGISTER_RING]++;
    return hmx_ring_register(&g->ctx, ring, &cfg);
}

int gx_unregister(struct gx *g, struct hmx_ring *ring)
{
    gx_report.ops[HMX_OP_UNREGISTER_RING]++;
    return hmx_ring_unregister(&g->ctx, ring);
}

int gx_sendv(struct gx *g, hmx_port_t src_port, hmx_domid_t dom, hmx_port_t port,
             const struct hmx_iov *iov, unsigned niov, uint32_t type)
{
    struct hmx_addr to;

    to.port = port;
    to.domain = dom;
    to.pad = 0;
    gx_report.ops[HMX_OP_SENDV]++;
    return hmx_sendv(&g->ctx, src_port, &to, iov, niov, type);
}

int gx_send(struct gx *g, hmx_port_t src_port, hmx_domid_t dom, hmx_port_t port, const void *buf,
            size_t len, uint32_t type)
{
    struct hmx_iov iov;

    iov.base = buf;
    iov.len = len;
    return gx_sendv(g, src_port, dom, port, &iov, 1, type);
}

int gx_notify(struct gx *g)
{
    gx_report.ops[HMX_OP_NOTIFY]++;
    return hmx_notify(&g->ctx, NULL, 0);
}

int gx_query(struct gx *g, hmx_domid_t dom, hmx_port_t port, uint32_t space,
             struct hmx_ring_query *q)
{
    struct hmx_addr to;

    to.port = port;
    to.domain = dom;
    to.pad = 0;
    gx_report.ops[HMX_OP_NOTIFY]++;
    return hmx_query(&g->ctx, &to, space, q);
}

int gx_set_vector(struct gx *g, uint32_t vector)
{
    gx_report.ops[HMX_OP_SET_VECTOR]++;
    return hmx_set_vector(&g->ctx, 0, vector, 0);
}

int gx_discover(struct gx *g, struct hmx_ring *ring, struct hmx_disc_entry *out, unsigned cap)
{
    gx_report.ops[HMX_OP_SENDV]++; /* one request: cap is at most 16 */
    return hmx_discover(&g->ctx, ring, out, cap);
}

int gx_fw_del(struct gx *g, uint32_t index)
{
    gx_report.ops[HMX_OP_FW_DEL]++;
    return hmx_fw_del(&g->ctx, index);
}

int gx_fw_list(struct gx *g, struct hmx_fw_rule *out, uint32_t cap)
{
    gx_report.ops[HMX_OP_FW_LIST]++; /* one call: cap fits the call page */
    return hmx_fw_list(&g->ctx, out, cap, 0);
}

int gx_implicit_set(struct gx *g, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                    uint32_t n)
{
    gx_report.ops[HMX_OP_IMPLICIT_SET]++;
    return hmx_implicit_set(&g->ctx, dom, e, n);
}

int gx_finish(void)
{
    gx_report.interrupts = rt_irq_count;
    rt_outl(KVM_PORT_REPORT, rt_addr(&gx_report));
    return 0;
}
