"""mg.viz.to_networkx and the analyses built on it."""
import networkx as nx
import pytest

import minigraph as mg


def test_nodes_carry_type_shapes_dtypes_scope_and_params(small_graph):
    g = mg.viz.to_networkx()
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == {op.name for op in mg.get_default_graph().get_operations()}
    assert g.nodes["layer/y"] == dict(type="Add", scope="layer", output_shapes=[[None, 3]],
                                      dtypes=["float32"], params=0, index=2)
    assert g.nodes["x"]["scope"] == ""
    assert g.nodes["out/done"]["output_shapes"] == [] and g.nodes["out/done"]["dtypes"] == []
    assert g.nodes["gradients/grad_ys_0/Shape"]["dtypes"] == ["int32"]


def test_unknown_rank_is_none():
    mg.placeholder(mg.float32, name="anything")
    assert mg.viz.to_networkx().nodes["anything"]["output_shapes"] == [None]


def test_edges_list_tensors_and_mark_control_dependencies(small_graph):
    g = mg.viz.to_networkx()
    assert g.edges["x", "layer/y"] == dict(tensors=["x:0"], control=False)
    assert g.edges["out/z", "out/done"] == dict(tensors=[], control=True)
    x = mg.placeholder(mg.float32, [2], name="p")
    with mg.control_dependencies([x]):
        mg.add(x, x, name="both")
    g = mg.viz.to_networkx()
    # p is both a data input and a control input of `both`; like TF, the graph drops the
    # redundant control input, so the edge is a data edge only.
    assert g.edges["p", "both"] == dict(tensors=["p:0"], control=False)


def test_fetches_and_feeds_prune_like_a_session(small_graph):
    assert set(mg.viz.to_networkx(small_graph["y"]).nodes) == {"x", "layer/b", "layer/y"}
    assert set(mg.viz.subgraph_for([small_graph["dx"]]).nodes) == {
        "out/z", "x", "gradients/grad_ys_0/Shape", "gradients/grad_ys_0/Const",
        "gradients/grad_ys_0"}
    g = mg.viz.subgraph_for(small_graph["y"], feeds=[small_graph["b"]])
    # A fed tensor's producer is not run, and no edge comes from it.
    assert set(g.nodes) == {"x", "layer/y"} and list(g.edges) == [("x", "layer/y")]


def test_topological_order_puts_every_op_after_its_inputs(small_graph):
    order = mg.viz.topological_order()
    pos = {name: i for i, name in enumerate(order)}
    graph = mg.get_default_graph()
    assert set(order) == {op.name for op in graph.get_operations()}
    for op in graph.get_operations():
        for t in op.inputs:
            assert pos[t.op.name] < pos[op.name]
        for c in op.control_inputs:
            assert pos[c.name] < pos[op.name]
    # Ties go by creation order, so the answer is stable.
    assert order == mg.viz.topological_order(mg.viz.to_networkx())
    assert mg.viz.topological_order(small_graph["y"]) == ["x", "layer/b", "layer/y"]


def test_longest_path_is_the_longest_chain(nested_graph):
    side = mg.identity(nested_graph["x"], name="side")  # a short branch
    mg.identity(side, name="side2")
    assert mg.viz.longest_path() == ["x", "outer/a", "outer/inner/b", "outer/inner/deep/c",
                                     "outer/inner/deep/d", "out"]
    assert mg.viz.longest_path(nested_graph["b"]) == ["x", "outer/a", "outer/inner/b"]


def test_parameter_counts_without_variables_is_zero(small_graph):
    assert mg.viz.parameter_counts() == {"": 0}


def test_parameter_counts_sum_nested_scopes():
    # Built directly as a networkx graph: the analysis only reads node attributes.
    g = nx.DiGraph()
    g.add_node("a/b/w", type="VariableV2", scope="a/b", params=12)
    g.add_node("a/v", type="VariableV2", scope="a", params=5)
    g.add_node("u", type="VariableV2", scope="", params=2)
    g.add_node("a/b/w/read", type="Identity", scope="a/b/w", params=0)
    assert mg.viz.parameter_counts(g) == {"": 19, "a": 17, "a/b": 12}
    assert mg.viz.parameter_counts(g, depth=1) == {"": 19, "a": 17}
    assert list(mg.viz.parameter_counts(g)) == ["", "a", "a/b"]
    with pytest.raises(ValueError, match="depth must be None or an integer >= 0, got -2"):
        mg.viz.parameter_counts(g, depth=-2)


def test_ops_by_type_counts_most_frequent_first(nested_graph):
    assert mg.viz.ops_by_type() == [("Identity", 5), ("Placeholder", 1)]
