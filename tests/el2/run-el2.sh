#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: run-el2.sh ELF NAME BOOTARGS
#        run-el2.sh --skip REASON
# Boots the EL2 monitor ELF on qemu-system-aarch64 (virt, virtualization
# on, semihosting for the exit status) with BOOTARGS as its /chosen
# bootargs; the serial log goes to NAME.log beside the ELF and to stdout.  Passes when QEMU exits 0 and the log ends with the monitor's
# "el2: verdict: PASS".  Exit 77 (skipped) when QEMU is missing.
# EL2_TIMEOUT (seconds, default 120) bounds the run.
set -u
if [ "${1:-}" = "--skip" ]; then
  echo "SKIP: ${2:-}"
  exit 77
fi
elf=$1; name=$2; args=$3
qemu=${QEMU_SYSTEM_AARCH64:-qemu-system-aarch64}
if ! command -v "$qemu" >/dev/null 2>&1; then
  echo "SKIP: $qemu not found (Debian package qemu-system-arm)"
  exit 77
fi
if [ ! -f "$elf" ]; then
  echo "FAIL: $elf was not built"
  exit 1
fi
log="$(dirname "$elf")/$name.log"
rm -f "$log"
start=$(date +%s%N)
timeout -k 5 "${EL2_TIMEOUT:-120}" "$qemu" -M virt,virtualization=on,gic-version=2 \
  -cpu cortex-a57 -m 128M -smp 1 -display none -monitor none -serial "file:$log" \
  -semihosting -no-reboot -kernel "$elf" -append "$args"
rc=$?
end=$(date +%s%N)
[ -f "$log" ] && tr -d '\r' < "$log"
echo "run-el2: $name: QEMU exit status $rc after $(( (end - start) / 1000000 )) ms"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "FAIL: $name timed out"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "FAIL: $name: QEMU exit status $rc"
  exit 1
fi
if ! tr -d '\r' < "$log" | grep -qx 'el2: verdict: PASS'; then
  echo "FAIL: $name: no PASS verdict in the serial log"
  exit 1
fi
echo "PASS: $name"
exit 0
