//! MIDI notes as the library reads them, from files or bytes.
use std::path::Path;

use crate::buffer::take_array;
use crate::error::{c_path, check, Result};
use crate::sys;

/// One note of a piece.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Note {
    pub pitch: i32,
    pub velocity: i32,
    pub channel: i32,
    pub start_tick: i64,
    pub end_tick: i64,
    pub start_seconds: f64,
    pub end_seconds: f64,
}

impl From<&sys::emopiano_note> for Note {
    fn from(n: &sys::emopiano_note) -> Note {
        Note {
            pitch: n.pitch,
            velocity: n.velocity,
            channel: n.channel,
            start_tick: n.start_tick,
            end_tick: n.end_tick,
            start_seconds: n.start_seconds,
            end_seconds: n.end_seconds,
        }
    }
}

pub(crate) fn take_notes(ptr: *mut sys::emopiano_note, count: usize) -> Vec<Note> {
    // SAFETY: the callers pass what a successful library call returned.
    unsafe { take_array(ptr, count) }
        .iter()
        .map(Note::from)
        .collect()
}

/// The notes of a MIDI file, sorted by (start, pitch), with the default read options.
pub fn read_notes_file(path: impl AsRef<Path>) -> Result<Vec<Note>> {
    let path = c_path(path.as_ref())?;
    let (mut notes, mut count) = (std::ptr::null_mut(), 0usize);
    check(unsafe {
        sys::emopiano_midi_read_notes_file(&mut notes, &mut count, path.as_ptr(), std::ptr::null())
    })?;
    Ok(take_notes(notes, count))
}

/// The notes of MIDI bytes, sorted by (start, pitch).
pub fn read_notes(data: &[u8]) -> Result<Vec<Note>> {
    let (mut notes, mut count) = (std::ptr::null_mut(), 0usize);
    check(unsafe {
        sys::emopiano_midi_read_notes_bytes(
            &mut notes,
            &mut count,
            data.as_ptr(),
            data.len(),
            std::ptr::null(),
        )
    })?;
    Ok(take_notes(notes, count))
}

/// Ok when `data` is a well-formed Standard MIDI File, else a Format error with the reason.
pub fn validate(data: &[u8]) -> Result<()> {
    check(unsafe { sys::emopiano_midi_validate(data.as_ptr(), data.len()) })
}
