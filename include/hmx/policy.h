/* SPDX-License-Identifier: MIT */
/*
 * Policy and addressing: managing the provider's firewall, domain labels
 * and implicit-destination tables from a privileged domain (a toolstack),
 * and the firewall rules themselves: checking, deciding, and the plain-text
 * rule format toolstacks write (spec/, sections 7.5 to 7.8 and 17).
 *
 * The management calls need the mechanism's HMX_FEAT_FIREWALL (rules and
 * labels) or HMX_FEAT_IMPLICIT (implicit tables); without it they return
 * HMX_EOPNOTSUPP and make no call.  Xen 4.17 offers neither.  A provider
 * answers them only for its privileged domain, others get HMX_EPERM.
 *
 * The rule functions need no context and no provider: they are what the
 * reference provider decides with, and what `hmx policy check` explains.
 * They are freestanding and bounded like the rest of the core.
 */
#ifndef HMX_POLICY_H
#define HMX_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "hmx/hmx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which operation a policy decision is for. */
enum hmx_policy_op {
    HMX_POLICY_REGISTER = 1, /* owner registers dst (owner, port) for src (partner, port 0) */
    HMX_POLICY_SEND = 2,     /* caller sends from src to dst */
    HMX_POLICY_QUERY = 3     /* caller asks about dst (src.port is 0); rules treat it as a send */
};

/* The "rule" of a firewall decision that no rule matched: the default. */
#define HMX_FW_RULE_DEFAULT 0xFFFFFFFFu

/* ---- Management (a privileged domain) ----------------------------------- */

/*
 * hmx_fw_set - replace the firewall table by rules[0..n-1] at once; with
 * flags HMX_FW_SET_CLEAR and n 0, remove it (the firewall then allows
 * everything; the host's own policy still applies).
 * Returns: 0; HMX_EOPNOTSUPP; HMX_EINVAL (a bad rule, an unknown flag,
 * rules NULL with n > 0); HMX_ENOSPC (n > HMX_FW_RULES_MAX); HMX_EPERM.
 */
int hmx_fw_set(hmx_ctx *ctx, const struct hmx_fw_rule *rules, uint32_t n, uint32_t flags);

/*
 * hmx_fw_list - read rules first .. first + cap - 1 of the table into out.
 * Returns: the number of rules in the table; HMX_ENOENT (no table);
 * HMX_EOPNOTSUPP; HMX_EINVAL; HMX_EPERM.
 */
int hmx_fw_list(hmx_ctx *ctx, struct hmx_fw_rule *out, uint32_t cap, uint32_t first);

/*
 * hmx_fw_add - insert one rule before position pos (beyond the end:
 * append); installs a table if there was none.
 * Returns: 0; HMX_EOPNOTSUPP; HMX_EINVAL; HMX_ENOSPC (table full); HMX_EPERM.
 */
int hmx_fw_add(hmx_ctx *ctx, const struct hmx_fw_rule *rule, uint32_t pos);

/*
 * hmx_fw_del - remove rule index.
 * Returns: 0; HMX_EOPNOTSUPP; HMX_ENOENT; HMX_EPERM.
 */
int hmx_fw_del(hmx_ctx *ctx, uint32_t index);

/*
 * hmx_domain_set_label - label domain dom ("" removes its label).
 * Returns: 0; HMX_EOPNOTSUPP; HMX_EINVAL (a malformed label); HMX_ESRCH;
 * HMX_EPERM.
 */
int hmx_domain_set_label(hmx_ctx *ctx, hmx_domid_t dom, const char *label);

/*
 * hmx_implicit_set - replace domain dom's implicit-destination table.
 * Returns: 0; HMX_EOPNOTSUPP; HMX_EINVAL (n > HMX_IMPLICIT_MAX, a bad
 * entry); HMX_ESRCH; HMX_EPERM.
 */
int hmx_implicit_set(hmx_ctx *ctx, hmx_domid_t dom, const struct hmx_implicit_entry *e,
                     uint32_t n);

/*
 * hmx_implicit_list - read up to cap entries of domain dom's table.
 * Returns: the number of entries; HMX_EOPNOTSUPP; HMX_EINVAL; HMX_ESRCH;
 * HMX_EPERM.
 */
int hmx_implicit_list(hmx_ctx *ctx, hmx_domid_t dom, struct hmx_implicit_entry *out,
                      uint32_t cap);

/* ---- Rules ------------------------------------------------------------------ */

/*
 * hmx_label_check - is label (HMX_LABEL_SIZE bytes) a well-formed label:
 * 1..15 characters of [A-Za-z0-9_.-], then NUL bytes to the end?
 * Returns: 0; HMX_EINVAL.
 */
int hmx_label_check(const char label[HMX_LABEL_SIZE]);

/*
 * hmx_fw_rule_check - is r a well-formed rule: a known action, a non-empty
 * set of known operations, known match kinds, each endpoint's unused
 * fields zero, labels well formed, first <= last in each port range,
 * reserved zero?  line is not checked.
 * Returns: 0; HMX_EINVAL.
 */
int hmx_fw_rule_check(const struct hmx_fw_rule *r);

/* One decision to take, with the labels of both domains. */
struct hmx_fw_request {
    uint32_t op; /* enum hmx_policy_op */
    struct hmx_addr src;
    struct hmx_addr dst;
    const char *src_label; /* HMX_LABEL_SIZE bytes, or NULL: no label */
    const char *dst_label;
};

/*
 * hmx_fw_decide - the firewall's decision on req under rules[0..n-1]: the
 * action of the first rule that matches, else deny.  *rule (may be NULL)
 * receives the index of that rule, or HMX_FW_RULE_DEFAULT.
 * Returns: HMX_FW_ALLOW or HMX_FW_DENY.
 */
uint32_t hmx_fw_decide(const struct hmx_fw_rule *rules, uint32_t n,
                       const struct hmx_fw_request *req, uint32_t *rule);

/* Where and why hmx_fw_parse stopped. */
struct hmx_fw_parse_error {
    uint32_t line;       /* 1-based */
    uint32_t column;     /* 1-based byte offset in the line */
    const char *message; /* static text */
};

/*
 * hmx_fw_parse - read rules in the text format of spec/, section 7.7 from
 * text[0..len-1] into rules[0..cap-1]; *n receives how many.  Each rule's
 * line field is set to its line number.  The text is not NUL-terminated
 * necessarily; a NUL byte in it is an error.  err (may be NULL) says where
 * parsing stopped.
 * Returns: 0; HMX_EINVAL (malformed text); HMX_ENOSPC (more than cap
 * rules: err names the first line that did not fit).
 */
int hmx_fw_parse(const char *text, size_t len, struct hmx_fw_rule *rules, uint32_t cap,
                 uint32_t *n, struct hmx_fw_parse_error *err);

#ifdef __cplusplus
}
#endif

#endif /* HMX_POLICY_H */
