"""mg.layers.BatchNormalization / batch_normalization against a NumPy reference."""
import numpy as np
import pytest

import minigraph as mg
from util import evaluate, rng

L = mg.layers.BatchNormalization
UPDATE_OPS = mg.GraphKeys.UPDATE_OPS


# -- NumPy reference -------------------------------------------------------------------------------
def np_bn(x, axes, mean, var, gamma=None, beta=None, eps=1e-3):
    """Normalise `x` with per-`axes` statistics given as arrays of the kept dims."""
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    r = lambda v: np.reshape(v, shape)  # noqa: E731
    out = (x.astype(np.float64) - r(mean)) / np.sqrt(r(var) + eps)
    if gamma is not None:
        out = out * r(gamma)
    if beta is not None:
        out = out + r(beta)
    return out


def np_moments(x, axes):
    """Batch mean and biased variance over every axis not in `axes`, shaped like the kept dims."""
    red = tuple(i for i in range(x.ndim) if i not in axes)
    kept = [x.shape[i] for i in axes]
    x = x.astype(np.float64)
    return x.mean(axis=red).reshape(kept), x.var(axis=red).reshape(kept)


def random_init(seed):
    return mg.random_normal_initializer(mean=1.0, stddev=0.5, seed=seed)


def session_run(fetches, feed=None, sess_fn=None):
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        if sess_fn:
            sess_fn(sess)
        return sess.run(fetches, feed)


# -- variables, names, collections -----------------------------------------------------------------
def test_variables_names_shapes_collections():
    layer = L()
    y = layer(mg.placeholder(mg.float32, [None, 4, 4, 3]), training=True)
    assert [(v.name, v.shape.as_list()) for v in layer.weights] == [
        ("batch_normalization/gamma:0", [3]), ("batch_normalization/beta:0", [3]),
        ("batch_normalization/moving_mean:0", [3]),
        ("batch_normalization/moving_variance:0", [3])]
    assert layer.trainable_weights == [layer.gamma, layer.beta]
    assert layer.non_trainable_weights == [layer.moving_mean, layer.moving_variance]
    assert mg.trainable_variables() == [layer.gamma, layer.beta]
    assert mg.global_variables() == layer.weights
    assert y.name == "batch_normalization/FusedBatchNormV3:0" and y.op.type == "FusedBatchNormV3"
    assert layer.axis == [3] and layer.fused and layer.count_params() == 12


def test_update_ops_names_and_collection():
    x = mg.placeholder(mg.float32, [None, 4, 4, 3])
    mg.layers.batch_normalization(x, training=True)
    mg.layers.batch_normalization(mg.placeholder(mg.float32, [None, 5]), training=True)
    updates = mg.get_collection(UPDATE_OPS)
    assert [(u.name, u.type) for u in updates] == [
        ("batch_normalization/AssignMovingAvg", "AssignSub"),
        ("batch_normalization/AssignMovingAvg_1", "AssignSub"),
        ("batch_normalization_1/AssignMovingAvg", "AssignSub"),
        ("batch_normalization_1/AssignMovingAvg_1", "AssignSub")]
    ops = {op.name: op.type for op in mg.get_default_graph().get_operations()}
    assert ops["batch_normalization_1/AssignMovingAvg/decay"] == "Const"  # composed path
    assert ops["batch_normalization_1/moments/mean"] == "Mean"
    assert ops["batch_normalization_1/batchnorm/add_1"] == "Add"


def test_inference_makes_no_updates():
    layer = L()
    y = layer(mg.placeholder(mg.float32, [None, 5]))  # training=False is the default
    assert layer.updates == [] and mg.get_collection(UPDATE_OPS) == []
    assert y.name == "batch_normalization/batchnorm/add_1:0"


def test_updates_are_conditional_on_inputs():
    layer = L()
    x = mg.placeholder(mg.float32, [None, 5])
    layer(x, training=True)
    assert layer.get_updates_for(x) == layer.updates and len(layer.updates) == 2
    assert layer.get_updates_for(None) == []


def test_trainable_false_has_no_trainable_variables_and_no_updates():
    layer = L(trainable=False)
    layer(mg.placeholder(mg.float32, [None, 5]), training=True)
    assert mg.trainable_variables() == [] and len(mg.global_variables()) == 4
    assert layer.updates == [] and mg.get_collection(UPDATE_OPS) == []


def test_center_scale_false():
    xv = rng(1).randn(6, 2, 2, 3).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    layer = L(center=False, scale=False, epsilon=0.01)
    y = layer(x, training=True)
    assert [v.name for v in layer.weights] == ["batch_normalization/moving_mean:0",
                                               "batch_normalization/moving_variance:0"]
    assert layer.gamma is None and layer.beta is None and mg.trainable_variables() == []
    mean, var = np_moments(xv, [3])
    np.testing.assert_allclose(evaluate(y, {x: xv}), np_bn(xv, [3], mean, var, eps=0.01),
                               rtol=1e-5, atol=1e-5)


def test_function_name_reuse_and_regularizers():
    x = mg.placeholder(mg.float32, [None, 3])
    mg.layers.batch_normalization(x, name="bn", gamma_regularizer=mg.regularizers.l2(1.0),
                                  beta_regularizer=mg.regularizers.l1(1.0))
    mg.layers.batch_normalization(x, name="bn", reuse=True, training=True)
    assert [v.name for v in mg.global_variables()] == [
        "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"]
    # gamma starts at ones: l2 = 1.0 * sum(1) over 3 entries; beta at zeros.
    assert evaluate(mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)) == [3.0, 0.0]
    with pytest.raises(ValueError, match="bn/gamma already exists"):
        mg.layers.batch_normalization(x, name="bn")


def test_moving_statistics_are_never_partitioned():
    with mg.variable_scope("s", partitioner=mg.fixed_size_partitioner(2)):
        mg.layers.batch_normalization(mg.placeholder(mg.float32, [None, 4]), training=True)
    names = [v.name for v in mg.global_variables()]
    assert "s/batch_normalization/gamma/part_0:0" in names
    assert names[-2:] == ["s/batch_normalization/moving_mean:0",
                          "s/batch_normalization/moving_variance:0"]
    assert mg.get_variable_scope().partitioner is None


# -- numbers ---------------------------------------------------------------------------------------
CASES = [  # (input shape, layer kwargs, normalised axes, fused)
    ((6, 3, 4, 5), dict(), [3], True),
    ((6, 3, 4, 5), dict(axis=1), [1], True),
    ((6, 3, 4, 5), dict(fused=False), [3], False),
    ((6, 3, 4, 5), dict(axis=2), [2], False),
    ((6, 3, 4, 5), dict(axis=[1, 3]), [1, 3], False),
    ((8, 5), dict(), [1], False),
    ((4, 3, 5), dict(axis=1), [1], False),
    ((4, 3, 5), dict(axis=-2, fused=True), [1], False),  # fused needs 4-D: quietly composed
]


@pytest.mark.parametrize("shape, kwargs, axes, fused", CASES)
def test_training_output_and_updates(shape, kwargs, axes, fused):
    xv = rng(2).randn(*shape).astype(np.float32) * 2 + 1
    x = mg.placeholder(mg.float32, [None] + list(shape[1:]))
    layer = L(momentum=0.75, epsilon=0.01, gamma_initializer=random_init(1),
              beta_initializer=random_init(2), **kwargs)
    y = layer(x, training=True)
    assert layer.fused == fused and y.shape.as_list() == [None] + list(shape[1:])
    kept = [shape[a] for a in axes]
    assert layer.gamma.shape.as_list() == (kept if len(axes) == 1 else
                                           [d if i in axes else 1 for i, d in enumerate(shape)])
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        gamma, beta = sess.run([layer.gamma, layer.beta])
        out, _ = sess.run([y, mg.get_collection(UPDATE_OPS)], {x: xv})
        moving_mean, moving_var = sess.run([layer.moving_mean, layer.moving_variance])
    mean, var = np_moments(xv, axes)
    np.testing.assert_allclose(out, np_bn(xv, axes, mean, var, gamma, beta, eps=0.01),
                               rtol=1e-5, atol=1e-5)
    # moving = moving * momentum + batch * (1 - momentum); the fused kernel (TF1's
    # FusedBatchNormV3) feeds the unbiased variance to the update, the composed path the
    # biased one.
    n = xv.size // int(np.prod(kept))
    batch_var = var * n / (n - 1) if fused else var
    np.testing.assert_allclose(moving_mean.reshape(kept), 0.25 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_var.reshape(kept), 0.75 + 0.25 * batch_var, rtol=1e-5)


@pytest.mark.parametrize("shape, kwargs, axes, fused", CASES[:2] + CASES[4:6])
def test_inference_uses_moving_statistics(shape, kwargs, axes, fused):
    xv = rng(3).randn(*shape).astype(np.float32)
    x = mg.placeholder(mg.float32, shape)
    layer = L(gamma_initializer=random_init(1), beta_initializer=random_init(2),
              moving_mean_initializer=random_init(3),
              moving_variance_initializer=mg.random_uniform_initializer(0.5, 2, seed=4),
              **kwargs)
    y = layer(x, training=False)
    assert layer.fused == fused
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        out, (gamma, beta, mm, mv) = sess.run([y, layer.weights], {x: xv})
    kept = [shape[a] for a in axes]
    ref = np_bn(xv, axes, mm.reshape(kept), mv.reshape(kept), gamma.reshape(kept),
                beta.reshape(kept))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(6, 2, 3, 4), (8, 4)])
def test_placeholder_training(shape):
    xv = rng(4).randn(*shape).astype(np.float32) + 3
    x = mg.placeholder(mg.float32, [None] + list(shape[1:]))
    training = mg.placeholder(mg.bool, [])
    layer = L(momentum=0.5)
    y = layer(x, training=training)
    updates = mg.get_collection(UPDATE_OPS)
    assert len(updates) == 2 and y.shape.as_list() == [None] + list(shape[1:])
    mean, var = np_moments(xv, [len(shape) - 1])
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        # inference: moving statistics (0, 1); running the updates changes nothing
        out, _ = sess.run([y, updates], {x: xv, training: False})
        np.testing.assert_allclose(out, xv / np.sqrt(1 + 1e-3), rtol=1e-5)
        np.testing.assert_array_equal(sess.run(layer.moving_mean), np.zeros(shape[-1]))
        np.testing.assert_array_equal(sess.run(layer.moving_variance), np.ones(shape[-1]))
        # training: batch statistics, and the moving mean moves half way
        out, _ = sess.run([y, updates], {x: xv, training: True})
        np.testing.assert_allclose(out, np_bn(xv, [len(shape) - 1], mean, var),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(sess.run(layer.moving_mean), 0.5 * mean, rtol=1e-5)


def test_placeholder_with_default_training_and_gradients():
    xv = rng(5).randn(5, 3)
    x = mg.placeholder(mg.float64, xv.shape)
    flag = mg.placeholder_with_default(True, [])
    y = mg.layers.batch_normalization(x, training=flag)
    w = rng(6).randn(5, 3)
    loss = mg.reduce_sum(y * mg.constant(w))
    gx = mg.gradients(loss, x)[0]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        g_train = sess.run(gx, {x: xv})
        g_infer = sess.run(gx, {x: xv, flag: False})
    assert abs(g_train.sum(axis=0)).max() < 1e-10  # batch mean removes any shift
    # inference with the moving statistics (0, 1): y = x / sqrt(1 + eps)
    np.testing.assert_allclose(g_infer, w / np.sqrt(1 + 1e-3), rtol=1e-10)


def test_float16_input_keeps_float32_parameters():
    xv = (rng(7).randn(8, 2, 2, 3) * 3).astype(np.float16)
    x = mg.placeholder(mg.float16, xv.shape)
    layer = L()
    y = layer(x, training=True)
    assert y.dtype == mg.float16 and not layer.fused
    assert all(v.dtype.base_dtype == mg.float32 for v in layer.weights)
    mean, var = np_moments(xv.astype(np.float32), [3])
    np.testing.assert_allclose(session_run(y, {x: xv}), np_bn(xv, [3], mean, var),
                               rtol=1e-2, atol=1e-2)


def test_layer_called_twice_shares_variables():
    layer = L()
    a = layer(mg.placeholder(mg.float32, [None, 3]), training=True)
    b = layer(mg.placeholder(mg.float32, [None, 3]))
    assert len(mg.global_variables()) == 4 and len(layer.inbound_nodes) == 2
    assert a.name != b.name and len(layer.updates) == 2
    assert layer.compute_output_shape([None, 3]).as_list() == [None, 3]


# -- gradients -------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, kwargs, training", [
    ((3, 2, 2, 2), dict(), True),                  # fused NHWC
    ((3, 2, 2, 2), dict(axis=1), True),            # fused NCHW
    ((4, 3), dict(), True),                        # composed
    ((2, 3, 2), dict(axis=1), True),               # composed, broadcast along axis 1
    ((3, 2, 2, 2), dict(), False),                 # fused inference
    ((4, 3), dict(), False),                       # composed inference
])
def test_gradients_match_numeric_differences(shape, kwargs, training):
    r = rng(8)
    xv = r.randn(*shape)
    x = mg.placeholder(mg.float64, shape)
    layer = L(gamma_initializer=random_init(1), beta_initializer=random_init(2), **kwargs)
    # weight the output so the training-mode Jacobian is not trivially zero on sums
    y = layer(x, training=training) * mg.constant(r.randn(*shape))
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        errs = [mg.test.compute_gradient_error(x, list(shape), y, list(shape), x_init_value=xv,
                                               delta=1e-6)]
        for v in (layer.gamma, layer.beta):
            vv = sess.run(v)
            errs.append(mg.test.compute_gradient_error(
                v, v.shape.as_list(), y, list(shape), x_init_value=vv, delta=1e-6,
                extra_feed_dict={x: xv}))
    assert max(errs) < 1e-7


# -- errors ----------------------------------------------------------------------------------------
def test_errors():
    p = mg.placeholder
    with pytest.raises(ValueError, match="undefined `axis` dimension: input shape \\[2,\\?\\]"):
        mg.layers.batch_normalization(p(mg.float32, [2, None]))
    with pytest.raises(ValueError, match="Invalid axis 3 .*rank 2"):
        mg.layers.batch_normalization(p(mg.float32, [2, 3]), axis=3)
    with pytest.raises(ValueError, match="Duplicate axis .*\\[1, -2\\] resolves to \\[1, 1\\]"):
        mg.layers.batch_normalization(p(mg.float32, [2, 3, 4]), axis=[1, -2])
    with pytest.raises(ValueError, match="known rank"):
        mg.layers.batch_normalization(p(mg.float32))
    with pytest.raises(TypeError, match="floating point; its input has dtype int32"):
        mg.layers.batch_normalization(p(mg.int32, [2, 3]))
    with pytest.raises(TypeError, match="`axis` argument .*1.0"):
        L(axis=1.0)
    with pytest.raises(NotImplementedError, match="renorm=True is not implemented"):
        mg.layers.batch_normalization(p(mg.float32, [2, 3]), renorm=True)
    with pytest.raises(NotImplementedError, match="virtual_batch_size"):
        L(virtual_batch_size=2)
    with pytest.raises(NotImplementedError, match="adjustment"):
        L(adjustment=lambda shape: (1.0, 0.0))
    with pytest.raises(TypeError, match="`training` .*bool tensor.*float32"):
        mg.layers.batch_normalization(p(mg.float32, [2, 3]), training=p(mg.float32, []))
    with pytest.raises(TypeError, match="`training` .*'yes'"):
        mg.layers.batch_normalization(p(mg.float32, [2, 3]), training="yes")
    layer = L()
    layer(p(mg.float32, [None, 3]))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        layer(p(mg.float32, [None, 4]))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layer(p(mg.float32, [None, 2, 3]))
