"""Variables: names, collections, initializers, assign ops, load, init reporting, partitions."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="v")
    v1 = tf.Variable(5, name="v")
    nt = tf.Variable(0.0, trainable=False, name="nt")
    loc = tf.Variable(1.0, collections=[tf.GraphKeys.LOCAL_VARIABLES], name="loc")
    dep = tf.Variable(v.initialized_value() * 2.0, name="dep")
    g_const = tf.get_variable("g_const", [2, 3], initializer=tf.constant_initializer(
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    g_scalar = tf.get_variable("g_scalar", [2], initializer=tf.constant_initializer(7.0))
    g_int = tf.get_variable("g_int", [3], dtype=tf.int32, initializer=tf.zeros_initializer())
    g_default = tf.get_variable("g_default", [4, 5])
    g_ones = tf.get_variable("g_ones", [2], initializer=tf.ones_initializer(dtype=tf.float64),
                             dtype=tf.float64)
    rand = {"uniform": tf.get_variable("u", [50, 40], initializer=tf.random_uniform_initializer(
        -0.5, 0.5, seed=1)),
        "normal": tf.get_variable("n", [50, 40], initializer=tf.random_normal_initializer(
            1.0, 0.1, seed=1)),
        "trunc": tf.get_variable("t", [50, 40], initializer=tf.truncated_normal_initializer(
            stddev=0.1, seed=1)),
        "glorot_u": tf.get_variable("gu", [50, 40], initializer=tf.glorot_uniform_initializer(
            seed=1)),
        "glorot_n": tf.get_variable("gn", [50, 40], initializer=tf.glorot_normal_initializer(
            seed=1)),
        "vs": tf.get_variable("vs", [50, 40], initializer=tf.variance_scaling_initializer(
            2.0, "fan_in", "uniform", seed=1)),
        "orth": tf.get_variable("o", [40, 40], initializer=tf.orthogonal_initializer(seed=1))}
    r["names"] = names([v, v1, nt, loc, dep, g_const, g_scalar, g_int, g_default, g_ones])
    r["op_names"] = [v.op.name, v.op.type, v.initializer.name, v.initializer.type]
    r["value_names"] = [v.value().name, v.read_value().name, v.initial_value.name]
    r["dtypes"] = [t.dtype.name for t in [v, v1, g_int, g_ones]]
    r["shapes"] = [shape(t) for t in [v, v1, g_default, v.value()]]
    r["global"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["local"] = names(tf.local_variables())
    r["model"] = names(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES))
    r["trainable_flags"] = [v.trainable, nt.trainable]
    a1 = tf.assign(v, [[0.0, 1.0], [2.0, 3.0]])
    a2 = v.assign_add(tf.ones([2, 2]))
    a3 = tf.assign_sub(v1, 2)
    a4 = nt.assign(3.5)
    r["assign_types"] = [a.op.type if hasattr(a, "op") else a.type for a in [a1, a2, a3, a4]]
    r["assign_names"] = [a.name for a in [a1, a2, a3, a4]]
    uninit = tf.report_uninitialized_variables()
    with tf.Session() as sess:
        r["uninit_before"] = sess.run(uninit)
        r["is_init_before"] = sess.run(tf.is_variable_initialized(v))
        error(r, "read_uninit", lambda: sess.run(v))
        sess.run(tf.variables_initializer([v]))
        r["uninit_partial"] = sess.run(uninit)
        sess.run(tf.global_variables_initializer())
        sess.run(tf.local_variables_initializer())
        r["uninit_after"] = sess.run(uninit)
        r["init_values"] = sess.run([v, v1, nt, loc, dep, g_const, g_scalar, g_int, g_ones])
        r["assign"] = [sess.run(a1), sess.run(a2), sess.run(a3), sess.run(a4)]
        r["after_assign"] = sess.run([v, v1, nt])
        v.load([[9.0, 9.0], [9.0, 9.0]], sess)
        r["after_load"] = sess.run(v)
        r["eval"] = v1.eval(session=sess)
        vals = sess.run(rand)
        r["random_stats"] = {k: [shape(t), str(vals[k].dtype), bool(np.all(np.isfinite(
            vals[k])))] for k, t in rand.items()}
        r["ranges"] = {"uniform": bool(np.all(np.abs(vals["uniform"]) <= 0.5)),
                       "trunc": bool(np.all(np.abs(vals["trunc"]) <= 0.2)),
                       "glorot_u": bool(np.all(np.abs(vals["glorot_u"]) <= np.sqrt(6 / 90.))),
                       "orth": bool(np.allclose(vals["orth"] @ vals["orth"].T, np.eye(40),
                                                atol=1e-4)),
                       "default_glorot": bool(np.all(np.abs(sess.run(g_default))
                                                     <= np.sqrt(6 / 9.)))}
        error(r, "assign_bad_shape", lambda: sess.run(tf.assign(v, [1.0, 2.0, 3.0])))
    error(r, "variable_no_value", lambda: tf.Variable(name="x"))
    error(r, "get_variable_no_shape", lambda: tf.get_variable("noshape"))
    error(r, "load_wrong_shape", lambda: v.load([1.0], tf.Session()))
    # Partitioned variables.
    with tf.variable_scope("part", partitioner=tf.fixed_size_partitioner(3)):
        pv = tf.get_variable("pv", [7, 2], initializer=tf.constant_initializer(2.0))
    r["partitioned"] = [names(list(pv)), [shape(t) for t in pv], shape(pv)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r["partitioned_value"] = sess.run(tf.convert_to_tensor(pv))
        r["partitioned_matmul"] = sess.run(tf.matmul(tf.reshape(tf.range(7.0), [1, 7]), pv))
    return r
