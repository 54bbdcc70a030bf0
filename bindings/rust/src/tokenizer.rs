//! The REMI tokenizer: MIDI to token ids and back.
use std::path::Path;
use std::ptr::NonNull;

use crate::buffer::{take_array, until_nul};
use crate::emotion::Quadrant;
use crate::error::{c_path, c_string, check, Result};
use crate::sys;

/// Special tokens every vocabulary has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum SpecialToken {
    Pad = 0,
    Bos = 1,
    Eos = 2,
    EmotionQ1 = 3,
    EmotionQ2 = 4,
    EmotionQ3 = 5,
    EmotionQ4 = 6,
}

/// A tokenizer. Immutable: share it between threads freely.
pub struct Tokenizer {
    ptr: NonNull<sys::emopiano_tokenizer>,
}

// SAFETY: the C ABI documents tokenizers as immutable and usable from any thread.
unsafe impl Send for Tokenizer {}
unsafe impl Sync for Tokenizer {}

impl Tokenizer {
    /// The default configuration.
    pub fn new() -> Result<Tokenizer> {
        Tokenizer::with_config("")
    }

    /// A TokenizerConfig JSON object; missing keys keep their defaults.
    pub fn with_config(config_json: &str) -> Result<Tokenizer> {
        let config = c_string(config_json, "tokenizer config")?;
        let mut out = std::ptr::null_mut();
        check(unsafe { sys::emopiano_tokenizer_create(&mut out, config.as_ptr()) })?;
        Ok(Tokenizer::from_raw(out))
    }

    pub(crate) fn from_raw(ptr: *mut sys::emopiano_tokenizer) -> Tokenizer {
        Tokenizer {
            ptr: NonNull::new(ptr).expect("success gives a handle"),
        }
    }

    pub fn vocab_size(&self) -> i32 {
        let mut out = 0;
        check(unsafe { sys::emopiano_tokenizer_vocab_size(&mut out, self.ptr.as_ptr()) })
            .expect("a live tokenizer has a vocabulary");
        out
    }

    pub fn special_id(&self, which: SpecialToken) -> i32 {
        let mut out = 0;
        check(unsafe {
            sys::emopiano_tokenizer_special_id(&mut out, self.ptr.as_ptr(), which as i32)
        })
        .expect("every vocabulary has the special tokens");
        out
    }

    /// "Bar", "Pitch_60", ...; "<invalid:N>" for an id outside the vocabulary.
    pub fn token_to_string(&self, id: i32) -> String {
        let mut buffer = vec![0u8; 32];
        let mut needed = 0usize;
        loop {
            let code = unsafe {
                sys::emopiano_tokenizer_token_to_string(
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    &mut needed,
                    self.ptr.as_ptr(),
                    id,
                )
            };
            if code == sys::EMOPIANO_ERROR_BUFFER_TOO_SMALL {
                buffer.resize(needed, 0);
                continue;
            }
            check(code).expect("naming a token cannot fail");
            return until_nul(&buffer);
        }
    }

    /// The id of a token name; a NotFound error for an unknown one.
    pub fn token_from_string(&self, text: &str) -> Result<i32> {
        let text = c_string(text, "token")?;
        let mut out = 0;
        check(unsafe {
            sys::emopiano_tokenizer_token_from_string(&mut out, self.ptr.as_ptr(), text.as_ptr())
        })?;
        Ok(out)
    }

    fn encode_params(quadrant: Option<Quadrant>) -> Result<sys::emopiano_encode_params> {
        let mut params = sys::emopiano_encode_params {
            struct_size: 0,
            quadrant: 0,
            apply_sustain_pedal: 0,
            exclude_drums: 0,
        };
        check(unsafe {
            sys::emopiano_encode_params_init(
                &mut params,
                std::mem::size_of::<sys::emopiano_encode_params>() as u32,
            )
        })?;
        params.quadrant = quadrant.map_or(0, |q| q as i32);
        Ok(params)
    }

    /// BOS, \[emotion\], the piece, EOS from MIDI bytes.
    pub fn encode(&self, midi: &[u8], quadrant: Option<Quadrant>) -> Result<Vec<i32>> {
        let params = Tokenizer::encode_params(quadrant)?;
        let (mut tokens, mut count) = (std::ptr::null_mut(), 0usize);
        check(unsafe {
            sys::emopiano_tokenizer_encode_bytes(
                &mut tokens,
                &mut count,
                self.ptr.as_ptr(),
                midi.as_ptr(),
                midi.len(),
                &params,
            )
        })?;
        Ok(unsafe { take_array(tokens, count) })
    }

    /// BOS, \[emotion\], the piece, EOS from a MIDI file.
    pub fn encode_file(
        &self,
        path: impl AsRef<Path>,
        quadrant: Option<Quadrant>,
    ) -> Result<Vec<i32>> {
        let params = Tokenizer::encode_params(quadrant)?;
        let path = c_path(path.as_ref())?;
        let (mut tokens, mut count) = (std::ptr::null_mut(), 0usize);
        check(unsafe {
            sys::emopiano_tokenizer_encode_file(
                &mut tokens,
                &mut count,
                self.ptr.as_ptr(),
                path.as_ptr(),
                &params,
            )
        })?;
        Ok(unsafe { take_array(tokens, count) })
    }

    /// A Standard MIDI File; ill-formed runs and unknown ids are skipped.
    pub fn decode(&self, tokens: &[i32]) -> Result<Vec<u8>> {
        let (mut bytes, mut size) = (std::ptr::null_mut(), 0usize);
        check(unsafe {
            sys::emopiano_tokenizer_decode_to_bytes(
                &mut bytes,
                &mut size,
                self.ptr.as_ptr(),
                tokens.as_ptr(),
                tokens.len(),
            )
        })?;
        Ok(unsafe { take_array(bytes, size) })
    }

    /// Writes the MIDI file atomically.
    pub fn decode_to_file(&self, tokens: &[i32], path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        check(unsafe {
            sys::emopiano_tokenizer_decode_to_file(
                self.ptr.as_ptr(),
                tokens.as_ptr(),
                tokens.len(),
                path.as_ptr(),
            )
        })
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        unsafe { sys::emopiano_tokenizer_free(self.ptr.as_ptr()) }
    }
}
