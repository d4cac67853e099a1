"""Large elementwise ops and sums: NumPy calls split over threads, into recycled buffers.

One NumPy ufunc over a large tensor is memory-bound and runs on one core. Measured on a
2-core AMD Zen 5 VM with a float32 [32, 56, 56, 128] tensor (51 MB), `np.square(a)`
takes 4.9 ms: 2-3 ms of it are page faults on the fresh output (glibc maps arrays over
32 MB afresh each time), the rest one core streaming memory. Into a preallocated
output, two threads each squaring half the rows take 1.5-1.8 ms. So when an input has
at least `MIN_PARALLEL_SIZE` elements:

- the output comes from `_alloc.empty` (a recycled buffer: no page faults once a
  training step has run once);
- the work is cut in a few parts per thread, each part the same NumPy call on slices
  of the inputs and the output, run by `_blas.run_parallel` (ufuncs release the GIL;
  threads slow to wake up take fewer parts).

Smaller calls are the plain NumPy call. Waking a pool thread costs ~50 us on that VM,
and the split itself ~10 us of Python: below 2^21 elements (8 MB of float32) a split
square was slower than one thread; from 2^21 on, square and multiply are faster.

Results are bit-identical to the plain call. NumPy lays a new output out in the memory
order of its inputs (order="K"); `apply` does the same, so each part runs through the
same inner loop (same strides, hence the same SIMD or scalar code) as the whole call.
When that order is not clear-cut (inputs disagreeing on the order of axes, negative
strides), the plain call runs.

Broadcast views (zero strides, as `BroadcastTo` returns, e.g. in the gradient of
`reduce_mean`) count as the one row they hold along each broadcast axis: the layout is
judged on their real memory. When every input is broadcast along the innermost axis,
NumPy's loop reads each input at a fixed address and runs scalar code: a float32 scalar
broadcast to [32, 56, 56, 128] and divided by 3 took 3.8 ms on one core, 2.2 ms in two
halves. Such a result is itself broadcast along that axis, so it is computed once over
the axes some input varies along (one element here), then copied out in parts: 1.1 ms.
That small call applies the same function to the same values, and the tests check
it bit for bit against the plain call for every op. Calls below the size threshold do
the same on the calling thread (`_apply_broadcast`): the gradient of `reduce_mean`
over [8, 28, 28, 64] took 122 us as one NumPy call, 32 us so.

Sums split over the reduced axes add per-part partial sums, so they may differ from
`np.sum` in the last bits (each partial is still NumPy's sum over its rows, pairwise
over contiguous data).

Threads: as many as numba would use (`NUMBA_NUM_THREADS`, else the CPUs this process may
run on), read without importing numba, which only conv and pool kernels need.
"""
import functools
import math
import os

import numpy as np

from minigraph.ops.kernels import _alloc
from minigraph.ops.kernels import _blas

# Calls whose largest input has fewer elements than this are not split.
MIN_PARALLEL_SIZE = 1 << 21

# The work is cut in up to this many parts per thread, of at least _MIN_PART elements:
# threads that start late take fewer (see `_blas.run_parallel`).
_PARTS_PER_THREAD = 4
_MIN_PART = 1 << 17

# Flat parts start at multiples of this many elements: on their own cache lines (no
# line shared by the stores of two threads), and at the same SIMD lane as in one call.
_GRAIN = 64


def _default_threads():
    """numba's default thread count, computed the way numba does at import."""
    env = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


NUM_THREADS = _default_threads()


def _n_parts(size):
    """How many parts to cut `size` elements of work in."""
    if NUM_THREADS == 1:
        return 1
    return max(1, min(NUM_THREADS * _PARTS_PER_THREAD, size // _MIN_PART))


def _bounds(n, parts, grain=1):
    """`parts` + 1 cut points splitting range(n) evenly, inner ones multiples of `grain`."""
    return [0] + [n * i // parts // grain * grain for i in range(1, parts)] + [n]


def _memory_order(arrays, shape):
    """The axes of `shape` from outermost to innermost in memory, as NumPy's order="K"
    output of an elementwise call on `arrays` would have them; None if not clear-cut.

    An input with a stride on every axis (not broadcast along any) fixes the order; all
    inputs must then agree with it (ignoring broadcast and size-1 axes), and so must each
    other when none does, with the axes in their given order.
    """
    if all(a.flags.c_contiguous for a in arrays):  # the usual case, decided quickly
        return list(range(len(shape)))
    strides = []
    for a in arrays:
        st = np.broadcast_to(a, shape).strides
        if min(st, default=0) < 0:
            return None
        strides.append([0 if d == 1 else s for s, d in zip(st, shape)])
    full = next((st for st in strides if all(s or d == 1 for s, d in zip(st, shape))), None)
    order = list(range(len(shape)))
    if full is not None:
        # Size-1 axes stay where they are, as in NumPy's output strides.
        moved = [i for i in order if shape[i] != 1]
        for slot, axis in zip(moved, sorted(moved, key=lambda i: -full[i])):
            order[slot] = axis
    for st in strides:
        kept = [st[i] for i in order if st[i]]
        if any(outer < inner for outer, inner in zip(kept, kept[1:])):
            return None
    return order


def apply(fn, inputs):
    """`fn(*inputs)`, computed in parts on several threads when an input is large.

    Args:
      fn: a NumPy ufunc, or a function with the same contract: elementwise over its
        broadcast inputs, writing into the array given as `out=` (and returning it).
      inputs: arrays and NumPy scalars.

    Returns:
      What `fn(*inputs)` returns (a NumPy scalar for 0-d inputs, as ufuncs do), or an
      array of the same shape, dtype and memory layout; never one of the inputs.
    """
    # Judged by the largest input: that check is all small calls, most calls, pay (an
    # output larger than every input, an outer product, is not split).
    broadcast = False
    for a in inputs:
        if a.size >= MIN_PARALLEL_SIZE:
            return _apply_split(fn, inputs)
        broadcast = broadcast or (a.ndim and a.size > 1 and not all(a.strides))
    if broadcast:
        return _apply_broadcast(fn, inputs)
    return fn(*inputs)


def _apply_broadcast(fn, inputs):
    """`apply` for a small call with a broadcast view among its inputs: when the result
    is broadcast along the innermost axis too (every input is), it is worked out once
    over the axes some input varies along and copied out, on this thread, as
    `_apply_split` does for large calls. NumPy's loop over a zero-stride innermost axis
    is scalar code: the gradient of `reduce_mean` over [8, 28, 28, 64], a scalar
    broadcast and divided by the count, took 122 us against 33 for a dense array."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in inputs))
    sliced = [_unbroadcast(a) for a in inputs]
    order = _memory_order([a for a in sliced if isinstance(a, np.ndarray) and a.size > 1],
                          shape)
    if order is None or math.prod(shape) == 0:
        return fn(*inputs)
    innermost = next((i for i in reversed(order) if shape[i] != 1), None)
    if innermost is None or not all(_broadcast_along(a, innermost, len(shape)) for a in sliced):
        return fn(*inputs)
    small = np.asarray(fn(*sliced))
    mem = np.empty([shape[i] for i in order], small.dtype)
    out = mem if order == sorted(order) else mem.transpose(np.argsort(order))
    np.copyto(out, small)
    return out


def _apply_split(fn, inputs):
    """`apply` for calls with a large input."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in inputs))
    size = math.prod(shape)
    if size < MIN_PARALLEL_SIZE:  # broadcast against an empty axis
        return fn(*inputs)
    sliced = [_unbroadcast(a) for a in inputs]
    arrays = [a for a in sliced if isinstance(a, np.ndarray) and a.size > 1]
    order = _memory_order(arrays, shape)
    if order is None:
        return fn(*inputs)
    innermost = next(i for i in reversed(order) if shape[i] != 1)
    if all(_broadcast_along(a, innermost, len(shape)) for a in sliced):
        # Every input is broadcast along the innermost axis, so the result is too: work
        # it out once over the axes some input varies along, then copy it out.
        small = apply(fn, sliced)
        return _compute(_copy, [small], shape, order, small.dtype)
    # The result dtype, from the same call on empty arrays (no work, no warnings).
    dtype = np.asarray(fn(*[np.empty(0, a.dtype) if isinstance(a, np.ndarray) and a.ndim
                            else a for a in inputs])).dtype
    return _compute(fn, sliced, shape, order, dtype)


def _unbroadcast(a):
    """Input `a` with each axis of zero stride (a broadcast view's) cut to length 1,
    which broadcasting restores at no cost: the layout is then judged on the memory the
    input really has, and an input broadcast along every axis is a single element."""
    if not isinstance(a, np.ndarray) or a.size <= 1 or all(a.strides):
        return a
    return a[tuple(slice(0, 1) if st == 0 else slice(None) for st in a.strides)]


def _copy(src, out):
    """`src` broadcast into `out`, with a ufunc's `out=` contract."""
    np.copyto(out, src)
    return out


def _compute(fn, inputs, shape, order, dtype):
    """`fn(*inputs)` computed in parts on the threads into a new array of `shape` and
    `dtype`, its axes laid out in memory in `order`."""
    size = math.prod(shape)
    mem = _alloc.empty([shape[i] for i in order], dtype)
    natural = order == sorted(order)
    out = mem if natural else mem.transpose(np.argsort(order))
    if all(a.shape == shape and (a if natural else a.transpose(order)).flags.c_contiguous
           for a in inputs if isinstance(a, np.ndarray) and a.size > 1):
        # Every input laid out like the output: cut the flat memory evenly.
        flat = [_flat(a, order) for a in inputs]
        out_flat = mem.reshape(-1)
        cuts = _bounds(size, _n_parts(size), _GRAIN)
        chunks = [([a[lo:hi] if np.size(a) > 1 else a for a in flat], out_flat[lo:hi])
                  for lo, hi in zip(cuts[:-1], cuts[1:])]
    else:
        # Cut the outermost axis (in memory) that has a row for every part.
        parts = _n_parts(size)
        axis = next((i for i in order if shape[i] >= parts), max(order, key=lambda i: shape[i]))
        cuts = _bounds(shape[axis], min(parts, shape[axis]))
        chunks = [([_rows(a, axis, len(shape), lo, hi) for a in inputs],
                   _rows(out, axis, len(shape), lo, hi))
                  for lo, hi in zip(cuts[:-1], cuts[1:])]
    _blas.run_parallel([functools.partial(fn, *ins, out=o) for ins, o in chunks], NUM_THREADS)
    return out


def _flat(a, order):
    """Input `a` of the flat split as a vector in memory order. A single element, which
    broadcasts into any part, stays a scalar or becomes a 1-element vector (not a 0-d
    array: NumPy 1 promotes those by value)."""
    if np.ndim(a) == 0:
        return a
    if np.size(a) == 1:
        return a.reshape(1)
    return a.transpose(order).reshape(-1)


def _rows(a, axis, ndim, lo, hi):
    """Rows lo:hi of input `a` along output axis `axis` (of `ndim`), as broadcasting
    aligns them; `a` itself where it is broadcast along that axis."""
    if _broadcast_along(a, axis, ndim):
        return a
    return a[(slice(None),) * (axis - ndim + np.ndim(a)) + (slice(lo, hi),)]


def _broadcast_along(a, axis, ndim):
    """Whether input `a` has a single row along output axis `axis` (of `ndim`)."""
    own = axis - (ndim - np.ndim(a))
    return own < 0 or np.shape(a)[own] == 1


def reduce_sum(x, axes, keepdims, dtype):
    """`np.sum(x, axis=axes, keepdims=keepdims, dtype=dtype)`, split over threads when
    `x` is large and the reduction covers its leading axes.

    The work is cut along a leading reduced axis with enough rows, the outermost in
    memory (the batch axis of a full or [N, H, W] reduction of an NHWC tensor); the
    partial sums, of the output's shape, are then added. Fewer parts when the output is
    large, so that the partial sums stay small next to `x`.

    Args:
      x: an array.
      axes: a tuple of distinct non-negative axes of `x`.
      keepdims: keep the reduced axes as size 1.
      dtype: the dtype to accumulate and return in.
    """
    if x.size < MIN_PARALLEL_SIZE or NUM_THREADS == 1:
        return np.sum(x, axis=axes, keepdims=keepdims, dtype=dtype)
    lead = 0
    while lead in axes:
        lead += 1
    rows = [i for i in range(lead) if x.shape[i] >= NUM_THREADS]
    if not rows:
        return np.sum(x, axis=axes, keepdims=keepdims, dtype=dtype)
    axis = max(rows, key=lambda i: abs(x.strides[i]))  # outermost in memory
    out_size = math.prod(d for i, d in enumerate(x.shape) if i not in axes)
    parts = min(_n_parts(x.size), x.shape[axis],
                max(NUM_THREADS, x.size // (_PARTS_PER_THREAD * NUM_THREADS * out_size)))
    cuts = _bounds(x.shape[axis], parts)
    partials = [None] * parts

    def part(i):
        part_rows = x[(slice(None),) * axis + (slice(cuts[i], cuts[i + 1]),)]
        partials[i] = np.sum(part_rows, axis=axes, keepdims=keepdims, dtype=dtype)
    _blas.run_parallel([functools.partial(part, i) for i in range(parts)], NUM_THREADS)
    return functools.reduce(np.add, partials)
