"""Conv2D, DepthwiseConv2dNative, separable/atrous convolution and BiasAdd ops: values
(NHWC and NCHW) against naive NumPy references, gradients (first and second order),
shape inference with unknown sizes, TF1 op names, and construction-time errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigraph as mg
from tests.kernels import refs
from tests.util import evaluate, gradient_error, rng

SETTINGS = settings(max_examples=12, deadline=None)


def _nchw(a):
    return np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2)))


def _nhwc(a):
    return np.transpose(a, (0, 2, 3, 1))


def _four(pair, fmt):
    return [1, 1] + list(pair) if fmt == "NCHW" else [1] + list(pair) + [1]


@st.composite
def cases(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7)),
             draw(st.integers(1, 4)))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if draw(st.booleans()):
        strides, dil = (1, 1), (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    else:
        strides, dil = (draw(st.integers(1, 3)), draw(st.integers(1, 3))), (1, 1)
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and (shape[1] < (k[0] - 1) * dil[0] + 1 or shape[2] < (k[1] - 1) * dil[1] + 1):
        padding = "SAME"
    return dict(shape=shape, k=k, strides=strides, dil=dil, padding=padding,
                mult=draw(st.integers(1, 3)), fmt=draw(st.sampled_from(["NHWC", "NCHW"])),
                dtype=draw(st.sampled_from([np.float32, np.float64])),
                seed=draw(st.integers(0, 1000)))


def _run_case(case, op_fn, ref_fn):
    r = rng(case["seed"])
    x = r.uniform(-1, 1, case["shape"]).astype(case["dtype"])
    w = r.uniform(-1, 1, case["k"] + (case["shape"][3], case["mult"])).astype(case["dtype"])
    fmt = case["fmt"]
    feed = _nchw(x) if fmt == "NCHW" else x
    xp = mg.placeholder(case["dtype"], [None] * 4)
    y = op_fn(xp, w, _four(case["strides"], fmt), case["padding"], fmt, _four(case["dil"], fmt))
    got = evaluate(y, {xp: feed})
    assert got.dtype == case["dtype"]
    if fmt == "NCHW":
        got = _nhwc(got)
    tol = 1e-5 if case["dtype"] == np.float32 else 1e-10
    np.testing.assert_allclose(got, ref_fn(x, w, case["strides"], case["dil"], case["padding"]),
                               rtol=tol, atol=tol)


@SETTINGS
@given(cases())
def test_depthwise_conv2d_native_matches_reference_in_both_layouts(case):
    _run_case(case, lambda x, w, s, p, f, d: mg.nn.depthwise_conv2d_native(
        x, w, s, p, data_format=f, dilations=d), refs.depthwise)


@SETTINGS
@given(cases())
def test_conv2d_matches_reference_in_both_layouts(case):
    _run_case(case, lambda x, w, s, p, f, d: mg.nn.conv2d(
        x, w, s, p, data_format=f, dilations=d), refs.conv2d)


def test_nchw_and_nhwc_agree_for_unequal_strides_and_multiplier():
    r = rng(3)
    x = r.rand(2, 9, 8, 3)
    w = r.rand(3, 2, 3, 2)
    a = mg.nn.depthwise_conv2d_native(x, w, [1, 2, 3, 1], "SAME")
    b = mg.nn.depthwise_conv2d_native(_nchw(x), w, [1, 1, 2, 3], "SAME", data_format="NCHW")
    va, vb = evaluate([a, b])
    np.testing.assert_allclose(va, _nhwc(vb), rtol=1e-12)
    assert a.shape.as_list() == [2, 5, 3, 6] and b.shape.as_list() == [2, 6, 5, 3]


def test_separable_conv2d_values_names_and_rate():
    r = rng(1)
    x = r.rand(2, 7, 6, 3).astype(np.float32)
    dw = r.rand(3, 3, 3, 2).astype(np.float32)
    pw = r.rand(1, 1, 6, 5).astype(np.float32)
    y = mg.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME", rate=2)
    assert y.op.name == "separable_conv2d" and y.op.type == "Conv2D"
    dep = y.op.inputs[0].op
    assert dep.name == "separable_conv2d/depthwise" and dep.type == "DepthwiseConv2dNative"
    assert dep.get_attr("dilations") == [1, 2, 2, 1]
    g = mg.get_default_graph()
    assert g.get_operation_by_name("separable_conv2d/depthwise_filter").type == "Const"
    assert g.get_operation_by_name("separable_conv2d/pointwise_filter").type == "Const"
    ref = refs.conv2d(refs.depthwise(x, dw, (1, 1), (2, 2), "SAME"), pw, (1, 1), (1, 1), "VALID")
    np.testing.assert_allclose(evaluate(y), ref, rtol=1e-5, atol=1e-5)
    y2 = mg.nn.separable_conv2d(x, dw, pw, [1, 2, 2, 1], "VALID", name="sep")
    assert y2.name == "sep:0" and y2.shape.as_list() == [2, 3, 2, 5]


def test_default_names_of_the_conv_family():
    x = mg.placeholder(mg.float32, [1, 5, 5, 2])
    w = np.ones((3, 3, 2, 1), np.float32)
    assert mg.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME").name == "depthwise:0"
    assert mg.get_default_graph().get_operation_by_name("depthwise/filter_in").type == "Const"
    assert mg.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], "SAME").name == "DepthwiseConv2dNative:0"
    assert mg.nn.conv2d(x, w, 1, "SAME").name == "Conv2D:0"
    assert mg.get_default_graph().get_operation_by_name("Conv2D/filter").type == "Const"
    a = mg.nn.atrous_conv2d(x, w, 2, "SAME")
    assert a.op.type == "Conv2D" and a.op.name == "convolution"
    assert a.op.get_attr("dilations") == [1, 2, 2, 1]
    b = mg.nn.bias_add(x, [1.0, 2.0])
    assert b.name == "BiasAdd:0"


def test_atrous_conv2d_equals_dilated_reference():
    r = rng(2)
    x = r.rand(1, 9, 8, 2)
    w = r.rand(3, 2, 2, 3)
    np.testing.assert_allclose(evaluate(mg.nn.atrous_conv2d(x, w, 2, "VALID")),
                               refs.conv2d(x, w, (1, 1), (2, 2), "VALID"), rtol=1e-12)


def test_gradient_op_types_and_names_follow_tf1():
    x = mg.placeholder(mg.float32, [2, 6, 6, 3])
    dw = mg.constant(np.ones((3, 3, 3, 1), np.float32))
    pw = mg.constant(np.ones((1, 1, 3, 4), np.float32))
    y = mg.nn.bias_add(mg.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME"),
                       mg.constant(np.ones(4, np.float32)))
    gx, gdw, gpw = mg.gradients(y, [x, dw, pw])
    assert gx.op.type == "DepthwiseConv2dNativeBackpropInput"
    assert gx.op.name == "gradients/separable_conv2d/depthwise_grad/DepthwiseConv2dNativeBackpropInput"
    assert gdw.op.type == "DepthwiseConv2dNativeBackpropFilter"
    assert gpw.op.name == "gradients/separable_conv2d_grad/Conv2DBackpropFilter"
    ops = {op.type for op in mg.get_default_graph().get_operations()}
    assert {"BiasAddGrad", "Conv2DBackpropInput"} <= ops
    assert gx.shape.as_list() == [2, 6, 6, 3]


def test_shape_inference_with_unknown_batch_and_spatial_sizes():
    x = mg.placeholder(mg.float32, [None, None, 10, 4])
    w = np.ones((3, 3, 4, 2), np.float32)
    y = mg.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], "SAME")
    assert y.shape.as_list() == [None, None, 5, 8]
    z = mg.nn.conv2d(x, w, [1, 1, 1, 1], "VALID")
    assert z.shape.as_list() == [None, None, 8, 2]
    u = mg.nn.conv2d(mg.placeholder(mg.float32), w, 1, "SAME")
    assert u.shape.as_list() == [None, None, None, 2]
    n = mg.nn.conv2d(mg.placeholder(mg.float32, [None, 4, None, None]), w, 1, "SAME",
                     data_format="NCHW")
    assert n.shape.as_list() == [None, 2, None, None]
    gx, = mg.gradients(y, [x])
    assert gx.shape.as_list() == [None, None, 10, 4]
    v = evaluate(gx, {x: np.ones((2, 7, 10, 4), np.float32)})
    assert v.shape == (2, 7, 10, 4)


@pytest.mark.parametrize("build, match", [
    (lambda x: mg.nn.depthwise_conv2d_native(x, np.ones((3, 3, 2, 1), np.float32), [1, 2, 2, 1],
                                             "SAME", dilations=[1, 2, 2, 1]),
     "strides > 1 are not supported together with dilations > 1"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 2, 1), np.float32), 1, "SAME"),
     r"Depth of input \(3\) must match the input depth of the filter \(2\)"),
    (lambda x: mg.nn.depthwise_conv2d_native(x, np.ones((3, 3, 2, 1), np.float32), [1, 1, 1, 1],
                                             "SAME"),
     r"Depth of input \(3\) must match the input depth of the depthwise filter \(2\)"),
    (lambda x: mg.nn.depthwise_conv2d_native(x, np.ones((9, 3, 3, 1), np.float32), [1, 1, 1, 1],
                                             "VALID"),
     "window of size 9 is larger than the input size 5 with VALID padding"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 3, 1), np.float32), [1, 0, 1, 1], "SAME"),
     "strides must be positive"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 3, 1), np.float32), [2, 1, 1, 1], "SAME"),
     "batch and channel dimensions must be 1"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 3), np.float32), 1, "SAME"),
     "Shape must be rank 4 but is rank 3 for filter"),
    (lambda x: mg.nn.conv2d(x[0], np.ones((3, 3, 3, 1), np.float32), 1, "SAME"),
     "Shape must be rank 4 but is rank 3 for input"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 3, 1), np.float32), 1, "FULL"),
     "padding must be 'SAME' or 'VALID'"),
    (lambda x: mg.nn.conv2d(x, np.ones((3, 3, 3, 1), np.float32), 1, "SAME", data_format="HWCN"),
     "data_format must be"),
    (lambda x: mg.nn.depthwise_conv2d(x, np.ones((3, 3, 3, 1), np.float32), [1, 2, 2, 1], "SAME",
                                      rate=2),
     "strides > 1 not supported in conjunction with rate > 1"),
    (lambda x: mg.nn.separable_conv2d(x, np.ones((3, 3, 3, 1), np.float32),
                                      np.ones((3, 1, 3, 4), np.float32), [1, 1, 1, 1], "SAME"),
     r"must have shape \[1, 1, in_channels \* channel_multiplier, out_channels\]"),
    (lambda x: mg.nn.separable_conv2d(x, np.ones((3, 3, 3, 2), np.float32),
                                      np.ones((1, 1, 3, 4), np.float32), [1, 1, 1, 1], "SAME"),
     r"Depth of input \(6\) must match the input depth of the filter \(3\)"),
    (lambda x: mg.nn.bias_add(x, np.ones(4, np.float32)), "Dimensions must be equal, but are 3 and 4"),
    (lambda x: mg.nn.bias_add(x, np.ones((3, 1), np.float32)), "Shape must be rank 1"),
])
def test_construction_errors_name_the_op_and_the_reason(build, match):
    x = mg.placeholder(mg.float32, [2, 5, 5, 3], name="images")
    with pytest.raises(ValueError, match=match) as e:
        build(x)
    if "(op:" in str(e.value):
        assert "with input shapes: [" in str(e.value)


def test_dtype_errors_are_type_errors():
    with pytest.raises(TypeError, match="allowed values: float16, float32, float64"):
        mg.nn.conv2d(mg.placeholder(mg.int32, [1, 3, 3, 1]), mg.constant(np.ones((1, 1, 1, 1), np.int32)),
                     1, "SAME")
    with pytest.raises(TypeError, match="does not match type float32"):
        mg.nn.conv2d(mg.placeholder(mg.float32, [1, 3, 3, 1]), mg.constant(np.ones((1, 1, 1, 1))),
                     1, "SAME")


def test_runtime_shape_mismatch_is_invalid_argument():
    x = mg.placeholder(mg.float32, [None, None, None, None])
    y = mg.nn.conv2d(x, np.ones((3, 3, 2, 1), np.float32), 1, "VALID")
    with pytest.raises(mg.errors.InvalidArgumentError, match="Conv2D"):
        evaluate(y, {x: np.ones((1, 5, 5, 3), np.float32)})
    with pytest.raises(mg.errors.InvalidArgumentError, match="larger than the input"):
        evaluate(y, {x: np.ones((1, 2, 5, 2), np.float32)})


def test_float16_runs_through_float32_kernels():
    x = rng(0).rand(1, 4, 4, 2).astype(np.float16)
    w = np.ones((2, 2, 2, 1), np.float16)
    y = evaluate(mg.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], "SAME"))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, refs.depthwise(x, w, (1, 1), (1, 1), "SAME"), rtol=2e-3)


def test_bias_add_nhwc_nchw_and_gradients():
    r = rng(4)
    x = r.rand(2, 3, 4, 5)
    b5, b3 = r.rand(5), r.rand(3)
    np.testing.assert_allclose(evaluate(mg.nn.bias_add(x, b5)), x + b5)
    np.testing.assert_allclose(evaluate(mg.nn.bias_add(x, b3, data_format="NCHW")),
                               x + b3[:, None, None])
    assert gradient_error(lambda v, b: mg.nn.bias_add(v, b), x, b5) < 1e-8
    assert gradient_error(lambda v, b: mg.nn.bias_add(v, b, data_format="NCHW"), x, b3) < 1e-8


def test_bias_add_grad_gradient():
    # BiasAddGrad's own gradient (second order of BiasAdd).
    r = rng(5)
    g = r.rand(2, 3, 4)
    from minigraph.framework.registry import make_tensor
    assert gradient_error(lambda v: make_tensor("BiasAddGrad", [v], {"data_format": "NHWC"}), g) < 1e-8
    assert gradient_error(lambda v: make_tensor("BiasAddGrad", [v], {"data_format": "NCHW"}), g) < 1e-8


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
@pytest.mark.parametrize("mult", [1, 2])
def test_depthwise_gradients(fmt, mult):
    r = rng(6)
    x = r.rand(2, 5, 4, 2) if fmt == "NHWC" else r.rand(2, 2, 5, 4)
    w = r.rand(3, 2, 2, mult)
    s = [1, 2, 1, 1] if fmt == "NHWC" else [1, 1, 2, 1]
    assert gradient_error(lambda a, b: mg.nn.depthwise_conv2d_native(
        a, b, s, "SAME", data_format=fmt), x, w) < 1e-8


@pytest.mark.parametrize("padding, strides, dilations", [
    ("SAME", [1, 1, 1, 1], [1, 2, 1, 1]), ("VALID", [1, 2, 1, 1], [1, 1, 1, 1]),
    ("SAME", [1, 2, 3, 1], [1, 1, 1, 1])])
def test_conv2d_gradients(padding, strides, dilations):
    r = rng(7)
    x, w = r.rand(2, 6, 5, 2), r.rand(2, 3, 2, 3)
    assert gradient_error(lambda a, b: mg.nn.conv2d(a, b, strides, padding, dilations=dilations),
                          x, w) < 1e-8


@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_backprop_ops_have_gradients(kind):
    # Second order: the backprop ops differentiate into each other and the forward op.
    r = rng(8)
    x_shape, s = [2, 5, 4, 2], [1, 2, 1, 1]
    if kind == "conv":
        w, fwd = r.rand(3, 2, 2, 3), mg.nn.conv2d
        bin_, bfil = mg.nn.conv2d_backprop_input, mg.nn.conv2d_backprop_filter
    else:
        w, fwd = r.rand(3, 2, 2, 2), mg.nn.depthwise_conv2d_native
        bin_ = mg.nn.depthwise_conv2d_native_backprop_input
        bfil = mg.nn.depthwise_conv2d_native_backprop_filter
    y_shape = fwd(mg.placeholder(mg.float64, x_shape), w, s, "SAME").shape.as_list()
    mg.reset_default_graph()
    dy = r.rand(*y_shape)
    x = r.rand(*x_shape)
    assert gradient_error(lambda f, g: bin_(x_shape, f, g, s, "SAME"), w, dy) < 1e-8
    assert gradient_error(lambda a, g: bfil(a, list(w.shape), g, s, "SAME"), x, dy) < 1e-8


def test_backprop_functions_match_reference():
    r = rng(9)
    x, w = r.rand(2, 7, 6, 3), r.rand(3, 3, 3, 2)
    dy = r.rand(2, 4, 3, 6)
    got = evaluate(mg.nn.depthwise_conv2d_native_backprop_input([2, 7, 6, 3], w, dy, [1, 2, 2, 1], "SAME"))
    np.testing.assert_allclose(got, refs.depthwise_backprop_input(x.shape, w, dy, (2, 2), (1, 1), "SAME"))
    got = evaluate(mg.nn.depthwise_conv2d_native_backprop_filter(x, [3, 3, 3, 2], dy, [1, 2, 2, 1], "SAME"))
    np.testing.assert_allclose(got, refs.depthwise_backprop_filter(x, w.shape, dy, (2, 2), (1, 1), "SAME"))
    with pytest.raises(ValueError, match="out_backprop has height size 5 but the forward"):
        mg.nn.conv2d_backprop_input([2, 7, 6, 3], r.rand(3, 3, 3, 6), r.rand(2, 5, 3, 6),
                                    [1, 2, 2, 1], "SAME")


def test_concurrent_runs_from_two_threads_agree():
    # Large enough to take the parallel kernels, the BLAS thread pool and the buffer pool.
    import threading
    r = rng(11)
    x = mg.placeholder(mg.float32, [4, 32, 32, 32])
    dw = mg.constant(r.rand(3, 3, 32, 1).astype(np.float32))
    pw = mg.constant(r.rand(1, 1, 32, 64).astype(np.float32))
    y = mg.nn.bias_add(mg.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME"),
                       mg.constant(r.rand(64).astype(np.float32)))
    grads = mg.gradients(y, [x, dw, pw])
    feeds = [r.rand(4, 32, 32, 32).astype(np.float32) for _ in range(2)]
    with mg.Session() as sess:
        want = [sess.run([y] + grads, {x: f}) for f in feeds]
        got, errors = [[] for _ in feeds], []

        def work(i):
            try:
                for _ in range(5):
                    got[i].append(sess.run([y] + grads, {x: feeds[i]}))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    for i in range(2):
        for run in got[i]:
            for a, b in zip(run, want[i]):
                np.testing.assert_array_equal(a, b)
