/* SPDX-License-Identifier: MIT */
/*
 * Prints every number that spec/hmx.md states, one "NAME VALUE" line each,
 * taken from the headers (and, for the worked example, from the ring code
 * itself).  check_spec.py compares this output with the spec's tables, so
 * a change on either side that the other does not follow fails the build.
 *
 * Line forms (VALUE is decimal unless said otherwise):
 *   HMX_NAME V                  a constant or error code
 *   errno(HMX_NAME) V           the Xen errno the code maps from, or "-"
 *   sizeof(struct S) V          size of a wire structure
 *   offsetof(S.f) V             offset of field f in struct S
 *   sizeof(S.f) V               size of field f in struct S
 *   dump(0xOOOO) HEX            16 bytes of the Appendix A ring, as hex
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/probe.h"
#include "hmx/x86.h"
#include "hmx/xen.h"

static int failures;

static void num(const char *name, long long v)
{
    printf("%s %lld\n", name, v);
}

#define CONST(c) num(#c, (long long)(c))
#define SIZE(s) num("sizeof(struct " #s ")", (long long)sizeof(struct s))
#define FIELD(s, f)                                                          \
    do {                                                                     \
        num("offsetof(" #s "." #f ")", (long long)offsetof(struct s, f));    \
        num("sizeof(" #s "." #f ")", (long long)sizeof(((struct s *)0)->f)); \
    } while (0)

static void constants(void)
{
    CONST(HMX_MSG_SLOT_SIZE);
    CONST(HMX_RING_HDR_SIZE);
    CONST(HMX_MSG_HDR_SIZE);
    CONST(HMX_RING_MIN_LEN);
    CONST(HMX_RING_MAX_LEN);
    CONST(HMX_MAXIOV);
    CONST(HMX_NOTIFY_MAX);
    CONST(HMX_RINGS_PER_DOMAIN_MAX);
    CONST(HMX_PENDING_PER_RING_MAX);
    CONST(HMX_MSG_MAX);
    CONST(HMX_FRAME_SIZE);
    CONST(HMX_FRAME_SHIFT);
    CONST(HMX_DOMID_ANY);

    CONST(HMX_RING_EXISTS);
    CONST(HMX_RING_SHARED);
    CONST(HMX_RING_EMPTY);
    CONST(HMX_RING_SUFFICIENT);
    CONST(HMX_RING_EMSGSIZE);
    CONST(HMX_RING_EBUSY);
    CONST(HMX_REGISTER_FAIL_EXIST);

    CONST(HMX_MECH_NONE);
    CONST(HMX_MECH_INPROC);
    CONST(HMX_MECH_XEN_HYPERCALL);
    CONST(HMX_MECH_MSR);
    CONST(HMX_MECH_CPUID);
    CONST(HMX_MECH_SMCCC);
    CONST(HMX_MECH_MOCK);
}

/* §10 to §12: the HMX call, x86 discovery and the x86 mechanisms. */
static void mechanisms(void)
{
    CONST(HMX_OP_REGISTER_RING);
    CONST(HMX_OP_UNREGISTER_RING);
    CONST(HMX_OP_SENDV);
    CONST(HMX_OP_NOTIFY);

    CONST(HMX_CPUID_SIG_EBX);
    CONST(HMX_CPUID_SIG_ECX);
    CONST(HMX_CPUID_SIG_EDX);
    CONST(HMX_CPUID_LEAF_INFO);
    /* The spec's table names the parameter leaves of mechanisms 3 and 4. */
    num("HMX_CPUID_LEAF_MECH(3)", (long long)HMX_CPUID_LEAF_MECH(HMX_MECH_MSR));
    num("HMX_CPUID_LEAF_MECH(4)", (long long)HMX_CPUID_LEAF_MECH(HMX_MECH_CPUID));
    CONST(HMX_INTERFACE_VERSION);
    CONST(HMX_MSR_CALL_DEFAULT);

    CONST(HMX_XEN_HYPERCALL_ARGO_OP);
    CONST(HMX_CALL_PAGE_SIZE);

    /* §11.3: the identities a probe reports. */
    CONST(HMX_HV_NONE);
    CONST(HMX_HV_UNKNOWN);
    CONST(HMX_HV_XEN);
    CONST(HMX_HV_KVM);
    CONST(HMX_HV_HYPERV);
    CONST(HMX_HV_VMWARE);
    CONST(HMX_HV_BHYVE);
    CONST(HMX_HV_ACRN);
    CONST(HMX_HV_QNX);
    CONST(HMX_HV_TCG);
    CONST(HMX_HV_VIRTUALBOX);
    CONST(HMX_HV_PARALLELS);
    CONST(HMX_HV_HMX);
}

static void structures(void)
{
    SIZE(hmx_addr);
    FIELD(hmx_addr, port);
    FIELD(hmx_addr, domain);
    FIELD(hmx_addr, pad);

    SIZE(hmx_send_addr);
    FIELD(hmx_send_addr, src);
    FIELD(hmx_send_addr, dst);

    SIZE(hmx_ring_reg);
    FIELD(hmx_ring_reg, port);
    FIELD(hmx_ring_reg, partner);
    FIELD(hmx_ring_reg, pad);
    FIELD(hmx_ring_reg, len);

    SIZE(hmx_ring_unreg);
    FIELD(hmx_ring_unreg, port);
    FIELD(hmx_ring_unreg, partner);
    FIELD(hmx_ring_unreg, pad);

    SIZE(hmx_giov);
    FIELD(hmx_giov, gaddr);
    FIELD(hmx_giov, len);
    FIELD(hmx_giov, pad);

    SIZE(hmx_ring_query);
    FIELD(hmx_ring_query, ring);
    FIELD(hmx_ring_query, flags);
    FIELD(hmx_ring_query, pad);
    FIELD(hmx_ring_query, space_required);
    FIELD(hmx_ring_query, max_message_size);

    SIZE(hmx_ring_data_hdr);
    FIELD(hmx_ring_data_hdr, nent);
    FIELD(hmx_ring_data_hdr, pad);

    SIZE(hmx_ring_hdr);
    FIELD(hmx_ring_hdr, rx_ptr);
    FIELD(hmx_ring_hdr, tx_ptr);
    FIELD(hmx_ring_hdr, reserved);

    SIZE(hmx_msg_hdr);
    FIELD(hmx_msg_hdr, len);
    FIELD(hmx_msg_hdr, source);
    FIELD(hmx_msg_hdr, message_type);

    SIZE(hmx_call_block);
    FIELD(hmx_call_block, op);
    FIELD(hmx_call_block, flags);
    FIELD(hmx_call_block, ret);
    FIELD(hmx_call_block, arg);
    FIELD(hmx_call_block, reserved);
}

/* Every row of the error table: the API value and the Xen errno it maps from. */
static void errors(void)
{
    char name[64];

    num("HMX_OK", HMX_OK);
#define ERR_ROW(n, value, msg)                                                     \
    do {                                                                           \
        num("HMX_" #n, (long long)HMX_##n);                                        \
        snprintf(name, sizeof(name), "errno(HMX_%s)", #n);                         \
        if ((value) < 200 && hmx_err_from_xen(value) == HMX_##n) {                 \
            num(name, (long long)(value));                                         \
        } else if ((value) >= 200 && hmx_err_from_xen(value) == HMX_EIO) {         \
            printf("%s -\n", name);                                                \
        } else {                                                                   \
            printf("%s MAPPING-BROKEN\n", name);                                   \
            failures++;                                                            \
        }                                                                          \
    } while (0);
    HMX_ERRNO_MAP(ERR_ROW)
#undef ERR_ROW
}

/*
 * Appendix A: a fresh ring of 256 data bytes receives one 19-byte message
 * from domain 1, port 0x1000, type 0x2A.  The ring code itself writes it.
 */
static void appendix_a(void)
{
    static _Alignas(16) unsigned char mem[HMX_RING_HDR_SIZE + 256];
    static const char payload[] = "abcdefghijklmnopqrs";
    struct hmx_ring_reader rd;
    struct hmx_ring_writer wr;
    struct hmx_addr src = {0x1000u, 1u, 0u};
    struct hmx_iov iov = {payload, sizeof(payload) - 1u};
    size_t off;
    int rc;

    memset(mem, 0, sizeof(mem));
    if (hmx_ring_reader_init(&rd, mem, 256u, 1) != 0 || hmx_ring_writer_init(&wr, mem, 256u) != 0) {
        printf("appendix-a INIT-FAILED\n");
        failures++;
        return;
    }
    rc = hmx_ring_write(&wr, &src, 0x2Au, &iov, 1);
    if (rc != 19) {
        printf("appendix-a WRITE-FAILED\n");
        failures++;
        return;
    }
    for (off = 0; off < HMX_RING_HDR_SIZE + 48u; off += 16u) {
        size_t i;

        printf("dump(0x%04zx) ", off);
        for (i = 0; i < 16u; i++)
            printf("%02x", mem[off + i]);
        printf("\n");
    }
}

int main(void)
{
    constants();
    mechanisms();
    structures();
    errors();
    appendix_a();
    return failures != 0;
}
