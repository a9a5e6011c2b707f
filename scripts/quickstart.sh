#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: sh scripts/quickstart.sh demo|test
#   demo  build libhmx and run `hmx demo` on the built-in in-process provider
#   test  build libhmx and run every test suite
# Installs the Debian packages listed in scripts/packages.txt that are
# missing (needs root, or sudo), then builds in ./build.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

case "${1:-}" in
  demo|test) ;;
  *) echo "usage: sh scripts/quickstart.sh demo|test" >&2; exit 2 ;;
esac

missing=""
for p in $(grep -v '^#' scripts/packages.txt); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "quickstart: installing Debian packages:$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
fi

[ -f build/build.ninja ] || meson setup build
ninja -C build

case "$1" in
  demo) exec ./build/tools/hmx/hmx demo ;;
  test) exec meson test -C build --print-errorlogs ;;
esac
