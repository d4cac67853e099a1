"""Per-call cost of Session.run: minigraph beside TensorFlow 2.21's tf.compat.v1.Session.

Two graphs: one op (x + 1 on a [4] float32 placeholder) and a 200-op elementwise chain
(alternating add/mul on a [16] tensor). Both frameworks are measured in the same process,
alternating rounds, and the median per-call time is printed with the ratio.

Run: ./dev bench bench_session   (TensorFlow column only where TF is importable, e.g.
     PYTHONPATH=. /path/to/ref-venv/bin/python benchmarks/bench_session.py)
"""
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import minigraph as mg  # noqa: E402


def build(lib, n_ops, size):
    x = lib.placeholder(lib.float32, [size], name="x")
    y = x
    for i in range(n_ops):
        y = y + 1.0 if i % 2 == 0 else y * 0.999
    return x, y


def per_call(run, calls):
    t = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - t) / calls


def measure(make_session, lib, n_ops, size, calls, rounds):
    g = lib.Graph()
    with g.as_default():
        x, y = build(lib, n_ops, size)
    sess = make_session(g)
    feed = {x: np.ones(size, np.float32)}
    sess.run(y, feed)  # build/caches the plan

    def run():
        sess.run(y, feed)
    return run, calls, rounds


def main():
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        v1 = tf.compat.v1
        v1.disable_eager_execution()
    except ImportError:
        v1 = None
        print("TensorFlow not importable here: printing minigraph only.")
    cases = [("1 op", 1, 4, 20000), ("200-op chain", 200, 16, 500)]
    print("%-14s %14s %14s %8s" % ("graph", "minigraph us", "TF us", "ratio"))
    for label, n_ops, size, calls in cases:
        impls = [("mg", measure(lambda g: mg.Session(graph=g), mg, n_ops, size, calls, 7))]
        if v1 is not None:
            impls.append(("tf", measure(lambda g: v1.Session(graph=g), v1, n_ops, size, calls, 7)))
        times = {name: [] for name, _ in impls}
        for _ in range(7):
            for name, (run, c, _r) in impls:
                times[name].append(per_call(run, c))
        mg_us = statistics.median(times["mg"]) * 1e6
        if v1 is not None:
            tf_us = statistics.median(times["tf"]) * 1e6
            print("%-14s %14.2f %14.2f %7.3fx" % (label, mg_us, tf_us, mg_us / tf_us))
        else:
            print("%-14s %14.2f %14s %8s" % (label, mg_us, "-", "-"))


if __name__ == "__main__":
    main()
