/* SPDX-License-Identifier: MIT */
/*
 * hmx_provider_smccc: the provider side of the SMCCC mechanism, for an EL2
 * monitor or hypervisor that traps a guest's hvc / smc.  It answers the
 * HMX function range (hmx/smccc.h) and leaves every other function ID to
 * the caller.
 */
#include "hmx/provider.h"
#include "hmx/smccc.h"
#include "hmx_env.h"

int hmx_provider_smccc(struct hmx_provider *p, hmx_domid_t caller, uint32_t base,
                       const uint64_t in[18], uint64_t out[4], hmx_gfn_t *gfn_scratch,
                       uint32_t gfn_scratch_len)
{
    /* SMCCC 1.3's SVE hint (bit 16) says nothing about which function. */
    const uint32_t fid = (uint32_t)in[0] & ~0x10000u;
    uint64_t a[4];

    if (p == NULL || !HMX_SMCCC_BASE_VALID(base) || (fid & ~0xFFu) != base)
        return 0;
    hmx_env_memset(out, 0, 4 * sizeof(out[0]));
    switch (fid & 0xFFu) {
    case HMX_SMCCC_FN_VERSION:
        /* FF-A style: the caller states its version; same major, or refuse. */
        if ((in[1] >> 31) != 0 || ((uint32_t)in[1] >> 16) != (HMX_INTERFACE_VERSION >> 16))
            out[0] = (uint64_t)(int64_t)HMX_SMCCC_NOT_SUPPORTED;
        else
            out[0] = HMX_INTERFACE_VERSION;
        return 1;
    case HMX_SMCCC_FN_FEATURES:
        if (in[1] == HMX_SMCCC_FEATURE_BITMAP) {
            out[0] = HMX_SMCCC_SUCCESS;
            out[1] = hmx_provider_features(p); /* what this host delivers */
        } else if (in[1] == base + HMX_SMCCC_FN_VERSION || in[1] == base + HMX_SMCCC_FN_FEATURES ||
                   in[1] == base + HMX_SMCCC_FN_CALL || in[1] == base + HMX_SMCCC_FN_CALL_COUNT ||
                   in[1] == base + HMX_SMCCC_FN_CALL_UID || in[1] == base + HMX_SMCCC_FN_REVISION) {
            out[0] = HMX_SMCCC_SUCCESS;
        } else {
            out[0] = (uint64_t)(int64_t)HMX_SMCCC_NOT_SUPPORTED;
        }
        return 1;
    case HMX_SMCCC_FN_CALL:
        if (in[1] > UINT32_MAX) {
            out[0] = (uint64_t)(int64_t)HMX_SMCCC_INVALID_PARAMETER;
            return 1;
        }
        a[0] = in[2];
        a[1] = in[3];
        a[2] = in[4];
        a[3] = in[5];
        out[0] = HMX_SMCCC_SUCCESS;
        out[1] = (uint64_t)(int64_t)hmx_provider_call(p, caller, (uint32_t)in[1], a, gfn_scratch,
                                                      gfn_scratch_len);
        return 1;
    case HMX_SMCCC_FN_CALL_COUNT:
        out[0] = HMX_SMCCC_FUNCTIONS;
        return 1;
    case HMX_SMCCC_FN_CALL_UID:
        out[0] = HMX_SMCCC_UID_W0;
        out[1] = HMX_SMCCC_UID_W1;
        out[2] = HMX_SMCCC_UID_W2;
        out[3] = HMX_SMCCC_UID_W3;
        return 1;
    case HMX_SMCCC_FN_REVISION:
        out[0] = HMX_INTERFACE_VERSION >> 16;
        out[1] = HMX_INTERFACE_VERSION & 0xFFFFu;
        return 1;
    default:
        out[0] = (uint64_t)(int64_t)HMX_SMCCC_NOT_SUPPORTED;
        return 1;
    }
}
