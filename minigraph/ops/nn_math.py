"""`SquaredDifference` and `DivNoNan`: the two binary math ops that TF1's `nn.moments` and
`tf.losses` are built from (TF1 exports them as `tf.squared_difference`, `tf.div_no_nan`).

They broadcast like every other binary op (`math_ops._Binary`); gradients sum back to each
operand's shape with `math_ops.sum_to_shape`.
"""
import numpy as np

from minigraph.framework import graph as _graph
from minigraph.ops import math_ops


def _squared_difference(x, y, out=None):
    """(x - y) * (x - y) with a ufunc's `out=` contract, so large inputs run in threads
    (squared in place in `out`, no temporary)."""
    d = np.subtract(x, y, out=out)
    return np.multiply(d, d, out=out)


class SquaredDifference(math_ops._Binary):
    """(x - y) * (x - y)."""

    allowed = math_ops.FLOATS + (math_ops.dtypes.int32, math_ops.dtypes.int64)
    ufunc = staticmethod(_squared_difference)

    def gradient(self, op, grad):
        x, y = op.inputs
        gx = (2 * grad) * (x - y)
        return [math_ops.sum_to_shape(gx, x), math_ops.sum_to_shape(-gx, y)]


def squared_difference(x, y, name=None):
    """Returns `(x - y) * (x - y)` elementwise, with broadcasting (op `SquaredDifference`).

    Args:
      x: a float or int32/int64 tensor.
      y: a tensor of `x`'s dtype, broadcastable with `x`.
      name: op name (default "SquaredDifference").

    Returns:
      A tensor of `x`'s dtype and the broadcast shape.

    Raises:
      ValueError: if the shapes do not broadcast.
      TypeError: if the dtypes differ.
    """
    return math_ops._binary("SquaredDifference", x, y, name)


class DivNoNan(math_ops._Binary):
    """x / y, and 0 wherever y == 0 (even when x is 0 or inf)."""

    allowed = math_ops.FLOATS

    def kernel(self, x, y):
        zero = y == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.true_divide(x, np.where(zero, 1, y))
        return np.where(zero, np.zeros_like(out), out)

    def gradient(self, op, grad):
        x, y = op.inputs
        gx = div_no_nan(grad, y)
        gy = grad * div_no_nan(div_no_nan(-x, y), y)
        return [math_ops.sum_to_shape(gx, x), math_ops.sum_to_shape(gy, y)]


def div_no_nan(x, y, name=None):
    """Returns `x / y` elementwise, or 0 where `y` is 0 (op `DivNoNan`).

    TF1's losses divide by the number of non-zero weights with it, so an all-zero weight
    gives a loss of 0 instead of NaN.

    Args:
      x: a float tensor.
      y: a tensor of `x`'s dtype, broadcastable with `x`.
      name: op name (default "div_no_nan", as in TF1).

    Returns:
      A tensor of `x`'s dtype and the broadcast shape.

    Raises:
      ValueError: if the shapes do not broadcast.
      TypeError: if the dtypes differ or are not floats.
    """
    with _graph.name_scope(name, "div_no_nan", [x, y]) as scope:
        x, y = math_ops.binary_inputs("DivNoNan", x, y)
        return math_ops.make_tensor("DivNoNan", [x, y], None, scope)
