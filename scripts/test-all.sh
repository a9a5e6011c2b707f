#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: sh scripts/test-all.sh
# Every test run of libhmx, each in its own build directory:
#   build          native (x86_64): all suites
#   build-aarch64  hosted aarch64 cross build, suites run under qemu-aarch64
#                  (libfdt compiled in from Debian's sources)
#   build-x64fs    freestanding x86_64 core (with libfdt): symbol check
#   build-a64fs    freestanding aarch64 core (with libfdt): symbol check,
#                  the EL2 monitor harness under qemu-system-aarch64, and
#                  dom0less guests of a real Xen on Arm (tests/xen-arm64)
# The packages must be installed (scripts/quickstart.sh test does that).
set -eu
cd "$(dirname "$0")/.."
status=0
run() { # name, meson setup args...
  name=$1; shift
  echo "== $name"
  [ -f "$name/build.ninja" ] || meson setup "$name" "$@"
  ninja -C "$name"
  meson test -C "$name" --print-errorlogs || status=1
}

# Fetched sources live outside the tree (Meson will not take an absolute
# include path into its source directory).
fdt=$(sh scripts/libfdt-source.sh "${XDG_CACHE_HOME:-$HOME/.cache}/libhmx-deps")

run build
run build-aarch64 --cross-file cross/aarch64-linux-gnu.ini -Dlibfdt_src="$fdt"
run build-x64fs --cross-file cross/x86_64-freestanding.ini -Dtools=false -Dtests=false \
  -Dlibfdt=disabled -Dlibfdt_src="$fdt"
run build-a64fs --cross-file cross/aarch64-freestanding.ini -Dtools=false -Dtests=false \
  -Dlibfdt=disabled -Dlibfdt_src="$fdt"
for d in build-x64fs build-a64fs; do
  echo "== $d: undefined symbols of the freestanding core"
  grep '^#   ' "$d/meson-logs/testlog.txt" || true
done
exit $status
