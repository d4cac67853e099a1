"""variable_scope / get_variable: one test per TF1 scope and reuse rule (names and messages
checked against TF 1.x while developing), plus partitioned variables and partitioners."""
import numpy as np
import pytest

import minigraph as mg

vs = mg.variable_scope


# -- names -------------------------------------------------------------------------------------
def test_variable_names_follow_variable_scopes_ops_follow_name_scopes():
    with vs("foo") as s:
        assert (s.name, s.original_name_scope, s.reuse) == ("foo", "foo/", False)
        assert mg.get_variable("w", [2]).name == "foo/w:0"
        assert mg.constant(1.0).name == "foo/Const:0"
        with vs("bar"):
            assert mg.get_variable("w", [2]).name == "foo/bar/w:0"
            assert mg.constant(1).name == "foo/bar/Const:0"
    with vs("foo") as s2:
        # Same variable scope, new name scope.
        assert (s2.name, s2.original_name_scope) == ("foo", "foo_1/")
        assert mg.constant(1).name == "foo_1/Const:0"


def test_get_variable_ignores_name_scopes():
    with mg.name_scope("ns"):
        v = mg.get_variable("v", [1])
        with vs("inner") as s:
            assert s.original_name_scope == "ns/inner/"
            assert mg.constant(1).name == "ns/inner/Const:0"
            assert mg.get_variable("v", []).name == "inner/v:0"
    assert v.name == "v:0"


def test_get_variable_op_names_match_tf1():
    mg.get_variable("g", [4, 3])
    ops = [(op.name, op.type) for op in mg.get_default_graph().get_operations()]
    assert ops[-3:] == [("g", "VariableV2"), ("g/Assign", "Assign"), ("g/read", "Identity")]
    assert ops[0][0].startswith("g/Initializer/random_uniform")
    assert mg.get_default_graph().get_operation_by_name("g/Initializer/random_uniform")


# -- reuse ---------------------------------------------------------------------------------------
def test_existing_variable_without_reuse_is_an_error():
    with vs("x"):
        mg.get_variable("w", [1])
    with vs("x"):
        with pytest.raises(ValueError, match=r"Variable x/w already exists, disallowed. Did you "
                                             r"mean to set reuse=True or reuse=tf.AUTO_REUSE in "
                                             r"VarScope\? Originally defined at:") as e:
            mg.get_variable("w", [1])
    assert "test_variable_scope.py" in str(e.value)


def test_reuse_true_returns_existing_and_checks_shape_dtype():
    with vs("foo"):
        w = mg.get_variable("w", [2])
    with vs("foo", reuse=True):
        assert mg.get_variable("w", [2]) is w
        assert mg.get_variable("w") is w
        with pytest.raises(ValueError, match=r"Trying to share variable foo/w, but specified "
                                             r"shape \(3,\) and found shape \(2,\)."):
            mg.get_variable("w", [3])
        with pytest.raises(ValueError, match="Trying to share variable foo/w, but specified "
                                             "dtype float64 and found dtype float32_ref."):
            mg.get_variable("w", [2], dtype=mg.float64)


def test_reuse_true_missing_variable_is_an_error():
    with vs("foo", reuse=True):
        with pytest.raises(ValueError, match=r"Variable foo/nope does not exist, or was not "
                                             r"created with tf.get_variable\(\). Did you mean to "
                                             r"set reuse=tf.AUTO_REUSE in VarScope\?"):
            mg.get_variable("nope", [2])


def test_plain_variable_is_not_found_by_get_variable():
    mg.Variable(1.0, name="v")
    with vs("", reuse=True):
        with pytest.raises(ValueError, match="Variable v does not exist, or was not created with "
                                             r"tf.get_variable\(\)"):
            mg.get_variable("v", [])


def test_reuse_is_inherited_and_sticky():
    with vs("a", reuse=True):
        with vs("b") as b:
            assert b.reuse is True
        with vs("c", reuse=False) as c:
            assert c.reuse is True


def test_auto_reuse_creates_then_reuses():
    with vs("auto", reuse=mg.AUTO_REUSE) as s:
        x1 = mg.get_variable("x", [1])
        x2 = mg.get_variable("x", [1])
    assert x1 is x2 and s.reuse is mg.AUTO_REUSE
    with vs("auto", reuse=mg.AUTO_REUSE):
        assert mg.get_variable("x", [1]) is x1
    assert len(mg.global_variables()) == 1


def test_reuse_variables_switches_scope_to_reuse():
    with vs("top"):
        a = mg.get_variable("a", [1])
        mg.get_variable_scope().reuse_variables()
        assert mg.get_variable_scope().reuse is True
        assert mg.get_variable("a", [1]) is a
        with pytest.raises(ValueError, match="Variable top/new does not exist"):
            mg.get_variable("new", [1])
    with vs("top") as t:
        assert t.reuse is False


def test_scope_object_reentry_keeps_name_and_original_name_scope():
    with vs("foo") as s:
        pass
    with vs("foo"):
        pass
    with vs(s) as s3:
        assert (s3.name, s3.original_name_scope) == ("foo", "foo/")
        assert s3 is not s
        assert mg.constant(1).name == "foo_2/Const:0"
        assert mg.get_variable("w", [1]).name == "foo/w:0"
    with vs(s, reuse=True) as s4:
        assert s4.reuse is True and mg.get_variable("w", [1]).name == "foo/w:0"
    with vs("outer", reuse=True):
        with vs(s) as s5:
            # A re-entered scope keeps its own reuse, not the enclosing scope's.
            assert s5.reuse is False


def test_auxiliary_name_scope_false_opens_no_name_scope():
    with vs("foo") as s:
        pass
    with vs(s, auxiliary_name_scope=False) as s4:
        assert (s4.name, s4.original_name_scope) == ("foo", "foo/")
        assert mg.constant(1).name == "Const:0"
    with vs("aux", auxiliary_name_scope=False) as s5:
        assert (s5.name, s5.original_name_scope) == ("aux", "")
        assert mg.constant(1).name == "Const_1:0"
    with mg.name_scope("ns"):
        with vs("aux2", auxiliary_name_scope=False) as s6:
            assert (s6.name, s6.original_name_scope) == ("aux2", "ns/")
            assert mg.constant(1).name == "ns/Const:0"


def test_default_name_is_uniquified():
    names = []
    for _ in range(3):
        with vs(None, default_name="dflt") as d:
            names.append((d.name, d.original_name_scope, mg.constant(1).name))
    assert names == [("dflt", "dflt/", "dflt/Const:0"), ("dflt_1", "dflt_1/", "dflt_1/Const:0"),
                     ("dflt_2", "dflt_2/", "dflt_2/Const:0")]
    with vs("dflt"):
        pass
    with vs(None, default_name="dflt") as d:
        # Variable scope and name scope counters differ, as in TF1.
        assert (d.name, d.original_name_scope) == ("dflt_3", "dflt_4/")


def test_default_name_counts_reset_per_enclosing_scope():
    with vs("a"):
        with vs(None, default_name="layer") as l1:
            pass
    with vs("a"):
        with vs(None, default_name="layer") as l2:
            pass
    assert (l1.name, l2.name) == ("a/layer", "a/layer")


def test_argument_errors():
    with pytest.raises(TypeError, match="If default_name is None then name_or_scope is required"):
        vs(None)
    with pytest.raises(ValueError, match="The reuse parameter must be True or False or None"):
        vs("q", reuse=5)
    with pytest.raises(TypeError, match="The auxiliary_name_scope must be `True` or `False`"):
        vs("q", auxiliary_name_scope=1)
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with vs(None, default_name="x", reuse=True):
            pass
    with pytest.raises(TypeError, match="name_or_scope must be a string or VariableScope"):
        with vs(3):
            pass
    assert mg.get_variable_scope().name == "" and mg.get_default_graph().get_name_scope() == ""


def test_improper_nesting_is_detected():
    outer, inner = vs("outer"), vs("inner")
    outer.__enter__()
    inner.__enter__()
    with pytest.raises(RuntimeError, match="Improper nesting of variable_scope"):
        outer.__exit__(None, None, None)


def test_scope_with_values_from_other_graph_enters_that_graph():
    g = mg.Graph()
    with g.as_default():
        x = mg.constant(1.0)
    with vs("s", values=[x]):
        v = mg.get_variable("v", [1])
    assert v.graph is g and mg.get_default_graph() is not g


# -- scope defaults ------------------------------------------------------------------------------
def test_scope_initializer_regularizer_dtype_are_inherited():
    ones = mg.ones_initializer()
    with vs("sc", initializer=ones, regularizer=lambda v: mg.reduce_sum(v),
            dtype=mg.float64) as sc:
        assert sc.initializer is ones and sc.dtype == mg.float64
        q = mg.get_variable("q", [2])
        with vs("in"):
            assert mg.get_variable_scope().initializer is ones
            q2 = mg.get_variable("q", [2])
    assert q.dtype == mg.float64 and q2.dtype == mg.float64
    losses = mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["sc/q/Regularizer/Sum:0", "sc/in/q/Regularizer/Sum:0"]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(q2), [1.0, 1.0])
        assert sess.run(losses) == [2.0, 2.0]


def test_regularizer_goes_under_name_regularizer_scope():
    with mg.name_scope("nn"):
        mg.get_variable("r", [3], initializer=mg.constant_initializer(2.0),
                        regularizer=lambda v: mg.reduce_sum(v) * 0.5)
    (loss,) = mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)
    assert loss.name == "r/Regularizer/mul:0"
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        assert sess.run(loss) == 3.0
    mg.get_variable("s", [], regularizer=lambda v: None)
    with vs("noreg", regularizer=lambda v: mg.reduce_sum(v)):
        mg.get_variable("t", [1], regularizer=mg.no_regularizer)
    assert len(mg.get_collection(mg.GraphKeys.REGULARIZATION_LOSSES)) == 1


def test_setters_and_collections_of_scope():
    with vs("s") as s:
        s.set_initializer(mg.zeros_initializer())
        s.set_dtype(mg.float64)
        s.set_regularizer(None)
        s.set_partitioner(None)
        a = mg.get_variable("a", [2])
        b = mg.get_variable("b", [2], trainable=False)
    assert a.dtype == mg.float64
    assert s.global_variables() == [a, b] and s.trainable_variables() == [a]
    c = mg.get_local_variable("c", [1])
    assert mg.local_variables() == [c] and c not in mg.global_variables() and not c.trainable


def test_constraint_is_passed_to_variable():
    def clip(x):
        return x
    with vs("c", constraint=clip):
        v = mg.get_variable("v", [1])
        with vs("inner"):
            u = mg.get_variable("u", [1])
    assert v.constraint is clip
    assert u.constraint is None  # TF1 does not inherit constraints into sub-scopes


def test_custom_getters_compose():
    seen = []

    def outer(getter, name, *args, **kwargs):
        seen.append(("outer", name))
        return getter(name + "_o", *args, **kwargs)

    def inner(getter, name, *args, **kwargs):
        seen.append(("inner", name))
        return getter(name + "_i", *args, **kwargs)

    with vs("cg", custom_getter=outer):
        assert mg.get_variable("z", [1]).name == "cg/z_o:0"
        with vs("in", custom_getter=inner):
            assert mg.get_variable("y", [1]).name == "cg/in/y_i_o:0"
    assert seen == [("outer", "cg/z"), ("inner", "cg/in/y"), ("outer", "cg/in/y_i")]
    with pytest.raises(ValueError, match="Passed a custom_getter which is not callable: 5"):
        mg.get_variable("b", [2], custom_getter=5)


# -- initializers in get_variable ------------------------------------------------------------------
def test_initializer_forms():
    a = mg.get_variable("a", [2, 3], initializer=mg.zeros_initializer())
    b = mg.get_variable("b", [2], initializer=mg.constant_initializer([1, 2]))
    c = mg.get_variable("c", [2], dtype=mg.int32)
    d = mg.get_variable("d", initializer=mg.constant([1.0, 2.0]))
    f = mg.get_variable("f", [3], initializer=mg.ones_initializer)
    h = mg.get_variable("h", initializer=[1.0, 2.0])
    k = mg.get_variable("k", initializer=lambda: mg.constant([[1.0]]))
    assert a.initial_value.name == "a/Initializer/zeros:0"
    assert b.initial_value.name == "b/Initializer/Const:0"
    assert c.initial_value.name == "c/Initializer/zeros:0" and c.dtype == mg.int32
    assert d.initial_value.name == "Const:0" and d.shape.as_list() == [2]
    assert h.initial_value.name == "h/initial_value:0" and h.shape.as_list() == [2]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        got = sess.run([a, b, c, d, f, h, k])
    for g, e in zip(got, [np.zeros((2, 3)), [1, 2], [0, 0], [1, 2], [1, 1, 1], [1, 2], [[1]]]):
        np.testing.assert_array_equal(g, e)


def test_initializer_errors():
    with pytest.raises(ValueError, match="If initializer is a constant, do not specify shape"):
        mg.get_variable("i", [2], initializer=mg.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="Variable j did not get an initializer, so its `shape` "
                                         "argument must be specified."):
        mg.get_variable("j")
    with pytest.raises(ValueError, match=r"The initializer passed is not valid.*Variable k: "
                                         r"shape \(\?, 3\)"):
        mg.get_variable("k", [None, 3])
    with pytest.raises(ValueError, match="Initializer type 'float32' and explicit dtype 'int32' "
                                         "don't match"):
        mg.get_variable("l", dtype=mg.int32, initializer=mg.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="GlorotUniform initializer needs a floating point dtype, "
                                        "got int32 .*m2/Initializer"):
        mg.get_variable("m2", [2], dtype=mg.int32, initializer=mg.glorot_uniform_initializer())


def test_default_initializer_is_glorot_uniform():
    mg.set_random_seed(1)
    w = mg.get_variable("w", [200, 300])
    with mg.Session() as sess:
        sess.run(w.initializer)
        v = sess.run(w)
    limit = np.sqrt(6.0 / 500)
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.99 * limit
    assert abs(v.std() - limit / np.sqrt(3)) < 0.01 * limit


# -- partitioned variables -------------------------------------------------------------------------
def test_partitioned_variable_names_shapes_and_concat():
    p = mg.get_variable("p", [10, 3], partitioner=mg.fixed_size_partitioner(3))
    assert isinstance(p, mg.PartitionedVariable)
    assert (p.name, p.get_shape().as_list(), p.dtype, len(p)) == ("p", [10, 3], mg.float32, 3)
    assert [v.name for v in p] == ["p/part_0:0", "p/part_1:0", "p/part_2:0"]
    assert [v.shape.as_list() for v in p] == [[4, 3], [3, 3], [3, 3]]
    assert [v._get_save_slice_info().spec for v in p] == ["10 3 0,4:0,3", "10 3 4,3:0,3",
                                                          "10 3 7,3:0,3"]
    assert p._get_partitions() == [3, 1] and p._get_variable_list() == list(p)
    assert mg.global_variables() == list(p)
    assert list(p)[0].initial_value.name.startswith("p/part_0/Initializer/random_uniform")
    t = mg.convert_to_tensor(p)
    assert t.name == "p:0" and t.op.inputs[0].name == "p/ConcatPartitions/concat:0"
    assert t.shape.as_list() == [10, 3]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        parts = sess.run(list(p))
        np.testing.assert_array_equal(sess.run(t), np.concatenate(parts))


def test_partitioned_initializer_is_called_per_shard():
    # As in TF1, a constant_initializer gets the shard shape: a full-size array is too big.
    with pytest.raises(ValueError, match="Too many elements provided. Needed at most 12, but "
                                         "received 30"):
        mg.get_variable("p", [10, 3], partitioner=mg.fixed_size_partitioner(3),
                        initializer=mg.constant_initializer(np.arange(30.0).reshape(10, 3)))


def test_partitioned_value_initializer_is_sliced():
    full = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    c = mg.get_variable("c", initializer=mg.constant(full), partitioner=mg.fixed_size_partitioner(3))
    q = mg.get_variable("q", [4, 6], initializer=mg.ones_initializer(),
                        partitioner=mg.fixed_size_partitioner(2, axis=1))
    assert [v.initial_value.name for v in c][0] == "c/part_0/PartitionedInitializer/Slice:0"
    assert [v.shape.as_list() for v in q] == [[4, 3], [4, 3]] and q._partition_axes() == [1]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(mg.convert_to_tensor(c)), full)
        np.testing.assert_array_equal(sess.run(q.as_tensor()), np.ones((4, 6)))
        sess.run(q.assign(np.arange(24.0, dtype=np.float32).reshape(4, 6)))
        np.testing.assert_array_equal(sess.run(list(q))[1],
                                      np.arange(24.0).reshape(4, 6)[:, 3:])
        sess.run(q.assign_add([np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)]))
        np.testing.assert_array_equal(sess.run(q.as_tensor())[:, :3],
                                      np.arange(24.0).reshape(4, 6)[:, :3] + 1)


def test_partitioned_reuse_rules():
    with vs("s"):
        q = mg.get_variable("q", [4, 6], partitioner=mg.fixed_size_partitioner(2, axis=1))
        with pytest.raises(ValueError, match="Partitioned variable with name s/q already exists."):
            mg.get_variable("q", [4, 6], partitioner=mg.fixed_size_partitioner(2, axis=1))
        with pytest.raises(ValueError, match="No partitioner was provided, but a partitioned "
                                             "version of the variable was found: s/q/part_0."):
            mg.get_variable("q", [4, 6])
    with vs("s", reuse=True):
        assert mg.get_variable("q", [4, 6]) is q
        assert mg.get_variable("q", [4, 6], partitioner=mg.fixed_size_partitioner(2, 1)) is q
        with pytest.raises(ValueError, match=r"specified partitions \[1, 3\] and found "
                                             r"partitions \[1, 2\]"):
            mg.get_variable("q", [4, 6], partitioner=mg.fixed_size_partitioner(3, axis=1))
        with pytest.raises(ValueError, match=r"Trying to reuse partitioned variable s/q, but "
                                             r"specified shape \(4, 7\) and found shape \(4, 6\)"):
            mg.get_variable("q", [4, 7], partitioner=mg.fixed_size_partitioner(2, axis=1))
        with pytest.raises(ValueError, match="PartitionedVariable s/zz does not exist"):
            mg.get_variable("zz", [4, 7], partitioner=mg.fixed_size_partitioner(2, axis=1))
    mg.get_variable("x", [3])
    with pytest.raises(ValueError, match="A partitioner was provided, but an unpartitioned "
                                         "version of the variable was found: x."):
        mg.get_variable("x", [3], partitioner=mg.fixed_size_partitioner(2))


def test_partitioner_result_is_validated():
    cases = [(lambda shape, dtype: [2, 2], "Can only slice a variable along one dimension"),
             (lambda shape, dtype: [2], "does not match the Variable's rank"),
             (lambda shape, dtype: [0, 1], "zero partitions for some axes"),
             (lambda shape, dtype: 3, "Partitioner must return a sequence")]
    for i, (part, msg) in enumerate(cases):
        with pytest.raises(ValueError, match=msg + ".*variable y%d" % i):
            mg.get_variable("y%d" % i, [3, 3], partitioner=part)
    with pytest.raises(ValueError, match="Partitioner must be callable, but received: 5"):
        mg.get_variable("m", [2], partitioner=5)
    # A scalar cannot be partitioned: the partitioner is ignored.
    sc = mg.get_variable("sc", [], partitioner=mg.fixed_size_partitioner(2))
    assert isinstance(sc, mg.Variable)


def test_partitioned_variable_is_not_a_plain_tensor():
    p = mg.get_variable("p", [4], partitioner=mg.fixed_size_partitioner(2))
    with pytest.raises(TypeError):
        p + 1
    with pytest.raises(TypeError):
        mg.Session().run(p)
    with pytest.raises(ValueError, match="Incompatible type conversion requested to type "
                                         "'int32'"):
        mg.convert_to_tensor(p, dtype=mg.int32)
    single = mg.get_variable("one", [6], partitioner=mg.fixed_size_partitioner(1))
    assert mg.convert_to_tensor(single).name == "one:0"


@pytest.mark.parametrize("partitioner,shape,dtype,expect", [
    # expected values from TF 1.x
    (mg.variable_axis_size_partitioner(100), [50, 4], mg.float32, [9, 1]),
    (mg.variable_axis_size_partitioner(100, max_shards=3), [50, 4], mg.float32, [3, 1]),
    (mg.variable_axis_size_partitioner(1 << 20), [50, 4], mg.float32, [1, 1]),
    (mg.variable_axis_size_partitioner(64, axis=1), [4, 50], mg.float64, [1, 25]),
    (mg.min_max_variable_partitioner(4, min_slice_size=64), [50, 4], mg.float32, [4, 1]),
    (mg.min_max_variable_partitioner(100, axis=1, min_slice_size=64), [50, 4], mg.float32,
     [1, 4]),
    (mg.min_max_variable_partitioner(100, min_slice_size=1000), [50, 4], mg.float32, [1, 1]),
    (mg.fixed_size_partitioner(5), [3, 4], mg.float32, [3, 1]),
    (mg.fixed_size_partitioner(2, axis=1), [3, 4], mg.float32, [1, 2]),
])
def test_partitioner_outputs(partitioner, shape, dtype, expect):
    assert partitioner(shape=mg.TensorShape(shape), dtype=dtype) == expect


def test_partitioner_argument_errors():
    with pytest.raises(ValueError, match="Both max_shard_bytes and bytes_per_string_element must "
                                         "be positive"):
        mg.variable_axis_size_partitioner(0)
    with pytest.raises(ValueError, match="max_shards must be positive"):
        mg.variable_axis_size_partitioner(10, max_shards=-1)
    with pytest.raises(ValueError, match=r"Cannot partition variable along axis 3 when shape is "
                                         r"only \(50, 4\)"):
        mg.min_max_variable_partitioner(4, axis=3)(shape=mg.TensorShape([50, 4]),
                                                   dtype=mg.float32)


def test_partitioned_glorot_uses_full_shape_fans():
    mg.set_random_seed(1)
    p = mg.get_variable("p", [400, 100], partitioner=mg.fixed_size_partitioner(4))
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        v = sess.run(mg.convert_to_tensor(p))
    limit = np.sqrt(6.0 / 500)  # fans of the full [400, 100], not of a [100, 100] shard
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.98 * limit


def test_create_partitioned_variables():
    shards = mg.create_partitioned_variables([6, 2], [3, 1], mg.zeros_initializer(), name="cp")
    assert [s.name for s in shards] == ["cp/part_0:0", "cp/part_1:0", "cp/part_2:0"]
    assert [s.shape.as_list() for s in shards] == [[2, 2]] * 3


def test_module_assign_on_partitioned_variable_assigns_every_shard():
    p = mg.get_variable("p", [5], partitioner=mg.fixed_size_partitioner(2))
    outs = mg.assign(p, np.arange(5.0, dtype=np.float32))
    assert [o.shape.as_list() for o in outs] == [[3], [2]]
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        sess.run(outs)
        np.testing.assert_array_equal(sess.run(mg.convert_to_tensor(p)), np.arange(5.0))
