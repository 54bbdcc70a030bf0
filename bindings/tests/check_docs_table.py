#!/usr/bin/env python3
"""docs/bindings.md says exactly which C functions each binding wraps.

A binding wraps a function when it declares it (Python: _declare in
emopiano/_library.py; Rust: src/sys.rs; C#: src/Native.cs) and its safe layer
calls it. The table must have one row per exported function
(capi/abi/symbols.txt), in the header's section, and a "yes" exactly where the
binding wraps it. Fails naming every difference.

    check_docs_table.py [--table]   (--table prints the table the code implies)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = ROOT / "bindings"


def read_all(folder, pattern, skip=()):
    return "\n".join(p.read_text() for p in sorted(folder.glob(pattern)) if p.name not in skip)


def wrapped():
    py_decl = set(re.findall(r'_declare\("(emopiano_\w+)"', (BINDINGS / "python/emopiano/_library.py").read_text()))
    py_used = set(re.findall(r'\b_?lib\.(emopiano_\w+)', read_all(BINDINGS / "python/emopiano", "*.py")))
    rs_decl = set(re.findall(r'pub fn (emopiano_\w+)\(', (BINDINGS / "rust/src/sys.rs").read_text()))
    rs_used = set(re.findall(r'\bsys::(emopiano_\w+)', read_all(BINDINGS / "rust/src", "*.rs", {"sys.rs"})))
    cs_decl = set(re.findall(r'extern [\w\[\]]+ (emopiano_\w+)\(', (BINDINGS / "csharp/src/Native.cs").read_text()))
    cs_used = set(re.findall(r'\bNative\.(emopiano_\w+)', read_all(BINDINGS / "csharp/src", "*.cs")))
    return {"Python": py_decl & py_used, "Rust": rs_decl & rs_used, "C#": cs_decl & cs_used}


def sections():
    """Exported function -> the header section it is declared in, in header order."""
    exported = [line.strip() for line in (ROOT / "capi/abi/symbols.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    header = (ROOT / "capi/emopiano.h").read_text()
    section, where = None, {}
    for line in header.splitlines():
        m = re.match(r"/\* ---- (.+?) -+ \*/", line)
        if m:
            section = m.group(1)
        if line.startswith("EMOPIANO_API"):
            for name in re.findall(r"\b(emopiano_\w+)\(", line):
                where.setdefault(name, section)
    missing = [name for name in exported if name not in where]
    if missing:
        sys.exit(f"not declared in capi/emopiano.h: {', '.join(missing)}")
    order = {name: i for i, name in enumerate(where)}
    return {name: where[name] for name in sorted(exported, key=order.get)}


def main():
    langs = ["Python", "Rust", "C#"]
    wraps = wrapped()
    expected = {name: (part, tuple("yes" if name in wraps[l] else "" for l in langs))
                for name, part in sections().items()}
    if "--table" in sys.argv:
        print("| part | C function | Python | Rust | C# |\n| --- | --- | --- | --- | --- |")
        for name, (part, cells) in expected.items():
            print(f"| {part} | `{name}` | " + " | ".join(cells) + " |")
        return 0
    documented = {}
    for line in (ROOT / "docs/bindings.md").read_text().splitlines():
        m = re.match(r"\|\s*([^|`]+?)\s*\|\s*`(emopiano_\w+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$", line)
        if m:
            documented[m.group(2)] = (m.group(1), tuple(c.strip() for c in m.groups()[2:]))
    problems = []
    for name, want in expected.items():
        got = documented.get(name)
        if got is None:
            problems.append(f"{name}: no row in docs/bindings.md")
        elif got != want:
            problems.append(f"{name}: docs say {got}, the code says {want}")
    for name in documented.keys() - expected.keys():
        problems.append(f"{name}: a row in docs/bindings.md, but not an exported function")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} differences; `{Path(__file__).name} --table` prints the table the code implies")
        return 1
    print(f"docs/bindings.md matches the bindings: {len(expected)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
