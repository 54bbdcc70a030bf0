#!/usr/bin/env python3
"""Generates an eight-bar piano piece for an emotion and writes it as MIDI:
the Python binding end to end.

    generate.py OUT.mid [EMOTION [MODEL.pt]]

EMOTION is a quadrant or mood ("Q3", "sad"), a mix ("0.1,0.6,0.2,0.1") or a
valence/arousal point ("va:0.7,-0.3"); default "sad". MODEL defaults to the
bundled model. The library is found through $EMOPIANO_LIBRARY, else next to
the package, in the build tree or in the system paths.
"""
import sys
from pathlib import Path

try:
    import emopiano
except ImportError:  # run from the source tree without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import emopiano


def main(argv):
    if not 2 <= len(argv) <= 4:
        print("usage: generate.py OUT.mid [EMOTION [MODEL.pt]]", file=sys.stderr)
        return 2
    out_path = argv[1]
    emotion_text = argv[2] if len(argv) > 2 else "sad"
    model_path = argv[3] if len(argv) > 3 else None
    streamed = []
    try:
        emotion = emopiano.Emotion.parse(emotion_text)
        with emopiano.Model(model_path) as model, model.sampler() as sampler:
            with sampler.generate(emotion, seed=1, max_bars=8, stop_at_eos=False,
                                  on_note=lambda note, piece: streamed.append(note)) as piece:
                piece.write_midi(out_path)
                info = piece.info
    except emopiano.EmopianoError as err:
        print(f"generate.py: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out_path}: {info.notes} notes, {info.bars} bars, "
          f"{info.duration_seconds:.1f} s of music (streamed {len(streamed)} notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
