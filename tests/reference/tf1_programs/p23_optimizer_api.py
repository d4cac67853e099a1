"""Optimizer API: slots, names in scopes, var_list, errors, gradient clipping pipelines."""
from _util import error, names


def run(tf, tmp):
    r = {}
    with tf.variable_scope("net"):
        w = tf.get_variable("w", initializer=tf.constant([[1.0, -1.0], [0.5, 2.0]]))
        b = tf.get_variable("b", initializer=tf.constant([0.0, 0.1]))
        frozen = tf.get_variable("frozen", initializer=tf.constant(3.0), trainable=False)
    x = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.2]])
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b - 1.0)) * frozen
    with tf.name_scope("train"):
        adam = tf.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.9, epsilon=1e-4, name="MyAdam")
        grads_vars = adam.compute_gradients(loss)
        clipped, norm = tf.clip_by_global_norm([g for g, _ in grads_vars], 5.0)
        train = adam.apply_gradients(list(zip(clipped, [v for _, v in grads_vars])),
                                     name="apply")
    r["train_name"] = [train.name, train.type]
    r["slot_names"] = sorted(adam.get_slot_names())
    r["slots"] = [adam.get_slot(w, "m").name, adam.get_slot(b, "v").name]
    r["no_slot"] = adam.get_slot(frozen, "m") is None
    r["globals"] = names(tf.global_variables())
    mom = tf.train.MomentumOptimizer(0.05, 0.5, name="Mom")
    train2 = mom.minimize(loss, var_list=[b])
    r["mom_slots"] = [mom.get_slot(b, "momentum").name, mom.get_slot(w, "momentum") is None]
    rms = tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.3, epsilon=1e-3)
    train3 = rms.minimize(loss)
    r["rms_slots"] = sorted(v.name for v in tf.global_variables() if "RMSProp" in v.name)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        hist = []
        for step in range(4):
            sess.run([train, train2, train3][step % 3])
            hist.append(sess.run([loss, norm]))
        r["hist"] = hist
        r["final"] = sess.run([w, b, frozen])
        r["slot_values"] = sess.run([adam.get_slot(w, "m"), adam.get_slot(w, "v"),
                                     mom.get_slot(b, "momentum")])
    error(r, "no_variables", lambda: tf.train.GradientDescentOptimizer(0.1).minimize(
        tf.constant(1.0) * 2.0, var_list=[]))
    error(r, "no_gradients", lambda: tf.train.GradientDescentOptimizer(0.1).minimize(
        tf.reduce_sum(x), var_list=[w]))
    error(r, "int_loss", lambda: tf.train.GradientDescentOptimizer(0.1).minimize(
        tf.constant(1), var_list=[w]))
    error(r, "bad_grads_vars", lambda: tf.train.GradientDescentOptimizer(0.1).apply_gradients(
        [(None, w)]))
    error(r, "not_variable", lambda: tf.train.GradientDescentOptimizer(0.1).apply_gradients(
        [(tf.ones([2]), tf.ones([2]))]))
    cg = tf.train.GradientDescentOptimizer(0.1).compute_gradients(tf.reduce_sum(b * 2.0),
                                                                   var_list=[w, b])
    r["compute_none"] = [g is None for g, _ in cg]
    _, gnorm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None], 1.0)
    with tf.Session() as sess:
        r["global_norm_with_none"] = sess.run(gnorm)
    return r
