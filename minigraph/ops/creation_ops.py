"""Ops that create tensors from a shape or a few values: fill, zeros, ones, *_like, range,
one_hot. Re-exported by `array_ops`.
"""

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops import array_ops as _a
from minigraph.ops.shape_util import (
    int_input, int_vector_value, constant_value_as_shape, check_vector, check_scalar)


# -- filling --------------------------------------------------------------------------------------
class Fill(Op):
    """A tensor of shape `dims` with every element equal to the scalar `value`."""

    def infer(self, op):
        dims_t, value = op.inputs
        check_vector(op, dims_t, "dims")
        check_scalar(op, value, "value")
        known = int_vector_value(dims_t)
        if known is not None:
            for d in known:
                if d is not None and d < 0:
                    raise ValueError("Fill dimensions must be >= 0, got %s for '%s' (op: '%s')"
                                     % (known, op.name, op.type))
        return [(value.dtype, constant_value_as_shape(dims_t))]

    def compute(self, op, dims, value):
        if np.any(dims < 0):
            raise ValueError("Fill dimensions must be >= 0, got %s" % (dims.tolist(),))
        return np.full(tuple(int(d) for d in dims), value, dtype=value.dtype)

    def static_value(self, op):
        dims, value = (static_value(t) for t in op.inputs)
        if dims is None or value is None or np.any(np.asarray(dims) < 0) \
                or int(np.prod(dims)) > 1000:
            return None
        return np.full(tuple(int(d) for d in dims), value, dtype=op.inputs[1].dtype.as_numpy_dtype)

    def gradient(self, op, grad):
        from minigraph.ops import math_ops
        return [None, math_ops.reduce_sum(grad)]


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value` (op type `Fill`).

    Args:
      dims: int32/int64 vector, the output shape.
      value: a scalar; its dtype is the output's.
      name: op name (default "Fill").

    Returns:
      A tensor of shape `dims` and `value`'s dtype.

    Raises:
      ValueError: if `value` is not a scalar or `dims` has a negative entry.
    """
    with _graph.name_scope(name, "Fill", [dims, value]) as scope:
        d = int_input(dims, "dims", "fill's dims")
        v = _graph.convert_to_tensor(value, name="value")
        return make_tensor("Fill", [d, v], None, scope)


def _filled(value, shape, dtype, name, default_name):
    dtype = dtypes.as_dtype(dtype)
    with _graph.name_scope(name, default_name, [shape]) as scope:
        if not isinstance(shape, _graph.Tensor):
            static = None
            try:
                static = _ts.as_shape(shape)
            except (TypeError, ValueError):
                static = None
            if static is not None and static.is_fully_defined() \
                    and static.num_elements() < 1000:
                # TF1 makes small all-equal tensors constants (and Fill ops for big ones, to
                # keep the GraphDef small).
                from minigraph.ops.constant_op import constant
                return constant(value, dtype=dtype, shape=static.as_list(), name=scope)
            if static is not None and static.is_fully_defined():
                shape = int_input(static.as_list(), "shape_as_tensor", "shape")
            else:
                shape = int_input(shape, "shape", "shape")
        elif shape.shape.ndims == 0:
            shape = _a.reshape(shape, [-1])
        from minigraph.ops.constant_op import constant
        return fill(shape, constant(value, dtype=dtype), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of `shape` with all elements 0.

    Args:
      shape: a list of ints, a TensorShape, or an int vector tensor.
      dtype: element type (default float32).
      name: op name (default "zeros").

    Returns:
      A tensor of shape `shape` and dtype `dtype` (a Const when small and static, else a
      `Fill`, as in TF1).
    """
    return _filled(False if dtypes.as_dtype(dtype).is_bool else 0, shape, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of `shape` with all elements 1.

    Args:
      shape: a list of ints, a TensorShape, or an int vector tensor.
      dtype: element type (default float32).
      name: op name (default "ones").

    Returns:
      A tensor of shape `shape` and dtype `dtype` (a Const when small and static, else a
      `Fill`, as in TF1).
    """
    return _filled(True if dtypes.as_dtype(dtype).is_bool else 1, shape, dtype, name, "ones")


class ZerosLike(Op):
    """Zeros with the dtype and shape of its input."""

    not_differentiable = True

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, op, x):
        return np.zeros_like(x)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape of `tensor`.

    Args:
      tensor: a tensor.
      dtype: element type (default: `tensor`'s).
      name: op name (default "zeros_like").
      optimize: if True and the shape is static, build a constant (TF1).

    Returns:
      A tensor of `tensor`'s shape, all zeros.
    """
    with _graph.name_scope(name, "zeros_like", [tensor]) as scope:
        x = _graph.convert_to_tensor(tensor, name="tensor")
        if optimize and x.shape.is_fully_defined():
            return zeros(x.shape.as_list(), dtype=dtype or x.dtype, name=scope)
        if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
            return zeros(_a.shape(x), dtype=dtype, name=scope)
        return make_tensor("ZerosLike", [x], None, scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape of `tensor`.

    Args:
      tensor: a tensor.
      dtype: element type (default: `tensor`'s).
      name: op name (default "ones_like").
      optimize: kept for TF1 compatibility.

    Returns:
      A tensor of `tensor`'s shape, all ones (a `Fill` of `shape(tensor)`, as in TF1).
    """
    with _graph.name_scope(name, "ones_like", [tensor]) as scope:
        x = _graph.convert_to_tensor(tensor, name="tensor")
        out = ones(_a.shape(x), dtype=dtype or x.dtype, name=scope)
        out.set_shape(x.shape)
        return out


# -- range ----------------------------------------------------------------------------------------
_RANGE_DTYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _range_size(start, limit, delta, np_dtype):
    """The number of elements of range(start, limit, delta), computed as TF's kernel does."""
    if delta == 0:
        raise ValueError("Requires delta != 0: %s" % delta)
    if delta > 0 and start > limit:
        raise ValueError("Requires start <= limit when delta > 0: %s/%s" % (start, limit))
    if delta < 0 and start < limit:
        raise ValueError("Requires start >= limit when delta < 0: %s/%s" % (start, limit))
    if np.dtype(np_dtype).kind in "iu":
        return (abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta))
    t = np.dtype(np_dtype).type
    return int(np.ceil(np.abs((t(limit) - t(start)) / t(delta))))


def _scalar_value(t):
    """`t`'s static value, looking through the Casts `range` adds to unify dtypes (math ops
    only fold integer Casts, but range(1, 5.0) must keep its static length, as in TF1)."""
    v = static_value(t)
    if v is None and t.op.type == "Cast":
        v = static_value(t.op.inputs[0])
        if v is not None:
            v = np.asarray(v).astype(t.dtype.as_numpy_dtype)
    return v


class Range(Op):
    """The sequence start, start + delta, ... up to but excluding limit."""

    not_differentiable = True

    def infer(self, op):
        start, limit, delta = op.inputs
        for t, what in zip(op.inputs, ("start", "limit", "delta")):
            check_scalar(op, t, what)
        if len({t.dtype for t in op.inputs}) > 1:
            raise TypeError("Range '%s' needs start, limit and delta of one dtype, got %s"
                            % (op.name, ", ".join(t.dtype.name for t in op.inputs)))
        vals = [_scalar_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return [(start.dtype, [None])]
        try:
            n = _range_size(*[v.item() for v in vals], start.dtype.as_numpy_dtype)
        except ValueError as e:
            raise ValueError("%s for '%s' (op: 'Range') with input values start=%s, limit=%s, "
                             "delta=%s." % (e, op.name, *[v.item() for v in vals]))
        return [(start.dtype, [n])]

    def compute(self, op, start, limit, delta):
        n = _range_size(start.item(), limit.item(), delta.item(), start.dtype)
        if n == 0:
            return np.zeros([0], dtype=start.dtype)
        # TF's kernel accumulates (`val += delta`), so float results match it exactly only
        # with a sequential running sum, not start + i * delta.
        steps = np.full(n, delta, dtype=start.dtype)
        steps[0] = start
        return np.add.accumulate(steps, dtype=start.dtype)

    def static_value(self, op):
        vals = [_scalar_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return self.compute(op, *[np.asarray(v) for v in vals])


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF1 name
    """The sequence `[start, start + delta, ...]` up to but excluding `limit` (op `Range`).

    Like Python's range: `range(n)` is `0, 1, ..., n-1`. Without `dtype`, the widest dtype
    of the three arguments in int32 < int64 < float32 < float64 is used, as in TF1.

    Args:
      start: scalar; the first value (or the limit, when `limit` is None).
      limit: scalar; the sequence stops before it.
      delta: scalar, non-zero; the step.
      dtype: the element type.
      name: op name (default "range").

    Returns:
      A 1-D tensor of `ceil((limit - start) / delta)` elements.

    Raises:
      ValueError: if delta is 0 or points away from limit (statically known values).
    """
    if limit is None:
        start, limit = 0, start
    from minigraph.ops import math_ops
    with _graph.name_scope(name, "Range", [start, limit, delta]) as scope:
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        args = [_graph.convert_to_tensor(v, dtype=dtype, name=n)
                for v, n in zip((start, limit, delta), ("start", "limit", "delta"))]
        if dtype is None:
            for t in args:
                if t.dtype not in _RANGE_DTYPES:
                    raise TypeError("range arguments must be int32, int64, float32 or float64, "
                                    "got %s of dtype %s" % (t.name, t.dtype.name))
            dtype = max((t.dtype for t in args), key=_RANGE_DTYPES.index)
            args = [t if t.dtype == dtype else math_ops.cast(t, dtype) for t in args]
        return make_tensor("Range", args, None, scope)


# -- one_hot --------------------------------------------------------------------------------------
class OneHot(Op):
    """`on_value` where an index selects a position along the new axis, `off_value` elsewhere."""

    # TF1 registers a gradient of all Nones: nothing flows to on_value/off_value either.
    not_differentiable = True

    def infer(self, op):
        indices, depth, on, off = op.inputs
        check_scalar(op, depth, "depth")
        check_scalar(op, on, "on_value")
        check_scalar(op, off, "off_value")
        if on.dtype != off.dtype:
            raise TypeError("dtype %s of on_value does not match dtype %s of off_value in '%s'"
                            % (on.dtype.name, off.dtype.name, op.name))
        d = static_value(depth)
        if d is not None and int(d) < 0:
            raise ValueError("depth must be non-negative, got %d for '%s' (op: 'OneHot')"
                             % (int(d), op.name))
        d = None if d is None else int(d)
        axis = op.attrs["axis"]
        if indices.shape.ndims is None:
            return [(on.dtype, _ts.unknown_shape())]
        dims = indices.shape.as_list()
        if not -1 <= axis <= len(dims):
            raise ValueError("Expected axis to be -1 or between [0, %d). But received: %d for "
                             "'%s' (op: 'OneHot')" % (len(dims) + 1, axis, op.name))
        pos = len(dims) if axis == -1 else axis
        return [(on.dtype, dims[:pos] + [d] + dims[pos:])]

    def compute(self, op, indices, depth, on, off):
        depth = int(depth)
        if depth < 0:
            raise ValueError("depth must be non-negative, got %d" % depth)
        hot = indices[..., None] == np.arange(depth, dtype=indices.dtype)
        out = np.where(hot, on, off).astype(on.dtype, copy=False)
        axis = op.attrs["axis"]
        if axis != -1:
            out = np.ascontiguousarray(np.moveaxis(out, -1, axis))
        return out


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors: position `indices[...]` is `on_value`, the rest `off_value`.

    Indices outside `[0, depth)` give all-`off_value` vectors, as in TF1.

    Args:
      indices: int tensor of shape `[d0, ..., dn-1]`.
      depth: int scalar, the size of the new dimension.
      on_value: scalar (default 1 of `dtype`).
      off_value: scalar (default 0 of `dtype`).
      axis: where the new dimension goes (-1 or None: last).
      dtype: output dtype (default: on/off_value's dtype, else float32).
      name: op name (default "one_hot").

    Returns:
      A tensor of shape `[d0, ..., depth, ..., dn-1]` (depth at `axis`).

    Raises:
      TypeError: if on_value, off_value and dtype disagree.
    """
    with _graph.name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        on_dtype = _probe_dtype(on_value)
        off_dtype = _probe_dtype(off_value)
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        if on_value is not None or off_value is not None:
            if dtype is not None:
                for d, what in ((on_dtype, "on_value"), (off_dtype, "off_value")):
                    if d is not None and d != dtype:
                        raise TypeError("dtype %s of %s does not match dtype parameter %s"
                                        % (d.name, what, dtype.name))
            else:
                dtype = on_dtype if on_dtype is not None else off_dtype
        elif dtype is None:
            dtype = dtypes.float32
        if on_dtype is not None and off_dtype is not None and on_dtype != off_dtype:
            raise TypeError("dtype %s of on_value does not match dtype %s of off_value"
                            % (on_dtype.name, off_dtype.name))
        on = _graph.convert_to_tensor(1 if on_value is None else on_value, dtype=dtype,
                                      name="on_value")
        off = _graph.convert_to_tensor(0 if off_value is None else off_value, dtype=dtype,
                                       name="off_value")
        idx = _graph.convert_to_tensor(indices, name="indices")
        if idx.dtype not in (dtypes.uint8, dtypes.int32, dtypes.int64):
            raise TypeError("one_hot indices must be uint8, int32 or int64, got %s of dtype %s"
                            % (idx.name, idx.dtype.name))
        d = _graph.convert_to_tensor(depth, dtype=dtypes.int32, name="depth")
        axis = -1 if axis is None else int(axis)
        return make_tensor("OneHot", [idx, d, on, off], {"axis": axis}, scope)


def _probe_dtype(value):
    """The dtype `value` would have as a tensor, without adding an op to the graph."""
    if value is None:
        return None
    if isinstance(value, _graph.Tensor) or hasattr(value, "_as_graph_element"):
        return _graph.convert_to_tensor(value).dtype
    from minigraph.ops.constant_op import to_numpy
    return dtypes.as_dtype(to_numpy(value).dtype)
