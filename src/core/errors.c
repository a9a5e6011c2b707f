/* SPDX-License-Identifier: MIT */
/* Error names and messages, generated from the one table in hmx/errors.h. */
#include "hmx/errors.h"

const char *hmx_strerror(int err)
{
    if (err >= 0)
        return "success";
    switch (err) {
#define HMX__ERR_MSG(name, value, msg) \
    case -(value):                     \
        return msg;
        HMX_ERRNO_MAP(HMX__ERR_MSG)
#undef HMX__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *hmx_err_name(int err)
{
    if (err >= 0)
        return "OK";
    switch (err) {
#define HMX__ERR_NAME(name, value, msg) \
    case -(value):                      \
        return #name;
        HMX_ERRNO_MAP(HMX__ERR_NAME)
#undef HMX__ERR_NAME
    default:
        return "UNKNOWN";
    }
}

int hmx_err_from_xen(int xen_errno)
{
    switch (xen_errno) {
    /* Codes of our own (200 and up) are not Xen's: a Xen errno of that
     * value is unrecognised like any other. */
#define HMX__ERR_XEN(name, value, msg) \
    case (value):                      \
        return (value) < 200 ? -(value) : HMX_EIO;
        HMX_ERRNO_MAP(HMX__ERR_XEN)
#undef HMX__ERR_XEN
    default:
        return HMX_EIO;
    }
}
