#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/fuzz/run-smoke.sh [BUILDDIR]
# The CI smoke run of the fuzz targets: builds them with clang, ASan and
# UBSan in BUILDDIR (default build-fuzz), then runs each over its seed
# corpus and a bounded number of new inputs.  Fails on any crash, broken
# property, leak, sanitizer report or timeout; skips (exit 77) without
# clang or libFuzzer.  New inputs go to BUILDDIR/smoke-run, never into
# the tree's corpus; a failing input is kept there (crash-*, leak-*...).
# Environment: FUZZ_RUNS (new inputs per target, default 200000),
# FUZZ_SECONDS (time cap per target, default 45), FUZZ_SEED (libFuzzer's
# random seed, default 1, so that two runs try the same inputs as far as
# the time cap lets them; 0: a new seed each run), FUZZ_JOBS (targets run
# at once, default: the number of CPUs), FUZZ_CC (default clang).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fuzz-build.sh"
build=${1:-$here/../../build-fuzz}
mkdir -p "$(dirname "$build")"
build=$(cd "$(dirname "$build")" && pwd)/$(basename "$build")
runs=${FUZZ_RUNS:-200000}
secs=${FUZZ_SECONDS:-45}
seed=${FUZZ_SEED:-1}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

start=$(date +%s)
fuzz_build "$build"
echo "built:$fuzz_built ($(($(date +%s) - start)) s)"

out=$build/smoke-run
rm -rf "$out"
mkdir -p "$out"

run_one() { # target
  t=$1
  w=$out/$t
  mkdir -p "$w/new" "$w/artifacts"
  # shellcheck disable=SC2046
  st=0
  timeout $((secs + 120)) "$fuzz_dir/fuzz_$t" -runs="$runs" -max_total_time="$secs" -seed="$seed" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $(fuzz_opts "$t") \
    -artifact_prefix="$w/artifacts/" "$w/new" "$fuzz_src/tests/fuzz/corpus/$t" \
    >"$w/log" 2>&1 || st=$?
  echo "$st" >"$w/status"
}

set -- $fuzz_built
while [ $# -gt 0 ]; do
  n=0
  while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
    run_one "$1" &
    shift
    n=$((n + 1))
  done
  wait
done

fail=0
printf '%-10s %9s %8s %7s %6s  %s\n' target runs exec/s cov new verdict
for t in $fuzz_built; do
  w=$out/$t
  st=$(cat "$w/status")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$w/log")
  newu=$(sed -n 's/^stat::new_units_added: *//p' "$w/log")
  cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -n 1 | cut -d' ' -f2)
  verdict=ok
  if [ "$st" != 0 ]; then
    verdict="FAIL (exit $st)"
  elif grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
      -e 'property violated' "$w/log"; then
    verdict="FAIL (sanitizer report)"
  elif ls "$w/artifacts" | grep -q .; then
    verdict="FAIL (artifact)"
  fi
  printf '%-10s %9s %8s %7s %6s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
    "${newu:-?}" "$verdict"
  if [ "$verdict" != ok ]; then
    fail=1
    echo "---- $w/log (tail)"
    grep -v '^#' "$w/log" | tail -n 40
    ls "$w/artifacts" 2>/dev/null | sed "s|^|artifact: $w/artifacts/|"
  fi
done
echo "fuzz smoke: $(($(date +%s) - start)) s in all"
exit $fail
