/* SPDX-License-Identifier: MIT */
/*
 * libfdt_env.h for builds that compile libfdt in: what libfdt needs,
 * written against libhmx's environment.  Freestanding, the string
 * functions beyond memcpy/memset/memcmp map to the hmx_env_* ones in
 * src/env/hmx_string.c, so the core still needs only those three.
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmx_env.h"

#define FDT_FORCE
#define FDT_BITWISE

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

/* The device tree is big-endian whatever the CPU. */
static inline uint16_t fdt16_to_cpu(fdt16_t x)
{
    const uint8_t *b = (const uint8_t *)&x;

    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t fdt32_to_cpu(fdt32_t x)
{
    const uint8_t *b = (const uint8_t *)&x;

    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t fdt64_to_cpu(fdt64_t x)
{
    const uint8_t *b = (const uint8_t *)&x;
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

static inline fdt16_t cpu_to_fdt16(uint16_t x)
{
    fdt16_t r;
    uint8_t *b = (uint8_t *)&r;

    b[0] = (uint8_t)(x >> 8);
    b[1] = (uint8_t)x;
    return r;
}

static inline fdt32_t cpu_to_fdt32(uint32_t x)
{
    fdt32_t r;
    uint8_t *b = (uint8_t *)&r;

    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(x >> (24 - 8 * i));
    return r;
}

static inline fdt64_t cpu_to_fdt64(uint64_t x)
{
    fdt64_t r;
    uint8_t *b = (uint8_t *)&r;

    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (56 - 8 * i));
    return r;
}

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
/* Hosted (a cross build without its architecture's libfdt): the C library
 * has them all. */
#include <string.h>
#else
void *hmx_env_memmove(void *dst, const void *src, size_t n);
void *hmx_env_memchr(const void *s, int c, size_t n);
size_t hmx_env_strlen(const char *s);
size_t hmx_env_strnlen(const char *s, size_t max);
char *hmx_env_strrchr(const char *s, int c);

#define memmove hmx_env_memmove
#define memchr hmx_env_memchr
#define strlen hmx_env_strlen
#define strnlen hmx_env_strnlen
#define strrchr hmx_env_strrchr
#endif

#endif /* LIBFDT_ENV_H */
