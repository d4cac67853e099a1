"""Fused kernels for the op chains a separable or dense convolution layer builds.

TF's grappler "remapper" runs Conv2D + BiasAdd + Relu as one kernel; so does minigraph,
and it also fuses the depthwise and pointwise halves of a separable convolution (see
`kernels/fused.py` for why that pays). The graph is left exactly as TF1 builds it; a
session uses these kernels only where no intermediate result is needed elsewhere (see
`registry.Fusion`).

- DepthwiseConv2dNative -> Conv2D (1x1, stride 1) [-> BiasAdd] [-> Relu | Relu6]
- Conv2D -> BiasAdd [-> Relu | Relu6]
- MatMul -> BiasAdd [-> Relu | Relu6] (a dense layer)
- Conv2DBackpropInput (1x1) -> DepthwiseConv2dNativeBackpropFilter (a training step
  of a separable convolution whose input needs no gradient)
- trees of elementwise ops on large tensors (one pass over pieces of the output)

Each kernel below makes the same run-time checks as the ops' own kernels; when one
fails, the session replays the ops one by one, so the error names the right op.
"""
import numpy as np

from minigraph.framework.registry import Fusion, TreeFusion
from minigraph.ops.kernels import layout
from minigraph.ops.nn_conv_util import window_geometry
from minigraph.ops.nn_ops import hw_params, to_kernel, from_kernel

_FLOATS = (np.float32, np.float64)


def _epilogue_ops(ops, first):
    """(bias op or None, activation type or None, data formats) of ops[first:]."""
    bias_op = act = None
    formats = []
    for op in ops[first:]:
        if op.type == "BiasAdd":
            bias_op = op
            formats.append(op.attrs["data_format"])
        else:
            act = op.type
    return bias_op, act, formats


def _float_dtype(op):
    dt = op.outputs[0].dtype.as_numpy_dtype
    return dt if dt in _FLOATS else None


def _bias_rank_ok(bias_op):
    # BiasAdd on a 4-D value: its bias is the channel axis of the conv output.
    return bias_op is None or bias_op.inputs[0].shape.ndims == 4


def _is_unit(seq):
    return all(v == 1 for v in seq)


def _large_product(conv):
    # Whether a 1x1 Conv2D's product is known statically to be split over threads
    # (`_blas._n_parts`): at least 2^24 multiply-adds.
    from minigraph.ops.kernels import _blas
    out, w = conv.outputs[0].shape, conv.inputs[1].shape
    if not out.is_fully_defined() or not w.is_fully_defined():
        return False
    return out.num_elements() * w.as_list()[2] >= _blas._MIN_SPLIT_WORK


class SeparableConvFusion(Fusion):
    """depthwise k x k -> pointwise 1x1 [-> + bias] [-> Relu/Relu6], tile by tile. In a
    training step the depthwise output is needed by the pointwise filter gradient too: it
    is then written out from each tile (`exports`), instead of computed by itself and
    read back by the product."""

    chain = ("DepthwiseConv2dNative", "Conv2D", "BiasAdd?", "Relu|Relu6?")
    exports = frozenset({0})

    def kernel(self, ops, exports=()):
        from minigraph.ops.kernels import fused
        dw, pw = ops[0], ops[1]
        bias_op, act, formats = _epilogue_ops(ops, 2)
        fmt = dw.attrs["data_format"]
        dtype = _float_dtype(pw)
        fshape = pw.inputs[1].shape
        if (dtype is None or _float_dtype(dw) is not dtype or pw.attrs["data_format"] != fmt
                or any(f != fmt for f in formats) or not _bias_rank_ok(bias_op)
                or not _is_unit(pw.attrs["strides"]) or not _is_unit(pw.attrs["dilations"])
                or fshape.ndims != 4 or fshape.as_list()[:2] != [1, 1]):
            return None
        strides, dilations = hw_params(dw)
        if exports and not _large_product(pw):
            # Handing out the depthwise output pays on large products only: a small one
            # runs on one thread, and the depthwise op and the product, run apart, can
            # each use both cores or run beside other steps (a [8, 28, 28, 32] block's
            # forward pass in a training step: 0.28 ms fused, 0.2 apart).
            return None

        def run(x, fd, fp, *rest):
            xk = to_kernel(x, fmt, dtype)
            fd = layout.as_kernel_array(fd, dtype)
            fp = layout.as_kernel_array(fp, dtype)
            b = layout.as_kernel_array(rest[0], dtype) if bias_op is not None else None
            cm = xk.shape[3] * fd.shape[3]
            if (xk.shape[3] != fd.shape[2] or fp.shape[:3] != (1, 1, cm)
                    or (b is not None and b.shape != (fp.shape[3],))):
                raise ValueError("shapes do not fit")  # the replay names the op and shapes
            out_hw, pads = window_geometry(dw, xk.shape[1:3], fd.shape[:2])
            if exports:
                y, d = fused.separable_forward(xk, fd, fp, strides, dilations, pads, out_hw,
                                               bias=b, act=act, keep_depthwise=True)
                return from_kernel(y, fmt, dtype), from_kernel(d, fmt, dtype)
            y = fused.separable_forward(xk, fd, fp, strides, dilations, pads, out_hw,
                                        bias=b, act=act)
            return from_kernel(y, fmt, dtype)
        return run


class ConvBiasFusion(Fusion):
    """Conv2D -> + bias [-> Relu/Relu6], the bias and activation applied to each block
    of output rows right after its matrix product."""

    chain = ("Conv2D", "BiasAdd", "Relu|Relu6?")

    def kernel(self, ops):
        from minigraph.ops.kernels import conv
        cv = ops[0]
        bias_op, act, formats = _epilogue_ops(ops, 1)
        fmt = cv.attrs["data_format"]
        dtype = _float_dtype(cv)
        if dtype is None or any(f != fmt for f in formats) or not _bias_rank_ok(bias_op):
            return None
        strides, dilations = hw_params(cv)

        def run(x, w, b):
            xk = to_kernel(x, fmt, dtype)
            wk = layout.as_kernel_array(w, dtype)
            b = layout.as_kernel_array(b, dtype)
            if xk.shape[3] != wk.shape[2] or b.shape != (wk.shape[3],):
                raise ValueError("shapes do not fit")  # the replay names the op and shapes
            out_hw, pads = window_geometry(cv, xk.shape[1:3], wk.shape[:2])
            y = conv.forward(xk, wk, strides, dilations, pads, out_hw, bias=b, act=act)
            return from_kernel(y, fmt, dtype)
        return run


class MatMulBiasFusion(Fusion):
    """MatMul -> + bias [-> Relu/Relu6] (a dense layer), as TF's _FusedMatMul: the bias
    and activation applied to each block of rows right after its product."""

    chain = ("MatMul", "BiasAdd", "Relu|Relu6?")

    def kernel(self, ops):
        from minigraph.ops.kernels import fused
        mm = ops[0]
        bias_op, act, _ = _epilogue_ops(ops, 1)
        dtype = _float_dtype(mm)
        if dtype is None or mm.attrs["transpose_a"] or bias_op.inputs[0].shape.ndims != 2:
            return None
        transpose_b = mm.attrs["transpose_b"]

        def run(a, b, bias):
            a = layout.as_kernel_array(a, dtype)
            b = np.ascontiguousarray(b.T if transpose_b else b, dtype=dtype)
            bias = layout.as_kernel_array(bias, dtype)
            if (a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]
                    or bias.shape != (b.shape[1],)):
                raise ValueError("shapes do not fit")  # the replay names the op and shapes
            out = np.empty((a.shape[0], b.shape[1]), dtype)
            if out.size:
                fused.matmul_rows(b, out, a=a, bias=bias, act=act)
            return out
        return run


class SeparableFilterGradFusion(Fusion):
    """Conv2DBackpropInput of the pointwise half -> the depthwise half's filter gradient
    (a training step that needs no input gradient): the pointwise input gradient is made
    a tile at a time and consumed while in cache, never stored."""

    chain = ("Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropFilter@2")

    def kernel(self, ops):
        from minigraph.ops.kernels import fused
        cbi, dbf = ops
        dtype = _float_dtype(dbf)
        fshape = cbi.inputs[1].shape
        if (dtype is None or _float_dtype(cbi) is not dtype
                or cbi.attrs["data_format"] != "NHWC" or dbf.attrs["data_format"] != "NHWC"
                or not _is_unit(cbi.attrs["strides"]) or not _is_unit(cbi.attrs["dilations"])
                or fshape.ndims != 4 or fshape.as_list()[:2] != [1, 1]):
            return None
        strides, dilations = hw_params(dbf)

        def run(sizes, fp, dy, x, fsizes):
            f_shape = [int(v) for v in np.asarray(fsizes).reshape(-1)]
            x = layout.as_kernel_array(x, dtype)
            dy = layout.as_kernel_array(dy, dtype)
            fp = layout.as_kernel_array(fp, dtype)
            out_hw, pads = window_geometry(dbf, x.shape[1:3], f_shape[:2])
            cm = f_shape[2] * f_shape[3]
            if (len(f_shape) != 4 or x.ndim != 4 or dy.ndim != 4 or x.shape[3] != f_shape[2]
                    or dy.shape[:3] != (x.shape[0],) + tuple(out_hw)
                    or fp.shape != (1, 1, cm, dy.shape[3])
                    or [int(v) for v in np.asarray(sizes).reshape(-1)]
                    != [x.shape[0], out_hw[0], out_hw[1], cm]):
                raise ValueError("shapes do not fit")  # the replay names the op and shapes
            return fused.separable_filter_grad(dy, fp, x, f_shape, strides, dilations, pads)
        return run


# -- elementwise trees ----------------------------------------------------------------------------
# Ops computed by one NumPy ufunc that keeps the dtype (not comparisons, not integer-only).
_ELEMENTWISE = frozenset(("Add Sub Mul RealDiv Maximum Minimum SquaredDifference Neg Abs "
                          "Square Sqrt Rsqrt Exp Log Log1p Reciprocal Tanh").split())

# Elements of the pieces a fused tree is evaluated on, one piece after another: the
# intermediates (1 MB of float32 each) stay in cache instead of going to memory. Pieces
# of 2^16 elements were 15% slower, of 2^14 2.5x slower (NumPy's per-call cost, and the
# GIL held between calls), on the [16, 56, 56, 128] gradient of mean(square(y)).
_PIECE = 1 << 18


class ElementwiseTreeFusion(TreeFusion):
    """Elementwise ops feeding each other, e.g. the gradient of mean(square(y)),
    (grad / n) * (y * 2), evaluated in one pass over pieces of the output: the inputs are
    read once and the result written once, instead of one pass per op through memory.
    Only for large float tensors (at least `elementwise.MIN_PARALLEL_SIZE` elements),
    every op's output of the root's shape (only the tree's inputs broadcast)."""

    def member(self, op):
        return op.type in _ELEMENTWISE and getattr(op._op_def, "ufunc", None) is not None

    def kernel(self, ops, wiring):
        from minigraph.ops.kernels import elementwise
        dtype = _float_dtype(ops[-1])
        shape = ops[-1].outputs[0].shape
        if dtype is None or not shape.is_fully_defined():
            return None
        if shape.num_elements() < elementwise.MIN_PARALLEL_SIZE:
            return None  # small: one pass more or less is noise next to the per-op overhead
        for op in ops:
            if _float_dtype(op) is not dtype or op.outputs[0].shape != shape:
                return None
        ufuncs = [op._op_def.ufunc for op in ops]

        def evaluate(arrays, out):
            values = []
            for uf, wires in zip(ufuncs, wiring):
                args = [arrays[w] if w >= 0 else values[-w - 1] for w in wires]
                last = len(values) == len(ufuncs) - 1
                values.append(uf(*args, out=out) if last and out is not None else uf(*args))
            return values[-1]

        def tree(*arrays, out=None):
            # A flat part (1-D slices of inputs laid out like the output, or single
            # elements) goes piece by piece; pieces start at multiples of 64 elements, as
            # the parts do, so every piece runs through the same SIMD code as one call.
            if out is None or out.ndim != 1 or out.shape[0] <= _PIECE:
                return evaluate(arrays, out)
            n = out.shape[0]
            for lo in range(0, n, _PIECE):
                hi = min(n, lo + _PIECE)
                evaluate([a[lo:hi] if np.ndim(a) == 1 and a.shape[0] == n else a
                          for a in arrays], out[lo:hi])
            return out

        def run(*arrays):
            out = elementwise.apply(tree, arrays)
            return np.asarray(out)
        return run
