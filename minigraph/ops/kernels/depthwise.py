"""Depthwise 2-D convolution (TF's DepthwiseConv2dNative) and its two backprops, NHWC.

Input channel `c` with multiplier index `m` feeds output channel `c * M + m`:

    out[n, oh, ow, c*M + m] = sum_{i, j} x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, c]
                                         * f[i, j, c, m]

Three kinds of kernels:
- SIMD row kernels (`simd.py`), when C*M is a multiple of the vector's lanes and numba
  compiles: each input row is copied once into a small ring of zero-padded rows (in
  cache; never a padded copy of the whole input), and each output row is then one loop
  over its pixels with every tap in range, the tap weights of a block of channels held
  in registers. Any strides and dilations.
- scalar row kernels, for a column stride of 1 otherwise: a row of W pixels x C channels
  is one contiguous run of W*C numbers, and one filter tap adds a shifted input row
  times that tap's weights tiled W times to the output row, skipping taps that fall in
  the padding.
- "pixel" kernels for everything else (column strides without SIMD, depth multipliers
  > 1 with column strides).

The backprops are gathers, never scatters, so each parallel iteration owns its output
and no atomics are needed. The filter gradient gives each thread a float64 partial sum
(float64 also keeps sums over ~10^5 pixels accurate for float32 inputs) and adds the
partials at the end.
"""
import functools

import numpy as np

from minigraph.ops.kernels import _alloc, simd
from minigraph.ops.kernels._jit import (
    jit, jit_inline, jit_parallel, num_threads, prange, threads_for)

# Float32 terms a filter-gradient sum takes before it goes into the float64 partials.
_FLUSH_TERMS = 64
# Numbers per tap in a block of pixels (`_interior3x3`, `_filter_row`): the weights or
# sums of every tap stay in L1.
_BLOCK_FLOATS = 1024


@jit
def _axpy(out, x, w):
    # out += x * w elementwise; separate arguments (not offsets into one array) let LLVM
    # vectorise with a single overlap check per call.
    for k in range(out.shape[0]):
        out[k] += x[k] * w[k]


@jit
def _axpy3(out, x0, w0, x1, w1, x2, w2):
    # Three taps per pass: a third of the loads and stores of `out`. Adding the taps one
    # after another keeps the rounding of three separate `_axpy` calls.
    for k in range(out.shape[0]):
        acc = out[k]
        acc += x0[k] * w0[k]
        acc += x1[k] * w1[k]
        acc += x2[k] * w2[k]
        out[k] = acc


@jit
def _flush(parts, blk):
    # Adds a block of float32 sums into the float64 partials, and clears the block.
    for k in range(parts.shape[0]):
        parts[k] += blk[k]
        blk[k] = 0


@jit
def _row_taps(o, x2, ihs, ft, taps, n_taps, shifts, c, ow_n, w):
    # Adds taps[:n_taps] (indices into ft / shifts) of one output row, the g-th reading
    # input row x2[ihs[g]]: o[ow*C + k] += x2[ihs[g], (ow + shift)*C + k] * ft[t, ow*C + k]
    # wherever the input column is in range.
    g = 0
    while g + 3 <= n_taps:
        t0, t1, t2 = taps[g], taps[g + 1], taps[g + 2]
        s0, s1, s2 = shifts[t0], shifts[t1], shifts[t2]
        lo = max(0, -s0, -s1, -s2)
        hi = min(ow_n, w - s0, w - s1, w - s2)
        if hi - lo < 4:
            break
        a, b = lo * c, hi * c
        _axpy3(o[a:b], x2[ihs[g], (lo + s0) * c:(hi + s0) * c], ft[t0, a:b],
               x2[ihs[g + 1], (lo + s1) * c:(hi + s1) * c], ft[t1, a:b],
               x2[ihs[g + 2], (lo + s2) * c:(hi + s2) * c], ft[t2, a:b])
        # The columns where not all three taps are in range, tap by tap.
        for q in range(3):
            t = taps[g + q]
            sh = shifts[t]
            l0 = max(0, -sh)
            h0 = min(ow_n, w - sh)
            if l0 < lo:
                _axpy(o[l0 * c:lo * c], x2[ihs[g + q], (l0 + sh) * c:(lo + sh) * c], ft[t, l0 * c:lo * c])
            if hi < h0:
                _axpy(o[hi * c:h0 * c], x2[ihs[g + q], (hi + sh) * c:(h0 + sh) * c], ft[t, hi * c:h0 * c])
        g += 3
    while g < n_taps:
        t = taps[g]
        sh = shifts[t]
        lo = max(0, -sh)
        hi = min(ow_n, w - sh)
        if lo < hi:
            _axpy(o[lo * c:hi * c], x2[ihs[g], (lo + sh) * c:(hi + sh) * c], ft[t, lo * c:hi * c])
        g += 1


@jit
def _forward_row(xf, ft, sh, row_off, col_off, w, c, n, oh, o):
    # Output row `o` (image n, row oh; OW*C numbers) of the row kernel: zero it, then add
    # every tap whose input row lies inside the image. xf is x viewed [N, H, W*C].
    h = xf.shape[1]
    n_taps = ft.shape[0]
    o[:] = 0
    taps = np.empty(n_taps, dtype=np.int64)
    ihs = np.empty(n_taps, dtype=np.int64)
    valid = 0
    for t in range(n_taps):
        ih = oh * sh + row_off[t]
        if 0 <= ih < h:
            taps[valid] = t
            ihs[valid] = ih
            valid += 1
    _row_taps(o, xf[n], ihs, ft, taps, valid, col_off, c, o.shape[0] // c, w)


@jit
def _interior3x3(xf, fb, n, ia, ib, col_off, c, lo, hi, oa, ob, pair, zero):
    # Columns [lo, hi) of one or two output rows whose nine 3x3 taps are all inside the
    # image: output row A reads input rows ia[0..2], row B (if `pair`) rows ib[0..2];
    # tap t = 3*i + j reads column ow + col_off[t] (col_off[j] for j < 3). fb holds each
    # tap's weights tiled over a block of P pixels.
    #
    # Blocks of P pixels keep the weights (9 x P*C numbers) in L1, and one pass adds all
    # nine taps, so each output value is stored once; a pair of rows shares the weight
    # loads. Taps are added in increasing t starting from `zero` (0 in the output dtype),
    # one FMA each: the same rounding as the generic path. ia, ib are tuples: nothing is
    # allocated per row (heap allocations dominated small images).
    p = fb.shape[1] // c
    f0, f1, f2, f3, f4 = fb[0], fb[1], fb[2], fb[3], fb[4]
    f5, f6, f7, f8 = fb[5], fb[6], fb[7], fb[8]
    xa0, xa1, xa2 = xf[n, ia[0]], xf[n, ia[1]], xf[n, ia[2]]
    xb0, xb1, xb2 = xf[n, ib[0]], xf[n, ib[1]], xf[n, ib[2]]
    for b0 in range(lo, hi, p):
        m = (min(hi, b0 + p) - b0) * c
        a = b0 * c
        s0, s1, s2 = (b0 + col_off[0]) * c, (b0 + col_off[1]) * c, (b0 + col_off[2]) * c
        u0, u1, u2 = xa0[s0:s0 + m], xa0[s1:s1 + m], xa0[s2:s2 + m]
        u3, u4, u5 = xa1[s0:s0 + m], xa1[s1:s1 + m], xa1[s2:s2 + m]
        u6, u7, u8 = xa2[s0:s0 + m], xa2[s1:s1 + m], xa2[s2:s2 + m]
        oo = oa[a:a + m]
        if pair:
            v0, v1, v2 = xb0[s0:s0 + m], xb0[s1:s1 + m], xb0[s2:s2 + m]
            v3, v4, v5 = xb1[s0:s0 + m], xb1[s1:s1 + m], xb1[s2:s2 + m]
            v6, v7, v8 = xb2[s0:s0 + m], xb2[s1:s1 + m], xb2[s2:s2 + m]
            op = ob[a:a + m]
            for k in range(m):
                w0, w1, w2, w3, w4 = f0[k], f1[k], f2[k], f3[k], f4[k]
                w5, w6, w7, w8 = f5[k], f6[k], f7[k], f8[k]
                acc = zero
                acc += u0[k] * w0
                acc += u1[k] * w1
                acc += u2[k] * w2
                acc += u3[k] * w3
                acc += u4[k] * w4
                acc += u5[k] * w5
                acc += u6[k] * w6
                acc += u7[k] * w7
                acc += u8[k] * w8
                oo[k] = acc
                acc = zero
                acc += v0[k] * w0
                acc += v1[k] * w1
                acc += v2[k] * w2
                acc += v3[k] * w3
                acc += v4[k] * w4
                acc += v5[k] * w5
                acc += v6[k] * w6
                acc += v7[k] * w7
                acc += v8[k] * w8
                op[k] = acc
        else:
            for k in range(m):
                acc = zero
                acc += u0[k] * f0[k]
                acc += u1[k] * f1[k]
                acc += u2[k] * f2[k]
                acc += u3[k] * f3[k]
                acc += u4[k] * f4[k]
                acc += u5[k] * f5[k]
                acc += u6[k] * f6[k]
                acc += u7[k] * f7[k]
                acc += u8[k] * f8[k]
                oo[k] = acc


@jit_inline
def _row3_quad(x, s, c, w0, w1, w2, a0, a1, a2, a3):
    # One kernel row of `_simd_row3x3` for four consecutive output pixels (column stride
    # and dilation 1): the six input vectors from element s on, each loaded once and
    # used by up to three taps, taps in increasing order.
    r0, r1, r2 = simd.vload(x, s), simd.vload(x, s + c), simd.vload(x, s + 2 * c)
    r3, r4, r5 = simd.vload(x, s + 3 * c), simd.vload(x, s + 4 * c), simd.vload(x, s + 5 * c)
    a0, a1, a2, a3 = simd.vfma(r0, w0, a0), simd.vfma(r1, w0, a1), simd.vfma(r2, w0, a2), \
        simd.vfma(r3, w0, a3)
    a0, a1, a2, a3 = simd.vfma(r1, w1, a0), simd.vfma(r2, w1, a1), simd.vfma(r3, w1, a2), \
        simd.vfma(r4, w1, a3)
    a0, a1, a2, a3 = simd.vfma(r2, w2, a0), simd.vfma(r3, w2, a1), simd.vfma(r4, w2, a2), \
        simd.vfma(r5, w2, a3)
    return a0, a1, a2, a3


@jit_inline
def _row3_quad_rev(x, s, c, w0, w1, w2, a0, a1, a2, a3):
    # `_row3_quad` for mirrored taps (the input gradient's): tap j reads j pixels left of
    # s, so the six vectors run from two pixels left of s; taps in increasing order.
    r0, r1, r2 = simd.vload(x, s - 2 * c), simd.vload(x, s - c), simd.vload(x, s)
    r3, r4, r5 = simd.vload(x, s + c), simd.vload(x, s + 2 * c), simd.vload(x, s + 3 * c)
    a0, a1, a2, a3 = simd.vfma(r2, w0, a0), simd.vfma(r3, w0, a1), simd.vfma(r4, w0, a2), \
        simd.vfma(r5, w0, a3)
    a0, a1, a2, a3 = simd.vfma(r1, w1, a0), simd.vfma(r2, w1, a1), simd.vfma(r3, w1, a2), \
        simd.vfma(r4, w1, a3)
    a0, a1, a2, a3 = simd.vfma(r0, w2, a0), simd.vfma(r1, w2, a1), simd.vfma(r2, w2, a2), \
        simd.vfma(r3, w2, a3)
    return a0, a1, a2, a3


@jit_inline
def _store4(o, b0, c, a0, a1, a2, a3):
    # Four output pixels' vectors, from element b0 on, C apart.
    simd.vstore(o, b0, a0)
    simd.vstore(o, b0 + c, a1)
    simd.vstore(o, b0 + 2 * c, a2)
    simd.vstore(o, b0 + 3 * c, a3)


@jit_inline
def _row3_one(x, b0, d0, d1, d2, w0, w1, w2, a0):
    # One kernel row of `_simd_row3x3` for one output pixel.
    a0 = simd.vfma(simd.vload(x, b0 + d0), w0, a0)
    a0 = simd.vfma(simd.vload(x, b0 + d1), w1, a0)
    return simd.vfma(simd.vload(x, b0 + d2), w2, a0)


@jit
def _simd_row3x3(xf, wf, n, ia, col_off, sw, c, lo, hi, o):
    # Columns [lo, hi) of output row `o` whose nine 3x3 taps are all inside the image,
    # with explicit SIMD vectors (`simd.py`): for each block of one vector of channels,
    # the nine tap weights stay in registers while the row is walked. With column stride
    # and dilation 1, four output pixels at a time share their input loads
    # (`_row3_quad`, or `_row3_quad_rev` for the mirrored taps of the input gradient: 3.4
    # against 4.9 ms pixel by pixel for [32, 56, 56, 128]); otherwise pixel by pixel, which
    # measured faster than four strided pixels at a time (2.9 against 4.2 us for 15x15
    # pixels of 64 channels in L1, stride 2). Each kind of loop is its own loop: a test
    # between kinds inside the loop made the forward pass 30% slower.
    # Taps are added in increasing t from zero, one FMA each: the same values as
    # `_interior3x3`. Needs C to be a multiple of the vector's lanes. ia: the three input
    # rows; output column ow reads input columns ow*sw + col_off[j]; wf: the [9*C]
    # weights.
    xa, xb, xc = xf[n, ia[0]], xf[n, ia[1]], xf[n, ia[2]]
    step = simd.VECTOR_BYTES // o.itemsize
    cs = sw * c
    d0, d1, d2 = col_off[0] * c, col_off[1] * c, col_off[2] * c
    quad = sw == 1 and d1 == d0 + c and d2 == d1 + c
    rev = sw == 1 and d1 == d0 - c and d2 == d1 - c
    for cb in range(0, c, step):
        w0 = simd.vload(wf, cb)
        w1 = simd.vload(wf, c + cb)
        w2 = simd.vload(wf, 2 * c + cb)
        w3 = simd.vload(wf, 3 * c + cb)
        w4 = simd.vload(wf, 4 * c + cb)
        w5 = simd.vload(wf, 5 * c + cb)
        w6 = simd.vload(wf, 6 * c + cb)
        w7 = simd.vload(wf, 7 * c + cb)
        w8 = simd.vload(wf, 8 * c + cb)
        ow = lo
        while quad and ow + 4 <= hi:
            b0 = ow * c + cb
            s = b0 + d0
            a0, a1, a2, a3 = simd.vzero(o), simd.vzero(o), simd.vzero(o), simd.vzero(o)
            a0, a1, a2, a3 = _row3_quad(xa, s, c, w0, w1, w2, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row3_quad(xb, s, c, w3, w4, w5, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row3_quad(xc, s, c, w6, w7, w8, a0, a1, a2, a3)
            _store4(o, b0, c, a0, a1, a2, a3)
            ow += 4
        while rev and ow + 4 <= hi:
            b0 = ow * c + cb
            s = b0 + d0
            a0, a1, a2, a3 = simd.vzero(o), simd.vzero(o), simd.vzero(o), simd.vzero(o)
            a0, a1, a2, a3 = _row3_quad_rev(xa, s, c, w0, w1, w2, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row3_quad_rev(xb, s, c, w3, w4, w5, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row3_quad_rev(xc, s, c, w6, w7, w8, a0, a1, a2, a3)
            _store4(o, b0, c, a0, a1, a2, a3)
            ow += 4
        while ow < hi:
            b0 = ow * c + cb
            bi = ow * cs + cb
            a0 = simd.vzero(o)
            a0 = _row3_one(xa, bi, d0, d1, d2, w0, w1, w2, a0)
            a0 = _row3_one(xb, bi, d0, d1, d2, w3, w4, w5, a0)
            a0 = _row3_one(xc, bi, d0, d1, d2, w6, w7, w8, a0)
            simd.vstore(o, b0, a0)
            ow += 1


@jit_inline
def _row5_quad(x, s, c, w0, w1, w2, w3, w4, a0, a1, a2, a3):
    # One kernel row of `_simd_row5x5_d1` for four output pixels: the eight input vectors
    # from element s on, each used by up to five taps, taps in increasing order.
    r0, r1, r2, r3 = simd.vload(x, s), simd.vload(x, s + c), simd.vload(x, s + 2 * c), \
        simd.vload(x, s + 3 * c)
    r4, r5, r6, r7 = simd.vload(x, s + 4 * c), simd.vload(x, s + 5 * c), \
        simd.vload(x, s + 6 * c), simd.vload(x, s + 7 * c)
    a0, a1, a2, a3 = simd.vfma(r0, w0, a0), simd.vfma(r1, w0, a1), simd.vfma(r2, w0, a2), \
        simd.vfma(r3, w0, a3)
    a0, a1, a2, a3 = simd.vfma(r1, w1, a0), simd.vfma(r2, w1, a1), simd.vfma(r3, w1, a2), \
        simd.vfma(r4, w1, a3)
    a0, a1, a2, a3 = simd.vfma(r2, w2, a0), simd.vfma(r3, w2, a1), simd.vfma(r4, w2, a2), \
        simd.vfma(r5, w2, a3)
    a0, a1, a2, a3 = simd.vfma(r3, w3, a0), simd.vfma(r4, w3, a1), simd.vfma(r5, w3, a2), \
        simd.vfma(r6, w3, a3)
    a0, a1, a2, a3 = simd.vfma(r4, w4, a0), simd.vfma(r5, w4, a1), simd.vfma(r6, w4, a2), \
        simd.vfma(r7, w4, a3)
    return a0, a1, a2, a3


@jit_inline
def _row5_one(x, s, c, w0, w1, w2, w3, w4, a0):
    # One kernel row of `_simd_row5x5_d1` for one output pixel.
    a0 = simd.vfma(simd.vload(x, s), w0, a0)
    a0 = simd.vfma(simd.vload(x, s + c), w1, a0)
    a0 = simd.vfma(simd.vload(x, s + 2 * c), w2, a0)
    a0 = simd.vfma(simd.vload(x, s + 3 * c), w3, a0)
    return simd.vfma(simd.vload(x, s + 4 * c), w4, a0)


@jit
def _simd_row5x5_d1(xf, wf, n, ia, col_off, c, lo, hi, o):
    # `_simd_row3x3` for 5x5 filters with a column dilation of 1 (MobileNetV3,
    # EfficientNet): the 25 tap weights of a block of channels loaded once per row (LLVM
    # keeps in registers what fits); the five taps of a kernel row read consecutive
    # pixels, so the eight input vectors under four output pixels are loaded once and
    # each used by up to five taps; each kernel row is an inlined block (`_row5_quad`),
    # so no index is looked up in the inner loop: 15 cycles per 16 outputs from L2,
    # against 26 for the looped `_simd_row`. Same additions in the same order.
    x0, x1, x2 = xf[n, ia[0]], xf[n, ia[1]], xf[n, ia[2]]
    x3, x4 = xf[n, ia[3]], xf[n, ia[4]]
    step = simd.VECTOR_BYTES // o.itemsize
    d0 = col_off[0] * c
    for cb in range(0, c, step):
        w0 = simd.vload(wf, 0 * c + cb)
        w1 = simd.vload(wf, 1 * c + cb)
        w2 = simd.vload(wf, 2 * c + cb)
        w3 = simd.vload(wf, 3 * c + cb)
        w4 = simd.vload(wf, 4 * c + cb)
        w5 = simd.vload(wf, 5 * c + cb)
        w6 = simd.vload(wf, 6 * c + cb)
        w7 = simd.vload(wf, 7 * c + cb)
        w8 = simd.vload(wf, 8 * c + cb)
        w9 = simd.vload(wf, 9 * c + cb)
        w10 = simd.vload(wf, 10 * c + cb)
        w11 = simd.vload(wf, 11 * c + cb)
        w12 = simd.vload(wf, 12 * c + cb)
        w13 = simd.vload(wf, 13 * c + cb)
        w14 = simd.vload(wf, 14 * c + cb)
        w15 = simd.vload(wf, 15 * c + cb)
        w16 = simd.vload(wf, 16 * c + cb)
        w17 = simd.vload(wf, 17 * c + cb)
        w18 = simd.vload(wf, 18 * c + cb)
        w19 = simd.vload(wf, 19 * c + cb)
        w20 = simd.vload(wf, 20 * c + cb)
        w21 = simd.vload(wf, 21 * c + cb)
        w22 = simd.vload(wf, 22 * c + cb)
        w23 = simd.vload(wf, 23 * c + cb)
        w24 = simd.vload(wf, 24 * c + cb)
        ow = lo
        while ow + 4 <= hi:
            b0 = ow * c + cb
            s = b0 + d0
            a0, a1, a2, a3 = simd.vzero(o), simd.vzero(o), simd.vzero(o), simd.vzero(o)
            a0, a1, a2, a3 = _row5_quad(x0, s, c, w0, w1, w2, w3, w4, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row5_quad(x1, s, c, w5, w6, w7, w8, w9, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row5_quad(x2, s, c, w10, w11, w12, w13, w14, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row5_quad(x3, s, c, w15, w16, w17, w18, w19, a0, a1, a2, a3)
            a0, a1, a2, a3 = _row5_quad(x4, s, c, w20, w21, w22, w23, w24, a0, a1, a2, a3)
            simd.vstore(o, b0, a0)
            simd.vstore(o, b0 + c, a1)
            simd.vstore(o, b0 + 2 * c, a2)
            simd.vstore(o, b0 + 3 * c, a3)
            ow += 4
        while ow < hi:
            b0 = ow * c + cb
            s = b0 + d0
            a0 = simd.vzero(o)
            a0 = _row5_one(x0, s, c, w0, w1, w2, w3, w4, a0)
            a0 = _row5_one(x1, s, c, w5, w6, w7, w8, w9, a0)
            a0 = _row5_one(x2, s, c, w10, w11, w12, w13, w14, a0)
            a0 = _row5_one(x3, s, c, w15, w16, w17, w18, w19, a0)
            a0 = _row5_one(x4, s, c, w20, w21, w22, w23, w24, a0)
            simd.vstore(o, b0, a0)
            ow += 1


@jit
def _simd_row(xf, wf, n, ia, col_off, kw, sw, c, lo, hi, o):
    # `_simd_row3x3` for any other filter size: four output pixels at a time, the taps
    # in a loop (weights loaded from L1 per tap: too many taps to keep in registers).
    # ia: the input row of each kernel row; tap t = i*kw + j reads column
    # ow*sw + col_off[t].
    n_taps = wf.shape[0] // c
    kh = n_taps // kw
    step = simd.VECTOR_BYTES // o.itemsize
    cs = sw * c
    for cb in range(0, c, step):
        ow = lo
        while ow + 4 <= hi:
            b0 = ow * c + cb
            bi = ow * cs + cb
            a0, a1, a2, a3 = simd.vzero(o), simd.vzero(o), simd.vzero(o), simd.vzero(o)
            for i in range(kh):
                xr = xf[n, ia[i]]
                for j in range(kw):
                    t = i * kw + j
                    wt = simd.vload(wf, t * c + cb)
                    s = bi + col_off[t] * c
                    a0 = simd.vfma(simd.vload(xr, s), wt, a0)
                    a1 = simd.vfma(simd.vload(xr, s + cs), wt, a1)
                    a2 = simd.vfma(simd.vload(xr, s + 2 * cs), wt, a2)
                    a3 = simd.vfma(simd.vload(xr, s + 3 * cs), wt, a3)
            simd.vstore(o, b0, a0)
            simd.vstore(o, b0 + c, a1)
            simd.vstore(o, b0 + 2 * c, a2)
            simd.vstore(o, b0 + 3 * c, a3)
            ow += 4
        while ow < hi:
            b0 = ow * c + cb
            bi = ow * cs + cb
            a0 = simd.vzero(o)
            for i in range(kh):
                xr = xf[n, ia[i]]
                for j in range(kw):
                    t = i * kw + j
                    a0 = simd.vfma(simd.vload(xr, bi + col_off[t] * c),
                                   simd.vload(wf, t * c + cb), a0)
            simd.vstore(o, b0, a0)
            ow += 1


@jit
def _edge_pixels(xf, fb, n, ihs, col_off, kw, c, w, ow0, ow1, o):
    # Output pixels [ow0, ow1) of a row whose taps are all in range vertically (kernel
    # row i reads input row ihs[i]) but not horizontally: tap by tap, in increasing t,
    # skipping columns outside the image.
    for ow in range(ow0, ow1):
        ob = o[ow * c:(ow + 1) * c]
        ob[:] = 0
        for t in range(fb.shape[0]):
            iw = ow + col_off[t]
            if 0 <= iw < w:
                xr = xf[n, ihs[t // kw], iw * c:(iw + 1) * c]
                ft = fb[t, :c]
                for k in range(c):
                    ob[k] += xr[k] * ft[k]


@jit
def _forward_rows(xf, ft, fb, sh, row_off, col_off, kw, w, c, n, oh, oa, ob, pair, zero):
    # Output row oh of image n into `oa`, and row oh + 1 into `ob` if `pair` (column
    # stride 1, scalar kernels). For a 3x3 filter, on rows whose taps are all inside the
    # image vertically, the columns where every tap is in range take `_interior3x3` and
    # the other columns `_edge_pixels`; every other row and filter takes `_forward_row`.
    h = xf.shape[1]
    ow_n = oa.shape[0] // c
    n_taps = ft.shape[0]
    last = oh + 1 if pair else oh
    top = min(row_off[0], row_off[n_taps - 1])
    bottom = max(row_off[0], row_off[n_taps - 1])
    if n_taps == 9 and kw == 3 and oh * sh + top >= 0 and last * sh + bottom < h:
        left = min(col_off[0], col_off[kw - 1])
        right = max(col_off[0], col_off[kw - 1])
        lo = max(0, -left)
        hi = min(ow_n, w - right)
        if lo >= hi:
            lo = hi = ow_n
        # Row indices as tuples: nothing allocated per row (that showed on small images).
        ia = (oh * sh + row_off[0], oh * sh + row_off[3], oh * sh + row_off[6])
        ib = (last * sh + row_off[0], last * sh + row_off[3], last * sh + row_off[6])
        if lo < hi:
            _interior3x3(xf, fb, n, ia, ib, col_off, c, lo, hi, oa, ob, pair, zero)
        _edge_pixels(xf, fb, n, ia, col_off, kw, c, w, 0, lo, oa)
        _edge_pixels(xf, fb, n, ia, col_off, kw, c, w, hi, ow_n, oa)
        if pair:
            _edge_pixels(xf, fb, n, ib, col_off, kw, c, w, 0, lo, ob)
            _edge_pixels(xf, fb, n, ib, col_off, kw, c, w, hi, ow_n, ob)
        return
    _forward_row(xf, ft, sh, row_off, col_off, w, c, n, oh, oa)
    if pair:
        _forward_row(xf, ft, sh, row_off, col_off, w, c, n, oh + 1, ob)


@jit_parallel
def _rows_forward(x, ft, fb, sh, row_off, col_off, kw, out):
    # out row (n, oh) = sum over taps t of x row (n, oh*sh + row_off[t]) shifted by
    # col_off[t] pixels, times tap t's [C] weights (ft: tiled along a whole row, fb: along
    # a block of pixels); column stride 1, scalar kernels. Rows go in pairs (see
    # `_interior3x3`).
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    xf = x.reshape(n_img, h, w * c)
    of = out.reshape(n_img, oh_n, ow_n * c)
    pairs = (oh_n + 1) // 2
    zero = np.zeros(1, dtype=out.dtype)[0]
    for r in prange(n_img * pairs):
        n = r // pairs
        oh = 2 * (r - n * pairs)
        pair = oh + 1 < oh_n
        _forward_rows(xf, ft, fb, sh, row_off, col_off, kw, w, c, n, oh, of[n, oh],
                      of[n, oh + 1] if pair else of[n, oh], pair, zero)


@jit
def _rows_forward_range(x, ft, fb, sh, row_off, col_off, kw, oh_n, r0, r1, tile):
    # Output rows r0..r1 (r = n*OH + oh) of `_rows_forward`, serially, into `tile`
    # [(r1 - r0), OW*C]: the producer of a fused depthwise + pointwise tile.
    n_img, h, w, c = x.shape
    xf = x.reshape(n_img, h, w * c)
    zero = np.zeros(1, dtype=tile.dtype)[0]
    r = r0
    while r < r1:
        n = r // oh_n
        oh = r - n * oh_n
        pair = r + 1 < r1 and oh + 1 < oh_n
        _forward_rows(xf, ft, fb, sh, row_off, col_off, kw, w, c, n, oh, tile[r - r0],
                      tile[r + 1 - r0] if pair else tile[r - r0], pair, zero)
        r += 2 if pair else 1


@jit
def _copy(dst, src):
    # dst[:] = src as a loop: numba's slice assignment checks for overlap and copied a
    # row through a temporary, 7x slower.
    for k in range(src.shape[0]):
        dst[k] = src[k]


@jit
def _ring_slot(xf, n, ih, ring, ring_id, start):
    # The ring slot holding input row ih of image n, copied into the slot from element
    # `start` on unless it is there already; the ring's last slot (all zeros) for a row
    # outside the image.
    h = xf.shape[1]
    span = ring.shape[0] - 1
    if ih < 0 or ih >= h:
        return span
    s = ih % span
    key = n * h + ih
    if ring_id[s] != key:
        _copy(ring[s, start:start + xf.shape[2]], xf[n, ih])
        ring_id[s] = key
    return s


@jit
def _row_any(xf, wf, n, ia, col_off, kw, sw, c, lo, hi, o):
    # Output pixels [lo, hi) of row `o` whose taps are all in range, from the rows ia of
    # image n of xf: `_simd_row3x3`, `_simd_row5x5_d1` or `_simd_row`.
    n_taps = wf.shape[0] // c
    if n_taps == 9 and kw == 3:
        if sw == 1:
            # Literal strides: LLVM compiles the loops of these calls ~5% (stride 1) to 30%
            # (stride 2) faster.
            _simd_row3x3(xf, wf, n, (ia[0], ia[1], ia[2]), col_off, 1, c, lo, hi, o)
        elif sw == 2:
            _simd_row3x3(xf, wf, n, (ia[0], ia[1], ia[2]), col_off, 2, c, lo, hi, o)
        else:
            _simd_row3x3(xf, wf, n, (ia[0], ia[1], ia[2]), col_off, sw, c, lo, hi, o)
    elif n_taps == 25 and kw == 5 and sw == 1 and col_off[1] == col_off[0] + 1:
        _simd_row5x5_d1(xf, wf, n, ia, col_off, c, lo, hi, o)
    else:
        _simd_row(xf, wf, n, ia, col_off, kw, sw, c, lo, hi, o)


@jit
def _padded_rows(xf, wf, sh, sw, row_off, col_off, kw, c, oh_n, pl, wp, r0, r1, out):
    # Output rows r0..r1 (r = n*OH + oh) into `out` [(r1 - r0), OW*C] with the SIMD row
    # kernels (`_row_any`), which need every tap of the pixels they make in range. Rows
    # read a ring of zero-padded rows: each input row copied once, pl zero pixels before
    # it and zeros after it, up to wp pixels, plus an all-zero row for rows in the
    # padding. With a column stride > 1, a row whose taps are all inside the image
    # vertically reads the input rows where they are instead, for its interior columns;
    # for the few columns at each end, the kh input rows' first or last pixels are copied
    # into a small zero-padded strip. A tap in the padding adds 0 * w, which leaves a
    # finite sum unchanged: the values of the edge-aware kernels.
    # Measured on 2 cores: the stride-2 [16, 112, 112, 64] forward pass took 1.4-1.9 ms
    # reading in place, 1.6-1.9 through the ring (whose copy ran at ~28 GB/s against 55
    # for plain reads); the stride-1 [32, 56, 56, 128] one 2.8-2.9 ms through the ring,
    # 3.4 in place (the kernels' reads, one channel block of every pixel at a time, stream
    # from memory worse than the copy's).
    # col_off: the taps' column offsets in the padded row (pl more than in the input).
    n_taps = wf.shape[0] // c
    kh = n_taps // kw
    h = xf.shape[1]
    w = xf.shape[2] // c
    ow_n = out.shape[1] // c
    span = abs(row_off[n_taps - 1] - row_off[0]) + 1  # input rows under one output row
    ring = simd.aligned_zeros(span + 1, wp * c, out)
    ring3 = ring.reshape(1, span + 1, wp * c)
    ring_id = np.full(span, -1, dtype=np.int64)
    ia = np.empty(kh, dtype=np.int64)
    top = min(row_off[0], row_off[n_taps - 1])
    bottom = max(row_off[0], row_off[n_taps - 1])
    # Interior columns [lo, hi): every tap inside the input row.
    left = min(col_off[0], col_off[kw - 1]) - pl
    right = max(col_off[0], col_off[kw - 1]) - pl
    lo = min(ow_n, (max(0, -left) + sw - 1) // sw)
    hi = max(lo, min(ow_n, (w - 1 - right) // sw + 1)) if w - 1 - right >= 0 else lo
    # The strips: the columns of max(lo, ow_n - hi) output pixels, strip column p being
    # input column p + left (left end) or p + hi*sw + left (right end).
    m = max(lo, ow_n - hi)
    sp = (m - 1) * sw + right - left + 1 if m > 0 else 1
    strip = simd.aligned_zeros(kh, sp * c, out).reshape(1, kh, sp * c)
    rows = np.arange(kh)
    soff = col_off - pl - left  # tap offsets in a strip
    cx = col_off - pl  # in the input row
    # A zero that is not a literal: numba compiles a separate `_row_any` for literal
    # arguments, which doubled the compile time.
    z = r0 - r0
    for r in range(r0, r1):
        n = r // oh_n
        oh = r - n * oh_n
        o = out[r - r0]
        if sw > 1 and lo < hi and oh * sh + top >= 0 and oh * sh + bottom < h:
            for i in range(kh):
                ia[i] = oh * sh + row_off[i * kw]
            _row_any(xf, wf, n, ia, cx, kw, sw, c, lo, hi, o)
            if lo > 0:
                _fill_strip(xf, n, ia, left, (lo - 1) * sw + right, c, strip)
                _row_any(strip, wf, z, rows, soff, kw, sw, c, z, lo, o)
            if hi < ow_n:
                _fill_strip(xf, n, ia, hi * sw + left, (ow_n - 1) * sw + right, c, strip)
                _row_any(strip, wf, z, rows, soff, kw, sw, c, z, ow_n - hi, o[hi * c:])
            continue
        for i in range(kh):
            ia[i] = _ring_slot(xf, n, oh * sh + row_off[i * kw], ring, ring_id, pl * c)
        _row_any(ring3, wf, z, ia, col_off, kw, sw, c, z, ow_n, o)


@jit
def _fill_strip(xf, n, ia, first, last, c, strip):
    # strip[0, i] = input columns first..last of row ia[i] of image n, with zeros for
    # columns outside the image and after `last`.
    w = xf.shape[2] // c
    for i in range(ia.shape[0]):
        dst = strip[0, i]
        src = xf[n, ia[i]]
        for p in range(dst.shape[0] // c):
            col = first + p
            if col <= last and 0 <= col < w:
                for k in range(c):
                    dst[p * c + k] = src[col * c + k]
            else:
                for k in range(c):
                    dst[p * c + k] = 0


@jit_parallel
def _padded_forward(x, wf, sh, sw, row_off, col_off, kw, pl, wp, chunks, out):
    # `_padded_rows` over all output rows, in `chunks` runs of consecutive rows.
    n_img, h, w, c = x.shape
    oh_n, ow_n = out.shape[1], out.shape[2]
    xf = x.reshape(n_img, h, w * c)
    of = out.reshape(n_img * oh_n, ow_n * c)
    rows = n_img * oh_n
    for k in prange(chunks):
        r0 = k * rows // chunks
        r1 = (k + 1) * rows // chunks
        _padded_rows(xf, wf, sh, sw, row_off, col_off, kw, c, oh_n, pl, wp, r0, r1, of[r0:r1])


@jit
def _filter_row(xf, d, n, oh, sh, row_off, col_off, w, c, blk):
    # Adds output row (n, oh)'s contributions to the filter gradient (d: its dy row, OW*C
    # numbers): for each tap t whose
    # input row is inside the image, x(row oh*sh + row_off[t], column ow + col_off[t]) *
    # dy(row oh, column ow) over the columns where that input column exists. blk[t] holds
    # P pixel slots of C sums each; pixel ow of a block of P pixels goes to slot ow - b0,
    # and the caller folds the slots at the end. A tap's P*C sums (a few KB) stay in L1
    # while the row streams past them.
    h = xf.shape[1]
    ow_n = d.shape[0] // c
    p = blk.shape[1] // c
    for t in range(row_off.shape[0]):
        ih = oh * sh + row_off[t]
        if ih < 0 or ih >= h:
            continue
        s = col_off[t]
        lo = max(0, -s)
        hi = min(ow_n, w - s)
        xr = xf[n, ih]
        bt = blk[t]
        for b0 in range(lo, hi, p):
            m = (min(hi, b0 + p) - b0) * c
            xs = xr[(b0 + s) * c:(b0 + s) * c + m]
            ds = d[b0 * c:b0 * c + m]
            for k in range(m):
                bt[k] += xs[k] * ds[k]


@jit_parallel
def _rows_filter(x, dy, sh, row_off, col_off, flush_rows, parts):
    # parts[p, t, slot*C + c] accumulates, in float64, chunk p's sums of x(row for tap t,
    # shifted) * dy(row) (see `_filter_row`); the caller adds chunks and slots. Each
    # thread sums `flush_rows` output rows in the input dtype, then adds those sums into
    # its float64 partials: fast, and accurate over the ~10^5 pixels of a large batch.
    n_img, h, w, c = x.shape
    oh_n = dy.shape[1]
    n_taps = row_off.shape[0]
    xf = x.reshape(n_img, h, w * c)
    df = dy.reshape(n_img, oh_n, dy.shape[2] * c)
    n_parts = parts.shape[0]
    rows = n_img * oh_n
    for p in prange(n_parts):
        blk = np.zeros((n_taps, parts.shape[2]), dtype=x.dtype)
        r0 = p * rows // n_parts
        r1 = (p + 1) * rows // n_parts
        for r in range(r0, r1):
            n = r // oh_n
            _filter_row(xf, df[n, r - n * oh_n], n, r - n * oh_n, sh, row_off, col_off, w, c,
                        blk)
            if (r - r0) % flush_rows == flush_rows - 1 or r == r1 - 1:
                for t in range(n_taps):
                    _flush(parts[p, t], blk[t])


@jit
def _simd_filter_row(xf, ia, d, col_off, kw, sw, c, ow_n, p, blk):
    # Adds one output row's contributions to the filter gradient's block sums blk [T*C]:
    # blk[t*C + k] += sum over ow of x(row ia[t // kw], column ow*sw + col_off[t], k)
    # * d[ow*C + k], over padded input rows (every tap in range). Blocks of p pixels keep
    # what they read in L1 while every tap and channel block passes over them; each sum
    # runs in four registers (pixels ow..ow+3), added into blk after the block.
    n_taps = blk.shape[0] // c
    step = simd.VECTOR_BYTES // blk.itemsize
    cs = sw * c
    for p0 in range(0, ow_n, p):
        p1 = min(ow_n, p0 + p)
        for t in range(n_taps):
            xr = xf[0, ia[t // kw]]
            xt = xr[col_off[t] * c:]
            for cb in range(0, c, step):
                a0, a1, a2, a3 = simd.vzero(blk), simd.vzero(blk), simd.vzero(blk), simd.vzero(blk)
                ow = p0
                while ow + 4 <= p1:
                    s = ow * cs + cb
                    o = ow * c + cb
                    a0 = simd.vfma(simd.vload(xt, s), simd.vload(d, o), a0)
                    a1 = simd.vfma(simd.vload(xt, s + cs), simd.vload(d, o + c), a1)
                    a2 = simd.vfma(simd.vload(xt, s + 2 * cs), simd.vload(d, o + 2 * c), a2)
                    a3 = simd.vfma(simd.vload(xt, s + 3 * cs), simd.vload(d, o + 3 * c), a3)
                    ow += 4
                while ow < p1:
                    a0 = simd.vfma(simd.vload(xt, ow * cs + cb), simd.vload(d, ow * c + cb), a0)
                    ow += 1
                a0 = simd.vadd(simd.vadd(a0, a1), simd.vadd(a2, a3))
                simd.vstore(blk, t * c + cb, simd.vadd(simd.vload(blk, t * c + cb), a0))


@jit
def _padded_filter_rows(xf, drows, sh, sw, row_off, col_off, kw, c, oh_n, pl, wp, r0, r1,
                        flush_rows, blk, acc):
    # Adds output rows r0..r1 (r = n*OH + oh; drows [(r1 - r0), OW*C]: their dy rows) to
    # the filter gradient, reading a ring of zero-padded input rows as `_padded_rows`
    # does (a tap in the padding adds 0 * dy): block sums blk [T*C] in the input dtype,
    # added into the float64 partials acc [T*C] every `flush_rows` rows and at the end.
    n_taps = row_off.shape[0]
    kh = n_taps // kw
    span = abs(row_off[n_taps - 1] - row_off[0]) + 1
    ring = simd.aligned_zeros(span + 1, wp * c, blk)
    ring3 = ring.reshape(1, span + 1, wp * c)
    ring_id = np.full(span, -1, dtype=np.int64)
    ia = np.empty(kh, dtype=np.int64)
    ow_n = drows.shape[1] // c
    # Pixels per block: the kh input rows under a block, about 24 KB, stay in L1.
    p = max(4, (6144 // (kh * sw * c)) // 4 * 4)
    for r in range(r0, r1):
        n = r // oh_n
        oh = r - n * oh_n
        for i in range(kh):
            ia[i] = _ring_slot(xf, n, oh * sh + row_off[i * kw], ring, ring_id, pl * c)
        _simd_filter_row(ring3, ia, drows[r - r0], col_off, kw, sw, c, ow_n, p, blk)
        if (r - r0) % flush_rows == flush_rows - 1 or r == r1 - 1:
            _flush(acc, blk)


@jit_parallel
def _padded_filter(x, dy, sh, sw, row_off, col_off, kw, pl, wp, flush_rows, parts):
    # parts[p] [T*C]: chunk p's float64 partial sums (`_padded_filter_rows`).
    n_img, h, w, c = x.shape
    oh_n = dy.shape[1]
    xf = x.reshape(n_img, h, w * c)
    df = dy.reshape(n_img * oh_n, dy.shape[2] * c)
    n_parts = parts.shape[0]
    rows = n_img * oh_n
    for p in prange(n_parts):
        blk = simd.aligned_zeros(1, parts.shape[1], x).reshape(-1)
        r0 = p * rows // n_parts
        r1 = (p + 1) * rows // n_parts
        _padded_filter_rows(xf, df[r0:r1], sh, sw, row_off, col_off, kw, c, oh_n, pl, wp, r0,
                            r1, flush_rows, blk, parts[p])


@jit
def _filter_tile(x, dtile, oh_n, r0, r1, sh, row_off, col_off, flush_rows, blk, acc):
    # `_rows_filter` for output rows r0..r1 whose dy rows are `dtile` [(r1 - r0), OW*C]
    # (made by a fused kernel just before), serially, into the float64 partials `acc`;
    # the block sums are flushed every `flush_rows` rows and at the end of the tile.
    n_img, h, w, c = x.shape
    xf = x.reshape(n_img, h, w * c)
    for r in range(r0, r1):
        n = r // oh_n
        _filter_row(xf, dtile[r - r0], n, r - n * oh_n, sh, row_off, col_off, w, c, blk)
        if (r - r0) % flush_rows == flush_rows - 1 or r == r1 - 1:
            for t in range(row_off.shape[0]):
                _flush(acc[t], blk[t])


def filter_accumulator(x, f_shape, strides, dilations, pads, ow_n):
    """For fused kernels: `(shape, add, fold)` to sum the filter gradient of a depthwise
    conv a tile of output rows at a time, or None when no row kernel takes these strides
    (a column stride > 1 without the SIMD kernels).

    `add(acc, blk, oh_n, r0, r1, dtile)` adds output rows r0..r1 (r = n*OH + oh), whose dy
    rows are `dtile`, into the float64 partials `acc` of `shape` (scratch `blk` of the
    same shape in the input dtype; one pair per thread); `fold(acc)` turns the partials,
    summed over threads, into the [kh, kw, C, M] gradient.
    """
    kh, kw, c, mult = f_shape
    cm = c * mult
    trows, tcols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
    if strides[1] != 1:
        if not _simd_ok(cm, x.dtype):
            return None
        xe = x if mult == 1 else _expand(x, mult)
        n, h, w, _ = xe.shape
        xf = xe.reshape(n, h, w * cm)
        pl, wp, cols = _padded_geometry(tcols, strides[1], w, ow_n)
        flush_rows = max(1, _FLUSH_TERMS // ow_n)

        def add(acc, blk, oh_n, r0, r1, dtile):
            _padded_filter_rows(xf, dtile, strides[0], strides[1], trows, cols, kw, cm, oh_n,
                                pl, wp, r0, r1, flush_rows, blk, acc)

        def fold(acc):
            return acc.astype(x.dtype).reshape(kh, kw, c, mult)
        return (kh * kw * cm,), add, fold
    xe = x if mult == 1 else _expand(x, mult)
    slots = max(1, min(ow_n, _BLOCK_FLOATS // max(1, cm)))
    flush_rows = max(1, _FLUSH_TERMS // -(-ow_n // slots))

    def add(acc, blk, oh_n, r0, r1, dtile):
        _filter_tile(xe, dtile, oh_n, r0, r1, strides[0], trows, tcols, flush_rows, blk, acc)

    def fold(acc):
        return acc.reshape(kh * kw, slots, cm).sum(axis=1).astype(x.dtype).reshape(
            kh, kw, c, mult)
    return (kh * kw, slots * cm), add, fold


@jit_parallel
def _expand_channels(x, mult, out):
    # out[..., c*M + m] = x[..., c]: a depth multiplier M turns into M=1 over C*M channels.
    rows, c = x.shape
    for r in prange(rows):
        for ci in range(c):
            v = x[r, ci]
            for m in range(mult):
                out[r, ci * mult + m] = v


@jit_parallel
def _sum_multiplier(dxe, mult, dx):
    # dx[..., c] = sum_m dxe[..., c*M + m]
    rows, c = dx.shape
    for r in prange(rows):
        for ci in range(c):
            s = dxe[r, ci * mult]
            for m in range(1, mult):
                s += dxe[r, ci * mult + m]
            dx[r, ci] = s


@jit
def _pixels_row(x, f, sh, sw, dh, dw, pt, pl, n, oh, orow):
    # Output row `orow` [OW, C*M] (image n, row oh) of the pixel kernel; f is the filter
    # viewed [KH, KW, C*M], so a tap's weights are one contiguous run.
    _, h, w, c_in = x.shape
    kh, kw, cm = f.shape
    mult = cm // c_in
    ih0 = oh * sh - pt
    for ow in range(orow.shape[0]):
        iw0 = ow * sw - pl
        o = orow[ow]
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
                        o[ci] += xv[ci] * fv[ci]
                else:
                    for ci in range(c_in):
                        for m in range(mult):
                            o[ci * mult + m] += xv[ci] * fv[ci * mult + m]


@jit_parallel
def _pixels_forward(x, f, sh, sw, dh, dw, pt, pl, out):
    n_img = x.shape[0]
    oh_n = out.shape[1]
    for r in prange(n_img * oh_n):
        n = r // oh_n
        oh = r - n * oh_n
        _pixels_row(x, f, sh, sw, dh, dw, pt, pl, n, oh, out[n, oh])


@jit
def _pixels_forward_range(x, f, sh, sw, dh, dw, pt, pl, oh_n, r0, r1, tile):
    # Output rows r0..r1 of `_pixels_forward`, serially, into `tile` [(r1 - r0), OW, C*M].
    for r in range(r0, r1):
        n = r // oh_n
        _pixels_row(x, f, sh, sw, dh, dw, pt, pl, n, r - n * oh_n, tile[r - r0])


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


@functools.lru_cache(maxsize=256)
def _taps(kh, kw, row_step, row_base, col_step, col_base):
    # (row_off, col_off) of tap t = i*kw + j: row_base + row_step*i, col_base + col_step*j.
    # Cached (read-only): building them cost ~10 us a call, 3% of a small training step.
    rows = np.repeat(row_base + row_step * np.arange(kh, dtype=np.int64), kw)
    cols = np.tile(col_base + col_step * np.arange(kw, dtype=np.int64), kh)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def _tiled(f2, width):
    # [T, C] tap weights -> [T, width*C], each tap's weights repeated for every pixel.
    # 64-byte aligned like the input and output rows: a 512-bit load that straddles two
    # cache lines costs two, and this is one of the three streams of every tap.
    out = _alloc.aligned((f2.shape[0], width * f2.shape[1]), f2.dtype)
    out[...] = np.tile(f2, (1, width))
    return out


def _row_weights(f2, width):
    """(ft, fb, wf, vec): the tap weights [T, C] laid out for the row kernels of an
    output row `width` pixels wide. The scalar kernels read ft (tiled over the row) and
    fb (over a block); when `vec`, only the SIMD kernels run, which read wf, so ft and fb
    are left one pixel wide instead of tiled for nothing."""
    wf, vec = _vector_weights(f2)
    if vec:
        ft = fb = _tiled(f2, 1)
    else:
        ft, fb = _tiled(f2, width), _block_tiled(f2, width)
    return ft, fb, wf, vec


def _vector_weights(f2):
    # The [T*C] weights for the SIMD kernels, and whether they can run (`_simd_ok`).
    wf = _alloc.aligned((f2.size,), f2.dtype)
    wf[:] = f2.reshape(-1)
    return wf, _simd_ok(f2.shape[1], f2.dtype)


def _simd_ok(channels, dtype):
    # The SIMD kernels run when compiled (not under NUMBA_DISABLE_JIT) and the channels
    # are a multiple of the vector's lanes.
    return bool(simd.available() and channels % simd.lanes(np.dtype(dtype)) == 0)


def _padded_geometry(col_off, sw, w, width):
    """(pl, wp, col_off + pl): the zero pixels before an input row W pixels wide in the
    padded rows of `_padded_rows`, the padded row's width in pixels (through what the last
    of `width` output pixels reads) and the taps' column offsets in it."""
    pl = max(0, -int(col_off.min()))
    wp = max(w + pl, (width - 1) * sw + int(col_off.max()) + pl + 1)
    return pl, wp, col_off + pl


def _block_tiled(f2, width):
    # The same, over the P pixels of a block of `_interior3x3` (P*C about _BLOCK_FLOATS).
    return _tiled(f2, max(1, min(width, _BLOCK_FLOATS // max(1, f2.shape[1]))))


def _expand(x, mult):
    n, h, w, c = x.shape
    xe = _alloc.empty((n, h, w, c * mult), x.dtype)
    _expand_channels(x.reshape(-1, c), mult, xe.reshape(-1, c * mult))
    return xe


class _RowKernels:
    """A depthwise convolution computed by the row kernels: output (n, oh, ow) is the sum
    over taps t of x(n, oh*sh + row_off[t], ow*sw + col_off[t]) * w[t] (the forward pass,
    or the input gradient as a forward pass over dy with mirrored taps).

    With the SIMD kernels (`vec`) the rows go through `_padded_rows`; otherwise through
    the scalar, edge-aware `_forward_rows`, which needs a column stride of 1.
    """

    def __init__(self, x, f2, kw, sh, sw, row_off, col_off, width):
        self.x, self.kw, self.sh, self.sw = x, kw, sh, sw
        self.row_off, self.col_off = row_off, col_off
        self.ft, self.fb, self.wf, self.vec = _row_weights(f2, width)
        self.pl, self.wp, self.col_off_padded = _padded_geometry(col_off, sw, x.shape[2], width)

    def run(self, out):
        """All output rows into `out` [N, OH, OW, C], on numba's threads."""
        if not self.vec:
            _rows_forward(self.x, self.ft, self.fb, self.sh, self.row_off, self.col_off,
                          self.kw, out)
            return
        rows = out.shape[0] * out.shape[1]
        # A tap costs the SIMD rows about a quarter of what `threads_for` counts on: one
        # thread was faster up to ~4M multiply-adds (a [8, 28, 28, 32] 3x3 forward pass:
        # 52 us on one thread, 70 on two).
        with threads_for(out.size * (self.wf.shape[0] // max(1, out.shape[3])) // 4):
            _padded_forward(self.x, self.wf, self.sh, self.sw, self.row_off, self.col_off_padded,
                            self.kw, self.pl, self.wp, max(1, min(rows, 4 * num_threads())), out)

    def fill(self, oh_n, r0, r1, tile):
        """Output rows r = n*OH + oh in [r0, r1) into `tile` [r1 - r0, OW*C], on the
        calling thread."""
        if self.vec:
            n, h, w, c = self.x.shape
            _padded_rows(self.x.reshape(n, h, w * c), self.wf, self.sh, self.sw, self.row_off,
                         self.col_off_padded, self.kw, c, oh_n, self.pl, self.wp, r0, r1, tile)
        else:
            _rows_forward_range(self.x, self.ft, self.fb, self.sh, self.row_off, self.col_off,
                                self.kw, oh_n, r0, r1, tile)


def _forward_kernels(x, f, strides, dilations, pads, width):
    """The `_RowKernels` of the forward pass for an output `width` pixels wide, or None
    when the pixel kernels must run: a column stride > 1 without the SIMD kernels, or
    together with a depth multiplier."""
    c = x.shape[3]
    kh, kw, _, mult = f.shape
    f2 = f.reshape(kh * kw, c * mult)
    if strides[1] != 1 and (mult != 1 or not _vector_weights(f2)[1]):
        return None
    # A multiplier M > 1 reads each input channel M times: expanding the input to C*M
    # channels once keeps the fast row kernel.
    xe = x if mult == 1 else _expand(x, mult)
    rows, cols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
    return _RowKernels(xe, f2, kw, strides[0], strides[1], rows, cols, width)


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
    with threads_for(out.size * kh * kw):
        rk = _forward_kernels(x, f, strides, dilations, pads, out_hw[1])
        if rk is not None:
            rk.run(out)
        else:
            _pixels_forward(x, f.reshape(kh, kw, c * mult), strides[0], strides[1],
                            dilations[0], dilations[1], pads[0], pads[1], out)
    return out


def row_producer(x, f, strides, dilations, pads, out_hw):
    """The depthwise output made a few rows at a time, for fused kernels.

    Returns `fill(r0, r1, buf)`, which writes the output rows r = n*OH + oh for r in
    [r0, r1) into `buf` [(r1 - r0) * OW, C*M] on the calling thread, with the same kernels
    (hence the same values) as `forward`. Thread-safe: calls share nothing but `x` and the
    filter, which they only read.
    """
    _, _, _, c = x.shape
    kh, kw, _, mult = f.shape
    oh_n, ow_n = out_hw
    with threads_for(x.size * mult):
        rk = _forward_kernels(x, f, strides, dilations, pads, ow_n)
    if rk is not None:
        def fill(r0, r1, buf):
            rk.fill(oh_n, r0, r1, buf.reshape(r1 - r0, ow_n * c * mult))
    else:
        f3 = f.reshape(kh, kw, c * mult)

        def fill(r0, r1, buf):
            _pixels_forward_range(x, f3, strides[0], strides[1], dilations[0], dilations[1],
                                  pads[0], pads[1], oh_n, r0, r1,
                                  buf.reshape(r1 - r0, ow_n, c * mult))
    return fill


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
    with threads_for(dx.size * kh * kw * mult):
        if dy.size == 0:
            dx[...] = 0
        elif strides[0] == 1 and strides[1] == 1:
            # With unit strides the input gradient is a forward pass over dy with the taps
            # mirrored: input pixel ih sees output pixel ih + pt - i*dh through tap i. With a
            # multiplier, that gives C*M channels whose groups of M are then summed.
            rows, cols = _taps(kh, kw, -dilations[0], pads[0], -dilations[1], pads[1])
            rk = _RowKernels(dy, f.reshape(kh * kw, c * mult), kw, 1, 1, rows, cols, in_shape[2])
            if mult == 1:
                rk.run(dx)
            else:
                dxe = _alloc.empty(tuple(in_shape[:3]) + (c * mult,), dy.dtype)
                rk.run(dxe)
                _sum_multiplier(dxe.reshape(-1, c * mult), mult, dx.reshape(-1, c))
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
    if rows == 0 or dy.size == 0 or x.size == 0:
        return np.zeros(tuple(f_shape), dtype=x.dtype)
    with threads_for(dy.size * kh * kw):
        # One partial per thread: more would only add reduction work.
        n_parts = max(1, min(num_threads(), rows))
        if strides[1] != 1 and _simd_ok(c * mult, x.dtype):
            # Column strides: the padded SIMD rows (2.2 against 2.6 ms for the pixel
            # kernel on [16, 112, 112, 64], stride 2). With stride 1 the row kernel below
            # streams whole rows and was faster (4.2 against 5.2 ms on [32, 56, 56, 128]).
            xe = x if mult == 1 else _expand(x, mult)
            trows, tcols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
            ow_n = dy.shape[2]
            pl, wp, cols = _padded_geometry(tcols, strides[1], x.shape[2], ow_n)
            parts = np.zeros((n_parts, kh * kw * c * mult), dtype=np.float64)
            _padded_filter(xe, dy, strides[0], strides[1], trows, cols, kw, pl, wp,
                           max(1, _FLUSH_TERMS // ow_n), parts)
            df = parts.sum(axis=0)
        elif strides[1] == 1:
            xe = x if mult == 1 else _expand(x, mult)
            trows, tcols = _taps(kh, kw, dilations[0], -pads[0], dilations[1], -pads[1])
            ow_n = dy.shape[2]
            # P pixel slots per tap: P*C about _BLOCK_FLOATS. Each slot sums about
            # ceil(OW/P) pixels per row; flush into float64 after ~_FLUSH_TERMS terms.
            slots = max(1, min(ow_n, _BLOCK_FLOATS // max(1, c * mult)))
            flush_rows = max(1, _FLUSH_TERMS // -(-ow_n // slots))
            parts = np.zeros((n_parts, kh * kw, slots * c * mult), dtype=np.float64)
            _rows_filter(xe, dy, strides[0], trows, tcols, flush_rows, parts)
            df = parts.sum(axis=0).reshape(kh * kw, slots, c * mult).sum(axis=1)
        else:
            parts = np.zeros((n_parts, kh, kw, c * mult), dtype=np.float64)
            _pixels_backprop_filter(x, dy, kh, kw, strides[0], strides[1], dilations[0],
                                    dilations[1], pads[0], pads[1], parts)
            df = parts.sum(axis=0)
    return df.astype(x.dtype).reshape(kh, kw, c, mult)
