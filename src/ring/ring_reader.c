/* SPDX-License-Identifier: MIT */
/*
 * Ring reader: the guest side, which consumes messages from ring memory
 * that the hypervisor writes.
 *
 * Everything in shared memory is hostile.  Each call loads tx_ptr once and
 * each header field once, validates them against the reader's own copies of
 * len and rx (never the shared rx_ptr), and only then copies.  Every bound
 * below is checked before it is used as an offset, so corrupt memory costs
 * an HMX_ECORRUPT, not an out-of-bounds access, a loop or a torn message.
 * The header layout (ring.h, struct hmx_ring_layout) only says where the
 * two indices and the data area are; nothing else in it is ever read.
 */
#include "hmx/errors.h"
#include "hmx/ring.h"
#include "hmx_env.h"

/* A validated view of the next message. */
struct next_msg {
    uint32_t payload_len;
    uint32_t payload_off; /* offset in the data area, < len */
    uint32_t slot_bytes;  /* header + payload, rounded to a slot */
    struct hmx_msg_info info;
};

int hmx_ring_reader_init(struct hmx_ring_reader *r, void *mem, uint32_t len, int reset)
{
    return hmx_ring_reader_init_layout(r, mem, len, reset, NULL);
}

int hmx_ring_reader_init_layout(struct hmx_ring_reader *r, void *mem, uint32_t len, int reset,
                                const struct hmx_ring_layout *layout)
{
    const struct hmx_ring_layout *lay = layout != NULL ? layout : &hmx_ring_layout_argo;
    uint8_t *base = mem;
    uint32_t *rxp, *txp;
    uint32_t rx;

    if (r == NULL || mem == NULL || ((uintptr_t)mem % HMX_MSG_SLOT_SIZE) != 0 ||
        !hmx_ring_valid_len(len) || !hmx_ring_layout_check(lay))
        return HMX_EINVAL;
    rxp = (uint32_t *)(void *)(base + lay->rx_off);
    txp = (uint32_t *)(void *)(base + lay->tx_off);

    if (reset) {
        /* Everything but the two indices: reserved bytes, and for v4v the
         * magic and length the hypervisor reads at registration. */
        uint32_t off;

        for (off = 0; off < lay->hdr_size; off += 4u)
            if (off != lay->rx_off && off != lay->tx_off)
                hmx_env_memset(base + off, 0, 4);
        if (lay->magic_off != HMX_RING_LAYOUT_NONE)
            hmx_env_memcpy(base + lay->magic_off, &lay->magic, sizeof(lay->magic));
        if (lay->len_off != HMX_RING_LAYOUT_NONE)
            hmx_env_memcpy(base + lay->len_off, &len, sizeof(len));
        hmx_env_store_release_u32(txp, 0u);
        hmx_env_store_release_u32(rxp, 0u);
        rx = 0;
    } else {
        rx = hmx_env_load_once_u32(rxp);
        if (rx >= len || (rx % HMX_MSG_SLOT_SIZE) != 0)
            return HMX_ECORRUPT;
    }
    r->hdr = mem;
    r->data = base + lay->hdr_size;
    r->len = len;
    r->rx = rx;
    r->rx_ptr = rxp;
    r->tx_ptr = txp;
    r->layout = lay;
    return 0;
}

/* Bytes between our cursor and a validated tx. */
static uint32_t pending_bytes(uint32_t rx, uint32_t tx, uint32_t len)
{
    return tx >= rx ? tx - rx : len - rx + tx;
}

/* Load and validate tx_ptr; returns pending bytes or HMX_ECORRUPT. */
static int load_pending(const struct hmx_ring_reader *r)
{
    uint32_t tx = hmx_env_load_acquire_u32(r->tx_ptr);

    if (tx >= r->len || (tx % HMX_MSG_SLOT_SIZE) != 0)
        return HMX_ECORRUPT;
    return (int)pending_bytes(r->rx, tx, r->len);
}

static int next_message(const struct hmx_ring_reader *r, struct next_msg *m)
{
    const volatile uint32_t *h;
    uint32_t mlen, src_port, src_dom_pad, type;
    int pending;

    if (r == NULL || r->hdr == NULL)
        return HMX_EINVAL;
    pending = load_pending(r);
    if (pending < 0)
        return pending;
    if (pending == 0)
        return HMX_EAGAIN;

    /* rx is slot aligned and len a multiple of the slot size, so the
     * 16-byte header lies wholly inside the data area. */
    h = (const volatile uint32_t *)(const volatile void *)(r->data + r->rx);
    mlen = h[0];
    src_port = h[1];
    src_dom_pad = h[2];
    type = h[3];

    /* Compare before rounding: a huge mlen must not wrap to a small one. */
    if (mlen < HMX_MSG_HDR_SIZE || mlen > (uint32_t)pending ||
        HMX_SLOT_ROUNDUP(mlen) > (uint32_t)pending)
        return HMX_ECORRUPT;

    m->payload_len = mlen - HMX_MSG_HDR_SIZE;
    m->payload_off = r->rx + HMX_MSG_HDR_SIZE;
    if (m->payload_off >= r->len)
        m->payload_off -= r->len;
    m->slot_bytes = HMX_SLOT_ROUNDUP(mlen);
    m->info.source.port = src_port;
    m->info.source.domain = (hmx_domid_t)(src_dom_pad & 0xFFFFu);
    m->info.source.pad = (uint16_t)(src_dom_pad >> 16);
    m->info.message_type = type;
    m->info.len = m->payload_len;
    return 0;
}

/* Copy n payload bytes starting skip bytes into the message, across the wrap. */
static void copy_out(const struct hmx_ring_reader *r, const struct next_msg *m, uint32_t skip,
                     uint8_t *dst, uint32_t n)
{
    uint32_t off = m->payload_off + skip;
    uint32_t first;

    if (n == 0)
        return; /* dst may be NULL: memcpy(NULL, p, 0) is undefined */
    if (off >= r->len)
        off -= r->len;
    first = r->len - off;
    if (first > n)
        first = n;
    hmx_env_memcpy(dst, r->data + off, first);
    if (n > first)
        hmx_env_memcpy(dst + first, r->data, n - first);
}

static void consume(struct hmx_ring_reader *r, const struct next_msg *m)
{
    uint32_t rx = r->rx + m->slot_bytes;

    if (rx >= r->len)
        rx -= r->len;
    r->rx = rx;
    /* Release: our copies out of the ring happen before the writer may
     * reuse the space. */
    hmx_env_store_release_u32(r->rx_ptr, rx);
}

int hmx_ring_peek(const struct hmx_ring_reader *r, struct hmx_msg_info *info)
{
    struct next_msg m;
    int rc = next_message(r, &m);

    if (rc < 0)
        return rc;
    if (info != NULL)
        *info = m.info;
    return (int)m.payload_len;
}

int hmx_ring_recv(struct hmx_ring_reader *r, void *buf, size_t cap, struct hmx_msg_info *info)
{
    struct next_msg m;
    int rc;

    if (buf == NULL && cap != 0)
        return HMX_EINVAL;
    rc = next_message(r, &m);
    if (rc < 0)
        return rc;
    if (info != NULL)
        *info = m.info;
    if (m.payload_len > cap)
        return HMX_ENOBUFS;
    copy_out(r, &m, 0, buf, m.payload_len);
    consume(r, &m);
    return (int)m.payload_len;
}

int hmx_ring_recv_iov(struct hmx_ring_reader *r, const struct hmx_iov *iov, unsigned niov,
                      struct hmx_msg_info *info)
{
    struct next_msg m;
    size_t cap = 0;
    uint32_t done = 0;
    unsigned i;
    int rc;

    if (niov > 0 && iov == NULL)
        return HMX_EINVAL;
    for (i = 0; i < niov; i++) {
        if (iov[i].base == NULL && iov[i].len != 0)
            return HMX_EINVAL;
        cap += iov[i].len;
        if (cap < iov[i].len) /* overflow: more room than any message needs */
            cap = (size_t)-1;
    }

    rc = next_message(r, &m);
    if (rc < 0)
        return rc;
    if (info != NULL)
        *info = m.info;
    if (m.payload_len > cap)
        return HMX_ENOBUFS;

    for (i = 0; i < niov && done < m.payload_len; i++) {
        uint32_t n = m.payload_len - done;

        if (iov[i].len < n)
            n = (uint32_t)iov[i].len;
        copy_out(r, &m, done, (uint8_t *)(uintptr_t)iov[i].base, n);
        done += n;
    }
    consume(r, &m);
    return (int)m.payload_len;
}

int hmx_ring_skip(struct hmx_ring_reader *r)
{
    struct next_msg m;
    int rc = next_message(r, &m);

    if (rc < 0)
        return rc;
    consume(r, &m);
    return (int)m.payload_len;
}

int hmx_ring_pending(const struct hmx_ring_reader *r)
{
    if (r == NULL || r->hdr == NULL)
        return HMX_EINVAL;
    return load_pending(r);
}
