"""07 - Side by side: one TF1 program, run with `import minigraph as tf` and with TensorFlow.

`program(tf)` below is plain TF1 code: a separable-conv layer, batch normalization (in
training mode, with its moving-average updates), a dense head built with
`get_variable`, a loss, its gradients and one SGD step, on fixed weights. It runs once
with minigraph and once with real TensorFlow (`tf.compat.v1` in graph mode), and the
names, shapes and numbers are compared line by line.

TensorFlow is optional. When it is not importable here, the TensorFlow half is skipped
with a message, or run in another interpreter that has it:

    python examples/07_side_by_side_with_tensorflow.py
    python examples/07_side_by_side_with_tensorflow.py --tf-python /path/to/venv/bin/python

(TensorFlow 2.16+ needs the `tf_keras` package for `tf.compat.v1.layers`; this script
sets TF_USE_LEGACY_KERAS=1 for it.)
"""
import argparse
import importlib
import json
import os
import subprocess
import sys

import numpy as np


def program(tf):
    """The TF1 program; `tf` is either minigraph or tensorflow.compat.v1."""
    rng = np.random.RandomState(0)
    images = rng.standard_normal((4, 6, 6, 2)).astype(np.float32)
    depthwise = rng.standard_normal((3, 3, 2, 2)).astype(np.float32) * 0.3
    pointwise = rng.standard_normal((1, 1, 4, 5)).astype(np.float32) * 0.3
    dense = rng.standard_normal((5, 3)).astype(np.float32) * 0.3
    labels = np.array([0, 1, 2, 1], np.int32)

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 6, 6, 2], name="images")
        y = tf.placeholder(tf.int32, [None], name="labels")
        conv = tf.layers.separable_conv2d(
            x, 5, 3, strides=2, padding="same", depth_multiplier=2, activation=tf.nn.relu,
            depthwise_initializer=tf.constant_initializer(depthwise),
            pointwise_initializer=tf.constant_initializer(pointwise), name="sep")
        h = tf.layers.batch_normalization(conv, training=True, name="bn")
        pooled = tf.reduce_mean(h, axis=[1, 2], name="pool")
        with tf.variable_scope("head"):
            w = tf.get_variable("kernel", [5, 3], initializer=tf.constant_initializer(dense))
            logits = tf.matmul(pooled, w, name="logits")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits), name="loss")
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, variables)
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            sess.run(init)
            feed = {x: images, y: labels}
            loss0, grad_values = sess.run([loss, grads], feed)
            sess.run(step, feed)
            loss1 = sess.run(loss, feed)
            moving_mean = sess.run([v for v in tf.global_variables()
                                    if v.name == "bn/moving_mean:0"][0])
    return {
        "variables": [v.name for v in variables],
        "variable shapes": [v.shape.as_list() for v in variables],
        "conv output": "%s %s" % (conv.name, conv.shape.as_list()),
        "bn output": "%s %s" % (h.name, h.shape.as_list()),
        "logits": "%s %s" % (logits.name, logits.shape.as_list()),
        "update ops": len(graph.get_collection(tf.GraphKeys.UPDATE_OPS)),
        "loss before step": float(loss0),
        "gradient norms": [float(np.linalg.norm(g)) for g in grad_values],
        "loss after step": float(loss1),
        "bn moving mean": [float(m) for m in moving_mean],
    }


def load(backend):
    """Import minigraph, or TensorFlow's TF1 API in graph mode; None if not installed."""
    if backend == "minigraph":
        return importlib.import_module("minigraph")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")     # TF 2.16+: tf_keras for tf.layers
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        tf = importlib.import_module("tensorflow.compat.v1")
    except ImportError:
        return None
    tf.disable_v2_behavior()  # graph mode, reference variables, TF1 shapes: TF 1.15 semantics
    tf.logging.set_verbosity(tf.logging.ERROR)
    return tf


def run_tensorflow(tf_python):
    """The program's results under TensorFlow, or (None, reason) when it cannot run."""
    tf = load("tensorflow")
    if tf is not None:
        return program(tf), None
    if not tf_python:
        return None, ("TensorFlow is not importable in this Python (%s); skipping its half. "
                      "Pass --tf-python PATH to use another interpreter that has it."
                      % sys.executable)
    proc = subprocess.run([tf_python, os.path.abspath(__file__), "--worker"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return None, "TensorFlow run in %s failed:\n%s" % (tf_python, proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def _same(a, b):
    if isinstance(a, float):
        return bool(np.isclose(a, b, rtol=1e-5, atol=1e-5))
    if isinstance(a, list) and a and isinstance(a[0], float):
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-5))
    return a == b


def _fmt(v):
    if isinstance(v, float):
        return "%.6f" % v
    if isinstance(v, list) and v and isinstance(v[0], float):
        return "[" + ", ".join("%.5f" % f for f in v) + "]"
    return str(v)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", help="a Python interpreter with TensorFlow installed")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # inside the TensorFlow interpreter: print the results as JSON
        print(json.dumps(program(load("tensorflow"))))
        return None

    ours = program(load("minigraph"))
    theirs, reason = run_tensorflow(args.tf_python)
    results = {"minigraph": ours, "tensorflow": theirs, "skipped": reason}
    if theirs is None:
        print(reason)
        for key, value in ours.items():
            print("  %-18s %s" % (key, _fmt(value)))
        return results

    results["same"] = {key: _same(ours[key], theirs[key]) for key in ours}
    for key in ours:
        mark = "same" if results["same"][key] else "DIFFERENT"
        print("%-18s %-9s minigraph:  %s" % (key, mark, _fmt(ours[key])))
        print("%-18s %-9s tensorflow: %s" % ("", "", _fmt(theirs[key])))
    print("\n%d of %d results agree (floats within rtol/atol 1e-5)."
          % (sum(results["same"].values()), len(ours)))
    return results


if __name__ == "__main__":
    main()
