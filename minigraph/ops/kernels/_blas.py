"""Matrix products for the conv kernels, split over our own threads.

Each part goes to our register-blocked kernel (`gemm.py`) when its shape suits it (a
small B: every conv-shaped product; faster than OpenBLAS there), else to OpenBLAS.
Two problems with calling `np.matmul` directly, both measured on a 2-core AMD Zen 5:

1. OpenBLAS runs a large product on its own thread pool, whose workers then busy-wait
   (yielding) for a few hundred milliseconds. They take a core away from the numba
   kernel that runs next: a depthwise convolution after a pointwise one ran 2x slower.
   So every product runs on a small pool of Python threads that each ask OpenBLAS for
   one thread (`openblas_set_num_threads_local`, OpenBLAS >= 0.3.27, as NumPy 2
   bundles; it only affects the calling thread), the rows of large products split over
   them. Idle pool threads sleep.
2. NumPy's OpenBLAS picks its AVX2 kernels ("Haswell") on AVX-512 CPUs it does not know
   (AMD Zen 4/5), which halves float32 product speed. OpenBLAS chooses its kernels only
   when it is loaded, from `OPENBLAS_CORETYPE`. So, on Linux, when the CPU has AVX-512
   and NumPy's OpenBLAS did not pick it, we load a private copy of that same library
   from memory (`memfd_create`) with `OPENBLAS_CORETYPE=SkylakeX` and
   `OPENBLAS_NUM_THREADS=1` (no thread pool at all) and call its `cblas_?gemm`. NumPy's
   own copy is untouched. `MINIGRAPH_PRIVATE_BLAS=0` turns this off.

Without OpenBLAS (another BLAS), products simply go to `np.matmul`, ours included
(`matmul_into`, `matmul_tn`; the fused kernels still call `gemm` directly). The thread
count
follows numba's (NUMBA_NUM_THREADS), like the other kernels.

The same pool runs large NumPy elementwise work (`run_parallel`, used by `elementwise`),
so the process never has two sets of helper threads. Importing this module therefore
must not import numba: `_jit` is imported only when a product needs numba's thread count.
"""
import concurrent.futures
import contextvars
import ctypes
import os
import threading

import numpy as np

from minigraph.ops.kernels import budget

# Products smaller than this (multiply-adds) are not split: they run on the calling
# thread. Handing half of a 12.8M multiply-add product (~0.1 ms) to a sleeping pool
# thread cost more than it saved: the N=8 28x28 separable-conv train step took 1.55 ms
# split from 2^22, 1.37 ms from 2^24.
_MIN_SPLIT_WORK = 1 << 24

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_AVX512_FLAGS = ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")

_state = {"probed": False, "set_local": None, "gemm": None, "pool": None, "pool_size": 0}
_lock = threading.Lock()


# -- finding OpenBLAS ----------------------------------------------------------------------------
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
                if (path.startswith("/") and "openblas" in os.path.basename(path).lower()
                        and os.path.isfile(path) and path not in paths):
                    paths.append(path)
    except OSError:
        pass

    def rank(path):
        folder = os.path.basename(os.path.dirname(path))
        return (folder != "numpy.libs", folder == "scipy.libs" or "/scipy/" in path)
    paths.sort(key=rank)
    return paths


def _symbol(lib, *names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            return name, fn
    return None, None


def _corename_of(lib):
    _, fn = _symbol(lib, "openblas_get_corename", "scipy_openblas_get_corename64_",
                    "scipy_openblas_get_corename")
    if fn is None:
        return None
    fn.restype = ctypes.c_char_p
    return fn().decode()


def corename():
    """The CPU kernel set NumPy's OpenBLAS chose (e.g. "Haswell", "SkylakeX"), or None."""
    for path in _openblas_libs():
        try:
            name = _corename_of(ctypes.CDLL(path))
        except OSError:
            continue
        if name is not None:
            return name
    return None


def _gemm_functions(lib):
    """{dtype: cblas_?gemm} of an OpenBLAS library, typed for ctypes, or None."""
    out = {}
    for dt, letter, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
        name, fn = _symbol(lib, "cblas_%sgemm" % letter, "scipy_cblas_%sgemm64_" % letter,
                           "cblas_%sgemm64_" % letter, "scipy_cblas_%sgemm" % letter)
        if fn is None:
            return None
        # Libraries built for 64-bit BLAS integers carry a "64_" suffix.
        i = ctypes.c_int64 if name.endswith("64_") else ctypes.c_int
        fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, scalar,
                       ctypes.c_void_p, i, ctypes.c_void_p, i, scalar, ctypes.c_void_p, i]
        fn.restype = None
        out[np.dtype(dt)] = fn
    return out


def _cpu_has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(next(line for line in f if line.startswith("flags")).split())
    except (OSError, StopIteration):
        return False
    return all(flag in flags for flag in _AVX512_FLAGS)


def _load_private_avx512(path):
    """A private, pool-less copy of the OpenBLAS at `path` using its AVX-512 kernels."""
    fd = os.memfd_create("minigraph-openblas")
    with open(path, "rb") as src:
        data = memoryview(src.read())
    while data:
        data = data[os.write(fd, data):]
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(OPENBLAS_CORETYPE="SkylakeX", OPENBLAS_NUM_THREADS="1")
    try:
        lib = ctypes.CDLL("/proc/self/fd/%d" % fd)  # the library reads both when loaded
    finally:
        os.close(fd)  # the loader keeps its own mapping
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if (_corename_of(lib) or "").lower() != "skylakex":
        return None
    return _gemm_functions(lib)


def _probe():
    if _state["probed"]:
        return
    with _lock:
        if _state["probed"]:
            return
        for path in _openblas_libs():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            _, fn = _symbol(lib, "openblas_set_num_threads_local")
            if fn is None:
                continue
            fn.argtypes = [ctypes.c_int]
            fn.restype = ctypes.c_int
            _state["set_local"] = fn
            if (os.environ.get("MINIGRAPH_PRIVATE_BLAS", "1") != "0"
                    and hasattr(os, "memfd_create") and _cpu_has_avx512()
                    and (_corename_of(lib) or "").lower() in ("haswell", "zen")):
                try:
                    _state["gemm"] = _load_private_avx512(path)
                except (OSError, AttributeError, ValueError):
                    _state["gemm"] = None
            break
        _state["probed"] = True


# -- running products ----------------------------------------------------------------------------
def num_threads():
    """numba's thread count (imported here: a plain elementwise op must not load numba)."""
    from minigraph.ops.kernels._jit import num_threads as numba_threads
    return numba_threads()


def _single_threaded_blas():
    fn = _state["set_local"]
    if fn is not None:
        fn(1)


def _pool(size):
    if _state["pool_size"] < size:
        with _lock:
            if _state["pool_size"] < size:
                old = _state["pool"]
                _state["pool"] = concurrent.futures.ThreadPoolExecutor(
                    max_workers=size, thread_name_prefix="minigraph-blas",
                    initializer=_single_threaded_blas)
                _state["pool_size"] = size
                if old is not None:
                    old.shutdown(wait=False)
    return _state["pool"]


def _run(parts, dtype):
    """Run the zero-argument callables `parts` and wait for them.

    On the pool threads, except a single part that the private library (pool-less, so
    harmless anywhere) runs: on the calling thread. NumPy's OpenBLAS never runs on the
    calling thread: switching its thread count back and forth (to leave the caller's
    own NumPy calls alone) would wake OpenBLAS's pool.
    """
    if len(parts) == 1 and _state["gemm"] is not None and np.dtype(dtype) in _state["gemm"]:
        parts[0]()
        return
    futures = [_pool(max(len(parts), num_threads())).submit(p) for p in parts]
    for f in futures:
        f.result()


def run_parallel(parts, threads):
    """Run the zero-argument callables `parts` (NumPy work that releases the GIL) on the
    calling thread and up to `threads - 1` pool threads, and wait.

    Each thread takes the next part nobody has taken yet, the caller first. So pool
    threads that are slow to start cost nothing but their share of the work: waking an
    idle thread takes ~50 us on a virtual machine (the vCPU sleeps), and a whole
    scheduler time slice (milliseconds) when other processes keep the cores busy; the
    caller meanwhile works through the parts alone. Cut the work in a few parts per
    thread so that the last part to finish does not keep the others waiting long.

    Pool threads run in a copy of the caller's context, so NumPy's error state
    (`np.errstate`, a context variable) applies there as on the caller. The first
    exception of a part is raised once no part is running any more.
    """
    todo = iter(parts)  # each next() is atomic under the GIL: a part runs exactly once

    def drain():
        for part in todo:
            part()
    helpers = min(threads, len(parts)) - 1
    if helpers <= 0:
        drain()
        return
    # Sized like the product pool (numba's thread count, the caller included), so
    # neither replaces the other.
    pool = _pool(helpers + 1)
    futures = [pool.submit(contextvars.copy_context().run, drain) for _ in range(helpers)]
    try:
        drain()
    finally:
        for future in futures:
            future.cancel()
        concurrent.futures.wait(futures)
    for future in futures:
        if not future.cancelled():
            future.result()


def _n_parts(work, rows):
    if work < _MIN_SPLIT_WORK or budget.single_threaded():
        return 1
    return max(1, min(num_threads(), rows))


def _gemm(trans_a, a, b, out, stream=False):
    """out = op(a) @ b: by our register-blocked kernel when the shapes suit it (`gemm`:
    a small B, faster than OpenBLAS there), else by the private library when it can,
    else by NumPy. `stream`: our kernel writes `out` with non-temporal stores (out as
    `gemm.streamable` requires; the others write it as usual)."""
    from minigraph.ops.kernels import gemm as kernel  # imports numba: not at import
    if trans_a and kernel.usable_tn(a, b, out):
        kernel.product_tn(a, b, out)
        return
    if not trans_a and kernel.usable(a, b, out):
        kernel.product(a, b, out, stream=stream)
        return
    gemm = _state["gemm"]
    fn = None if gemm is None else gemm.get(out.dtype)
    if fn is None or a.dtype != out.dtype or b.dtype != out.dtype or not (
            a.flags.c_contiguous and b.flags.c_contiguous and out.flags.c_contiguous):
        np.matmul(a.T if trans_a else a, b, out=out)
        return
    m, n = out.shape
    k = b.shape[0]
    fn(_ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _NO_TRANS, m, n, k, 1.0,
       a.ctypes.data, a.shape[1], b.ctypes.data, n, 0.0, out.ctypes.data, n)


def matmul_into(a, b, out):
    """out[...] = a @ b for 2-D `a` [m, k], `b` [k, n], C-contiguous `out` [m, n]."""
    _probe()
    if _state["set_local"] is None:
        np.matmul(a, b, out=out)
        return out
    m = a.shape[0]
    if m == 0 or a.shape[1] == 0:
        out[...] = 0
        return out
    from minigraph.ops.kernels import gemm  # imports numba: not at import
    n = _n_parts(m * a.shape[1] * b.shape[1], m)
    bounds = [m * i // n for i in range(n + 1)]
    b = np.ascontiguousarray(b)
    # A large output goes straight to memory: each part's rows are whole vectors too.
    stream = gemm.streamable(out)
    _run([lambda lo=lo, hi=hi: _gemm(False, a[lo:hi], b, out[lo:hi], stream)
          for lo, hi in zip(bounds[:-1], bounds[1:])], out.dtype)
    return out


def matmul_tn(a, b, dtype):
    """a.T @ b for `a` [k, m], `b` [k, n] with k large: split over k, partials summed."""
    _probe()
    if _state["set_local"] is None:
        return np.matmul(a.T, b).astype(dtype, copy=False)
    k = a.shape[0]
    if k == 0:
        return np.zeros((a.shape[1], b.shape[1]), dtype=dtype)
    n = _n_parts(k * a.shape[1] * b.shape[1], k)
    bounds = [k * i // n for i in range(n + 1)]
    results = [np.empty((a.shape[1], b.shape[1]), dtype=np.result_type(a, b)) for _ in range(n)]
    _run([lambda i=i: _gemm(True, a[bounds[i]:bounds[i + 1]], b[bounds[i]:bounds[i + 1]],
                            results[i]) for i in range(n)], results[0].dtype)
    if n == 1:
        return results[0].astype(dtype, copy=False)
    return np.sum(results, axis=0, dtype=dtype)
