/* SPDX-License-Identifier: MIT */
/*
 * Ring writer: the hypervisor side, which appends messages to a ring that a
 * guest owns.  It follows Xen 4.17's ringbuf_insert: the guest's rx_ptr is
 * read once and sanitised (rounded up to a slot, wrapped), the writer keeps
 * its own tx cursor, one slot always stays free, and tx_ptr is published
 * with release ordering only after the whole message is in place.
 */
#include "hmx/errors.h"
#include "hmx/ring.h"
#include "hmx_env.h"

int hmx_ring_writer_init(struct hmx_ring_writer *w, void *mem, uint32_t len)
{
    return hmx_ring_writer_init_layout(w, mem, len, NULL);
}

int hmx_ring_writer_init_layout(struct hmx_ring_writer *w, void *mem, uint32_t len,
                                const struct hmx_ring_layout *layout)
{
    const struct hmx_ring_layout *lay = layout != NULL ? layout : &hmx_ring_layout_argo;
    uint8_t *base = mem;
    uint32_t *rxp, *txp;
    uint32_t tx;

    if (w == NULL || mem == NULL || ((uintptr_t)mem % HMX_MSG_SLOT_SIZE) != 0 ||
        !hmx_ring_valid_len(len) || !hmx_ring_layout_check(lay))
        return HMX_EINVAL;
    if (lay->magic_off != HMX_RING_LAYOUT_NONE) {
        uint64_t magic;

        /* v4v: a ring in another dialect's layout (or none) is refused. */
        hmx_env_memcpy(&magic, base + lay->magic_off, sizeof(magic));
        if (magic != lay->magic)
            return HMX_EINVAL;
    }
    rxp = (uint32_t *)(void *)(base + lay->rx_off);
    txp = (uint32_t *)(void *)(base + lay->tx_off);

    tx = hmx_env_load_once_u32(txp);
    if (tx >= len || (tx % HMX_MSG_SLOT_SIZE) != 0) {
        /* A mess: restart just past what the reader has consumed. */
        tx = HMX_SLOT_ROUNDUP(hmx_env_load_once_u32(rxp)); /* may wrap to 0 */
        if (tx >= len)
            tx = 0;
        hmx_env_store_release_u32(txp, tx);
    }
    w->hdr = mem;
    w->data = base + lay->hdr_size;
    w->len = len;
    w->tx = tx;
    w->rx_ptr = rxp;
    w->tx_ptr = txp;
    w->layout = lay;
    return 0;
}

/* The reader's index, made safe to compute with. */
static uint32_t sanitized_rx(const struct hmx_ring_writer *w)
{
    uint32_t rx = hmx_env_load_acquire_u32(w->rx_ptr);

    if (rx >= w->len)
        return 0;
    rx = HMX_SLOT_ROUNDUP(rx);
    return rx >= w->len ? 0 : rx;
}

/* Free bytes between tx and rx; the whole ring when they meet. */
static uint32_t free_bytes(const struct hmx_ring_writer *w, uint32_t rx)
{
    if (rx == w->tx)
        return w->len;
    return rx > w->tx ? rx - w->tx : w->len - w->tx + rx;
}

uint32_t hmx_ring_writer_space(const struct hmx_ring_writer *w)
{
    uint32_t sp = free_bytes(w, sanitized_rx(w));

    /* One header, and one slot that must stay free. */
    return sp > HMX_MSG_HDR_SIZE + HMX_MSG_SLOT_SIZE ? sp - HMX_MSG_HDR_SIZE - HMX_MSG_SLOT_SIZE
                                                     : 0;
}

int hmx_ring_writer_empty(const struct hmx_ring_writer *w)
{
    return sanitized_rx(w) == w->tx;
}

/* Whether a message of total payload bytes can be written now. */
static int reserve(const struct hmx_ring_writer *w, uint32_t total)
{
    if (w->len <= HMX_MSG_HDR_SIZE + HMX_SLOT_ROUNDUP(total))
        return HMX_EMSGSIZE;
    if (HMX_SLOT_ROUNDUP(total) + HMX_MSG_HDR_SIZE >= free_bytes(w, sanitized_rx(w)))
        return HMX_EAGAIN;
    return 0;
}

/* Write the header at tx (slot aligned: it never straddles the end) and
 * return the offset where the payload starts. */
static uint32_t put_header(struct hmx_ring_writer *w, const struct hmx_addr *source,
                           uint32_t message_type, uint32_t total)
{
    struct hmx_msg_hdr mh;
    uint32_t at = w->tx + HMX_MSG_HDR_SIZE;

    mh.len = total + HMX_MSG_HDR_SIZE;
    mh.source = *source;
    mh.message_type = message_type;
    hmx_env_memcpy(w->data + w->tx, &mh, sizeof(mh));
    return at >= w->len ? at - w->len : at;
}

/* Make the message visible: round to a slot, then release tx_ptr. */
static void publish(struct hmx_ring_writer *w, uint32_t at)
{
    at = HMX_SLOT_ROUNDUP(at);
    if (at >= w->len)
        at -= w->len;
    w->tx = at;
    hmx_env_store_release_u32(w->tx_ptr, at);
}

int hmx_ring_write_giov(struct hmx_ring_writer *w, const struct hmx_addr *source,
                        uint32_t message_type, const struct hmx_giov *iov, unsigned niov,
                        hmx_ring_copy_fn copy, void *arg)
{
    uint32_t total = 0, at, i;
    int rc;

    if (w == NULL || w->hdr == NULL || source == NULL || copy == NULL ||
        (niov > 0 && iov == NULL) || niov > HMX_MAXIOV)
        return HMX_EINVAL;
    for (i = 0; i < niov; i++) {
        if (iov[i].pad != 0 || iov[i].len > HMX_MSG_MAX)
            return HMX_EINVAL;
        total += iov[i].len; /* no overflow: each term <= HMX_MSG_MAX < 2^24 */
        if (total > HMX_MSG_MAX)
            return HMX_EMSGSIZE;
    }
    rc = reserve(w, total);
    if (rc < 0)
        return rc;

    at = put_header(w, source, message_type, total);
    for (i = 0; i < niov; i++) {
        uint32_t len = iov[i].len, first = w->len - at;

        if (len == 0)
            continue;
        if (first > len)
            first = len;
        rc = copy(arg, w->data + at, &iov[i], 0, first);
        if (rc == 0 && len > first)
            rc = copy(arg, w->data, &iov[i], first, len - first);
        if (rc != 0)
            return rc < 0 ? rc : HMX_EFAULT; /* tx_ptr untouched: nothing published */
        at += len;
        if (at >= w->len)
            at -= w->len;
    }
    publish(w, at);
    return (int)total;
}

int hmx_ring_write(struct hmx_ring_writer *w, const struct hmx_addr *source, uint32_t message_type,
                   const struct hmx_iov *iov, unsigned niov)
{
    uint32_t total = 0, at, i;
    int rc;

    if (w == NULL || w->hdr == NULL || source == NULL || (niov > 0 && iov == NULL) ||
        niov > HMX_MAXIOV)
        return HMX_EINVAL;
    for (i = 0; i < niov; i++) {
        if ((iov[i].base == NULL && iov[i].len != 0) || iov[i].len > HMX_MSG_MAX)
            return HMX_EINVAL;
        total += (uint32_t)iov[i].len;
        if (total > HMX_MSG_MAX)
            return HMX_EMSGSIZE;
    }
    rc = reserve(w, total);
    if (rc < 0)
        return rc;

    /* The same steps as hmx_ring_write_giov with plain memcpy: this is the
     * path of every in-memory writer, so it avoids the indirect call. */
    at = put_header(w, source, message_type, total);
    for (i = 0; i < niov; i++) {
        const uint8_t *src = iov[i].base;
        uint32_t len = (uint32_t)iov[i].len, first = w->len - at;

        if (len == 0)
            continue;
        if (first > len)
            first = len;
        hmx_env_memcpy(w->data + at, src, first);
        if (len > first)
            hmx_env_memcpy(w->data, src + first, len - first);
        at += len;
        if (at >= w->len)
            at -= w->len;
    }
    publish(w, at);
    return (int)total;
}
