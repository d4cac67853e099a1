"""Math ops: elementwise arithmetic with broadcasting, reductions, matmul, comparisons.

Binary ops follow TF1's dtype rule: both inputs must have the same dtype (no silent
upcasts); a Python/NumPy operand is converted to the tensor operand's dtype.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor


def broadcast_static_shape(op, shape_x, shape_y):
    """The NumPy-broadcast of two static shapes (None = unknown), for op `op`.

    Raises:
      ValueError: naming the op and both shapes when they cannot broadcast.
    """
    if shape_x.ndims is None or shape_y.ndims is None:
        return _ts.unknown_shape()
    xs, ys = shape_x.as_list(), shape_y.as_list()
    n = max(len(xs), len(ys))
    xs = [1] * (n - len(xs)) + xs
    ys = [1] * (n - len(ys)) + ys
    out = []
    for a, b in zip(xs, ys):
        if a == 1:
            out.append(b)
        elif b == 1:
            out.append(a)
        elif a is None:
            out.append(b)
        elif b is None or a == b:
            out.append(a)
        else:
            raise ValueError("Dimensions must be equal, but are %d and %d for '%s' (op: '%s') "
                             "with input shapes: %s, %s." % (a, b, op.name, op.type,
                                                             _ts.shape_str(shape_x),
                                                             _ts.shape_str(shape_y)))
    return _ts.TensorShape(out)


def binary_inputs(op_type, x, y):
    """Convert a binary op's operands with TF1's dtype rule.

    Raises:
      TypeError: if both are tensors of different dtypes, or a value does not fit.
    """
    x_is_t = isinstance(x, _graph.Tensor) or hasattr(x, "_as_graph_element")
    y_is_t = isinstance(y, _graph.Tensor) or hasattr(y, "_as_graph_element")
    if x_is_t or not y_is_t:
        x = _graph.convert_to_tensor(x)
        y = _convert_like(y, x, op_type, "y")
    else:
        y = _graph.convert_to_tensor(y)
        x = _convert_like(x, y, op_type, "x")
    if x.dtype != y.dtype:
        raise TypeError("Input 'y' of '%s' Op has type %s that does not match type %s of "
                        "argument 'x'." % (op_type, y.dtype.name, x.dtype.name))
    return x, y


def _convert_like(value, other, op_type, arg):
    if isinstance(value, _graph.Tensor) or hasattr(value, "_as_graph_element"):
        return _graph.convert_to_tensor(value)
    try:
        return _graph.convert_to_tensor(value, dtype=other.dtype)
    except (TypeError, ValueError) as e:
        raise TypeError("Input '%s' of '%s' Op: cannot convert %r to %s, the dtype of the other "
                        "operand %s (%s)" % (arg, op_type, value, other.dtype.name, other.name, e))


class _Binary(Op):
    """Elementwise binary op with broadcasting; output dtype = input dtype."""

    abstract = True
    type = None

    def infer(self, op):
        x, y = op.inputs
        return [(x.dtype, broadcast_static_shape(op, x.shape, y.shape))]


class Add(_Binary):
    """x + y."""

    def compute(self, op, x, y):
        return np.add(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(grad, x), sum_to_shape(grad, y)]


def add(x, y, name=None):
    """x + y elementwise, with NumPy broadcasting (op type `Add`)."""
    with _graph.name_scope(name, "Add", [x, y]) as scope:
        x, y = binary_inputs("Add", x, y)
        return make_tensor("Add", [x, y], None, scope)


def sum_to_shape(grad, x):
    """`grad` summed over the axes along which `x` was broadcast, reshaped to `x`'s shape.

    The gradient of every broadcasting op goes through here.
    """
    raise NotImplementedError  # filled in with reduce_sum/reshape (issue: math ops)


# -- operators on Tensor -------------------------------------------------------------------
def _override(name, fn):
    setattr(_graph.Tensor, name, fn)


def _binary_operator(fn, op_name):
    def forward(x, y):
        with _graph.name_scope(None, op_name, [x, y]) as scope:
            return fn(x, y, name=scope)

    def reverse(y, x):
        with _graph.name_scope(None, op_name, [x, y]) as scope:
            return fn(x, y, name=scope)
    return forward, reverse


for _name, _fn, _op_name in [("add", add, "add")]:
    _f, _r = _binary_operator(_fn, _op_name)
    _override("__%s__" % _name, _f)
    _override("__r%s__" % _name, _r)
