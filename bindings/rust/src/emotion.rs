//! Emotions: EMOPIA quadrants, mixes of them, and trajectories over bars.
use std::ffi::CStr;
use std::fmt;
use std::ptr::NonNull;
use std::str::FromStr;

use crate::buffer::until_nul;
use crate::error::{c_string, check, Error, Result, Status};
use crate::sys;

/// Quadrants of Russell's circumplex, as EMOPIA labels them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Quadrant {
    /// happy: high valence, high arousal
    Q1 = 1,
    /// tense: low valence, high arousal
    Q2 = 2,
    /// sad: low valence, low arousal
    Q3 = 3,
    /// calm: high valence, low arousal
    Q4 = 4,
}

impl Quadrant {
    pub(crate) fn from_i32(value: i32) -> Result<Quadrant> {
        match value {
            1 => Ok(Quadrant::Q1),
            2 => Ok(Quadrant::Q2),
            3 => Ok(Quadrant::Q3),
            4 => Ok(Quadrant::Q4),
            _ => Err(Error::new(
                Status::InvalidArgument,
                format!("{value} is not a quadrant"),
            )),
        }
    }

    /// "happy", "tense", "sad" or "calm".
    pub fn mood(self) -> &'static str {
        let mut mood = std::ptr::null();
        // SAFETY: a valid quadrant always succeeds and gives a static string.
        unsafe {
            check(sys::emopiano_quadrant_info(
                std::ptr::null_mut(),
                &mut mood,
                self as i32,
            ))
            .expect("a quadrant has a mood");
            CStr::from_ptr(mood).to_str().unwrap_or("")
        }
    }
}

impl FromStr for Quadrant {
    type Err = Error;
    /// "Q1".."Q4", "1".."4" or a mood word, any case.
    fn from_str(text: &str) -> Result<Quadrant> {
        let text = c_string(text, "quadrant")?;
        let mut out = 0;
        check(unsafe { sys::emopiano_quadrant_parse(&mut out, text.as_ptr()) })?;
        Quadrant::from_i32(out)
    }
}

impl fmt::Display for Quadrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Q{}", *self as i32)
    }
}

/// A probability vector over Q1..Q4 (a plain value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Emotion(pub(crate) sys::emopiano_emotion);

impl Emotion {
    pub fn from_quadrant(quadrant: Quadrant) -> Emotion {
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_emotion_from_quadrant(&mut out, quadrant as i32) })
            .expect("a quadrant is always a valid emotion");
        Emotion(out)
    }

    /// Four finite non-negative weights with a positive sum, normalised.
    pub fn from_weights(weights: [f32; 4]) -> Result<Emotion> {
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_emotion_from_weights(&mut out, weights.as_ptr()) })?;
        Ok(Emotion(out))
    }

    /// A point of the circumplex; both coordinates in [-1, 1].
    pub fn from_valence_arousal(valence: f32, arousal: f32) -> Result<Emotion> {
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_emotion_from_valence_arousal(&mut out, valence, arousal) })?;
        Ok(Emotion(out))
    }

    /// (1 - t) * self + t * other, t clamped to [0, 1].
    pub fn mix(&self, other: &Emotion, t: f32) -> Emotion {
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_emotion_mix(&mut out, &self.0, &other.0, t) })
            .expect("mixing two emotions cannot fail");
        Emotion(out)
    }

    /// [p(Q1), p(Q2), p(Q3), p(Q4)].
    pub fn probabilities(&self) -> [f32; 4] {
        self.0.p
    }

    pub fn valence_arousal(&self) -> (f32, f32) {
        let (mut valence, mut arousal) = (0.0, 0.0);
        check(unsafe {
            sys::emopiano_emotion_valence_arousal(&mut valence, &mut arousal, &self.0)
        })
        .expect("a valid emotion has valence and arousal");
        (valence, arousal)
    }

    pub fn dominant(&self) -> Quadrant {
        let mut out = 0;
        check(unsafe { sys::emopiano_emotion_dominant(&mut out, &self.0) })
            .and_then(|_| Quadrant::from_i32(out))
            .expect("a valid emotion has a dominant quadrant")
    }
}

impl From<Quadrant> for Emotion {
    fn from(quadrant: Quadrant) -> Emotion {
        Emotion::from_quadrant(quadrant)
    }
}

impl FromStr for Emotion {
    type Err = Error;
    /// "Q2", "sad", "0.1,0.6,0.2,0.1" or "va:0.7,-0.3".
    fn from_str(text: &str) -> Result<Emotion> {
        let text = c_string(text, "emotion")?;
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_emotion_parse(&mut out, text.as_ptr()) })?;
        Ok(Emotion(out))
    }
}

impl fmt::Display for Emotion {
    /// "Q1" for a pure quadrant, else "0.10,0.60,0.20,0.10".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut needed = 0usize;
        let mut buffer = vec![0u8; 64];
        loop {
            let code = unsafe {
                sys::emopiano_emotion_to_string(
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    &mut needed,
                    &self.0,
                )
            };
            if code == sys::EMOPIANO_ERROR_BUFFER_TOO_SMALL {
                buffer.resize(needed, 0);
                continue;
            }
            check(code).map_err(|_| fmt::Error)?;
            return f.write_str(&until_nul(&buffer));
        }
    }
}

/// An emotion changing over a piece: keyframes at bars, linearly interpolated.
/// Immutable handles may be shared between threads; `add` needs `&mut`.
pub struct Trajectory {
    ptr: NonNull<sys::emopiano_trajectory>,
}

// SAFETY: the C ABI allows a trajectory on any thread, and concurrent reads.
unsafe impl Send for Trajectory {}
unsafe impl Sync for Trajectory {}

impl Trajectory {
    pub fn new() -> Result<Trajectory> {
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_trajectory_new(&mut out) })?;
        Ok(Trajectory {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    /// Parses "Q3@0,Q3@8,Q1@16" (emotion@bar, comma separated).
    pub fn parse(text: &str) -> Result<Trajectory> {
        let text = c_string(text, "trajectory")?;
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_trajectory_parse(&mut out, text.as_ptr()) })?;
        Ok(Trajectory {
            ptr: NonNull::new(out).expect("success gives a handle"),
        })
    }

    pub fn add(&mut self, bar: f64, emotion: &Emotion) -> Result<()> {
        check(unsafe { sys::emopiano_trajectory_add(self.ptr.as_ptr(), bar, &emotion.0) })
    }

    pub fn len(&self) -> usize {
        let mut out = 0;
        check(unsafe { sys::emopiano_trajectory_keyframe_count(&mut out, self.ptr.as_ptr()) })
            .expect("a live trajectory has a keyframe count");
        out
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The emotion at a (fractional) bar; fails on an empty trajectory.
    pub fn at(&self, bar: f64) -> Result<Emotion> {
        let mut out = sys::emopiano_emotion::default();
        check(unsafe { sys::emopiano_trajectory_at(&mut out, self.ptr.as_ptr(), bar) })?;
        Ok(Emotion(out))
    }

    pub(crate) fn as_ptr(&self) -> *const sys::emopiano_trajectory {
        self.ptr.as_ptr()
    }
}

impl Drop for Trajectory {
    fn drop(&mut self) {
        unsafe { sys::emopiano_trajectory_free(self.ptr.as_ptr()) }
    }
}
