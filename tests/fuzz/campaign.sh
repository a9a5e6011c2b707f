#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/fuzz/campaign.sh [BUILDDIR [TARGET...]]
# A long fuzzing campaign: builds the targets as run-smoke.sh does (clang,
# ASan, UBSan) in BUILDDIR (default build-fuzz), then fuzzes each target
# until it has run CAMPAIGN_RUNS new inputs (default 0: no limit) or for
# CAMPAIGN_SECONDS (default 600), whichever comes first.  Each target's
# corpus grows in BUILDDIR/campaign/<target>/corpus (seeded from
# tests/fuzz/corpus); failing inputs land in
# BUILDDIR/campaign/<target>/artifacts.  By default a target stops at its
# first failure, as in the smoke run; CAMPAIGN_FORK=1 uses libFuzzer's fork
# mode instead, which keeps going after a crash and counts it (at some cost
# in speed: each job restarts the process and merges its corpus).  Prints,
# per target: seconds, executions, executions per second, coverage
# (libFuzzer's cov: and ft:), corpus size, and ooms / timeouts / crashes.
# Exits 1 when any target failed.  FUZZ_JOBS targets run at once (default:
# the number of CPUs).  For the campaign recorded in docs/hostile-input.md:
#   CAMPAIGN_RUNS=10000000 CAMPAIGN_SECONDS=3600 tests/fuzz/campaign.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fuzz-build.sh"
build=${1:-$here/../../build-fuzz}
[ $# -gt 0 ] && shift
mkdir -p "$(dirname "$build")"
build=$(cd "$(dirname "$build")" && pwd)/$(basename "$build")
secs=${CAMPAIGN_SECONDS:-600}
runs=${CAMPAIGN_RUNS:-0}
fork=${CAMPAIGN_FORK:-0}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

fuzz_build "$build"
want=${*:-$fuzz_built}
out=$build/campaign

run_one() { # target
  t=$1
  w=$out/$t
  mkdir -p "$w/corpus" "$w/artifacts"
  cp -n "$fuzz_src/tests/fuzz/corpus/$t/"* "$w/corpus/" 2>/dev/null || true
  st=0
  t0=$(date +%s)
  if [ "$fork" = 1 ]; then
    # shellcheck disable=SC2046
    "$fuzz_dir/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 $(fuzz_opts "$t") \
      -artifact_prefix="$w/artifacts/" "$w/corpus" >"$w/log" 2>&1 || st=$?
  else
    # shellcheck disable=SC2046
    "$fuzz_dir/fuzz_$t" -runs="$runs" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 $(fuzz_opts "$t") \
      -artifact_prefix="$w/artifacts/" "$w/corpus" >"$w/log" 2>&1 || st=$?
  fi
  echo "$st $(($(date +%s) - t0))" >"$w/status"
}

echo "campaign: $secs s or ${runs} runs (0: no limit) per target, $jobs at once:$(printf ' %s' $want)"
set -- $want
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
printf '%-10s %7s %11s %8s %6s %7s %6s %19s\n' target seconds execs exec/s cov ft corpus \
  oom/timeout/crash
for t in $want; do
  w=$out/$t
  read -r st took <"$w/status"
  if [ "$fork" = 1 ]; then
    # "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts job: J ..."
    last=$(grep '^#[0-9]*: cov:' "$w/log" | tail -n 1)
    crashes=$(echo "$last" | sed -n 's|.*oom/timeout/crash: \([0-9/]*\).*|\1|p')
  else
    # "#N DONE cov: C ft: F corp: K/...": the last status line; the failures
    # are the artifacts it wrote (a crash, leak or sanitizer report ends the
    # run with a nonzero status and a crash-* or leak-* file).
    last=$(grep '^#[0-9]*[[:space:]]' "$w/log" | tail -n 1)
    count() { ls "$w/artifacts" | grep -c "^$1" || true; }
    crashes=$(count oom-)/$(count timeout-)/$(($(count crash-) + $(count leak-)))
    [ "$st" = 0 ] || fail=1
  fi
  execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  rate=$([ -n "$execs" ] && [ "$took" -gt 0 ] && echo $((execs / took)) || echo "?")
  printf '%-10s %7s %11s %8s %6s %7s %6s %19s\n' "$t" "$took" "${execs:-?}" "$rate" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "${crashes:-?}"
  if [ "$crashes" != 0/0/0 ] || ls "$w/artifacts" | grep -q .; then
    fail=1
    ls "$w/artifacts" 2>/dev/null | sed "s|^|   artifact: $w/artifacts/|"
  fi
done
exit $fail
