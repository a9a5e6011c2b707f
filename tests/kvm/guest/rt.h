/* SPDX-License-Identifier: MIT */
/*
 * The guests' runtime: memcpy/memset/memcmp for the freestanding core, the
 * harness's I/O ports, a small printf, the IDT and local APIC, and waiting
 * for the HMX interrupt.  Integer-only: guests are built with
 * -mgeneral-regs-only.
 */
#ifndef HMX_KVM_RT_H
#define HMX_KVM_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm_abi.h"

/* The vector this guest asks HMX to interrupt it on. */
#define RT_VECTOR 0x40u

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

static inline void rt_outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint32_t rt_inl(uint16_t port)
{
    uint32_t v;

    __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

static inline void rt_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint32_t rt_addr(const void *p)
{
    return (uint32_t)(uintptr_t)p; /* identity-mapped, below 4 GiB */
}

/* IDT, PICs masked, local APIC enabled, interrupts on. */
void rt_init(void);

/* Hand the verdict to the VMM and stop. */
void rt_exit(uint32_t verdict) __attribute__((noreturn));

void rt_puts(const char *s);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint32_t rt_counter(uint32_t sel);
void rt_barrier(uint32_t id);
uint32_t rt_mark(void);

/* Set by the HMX interrupt; counted by it. */
extern volatile uint32_t rt_irq_pending;
extern volatile uint64_t rt_irq_count;

/* Consume a pending HMX interrupt: 1 if there was one. */
int rt_irq_take(void);
/* Sleep (hlt) until an HMX interrupt is pending, then consume it. */
void rt_wait_irq(void);

void rt_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#define CHECK(cond)                                     \
    do {                                                \
        if (!(cond))                                    \
            rt_fail(__FILE__, __LINE__, #cond);         \
    } while (0)

#endif /* HMX_KVM_RT_H */
