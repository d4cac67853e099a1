"""Every numba option minigraph uses, in one place.

Kernels are decorated with `jit(...)` / `jit_parallel(...)` from here, never with
`numba.njit` directly, so caching, threading and floating-point flags are chosen once:

- `cache=True`: compiled machine code is kept in `__pycache__`, so a fresh process pays
  for compilation only the first time a kernel meets a new argument type.
- `nogil=True`: kernels release the GIL, so sessions run from several threads overlap.
- `error_model="numpy"`: integer division and modulo skip the ZeroDivisionError check
  in inner loops (our divisors are strides and sizes, validated at graph construction).
- `boundscheck=False`: indices are proven in range by the shape rules of each op.
- `fastmath={"contract"}`: lets LLVM fuse `a * b + c` into one FMA instruction, which is
  both faster and more accurate. We deliberately leave out "nnan"/"ninf" (they would
  let LLVM assume no NaN/inf, breaking NaN propagation and max-pooling of -inf) and
  "reassoc" (reductions run over the contiguous channel axis elementwise, so they
  vectorise without reordering sums; keeping the order keeps results reproducible).

Parallel kernels use `prange` over independent output rows; the thread count is
numba's, i.e. `NUMBA_NUM_THREADS` (default: all cores). Small calls run on the calling
thread only (`threads_for`): waking the other threads costs tens of microseconds on an
idle machine, and a whole scheduler time slice (milliseconds) when the cores are busy
with other processes, which would swamp a kernel of a few microseconds.

`import minigraph` never imports this module: op kernels import their kernel module on
first use, so numba (about 0.5 s to import) loads only when a conv or pool op runs.
"""
import contextlib
import os

# numba's OpenMP workers busy-wait after every parallel loop by default. On a 2-core
# machine that steals the core the next op needs (a BLAS product on another thread,
# the main thread's Python): a small separable-conv forward+backward ran 6x slower.
# Passive waiting lets idle workers sleep. It must be in the environment before numba
# starts its pool (its first parallel call, after this import), and a user's own
# choice wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402

from minigraph.ops.kernels import budget  # noqa: E402

# Below this much work (multiply-adds or elements touched), one thread is faster.
MIN_PARALLEL_WORK = 1 << 20

_OPTIONS = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False,
                fastmath={"contract"})

prange = numba.prange


def jit(fn):
    """Compile `fn` lazily (on its first call) as a serial nopython kernel."""
    return numba.njit(**_OPTIONS)(fn)


def jit_inline(fn):
    """`jit`, inlined into its callers at numba's IR level: a block of straight-line SIMD
    code written once and used several times, with no call between the uses."""
    return numba.njit(inline="always", **_OPTIONS)(fn)


def jit_parallel(fn):
    """Compile `fn` lazily as a multithreaded kernel (its `prange` loops run in parallel)."""
    return numba.njit(parallel=True, **_OPTIONS)(fn)


def num_threads():
    """The number of worker threads parallel kernels use (follows NUMBA_NUM_THREADS)."""
    return numba.get_num_threads()


@contextlib.contextmanager
def threads_for(work):
    """Run the parallel kernels called in the block on one thread if `work` is small, or
    while the step runs beside another one (`budget.single_threaded`)."""
    if work >= MIN_PARALLEL_WORK and not budget.single_threaded():
        yield
        return
    prev = numba.get_num_threads()
    if prev == 1:
        yield
        return
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(prev)
