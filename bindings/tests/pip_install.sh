#!/usr/bin/env bash
# `pip install` of the Python binding works offline and needs nothing but
# setuptools: installs a copy of bindings/python into a fresh folder with no
# package index, then imports it from there and asks the library its version.
#   bindings/tests/pip_install.sh PYTHON WORK_DIR   (EMOPIANO_LIBRARY set)
set -euo pipefail
python=${1:?usage: pip_install.sh PYTHON WORK_DIR}
work=${2:?usage: pip_install.sh PYTHON WORK_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$work"
mkdir -p "$work"
# A copy, so the build leaves nothing in the source tree.
cp -r "$here/python" "$work/src"
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-index --no-deps \
  --target "$work/site" "$work/src"
cd "$work"
PYTHONPATH="$work/site" "$python" -c '
import emopiano, pathlib, sys
assert pathlib.Path(emopiano.__file__).parent.parent.name == "site", emopiano.__file__
print("installed emopiano", emopiano.version(), "at", emopiano.__file__)
'
