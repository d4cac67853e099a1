"""`argmax` / `argmin`: the index of the extreme element along one axis (not differentiable)."""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops.math_ops import FLOATS, INTS, check_dtype
from minigraph.ops.reduction_ops import _INDEX, _deprecated_lookup, _shapes


class _ArgReduction(Op):
    """Index of the extreme element along the scalar axis input; attr `output_type`."""

    abstract = True
    type = None
    not_differentiable = True

    def infer(self, op):
        x, dim = op.inputs
        check_dtype(op, x, "input", FLOATS + INTS)
        check_dtype(op, dim, "dimension", _INDEX)
        rank = x.shape.ndims
        if dim.shape.ndims not in (None, 0):
            raise ValueError("Shape must be rank 0 but is rank %d for '%s' (op: '%s') with input "
                             "shapes: %s." % (dim.shape.ndims, op.name, op.type, _shapes(op)))
        d = static_value(dim)
        if d is None or rank is None:
            return [(op.attrs["output_type"],
                     _ts.unknown_shape(None if rank is None else max(rank - 1, 0)))]
        d = int(d)
        if not -max(rank, 1) <= d < max(rank, 1):
            raise ValueError("Expected dimension in the range [%d, %d), but got %d for '%s' "
                             "(op: '%s') with input shapes: %s."
                             % (-rank, rank, d, op.name, op.type, _shapes(op)))
        dims = x.shape.as_list()
        return [(op.attrs["output_type"], dims[:d % rank] + dims[d % rank + 1:])]

    def compute(self, op, x, dim):
        d = int(dim)
        if not -x.ndim <= d < x.ndim:
            raise ValueError("Expected dimension in the range [%d, %d), but got %d"
                             % (-x.ndim, x.ndim, d))
        if x.shape[d] == 0:
            raise ValueError("Reduction axis %d is empty in shape %s" % (d, list(x.shape)))
        if x.dtype.kind == "f" and np.isnan(x).any():
            # TF's kernels skip NaN (it never compares larger or smaller); NumPy picks it.
            x = np.where(np.isnan(x), self.nan_fill, x)
        out = self.kernel(x, axis=d)
        return np.asarray(out, dtype=op.attrs["output_type"].as_numpy_dtype)


class ArgMax(_ArgReduction):
    """Index of the largest element (the first one on ties; NaN is skipped, as in TF)."""

    kernel = staticmethod(np.argmax)
    nan_fill = -np.inf


class ArgMin(_ArgReduction):
    """Index of the smallest element (the first one on ties; NaN is skipped, as in TF)."""

    kernel = staticmethod(np.argmin)
    nan_fill = np.inf


def _arg(op_type, input, axis, name, dimension, output_type):  # noqa: A002
    from minigraph.ops import array_ops
    axis = _deprecated_lookup("axis", axis, "dimension", dimension)
    if axis is None:
        axis = 0
    output_type = dtypes.as_dtype(output_type)
    if output_type not in _INDEX:
        raise TypeError("output_type must be int32 or int64, got %s" % output_type.name)
    with _graph.name_scope(name, op_type, [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        dim = array_ops.int_input(axis, "dimension", "%s's axis" % op_type)
        return make_tensor(op_type, [x, dim], {"output_type": output_type}, scope)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """The index of the largest value along `axis` (op type `ArgMax`).

    Args:
      input: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int (or int scalar tensor) in `[-n, n)`; default 0.
      name: op name (default "ArgMax").
      dimension: TF1's deprecated alias for `axis`.
      output_type: int64 (default) or int32.

    Returns:
      An `output_type` tensor of shape `[d0, ..., dn-1]` without dimension `axis`; ties
      give the first index.

    Raises:
      ValueError: if `axis` is out of range, or both `axis` and `dimension` are given.
    """
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """The index of the smallest value along `axis` (op type `ArgMin`).

    Args:
      input: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int (or int scalar tensor) in `[-n, n)`; default 0.
      name: op name (default "ArgMin").
      dimension: TF1's deprecated alias for `axis`.
      output_type: int64 (default) or int32.

    Returns:
      An `output_type` tensor of shape `[d0, ..., dn-1]` without dimension `axis`; ties
      give the first index.

    Raises:
      ValueError: if `axis` is out of range, or both `axis` and `dimension` are given.
    """
    return _arg("ArgMin", input, axis, name, dimension, output_type)
