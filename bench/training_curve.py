#!/usr/bin/env python3
"""Training curves from an `emopiano train --log` JSON-lines file.

Prints the validation figures of every evaluation as a Markdown table and,
with --svg, draws training and validation loss against steps.

  python3 bench/training_curve.py docs/figures/bundled-train.jsonl --svg docs/figures/bundled-loss.svg
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--svg", help="write a loss-curve SVG here")
    args = ap.parse_args()

    steps, evals, end = [], [], None
    with open(args.log) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            if e.get("event") == "step":
                steps.append(e)
            elif e.get("event") == "eval":
                evals.append(e)
            elif e.get("event") == "end":
                end = e
    if not evals:
        print("no evaluation in the log", file=sys.stderr)
        return 1

    print("| epoch | step | minutes | train loss | val loss | val perplexity | val accuracy |")
    print("|---|---|---|---|---|---|---|")
    for e in evals:
        print(f"| {e['epoch']:.1f} | {e['step']} | {e['elapsed'] / 60:.0f} | {e['train_loss']:.3f} | "
              f"{e['val_loss']:.3f} | {e['val_perplexity']:.2f} | {e['val_accuracy']:.3f} |")
    if end:
        print("\nend:", json.dumps({k: v for k, v in end.items() if not isinstance(v, (dict, list))}))

    if args.svg:
        w, h, left, bottom, top, right = 640, 320, 50, 30, 20, 20
        max_step = max(s["step"] for s in steps + evals)
        losses = [s["loss"] for s in steps] + [e["val_loss"] for e in evals]
        lo, hi = min(losses), max(losses)
        def x(step):
            return left + (w - left - right) * step / max(1, max_step)
        def y(loss):
            return top + (h - top - bottom) * (hi - loss) / max(1e-9, hi - lo)
        def path(points):
            return " ".join(("M" if i == 0 else "L") + f"{x(s):.1f},{y(l):.1f}" for i, (s, l) in enumerate(points))
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
                 '<rect width="100%" height="100%" fill="white"/>',
                 f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#888"/>',
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#888"/>']
        for frac in (0, 0.25, 0.5, 0.75, 1):
            loss = lo + (hi - lo) * frac
            parts.append(f'<text x="{left - 6}" y="{y(loss) + 4:.1f}" text-anchor="end">{loss:.2f}</text>')
            step = int(max_step * frac)
            parts.append(f'<text x="{x(step):.1f}" y="{h - bottom + 16}" text-anchor="middle">{step}</text>')
        parts.append(f'<path d="{path([(s["step"], s["loss"]) for s in steps])}" fill="none" stroke="#4a7fd4" stroke-width="1.5"/>')
        parts.append(f'<path d="{path([(e["step"], e["val_loss"]) for e in evals])}" fill="none" stroke="#d08030" stroke-width="2"/>')
        for e in evals:
            parts.append(f'<circle cx="{x(e["step"]):.1f}" cy="{y(e["val_loss"]):.1f}" r="3" fill="#d08030"/>')
        parts.append(f'<text x="{w - right}" y="{top + 10}" text-anchor="end" fill="#4a7fd4">training loss</text>')
        parts.append(f'<text x="{w - right}" y="{top + 24}" text-anchor="end" fill="#d08030">validation loss</text>')
        parts.append(f'<text x="{(w + left) / 2}" y="{h - 2}" text-anchor="middle">step</text>')
        parts.append("</svg>")
        with open(args.svg, "w") as f:
            f.write("\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
