"""Dense convolution and bias ops of `mg.nn`: Conv2D with its two backprop ops, BiasAdd
with BiasAddGrad, and the TF1 functions `conv2d`, `conv2d_backprop_input`,
`conv2d_backprop_filter`, `atrous_conv2d`, `bias_add`.

The depthwise/separable family lives in `nn_depthwise_ops`, pooling in `nn_pool_ops`;
argument rules shared by all of them in `nn_conv_util`. Kernels (numba, in
`ops/kernels/`) are imported on first use, so building a graph never loads numba.

Backprop ops are ops in their own right, with TF1's types and gradients, so gradient
graphs read like TF1's and second derivatives work.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops import array_ops
from minigraph.ops.kernels import layout
from minigraph.ops.nn_conv_util import (
    check_float, check_rank, check_window_attrs, from_nhwc_dims, get_sequence, nhwc_dims,
    normalize_data_format, normalize_padding, op_fail, sizes_value, spatial, window_geometry)


# -- shared by every convolution op (dense and depthwise) --------------------------------------
def conv_attrs(strides, padding, data_format, dilations, allow_short=True):
    """The attrs dict of a conv op from TF1-style arguments."""
    fmt = normalize_data_format(data_format)
    return {"strides": get_sequence(strides, fmt, "strides", allow_short),
            "padding": normalize_padding(padding), "data_format": fmt,
            "dilations": get_sequence(dilations, fmt, "dilations", allow_short)}


def grad_attrs(op):
    return {k: op.attrs[k] for k in ("strides", "padding", "data_format", "dilations")}


def hw_params(op):
    fmt = op.attrs["data_format"]
    return spatial(op.attrs["strides"], fmt), spatial(op.attrs["dilations"], fmt)


def filter_dims(w):
    return w.shape.as_list() if w.shape.ndims is not None else [None] * 4


def to_kernel(x, fmt, dtype):
    """An input array as the C-contiguous NHWC array of `dtype` kernels expect."""
    return layout.as_kernel_array(layout.to_nhwc(x, fmt), dtype)


def from_kernel(y, fmt, dtype):
    return layout.from_nhwc(y, fmt).astype(dtype, copy=False)


def convert_like(value, like, name):
    """`value` as a tensor; Python/NumPy values take the dtype of tensor `like`."""
    if isinstance(value, _graph.Tensor) or hasattr(value, "_as_graph_element"):
        return _graph.convert_to_tensor(value)
    return _graph.convert_to_tensor(value, dtype=like.dtype, name=name)


def check_runtime(op, ok, message):
    """Run-time twin of the static checks, for shapes that were unknown at construction."""
    if not ok:
        raise ValueError("%s (op '%s', type %s)" % (message, op.name, op.type))


class ConvOp(Op):
    """Conventions shared by the forward and backprop conv ops (input roles differ)."""

    abstract = True
    type = None
    # Which output channel count a filter of [kh, kw, c, k] gives: k (dense) or c*k.
    depthwise = False

    def out_channels(self, fdims):
        if fdims[3] is None:
            return None
        if not self.depthwise:
            return fdims[3]
        return None if fdims[2] is None else fdims[2] * fdims[3]

    def check_depth(self, op, c, fdims):
        if c is not None and fdims[2] is not None and c != fdims[2]:
            what = "depthwise filter" if self.depthwise else "filter"
            raise op_fail(op, "Depth of input (%d) must match the input depth of the %s (%d)"
                          % (c, what, fdims[2]))

    def check_out_backprop(self, op, dy, expected):
        got = nhwc_dims(dy.shape, op.attrs["data_format"])
        for g, e, axis in zip(got, expected, ("batch", "height", "width", "channels")):
            if g is not None and e is not None and g != e:
                raise op_fail(op, "out_backprop has %s size %d but the forward convolution gives "
                              "%d (expected NHWC shape %s)" % (axis, g, e, expected))


# -- Conv2D ------------------------------------------------------------------------------------
class Conv2D(ConvOp):
    """2-D convolution of input [batch, in_h, in_w, in_c] with filter [kh, kw, in_c, out_c]."""

    def infer(self, op):
        x, w = op.inputs
        dt = check_float(op, [x, w], ["input", "filter"])
        check_rank(op, x, 4, "input")
        check_rank(op, w, 4, "filter")
        check_window_attrs(op, op.attrs["strides"], op.attrs["dilations"])
        n, h, wd, c = nhwc_dims(x.shape, op.attrs["data_format"])
        fd = filter_dims(w)
        self.check_depth(op, c, fd)
        (oh, ow), _ = window_geometry(op, (h, wd), fd[:2])
        return [(dt, from_nhwc_dims([n, oh, ow, self.out_channels(fd)], op.attrs["data_format"]))]

    def compute(self, op, x, w):
        from minigraph.ops.kernels import conv as kernel
        fmt = op.attrs["data_format"]
        ct = layout.compute_dtype(x)
        xk, wk = to_kernel(x, fmt, ct), layout.as_kernel_array(w, ct)
        check_runtime(op, xk.shape[3] == wk.shape[2], "input depth %d does not match filter "
                      "input depth %d" % (xk.shape[3], wk.shape[2]))
        out_hw, pads = window_geometry(op, xk.shape[1:3], wk.shape[:2])
        s, d = hw_params(op)
        return from_kernel(kernel.forward(xk, wk, s, d, pads, out_hw), fmt, x.dtype)

    def gradient(self, op, grad):
        x, w = op.inputs
        a = grad_attrs(op)
        return [make_tensor("Conv2DBackpropInput", [array_ops.shape(x), w, grad], a),
                make_tensor("Conv2DBackpropFilter", [x, array_ops.shape(w), grad], a)]


class Conv2DBackpropInput(ConvOp):
    """Gradient of Conv2D with respect to its input; inputs (input_sizes, filter,
    out_backprop)."""

    def infer(self, op):
        sizes, w, dy = op.inputs
        dt = check_float(op, [w, dy], ["filter", "out_backprop"])
        check_rank(op, w, 4, "filter")
        check_rank(op, dy, 4, "out_backprop")
        check_window_attrs(op, op.attrs["strides"], op.attrs["dilations"])
        fmt = op.attrs["data_format"]
        in_sizes = sizes_value(op, sizes, "input_sizes")
        fd = filter_dims(w)
        if in_sizes is None:
            n, _, _, c = nhwc_dims(dy.shape, fmt)
            return [(dt, from_nhwc_dims([n, None, None, fd[2]], fmt))]
        n, h, wd, c = nhwc_dims(_ts.TensorShape(in_sizes), fmt)
        self.check_depth(op, c, fd)
        (oh, ow), _ = window_geometry(op, (h, wd), fd[:2])
        self.check_out_backprop(op, dy, [n, oh, ow, self.out_channels(fd)])
        return [(dt, in_sizes)]

    def compute(self, op, sizes, w, dy):
        fmt = op.attrs["data_format"]
        in_shape = nhwc_dims(_ts.TensorShape([int(v) for v in sizes]), fmt)
        return backprop_input_kernel(self, op, in_shape, w, dy)

    def gradient(self, op, grad):
        _, w, dy = op.inputs
        a = grad_attrs(op)
        return [None, make_tensor(self.filter_op, [grad, array_ops.shape(w), dy], a),
                make_tensor(self.forward_op, [grad, w], a)]

    forward_op, filter_op = "Conv2D", "Conv2DBackpropFilter"


def backprop_input_kernel(op_def, op, in_shape, w, dy):
    """Shared compute of Conv2DBackpropInput / DepthwiseConv2dNativeBackpropInput."""
    from minigraph.ops.kernels import conv, depthwise
    fmt = op.attrs["data_format"]
    ct = layout.compute_dtype(dy)
    dyk, wk = to_kernel(dy, fmt, ct), layout.as_kernel_array(w, ct)
    out_hw, pads = window_geometry(op, in_shape[1:3], wk.shape[:2])
    expected = (in_shape[0],) + tuple(out_hw) + (op_def.out_channels(list(wk.shape)),)
    check_runtime(op, dyk.shape == expected and in_shape[3] == wk.shape[2],
                  "out_backprop has NHWC shape %s and filter shape %s, but input_sizes %s "
                  "gives %s" % (list(dyk.shape), list(wk.shape), in_shape, list(expected)))
    s, d = hw_params(op)
    kernel = depthwise if op_def.depthwise else conv
    return from_kernel(kernel.backprop_input(dyk, wk, in_shape, s, d, pads), fmt, dy.dtype)


def backprop_filter_kernel(op_def, op, x, f_shape, dy):
    """Shared compute of Conv2DBackpropFilter / DepthwiseConv2dNativeBackpropFilter."""
    from minigraph.ops.kernels import conv, depthwise
    fmt = op.attrs["data_format"]
    ct = layout.compute_dtype(x)
    xk, dyk = to_kernel(x, fmt, ct), to_kernel(dy, fmt, ct)
    out_hw, pads = window_geometry(op, xk.shape[1:3], f_shape[:2])
    expected = (xk.shape[0],) + tuple(out_hw) + (op_def.out_channels(f_shape),)
    check_runtime(op, dyk.shape == expected and xk.shape[3] == f_shape[2],
                  "input has NHWC shape %s and out_backprop %s, but filter_sizes %s gives "
                  "out_backprop %s" % (list(xk.shape), list(dyk.shape), f_shape, list(expected)))
    s, d = hw_params(op)
    kernel = depthwise if op_def.depthwise else conv
    return kernel.backprop_filter(xk, dyk, f_shape, s, d, pads).astype(x.dtype, copy=False)


class Conv2DBackpropFilter(ConvOp):
    """Gradient of Conv2D with respect to its filter; inputs (input, filter_sizes,
    out_backprop)."""

    forward_op, input_op = "Conv2D", "Conv2DBackpropInput"

    def infer(self, op):
        x, sizes, dy = op.inputs
        dt = check_float(op, [x, dy], ["input", "out_backprop"])
        check_rank(op, x, 4, "input")
        check_rank(op, dy, 4, "out_backprop")
        check_window_attrs(op, op.attrs["strides"], op.attrs["dilations"])
        f_sizes = sizes_value(op, sizes, "filter_sizes")
        if f_sizes is None:
            return [(dt, [None] * 4)]
        n, h, wd, c = nhwc_dims(x.shape, op.attrs["data_format"])
        self.check_depth(op, c, f_sizes)
        (oh, ow), _ = window_geometry(op, (h, wd), f_sizes[:2])
        self.check_out_backprop(op, dy, [n, oh, ow, self.out_channels(f_sizes)])
        return [(dt, f_sizes)]

    def compute(self, op, x, sizes, dy):
        return backprop_filter_kernel(self, op, x, [int(v) for v in sizes], dy)

    def gradient(self, op, grad):
        x, _, dy = op.inputs
        a = grad_attrs(op)
        return [make_tensor(self.input_op, [array_ops.shape(x), grad, dy], a), None,
                make_tensor(self.forward_op, [x, grad], a)]


def sizes_tensor(sizes, name):
    return _graph.convert_to_tensor(sizes, dtype=dtypes.int32, name=name) \
        if not isinstance(sizes, _graph.Tensor) else sizes


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """Computes a 2-D convolution given 4-D `input` and `filter` tensors (op type `Conv2D`).

    output[b, i, j, k] = sum_{di, dj, q} input[b, strides[1] * i + dilations[1] * di - pad_top,
    strides[2] * j + dilations[2] * dj - pad_left, q] * filter[di, dj, q, k]

    Args:
      input: [batch, in_height, in_width, in_channels] (NHWC) or
        [batch, in_channels, in_height, in_width] (NCHW); float16/32/64.
      filter: [filter_height, filter_width, in_channels, out_channels], same dtype.
      strides: an int or a list of 1, 2 or 4 ints: the window step per dimension.
      padding: "SAME" or "VALID" (SAME pads the extra row/column at the bottom/right).
      use_cudnn_on_gpu: ignored (CPU only); kept for TF1 compatibility.
      data_format: "NHWC" (default) or "NCHW".
      dilations: an int or a list of 1, 2 or 4 ints: the spacing of filter taps.
      name: op name (default "Conv2D").
      filters: alias of `filter` (TF2 spelling).

    Returns:
      [batch, out_height, out_width, out_channels] in `data_format` order.

    Raises:
      ValueError: for mismatched depths, wrong ranks, bad strides/dilations/padding, or a
        VALID filter larger than the input.
      TypeError: for non-float or mismatched dtypes.
    """
    if filters is not None:
        if filter is not None:
            raise ValueError("conv2d: pass either filter or filters, not both")
        filter = filters
    attrs = conv_attrs(strides, padding, data_format, dilations)
    with _graph.name_scope(name, "Conv2D", [input, filter]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        w = convert_like(filter, x, "filter")
        return make_tensor("Conv2D", [x, w], attrs, scope)


def conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                          name=None, filters=None):
    """Computes the gradients of a convolution with respect to its input
    (op type `Conv2DBackpropInput`).

    Args:
      input_sizes: int32 [4]: the input's shape in `data_format` order.
      filter: [filter_height, filter_width, in_channels, out_channels].
      out_backprop: [batch, out_height, out_width, out_channels] (or NCHW): the gradient
        of the convolution's output.
      strides, padding, data_format, dilations: as in `conv2d` (strides: 4 ints).
      use_cudnn_on_gpu: ignored.
      name: op name (default "Conv2DBackpropInput").
      filters: alias of `filter`.

    Returns:
      [batch, in_height, in_width, in_channels] (or NCHW), the dtype of `filter`.

    Raises:
      ValueError: if the shapes do not describe one convolution.
    """
    filter = filters if filters is not None else filter
    attrs = conv_attrs(strides, padding, data_format, dilations, allow_short=False)
    with _graph.name_scope(name, "Conv2DBackpropInput", [input_sizes, filter, out_backprop]) as scope:
        sizes = sizes_tensor(input_sizes, "input_sizes")
        w = _graph.convert_to_tensor(filter, name="filter")
        dy = convert_like(out_backprop, w, "out_backprop")
        return make_tensor("Conv2DBackpropInput", [sizes, w, dy], attrs, scope)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                           name=None):
    """Computes the gradients of a convolution with respect to its filter
    (op type `Conv2DBackpropFilter`).

    Args:
      input: [batch, in_height, in_width, in_channels] (or NCHW).
      filter_sizes: int32 [4]: [filter_height, filter_width, in_channels, out_channels].
      out_backprop: [batch, out_height, out_width, out_channels] (or NCHW).
      strides, padding, data_format, dilations: as in `conv2d` (strides: 4 ints).
      use_cudnn_on_gpu: ignored.
      name: op name (default "Conv2DBackpropFilter").

    Returns:
      [filter_height, filter_width, in_channels, out_channels], the dtype of `input`.

    Raises:
      ValueError: if the shapes do not describe one convolution.
    """
    attrs = conv_attrs(strides, padding, data_format, dilations, allow_short=False)
    with _graph.name_scope(name, "Conv2DBackpropFilter", [input, filter_sizes, out_backprop]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        sizes = sizes_tensor(filter_sizes, "filter_sizes")
        dy = convert_like(out_backprop, x, "out_backprop")
        return make_tensor("Conv2DBackpropFilter", [x, sizes, dy], attrs, scope)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Atrous (dilated) 2-D convolution: `conv2d` with dilations `rate` along height and
    width, stride 1 (op type `Conv2D`, named "convolution" by default).

    TF1 builds this with SpaceToBatchND / BatchToSpaceND around a plain Conv2D; minigraph
    uses Conv2D's `dilations` attribute instead (same numbers, fewer ops).

    Args:
      value: [batch, height, width, in_channels].
      filters: [filter_height, filter_width, in_channels, out_channels].
      rate: a positive int: the spacing of filter taps.
      padding: "SAME" or "VALID".
      name: name scope / op name (default "convolution").

    Returns:
      [batch, out_height, out_width, out_channels].

    Raises:
      ValueError: if `rate` < 1, or the shapes do not fit.
    """
    rates = np.broadcast_to(np.asarray(rate), (2,)).astype(int).tolist()
    if min(rates) < 1:
        raise ValueError("rate must be positive, got %r" % (rate,))
    with _graph.name_scope(name, "convolution", [value, filters]) as scope:
        x = _graph.convert_to_tensor(value, name="input")
        w = convert_like(filters, x, "filter")
        return make_tensor("Conv2D", [x, w], conv_attrs(1, padding, "NHWC", rates), scope)


# -- BiasAdd -----------------------------------------------------------------------------------
def _bias_axis(rank, data_format):
    return 1 if data_format == "NCHW" else rank - 1


class BiasAdd(Op):
    """value + bias, with bias [channels] broadcast along the channel axis."""

    def infer(self, op):
        x, b = op.inputs
        dt = x.dtype
        if b.dtype != x.dtype:
            raise TypeError("Input 'bias' of 'BiasAdd' Op (%s) has type %s that does not match "
                            "type %s of argument 'value'." % (op.name, b.dtype.name, x.dtype.name))
        if b.shape.ndims is not None and b.shape.ndims != 1:
            raise op_fail(op, "Shape must be rank 1 but is rank %d for bias %s"
                          % (b.shape.ndims, b.name))
        if x.shape.ndims is None:
            return [(dt, _ts.unknown_shape())]
        min_rank = 3 if op.attrs["data_format"] == "NCHW" else 2
        if x.shape.ndims < min_rank:
            raise op_fail(op, "Shape must be at least rank %d but is rank %d for value %s"
                          % (min_rank, x.shape.ndims, x.name))
        axis = _bias_axis(x.shape.ndims, op.attrs["data_format"])
        dims = x.shape.as_list()
        bc = b.shape.as_list()[0] if b.shape.ndims else None
        if dims[axis] is not None and bc is not None and dims[axis] != bc:
            raise op_fail(op, "Dimensions must be equal, but are %d and %d (value dimension %d "
                          "vs bias length)" % (dims[axis], bc, axis))
        if dims[axis] is None:
            dims[axis] = bc
        return [(dt, dims)]

    def compute(self, op, x, b):
        from minigraph.ops.kernels import bias as kernel
        axis = _bias_axis(x.ndim, op.attrs["data_format"])
        check_runtime(op, b.shape == (x.shape[axis],), "bias of shape %s does not match "
                      "dimension %d of value shape %s" % (b.shape, axis, x.shape))
        if x.dtype not in (np.float32, np.float64):
            return x + b.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
        return kernel.bias_add(np.ascontiguousarray(x), np.ascontiguousarray(b), axis)

    def gradient(self, op, grad):
        return [grad, make_tensor("BiasAddGrad", [grad],
                                  {"data_format": op.attrs["data_format"]})]


class BiasAddGrad(Op):
    """The sum of out_backprop over every axis but the channel axis."""

    def infer(self, op):
        g = op.inputs[0]
        if g.shape.ndims is None:
            return [(g.dtype, [None])]
        if g.shape.ndims < 2:
            raise op_fail(op, "Shape must be at least rank 2 but is rank %d" % g.shape.ndims)
        return [(g.dtype, [g.shape.as_list()[_bias_axis(g.shape.ndims, op.attrs["data_format"])]])]

    def compute(self, op, g):
        from minigraph.ops.kernels import bias as kernel
        axis = _bias_axis(g.ndim, op.attrs["data_format"])
        if g.dtype not in (np.float32, np.float64):
            return g.sum(axis=tuple(i for i in range(g.ndim) if i != axis)).astype(g.dtype)
        return kernel.bias_add_grad(np.ascontiguousarray(g), axis)

    def gradient(self, op, grad):
        # d(sum over non-channel axes)/d(out_backprop) broadcasts grad back along them.
        from minigraph.ops import creation_ops
        g = op.inputs[0]
        return [make_tensor("BiasAdd", [creation_ops.zeros_like(g), grad],
                            {"data_format": op.attrs["data_format"]})]


def bias_add(value, bias, data_format=None, name=None):
    """Adds `bias` to `value` along its channel axis (op type `BiasAdd`).

    Unlike `value + bias`, the bias must be 1-D and match the channel axis exactly: the
    last axis (NHWC / N...C), or axis 1 for NCHW / NC... (rank >= 3).

    Args:
      value: [batch, ..., channels] (NHWC, rank >= 2) or [batch, channels, ...]
        (NCHW, rank >= 3).
      bias: [channels], the dtype of `value`.
      data_format: "NHWC" (default) or "NCHW".
      name: op name (default "BiasAdd").

    Returns:
      A tensor of `value`'s shape and dtype.

    Raises:
      ValueError: if `bias` is not 1-D, `value`'s rank is too small, or the lengths differ.
      TypeError: if the dtypes differ.
    """
    fmt = normalize_data_format(data_format)
    with _graph.name_scope(name, "BiasAdd", [value, bias]) as scope:
        x = _graph.convert_to_tensor(value, name="input")
        b = convert_like(bias, x, "bias")
        return make_tensor("BiasAdd", [x, b], {"data_format": fmt}, scope)
