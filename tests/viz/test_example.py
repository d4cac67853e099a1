"""examples/draw_graph.py draws the picture in docs/graph.svg."""
import importlib.util
import os
import re

import minigraph as mg

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)


def _load_example():
    spec = importlib.util.spec_from_file_location(
        "draw_graph", os.path.join(ROOT, "examples", "draw_graph.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The forward pass and loss of the example, drawn with collapse_depth=1.
EXPECTED_NODES = {
    "images", "labels", "Const", "loss",
    "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits",
    "sep1/BiasAdd", "sep1/Relu", "sep2/BiasAdd", "sep2/Relu", "logits/MatMul",
    "[scope] sep1/depthwise_kernel", "[scope] sep1/pointwise_kernel", "[scope] sep1/bias",
    "[scope] sep1/separable_conv2d", "[scope] sep2/depthwise_kernel",
    "[scope] sep2/pointwise_kernel", "[scope] sep2/bias", "[scope] sep2/separable_conv2d",
    "[scope] logits/kernel", "[scope] logits/Mean"}


def test_example_draws_the_model(dot_program, svg_reader, tmp_path, capsys):
    out = tmp_path / "graph.svg"
    _load_example().main(["-o", str(out)])
    printed = capsys.readouterr().out
    assert re.search(r"sep1 +59\n", printed) and re.search(r"\(all\) +435\n", printed)
    svg = svg_reader(out)
    assert set(svg["node"]) == EXPECTED_NODES
    assert {"cluster_sep1", "cluster_sep2", "cluster_logits"} <= set(svg["cluster"])


def test_committed_picture_shows_the_example_model(svg_reader):
    svg = svg_reader(os.path.join(ROOT, "docs", "graph.svg"))
    assert set(svg["node"]) == EXPECTED_NODES


def test_training_view_folds_the_gradients(dot_program, svg_reader, tmp_path):
    out = tmp_path / "train.svg"
    _load_example().main(["-o", str(out), "--train", "--collapse-depth", "0"])
    nodes = set(svg_reader(out)["node"])
    assert {"[scope] gradients", "[scope] GradientDescent", "[scope] sep1"} <= nodes
    assert not any(n.startswith("gradients/") for n in nodes)
    assert mg.get_default_graph().get_operation_by_name("GradientDescent").type == "NoOp"
