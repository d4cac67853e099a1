"""Optimizers for a few steps from fixed values: variables, slots, global step, results."""
import numpy as np

from _util import names


def _model(tf, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", initializer=tf.constant([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]))
        b = tf.get_variable("b", [2], initializer=tf.constant_initializer([0.1, -0.2]))
        frozen = tf.get_variable("frozen", initializer=tf.constant([1.0, 1.0]))
    x = tf.constant(np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32))
    t = tf.constant(np.array([[1, 0], [0, 1], [1, 1], [0, 0]], np.float32))
    loss = tf.reduce_mean(tf.square(tf.tanh(tf.matmul(x, w) + b) * frozen - t))
    return w, b, frozen, loss


def run(tf, tmp):
    r = {}
    cases = {
        "sgd": lambda: tf.train.GradientDescentOptimizer(0.5),
        "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9),
        "nesterov": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
        "adam": lambda: tf.train.AdamOptimizer(0.05),
        "rmsprop": lambda: tf.train.RMSPropOptimizer(0.01),
        "rmsprop_centered": lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5,
                                                              centered=True),
    }
    for key, make in cases.items():
        with tf.Graph().as_default():
            w, b, frozen, loss = _model(tf, "m")
            step = tf.train.get_or_create_global_step()
            opt = make()
            train = opt.minimize(loss, global_step=step, var_list=[w, b])
            r[key + "/op_type"] = train.type
            r[key + "/globals"] = names(tf.global_variables())
            r[key + "/trainable"] = names(tf.trainable_variables())
            r[key + "/step_name"] = [step.name, tf.train.get_global_step().name]
            losses = []
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(5):
                    losses.append(sess.run([train, loss])[1])
                r[key + "/losses"] = losses
                r[key + "/final"] = sess.run([w, b, frozen, step, loss])
    # compute_gradients / apply_gradients with a processed gradient.
    with tf.Graph().as_default():
        w, b, frozen, loss = _model(tf, "m")
        opt = tf.train.GradientDescentOptimizer(0.1)
        gv = opt.compute_gradients(loss)
        r["gv_vars"] = [v.name for _, v in gv]
        r["gv_none"] = [g is None for g, _ in gv]
        gv = [(g * 2.0, v) for g, v in gv if g is not None]
        train = opt.apply_gradients(gv)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            r["apply_result"] = sess.run([w, b, frozen])
    # A constraint is applied after the update.
    with tf.Graph().as_default():
        v = tf.get_variable("c", initializer=tf.constant([1.0, -2.0]),
                            constraint=lambda t: tf.clip_by_value(t, 0.0, 0.5))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(v * v))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            r["constrained"] = sess.run(v)
    return r
