#!/usr/bin/env python3
"""The longest functions of the workspace's src/ (physical lines from `fn` to its closing brace,
outside `#[cfg(test)] mod tests`), for the architecture note. usage: scripts/longest_fns.py [N]"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    in_tests = False
    while i < len(lines):
        if re.match(r"\s*#\[cfg\(test\)\]", lines[i]):
            break  # test modules sit at the end of a file by this project's convention
        m = FN.match(lines[i])
        if m:
            depth, j, opened = 0, i, False
            while j < len(lines):
                code = re.sub(r"//.*", "", lines[j])
                code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', code)
                depth += code.count("{") - code.count("}")
                if "{" in code:
                    opened = True
                if opened and depth <= 0:
                    break
                if not opened and code.rstrip().endswith(";"):
                    break
                j += 1
            if opened:
                out.append((j - i + 1, m.group(1), i + 1))
            i = j + 1 if opened else i + 1
        else:
            i += 1
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rows = []
    for d, _, fs in os.walk(os.path.join(ROOT, "crates")):
        if f"{os.sep}src" not in d:
            continue
        for f in fs:
            if f.endswith(".rs"):
                p = os.path.join(d, f)
                for length, name, line in functions(p):
                    rows.append((length, f"{os.path.relpath(p, ROOT)}:{line} {name}"))
    for length, where in sorted(rows, reverse=True)[:n]:
        print(f"{length:5d}  {where}")


if __name__ == "__main__":
    main()
