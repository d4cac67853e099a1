"""mg.layers.SeparableConv2D / separable_conv2d: every argument, against a NumPy reference."""
import math

import numpy as np
import pytest

import minigraph as mg
from util import evaluate, gradient_error, rng

L = mg.layers.SeparableConv2D


# -- NumPy reference ------------------------------------------------------------------------------
def np_depthwise(x, dw, strides, padding, dilation):
    """NHWC depthwise convolution in float64; output channel c * m + q, as in TF."""
    n, h, w, c = x.shape
    kh, kw, _, m = dw.shape
    (sh, sw), (dh, dwd) = strides, dilation
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dwd + 1
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        ph_, pw_ = max((oh - 1) * sh + ekh - h, 0), max((ow - 1) * sw + ekw - w, 0)
        pads = ((0, 0), (ph_ // 2, ph_ - ph_ // 2), (pw_ // 2, pw_ - pw_ // 2), (0, 0))
    else:
        oh, ow = math.ceil((h - ekh + 1) / sh), math.ceil((w - ekw + 1) / sw)
        pads = ((0, 0),) * 4
    xp = np.pad(x.astype(np.float64), pads)
    out = np.zeros((n, oh, ow, c, m))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh: i * dh + (oh - 1) * sh + 1: sh,
                       j * dwd: j * dwd + (ow - 1) * sw + 1: sw, :]
            out += patch[..., None] * dw[i, j].astype(np.float64)
    return out.reshape(n, oh, ow, c * m)


def np_separable(x, dw, pw, b=None, strides=(1, 1), padding="valid", dilation=(1, 1),
                 channels_first=False, activation=None):
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    out = np_depthwise(x, dw, strides, padding, dilation) @ pw[0, 0].astype(np.float64)
    if b is not None:
        out = out + b
    if activation is not None:
        out = activation(out)
    return out.transpose(0, 3, 1, 2) if channels_first else out


def run_layer(layer, x_value, placeholder_shape=None):
    """Call `layer` on a placeholder, run it; returns (output, weights) as NumPy arrays."""
    shape = list(placeholder_shape or x_value.shape)
    x = mg.placeholder(mg.as_dtype(x_value.dtype), shape)
    y = layer(x)
    out, weights = evaluate([y, layer.weights], {x: x_value})
    return y, out, weights


def random_input(shape=(2, 7, 6, 3), seed=0, dtype=np.float32):
    return rng(seed).randn(*shape).astype(dtype)


def check_against_numpy(layer_kwargs, x_shape=(2, 7, 6, 3), **ref_kwargs):
    cf = layer_kwargs.get("data_format") == "channels_first"
    x = random_input(x_shape)
    layer = L(bias_initializer=mg.random_normal_initializer(seed=3), **layer_kwargs)
    y, out, weights = run_layer(layer, x, [None] + list(x_shape[1:]))
    dw, pw = weights[0], weights[1]
    b = weights[2] if layer.use_bias else None
    ref = np_separable(x, dw, pw, b, strides=layer.strides, padding=layer.padding,
                       dilation=layer.dilation_rate, channels_first=cf, **ref_kwargs)
    assert y.shape.as_list() == [None] + list(ref.shape[1:])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    return layer, out


# -- variables ---------------------------------------------------------------------------------
def test_variables_names_and_shapes():
    layer = L(5, (3, 2), depth_multiplier=2)
    layer(mg.placeholder(mg.float32, [None, 8, 8, 3]))
    assert [(v.name, v.shape.as_list()) for v in layer.weights] == [
        ("separable_conv2d/depthwise_kernel:0", [3, 2, 3, 2]),
        ("separable_conv2d/pointwise_kernel:0", [1, 1, 6, 5]),
        ("separable_conv2d/bias:0", [5])]
    assert layer.depthwise_kernel is layer.weights[0]
    assert layer.pointwise_kernel is layer.weights[1] and layer.bias is layer.weights[2]
    assert layer.count_params() == 3 * 2 * 3 * 2 + 6 * 5 + 5
    assert mg.get_collection(mg.GraphKeys.TRAINABLE_VARIABLES) == layer.weights


def test_default_names_and_op_names():
    x = mg.placeholder(mg.float32, [None, 8, 8, 3])
    y1 = mg.layers.separable_conv2d(x, 4, 3)
    y2 = mg.layers.separable_conv2d(x, 4, 3)
    assert (y1.name, y2.name) == ("separable_conv2d/BiasAdd:0", "separable_conv2d_1/BiasAdd:0")
    ops = {op.name: op.type for op in mg.get_default_graph().get_operations()}
    assert ops["separable_conv2d/separable_conv2d/depthwise"] == "DepthwiseConv2dNative"
    assert ops["separable_conv2d/separable_conv2d"] == "Conv2D"
    assert [v.name for v in mg.global_variables()][3:] == [
        "separable_conv2d_1/depthwise_kernel:0", "separable_conv2d_1/pointwise_kernel:0",
        "separable_conv2d_1/bias:0"]


def test_alias_and_layer_name():
    assert mg.layers.SeparableConvolution2D is L
    assert mg.layers.separable_convolution2d is mg.layers.separable_conv2d
    layer = L(2, 1, name="sep")
    layer(mg.placeholder(mg.float32, [1, 4, 4, 2]))
    assert layer.name == "sep" and layer.scope_name == "sep"


def test_default_initializers():
    layer = L(4, 3)
    _, _, (dw, pw, b) = run_layer(layer, random_input())
    np.testing.assert_array_equal(b, np.zeros(4))
    # glorot uniform: limit sqrt(6 / (fan_in + fan_out)).
    assert np.abs(dw).max() <= math.sqrt(6 / (9 * 3 + 9 * 1)) and dw.std() > 0
    assert np.abs(pw).max() <= math.sqrt(6 / (3 + 4)) and pw.std() > 0


def test_custom_initializers():
    layer = L(2, 2, depthwise_initializer=mg.constant_initializer(0.5),
              pointwise_initializer=mg.ones_initializer(),
              bias_initializer=mg.constant_initializer(-1.0))
    x = np.ones((1, 3, 3, 2), np.float32)
    _, out, _ = run_layer(layer, x)
    # each depthwise output: 4 taps * 0.5 = 2; pointwise sums 2 channels = 4; bias -1.
    np.testing.assert_allclose(out, np.full((1, 2, 2, 2), 3.0))


def test_bias_initializer_none_uses_default_initializer_like_tf1():
    layer = L(3, 1, bias_initializer=None)
    _, _, (_, _, b) = run_layer(layer, random_input())
    assert np.abs(b).max() > 0  # glorot uniform, not zeros


def test_string_initializer_and_activation():
    layer = L(3, 2, bias_initializer="ones", activation="relu")
    _, out, _ = run_layer(layer, random_input())
    assert layer.activation is mg.nn.relu and (out >= 0).all()


def test_initializer_from_enclosing_scope():
    with mg.variable_scope("vs", initializer=mg.constant_initializer(0.25)):
        layer = L(2, 2)
        _, _, (dw, pw, b) = run_layer(layer, random_input())
    assert layer.depthwise_kernel.name == "vs/separable_conv2d/depthwise_kernel:0"
    np.testing.assert_array_equal(dw, np.full((2, 2, 3, 1), 0.25))
    np.testing.assert_array_equal(pw, np.full((1, 1, 3, 2), 0.25))
    np.testing.assert_array_equal(b, np.zeros(2))  # bias keeps its own zeros default


# -- values: every geometry argument -----------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, padding="same"),
    dict(filters=4, kernel_size=3, padding="SAME"),
    dict(filters=4, kernel_size=3, padding="Valid"),
    dict(filters=2, kernel_size=(3, 2), strides=2),
    dict(filters=2, kernel_size=3, strides=(2, 1), padding="same"),
    dict(filters=2, kernel_size=(2, 3), strides=(1, 3)),
    dict(filters=3, kernel_size=3, dilation_rate=2),
    dict(filters=3, kernel_size=2, dilation_rate=(2, 1), padding="same"),
    dict(filters=5, kernel_size=3, depth_multiplier=3),
    dict(filters=5, kernel_size=3, depth_multiplier=2, strides=2, padding="same"),
    dict(filters=4, kernel_size=1),
    dict(filters=4, kernel_size=3, use_bias=False),
])
def test_values_match_numpy(kwargs):
    check_against_numpy(kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(filters=4, kernel_size=3),
    dict(filters=2, kernel_size=3, strides=(2, 1), padding="same"),
    dict(filters=3, kernel_size=2, dilation_rate=2, depth_multiplier=2),
    dict(filters=3, kernel_size=3, padding="same", use_bias=False),
])
def test_channels_first_matches_numpy_and_channels_last(kwargs):
    layer, _ = check_against_numpy(dict(kwargs, data_format="channels_first"),
                                   x_shape=(2, 3, 7, 6))
    assert layer.data_format == "channels_first"
    assert layer.depthwise_kernel.shape.as_list()[2] == 3
    # The same weights in channels_last give exactly the transposed result.
    x = random_input((2, 3, 7, 6))
    xf = mg.placeholder(mg.float32, [None, 3, 7, 6])
    xl = mg.placeholder(mg.float32, [None, 7, 6, 3])
    yf = layer(xf)
    last = L(**kwargs)
    yl = last(xl)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for src, dst in zip(layer.weights, last.weights):
            dst.load(sess.run(src), sess)
        out_first, out_last = sess.run([yf, yl], {xf: x, xl: x.transpose(0, 2, 3, 1)})
    np.testing.assert_allclose(out_last.transpose(0, 3, 1, 2), out_first, rtol=1e-6,
                               atol=1e-6)


def test_activation_callable():
    check_against_numpy(dict(filters=3, kernel_size=2, activation=mg.nn.relu),
                        activation=lambda v: np.maximum(v, 0))
    check_against_numpy(dict(filters=3, kernel_size=2, activation=mg.tanh), activation=np.tanh)


def test_float64_layer():
    x = random_input(dtype=np.float64)
    layer = L(3, 2, dtype=mg.float64)
    y, out, (dw, pw, b) = run_layer(layer, x)
    assert y.dtype == mg.float64 and dw.dtype == np.float64
    np.testing.assert_allclose(out, np_separable(x, dw, pw, b), rtol=1e-12)


def test_gradients_match_numeric_differences():
    def build(x, dw, pw, b):
        layer = L(2, 2, strides=(2, 1), padding="same", depth_multiplier=2,
                  dtype=mg.float64)
        layer.build(x.shape)
        layer.depthwise_kernel, layer.pointwise_kernel, layer.bias = dw, pw, b
        return layer.call(x)
    r = rng(5)
    err = gradient_error(build, r.randn(1, 4, 3, 2), r.randn(2, 2, 2, 2),
                         r.randn(1, 1, 4, 2), r.randn(2))
    assert err < 1e-6


def test_gradients_reach_every_variable():
    layer = L(2, 3, padding="same")
    x = mg.placeholder(mg.float32, [2, 5, 5, 3])
    loss = mg.reduce_sum(layer(x) ** 2)
    grads = mg.gradients(loss, [x] + layer.weights)
    assert all(g is not None for g in grads)
    assert [g.shape.as_list() for g in grads[1:]] == [v.shape.as_list() for v in layer.weights]


# -- shapes: compute_output_shape --------------------------------------------------------------
@pytest.mark.parametrize("kwargs, in_shape, out_shape", [
    (dict(), [None, 8, 8, 3], [None, 6, 6, 4]),
    (dict(padding="same", strides=2), [2, 7, 8, 3], [2, 4, 4, 4]),
    (dict(strides=(2, 1)), [2, 7, 8, 3], [2, 3, 6, 4]),
    (dict(dilation_rate=2), [None, 8, 9, 3], [None, 4, 5, 4]),
    (dict(data_format="channels_first"), [2, 3, 7, 8], [2, 4, 5, 6]),
    (dict(), [None, None, 8, None], [None, None, 6, 4]),
])
def test_compute_output_shape(kwargs, in_shape, out_shape):
    layer = L(4, 3, **kwargs)
    assert layer.compute_output_shape(in_shape).as_list() == out_shape
    assert layer.compute_output_shape(mg.TensorShape(in_shape)).as_list() == out_shape
    x = mg.placeholder(mg.float32, in_shape[:-1] + [in_shape[-1] or 3]
                       if kwargs.get("data_format") != "channels_first" else in_shape)
    assert layer(x).shape.as_list()[1:] == out_shape[1:]


def test_compute_output_shape_errors():
    layer = L(4, 3)
    with pytest.raises(TypeError, match="compute_output_shape of layer separable_conv2d_1"):
        layer.compute_output_shape("abc")
    with pytest.raises(TypeError, match="TensorShape"):
        layer.compute_output_shape(3.5)
    with pytest.raises(ValueError, match="unknown rank"):
        layer.compute_output_shape(None)
    with pytest.raises(ValueError, match="expects 4-D inputs"):
        layer.compute_output_shape([None, 8, 3])
    with pytest.raises(ValueError, match="too small for the kernel"):
        layer.compute_output_shape([None, 2, 8, 3])
    layer(mg.placeholder(mg.float32, [None, 8, 8, 3]))
    with pytest.raises(ValueError, match="built for inputs with 3 channels"):
        layer.compute_output_shape([None, 8, 8, 5])


# -- regularizers, constraints, trainable ------------------------------------------------------
def test_regularizers_add_losses():
    layer = L(3, 2, depthwise_regularizer=mg.regularizers.l2(0.1),
              pointwise_regularizer=mg.regularizers.l1(0.2),
              bias_regularizer=mg.regularizers.l2(0.3),
              bias_initializer=mg.ones_initializer())
    layer(mg.placeholder(mg.float32, [None, 7, 6, 3]))
    names = [t.name for t in layer.losses]
    assert names == ["separable_conv2d/depthwise_kernel/Regularizer/add:0",
                     "separable_conv2d/pointwise_kernel/Regularizer/add:0",
                     "separable_conv2d/bias/Regularizer/add:0"]
    assert mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES) == layer.losses
    (dw, pw, b), values = evaluate([layer.weights, layer.losses])
    np.testing.assert_allclose(values, [0.1 * (dw ** 2).sum(), 0.2 * np.abs(pw).sum(),
                                        0.3 * (b ** 2).sum()], rtol=1e-5)


def test_activity_regularizer():
    layer = L(3, 2, activity_regularizer=mg.regularizers.l2(0.5))
    x = random_input()
    xp = mg.placeholder(mg.float32, [None, 7, 6, 3])
    y = layer(xp)
    [loss] = layer.losses
    assert loss.name == "separable_conv2d/ActivityRegularizer/truediv:0"
    assert layer.get_losses_for(xp) == [loss]
    out, value = evaluate([y, loss], {xp: x})
    assert value == pytest.approx(0.5 * (out.astype(np.float64) ** 2).sum() / 2, rel=1e-5)


def test_any_callable_regularizer():
    layer = L(3, 2, pointwise_regularizer=lambda w: mg.reduce_mean(w))
    run_layer(layer, random_input())
    assert layer.losses[0].name == "separable_conv2d/pointwise_kernel/Regularizer/Mean:0"


def test_constraints_are_stored_on_the_variables():
    c = mg.constraints.non_neg()
    layer = L(3, 2, depthwise_constraint=c, pointwise_constraint=mg.constraints.max_norm(1.0),
              bias_constraint=lambda w: mg.clip_by_value(w, -0.1, 0.1))
    layer(mg.placeholder(mg.float32, [None, 7, 6, 3]))
    assert layer.depthwise_kernel.constraint is c
    assert isinstance(layer.pointwise_kernel.constraint, mg.constraints.MaxNorm)
    assert callable(layer.bias.constraint)


def test_constraints_applied_after_an_optimizer_step():
    layer = L(3, 2, depthwise_constraint=mg.constraints.non_neg(),
              pointwise_constraint=mg.constraints.max_norm(0.5, axis=[0, 1, 2]),
              bias_constraint=lambda w: mg.clip_by_value(w, -0.01, 0.01))
    x = mg.placeholder(mg.float32, [None, 7, 6, 3])
    loss = mg.reduce_mean(mg.square(layer(x) - 3.0))
    train = mg.train.GradientDescentOptimizer(0.5).minimize(loss)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess.run(train, {x: random_input()})
        dw, pw, b = sess.run(layer.weights)
    assert (dw >= 0).all()
    assert np.sqrt((pw.astype(np.float64) ** 2).sum(axis=(0, 1, 2))).max() <= 0.5 + 1e-5
    assert np.abs(b).max() <= 0.01 + 1e-7


def test_trainable_false():
    layer = L(3, 2, trainable=False)
    layer(mg.placeholder(mg.float32, [None, 7, 6, 3]))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    assert mg.trainable_variables() == [] and len(mg.global_variables()) == 3


# -- reuse -------------------------------------------------------------------------------------
def test_reuse_by_name():
    x = mg.placeholder(mg.float32, [None, 8, 8, 3])
    y1 = mg.layers.separable_conv2d(x, 4, 3, name="sep")
    y2 = mg.layers.separable_conv2d(x, 4, 3, name="sep", reuse=True)
    assert len(mg.global_variables()) == 3
    assert y1.name == "sep/BiasAdd:0" and y2.name == "sep_1/BiasAdd:0"
    a, b = evaluate([y1, y2], {x: random_input((1, 8, 8, 3))})
    np.testing.assert_array_equal(a, b)


def test_reuse_without_flag_raises():
    x = mg.placeholder(mg.float32, [None, 8, 8, 3])
    mg.layers.separable_conv2d(x, 4, 3, name="sep")
    with pytest.raises(ValueError, match="sep/depthwise_kernel already exists"):
        mg.layers.separable_conv2d(x, 4, 3, name="sep")


def test_reuse_by_scope_and_auto_reuse():
    x = mg.placeholder(mg.float32, [None, 8, 8, 3])
    with mg.variable_scope("tower"):
        mg.layers.separable_conv2d(x, 4, 3, name="conv")
    with mg.variable_scope("tower", reuse=True):
        mg.layers.separable_conv2d(x, 4, 3, name="conv")
    for _ in range(2):
        with mg.variable_scope("auto", reuse=mg.AUTO_REUSE):
            mg.layers.separable_conv2d(x, 4, 3, name="conv")
    assert [v.name for v in mg.global_variables()] == [
        "tower/conv/depthwise_kernel:0", "tower/conv/pointwise_kernel:0", "tower/conv/bias:0",
        "auto/conv/depthwise_kernel:0", "auto/conv/pointwise_kernel:0", "auto/conv/bias:0"]


def test_layer_object_called_twice_shares_weights():
    layer = L(4, 3)
    a = mg.placeholder(mg.float32, [None, 8, 8, 3])
    b = mg.placeholder(mg.float32, [None, 10, 10, 3])
    ya, yb = layer(a), layer(b)
    assert len(mg.global_variables()) == 3
    assert layer.get_output_shape_at(1) == (None, 8, 8, 4)
    assert yb.op.name == "separable_conv2d/BiasAdd_1"


# -- argument errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(kernel_size=(3, 3, 3)), ValueError,
     r"`kernel_size` argument of layer \S+ must be an int or a tuple of 2 integers. "
     r"Received: \(3, 3, 3\)"),
    (dict(kernel_size="a"), ValueError, "`kernel_size`.*Received: 'a'"),
    (dict(kernel_size=3.5), ValueError, "`kernel_size`.*Received: 3.5"),
    (dict(kernel_size=(3, 0)), ValueError, "`kernel_size`.*>= 1"),
    (dict(strides=0), ValueError, "`strides`.*>= 1. Received: 0"),
    (dict(strides=(1, -1)), ValueError, "`strides`.*>= 1"),
    (dict(strides=(1, 2.0)), ValueError, "`strides`.*element 2.0 of type float"),
    (dict(dilation_rate=(1, 0)), ValueError, "`dilation_rate`"),
    (dict(strides=2, dilation_rate=2), ValueError,
     r"`strides` > 1 is not supported in conjunction with `dilation_rate` > 1.*"
     r"strides=\(2, 2\) and dilation_rate=\(2, 2\)"),
    (dict(strides=(1, 2), dilation_rate=(2, 1)), ValueError, "conjunction"),
    (dict(padding="full"), ValueError, "`padding`.*\"valid\", \"same\".*'full'"),
    (dict(data_format="NHWC"), ValueError, "`data_format`.*'NHWC'"),
    (dict(filters=0), ValueError, "`filters`.*positive integer. Received: 0"),
    (dict(filters="4"), TypeError, "`filters`.*'4' \\(str\\)"),
    (dict(depth_multiplier=0), ValueError, "`depth_multiplier`.*Received: 0"),
    (dict(activation="nope"), ValueError, "activation 'nope'"),
    (dict(depthwise_initializer="nope"), ValueError, "`depthwise_initializer` 'nope'"),
    (dict(pointwise_regularizer=5), ValueError, "`pointwise_regularizer`"),
    (dict(bias_constraint="nope"), ValueError, "`bias_constraint`"),
    (dict(activity_regularizer=3), ValueError,
     "Bad `activity_regularizer` for layer separable_conv2d_1"),
    (dict(foo=1), TypeError, "Keyword argument not understood: 'foo'"),
])
def test_constructor_errors(kwargs, error, message):
    args = dict(filters=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        L(**args)


def test_argument_normalisation():
    layer = L(4.0, [3, 2], strides=np.int64(2), padding="SAME", data_format="Channels_First",
              dilation_rate=[1, 1], depth_multiplier=2.0)
    assert (layer.filters, layer.kernel_size, layer.strides) == (4, (3, 2), (2, 2))
    assert (layer.padding, layer.data_format, layer.dilation_rate) == \
        ("same", "channels_first", (1, 1))
    assert layer.depth_multiplier == 2 and L(1, 1, data_format=None).data_format == \
        "channels_last"
    assert layer.use_bias and layer.activation is None


@pytest.mark.parametrize("shape, dtype, error, message", [
    ([None, 8, 3], mg.float32, ValueError,
     "Input 0 of layer separable_conv2d_1 is incompatible with the layer: expected ndim=4, "
     "found ndim=3"),
    (None, mg.float32, ValueError, "expected ndim=4, found ndim=None"),
    ([None, 8, 8, None], mg.float32, ValueError,
     "channel dimension of the inputs to layer separable_conv2d_1 should be defined"),
    ([None, 8, 8, 3], mg.int32, TypeError, "separable_conv2d_1 computes in floating point"),
    ([None, 2, 8, 3], mg.float32, ValueError, "too small for the kernel"),
])
def test_call_errors(shape, dtype, error, message):
    with pytest.raises(error, match=message):
        L(4, 3)(mg.placeholder(dtype, shape))


def test_second_call_with_other_channels_is_rejected():
    layer = L(4, 3)
    layer(mg.placeholder(mg.float32, [None, 8, 8, 3]))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(mg.placeholder(mg.float32, [None, 8, 8, 5]))
    cf = L(4, 3, data_format="channels_first")
    cf(mg.placeholder(mg.float32, [None, 3, 8, 8]))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        cf(mg.placeholder(mg.float32, [None, 5, 8, 8]))


def test_numpy_input():
    y = L(2, 3)(random_input((1, 5, 5, 3)))
    assert y.shape.as_list() == [1, 3, 3, 2] and y.dtype == mg.float32
