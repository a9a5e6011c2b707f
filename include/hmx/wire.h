/* SPDX-License-Identifier: MIT */
/*
 * HMX wire formats: the structures that cross the guest/hypervisor boundary
 * or live in shared ring memory.
 *
 * Every structure here is byte-compatible with the structure of the same role
 * in Xen 4.17's public/argo.h (named in each comment); the layouts are fixed
 * by _Static_assert below and by spec/, section "Wire formats".  All fields
 * are little-endian on the platforms libhmx supports (x86_64, aarch64), as in
 * Xen.  No pointer-sized field appears here, so 32-bit and 64-bit guests
 * agree on every offset.
 */
#ifndef HMX_WIRE_H
#define HMX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t hmx_domid_t; /* domain identifier (Xen domid_t) */
typedef uint32_t hmx_port_t;  /* HMX port (xen_argo_port_t) */
typedef uint64_t hmx_gfn_t;   /* 4 KiB guest frame number (xen_argo_gfn_t) */

/* Wildcard domain (Xen's DOMID_INVALID, XEN_ARGO_DOMID_ANY). As a ring's
 * partner: any domain may send.  As a send's source: "myself". */
#define HMX_DOMID_ANY ((hmx_domid_t)0x7FF4u)

/*
 * Reserved destination domains of the HMX extensions (spec/, sections 17
 * and 18), chosen among the ids Xen reserves (0x7FF0 and up) but does not
 * use: Xen's are SELF 0x7FF0, IO 0x7FF1, XEN 0x7FF2, COW 0x7FF3, INVALID
 * 0x7FF4 and IDLE 0x7FFF.
 *   IMPLICIT  "the service at this port": the provider looks the port up
 *             in the sender's implicit-destination table (HMX_FEAT_IMPLICIT)
 *   UP        the next hypervisor level, for nesting (HMX_FEAT_IMPLICIT)
 *   PROVIDER  the provider itself: its discovery service (HMX_FEAT_DISCOVERY)
 */
#define HMX_DOMID_IMPLICIT ((hmx_domid_t)0x7FF5u)
#define HMX_DOMID_UP ((hmx_domid_t)0x7FF6u)
#define HMX_DOMID_PROVIDER ((hmx_domid_t)0x7FF7u)

/*
 * Well-known ports (spec/, section 18): a reserved range whose ports name
 * services rather than endpoints.  A guest reaches the service at
 * well-known port P by sending to (HMX_DOMID_IMPLICIT, P).
 *   FIRST               the discovery service, at (HMX_DOMID_PROVIDER, FIRST)
 *   FIRST + 1 .. 0xFF   reserved for services HMX defines
 *   VIRTIO_FIRST + n    the VirtIO device of device ID n (0 < n <= 0xFF)
 *   VIRTIO_LAST + 1 ..  reserved, unassigned
 * 0xFFFFFFFF is left out: drivers use it as "any port".
 */
#define HMX_PORT_WELL_KNOWN_FIRST 0xFFFF0000u
#define HMX_PORT_WELL_KNOWN_LAST 0xFFFFFFFEu
#define HMX_PORT_DISCOVERY HMX_PORT_WELL_KNOWN_FIRST
#define HMX_PORT_VIRTIO_FIRST 0xFFFF0100u
#define HMX_PORT_VIRTIO_LAST 0xFFFF01FFu
/* The well-known port of VirtIO device ID id (1..255). */
#define HMX_PORT_VIRTIO(id) (HMX_PORT_VIRTIO_FIRST + (uint32_t)(id))
#define HMX_PORT_IS_WELL_KNOWN(p) ((uint32_t)(p) >= HMX_PORT_WELL_KNOWN_FIRST && \
                                   (uint32_t)(p) <= HMX_PORT_WELL_KNOWN_LAST)

/* Ring frames are always 4 KiB, whatever the guest's page size (as in Xen). */
#define HMX_FRAME_SHIFT 12u
#define HMX_FRAME_SIZE (1u << HMX_FRAME_SHIFT)

#define HMX_MSG_SLOT_SIZE 16u             /* XEN_ARGO_MSG_SLOT_SIZE */
#define HMX_RING_HDR_SIZE 64u             /* sizeof(xen_argo_ring_t) */
#define HMX_MSG_HDR_SIZE 16u              /* sizeof(xen_argo_ring_message_header) */
#define HMX_RING_MAX_LEN 0x1000000u       /* XEN_ARGO_MAX_RING_SIZE: data area */
#define HMX_RING_MIN_LEN 48u              /* header + one slot + one free slot */
#define HMX_MAXIOV 8u                     /* XEN_ARGO_MAXIOV */
#define HMX_NOTIFY_MAX 256u               /* Xen's MAX_NOTIFY_COUNT */
#define HMX_RINGS_PER_DOMAIN_MAX 128u     /* Xen's MAX_RINGS_PER_DOMAIN */
#define HMX_PENDING_PER_RING_MAX 32u      /* Xen's MAX_PENDING_PER_RING */
/* Largest payload any ring accepts (Xen's MAX_ARGO_MESSAGE_SIZE). */
#define HMX_MSG_MAX (HMX_RING_MAX_LEN - HMX_MSG_HDR_SIZE - HMX_MSG_SLOT_SIZE)

/* Round a byte count up to a whole number of message slots. */
#define HMX_SLOT_ROUNDUP(n) (((n) + (HMX_MSG_SLOT_SIZE - 1u)) & ~(HMX_MSG_SLOT_SIZE - 1u))
/* Largest payload a ring with a data area of len bytes can ever carry. */
#define HMX_RING_MAX_PAYLOAD(len) ((len) - HMX_MSG_HDR_SIZE - HMX_MSG_SLOT_SIZE)
/* 4 KiB frames that hold a ring with a data area of len bytes (Xen NPAGES_RING). */
#define HMX_RING_NPAGES(len) \
    ((HMX_SLOT_ROUNDUP(len) + HMX_RING_HDR_SIZE + HMX_FRAME_SIZE - 1u) >> HMX_FRAME_SHIFT)

/* xen_argo_addr_t */
struct hmx_addr {
    hmx_port_t port;
    hmx_domid_t domain;
    uint16_t pad; /* must be zero */
};

/* xen_argo_send_addr_t */
struct hmx_send_addr {
    struct hmx_addr src;
    struct hmx_addr dst;
};

/* xen_argo_register_ring_t */
struct hmx_ring_reg {
    hmx_port_t port;
    hmx_domid_t partner;
    uint16_t pad; /* must be zero */
    uint32_t len; /* data area length in bytes, a multiple of 16 */
};

/* xen_argo_unregister_ring_t */
struct hmx_ring_unreg {
    hmx_port_t port;
    hmx_domid_t partner;
    uint16_t pad; /* must be zero */
};

/* xen_argo_iov_t: a buffer in the sender's guest address space. */
struct hmx_giov {
    uint64_t gaddr;
    uint32_t len;
    uint32_t pad; /* must be zero */
};

/* Ring query flags (XEN_ARGO_RING_*), set by notify. */
#define HMX_RING_EXISTS (1u << 0)
#define HMX_RING_SHARED (1u << 1)     /* registered for partner HMX_DOMID_ANY */
#define HMX_RING_EMPTY (1u << 2)
#define HMX_RING_SUFFICIENT (1u << 3) /* space_required bytes fit now */
#define HMX_RING_EMSGSIZE (1u << 4)   /* space_required can never fit */
#define HMX_RING_EBUSY (1u << 5)      /* too many waiters; no wake-up queued */

/* xen_argo_ring_data_ent_t: one ring query of a notify call. */
struct hmx_ring_query {
    struct hmx_addr ring;      /* in: destination ring */
    uint16_t flags;            /* out: HMX_RING_* */
    uint16_t pad;              /* must be zero */
    uint32_t space_required;   /* in: payload bytes wanted (0: none) */
    uint32_t max_message_size; /* out: largest payload the ring takes */
};

/* xen_argo_ring_data_t header; followed by nent struct hmx_ring_query. */
struct hmx_ring_data_hdr {
    uint32_t nent;
    uint32_t pad;
};

/* xen_argo_ring_t: the first 64 bytes of ring memory. */
struct hmx_ring_hdr {
    uint32_t rx_ptr; /* written by the ring's owner (the reader) */
    uint32_t tx_ptr; /* written by the hypervisor (the writer) */
    uint8_t reserved[56];
};

/* struct xen_argo_ring_message_header: starts every message in the ring. */
struct hmx_msg_hdr {
    uint32_t len; /* header + payload bytes, before slot padding */
    struct hmx_addr source;
    uint32_t message_type;
};

/* Register flags (XEN_ARGO_REGISTER_FLAG_*). */
#define HMX_REGISTER_FAIL_EXIST 0x1u

/* ---- HMX extensions: no Xen counterpart --------------------------------- */

/*
 * One firewall rule (spec/, section 7.5): who may do what to whom.  A rule
 * matches a decision when its operation set has the decision's operation
 * (a query counts as a send), and each endpoint matches: the domain (any;
 * this domain id; or any domain carrying this label) and the port range.
 * The first matching rule decides; with a table installed and no rule
 * matching, the decision is deny.
 */
#define HMX_FW_ALLOW 1u
#define HMX_FW_DENY 2u
#define HMX_FW_OP_REGISTER 0x1u /* ring registration */
#define HMX_FW_OP_SEND 0x2u     /* send, and query */
#define HMX_FW_MATCH_ANY 0u     /* every domain */
#define HMX_FW_MATCH_DOMAIN 1u  /* the domain id in src_domain / dst_domain */
#define HMX_FW_MATCH_LABEL 2u   /* every domain whose label is src_label / dst_label */
#define HMX_LABEL_SIZE 16u      /* a label: 1..15 bytes [A-Za-z0-9_.-], NUL-padded */
#define HMX_FW_RULES_MAX 64u    /* the largest table a provider must hold */
#define HMX_FW_SET_CLEAR 0x1u   /* HMX_OP_FW_SET flag: remove the table (no rules given) */

struct hmx_fw_rule {
    uint8_t action;     /* HMX_FW_ALLOW or HMX_FW_DENY */
    uint8_t ops;        /* HMX_FW_OP_* set, not empty */
    uint8_t src_match;  /* HMX_FW_MATCH_* */
    uint8_t dst_match;
    hmx_domid_t src_domain; /* HMX_FW_MATCH_DOMAIN: the domain; else 0 */
    hmx_domid_t dst_domain;
    hmx_port_t src_port_first; /* inclusive port ranges */
    hmx_port_t src_port_last;
    hmx_port_t dst_port_first;
    hmx_port_t dst_port_last;
    uint32_t line;     /* the rule's line in its text form; 0: none (informational) */
    uint32_t reserved; /* zero */
    char src_label[HMX_LABEL_SIZE]; /* HMX_FW_MATCH_LABEL: the label; else zero */
    char dst_label[HMX_LABEL_SIZE];
};

/*
 * One entry of a domain's implicit-destination table (spec/, section 17):
 * a send to (HMX_DOMID_IMPLICIT, service) goes to (domain, port).  The
 * entry with HMX_IMPLICIT_DEFAULT (service 0) takes every port that has no
 * entry of its own; its port 0 means "the port the sender named".
 */
#define HMX_IMPLICIT_VISIBLE 0x1u /* the sender may learn domain and port */
#define HMX_IMPLICIT_DEFAULT 0x2u /* the default entry */
#define HMX_IMPLICIT_MAX 16u      /* entries in one domain's table */

struct hmx_implicit_entry {
    hmx_port_t service;  /* a well-known port (not HMX_PORT_DISCOVERY); 0 for the default */
    hmx_port_t port;     /* destination port */
    hmx_domid_t domain;  /* destination domain, or HMX_DOMID_UP */
    uint16_t flags;      /* HMX_IMPLICIT_* */
    uint32_t reserved;   /* zero */
};

/*
 * The discovery service (spec/, section 18.3): a guest registers a ring
 * whose partner is HMX_DOMID_PROVIDER, and from that ring's port sends one
 * struct hmx_disc_req, of type HMX_DISC_MSG_TYPE, to (HMX_DOMID_PROVIDER,
 * HMX_PORT_DISCOVERY).  The provider answers in that ring: one message of
 * the same type, a struct hmx_disc_reply followed by count entries.
 */
#define HMX_DISC_MSG_TYPE 0x44584d48u /* "HMXD" */
#define HMX_DISC_VERSION 1u
#define HMX_DISC_OP_LIST 1u           /* which services may I reach */
#define HMX_DISC_IMPLICIT 0x1u /* reached by sending to (HMX_DOMID_IMPLICIT, port) */
#define HMX_DISC_VISIBLE 0x2u  /* domain and dst_port name the destination */
#define HMX_DISC_VIRTIO 0x4u   /* service is a VirtIO device ID */

struct hmx_disc_req {
    uint16_t version;  /* HMX_DISC_VERSION */
    uint16_t op;       /* HMX_DISC_OP_LIST */
    uint16_t first;    /* index of the first entry wanted */
    uint16_t max;      /* most entries wanted; 0: all */
    uint32_t cookie;   /* echoed in the reply */
    uint32_t reserved; /* zero */
};

struct hmx_disc_reply {
    uint16_t version;  /* HMX_DISC_VERSION */
    uint16_t op;       /* the request's */
    uint16_t total;    /* services the caller may reach */
    uint16_t count;    /* entries that follow, from index first */
    uint32_t cookie;   /* the request's */
    uint16_t first;    /* the request's */
    uint16_t reserved; /* zero */
};

struct hmx_disc_entry {
    uint32_t service;    /* VirtIO device ID (HMX_DISC_VIRTIO); else port - WELL_KNOWN_FIRST */
    hmx_port_t port;     /* the service's well-known port */
    hmx_port_t dst_port; /* HMX_DISC_VISIBLE: the destination port; else 0 */
    hmx_domid_t domain;  /* HMX_DISC_VISIBLE: the destination domain; else HMX_DOMID_IMPLICIT */
    uint16_t flags;      /* HMX_DISC_* */
};

#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define HMX__WIRE_ASSERT(c, m) _Static_assert(c, m)
#else
#define HMX__WIRE_ASSERT(c, m) static_assert(c, m)
#endif
HMX__WIRE_ASSERT(sizeof(struct hmx_addr) == 8, "hmx_addr is 8 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_addr, domain) == 4, "addr.domain at 4");
HMX__WIRE_ASSERT(offsetof(struct hmx_addr, pad) == 6, "addr.pad at 6");
HMX__WIRE_ASSERT(sizeof(struct hmx_send_addr) == 16, "send_addr is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_send_addr, dst) == 8, "send_addr.dst at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_ring_reg) == 12, "register_ring is 12 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_reg, partner) == 4, "reg.partner at 4");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_reg, len) == 8, "reg.len at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_ring_unreg) == 8, "unregister_ring is 8 bytes");
HMX__WIRE_ASSERT(sizeof(struct hmx_giov) == 16, "iov is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_giov, len) == 8, "iov.len at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_giov, pad) == 12, "iov.pad at 12");
HMX__WIRE_ASSERT(sizeof(struct hmx_ring_query) == 20, "ring_data_ent is 20 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_query, flags) == 8, "ent.flags at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_query, space_required) == 12, "ent.space_required at 12");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_query, max_message_size) == 16, "ent.max_message_size at 16");
HMX__WIRE_ASSERT(sizeof(struct hmx_ring_data_hdr) == 8, "ring_data header is 8 bytes");
HMX__WIRE_ASSERT(sizeof(struct hmx_ring_hdr) == HMX_RING_HDR_SIZE, "ring header is 64 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_hdr, tx_ptr) == 4, "tx_ptr at 4");
HMX__WIRE_ASSERT(offsetof(struct hmx_ring_hdr, reserved) == 8, "reserved at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_msg_hdr) == HMX_MSG_HDR_SIZE, "message header is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_msg_hdr, source) == 4, "msg.source at 4");
HMX__WIRE_ASSERT(offsetof(struct hmx_msg_hdr, message_type) == 12, "msg.message_type at 12");
HMX__WIRE_ASSERT(HMX_MSG_HDR_SIZE == HMX_MSG_SLOT_SIZE, "a header fills one slot exactly");
HMX__WIRE_ASSERT(HMX_RING_HDR_SIZE % HMX_MSG_SLOT_SIZE == 0, "data area is slot aligned");
HMX__WIRE_ASSERT(HMX_MSG_MAX == 0xFFFFE0u, "largest payload is 16 MiB - 32");
HMX__WIRE_ASSERT(sizeof(struct hmx_fw_rule) == 64, "firewall rule is 64 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, src_domain) == 4, "rule.src_domain at 4");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, src_port_first) == 8, "rule.src_port_first at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, dst_port_first) == 16, "rule.dst_port_first at 16");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, line) == 24, "rule.line at 24");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, src_label) == 32, "rule.src_label at 32");
HMX__WIRE_ASSERT(offsetof(struct hmx_fw_rule, dst_label) == 48, "rule.dst_label at 48");
HMX__WIRE_ASSERT(sizeof(struct hmx_implicit_entry) == 16, "implicit entry is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_implicit_entry, domain) == 8, "implicit.domain at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_implicit_entry, reserved) == 12, "implicit.reserved at 12");
HMX__WIRE_ASSERT(sizeof(struct hmx_disc_req) == 16, "discovery request is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_disc_req, cookie) == 8, "req.cookie at 8");
HMX__WIRE_ASSERT(sizeof(struct hmx_disc_reply) == 16, "discovery reply header is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_disc_reply, cookie) == 8, "reply.cookie at 8");
HMX__WIRE_ASSERT(offsetof(struct hmx_disc_reply, first) == 12, "reply.first at 12");
HMX__WIRE_ASSERT(sizeof(struct hmx_disc_entry) == 16, "discovery entry is 16 bytes");
HMX__WIRE_ASSERT(offsetof(struct hmx_disc_entry, domain) == 12, "entry.domain at 12");
HMX__WIRE_ASSERT(offsetof(struct hmx_disc_entry, flags) == 14, "entry.flags at 14");

#ifdef __cplusplus
}
#endif

#endif /* HMX_WIRE_H */
