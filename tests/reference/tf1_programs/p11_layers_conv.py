"""tf.layers SeparableConv2D / Conv2D with fixed initializers: names, shapes, values, grads."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(5)
    X = rs.randn(2, 6, 5, 3).astype(np.float32)
    DW = rs.randn(3, 3, 3, 2).astype(np.float32)
    PW = rs.randn(1, 1, 6, 4).astype(np.float32)
    B = rs.randn(4).astype(np.float32)
    K = rs.randn(2, 3, 3, 4).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 6, 5, 3], name="x")
    const = tf.constant_initializer
    sep = tf.layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2,
                                    depthwise_initializer=const(DW),
                                    pointwise_initializer=const(PW), bias_initializer=const(B),
                                    depthwise_regularizer=lambda w: 0.1 * tf.reduce_sum(w * w),
                                    activity_regularizer=lambda y: 0.01 * tf.reduce_sum(
                                        tf.abs(y)),
                                    activation=tf.nn.relu)
    y1 = sep(x)
    r["sep_layer_name"] = sep.name
    r["sep_vars"] = names(sep.variables)
    r["sep_var_shapes"] = [shape(v) for v in sep.variables]
    r["sep_weights_order"] = names(sep.weights)
    r["sep_out"] = [y1.name, shape(y1)]
    r["sep_losses"] = len(sep.losses)
    y2 = tf.layers.separable_conv2d(x, 4, (3, 2), strides=(2, 1), padding="valid",
                                    depthwise_initializer=const(DW[:, :2, :, :1]),
                                    pointwise_initializer=const(PW[:, :, :3]),
                                    use_bias=False, name="sep_fn")
    y3 = tf.layers.separable_conv2d(x, 4, 3, padding="same", depth_multiplier=2,
                                    dilation_rate=2, depthwise_initializer=const(DW),
                                    pointwise_initializer=const(PW), bias_initializer=const(B))
    y4 = tf.layers.separable_conv2d(x, 4, 3, padding="same", depth_multiplier=2,
                                    name="separable_conv2d", reuse=True)
    r["fn_names"] = names([y2, y3, y4])
    cf = tf.layers.SeparableConv2D(4, 3, data_format="channels_first", padding="same",
                                   depthwise_initializer=const(DW[:, :, :, :1]),
                                   pointwise_initializer=const(PW[:, :, :3]))
    xt = tf.transpose(x, [0, 3, 1, 2])
    # TF's CPU has no NCHW depthwise kernel: compare the layer's shape and variables only.
    y_cf_shape = shape(cf(xt))
    r["cf"] = [y_cf_shape, names(cf.variables), [shape(v) for v in cf.variables]]
    conv = tf.layers.Conv2D(4, (2, 3), strides=2, padding="same", kernel_initializer=const(K),
                            bias_initializer=const(B), name="conv")
    c1 = conv(x)
    c2 = tf.layers.conv2d(x, 4, (2, 3), dilation_rate=(2, 1), kernel_initializer=const(K),
                          activation=tf.tanh, use_bias=False)
    r["conv"] = [names(conv.variables), c1.name, shape(c1), c2.name, shape(c2)]
    r["global"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["reg_losses"] = names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    r["update_ops"] = names(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    loss = tf.reduce_sum(y1 * y1) + tf.reduce_sum(y2) + tf.reduce_sum(c1) + tf.reduce_sum(c2 * c2)
    grads = tf.gradients(loss, [x] + sep.trainable_variables + conv.trainable_variables)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: X}
        r["values"] = sess.run([y1, y2, y3, y4, c1, c2], feed)
        r["grads"] = sess.run(grads, feed)
        r["losses_values"] = sess.run(sep.losses, feed)
    r["count_params"] = sep.count_params()
    error(r, "bad_padding", lambda: tf.layers.separable_conv2d(x, 2, 3, padding="full"))
    error(r, "reuse_missing", lambda: tf.layers.separable_conv2d(x, 2, 3, name="nope",
                                                                 reuse=True))
    error(r, "wrong_rank", lambda: sep(tf.ones([2, 5, 3])))
    error(r, "wrong_channels", lambda: sep(tf.ones([2, 6, 5, 4])))
    error(r, "kernel_too_big", lambda: tf.layers.separable_conv2d(x, 2, 7))
    return r
