"""Output buffers for kernels, recycled once nothing references them.

A fresh 50 MB NumPy array costs ~2 ms of page faults (the kernel zeroes every page on
first touch), as much as a whole pass of a memory-bound kernel over it. Conv and pool
outputs are large and short-lived (the session drops each intermediate right after its
last use), so kernels take their outputs from here instead of `np.empty`:

- an array handed out is backed by a `_Lease`, which NumPy records as the array's
  `base`. Every view of the array keeps the lease alive too, so the lease dies exactly
  when the last array or view of the buffer does; its `__del__` then puts the raw
  storage back on a free list for the next request of the same size.
- raw storage is never reachable from outside while on the free list, so reuse is safe
  whatever users do with fetched arrays (they simply keep the buffer out of the pool).
- at most `_MAX_FREE_BYTES` of storage waits on the free lists; small arrays bypass the
  pool (malloc already recycles them cheaply).

Every buffer is 64-byte aligned, which vectorised loops and BLAS like.

The free lists use only single list operations (atomic under the GIL), never a lock, so
a `__del__` running in the middle of `empty` (garbage collection can trigger one) cannot
deadlock.
"""
import numpy as np

_MIN_BYTES = 1 << 20
_MAX_FREE_BYTES = 1 << 30
_ALIGN = 64

_free = {}  # rounded size in bytes -> list of raw uint8 arrays
_free_bytes = [0]


class _Lease:
    """Owns one raw buffer while arrays built on it are alive."""

    __slots__ = ("raw", "key", "__array_interface__")

    def __init__(self, raw, key, shape, dtype):
        self.raw = raw
        self.key = key
        addr = raw.ctypes.data
        self.__array_interface__ = {
            "data": (addr + (-addr) % _ALIGN, False), "shape": shape,
            "typestr": dtype.str, "version": 3}

    def __del__(self):
        raw, self.raw = self.raw, None
        if raw is None or _free_bytes is None or _free_bytes[0] + self.key > _MAX_FREE_BYTES:
            return
        _free_bytes[0] += self.key
        _free.setdefault(self.key, []).append(raw)


def empty(shape, dtype):
    """An uninitialised C-contiguous array of `shape` and `dtype`, 64-byte aligned."""
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if nbytes < _MIN_BYTES:
        return np.empty(shape, dtype)
    key = -(-nbytes // 4096) * 4096
    raw = None
    bufs = _free.get(key)
    if bufs:
        try:
            raw = bufs.pop()
            _free_bytes[0] -= key
        except IndexError:  # another thread took the last one
            raw = None
    if raw is None:
        raw = np.empty(key + _ALIGN, np.uint8)
    return np.asarray(_Lease(raw, key, shape, dtype))


def aligned(shape, dtype):
    """A fresh uninitialised C-contiguous array, 64-byte aligned whatever its size (for
    small scratch buffers that vectorised kernels stream through; not pooled)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    raw = np.empty(nbytes + _ALIGN, np.uint8)
    off = (-raw.ctypes.data) % _ALIGN
    return raw[off:off + nbytes].view(dtype).reshape(shape)


def clear():
    """Drop every cached free buffer (memory goes back to the system)."""
    _free.clear()
    _free_bytes[0] = 0
