#!/usr/bin/env python3
"""File-level dependency edges of every crate, from `crate::` and `super::` paths (in `use` lines or
inline, outside `#[cfg(test)] mod tests`), and the file-I/O rule. Exits 1 on an import cycle, on
library file I/O, or when the binary crate's src/ reaches 2,000 lines.

usage: scripts/deps.py [--edges] [--crate NAME] [--crates DIR] [--known FILE]

With --known FILE, the findings listed in FILE (one a line, as this script prints them) are the
known debt still to be paid: only a finding not in the file fails, and so does a listed finding
that no longer occurs (remove it from the file), so the list can only shrink.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = os.path.join(ROOT, "crates")
# The one place that reads and writes files for the CLI and the server.
IO_ALLOWED = re.compile(r"^crates/levodose-commands/src/io(/|\.rs$)")
BINARY_CRATE = "levodose-cli"
BINARY_LIMIT = 2000
IO_PATTERNS = [
    (re.compile(r"\bstd::fs\b|\buse std::\{[^}]*\bfs\b"), "std::fs"),
    (re.compile(r"\bFile::|\bfs::File\b"), "File"),
    (re.compile(r"\b\w+::from_path\b|\bfn from_path\b"), "from_path"),
]
INCLUDE = re.compile(r"include_(?:str|bytes)!\(\s*\"([^\"]+)\"")


def strip_tests(text):
    """Drops `#[cfg(test)] mod NAME { ... }` blocks and comments (a comment names no dependency)."""
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    pat = re.compile(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{")
    while True:
        m = pat.search(text, i)
        if not m:
            out.append(text[i:])
            break
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        i = j
    return "".join(out)


def module_files(src):
    """Maps module path tuples to files for one crate's src/."""
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            mods[tuple(parts)] = os.path.join(dirpath, f)
    return mods


def resolve(mods, path):
    """The file of the longest module prefix of `path`."""
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in mods:
            return mods[tuple(path[:n])]
    return None


def expand_use(body):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (enough for module resolution)."""
    body = re.sub(r"\s+", "", body)
    m = re.match(r"^(.*?)\{(.*)\}$", body)
    if not m:
        return [body]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        out.extend(expand_use(prefix + p))
    return out


def reexport_of_child(ref, mod, mods):
    segs = [x for x in ref.split("::") if x]
    if segs and segs[0] == "self":
        segs = segs[1:]
    if segs and segs[0] == "crate":
        segs = segs[1:]
        return len(segs) > len(mod) and tuple(segs[: len(mod)]) == mod
    return bool(segs) and tuple(list(mod) + segs[:1]) in mods


def edges_of(crate_dir):
    src = os.path.join(crate_dir, "src")
    mods = module_files(src)
    file_mod = {v: k for k, v in mods.items()}
    edges = set()
    for mod, path in mods.items():
        text = strip_tests(open(path, encoding="utf-8").read())
        refs = []
        for m in re.finditer(r"(\bpub(?:\([^)]*\))?\s+)?\buse\s+([^;]+);", text):
            for r in expand_use(m.group(2)):
                # A parent re-exporting its own submodule's items declares, it does not depend.
                if m.group(1) and reexport_of_child(r, mod, mods):
                    continue
                refs.append(r)
        refs.extend(m.group(0) for m in re.finditer(r"\b(?:crate|super)(?:::\w+)+", text))
        # Paths through a child module declared here (`commands::serve::Args` in main.rs).
        children = {k[-1] for k in mods if len(k) == len(mod) + 1 and k[: len(mod)] == mod}
        for m in re.finditer(r"(?<![:\w])(\w+)((?:::\w+)+)", text):
            if m.group(1) in children:
                refs.append("self::" + m.group(1) + m.group(2))
        # A file's own module path: mod.rs/lib.rs stand for their folder.
        base = list(mod)
        is_dir_mod = os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs")
        for r in refs:
            segs = [s for s in r.split("::") if s]
            if not segs or segs[0] not in ("crate", "super", "self"):
                if segs and segs[0] in children:
                    segs = ["self"] + segs
                else:
                    continue
            if False:
                continue
            if segs[0] == "crate":
                target = segs[1:]
            else:
                # `self` is this module; each `super` is one module up.
                cur = list(base)
                if segs[0] == "self":
                    segs = segs[1:]
                while segs and segs[0] == "super":
                    cur = cur[:-1]
                    segs = segs[1:]
                target = cur + segs
            t = resolve(mods, [s for s in target if s not in ("{", "}")])
            if t and t != path:
                edges.add((path, t))
    return mods, edges


def cycles(nodes, edges):
    """Strongly connected components with more than one file (Tarjan)."""
    graph = {n: [] for n in nodes}
    for a, b in edges:
        graph[a].append(b)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for n in nodes:
        if n not in index:
            strong(n)
    return out


def io_violations(crate_dir, rel):
    found = []
    for dirpath, _, files in os.walk(os.path.join(crate_dir, "src")):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            relpath = os.path.relpath(path, ROOT)
            text = strip_tests(open(path, encoding="utf-8").read())
            if not IO_ALLOWED.match(relpath):
                for pat, name in IO_PATTERNS:
                    if pat.search(text):
                        found.append(f"{relpath}: {name}")
            for m in INCLUDE.finditer(text):
                target = os.path.normpath(os.path.join(dirpath, m.group(1)))
                if not target.startswith(crate_dir + os.sep):
                    found.append(f"{relpath}: include reaches outside its crate ({m.group(1)})")
    return found


def arg(name):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def main():
    global ROOT, CRATES
    show_edges = "--edges" in sys.argv
    only = arg("--crate")
    if arg("--crates"):
        CRATES = os.path.abspath(arg("--crates"))
        ROOT = os.path.dirname(CRATES)
    findings = []
    failed = False
    for name in sorted(os.listdir(CRATES)):
        crate_dir = os.path.join(CRATES, name)
        if not os.path.isdir(os.path.join(crate_dir, "src")) or (only and name != only):
            continue
        mods, edges = edges_of(crate_dir)
        rel = lambda p: os.path.relpath(p, ROOT)
        if show_edges:
            for a, b in sorted(edges):
                print(f"{rel(a)} -> {rel(b)}")
        for comp in cycles(list(mods.values()), edges):
            findings.append(f"cycle in {name}: " + " <-> ".join(rel(p) for p in comp))
        for v in io_violations(crate_dir, rel):
            findings.append(f"file I/O outside the command layer's io module: {v}")
        if name == BINARY_CRATE:
            lines = sum(
                sum(1 for _ in open(os.path.join(d, f), encoding="utf-8"))
                for d, _, fs in os.walk(os.path.join(crate_dir, "src"))
                for f in fs
                if f.endswith(".rs")
            )
            print(f"{name}: {lines} lines in src/ (limit {BINARY_LIMIT})")
            if lines >= BINARY_LIMIT:
                failed = True
                print(f"the binary crate {name} has {lines} lines; the limit is {BINARY_LIMIT}")
        print(f"{name}: {len(mods)} files, {len(edges)} edges")
    known = set()
    if arg("--known"):
        with open(arg("--known"), encoding="utf-8") as f:
            known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    for x in findings:
        print(("known: " if x in known else "") + x)
        failed |= x not in known
    for x in sorted(known - set(findings)):
        failed = True
        print(f"no longer found, remove it from {arg('--known')}: {x}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
