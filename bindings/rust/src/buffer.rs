//! Copying buffers the library allocated into Rust values, then freeing them
//! with emopiano_free (never Rust's allocator: "do not mix allocators").
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};

use crate::sys;

/// Copies `count` items from a library-owned array and frees it.
///
/// # Safety
/// `ptr` is NULL or an array of at least `count` items from the library.
pub(crate) unsafe fn take_array<T: Copy>(ptr: *mut T, count: usize) -> Vec<T> {
    let items = if ptr.is_null() || count == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(ptr, count).to_vec()
    };
    sys::emopiano_free(ptr.cast::<c_void>());
    items
}

/// Copies a library-owned NUL-terminated string and frees it.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string from the library.
pub(crate) unsafe fn take_string(ptr: *mut c_char) -> String {
    let text = if ptr.is_null() {
        String::new()
    } else {
        CStr::from_ptr(ptr).to_string_lossy().into_owned()
    };
    sys::emopiano_free(ptr.cast::<c_void>());
    text
}

/// The text before the first NUL of a caller buffer the library filled.
pub(crate) fn until_nul(buffer: &[u8]) -> String {
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}
