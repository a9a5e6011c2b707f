/* SPDX-License-Identifier: MIT */
/*
 * Entry points and exception vectors: the monitor's at EL2, the guests'
 * at EL1.  A trap from a guest saves its registers in a frame at the top
 * of the monitor's stack; el2_handle() may exchange the frame's contents
 * for another domain's (a context switch), and the frame is restored and
 * erets to whichever domain it then holds.
 */
#define FRAME 288 /* struct el2_frame: x0..x30, elr, spsr, sp_el0, pad */

/* ---- the monitor -------------------------------------------------------- */

    .section .text.boot, "ax"
    .global _start
_start:
    /* QEMU enters here at EL2 with the MMU off. */
    msr     daifset, #0xf
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  ldr     x1, =el2_vectors
    msr     vbar_el2, x1
    isb
    bl      monitor_main
3:  wfi
    b       3b

    .text
/* el2_launch(const struct el2_frame *f): enter the domain f describes,
 * with an empty monitor stack.  Never returns. */
    .global el2_launch
el2_launch:
    mov     x19, x0
    ldr     x1, =__stack_top
    sub     sp, x1, #FRAME
    mov     x0, sp
    mov     x1, x19
    mov     x2, #FRAME
    bl      memcpy
    b       el2_return

.macro EL2_VEC kind
    .balign 0x80
    sub     sp, sp, #FRAME
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       el2_entry
.endm

.macro EL2_BAD kind
    .balign 0x80
    mov     x0, #\kind
    b       el2_self_fault
.endm

    .balign 2048
    .global el2_vectors
el2_vectors:
    EL2_BAD 0       /* current EL, SP_EL0 */
    EL2_BAD 1
    EL2_BAD 2
    EL2_BAD 3
    EL2_BAD 4       /* current EL, SP_EL2: a fault in the monitor */
    EL2_BAD 5
    EL2_BAD 6
    EL2_BAD 7
    EL2_VEC 0       /* lower EL, AArch64: synchronous (hvc, smc, wfi, aborts) */
    EL2_VEC 1       /* lower EL, AArch64: IRQ (the preemption timer) */
    EL2_BAD 10
    EL2_BAD 11
    EL2_BAD 12      /* lower EL, AArch32 */
    EL2_BAD 13
    EL2_BAD 14
    EL2_BAD 15

el2_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, elr_el2
    stp     x30, x2, [sp, #240]
    mrs     x2, spsr_el2
    mrs     x3, sp_el0
    stp     x2, x3, [sp, #256]
    mov     x0, sp
    bl      el2_handle
el2_return:
    ldp     x30, x2, [sp, #240]
    msr     elr_el2, x2
    ldp     x2, x3, [sp, #256]
    msr     spsr_el2, x2
    msr     sp_el0, x3
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME
    eret

/* ---- the guests (EL1) ----------------------------------------------------- */

    .global guest_entry
guest_entry:
    add     x4, x2, x3
    mov     sp, x4
    ldr     x4, =guest_vectors
    msr     vbar_el1, x4
    isb
    bl      guest_main
1:  msr     daifset, #0xf
    wfi
    b       1b

.macro EL1_BAD kind
    .balign 0x80
    mov     x3, #\kind
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    mrs     x2, far_el1
    b       guest_fault
.endm

    .balign 2048
guest_vectors:
    EL1_BAD 0
    EL1_BAD 1
    EL1_BAD 2
    EL1_BAD 3
    EL1_BAD 4       /* current EL, SP_EL1: synchronous (a fault) */
    .balign 0x80    /* current EL, SP_EL1: IRQ (an HMX notification) */
    b       guest_irq_entry
    EL1_BAD 6
    EL1_BAD 7
    EL1_BAD 8
    EL1_BAD 9
    EL1_BAD 10
    EL1_BAD 11
    EL1_BAD 12
    EL1_BAD 13
    EL1_BAD 14
    EL1_BAD 15

guest_irq_entry:
    sub     sp, sp, #192
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x30, x0, [sp, #160]
    str     x1, [sp, #176]
    bl      guest_irq
    ldr     x1, [sp, #176]
    ldp     x30, x0, [sp, #160]
    msr     spsr_el1, x1
    msr     elr_el1, x0
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    add     sp, sp, #192
    eret

    .section .note.GNU-stack, "", %progbits
