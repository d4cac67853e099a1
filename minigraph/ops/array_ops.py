"""Array ops: placeholders, identity, shapes, reshaping, slicing, joining, gathering."""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, make_op


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

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, op, x):
        return x

    def static_value(self, op):
        from minigraph.framework.registry import static_value
        return static_value(op.inputs[0])

    def gradient(self, op, grad):
        return [grad]


def identity(input, name=None):  # noqa: A002
    """A tensor with the same value as `input` (a new op, so it can carry a name or deps)."""
    x = _graph.convert_to_tensor(input)
    return make_tensor("Identity", [x], None, name)
