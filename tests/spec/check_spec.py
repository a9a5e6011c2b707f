#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that spec/hmx.md states the numbers the code has.

usage: check_spec.py SPEC_CONSTANTS_PROGRAM SPEC_MARKDOWN

The program prints "NAME VALUE" lines (see tests/spec/spec_constants.c).
Each line must be matched by the spec, as follows:

  HMX_NAME V          a Markdown table row with a cell `HMX_NAME` and a
                      cell whose whole content is the number V (decimal or
                      0x hex; a trailing "(...)" remark is ignored); when
                      the table has a "Value" (or "Size") column, V must be
                      in that column
  errno(HMX_NAME) V   the row of HMX_NAME has V in its "Xen errno" column
                      ("-" matches a dash, "none" or an empty cell)
  sizeof(struct S) V  a table row with a cell `struct S` and the number V
  offsetof(S.f) V     in a table under a heading naming `struct S`, the row
  sizeof(S.f) V       whose Field cell is f has V in its Offset / Size column
  dump(0xOOOO) HEX    a line of a fenced block starting "OOOO" whose first
                      16 two-digit hex tokens are the bytes HEX
  text(NAME) STRING   the spec contains `STRING` (in backquotes, or in
                      double quotes: a UUID, a device-tree string)

Conversely, every HMX_* name in the first cell of a spec table row that
carries a number must be printed by the program (so a code removed from the
headers cannot linger in the spec).

Output is TAP: one test point per line of the program's output, one per
spec-only name, and one for the program's exit status.
"""

import re
import subprocess
import sys

NUM_RE = re.compile(r"^[-\u2212]?(0x[0-9a-f]+|[0-9]+)$", re.IGNORECASE)
HEADING_RE = re.compile(r"^#{1,6}\s+(.*)$")
DASHES = {"-", "\u2013", "\u2014", "none", "n/a", ""}


def parse_number(cell):
    """The integer a cell states, or None."""
    text = cell.strip().strip("`*").strip()
    text = re.sub(r"\s*\(.*\)\s*$", "", text).strip("`*").strip()
    if not NUM_RE.match(text):
        return None
    neg = text[0] in "-\u2212"
    if neg:
        text = text[1:]
    value = int(text, 0) if text.lower().startswith("0x") else int(text, 10)
    return -value if neg else value


def plain(cell):
    """A cell's text without Markdown code/emphasis markers."""
    return cell.strip().replace("`", "").strip("*").strip()


def split_row(line):
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip() for c in body.split("|")]


class Table:
    def __init__(self, heading, header):
        self.heading = heading
        self.header = [plain(h).lower() for h in header]
        self.rows = []

    def column(self, *names):
        for i, h in enumerate(self.header):
            for n in names:
                if h == n or h.startswith(n):
                    return i
        return None


def parse_spec(text):
    tables, fenced_lines = [], []
    heading, current, in_fence = "", None, False
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            in_fence = not in_fence
            current = None
            i += 1
            continue
        if in_fence:
            fenced_lines.append(line)
            i += 1
            continue
        m = HEADING_RE.match(line)
        if m:
            heading = m.group(1)
            current = None
        elif line.lstrip().startswith("|"):
            cells = split_row(line)
            if current is None:
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                if re.match(r"^\s*\|?\s*:?-{3,}", nxt):
                    current = Table(heading, cells)
                    tables.append(current)
                    i += 2
                    continue
            else:
                current.rows.append(cells)
        else:
            current = None
        i += 1
    return tables, fenced_lines


def struct_tables(tables, struct):
    pat = re.compile(r"(?<![\w])struct " + re.escape(struct) + r"(?![\w])")
    return [t for t in tables if pat.search(t.heading.replace("`", ""))]


def check_plain(tables, key, value):
    seen = []
    for t in tables:
        for row in t.rows:
            if any(plain(c) == key for c in row):
                col = t.column("value", "size")
                if col is not None and col < len(row):
                    nums = [parse_number(row[col])]
                else:
                    nums = [parse_number(c) for c in row if plain(c) != key]
                if value in nums:
                    return True, ""
                seen.append(" | ".join(row))
    if seen:
        return False, "spec row has another value: " + seen[0]
    return False, "not in any spec table"


def check_errno(tables, key, value):
    for t in tables:
        col = t.column("xen errno", "xen")
        if col is None:
            continue
        for row in t.rows:
            if any(plain(c) == key for c in row) and col < len(row):
                cell = row[col]
                if value == "-":
                    ok = plain(cell).lower() in DASHES
                else:
                    ok = parse_number(cell) == int(value)
                return ok, "" if ok else "spec's Xen errno column says " + cell
    return False, "no row with a Xen errno column"


def check_field(tables, struct, field, what, value):
    cands = struct_tables(tables, struct)
    if not cands:
        return False, "no table under a heading naming struct " + struct
    for t in cands:
        fcol = t.column("field")
        vcol = t.column(what)
        if fcol is None or vcol is None:
            continue
        for row in t.rows:
            if fcol < len(row) and plain(row[fcol]) == field:
                got = parse_number(row[vcol]) if vcol < len(row) else None
                ok = got == value
                return ok, "" if ok else "spec says %s %s" % (what, row[vcol])
    return False, "field not in the struct's table"


def check_dump(fenced, offset, hexbytes):
    want = hexbytes.lower()
    for line in fenced:
        toks = line.split()
        if not toks or toks[0].rstrip(":").lower() != offset:
            continue
        got = [t for t in toks[1:] if re.fullmatch(r"[0-9a-fA-F]{2}", t)][:16]
        ok = "".join(got).lower() == want
        return ok, "" if ok else "spec has " + " ".join(got)
    return False, "no dump line for offset " + offset


def check_text(text, string):
    for quoted in ("`" + string + "`", '"' + string + '"'):
        if quoted in text:
            return True, ""
    return False, "the spec never states " + string


def run_checks(lines, tables, fenced, text):
    results = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        name, _, value = line.rpartition(" ")
        if not name:
            results.append((False, line, "malformed line from the program"))
            continue
        m_field = re.fullmatch(r"(offsetof|sizeof)\((\w+)\.(\w+)\)", name)
        m_struct = re.fullmatch(r"sizeof\((struct \w+)\)", name)
        m_errno = re.fullmatch(r"errno\((HMX_\w+)\)", name)
        m_dump = re.fullmatch(r"dump\(0x([0-9a-f]{4})\)", name)
        m_text = re.fullmatch(r"text\((\w+)\)", name)
        try:
            if m_text:
                ok, why = check_text(text, value)
            elif m_dump:
                ok, why = check_dump(fenced, m_dump.group(1), value)
            elif m_errno:
                if value != "-" and not value.lstrip("-").isdigit():
                    ok, why = False, "program reports " + value
                else:
                    ok, why = check_errno(tables, m_errno.group(1), value)
            elif m_field:
                what = "offset" if m_field.group(1) == "offsetof" else "size"
                ok, why = check_field(tables, m_field.group(2), m_field.group(3), what, int(value))
            elif m_struct:
                ok, why = check_plain(tables, m_struct.group(1), int(value))
            else:
                ok, why = check_plain(tables, name, int(value))
        except ValueError:
            ok, why = False, "program printed a non-numeric value " + value
        results.append((ok, name, why))
    return results


def spec_only_names(tables, printed):
    """HMX_* names the spec gives a number for but the program never printed."""
    extra = []
    for t in tables:
        for row in t.rows:
            if not row:
                continue
            first = plain(row[0])
            if re.fullmatch(r"HMX_[A-Z0-9_]+", first) and first not in printed:
                if any(parse_number(c) is not None for c in row[1:]) and first not in extra:
                    extra.append(first)
    return extra


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: check_spec.py SPEC_CONSTANTS_PROGRAM SPEC_MARKDOWN\n")
        return 2
    proc = subprocess.run([argv[1]], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    with open(argv[2], encoding="utf-8") as f:
        spec_text = f.read()
    tables, fenced = parse_spec(spec_text)

    lines = proc.stdout.splitlines()
    results = run_checks(lines, tables, fenced, spec_text)
    printed = {l.strip().rpartition(" ")[0] for l in lines if l.strip()}
    for name in spec_only_names(tables, printed):
        results.append((False, name, "in the spec but not in the code"))
    results.append((proc.returncode == 0, "spec_constants exit status",
                    "exited %d: %s" % (proc.returncode, proc.stderr.strip())))

    print("1..%d" % len(results))
    failed = []
    for i, (ok, name, why) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            print("# %s: %s" % (name, why))
            failed.append(name)
    if failed:
        print("# %d of %d checks failed; spec/hmx.md and the code disagree on: %s"
              % (len(failed), len(results), ", ".join(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
