/* SPDX-License-Identifier: MIT */
/*
 * The guest's console: the SBSA UART Xen emulates for a dom0less guest
 * with the "vpl011" property.  Xen prints each complete line on its own
 * serial console as "DOMn: text" (the runner reads them there).  It needs
 * no hypercall, so it works whatever XSM allows.  The printf is the x86
 * dom0's (tests/xen-x86/dom0/con_format.c):
 * %d %u %x %lu %lx %llu %llx %s %c %p %%, with '-', '0' and a width.
 */
#ifndef XEN_ARM64_GUEST_CONSOLE_H
#define XEN_ARM64_GUEST_CONSOLE_H

#include <stdarg.h>

void con_putc(char c);
void con_puts(const char *s);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);

#endif
