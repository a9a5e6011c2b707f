/* SPDX-License-Identifier: MIT */
/*
 * hmx_env.h for the Frama-C analysis of the ring reader (tests/frama-c/):
 * a port of src/env/hmx_env.h, as -Denv_dir= allows, without the __atomic
 * builtins that Frama-C's front end does not know.  Every access to a
 * shared index is a volatile access: for Eva a volatile load returns any
 * value of its type, which is exactly what a hostile writer may leave
 * there, at every load.  (Ordering is not Eva's concern: TSan checks it,
 * tests/stress/.)
 */
#ifndef HMX_ENV_FRAMA_C_H
#define HMX_ENV_FRAMA_C_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define hmx_env_memcpy memcpy
#define hmx_env_memset memset
#define hmx_env_memcmp memcmp

#define hmx_env_load_acquire_u32(p) (*(const volatile uint32_t *)(p))
#define hmx_env_store_release_u32(p, v) ((void)(*(volatile uint32_t *)(p) = (v)))
#define hmx_env_load_once_u32(p) (*(const volatile uint32_t *)(p))
#define hmx_env_fence() ((void)0)

#endif
