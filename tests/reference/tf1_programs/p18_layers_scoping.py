"""tf.layers inside scopes: variable/op names, reuse, repeated calls, Layer properties."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    init = tf.constant_initializer(np.linspace(-1, 1, 12).reshape(4, 3))
    with tf.variable_scope("block"):
        h1 = tf.layers.dense(x, 3, kernel_initializer=init, name="fc")
    with tf.variable_scope("block", reuse=True):
        h2 = tf.layers.dense(x, 3, name="fc")
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.layers.dense(x, 3, kernel_initializer=init)
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a2 = tf.layers.dense(x, 3, kernel_initializer=init)
    with tf.name_scope("ns"):
        n1 = tf.layers.dense(x, 2, kernel_initializer=tf.ones_initializer())
    layer = tf.layers.Dense(2, kernel_initializer=tf.ones_initializer(), name="shared")
    s1 = layer(x)
    s2 = layer(x * 2.0)
    s3 = layer.apply(x * 3.0)
    r["outputs"] = names([h1, h2, a1, a2, n1, s1, s2, s3])
    r["globals"] = names(tf.global_variables())
    r["layer"] = [layer.name, layer.scope_name, layer.built, layer.trainable, layer.dtype,
                  names(layer.weights), names(layer.trainable_weights),
                  names(layer.non_trainable_weights), layer.count_params()]
    frozen = tf.layers.Dense(2, trainable=False, name="frozen")
    frozen(x)
    r["frozen"] = [names(frozen.trainable_variables), names(frozen.non_trainable_variables),
                   names(tf.trainable_variables(scope="frozen")),
                   names(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "frozen"))]
    d64 = tf.layers.Dense(2, dtype="float64", kernel_initializer=tf.ones_initializer(),
                          name="d64")
    y64 = d64(tf.constant(np.ones((1, 4))))
    r["dtype64"] = [y64.dtype.name, d64.dtype, [v.dtype.base_dtype.name for v in d64.weights]]
    reg = tf.layers.Dense(2, kernel_regularizer=lambda w: tf.reduce_sum(w),
                          bias_regularizer=lambda b: tf.reduce_sum(b) + 1.0,
                          activity_regularizer=lambda t: tf.reduce_mean(t),
                          kernel_initializer=tf.ones_initializer(), name="reg")
    yr = reg(x)
    r["reg"] = [len(reg.losses), names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
                len(reg.get_losses_for(None)), len(reg.get_losses_for(x))]
    conv = tf.layers.Conv2D(2, 3, name="c")
    error(r, "conv_rank", lambda: conv(x))
    error(r, "dense_unknown_last", lambda: tf.layers.dense(
        tf.placeholder(tf.float32, [None, None]), 2))
    error(r, "reuse_unknown", lambda: _reuse_unknown(tf, x))
    error(r, "dense_bad_units", lambda: tf.layers.Dense(0)(x))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: np.arange(8, dtype=np.float32).reshape(2, 4) / 4.0}
        r["values"] = sess.run([h1, h2, a1, a2, n1, s1, s2, s3, yr], feed)
        r["losses"] = sess.run(reg.losses, feed)
    r["shapes"] = [shape(t) for t in [h1, s3, yr]]
    return r


def _reuse_unknown(tf, x):
    with tf.variable_scope("nowhere", reuse=True):
        tf.layers.dense(x, 2)
