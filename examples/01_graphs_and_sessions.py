"""01 - Graphs and sessions: building a graph runs nothing; `Session.run` runs what a fetch needs.

What this shows:
  1. Calling `tf.add` only adds an op to the default graph; the result is a symbolic
     `Tensor` with a name ("y:0") and a static shape ("(?, 3)"), not a value.
  2. `sess.run(fetch)` prunes the graph: it runs only the ops the fetch depends on, so a
     placeholder that the fetch does not need may stay unfed.
  3. A needed placeholder that is not fed is an error (InvalidArgumentError), and any
     tensor, not only a placeholder, can be fed to override its value.
  4. Fetches can be nested lists/tuples/dicts; the result has the same structure.

    python examples/01_graphs_and_sessions.py
"""
import argparse

import numpy as np

import minigraph as tf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2, help="rows of the fed matrix")
    args = parser.parse_args(argv)
    results = {}

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
        b = tf.constant([1.0, 2.0, 3.0], name="b")
        y = tf.add(x, b, name="y")                    # nothing runs here
        scale = tf.placeholder(tf.float32, shape=[], name="scale")
        z = tf.multiply(y, scale, name="z")           # a second, independent input
        two = tf.constant(2.0, name="two")
        doubled_b = tf.multiply(b, two, name="doubled_b")

    print("1. Building a graph computes nothing.")
    print("   y is", y)
    print("   ops in the graph:", [op.name for op in graph.get_operations()])
    results["y_name"], results["y_shape"] = y.name, y.shape.as_list()

    with tf.Session(graph=graph) as sess:
        feed = np.ones((args.rows, 3), np.float32)
        print("\n2. sess.run runs only what the fetch needs (pruning).")
        results["y"] = sess.run(y, feed_dict={x: feed})
        print("   run(y, {x: ones}) =", results["y"].tolist(), "  <- 'scale' was never fed")
        needed = tf.viz.topological_order(y, feeds=[x])
        print("   ops that run for y with x fed:", needed)
        results["ops_for_y"] = needed
        results["doubled_b"] = sess.run(doubled_b)
        print("   run(doubled_b) needs no feed at all:", results["doubled_b"].tolist())

        print("\n3. A needed placeholder must be fed; any tensor may be fed.")
        try:
            sess.run(z, feed_dict={x: feed})
        except tf.errors.InvalidArgumentError as e:
            results["unfed_error"] = str(e)
            print("   run(z) without 'scale' ->", type(e).__name__ + ":", e)
        results["y_overridden"] = sess.run(y, feed_dict={b: [10.0, 20.0, 30.0], x: feed})
        print("   run(y) with b overridden by a feed:", results["y_overridden"][0].tolist())

        print("\n4. Fetches may be nested structures.")
        results["nested"] = sess.run({"y": y, "pair": (b, two)}, feed_dict={x: feed})
        print("   run({'y': y, 'pair': (b, two)}) ->", results["nested"])
    return results


if __name__ == "__main__":
    main()
