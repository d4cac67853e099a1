"""Depthwise and separable convolution of `mg.nn`: DepthwiseConv2dNative with its two
backprop ops, and the TF1 functions `depthwise_conv2d_native`, `depthwise_conv2d`,
`separable_conv2d` and `depthwise_conv2d_native_backprop_{input,filter}`.

A depthwise filter [kh, kw, in_channels, multiplier] convolves each input channel on its
own into `multiplier` output channels (channel c, multiplier m -> output c*multiplier+m).
Unlike TF's CPU build, NCHW and unequal strides work here (NCHW through NHWC kernels).
"""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import make_tensor
from minigraph.ops import array_ops
from minigraph.ops.kernels import layout
from minigraph.ops.nn_conv_util import (
    check_float, check_rank, check_window_attrs, from_nhwc_dims, nhwc_dims, op_fail,
    sizes_value, window_geometry)
from minigraph.ops.nn_ops import (
    ConvOp, Conv2DBackpropFilter, Conv2DBackpropInput, backprop_filter_kernel,
    backprop_input_kernel, check_runtime, conv2d, conv_attrs, convert_like, filter_dims,
    from_kernel, grad_attrs, hw_params, to_kernel, sizes_tensor)


class DepthwiseConv2dNative(ConvOp):
    """Depthwise 2-D convolution: input [batch, h, w, c] with filter [kh, kw, c, m] gives
    [batch, out_h, out_w, c * m]."""

    depthwise = True

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
        from minigraph.ops.kernels import depthwise as kernel
        fmt = op.attrs["data_format"]
        ct = layout.compute_dtype(x)
        xk, wk = to_kernel(x, fmt, ct), layout.as_kernel_array(w, ct)
        check_runtime(op, xk.shape[3] == wk.shape[2], "input depth %d does not match the "
                      "depthwise filter's input depth %d" % (xk.shape[3], wk.shape[2]))
        out_hw, pads = window_geometry(op, xk.shape[1:3], wk.shape[:2])
        s, d = hw_params(op)
        return from_kernel(kernel.forward(xk, wk, s, d, pads, out_hw), fmt, x.dtype)

    def gradient(self, op, grad):
        x, w = op.inputs
        a = grad_attrs(op)
        return [make_tensor("DepthwiseConv2dNativeBackpropInput", [array_ops.shape(x), w, grad], a),
                make_tensor("DepthwiseConv2dNativeBackpropFilter", [x, array_ops.shape(w), grad], a)]


class DepthwiseConv2dNativeBackpropInput(Conv2DBackpropInput):
    """Gradient of DepthwiseConv2dNative with respect to its input; inputs (input_sizes,
    filter, out_backprop)."""

    depthwise = True
    forward_op, filter_op = "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter"


class DepthwiseConv2dNativeBackpropFilter(Conv2DBackpropFilter):
    """Gradient of DepthwiseConv2dNative with respect to its filter; inputs (input,
    filter_sizes, out_backprop)."""

    depthwise = True
    forward_op, input_op = "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput"


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",  # noqa: A002
                            dilations=(1, 1, 1, 1), name=None):
    """Depthwise 2-D convolution (op type `DepthwiseConv2dNative`).

    output[b, i, j, k * channel_multiplier + q] = sum_{di, dj}
        input[b, strides[1] * i + dilations[1] * di - pad_top,
              strides[2] * j + dilations[2] * dj - pad_left, k] * filter[di, dj, k, q]

    Args:
      input: [batch, in_height, in_width, in_channels] (NHWC) or
        [batch, in_channels, in_height, in_width] (NCHW); float16/32/64.
      filter: [filter_height, filter_width, in_channels, channel_multiplier].
      strides: 4 ints in `data_format` order (1 on the batch and channel axes).
      padding: "SAME" or "VALID".
      data_format: "NHWC" (default) or "NCHW".
      dilations: 4 ints in `data_format` order.
      name: op name (default "DepthwiseConv2dNative").

    Returns:
      [batch, out_height, out_width, in_channels * channel_multiplier] (or NCHW).

    Raises:
      ValueError: for mismatched depths, wrong ranks, bad strides/dilations/padding, or a
        VALID filter larger than the input.
      TypeError: for non-float or mismatched dtypes.
    """
    attrs = conv_attrs(strides, padding, data_format, dilations, allow_short=False)
    with _graph.name_scope(name, "DepthwiseConv2dNative", [input, filter]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        w = convert_like(filter, x, "filter")
        return make_tensor("DepthwiseConv2dNative", [x, w], attrs, scope)


def _rate_dilations(rate, dilations, strides, data_format):
    """TF1's `rate` (or its alias `dilations`) as a [h, w] pair, checked against strides."""
    if rate is not None and dilations is not None:
        raise ValueError("Cannot specify both 'dilations' and 'rate'.")
    rate = dilations if rate is None else rate
    if rate is None:
        rate = [1, 1]
    rate = [int(rate)] * 2 if isinstance(rate, int) else [int(r) for r in rate]
    if len(rate) != 2:
        raise ValueError("rate must be an int or a list of 2 ints, got %r" % (rate,))
    if min(rate) < 1:
        raise ValueError("rate must be positive, got %r" % (rate,))
    s = list(strides) if not isinstance(strides, int) else [strides] * 4
    spatial_strides = s[2:] if data_format == "NCHW" and len(s) == 4 else \
        (s[1:3] if len(s) == 4 else s)
    if max(rate) > 1 and max(spatial_strides) > 1:
        raise ValueError("strides > 1 not supported in conjunction with rate > 1 (strides %r, "
                         "rate %r)" % (list(s), rate))
    return [1, 1] + rate if data_format == "NCHW" else [1] + rate + [1]


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """Depthwise 2-D convolution with optional atrous `rate` (op `DepthwiseConv2dNative`,
    named "depthwise" by default).

    TF1 implements `rate` > 1 with SpaceToBatchND / BatchToSpaceND around the op; minigraph
    uses the op's `dilations` attribute instead (same numbers, fewer ops).

    Args:
      input: [batch, in_height, in_width, in_channels] (or NCHW).
      filter: [filter_height, filter_width, in_channels, channel_multiplier].
      strides: 4 ints in `data_format` order.
      padding: "SAME" or "VALID".
      rate: an int or [rate_height, rate_width]: the spacing of filter taps.
      name: name scope / op name (default "depthwise").
      data_format: "NHWC" (default) or "NCHW".
      dilations: alias of `rate`.

    Returns:
      [batch, out_height, out_width, in_channels * channel_multiplier] (or NCHW).

    Raises:
      ValueError: if `rate` > 1 with strides > 1, both `rate` and `dilations` are given,
        or the shapes do not fit.
    """
    fmt = data_format or "NHWC"
    dil = _rate_dilations(rate, dilations, strides, fmt)
    with _graph.name_scope(name, "depthwise", [input, filter]) as scope:
        x = _graph.convert_to_tensor(input, name="tensor_in")
        w = convert_like(filter, x, "filter_in")
        return make_tensor("DepthwiseConv2dNative", [x, w],
                           conv_attrs(strides, padding, fmt, dil, allow_short=False), scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     rate=None, name=None, data_format=None, dilations=None):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution that mixes channels.

    Builds TF1's two ops: `DepthwiseConv2dNative` named "<name>/depthwise", then
    `Conv2D` (1x1, stride 1, VALID) named "<name>" (default name "separable_conv2d").

    Args:
      input: [batch, in_height, in_width, in_channels] (or NCHW).
      depthwise_filter: [filter_height, filter_width, in_channels, channel_multiplier].
      pointwise_filter: [1, 1, in_channels * channel_multiplier, out_channels].
      strides: 4 ints in `data_format` order, for the depthwise convolution.
      padding: "SAME" or "VALID", for the depthwise convolution.
      rate: an int or [rate_height, rate_width]: the depthwise filter's tap spacing.
      name: name scope / output op name (default "separable_conv2d").
      data_format: "NHWC" (default) or "NCHW".
      dilations: alias of `rate`.

    Returns:
      [batch, out_height, out_width, out_channels] (or NCHW).

    Raises:
      ValueError: if the pointwise filter is not [1, 1, ...] of rank 4, its input depth
        is not in_channels * channel_multiplier, or the depthwise part does not fit.
    """
    fmt = data_format or "NHWC"
    dil = _rate_dilations(rate, dilations, strides, fmt)
    with _graph.name_scope(name, "separable_conv2d",
                           [input, depthwise_filter, pointwise_filter]) as scope:
        x = _graph.convert_to_tensor(input, name="tensor_in")
        dw = convert_like(depthwise_filter, x, "depthwise_filter")
        pw = convert_like(pointwise_filter, x, "pointwise_filter")
        ps = pw.shape
        if ps.ndims is not None and (ps.ndims != 4 or not _ts.Dimension(1).is_compatible_with(ps[0])
                                     or not _ts.Dimension(1).is_compatible_with(ps[1])):
            raise ValueError("separable_conv2d %s: pointwise_filter %s must have shape "
                             "[1, 1, in_channels * channel_multiplier, out_channels], got %s"
                             % (scope, pw.name, _ts.shape_str(ps)))
        depthwise = make_tensor("DepthwiseConv2dNative", [x, dw],
                                conv_attrs(strides, padding, fmt, dil, allow_short=False),
                                "depthwise")
        return conv2d(depthwise, pw, [1, 1, 1, 1], padding="VALID", data_format=fmt,
                      name=scope)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides,  # noqa: A002
                                           padding, data_format="NHWC",
                                           dilations=(1, 1, 1, 1), name=None):
    """Computes the gradients of a depthwise convolution with respect to its input
    (op type `DepthwiseConv2dNativeBackpropInput`).

    Args:
      input_sizes: int32 [4]: the input's shape in `data_format` order.
      filter: [filter_height, filter_width, in_channels, channel_multiplier].
      out_backprop: [batch, out_height, out_width, in_channels * channel_multiplier]
        (or NCHW).
      strides, padding, data_format, dilations: as in `depthwise_conv2d_native`.
      name: op name (default "DepthwiseConv2dNativeBackpropInput").

    Returns:
      [batch, in_height, in_width, in_channels] (or NCHW).

    Raises:
      ValueError: if the shapes do not describe one depthwise convolution.
    """
    attrs = conv_attrs(strides, padding, data_format, dilations, allow_short=False)
    with _graph.name_scope(name, "DepthwiseConv2dNativeBackpropInput",
                           [input_sizes, filter, out_backprop]) as scope:
        sizes = sizes_tensor(input_sizes, "input_sizes")
        w = _graph.convert_to_tensor(filter, name="filter")
        dy = convert_like(out_backprop, w, "out_backprop")
        return make_tensor("DepthwiseConv2dNativeBackpropInput", [sizes, w, dy], attrs, scope)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,  # noqa: A002
                                            padding, data_format="NHWC",
                                            dilations=(1, 1, 1, 1), name=None):
    """Computes the gradients of a depthwise convolution with respect to its filter
    (op type `DepthwiseConv2dNativeBackpropFilter`).

    Args:
      input: [batch, in_height, in_width, in_channels] (or NCHW).
      filter_sizes: int32 [4]: [filter_height, filter_width, in_channels,
        channel_multiplier].
      out_backprop: [batch, out_height, out_width, in_channels * channel_multiplier]
        (or NCHW).
      strides, padding, data_format, dilations: as in `depthwise_conv2d_native`.
      name: op name (default "DepthwiseConv2dNativeBackpropFilter").

    Returns:
      [filter_height, filter_width, in_channels, channel_multiplier].

    Raises:
      ValueError: if the shapes do not describe one depthwise convolution.
    """
    attrs = conv_attrs(strides, padding, data_format, dilations, allow_short=False)
    with _graph.name_scope(name, "DepthwiseConv2dNativeBackpropFilter",
                           [input, filter_sizes, out_backprop]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        sizes = sizes_tensor(filter_sizes, "filter_sizes")
        dy = convert_like(out_backprop, x, "out_backprop")
        return make_tensor("DepthwiseConv2dNativeBackpropFilter", [x, sizes, dy], attrs, scope)
