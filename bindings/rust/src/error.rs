//! Errors: the C status code with the library's message.
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_int;
use std::path::Path;

use crate::sys;

/// What kind of failure a call reported (the C `emopiano_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    InvalidArgument,
    NotFound,
    Io,
    Format,
    BufferTooSmall,
    Cancelled,
    Unsupported,
    Internal,
    OutOfMemory,
    /// A code this binding does not know (from a newer library).
    Other(i32),
}

impl Status {
    pub fn from_code(code: c_int) -> Status {
        match code {
            sys::EMOPIANO_ERROR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::EMOPIANO_ERROR_NOT_FOUND => Status::NotFound,
            sys::EMOPIANO_ERROR_IO => Status::Io,
            sys::EMOPIANO_ERROR_FORMAT => Status::Format,
            sys::EMOPIANO_ERROR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::EMOPIANO_ERROR_CANCELLED => Status::Cancelled,
            sys::EMOPIANO_ERROR_UNSUPPORTED => Status::Unsupported,
            sys::EMOPIANO_ERROR_INTERNAL => Status::Internal,
            sys::EMOPIANO_ERROR_OUT_OF_MEMORY => Status::OutOfMemory,
            other => Status::Other(other),
        }
    }

    /// The C status code (negative).
    pub fn code(self) -> c_int {
        match self {
            Status::InvalidArgument => sys::EMOPIANO_ERROR_INVALID_ARGUMENT,
            Status::NotFound => sys::EMOPIANO_ERROR_NOT_FOUND,
            Status::Io => sys::EMOPIANO_ERROR_IO,
            Status::Format => sys::EMOPIANO_ERROR_FORMAT,
            Status::BufferTooSmall => sys::EMOPIANO_ERROR_BUFFER_TOO_SMALL,
            Status::Cancelled => sys::EMOPIANO_ERROR_CANCELLED,
            Status::Unsupported => sys::EMOPIANO_ERROR_UNSUPPORTED,
            Status::Internal => sys::EMOPIANO_ERROR_INTERNAL,
            Status::OutOfMemory => sys::EMOPIANO_ERROR_OUT_OF_MEMORY,
            Status::Other(code) => code,
        }
    }
}

/// A failed emopiano call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// The error of the call that just failed on this thread.
    pub(crate) fn last(code: c_int) -> Error {
        // SAFETY: emopiano_last_error never returns NULL and the string stays
        // valid until the next failing call on this thread; it is copied now.
        let message = unsafe { CStr::from_ptr(sys::emopiano_last_error()) }
            .to_string_lossy()
            .into_owned();
        Error::new(Status::from_code(code), message)
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: emopiano_status_name returns a static string, never NULL.
        let name = unsafe { CStr::from_ptr(sys::emopiano_status_name(self.status.code())) };
        write!(f, "{}: {}", name.to_string_lossy(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Ok(()) for EMOPIANO_OK, else the thread's last error.
pub(crate) fn check(code: c_int) -> Result<()> {
    if code == sys::EMOPIANO_OK {
        Ok(())
    } else {
        Err(Error::last(code))
    }
}

pub(crate) fn c_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("{what} contains a NUL byte"),
        )
    })
}

pub(crate) fn c_path(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("path {} contains a NUL byte", path.display()),
        )
    })
}
