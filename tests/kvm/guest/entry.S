/* SPDX-License-Identifier: MIT */
/*
 * Guest entry and interrupt stubs.  The VMM starts the guest in 64-bit mode
 * with paging, a flat GDT, a stack and rdi/rsi/rdx set (kvm_abi.h); the
 * entry only calls kmain and hands its verdict to rt_exit.
 */
    .section .text.entry, "ax"
    .globl _start
_start:
    call kmain
    movl %eax, %edi
    call rt_exit
1:  cli
    hlt
    jmp 1b

    .text

/* The HMX notification vector: note it, count it, EOI the local APIC. */
    .globl rt_isr_hmx
rt_isr_hmx:
    pushq %rax
    movl $1, rt_irq_pending(%rip)
    addq $1, rt_irq_count(%rip)
    movabsq $0xFEE000B0, %rax
    movl $0, (%rax)
    popq %rax
    iretq

/* The local APIC's spurious vector needs no EOI. */
    .globl rt_isr_spurious
rt_isr_spurious:
    iretq

/* Exceptions: push a uniform frame (vector, error code) and report. */
.macro exc_noerr v
rt_exc\v:
    pushq $0
    pushq $\v
    jmp rt_exc_common
.endm
.macro exc_err v
rt_exc\v:
    pushq $\v
    jmp rt_exc_common
.endm
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    exc_noerr \v
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
    exc_err \v
.endr

rt_exc_common:
    movq (%rsp), %rdi      /* vector */
    movq 8(%rsp), %rsi     /* error code */
    movq 16(%rsp), %rdx    /* rip */
    andq $-16, %rsp
    call rt_fault          /* does not return */
2:  cli
    hlt
    jmp 2b

    .section .rodata
    .balign 8
    .globl rt_exc_table
rt_exc_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad rt_exc\v
.endr

    .section .note.GNU-stack, "", @progbits
