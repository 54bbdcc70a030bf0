//! Beats, downbeats and metre of a performance, and the performance retimed
//! onto them (docs/beats.md). MIDI is read with the default read options.
//!
//! The crate parses no JSON, so the full beat map (metre, pickup beats, beat
//! times, tempo per beat, downbeat indices) comes as the library's JSON text
//! from [`beats_json`] and [`beats_json_file`]; [`beat_times_file`] gives the
//! beat times and metre of a file as Rust values.
use std::path::Path;

use crate::buffer::{take_array, take_string};
use crate::error::{c_path, check, Result};
use crate::sys;

/// Beat tracking settings; `None` keeps the library's default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BeatOptions {
    /// Beats per bar: 0 detects 3 or 4 (default), 2..=12 forces it.
    pub metre: Option<i32>,
    /// Slowest tempo searched (default 40 BPM).
    pub min_bpm: Option<f64>,
    /// Fastest tempo searched (default 240 BPM).
    pub max_bpm: Option<f64>,
    /// Centre of the log-normal tempo prior, in BPM.
    pub prior_bpm: Option<f64>,
    /// Width of the tempo prior in octaves.
    pub prior_octaves: Option<f64>,
    /// How closely beats keep to the local tempo (default 100).
    pub tightness: Option<f64>,
}

impl BeatOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every setting at the library's default (`emopiano_beat_params_init`).
    pub fn defaults() -> Result<BeatOptions> {
        let p = BeatOptions::new().params()?;
        Ok(BeatOptions {
            metre: Some(p.metre),
            min_bpm: Some(p.min_bpm),
            max_bpm: Some(p.max_bpm),
            prior_bpm: Some(p.prior_bpm),
            prior_octaves: Some(p.prior_octaves),
            tightness: Some(p.tightness),
        })
    }

    pub fn metre(mut self, metre: i32) -> Self {
        self.metre = Some(metre);
        self
    }
    pub fn bpm_range(mut self, min_bpm: f64, max_bpm: f64) -> Self {
        self.min_bpm = Some(min_bpm);
        self.max_bpm = Some(max_bpm);
        self
    }
    pub fn prior(mut self, bpm: f64, octaves: f64) -> Self {
        self.prior_bpm = Some(bpm);
        self.prior_octaves = Some(octaves);
        self
    }
    pub fn tightness(mut self, tightness: f64) -> Self {
        self.tightness = Some(tightness);
        self
    }

    fn params(&self) -> Result<sys::emopiano_beat_params> {
        let mut params = sys::emopiano_beat_params::default();
        check(unsafe {
            sys::emopiano_beat_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_beat_params>() as u32,
            )
        })?;
        if let Some(v) = self.metre {
            params.metre = v;
        }
        if let Some(v) = self.min_bpm {
            params.min_bpm = v;
        }
        if let Some(v) = self.max_bpm {
            params.max_bpm = v;
        }
        if let Some(v) = self.prior_bpm {
            params.prior_bpm = v;
        }
        if let Some(v) = self.prior_octaves {
            params.prior_octaves = v;
        }
        if let Some(v) = self.tightness {
            params.tightness = v;
        }
        Ok(params)
    }
}

/// The params struct for `options`; `None` stays `None` and passes NULL (the defaults).
fn params(options: Option<&BeatOptions>) -> Result<Option<sys::emopiano_beat_params>> {
    options.map(BeatOptions::params).transpose()
}

fn params_ptr(params: &Option<sys::emopiano_beat_params>) -> *const sys::emopiano_beat_params {
    params
        .as_ref()
        .map_or(std::ptr::null(), |p| p as *const sys::emopiano_beat_params)
}

/// The beat times and metre of a piece.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BeatTimes {
    /// Beat times in seconds, increasing; empty for fewer than two onsets.
    pub beats: Vec<f64>,
    /// Beats per bar.
    pub metre: i32,
}

/// The beat map of a MIDI file as JSON: `{"metre":4,"pickup_beats":1,"beats":[seconds...],
/// "bpm":[per beat...],"downbeats":[indices into beats...]}`; empty arrays for a piece with
/// fewer than two onsets.
pub fn beats_json_file(path: impl AsRef<Path>, options: Option<&BeatOptions>) -> Result<String> {
    let path = c_path(path.as_ref())?;
    let params = params(options)?;
    let mut out = std::ptr::null_mut();
    check(unsafe { sys::emopiano_beats_file_json(&mut out, path.as_ptr(), params_ptr(&params)) })?;
    Ok(unsafe { take_string(out) })
}

/// [`beats_json_file`] for MIDI bytes.
pub fn beats_json(data: &[u8], options: Option<&BeatOptions>) -> Result<String> {
    let params = params(options)?;
    let mut out = std::ptr::null_mut();
    check(unsafe {
        sys::emopiano_beats_bytes_json(&mut out, data.as_ptr(), data.len(), params_ptr(&params))
    })?;
    Ok(unsafe { take_string(out) })
}

/// The beat times and metre of a MIDI file.
pub fn beat_times_file(path: impl AsRef<Path>, options: Option<&BeatOptions>) -> Result<BeatTimes> {
    let path = c_path(path.as_ref())?;
    let params = params(options)?;
    // The first call, with no array (NULL, capacity 0), asks for the count.
    let mut beats: Vec<f64> = Vec::new();
    let (mut count, mut metre) = (0usize, 0i32);
    loop {
        let code = unsafe {
            sys::emopiano_beats_file(
                if beats.is_empty() {
                    std::ptr::null_mut()
                } else {
                    beats.as_mut_ptr()
                },
                beats.len(),
                &mut count,
                &mut metre,
                path.as_ptr(),
                params_ptr(&params),
            )
        };
        if code == sys::EMOPIANO_ERROR_BUFFER_TOO_SMALL {
            beats.resize(count, 0.0);
            continue;
        }
        check(code)?;
        beats.truncate(count);
        return Ok(BeatTimes { beats, metre });
    }
}

/// A MIDI file written onto its tracked beats (a quarter note per beat, a
/// tempo change at each, the metre as time signature, bar lines on the
/// downbeats, every note sounding when it did), written atomically.
pub fn retime_file(
    in_path: impl AsRef<Path>,
    out_path: impl AsRef<Path>,
    options: Option<&BeatOptions>,
) -> Result<()> {
    let in_path = c_path(in_path.as_ref())?;
    let out_path = c_path(out_path.as_ref())?;
    let params = params(options)?;
    check(unsafe {
        sys::emopiano_retime_file(in_path.as_ptr(), out_path.as_ptr(), params_ptr(&params))
    })
}

/// [`retime_file`] for MIDI bytes: the retimed piece as MIDI bytes.
pub fn retime(data: &[u8], options: Option<&BeatOptions>) -> Result<Vec<u8>> {
    let params = params(options)?;
    let (mut out, mut size) = (std::ptr::null_mut(), 0usize);
    check(unsafe {
        sys::emopiano_retime_bytes(
            &mut out,
            &mut size,
            data.as_ptr(),
            data.len(),
            params_ptr(&params),
        )
    })?;
    Ok(unsafe { take_array(out, size) })
}

/// True when MIDI bytes look like a performance stored at one nominal tempo
/// (what the tokenizer's `"auto"` grid retimes).
pub fn is_unaligned(data: &[u8]) -> Result<bool> {
    let mut out = 0i32;
    check(unsafe { sys::emopiano_midi_is_unaligned(&mut out, data.as_ptr(), data.len()) })?;
    Ok(out != 0)
}
