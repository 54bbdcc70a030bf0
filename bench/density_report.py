#!/usr/bin/env python3
"""How dense are these pieces, bar by bar? The figures of docs/evaluation.md, "Density".

For each folder of MIDI files whose names start with their quadrant (Q1_000_pred-Q2.mid, as
`emopiano evaluate --save DIR` writes them), prints per quadrant:

- notes a beat: a piece's notes over the beats of the bars from its first note's to its last
  note's, the mean over the pieces (the definition of sample::notes_per_beat, which `emopiano
  dataset` prints for a collection and `--density` holds);
- empty bars: the share of those bars without a note;
- notes a bar at every other bar from bar 1, the mean over the pieces.

Bars are of 4/4, as the bundled model's tokens are. Uses mido (python3-mido), as an independent
reader of the files.

  python3 bench/density_report.py /tmp/default /tmp/density
"""
import argparse
import collections
import glob
import os
import statistics
import sys

try:
    import mido
except ImportError:
    sys.exit("density_report.py needs mido: apt-get install python3-mido")


def onset_bars(path):
    """The bar of every note onset of a file (4/4 bars)."""
    midi = mido.MidiFile(path)
    bar_ticks = 4 * midi.ticks_per_beat
    bars = []
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                bars.append(tick // bar_ticks)
    return bars


def report(folder, bars_shown):
    per_quadrant = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(folder, "*.mid"))):
        quadrant = os.path.basename(path)[:2]
        if quadrant in ("Q1", "Q2", "Q3", "Q4"):
            per_quadrant[quadrant].append(collections.Counter(onset_bars(path)))
    if not per_quadrant:
        sys.exit(f"{folder}: no Q1_*.mid .. Q4_*.mid files")
    shown = list(range(1, bars_shown, 2))
    print(f"{folder}")
    print(f"{'':4} {'pieces':>6} {'notes/beat':>10} {'empty bars':>10}   notes a bar at bars "
          + " ".join(str(b) for b in shown))
    for quadrant in sorted(per_quadrant):
        densities, empty, spanned = [], 0, 0
        for counts in per_quadrant[quadrant]:
            if not counts:
                continue
            first, last = min(counts), max(counts)
            densities.append(sum(counts.values()) / (4.0 * (last - first + 1)))
            spanned += last - first + 1
            empty += sum(1 for b in range(first, last + 1) if counts[b] == 0)
        pieces = per_quadrant[quadrant]
        by_bar = " ".join(f"{statistics.mean(c[b] for c in pieces):.1f}" for b in shown)
        print(f"{quadrant:4} {len(pieces):>6} {statistics.mean(densities):>10.2f} "
              f"{empty / max(spanned, 1):>10.1%}   {by_bar}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="folders of Q1_*.mid .. Q4_*.mid files")
    parser.add_argument("--bars", type=int, default=16, help="bars of notes a bar to show (default 16)")
    args = parser.parse_args()
    for folder in args.folders:
        report(folder, args.bars)


if __name__ == "__main__":
    main()
