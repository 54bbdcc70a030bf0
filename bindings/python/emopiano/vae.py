"""The conditional VAE: a latent space of short segments of piano music.

Latents are lists of floats of length Vae.latent_dim. Emotions are Emotion
values, quadrants or strings ("sad", "Q2", "0.1,0.6,0.2,0.1"); None is Q1.
"""
import ctypes
import enum
import os

from ._handle import Handle
from ._library import (VaeParams, encode_str, f32, i32, lib, size_t, take_bytes, take_string,
                       void_p)
from .emotion import _as_emotion
from .errors import check


def bundled_vae_path():
    """The VAE that ships with emopiano ($EMOPIANO_VAE first)."""
    out = void_p()
    check(lib.emopiano_bundled_vae_path(ctypes.byref(out)))
    return take_string(out)


def interpolate_latents(a, b, steps, *, spherical=True):
    """steps latents from a to b, ends included: along the great circle with
    the norm interpolated (spherical) or on a straight line."""
    if len(a) != len(b):
        raise ValueError(f"latents of different sizes: {len(a)} and {len(b)}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    dim = len(a)
    out = (f32 * (dim * steps))()
    check(lib.emopiano_vae_interpolate_latents(out, (f32 * dim)(*a), (f32 * dim)(*b), dim, steps,
                                               int(bool(spherical))))
    return [list(out[i * dim:(i + 1) * dim]) for i in range(steps)]


def _emotion_pointer(emotion):
    return None if emotion is None else ctypes.byref(_as_emotion(emotion)._struct)


class VaeAttribute(enum.IntEnum):
    """A musical attribute with a latent vector of its own (emopiano_vae_attribute)."""
    DENSITY = 0      # notes per bar
    PITCH_RANGE = 1  # highest minus lowest pitch
    SYNCOPATION = 2  # share of onsets off the beat
    MODE = 3         # major against minor


class Vae(Handle):
    """A loaded VAE. Read-only: share one between threads."""

    _free = lib.emopiano_vae_free

    def __init__(self, path=None):
        """Loads a VAE file; Vae() loads the bundled one."""
        if path is None:
            path = bundled_vae_path()
        out = void_p()
        check(lib.emopiano_vae_load(ctypes.byref(out), encode_str(os.fspath(path), "path")))
        super().__init__(out.value)
        dim, bars = i32(), i32()
        check(lib.emopiano_vae_info(ctypes.byref(dim), ctypes.byref(bars), self))
        self.latent_dim = dim.value
        self.segment_bars = bars.value

    def _latent(self, z):
        z = list(z)
        if len(z) != self.latent_dim:
            raise ValueError(f"a latent of this VAE has {self.latent_dim} values, got {len(z)}")
        return (f32 * len(z))(*z)

    def _params(self, temperature, top_k, top_p, seed, beams):
        params = VaeParams()
        check(lib.emopiano_vae_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        for name, value in (("temperature", temperature), ("top_k", top_k), ("top_p", top_p),
                            ("seed", seed), ("beams", beams)):
            if value is not None:
                setattr(params, name, value)
        return params

    def encode(self, midi_path, emotion=None):
        """(mean, log_variance) of the posterior of the file's first segment."""
        dim = self.latent_dim
        mean, log_variance = (f32 * dim)(), (f32 * dim)()
        check(lib.emopiano_vae_encode_file(mean, log_variance, dim, self,
                                           encode_str(os.fspath(midi_path), "path"),
                                           _emotion_pointer(emotion)))
        return list(mean), list(log_variance)

    def sample_latent(self, temperature=1.0, seed=0):
        """z drawn from the prior N(0, temperature^2 I)."""
        out = (f32 * self.latent_dim)()
        check(lib.emopiano_vae_sample_latent(out, self.latent_dim, self, temperature, seed))
        return list(out)

    def decode(self, z, emotion=None, *, temperature=None, top_k=None, top_p=None, seed=None,
               beams=None):
        """One segment decoded from z, as Standard MIDI File bytes (temperature 0 is greedy;
        beams > 1 with temperature 0 is beam search)."""
        params = self._params(temperature, top_k, top_p, seed, beams)
        out, size = void_p(), size_t()
        check(lib.emopiano_vae_decode_midi(ctypes.byref(out), ctypes.byref(size), self,
                                           self._latent(z), self.latent_dim,
                                           _emotion_pointer(emotion), ctypes.byref(params)))
        return take_bytes(out, size.value)

    def decode_to_file(self, z, path, emotion=None, *, temperature=None, top_k=None, top_p=None,
                       seed=None, beams=None):
        """decode, written atomically to a MIDI file."""
        params = self._params(temperature, top_k, top_p, seed, beams)
        check(lib.emopiano_vae_decode_file(self, self._latent(z), self.latent_dim,
                                           _emotion_pointer(emotion), ctypes.byref(params),
                                           encode_str(os.fspath(path), "path")))

    def attribute_vector(self, from_quadrant, to_quadrant):
        """Mean latent of the training segments of `to` minus that of `from`."""
        out = (f32 * self.latent_dim)()
        check(lib.emopiano_vae_attribute_vector(out, self.latent_dim, self, int(from_quadrant),
                                                int(to_quadrant)))
        return list(out)

    def musical_attribute_vector(self, attribute):
        """The attribute's vector (VaeAttribute.DENSITY, PITCH_RANGE, SYNCOPATION, MODE): the
        mean latent of the training segments in its top quartile minus that of its bottom
        quartile. UnsupportedError when the file has none."""
        out = (f32 * self.latent_dim)()
        check(lib.emopiano_vae_musical_attribute_vector(out, self.latent_dim, self, int(attribute)))
        return list(out)

    def transform_by(self, in_path, out_path, from_quadrant, to_quadrant, shift, *, temperature=None,
                     top_k=None, top_p=None, seed=None, beams=None):
        """Every segment of a MIDI file encoded with from_quadrant, `shift` (latent_dim floats,
        e.g. a sum of attribute vectors) added, decoded with to_quadrant; written atomically."""
        params = self._params(temperature, top_k, top_p, seed, beams)
        check(lib.emopiano_vae_transform_by_file(self, encode_str(os.fspath(in_path), "path"),
                                                 int(from_quadrant), int(to_quadrant),
                                                 self._latent(shift), self.latent_dim,
                                                 ctypes.byref(params),
                                                 encode_str(os.fspath(out_path), "path")))

    def transform(self, in_path, out_path, from_quadrant, to_quadrant, strength=1.0, *,
                  temperature=None, top_k=None, top_p=None, seed=None, beams=None):
        """Every segment of a MIDI file moved from one quadrant to another, written atomically."""
        params = self._params(temperature, top_k, top_p, seed, beams)
        check(lib.emopiano_vae_transform_file(self, encode_str(os.fspath(in_path), "path"),
                                              int(from_quadrant), int(to_quadrant), strength,
                                              ctypes.byref(params),
                                              encode_str(os.fspath(out_path), "path")))
