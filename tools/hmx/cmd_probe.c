/* SPDX-License-Identifier: MIT */
/*
 * hmx probe: what hypervisor is underneath, which HMX mechanisms it offers,
 * which this program could use, and which libhmx would choose.
 *
 * A user-space build never executes a privileged instruction: mechanisms
 * that need ring 0 are reported as such.
 */
#include <stdio.h>
#include <string.h>

#include "hmx/probe.h"
#include "tool.h"

#define EXIT_NOMECH 3

static const uint32_t shown[] = {HMX_MECH_XEN_HYPERCALL, HMX_MECH_V4V_OPENXT,
                                 HMX_MECH_V4V_UXEN, HMX_MECH_MSR, HMX_MECH_CPUID,
                                 HMX_MECH_SMCCC, HMX_MECH_INPROC};

static int parse_mech(const char *s, uint32_t *out)
{
    for (uint32_t m = 1; m < HMX_MECH_COUNT; m++)
        if (strcmp(s, hmx_mechanism_name(m)) == 0 && m != HMX_MECH_INPROC && m != HMX_MECH_MOCK) {
            *out = m;
            return 0;
        }
    return -1;
}

static int parse_allow(char *list, uint32_t *mask)
{
    *mask = 0;
    for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
        uint32_t m;

        if (parse_mech(tok, &m) != 0)
            return -1;
        *mask |= HMX_MECH_BIT(m);
    }
    return *mask != 0 ? 0 : -1;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void print_json(const struct hmx_probe_result *r)
{
    printf("{\n  \"hypervisor_bit\": %s,\n  \"hypervisor\": ", r->hypervisor_bit ? "true" : "false");
    json_str(hmx_hypervisor_name(r->hypervisor));
    printf(",\n  \"signature\": ");
    json_str(r->signature);
    printf(",\n  \"ranges\": [");
    for (uint32_t i = 0; i < r->nranges; i++) {
        printf("%s\n    {\"base\": \"0x%08x\", \"max_leaf\": \"0x%08x\", \"vendor\": ", i ? "," : "",
               r->ranges[i].base, r->ranges[i].max_leaf);
        json_str(hmx_hypervisor_name(r->ranges[i].hypervisor));
        printf(", \"signature\": ");
        json_str(r->ranges[i].signature);
        printf("}");
    }
    printf("%s],\n", r->nranges ? "\n  " : "");
    if (r->hmx_base)
        printf("  \"hmx_block\": {\"base\": \"0x%08x\", \"version\": \"%u.%u\", "
               "\"mechanisms\": \"0x%08x\", \"features\": \"0x%016llx\"},\n",
               r->hmx_base, r->hmx_version >> 16, r->hmx_version & 0xFFFF, r->hmx_mechanisms,
               (unsigned long long)r->hmx_features);
    else
        printf("  \"hmx_block\": null,\n");
    if (r->xen_base) {
        printf("  \"xen\": {\"base\": \"0x%08x\", \"version\": \"%u.%u\", \"argo\": ", r->xen_base,
               r->xen_version >> 16, r->xen_version & 0xFFFF);
        json_str(hmx_argo_status_name(r->argo_status));
        printf(", \"argo_rc\": %d},\n", r->argo_rc);
    } else {
        printf("  \"xen\": null,\n");
    }
    printf("  \"mechanisms\": {");
    for (unsigned i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const struct hmx_mech_report *m = &r->mech[shown[i]];

        printf("%s\n    ", i ? "," : "");
        json_str(hmx_mechanism_name(shown[i]));
        printf(": {\"offered\": %s, \"usable\": %s, \"chosen\": %s, \"status\": ",
               m->offered ? "true" : "false", m->usable ? "true" : "false",
               m->chosen ? "true" : "false");
        json_str(hmx_err_name(m->status));
        printf(", \"why\": ");
        json_str(m->why);
        printf("}");
    }
    printf("\n  },\n  \"chosen\": ");
    json_str(hmx_mechanism_name(r->chosen));
    printf(",\n  \"features\": \"0x%016llx\",\n  \"traps\": %u\n}\n",
           (unsigned long long)r->features, r->traps);
}

static void print_text(const struct hmx_probe_result *r)
{
    printf("hypervisor:  %s%s\n", hmx_hypervisor_name(r->hypervisor),
           r->hypervisor_bit ? "" : " (no hypervisor bit: bare metal or hidden)");
    for (uint32_t i = 0; i < r->nranges; i++)
        printf("  cpuid 0x%08x  \"%s\"  %s, leaves to 0x%08x\n", r->ranges[i].base,
               r->ranges[i].signature, hmx_hypervisor_name(r->ranges[i].hypervisor),
               r->ranges[i].max_leaf);
    if (r->hmx_base)
        printf("HMX block:   at 0x%08x, interface %u.%u, mechanisms 0x%x, features 0x%llx\n",
               r->hmx_base, r->hmx_version >> 16, r->hmx_version & 0xFFFF, r->hmx_mechanisms,
               (unsigned long long)r->hmx_features);
    else
        printf("HMX block:   none\n");
    if (r->xen_base)
        printf("Xen:         %u.%u at 0x%08x; Argo %s (%s)\n", r->xen_version >> 16,
               r->xen_version & 0xFFFF, r->xen_base, hmx_argo_status_name(r->argo_status),
               hmx_err_name(r->argo_rc));
    printf("mechanisms:\n");
    for (unsigned i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const struct hmx_mech_report *m = &r->mech[shown[i]];
        const char *state = shown[i] == HMX_MECH_INPROC ? "built-in"
                            : m->chosen                ? "CHOSEN"
                            : m->usable                ? "usable"
                            : m->offered               ? "offered"
                                                       : "absent";

        printf("  %-14s %-8s %s\n", hmx_mechanism_name(shown[i]), state, m->why);
    }
    printf("chosen:      %s\n", hmx_mechanism_name(r->chosen));
    printf("features:    0x%llx\n", (unsigned long long)r->features);
    /* What hmx_sendv_batch and hmx_async_* will do on the chosen mechanism. */
    printf("batch send:  %s\n", (r->features & HMX_FEAT_BATCH)
                                     ? "one trap per batch (HMX_FEAT_BATCH)"
                                     : "not offered: one sendv per message");
    printf("async send:  %s\n", (r->features & HMX_FEAT_ASYNC)
                                     ? "submission ring, doorbell when idle (HMX_FEAT_ASYNC)"
                                     : "not offered");
    printf("traps:       %u trapping instructions during the probe\n", r->traps);
}

static void probe_help(void)
{
    printf("usage: hmx probe [--json] [--allow MECH,...] [--force MECH]\n"
           "\n"
           "Detects the hypervisor (x86: CPUID leaves 0x40000000-0x4000FF00), the HMX\n"
           "discovery block and, on Xen, whether Argo is built, enabled and allowed;\n"
           "lists every mechanism as absent, offered, usable or chosen, with why.\n"
           "Run from user space it never executes a privileged instruction: such\n"
           "mechanisms are reported as needing ring 0.\n"
           "\n"
           "  --json            print one JSON object instead of text\n"
           "  --allow LIST      only choose among these (xen-hypercall,v4v-openxt,v4v-uxen,\n"
           "                    msr,cpuid,smccc); naming a v4v one also classifies v4v\n"
           "  --force MECH      choose MECH if usable, nothing otherwise\n"
           "  -h, --help        show this help\n"
           "\n"
           "Exit status: 0 a mechanism was chosen; 3 no usable HMX mechanism;\n"
           "1 the probe failed; 2 bad command line.\n");
}

int cmd_probe(int argc, char **argv)
{
    struct hmx_probe_options opt;
    struct hmx_probe_result res;
    int json = 0, rc;

    memset(&opt, 0, sizeof(opt));
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            probe_help();
            return EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc) {
            if (parse_allow(argv[++i], &opt.allow) != 0) {
                fprintf(stderr, "hmx probe: --allow takes names from xen-hypercall,v4v-openxt,v4v-uxen,msr,cpuid,smccc\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--force") == 0 && i + 1 < argc) {
            if (parse_mech(argv[++i], &opt.force) != 0) {
                fprintf(stderr, "hmx probe: --force takes one of xen-hypercall, v4v-openxt, v4v-uxen, msr, cpuid, smccc\n");
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "hmx probe: unknown option '%s' (try 'hmx probe --help')\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    rc = hmx_probe(&res, &opt);
    if (rc < 0) {
        fprintf(stderr, "hmx probe: %s\n", hmx_strerror(rc));
        return EXIT_FAIL;
    }
    if (json)
        print_json(&res);
    else
        print_text(&res);
    return res.chosen != HMX_MECH_NONE ? EXIT_OK : EXIT_NOMECH;
}
