#!/usr/bin/env python3
"""Runs the commands shown in README.md and docs/*.md and keeps their output blocks current.

A command block is a ```sh fence. Each line (a trailing backslash continues it) is run with
bash in a scratch folder that has `configs`, `workloads` and `build` linked from the source
tree and the decodesim binary first on PATH; the lines of one file share that folder, in order,
so a later command may read what an earlier one wrote. A comment after `#` is the reader's.

An output block is a plain ``` fence that follows a command block with only blank lines
between. Its command block must hold exactly one command, and the block is that command's
stdout (stderr too when the command ends in `2>&1`). A line `...` in it elides any number of
lines: the lines before the first `...` are the head of the output, the lines after the last
one its tail, and any lines in between appear in that order in the middle.

A command block preceded by `<!-- doccheck: skip REASON -->` is not run (for example it
submits to a cluster or rebuilds the tree); the reason is required.

  tools/doccheck.py --check [--build DIR] [FILES]   exit 1 and show a diff when a block is stale
  tools/doccheck.py --write [--build DIR] [FILES]   rewrite stale output blocks in place (make docs)
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE = re.compile(r"^```(\S*)\s*$")
SKIP = re.compile(r"^<!--\s*doccheck:\s*skip\s+(\S.*?)\s*-->\s*$")
TIMEOUT_S = 600


class Block:
    def __init__(self, lang, first, last, lines, skip):
        self.lang, self.first, self.last, self.lines, self.skip = lang, first, last, lines, skip


def blocks(text_lines):
    """Fenced blocks: language, index of the opening and closing fence, body, skip reason."""
    out, i = [], 0
    while i < len(text_lines):
        m = FENCE.match(text_lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(text_lines) and not FENCE.match(text_lines[j]):
            j += 1
        k = i - 1
        while k >= 0 and not text_lines[k].strip():
            k -= 1
        sk = SKIP.match(text_lines[k]) if k >= 0 else None
        out.append(Block(m.group(1), i, j, text_lines[i + 1:j], sk.group(1) if sk else None))
        i = j + 1
    return out


def commands(block):
    cmds, cur = [], ""
    for line in block.lines:
        cur += line.rstrip()
        if cur.endswith("\\"):
            cur = cur[:-1] + " "
            continue
        if cur.strip() and not cur.strip().startswith("#"):
            cmds.append(cur.strip())
        cur = ""
    return cmds


def scratch_for(build):
    d = tempfile.mkdtemp(prefix="decodesim-doccheck-")
    for name, target in (("configs", os.path.join(ROOT, "configs")),
                         ("workloads", os.path.join(ROOT, "workloads")),
                         ("build", build)):
        os.symlink(target, os.path.join(d, name))
    return d


def run(cmd, cwd, build):
    env = dict(os.environ)
    env["PATH"] = os.path.join(build, "apps", "decodesim") + os.pathsep + env.get("PATH", "")
    env["SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"] = "1"  # as the binary does itself; keeps testbenches quiet too
    p = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    return p.returncode, p.stdout, p.stderr


def segments(shown):
    segs, cur = [], []
    for line in shown:
        if line.strip() == "...":
            segs.append(cur)
            cur = []
        else:
            cur.append(line)
    segs.append(cur)
    return segs


def norm(lines):
    return [l.rstrip() for l in lines]


def matches(shown, actual):
    segs = segments(norm(shown))
    actual = norm(actual)
    if len(segs) == 1:
        return segs[0] == actual
    head, tail, middle = segs[0], segs[-1], segs[1:-1]
    if actual[:len(head)] != head or (tail and actual[len(actual) - len(tail):] != tail):
        return False
    pos, end = len(head), len(actual) - len(tail)
    for seg in middle:
        while pos + len(seg) <= end and actual[pos:pos + len(seg)] != seg:
            pos += 1
        if pos + len(seg) > end:
            return False
        pos += len(seg)
    return True


def regenerate(shown, actual):
    """The output block rewritten from `actual`, keeping the shape of its elisions: as many head
    and tail lines, and each middle segment re-found by the first word of its lines."""
    segs = segments(norm(shown))
    actual = norm(actual)
    if len(segs) == 1:
        return actual
    head, tail = actual[:len(segs[0])], actual[len(actual) - len(segs[-1]):] if segs[-1] else []
    out, pos = list(head) + ["..."], len(head)
    for seg in segs[1:-1]:
        key = seg[0].split()[0] if seg and seg[0].split() else None
        while pos < len(actual) and key is not None and (actual[pos].split()[:1] != [key]):
            pos += 1
        out += actual[pos:pos + len(seg)] + ["..."]
        pos += len(seg)
    return out + list(tail)


def check_file(path, build, write):
    with open(path) as f:
        text = f.read().split("\n")
    bl = blocks(text)
    scratch = scratch_for(build)
    stale, problems, edits = [], [], []
    for i, b in enumerate(bl):
        if b.lang != "sh" or b.skip:
            continue
        out_block = None
        if i + 1 < len(bl) and bl[i + 1].lang == "" and all(not l.strip() for l in text[b.last + 1:bl[i + 1].first]):
            out_block = bl[i + 1]
        cmds = commands(b)
        if out_block and len(cmds) != 1:
            problems.append(f"{path}:{b.first + 1}: an output block needs exactly one command above it")
            continue
        for c in cmds:
            rc, out, err = run(c, scratch, build)
            where = f"{path}:{b.first + 1}: `{c}`"
            if rc != 0:
                problems.append(f"{where} exited {rc}\n{err[-2000:]}")
                continue
            if out_block is None:
                continue
            actual = (out + (err if c.endswith("2>&1") else "")).rstrip("\n").split("\n")
            if not matches(out_block.lines, actual):
                new = regenerate(out_block.lines, actual)
                stale.append((where, out_block, new))
    for where, ob, new in stale:
        if write:
            edits.append((ob.first + 1, ob.last, new))
        else:
            diff = "\n".join(difflib.unified_diff(norm(ob.lines), new, "shown", "now printed", lineterm=""))
            problems.append(f"{where}: output block is stale (run `make docs`)\n{diff}")
    for first, last, new in sorted(edits, reverse=True):
        text[first:last] = new
    if edits:
        with open(path, "w") as f:
            f.write("\n".join(text))
        print(f"doccheck: rewrote {len(edits)} output block(s) in {os.path.relpath(path, ROOT)}")
    subprocess.run(["rm", "-rf", scratch])
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    files = a.files or [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    problems = []
    for f in files:
        problems += check_file(os.path.abspath(f), build, a.write)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"doccheck: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"doccheck: {len(files)} files current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
