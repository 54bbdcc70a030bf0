//! emopiano: emotion-conditioned solo-piano MIDI generation.
//!
//! A safe binding of libemopiano's C ABI (`capi/emopiano.h`) with no
//! dependencies. [`sys`] has the raw declarations; the rest wraps every handle
//! in a type that frees it on `Drop` and turns status codes into [`Error`].
//!
//! ```no_run
//! use emopiano::{GenerateOptions, Model};
//! let model = Model::bundled()?;
//! let mut sampler = model.sampler()?;
//! let piece = sampler.generate(GenerateOptions::new().emotion("sad".parse()?).max_bars(8).seed(1))?;
//! piece.write_midi("sad.mid")?;
//! # Ok::<(), emopiano::Error>(())
//! ```
//!
//! Threads: `Model`, `Tokenizer`, `Trajectory`, `Generation`, `CancelToken`,
//! `Classifier`, `Vae` and `Dataset` are `Send + Sync`; a `Sampler` is `Send`
//! and generates through `&mut self`, so give each thread its own sampler of a
//! shared model. A `Trainer` runs through `&mut self` on the thread that made it.

pub mod sys;

mod audio;
mod beats;
mod buffer;
mod classifier;
mod emotion;
mod error;
mod midi;
mod model;
mod session;
mod tokenizer;
mod training;
mod vae;

pub use audio::{audio_available, render_wav, MidiSource, RenderOptions};
pub use beats::{
    beat_times_file, beats_json, beats_json_file, is_unaligned, retime, retime_file, BeatOptions,
    BeatTimes,
};
pub use classifier::{bundled_classifier_path, Classifier, EmotionPrediction};
pub use emotion::{Emotion, Quadrant, Trajectory};
pub use error::{Error, Result, Status};
pub use midi::{read_notes, read_notes_file, validate, Note};
pub use model::{
    bundled_model_path, has_model_support, CancelToken, EmotionSpec, GenerateOptions, Generation,
    GenerationInfo, KvCache, Model, Precision, Primer, Progress, Sampler, StopReason,
    WeightStorage,
};
pub use session::{Bar, Session, SessionOptions};
pub use tokenizer::{SpecialToken, Tokenizer};
pub use training::{
    Dataset, DatasetItem, DatasetOptions, Split, TrainMetrics, TrainResult, Trainer, TrainerOptions,
};
pub use vae::{bundled_vae_path, interpolate_latents, Vae, VaeAttribute, VaeOptions};

use std::ffi::CStr;

/// Version string of the loaded library, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: a static string owned by the library.
    unsafe { CStr::from_ptr(sys::emopiano_version_string()) }
        .to_str()
        .unwrap_or("")
}

/// major * 10000 + minor * 100 + patch of the loaded library.
pub fn version_number() -> u32 {
    unsafe { sys::emopiano_version_number() }
}

/// The library's ABI generation (its SOVERSION).
pub fn abi_version() -> u32 {
    unsafe { sys::emopiano_abi_version() }
}
