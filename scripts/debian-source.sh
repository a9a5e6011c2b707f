#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: scripts/debian-source.sh PACKAGE DESTDIR
# Unpacks Debian's source package PACKAGE (bookworm) into DESTDIR/PACKAGE,
# through a private deb-src list built from the archive this machine's apt
# already uses, so the system's own lists are left untouched.  Prints the
# unpacked directory.  Needs apt and dpkg-dev (dpkg-source).
set -eu
pkg=$1; dest=$2
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [ -d "$dest/$pkg" ] && [ -f "$dest/$pkg/.unpacked" ]; then
  echo "$dest/$pkg"; exit 0
fi

# The archive URI: the first main-archive URI of the machine's deb822
# sources (falling back to the one-line format).
uri=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  uri=$(awk '/^URIs:/ {print $2; exit}' "$f")
  case "$uri" in *debian-security*|"") uri="" ;; *) break ;; esac
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$uri" ] || { echo "debian-source: no Debian archive in apt's sources" >&2; exit 1; }

state="$dest/.apt"
mkdir -p "$state/lists/partial" "$state/archives/partial"
printf 'deb-src %s bookworm main\n' "$uri" > "$state/sources.list"
aptopts="-o Dir::Etc::SourceList=$state/sources.list -o Dir::Etc::SourceParts=/dev/null \
 -o Dir::State::Lists=$state/lists -o Dir::Cache::Archives=$state/archives \
 -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $aptopts -qq update >&2
work="$dest/.src-$pkg"
rm -rf "$work"; mkdir -p "$work"
# shellcheck disable=SC2086
(cd "$work" && apt-get $aptopts -qq source "$pkg" >&2)
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$dir" ] || { echo "debian-source: $pkg did not unpack" >&2; exit 1; }
rm -rf "${dest:?}/$pkg"
mv "$dir" "$dest/$pkg"
rm -rf "$work"
touch "$dest/$pkg/.unpacked"
echo "$dest/$pkg"
