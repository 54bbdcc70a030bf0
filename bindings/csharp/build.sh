#!/usr/bin/env bash
# Builds the C# binding (Emopiano.dll and its dllmap config), its test
# program and the example into OUT_DIR with Mono's mcs.
#   bindings/csharp/build.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../examples/csharp" && pwd)
mkdir -p "$out"
mcs -nologo -warnaserror -target:library -out:"$out/Emopiano.dll" "$here"/src/*.cs
cp "$here/Emopiano.dll.config" "$out/"
mcs -nologo -warnaserror -r:"$out/Emopiano.dll" -r:System.Core.dll -out:"$out/EmopianoTests.exe" \
  "$here/tests/BindingTests.cs"
mcs -nologo -warnaserror -r:"$out/Emopiano.dll" -out:"$out/Generate.exe" "$examples/Generate.cs"
echo "built $out/Emopiano.dll, EmopianoTests.exe, Generate.exe"
