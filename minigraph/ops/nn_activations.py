"""Activation ops of `mg.nn`: relu, relu6, elu, selu, softplus, softsign, leaky_relu,
crelu and swish, each with the fused `*Grad` op TF1 uses for its gradient.

The gradient ops are ops in their own right (TF1's `ReluGrad`, `EluGrad`, ...), so a
gradient graph reads like TF1's and gradients of gradients work: each `*Grad` op has its
own gradient rule, written with graph ops.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops import array_ops
from minigraph.ops import math_ops
from minigraph.ops.kernels import elementwise

FLOAT_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64)
REAL_TYPES = FLOAT_TYPES + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64,
                            dtypes.uint8, dtypes.uint16)

# SELU's fixed point constants (Klambauer et al. 2017), as in TF1's kernel.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def check_dtype(op, tensor, allowed, param):
    """TF1's dtype check for an op input, naming the op and the tensor.

    Raises:
      TypeError: if `tensor.dtype` is not in `allowed`.
    """
    if tensor.dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed "
                        "values: %s (tensor %s of op '%s', type %s)"
                        % (param, tensor.dtype.name, ", ".join(d.name for d in allowed),
                           tensor.name, op.name, op.type))


def merged_shape(op, a, b):
    """The merge of two inputs' static shapes that must be equal.

    Raises:
      ValueError: naming the op and both shapes when they differ.
    """
    try:
        return a.shape.merge_with(b.shape)
    except ValueError:
        raise ValueError("Incompatible shapes for '%s' (op: '%s'): %s has shape %s and %s has "
                         "shape %s; they must be equal."
                         % (op.name, op.type, a.name, _ts.shape_str(a.shape), b.name,
                            _ts.shape_str(b.shape)))


def stable_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class _Unary(Op):
    """An elementwise op on `features`; output dtype and shape are the input's."""

    abstract = True
    type = None
    allowed = FLOAT_TYPES

    def infer(self, op):
        x = op.inputs[0]
        check_dtype(op, x, self.allowed, "features")
        return [(x.dtype, x.shape)]


class _UnaryGrad(Op):
    """`gradients` times the local derivative read off the second input."""

    abstract = True
    type = None
    allowed = FLOAT_TYPES

    def infer(self, op):
        g, f = op.inputs
        check_dtype(op, g, self.allowed, "gradients")
        if g.dtype != f.dtype:
            raise TypeError("Inputs of '%s' (op: '%s') must have one dtype: gradients %s is %s, "
                            "%s is %s" % (op.name, op.type, g.name, g.dtype.name, f.name,
                                          f.dtype.name))
        return [(g.dtype, merged_shape(op, g, f))]


def _unary(op_type, features, name, attrs=None):
    with _graph.name_scope(name, op_type, [features]) as scope:
        x = _graph.convert_to_tensor(features, name="features")
        return make_tensor(op_type, [x], attrs, scope)


def _grad_op(op_type, grad, second, attrs=None):
    return make_tensor(op_type, [grad, second], attrs, op_type)


# -- relu -----------------------------------------------------------------------------------------
class Relu(_Unary):
    """max(features, 0)."""

    allowed = REAL_TYPES

    def compute(self, op, x):
        return elementwise.apply(np.maximum, (x, x.dtype.type(0)))

    def gradient(self, op, grad):
        # y > 0 exactly where x > 0, and TF1 reads the mask off the output.
        return [_grad_op("ReluGrad", grad, op.outputs[0])]


def _relu_grad(g, f, out=None):
    """g * (f > 0) with a ufunc's `out=` contract (`elementwise.apply` runs it in
    threads). A product, as TF1's kernel: an inf gradient where f <= 0 gives NaN. The
    mask stays bool: NumPy casts it to g's dtype (exactly 0 or 1) in small buffers
    instead of a full-size temporary."""
    return np.multiply(g, f > 0, out=out)


class ReluGrad(_UnaryGrad):
    """gradients * (features > 0): zero gradient at features == 0, as in TF1."""

    allowed = REAL_TYPES

    def compute(self, op, g, f):
        return elementwise.apply(_relu_grad, (g, f))

    def gradient(self, op, grad):
        f = op.inputs[1]
        return [_grad_op("ReluGrad", grad, f), array_ops.zeros_like(f)]


def relu(features, name=None):
    """Computes rectified linear: `max(features, 0)` (op type `Relu`).

    The gradient at `features == 0` is 0, as in TF1.

    Args:
      features: a real-number tensor of any shape.
      name: op name (default "Relu").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a real-number tensor.
    """
    return _unary("Relu", features, name)


class Relu6(_Unary):
    """min(max(features, 0), 6)."""

    allowed = REAL_TYPES

    def compute(self, op, x):
        return elementwise.apply(np.clip, (x, x.dtype.type(0), x.dtype.type(6)))

    def gradient(self, op, grad):
        return [_grad_op("Relu6Grad", grad, op.inputs[0])]


class Relu6Grad(_UnaryGrad):
    """gradients where 0 < features < 6, else 0."""

    allowed = REAL_TYPES

    def compute(self, op, g, f):
        return g * ((f > 0) & (f < 6)).astype(g.dtype)

    def gradient(self, op, grad):
        f = op.inputs[1]
        return [_grad_op("Relu6Grad", grad, f), array_ops.zeros_like(f)]


def relu6(features, name=None):
    """Computes Rectified Linear 6: `min(max(features, 0), 6)` (op type `Relu6`).

    Args:
      features: a real-number tensor of any shape.
      name: op name (default "Relu6").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a real-number tensor.
    """
    return _unary("Relu6", features, name)


# -- elu / selu ------------------------------------------------------------------------------------
class Elu(_Unary):
    """features if > 0 else exp(features) - 1."""

    def compute(self, op, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))

    def gradient(self, op, grad):
        return [_grad_op("EluGrad", grad, op.outputs[0])]


class EluGrad(_UnaryGrad):
    """gradients * (outputs + 1) where outputs < 0 (d/dx expm1 = y + 1), else gradients."""

    def compute(self, op, g, y):
        return np.where(y < 0, g * (y + 1), g)

    def gradient(self, op, grad):
        g, y = op.inputs
        dy = math_ops.where(math_ops.less(y, 0), grad * g, array_ops.zeros_like(y))
        return [_grad_op("EluGrad", grad, y), dy]


def elu(features, name=None):
    """Computes exponential linear: `exp(features) - 1` if < 0, `features` otherwise.

    Op type `Elu` (Clevert et al. 2015).

    Args:
      features: a float tensor of any shape.
      name: op name (default "Elu").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a float tensor.
    """
    return _unary("Elu", features, name)


class Selu(_Unary):
    """scale * (features if > 0 else alpha * (exp(features) - 1))."""

    def compute(self, op, x):
        t = x.dtype.type
        neg = t(SELU_SCALE * SELU_ALPHA) * np.expm1(np.minimum(x, 0))
        return np.where(x > 0, t(SELU_SCALE) * x, neg)

    def gradient(self, op, grad):
        return [_grad_op("SeluGrad", grad, op.outputs[0])]


class SeluGrad(_UnaryGrad):
    """gradients * (outputs + scale * alpha) where outputs < 0, else gradients * scale.

    At 0 this is the right derivative, `scale`, as in TF1.
    """

    def compute(self, op, g, y):
        t = g.dtype.type
        return np.where(y < 0, g * (y + t(SELU_SCALE * SELU_ALPHA)), g * t(SELU_SCALE))

    def gradient(self, op, grad):
        g, y = op.inputs
        dy = math_ops.where(math_ops.less(y, 0), grad * g, array_ops.zeros_like(y))
        return [_grad_op("SeluGrad", grad, y), dy]


def selu(features, name=None):
    """Computes scaled exponential linear: `scale * alpha * (exp(features) - 1)` if < 0,
    `scale * features` otherwise (op type `Selu`).

    `alpha` = 1.6732632423543772 and `scale` = 1.0507009873554805 (Klambauer et al. 2017).

    Args:
      features: a float tensor of any shape.
      name: op name (default "Selu").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a float tensor.
    """
    return _unary("Selu", features, name)


# -- softplus / softsign ---------------------------------------------------------------------------
class Softplus(_Unary):
    """log(exp(features) + 1)."""

    def compute(self, op, x):
        # max(x, 0) + log1p(exp(-|x|)) never overflows, unlike log1p(exp(x)).
        return elementwise.apply(np.logaddexp, (x.dtype.type(0), x))

    def gradient(self, op, grad):
        return [_grad_op("SoftplusGrad", grad, op.inputs[0])]


class SoftplusGrad(_UnaryGrad):
    """gradients * sigmoid(features)."""

    def compute(self, op, g, x):
        return g * stable_sigmoid(x)

    def gradient(self, op, grad):
        g, x = op.inputs
        s = math_ops.sigmoid(x)
        # d/dx sigmoid(x) = s * (1 - s): no exp(x) that could overflow.
        return [_grad_op("SoftplusGrad", grad, x), grad * g * s * (1 - s)]


def softplus(features, name=None):
    """Computes softplus: `log(exp(features) + 1)` (op type `Softplus`).

    Args:
      features: a float tensor of any shape.
      name: op name (default "Softplus").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a float tensor.
    """
    return _unary("Softplus", features, name)


class Softsign(_Unary):
    """features / (abs(features) + 1)."""

    def compute(self, op, x):
        return x / (np.abs(x) + x.dtype.type(1))

    def gradient(self, op, grad):
        return [_grad_op("SoftsignGrad", grad, op.inputs[0])]


class SoftsignGrad(_UnaryGrad):
    """gradients / (1 + abs(features))**2."""

    def compute(self, op, g, x):
        d = np.abs(x) + x.dtype.type(1)
        return g / (d * d)

    def gradient(self, op, grad):
        g, x = op.inputs
        d = math_ops.abs(x) + 1
        dx = grad * g * -2 * math_ops.sign(x) / (d * d * d)
        return [_grad_op("SoftsignGrad", grad, x), dx]


def softsign(features, name=None):
    """Computes softsign: `features / (abs(features) + 1)` (op type `Softsign`).

    Args:
      features: a float tensor of any shape.
      name: op name (default "Softsign").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a float tensor.
    """
    return _unary("Softsign", features, name)


# -- leaky relu ------------------------------------------------------------------------------------
class LeakyRelu(_Unary):
    """features if > 0 else alpha * features (attr `alpha`, a Python float)."""

    def compute(self, op, x):
        return np.where(x > 0, x, x * x.dtype.type(op.attrs["alpha"]))

    def gradient(self, op, grad):
        return [_grad_op("LeakyReluGrad", grad, op.inputs[0], {"alpha": op.attrs["alpha"]})]


class LeakyReluGrad(_UnaryGrad):
    """gradients where features > 0, else alpha * gradients."""

    def compute(self, op, g, x):
        return np.where(x > 0, g, g * g.dtype.type(op.attrs["alpha"]))

    def gradient(self, op, grad):
        x = op.inputs[1]
        return [_grad_op("LeakyReluGrad", grad, x, op.attrs), array_ops.zeros_like(x)]


def leaky_relu(features, alpha=0.2, name=None):
    """Computes the Leaky ReLU: `features` if > 0, else `alpha * features` (op `LeakyRelu`).

    As in TF1.15, integer `features` are cast to float32 first, and `alpha` must be a
    Python (or NumPy scalar) float: TF1's op holds it as an attribute, not a tensor.

    Args:
      features: a tensor of any shape.
      alpha: slope where `features < 0`.
      name: op name (default "LeakyRelu").

    Returns:
      A float tensor of `features`' shape.

    Raises:
      TypeError: if `alpha` is not a number, or `features` is not numeric.
    """
    with _graph.name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        x = _graph.convert_to_tensor(features, name="features")
        if x.dtype.is_integer:
            x = math_ops.cast(x, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, (int, float, np.number)):
            raise TypeError("Expected float for argument 'alpha' of leaky_relu '%s' not %r."
                            % (scope.rstrip("/"), alpha))
        return make_tensor("LeakyRelu", [x], {"alpha": float(alpha)}, scope)


# -- crelu / swish ---------------------------------------------------------------------------------
def crelu(features, name=None, axis=-1):
    """Computes Concatenated ReLU: `relu(concat([features, -features], axis))`.

    As in TF1, the ops are `CRelu/Neg`, `CRelu` (the concat) and `CRelu/Relu` (the output).

    Args:
      features: a real-number tensor, e.g. `[batch, channels]`.
      name: name scope (default "CRelu").
      axis: the axis to concatenate along (default: the last).

    Returns:
      A tensor of `features`' dtype, twice as long along `axis`
      (`[batch, 2 * channels]`).

    Raises:
      TypeError: if `features` is not a real-number tensor.
      ValueError: if `axis` is out of range.
    """
    with _graph.name_scope(name, "CRelu", [features]) as scope:
        x = _graph.convert_to_tensor(features, name="features")
        c = array_ops.concat([x, math_ops.negative(x)], axis, name=scope)
        return relu(c)


class Swish(_Unary):
    """features * sigmoid(features)."""

    def compute(self, op, x):
        return x * stable_sigmoid(x)

    def gradient(self, op, grad):
        x = op.inputs[0]
        s = math_ops.sigmoid(x)
        return [grad * (s * (1 + x * (1 - s)))]


def swish(features, name=None):
    """Computes the Swish activation: `features * sigmoid(features)` (Ramachandran et al.).

    TF1.15 builds this as a graph function called `swish`; minigraph uses one fused op of
    type `Swish`, named "swish" by default.

    Args:
      features: a float tensor of any shape.
      name: op name (default "swish").

    Returns:
      A tensor of `features`' dtype and shape.

    Raises:
      TypeError: if `features` is not a float tensor.
    """
    with _graph.name_scope(name, "swish", [features]) as scope:
        x = _graph.convert_to_tensor(features, name="features")
        return make_tensor("Swish", [x], None, scope)
