"""Listening: MIDI rendered to a WAV file with FluidSynth."""
import ctypes
import os

from ._library import RenderParams, bytes_arg, encode_str, lib
from .errors import check


def audio_available():
    """True when this libemopiano can render audio (it was built with FluidSynth)."""
    return bool(lib.emopiano_audio_available())


def render_wav(midi, wav_path, *, sample_rate=None, gain=None, tail_seconds=None, program=None,
               soundfont=None):
    """Renders MIDI (a path or bytes) to a 16-bit stereo WAV file, written atomically.

    sample_rate: 8000..192000 (default 44100); gain: FluidSynth's master gain
    (default 0.6); tail_seconds: rendered after the last note (default 1.5);
    program: General MIDI program 0..127 (default 0, grand piano); soundfont: a
    .sf2 path (default $EMOPIANO_SOUNDFONT, then the Debian GM SoundFont).
    UnsupportedError without FluidSynth, NotFoundError without a SoundFont.
    """
    params = RenderParams()
    check(lib.emopiano_render_params_init(ctypes.byref(params), ctypes.sizeof(params)))
    for name, value in (("sample_rate", sample_rate), ("gain", gain),
                        ("tail_seconds", tail_seconds), ("program", program)):
        if value is not None:
            setattr(params, name, value)
    if soundfont is not None:
        params.soundfont = encode_str(os.fspath(soundfont), "soundfont")
    wav = encode_str(os.fspath(wav_path), "wav path")
    if isinstance(midi, (bytes, bytearray, memoryview)):
        _keep, pointer, size = bytes_arg(midi)
        check(lib.emopiano_render_wav_bytes(pointer, size, wav, ctypes.byref(params)))
    else:
        check(lib.emopiano_render_wav_file(encode_str(os.fspath(midi), "MIDI path"), wav,
                                           ctypes.byref(params)))
