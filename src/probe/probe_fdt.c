/* SPDX-License-Identifier: MIT */
/*
 * Arm discovery: the device tree says what may be there; SMCCC confirms.
 *
 *  - Xen's /hypervisor node (compatible "xen,xen") offers Xen's hypercall
 *    (hvc #0xEA1), classified with a harmless argo_op like on x86;
 *  - the HMX node (compatible HMX_DT_COMPATIBLE) names the conduit and the
 *    function base; SMCCC_VERSION, the HMX Call UID and HMX_VERSION must
 *    then answer before the mechanism counts as usable.
 * With neither node nothing is called.  The blob is untrusted: its header
 * is checked and its totalsize must fit the caller's buffer before libfdt
 * reads anything else.
 */
#include <libfdt.h>

#include "hmx/smccc.h"
#include "hmx/xen.h"
#include "hmx_env.h"
#include "probe_internal.h"

/* "xen,xen-MAJOR.MINOR" in the compatible list -> MAJOR << 16 | MINOR. */
static uint32_t xen_dt_version(const char *prop, int len)
{
    static const char pfx[] = "xen,xen-";
    int i = 0;

    while (i < len) {
        int end = i;
        uint32_t major = 0, minor = 0, *cur = &major;
        int digits = 0, ok = 1;

        while (end < len && prop[end] != '\0')
            end++;
        if (end == len)
            return 0;
        if (end - i > (int)sizeof(pfx) - 1 && hmx_env_memcmp(prop + i, pfx, sizeof(pfx) - 1) == 0) {
            for (int k = i + (int)sizeof(pfx) - 1; k < end && ok; k++) {
                char c = prop[k];

                if (c >= '0' && c <= '9' && *cur < 10000) {
                    *cur = *cur * 10 + (uint32_t)(c - '0');
                    digits++;
                } else if (c == '.' && cur == &major && digits > 0) {
                    cur = &minor;
                    digits = 0;
                } else {
                    ok = 0;
                }
            }
            if (ok && digits > 0 && major <= 0xFFFF && minor <= 0xFFFF)
                return major << 16 | minor;
        }
        i = end + 1;
    }
    return 0;
}

/* A node without "status", or with "okay" / "ok", is in use; any other
 * status (e.g. "disabled") means the firmware withholds it. */
static int node_enabled(const void *fdt, int off)
{
    int len;
    const char *status = fdt_getprop(fdt, off, "status", &len);

    if (status == NULL)
        return 1;
    return (len == 5 && hmx_env_memcmp(status, "okay", 5) == 0) ||
           (len == 3 && hmx_env_memcmp(status, "ok", 3) == 0);
}

static int smccc(struct hmx_probe_result *res, const struct hmx_arch_ops *arch,
                 enum hmx_smccc_conduit conduit, uint64_t fid, uint64_t x1, uint64_t out[18])
{
    uint64_t in[18];
    int rc;

    hmx_env_memset(in, 0, sizeof(in));
    in[0] = fid;
    in[1] = x1;
    rc = arch->smccc(arch->ctx, conduit, in, out);
    if (rc == 0)
        res->traps++;
    return rc;
}

static void probe_xen_node(struct hmx_probe_result *res, const void *fdt, int off,
                           const struct hmx_arch_ops *arch)
{
    struct hmx_xen_config cfg;
    uint64_t a[4] = {0, 0, 0, 0};
    const char *compat;
    int len, rc;

    compat = fdt_getprop(fdt, off, "compatible", &len);
    res->hypervisor_bit = 1;
    res->hypervisor = HMX_HV_XEN;
    hmx_env_memcpy(res->signature, "xen,xen", 8);
    res->xen_version = compat != NULL && len > 0 ? xen_dt_version(compat, len) : 0;
    res->xen_entry = HMX_XEN_ENTRY_HVC;
    hmx_probe_offer(res, HMX_MECH_XEN_HYPERCALL, HMX_XEN_HYPERCALL_ARGO_OP);

    if (arch->xen_hypercall == NULL) {
        res->argo_status = HMX_ARGO_UNPROBED;
        hmx_probe_usable(res, HMX_MECH_XEN_HYPERCALL, HMX_EOPNOTSUPP, "this build cannot issue hvc");
        return;
    }
    cfg.arch = arch;
    cfg.entry = HMX_XEN_ENTRY_HVC;
    cfg.hypercall_page = NULL;
    rc = hmx_xen_argo_op(&cfg, HMX_OP_NOTIFY, a);
    if (rc != HMX_EPRIV)
        res->traps++;
    hmx_probe_argo_answer(res, rc, "needs EL1");
}

static void probe_hmx_node(struct hmx_probe_result *res, const void *fdt, int off,
                           const struct hmx_arch_ops *arch)
{
    const char *conduit;
    const fdt32_t *cells;
    uint64_t out[18];
    enum hmx_smccc_conduit c;
    uint32_t base = HMX_SMCCC_BASE_DEFAULT;
    int len, i;

    conduit = fdt_getprop(fdt, off, HMX_DT_PROP_CONDUIT, &len);
    if (conduit != NULL && len == 4 && hmx_env_memcmp(conduit, "hvc", 4) == 0)
        c = HMX_SMCCC_HVC;
    else if (conduit != NULL && len == 4 && hmx_env_memcmp(conduit, "smc", 4) == 0)
        c = HMX_SMCCC_SMC;
    else
        return; /* a node without a conduit offers nothing we could call */
    cells = fdt_getprop(fdt, off, HMX_DT_PROP_BASE, &len);
    if (cells != NULL) {
        if (len != 4)
            return;
        base = fdt32_to_cpu(cells[0]);
    }
    if (!HMX_SMCCC_BASE_VALID(base))
        return;
    cells = fdt_getprop(fdt, off, "interrupts", &len);
    if (cells != NULL && len > 0 && len % 4 == 0) {
        res->dt_irq_cells = (uint32_t)len / 4 > 3 ? 3 : (uint32_t)len / 4;
        for (i = 0; i < (int)res->dt_irq_cells; i++)
            res->dt_irq[i] = fdt32_to_cpu(cells[i]);
    }
    res->smccc_conduit = c;
    res->smccc_base = base;
    if (res->hypervisor == HMX_HV_NONE) {
        res->hypervisor_bit = 1;
        res->hypervisor = HMX_HV_HMX;
    }
    hmx_probe_offer(res, HMX_MECH_SMCCC, base);

    if (arch->smccc == NULL) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EOPNOTSUPP, "this build cannot issue SMCCC");
        return;
    }
    if (arch->flags & HMX_ARCH_USER) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EPRIV, "needs EL1");
        return;
    }
    if (smccc(res, arch, c, HMX_SMCCC_VERSION_FID, 0, out) < 0) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EOPNOTSUPP, "the SMCCC_VERSION call failed");
        return;
    }
    if ((int32_t)out[0] >= 0)
        res->smccc_version = (uint32_t)out[0];
    if ((int32_t)out[0] < 0 || (uint32_t)out[0] < HMX_SMCCC_MIN_VERSION) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EOPNOTSUPP, "SMCCC 1.1 or later is required");
        return;
    }
    if (smccc(res, arch, c, base + HMX_SMCCC_FN_CALL_UID, 0, out) < 0) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EIO, "the HMX Call UID query failed");
        return;
    }
    if ((uint32_t)out[0] != HMX_SMCCC_UID_W0 || (uint32_t)out[1] != HMX_SMCCC_UID_W1 ||
        (uint32_t)out[2] != HMX_SMCCC_UID_W2 || (uint32_t)out[3] != HMX_SMCCC_UID_W3) {
        int xen = (uint32_t)out[0] == HMX_XEN_SMCCC_UID_W0 && (uint32_t)out[1] == HMX_XEN_SMCCC_UID_W1 &&
                  (uint32_t)out[2] == HMX_XEN_SMCCC_UID_W2 && (uint32_t)out[3] == HMX_XEN_SMCCC_UID_W3;

        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_ENOMECH,
                         xen ? "Xen's UID answers there, not HMX's" : "no HMX UID at the function base");
        return;
    }
    if (smccc(res, arch, c, base + HMX_SMCCC_FN_VERSION, HMX_INTERFACE_VERSION, out) < 0 ||
        (int64_t)out[0] < 0 || ((uint32_t)out[0] >> 16) != (HMX_INTERFACE_VERSION >> 16)) {
        hmx_probe_usable(res, HMX_MECH_SMCCC, HMX_EOPNOTSUPP, "HMX version refused");
        return;
    }
    res->hmx_version = (uint32_t)out[0];
    res->hmx_mechanisms |= HMX_MECH_BIT(HMX_MECH_SMCCC);
    if (smccc(res, arch, c, base + HMX_SMCCC_FN_FEATURES, HMX_SMCCC_FEATURE_BITMAP, out) == 0 &&
        (int64_t)out[0] == HMX_SMCCC_SUCCESS)
        res->hmx_features = out[1];
    hmx_probe_usable(res, HMX_MECH_SMCCC, 0, "device tree node, HMX UID and version confirmed");
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Walk the structure block once, as libfdt walks it, and require every tag
 * to lie inside the block and every step to move forward, up to FDT_END.
 * libfdt before dtc 1.7 (Debian 12's, and the copy in Xen's sources) lets
 * a property length such as 0xFFFFFFF4 wrap its offset back onto the same
 * property, and every search over such a tree then never ends.  The
 * header is already checked: the block lies inside totalsize.
 */
static int struct_block_walks(const void *fdt)
{
    const uint8_t *s = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
    const uint32_t version = fdt_version(fdt);
    const uint64_t size = version >= 17 ? fdt_size_dt_struct(fdt)
                                        : (uint64_t)fdt_totalsize(fdt) - fdt_off_dt_struct(fdt);
    uint64_t off = 0;

    while (off + 4 <= size) {
        const uint32_t tag = be32_at(s + off);

        off += 4;
        switch (tag) {
        case FDT_BEGIN_NODE:
            while (off < size && s[off] != '\0')
                off++;
            if (off >= size)
                return 0;
            off++;
            break;
        case FDT_PROP: {
            uint32_t len;

            if (size - off < 8)
                return 0;
            len = be32_at(s + off);
            off += 8;
            if (len > size - off)
                return 0;
            /* Versions before 16 align values of 8 bytes or more to 8. */
            if (version < 16 && len >= 8 && off % 8 != 0)
                off += 4;
            off += len;
            break;
        }
        case FDT_END_NODE:
        case FDT_NOP:
            break;
        case FDT_END:
            return 1;
        default:
            return 0;
        }
        off = (off + 3u) & ~(uint64_t)3u;
    }
    return 0;
}

void hmx_probe_fdt(struct hmx_probe_result *res, const struct hmx_probe_options *opt,
                   const struct hmx_arch_ops *arch)
{
    const void *fdt = opt->fdt;
    int xen, hmx;

    /* The structure block must be 4-byte aligned (Devicetree Specification
     * 5.6): libfdt loads its tags as 32-bit words, which would otherwise be
     * misaligned (an alignment fault on Arm with the MMU off). */
    if (opt->fdt_size < sizeof(struct fdt_header) || fdt_check_header(fdt) != 0 ||
        fdt_totalsize(fdt) > opt->fdt_size || (fdt_off_dt_struct(fdt) & 3u) != 0 ||
        !struct_block_walks(fdt)) {
        res->dt_status = HMX_ECORRUPT;
        return;
    }
    /* Both searches walk the structure block; a blob libfdt finds broken
     * on the way is ignored whole, before any call is made. */
    xen = fdt_node_offset_by_compatible(fdt, -1, "xen,xen");
    hmx = fdt_node_offset_by_compatible(fdt, -1, HMX_DT_COMPATIBLE);
    if ((xen < 0 && xen != -FDT_ERR_NOTFOUND) || (hmx < 0 && hmx != -FDT_ERR_NOTFOUND)) {
        res->dt_status = HMX_ECORRUPT;
        return;
    }
    if (xen >= 0 && node_enabled(fdt, xen))
        probe_xen_node(res, fdt, xen, arch);
    if (hmx >= 0 && node_enabled(fdt, hmx))
        probe_hmx_node(res, fdt, hmx, arch);
}
