"""Pool and bias kernels against naive NumPy references; kernels without the JIT."""
import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from minigraph.ops.kernels import bias, geometry, pool
from tests.kernels import refs

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def pool_cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(st.integers(1, 8)),
             draw(st.integers(1, 40)))
    ksize = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and (shape[1] < ksize[0] or shape[2] < ksize[1]):
        padding = "SAME"
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return shape, ksize, strides, padding, dtype, draw(st.integers(0, 2**31 - 1))


@SETTINGS
@given(pool_cases())
def test_pool_kernels_match_reference(case):
    shape, ksize, strides, padding, dt, seed = case
    rs = np.random.RandomState(seed)
    # Distinct values, so the max of each window is unique except where we force ties.
    x = rs.permutation(np.prod(shape)).reshape(shape).astype(dt) / 7
    if shape[2] > 1:
        x[:, :, 1] = x[:, :, 0]  # ties: the first max in the window gets the gradient
    out_hw, pads = geometry.conv_geometry(shape[1:3], ksize, strides, (1, 1), padding)
    y = pool.max_pool(x, ksize, strides, pads, out_hw)
    assert y.dtype == dt
    np.testing.assert_array_equal(y, refs.max_pool(x, ksize, strides, padding))
    dy = rs.uniform(-1, 1, y.shape).astype(dt)
    np.testing.assert_allclose(pool.max_pool_grad(x, dy, ksize, strides, pads),
                               refs.max_pool_grad(x, dy, ksize, strides, padding),
                               rtol=1e-6, atol=1e-6)
    a = pool.avg_pool(x, ksize, strides, pads, out_hw)
    assert a.dtype == dt
    np.testing.assert_allclose(a, refs.avg_pool(x, ksize, strides, padding), rtol=1e-6)
    np.testing.assert_allclose(pool.avg_pool_grad(x.shape, dy, ksize, strides, pads),
                               refs.avg_pool_grad(x.shape, dy, ksize, strides, padding),
                               rtol=1e-6, atol=1e-6)


def test_bias_kernels_last_and_middle_axis():
    rs = np.random.RandomState(0)
    for dt in (np.float32, np.float64):
        x = rs.rand(3, 4, 5, 6).astype(dt)
        b = rs.rand(6).astype(dt)
        np.testing.assert_allclose(bias.bias_add(x, b, 3), x + b, rtol=1e-7)
        np.testing.assert_allclose(bias.bias_add_grad(x, 3), x.sum((0, 1, 2)), rtol=1e-6)
        b4 = b[:4]
        np.testing.assert_allclose(bias.bias_add(x, b4, 1), x + b4[:, None, None], rtol=1e-7)
        np.testing.assert_allclose(bias.bias_add_grad(x, 1), x.sum((0, 2, 3)), rtol=1e-6)
        assert bias.bias_add_grad(x, 1).dtype == dt


def test_bias_grad_last_axis_uneven_parts_and_row_remainders():
    # Rows in fours within blocks of 32 per part: row counts off both, parts of unequal
    # (or no) rows, channel counts off the vector width.
    rs = np.random.RandomState(3)
    for rows, c in ((1, 5), (7, 1), (33, 17), (130, 128), (1001, 3)):
        for dt in (np.float32, np.float64):
            g = rs.randn(rows, c).astype(dt)
            for n_parts in (1, 2, 3):
                parts = np.zeros((n_parts, c))
                bias._grad_last(g, parts)
                np.testing.assert_allclose(parts.sum(axis=0), g.sum(axis=0, dtype=np.float64),
                                           rtol=1e-6, atol=1e-5)


def test_large_float32_bias_gradient_sums_accurately():
    # 65536 rows per channel: one float32 running sum (as np.sum over these axes does)
    # drifts by ~1e-5 relative; float32 blocks flushed into float64 stay within 1e-7.
    x = np.random.RandomState(4).rand(16, 64, 64, 32).astype(np.float32)
    got = bias.bias_add_grad(x, 3)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, x.sum(axis=(0, 1, 2), dtype=np.float64), rtol=2e-7)


def test_large_outputs_come_from_the_buffer_pool_and_stay_correct():
    from minigraph.ops.kernels import _alloc
    x = np.random.RandomState(0).rand(4, 64, 64, 32).astype(np.float32)  # 2 MB
    b = np.arange(32, dtype=np.float32)
    first = bias.bias_add(x, b, 3)
    addr = first.ctypes.data
    assert addr % 64 == 0
    del first
    again = bias.bias_add(x, b, 3)
    assert again.ctypes.data == addr  # recycled, no fresh page faults
    view = again[1:]
    del again
    other = bias.bias_add(x, b, 3)
    assert other.ctypes.data != addr  # a live view keeps its buffer out of the pool
    np.testing.assert_array_equal(view, (x + b)[1:])
    _alloc.clear()


_NO_JIT_SCRIPT = r"""
import numpy as np
from minigraph.ops.kernels import bias, conv, depthwise, geometry, pool
from tests.kernels import refs
rs = np.random.RandomState(0)
x = rs.rand(1, 5, 4, 3)
f = rs.rand(3, 2, 3, 2)
w = rs.rand(3, 2, 3, 4)
for strides in [(1, 1), (2, 1)]:
    hw, pads = geometry.conv_geometry((5, 4), (3, 2), strides, (1, 1), "SAME")
    y = depthwise.forward(x, f, strides, (1, 1), pads, hw)
    assert np.allclose(y, refs.depthwise(x, f, strides, (1, 1), "SAME"))
    dy = rs.rand(*y.shape)
    assert np.allclose(depthwise.backprop_input(dy, f, x.shape, strides, (1, 1), pads),
                       refs.depthwise_backprop_input(x.shape, f, dy, strides, (1, 1), "SAME"))
    assert np.allclose(depthwise.backprop_filter(x, dy, f.shape, strides, (1, 1), pads),
                       refs.depthwise_backprop_filter(x, f.shape, dy, strides, (1, 1), "SAME"))
    f1 = f[..., :1].copy()
    y1 = depthwise.forward(x, f1, strides, (1, 1), pads, hw)
    assert np.allclose(y1, refs.depthwise(x, f1, strides, (1, 1), "SAME"))
    dy1 = rs.rand(*y1.shape)
    assert np.allclose(depthwise.backprop_input(dy1, f1, x.shape, strides, (1, 1), pads),
                       refs.depthwise_backprop_input(x.shape, f1, dy1, strides, (1, 1), "SAME"))
    assert np.allclose(depthwise.backprop_filter(x, dy1, f1.shape, strides, (1, 1), pads),
                       refs.depthwise_backprop_filter(x, f1.shape, dy1, strides, (1, 1), "SAME"))
    y = conv.forward(x, w, strides, (1, 1), pads, hw)
    assert np.allclose(y, refs.conv2d(x, w, strides, (1, 1), "SAME"))
    dy = rs.rand(*y.shape)
    assert np.allclose(conv.backprop_input(dy, w, x.shape, strides, (1, 1), pads),
                       refs.conv2d_backprop_input(x.shape, w, dy, strides, (1, 1), "SAME"))
    assert np.allclose(conv.backprop_filter(x, dy, w.shape, strides, (1, 1), pads),
                       refs.conv2d_backprop_filter(x, w.shape, dy, strides, (1, 1), "SAME"))
    hw, pads = geometry.conv_geometry((5, 4), (2, 2), strides, (1, 1), "SAME")
    assert np.allclose(pool.max_pool(x, (2, 2), strides, pads, hw), refs.max_pool(x, (2, 2), strides, "SAME"))
    dy = rs.rand(1, hw[0], hw[1], 3)
    assert np.allclose(pool.max_pool_grad(x, dy, (2, 2), strides, pads),
                       refs.max_pool_grad(x, dy, (2, 2), strides, "SAME"))
    assert np.allclose(pool.avg_pool(x, (2, 2), strides, pads, hw), refs.avg_pool(x, (2, 2), strides, "SAME"))
    assert np.allclose(pool.avg_pool_grad(x.shape, dy, (2, 2), strides, pads),
                       refs.avg_pool_grad(x.shape, dy, (2, 2), strides, "SAME"))
assert np.allclose(bias.bias_add(x, x[0, 0, 0], 3), x + x[0, 0, 0])
assert np.allclose(bias.bias_add_grad(x, 1), x.sum((0, 2, 3)))
print("ok")
"""


def test_kernels_run_as_plain_python_without_the_jit():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", _NO_JIT_SCRIPT], env=env, cwd=root,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_minigraph_does_not_import_numba():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, minigraph as mg\n"
            "x = mg.placeholder(mg.float32, [1, 4, 4, 2])\n"
            "mg.nn.separable_conv2d(x, [[[[1.0], [1.0]]]], [[[[1.0], [1.0]]]], [1, 1, 1, 1], 'SAME')\n"
            "mg.nn.max_pool(x, 2, 2, 'SAME')\n"
            "assert 'numba' not in sys.modules, 'building conv/pool graphs must not import numba'\n")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root),
                         cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
