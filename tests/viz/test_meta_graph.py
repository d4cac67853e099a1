"""export_meta_graph / import_meta_graph: round trips, Saver checkpoints, scopes, errors."""
import json
import os

import numpy as np
import pytest

import minigraph as mg
from minigraph.framework import meta_graph

X = np.arange(12, dtype=np.float32).reshape(3, 4) / 10.0
Y = np.array([[1.0, 0.0, -1.0]] * 3, dtype=np.float32)


def _model():
    """A tiny regression model with a train op, a global step and custom collections."""
    x = mg.placeholder(mg.float32, [None, 4], name="x")
    y = mg.placeholder(mg.float32, [None, 3], name="y")
    with mg.variable_scope("dense"):
        w = mg.get_variable("kernel", [4, 3], initializer=mg.random_normal_initializer(seed=1))
        b = mg.get_variable("bias", [3], initializer=mg.zeros_initializer())
        out = mg.nn.relu(mg.matmul(x, w) + b, name="out")
    loss = mg.reduce_mean(mg.square(out - y), name="loss")
    step = mg.train.get_or_create_global_step()
    train = mg.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    mg.add_to_collection("outputs", out)
    mg.add_to_collection(mg.GraphKeys.LOSSES, loss)
    mg.add_to_collection("train_op", train)
    for value in ("hello", 7, 2.5, True):
        mg.add_to_collection("notes", value)
    return dict(x=x, y=y, out=out, loss=loss, train=train, w=w, b=b)


def _describe(graph):
    """Everything a meta graph must preserve, in comparable form."""
    ops = []
    for op in graph.get_operations():
        attrs = {}
        for k, v in op.attrs.items():
            if isinstance(v, np.ndarray):
                v = ("array", v.dtype.str, v.shape, v.tobytes())
            elif isinstance(v, (mg.Operation, mg.Tensor)):
                v = ("ref", v.name)
            attrs[k] = v
        ops.append((op.name, op.type, [t.name for t in op.inputs],
                    [c.name for c in op.control_inputs], attrs,
                    [(t.dtype.name, t.shape.as_list() if t.shape.ndims is not None else None)
                     for t in op.outputs]))
    collections = {}
    for key in graph.get_all_collection_keys():
        collections[key] = [getattr(item, "name", item) for item in graph.get_collection(key)]
    return ops, collections


def test_round_trip_preserves_ops_attrs_shapes_and_collections(tmp_path):
    _model()
    before = _describe(mg.get_default_graph())
    path = tmp_path / "model.json"
    doc = mg.train.export_meta_graph(str(path))
    with open(path) as f:
        assert json.load(f) == doc
    imported = mg.Graph()
    with imported.as_default():
        saver = mg.train.import_meta_graph(str(path))
    after = _describe(imported)
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert isinstance(saver, mg.train.Saver)
    with imported.as_default():
        (kernel,) = [v for v in mg.global_variables() if v.name == "dense/kernel:0"]
        assert kernel.trainable and kernel.shape.as_list() == [4, 3]
        assert kernel.initializer.name == "dense/kernel/Assign"
        assert kernel.value().name == "dense/kernel/read:0"
        assert [v.name for v in mg.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]
        assert mg.train.get_global_step().name == "global_step:0"


def test_imported_graph_computes_and_trains_like_the_original(tmp_path):
    m = _model()
    path = str(tmp_path / "model.json")
    mg.train.export_meta_graph(path)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        want = [sess.run([m["loss"], m["train"]], {m["x"]: X, m["y"]: Y})[0] for _ in range(3)]
    imported = mg.Graph()
    with imported.as_default():
        mg.train.import_meta_graph(path)
        train = mg.get_collection("train_op")[0]
        loss = mg.get_collection(mg.GraphKeys.LOSSES)[0]
        with mg.Session() as sess:
            sess.run(mg.global_variables_initializer())
            got = [sess.run([loss, train], {"x:0": X, "y:0": Y})[0] for _ in range(3)]
            assert sess.run("global_step:0") == 3
    # Seeded initializers make the same start, and every step is the same graph.
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_saver_checkpoint_restores_into_the_imported_graph(tmp_path):
    m = _model()
    saver = mg.train.Saver(max_to_keep=3)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for _ in range(4):
            sess.run(m["train"], {m["x"]: X, m["y"]: Y})
        prefix = saver.save(sess, str(tmp_path / "ckpt" / "model"), global_step=4)
        want = sess.run(m["out"], {m["x"]: X})
    assert os.path.exists(prefix + ".meta")  # the Saver writes the meta graph itself
    for scope in (None, "restored"):
        g = mg.Graph()
        with g.as_default():
            new_saver = mg.train.import_meta_graph(prefix + ".meta", import_scope=scope)
            assert new_saver.saver_def.max_to_keep == 3
            p = "" if scope is None else scope + "/"
            with mg.Session() as sess:
                new_saver.restore(sess, prefix)
                got = sess.run(p + "dense/out:0", {p + "x:0": X})
                assert sess.run(p + "global_step:0") == 4
        np.testing.assert_array_equal(got, want)


def test_import_scope_prefixes_names_and_keeps_names_unique():
    _model()
    doc = mg.train.export_meta_graph()
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(doc, import_scope="a")
        mg.train.import_meta_graph(doc, import_scope="b")
        assert g.get_operation_by_name("a/dense/kernel").type == "VariableV2"
        assert [v.name for v in mg.trainable_variables()] == [
            "a/dense/kernel:0", "a/dense/bias:0", "b/dense/kernel:0", "b/dense/bias:0"]
        assert g.get_operation_by_name("b/dense/kernel/Assign").attrs["var"] is \
            g.get_operation_by_name("b/dense/kernel")
        # Imported names are taken: new ops and scopes get fresh names.
        assert mg.identity(mg.constant(1.0), name="a").name == "a_1:0"


def test_import_with_clashing_names_fails_and_leaves_the_graph_unchanged():
    _model()
    doc = mg.train.export_meta_graph()
    count = len(mg.get_default_graph().get_operations())
    with pytest.raises(ValueError, match=r"already exist in the graph \(x, y, .*import_scope"):
        mg.train.import_meta_graph(doc)
    assert len(mg.get_default_graph().get_operations()) == count


def test_export_scope_writes_only_that_scope_without_its_prefix():
    x = mg.placeholder(mg.float32, [2], name="outside")
    with mg.name_scope("inner"):
        a = mg.placeholder(mg.float32, [2], name="a")
        mg.identity(a, name="b")
    doc = mg.train.export_meta_graph(export_scope="inner")
    assert [n["name"] for n in doc["graph_def"]["node"]] == ["a", "b"]
    assert doc["graph_def"]["node"][1]["input"] == ["a:0"]
    with mg.name_scope("inner2"):
        mg.identity(x, name="c")
    with pytest.raises(ValueError, match=r"op 'inner2/c' \(type Identity\): it refers to "
                                         "'outside:0', which is outside export_scope 'inner2'"):
        mg.train.export_meta_graph(export_scope="inner2")


def test_every_attr_kind_round_trips_exactly():
    attrs = {
        "none": None, "b": True, "i": -(2**62), "f": 0.1, "nan": float("nan"),
        "inf": float("-inf"), "s": "SAME ünïcode", "dtype": mg.float16,
        "shape": mg.TensorShape([None, 3]), "unknown": mg.TensorShape(None),
        "f16": np.array([[1.5, -2.0]], np.float16), "bools": np.array([True, False]),
        "i64": np.array([2**40, -1], np.int64), "u8": np.arange(5, dtype=np.uint8),
        "scalar": np.float32(2.5), "empty": np.zeros((0, 3), np.float64),
        "list": [1, [2.0, "x"]], "tuple": (1, 1), "dict": {"k": [mg.int32]},
    }
    from minigraph.framework.registry import make_op
    make_op("NoOp", [], attrs, name="grab_bag")
    doc = json.loads(json.dumps(mg.train.export_meta_graph()))
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(doc)
    got = g.get_operation_by_name("grab_bag").attrs
    assert set(got) == set(attrs)
    for key, want in attrs.items():
        value = got[key]
        assert type(value) is type(want), key
        if isinstance(want, np.ndarray):
            assert value.dtype == want.dtype and value.shape == want.shape, key
            np.testing.assert_array_equal(value, want)
            assert not value.flags.writeable
        elif key == "nan":
            assert np.isnan(value)
        else:
            assert value == want, key


def test_callable_attrs_are_refused_naming_op_and_attr():
    from minigraph.framework.registry import make_op
    make_op("NoOp", [], {"fn": lambda: 0}, name="has_code")
    with pytest.raises(ValueError, match=r"op 'has_code' \(type NoOp\) attr 'fn' holds .*a "
                                         r"Python function or other callable.*never code"):
        mg.train.export_meta_graph()
    mg.reset_default_graph()
    make_op("NoOp", [], {"thing": object()}, name="has_object")
    with pytest.raises(ValueError, match="attr 'thing' holds .*an object of type object"):
        mg.train.export_meta_graph()


def test_unserializable_collection_items_are_skipped_with_a_warning():
    t = mg.constant(1.0, name="c")
    mg.add_to_collection("mixed", t)
    mg.add_to_collection("mixed", object())
    with pytest.warns(UserWarning, match="collection 'mixed' holds items of type object"):
        doc = mg.train.export_meta_graph()
    assert doc["collection_def"]["mixed"] == [{"tensor": "c:0"}]


def test_set_shape_refinements_and_forward_control_inputs_survive():
    x = mg.placeholder(mg.float32, None, name="x")
    x.set_shape([2, 5])
    later = mg.no_op(name="later")
    x.op._add_control_input(later)  # a control input to an op created earlier
    doc = mg.train.export_meta_graph()
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(doc)
    assert g.get_tensor_by_name("x:0").shape.as_list() == [2, 5]
    assert [c.name for c in g.get_operation_by_name("x").control_inputs] == ["later"]


def test_no_variables_means_no_saver_and_constraints_are_not_written():
    mg.placeholder(mg.float32, [1], name="x")
    assert mg.train.import_meta_graph(mg.train.export_meta_graph(), import_scope="s") is None
    mg.reset_default_graph()
    mg.Variable([1.0, -1.0], name="v", constraint=lambda t: t)
    doc = mg.train.export_meta_graph()
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(doc)
        (v,) = mg.global_variables()
        assert v.constraint is None and v.name == "v:0"


def test_as_text_indents_and_meta_info_is_recorded(tmp_path):
    mg.placeholder(mg.float32, [1], name="x")
    mg.train.export_meta_graph(str(tmp_path / "a.json"), as_text=True,
                               meta_info_def={"author": "test"})
    mg.train.export_meta_graph(str(tmp_path / "b.json"))
    text_a, text_b = (tmp_path / "a.json").read_text(), (tmp_path / "b.json").read_text()
    assert "\n" in text_a and "\n" not in text_b
    assert json.loads(text_a) == json.loads(text_b) | {"meta_info_def": dict(
        json.loads(text_b)["meta_info_def"], author="test")}
    assert json.loads(text_b)["meta_info_def"]["op_types"] == ["Placeholder"]


def test_usage_errors():
    with pytest.raises(FileNotFoundError, match="File does not exist. Received: nowhere.json"):
        mg.train.import_meta_graph("nowhere.json")
    with pytest.raises(TypeError, match="Expected a meta graph file name or dict, got 3"):
        mg.train.import_meta_graph(3)
    with pytest.raises(TypeError, match="unexpected keyword arguments: input_map"):
        mg.train.import_meta_graph({}, input_map={})
    with pytest.raises(TypeError, match="unexpected keyword arguments: bogus"):
        mg.train.export_meta_graph(bogus=1)
    doc = mg.train.export_meta_graph()
    g = mg.Graph()
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        meta_graph.import_scoped_meta_graph(doc, g)
    with pytest.raises(ValueError, match="'bad scope!' is not a valid scope name"):
        mg.train.import_meta_graph(doc, import_scope="bad scope!")


def test_string_tensors_round_trip_but_object_arrays_are_refused():
    mg.Variable([1.0], name="v")
    report = mg.report_uninitialized_variables()
    assert report.dtype == mg.string
    doc = mg.train.export_meta_graph()
    g = mg.Graph()
    with g.as_default():
        mg.train.import_meta_graph(doc)
        with mg.Session() as sess:
            assert [bytes(n) if not isinstance(n, str) else n.encode()
                    for n in sess.run(report.name)] == [b"v"]
    from minigraph.framework.registry import make_op
    make_op("NoOp", [], {"names": np.array(["a"], dtype=object)}, name="strings")
    with pytest.raises(ValueError, match="attr 'names' holds a NumPy array of dtype object, "
                                         "which a meta graph cannot hold"):
        mg.train.export_meta_graph()
