"""Reductions: `reduce_sum` ... `reduce_any` and `count_nonzero`.

As in TF1 the reduction axes are an input tensor (`reduction_indices`), so they may be
computed at run time; shapes are inferred exactly whenever the axes are known statically.
Reductions keep their input's dtype: int32 sums stay int32 and an int32 mean truncates.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops.kernels import elementwise
from minigraph.ops.math_ops import (FLOATS, INTS, NUMERIC, check_dtype, static_inputs, multiply,
                                    realdiv, floordiv, maximum)

_INDEX = (dtypes.int32, dtypes.int64)


def _deprecated_lookup(new_name, new_value, old_name, old_value):
    if old_value is not None:
        if new_value is not None:
            raise ValueError("Cannot specify both '%s' and '%s'." % (new_name, old_name))
        return old_value
    return new_value


def _shapes(op):
    return ", ".join(_ts.shape_str(t.shape) for t in op.inputs)


def _check_axes_input(op, axes_t, what="reduction_indices"):
    check_dtype(op, axes_t, what, _INDEX)
    if axes_t.shape.ndims is not None and axes_t.shape.ndims > 1:
        raise ValueError("'%s' must be a scalar or vector, got rank %d for '%s' (op: '%s') "
                         "with input shapes: %s." % (what, axes_t.shape.ndims, op.name, op.type,
                                                     _shapes(op)))


def _static_axes(op, rank, axes_t):
    """The static axes of `op` made non-negative (a sorted set), or None if unknown.

    Raises:
      ValueError: naming the op when an axis is out of [-rank, rank).
    """
    axes = static_value(axes_t)
    if axes is None or rank is None:
        return None
    out = set()
    for a in np.asarray(axes).reshape(-1):
        a = int(a)
        if not -rank <= a < rank:
            raise ValueError("Invalid reduction dimension %d for input with %d dimensions. for "
                             "'%s' (op: '%s') with input shapes: %s and with computed input "
                             "tensors: input[1] = <%s>." % (a, rank, op.name, op.type,
                                                            _shapes(op), np.asarray(axes).tolist()))
        out.add(a % rank)
    return sorted(out)


def _run_axes(x, axes):
    """Run-time axes check: in range and without duplicates, as TF1's kernels require."""
    out = []
    for a in np.asarray(axes).reshape(-1):
        a = int(a)
        if not -x.ndim <= a < x.ndim:
            raise ValueError("Invalid reduction dimension (%d for input with %d dimension(s)"
                             % (a, x.ndim))
        a %= x.ndim
        if a in out:
            raise ValueError("Invalid reduction arguments: Axes contains duplicate dimension: %d"
                             % a)
        out.append(a)
    return tuple(out)


def kept_dims_shape(shape, axes):
    """`shape` (a list) with each axis in `axes` set to 1."""
    return [1 if i in axes else d for i, d in enumerate(shape)]


class _Reduction(Op):
    """Reduces input 0 over the axes in input 1; attr `keep_dims` keeps them as size 1."""

    abstract = True
    type = None
    allowed = NUMERIC

    def infer(self, op):
        x, axes_t = op.inputs
        check_dtype(op, x, "input", self.allowed)
        _check_axes_input(op, axes_t)
        keep = op.attrs["keep_dims"]
        rank = x.shape.ndims
        axes = _static_axes(op, rank, axes_t)
        if axes is None:
            shape = _ts.unknown_shape(rank) if keep and rank is not None else _ts.unknown_shape()
        else:
            dims = x.shape.as_list()
            shape = kept_dims_shape(dims, axes) if keep else \
                [d for i, d in enumerate(dims) if i not in axes]
        return [(x.dtype, shape)]

    def compute(self, op, x, axes):
        axes = _run_axes(x, axes)
        return np.asarray(self.kernel(x, axes, op.attrs["keep_dims"]), dtype=x.dtype)

    def static_value(self, op):
        vals = static_inputs(op)
        if vals is None:
            return None
        try:
            return self.compute(op, *vals)
        except ValueError:
            return None


def _kept_shape(op):
    """The reduced shape with kept size-1 dims (static list, else a `ReducedShape` tensor)."""
    x, axes_t = op.inputs
    axes = _static_axes(op, x.shape.ndims, axes_t)
    if axes is not None and x.shape.is_fully_defined():
        return kept_dims_shape(x.shape.as_list(), axes)
    from minigraph.ops import array_ops
    return reduced_shape(array_ops.shape(x), axes_t)


def _grad_to_input(op, grad):
    """`grad` (the reduced shape) reshaped with kept dims and broadcast to the input."""
    from minigraph.ops import array_ops
    x = op.inputs[0]
    if not op.attrs["keep_dims"]:
        grad = array_ops.reshape(grad, _kept_shape(op))
    return broadcast_to_like(grad, x)


def broadcast_to_like(t, x):
    """`t` broadcast to the shape of `x` (static when `x`'s shape is fully known)."""
    from minigraph.ops import array_ops
    if t.shape.is_fully_defined() and t.shape == x.shape:
        return t
    target = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
    return array_ops.broadcast_to(t, target)


class Sum(_Reduction):
    """Sum over the axes."""

    def kernel(self, x, axes, keep):
        return elementwise.reduce_sum(x, axes, keep, x.dtype)

    def gradient(self, op, grad):
        return [_grad_to_input(op, grad), None]


class Mean(_Reduction):
    """Mean over the axes; integer means truncate toward zero, as in TF1."""

    def kernel(self, x, axes, keep):
        if x.dtype.kind in "iu":
            s = elementwise.reduce_sum(x, axes, keep, np.int64)
            n = max(int(np.prod([x.shape[a] for a in axes])), 1)
            return np.sign(s) * (np.abs(s) // n)
        acc = np.dtype(np.float32) if x.dtype == np.float16 else x.dtype
        n = int(np.prod([x.shape[a] for a in axes]))
        # sum / n rather than np.mean: an empty mean is NaN (as TF1) without a warning.
        return elementwise.reduce_sum(x, axes, keep, acc) / acc.type(n)

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.unary_ops import cast
        x, y = op.inputs[0], op.outputs[0]
        g = _grad_to_input(op, grad)
        n_in, n_out = x.shape.num_elements(), y.shape.num_elements()
        if n_in is not None and n_out is not None:
            factor = n_in // max(n_out, 1)
        else:
            factor = cast(floordiv(array_ops.size(x), maximum(array_ops.size(y), 1)), g.dtype)
        return [realdiv(g, factor), None]


class _MaxMinReduction(_Reduction):
    abstract = True
    type = None
    allowed = FLOATS + INTS

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.comparison_ops import equal
        from minigraph.ops.unary_ops import cast
        x, axes_t = op.inputs
        y = op.outputs[0]
        if not op.attrs["keep_dims"]:
            kept = _kept_shape(op)
            y = array_ops.reshape(y, kept)
            grad = array_ops.reshape(grad, kept)
        # Ties share the gradient equally, as in TF1's _MinOrMaxGrad.
        indicators = cast(equal(y, x), grad.dtype)
        num_selected = reduce_sum(indicators, axes_t, keepdims=True)
        return [multiply(realdiv(indicators, num_selected), grad), None]


class Max(_MaxMinReduction):
    """Maximum over the axes (the dtype's lowest value for an empty reduction)."""

    def kernel(self, x, axes, keep):
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        return np.max(x, axis=axes, keepdims=keep, initial=lowest)


class Min(_MaxMinReduction):
    """Minimum over the axes (the dtype's highest value for an empty reduction)."""

    def kernel(self, x, axes, keep):
        highest = np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max
        return np.min(x, axis=axes, keepdims=keep, initial=highest)


class Prod(_Reduction):
    """Product over the axes."""

    def kernel(self, x, axes, keep):
        return np.prod(x, axis=axes, keepdims=keep, dtype=x.dtype)

    def gradient(self, op, grad):
        return [_prod_grad(op, grad), None]


def _prod_grad(op, grad):
    # The product of all *other* elements, from exclusive cumprods from both ends, so
    # zeros in the input give the right gradient (no division by x), as in TF1's _ProdGrad:
    # the reduced axes are moved to the front and flattened into one.
    from minigraph.ops import array_ops
    from minigraph.ops.scan_ops import cumprod
    x, axes_t = op.inputs
    g = _grad_to_input(op, grad)
    axes = _static_axes(op, x.shape.ndims, axes_t)
    if axes is not None and len(axes) <= 1:
        if not axes:
            return g
        a = axes[0]
        return multiply(g, multiply(cumprod(x, a, exclusive=True),
                                    cumprod(x, a, exclusive=True, reverse=True)))
    if axes is not None:
        perm = axes + [i for i in range(x.shape.ndims) if i not in axes]
        inv = [int(i) for i in np.argsort(perm)]
        reduced = axes
    else:
        perm, inv, reduced = _dynamic_prod_perm(x, axes_t)
    permuted = array_ops.transpose(x, perm)
    if x.shape.is_fully_defined() and axes is not None:
        dims = x.shape.as_list()
        flat_shape = [int(np.prod([dims[i] for i in axes])), -1]
        permuted_shape = permuted.shape.as_list()
    else:
        permuted_shape = array_ops.shape(permuted)
        n_reduced = reduce_prod(array_ops.gather(array_ops.shape(x), reduced))
        flat_shape = array_ops.stack([n_reduced, -1])
    flat = array_ops.reshape(permuted, flat_shape)
    others = multiply(cumprod(flat, 0, exclusive=True),
                      cumprod(flat, 0, exclusive=True, reverse=True))
    others = array_ops.transpose(array_ops.reshape(others, permuted_shape), inv)
    return multiply(g, others)


def _dynamic_prod_perm(x, axes_t):
    """(perm, inverse perm, reduced axes) as tensors, for axes known only at run time."""
    from minigraph.ops import array_ops
    from minigraph.ops.comparison_ops import not_equal, where
    from minigraph.ops.math_ops import add, floormod
    from minigraph.ops.unary_ops import cast
    r = array_ops.rank(x)
    reduced = floormod(add(array_ops.reshape(cast(axes_t, dtypes.int32), [-1]), r), r)
    # Mark the reduced axes with 1 (every other entry of range + 2 is >= 2).
    marks = reduced_shape(add(array_ops.range(0, r), 2), reduced)
    other = cast(array_ops.reshape(where(not_equal(marks, 1)), [-1]), dtypes.int32)
    perm = array_ops.concat([reduced, other], 0)
    return perm, array_ops.invert_permutation(perm), reduced


class _BoolReduction(_Reduction):
    abstract = True
    type = None
    allowed = (dtypes.bool,)
    not_differentiable = True


class All(_BoolReduction):
    """Logical and over the axes."""

    def kernel(self, x, axes, keep):
        return np.all(x, axis=axes, keepdims=keep)


class Any(_BoolReduction):
    """Logical or over the axes."""

    def kernel(self, x, axes, keep):
        return np.any(x, axis=axes, keepdims=keep)


class ReducedShape(Op):
    """minigraph helper: `input_shape` with the `axes` set to 1 (TF1 builds this from
    DynamicStitch/Fill in Python; one op keeps reduction gradients small)."""

    not_differentiable = True

    def infer(self, op):
        s, axes_t = op.inputs
        return [(s.dtype, s.shape)]

    def compute(self, op, s, axes):
        out = np.array(s, copy=True)
        n = len(s)
        for a in np.asarray(axes).reshape(-1):
            out[int(a) % n] = 1
        return out

    def static_value(self, op):
        vals = [static_value(t) for t in op.inputs]
        return None if any(v is None for v in vals) else self.compute(op, *vals)


def reduced_shape(input_shape, axes, name=None):
    """`input_shape` with the entries at `axes` replaced by 1 (op `ReducedShape`).

    Args:
      input_shape: an int vector `[n]`, a tensor's shape.
      axes: an int scalar or vector of axes in `[-n, n)`.
      name: op name (default "ReducedShape").

    Returns:
      An int vector `[n]` of `input_shape`'s dtype.
    """
    with _graph.name_scope(name, "ReducedShape", [input_shape, axes]) as scope:
        s = _graph.convert_to_tensor(input_shape, name="input_shape")
        a = _graph.convert_to_tensor(axes, name="axes")
        return make_tensor("ReducedShape", [s, a], None, scope)


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    from minigraph.ops import array_ops
    from minigraph.ops.constant_op import constant
    axis = _deprecated_lookup("axis", axis, "reduction_indices", reduction_indices)
    keepdims = _deprecated_lookup("keepdims", keepdims, "keep_dims", keep_dims)
    keepdims = bool(keepdims) if keepdims is not None else False
    x = _graph.convert_to_tensor(input_tensor)
    attrs = {"keep_dims": keepdims}
    if axis is None:
        if x.shape.ndims is not None:
            axes = constant(np.arange(x.shape.ndims, dtype=np.int32))
        else:
            axes = array_ops.range(0, array_ops.rank(x))
    with _graph.name_scope(name, op_type, [x]) as scope:
        if axis is not None:
            axes = array_ops.int_input(axis, "reduction_indices", "reduction axes")
        out = make_tensor(op_type, [x, axes], attrs, scope)
    if axis is None and not keepdims:
        out.set_shape([])
    return out


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """The sum of elements across the dimensions in `axis` (op type `Sum`).

    Args:
      input_tensor: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Sum").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is bool or `axis` is not integral.
    """
    return _reduce("Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    """The mean across the dimensions in `axis` (op type `Mean`).

    Integer tensors keep their dtype and the mean truncates toward zero, as in TF1.

    Args:
      input_tensor: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Mean").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is bool or `axis` is not integral.
    """
    return _reduce("Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """The maximum across the dimensions in `axis` (op type `Max`).

    The gradient is shared equally among tied maxima, as in TF1.

    Args:
      input_tensor: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Max").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is bool or `axis` is not integral.
    """
    return _reduce("Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """The minimum across the dimensions in `axis` (op type `Min`).

    The gradient is shared equally among tied minima, as in TF1.

    Args:
      input_tensor: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Min").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is bool or `axis` is not integral.
    """
    return _reduce("Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    """The product across the dimensions in `axis` (op type `Prod`).

    The gradient is exact with zeros in the input (no division by x).

    Args:
      input_tensor: a numeric tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Prod").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is bool or `axis` is not integral.
    """
    return _reduce("Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Logical AND across the dimensions in `axis` (op type `All`).

    Args:
      input_tensor: a bool tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "All").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is not bool or `axis` is not integral.
    """
    return _reduce("All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Logical OR across the dimensions in `axis` (op type `Any`).

    Args:
      input_tensor: a bool tensor of shape `[d0, ..., dn-1]`.
      axis: an int, a list of ints, or an int tensor, each in `[-n, n)`; None reduces all.
      keepdims: keep each reduced dimension with size 1.
      name: op name (default "Any").
      reduction_indices: TF1's deprecated alias for `axis`.
      keep_dims: TF1's deprecated alias for `keepdims`.

    Returns:
      A tensor of `input_tensor`'s dtype: `[d0, ..., dn-1]` without the reduced dims (or
      with them as 1 when `keepdims`).

    Raises:
      ValueError: if an axis is out of range, or both an argument and its alias are given.
      TypeError: if `input_tensor` is not bool or `axis` is not integral.
    """
    return _reduce("Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None):
    """The number of nonzero elements across the dimensions in `axis`.

    Args:
      input_tensor: a numeric or bool tensor.
      axis, keepdims, reduction_indices, keep_dims: as for `reduce_sum`.
      dtype: the output dtype (default int64).
      name: name scope (default "count_nonzero").

    Returns:
      A `dtype` tensor of the reduced shape.
    """
    from minigraph.ops.comparison_ops import not_equal
    from minigraph.ops.unary_ops import cast
    from minigraph.ops.constant_op import constant
    with _graph.name_scope(name, "count_nonzero", [input_tensor]):
        x = _graph.convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant(False if x.dtype.is_bool else 0, dtype=x.dtype, name="zeros")
        nz = cast(not_equal(x, zero), dtypes.int64)
        return cast(reduce_sum(nz, axis=axis, keepdims=keepdims,
                               reduction_indices=reduction_indices, keep_dims=keep_dims), dtype)
