"""Comparisons, logical ops and `where`: values, broadcasting, names, errors, gradients."""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng

COMPARISONS = [
    (mg.equal, lambda a, b: a == b, "Equal"),
    (mg.not_equal, lambda a, b: a != b, "NotEqual"),
    (mg.less, lambda a, b: a < b, "Less"),
    (mg.less_equal, lambda a, b: a <= b, "LessEqual"),
    (mg.greater, lambda a, b: a > b, "Greater"),
    (mg.greater_equal, lambda a, b: a >= b, "GreaterEqual"),
]


@pytest.mark.parametrize("fn,ref,op_type", COMPARISONS)
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_comparisons_broadcast(fn, ref, op_type, dtype):
    a = rng(1).randint(0, 3, (2, 3)).astype(dtype)
    b = rng(2).randint(0, 3, (3,)).astype(dtype)
    t = fn(mg.constant(a), mg.constant(b))
    assert t.op.type == op_type and t.op.name == op_type and t.dtype == mg.bool
    assert t.shape.as_list() == [2, 3]
    out = evaluate(t)
    assert out.dtype == np.bool_
    expect = [[ref(a[i, j], b[j]) for j in range(3)] for i in range(2)]
    np.testing.assert_array_equal(out, expect)


def test_comparison_python_operand_and_errors():
    x = mg.constant([1.0, 2.0])
    t = mg.less(x, 1.5)
    assert t.op.inputs[1].name == "Less/y:0"
    np.testing.assert_array_equal(evaluate(t), [True, False])
    with pytest.raises(TypeError):
        mg.less(x, mg.constant([1, 2]))
    with pytest.raises(TypeError, match="bool"):
        mg.less(mg.constant([True]), mg.constant([False]))
    with pytest.raises(ValueError, match=r"'Equal'.*\[2\], \[3\]"):
        mg.equal(x, mg.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(evaluate(mg.equal(mg.constant([True, False]), True)),
                                  [True, False])


def test_comparisons_have_no_gradient():
    x = mg.placeholder(mg.float32, [2])
    y = mg.cast(mg.greater(x, 0.0), mg.float32)
    assert mg.gradients(y, x) == [None]


LOGICAL = [(mg.logical_and, np.logical_and, "LogicalAnd"),
           (mg.logical_or, np.logical_or, "LogicalOr"),
           (mg.logical_xor, np.logical_xor, "LogicalAnd")]


@pytest.mark.parametrize("fn,ref,op_type", LOGICAL)
def test_logical_binary(fn, ref, op_type):
    a = np.array([[True, False], [True, True]])
    b = np.array([True, False])
    t = fn(mg.constant(a), mg.constant(b))
    assert t.op.type == op_type and t.shape.as_list() == [2, 2]
    np.testing.assert_array_equal(evaluate(t), ref(a, b))
    with pytest.raises(TypeError, match="bool"):
        fn(mg.constant([1.0]), mg.constant([1.0]))


def test_logical_xor_structure_and_not():
    a, b = mg.constant([True, False]), mg.constant([True, True])
    t = mg.logical_xor(a, b)
    assert t.op.name == "LogicalXor"
    assert sorted(i.op.type for i in t.op.inputs) == ["LogicalNot", "LogicalOr"]
    n = mg.logical_not(a)
    assert (n.op.type, n.op.name) == ("LogicalNot", "LogicalNot_1")
    np.testing.assert_array_equal(evaluate(n), [False, True])
    with pytest.raises(TypeError, match="bool"):
        mg.logical_not(mg.constant([1]))


# -- where ----------------------------------------------------------------------------------------
def test_where_one_argument_gives_int64_coordinates():
    c = np.array([[True, False, True], [False, False, True]])
    t = mg.where(mg.constant(c))
    assert t.op.type == "Where" and t.dtype == mg.int64 and t.shape.as_list() == [None, 2]
    out = evaluate(t)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[i, j] for i in range(2) for j in range(3) if c[i, j]])
    empty = evaluate(mg.where(mg.constant([False, False])))
    assert empty.shape == (0, 1)


def test_where_one_argument_accepts_numbers():
    np.testing.assert_array_equal(evaluate(mg.where(mg.constant([0.0, 2.0, -1.0]))), [[1], [2]])


def test_where_select_same_shape():
    c = np.array([[True, False, True], [False, True, False]])
    x, y = rng(1).randn(2, 3).astype(np.float32), rng(2).randn(2, 3).astype(np.float32)
    t = mg.where(mg.constant(c), mg.constant(x), mg.constant(y))
    assert t.op.type == "Select" and t.op.name == "Select" and t.shape.as_list() == [2, 3]
    expect = [[x[i, j] if c[i, j] else y[i, j] for j in range(3)] for i in range(2)]
    out = evaluate(t)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expect)


def test_where_vector_condition_selects_rows():
    c = np.array([True, False])
    x, y = np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3)
    out = evaluate(mg.where(mg.constant(c), mg.constant(x), mg.constant(y)))
    np.testing.assert_array_equal(out, [x[0], y[1]])
    out = evaluate(mg.where(True, mg.constant(x), mg.constant(y)))
    np.testing.assert_array_equal(out, x)


def test_where_errors():
    x = mg.placeholder(mg.float32, [2, 3])
    with pytest.raises(ValueError, match="both be non-None"):
        mg.where(x > 0, x)
    with pytest.raises(ValueError, match=r"'Select'.*\[2,3\], \[3,3\]"):
        mg.where(x > 0, x, mg.placeholder(mg.float32, [3, 3]))
    with pytest.raises(ValueError, match=r"condition.*\[3\]"):
        mg.where(mg.placeholder(mg.bool, [3]), x, x)
    with pytest.raises(TypeError):
        mg.where(x > 0, x, mg.placeholder(mg.float64, [2, 3]))
    with pytest.raises(TypeError, match="bool"):
        mg.where(x, x, x)
    c = mg.placeholder(mg.bool, [None])
    with pytest.raises(mg.errors.InvalidArgumentError, match="rows"):
        evaluate(mg.where(c, x, x), {c: [True], x: np.ones((2, 3))})


def test_where_gradient():
    c = mg.constant([[True, False, True], [False, True, True]])
    a, b = rng(1).randn(2, 3), rng(2).randn(2, 3)
    assert gradient_error(lambda x, y: mg.where(c, x * y, x - y), a, b) < 1e-6
    rows = mg.constant([False, True])
    assert gradient_error(lambda x, y: mg.where(rows, x, y), a, b) < 1e-6
