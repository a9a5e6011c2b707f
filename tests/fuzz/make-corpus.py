#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of every fuzz target: tests/fuzz/corpus/<target>/seed-*.

Each seed is one of the unit tests' situations, encoded in the input format
its target decodes (see the decoding code of tests/fuzz/fuzz_<target>.c):
rings with messages, wrapped and corrupt; a provider session of three
domains on every route; the unit tests' device trees and SMCCC answers;
Xen, KVM and the HMX block behind CPUID; each trapping backend with its
answers.  Files named regress-* are inputs that once found a bug: this
script leaves them alone.

usage: make-corpus.py [OUTDIR]   (default: the corpus/ next to this script)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v):
    return struct.pack("<B", v & 0xFF)


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def rup(n):
    return (n + 15) // 16 * 16


# ---- fuzz_ring --------------------------------------------------------------

def ring_hdr(flags, lenraw, rx, tx, data=b""):
    return u8(flags) + u32(lenraw) + u32(rx) + u32(tx) + u16(len(data)) + data


def ring_msg(mlen, port=1, dom=7, typ=1, payload_len=None):
    body = u32(mlen) + u32(port) + u32(dom) + u32(typ)
    n = mlen - 16 if payload_len is None else payload_len
    return body + bytes((i * 7 + 3) & 0xFF for i in range(max(n, 0)))


def ring_write(sizes, typ=5, port=80, dom=2):
    out = u8(8) + u8(len(sizes)) + u32(typ) + u32(port) + u16(dom)
    for s in sizes:
        out += u16(s)
    return out


def ring_recv(case, value=0, info=1):
    """recv with a capacity: case 0 near the payload, 1 small, 2 any, 3 enormous."""
    return u8(0) + u32(info | case << 1 | value << 3)


def ring_seeds():
    L256 = (256 - 48) // 16  # lenraw of a 256-byte ring
    seeds = {}
    # A fresh ring: write three messages, read them back every way.
    seeds["write-read"] = (ring_hdr(1, L256, 0, 0) + ring_write([5]) + ring_write([0, 20]) +
                           ring_write([100]) + u8(2) + ring_recv(2, 4096) +
                           u8(1) + u8(2) + u16(0x8000 | 10) + u16(0x8000 | 100) + u8(3) + u8(4))
    # Fill until the writer meets the free slot, drain, write across the wrap.
    seeds["fill-wrap"] = (ring_hdr(1, L256, 0, 0) + ring_write([40]) * 5 + u8(3) * 3 +
                          ring_write([150]) + ring_write([60]) + u8(3) * 4)
    # Adopt a ring holding one message at rx 128.
    msg = ring_msg(36)
    data = bytes(128) + msg
    seeds["adopt"] = ring_hdr(0, L256, 128, 128 + rup(36), data) + ring_recv(0, 1) + u8(4)
    # A message that wraps: header at 224, payload continues at 0.
    data = bytes((i * 7 + 3) & 0xFF for i in range(224)) + ring_msg(56)[:32]
    seeds["wrapped"] = ring_hdr(0, L256, 224, (224 + rup(56)) % 256, data) + ring_recv(3)
    # Corrupt: tx_ptr == len, unaligned tx, mlen huge, mlen < 16.
    seeds["tx-len"] = ring_hdr(0, L256, 0, 256, ring_msg(20)) + u8(2) + u8(4)
    seeds["tx-unaligned"] = ring_hdr(0, L256, 0, 17, ring_msg(20)) + u8(3)
    seeds["mlen-huge"] = ring_hdr(0, L256, 0, 64, ring_msg(0xFFFFFFF0, payload_len=0)) + u8(2)
    seeds["mlen-short"] = ring_hdr(0, L256, 0, 64, ring_msg(8, payload_len=0)) + u8(0) + u32(0)
    # Forged headers and a hostile tx between calls.
    seeds["forge"] = (ring_hdr(1, L256, 0, 0) + u8(7) + u8(1 | 4) + u16(30) + u32(1) + u32(2) +
                      u32(3) + u8(2) + ring_recv(2, 4096) + u8(6) + u32(0xFFFFFFF0) + u8(3))
    # The largest ring, and lengths that are not rings.
    seeds["max-len"] = (ring_hdr(4, (0x1000000 - 48) // 16, 0, 0) + ring_write([1000, 2000]) +
                        u8(3) + u8(3))
    seeds["bad-len"] = ring_hdr(2, 0x1000010, 0, 0)
    seeds["bad-len-small"] = ring_hdr(2, 32, 0, 0)
    seeds["bad-rx"] = ring_hdr(0, L256, 8, 0)
    return seeds


# ---- fuzz_provider ----------------------------------------------------------

ARENA = 8 * 4096


def gaddr(off):
    return u8(0) + u16(off)


def p_register(route, caller=0, port=1, partner=1, pages=1, gfn0=0, reset=True, flags=0,
               s_reg=30000, s_gfn=30100):
    op = 0 + 12 * route
    sel = 0 if reset else 0x20
    sel2 = 1 if flags else 0
    out = u8(op) + u8(sel) + u8(sel2) + u8(caller) + u8(port - 1) + u8(partner)
    out += u8(1) + u8(pages - 1)          # pick_len: hmx_ring_len_for(pages * 4096)
    out += u8(gfn0)
    if route:
        out += gaddr(s_reg) + gaddr(s_gfn)
    return out


def p_send(route, slot=0, sizes=(10,), off=20000, typ=9, s_addr=31000, s_iov=31100):
    op = 3 + 12 * route
    out = u8(op) + u8(1) + u8(0) + u8(slot)
    out += u8(len(sizes))
    for i, n in enumerate(sizes):
        out += u8(0x40) + gaddr(off + 100 * i) + u16(n)
    out += u32(typ)
    if route:
        out += gaddr(s_addr) + gaddr(s_iov)
    return out


def p_notify(caller, queries):
    """queries: list of (slot, space_required)"""
    out = u8(6) + u8(len(queries)) + u8(caller)
    for slot, space in queries:
        out += u8(1 | (1 << 1)) + u8(slot) + u16(space)
    return out


def p_notify_call(route, caller, queries, s=29000):
    op = 7 + 12 * (route - 1)
    out = u8(op) + u8(len(queries)) + u8(caller)
    for slot, space in queries:
        out += u8(1 | (1 << 1)) + u8(slot) + u16(space)
    out += gaddr(s)
    return out


def p_recv(slot):
    return u8(8) + u8(slot) + u8(0)


def p_unregister(route, slot=0):
    return u8(2 + 12 * route) + u8(1) + u8(0) + u8(slot) + (gaddr(28000) if route else b"")


def p_domain_remove(idx):
    return u8(10) + u8(1) + u8(idx)


def p_scribble_rx(slot, value):
    return u8(9) + u8(0) + u8(1 | 2) + u8(4) + u8(slot) + u8(0) + u32(value)


def provider_seeds():
    head = u8(0) + u8(0) + u8(0) * 3          # no policy, ids 1 2 3
    seeds = {}
    for route in range(3):
        name = ["direct", "call", "smccc"][route]
        body = p_register(route, caller=0, port=1, partner=1)
        body += p_send(route, sizes=(10,)) + p_send(route, sizes=(100, 0, 7))
        body += p_recv(0) + p_notify(1, [(0, 0), (0, 4000), (0, 5000)])
        if route:
            body += p_notify_call(route, 1, [(0, 100), (0, 4001)])
        body += p_recv(0) + p_unregister(route)
        seeds["session-" + name] = head + body
    # A full ring: EAGAIN, a waiter, the owner reads, notify wakes it.
    body = p_register(0, caller=0, port=1, partner=1)
    body += p_send(0, sizes=(1000,)) * 5 + p_notify(1, [(0, 1000)])
    body += p_recv(0) + p_recv(0) + p_notify(0, []) + p_send(0, sizes=(1000,))
    seeds["backpressure"] = head + body
    # A wildcard ring (permissive provider), two senders, a partner dies.
    wild = u8(1) + u8(0) + u8(0) * 3
    body = p_register(0, caller=0, port=2, partner=3)
    body += u8(3) + u8(1 | 2) + u8(1) + u8(0) + u8(1) + u8(0x40) + gaddr(100) + u16(33) + u32(1)
    body += u8(3) + u8(1 | 2) + u8(2) + u8(0) + u8(1) + u8(0x40) + gaddr(100) + u16(44) + u32(2)
    body += p_domain_remove(1) + p_recv(0) + p_recv(0)
    seeds["wildcard"] = wild + body
    # Two rings on the same frames, and a guest that scribbles on rx_ptr.
    body = p_register(0, caller=0, port=1, partner=1, pages=2, gfn0=2)
    body += p_register(0, caller=0, port=3, partner=2, pages=1, gfn0=2)
    body += p_send(0, slot=0, sizes=(50,)) + p_scribble_rx(0, 0xFFFFFFFF) + p_send(0, slot=0)
    seeds["overlap-scribble"] = head + body
    # A policy that denies some of it.
    body = p_register(0, caller=0, port=1, partner=1) + p_send(0) + p_notify(1, [(0, 1), (0, 2)])
    seeds["policy"] = u8(0x20 | 0x80) + u64(0x5555AAAA0F0FF0F0) + u8(5) + u8(0) * 3 + body
    # Bad arguments: oversized ring, frames off the end of memory, bad pad.
    body = u8(0) + u8(0) + u8(0) + u8(0) + u8(0) + u8(1) + u8(3) + u32(0x7FFFFF) + u8(7)
    body += u8(0) + u8(2 | 4) + u8(0) + u8(0) + u8(0) + u8(1) + u8(1) + u8(0) + u8(9) + u8(3)
    body += p_register(0, caller=0, port=1, partner=1, pages=8, gfn0=1)
    seeds["bad-register"] = head + body
    return seeds


# ---- device trees (as tests/fuzz/fdt_build.h) -------------------------------

class Fdt:
    def __init__(self):
        self.st = b""
        self.strs = b""

    def word(self, v):
        self.st += struct.pack(">I", v)

    def pad(self, b):
        return b + bytes((4 - len(b) % 4) % 4)

    def string(self, s):
        s = s.encode() + b"\0"
        i = self.strs.find(s)
        if i >= 0 and (i == 0 or self.strs[i - 1] == 0):
            return i
        self.strs += s
        return len(self.strs) - len(s)

    def begin(self, name):
        self.word(1)
        self.st += self.pad(name.encode() + b"\0")

    def end(self):
        self.word(2)

    def prop(self, name, val):
        self.word(3)
        self.word(len(val))
        self.word(self.string(name))
        self.st += self.pad(val)

    def finish(self):
        self.word(9)
        off_st = 40 + 16
        off_str = off_st + len(self.st)
        total = off_str + len(self.strs)
        hdr = struct.pack(">10I", 0xD00DFEED, total, off_st, off_str, 40, 17, 16, 0,
                          len(self.strs), len(self.st))
        return hdr + bytes(16) + self.st + self.strs


def fdt_template(which):
    xen = which in (0, 2, 5)
    hmx = which in (0, 1, 3, 5)
    b = Fdt()
    b.begin("")
    b.prop("compatible", b"linux,dummy-virt\0")
    b.prop("#address-cells", struct.pack(">I", 2))
    b.prop("#size-cells", struct.pack(">I", 2))
    b.begin("chosen")
    b.end()
    if xen:
        b.begin("hypervisor")
        b.prop("compatible", b"xen,xen-4.17\0xen,xen\0")
        if which == 5:
            b.prop("status", b"disabled\0")
        b.end()
    if hmx:
        b.begin("firmware")
        b.begin("hmx")
        b.prop("compatible", b"hmx,argo\0")
        b.prop("conduit", b"smc\0" if which == 1 else b"hvc\0")
        if which != 1:
            b.prop("hmx,function-base", struct.pack(">I", 0xC5000100))
        if which == 3:
            b.prop("interrupts", struct.pack(">3I", 0, 7, 4))
            b.prop("status", b"okay\0")
        b.end()
        b.end()
    b.end()
    return b.finish()


def fdt_answers(sel=0, uid_words=None, xen_sel=0, xen_raw=0):
    out = u8(sel)
    if sel & 1:
        out += u32(0xC5000100)
    if (sel >> 2) & 3 == 1:
        out += u8(0)                    # SMCCC 1.0
    elif (sel >> 2) & 3 >= 2:  # noqa
        out += u64(0x10002)
    if (sel >> 4) & 3 == 1:
        out += u8(0) + u32(0xFFFF)
    elif (sel >> 4) & 3 == 3:
        for w in uid_words:
            out += u64(w)
    out += u64(0x10000) if sel & 0x40 else u8(0)
    if sel & 0x80:
        out += u64(0)
    out += u64(0)                       # features x1
    out += u8(xen_sel)
    out += u64(xen_raw) if xen_sel & 0x20 else u8(xen_raw)
    return out


def probe_fdt_seeds():
    seeds = {}
    for t in range(6):
        seeds["tree-%d" % t] = u8(0) + fdt_answers() + fdt_template(t)
        seeds["template-%d" % t] = u8(1) + fdt_answers() + u8(t)
    # SMCCC 1.0; Xen's UID at the HMX base; a random UID; Argo absent (-ENOSYS).
    seeds["smccc-1.0"] = u8(0) + fdt_answers(sel=1 << 2) + fdt_template(1)
    seeds["xen-uid"] = u8(0) + fdt_answers(sel=2 << 4) + fdt_template(0)
    seeds["uid-random"] = u8(0) + fdt_answers(sel=3 << 4, uid_words=[1, 2, 3, 4]) + fdt_template(3)
    seeds["argo-enosys"] = u8(0) + fdt_answers(xen_sel=0x20, xen_raw=(1 << 64) - 38) + fdt_template(2)
    seeds["user-mode"] = u8(2) + fdt_answers() + fdt_template(0)
    seeds["allow-smccc"] = u8(0x10) + fdt_answers() + u8(1) + fdt_template(0)
    # Patches: totalsize beyond the buffer, a truncated caller size, a bad tag.
    seeds["patch-totalsize"] = u8(1) + fdt_answers() + u8(0) + u8(3) + u16(4) + u32(0x10000)
    seeds["patch-tag"] = u8(1) + fdt_answers() + u8(0) + u8(3) + u16(56) + u32(0xEEEEEEEE)
    seeds["short-size"] = u8(0x80) + fdt_answers() + fdt_template(0)
    return seeds


# ---- fuzz_probe_x86 ---------------------------------------------------------

SIGS = ["XenVMMXenVMM", "KVMKVMKVM", "Linux KVM Hv", "Microsoft Hv", "VMwareVMware",
        "bhyve bhyve ", "ACRNACRNACRN", " QNXQVMBSQG ", "TCGTCGTCGTCG", "VBoxVBoxVBox",
        " prl hyperv ", "HMXHMXHMXHMX", "GenuineIntel", "AuthenticAMD", "HygonGenuine"]


def x_sig_leaf(rng, sig, eax_off):
    """A signature at hypervisor range rng (eax = base + eax_off)."""
    return u8(1) + u8(SIGS.index(sig) << 2) + u8(rng) + u8(eax_off)


def x_vendor(sig):
    return u8(0) + u8(SIGS.index(sig) << 2) + u8(0x16)


def x_raw_leaf(rng, off, regs):
    return u8(1 | (off << 2)) + u8(2) + u8(rng) + b"".join(u32(r) for r in regs)


def x_param(rng, off, value_byte, hv=True, scale=False):
    kind = 1 | (0x40 if hv else 0) | (0x20 if scale else 0)
    return u8(1 | (off << 2)) + u8(kind) + u8(rng) + u8(value_byte) + u8(0) + u32(0) + u32(0)


def x_input(mode, leaves, sel=0, xen_byte=0):
    out = u8(mode) + u8(sel) + (u64(xen_byte) if sel & 0x40 else u8(xen_byte))
    return out + u8(len(leaves)) + b"".join(leaves)


def probe_x86_seeds():
    seeds = {}
    xen = [x_vendor("GenuineIntel"), x_sig_leaf(0, "XenVMMXenVMM", 2),
           x_raw_leaf(0, 1, [0x40011, 0, 0, 0]), x_raw_leaf(0, 2, [1, 0x40000000, 0, 0])]
    seeds["xen"] = x_input(0, xen)
    seeds["xen-enosys"] = x_input(0, xen, xen_byte=38)
    seeds["xen-page"] = x_input(0x20, xen)
    seeds["xen-amd"] = x_input(0, [x_vendor("AuthenticAMD")] + xen[1:])
    seeds["kvm"] = x_input(0, [x_sig_leaf(0, "KVMKVMKVM", 1)])
    seeds["hyperv-then-kvm"] = x_input(0, [x_sig_leaf(0, "Microsoft Hv", 6),
                                           x_sig_leaf(1, "KVMKVMKVM", 1)])
    hmx = [x_sig_leaf(1, "HMXHMXHMXHMX", 0x14), x_raw_leaf(1, 1, [0x10000, 0x18, 1, 0]),
           x_param(1, 0x13, 0xE0), x_param(1, 0x14, 0x20)]
    seeds["hmx-block"] = x_input(0, hmx)
    seeds["hmx-user"] = x_input(1, hmx)
    seeds["xen-and-hmx"] = x_input(0, xen + hmx)
    seeds["bare-metal"] = x_input(0, [u8(1 << 2 | 0) + u8(0x81) + u32(0)])
    seeds["echo-basic"] = x_input(0x10, [x_vendor("GenuineIntel"),
                                         u8(0x16 << 2) + u8(3) + u32(1) + u32(2) + u32(3) + u32(4)])
    seeds["force-cpuid"] = x_input(0x80, hmx)[:0] + u8(0x80) + u8(0) + u8(0) + u8(2) + u8(4) + \
        u8(len(hmx)) + b"".join(hmx)
    return seeds


# ---- fuzz_decode --------------------------------------------------------------

def trap_msr(ret):
    return u8(0) + u8(0) + u8(2) + u64(ret) + u8(0)


def trap_cpuid(ret):
    return u8(0) + u8(2) + u64(ret) + u64(0) + u8(0)


def trap_smccc(ret, x0=0):
    regs = u8(0) * 18
    s = u8(0) if x0 == 0 else (u8(0xC0) if x0 == -1 else (u8(0xD0) if x0 == -3 else u8(0xE0) + u64(x0)))
    return u8(0) + regs + s + u8(2) + u64(ret) + u8(0)


def trap_xen(ret, zx=0):
    return u8(0) + u8(2) + u64(ret) + u8(zx)


def decode_seeds():
    seeds = {}
    raws = [0, 5, 0x7FFFFFFF, 0x80000000, (1 << 64) - 11, 0xFFFFFFF5, 0xFFFFF000, 0xFFFFF001,
            (1 << 64) - 4095, (1 << 64) - 4096, (1 << 64) - 200, 0xFFFFFF38, 1 << 63]
    seeds["decode-values"] = u8(0x80) + b"".join(u64(r) for r in raws)
    traps = {0: trap_msr, 1: trap_cpuid, 2: trap_smccc, 3: trap_xen}
    for mech, name in enumerate(["msr", "cpuid", "smccc", "xen"]):
        t = traps[mech]
        head = u8(mech | 0x10) + u16(3)         # pages scattered
        if mech != 3:
            head += u8(1)                       # the vector feature
        send = u8(0) + u32(80) + u16(2) + u8(0) + u32(1) + u32(7) + u32(4000) + u16(9000)
        notify = u8(1) + u8(3) + (u32(1) + u32(10)) * 3
        ring = u8(2) + u8(0) + u8(1) + u32(5) + u16(2)
        vec = u8(3) + u8(1) + u16(40)
        body = send + t(9000) + notify + t(0) + ring + t(0) + t(0) + vec
        if mech != 3:
            body += t(0)
        body += send + t((1 << 64) - 11) + ring + t((1 << 64) - 17) + notify + t(0x80000000)
        seeds["backend-" + name] = head + body
    # Large rings (frame list beyond the staging area), 64 KiB pages, 256 queries.
    for mech in range(4):
        t = traps[mech]
        big = u8(mech | (3 << 2)) + (u8(1) if mech != 3 else b"")
        big += u8(2) + u8(2) + u16(600) + u32(1) + u16(1) + t(0) + t(0)
        big += u8(1) + u8(0x80) + u8(0) + (u32(1) + u32(1)) * 8 + t(0) * 12
        seeds["large-%d" % mech] = big
    return seeds


TARGETS = {
    "ring": ring_seeds,
    "provider": provider_seeds,
    "probe_fdt": probe_fdt_seeds,
    "probe_x86": probe_x86_seeds,
    "decode": decode_seeds,
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for target, make in TARGETS.items():
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.unlink(os.path.join(d, f))
        seeds = make()
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, "seed-" + name), "wb") as fh:
                fh.write(data)
        print("%-10s %2d seeds" % (target, len(seeds)))


if __name__ == "__main__":
    main()
