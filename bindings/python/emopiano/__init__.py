"""emopiano: emotion-conditioned solo-piano MIDI generation (Python binding).

A thin, dependency-free layer over libemopiano's C ABI (capi/emopiano.h) using
ctypes. Set EMOPIANO_LIBRARY to the library file to choose which one loads.

    import emopiano
    with emopiano.Model() as model, model.sampler() as sampler:
        piece = sampler.generate("sad", max_bars=8, seed=1)
        piece.write_midi("sad.mid")
"""
from ._library import HAS_MODEL as has_model_support, lib as _lib, library_path
from .audio import audio_available, render_wav
from .beat_tracking import (BeatMap, BeatParams, BeatTimes, beat_times, beats, is_unaligned, retime,
                            retime_bytes)
from .classifier import Classifier, EmotionPrediction, bundled_classifier_path
from .emotion import Emotion, Quadrant, Trajectory
from .errors import (BufferTooSmallError, CancelledError, EmopianoError, FileIOError,
                     FormatError, InternalError, InvalidArgumentError, NotFoundError,
                     OutOfMemoryError, UnsupportedError)
from .midi import Note, metrics, normalize, read_notes, validate
from .model import (CancelToken, Generation, GenerationInfo, KvCache, Model, Precision, Progress,
                    Sampler, WeightStorage, bundled_model_path, set_compute_threads)
from .session import Bar, Session
from .tokenizer import SpecialToken, Tokenizer
from .training import Dataset, DatasetItem, Split, Trainer, TrainMetrics, TrainResult
from .vae import Vae, VaeAttribute, bundled_vae_path, interpolate_latents

__version__ = "0.1.0"


def version():
    """Version string of the loaded library, e.g. "0.1.0"."""
    return _lib.emopiano_version_string().decode()


def version_number():
    """major * 10000 + minor * 100 + patch of the loaded library."""
    return _lib.emopiano_version_number()


def abi_version():
    return _lib.emopiano_abi_version()


__all__ = [
    "Bar", "BeatMap", "BeatParams", "BeatTimes", "BufferTooSmallError", "CancelToken",
    "CancelledError", "Classifier", "Dataset", "DatasetItem", "Emotion", "EmotionPrediction", "EmopianoError", "FileIOError", "FormatError",
    "Generation", "GenerationInfo", "InternalError", "InvalidArgumentError", "KvCache", "Model", "Note",
    "NotFoundError", "OutOfMemoryError", "Precision", "Progress", "Quadrant", "Sampler", "Session",
    "SpecialToken", "Split", "Tokenizer", "TrainMetrics", "TrainResult", "Trainer", "Trajectory",
    "UnsupportedError", "Vae", "VaeAttribute", "WeightStorage", "abi_version", "audio_available",
    "beat_times", "beats", "bundled_classifier_path", "bundled_model_path", "bundled_vae_path",
    "has_model_support", "interpolate_latents", "is_unaligned", "library_path", "metrics",
    "normalize", "read_notes", "render_wav", "retime", "retime_bytes", "set_compute_threads",
    "validate", "version", "version_number",
]
