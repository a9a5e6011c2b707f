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
    struct hmx_ring_hdr *hdr = mem;
    uint32_t tx;

    if (w == NULL || mem == NULL || ((uintptr_t)mem % HMX_MSG_SLOT_SIZE) != 0 ||
        !hmx_ring_valid_len(len))
        return HMX_EINVAL;

    tx = hmx_env_load_once_u32(&hdr->tx_ptr);
    if (tx >= len || (tx % HMX_MSG_SLOT_SIZE) != 0) {
        /* A mess: restart just past what the reader has consumed. */
        tx = HMX_SLOT_ROUNDUP(hmx_env_load_once_u32(&hdr->rx_ptr)); /* may wrap to 0 */
        if (tx >= len)
            tx = 0;
        hmx_env_store_release_u32(&hdr->tx_ptr, tx);
    }
    w->hdr = hdr;
    w->data = (uint8_t *)mem + HMX_RING_HDR_SIZE;
    w->len = len;
    w->tx = tx;
    return 0;
}

/* The reader's index, made safe to compute with. */
static uint32_t sanitized_rx(const struct hmx_ring_writer *w)
{
    uint32_t rx = hmx_env_load_acquire_u32(&w->hdr->rx_ptr);

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

/* Copy len bytes at data offset `at` from a source buffer, across the wrap. */
static int put(struct hmx_ring_writer *w, uint32_t *at, const struct hmx_giov *src, uint32_t len,
               hmx_ring_copy_fn copy, void *arg)
{
    uint32_t first = w->len - *at;
    int rc;

    if (first > len)
        first = len;
    rc = copy(arg, w->data + *at, src, 0, first);
    if (rc == 0 && len > first)
        rc = copy(arg, w->data, src, first, len - first);
    if (rc < 0)
        return rc;
    *at += len;
    if (*at >= w->len)
        *at -= w->len;
    return 0;
}

int hmx_ring_write_giov(struct hmx_ring_writer *w, const struct hmx_addr *source,
                        uint32_t message_type, const struct hmx_giov *iov, unsigned niov,
                        hmx_ring_copy_fn copy, void *arg)
{
    struct hmx_msg_hdr mh;
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
    if (w->len <= HMX_MSG_HDR_SIZE + HMX_SLOT_ROUNDUP(total))
        return HMX_EMSGSIZE;
    if (HMX_SLOT_ROUNDUP(total) + HMX_MSG_HDR_SIZE >= free_bytes(w, sanitized_rx(w)))
        return HMX_EAGAIN;

    mh.len = total + HMX_MSG_HDR_SIZE;
    mh.source = *source;
    mh.message_type = message_type;
    /* tx is slot aligned: the header never straddles the end. */
    hmx_env_memcpy(w->data + w->tx, &mh, sizeof(mh));
    at = w->tx + HMX_MSG_HDR_SIZE;
    if (at >= w->len)
        at -= w->len;

    for (i = 0; i < niov; i++) {
        if (iov[i].len == 0)
            continue;
        rc = put(w, &at, &iov[i], iov[i].len, copy, arg);
        if (rc < 0)
            return rc; /* tx_ptr untouched: the partial message is invisible */
    }

    at = HMX_SLOT_ROUNDUP(at);
    if (at >= w->len)
        at -= w->len;
    w->tx = at;
    hmx_env_store_release_u32(&w->hdr->tx_ptr, at);
    return (int)total;
}

static int copy_local(void *arg, void *dst, const struct hmx_giov *src, uint32_t off, uint32_t len)
{
    (void)arg;
    hmx_env_memcpy(dst, (const uint8_t *)(uintptr_t)src->gaddr + off, len);
    return 0;
}

int hmx_ring_write(struct hmx_ring_writer *w, const struct hmx_addr *source, uint32_t message_type,
                   const struct hmx_iov *iov, unsigned niov)
{
    struct hmx_giov g[HMX_MAXIOV];
    unsigned i;

    if ((niov > 0 && iov == NULL) || niov > HMX_MAXIOV)
        return HMX_EINVAL;
    for (i = 0; i < niov; i++) {
        if ((iov[i].base == NULL && iov[i].len != 0) || iov[i].len > HMX_MSG_MAX)
            return HMX_EINVAL;
        g[i].gaddr = (uint64_t)(uintptr_t)iov[i].base;
        g[i].len = (uint32_t)iov[i].len;
        g[i].pad = 0;
    }
    return hmx_ring_write_giov(w, source, message_type, g, niov, copy_local, NULL);
}
