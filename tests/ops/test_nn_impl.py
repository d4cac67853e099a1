"""mg.nn normalization, L2 and dropout, and the SquaredDifference/DivNoNan math ops."""
import numpy as np
import pytest

import minigraph as mg
from minigraph.ops.nn_math import div_no_nan, squared_difference
from tests.util import evaluate, gradient_error, rng


# -- l2_loss / l2_normalize ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l2_loss_forward(dtype):
    x_np = rng(0).randn(3, 4).astype(dtype)
    y = mg.nn.l2_loss(mg.constant(x_np))
    assert (y.name, y.op.type, y.shape.as_list()) == ("L2Loss:0", "L2Loss", [])
    out = evaluate(y)
    assert out.dtype == dtype
    expected = sum(float(v) ** 2 for v in x_np.reshape(-1)) / 2
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_l2_loss_gradient_and_dtype_check():
    assert gradient_error(mg.nn.l2_loss, rng(1).randn(2, 3)) < 1e-8
    with pytest.raises(TypeError, match="int32"):
        mg.nn.l2_loss(mg.constant([1, 2]))


def _ref_l2_normalize(x, axis, eps=1e-12):
    x = np.asarray(x, np.float64)
    norm = np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), eps))
    return x / norm


def test_l2_normalize_forward_name_and_axes():
    x_np = rng(2).randn(3, 4)
    y = mg.nn.l2_normalize(mg.constant(x_np), axis=1)
    assert y.name == "l2_normalize:0" and y.op.type == "Mul"
    np.testing.assert_allclose(evaluate(y), _ref_l2_normalize(x_np, 1), rtol=1e-12)
    np.testing.assert_allclose(evaluate(mg.nn.l2_normalize(x_np, dim=0)),
                               _ref_l2_normalize(x_np, 0), rtol=1e-12)
    np.testing.assert_allclose(evaluate(mg.nn.l2_normalize(x_np)),
                               _ref_l2_normalize(x_np, None), rtol=1e-12)
    zeros = evaluate(mg.nn.l2_normalize(np.zeros((2, 2)), axis=1))
    np.testing.assert_array_equal(zeros, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="both 'axis' and 'dim'"):
        mg.nn.l2_normalize(x_np, axis=0, dim=0)


def test_l2_normalize_gradient():
    assert gradient_error(lambda x: mg.nn.l2_normalize(x, axis=1), rng(3).randn(3, 4)) < 1e-8


# -- moments / batch_normalization -----------------------------------------------------------------
def _ref_moments(x, axes):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    return mean, ((x - mean) ** 2).mean(axis=tuple(axes), keepdims=True)


def test_moments_forward_names_and_keepdims():
    x_np = rng(4).randn(4, 3, 2)
    mean, var = mg.nn.moments(mg.constant(x_np), axes=[0, 1])
    assert (mean.name, var.name) == ("moments/Squeeze:0", "moments/Squeeze_1:0")
    assert mean.shape.as_list() == [2] and var.shape.as_list() == [2]
    types = {op.name: op.type for op in mg.get_default_graph().get_operations()}
    assert types["moments/SquaredDifference"] == "SquaredDifference"
    ref_mean, ref_var = _ref_moments(x_np, [0, 1])
    m, v = evaluate([mean, var])
    np.testing.assert_allclose(m, ref_mean.reshape(-1), rtol=1e-12)
    np.testing.assert_allclose(v, ref_var.reshape(-1), rtol=1e-12)
    mk, vk = mg.nn.moments(mg.constant(x_np), axes=[0, 1], keep_dims=True)
    assert (mk.name, vk.name) == ("moments_1/mean:0", "moments_1/variance:0")
    assert mk.shape.as_list() == [1, 1, 2]
    mk2, _ = mg.nn.moments(mg.constant(x_np), axes=[2], keepdims=True)
    np.testing.assert_allclose(evaluate(mk2), _ref_moments(x_np, [2])[0], rtol=1e-12)
    with pytest.raises(ValueError, match="both 'keepdims' and 'keep_dims'"):
        mg.nn.moments(x_np, [0], keepdims=True, keep_dims=True)


def test_moments_float16_accumulates_in_float32():
    x_np = (rng(5).randn(64) * 100).astype(np.float16)
    mean, var = mg.nn.moments(mg.constant(x_np), axes=[0])
    assert mean.dtype == mg.float16 and var.dtype == mg.float16
    ref_mean, ref_var = _ref_moments(x_np.astype(np.float64), [0])
    m, v = evaluate([mean, var])
    np.testing.assert_allclose(m, ref_mean.reshape(()), rtol=2e-3, atol=0.05)
    np.testing.assert_allclose(v, ref_var.reshape(()), rtol=2e-3)


def test_moments_gradient():
    x_np = rng(6).randn(3, 4)
    assert gradient_error(lambda x: mg.nn.moments(x, [0])[0], x_np) < 1e-8
    assert gradient_error(lambda x: mg.nn.moments(x, [0])[1], x_np) < 1e-8


def test_batch_normalization_forward_and_name():
    x_np, mean_np, var_np = rng(7).randn(4, 3), rng(8).randn(3), rng(9).rand(3) + 0.5
    offset_np, scale_np = rng(10).randn(3), rng(11).rand(3) + 0.5
    y = mg.nn.batch_normalization(mg.constant(x_np), mean_np, var_np, offset_np, scale_np, 1e-3)
    assert y.name == "batchnorm/add_1:0" and y.shape.as_list() == [4, 3]
    expected = scale_np * (x_np - mean_np) / np.sqrt(var_np + 1e-3) + offset_np
    np.testing.assert_allclose(evaluate(y), expected, rtol=1e-12)
    bare = mg.nn.batch_normalization(mg.constant(x_np), mean_np, var_np, None, None, 1e-3)
    np.testing.assert_allclose(evaluate(bare), (x_np - mean_np) / np.sqrt(var_np + 1e-3),
                               rtol=1e-12)


def test_batch_normalization_gradients_for_every_input():
    values = [rng(12).randn(4, 3), rng(13).randn(3), rng(14).rand(3) + 0.5, rng(15).randn(3),
              rng(16).rand(3) + 0.5]

    def build(x, mean, var, offset, scale):
        return mg.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)

    assert gradient_error(build, *values) < 1e-8


# -- fused_batch_norm ------------------------------------------------------------------------------
def _ref_fused(x, scale, offset, mean=None, var=None, eps=1e-3, nchw=False):
    x = np.moveaxis(np.asarray(x, np.float64), 1, -1) if nchw else np.asarray(x, np.float64)
    n = x.size // x.shape[-1]
    if mean is None:
        mean = x.reshape(-1, x.shape[-1]).mean(0)
        var = ((x - mean) ** 2).reshape(-1, x.shape[-1]).mean(0)
        out_var = var * n / (n - 1)
    else:
        out_var = var
    y = scale * (x - mean) / np.sqrt(var + eps) + offset
    return (np.moveaxis(y, -1, 1) if nchw else y), mean, out_var


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_fused_batch_norm_training_forward(data_format):
    nchw = data_format == "NCHW"
    x_np = rng(17).randn(2, 3, 4, 5).astype(np.float32)
    scale_np, offset_np = rng(18).rand(3 if nchw else 5) + 0.5, rng(19).randn(3 if nchw else 5)
    y, m, v = mg.nn.fused_batch_norm(x_np, scale_np.astype(np.float32),
                                     offset_np.astype(np.float32), data_format=data_format)
    assert y.op.type == "FusedBatchNormV3" and y.name == "FusedBatchNormV3:0"
    assert (m.name, v.name) == ("FusedBatchNormV3:1", "FusedBatchNormV3:2")
    assert y.shape.as_list() == [2, 3, 4, 5] and m.shape.as_list() == [3 if nchw else 5]
    outs = evaluate([y, m, v])
    refs = _ref_fused(x_np, scale_np, offset_np, nchw=nchw)
    for out, ref in zip(outs, refs):
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_fused_batch_norm_inference_forward():
    x_np, scale_np, offset_np = rng(20).randn(2, 2, 2, 3), rng(21).rand(3) + .5, rng(22).randn(3)
    mean_np, var_np = rng(23).randn(3), rng(24).rand(3) + 0.5
    y, m, v = mg.nn.fused_batch_norm(x_np, scale_np, offset_np, mean_np, var_np,
                                     is_training=False, epsilon=1e-9)
    out_y, out_m, out_v = evaluate([y, m, v])
    # epsilon is raised to TF1's minimum of 1.001e-5.
    ref = _ref_fused(x_np, scale_np, offset_np, mean_np, var_np, eps=1.001e-5)
    np.testing.assert_allclose(out_y, ref[0], rtol=1e-12)
    np.testing.assert_array_equal(out_m, mean_np)
    np.testing.assert_array_equal(out_v, var_np)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
@pytest.mark.parametrize("is_training", [True, False])
def test_fused_batch_norm_gradients(data_format, is_training):
    channels = 3
    x_np = rng(25).randn(2, 3, 2, 3)
    mean_np, var_np = rng(26).randn(channels), rng(27).rand(channels) + 0.5

    def build(x, scale, offset):
        kw = {} if is_training else {"mean": mean_np, "variance": var_np}
        y, _, _ = mg.nn.fused_batch_norm(x, scale, offset, data_format=data_format,
                                         is_training=is_training, **kw)
        return y

    err = gradient_error(build, x_np, rng(28).rand(channels) + 0.5, rng(29).randn(channels))
    assert err < 1e-7


def test_fused_batch_norm_statistics_outputs_are_differentiable():
    def build(x):
        _, mean, var = mg.nn.fused_batch_norm(x, np.ones(2), np.zeros(2))
        return mean * var

    assert gradient_error(build, rng(30).randn(2, 2, 3, 2)) < 1e-7


def test_fused_batch_norm_second_derivative():
    def build(x):
        y, _, _ = mg.nn.fused_batch_norm(x, np.array([1.5, 0.5]), np.zeros(2))
        (g,) = mg.gradients(y * y * y, x)
        return g

    assert gradient_error(build, rng(31).randn(2, 1, 3, 2)) < 1e-6


def test_fused_batch_norm_errors():
    with pytest.raises(ValueError, match="4-dimensional"):
        mg.nn.fused_batch_norm(np.zeros((2, 3), np.float32), [1.0] * 3, [0.0] * 3)
    with pytest.raises(ValueError, match="one entry per channel"):
        mg.nn.fused_batch_norm(np.zeros((1, 2, 2, 3), np.float32), [1.0] * 4, [0.0] * 4)
    with pytest.raises(ValueError, match="data_format"):
        mg.nn.fused_batch_norm(np.zeros((1, 2, 2, 3), np.float32), [1.0] * 3, [0.0] * 3,
                               data_format="NCDHW")
    with pytest.raises(ValueError, match="mean and variance"):
        mg.nn.fused_batch_norm(np.zeros((1, 2, 2, 3), np.float32), [1.0] * 3, [0.0] * 3,
                               is_training=False)


# -- dropout ---------------------------------------------------------------------------------------
def test_dropout_scales_kept_values_and_names_like_tf1():
    x_np = rng(32).rand(50, 40).astype(np.float32) + 1
    y = mg.nn.dropout(mg.constant(x_np), keep_prob=0.25, seed=5)
    assert y.name == "dropout/mul_1:0" and y.shape.as_list() == [50, 40]
    out = evaluate(y)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x_np[kept] * 4, rtol=1e-6)
    assert 0.2 < kept.mean() < 0.3


def test_dropout_rate_and_seed_repeat_across_sessions():
    x = mg.ones([20, 20])
    y = mg.nn.dropout(x, rate=0.5, seed=7)
    a, b = evaluate(y), evaluate(y)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}


def test_dropout_keep_prob_placeholder():
    keep = mg.placeholder(mg.float32, [], name="keep_prob")
    y = mg.nn.dropout(mg.ones([30, 30]), keep_prob=keep)
    # TF1 turns the tensor keep_prob into a rate with a `sub` op outside the dropout scope.
    assert mg.get_default_graph().get_operation_by_name("sub").type == "Sub"
    out = evaluate(y, {keep: 0.5})
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.3 < (out != 0).mean() < 0.7
    np.testing.assert_array_equal(evaluate(y, {keep: 1.0}), np.ones((30, 30)))


def test_dropout_noise_shape_shares_decisions():
    y = mg.nn.dropout(mg.ones([6, 40]), rate=0.5, noise_shape=[1, 40], seed=3)
    out = evaluate(y)
    assert np.all(out == out[0])


def test_dropout_without_dropping_returns_x():
    x = mg.ones([2, 2], name="x")
    assert mg.nn.dropout(x, keep_prob=1.0) is x
    assert mg.nn.dropout(x, rate=0.0) is x
    assert mg.nn.dropout(x, rate=mg.constant(0.0)) is x


def test_dropout_gradient_flows_through_kept_units():
    x = mg.constant(np.ones((10, 10)))
    y = mg.nn.dropout(x, rate=0.3, seed=11)
    (g,) = mg.gradients(y, x)
    out, grad = evaluate([y, g])
    np.testing.assert_allclose(grad, out, rtol=1e-12)


def test_dropout_errors():
    x = mg.ones([2, 2])
    with pytest.raises(ValueError, match="You must provide a rate"):
        mg.nn.dropout(x)
    with pytest.raises(ValueError, match=r"range \[0, 1\), got 1"):
        mg.nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError, match="floating point tensor"):
        mg.nn.dropout(mg.constant([1, 2]), rate=0.5)
    with pytest.raises(ValueError, match="both 'rate' and 'keep_prob'"):
        mg.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="keep_prob must be a floating point number"):
        mg.nn.dropout(x, keep_prob="half")
    with pytest.raises(ValueError, match="must be a scalar"):
        mg.nn.dropout(x, rate=mg.constant([0.5, 0.5]))


# -- squared_difference / div_no_nan ---------------------------------------------------------------
def test_squared_difference_forward_broadcast_and_gradient():
    x_np, y_np = rng(33).randn(3, 4), rng(34).randn(4)
    out = evaluate(squared_difference(mg.constant(x_np), mg.constant(y_np)))
    np.testing.assert_allclose(out, (x_np - y_np) ** 2, rtol=1e-12)
    np.testing.assert_array_equal(evaluate(squared_difference(mg.constant([3, 1]), 1)), [4, 0])
    assert gradient_error(squared_difference, x_np, y_np) < 1e-8


def test_div_no_nan_forward_and_gradient():
    q = div_no_nan(mg.constant([1.0, 0.0, -3.0, np.inf]), [2.0, 0.0, 0.0, 0.0])
    assert q.name == "div_no_nan:0" and q.op.type == "DivNoNan"
    np.testing.assert_array_equal(evaluate(q), [0.5, 0.0, 0.0, 0.0])
    x_np, y_np = rng(35).randn(2, 3), rng(36).rand(3) + 0.5
    assert gradient_error(div_no_nan, x_np, y_np) < 1e-8
