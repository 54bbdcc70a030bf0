"""Emotions: EMOPIA quadrants, mixes of them, and trajectories over bars."""
import ctypes
import enum

from ._handle import Handle
from ._library import EmotionStruct, encode_str, f32, f64, i32, lib, size_t, void_p
from .errors import check


class Quadrant(enum.IntEnum):
    """Quadrants of Russell's circumplex, as EMOPIA labels them."""
    Q1 = 1  # happy: high valence, high arousal
    Q2 = 2  # tense: low valence, high arousal
    Q3 = 3  # sad: low valence, low arousal
    Q4 = 4  # calm: high valence, low arousal

    @classmethod
    def parse(cls, text):
        """"Q1".."Q4", "1".."4" or "happy", "tense", "sad", "calm" (any case)."""
        out = i32()
        check(lib.emopiano_quadrant_parse(ctypes.byref(out), encode_str(text, "quadrant")))
        return cls(out.value)

    def __str__(self):
        return self.name

    @property
    def mood(self):
        mood = ctypes.c_char_p()
        check(lib.emopiano_quadrant_info(None, ctypes.byref(mood), int(self)))
        return mood.value.decode()


class Emotion:
    """A probability vector over Q1..Q4 (an immutable value)."""

    __slots__ = ("_struct",)

    def __init__(self, struct):
        self._struct = struct

    @classmethod
    def parse(cls, text):
        """"Q2", "sad", "0.1,0.6,0.2,0.1" or "va:0.7,-0.3"."""
        out = EmotionStruct()
        check(lib.emopiano_emotion_parse(ctypes.byref(out), encode_str(text, "emotion")))
        return cls(out)

    @classmethod
    def from_quadrant(cls, quadrant):
        out = EmotionStruct()
        check(lib.emopiano_emotion_from_quadrant(ctypes.byref(out), int(quadrant)))
        return cls(out)

    @classmethod
    def from_weights(cls, weights):
        """Four non-negative weights for Q1..Q4, normalised to sum to 1."""
        weights = list(weights)
        if len(weights) != 4:
            raise ValueError(f"an emotion needs 4 weights (Q1..Q4), got {len(weights)}")
        array = (f32 * 4)(*weights)
        out = EmotionStruct()
        check(lib.emopiano_emotion_from_weights(ctypes.byref(out), array))
        return cls(out)

    @classmethod
    def from_valence_arousal(cls, valence, arousal):
        """A point of the circumplex, both coordinates in [-1, 1]."""
        out = EmotionStruct()
        check(lib.emopiano_emotion_from_valence_arousal(ctypes.byref(out), valence, arousal))
        return cls(out)

    def mix(self, other, t):
        """(1 - t) * self + t * other, t clamped to [0, 1]."""
        out = EmotionStruct()
        check(lib.emopiano_emotion_mix(ctypes.byref(out), ctypes.byref(self._struct),
                                       ctypes.byref(_as_emotion(other)._struct), t))
        return Emotion(out)

    @property
    def probabilities(self):
        """(p_Q1, p_Q2, p_Q3, p_Q4)."""
        return tuple(self._struct.p)

    @property
    def valence_arousal(self):
        valence, arousal = f32(), f32()
        check(lib.emopiano_emotion_valence_arousal(ctypes.byref(valence), ctypes.byref(arousal),
                                                   ctypes.byref(self._struct)))
        return valence.value, arousal.value

    @property
    def dominant(self):
        out = i32()
        check(lib.emopiano_emotion_dominant(ctypes.byref(out), ctypes.byref(self._struct)))
        return Quadrant(out.value)

    def __str__(self):
        needed = size_t()
        buffer = ctypes.create_string_buffer(64)
        status = lib.emopiano_emotion_to_string(buffer, len(buffer), ctypes.byref(needed),
                                                ctypes.byref(self._struct))
        if status == -5:  # BUFFER_TOO_SMALL: retry with the size the library asked for
            buffer = ctypes.create_string_buffer(needed.value)
            status = lib.emopiano_emotion_to_string(buffer, len(buffer), ctypes.byref(needed),
                                                    ctypes.byref(self._struct))
        check(status)
        return buffer.value.decode()

    def __repr__(self):
        return f"Emotion({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Emotion) and self.probabilities == other.probabilities

    def __hash__(self):
        return hash(self.probabilities)


def _as_emotion(value):
    """Accepts an Emotion, a Quadrant/int or a string such as "sad"."""
    if isinstance(value, Emotion):
        return value
    if isinstance(value, int):
        return Emotion.from_quadrant(value)
    return Emotion.parse(value)


class Trajectory(Handle):
    """An emotion changing over a piece: keyframes at bars, linearly interpolated."""

    _free = lib.emopiano_trajectory_free

    def __init__(self, text=None):
        """An empty trajectory, or one parsed from "Q3@0,Q3@8,Q1@16"."""
        out = void_p()
        if text is None:
            check(lib.emopiano_trajectory_new(ctypes.byref(out)))
        else:
            check(lib.emopiano_trajectory_parse(ctypes.byref(out), encode_str(text, "trajectory")))
        super().__init__(out.value)

    def add(self, bar, emotion):
        """Adds a keyframe; returns self so calls chain."""
        check(lib.emopiano_trajectory_add(self, bar, ctypes.byref(_as_emotion(emotion)._struct)))
        return self

    def __len__(self):
        count = size_t()
        check(lib.emopiano_trajectory_keyframe_count(ctypes.byref(count), self))
        return count.value

    def keyframes(self):
        """[(bar, Emotion), ...] sorted by bar."""
        result = []
        for i in range(len(self)):
            bar, emotion = f64(), EmotionStruct()
            check(lib.emopiano_trajectory_keyframe(ctypes.byref(bar), ctypes.byref(emotion), self, i))
            result.append((bar.value, Emotion(emotion)))
        return result

    def at(self, bar):
        """The emotion at a (fractional) bar."""
        out = EmotionStruct()
        check(lib.emopiano_trajectory_at(ctypes.byref(out), self, bar))
        return Emotion(out)
