"""Array ops: placeholders, identity, stop_gradient, shape queries (shape, size, rank).

The other array ops live in sibling modules split along what they do: `reshape_ops`
(reshape, expand_dims, squeeze, transpose), `creation_ops`
(fill, zeros, ones, *_like, range, one_hot), `concat_ops` (stack, unstack, concat, split),
`expand_ops` (tile, pad, broadcast_to) and `slicing_ops` (slice, strided_slice, indexing,
gather). They are re-exported at the bottom of this module, so `array_ops.concat` works as
in TF1.
"""

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_op, make_tensor, static_value
from minigraph.ops.shape_util import (  # noqa: F401 - shared with the sibling modules
    int_input, int_vector_value, constant_value_as_shape, check_vector, check_scalar,
    input_shapes, canonical_axis, _INDEX_DTYPES)


# -- placeholders and identity ------------------------------------------------------------------
class Placeholder(Op):
    """A value that must be fed at run time (`feed_dict`)."""

    requires_feed = True
    not_differentiable = True

    def infer(self, op):
        return [(op.attrs["dtype"], op.attrs["shape"])]

    def compute(self, op):
        raise AssertionError("unreachable: the session refuses plans with unfed placeholders")


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value is fed at run time.

    Args:
      dtype: element type.
      shape: static shape; None (any rank) or a list with None for unknown dimensions.
      name: op name (default "Placeholder").

    Raises:
      TypeError: if `dtype` is not a dtype.
    """
    dtype = dtypes.as_dtype(dtype)
    shape = _ts.unknown_shape() if shape is None else _ts.as_shape(shape)
    return make_tensor("Placeholder", [], {"dtype": dtype, "shape": shape}, name)


class PlaceholderWithDefault(Op):
    """Its input, unless fed."""

    aliases_input = True

    def infer(self, op):
        shape = op.attrs["shape"]
        inp = op.inputs[0]
        if not inp.shape.is_compatible_with(shape):
            raise ValueError("%s: default value of shape %s is not compatible with the "
                             "placeholder shape %s" % (op.name, _ts.shape_str(inp.shape),
                                                       _ts.shape_str(shape)))
        return [(inp.dtype, shape)]

    def compute(self, op, x):
        return x

    def gradient(self, op, grad):
        return [grad]


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF1 argument name
    """A placeholder that evaluates to `input` when not fed.

    Args:
      input: the default value (tensor or value).
      shape: the placeholder's static shape (may be less specific than `input`'s).
    """
    x = _graph.convert_to_tensor(input)
    return make_tensor("PlaceholderWithDefault", [x], {"shape": _ts.as_shape(shape)},
                       name or "PlaceholderWithDefault")


class Identity(Op):
    """Returns its input unchanged."""

    aliases_input = True
    forwards_reference = True

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, op, x):
        return x

    def static_value(self, op):
        return static_value(op.inputs[0])

    def gradient(self, op, grad):
        return [grad]


def identity(input, name=None):  # noqa: A002
    """A tensor with the same value as `input` (a new op, so it can carry a name or deps)."""
    x = _graph.convert_to_tensor(input)
    return make_tensor("Identity", [x], None, name)


class StopGradient(Op):
    """Its input, as a constant for differentiation: no gradient flows through it."""

    aliases_input = True
    not_differentiable = True

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, op, x):
        return x


def stop_gradient(input, name=None):  # noqa: A002
    """`input`, treated as a constant by `gradients` (op type `StopGradient`).

    Args:
      input: a tensor of any shape.
      name: op name (default "StopGradient").

    Returns:
      A tensor with `input`'s value, dtype and shape.
    """
    with _graph.name_scope(name, "StopGradient", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        return make_tensor("StopGradient", [x], None, scope)


# -- shapes ---------------------------------------------------------------------------------------
class Shape(Op):
    """The shape of its input as a vector of `out_type`."""

    not_differentiable = True

    def infer(self, op):
        shape = op.inputs[0].shape
        return [(op.attrs["out_type"], [shape.ndims])]

    def compute(self, op, x):
        return np.array(x.shape, dtype=op.attrs["out_type"].as_numpy_dtype)

    def static_value(self, op):
        shape = op.inputs[0].shape
        if not shape.is_fully_defined():
            return None
        return np.array(shape.as_list(), dtype=op.attrs["out_type"].as_numpy_dtype)


def _out_type(out_type):
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _INDEX_DTYPES:
        raise TypeError("out_type must be int32 or int64, got %s" % out_type.name)
    return out_type


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The shape of `input` as a 1-D integer tensor (op type `Shape`).

    Known at graph-construction time when `input`'s static shape is fully defined (the
    session then folds it to a constant).

    Args:
      input: a tensor of any shape `[d0, ..., dn-1]`.
      name: op name (default "Shape").
      out_type: int32 (default) or int64.

    Returns:
      An `out_type` tensor of shape `[n]` holding `[d0, ..., dn-1]`.
    """
    out_type = _out_type(out_type)
    with _graph.name_scope(name, "Shape", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        return make_tensor("Shape", [x], {"out_type": out_type}, scope)


class Size(Op):
    """The number of elements of its input."""

    not_differentiable = True

    def infer(self, op):
        return [(op.attrs["out_type"], [])]

    def compute(self, op, x):
        return np.array(x.size, dtype=op.attrs["out_type"].as_numpy_dtype)

    def static_value(self, op):
        n = op.inputs[0].shape.num_elements()
        return None if n is None else np.array(n, dtype=op.attrs["out_type"].as_numpy_dtype)


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of `input` as a scalar (op type `Size`).

    Args:
      input: a tensor of any shape.
      name: op name (default "Size").
      out_type: int32 (default) or int64.

    Returns:
      A scalar `out_type` tensor.
    """
    out_type = _out_type(out_type)
    with _graph.name_scope(name, "Size", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        return make_tensor("Size", [x], {"out_type": out_type}, scope)


class Rank(Op):
    """The number of dimensions of its input, as an int32 scalar."""

    not_differentiable = True

    def infer(self, op):
        return [(dtypes.int32, [])]

    def compute(self, op, x):
        return np.array(x.ndim, dtype=np.int32)

    def static_value(self, op):
        n = op.inputs[0].shape.ndims
        return None if n is None else np.array(n, dtype=np.int32)


def rank(input, name=None):  # noqa: A002
    """The rank (number of dimensions) of `input` as an int32 scalar (op type `Rank`).

    Args:
      input: a tensor of any shape.
      name: op name (default "Rank").

    Returns:
      A scalar int32 tensor.
    """
    with _graph.name_scope(name, "Rank", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        return make_tensor("Rank", [x], None, scope)


class IdentityN(Op):
    """Each of its inputs, unchanged."""

    aliases_input = True

    def infer(self, op):
        return [(t.dtype, t.shape) for t in op.inputs]

    def compute(self, op, *xs):
        return xs[0] if len(xs) == 1 else tuple(xs)

    def gradient(self, op, *grads):
        return list(grads)


def identity_n(input, name=None):  # noqa: A002
    """Tensors with the same values as the list `input`, from one op (op `IdentityN`).

    Args:
      input: a list of tensors of any shapes and dtypes.
      name: op name (default "IdentityN").

    Returns:
      A list of tensors, output i with the dtype and shape of `input[i]`.
    """
    with _graph.name_scope(name, "IdentityN", list(input)) as scope:
        xs = [_graph.convert_to_tensor(v) for v in input]
        return list(make_op("IdentityN", xs, None, scope)._outputs)


# -- the sibling modules' ops, re-exported under TF1's array_ops names ---------------------------
from minigraph.ops.reshape_ops import (  # noqa: E402,F401
    reshape, expand_dims, squeeze, transpose, invert_permutation)
from minigraph.ops.creation_ops import (  # noqa: E402,F401
    fill, zeros, ones, zeros_like, ones_like, range, one_hot)
from minigraph.ops.concat_ops import stack, unstack, concat, split  # noqa: E402,F401
from minigraph.ops.expand_ops import tile, pad, broadcast_to  # noqa: E402,F401
from minigraph.ops.slicing_ops import (  # noqa: E402,F401
    slice, strided_slice, gather, unsorted_segment_sum)
