"""kernels/fused.py: products with a producer and an epilogue, tile by tile, against NumPy
and against the unfused kernels (tiles and thread splits must not change any value)."""
import numpy as np
import pytest

from minigraph.ops.kernels import bias as bias_kernel
from minigraph.ops.kernels import conv, depthwise, fused, gemm
from tests.kernels import refs


@pytest.mark.parametrize("act", [None, "Relu", "Relu6"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_rows_against_numpy(monkeypatch, act, dtype):
    # Small tiles and a product large enough to be split over threads: many tiles per part.
    monkeypatch.setattr(fused, "_TILE_BYTES", 4096)
    rng = np.random.RandomState(0)
    a = rng.uniform(-8, 8, (4099, 40)).astype(dtype)
    b = rng.uniform(-1, 1, (40, 33)).astype(dtype)
    bias = rng.uniform(-1, 1, 33).astype(dtype)
    out = np.full((4099, 33), np.nan, dtype)
    fused.matmul_rows(b, out, a=a, bias=bias, act=act)
    want = a.astype(np.float64) @ b + bias
    if act == "Relu":
        want = np.maximum(want, 0)
    elif act == "Relu6":
        want = np.clip(want, 0, 6)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("act", [None, "Relu", "Relu6"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("use_bias", [True, False])
def test_streamed_output_equals_cached_output(monkeypatch, act, dtype, use_bias):
    # Large outputs are written with non-temporal stores from a scratch tile: the same
    # values, NaN and signed zeros included, as the in-place epilogue.
    from minigraph.ops.kernels import simd
    monkeypatch.setattr(fused, "_TILE_BYTES", 8192)
    rng = np.random.RandomState(5)
    a = rng.uniform(-8, 8, (2053, 24)).astype(dtype)
    a[7, 3] = np.nan
    a[11] = 0.0
    b = rng.uniform(-1, 1, (24, 32)).astype(dtype)
    bias = rng.uniform(-1, 1, 32).astype(dtype)
    bias[5] = -0.0
    outs = []
    for limit in (1 << 60, 0):
        monkeypatch.setattr(gemm, "_STREAM_BYTES", limit)
        out = depthwise._alloc.aligned((2053, 32), dtype)
        out[...] = 7
        assert gemm.streamable(out) == (limit == 0 and simd.available())
        outs.append(fused.matmul_rows(b, out, a=a, bias=bias if use_bias else None,
                                      act=act).copy())
    np.testing.assert_array_equal(outs[0], outs[1])
    assert np.array_equal(np.signbit(outs[0]), np.signbit(outs[1]))
    assert np.isnan(outs[0][7]).any()


def test_matmul_rows_with_producer_equals_unfused(monkeypatch):
    monkeypatch.setattr(fused, "_TILE_BYTES", 2048)
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, (3, 11, 13, 6)).astype(np.float32)
    fd = rng.uniform(-1, 1, (3, 3, 6, 2)).astype(np.float32)
    fp = rng.uniform(-1, 1, (1, 1, 12, 5)).astype(np.float32)
    b = rng.uniform(-1, 1, 5).astype(np.float32)
    for strides in [(1, 1), (2, 1), (1, 2), (3, 3)]:
        oh, pt, _ = refs.tf_padding(11, 3, strides[0], 1, "SAME")
        ow, pl, _ = refs.tf_padding(13, 3, strides[1], 1, "SAME")
        got = fused.separable_forward(x, fd, fp, strides, (1, 1), (pt, pl), (oh, ow), bias=b,
                                      act="Relu6")
        d = depthwise.forward(x, fd, strides, (1, 1), (pt, pl), (oh, ow))
        y = bias_kernel.bias_add(conv.forward(d, fp, (1, 1), (1, 1), (0, 0), (oh, ow)), b, 3)
        np.testing.assert_array_equal(got, np.clip(y, 0, 6))
        want = np.clip(refs.depthwise(x, fd, strides, (1, 1), "SAME") @ fp.reshape(12, 5) + b, 0, 6)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_conv_forward_epilogue_on_im2col_chunks(monkeypatch):
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 4096)  # many chunks
    rng = np.random.RandomState(2)
    x = rng.uniform(-1, 1, (2, 9, 8, 3)).astype(np.float64)
    w = rng.uniform(-1, 1, (3, 2, 3, 4))
    b = rng.uniform(-1, 1, 4)
    oh, pt, _ = refs.tf_padding(9, 3, 2, 1, "SAME")
    ow, pl, _ = refs.tf_padding(8, 2, 1, 1, "SAME")
    got = conv.forward(x, w, (2, 1), (1, 1), (pt, pl), (oh, ow), bias=b, act="Relu")
    want = np.maximum(refs.conv2d(x, w, (2, 1), (1, 1), "SAME") + b, 0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_epilogue_special_values():
    out = np.array([[np.nan, -0.0, -1.0, 7.0, np.inf, -np.inf, 3.0]], np.float32)
    for act, ref in (("Relu", lambda v: np.maximum(v, np.float32(0))),
                     ("Relu6", lambda v: np.clip(v, np.float32(0), np.float32(6)))):
        got = out.copy()
        fused._epilogue(got, np.zeros(0, np.float32), False, fused.ACTIVATIONS[act])
        want = ref(out)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
