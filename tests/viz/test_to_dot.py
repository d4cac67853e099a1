"""mg.viz.to_dot: nodes, edges, clusters, styles and options, checked on dot's own layout."""
import pytest

import minigraph as mg


def test_every_op_is_a_node_labelled_with_name_and_type(small_graph, layout):
    g = mg.get_default_graph()
    lay = layout(mg.viz.to_dot(g))
    assert set(lay.nodes) == {op.name for op in g.get_operations()}
    assert lay.label("layer/y") == ["y", "Add"]
    assert lay.label("out/z") == ["z", "Identity"]
    assert lay.label("out/done") == ["done", "NoOp"]
    # The type line is left out only when it would repeat the name.
    assert lay.label("gradients/grad_ys_0/Shape") == ["Shape"]


def test_name_scopes_are_nested_clusters(nested_graph, layout):
    lay = layout(mg.viz.to_dot())
    assert lay.cluster_of("outer/a") == "cluster_outer"
    assert lay.cluster_of("outer/inner/b") == "cluster_outer/inner"
    assert lay.cluster_of("outer/inner/deep/c") == "cluster_outer/inner/deep"
    assert lay.cluster_of("x") is None and lay.cluster_of("out") is None
    assert lay.clusters["cluster_outer/inner/deep"]["parent"] == "cluster_outer/inner"
    assert lay.clusters["cluster_outer/inner"]["parent"] == "cluster_outer"
    assert lay.clusters["cluster_outer/inner"]["label"] == "inner"


def test_tensor_edges_carry_static_shape_and_dtype(small_graph, layout):
    lay = layout(mg.viz.to_dot())
    assert [e["label"] for e in lay.edges[("x", "layer/y")]] == ["(?, 3) float32"]
    assert [e["label"] for e in lay.edges[("layer/b", "layer/y")]] == ["(1, 3) float32"]
    assert [e["label"] for e in lay.edges[("gradients/grad_ys_0/Shape", "gradients/grad_ys_0")]] \
        == ["(2,) int32"]
    assert layout(mg.viz.to_dot(show_shapes=False)).edges[("x", "out/z")][0].get("label", "") == ""


def test_control_dependencies_are_dashed_and_unlabelled(small_graph, layout):
    lay = layout(mg.viz.to_dot())
    (edge,) = lay.edges[("out/z", "out/done")]
    assert edge["style"] == "dashed"
    assert edge.get("label", "") == ""
    assert lay.edges[("x", "out/z")][0].get("style") != "dashed"


def test_placeholders_variables_and_constants_are_styled_apart(small_graph, layout):
    lay = layout(mg.viz.to_dot())
    looks = {name: (lay.nodes[name]["shape"], lay.nodes[name]["fillcolor"])
             for name in ("x", "layer/b", "layer/y")}
    assert len(set(looks.values())) == 3
    assert looks["x"][0] == "invhouse"
    # A scalar constant shows its value.
    assert lay.label("gradients/grad_ys_0/Const") == ["Const", "=", "1.0"]


def test_parallel_tensors_between_two_nodes_share_one_counted_edge(layout):
    x = mg.placeholder(mg.float32, [4], name="x")
    mg.add(x, x, name="twice")
    lay = layout(mg.viz.to_dot())
    assert [e["label"] for e in lay.edges[("x", "twice")]] == ["(4,) float32"]
    with mg.name_scope("box"):
        mg.identity(x, name="a")
        mg.identity(mg.constant([1, 2], name="c"), name="b")
    lay = layout(mg.viz.to_dot(collapse_depth=0))
    # x:0 feeds two ops inside the box: one tensor, one edge.
    assert [e["label"] for e in lay.edges[("x", "[scope] box")]] == ["(4,) float32"]


def test_collapse_depth_folds_deeper_scopes_into_boxes(nested_graph, layout):
    lay = layout(mg.viz.to_dot(collapse_depth=0))
    assert set(lay.nodes) == {"x", "[scope] outer", "out"}
    assert not lay.clusters
    # A box names its op count and, when there are at most three, the op types.
    assert lay.label("[scope] outer") == ["outer", "4", "ops", "Identity"]
    assert lay.edges[("x", "[scope] outer")][0]["label"] == "(2, 2) float32"
    assert ("[scope] outer", "out") in lay.edges

    lay = layout(mg.viz.to_dot(collapse_depth=1))
    assert set(lay.nodes) == {"x", "outer/a", "[scope] outer/inner", "out"}
    assert lay.cluster_of("[scope] outer/inner") == "cluster_outer"
    assert lay.label("[scope] outer/inner") == ["inner", "3", "ops", "Identity"]

    lay = layout(mg.viz.to_dot(collapse_depth=3))
    assert "outer/inner/deep/d" in lay.nodes


def test_gradients_show_collapse_hide(small_graph, layout):
    grad_ops = {op.name for op in mg.get_default_graph().get_operations()
                if op.name.startswith("gradients/")}
    assert len(grad_ops) == 3

    shown = layout(mg.viz.to_dot(gradients="show"))
    assert grad_ops <= set(shown.nodes)
    assert shown.cluster_of("gradients/grad_ys_0/Shape") == "cluster_gradients/grad_ys_0"

    collapsed = layout(mg.viz.to_dot(gradients="collapse"))
    assert not grad_ops & set(collapsed.nodes)
    assert collapsed.label("[scope] gradients") == ["gradients", "3", "ops", "Shape,", "Const,",
                                                    "Fill"]
    # Edges into the folded backward pass are thin and unlabelled, so the forward pass
    # stays readable; the tooltip keeps the tensor and its shape.
    (edge,) = collapsed.edges[("out/z", "[scope] gradients")]
    assert edge.get("label", "") == "" and edge["tooltip"] == "out/z:0: (?, 3) float32"
    assert edge["color"] != collapsed.edges[("x", "out/z")][0].get("color")

    hidden = layout(mg.viz.to_dot(gradients="hide"))
    assert not any(n.startswith(("gradients", "[scope] gradients")) for n in hidden.nodes)
    assert not any("gradients" in c for c in hidden.clusters)
    assert "out/z" in hidden.nodes


def test_second_gradients_call_is_recognised_too(layout):
    x = mg.placeholder(mg.float32, [3], name="x")
    y = mg.identity(x, name="y")
    mg.gradients(y, x)
    mg.gradients(y, x)
    lay = layout(mg.viz.to_dot(gradients="collapse"))
    assert {"[scope] gradients", "[scope] gradients_1"} <= set(lay.nodes)
    lay = layout(mg.viz.to_dot(gradients="hide"))
    assert set(lay.nodes) == {"x", "y"}


def test_fetches_show_only_what_a_run_needs(small_graph, layout):
    lay = layout(mg.viz.to_dot(small_graph["y"]))
    assert set(lay.nodes) == {"x", "layer/b", "layer/y"}
    # Fetched ops are drawn with a heavy outline.
    assert lay.nodes["layer/y"].get("penwidth") == "2.5"
    assert "penwidth" not in lay.nodes["x"]
    # A target op pulls in its control inputs, as Session.run does; names work as fetches.
    lay = layout(mg.viz.to_dot(["out/done", small_graph["z"]]))
    assert set(lay.nodes) == {"x", "out/z", "out/done"}


def test_feeds_stop_pruning_and_become_input_nodes(layout):
    x = mg.placeholder(mg.float32, [2], name="x")
    h = mg.identity(x, name="h")
    out = mg.identity(h, name="out")
    lay = layout(mg.viz.to_dot(out, feeds=[h]))
    assert set(lay.nodes) == {"out", "[feed] h#0"}
    assert lay.label("[feed] h#0")[:2] == ["feed", "h:0"]
    assert lay.edges[("[feed] h#0", "out")][0]["label"] == "(2,) float32"
    # The same pruning as the session: with h fed, x need not be fed.
    with mg.Session() as sess:
        assert sess.run(out, {h: [1.0, 2.0]}).tolist() == [1.0, 2.0]
    assert set(layout(mg.viz.to_dot(out, feeds=["h:0"])).nodes) == {"out", "[feed] h#0"}


def test_rankdir(small_graph):
    assert "rankdir=LR" in mg.viz.to_dot(rankdir="LR").source
    assert "rankdir=TB" in mg.viz.to_dot().source


def test_graph_argument_and_default_graph(small_graph):
    other = mg.Graph()
    with other.as_default():
        mg.placeholder(mg.float32, name="only_here")
    assert "only_here" in mg.viz.to_dot(other).source
    assert "only_here" not in mg.viz.to_dot().source
    assert "only_here" not in mg.viz.to_dot(None).source


def test_op_names_are_escaped_in_html_labels(layout):
    x = mg.placeholder(mg.float32, [1], name="a>b")
    mg.identity(x, name="c.d-e")
    lay = layout(mg.viz.to_dot())
    assert lay.label("a>b")[0] == "a&gt;b"
    assert set(lay.nodes) == {"a>b", "c.d-e"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(collapse_depth=-1), "collapse_depth must be None or an integer >= 0, got -1"),
    (dict(collapse_depth=1.5), "collapse_depth .* got 1.5"),
    (dict(collapse_depth=True), "collapse_depth .* got True"),
    (dict(gradients="fold"), "gradients must be one of 'show', 'collapse', 'hide', got 'fold'"),
    (dict(rankdir="up"), "rankdir must be one of TB, LR, BT, RL, got 'up'"),
])
def test_bad_options_raise_value_error_naming_the_value(small_graph, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mg.viz.to_dot(**kwargs)


def test_bad_graph_or_fetches(small_graph):
    with pytest.raises(TypeError, match="got 42 of type int"):
        mg.viz.to_dot(42)
    with pytest.raises(ValueError, match="no fetches given"):
        mg.viz.to_dot([])
    with pytest.raises(KeyError, match="nope"):
        mg.viz.to_dot("nope:0")
    with pytest.raises(ValueError, match="feeds only apply when drawing fetches"):
        mg.viz.to_dot(mg.get_default_graph(), feeds=[small_graph["x"]])
    other = mg.Graph()
    with other.as_default():
        elsewhere = mg.placeholder(mg.float32, name="elsewhere")
    with pytest.raises(ValueError, match="different graphs"):
        mg.viz.to_dot([small_graph["y"], elsewhere])
