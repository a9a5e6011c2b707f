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

#ifdef __cplusplus
}
#endif

#endif /* HMX_WIRE_H */
