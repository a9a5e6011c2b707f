#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The hmx command line as a user meets it: help, exit statuses, demo,
probe (text and JSON, agreeing with systemd-detect-virt), bench, policy
check.  TAP."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

hmx = sys.argv[1]
results = []


def run(*args):
    p = subprocess.run([hmx, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def printable(text):
    return all(c == "\n" or 32 <= ord(c) < 127 for c in text)


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


for cmd in ([], ["demo"], ["probe"], ["bench"], ["bench", "ring"], ["policy"], ["policy", "check"]):
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

rc, out, _ = run("demo")
check("demo shows discovery and an implicit send first",
      rc == 0 and "discovery:" in out and "implicit" in out
      and out.index("discovery:") < out.index("query dom2:2000"), out[:800])

# hmx policy check: rule files of our own, good and bad.
tmp = tempfile.mkdtemp(prefix="hmx-cli-")


def rule_file(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


rules = rule_file("rules.txt", """# frontend and backend
deny  send     @front:*   -> @back:virtio-2      # no block device
allow *        @front:*   -> @back:*
allow register provider:* -> *:*
allow send     *:*        -> provider:discovery
""")
labels = ("--label", "1=front", "--label", "2=back")
rc, out, _ = run("policy", "check", rules)
check("policy check accepts a well-formed file", rc == 0 and "4 rules, well formed" in out, out)
rc, out, _ = run("policy", "check", rules, "--from", "1:7", "--to", "2:80", *labels)
check("policy check: allowed, by the rule on line 3",
      rc == 0 and "decided by rule 1, line 3:" in out and out.rstrip().endswith("allow"), out)
rc, out, _ = run("policy", "check", rules, "--from", "1:7", "--to", "2:virtio-2", *labels)
check("policy check: denied, by the rule on line 2 (first match)",
      rc == 1 and "decided by rule 0, line 2:" in out and out.rstrip().endswith("deny"), out)
rc, out, _ = run("policy", "check", rules, "--from", "1:7", "--to", "2:80")
check("policy check: no labels, no rule matches: the default denies",
      rc == 1 and "default" in out and out.rstrip().endswith("deny"), out)
rc, out, _ = run("policy", "check", rules, "--op", "register", "--from", "provider:0",
                 "--to", "1:40")
check("policy check --op register", rc == 0 and "line 4" in out, out)
rc, out, _ = run("policy", "check", rules, "--op", "query", "--from", "3:0",
                 "--to", "provider:discovery")
check("policy check: a query is decided as a send", rc == 0 and "line 5" in out, out)
bad = rule_file("bad.txt", "allow send *:* -> *:*\n\n# fine so far\nallow send 1:* => 2:80\n")
rc, out, err = run("policy", "check", bad, "--from", "1:7", "--to", "2:80")
check("policy check rejects a malformed file with its line number",
      rc == 3 and (bad + ":4:16:") in err and "'->'" in err and "^" in err, err)
bad = rule_file("bad2.txt", "allow send @this-label-is-too-long:* -> *:*\n")
rc, _, err = run("policy", "check", bad)
check("policy check rejects a bad label", rc == 3 and ":1:12:" in err and "label" in err, err)
big = rule_file("big.txt", "".join("allow send %d:* -> *:*\n" % i for i in range(65)))
rc, _, err = run("policy", "check", big)
check("policy check: more than 64 rules", rc == 3 and ":65:1:" in err and "64" in err, err)
rc, _, err = run("policy", "check", os.path.join(tmp, "missing.txt"))
check("policy check: an unreadable file", rc == 2 and "cannot read" in err, err)
for args in (["--from", "1:7"], ["--from", "x:1", "--to", "2:2"], ["--from", "1:*", "--to", "2:2"],
             ["--op", "frob"], ["--label", "1=no spaces"], ["--bogus"]):
    rc, _, err = run("policy", "check", rules, *args)
    check("policy check rejects %s" % " ".join(args), rc == 2, err)
rc, _, err = run("policy")
check("policy without a subcommand is a usage error", rc == 2 and "usage" in err)
shutil.rmtree(tmp, ignore_errors=True)

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
