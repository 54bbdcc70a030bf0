#!/usr/bin/env python3
"""Do 50/50 emotion mixes land between their ends?

For each pair of quadrants (A, B) generates N pieces for pure A, pure B and the
50/50 mix of the two, with the same seeds, measures them with `emopiano
metrics`, and prints note density, velocity and the share of major keys for
the three, as a Markdown table. A mix is "between" on a figure when it lies
inside [min(A, B), max(A, B)] widened by a tolerance (default 5% of |A - B|).
Exits 1 when any mix is outside on density or velocity. Then, for every
emotion measured, the 95% intervals of its figures (Student's t for the means,
Wilson for the share of major keys; emotion_in_numbers.py computes both), so a
mix just outside its ends can be told from chance: a mean outside its ends is
also given as Welch's t against the nearer end (|t| < 2: within the noise).

  python3 bench/emotion_mixes.py --emopiano build/emopiano --num 30 --bars 16
  python3 bench/emotion_mixes.py --pairs Q3+Q4 --num 100 --threads 1   # one pair, more pieces
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

from emotion_in_numbers import mean_interval, wilson

PAIRS = [("Q1", "Q3"), ("Q2", "Q4"), ("Q1", "Q2"), ("Q3", "Q4"), ("Q1", "Q4"), ("Q2", "Q3")]
FIGURES = [("notes_per_bar", "notes/bar", 1), ("velocity_mean", "velocity", 1), ("major_share", "major", 2)]


def mix(a, b):
    p = [0.0] * 4
    p[int(a[1]) - 1] += 0.5
    p[int(b[1]) - 1] += 0.5
    return ",".join(f"{x:g}" for x in p)


def measure(emopiano, model, emotion, folder, args):
    os.makedirs(folder, exist_ok=True)
    cmd = [emopiano, "generate", "--emotion", emotion, "--num", str(args.num), "--bars", str(args.bars),
           "--seed", str(args.seed), "--quiet", "-o", os.path.join(folder, "piece.mid"),
           "--threads", str(args.threads)]
    if model:
        cmd += ["--model", model]
    if args.guidance is not None:
        cmd += ["--guidance", str(args.guidance)]
    if args.rhythm_guidance is not None:
        cmd += ["--rhythm-guidance", str(args.rhythm_guidance)]
    if args.valence_guidance is not None:
        cmd += ["--valence-guidance", str(args.valence_guidance)]
    subprocess.run(cmd, check=True)
    out = subprocess.run([emopiano, "metrics", folder, "--json", "--summary-only"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        j = json.loads(line)
        if j.get("summary") == "all":
            return j
    raise SystemExit(f"no summary for {folder}")


def figure(summary, key):
    if key == "major_share":
        return summary["major_share"]
    return summary["mean"][key]


def welch_t(x, y, key):
    """Welch's t of x's mean of `key` against y's (population stddevs, as metrics prints them)."""
    nx, ny = x["pieces"], y["pieces"]
    sx, sy = x.get("stddev", {}).get(key), y.get("stddev", {}).get(key)
    if sx is None or sy is None or nx < 2 or ny < 2:
        return None
    se = math.sqrt(sx * sx / (nx - 1) + sy * sy / (ny - 1))
    return (x["mean"][key] - y["mean"][key]) / se if se > 0 else None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emopiano", default=os.path.join(here, "..", "build", "emopiano"))
    ap.add_argument("--model", help="model file (default: the bundled model)")
    ap.add_argument("--num", type=int, default=30, help="pieces per emotion")
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--guidance", type=float, help="guidance weight (default: the model's)")
    ap.add_argument("--rhythm-guidance", type=float, help="rhythm guidance weight (default: the model's)")
    ap.add_argument("--valence-guidance", type=float, help="valence guidance weight (default: the model's)")
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--pairs", help="only these pairs, e.g. Q3+Q4,Q1+Q3 (default: all six)")
    ap.add_argument("--threads", type=int, default=0, help="compute threads per generate, 0 = all cores")
    args = ap.parse_args()
    pairs = PAIRS
    if args.pairs:
        pairs = [tuple(p.split("+")) for p in args.pairs.split(",")]
        if any(len(p) != 2 or p[0] == p[1] or not all(q in ("Q1", "Q2", "Q3", "Q4") for q in p) for p in pairs):
            ap.error(f"--pairs: expected pairs like Q3+Q4, got {args.pairs}")

    outside = 0
    with tempfile.TemporaryDirectory(prefix="emopiano-mixes-") as tmp:
        cache = {}
        def get(emotion):
            if emotion not in cache:
                cache[emotion] = measure(args.emopiano, args.model, emotion, os.path.join(tmp, emotion.replace(",", "_")), args)
            return cache[emotion]
        print(f"{args.num} pieces per emotion, {args.bars} bars, seeds {args.seed}..{args.seed + args.num - 1}\n")
        print("| pair | " + " | ".join(f"{name}: A / mix / B" for _, name, _ in FIGURES) + " | between |")
        print("|---|" + "---|" * (len(FIGURES) + 1))
        notes = []
        for a, b in pairs:
            sa, sm, sb = get(a), get(mix(a, b)), get(b)
            cells, flags = [], []
            for key, _, digits in FIGURES:
                va, vm, vb = figure(sa, key), figure(sm, key), figure(sb, key)
                slack = args.tolerance * abs(va - vb)
                inside = min(va, vb) - slack <= vm <= max(va, vb) + slack
                flags.append(inside)
                cells.append(f"{va:.{digits}f} / **{vm:.{digits}f}** / {vb:.{digits}f}")
                if not inside and key != "major_share":
                    outside += 1
                    nearer = sa if abs(vm - va) < abs(vm - vb) else sb
                    t = welch_t(sm, nearer, key)
                    if t is not None:
                        notes.append(f"{a}+{b} {key}: the mix is outside its ends; Welch's t against the "
                                     f"nearer end {t:+.2f} ({'within' if abs(t) < 2 else 'beyond'} the noise)")
            verdict = ", ".join(name for (k, name, _), ok in zip(FIGURES, flags) if ok) or "none"
            print(f"| {a}+{b} | " + " | ".join(cells) + f" | {verdict} |")
        for line in notes:
            print(f"\n{line}")
        print("\n95% intervals of each emotion's figures (mean ± half-width, Student's t; major keys: Wilson):\n")
        print("| emotion | pieces | " + " | ".join(name for _, name, _ in FIGURES) + " |")
        print("|---|---|" + "---|" * len(FIGURES))
        for emotion, summary in cache.items():
            n = summary["pieces"]
            cells = [wilson(summary["major_share"], n) if key == "major_share" else
                     mean_interval(summary["mean"][key], summary.get("stddev", {}).get(key), n, digits)
                     for key, _, digits in FIGURES]
            print(f"| {emotion} | {n} | " + " | ".join(cells) + " |")
    print()
    print("every mix between its ends on density and velocity" if outside == 0
          else f"{outside} figure(s) of density or velocity outside their ends")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
