"""Models, samplers, generated pieces and cancel tokens."""
import ctypes
import json
import os
import threading
from typing import NamedTuple

from ._handle import Handle
from ._library import (HAS_MODEL, NOTE_FN, PROGRESS_FN, GenerateParams, GenerationInfo as InfoStruct,
                       Note as NoteStruct, P, encode_str, i32, i64, lib, set_primer, size_t,
                       take_bytes, take_string, void_p)
from .emotion import Emotion, Trajectory
from .errors import CancelledError, InvalidArgumentError, UnsupportedError, check
from .midi import Note, take_notes
from .tokenizer import Tokenizer


def _need_model_support():
    if not HAS_MODEL:
        raise UnsupportedError("this libemopiano was built without model support (LibTorch)", -7)


class WeightStorage:
    F32 = 0
    F16 = 1
    BF16 = 2


class Precision:
    """How generation computes each new token (docs/performance.md)."""
    BF16 = 0  # packed bf16 weights, sums in float32: the default
    F32 = 1   # float32: the tokens of earlier versions, bit for bit


class KvCache:
    """How the bf16 step keeps past keys and values."""
    BF16 = 0  # the default
    INT8 = 1  # half the bytes: faster at long positions and with guidance


def _option(value, names, what):
    """A Precision or KvCache value, also given by its command-line name ("f32", "int8")."""
    if isinstance(value, str):
        if value.lower() not in names:
            raise InvalidArgumentError(f"{what} '{value}' is not one of {', '.join(names)}", -1)
        return names[value.lower()]
    return int(value)


def bundled_model_path():
    """The model that ships with emopiano ($EMOPIANO_MODEL first); NotFoundError lists where it looked."""
    _need_model_support()
    out = void_p()
    check(lib.emopiano_bundled_model_path(ctypes.byref(out)))
    return take_string(out)


class CancelToken(Handle):
    """A flag another thread may set to stop a generation.

    Close it only after every call it was given to has returned.
    """

    _free = lib.emopiano_cancel_token_free

    def __init__(self):
        out = void_p()
        check(lib.emopiano_cancel_token_new(ctypes.byref(out)))
        super().__init__(out.value)

    def cancel(self):
        check(lib.emopiano_cancel_token_cancel(self))

    def reset(self):
        check(lib.emopiano_cancel_token_reset(self))

    @property
    def cancelled(self):
        out = i32()
        check(lib.emopiano_cancel_token_is_cancelled(ctypes.byref(out), self))
        return bool(out.value)


class Model(Handle):
    """A Transformer with its tokenizer. Read-only: share one model between threads."""

    _free = None  # set below when the library has model support

    def __init__(self, path=None, *, precision=Precision.BF16, kv_cache=KvCache.BF16, _pointer=None):
        """Loads a model file; Model() with no path loads the bundled model.

        precision (a Precision, or "bf16" / "f32") and kv_cache (a KvCache, or
        "bf16" / "int8") choose how it generates; int8 needs bf16 precision."""
        _need_model_support()
        if _pointer is None:
            if path is None:
                path = bundled_model_path()
            out = void_p()
            path = encode_str(os.fspath(path), "path")
            precision = _option(precision, {"bf16": Precision.BF16, "f32": Precision.F32}, "precision")
            kv_cache = _option(kv_cache, {"bf16": KvCache.BF16, "int8": KvCache.INT8}, "kv_cache")
            if precision == Precision.BF16 and kv_cache == KvCache.BF16:
                check(lib.emopiano_model_load(ctypes.byref(out), path))
            else:
                check(lib.emopiano_model_load_with_options(ctypes.byref(out), path, precision, kv_cache))
            _pointer = out.value
        super().__init__(_pointer)

    @classmethod
    def create(cls, config=None, tokenizer_config=None, seed=0):
        """An untrained model (reproducible from seed). Configs are dicts or JSON strings."""
        _need_model_support()
        def as_json(value):
            if value is None:
                return None
            return encode_str(json.dumps(value) if isinstance(value, dict) else value, "config")
        out = void_p()
        check(lib.emopiano_model_create(ctypes.byref(out), as_json(config), as_json(tokenizer_config),
                                        seed))
        return cls(_pointer=out.value)

    def save(self, path, storage=WeightStorage.F32):
        """Written atomically; storage is a WeightStorage value."""
        check(lib.emopiano_model_save(self, encode_str(os.fspath(path), "path"), int(storage)))

    @property
    def precision(self):
        """How this model generates: a Precision value."""
        out = i32()
        check(lib.emopiano_model_load_options(ctypes.byref(out), None, self))
        return out.value

    @property
    def kv_cache(self):
        """How its bf16 step keeps past keys and values: a KvCache value."""
        out = i32()
        check(lib.emopiano_model_load_options(None, ctypes.byref(out), self))
        return out.value

    @property
    def config(self):
        out = void_p()
        check(lib.emopiano_model_config_json(ctypes.byref(out), self))
        return json.loads(take_string(out))

    @property
    def metadata(self):
        out = void_p()
        check(lib.emopiano_model_metadata_json(ctypes.byref(out), self))
        return json.loads(take_string(out))

    @property
    def vocab_size(self):
        out = i32()
        check(lib.emopiano_model_vocab_size(ctypes.byref(out), self))
        return out.value

    @property
    def parameter_count(self):
        out = i64()
        check(lib.emopiano_model_parameter_count(ctypes.byref(out), self))
        return out.value

    def tokenizer(self):
        """A new Tokenizer with the model's vocabulary."""
        out = void_p()
        check(lib.emopiano_model_tokenizer(ctypes.byref(out), self))
        return Tokenizer(_pointer=out.value)

    def sampler(self):
        return Sampler(self)


class Progress(NamedTuple):
    stage: str
    done: int
    total: int
    elapsed_seconds: float
    detail: str


class GenerationInfo(NamedTuple):
    stop_reason: str  # "eos", "max_tokens" or "dead_end"
    prompt_tokens: int
    generated_tokens: int
    notes: int
    bars: int
    seed: int
    seconds: float
    duration_seconds: float


_STOP_REASONS = {0: "eos", 1: "max_tokens", 2: "dead_end"}


class Generation(Handle):
    """One generated piece. Read-only; independent of the sampler that made it."""

    _free = None  # set below

    @property
    def info(self):
        out = InfoStruct()
        out.struct_size = ctypes.sizeof(out)
        check(lib.emopiano_generation_info_get(ctypes.byref(out), self))
        return GenerationInfo(_STOP_REASONS.get(out.stop_reason, str(out.stop_reason)),
                              out.prompt_tokens, out.generated_tokens, out.notes, out.bars,
                              out.seed, out.seconds, out.duration_seconds)

    @property
    def tokens(self):
        """The whole sequence: BOS, emotion, primer and generated tokens."""
        pointer, count = P(i32)(), size_t()
        check(lib.emopiano_generation_tokens(ctypes.byref(pointer), ctypes.byref(count), self))
        return pointer[:count.value] if count.value else []  # borrowed: copied, never freed

    @property
    def notes(self):
        pointer, count = P(NoteStruct)(), size_t()
        check(lib.emopiano_generation_notes(ctypes.byref(pointer), ctypes.byref(count), self))
        return take_notes(pointer, count.value)

    def midi_bytes(self):
        out, size = void_p(), size_t()
        check(lib.emopiano_generation_midi_bytes(ctypes.byref(out), ctypes.byref(size), self))
        return take_bytes(out, size.value)

    def write_midi(self, path):
        """Writes a Standard MIDI File atomically."""
        check(lib.emopiano_generation_write_midi(self, encode_str(os.fspath(path), "path")))


class Sampler(Handle):
    """Generates pieces from a model. One thread at a time: make one sampler per thread.

    The sampler keeps the model's network alive, so the Model may be closed first.
    """

    _free = None  # set below

    def __init__(self, model):
        _need_model_support()
        out = void_p()
        check(lib.emopiano_sampler_create(ctypes.byref(out), model))
        super().__init__(out.value)
        self._busy = threading.Lock()
        # The CFUNCTYPE objects of the call in progress: the C side holds bare
        # function pointers to them, so they must outlive the call.
        self._callbacks = ()

    def generate(self, emotion=None, **options):
        """One piece. See generate_batch for the options."""
        return self.generate_batch(1, emotion, **options)[0]

    def generate_batch(self, count, emotion=None, *, temperature=None, top_k=None, top_p=None,
                       seed=0, max_tokens=None, max_bars=None, stop_at_eos=None,
                       constrain_grammar=None, primer=None, on_note=None, progress=None,
                       cancel=None, guidance=None, key=None, rhythm_guidance=None,
                       valence_guidance=None, density=None):
        """count pieces decoded together; piece i uses seed + i.

        guidance: classifier-free guidance weight (1 = the conditional model
        alone, larger = the emotion more strongly heard; None = the model's
        default). rhythm_guidance: the weight for when notes come (None = the
        smaller of the guidance and 2); what is played keeps guidance.
        valence_guidance: how far pitch and harmony move away from the emotion
        with its valence mirrored (happy/tense, sad/calm), so valence is heard
        after a change too (0 = off, None = the model's default). density:
        hold the music near this many notes per beat by when notes come (0 or
        None = the model's own density; at most 16), or four numbers, notes
        per beat for Q1..Q4, which each bar mixes by its emotion. key: "A
        minor", "Eb major", "F#m" for models with key tokens (None = drawn
        from the emotion).

        emotion: an Emotion, a Quadrant, a string ("sad", "Q2", "0.1,0.6,0.2,0.1",
        "va:0.7,-0.3") or a Trajectory; None is Q1. primer: a MIDI path or bytes
        to continue. on_note(note, piece) is called for every note as soon as it
        is complete; progress(Progress) after every step (return False to stop);
        cancel: a CancelToken another thread may set. An exception raised in a
        callback stops the generation and is raised again from this call.
        """
        if not self._busy.acquire(blocking=False):
            raise InvalidArgumentError(
                "this Sampler is already generating; use one sampler per thread", -1)
        try:
            return self._generate(count, emotion, temperature, top_k, top_p, seed, max_tokens,
                                  max_bars, stop_at_eos, constrain_grammar, primer, on_note,
                                  progress, cancel, guidance, key, rhythm_guidance,
                                  valence_guidance, density)
        finally:
            self._callbacks = ()
            self._busy.release()

    def _generate(self, count, emotion, temperature, top_k, top_p, seed, max_tokens, max_bars,
                  stop_at_eos, constrain_grammar, primer, on_note, progress, cancel, guidance=None,
                  key=None, rhythm_guidance=None, valence_guidance=None, density=None):
        params = GenerateParams()
        check(lib.emopiano_generate_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        for name, value in (("temperature", temperature), ("top_k", top_k), ("top_p", top_p),
                            ("seed", seed), ("max_tokens", max_tokens), ("max_bars", max_bars)):
            if value is not None:
                setattr(params, name, value)
        if guidance is not None:
            params.guidance = float(guidance)
        if rhythm_guidance is not None:
            params.rhythm_guidance = float(rhythm_guidance)
        if valence_guidance is not None:
            params.valence_guidance = float(valence_guidance)
        _set_density(params, density)
        if key is not None:
            params.key = encode_str(key, "key")
        if stop_at_eos is not None:
            params.stop_at_eos = int(bool(stop_at_eos))
        if constrain_grammar is not None:
            params.constrain_grammar = int(bool(constrain_grammar))

        keep = []  # Python objects the params point into, alive until the call returns
        if isinstance(emotion, Trajectory):
            params.trajectory = emotion._as_parameter_
        elif emotion is not None:
            if isinstance(emotion, int):
                emotion = Emotion.from_quadrant(emotion)
            elif not isinstance(emotion, Emotion):
                emotion = Emotion.parse(emotion)
            struct = emotion._struct
            keep.append(struct)
            params.emotion = ctypes.pointer(struct)
        set_primer(params, primer, keep)
        if cancel is not None:
            params.cancel = cancel._as_parameter_

        failure = []  # the first exception a callback raised

        def note_trampoline(note, piece, _user_data):
            if failure:
                return
            try:
                on_note(Note._from_struct(note.contents), piece)
            except BaseException as err:  # noqa: B902 - re-raised after the call
                failure.append(err)

        def progress_trampoline(report, _user_data):
            if failure:
                return 0  # a callback failed: stop at the next safe point
            if progress is None:
                return 1
            r = report.contents
            try:
                keep_going = progress(Progress(
                    (r.stage or b"").decode(), r.done, r.total, r.elapsed_seconds,
                    (r.detail or b"").decode()))
            except BaseException as err:  # noqa: B902 - re-raised after the call
                failure.append(err)
                return 0
            return 0 if keep_going is False else 1

        callbacks = []
        if on_note is not None:
            callbacks.append(NOTE_FN(note_trampoline))
            params.on_note = callbacks[-1]
        if on_note is not None or progress is not None:
            callbacks.append(PROGRESS_FN(progress_trampoline))
            params.progress = callbacks[-1]
        self._callbacks = tuple(callbacks)

        outs = (void_p * count)()
        try:
            check(lib.emopiano_sampler_generate_batch(outs, count, self, ctypes.byref(params)))
        except CancelledError:
            if failure:
                raise failure[0]
            raise
        return [_generation(outs[i]) for i in range(count)]


def _generation(pointer):
    piece = Generation.__new__(Generation)
    Handle.__init__(piece, pointer)
    return piece


def set_compute_threads(threads):
    """LibTorch threads for generation, process-wide (0 = all cores)."""
    _need_model_support()
    check(lib.emopiano_set_compute_threads(threads))


if HAS_MODEL:
    Model._free = lib.emopiano_model_free
    Sampler._free = lib.emopiano_sampler_free
    Generation._free = lib.emopiano_generation_free


def _set_density(params, density):
    """density: None, a number, four numbers (Q1..Q4), or the command line's
    text ("2.5" or "4.58,5.35,3.04,3.16") into params."""
    if density is None:
        return
    if isinstance(density, str):
        try:
            density = [float(d) for d in density.split(",")]
        except ValueError:
            raise InvalidArgumentError(f"density '{density}' is not one number or four joined by commas",
                                       -1) from None
        if len(density) == 1:
            density = density[0]
    if isinstance(density, (int, float)):
        params.density = float(density)
        return
    values = [float(d) for d in density]
    if len(values) != 4:
        raise InvalidArgumentError(
            f"density: {len(values)} values; give one, or four for Q1..Q4", -1)
    params.quadrant_density[:] = values
