"""mg.layers.Conv2D / conv2d: arguments, variables and values against a NumPy reference."""
import math

import numpy as np
import pytest

import minigraph as mg
from util import evaluate, rng

L = mg.layers.Conv2D


def np_conv2d(x, k, b=None, strides=(1, 1), padding="valid", dilation=(1, 1),
              channels_first=False):
    """NHWC (or NCHW) 2-D cross-correlation in float64, TF's SAME padding split."""
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, _ = x.shape
    kh, kw, _, f = k.shape
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
    out = np.zeros((n, oh, ow, f))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dh: i * dh + (oh - 1) * sh + 1: sh,
                       j * dwd: j * dwd + (ow - 1) * sw + 1: sw, :]
            out += patch @ k[i, j].astype(np.float64)
    if b is not None:
        out += b
    return out.transpose(0, 3, 1, 2) if channels_first else out


def test_variables_and_names():
    x = mg.placeholder(mg.float32, [None, 8, 8, 3])
    layer = L(5, (3, 2))
    y = layer(x)
    assert layer.name == "conv2d_1" and y.name == "conv2d/BiasAdd:0"
    assert [(v.name, v.shape.as_list()) for v in layer.weights] == [
        ("conv2d/kernel:0", [3, 2, 3, 5]), ("conv2d/bias:0", [5])]
    assert layer.kernel is layer.weights[0] and layer.count_params() == 18 * 5 + 5
    assert mg.get_default_graph().get_operation_by_name("conv2d/Conv2D").type == "Conv2D"
    y2 = mg.layers.conv2d(x, 2, 1)
    assert y2.name == "conv2d_1/BiasAdd:0"
    assert mg.layers.Convolution2D is L and mg.layers.convolution2d is mg.layers.conv2d


@pytest.mark.parametrize("kwargs", [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, padding="SAME"),
    dict(filters=2, kernel_size=(3, 2), strides=(2, 1), padding="same"),
    dict(filters=3, kernel_size=2, dilation_rate=(2, 1)),
    dict(filters=3, kernel_size=3, use_bias=False),
    dict(filters=3, kernel_size=2, data_format="channels_first", strides=2),
    dict(filters=3, kernel_size=3, data_format="channels_first", dilation_rate=2,
         padding="same"),
])
def test_values_match_numpy(kwargs):
    cf = kwargs.get("data_format") == "channels_first"
    shape = (2, 3, 7, 6) if cf else (2, 7, 6, 3)
    x = rng(1).randn(*shape).astype(np.float32)
    layer = L(bias_initializer=mg.random_normal_initializer(seed=2), **kwargs)
    xp = mg.placeholder(mg.float32, [None] + list(shape[1:]))
    y = layer(xp)
    out, weights = evaluate([y, layer.weights], {xp: x})
    ref = np_conv2d(x, weights[0], weights[1] if layer.use_bias else None, layer.strides,
                    layer.padding, layer.dilation_rate, cf)
    assert y.shape.as_list()[1:] == list(ref.shape[1:])
    assert layer.compute_output_shape(shape).as_list() == list(ref.shape)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_activation_regularizers_constraints_and_trainable():
    c = mg.constraints.unit_norm(axis=[0, 1, 2])
    layer = L(2, 3, activation=mg.nn.relu, kernel_regularizer=mg.regularizers.l2(0.1),
              bias_regularizer=mg.regularizers.l1(0.1), activity_regularizer="l1",
              kernel_constraint=c, bias_constraint=mg.constraints.non_neg(), trainable=False)
    x = mg.placeholder(mg.float32, [None, 5, 5, 3])
    y = layer(x)
    assert y.op.type == "Relu" and layer.kernel.constraint is c
    assert [t.name for t in layer.losses] == ["conv2d/ActivityRegularizer/truediv:0",
                                              "conv2d/kernel/Regularizer/add:0",
                                              "conv2d/bias/Regularizer/add:0"]
    assert layer.trainable_weights == [] and mg.trainable_variables() == []


def test_kernel_initializer_and_reuse():
    x = mg.placeholder(mg.float32, [None, 4, 4, 2])
    y1 = mg.layers.conv2d(x, 2, 2, kernel_initializer=mg.ones_initializer(), name="c")
    y2 = mg.layers.conv2d(x, 2, 2, name="c", reuse=True)
    assert len(mg.global_variables()) == 2
    a, b = evaluate([y1, y2], {x: np.ones((1, 4, 4, 2), np.float32)})
    np.testing.assert_array_equal(a, np.full((1, 3, 3, 2), 8.0))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(kernel_size=(1, 2, 3)), ValueError, "`kernel_size` argument of layer conv2d_1"),
    (dict(strides=2, dilation_rate=2), ValueError, "conjunction"),
    (dict(padding="causal"), ValueError, "`padding`"),
    (dict(filters=-1), ValueError, "`filters`"),
    (dict(kernel_initializer="bad"), ValueError, "`kernel_initializer`"),
    (dict(kernel_regularizer=1), ValueError, "`kernel_regularizer`"),
    (dict(kernel_constraint=1), ValueError, "`kernel_constraint`"),
])
def test_constructor_errors(kwargs, error, message):
    args = dict(filters=2, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        L(**args)


def test_call_errors():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=2"):
        L(2, 3)(mg.placeholder(mg.float32, [None, 3]))
    with pytest.raises(ValueError, match="channel dimension"):
        L(2, 3, data_format="channels_first")(mg.placeholder(mg.float32, [None, None, 5, 5]))
    with pytest.raises(ValueError, match="too small"):
        L(2, 3)(mg.placeholder(mg.float32, [None, 5, 2, 1]))
