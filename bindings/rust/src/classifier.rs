//! The emotion classifier: which EMOPIA quadrant a piece sounds like.
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::audio::MidiSource;
use crate::buffer::take_string;
use crate::emotion::Quadrant;
use crate::error::{c_path, check, Result};
use crate::sys;

/// The classifier that ships with emopiano (`$EMOPIANO_CLASSIFIER` first).
pub fn bundled_classifier_path() -> Result<PathBuf> {
    let mut out = std::ptr::null_mut();
    check(unsafe { sys::emopiano_bundled_classifier_path(&mut out) })?;
    Ok(PathBuf::from(unsafe { take_string(out) }))
}

/// What the classifier hears in a piece.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EmotionPrediction {
    /// The most probable quadrant.
    pub quadrant: Quadrant,
    /// Q1..Q4, summing to 1.
    pub probabilities: [f64; 4],
    /// P(Q1) + P(Q2).
    pub arousal: f64,
    /// P(Q1) + P(Q4).
    pub valence: f64,
    /// Windows of the piece that were averaged.
    pub windows: i32,
}

/// A loaded emotion classifier. Read-only: share one between threads.
pub struct Classifier {
    ptr: NonNull<sys::emopiano_classifier>,
}

// SAFETY: the C ABI documents a classifier as read-only and usable by many threads at once.
unsafe impl Send for Classifier {}
unsafe impl Sync for Classifier {}

impl Classifier {
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier> {
        let path = c_path(path.as_ref())?;
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_classifier_load(&mut out, path.as_ptr()) })?;
        Ok(Classifier {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// The bundled classifier.
    pub fn bundled() -> Result<Classifier> {
        Classifier::load(bundled_classifier_path()?)
    }

    /// The emotion of a MIDI file or of MIDI bytes.
    pub fn classify(&self, midi: MidiSource<'_>) -> Result<EmotionPrediction> {
        let mut out = sys::emopiano_emotion_prediction {
            struct_size: std::mem::size_of::<sys::emopiano_emotion_prediction>() as u32,
            ..Default::default()
        };
        match midi {
            MidiSource::Path(path) => {
                let path = c_path(path)?;
                check(unsafe {
                    sys::emopiano_classifier_classify_file(
                        &mut out,
                        self.ptr.as_ptr(),
                        path.as_ptr(),
                    )
                })?;
            }
            MidiSource::Bytes(data) => check(unsafe {
                sys::emopiano_classifier_classify_midi(
                    &mut out,
                    self.ptr.as_ptr(),
                    data.as_ptr(),
                    data.len(),
                )
            })?,
        }
        Ok(EmotionPrediction {
            quadrant: Quadrant::from_i32(out.quadrant)?,
            probabilities: out.probabilities,
            arousal: out.arousal,
            valence: out.valence,
            windows: out.windows,
        })
    }
}

impl Drop for Classifier {
    fn drop(&mut self) {
        unsafe { sys::emopiano_classifier_free(self.ptr.as_ptr()) }
    }
}
