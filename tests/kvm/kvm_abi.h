/* SPDX-License-Identifier: MIT */
/*
 * What the KVM test VMM (vmm.c) and its freestanding guests (guest/) agree
 * on: the guest-physical memory map, the I/O ports the guests use to talk
 * to the harness, the scenarios, and the records the guests hand over.
 *
 * Nothing here is part of libhmx: HMX itself goes only through the MSR
 * mechanism, which the VMM serves with the reference provider.
 */
#ifndef HMX_KVM_ABI_H
#define HMX_KVM_ABI_H

#include <stdint.h>

/* ---- guest-physical memory map -------------------------------------- */

#define KVM_GUEST_PML4 0x1000u    /* PML4, PDPT, 4 page directories */
#define KVM_GUEST_GDT 0x8000u     /* null, code 0x08, data 0x10, TSS 0x18 */
#define KVM_GUEST_TSS 0x8100u
#define KVM_GUEST_LOAD 0x100000u  /* where the guest image is linked */
#define KVM_GUEST_STACK 0x40000u  /* stack bytes kept free below the top of memory */
#define KVM_GUEST_LAPIC 0xFEE00000u

/* Segment selectors of the VMM's GDT. */
#define KVM_SEL_CODE 0x08u
#define KVM_SEL_DATA 0x10u
#define KVM_SEL_TSS 0x18u

/*
 * Entry: 64-bit mode, paging on (identity, 2 MiB pages, first 4 GiB),
 * interrupts off, RSP at the top of memory, and
 *   rdi = this domain's id, rsi = scenario (KVM_SC_*), rdx = its argument.
 */

/* ---- I/O ports ---------------------------------------------------------- */

#define KVM_PORT_PRINT 0x0400u   /* out32: address of a NUL-terminated string */
#define KVM_PORT_EXIT 0x0401u    /* out32: verdict (0: pass); the vCPU stops */
#define KVM_PORT_CSEL 0x0402u    /* out32: select a counter (KVM_CTR_*) */
#define KVM_PORT_CVAL 0x0403u    /* in32: the selected counter, low 32 bits */
#define KVM_PORT_REPORT 0x0404u  /* out32: address of a struct kvm_report */
#define KVM_PORT_BARRIER 0x0405u /* out32: barrier number; returns when all domains reached it */
#define KVM_PORT_MARK 0x0406u    /* in32: the host records a timestamp; returns its index */
#define KVM_PORT_BENCH 0x0407u   /* out32: address of a struct kvm_bench_row */
#define KVM_PORT_STEP 0x0408u    /* out32 1: count instructions (single-step); 0: stop;
                                    in32: the last count */
#define KVM_PORT_POLL 0x0409u    /* out32 1: the VMM drains this domain's asynchronous
                                    region on a thread of its own, polling; 0: back to
                                    draining in the doorbell's exit (returns when idle) */

/* Counters readable through KVM_PORT_CSEL / KVM_PORT_CVAL. */
#define KVM_CTR_DENIALS 1u       /* audit hook calls (policy denials), all domains */
#define KVM_CTR_MSIS 2u          /* MSIs delivered to this domain */
#define KVM_CTR_CALL_EXITS 3u    /* this domain's exits on the call MSR */
#define KVM_CTR_EXITS 4u         /* this domain's exits to user space, this read's included */
#define KVM_CTR_AUDIT_RULE 5u    /* the last firewall denial: index of the deciding rule */
#define KVM_CTR_AUDIT_LINE 6u    /* ... and its line in the VMM's rule text */
#define KVM_CTR_EXITS_OP(op) (0x100u + (op)) /* ... for one operation number */

/* MSRs: the HMX call register, and one the VMM ignores (the bench's empty exit). */
#define KVM_MSR_CALL 0x400000E0u /* HMX_MSR_CALL_DEFAULT */
#define KVM_MSR_NULL 0x400000E1u

/*
 * The v4v scenarios present a Xen-family hypervisor instead: Xen's (or
 * uXen's) signature at 0x40000000, leaf +2 naming KVM_MSR_HCPAGE as the
 * MSR that installs the hypercall page.  The VMM fills the page with one
 * stub per hypercall number (32 bytes each) that pushes r9, r8, r10, rdx,
 * rsi, rdi and the number, writes the stack address to KVM_PORT_V4V,
 * pops the result the VMM left in the first slot into rax and returns:
 * the library's hypercall path runs unchanged, and each v4v_op is one
 * port exit served by hmx_provider_v4v_call.
 */
#define KVM_MSR_HCPAGE 0x400000E2u
#define KVM_PORT_V4V 0x89u /* out32 (imm8 port): address of the 7-word call on the stack */

/* Where the VMM puts the HMX discovery block: past KVM's own range, so a
 * guest's probe must scan to find it. */
#define KVM_HMX_CPUID_BASE 0x40000100u

/* The port the VMM's policy hook closes to every sender. */
#define KVM_DENIED_PORT 666u

/*
 * The policy scenario.  Before the guests start, the VMM (the host, as
 * HMX_DOMID_PROVIDER) labels domain 1 "front" and domain 2 "back",
 * installs the firewall below, and gives domain 1 three implicit
 * destinations on domain 2: VirtIO console -> port 7000 and VirtIO block
 * -> port 7001, hidden; VirtIO net -> port 7002, visible.  Neither guest
 * is privileged.
 */
#define KVM_POLICY_CONSOLE_PORT 7000u
#define KVM_POLICY_BLOCK_PORT 7001u
#define KVM_POLICY_NET_PORT 7002u
#define KVM_POLICY_DISC_PORT 7100u /* domain 1's ring for the provider's answers */
#define KVM_POLICY_RULES                                                        \
    "# kvm-policy: the VMM's firewall\n"                                          \
    "allow register provider:* -> @front:*\n"                                     \
    "allow send     @front:*   -> provider:discovery\n"                           \
    "deny  send     @front:*   -> @back:7001    # the block device is closed\n"   \
    "allow *        @front:*   -> @back:*\n"                                      \
    "allow *        @back:*    -> @front:*\n"
#define KVM_POLICY_DENY_RULE 2u /* its index ... */
#define KVM_POLICY_DENY_LINE 4u /* ... and line */

/* ---- scenarios ---------------------------------------------------------- */

#define KVM_SC_BASIC 1u  /* both: register, sendv, interrupt, recv, notify, unregister */
#define KVM_SC_ERRORS 2u /* ECONNREFUSED, EMSGSIZE, EACCES, EAGAIN + wake-up */
#define KVM_SC_BULK 3u   /* arg messages each way through 4 KiB rings */
#define KVM_SC_TRAPS 4u  /* a fixed mix of operations, counted on both sides */
#define KVM_SC_BENCH 5u  /* timing loops (the bench image) */
#define KVM_SC_POLICY 6u /* firewall, implicit destinations, discovery */
#define KVM_SC_BATCH 7u  /* batched and asynchronous send, every message checked */
#define KVM_SC_V4V_OPENXT 8u /* OpenXT's v4v (Xen 4.12: hypercall 43), the v4v image */
#define KVM_SC_V4V_UXEN 9u   /* uXen's v4v (hypercall 39), the v4v image */

/* ---- records ------------------------------------------------------------ */

#define KVM_OPS 32u /* operation numbers counted: 0..31 */
#define KVM_REPORT_MAGIC 0x54504552u /* "REPT" */

/* What a guest did, handed over once before it exits. */
struct kvm_report {
    uint32_t magic;
    uint32_t probe_traps;     /* res.traps of hmx_probe */
    uint32_t probe_chosen;    /* res.chosen */
    uint32_t denials;         /* policy denials this guest provoked */
    uint64_t ops[KVM_OPS];    /* HMX calls issued, by operation number */
    uint64_t sent, received;  /* messages */
    uint64_t eagain;          /* sends refused for space */
    uint64_t interrupts;      /* HMX interrupts taken */
};

#define KVM_BENCH_BASE_CPUID 1u /* row kinds */
#define KVM_BENCH_BASE_MSR 2u
#define KVM_BENCH_OP 3u
#define KVM_BENCH_BASE_INSN 4u

/* One benchmark row: iters repetitions timed in equal chunks between
 * consecutive timestamps mark_begin..mark_end (one chunk per step).
 * filler: plain register instructions the loop executes per repetition
 * besides the operation; the VMM subtracts them at the measured cost of
 * one (KVM_BENCH_BASE_INSN). */
struct kvm_bench_row {
    char name[40];
    uint32_t kind;
    uint32_t iters;
    uint32_t mark_begin, mark_end;
    uint32_t filler;
    uint32_t insns; /* guest instructions of one repetition, single-stepped (0: not counted) */
    uint32_t msgs;  /* messages one repetition sends (0: not a sending row) */
    uint32_t pad;
};

#endif /* HMX_KVM_ABI_H */
