"""Max and average pooling and their gradients, NHWC, with TF's window rules.

Windows never read padding: a max-pool window takes the max over its in-range taps, an
average-pool window divides by the number of in-range taps (TF's rule for SAME).

Max-pool gradient: each window's gradient goes to the first position (row-major in the
window) holding the window's max, recomputed from the original input exactly as TF's
CPU kernel does; positions shared by several windows add up. That scatter is race-free
because parallel iterations own disjoint (image, channel block) pairs. The average-pool
gradient is a gather (each input pixel sums the windows covering it), parallel over rows.
"""
import numpy as np

from minigraph.ops.kernels import _alloc
from minigraph.ops.kernels._jit import jit_parallel, prange, threads_for

_CBLOCK = 32


@jit_parallel
def _max_forward(x, kh, kw, sh, sw, pt, pl, out):
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        i0 = max(0, oh * sh - pt)
        i1 = min(h, oh * sh - pt + kh)
        for ow in range(ow_n):
            j0 = max(0, ow * sw - pl)
            j1 = min(w, ow * sw - pl + kw)
            o = out[n, oh, ow]
            o[:] = -np.inf
            for ih in range(i0, i1):
                for iw in range(j0, j1):
                    v = x[n, ih, iw]
                    for ci in range(c):
                        # NaN compares false, so a NaN never replaces a number; TF's
                        # CPU kernel also keeps the first non-NaN max it meets.
                        if v[ci] > o[ci]:
                            o[ci] = v[ci]


@jit_parallel
def _max_backward(x, g, kh, kw, sh, sw, pt, pl, dx):
    n_img, h, w, c = x.shape
    oh_n, ow_n = g.shape[1], g.shape[2]
    n_blocks = (c + _CBLOCK - 1) // _CBLOCK
    for task in prange(n_img * n_blocks):
        n = task // n_blocks
        c0 = (task - n * n_blocks) * _CBLOCK
        c1 = min(c, c0 + _CBLOCK)
        for ih in range(h):
            for iw in range(w):
                for ci in range(c0, c1):
                    dx[n, ih, iw, ci] = 0
        best = np.empty(c1 - c0, dtype=x.dtype)
        arg = np.empty(c1 - c0, dtype=np.int64)
        for oh in range(oh_n):
            i0 = max(0, oh * sh - pt)
            i1 = min(h, oh * sh - pt + kh)
            for ow in range(ow_n):
                j0 = max(0, ow * sw - pl)
                j1 = min(w, ow * sw - pl + kw)
                for k in range(c1 - c0):
                    best[k] = x[n, i0, j0, c0 + k]
                    arg[k] = i0 * w + j0
                for ih in range(i0, i1):
                    for iw in range(j0, j1):
                        for k in range(c1 - c0):
                            v = x[n, ih, iw, c0 + k]
                            if v > best[k]:
                                best[k] = v
                                arg[k] = ih * w + iw
                for k in range(c1 - c0):
                    a = arg[k]
                    dx[n, a // w, a - (a // w) * w, c0 + k] += g[n, oh, ow, c0 + k]


@jit_parallel
def _max_grad_grad(x, gg, kh, kw, sh, sw, pt, pl, out):
    # out[n, oh, ow, c] = gg at the first max position of window (oh, ow) of x.
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        i0 = max(0, oh * sh - pt)
        i1 = min(h, oh * sh - pt + kh)
        best = np.empty(c, dtype=x.dtype)
        for ow in range(ow_n):
            j0 = max(0, ow * sw - pl)
            j1 = min(w, ow * sw - pl + kw)
            o = out[n, oh, ow]
            best[:] = x[n, i0, j0]
            o[:] = gg[n, i0, j0]
            for ih in range(i0, i1):
                for iw in range(j0, j1):
                    v = x[n, ih, iw]
                    g = gg[n, ih, iw]
                    for ci in range(c):
                        if v[ci] > best[ci]:
                            best[ci] = v[ci]
                            o[ci] = g[ci]


@jit_parallel
def _avg_forward(x, kh, kw, sh, sw, pt, pl, out):
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        i0 = max(0, oh * sh - pt)
        i1 = min(h, oh * sh - pt + kh)
        for ow in range(ow_n):
            j0 = max(0, ow * sw - pl)
            j1 = min(w, ow * sw - pl + kw)
            o = out[n, oh, ow]
            o[:] = 0
            for ih in range(i0, i1):
                for iw in range(j0, j1):
                    v = x[n, ih, iw]
                    for ci in range(c):
                        o[ci] += v[ci]
            # Divide (not multiply by a reciprocal), in the input dtype, as TF does.
            count = out.dtype.type((i1 - i0) * (j1 - j0))
            for ci in range(c):
                o[ci] = o[ci] / count


@jit_parallel
def _avg_backward(g, kh, kw, sh, sw, pt, pl, dx):
    # dx[n, ih, iw] = sum over windows (oh, ow) that cover (ih, iw) of g[n, oh, ow] / count.
    n_img, h, w, c = dx.shape
    oh_n, ow_n = g.shape[1], g.shape[2]
    for r in prange(n_img * h):
        n = r // h
        ih = r - n * h
        # Windows oh with oh*sh - pt <= ih < oh*sh - pt + kh.
        oh_lo = max(0, (ih + pt - kh + sh) // sh)
        oh_hi = min(oh_n - 1, (ih + pt) // sh)
        for iw in range(w):
            ow_lo = max(0, (iw + pl - kw + sw) // sw)
            ow_hi = min(ow_n - 1, (iw + pl) // sw)
            o = dx[n, ih, iw]
            o[:] = 0
            for oh in range(oh_lo, oh_hi + 1):
                cnt_h = min(h, oh * sh - pt + kh) - max(0, oh * sh - pt)
                for ow in range(ow_lo, ow_hi + 1):
                    cnt_w = min(w, ow * sw - pl + kw) - max(0, ow * sw - pl)
                    count = dx.dtype.type(cnt_h * cnt_w)
                    v = g[n, oh, ow]
                    for ci in range(c):
                        o[ci] += v[ci] / count


def max_pool(x, ksize, strides, pads, out_hw):
    """Max pooling of NHWC `x` [batch, height, width, channels] with windows `ksize`
    (h, w), `strides` (h, w) and (top, left) padding `pads`.

    Returns:
      [batch, out_height, out_width, channels], dtype of `x`.
    """
    out = _alloc.empty((x.shape[0], out_hw[0], out_hw[1], x.shape[3]), x.dtype)
    if out.size:
        with threads_for(out.size * ksize[0] * ksize[1]):
            _max_forward(x, ksize[0], ksize[1], strides[0], strides[1], pads[0], pads[1], out)
    return out


def max_pool_grad(x, grad, ksize, strides, pads):
    """Gradient of `max_pool` with respect to `x`: `grad` [batch, out_height, out_width,
    channels] routed to each window's max position.

    Returns:
      [batch, height, width, channels], dtype of `grad`.
    """
    dx = _alloc.empty(x.shape, grad.dtype)
    if grad.size == 0:
        dx[...] = 0
    elif dx.size:
        with threads_for(grad.size * ksize[0] * ksize[1]):
            _max_backward(x, grad, ksize[0], ksize[1], strides[0], strides[1], pads[0],
                          pads[1], dx)
    return dx


def max_pool_grad_grad(x, grad_grad, ksize, strides, pads, out_hw):
    """Gradient of `max_pool_grad` with respect to its `grad` input: `grad_grad`
    [batch, height, width, channels] read at each window's max position.

    Returns:
      [batch, out_height, out_width, channels], dtype of `grad_grad`.
    """
    out = _alloc.empty((x.shape[0], out_hw[0], out_hw[1], x.shape[3]), grad_grad.dtype)
    if out.size:
        with threads_for(out.size * ksize[0] * ksize[1]):
            _max_grad_grad(x, grad_grad, ksize[0], ksize[1], strides[0], strides[1], pads[0],
                           pads[1], out)
    return out


def avg_pool(x, ksize, strides, pads, out_hw):
    """Average pooling of NHWC `x` over in-range window positions (see `max_pool`).

    Returns:
      [batch, out_height, out_width, channels], dtype of `x`.
    """
    out = _alloc.empty((x.shape[0], out_hw[0], out_hw[1], x.shape[3]), x.dtype)
    if out.size:
        with threads_for(out.size * ksize[0] * ksize[1]):
            _avg_forward(x, ksize[0], ksize[1], strides[0], strides[1], pads[0], pads[1], out)
    return out


def avg_pool_grad(in_shape, grad, ksize, strides, pads):
    """Gradient of `avg_pool` with respect to its input of NHWC shape `in_shape`.

    Returns:
      [batch, height, width, channels], dtype of `grad`.
    """
    dx = _alloc.empty(tuple(in_shape), grad.dtype)
    if grad.size == 0:
        dx[...] = 0
    elif dx.size:
        with threads_for(grad.size * ksize[0] * ksize[1]):
            _avg_backward(grad, ksize[0], ksize[1], strides[0], strides[1], pads[0], pads[1],
                          dx)
    return dx
