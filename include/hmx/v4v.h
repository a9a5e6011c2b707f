/* SPDX-License-Identifier: MIT */
/*
 * v4v: the inter-domain ring transport that preceded Argo, in its two
 * surviving dialects, OpenXT's (a patch to Xen up to 4.12) and uXen's (a
 * Xen fork).  libhmx offers both behind the same API as Argo (spec/,
 * section "v4v and Argo"): the ring reader and writer take the dialect's
 * header layout (hmx/ring.h), the 16-byte message header is Argo's, and
 * the backends here translate addresses, ring ids, notify entries, flags,
 * the wildcard domain and error codes.
 *
 * The wire structures below are v4v's, packed as v4v declares them: the
 * address is 6 bytes, so they cannot share hmx/wire.h's types.  They are
 * read and written with memcpy only (never through a member's address).
 */
#ifndef HMX_V4V_H
#define HMX_V4V_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/arch.h"
#include "hmx/backend.h"
#include "hmx/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The two dialects. */
enum hmx_v4v_dialect {
    HMX_V4V_OPENXT = 1,
    HMX_V4V_UXEN = 2
};

/* Hypercall numbers: 39 on uXen and on OpenXT up to Xen 4.11; 43 on
 * OpenXT's Xen 4.12, where Argo took 39. */
#define HMX_V4V_HYPERCALL 39u
#define HMX_V4V_HYPERCALL_OPENXT_412 43u

/* Operations (cmd) common to both dialects. */
#define HMX_V4V_OP_REGISTER_RING 1u
#define HMX_V4V_OP_UNREGISTER_RING 2u
#define HMX_V4V_OP_SEND 3u   /* one flat buffer */
#define HMX_V4V_OP_NOTIFY 4u
#define HMX_V4V_OP_SENDV 5u  /* an iov array */
/* An operation neither dialect defines: v4v answers ENOSYS, Argo
 * EOPNOTSUPP.  The probe uses it to tell them apart without side effect. */
#define HMX_V4V_OP_PROBE 0x7F0u

/* Domain ids.  v4v's wildcard is 0x7FFF, Argo's (HMX_DOMID_ANY) 0x7FF4. */
#define HMX_V4V_DOMID_ANY ((uint16_t)0x7FFFu)
#define HMX_V4V_DOMID_DM ((uint16_t)0x7FF1u) /* uXen: the device model / host */
#define HMX_V4V_PORT_NONE 0u

/* Magics of the structures the hypervisor checks (EINVAL otherwise). */
#define HMX_V4V_PFN_LIST_MAGIC 0x91dd6159045b302dull
#define HMX_V4V_RING_DATA_MAGIC 0x4ce4d30fbc82e92aull
#define HMX_V4V_RING_MAGIC_OPENXT 0xdf6977f231abd910ull
#define HMX_V4V_RING_MAGIC_UXEN 0xac67e163e7267f2full

/* Notify flags (V4V_RING_DATA_F_*): not Argo's bit order. */
#define HMX_V4V_RING_EMPTY (1u << 0)
#define HMX_V4V_RING_EXISTS (1u << 1)
#define HMX_V4V_RING_PENDING (1u << 2)
#define HMX_V4V_RING_SUFFICIENT (1u << 3)

/* Protocol values of v4v's drivers (a convention; nothing enforces it). */
#define HMX_V4V_PROTO_DGRAM 0x3c2c1db8u
#define HMX_V4V_PROTO_STREAM 0x70f6a8e5u

#if defined(__GNUC__)
#define HMX__V4V_PACKED __attribute__((packed))
#else
#error "v4v's packed structures need a compiler with packed structs"
#endif

/* v4v_addr_t */
struct HMX__V4V_PACKED hmx_v4v_addr {
    uint32_t port;
    uint16_t domain;
};

/* v4v_ring_id_t (also at offset 8 of the ring header) */
struct HMX__V4V_PACKED hmx_v4v_ring_id {
    struct hmx_v4v_addr addr;
    uint16_t partner;
};

/* v4v_pfn_list_t header; followed by npage u64 frame numbers. */
struct hmx_v4v_pfn_list {
    uint64_t magic; /* HMX_V4V_PFN_LIST_MAGIC */
    uint32_t npage;
    uint32_t pad;
    uint64_t reserved[3];
};

/* v4v_iov_t: a buffer by this domain's virtual address. */
struct hmx_v4v_iov {
    uint64_t base;
    uint64_t len;
};

/* v4v_ring_data_t header; followed by nent entries. */
struct hmx_v4v_ring_data {
    uint64_t magic; /* HMX_V4V_RING_DATA_MAGIC */
    uint32_t nent;
    uint32_t pad;
    uint64_t reserved[4];
};

/* v4v_ring_data_ent_t */
struct HMX__V4V_PACKED hmx_v4v_ring_data_ent {
    struct hmx_v4v_addr ring;
    uint16_t flags;            /* HMX_V4V_RING_* (out) */
    uint32_t space_required;   /* in */
    uint32_t max_message_size; /* out: uXen only; OpenXT leaves it */
};

HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_addr) == 6, "v4v addr is 6 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_addr, domain) == 4, "v4v addr.domain at 4");
HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_ring_id) == 8, "v4v ring id is 8 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_ring_id, partner) == 6, "v4v id.partner at 6");
HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_pfn_list) == 40, "v4v pfn list header is 40 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_pfn_list, npage) == 8, "pfn_list.npage at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_iov) == 16, "v4v iov is 16 bytes");
HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_ring_data) == 48, "v4v ring data header is 48 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_ring_data, nent) == 8, "ring_data.nent at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_v4v_ring_data_ent) == 16, "v4v ring data entry is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_ring_data_ent, flags) == 6, "ent.flags at 6");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_ring_data_ent, space_required) == 8, "ent.space at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_v4v_ring_data_ent, max_message_size) == 12,
                 "ent.max_message_size at 12");

/* Offsets in the v4v ring header (both dialects; hmx/ring.h layouts). */
#define HMX_V4V_RING_ID_OFF 8u
#define HMX_V4V_RING_LEN_OFF 16u

/* ---- the guest side ---------------------------------------------------- */

struct hmx_v4v_config {
    const struct hmx_arch_ops *arch; /* NULL: hmx_arch_native() */
    enum hmx_xen_entry entry;        /* how to trap; required */
    const void *hypercall_page;      /* for HMX_XEN_ENTRY_PAGE */
    uint32_t hypercall;              /* 0: the dialect's usual (39) */
    /* This domain's id, for the source address OpenXT takes as given;
     * 0 or HMX_V4V_DOMID_ANY: not known yet (v4v's wildcard is sent
     * until the first registration learns the id from what the
     * hypervisor writes back into the ring header). */
    uint16_t domid;
    uint16_t pad;
};

extern const struct hmx_backend_ops hmx_backend_v4v_openxt;
extern const struct hmx_backend_ops hmx_backend_v4v_uxen;

/* The ring header layout of a dialect (NULL for an unknown one). */
const struct hmx_ring_layout *hmx_v4v_layout(uint32_t dialect);

/*
 * hmx_v4v_err - map a positive errno a dialect's hypervisor returned for
 * operation op (HMX_V4V_OP_*) onto the HMX_E* code the API documents for
 * the same situation (spec/, "v4v and Argo", error table): OpenXT's
 * ENOTCONN and uXen's ECONNREFUSED both become HMX_ECONNREFUSED, OpenXT's
 * ENOBUFS on a send HMX_EMSGSIZE, and so on.
 * Returns: the HMX_E* code; HMX_EIO for an errno with no meaning here.
 */
int hmx_v4v_err(uint32_t dialect, uint32_t op, int xen_errno);

/*
 * hmx_v4v_err_to_dialect - the reverse, for a provider serving a dialect:
 * the positive errno that dialect's hypervisor returns where libhmx's
 * provider returned hmx_rc for op.
 * Returns: the errno (> 0); EIO's 5 for a code with no counterpart.
 */
int hmx_v4v_err_to_dialect(uint32_t dialect, uint32_t op, int hmx_rc);

/* Flags between the two bit orders (v4v's PENDING has no HMX bit, Argo's
 * SHARED, EMSGSIZE and EBUSY no v4v bit: they are dropped). */
uint16_t hmx_v4v_flags_to_hmx(uint16_t v4v_flags);
uint16_t hmx_v4v_flags_from_hmx(uint16_t hmx_flags);

/* Domain ids between the two wildcards (every other id is unchanged). */
uint16_t hmx_v4v_domid_to_hmx(uint16_t v4v_dom);
uint16_t hmx_v4v_domid_from_hmx(uint16_t hmx_dom);

/*
 * hmx_v4v_op - one raw v4v_op call: cmd and five arguments.
 * Returns: the value (>= 0) or the dialect's error mapped by hmx_v4v_err;
 * HMX_EOPNOTSUPP when the arch cannot make a six-word hypercall;
 * HMX_EPRIV outside the kernel.
 */
int hmx_v4v_op(const struct hmx_v4v_config *cfg, uint32_t dialect, uint32_t cmd,
               const uint64_t a[5]);

#ifdef __cplusplus
}
#endif

#endif /* HMX_V4V_H */
