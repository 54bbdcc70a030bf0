//! Models, samplers, generated pieces and cancel tokens.
use std::any::Any;
use std::ffi::CStr;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::buffer::{take_array, take_string};
use crate::emotion::{Emotion, Quadrant, Trajectory};
use crate::error::{c_path, c_string, check, Error, Result, Status};
use crate::midi::{take_notes, Note};
use crate::sys;
use crate::tokenizer::Tokenizer;

/// A flag another thread may set to stop a generation. Share it with `Arc`.
pub struct CancelToken {
    ptr: NonNull<sys::emopiano_cancel_token>,
}

// SAFETY: cancel, reset and is_cancelled are thread-safe in the C ABI.
unsafe impl Send for CancelToken {}
unsafe impl Sync for CancelToken {}

impl CancelToken {
    pub fn new() -> Result<CancelToken> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_cancel_token_new(&mut out) })?;
        Ok(CancelToken {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    pub fn cancel(&self) {
        check(unsafe { sys::emopiano_cancel_token_cancel(self.ptr.as_ptr()) })
            .expect("cancelling a live token cannot fail");
    }

    pub fn reset(&self) {
        check(unsafe { sys::emopiano_cancel_token_reset(self.ptr.as_ptr()) })
            .expect("resetting a live token cannot fail");
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::emopiano_cancel_token {
        self.ptr.as_ptr()
    }

    pub fn is_cancelled(&self) -> bool {
        let mut out = 0;
        check(unsafe { sys::emopiano_cancel_token_is_cancelled(&mut out, self.ptr.as_ptr()) })
            .expect("reading a live token cannot fail");
        out != 0
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        // A borrow of the token lives in GenerateOptions for the whole call, so
        // the token cannot be dropped while the library may read it.
        unsafe { sys::emopiano_cancel_token_free(self.ptr.as_ptr()) }
    }
}

/// How weights are stored in a saved model file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum WeightStorage {
    F32 = sys::EMOPIANO_WEIGHTS_F32,
    F16 = sys::EMOPIANO_WEIGHTS_F16,
    Bf16 = sys::EMOPIANO_WEIGHTS_BF16,
}

/// How generation computes each new token (docs/performance.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Precision {
    /// Packed bf16 weights, sums in float32: the default.
    Bf16 = sys::EMOPIANO_PRECISION_BF16,
    /// Float32: the tokens of earlier versions, bit for bit.
    F32 = sys::EMOPIANO_PRECISION_F32,
}

/// How the bf16 step keeps the keys and values of past tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum KvCache {
    /// The default.
    Bf16 = sys::EMOPIANO_KV_CACHE_BF16,
    /// Half the bytes: faster at long positions and with guidance.
    Int8 = sys::EMOPIANO_KV_CACHE_INT8,
}

/// True when the loaded library has the model, sampler and trainer.
pub fn has_model_support() -> bool {
    unsafe { sys::emopiano_has_model_support() != 0 }
}

/// The model that ships with emopiano ($EMOPIANO_MODEL first).
pub fn bundled_model_path() -> Result<PathBuf> {
    let mut out = std::ptr::null_mut();
    check(unsafe { sys::emopiano_bundled_model_path(&mut out) })?;
    Ok(PathBuf::from(unsafe { take_string(out) }))
}

/// A Transformer with its tokenizer. Read-only once loaded: share one model
/// (`&Model` or `Arc<Model>`) between threads and give each its own Sampler.
pub struct Model {
    ptr: NonNull<sys::emopiano_model>,
}

// SAFETY: the C ABI documents a model as read-only and usable by many threads at once.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = c_path(path.as_ref())?;
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_model_load(&mut out, path.as_ptr()) })?;
        Ok(Model {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// Loads a model choosing how it generates; `KvCache::Int8` needs
    /// `Precision::Bf16`.
    pub fn load_with_options(
        path: impl AsRef<Path>,
        precision: Precision,
        kv_cache: KvCache,
    ) -> Result<Model> {
        let path = c_path(path.as_ref())?;
        let mut out = std::ptr::null_mut();
        check(unsafe {
            sys::emopiano_model_load_with_options(
                &mut out,
                path.as_ptr(),
                precision as i32,
                kv_cache as i32,
            )
        })?;
        Ok(Model {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// How this model generates.
    pub fn load_options(&self) -> (Precision, KvCache) {
        let (mut precision, mut kv_cache) = (0, 0);
        check(unsafe {
            sys::emopiano_model_load_options(&mut precision, &mut kv_cache, self.ptr.as_ptr())
        })
        .expect("reading a live model cannot fail");
        (
            if precision == sys::EMOPIANO_PRECISION_F32 {
                Precision::F32
            } else {
                Precision::Bf16
            },
            if kv_cache == sys::EMOPIANO_KV_CACHE_INT8 {
                KvCache::Int8
            } else {
                KvCache::Bf16
            },
        )
    }

    /// The bundled model.
    pub fn bundled() -> Result<Model> {
        Model::load(bundled_model_path()?)
    }

    /// An untrained model from ModelConfig and TokenizerConfig JSON ("" for
    /// the defaults), reproducible from the seed.
    pub fn create(
        model_config_json: &str,
        tokenizer_config_json: &str,
        seed: u64,
    ) -> Result<Model> {
        let model_config = c_string(model_config_json, "model config")?;
        let tokenizer_config = c_string(tokenizer_config_json, "tokenizer config")?;
        let mut out = std::ptr::null_mut();
        check(unsafe {
            sys::emopiano_model_create(
                &mut out,
                model_config.as_ptr(),
                tokenizer_config.as_ptr(),
                seed,
            )
        })?;
        Ok(Model {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// Written atomically.
    pub fn save(&self, path: impl AsRef<Path>, storage: WeightStorage) -> Result<()> {
        let path = c_path(path.as_ref())?;
        check(unsafe { sys::emopiano_model_save(self.ptr.as_ptr(), path.as_ptr(), storage as i32) })
    }

    /// The ModelConfig as JSON.
    pub fn config_json(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_model_config_json(&mut out, self.ptr.as_ptr()) })?;
        Ok(unsafe { take_string(out) })
    }

    /// The metadata JSON (training run, dataset, version); `{}` for a fresh model.
    pub fn metadata_json(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_model_metadata_json(&mut out, self.ptr.as_ptr()) })?;
        Ok(unsafe { take_string(out) })
    }

    pub fn vocab_size(&self) -> i32 {
        let mut out = 0;
        check(unsafe { sys::emopiano_model_vocab_size(&mut out, self.ptr.as_ptr()) })
            .expect("a live model has a vocabulary");
        out
    }

    pub fn parameter_count(&self) -> i64 {
        let mut out = 0;
        check(unsafe { sys::emopiano_model_parameter_count(&mut out, self.ptr.as_ptr()) })
            .expect("a live model has parameters");
        out
    }

    /// A tokenizer with the model's vocabulary.
    pub fn tokenizer(&self) -> Result<Tokenizer> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_model_tokenizer(&mut out, self.ptr.as_ptr()) })?;
        Ok(Tokenizer::from_raw(out))
    }

    pub(crate) fn as_ptr(&self) -> *const sys::emopiano_model {
        self.ptr.as_ptr()
    }

    /// Takes ownership of a handle the library just returned.
    pub(crate) fn from_raw(ptr: *mut sys::emopiano_model) -> Model {
        Model {
            ptr: NonNull::new(ptr).expect("success gives a handle"),
        }
    }

    /// A sampler; it keeps the network alive, so the model may be dropped first.
    pub fn sampler(&self) -> Result<Sampler> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_sampler_create(&mut out, self.ptr.as_ptr()) })?;
        Ok(Sampler {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { sys::emopiano_model_free(self.ptr.as_ptr()) }
    }
}

/// What a progress callback is told.
#[derive(Clone, Debug)]
pub struct Progress {
    pub stage: String,
    pub done: i64,
    pub total: i64,
    pub elapsed_seconds: f64,
    pub detail: String,
}

/// Which emotion to generate.
#[derive(Default)]
pub enum EmotionSpec<'a> {
    /// Q1, the library's default.
    #[default]
    Default,
    Quadrant(Quadrant),
    Emotion(Emotion),
    Trajectory(&'a Trajectory),
}

/// A MIDI piece to continue.
pub enum Primer<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

/// A note callback: the note and the index of its piece in the batch.
pub type NoteCallback<'a> = &'a mut dyn FnMut(&Note, i32);
/// A progress callback: return false to stop.
pub type ProgressCallback<'a> = &'a mut dyn FnMut(&Progress) -> bool;

/// Generation settings; `None` keeps the library's default. Borrowed
/// callbacks and the cancel token outlive the call by construction.
#[derive(Default)]
pub struct GenerateOptions<'a> {
    pub emotion: EmotionSpec<'a>,
    pub temperature: Option<f32>,
    pub top_k: Option<i32>,
    pub top_p: Option<f32>,
    /// Classifier-free guidance weight: 1 = the conditional model alone,
    /// larger = the emotion more strongly heard; `None` = the model's default.
    pub guidance: Option<f32>,
    /// Guidance weight for the rhythm (when notes come); what is played keeps
    /// `guidance`. `None` = the default, the smaller of the guidance and 2.
    pub rhythm_guidance: Option<f32>,
    /// How far pitch and harmony move away from the emotion with its valence
    /// mirrored (happy/tense, sad/calm), so valence is heard after a change
    /// too; 0 = off, `None` = the model's default.
    pub valence_guidance: Option<f32>,
    /// Hold the music near this many notes per beat by when notes come;
    /// 0 or `None` = the model's own density (at most 16).
    pub density: Option<f32>,
    /// Density that follows the emotion: notes per beat for Q1..Q4, which
    /// each bar mixes by its emotion. Set this or `density`, not both.
    pub quadrant_density: Option<[f32; 4]>,
    /// "A minor", "Eb major", "F#m" for models with key tokens; `None` = drawn from the emotion.
    pub key: Option<&'a str>,
    pub seed: u64,
    pub max_tokens: Option<i32>,
    pub max_bars: Option<i32>,
    pub stop_at_eos: Option<bool>,
    pub constrain_grammar: Option<bool>,
    pub primer: Option<Primer<'a>>,
    /// Called for every note as soon as it is complete, with the piece index.
    pub on_note: Option<NoteCallback<'a>>,
    /// Called after every step; return false to stop (the call then fails with Cancelled).
    pub progress: Option<ProgressCallback<'a>>,
    pub cancel: Option<&'a CancelToken>,
}

impl<'a> GenerateOptions<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn quadrant(mut self, quadrant: Quadrant) -> Self {
        self.emotion = EmotionSpec::Quadrant(quadrant);
        self
    }
    pub fn emotion(mut self, emotion: Emotion) -> Self {
        self.emotion = EmotionSpec::Emotion(emotion);
        self
    }
    pub fn trajectory(mut self, trajectory: &'a Trajectory) -> Self {
        self.emotion = EmotionSpec::Trajectory(trajectory);
        self
    }
    pub fn guidance(mut self, guidance: f32) -> Self {
        self.guidance = Some(guidance);
        self
    }
    pub fn rhythm_guidance(mut self, weight: f32) -> Self {
        self.rhythm_guidance = Some(weight);
        self
    }
    pub fn valence_guidance(mut self, weight: f32) -> Self {
        self.valence_guidance = Some(weight);
        self
    }
    pub fn density(mut self, notes_per_beat: f32) -> Self {
        self.density = Some(notes_per_beat);
        self
    }
    pub fn quadrant_density(mut self, notes_per_beat: [f32; 4]) -> Self {
        self.quadrant_density = Some(notes_per_beat);
        self
    }
    pub fn key(mut self, key: &'a str) -> Self {
        self.key = Some(key);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn max_tokens(mut self, max_tokens: i32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }
    pub fn max_bars(mut self, max_bars: i32) -> Self {
        self.max_bars = Some(max_bars);
        self
    }
    pub fn stop_at_eos(mut self, stop: bool) -> Self {
        self.stop_at_eos = Some(stop);
        self
    }
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }
    pub fn primer(mut self, primer: Primer<'a>) -> Self {
        self.primer = Some(primer);
        self
    }
    pub fn on_note(mut self, f: &'a mut dyn FnMut(&Note, i32)) -> Self {
        self.on_note = Some(f);
        self
    }
    pub fn progress(mut self, f: &'a mut dyn FnMut(&Progress) -> bool) -> Self {
        self.progress = Some(f);
        self
    }
    pub fn cancel(mut self, token: &'a CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// The callbacks of one call, reached through `user_data`.
struct Callbacks<'a> {
    on_note: Option<NoteCallback<'a>>,
    progress: Option<ProgressCallback<'a>>,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn note_trampoline(
    note: *const sys::emopiano_note,
    piece: i32,
    user: *mut c_void,
) {
    let state = &mut *(user as *mut Callbacks);
    if state.panic.is_some() {
        return;
    }
    if let Some(f) = state.on_note.as_mut() {
        let note = Note::from(&*note);
        // A panic must not unwind into C: keep it and raise it after the call.
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(&note, piece))) {
            state.panic = Some(panic);
        }
    }
}

unsafe extern "C" fn progress_trampoline(
    report: *const sys::emopiano_progress,
    user: *mut c_void,
) -> c_int {
    let state = &mut *(user as *mut Callbacks);
    if state.panic.is_some() {
        return 0; // a callback panicked: stop at the next safe point
    }
    let f = match state.progress.as_mut() {
        Some(f) => f,
        None => return 1,
    };
    let r = &*report;
    let text = |p: *const std::os::raw::c_char| {
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    let progress = Progress {
        stage: text(r.stage),
        done: r.done,
        total: r.total,
        elapsed_seconds: r.elapsed_seconds,
        detail: text(r.detail),
    };
    match catch_unwind(AssertUnwindSafe(|| f(&progress))) {
        Ok(keep_going) => keep_going as c_int,
        Err(panic) => {
            state.panic = Some(panic);
            0
        }
    }
}

/// Generates pieces from a model. `generate` takes `&mut self`, so one thread
/// uses a sampler at a time; make one per thread from a shared Model.
pub struct Sampler {
    ptr: NonNull<sys::emopiano_sampler>,
}

// SAFETY: a sampler may move between threads; &mut self keeps its use exclusive.
unsafe impl Send for Sampler {}

impl Sampler {
    /// One piece.
    pub fn generate(&mut self, options: GenerateOptions<'_>) -> Result<Generation> {
        Ok(self
            .generate_batch(1, options)?
            .pop()
            .expect("a batch of one has one piece"))
    }

    /// `count` pieces decoded together; piece i uses seed + i.
    pub fn generate_batch(
        &mut self,
        count: usize,
        mut options: GenerateOptions<'_>,
    ) -> Result<Vec<Generation>> {
        let count_i32 = i32::try_from(count).map_err(|_| {
            Error::new(
                Status::InvalidArgument,
                format!("batch of {count} pieces is too large"),
            )
        })?;
        let mut params: sys::emopiano_generate_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::emopiano_generate_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_generate_params>() as u32,
            )
        })?;
        if let Some(v) = options.temperature {
            params.temperature = v;
        }
        if let Some(v) = options.top_k {
            params.top_k = v;
        }
        if let Some(v) = options.top_p {
            params.top_p = v;
        }
        if let Some(v) = options.guidance {
            params.guidance = v;
        }
        if let Some(v) = options.rhythm_guidance {
            params.rhythm_guidance = v;
        }
        if let Some(v) = options.valence_guidance {
            params.valence_guidance = v;
        }
        if let Some(v) = options.density {
            params.density = v;
        }
        if let Some(v) = options.quadrant_density {
            params.quadrant_density = v;
        }
        let key;
        if let Some(text) = options.key {
            key = c_string(text, "key")?;
            params.key = key.as_ptr();
        }
        params.seed = options.seed;
        if let Some(v) = options.max_tokens {
            params.max_tokens = v;
        }
        if let Some(v) = options.max_bars {
            params.max_bars = v;
        }
        if let Some(v) = options.stop_at_eos {
            params.stop_at_eos = v as i32;
        }
        if let Some(v) = options.constrain_grammar {
            params.constrain_grammar = v as i32;
        }

        let emotion;
        match &options.emotion {
            EmotionSpec::Default => {}
            EmotionSpec::Quadrant(q) => params.quadrant = *q as i32,
            EmotionSpec::Emotion(e) => {
                emotion = e.0;
                params.emotion = &emotion;
            }
            EmotionSpec::Trajectory(t) => params.trajectory = t.as_ptr(),
        }
        let primer_path;
        match &options.primer {
            None => {}
            Some(Primer::Path(path)) => {
                primer_path = c_path(path)?;
                params.primer_path = primer_path.as_ptr();
            }
            Some(Primer::Bytes(bytes)) => {
                params.primer_data = bytes.as_ptr();
                params.primer_size = bytes.len();
            }
        }
        if let Some(token) = options.cancel {
            params.cancel = token.ptr.as_ptr();
        }

        let mut callbacks = Callbacks {
            on_note: options.on_note.take(),
            progress: options.progress.take(),
            panic: None,
        };
        let user = &mut callbacks as *mut Callbacks as *mut c_void;
        if callbacks.on_note.is_some() {
            params.on_note = Some(note_trampoline);
            params.note_user_data = user;
        }
        if callbacks.on_note.is_some() || callbacks.progress.is_some() {
            // Installed for on_note too, so a panicking note callback stops the run.
            params.progress = Some(progress_trampoline);
            params.progress_user_data = user;
        }

        let mut pieces: Vec<*mut sys::emopiano_generation> = vec![std::ptr::null_mut(); count];
        let code = unsafe {
            sys::emopiano_sampler_generate_batch(
                pieces.as_mut_ptr(),
                count_i32,
                self.ptr.as_ptr(),
                &params,
            )
        };
        if let Some(panic) = callbacks.panic.take() {
            for p in pieces {
                unsafe { sys::emopiano_generation_free(p) };
            }
            resume_unwind(panic);
        }
        check(code)?;
        Ok(pieces
            .into_iter()
            .map(|p| Generation {
                ptr: NonNull::new(p).expect("success gives every piece"),
            })
            .collect())
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        unsafe { sys::emopiano_sampler_free(self.ptr.as_ptr()) }
    }
}

/// Why a generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    Eos,
    MaxTokens,
    DeadEnd,
    Other(i32),
}

/// Statistics of a generated piece.
#[derive(Clone, Debug)]
pub struct GenerationInfo {
    pub stop_reason: StopReason,
    pub prompt_tokens: i64,
    pub generated_tokens: i64,
    pub notes: i64,
    pub bars: i32,
    pub seed: u64,
    pub seconds: f64,
    pub duration_seconds: f64,
}

/// One generated piece. Read-only and independent of its sampler.
pub struct Generation {
    ptr: NonNull<sys::emopiano_generation>,
}

// SAFETY: a generation is read-only and shareable in the C ABI.
unsafe impl Send for Generation {}
unsafe impl Sync for Generation {}

impl Generation {
    pub fn info(&self) -> GenerationInfo {
        let mut out = sys::emopiano_generation_info {
            struct_size: std::mem::size_of::<sys::emopiano_generation_info>() as u32,
            ..Default::default()
        };
        check(unsafe { sys::emopiano_generation_info_get(&mut out, self.ptr.as_ptr()) })
            .expect("a live piece has its info");
        GenerationInfo {
            stop_reason: match out.stop_reason {
                sys::EMOPIANO_STOP_EOS => StopReason::Eos,
                sys::EMOPIANO_STOP_MAX_TOKENS => StopReason::MaxTokens,
                sys::EMOPIANO_STOP_DEAD_END => StopReason::DeadEnd,
                other => StopReason::Other(other),
            },
            prompt_tokens: out.prompt_tokens,
            generated_tokens: out.generated_tokens,
            notes: out.notes,
            bars: out.bars,
            seed: out.seed,
            seconds: out.seconds,
            duration_seconds: out.duration_seconds,
        }
    }

    /// The whole sequence: BOS, emotion, primer and generated tokens (borrowed from the piece).
    pub fn tokens(&self) -> &[i32] {
        let (mut ptr, mut count) = (std::ptr::null(), 0usize);
        check(unsafe { sys::emopiano_generation_tokens(&mut ptr, &mut count, self.ptr.as_ptr()) })
            .expect("a live piece has tokens");
        if ptr.is_null() || count == 0 {
            &[]
        } else {
            // SAFETY: borrowed from the piece, valid while `self` is.
            unsafe { std::slice::from_raw_parts(ptr, count) }
        }
    }

    pub fn notes(&self) -> Result<Vec<Note>> {
        let (mut ptr, mut count) = (std::ptr::null_mut(), 0usize);
        check(unsafe { sys::emopiano_generation_notes(&mut ptr, &mut count, self.ptr.as_ptr()) })?;
        Ok(take_notes(ptr, count))
    }

    /// The piece as a Standard MIDI File.
    pub fn midi_bytes(&self) -> Result<Vec<u8>> {
        let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
        check(unsafe {
            sys::emopiano_generation_midi_bytes(&mut ptr, &mut size, self.ptr.as_ptr())
        })?;
        Ok(unsafe { take_array(ptr, size) })
    }

    /// Writes a Standard MIDI File atomically.
    pub fn write_midi(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        check(unsafe { sys::emopiano_generation_write_midi(self.ptr.as_ptr(), path.as_ptr()) })
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        unsafe { sys::emopiano_generation_free(self.ptr.as_ptr()) }
    }
}
