#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run libhmx against a real Xen on Arm (dom0less) under qemu-system-aarch64.

  run_xen_arm64.py build --out DIR --fetch SCRIPT --policy-module DIR
  run_xen_arm64.py boot  --out DIR --fetch SCRIPT --policy-module DIR
                         --image IMG --variant argo|flask-deny|silo|disabled
                         [--group NAME]

Xen comes from Debian's source package (fetched by SCRIPT into a cache
outside the source tree) and is built once, for arm64 with Argo and
XSM/Flask, under DIR/xen-arm64; Flask policies are built from the same
source's example policy plus one of this suite's modules.  A stamp keeps
them between runs and a lock lets parallel tests share one build.

A boot describes two dom0less guests, domains 1 and 2, both running IMG,
in QEMU's own device tree; Xen starts them without a dom0.  Xen does not
stop when they are done: the runner watches the serial log for both
guests' result lines (or a crash, or its timeout), then stops the QEMU it
started.  A boot passes when both guests report "N passed, 0 failed" and
ran at least the checks the variant needs.  With --group, the test
judges one group of checks (the guests print GROUP/NAME) from a boot of
the same inputs that finished less than REUSE_S ago, booting only when
there is none: one boot serves every group.  Anything missing - QEMU, the
cross compiler, the build tools, the source, a working build - makes the
test exit 77 (skipped) with the reason.  HMX_XEN_ARM64=skip skips on
purpose.
"""
import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

SKIP = 77
CROSS = "aarch64-linux-gnu-"
QEMU = "qemu-system-aarch64"

# defconfig, then these.  Arm's default XSM is SILO, which refuses Argo
# between guests: Flask is made the default, with its built-in policy.
CONFIG = [
    "CONFIG_EXPERT=y",
    "CONFIG_UNSUPPORTED=y",
    "CONFIG_ARGO=y",
    "CONFIG_XSM=y",
    "CONFIG_XSM_FLASK=y",
    "CONFIG_XSM_FLASK_POLICY=y",
    "CONFIG_XSM_FLASK_DEFAULT=y",
    "# CONFIG_XSM_SILO_DEFAULT is not set",
    "# CONFIG_DEBUG_INFO is not set",
]
STAMP_VERSION = 1
FAILED_RETRY_S = 1800

# The policies: Xen's example policy plus our module (policy/), and for
# "nosend" one edit of the example's guest rules: guests may still enable
# Argo and register rings for each other, but not send to each other.
# (The example policy has no other rule granting argo send to a guest.)
POLICY_MODULE = "hmx_dom0less.te"
GUEST_ARGO_RULE = "allow domain_type domain_type:argo { send register_single_source };"
POLICIES = {
    "allow": None,
    "nosend": ("guest_features.te", GUEST_ARGO_RULE,
               "allow domain_type domain_type:argo register_single_source;"),
}

# variant: Xen's options, the Flask policy loaded as a module (None: Xen's
# built-in one, or none under SILO), the guests' scenario, the fewest
# checks per guest, and whether the domain nodes ask for Xen's
# /hypervisor node (xen,enhanced = "no-xenstore").  Scenario None: Xen
# must refuse to create the guests (the built-in policy has no rule for
# unlabeled domains).
VARIANTS = {
    "argo": ("argo=1 flask=enforcing", "allow", "argo", 36, True),
    "flask-deny": ("argo=1 flask=enforcing", "nosend", "deny", 14, True),
    "silo": ("argo=1 xsm=silo", None, "silo", 13, True),
    "disabled": ("flask=enforcing", "allow", "disabled", 14, True),
    "no-hypervisor-node": ("argo=1 flask=enforcing", "allow", "nonode", 5, False),
    "flask-builtin": ("argo=1 flask=enforcing", None, None, 0, True),
}

MACHINE = ["-machine", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57",
           "-smp", "2", "-m", "1G", "-nic", "none", "-display", "none"]
XEN_COMMON = "console=dtuart loglvl=all guest_loglvl=all conswitch=ax"
GUEST_MEM_KB = 32 * 1024
# Where QEMU's generic loader puts the guest images and the policy: far
# above Xen (loaded near the start of RAM) and QEMU's device tree.
LOAD_BASE = 0x60000000
LOAD_STEP = 0x01000000
MESSAGES = 1200
REUSE_S = 600  # a boot's log serves --group tests for this long


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
        skip("missing " + ", ".join(missing) + " (Debian: qemu-system-arm gcc-aarch64-linux-gnu "
             "flex bison make python3 checkpolicy m4 device-tree-compiler)")


def fetch_source(script, out):
    """Debian's xen source package, unpacked in the cache; its path."""
    t0 = time.monotonic()
    os.makedirs(out, exist_ok=True)
    try:
        with open(os.path.join(out, ".fetch-lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
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


def file_digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]


def reusable(bdir, key, product):
    """True when bdir holds a finished build with this key; skips when the
    same build failed a short while ago."""
    stamp_path = os.path.join(bdir, "hmx-stamp.json")
    failed_path = os.path.join(bdir, "hmx-failed.json")
    if os.path.exists(stamp_path) and os.path.exists(os.path.join(bdir, product)):
        stamp = json.load(open(stamp_path))
        if stamp.get("key") == key:
            log("%s: reused (built %s in %.1f s)" % (os.path.basename(bdir), stamp["when"],
                                                     stamp["seconds"]))
            return True
    if os.path.exists(failed_path):
        failed = json.load(open(failed_path))
        if failed.get("key") == key and time.time() - failed.get("time", 0) < FAILED_RETRY_S:
            skip("%s failed to build %d s ago (log: %s); retried after %d s:\n%s"
                 % (os.path.basename(bdir), time.time() - failed["time"], failed["log"],
                    FAILED_RETRY_S, failed["tail"]))
    return False


def record(bdir, key, ok, secs, blog):
    if ok:
        json.dump({"key": key, "seconds": secs, "when": time.strftime("%Y-%m-%d %H:%M:%S")},
                  open(os.path.join(bdir, "hmx-stamp.json"), "w"))
    else:
        tail = "\n".join(open(blog, errors="replace").read().splitlines()[-15:])
        json.dump({"key": key, "time": time.time(), "log": blog, "tail": tail},
                  open(os.path.join(bdir, "hmx-failed.json"), "w"))


def build_xen(src, out, key):
    """Configure and build the hypervisor.  Returns (ok, seconds, log)."""
    bdir = os.path.join(out, "xen-arm64")
    shutil.rmtree(bdir, ignore_errors=True)
    os.makedirs(bdir)
    blog = os.path.join(out, "xen-arm64-build.log")
    jobs = min(os.cpu_count() or 2, 2)
    t0 = time.monotonic()
    with open(blog, "w") as lf:
        def make(*args):
            return subprocess.run(["make", "-C", os.path.join(src, "xen"), "O=" + bdir,
                                   "XEN_TARGET_ARCH=arm64", "CROSS_COMPILE=" + CROSS] + list(args),
                                  stdin=subprocess.DEVNULL, stdout=lf,
                                  stderr=subprocess.STDOUT).returncode
        ok = make("defconfig") == 0
        if ok:
            with open(os.path.join(bdir, ".config"), "a") as cf:
                cf.write("\n".join(CONFIG) + "\n")
            ok = make("olddefconfig") == 0
        if ok:
            have = open(os.path.join(bdir, ".config")).read().splitlines()
            missing = [l for l in CONFIG if l not in have]
            if missing:
                lf.write("configuration did not take: %s\n" % missing)
                ok = False
        if ok:
            ok = make("-j%d" % jobs) == 0 and os.path.exists(os.path.join(bdir, "xen"))
    secs = time.monotonic() - t0
    record(bdir, key, ok, secs, blog)
    return ok, secs, blog


def build_policy(src, out, name, module_dir, key):
    """Xen's example policy (tools/flask/policy) plus one module of ours,
    compiled with Xen's own policy makefile.  Returns (ok, seconds, log)."""
    bdir = os.path.join(out, "policy-" + name)
    shutil.rmtree(bdir, ignore_errors=True)
    pol_src = os.path.join(src, "tools", "flask", "policy")
    shutil.copytree(os.path.join(pol_src, "policy"), os.path.join(bdir, "policy"))
    shutil.copytree(os.path.join(pol_src, "modules"), os.path.join(bdir, "modules"))
    shutil.copy(os.path.join(module_dir, POLICY_MODULE),
                os.path.join(bdir, "modules", "hmx_dom0less.te"))
    blog = os.path.join(out, "policy-%s-build.log" % name)
    if POLICIES[name] is not None:
        fname, old, new = POLICIES[name]
        path = os.path.join(bdir, "modules", fname)
        text = open(path).read()
        if text.count(old) != 1:
            open(blog, "w").write("%s: the rule to edit is not there once: %s\n" % (path, old))
            record(bdir, key, False, 0.0, blog)
            return False, 0.0, blog
        open(path, "w").write(text.replace(old, new))
    with open(os.path.join(bdir, "modules", "modules.conf"), "a") as mc:
        mc.write("\n# libhmx's test module (dom0less guests are unlabeled)\nhmx_dom0less = on\n")
    t0 = time.monotonic()
    with open(blog, "w") as lf:
        ok = subprocess.run(["make", "-f", os.path.join(pol_src, "Makefile.common"), "-C", bdir,
                             "FLASK_BUILD_DIR=" + bdir,
                             "FLASKDIR=" + os.path.join(src, "xen", "xsm", "flask", "policy"),
                             "POLICY_FILENAME=" + os.path.join(bdir, "policy.bin")],
                            stdin=subprocess.DEVNULL, stdout=lf,
                            stderr=subprocess.STDOUT).returncode == 0
    ok = ok and os.path.exists(os.path.join(bdir, "policy.bin"))
    secs = time.monotonic() - t0
    record(bdir, key, ok, secs, blog)
    return ok, secs, blog


def ensure_xen(args):
    """Xen and the policies built (or reused); returns (src, version)."""
    if os.environ.get("HMX_XEN_ARM64") == "skip":
        skip("HMX_XEN_ARM64=skip")
    need_tools([QEMU, CROSS + "gcc", "make", "gcc", "flex", "bison", "checkpolicy", "m4", "dtc"])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, ".lock"), "w") as lock:
        t0 = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        waited = time.monotonic() - t0
        if waited > 1:
            log("waited %.1f s for another test's Xen build" % waited)
        src = fetch_source(args.fetch, args.out)
        ver = xen_version(src)
        key = {"v": STAMP_VERSION, "src": src, "config": CONFIG}
        if not reusable(os.path.join(args.out, "xen-arm64"), key, "xen"):
            ok, secs, blog = build_xen(src, args.out, key)
            log("xen build: %s in %.1f s (make -j%d; log %s)"
                % ("built" if ok else "FAILED", secs, min(os.cpu_count() or 2, 2), blog))
            if not ok:
                tail = "\n".join(open(blog, errors="replace").read().splitlines()[-15:])
                skip("Xen did not build:\n" + tail)
        for name, module in POLICIES.items():
            pkey = {"v": STAMP_VERSION, "src": src, "edit": list(module or []),
                    "module": file_digest(os.path.join(args.policy_module, POLICY_MODULE))}
            if not reusable(os.path.join(args.out, "policy-" + name), pkey, "policy.bin"):
                ok, secs, blog = build_policy(src, args.out, name, args.policy_module, pkey)
                log("policy %s: %s in %.1f s (log %s)"
                    % (name, "built" if ok else "FAILED", secs, blog))
                if not ok:
                    tail = "\n".join(open(blog, errors="replace").read().splitlines()[-15:])
                    skip("the Flask policy '%s' did not build:\n%s" % (name, tail))
    log("xen: %s (Debian source %s)" % (ver[2], os.path.basename(src)))
    return src, ver


def cmd_build(args):
    ensure_xen(args)
    stamp = json.load(open(os.path.join(args.out, "xen-arm64", "hmx-stamp.json")))
    log("xen-arm64 build time: %.1f s" % stamp["seconds"])
    for name in POLICIES:
        stamp = json.load(open(os.path.join(args.out, "policy-" + name, "hmx-stamp.json")))
        log("policy-%s build time: %.1f s" % (name, stamp["seconds"]))
    return 0


def dts_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def make_dtb(args, name, xen_opts, policy, image_size, scenario, ver, enhanced):
    """QEMU's own device tree plus Xen's dom0less description in /chosen."""
    work = os.path.join(args.out, "boot")
    os.makedirs(work, exist_ok=True)
    base_dtb = os.path.join(work, name + ".qemu.dtb")
    r = subprocess.run([QEMU] + MACHINE[:1] + [MACHINE[1] + ",dumpdtb=" + base_dtb] + MACHINE[2:],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(base_dtb):
        raise RuntimeError("QEMU did not dump its device tree: " + r.stderr)
    base = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", base_dtb],
                          capture_output=True, text=True, check=True).stdout
    loads = []
    nodes = []
    for dom, (role, peer) in enumerate([("a", 2), ("b", 1)], start=1):
        addr = LOAD_BASE + (dom - 1) * LOAD_STEP
        loads.append((args.image, addr))
        bootargs = "role=%s self=%d peer=%d scenario=%s xen=%d.%d messages=%d" % (
            role, dom, peer, scenario, ver[0], ver[1], MESSAGES)
        nodes.append("""
        domU%d {
            compatible = "xen,domain";
            #address-cells = <1>;
            #size-cells = <1>;
            memory = <0 %d>;
            cpus = <1>;
            vpl011;%s
            module@%x {
                compatible = "multiboot,kernel", "multiboot,module";
                reg = <0x%x 0x%x>;
                bootargs = %s;
            };
        };""" % (dom, GUEST_MEM_KB, '\n            xen,enhanced = "no-xenstore";' if enhanced else "",
                 addr, addr, image_size, dts_string(bootargs)))
    if policy is not None:
        addr = LOAD_BASE + 2 * LOAD_STEP
        loads.append((policy, addr))
        nodes.append("""
        xsm-policy@%x {
            compatible = "xen,xsm-policy", "multiboot,module";
            reg = <0x%x 0x%x>;
        };""" % (addr, addr, os.path.getsize(policy)))
    extra = """
/ {
    chosen {
        #address-cells = <1>;
        #size-cells = <1>;
        xen,xen-bootargs = %s;
%s
    };
};
""" % (dts_string(XEN_COMMON + " " + xen_opts), "\n".join(nodes))
    dts = os.path.join(work, name + ".dts")
    dtb = os.path.join(work, name + ".dtb")
    open(dts, "w").write(base + extra)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts], check=True)
    return dtb, loads


def watch(serial, proc, timeout, want_results):
    """Wait until the serial log has want_results result lines, Xen dies,
    QEMU exits, or the timeout; returns (text, why)."""
    t0 = time.monotonic()
    text = ""
    while True:
        time.sleep(0.2)
        text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
        if len(re.findall(r"HMXT result: \d+ passed, \d+ failed", text)) >= want_results:
            return text, "done"
        if re.search(r"Panic on CPU|FATAL PAGE FAULT|Xen BUG at|Assertion .* failed", text):
            time.sleep(0.5)
            return open(serial, errors="replace").read(), "Xen crashed"
        if proc.poll() is not None:
            return text, "QEMU exited with status %s" % proc.returncode
        if time.monotonic() - t0 > timeout:
            return text, "timed out after %d s" % timeout


def inputs_key(paths, extra):
    """What a boot depends on: each file's size and modification time."""
    key = {"extra": extra}
    for p in paths:
        st = os.stat(p)
        key[p] = [st.st_size, st.st_mtime_ns]
    return key


def cmd_boot(args):
    src, ver = ensure_xen(args)
    xen_opts, policy_name, scenario, min_checks, enhanced = VARIANTS[args.variant]
    xen = os.path.join(args.out, "xen-arm64", "xen")
    policy = (os.path.join(args.out, "policy-" + policy_name, "policy.bin")
              if policy_name else None)
    if not os.path.exists(args.image):
        log("FAIL: no guest image at " + args.image)
        return 1
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    serial = os.path.join(logs, args.variant + ".serial.log")
    if "," in serial or "," in args.image:
        skip("a path has a comma, which QEMU's options cannot take")

    key = inputs_key([xen, args.image] + ([policy] if policy else []) +
                     [os.path.abspath(__file__)], [xen_opts, scenario, MESSAGES, enhanced])
    record_path = os.path.join(logs, args.variant + ".boot.json")
    with open(os.path.join(logs, args.variant + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one boot per variant at a time
        rec = None
        if args.group and os.path.exists(record_path) and os.path.exists(serial):
            rec = json.load(open(record_path))
            age = time.time() - rec.get("finished", 0)
            if rec.get("key") != key or age > REUSE_S:
                rec = None
            else:
                log("reusing the %s boot that finished %.0f s ago (its serial log: %s)"
                    % (args.variant, age, serial))
        if rec is None:
            rec = run_qemu(args, ver, xen, policy, policy_name, xen_opts, scenario, serial,
                           enhanced)
            rec["key"] = key
            rec["finished"] = time.time()
            json.dump(rec, open(record_path, "w"))
    if scenario is None:
        return judge_refused(args, rec, ver, serial)
    return judge(args, rec, ver, serial, min_checks)


def run_qemu(args, ver, xen, policy, policy_name, xen_opts, scenario, serial, enhanced):
    """One boot; returns its record (why it ended, seconds, QEMU's output)."""
    if os.path.exists(serial):
        os.unlink(serial)
    dtb, loads = make_dtb(args, args.variant, xen_opts, policy, os.path.getsize(args.image),
                          scenario or "none", ver, enhanced)
    qemu = [QEMU] + MACHINE + ["-monitor", "none", "-serial", "file:" + serial,
                               "-kernel", xen, "-dtb", dtb]
    for path, addr in loads:
        qemu += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (path, addr)]
    log("xen: " + XEN_COMMON + " " + xen_opts +
        (" (Flask policy: %s)" % policy_name if policy_name else ""))
    log("boot: " + " ".join(qemu))

    t0 = time.monotonic()
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        text, why = watch(serial, proc, args.timeout, 2)
    finally:
        if proc.poll() is None:
            proc.kill()  # only the QEMU this test started
        qout = proc.communicate()[0]
    secs = time.monotonic() - t0
    return {"why": why, "seconds": secs, "qemu": qout.decode(errors="replace")}


def judge_refused(args, rec, ver, serial):
    """Xen must refuse to create the first guest: Flask's denial of
    xenboot_t creating an unlabeled_t domain, then Xen's panic."""
    text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
    avc = [l for l in text.splitlines()
           if re.search(r"avc:\s+denied\s+\{ create \}.*scontext=\S*:xenboot_t "
                        r"tcontext=\S*:unlabeled_t tclass=domain", l)]
    refused = [l for l in text.splitlines() if "Error creating domain domU1" in l]
    guests = [l for l in text.splitlines() if re.search(r"DOM[12]: HMXT", l)]
    for l in avc[:1] + refused[:1]:
        log("  xen: " + l.strip())
    log("boot time: %.2f s from QEMU start to Xen's refusal (Xen %s, %s)"
        % (rec["seconds"], ver[2], args.variant))
    problems = []
    if rec["why"] != "Xen crashed":
        problems.append("Xen did not stop: " + rec["why"])
    if not avc:
        problems.append("no AVC denial of xenboot_t creating an unlabeled_t domain")
    if not refused:
        problems.append("Xen did not report that it could not create domU1")
    if guests:
        problems.append("a guest ran")
    if problems:
        log("--- last lines of the serial console (%s)" % serial)
        for l in text.splitlines()[-30:]:
            log("  | " + l)
        for p in problems:
            log("FAIL: " + p)
        return 1
    log("Xen's built-in policy alone refuses the unlabeled dom0less guests: 3 passed, 0 failed")
    return 0


def judge(args, rec, ver, serial, min_checks):
    """The verdict on one boot's serial log: every check, or one group."""
    text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
    why, qout = rec["why"], rec["qemu"]
    # Guest lines arrive as "(XEN) DOMn: ..." or "DOMn: ...".
    per_dom = {1: [], 2: []}
    for l in text.splitlines():
        m = re.search(r"DOM([12]): (HMXT .*)", l)
        if m:
            per_dom[int(m.group(1))].append(m.group(2).rstrip())
    problems = []
    groups = {}
    for dom, lines in per_dom.items():
        for l in lines:
            m = re.match(r"HMXT (ok  |FAIL) ([\w-]+)/", l)
            if args.group is None or (m and m.group(2) == args.group) or "result:" in l:
                log("  d%d %s" % (dom, l))
        result = None
        for l in lines:
            m = re.match(r"HMXT (ok  |FAIL) ([\w-]+)/", l)
            if m:
                g = groups.setdefault(m.group(2), [0, 0])
                g[0 if m.group(1) == "ok  " else 1] += 1
            m = re.match(r"HMXT result: (\d+) passed, (\d+) failed", l)
            if m:
                result = (int(m.group(1)), int(m.group(2)))
        if result is None:
            problems.append("d%d gave no result line" % dom)
        elif args.group is not None:
            pass  # judged below, on the group alone
        elif result[1] != 0:
            problems.append("d%d: %d checks failed" % (dom, result[1]))
        elif result[0] < min_checks:
            problems.append("d%d ran only %d checks (want at least %d)"
                            % (dom, result[0], min_checks))
    if why != "done":
        problems.append(why)
    xen_errors = [l for l in text.splitlines()
                  if re.search(r"Panic|FATAL|Xen BUG|Assertion", l)]
    if xen_errors:
        problems.append("Xen reported: " + "; ".join(xen_errors[:3]))
    if args.group is not None:
        g = groups.get(args.group, [0, 0])
        if g[1]:
            problems.append("%d checks of group %s failed" % (g[1], args.group))
        elif g[0] == 0:
            problems.append("no check of group %s ran" % args.group)
    if args.variant == "flask-deny" and args.group is None:
        # Xen's own word on the refusal: the AVC denial and Argo's message.
        avc = [l for l in text.splitlines() if re.search(r"avc:\s+denied\s+\{ send \}", l)]
        rej = [l for l in text.splitlines() if "argo: XSM REJECTED" in l]
        for l in (avc[:1] + rej[:1]):
            log("  xen: " + l.strip())
        if not avc:
            problems.append("Xen logged no AVC denial of argo send")
        else:
            log("Xen logged %d AVC denial(s) of argo send" % len(avc))

    log("groups (both guests): " + ", ".join(
        "%s %d/%d" % (g, c[0], c[0] + c[1]) for g, c in sorted(groups.items())))
    log("boot time: %.2f s from QEMU start to both guests' results (Xen %s, %s)"
        % (rec["seconds"], ver[2], args.variant))
    if problems:
        log("--- last lines of the serial console (%s)" % serial)
        for l in text.splitlines()[-80:]:
            log("  | " + l)
        if qout:
            log("--- QEMU said:\n" + qout)
        for p in problems:
            log("FAIL: " + p)
        return 1
    if args.group is not None:
        log("group %s: %d passed, 0 failed (both guests)" % (args.group, groups[args.group][0]))
        return 0
    total = sum(c[0] for c in groups.values())
    log("%d passed, 0 failed (both guests)" % total)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["build", "boot"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--fetch", required=True, help="scripts/debian-source.sh")
    ap.add_argument("--policy-module", required=True, help="this suite's policy/ directory")
    ap.add_argument("--image")
    ap.add_argument("--variant", choices=sorted(VARIANTS))
    ap.add_argument("--group", help="judge only this group of checks")
    ap.add_argument("--timeout", type=int,
                    default=int(os.environ.get("HMX_XEN_BOOT_TIMEOUT", "240")))
    args = ap.parse_args()
    if args.command == "build":
        return cmd_build(args)
    if not (args.image and args.variant):
        ap.error("boot needs --image and --variant")
    return cmd_boot(args)


if __name__ == "__main__":
    sys.exit(main())
