"""Large elementwise ops and sums split over threads (`ops/kernels/elementwise.py`).

Elementwise results must be bit-identical to the plain NumPy call (values, NaN payloads,
signed zeros, dtype and memory layout); sums equal `np.sum` to float rounding. Most
tests lower the size threshold and use three threads (an uneven split, whatever the
machine), so small arrays exercise the threaded path quickly.
"""
import functools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minigraph as mg
from minigraph.ops import nn_activations, nn_math, unary_ops
from minigraph.ops.kernels import _alloc, _blas, elementwise
from tests.util import evaluate

N, H, W, C = 3, 7, 11, 13  # 3003 elements: above the lowered threshold, odd everywhere


@pytest.fixture
def threaded(monkeypatch):
    """Three threads, a threshold of 256 elements (per input), parts of 64 or more
    elements; records the number of parts of each threaded call."""
    monkeypatch.setattr(elementwise, "NUM_THREADS", 3)
    monkeypatch.setattr(elementwise, "MIN_PARALLEL_SIZE", 256)
    monkeypatch.setattr(elementwise, "_MIN_PART", 64)
    calls = []
    run = _blas.run_parallel

    def counting(parts, threads):
        assert threads == 3
        calls.append(len(parts))
        run(parts, threads)
    monkeypatch.setattr(_blas, "run_parallel", counting)
    return calls


def _values(shape, dtype, seed=0):
    r = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "f":
        v = np.asarray(r.randn(*shape), dtype)
        flat = v.reshape(-1)
        if flat.size >= 8:
            flat[:8] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e30, 6.0]
        return v
    if np.dtype(dtype).kind == "b":
        return np.asarray(r.rand(*shape) > 0.5)
    return np.asarray(r.randint(-50, 50, size=shape), dtype)


def _same(got, want):
    """Bit-identical, with the same dtype, shape and memory layout."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.strides == want.strides
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes()


def _layout(a, kind):
    """`a`'s values in another memory layout (a view where NumPy gives one)."""
    if kind == "c":
        return a
    if kind == "transposed":  # NCHW memory seen as NHWC
        return np.ascontiguousarray(np.moveaxis(a, -1, 1)).transpose(0, 2, 3, 1)
    if kind == "fortran":
        return np.asfortranarray(a)
    if kind == "strided":
        big = np.repeat(a, 2, axis=2)
        return big[:, :, ::2]
    if kind == "reversed":
        return np.ascontiguousarray(a[::-1])[::-1]
    raise ValueError(kind)


BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.power, np.maximum, np.minimum,
          np.equal, np.less, nn_math._squared_difference, np.logaddexp]
UNARY = [np.negative, np.abs, np.sign, np.square, np.sqrt, np.exp, np.log, np.log1p,
         np.reciprocal, np.tanh, unary_ops._rsqrt]
PATTERNS = [([N, H, W, C], [N, H, W, C]), ([N, H, W, C], [C]), ([N, H, W, C], []),
            ([N, H, W, C], [N, 1, 1, C]), ([N, H, W, C], [1]), ([C], [N, H, W, C]),
            ([N, 1, W, C], [1, H, W, 1]), ([1, H, W, C], [1, 1, 1, C])]


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_broadcasting_matches_numpy(threaded, fn, dtype):
    with np.errstate(all="ignore"):
        for xs, ys in PATTERNS:
            x, y = _values(xs, dtype, 1), _values(ys, dtype, 2)
            _same(elementwise.apply(fn, (x, y)), fn(x, y))
    assert len(threaded) == len(PATTERNS)


@pytest.mark.parametrize("fn", [np.add, np.subtract, np.multiply, np.maximum, np.less,
                                nn_math._squared_difference, np.true_divide],
                         ids=lambda f: f.__name__)
def test_int32_matches_numpy(threaded, fn):
    for xs, ys in PATTERNS[:5]:
        x, y = _values(xs, np.int32, 1), _values(ys, np.int32, 2)
        with np.errstate(all="ignore"):
            _same(elementwise.apply(fn, (x, y)), fn(x, y))


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kind", ["c", "transposed", "fortran", "strided"])
def test_unary_layouts_match_numpy(threaded, fn, kind):
    for dtype in (np.float32, np.float64):
        x = _layout(_values([N, H, W, C], dtype), kind)
        with np.errstate(all="ignore"):
            got, want = elementwise.apply(fn, (x,)), fn(x)
        _same(got, want)
        assert not np.shares_memory(got, x)
    assert len(threaded) == 2


@pytest.mark.parametrize("kind", ["transposed", "fortran", "strided"])
def test_non_contiguous_binary_inputs(threaded, kind):
    x = _layout(_values([N, H, W, C], np.float32, 1), kind)
    y = _values([N, H, W, C], np.float32, 2)
    for a, b in ((x, _layout(y, kind)), (x, y[0, 0, 0]), (x, y[:, :1, :1])):
        with np.errstate(all="ignore"):
            _same(elementwise.apply(np.multiply, (a, b)), np.multiply(a, b))
    # Inputs disagreeing on the order of axes, or running backwards: the plain call.
    for a, b in ((_layout(y, "transposed"), y), (_layout(y, "reversed"), y)):
        n = len(threaded)
        _same(elementwise.apply(np.add, (a, b)), np.add(a, b))
        assert len(threaded) == n


def _broadcast_views(dtype, seed):
    """Inputs of shape [N, H, W, C] that are broadcast views (zero strides): of a scalar
    (special values included), along some axes, along the innermost axis only."""
    y = _values([N, H, W, C], dtype, seed)
    shape = (N, H, W, C)
    scalars = [y.reshape(-1)[i] for i in (0, 3, 4, 8)]  # nan, 0, -0 and a plain value
    return ([np.broadcast_to(v, shape) for v in scalars]
            + [np.broadcast_to(y[:, :1], shape), np.broadcast_to(y[:1, :, :1], shape),
               np.broadcast_to(y[..., :1], shape), np.broadcast_to(y[:1, :1, :, :1], shape),
               np.broadcast_to(_layout(y, "transposed")[:, :1], shape)])


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcast_view_inputs_match_numpy(threaded, fn, dtype):
    views = _broadcast_views(dtype, 1)
    full = _values([N, H, W, C], dtype, 2)
    others = [full, _layout(full, "fortran"), _values([C], dtype, 3), dtype(0.75)]
    others += _broadcast_views(dtype, 4)[3::2]
    with np.errstate(all="ignore"):
        for i, v in enumerate(views):
            for other in others:
                for a, b in ((v, other), (other, v)):
                    n = len(threaded)
                    _same(elementwise.apply(fn, (a, b)), fn(a, b))
                    # Split unless the layout is not clear-cut (a view of transposed
                    # memory, a partial view against a Fortran-ordered array).
                    if i < 4 or other is full and i < len(views) - 1:
                        assert len(threaded) > n


@pytest.mark.parametrize("fn", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_calls_with_broadcast_views_match_numpy(monkeypatch, fn, dtype):
    # Below the threshold, a result broadcast along the innermost axis is worked out
    # once and copied out on the calling thread: bit for bit NumPy's, same layout.
    smalls = []
    compute = elementwise._apply_broadcast

    def counting(*args):
        smalls.append(1)
        return compute(*args)
    monkeypatch.setattr(elementwise, "_apply_broadcast", counting)
    views = _broadcast_views(dtype, 6)
    full = _values([N, H, W, C], dtype, 7)
    others = [full, _layout(full, "fortran"), _values([C], dtype, 8), dtype(0.75)]
    others += views[3::2]
    with np.errstate(all="ignore"):
        for v in views:
            for other in others:
                for a, b in ((v, other), (other, v)):
                    got = elementwise.apply(fn, (a, b))
                    _same(got, fn(a, b))
                    assert got is not a and got is not b
        for v in views:
            _same(elementwise.apply(np.sqrt, (v,)), np.sqrt(v))
    assert smalls


def test_mean_gradient_of_a_small_tensor_is_one_value_copied_out(monkeypatch):
    # The gradient of reduce_mean over a small tensor: a broadcast scalar divided by
    # the count, worked out once (see `_apply_broadcast`), equal to TF1's values.
    smalls = []
    compute = elementwise._apply_broadcast
    monkeypatch.setattr(elementwise, "_apply_broadcast",
                        lambda *args: smalls.append(1) or compute(*args))
    x = mg.placeholder(mg.float32, [None, H, W, C])  # unknown batch: nothing folds
    (g,) = mg.gradients(mg.reduce_mean(x), [x])
    got = evaluate(g, {x: np.ones([N, H, W, C], np.float32)})
    np.testing.assert_array_equal(got, np.full([N, H, W, C], 1.0 / (N * H * W * C), np.float32))
    assert smalls, "the gradient's division did not take the once-and-copy path"


@pytest.mark.parametrize("fn", UNARY, ids=lambda f: f.__name__)
def test_unary_broadcast_views_match_numpy(threaded, fn):
    for dtype in (np.float32, np.float64):
        for v in _broadcast_views(dtype, 5):
            with np.errstate(all="ignore"):
                _same(elementwise.apply(fn, (v,)), fn(v))
    assert len(threaded) == 2 * 8  # all but the view of transposed memory


def test_results_broadcast_along_the_innermost_axis_are_computed_once(threaded):
    x = _values([N, H, W, C], np.float32)
    seen = []

    def divide(a, b, out=None):
        seen.append(np.size(out) if out is not None else np.broadcast(a, b).size)
        return np.true_divide(a, b, out=out)
    got = elementwise.apply(divide, (np.broadcast_to(x[..., :1], x.shape), np.float32(3)))
    _same(got, x[..., :1] / np.float32(3) + np.zeros_like(x))
    assert sum(seen) == N * H * W  # one division per row of the input
    seen.clear()
    got = elementwise.apply(divide, (np.broadcast_to(x[:, :1], x.shape), np.float32(3)))
    _same(got, np.broadcast_to(x[:, :1], x.shape) / np.float32(3))
    assert sum(seen) == x.size  # varying along the innermost axis: one split call


def test_activations_and_scalar_operands(threaded):
    for dtype in (np.float32, np.float64, np.int32):
        x = _values([N, H, W, C], dtype)
        t = x.dtype.type
        _same(elementwise.apply(np.maximum, (x, t(0))), np.maximum(x, t(0)))
        _same(elementwise.apply(np.clip, (x, t(0), t(6))), np.clip(x, t(0), t(6)))
    x = _values([N, H, W, C], np.float32)
    g = _values([N, H, W, C], np.float32, 3)
    with np.errstate(all="ignore"):
        _same(elementwise.apply(nn_activations._relu_grad, (g, x)), g * (x > 0).astype(g.dtype))
        _same(elementwise.apply(np.logaddexp, (np.float32(0), x)), np.logaddexp(np.float32(0), x))


def test_empty_zero_d_and_small_outputs_take_the_plain_call(threaded):
    _same(elementwise.apply(np.add, (np.ones((0, 300)), np.ones(300))),
          np.add(np.ones((0, 300)), np.ones(300)))
    _same(elementwise.apply(np.multiply, (np.array(2.0, np.float32), np.float32(3))),
          np.asarray(np.multiply(np.array(2.0, np.float32), np.float32(3))))
    _same(elementwise.apply(np.square, (np.arange(255.0),)), np.square(np.arange(255.0)))
    two, one = np.array(2.0, np.float32), np.array(1.0, np.float32)
    _same(elementwise.apply(nn_math._squared_difference, (two, one)), np.array(1.0, np.float32))
    _same(elementwise.apply(unary_ops._rsqrt, (two,)), np.asarray(np.float32(1) / np.sqrt(two)))
    # Judged by the largest input: an outer product of small inputs is not split.
    x, y = np.arange(100.0).reshape(100, 1), np.arange(100.0)
    _same(elementwise.apply(np.multiply, (x, y)), np.multiply(x, y))
    assert threaded == []


def test_result_is_fresh_and_recycled_buffers_do_not_alias(threaded):
    x = _values([N, H, W, C], np.float32)
    keep = x.copy()
    out = elementwise.apply(np.abs, (x,))
    assert not np.shares_memory(out, x)
    np.testing.assert_array_equal(x, keep)  # inputs are never written
    for _ in range(3):  # a buffer of the same size comes back from the pool
        other = elementwise.apply(np.negative, (x,))
        assert not np.shares_memory(other, out)
        np.testing.assert_array_equal(out, np.abs(keep))


def test_errors_and_error_state_reach_the_worker_threads(threaded):
    x = _values([N, H, W, C], np.float64)
    zero = np.zeros_like(x)
    with pytest.raises(FloatingPointError):
        with np.errstate(divide="raise"):
            elementwise.apply(np.true_divide, (x, zero))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            elementwise.apply(np.true_divide, (x, zero))
    ints = _values([N, H, W, C], np.int32)
    with pytest.raises(ValueError, match="negative integer powers"):
        elementwise.apply(np.power, (ints, np.int32(-1)))


def test_run_parallel_runs_every_part_once_and_raises_the_first_error():
    seen = []
    _blas.run_parallel([functools.partial(seen.append, i) for i in range(50)], 3)
    assert sorted(seen) == list(range(50))

    def fail():
        raise KeyError("part failed")
    with pytest.raises(KeyError, match="part failed"):
        _blas.run_parallel([fail] + [functools.partial(seen.append, 0)] * 5, 2)


# -- sums -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axes", [(0, 1, 2, 3), (0, 1, 2), (0,), (0, 2), (1, 2), (3,), ()])
@pytest.mark.parametrize("keep", [False, True])
def test_reduce_sum_matches_numpy(threaded, axes, keep):
    for dtype in (np.float32, np.float64, np.int32):
        x = _values([N, H, W, C], dtype)
        if dtype != np.int32:
            x = np.abs(np.nan_to_num(x, nan=1.0, posinf=1.0, neginf=1.0, copy=False))
        got = elementwise.reduce_sum(x, axes, keep, x.dtype)
        want = np.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)
        assert np.asarray(got).dtype == want.dtype and np.shape(got) == want.shape
        if dtype == np.int32:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-13)
    # Threaded exactly when the leading axis is reduced.
    assert len(threaded) == (3 if 0 in axes else 0)


def test_reduce_sum_batch_of_one_and_transposed_input(threaded):
    x = _values([1, 40, 9, 5], np.float64)
    np.testing.assert_allclose(elementwise.reduce_sum(x, (0, 1, 2), False, x.dtype),
                               x.sum(axis=(0, 1, 2)), rtol=1e-13)
    t = _layout(_values([N, H, W, C], np.float64), "transposed")
    np.testing.assert_allclose(elementwise.reduce_sum(t, (0, 1, 2, 3), True, t.dtype),
                               t.sum(keepdims=True), rtol=1e-13)
    assert len(threaded) == 2


def test_float32_sum_of_a_large_tensor_is_accurate():
    x = np.random.RandomState(0).rand(*_large([16, 64, 64, 32])).astype(np.float32)
    ref = x.astype(np.float64).sum()
    got = elementwise.reduce_sum(x, (0, 1, 2, 3), False, np.float32)
    assert got.dtype == np.float32
    assert abs(float(got) - ref) <= 1e-6 * ref


# -- through a session (real threshold) -----------------------------------------------------------
def _large(shape):
    assert np.prod(shape) >= elementwise.MIN_PARALLEL_SIZE
    return shape


def test_session_ops_on_large_tensors_match_numpy():
    shape = _large([8, 64, 64, 65])
    a = _values(shape, np.float32, 1)
    b = _values(shape, np.float32, 2)
    c = _values([65], np.float32, 3)
    x = mg.placeholder(mg.float32, shape)
    y = mg.placeholder(mg.float32, shape)
    fetches = [mg.square(x), x * y, x / 3.0, x + c, mg.maximum(x, y), mg.nn.relu(x),
               mg.nn.relu6(x), mg.squared_difference(x, y), mg.less(x, y), mg.abs(x),
               mg.reduce_mean(mg.abs(y)), mg.reduce_sum(y, [0, 1, 2])]
    with np.errstate(all="ignore"):
        want = [np.square(a), a * b, a / np.float32(3), a + c, np.maximum(a, b),
                np.maximum(a, np.float32(0)), np.clip(a, np.float32(0), np.float32(6)),
                (a - b) * (a - b), a < b, np.abs(a),
                np.sum(np.abs(b), dtype=np.float32) / np.float32(b.size),
                np.sum(b, axis=(0, 1, 2), dtype=np.float64)]
    for feed in ({x: a, y: b}, {x: _layout(a, "transposed"), y: _layout(b, "strided")}):
        got = evaluate(fetches, feed)
        for g, w in zip(got[:10], want[:10]):
            assert g.dtype == w.dtype
            assert np.ascontiguousarray(g).tobytes() == np.ascontiguousarray(w).tobytes()
        np.testing.assert_allclose(got[10], want[10], rtol=1e-6)
        np.testing.assert_allclose(got[11], want[11], rtol=1e-5, atol=1e-3)  # float32 sums
        for g in got:
            assert not any(np.shares_memory(g, v) for v in feed.values())


def test_session_broadcast_to_and_reduce_mean_gradient_match_numpy():
    shape = _large([8, 64, 64, 65])
    a = _values(shape, np.float32, 1)
    s = mg.placeholder(mg.float32, [])
    x = mg.placeholder(mg.float32, shape)
    v = mg.placeholder(mg.float32, [8, 1, 64, 65])
    grad = mg.gradients(mg.reduce_mean(mg.square(x)), x)[0]
    fetches = [mg.broadcast_to(s, shape) / 3.0, 3.0 / mg.broadcast_to(s, shape),
               mg.broadcast_to(v, shape) * x, x - mg.broadcast_to(v, shape), grad]
    got = evaluate(fetches, {s: np.float32(5), x: a, v: a[:, :1]})
    five, three, vb = np.float32(5), np.float32(3), np.broadcast_to(a[:, :1], shape)
    with np.errstate(all="ignore"):
        want = [np.broadcast_to(five, shape) / three, three / np.broadcast_to(five, shape),
                vb * a, a - vb,
                np.broadcast_to(np.float32(1) / np.float32(a.size), shape) * (np.float32(2) * a)]
    for g, w in zip(got, want):
        _same(g, w)


def test_session_int32_and_mean_dtypes():
    shape = _large([8, 512, 520])
    a = _values(shape, np.int32, 1)
    x = mg.placeholder(mg.int32, shape)
    got = evaluate([mg.square(x), x * 3, mg.reduce_sum(x), mg.reduce_mean(x, [0, 1]),
                    mg.reduce_mean(mg.cast(x, mg.float16))], {x: a})
    np.testing.assert_array_equal(got[0], np.square(a))
    np.testing.assert_array_equal(got[1], a * np.int32(3))
    assert got[2].dtype == np.int32 and got[2] == a.sum(dtype=np.int32)
    s = a.sum(axis=(0, 1), dtype=np.int64)
    np.testing.assert_array_equal(got[3], (np.sign(s) * (np.abs(s) // 4096)).astype(np.int32))
    assert got[4].dtype == np.float16
    np.testing.assert_allclose(got[4], a.mean(), rtol=1e-3)


def test_thread_count_follows_numba_without_importing_it(monkeypatch):
    monkeypatch.setenv("NUMBA_NUM_THREADS", "3")
    assert elementwise._default_threads() == 3
    monkeypatch.delenv("NUMBA_NUM_THREADS")
    assert elementwise._default_threads() == len(os.sched_getaffinity(0))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, numpy as np, minigraph as mg\n"
            "x = mg.placeholder(mg.float32, [2048, 1025])\n"
            "with mg.Session() as s:\n"
            "    s.run([mg.square(x), mg.reduce_mean(x)], {x: np.ones((2048, 1025), np.float32)})\n"
            "assert 'numba' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root),
                         cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_outputs_come_from_the_buffer_pool():
    x = np.ones(_large([2048, 1025]), np.float32)
    out = elementwise.apply(np.square, (x,))
    base = out
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, _alloc._Lease)
