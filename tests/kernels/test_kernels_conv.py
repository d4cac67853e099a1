"""Conv/depthwise kernels (forward and both backprops) against naive NumPy references.

Shapes, filter sizes, strides (equal and unequal), dilations, paddings, multipliers and
dtypes come from hypothesis; arrays are always C-contiguous float32/float64, so each
kernel compiles just two specializations.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigraph.ops.kernels import conv, depthwise, geometry
from tests.kernels import refs

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def conv_cases(draw, max_mult=3):
    n = draw(st.integers(1, 2))
    h = draw(st.integers(1, 9))
    w = draw(st.integers(1, 9))
    c = draw(st.integers(1, 5))
    kh = draw(st.integers(1, 4))
    kw = draw(st.integers(1, 4))
    if draw(st.booleans()):
        strides, dilations = (1, 1), (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    else:
        strides, dilations = (draw(st.integers(1, 3)), draw(st.integers(1, 3))), (1, 1)
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and (h < (kh - 1) * dilations[0] + 1 or w < (kw - 1) * dilations[1] + 1):
        padding = "SAME"
    mult = draw(st.integers(1, max_mult))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**31 - 1))
    return dict(shape=(n, h, w, c), k=(kh, kw), strides=strides, dilations=dilations,
                padding=padding, mult=mult, dtype=dtype, seed=seed)


def _geom(case):
    _, h, w, _ = case["shape"]
    return geometry.conv_geometry((h, w), case["k"], case["strides"], case["dilations"],
                                  case["padding"])


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


@SETTINGS
@given(conv_cases())
def test_depthwise_kernels_match_reference(case):
    rs = np.random.RandomState(case["seed"])
    dt, s, d, p = case["dtype"], case["strides"], case["dilations"], case["padding"]
    x = rs.uniform(-1, 1, case["shape"]).astype(dt)
    f = rs.uniform(-1, 1, case["k"] + (case["shape"][3], case["mult"])).astype(dt)
    out_hw, pads = _geom(case)
    y = depthwise.forward(x, f, s, d, pads, out_hw)
    assert y.dtype == dt and y.flags.c_contiguous
    np.testing.assert_allclose(y, refs.depthwise(x, f, s, d, p), **_tol(dt))

    dy = rs.uniform(-1, 1, y.shape).astype(dt)
    dx = depthwise.backprop_input(dy, f, x.shape, s, d, pads)
    assert dx.dtype == dt and dx.shape == x.shape
    np.testing.assert_allclose(dx, refs.depthwise_backprop_input(x.shape, f, dy, s, d, p), **_tol(dt))
    df = depthwise.backprop_filter(x, dy, f.shape, s, d, pads)
    assert df.dtype == dt and df.shape == f.shape
    np.testing.assert_allclose(df, refs.depthwise_backprop_filter(x, f.shape, dy, s, d, p), **_tol(dt))


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 12), st.integers(1, 12), st.integers(1, 40),
       st.sampled_from([((1, 1), (1, 1)), ((2, 1), (1, 1)), ((3, 1), (1, 1)), ((1, 1), (2, 1)),
                        ((1, 1), (1, 3)), ((1, 1), (2, 2))]),
       st.sampled_from(["SAME", "VALID"]), st.sampled_from([np.float32, np.float64]),
       st.integers(1, 2))
def test_depthwise_3x3_row_pairs_match_reference(n, h, w, c, geom, padding, dt, mult):
    # 3x3 filters with a column stride of 1 take the paired-rows interior kernel for rows
    # whose taps are all inside the image, per-pixel code for the edge columns, and the
    # generic rows elsewhere: every mix of those, odd row counts (an unpaired last row)
    # and channel counts that are no multiple of the vector width.
    (s, d) = geom
    if padding == "VALID" and (h < 2 * d[0] + 1 or w < 2 * d[1] + 1):
        padding = "SAME"
    rs = np.random.RandomState(h * 100 + w * 10 + c)
    x = rs.uniform(-1, 1, (n, h, w, c)).astype(dt)
    f = rs.uniform(-1, 1, (3, 3, c, mult)).astype(dt)
    out_hw, pads = geometry.conv_geometry((h, w), (3, 3), s, d, padding)
    y = depthwise.forward(x, f, s, d, pads, out_hw)
    np.testing.assert_allclose(y, refs.depthwise(x, f, s, d, padding), **_tol(dt))
    for r0, r1 in [(0, n * out_hw[0]), (1, n * out_hw[0]), (0, 1)]:
        if r1 > r0:
            buf = np.full(((r1 - r0) * out_hw[1], c * mult), np.nan, dt)
            depthwise.row_producer(x, f, s, d, pads, out_hw)(r0, r1, buf)
            np.testing.assert_array_equal(buf, y.reshape(-1, c * mult)[r0 * out_hw[1]:r1 * out_hw[1]])
    if s == (1, 1):
        dy = rs.uniform(-1, 1, y.shape).astype(dt)
        dx = depthwise.backprop_input(dy, f, x.shape, s, d, pads)
        np.testing.assert_allclose(dx, refs.depthwise_backprop_input(x.shape, f, dy, s, d, padding),
                                   **_tol(dt))


@SETTINGS
@given(conv_cases(max_mult=4))
def test_conv_kernels_match_reference(case):
    rs = np.random.RandomState(case["seed"])
    dt, s, d, p = case["dtype"], case["strides"], case["dilations"], case["padding"]
    x = rs.uniform(-1, 1, case["shape"]).astype(dt)
    w = rs.uniform(-1, 1, case["k"] + (case["shape"][3], case["mult"])).astype(dt)
    out_hw, pads = _geom(case)
    y = conv.forward(x, w, s, d, pads, out_hw)
    assert y.dtype == dt and y.flags.c_contiguous
    np.testing.assert_allclose(y, refs.conv2d(x, w, s, d, p), **_tol(dt))

    dy = rs.uniform(-1, 1, y.shape).astype(dt)
    dx = conv.backprop_input(dy, w, x.shape, s, d, pads)
    assert dx.dtype == dt and dx.shape == x.shape
    np.testing.assert_allclose(dx, refs.conv2d_backprop_input(x.shape, w, dy, s, d, p), **_tol(dt))
    dw = conv.backprop_filter(x, dy, w.shape, s, d, pads)
    assert dw.dtype == dt and dw.shape == w.shape
    np.testing.assert_allclose(dw, refs.conv2d_backprop_filter(x, w.shape, dy, s, d, p), **_tol(dt))


def test_pointwise_conv_with_strides_uses_every_other_pixel():
    rs = np.random.RandomState(0)
    x = rs.rand(2, 5, 6, 3).astype(np.float32)
    w = rs.rand(1, 1, 3, 4).astype(np.float32)
    for padding in ("SAME", "VALID"):
        out_hw, pads = geometry.conv_geometry((5, 6), (1, 1), (2, 3), (1, 1), padding)
        y = conv.forward(x, w, (2, 3), (1, 1), pads, out_hw)
        np.testing.assert_allclose(y, refs.conv2d(x, w, (2, 3), (1, 1), padding), rtol=1e-5)
        dy = rs.rand(*y.shape).astype(np.float32)
        np.testing.assert_allclose(conv.backprop_input(dy, w, x.shape, (2, 3), (1, 1), pads),
                                   refs.conv2d_backprop_input(x.shape, w, dy, (2, 3), (1, 1), padding),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(conv.backprop_filter(x, dy, w.shape, (2, 3), (1, 1), pads),
                                   refs.conv2d_backprop_filter(x, w.shape, dy, (2, 3), (1, 1), padding),
                                   rtol=1e-5)


def test_large_float32_filter_gradient_sums_accurately():
    # 2 * 40 * 40 = 3200 pixels per filter entry: float64 partial sums keep it tight.
    rs = np.random.RandomState(1)
    x = rs.rand(2, 40, 40, 8).astype(np.float32)
    dy = rs.rand(2, 40, 40, 8).astype(np.float32)
    out_hw, pads = geometry.conv_geometry((40, 40), (3, 3), (1, 1), (1, 1), "SAME")
    df = depthwise.backprop_filter(x, dy, (3, 3, 8, 1), (1, 1), (1, 1), pads)
    ref = refs.depthwise_backprop_filter(x, (3, 3, 8, 1), dy, (1, 1), (1, 1), "SAME")
    np.testing.assert_allclose(df, ref, rtol=2e-7)


def test_geometry_follows_tf_padding_split():
    # SAME with an odd total puts the extra row/column after (bottom/right).
    assert geometry.output_size(5, 4, 1, 1, "SAME") == (5, 1, 2)
    assert geometry.output_size(7, 3, 2, 1, "SAME") == (4, 1, 1)
    assert geometry.output_size(6, 3, 2, 1, "SAME") == (3, 0, 1)
    assert geometry.output_size(9, 3, 1, 2, "VALID") == (5, 0, 0)
    assert geometry.output_size(None, 3, 1, 1, "SAME") == (None, None, None)


def test_blas_products_split_over_threads_match_numpy():
    from minigraph.ops.kernels import _blas
    rs = np.random.RandomState(2)
    for dt in (np.float32, np.float64):
        a, b = rs.rand(5001, 64).astype(dt), rs.rand(64, 33).astype(dt)
        out = np.empty((5001, 33), dt)
        np.testing.assert_allclose(_blas.matmul_into(a, b, out), a @ b, rtol=1e-5)
        c, d = rs.rand(20001, 16).astype(dt), rs.rand(20001, 17).astype(dt)
        got = _blas.matmul_tn(c, d, dt)
        assert got.dtype == dt
        np.testing.assert_allclose(got, c.T @ d, rtol=1e-5)
        small = _blas.matmul_tn(c[:10], d[:10], dt)
        np.testing.assert_allclose(small, c[:10].T @ d[:10], rtol=1e-5)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_matmul_into_streams_a_large_output(monkeypatch, dt):
    # A product whose output reaches the streaming size (a pointwise input gradient) is
    # written with non-temporal stores by every part, with the same values as cached
    # stores, and its rows split over the threads.
    from minigraph.ops.kernels import _alloc, _blas, gemm, simd
    rs = np.random.RandomState(4)
    a = rs.uniform(-1, 1, (4099, 40)).astype(dt)
    b = rs.uniform(-1, 1, (40, 64)).astype(dt)
    seen = []
    product = gemm.product
    monkeypatch.setattr(gemm, "product", lambda *args, **kw: seen.append(
        (args[0].shape[0], kw.get("stream", False))) or product(*args, **kw))
    monkeypatch.setattr(_blas, "_MIN_SPLIT_WORK", 1)
    outs = []
    for limit in (1 << 60, 0):
        monkeypatch.setattr(gemm, "_STREAM_BYTES", limit)
        out = _alloc.aligned((4099, 64), dt)
        outs.append(_blas.matmul_into(a, b, out).copy())
        streamed = limit == 0 and simd.available()
        assert seen and all(s == streamed for _, s in seen), seen
        assert sum(rows for rows, _ in seen) == 4099
        del seen[:]
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(outs[0], a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [3, 5, 2])
@pytest.mark.parametrize("dt,c", [(np.float32, 16), (np.float32, 48), (np.float64, 8),
                                  (np.float64, 24)])
@pytest.mark.parametrize("w,strides,dilations,padding", [
    (13, (1, 1), (1, 1), "SAME"), (9, (2, 1), (1, 1), "SAME"), (12, (1, 1), (2, 2), "SAME"),
    (6, (1, 1), (1, 3), "SAME"), (14, (2, 2), (1, 1), "SAME"), (11, (1, 2), (1, 1), "SAME"),
    (13, (3, 2), (1, 1), "VALID"), (10, (2, 3), (1, 1), "SAME")])
def test_depthwise_simd_path_matches_scalar_path(monkeypatch, k, dt, c, w, strides, dilations,
                                                 padding):
    # Channel counts that are a multiple of the vector width take the explicit-SIMD
    # interior kernels; they must give exactly the scalar kernels' values (same order of
    # additions, one FMA each), for odd widths (a partial group of four pixels) too, in
    # the forward pass and in the input gradient (the same kernels with mirrored taps).
    # With a column stride > 1 the scalar path is the pixel kernel.
    rs = np.random.RandomState(c + w + k)
    x = rs.uniform(-1, 1, (2, 9, w, c)).astype(dt)
    f = rs.uniform(-1, 1, (k, k, c, 1)).astype(dt)
    out_hw, pads = geometry.conv_geometry((9, w), (k, k), strides, dilations, padding)
    fast = depthwise.forward(x, f, strides, dilations, pads, out_hw)
    dy = rs.uniform(-1, 1, fast.shape).astype(dt)
    fast_dx = depthwise.backprop_input(dy, f, x.shape, (1, 1), dilations, pads) \
        if strides == (1, 1) else None
    fast_df = depthwise.backprop_filter(x, dy, f.shape, strides, dilations, pads)
    assert depthwise._vector_weights(f.reshape(k * k, c))[1]
    real = depthwise._vector_weights
    monkeypatch.setattr(depthwise, "_vector_weights", lambda f2: (real(f2)[0], False))
    monkeypatch.setattr(depthwise, "_simd_ok", lambda channels, dtype: False)
    slow = depthwise.forward(x, f, strides, dilations, pads, out_hw)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_allclose(fast, refs.depthwise(x, f, strides, dilations, padding), **_tol(dt))
    # The filter gradient sums in another order on each path: equal within rounding.
    np.testing.assert_allclose(
        fast_df, depthwise.backprop_filter(x, dy, f.shape, strides, dilations, pads), **_tol(dt))
    np.testing.assert_allclose(
        fast_df, refs.depthwise_backprop_filter(x, f.shape, dy, strides, dilations, padding),
        **_tol(dt))
    if fast_dx is not None:
        np.testing.assert_array_equal(
            fast_dx, depthwise.backprop_input(dy, f, x.shape, (1, 1), dilations, pads))
