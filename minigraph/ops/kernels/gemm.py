"""Matrix products A @ B whose B is small, as the conv kernels make them: one numba kernel.

The products of a convolution network are tall and thin: A has a row per pixel (tens
of thousands), B is the filter (C x F, a few hundred by a few hundred). OpenBLAS packs
A and B into its own layouts on every call, which for such shapes costs a good part of
the product: on a Zen 5 core its float32 kernel ran at 200-230 GFLOP/s on them. This
kernel reads A and B where they are and keeps a 6 x 2-vector block of the output in
twelve registers while it walks k: per step, two vectors of B, six broadcast elements
of A, twelve fused multiply-adds. It ran at 250-273 GFLOP/s on the same core for every
K from 16 to 1024 and N from 32 to 512 (the core's peak, two 16-lane FMAs a cycle), as
long as B stays in the L2 cache (`usable`). `_blas._gemm` sends it every product it can
take.

The rows of A are prefetched two blocks ahead, spread over the block's column steps, so
A may come from memory (230-250 GFLOP/s where OpenBLAS ran at 206-213). `product_tn` is
the filter gradient's product a.T @ b over many rows (pixels): the same register block,
over passes of 32 rows that stay in L1 (the next pass prefetched meanwhile), adding each
pass into the output; 210-245 GFLOP/s against OpenBLAS's 148-174 for 6k-100k rows, and,
with its sums taken in two levels, half of OpenBLAS's rounding error on 100k rows.

Each output element of `product` is the sum over k in increasing order, one FMA per
term: the same additions in the same order for every row, whichever thread runs it
and however the rows are cut. The output block can take the bias and activation of a
fused epilogue in registers, and be written with non-temporal stores (straight to
memory, for outputs larger than the caches), so the output is written once and never
read back.
"""
import functools

import numpy as np

from minigraph.ops.kernels import simd
from minigraph.ops.kernels._jit import jit, jit_inline

# B (k x n) must fit in L2 with room for rows of A: every block of six rows reads all of
# it. (Measured on a 1 MB L2; beyond this OpenBLAS's blocking wins.)
_MAX_B_BYTES = 256 << 10

# Outputs at least this large are written with non-temporal stores (`streamable`): half
# the 32 MB L3 this was measured with; a smaller output is better left in cache for the
# op that reads it next. The stride-2 separable block (25.7 MB output): 4.33 -> 4.02 ms;
# the pointwise input gradient of the MobileNet block (51 MB): 9.50 -> 9.38 ms.
_STREAM_BYTES = 16 << 20


def streamable(out):
    """Whether an output is best written with non-temporal stores, which skip reading
    each line into the cache before overwriting it: large (`_STREAM_BYTES`), and whole
    64-byte vectors at aligned addresses for the compiled SIMD stores."""
    return (out.nbytes >= _STREAM_BYTES and simd.available() and out.flags.c_contiguous
            and out.ctypes.data % 64 == 0 and (out.shape[-1] * out.itemsize) % 64 == 0)


def usable(a, b, out):
    """Whether `product` runs out = a @ b: float32/float64 C-contiguous arrays of one
    dtype, a [m, k], b [k, n] with n a multiple of two vectors and B small (`fits`)."""
    return (fits(b, out) and a.dtype == out.dtype and a.ndim == 2 and a.flags.c_contiguous
            and a.shape == (out.shape[0], b.shape[0]))


def fits(b, out):
    """`usable` but for A: b [k, n] and out [m, n] C-contiguous, of one float dtype,
    n a multiple of two vectors, k > 0, B at most `_MAX_B_BYTES`, and the kernels
    compiled (not NUMBA_DISABLE_JIT)."""
    dtype = out.dtype
    return (dtype in (np.float32, np.float64) and b.dtype == dtype and b.ndim == 2
            and out.ndim == 2 and b.shape[1] == out.shape[1] and b.shape[0] > 0
            and out.shape[1] % (2 * simd.lanes(dtype)) == 0 and b.nbytes <= _MAX_B_BYTES
            and b.flags.c_contiguous and out.flags.c_contiguous and simd.available())


def usable_tn(a, b, out):
    """Whether `product_tn` runs out = a.T @ b: a [m, p], b [m, n], out [p, n], all
    C-contiguous of one float dtype, n a multiple of two vectors, m > 0, out small (it
    is the product's B: `_MAX_B_BYTES`), kernels compiled."""
    dtype = out.dtype
    return (dtype in (np.float32, np.float64) and a.dtype == dtype and b.dtype == dtype
            and a.ndim == b.ndim == out.ndim == 2 and a.shape[0] == b.shape[0] > 0
            and out.shape == (a.shape[1], b.shape[1]) and out.shape[0] > 0
            and out.shape[1] % (2 * simd.lanes(dtype)) == 0 and out.nbytes <= _MAX_B_BYTES
            and a.flags.c_contiguous and b.flags.c_contiguous and out.flags.c_contiguous
            and simd.available())


def product_tn(a, b, out):
    """out[...] = a.T @ b (a [m, p], b [m, n]: a filter gradient, m pixels), on the
    calling thread: `_TN_ROWS` rows at a time summed in registers (one FMA per term, in
    row order), those sums added up `_TN_GROUP` at a time, and the groups' sums into the
    output. Needs `usable_tn(a, b, out)`."""
    _product_tn(a, b, out)
    return out


def product(a, b, out, bias=None, act=0, stream=False):
    """out[...] = a @ b (+ bias[n], then Relu (act 1) or Relu6 (act 2)), on the calling
    thread; with `stream`, out (64-byte aligned, rows whole vectors) is written with
    non-temporal stores. Needs `usable(a, b, out)`."""
    if bias is None:
        bias = _negative_zeros(out.shape[1], out.dtype)
    _product(a, b, out, bias, act, stream)
    return out


@functools.lru_cache(maxsize=64)
def _negative_zeros(n, dtype):
    # The bias of a product without one: v + (-0.0) is v for every v, -0.0 and NaN
    # included, so one compiled kernel serves both (a second, bias-free copy had doubled
    # the compile time for no measured speed). Left writeable, as a user's bias is: a
    # read-only array is another argument type, compiled once more. Never handed out.
    return np.full(n, -0.0, dtype)


@jit_inline
def _finish(of, o, v, bias, j, act, stream):
    # Output vector v to of[o:], after the epilogue (bias[j:], activation).
    v = simd.vadd(v, simd.vload(bias, j))
    if act == 1:
        v = simd.vrelu(v)
    elif act == 2:
        v = simd.vrelu6(v)
    if stream:
        simd.vstore_stream(of, o, v)
    else:
        simd.vstore(of, o, v)


@jit_inline
def _step(af, i, d, b0, b1, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51):
    # One k step of the 6 x 2-vector block: elements af[i + r*d] (r = 0..5) broadcast,
    # times the two vectors b0, b1 of B, added into the twelve accumulators.
    a0 = simd.vbroadcast(af, i)
    c00, c01 = simd.vfma(a0, b0, c00), simd.vfma(a0, b1, c01)
    a1 = simd.vbroadcast(af, i + d)
    c10, c11 = simd.vfma(a1, b0, c10), simd.vfma(a1, b1, c11)
    a2 = simd.vbroadcast(af, i + 2 * d)
    c20, c21 = simd.vfma(a2, b0, c20), simd.vfma(a2, b1, c21)
    a3 = simd.vbroadcast(af, i + 3 * d)
    c30, c31 = simd.vfma(a3, b0, c30), simd.vfma(a3, b1, c31)
    a4 = simd.vbroadcast(af, i + 4 * d)
    c40, c41 = simd.vfma(a4, b0, c40), simd.vfma(a4, b1, c41)
    a5 = simd.vbroadcast(af, i + 5 * d)
    c50, c51 = simd.vfma(a5, b0, c50), simd.vfma(a5, b1, c51)
    return c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51


@jit
def _product(a, b, out, bias, act, stream):
    # The bias is added in registers whatever it is (`_negative_zeros` when there is
    # none): a test for it inside the kernel made LLVM compile the whole product half as
    # fast (120 against 250 GFLOP/s).
    m, k = a.shape
    n = b.shape[1]
    af = a.reshape(-1)
    bf = b.reshape(-1)
    of = out.reshape(-1)
    step = simd.VECTOR_BYTES // out.itemsize
    z = simd.vzero(bf)
    full = m - m % 6
    # A is prefetched two blocks of rows ahead, a share of those six rows before each
    # column block: all of them at once (48 lines for k = 128) filled the core's queue of
    # misses and stalled the loads of B behind them (A from memory, k = n = 128: 200 ->
    # 230 GFLOP/s).
    ahead = 2 * 6 * k
    blocks = max(1, n // (2 * step))
    share = -(-6 * k // (blocks * step)) * step
    for i0 in range(0, full, 6):
        p0 = i0 * k + ahead
        p1 = p0 + 6 * k if p0 + 6 * k <= m * k else p0
        for j0 in range(0, n, 2 * step):
            q = p0 + j0 // (2 * step) * share
            for p in range(q, min(q + share, p1), step):
                simd.prefetch(af, p)
            c00, c01, c10, c11, c20, c21 = z, z, z, z, z, z
            c30, c31, c40, c41, c50, c51 = z, z, z, z, z, z
            for kk in range(k):
                c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 = _step(
                    af, i0 * k + kk, k, simd.vload(bf, kk * n + j0),
                    simd.vload(bf, kk * n + j0 + step),
                    c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
            o = i0 * n + j0
            _finish(of, o, c00, bias, j0, act, stream)
            _finish(of, o + step, c01, bias, j0 + step, act, stream)
            _finish(of, o + n, c10, bias, j0, act, stream)
            _finish(of, o + n + step, c11, bias, j0 + step, act, stream)
            _finish(of, o + 2 * n, c20, bias, j0, act, stream)
            _finish(of, o + 2 * n + step, c21, bias, j0 + step, act, stream)
            _finish(of, o + 3 * n, c30, bias, j0, act, stream)
            _finish(of, o + 3 * n + step, c31, bias, j0 + step, act, stream)
            _finish(of, o + 4 * n, c40, bias, j0, act, stream)
            _finish(of, o + 4 * n + step, c41, bias, j0 + step, act, stream)
            _finish(of, o + 5 * n, c50, bias, j0, act, stream)
            _finish(of, o + 5 * n + step, c51, bias, j0 + step, act, stream)
    for i in range(full, m):
        r = i * k
        for j0 in range(0, n, 2 * step):
            c0, c1 = z, z
            for kk in range(k):
                ai = simd.vbroadcast(af, r + kk)
                c0 = simd.vfma(ai, simd.vload(bf, kk * n + j0), c0)
                c1 = simd.vfma(ai, simd.vload(bf, kk * n + j0 + step), c1)
            _finish(of, i * n + j0, c0, bias, j0, act, stream)
            _finish(of, i * n + j0 + step, c1, bias, j0 + step, act, stream)
    if stream:
        simd.sfence()


# Rows of a and b per pass of `_product_tn`: both slices (32 rows of 128 float32 each,
# 16 KB apiece) stay in L1 while every 6 x 2-vector block of the output walks them.
_TN_ROWS = 32
_TN_GROUP = 32


@jit
def _product_tn(a, b, out):
    m, p = a.shape
    n = b.shape[1]
    af = a.reshape(-1)
    bf = b.reshape(-1)
    of = out.reshape(-1)
    step = simd.VECTOR_BYTES // out.itemsize
    z = simd.vzero(bf)
    for k in range(out.size):
        of[k] = 0
    # Sums of _TN_GROUP passes at a time go to `part`, then into out: two levels, so a
    # long sum (100k rows) does not add each pass's small sum to an ever larger total.
    part = simd.aligned_zeros(1, out.size, out).reshape(-1)
    full = p - p % 6
    blocks = full // 6
    for r0 in range(0, m, _TN_ROWS):
        r1 = min(m, r0 + _TN_ROWS)
        # The next pass's rows (contiguous in a and in b) are prefetched a slice per
        # block of output rows, so they arrive while this pass computes.
        na0, na1 = r1 * p, min(m, r1 + _TN_ROWS) * p
        nb0, nb1 = r1 * n, min(m, r1 + _TN_ROWS) * n
        sa = (na1 - na0 + blocks) // max(1, blocks)
        sb = (nb1 - nb0 + blocks) // max(1, blocks)
        for c0 in range(0, full, 6):
            bi = c0 // 6
            for q in range(na0 + bi * sa, min(na1, na0 + (bi + 1) * sa), step):
                simd.prefetch(af, q)
            for q in range(nb0 + bi * sb, min(nb1, nb0 + (bi + 1) * sb), step):
                simd.prefetch(bf, q)
            for j0 in range(0, n, 2 * step):
                c00, c01, c10, c11, c20, c21 = z, z, z, z, z, z
                c30, c31, c40, c41, c50, c51 = z, z, z, z, z, z
                for r in range(r0, r1):
                    c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 = _step(
                        af, r * p + c0, 1, simd.vload(bf, r * n + j0),
                        simd.vload(bf, r * n + j0 + step),
                        c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
                o = c0 * n + j0
                _accumulate(part, o, c00, c01, step)
                _accumulate(part, o + n, c10, c11, step)
                _accumulate(part, o + 2 * n, c20, c21, step)
                _accumulate(part, o + 3 * n, c30, c31, step)
                _accumulate(part, o + 4 * n, c40, c41, step)
                _accumulate(part, o + 5 * n, c50, c51, step)
        for c in range(full, p):
            for j0 in range(0, n, 2 * step):
                c0v, c1v = z, z
                for r in range(r0, r1):
                    ai = simd.vbroadcast(af, r * p + c)
                    c0v = simd.vfma(ai, simd.vload(bf, r * n + j0), c0v)
                    c1v = simd.vfma(ai, simd.vload(bf, r * n + j0 + step), c1v)
                _accumulate(part, c * n + j0, c0v, c1v, step)
        if (r0 // _TN_ROWS) % _TN_GROUP == _TN_GROUP - 1 or r1 == m:
            for k in range(out.size):
                of[k] += part[k]
                part[k] = 0


@jit_inline
def _accumulate(of, o, v0, v1, step):
    # of[o:o + 2 vectors] += (v0, v1)
    simd.vstore(of, o, simd.vadd(simd.vload(of, o), v0))
    simd.vstore(of, o + step, simd.vadd(simd.vload(of, o + step), v1))
