/* SPDX-License-Identifier: MIT */
/* The README's example, compiled and run by the test suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hmx/hmx.h>
#include <hmx/inproc.h>

static struct hmx_provider prov;
static HMX_PROVIDER_STORAGE(slots, 4, 16);

int main(void)
{
    struct hmx_provider_hooks hooks;
    hmx_ctx a, b;
    struct hmx_inproc_config ca = {.provider = &prov, .domid = 1};
    struct hmx_inproc_config cb = {.provider = &prov, .domid = 2};
    struct hmx_ring ring;
    struct hmx_addr to = {.port = 80, .domain = 2};
    struct hmx_msg_info info;
    char buf[64];
    void *mem;
    int n;

    /* Two domains on the built-in in-process provider. */
    hmx_inproc_hooks(&hooks, NULL);
    hmx_provider_init(&prov, &hooks, slots_domains, 4, slots_rings, 16, 0);
    hmx_provider_domain_add(&prov, 1, 0);
    hmx_provider_domain_add(&prov, 2, 0);
    hmx_open(&a, &(struct hmx_open_args){.backend = &hmx_backend_inproc, .backend_config = &ca});
    hmx_open(&b, &(struct hmx_open_args){.backend = &hmx_backend_inproc, .backend_config = &cb});

    /* Domain 2 receives on port 80 from domain 1, in 4 KiB of its own memory. */
    mem = aligned_alloc(4096, 4096);
    n = hmx_ring_register(&b, &ring,
                          &(struct hmx_ring_config){
                              .mem = mem, .mem_size = 4096, .port = 80, .partner = 1});
    if (n < 0) {
        fprintf(stderr, "register: %s\n", hmx_strerror(n));
        return 1;
    }

    /* Domain 1 sends; domain 2 reads, then wakes senders waiting for space. */
    n = hmx_send(&a, 7, &to, "hello", 5, /* message type */ 1);
    if (n != 5) {
        fprintf(stderr, "send: %s\n", hmx_strerror(n));
        return 1;
    }
    n = hmx_recv(&ring, buf, sizeof buf, &info);
    hmx_notify(&b, NULL, 0);

    printf("received %d bytes \"%.*s\" from domain %u port %u, type %u\n", n, n > 0 ? n : 0, buf,
           info.source.domain, info.source.port, info.message_type);
    hmx_ring_unregister(&b, &ring);
    free(mem);
    return (n == 5 && memcmp(buf, "hello", 5) == 0 && info.source.domain == 1 &&
            info.source.port == 7) ? 0 : 1;
}
