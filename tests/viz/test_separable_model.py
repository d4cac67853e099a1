"""Drawing and analysing a real model: two separable conv layers, a loss and its gradients."""
import numpy as np

import minigraph as mg

# Parameters per layer, from the shapes TF1 gives a SeparableConv2D layer:
# depthwise [3, 3, in, 1] + pointwise [1, 1, in, filters] + bias [filters].
SEP1 = 3 * 3 * 3 * 1 + 1 * 1 * 3 * 8 + 8
SEP2 = 3 * 3 * 8 * 1 + 1 * 1 * 8 * 16 + 16
LOGITS = 16 * 10


def _forward_ops(layer):
    return [layer + "/depthwise_kernel", layer + "/depthwise_kernel/read",
            layer + "/pointwise_kernel", layer + "/pointwise_kernel/read",
            layer + "/bias", layer + "/bias/read", layer + "/separable_conv2d/depthwise",
            layer + "/separable_conv2d", layer + "/BiasAdd", layer + "/Relu"]


def test_layers_are_clusters_and_variables_are_labelled_with_shape_and_params(
        sepconv_model, dot_program, svg_reader, tmp_path):
    svg = svg_reader(mg.viz.render(sepconv_model["loss"], tmp_path / "m.svg", collapse_depth=1))
    assert {"cluster_sep1", "cluster_sep2", "cluster_logits"} <= set(svg["cluster"])
    assert svg["node"]["[scope] sep1/depthwise_kernel"]["texts"] == [
        "depthwise_kernel", "VariableV2", "(3, 3, 3, 1) · 27 params"]
    assert svg["node"]["[scope] sep2/pointwise_kernel"]["texts"] == [
        "pointwise_kernel", "VariableV2", "(1, 1, 8, 16) · 128 params"]
    assert svg["node"]["[scope] sep1/separable_conv2d"]["texts"] == [
        "separable_conv2d", "2 ops", "DepthwiseConv2dNative, Conv2D"]
    edge = svg["edge"]["sep1/Relu->[scope] sep2/separable_conv2d"]
    assert edge["texts"] == ["(?, 16, 16, 8) float32"]


def test_collapse_every_layer_and_the_gradients(sepconv_model, layout):
    lay = layout(mg.viz.to_dot(collapse_depth=0, gradients="collapse"))
    assert set(lay.nodes) == {
        "images", "labels", "Const", "loss", "[scope] sep1", "[scope] sep2", "[scope] logits",
        "[scope] SparseSoftmaxCrossEntropyWithLogits", "[scope] gradients",
        "[scope] GradientDescent"}
    n_sep1 = sum(op.name.startswith("sep1/") for op in mg.get_default_graph().get_operations())
    assert lay.label("[scope] sep1") == ["sep1", str(n_sep1), "ops", "·", str(SEP1), "params"]
    assert lay.label("[scope] sep2")[-2:] == [str(SEP2), "params"]
    assert lay.edges[("images", "[scope] sep1")][0]["label"] == "(?, 16, 16, 3) float32"
    assert lay.edges[("[scope] sep1", "[scope] sep2")][0]["label"] == "(?, 16, 16, 8) float32"
    assert lay.edges[("[scope] sep2", "[scope] logits")][0]["label"] == \
        "(?, 16, 16, 16) float32"
    # Backprop reads the forward activations, and the optimizer reads the gradients.
    assert ("[scope] sep1", "[scope] gradients") in lay.edges
    assert ("[scope] gradients", "[scope] GradientDescent") in lay.edges


def test_pruned_to_the_logits_is_exactly_the_forward_pass(sepconv_model, layout):
    lay = layout(mg.viz.to_dot(sepconv_model["logits"]))
    assert set(lay.nodes) == set(
        ["images"] + _forward_ops("sep1") + _forward_ops("sep2")
        + ["logits/Mean/reduction_indices", "logits/Mean", "logits/kernel",
           "logits/kernel/read", "logits/MatMul"])


def test_gradients_shown_hidden(sepconv_model, layout):
    shown = layout(mg.viz.to_dot())
    grads = [n for n in shown.nodes if n.startswith("gradients/sep1/")]
    assert grads and all(shown.cluster_of(n).startswith("cluster_gradients/sep1")
                         for n in grads)
    backprop = [n for n in grads if shown.label(n)[-1] == "DepthwiseConv2dNativeBackpropFilter"]
    assert len(backprop) == 1 and shown.nodes[backprop[0]]["fillcolor"] == "#ead9ff"

    hidden = layout(mg.viz.to_dot(gradients="hide"))
    assert not any(n.startswith("gradients") for n in hidden.nodes)
    update = "GradientDescent/update_sep1/depthwise_kernel/ApplyGradientDescent"
    assert update in hidden.nodes
    # Its variable and learning rate are still drawn; its gradient input is not.
    assert {src for src, dst in hidden.edges if dst == update} == {
        "sep1/depthwise_kernel", "GradientDescent/learning_rate"}


def test_analyses_of_the_model(sepconv_model):
    assert mg.viz.parameter_counts(depth=1) == {"": SEP1 + SEP2 + LOGITS, "logits": LOGITS,
                                                "sep1": SEP1, "sep2": SEP2}
    # The deepest chain: the depthwise kernel through both layers into the loss.
    assert mg.viz.longest_path(sepconv_model["loss"]) == [
        "sep1/depthwise_kernel", "sep1/depthwise_kernel/read",
        "sep1/separable_conv2d/depthwise", "sep1/separable_conv2d", "sep1/BiasAdd",
        "sep1/Relu", "sep2/separable_conv2d/depthwise", "sep2/separable_conv2d",
        "sep2/BiasAdd", "sep2/Relu", "logits/Mean", "logits/MatMul",
        "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits", "loss"]
    # A variable is a fetch like any tensor: reading it needs only its op.
    kernel = [v for v in mg.trainable_variables() if v.name == "sep1/depthwise_kernel:0"]
    assert list(mg.viz.to_networkx(kernel).nodes) == ["sep1/depthwise_kernel"]
    g = mg.viz.to_networkx()
    assert g.nodes["sep2/depthwise_kernel"]["params"] == 72
    assert g.nodes["sep2/separable_conv2d"]["output_shapes"] == [[None, 16, 16, 16]]
    assert g.nodes["sep2/separable_conv2d"]["type"] == "Conv2D"


def test_model_round_trips_through_a_checkpoint(sepconv_model, tmp_path):
    rng = np.random.RandomState(0)
    images = rng.rand(4, 16, 16, 3).astype(np.float32)
    labels = np.array([1, 2, 3, 4], np.int32)
    m = sepconv_model
    saver = mg.train.Saver()
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        for _ in range(2):
            sess.run(m["train"], {m["images"]: images, m["labels"]: labels})
        prefix = saver.save(sess, str(tmp_path / "sep"))
        want = sess.run(m["logits"], {m["images"]: images})
    g = mg.Graph()
    with g.as_default():
        restorer = mg.train.import_meta_graph(prefix + ".meta")
        conv = g.get_operation_by_name("sep2/separable_conv2d/depthwise")
        assert conv.attrs == {"strides": [1, 1, 1, 1], "padding": "SAME",
                              "data_format": "NHWC", "dilations": [1, 1, 1, 1]}
        with mg.Session() as sess:
            restorer.restore(sess, prefix)
            got = sess.run(m["logits"].name, {"images:0": images})
    np.testing.assert_array_equal(got, want)
