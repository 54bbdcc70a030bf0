#!/usr/bin/env bash
# Runs an example program that writes a MIDI file, then reads that file with
# mido (an independent parser) and checks it against what the program said.
#   bindings/tests/run_example.sh OUT.mid COMMAND [ARGS...]
set -euo pipefail
out=${1:?usage: run_example.sh OUT.mid COMMAND [ARGS...]}
shift
rm -f "$out"
log=$("$@")
echo "$log"
# Debian's python3 has python3-mido; a python3 earlier on PATH may not.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" - "$out" "$log" <<'PY'
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
print(f"{path}: mido reads {len(notes)} notes in {bars} bars, type {mid.type}, {len(mid.tracks)} tracks")
PY
