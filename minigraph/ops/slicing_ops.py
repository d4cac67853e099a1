"""Indexing ops: slice, strided_slice (and `Tensor.__getitem__`), gather, scatter-add.

Re-exported by `array_ops`.
"""
import builtins

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops import array_ops as _a
from minigraph.ops.shape_util import (
    int_input, int_vector_value, check_vector, check_scalar, input_shapes)

_py_slice = builtins.slice


# -- slice ----------------------------------------------------------------------------------------
class Slice(Op):
    """The block of its input starting at `begin` with extent `size` (-1: to the end)."""

    def infer(self, op):
        x, begin_t, size_t = op.inputs
        check_vector(op, begin_t, "begin")
        check_vector(op, size_t, "size")
        begin, size = int_vector_value(begin_t), int_vector_value(size_t)
        rank = x.shape.ndims
        for v in (begin, size):
            if rank is None and v is not None:
                rank = len(v)
        if rank is None:
            return [(x.dtype, _ts.unknown_shape())]
        for v, what in ((begin, "begin"), (size, "size")):
            if v is not None and len(v) != rank:
                raise ValueError("Length of %s %s must equal the rank %d of the input for '%s' "
                                 "(op: 'Slice') with input shapes: %s."
                                 % (what, v, rank, op.name, input_shapes(op)))
        dims = x.shape.as_list() if x.shape.ndims is not None else [None] * rank
        begin = begin or [None] * rank
        size = size or [None] * rank
        out = []
        for i, (d, b, s) in enumerate(zip(dims, begin, size)):
            if b is not None and b < 0:
                raise ValueError("begin[%d] = %d must be non-negative for '%s' (op: 'Slice')"
                                 % (i, b, op.name))
            if s is not None and s < -1:
                raise ValueError("size[%d] = %d must be -1 or non-negative for '%s' (op: 'Slice')"
                                 % (i, s, op.name))
            if s is not None and s >= 0:
                if d is not None and b is not None and b + s > d:
                    raise ValueError("Expected size[%d] in [0, %d], but got %d for '%s' (op: "
                                     "'Slice') with input shapes: %s."
                                     % (i, d - b, s, op.name, input_shapes(op)))
                out.append(s)
            elif s == -1 and d is not None and b is not None:
                if b > d:
                    raise ValueError("Negative dimension size caused by subtracting %d from %d "
                                     "for '%s' (op: 'Slice') with input shapes: %s."
                                     % (b, d, op.name, input_shapes(op)))
                out.append(d - b)
            else:
                out.append(None)
        return [(x.dtype, out)]

    def compute(self, op, x, begin, size):
        index = []
        for i, (d, b, s) in enumerate(zip(x.shape, begin.tolist(), size.tolist())):
            e = d if s == -1 else b + s
            if not (0 <= b <= d and b <= e <= d):
                raise ValueError("Expected begin[%d] in [0, %d] and size[%d] in [0, %d], but got "
                                 "begin %d and size %d" % (i, d, i, d - b, b, s))
            index.append(_py_slice(b, e))
        return np.ascontiguousarray(x[tuple(index)])

    def static_value(self, op):
        vals = [static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return self.compute(op, *[np.asarray(v) for v in vals])

    def gradient(self, op, grad):
        x, begin_t, _ = op.inputs
        begin = static_value(begin_t)
        if begin is not None and x.shape.is_fully_defined() and grad.shape.is_fully_defined():
            after = np.asarray(x.shape.as_list()) - begin - np.asarray(grad.shape.as_list())
            paddings = np.stack([begin, after], axis=1).astype(np.int32)
        else:
            from minigraph.ops import math_ops
            after = math_ops.subtract(math_ops.subtract(_a.shape(x, out_type=begin_t.dtype),
                                                        begin_t),
                                      _a.shape(grad, out_type=begin_t.dtype))
            paddings = _a.stack([begin_t, after], axis=1)
        return [_a.pad(grad, paddings), None, None]


def slice(input_, begin, size, name=None):  # noqa: A001 - TF1 name
    """The block of `input_` starting at `begin` with extent `size` (op `Slice`).

    Args:
      input_: a tensor of rank n.
      begin: int vector of length n, the start of each dimension (>= 0).
      size: int vector of length n; -1 means "to the end of the dimension".
      name: op name (default "Slice").

    Returns:
      A tensor of shape `size` (with -1 entries resolved).

    Raises:
      ValueError: if the static bounds do not fit the input.
    """
    with _graph.name_scope(name, "Slice", [input_, begin, size]) as scope:
        x = _graph.convert_to_tensor(input_, name="input")
        b = int_input(begin, "begin", "slice's begin")
        s = int_input(size, "size", "slice's size", dtype=b.dtype if not isinstance(
            size, _graph.Tensor) else None)
        return make_tensor("Slice", [x, b, s], None, scope)


# -- strided_slice --------------------------------------------------------------------------------
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _dense_spec(op, rank, begin, end, strides):
    """TF's sparse slice spec expanded to one entry per input or new dimension.

    Returns a list of `(kind, input_dim, b, e, s, b_masked, e_masked)`: kind "new" (a new
    axis of size 1, no input dim), "index" (input dim indexed at `b` and removed) or "slice"
    (input dim sliced `b:e:s`; a masked bound means "to the edge"). Unknown values are None.

    Raises:
      ValueError: for several ellipses, a zero stride, or more indices than dimensions.
    """
    attrs = op.attrs
    n = len(begin)

    def bit(mask, i):
        return (attrs[mask] >> i) & 1

    if sum(bit("ellipsis_mask", i) for i in builtins.range(n)) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed for '%s' (op: '%s') with "
                         "input shapes: %s." % (op.name, op.type, input_shapes(op)))
    consumed = sum(1 for i in builtins.range(n)
                   if not bit("ellipsis_mask", i) and not bit("new_axis_mask", i))
    full = ("slice", None, None, None, 1, True, True)
    spec, dim = [], 0
    for i in builtins.range(n):
        if bit("ellipsis_mask", i):
            for _ in builtins.range(max(rank - consumed, 0)):
                spec.append(full[:1] + (dim,) + full[2:])
                dim += 1
        elif bit("new_axis_mask", i):
            spec.append(("new", None, None, None, None, False, False))
        else:
            if strides[i] == 0:
                raise ValueError("strides[%d] must be non-zero for '%s' (op: '%s') with input "
                                 "shapes: %s." % (i, op.name, op.type, input_shapes(op)))
            if dim >= rank:
                raise ValueError("Index out of range using input dim %d; input has only %d dims "
                                 "for '%s' (op: '%s') with input shapes: %s."
                                 % (dim, rank, op.name, op.type, input_shapes(op)))
            if bit("shrink_axis_mask", i):
                spec.append(("index", dim, begin[i], None, None, False, False))
            else:
                spec.append(("slice", dim, begin[i], end[i], strides[i],
                             bool(bit("begin_mask", i)), bool(bit("end_mask", i))))
            dim += 1
    while dim < rank:  # an implicit ellipsis at the end
        spec.append(full[:1] + (dim,) + full[2:])
        dim += 1
    return spec


def _slice_len(dim, b, e, s, bm, em):
    """Length of `b:e:s` on a dimension of size `dim`, or None if unknown."""
    if dim is None or s is None or (b is None and not bm) or (e is None and not em):
        return None
    return len(builtins.range(*_py_slice(None if bm else b, None if em else e, s).indices(dim)))


def _numpy_index(spec, shape):
    """The NumPy index tuple equivalent to a dense spec on an array of `shape`."""
    index = []
    for kind, d, b, e, s, bm, em in spec:
        if kind == "new":
            index.append(None)
        elif kind == "index":
            if not -shape[d] <= b < shape[d]:
                raise ValueError("slice index %d of dimension %d out of bounds." % (b, d))
            index.append(b)
        else:
            index.append(_py_slice(None if bm else b, None if em else e, s))
    return tuple(index)


class StridedSlice(Op):
    """NumPy-style basic indexing of its input, encoded as begin/end/strides and bit masks.

    Bit i of `begin_mask`/`end_mask` ignores begin[i]/end[i] (slice to the edge); of
    `ellipsis_mask` makes entry i an ellipsis; of `new_axis_mask` inserts a size-1 axis; of
    `shrink_axis_mask` indexes dimension i at begin[i] and removes it.
    """

    aliases_input = True

    def _spec_values(self, op):
        vals = [int_vector_value(t) for t in op.inputs[1:]]
        lens = {len(v) for v in vals if v is not None}
        n = lens.pop() if len(lens) == 1 else None
        if len(lens) > 0:
            raise ValueError("begin, end and strides of '%s' (op: 'StridedSlice') must have the "
                             "same length, got %s" % (op.name, input_shapes(op)))
        if n is None:
            return None
        return [v if v is not None else [None] * n for v in vals]

    def infer(self, op):
        x = op.inputs[0]
        for t, what in zip(op.inputs[1:], ("begin", "end", "strides")):
            check_vector(op, t, what)
        vals = self._spec_values(op)
        if vals is None or x.shape.ndims is None:
            return [(x.dtype, _ts.unknown_shape())]
        dims = x.shape.as_list()
        spec = _dense_spec(op, len(dims), *vals)
        out = []
        for kind, d, b, e, s, bm, em in spec:
            if kind == "new":
                out.append(1)
            elif kind == "index":
                if b is not None and dims[d] is not None and not -dims[d] <= b < dims[d]:
                    raise ValueError("slice index %d of dimension %d out of bounds. for '%s' "
                                     "(op: 'StridedSlice') with input shapes: %s."
                                     % (b, d, op.name, input_shapes(op)))
            else:
                out.append(_slice_len(dims[d], b, e, s, bm, em))
        return [(x.dtype, out)]

    def compute(self, op, x, begin, end, strides):
        spec = _dense_spec(op, x.ndim, begin.tolist(), end.tolist(), strides.tolist())
        return x[_numpy_index(spec, x.shape)]

    def static_value(self, op):
        x = op.inputs[0]
        vals = [static_value(t) for t in op.inputs[1:]]
        if any(v is None for v in vals):
            return None
        xv = static_value(x)
        if xv is None:
            # `shape(x)[i]` is known when dimension i is, even if other dimensions are not.
            if x.op.type != "Shape" or x.op.inputs[0].shape.ndims is None:
                return None
            xv = np.array(x.op.inputs[0].shape.as_list(), dtype=object)
            try:
                out = self.compute(op, xv, *[np.asarray(v) for v in vals])
            except ValueError:
                return None
            out = np.asarray(out, dtype=object)
            if any(v is None for v in out.ravel()):
                return None
            return np.asarray(out.tolist(), dtype=x.dtype.as_numpy_dtype)
        return self.compute(op, np.asarray(xv), *[np.asarray(v) for v in vals])

    def gradient(self, op, grad):
        x, begin, end, strides = op.inputs
        dx = make_tensor("StridedSliceGrad",
                         [_a.shape(x, out_type=begin.dtype), begin, end, strides, grad],
                         dict(op.attrs))
        return [dx, None, None, None]


class StridedSliceGrad(Op):
    """Zeros of shape `shape` with `dy` written where StridedSlice read its values."""

    def infer(self, op):
        shape_t, dy = op.inputs[0], op.inputs[4]
        return [(dy.dtype, _a.constant_value_as_shape(shape_t))]

    def compute(self, op, shape, begin, end, strides, dy):
        out = np.zeros(tuple(int(d) for d in shape), dtype=dy.dtype)
        spec = _dense_spec(op, out.ndim, begin.tolist(), end.tolist(), strides.tolist())
        out[_numpy_index(spec, out.shape)] = dy
        return out

    def gradient(self, op, grad):
        _, begin, end, strides, _ = op.inputs
        masks = {k: op.attrs[k] for k in _MASKS}
        return [None, None, None, None,
                strided_slice(grad, begin, end, strides, **masks)]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """`input_[begin:end:strides]` per dimension, with TF1's bit masks (op `StridedSlice`).

    Args:
      input_: a tensor.
      begin, end, strides: int vectors of one length m (strides default to ones).
      begin_mask: bit i set: ignore begin[i] and start at the edge.
      end_mask: bit i set: ignore end[i] and slice to the edge.
      ellipsis_mask: bit i set: entry i is `...` (at most one bit).
      new_axis_mask: bit i set: entry i inserts a new size-1 dimension.
      shrink_axis_mask: bit i set: entry i takes index begin[i] and removes the dimension.
      var: unused (TF1 passes the sliced variable for `assign`).
      name: op name (default "StridedSlice").

    Returns:
      The sliced tensor (shape as NumPy basic indexing gives).

    Raises:
      ValueError: for a zero stride, several ellipses, too many indices, or an index
        statically out of bounds.
    """
    with _graph.name_scope(name, "StridedSlice", [input_, begin, end, strides]) as scope:
        x = _graph.convert_to_tensor(input_, name="input")
        b = int_input(begin, "begin", "strided_slice's begin")
        e = int_input(end, "end", "strided_slice's end", dtype=None if isinstance(
            end, _graph.Tensor) else b.dtype)
        if strides is None:
            strides = _a.ones_like(b)
        s = int_input(strides, "strides", "strided_slice's strides", dtype=None if isinstance(
            strides, _graph.Tensor) else b.dtype)
        attrs = {"begin_mask": int(begin_mask), "end_mask": int(end_mask),
                 "ellipsis_mask": int(ellipsis_mask), "new_axis_mask": int(new_axis_mask),
                 "shrink_axis_mask": int(shrink_axis_mask)}
        return make_tensor("StridedSlice", [x, b, e, s], attrs, scope)


def _check_index(idx):
    """Raise TypeError unless `idx` can be a single index (an int or a scalar int tensor)."""
    if isinstance(idx, (bool, np.bool_)):
        ok = False
    elif isinstance(idx, (int, np.integer)):
        ok = True
    elif isinstance(idx, _graph.Tensor) or hasattr(idx, "_as_graph_element"):
        t = _graph.convert_to_tensor(idx)
        ok = t.dtype in (dtypes.int32, dtypes.int64) and t.shape.ndims in (None, 0)
    else:
        ok = False
    if not ok:
        raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                        "scalar tf.int32/tf.int64 tensors are valid indices, got %r" % (idx,))


def _slice_helper(tensor, slice_spec, var=None):
    """`tensor[slice_spec]`: NumPy basic indexing, built as one StridedSlice op (as in TF1).

    Python lists are taken as tuples of indices, as in TF1. Boolean masks and integer-array
    ("fancy") indexing are not basic indexing: use `tf.boolean_mask` / `tf.gather`.

    Raises:
      TypeError: for an index that is not an int, slice, `...`, `None` or a scalar int
        tensor.
      ValueError: for an index statically out of bounds.
    """
    if isinstance(slice_spec, (bool, np.bool_)) or (
            isinstance(slice_spec, np.ndarray) and slice_spec.dtype == bool) or (
            isinstance(slice_spec, _graph.Tensor) and slice_spec.dtype == dtypes.bool):
        raise TypeError("Boolean mask indexing of %s is not supported by minigraph's "
                        "__getitem__; use tf.where / tf.gather" % tensor.name)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, _py_slice):
            for v in (s.start, s.stop, s.step):
                if v is not None:
                    _check_index(v)
            if s.start is None:
                begin.append(0)
                masks["begin_mask"] |= bit
            else:
                begin.append(s.start)
            if s.stop is None:
                end.append(0)
                masks["end_mask"] |= bit
            else:
                end.append(s.stop)
            strides.append(1 if s.step is None else s.step)
        elif s is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            _check_index(s)
            begin.append(s)
            end.append(s + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with _graph.name_scope(None, "strided_slice", [tensor]) as scope:
        if begin:
            from minigraph.ops.concat_ops import stack
            pb, pe, ps = stack(begin), stack(end), stack(strides)
            if any(t.dtype == dtypes.int64 for t in (pb, pe, ps)):
                from minigraph.ops import math_ops
                pb, pe, ps = (math_ops.cast(t, dtypes.int64) for t in (pb, pe, ps))
        else:
            pb = pe = ps = _graph.convert_to_tensor(np.zeros([0], dtype=np.int32))
        return strided_slice(tensor, pb, pe, ps, var=var, name=scope, **masks)


_graph.Tensor.__getitem__ = _slice_helper


# -- gather and its transpose ----------------------------------------------------------------------
def _check_indices(indices, limit, what="indices"):
    bad = (indices < 0) | (indices >= limit)
    if np.any(bad):
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError("%s[%s] = %d is not in [0, %d)"
                         % (what, ",".join(map(str, pos)), int(indices[pos]), limit))


class GatherV2(Op):
    """Slices of `params` along `axis` picked by `indices` (any shape)."""

    def infer(self, op):
        params, indices, axis_t = op.inputs
        check_scalar(op, axis_t, "axis")
        axis = static_value(axis_t)
        pr, ir = params.shape.ndims, indices.shape.ndims
        if pr is not None and pr == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0 for params of '%s' "
                             "(op: 'GatherV2') with input shapes: %s." % (op.name,
                                                                         input_shapes(op)))
        if axis is None or pr is None or ir is None:
            rank = None if pr is None or ir is None else pr + ir - 1
            return [(params.dtype, _ts.unknown_shape(rank))]
        axis = int(axis)
        if not -pr <= axis < pr:
            raise ValueError("Shape must be at least rank %d but is rank %d for '%s' (op: "
                             "'GatherV2') with input shapes: %s."
                             % ((axis if axis >= 0 else -axis - 1) + 1, pr, op.name,
                                input_shapes(op)))
        axis %= pr
        p = params.shape.as_list()
        return [(params.dtype, p[:axis] + indices.shape.as_list() + p[axis + 1:])]

    def compute(self, op, params, indices, axis):
        axis = int(axis) % params.ndim
        _check_indices(indices, params.shape[axis])
        return np.take(params, indices, axis=axis)

    def static_value(self, op):
        vals = [static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return self.compute(op, *[np.asarray(v) for v in vals])

    def gradient(self, op, grad):
        params, indices, axis_t = op.inputs
        axis = static_value(axis_t)
        if axis is None:
            raise LookupError("The gradient of gather '%s' needs a statically known axis"
                              % op.name)
        axis = int(axis)
        pr = params.shape.ndims
        if axis != 0 and pr is None:
            raise LookupError("The gradient of gather '%s' along axis %d needs params of known "
                              "rank, got shape %s" % (op.name, axis, _ts.shape_str(params.shape)))
        axis = axis % pr if pr else axis
        p_shape = _a.shape(params, out_type=indices.dtype)
        flat_idx = _a.reshape(indices, [-1])
        # [outer..., N, inner...] with N = number of indices; move N first, scatter-add along
        # it into params' axis, move that axis back.
        values_shape = _a.concat([p_shape[:axis], [-1], p_shape[axis + 1:]], 0)
        values = _a.reshape(grad, values_shape)
        if axis == 0:
            return [unsorted_segment_sum(values, flat_idx, p_shape[0]), None, None]
        perm = [axis] + list(builtins.range(axis)) + list(builtins.range(axis + 1, pr))
        moved = _a.transpose(values, perm)
        summed = unsorted_segment_sum(moved, flat_idx, p_shape[axis])
        return [_a.transpose(summed, _a.invert_permutation(perm)), None, None]


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Slices of `params` along `axis` selected by `indices` (op `GatherV2`).

    Args:
      params: a tensor of shape `[p0, ..., p(axis), ..., pn-1]`.
      indices: int32/int64 tensor of any shape `I`, entries in `[0, p(axis))` (checked at
        run time: InvalidArgumentError otherwise).
      validate_indices: ignored (TF1 too).
      name: op name (default "GatherV2").
      axis: int scalar (default 0), in `[-n, n)`.
      batch_dims: must be 0 (leading batch dimensions are not supported).

    Returns:
      A tensor of shape `[p0, ..., p(axis-1)] + I + [p(axis+1), ..., pn-1]`.

    Raises:
      ValueError: if `axis` is out of range or `batch_dims` is not 0.
    """
    if batch_dims != 0:
        raise ValueError("minigraph's gather supports only batch_dims=0, got %r" % (batch_dims,))
    if axis is None:
        axis = 0
    with _graph.name_scope(name, "GatherV2", [params, indices, axis]) as scope:
        p = _graph.convert_to_tensor(params, name="params")
        i = int_input(indices, "indices", "gather's indices")
        a = int_input(axis, "axis", "gather's axis")
        return make_tensor("GatherV2", [p, i, a], {"batch_dims": 0}, scope)


class UnsortedSegmentSum(Op):
    """out[j] = sum of data[i...] over the positions i with segment_ids[i] == j."""

    def infer(self, op):
        data, ids, num_t = op.inputs
        check_scalar(op, num_t, "num_segments")
        n = static_value(num_t)
        n = None if n is None else int(n)
        if n is not None and n < 0:
            raise ValueError("num_segments must be non-negative, got %d for '%s' (op: '%s')"
                             % (n, op.name, op.type))
        if data.shape.ndims is None or ids.shape.ndims is None:
            return [(data.dtype, _ts.unknown_shape())]
        d, i = data.shape.as_list(), ids.shape.as_list()
        if not _ts.TensorShape(d[:len(i)]).is_compatible_with(i) or len(i) > len(d):
            raise ValueError("segment_ids.shape = %s must be a prefix of data.shape = %s for "
                             "'%s' (op: '%s')" % (_ts.shape_str(ids.shape),
                                                   _ts.shape_str(data.shape), op.name, op.type))
        return [(data.dtype, [n] + d[len(i):])]

    def compute(self, op, data, ids, num):
        num = int(num)
        if np.any(ids >= num):
            _check_indices(np.where(ids < 0, 0, ids), num, "segment_ids")
        out = np.zeros((num,) + data.shape[ids.ndim:], dtype=data.dtype)
        keep = ids >= 0  # negative ids are dropped, as in TF
        np.add.at(out, ids[keep], data[keep])
        return out

    def gradient(self, op, grad):
        from minigraph.ops import math_ops
        _, ids, _ = op.inputs
        # Positions with a negative id got dropped, so their gradient is zero.
        safe = math_ops.maximum(ids, _a.zeros_like(ids))
        picked = gather(grad, safe)
        keep = math_ops.greater_equal(ids, _a.zeros_like(ids))
        keep = _a.reshape(keep, _a.concat([_a.shape(ids), _a.ones_like(
            _a.shape(picked)[ids.shape.ndims:] if ids.shape.ndims is not None else
            _a.shape(picked)[_a.rank(ids):])], 0))
        return [math_ops.multiply(picked, math_ops.cast(keep, grad.dtype)), None, None]


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of the slices of `data` that share a segment id (op `UnsortedSegmentSum`).

    Args:
      data: a tensor of shape `S + T` where `S` is `segment_ids`' shape.
      segment_ids: int tensor of shape `S`; negative ids are dropped; ids must be less than
        `num_segments` (checked at run time).
      num_segments: int scalar.
      name: op name (default "UnsortedSegmentSum").

    Returns:
      A tensor of shape `[num_segments] + T`.
    """
    with _graph.name_scope(name, "UnsortedSegmentSum", [data, segment_ids]) as scope:
        d = _graph.convert_to_tensor(data, name="data")
        i = int_input(segment_ids, "segment_ids", "unsorted_segment_sum's segment_ids")
        n = int_input(num_segments, "num_segments", "unsorted_segment_sum's num_segments")
        return make_tensor("UnsortedSegmentSum", [d, i, n], None, scope)


