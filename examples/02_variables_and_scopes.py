"""02 - Variables and scopes: where state lives, how names are made, and how sharing works.

What this shows:
  1. `variable_scope` prefixes variable names; `reuse=True` (or AUTO_REUSE) makes
     `get_variable` return the *same* variable, while creating a name twice is an error.
  2. `name_scope` prefixes op names but not `get_variable` names (a classic TF1 surprise).
  3. Variables land in collections: GLOBAL_VARIABLES, TRAINABLE_VARIABLES (unless
     trainable=False), REGULARIZATION_LOSSES for a scope's regularizer.
  4. A variable is a graph op; its value lives in a session and must be initialized
     there first (reading it before is a FailedPreconditionError).
  5. Initializers: per variable, or a default for everything in a scope.

    python examples/02_variables_and_scopes.py
"""
import argparse

import numpy as np

import minigraph as tf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3, help="width of the example layer")
    args = parser.parse_args(argv)
    n = args.units
    results = {}

    graph = tf.Graph()
    with graph.as_default():
        def dense(x, name):
            # Called twice below; the second call shares the variables of the first.
            with tf.variable_scope(name, reuse=tf.AUTO_REUSE):
                w = tf.get_variable("w", [n, n], initializer=tf.ones_initializer())
                b = tf.get_variable("b", [n], initializer=tf.zeros_initializer())
                return tf.matmul(x, w) + b, w

        x = tf.placeholder(tf.float32, [None, n], name="x")
        y1, w_first = dense(x, "shared")
        y2, w_second = dense(y1, "shared")

        with tf.variable_scope("model"):
            step = tf.get_variable("step", [], tf.int32, tf.zeros_initializer(), trainable=False)
        with tf.variable_scope("model", reuse=True):
            step_again = tf.get_variable("step", dtype=tf.int32)

        with tf.name_scope("ns"):
            v_in_ns = tf.get_variable("v", [1])
            c_in_ns = tf.constant(1.0, name="c")

        with tf.variable_scope("reg", initializer=tf.constant_initializer(0.5),
                               regularizer=tf.regularizers.l2(0.1)):
            r = tf.get_variable("r", [2])
        increment = step.assign_add(1)
        init = tf.global_variables_initializer()
        report = tf.report_uninitialized_variables()

    print("1. Scopes name variables; reuse shares them.")
    print("   two calls of dense('shared') share one kernel:", w_first is w_second, w_first.name)
    print("   variable_scope('model', reuse=True) returns the same 'step':", step is step_again)
    results["reused"] = (w_first is w_second) and (step is step_again)
    try:
        with graph.as_default(), tf.variable_scope("model"):
            tf.get_variable("step", [], tf.int32)
    except ValueError as e:
        results["duplicate_error"] = str(e).split(" Did you mean")[0]
        print("   creating 'model/step' again without reuse ->", results["duplicate_error"])

    print("\n2. name_scope names ops, not get_variable variables:")
    print("   get_variable('v') under name_scope('ns') ->", v_in_ns.name,
          "   constant 'c' ->", c_in_ns.name)
    results["names"] = (v_in_ns.name, c_in_ns.name)

    print("\n3. Collections:")
    for key in ("GLOBAL_VARIABLES", "TRAINABLE_VARIABLES", "REGULARIZATION_LOSSES"):
        items = graph.get_collection(getattr(tf.GraphKeys, key))
        results[key] = [v.name for v in items]
        print("   %-22s %s" % (key, results[key]))

    with tf.Session(graph=graph) as sess:
        print("\n4. Values live in the session and start uninitialized:")
        try:
            sess.run(w_first)
        except tf.errors.FailedPreconditionError as e:
            results["uninitialized_error"] = type(e).__name__
            print("   run(w) before init ->", type(e).__name__)
        results["uninitialized"] = [name.decode() for name in sess.run(report)]
        print("   report_uninitialized_variables():", results["uninitialized"])
        sess.run(init)
        for _ in range(3):
            sess.run(increment)
        results["step"] = int(sess.run(step))
        print("   after init and 3 increments, model/step =", results["step"])

        print("\n5. Initializers: ones/zeros per variable, 0.5 from the scope default:")
        results["r"] = sess.run(r)
        results["reg_loss"] = float(sess.run(graph.get_collection(
            tf.GraphKeys.REGULARIZATION_LOSSES)[0]))
        print("   reg/r =", results["r"].tolist(), " its l2(0.1) loss =", results["reg_loss"])
        results["y2"] = sess.run(y2, {x: np.ones((1, n), np.float32)})
        print("   y2 = dense(dense(ones)) with shared ones kernels:", results["y2"].tolist())
    return results


if __name__ == "__main__":
    main()
