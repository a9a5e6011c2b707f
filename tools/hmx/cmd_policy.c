/* SPDX-License-Identifier: MIT */
/*
 * hmx policy check: read a firewall rule file as a provider would (the
 * library's own parser, spec/ section 7.7), report the first malformed
 * line, and explain which rule decides one operation, or that the table's
 * default does.  Nothing is installed anywhere: this is the toolstack's
 * dry run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmx/policy.h"
#include "tool.h"

#define EXIT_MALFORMED 3       /* the rule file is malformed */
#define MAX_FILE (1u << 20)    /* bytes of rule text read at most */
#define MAX_LABELS 16u

struct label_arg {
    hmx_domid_t dom;
    char name[HMX_LABEL_SIZE];
};

static void policy_help(void)
{
    printf("usage: hmx policy check FILE [--from DOM:PORT --to DOM:PORT] [--op OP]\n"
           "                        [--label DOM=NAME ...]\n"
           "\n"
           "Reads a firewall rule file as the provider reads it and reports the first\n"
           "malformed line.  With --from and --to, says which rule decides the\n"
           "operation between the two endpoints, by its line in FILE, or that no rule\n"
           "matches and the table's default, deny, decides.  Nothing is installed.\n"
           "\n"
           "A rule is one line:  ACTION OPS SRC -> DST   (# starts a comment)\n"
           "  ACTION   allow | deny\n"
           "  OPS      send | register | send,register | *   (a query counts as a send)\n"
           "  SRC/DST  DOMAIN:PORTS\n"
           "           DOMAIN: a number below 0x7ff0, @label, provider, up, or *\n"
           "           PORTS:  P or P-Q or *; P a number, discovery, or virtio-N\n"
           "The first matching rule decides; with no match the answer is deny.\n"
           "\n"
           "  FILE              the rule file, '-' for standard input (at most 1 MiB)\n"
           "  --from DOM:PORT   the source: DOM a domain number, provider or up\n"
           "                    (register: the partner; its port is not looked at)\n"
           "  --to DOM:PORT     the destination (register: the ring)\n"
           "  --op OP           send (default), register, or query\n"
           "  --label DOM=NAME  domain DOM carries label NAME (repeatable)\n"
           "  -h, --help        show this help\n"
           "\n"
           "Exit status: 0 the file is well formed (and the operation is allowed);\n"
           "1 the operation is denied; 2 bad command line or unreadable file;\n"
           "3 the file is malformed.\n");
}

/* Read all of path ('-': stdin) into a buffer; NULL on error (reported). */
static char *read_all(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf;
    size_t n;

    if (fp == NULL) {
        fprintf(stderr, "hmx policy: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf = malloc(MAX_FILE + 1u);
    if (buf == NULL) {
        fprintf(stderr, "hmx policy: out of memory\n");
        if (fp != stdin)
            fclose(fp);
        return NULL;
    }
    n = fread(buf, 1, MAX_FILE + 1u, fp);
    if (ferror(fp) || n > MAX_FILE) {
        fprintf(stderr, "hmx policy: %s: %s\n", path,
                n > MAX_FILE ? "larger than 1 MiB" : "read error");
        free(buf);
        buf = NULL;
    }
    if (fp != stdin)
        fclose(fp);
    *len = n;
    return buf;
}

/* Line number line (1-based) of text, as start and length, without the
 * newline or a trailing carriage return. */
static const char *line_of(const char *text, size_t len, uint32_t line, int *n)
{
    const char *p = text, *end = text + len, *q;
    uint32_t i;

    for (i = 1; i < line && p < end; i++) {
        q = memchr(p, '\n', (size_t)(end - p));
        p = q != NULL ? q + 1 : end;
    }
    q = memchr(p, '\n', (size_t)(end - p));
    if (q == NULL)
        q = end;
    if (q > p && q[-1] == '\r')
        q--;
    *n = (int)(q - p);
    return p;
}

/*
 * An endpoint DOM:PORT, read with the library's own parser (so that the
 * syntax is the rule format's): one domain and one port, no wildcard,
 * label or range.
 */
static int parse_endpoint(const char *arg, struct hmx_addr *out)
{
    char text[160];
    struct hmx_fw_rule r;
    uint32_t n;

    if (strlen(arg) > 100)
        return -1;
    snprintf(text, sizeof(text), "allow send %s -> *:*", arg);
    if (hmx_fw_parse(text, strlen(text), &r, 1, &n, NULL) != 0 || n != 1 ||
        r.src_match != HMX_FW_MATCH_DOMAIN || r.src_port_first != r.src_port_last)
        return -1;
    out->domain = r.src_domain;
    out->port = r.src_port_first;
    out->pad = 0;
    return 0;
}

static int parse_label(const char *arg, struct label_arg *out)
{
    const char *eq = strchr(arg, '=');
    struct hmx_addr a;
    char dom[32];
    size_t dl;

    if (eq == NULL || (dl = (size_t)(eq - arg)) == 0 || dl >= sizeof(dom) ||
        strlen(eq + 1) >= HMX_LABEL_SIZE)
        return -1;
    memcpy(dom, arg, dl);
    dom[dl] = '\0';
    strcat(dom, ":0");
    if (parse_endpoint(dom, &a) != 0)
        return -1;
    memset(out->name, 0, sizeof(out->name));
    memcpy(out->name, eq + 1, strlen(eq + 1));
    out->dom = a.domain;
    return hmx_label_check(out->name) == 0 ? 0 : -1;
}

static const char *label_for(const struct label_arg *labels, unsigned n, hmx_domid_t dom)
{
    const char *found = NULL;
    unsigned i;

    for (i = 0; i < n; i++)
        if (labels[i].dom == dom)
            found = labels[i].name; /* the last one given */
    return found;
}

static void domain_name(hmx_domid_t dom, char *buf, size_t cap)
{
    if (dom == HMX_DOMID_PROVIDER)
        snprintf(buf, cap, "provider");
    else if (dom == HMX_DOMID_UP)
        snprintf(buf, cap, "up");
    else
        snprintf(buf, cap, "%u", dom);
}

static void port_name(hmx_port_t port, char *buf, size_t cap)
{
    if (port == HMX_PORT_DISCOVERY)
        snprintf(buf, cap, "discovery");
    else if (port > HMX_PORT_VIRTIO_FIRST && port <= HMX_PORT_VIRTIO_LAST)
        snprintf(buf, cap, "virtio-%u", port - HMX_PORT_VIRTIO_FIRST);
    else if (HMX_PORT_IS_WELL_KNOWN(port))
        snprintf(buf, cap, "%#x", port);
    else
        snprintf(buf, cap, "%u", port);
}

static int check(int argc, char **argv)
{
    static struct hmx_fw_rule rules[HMX_FW_RULES_MAX];
    struct label_arg labels[MAX_LABELS];
    struct hmx_fw_parse_error err;
    struct hmx_fw_request req;
    const char *path = NULL, *from = NULL, *to = NULL, *op = "send";
    char sname[16], dname[16], sport[24], dport[24];
    unsigned nlabels = 0;
    uint32_t n, which, verdict;
    size_t len;
    char *text;
    int rc;

    memset(&req, 0, sizeof(req));
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            policy_help();
            return EXIT_OK;
        } else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else if (strcmp(argv[i], "--op") == 0 && i + 1 < argc) {
            op = argv[++i];
        } else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc) {
            if (nlabels == MAX_LABELS || parse_label(argv[++i], &labels[nlabels]) != 0) {
                fprintf(stderr, "hmx policy: --label takes DOM=NAME: a domain number and a "
                                "label of 1 to 15 characters of A-Z a-z 0-9 _ . - (at most %u)\n",
                        MAX_LABELS);
                return EXIT_USAGE;
            }
            nlabels++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "hmx policy: unknown option '%s' (try 'hmx policy check --help')\n",
                    argv[i]);
            return EXIT_USAGE;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "hmx policy: one rule file only ('%s')\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "hmx policy: check needs a rule file (try 'hmx policy check --help')\n");
        return EXIT_USAGE;
    }
    if ((from == NULL) != (to == NULL)) {
        fprintf(stderr, "hmx policy: --from and --to go together\n");
        return EXIT_USAGE;
    }
    if (strcmp(op, "send") == 0) {
        req.op = HMX_POLICY_SEND;
    } else if (strcmp(op, "register") == 0) {
        req.op = HMX_POLICY_REGISTER;
    } else if (strcmp(op, "query") == 0) {
        req.op = HMX_POLICY_QUERY;
    } else {
        fprintf(stderr, "hmx policy: --op takes send, register or query\n");
        return EXIT_USAGE;
    }
    if (from != NULL &&
        (parse_endpoint(from, &req.src) != 0 || parse_endpoint(to, &req.dst) != 0)) {
        fprintf(stderr, "hmx policy: --%s takes DOM:PORT: DOM a number below 0x7ff0, provider "
                        "or up; PORT a number, discovery or virtio-N\n",
                parse_endpoint(from, &req.src) != 0 ? "from" : "to");
        return EXIT_USAGE;
    }

    text = read_all(path, &len);
    if (text == NULL)
        return EXIT_USAGE;
    rc = hmx_fw_parse(text, len, rules, HMX_FW_RULES_MAX, &n, &err);
    if (rc != 0) {
        int ll;
        const char *l = line_of(text, len, err.line, &ll);

        fprintf(stderr, "%s:%u:%u: %s\n", path, err.line, err.column, err.message);
        if (rc == HMX_ENOSPC)
            fprintf(stderr, "  (a table holds at most %u rules)\n", HMX_FW_RULES_MAX);
        /* The line, printable bytes only, and a caret under the column. */
        fprintf(stderr, "  ");
        for (int i = 0; i < ll && i < 200; i++)
            fputc(l[i] == '\t' ? ' ' : (l[i] >= 32 && l[i] < 127 ? l[i] : '?'), stderr);
        fprintf(stderr, "\n  %*s^\n", (int)(err.column > 200 ? 200 : err.column - 1), "");
        free(text);
        return EXIT_MALFORMED;
    }
    printf("%s: %u rule%s, well formed\n", path, n, n == 1 ? "" : "s");
    if (from == NULL) {
        free(text);
        return EXIT_OK;
    }

    /* A register or query names no source port (spec/, section 7.1). */
    if (req.op != HMX_POLICY_SEND)
        req.src.port = 0;
    req.src_label = label_for(labels, nlabels, req.src.domain);
    req.dst_label = label_for(labels, nlabels, req.dst.domain);
    verdict = hmx_fw_decide(rules, n, &req, &which);

    domain_name(req.src.domain, sname, sizeof(sname));
    domain_name(req.dst.domain, dname, sizeof(dname));
    port_name(req.src.port, sport, sizeof(sport));
    port_name(req.dst.port, dport, sizeof(dport));
    printf("%s %s:%s -> %s:%s", op, sname, sport, dname, dport);
    if (req.src_label != NULL || req.dst_label != NULL)
        printf("  (labels: %s %s%s, %s %s%s)", sname, req.src_label ? "@" : "",
               req.src_label ? req.src_label : "none", dname, req.dst_label ? "@" : "",
               req.dst_label ? req.dst_label : "none");
    printf("\n");
    if (which == HMX_FW_RULE_DEFAULT) {
        printf("decided by the default: no rule matches, and a table denies what no rule "
               "allows\n");
    } else {
        int ll;
        const char *l = line_of(text, len, rules[which].line, &ll);

        while (ll > 0 && (l[0] == ' ' || l[0] == '\t'))
            l++, ll--;
        printf("decided by rule %u, line %u: %.*s\n", which, rules[which].line, ll, l);
    }
    printf("%s\n", verdict == HMX_FW_ALLOW ? "allow" : "deny");
    free(text);
    return verdict == HMX_FW_ALLOW ? EXIT_OK : EXIT_FAIL;
}

int cmd_policy(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hmx policy check FILE [--from DOM:PORT --to DOM:PORT] [--op OP] "
                        "[--label DOM=NAME ...]\n(try 'hmx policy --help')\n");
        return EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        policy_help();
        return EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 1, argv + 1);
    fprintf(stderr, "hmx policy: unknown subcommand '%s' (try 'hmx policy --help')\n", argv[1]);
    return EXIT_USAGE;
}
