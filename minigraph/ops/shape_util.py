"""Static-shape helpers shared by the array-op modules (int arguments, axes, messages)."""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import static_value

_INDEX_DTYPES = (dtypes.int32, dtypes.int64)


def int_input(value, name, what="argument", dtype=None):
    """`value` (a tensor, or Python/NumPy ints) as an int32/int64 tensor named `name`.

    Python values become int32 unless they need int64 (TF1's rule); an empty list is int32,
    not TF1's default float32, because these arguments are always index vectors.

    Raises:
      TypeError: if `value` is not integral.
    """
    if not _is_tensor_like(value):
        value = _dims_to_ints(value, what)
        has_tensor = isinstance(value, (list, tuple)) and any(_is_tensor_like(v) for v in value)
        if not has_tensor:
            arr = np.asarray(value)
            if arr.size and arr.dtype.kind not in "iu":
                raise TypeError("%s must be integers, got %r" % (what, value))
            if dtype is None:
                dtype = dtypes.int64 if arr.size and (arr.min() < -2**31 or arr.max() >= 2**31) \
                    else dtypes.int32
    t = _graph.convert_to_tensor(value, dtype=dtype, name=name)
    if t.dtype not in _INDEX_DTYPES:
        raise TypeError("%s must be an int32 or int64 tensor, got %s of dtype %s"
                        % (what, t.name, t.dtype.name))
    return t


def _is_tensor_like(v):
    return isinstance(v, _graph.Tensor) or (hasattr(v, "_as_graph_element")
                                            and not isinstance(v, _graph.Operation))


def _dims_to_ints(value, what):
    """A TensorShape, or Dimensions inside a list, as plain ints (TF1 accepts both).

    Raises:
      ValueError: for an unknown dimension, which has no value to put in a tensor.
    """
    if isinstance(value, _ts.TensorShape):
        if not value.is_fully_defined():
            raise ValueError("Cannot convert a partially known TensorShape %s to a Tensor (for "
                             "%s); use tf.shape(x) for the dynamic shape" % (value, what))
        return value.as_list()
    if isinstance(value, (list, tuple)) and any(isinstance(v, _ts.Dimension) for v in value):
        out = []
        for v in value:
            if isinstance(v, _ts.Dimension):
                if v.value is None:
                    raise ValueError("Cannot convert an unknown Dimension to a Tensor (in %s = "
                                     "%s); use tf.shape(x)[i] for a dynamic size" % (what, value))
                v = v.value
            out.append(v)
        return out
    if isinstance(value, _ts.Dimension):
        if value.value is None:
            raise ValueError("Cannot convert an unknown Dimension to a Tensor (%s)" % what)
        return value.value
    return value


def int_vector_value(t):
    """The statically known entries of int vector `t`: a list of ints/None, or None.

    Follows TF1's `constant_value_as_shape` through Shape, Pack and ConcatV2 so that
    `reshape(x, [tf.shape(x)[0], -1])`-style shapes keep what is known. Entries are raw
    values: -1 stays -1; None means unknown.
    """
    v = static_value(t)
    if v is not None:
        v = np.asarray(v)
        if v.ndim == 1:
            return [int(e) for e in v]
        return None
    op = t.op
    if op.type == "Shape" and t.value_index == 0:
        shape = op.inputs[0].shape
        return None if shape.ndims is None else shape.as_list()
    if op.type == "Pack" and op.attrs.get("axis", 0) == 0:
        out = []
        for x in op.inputs:
            xv = static_value(x)
            out.append(None if xv is None or np.ndim(xv) != 0 else int(xv))
        return out
    if op.type == "ConcatV2":
        out = []
        for x in op.inputs[:-1]:
            part = int_vector_value(x)
            if part is None:
                return None
            out.extend(part)
        return out
    if t.shape.ndims == 1 and t.shape[0].value is not None:
        return [None] * t.shape[0].value
    return None


def constant_value_as_shape(t):
    """The static shape a shape-vector tensor `t` describes (-1 and unknowns become None)."""
    if t.shape.ndims == 0:
        v = static_value(t)
        if v is not None and int(v) == -1:
            return _ts.unknown_shape()
    vals = int_vector_value(t)
    if vals is None:
        return _ts.unknown_shape()
    return _ts.TensorShape([None if v is None or v < 0 else v for v in vals])


def check_vector(op, t, what):
    """Raise ValueError unless `t` (an input of `op`) can be a vector."""
    if t.shape.ndims is not None and t.shape.ndims != 1:
        raise ValueError("Shape must be rank 1 but is rank %d for %s '%s' of '%s' (op: '%s') "
                         "with input shapes: %s."
                         % (t.shape.ndims, what, t.name, op.name, op.type,
                            ", ".join(_ts.shape_str(x.shape) for x in op.inputs)))


def check_scalar(op, t, what):
    """Raise ValueError unless `t` (an input of `op`) can be a scalar."""
    if t.shape.ndims is not None and t.shape.ndims != 0:
        raise ValueError("Shape must be rank 0 but is rank %d for %s '%s' of '%s' (op: '%s') "
                         "with input shapes: %s."
                         % (t.shape.ndims, what, t.name, op.name, op.type,
                            ", ".join(_ts.shape_str(x.shape) for x in op.inputs)))


def input_shapes(op):
    return ", ".join(_ts.shape_str(x.shape) for x in op.inputs)


def canonical_axis(op, axis, rank, what="axis"):
    """`axis` in [-rank, rank) made non-negative.

    Raises:
      ValueError: naming the op when `axis` is out of range.
    """
    if not -rank <= axis < rank:
        raise ValueError("%s %d is out of range for a tensor of rank %d: expected in [%d, %d) "
                         "for '%s' (op: '%s') with input shapes: %s."
                         % (what, axis, rank, -rank, rank, op.name, op.type, input_shapes(op)))
    return axis % rank if rank else axis
