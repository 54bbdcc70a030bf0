#!/usr/bin/env python3
"""Drives a live session from an emotion capsule file: each bar takes the
capsule's last row before the bar starts, then the bars go to a MIDI file.
The Python binding end to end (`emopiano generate --capsule` does the same
with smoothing and every error check; docs/live.md).

    live_capsule.py CAPSULE.csv OUT.mid [MODEL.pt]

The capsule here is CSV with a header: `seconds` or `bar`, then q1,q2,q3,q4
or valence,arousal (examples/capsules/recogniser.csv).
"""
import csv
import sys
from pathlib import Path

try:
    import emopiano
except ImportError:  # run from the source tree without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import emopiano


def read_capsule(path):
    """[(time, Emotion)] and whether the times are bars."""
    with open(path, newline="") as f:
        rows = csv.DictReader(line for line in f if line.strip() and not line.startswith("#"))
        in_bars = "bar" in rows.fieldnames
        out = []
        for row in rows:
            if "q1" in row:
                emotion = emopiano.Emotion.from_weights([float(row[f"q{k}"]) for k in range(1, 5)])
            else:
                emotion = emopiano.Emotion.from_valence_arousal(float(row["valence"]), float(row["arousal"]))
            out.append((float(row["bar" if in_bars else "seconds"]), emotion))
    return out, in_bars


def main(argv):
    if not 3 <= len(argv) <= 4:
        print("usage: live_capsule.py CAPSULE.csv OUT.mid [MODEL.pt]", file=sys.stderr)
        return 2
    rows, in_bars = read_capsule(argv[1])
    out_path = argv[2]
    streamed = 0
    with emopiano.Model(argv[3] if len(argv) > 3 else None) as model, \
            emopiano.Session(model, rows[0][1], seed=1, record=True) as session:
        start, bar = 0.0, None
        while start <= rows[-1][0]:
            # The emotion of the latest row at or before the bar's start.
            session.set_emotion([e for t, e in rows if t <= start][-1])
            bar = session.next_bar()
            streamed += len(bar.notes)
            print(f"bar {bar.index:3d} at {bar.start_seconds:6.2f} s: "
                  + ", ".join(f"{p:.2f}" for p in bar.emotion))
            start = bar.index + 1 if in_bars else bar.end_seconds
        session.write_midi(out_path)
    print(f"wrote {out_path}: {streamed} notes, {bar.index + 1} bars (streamed {streamed} notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
