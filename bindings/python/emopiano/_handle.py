"""The base of every class that owns a C handle."""
import ctypes


class Handle:
    """Owns one C handle, released exactly once by close(), `with` or the GC.

    close() may be called any number of times. A closed handle passes NULL,
    never a freed pointer, so the library rejects it with InvalidArgumentError.
    """

    _free = None  # the C *_free function, set by subclasses

    def __init__(self, pointer):
        self._ptr = ctypes.c_void_p(pointer)

    @property
    def _as_parameter_(self):
        # ctypes passes the raw pointer when the object itself is an argument.
        return self._ptr

    @property
    def closed(self):
        return not self._ptr.value

    def close(self):
        pointer, self._ptr = self._ptr, ctypes.c_void_p()
        if pointer.value:
            type(self)._free(pointer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Interpreter shutdown may have torn the module down already.
        try:
            self.close()
        except Exception:
            pass
