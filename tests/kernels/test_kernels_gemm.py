"""kernels/gemm.py: the register-blocked product, against a float64 NumPy product, its
epilogue against the scalar one (NaN and signed zeros too), and the fused separable
forward pass that uses it against the unfused kernels."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigraph.ops.kernels import _alloc, bias as bias_kernel, conv, depthwise, fused, gemm, simd
from tests.kernels import refs

pytestmark = pytest.mark.skipif(not simd.available(), reason="SIMD kernels need numba's JIT")

ACTS = {0: lambda v: v, 1: lambda v: np.maximum(v, 0), 2: lambda v: np.clip(v, 0, 6)}


def _aligned(rng, shape, dtype, lo=-2.0, hi=2.0):
    out = _alloc.aligned(shape, dtype)
    out[...] = rng.uniform(lo, hi, shape)
    return out


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 70), blocks=st.integers(1, 3),
       dtype=st.sampled_from([np.float32, np.float64]), act=st.sampled_from([0, 1, 2]),
       use_bias=st.booleans(), stream=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_product_against_numpy(m, k, blocks, dtype, act, use_bias, stream, seed):
    # Rows in blocks of six and the rest one by one (m from 1 to 40), columns in blocks
    # of two vectors, k from 1; every epilogue, cached or streamed stores.
    rng = np.random.RandomState(seed)
    n = blocks * 2 * simd.lanes(np.dtype(dtype))
    a = _aligned(rng, (m, k), dtype)
    b = _aligned(rng, (k, n), dtype)
    bias = rng.uniform(-4, 4, n).astype(dtype) if use_bias else None
    out = _alloc.aligned((m, n), dtype)
    out[...] = np.nan
    assert gemm.usable(a, b, out)
    gemm.product(a, b, out, bias, act, stream)
    want = a.astype(np.float64) @ b.astype(np.float64) + (0 if bias is None else bias)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, ACTS[act](want), rtol=tol, atol=tol * k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", [0, 1, 2])
@pytest.mark.parametrize("stream", [False, True])
def test_epilogue_in_registers_equals_scalar_epilogue(dtype, act, stream):
    # Bias then activation on the register block: bit for bit the scalar epilogue of
    # the fused kernels, with NaN, infinities and signed zeros in the sums.
    rng = np.random.RandomState(3)
    n = 4 * simd.lanes(np.dtype(dtype))
    a = _aligned(rng, (13, 5), dtype, -8, 8)
    a[2, 1] = np.nan
    a[4] = 0.0
    a[5, 0] = np.inf
    a[6, 0] = -np.inf
    b = _aligned(rng, (5, n), dtype)
    b[0, 7] = 0.0
    bias = rng.uniform(-1, 1, n).astype(dtype)
    bias[3] = -0.0
    bias[4] = 6.0
    for use_bias in (False, True):
        got = _alloc.aligned((13, n), dtype)
        gemm.product(a, b, got, bias if use_bias else None, act, stream)
        want = _alloc.aligned((13, n), dtype)
        gemm.product(a, b, want)
        fused._epilogue(want, bias if use_bias else np.zeros(0, dtype), use_bias, act)
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
        assert np.isnan(got[2]).any() and (act != 0 or np.isinf(got[5]).any())


def test_sums_in_increasing_k():
    # Each output element adds its k terms in order, one rounding each (FMA): a term
    # too small to change the running sum is lost exactly as in the sequential sum.
    a = np.array([[1.0, 1e-8, 1e-8, -1.0]], np.float32)
    b = np.ones((4, 32), np.float32)
    out = np.empty((1, 32), np.float32)
    gemm.product(a, b, out)
    np.testing.assert_array_equal(out, np.zeros((1, 32), np.float32))


@settings(max_examples=40, deadline=None)
@given(m=st.sampled_from([1, 5, 31, 32, 33, 100, 1025, 2100]), p=st.integers(1, 20),
       blocks=st.integers(1, 2), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2 ** 16))
def test_product_tn_against_numpy(m, p, blocks, dtype, seed):
    # a.T @ b summed over m rows: passes of 32 rows, sums of 32 passes flushed into
    # the output (m = 1025 and 2100 cross a flush), the last pass short, output rows in
    # blocks of six and the rest one by one.
    rng = np.random.RandomState(seed)
    n = blocks * 2 * simd.lanes(np.dtype(dtype))
    a = _aligned(rng, (m, p), dtype)
    b = _aligned(rng, (m, n), dtype)
    out = np.full((p, n), np.nan, dtype)
    assert gemm.usable_tn(a, b, out)
    gemm.product_tn(a, b, out)
    want = a.T.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol * np.sqrt(m))


def test_product_tn_long_sums_stay_accurate():
    # 100k rows of float32: two-level sums keep the error near the data's rounding.
    rng = np.random.RandomState(7)
    a = rng.uniform(-0.5, 0.5, (100003, 12)).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, (100003, 32)).astype(np.float32)
    out = np.empty((12, 32), np.float32)
    gemm.product_tn(a, b, out)
    want = a.T.astype(np.float64) @ b.astype(np.float64)
    assert np.abs(out - want).max() < 1e-4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_product_without_bias_adds_nothing(dtype):
    # Without a bias the kernel adds -0.0, which changes no value: exact integer sums,
    # +0 where they cancel, NaN and infinities through, as NumPy's product gives them.
    rng = np.random.RandomState(9)
    n = 2 * simd.lanes(np.dtype(dtype))
    a = rng.randint(-3, 4, (9, 7)).astype(dtype)
    b = rng.randint(-3, 4, (7, n)).astype(dtype)
    a[1] = 0.0
    a[2, 0] = np.nan
    a[3, 0] = np.inf
    out = np.empty((9, n), dtype)
    gemm.product(a, b, out)
    with np.errstate(invalid="ignore"):  # inf * 0 in the reference
        want = a @ b
    np.testing.assert_array_equal(out, want)
    assert np.array_equal(np.signbit(out), np.signbit(want)) and not np.signbit(out[1]).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_aligned_zeros(dtype):
    # Scratch of the compiled kernels (depthwise rings and strips, product_tn's partial
    # sums): zeroed, of the shape and dtype asked, starting at a vector boundary every
    # time (numba's own arrays start at 32 bytes, half of them between two lines).
    like = np.zeros(1, dtype)
    for rows, cols in [(1, 1), (3, 5), (4, 58 * 16), (1, 16384)]:
        for _ in range(20):
            z = simd.aligned_zeros(rows, cols, like)
            assert z.shape == (rows, cols) and z.dtype == dtype and z.flags.c_contiguous
            assert z.ctypes.data % simd.VECTOR_BYTES == 0
            assert not z.any()


def test_usable():
    f32 = np.zeros((10, 8), np.float32)
    b = np.zeros((8, 32), np.float32)
    out = np.zeros((10, 32), np.float32)
    assert gemm.usable(f32, b, out)
    assert not gemm.usable(f32, np.zeros((8, 33), np.float32), np.zeros((10, 33), np.float32))
    assert not gemm.usable(f32, b.astype(np.float64), out)
    assert not gemm.usable(f32.astype(np.int32), b.astype(np.int32), out.astype(np.int32))
    assert not gemm.usable(np.zeros((10, 16), np.float32)[:, ::2], b, out)
    assert not gemm.usable(f32, np.zeros((8, 64), np.float32)[:, ::2], out)
    big = np.zeros((2048, 64), np.float32)  # 512 KB: beyond what stays in L2 with A
    assert not gemm.usable(np.zeros((10, 2048), np.float32), big, np.zeros((10, 64), np.float32))
    rows = np.zeros((100, 8), np.float32)
    assert gemm.usable_tn(rows, np.zeros((100, 32), np.float32), np.zeros((8, 32), np.float32))
    assert not gemm.usable_tn(rows, np.zeros((100, 48), np.float32), np.zeros((8, 48), np.float32))
    assert not gemm.usable_tn(rows, np.zeros((99, 32), np.float32), np.zeros((8, 32), np.float32))
    assert not gemm.usable_tn(rows[:0], np.zeros((0, 32), np.float32), np.zeros((8, 32), np.float32))
    assert not gemm.usable_tn(np.zeros((100, 2048), np.float32), np.zeros((100, 64), np.float32),
                              big)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", [None, "Relu"])
@pytest.mark.parametrize("strides", [(1, 1), (2, 2), (1, 2)])
def test_separable_forward_with_the_register_kernel(monkeypatch, dtype, act, strides):
    # C*M and F whole vectors, so the fused forward pass multiplies each depthwise tile
    # with `gemm` and writes the output from registers; small tiles, and the output
    # streamed too. Equal to the unfused kernels within the product's rounding (they
    # multiply with OpenBLAS), and to a NumPy reference.
    lanes = simd.lanes(np.dtype(dtype))
    c, mult, f = lanes, 2, 2 * lanes
    rng = np.random.RandomState(4)
    x = rng.uniform(-1, 1, (2, 9, 11, c)).astype(dtype)
    fd = rng.uniform(-1, 1, (3, 3, c, mult)).astype(dtype)
    fp = rng.uniform(-1, 1, (1, 1, c * mult, f)).astype(dtype)
    b = rng.uniform(-1, 1, f).astype(dtype)
    oh, pt, _ = refs.tf_padding(9, 3, strides[0], 1, "SAME")
    ow, pl, _ = refs.tf_padding(11, 3, strides[1], 1, "SAME")
    assert gemm.fits(np.ascontiguousarray(fp.reshape(c * mult, f)), np.empty((4, f), dtype))
    monkeypatch.setattr(fused, "_TILE_BYTES", 4096)
    calls = []
    product = gemm.product
    monkeypatch.setattr(gemm, "product", lambda *args, **kw: calls.append(1) or product(*args, **kw))
    d = depthwise.forward(x, fd, strides, (1, 1), (pt, pl), (oh, ow))
    y = bias_kernel.bias_add(conv.forward(d, fp, (1, 1), (1, 1), (0, 0), (oh, ow)), b, 3)
    if act == "Relu":
        y = np.maximum(y, 0)
    want = refs.depthwise(x, fd, strides, (1, 1), "SAME") @ fp.reshape(c * mult, f) + b
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for limit in (1 << 60, 0):  # cached, then streamed stores
        monkeypatch.setattr(gemm, "_STREAM_BYTES", limit)
        got, dw = fused.separable_forward(x, fd, fp, strides, (1, 1), (pt, pl), (oh, ow),
                                          bias=b, act=act, keep_depthwise=True)
        assert calls, "the fused pass did not use the register kernel"
        del calls[:]
        np.testing.assert_array_equal(dw, d)
        np.testing.assert_allclose(got, y, rtol=tol, atol=tol)
        np.testing.assert_allclose(got, ACTS[1 if act else 0](want), rtol=tol, atol=tol)
