"""Joining and splitting ops: stack/unstack, concat, split. Re-exported by `array_ops`."""
import numpy as np

from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_op, make_tensor, static_value
from minigraph.ops import array_ops as _a


def _is_tensor_like(v):
    return isinstance(v, _graph.Tensor) or (hasattr(v, "_as_graph_element")
                                            and not isinstance(v, _graph.Operation))


def _contains_tensor(values):
    if isinstance(values, (list, tuple)):
        return any(_contains_tensor(v) for v in values)
    return _is_tensor_like(values)


def _first_tensor_dtype(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            d = _first_tensor_dtype(v)
            if d is not None:
                return d
        elif _is_tensor_like(v):
            return _graph.convert_to_tensor(v).dtype
    return None


def _convert_list(values, what, dtype=None):
    """Convert a list of values for a list input, Python values taking the tensors' dtype.

    Raises:
      TypeError: if the tensors do not share one dtype (naming every dtype).
    """
    if dtype is None:
        dtype = _first_tensor_dtype(values)
    out = []
    for i, v in enumerate(values):
        if _is_tensor_like(v):
            out.append(_graph.convert_to_tensor(v))
        else:
            out.append(_graph.convert_to_tensor(v, dtype=dtype, name="%s_%d" % (what, i)))
    kinds = [t.dtype for t in out]
    if len(set(kinds)) > 1:
        raise TypeError("Tensors in list passed to '%s' have types [%s] that don't all match."
                        % (what, ", ".join(d.name for d in kinds)))
    return out


def _merge_shapes(op, tensors, skip_axis=None):
    """Merge the static shapes of `tensors`, ignoring dimension `skip_axis`.

    Raises:
      ValueError: naming the op, both shapes and the dimension that differs.
    """
    merged = _ts.unknown_shape()
    for i, t in enumerate(tensors):
        s = t.shape
        if s.ndims is None:
            continue
        if merged.ndims is None:
            merged = s if skip_axis is None else _ts.TensorShape(
                [None if k == skip_axis else d for k, d in enumerate(s.as_list())])
            continue
        if merged.ndims != s.ndims:
            raise ValueError("Shape must be rank %d but is rank %d for input %d of '%s' (op: "
                             "'%s') with input shapes: %s."
                             % (merged.ndims, s.ndims, i, op.name, op.type, _a.input_shapes(op)))
        dims = []
        for k, (a, b) in enumerate(zip(merged.as_list(), s.as_list())):
            if k == skip_axis:
                dims.append(None)
            elif a is not None and b is not None and a != b:
                raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. "
                                 "Shapes are %s and %s. for '%s' (op: '%s') with input shapes: "
                                 "%s." % (k, a, b, _ts.shape_str(merged), _ts.shape_str(s),
                                          op.name, op.type, _a.input_shapes(op)))
            else:
                dims.append(a if a is not None else b)
        merged = _ts.TensorShape(dims)
    return merged


def _static_axis(op, t):
    v = static_value(t)
    if v is None:
        return None
    v = np.asarray(v)
    if v.ndim != 0:
        raise ValueError("axis must be a scalar, got %s for '%s' (op: '%s')"
                         % (v.tolist(), op.name, op.type))
    return int(v)


# -- stack / unstack ------------------------------------------------------------------------------
class Pack(Op):
    """N tensors of one shape stacked along a new dimension `axis`."""

    def infer(self, op):
        dtypes_ = {t.dtype for t in op.inputs}
        if len(dtypes_) > 1:
            raise TypeError("Tensors in list passed to 'values' of '%s' (op: 'Pack') have types "
                            "[%s] that don't all match."
                            % (op.name, ", ".join(t.dtype.name for t in op.inputs)))
        shape = _merge_shapes(op, op.inputs)
        axis = op.attrs["axis"]
        if shape.ndims is None:
            return [(op.inputs[0].dtype, _ts.unknown_shape())]
        axis = _a.canonical_axis(op, axis, shape.ndims + 1)
        dims = shape.as_list()
        return [(op.inputs[0].dtype, dims[:axis] + [len(op.inputs)] + dims[axis:])]

    def compute(self, op, *values):
        return np.stack(values, axis=op.attrs["axis"])

    def static_value(self, op):
        vals = [static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return np.stack(vals, axis=op.attrs["axis"]).astype(op.inputs[0].dtype.as_numpy_dtype)

    def gradient(self, op, grad):
        return unstack(grad, num=len(op.inputs), axis=op.attrs["axis"])


def stack(values, axis=0, name="stack"):
    """Stack rank-R tensors into one rank-(R+1) tensor along a new dimension (op `Pack`).

    A list of Python/NumPy values with axis 0 becomes a constant, as in TF1.

    Args:
      values: a list of N tensors (or values) of one dtype and shape `[d0, ..., dR-1]`.
      axis: where the new dimension goes, in `[-(R+1), R+1)`.
      name: op name (default "stack").

    Returns:
      A tensor of shape `[d0, ..., N, ..., dR-1]` (N at `axis`).

    Raises:
      ValueError: if the shapes differ or `axis` is out of range.
      TypeError: if the dtypes differ.
    """
    values = list(values)
    if axis == 0 and not _contains_tensor(values):
        from minigraph.ops.constant_op import constant
        return constant(values, name=name)
    with _graph.name_scope(name, "stack", [v for v in values if _is_tensor_like(v)]) as scope:
        ts = _convert_list(values, "values")
        s = ts[0].shape if ts else _ts.unknown_shape()
        if s.ndims is not None and not -(s.ndims + 1) <= axis < s.ndims + 1:
            raise ValueError("Argument `axis` = %d not in range [%d, %d) for stack '%s' of "
                             "tensors of shape %s" % (axis, -(s.ndims + 1), s.ndims + 1,
                                                      scope.rstrip("/"), _ts.shape_str(s)))
        return make_tensor("Pack", ts, {"axis": int(axis), "N": len(ts)}, scope)


class Unpack(Op):
    """Its input split into `num` tensors along dimension `axis`, which is removed."""

    aliases_input = True

    def infer(self, op):
        x = op.inputs[0]
        num, axis = op.attrs["num"], op.attrs["axis"]
        if x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape())] * num
        dims = x.shape.as_list()
        axis = _a.canonical_axis(op, axis, len(dims))
        if dims[axis] is not None and dims[axis] != num:
            raise ValueError("Dimension must be %d but is %d for '%s' (op: '%s') with input "
                             "shapes: %s." % (num, dims[axis], op.name, op.type,
                                              _a.input_shapes(op)))
        return [(x.dtype, dims[:axis] + dims[axis + 1:])] * num

    def compute(self, op, x):
        parts = tuple(np.moveaxis(x, op.attrs["axis"], 0))
        return parts[0] if len(parts) == 1 else parts

    def static_value_at(self, op, index):
        v = static_value(op.inputs[0])
        if v is None:
            return None
        return np.take(v, index, axis=op.attrs["axis"])

    def static_value(self, op):
        return self.static_value_at(op, 0)

    def gradient(self, op, *grads):
        return [stack(list(grads), axis=op.attrs["axis"])]


def unstack(value, num=None, axis=0, name="unstack"):
    """Split a rank-R tensor into `num` rank-(R-1) tensors along `axis` (op `Unpack`).

    Args:
      value: a tensor of shape `[d0, ..., d(axis), ..., dR-1]`.
      num: `d(axis)`; inferred from the static shape when None.
      axis: the dimension to unstack along, in `[-R, R)`.
      name: op name (default "unstack").

    Returns:
      A list of `num` tensors of shape `[d0, ..., dR-1]` without `d(axis)`.

    Raises:
      ValueError: if `num` is None and cannot be inferred, or does not match.
    """
    x = _graph.convert_to_tensor(value, name="value")
    # TF1 checks `num` before opening the name scope, so a failed call uses no name.
    if num is None:
        s = x.shape
        if s.ndims is None:
            raise ValueError("Cannot infer num from shape %s of %s" % (s, x.name))
        if not -s.ndims <= axis < s.ndims:
            raise ValueError("axis = %d not in [%d, %d) for unstack of %s with shape %s"
                             % (axis, -s.ndims, s.ndims, x.name, _ts.shape_str(s)))
        num = s[axis].value
        if num is None:
            raise ValueError("Cannot infer argument `num` from shape %s of %s"
                             % (_ts.shape_str(s), x.name))
    with _graph.name_scope(name, "unstack", [x]) as scope:
        return list(make_op("Unpack", [x], {"num": int(num), "axis": int(axis)}, scope)._outputs)


# -- concat ---------------------------------------------------------------------------------------
class ConcatV2(Op):
    """N tensors joined along an existing dimension `axis` (the last input)."""

    def infer(self, op):
        values, axis_t = op.inputs[:-1], op.inputs[-1]
        _a.check_scalar(op, axis_t, "axis")
        dtypes_ = {t.dtype for t in values}
        if len(dtypes_) > 1:
            raise TypeError("Tensors in list passed to 'values' of '%s' (op: 'ConcatV2') have "
                            "types [%s] that don't all match."
                            % (op.name, ", ".join(t.dtype.name for t in values)))
        dtype = values[0].dtype
        axis = _static_axis(op, axis_t)
        rank = next((t.shape.ndims for t in values if t.shape.ndims is not None), None)
        if axis is None or rank is None:
            shape = _merge_shapes(op, values, skip_axis=-1)
            return [(dtype, _ts.unknown_shape(shape.ndims))]
        if not -rank <= axis < rank:
            raise ValueError("Shape must be at least rank %d but is rank %d for '%s' (op: '%s') "
                             "with input shapes: %s."
                             % ((axis if axis >= 0 else -axis - 1) + 1, rank, op.name, op.type,
                                _a.input_shapes(op)))
        axis %= rank
        shape = _merge_shapes(op, values, skip_axis=axis).as_list()
        total = 0
        for t in values:
            d = t.shape[axis].value if t.shape.ndims is not None else None
            if d is None:
                total = None
                break
            total += d
        shape[axis] = total
        return [(dtype, shape)]

    def compute(self, op, *args):
        return np.concatenate(args[:-1], axis=int(args[-1]))

    def static_value(self, op):
        vals = [static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return np.concatenate(vals[:-1], axis=int(vals[-1]))

    def gradient(self, op, grad):
        values, axis_t = op.inputs[:-1], op.inputs[-1]
        sizes = []
        for t in values:
            axis = _static_axis(op, axis_t)
            d = None
            if axis is not None and t.shape.ndims is not None:
                d = t.shape[axis].value
            sizes.append(d if d is not None else _a.gather(_a.shape(t), axis_t))
        if all(isinstance(s, int) for s in sizes):
            size_splits = np.array(sizes, dtype=np.int32)
        else:
            size_splits = stack([s if not isinstance(s, int) else np.int32(s) for s in sizes])
        return split(grad, size_splits, axis=axis_t, num=len(values)) + [None]


def concat(values, axis, name="concat"):
    """Join tensors along dimension `axis` (op `ConcatV2`).

    Args:
      values: a list of tensors of one dtype and rank, equal in every dimension but `axis`.
      axis: int scalar in `[-rank, rank)`.
      name: op name (default "concat").

    Returns:
      A tensor whose `axis` dimension is the sum of the inputs' (unknown if any is).

    Raises:
      ValueError: if `values` is empty, ranks or non-`axis` dimensions differ, or `axis` is
        out of range.
      TypeError: if the dtypes differ.
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    values = list(values)
    if not values:
        raise ValueError("List argument 'values' to 'ConcatV2' Op (%r) has length 0, shorter "
                         "than the minimum length 2" % (name,))
    if len(values) == 1:
        # TF1 turns a one-element concat into an identity (after checking the axis).
        with _graph.name_scope(name):
            a = _a.int_input(axis, "concat_dim", "concat's axis")
            if a.shape.ndims not in (None, 0):
                raise ValueError("concat's axis must be a scalar, got shape %s"
                                 % _ts.shape_str(a.shape))
            return _a.identity(values[0], name=name)
    with _graph.name_scope(name, "concat", [v for v in values if _is_tensor_like(v)]) as scope:
        ts = _convert_list(values, "values")
        a = _a.int_input(axis, "axis", "concat's axis")
        return make_tensor("ConcatV2", ts + [a], {"N": len(ts)}, scope)


# -- split ----------------------------------------------------------------------------------------
class Split(Op):
    """Its input (second input) cut into `num_split` equal parts along `split_dim`."""

    aliases_input = True

    def infer(self, op):
        dim_t, x = op.inputs
        n = op.attrs["num_split"]
        axis = _static_axis(op, dim_t)
        if axis is None or x.shape.ndims is None:
            r = x.shape.ndims
            return [(x.dtype, _ts.unknown_shape(r))] * n
        dims = x.shape.as_list()
        axis = _a.canonical_axis(op, axis, len(dims), "split_dim")
        if dims[axis] is not None:
            if dims[axis] % n:
                raise ValueError("Dimension size must be evenly divisible by %d but is %d. "
                                 "Number of ways to split should evenly divide the split "
                                 "dimension for '%s' (op: '%s') with input shapes: %s."
                                 % (n, dims[axis], op.name, op.type, _a.input_shapes(op)))
            dims[axis] //= n
        return [(x.dtype, dims)] * n

    def compute(self, op, axis, x):
        n = op.attrs["num_split"]
        axis = int(axis)
        if x.shape[axis] % n:
            raise ValueError("Number of ways to split (%d) should evenly divide the split "
                             "dimension, but got split_dim %d (size = %d)"
                             % (n, axis, x.shape[axis]))
        parts = tuple(np.split(x, n, axis=axis))
        return parts[0] if n == 1 else parts

    def gradient(self, op, *grads):
        return [None, concat(list(grads), axis=op.inputs[0])]


def _split_sizes(op, sizes, dim):
    """`sizes` (ints, one may be -1) checked against dimension size `dim` (or None)."""
    if sizes.count(-1) > 1:
        raise ValueError("size_splits can only have one -1 for '%s' (op: '%s') with input "
                         "shapes: %s." % (op.name, op.type, _a.input_shapes(op)))
    known = sum(s for s in sizes if s != -1)
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    if (-1 not in sizes and known != dim) or known > dim:
        raise ValueError("can't split axis of size %d into pieces of size [%s] for '%s' (op: "
                         "'%s') with input shapes: %s."
                         % (dim, ",".join(str(s) for s in sizes), op.name, op.type,
                            _a.input_shapes(op)))
    return [dim - known if s == -1 else s for s in sizes]


class SplitV(Op):
    """Its input cut along `split_dim` into pieces of `size_splits` (one may be -1)."""

    aliases_input = True

    def infer(self, op):
        x, sizes_t, dim_t = op.inputs
        n = op.attrs["num_split"]
        _a.check_vector(op, sizes_t, "size_splits")
        axis = _static_axis(op, dim_t)
        sizes = static_value(sizes_t)
        if sizes is not None and len(sizes) != n:
            raise ValueError("size_splits has %d entries but num_split is %d for '%s' (op: '%s')"
                             % (len(sizes), n, op.name, op.type))
        if axis is None or x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape(x.shape.ndims))] * n
        dims = x.shape.as_list()
        axis = _a.canonical_axis(op, axis, len(dims), "split_dim")
        if sizes is None:
            pieces = [None] * n
        else:
            pieces = _split_sizes(op, [int(s) for s in sizes], dims[axis])
        return [(x.dtype, dims[:axis] + [p] + dims[axis + 1:]) for p in pieces]

    def compute(self, op, x, sizes, axis):
        axis = int(axis)
        sizes = [int(s) for s in sizes]
        dim = x.shape[axis]
        if sizes.count(-1) > 1 or sum(s for s in sizes if s != -1) > dim or \
                (-1 not in sizes and sum(sizes) != dim):
            raise ValueError("Determined shape must either match input shape along split_dim "
                             "exactly if fully specified, or be less than the size of the "
                             "input along split_dim if not fully specified. Got: %s for a "
                             "dimension of size %d" % (sizes, dim))
        if -1 in sizes:
            sizes[sizes.index(-1)] = dim - sum(s for s in sizes if s != -1)
        parts = tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))
        return parts[0] if len(parts) == 1 else parts

    def gradient(self, op, *grads):
        return [concat(list(grads), axis=op.inputs[2]), None, None]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split `value` along `axis` into equal parts or parts of given sizes.

    An int `num_or_size_splits` makes op `Split` (equal parts); a list or vector tensor
    makes op `SplitV` (sizes, one of which may be -1).

    Args:
      value: a tensor of shape `[d0, ..., d(axis), ...]`.
      num_or_size_splits: an int dividing `d(axis)`, or a vector of sizes summing to it.
      axis: int scalar in `[-rank, rank)`.
      num: the number of outputs, when it cannot be inferred from `num_or_size_splits`.
      name: op name (default "split").

    Returns:
      A list of tensors.

    Raises:
      ValueError: if the sizes cannot split `d(axis)` or `num` cannot be inferred.
    """
    if isinstance(num_or_size_splits, (int, np.integer, _ts.Dimension)) and \
            not isinstance(num_or_size_splits, bool):
        n = int(_ts.dimension_value(num_or_size_splits))
        if n <= 0:
            raise ValueError("num_or_size_splits must be positive, got %d" % n)
        with _graph.name_scope(name, "split", [value]) as scope:
            a = _a.int_input(axis, "split_dim", "split's axis")
            x = _graph.convert_to_tensor(value, name="value")
            return list(make_op("Split", [a, x], {"num_split": n}, scope)._outputs)
    sizes = _a.int_input(num_or_size_splits, None, "split's num_or_size_splits")
    if sizes.shape.ndims == 0:
        raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument "
                         "to split. Argument provided: %s" % (num_or_size_splits,))
    if num is None:
        if sizes.shape.ndims == 1:
            num = sizes.shape[0].value
        if num is None:
            raise ValueError("Cannot infer num from shape %s" % (num_or_size_splits,))
    with _graph.name_scope(name, "split", [value, sizes]) as scope:
        x = _graph.convert_to_tensor(value, name="value")
        a = _a.int_input(axis, "split_dim", "split's axis")
        return list(make_op("SplitV", [x, sizes, a], {"num_split": int(num)}, scope)._outputs)
