"""Fixtures the binding tests build with the library itself."""
import sys
import tempfile
from pathlib import Path

# Run from anywhere: the package is one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import emopiano  # noqa: E402

# Small enough that a piece takes well under a second on one core.
TINY_MODEL = {"n_layers": 2, "d_model": 64, "n_heads": 2, "d_ff": 128}


def temp_dir(test):
    """A fresh folder removed when the test ends."""
    folder = tempfile.TemporaryDirectory(prefix="emopiano-py-")
    test.addCleanup(folder.cleanup)
    return Path(folder.name)


def scale_tokens(tokenizer, pitches=(60, 62, 64, 65, 67)):
    """BOS, one bar with one note per beat of the given pitches, EOS."""
    tok = tokenizer.token_from_string
    names = [tokenizer.token_to_string(i) for i in range(tokenizer.vocab_size)]
    velocity = next(n for n in names if n.startswith("Velocity_") and int(n[9:]) >= 64)
    tokens = [tokenizer.special_id(emopiano.SpecialToken.BOS), tok("Bar")]
    for beat, pitch in enumerate(pitches[:4]):
        tokens += [tok(f"Position_{beat * 4}"), tok(f"Pitch_{pitch}"), tok(velocity),
                   tok("Duration_4")]
    tokens.append(tokenizer.special_id(emopiano.SpecialToken.EOS))
    return tokens


def model_path():
    """The bundled model when it exists, else None."""
    try:
        return emopiano.bundled_model_path()
    except emopiano.NotFoundError:
        return None


def tiny_model(seed=1):
    return emopiano.Model.create(TINY_MODEL, seed=seed)



def melody_tokens(tokenizer, pitches, bars):
    """BOS, `bars` bars of eighth notes walking through `pitches` (cycled), EOS."""
    tok = tokenizer.token_from_string
    names = [tokenizer.token_to_string(i) for i in range(tokenizer.vocab_size)]
    velocity = next(n for n in names if n.startswith("Velocity_") and int(n[9:]) >= 64)
    tokens = [tokenizer.special_id(emopiano.SpecialToken.BOS)]
    for bar in range(bars):
        tokens.append(tok("Bar"))
        for eighth in range(8):
            pitch = pitches[(bar * 8 + eighth) % len(pitches)]
            tokens += [tok(f"Position_{eighth * 2}"), tok(f"Pitch_{pitch}"), tok(velocity),
                       tok("Duration_2")]
    tokens.append(tokenizer.special_id(emopiano.SpecialToken.EOS))
    return tokens


SCALE = (60, 62, 64, 65, 67, 69, 71, 72)
ARPEGGIO = (57, 60, 64, 69, 64, 60)


def write_corpus(folder):
    """Four short melodies as MIDI files and a CSV path,label,split naming
    them (two to train on, one to validate, one to test); returns the CSV."""
    pieces = [("a", SCALE, 6, "Q1", "train"), ("b", ARPEGGIO, 5, "Q3", "train"),
              ("c", ARPEGGIO, 3, "Q3", "val"), ("d", SCALE, 2, "Q4", "test")]
    lines = []
    with emopiano.Tokenizer() as tokenizer:
        for name, pitches, bars, label, split in pieces:
            tokenizer.decode_to_file(melody_tokens(tokenizer, pitches, bars), folder / f"{name}.mid")
            lines.append(f"{name}.mid,{label},{split}\n")
    csv = folder / "list.csv"
    csv.write_text("".join(lines))
    return csv
