"""mg.nn activations: forward values against NumPy references, gradients, names, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigraph as mg
from tests.util import evaluate, gradient_error, rng

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _naive_sigmoid(x):
    return np.array([1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))
                     for v in x.reshape(-1)]).reshape(x.shape)


def _ref(fn_name, x):
    """Elementwise definitions, written out one element at a time."""
    def one(v):
        if fn_name == "relu":
            return v if v > 0 else 0.0
        if fn_name == "relu6":
            return min(max(v, 0.0), 6.0)
        if fn_name == "elu":
            return v if v > 0 else np.expm1(v)
        if fn_name == "selu":
            return SELU_SCALE * (v if v > 0 else SELU_ALPHA * np.expm1(v))
        if fn_name == "softplus":
            return max(v, 0.0) + np.log1p(np.exp(-abs(v)))
        if fn_name == "softsign":
            return v / (1 + abs(v))
        if fn_name == "leaky_relu":
            return v if v > 0 else 0.2 * v
        if fn_name == "swish":
            return v * _naive_sigmoid(np.array([v]))[0]
        raise AssertionError(fn_name)
    flat = [one(float(v)) for v in x.reshape(-1)]
    return np.array(flat, dtype=np.float64).reshape(x.shape)


ACTIVATIONS = [("relu", "Relu"), ("relu6", "Relu6"), ("elu", "Elu"), ("selu", "Selu"),
               ("softplus", "Softplus"), ("softsign", "Softsign"),
               ("leaky_relu", "LeakyRelu"), ("swish", "Swish")]
DEFAULT_NAMES = {"swish": "swish"}


@pytest.mark.parametrize("fn_name,op_type", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_forward_matches_reference(fn_name, op_type, dtype):
    x_np = (rng(1).randn(3, 4) * 4).astype(dtype)
    x_np[0, :3] = [0.0, 6.0, -30.0]
    x = mg.placeholder(mg.as_dtype(dtype), [3, 4])
    y = getattr(mg.nn, fn_name)(x)
    assert y.op.type == op_type
    assert y.name == DEFAULT_NAMES.get(fn_name, op_type) + ":0"
    assert y.shape.as_list() == [3, 4] and y.dtype == mg.as_dtype(dtype)
    out = evaluate(y, {x: x_np})
    assert out.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, _ref(fn_name, x_np.astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("fn_name,op_type", ACTIVATIONS)
def test_activation_gradient(fn_name, op_type):
    # Values away from the kinks at 0 and 6, where central differences are meaningless.
    x_np = rng(2).uniform(0.1, 2.0, size=(3, 4)) * rng(3).choice([-1, 1], size=(3, 4))
    x_np[0, 0], x_np[0, 1] = 6.5, 5.5
    assert gradient_error(getattr(mg.nn, fn_name), x_np) < 1e-7


@pytest.mark.parametrize("fn_name,grad_type", [("relu", "ReluGrad"), ("relu6", "Relu6Grad"),
                                               ("elu", "EluGrad"), ("selu", "SeluGrad"),
                                               ("softplus", "SoftplusGrad"),
                                               ("softsign", "SoftsignGrad"),
                                               ("leaky_relu", "LeakyReluGrad")])
def test_gradient_uses_tf1_grad_op_and_second_derivative(fn_name, grad_type):
    x_np = rng(4).uniform(0.2, 2.0, size=(2, 3)) * np.array([[1, -1, 1], [-1, 1, -1]])

    def first_grad(x):
        y = getattr(mg.nn, fn_name)(x)
        (g,) = mg.gradients(y * y, x)
        assert any(op.type == grad_type for op in mg.get_default_graph().get_operations())
        return g

    assert gradient_error(first_grad, x_np) < 1e-6


def test_relu_gradient_is_zero_at_zero():
    x = mg.constant([-1.0, 0.0, 2.0])
    (g,) = mg.gradients(mg.nn.relu(x), x)
    assert g.op.type == "ReluGrad" and g.name == "gradients/Relu_grad/ReluGrad:0"
    np.testing.assert_array_equal(evaluate(g), [0.0, 0.0, 1.0])


def test_elu_and_selu_gradients_at_zero_match_tf1():
    x = mg.constant([0.0])
    (ge,) = mg.gradients(mg.nn.elu(x), x)
    (gs,) = mg.gradients(mg.nn.selu(x), x)
    np.testing.assert_allclose(evaluate([ge, gs]), [[1.0], [SELU_SCALE]], rtol=1e-6)


def test_relu6_gradient_is_zero_at_both_kinks():
    x = mg.constant([0.0, 3.0, 6.0, 7.0])
    (g,) = mg.gradients(mg.nn.relu6(x), x)
    np.testing.assert_array_equal(evaluate(g), [0.0, 1.0, 0.0, 0.0])


def test_relu_and_relu6_accept_integers():
    x = mg.constant([-3, 0, 4, 9])
    np.testing.assert_array_equal(evaluate(mg.nn.relu(x)), [0, 0, 4, 9])
    out = evaluate(mg.nn.relu6(x))
    np.testing.assert_array_equal(out, [0, 0, 4, 6])
    assert out.dtype == np.int32


def test_python_input_is_converted_inside_the_op_scope():
    y = mg.nn.relu([1.0, -1.0], name="act")
    assert y.name == "act:0" and y.op.inputs[0].name == "act/features:0"


@pytest.mark.parametrize("fn", [mg.nn.elu, mg.nn.selu, mg.nn.softplus, mg.nn.softsign,
                                mg.nn.swish])
def test_float_only_activations_reject_integers(fn):
    with pytest.raises(TypeError, match="int32 not in list of allowed values"):
        fn(mg.constant([1, 2]))


def test_relu_rejects_bool_naming_the_tensor():
    b = mg.constant([True, False], name="flags")
    with pytest.raises(TypeError, match="flags:0"):
        mg.nn.relu(b)


def test_softplus_is_stable_for_large_inputs():
    out = evaluate(mg.nn.softplus(mg.constant([-1000.0, -20.0, 0.0, 20.0, 1000.0])))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [0.0, 2.0611537e-09, np.log(2), 20.0, 1000.0], rtol=1e-6)


def test_swish_is_stable_for_large_inputs():
    out = evaluate(mg.nn.swish(mg.constant([-1000.0, 1000.0])))
    np.testing.assert_array_equal(out, [0.0, 1000.0])


def test_leaky_relu_alpha_and_names():
    x = mg.constant([-2.0, 3.0])
    y = mg.nn.leaky_relu(x, alpha=0.1)
    assert y.name == "LeakyRelu:0" and y.op.get_attr("alpha") == pytest.approx(0.1)
    np.testing.assert_allclose(evaluate(y), [-0.2, 3.0], rtol=1e-6)
    np.testing.assert_allclose(evaluate(mg.nn.leaky_relu(x, alpha=np.float32(0.5))), [-1.0, 3.0])


def test_leaky_relu_casts_integers_to_float32_like_tf1():
    y = mg.nn.leaky_relu(mg.constant([1, -2]))
    assert y.dtype == mg.float32 and y.op.inputs[0].name == "LeakyRelu/Cast:0"
    np.testing.assert_allclose(evaluate(y), [1.0, -0.4], rtol=1e-6)


def test_leaky_relu_rejects_tensor_alpha_like_tf1():
    with pytest.raises(TypeError, match="Expected float for argument 'alpha'"):
        mg.nn.leaky_relu(mg.constant([1.0]), alpha=mg.constant(0.1))


def test_crelu_names_shape_and_values():
    x = mg.constant([[1.0, -2.0, 0.5]])
    y = mg.nn.crelu(x)
    assert y.name == "CRelu/Relu:0" and y.shape.as_list() == [1, 6]
    types = {op.name: op.type for op in mg.get_default_graph().get_operations()}
    assert types["CRelu/Neg"] == "Neg" and types["CRelu/Relu"] == "Relu"
    np.testing.assert_array_equal(evaluate(y), [[1.0, 0.0, 0.5, 0.0, 2.0, 0.0]])
    y0 = mg.nn.crelu(x, axis=0)
    assert y0.shape.as_list() == [2, 3]
    np.testing.assert_array_equal(evaluate(y0), [[1.0, 0.0, 0.5], [0.0, 2.0, 0.0]])


def test_crelu_gradient():
    x_np = rng(5).uniform(0.2, 1.0, size=(2, 3)) * np.array([[1, -1, 1], [-1, 1, 1]])
    assert gradient_error(mg.nn.crelu, x_np) < 1e-7


def test_sigmoid_and_tanh_are_reexported_from_math():
    x = mg.constant([0.0, 1.0])
    assert mg.nn.sigmoid(x).op.type == "Sigmoid" and mg.nn.tanh(x).op.type == "Tanh"
    np.testing.assert_allclose(evaluate(mg.nn.sigmoid(x)), [0.5, 1 / (1 + np.exp(-1))],
                               rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(-50, 50)))
def test_activations_agree_with_reference_on_random_arrays(x_np):
    mg.reset_default_graph()
    x = mg.placeholder(mg.float64, x_np.shape)
    names = ["relu", "relu6", "elu", "selu", "softplus", "softsign", "leaky_relu", "swish"]
    outs = evaluate([getattr(mg.nn, n)(x) for n in names], {x: x_np})
    for n, out in zip(names, outs):
        np.testing.assert_allclose(out, _ref(n, x_np), rtol=1e-12, atol=1e-12, err_msg=n)
