//! The conditional VAE: a latent space of short segments of piano music,
//! conditioned on emotion. Latents are `Vec<f32>` of [`Vae::latent_dim`]
//! values; an emotion of `None` is Q1.
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::buffer::{take_array, take_string};
use crate::emotion::{Emotion, Quadrant};
use crate::error::{c_path, check, Error, Result, Status};
use crate::sys;

/// The VAE that ships with emopiano (`$EMOPIANO_VAE` first).
pub fn bundled_vae_path() -> Result<PathBuf> {
    let mut out = std::ptr::null_mut();
    check(unsafe { sys::emopiano_bundled_vae_path(&mut out) })?;
    Ok(PathBuf::from(unsafe { take_string(out) }))
}

/// `steps` latents from `a` to `b`, ends included: along the great circle
/// with the norm interpolated (`spherical`) or on a straight line.
pub fn interpolate_latents(
    a: &[f32],
    b: &[f32],
    steps: usize,
    spherical: bool,
) -> Result<Vec<Vec<f32>>> {
    if a.len() != b.len() {
        return Err(Error::new(
            Status::InvalidArgument,
            format!("latents of different sizes: {} and {}", a.len(), b.len()),
        ));
    }
    let steps_i32 = i32::try_from(steps).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("{steps} steps are too many"),
        )
    })?;
    let mut out = vec![0.0f32; a.len() * steps];
    check(unsafe {
        sys::emopiano_vae_interpolate_latents(
            out.as_mut_ptr(),
            a.as_ptr(),
            b.as_ptr(),
            a.len(),
            steps_i32,
            spherical as i32,
        )
    })?;
    Ok(out.chunks(a.len().max(1)).map(|z| z.to_vec()).collect())
}

/// A musical attribute with a latent vector of its own (MusicVAE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum VaeAttribute {
    /// notes per bar
    Density = 0,
    /// highest minus lowest pitch
    PitchRange = 1,
    /// share of onsets off the beat
    Syncopation = 2,
    /// major against minor
    Mode = 3,
}

/// Decoding settings; `None` keeps the library's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct VaeOptions {
    /// 0 decodes greedily (default 0.8).
    pub temperature: Option<f32>,
    /// 0 is off (default 0).
    pub top_k: Option<i32>,
    /// 1 is off (default 0.95).
    pub top_p: Option<f32>,
    /// Decoding and noise draws (default 0).
    pub seed: Option<u64>,
    /// Beam search width for greedy decoding, temperature 0 (default 1).
    pub beams: Option<i32>,
}

impl VaeOptions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }
    pub fn top_k(mut self, top_k: i32) -> Self {
        self.top_k = Some(top_k);
        self
    }
    pub fn top_p(mut self, top_p: f32) -> Self {
        self.top_p = Some(top_p);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    pub fn beams(mut self, beams: i32) -> Self {
        self.beams = Some(beams);
        self
    }

    fn params(&self) -> Result<sys::emopiano_vae_params> {
        let mut params = sys::emopiano_vae_params::default();
        check(unsafe {
            sys::emopiano_vae_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_vae_params>() as u32,
            )
        })?;
        if let Some(v) = self.temperature {
            params.temperature = v;
        }
        if let Some(v) = self.top_k {
            params.top_k = v;
        }
        if let Some(v) = self.top_p {
            params.top_p = v;
        }
        if let Some(v) = self.seed {
            params.seed = v;
        }
        if let Some(v) = self.beams {
            params.beams = v;
        }
        Ok(params)
    }
}

fn emotion_ptr(emotion: Option<&Emotion>) -> *const sys::emopiano_emotion {
    emotion.map_or(std::ptr::null(), |e| &e.0 as *const sys::emopiano_emotion)
}

/// A loaded VAE. Read-only: share one between threads.
pub struct Vae {
    ptr: NonNull<sys::emopiano_vae>,
    latent_dim: usize,
    segment_bars: i32,
}

// SAFETY: the C ABI documents a VAE as read-only and usable by several threads at once.
unsafe impl Send for Vae {}
unsafe impl Sync for Vae {}

impl Vae {
    pub fn load(path: impl AsRef<Path>) -> Result<Vae> {
        let path = c_path(path.as_ref())?;
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_vae_load(&mut out, path.as_ptr()) })?;
        let ptr = NonNull::new(out).expect("success gives a handle");
        let (mut dim, mut bars) = (0, 0);
        let info = check(unsafe { sys::emopiano_vae_info(&mut dim, &mut bars, ptr.as_ptr()) });
        let vae = Vae {
            ptr,
            latent_dim: dim.max(0) as usize,
            segment_bars: bars,
        };
        info.map(|_| vae)
    }

    /// The bundled VAE.
    pub fn bundled() -> Result<Vae> {
        Vae::load(bundled_vae_path()?)
    }

    /// Values in a latent.
    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// Bars in a segment.
    pub fn segment_bars(&self) -> i32 {
        self.segment_bars
    }

    fn check_latent(&self, z: &[f32]) -> Result<()> {
        if z.len() == self.latent_dim {
            Ok(())
        } else {
            Err(Error::new(
                Status::InvalidArgument,
                format!(
                    "a latent of this VAE has {} values, got {}",
                    self.latent_dim,
                    z.len()
                ),
            ))
        }
    }

    /// (mean, log variance) of the posterior of the file's first segment.
    pub fn encode(
        &self,
        midi_path: impl AsRef<Path>,
        emotion: Option<&Emotion>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let path = c_path(midi_path.as_ref())?;
        let mut mean = vec![0.0f32; self.latent_dim];
        let mut log_variance = vec![0.0f32; self.latent_dim];
        check(unsafe {
            sys::emopiano_vae_encode_file(
                mean.as_mut_ptr(),
                log_variance.as_mut_ptr(),
                self.latent_dim,
                self.ptr.as_ptr(),
                path.as_ptr(),
                emotion_ptr(emotion),
            )
        })?;
        Ok((mean, log_variance))
    }

    /// z drawn from the prior N(0, temperature² I).
    pub fn sample_latent(&self, temperature: f32, seed: u64) -> Result<Vec<f32>> {
        let mut z = vec![0.0f32; self.latent_dim];
        check(unsafe {
            sys::emopiano_vae_sample_latent(
                z.as_mut_ptr(),
                self.latent_dim,
                self.ptr.as_ptr(),
                temperature,
                seed,
            )
        })?;
        Ok(z)
    }

    /// One segment decoded from z, as Standard MIDI File bytes.
    pub fn decode(
        &self,
        z: &[f32],
        emotion: Option<&Emotion>,
        options: &VaeOptions,
    ) -> Result<Vec<u8>> {
        self.check_latent(z)?;
        let params = options.params()?;
        let mut out = std::ptr::null_mut();
        let mut size = 0usize;
        check(unsafe {
            sys::emopiano_vae_decode_midi(
                &mut out,
                &mut size,
                self.ptr.as_ptr(),
                z.as_ptr(),
                z.len(),
                emotion_ptr(emotion),
                &params,
            )
        })?;
        Ok(unsafe { take_array(out, size) })
    }

    /// [`Vae::decode`], written atomically to a MIDI file.
    pub fn decode_to_file(
        &self,
        z: &[f32],
        emotion: Option<&Emotion>,
        options: &VaeOptions,
        path: impl AsRef<Path>,
    ) -> Result<()> {
        self.check_latent(z)?;
        let params = options.params()?;
        let path = c_path(path.as_ref())?;
        check(unsafe {
            sys::emopiano_vae_decode_file(
                self.ptr.as_ptr(),
                z.as_ptr(),
                z.len(),
                emotion_ptr(emotion),
                &params,
                path.as_ptr(),
            )
        })
    }

    /// Mean latent of the training segments of `to` minus that of `from`.
    pub fn attribute_vector(&self, from: Quadrant, to: Quadrant) -> Result<Vec<f32>> {
        let mut out = vec![0.0f32; self.latent_dim];
        check(unsafe {
            sys::emopiano_vae_attribute_vector(
                out.as_mut_ptr(),
                self.latent_dim,
                self.ptr.as_ptr(),
                from as i32,
                to as i32,
            )
        })?;
        Ok(out)
    }

    /// Every segment of a MIDI file moved from one quadrant to another
    /// (`strength` times the attribute vector), written atomically.
    pub fn transform(
        &self,
        in_path: impl AsRef<Path>,
        from: Quadrant,
        to: Quadrant,
        strength: f32,
        options: &VaeOptions,
        out_path: impl AsRef<Path>,
    ) -> Result<()> {
        let params = options.params()?;
        let in_path = c_path(in_path.as_ref())?;
        let out_path = c_path(out_path.as_ref())?;
        check(unsafe {
            sys::emopiano_vae_transform_file(
                self.ptr.as_ptr(),
                in_path.as_ptr(),
                from as i32,
                to as i32,
                strength,
                &params,
                out_path.as_ptr(),
            )
        })
    }

    /// The attribute's vector: the mean latent of the training segments in
    /// its top quartile minus that of its bottom quartile (`Unsupported` when
    /// the file has none).
    pub fn musical_attribute_vector(&self, attribute: VaeAttribute) -> Result<Vec<f32>> {
        let mut out = vec![0.0f32; self.latent_dim];
        check(unsafe {
            sys::emopiano_vae_musical_attribute_vector(
                out.as_mut_ptr(),
                self.latent_dim,
                self.ptr.as_ptr(),
                attribute as i32,
            )
        })?;
        Ok(out)
    }

    /// Every segment of a MIDI file encoded with `from`, `shift` (e.g. a sum of
    /// attribute vectors) added, decoded with `to`, written atomically.
    pub fn transform_by(
        &self,
        in_path: impl AsRef<Path>,
        from: Quadrant,
        to: Quadrant,
        shift: &[f32],
        options: &VaeOptions,
        out_path: impl AsRef<Path>,
    ) -> Result<()> {
        let params = options.params()?;
        let in_path = c_path(in_path.as_ref())?;
        let out_path = c_path(out_path.as_ref())?;
        check(unsafe {
            sys::emopiano_vae_transform_by_file(
                self.ptr.as_ptr(),
                in_path.as_ptr(),
                from as i32,
                to as i32,
                shift.as_ptr(),
                shift.len(),
                &params,
                out_path.as_ptr(),
            )
        })
    }
}

impl Drop for Vae {
    fn drop(&mut self) {
        unsafe { sys::emopiano_vae_free(self.ptr.as_ptr()) }
    }
}
