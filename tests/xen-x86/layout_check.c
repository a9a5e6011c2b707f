/* SPDX-License-Identifier: MIT */
/*
 * libhmx's view of Xen's ABI against Xen's own public headers: every wire
 * structure's size and field offsets, the constants, the error numbers, and
 * the test dom0's start-of-day structures.  Built at test time with the
 * fetched source's xen/include on the include path (not public/ itself:
 * its features.h would hide the C library's); Xen's headers are read here,
 * never copied into libhmx.  One line per
 * comparison, then "N passed, M failed"; exit status 1 on any mismatch.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#include "public/xen.h"
#include "public/argo.h"
#include "public/elfnote.h"
#include "public/physdev.h"
#include "public/sched.h"
#include "public/arch-x86/hvm/start_info.h"

#include "hmx/errors.h"
#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/wire.h"
#include "hmx/xen.h"
#include "xen_abi.h"

static unsigned passed, failed;

static void same(const char *what, unsigned long long ours, unsigned long long xens)
{
    printf("%s %-72s libhmx %llu, Xen %llu\n", ours == xens ? "ok  " : "FAIL", what, ours, xens);
    if (ours == xens)
        passed++;
    else
        failed++;
}

#define SIZE(ours, xens) same("sizeof " #ours " / " #xens, sizeof(ours), sizeof(xens))
#define FIELD(ours, of, xens, xf) \
    same(#ours "." #of " / " #xens "." #xf, offsetof(ours, of), offsetof(xens, xf))
#define WIDTH(ours, of, xens, xf)                                          \
    same("width " #ours "." #of " / " #xens "." #xf, sizeof(((ours *)0)->of), \
         sizeof(((xens *)0)->xf))
#define CONST(ours, xens) same(#ours " / " #xens, (unsigned long long)(ours), (unsigned long long)(xens))

/* Xen's error numbers, by name, from its X-macro header. */
struct xen_err {
    const char *name;
    int value;
};
static const struct xen_err xen_errs[] = {
#define XEN_ERRNO(name, value) {#name, value},
#include "public/errno.h"
};

static void check_errno(void)
{
    unsigned i, k;

#define HMX_ROW(name, value, msg) {#name, value},
    static const struct xen_err ours[] = {HMX_ERRNO_MAP(HMX_ROW)};
#undef HMX_ROW
    for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
        char what[64];

        if (ours[i].value >= 200)
            continue; /* libhmx's own codes, not Xen's */
        for (k = 0; k < sizeof(xen_errs) / sizeof(xen_errs[0]); k++)
            if (strcmp(xen_errs[k].name, ours[i].name) == 0)
                break;
        snprintf(what, sizeof(what), "HMX_%s / XEN_%s", ours[i].name, ours[i].name);
        same(what, (unsigned)ours[i].value,
             k < sizeof(xen_errs) / sizeof(xen_errs[0]) ? (unsigned)xen_errs[k].value : 0u);
    }
}

int main(void)
{
    /* Wire structures (hmx/wire.h). */
    SIZE(struct hmx_addr, xen_argo_addr_t);
    FIELD(struct hmx_addr, port, xen_argo_addr_t, aport);
    FIELD(struct hmx_addr, domain, xen_argo_addr_t, domain_id);
    FIELD(struct hmx_addr, pad, xen_argo_addr_t, pad);
    WIDTH(struct hmx_addr, domain, xen_argo_addr_t, domain_id);
    SIZE(struct hmx_send_addr, xen_argo_send_addr_t);
    FIELD(struct hmx_send_addr, src, xen_argo_send_addr_t, src);
    FIELD(struct hmx_send_addr, dst, xen_argo_send_addr_t, dst);
    SIZE(struct hmx_ring_reg, xen_argo_register_ring_t);
    FIELD(struct hmx_ring_reg, port, xen_argo_register_ring_t, aport);
    FIELD(struct hmx_ring_reg, partner, xen_argo_register_ring_t, partner_id);
    FIELD(struct hmx_ring_reg, pad, xen_argo_register_ring_t, pad);
    FIELD(struct hmx_ring_reg, len, xen_argo_register_ring_t, len);
    SIZE(struct hmx_ring_unreg, xen_argo_unregister_ring_t);
    FIELD(struct hmx_ring_unreg, port, xen_argo_unregister_ring_t, aport);
    FIELD(struct hmx_ring_unreg, partner, xen_argo_unregister_ring_t, partner_id);
    FIELD(struct hmx_ring_unreg, pad, xen_argo_unregister_ring_t, pad);
    SIZE(struct hmx_giov, xen_argo_iov_t);
    FIELD(struct hmx_giov, gaddr, xen_argo_iov_t, iov_hnd);
    FIELD(struct hmx_giov, len, xen_argo_iov_t, iov_len);
    FIELD(struct hmx_giov, pad, xen_argo_iov_t, pad);
    SIZE(struct hmx_ring_query, xen_argo_ring_data_ent_t);
    FIELD(struct hmx_ring_query, ring, xen_argo_ring_data_ent_t, ring);
    FIELD(struct hmx_ring_query, flags, xen_argo_ring_data_ent_t, flags);
    FIELD(struct hmx_ring_query, pad, xen_argo_ring_data_ent_t, pad);
    FIELD(struct hmx_ring_query, space_required, xen_argo_ring_data_ent_t, space_required);
    FIELD(struct hmx_ring_query, max_message_size, xen_argo_ring_data_ent_t, max_message_size);
    SIZE(struct hmx_ring_data_hdr, xen_argo_ring_data_t);
    FIELD(struct hmx_ring_data_hdr, nent, xen_argo_ring_data_t, nent);
    FIELD(struct hmx_ring_data_hdr, pad, xen_argo_ring_data_t, pad);
    same("sizeof struct hmx_ring_data_hdr / offsetof xen_argo_ring_data_t.data",
         sizeof(struct hmx_ring_data_hdr), offsetof(xen_argo_ring_data_t, data));
    SIZE(struct hmx_ring_hdr, xen_argo_ring_t);
    FIELD(struct hmx_ring_hdr, rx_ptr, xen_argo_ring_t, rx_ptr);
    FIELD(struct hmx_ring_hdr, tx_ptr, xen_argo_ring_t, tx_ptr);
    FIELD(struct hmx_ring_hdr, reserved, xen_argo_ring_t, reserved);
    same("HMX_RING_HDR_SIZE / offsetof xen_argo_ring_t.ring", HMX_RING_HDR_SIZE,
         offsetof(xen_argo_ring_t, ring));
    SIZE(struct hmx_msg_hdr, struct xen_argo_ring_message_header);
    FIELD(struct hmx_msg_hdr, len, struct xen_argo_ring_message_header, len);
    FIELD(struct hmx_msg_hdr, source, struct xen_argo_ring_message_header, source);
    FIELD(struct hmx_msg_hdr, message_type, struct xen_argo_ring_message_header, message_type);
    SIZE(hmx_gfn_t, xen_argo_gfn_t);
    SIZE(hmx_port_t, xen_argo_port_t);
    SIZE(hmx_domid_t, domid_t);

    /* Constants. */
    CONST(HMX_DOMID_ANY, XEN_ARGO_DOMID_ANY);
    CONST(HMX_RING_MAX_LEN, XEN_ARGO_MAX_RING_SIZE);
    CONST(HMX_MAXIOV, XEN_ARGO_MAXIOV);
    CONST(HMX_MSG_SLOT_SIZE, XEN_ARGO_MSG_SLOT_SIZE);
    CONST(HMX_RING_EXISTS, XEN_ARGO_RING_EXISTS);
    CONST(HMX_RING_SHARED, XEN_ARGO_RING_SHARED);
    CONST(HMX_RING_EMPTY, XEN_ARGO_RING_EMPTY);
    CONST(HMX_RING_SUFFICIENT, XEN_ARGO_RING_SUFFICIENT);
    CONST(HMX_RING_EMSGSIZE, XEN_ARGO_RING_EMSGSIZE);
    CONST(HMX_RING_EBUSY, XEN_ARGO_RING_EBUSY);
    CONST(HMX_REGISTER_FAIL_EXIST, XEN_ARGO_REGISTER_FLAG_FAIL_EXIST);
    CONST(HMX_OP_REGISTER_RING, XEN_ARGO_OP_register_ring);
    CONST(HMX_OP_UNREGISTER_RING, XEN_ARGO_OP_unregister_ring);
    CONST(HMX_OP_SENDV, XEN_ARGO_OP_sendv);
    CONST(HMX_OP_NOTIFY, XEN_ARGO_OP_notify);
    CONST(HMX_XEN_HYPERCALL_ARGO_OP, __HYPERVISOR_argo_op);
    check_errno();

    /* The test dom0's own view (tests/xen-x86/dom0/xen_abi.h). */
    CONST(D0_ELFNOTE_ENTRY, XEN_ELFNOTE_ENTRY);
    CONST(D0_ELFNOTE_HYPERCALL_PAGE, XEN_ELFNOTE_HYPERCALL_PAGE);
    CONST(D0_ELFNOTE_VIRT_BASE, XEN_ELFNOTE_VIRT_BASE);
    CONST(D0_ELFNOTE_PADDR_OFFSET, XEN_ELFNOTE_PADDR_OFFSET);
    CONST(D0_ELFNOTE_XEN_VERSION, XEN_ELFNOTE_XEN_VERSION);
    CONST(D0_ELFNOTE_GUEST_OS, XEN_ELFNOTE_GUEST_OS);
    CONST(D0_ELFNOTE_LOADER, XEN_ELFNOTE_LOADER);
    CONST(D0_ELFNOTE_PHYS32_ENTRY, XEN_ELFNOTE_PHYS32_ENTRY);
    CONST(D0_HYPERCALL_CONSOLE_IO, __HYPERVISOR_console_io);
    CONST(D0_HYPERCALL_SCHED_OP, __HYPERVISOR_sched_op);
    CONST(D0_HYPERCALL_PHYSDEV_OP, __HYPERVISOR_physdev_op);
    CONST(D0_CONSOLEIO_WRITE, CONSOLEIO_write);
    CONST(D0_SCHEDOP_SHUTDOWN, SCHEDOP_shutdown);
    CONST(D0_SHUTDOWN_POWEROFF, SHUTDOWN_poweroff);
    CONST(D0_PHYSDEVOP_SET_IOPL, PHYSDEVOP_set_iopl);
    CONST(D0_HVM_START_MAGIC, XEN_HVM_START_MAGIC_VALUE);
    CONST(D0_MAX_GUEST_CMDLINE, MAX_GUEST_CMDLINE);
    CONST(D0_SIF_INITDOMAIN, SIF_INITDOMAIN);
    SIZE(struct d0_hvm_start_info, struct hvm_start_info);
    FIELD(struct d0_hvm_start_info, magic, struct hvm_start_info, magic);
    FIELD(struct d0_hvm_start_info, cmdline_paddr, struct hvm_start_info, cmdline_paddr);
    FIELD(struct d0_hvm_start_info, memmap_entries, struct hvm_start_info, memmap_entries);
    SIZE(struct d0_start_info, struct start_info);
    FIELD(struct d0_start_info, nr_pages, struct start_info, nr_pages);
    FIELD(struct d0_start_info, flags, struct start_info, flags);
    FIELD(struct d0_start_info, store_mfn, struct start_info, store_mfn);
    FIELD(struct d0_start_info, console_word0, struct start_info, console);
    FIELD(struct d0_start_info, pt_base, struct start_info, pt_base);
    FIELD(struct d0_start_info, mfn_list, struct start_info, mfn_list);
    FIELD(struct d0_start_info, cmd_line, struct start_info, cmd_line);
    FIELD(struct d0_start_info, nr_p2m_frames, struct start_info, nr_p2m_frames);
    SIZE(struct d0_physdev_set_iopl, struct physdev_set_iopl);
    SIZE(struct d0_sched_shutdown, struct sched_shutdown);

    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
