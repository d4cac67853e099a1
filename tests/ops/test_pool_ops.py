"""MaxPool / AvgPool ops: values in both layouts against naive references, gradients of
every pooling op (MaxPoolGrad and MaxPoolGradGrad included), names, shapes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigraph as mg
from minigraph.framework.registry import make_tensor
from tests.kernels import refs
from tests.util import evaluate, gradient_error, rng


def _nchw(a):
    return np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2)))


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 3), st.sampled_from(["SAME", "VALID"]),
       st.sampled_from(["NHWC", "NCHW"]), st.sampled_from([np.float32, np.float64]))
def test_pools_match_reference_in_both_layouts(h, w, kh, kw, sh, sw, padding, fmt, dt):
    if padding == "VALID" and (h < kh or w < kw):
        padding = "SAME"
    x = rng(h * w).uniform(-1, 1, (2, h, w, 3)).astype(dt)
    feed = _nchw(x) if fmt == "NCHW" else x
    xp = mg.placeholder(dt, [None] * 4)
    k = [kh, kw]
    s = [sh, sw]
    mp = mg.nn.max_pool(xp, k, s, padding, data_format=fmt)
    ap = mg.nn.avg_pool(xp, k, s, padding, data_format=fmt)
    got_m, got_a = evaluate([mp, ap], {xp: feed})
    if fmt == "NCHW":
        got_m, got_a = np.transpose(got_m, (0, 2, 3, 1)), np.transpose(got_a, (0, 2, 3, 1))
    assert got_m.dtype == dt and got_a.dtype == dt
    np.testing.assert_array_equal(got_m, refs.max_pool(x, k, s, padding))
    np.testing.assert_allclose(got_a, refs.avg_pool(x, k, s, padding), rtol=1e-6, atol=1e-7)


def test_names_shapes_and_argument_forms():
    x = mg.placeholder(mg.float32, [None, 7, None, 3])
    a = mg.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    assert a.name == "MaxPool:0" and a.shape.as_list() == [None, 4, None, 3]
    b = mg.nn.avg_pool(x, 3, 2, "VALID", name="pool")
    assert b.name == "pool:0" and b.shape.as_list() == [None, 3, None, 3]
    assert b.op.get_attr("ksize") == [1, 3, 3, 1]
    c = mg.nn.max_pool(mg.placeholder(mg.float32, [2, 3, 7, 5]), [2, 3], 1, "VALID",
                       data_format="NCHW")
    assert c.shape.as_list() == [2, 3, 6, 3] and c.op.get_attr("ksize") == [1, 1, 2, 3]
    g = mg.gradients([a, b], [x])[0]
    assert g.shape.as_list() == [None, 7, None, 3]
    types = {op.type for op in mg.get_default_graph().get_operations()}
    assert {"MaxPoolGrad", "AvgPoolGrad"} <= types


@pytest.mark.parametrize("build, match", [
    (lambda x: mg.nn.max_pool(x, [1, 6, 2, 1], [1, 1, 1, 1], "VALID"),
     "window of size 6 is larger than the input size 5"),
    (lambda x: mg.nn.avg_pool(x, [2, 2, 2, 1], [1, 1, 1, 1], "SAME"),
     "ksize on the batch and channel dimensions must be 1"),
    (lambda x: mg.nn.max_pool(x, 2, [1, -1, 1, 1], "SAME"), "strides must be positive"),
    (lambda x: mg.nn.max_pool(x, [0, 2], 1, "SAME"), "ksize must be positive"),
    (lambda x: mg.nn.max_pool(x[0], 2, 1, "SAME"), "Shape must be rank 4 but is rank 3"),
    (lambda x: mg.nn.avg_pool(x, [1, 2, 3], 1, "SAME"), "ksize should be of length 1, 2 or 4"),
])
def test_construction_errors(build, match):
    x = mg.placeholder(mg.float32, [2, 5, 5, 3])
    with pytest.raises(ValueError, match=match):
        build(x)


def test_max_pool_gradient_goes_to_the_first_max_like_tf():
    x = np.array([[1., 3.], [3., 2.]]).reshape(1, 2, 2, 1)
    xp = mg.placeholder(mg.float64, [1, 2, 2, 1])
    gx, = mg.gradients(mg.nn.max_pool(xp, 2, 2, "VALID"), [xp])
    np.testing.assert_array_equal(evaluate(gx, {xp: x}).reshape(2, 2), [[0, 1], [0, 0]])


def _distinct(shape, seed):
    # Well-separated values, so central differences never cross a tie.
    return rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 10.0


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_pool_gradients(fmt):
    x = _distinct((2, 5, 4, 3), 1)
    if fmt == "NCHW":
        x = _nchw(x)
    k, s = [3, 2], [2, 1]
    assert gradient_error(lambda v: mg.nn.max_pool(v, k, s, "SAME", data_format=fmt), x) < 1e-6
    assert gradient_error(lambda v: mg.nn.avg_pool(v, k, s, "SAME", data_format=fmt), x) < 1e-8


def test_pool_gradient_ops_have_gradients():
    x = _distinct((1, 5, 4, 2), 2)
    attrs = {"ksize": [1, 2, 3, 1], "strides": [1, 2, 1, 1], "padding": "SAME",
             "data_format": "NHWC"}
    xc = mg.constant(x)
    y = mg.nn.max_pool(xc, attrs["ksize"], attrs["strides"], "SAME")
    y_shape = y.shape.as_list()
    r = rng(3)
    # MaxPoolGrad is linear in grad; MaxPoolGradGrad is linear in its grad input.
    assert gradient_error(lambda g: make_tensor("MaxPoolGrad", [xc, y, g], attrs),
                          r.rand(*y_shape)) < 1e-8
    assert gradient_error(lambda g: make_tensor("MaxPoolGradGrad", [xc, y, g], attrs),
                          r.rand(*x.shape)) < 1e-8
    assert gradient_error(lambda g: make_tensor("AvgPoolGrad", [mg.constant([1, 5, 4, 2]), g],
                                                attrs), r.rand(*y_shape)) < 1e-8
    gg = r.rand(*x.shape)
    want = refs.max_pool_grad(x, np.ones(y_shape), attrs["ksize"][1:3], [2, 1], "SAME")
    got = evaluate(make_tensor("MaxPoolGradGrad", [xc, y, mg.constant(gg)], attrs))
    # Each window reads grad_grad at its max position.
    assert got.shape == tuple(y_shape)
    assert np.isclose(got.sum(), (want * gg).sum())
