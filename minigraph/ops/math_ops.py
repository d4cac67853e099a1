"""Math ops: the binary-op machinery, broadcasting gradients, and the Tensor operators.

Binary ops follow TF1's dtype rule: both inputs must have the same dtype (no silent
upcasts); a Python/NumPy operand is converted to the tensor operand's dtype. Every
broadcasting gradient goes through `sum_to_shape`.

This module holds the shared machinery (dtype checks, broadcasting, `sum_to_shape`,
`add_n`) and the Tensor operators. The ops live in sibling modules, re-exported at the
bottom so `math_ops.add` works as in TF1: `arithmetic_ops` (add, multiply, truediv, pow,
maximum, ...), `unary_ops` (neg, exp, sigmoid, cast, ...), `reduction_ops` (reduce_*),
`argmax_ops`, `scan_ops` (cumsum, cumprod), `comparison_ops` (equal, logical_*, where),
`matmul_ops` (matmul, tensordot) and `clip_ops`.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, make_op, static_value
from minigraph.ops.kernels import elementwise

FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
NUMERIC = FLOATS + INTS

# Folding values at graph time is for shape arithmetic (small int/bool tensors); float math
# and big tensors are left to the session, so graph construction never does real work and
# long chains of ops are never re-evaluated recursively.
_STATIC_LIMIT = 1000


def check_dtype(op, t, arg, allowed):
    """Raise TF1's TypeError unless input `t` (parameter `arg` of `op`) has an allowed dtype."""
    if t.dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed "
                        "values: %s (input %s of '%s', op: '%s')"
                        % (arg, t.dtype.name, ", ".join(d.name for d in allowed), t.name,
                           op.name, op.type))


def check_same_dtype(op, x, y, xarg="x", yarg="y"):
    if x.dtype != y.dtype:
        raise TypeError("Input '%s' of '%s' Op has type %s that does not match type %s of "
                        "argument '%s' (op '%s': %s is %s, %s is %s)."
                        % (yarg, op.type, y.dtype.name, x.dtype.name, xarg, op.name,
                           x.name, x.dtype.name, y.name, y.dtype.name))


def static_inputs(op):
    """The static values of `op`'s inputs when each is known and small and the op computes
    integers or bools, else None."""
    out = op.outputs[0].dtype
    if not (out.is_integer or out.is_bool):
        return None
    vals = []
    for t in op.inputs:
        if t.shape.num_elements() is None or t.shape.num_elements() > _STATIC_LIMIT:
            return None
        v = static_value(t)
        if v is None:
            return None
        vals.append(np.asarray(v))
    return vals


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


def _is_tensor(v):
    return isinstance(v, _graph.Tensor) or hasattr(v, "_as_graph_element")


def binary_inputs(op_type, x, y, names=("x", "y")):
    """Convert a binary op's operands with TF1's dtype rule (Consts named by `names`).

    Call inside the op's name scope. A non-tensor operand takes the tensor operand's dtype.

    Raises:
      TypeError: if both are tensors of different dtypes, or a value does not fit.
    """
    if _is_tensor(x) or not _is_tensor(y):
        x = _graph.convert_to_tensor(x, name=names[0])
        y = _convert_like(y, x, op_type, names[1])
    else:
        y = _graph.convert_to_tensor(y, name=names[1])
        x = _convert_like(x, y, op_type, names[0])
    return x, y


def _convert_like(value, other, op_type, arg):
    if _is_tensor(value):
        return _graph.convert_to_tensor(value)
    try:
        return _graph.convert_to_tensor(value, dtype=other.dtype, name=arg)
    except (TypeError, ValueError) as e:
        raise TypeError("Input '%s' of '%s' Op: cannot convert %r to %s, the dtype of the other "
                        "operand %s (%s)" % (arg, op_type, value, other.dtype.name, other.name, e))


class _Binary(Op):
    """Elementwise binary op with broadcasting; output dtype = input dtype.

    An op computed by one NumPy ufunc (or a function with a ufunc's `out=` contract)
    names it as `ufunc` and runs through `kernels.elementwise.apply`: large inputs are
    computed on several threads into a recycled buffer, a result broadcast along the
    innermost axis once and copied out, anything else by a direct call (what most runs
    pay is a size and layout check). Other ops override `kernel`.
    """

    abstract = True
    type = None
    allowed = NUMERIC
    ufunc = None

    def infer(self, op):
        x, y = op.inputs
        check_dtype(op, x, "x", self.allowed)
        check_same_dtype(op, x, y)
        return [(self.out_dtype(x.dtype), broadcast_static_shape(op, x.shape, y.shape))]

    def out_dtype(self, dtype):
        return dtype

    def kernel(self, x, y):
        # Small inputs that are no broadcast views (those own their memory, or are
        # contiguous), most calls: the direct call, without `apply`'s checks (a 200-op
        # chain of [16] vectors: ~90 against ~135 us a run).
        if (x.size < elementwise.MIN_PARALLEL_SIZE and y.size < elementwise.MIN_PARALLEL_SIZE
                and (x.base is None or x.flags.c_contiguous)
                and (y.base is None or y.flags.c_contiguous)):
            return self.ufunc(x, y)
        return elementwise.apply(self.ufunc, (x, y))

    def compute(self, op, x, y):
        # inf - inf, 0 * inf, overflow give NaN/inf silently, as in TF1: the runtime sets
        # np.errstate once per run (see registry.Op.compute).
        return np.asarray(self.kernel(x, y))

    def static_value(self, op):
        vals = static_inputs(op)
        if vals is None:
            return None
        try:
            return self.compute(op, *vals)
        except ValueError:
            # e.g. an integer division by zero: left for the session to report at run time.
            return None


def _binary(op_type, x, y, name, default_name=None):
    with _graph.name_scope(name, default_name or op_type, [x, y]) as scope:
        x, y = binary_inputs(op_type, x, y)
        return make_tensor(op_type, [x, y], None, scope)


# -- broadcasting gradients -----------------------------------------------------------------------
class BroadcastGradientArgs(Op):
    """For shapes s0, s1 broadcast together: the axes each must be summed over (r0, r1)."""

    not_differentiable = True

    def infer(self, op):
        s0, s1 = op.inputs
        for t in (s0, s1):
            check_dtype(op, t, "s0", (dtypes.int32, dtypes.int64))
            if t.shape.ndims not in (None, 1):
                raise ValueError("Shape must be rank 1 but is rank %d for '%s' (op: '%s') with "
                                 "input shapes: %s, %s." % (t.shape.ndims, op.name, op.type,
                                                            _ts.shape_str(s0.shape),
                                                            _ts.shape_str(s1.shape)))
        return [(s0.dtype, [None]), (s0.dtype, [None])]

    @staticmethod
    def _kernel(s0, s1, dtype):
        s0, s1 = [int(d) for d in s0], [int(d) for d in s1]
        n = max(len(s0), len(s1))
        a = [1] * (n - len(s0)) + s0
        b = [1] * (n - len(s1)) + s1
        r0, r1 = [], []
        for i, (da, db) in enumerate(zip(a, b)):
            if da != db and da != 1 and db != 1:
                raise ValueError("Incompatible shapes: %s vs. %s" % (s0, s1))
            # A size-1 dim on both sides is summed too (harmless), as TF1 does.
            if da == 1:
                r0.append(i)
            if db == 1:
                r1.append(i)
        return np.array(r0, dtype=dtype), np.array(r1, dtype=dtype)

    def compute(self, op, s0, s1):
        return self._kernel(s0, s1, s0.dtype)

    def static_value_at(self, op, index):
        vals = [static_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return self._kernel(vals[0], vals[1], op.inputs[0].dtype.as_numpy_dtype)[index]

    def static_value(self, op):
        return self.static_value_at(op, 0)


def broadcast_gradient_args(s0, s1, name=None):
    """The reduction axes `(r0, r1)` for the gradients of two broadcast operands.

    Args:
      s0: int32/int64 vector, the shape of the first operand.
      s1: int32/int64 vector, the shape of the second operand.

    Returns:
      Two int vectors: the axes of the broadcast shape to sum for each operand.
    """
    with _graph.name_scope(name, "BroadcastGradientArgs", [s0, s1]) as scope:
        s0 = _graph.convert_to_tensor(s0, name="s0")
        s1 = _graph.convert_to_tensor(s1, dtype=s0.dtype, name="s1")
        return tuple(make_op("BroadcastGradientArgs", [s0, s1], None, scope).outputs)


def _static_sum_axes(grad_shape, x_shape, other_shape=None):
    """(leading axes, kept axes) to sum `grad` over to get `x`'s shape, or None if unknown.

    `other_shape`, when given, is the shape of the operand `x` was broadcast against: an
    unknown dim of `x` facing a missing or size-1 dim of the other operand was not
    broadcast, so `x + b` with x `[None, 3]` and b `[3]` needs no run-time shape logic.
    """
    if grad_shape.ndims is None or x_shape.ndims is None or grad_shape.ndims < x_shape.ndims:
        return None
    lead = grad_shape.ndims - x_shape.ndims
    kept = []
    for i, d in enumerate(x_shape.as_list()):
        g = grad_shape[lead + i].value
        if d == 1:
            if g != 1:
                kept.append(lead + i)
        elif d is None and g != 1 and not _faces_one(other_shape, grad_shape.ndims, lead + i):
            return None
    return list(range(lead)), kept


def _faces_one(other_shape, ndims, axis):
    if other_shape is None or other_shape.ndims is None or other_shape.ndims > ndims:
        return False
    offset = ndims - other_shape.ndims
    return axis < offset or other_shape[axis - offset].value == 1


def sum_to_shape(grad, x, other=None):
    """`grad` summed over the axes along which `x` was broadcast, so it has `x`'s shape.

    The gradient of every broadcasting op goes through here. With static shapes it adds
    at most two `Sum` ops (none when nothing was broadcast); otherwise it reduces over the
    axes a `BroadcastGradientArgs` of the two `Shape`s finds, then reshapes to `shape(x)`.

    Args:
      grad: the gradient, of the broadcast shape `[..., d0, ..., dn-1]`.
      x: the operand whose shape the result must have.
      other: optionally, the operand `x` was broadcast against elementwise (so that `grad`
        has the shape of their broadcast); it lets more cases be resolved statically.

    Returns:
      A tensor of `x`'s shape.
    """
    axes = _static_sum_axes(grad.shape, x.shape, None if other is None else other.shape)
    if axes is not None:
        lead, kept = axes
        if kept:
            grad = reduce_sum(grad, kept, keepdims=True)
        if lead:
            grad = reduce_sum(grad, lead)
        return grad
    from minigraph.ops import array_ops
    sx = array_ops.shape(x)
    rx, _ = broadcast_gradient_args(sx, array_ops.shape(grad))
    out = array_ops.reshape(reduce_sum(grad, rx), sx)
    out.set_shape(x.shape)
    return out


# -- AddN -----------------------------------------------------------------------------------------
class AddN(Op):
    """The elementwise sum of N tensors of one dtype and shape (no broadcasting)."""

    def infer(self, op):
        first = op.inputs[0]
        check_dtype(op, first, "inputs", NUMERIC)
        shape = _ts.unknown_shape()
        for t in op.inputs:
            check_same_dtype(op, first, t, "inputs[0]", "inputs")
            try:
                shape = shape.merge_with(t.shape)
            except ValueError:
                raise ValueError("Shapes must be equal for all inputs of '%s' (op: '%s'), got "
                                 "input shapes: %s." % (op.name, op.type, ", ".join(
                                     _ts.shape_str(s.shape) for s in op.inputs)))
        return [(first.dtype, shape)]

    def compute(self, op, *xs):
        out = np.array(xs[0], copy=True)
        for x in xs[1:]:
            if x.shape != out.shape:
                raise ValueError("Inputs to operation AddN must have the same size and shape. "
                                 "Input 0: %s != input: %s" % (list(out.shape), list(x.shape)))
            out += x
        return out

    def gradient(self, op, grad):
        return [grad] * len(op.inputs)


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of the same dtype and shape (op `AddN`).

    Args:
      inputs: a non-empty list of tensors, each of shape `[d0, ..., dn-1]`.
      name: op name (default "AddN").

    Returns:
      A tensor of shape `[d0, ..., dn-1]`. A one-element list returns that element (no
      op), as TF1 does.

    Raises:
      ValueError: if `inputs` is empty or not a list, or the shapes differ.
      TypeError: if the dtypes differ.
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("inputs must be a non-empty list of tensors with the same shape and "
                         "type, got %r" % (inputs,))
    if len(inputs) == 1:
        t = _graph.convert_to_tensor(inputs[0])
        if name:
            from minigraph.ops import array_ops
            return array_ops.identity(t, name=name)
        return t
    with _graph.name_scope(name, "AddN", inputs) as scope:
        ts = [_graph.convert_to_tensor(t, name="inputs_%d" % i) for i, t in enumerate(inputs)]
        return make_tensor("AddN", ts, None, scope)


# -- operators on Tensor --------------------------------------------------------------------------
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


def _logical_operator(logical_fn, symbol):
    # TF1 maps & | ^ on bool tensors to logical ops (and on ints to bitwise ops, which
    # minigraph does not have).
    def fn(x, y, name=None):
        t = _graph.convert_to_tensor(x if _is_tensor(x) else y)
        if t.dtype != dtypes.bool:
            raise TypeError("Operator %s is only defined for bool tensors, got %s of dtype %s"
                            % (symbol, t.name, t.dtype.name))
        return logical_fn(x, y, name=name)
    return fn


def _install_operators():
    from minigraph.ops import comparison_ops as cmp
    from minigraph.ops import matmul_ops
    from minigraph.ops import unary_ops
    for name, fn, op_name in [("add", add, "add"), ("sub", subtract, "sub"),
                              ("mul", multiply, "mul"), ("truediv", truediv, "truediv"),
                              ("floordiv", floordiv, "floordiv"), ("mod", floormod, "mod"),
                              ("pow", pow, "pow"), ("matmul", matmul_ops.matmul, "matmul"),
                              ("and", _logical_operator(cmp.logical_and, "&"), "and"),
                              ("or", _logical_operator(cmp.logical_or, "|"), "or"),
                              ("xor", _logical_operator(cmp.logical_xor, "^"), "xor")]:
        f, r = _binary_operator(fn, op_name)
        _override("__%s__" % name, f)
        _override("__r%s__" % name, r)
    _override("__neg__", lambda x: unary_ops.negative(x))
    _override("__abs__", lambda x: unary_ops.abs(x))
    _override("__invert__", lambda x: cmp.logical_not(x))
    _override("__lt__", lambda x, y: cmp.less(x, y))
    _override("__le__", lambda x, y: cmp.less_equal(x, y))
    _override("__gt__", lambda x, y: cmp.greater(x, y))
    _override("__ge__", lambda x, y: cmp.greater_equal(x, y))


# The math namespace (imported last: these modules use the helpers above).
from minigraph.ops.arithmetic_ops import (  # noqa: E402,F401
    Add, add, subtract, multiply, realdiv, maximum, minimum, floordiv, floor_div, floormod, mod,
    pow, truediv, divide, scalar_mul)
from minigraph.ops.unary_ops import (  # noqa: E402,F401
    negative, neg, abs, sign, square, sqrt, rsqrt, exp, log, log1p, reciprocal, sigmoid, tanh,
    cast, to_float, to_double, to_int32, to_int64)
from minigraph.ops.reduction_ops import (  # noqa: E402,F401
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_all, reduce_any,
    count_nonzero)
from minigraph.ops.argmax_ops import argmax, argmin  # noqa: E402,F401
from minigraph.ops.scan_ops import cumsum, cumprod  # noqa: E402,F401
from minigraph.ops.comparison_ops import (  # noqa: E402,F401
    equal, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or,
    logical_not, logical_xor, where)
from minigraph.ops.matmul_ops import matmul, tensordot  # noqa: E402,F401
from minigraph.ops.clip_ops import (  # noqa: E402,F401
    clip_by_value, clip_by_global_norm, global_norm)

_install_operators()
