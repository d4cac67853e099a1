"""Elementwise unary math ops (neg, abs, exp, log, sigmoid, tanh, ...) and `cast`.

Each op keeps its input's dtype and shape; gradients reuse the forward output where TF1
does (exp, sqrt, sigmoid, tanh), so no value is recomputed.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops.kernels import elementwise
from minigraph.ops.math_ops import (FLOATS, NUMERIC, check_dtype, multiply, realdiv, add,
                                    subtract, static_inputs)

_SIGNED = FLOATS + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)


class _Unary(Op):
    """Elementwise op with output dtype and shape equal to its input's.

    An op computed by one NumPy ufunc (or a function with a ufunc's `out=` contract)
    names it as `ufunc` and runs through `kernels.elementwise.apply`: large inputs are
    computed on several threads into a recycled buffer, a result broadcast along the
    innermost axis once and copied out, anything else by a direct call (what most runs
    pay is a size and layout check). Other ops override `kernel`.
    """

    abstract = True
    type = None
    allowed = FLOATS
    ufunc = None

    def infer(self, op):
        x = op.inputs[0]
        check_dtype(op, x, "x", self.allowed)
        return [(x.dtype, x.shape)]

    def kernel(self, x):
        # Small and no broadcast view, most calls: the direct call (see math_ops._Binary).
        if x.size < elementwise.MIN_PARALLEL_SIZE and (x.base is None or x.flags.c_contiguous):
            return self.ufunc(x)
        return elementwise.apply(self.ufunc, (x,))

    def compute(self, op, x):
        return np.asarray(self.kernel(x), dtype=x.dtype)

    def static_value(self, op):
        vals = static_inputs(op)
        return None if vals is None else self.compute(op, *vals)


def _unary(op_type, x, name):
    with _graph.name_scope(name, op_type, [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        return make_tensor(op_type, [x], None, scope)


class Neg(_Unary):
    """-x."""

    allowed = _SIGNED

    ufunc = np.negative

    def gradient(self, op, grad):
        return [negative(grad)]


class Abs(_Unary):
    """|x|."""

    allowed = _SIGNED

    ufunc = np.abs

    def gradient(self, op, grad):
        return [multiply(grad, sign(op.inputs[0]))]


class Sign(_Unary):
    """-1, 0 or 1 by the sign of x (NaN stays NaN)."""

    allowed = _SIGNED

    ufunc = np.sign

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        return [array_ops.zeros_like(op.inputs[0])]


class Square(_Unary):
    """x * x."""

    allowed = NUMERIC

    ufunc = np.square

    def gradient(self, op, grad):
        x = op.inputs[0]
        return [multiply(grad, multiply(x, 2))]


class Sqrt(_Unary):
    """sqrt(x); NaN for x < 0."""

    ufunc = np.sqrt

    def gradient(self, op, grad):
        return [realdiv(multiply(grad, 0.5), op.outputs[0])]


def _rsqrt(x, out=None):
    """1 / sqrt(x) with a ufunc's `out=` contract (the reciprocal taken in place in `out`)."""
    return np.reciprocal(np.sqrt(x, out=out), out=out)


class Rsqrt(_Unary):
    """1 / sqrt(x)."""

    ufunc = staticmethod(_rsqrt)

    def gradient(self, op, grad):
        y = op.outputs[0]
        return [multiply(grad, multiply(multiply(y, multiply(y, y)), -0.5))]


class Exp(_Unary):
    """e ** x."""

    ufunc = np.exp

    def gradient(self, op, grad):
        return [multiply(grad, op.outputs[0])]


class Log(_Unary):
    """Natural logarithm; -inf at 0, NaN below."""

    ufunc = np.log

    def gradient(self, op, grad):
        return [multiply(grad, reciprocal(op.inputs[0]))]


class Log1p(_Unary):
    """log(1 + x), accurate for small x."""

    ufunc = np.log1p

    def gradient(self, op, grad):
        return [multiply(grad, reciprocal(add(op.inputs[0], 1)))]


class Reciprocal(_Unary):
    """1 / x."""

    ufunc = np.reciprocal

    def gradient(self, op, grad):
        y = op.outputs[0]
        return [multiply(negative(grad), multiply(y, y))]


class Sigmoid(_Unary):
    """1 / (1 + exp(-x))."""

    def kernel(self, x):
        # exp of -|x| never overflows; the two branches are the same function.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def gradient(self, op, grad):
        y = op.outputs[0]
        return [multiply(grad, multiply(y, subtract(1, y)))]


class Tanh(_Unary):
    """Hyperbolic tangent."""

    ufunc = np.tanh

    def gradient(self, op, grad):
        y = op.outputs[0]
        return [multiply(grad, subtract(1, multiply(y, y)))]


def negative(x, name=None):
    """-x elementwise (op type `Neg`).

    Args:
      x: a signed numeric tensor of any shape.
      name: op name (default "Neg").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is bool or unsigned.
    """
    return _unary("Neg", x, name)


neg = negative


def abs(x, name=None):  # noqa: A001 - TF1 name
    """|x| elementwise (op type `Abs`).

    The gradient at 0 is 0 (TF1 multiplies by sign(x)).

    Args:
      x: a signed numeric tensor (float or int) of any shape.
      name: op name (default "Abs").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is bool or unsigned.
    """
    return _unary("Abs", x, name)


def sign(x, name=None):
    """-1, 0 or 1 by the sign of each element, NaN for NaN (op type `Sign`).

    Its gradient is zero everywhere, as in TF1.

    Args:
      x: a signed numeric tensor of any shape.
      name: op name (default "Sign").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is bool or unsigned.
    """
    return _unary("Sign", x, name)


def square(x, name=None):
    """x * x elementwise (op type `Square`).

    Args:
      x: a numeric tensor of any shape.
      name: op name (default "Square").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is bool.
    """
    return _unary("Square", x, name)


def sqrt(x, name=None):
    """Square root elementwise, NaN for negative inputs (op type `Sqrt`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Sqrt").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point (as TF1).
    """
    return _unary("Sqrt", x, name)


def rsqrt(x, name=None):
    """1 / sqrt(x) elementwise (op type `Rsqrt`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Rsqrt").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Rsqrt", x, name)


def exp(x, name=None):
    """e ** x elementwise (op type `Exp`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Exp").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Exp", x, name)


def log(x, name=None):
    """Natural logarithm elementwise, -inf at 0 and NaN below (op type `Log`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Log").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Log", x, name)


def log1p(x, name=None):
    """log(1 + x) elementwise, accurate for small x (op type `Log1p`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Log1p").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Log1p", x, name)


def reciprocal(x, name=None):
    """1 / x elementwise (op type `Reciprocal`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Reciprocal").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Reciprocal", x, name)


def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise, for floating-point `x` (op type `Sigmoid`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Sigmoid").

    Returns:
      A tensor of `x`'s dtype and shape, with values in [0, 1].

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Sigmoid", x, name)


def tanh(x, name=None):
    """Hyperbolic tangent elementwise (op type `Tanh`).

    Args:
      x: a float16/float32/float64 tensor of any shape.
      name: op name (default "Tanh").

    Returns:
      A tensor of `x`'s dtype and shape, with values in [-1, 1].

    Raises:
      TypeError: if `x` is not floating-point.
    """
    return _unary("Tanh", x, name)


# -- cast -----------------------------------------------------------------------------------------
class Cast(Op):
    """Its input converted to dtype `DstT` (floats truncate toward zero into integers)."""

    def infer(self, op):
        return [(op.attrs["DstT"], op.inputs[0].shape)]

    def compute(self, op, x):
        return np.asarray(x.astype(op.attrs["DstT"].as_numpy_dtype))

    def static_value(self, op):
        vals = static_inputs(op)
        return None if vals is None else self.compute(op, *vals)

    def gradient(self, op, grad):
        src, dst = op.attrs["SrcT"], op.attrs["DstT"]
        if src.is_floating and dst.is_floating:
            return [cast(grad, src)]
        return [None]


def cast(x, dtype, name=None):
    """`x` converted to `dtype` (op type `Cast`); `x` itself when it already has `dtype`.

    Args:
      x: a tensor or value of any shape.
      dtype: the target dtype.
      name: op name (default "Cast").

    Returns:
      A tensor of `x`'s shape and dtype `dtype`. Floats become integers by truncation
      toward zero; nonzero becomes True for bool.

    Raises:
      TypeError: if `dtype` is not a dtype.
    """
    base = dtypes.as_dtype(dtype)
    if isinstance(x, _graph.Tensor) and x.dtype == base:
        return x
    with _graph.name_scope(name, "Cast", [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        if x.dtype == base:
            return x
        return make_tensor("Cast", [x], {"SrcT": x.dtype, "DstT": base, "Truncate": False},
                           scope)


def to_float(x, name="ToFloat"):
    """`cast(x, float32)` (TF1's deprecated alias).

    Args:
      x: a tensor or value of any shape.
      name: op name (default "ToFloat").

    Returns:
      A float32 tensor of `x`'s shape (`x` itself if it already is float32).
    """
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    """`cast(x, float64)` (TF1's deprecated alias).

    Args:
      x: a tensor or value of any shape.
      name: op name (default "ToDouble").

    Returns:
      A float64 tensor of `x`'s shape (`x` itself if it already is float64).
    """
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    """`cast(x, int32)` (TF1's deprecated alias).

    Args:
      x: a tensor or value of any shape.
      name: op name (default "ToInt32").

    Returns:
      A int32 tensor of `x`'s shape (`x` itself if it already is int32).
    """
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    """`cast(x, int64)` (TF1's deprecated alias).

    Args:
      x: a tensor or value of any shape.
      name: op name (default "ToInt64").

    Returns:
      A int64 tensor of `x`'s shape (`x` itself if it already is int64).
    """
    return cast(x, dtypes.int64, name=name)
