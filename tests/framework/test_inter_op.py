"""Independent mid-sized steps of a plan run on two threads at once, in sections of two
lanes (plan._sections): same results, same errors, same silent inf/NaN as running them
in order."""
import threading
import warnings

import numpy as np
import pytest

import minigraph as mg
from minigraph.framework import plan as plan_mod

N = 300  # 300 x 300 = 90,000 elements: a mid-sized step


def _run(fetches, feeds=None, inter_op=True):
    old = plan_mod.INTER_OP
    plan_mod.INTER_OP = inter_op
    try:
        with mg.Session() as sess:
            out = sess.run(fetches, feeds)
            paired = [lanes for entry in sess._cache.values() for lanes in entry[0].parallel]
    finally:
        plan_mod.INTER_OP = old
    return out, paired


def _branches():
    x = mg.placeholder(mg.float32, [N, N], name="x")
    a = mg.exp(x * 0.5, name="a")
    b = mg.sqrt(mg.abs(x), name="b")
    c = mg.matmul(a, b, name="c")
    d = mg.tanh(x, name="d")
    return x, [c, d, a + b]


def test_independent_steps_pair_and_match_sequential():
    x, fetches = _branches()
    xv = np.random.RandomState(0).uniform(-1, 1, (N, N)).astype(np.float32)
    got, paired = _run(fetches, {x: xv})
    want, none = _run(fetches, {x: xv}, inter_op=False)
    assert paired and none == []
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_chains_run_as_two_lanes():
    # Two chains of products meet only at the sum: one section, a chain per lane, then
    # the sum alone. Fetched: a lane-a intermediate and a lane-b result.
    x = mg.placeholder(mg.float32, [N, N], name="x")
    m1 = mg.matmul(x, x, name="m1")
    m2 = mg.matmul(m1, x, name="m2")
    n1 = mg.matmul(x, x, transpose_a=True, name="n1")
    n2 = mg.matmul(n1, x, name="n2")
    total = mg.add(m2, n2, name="total")
    xv = np.random.RandomState(0).uniform(-1, 1, (N, N)).astype(np.float32)
    fetches = [total, m1, n2]
    got, parallel = _run(fetches, {x: xv})
    want, none = _run(fetches, {x: xv}, inter_op=False)
    assert parallel == [(("m1", "m2"), ("n1", "n2"))] and none == []
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(got[0], xv @ xv @ xv + xv.T @ xv @ xv, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("failing", [("a2",), ("b2",), ("a2", "b2")])
def test_error_in_a_later_step_of_either_lane_names_its_op(failing):
    # The second step of a lane fails: the error names that op, as running in order
    # does. When both lanes fail, the calling thread's lane wins (running in order
    # raises whichever failing op it runs first; TF1, whichever fails first in time).
    x = mg.placeholder(mg.int32, [N, N], name="x")
    zeros = mg.placeholder(mg.int32, [N, N], name="zeros")
    ones = mg.placeholder(mg.int32, [N, N], name="ones")
    a2 = mg.floordiv(mg.matmul(x, x, name="a1"), zeros if "a2" in failing else ones, name="a2")
    b2 = mg.floordiv(mg.matmul(x, x, transpose_b=True, name="b1"),
                     zeros if "b2" in failing else ones, name="b2")
    feeds = {x: np.ones((N, N), np.int32), zeros: np.zeros((N, N), np.int32),
             ones: np.ones((N, N), np.int32)}
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError) as lanes_err:
            sess.run([a2, b2], feeds)
        parallel = [p for entry in sess._cache.values() for p in entry[0].parallel]
    assert parallel == [(("a1", "a2"), ("b1", "b2"))]
    assert lanes_err.value.op.name == failing[0]
    if len(failing) == 1:
        with pytest.raises(mg.errors.InvalidArgumentError) as plain_err:
            _run([a2, b2], feeds, inter_op=False)
        assert str(lanes_err.value) == str(plain_err.value)


def test_small_and_large_steps_are_not_paired():
    small = mg.placeholder(mg.float32, [10, 10])
    _, paired = _run([mg.exp(small), mg.sqrt(small)], {small: np.ones((10, 10), np.float32)})
    assert paired == []


def test_stateful_steps_are_not_paired():
    v = mg.Variable(np.ones((N, N), np.float32), name="v")
    x = mg.placeholder(mg.float32, [N, N])
    assign = mg.assign(v, x * 2.0)
    other = mg.exp(x)
    with mg.Session() as sess:
        sess.run(v.initializer)
        sess.run([assign, other], {x: np.ones((N, N), np.float32)})
        paired = [p for entry in sess._cache.values() for p in entry[0].parallel]
    assert all("Assign" not in name for lanes in paired for lane in lanes for name in lane)


@pytest.mark.parametrize("bad_first", [True, False])
def test_error_in_either_step_names_its_op(bad_first):
    x = mg.placeholder(mg.int32, [N, N], name="x")
    zeros = mg.placeholder(mg.int32, [N, N], name="zeros")
    bad = mg.floordiv(x, zeros, name="bad")  # integer division by zero: an error in TF1
    good = mg.abs(x, name="good")
    fetches = [bad, good] if bad_first else [good, bad]
    feeds = {x: np.ones((N, N), np.int32), zeros: np.zeros((N, N), np.int32)}
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError) as paired_err:
            sess.run(fetches, feeds)
        paired = [p for entry in sess._cache.values() for p in entry[0].parallel]
    assert paired == [(("bad",), ("good",)) if bad_first else (("good",), ("bad",))]
    with pytest.raises(mg.errors.InvalidArgumentError) as plain_err:
        _run(fetches, feeds, inter_op=False)
    assert paired_err.value.op.name == "bad"
    assert str(paired_err.value) == str(plain_err.value)


def test_float_errors_stay_silent_on_the_helper_thread():
    x = mg.placeholder(mg.float32, [N, N])
    fetches = [mg.log(x), 1.0 / x]  # log(0) = -inf, 1/0 = inf, as in TF1: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (lg, inv), paired = _run(fetches, {x: np.zeros((N, N), np.float32)})
    assert paired
    assert np.all(lg == -np.inf) and np.all(inv == np.inf)


def test_concurrent_runs_with_pairs():
    x, fetches = _branches()
    rng = np.random.RandomState(1)
    feeds = [rng.uniform(-1, 1, (N, N)).astype(np.float32) for _ in range(4)]
    with mg.Session() as sess:
        want = [sess.run(fetches, {x: f}) for f in feeds]
        errors, results = [], {}

        def worker(i):
            try:
                for _ in range(5):
                    results[i] = sess.run(fetches, {x: feeds[i]})
                    for g, w in zip(results[i], want[i]):
                        np.testing.assert_array_equal(g, w)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_each_lane_runs_in_order_on_its_own_thread_with_one_kernel_thread():
    # Steps of a lane run one after another on one thread (the calling thread for the
    # first lane, the helper for the second), every kernel told to stay on one thread
    # (`kernels.budget`); run in order, kernels may use every core.
    from minigraph.framework.registry import Op, make_tensor
    from minigraph.ops.kernels import budget

    seen = []

    class _Probe(Op):
        type = "TestLaneProbe"

        def infer(self, op):
            return [(op.inputs[0].dtype, op.inputs[0].shape)]

        def compute(self, op, x):
            seen.append((op.name, threading.get_ident(), budget.single_threaded()))
            return x + 1

    x = mg.placeholder(mg.float32, [N, N], name="x")
    a2 = make_tensor("TestLaneProbe", [make_tensor("TestLaneProbe", [x], None, "a1")], None, "a2")
    b2 = make_tensor("TestLaneProbe", [make_tensor("TestLaneProbe", [x], None, "b1")], None, "b2")
    xv = np.zeros((N, N), np.float32)
    got, parallel = _run([a2, b2], {x: xv})
    assert parallel == [(("a1", "a2"), ("b1", "b2"))]
    np.testing.assert_array_equal(got[0], xv + 2)
    np.testing.assert_array_equal(got[1], xv + 2)
    threads = {name: ident for name, ident, _ in seen}
    assert threads["a1"] == threads["a2"] == threading.get_ident() != threads["b1"] == threads["b2"]
    assert [name for name, _, _ in seen if name[0] == "b"] == ["b1", "b2"]
    assert all(one for _, _, one in seen)
    del seen[:]
    _, none = _run([a2, b2], {x: xv}, inter_op=False)
    assert none == [] and not any(one for _, _, one in seen)
