//! Raw declarations of the C ABI in `capi/emopiano.h`, one for one.
//!
//! Everything here is `unsafe` to call and follows the header's rules: out
//! parameters first, `0` for success, buffers freed with [`emopiano_free`].
//! The safe layer in the rest of the crate is built on these.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

pub const EMOPIANO_OK: c_int = 0;
pub const EMOPIANO_ERROR_INVALID_ARGUMENT: c_int = -1;
pub const EMOPIANO_ERROR_NOT_FOUND: c_int = -2;
pub const EMOPIANO_ERROR_IO: c_int = -3;
pub const EMOPIANO_ERROR_FORMAT: c_int = -4;
pub const EMOPIANO_ERROR_BUFFER_TOO_SMALL: c_int = -5;
pub const EMOPIANO_ERROR_CANCELLED: c_int = -6;
pub const EMOPIANO_ERROR_UNSUPPORTED: c_int = -7;
pub const EMOPIANO_ERROR_INTERNAL: c_int = -8;
pub const EMOPIANO_ERROR_OUT_OF_MEMORY: c_int = -9;

pub const EMOPIANO_WEIGHTS_F32: i32 = 0;
pub const EMOPIANO_WEIGHTS_F16: i32 = 1;
pub const EMOPIANO_WEIGHTS_BF16: i32 = 2;
pub const EMOPIANO_PRECISION_BF16: i32 = 0;
pub const EMOPIANO_PRECISION_F32: i32 = 1;
pub const EMOPIANO_KV_CACHE_BF16: i32 = 0;
pub const EMOPIANO_KV_CACHE_INT8: i32 = 1;

pub const EMOPIANO_STOP_EOS: i32 = 0;
pub const EMOPIANO_STOP_MAX_TOKENS: i32 = 1;
pub const EMOPIANO_STOP_DEAD_END: i32 = 2;

/// Opaque handle types: only ever used behind pointers.
macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}
opaque!(
    emopiano_cancel_token,
    emopiano_trajectory,
    emopiano_tokenizer,
    emopiano_model,
    emopiano_sampler,
    emopiano_generation,
    emopiano_session,
    emopiano_dataset,
    emopiano_trainer,
    emopiano_classifier,
    emopiano_vae
);

pub const EMOPIANO_SPLIT_ALL: i32 = -1;
pub const EMOPIANO_SPLIT_TRAIN: i32 = 0;
pub const EMOPIANO_SPLIT_VALIDATION: i32 = 1;
pub const EMOPIANO_SPLIT_TEST: i32 = 2;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct emopiano_emotion {
    pub p: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct emopiano_note {
    pub pitch: i32,
    pub velocity: i32,
    pub channel: i32,
    pub reserved: i32,
    pub start_tick: i64,
    pub end_tick: i64,
    pub start_seconds: f64,
    pub end_seconds: f64,
}

#[repr(C)]
pub struct emopiano_progress {
    pub struct_size: u32,
    pub reserved: u32,
    pub stage: *const c_char,
    pub done: i64,
    pub total: i64,
    pub elapsed_seconds: f64,
    pub detail: *const c_char,
}

pub type emopiano_progress_fn = Option<
    unsafe extern "C" fn(progress: *const emopiano_progress, user_data: *mut c_void) -> c_int,
>;
pub type emopiano_note_fn =
    Option<unsafe extern "C" fn(note: *const emopiano_note, piece: i32, user_data: *mut c_void)>;

#[repr(C)]
pub struct emopiano_midi_read_params {
    pub struct_size: u32,
    pub apply_sustain_pedal: i32,
    pub exclude_drums: i32,
}

#[repr(C)]
pub struct emopiano_encode_params {
    pub struct_size: u32,
    pub quadrant: i32,
    pub apply_sustain_pedal: i32,
    pub exclude_drums: i32,
}

#[repr(C)]
pub struct emopiano_generate_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub seed: u64,
    pub max_tokens: i32,
    pub max_bars: i32,
    pub stop_at_eos: i32,
    pub constrain_grammar: i32,
    pub quadrant: i32,
    pub reserved: i32,
    pub emotion: *const emopiano_emotion,
    pub trajectory: *const emopiano_trajectory,
    pub primer_path: *const c_char,
    pub primer_data: *const u8,
    pub primer_size: usize,
    pub on_note: emopiano_note_fn,
    pub note_user_data: *mut c_void,
    pub progress: emopiano_progress_fn,
    pub progress_user_data: *mut c_void,
    pub cancel: *mut emopiano_cancel_token,
    pub guidance: f32,
    pub reserved_guidance: i32,
    pub key: *const c_char,
    pub rhythm_guidance: f32,
    pub reserved_rhythm: i32,
    pub valence_guidance: f32,
    pub reserved_valence: i32,
    pub density: f32,
    pub reserved_density: i32,
    pub quadrant_density: [f32; 4],
}

#[repr(C)]
#[derive(Default)]
pub struct emopiano_generation_info {
    pub struct_size: u32,
    pub stop_reason: i32,
    pub prompt_tokens: i64,
    pub generated_tokens: i64,
    pub notes: i64,
    pub bars: i32,
    pub reserved: i32,
    pub seed: u64,
    pub seconds: f64,
    pub duration_seconds: f64,
}

#[repr(C)]
pub struct emopiano_session_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub seed: u64,
    pub guidance: f32,
    pub constrain_grammar: i32,
    pub emotion: *const emopiano_emotion,
    pub key: *const c_char,
    pub primer_path: *const c_char,
    pub primer_data: *const u8,
    pub primer_size: usize,
    pub record: i32,
    pub reserved: i32,
    pub lookahead: i32,
    pub reserved1: i32,
    pub rhythm_guidance: f32,
    pub reserved2: i32,
    pub valence_guidance: f32,
    pub reserved3: i32,
    pub density: f32,
    pub reserved4: i32,
    pub quadrant_density: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_session_bar {
    pub struct_size: u32,
    pub ticks_per_beat: i32,
    pub index: i64,
    pub start_tick: i64,
    pub end_tick: i64,
    pub start_seconds: f64,
    pub end_seconds: f64,
    pub bpm: f64,
    pub emotion: emopiano_emotion,
    pub key_tonic: i32,
    pub key_major: i32,
    pub tokens: i64,
}

#[repr(C)]
pub struct emopiano_render_params {
    pub struct_size: u32,
    pub sample_rate: i32,
    pub gain: f64,
    pub tail_seconds: f64,
    pub program: i32,
    pub reserved: i32,
    pub soundfont: *const c_char,
}

#[repr(C)]
pub struct emopiano_dataset_params {
    pub struct_size: u32,
    pub reserved0: u32,
    pub tokenizer_config_json: *const c_char,
    pub cache_dir: *const c_char,
    pub threads: i32,
    pub apply_sustain_pedal: i32,
    pub exclude_drums: i32,
    pub reserved1: i32,
    pub validation_fraction: f64,
    pub test_fraction: f64,
    pub progress: emopiano_progress_fn,
    pub progress_user_data: *mut c_void,
    pub cancel: *mut emopiano_cancel_token,
}

#[repr(C)]
pub struct emopiano_dataset_item {
    pub struct_size: u32,
    pub quadrant: i32,
    pub split: i32,
    pub reserved: i32,
    pub name: *const c_char,
    pub path: *const c_char,
    pub tokens: *const i32,
    pub token_count: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_train_metrics {
    pub struct_size: u32,
    pub epoch: i32,
    pub step: i64,
    pub train_loss: f64,
    pub validation_loss: f64,
    pub validation_perplexity: f64,
    pub validation_accuracy: f64,
    pub validation_tokens: i64,
    pub learning_rate: f64,
    pub tokens_per_second: f64,
    pub elapsed_seconds: f64,
}

pub type emopiano_train_metrics_fn =
    Option<unsafe extern "C" fn(metrics: *const emopiano_train_metrics, user_data: *mut c_void)>;

#[repr(C)]
pub struct emopiano_trainer_params {
    pub struct_size: u32,
    pub reserved: u32,
    pub config_json: *const c_char,
    pub progress: emopiano_progress_fn,
    pub progress_user_data: *mut c_void,
    pub on_metrics: emopiano_train_metrics_fn,
    pub metrics_user_data: *mut c_void,
    pub cancel: *mut emopiano_cancel_token,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_train_result {
    pub struct_size: u32,
    pub bf16: i32,
    pub steps: i64,
    pub epochs: f64,
    pub tokens_seen: i64,
    pub train_seconds: f64,
    pub validation_loss: f64,
    pub validation_perplexity: f64,
    pub validation_accuracy: f64,
    pub validation_tokens: i64,
    pub best_validation_loss: f64,
    pub stopped_by_time: i32,
    pub reserved: i32,
    pub best_validation_step: i64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_emotion_prediction {
    pub struct_size: u32,
    pub quadrant: i32,
    pub probabilities: [f64; 4],
    pub arousal: f64,
    pub valence: f64,
    pub windows: i32,
    pub reserved: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_vae_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub seed: u64,
    pub beams: i32,
    pub reserved: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct emopiano_beat_params {
    pub struct_size: u32,
    pub metre: i32,
    pub min_bpm: f64,
    pub max_bpm: f64,
    pub prior_bpm: f64,
    pub prior_octaves: f64,
    pub tightness: f64,
}

extern "C" {
    pub fn emopiano_last_error() -> *const c_char;
    pub fn emopiano_last_error_code() -> c_int;
    pub fn emopiano_clear_last_error();
    pub fn emopiano_status_name(status: c_int) -> *const c_char;
    pub fn emopiano_version_string() -> *const c_char;
    pub fn emopiano_version_number() -> u32;
    pub fn emopiano_abi_version() -> u32;
    pub fn emopiano_has_model_support() -> i32;
    pub fn emopiano_free(buffer: *mut c_void);

    pub fn emopiano_cancel_token_new(out: *mut *mut emopiano_cancel_token) -> c_int;
    pub fn emopiano_cancel_token_cancel(token: *mut emopiano_cancel_token) -> c_int;
    pub fn emopiano_cancel_token_reset(token: *mut emopiano_cancel_token) -> c_int;
    pub fn emopiano_cancel_token_is_cancelled(
        out_cancelled: *mut i32,
        token: *const emopiano_cancel_token,
    ) -> c_int;
    pub fn emopiano_cancel_token_free(token: *mut emopiano_cancel_token);

    pub fn emopiano_quadrant_info(
        out_name: *mut *const c_char,
        out_mood: *mut *const c_char,
        quadrant: i32,
    ) -> c_int;
    pub fn emopiano_quadrant_parse(out_quadrant: *mut i32, text: *const c_char) -> c_int;
    pub fn emopiano_emotion_from_quadrant(out: *mut emopiano_emotion, quadrant: i32) -> c_int;
    pub fn emopiano_emotion_from_weights(out: *mut emopiano_emotion, weights: *const f32) -> c_int;
    pub fn emopiano_emotion_from_valence_arousal(
        out: *mut emopiano_emotion,
        valence: f32,
        arousal: f32,
    ) -> c_int;
    pub fn emopiano_emotion_parse(out: *mut emopiano_emotion, text: *const c_char) -> c_int;
    pub fn emopiano_emotion_mix(
        out: *mut emopiano_emotion,
        a: *const emopiano_emotion,
        b: *const emopiano_emotion,
        t: f32,
    ) -> c_int;
    pub fn emopiano_emotion_valence_arousal(
        out_valence: *mut f32,
        out_arousal: *mut f32,
        emotion: *const emopiano_emotion,
    ) -> c_int;
    pub fn emopiano_emotion_dominant(
        out_quadrant: *mut i32,
        emotion: *const emopiano_emotion,
    ) -> c_int;
    pub fn emopiano_emotion_to_string(
        buffer: *mut c_char,
        buffer_size: usize,
        out_size_needed: *mut usize,
        emotion: *const emopiano_emotion,
    ) -> c_int;

    pub fn emopiano_trajectory_new(out: *mut *mut emopiano_trajectory) -> c_int;
    pub fn emopiano_trajectory_parse(
        out: *mut *mut emopiano_trajectory,
        text: *const c_char,
    ) -> c_int;
    pub fn emopiano_trajectory_add(
        trajectory: *mut emopiano_trajectory,
        bar: f64,
        emotion: *const emopiano_emotion,
    ) -> c_int;
    pub fn emopiano_trajectory_keyframe_count(
        out_count: *mut usize,
        trajectory: *const emopiano_trajectory,
    ) -> c_int;
    pub fn emopiano_trajectory_at(
        out: *mut emopiano_emotion,
        trajectory: *const emopiano_trajectory,
        bar: f64,
    ) -> c_int;
    pub fn emopiano_trajectory_free(trajectory: *mut emopiano_trajectory);

    pub fn emopiano_midi_read_params_init(
        params: *mut emopiano_midi_read_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_midi_validate(data: *const u8, size: usize) -> c_int;
    pub fn emopiano_midi_read_notes_file(
        out_notes: *mut *mut emopiano_note,
        out_count: *mut usize,
        path: *const c_char,
        params: *const emopiano_midi_read_params,
    ) -> c_int;
    pub fn emopiano_midi_read_notes_bytes(
        out_notes: *mut *mut emopiano_note,
        out_count: *mut usize,
        data: *const u8,
        size: usize,
        params: *const emopiano_midi_read_params,
    ) -> c_int;

    pub fn emopiano_tokenizer_create(
        out: *mut *mut emopiano_tokenizer,
        config_json: *const c_char,
    ) -> c_int;
    pub fn emopiano_tokenizer_free(tokenizer: *mut emopiano_tokenizer);
    pub fn emopiano_tokenizer_vocab_size(
        out_size: *mut i32,
        tokenizer: *const emopiano_tokenizer,
    ) -> c_int;
    pub fn emopiano_tokenizer_special_id(
        out_id: *mut i32,
        tokenizer: *const emopiano_tokenizer,
        which: i32,
    ) -> c_int;
    pub fn emopiano_tokenizer_token_to_string(
        buffer: *mut c_char,
        buffer_size: usize,
        out_size_needed: *mut usize,
        tokenizer: *const emopiano_tokenizer,
        id: i32,
    ) -> c_int;
    pub fn emopiano_tokenizer_token_from_string(
        out_id: *mut i32,
        tokenizer: *const emopiano_tokenizer,
        text: *const c_char,
    ) -> c_int;
    pub fn emopiano_encode_params_init(
        params: *mut emopiano_encode_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_tokenizer_encode_file(
        out_tokens: *mut *mut i32,
        out_count: *mut usize,
        tokenizer: *const emopiano_tokenizer,
        midi_path: *const c_char,
        params: *const emopiano_encode_params,
    ) -> c_int;
    pub fn emopiano_tokenizer_encode_bytes(
        out_tokens: *mut *mut i32,
        out_count: *mut usize,
        tokenizer: *const emopiano_tokenizer,
        midi_data: *const u8,
        midi_size: usize,
        params: *const emopiano_encode_params,
    ) -> c_int;
    pub fn emopiano_tokenizer_decode_to_file(
        tokenizer: *const emopiano_tokenizer,
        tokens: *const i32,
        count: usize,
        midi_path: *const c_char,
    ) -> c_int;
    pub fn emopiano_tokenizer_decode_to_bytes(
        out_bytes: *mut *mut u8,
        out_size: *mut usize,
        tokenizer: *const emopiano_tokenizer,
        tokens: *const i32,
        count: usize,
    ) -> c_int;

    pub fn emopiano_model_load(out: *mut *mut emopiano_model, path: *const c_char) -> c_int;
    pub fn emopiano_model_load_with_options(
        out: *mut *mut emopiano_model,
        path: *const c_char,
        precision: i32,
        kv_cache: i32,
    ) -> c_int;
    pub fn emopiano_model_load_options(
        out_precision: *mut i32,
        out_kv_cache: *mut i32,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_model_create(
        out: *mut *mut emopiano_model,
        model_config_json: *const c_char,
        tokenizer_config_json: *const c_char,
        seed: u64,
    ) -> c_int;
    pub fn emopiano_model_save(
        model: *const emopiano_model,
        path: *const c_char,
        storage: i32,
    ) -> c_int;
    pub fn emopiano_model_free(model: *mut emopiano_model);
    pub fn emopiano_model_config_json(
        out_json: *mut *mut c_char,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_model_metadata_json(
        out_json: *mut *mut c_char,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_model_vocab_size(out_size: *mut i32, model: *const emopiano_model) -> c_int;
    pub fn emopiano_model_parameter_count(
        out_count: *mut i64,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_model_tokenizer(
        out: *mut *mut emopiano_tokenizer,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_bundled_model_path(out_path: *mut *mut c_char) -> c_int;

    pub fn emopiano_generate_params_init(
        params: *mut emopiano_generate_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_sampler_create(
        out: *mut *mut emopiano_sampler,
        model: *const emopiano_model,
    ) -> c_int;
    pub fn emopiano_sampler_free(sampler: *mut emopiano_sampler);
    pub fn emopiano_sampler_generate_batch(
        out_pieces: *mut *mut emopiano_generation,
        count: i32,
        sampler: *mut emopiano_sampler,
        params: *const emopiano_generate_params,
    ) -> c_int;
    pub fn emopiano_generation_info_get(
        out: *mut emopiano_generation_info,
        piece: *const emopiano_generation,
    ) -> c_int;
    pub fn emopiano_generation_tokens(
        out_tokens: *mut *const i32,
        out_count: *mut usize,
        piece: *const emopiano_generation,
    ) -> c_int;
    pub fn emopiano_generation_notes(
        out_notes: *mut *mut emopiano_note,
        out_count: *mut usize,
        piece: *const emopiano_generation,
    ) -> c_int;
    pub fn emopiano_generation_midi_bytes(
        out_bytes: *mut *mut u8,
        out_size: *mut usize,
        piece: *const emopiano_generation,
    ) -> c_int;
    pub fn emopiano_session_params_init(
        params: *mut emopiano_session_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_session_create(
        out: *mut *mut emopiano_session,
        model: *const emopiano_model,
        params: *const emopiano_session_params,
    ) -> c_int;
    pub fn emopiano_session_free(session: *mut emopiano_session);
    pub fn emopiano_session_next_bar(
        out_bar: *mut emopiano_session_bar,
        out_notes: *mut *mut emopiano_note,
        out_count: *mut usize,
        session: *mut emopiano_session,
    ) -> c_int;
    pub fn emopiano_session_set_emotion(
        session: *mut emopiano_session,
        emotion: *const emopiano_emotion,
    ) -> c_int;
    pub fn emopiano_session_cancel(session: *const emopiano_session) -> c_int;
    pub fn emopiano_session_reset(session: *mut emopiano_session) -> c_int;
    pub fn emopiano_session_write_midi(
        session: *const emopiano_session,
        path: *const c_char,
    ) -> c_int;
    pub fn emopiano_generation_write_midi(
        piece: *const emopiano_generation,
        path: *const c_char,
    ) -> c_int;
    pub fn emopiano_generation_free(piece: *mut emopiano_generation);

    pub fn emopiano_render_params_init(
        params: *mut emopiano_render_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_audio_available() -> i32;
    pub fn emopiano_render_wav_file(
        midi_path: *const c_char,
        wav_path: *const c_char,
        params: *const emopiano_render_params,
    ) -> c_int;
    pub fn emopiano_render_wav_bytes(
        midi_data: *const u8,
        midi_size: usize,
        wav_path: *const c_char,
        params: *const emopiano_render_params,
    ) -> c_int;

    pub fn emopiano_dataset_params_init(
        params: *mut emopiano_dataset_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_dataset_load(
        out: *mut *mut emopiano_dataset,
        root: *const c_char,
        params: *const emopiano_dataset_params,
    ) -> c_int;
    pub fn emopiano_dataset_free(dataset: *mut emopiano_dataset);
    pub fn emopiano_dataset_count(
        out_count: *mut usize,
        dataset: *const emopiano_dataset,
        split: i32,
    ) -> c_int;
    pub fn emopiano_dataset_skipped_count(
        out_count: *mut usize,
        dataset: *const emopiano_dataset,
    ) -> c_int;
    pub fn emopiano_dataset_item_at(
        out: *mut emopiano_dataset_item,
        dataset: *const emopiano_dataset,
        index: usize,
    ) -> c_int;

    pub fn emopiano_trainer_params_init(
        params: *mut emopiano_trainer_params,
        struct_size: u32,
    ) -> c_int;
    pub fn emopiano_trainer_create(
        out: *mut *mut emopiano_trainer,
        model: *mut emopiano_model,
        dataset: *const emopiano_dataset,
        params: *const emopiano_trainer_params,
    ) -> c_int;
    pub fn emopiano_trainer_resume(
        out: *mut *mut emopiano_trainer,
        checkpoint_dir: *const c_char,
        dataset: *const emopiano_dataset,
        params: *const emopiano_trainer_params,
    ) -> c_int;
    pub fn emopiano_trainer_free(trainer: *mut emopiano_trainer);
    pub fn emopiano_trainer_run(
        out: *mut emopiano_train_result,
        trainer: *mut emopiano_trainer,
    ) -> c_int;
    pub fn emopiano_trainer_evaluate(
        out: *mut emopiano_train_metrics,
        trainer: *mut emopiano_trainer,
    ) -> c_int;
    pub fn emopiano_trainer_progress(
        out_step: *mut i64,
        out_total_steps: *mut i64,
        trainer: *const emopiano_trainer,
    ) -> c_int;
    pub fn emopiano_trainer_model(
        out: *mut *mut emopiano_model,
        trainer: *const emopiano_trainer,
    ) -> c_int;

    pub fn emopiano_classifier_load(
        out: *mut *mut emopiano_classifier,
        path: *const c_char,
    ) -> c_int;
    pub fn emopiano_classifier_free(classifier: *mut emopiano_classifier);
    pub fn emopiano_bundled_classifier_path(out_path: *mut *mut c_char) -> c_int;
    pub fn emopiano_classifier_classify_file(
        out: *mut emopiano_emotion_prediction,
        classifier: *const emopiano_classifier,
        midi_path: *const c_char,
    ) -> c_int;
    pub fn emopiano_classifier_classify_midi(
        out: *mut emopiano_emotion_prediction,
        classifier: *const emopiano_classifier,
        data: *const u8,
        size: usize,
    ) -> c_int;

    pub fn emopiano_vae_params_init(params: *mut emopiano_vae_params, struct_size: u32) -> c_int;
    pub fn emopiano_vae_load(out: *mut *mut emopiano_vae, path: *const c_char) -> c_int;
    pub fn emopiano_vae_free(vae: *mut emopiano_vae);
    pub fn emopiano_bundled_vae_path(out_path: *mut *mut c_char) -> c_int;
    pub fn emopiano_vae_info(
        out_latent_dim: *mut i32,
        out_segment_bars: *mut i32,
        vae: *const emopiano_vae,
    ) -> c_int;
    pub fn emopiano_vae_encode_file(
        out_mean: *mut f32,
        out_log_variance: *mut f32,
        dim: usize,
        vae: *const emopiano_vae,
        midi_path: *const c_char,
        emotion: *const emopiano_emotion,
    ) -> c_int;
    pub fn emopiano_vae_sample_latent(
        out_z: *mut f32,
        dim: usize,
        vae: *const emopiano_vae,
        temperature: f32,
        seed: u64,
    ) -> c_int;
    pub fn emopiano_vae_decode_midi(
        out_bytes: *mut *mut u8,
        out_size: *mut usize,
        vae: *const emopiano_vae,
        z: *const f32,
        dim: usize,
        emotion: *const emopiano_emotion,
        params: *const emopiano_vae_params,
    ) -> c_int;
    pub fn emopiano_vae_decode_file(
        vae: *const emopiano_vae,
        z: *const f32,
        dim: usize,
        emotion: *const emopiano_emotion,
        params: *const emopiano_vae_params,
        out_path: *const c_char,
    ) -> c_int;
    pub fn emopiano_vae_interpolate_latents(
        out: *mut f32,
        a: *const f32,
        b: *const f32,
        dim: usize,
        steps: i32,
        spherical: i32,
    ) -> c_int;
    pub fn emopiano_vae_attribute_vector(
        out: *mut f32,
        dim: usize,
        vae: *const emopiano_vae,
        from_quadrant: i32,
        to_quadrant: i32,
    ) -> c_int;
    pub fn emopiano_vae_transform_file(
        vae: *const emopiano_vae,
        in_path: *const c_char,
        from_quadrant: i32,
        to_quadrant: i32,
        strength: f32,
        params: *const emopiano_vae_params,
        out_path: *const c_char,
    ) -> c_int;
    pub fn emopiano_vae_musical_attribute_vector(
        out: *mut f32,
        dim: usize,
        vae: *const emopiano_vae,
        attribute: i32,
    ) -> c_int;
    pub fn emopiano_vae_transform_by_file(
        vae: *const emopiano_vae,
        in_path: *const c_char,
        from_quadrant: i32,
        to_quadrant: i32,
        shift: *const f32,
        dim: usize,
        params: *const emopiano_vae_params,
        out_path: *const c_char,
    ) -> c_int;

    pub fn emopiano_beat_params_init(params: *mut emopiano_beat_params, struct_size: u32) -> c_int;
    pub fn emopiano_beats_file_json(
        out_json: *mut *mut c_char,
        midi_path: *const c_char,
        params: *const emopiano_beat_params,
    ) -> c_int;
    pub fn emopiano_beats_bytes_json(
        out_json: *mut *mut c_char,
        data: *const u8,
        size: usize,
        params: *const emopiano_beat_params,
    ) -> c_int;
    pub fn emopiano_beats_file(
        out_beats: *mut f64,
        capacity: usize,
        out_count: *mut usize,
        out_metre: *mut i32,
        midi_path: *const c_char,
        params: *const emopiano_beat_params,
    ) -> c_int;
    pub fn emopiano_retime_file(
        in_path: *const c_char,
        out_path: *const c_char,
        params: *const emopiano_beat_params,
    ) -> c_int;
    pub fn emopiano_retime_bytes(
        out_bytes: *mut *mut u8,
        out_size: *mut usize,
        data: *const u8,
        size: usize,
        params: *const emopiano_beat_params,
    ) -> c_int;
    pub fn emopiano_midi_is_unaligned(
        out_unaligned: *mut i32,
        data: *const u8,
        size: usize,
    ) -> c_int;
}
