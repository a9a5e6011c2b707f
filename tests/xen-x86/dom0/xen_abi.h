/* SPDX-License-Identifier: MIT */
/*
 * The few parts of Xen's guest ABI the test dom0 needs beyond what libhmx
 * already covers: ELF note numbers, hypercall numbers and the start-of-day
 * structures of PV and PVH domains.  Written from the documented interface
 * (x86-64); tests/xen-x86/layout_check.c compares every value and offset
 * here with Xen's public headers at test time.
 */
#ifndef XEN_X86_DOM0_ABI_H
#define XEN_X86_DOM0_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* ELF note types (the note name is "Xen"). */
#define D0_ELFNOTE_ENTRY 1
#define D0_ELFNOTE_HYPERCALL_PAGE 2
#define D0_ELFNOTE_VIRT_BASE 3
#define D0_ELFNOTE_PADDR_OFFSET 4
#define D0_ELFNOTE_XEN_VERSION 5
#define D0_ELFNOTE_GUEST_OS 6
#define D0_ELFNOTE_LOADER 8
#define D0_ELFNOTE_PHYS32_ENTRY 18

/* Hypercall numbers; each stub of the hypercall page is 32 bytes. */
#define D0_HYPERCALL_CONSOLE_IO 18
#define D0_HYPERCALL_SCHED_OP 29
#define D0_HYPERCALL_PHYSDEV_OP 33
#define D0_HYPERCALL_STUB_SIZE 32

#define D0_CONSOLEIO_WRITE 0
#define D0_SCHEDOP_SHUTDOWN 2
#define D0_SHUTDOWN_POWEROFF 0
#define D0_PHYSDEVOP_SET_IOPL 6

/* PVH start of day: %ebx holds the physical address of this. */
#define D0_HVM_START_MAGIC 0x336ec578u

#ifndef __ASSEMBLER__

struct d0_hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

/* PV start of day: %rsi holds the virtual address of this. */
#define D0_MAX_GUEST_CMDLINE 1024
#define D0_SIF_INITDOMAIN (1u << 1)

struct d0_start_info {
    char magic[32]; /* "xen-<version>-x86_64" */
    uint64_t nr_pages;
    uint64_t shared_info;
    uint32_t flags;
    uint32_t pad0;
    uint64_t store_mfn;
    uint32_t store_evtchn;
    uint32_t pad1;
    uint64_t console_word0; /* a union: dom0's console info offset and size */
    uint64_t console_word1;
    uint64_t pt_base;
    uint64_t nr_pt_frames;
    uint64_t mfn_list; /* virtual address of the pfn -> mfn array */
    uint64_t mod_start;
    uint64_t mod_len;
    char cmd_line[D0_MAX_GUEST_CMDLINE];
    uint64_t first_p2m_pfn;
    uint64_t nr_p2m_frames;
};

struct d0_physdev_set_iopl {
    uint32_t iopl;
};

struct d0_sched_shutdown {
    uint32_t reason;
};

#endif /* __ASSEMBLER__ */

#endif
