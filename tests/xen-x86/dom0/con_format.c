/* SPDX-License-Identifier: MIT */
/* The test guests' printf (con_format.h), written over con_putc. */
#include "con_format.h"

#include <stddef.h>
#include <stdint.h>

void con_puts(const char *s)
{
    while (*s)
        con_putc(*s++);
}

static void put_padded(const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;

    if (!left)
        while (fill-- > 0)
            con_putc(pad);
    while (n-- > 0)
        con_putc(*s++);
    if (left)
        while (fill-- > 0)
            con_putc(' ');
}

static void put_num(unsigned long long v, unsigned base, int neg, int width, int left, char pad)
{
    char buf[24];
    size_t n = 0;

    do {
        unsigned d = (unsigned)(v % base);

        buf[sizeof(buf) - 1 - n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    if (neg) {
        if (pad == '0' && width > 0) {
            con_putc('-');
            width--;
        } else {
            buf[sizeof(buf) - 1 - n++] = '-';
        }
    }
    put_padded(buf + sizeof(buf) - n, n, width, left, pad);
}

void con_vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int left = 0, width = 0, lng = 0;
        char pad = ' ';

        if (*fmt != '%') {
            con_putc(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);

            put_num(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10, v < 0, width,
                    left, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
                                   : lng  ? va_arg(ap, unsigned long)
                                          : va_arg(ap, unsigned);

            put_num(v, *fmt == 'u' ? 10 : 16, 0, width, left, pad);
            break;
        }
        case 'p':
            con_puts("0x");
            put_num((uintptr_t)va_arg(ap, void *), 16, 0, width, left, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            size_t n = 0;

            if (s == NULL)
                s = "(null)";
            while (s[n])
                n++;
            put_padded(s, n, width, left, ' ');
            break;
        }
        case 'c':
            con_putc((char)va_arg(ap, int));
            break;
        case '%':
            con_putc('%');
            break;
        default:
            con_putc('%');
            if (*fmt == '\0')
                return;
            con_putc(*fmt);
        }
    }
}

void con_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
}
