/* SPDX-License-Identifier: MIT */
/*
 * A minimal flattened-device-tree writer for the fuzz targets (version 17
 * blobs: header, empty reservation map, structure block, strings), so
 * that the targets need no more of libfdt than the library itself uses.
 * tests/fuzz/make-corpus.py writes the same trees for the seed corpus.
 */
#ifndef TESTS_FUZZ_FDT_BUILD_H
#define TESTS_FUZZ_FDT_BUILD_H

#include <stdint.h>
#include <string.h>

#define FDTB_STRUCT_MAX 2048u
#define FDTB_STRINGS_MAX 512u
#define FDTB_BLOB_MAX (40u + 16u + FDTB_STRUCT_MAX + FDTB_STRINGS_MAX)

struct fdtb {
    uint8_t st[FDTB_STRUCT_MAX];
    uint32_t nst;
    char str[FDTB_STRINGS_MAX];
    uint32_t nstr;
};

static inline void fdtb_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void fdtb_word(struct fdtb *b, uint32_t v)
{
    if (b->nst + 4 <= FDTB_STRUCT_MAX)
        fdtb_be32(b->st + b->nst, v);
    b->nst += 4;
}

/* Append n bytes, padded with zeros to a 4-byte boundary. */
static inline void fdtb_bytes(struct fdtb *b, const void *p, uint32_t n)
{
    uint32_t padded = (n + 3u) & ~3u;

    if (b->nst + padded <= FDTB_STRUCT_MAX) {
        memcpy(b->st + b->nst, p, n);
        memset(b->st + b->nst + n, 0, padded - n);
    }
    b->nst += padded;
}

static inline uint32_t fdtb_string(struct fdtb *b, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1, off = 0;

    while (off < b->nstr) { /* reuse a name already there */
        if (strcmp(b->str + off, s) == 0)
            return off;
        off += (uint32_t)strlen(b->str + off) + 1;
    }
    if (b->nstr + n <= FDTB_STRINGS_MAX)
        memcpy(b->str + b->nstr, s, n);
    b->nstr += n;
    return off;
}

static inline void fdtb_begin(struct fdtb *b, const char *name)
{
    fdtb_word(b, 1); /* FDT_BEGIN_NODE */
    fdtb_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static inline void fdtb_end(struct fdtb *b)
{
    fdtb_word(b, 2); /* FDT_END_NODE */
}

static inline void fdtb_prop(struct fdtb *b, const char *name, const void *val, uint32_t len)
{
    fdtb_word(b, 3); /* FDT_PROP */
    fdtb_word(b, len);
    fdtb_word(b, fdtb_string(b, name));
    fdtb_bytes(b, val, len);
}

static inline void fdtb_prop_u32(struct fdtb *b, const char *name, uint32_t v)
{
    uint8_t c[4];

    fdtb_be32(c, v);
    fdtb_prop(b, name, c, 4);
}

/* Finish into out (FDTB_BLOB_MAX bytes); returns the blob's size, 0 if
 * the tree did not fit. */
static inline uint32_t fdtb_finish(struct fdtb *b, uint8_t *out)
{
    const uint32_t off_rsv = 40, off_st = off_rsv + 16;
    uint32_t off_str, total;

    fdtb_word(b, 9); /* FDT_END */
    if (b->nst > FDTB_STRUCT_MAX || b->nstr > FDTB_STRINGS_MAX)
        return 0;
    off_str = off_st + b->nst;
    total = off_str + b->nstr;
    memset(out, 0, total);
    fdtb_be32(out + 0, 0xd00dfeedu);
    fdtb_be32(out + 4, total);
    fdtb_be32(out + 8, off_st);
    fdtb_be32(out + 12, off_str);
    fdtb_be32(out + 16, off_rsv);
    fdtb_be32(out + 20, 17);
    fdtb_be32(out + 24, 16);
    fdtb_be32(out + 28, 0);
    fdtb_be32(out + 32, b->nstr);
    fdtb_be32(out + 36, b->nst);
    memcpy(out + off_st, b->st, b->nst);
    memcpy(out + off_str, b->str, b->nstr);
    return total;
}

/* The trees of the unit tests, by number: what a valid blob looks like. */
#define FDTB_TEMPLATES 6u

static inline uint32_t fdtb_template(unsigned which, uint8_t *out)
{
    static const char xen_compat[] = "xen,xen-4.17\0xen,xen";
    static struct fdtb b;
    const int xen = which == 0 || which == 2 || which == 5;
    const int hmx = which == 0 || which == 1 || which == 3 || which == 5;

    memset(&b, 0, sizeof(b));
    fdtb_begin(&b, "");
    fdtb_prop(&b, "compatible", "linux,dummy-virt", sizeof("linux,dummy-virt"));
    fdtb_prop_u32(&b, "#address-cells", 2);
    fdtb_prop_u32(&b, "#size-cells", 2);
    fdtb_begin(&b, "chosen");
    fdtb_end(&b);
    if (xen) {
        fdtb_begin(&b, "hypervisor");
        fdtb_prop(&b, "compatible", xen_compat, sizeof(xen_compat));
        if (which == 5)
            fdtb_prop(&b, "status", "disabled", sizeof("disabled"));
        fdtb_end(&b);
    }
    if (hmx) {
        fdtb_begin(&b, "firmware");
        fdtb_begin(&b, "hmx");
        fdtb_prop(&b, "compatible", "hmx,argo", sizeof("hmx,argo"));
        fdtb_prop(&b, "conduit", which == 1 ? "smc" : "hvc", 4);
        if (which != 1)
            fdtb_prop_u32(&b, "hmx,function-base", 0xC5000100u);
        if (which == 3) {
            static const uint8_t irq[12] = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 4};

            fdtb_prop(&b, "interrupts", irq, sizeof(irq));
            fdtb_prop(&b, "status", "okay", sizeof("okay"));
        }
        fdtb_end(&b);
        fdtb_end(&b);
    }
    fdtb_end(&b);
    return fdtb_finish(&b, out);
}

#endif
