"""Fused kernels: a matrix product with its producer and its epilogue on one tile.

A separable convolution run op by op streams every intermediate through memory: the
depthwise output (51 MB in the MobileNet block) is written, read back by the pointwise
product, whose output is read and written again by BiasAdd and again by Relu. Run
fused, each thread makes a tile of depthwise rows (a few hundred KB, so it stays in its
core's L2 cache), multiplies it by the pointwise filter into the output, then adds the
bias and applies the activation to that output tile while it is still in cache. Only
the input is read from memory and only the output written.

`matmul_rows` is the one driver: `A @ B (+ bias, activation)` where A is either an
array or made tile by tile by a producer (`depthwise.row_producer`), the rows split into
one contiguous part per thread (the BLAS pool of `_blas`), each part walked tile by
tile. Each tile is multiplied by our register-blocked kernel (`gemm.product`, when
B's shape suits it), which adds the bias, applies the
activation and writes each output block straight from registers; otherwise OpenBLAS
multiplies into the output and the epilogue pass follows. The producer runs the same
kernels as the unfused op, each output row of a product depends only on its own row
of A, and the epilogue does the same one rounding per operation as BiasAdd and Relu:
tiles and thread splits change no value, and the result equals the unfused ops'
whenever their product adds its terms in the same order (OpenBLAS, like `gemm`, adds
in increasing k up to its block depth, a few hundred; bit for bit in the tests).

A large output (`gemm.streamable`) is written with non-temporal stores, which skip
reading each output line into the cache before overwriting it: by `gemm` directly, or
by the epilogue from a scratch tile the OpenBLAS product wrote (in cache).
"""
import numpy as np

from minigraph.ops.kernels import _alloc, _blas, gemm, simd
from minigraph.ops.kernels._jit import jit

# Tile of A: big enough that per-tile calls (producer, gemm, epilogue: ~10 us each) stay
# in the noise, small enough that A's tile and the output tile stay in a 1-2 MB L2.
_TILE_BYTES = 1024 << 10

# Activation codes of the epilogue (which TF1 op follows the product, if any).
ACTIVATIONS = {None: 0, "Relu": 1, "Relu6": 2}


@jit
def _epilogue(out, bias, has_bias, act):
    # out [rows, F] in place: + bias[F] (if any), then Relu (act 1) or Relu6 (act 2) with
    # NumPy's NaN and signed-zero behaviour (np.maximum(x, 0), np.clip(x, 0, 6)).
    rows, f = out.shape
    for r in range(rows):
        o = out[r]
        if has_bias:
            for k in range(f):
                o[k] = o[k] + bias[k]
        if act == 1:
            for k in range(f):
                v = o[k]
                if not v > 0:
                    if v <= 0:
                        o[k] = 0
        elif act == 2:
            for k in range(f):
                v = o[k]
                if v < 0:
                    o[k] = 0
                elif v > 6:
                    o[k] = 6


@jit
def _epilogue_stream(src, out, bias, has_bias, act):
    # out [rows, F] = src (+ bias) then Relu / Relu6 as `_epilogue`, written with
    # non-temporal stores: the output goes to memory without being read into the cache
    # first (a normal store reads every line it writes). F a multiple of the lanes, out
    # 64-byte aligned. NaN and signed zeros as `_epilogue`: max/min below keep NumPy's.
    if not (has_bias or act):
        # The loop below with nothing before its stores ran 10x slower (LLVM's code for
        # it): a plain streaming copy.
        _copy_out(src, out, True)
        return
    rows, f = out.shape
    step = simd.VECTOR_BYTES // out.itemsize
    o1 = out.reshape(-1)
    for r in range(rows):
        s = src[r]
        if has_bias or act:
            for k in range(f):
                v = s[k]
                if has_bias:
                    v = v + bias[k]
                if act == 1:
                    if not v > 0:
                        if v <= 0:
                            v = 0
                elif act == 2:
                    if v < 0:
                        v = 0
                    elif v > 6:
                        v = 6
                s[k] = v
        for k in range(0, f, step):
            simd.vstore_stream(o1, r * f + k, simd.vload(s, k))
    simd.sfence()


@jit
def _copy_out(src, dst, stream):
    # dst[...] = src (both [rows, n] C-contiguous), with non-temporal stores if `stream`
    # (dst 64-byte aligned, n a multiple of the lanes).
    rows, n = src.shape
    if stream:
        step = simd.VECTOR_BYTES // dst.itemsize
        d1 = dst.reshape(-1)
        for r in range(rows):
            s = src[r]
            for k in range(0, n, step):
                simd.vstore_stream(d1, r * n + k, simd.vload(s, k))
        simd.sfence()
    else:
        for r in range(rows):
            for k in range(n):
                dst[r, k] = src[r, k]


def matmul_rows(b, out, a=None, fill=None, group=1, bias=None, act=None, a_out=None):
    """out = A @ b, then + bias and the activation, tile by tile.

    Args:
      b: [k, n] C-contiguous.
      out: [m, n] C-contiguous, written.
      a: A as an [m, k] array, or None when `fill` makes it.
      fill: `fill(g0, g1, buf)` writes rows [g0*group, g1*group) of A into `buf`
        [(g1 - g0) * group, k], on the calling thread.
      group: rows of A that `fill` makes together (e.g. one image row of pixels).
      bias: None or [n], added to every row.
      act: None, "Relu" or "Relu6".
      a_out: None, or [m, k] C-contiguous: receives the rows `fill` makes (A itself),
        for ops outside the fusion that need it.

    Returns:
      `out`.
    """
    _blas._probe()
    m, n = out.shape
    k = b.shape[0]
    dtype = out.dtype
    groups = m // group
    has_bias = bias is not None
    bias = np.zeros(0, dtype) if bias is None else np.ascontiguousarray(bias, dtype)
    code = ACTIVATIONS[act]
    tile = max(1, min(groups, _TILE_BYTES // max(1, group * max(k, n) * dtype.itemsize)))
    parts = _blas._n_parts(m * k * n, groups)
    # Several tiles per part, else one thread idles while the other finishes.
    bounds = [groups * i // parts for i in range(parts + 1)]

    stream = k > 0 and gemm.streamable(out)
    stream_a = a_out is not None and gemm.streamable(a_out)
    # Our kernel (`gemm`) multiplies when B's shape suits it and writes the output with
    # its epilogue straight from registers.
    direct = gemm.fits(b, out) and (fill is not None or gemm.usable(a, b, out))

    def run(g0, g1):
        buf = None if fill is None else _alloc.aligned((tile * group, k), dtype)
        scratch = _alloc.aligned((tile * group, n), dtype) if stream and not direct else None
        for t0 in range(g0, g1, tile):
            t1 = min(g1, t0 + tile)
            lo, hi = t0 * group, t1 * group
            if fill is None:
                rows = a[lo:hi]
            else:
                rows = buf[:hi - lo]
                fill(t0, t1, rows)
                if a_out is not None:
                    _copy_out(rows, a_out[lo:hi], stream_a)
            o = out[lo:hi]
            if k == 0:
                o[...] = 0
            elif direct:
                gemm.product(rows, b, o, bias if has_bias else None, code, stream)
                continue
            elif stream:
                s = scratch[:hi - lo]
                _blas._gemm(False, rows, b, s)
                _epilogue_stream(s, o, bias, has_bias, code)
                continue
            else:
                _blas._gemm(False, rows, b, o)
            if has_bias or code:
                _epilogue(o, bias, has_bias, code)

    _blas._run([lambda g0=g0, g1=g1: run(g0, g1) for g0, g1 in zip(bounds[:-1], bounds[1:])
                if g1 > g0], dtype)
    return out


def separable_forward(x, fd, fp, strides, dilations, pads, out_hw, bias=None, act=None,
                      keep_depthwise=False):
    """Depthwise conv of NHWC `x` with `fd` [kh, kw, C, M], then the 1x1 conv with `fp`
    [1, 1, C*M, F], then + bias [F] and the activation, as one pass over tiles of rows.

    `strides`, `dilations`, `pads`, `out_hw` are the depthwise geometry (see
    `depthwise.forward`). With `keep_depthwise` (a training step, whose filter gradient
    needs it), the depthwise output is written out too, tile by tile, from cache.

    Returns:
      [batch, out_height, out_width, F], dtype of `x`; with `keep_depthwise`, a pair of
      that and the depthwise output [batch, out_height, out_width, C*M].
    """
    from minigraph.ops.kernels import depthwise
    n = x.shape[0]
    cm = fd.shape[2] * fd.shape[3]
    f = fp.shape[3]
    oh_n, ow_n = out_hw
    out = _alloc.empty((n, oh_n, ow_n, f), x.dtype)
    if not keep_depthwise:
        if out.size:
            fill = depthwise.row_producer(x, fd, strides, dilations, pads, out_hw)
            matmul_rows(fp.reshape(cm, f), out.reshape(-1, f), fill=fill, group=ow_n, bias=bias,
                        act=act)
        return out
    dw = _alloc.empty((n, oh_n, ow_n, cm), x.dtype)
    if out.size == 0:
        if dw.size:
            dw[...] = depthwise.forward(x, fd, strides, dilations, pads, out_hw)
        return out, dw
    fill = depthwise.row_producer(x, fd, strides, dilations, pads, out_hw)
    matmul_rows(fp.reshape(cm, f), out.reshape(-1, f), fill=fill, group=ow_n, bias=bias, act=act,
                a_out=dw.reshape(-1, cm))
    return out, dw


def separable_filter_grad(dy, fp, x, f_shape, strides, dilations, pads):
    """The depthwise filter gradient of a separable convolution, computing its
    out_backprop (the pointwise conv's input gradient, dy @ fp^T) tile by tile.

    The 51 MB input gradient of the MobileNet block is never stored: each thread makes
    a tile of it (in cache) with a matrix product and adds that tile's contributions to
    its own float64 filter-gradient partials.

    Args:
      dy: [N, OH, OW, F], the gradient of the pointwise conv's output.
      fp: [1, 1, C*M, F], the pointwise filter.
      x: [N, H, W, C], the depthwise conv's input.
      f_shape: [kh, kw, C, M]; `strides`, `dilations`, `pads`: the depthwise geometry.

    Returns:
      [kh, kw, C, M], dtype of `x`.
    """
    from minigraph.ops.kernels import depthwise
    _blas._probe()
    n, oh_n, ow_n, f = dy.shape
    cm = fp.shape[2]
    dtype = x.dtype
    rows = n * oh_n
    if rows == 0 or x.size == 0:
        return np.zeros(tuple(f_shape), dtype)
    accumulator = depthwise.filter_accumulator(x, f_shape, strides, dilations, pads, ow_n)
    if accumulator is None:  # no row kernel for these strides: the two ops in turn
        d = np.empty((rows * ow_n, cm), dtype)
        _blas.matmul_into(dy.reshape(-1, f), fp.reshape(cm, f).T, d)
        return depthwise.backprop_filter(x, d.reshape(n, oh_n, ow_n, cm), f_shape, strides,
                                         dilations, pads)
    shape, add, fold = accumulator
    bt = np.ascontiguousarray(fp.reshape(cm, f).T)  # [F, C*M]
    dy2 = dy.reshape(rows * ow_n, f)
    tile = max(1, min(rows, _TILE_BYTES // max(1, ow_n * max(cm, f) * dtype.itemsize)))
    parts = _blas._n_parts(rows * ow_n * cm * f, rows)
    bounds = [rows * i // parts for i in range(parts + 1)]
    accs = [np.zeros(shape, np.float64) for _ in range(parts)]

    def run(p):
        g0, g1 = bounds[p], bounds[p + 1]
        buf = _alloc.aligned((tile * ow_n, cm), dtype)
        blk = _alloc.aligned(shape, dtype)  # the SIMD kernels load and store its vectors
        blk[...] = 0
        for t0 in range(g0, g1, tile):
            t1 = min(g1, t0 + tile)
            d = buf[:(t1 - t0) * ow_n]
            if f == 0:
                d[...] = 0
            else:
                _blas._gemm(False, dy2[t0 * ow_n:t1 * ow_n], bt, d)
            add(accs[p], blk, oh_n, t0, t1, d.reshape(t1 - t0, ow_n * cm))

    _blas._run([lambda p=p: run(p) for p in range(parts) if bounds[p + 1] > bounds[p]], dtype)
    return fold(np.sum(accs, axis=0))
