/* SPDX-License-Identifier: MIT */
/*
 * The Arm64 real-trap harness: what the EL2 monitor and its EL1 guests
 * share.  Everything runs on QEMU's "virt" machine with the virtualization
 * extensions, RAM from 0x40000000; see README.md for the design.
 */
#ifndef HMX_TEST_EL2_H
#define HMX_TEST_EL2_H

#include <stddef.h>
#include <stdint.h>

/* ---- the physical memory map ------------------------------------------- */
#define EL2_RAM_BASE 0x40000000ull
#define EL2_QEMU_DTB 0x40000000ull /* QEMU's device tree (1 MiB) */
#define EL2_QEMU_DTB_MAX 0x100000u
#define EL2_TEXT_BASE 0x40200000ull /* the image's text and rodata: read-only to guests */
#define EL2_DATA_BASE 0x40400000ull /* the monitor's data, bss, stack, tables: not mapped to guests */
#define EL2_BLOCK 0x200000ull       /* 2 MiB: the unit of every mapping */
#define EL2_NDOMS 2u
#define EL2_DOM_BASE(i) (0x40600000ull + (uint64_t)(i) * EL2_BLOCK) /* domain i's RAM */
#define EL2_DOM_SIZE EL2_BLOCK
#define EL2_UART 0x09000000ull /* PL011 */
#define EL2_GICD 0x08000000ull /* GICv2 distributor */
#define EL2_GICC 0x08010000ull /* GICv2 CPU interface */

/* ---- a domain's RAM ------------------------------------------------------ */
/* The mailbox sits at the base; the monitor places the domain's device tree
 * at EL2_DOM_DTB_OFF; the guest's stack grows down from the top. */
#define EL2_DOM_DTB_OFF 0x10000u
#define EL2_DOM_DTB_MAX 0x10000u

/* Boot convention of an EL1 domain, entered at guest_entry with the MMU
 * off and DAIF masked: x0 = device tree, x1 = size of the buffer holding
 * it, x2 = RAM base, x3 = RAM size (the device tree's /memory says the
 * same). */

/* ---- the harness's own SMCCC functions ----------------------------------- */
/* Vendor Specific Hypervisor Service (owner 6), SMC64 fast call: the
 * guest's IRQ handler acknowledges a notification, as a GIC's IAR read.
 * x0 = the INTID that was raised (the vector the domain registered with
 * hmx_set_vector), or 1023 when none was pending.  The monitor lowers the
 * virtual IRQ line. */
#define EL2_FN_ACK 0xC6000001u
#define EL2_INTID_SPURIOUS 1023u
/* A second harness function: give up the CPU (QEMU does not trap WFE). */
#define EL2_FN_YIELD 0xC6000002u

/* The monitor's access policy refuses every register, send and query whose
 * destination port is this one. */
#define EL2_DENY_PORT 13u

/* The HMX node's "interrupts": GIC PPI 15 (INTID 31), level high. */
#define EL2_HMX_IRQ_TYPE 1u
#define EL2_HMX_IRQ_NUM 15u
#define EL2_HMX_IRQ_FLAGS 0x104u

/* ---- the mailbox: how a guest reports without trapping -------------------- */
#define EL2_MB_MAGIC 0x48584d45u /* "EMXH" */
enum el2_status { EL2_RUNNING = 0, EL2_PASS = 1, EL2_FAIL = 2 };

enum el2_fig {
    EL2_FIG_SENT,      /* bulk messages sent */
    EL2_FIG_RECEIVED,  /* bulk messages received and verified */
    EL2_FIG_BYTES,     /* bulk payload bytes received */
    EL2_FIG_WRAPS,     /* times the receive ring wrapped round */
    EL2_FIG_EAGAIN,    /* sends refused for lack of space */
    EL2_FIG_IRQS,      /* notification interrupts taken */
    EL2_FIG_FILL,      /* 100-byte messages that filled an empty ring */
    EL2_FIG_MAXMSG,    /* the largest payload the peer's ring takes */
    EL2_FIG_PROBE_TRAPS, /* traps the probe executed (res.traps) */
    EL2_FIG_CHECKS,    /* assertions that held */
    EL2_FIG_BATCH_TRAPS,    /* sendv_batch traps made */
    EL2_FIG_DOORBELLS,      /* async doorbell traps made */
    EL2_FIG_BATCH_SENT,     /* messages the batch phase delivered */
    EL2_FIG_BATCH_RECEIVED, /* ... received and verified */
    EL2_FIG_COUNT = 16
};

#define EL2_LOG_SIZE 8192u

/* Written by the guest (log_head, log, status, figures), read by the
 * monitor, which advances log_tail as it prints.  One CPU: the monitor
 * only looks while the guest is stopped. */
struct el2_mailbox {
    uint32_t magic;
    volatile uint32_t status; /* enum el2_status */
    uint32_t failures;
    uint32_t pad;
    uint64_t fig[EL2_FIG_COUNT];
    volatile uint32_t log_head;
    volatile uint32_t log_tail;
    uint32_t log_dropped;
    uint32_t pad2;
    char log[EL2_LOG_SIZE];
};

/* ---- shared helpers (lib.c): no state, usable at EL2 and EL1 ------------- */
#include <stdarg.h>

typedef void (*el2_putc_fn)(void *arg, char c);
void el2_vformat(el2_putc_fn put, void *arg, const char *fmt, va_list ap);
void el2_uart_putc(void *arg, char c);
void el2_uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int el2_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint32_t el2_fnv1a(const void *p, size_t n, uint32_t h);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* System registers. */
#define EL2_READ_SYSREG(r)                                \
    __extension__({                                       \
        uint64_t v_;                                      \
        __asm__ volatile("mrs %0, " #r : "=r"(v_));       \
        v_;                                               \
    })
#define EL2_WRITE_SYSREG(r, v)                                          \
    do {                                                                \
        uint64_t w_ = (uint64_t)(v);                                    \
        __asm__ volatile("msr " #r ", %0" : : "r"(w_) : "memory");      \
    } while (0)
#define EL2_ISB() __asm__ volatile("isb" ::: "memory")
#define EL2_DSB() __asm__ volatile("dsb sy" ::: "memory")

#endif /* HMX_TEST_EL2_H */

