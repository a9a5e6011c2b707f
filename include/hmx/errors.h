/* SPDX-License-Identifier: MIT */
/*
 * libhmx error codes.
 *
 * Every libhmx function that can fail returns a negative HMX_E* value.  The
 * numeric value of each code equals the Xen errno of the same name
 * (xen/include/public/errno.h), so a Xen return value maps onto libhmx by
 * sign alone; codes that Xen does not have start at 200.
 *
 * The table below is the single source: it gives the enum, hmx_strerror()
 * and hmx_err_name(), and spec/ lists the same rows (a test compares them).
 */
#ifndef HMX_ERRORS_H
#define HMX_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, positive value, message) */
#define HMX_ERRNO_MAP(X)                                                         \
    X(EPERM, 1, "operation not permitted")                                      \
    X(ENOENT, 2, "no such ring")                                                \
    X(ESRCH, 3, "no such domain")                                               \
    X(EIO, 5, "I/O error or unrecognised error from the hypervisor")            \
    X(ENXIO, 6, "no such destination: no next hypervisor level")                \
    X(EAGAIN, 11, "try again: ring full, or nothing to read")                   \
    X(ENOMEM, 12, "out of provider resources")                                  \
    X(EACCES, 13, "denied by access policy")                                    \
    X(EFAULT, 14, "bad guest address")                                          \
    X(EBUSY, 16, "resource busy")                                               \
    X(EEXIST, 17, "ring already registered")                                    \
    X(ENODEV, 19, "HMX not available to this domain")                           \
    X(EINVAL, 22, "invalid argument")                                           \
    X(ENOSPC, 28, "too many rings for this domain")                             \
    X(ENOSYS, 38, "hypervisor has no HMX (Argo not built in)")                  \
    X(EMSGSIZE, 90, "message too large for the ring")                           \
    X(EOPNOTSUPP, 95, "operation not supported here")                           \
    X(EADDRNOTAVAIL, 99, "no implicit destination for this service")            \
    X(ENOBUFS, 105, "caller's buffer too small")                                \
    X(ECONNREFUSED, 111, "no ring registered at the destination")               \
    X(ECORRUPT, 200, "ring memory is corrupt (bad index or header)")            \
    X(ENOMECH, 201, "no HMX mechanism found")                                   \
    X(EPRIV, 202, "needs a privileged (ring 0 / EL1) context")

enum hmx_error {
    HMX_OK = 0,
#define HMX__ERR_ENUM(name, value, msg) HMX_##name = -(value),
    HMX_ERRNO_MAP(HMX__ERR_ENUM)
#undef HMX__ERR_ENUM
};

/*
 * hmx_strerror - a static, human-readable message for a libhmx return code.
 * Returns: "success" for 0 and any non-negative value, the table's message
 * for a known code, "unknown error" otherwise.  Never NULL.
 */
const char *hmx_strerror(int err);

/*
 * hmx_err_name - the code's name without the HMX_ prefix ("EAGAIN").
 * Returns: "OK" for non-negative values, "UNKNOWN" for unknown codes.
 */
const char *hmx_err_name(int err);

/*
 * hmx_err_from_xen - map a positive Xen errno value to a libhmx code.
 * Returns: -value for every Xen errno that the table names; HMX_EIO for any
 * other value (the mapping is documented in spec/, section "Errors").
 */
int hmx_err_from_xen(int xen_errno);

#ifdef __cplusplus
}
#endif

#endif /* HMX_ERRORS_H */
