"""Depthwise 2-D convolution (TF's DepthwiseConv2dNative) and its two backprops, NHWC.

Input channel `c` with multiplier index `m` feeds output channel `c * M + m`:

    out[n, oh, ow, c*M + m] = sum_{i, j} x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, c]
                                         * f[i, j, c, m]

No padded copy of the input is ever made: taps that fall in the padding are skipped.

Two kinds of kernels:
- "row" kernels, for a column stride of 1 and depth multiplier 1 (MobileNet's common
  case): a row of W pixels x C channels is one contiguous run of W*C numbers, and one
  filter tap adds a shifted input row times that tap's weights tiled W times to the
  output row. Each tap is then a single long, vectorised multiply-add loop, instead of
  W short loops of C that pay loop and alias-check overhead per pixel.
- "pixel" kernels for everything else (strides along w, depth multipliers > 1).

The backprops are gathers, never scatters, so each parallel iteration owns its output
and no atomics are needed. The filter gradient gives each thread a float64 partial sum
(float64 also keeps sums over ~10^5 pixels accurate for float32 inputs) and adds the
partials at the end.
"""
import numpy as np

from minigraph.ops.kernels import _alloc
from minigraph.ops.kernels._jit import jit, jit_parallel, num_threads, prange


@jit
def _axpy(out, x, w):
    # out += x * w elementwise; separate arguments (not offsets into one array) let LLVM
    # vectorise with a single overlap check per call.
    for k in range(out.shape[0]):
        out[k] += x[k] * w[k]


@jit
def _axpy_acc(acc, x, dy):
    for k in range(acc.shape[0]):
        acc[k] += np.float64(x[k]) * np.float64(dy[k])


@jit_parallel
def _rows_forward(x, ft, sh, row_off, col_off, out):
    # out row (n, oh) += x row (n, oh*sh + row_off[t]) shifted by col_off[t] pixels,
    # times ft[t] (tap t's [C] weights tiled along the row); column stride 1.
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    xf = x.reshape(n_img, h, w * c)
    of = out.reshape(n_img, oh_n, ow_n * c)
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        o = of[n, oh]
        o[:] = 0
        for t in range(ft.shape[0]):
            ih = oh * sh + row_off[t]
            if ih < 0 or ih >= h:
                continue
            shift = col_off[t]
            lo = max(0, -shift)
            hi = min(ow_n, w - shift)
            if hi <= lo:
                continue
            _axpy(o[lo * c:hi * c], xf[n, ih, (lo + shift) * c:(hi + shift) * c],
                  ft[t, lo * c:hi * c])


@jit_parallel
def _rows_filter(x, dy, sh, row_off, col_off, parts):
    # parts[p, t, ow*C + c] accumulates x(row for tap t, shifted) * dy(row) over the rows
    # of chunk p; the caller folds ow, threads and taps afterwards.
    n_img, h, w, c = x.shape
    oh_n, ow_n = dy.shape[1], dy.shape[2]
    xf = x.reshape(n_img, h, w * c)
    df = dy.reshape(n_img, oh_n, ow_n * c)
    n_parts = parts.shape[0]
    rows = n_img * oh_n
    for p in prange(n_parts):
        for r in range(p * rows // n_parts, (p + 1) * rows // n_parts):
            n = r // oh_n
            oh = r - n * oh_n
            for t in range(row_off.shape[0]):
                ih = oh * sh + row_off[t]
                if ih < 0 or ih >= h:
                    continue
                shift = col_off[t]
                lo = max(0, -shift)
                hi = min(ow_n, w - shift)
                if hi <= lo:
                    continue
                _axpy_acc(parts[p, t, lo * c:hi * c],
                          xf[n, ih, (lo + shift) * c:(hi + shift) * c],
                          df[n, oh, lo * c:hi * c])


@jit_parallel
def _pixels_forward(x, f, sh, sw, dh, dw, pt, pl, out):
    n_img, h, w, c_in = x.shape
    kh, kw, _, mult = f.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        ih0 = oh * sh - pt
        for ow in range(ow_n):
            iw0 = ow * sw - pl
            o = out[n, oh, ow]
            o[:] = 0
            for i in range(kh):
                ih = ih0 + i * dh
                if ih < 0 or ih >= h:
                    continue
                for j in range(kw):
                    iw = iw0 + j * dw
                    if iw < 0 or iw >= w:
                        continue
                    xv = x[n, ih, iw]
                    fv = f[i, j]
                    if mult == 1:
                        for ci in range(c_in):
                            o[ci] += xv[ci] * fv[ci, 0]
                    else:
                        for ci in range(c_in):
                            for m in range(mult):
                                o[ci * mult + m] += xv[ci] * fv[ci, m]


@jit_parallel
def _pixels_backprop_input(dy, f, sh, sw, dh, dw, pt, pl, dx):
    # dx[n, ih, iw, c] = sum over taps (i, j) and m of dy[n, oh, ow, c*M + m] * f[i, j, c, m]
    # where oh*sh = ih + pt - i*dh (and the same along w) lands on an output pixel.
    n_img, h, w, c_in = dx.shape
    kh, kw, _, mult = f.shape
    oh_n, ow_n = dy.shape[1], dy.shape[2]
    for r in prange(n_img * h):
        n = r // h
        ih = r - n * h
        for iw in range(w):
            o = dx[n, ih, iw]
            o[:] = 0
            for i in range(kh):
                t = ih + pt - i * dh
                if t < 0 or t % sh != 0:
                    continue
                oh = t // sh
                if oh >= oh_n:
                    continue
                for j in range(kw):
                    u = iw + pl - j * dw
                    if u < 0 or u % sw != 0:
                        continue
                    ow = u // sw
                    if ow >= ow_n:
                        continue
                    g = dy[n, oh, ow]
                    fv = f[i, j]
                    if mult == 1:
                        for ci in range(c_in):
                            o[ci] += g[ci] * fv[ci, 0]
                    else:
                        for ci in range(c_in):
                            s = o[ci]
                            for m in range(mult):
                                s += g[ci * mult + m] * fv[ci, m]
                            o[ci] = s


@jit_parallel
def _pixels_backprop_filter(x, dy, kh, kw, sh, sw, dh, dw, pt, pl, parts):
    # parts[p] is chunk p's float64 partial of df, laid out [KH, KW, C*M].
    n_img, h, w, c_in = x.shape
    oh_n, ow_n, cm = dy.shape[1], dy.shape[2], dy.shape[3]
    mult = cm // c_in
    n_parts = parts.shape[0]
    rows = n_img * oh_n
    for p in prange(n_parts):
        for r in range(p * rows // n_parts, (p + 1) * rows // n_parts):
            n = r // oh_n
            oh = r - n * oh_n
            ih0 = oh * sh - pt
            for ow in range(ow_n):
                iw0 = ow * sw - pl
                g = dy[n, oh, ow]
                for i in range(kh):
                    ih = ih0 + i * dh
                    if ih < 0 or ih >= h:
                        continue
                    for j in range(kw):
                        iw = iw0 + j * dw
                        if iw < 0 or iw >= w:
                            continue
                        xv = x[n, ih, iw]
                        acc = parts[p, i, j]
                        if mult == 1:
                            for ci in range(c_in):
                                acc[ci] += np.float64(xv[ci]) * g[ci]
                        else:
                            for ci in range(c_in):
                                xc = np.float64(xv[ci])
                                for m in range(mult):
                                    acc[ci * mult + m] += xc * g[ci * mult + m]


def _taps(kh, kw, row_step, row_base, col_step, col_base):
    i, j = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    return ((row_base + row_step * i).reshape(-1).astype(np.int64),
            (col_base + col_step * j).reshape(-1).astype(np.int64))


def _tiled(f2, width):
    # [T, C] tap weights -> [T, width*C], each tap's weights repeated for every pixel.
    return np.ascontiguousarray(np.tile(f2, (1, width)))


def forward(x, f, strides, dilations, pads, out_hw):
    """Depthwise convolution of NHWC `x` [batch, height, width, channels] with `f`
    [filter_height, filter_width, channels, multiplier].

    `strides`, `dilations` are (h, w) pairs, `pads` the (top, left) padding and `out_hw`
    the output (height, width), all from `geometry.conv_geometry`.

    Returns:
      [batch, out_height, out_width, channels * multiplier], dtype of `x`.
    """
    n, _, _, c = x.shape
    kh, kw, _, mult = f.shape
    out = _alloc.empty((n, out_hw[0], out_hw[1], c * mult), x.dtype)
    if out.size == 0:
        return out
    if mult == 1 and strides[1] == 1:
        rows, cols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
        ft = _tiled(f.reshape(kh * kw, c), out_hw[1])
        _rows_forward(x, ft, strides[0], rows, cols, out)
    else:
        _pixels_forward(x, f, strides[0], strides[1], dilations[0], dilations[1],
                        pads[0], pads[1], out)
    return out


def backprop_input(dy, f, in_shape, strides, dilations, pads):
    """Gradient of `forward` with respect to its input.

    Args:
      dy: [batch, out_height, out_width, channels * multiplier].
      f: [filter_height, filter_width, channels, multiplier].
      in_shape: the input's NHWC shape [batch, height, width, channels].

    Returns:
      [batch, height, width, channels], dtype of `dy`.
    """
    dx = _alloc.empty(tuple(in_shape), dy.dtype)
    if dx.size == 0:
        return dx
    kh, kw, c, mult = f.shape
    if dy.size == 0:
        dx[...] = 0
    elif mult == 1 and strides[0] == 1 and strides[1] == 1:
        # With unit strides the input gradient is a forward pass over dy with the taps
        # mirrored: input pixel ih sees output pixel ih + pt - i*dh through tap i.
        rows, cols = _taps(kh, kw, -dilations[0], pads[0], -dilations[1], pads[1])
        ft = _tiled(f.reshape(kh * kw, c), in_shape[2])
        _rows_forward(dy, ft, 1, rows, cols, dx)
    else:
        _pixels_backprop_input(dy, f, strides[0], strides[1], dilations[0], dilations[1],
                               pads[0], pads[1], dx)
    return dx


def backprop_filter(x, dy, f_shape, strides, dilations, pads):
    """Gradient of `forward` with respect to its filter.

    Args:
      x: [batch, height, width, channels].
      dy: [batch, out_height, out_width, channels * multiplier].
      f_shape: [filter_height, filter_width, channels, multiplier].

    Returns:
      [filter_height, filter_width, channels, multiplier], dtype of `x`.
    """
    kh, kw, c, mult = f_shape
    rows = dy.shape[0] * dy.shape[1]
    # One partial per thread: more would only add reduction work.
    n_parts = max(1, min(num_threads(), rows))
    if rows == 0 or dy.size == 0 or x.size == 0:
        return np.zeros(tuple(f_shape), dtype=x.dtype)
    if mult == 1 and strides[1] == 1:
        trows, tcols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
        ow_n = dy.shape[2]
        parts = np.zeros((n_parts, kh * kw, ow_n * c), dtype=np.float64)
        _rows_filter(x, dy, strides[0], trows, tcols, parts)
        df = parts.sum(axis=0).reshape(kh * kw, ow_n, c).sum(axis=1)
    else:
        parts = np.zeros((n_parts, kh, kw, c * mult), dtype=np.float64)
        _pixels_backprop_filter(x, dy, kh, kw, strides[0], strides[1], dilations[0],
                                dilations[1], pads[0], pads[1], parts)
        df = parts.sum(axis=0)
    return df.astype(x.dtype).reshape(kh, kw, c, mult)
