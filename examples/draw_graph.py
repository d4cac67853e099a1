"""Draw a small separable-conv model: the picture in docs/graph.svg, and what it teaches.

Two `separable_conv2d` layers and a dense head are built as a TF1 graph; nothing runs.
The picture shows each layer as a box (a name scope), each variable as a cylinder with
its shape and parameter count, and every tensor as an arrow labelled with its static
shape, `?` being the batch size a placeholder leaves open.

    python examples/draw_graph.py                       # docs/graph.svg: the forward pass
    python examples/draw_graph.py --train -o train.svg  # plus gradients and the optimizer
    python examples/draw_graph.py --collapse-depth 0    # one box per layer
"""
import argparse
import os

import minigraph as tf

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs")


def build_model():
    """images [?, 16, 16, 3] -> sep1 -> sep2 -> logits [?, 10] -> loss; returns the tensors."""
    images = tf.placeholder(tf.float32, [None, 16, 16, 3], name="images")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    h = tf.layers.separable_conv2d(images, 8, 3, padding="same", activation=tf.nn.relu,
                                   name="sep1")
    h = tf.layers.separable_conv2d(h, 16, 3, padding="same", activation=tf.nn.relu,
                                   name="sep2")
    with tf.variable_scope("logits"):
        pooled = tf.reduce_mean(h, axis=[1, 2])     # global average pooling
        kernel = tf.get_variable("kernel", [16, 10])
        logits = tf.matmul(pooled, kernel)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits), name="loss")
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return {"images": images, "labels": labels, "logits": logits, "loss": loss,
            "train_op": train_op}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=os.path.join(DOCS, "graph.svg"))
    parser.add_argument("--collapse-depth", type=int, default=1)
    parser.add_argument("--train", action="store_true",
                        help="draw the training step (gradients folded into one box)")
    args = parser.parse_args(argv)

    model = build_model()
    graph = tf.get_default_graph()
    print("The graph holds %d ops; a training step runs %d of them, the loss alone %d."
          % (len(graph.get_operations()), len(tf.viz.topological_order(model["train_op"])),
             len(tf.viz.topological_order(model["loss"]))))
    print("Parameters per layer:")
    for scope, count in tf.viz.parameter_counts(depth=1).items():
        print("  %-8s %5d" % (scope or "(all)", count))
    chain = tf.viz.longest_path(model["loss"])
    print("Longest chain of dependent ops to the loss (%d ops): %s ... %s"
          % (len(chain), " -> ".join(chain[:3]), " -> ".join(chain[-2:])))

    # Drawing the loss (not the whole graph) leaves out the initializers and, unless
    # asked for, the backward pass: exactly what a Session would run for that fetch.
    fetch = model["train_op"] if args.train else model["loss"]
    path = tf.viz.render(fetch, args.output, collapse_depth=args.collapse_depth,
                         gradients="collapse")
    print("Wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
