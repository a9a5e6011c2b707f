/* SPDX-License-Identifier: MIT */
/*
 * Frama-C / Eva driver for the ring reader (src/ring/ring_reader.c with
 * src/ring/ring_len.c): every entry point, called in any order and any
 * number of times, on ring memory that is entirely unknown - indices,
 * headers and payload - and made unknown again before every call, as a
 * hostile writer may change any byte at any moment (the shared indices
 * are volatile here as well: tests/frama-c/env/hmx_env.h).  The reader's
 * own struct is the only trusted state.
 *
 * Configuration (run.sh passes them):
 *   DRIVER_LEN_MIN, DRIVER_LEN_MAX  the ring's data length: any multiple of
 *       16 in the range (an interval for Eva); the memory is sized for
 *       DRIVER_LEN_MAX, so an access beyond the ring of the largest length
 *       is an alarm, and with MIN == MAX beyond the ring itself
 *   DRIVER_SPLIT  analyse every position of the read cursor apart (Eva's
 *       split annotation), which makes the copy bounds exact; practical
 *       for small rings only
 *   DRIVER_LAYOUT, DRIVER_LAYOUT_HDR  a ring header layout (hmx/ring.h,
 *       e.g. hmx_ring_layout_v4v_openxt) and its header size: the memory is
 *       then exactly that header and the data area
 */
#include "__fc_builtin.h"
#include "hmx/errors.h"
#include "hmx/ring.h"

#ifndef DRIVER_LEN_MIN
#define DRIVER_LEN_MIN HMX_RING_MIN_LEN
#endif
#ifndef DRIVER_LEN_MAX
#define DRIVER_LEN_MAX HMX_RING_MAX_LEN
#endif

#ifdef DRIVER_LAYOUT
#define DRIVER_HDR DRIVER_LAYOUT_HDR
#define READER_INIT(r, m, l, reset) hmx_ring_reader_init_layout(r, m, l, reset, &DRIVER_LAYOUT)
#else
#define DRIVER_HDR HMX_RING_HDR_SIZE
#define READER_INIT(r, m, l, reset) hmx_ring_reader_init(r, m, l, reset)
#endif

static uint8_t mem[DRIVER_HDR + DRIVER_LEN_MAX] __attribute__((aligned(16)));
static uint8_t out[DRIVER_LEN_MAX];
static uint8_t out2[DRIVER_LEN_MAX];

int main(void)
{
    struct hmx_ring_reader r, refused;
    struct hmx_msg_info info;
    struct hmx_iov iov[3];
    uint32_t len = 16u * Frama_C_unsigned_int_interval(DRIVER_LEN_MIN / 16u, DRIVER_LEN_MAX / 16u);
    int rc;

    Frama_C_make_unknown((char *)mem, sizeof(mem));
    /* Misaligned memory and lengths that are not ring lengths are refused. */
    /* (Eva does not know absolute addresses, so the alignment check of
     * mem + 8 is not decided; it is the call that must be safe.) */
    rc = READER_INIT(&refused, mem + 8, len, 1);
    rc = READER_INIT(&refused, mem, Frama_C_unsigned_int_interval(0, HMX_RING_MIN_LEN - 1), 1);
    //@ assert rc == HMX_EINVAL;

    /* Attach fresh (reset) or adopting whatever rx_ptr holds. */
    rc = READER_INIT(&r, mem, len, Frama_C_interval(0, 1));
    if (rc != 0)
        return rc;
    //@ assert r.rx < r.len && r.rx % 16 == 0;

    while (Frama_C_nondet(0, 1)) {
        size_t cap = Frama_C_size_t_interval(0, DRIVER_LEN_MAX);

        /* The other side may have written anything since the last call. */
        Frama_C_make_unknown((char *)mem, sizeof(mem));
#ifdef DRIVER_SPLIT
        //@ split r.rx;
#endif
        switch (Frama_C_interval(0, 6)) {
        case 0:
            rc = hmx_ring_recv(&r, out, cap, &info);
            break;
        case 1:
            rc = hmx_ring_recv(&r, Frama_C_nondet(0, 1) ? out : (uint8_t *)0, 0, (void *)0);
            break;
        case 2:
            rc = hmx_ring_peek(&r, &info);
            break;
        case 3:
            rc = hmx_ring_skip(&r);
            break;
        case 4:
            rc = hmx_ring_pending(&r);
            break;
        case 5:
            iov[0].base = out;
            iov[0].len = Frama_C_size_t_interval(0, DRIVER_LEN_MAX);
            iov[1].base = (void *)0;
            iov[1].len = 0;
            iov[2].base = out2;
            iov[2].len = Frama_C_size_t_interval(0, DRIVER_LEN_MAX);
            rc = hmx_ring_recv_iov(&r, iov, 3, &info);
            break;
        default:
            rc = hmx_ring_recv_iov(&r, (void *)0, 0, &info);
            break;
        }
        /* Every answer is a payload length shorter than the ring, or one of
         * the documented codes. */
        //@ assert HMX_ECORRUPT <= rc < (int)r.len;
        //@ assert r.rx < r.len && r.rx % 16 == 0;
    }
    return 0;
}
