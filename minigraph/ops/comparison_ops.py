"""Comparisons (bool results, with broadcasting), logical ops, and `where`.

Comparisons and logical ops have no gradient (TF1 marks them not differentiable);
`where`'s three-argument form (`Select`) routes the gradient to x or y by the condition.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor
from minigraph.ops.math_ops import _Binary, _binary, FLOATS, INTS, NUMERIC, check_dtype

_BOOL = (dtypes.bool,)


class _Compare(_Binary):
    """Elementwise comparison with broadcasting; bool output."""

    abstract = True
    type = None
    allowed = FLOATS + INTS
    not_differentiable = True

    def out_dtype(self, dtype):
        return dtypes.bool


class Equal(_Compare):
    """x == y."""

    allowed = NUMERIC + _BOOL

    ufunc = np.equal


class NotEqual(_Compare):
    """x != y."""

    allowed = NUMERIC + _BOOL

    ufunc = np.not_equal


class Less(_Compare):
    """x < y."""

    ufunc = np.less


class LessEqual(_Compare):
    """x <= y."""

    ufunc = np.less_equal


class Greater(_Compare):
    """x > y."""

    ufunc = np.greater


class GreaterEqual(_Compare):
    """x >= y."""

    ufunc = np.greater_equal


class LogicalAnd(_Compare):
    """x and y, for bool tensors."""

    allowed = _BOOL

    ufunc = np.logical_and


class LogicalOr(_Compare):
    """x or y, for bool tensors."""

    allowed = _BOOL

    ufunc = np.logical_or


def equal(x, y, name=None):
    """x == y elementwise, with broadcasting (op type `Equal`).

    Args:
      x: a tensor (numeric or bool).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Equal").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Equal", x, y, name)


def not_equal(x, y, name=None):
    """x != y elementwise, with NumPy broadcasting (op type `NotEqual`).

    Args:
      x: a numeric or bool tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "NotEqual").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not numeric or bool.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("NotEqual", x, y, name)


def less(x, y, name=None):
    """x < y elementwise, with NumPy broadcasting (op type `Less`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Less").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Less", x, y, name)


def less_equal(x, y, name=None):
    """x <= y elementwise, with NumPy broadcasting (op type `LessEqual`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "LessEqual").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("LessEqual", x, y, name)


def greater(x, y, name=None):
    """x > y elementwise, with NumPy broadcasting (op type `Greater`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Greater").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Greater", x, y, name)


def greater_equal(x, y, name=None):
    """x >= y elementwise, with NumPy broadcasting (op type `GreaterEqual`).

    Args:
      x: a numeric tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "GreaterEqual").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("GreaterEqual", x, y, name)


def logical_and(x, y, name=None):
    """x AND y elementwise, with NumPy broadcasting (op type `LogicalAnd`).

    Args:
      x: a bool tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "LogicalAnd").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not bool.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("LogicalAnd", x, y, name)


def logical_or(x, y, name=None):
    """x OR y elementwise, with NumPy broadcasting (op type `LogicalOr`).

    Args:
      x: a bool tensor (or value).
      y: a tensor (or value) of `x`'s dtype, broadcastable with `x`.
      name: op name (default "LogicalOr").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are not bool.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("LogicalOr", x, y, name)


def logical_xor(x, y, name="LogicalXor"):
    """x XOR y elementwise for bool tensors, built as TF1 does: (x or y) and not (x and y).

    Args:
      x: a bool tensor (or value).
      y: a bool tensor (or value), broadcastable with `x`.
      name: name of the final `LogicalAnd` op (default "LogicalXor").

    Returns:
      A bool tensor of the broadcast shape.

    Raises:
      TypeError: if `x` or `y` is not bool.
      ValueError: if the shapes cannot broadcast.
    """
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


class LogicalNot(Op):
    """not x, for a bool tensor."""

    not_differentiable = True

    def infer(self, op):
        x = op.inputs[0]
        check_dtype(op, x, "x", _BOOL)
        return [(dtypes.bool, x.shape)]

    def compute(self, op, x):
        return np.asarray(np.logical_not(x))


def logical_not(x, name=None):
    """NOT x elementwise for a bool tensor (op type `LogicalNot`).

    Args:
      x: a bool tensor (or value) of any shape.
      name: op name (default "LogicalNot").

    Returns:
      A bool tensor of `x`'s shape.

    Raises:
      TypeError: if `x` is not bool.
    """
    with _graph.name_scope(name, "LogicalNot", [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        return make_tensor("LogicalNot", [x], None, scope)


# -- where ----------------------------------------------------------------------------------------
class Where(Op):
    """The coordinates of the True elements of a bool tensor, row-major, as int64."""

    not_differentiable = True

    def infer(self, op):
        c = op.inputs[0]
        check_dtype(op, c, "input", _BOOL + NUMERIC)
        return [(dtypes.int64, [None, c.shape.ndims])]

    def compute(self, op, c):
        return np.asarray(np.argwhere(c), dtype=np.int64).reshape(-1, c.ndim)


class Select(Op):
    """condition ? x : y elementwise; a vector condition picks whole rows (TF1's rule)."""

    def infer(self, op):
        c, x, y = op.inputs
        check_dtype(op, c, "condition", _BOOL)
        if x.dtype != y.dtype:
            raise TypeError("Input 'e' of 'Select' Op has type %s that does not match type %s of "
                            "argument 't' (op '%s': x is %s, y is %s)."
                            % (y.dtype.name, x.dtype.name, op.name, x.name, y.name))
        msg = " for '%s' (op: '%s') with input shapes: %s, %s, %s." % (
            op.name, op.type, _ts.shape_str(c.shape), _ts.shape_str(x.shape),
            _ts.shape_str(y.shape))
        if not x.shape.is_compatible_with(y.shape):
            raise ValueError("x and y must have the same shape, got %s and %s%s"
                             % (_ts.shape_str(x.shape), _ts.shape_str(y.shape), msg))
        shape = x.shape.merge_with(y.shape)
        cr, xr = c.shape.ndims, shape.ndims
        if cr is not None and cr != 0 and not c.shape.is_compatible_with(shape):
            rows_ok = (cr == 1 and xr is not None and xr >= 1
                       and c.shape[0].is_compatible_with(shape[0]))
            if not rows_ok:
                raise ValueError("condition must be a scalar, a vector of size x.shape[0], or "
                                 "have x's shape; got condition %s and x %s%s"
                                 % (_ts.shape_str(c.shape), _ts.shape_str(shape), msg))
        elif cr is not None and xr is not None and cr == xr:
            shape = shape.merge_with(c.shape)
        return [(x.dtype, shape)]

    def compute(self, op, c, x, y):
        if x.shape != y.shape:
            raise ValueError("x and y must have the same shape: %s vs %s"
                             % (list(x.shape), list(y.shape)))
        if c.ndim == 1 and x.ndim > 1:
            if c.shape[0] != x.shape[0]:
                raise ValueError("condition has %d elements but x has %d rows"
                                 % (c.shape[0], x.shape[0]))
            c = c.reshape((-1,) + (1,) * (x.ndim - 1))
        elif c.ndim != 0 and c.shape != x.shape:
            raise ValueError("condition has shape %s but x and y have %s"
                             % (list(c.shape), list(x.shape)))
        return np.asarray(np.where(c, x, y), dtype=x.dtype)

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        c = op.inputs[0]
        zeros = array_ops.zeros_like(grad)
        return [None, where(c, grad, zeros), where(c, zeros, grad)]


def where(condition, x=None, y=None, name=None):
    """Coordinates of True elements, or elementwise `condition ? x : y` (TF1's `where`).

    Args:
      condition: a bool tensor.
      x, y: both None, or two tensors of one dtype and shape `[d0, ..., dn-1]`. Then
        `condition` is a scalar, has that shape, or is a vector of size `d0` choosing
        whole rows (TF1's rule; no other broadcasting).
      name: op name (default "Where" / "Select").

    Returns:
      With one argument: an int64 tensor `[num_true, rank(condition)]`. With three: a
      tensor of `x`'s dtype and shape (op type `Select`).

    Raises:
      ValueError: if only one of x and y is given or the shapes do not fit.
      TypeError: if `condition` is not bool or x, y dtypes differ.
    """
    if x is None and y is None:
        with _graph.name_scope(name, "Where", [condition]) as scope:
            c = _graph.convert_to_tensor(condition, preferred_dtype=dtypes.bool,
                                         name="condition")
            return make_tensor("Where", [c], None, scope)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    from minigraph.ops.math_ops import binary_inputs
    with _graph.name_scope(name, "Select", [condition, x, y]) as scope:
        c = _graph.convert_to_tensor(condition, name="condition")
        x, y = binary_inputs("Select", x, y)
        return make_tensor("Select", [c, x, y], None, scope)
