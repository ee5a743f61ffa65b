"""shopd in a Python process through its C API (ctypes), no socket.

    with Shop() as shop:
        status, body = shop.request("GET", "/api/products")

The library is found through SHOPD_LIBRARY (a path to libshopd.so) or the system's search.
"""
import ctypes
import ctypes.util
import json
import os

_library = None


def library():
    global _library
    if _library is None:
        path = os.environ.get("SHOPD_LIBRARY") or ctypes.util.find_library("shopd")
        if not path:
            raise RuntimeError("libshopd not found: set SHOPD_LIBRARY to its path")
        lib = ctypes.CDLL(path)
        handle = ctypes.c_void_p
        text = ctypes.POINTER(ctypes.c_char)
        lib.shopd_start.argtypes = [ctypes.c_char_p, ctypes.POINTER(handle), ctypes.POINTER(text)]
        lib.shopd_request.argtypes = [handle, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_size_t, ctypes.POINTER(ctypes.c_int),
                                      ctypes.POINTER(text), ctypes.POINTER(ctypes.c_size_t)]
        lib.shopd_wait_idle.argtypes = [handle, ctypes.c_int]
        lib.shopd_port.argtypes = [handle]
        lib.shopd_port.restype = ctypes.c_ushort
        lib.shopd_version.restype = ctypes.c_char_p
        lib.shopd_stop.argtypes = [handle]
        lib.shopd_free.argtypes = [ctypes.c_void_p]
        _library = lib
    return _library


def _take(lib, pointer, length=None):
    """The bytes shopd returned, then freed."""
    if not pointer:
        return b""
    data = ctypes.string_at(pointer, length) if length is not None else ctypes.string_at(pointer)
    lib.shopd_free(pointer)
    return data


# In memory, no socket, test mode: every test can start from nothing.
TEST_CONFIG = """
[server]
listen = ""
test_mode = true
[storage]
memory = true
[log]
level = "warn"
"""


class Shop:
    def __init__(self, config=TEST_CONFIG):
        lib = library()
        self._lib = lib
        self._handle = ctypes.c_void_p()
        error = ctypes.POINTER(ctypes.c_char)()
        if lib.shopd_start(config.encode(), ctypes.byref(self._handle), ctypes.byref(error)):
            raise RuntimeError("shopd did not start: " + _take(lib, error).decode())

    def request(self, method, path, body=None, raw=None):
        """(status, the JSON answer or None); `raw` sends those bytes instead of `body`."""
        payload = raw if raw is not None else (json.dumps(body).encode()
                                                if body is not None else None)
        status = ctypes.c_int()
        answer = ctypes.POINTER(ctypes.c_char)()
        length = ctypes.c_size_t()
        failed = self._lib.shopd_request(self._handle, method.encode(),
                                         path.encode() if path is not None else None, payload,
                                         len(payload or b""), ctypes.byref(status),
                                         ctypes.byref(answer), ctypes.byref(length))
        data = _take(self._lib, answer, length.value)
        if failed:
            raise ValueError(data.decode())
        return status.value, (json.loads(data) if data else None)

    def wait_idle(self, timeout_ms=10000):
        if not self._lib.shopd_wait_idle(self._handle, timeout_ms):
            raise TimeoutError("shopd was still busy after %d ms" % timeout_ms)

    def reset(self):
        status, _ = self.request("POST", "/api/test/reset")
        assert status == 204, status

    @property
    def version(self):
        return self._lib.shopd_version().decode()

    def stop(self):
        if self._handle:
            self._lib.shopd_stop(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
