/* SPDX-License-Identifier: MIT */
#include "console.h"

#include <stddef.h>

#include "hmx/errors.h"
#include "xen_abi.h"

static const struct hmx_arch_ops *con_arch;
static enum hmx_xen_entry con_entry;
static const void *con_page;

static char line[512];
static size_t line_len;
static char early[16384]; /* text written before con_attach */
static size_t early_len;

int con_hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *ret)
{
    uint64_t args[5] = {a0, a1, a2, 0, 0};

    if (con_arch == NULL || con_arch->xen_hypercall == NULL)
        return HMX_EINVAL;
    return con_arch->xen_hypercall(con_arch->ctx, con_entry, con_page, nr, args, ret);
}

static void emit(const char *s, size_t n)
{
    uint64_t ret;

    if (n == 0)
        return;
    if (con_arch == NULL) {
        while (n-- > 0 && early_len < sizeof(early))
            early[early_len++] = *s++;
        return;
    }
    (void)con_hypercall(D0_HYPERCALL_CONSOLE_IO, D0_CONSOLEIO_WRITE, n, (uint64_t)(uintptr_t)s,
                        &ret);
}

void con_attach(const struct hmx_arch_ops *arch, enum hmx_xen_entry entry, const void *page)
{
    size_t off = 0;

    con_arch = arch;
    con_entry = entry;
    con_page = page;
    while (off < early_len) { /* one hypercall per line, as later */
        size_t n = 0;

        while (off + n < early_len && early[off + n] != '\n')
            n++;
        if (off + n < early_len)
            n++;
        emit(early + off, n);
        off += n;
    }
    early_len = 0;
}

int con_attached(void)
{
    return con_arch != NULL;
}

void con_flush(void)
{
    emit(line, line_len);
    line_len = 0;
}

void con_putc(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line))
        con_flush();
}

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

void dom0_exit(int pv, unsigned code)
{
    struct d0_physdev_set_iopl iopl = {3};
    struct d0_sched_shutdown sd = {D0_SHUTDOWN_POWEROFF};
    uint64_t ret;

    con_flush();
    if (pv) /* a PV kernel runs in ring 3: port I/O needs a virtual IOPL */
        (void)con_hypercall(D0_HYPERCALL_PHYSDEV_OP, D0_PHYSDEVOP_SET_IOPL,
                            (uint64_t)(uintptr_t)&iopl, 0, &ret);
    /* isa-debug-exit: QEMU leaves with status code * 2 + 1. */
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)code), "Nd"((uint16_t)0xf4));
    for (;;)
        (void)con_hypercall(D0_HYPERCALL_SCHED_OP, D0_SCHEDOP_SHUTDOWN, (uint64_t)(uintptr_t)&sd,
                            0, &ret);
}
