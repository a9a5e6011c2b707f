/* SPDX-License-Identifier: MIT */
/*
 * hmx bench ring: how fast the ring moves bytes from the writer (hypervisor
 * side) to the reader (guest side), single-threaded, against the floor any
 * copy-in/copy-out transport has: the same bytes memcpy'd into a buffer the
 * size of the ring's data area and out again, measured in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmx/hmx.h"
#include "tool.h"

static const uint32_t default_sizes[] = {16, 64, 256, 1024, 4096, 16384, 65536};
#define NSIZES (sizeof(default_sizes) / sizeof(default_sizes[0]))

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping copies whose results are unused. */
static volatile uint8_t sink;

struct run {
    uint64_t messages;
    double seconds;
    int error;
};

/* Fill the ring until it refuses, drain it, repeat. */
static struct run bench_ring(void *mem, uint32_t len, uint32_t size, uint64_t messages,
                             const uint8_t *src, uint8_t *dst)
{
    struct hmx_ring_writer w;
    struct hmx_ring_reader r;
    struct hmx_addr from = {.port = 1, .domain = 1, .pad = 0};
    struct hmx_iov iov = {.base = src, .len = size};
    struct run res = {0, 0, 0};
    uint64_t done = 0;
    double t0;
    int rc;

    hmx_ring_reader_init(&r, mem, len, 1);
    hmx_ring_writer_init(&w, mem, len);
    t0 = now_s();
    while (done < messages) {
        uint64_t queued = 0;

        while (done + queued < messages && (rc = hmx_ring_write(&w, &from, 0, &iov, 1)) >= 0)
            queued++;
        while (queued > 0) {
            rc = hmx_ring_recv(&r, dst, size, NULL);
            if (rc != (int)size) {
                res.error = rc < 0 ? rc : HMX_ECORRUPT;
                return res;
            }
            queued--;
            done++;
        }
    }
    res.seconds = now_s() - t0;
    res.messages = done;
    sink = dst[size - 1];
    return res;
}

/* The same bytes through a plain buffer of the ring's size, in the same pattern. */
static struct run bench_memcpy(uint8_t *buf, uint32_t len, uint32_t size, uint64_t messages,
                               const uint8_t *src, uint8_t *dst)
{
    const uint32_t slot = HMX_SLOT_ROUNDUP(size) + HMX_MSG_HDR_SIZE;
    const uint32_t per_fill = (len - HMX_MSG_SLOT_SIZE) / slot;
    struct run res = {0, 0, 0};
    uint64_t done = 0;
    uint32_t off = 0;
    double t0 = now_s();

    while (done < messages) {
        uint32_t n = per_fill ? per_fill : 1, start = off;

        for (uint32_t i = 0; i < n && done + i < messages; i++) {
            memcpy(buf + off, src, size);
            off = (off + slot + size <= len) ? off + slot : 0;
        }
        off = start;
        for (uint32_t i = 0; i < n && done < messages; i++) {
            memcpy(dst, buf + off, size);
            sink = dst[0];
            off = (off + slot + size <= len) ? off + slot : 0;
            done++;
        }
    }
    res.seconds = now_s() - t0;
    res.messages = done;
    return res;
}

static void bench_help(void)
{
    printf("usage: hmx bench ring [--bytes N] [--ring-size BYTES] [--size BYTES]...\n"
           "\n"
           "Moves messages from a ring writer (the hypervisor side) to a ring reader\n"
           "(the guest side) on one thread: fill the ring until it is full, drain it,\n"
           "repeat.  For each message size it prints messages/s and payload GB/s,\n"
           "then the same bytes copied into and out of a plain buffer of the same\n"
           "size with memcpy, and the ratio ring time / memcpy time (1.00 = as fast\n"
           "as two memcpys).\n"
           "\n"
           "  --bytes N          payload bytes moved per size (1M..64G, default 512M)\n"
           "  --ring-size BYTES  ring data area (64K..16M, default 1M)\n"
           "  --size BYTES       a message size to run (16..65536, repeatable);\n"
           "                     default 16 64 256 1K 4K 16K 64K\n"
           "  -h, --help         show this help\n"
           "\n"
           "Exit status: 0 done; 1 the ring returned a wrong message or error;\n"
           "2 bad command line.\n");
}

int cmd_bench(int argc, char **argv)
{
    uint64_t bytes = 512ull << 20, ring_len = 1u << 20;
    uint32_t sizes[32];
    unsigned nsizes = 0;
    uint8_t *mem, *plain, *src, *dst;
    int status = EXIT_OK;

    if (argc < 2 || is_help(argv[1])) {
        bench_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "ring") != 0) {
        fprintf(stderr, "hmx bench: unknown benchmark '%s' (try 'hmx bench --help')\n", argv[1]);
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        uint64_t v;

        if (is_help(argv[i])) {
            bench_help();
            return EXIT_OK;
        } else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], 1u << 20, 64ull << 30, &bytes) != 0) {
                fprintf(stderr, "hmx bench: --bytes takes 1M to 64G\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--ring-size") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], 64u << 10, HMX_RING_MAX_LEN, &ring_len) != 0) {
                fprintf(stderr, "hmx bench: --ring-size takes 64K to 16M\n");
                return EXIT_USAGE;
            }
            ring_len &= ~(uint64_t)(HMX_MSG_SLOT_SIZE - 1);
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], 16, 65536, &v) != 0 || nsizes == 32) {
                fprintf(stderr, "hmx bench: --size takes 16 to 65536 (at most 32 sizes)\n");
                return EXIT_USAGE;
            }
            sizes[nsizes++] = (uint32_t)v;
        } else {
            fprintf(stderr, "hmx bench: unknown option '%s' (try 'hmx bench --help')\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (nsizes == 0)
        for (nsizes = 0; nsizes < NSIZES; nsizes++)
            sizes[nsizes] = default_sizes[nsizes];

    mem = aligned_alloc(HMX_FRAME_SIZE, (size_t)ring_len + HMX_FRAME_SIZE);
    plain = aligned_alloc(HMX_FRAME_SIZE, (size_t)ring_len + HMX_FRAME_SIZE);
    src = malloc(65536);
    dst = malloc(65536);
    if (mem == NULL || plain == NULL || src == NULL || dst == NULL) {
        fprintf(stderr, "hmx bench: out of memory\n");
        return EXIT_FAIL;
    }
    for (unsigned i = 0; i < 65536; i++)
        src[i] = (uint8_t)(i * 31u + 7u);

    printf("hmx bench ring: %llu-byte ring, %llu payload bytes per size, one thread\n",
           (unsigned long long)ring_len, (unsigned long long)bytes);
    printf("%8s %12s %14s %10s %13s %8s\n", "size", "messages", "messages/s", "ring GB/s",
           "memcpy GB/s", "ratio");
    for (unsigned s = 0; s < nsizes; s++) {
        uint64_t n = bytes / sizes[s];
        struct run ring, copy;

        /* Warm both paths once so that page faults are not timed. */
        bench_ring(mem, (uint32_t)ring_len, sizes[s], n / 16 + 1, src, dst);
        bench_memcpy(plain, (uint32_t)ring_len, sizes[s], n / 16 + 1, src, dst);
        ring = bench_ring(mem, (uint32_t)ring_len, sizes[s], n, src, dst);
        if (ring.error != 0) {
            fprintf(stderr, "hmx bench: size %u: %s\n", sizes[s], hmx_strerror(ring.error));
            status = EXIT_FAIL;
            continue;
        }
        if (memcmp(src, dst, sizes[s]) != 0) {
            fprintf(stderr, "hmx bench: size %u: payload mismatch\n", sizes[s]);
            status = EXIT_FAIL;
            continue;
        }
        copy = bench_memcpy(plain, (uint32_t)ring_len, sizes[s], n, src, dst);
        printf("%8u %12llu %14.0f %10.2f %13.2f %8.2f\n", sizes[s], (unsigned long long)ring.messages,
               (double)ring.messages / ring.seconds,
               (double)ring.messages * sizes[s] / ring.seconds / 1e9,
               (double)copy.messages * sizes[s] / copy.seconds / 1e9, ring.seconds / copy.seconds);
    }
    free(mem);
    free(plain);
    free(src);
    free(dst);
    return status;
}
