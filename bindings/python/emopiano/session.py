"""Live sessions: music one bar at a time while the emotion changes."""
import ctypes
import os
import threading
from typing import NamedTuple, Optional, Tuple

from ._handle import Handle
from ._library import (HAS_MODEL, Note as NoteStruct, P, SessionBar as BarStruct, SessionParams,
                       encode_str, lib, set_primer, size_t, void_p)
from .emotion import Emotion, _as_emotion
from .errors import InvalidArgumentError, UnsupportedError, check
from .midi import Note, take_notes
from .model import _set_density

_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


class Bar(NamedTuple):
    """One bar: absolute times from the start of the session's music."""
    index: int
    ticks_per_beat: int
    start_tick: int
    end_tick: int
    start_seconds: float
    end_seconds: float
    bpm: float
    emotion: Tuple[float, float, float, float]
    key: Optional[str]  # "D minor"; None for models without key tokens
    tokens: int
    notes: list


class Session(Handle):
    """Music that follows an emotion set between bars (docs/live.md).

    One thread at a time, except cancel(), which any thread may call. Many
    sessions may share one Model; the session keeps the network alive, so
    the Model may be closed first. Bars depend only on the model, the
    options and the set_emotion calls with the bar before which each came.
    """

    _free = None  # set below

    def __init__(self, model, emotion=None, *, seed=0, temperature=None, top_k=None, top_p=None,
                 guidance=None, constrain_grammar=None, key=None, primer=None, record=False,
                 lookahead=False, rhythm_guidance=None, valence_guidance=None, density=None):
        """emotion: an Emotion, a Quadrant or a string ("calm", "0.1,0.6,0.2,0.1",
        "va:0.7,-0.3"); None is Q1. primer: a MIDI path or bytes to continue.
        record: keep every bar so write_midi can write the music so far.
        lookahead: write the next bar on a thread of the session's own while
        this one plays, so next_bar() returns at once (the same bars).
        rhythm_guidance, valence_guidance, density: as in Sampler.generate_batch."""
        if not HAS_MODEL:
            raise UnsupportedError("this libemopiano was built without model support (LibTorch)", -7)
        params = SessionParams()
        check(lib.emopiano_session_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        params.seed = seed
        for name, value in (("temperature", temperature), ("top_k", top_k), ("top_p", top_p),
                            ("guidance", guidance), ("rhythm_guidance", rhythm_guidance),
                            ("valence_guidance", valence_guidance)):
            if value is not None:
                setattr(params, name, value)
        _set_density(params, density)
        if constrain_grammar is not None:
            params.constrain_grammar = int(bool(constrain_grammar))
        params.record = int(bool(record))
        params.lookahead = int(bool(lookahead))
        keep = []
        if emotion is not None:
            struct = _as_emotion(emotion)._struct
            keep.append(struct)
            params.emotion = ctypes.pointer(struct)
        if key is not None:
            params.key = encode_str(key, "key")
        set_primer(params, primer, keep)
        out = void_p()
        check(lib.emopiano_session_create(ctypes.byref(out), model, ctypes.byref(params)))
        super().__init__(out.value)
        self._busy = threading.Lock()

    def next_bar(self):
        """The next bar. CancelledError when cancel() stopped it: the session
        is as it was, and the next call writes that bar afresh."""
        if not self._busy.acquire(blocking=False):
            raise InvalidArgumentError("this Session is already writing a bar; use it from one thread", -1)
        try:
            info = BarStruct()
            info.struct_size = ctypes.sizeof(info)
            notes, count = P(NoteStruct)(), size_t()
            check(lib.emopiano_session_next_bar(ctypes.byref(info), ctypes.byref(notes),
                                                ctypes.byref(count), self))
        finally:
            self._busy.release()
        key = None
        if info.key_tonic >= 0:
            key = f"{_TONICS[info.key_tonic]} {'major' if info.key_major else 'minor'}"
        return Bar(info.index, info.ticks_per_beat, info.start_tick, info.end_tick,
                   info.start_seconds, info.end_seconds, info.bpm, tuple(info.emotion.p), key,
                   info.tokens, take_notes(notes, count.value))

    def set_emotion(self, emotion):
        """The emotion of the bars from the next one on."""
        check(lib.emopiano_session_set_emotion(self, ctypes.byref(_as_emotion(emotion)._struct)))

    def cancel(self):
        """Stops the bar in progress; callable from any thread."""
        check(lib.emopiano_session_cancel(self))

    def reset(self):
        """Back to the opening: the same bars again from bar 0."""
        check(lib.emopiano_session_reset(self))

    def write_midi(self, path):
        """The bars so far as a MIDI file, written atomically (needs record=True)."""
        check(lib.emopiano_session_write_midi(self, encode_str(os.fspath(path), "path")))

    def __iter__(self):
        while True:
            yield self.next_bar()


if HAS_MODEL:
    Session._free = lib.emopiano_session_free

__all__ = ["Bar", "Emotion", "Note", "Session"]
