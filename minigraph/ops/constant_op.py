"""Constants, and the conversion of Python/NumPy values into tensors (TF1 dtype rules)."""
import numbers

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor


def _infer_python_dtype(value):
    """TF1's choice for Python values: float -> float32, int -> int32 (int64 if it must)."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return dtypes.float32
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < -2**31 or arr.max() >= 2**31):
            return dtypes.int64
        return dtypes.int32
    if arr.dtype.kind == "b":
        return dtypes.bool
    raise TypeError("Cannot convert %r to a tensor: unsupported element type %s"
                    % (value, arr.dtype))


def to_numpy(value, dtype=None, what="value"):
    """`value` as a NumPy array of `dtype` (a DType or None), refusing lossy conversions.

    Raises:
      TypeError: if the value does not fit `dtype` (e.g. 1.5 for int32) or is not numeric.
      ValueError: if the value is ragged.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if dtype is None:
            if arr.dtype.kind not in "fiub":
                raise TypeError("Cannot convert %s of NumPy dtype %s to a tensor" % (what, arr.dtype))
            return arr
    else:
        try:
            arr = np.asarray(value)
        except ValueError as e:
            raise ValueError("Cannot convert %s %r to a tensor: %s" % (what, value, e))
        if arr.dtype.kind == "O":
            raise ValueError("Cannot convert %s %r to a tensor: it is ragged or holds non-numbers"
                             % (what, value))
        if arr.dtype.kind not in "fiub":
            raise TypeError("Cannot convert %s %r to a tensor of %s" % (what, value, dtype or "numbers"))
        if dtype is None:
            dtype = _infer_python_dtype(arr) if arr.size else dtypes.float32
    np_dtype = dtype.as_numpy_dtype
    if arr.dtype == np_dtype:
        return arr
    kind = np.dtype(np_dtype).kind
    if kind in "iu" and arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.trunc(arr)):
            raise TypeError("Expected %s, got %s of type '%s' instead."
                            % (dtype.name, _short(value), type(value).__name__))
    if kind in "iu" and arr.dtype.kind in "iu" and arr.size:
        info = np.iinfo(np_dtype)
        if arr.min() < info.min or arr.max() > info.max:
            raise TypeError("Value %s is out of range for %s" % (_short(value), dtype.name))
    if kind == "b" and arr.dtype.kind != "b":
        raise TypeError("Expected bool, got %s of type '%s' instead." % (_short(value), type(value).__name__))
    if kind != "b" and arr.dtype.kind == "b" and not isinstance(value, np.ndarray):
        raise TypeError("Expected %s, got %s of type '%s' instead."
                        % (dtype.name, _short(value), type(value).__name__))
    return arr.astype(np_dtype)


def _short(value):
    s = repr(value)
    return s if len(s) < 60 else s[:57] + "..."


class Const(Op):
    """A constant tensor; its value lives in the graph (attr `value`)."""

    def infer(self, op):
        v = op.attrs["value"]
        return [(op.attrs["dtype"], v.shape)]

    def compute(self, op):
        return op.attrs["value"]

    def static_value(self, op):
        return op.attrs["value"]

    not_differentiable = True


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A constant tensor holding `value` (a Python or NumPy value).

    Args:
      value: a number, a (nested) list, or a NumPy array.
      dtype: the element type; inferred (float -> float32, int -> int32) when None.
      shape: optional target shape; `value` fills it in order, its last element repeated
        if it is short (TF1's rule: `constant([1, 2], shape=[3])` is `[1, 2, 2]`).
      name: the op name.
      verify_shape: require `value` to have exactly `shape`.

    Raises:
      TypeError: if `value` does not fit `dtype`.
      ValueError: if `value` has more elements than `shape`.
    """
    arr = to_numpy(value, dtype)
    if dtype is None:
        dtype = dtypes.as_dtype(arr.dtype)
    else:
        dtype = dtypes.as_dtype(dtype)
    if shape is not None:
        shape = _ts.as_shape(shape)
        if not shape.is_fully_defined():
            raise ValueError("constant %r: shape %s must be fully defined" % (name, shape))
        target = tuple(shape.as_list())
        if verify_shape and arr.shape != target:
            raise TypeError("Expected Tensor's shape: %s, got %s." % (target, arr.shape))
        if arr.shape != target:
            if arr.size == 1:
                arr = np.full(target, arr.reshape(()), dtype=arr.dtype)
            elif arr.size == int(np.prod(target)):
                arr = arr.reshape(target)
            elif 0 < arr.size < int(np.prod(target)):
                flat = arr.ravel()
                pad = np.repeat(flat[-1:], int(np.prod(target)) - flat.size)
                arr = np.concatenate([flat, pad]).reshape(target)
            else:
                raise ValueError("constant %r: %d values do not fit shape %s (%d elements)"
                                 % (name, arr.size, list(target), int(np.prod(target))))
    # Constants are shared by every run and never copied; make that safe.
    arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    return make_tensor("Const", [], {"value": arr, "dtype": dtype}, name)


def _convert_base(value, dtype=None, name=None):
    if isinstance(value, (_ts.TensorShape, _ts.Dimension)):
        # TF1 converts a fully known shape to an int32 vector (a Dimension to a scalar).
        dims = [value] if isinstance(value, _ts.Dimension) else value.dims
        if dims is None or any(d.value is None for d in dims):
            raise ValueError("Cannot convert a partially known %s to a Tensor: %s"
                             % (type(value).__name__, value))
        vals = [d.value for d in dims]
        return constant(vals[0] if isinstance(value, _ts.Dimension) else vals,
                        dtype=dtype or dtypes.int32, name=name or "Const")
    if not isinstance(value, (numbers.Number, np.ndarray, np.generic, list, tuple, bool)):
        raise TypeError("Cannot convert %r (type %s) to a Tensor" % (value, type(value).__name__))
    if isinstance(value, (list, tuple)) and any(isinstance(v, _graph.Tensor) or hasattr(v, "_as_graph_element")
                                                 for v in _flatten(value)):
        # A list holding tensors is packed, as TF1's convert_to_tensor does.
        from minigraph.ops import array_ops
        return array_ops.stack(value, name=name or "packed")
    return constant(value, dtype=dtype, name=name or "Const")


def _flatten(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


_graph._set_base_conversion(_convert_base)
