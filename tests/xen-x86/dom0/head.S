/* SPDX-License-Identifier: MIT */
/*
 * Start of day of the test dom0, one image for both kinds of domain:
 *   PV:  Xen enters pv_start in 64-bit mode on its own page tables, %rsi =
 *        the virtual address of start_info, and has filled hypercall_page
 *        (the HYPERCALL_PAGE note).
 *   PVH: Xen enters pvh_start32 in 32-bit protected mode with paging off,
 *        %ebx = the physical address of hvm_start_info.  We identity-map
 *        the first GiB with 2 MiB pages, enter long mode, and go on as PV.
 * Both call dom0_main(mode, start_info) on a stack of our own.
 */
#include "xen_abi.h"

#define ELFNOTE(type, directive, value)          \
    .pushsection .note.Xen, "a", @note;         \
    .balign 4;                                  \
    .long 2f - 1f;                              \
    .long 4f - 3f;                              \
    .long type;                                 \
1:  .asciz "Xen";                               \
2:  .balign 4;                                  \
3:  directive value;                            \
4:  .balign 4;                                  \
    .popsection

ELFNOTE(D0_ELFNOTE_GUEST_OS, .asciz, "libhmx-test-dom0")
ELFNOTE(D0_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(D0_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(D0_ELFNOTE_VIRT_BASE, .quad, 0)
ELFNOTE(D0_ELFNOTE_PADDR_OFFSET, .quad, 0)
ELFNOTE(D0_ELFNOTE_ENTRY, .quad, pv_start)
ELFNOTE(D0_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
ELFNOTE(D0_ELFNOTE_PHYS32_ENTRY, .long, pvh_start32)

#define CODE64_SEL 0x08
#define DATA_SEL 0x10

    .section .text.head, "ax"

    .code32
    .globl pvh_start32
pvh_start32:
    cld
    movl %ebx, %esi                 /* keep hvm_start_info */

    /* Clear the three table pages, then link them: PML4[0] -> PDPT[0] ->
     * PD, whose 512 entries map 2 MiB each. */
    movl $pvh_pml4, %edi
    movl $(3 * 4096 / 4), %ecx
    xorl %eax, %eax
    rep stosl
    movl $(pvh_pdpt + 0x3), pvh_pml4
    movl $(pvh_pd + 0x3), pvh_pdpt
    movl $pvh_pd, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                 /* present, writable, 2 MiB */
    movl %eax, (%edi, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jb 1b

    lgdt gdt_desc
    movl %cr4, %eax
    orl $0x20, %eax                 /* PAE */
    movl %eax, %cr4
    movl $pvh_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx          /* EFER */
    rdmsr
    orl $0x100, %eax                /* LME */
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax           /* PG, PE */
    movl %eax, %cr0
    ljmp $CODE64_SEL, $pvh_start64

    .code64
pvh_start64:
    movl $DATA_SEL, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    leaq stack_top(%rip), %rsp
    movl %esi, %esi                 /* zero-extend the start info address */
    xorl %edi, %edi                 /* mode 0: PVH */
    call dom0_main
2:  jmp 2b

    .globl pv_start
pv_start:
    cld
    leaq stack_top(%rip), %rsp
    movl $1, %edi                   /* mode 1: PV; %rsi is start_info */
    call dom0_main
3:  jmp 3b

    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* CODE64_SEL: 64-bit code */
    .quad 0x00cf92000000ffff        /* DATA_SEL: flat data */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    /* Xen writes its stubs here: through the HYPERCALL_PAGE note (PV), or
     * when the probe hands the page's address to Xen's MSR (PVH).  Until
     * then a stray call traps. */
    .section .text.hypercall, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc

    .section .bss.pagetables, "aw", @nobits
    .balign 4096
pvh_pml4:
    .skip 4096
pvh_pdpt:
    .skip 4096
pvh_pd:
    .skip 4096

    .section .bss.stack, "aw", @nobits
    .balign 16
    .skip 65536
stack_top:

    .section .note.GNU-stack, "", @progbits
