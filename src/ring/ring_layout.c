/* SPDX-License-Identifier: MIT */
/*
 * Ring header layouts: where each hypervisor ABI keeps rx_ptr, tx_ptr and
 * its other header fields, and where the data area starts.  Offsets are
 * from Xen 4.17's public/argo.h (xen_argo_ring_t), OpenXT's v4v.h for Xen
 * 4.12 and uXen's v4v.h after its 64-byte padding change (spec/, section
 * "v4v and Argo").
 */
#include "hmx/ring.h"

/* The v4v ring magics: the hypervisor refuses a ring without its own. */
#define V4V_OPENXT_RING_MAGIC 0xdf6977f231abd910ull
#define V4V_UXEN_RING_MAGIC 0xac67e163e7267f2full

const struct hmx_ring_layout hmx_ring_layout_argo = {
    .name = "argo",
    .hdr_size = HMX_RING_HDR_SIZE,
    .rx_off = 0,
    .tx_off = 4,
    .magic_off = HMX_RING_LAYOUT_NONE,
    .len_off = HMX_RING_LAYOUT_NONE,
    .id_off = HMX_RING_LAYOUT_NONE,
    .magic = 0,
};

/* u64 magic @0, ring id @8, u32 len @16, rx @20, tx @24, u64 reserved[4]:
 * 60 bytes, so the data area is only 4-byte aligned. */
const struct hmx_ring_layout hmx_ring_layout_v4v_openxt = {
    .name = "v4v-openxt",
    .hdr_size = 60,
    .rx_off = 20,
    .tx_off = 24,
    .magic_off = 0,
    .len_off = 16,
    .id_off = 8,
    .magic = V4V_OPENXT_RING_MAGIC,
};

/* As OpenXT's up to tx, then u32 reserved[9]: 64 bytes. */
const struct hmx_ring_layout hmx_ring_layout_v4v_uxen = {
    .name = "v4v-uxen",
    .hdr_size = 64,
    .rx_off = 20,
    .tx_off = 24,
    .magic_off = 0,
    .len_off = 16,
    .id_off = 8,
    .magic = V4V_UXEN_RING_MAGIC,
};

/* Does [off, off + size) lie in the header, aligned to size, clear of
 * [a, a + 4) and [b, b + 4)? */
static int field_ok(const struct hmx_ring_layout *l, uint32_t off, uint32_t size, uint32_t align)
{
    if (off == HMX_RING_LAYOUT_NONE)
        return 1;
    if (off > l->hdr_size || size > l->hdr_size - off || off % align != 0)
        return 0;
    return (off + size <= l->rx_off || off >= l->rx_off + 4u) &&
           (off + size <= l->tx_off || off >= l->tx_off + 4u);
}

int hmx_ring_layout_check(const struct hmx_ring_layout *l)
{
    if (l == NULL || l->hdr_size > HMX_RING_HDR_SIZE || l->hdr_size < 8u || l->hdr_size % 4u != 0)
        return 0;
    if (l->rx_off > l->hdr_size - 4u || l->tx_off > l->hdr_size - 4u || l->rx_off % 4u != 0 ||
        l->tx_off % 4u != 0 || l->rx_off == l->tx_off)
        return 0;
    /* The magic is 8 bytes but only 4-byte aligned in general (the header
     * itself is at least 16-byte aligned, so both v4v magics at 0 are
     * naturally aligned); it is read and written with memcpy. */
    return field_ok(l, l->magic_off, 8, 4) && field_ok(l, l->len_off, 4, 4) &&
           field_ok(l, l->id_off, 8, 2);
}
