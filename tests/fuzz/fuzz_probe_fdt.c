/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the Arm discovery (hmx_probe with a device tree).
 *
 * The input is a device-tree blob, either raw or one of the unit tests'
 * trees with patches applied (bytes or 32-bit words at chosen offsets, the
 * header's sizes and offsets included), followed into hmx_probe through
 * opt.fdt / opt.fdt_size; the arch table is a mock whose every SMCCC and
 * Xen answer also comes from the input.  The blob sits at the end of an
 * allocation of exactly its size, so AddressSanitizer sees any overread.
 *
 * Checked: hmx_probe returns 0; a blob found corrupt offers nothing and
 * makes no call; every SMCCC call uses the tree's conduit and a valid
 * function base, with x2..x17 zero, and is made only for an HMX node; the
 * mechanism is usable only if the firmware answered SMCCC >= 1.1, the HMX
 * UID and HMX major version 1; the recorded SMCCC version, interrupts,
 * base and traps agree with what happened; every report is consistent
 * (usable implies offered and status 0, one chosen mechanism at most and
 * only a usable one); the blob is not written; and a second probe with the
 * same answers gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdt_build.h"
#include "fuzz_util.h"
#include "hmx/probe.h"
#include "hmx/smccc.h"
#include "hmx/xen.h"

#define MAX_CALLS 16u

struct mock {
    /* answers */
    uint32_t fw_base;
    int any_base;
    uint64_t version, uid[4], hmx_version, feat0, feat1;
    unsigned fail_call;
    int fail_rc;
    int xen_rc;
    uint64_t xen_raw;
    /* what happened */
    unsigned nsmccc, nsmccc_ok, nxen, nxen_counted;
    int answered_hmx_uid, answered_min_version, answered_hmx_major;
    uint64_t version_answer;
    int version_ok;
    enum hmx_smccc_conduit conduit[MAX_CALLS];
    uint32_t fid[MAX_CALLS];
};

static struct mock M;

static int mock_smccc(void *ctx, enum hmx_smccc_conduit conduit, const uint64_t in[18],
                      uint64_t out[18])
{
    struct mock *m = ctx;
    const uint32_t fid = (uint32_t)in[0];
    unsigned n = m->nsmccc++;

    FZ_CHECK(in[0] <= UINT32_MAX, "function ID with upper bits");
    for (unsigned i = 2; i < 18; i++)
        FZ_CHECK(in[i] == 0, "x%u not zero in a probe call", i);
    if (n < MAX_CALLS) {
        m->conduit[n] = conduit;
        m->fid[n] = fid;
    }
    if (m->fail_call != 0 && m->nsmccc == m->fail_call)
        return m->fail_rc;
    m->nsmccc_ok++;
    for (unsigned i = 0; i < 18; i++)
        out[i] = 0x5A5A5A5A5A5A5A5Aull;
    if (fid == HMX_SMCCC_VERSION_FID) {
        out[0] = m->version;
        m->version_answer = m->version;
        m->version_ok = 1;
        m->answered_min_version = (int32_t)m->version >= 0 && (uint32_t)m->version >= 0x10001u;
    } else if ((fid & 0xFFu) == HMX_SMCCC_FN_CALL_UID &&
               (m->any_base || (fid & ~0xFFu) == m->fw_base)) {
        for (unsigned i = 0; i < 4; i++)
            out[i] = m->uid[i];
        m->answered_hmx_uid = (uint32_t)m->uid[0] == HMX_SMCCC_UID_W0 &&
                              (uint32_t)m->uid[1] == HMX_SMCCC_UID_W1 &&
                              (uint32_t)m->uid[2] == HMX_SMCCC_UID_W2 &&
                              (uint32_t)m->uid[3] == HMX_SMCCC_UID_W3;
    } else if ((fid & 0xFFu) == HMX_SMCCC_FN_VERSION &&
               (m->any_base || (fid & ~0xFFu) == m->fw_base)) {
        FZ_CHECK(in[1] == HMX_INTERFACE_VERSION, "HMX_VERSION states %llx",
                 (unsigned long long)in[1]);
        out[0] = m->hmx_version;
        m->answered_hmx_major = (int64_t)m->hmx_version >= 0 &&
                                ((uint32_t)m->hmx_version >> 16) == (HMX_INTERFACE_VERSION >> 16);
    } else if ((fid & 0xFFu) == HMX_SMCCC_FN_FEATURES &&
               (m->any_base || (fid & ~0xFFu) == m->fw_base)) {
        out[0] = m->feat0;
        out[1] = m->feat1;
    } else {
        out[0] = (uint64_t)(int64_t)HMX_SMCCC_NOT_SUPPORTED;
    }
    return 0;
}

static int mock_xen(void *ctx, enum hmx_xen_entry entry, const void *page, uint32_t nr,
                    const uint64_t args[5], uint64_t *ret)
{
    struct mock *m = ctx;

    FZ_CHECK(entry == HMX_XEN_ENTRY_HVC && page == NULL, "Arm enters Xen with hvc");
    FZ_CHECK(nr == HMX_XEN_HYPERCALL_ARGO_OP && args[0] == 4 && args[1] == 0 && args[2] == 0 &&
                 args[3] == 0 && args[4] == 0,
             "the classifying call is notify(NULL)");
    m->nxen++;
    if (m->xen_rc != HMX_EPRIV)
        m->nxen_counted++;
    if (m->xen_rc < 0)
        return m->xen_rc;
    *ret = m->xen_raw;
    return 0;
}

static const int arch_rcs[] = {HMX_EPRIV, HMX_EIO, HMX_EINVAL, HMX_EOPNOTSUPP};

static void read_answers(struct fz *f, struct mock *m)
{
    uint8_t sel = fz_u8(f);

    memset(m, 0, sizeof(*m));
    m->fw_base = sel & 1 ? fz_u32(f) & ~0xFFu : HMX_SMCCC_BASE_DEFAULT;
    m->any_base = (sel & 2) != 0;
    switch ((sel >> 2) & 3) {
    case 0:
        m->version = 0x10001;
        break;
    case 1:
        m->version = 0x10000 + fz_u8(f);
        break;
    default:
        m->version = fz_u64(f);
        break;
    }
    switch ((sel >> 4) & 3) {
    case 0:
    case 1:
        m->uid[0] = HMX_SMCCC_UID_W0;
        m->uid[1] = HMX_SMCCC_UID_W1;
        m->uid[2] = HMX_SMCCC_UID_W2;
        m->uid[3] = HMX_SMCCC_UID_W3;
        if ((sel >> 4) & 1) { /* upper halves are not part of the UID */
            unsigned w = fz_u8(f) % 4;

            m->uid[w] |= (uint64_t)fz_u32(f) << 32;
        }
        break;
    case 2:
        m->uid[0] = HMX_XEN_SMCCC_UID_W0;
        m->uid[1] = HMX_XEN_SMCCC_UID_W1;
        m->uid[2] = HMX_XEN_SMCCC_UID_W2;
        m->uid[3] = HMX_XEN_SMCCC_UID_W3;
        break;
    default:
        for (unsigned i = 0; i < 4; i++)
            m->uid[i] = fz_u64(f);
        break;
    }
    m->hmx_version = sel & 0x40 ? fz_u64(f) : HMX_INTERFACE_VERSION + fz_u8(f) % 3;
    m->feat0 = sel & 0x80 ? fz_u64(f) : HMX_SMCCC_SUCCESS;
    m->feat1 = fz_u64(f);
    sel = fz_u8(f);
    m->fail_call = sel & 0x80 ? 1u + sel % 5 : 0;
    m->fail_rc = arch_rcs[(sel >> 3) % 4];
    m->xen_rc = sel & 0x40 ? arch_rcs[sel % 4] : 0;
    m->xen_raw = sel & 0x20 ? fz_u64(f) : (uint64_t)(int64_t)-(int64_t)(fz_u8(f) % 100);
}

static void check_result(const struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                         const struct mock *m)
{
    const struct hmx_mech_report *sm = &res->mech[HMX_MECH_SMCCC];
    const struct hmx_mech_report *xn = &res->mech[HMX_MECH_XEN_HYPERCALL];
    unsigned nchosen = 0;

    FZ_CHECK(res->dt_status == 0 || res->dt_status == HMX_ECORRUPT, "dt_status %d",
             res->dt_status);
    for (unsigned i = 0; i < HMX_MECH_COUNT; i++) {
        const struct hmx_mech_report *r = &res->mech[i];

        FZ_CHECK(r->why != NULL, "mechanism %u without a reason", i);
        FZ_CHECK(!r->usable || (r->offered && r->status == 0), "mechanism %u usable but not", i);
        FZ_CHECK(!r->chosen || r->usable, "mechanism %u chosen but not usable", i);
        FZ_CHECK(r->status <= 0, "status %d", r->status);
        nchosen += r->chosen != 0;
        FZ_CHECK(i == HMX_MECH_SMCCC || i == HMX_MECH_XEN_HYPERCALL || !r->offered,
                 "mechanism %u offered by a device tree", i);
    }
    FZ_CHECK(nchosen <= 1 && (res->chosen == HMX_MECH_NONE) == (nchosen == 0) &&
                 (res->chosen == HMX_MECH_NONE || res->mech[res->chosen].chosen),
             "chosen %u", res->chosen);
    if (opt->force != 0)
        FZ_CHECK(res->chosen == HMX_MECH_NONE || res->chosen == opt->force, "force ignored");
    else if (opt->allow != 0 && res->chosen != HMX_MECH_NONE)
        FZ_CHECK(opt->allow & HMX_MECH_BIT(res->chosen), "allow mask ignored");
    FZ_CHECK(res->traps == m->nsmccc_ok + m->nxen_counted, "traps %u, calls %u + %u", res->traps,
             m->nsmccc_ok, m->nxen_counted);
    FZ_CHECK(res->dt_irq_cells <= 3, "irq cells %u", res->dt_irq_cells);
    FZ_CHECK(memchr(res->signature, '\0', sizeof(res->signature)) != NULL, "signature");

    if (res->dt_status == HMX_ECORRUPT) {
        FZ_CHECK(m->nsmccc == 0 && m->nxen == 0, "calls made for a corrupt tree");
        FZ_CHECK(!sm->offered && !xn->offered, "a corrupt tree offered something");
        return;
    }
    if (!sm->offered) {
        FZ_CHECK(m->nsmccc == 0, "SMCCC called without an HMX node");
        FZ_CHECK(res->smccc_conduit == HMX_SMCCC_NONE && res->smccc_base == 0, "smccc fields");
    } else {
        FZ_CHECK(res->smccc_conduit == HMX_SMCCC_HVC || res->smccc_conduit == HMX_SMCCC_SMC,
                 "conduit %u", res->smccc_conduit);
        FZ_CHECK(HMX_SMCCC_BASE_VALID(res->smccc_base) && sm->param == res->smccc_base,
                 "base %#x", res->smccc_base);
        for (unsigned i = 0; i < m->nsmccc && i < MAX_CALLS; i++) {
            FZ_CHECK(m->conduit[i] == res->smccc_conduit, "call %u through another conduit", i);
            FZ_CHECK(m->fid[i] == HMX_SMCCC_VERSION_FID ||
                         (m->fid[i] & ~0xFFu) == res->smccc_base,
                     "call %u to %#x outside the HMX range", i, m->fid[i]);
        }
    }
    if (sm->usable) {
        FZ_CHECK(m->answered_min_version && m->answered_hmx_uid && m->answered_hmx_major,
                 "SMCCC usable without SMCCC 1.1, the HMX UID and HMX 1.x");
        FZ_CHECK(res->hmx_mechanisms & HMX_MECH_BIT(HMX_MECH_SMCCC), "mechanism bit");
        FZ_CHECK(!(opt->arch->flags & HMX_ARCH_USER), "usable from user mode");
    }
    if (m->version_ok && (int32_t)m->version_answer >= 0)
        FZ_CHECK(res->smccc_version == (uint32_t)m->version_answer, "smccc_version %#x",
                 res->smccc_version);
    else
        FZ_CHECK(res->smccc_version == 0, "smccc_version %#x not answered", res->smccc_version);
    if (!xn->offered)
        FZ_CHECK(m->nxen == 0, "Xen called without a Xen node");
    else
        FZ_CHECK(res->xen_entry == HMX_XEN_ENTRY_HVC && res->hypervisor == HMX_HV_XEN,
                 "Xen node");
    FZ_CHECK(res->argo_status <= HMX_ARGO_UNPROBED, "argo status");
}

/* Patch the template: bytes, words, or the header's fields. */
static uint32_t patched_template(struct fz *f, uint8_t *blob)
{
    uint32_t size = fdtb_template(fz_u8(f) % FDTB_TEMPLATES, blob);
    unsigned n = 0;

    while (!fz_empty(f) && n++ < 32) {
        uint8_t k = fz_u8(f);
        uint32_t off = fz_u16(f) % size;

        if (k & 1) {
            if (off + 4 <= size) {
                uint32_t v = k & 2 ? fz_u32(f) : off + (uint32_t)(int8_t)fz_u8(f);

                fdtb_be32(blob + (off & ~3u), v);
            }
        } else {
            blob[off] = fz_u8(f);
        }
    }
    return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t tmp[FDTB_BLOB_MAX];
    struct fz f;
    struct hmx_arch_ops arch;
    struct hmx_probe_options opt;
    struct hmx_probe_result res, res2;
    struct mock answers;
    uint8_t mode, *alloc, *blob, *copy;
    size_t blob_size, shift;

    fz_init(&f, data, size);
    mode = fz_u8(&f);
    read_answers(&f, &answers);

    memset(&arch, 0, sizeof(arch));
    arch.ctx = &M;
    arch.flags = mode & 2 ? HMX_ARCH_USER : 0;
    arch.smccc = mode & 4 ? NULL : mock_smccc;
    arch.xen_hypercall = mode & 8 ? NULL : mock_xen;

    memset(&opt, 0, sizeof(opt));
    opt.arch = &arch;
    if (mode & 0x10) {
        uint8_t s = fz_u8(&f);

        opt.allow = s & 1 ? HMX_MECH_BIT(HMX_MECH_SMCCC) : HMX_MECH_BIT(HMX_MECH_XEN_HYPERCALL);
        opt.force = s & 2 ? (s & 4 ? HMX_MECH_SMCCC : HMX_MECH_XEN_HYPERCALL) : 0;
    }

    if (mode & 1) {
        blob_size = patched_template(&f, tmp);
    } else {
        blob_size = f.n;
        if (blob_size > FDTB_BLOB_MAX * 4)
            blob_size = FDTB_BLOB_MAX * 4;
    }
    /* At the end of an allocation of its exact size; sometimes at an
     * address that is not 8-byte aligned. */
    shift = mode & 0x20 ? 4 : 0;
    alloc = malloc(blob_size + shift + 1);
    copy = malloc(blob_size + 1);
    if (alloc == NULL || copy == NULL)
        abort();
    blob = alloc + shift;
    if (mode & 1)
        memcpy(blob, tmp, blob_size);
    else
        fz_bytes(&f, blob, blob_size);
    memcpy(copy, blob, blob_size);
    opt.fdt = blob_size > 0 || (mode & 0x40) ? blob : NULL;
    /* The caller's size: exact, or smaller than the blob's own. */
    opt.fdt_size = mode & 0x80 && blob_size > 0 ? blob_size - 1 - (size_t)(fz_u8(&f) % blob_size)
                                                : blob_size;

    M = answers;
    FZ_CHECK(hmx_probe(&res, &opt) == 0, "hmx_probe failed");
    check_result(&res, &opt, &M);
    FZ_CHECK(memcmp(copy, blob, blob_size) == 0, "the probe wrote the device tree");
    if (opt.fdt == NULL)
        FZ_CHECK(M.nsmccc == 0 && M.nxen == 0 && res.dt_status == 0, "calls without a tree");

    if (getenv("HMX_FUZZ_STATS") != NULL) /* what this input made of the probe */
        fprintf(stderr, "probe_fdt: dt_status %d, hypervisor %s, argo %s, smccc offered %u "
                "usable %u (%s), conduit %u base %#x, chosen %s, %u SMCCC + %u Xen calls\n",
                res.dt_status, hmx_hypervisor_name(res.hypervisor),
                hmx_argo_status_name(res.argo_status), res.mech[HMX_MECH_SMCCC].offered,
                res.mech[HMX_MECH_SMCCC].usable, res.mech[HMX_MECH_SMCCC].why, res.smccc_conduit,
                res.smccc_base, hmx_mechanism_name(res.chosen), M.nsmccc, M.nxen);

    /* The same tree and the same answers: the same result. */
    M = answers;
    FZ_CHECK(hmx_probe(&res2, &opt) == 0, "second probe");
    FZ_CHECK(memcmp(&res, &res2, sizeof(res)) == 0, "the probe is not a function of its input");
    free(alloc);
    free(copy);
    return 0;
}
