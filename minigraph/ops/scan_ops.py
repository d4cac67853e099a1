"""Scans: `cumsum` and `cumprod` along one axis, with TF1's `exclusive`/`reverse` flags."""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops.math_ops import NUMERIC, check_dtype, multiply, realdiv

_INDEX = (dtypes.int32, dtypes.int64)


def _shapes(op):
    return ", ".join(_ts.shape_str(t.shape) for t in op.inputs)


class _Cumulative(Op):
    """Running sum/product along the scalar axis input; attrs `exclusive`, `reverse`."""

    abstract = True
    type = None

    def infer(self, op):
        x, axis_t = op.inputs
        check_dtype(op, x, "x", NUMERIC)
        check_dtype(op, axis_t, "axis", _INDEX)
        if axis_t.shape.ndims not in (None, 0):
            raise ValueError("Shape must be rank 0 but is rank %d for '%s' (op: '%s') with input "
                             "shapes: %s." % (axis_t.shape.ndims, op.name, op.type, _shapes(op)))
        a, rank = static_value(axis_t), x.shape.ndims
        if a is not None and rank is not None and not -rank <= int(a) < rank:
            raise ValueError("axis %d is out of range [%d, %d) for '%s' (op: '%s') with input "
                             "shapes: %s." % (int(a), -rank, rank, op.name, op.type, _shapes(op)))
        return [(x.dtype, x.shape)]

    def compute(self, op, x, axis):
        a = int(axis)
        if not -x.ndim <= a < x.ndim:
            raise ValueError("axis %d is out of range [%d, %d)" % (a, -x.ndim, x.ndim))
        if op.attrs["reverse"]:
            x = np.flip(x, a)
        out = self.kernel(x, axis=a, dtype=x.dtype)
        if op.attrs["exclusive"]:
            # Shift by one along the axis, filling with the identity (0 or 1).
            out = np.concatenate([np.full_like(np.take(out, [0], axis=a), self.identity),
                                  np.take(out, np.arange(out.shape[a] - 1), axis=a)], axis=a) \
                if out.shape[a] else out
        if op.attrs["reverse"]:
            out = np.flip(out, a)
        return np.ascontiguousarray(out)


class Cumsum(_Cumulative):
    """Running sum."""

    kernel = staticmethod(np.cumsum)
    identity = 0

    def gradient(self, op, grad):
        axis = op.inputs[1]
        return [cumsum(grad, axis, exclusive=op.attrs["exclusive"],
                       reverse=not op.attrs["reverse"]), None]


class Cumprod(_Cumulative):
    """Running product."""

    kernel = staticmethod(np.cumprod)
    identity = 1

    def gradient(self, op, grad):
        # TF1's formula: divides by x, so it is NaN where x == 0 (as in TF1).
        x, axis = op.inputs
        out = cumsum(multiply(op.outputs[0], grad), axis, exclusive=op.attrs["exclusive"],
                     reverse=not op.attrs["reverse"])
        return [realdiv(out, x), None]


def _cumulative(op_type, x, axis, exclusive, reverse, name):
    from minigraph.ops import array_ops
    with _graph.name_scope(name, op_type, [x]) as scope:
        x = _graph.convert_to_tensor(x, name="x")
        axis = array_ops.int_input(axis, "axis", "%s's axis" % op_type)
        return make_tensor(op_type, [x, axis],
                           {"exclusive": bool(exclusive), "reverse": bool(reverse)}, scope)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """The running sum of `x` along `axis` (op type `Cumsum`).

    Args:
      x: a numeric tensor.
      axis: int (or int scalar tensor) in `[-rank, rank)`.
      exclusive: sum only the elements strictly before each position (`[0, a, a+b]`).
      reverse: run from the end (`[a+b+c, b+c, c]`).
      name: op name (default "Cumsum").

    Returns:
      A tensor of `x`'s dtype and shape.

    Raises:
      ValueError: if `axis` is out of range.
    """
    return _cumulative("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """The running product of `x` along `axis` (op type `Cumprod`).

    Args:
      x: a numeric tensor.
      axis: int (or int scalar tensor) in `[-rank, rank)`.
      exclusive: multiply only the elements strictly before each position (`[1, a, ab]`).
      reverse: run from the end (`[abc, bc, c]`).
      name: op name (default "Cumprod").

    Returns:
      A tensor of `x`'s dtype and shape. Its gradient divides by `x` (TF1's formula), so
      it is not finite where `x` is 0.

    Raises:
      ValueError: if `axis` is out of range.
    """
    return _cumulative("Cumprod", x, axis, exclusive, reverse, name)
