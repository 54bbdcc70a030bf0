#!/usr/bin/env python3
"""Is the requested emotion audible in numbers?

Generates N pieces per quadrant with a model (the bundled one by default),
measures them with `emopiano metrics`, and prints, per quadrant, the mean note
density, velocity, pitch range and share of major keys beside the same figures
for the EMOPIA clips of that quadrant, as a Markdown table. Where a row has
50 pieces or fewer (the generated ones), each mean carries its 95% confidence
interval (Student's t) and the share of major keys its Wilson interval, so
two samples of the same model can be told apart from chance. Ends with a check
that the high-arousal quadrants (Q1, Q2) come out denser and louder than the
low-arousal ones (Q3, Q4), as they are in the data; exits 1 when they do not.

  python3 bench/emotion_in_numbers.py --emopiano build/emopiano --per-quadrant 20
  python3 bench/emotion_in_numbers.py --pieces DIR     # measure pieces already made
  python3 bench/emotion_in_numbers.py --wilson 10/25 2/25   # intervals of counts
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

QUADRANTS = ["Q1", "Q2", "Q3", "Q4"]
MOODS = {"Q1": "happy", "Q2": "tense", "Q3": "sad", "Q4": "calm"}
COLUMNS = [
    ("notes_per_second", "notes/s", 2),
    ("notes_per_bar", "notes/bar", 1),
    ("velocity_mean", "velocity", 1),
    ("pitch_range", "pitch range", 1),
    ("polyphony", "polyphony", 2),
    ("pitch_class_entropy", "pc entropy", 2),
]


# Two-sided 95% quantiles of Student's t for n - 1 degrees of freedom (n <= 50).
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
       10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
       18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
       26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042}
SMALL = 50  # rows with at most this many pieces get intervals


def t95(df):
    if df in T95:
        return T95[df]
    return 2.021 if df <= 40 else 2.009  # 40 and 50 degrees of freedom


def mean_interval(mean, stddev, n, digits):
    """mean +- half-width of its 95% interval; stddev is the population one."""
    if n < 2 or stddev is None:
        return f"{mean:.{digits}f}"
    half = t95(n - 1) * stddev * math.sqrt(n / (n - 1)) / math.sqrt(n)
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def wilson(share, n):
    """Wilson 95% interval of a proportion, in percent."""
    z = 1.96
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{100 * share:.0f}% ({100 * max(0.0, centre - half):.0f}-{100 * min(1.0, centre + half):.0f})"


def summaries(emopiano, folder):
    """Per-label summaries of every MIDI file under folder."""
    out = subprocess.run([emopiano, "metrics", folder, "--json", "--summary-only"],
                         check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        j = json.loads(line)
        if "summary" in j:
            result[j["summary"]] = j
    return result


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emopiano", default=os.path.join(here, "..", "build", "emopiano"))
    ap.add_argument("--model", help="model file (default: the bundled model)")
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "emopia",
                                                   "EMOPIA_1.0", "midis"))
    ap.add_argument("--per-quadrant", type=int, default=20)
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--temperature", default="1.0")
    ap.add_argument("--top-p", default="0.95")
    ap.add_argument("--keep", help="write the generated pieces here instead of a temporary folder")
    ap.add_argument("--pieces", help="measure the pieces in this folder (labelled by the Q1_.. prefix of "
                                     "their names, as `emopiano evaluate --save` writes them) instead of generating")
    ap.add_argument("--wilson", nargs="+", metavar="K/N",
                    help="only print the Wilson 95%% interval of each proportion K/N")
    args = ap.parse_args()

    if args.wilson:
        for text in args.wilson:
            k, n = (int(x) for x in text.split("/"))
            print(f"{text}: {wilson(k / n, n)}")
        return 0

    out_dir = args.pieces or args.keep or tempfile.mkdtemp(prefix="emopiano-emotion-")
    started = time.time()
    for index, q in enumerate([] if args.pieces else QUADRANTS):
        os.makedirs(os.path.join(out_dir, q), exist_ok=True)
        # Seeds differ between quadrants: with the same random draws, similar
        # distributions pick the same tokens, which would hide or fake differences.
        seed = args.seed + 1000 * index
        cmd = [args.emopiano, "generate", "--emotion", q, "--bars", str(args.bars),
               "--num", str(args.per_quadrant), "--seed", str(seed),
               "--temperature", args.temperature, "--top-p", args.top_p, "--quiet",
               "-o", os.path.join(out_dir, q, f"{q}.mid")]
        if args.model:
            cmd += ["--model", args.model]
        print(f"generating {args.per_quadrant} {MOODS[q]} pieces ...", file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True)
    gen_seconds = time.time() - started

    generated = summaries(args.emopiano, out_dir)
    real = summaries(args.emopiano, args.data)

    header = "| quadrant | source | pieces | " + " | ".join(c[1] for c in COLUMNS) + " | major keys |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for q in QUADRANTS:
        for source, table in (("generated", generated), ("EMOPIA", real)):
            s = table.get(q)
            if not s:
                continue
            small = s["pieces"] <= SMALL
            cells = []
            for key, _, digits in COLUMNS:
                v = s["mean"].get(key)
                if v is None:
                    cells.append("-")
                elif small:
                    cells.append(mean_interval(v, s.get("stddev", {}).get(key), s["pieces"], digits))
                else:
                    cells.append(f"{v:.{digits}f}")
            major = wilson(s["major_share"], s["pieces"]) if small else f"{100 * s['major_share']:.0f}%"
            print(f"| {q} {MOODS[q]} | {source} | {s['pieces']} | " + " | ".join(cells) + f" | {major} |")
    made = "measured" if args.pieces else f"of {args.bars} bars generated in {gen_seconds:.0f} s"
    print(f"\n{sum(generated[q]['pieces'] for q in QUADRANTS if q in generated)} pieces {made}; "
          f"pieces in {out_dir}; generated rows: mean ± half-width of the 95% interval, major keys with "
          f"the Wilson 95% interval")

    def mean_of(table, qs, key):
        return sum(table[q]["mean"][key] for q in qs) / len(qs)

    ok = True
    for key, name in (("notes_per_second", "note density"), ("velocity_mean", "velocity")):
        high, low = mean_of(generated, ["Q1", "Q2"], key), mean_of(generated, ["Q3", "Q4"], key)
        rh, rl = mean_of(real, ["Q1", "Q2"], key), mean_of(real, ["Q3", "Q4"], key)
        verdict = "yes" if high > low else "NO"
        ok = ok and high > low
        print(f"high-arousal {name} above low-arousal: {verdict} "
              f"(generated {high:.2f} vs {low:.2f}; EMOPIA {rh:.2f} vs {rl:.2f})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
