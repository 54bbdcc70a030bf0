#!/usr/bin/env bash
# Installs emopiano into a temporary prefix, builds examples/consumer against
# it with find_package (and the C example once more with pkg-config), runs
# the programs and parses the MIDI files they write with mido.
#   tests/capi/check_consumer.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: check_consumer.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/emopiano-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
# Debian's python3 has python3-mido; a python3 earlier on PATH may not.
py=/usr/bin/python3
[ -x "$py" ] || py=python3

echo "== install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/emopiano.h"
test -f "$prefix/include/emopiano/version.hpp"

echo "== find_package build of examples/consumer"
cmake -S "$src/examples/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" -j2 >/dev/null

echo "== pkg-config build of the C example"
pcdir=$(dirname "$(find "$prefix" -name emopiano.pc | head -n1)")
export PKG_CONFIG_PATH="$pcdir"
libdir=$(pkg-config --variable=libdir emopiano)
cc -std=c99 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags emopiano) \
  "$src/examples/c/generate.c" -o "$work/generate_c_pkgconfig" \
  $(pkg-config --libs emopiano) -Wl,-rpath,"$libdir"

echo "== run"
# A tiny untrained model keeps the check fast and independent of the bundled
# one; its pieces are noise, but real pieces through the real code paths.
"$work/build/make_test_model" "$work/tiny.pt"
check() {
  "$py" - "$@" <<'PY'
import re, sys, mido
path, log = sys.argv[1], sys.argv[2]
mid = mido.MidiFile(path)
notes, now = [], 0
for msg in mido.merge_tracks(mid.tracks):
    now += msg.time
    if msg.type == 'note_on' and msg.velocity > 0:
        notes.append((now, msg.note, msg.velocity))
m = re.search(r"wrote .*: (\d+) notes, (\d+) bars.*streamed (\d+) notes", log)
if not m:
    sys.exit(f"{path}: the program said {log!r}")
said, bars, streamed = int(m.group(1)), int(m.group(2)), int(m.group(3))
if said == 0 or len(notes) != said:
    sys.exit(f"{path}: mido reads {len(notes)} notes, the program wrote {said}")
if streamed != said:
    sys.exit(f"{path}: {streamed} notes streamed but {said} written")
if not all(21 <= p <= 108 and 1 <= v <= 127 for _, p, v in notes):
    sys.exit(f"{path}: a note outside the piano range or velocity range")
print(f"{path}: {len(notes)} notes in {bars} bars, type {mid.type}, {len(mid.tracks)} tracks")
PY
}
for program in "$work/build/generate_c" "$work/build/generate_cpp" "$work/generate_c_pkgconfig"; do
  name=$(basename "$program")
  log=$("$program" "$work/$name.mid" sad "$work/tiny.pt")
  echo "$log"
  check "$work/$name.mid" "$log"
done
# The C ABI and the C++ API give the same piece for the same request.
cmp "$work/generate_c.mid" "$work/generate_cpp.mid"
cmp "$work/generate_c.mid" "$work/generate_c_pkgconfig.mid"
# With the bundled model installed, it is found from the installed library.
if [ -f "$prefix/share/emopiano/models/emopiano-small.pt" ]; then
  log=$(env -u EMOPIANO_MODEL "$work/build/generate_c" "$work/bundled.mid" happy)
  echo "$log"
  check "$work/bundled.mid" "$log"
fi
# Errors reach the caller as a message and a non-zero exit.
if "$work/build/generate_c" "$work/bad.mid" "not-an-emotion" "$work/tiny.pt" 2>"$work/err.txt"; then
  echo "generate_c accepted a bad emotion" >&2
  exit 1
fi
grep -q "invalid argument" "$work/err.txt"
echo "consumer check passed"
