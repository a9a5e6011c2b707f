#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: sh scripts/quickstart.sh demo|test
#   demo  build libhmx and run `hmx demo` on the built-in in-process provider
#   test  build libhmx and run every test suite (native, aarch64 under
#         qemu-user, freestanding x86_64 and aarch64): scripts/test-all.sh
# Installs the Debian packages listed in scripts/packages*.txt that are
# missing (needs root, or sudo), then builds in ./build*.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

case "${1:-}" in
  demo|test) ;;
  *) echo "usage: sh scripts/quickstart.sh demo|test" >&2; exit 2 ;;
esac

lists=scripts/packages.txt
[ "$1" = test ] && lists="$lists scripts/packages-cross.txt"
missing=""
for p in $(cat $lists | grep -v '^#'); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "quickstart: installing Debian packages:$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  case "$missing" in
    *:arm64*) dpkg --print-foreign-architectures | grep -qx arm64 ||
                $sudo dpkg --add-architecture arm64 ;;
  esac
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
fi

case "$1" in
  demo)
    [ -f build/build.ninja ] || meson setup build
    ninja -C build
    exec ./build/tools/hmx/hmx demo ;;
  test)
    exec sh scripts/test-all.sh ;;
esac
