//! Listening: MIDI rendered to a WAV file with FluidSynth.
use std::path::Path;

use crate::error::{c_path, check, Result};
use crate::sys;

/// True when the loaded library can render audio (it was built with FluidSynth).
pub fn audio_available() -> bool {
    unsafe { sys::emopiano_audio_available() != 0 }
}

/// Where rendering reads its MIDI from.
pub enum MidiSource<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

/// Rendering settings; `None` keeps the library's default.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions<'a> {
    /// 8000..=192000 (default 44100).
    pub sample_rate: Option<i32>,
    /// FluidSynth's master gain (default 0.6).
    pub gain: Option<f64>,
    /// Seconds rendered after the last note (default 1.5).
    pub tail_seconds: Option<f64>,
    /// General MIDI program 0..=127 (default 0, grand piano).
    pub program: Option<i32>,
    /// A `.sf2` file (default `$EMOPIANO_SOUNDFONT`, then the Debian GM SoundFont).
    pub soundfont: Option<&'a Path>,
}

impl<'a> RenderOptions<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn sample_rate(mut self, rate: i32) -> Self {
        self.sample_rate = Some(rate);
        self
    }
    pub fn gain(mut self, gain: f64) -> Self {
        self.gain = Some(gain);
        self
    }
    pub fn tail_seconds(mut self, seconds: f64) -> Self {
        self.tail_seconds = Some(seconds);
        self
    }
    pub fn program(mut self, program: i32) -> Self {
        self.program = Some(program);
        self
    }
    pub fn soundfont(mut self, path: &'a Path) -> Self {
        self.soundfont = Some(path);
        self
    }
}

/// Renders MIDI to a 16-bit stereo WAV file, written atomically.
/// `Unsupported` without FluidSynth, `NotFound` without a SoundFont.
pub fn render_wav(
    midi: MidiSource<'_>,
    wav_path: impl AsRef<Path>,
    options: &RenderOptions<'_>,
) -> Result<()> {
    let mut params: sys::emopiano_render_params = unsafe { std::mem::zeroed() };
    check(unsafe {
        sys::emopiano_render_params_init(
            &mut params,
            std::mem::size_of::<sys::emopiano_render_params>() as u32,
        )
    })?;
    if let Some(v) = options.sample_rate {
        params.sample_rate = v;
    }
    if let Some(v) = options.gain {
        params.gain = v;
    }
    if let Some(v) = options.tail_seconds {
        params.tail_seconds = v;
    }
    if let Some(v) = options.program {
        params.program = v;
    }
    let soundfont;
    if let Some(path) = options.soundfont {
        soundfont = c_path(path)?;
        params.soundfont = soundfont.as_ptr();
    }
    let wav = c_path(wav_path.as_ref())?;
    match midi {
        MidiSource::Path(path) => {
            let midi = c_path(path)?;
            check(unsafe { sys::emopiano_render_wav_file(midi.as_ptr(), wav.as_ptr(), &params) })
        }
        MidiSource::Bytes(data) => check(unsafe {
            sys::emopiano_render_wav_bytes(data.as_ptr(), data.len(), wav.as_ptr(), &params)
        }),
    }
}
