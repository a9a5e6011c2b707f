/* SPDX-License-Identifier: MIT */
/*
 * hmx_env.h - the build-time host environment of libhmx's core.
 *
 * This is the one header a port replaces (as libfdt's libfdt_env.h): point
 * the build at another directory holding a file of this name (Meson option
 * -Denv_dir=...) and the core uses it instead.  It must provide:
 *
 *   fixed-width integer types, size_t, uintptr_t  (stdint.h / stddef.h)
 *   hmx_env_memcpy, hmx_env_memset, hmx_env_memcmp (semantics of the C
 *       library functions of the same name, without the prefix)
 *   hmx_env_load_acquire_u32(p)   load *p with acquire ordering
 *   hmx_env_store_release_u32(p,v) store v to *p with release ordering
 *   hmx_env_load_once_u32(p)      a single load the compiler may not repeat
 *   hmx_env_fence()               a full barrier: earlier stores before later
 *                                 loads (the asynchronous send's doorbell rule)
 *
 * This default serves hosted builds and freestanding GCC/Clang builds.  In
 * a freestanding build the compiler turns the builtins into calls to
 * memcpy, memset and memcmp, which the environment links in: those three
 * symbols are the core's only link-time dependencies.
 */
#ifndef HMX_ENV_DEFAULT_H
#define HMX_ENV_DEFAULT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <string.h>
#define hmx_env_memcpy memcpy
#define hmx_env_memset memset
#define hmx_env_memcmp memcmp
#else
/* Freestanding: the environment supplies these three symbols. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#define hmx_env_memcpy __builtin_memcpy
#define hmx_env_memset __builtin_memset
#define hmx_env_memcmp __builtin_memcmp
#endif

#if defined(__GNUC__) || defined(__clang__)
#define hmx_env_load_acquire_u32(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define hmx_env_store_release_u32(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define hmx_env_load_once_u32(p) __atomic_load_n((p), __ATOMIC_RELAXED)
/* A full barrier: orders an earlier store before a later load. */
#define hmx_env_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#else
#error "hmx_env.h: provide the atomic accessors for this compiler"
#endif

#endif /* HMX_ENV_DEFAULT_H */
