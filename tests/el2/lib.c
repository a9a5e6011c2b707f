/* SPDX-License-Identifier: MIT */
/*
 * What the monitor and the guests share besides libhmx: the three
 * functions a freestanding libhmx needs from its environment, a small
 * formatter and the PL011.  No writable state: guests run this code too,
 * and see none of the monitor's data.
 */
#include "el2.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if ((((uintptr_t)d | (uintptr_t)s) & 7u) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    if (((uintptr_t)d & 7u) == 0) {
        uint64_t v = (uint8_t)c * 0x0101010101010101ull;

        for (; n >= 8; n -= 8, d += 8)
            *(uint64_t *)(void *)d = v;
    }
    while (n-- > 0)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (; n > 0; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

uint32_t el2_fnv1a(const void *p, size_t n, uint32_t h)
{
    const uint8_t *b = p;

    while (n-- > 0)
        h = (h ^ *b++) * 16777619u;
    return h;
}

/* ---- the PL011 --------------------------------------------------------- */

#define UART_DR 0x00u
#define UART_FR 0x18u
#define UART_FR_TXFF (1u << 5)

void el2_uart_putc(void *arg, char c)
{
    volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)EL2_UART;

    (void)arg;
    if (c == '\n')
        el2_uart_putc(arg, '\r');
    while (uart[UART_FR / 4] & UART_FR_TXFF)
        ;
    uart[UART_DR / 4] = (uint8_t)c;
}

void el2_uart_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    el2_vformat(el2_uart_putc, NULL, fmt, ap);
    va_end(ap);
}

struct buf_out {
    char *p;
    size_t n, cap;
};

static void buf_putc(void *arg, char c)
{
    struct buf_out *o = arg;

    if (o->n + 1 < o->cap)
        o->p[o->n++] = c;
}

int el2_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    struct buf_out o = {buf, 0, cap};
    va_list ap;

    va_start(ap, fmt);
    el2_vformat(buf_putc, &o, fmt, ap);
    va_end(ap);
    if (cap > 0)
        buf[o.n] = '\0';
    return (int)o.n;
}

/* ---- formatting: %d %u %x %s %c %p, l / ll, width, '0' and '-' ---------- */

static void put_str(el2_putc_fn put, void *arg, const char *s, int width, int left)
{
    int len = 0;

    while (s[len] != '\0')
        len++;
    if (!left)
        for (; width > len; width--)
            put(arg, ' ');
    while (*s != '\0')
        put(arg, *s++);
    if (left)
        for (; width > len; width--)
            put(arg, ' ');
}

void el2_vformat(el2_putc_fn put, void *arg, const char *fmt, va_list ap)
{
    for (; *fmt != '\0'; fmt++) {
        char buf[24], *p;
        int width = 0, zero = 0, left = 0, lng = 0, neg = 0;
        uint64_t v;
        unsigned base = 10;

        if (*fmt != '%') {
            put(arg, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            zero = 1;
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        if (*fmt == 'z') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 's':
            p = va_arg(ap, char *);
            put_str(put, arg, p != NULL ? p : "(null)", width, left);
            continue;
        case 'c':
            put(arg, (char)va_arg(ap, int));
            continue;
        case '%':
            put(arg, '%');
            continue;
        case 'd': {
            int64_t s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

            neg = s < 0;
            v = neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
            break;
        }
        case 'p':
            v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            base = 16;
            break;
        case 'x':
            base = 16;
            /* fall through */
        case 'u':
            v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            break;
        default:
            put(arg, '%');
            put(arg, *fmt);
            continue;
        }
        p = buf + sizeof(buf) - 1;
        *p = '\0';
        do {
            *--p = "0123456789abcdef"[v % base];
            v /= base;
        } while (v != 0);
        if (zero && !left) {
            while ((int)(buf + sizeof(buf) - 1 - p) < width - neg)
                *--p = '0';
        }
        if (neg)
            *--p = '-';
        put_str(put, arg, p, width, left);
    }
}
