"""Fused op chains (registry.Fusion, plan._fuse): same values and errors as the ops one
by one, and fusion only where no intermediate result is needed elsewhere.

Every run in the suite also checks each fused result against the unfused ops
(MINIGRAPH_CHECK_KERNELS); here the plans are inspected and the results compared with
naive NumPy and with sessions that run without fusion.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minigraph as mg
from minigraph.framework import plan as plan_mod
from tests.kernels import refs


def _run(fetches, feeds, fusion=True, monkeypatch=None):
    old = plan_mod.FUSION
    plan_mod.FUSION = fusion
    try:
        with mg.Session() as sess:
            sess.run(mg.global_variables_initializer())
            out = sess.run(fetches, feeds)
            plans = [entry[0] for entry in sess._cache.values()]
    finally:
        plan_mod.FUSION = old
    fused = [chain for p in plans for chain in p.fused]
    return out, fused


def _separable(x, c, f, k=3, strides=(1, 1), dilation=1, padding="SAME", mult=1,
               data_format="NHWC", bias=True, act=None, dtype=np.float32, seed=0):
    rng = np.random.RandomState(seed)
    fd = mg.constant(rng.uniform(-1, 1, (k, k, c, mult)).astype(dtype), name="fd")
    fp = mg.constant(rng.uniform(-1, 1, (1, 1, c * mult, f)).astype(dtype), name="fp")
    st4 = [1, 1] + list(strides) if data_format == "NCHW" else [1] + list(strides) + [1]
    y = mg.nn.separable_conv2d(x, fd, fp, st4, padding, rate=[dilation, dilation],
                               data_format=data_format)
    if bias:
        y = mg.nn.bias_add(y, mg.constant(rng.uniform(-1, 1, f).astype(dtype)),
                           data_format=data_format)
    if act == "relu":
        y = mg.nn.relu(y)
    elif act == "relu6":
        y = mg.nn.relu6(y)
    return y, fd, fp


def test_separable_chain_is_fused_and_matches_numpy():
    rng = np.random.RandomState(1)
    xv = rng.uniform(-1, 1, (2, 9, 7, 3)).astype(np.float32)
    x = mg.placeholder(mg.float32, [None, 9, 7, 3])
    y, fd, fp = _separable(x, 3, 5, act="relu", mult=2)
    out, fused = _run(y, {x: xv})
    assert fused == [("separable_conv2d/depthwise", "separable_conv2d", "BiasAdd", "Relu")]
    with mg.Session() as sess:
        fdv, fpv, b = sess.run([fd, fp, y.op.inputs[0].op.inputs[1]])
    dw = refs.depthwise(xv, fdv, (1, 1), (1, 1), "SAME")
    want = np.maximum(dw @ fpv.reshape(6, 5).astype(np.float64) + b, 0)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("act", [None, "relu", "relu6"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_fused_equals_unfused_exactly(act, bias, data_format):
    shape = (2, 4, 8, 6) if data_format == "NCHW" else (2, 8, 6, 4)
    xv = np.random.RandomState(2).uniform(-3, 9, shape).astype(np.float32)
    x = mg.placeholder(mg.float32, shape)
    y, _, _ = _separable(x, 4, 7, data_format=data_format, bias=bias, act=act)
    got, fused = _run(y, {x: xv})
    want, unfused = _run(y, {x: xv}, fusion=False)
    assert len(fused) == 1 and unfused == []
    assert len(fused[0]) == 2 + bias + (act is not None)
    np.testing.assert_array_equal(got, want)


def test_nan_and_signed_zero_follow_relu():
    # Relu keeps NaN and maps -0.0 to +0.0 (np.maximum); Relu6 keeps -0.0 (np.clip).
    xv = np.zeros((1, 3, 3, 2), np.float32)
    xv[0, 1, 1, 0] = np.nan
    for act in ("relu", "relu6"):
        mg.reset_default_graph()
        x = mg.placeholder(mg.float32, xv.shape)
        y, _, _ = _separable(x, 2, 3, bias=False, act=act)
        got, fused = _run(y, {x: -xv})
        want, _ = _run(y, {x: -xv}, fusion=False)
        assert fused
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        assert np.isnan(got).any()


def test_fetched_intermediate_is_not_fused_away():
    xv = np.random.RandomState(3).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, act="relu")
    pre = y.op.inputs[0]  # the BiasAdd output
    (yv, pv), fused = _run([y, pre], {x: xv})
    # Relu's input is fetched: the chain stops at BiasAdd.
    assert fused == [("separable_conv2d/depthwise", "separable_conv2d", "BiasAdd")]
    np.testing.assert_array_equal(yv, np.maximum(pv, 0))


def test_intermediate_with_another_consumer_is_handed_out(monkeypatch):
    from minigraph.ops.kernels import _blas
    monkeypatch.setattr(_blas, "_MIN_SPLIT_WORK", 0)  # as if the product were large
    xv = np.random.RandomState(4).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, bias=True)
    depthwise = mg.get_default_graph().get_tensor_by_name("separable_conv2d/depthwise:0")
    z = y + mg.reduce_sum(depthwise)
    (got, dwv), fused = _run([z, depthwise], {x: xv})
    (want, dww), _ = _run([z, depthwise], {x: xv}, fusion=False)
    # The depthwise output feeds the sum too (and is fetched): the separable kernel
    # writes it out as well, and the sum runs after it.
    assert fused == [("separable_conv2d/depthwise", "separable_conv2d", "BiasAdd")]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(dwv, dww)


def test_other_users_of_a_handed_out_result_run_after_the_fused_step(monkeypatch):
    # Fetched first, the sum of the depthwise output would be placed before the chain's
    # last op, where the fused step now makes it: the plan moves it after.
    from minigraph.ops.kernels import _blas
    monkeypatch.setattr(_blas, "_MIN_SPLIT_WORK", 0)
    xv = np.random.RandomState(7).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, bias=True)
    depthwise = mg.get_default_graph().get_tensor_by_name("separable_conv2d/depthwise:0")
    fetches = [mg.reduce_sum(depthwise), mg.exp(depthwise), y]
    got, fused = _run(fetches, {x: xv})
    want, _ = _run(fetches, {x: xv}, fusion=False)
    assert fused == [("separable_conv2d/depthwise", "separable_conv2d", "BiasAdd")]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_no_result_is_handed_out_to_an_input_of_its_own_chain(monkeypatch):
    # The bias depends on the depthwise output: handing that out from a chain ending in
    # BiasAdd would need the fused step to run before and after the sum. The chain stops
    # before BiasAdd (whose input it would feed).
    from minigraph.ops.kernels import _blas
    monkeypatch.setattr(_blas, "_MIN_SPLIT_WORK", 0)
    xv = np.random.RandomState(8).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    fd = mg.constant(np.random.RandomState(9).rand(3, 3, 2, 1).astype(np.float32))
    fp = mg.constant(np.random.RandomState(10).rand(1, 1, 2, 3).astype(np.float32))
    dw = mg.nn.depthwise_conv2d(x, fd, [1, 1, 1, 1], "SAME")
    pw = mg.nn.conv2d(dw, fp, [1, 1, 1, 1], "SAME")
    y = mg.nn.bias_add(pw, mg.reduce_sum(dw) * mg.ones([3]))
    got, fused = _run(y, {x: xv})
    want, _ = _run(y, {x: xv}, fusion=False)
    assert fused == [("depthwise", "Conv2D")], fused
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_small_products_do_not_hand_out_intermediates():
    # Below the size at which products use both threads, the depthwise op and the
    # product run apart (each may use both cores): only Conv2D + BiasAdd fuse.
    xv = np.random.RandomState(4).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, bias=True)
    depthwise = mg.get_default_graph().get_tensor_by_name("separable_conv2d/depthwise:0")
    got, fused = _run(y + mg.reduce_sum(depthwise), {x: xv})
    assert fused == [("separable_conv2d", "BiasAdd")]


def test_only_depthwise_output_is_handed_out():
    # A rule hands out only the intermediates it declares: the pointwise output, used
    # twice, ends the chain.
    xv = np.random.RandomState(6).rand(1, 5, 5, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, bias=True)
    pw = y.op.inputs[0]
    z = y * 2.0 + mg.reduce_sum(pw)
    got, fused = _run(z, {x: xv})
    want, _ = _run(z, {x: xv}, fusion=False)
    assert fused == [("separable_conv2d/depthwise", "separable_conv2d")]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_gradients_run_with_conv_bias_fusion(monkeypatch):
    from minigraph.ops.kernels import _blas
    monkeypatch.setattr(_blas, "_MIN_SPLIT_WORK", 0)  # as if the product were large
    xv = np.random.RandomState(5).rand(2, 6, 6, 3).astype(np.float32)
    mg.set_random_seed(5)  # the same initial weights in both sessions
    x = mg.placeholder(mg.float32, xv.shape)
    y = mg.layers.separable_conv2d(x, 4, 3, padding="same", activation=mg.nn.relu)
    grads = mg.gradients(mg.reduce_sum(y * y), [x] + mg.trainable_variables())
    got, fused = _run([y] + grads, {x: xv})
    want, _ = _run([y] + grads, {x: xv}, fusion=False)
    # The pointwise filter gradient needs the depthwise output (handed out by the fused
    # kernel); ReluGrad reads Relu's.
    assert fused == [("separable_conv2d/separable_conv2d/depthwise",
                      "separable_conv2d/separable_conv2d", "separable_conv2d/BiasAdd",
                      "separable_conv2d/Relu")]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_control_dependency_blocks_fusion():
    xv = np.random.RandomState(6).rand(1, 4, 4, 2).astype(np.float32)
    x = mg.placeholder(mg.float32, xv.shape)
    y, _, _ = _separable(x, 2, 3, bias=False)
    with mg.control_dependencies([y.op.inputs[0].op]):  # waits for the depthwise op
        z = mg.identity(y)
    _, fused = _run(z, {x: xv})
    assert fused == []


def test_dense_conv_bias_relu_fused():
    rng = np.random.RandomState(7)
    xv = rng.rand(2, 7, 7, 3).astype(np.float32)
    mg.set_random_seed(7)
    x = mg.placeholder(mg.float32, xv.shape)
    y = mg.layers.conv2d(x, 5, 3, strides=2, padding="same", activation=mg.nn.relu6)
    got, fused = _run(y, {x: xv})
    want, _ = _run(y, {x: xv}, fusion=False)
    assert fused == [("conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu6")]
    np.testing.assert_array_equal(got, want)


def test_runtime_error_names_the_failing_op():
    # Channels unknown statically; the depthwise filter wants 3, the feed has 2.
    x = mg.placeholder(mg.float32, [1, 4, 4, None])
    y, _, _ = _separable(x, 3, 2, act="relu")
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError) as fused_err:
            sess.run(y, {x: np.zeros((1, 4, 4, 2), np.float32)})
    plan_mod.FUSION = False
    try:
        with mg.Session() as sess:
            with pytest.raises(mg.errors.InvalidArgumentError) as plain_err:
                sess.run(y, {x: np.zeros((1, 4, 4, 2), np.float32)})
    finally:
        plan_mod.FUSION = True
    assert fused_err.value.op.name == "separable_conv2d/depthwise"
    assert str(fused_err.value) == str(plain_err.value)


def test_float16_is_not_fused():
    x = mg.placeholder(mg.float16, [1, 4, 4, 2])
    y, _, _ = _separable(x, 2, 3, dtype=np.float16)
    got, fused = _run(y, {x: np.ones((1, 4, 4, 2), np.float16)})
    assert fused == [] and got.dtype == np.float16


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 2), h=st.integers(1, 9), w=st.integers(1, 9), c=st.integers(1, 4),
       f=st.integers(1, 5), k=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       dilation=st.integers(1, 2), mult=st.integers(1, 3),
       padding=st.sampled_from(["SAME", "VALID"]), data_format=st.sampled_from(["NHWC", "NCHW"]),
       act=st.sampled_from([None, "relu", "relu6"]), dtype=st.sampled_from([np.float32, np.float64]))
def test_fused_sweep(n, h, w, c, f, k, sh, sw, dilation, mult, padding, data_format, act, dtype):
    if dilation > 1:
        sh = sw = 1  # TF forbids strides > 1 with dilation > 1
    if padding == "VALID" and min(h, w) < (k - 1) * dilation + 1:
        padding = "SAME"
    mg.reset_default_graph()
    shape = (n, c, h, w) if data_format == "NCHW" else (n, h, w, c)
    xv = np.random.RandomState(h * w + c).uniform(-2, 2, shape).astype(dtype)
    x = mg.placeholder(dtype, shape)
    y, _, _ = _separable(x, c, f, k=k, strides=(sh, sw), dilation=dilation, padding=padding,
                         mult=mult, data_format=data_format, act=act, dtype=dtype)
    got, fused = _run(y, {x: xv})
    want, _ = _run(y, {x: xv}, fusion=False)
    assert len(fused) == 1
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=0)


@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("act", [None, "relu"])
def test_dense_matmul_bias_fused(transpose_b, act):
    rng = np.random.RandomState(8)
    xv = rng.uniform(-1, 1, (37, 6)).astype(np.float32)
    x = mg.placeholder(mg.float32, [None, 6])
    wv = rng.uniform(-1, 1, (5, 6) if transpose_b else (6, 5)).astype(np.float32)
    bv = rng.uniform(-1, 1, 5).astype(np.float32)
    y = mg.nn.bias_add(mg.matmul(x, mg.constant(wv), transpose_b=transpose_b), mg.constant(bv))
    if act:
        y = mg.nn.relu(y)
    got, fused = _run(y, {x: xv})
    assert len(fused) == 1 and len(fused[0]) == 2 + (act is not None)
    want = xv.astype(np.float64) @ (wv.T if transpose_b else wv) + bv
    if act:
        want = np.maximum(want, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # layers.dense builds MatMul -> BiasAdd -> Relu as well
    mg.reset_default_graph()
    mg.set_random_seed(3)
    x = mg.placeholder(mg.float32, [None, 6])
    y = mg.layers.dense(x, 4, activation=mg.nn.relu)
    got, fused = _run(y, {x: xv})
    want, _ = _run(y, {x: xv}, fusion=False)
    assert fused == [("dense/MatMul", "dense/BiasAdd", "dense/Relu")]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k,mult,dilation,strides,c", [
    (3, 1, 1, 1, 4), (5, 2, 1, 1, 4), (3, 1, 2, 1, 4), (3, 1, 1, (2, 1), 4),
    # column strides: the SIMD rows (C*M a multiple of 16), else the two ops in turn
    (3, 1, 1, 2, 16), (3, 2, 1, (1, 2), 8), (5, 1, 1, (2, 3), 16), (3, 1, 1, 2, 4)])
def test_pointwise_input_grad_fused_into_depthwise_filter_grad(k, mult, dilation, strides, c):
    # A training step that needs no input gradient: the pointwise conv's input gradient
    # feeds only the depthwise filter gradient, and is made tile by tile.
    rng = np.random.RandomState(k + mult)
    xv = rng.uniform(-1, 1, (3, 9, 11, c)).astype(np.float32)
    mg.set_random_seed(1)
    x = mg.placeholder(mg.float32, xv.shape)
    y = mg.layers.separable_conv2d(x, 6, k, strides=strides, padding="same",
                                   depth_multiplier=mult, dilation_rate=dilation)
    weights = mg.trainable_variables()
    grads = mg.gradients(mg.reduce_sum(y * y), weights)
    got, fused = _run(grads, {x: xv})
    want, _ = _run(grads, {x: xv}, fusion=False)
    assert ("gradients/separable_conv2d/separable_conv2d_grad/Conv2DBackpropInput",
            "gradients/separable_conv2d/separable_conv2d/depthwise_grad/"
            "DepthwiseConv2dNativeBackpropFilter") in fused
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_elementwise_chains_fused_on_large_tensors():
    # 2^21 elements and more: one pass over slices instead of one per op; same bits.
    rng = np.random.RandomState(9)
    shape = (16, 128, 1024)
    xv = rng.uniform(-2, 2, shape).astype(np.float32)
    bv = rng.uniform(-1, 1, 1024).astype(np.float32)
    x = mg.placeholder(mg.float32, shape)
    a = mg.square(x / 3.0) - bv          # RealDiv -> Square -> Sub
    b = bv * mg.exp(x)                   # Exp feeds Mul's second input
    c = mg.tanh(x) / 0.0                 # inf and NaN, silently, as in TF1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got, fused = _run([a, b, c], {x: xv})
        want, none = _run([a, b, c], {x: xv}, fusion=False)
    assert none == []
    assert len(fused) == 3, fused
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_elementwise_trees_fused_in_one_pass():
    # The gradient of mean(square(y)) is (grad / n) * (y * 2): two ops feed the last, a
    # tree, not a chain. All three run as one step, with the same bits as one by one.
    rng = np.random.RandomState(3)
    shape = (16, 128, 1024)
    yv = rng.uniform(-2, 2, shape).astype(np.float32)
    y = mg.placeholder(mg.float32, shape)
    g = mg.gradients(mg.reduce_mean(mg.square(y)), [y])[0]
    h = mg.exp(y) * (y - 1.0) + mg.sqrt(mg.abs(y)) / (y * y + 1.0)  # a deeper tree
    got, fused = _run([g, h], {y: yv})
    want, _ = _run([g, h], {y: yv}, fusion=False)
    assert sorted(len(f) for f in fused) == [3, 9], fused
    assert set(fused[0] if len(fused[0]) == 3 else fused[1]) == {
        "gradients/Mean_grad/RealDiv", "gradients/Square_grad/Mul", "gradients/Square_grad/Mul_1"}
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_elementwise_tree_leaves_out_what_is_used_elsewhere():
    # An intermediate that is fetched, or feeds an op outside the tree, is computed on
    # its own; the rest of the tree still fuses.
    shape = (8, 512, 512)
    xv = np.random.RandomState(4).uniform(0.5, 2, shape).astype(np.float32)
    x = mg.placeholder(mg.float32, shape)
    a = mg.exp(x)
    b = mg.log(x) * a + x
    got, fused = _run([a, b], {x: xv})
    assert fused == [("Log", "mul", "add")], fused
    want, _ = _run([a, b], {x: xv}, fusion=False)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_small_or_integer_elementwise_chains_are_not_fused():
    x = mg.placeholder(mg.float32, [10, 10])
    i = mg.placeholder(mg.int32, [2048, 1024])
    _, fused = _run([mg.exp(x) * 2.0, (i + 1) * 2],
                    {x: np.ones((10, 10), np.float32), i: np.ones((2048, 1024), np.int32)})
    assert fused == []


def test_a_fused_kernel_that_disagrees_is_caught(monkeypatch):
    # The suite runs with MINIGRAPH_CHECK_KERNELS: a fused kernel giving other values than
    # its ops one by one is an InternalError naming the chain, not a silent wrong answer.
    from minigraph.ops import nn_fused
    assert plan_mod._CHECK_KERNELS
    real = nn_fused.ConvBiasFusion.kernel

    def wrong(self, ops):
        fn = real(self, ops)
        return None if fn is None else (lambda *arrays: fn(*arrays) + 1.0)
    monkeypatch.setattr(nn_fused.ConvBiasFusion, "kernel", wrong)
    x = mg.placeholder(mg.float32, [1, 5, 5, 2])
    y = mg.layers.conv2d(x, 3, 3)
    with pytest.raises(mg.errors.InternalError, match="disagrees with the ops run one by one"):
        _run(y, {x: np.ones((1, 5, 5, 2), np.float32)})
