#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: scripts/libfdt-source.sh DESTDIR
# Stages the libfdt sources a freestanding libhmx build compiles (fdt.c,
# fdt_ro.c and their headers, without libfdt_env.h: libhmx brings its own)
# into DESTDIR/libfdt, taken from a Debian source package: the
# device-tree-compiler package, or the copy of libfdt inside Debian's xen
# source package when the former cannot be had.  Prints DESTDIR/libfdt.
set -eu
dest=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
out="$dest/libfdt"
if [ -f "$out/fdt_ro.c" ]; then echo "$out"; exit 0; fi

if dtc=$("$here/debian-source.sh" device-tree-compiler "$dest/src" 2>/dev/null); then
  c="$dtc/libfdt"; h="$dtc/libfdt"
else
  xen=$("$here/debian-source.sh" xen "$dest/src")
  c="$xen/xen/common/libfdt"; h="$xen/xen/include/xen/libfdt"
fi
mkdir -p "$out.tmp"
cp "$c/fdt.c" "$c/fdt_ro.c" "$c/libfdt_internal.h" "$h/fdt.h" "$h/libfdt.h" "$out.tmp/"
# Xen's copy names its headers by Xen's include path.
sed -i 's|#include <xen/libfdt/\(.*\)>|#include "\1"|' "$out.tmp/libfdt.h"
rm -rf "$out"; mv "$out.tmp" "$out"
echo "$out"
