/* SPDX-License-Identifier: MIT */
/*
 * The string functions libfdt uses beyond memcpy/memset/memcmp, for
 * freestanding builds that compile libfdt in (src/env/libfdt/libfdt_env.h).
 * Plain byte loops: device trees are small and parsed once.
 */
#include <stddef.h>
#include <stdint.h>

void *hmx_env_memmove(void *dst, const void *src, size_t n);
void *hmx_env_memchr(const void *s, int c, size_t n);
size_t hmx_env_strlen(const char *s);
size_t hmx_env_strnlen(const char *s, size_t max);
char *hmx_env_strrchr(const char *s, int c);

void *hmx_env_memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else if (d > s) {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *hmx_env_memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (; n > 0; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)(uintptr_t)p;
    return NULL;
}

size_t hmx_env_strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

size_t hmx_env_strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

char *hmx_env_strrchr(const char *s, int c)
{
    const char *last = NULL;

    do {
        if (*s == (char)c)
            last = s;
    } while (*s++ != '\0');
    return (char *)(uintptr_t)last;
}
