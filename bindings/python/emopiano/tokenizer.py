"""The REMI tokenizer: MIDI to token ids and back."""
import ctypes
import enum
import json
import os

from ._handle import Handle
from ._library import (EncodeParams, P, bytes_arg, encode_str, i32, lib, size_t, take_bytes,
                       take_string, void_p)
from .errors import check


class SpecialToken(enum.IntEnum):
    PAD = 0
    BOS = 1
    EOS = 2
    EMOTION_Q1 = 3
    EMOTION_Q2 = 4
    EMOTION_Q3 = 5
    EMOTION_Q4 = 6


def take_tokens(pointer, count):
    """Copies a library-owned token array into a list and frees it."""
    try:
        return pointer[:count] if count else []
    finally:
        lib.emopiano_free(pointer)


class Tokenizer(Handle):
    """Immutable once made: one tokenizer may be used by many threads at once."""

    _free = lib.emopiano_tokenizer_free

    def __init__(self, config=None, *, _pointer=None):
        """config: a TokenizerConfig as a dict or JSON string; None for the defaults."""
        if _pointer is None:
            out = void_p()
            if isinstance(config, dict):
                config = json.dumps(config)
            check(lib.emopiano_tokenizer_create(
                ctypes.byref(out), None if config is None else encode_str(config, "config")))
            _pointer = out.value
        super().__init__(_pointer)

    @property
    def config(self):
        out = void_p()
        check(lib.emopiano_tokenizer_config_json(ctypes.byref(out), self))
        return json.loads(take_string(out))

    @property
    def vocab_size(self):
        out = i32()
        check(lib.emopiano_tokenizer_vocab_size(ctypes.byref(out), self))
        return out.value

    def special_id(self, which):
        out = i32()
        check(lib.emopiano_tokenizer_special_id(ctypes.byref(out), self, int(which)))
        return out.value

    def token_to_string(self, token_id):
        needed = size_t()
        buffer = ctypes.create_string_buffer(32)
        status = lib.emopiano_tokenizer_token_to_string(buffer, len(buffer), ctypes.byref(needed),
                                                        self, token_id)
        if status == -5:  # BUFFER_TOO_SMALL: the size needed is in `needed`
            buffer = ctypes.create_string_buffer(needed.value)
            status = lib.emopiano_tokenizer_token_to_string(buffer, len(buffer),
                                                            ctypes.byref(needed), self, token_id)
        check(status)
        return buffer.value.decode()

    def token_from_string(self, text):
        """The id of a token name such as "Pitch_60"; NotFoundError if there is none."""
        out = i32()
        check(lib.emopiano_tokenizer_token_from_string(ctypes.byref(out), self,
                                                       encode_str(text, "token")))
        return out.value

    def encode(self, source, *, quadrant=None, apply_sustain_pedal=False, exclude_drums=True):
        """Tokens (BOS, [emotion], piece, EOS) of a MIDI file (a path) or MIDI bytes."""
        params = EncodeParams()
        check(lib.emopiano_encode_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        params.quadrant = 0 if quadrant is None else int(quadrant)
        params.apply_sustain_pedal = int(bool(apply_sustain_pedal))
        params.exclude_drums = int(bool(exclude_drums))
        tokens, count = P(i32)(), size_t()
        if isinstance(source, (bytes, bytearray, memoryview)):
            _keep, data, size = bytes_arg(source)
            check(lib.emopiano_tokenizer_encode_bytes(ctypes.byref(tokens), ctypes.byref(count),
                                                      self, data, size, ctypes.byref(params)))
        else:
            check(lib.emopiano_tokenizer_encode_file(ctypes.byref(tokens), ctypes.byref(count),
                                                     self, encode_str(os.fspath(source), "path"),
                                                     ctypes.byref(params)))
        return take_tokens(tokens, count.value)

    def decode(self, tokens):
        """A Standard MIDI File (bytes) from token ids; ill-formed runs are skipped."""
        array = (i32 * len(tokens))(*tokens)
        out, size = void_p(), size_t()
        check(lib.emopiano_tokenizer_decode_to_bytes(ctypes.byref(out), ctypes.byref(size), self,
                                                     array, len(tokens)))
        return take_bytes(out, size.value)

    def decode_to_file(self, tokens, path):
        """Writes the MIDI file atomically."""
        array = (i32 * len(tokens))(*tokens)
        check(lib.emopiano_tokenizer_decode_to_file(self, array, len(tokens),
                                                    encode_str(os.fspath(path), "path")))
