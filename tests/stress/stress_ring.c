/* SPDX-License-Identifier: MIT */
/*
 * Stress test of the ring: hmx_ring_writer and hmx_ring_reader on two
 * threads over one ring, as a hypervisor and a guest use it.
 *
 *   stress_ring [--mode normal|backpressure|scribble] [--messages N]
 *               [--len BYTES] [--seconds S] [--seed X]
 *
 * normal        N messages of random sizes (0 to the ring's largest
 *               payload, a quarter of them under 33 bytes), each carrying
 *               its sequence number (message type, source port and the
 *               first 8 payload bytes), a checksum of the rest and a
 *               pattern derived from the sequence number; the writer uses
 *               1 to 3 buffers per message, the reader recv, recv_iov over
 *               3 buffers and peek; whenever the ring is full the writer
 *               gets HMX_EAGAIN and waits for space.  Every message must
 *               arrive once, in order, whole: any lost, duplicated,
 *               reordered, torn or corrupt message is an error.
 * backpressure  the same with a reader that pauses now and then, so the
 *               writer meets a full ring often (its waits are counted and
 *               must not be zero).
 * scribble      a third thread writes random values over tx_ptr, rx_ptr
 *               and message headers while both run, for S seconds.  The
 *               reader may report HMX_ECORRUPT (it then starts afresh);
 *               it must never crash, read outside the ring (the ring is
 *               allocated to the byte: run it under AddressSanitizer) or
 *               hand out more than the caller's capacity.
 *
 * Prints the messages, the seconds and the errors; exits 0 when there
 * were no errors, 1 otherwise, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmx/errors.h"
#include "hmx/ring.h"

enum mode { NORMAL, BACKPRESSURE, SCRIBBLE };

struct shared {
    enum mode mode;
    uint64_t messages;
    uint32_t len;
    uint64_t seed;
    double seconds;
    uint8_t *mem;
    int stop; /* accessed with __atomic */

    /* writer */
    uint64_t written, waits, bytes;
    /* reader */
    uint64_t received, empty_polls, corrupt, lost, duplicated, reordered, torn, bad_rc;
    /* scribbler */
    uint64_t scribbles;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* The size of message seq: a function of the seed and seq alone. */
static uint32_t size_of(const struct shared *s, uint64_t seq)
{
    uint64_t r = mix64(s->seed ^ (seq * 0x9E3779B97F4A7C15ull));
    uint32_t max = HMX_RING_MAX_PAYLOAD(s->len);

    if ((r & 3) == 0)
        return (uint32_t)((r >> 8) % 33u < max ? (r >> 8) % 33u : max);
    return (uint32_t)((r >> 8) % ((uint64_t)max + 1));
}

static uint32_t fnv32(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

/* Payload of message seq: seq, checksum of what follows, pattern. */
static void make_payload(uint64_t seq, uint8_t *p, uint32_t n)
{
    uint64_t w = mix64(seq + 1);
    uint32_t i = 12;
    uint8_t head[12];

    for (; i + 8 <= n; i += 8) {
        w = w * 6364136223846793005ull + 1442695040888963407ull;
        memcpy(p + i, &w, 8);
    }
    for (; i < n; i++)
        p[i] = (uint8_t)(seq * 131u + i);
    memcpy(head, &seq, 8);
    {
        uint32_t c = n > 12 ? fnv32(p + 12, n - 12) : 0;

        memcpy(head + 8, &c, 4);
    }
    memcpy(p, head, n < 12 ? n : 12);
}

static int stopped(struct shared *s)
{
    return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer_main(void *arg)
{
    struct shared *s = arg;
    struct hmx_ring_writer w;
    struct hmx_addr src = {0, 1, 0};
    uint8_t *buf = malloc(HMX_RING_MAX_PAYLOAD(s->len) + 1);
    uint64_t seq;

    if (buf == NULL || hmx_ring_writer_init(&w, s->mem, s->len) != 0) {
        fprintf(stderr, "writer: setup failed\n");
        exit(1);
    }
    for (seq = 0; s->mode == SCRIBBLE || seq < s->messages; seq++) {
        uint32_t n = size_of(s, seq), cut1, cut2;
        struct hmx_iov iov[3];
        unsigned niov;
        int rc;

        if (stopped(s))
            break;
        make_payload(seq, buf, n);
        /* 1 to 3 buffers, cut at points derived from seq. */
        cut1 = n ? (uint32_t)(mix64(seq) % (n + 1)) : 0;
        cut2 = cut1 + (n - cut1 ? (uint32_t)(mix64(seq ^ 1) % (n - cut1 + 1)) : 0);
        niov = 1 + (unsigned)(seq % 3);
        iov[0].base = buf;
        iov[0].len = niov == 1 ? n : cut1;
        iov[1].base = buf + cut1;
        iov[1].len = niov == 2 ? n - cut1 : cut2 - cut1;
        iov[2].base = buf + cut2;
        iov[2].len = n - cut2;
        src.port = (uint32_t)(seq >> 32);
        for (;;) {
            rc = hmx_ring_write(&w, &src, (uint32_t)seq, iov, niov);
            if (rc != HMX_EAGAIN)
                break;
            /* Back-pressure: the ring is full; wait for the reader. */
            s->waits++;
            if (stopped(s))
                break;
            sched_yield();
        }
        if (rc == HMX_EAGAIN)
            break;
        if (rc != (int)n) {
            if (s->mode == SCRIBBLE)
                continue; /* a scribbled rx_ptr may make anything of the ring */
            fprintf(stderr, "writer: message %llu of %u bytes: %d (%s)\n",
                    (unsigned long long)seq, n, rc, hmx_err_name(rc));
            exit(1);
        }
        s->written++;
        s->bytes += n;
    }
    free(buf);
    return NULL;
}

/* Check one received message against the one expected next. */
static void check_message(struct shared *s, uint64_t *expect, const struct hmx_msg_info *info,
                          const uint8_t *got, uint32_t n, uint8_t *want)
{
    uint64_t seq = ((uint64_t)info->source.port << 32) | info->message_type;

    if (seq != *expect) {
        if (seq > *expect) {
            s->lost += seq - *expect;
            fprintf(stderr, "reader: messages %llu..%llu lost\n", (unsigned long long)*expect,
                    (unsigned long long)seq - 1);
        } else {
            s->reordered++;
            fprintf(stderr, "reader: message %llu again, or out of order, after %llu\n",
                    (unsigned long long)seq, (unsigned long long)*expect - 1);
        }
        *expect = seq;
    }
    if (n != size_of(s, seq) || info->source.domain != 1 || info->source.pad != 0) {
        s->torn++;
        fprintf(stderr, "reader: message %llu has %u bytes, want %u\n", (unsigned long long)seq,
                n, size_of(s, seq));
    } else {
        uint32_t c = 0;

        make_payload(seq, want, n);
        if (n > 12)
            memcpy(&c, got + 8, 4);
        if (memcmp(got, want, n) != 0 || (n > 12 && c != fnv32(got + 12, n - 12))) {
            s->torn++;
            fprintf(stderr, "reader: message %llu torn or corrupt\n", (unsigned long long)seq);
        }
    }
    (*expect)++;
}

static void *reader_main(void *arg)
{
    struct shared *s = arg;
    struct hmx_ring_reader r;
    uint32_t max = HMX_RING_MAX_PAYLOAD(s->len);
    uint8_t *buf = malloc(max + 1), *want = malloc(max + 1);
    uint64_t expect = 0, calls = 0;

    if (buf == NULL || want == NULL) {
        fprintf(stderr, "reader: out of memory\n");
        exit(1);
    }
    if (hmx_ring_reader_init(&r, s->mem, s->len, 0) != 0) {
        /* Scribbling may have begun before this thread attached: an rx_ptr
         * that is already invalid is the corruption the test is about, and
         * the reader starts afresh as it does after any. */
        if (s->mode != SCRIBBLE || hmx_ring_reader_init(&r, s->mem, s->len, 1) != 0) {
            fprintf(stderr, "reader: setup failed\n");
            exit(1);
        }
        s->corrupt++;
    }
    while (s->mode == SCRIBBLE ? !stopped(s) : s->received < s->messages) {
        struct hmx_msg_info info;
        int rc;

        calls++;
        if (s->mode == SCRIBBLE) {
            /* Any capacity; the answer must respect it. */
            uint32_t cap = (uint32_t)(mix64(calls) % ((uint64_t)max + 2));
            uint8_t *b = buf + (max + 1 - cap); /* ends where the buffer ends */

            rc = hmx_ring_recv(&r, b, cap, &info);
            if (rc >= 0) {
                if ((uint32_t)rc > cap || info.len != (uint32_t)rc)
                    s->bad_rc++;
                s->received++;
            } else if (rc == HMX_ECORRUPT) {
                s->corrupt++;
                /* Start afresh where the shared index says, else at 0. */
                if (hmx_ring_reader_init(&r, s->mem, s->len, 0) != 0)
                    hmx_ring_reader_init(&r, s->mem, s->len, 1);
            } else if (rc == HMX_EAGAIN) {
                s->empty_polls++;
                sched_yield();
            } else if (rc != HMX_ENOBUFS) {
                s->bad_rc++;
            } else {
                hmx_ring_skip(&r); /* too big for this capacity: drop it */
            }
            if (r.rx >= s->len || r.rx % 16 != 0)
                s->bad_rc++;
            continue;
        }

        if (s->mode == BACKPRESSURE && calls % 4096 == 0) {
            /* A slow reader: let the writer fill the ring. */
            struct timespec ts = {0, 200000};

            nanosleep(&ts, NULL);
        }
        if (calls % 4 == 3) {
            /* Scattered over three buffers, cut where the peek says. */
            int p = hmx_ring_peek(&r, &info);
            struct hmx_iov iov[3];
            uint32_t a, b;

            if (p < 0) {
                rc = p;
            } else {
                a = (uint32_t)p / 3;
                b = (uint32_t)p - a;
                iov[0].base = buf;
                iov[0].len = a;
                iov[1].base = buf + a;
                iov[1].len = b / 2;
                iov[2].base = buf + a + b / 2;
                iov[2].len = max + 1 - a - b / 2;
                rc = hmx_ring_recv_iov(&r, iov, 3, &info);
            }
        } else {
            rc = hmx_ring_recv(&r, buf, max, &info);
        }
        if (rc == HMX_EAGAIN) {
            s->empty_polls++;
            sched_yield();
            continue;
        }
        if (rc < 0) {
            s->corrupt++;
            fprintf(stderr, "reader: %d (%s) after message %llu\n", rc, hmx_err_name(rc),
                    (unsigned long long)expect);
            if (s->corrupt > 10)
                break;
            continue;
        }
        check_message(s, &expect, &info, buf, (uint32_t)rc, want);
        s->received++;
    }
    /* A reader that gave up must not leave the writer waiting for space. */
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
    free(buf);
    free(want);
    return NULL;
}

/* The hostile third party: random values over indices and headers. */
static void *scribbler_main(void *arg)
{
    struct shared *s = arg;
    struct hmx_ring_hdr *hdr = (struct hmx_ring_hdr *)(void *)s->mem;
    uint32_t *data = (uint32_t *)(void *)(s->mem + HMX_RING_HDR_SIZE);
    uint64_t x = s->seed;

    while (!stopped(s)) {
        uint64_t r = mix64(++x);
        uint32_t v = (uint32_t)(r >> 32);

        /* Values near the ring's own, and anything at all. */
        if (r & 0x100)
            v = (r & 0x200) ? v % (s->len + 64) : v % s->len & ~15u;
        switch (r % 4) {
        case 0:
            __atomic_store_n(&hdr->tx_ptr, v, __ATOMIC_RELAXED);
            break;
        case 1:
            __atomic_store_n(&hdr->rx_ptr, v, __ATOMIC_RELAXED);
            break;
        default: /* the length word of some slot's header */
            __atomic_store_n(&data[(r >> 16) % (s->len / 16) * 4], v, __ATOMIC_RELAXED);
            break;
        }
        s->scribbles++;
        /* Now and then, not all the time: traffic must get through too. */
        if (r % 8 == 0) {
            struct timespec nap = {0, 20000};

            nanosleep(&nap, NULL);
        }
    }
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: stress_ring [--mode normal|backpressure|scribble] [--messages N] "
                    "[--len BYTES] [--seconds S] [--seed X]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct shared s;
    pthread_t tw, tr, ts;
    double t0, t1;
    uint64_t errors;
    int i;

    memset(&s, 0, sizeof(s));
    s.mode = NORMAL;
    s.messages = 10000000;
    s.len = hmx_ring_len_for(4096); /* one page of ring memory: 4032 bytes of data */
    s.seconds = 5;
    s.seed = 0x6d78686d78ull;
    for (i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--mode") == 0) {
            i++;
            if (strcmp(argv[i], "normal") == 0)
                s.mode = NORMAL;
            else if (strcmp(argv[i], "backpressure") == 0)
                s.mode = BACKPRESSURE;
            else if (strcmp(argv[i], "scribble") == 0)
                s.mode = SCRIBBLE;
            else
                usage();
        } else if (strcmp(argv[i], "--messages") == 0) {
            s.messages = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--len") == 0) {
            s.len = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            s.seconds = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--seed") == 0) {
            s.seed = strtoull(argv[++i], NULL, 0);
        } else {
            usage();
        }
    }
    if (!hmx_ring_valid_len(s.len)) {
        fprintf(stderr, "stress_ring: %u is not a ring length\n", s.len);
        return 2;
    }
    /* Exactly the ring's bytes, so that AddressSanitizer sees an overrun. */
    s.mem = aligned_alloc(16, HMX_RING_HDR_SIZE + s.len);
    if (s.mem == NULL)
        return 1;
    memset(s.mem, 0, HMX_RING_HDR_SIZE + s.len);

    t0 = now();
    pthread_create(&tr, NULL, reader_main, &s);
    pthread_create(&tw, NULL, writer_main, &s);
    if (s.mode == SCRIBBLE) {
        struct timespec nap = {0, 10000000};

        pthread_create(&ts, NULL, scribbler_main, &s);
        while (now() - t0 < s.seconds)
            nanosleep(&nap, NULL);
        __atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
        pthread_join(ts, NULL);
    }
    pthread_join(tw, NULL);
    if (s.mode != SCRIBBLE && s.written < s.messages)
        __atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
    pthread_join(tr, NULL);
    t1 = now();

    if (s.mode == SCRIBBLE) {
        errors = s.bad_rc;
        printf("stress_ring scribble: ring %u bytes, %.1f s: %llu messages written, %llu "
               "received, %llu HMX_ECORRUPT, %llu scribbles, errors %llu\n",
               s.len, t1 - t0, (unsigned long long)s.written, (unsigned long long)s.received,
               (unsigned long long)s.corrupt, (unsigned long long)s.scribbles,
               (unsigned long long)errors);
    } else {
        errors = s.lost + s.reordered + s.torn + s.corrupt + (s.received != s.messages);
        if (s.mode == BACKPRESSURE && s.waits == 0) {
            fprintf(stderr, "stress_ring: the writer never met a full ring\n");
            errors++;
        }
        printf("stress_ring %s: ring %u bytes, %llu messages (%.1f MB) in %.2f s (%.0f "
               "messages/s); writer waited %llu times for space, reader found the ring empty "
               "%llu times; errors %llu (lost %llu, duplicated or reordered %llu, torn %llu, "
               "corrupt %llu)\n",
               s.mode == NORMAL ? "normal" : "backpressure", s.len,
               (unsigned long long)s.received, s.bytes / 1e6, t1 - t0,
               (double)s.received / (t1 - t0), (unsigned long long)s.waits,
               (unsigned long long)s.empty_polls, (unsigned long long)errors,
               (unsigned long long)s.lost, (unsigned long long)s.reordered,
               (unsigned long long)s.torn, (unsigned long long)s.corrupt);
    }
    free(s.mem);
    return errors == 0 ? 0 : 1;
}
