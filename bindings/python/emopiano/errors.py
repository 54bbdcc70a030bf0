"""One exception hierarchy for the C ABI's status codes.

Every failing call raises the subclass of EmopianoError that matches its
status, with the library's message (emopiano_last_error) as its text.
"""
from ._library import lib


class EmopianoError(Exception):
    """A failed emopiano call. `status` is the C status code (negative)."""

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidArgumentError(EmopianoError, ValueError):
    status = -1


class NotFoundError(EmopianoError, LookupError):
    status = -2


class FileIOError(EmopianoError, OSError):
    """Reading or writing a file failed (named so it does not shadow the builtin)."""
    status = -3


class FormatError(EmopianoError, ValueError):
    status = -4


class BufferTooSmallError(EmopianoError):
    status = -5


class CancelledError(EmopianoError):
    status = -6


class UnsupportedError(EmopianoError):
    status = -7


class InternalError(EmopianoError):
    status = -8


class OutOfMemoryError(EmopianoError, MemoryError):
    status = -9


_BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, NotFoundError, FileIOError, FormatError, BufferTooSmallError,
    CancelledError, UnsupportedError, InternalError, OutOfMemoryError)}


def error_for(status, message=None):
    """The exception for a status; the message defaults to this thread's last error."""
    if message is None:
        message = lib.emopiano_last_error().decode("utf-8", "replace")
    cls = _BY_STATUS.get(status, EmopianoError)
    return cls(message or lib.emopiano_status_name(status).decode(), status)


def check(status):
    """Raises the matching exception unless status is EMOPIANO_OK."""
    if status != 0:
        raise error_for(status)
