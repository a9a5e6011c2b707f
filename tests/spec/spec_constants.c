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
 *   text(NAME) STRING           a string the spec must state: a UUID, a
 *                               device-tree compatible or property name
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hmx/hmx.h"
#include "hmx/mech.h"
#include "hmx/policy.h"
#include "hmx/probe.h"
#include "hmx/provider.h"
#include "hmx/smccc.h"
#include "hmx/v4v.h"
#include "hmx/x86.h"
#include "hmx/xen.h"

static int failures;

static void num(const char *name, long long v)
{
    printf("%s %lld\n", name, v);
}

#define CONST(c) num(#c, (long long)(c))
/* 64-bit magics: above LLONG_MAX, printed unsigned. */
#define CONST64(c) printf("%s %llu\n", #c, (unsigned long long)(c))
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
    CONST(HMX_DOMID_IMPLICIT);
    CONST(HMX_DOMID_UP);
    CONST(HMX_DOMID_PROVIDER);

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
    CONST(HMX_MECH_V4V_OPENXT);
    CONST(HMX_MECH_V4V_UXEN);
    CONST(HMX_MECH_MOCK);
}

/* §7.5 to §7.7, §17 and §18: policy and addressing. */
static void policy(void)
{
    static const unsigned virtio_ids[] = {1, 2, 3, 4, 5, 8, 9, 16, 18, 19, 20, 25, 26};
    char name[40];
    unsigned i;

    CONST(HMX_FW_ALLOW);
    CONST(HMX_FW_DENY);
    CONST(HMX_FW_OP_REGISTER);
    CONST(HMX_FW_OP_SEND);
    CONST(HMX_FW_MATCH_ANY);
    CONST(HMX_FW_MATCH_DOMAIN);
    CONST(HMX_FW_MATCH_LABEL);
    CONST(HMX_LABEL_SIZE);
    CONST(HMX_FW_RULES_MAX);
    CONST(HMX_FW_SET_CLEAR);
    CONST(HMX_FW_RULE_DEFAULT);
    CONST(HMX_DENIED_BY_HOST);
    CONST(HMX_DENIED_BY_FIREWALL);

    CONST(HMX_IMPLICIT_VISIBLE);
    CONST(HMX_IMPLICIT_DEFAULT);
    CONST(HMX_IMPLICIT_MAX);

    CONST(HMX_PORT_WELL_KNOWN_FIRST);
    CONST(HMX_PORT_WELL_KNOWN_LAST);
    CONST(HMX_PORT_DISCOVERY);
    CONST(HMX_PORT_VIRTIO_FIRST);
    CONST(HMX_PORT_VIRTIO_LAST);
    for (i = 0; i < sizeof(virtio_ids) / sizeof(virtio_ids[0]); i++) {
        snprintf(name, sizeof(name), "HMX_PORT_VIRTIO(%u)", virtio_ids[i]);
        num(name, (long long)HMX_PORT_VIRTIO(virtio_ids[i]));
    }

    CONST(HMX_DISC_MSG_TYPE);
    CONST(HMX_DISC_VERSION);
    CONST(HMX_DISC_OP_LIST);
    CONST(HMX_DISC_IMPLICIT);
    CONST(HMX_DISC_VISIBLE);
    CONST(HMX_DISC_VIRTIO);
}

/* §10 to §12: the HMX call, x86 discovery and the x86 mechanisms. */
static void mechanisms(void)
{
    CONST(HMX_OP_REGISTER_RING);
    CONST(HMX_OP_UNREGISTER_RING);
    CONST(HMX_OP_SENDV);
    CONST(HMX_OP_NOTIFY);
    CONST(HMX_OP_SET_VECTOR);

    CONST(HMX_OP_FW_SET);
    CONST(HMX_OP_FW_LIST);
    CONST(HMX_OP_FW_ADD);
    CONST(HMX_OP_FW_DEL);
    CONST(HMX_OP_SET_LABEL);
    CONST(HMX_OP_IMPLICIT_SET);
    CONST(HMX_OP_IMPLICIT_LIST);

    /* §10.8 and §10.9: optional operations and notifications. */
    CONST(HMX_FEAT_VECTOR);
    CONST(HMX_FEAT_FIREWALL);
    CONST(HMX_FEAT_IMPLICIT);
    CONST(HMX_FEAT_DISCOVERY);
    CONST(HMX_FEAT_BATCH);
    CONST(HMX_FEAT_ASYNC);
    /* §19: many messages per trap. */
    CONST(HMX_OP_SENDV_BATCH);
    CONST(HMX_OP_ASYNC_SETUP);
    CONST(HMX_OP_ASYNC_DOORBELL);
    CONST(HMX_BATCH_MAX);
    CONST(HMX_BATCH_STOP);
    CONST(HMX_ASYNC_ENTRIES_MAX);
    CONST(HMX_ASYNC_IDLE);
    CONST(HMX_ASYNC_DRAINING);
    CONST(HMX_ASYNC_HDR_SIZE);
    CONST(HMX_VECTOR_CPUS);
    CONST(HMX_VECTOR_MAX);

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
    CONST(HMX_HV_UXEN);
}

/* §13: the UUIDs as the spec writes them. */
#define HMX_UUID "14bcd6c4-49a4-4fde-a778-1d75c0dfb3c0"
#define XEN_UUID "a71812dc-c698-4369-9acf-79d18ddee667"

static unsigned hexval(char c)
{
    return c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* SMCCC returns a UID in w0..w3, four bytes each, first byte lowest. */
static void uid_matches(const char *name, const char *uuid, uint32_t w0, uint32_t w1,
                        uint32_t w2, uint32_t w3)
{
    const uint32_t w[4] = {w0, w1, w2, w3};
    unsigned char b[16];
    unsigned n = 0, i;

    for (i = 0; uuid[i] != '\0' && n < 16; i++) {
        if (uuid[i] == '-')
            continue;
        b[n++] = (unsigned char)(hexval(uuid[i]) << 4 | hexval(uuid[i + 1]));
        i++;
    }
    for (i = 0; i < 4; i++) {
        uint32_t want = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                        (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;

        if (n != 16 || w[i] != want) {
            printf("%s_W%u NOT-THE-UUID-%s\n", name, i, uuid);
            failures++;
        }
    }
}

/* The spec's rule for a function base, written out independently of
 * HMX_SMCCC_BASE_VALID: fast, SMC64, owner 5, bits 23..16 and 7..0 zero,
 * bits 15..8 not 0xFF.  Both must agree on every ID tried. */
static int spec_base_rule(uint32_t fid)
{
    return (fid >> 31 & 1u) == 1u && (fid >> 30 & 1u) == 1u && (fid >> 24 & 0x3Fu) == 5u &&
           (fid >> 16 & 0xFFu) == 0u && (fid & 0xFFu) == 0u && (fid >> 8 & 0xFFu) != 0xFFu;
}

static void base_rule(void)
{
    static const uint32_t highs[] = {0xC500u, 0x8500u, 0x4500u, 0xC400u, 0xC600u,
                                     0xC501u, 0xC510u, 0xC580u, 0xE500u, 0xF500u};
    unsigned h, bad = 0;
    uint32_t lo;

    for (h = 0; h < sizeof(highs) / sizeof(highs[0]); h++)
        for (lo = 0; lo <= 0xFFFFu; lo++) {
            uint32_t fid = (uint32_t)highs[h] << 16 | lo;

            if (!HMX_SMCCC_BASE_VALID(fid) != !spec_base_rule(fid))
                bad++;
        }
    if (!HMX_SMCCC_BASE_VALID(HMX_SMCCC_BASE_DEFAULT) || bad != 0) {
        printf("HMX_SMCCC_BASE_VALID RULE-DIFFERS-ON-%u-IDS\n", bad);
        failures++;
    }
}

/* §13: the SMCCC mechanism, and the UIDs a probe tells apart. */
static void smccc(void)
{
    CONST(HMX_SMCCC_VERSION_FID);
    CONST(HMX_SMCCC_MIN_VERSION);
    CONST(HMX_SMCCC_OWNER_UID_FID);
    CONST(HMX_SMCCC_SUCCESS);
    CONST(HMX_SMCCC_NOT_SUPPORTED);
    CONST(HMX_SMCCC_INVALID_PARAMETER);
    CONST(HMX_SMCCC_FAST_SMC64);
    CONST(HMX_SMCCC_OWNER_STD_HYP);

    CONST(HMX_SMCCC_BASE_DEFAULT);
    CONST(HMX_SMCCC_FN_VERSION);
    CONST(HMX_SMCCC_FN_FEATURES);
    CONST(HMX_SMCCC_FN_CALL);
    CONST(HMX_SMCCC_FN_CALL_COUNT);
    CONST(HMX_SMCCC_FN_CALL_UID);
    CONST(HMX_SMCCC_FN_REVISION);
    CONST(HMX_SMCCC_FUNCTIONS);
    CONST(HMX_SMCCC_FEATURE_BITMAP);

    CONST(HMX_SMCCC_UID_W0);
    CONST(HMX_SMCCC_UID_W1);
    CONST(HMX_SMCCC_UID_W2);
    CONST(HMX_SMCCC_UID_W3);
    CONST(HMX_XEN_SMCCC_UID_W0);
    CONST(HMX_XEN_SMCCC_UID_W1);
    CONST(HMX_XEN_SMCCC_UID_W2);
    CONST(HMX_XEN_SMCCC_UID_W3);

    uid_matches("HMX_SMCCC_UID", HMX_UUID, HMX_SMCCC_UID_W0, HMX_SMCCC_UID_W1,
                HMX_SMCCC_UID_W2, HMX_SMCCC_UID_W3);
    uid_matches("HMX_XEN_SMCCC_UID", XEN_UUID, HMX_XEN_SMCCC_UID_W0, HMX_XEN_SMCCC_UID_W1,
                HMX_XEN_SMCCC_UID_W2, HMX_XEN_SMCCC_UID_W3);
    base_rule();
    printf("text(HMX_SMCCC_UID) %s\n", HMX_UUID);
    printf("text(HMX_XEN_SMCCC_UID) %s\n", XEN_UUID);

    /* §14: the device-tree binding's strings. */
    printf("text(HMX_DT_COMPATIBLE) %s\n", HMX_DT_COMPATIBLE);
    printf("text(HMX_DT_PROP_CONDUIT) %s\n", HMX_DT_PROP_CONDUIT);
    printf("text(HMX_DT_PROP_BASE) %s\n", HMX_DT_PROP_BASE);
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

    /* §19: the batched and asynchronous sends' structures. */
    SIZE(hmx_batch_desc);
    FIELD(hmx_batch_desc, addr);
    FIELD(hmx_batch_desc, iov);
    FIELD(hmx_batch_desc, niov);
    FIELD(hmx_batch_desc, message_type);
    FIELD(hmx_batch_desc, result);
    FIELD(hmx_batch_desc, pad);
    SIZE(hmx_async_hdr);
    FIELD(hmx_async_hdr, sq_prod);
    FIELD(hmx_async_hdr, sq_cons);
    FIELD(hmx_async_hdr, cq_prod);
    FIELD(hmx_async_hdr, cq_cons);
    FIELD(hmx_async_hdr, state);
    FIELD(hmx_async_hdr, entries);
    FIELD(hmx_async_hdr, reserved);
    SIZE(hmx_async_sqe);
    FIELD(hmx_async_sqe, addr);
    FIELD(hmx_async_sqe, user_data);
    FIELD(hmx_async_sqe, niov);
    FIELD(hmx_async_sqe, message_type);
    FIELD(hmx_async_sqe, iov);
    SIZE(hmx_async_cqe);
    FIELD(hmx_async_cqe, user_data);
    FIELD(hmx_async_cqe, result);
    FIELD(hmx_async_cqe, pad);

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

    SIZE(hmx_fw_rule);
    FIELD(hmx_fw_rule, action);
    FIELD(hmx_fw_rule, ops);
    FIELD(hmx_fw_rule, src_match);
    FIELD(hmx_fw_rule, dst_match);
    FIELD(hmx_fw_rule, src_domain);
    FIELD(hmx_fw_rule, dst_domain);
    FIELD(hmx_fw_rule, src_port_first);
    FIELD(hmx_fw_rule, src_port_last);
    FIELD(hmx_fw_rule, dst_port_first);
    FIELD(hmx_fw_rule, dst_port_last);
    FIELD(hmx_fw_rule, line);
    FIELD(hmx_fw_rule, reserved);
    FIELD(hmx_fw_rule, src_label);
    FIELD(hmx_fw_rule, dst_label);

    SIZE(hmx_implicit_entry);
    FIELD(hmx_implicit_entry, service);
    FIELD(hmx_implicit_entry, port);
    FIELD(hmx_implicit_entry, domain);
    FIELD(hmx_implicit_entry, flags);
    FIELD(hmx_implicit_entry, reserved);

    SIZE(hmx_disc_req);
    FIELD(hmx_disc_req, version);
    FIELD(hmx_disc_req, op);
    FIELD(hmx_disc_req, first);
    FIELD(hmx_disc_req, max);
    FIELD(hmx_disc_req, cookie);
    FIELD(hmx_disc_req, reserved);

    SIZE(hmx_disc_reply);
    FIELD(hmx_disc_reply, version);
    FIELD(hmx_disc_reply, op);
    FIELD(hmx_disc_reply, total);
    FIELD(hmx_disc_reply, count);
    FIELD(hmx_disc_reply, cookie);
    FIELD(hmx_disc_reply, first);
    FIELD(hmx_disc_reply, reserved);

    SIZE(hmx_disc_entry);
    FIELD(hmx_disc_entry, service);
    FIELD(hmx_disc_entry, port);
    FIELD(hmx_disc_entry, dst_port);
    FIELD(hmx_disc_entry, domain);
    FIELD(hmx_disc_entry, flags);

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

/* §20: v4v (OpenXT, uXen) behind the same API. */
static void v4v(void)
{
    CONST(HMX_V4V_OPENXT);
    CONST(HMX_V4V_UXEN);
    CONST(HMX_V4V_HYPERCALL);
    CONST(HMX_V4V_HYPERCALL_OPENXT_412);
    CONST(HMX_V4V_OP_REGISTER_RING);
    CONST(HMX_V4V_OP_UNREGISTER_RING);
    CONST(HMX_V4V_OP_SEND);
    CONST(HMX_V4V_OP_NOTIFY);
    CONST(HMX_V4V_OP_SENDV);
    CONST(HMX_V4V_OP_PROBE);
    CONST(HMX_V4V_DOMID_ANY);
    CONST(HMX_V4V_DOMID_DM);
    CONST64(HMX_V4V_PFN_LIST_MAGIC);
    CONST64(HMX_V4V_RING_DATA_MAGIC);
    CONST64(HMX_V4V_RING_MAGIC_OPENXT);
    CONST64(HMX_V4V_RING_MAGIC_UXEN);
    CONST(HMX_V4V_RING_EMPTY);
    CONST(HMX_V4V_RING_EXISTS);
    CONST(HMX_V4V_RING_PENDING);
    CONST(HMX_V4V_RING_SUFFICIENT);
    CONST(HMX_V4V_PROTO_DGRAM);
    CONST(HMX_V4V_PROTO_STREAM);
    CONST(HMX_PROVIDER_V4V_OPENXT);
    CONST(HMX_PROVIDER_V4V_UXEN);

    SIZE(hmx_v4v_addr);
    FIELD(hmx_v4v_addr, port);
    FIELD(hmx_v4v_addr, domain);
    SIZE(hmx_v4v_ring_id);
    FIELD(hmx_v4v_ring_id, addr);
    FIELD(hmx_v4v_ring_id, partner);
    SIZE(hmx_v4v_pfn_list);
    FIELD(hmx_v4v_pfn_list, magic);
    FIELD(hmx_v4v_pfn_list, npage);
    FIELD(hmx_v4v_pfn_list, pad);
    FIELD(hmx_v4v_pfn_list, reserved);
    SIZE(hmx_v4v_iov);
    FIELD(hmx_v4v_iov, base);
    FIELD(hmx_v4v_iov, len);
    SIZE(hmx_v4v_ring_data);
    FIELD(hmx_v4v_ring_data, magic);
    FIELD(hmx_v4v_ring_data, nent);
    FIELD(hmx_v4v_ring_data, pad);
    FIELD(hmx_v4v_ring_data, reserved);
    SIZE(hmx_v4v_ring_data_ent);
    FIELD(hmx_v4v_ring_data_ent, ring);
    FIELD(hmx_v4v_ring_data_ent, flags);
    FIELD(hmx_v4v_ring_data_ent, space_required);
    FIELD(hmx_v4v_ring_data_ent, max_message_size);

    /* The ring header layouts (§20.5). */
    num("hmx_ring_layout_v4v_openxt.hdr_size", hmx_ring_layout_v4v_openxt.hdr_size);
    num("hmx_ring_layout_v4v_uxen.hdr_size", hmx_ring_layout_v4v_uxen.hdr_size);
}

int main(void)
{
    constants();
    policy();
    mechanisms();
    smccc();
    structures();
    errors();
    v4v();
    appendix_a();
    return failures != 0;
}
