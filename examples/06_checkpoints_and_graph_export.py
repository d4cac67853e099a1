"""06 - Checkpoints and graph export: a model is a graph file plus a file of values.

What this shows:
  1. `tf.train.Saver.save` writes the variables' values (PREFIX.index + PREFIX.data-*),
     the graph (PREFIX.meta) and the `checkpoint` state file; `latest_checkpoint` finds it.
  2. `tf.train.export_meta_graph` / `import_meta_graph` move the *graph* (ops, shapes,
     variables, collections) into a fresh `Graph` without the Python code that built it.
  3. The imported graph's Saver restores the values; fetching tensors by name
     ("logits:0") then gives exactly the outputs of the original model, and training
     can go on (the `train_op` collection comes back too).

    python examples/06_checkpoints_and_graph_export.py --out out/06_checkpoints
"""
import argparse
import os

import numpy as np

import minigraph as tf


def build_model():
    """A small separable-conv classifier with an Adam training op; returns its tensors."""
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    h = tf.layers.separable_conv2d(x, 8, 3, padding="same", activation=tf.nn.relu,
                                   depth_multiplier=2, name="sep")
    with tf.variable_scope("head"):
        w = tf.get_variable("kernel", [8 * 8 * 8, 3])
        b = tf.get_variable("bias", [3], initializer=tf.zeros_initializer())
    logits = tf.add(tf.matmul(tf.reshape(h, [-1, 8 * 8 * 8]), w), b, name="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.train.AdamOptimizer(0.01).minimize(
        loss, global_step=tf.train.get_or_create_global_step())
    tf.add_to_collection("train_op", train_op)
    return x, labels, logits, loss, train_op


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps before saving")
    parser.add_argument("--out", default=os.path.join("out", "06_checkpoints"))
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.RandomState(0)
    x_np = rng.standard_normal((32, 8, 8, 1)).astype(np.float32)
    y_np = rng.randint(0, 3, 32).astype(np.int32)
    results = {}

    original = tf.Graph()
    with original.as_default():
        x, labels, logits, loss, train_op = build_model()
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(args.steps):
                sess.run(train_op, {x: x_np, labels: y_np})
            before = sess.run(logits, {x: x_np})
            prefix = saver.save(sess, os.path.join(args.out, "model"),
                                global_step=tf.train.get_global_step())
        meta_path = os.path.join(args.out, "graph.meta.json")
        tf.train.export_meta_graph(meta_path, as_text=True)

    print("1. Saver.save wrote checkpoint", prefix)
    for name in sorted(os.listdir(args.out)):
        print("     %-36s %8d bytes" % (name, os.path.getsize(os.path.join(args.out, name))))
    latest = tf.train.latest_checkpoint(args.out)
    print("   latest_checkpoint(%r) = %r" % (args.out, latest))
    saved = [name for name, _ in tf.train.list_variables(latest)]
    print("   %d saved tensors, Adam's slots included: %s ..." % (len(saved), saved[:5]))
    results.update(prefix=prefix, latest=latest, files=sorted(os.listdir(args.out)))

    print("\n2. export_meta_graph wrote %s (%d ops); importing it into a fresh graph:"
          % (meta_path, len(original.get_operations())))
    fresh = tf.Graph()
    with fresh.as_default():
        restorer = tf.train.import_meta_graph(meta_path)
        print("   %d ops rebuilt; trainable variables: %s" % (
            len(fresh.get_operations()), [v.name for v in tf.trainable_variables()][:4]))
        results["same_op_names"] = ([op.name for op in fresh.get_operations()]
                                    == [op.name for op in original.get_operations()])
        with tf.Session() as sess:
            restorer.restore(sess, latest)
            after = sess.run("logits:0", {"x:0": x_np})
            results["max_abs_diff"] = float(np.max(np.abs(after - before)))
            print("\n3. Restored into the imported graph: max |logits difference| = %g"
                  % results["max_abs_diff"])
            train_again = tf.get_collection("train_op")[0]
            loss_again = fresh.get_tensor_by_name(loss.name)
            l0 = sess.run(loss_again, {"x:0": x_np, "labels:0": y_np})
            for _ in range(5):
                sess.run(train_again, {"x:0": x_np, "labels:0": y_np})
            l1 = sess.run(loss_again, {"x:0": x_np, "labels:0": y_np})
            results.update(loss_before=float(l0), loss_after=float(l1),
                           global_step=int(sess.run(tf.train.get_global_step())))
            print("   training resumes from the restored values: loss %.4f -> %.4f "
                  "(global_step %d)" % (l0, l1, results["global_step"]))
    return results


if __name__ == "__main__":
    main()
