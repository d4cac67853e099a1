"""Initializers: values and statistics on large samples against the formulas of TF1's
init_ops, names, get_config, seeds, errors; and the linear-algebra ops the orthogonal
initializer uses (Qr, DiagPart, Diag)."""
import math

import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng

# std of a standard normal truncated to [-2, 2]
TRUNC_STD = 0.87962566103423978


def _sample(init, shape, dtype=mg.float32, **kw):
    # A graph seed makes every statistical check below deterministic (no flaky tails).
    if mg.get_default_graph().seed is None:
        mg.set_random_seed(1234)
    return evaluate(init(shape, dtype=dtype, **kw))


# -- constant-valued -------------------------------------------------------------------------------
def test_zeros_ones_names_values_dtypes():
    z = mg.zeros_initializer()([2, 3])
    o = mg.ones_initializer(dtype=mg.int32)(mg.TensorShape([2]))
    i64 = mg.zeros_initializer()([2], dtype=mg.int64)
    assert (z.name, o.name, o.dtype, i64.dtype) == ("zeros:0", "ones:0", mg.int32, mg.int64)
    zv, ov = evaluate([z, o])
    np.testing.assert_array_equal(zv, np.zeros((2, 3)))
    np.testing.assert_array_equal(ov, [1, 1])
    assert mg.zeros_initializer is mg.initializers.zeros
    assert mg.zeros_initializer().get_config() == {"dtype": "float32"}


def test_constant_fills_pads_and_checks():
    c = mg.constant_initializer
    assert c(2)([1]).name == "Const:0"
    np.testing.assert_array_equal(_sample(c(3), [2, 2]), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(_sample(c([0, 1, 2, 3, 4, 5, 6, 7]), [2, 4]),
                                  np.arange(8.0).reshape(2, 4))
    # TF1 repeats the last element when the value is short.
    np.testing.assert_array_equal(_sample(c([0, 1, 2, 3, 4, 5, 6, 7]), [3, 4]),
                                  np.r_[np.arange(8.0), [7] * 4].reshape(3, 4))
    np.testing.assert_array_equal(_sample(c([5]), [3]), [5, 5, 5])
    np.testing.assert_array_equal(_sample(c([[1, 2], [3, 4]]), [4]), [1, 2, 3, 4])
    assert c([1, 2]).get_config() == {"value": [1, 2], "dtype": "float32"}
    with pytest.raises(ValueError, match="Too many elements provided. Needed at most 6, but "
                                         "received 8"):
        c(list(range(8)))([2, 3])
    with pytest.raises(TypeError, match=r"Expected Tensor's shape: \(2, 2\), got \(4,\)."):
        c([1, 2, 3, 4], verify_shape=True)([2, 2])
    with pytest.raises(TypeError, match="Invalid type for initial value: dict"):
        c({})
    with pytest.raises(TypeError, match="Expected int32"):
        c(1.5)([2], dtype=mg.int32)


def test_identity_initializer():
    v = _sample(mg.initializers.identity(gain=2.0), [3, 4])
    np.testing.assert_array_equal(v, 2 * np.eye(3, 4))
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        mg.initializers.identity()([3, 3, 3])


# -- random ----------------------------------------------------------------------------------------
def test_random_uniform_bounds_and_moments():
    v = _sample(mg.random_uniform_initializer(-3.0, 5.0, seed=1), [300, 200])
    assert v.dtype == np.float32 and v.min() >= -3.0 and v.max() < 5.0
    assert abs(v.mean() - 1.0) < 0.05 and abs(v.std() - 8 / math.sqrt(12)) < 0.03
    v = _sample(mg.random_uniform_initializer(), [1000], dtype=mg.float64)
    assert v.dtype == np.float64 and 0 <= v.min() and v.max() < 1
    ints = _sample(mg.random_uniform_initializer(0, 7), [1000], dtype=mg.int32)
    assert ints.dtype == np.int32 and set(np.unique(ints)) == set(range(7))


def test_random_normal_moments():
    v = _sample(mg.random_normal_initializer(mean=2.0, stddev=3.0, seed=3), [300, 200])
    assert abs(v.mean() - 2.0) < 0.05 and abs(v.std() - 3.0) < 0.05
    assert mg.random_normal_initializer(seed=3).get_config() == {
        "mean": 0.0, "stddev": 1.0, "seed": 3, "dtype": "float32"}


def test_truncated_normal_bounds_and_moments():
    v = _sample(mg.truncated_normal_initializer(mean=1.0, stddev=2.0), [300, 200])
    assert v.min() >= 1.0 - 4.0 and v.max() <= 1.0 + 4.0
    assert abs(v.mean() - 1.0) < 0.03 and abs(v.std() - 2.0 * TRUNC_STD) < 0.03


def test_seeded_initializers_repeat_across_sessions():
    t = mg.random_normal_initializer(seed=7)([50])
    a, b = evaluate(t), evaluate(t)
    np.testing.assert_array_equal(a, b)
    mg.set_random_seed(1)
    u = mg.glorot_uniform_initializer()([20])
    np.testing.assert_array_equal(evaluate(u), evaluate(u))


@pytest.mark.parametrize("shape,fan_in,fan_out", [
    ([], 1, 1), ([40], 40, 40), ([30, 50], 30, 50), ([3, 5, 16, 32], 3 * 5 * 16, 3 * 5 * 32)])
def test_glorot_uniform_limit_uses_fans(shape, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    v = np.concatenate([_sample(mg.glorot_uniform_initializer(), shape).ravel()
                        for _ in range(1 if np.prod(shape) > 1000 else 50)])
    assert np.abs(v).max() <= limit
    if v.size > 1000:
        assert np.abs(v).max() > 0.98 * limit and abs(v.std() - limit / math.sqrt(3)) < 0.03 * limit


def test_glorot_normal_std():
    v = _sample(mg.glorot_normal_initializer(), [300, 200])
    std = math.sqrt(2.0 / 500)
    # Truncated at 2 * (std / 0.8796), so the sample std is `std` again.
    assert abs(v.std() - std) < 0.02 * std
    assert np.abs(v).max() <= 2 * std / TRUNC_STD
    assert mg.glorot_normal_initializer(seed=2).get_config() == {"seed": 2, "dtype": "float32"}


@pytest.mark.parametrize("mode,n", [("fan_in", 5 * 5 * 8), ("fan_out", 5 * 5 * 64),
                                    ("fan_avg", 5 * 5 * 36)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal",
                                          "uniform"])
def test_variance_scaling(mode, n, distribution):
    init = mg.variance_scaling_initializer(scale=2.0, mode=mode, distribution=distribution)
    v = _sample(init, [5, 5, 8, 64]).ravel()
    std = math.sqrt(2.0 / n)
    assert abs(v.std() - std) < 0.03 * std
    assert abs(v.mean()) < 0.05 * std
    if distribution == "uniform":
        assert np.abs(v).max() <= math.sqrt(3) * std
    elif distribution != "untruncated_normal":
        assert np.abs(v).max() <= 2 * std / TRUNC_STD
    else:
        assert np.abs(v).max() > 2.5 * std


def test_variance_scaling_with_partition_info_uses_full_shape():
    from minigraph.framework.partitioned_variables import _PartitionInfo
    info = _PartitionInfo(full_shape=[1000, 200], var_offset=[0, 0])
    v = _sample(mg.variance_scaling_initializer(distribution="uniform"), [100, 200],
                partition_info=info)
    assert np.abs(v).max() <= math.sqrt(3.0 / 1000) and np.abs(v).max() > 0.98 * math.sqrt(3e-3)


def test_variance_scaling_config_and_errors():
    init = mg.variance_scaling_initializer(scale=2.0, mode="fan_out", distribution="uniform",
                                           seed=4)
    cfg = init.get_config()
    assert cfg == {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 4,
                   "dtype": "float32"}
    assert mg.variance_scaling_initializer.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="`scale` must be positive float"):
        mg.variance_scaling_initializer(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: 'x'"):
        mg.variance_scaling_initializer(mode="x")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: 'x'"):
        mg.variance_scaling_initializer(distribution="x")
    with pytest.raises(ValueError, match="Expected floating point type, got int32"):
        mg.random_normal_initializer(dtype=mg.int32)


def test_he_and_lecun_helpers():
    assert mg.initializers.he_normal().get_config()["scale"] == 2.0
    assert mg.initializers.lecun_uniform().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "uniform", "seed": None,
        "dtype": "float32"}
    v = _sample(mg.initializers.he_uniform(), [400, 100])
    assert np.abs(v).max() <= math.sqrt(6.0 / 400)


def test_uniform_unit_scaling():
    v = _sample(mg.uniform_unit_scaling_initializer(factor=2.0), [50, 20, 30])
    limit = math.sqrt(3.0 / (50 * 20)) * 2.0
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.95 * limit


@pytest.mark.parametrize("shape", [[40, 40], [60, 20], [20, 60], [3, 3, 4, 8]])
def test_orthogonal(shape):
    v = _sample(mg.orthogonal_initializer(gain=1.5), shape, dtype=mg.float64)
    assert v.shape == tuple(shape)
    m = v.reshape(-1, shape[-1]) / 1.5
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-10)
    else:
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-10)


def test_orthogonal_op_names_and_errors():
    with mg.variable_scope("o"):
        w = mg.get_variable("w", [4, 3], initializer=mg.orthogonal_initializer())
    types = [op.type for op in mg.get_default_graph().get_operations()
             if op.name.startswith("o/w/Initializer/")]
    assert ["Qr", "DiagPart", "Sign"] == [t for t in types if t in ("Qr", "DiagPart", "Sign")]
    assert w.initial_value.name == "o/w/Initializer/mul_1:0"
    with pytest.raises(ValueError, match="at least two-dimensional, got shape \\[3\\]"):
        mg.orthogonal_initializer()([3])


def test_float_only_initializers_reject_int_dtype_at_call():
    for init in [mg.glorot_uniform_initializer(), mg.truncated_normal_initializer(),
                 mg.orthogonal_initializer()]:
        with pytest.raises(TypeError, match="needs a floating point dtype, got int32"):
            init([3, 3], dtype=mg.int32)


# -- linalg ops ----------------------------------------------------------------------------------
def test_qr_forward_shapes_and_reconstruction():
    a = rng(1).randn(5, 3)
    q, r = _qr(a)
    assert (q.shape.as_list(), r.shape.as_list()) == ([5, 3], [3, 3])
    qv, rv = evaluate([q, r])
    np.testing.assert_allclose(qv @ rv, a, atol=1e-12)
    np.testing.assert_allclose(np.tril(rv, -1), 0, atol=1e-12)
    qf, rf = _qr(a, full_matrices=True)
    assert (qf.shape.as_list(), rf.shape.as_list()) == ([5, 5], [5, 3])
    bq, br = _qr(np.zeros((2, 3, 4)))
    assert (bq.shape.as_list(), br.shape.as_list()) == ([2, 3, 3], [2, 3, 4])
    with pytest.raises(ValueError, match="at least rank 2"):
        _qr(np.zeros(3))


def _qr(a, full_matrices=False):
    from minigraph.ops import linalg_ops
    return linalg_ops.qr(mg.constant(a), full_matrices=full_matrices)


def test_diag_part_and_diag_forward():
    from minigraph.ops import linalg_ops
    a = rng(2).randn(4, 4)
    b = rng(3).randn(2, 3, 2, 3)
    dv, bv, dd = evaluate([linalg_ops.diag_part(mg.constant(a)),
                           linalg_ops.diag_part(mg.constant(b)),
                           linalg_ops.diag(mg.constant(np.arange(6.0).reshape(2, 3)))])
    np.testing.assert_array_equal(dv, np.diag(a))
    np.testing.assert_array_equal(bv, np.array([[b[i, j, i, j] for j in range(3)]
                                                for i in range(2)]))
    assert dd.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(dd.reshape(6, 6), np.diag(np.arange(6.0)))
    with pytest.raises(ValueError, match="not \\[D1..Dk, D1..Dk\\]"):
        linalg_ops.diag_part(mg.zeros([2, 3]))
    with pytest.raises(ValueError, match="even, nonzero rank"):
        linalg_ops.diag_part(mg.zeros([2, 3, 4]))


def test_diag_part_and_diag_gradients():
    from minigraph.ops import linalg_ops
    assert gradient_error(lambda x: linalg_ops.diag_part(x) * 2.0, rng(4).randn(3, 3)) < 1e-6
    assert gradient_error(lambda x: linalg_ops.diag(x) * 3.0, rng(5).randn(3)) < 1e-6
