"""Matrix products for the conv kernels: NumPy's BLAS, split over our own threads.

Left to itself, OpenBLAS runs a large product on its own thread pool, whose workers
then busy-wait (yielding) for about a tenth of a second for more work. On a 2-core
machine they take a core away from the numba kernel that runs next (a depthwise
convolution right after a pointwise one ran 2x slower in measurements). So the kernels
run every product on a small pool of Python threads that each ask OpenBLAS for one
thread (`openblas_set_num_threads_local`, OpenBLAS >= 0.3.27, which NumPy 2 bundles;
it only affects the calling thread), splitting the rows of large products over them;
idle pool threads sleep. Where
that function is missing (another BLAS), products simply go to `np.matmul`.

The thread count follows numba's (NUMBA_NUM_THREADS), like the other kernels.
"""
import concurrent.futures
import ctypes
import os
import threading

import numpy as np

from minigraph.ops.kernels._jit import num_threads

# Products smaller than this (multiply-adds) stay on the calling thread.
_MIN_SPLIT_WORK = 1 << 22

_state = {"set_local": None, "probed": False, "pool": None, "pool_size": 0}
_lock = threading.Lock()
_local = threading.local()


def _openblas_libs():
    """Paths of the loaded OpenBLAS libraries, NumPy's first.

    SciPy (which numba imports when it is installed) brings a second OpenBLAS with its
    own thread pool; it is never the one NumPy's matmul calls.
    """
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    def rank(path):
        folder = os.path.basename(os.path.dirname(path))
        return (folder != "numpy.libs", folder == "scipy.libs" or "/scipy/" in path)
    paths.sort(key=rank)
    return paths


def _find_set_local():
    for path in _openblas_libs():
        try:
            lib = ctypes.CDLL(path)
            fn = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn
    return None


def corename():
    """The CPU kernel set NumPy's OpenBLAS chose (e.g. "Haswell", "SkylakeX"), or None.

    NumPy's OpenBLAS picks its AVX2 kernels ("Haswell") on some AVX-512 CPUs it does not
    know (AMD Zen 4/5); `OPENBLAS_CORETYPE=SkylakeX` in the environment before Python
    starts then makes float32 products about twice as fast.
    """
    for path in _openblas_libs():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_get_corename", "scipy_openblas_get_corename64_",
                     "scipy_openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def _set_local():
    if not _state["probed"]:
        with _lock:
            if not _state["probed"]:
                _state["set_local"] = _find_set_local()
                _state["probed"] = True
    return _state["set_local"]


def _single_threaded_blas():
    # Once per thread: OpenBLAS calls from this thread use no pool.
    if not getattr(_local, "single", False):
        fn = _set_local()
        if fn is not None:
            fn(1)
        _local.single = True


def _pool(size):
    if _state["pool_size"] != size:
        with _lock:
            if _state["pool_size"] != size:
                old = _state["pool"]
                _state["pool"] = concurrent.futures.ThreadPoolExecutor(
                    max_workers=size, thread_name_prefix="minigraph-blas",
                    initializer=_single_threaded_blas)
                _state["pool_size"] = size
                if old is not None:
                    old.shutdown(wait=False)
    return _state["pool"]


def _run_split(parts):
    """Run the zero-argument callables `parts` on the pool threads and wait for them.

    Never on the calling thread: switching its OpenBLAS thread count back and forth
    (to leave the caller's own NumPy calls alone) wakes OpenBLAS's pool, which then
    spins for a few hundred milliseconds, halving the speed of every numba kernel in
    that time. The pool threads are set to one OpenBLAS thread once, for good.
    """
    futures = [_pool(max(len(parts), num_threads())).submit(p) for p in parts]
    return [f.result() for f in futures]


def _n_parts(work, rows):
    if work < _MIN_SPLIT_WORK:
        return 1
    return max(1, min(num_threads(), rows))


def _direct():
    # Without a thread-local OpenBLAS control, NumPy's own threading is the best we have.
    return _set_local() is None


def matmul_into(a, b, out):
    """out[...] = a @ b for 2-D `a` [m, k], `b` [k, n], C-contiguous `out` [m, n]."""
    if _direct():
        np.matmul(a, b, out=out)
        return out
    m = a.shape[0]
    n = _n_parts(m * a.shape[1] * b.shape[1], m)
    bounds = [m * i // n for i in range(n + 1)]
    _run_split([lambda lo=lo, hi=hi: np.matmul(a[lo:hi], b, out=out[lo:hi])
                for lo, hi in zip(bounds[:-1], bounds[1:])])
    return out


def matmul_tn(a, b, dtype):
    """a.T @ b for `a` [k, m], `b` [k, n] with k large: split over k, partials summed."""
    if _direct():
        return np.matmul(a.T, b).astype(dtype, copy=False)
    k = a.shape[0]
    n = _n_parts(k * a.shape[1] * b.shape[1], k)
    bounds = [k * i // n for i in range(n + 1)]
    results = [None] * n

    def part(i):
        results[i] = np.matmul(a[bounds[i]:bounds[i + 1]].T, b[bounds[i]:bounds[i + 1]])
    _run_split([lambda i=i: part(i) for i in range(n)])
    if n == 1:
        return results[0].astype(dtype, copy=False)
    return np.sum(results, axis=0, dtype=dtype)
