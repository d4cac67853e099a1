"""04 - Layers and inbound nodes: the TF1 Layer API, seen on `tf.layers.SeparableConv2D`.

What this shows:
  1. A layer object holds no variables until its first call, which runs `build`:
     `sep/depthwise_kernel [kh, kw, in, multiplier]`, `sep/pointwise_kernel
     [1, 1, in*multiplier, filters]`, `sep/bias [filters]`; `count_params` adds them up.
  2. Every call adds an *inbound node* (input -> output). Calling the same layer again
     shares its variables; then `layer.input` / `layer.output_shape` are ambiguous and
     raise AttributeError, and `get_input_at(i)` / `get_output_shape_at(i)` pick a node.
  3. Losses: weight regularizers give unconditional losses (`get_losses_for(None)`), an
     activity regularizer gives one loss per call (`get_losses_for(that_input)`). All
     of them are in GraphKeys.REGULARIZATION_LOSSES.
  4. Updates work the same way (`add_update(op, inputs=x)`, `get_updates_for(x)`); a
     subclass here counts the images it has seen, as batch norm updates its moving mean.
  5. A TF1 quirk kept on purpose: an unnamed layer's `name` and `scope_name` can differ.

    python examples/04_layers_and_inbound_nodes.py
"""
import argparse

import numpy as np

import minigraph as tf


class CountingSeparableConv2D(tf.layers.SeparableConv2D):
    """A SeparableConv2D that also counts the images passed through it (an update)."""

    def build(self, input_shape):
        self.seen = self.add_weight("images_seen", [], dtype=tf.float32,
                                    initializer=tf.zeros_initializer(), trainable=False)
        super().build(input_shape)

    def call(self, inputs):
        batch = tf.cast(tf.shape(inputs)[0], tf.float32)
        self.add_update(self.seen.assign_add(batch), inputs=inputs)
        return super().call(inputs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, default=4)
    parser.add_argument("--depth-multiplier", type=int, default=2)
    args = parser.parse_args(argv)
    results = {}

    graph = tf.Graph()
    with graph.as_default():
        small = tf.placeholder(tf.float32, [None, 8, 8, 3], name="small")
        large = tf.placeholder(tf.float32, [None, 16, 16, 3], name="large")
        layer = CountingSeparableConv2D(
            args.filters, 3, padding="same", depth_multiplier=args.depth_multiplier,
            activation=tf.nn.relu, depthwise_regularizer=tf.regularizers.l2(1e-3),
            activity_regularizer=lambda t: 1e-4 * tf.reduce_sum(tf.abs(t)), name="sep")

        print("1. Before the first call: built=%s, weights=%s" % (layer.built, layer.weights))
        try:
            layer.input
        except AttributeError as e:
            print("   layer.input ->", type(e).__name__ + ":", e)
        out_small = layer(small)
        print("   after layer(small): built=%s" % layer.built)
        for v in layer.weights:
            print("     %-24s %s trainable=%s" % (v.name, v.shape, v in layer.trainable_weights))
        results["weights"] = {v.name: v.shape.as_list() for v in layer.weights}
        results["count_params"] = layer.count_params()
        print("   count_params() =", results["count_params"])
        print("   with one node, layer.input = %s, layer.output_shape = %s"
              % (layer.input.name, layer.output_shape))

        out_large = layer(large)
        print("\n2. layer(large) shares the variables (still %d of them) and adds node 1:"
              % len(layer.weights))
        results["n_weights_after_second_call"] = len(layer.weights)
        for i in range(2):
            print("   node %d: %s %s -> %s %s" % (
                i, layer.get_input_at(i).name, layer.get_input_shape_at(i),
                layer.get_output_at(i).name, layer.get_output_shape_at(i)))
        results["output_shapes"] = [layer.get_output_shape_at(i) for i in range(2)]
        for attr in ("input", "output_shape"):
            try:
                getattr(layer, attr)
            except AttributeError as e:
                results[attr + "_error"] = str(e)
                print("   layer.%s -> AttributeError: %s" % (attr, str(e)[:90] + "..."))

        print("\n3. Losses:")
        results["losses_for_none"] = [t.name for t in layer.get_losses_for(None)]
        results["losses_for_small"] = [t.name for t in layer.get_losses_for(small)]
        results["regularization_losses"] = [
            t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)]
        print("   get_losses_for(None)  =", results["losses_for_none"])
        print("   get_losses_for(small) =", results["losses_for_small"])
        print("   all %d are in REGULARIZATION_LOSSES" % len(results["regularization_losses"]))

        print("\n4. Updates:")
        results["updates_for_small"] = [op.name for op in layer.get_updates_for(small)]
        print("   get_updates_for(small) =", results["updates_for_small"])
        print("   layer.updates          =", [op.name for op in layer.updates])

        anonymous = tf.layers.SeparableConv2D(2, 1)
        anonymous(small)
        results["quirk"] = (anonymous.name, anonymous.scope_name)
        print("\n5. An unnamed layer after 'sep': name=%r, scope_name=%r (as in TF1)"
              % results["quirk"])
        init = tf.global_variables_initializer()

    with tf.Session(graph=graph) as sess:
        sess.run(init)
        feeds = {small: np.ones((2, 8, 8, 3), np.float32),
                 large: np.ones((5, 16, 16, 3), np.float32)}
        sess.run([out_small, out_large] + layer.updates, feeds)
        results["images_seen"] = float(sess.run(layer.seen))
        print("   after one run of both calls with their updates: images_seen =",
              results["images_seen"])
    return results


if __name__ == "__main__":
    main()
