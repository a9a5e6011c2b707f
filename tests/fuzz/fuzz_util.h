/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target shares: a reader over the fuzzer's input that
 * never fails (past the end it yields zeros), and a check that aborts with
 * a message, so that libFuzzer records the input as a crash.
 */
#ifndef TESTS_FUZZ_UTIL_H
#define TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmx/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the library that the input broke: report and abort. */
#define FZ_CHECK(cond, ...)                                                                    \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

struct fz {
    const uint8_t *p;
    size_t n;
};

static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
    f->p = data;
    f->n = size;
}

static inline int fz_empty(const struct fz *f)
{
    return f->n == 0;
}

static inline uint8_t fz_u8(struct fz *f)
{
    uint8_t v = 0;

    if (f->n > 0) {
        v = f->p[0];
        f->p++;
        f->n--;
    }
    return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
    uint16_t v = fz_u8(f);

    return (uint16_t)(v | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
    uint32_t v = fz_u16(f);

    return v | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
    uint64_t v = fz_u32(f);

    return v | (uint64_t)fz_u32(f) << 32;
}

/* Copy up to n bytes of input to dst; the rest of dst is zeroed. */
static inline void fz_bytes(struct fz *f, void *dst, size_t n)
{
    size_t k = n < f->n ? n : f->n;

    if (k > 0)
        memcpy(dst, f->p, k);
    if (n > k)
        memset((uint8_t *)dst + k, 0, n - k);
    f->p += k;
    f->n -= k;
}

/* An integer in [0, n) (n > 0), from as few bytes as it needs. */
static inline uint32_t fz_below(struct fz *f, uint32_t n)
{
    if (n <= 0x100u)
        return fz_u8(f) % n;
    if (n <= 0x10000u)
        return fz_u16(f) % n;
    return fz_u32(f) % n;
}

/* Whether err is one of the library's own codes. */
static inline int fz_known_err(int err)
{
    return err < 0 && strcmp(hmx_err_name(err), "UNKNOWN") != 0;
}

#endif
