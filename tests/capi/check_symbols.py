#!/usr/bin/env python3
"""The exports of libemopiano against ABI v1.

Fails when the library misses a function of capi/abi/symbols.txt, exports an
emopiano_ function that is not listed there, when capi/emopiano.h declares a
function or struct the ABI files do not list, or when it exports a C++ symbol
that is not part of the documented C++ API (include/emopiano/): internals,
Impl classes, LibTorch, nlohmann::json or standard-library instantiations.

usage: check_symbols.py LIBRARY SOURCE_DIR
"""
import re
import subprocess
import sys
from pathlib import Path

# Demangled prefixes of symbols that belong to a C++ entity, not code.
ENTITY_PREFIXES = ("typeinfo for ", "typeinfo name for ", "vtable for ",
                   "non-virtual thunk to ", "virtual thunk to ", "guard variable for ")


def listed_symbols(source: Path) -> list:
    lines = (source / "capi/abi/symbols.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def header_functions(source: Path) -> set:
    header = (source / "capi/emopiano.h").read_text()
    return set(re.findall(r"EMOPIANO_API[^;(]*?\b(emopiano_\w+)\s*\(", header))


def header_structs(source: Path) -> set:
    header = (source / "capi/emopiano.h").read_text()
    return set(re.findall(r"typedef struct (emopiano_\w+) \{", header))


def layout_structs(source: Path) -> set:
    layout = (source / "capi/abi/layout.def").read_text()
    return set(re.findall(r"^ABI_STRUCT\((\w+),", layout, re.M))


def public_cxx_names(source: Path) -> set:
    """Names declared at namespace scope in the public C++ headers."""
    names = set()
    for header in sorted((source / "include/emopiano").glob("*.hpp*")):
        text = re.sub(r"//.*", "", header.read_text())
        names.update(re.findall(r"^(?:class|struct|enum class|enum)\s+(\w+)\s*[:{]", text, re.M))
        names.update(re.findall(r"^(?![\s#}])(?!namespace|class|struct|enum|using|template)"
                                r"[^\n;{(]*?\b(\w+)\(", text, re.M))
    return names


def exported(library: str, demangle: bool) -> list:
    command = ["nm", "-D", "--defined-only"] + (["-C"] if demangle else []) + [library]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] != "A":  # "A": the version node itself
            symbols.append(parts[2].split("@")[0])
    return symbols


def is_public_cxx(symbol: str, public: set) -> bool:
    for prefix in ENTITY_PREFIXES:
        if symbol.startswith(prefix):
            symbol = symbol[len(prefix):]
    match = re.match(r"emopiano::(\w+)", symbol)
    if not match or match.group(1) not in public:
        return False
    # A nested Impl is the private half of a pimpl class.
    return "::Impl" not in symbol.split("(")[0]


def main() -> int:
    library, source = sys.argv[1], Path(sys.argv[2])
    failures = []
    listed = listed_symbols(source)
    if len(set(listed)) != len(listed):
        failures.append("symbols.txt lists a name twice")
    listed_set = set(listed)
    c_symbols = {s for s in exported(library, demangle=False) if s.startswith("emopiano_")}
    for name in sorted(listed_set - c_symbols):
        failures.append(f"missing export: {name}")
    for name in sorted(c_symbols - listed_set):
        failures.append(f"unexpected export: {name} (not in capi/abi/symbols.txt)")
    for name in sorted(header_functions(source) - listed_set):
        failures.append(f"emopiano.h declares {name}, which capi/abi/symbols.txt does not list")
    for name in sorted(header_structs(source) - layout_structs(source)):
        failures.append(f"emopiano.h defines struct {name}, which capi/abi/layout.def does not list")
    public = public_cxx_names(source)
    for symbol in exported(library, demangle=True):
        if symbol.startswith("emopiano_") or symbol in ("_init", "_fini"):
            continue
        if not is_public_cxx(symbol, public):
            failures.append(f"unexpected export: {symbol}")
    for failure in failures:
        print(failure)
    if failures:
        return 1
    print(f"{len(listed)} C functions and the C++ API exported, nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
