#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The hmx command line as a user meets it: help, exit statuses, demo,
probe (text and JSON, agreeing with systemd-detect-virt), bench.  TAP."""
import json
import shutil
import subprocess
import sys

hmx = sys.argv[1]
results = []


def run(*args):
    p = subprocess.run([hmx, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def printable(text):
    return all(c == "\n" or 32 <= ord(c) < 127 for c in text)


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


for cmd in ([], ["demo"], ["probe"], ["bench"], ["bench", "ring"]):
    rc, out, _ = run(*cmd, "--help")
    check("help %s" % " ".join(cmd or ["(top)"]), rc == 0 and "usage: hmx" in out and "Exit status" in out,
          "rc=%d" % rc)

rc, _, err = run()
check("no command is a usage error", rc == 2 and "usage" in err)
rc, _, err = run("frobnicate")
check("unknown command is a usage error", rc == 2 and "unknown command" in err)
rc, _, err = run("demo", "--messages", "0")
check("demo rejects --messages 0", rc == 2 and "--messages" in err)
rc, _, err = run("demo", "--ring-size", "100")
check("demo rejects a tiny ring", rc == 2)
rc, _, err = run("bench", "ring", "--size", "8")
check("bench rejects size 8", rc == 2)
rc, _, err = run("probe", "--force", "inproc")
check("probe rejects forcing inproc", rc == 2)

rc, out, _ = run("demo")
check("demo succeeds", rc == 0 and "errors 0" in out and "ring full" in out, out[-300:])
check("demo prints only text", printable(out), [l for l in out.splitlines() if not printable(l)][:3])
rc, out, _ = run("demo", "--quiet", "--messages", "5000", "--ring-size", "8K")
check("demo 5000 messages quietly", rc == 0 and "received 5000, acknowledged 5000" in out, out)

rc, out, _ = run("bench", "ring", "--bytes", "1M", "--size", "64", "--size", "4096")
rows = [l for l in out.splitlines() if l.strip() and l.split()[0].isdigit()]
check("bench prints one row per size", rc == 0 and len(rows) == 2, out)

rc, out, _ = run("probe", "--json")
try:
    doc = json.loads(out)
    parsed = True
except ValueError:
    doc, parsed = {}, False
check("probe --json is valid JSON", parsed, out[:200])
check("probe exit status is 0 or 3", rc in (0, 3) and (rc == 0) == (doc.get("chosen") != "none"))
rc2, text, _ = run("probe")
check("probe text agrees with JSON", rc2 == rc and ("chosen:      %s" % doc.get("chosen")) in text)

detect = shutil.which("systemd-detect-virt")
if detect:
    virt = subprocess.run([detect, "--vm"], capture_output=True, text=True).stdout.strip()
    expect = {"kvm": "KVM", "xen": "Xen", "microsoft": "Hyper-V", "vmware": "VMware",
              "qemu": "QEMU TCG", "bhyve": "bhyve", "acrn": "ACRN", "qnx": "QNX",
              "oracle": "VirtualBox", "parallels": "Parallels", "none": "none"}.get(virt)
    if expect is None:
        results.append(("probe agrees with systemd-detect-virt", None, "SKIP unknown answer %r" % virt))
    else:
        check("probe agrees with systemd-detect-virt (%s)" % virt, doc.get("hypervisor") == expect,
              "probe said %r" % doc.get("hypervisor"))
else:
    results.append(("probe agrees with systemd-detect-virt", None, "SKIP systemd-detect-virt not installed"))

print("1..%d" % len(results))
failed = 0
for i, (name, ok, detail) in enumerate(results, 1):
    if ok is None:
        print("ok %d - %s # %s" % (i, name, detail))
    elif ok:
        print("ok %d - %s" % (i, name))
    else:
        failed += 1
        print("not ok %d - %s" % (i, name))
        for line in str(detail).splitlines():
            print("#   " + line)
sys.exit(1 if failed else 0)
