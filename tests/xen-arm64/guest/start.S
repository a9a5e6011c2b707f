/* SPDX-License-Identifier: MIT */
/*
 * Entry of a dom0less guest.  Xen loads the image like an arm64 Linux
 * Image (the 64-byte header below: text_offset 0, so the image runs at the
 * guest's RAM base, 0x40000000) and enters it at EL1 with the MMU and
 * caches off, x0 = the guest's device tree.
 *
 * The MMU goes on first, with the identity map in .data (the image Xen
 * wrote and cleaned to memory): the first GiB as device memory (the
 * emulated PL011 at 0x22000000), the second as normal write-back memory.
 * Xen copies messages into rings through cacheable mappings of its own,
 * so the guest must see its RAM cacheable too.  Only then are .bss and
 * the stack touched, so no line of them can be stale in a cache.
 */
#define SCTLR_M (1 << 0)
#define SCTLR_A (1 << 1)
#define SCTLR_C (1 << 2)
#define SCTLR_I (1 << 12)

/* MAIR: attribute 0 device-nGnRE, attribute 1 normal write-back. */
#define MAIR_VALUE 0xff04
/* TCR: T0SZ 32 (4 GiB, walks start at level 1), write-back walks, inner
 * shareable, 4 KiB granule, TTBR1 walks off, 32-bit physical addresses. */
#define TCR_VALUE ((32 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))

    .section .text.boot, "ax"
    .global _start
_start:
    b       entry               /* code0 */
    .long   0                   /* code1 */
    .quad   0                   /* text_offset */
    .quad   _image_size         /* image_size */
    .quad   0x2                 /* flags: little-endian, 4 KiB pages */
    .quad   0, 0, 0             /* reserved */
    .ascii  "ARM\x64"           /* magic */
    .long   0                   /* reserved (PE header offset) */

entry:
    msr     daifset, #0xf
    mov     x19, x0             /* the device tree */
    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    msr     tcr_el1, x1
    adrp    x1, guest_l1
    msr     ttbr0_el1, x1
    isb
    tlbi    vmalle1
    ic      iallu
    dsb     nsh
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, #SCTLR_M
    orr     x1, x1, #SCTLR_C
    orr     x1, x1, #SCTLR_I
    bic     x1, x1, #SCTLR_A
    msr     sctlr_el1, x1
    isb

    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =guest_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      guest_main
3:  wfi
    b       3b

/* Any exception is a bug in the guest: report it and stop. */
.macro VEC kind
    .balign 0x80
    mov     x0, #\kind
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    b       guest_fault
.endm

    .balign 2048
guest_vectors:
    VEC 0
    VEC 1
    VEC 2
    VEC 3
    VEC 4
    VEC 5
    VEC 6
    VEC 7
    VEC 8
    VEC 9
    VEC 10
    VEC 11
    VEC 12
    VEC 13
    VEC 14
    VEC 15

/* Level-1 table: 1 GiB blocks.  Block descriptor bits: valid + block (1),
 * AttrIndx (bits 2-4), SH (8-9), AF (10), PXN (53), UXN (54). */
    .section .data.pagetable, "aw"
    .balign 4096
guest_l1:
    .quad   0x00000000 | 1 | (0 << 2) | (1 << 10) | (1 << 53) | (1 << 54)
    .quad   0x40000000 | 1 | (1 << 2) | (3 << 8) | (1 << 10)
    .quad   0
    .quad   0
    .fill   508, 8, 0

    .section .note.GNU-stack, "", %progbits
