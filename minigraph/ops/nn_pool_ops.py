"""Pooling ops of `mg.nn`: MaxPool (with MaxPoolGrad and MaxPoolGradGrad) and AvgPool
(with AvgPoolGrad), and the TF1 functions `max_pool` and `avg_pool`.

Windows never read padding: SAME max-pooling ignores padded positions, SAME average
pooling divides by the number of in-range positions (TF's rule). The max-pool gradient
goes to the first maximum of each window (row-major), as TF's CPU kernel does.
"""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops import array_ops
from minigraph.ops.kernels import layout
from minigraph.ops.nn_conv_util import (
    check_float, check_rank, check_window_attrs, from_nhwc_dims, get_sequence, nhwc_dims,
    normalize_data_format, normalize_padding, op_fail, sizes_value, spatial, window_geometry)
from minigraph.ops.nn_ops import check_runtime, from_kernel, to_kernel


def _pool_attrs(ksize, strides, padding, data_format):
    fmt = normalize_data_format(data_format)
    return {"ksize": get_sequence(ksize, fmt, "ksize"),
            "strides": get_sequence(strides, fmt, "strides"),
            "padding": normalize_padding(padding), "data_format": fmt}


def _params(op, in_hw):
    fmt = op.attrs["data_format"]
    k = spatial(op.attrs["ksize"], fmt)
    out_hw, pads = window_geometry(op, in_hw, k)
    return k, spatial(op.attrs["strides"], fmt), pads, out_hw


class _Pool(Op):
    abstract = True
    type = None

    def pooled_shape(self, op, x):
        """The output shape of pooling `x` with `op`'s attrs, checked."""
        check_rank(op, x, 4, "input")
        check_window_attrs(op, op.attrs["strides"], ksize=op.attrs["ksize"])
        fmt = op.attrs["data_format"]
        n, h, w, c = nhwc_dims(x.shape, fmt)
        (oh, ow), _ = window_geometry(op, (h, w), spatial(op.attrs["ksize"], fmt))
        return from_nhwc_dims([n, oh, ow, c], fmt)


class MaxPool(_Pool):
    """The max over each window of input [batch, height, width, channels]."""

    def infer(self, op):
        x = op.inputs[0]
        return [(check_float(op, [x], ["input"]), self.pooled_shape(op, x))]

    def compute(self, op, x):
        from minigraph.ops.kernels import pool
        fmt = op.attrs["data_format"]
        xk = to_kernel(x, fmt, layout.compute_dtype(x))
        k, s, pads, out_hw = _params(op, xk.shape[1:3])
        return from_kernel(pool.max_pool(xk, k, s, pads, out_hw), fmt, x.dtype)

    def gradient(self, op, grad):
        return [make_tensor("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], dict(op.attrs))]


class MaxPoolGrad(_Pool):
    """Gradient of MaxPool: inputs (orig_input, orig_output, grad) -> [orig_input's shape]."""

    def infer(self, op):
        x, y, g = op.inputs
        dt = check_float(op, [x, y, g], ["orig_input", "orig_output", "grad"])
        pooled = _ts.TensorShape(self.pooled_shape(op, x))
        for t, what in ((y, "orig_output"), (g, "grad")):
            if not t.shape.is_compatible_with(pooled):
                raise op_fail(op, "%s has shape %s but pooling orig_input gives %s"
                              % (what, _ts.shape_str(t.shape), _ts.shape_str(pooled)))
        return [(dt, x.shape)]

    def compute(self, op, x, y, g):
        from minigraph.ops.kernels import pool
        fmt = op.attrs["data_format"]
        ct = layout.compute_dtype(x)
        xk, gk = to_kernel(x, fmt, ct), to_kernel(g, fmt, ct)
        k, s, pads, out_hw = _params(op, xk.shape[1:3])
        check_runtime(op, gk.shape == xk.shape[:1] + tuple(out_hw) + xk.shape[3:],
                      "grad has NHWC shape %s, pooling the input gives %s"
                      % (list(gk.shape), [xk.shape[0]] + list(out_hw) + [xk.shape[3]]))
        return from_kernel(pool.max_pool_grad(xk, gk, k, s, pads), fmt, g.dtype)

    def gradient(self, op, grad):
        from minigraph.ops import creation_ops
        x, y, _ = op.inputs
        return [creation_ops.zeros_like(x), creation_ops.zeros_like(y),
                make_tensor("MaxPoolGradGrad", [x, y, grad], dict(op.attrs))]


class MaxPoolGradGrad(_Pool):
    """Gradient of MaxPoolGrad with respect to its `grad`: inputs (orig_input,
    orig_output, grad [orig_input's shape]) -> [orig_output's shape]."""

    def infer(self, op):
        x, y, g = op.inputs
        dt = check_float(op, [x, y, g], ["orig_input", "orig_output", "grad"])
        pooled = self.pooled_shape(op, x)
        if not g.shape.is_compatible_with(x.shape):
            raise op_fail(op, "grad has shape %s but orig_input has shape %s"
                          % (_ts.shape_str(g.shape), _ts.shape_str(x.shape)))
        return [(dt, pooled)]

    def compute(self, op, x, y, g):
        from minigraph.ops.kernels import pool
        fmt = op.attrs["data_format"]
        ct = layout.compute_dtype(x)
        xk, gk = to_kernel(x, fmt, ct), to_kernel(g, fmt, ct)
        check_runtime(op, gk.shape == xk.shape, "grad has shape %s but orig_input has %s"
                      % (g.shape, x.shape))
        k, s, pads, out_hw = _params(op, xk.shape[1:3])
        return from_kernel(pool.max_pool_grad_grad(xk, gk, k, s, pads, out_hw), fmt, g.dtype)

    def gradient(self, op, grad):
        from minigraph.ops import creation_ops
        x, y, _ = op.inputs
        return [creation_ops.zeros_like(x), creation_ops.zeros_like(y),
                make_tensor("MaxPoolGrad", [x, y, grad], dict(op.attrs))]


class AvgPool(_Pool):
    """The mean over the in-range positions of each window of input
    [batch, height, width, channels]."""

    def infer(self, op):
        x = op.inputs[0]
        return [(check_float(op, [x], ["value"]), self.pooled_shape(op, x))]

    def compute(self, op, x):
        from minigraph.ops.kernels import pool
        fmt = op.attrs["data_format"]
        xk = to_kernel(x, fmt, layout.compute_dtype(x))
        k, s, pads, out_hw = _params(op, xk.shape[1:3])
        return from_kernel(pool.avg_pool(xk, k, s, pads, out_hw), fmt, x.dtype)

    def gradient(self, op, grad):
        return [make_tensor("AvgPoolGrad", [array_ops.shape(op.inputs[0]), grad], dict(op.attrs))]


class AvgPoolGrad(_Pool):
    """Gradient of AvgPool: inputs (orig_input_shape, grad) -> [orig_input_shape]."""

    def infer(self, op):
        sizes, g = op.inputs
        dt = check_float(op, [g], ["grad"])
        check_rank(op, g, 4, "grad")
        check_window_attrs(op, op.attrs["strides"], ksize=op.attrs["ksize"])
        in_sizes = sizes_value(op, sizes, "orig_input_shape")
        if in_sizes is None:
            return [(dt, [None] * 4)]
        fmt = op.attrs["data_format"]
        n, h, w, c = nhwc_dims(_ts.TensorShape(in_sizes), fmt)
        (oh, ow), _ = window_geometry(op, (h, w), spatial(op.attrs["ksize"], fmt))
        pooled = _ts.TensorShape(from_nhwc_dims([n, oh, ow, c], fmt))
        if not g.shape.is_compatible_with(pooled):
            raise op_fail(op, "grad has shape %s but pooling orig_input_shape %s gives %s"
                          % (_ts.shape_str(g.shape), in_sizes, _ts.shape_str(pooled)))
        return [(dt, in_sizes)]

    def compute(self, op, sizes, g):
        from minigraph.ops.kernels import pool
        fmt = op.attrs["data_format"]
        in_shape = nhwc_dims(_ts.TensorShape([int(v) for v in sizes]), fmt)
        gk = to_kernel(g, fmt, layout.compute_dtype(g))
        k, s, pads, out_hw = _params(op, in_shape[1:3])
        check_runtime(op, gk.shape == (in_shape[0],) + tuple(out_hw) + (in_shape[3],),
                      "grad has NHWC shape %s, pooling orig_input_shape %s gives %s"
                      % (list(gk.shape), in_shape, [in_shape[0]] + list(out_hw) + [in_shape[3]]))
        return from_kernel(pool.avg_pool_grad(in_shape, gk, k, s, pads), fmt, g.dtype)

    def gradient(self, op, grad):
        return [None, make_tensor("AvgPool", [grad], dict(op.attrs))]


def _pool(op_type, value, ksize, strides, padding, data_format, name, input):  # noqa: A002
    if input is not None:
        if value is not None:
            raise ValueError("Cannot specify both 'input' and 'value'.")
        value = input
    attrs = _pool_attrs(ksize, strides, padding, data_format)
    with _graph.name_scope(name, op_type, [value]) as scope:
        x = _graph.convert_to_tensor(value, name="input")
        return make_tensor(op_type, [x], attrs, scope)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """Max pooling (op type `MaxPool`).

    Args:
      value: [batch, height, width, channels] (NHWC) or [batch, channels, height, width]
        (NCHW); float16/32/64.
      ksize: an int or a list of 1, 2 or 4 ints: the window size per dimension.
      strides: an int or a list of 1, 2 or 4 ints: the window step per dimension.
      padding: "SAME" or "VALID" (padded positions never win the max).
      data_format: "NHWC" (default) or "NCHW".
      name: op name (default "MaxPool").
      input: alias of `value`.

    Returns:
      [batch, out_height, out_width, channels] (or NCHW), `value`'s dtype.

    Raises:
      ValueError: for wrong ranks, pooling over batch/channels, non-positive sizes, or a
        VALID window larger than the input.
    """
    return _pool("MaxPool", value, ksize, strides, padding, data_format, name, input)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """Average pooling (op type `AvgPool`); each window averages its in-range positions.

    Args:
      value: [batch, height, width, channels] (NHWC) or [batch, channels, height, width]
        (NCHW); float16/32/64.
      ksize: an int or a list of 1, 2 or 4 ints: the window size per dimension.
      strides: an int or a list of 1, 2 or 4 ints: the window step per dimension.
      padding: "SAME" or "VALID".
      data_format: "NHWC" (default) or "NCHW".
      name: op name (default "AvgPool").
      input: alias of `value`.

    Returns:
      [batch, out_height, out_width, channels] (or NCHW), `value`'s dtype.

    Raises:
      ValueError: for wrong ranks, pooling over batch/channels, non-positive sizes, or a
        VALID window larger than the input.
    """
    return _pool("AvgPool", value, ksize, strides, padding, data_format, name, input)
