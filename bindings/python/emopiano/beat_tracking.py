"""Beats, downbeats and metre of a performance, and the performance retimed
onto them (docs/beats.md). MIDI is read with the default read params."""
import ctypes
import dataclasses
import json
import os
from typing import List, NamedTuple, Optional

from ._library import (BeatParams as BeatParamsStruct, bytes_arg, encode_str, f64, i32, lib, size_t,
                       take_bytes, take_string, void_p)
from .errors import check


def _defaults():
    params = BeatParamsStruct()
    check(lib.emopiano_beat_params_init(ctypes.byref(params), ctypes.sizeof(params)))
    return params


@dataclasses.dataclass
class BeatParams:
    """Beat tracking settings; a field given as None takes the library's
    default (emopiano_beat_params_init), so BeatParams() shows the defaults.

    metre: beats per bar, 0 detects 3 or 4, 2..12 forces it; min_bpm, max_bpm:
    the tempo range searched; prior_bpm, prior_octaves: centre and width of
    the log-normal tempo prior; tightness: how closely beats keep to the local
    tempo. Values out of range raise InvalidArgumentError when used."""
    metre: Optional[int] = None
    min_bpm: Optional[float] = None
    max_bpm: Optional[float] = None
    prior_bpm: Optional[float] = None
    prior_octaves: Optional[float] = None
    tightness: Optional[float] = None

    def __post_init__(self):
        defaults = _defaults()
        for field in dataclasses.fields(self):
            if getattr(self, field.name) is None:
                setattr(self, field.name, getattr(defaults, field.name))

    def _struct(self):
        params = _defaults()
        for field in dataclasses.fields(self):
            setattr(params, field.name, getattr(self, field.name))
        return params


class BeatMap(NamedTuple):
    metre: int              # beats per bar
    pickup_beats: int       # beats before the first downbeat, 0..metre-1
    beats: List[float]      # beat times in seconds, increasing
    bpm: List[float]        # local tempo of each beat (to the next beat)
    downbeats: List[int]    # indices into beats of the first beat of each bar


class BeatTimes(NamedTuple):
    beats: List[float]  # beat times in seconds
    metre: int          # beats per bar


def _params_pointer(params):
    """NULL (the library's defaults) for None; the struct lives as long as the byref."""
    return None if params is None else ctypes.byref(params._struct())


def _is_bytes(source):
    return isinstance(source, (bytes, bytearray, memoryview))


def beats(source, params=None):
    """The BeatMap of a MIDI file (a path) or of MIDI bytes; a piece with
    fewer than two onsets gives empty lists. params: a BeatParams or None."""
    out = void_p()
    if _is_bytes(source):
        _keep, data, size = bytes_arg(source)
        check(lib.emopiano_beats_bytes_json(ctypes.byref(out), data, size, _params_pointer(params)))
    else:
        check(lib.emopiano_beats_file_json(ctypes.byref(out), encode_str(os.fspath(source), "path"),
                                           _params_pointer(params)))
    fields = json.loads(take_string(out))
    return BeatMap(fields["metre"], fields["pickup_beats"], fields["beats"], fields["bpm"],
                   fields["downbeats"])


def beat_times(path, params=None):
    """The beat times (seconds) and metre of a MIDI file, into an array sized
    by a first call that asks only for the count."""
    path = encode_str(os.fspath(path), "path")
    params_pointer = _params_pointer(params)
    count, metre = size_t(), i32()
    status = lib.emopiano_beats_file(None, 0, ctypes.byref(count), ctypes.byref(metre), path,
                                     params_pointer)
    out = (f64 * 0)()
    if status == -5:  # BUFFER_TOO_SMALL: the number of beats is in `count`
        out = (f64 * count.value)()
        status = lib.emopiano_beats_file(out, len(out), ctypes.byref(count), ctypes.byref(metre),
                                         path, params_pointer)
    check(status)
    return BeatTimes(list(out[:count.value]), metre.value)


def retime(in_path, out_path, params=None):
    """A MIDI file written onto its tracked beats (a quarter note per beat, a
    tempo change at each, the metre as time signature), written atomically."""
    check(lib.emopiano_retime_file(encode_str(os.fspath(in_path), "path"),
                                   encode_str(os.fspath(out_path), "path"), _params_pointer(params)))


def retime_bytes(data, params=None):
    """MIDI bytes written onto their tracked beats, as MIDI bytes."""
    _keep, pointer, size = bytes_arg(data)
    out, out_size = void_p(), size_t()
    check(lib.emopiano_retime_bytes(ctypes.byref(out), ctypes.byref(out_size), pointer, size,
                                    _params_pointer(params)))
    return take_bytes(out, out_size.value)


def is_unaligned(data):
    """True when MIDI bytes look like a performance stored at one nominal
    tempo (what the tokenizer's "auto" grid retimes)."""
    _keep, pointer, size = bytes_arg(data)
    out = i32()
    check(lib.emopiano_midi_is_unaligned(ctypes.byref(out), pointer, size))
    return bool(out.value)
