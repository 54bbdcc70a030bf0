"""Finding and loading libemopiano, and the ctypes declarations of its C ABI.

Only the standard library is used. The declarations mirror capi/emopiano.h;
structs that cross the boundary keep its exact field order and types.
"""
import ctypes
import ctypes.util
import os
from pathlib import Path

_NAMES = ("libemopiano.so.1", "libemopiano.so", "libemopiano.dylib", "emopiano.dll")


def _candidates():
    """Places to look for the library, most specific first."""
    env = os.environ.get("EMOPIANO_LIBRARY")
    if env:
        # An explicit choice wins and is not second-guessed.
        yield Path(env)
        return
    package = Path(__file__).resolve().parent
    # Next to the package (a library copied in for a self-contained install).
    for folder in (package, package.parent):
        for name in _NAMES:
            yield folder / name
    # The source tree's build folders (bindings/python/emopiano -> repo root).
    root = package.parent.parent.parent
    for build in sorted(root.glob("build*")):
        for name in _NAMES:
            yield build / name
    # The system: the dynamic loader's own search, then common prefixes.
    found = ctypes.util.find_library("emopiano")
    if found:
        yield Path(found)
    for prefix in ("/usr/local/lib", "/usr/lib", "/usr/local/lib64", "/usr/lib/x86_64-linux-gnu"):
        for name in _NAMES:
            yield Path(prefix) / name


def _load():
    tried = []
    for path in _candidates():
        # A bare name (from find_library) is left to the dynamic loader.
        if path.parent != Path(".") and not path.exists():
            tried.append(str(path))
            continue
        try:
            return ctypes.CDLL(str(path)), str(path)
        except OSError as err:
            tried.append(f"{path} ({err})")
    raise OSError(
        "emopiano: cannot find libemopiano; set EMOPIANO_LIBRARY to the library file. "
        "Tried: " + "; ".join(tried[:12]) + ("; ..." if len(tried) > 12 else "")
    )


lib, library_path = _load()

c_int = ctypes.c_int
i32 = ctypes.c_int32
u32 = ctypes.c_uint32
i64 = ctypes.c_int64
u64 = ctypes.c_uint64
f32 = ctypes.c_float
f64 = ctypes.c_double
size_t = ctypes.c_size_t
char_p = ctypes.c_char_p
void_p = ctypes.c_void_p
P = ctypes.POINTER


class Note(ctypes.Structure):
    _fields_ = [
        ("pitch", i32), ("velocity", i32), ("channel", i32), ("reserved", i32),
        ("start_tick", i64), ("end_tick", i64),
        ("start_seconds", f64), ("end_seconds", f64),
    ]


class EmotionStruct(ctypes.Structure):
    _fields_ = [("p", f32 * 4)]


class Progress(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("reserved", u32), ("stage", char_p), ("done", i64), ("total", i64),
        ("elapsed_seconds", f64), ("detail", char_p),
    ]


class MidiReadParams(ctypes.Structure):
    _fields_ = [("struct_size", u32), ("apply_sustain_pedal", i32), ("exclude_drums", i32)]


class EncodeParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("quadrant", i32), ("apply_sustain_pedal", i32),
        ("exclude_drums", i32),
    ]


NOTE_FN = ctypes.CFUNCTYPE(None, P(Note), i32, void_p)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, P(Progress), void_p)


class GenerateParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("temperature", f32), ("top_k", i32), ("top_p", f32),
        ("seed", u64), ("max_tokens", i32), ("max_bars", i32), ("stop_at_eos", i32),
        ("constrain_grammar", i32), ("quadrant", i32), ("reserved", i32),
        ("emotion", P(EmotionStruct)), ("trajectory", void_p),
        ("primer_path", char_p), ("primer_data", void_p), ("primer_size", size_t),
        ("on_note", NOTE_FN), ("note_user_data", void_p),
        ("progress", PROGRESS_FN), ("progress_user_data", void_p),
        ("cancel", void_p),
        ("guidance", f32), ("reserved_guidance", i32), ("key", char_p),
        ("rhythm_guidance", f32), ("reserved_rhythm", i32),
        ("valence_guidance", f32), ("reserved_valence", i32),
        ("density", f32), ("reserved_density", i32), ("quadrant_density", f32 * 4),
    ]


class GenerationInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("stop_reason", i32), ("prompt_tokens", i64),
        ("generated_tokens", i64), ("notes", i64), ("bars", i32), ("reserved", i32),
        ("seed", u64), ("seconds", f64), ("duration_seconds", f64),
    ]


class SessionParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("temperature", f32), ("top_k", i32), ("top_p", f32),
        ("seed", u64), ("guidance", f32), ("constrain_grammar", i32),
        ("emotion", P(EmotionStruct)), ("key", char_p),
        ("primer_path", char_p), ("primer_data", void_p), ("primer_size", size_t),
        ("record", i32), ("reserved", i32), ("lookahead", i32), ("reserved1", i32),
        ("rhythm_guidance", f32), ("reserved2", i32),
        ("valence_guidance", f32), ("reserved3", i32),
        ("density", f32), ("reserved4", i32), ("quadrant_density", f32 * 4),
    ]


class SessionBar(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("ticks_per_beat", i32), ("index", i64),
        ("start_tick", i64), ("end_tick", i64), ("start_seconds", f64), ("end_seconds", f64),
        ("bpm", f64), ("emotion", EmotionStruct), ("key_tonic", i32), ("key_major", i32),
        ("tokens", i64),
    ]


class RenderParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("sample_rate", i32), ("gain", f64), ("tail_seconds", f64),
        ("program", i32), ("reserved", i32), ("soundfont", char_p),
    ]


class DatasetParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("reserved0", u32), ("tokenizer_config_json", char_p),
        ("cache_dir", char_p), ("threads", i32), ("apply_sustain_pedal", i32),
        ("exclude_drums", i32), ("reserved1", i32), ("validation_fraction", f64),
        ("test_fraction", f64), ("progress", PROGRESS_FN), ("progress_user_data", void_p),
        ("cancel", void_p),
    ]


class DatasetItem(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("quadrant", i32), ("split", i32), ("reserved", i32),
        ("name", char_p), ("path", char_p), ("tokens", P(i32)), ("token_count", size_t),
    ]


class TrainMetrics(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("epoch", i32), ("step", i64), ("train_loss", f64),
        ("validation_loss", f64), ("validation_perplexity", f64), ("validation_accuracy", f64),
        ("validation_tokens", i64), ("learning_rate", f64), ("tokens_per_second", f64),
        ("elapsed_seconds", f64),
    ]


METRICS_FN = ctypes.CFUNCTYPE(None, P(TrainMetrics), void_p)


class TrainerParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("reserved", u32), ("config_json", char_p),
        ("progress", PROGRESS_FN), ("progress_user_data", void_p),
        ("on_metrics", METRICS_FN), ("metrics_user_data", void_p), ("cancel", void_p),
    ]


class TrainResult(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("bf16", i32), ("steps", i64), ("epochs", f64),
        ("tokens_seen", i64), ("train_seconds", f64), ("validation_loss", f64),
        ("validation_perplexity", f64), ("validation_accuracy", f64),
        ("validation_tokens", i64), ("best_validation_loss", f64), ("stopped_by_time", i32),
        ("reserved", i32), ("best_validation_step", i64),
    ]


class EmotionPrediction(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("quadrant", i32), ("probabilities", f64 * 4), ("arousal", f64),
        ("valence", f64), ("windows", i32), ("reserved", i32),
    ]


class VaeParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("temperature", f32), ("top_k", i32), ("top_p", f32),
        ("seed", u64), ("beams", i32), ("reserved", i32),
    ]


class BeatParams(ctypes.Structure):
    _fields_ = [
        ("struct_size", u32), ("metre", i32), ("min_bpm", f64), ("max_bpm", f64),
        ("prior_bpm", f64), ("prior_octaves", f64), ("tightness", f64),
    ]


def _declare(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_declare("emopiano_last_error", char_p)
_declare("emopiano_last_error_code", c_int)
_declare("emopiano_clear_last_error", None)
_declare("emopiano_status_name", char_p, c_int)
_declare("emopiano_version_string", char_p)
_declare("emopiano_version_number", u32)
_declare("emopiano_abi_version", u32)
_declare("emopiano_has_model_support", i32)
_declare("emopiano_free", None, void_p)

_declare("emopiano_cancel_token_new", c_int, P(void_p))
_declare("emopiano_cancel_token_cancel", c_int, void_p)
_declare("emopiano_cancel_token_reset", c_int, void_p)
_declare("emopiano_cancel_token_is_cancelled", c_int, P(i32), void_p)
_declare("emopiano_cancel_token_free", None, void_p)

_declare("emopiano_quadrant_info", c_int, P(char_p), P(char_p), i32)
_declare("emopiano_quadrant_parse", c_int, P(i32), char_p)
_declare("emopiano_emotion_from_quadrant", c_int, P(EmotionStruct), i32)
_declare("emopiano_emotion_from_weights", c_int, P(EmotionStruct), P(f32))
_declare("emopiano_emotion_from_valence_arousal", c_int, P(EmotionStruct), f32, f32)
_declare("emopiano_emotion_parse", c_int, P(EmotionStruct), char_p)
_declare("emopiano_emotion_mix", c_int, P(EmotionStruct), P(EmotionStruct), P(EmotionStruct), f32)
_declare("emopiano_emotion_valence_arousal", c_int, P(f32), P(f32), P(EmotionStruct))
_declare("emopiano_emotion_dominant", c_int, P(i32), P(EmotionStruct))
_declare("emopiano_emotion_to_string", c_int, char_p, size_t, P(size_t), P(EmotionStruct))

_declare("emopiano_trajectory_new", c_int, P(void_p))
_declare("emopiano_trajectory_parse", c_int, P(void_p), char_p)
_declare("emopiano_trajectory_add", c_int, void_p, f64, P(EmotionStruct))
_declare("emopiano_trajectory_keyframe_count", c_int, P(size_t), void_p)
_declare("emopiano_trajectory_keyframe", c_int, P(f64), P(EmotionStruct), void_p, size_t)
_declare("emopiano_trajectory_at", c_int, P(EmotionStruct), void_p, f64)
_declare("emopiano_trajectory_free", None, void_p)

_declare("emopiano_midi_read_params_init", c_int, P(MidiReadParams), u32)
_declare("emopiano_midi_validate", c_int, void_p, size_t)
_declare("emopiano_midi_read_notes_file", c_int, P(P(Note)), P(size_t), char_p, P(MidiReadParams))
_declare("emopiano_midi_read_notes_bytes", c_int, P(P(Note)), P(size_t), void_p, size_t,
         P(MidiReadParams))
_declare("emopiano_midi_normalize_bytes", c_int, P(void_p), P(size_t), void_p, size_t,
         P(MidiReadParams))

_declare("emopiano_tokenizer_create", c_int, P(void_p), char_p)
_declare("emopiano_tokenizer_free", None, void_p)
_declare("emopiano_tokenizer_config_json", c_int, P(void_p), void_p)
_declare("emopiano_tokenizer_vocab_size", c_int, P(i32), void_p)
_declare("emopiano_tokenizer_special_id", c_int, P(i32), void_p, i32)
_declare("emopiano_tokenizer_token_to_string", c_int, char_p, size_t, P(size_t), void_p, i32)
_declare("emopiano_tokenizer_token_from_string", c_int, P(i32), void_p, char_p)
_declare("emopiano_encode_params_init", c_int, P(EncodeParams), u32)
_declare("emopiano_tokenizer_encode_file", c_int, P(P(i32)), P(size_t), void_p, char_p,
         P(EncodeParams))
_declare("emopiano_tokenizer_encode_bytes", c_int, P(P(i32)), P(size_t), void_p, void_p, size_t,
         P(EncodeParams))
_declare("emopiano_tokenizer_decode_to_file", c_int, void_p, P(i32), size_t, char_p)
_declare("emopiano_tokenizer_decode_to_bytes", c_int, P(void_p), P(size_t), void_p, P(i32), size_t)

_declare("emopiano_metrics_bytes_json", c_int, P(void_p), void_p, size_t, P(MidiReadParams))

_declare("emopiano_render_params_init", c_int, P(RenderParams), u32)
_declare("emopiano_audio_available", i32)
_declare("emopiano_render_wav_file", c_int, char_p, char_p, P(RenderParams))
_declare("emopiano_render_wav_bytes", c_int, void_p, size_t, char_p, P(RenderParams))

_declare("emopiano_dataset_params_init", c_int, P(DatasetParams), u32)
_declare("emopiano_dataset_load", c_int, P(void_p), char_p, P(DatasetParams))
_declare("emopiano_dataset_free", None, void_p)
_declare("emopiano_dataset_count", c_int, P(size_t), void_p, i32)
_declare("emopiano_dataset_skipped_count", c_int, P(size_t), void_p)
_declare("emopiano_dataset_item_at", c_int, P(DatasetItem), void_p, size_t)

# Every build exports these; without LibTorch they fail with UNSUPPORTED.
_declare("emopiano_trainer_params_init", c_int, P(TrainerParams), u32)
_declare("emopiano_trainer_create", c_int, P(void_p), void_p, void_p, P(TrainerParams))
_declare("emopiano_trainer_resume", c_int, P(void_p), char_p, void_p, P(TrainerParams))
_declare("emopiano_trainer_free", None, void_p)
_declare("emopiano_trainer_run", c_int, P(TrainResult), void_p)
_declare("emopiano_trainer_evaluate", c_int, P(TrainMetrics), void_p)
_declare("emopiano_trainer_progress", c_int, P(i64), P(i64), void_p)
_declare("emopiano_trainer_model", c_int, P(void_p), void_p)

_declare("emopiano_classifier_load", c_int, P(void_p), char_p)
_declare("emopiano_classifier_free", None, void_p)
_declare("emopiano_bundled_classifier_path", c_int, P(void_p))
_declare("emopiano_classifier_classify_file", c_int, P(EmotionPrediction), void_p, char_p)
_declare("emopiano_classifier_classify_midi", c_int, P(EmotionPrediction), void_p, void_p, size_t)

_declare("emopiano_vae_params_init", c_int, P(VaeParams), u32)
_declare("emopiano_vae_load", c_int, P(void_p), char_p)
_declare("emopiano_vae_free", None, void_p)
_declare("emopiano_bundled_vae_path", c_int, P(void_p))
_declare("emopiano_vae_info", c_int, P(i32), P(i32), void_p)
_declare("emopiano_vae_encode_file", c_int, P(f32), P(f32), size_t, void_p, char_p, P(EmotionStruct))
_declare("emopiano_vae_sample_latent", c_int, P(f32), size_t, void_p, f32, u64)
_declare("emopiano_vae_decode_midi", c_int, P(void_p), P(size_t), void_p, P(f32), size_t,
         P(EmotionStruct), P(VaeParams))
_declare("emopiano_vae_decode_file", c_int, void_p, P(f32), size_t, P(EmotionStruct), P(VaeParams),
         char_p)
_declare("emopiano_vae_interpolate_latents", c_int, P(f32), P(f32), P(f32), size_t, i32, i32)
_declare("emopiano_vae_attribute_vector", c_int, P(f32), size_t, void_p, i32, i32)
_declare("emopiano_vae_transform_file", c_int, void_p, char_p, i32, i32, f32, P(VaeParams), char_p)
_declare("emopiano_vae_musical_attribute_vector", c_int, P(f32), size_t, void_p, i32)
_declare("emopiano_vae_transform_by_file", c_int, void_p, char_p, i32, i32, P(f32), size_t, P(VaeParams),
         char_p)

_declare("emopiano_beat_params_init", c_int, P(BeatParams), u32)
_declare("emopiano_beats_file_json", c_int, P(void_p), char_p, P(BeatParams))
_declare("emopiano_beats_bytes_json", c_int, P(void_p), void_p, size_t, P(BeatParams))
_declare("emopiano_beats_file", c_int, P(f64), size_t, P(size_t), P(i32), char_p, P(BeatParams))
_declare("emopiano_retime_file", c_int, char_p, char_p, P(BeatParams))
_declare("emopiano_retime_bytes", c_int, P(void_p), P(size_t), void_p, size_t, P(BeatParams))
_declare("emopiano_midi_is_unaligned", c_int, P(i32), void_p, size_t)

HAS_MODEL = bool(lib.emopiano_has_model_support())
if HAS_MODEL:
    _declare("emopiano_model_load", c_int, P(void_p), char_p)
    _declare("emopiano_model_load_with_options", c_int, P(void_p), char_p, i32, i32)
    _declare("emopiano_model_load_options", c_int, P(i32), P(i32), void_p)
    _declare("emopiano_model_create", c_int, P(void_p), char_p, char_p, u64)
    _declare("emopiano_model_save", c_int, void_p, char_p, i32)
    _declare("emopiano_model_free", None, void_p)
    _declare("emopiano_model_config_json", c_int, P(void_p), void_p)
    _declare("emopiano_model_metadata_json", c_int, P(void_p), void_p)
    _declare("emopiano_model_vocab_size", c_int, P(i32), void_p)
    _declare("emopiano_model_parameter_count", c_int, P(i64), void_p)
    _declare("emopiano_model_tokenizer", c_int, P(void_p), void_p)
    _declare("emopiano_bundled_model_path", c_int, P(void_p))
    _declare("emopiano_generate_params_init", c_int, P(GenerateParams), u32)
    _declare("emopiano_sampler_create", c_int, P(void_p), void_p)
    _declare("emopiano_sampler_free", None, void_p)
    _declare("emopiano_sampler_generate", c_int, P(void_p), void_p, P(GenerateParams))
    _declare("emopiano_sampler_generate_batch", c_int, P(void_p), i32, void_p, P(GenerateParams))
    _declare("emopiano_set_compute_threads", c_int, i32)
    _declare("emopiano_generation_info_get", c_int, P(GenerationInfo), void_p)
    _declare("emopiano_generation_tokens", c_int, P(P(i32)), P(size_t), void_p)
    _declare("emopiano_generation_notes", c_int, P(P(Note)), P(size_t), void_p)
    _declare("emopiano_generation_midi_bytes", c_int, P(void_p), P(size_t), void_p)
    _declare("emopiano_generation_write_midi", c_int, void_p, char_p)
    _declare("emopiano_generation_free", None, void_p)
    _declare("emopiano_session_params_init", c_int, P(SessionParams), u32)
    _declare("emopiano_session_create", c_int, P(void_p), void_p, P(SessionParams))
    _declare("emopiano_session_free", None, void_p)
    _declare("emopiano_session_next_bar", c_int, P(SessionBar), P(P(Note)), P(size_t), void_p)
    _declare("emopiano_session_set_emotion", c_int, void_p, P(EmotionStruct))
    _declare("emopiano_session_cancel", c_int, void_p)
    _declare("emopiano_session_reset", c_int, void_p)
    _declare("emopiano_session_write_midi", c_int, void_p, char_p)


def encode_str(text, what="text"):
    """A Python str (or path) as the UTF-8 bytes the C ABI takes."""
    if isinstance(text, os.PathLike):
        text = os.fspath(text)
    if isinstance(text, bytes):
        return text
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    return text.encode("utf-8")


def take_bytes(pointer, size):
    """Copies a library-owned buffer into Python bytes and frees it."""
    try:
        return ctypes.string_at(pointer, size) if pointer else b""
    finally:
        lib.emopiano_free(pointer)


def take_string(pointer):
    """Copies a library-owned NUL-terminated string and frees it."""
    try:
        return ctypes.string_at(pointer).decode("utf-8") if pointer else ""
    finally:
        lib.emopiano_free(pointer)


def bytes_arg(data):
    """(pointer, size) for a bytes-like object, kept valid by the returned buffer."""
    data = bytes(data)
    buffer = ctypes.create_string_buffer(data, len(data)) if data else None
    return buffer, (ctypes.cast(buffer, void_p) if buffer is not None else None), len(data)


def set_primer(params, primer, keep):
    """Points a params struct's primer fields at a MIDI path or MIDI bytes;
    what they point into is appended to `keep`, to live until the call returns."""
    if primer is None:
        return
    if isinstance(primer, (bytes, bytearray, memoryview)):
        buffer, pointer, size = bytes_arg(primer)
        keep.append(buffer)
        params.primer_data, params.primer_size = pointer, size
    else:
        params.primer_path = encode_str(os.fspath(primer), "primer path")
