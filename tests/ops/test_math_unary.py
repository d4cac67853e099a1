"""Elementwise unary math ops and cast: forward vs NumPy, gradients, dtypes, names."""
import warnings

import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng

# (function, NumPy reference, op type, input domain (low, high))
UNARY = [
    (mg.negative, np.negative, "Neg", (-3, 3)),
    (mg.abs, np.abs, "Abs", (-3, 3)),
    (mg.square, np.square, "Square", (-3, 3)),
    (mg.sqrt, np.sqrt, "Sqrt", (0.2, 3)),
    (mg.rsqrt, lambda x: 1 / np.sqrt(x), "Rsqrt", (0.2, 3)),
    (mg.exp, np.exp, "Exp", (-3, 3)),
    (mg.log, np.log, "Log", (0.2, 3)),
    (mg.log1p, np.log1p, "Log1p", (-0.5, 3)),
    (mg.reciprocal, lambda x: 1 / x, "Reciprocal", (0.2, 3)),
    (mg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "Sigmoid", (-6, 6)),
    (mg.tanh, np.tanh, "Tanh", (-3, 3)),
]


def _values(domain, shape=(3, 4), seed=0):
    v = rng(seed).uniform(domain[0], domain[1], shape)
    # Keep away from abs's kink at 0.
    return np.where(np.abs(v) < 0.05, 0.3, v)


@pytest.mark.parametrize("fn,ref,op_type,domain", UNARY)
def test_unary_forward_float32(fn, ref, op_type, domain):
    v = _values(domain).astype(np.float32)
    t = fn(mg.constant(v))
    assert t.op.type == op_type and t.op.name == op_type
    assert t.shape.as_list() == [3, 4] and t.dtype == mg.float32
    out = evaluate(t)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(v.astype(np.float64)), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("fn,ref,op_type,domain", UNARY)
def test_unary_gradient(fn, ref, op_type, domain):
    assert gradient_error(fn, _values(domain, (2, 3), seed=1)) < 1e-6


@pytest.mark.parametrize("fn,ref,op_type,domain", UNARY)
def test_unary_second_derivative(fn, ref, op_type, domain):
    # Gradients are graph ops, so they can be differentiated again.
    def grad_of(x):
        return mg.gradients(mg.reduce_sum(fn(x)), x)[0]
    if fn in (mg.negative,):
        x = mg.placeholder(mg.float64, [3])
        assert mg.gradients(mg.reduce_sum(grad_of(x)), x) == [None]
        return
    assert gradient_error(grad_of, _values(domain, (2, 3), seed=2)) < 1e-5


def test_sign_and_its_zero_gradient():
    x = mg.constant([-2.0, 0.0, 3.0, np.nan])
    out = evaluate(mg.sign(x))
    np.testing.assert_array_equal(out[:3], [-1, 0, 1])
    assert np.isnan(out[3])
    np.testing.assert_array_equal(evaluate(mg.sign(mg.constant([-2, 0, 5]))), [-1, 0, 1])
    xp = mg.placeholder(mg.float64, [3])
    g = evaluate(mg.gradients(mg.sign(xp), xp)[0], {xp: [1.0, -2.0, 3.0]})
    np.testing.assert_array_equal(g, [0, 0, 0])


def test_integer_unary_ops_keep_dtype():
    i = mg.constant([-3, 0, 4])
    out = evaluate([-i, mg.abs(i), mg.square(i)])
    for o in out:
        assert o.dtype == np.int32
    np.testing.assert_array_equal(out, [[3, 0, -4], [3, 0, 4], [9, 0, 16]])


@pytest.mark.parametrize("fn", [mg.sqrt, mg.exp, mg.log, mg.sigmoid, mg.tanh, mg.rsqrt])
def test_float_only_ops_reject_integers(fn):
    with pytest.raises(TypeError, match="int32"):
        fn(mg.constant([1, 2]))


def test_bool_is_rejected_by_negative_and_abs():
    with pytest.raises(TypeError, match="bool"):
        mg.abs(mg.constant([True]))
    with pytest.raises(TypeError, match="bool"):
        -mg.constant([True])


def test_sigmoid_is_stable_for_large_inputs():
    x = mg.constant([-1000.0, -100.0, 0.0, 100.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = evaluate(mg.sigmoid(x))
    np.testing.assert_allclose(out, [0, 0, 0.5, 1, 1], atol=1e-30)
    assert out.dtype == np.float32


def test_domain_errors_give_nan_inf_like_tf1():
    out = evaluate([mg.sqrt(mg.constant([-1.0])), mg.log(mg.constant([0.0])),
                    mg.reciprocal(mg.constant([0.0]))])
    assert np.isnan(out[0][0]) and out[1][0] == -np.inf and out[2][0] == np.inf


def test_unary_keeps_partial_shapes():
    x = mg.placeholder(mg.float32, [None, 3])
    assert mg.exp(x).shape.as_list() == [None, 3]
    assert mg.tanh(mg.placeholder(mg.float32)).shape.ndims is None


def test_unary_name_argument():
    with mg.name_scope("scope"):
        t = mg.exp(mg.constant(1.0), name="e")
    assert t.name == "scope/e:0"


# -- cast ---------------------------------------------------------------------------------------
def test_cast_values_and_names():
    x = mg.constant([-1.7, 2.9, 0.0])
    t = mg.cast(x, mg.int32)
    assert t.op.type == "Cast" and t.op.name == "Cast" and t.dtype == mg.int32
    assert t.op.get_attr("SrcT") == mg.float32 and t.op.get_attr("DstT") == mg.int32
    np.testing.assert_array_equal(evaluate(t), [-1, 2, 0])
    np.testing.assert_array_equal(evaluate(mg.cast(x, mg.bool)), [True, True, False])
    np.testing.assert_array_equal(evaluate(mg.cast(mg.constant([True, False]), mg.float32)),
                                  [1.0, 0.0])


def test_cast_to_same_dtype_returns_input():
    x = mg.constant([1.0])
    assert mg.cast(x, mg.float32) is x
    assert mg.cast(x, "float32") is x


def test_cast_python_value():
    t = mg.cast(1.5, mg.int32)
    assert t.op.inputs[0].name == "Cast/x:0"
    assert evaluate(t) == 1


@pytest.mark.parametrize("fn,name,dtype", [(mg.to_float, "ToFloat", mg.float32),
                                           (mg.to_double, "ToDouble", mg.float64),
                                           (mg.to_int32, "ToInt32", mg.int32),
                                           (mg.to_int64, "ToInt64", mg.int64)])
def test_cast_aliases(fn, name, dtype):
    t = fn(mg.constant([1, 2], mg.int16))
    assert t.op.name == name and t.dtype == dtype
    np.testing.assert_array_equal(evaluate(t), [1, 2])


def test_cast_gradient_between_floats_and_none_through_ints():
    v = rng().randn(2, 3)
    assert gradient_error(lambda x: mg.cast(mg.cast(x, mg.float32), mg.float64) * 3.0,
                          v, delta=1e-2) < 1e-4
    x = mg.placeholder(mg.float64, [2])
    assert mg.gradients(mg.cast(mg.cast(x, mg.int32), mg.float64), x) == [None]
