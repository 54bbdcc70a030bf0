//! Live sessions: music one bar at a time while the emotion changes.
use std::path::Path;
use std::ptr::NonNull;
use std::sync::Mutex;

use crate::emotion::Emotion;
use crate::error::{c_path, c_string, check, Result};
use crate::midi::{take_notes, Note};
use crate::model::{Model, Primer};
use crate::sys;

const TONICS: [&str; 12] = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];

/// Session settings; `None` keeps the library's default.
#[derive(Default)]
pub struct SessionOptions<'a> {
    /// The emotion of the first bar; `None` is Q1.
    pub emotion: Option<Emotion>,
    pub seed: u64,
    pub temperature: Option<f32>,
    pub top_k: Option<i32>,
    pub top_p: Option<f32>,
    pub guidance: Option<f32>,
    /// As `GenerateOptions::rhythm_guidance`.
    pub rhythm_guidance: Option<f32>,
    /// As `GenerateOptions::valence_guidance`.
    pub valence_guidance: Option<f32>,
    /// As `GenerateOptions::density`.
    pub density: Option<f32>,
    /// As `GenerateOptions::quadrant_density` (each bar follows `set_emotion`).
    pub quadrant_density: Option<[f32; 4]>,
    pub constrain_grammar: Option<bool>,
    /// "A minor", "Eb major", "F#m" for models with key tokens.
    pub key: Option<&'a str>,
    pub primer: Option<Primer<'a>>,
    /// Keep every bar, for `write_midi`.
    pub record: bool,
    /// Write the next bar on a thread of the session's own while this one
    /// plays, so `next_bar` returns at once (the same bars).
    pub lookahead: bool,
}

impl<'a> SessionOptions<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn emotion(mut self, emotion: impl Into<Emotion>) -> Self {
        self.emotion = Some(emotion.into());
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.top_p = Some(top_p);
        self
    }
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
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
    pub fn primer(mut self, primer: Primer<'a>) -> Self {
        self.primer = Some(primer);
        self
    }
    pub fn record(mut self, record: bool) -> Self {
        self.record = record;
        self
    }
    pub fn lookahead(mut self, lookahead: bool) -> Self {
        self.lookahead = lookahead;
        self
    }
}

/// One bar: absolute times from the start of the session's music.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub index: i64,
    pub ticks_per_beat: i32,
    pub start_tick: i64,
    pub end_tick: i64,
    pub start_seconds: f64,
    pub end_seconds: f64,
    pub bpm: f64,
    pub emotion: [f32; 4],
    /// "D minor"; `None` for models without key tokens.
    pub key: Option<String>,
    pub tokens: i64,
    pub notes: Vec<Note>,
}

/// Music that follows an emotion set between bars (docs/live.md). Share it
/// by reference: `cancel` may be called from any thread while another is in
/// `next_bar`; the other calls are serialised by a lock (the C ABI takes
/// one of them at a time). Many sessions may share one Model; the session
/// keeps the network alive, so the Model may be dropped first.
pub struct Session {
    ptr: NonNull<sys::emopiano_session>,
    busy: Mutex<()>,
}

// SAFETY: every call but cancel holds `busy`, and cancel is thread-safe in the C ABI.
unsafe impl Send for Session {}
unsafe impl Sync for Session {}

impl Session {
    pub fn new(model: &Model, options: SessionOptions<'_>) -> Result<Session> {
        let mut p = unsafe { std::mem::zeroed::<sys::emopiano_session_params>() };
        check(unsafe {
            sys::emopiano_session_params_init(&mut p, std::mem::size_of::<sys::emopiano_session_params>() as u32)
        })?;
        p.seed = options.seed;
        if let Some(v) = options.temperature {
            p.temperature = v;
        }
        if let Some(v) = options.top_k {
            p.top_k = v;
        }
        if let Some(v) = options.top_p {
            p.top_p = v;
        }
        if let Some(v) = options.guidance {
            p.guidance = v;
        }
        if let Some(v) = options.rhythm_guidance {
            p.rhythm_guidance = v;
        }
        if let Some(v) = options.valence_guidance {
            p.valence_guidance = v;
        }
        if let Some(v) = options.density {
            p.density = v;
        }
        if let Some(v) = options.quadrant_density {
            p.quadrant_density = v;
        }
        if let Some(v) = options.constrain_grammar {
            p.constrain_grammar = v as i32;
        }
        p.record = options.record as i32;
        p.lookahead = options.lookahead as i32;
        let emotion = options.emotion.map(|e| e.0);
        if let Some(e) = emotion.as_ref() {
            p.emotion = e;
        }
        let key = options.key.map(|k| c_string(k, "key")).transpose()?;
        if let Some(k) = key.as_ref() {
            p.key = k.as_ptr();
        }
        let primer_path = match &options.primer {
            Some(Primer::Path(path)) => Some(c_path(path)?),
            _ => None,
        };
        if let Some(path) = primer_path.as_ref() {
            p.primer_path = path.as_ptr();
        }
        if let Some(Primer::Bytes(bytes)) = &options.primer {
            p.primer_data = bytes.as_ptr();
            p.primer_size = bytes.len();
        }
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_session_create(&mut out, model.as_ptr(), &p) })?;
        Ok(Session {
            ptr: NonNull::new(out).expect("success gives a handle"),
            busy: Mutex::new(()),
        })
    }

    /// The next bar. `Err` with `Status::Cancelled` when `cancel` stopped it:
    /// the session is as it was, and the next call writes that bar afresh.
    pub fn next_bar(&self) -> Result<Bar> {
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let mut info = sys::emopiano_session_bar {
            struct_size: std::mem::size_of::<sys::emopiano_session_bar>() as u32,
            ..Default::default()
        };
        let (mut notes, mut count) = (std::ptr::null_mut(), 0usize);
        check(unsafe { sys::emopiano_session_next_bar(&mut info, &mut notes, &mut count, self.ptr.as_ptr()) })?;
        let key = (info.key_tonic >= 0).then(|| {
            format!("{} {}", TONICS[info.key_tonic as usize % 12], if info.key_major != 0 { "major" } else { "minor" })
        });
        Ok(Bar {
            index: info.index,
            ticks_per_beat: info.ticks_per_beat,
            start_tick: info.start_tick,
            end_tick: info.end_tick,
            start_seconds: info.start_seconds,
            end_seconds: info.end_seconds,
            bpm: info.bpm,
            emotion: info.emotion.p,
            key,
            tokens: info.tokens,
            notes: take_notes(notes, count),
        })
    }

    /// The emotion of the bars from the next one on.
    pub fn set_emotion(&self, emotion: &Emotion) -> Result<()> {
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        check(unsafe { sys::emopiano_session_set_emotion(self.ptr.as_ptr(), &emotion.0) })
    }

    /// Stops the bar in progress; callable from any thread.
    pub fn cancel(&self) {
        check(unsafe { sys::emopiano_session_cancel(self.ptr.as_ptr()) })
            .expect("cancelling a live session cannot fail");
    }

    /// Back to the opening: the same bars again from bar 0.
    pub fn reset(&self) -> Result<()> {
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        check(unsafe { sys::emopiano_session_reset(self.ptr.as_ptr()) })
    }

    /// The bars so far as a MIDI file, written atomically (needs `record`).
    pub fn write_midi(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        check(unsafe { sys::emopiano_session_write_midi(self.ptr.as_ptr(), path.as_ptr()) })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        unsafe { sys::emopiano_session_free(self.ptr.as_ptr()) }
    }
}
