# SPDX-License-Identifier: MIT
# Sourced by run-smoke.sh and campaign.sh: configure and build the fuzz
# targets in a clang build of their own, with AddressSanitizer and UBSan.
#   fuzz_build BUILDDIR   sets fuzz_src, fuzz_dir (where the targets are) and
#                         fuzz_built (the targets that exist); exits 77 when
#                         clang or libFuzzer is missing.
# Environment: FUZZ_CC (default clang).

fuzz_all="ring provider probe_fdt probe_x86 decode"

fuzz_skip() {
  echo "SKIP: $*"
  exit 77
}

fuzz_build() {
  fuzz_src=$(cd "$(dirname "$0")/../.." && pwd)
  build=$1
  cc=${FUZZ_CC:-clang}
  command -v "$cc" >/dev/null 2>&1 || fuzz_skip "no $cc (the fuzz targets need clang and libFuzzer)"
  probe=$(mktemp -d)
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
    > "$probe/t.c"
  if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/t.c" -o "$probe/t" >/dev/null 2>&1; then
    rm -rf "$probe"
    fuzz_skip "$cc cannot link libFuzzer with ASan and UBSan (Debian: libclang-rt-14-dev)"
  fi
  rm -rf "$probe"
  if [ ! -f "$build/build.ninja" ]; then
    # libfdt's sources, compiled in with coverage (cached; fetched once).
    fdt=$(sh "$fuzz_src/scripts/libfdt-source.sh" "${XDG_CACHE_HOME:-$HOME/.cache}/libhmx-deps" \
          2>/dev/null) || fdt=
    CC=$cc meson setup "$build" "$fuzz_src" --buildtype=debugoptimized \
      -Db_sanitize=address,undefined -Db_lundef=false -Dtools=false \
      ${fdt:+-Dlibfdt_src="$fdt"} >"$build.setup.log" 2>&1 ||
      { cat "$build.setup.log"; echo "FAIL: meson setup"; exit 1; }
  fi
  fuzz_dir=$build/tests/fuzz
  targets=
  for t in $fuzz_all; do
    if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^tests/fuzz/fuzz_$t:"; then
      targets="$targets tests/fuzz/fuzz_$t"
    fi
  done
  [ -n "$targets" ] || { echo "FAIL: the clang build defines no fuzz target"; exit 1; }
  # shellcheck disable=SC2086
  ninja -C "$build" $targets >"$build.build.log" 2>&1 ||
    { tail -n 40 "$build.build.log"; echo "FAIL: building the fuzz targets"; exit 1; }
  fuzz_built=
  for t in $fuzz_all; do
    [ -x "$fuzz_dir/fuzz_$t" ] && fuzz_built="$fuzz_built $t"
  done
  for t in $fuzz_all; do
    case " $fuzz_built " in *" $t "*) ;; *) echo "note: fuzz_$t not built (no libfdt)";; esac
  done
}

# Options every run shares: a dictionary where there is one, an input size
# that fits the target, and sanitizers that stop at the first report.
fuzz_opts() { # target
  here=$fuzz_src/tests/fuzz
  case $1 in
    ring) echo "-max_len=8192" ;;
    probe_fdt) echo "-max_len=4096 -dict=$here/dict/probe_fdt.dict" ;;
    probe_x86) echo "-max_len=2048 -dict=$here/dict/probe_x86.dict" ;;
    *) echo "-max_len=4096" ;;
  esac
}

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
