"""mg.layers MaxPooling2D/AveragePooling2D (and functions, TF1 aliases) vs a NumPy reference."""
import math

import numpy as np
import pytest

import minigraph as mg
from util import evaluate, rng


def np_pool(x, pool_size, strides, padding, kind, channels_first=False):
    """NHWC pooling in float64; "same" windows only see in-range positions (TF's rule)."""
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool_size, strides
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        top = max((oh - 1) * sh + ph - h, 0) // 2
        left = max((ow - 1) * sw + pw - w, 0) // 2
    else:
        oh, ow = math.ceil((h - ph + 1) / sh), math.ceil((w - pw + 1) / sw)
        top = left = 0
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - top, j * sw - left
            win = x[:, max(r0, 0):min(r0 + ph, h), max(c0, 0):min(c0 + pw, w), :]
            win = win.astype(np.float64)
            out[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out.transpose(0, 3, 1, 2) if channels_first else out


CASES = [
    dict(pool_size=2, strides=2),
    dict(pool_size=(2, 3), strides=(1, 2)),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=(3, 2), strides=1, padding="SAME"),
    dict(pool_size=2, strides=(2, 1), padding="Valid"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("kwargs", CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_matches_numpy(kind, kwargs, data_format):
    cf = data_format == "channels_first"
    shape = (2, 3, 7, 6) if cf else (2, 7, 6, 3)
    x = rng(1).randn(*shape).astype(np.float32)
    cls = mg.layers.MaxPooling2D if kind == "max" else mg.layers.AveragePooling2D
    layer = cls(data_format=data_format, **kwargs)
    xp = mg.placeholder(mg.float32, [None] + list(shape[1:]))
    y = layer(xp)
    ref = np_pool(x, layer.pool_size, layer.strides, layer.padding, kind, cf)
    assert y.shape.as_list() == [None] + list(ref.shape[1:])
    assert layer.compute_output_shape(shape).as_list() == list(ref.shape)
    np.testing.assert_allclose(evaluate(y, {xp: x}), ref, rtol=1e-5, atol=1e-6)


def test_names_ops_and_no_variables():
    x = mg.placeholder(mg.float32, [None, 4, 4, 3])
    y1 = mg.layers.max_pooling2d(x, 2, 2)
    y2 = mg.layers.average_pooling2d(x, 2, 1, padding="SAME")
    y3 = mg.layers.max_pooling2d(x, 2, 2, name="pool")
    assert (y1.name, y2.name, y3.name) == ("max_pooling2d/MaxPool:0",
                                           "average_pooling2d/AvgPool:0", "pool/MaxPool:0")
    assert y1.shape.as_list() == [None, 2, 2, 3] and y2.shape.as_list() == [None, 4, 4, 3]
    assert y1.op.type == "MaxPool" and y2.op.type == "AvgPool"
    assert y1.op.get_attr("ksize") == [1, 2, 2, 1] and y1.op.get_attr("padding") == "VALID"
    assert mg.global_variables() == []


def test_channels_first_op_attrs():
    x = mg.placeholder(mg.float32, [2, 3, 5, 5])
    y = mg.layers.max_pooling2d(x, (2, 1), 2, data_format="channels_first")
    assert y.shape.as_list() == [2, 3, 2, 3]
    assert y.op.get_attr("data_format") == "NCHW"
    assert y.op.get_attr("ksize") == [1, 1, 2, 1] and y.op.get_attr("strides") == [1, 1, 2, 2]


def test_tf1_aliases():
    assert mg.layers.MaxPool2D is mg.layers.MaxPooling2D
    assert mg.layers.AvgPool2D is mg.layers.AveragePooling2D
    assert mg.layers.max_pool2d is mg.layers.max_pooling2d
    assert mg.layers.avg_pool2d is mg.layers.average_pooling2d
    layer = mg.layers.MaxPool2D(2, 2)
    assert layer(mg.placeholder(mg.float32, [1, 4, 4, 1])).name == "max_pooling2d/MaxPool:0"


def test_layer_attributes_and_reuse():
    layer = mg.layers.AveragePooling2D(3, (1, 2), padding="SAME")
    assert (layer.pool_size, layer.strides, layer.padding, layer.data_format) == (
        (3, 3), (1, 2), "same", "channels_last")
    a = layer(mg.placeholder(mg.float32, [1, 6, 6, 2]))
    b = layer(mg.placeholder(mg.float32, [3, 4, 4, 5]))
    assert a.shape.as_list() == [1, 6, 3, 2] and b.shape.as_list() == [3, 4, 2, 5]
    assert b.name == "average_pooling2d/AvgPool_1:0"  # same layer, same name scope (TF1)


def test_unknown_spatial_dims_stay_unknown():
    x = mg.placeholder(mg.float32, [None, None, 8, 3])
    layer = mg.layers.MaxPooling2D(2, 2)
    assert layer(x).shape.as_list() == [None, None, 4, 3]
    out = evaluate(layer(x), {x: np.ones((1, 5, 8, 3), np.float32)})
    assert out.shape == (1, 2, 4, 3)


def test_errors():
    with pytest.raises(ValueError, match="`strides` of pooling layer max_pooling2d.* None"):
        mg.layers.MaxPooling2D(2, None)
    with pytest.raises(TypeError):
        mg.layers.MaxPooling2D(2)  # strides is required, as in TF1
    with pytest.raises(ValueError, match="`pool_size` .*Received: 0"):
        mg.layers.AveragePooling2D(0, 2)
    with pytest.raises(ValueError, match="`strides` .*Received: \\(1, 2, 3\\)"):
        mg.layers.AveragePooling2D(2, (1, 2, 3))
    with pytest.raises(ValueError, match="`padding` .*'full'"):
        mg.layers.max_pooling2d(mg.placeholder(mg.float32, [1, 4, 4, 1]), 2, 2, padding="full")
    with pytest.raises(ValueError, match="`data_format` .*'NHWC'"):
        mg.layers.MaxPooling2D(2, 2, data_format="NHWC")
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        mg.layers.max_pooling2d(mg.placeholder(mg.float32, [2, 4, 4]), 2, 2)
    with pytest.raises(ValueError, match=r"max_pooling2d_\d+: input shape \[2,1,5,3\] is too "
                                         r"small.*dimension 0: size 1"):
        mg.layers.max_pooling2d(mg.placeholder(mg.float32, [2, 1, 5, 3]), 2, 2)
    layer = mg.layers.MaxPooling2D(2, 2)
    with pytest.raises(ValueError, match="expects 4-D inputs"):
        layer.compute_output_shape([2, 4, 4])
    with pytest.raises(TypeError, match="takes a TensorShape"):
        layer.compute_output_shape("x")


@pytest.mark.parametrize("fn", [mg.layers.max_pooling2d, mg.layers.average_pooling2d])
def test_gradients(fn):
    xv = rng(2).randn(1, 5, 4, 2)
    x = mg.placeholder(mg.float64, xv.shape)
    y = fn(x, (2, 2), (2, 1), padding="same")
    with mg.Session():
        err = mg.test.compute_gradient_error(x, list(xv.shape), y, y.shape.as_list(),
                                             x_init_value=xv, delta=1e-6)
    assert err < 1e-7
