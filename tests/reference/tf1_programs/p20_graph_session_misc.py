"""Graph/Session odds and ends: collections, seeds, global step, Operation.run, eval."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    g = tf.get_default_graph()
    with g.name_scope("gs") as scope:
        r["graph_name_scope"] = scope
        c = tf.constant(1.0, name="c")
    with g.control_dependencies([c]):
        d = tf.constant(2.0, name="d")
    r["graph_control"] = [op.name for op in d.op.control_inputs]
    step = tf.train.get_or_create_global_step()
    r["step"] = [step.name, shape(step), step.dtype.base_dtype.name,
                 names(tf.get_collection(tf.GraphKeys.GLOBAL_STEP)),
                 tf.train.get_global_step() is step,
                 tf.train.get_or_create_global_step() is step]
    with tf.Graph().as_default():
        r["no_step"] = tf.train.get_global_step() is None
    tf.add_to_collection("things", c)
    tf.add_to_collection("things", d)
    r["collections"] = [names(g.get_collection("things")), names(g.get_collection("things", "g"))]
    # Graph-level seed: the same program gives the same numbers in a new graph.
    vals = []
    for _ in range(2):
        with tf.Graph().as_default():
            tf.set_random_seed(42)
            a = tf.random_uniform([3])
            b = tf.random_normal([2, 2], seed=7)
            t = tf.truncated_normal([500], stddev=2.0)
            with tf.Session() as sess:
                vals.append(sess.run([a, b, t]) + [sess.run(a)])
    r["seed_repeatable"] = [bool(np.array_equal(x, y)) for x, y in zip(vals[0], vals[1])]
    r["seed_advances"] = not np.array_equal(vals[0][0], vals[0][3])
    r["truncated_bound"] = bool(np.all(np.abs(vals[0][2]) <= 4.0))
    with tf.Graph().as_default():
        u = tf.random_uniform([2, 3], minval=-1, maxval=5, dtype=tf.int32, seed=1)
        n = tf.random_normal([4], mean=3.0, stddev=0.0, dtype=tf.float64)
        r["random_meta"] = [u.dtype.name, shape(u), n.dtype.name, u.op.type, n.op.name]
        with tf.Session() as sess:
            uv, nv = sess.run([u, n])
        r["random_int_range"] = bool(np.all((uv >= -1) & (uv < 5)))
        r["normal_std0"] = nv
        error(r, "random_int_no_max", lambda: tf.random_uniform([2], dtype=tf.int32))
    # Operation.run / Tensor.eval with an explicit and a default session.
    v = tf.Variable(3.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        inc.op.run(session=sess)
        r["eval_explicit"] = v.eval(session=sess)
        with sess.as_default():
            inc.op.run()
            r["eval_default"] = [v.eval(), inc.eval(), tf.get_default_session() is sess]
        error(r, "eval_no_session_after", lambda: v.eval())
    other = tf.Graph()
    with other.as_default():
        k = tf.constant([1, 2], name="k")
    with tf.Session(graph=other) as sess:
        r["other_graph_run"] = sess.run(k)
        r["session_graph"] = sess.graph is other
        error(r, "other_graph_wrong_tensor", lambda: sess.run(c))
    r["ops_in_order"] = [op.name for op in g.get_operations()][:8]
    r["group_empty"] = tf.group(name="nothing").type
    return r
