"""Math ops: elementwise arithmetic with broadcasting, and the Tensor operators.

Binary ops follow TF1's dtype rule: both inputs must have the same dtype (no silent
upcasts); a Python/NumPy operand is converted to the tensor operand's dtype. Every
broadcasting gradient goes through `sum_to_shape`.

The rest of the math namespace lives in sibling modules, re-exported at the bottom so
`math_ops.reduce_sum` works as in TF1: `unary_ops` (neg, exp, sigmoid, cast, ...),
`reduction_ops` (reduce_*, arg*, cumsum), `comparison_ops` (equal, logical_*, where),
`matmul_ops` (matmul, tensordot) and `clip_ops`.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor, make_op, static_value

FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
NUMERIC = FLOATS + INTS

# Folding values at graph time is for shape arithmetic; big constants are left to the
# session so graph construction never does real work.
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
    """The static values of all of `op`'s inputs when each is known and small, else None."""
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
    """Elementwise binary op with broadcasting; output dtype = input dtype."""

    abstract = True
    type = None
    allowed = NUMERIC

    def infer(self, op):
        x, y = op.inputs
        check_dtype(op, x, "x", self.allowed)
        check_same_dtype(op, x, y)
        return [(self.out_dtype(x.dtype), broadcast_static_shape(op, x.shape, y.shape))]

    def out_dtype(self, dtype):
        return dtype

    def kernel(self, x, y):
        raise NotImplementedError

    def compute(self, op, x, y):
        return np.asarray(self.kernel(x, y))

    def static_value(self, op):
        vals = static_inputs(op)
        if vals is None:
            return None
        with np.errstate(all="ignore"):
            return np.asarray(self.kernel(*vals), dtype=op.outputs[0].dtype.as_numpy_dtype)


def _binary(op_type, x, y, name, default_name=None):
    with _graph.name_scope(name, default_name or op_type, [x, y]) as scope:
        x, y = binary_inputs(op_type, x, y)
        return make_tensor(op_type, [x, y], None, scope)


# -- broadcasting gradients ---------------------------------------------------------------------
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


def _static_sum_axes(grad_shape, x_shape):
    """(leading axes, kept axes) to sum `grad` over to get `x`'s shape, or None if unknown."""
    if grad_shape.ndims is None or x_shape.ndims is None or grad_shape.ndims < x_shape.ndims:
        return None
    lead = grad_shape.ndims - x_shape.ndims
    kept = []
    for i, d in enumerate(x_shape.as_list()):
        g = grad_shape[lead + i].value
        if d == 1:
            if g != 1:
                kept.append(lead + i)
        elif d is None and g != 1:
            return None
    return list(range(lead)), kept


def sum_to_shape(grad, x):
    """`grad` summed over the axes along which `x` was broadcast, so it has `x`'s shape.

    The gradient of every broadcasting op goes through here. With static shapes it adds
    at most two `Sum` ops (none when nothing was broadcast); otherwise it reduces over the
    axes a `BroadcastGradientArgs` of the two `Shape`s finds, then reshapes to `shape(x)`.

    Args:
      grad: the gradient, of the broadcast shape `[..., d0, ..., dn-1]`.
      x: the operand whose shape the result must have.

    Returns:
      A tensor of `x`'s shape.
    """
    axes = _static_sum_axes(grad.shape, x.shape)
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


# -- elementwise binary arithmetic ----------------------------------------------------------------
class Add(_Binary):
    """x + y."""

    def kernel(self, x, y):
        return np.add(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(grad, x), sum_to_shape(grad, y)]


class Sub(_Binary):
    """x - y."""

    def kernel(self, x, y):
        return np.subtract(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(grad, x), sum_to_shape(negative(grad), y)]


class Mul(_Binary):
    """x * y."""

    def kernel(self, x, y):
        return np.multiply(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return [sum_to_shape(multiply(grad, y), x), sum_to_shape(multiply(x, grad), y)]


class RealDiv(_Binary):
    """x / y for floating-point x, y."""

    allowed = FLOATS

    def kernel(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        gy = multiply(grad, realdiv(realdiv(negative(x), y), y))
        return [sum_to_shape(realdiv(grad, y), x), sum_to_shape(gy, y)]


def _int_zero_check(y):
    if np.any(y == 0):
        raise ValueError("Integer division by zero")


class FloorDiv(_Binary):
    """floor(x / y); integer division by zero is an error, as in TF1."""

    def kernel(self, x, y):
        if x.dtype.kind in "iu":
            _int_zero_check(y)
            return np.floor_divide(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor(np.true_divide(x, y))

    def static_value(self, op):
        try:
            return super().static_value(op)
        except ValueError:
            return None

    # TF1 defines FloorDiv's gradient as None for both inputs (it is piecewise constant).
    def gradient(self, op, grad):
        return [None, None]


class FloorMod(_Binary):
    """x - floor(x / y) * y: the remainder with the sign of y (Python's %)."""

    def kernel(self, x, y):
        if x.dtype.kind in "iu":
            _int_zero_check(y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.mod(x, y)

    def static_value(self, op):
        try:
            return super().static_value(op)
        except ValueError:
            return None

    def gradient(self, op, grad):
        x, y = op.inputs
        gy = multiply(grad, negative(floordiv(x, y)))
        return [sum_to_shape(grad, x), sum_to_shape(gy, y)]


class Pow(_Binary):
    """x ** y; integers to negative integer powers are an error, as in TF1."""

    def kernel(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(x, y)

    def static_value(self, op):
        try:
            return super().static_value(op)
        except ValueError:
            return None

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.comparison_ops import greater, where
        from minigraph.ops.unary_ops import log
        x, y = op.inputs
        z = op.outputs[0]
        gx = multiply(multiply(grad, y), pow(x, subtract(y, array_ops.ones_like(y))))
        # log(x) only where x > 0, so the y-gradient is 0 (not NaN) at x <= 0, as TF1.
        mask = greater(x, array_ops.zeros_like(x))
        safe_x = where(mask, x, array_ops.ones_like(x))
        log_x = where(mask, log(safe_x), array_ops.zeros_like(x))
        gy = multiply(multiply(grad, z), log_x)
        return [sum_to_shape(gx, x), sum_to_shape(gy, y)]


class _MaxMin(_Binary):
    abstract = True
    type = None
    allowed = FLOATS + (dtypes.int32, dtypes.int64, dtypes.int16, dtypes.int8, dtypes.uint8,
                        dtypes.uint16)

    def gradient(self, op, grad):
        from minigraph.ops import array_ops
        from minigraph.ops.comparison_ops import greater_equal, less_equal, where
        x, y = op.inputs
        # Ties send the whole gradient to x, as TF1's _MaximumMinimumGrad does.
        xmask = (greater_equal if op.type == "Maximum" else less_equal)(x, y)
        # xmask has the broadcast shape of x and y, which is grad's shape.
        zeros = array_ops.zeros_like(grad)
        gx = where(xmask, grad, zeros)
        gy = where(xmask, zeros, grad)
        return [sum_to_shape(gx, x), sum_to_shape(gy, y)]


class Maximum(_MaxMin):
    """max(x, y) elementwise."""

    def kernel(self, x, y):
        return np.maximum(x, y)


class Minimum(_MaxMin):
    """min(x, y) elementwise."""

    def kernel(self, x, y):
        return np.minimum(x, y)


def add(x, y, name=None):
    """x + y elementwise, with NumPy broadcasting (op type `Add`).

    Args:
      x: a numeric tensor (or value), broadcastable with `y`.
      y: a tensor (or value) of `x`'s dtype.
      name: op name (default "Add").

    Returns:
      A tensor of the broadcast shape and `x`'s dtype.

    Raises:
      TypeError: if the dtypes differ or are not numeric.
      ValueError: if the shapes cannot broadcast.
    """
    return _binary("Add", x, y, name)


def subtract(x, y, name=None):
    """x - y elementwise, with broadcasting (op type `Sub`; see `add` for Args/Raises)."""
    return _binary("Sub", x, y, name)


def multiply(x, y, name=None):
    """x * y elementwise, with broadcasting (op type `Mul`; see `add` for Args/Raises)."""
    return _binary("Mul", x, y, name)


def realdiv(x, y, name=None):
    """x / y for floating-point tensors, with broadcasting (op type `RealDiv`)."""
    return _binary("RealDiv", x, y, name)


def maximum(x, y, name=None):
    """max(x, y) elementwise, with broadcasting (op type `Maximum`).

    The gradient goes to `x` where x >= y and to `y` elsewhere (ties favour x, as TF1).
    """
    return _binary("Maximum", x, y, name)


def minimum(x, y, name=None):
    """min(x, y) elementwise, with broadcasting (op type `Minimum`; ties favour x)."""
    return _binary("Minimum", x, y, name)


def floordiv(x, y, name=None):
    """floor(x / y) elementwise, with broadcasting (op type `FloorDiv`, default name "floordiv").

    Integer division by zero raises InvalidArgumentError at run time, as in TF1.
    """
    return _binary("FloorDiv", x, y, name, "floordiv")


floor_div = floordiv


def floormod(x, y, name=None):
    """x mod y with the sign of y (Python's %), with broadcasting (op type `FloorMod`)."""
    return _binary("FloorMod", x, y, name)


mod = floormod


def pow(x, y, name=None):  # noqa: A001 - TF1 name
    """x ** y elementwise, with broadcasting (op type `Pow`).

    Args:
      x: a numeric tensor.
      y: a tensor of `x`'s dtype, broadcastable with `x`.
      name: op name (default "Pow").

    Returns:
      A tensor of the broadcast shape. Integers to negative powers raise
      InvalidArgumentError at run time, as in TF1.
    """
    return _binary("Pow", x, y, name)


_TRUEDIV_CAST = {dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32,
                 dtypes.uint16: dtypes.float32, dtypes.int16: dtypes.float32,
                 dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64}


def truediv(x, y, name=None):
    """x / y with Python 3 semantics: integers are cast to floats first (op `RealDiv`).

    As in TF1, int8/int16/uint8/uint16 become float32 and int32/int64 become float64.

    Args:
      x: a numeric tensor.
      y: a tensor (or value) of `x`'s dtype.
      name: op name (default "truediv").

    Returns:
      A floating-point tensor of the broadcast shape.

    Raises:
      TypeError: if the dtypes differ or are bool.
    """
    from minigraph.ops.unary_ops import cast
    with _graph.name_scope(name, "truediv", [x, y]) as scope:
        x, y = binary_inputs("RealDiv", x, y)
        if x.dtype != y.dtype:
            raise TypeError("x and y must have the same dtype, got %s != %s (x: %s, y: %s)"
                            % (x.dtype.name, y.dtype.name, x.name, y.name))
        if x.dtype not in NUMERIC:
            raise TypeError("Invalid dtype %s in __truediv__ (x: %s)" % (x.dtype.name, x.name))
        target = _TRUEDIV_CAST.get(x.dtype)
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return make_tensor("RealDiv", [x, y], None, scope)


def divide(x, y, name=None):
    """x / y with Python 3 semantics (TF1's `divide`: the `/` operator, named "truediv")."""
    return truediv(x, y, name=name)


def scalar_mul(scalar, x, name=None):
    """scalar * x, for a scalar `scalar` (op type `Mul`).

    Raises:
      ValueError: if `scalar` is not a scalar.
    """
    x = _graph.convert_to_tensor(x)
    scalar = _graph.convert_to_tensor(scalar, dtype=x.dtype, name="scalar")
    if scalar.shape.ndims != 0:
        raise ValueError("Only scalar multiply works, got shape %s for %s"
                         % (_ts.shape_str(scalar.shape), scalar.name))
    return make_tensor("Mul", [scalar, x], None, name or "Mul")


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


# The rest of the math namespace (imported last: these modules use the helpers above).
from minigraph.ops.unary_ops import (  # noqa: E402,F401
    negative, neg, abs, sign, square, sqrt, rsqrt, exp, log, log1p, reciprocal, sigmoid, tanh,
    cast, to_float, to_double, to_int32, to_int64)
from minigraph.ops.reduction_ops import (  # noqa: E402,F401
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_all, reduce_any,
    argmax, argmin, cumsum, cumprod, count_nonzero)
from minigraph.ops.comparison_ops import (  # noqa: E402,F401
    equal, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or,
    logical_not, logical_xor, where)
from minigraph.ops.matmul_ops import matmul, tensordot  # noqa: E402,F401
from minigraph.ops.clip_ops import clip_by_value, clip_by_global_norm, global_norm  # noqa: E402,F401

_install_operators()
