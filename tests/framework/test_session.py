"""Sessions: fetch structures, feeds, pruning, errors, default sessions."""
import collections

import numpy as np
import pytest

import minigraph as mg


def test_fetch_structures_round_trip():
    a = mg.constant(1.0, name="a")
    b = mg.constant([2.0, 3.0], name="b")
    Pair = collections.namedtuple("Pair", "x y")
    with mg.Session() as sess:
        out = sess.run({"k": [a, (b, "a:0")], "p": Pair(a, b)})
    assert out["k"][0] == 1.0 and isinstance(out["k"][0], np.float32)
    np.testing.assert_array_equal(out["k"][1][0], [2.0, 3.0])
    assert isinstance(out["k"][1], tuple) and out["k"][1][1] == 1.0
    assert isinstance(out["p"], Pair) and out["p"].x == 1.0
    with mg.Session() as sess:
        assert sess.run([]) == []


def test_op_fetch_returns_none_and_runs():
    a = mg.constant(1.0)
    noop = mg.no_op(name="nothing")
    with mg.Session() as sess:
        assert sess.run(noop) is None
        assert sess.run([a, noop])[1] is None


def test_bad_fetch_types():
    with mg.Session() as sess:
        with pytest.raises(TypeError, match="None"):
            sess.run(None)
        with pytest.raises(TypeError):
            sess.run(3.5)
        # TF1's session turns the graph's KeyError into a ValueError.
        with pytest.raises(ValueError, match="'missing:0' cannot be interpreted as a Tensor"):
            sess.run("missing:0")


def test_kernel_error_of_a_constant_subgraph_is_an_op_error():
    # Regression: the session folds constant subgraphs before running; a kernel failing
    # there must still surface as InvalidArgumentError at run time (as in TF), not as
    # the kernel's bare ValueError.
    x = mg.constant(np.ones((2, 3), np.float32))
    picked = mg.gather(x, [0, 5])
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError, match=r"indices\[1\] = 5"):
            sess.run(picked)
        with pytest.raises(mg.errors.InvalidArgumentError, match="GatherV2"):
            sess.run(picked * 2.0)


def test_fetch_from_other_graph_rejected():
    g = mg.Graph()
    with g.as_default():
        x = mg.constant(1.0)
    with mg.Session() as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(x)


def test_feed_validation():
    x = mg.placeholder(mg.float32, [None, 2], name="x")
    y = x + 1.0
    with mg.Session() as sess:
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            sess.run(y, {x: np.zeros((3, 3))})
        with pytest.raises(ValueError, match="x:0"):
            sess.run(y, {x: np.zeros(2)})
        out = sess.run(y, {x: [[1, 2]]})  # ints convert to float32
        assert out.dtype == np.float32
        out = sess.run(y, {"x:0": np.zeros((1, 2), np.float64)})
        assert out.dtype == np.float32
        with pytest.raises(TypeError, match="tf.Tensor"):
            sess.run(y, {x: y})
        # ValueError as in TF1, naming the fed tensor (TF1 relays only NumPy's message).
        with pytest.raises(ValueError, match="dtype <U1 to x:0 of dtype float32"):
            sess.run(y, {x: np.array([["a", "b"]])})


def test_float_feed_into_int_placeholder_is_not_truncated():
    x = mg.placeholder(mg.int32, [2], name="ints")
    with mg.Session() as sess:
        assert sess.run(x, {x: [1.0, 2.0]}).tolist() == [1, 2]
        with pytest.raises(TypeError, match="ints"):
            sess.run(x, {x: [1.5, 2.0]})
        with pytest.raises(TypeError, match="out of range"):
            sess.run(x, {x: np.array([2**40], np.int64)})


def test_unfed_placeholder_error_names_it_and_shape():
    x = mg.placeholder(mg.float32, [None, 3], name="inputs")
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError) as e:
            sess.run(x + 1.0)
    assert "inputs" in str(e.value) and "[?,3]" in str(e.value)
    assert e.value.op is x.op


def test_pruning_skips_unneeded_placeholders():
    x = mg.placeholder(mg.float32, [], name="x")
    y = mg.placeholder(mg.float32, [], name="y")
    a = x + 1.0
    b = y + 2.0  # noqa: F841 - not fetched, so y needs no feed
    with mg.Session() as sess:
        assert sess.run(a, {x: 1.0}) == 2.0


def test_feeding_any_tensor_overrides_it():
    x = mg.placeholder(mg.float32, [], name="x")
    a = x + 1.0
    b = a + 10.0
    with mg.Session() as sess:
        # x need not be fed: a is overridden, so x is pruned away.
        assert sess.run(b, {a: 5.0}) == 15.0
        assert sess.run(a, {a: 7.0}) == 7.0


def test_fetched_constants_do_not_alias_graph_state():
    a = mg.constant([1.0, 2.0])
    with mg.Session() as sess:
        v = sess.run(a)
        v[0] = 100.0
        assert sess.run(a)[0] == 1.0


def test_closed_session_raises():
    a = mg.constant(1.0)
    sess = mg.Session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed"):
        sess.run(a)


def test_default_session_and_eval():
    a = mg.constant(3.0)
    with pytest.raises(ValueError, match="default session"):
        a.eval()
    with mg.Session() as sess:
        assert mg.get_default_session() is sess
        assert a.eval() == 3.0
    assert mg.get_default_session() is None
    sess = mg.Session()
    with sess.as_default():
        assert a.eval() == 3.0
    assert a.eval(session=sess) == 3.0


def test_session_on_other_graph():
    g = mg.Graph()
    with g.as_default():
        a = mg.constant(2.0)
    sess = mg.Session(graph=g)
    assert sess.graph is g
    assert sess.run(a) == 2.0
    with pytest.raises(ValueError, match="different"):
        a.eval(session=mg.Session())


def test_interactive_session_installs_default():
    a = mg.constant(4.0)
    sess = mg.InteractiveSession()
    try:
        assert a.eval() == 4.0
    finally:
        sess.close()
    assert mg.get_default_session() is None


def test_control_dependencies_run_first_and_group():
    order = []
    from minigraph.framework.registry import Op, make_op

    class _Record(Op):
        type = "TestRecordOrder"
        stateful = True

        def infer(self, op):
            return []

        def compute(self, op):
            order.append(op.name)

    first = make_op("TestRecordOrder", [], None, "first")
    with mg.control_dependencies([first]):
        second = make_op("TestRecordOrder", [], None, "second")
    grouped = mg.group(second, name="both")
    assert grouped.name == "both"
    with mg.Session() as sess:
        sess.run(grouped)
    assert order == ["first", "second"]


def test_kernel_failure_is_op_error_naming_op():
    from minigraph.framework.registry import Op, make_tensor

    class _Boom(Op):
        type = "TestBoom"

        def infer(self, op):
            return [(mg.float32, [])]

        def compute(self, op):
            raise ValueError("kaboom")

    t = make_tensor("TestBoom", [], None, "boomer")
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError, match="boomer") as e:
            sess.run(t)
    assert e.value.op is t.op


def test_plan_cache_reused_and_make_callable():
    x = mg.placeholder(mg.float32, [2])
    y = x + 1.0
    sess = mg.Session()
    sess.run(y, {x: [1, 2]})
    n = len(sess._cache)
    for _ in range(3):
        sess.run(y, {x: [1, 2]})
    assert len(sess._cache) == n
    f = sess.make_callable(y, [x])
    np.testing.assert_array_equal(f(np.array([0.0, 1.0])), [1.0, 2.0])


def test_two_sessions_share_graph_not_state():
    a = mg.constant(1.0) + 1.0
    s1, s2 = mg.Session(), mg.Session()
    assert s1.run(a) == s2.run(a) == 2.0


def test_variable_read_after_assign_sees_new_value_like_tf1():
    w = mg.Variable(1.0, name="w")
    inc = mg.assign_add(w, 5.0)
    before = w + 0.0  # no ordering: may run before or after; not asserted
    with mg.control_dependencies([inc]):
        after_read = w.read_value()
        after_identity = mg.identity(w)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        out = sess.run([after_read, after_identity])
        assert out == [6.0, 6.0]
        assert sess.run(w) == 6.0
        del before


def test_concurrent_runs_on_one_session_are_independent():
    import threading
    x = mg.placeholder(mg.float32, [None], name="x")
    y = mg.reduce_sum(x * 2.0 + 1.0)
    sess = mg.Session()
    errors_seen, results = [], {}

    def worker(k):
        try:
            for i in range(200):
                v = np.full(k + 1, float(i), np.float32)
                out = sess.run(y, {x: v})
                if out != (k + 1) * (2.0 * i + 1.0):
                    errors_seen.append((k, i, out))
            results[k] = True
        except Exception as e:  # pragma: no cover - reported below
            errors_seen.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors_seen == [] and len(results) == 4


def test_tuple_outputs_are_named_control_dependency_as_in_tf1():
    # Names from TF 2.21 tf.compat.v1.tuple (TF1's with_dependencies naming).
    a, b = mg.tuple([mg.constant(1.0), mg.constant(2.0)])
    assert [a.name, b.name] == ["tuple/control_dependency:0", "tuple/control_dependency_1:0"]
    assert a.op.type == "Identity"
    assert [op.name for op in a.op.control_inputs] == ["tuple/group_deps"]
    with mg.Session() as sess:
        assert sess.run([a, b]) == [1.0, 2.0]
