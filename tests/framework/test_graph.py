"""Graph core: names, name scopes, control dependencies, collections, default graphs."""
import pytest

import minigraph as mg
from minigraph.framework.tensor_shape import Dimension, TensorShape


def c(v=1.0, name="Const"):
    return mg.constant(v, name=name)


def test_unique_names_are_case_insensitive_like_tf1():
    a = c()
    b = c()
    assert (a.op.name, b.op.name) == ("Const", "Const_1")
    s1 = a + b
    s2 = mg.add(a, b)
    s3 = a + b
    assert (s1.op.name, s2.op.name, s3.op.name) == ("add", "Add_1", "add_2")
    assert s1.name == "add:0" and s1.value_index == 0


def test_explicit_name_collision_gets_suffix():
    a = c(name="foo")
    b = c(name="foo")
    d = c(name="foo_1")
    assert [a.op.name, b.op.name, d.op.name] == ["foo", "foo_1", "foo_1_1"]


def test_name_scopes_nest_uniquify_and_reenter():
    with mg.name_scope("outer") as scope:
        assert scope == "outer/"
        a = c()
        with mg.name_scope("inner") as inner:
            assert inner == "outer/inner/"
            b = c()
    with mg.name_scope("outer") as scope2:
        assert scope2 == "outer_1/"
    with mg.name_scope("outer/"):  # re-enter exactly
        d = c()
    with mg.name_scope(None):
        e = c()
    assert a.op.name == "outer/Const"
    assert b.op.name == "outer/inner/Const"
    assert d.op.name == "outer/Const_1"
    assert e.op.name == "Const"


def test_name_scope_default_name_and_none_at_root():
    with mg.name_scope("a"):
        with mg.name_scope(None):
            x = c()
        with mg.name_scope(None, "dflt") as s:
            assert s == "a/dflt/"
    assert x.op.name == "Const"


def test_invalid_scope_name_rejected():
    with pytest.raises(ValueError, match="not a valid scope name"):
        with mg.name_scope("bad name!"):
            pass


def test_graph_isolation_and_as_default():
    g = mg.Graph()
    with g.as_default():
        x = c()
        assert mg.get_default_graph() is g
    assert x.graph is g
    assert mg.get_default_graph() is not g
    assert mg.get_default_graph().get_operations() == []


def test_reset_default_graph_inside_nested_graph_raises():
    g = mg.Graph()
    with g.as_default():
        with pytest.raises(AssertionError):
            mg.reset_default_graph()


def test_inputs_from_two_graphs_rejected():
    g1, g2 = mg.Graph(), mg.Graph()
    with g1.as_default():
        a = c()
    with g2.as_default():
        b = c()
        with pytest.raises(ValueError, match="same graph"):
            mg.add(b, a)


def test_get_operation_and_tensor_by_name():
    x = c(name="x")
    g = mg.get_default_graph()
    assert g.get_operation_by_name("x") is x.op
    assert g.get_tensor_by_name("x:0") is x
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="not in the graph"):
        g.get_operation_by_name("nope")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("x")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("x:3")
    assert g.get_operations() == [x.op]


def test_finalize_blocks_new_ops():
    c()
    g = mg.get_default_graph()
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        c()


def test_control_dependencies_recorded_and_cleared():
    a = c(name="a")
    b = c(name="b")
    with mg.control_dependencies([a]):
        d = c(name="d")
        with mg.control_dependencies([b]):
            e = c(name="e")
            with mg.control_dependencies(None):
                f = c(name="f")
    assert d.op.control_inputs == [a.op]
    assert e.op.control_inputs == [a.op, b.op]
    assert f.op.control_inputs == []


def test_control_dependencies_skip_dominated_inputs():
    a = c(name="a")
    with mg.control_dependencies([a]):
        d = c(name="d")
        e = mg.identity(d)  # d already waits for a
    assert d.op.control_inputs == [a.op]
    assert e.op.control_inputs == []


def test_collections():
    g = mg.get_default_graph()
    x = c(name="scope1/x")
    y = c(name="other/y")
    mg.add_to_collection("mine", x)
    mg.add_to_collections(["mine", "yours"], y)
    assert mg.get_collection("mine") == [x, y]
    assert mg.get_collection("mine", scope="scope1") == [x]
    ref = mg.get_collection_ref("mine")
    ref.append(3)
    assert g.get_collection("mine")[-1] == 3
    copy = mg.get_collection("mine")
    copy.append(4)
    assert 4 not in g.get_collection("mine")
    assert mg.get_collection("missing") == []
    assert mg.GraphKeys.TRAINABLE_VARIABLES == "trainable_variables"


def test_tensor_repr_and_bool():
    x = mg.placeholder(mg.float32, [None, 3], name="x")
    assert str(x) == 'Tensor("x:0", shape=(?, 3), dtype=float32)'
    assert x.get_shape() is x.shape
    with pytest.raises(TypeError, match="bool"):
        bool(x)
    with pytest.raises(TypeError):
        iter(x)


def test_set_shape_merges_and_rejects():
    x = mg.placeholder(mg.float32, [None, 3])
    x.set_shape([5, None])
    assert x.shape.as_list() == [5, 3]
    with pytest.raises(ValueError, match="not compatible"):
        x.set_shape([4, 3])


def test_tensor_shape_api():
    s = TensorShape([None, 3])
    assert s.ndims == s.rank == 2
    assert s.as_list() == [None, 3]
    assert not s.is_fully_defined()
    assert s.merge_with([2, None]).as_list() == [2, 3]
    assert s.is_compatible_with([7, 3]) and not s.is_compatible_with([7, 4])
    assert s.concatenate([1]).as_list() == [None, 3, 1]
    assert s[1] == Dimension(3) and s[1].value == 3 and s[0].value is None
    assert s[1:].as_list() == [3]
    assert TensorShape(None).ndims is None
    with pytest.raises(ValueError):
        TensorShape(None).as_list()
    with pytest.raises(ValueError):
        s.with_rank(3)
    assert TensorShape(None).with_rank(2).as_list() == [None, None]
    with pytest.raises(ValueError):
        s.merge_with([2, 4])
    assert str(s) == "(?, 3)"
    assert Dimension(None) + 1 == Dimension(None) or (Dimension(None) + 1).value is None
    assert (Dimension(2) * 3).value == 6
    # IndexError as in TF1, but naming the index and the shape (TF1: "list index out of
    # range").
    with pytest.raises(IndexError, match=r"Index 2 out of range for TensorShape \(\?, 3\)"):
        s[2]


def test_dtypes():
    assert mg.as_dtype("float32") is mg.float32
    assert mg.as_dtype(float) is mg.float32
    import numpy as np
    assert mg.as_dtype(np.int64) is mg.int64
    assert mg.float32.is_floating and not mg.int32.is_floating
    assert mg.float32 == "float32"
    with pytest.raises(TypeError):
        mg.as_dtype("complex256")
