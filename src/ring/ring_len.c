/* SPDX-License-Identifier: MIT */
/* Ring geometry shared by the reader, the writer and the API. */
#include "hmx/ring.h"

int hmx_ring_valid_len(uint32_t len)
{
    return len >= HMX_RING_MIN_LEN && len <= HMX_RING_MAX_LEN && (len % HMX_MSG_SLOT_SIZE) == 0;
}

uint32_t hmx_ring_len_for(size_t mem_size)
{
    size_t len;

    if (mem_size < HMX_RING_HDR_SIZE + HMX_RING_MIN_LEN)
        return 0;
    len = mem_size - HMX_RING_HDR_SIZE;
    if (len > HMX_RING_MAX_LEN)
        len = HMX_RING_MAX_LEN;
    return (uint32_t)(len & ~(size_t)(HMX_MSG_SLOT_SIZE - 1u));
}
