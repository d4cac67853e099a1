"""Control dependencies, group, tuple, read-after-assign ordering; assorted error classes."""
import numpy as np

from _util import error, names


def run(tf, tmp):
    r = {}
    v = tf.Variable(1.0, name="v")
    counter = tf.Variable(0, name="counter")
    inc = tf.assign_add(counter, 1, name="inc")
    with tf.control_dependencies([inc]):
        read = tf.identity(counter, name="read")
        c = tf.constant(5.0, name="c_in_deps")
    r["control_inputs"] = [op.name for op in read.op.control_inputs]
    r["const_control"] = [op.name for op in c.op.control_inputs]
    g = tf.group(inc, tf.assign(v, v + 1.0), name="grouped")
    r["group"] = [g.name, g.type, sorted(op.name for op in g.control_inputs)]
    t1, t2 = tf.tuple([v * 1.0, tf.constant(2.0)])
    r["tuple_names"] = names([t1, t2])
    with tf.control_dependencies(None):
        free = tf.constant(1.0, name="free")
    r["cleared"] = [op.name for op in free.op.control_inputs]
    nested = tf.no_op(name="a")
    with tf.control_dependencies([nested]):
        with tf.control_dependencies([inc]):
            both = tf.no_op(name="b")
    r["nested"] = sorted(op.name for op in both.control_inputs)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r["reads"] = [sess.run(read), sess.run(read), sess.run(counter)]
        sess.run(g)
        r["after_group"] = sess.run([counter, v])
        r["op_run"] = [inc.op.run(session=sess), sess.run(counter)]
        with sess.as_default():
            r["eval_default"] = counter.eval()
        # Errors raised at run time.
        x = tf.placeholder(tf.float32, [None])
        error(r, "check_numerics", lambda: sess.run(tf.sqrt(x), {x: [-1.0]}))
        error(r, "uninit_new_var", lambda: sess.run(tf.Variable(2.0, name="late")))
        error(r, "fetch_from_other_graph", lambda: sess.run(_other_graph_tensor(tf)))
        error(r, "feed_wrong_dtype", lambda: sess.run(x, {x: np.array(["a"])}))
    error(r, "op_of_other_graph", lambda: v + _other_graph_tensor(tf))
    error(r, "control_dep_bad", lambda: tf.control_dependencies([1.0]).__enter__())
    error(r, "convert_bad", lambda: tf.constant(np.array([1, 2]), shape=[3, 3]))
    error(r, "constant_too_many", lambda: tf.constant([1, 2, 3, 4], shape=[3]))
    error(r, "placeholder_bad_dtype", lambda: tf.placeholder("nonsense"))
    error(r, "cast_string", lambda: tf.cast(tf.constant(1.0), "nonsense"))
    error(r, "reshape_placeholder_nonint", lambda: tf.reshape(v, [1.5]))
    error(r, "session_run_bad_feed_key", lambda: tf.Session().run(v, {3: 1.0}))
    return r


def _other_graph_tensor(tf):
    with tf.Graph().as_default():
        return tf.constant(1.0, name="elsewhere")
