/* SPDX-License-Identifier: MIT */
/* The hmx command-line tool: one file per command, this header between them. */
#ifndef HMX_TOOL_H
#define HMX_TOOL_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses shared by every command (documented in `hmx --help`). */
#define EXIT_OK 0
#define EXIT_FAIL 1  /* the command ran and found a failure */
#define EXIT_USAGE 2 /* bad command line */

int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* Parse a byte count with an optional K/M suffix (binary). 0 on success. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Is argv[i] "-h" or "--help"? */
int is_help(const char *arg);

#endif
