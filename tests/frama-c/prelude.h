/* SPDX-License-Identifier: MIT */
/*
 * Included before every file Frama-C parses (run.sh): Frama-C 25 does not
 * parse C11's _Static_assert, so the layout checks of hmx/wire.h become
 * harmless declarations here (the compilers still check them).
 */
#define _Static_assert(cond, msg) struct hmx__frama_c_static_assert
