#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: scripts/libfdt-source.sh DESTDIR
# Stages libfdt's sources and headers (without libfdt_env.h: libhmx brings
# its own) into DESTDIR/libfdt, for the builds that compile libfdt in: the
# freestanding core (fdt.c and fdt_ro.c only) and hosted cross builds
# without a libfdt of their architecture (Debian's libfdt-dev is not
# multi-arch: the amd64 and arm64 packages conflict).  They are taken taken from a Debian source package: the
# device-tree-compiler package, or the copy of libfdt inside Debian's xen
# source package when the former cannot be had.  Prints DESTDIR/libfdt.
set -eu
dest=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
out="$dest/libfdt"
if [ -f "$out/fdt_sw.c" ]; then echo "$out"; exit 0; fi

if dtc=$("$here/debian-source.sh" device-tree-compiler "$dest/src" 2>/dev/null); then
  c="$dtc/libfdt"; h="$dtc/libfdt"
else
  xen=$("$here/debian-source.sh" xen "$dest/src")
  c="$xen/xen/common/libfdt"; h="$xen/xen/include/xen/libfdt"
fi
mkdir -p "$out.tmp"
for f in fdt.c fdt_ro.c fdt_sw.c fdt_rw.c fdt_wip.c fdt_strerror.c fdt_empty_tree.c \
         fdt_addresses.c libfdt_internal.h; do
  cp "$c/$f" "$out.tmp/"
done
cp "$h/fdt.h" "$h/libfdt.h" "$out.tmp/"
# Xen's copy names its headers by Xen's include path.
sed -i 's|#include <xen/libfdt/\(.*\)>|#include "\1"|' "$out.tmp/libfdt.h"
rm -rf "$out"; mv "$out.tmp" "$out"
echo "$out"
