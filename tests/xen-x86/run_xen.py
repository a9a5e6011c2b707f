#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run libhmx against a real Xen on x86 under QEMU (TCG).

  run_xen.py build  --out DIR --fetch SCRIPT
  run_xen.py boot   --out DIR --fetch SCRIPT --dom0 ELF --mode pvh|pv
                    --variant argo|permissive|disabled|absent
  run_xen.py layout --out DIR --fetch SCRIPT --check-src FILE -- CC ARGS...

Xen comes from Debian's source package (fetched by SCRIPT into a cache
outside the source tree) and is built twice at once, out of its tree, under
DIR/xen-argo (CONFIG_ARGO=y) and DIR/xen-noargo (the control); a stamp keeps
both between runs and a lock lets parallel tests share one build.  A boot
passes when the dom0 prints "HMXT result: N passed, 0 failed" on Xen's
serial console and QEMU leaves through isa-debug-exit with status 1 (the
dom0 wrote 0).  Anything the suite needs and lacks - QEMU, the build tools,
the source, a working build - makes the test exit 77 (skipped) with the
reason.  HMX_XEN_X86=skip skips on purpose.
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time

SKIP = 77

# Xen's hypervisor configuration: defconfig, then these.  Debug info and
# features this suite never touches are left out to shorten the build.
CONFIG_COMMON = [
    "CONFIG_EXPERT=y",
    "CONFIG_UNSUPPORTED=y",
    "# CONFIG_DEBUG_INFO is not set",
    "# CONFIG_TBOOT is not set",
    "# CONFIG_KEXEC is not set",
    "# CONFIG_XENOPROF is not set",
    "# CONFIG_LIVEPATCH is not set",
    "# CONFIG_TRACEBUFFER is not set",
    "# CONFIG_HYPFS is not set",
    "# CONFIG_GDBSX is not set",
    "# CONFIG_SCHED_CREDIT is not set",
]
CONFIGS = {
    "argo": CONFIG_COMMON + ["CONFIG_ARGO=y"],
    "noargo": CONFIG_COMMON + ["# CONFIG_ARGO is not set"],
}
STAMP_VERSION = 1
FAILED_RETRY_S = 1800  # a failed build is retried after this long

QEMU = "qemu-system-x86_64"
XEN_CMDLINE = ("console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all "
               "dom0_mem=64M noreboot")

# variant: Xen build, extra Xen options, what the probe must say, MAC.
VARIANTS = {
    "argo": ("argo", "argo=1", "present", "strict"),
    "permissive": ("argo", "argo=1,mac-permissive=1", "present", "permissive"),
    "disabled": ("argo", "", "disabled", "strict"),
    "absent": ("noargo", "argo=1", "absent", "strict"),
}
# Fewest checks a complete run prints: a dom0 that stops early fails.
MIN_CHECKS = {"present": 70, "disabled": 17, "absent": 17}


def log(msg):
    print(msg, flush=True)


def skip(reason):
    log("SKIP: " + reason)
    sys.exit(SKIP)


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "libhmx-deps")


def need_tools(tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        skip("missing " + ", ".join(missing) +
             " (Debian: qemu-system-x86 flex bison make gcc python3)")


def fetch_source(script, out):
    """Debian's xen source package, unpacked in the cache; its path."""
    t0 = time.monotonic()
    os.makedirs(out, exist_ok=True)
    try:
        with open(os.path.join(out, ".fetch-lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one unpacking at a time
            r = subprocess.run(["sh", script, "xen", cache_dir()], capture_output=True,
                               text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        skip("could not fetch Xen's source: %s" % e)
    if r.returncode != 0 or not r.stdout.strip():
        tail = "\n".join(r.stderr.strip().splitlines()[-5:])
        skip("could not fetch Debian's xen source package:\n" + tail)
    src = r.stdout.strip().splitlines()[-1]
    if not os.path.isfile(os.path.join(src, "xen", "Makefile")):
        skip("Xen's source has no xen/Makefile at " + src)
    log("xen source: %s (%.1f s)" % (src, time.monotonic() - t0))
    return src


def xen_version(src):
    """(major, minor, full) from xen/Makefile."""
    text = open(os.path.join(src, "xen", "Makefile")).read()
    maj = re.search(r"^export XEN_VERSION\s*=\s*(\d+)", text, re.M)
    mnr = re.search(r"^export XEN_SUBVERSION\s*=\s*(\d+)", text, re.M)
    ext = re.search(r"^export XEN_EXTRAVERSION\s*\?=\s*(\.\d+)", text, re.M)
    if not maj or not mnr:
        skip("cannot read Xen's version from xen/Makefile")
    full = "%s.%s%s" % (maj.group(1), mnr.group(1), ext.group(1) if ext else "")
    return int(maj.group(1)), int(mnr.group(1)), full


def config_ok(cfg_path, lines):
    have = open(cfg_path).read().splitlines()
    return [l for l in lines if l not in have]


def build_key(src, lines):
    return {"v": STAMP_VERSION, "src": src, "config": lines}


def reusable(src, out, name, lines):
    """True when DIR/xen-NAME holds a finished build of this source and
    configuration; skips when it failed to build a short while ago."""
    bdir = os.path.join(out, "xen-" + name)
    stamp_path = os.path.join(bdir, "hmx-stamp.json")
    failed_path = os.path.join(bdir, "hmx-failed.json")
    key = build_key(src, lines)
    if os.path.exists(stamp_path) and os.path.exists(os.path.join(bdir, "xen")):
        stamp = json.load(open(stamp_path))
        if stamp.get("key") == key:
            log("xen-%s: reused (built %s in %.1f s)" % (name, stamp["when"], stamp["seconds"]))
            return True
    if os.path.exists(failed_path):
        failed = json.load(open(failed_path))
        if failed.get("key") == key and time.time() - failed.get("time", 0) < FAILED_RETRY_S:
            skip("xen-%s failed to build %d s ago (log: %s); retried after %d s:\n%s"
                 % (name, time.time() - failed["time"], failed["log"], FAILED_RETRY_S,
                    failed["tail"]))
    return False


def build_one(src, out, name, lines, jobs):
    """Configure and build one hypervisor.  Returns (ok, seconds, log)."""
    bdir = os.path.join(out, "xen-" + name)
    shutil.rmtree(bdir, ignore_errors=True)
    os.makedirs(bdir)
    blog = os.path.join(out, "xen-%s-build.log" % name)
    t0 = time.monotonic()
    with open(blog, "w") as lf:
        def make(*args):
            return subprocess.run(["make", "-C", os.path.join(src, "xen"), "O=" + bdir] +
                                  list(args), stdin=subprocess.DEVNULL, stdout=lf,
                                  stderr=subprocess.STDOUT).returncode
        ok = make("defconfig") == 0
        if ok:
            with open(os.path.join(bdir, ".config"), "a") as cf:
                cf.write("\n".join(lines) + "\n")
            ok = make("olddefconfig") == 0
        if ok:
            missing = config_ok(os.path.join(bdir, ".config"), lines)
            if missing:
                lf.write("configuration did not take: %s\n" % missing)
                ok = False
        if ok:
            ok = make("-j%d" % jobs) == 0 and os.path.exists(os.path.join(bdir, "xen"))
    secs = time.monotonic() - t0
    key = build_key(src, lines)
    if ok:
        json.dump({"key": key, "seconds": secs, "when": time.strftime("%Y-%m-%d %H:%M:%S")},
                  open(os.path.join(bdir, "hmx-stamp.json"), "w"))
    else:
        tail = "\n".join(open(blog, errors="replace").read().splitlines()[-15:])
        json.dump({"key": key, "time": time.time(), "log": blog, "tail": tail},
                  open(os.path.join(bdir, "hmx-failed.json"), "w"))
    return ok, secs, blog


def ensure_xen(args):
    """Both hypervisors built (or reused); returns (src, version)."""
    if os.environ.get("HMX_XEN_X86") == "skip":
        skip("HMX_XEN_X86=skip")
    need_tools([QEMU, "make", "gcc", "flex", "bison", "python3"])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, ".lock"), "w") as lock:
        t0 = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        waited = time.monotonic() - t0
        if waited > 1:
            log("waited %.1f s for another test's Xen build" % waited)
        src = fetch_source(args.fetch, args.out)
        ver = xen_version(src)
        todo = [n for n, lines in CONFIGS.items() if not reusable(src, args.out, n, lines)]
        if todo:
            # Both at once: each build has long serial stretches (configure,
            # the final links), which the other fills.
            jobs = os.cpu_count() or 2
            t0 = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(len(todo)) as ex:
                results = dict(zip(todo, ex.map(
                    lambda n: build_one(src, args.out, n, CONFIGS[n], jobs), todo)))
            for name, (ok, secs, blog) in results.items():
                log("xen-%s: %s in %.1f s (make -j%d, %d builds at once; log %s)"
                    % (name, "built" if ok else "FAILED", secs, jobs, len(todo), blog))
            log("xen build: %.1f s in all" % (time.monotonic() - t0))
            bad = [n for n, r in results.items() if not r[0]]
            if bad:
                tail = "\n".join(open(results[bad[0]][2], errors="replace")
                                 .read().splitlines()[-15:])
                skip("Xen (%s) did not build:\n%s" % (", ".join(bad), tail))
    log("xen: %s (Debian source %s)" % (ver[2], os.path.basename(os.path.dirname(src)) or src))
    return src, ver


def cmd_build(args):
    ensure_xen(args)
    for name in CONFIGS:
        stamp = json.load(open(os.path.join(args.out, "xen-" + name, "hmx-stamp.json")))
        log("xen-%s build time: %.1f s" % (name, stamp["seconds"]))
    return 0


def cmd_boot(args):
    src, (maj, mnr, full) = ensure_xen(args)
    build, xen_opts, expect, mac = VARIANTS[args.variant]
    xen = os.path.join(args.out, "xen-" + build, "xen")
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    name = "%s-%s" % (args.mode, args.variant)
    serial = os.path.join(logs, name + ".serial.log")
    if os.path.exists(serial):
        os.unlink(serial)

    xen_cmd = XEN_CMDLINE + (" " + xen_opts if xen_opts else "")
    if args.mode == "pvh":
        xen_cmd += " dom0=pvh"
    dom0_cmd = "expect=%s mac=%s xen=%d.%d" % (expect, mac, maj, mnr)
    if "," in args.dom0 or " " in args.dom0:
        skip("the dom0 image's path has a comma or a space, which QEMU's -initrd cannot take")
    qemu = [QEMU, "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512M",
            "-nodefaults", "-display", "none", "-monitor", "none", "-no-reboot",
            "-serial", "file:" + serial,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", xen, "-append", xen_cmd, "-initrd", args.dom0 + " " + dom0_cmd]
    if args.mode == "pvh":
        qemu += ["-device", "amd-iommu"]  # Xen wants an IOMMU for a PVH dom0
    log("boot: " + " ".join(qemu))

    t0 = time.monotonic()
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    timed_out = False
    try:
        qout, _ = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()  # only the QEMU this test started
        qout, _ = proc.communicate()
    secs = time.monotonic() - t0
    status = proc.returncode
    text = open(serial, errors="replace").read() if os.path.exists(serial) else ""

    dom0 = [l[l.index("HMXT "):] for l in text.splitlines() if "HMXT " in l]
    for l in dom0:
        log("  " + l)
    fails = [l for l in dom0 if l.startswith("HMXT FAIL")]
    m = None
    for l in dom0:
        m = re.match(r"HMXT result: (\d+) passed, (\d+) failed", l) or m
    passed, failed = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    xen_errors = [l for l in text.splitlines()
                  if re.search(r"panic|Panic|crashed|FATAL|BUG", l)]

    problems = []
    if timed_out:
        problems.append("QEMU still running after %d s: killed" % args.timeout)
    elif status != 1:
        problems.append("QEMU exit status %s (want 1: the dom0 wrote 0 to isa-debug-exit)"
                        % status)
    if m is None:
        problems.append("no result line from the dom0")
    elif failed or fails:
        problems.append("%d checks failed" % max(failed, len(fails)))
    elif passed < MIN_CHECKS[expect]:
        problems.append("only %d checks ran (want at least %d)" % (passed, MIN_CHECKS[expect]))
    if xen_errors:
        problems.append("Xen reported: " + "; ".join(xen_errors[:3]))

    log("boot time: %.2f s from QEMU start to exit (Xen %s, %s dom0, %s)"
        % (secs, full, args.mode.upper(), args.variant))
    if problems:
        log("--- last lines of the serial console (%s)" % serial)
        for l in text.splitlines()[-60:]:
            log("  | " + l)
        if qout:
            log("--- QEMU said:\n" + qout.decode(errors="replace"))
        for p in problems:
            log("FAIL: " + p)
        log("%d passed, %d failed" % (passed, max(failed, len(fails), 1)))
        return 1
    log("%d passed, 0 failed" % passed)
    return 0


def cmd_layout(args):
    """Compile layout_check.c against Xen's public headers and run it."""
    if os.environ.get("HMX_XEN_X86") == "skip":
        skip("HMX_XEN_X86=skip")
    src = fetch_source(args.fetch, args.out)
    if not args.cc:
        skip("no compiler given")
    os.makedirs(args.out, exist_ok=True)
    exe = os.path.join(args.out, "layout_check")
    cmd = args.cc + ["-std=gnu11", "-Wall", "-Werror", "-I", os.path.join(src, "xen", "include")]
    cmd += [a for inc in args.include for a in ("-I", inc)]
    cmd += [args.check_src, "-o", exe]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        log(" ".join(cmd))
        log(r.stdout + r.stderr)
        log("FAIL: the layout check did not compile")
        return 1
    r = subprocess.run([exe], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    return r.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["build", "boot", "layout"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--fetch", required=True, help="scripts/debian-source.sh")
    ap.add_argument("--dom0")
    ap.add_argument("--mode", choices=["pvh", "pv"])
    ap.add_argument("--variant", choices=sorted(VARIANTS))
    ap.add_argument("--timeout", type=int,
                    default=int(os.environ.get("HMX_XEN_BOOT_TIMEOUT", "120")))
    ap.add_argument("--check-src")
    ap.add_argument("--include", action="append", default=[])
    argv = sys.argv[1:]
    cc = []
    if "--" in argv:  # layout: the compiler command follows "--"
        cc = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = ap.parse_args(argv)
    args.cc = cc
    if args.command == "build":
        return cmd_build(args)
    if args.command == "boot":
        if not (args.dom0 and args.mode and args.variant):
            ap.error("boot needs --dom0, --mode and --variant")
        return cmd_boot(args)
    return cmd_layout(args)


if __name__ == "__main__":
    sys.exit(main())
