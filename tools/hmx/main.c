/* SPDX-License-Identifier: MIT */
/* hmx: the libhmx command-line tool. */
#include <stdio.h>
#include <string.h>

#include "hmx/hmx.h"
#include "tool.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hmx COMMAND [OPTIONS]\n"
            "\n"
            "libhmx %d.%d.%d: one Argo API for hypervisor-mediated data exchange.\n"
            "\n"
            "Commands:\n"
            "  demo         two domains exchange messages over the in-process provider\n"
            "  probe        which hypervisor and HMX mechanisms are here\n"
            "  bench ring   ring writer->reader throughput against memcpy\n"
            "  policy check check a firewall rule file; explain which rule decides\n"
            "\n"
            "Run 'hmx COMMAND --help' for a command's options.\n"
            "\n"
            "Options:\n"
            "  -h, --help     show this help and exit\n"
            "  -V, --version  print the version and exit\n"
            "\n"
            "Exit status: 0 success; 1 the command ran and found a failure;\n"
            "2 bad command line; 3 (probe) no usable HMX mechanism, (policy check)\n"
            "a malformed rule file.\n",
            HMX_VERSION_MAJOR, HMX_VERSION_MINOR, HMX_VERSION_PATCH);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("hmx %d.%d.%d\n", HMX_VERSION_MAJOR, HMX_VERSION_MINOR, HMX_VERSION_PATCH);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "demo") == 0)
        return cmd_demo(argc - 1, argv + 1);
    if (strcmp(argv[1], "probe") == 0)
        return cmd_probe(argc - 1, argv + 1);
    if (strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    if (strcmp(argv[1], "policy") == 0)
        return cmd_policy(argc - 1, argv + 1);
    fprintf(stderr, "hmx: unknown command '%s' (try 'hmx --help')\n", argv[1]);
    return EXIT_USAGE;
}
