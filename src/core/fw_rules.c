/* SPDX-License-Identifier: MIT */
/*
 * Firewall rules: checking one, deciding with a table, and reading the
 * plain-text rule format (spec/, sections 7.5 and 7.7).  No state, no
 * allocation, no libc: the reference provider decides with these, and the
 * `hmx policy check` tool explains with them.
 *
 * The parser reads its input once, byte by byte, and holds nothing beyond
 * the current token, so a line may be of any length and the work is
 * linear in the input.  Every error carries its line and column.
 */
#include "hmx/policy.h"
#include "hmx_env.h"

/* ---- labels and rules ------------------------------------------------- */

static int label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

int hmx_label_check(const char label[HMX_LABEL_SIZE])
{
    unsigned i = 0;

    if (label == NULL)
        return HMX_EINVAL;
    while (i < HMX_LABEL_SIZE && label[i] != '\0') {
        if (!label_char(label[i]))
            return HMX_EINVAL;
        i++;
    }
    if (i == 0 || i == HMX_LABEL_SIZE)
        return HMX_EINVAL; /* empty, or no terminating NUL */
    for (; i < HMX_LABEL_SIZE; i++)
        if (label[i] != '\0')
            return HMX_EINVAL; /* bytes after the NUL would make equal labels differ */
    return 0;
}

static int all_zero(const char *p, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static int endpoint_check(uint8_t match, hmx_domid_t dom, const char *label)
{
    switch (match) {
    case HMX_FW_MATCH_ANY:
        return dom == 0 && all_zero(label, HMX_LABEL_SIZE) ? 0 : HMX_EINVAL;
    case HMX_FW_MATCH_DOMAIN:
        return all_zero(label, HMX_LABEL_SIZE) ? 0 : HMX_EINVAL;
    case HMX_FW_MATCH_LABEL:
        return dom == 0 ? hmx_label_check(label) : HMX_EINVAL;
    default:
        return HMX_EINVAL;
    }
}

int hmx_fw_rule_check(const struct hmx_fw_rule *r)
{
    if (r == NULL)
        return HMX_EINVAL;
    if (r->action != HMX_FW_ALLOW && r->action != HMX_FW_DENY)
        return HMX_EINVAL;
    if (r->ops == 0 || (r->ops & ~(HMX_FW_OP_REGISTER | HMX_FW_OP_SEND)) != 0)
        return HMX_EINVAL;
    if (r->src_port_first > r->src_port_last || r->dst_port_first > r->dst_port_last ||
        r->reserved != 0)
        return HMX_EINVAL;
    if (endpoint_check(r->src_match, r->src_domain, r->src_label) < 0 ||
        endpoint_check(r->dst_match, r->dst_domain, r->dst_label) < 0)
        return HMX_EINVAL;
    return 0;
}

/* ---- deciding ---------------------------------------------------------- */

static int endpoint_matches(uint8_t match, hmx_domid_t dom, const char *rlabel, hmx_port_t first,
                            hmx_port_t last, const struct hmx_addr *a, const char *label)
{
    if (a->port < first || a->port > last)
        return 0;
    switch (match) {
    case HMX_FW_MATCH_ANY:
        return 1;
    case HMX_FW_MATCH_DOMAIN:
        return a->domain == dom;
    case HMX_FW_MATCH_LABEL:
        /* An unlabelled domain matches no label. */
        return label != NULL && label[0] != '\0' &&
               hmx_env_memcmp(label, rlabel, HMX_LABEL_SIZE) == 0;
    default:
        return 0;
    }
}

uint32_t hmx_fw_decide(const struct hmx_fw_rule *rules, uint32_t n,
                       const struct hmx_fw_request *req, uint32_t *rule)
{
    const uint8_t op = req->op == HMX_POLICY_REGISTER ? HMX_FW_OP_REGISTER : HMX_FW_OP_SEND;
    uint32_t i;

    for (i = 0; i < n; i++) {
        const struct hmx_fw_rule *r = &rules[i];

        if (!(r->ops & op))
            continue;
        if (!endpoint_matches(r->src_match, r->src_domain, r->src_label, r->src_port_first,
                              r->src_port_last, &req->src, req->src_label) ||
            !endpoint_matches(r->dst_match, r->dst_domain, r->dst_label, r->dst_port_first,
                              r->dst_port_last, &req->dst, req->dst_label))
            continue;
        if (rule != NULL)
            *rule = i;
        return r->action == HMX_FW_ALLOW ? HMX_FW_ALLOW : HMX_FW_DENY;
    }
    if (rule != NULL)
        *rule = HMX_FW_RULE_DEFAULT;
    return HMX_FW_DENY; /* mandatory policy: what no rule allows is denied */
}

/* ---- the text format --------------------------------------------------- */

struct parser {
    const char *p;
    const char *end;
    const char *line_start;
    uint32_t line;
    const char *msg;
    const char *at;
};

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int fail(struct parser *ps, const char *at, const char *msg)
{
    ps->at = at;
    ps->msg = msg;
    return HMX_EINVAL;
}

/* Skip blanks; stop at a newline, a comment or the end. */
static void skip_blank(struct parser *ps)
{
    while (ps->p < ps->end && blank(*ps->p))
        ps->p++;
}

static int at_line_end(const struct parser *ps)
{
    return ps->p == ps->end || *ps->p == '\n' || *ps->p == '#';
}

/* The current token: from p to the next blank, newline, '#' or end. */
static size_t token_len(const struct parser *ps)
{
    const char *q = ps->p;

    while (q < ps->end && !blank(*q) && *q != '\n' && *q != '#')
        q++;
    return (size_t)(q - ps->p);
}

static int token_is(const struct parser *ps, size_t len, const char *word)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (word[i] == '\0' || ps->p[i] != word[i])
            return 0;
    return word[len] == '\0';
}

/* A number (decimal, or 0x hex) at *s within [*s, end), at most max. */
static int parse_number(const char **s, const char *end, uint64_t max, uint64_t *out)
{
    const char *q = *s;
    uint64_t v = 0;
    unsigned base = 10, digits = 0;

    if (end - q >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        base = 16;
        q += 2;
    }
    while (q < end) {
        unsigned d;
        char c = *q;

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (v > (max - d) / base)
            return -1; /* too large: checked before it can wrap */
        v = v * base + d;
        digits++;
        q++;
    }
    if (digits == 0)
        return -1;
    *s = q;
    *out = v;
    return 0;
}

static int has_prefix(const char *s, const char *end, const char *word)
{
    while (*word != '\0') {
        if (s == end || *s != *word)
            return 0;
        s++;
        word++;
    }
    return 1;
}

static const char MSG_PORT[] =
    "bad port: a number up to 0xffffffff, discovery, virtio-N (N 1 to 255), or *";

/* One port of a range: a number, "discovery" or "virtio-N". */
static int parse_port(struct parser *ps, const char **s, const char *end, hmx_port_t *out)
{
    uint64_t v;

    if (has_prefix(*s, end, "discovery")) {
        *s += 9;
        *out = HMX_PORT_DISCOVERY;
        return 0;
    }
    if (has_prefix(*s, end, "virtio-")) {
        const char *q = *s + 7;

        if (parse_number(&q, end, 0xFFu, &v) < 0 || v == 0)
            return fail(ps, *s, MSG_PORT);
        *s = q;
        *out = HMX_PORT_VIRTIO(v);
        return 0;
    }
    if (parse_number(s, end, 0xFFFFFFFFu, &v) < 0)
        return fail(ps, *s, MSG_PORT);
    *out = (hmx_port_t)v;
    return 0;
}

/*
 * One endpoint token DOMAIN:PORTS into the rule's source (src != 0) or
 * destination fields.
 */
static int parse_endpoint(struct parser *ps, struct hmx_fw_rule *r, int src)
{
    static const char MSG_DOM[] =
        "bad domain: a number below 0x7ff0, @label, provider, up, or *";
    const char *s = ps->p, *end = ps->p + token_len(ps), *colon = s;
    uint8_t *match = src ? &r->src_match : &r->dst_match;
    hmx_domid_t *dom = src ? &r->src_domain : &r->dst_domain;
    char *label = src ? r->src_label : r->dst_label;
    hmx_port_t *first = src ? &r->src_port_first : &r->dst_port_first;
    hmx_port_t *last = src ? &r->src_port_last : &r->dst_port_last;
    const char *q;
    uint64_t v;

    for (; colon < end && *colon != ':'; colon++)
        ;
    for (q = s; q + 1 < end; q++)
        if (q[0] == '-' && q[1] == '>')
            return fail(ps, q, "put spaces around '->'");
    if (colon == end)
        return fail(ps, s, src ? "expected the source endpoint DOMAIN:PORTS"
                               : "expected the destination endpoint DOMAIN:PORTS");

    /* The domain. */
    if (colon - s == 1 && s[0] == '*') {
        *match = HMX_FW_MATCH_ANY;
    } else if (s[0] == '@') {
        size_t n = (size_t)(colon - s - 1), i;

        if (n == 0 || n >= HMX_LABEL_SIZE)
            return fail(ps, s, "bad label: 1 to 15 characters of A-Z a-z 0-9 _ . -");
        for (i = 0; i < n; i++) {
            if (!label_char(s[1 + i]))
                return fail(ps, s + 1 + i, "bad label: 1 to 15 characters of A-Z a-z 0-9 _ . -");
            label[i] = s[1 + i];
        }
        *match = HMX_FW_MATCH_LABEL;
    } else if (colon - s == 8 && has_prefix(s, colon, "provider")) {
        *match = HMX_FW_MATCH_DOMAIN;
        *dom = HMX_DOMID_PROVIDER;
    } else if (colon - s == 2 && has_prefix(s, colon, "up")) {
        *match = HMX_FW_MATCH_DOMAIN;
        *dom = HMX_DOMID_UP;
    } else {
        q = s;
        if (parse_number(&q, colon, 0x7FEFu, &v) < 0 || q != colon)
            return fail(ps, s, MSG_DOM);
        *match = HMX_FW_MATCH_DOMAIN;
        *dom = (hmx_domid_t)v;
    }

    /* The ports: "*", P or P-Q. */
    s = colon + 1;
    if (end - s == 1 && s[0] == '*') {
        *first = 0;
        *last = 0xFFFFFFFFu;
    } else {
        if (s == end)
            return fail(ps, s, MSG_PORT);
        if (parse_port(ps, &s, end, first) < 0)
            return HMX_EINVAL;
        *last = *first;
        if (s < end && *s == '-') {
            const char *second = ++s;

            if (parse_port(ps, &s, end, last) < 0)
                return HMX_EINVAL;
            if (*last < *first)
                return fail(ps, second, "the port range runs backwards");
        }
        if (s != end)
            return fail(ps, s, MSG_PORT);
    }
    ps->p = end;
    return 0;
}

static int parse_ops(struct parser *ps, struct hmx_fw_rule *r)
{
    const char *s = ps->p, *end = ps->p + token_len(ps);

    if (end - s == 1 && s[0] == '*') {
        r->ops = HMX_FW_OP_REGISTER | HMX_FW_OP_SEND;
        ps->p = end;
        return 0;
    }
    while (s < end) {
        const char *w = s;

        while (s < end && *s != ',')
            s++;
        if (s - w == 4 && has_prefix(w, s, "send"))
            r->ops |= HMX_FW_OP_SEND;
        else if (s - w == 8 && has_prefix(w, s, "register"))
            r->ops |= HMX_FW_OP_REGISTER;
        else
            return fail(ps, w, "unknown operation: send, register, a list of them, or *");
        if (s < end)
            s++; /* the comma; a trailing one leaves an empty word below */
        if (s == end && s[-1] == ',')
            return fail(ps, s, "unknown operation: send, register, a list of them, or *");
    }
    ps->p = end;
    return 0;
}

/* One rule from ps->p (at a non-blank that is not '#' or a newline). */
static int parse_rule(struct parser *ps, struct hmx_fw_rule *r)
{
    size_t n = token_len(ps);

    hmx_env_memset(r, 0, sizeof(*r));
    r->line = ps->line;
    if (token_is(ps, n, "allow"))
        r->action = HMX_FW_ALLOW;
    else if (token_is(ps, n, "deny"))
        r->action = HMX_FW_DENY;
    else
        return fail(ps, ps->p, "expected 'allow' or 'deny'");
    ps->p += n;

    skip_blank(ps);
    if (at_line_end(ps))
        return fail(ps, ps->p, "expected the operations: send, register, or *");
    if (parse_ops(ps, r) < 0)
        return HMX_EINVAL;

    skip_blank(ps);
    if (at_line_end(ps))
        return fail(ps, ps->p, "expected the source endpoint DOMAIN:PORTS");
    if (parse_endpoint(ps, r, 1) < 0)
        return HMX_EINVAL;

    skip_blank(ps);
    n = token_len(ps);
    if (!token_is(ps, n, "->"))
        return fail(ps, ps->p, "expected '->' between source and destination");
    ps->p += n;

    skip_blank(ps);
    if (at_line_end(ps))
        return fail(ps, ps->p, "expected the destination endpoint DOMAIN:PORTS");
    if (parse_endpoint(ps, r, 0) < 0)
        return HMX_EINVAL;

    skip_blank(ps);
    if (!at_line_end(ps))
        return fail(ps, ps->p, "unexpected text after the rule");
    return 0;
}

int hmx_fw_parse(const char *text, size_t len, struct hmx_fw_rule *rules, uint32_t cap,
                 uint32_t *n, struct hmx_fw_parse_error *err)
{
    struct parser ps;
    uint32_t count = 0;
    int rc = 0;

    if (n != NULL)
        *n = 0;
    if (err != NULL) {
        err->line = 0;
        err->column = 0;
        err->message = NULL;
    }
    if ((text == NULL && len != 0) || (rules == NULL && cap != 0) || n == NULL)
        return HMX_EINVAL;

    ps.p = text;
    ps.end = text + len;
    ps.line_start = text;
    ps.line = 1;
    ps.msg = NULL;
    ps.at = text;

    /* A NUL anywhere: the file is not text (checked first, whole). */
    for (ps.p = text; ps.p < ps.end; ps.p++) {
        if (*ps.p == '\n') {
            ps.line++;
            ps.line_start = ps.p + 1;
        } else if (*ps.p == '\0') {
            rc = fail(&ps, ps.p, "a NUL byte: this is not a text file");
            goto out;
        }
    }
    ps.p = text;
    ps.line = 1;
    ps.line_start = text;

    while (ps.p < ps.end) {
        skip_blank(&ps);
        if (!at_line_end(&ps)) {
            if (count == cap) {
                rc = HMX_ENOSPC;
                fail(&ps, ps.p, "too many rules for the table");
                goto out;
            }
            rc = parse_rule(&ps, &rules[count]);
            if (rc < 0)
                goto out;
            count++;
        }
        /* The rest of the line: a comment, or nothing. */
        while (ps.p < ps.end && *ps.p != '\n')
            ps.p++;
        if (ps.p < ps.end) {
            ps.p++;
            ps.line++;
            ps.line_start = ps.p;
        }
    }
    *n = count;
    return 0;

out:
    if (err != NULL) {
        err->line = ps.line;
        err->column = (uint32_t)(ps.at - ps.line_start) + 1;
        err->message = ps.msg;
    }
    *n = count;
    return rc;
}
