"""Elementwise binary arithmetic with broadcasting: add, subtract, multiply, truediv,
floordiv, floormod, pow, maximum, minimum (TF1 op types Add, Sub, Mul, RealDiv, ...).

Each gradient sums over broadcast axes with `math_ops.sum_to_shape`.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import make_tensor
from minigraph.ops.math_ops import FLOATS, NUMERIC, _Binary, _binary, binary_inputs, sum_to_shape


def _neg(t):
    from minigraph.ops.unary_ops import negative
    return negative(t)


class Add(_Binary):
    """x + y."""

    ufunc = np.add

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(grad, x, y), sum_to_shape(grad, y, x)]


class Sub(_Binary):
    """x - y."""

    ufunc = np.subtract

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(grad, x, y), sum_to_shape(_neg(grad), y, x)]


class Mul(_Binary):
    """x * y."""

    ufunc = np.multiply

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(multiply(grad, y), x, y), sum_to_shape(multiply(x, grad), y, x)]


class RealDiv(_Binary):
    """x / y for floating-point x, y."""

    allowed = FLOATS

    ufunc = np.true_divide

    def gradient(self, op, grad):
        x, y = op.inputs
        gy = multiply(grad, realdiv(realdiv(_neg(x), y), y))
        return [sum_to_shape(realdiv(grad, y), x, y), sum_to_shape(gy, y, x)]


def _int_zero_check(y):
    if np.any(y == 0):
        raise ValueError("Integer division by zero")


class FloorDiv(_Binary):
    """floor(x / y); integer division by zero is an error, as in TF1."""

    def kernel(self, x, y):
        if x.dtype.kind in "iu":
            _int_zero_check(y)
            return np.floor_divide(x, y)
        return np.floor(np.true_divide(x, y))

    # TF1 defines FloorDiv's gradient as None for both inputs (it is piecewise constant).
    def gradient(self, op, grad):
        return [None, None]


class FloorMod(_Binary):
    """x - floor(x / y) * y: the remainder with the sign of y (Python's %)."""

    def kernel(self, x, y):
        if x.dtype.kind in "iu":
            _int_zero_check(y)
        return np.mod(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        gy = multiply(grad, _neg(floordiv(x, y)))
        return [sum_to_shape(grad, x, y), sum_to_shape(gy, y, x)]


class Pow(_Binary):
    """x ** y; integers to negative integer powers are an error, as in TF1."""

    ufunc = np.power

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.comparison_ops import greater, where
        from minigraph.ops.unary_ops import log
        x, y = op.inputs
        z = op.outputs[0]
        gx = multiply(multiply(grad, y), pow(x, subtract(y, array_ops.ones_like(y))))
        # log(x) only where x > 0, so the y-gradient is 0 (not NaN) at x <= 0, as TF1.
        mask = greater(x, array_ops.zeros_like(x))
        safe_x = where(mask, x, array_ops.ones_like(x))
        log_x = where(mask, log(safe_x), array_ops.zeros_like(x))
        gy = multiply(multiply(grad, z), log_x)
        return [sum_to_shape(gx, x, y), sum_to_shape(gy, y, x)]


class _MaxMin(_Binary):
    abstract = True
    type = None

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.comparison_ops import greater_equal, less_equal, where
        x, y = op.inputs
        # Ties send the whole gradient to x, as TF1's _MaximumMinimumGrad does.
        xmask = (greater_equal if op.type == "Maximum" else less_equal)(x, y)
        # xmask has the broadcast shape of x and y, which is grad's shape.
        zeros = array_ops.zeros_like(grad)
        gx = where(xmask, grad, zeros)
        gy = where(xmask, zeros, grad)
        return [sum_to_shape(gx, x, y), sum_to_shape(gy, y, x)]


class Maximum(_MaxMin):
    """max(x, y) elementwise."""

    ufunc = np.maximum


class Minimum(_MaxMin):
    """min(x, y) elementwise."""

    ufunc = np.minimum


def add(x, y, name=None):
    """x + y elementwise, with NumPy broadcasting (op type `Add`).

    Args:
      x: a numeric tensor (or value), broadcastable with `y`.
      y: a tensor (or value) of `x`'s dtype.
      name: op name (default "Add").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Add", x, y, name)


def subtract(x, y, name=None):
    """x - y elementwise, with NumPy broadcasting (op type `Sub`).

    Args:
      x: a numeric tensor (or value) of shape `[..., a]`.
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Sub").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Sub", x, y, name)


def multiply(x, y, name=None):
    """x * y elementwise, with NumPy broadcasting (op type `Mul`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Mul").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Mul", x, y, name)


def realdiv(x, y, name=None):
    """x / y for floating-point tensors, with NumPy broadcasting (op type `RealDiv`).

    Args:
      x: a float16/float32/float64 tensor.
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "RealDiv").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype (inf/NaN where y == 0).

    Raises:
      TypeError: if the dtypes differ or are not floating-point.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("RealDiv", x, y, name)


def maximum(x, y, name=None):
    """max(x, y) elementwise, with NumPy broadcasting (op type `Maximum`).

    The gradient goes to `x` where x >= y and to `y` elsewhere: ties favour `x`, as in
    TF1's _MaximumMinimumGrad.

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Maximum").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Maximum", x, y, name)


def minimum(x, y, name=None):
    """min(x, y) elementwise, with NumPy broadcasting (op type `Minimum`).

    The gradient goes to `x` where x <= y and to `y` elsewhere (ties favour `x`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Minimum").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Minimum", x, y, name)


def floordiv(x, y, name=None):
    """floor(x / y) elementwise, with NumPy broadcasting (op type `FloorDiv`).

    Integers round toward -inf like Python's `//`; it has no gradient, as in TF1.

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "floordiv", as in TF1).

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
      InvalidArgumentError: at run time, for an integer division by zero.
    """
    return _binary("FloorDiv", x, y, name, "floordiv")


floor_div = floordiv


def floormod(x, y, name=None):
    """x mod y with the sign of `y` (Python's %), with NumPy broadcasting (op `FloorMod`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "FloorMod").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
      InvalidArgumentError: at run time, for an integer modulus of zero.
    """
    return _binary("FloorMod", x, y, name)


mod = floormod


def pow(x, y, name=None):  # noqa: A001 - TF1 name
    """x ** y elementwise, with NumPy broadcasting (op type `Pow`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Pow").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
      InvalidArgumentError: at run time, for an integer to a negative integer power.
    """
    return _binary("Pow", x, y, name)


_TRUEDIV_CAST = {dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32,
                 dtypes.uint16: dtypes.float32, dtypes.int16: dtypes.float32,
                 dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64}


def truediv(x, y, name=None):
    """x / y with Python 3 semantics: integers are cast to floats first (op `RealDiv`).

    As in TF1, int8/int16/uint8/uint16 become float32 and int32/int64 become float64.

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "truediv").

    Returns:
      A floating-point tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are bool.
      ValueError: if the shapes cannot broadcast.
    """
    from minigraph.ops.unary_ops import cast
    with _graph.name_scope(name, "truediv", [x, y]) as scope:
        x, y = binary_inputs("RealDiv", x, y)
        if x.dtype != y.dtype:
            raise TypeError("x and y must have the same dtype, got %s != %s (x: %s, y: %s)"
                            % (x.dtype.name, y.dtype.name, x.name, y.name))
        if x.dtype not in NUMERIC:
            raise TypeError("Invalid dtype %s in __truediv__ (x: %s)" % (x.dtype.name, x.name))
        target = _TRUEDIV_CAST.get(x.dtype)
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return make_tensor("RealDiv", [x, y], None, scope)


def divide(x, y, name=None):
    """x / y with Python 3 semantics: TF1's `divide`, which is the `/` operator.

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "truediv"; see `truediv`).

    Returns:
      A floating-point tensor of the broadcast shape (integers are cast first).

    Raises:
      TypeError: if the dtypes differ or are bool.
      ValueError: if the shapes cannot broadcast.
    """
    return truediv(x, y, name=name)


def scalar_mul(scalar, x, name=None):
    """scalar * x, for a scalar `scalar` (op type `Mul`).

    Args:
      scalar: a 0-D tensor or number; converted to `x`'s dtype.
      x: a numeric tensor of any shape.
      name: op name (default "Mul").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      ValueError: if `scalar` is not a scalar.
      TypeError: if `scalar` does not fit `x`'s dtype.
    """
    x = _graph.convert_to_tensor(x)
    scalar = _graph.convert_to_tensor(scalar, dtype=x.dtype, name="scalar")
    if scalar.shape.ndims != 0:
        raise ValueError("Only scalar multiply works, got shape %s for %s"
                         % (_ts.shape_str(scalar.shape), scalar.name))
    return make_tensor("Mul", [scalar, x], None, name or "Mul")
