/* SPDX-License-Identifier: MIT */
/*
 * The test guests' small printf over a console's con_putc, shared by the
 * x86 dom0 (tests/xen-x86) and the arm64 dom0less guests (tests/xen-arm64):
 * %d %u %x %lu %lx %llu %llx %s %c %p %%, with '-', '0' and a width.
 */
#ifndef HMX_TEST_CON_FORMAT_H
#define HMX_TEST_CON_FORMAT_H

#include <stdarg.h>

void con_putc(char c); /* the console's: one character out */
void con_puts(const char *s);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);

#endif
