/* SPDX-License-Identifier: MIT */
/*
 * The v4v guest: both domains run this image under a VMM that presents
 * OpenXT's v4v (Xen's signature, v4v_op on hypercall 43) or uXen's
 * ("uXenisnotXen", hypercall 39), scenario KVM_SC_V4V_OPENXT or _UXEN.
 * The probe must classify it, install the hypercall page through the MSR
 * of leaf 0x40000002 and open the v4v backend; then one exchange each
 * way, with the errors and the query, all through the unchanged API.
 * Every v4v_op is a call into the hypercall page, whose stub exits to the
 * VMM; the VMM serves it with hmx_provider_v4v_call.
 */
#include "gx.h"
#include "hmx/v4v.h"

#define PORT_V4V 6000u
#define PORT_NOBODY 6999u
#define RING_BYTES 4096u
#define RING_MAX_PAYLOAD HMX_RING_MAX_PAYLOAD(RING_BYTES - HMX_RING_HDR_SIZE) /* 4000 */

static uint8_t ring_mem[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static uint8_t big[RING_MAX_PAYLOAD + 1];

static struct gx gx;

static void start(struct gx *g, uint32_t domid, uint32_t scenario)
{
    const int openxt = scenario == KVM_SC_V4V_OPENXT;
    const uint32_t mech = openxt ? HMX_MECH_V4V_OPENXT : HMX_MECH_V4V_UXEN;
    struct hmx_probe_result *res = &g->probe;
    struct hmx_probe_options opt;
    struct hmx_open_probed_args oa;

    memset(g, 0, sizeof(*g));
    g->self = (hmx_domid_t)domid;
    g->peer = domid == 1 ? 2 : 1;
    gx_report.magic = KVM_REPORT_MAGIC;
    rt_init();
    memset(&opt, 0, sizeof(opt));
    opt.allow = HMX_MECH_BIT(HMX_MECH_V4V_OPENXT) | HMX_MECH_BIT(HMX_MECH_V4V_UXEN);
    opt.xen_hypercall_page = hypercall_page;
    CHECK_RC(hmx_probe(res, &opt), 0);
    gx_report.probe_traps = res->traps;
    gx_report.probe_chosen = res->chosen;
    /* The probe's notify on the served number is a v4v_op the VMM counts
     * as a notify: count it here too (its unknown cmd is counted apart). */
    gx_report.ops[HMX_OP_NOTIFY]++;
    rt_printf("probe: %s (\"%s\"), argo %s (%d), chose %s on hypercall %u, %u traps",
              hmx_hypervisor_name(res->hypervisor), res->signature,
              hmx_argo_status_name(res->argo_status), res->argo_rc,
              hmx_mechanism_name(res->chosen), (unsigned)res->mech[mech].param, res->traps);
    CHECK(res->hypervisor == (openxt ? HMX_HV_XEN : HMX_HV_UXEN));
    CHECK(res->chosen == mech);
    CHECK(res->mech[mech].usable && res->mech[mech].chosen);
    CHECK(res->mech[mech].param ==
          (openxt ? HMX_V4V_HYPERCALL_OPENXT_412 : HMX_V4V_HYPERCALL));
    CHECK(res->xen_entry == HMX_XEN_ENTRY_PAGE);
    CHECK(res->xen_hypercall_msr == KVM_MSR_HCPAGE);
    /* Xen's 39 answers nothing here: not Argo, and not a v4v. */
    CHECK(res->argo_status == (openxt ? HMX_ARGO_ABSENT : HMX_ARGO_NOT_XEN));
    CHECK(!res->mech[HMX_MECH_XEN_HYPERCALL].usable);
    CHECK(!res->mech[openxt ? HMX_MECH_V4V_UXEN : HMX_MECH_V4V_OPENXT].offered);
    CHECK(res->v4v_probe_rc[openxt ? 1 : 0] == HMX_ENOSYS);
    CHECK(res->features == 0);
    memset(&oa, 0, sizeof(oa));
    CHECK_RC(hmx_open_probed(&g->ctx, res, &oa), 0);
}

static int exchange(struct gx *g, uint32_t scenario)
{
    const int openxt = scenario == KVM_SC_V4V_OPENXT;
    const struct hmx_ring_layout *lay = openxt ? &hmx_ring_layout_v4v_openxt
                                               : &hmx_ring_layout_v4v_uxen;
    struct hmx_ring ring;
    struct hmx_ring_query q;
    struct hmx_msg_info info;
    struct hmx_iov iov[2];
    char text[40], want[40], got[64];
    uint64_t magic;
    uint16_t owner;
    int n, i;

    CHECK_RC(gx_register(g, &ring, ring_mem, sizeof(ring_mem), PORT_V4V, g->peer), 0);
    /* The ring is in the dialect's layout, and the provider wrote our id
     * into its header, as v4v does. */
    memcpy(&magic, ring_mem + lay->magic_off, 8);
    memcpy(&owner, ring_mem + HMX_V4V_RING_ID_OFF + 4, 2);
    CHECK(magic == lay->magic);
    CHECK(owner == g->self);
    rt_barrier(1); /* both rings exist */

    memcpy(text, "v4v from dom?", 14);
    text[12] = (char)('0' + g->self);
    iov[0].base = text;
    iov[0].len = 4;
    iov[1].base = text + 4;
    iov[1].len = 9;
    CHECK_RC(gx_sendv(g, PORT_V4V, g->peer, PORT_V4V, iov, 2, HMX_V4V_PROTO_DGRAM), 13);
    gx_report.sent++;
    rt_barrier(2); /* both sent: the provider copied during the send */

    n = hmx_recv(&ring, got, sizeof(got), &info);
    CHECK_RC(n, 13);
    memcpy(want, "v4v from dom?", 14);
    want[12] = (char)('0' + g->peer);
    CHECK(memcmp(got, want, 13) == 0);
    CHECK(info.source.domain == g->peer);
    CHECK(info.source.port == PORT_V4V);
    CHECK(info.message_type == HMX_V4V_PROTO_DGRAM);
    /* The message sits where the layout puts the data area: 60 or 64. */
    CHECK(memcmp(ring_mem + lay->hdr_size + 16, want, 13) == 0);
    gx_report.received++;
    CHECK_RC(gx_notify(g), 0);

    /* Each dialect's own errno arrives as the same HMX code. */
    CHECK_RC(gx_send(g, PORT_V4V, g->peer, PORT_NOBODY, "x", 1, 0), HMX_ECONNREFUSED);
    for (i = 0; i < (int)sizeof(big); i++)
        big[i] = (uint8_t)i;
    CHECK_RC(gx_send(g, PORT_V4V, g->peer, PORT_V4V, big, sizeof(big), 0), HMX_EMSGSIZE);
    rt_barrier(3); /* both read their ring */

    CHECK_RC(gx_query(g, g->peer, PORT_V4V, 100, &q), 0);
    CHECK((q.flags & (HMX_RING_EXISTS | HMX_RING_SUFFICIENT)) ==
          (HMX_RING_EXISTS | HMX_RING_SUFFICIENT));
    /* OpenXT never copies max_message_size out; uXen does. */
    CHECK(q.max_message_size == (openxt ? 0 : RING_MAX_PAYLOAD));
    CHECK_RC(gx_query(g, g->peer, PORT_NOBODY, 1, &q), 0);
    CHECK((q.flags & HMX_RING_EXISTS) == 0);
    rt_barrier(4); /* both queried */

    CHECK_RC(gx_unregister(g, &ring), 0);
    rt_printf("%s exchange done", openxt ? "OpenXT v4v" : "uXen v4v");
    return gx_finish();
}

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg);

int kmain(uint32_t domid, uint32_t scenario, uint64_t arg)
{
    (void)arg;
    if (scenario != KVM_SC_V4V_OPENXT && scenario != KVM_SC_V4V_UXEN) {
        rt_printf("scenario %u is not in this image", scenario);
        return 2;
    }
    start(&gx, domid, scenario);
    return exchange(&gx, scenario);
}
