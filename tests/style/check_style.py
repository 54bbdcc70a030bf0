#!/usr/bin/env python3
"""The code style every C and C++ file keeps (run by ctest as style.format):

- C++ files (.cpp, .hpp) are formatted as the root .clang-format says;
- C files (.c, .h: the C ABI header, C examples and tests) as .clang-format-c;
- C++ converts between built-in types with static_cast, never a
  functional cast such as int(x) or a C cast such as (int)x.

Usage: check_style.py SOURCE_DIR [CLANG_FORMAT]
Exits 1 naming every file and line that does not keep the style.
"""
import pathlib
import re
import shutil
import subprocess
import sys

DIRS = ["include", "src", "capi", "examples", "tests", "bench"]
BUILTIN = (r"(size_t|ptrdiff_t|int64_t|int32_t|int16_t|int8_t|uint64_t|uint32_t|uint16_t|uint8_t|"
           r"int|float|double|long|unsigned|char|bool|long long)")
FUNCTIONAL_CAST = re.compile(r"(?<![\w:.>])" + BUILTIN + r"\((?!\))")
C_CAST = re.compile(r"\(" + BUILTIN + r"\)\s*[\w(]")
DECLARATION_BEFORE = re.compile(r"\b(unsigned|long|signed|short|operator|const|struct|typename)\s*$")


def sources(root):
    for d in DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.suffix in (".cpp", ".hpp", ".c", ".h") and "build" not in p.parts:
                yield p


def format_problems(path, root, clang_format):
    style = root / (".clang-format-c" if path.suffix in (".c", ".h") else ".clang-format")
    r = subprocess.run([clang_format, f"--style=file:{style}", "--dry-run", str(path)],
                       capture_output=True, text=True)
    return [line for line in r.stderr.splitlines() if "warning:" in line or "error:" in line]


def cast_problems(path):
    problems = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("//")[0]
        if code.lstrip().startswith(("*", "#")) or code.count('"') % 2:
            continue
        for m in FUNCTIONAL_CAST.finditer(code):
            before = code[:m.start()]
            if DECLARATION_BEFORE.search(before) or re.search(r"<[^<>;]*$", before):
                continue  # a declaration, or a function type such as std::function<bool(int)>
            problems.append(f"{path}:{number}: functional cast {m.group(0)}...): use static_cast")
        for m in C_CAST.finditer(code):
            if re.search(r"(sizeof|\w)\s*$", code[:m.start()]):
                continue  # sizeof(int) or a call f(int) in a declaration
            problems.append(f"{path}:{number}: C cast {m.group(0)}: use static_cast")
    return problems


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    clang_format = sys.argv[2] if len(sys.argv) > 2 else "clang-format"
    if shutil.which(clang_format) is None:
        print(f"check_style: {clang_format} not found; install Debian's clang-format (./setup.sh --test does)")
        return 1
    problems = []
    for path in sources(root):
        problems += format_problems(path, root, clang_format)
        if path.suffix in (".cpp", ".hpp"):
            problems += cast_problems(path)
    for p in problems:
        print(p)
    print(f"check_style: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
