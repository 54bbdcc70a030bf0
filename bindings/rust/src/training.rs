//! Datasets of labelled MIDI and training a generator on them.
use std::any::Any;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::emotion::Quadrant;
use crate::error::{c_path, c_string, check, Error, Result, Status};
use crate::model::{CancelToken, Model, Progress};
use crate::sys;

/// The part of a dataset a piece belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Split {
    Train = sys::EMOPIANO_SPLIT_TRAIN,
    Validation = sys::EMOPIANO_SPLIT_VALIDATION,
    Test = sys::EMOPIANO_SPLIT_TEST,
}

impl Split {
    fn from_i32(value: i32) -> Result<Split> {
        match value {
            sys::EMOPIANO_SPLIT_TRAIN => Ok(Split::Train),
            sys::EMOPIANO_SPLIT_VALIDATION => Ok(Split::Validation),
            sys::EMOPIANO_SPLIT_TEST => Ok(Split::Test),
            _ => Err(Error::new(
                Status::Internal,
                format!("{value} is not a split"),
            )),
        }
    }
}

/// One piece of a dataset, copied out of it.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetItem {
    /// File name without extension, unique in the dataset.
    pub name: String,
    pub path: PathBuf,
    pub quadrant: Quadrant,
    pub split: Split,
    /// BOS, emotion, piece, EOS.
    pub tokens: Vec<i32>,
}

/// The text of a C string the library lends for the length of a call.
unsafe fn lent_text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Callbacks reached through `user_data`; a panic is kept here, stops the
/// work at its next progress report, and is resumed once the C call returned.
struct CallbackState<'a> {
    progress: Option<Box<dyn FnMut(&Progress) -> bool + 'a>>,
    on_metrics: Option<Box<dyn FnMut(&TrainMetrics) + 'a>>,
    panic: Option<Box<dyn Any + Send>>,
}

impl<'a> CallbackState<'a> {
    /// The C status as a Result, a callback's panic first.
    fn finish(&mut self, code: c_int) -> Result<()> {
        if let Some(panic) = self.panic.take() {
            resume_unwind(panic);
        }
        check(code)
    }
}

unsafe extern "C" fn progress_trampoline(
    report: *const sys::emopiano_progress,
    user: *mut c_void,
) -> c_int {
    let state = &mut *(user as *mut CallbackState);
    if state.panic.is_some() {
        return 0; // a callback panicked: stop at the next safe point
    }
    let f = match state.progress.as_mut() {
        Some(f) => f,
        None => return 1,
    };
    let r = &*report;
    let progress = Progress {
        stage: lent_text(r.stage),
        done: r.done,
        total: r.total,
        elapsed_seconds: r.elapsed_seconds,
        detail: lent_text(r.detail),
    };
    match catch_unwind(AssertUnwindSafe(|| f(&progress))) {
        Ok(keep_going) => keep_going as c_int,
        Err(panic) => {
            state.panic = Some(panic);
            0
        }
    }
}

unsafe extern "C" fn metrics_trampoline(
    metrics: *const sys::emopiano_train_metrics,
    user: *mut c_void,
) {
    let state = &mut *(user as *mut CallbackState);
    if state.panic.is_some() {
        return;
    }
    if let Some(f) = state.on_metrics.as_mut() {
        let metrics = TrainMetrics::from(&*metrics);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(&metrics))) {
            state.panic = Some(panic);
        }
    }
}

/// Dataset loading settings; `None` keeps the library's default.
#[derive(Default)]
pub struct DatasetOptions<'a> {
    /// TokenizerConfig JSON (default: the default tokenizer).
    pub tokenizer_config_json: Option<&'a str>,
    /// Token cache folder (default `~/.cache/emopiano`); `"none"` for no cache.
    pub cache_dir: Option<&'a Path>,
    /// 0 for all cores (the default).
    pub threads: i32,
    pub apply_sustain_pedal: bool,
    /// Default true.
    pub exclude_drums: Option<bool>,
    /// For layouts without a split (default 0.1 each).
    pub validation_fraction: Option<f64>,
    pub test_fraction: Option<f64>,
    /// Told of stage "tokenize"; return false to stop (the load then fails with Cancelled).
    pub progress: Option<&'a mut dyn FnMut(&Progress) -> bool>,
    pub cancel: Option<&'a CancelToken>,
}

impl<'a> DatasetOptions<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn tokenizer_config_json(mut self, json: &'a str) -> Self {
        self.tokenizer_config_json = Some(json);
        self
    }
    pub fn cache_dir(mut self, dir: &'a Path) -> Self {
        self.cache_dir = Some(dir);
        self
    }
    pub fn threads(mut self, threads: i32) -> Self {
        self.threads = threads;
        self
    }
    pub fn fractions(mut self, validation: f64, test: f64) -> Self {
        self.validation_fraction = Some(validation);
        self.test_fraction = Some(test);
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

/// A labelled MIDI collection (EMOPIA, Q1..Q4 folders, or a CSV of
/// `path,label[,split]`), read and tokenized. Read-only: share it between threads.
pub struct Dataset {
    ptr: NonNull<sys::emopiano_dataset>,
}

// SAFETY: the C ABI documents a loaded dataset as read-only and safe to share across threads.
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

impl Dataset {
    /// Scans, reads and tokenizes. Unreadable files are skipped and counted.
    pub fn load(root: impl AsRef<Path>, options: DatasetOptions<'_>) -> Result<Dataset> {
        let mut params: sys::emopiano_dataset_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::emopiano_dataset_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_dataset_params>() as u32,
            )
        })?;
        let tokenizer_config;
        let cache_dir;
        if let Some(json) = options.tokenizer_config_json {
            tokenizer_config = c_string(json, "tokenizer config")?;
            params.tokenizer_config_json = tokenizer_config.as_ptr();
        }
        if let Some(dir) = options.cache_dir {
            cache_dir = c_path(dir)?;
            params.cache_dir = cache_dir.as_ptr();
        }
        params.threads = options.threads;
        params.apply_sustain_pedal = options.apply_sustain_pedal as i32;
        if let Some(v) = options.exclude_drums {
            params.exclude_drums = v as i32;
        }
        if let Some(v) = options.validation_fraction {
            params.validation_fraction = v;
        }
        if let Some(v) = options.test_fraction {
            params.test_fraction = v;
        }
        if let Some(token) = options.cancel {
            params.cancel = token.as_ptr();
        }
        let mut state = CallbackState {
            progress: options
                .progress
                .map(|f| Box::new(f) as Box<dyn FnMut(&Progress) -> bool + '_>),
            on_metrics: None,
            panic: None,
        };
        if state.progress.is_some() {
            params.progress = Some(progress_trampoline);
            params.progress_user_data = &mut state as *mut CallbackState as *mut c_void;
        }
        let root = c_path(root.as_ref())?;
        let mut out = std::ptr::null_mut();
        let code = unsafe { sys::emopiano_dataset_load(&mut out, root.as_ptr(), &params) };
        state.finish(code)?;
        Ok(Dataset {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// Pieces in one split, or in all of them (`None`).
    pub fn count(&self, split: Option<Split>) -> usize {
        let mut out = 0;
        let split = split.map_or(sys::EMOPIANO_SPLIT_ALL, |s| s as i32);
        check(unsafe { sys::emopiano_dataset_count(&mut out, self.ptr.as_ptr(), split) })
            .expect("a live dataset counts its splits");
        out
    }

    /// Pieces in all splits.
    pub fn len(&self) -> usize {
        self.count(None)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Files that could not be read or had no label.
    pub fn skipped_count(&self) -> usize {
        let mut out = 0;
        check(unsafe { sys::emopiano_dataset_skipped_count(&mut out, self.ptr.as_ptr()) })
            .expect("a live dataset counts what it skipped");
        out
    }

    /// The piece at `index` (in dataset order), copied.
    pub fn item(&self, index: usize) -> Result<DatasetItem> {
        let mut out: sys::emopiano_dataset_item = unsafe { std::mem::zeroed() };
        out.struct_size = std::mem::size_of::<sys::emopiano_dataset_item>() as u32;
        check(unsafe { sys::emopiano_dataset_item_at(&mut out, self.ptr.as_ptr(), index) })?;
        // SAFETY: the pointers borrow from the dataset, alive while self is.
        let tokens = if out.tokens.is_null() || out.token_count == 0 {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(out.tokens, out.token_count) }.to_vec()
        };
        Ok(DatasetItem {
            name: unsafe { lent_text(out.name) },
            path: PathBuf::from(unsafe { lent_text(out.path) }),
            quadrant: Quadrant::from_i32(out.quadrant)?,
            split: Split::from_i32(out.split)?,
            tokens,
        })
    }

    /// Every piece, in dataset order.
    pub fn items(&self) -> impl Iterator<Item = DatasetItem> + '_ {
        (0..self.len()).map(move |i| self.item(i).expect("an index below len() is valid"))
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        unsafe { sys::emopiano_dataset_free(self.ptr.as_ptr()) }
    }
}

/// Reported after every validation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainMetrics {
    /// Epochs completed.
    pub epoch: i32,
    pub step: i64,
    /// Mean since the previous report.
    pub train_loss: f64,
    /// Nats per token.
    pub validation_loss: f64,
    pub validation_perplexity: f64,
    /// Next-token top-1.
    pub validation_accuracy: f64,
    pub validation_tokens: i64,
    pub learning_rate: f64,
    pub tokens_per_second: f64,
    pub elapsed_seconds: f64,
}

impl From<&sys::emopiano_train_metrics> for TrainMetrics {
    fn from(m: &sys::emopiano_train_metrics) -> TrainMetrics {
        TrainMetrics {
            epoch: m.epoch,
            step: m.step,
            train_loss: m.train_loss,
            validation_loss: m.validation_loss,
            validation_perplexity: m.validation_perplexity,
            validation_accuracy: m.validation_accuracy,
            validation_tokens: m.validation_tokens,
            learning_rate: m.learning_rate,
            tokens_per_second: m.tokens_per_second,
            elapsed_seconds: m.elapsed_seconds,
        }
    }
}

/// What a training run did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainResult {
    /// Optimizer steps in total, resumed ones included.
    pub steps: i64,
    pub epochs: f64,
    pub tokens_seen: i64,
    pub train_seconds: f64,
    pub validation_loss: f64,
    pub validation_perplexity: f64,
    pub validation_accuracy: f64,
    pub validation_tokens: i64,
    pub best_validation_loss: f64,
    /// The step of the best validation; its weights are `best_model.pt` in
    /// the checkpoint directory.
    pub best_validation_step: i64,
    /// bfloat16 autocast was used.
    pub bf16: bool,
    /// The time budget ended the run.
    pub stopped_by_time: bool,
}

/// Trainer settings and callbacks.
#[derive(Default)]
pub struct TrainerOptions<'a> {
    /// TrainerConfig JSON (max_steps, epochs, batch_size, learning_rate, seed,
    /// checkpoint_dir, ...); `None` for the defaults.
    pub config_json: Option<&'a str>,
    /// Told of stages "train" and "validate"; return false to stop (the run
    /// then checkpoints and fails with Cancelled).
    pub progress: Option<Box<dyn FnMut(&Progress) -> bool + 'a>>,
    /// Called after every validation.
    pub on_metrics: Option<Box<dyn FnMut(&TrainMetrics) + 'a>>,
    pub cancel: Option<&'a CancelToken>,
}

impl<'a> TrainerOptions<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn config_json(mut self, json: &'a str) -> Self {
        self.config_json = Some(json);
        self
    }
    pub fn progress(mut self, f: impl FnMut(&Progress) -> bool + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }
    pub fn on_metrics(mut self, f: impl FnMut(&TrainMetrics) + 'a) -> Self {
        self.on_metrics = Some(Box::new(f));
        self
    }
    pub fn cancel(mut self, token: &'a CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// Trains a generator on a dataset (AdamW, warm-up and cosine decay, atomic
/// checkpoints, exact resume). It trains its own copy of the weights: the
/// Model it was made from never changes, so samplers may go on using it, and
/// [`Trainer::model`] hands out the trained weights. It borrows the dataset
/// and its callbacks for its whole life, and runs through `&mut self`, on
/// one thread at a time.
pub struct Trainer<'a> {
    ptr: NonNull<sys::emopiano_trainer>,
    // The library calls these during run() and evaluate(): boxed, so their
    // address (the callbacks' user_data) never moves.
    state: Box<CallbackState<'a>>,
    _borrows: PhantomData<(&'a Dataset, &'a CancelToken)>,
}

impl<'a> Trainer<'a> {
    /// A trainer of a copy of `model`'s weights (the model may be dropped at once).
    pub fn new(
        model: &Model,
        dataset: &'a Dataset,
        options: TrainerOptions<'a>,
    ) -> Result<Trainer<'a>> {
        Trainer::make(Some(model), None, dataset, options)
    }

    /// Continues a run from its checkpoint directory.
    pub fn resume(
        checkpoint_dir: impl AsRef<Path>,
        dataset: &'a Dataset,
        options: TrainerOptions<'a>,
    ) -> Result<Trainer<'a>> {
        Trainer::make(None, Some(checkpoint_dir.as_ref()), dataset, options)
    }

    fn make(
        model: Option<&Model>,
        checkpoint_dir: Option<&Path>,
        dataset: &'a Dataset,
        options: TrainerOptions<'a>,
    ) -> Result<Trainer<'a>> {
        let mut params: sys::emopiano_trainer_params = unsafe { std::mem::zeroed() };
        check(unsafe {
            sys::emopiano_trainer_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_trainer_params>() as u32,
            )
        })?;
        let config;
        if let Some(json) = options.config_json {
            config = c_string(json, "trainer config")?;
            params.config_json = config.as_ptr();
        }
        let mut state = Box::new(CallbackState {
            progress: options.progress,
            on_metrics: options.on_metrics,
            panic: None,
        });
        let user = &mut *state as *mut CallbackState as *mut c_void;
        // Progress goes to C whenever a callback exists, so a panic in either stops the run.
        if state.progress.is_some() || state.on_metrics.is_some() {
            params.progress = Some(progress_trampoline);
            params.progress_user_data = user;
        }
        if state.on_metrics.is_some() {
            params.on_metrics = Some(metrics_trampoline);
            params.metrics_user_data = user;
        }
        if let Some(token) = options.cancel {
            params.cancel = token.as_ptr();
        }
        let mut out = std::ptr::null_mut();
        let code = match (model, checkpoint_dir) {
            (Some(model), _) => unsafe {
                sys::emopiano_trainer_create(
                    &mut out,
                    model.as_ptr() as *mut _,
                    dataset.ptr.as_ptr(),
                    &params,
                )
            },
            (None, Some(dir)) => {
                let dir = c_path(dir)?;
                unsafe {
                    sys::emopiano_trainer_resume(
                        &mut out,
                        dir.as_ptr(),
                        dataset.ptr.as_ptr(),
                        &params,
                    )
                }
            }
            (None, None) => unreachable!("a trainer starts from a model or a checkpoint"),
        };
        check(code)?;
        Ok(Trainer {
            ptr: NonNull::new(out).expect("success gives a handle"),
            state,
            _borrows: PhantomData,
        })
    }

    /// Trains to the planned steps or time budget.
    pub fn run(&mut self) -> Result<TrainResult> {
        let mut out = sys::emopiano_train_result {
            struct_size: std::mem::size_of::<sys::emopiano_train_result>() as u32,
            ..Default::default()
        };
        let code = unsafe { sys::emopiano_trainer_run(&mut out, self.ptr.as_ptr()) };
        self.state.finish(code)?;
        Ok(TrainResult {
            steps: out.steps,
            epochs: out.epochs,
            tokens_seen: out.tokens_seen,
            train_seconds: out.train_seconds,
            validation_loss: out.validation_loss,
            validation_perplexity: out.validation_perplexity,
            validation_accuracy: out.validation_accuracy,
            validation_tokens: out.validation_tokens,
            best_validation_loss: out.best_validation_loss,
            best_validation_step: out.best_validation_step,
            bf16: out.bf16 != 0,
            stopped_by_time: out.stopped_by_time != 0,
        })
    }

    /// Validation metrics of the current weights.
    pub fn evaluate(&mut self) -> Result<TrainMetrics> {
        let mut out = sys::emopiano_train_metrics {
            struct_size: std::mem::size_of::<sys::emopiano_train_metrics>() as u32,
            ..Default::default()
        };
        let code = unsafe { sys::emopiano_trainer_evaluate(&mut out, self.ptr.as_ptr()) };
        self.state.finish(code)?;
        Ok(TrainMetrics::from(&out))
    }

    /// (steps taken, steps planned).
    pub fn progress(&self) -> (i64, i64) {
        let (mut step, mut total) = (0, 0);
        check(unsafe { sys::emopiano_trainer_progress(&mut step, &mut total, self.ptr.as_ptr()) })
            .expect("a live trainer knows its progress");
        (step, total)
    }

    /// A new Model with a copy of the weights trained so far.
    pub fn model(&self) -> Result<Model> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_trainer_model(&mut out, self.ptr.as_ptr()) })?;
        Ok(Model::from_raw(out))
    }
}

impl Drop for Trainer<'_> {
    fn drop(&mut self) {
        unsafe { sys::emopiano_trainer_free(self.ptr.as_ptr()) }
    }
}
