"""Binary arithmetic, broadcasting gradients (`sum_to_shape`), `add_n`, and operators."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigraph as mg
from minigraph.ops import math_ops
from tests.util import evaluate, gradient_error, rng


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


# -- sum_to_shape --------------------------------------------------------------------------------
@pytest.mark.parametrize("gshape,xshape", [
    ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 3], [1, 3]), ([2, 3], [2, 1]), ([4, 2, 3], [2, 1]),
    ([4, 2, 3], [1, 1, 1]), ([2, 3], []), ([5, 1, 3], [1, 1, 3])])
def test_sum_to_shape_static(gshape, xshape):
    g = rng().randn(*gshape)
    x = mg.zeros(xshape, mg.float64)
    out = math_ops.sum_to_shape(mg.constant(g), x)
    assert out.shape.as_list() == xshape
    lead = len(gshape) - len(xshape)
    ref = g.sum(axis=tuple(range(lead)))
    ref = ref.sum(axis=tuple(i for i, d in enumerate(xshape) if d == 1), keepdims=True)
    np.testing.assert_allclose(evaluate(out), ref.reshape(xshape))


def test_sum_to_shape_no_broadcast_adds_no_op():
    g = _ph([2, 3])
    assert math_ops.sum_to_shape(g, _ph([2, 3])) is g


def test_sum_to_shape_dynamic_uses_broadcast_gradient_args():
    g = _ph([None, None, 3])
    x = _ph([None, 3])
    out = math_ops.sum_to_shape(g, x)
    types = {op.type for op in mg.get_default_graph().get_operations()}
    assert "BroadcastGradientArgs" in types
    gv = rng().randn(4, 1, 3)
    np.testing.assert_allclose(evaluate(out, {g: gv, x: np.zeros((1, 3))}), gv.sum(0))
    gv = rng().randn(4, 5, 3)
    np.testing.assert_allclose(evaluate(out, {g: gv, x: np.zeros((5, 3))}), gv.sum(0))


def test_broadcast_gradient_args_values():
    r0, r1 = math_ops.broadcast_gradient_args([2, 3, 1], [3, 4])
    a, b = evaluate([r0, r1])
    np.testing.assert_array_equal(a, [2])
    np.testing.assert_array_equal(b, [0])
    s0 = mg.placeholder(mg.int32, [None])
    r0, _ = math_ops.broadcast_gradient_args(s0, [2, 3])
    with pytest.raises(mg.errors.InvalidArgumentError, match="Incompatible shapes"):
        evaluate(r0, {s0: [4, 3]})


def test_broadcast_gradient_args_static_value_is_folded():
    from minigraph.framework.registry import static_value
    r0, r1 = math_ops.broadcast_gradient_args([5, 1], [1, 7])
    np.testing.assert_array_equal(static_value(r0), [1])
    np.testing.assert_array_equal(static_value(r1), [0])


# -- add_n -----------------------------------------------------------------------------------------
def test_add_n_forward_and_names():
    vals = [rng(i).randn(2, 3).astype(np.float32) for i in range(3)]
    ts = [mg.constant(v) for v in vals]
    s = mg.add_n(ts)
    assert s.op.type == "AddN" and s.name == "AddN:0"
    out = evaluate(s)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, vals[0] + vals[1] + vals[2], rtol=1e-6)
    assert mg.add_n([ts[0]]) is ts[0]


def test_add_n_gradient():
    a, b = rng(1).randn(2, 3), rng(2).randn(2, 3)
    assert gradient_error(lambda x, y: mg.add_n([x, y, x]), a, b) < 1e-6


def test_add_n_errors():
    with pytest.raises(ValueError, match="AddN"):
        mg.add_n([_ph([2, 3]), _ph([3, 2])])
    with pytest.raises(TypeError):
        mg.add_n([_ph([2], mg.float32), _ph([2], mg.float64)])
    with pytest.raises(ValueError, match="non-empty"):
        mg.add_n([])
    a, b = _ph([None]), _ph([None])
    with pytest.raises(mg.errors.InvalidArgumentError, match="same size and shape"):
        evaluate(mg.add_n([a, b]), {a: [1.0, 2.0], b: [1.0]})


# -- elementwise binary arithmetic ---------------------------------------------------------------
# (function, NumPy reference, op type, default op name)
BINARY = [
    (mg.add, lambda a, b: a + b, "Add", "Add"),
    (mg.subtract, lambda a, b: a - b, "Sub", "Sub"),
    (mg.multiply, lambda a, b: a * b, "Mul", "Mul"),
    (mg.divide, lambda a, b: a / b, "RealDiv", "truediv"),
    (mg.truediv, lambda a, b: a / b, "RealDiv", "truediv"),
    (mg.floordiv, lambda a, b: np.floor(a / b), "FloorDiv", "floordiv"),
    (mg.mod, lambda a, b: a - np.floor(a / b) * b, "FloorMod", "FloorMod"),
    (mg.pow, lambda a, b: np.abs(a) ** b, "Pow", "Pow"),
    (mg.maximum, lambda a, b: np.where(a >= b, a, b), "Maximum", "Maximum"),
    (mg.minimum, lambda a, b: np.where(a <= b, a, b), "Minimum", "Minimum"),
]
SHAPES = [([2, 3], [2, 3]), ([2, 3], [3]), ([4, 1, 3], [2, 1]), ([], [2, 2]), ([3, 1], [1, 4])]


def _operands(sa, sb, fn):
    a = rng(1).uniform(0.5, 2.0, sa)
    b = rng(2).uniform(0.5, 2.0, sb) * rng(3).choice([-1, 1], sb)
    if fn is mg.pow:
        a = np.abs(a)
    return a, b


@pytest.mark.parametrize("fn,ref,op_type,op_name", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_forward_float32(fn, ref, op_type, op_name, sa, sb):
    a, b = _operands(sa, sb, fn)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    t = fn(mg.constant(a32), mg.constant(b32))
    assert t.op.type == op_type and t.op.name == op_name
    assert t.shape.as_list() == list(np.broadcast_shapes(tuple(sa), tuple(sb)))
    out = evaluate(t)
    assert isinstance(out, (np.ndarray, np.generic)) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref(a32, b32), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,ref,op_type,op_name",
                         [b for b in BINARY if b[0] is not mg.floordiv])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_gradient(fn, ref, op_type, op_name, sa, sb):
    a, b = _operands(sa, sb, fn)
    if fn is mg.mod:
        a, b = a + 0.15, np.abs(b) + 0.3  # away from the jumps of floor(a / b)
    assert gradient_error(fn, a, b) < 1e-6


def test_floordiv_has_no_gradient_like_tf1():
    x = _ph([3])
    assert mg.gradients(mg.floordiv(x, 2.0), x) == [None]


def test_binary_gradient_unknown_shapes():
    a, b = rng(1).randn(4, 2, 3), rng(2).randn(2, 1)
    pa, pb = mg.placeholder(mg.float64, None), mg.placeholder(mg.float64, [None, None])
    ga, gb = mg.gradients(pa * pb, [pa, pb])
    va, vb = evaluate([ga, gb], {pa: a, pb: b})
    np.testing.assert_allclose(va, np.broadcast_to(b, a.shape))
    np.testing.assert_allclose(vb, a.sum(axis=(0, 2)).reshape(2, 1))


def test_maximum_minimum_ties_send_gradient_to_x():
    x = mg.constant([1.0, 2.0, 3.0], mg.float64)
    y = mg.constant([1.0, 5.0, 0.0], mg.float64)
    gx, gy = evaluate(mg.gradients(mg.maximum(x, y), [x, y]))
    np.testing.assert_array_equal(gx, [1, 0, 1])
    np.testing.assert_array_equal(gy, [0, 1, 0])
    gx, gy = evaluate(mg.gradients(mg.minimum(x, y), [x, y]))
    np.testing.assert_array_equal(gx, [1, 1, 0])
    np.testing.assert_array_equal(gy, [0, 0, 1])


def test_pow_gradient_wrt_exponent_is_zero_for_nonpositive_base():
    x = mg.constant([0.0, -2.0, 2.0], mg.float64)
    y = mg.constant([2.0, 2.0, 2.0], mg.float64)
    gx, gy = evaluate(mg.gradients(mg.pow(x, y), [x, y]))
    np.testing.assert_allclose(gx, [0.0, -4.0, 4.0])
    np.testing.assert_allclose(gy, [0.0, 0.0, 4.0 * np.log(2.0)])


def test_integer_arithmetic_keeps_dtype_and_floors_like_python():
    a = mg.constant([-7, 7, -7, 7])
    b = mg.constant([2, 2, -3, -3])
    add, mul, fdiv, fmod = evaluate([a + b, a * b, a // b, a % b])
    for v in (add, mul, fdiv, fmod):
        assert v.dtype == np.int32
    np.testing.assert_array_equal(fdiv, [-4, 3, 2, -3])
    np.testing.assert_array_equal(fmod, [1, 1, -1, -2])
    fl = evaluate(mg.constant([-7.5, 7.5]) // mg.constant([2.0, -2.0]))
    np.testing.assert_array_equal(fl, [-4.0, -4.0])


def test_integer_division_by_zero_is_invalid_argument():
    with pytest.raises(mg.errors.InvalidArgumentError, match="division by zero"):
        evaluate(mg.constant([1, 2]) // mg.constant([1, 0]))
    with pytest.raises(mg.errors.InvalidArgumentError, match="division by zero"):
        evaluate(mg.constant([1, 2]) % mg.constant([0, 1]))
    with pytest.raises(mg.errors.InvalidArgumentError, match="negative integer powers"):
        evaluate(mg.constant([2]) ** mg.constant([-1]))


@pytest.mark.parametrize("dtype,out", [(mg.int32, np.float64), (mg.int64, np.float64),
                                       (mg.int16, np.float32), (mg.uint8, np.float32),
                                       (mg.float32, np.float32)])
def test_truediv_casts_integers_like_tf1(dtype, out):
    x = mg.constant([7, 8], dtype)
    t = x / mg.constant([2, 4], dtype)
    assert t.dtype.as_numpy_dtype == out and t.op.type == "RealDiv" and t.op.name == "truediv"
    np.testing.assert_allclose(evaluate(t), [3.5, 2.0])
    if dtype.is_integer:
        assert [i.op.type for i in t.op.inputs] == ["Cast", "Cast"]


def test_truediv_of_bool_is_type_error():
    with pytest.raises(TypeError, match="truediv"):
        mg.constant([True]) / mg.constant([True])


def test_dtype_mismatch_is_type_error_naming_op():
    with pytest.raises(TypeError, match="Add"):
        mg.add(_ph([2], mg.float32), _ph([2], mg.float64))
    with pytest.raises(TypeError):
        _ph([2], mg.int32) + 1.5
    with pytest.raises(TypeError, match="bool"):
        mg.add(mg.constant([True]), mg.constant([False]))


def test_incompatible_shapes_is_value_error_naming_op_and_shapes():
    with pytest.raises(ValueError, match=r"'bad'.*\[2,3\], \[4\]"):
        mg.multiply(_ph([2, 3]), _ph([4]), name="bad")
    with pytest.raises(ValueError, match=r"'sub'"):
        _ph([2, 3]) - _ph([2, 2])


def test_scalar_mul():
    x = mg.constant([[1.0, 2.0]])
    t = mg.scalar_mul(3.0, x)
    assert t.op.type == "Mul" and t.op.inputs[0].name == "scalar:0"
    np.testing.assert_allclose(evaluate(t), [[3.0, 6.0]])
    with pytest.raises(ValueError, match="scalar"):
        mg.scalar_mul([1.0, 2.0], x)


def test_python_operand_takes_tensor_dtype_and_tf1_const_names():
    x = _ph([2], mg.float64, name="x")
    t = 2 - x
    assert t.op.name == "sub" and t.op.inputs[0].name == "sub/x:0"
    assert t.op.inputs[0].dtype == mg.float64
    t = mg.add(x, 1)
    assert t.op.inputs[1].name == "Add/y:0"


def test_static_value_folds_shape_arithmetic():
    from minigraph.framework.registry import static_value
    x = _ph([4, 6])
    n = mg.shape(x)[0] * 3 + 1
    assert int(static_value(n)) == 13
    r = mg.reshape(x, [mg.shape(x)[1] // 2, -1])
    assert r.shape.as_list() == [3, 8]
    assert static_value(x + 1.0) is None


# -- Tensor operators ----------------------------------------------------------------------------
OPERATORS = [
    (lambda a, b: a + b, "add", "Add"), (lambda a, b: a - b, "sub", "Sub"),
    (lambda a, b: a * b, "mul", "Mul"), (lambda a, b: a / b, "truediv", "RealDiv"),
    (lambda a, b: a // b, "floordiv", "FloorDiv"), (lambda a, b: a % b, "mod", "FloorMod"),
    (lambda a, b: a ** b, "pow", "Pow"), (lambda a, b: a @ b, "matmul", "MatMul"),
    (lambda a, b: a < b, "Less", "Less"), (lambda a, b: a <= b, "LessEqual", "LessEqual"),
    (lambda a, b: a > b, "Greater", "Greater"),
    (lambda a, b: a >= b, "GreaterEqual", "GreaterEqual"),
]


@pytest.mark.parametrize("fn,name,op_type", OPERATORS)
def test_operators_names_and_values(fn, name, op_type):
    a = rng(1).uniform(1, 2, (2, 2)).astype(np.float32)
    b = rng(2).uniform(1, 2, (2, 2)).astype(np.float32)
    t = fn(mg.constant(a), mg.constant(b))
    assert t.op.name == name and t.op.type == op_type
    np.testing.assert_allclose(evaluate(t), fn(a, b), rtol=1e-5)
    # Reflected forms: a NumPy left operand (comparisons mirror: a < t is t > a).
    r = fn(a, mg.constant(b))
    assert r.op.type == op_type or name[0].isupper()
    np.testing.assert_allclose(evaluate(r), fn(a, b), rtol=1e-5)


def test_reflected_python_scalars():
    x = mg.constant([1.0, 2.0, 4.0])
    out = evaluate([2.0 + x, 2.0 - x, 2.0 * x, 2.0 / x, 9.0 // x, 9.0 % x, 2.0 ** x])
    ref = [2 + np.array([1, 2, 4.]), 2 - np.array([1, 2, 4.]), [2, 4, 8], [2, 1, .5],
           [9, 4, 2], [0, 1, 1], [2, 4, 16]]
    for o, r in zip(out, ref):
        assert o.dtype == np.float32
        np.testing.assert_allclose(o, r)


def test_unary_operators():
    x = mg.constant([-1.5, 2.0])
    n, a = -x, abs(x)
    assert (n.op.type, n.op.name, a.op.type, a.op.name) == ("Neg", "Neg", "Abs", "Abs")
    np.testing.assert_array_equal(evaluate([n, a]), [[1.5, -2.0], [1.5, 2.0]])


def test_bool_operators():
    a = mg.constant([True, True, False, False])
    b = mg.constant([True, False, True, False])
    t_and, t_or, t_xor, t_not = a & b, a | b, a ^ b, ~a
    assert (t_and.op.name, t_and.op.type) == ("and", "LogicalAnd")
    assert (t_or.op.name, t_or.op.type) == ("or", "LogicalOr")
    assert t_xor.op.name == "xor" and t_not.op.type == "LogicalNot"
    out = evaluate([t_and, t_or, t_xor, t_not])
    np.testing.assert_array_equal(out, [[1, 0, 0, 0], [1, 1, 1, 0], [0, 1, 1, 0], [0, 0, 1, 1]])
    np.testing.assert_array_equal(evaluate(np.array([True, False]) & b[:2]), [True, False])
    with pytest.raises(TypeError, match="bool"):
        mg.constant([1, 2]) & mg.constant([1, 2])


def test_tensor_equality_stays_identity():
    x = mg.constant([1.0])
    assert (x == x) is True and (x != mg.constant([1.0])) is True


def test_bias_add_pattern_gradient_is_static():
    # x [None, 3] + b [3]: x's unknown batch dim faces no dim of b, so no run-time shapes.
    x = _ph([None, 3])
    b = _ph([3])
    gx, gb = mg.gradients(mg.reduce_sum(mg.square(x + b) * b - b), [x, b])
    types = [op.type for op in mg.get_default_graph().get_operations()]
    assert "BroadcastGradientArgs" not in types
    xv, bv = rng(1).randn(4, 3), rng(2).randn(3)
    ox, ob = evaluate([gx, gb], {x: xv, b: bv})
    np.testing.assert_allclose(ox, 2 * (xv + bv) * bv)
    np.testing.assert_allclose(ob, (2 * (xv + bv) * bv + (xv + bv) ** 2 - 1).sum(0))


def test_unknown_dims_on_both_sides_use_run_time_shapes():
    x, y = _ph([None, 3]), _ph([None, 3])
    gx, gy = mg.gradients(x * y, [x, y])
    assert "BroadcastGradientArgs" in [op.type for op in mg.get_default_graph().get_operations()]
    ox, oy = evaluate([gx, gy], {x: np.ones((1, 3)), y: np.full((5, 3), 2.0)})
    np.testing.assert_allclose(ox, np.full((1, 3), 10.0))
    np.testing.assert_allclose(oy, np.ones((5, 3)))


def _reduce_like(g, shape):
    """Naive reference for sum_to_shape: loop-free NumPy, written independently."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, d in enumerate(shape):
        if d == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_broadcasts_forward_and_gradient(data):
    out = data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))

    def operand_shape():
        k = data.draw(st.integers(0, len(out)))
        return [d if data.draw(st.booleans()) else 1 for d in out[len(out) - k:]]
    sa, sb = operand_shape(), operand_shape()
    hide = data.draw(st.booleans())
    a, b = np.asarray(rng(1).randn(*sa)), np.asarray(rng(2).randn(*sb))
    with mg.Graph().as_default():
        x = mg.placeholder(mg.float64, [None] * len(sa) if hide else sa)
        y = mg.placeholder(mg.float64, [None] * len(sb) if hide else sb)
        z = x * y - x
        gx, gy = mg.gradients(mg.reduce_sum(z), [x, y])
        vz, vx, vy = evaluate([z, gx, gy], {x: a, y: b})
    full = np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(vz, a * b - a)
    np.testing.assert_allclose(vx, _reduce_like(np.broadcast_to(b - 1, full), sa))
    np.testing.assert_allclose(vy, _reduce_like(np.broadcast_to(a, full), sb))
    assert vx.shape == tuple(sa) and vy.shape == tuple(sb)
