"""BatchNormalization options: axis, center/scale, regularizers, momentum over several
updates, training as a Python bool, 2-D inputs; Dropout layer shapes."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(8)
    X = (rs.randn(6, 3, 4, 5) * 2 + 1).astype(np.float32)
    D = rs.randn(7, 3).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3, 4, 5], name="x")
    d = tf.placeholder(tf.float32, [None, 3], name="d")
    const = tf.constant_initializer
    bn_last = tf.layers.BatchNormalization(momentum=0.5, epsilon=0.01,
                                           gamma_initializer=const([1.0, 2.0, 0.5, 1.5, 1.0]),
                                           beta_regularizer=lambda b: tf.reduce_sum(b * b))
    y_last = bn_last(x, training=True)
    y_last_inf = bn_last(x, training=False)
    bn_axis1 = tf.layers.BatchNormalization(axis=1, center=False, scale=False, name="bn_axis1")
    y_axis1 = bn_axis1(x, training=True)
    y_2d = tf.layers.batch_normalization(d, training=True, momentum=0.0, name="bn_2d")
    y_2d_inf = tf.layers.batch_normalization(d, training=False, name="bn_2d", reuse=True)
    bn_nofuse = tf.layers.BatchNormalization(axis=-1, fused=False, momentum=0.9,
                                             name="bn_nofuse")
    y_nofuse = bn_nofuse(x, training=True)
    r["vars"] = {n: names(l.variables) for n, l in [("last", bn_last), ("axis1", bn_axis1),
                                                     ("nofuse", bn_nofuse)]}
    r["var_shapes"] = [shape(v) for v in bn_axis1.variables]
    r["update_ops"] = names(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    r["layer_updates"] = [len(bn_last.updates), len(bn_axis1.updates), len(bn_nofuse.updates)]
    r["losses"] = names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    r["outputs_shape"] = [shape(t) for t in [y_last, y_axis1, y_2d, y_nofuse]]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    moving = [v for v in tf.global_variables() if "moving" in v.name]
    r["moving_names"] = names(moving)
    drop = tf.layers.Dropout(0.4, noise_shape=[None, 1, 1, 5], seed=3)
    dd = drop(x, training=True)
    r["dropout"] = [drop.name, dd.name, shape(dd), drop.rate]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: X, d: D}
        r["train_out"] = sess.run([y_last, y_axis1, y_2d, y_nofuse], feed)
        for _ in range(3):
            sess.run(updates, feed)
        r["moving_after_3"] = sess.run(moving)
        r["infer_out"] = sess.run([y_last_inf, y_2d_inf], feed)
        dv = sess.run(dd, feed)
        # noise_shape [., 1, 1, 5]: each (example, channel) is kept or dropped as a whole.
        r["dropout_blocks"] = bool(np.all((dv == 0).all(axis=(1, 2)) | (dv != 0).all(
            axis=(1, 2)) | (X == 0).any(axis=(1, 2))))
    error(r, "bad_axis", lambda: tf.layers.batch_normalization(x, axis=7))
    error(r, "unknown_channels", lambda: tf.layers.batch_normalization(
        tf.placeholder(tf.float32, [None, None])))
    return r
