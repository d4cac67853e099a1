"""Dense 2-D convolution (TF's Conv2D) and its two backprops, NHWC, on top of BLAS.

A convolution is a matrix product once each output pixel's receptive field is laid out
as one row ("im2col"): [pixels, KH*KW*C] @ [KH*KW*C, F]. NumPy's matmul (BLAS) does the
product; numba builds the rows in parallel. The rows are built a chunk of output rows
at a time (about `_CHUNK_BYTES`), so memory stays bounded and each chunk is still a
large, efficient matrix product.

1x1 filters with no padding (the pointwise half of a separable convolution) need no
im2col at all: the NHWC input already is the [pixels, C] matrix.

The input gradient is a gather too: for each input pixel, the output-gradient vectors
of the windows that cover it, tap by tap (zeros where none does), times the filter
with its in/out channel axes swapped. The filter gradient sums im2col(x)^T @ dy over
chunks.
"""
import numpy as np

from minigraph.ops.kernels import _alloc
from minigraph.ops.kernels._blas import matmul_into, matmul_tn
from minigraph.ops.kernels._jit import jit_parallel, prange, threads_for

_CHUNK_BYTES = 16 << 20


@jit_parallel
def _im2col(x, kh, kw, sh, sw, dh, dw, pt, pl, oh_n, r0, r1, cols):
    # cols[(r - r0) * OW + ow, (i*KW + j)*C + c] = x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, c]
    # for the output rows r = n*OH + oh in [r0, r1); zeros in the padding.
    _, h, w, c = x.shape
    ow_n = cols.shape[0] // (r1 - r0)
    for rr in prange(r1 - r0):
        r = r0 + rr
        n = r // oh_n
        oh = r - n * oh_n
        for ow in range(ow_n):
            row = cols[rr * ow_n + ow]
            for i in range(kh):
                ih = oh * sh - pt + i * dh
                for j in range(kw):
                    iw = ow * sw - pl + j * dw
                    dst = row[(i * kw + j) * c:(i * kw + j + 1) * c]
                    if ih < 0 or ih >= h or iw < 0 or iw >= w:
                        dst[:] = 0
                    else:
                        dst[:] = x[n, ih, iw]


@jit_parallel
def _dy2col(dy, kh, kw, sh, sw, dh, dw, pt, pl, h, r0, r1, cols):
    # For input rows r = n*H + ih in [r0, r1): cols[(r - r0)*W + iw, (i*KW + j)*F + f] is
    # dy[n, oh, ow, f] for the output pixel that sees (ih, iw) through tap (i, j), else 0.
    _, oh_n, ow_n, f = dy.shape
    w = cols.shape[0] // (r1 - r0)
    for rr in prange(r1 - r0):
        r = r0 + rr
        n = r // h
        ih = r - n * h
        for iw in range(w):
            row = cols[rr * w + iw]
            for i in range(kh):
                t = ih + pt - i * dh
                oh = t // sh
                row_ok = t >= 0 and t % sh == 0 and oh < oh_n
                for j in range(kw):
                    u = iw + pl - j * dw
                    ow = u // sw
                    dst = row[(i * kw + j) * f:(i * kw + j + 1) * f]
                    if row_ok and u >= 0 and u % sw == 0 and ow < ow_n:
                        dst[:] = dy[n, oh, ow]
                    else:
                        dst[:] = 0


def _is_pointwise(kh, kw, pads):
    return kh == 1 and kw == 1 and pads[0] == 0 and pads[1] == 0


def _subsample(x, strides, out_hw):
    # A 1x1 strided conv reads every sh-th row and sw-th column.
    if strides[0] == 1 and strides[1] == 1:
        return x
    return np.ascontiguousarray(x[:, ::strides[0], ::strides[1], :][:, :out_hw[0], :out_hw[1]])


def _chunk_rows(total_rows, bytes_per_row):
    return max(1, min(total_rows, _CHUNK_BYTES // max(1, bytes_per_row)))


def forward(x, w, strides, dilations, pads, out_hw, bias=None, act=None):
    """Convolution of NHWC `x` [batch, height, width, in_channels] with `w`
    [filter_height, filter_width, in_channels, out_channels].

    `strides`, `dilations` are (h, w) pairs, `pads` the (top, left) padding and `out_hw`
    the output (height, width), from `geometry.conv_geometry`. `bias` [out_channels] and
    `act` ("Relu", "Relu6") are the fused BiasAdd and activation that follow (see
    `fused.matmul_rows`), applied to each block of output rows while it is in cache.

    Returns:
      [batch, out_height, out_width, out_channels], dtype of `x`.
    """
    from minigraph.ops.kernels import fused
    n, _, _, c = x.shape
    kh, kw, _, f = w.shape
    oh_n, ow_n = out_hw
    out = _alloc.empty((n, oh_n, ow_n, f), x.dtype)
    out2 = out.reshape(n * oh_n * ow_n, f)
    if out.size == 0:
        return out
    if _is_pointwise(kh, kw, pads):
        xs = _subsample(x, strides, out_hw)
        if bias is None and act is None:
            matmul_into(xs.reshape(-1, c), w.reshape(c, f), out2)
        else:
            fused.matmul_rows(np.ascontiguousarray(w.reshape(c, f)), out2, a=xs.reshape(-1, c),
                              bias=bias, act=act)
        return out
    wmat = np.ascontiguousarray(w.reshape(kh * kw * c, f))
    rows = n * oh_n
    step = _chunk_rows(rows, ow_n * kh * kw * c * x.itemsize)
    cols = np.empty((step * ow_n, kh * kw * c), x.dtype)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        part = cols[:(r1 - r0) * ow_n]
        with threads_for(part.size):
            _im2col(x, kh, kw, strides[0], strides[1], dilations[0], dilations[1],
                    pads[0], pads[1], oh_n, r0, r1, part)
        if bias is None and act is None:
            matmul_into(part, wmat, out2[r0 * ow_n:r1 * ow_n])
        else:
            fused.matmul_rows(wmat, out2[r0 * ow_n:r1 * ow_n], a=part, bias=bias, act=act)
    return out


def backprop_input(dy, w, in_shape, strides, dilations, pads):
    """Gradient of `forward` with respect to its input.

    Args:
      dy: [batch, out_height, out_width, out_channels].
      w: [filter_height, filter_width, in_channels, out_channels].
      in_shape: the input's NHWC shape [batch, height, width, in_channels].

    Returns:
      [batch, height, width, in_channels], dtype of `dy`.
    """
    n, h, wd, c = in_shape
    kh, kw, _, f = w.shape
    dx = _alloc.empty((n, h, wd, c), dy.dtype)
    if dx.size == 0:
        return dx
    if dy.size == 0:
        dx[...] = 0
        return dx
    if _is_pointwise(kh, kw, pads):
        wt = w.reshape(c, f).T
        if strides[0] == 1 and strides[1] == 1 and dy.shape[1:3] == (h, wd):
            matmul_into(dy.reshape(-1, f), wt, dx.reshape(-1, c))
            return dx
        dx[...] = 0
        oh_n, ow_n = dy.shape[1], dy.shape[2]
        dx[:, ::strides[0], ::strides[1], :][:, :oh_n, :ow_n] = \
            (dy.reshape(-1, f) @ wt).reshape(n, oh_n, ow_n, c)
        return dx
    wt = np.ascontiguousarray(w.transpose(0, 1, 3, 2)).reshape(kh * kw * f, c)
    dx2 = dx.reshape(n * h * wd, c)
    rows = n * h
    step = _chunk_rows(rows, wd * kh * kw * f * dy.itemsize)
    cols = np.empty((step * wd, kh * kw * f), dy.dtype)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        part = cols[:(r1 - r0) * wd]
        with threads_for(part.size):
            _dy2col(dy, kh, kw, strides[0], strides[1], dilations[0], dilations[1],
                    pads[0], pads[1], h, r0, r1, part)
        matmul_into(part, wt, dx2[r0 * wd:r1 * wd])
    return dx


def backprop_filter(x, dy, w_shape, strides, dilations, pads):
    """Gradient of `forward` with respect to its filter.

    Args:
      x: [batch, height, width, in_channels].
      dy: [batch, out_height, out_width, out_channels].
      w_shape: [filter_height, filter_width, in_channels, out_channels].

    Returns:
      [filter_height, filter_width, in_channels, out_channels], dtype of `x`.
    """
    kh, kw, c, f = w_shape
    n, oh_n, ow_n, _ = dy.shape
    if dy.size == 0 or x.size == 0:
        return np.zeros((kh, kw, c, f), dtype=x.dtype)
    dy2 = dy.reshape(-1, f)
    if _is_pointwise(kh, kw, pads):
        xs = _subsample(x, strides, (oh_n, ow_n))
        return matmul_tn(xs.reshape(-1, c), dy2, x.dtype).reshape(kh, kw, c, f)
    dw = np.zeros((kh * kw * c, f), dtype=x.dtype)
    rows = n * oh_n
    step = _chunk_rows(rows, ow_n * kh * kw * c * x.itemsize)
    cols = np.empty((step * ow_n, kh * kw * c), x.dtype)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        part = cols[:(r1 - r0) * ow_n]
        with threads_for(part.size):
            _im2col(x, kh, kw, strides[0], strides[1], dilations[0], dilations[1],
                    pads[0], pads[1], oh_n, r0, r1, part)
        dw += matmul_tn(part, dy2[r0 * ow_n:r1 * ow_n], x.dtype)
    return dw.reshape(kh, kw, c, f)
