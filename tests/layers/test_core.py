"""mg.layers Dense/dense, Flatten/flatten, Dropout/dropout against NumPy references."""
import numpy as np
import pytest

import minigraph as mg
from util import evaluate, rng


def run(layer_or_fn, x_value, placeholder_shape=None, **call_kwargs):
    """Apply a layer (or function) to a placeholder fed with `x_value`.

    Returns (tensor, output), plus the layer's weights (same session) for a layer.
    """
    shape = list(x_value.shape) if placeholder_shape is None else placeholder_shape
    x = mg.placeholder(mg.as_dtype(x_value.dtype), shape)
    y = layer_or_fn(x, **call_kwargs)
    if isinstance(layer_or_fn, mg.layers.Layer):
        out, weights = evaluate([y, layer_or_fn.weights], {x: x_value})
        return y, out, weights
    return y, evaluate(y, {x: x_value})


def grad_error(x, x_value, y, feed=None):
    """Max |symbolic - numeric| Jacobian entry of `y` w.r.t. `x` (a placeholder or variable)."""
    with mg.Session() as sess:
        if mg.global_variables():
            sess.run(mg.global_variables_initializer())
        return mg.test.compute_gradient_error(x, list(x_value.shape), y, y.shape.as_list(),
                                              x_init_value=x_value, delta=1e-6,
                                              extra_feed_dict=feed)


# -- Dense: variables and names --------------------------------------------------------------------
def test_dense_variables_names_shapes_collections():
    layer = mg.layers.Dense(3)
    y = layer(mg.placeholder(mg.float32, [None, 5]))
    assert y.name == "dense/BiasAdd:0" and y.shape.as_list() == [None, 3]
    assert [(v.name, v.shape.as_list()) for v in layer.weights] == [
        ("dense/kernel:0", [5, 3]), ("dense/bias:0", [3])]
    assert layer.kernel is layer.weights[0] and layer.bias is layer.weights[1]
    assert mg.trainable_variables() == layer.weights == mg.global_variables()
    assert layer.count_params() == 18 and layer.input_spec.axes == {-1: 5}
    assert layer.name == "dense_1" and layer.scope_name == "dense"  # TF1's keras counter


def test_dense_default_names_and_matmul_op():
    x = mg.placeholder(mg.float32, [2, 4])
    y1, y2 = mg.layers.dense(x, 3), mg.layers.dense(x, 3, use_bias=False)
    assert (y1.name, y2.name) == ("dense/BiasAdd:0", "dense_1/MatMul:0")
    assert mg.get_default_graph().get_operation_by_name("dense/MatMul").type == "MatMul"
    assert [v.name for v in mg.global_variables()] == [
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0"]


def test_dense_name_and_reuse():
    x = mg.placeholder(mg.float32, [2, 4])
    y1 = mg.layers.dense(x, 3, name="fc")
    y2 = mg.layers.dense(x, 3, name="fc", reuse=True)
    assert y2.name == "fc_1/BiasAdd:0" and len(mg.global_variables()) == 2
    a, b = evaluate([y1, y2], {x: rng().randn(2, 4)})
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="fc/kernel already exists"):
        mg.layers.dense(x, 3, name="fc")
    with pytest.raises(ValueError, match="fc9/kernel does not exist"):
        mg.layers.dense(x, 3, name="fc9", reuse=True)
    mg.layers.dense(x, 3, name="fc", reuse=mg.AUTO_REUSE)
    assert len(mg.global_variables()) == 2


def test_dense_trainable_false():
    layer = mg.layers.Dense(2, trainable=False)
    layer(mg.placeholder(mg.float32, [1, 3]))
    assert mg.trainable_variables() == [] and len(mg.global_variables()) == 2
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2


# -- Dense: numbers --------------------------------------------------------------------------------
def test_dense_matches_numpy():
    x = rng(1).randn(4, 5).astype(np.float32)
    layer = mg.layers.Dense(3, activation=mg.nn.relu,
                            bias_initializer=mg.random_normal_initializer(seed=2))
    y, out, (k, b) = run(layer, x, [None, 5])
    np.testing.assert_allclose(out, np.maximum(x.astype(np.float64) @ k + b, 0),
                               rtol=1e-5, atol=1e-6)
    assert y.op.type == "Relu"


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5)])
def test_dense_rank_above_two_uses_tensordot(shape):
    x = rng(2).randn(*shape).astype(np.float32)
    layer = mg.layers.Dense(4, bias_initializer="ones")
    y, out, (k, b) = run(layer, x, [None] + list(shape[1:]))
    assert y.shape.as_list() == [None] + list(shape[1:-1]) + [4]
    np.testing.assert_allclose(out, np.einsum("...i,ij->...j", x, k) + b, rtol=1e-5, atol=1e-6)
    assert mg.get_default_graph().get_operation_by_name("dense/Tensordot/MatMul")


def test_dense_initializers_and_string_activation():
    layer = mg.layers.Dense(2, kernel_initializer=mg.constant_initializer(0.5),
                            bias_initializer=mg.constant_initializer(-1.0), activation="tanh")
    _, out, _ = run(layer, np.ones((1, 4), np.float32))
    np.testing.assert_allclose(out, np.tanh(np.full((1, 2), 1.0)), rtol=1e-6)


def test_dense_regularizers_constraints_activity():
    layer = mg.layers.Dense(2, kernel_initializer=mg.ones_initializer(),
                            kernel_regularizer=mg.regularizers.l2(0.5),
                            bias_regularizer=lambda b: mg.reduce_sum(b) + 1.0,
                            activity_regularizer=lambda y: mg.reduce_sum(y),
                            kernel_constraint=mg.constraints.non_neg(),
                            bias_constraint=mg.constraints.max_norm(1.0))
    x = mg.placeholder(mg.float32, [2, 3])
    layer(x)
    losses = mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 3 and len(layer.losses) == 3
    assert layer.kernel.constraint is layer.kernel_constraint
    assert layer.bias.constraint is layer.bias_constraint
    kernel_loss, bias_loss, activity = evaluate(losses, {x: np.ones((2, 3))})
    # l2(0.5) on a 3x2 matrix of ones: 0.5 * 6; activity sum(y) / batch = 2 * 6 / 2.
    assert (kernel_loss, bias_loss, activity) == (3.0, 1.0, 6.0)
    assert layer.get_losses_for(x) == [losses[2]]


def test_dense_float64_and_casts_other_floats():
    x = rng().randn(2, 3)
    layer = mg.layers.Dense(2)
    y, out, (k, _) = run(layer, x)
    assert y.dtype == mg.float64 and layer.kernel.dtype.base_dtype == mg.float64
    np.testing.assert_allclose(out, x @ k, rtol=1e-12)
    y32 = layer(mg.placeholder(mg.float32, [None, 3]))  # cast to the layer's dtype
    assert y32.dtype == mg.float64


def test_dense_gradients():
    xv = rng(3).randn(3, 2, 4)
    x = mg.placeholder(mg.float64, xv.shape)
    layer = mg.layers.Dense(3, activation=mg.tanh, bias_initializer="ones")
    y = layer(x)
    assert grad_error(x, xv, y) < 1e-7
    for v in layer.weights:
        value = rng(4).randn(*v.shape.as_list())
        assert grad_error(v, value, y, {x: xv}) < 1e-7


# -- Dense: errors ---------------------------------------------------------------------------------
def test_dense_errors():
    with pytest.raises(ValueError, match=r"inputs to Dense layer dense_1 should be defined. "
                                         r"Found None. Full input shape received: \[\?,\?\]"):
        mg.layers.dense(mg.placeholder(mg.float32, [None, None]), 3)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        mg.layers.dense(mg.placeholder(mg.float32, [5]), 3)
    with pytest.raises(ValueError, match="Dense layer dense_3 should be defined"):
        mg.layers.dense(mg.placeholder(mg.float32), 3)
    with pytest.raises(TypeError, match="non-floating point dtype int32"):
        mg.layers.dense(mg.placeholder(mg.int32, [2, 3]), 3)
    with pytest.raises(ValueError, match="`units`.*Received: -1"):
        mg.layers.Dense(-1)
    with pytest.raises(ValueError, match="`units`.*'a'"):
        mg.layers.Dense("a")
    with pytest.raises(TypeError, match="Keyword argument not understood: 'foo'"):
        mg.layers.Dense(3, foo=1)
    with pytest.raises(ValueError, match="Could not interpret activation"):
        mg.layers.Dense(3, activation="nope")


def test_dense_reused_on_other_input_size():
    layer = mg.layers.Dense(3)
    layer(mg.placeholder(mg.float32, [2, 4]))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(mg.placeholder(mg.float32, [2, 5]))


def test_dense_compute_output_shape():
    layer = mg.layers.Dense(3)
    assert layer.compute_output_shape([None, 7]).as_list() == [None, 3]
    assert layer.compute_output_shape(mg.TensorShape([2, 5, 7])).as_list() == [2, 5, 3]
    with pytest.raises(ValueError, match="rank >= 2"):
        layer.compute_output_shape([7])
    with pytest.raises(ValueError, match="should be defined"):
        layer.compute_output_shape([3, None])
    with pytest.raises(TypeError, match="takes a TensorShape"):
        layer.compute_output_shape("abc")


# -- Flatten ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, placeholder, static", [
    ((2, 3, 4, 5), [None, 3, 4, 5], [None, 60]),
    ((2, 3, 4), [2, None, 4], [2, None]),
    ((2, 3, 4), [None, None, 4], [None, None]),
    ((3,), [None], [None, 1]),
    ((2, 6), [2, 6], [2, 6]),
])
def test_flatten_shapes_and_values(shape, placeholder, static):
    x = rng().randn(*shape).astype(np.float32)
    y, out = run(mg.layers.flatten, x, placeholder)
    assert y.name == "flatten/Reshape:0" and y.shape.as_list() == static
    np.testing.assert_array_equal(out, x.reshape(shape[0], -1))


def test_flatten_channels_first_moves_channels_last():
    x = rng().randn(2, 3, 4, 5).astype(np.float32)
    layer = mg.layers.Flatten(data_format="channels_first")
    y, out, _ = run(layer, x, [None, 3, 4, 5])
    assert y.shape.as_list() == [None, 60]
    np.testing.assert_array_equal(out, x.transpose(0, 2, 3, 1).reshape(2, -1))
    assert mg.get_default_graph().get_operation_by_name("flatten/transpose").type == "Transpose"


def test_flatten_errors_and_output_shape():
    with pytest.raises(ValueError, match="expected min_ndim=1, found ndim=0"):
        mg.layers.flatten(mg.placeholder(mg.float32, []))
    with pytest.raises(ValueError, match="Flatten layer flatten_2 needs an input of known rank"):
        mg.layers.flatten(mg.placeholder(mg.float32))
    with pytest.raises(ValueError, match="`data_format`.*'NCHW'"):
        mg.layers.Flatten(data_format="NCHW")
    layer = mg.layers.Flatten()
    assert layer.compute_output_shape([None, 2, 3]).as_list() == [None, 6]
    assert layer.compute_output_shape([4, None, 3]).as_list() == [4, None]
    with pytest.raises(ValueError, match="rank >= 1"):
        layer.compute_output_shape([])


def test_flatten_gradient():
    xv = rng().randn(2, 3, 2)
    x = mg.placeholder(mg.float64, xv.shape)
    assert grad_error(x, xv, mg.layers.flatten(x, data_format="channels_first")) < 1e-8


# -- Dropout ---------------------------------------------------------------------------------------
def test_dropout_inference_is_identity():
    x = rng().randn(5, 4).astype(np.float32)
    y, out = run(mg.layers.dropout, x)
    assert y.name == "dropout/Identity:0"
    np.testing.assert_array_equal(out, x)
    layer = mg.layers.Dropout(0.9)
    y, out, _ = run(layer, x, training=None)  # TF1's learning phase defaults to False
    np.testing.assert_array_equal(out, x)


def check_dropped(out, x, rate):
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6)
    return kept.mean()


def test_dropout_training_drops_and_scales():
    x = rng().rand(200, 50).astype(np.float32) + 1
    y, out = run(mg.layers.dropout, x, rate=0.3, training=True)
    assert y.name == "dropout/dropout/mul_1:0" and y.shape.as_list() == [200, 50]
    assert abs(check_dropped(out, x, 0.3) - 0.7) < 0.02


def test_dropout_seed_repeatable():
    mg.set_random_seed(1)
    x = mg.ones([20, 20])
    y = mg.layers.dropout(x, seed=7, training=True)
    a, b = evaluate(y), evaluate(y)
    np.testing.assert_array_equal(a, b)


def test_dropout_with_placeholder_training():
    xv = rng().rand(100, 20).astype(np.float32) + 1
    x = mg.placeholder(mg.float32, [None, 20])
    training = mg.placeholder(mg.bool, [])
    y = mg.layers.dropout(x, rate=0.5, training=training)
    assert y.op.type == "Select" and y.shape.as_list() == [None, 20]
    np.testing.assert_array_equal(evaluate(y, {x: xv, training: False}), xv)
    out = evaluate(y, {x: xv, training: True})
    assert abs(check_dropped(out, xv, 0.5) - 0.5) < 0.05
    # gradients flow through the selected branch only
    g = mg.gradients(mg.reduce_sum(y), x)[0]
    np.testing.assert_array_equal(evaluate(g, {x: xv, training: False}), np.ones_like(xv))


def test_dropout_placeholder_with_default_and_constant_training():
    x = mg.ones([50, 50])
    flag = mg.placeholder_with_default(False, [])
    y = mg.layers.dropout(x, training=flag)
    np.testing.assert_array_equal(evaluate(y), np.ones((50, 50)))
    assert (evaluate(y, {flag: True}) == 0).any()
    y2 = mg.layers.dropout(x, training=mg.constant(False))  # known now: plain identity
    assert y2.op.type == "Identity"


def test_dropout_noise_shape_with_none_entries():
    x = mg.placeholder(mg.float32, [None, 3, 40])
    y = mg.layers.dropout(x, noise_shape=[None, 1, None], training=True, seed=3)
    out = evaluate(y, {x: np.ones((4, 3, 40), np.float32)})
    assert (out == out[:, :1, :]).all()  # one decision shared along axis 1
    assert 0 < (out == 0).mean() < 1
    ns = mg.placeholder(mg.int32, [3])
    y = mg.layers.dropout(x, noise_shape=ns, training=True, seed=3)
    out = evaluate(y, {x: np.ones((4, 3, 40), np.float32), ns: [4, 3, 1]})
    assert (out == out[:, :, :1]).all() and 0 < (out == 0).mean() < 1


def test_dropout_rate_zero_and_tensor_rate():
    x = rng().randn(3, 4).astype(np.float32)
    y, out = run(mg.layers.dropout, x, rate=0.0, training=True)
    assert y.op.type == "Identity"
    np.testing.assert_array_equal(out, x)
    rate = mg.placeholder(mg.float32, [])
    xt = mg.placeholder(mg.float32, [3, 4])
    y = mg.layers.dropout(xt, rate=rate, training=True)
    np.testing.assert_array_equal(evaluate(y, {xt: x, rate: 0.0}), x)


def test_dropout_errors():
    with pytest.raises(ValueError, match="Invalid value 1.5 .*dropout"):
        mg.layers.Dropout(rate=1.5)
    x = mg.placeholder(mg.float32, [2, 3])
    with pytest.raises(ValueError, match="range \\[0, 1\\)"):
        mg.layers.dropout(x, rate=1.0, training=True)
    with pytest.raises(TypeError, match="`training` argument of layer dropout_.*'yes'"):
        mg.layers.dropout(x, training="yes")
    with pytest.raises(TypeError, match="must be a bool tensor.*float32"):
        mg.layers.dropout(x, training=mg.placeholder(mg.float32, []))
    with pytest.raises(ValueError, match="must be a scalar"):
        mg.layers.dropout(x, training=mg.placeholder(mg.bool, [2]))
    with pytest.raises(ValueError, match="floating point"):
        mg.layers.dropout(mg.placeholder(mg.int32, [2]), training=True)
    with pytest.raises(ValueError, match="one entry per input dimension"):
        mg.layers.dropout(x, noise_shape=[1], training=True)


def test_dropout_training_int_and_layer_reuse():
    layer = mg.layers.Dropout(0.5, seed=1)
    x = mg.ones([10, 10])
    y_train, y_test = layer(x, training=1), layer(x, training=0)
    assert len(layer.inbound_nodes) == 2 and layer.weights == []
    np.testing.assert_array_equal(evaluate(y_test), np.ones((10, 10)))
    assert (evaluate(y_train) == 0).any()
    assert layer.compute_output_shape([None, 10]).as_list() == [None, 10]
