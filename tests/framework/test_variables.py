"""tf.Variable: graph structure and names (checked against TF 1.15 while developing),
collections, session-held values, assignments, errors, initialization helpers, gradients."""
import numpy as np
import pytest

import minigraph as mg
from minigraph import errors


def _ops(graph=None):
    graph = graph or mg.get_default_graph()
    return [(op.name, op.type) for op in graph.get_operations()]


# -- structure and names -------------------------------------------------------------------------
def test_variable_ops_and_names_match_tf1():
    w = mg.Variable(5.0, name="w")
    assert _ops() == [("w/initial_value", "Const"), ("w", "VariableV2"),
                      ("w/Assign", "Assign"), ("w/read", "Identity")]
    assert (w.name, w.op.name, w.initializer.name) == ("w:0", "w", "w/Assign")
    assert (w.value().name, w.initial_value.name) == ("w/read:0", "w/initial_value:0")
    assert w.dtype == mg.float32 and w.shape.as_list() == [] and w.get_shape().as_list() == []
    assert w.value().op.inputs[0] is w.op.outputs[0]
    assert w.read_value().name == "read:0"
    assert repr(w) == "<tf.Variable 'w:0' shape=() dtype=float32_ref>"


def test_callable_initial_value_goes_under_initializer_scope():
    u = mg.Variable(lambda: mg.ones([2, 3]), name="u")
    assert u.initial_value.name == "u/Initializer/ones:0"
    assert u.shape.as_list() == [2, 3]


def test_default_names_are_uniquified_and_follow_name_scope():
    a, b = mg.Variable(1.0), mg.Variable(2.0)
    with mg.name_scope("ns"):
        c = mg.Variable(3.0)
    assert (a.name, b.name, c.name) == ("Variable:0", "Variable_1:0", "ns/Variable:0")
    assert c.initializer.name == "ns/Variable/Assign"


def test_collections_and_trainable():
    w = mg.Variable(1.0, name="w")
    t = mg.Variable(1.0, name="t", trainable=False, collections=["foo"])
    assert mg.global_variables() == [w]
    assert mg.trainable_variables() == [w]
    assert mg.get_collection("foo") == [t] and not t.trainable and w.trainable
    with pytest.raises(ValueError, match="collections argument to Variable constructor must be "
                                         "a list, tuple, or set. Got 'bar'"):
        mg.Variable(1.0, collections="bar")
    w2 = mg.Variable(1.0, name="w2")
    assert mg.global_variables(scope="w2") == [w2]
    assert mg.trainable_variables("w") == [w, w2]


def test_variable_creation_ignores_enclosing_control_dependencies():
    c = mg.no_op(name="gate")
    with mg.control_dependencies([c]):
        w = mg.Variable(lambda: mg.zeros([2]), name="w")
    assert all(op.control_inputs == [] for op in mg.get_default_graph().get_operations())
    assert w.shape.as_list() == [2]


def test_variable_follows_graph_of_initial_value():
    g = mg.Graph()
    with g.as_default():
        init = mg.constant([1.0, 2.0])
    w = mg.Variable(init, name="w")
    assert w.graph is g and w.op.graph is g
    assert mg.get_default_graph().get_operations() == []
    assert g.get_collection(mg.GraphKeys.GLOBAL_VARIABLES) == [w]


# -- dtype / shape rules -------------------------------------------------------------------------
def test_dtype_conversion_of_python_values():
    assert mg.Variable(3, dtype=mg.float64).dtype == mg.float64
    assert mg.Variable(1).dtype == mg.int32
    with pytest.raises(ValueError, match=r"initial_value of variable 'q'.*requested dtype float64 "
                                         r"for Tensor with dtype int32"):
        mg.Variable(mg.constant(3), dtype=mg.float64, name="q")
    with pytest.raises(TypeError, match="initial_value of variable 'i'"):
        mg.Variable(1.5, dtype=mg.int32, name="i")


def test_missing_and_bad_arguments():
    with pytest.raises(ValueError, match="initial_value must be specified"):
        mg.Variable(name="q")
    with pytest.raises(ValueError, match="constraint"):
        mg.Variable(1.0, constraint=3)
    with pytest.raises(NotImplementedError, match="variable_def"):
        mg.Variable(variable_def=object())


def test_unknown_shape_needs_validate_shape_false():
    p = mg.placeholder(mg.float32, [None])
    with pytest.raises(ValueError, match=r"initial_value must have a shape specified: "
                                         r"Tensor\(\"Placeholder:0\", shape=\(\?,\)"):
        mg.Variable(p)
    v = mg.Variable([1.0, 2.0], validate_shape=False, name="vv")
    assert v.shape.ndims is None
    with mg.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(mg.assign(v, [1.0, 2.0, 3.0],
                                                         validate_shape=False)), [1, 2, 3])
        np.testing.assert_array_equal(sess.run(v), [1, 2, 3])


def test_explicit_shape_argument():
    v = mg.Variable(mg.zeros([2, 3]), shape=[2, 3])
    assert v.shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match="not compatible"):
        mg.Variable(mg.zeros([2, 3]), shape=[3, 3], name="bad")


# -- values live in sessions ---------------------------------------------------------------------
def test_uninitialized_read_fails_naming_the_variable():
    w = mg.Variable([1.0], name="weights")
    y = w * 2.0
    with mg.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value weights"):
            sess.run(y)


def test_two_sessions_hold_separate_values():
    w = mg.Variable(1.0, name="w")
    inc = w.assign_add(1.0)
    s1, s2 = mg.Session(), mg.Session()
    s1.run(w.initializer)
    s2.run(w.initializer)
    s1.run(inc)
    s1.run(inc)
    assert (s1.run(w), s2.run(w)) == (3.0, 1.0)
    s1.close()
    with pytest.raises(errors.FailedPreconditionError):
        mg.Session().run(w)
    s2.close()


def test_fetched_values_do_not_alias_variable_state():
    w = mg.Variable(np.zeros(3, np.float32), name="w")
    inc = w.assign_add(np.ones(3, np.float32))
    with mg.Session() as sess:
        sess.run(w.initializer)
        before = sess.run(w)
        sess.run(inc)
        np.testing.assert_array_equal(before, [0, 0, 0])
        got = sess.run(w)
        got[:] = 100
        np.testing.assert_array_equal(sess.run(w), [1, 1, 1])
        fed = np.array([5.0, 6.0, 7.0], np.float32)
        sess.run(w.assign(fed))
        fed[:] = -1
        np.testing.assert_array_equal(sess.run(w), [5, 6, 7])


# -- assignments ---------------------------------------------------------------------------------
def test_assign_add_sub_values_and_names():
    w = mg.Variable(5.0, name="w")
    a = w.assign(3.0)
    b = w.assign_add(2.0)
    c = w.assign_sub(1.0, read_value=False)
    assert (a.name, a.op.type, b.name, b.op.type) == ("Assign:0", "Assign", "AssignAdd:0",
                                                      "AssignAdd")
    assert isinstance(c, mg.Operation) and c.type == "AssignSub"
    assert a.op.inputs[0].name == "Assign/value:0"
    with mg.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(a) == 3.0
        assert sess.run(b) == 5.0
        assert sess.run(c) is None
        assert sess.run(w) == 4.0
        assert sess.run(mg.assign_add(w, 10.0)) == 14.0
        assert sess.run(mg.assign_sub(w, 4.0, name="down")) == 10.0
        assert sess.run(mg.assign(w, -1.0)) == -1.0


def test_assign_type_and_shape_errors():
    w = mg.Variable([1.0, 2.0], name="w")
    with pytest.raises(TypeError, match=r"Input 'value' of 'Assign' Op has type int32 that does "
                                        r"not match type float32 of argument 'ref' "
                                        r"\(variable 'w'"):
        w.assign(mg.constant([1, 2]))
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \[3\] to variable 'w' "
                                         r"of shape \[2\]"):
        w.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Cannot add a value of shape \[3\] to variable 'w'"):
        w.assign_add([1.0, 2.0, 3.0])
    x = mg.Variable(1, name="x")
    with pytest.raises(TypeError, match="Expected int32 passed to parameter 'value' of op "
                                        "'Assign' for variable 'x'"):
        x.assign(1.5)
    with pytest.raises(TypeError, match="ref must be a tf.Variable"):
        mg.assign(mg.constant(1.0), 2.0)


def test_assign_runtime_shape_check():
    w = mg.Variable([1.0, 2.0], name="w")
    p = mg.placeholder(mg.float32, [None])
    op = w.assign(p)
    with mg.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"Assign of variable 'w' requires shapes of both tensors to "
                                 r"match. lhs shape= \[2\] rhs shape= \[3\]"):
            sess.run(op, {p: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(sess.run(op, {p: [7.0, 8.0]}), [7, 8])


def test_assign_add_of_uninitialized_variable_fails():
    w = mg.Variable(1.0, name="w")
    with mg.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value w"):
            sess.run(w.assign_add(1.0))


def test_load_and_eval():
    w = mg.Variable([1.0, 2.0], name="w")
    with mg.Session() as sess:
        w.load([3.0, 4.0], sess)
        np.testing.assert_array_equal(w.eval(sess), [3, 4])
        w.load(np.array([5.0, 6.0]))
        np.testing.assert_array_equal(w.eval(), [5, 6])
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            w.load([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Variable.load of 'w:0': Either session argument"):
        w.load([1.0, 2.0])


# -- tensor-like behaviour -------------------------------------------------------------------------
def test_operators_read_the_snapshot():
    a = np.array([[1.0, -2.0], [3.0, 4.0]], np.float32)
    w = mg.Variable(a, name="w")
    outs = [-w, w[0], w @ w, abs(w), 2.0 * w, w - 1.0, 1.0 - w, w / 2.0, w ** 2, w < 3.0,
            w >= 3.0, a * w]
    assert (outs[0].name, outs[1].name, outs[2].name) == ("Neg:0", "strided_slice:0",
                                                          "matmul:0")
    for t in outs:
        assert w.value() in t.op.inputs or any(w.value() in i.op.inputs for i in t.op.inputs)
    with mg.Session() as sess:
        sess.run(w.initializer)
        got = sess.run(outs)
    want = [-a, a[0], a @ a, abs(a), 2 * a, a - 1, 1 - a, a / 2, a ** 2, a < 3, a >= 3, a * a]
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_identity_semantics_hash_iter():
    w = mg.Variable(1.0)
    v = mg.Variable(1.0)
    assert w == w and w != v and {w: 1}[w] == 1 and len({w, v, w}) == 2
    with pytest.raises(TypeError, match="not iterable"):
        iter(w)
    with pytest.raises(TypeError, match="run it in a Session"):
        np.asarray(w)


def test_conversion_and_graph_elements():
    w = mg.Variable([1.0, 2.0], name="w")
    assert mg.convert_to_tensor(w) is w.value()
    assert mg.convert_to_tensor(w, as_ref=True) is w.op.outputs[0]
    with pytest.raises(ValueError, match="Incompatible type conversion requested to type "
                                         "'int32' for variable w:0"):
        mg.convert_to_tensor(w, dtype=mg.int32)
    assert w._as_graph_element() is w.op.outputs[0]
    assert w._as_control_input() is w.op
    with mg.control_dependencies([w]):
        c = mg.constant(1.0)
    assert c.op.control_inputs == [w.op]
    with mg.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(w), [1, 2])
        np.testing.assert_array_equal(sess.run({"w": w})["w"], [1, 2])


# -- gradients -----------------------------------------------------------------------------------
def test_gradients_with_respect_to_variables():
    xv = np.array([[1.0, 2.0], [3.0, -1.0]])
    wv = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = mg.constant(xv)
    w = mg.Variable(wv, name="w")
    b = mg.Variable(np.zeros(2), name="b")
    unused = mg.Variable(1.0, dtype=mg.float64, name="unused")
    y = mg.matmul(x, w) + b
    loss = mg.reduce_sum(y * y) + mg.reduce_sum(w)
    gw, gb, gu = mg.gradients(loss, [w, b, unused])
    assert gu is None
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        gwv, gbv = sess.run([gw, gb])
    yv = xv @ wv
    np.testing.assert_allclose(gwv, xv.T @ (2 * yv) + 1, rtol=1e-12)
    np.testing.assert_allclose(gbv, (2 * yv).sum(0), rtol=1e-12)


def test_gradient_through_read_value_and_value():
    w = mg.Variable(3.0, dtype=mg.float64, name="w")
    loss = w.read_value() * w.value() * 2.0
    (g,) = mg.gradients(loss, w)
    with mg.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(g) == pytest.approx(12.0)


# -- initialization helpers ----------------------------------------------------------------------
def test_initializer_ops_and_report():
    assert mg.global_variables_initializer().type == "NoOp"
    w = mg.Variable(1.0, name="w")
    u = mg.Variable(2.0, name="u")
    loc = mg.Variable(3.0, name="loc", collections=[mg.GraphKeys.LOCAL_VARIABLES])
    init = mg.global_variables_initializer()
    assert (init.name, init.type) == ("init_1", "NoOp")
    assert set(init.control_inputs) == {w.initializer, u.initializer}
    assert mg.variables_initializer([], name="x").type == "NoOp"
    report = mg.report_uninitialized_variables()
    assert report.name == "report_uninitialized_variables:0" and report.dtype == mg.string
    flag = mg.is_variable_initialized(w)
    with mg.Session() as sess:
        r = sess.run(report)
        assert r.dtype == object and list(r) == [b"w", b"u", b"loc"]
        assert not sess.run(flag)
        sess.run(mg.variables_initializer([u]))
        assert list(sess.run(report)) == [b"w", b"loc"]
        sess.run(init)
        assert sess.run(flag)
        assert list(sess.run(report)) == [b"loc"]
        sess.run(mg.local_variables_initializer())
        r = sess.run(report)
        assert len(r) == 0 and r.shape == (0,)
        assert list(sess.run(mg.report_uninitialized_variables([w]))) == []
        assert len(sess.run(mg.report_uninitialized_variables([]))) == 0


def test_report_falls_back_to_all_variable_ops():
    w = mg.Variable(1.0, name="w", collections=[])
    with mg.Session() as sess:
        assert list(sess.run(mg.report_uninitialized_variables())) == [b"w"]
        sess.run(w.initializer)
        assert len(sess.run(mg.report_uninitialized_variables())) == 0


def test_initial_value_from_other_variable_is_guarded():
    w = mg.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    w2 = mg.Variable(w * 2, name="w2")
    w3 = mg.Variable(w.initialized_value() + 1, name="w3")
    names = [op.name for op in mg.get_default_graph().get_operations()]
    assert "w/read_w2" in names and "mul_w2" in names
    for _ in range(3):  # whatever order the initializers run in
        with mg.Session() as sess:
            sess.run(mg.variables_initializer([w3, w2, w]))
            a, b = sess.run([w2, w3])
    np.testing.assert_array_equal(a, [[2, 4], [6, 8]])
    np.testing.assert_array_equal(b, [[2, 3], [4, 5]])
    with mg.Session() as sess:
        sess.run(w.initializer)
        sess.run(w.assign(w * 10))
        np.testing.assert_array_equal(sess.run(w.initialized_value()), [[10, 20], [30, 40]])


def test_assert_variables_initialized():
    assert mg.assert_variables_initialized() is None
    w = mg.Variable(np.zeros((2, 3)), name="w")
    u = mg.Variable(1.0, name="u")
    check_all, check_u = mg.assert_variables_initialized(), mg.assert_variables_initialized([u])
    with mg.Session() as sess:
        sess.run(u.initializer)
        assert sess.run(check_u) == 0
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value w"):
            sess.run(check_all)
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(check_all), [2, 0])
