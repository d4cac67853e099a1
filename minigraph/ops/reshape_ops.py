"""Ops that rearrange a tensor's elements without changing them: reshape, expand_dims,
squeeze, transpose (and invert_permutation). Re-exported by `array_ops`.
"""
import builtins

import numpy as np

from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops import array_ops as _a
from minigraph.ops.shape_util import (
    int_input, int_vector_value, check_vector, input_shapes, canonical_axis)


# -- reshaping ------------------------------------------------------------------------------------
def _reshape_target(op, x_shape, target):
    """The static output shape of reshaping `x_shape` to `target` (ints, -1 or None)."""
    if target.count(-1) > 1:
        raise ValueError("Cannot infer multiple unknown dimensions in shape %s for '%s' (op: "
                         "'%s') with input shapes: %s." % (target, op.name, op.type,
                                                           input_shapes(op)))
    for d in target:
        if d is not None and d < -1:
            raise ValueError("Size %d in shape %s must be non-negative for '%s' (op: '%s') with "
                             "input shapes: %s." % (d, target, op.name, op.type, input_shapes(op)))
    known = 1
    for d in target:
        if d is not None and d >= 0:
            known *= d
    n_unknown = sum(1 for d in target if d is None or d == -1)
    n = x_shape.num_elements()
    shown = [-1 if d is None else d for d in target]
    if n is not None:
        if n_unknown == 0 and known != n:
            raise ValueError("Cannot reshape a tensor with %d elements to shape %s (%d elements) "
                             "for '%s' (op: '%s') with input shapes: %s."
                             % (n, shown, known, op.name, op.type, input_shapes(op)))
        if n_unknown == 1:
            if known == 0 or n % known:
                if not (known == 0 and n == 0):
                    raise ValueError("Cannot reshape a tensor with %d elements to shape %s for "
                                     "'%s' (op: '%s') with input shapes: %s: %d is not a "
                                     "multiple of %d." % (n, shown, op.name, op.type,
                                                          input_shapes(op), n, known))
                return [None if d in (None, -1) else d for d in target]
            return [n // known if d in (None, -1) else d for d in target]
    elif n_unknown == 0 and x_shape.ndims is not None:
        # Part of the input is known: its known factors must divide the target's size.
        part = 1
        for d in x_shape.as_list():
            part *= d if d is not None else 1
        if part and known % part:
            raise ValueError("Cannot reshape a tensor with a multiple of %d elements to shape %s "
                             "(%d elements) for '%s' (op: '%s') with input shapes: %s."
                             % (part, shown, known, op.name, op.type, input_shapes(op)))
    return [None if d in (None, -1) else d for d in target]


class Reshape(Op):
    """Its input's elements, in row-major order, in a new shape (one -1 is inferred)."""

    aliases_input = True

    def infer(self, op):
        x, shape_t = op.inputs
        check_vector(op, shape_t, "shape")
        target = int_vector_value(shape_t)
        if target is None:
            return [(x.dtype, _ts.unknown_shape())]
        return [(x.dtype, _reshape_target(op, x.shape, target))]

    def compute(self, op, x, shape_v):
        target = [int(d) for d in shape_v]
        known = int(np.prod([d for d in target if d != -1]))
        if (target.count(-1) == 0 and known != x.size) or \
                (target.count(-1) == 1 and (known == 0 or x.size % known)) or target.count(-1) > 1:
            raise ValueError("Input to reshape is a tensor with %d values, but the requested "
                             "shape %s has %d" % (x.size, target, known))
        return np.reshape(x, target)

    def static_value(self, op):
        x, s = (static_value(t) for t in op.inputs)
        if x is None or s is None:
            return None
        return np.reshape(x, [int(d) for d in s])

    def gradient(self, op, grad):
        return [reshape(grad, _a.shape(op.inputs[0])), None]


def reshape(tensor, shape, name=None):  # noqa: F811 - TF1 argument name shadows shape()
    """`tensor`'s elements in row-major order, arranged in `shape` (op type `Reshape`).

    Args:
      tensor: a tensor with `n` elements.
      shape: an int32/int64 vector (list or tensor); at most one entry may be -1, which is
        inferred so that the total size stays `n`.
      name: op name (default "Reshape").

    Returns:
      A tensor of `tensor`'s dtype and shape `shape`.

    Raises:
      ValueError: if the static sizes cannot match, or `shape` has more than one -1.
    """
    with _graph.name_scope(name, "Reshape", [tensor, shape]) as scope:
        x = _graph.convert_to_tensor(tensor, name="tensor")
        s = int_input(shape, "shape", "reshape's shape")
        return make_tensor("Reshape", [x, s], None, scope)


class ExpandDims(Op):
    """Its input with a size-1 dimension inserted at `axis` (an input; negative counts back)."""

    aliases_input = True

    def infer(self, op):
        x, axis_t = op.inputs
        a = static_value(axis_t)
        if a is None or x.shape.ndims is None:
            n = x.shape.ndims
            return [(x.dtype, _ts.unknown_shape(None if n is None else n + 1))]
        a = np.asarray(a)
        if a.size != 1:
            raise ValueError("'dim' input must be a tensor with a single value, got %s for '%s' "
                             "(op: '%s') with input shapes: %s."
                             % (a.tolist(), op.name, op.type, input_shapes(op)))
        rank = x.shape.ndims
        axis = canonical_axis(op, int(a.reshape(())), rank + 1, "dim")
        dims = x.shape.as_list()
        return [(x.dtype, dims[:axis] + [1] + dims[axis:])]

    def compute(self, op, x, axis):
        return np.expand_dims(x, int(np.reshape(axis, ())))

    def static_value(self, op):
        x, a = (static_value(t) for t in op.inputs)
        if x is None or a is None:
            return None
        return np.expand_dims(x, int(np.reshape(a, ())))

    def gradient(self, op, grad):
        return [reshape(grad, _a.shape(op.inputs[0])), None]


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """`input` with a new dimension of size 1 inserted at `axis` (op type `ExpandDims`).

    Args:
      input: a tensor of shape `[d0, ..., dn-1]`.
      axis: int scalar in `[-n-1, n]`; negative values count from the end.
      name: op name (default "ExpandDims").
      dim: deprecated alias of `axis` (TF1).

    Returns:
      A tensor of rank n+1, e.g. `[d0, 1, d1, ...]` for axis=1.

    Raises:
      ValueError: if both or neither of `axis` and `dim` are given, or `axis` is out of range.
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    with _graph.name_scope(name, "ExpandDims", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        a = int_input(axis, "dim", "expand_dims's axis")
        return make_tensor("ExpandDims", [x, a], None, scope)


class Squeeze(Op):
    """Its input without the size-1 dimensions listed in `squeeze_dims` (all when empty)."""

    aliases_input = True

    def infer(self, op):
        x = op.inputs[0]
        axes = op.attrs["squeeze_dims"]
        if x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape())]
        dims = x.shape.as_list()
        rank = len(dims)
        if axes:
            keep = set(builtins.range(rank))
            for a in axes:
                c = canonical_axis(op, a, rank, "squeeze dim")
                if dims[c] is not None and dims[c] != 1:
                    raise ValueError("Can not squeeze dim[%d], expected a dimension of 1, got %d "
                                     "for '%s' (op: '%s') with input shapes: %s."
                                     % (c, dims[c], op.name, op.type, input_shapes(op)))
                keep.discard(c)
            return [(x.dtype, [d for i, d in enumerate(dims) if i in keep])]
        if any(d is None for d in dims):
            # An unknown dimension may or may not be 1, so the rank is unknown (as in TF1).
            return [(x.dtype, _ts.unknown_shape())]
        return [(x.dtype, [d for d in dims if d != 1])]

    def compute(self, op, x):
        axes = op.attrs["squeeze_dims"]
        if axes:
            for a in axes:
                if x.shape[a] != 1:
                    raise ValueError("Can not squeeze dim[%d], expected a dimension of 1, got %d"
                                     % (a % x.ndim, x.shape[a]))
            return np.squeeze(x, axis=tuple(axes))
        return np.squeeze(x)

    def gradient(self, op, grad):
        return [reshape(grad, _a.shape(op.inputs[0]))]


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """`input` without size-1 dimensions (op type `Squeeze`).

    Args:
      input: a tensor.
      axis: an int or list of ints: only these dimensions (each must have size 1) are
        removed; None removes every size-1 dimension.
      name: op name (default "Squeeze").
      squeeze_dims: deprecated alias of `axis` (TF1).

    Returns:
      A tensor with the same elements and the listed size-1 dimensions removed.

    Raises:
      ValueError: if both `axis` and `squeeze_dims` are given, an axis is out of range or
        its dimension is not 1.
    """
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'")
        axis = squeeze_dims
    if axis is None:
        axis = []
    elif np.ndim(axis) == 0:
        axis = [axis]
    axis = [int(a) for a in axis]
    with _graph.name_scope(name, "Squeeze", [input]) as scope:
        x = _graph.convert_to_tensor(input, name="input")
        return make_tensor("Squeeze", [x], {"squeeze_dims": axis}, scope)


class InvertPermutation(Op):
    """The inverse of a permutation vector: y[x[i]] = i."""

    not_differentiable = True

    def infer(self, op):
        x = op.inputs[0]
        check_vector(op, x, "x")
        return [(x.dtype, x.shape if x.shape.ndims is not None else [None])]

    def compute(self, op, x):
        out = np.empty_like(x)
        out[x] = np.arange(x.size, dtype=x.dtype)
        return out

    def static_value(self, op):
        v = static_value(op.inputs[0])
        if v is None:
            return None
        return self.compute(op, np.asarray(v))


def invert_permutation(x, name=None):
    """The inverse of permutation `x`: `y[x[i]] = i` (op type `InvertPermutation`).

    Args:
      x: int32/int64 vector of shape `[n]`, a permutation of `[0, ..., n-1]`.
      name: op name (default "InvertPermutation").

    Returns:
      A vector of shape `[n]` and `x`'s dtype.
    """
    with _graph.name_scope(name, "InvertPermutation", [x]) as scope:
        x = int_input(x, "x", "invert_permutation's x")
        return make_tensor("InvertPermutation", [x], None, scope)


class Transpose(Op):
    """Its input with dimensions permuted: output dim i is input dim perm[i]."""

    def infer(self, op):
        x, perm_t = op.inputs
        check_vector(op, perm_t, "perm")
        perm = static_value(perm_t)
        rank = x.shape.ndims
        if rank is None and perm_t.shape.ndims == 1:
            rank = perm_t.shape[0].value
        if perm is None:
            return [(x.dtype, _ts.unknown_shape(rank))]
        perm = [int(p) for p in np.asarray(perm).reshape(-1)]
        if rank is not None and sorted(perm) != list(builtins.range(rank)):
            raise ValueError("perm %s is not a permutation of [0, ..., %d] for '%s' (op: '%s') "
                             "with input shapes: %s."
                             % (perm, rank - 1, op.name, op.type, input_shapes(op)))
        if x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape(len(perm)))]
        dims = x.shape.as_list()
        return [(x.dtype, [dims[p] for p in perm])]

    def compute(self, op, x, perm):
        return np.ascontiguousarray(np.transpose(x, perm))

    def static_value(self, op):
        x, p = (static_value(t) for t in op.inputs)
        if x is None or p is None:
            return None
        return np.transpose(x, p)

    def gradient(self, op, grad):
        return [transpose(grad, invert_permutation(op.inputs[1])), None]


def transpose(a, perm=None, name="transpose", conjugate=False):
    """`a` with its dimensions permuted (op type `Transpose`).

    Args:
      a: a tensor of rank n.
      perm: a permutation of `[0, ..., n-1]` (list or int tensor); output dimension i is
        input dimension `perm[i]`. Default `[n-1, ..., 0]` (reverses the dimensions).
      name: op name (default "transpose", as in TF1).
      conjugate: ignored for the real dtypes minigraph supports.

    Returns:
      A tensor of shape `[a.shape[perm[0]], ..., a.shape[perm[n-1]]]`.

    Raises:
      ValueError: if `perm` is not a permutation of the dimensions of `a`.
    """
    with _graph.name_scope(name, "transpose", [a]) as scope:
        x = _graph.convert_to_tensor(a, name="a")
        if perm is None:
            r = x.shape.ndims
            if r is None:
                from minigraph.ops import creation_ops, math_ops
                rk = _a.rank(x)
                perm = math_ops.subtract(math_ops.subtract(rk, 1), creation_ops.range(0, rk, 1))
            else:
                perm = np.arange(r - 1, -1, -1, dtype=np.int32)
        p = int_input(perm, "perm", "transpose's perm")
        return make_tensor("Transpose", [x, p], None, scope)
