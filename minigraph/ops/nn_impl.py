"""Normalization, L2 and dropout ops of `mg.nn`: l2_loss, l2_normalize, moments,
batch_normalization, fused_batch_norm and dropout.

`l2_loss` and `fused_batch_norm` are fused ops (TF1's `L2Loss`, `FusedBatchNormV3`); the
others are compositions of math ops, built exactly as TF1.15 builds them so that their
outputs have TF1's names (`l2_normalize:0`, `moments/Squeeze:0`, `batchnorm/add_1:0`,
`dropout/mul_1:0`).
"""
import numbers

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_op, make_tensor, static_value
from minigraph.ops import array_ops
from minigraph.ops import math_ops
from minigraph.ops.constant_op import constant
from minigraph.ops.nn_activations import FLOAT_TYPES, check_dtype
from minigraph.ops.nn_math import squared_difference


# -- l2 --------------------------------------------------------------------------------------------
class L2Loss(Op):
    """sum(t ** 2) / 2, a scalar."""

    def infer(self, op):
        t = op.inputs[0]
        check_dtype(op, t, FLOAT_TYPES, "t")
        return [(t.dtype, [])]

    def compute(self, op, t):
        flat = t.reshape(-1)
        return np.asarray(np.dot(flat, flat) / 2, dtype=t.dtype)

    def gradient(self, op, grad):
        return [op.inputs[0] * grad]


def l2_loss(t, name=None):
    """Computes half the L2 norm of a tensor without the sqrt: `sum(t ** 2) / 2`.

    Op type `L2Loss`.

    Args:
      t: a float tensor of any shape.
      name: op name (default "L2Loss").

    Returns:
      A scalar of `t`'s dtype.

    Raises:
      TypeError: if `t` is not a float tensor.
    """
    with _graph.name_scope(name, "L2Loss", [t]) as scope:
        x = _graph.convert_to_tensor(t, name="t")
        return make_tensor("L2Loss", [x], None, scope)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """Normalizes along `axis` using the L2 norm: `x / sqrt(max(sum(x ** 2), epsilon))`.

    Args:
      x: a float tensor.
      axis: dimension(s) to normalize along (default: all).
      epsilon: lower bound for the sum of squares, so a zero `x` gives zeros, not NaN.
      name: name of the output (default "l2_normalize").
      dim: deprecated alias for `axis`.

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      ValueError: if both `axis` and `dim` are given, or `axis` is out of range.
    """
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    with _graph.name_scope(name, "l2_normalize", [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


# -- moments and batch normalization ---------------------------------------------------------------
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Calculates the mean and (biased) variance of `x` over `axes`.

    float16 inputs are averaged in float32, as in TF1. The variance is
    `mean((x - stop_gradient(mean)) ** 2)`, so the mean gets no gradient through it.

    Args:
      x: a float tensor, e.g. `[batch, height, width, channels]`.
      axes: ints, the axes to reduce (`[0, 1, 2]` for per-channel batch statistics).
      shift: unused (kept for TF1 compatibility).
      name: name scope (default "moments").
      keep_dims: deprecated alias for `keepdims`.
      keepdims: keep the reduced axes with size 1.

    Returns:
      `(mean, variance)`, each of `x`'s shape without `axes` (e.g. `[channels]`), or with
      `axes` of size 1 when `keepdims`.

    Raises:
      ValueError: if both `keepdims` and `keep_dims` are given, or `axes` is out of range.
    """
    del shift  # TF1 ignores it too.
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with _graph.name_scope(name, "moments", [x, axes]):
        x = _graph.convert_to_tensor(x, name="x")
        y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            squared_difference(y, array_ops.stop_gradient(mean)), axes,
            keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """Batch normalization: `scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`.

    Built as TF1 builds it, `x * inv + (offset - mean * inv)` with
    `inv = scale * rsqrt(variance + variance_epsilon)`, so the output is `batchnorm/add_1`.

    Args:
      x: a float tensor, e.g. `[batch, height, width, channels]`.
      mean: the mean, broadcastable to `x` (e.g. `[channels]`).
      variance: the variance, broadcastable to `x`.
      offset: beta, broadcastable to `x`, or None.
      scale: gamma, broadcastable to `x`, or None.
      variance_epsilon: a small float added to the variance.
      name: name scope (default "batchnorm").

    Returns:
      The normalized tensor, of `x`'s dtype and shape.

    Raises:
      ValueError: if the shapes do not broadcast.
    """
    with _graph.name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = _graph.convert_to_tensor(x, name="x")
        inv = math_ops.rsqrt(math_ops.add(variance, variance_epsilon))
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * _cast_like(inv, x) + _cast_like(shift, x)


def _cast_like(t, x):
    t = _graph.convert_to_tensor(t)
    return t if t.dtype == x.dtype else math_ops.cast(t, x.dtype)


class FusedBatchNormV3(Op):
    """Batch normalization of a 4-D tensor over all axes but the channel axis.

    Inputs `x, scale, offset, mean, variance`; attrs `epsilon`, `data_format`,
    `is_training`. Outputs `y, batch_mean, batch_variance, reserve_space_1..3`: in training
    the batch statistics (the variance output Bessel-corrected, as in TF1, while `y` uses
    the biased one), in inference the given `mean`/`variance`. The reserve spaces keep the
    batch mean and biased variance for the gradient.
    """

    def infer(self, op):
        x, scale, offset, mean, variance = op.inputs
        check_dtype(op, x, (dtypes.float32, dtypes.float64), "x")
        for t in op.inputs[1:]:
            if t.dtype != x.dtype:
                raise TypeError("'%s' (op: '%s'): %s has dtype %s but x %s has dtype %s"
                                % (op.name, op.type, t.name, t.dtype.name, x.name, x.dtype.name))
        shapes = ", ".join(_ts.shape_str(t.shape) for t in op.inputs)
        try:
            xs = x.shape.with_rank(4)
        except ValueError:
            raise ValueError("'%s' (op: '%s'): x must be 4-dimensional, got input shapes %s."
                             % (op.name, op.type, shapes))
        channels = xs[3 if op.attrs["data_format"] == "NHWC" else 1]
        vectors = (scale, offset) if op.attrs["is_training"] else op.inputs[1:]
        for t in vectors:
            try:
                channels = channels.merge_with(t.shape.with_rank(1)[0])
            except ValueError:
                raise ValueError("'%s' (op: '%s'): %s must be a vector of one entry per "
                                 "channel (%s), got input shapes %s."
                                 % (op.name, op.type, t.name, channels, shapes))
        vec = _ts.TensorShape([channels])
        return [(x.dtype, xs)] + [(x.dtype, vec)] * 4 + [(x.dtype, [0])]

    def compute(self, op, x, scale, offset, mean, variance):
        nchw = op.attrs["data_format"] == "NCHW"
        axes = (0, 2, 3) if nchw else (0, 1, 2)
        eps = x.dtype.type(op.attrs["epsilon"])
        if op.attrs["is_training"]:
            mean = x.mean(axis=axes)
            variance = ((x - _channel(mean, nchw)) ** 2).mean(axis=axes)
            n = x.size // max(x.shape[1 if nchw else 3], 1)
            unbiased = variance * x.dtype.type(n / max(n - 1, 1))
        else:
            unbiased = variance
        inv = scale / np.sqrt(variance + eps)
        y = (x - _channel(mean, nchw)) * _channel(inv, nchw) + _channel(offset, nchw)
        out = [y, mean, unbiased, mean, variance, np.zeros([0], x.dtype)]
        return tuple(np.asarray(v, dtype=x.dtype) for v in out)

    def gradient(self, op, dy, d_mean, d_var, d_mean2, d_var2, unused):
        x, scale = op.inputs[:2]
        nchw = op.attrs["data_format"] == "NCHW"
        axes = [0, 2, 3] if nchw else [0, 1, 2]
        mean, var = op.outputs[3], op.outputs[4]
        rs = math_ops.rsqrt(var + op.attrs["epsilon"])
        centered = x - _channel_t(mean, nchw)
        xhat = centered * _channel_t(rs, nchw)
        doffset = math_ops.reduce_sum(dy, axes)
        dscale = math_ops.reduce_sum(dy * xhat, axes)
        if not op.attrs["is_training"]:
            # Like TF1: the population statistics get no gradient.
            return [dy * _channel_t(scale * rs, nchw), dscale, doffset, None, None]
        if x.shape.is_fully_defined():
            n = float(x.shape.num_elements() // max(x.shape[1 if nchw else 3].value, 1))
        else:
            n = math_ops.cast(array_ops.size(x) // array_ops.size(scale), x.dtype)
        dx = _channel_t(scale * rs / n, nchw) * (
            n * dy - _channel_t(doffset, nchw) - xhat * _channel_t(dscale, nchw))
        # TF1 drops the gradients of the statistics outputs; they are exact here, so
        # losses that use them and gradients of this gradient (which flow through the
        # reserve-space outputs) come out right.
        for g, divisor in ((d_mean, None), (d_mean2, None), (d_var, n - 1), (d_var2, n)):
            if _is_zero(g):
                continue
            if divisor is None:
                dx = dx + _channel_t(g / n, nchw)
            else:
                dx = dx + _channel_t(2 * g / divisor, nchw) * centered
        return [dx, dscale, doffset, None, None]


def _is_zero(t):
    if t is None or t.op.type == "ZerosLike":
        return True
    v = static_value(t)
    return v is not None and not np.any(v)


def _channel(v, nchw):
    return v.reshape(-1, 1, 1) if nchw else v


def _channel_t(v, nchw):
    return array_ops.reshape(v, [-1, 1, 1]) if nchw else v


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None):
    """Batch normalization of a 4-D tensor in one fused op (op type `FusedBatchNormV3`).

    As in TF1, `epsilon` is raised to at least 1.001e-5, and in training the returned
    variance is the unbiased (Bessel-corrected) batch variance while `y` is normalized
    with the biased one.

    Args:
      x: a float32/float64 tensor `[batch, height, width, channels]` (NHWC) or
        `[batch, channels, height, width]` (NCHW).
      scale: gamma, `[channels]`.
      offset: beta, `[channels]`.
      mean: `[channels]` population mean for inference; must be None in training.
      variance: `[channels]` population variance for inference; None in training.
      epsilon: small float added to the variance.
      data_format: "NHWC" or "NCHW".
      is_training: use batch statistics (True) or `mean`/`variance` (False).
      name: op name (default "FusedBatchNormV3").

    Returns:
      `(y, batch_mean, batch_var)`: `y` of `x`'s shape, the others `[channels]`.

    Raises:
      ValueError: if `x` is not 4-D, the vectors do not match the channels, `data_format`
        is unknown, or inference lacks `mean`/`variance`.
    """
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("fused_batch_norm: data_format must be 'NHWC' or 'NCHW', got %r"
                         % (data_format,))
    x = _graph.convert_to_tensor(x, name="input")
    scale = _graph.convert_to_tensor(scale, name="scale")
    offset = _graph.convert_to_tensor(offset, name="offset")
    if not is_training and (mean is None or variance is None):
        raise ValueError("fused_batch_norm: both mean and variance must be given when "
                         "is_training=False")
    mean = constant([], dtype=x.dtype) if mean is None \
        else _graph.convert_to_tensor(mean, name="mean")
    variance = constant([], dtype=x.dtype) if variance is None \
        else _graph.convert_to_tensor(variance, name="variance")
    epsilon = max(float(epsilon), 1.001e-5)
    attrs = {"epsilon": epsilon, "data_format": data_format, "is_training": bool(is_training)}
    op = make_op("FusedBatchNormV3", [x, scale, offset, mean, variance], attrs,
                 name or "FusedBatchNormV3")
    return op.outputs[0], op.outputs[1], op.outputs[2]


# -- dropout ---------------------------------------------------------------------------------------
def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return array_ops.shape(x)
    try:
        ns = _ts.as_shape(noise_shape)
    except (TypeError, ValueError):
        return noise_shape
    if x.shape.ndims is not None and ns.ndims == x.shape.ndims:
        # Unknown entries of a partly known noise shape take x's static size.
        return [d.value if n.value is None else n.value for n, d in zip(ns.dims, x.shape.dims)]
    return noise_shape


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Computes dropout: zeros each element with probability `rate`, scales the rest.

    TF1.15's `tf.nn.dropout`: kept elements are multiplied by `1 / keep_prob`
    (`keep_prob = 1 - rate`), so the expected sum is unchanged. With `noise_shape`, only
    dimensions where it equals `x`'s shape make independent decisions. A `keep_prob` of
    exactly 1 (or `rate` 0) returns `x` itself. As in TF1, `keep_prob` given as a tensor
    becomes `rate` through a `sub` op built outside the `dropout` scope.

    Args:
      x: a float tensor of any shape.
      keep_prob: deprecated; the probability of keeping each element (a float or a
        scalar tensor, e.g. a placeholder).
      noise_shape: int32 vector, the shape of the random keep/drop mask (broadcast to x).
      seed: op-level random seed (with the graph seed, makes the mask repeatable).
      name: name scope (default "dropout").
      rate: the probability of dropping each element; use instead of `keep_prob`.

    Returns:
      A tensor of `x`'s dtype and shape; its op is `dropout/mul_1`.

    Raises:
      ValueError: if both or neither of `keep_prob` and `rate` are given, `rate` is not
        in [0, 1), `x` is not a float tensor, or `rate` is not a scalar.
    """
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'rate' and 'keep_prob'.")
    if keep_prob is not None:
        if isinstance(keep_prob, numbers.Real) and not isinstance(keep_prob, bool):
            rate = 1. - keep_prob
        elif isinstance(keep_prob, _graph.Tensor) or hasattr(keep_prob, "_as_graph_element"):
            rate = 1. - keep_prob
        else:
            raise ValueError("keep_prob must be a floating point number or Tensor (got %r)"
                             % (keep_prob,))
    if rate is None:
        raise ValueError("You must provide a rate to dropout.")
    from minigraph.ops import random_ops
    with _graph.name_scope(name, "dropout", [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError("x has to be a floating point tensor since it's going to be "
                             "scaled. Got a %s tensor instead (x %s in dropout '%s')."
                             % (x.dtype.name, x.name, scope.rstrip("/")))
        if isinstance(rate, numbers.Real):
            if not 0 <= rate < 1:
                raise ValueError("rate must be a scalar tensor or a float in the range [0, 1), "
                                 "got %g (dropout '%s')" % (rate, scope.rstrip("/")))
            if rate == 0:
                return x
        rate = _graph.convert_to_tensor(rate, dtype=x.dtype, name="rate")
        if rate.shape.ndims not in (None, 0):
            raise ValueError("dropout '%s': rate %s must be a scalar, got shape %s"
                             % (scope.rstrip("/"), rate.name, _ts.shape_str(rate.shape)))
        rv = static_value(rate)
        if rv is not None and rv == 0:
            return x
        random_tensor = random_ops.random_uniform(_noise_shape(x, noise_shape), seed=seed,
                                                  dtype=x.dtype)
        scale = 1 / (1 - rate)
        # `>=` keeps a sample equal to `rate`: exactly a `1 - rate` fraction survives.
        keep_mask = random_tensor >= rate
        ret = x * scale * math_ops.cast(keep_mask, x.dtype)
        ret.set_shape(x.shape)
        return ret
