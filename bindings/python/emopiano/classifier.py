"""The emotion classifier: which EMOPIA quadrant a piece sounds like."""
import ctypes
import os
from typing import NamedTuple, Tuple

from ._handle import Handle
from ._library import EmotionPrediction as PredictionStruct, bytes_arg, encode_str, lib, take_string, void_p
from .emotion import Quadrant
from .errors import check


def bundled_classifier_path():
    """The classifier that ships with emopiano ($EMOPIANO_CLASSIFIER first)."""
    out = void_p()
    check(lib.emopiano_bundled_classifier_path(ctypes.byref(out)))
    return take_string(out)


class EmotionPrediction(NamedTuple):
    quadrant: Quadrant                 # the most probable
    probabilities: Tuple[float, float, float, float]  # Q1..Q4, summing to 1
    arousal: float                     # P(Q1) + P(Q2)
    valence: float                     # P(Q1) + P(Q4)
    windows: int                       # windows of the piece that were averaged


class Classifier(Handle):
    """A loaded emotion classifier. Read-only: share one between threads."""

    _free = lib.emopiano_classifier_free

    def __init__(self, path=None):
        """Loads a classifier file; Classifier() loads the bundled one."""
        if path is None:
            path = bundled_classifier_path()
        out = void_p()
        check(lib.emopiano_classifier_load(ctypes.byref(out), encode_str(os.fspath(path), "path")))
        super().__init__(out.value)

    def classify(self, midi):
        """The emotion of a MIDI file (a path) or of MIDI bytes."""
        out = PredictionStruct()
        out.struct_size = ctypes.sizeof(out)
        if isinstance(midi, (bytes, bytearray, memoryview)):
            _keep, pointer, size = bytes_arg(midi)
            check(lib.emopiano_classifier_classify_midi(ctypes.byref(out), self, pointer, size))
        else:
            check(lib.emopiano_classifier_classify_file(ctypes.byref(out), self,
                                                        encode_str(os.fspath(midi), "path")))
        return EmotionPrediction(Quadrant(out.quadrant), tuple(out.probabilities), out.arousal,
                                 out.valence, out.windows)
