/* SPDX-License-Identifier: MIT */
/*
 * The test dom0's console: lines go to Xen's console through console_io
 * (CONSOLEIO_write), one hypercall per line.  Until a way into Xen is known
 * (PVH: the probe installs the hypercall page) text is kept and written
 * later.  A small printf: %d %u %x %lu %lx %llu %llx %s %c %p %%, with
 * '-', '0' and a width.
 */
#ifndef XEN_X86_DOM0_CONSOLE_H
#define XEN_X86_DOM0_CONSOLE_H

#include <stdarg.h>
#include <stdint.h>

#include "hmx/arch.h"

/* From now on, write through arch->xen_hypercall with entry and page. */
void con_attach(const struct hmx_arch_ops *arch, enum hmx_xen_entry entry, const void *page);
int con_attached(void);

void con_putc(char c);
void con_puts(const char *s);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);
void con_flush(void);

/* A hypercall through the attached entry; *ret is Xen's raw rax.
 * Returns the arch's status (0, or HMX_E* when no entry is attached). */
int con_hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *ret);

/* Leave the machine: QEMU's isa-debug-exit port (PV asks Xen for I/O
 * privilege first), then SCHEDOP_shutdown; never returns. */
void dom0_exit(int pv, unsigned code) __attribute__((noreturn));

#endif
