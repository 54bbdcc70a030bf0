#!/usr/bin/env python3
"""Keep bars [FIRST, LAST) of every MIDI file in a folder, for measuring part of a piece.

Bars are 4 beats of the file's resolution (emopiano writes 4/4). A note is kept
when it starts inside the bars (its end may pass the last bar); the tempo in
force at the first bar is restated at its start. Uses mido (python3-mido), as an
independent reader of the files emopiano wrote.

  python3 bench/cut_bars.py IN_DIR OUT_DIR 10 16
"""
import os
import sys

import mido


def cut(path, out_path, first, last):
    m = mido.MidiFile(path)
    bar = 4 * m.ticks_per_beat
    lo, hi = first * bar, last * bar
    out = mido.MidiFile(ticks_per_beat=m.ticks_per_beat)
    for track in m.tracks:
        kept, sounding, tempo, t = [], set(), None, 0
        for msg in track:
            t += msg.time
            if msg.is_meta:
                if msg.type == "set_tempo" and t <= lo:
                    tempo = msg
                elif msg.type != "end_of_track" and lo <= t < hi:
                    kept.append((t, msg))
            elif msg.type == "note_on" and msg.velocity > 0:
                if lo <= t < hi:
                    kept.append((t, msg))
                    sounding.add((msg.channel, msg.note))
            elif msg.type in ("note_on", "note_off"):
                if (msg.channel, msg.note) in sounding:  # the end of a kept note
                    kept.append((t, msg))
                    sounding.discard((msg.channel, msg.note))
            elif lo <= t < hi:
                kept.append((t, msg))
        if tempo is not None:
            kept.insert(0, (lo, tempo))
        new, last_t = mido.MidiTrack(), 0
        for t, msg in kept:
            at = max(t - lo, 0)
            new.append(msg.copy(time=at - last_t))
            last_t = at
        out.tracks.append(new)
    out.save(out_path)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dst, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if not 0 <= first < last:
        sys.exit(f"bars {first}..{last}: need 0 <= FIRST < LAST")
    os.makedirs(dst, exist_ok=True)
    names = sorted(f for f in os.listdir(src) if f.lower().endswith((".mid", ".midi")))
    for name in names:
        cut(os.path.join(src, name), os.path.join(dst, name), first, last)
    print(f"{len(names)} files: bars {first}..{last - 1} in {dst}")


if __name__ == "__main__":
    main()
