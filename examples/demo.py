"""The demo: a small TF1-style graph, built first and run afterwards in a session."""
import numpy as np

import minigraph as tf


def main():
    x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    b = tf.constant([1.0, 2.0, 3.0], name="b")
    y = tf.add(x, b, name="y")
    print("Built (nothing has run yet):", y)
    print("Ops in the graph:", [op.name for op in tf.get_default_graph().get_operations()])
    with tf.Session() as sess:
        out = sess.run(y, feed_dict={x: np.ones((2, 3), np.float32)})
    print("sess.run(y) =\n", out)


if __name__ == "__main__":
    main()
