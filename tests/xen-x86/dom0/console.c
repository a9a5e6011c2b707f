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
