#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/fuzz/campaign.sh [BUILDDIR [TARGET...]]
# A long fuzzing campaign: builds the targets as run-smoke.sh does (clang,
# ASan, UBSan) in BUILDDIR (default build-fuzz), then fuzzes each target
# for CAMPAIGN_SECONDS (default 600) in libFuzzer's fork mode, which keeps
# going after a crash and counts it.  Each target's corpus grows in
# BUILDDIR/campaign/<target>/corpus (seeded from tests/fuzz/corpus);
# failing inputs land in BUILDDIR/campaign/<target>/artifacts.  Prints,
# per target: executions, executions per second, coverage (libFuzzer's
# cov: and ft:), corpus size, and ooms / timeouts / crashes.  Exits 1 when
# any target crashed.  FUZZ_JOBS targets run at once (default: CPUs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fuzz-build.sh"
build=${1:-$here/../../build-fuzz}
[ $# -gt 0 ] && shift
mkdir -p "$(dirname "$build")"
build=$(cd "$(dirname "$build")" && pwd)/$(basename "$build")
secs=${CAMPAIGN_SECONDS:-600}
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
  # shellcheck disable=SC2046
  "$fuzz_dir/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 $(fuzz_opts "$t") \
    -artifact_prefix="$w/artifacts/" "$w/corpus" >"$w/log" 2>&1 || st=$?
  echo "$st" >"$w/status"
}

echo "campaign: $secs s per target, $jobs at once:$(printf ' %s' $want)"
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
  # "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts job: J ..."
  last=$(grep '^#[0-9]*: cov:' "$w/log" | tail -n 1)
  execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  crashes=$(echo "$last" | sed -n 's|.*oom/timeout/crash: \([0-9/]*\).*|\1|p')
  time=$(echo "$last" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
  rate=$([ -n "$time" ] && [ "$time" -gt 0 ] && echo $((execs / time)) || echo "?")
  printf '%-10s %7s %11s %8s %6s %7s %6s %19s\n' "$t" "${time:-?}" "${execs:-?}" "$rate" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "${crashes:-?}"
  if [ -z "$crashes" ] || [ "${crashes##*/}" != 0 ] || ls "$w/artifacts" | grep -q .; then
    fail=1
    ls "$w/artifacts" 2>/dev/null | sed "s|^|   artifact: $w/artifacts/|"
  fi
done
exit $fail
