/* SPDX-License-Identifier: MIT */
#include "console.h"

#include <stddef.h>
#include <stdint.h>

#define VPL011_BASE 0x22000000u /* GUEST_PL011_BASE in Xen's public arch-arm.h */
#define UART_DR 0x00u
#define UART_FR 0x18u
#define UART_FR_TXFF (1u << 5)

void con_putc(char c)
{
    volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)VPL011_BASE;

    while (uart[UART_FR / 4] & UART_FR_TXFF)
        ;
    uart[UART_DR / 4] = (uint8_t)c;
}
