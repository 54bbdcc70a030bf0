"""MIDI notes as the library reads them, from files or bytes."""
import ctypes
import os
from typing import NamedTuple

from ._library import (MidiReadParams, Note as NoteStruct, P, bytes_arg, encode_str, lib, size_t,
                       take_bytes, void_p)
from .errors import check


class Note(NamedTuple):
    pitch: int
    velocity: int
    channel: int
    start_tick: int
    end_tick: int
    start_seconds: float
    end_seconds: float

    @classmethod
    def _from_struct(cls, s):
        return cls(s.pitch, s.velocity, s.channel, s.start_tick, s.end_tick,
                   s.start_seconds, s.end_seconds)


def take_notes(pointer, count):
    """Copies a library-owned note array into a list and frees it."""
    try:
        return [Note._from_struct(pointer[i]) for i in range(count)]
    finally:
        lib.emopiano_free(pointer)


def _read_params(apply_sustain_pedal, exclude_drums):
    params = MidiReadParams()
    check(lib.emopiano_midi_read_params_init(ctypes.byref(params), ctypes.sizeof(params)))
    params.apply_sustain_pedal = int(bool(apply_sustain_pedal))
    params.exclude_drums = int(bool(exclude_drums))
    return params


def read_notes(source, *, apply_sustain_pedal=False, exclude_drums=True):
    """The notes of a MIDI file (a path) or of MIDI bytes, sorted by (start, pitch)."""
    params = _read_params(apply_sustain_pedal, exclude_drums)
    notes, count = P(NoteStruct)(), size_t()
    if isinstance(source, (bytes, bytearray, memoryview)):
        _keep, data, size = bytes_arg(source)
        check(lib.emopiano_midi_read_notes_bytes(ctypes.byref(notes), ctypes.byref(count), data,
                                                 size, ctypes.byref(params)))
    else:
        check(lib.emopiano_midi_read_notes_file(ctypes.byref(notes), ctypes.byref(count),
                                                encode_str(os.fspath(source), "path"),
                                                ctypes.byref(params)))
    return take_notes(notes, count.value)


def validate(data):
    """Raises FormatError with the reason unless data is a well-formed Standard MIDI File."""
    _keep, pointer, size = bytes_arg(data)
    check(lib.emopiano_midi_validate(pointer, size))


def normalize(data, *, apply_sustain_pedal=False, exclude_drums=True):
    """MIDI bytes rewritten as the library writes them (format 1, conductor + piano)."""
    params = _read_params(apply_sustain_pedal, exclude_drums)
    _keep, pointer, size = bytes_arg(data)
    out, out_size = void_p(), size_t()
    check(lib.emopiano_midi_normalize_bytes(ctypes.byref(out), ctypes.byref(out_size), pointer,
                                            size, ctypes.byref(params)))
    return take_bytes(out, out_size.value)


def metrics(data):
    """Music metrics of MIDI bytes (a dict: notes, pitch range, entropy, key, ...)."""
    import json
    from ._library import take_string
    _keep, pointer, size = bytes_arg(data)
    out = void_p()
    check(lib.emopiano_metrics_bytes_json(ctypes.byref(out), pointer, size, None))
    return json.loads(take_string(out))
