"""Random ops: TF1 names and seed logic, repeatability across sessions, value ranges and
statistics, dtypes, shapes, errors."""
import numpy as np
import pytest

import minigraph as mg
from minigraph.ops import random_ops
from tests.util import evaluate


def _run_twice_in_new_sessions(fetch):
    with mg.Session() as s1:
        a = s1.run(fetch)
        a2 = s1.run(fetch)
    with mg.Session() as s2:
        b = s2.run(fetch)
    return a, a2, b


# -- seeds -----------------------------------------------------------------------------------------
def test_get_seed_rules():
    assert mg.get_seed(None) == (None, None)
    assert mg.get_seed(5) == (random_ops.DEFAULT_GRAPH_SEED, 5)
    mg.set_random_seed(3)
    mg.constant(1.0)
    mg.constant(2.0)
    assert mg.get_seed(None) == (3, mg.get_default_graph()._last_id) == (3, 2)
    assert mg.get_seed(7) == (3, 7)
    assert mg.get_seed(2**31 + 4) == (3, 5)  # truncated modulo 2**31 - 1
    mg.set_random_seed(0)
    assert mg.get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "nondeterministic"


def test_set_random_seed_is_per_graph():
    g = mg.Graph()
    with g.as_default():
        mg.set_random_seed(11)
        assert g.seed == 11
    assert mg.get_default_graph().seed is None


def test_seed_attrs_on_ops():
    mg.set_random_seed(1)
    y = mg.random_uniform([2], seed=9)
    op = mg.get_default_graph().get_operation_by_name("random_uniform/RandomUniform")
    assert (op.get_attr("seed"), op.get_attr("seed2")) == (1, 9)
    assert y.name == "random_uniform:0"


@pytest.mark.parametrize("make", [
    lambda: mg.random_uniform([3, 2]), lambda: mg.random_normal([4]),
    lambda: mg.truncated_normal([5]), lambda: mg.random_uniform([6], maxval=100, dtype=mg.int64),
    lambda: mg.random_shuffle(mg.range(20))])
def test_graph_seed_repeats_across_sessions_and_advances_per_run(make):
    mg.set_random_seed(1234)
    y = make()
    a, a2, b = _run_twice_in_new_sessions(y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, a2)
    # An identically built graph gives identical values (op seeds come from op ids).
    with mg.Graph().as_default():
        mg.set_random_seed(1234)
        y2 = make()
        with mg.Session() as s:
            np.testing.assert_array_equal(s.run(y2), a)


def test_op_seed_alone_is_deterministic_and_ops_differ():
    a = mg.random_normal([8], seed=42)
    b = mg.random_normal([8], seed=43)
    x1, _, x2 = _run_twice_in_new_sessions([a, b])
    np.testing.assert_array_equal(x1[0], x2[0])
    assert not np.array_equal(x1[0], x1[1])


def test_unseeded_differs_between_sessions():
    y = mg.random_uniform([16])
    a, a2, b = _run_twice_in_new_sessions(y)
    assert not np.array_equal(a, b) and not np.array_equal(a, a2)


def test_random_ops_are_not_folded_or_shared():
    mg.set_random_seed(5)
    a, b = mg.random_uniform([4]), mg.random_uniform([4])
    va, vb = evaluate([a, b])
    assert not np.array_equal(va, vb)


# -- distributions ---------------------------------------------------------------------------------
def test_random_uniform_float_range_and_names():
    mg.set_random_seed(0)
    y = mg.random_uniform([2000], minval=-2.0, maxval=3.0)
    names = [op.name for op in mg.get_default_graph().get_operations()]
    assert names == ["random_uniform/shape", "random_uniform/min", "random_uniform/max",
                     "random_uniform/RandomUniform", "random_uniform/sub",
                     "random_uniform/mul", "random_uniform"]
    v = evaluate(y)
    assert v.dtype == np.float32 and v.shape == (2000,)
    assert v.min() >= -2.0 and v.max() < 3.0
    assert abs(v.mean() - 0.5) < 0.15


@pytest.mark.parametrize("dtype", [mg.int32, mg.int64])
def test_random_uniform_int(dtype):
    mg.set_random_seed(0)
    y = mg.random_uniform([3000], minval=-3, maxval=4, dtype=dtype)
    assert y.op.type == "RandomUniformInt" and y.name == "random_uniform:0"
    v = evaluate(y)
    assert v.dtype == dtype.as_numpy_dtype
    assert set(np.unique(v)) == set(range(-3, 4))


@pytest.mark.parametrize("dtype", [mg.float16, mg.float32, mg.float64])
def test_random_normal_stats_and_dtypes(dtype):
    mg.set_random_seed(0)
    y = mg.random_normal([4000], mean=1.5, stddev=2.0, dtype=dtype)
    assert y.name == "random_normal:0" and y.dtype == dtype
    v = evaluate(y).astype(np.float64)
    assert abs(v.mean() - 1.5) < 0.15 and abs(v.std() - 2.0) < 0.15


def test_truncated_normal_within_two_stddev():
    mg.set_random_seed(0)
    y = mg.truncated_normal([4000], mean=-1.0, stddev=0.5)
    assert y.name == "truncated_normal:0"
    assert mg.get_default_graph().get_operation_by_name(
        "truncated_normal/TruncatedNormal").type == "TruncatedNormal"
    v = evaluate(y)
    assert v.min() >= -2.0 and v.max() <= 0.0
    # A standard normal truncated at +-2 has standard deviation ~0.88.
    assert abs(v.std() / 0.5 - 0.88) < 0.05 and abs(v.mean() + 1.0) < 0.05


def test_random_shuffle_permutes_rows():
    mg.set_random_seed(0)
    v = np.arange(12).reshape(6, 2)
    y = mg.random_shuffle(mg.constant(v))
    assert y.name == "RandomShuffle:0" and y.shape.as_list() == [6, 2]
    got = evaluate(y)
    assert sorted(map(tuple, got)) == sorted(map(tuple, v))
    x = mg.placeholder(mg.float32, [None, 3])
    assert mg.random_shuffle(x).shape.as_list() == [None, 3]
    assert mg.gradients(mg.random_shuffle(x), [x]) == [None]


def test_shapes_from_tensors_and_unknown_dims():
    n = mg.placeholder(mg.int32, [])
    y = mg.random_normal([n, 3])
    assert y.shape.as_list() == [None, 3]
    assert evaluate(y, {n: 4}).shape == (4, 3)
    x = mg.placeholder(mg.float32, [None, 5])
    z = mg.random_uniform(mg.shape(x))
    assert z.shape.as_list() == [None, 5]
    assert mg.random_uniform(mg.TensorShape([2, 2])).shape.as_list() == [2, 2]
    assert mg.random_uniform([]).shape.as_list() == []


def test_gradients_flow_to_mean_and_stddev_not_through_sampler():
    m = mg.placeholder(mg.float32, [])
    s = mg.placeholder(mg.float32, [])
    y = mg.random_normal([5], mean=m, stddev=s, seed=1)
    gm, gs = mg.gradients(mg.reduce_sum(y), [m, s])
    vm, vs, vy = evaluate([gm, gs, y], {m: 2.0, s: 3.0})
    assert float(vm) == 5.0
    np.testing.assert_allclose(float(vs), ((vy - 2.0) / 3.0).sum(), rtol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        mg.random_uniform([2], dtype=mg.int32)
    with pytest.raises(ValueError, match="Invalid dtype"):
        mg.random_uniform([2], dtype=mg.bool)
    with pytest.raises(ValueError, match="floating"):
        mg.random_normal([2], dtype=mg.int32)
    with pytest.raises(ValueError, match="Need minval < maxval: 3 >= 3"):
        mg.random_uniform([2], 3, 3, dtype=mg.int32)
    with pytest.raises(ValueError, match="non-negative"):
        mg.random_normal([2, -1])
    with pytest.raises(ValueError, match="rank 1"):
        mg.truncated_normal([[2]])
    lo = mg.placeholder(mg.int32, [])
    with pytest.raises(mg.errors.InvalidArgumentError, match="Need minval < maxval"):
        evaluate(mg.random_uniform([2], lo, 1, dtype=mg.int32), {lo: 5})
