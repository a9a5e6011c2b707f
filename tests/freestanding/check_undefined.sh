#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check_undefined.sh ARCHIVE "ALLOWED SYMBOLS" CC [CC ARGS...]
# Links ARCHIVE into one relocatable object without any library and checks
# that what stays undefined is a subset of the allowed environment hooks.
# Prints TAP-style lines and the nm -u listing.
set -eu
archive=$1; allowed=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$@" -nostdlib -r -Wl,--whole-archive "$archive" -Wl,--no-whole-archive -o "$tmp/core.o"
${NM:-nm} -u "$tmp/core.o" | awk '{print $NF}' | sort -u > "$tmp/undef"
echo "# nm -u of the freestanding core:"
sed 's/^/#   /' "$tmp/undef"
bad=0
while read -r sym; do
  case " $allowed " in
    *" $sym "*) ;;
    *) echo "# not an environment hook: $sym"; bad=1 ;;
  esac
done < "$tmp/undef"
[ -s "$tmp/undef" ] || { echo "# no undefined symbol at all (unexpected: memcpy is used)"; bad=1; }
if [ "$bad" -eq 0 ]; then echo "ok - only environment hooks are undefined"; exit 0; fi
echo "not ok - foreign undefined symbols"; exit 1
