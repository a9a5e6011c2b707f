/* SPDX-License-Identifier: MIT */
/*
 * The HMX ring: reader (the guest that owns the ring) and writer (the
 * hypervisor side, or anything playing its part).
 *
 * Ring memory is a struct hmx_ring_hdr (64 bytes; v4v lays its header out
 * differently: struct hmx_ring_layout below) followed by a data area of
 * `len` bytes (a multiple of 16, HMX_RING_MIN_LEN..HMX_RING_MAX_LEN).  The
 * writer appends messages at tx_ptr: a 16-byte struct hmx_msg_hdr, then the
 * payload, then padding to the next 16-byte slot, wrapping at the end of the
 * data area.  The reader consumes at rx_ptr.  One slot always stays free, so
 * rx_ptr == tx_ptr means empty, never full.
 *
 * Trust.  Both sides treat the other's index as hostile:
 *  - the reader keeps its own read cursor; it loads tx_ptr and every message
 *    header exactly once per call, validates them against its own trusted
 *    copy of `len`, and reports HMX_ECORRUPT rather than read out of bounds,
 *    loop, or hand out part of a message;
 *  - the writer keeps its own tx cursor and sanitises rx_ptr as Xen does.
 * The shared indices are accessed with acquire/release ordering, so a reader
 * never sees tx_ptr before the bytes it covers.
 */
#ifndef HMX_RING_H
#define HMX_RING_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer in this address space (used by the API and the ring writer). */
struct hmx_iov {
    const void *base;
    size_t len;
};

/*
 * The header of ring memory differs between the hypervisor ABIs that use
 * this ring (spec/, section "v4v and Argo"): Argo's is 64 bytes with rx_ptr
 * and tx_ptr at 0 and 4; v4v's carries a magic, the ring id and the length,
 * with rx_ptr and tx_ptr at 20 and 24, and the data area starts at 60
 * (OpenXT) or 64 (uXen).  Messages, slots and indices are the same in all,
 * so one reader and one writer serve every layout through this descriptor.
 */
#define HMX_RING_LAYOUT_NONE 0xFFFFFFFFu /* an offset the layout lacks */

struct hmx_ring_layout {
    const char *name;
    uint32_t hdr_size;  /* bytes before the data area; a multiple of 4 */
    uint32_t rx_off;    /* offset of rx_ptr (u32) */
    uint32_t tx_off;    /* offset of tx_ptr (u32) */
    uint32_t magic_off; /* offset of the u64 magic, or HMX_RING_LAYOUT_NONE */
    uint32_t len_off;   /* offset of the u32 data length, or HMX_RING_LAYOUT_NONE */
    uint32_t id_off;    /* offset of the 8-byte v4v ring id, or HMX_RING_LAYOUT_NONE */
    uint32_t pad;
    uint64_t magic;     /* the value at magic_off */
};

extern const struct hmx_ring_layout hmx_ring_layout_argo;        /* Xen Argo, HMX */
extern const struct hmx_ring_layout hmx_ring_layout_v4v_openxt;  /* OpenXT v4v: 60 bytes */
extern const struct hmx_ring_layout hmx_ring_layout_v4v_uxen;    /* uXen v4v: 64 bytes */

/*
 * hmx_ring_layout_check - whether a layout can be used: the header is at
 * most HMX_RING_HDR_SIZE bytes and a multiple of 4, and every field lies
 * inside it, aligned, without overlapping rx_ptr or tx_ptr.
 * Returns: 1 or 0.
 */
int hmx_ring_layout_check(const struct hmx_ring_layout *lay);

/* What the reader knows of one message. */
struct hmx_msg_info {
    struct hmx_addr source; /* sender, as written by the hypervisor */
    uint32_t message_type;
    uint32_t len;           /* payload bytes */
};

/*
 * hmx_ring_len_for - the data-area length that fits in mem_size bytes of
 * ring memory (header included), capped at HMX_RING_MAX_LEN.
 * Returns: the length (a multiple of 16), or 0 if mem_size is too small.
 */
uint32_t hmx_ring_len_for(size_t mem_size);

/*
 * hmx_ring_valid_len - whether len is a data-area length Xen accepts.
 * Returns: 1 if HMX_RING_MIN_LEN <= len <= HMX_RING_MAX_LEN and len % 16 == 0,
 * else 0.
 */
int hmx_ring_valid_len(uint32_t len);

/* ---- Reader (guest side) --------------------------------------------- */

struct hmx_ring_reader {
    struct hmx_ring_hdr *hdr; /* shared: the start of ring memory */
    const uint8_t *data;      /* shared, len bytes */
    uint32_t len;             /* trusted: the length we registered */
    uint32_t rx;              /* trusted: our read cursor */
    uint32_t *rx_ptr;         /* shared: where the layout keeps rx_ptr */
    uint32_t *tx_ptr;         /* shared: where the layout keeps tx_ptr */
    const struct hmx_ring_layout *layout;
};

/*
 * hmx_ring_reader_init - attach a reader to ring memory.
 * mem: 16-byte aligned, HMX_RING_HDR_SIZE + len bytes.
 * reset: non-zero for a fresh ring: rx_ptr and tx_ptr are set to 0 and the
 *        reserved bytes cleared.  Zero to adopt an existing ring: the cursor
 *        starts at the shared rx_ptr, which must be valid.
 * Returns: 0; HMX_EINVAL for a NULL or misaligned mem or an invalid len;
 * HMX_ECORRUPT when adopting a ring whose rx_ptr is invalid.
 */
int hmx_ring_reader_init(struct hmx_ring_reader *r, void *mem, uint32_t len, int reset);

/*
 * hmx_ring_reader_init_layout - as hmx_ring_reader_init for ring memory in
 * the given header layout (NULL: Argo's).  A reset also writes the layout's
 * magic and len and clears the rest of the header (the ring id is the
 * registering backend's to fill).  The reader never trusts the shared magic
 * or len: it keeps its own len.
 * Returns: as hmx_ring_reader_init; HMX_EINVAL for a layout that fails
 * hmx_ring_layout_check.
 */
int hmx_ring_reader_init_layout(struct hmx_ring_reader *r, void *mem, uint32_t len, int reset,
                                const struct hmx_ring_layout *layout);

/*
 * hmx_ring_peek - describe the next message without consuming it.
 * Returns: the payload length (>= 0) with *info filled; HMX_EAGAIN if the
 * ring is empty; HMX_ECORRUPT if tx_ptr or the header is invalid.
 */
int hmx_ring_peek(const struct hmx_ring_reader *r, struct hmx_msg_info *info);

/*
 * hmx_ring_recv - copy out the next message's payload and consume it.
 * buf may be NULL when cap is 0.  info may be NULL.
 * Returns: the payload length (>= 0); HMX_EAGAIN if empty; HMX_ENOBUFS if the
 * payload is longer than cap (nothing consumed, *info tells the length);
 * HMX_ECORRUPT if tx_ptr or the header is invalid (nothing consumed).
 */
int hmx_ring_recv(struct hmx_ring_reader *r, void *buf, size_t cap, struct hmx_msg_info *info);

/*
 * hmx_ring_recv_iov - as hmx_ring_recv, scattering the payload over iov.
 * Returns: as hmx_ring_recv; HMX_EINVAL for niov > 0 with a NULL iov.
 */
int hmx_ring_recv_iov(struct hmx_ring_reader *r, const struct hmx_iov *iov, unsigned niov,
                      struct hmx_msg_info *info);

/*
 * hmx_ring_skip - consume the next message without copying it.
 * Returns: its payload length; HMX_EAGAIN if empty; HMX_ECORRUPT.
 */
int hmx_ring_skip(struct hmx_ring_reader *r);

/*
 * hmx_ring_pending - bytes written but not yet consumed (headers and padding
 * included).
 * Returns: 0..len-16; HMX_ECORRUPT if tx_ptr is invalid.
 */
int hmx_ring_pending(const struct hmx_ring_reader *r);

/* ---- Writer (hypervisor side) ---------------------------------------- */

struct hmx_ring_writer {
    struct hmx_ring_hdr *hdr; /* shared: the start of ring memory */
    uint8_t *data;            /* shared, len bytes */
    uint32_t len;             /* trusted */
    uint32_t tx;              /* trusted: our write cursor */
    uint32_t *rx_ptr;         /* shared: where the layout keeps rx_ptr */
    uint32_t *tx_ptr;         /* shared: where the layout keeps tx_ptr */
    const struct hmx_ring_layout *layout;
};

/*
 * Copy len bytes of a source buffer, starting off bytes into it, to dst.
 * The writer calls it once or twice per buffer (twice across the wrap).
 * Returns 0, or a negative HMX_E* code (typically HMX_EFAULT) that aborts
 * the write with nothing published.
 */
typedef int (*hmx_ring_copy_fn)(void *arg, void *dst, const struct hmx_giov *src, uint32_t off,
                                uint32_t len);

/*
 * hmx_ring_writer_init - attach a writer to ring memory of data length len.
 * Adopts the shared tx_ptr when it is valid; otherwise (as Xen does on
 * registration) restarts at rx_ptr rounded up to a slot, and publishes it.
 * Returns: 0; HMX_EINVAL for a NULL or misaligned mem or an invalid len.
 */
int hmx_ring_writer_init(struct hmx_ring_writer *w, void *mem, uint32_t len);

/*
 * hmx_ring_writer_init_layout - as hmx_ring_writer_init for ring memory in
 * the given header layout (NULL: Argo's).  A layout with a magic requires
 * it (v4v refuses a ring whose magic is stale).  The shared len is not
 * consulted: len is the trusted length the hypervisor took at registration.
 * Returns: as hmx_ring_writer_init; HMX_EINVAL for a wrong magic or a
 * layout that fails hmx_ring_layout_check.
 */
int hmx_ring_writer_init_layout(struct hmx_ring_writer *w, void *mem, uint32_t len,
                                const struct hmx_ring_layout *layout);

/*
 * hmx_ring_writer_space - the largest payload that fits right now (Xen's
 * ringbuf_payload_space).  Reads rx_ptr once.
 */
uint32_t hmx_ring_writer_space(const struct hmx_ring_writer *w);

/*
 * hmx_ring_writer_empty - whether the reader has consumed everything.
 */
int hmx_ring_writer_empty(const struct hmx_ring_writer *w);

/*
 * hmx_ring_write_giov - append one message made of niov source buffers.
 * Each buffer is copied with copy(arg, ...); tx_ptr is published (release)
 * only after every byte is in place, so a failed copy publishes nothing.
 * Returns: payload bytes written; HMX_EINVAL (NULL/invalid iov, non-zero pad,
 * a buffer longer than HMX_MSG_MAX); HMX_EMSGSIZE (total longer than
 * HMX_MSG_MAX or than the ring can ever hold); HMX_EAGAIN (does not fit
 * now); or the copy function's error.
 */
int hmx_ring_write_giov(struct hmx_ring_writer *w, const struct hmx_addr *source,
                        uint32_t message_type, const struct hmx_giov *iov, unsigned niov,
                        hmx_ring_copy_fn copy, void *arg);

/*
 * hmx_ring_write - append one message from buffers in this address space.
 * Returns: as hmx_ring_write_giov.
 */
int hmx_ring_write(struct hmx_ring_writer *w, const struct hmx_addr *source, uint32_t message_type,
                   const struct hmx_iov *iov, unsigned niov);

#ifdef __cplusplus
}
#endif

#endif /* HMX_RING_H */
