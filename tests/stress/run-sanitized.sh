#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/stress/run-sanitized.sh [BUILDDIR]
# The ring stress test under the sanitizers, each in a clang build of its
# own below BUILDDIR (default build-stress):
#   BUILDDIR/tsan  ThreadSanitizer: the normal and the back-pressure runs;
#                  any report fails (the ring orders its indices with
#                  acquire / release, so the payload copies must not race)
#   BUILDDIR/asan  AddressSanitizer + UBSan: the normal run, and the run in
#                  which a third thread scribbles over indices and headers
# Skips (exit 77) without clang.  Environment: TSAN_MESSAGES (default
# 200000), ASAN_MESSAGES (500000), SCRIBBLE_SECONDS (5), STRESS_CC (clang).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-stress}
mkdir -p "$build"
build=$(cd "$build" && pwd)
cc=${STRESS_CC:-clang}
command -v "$cc" >/dev/null 2>&1 || { echo "SKIP: no $cc"; exit 77; }

setup() { # dir sanitizer
  if [ ! -f "$1/build.ninja" ]; then
    CC=$cc meson setup "$1" "$src" --buildtype=debugoptimized -Db_sanitize="$2" \
      -Db_lundef=false -Dtools=false -Dlibfdt=disabled >"$1.setup.log" 2>&1 ||
      { cat "$1.setup.log"; echo "FAIL: meson setup ($2)"; exit 1; }
  fi
  ninja -C "$1" tests/stress/stress_ring >"$1.build.log" 2>&1 ||
    { tail -n 30 "$1.build.log"; echo "FAIL: build ($2)"; exit 1; }
}

status=0
run() { # log, command...
  log=$1; shift
  echo "\$ $*"
  if "$@" >"$log" 2>&1; then rc=0; else rc=$?; fi
  grep '^stress_ring' "$log" || true
  if [ $rc -ne 0 ] || grep -q -e 'WARNING: ThreadSanitizer' -e 'ERROR: AddressSanitizer' \
      -e 'runtime error:' "$log"; then
    echo "FAIL (exit $rc): $log"
    grep -v '^stress_ring' "$log" | head -n 60
    status=1
  fi
}

setup "$build/tsan" thread
setup "$build/asan" address,undefined
t=$build/tsan/tests/stress/stress_ring
a=$build/asan/tests/stress/stress_ring
export TSAN_OPTIONS="halt_on_error=1:${TSAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
run "$build/tsan-normal.log" "$t" --messages "${TSAN_MESSAGES:-200000}"
run "$build/tsan-backpressure.log" "$t" --mode backpressure --messages "${TSAN_MESSAGES:-200000}"
run "$build/asan-normal.log" "$a" --messages "${ASAN_MESSAGES:-500000}"
run "$build/asan-scribble.log" "$a" --mode scribble --seconds "${SCRIBBLE_SECONDS:-5}"
exit $status
