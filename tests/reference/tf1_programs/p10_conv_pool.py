"""tf.nn conv2d / depthwise / separable / atrous / pools: SAME/VALID, strides, shapes, grads."""
import numpy as np

from _util import error, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(4)
    X = rs.randn(2, 7, 6, 3).astype(np.float32)
    K = rs.randn(3, 2, 3, 4).astype(np.float32)
    DW = rs.randn(3, 3, 3, 2).astype(np.float32)
    PW = rs.randn(1, 1, 6, 5).astype(np.float32)
    x = tf.constant(X, name="x")
    k, dw, pw = tf.constant(K), tf.constant(DW), tf.constant(PW)
    nn = tf.nn
    out = {
        "conv_valid": nn.conv2d(x, k, [1, 1, 1, 1], "VALID"),
        "conv_same": nn.conv2d(x, k, [1, 1, 1, 1], "SAME"),
        "conv_same_s2": nn.conv2d(x, k, strides=[1, 2, 2, 1], padding="SAME"),
        "conv_valid_s23": nn.conv2d(x, k, strides=[1, 2, 3, 1], padding="VALID"),
        "conv_dil": nn.conv2d(x, k, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1]),
        "conv_nchw": tf.transpose(nn.conv2d(tf.transpose(x, [0, 3, 1, 2]), k, [1, 1, 2, 2],
                                            "SAME", data_format="NCHW"), [0, 2, 3, 1]),
        "atrous": nn.atrous_conv2d(x, k, rate=2, padding="SAME"),
        "atrous_valid": nn.atrous_conv2d(x, k, rate=2, padding="VALID"),
        "dw_valid": nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID"),
        "dw_same_s2": nn.depthwise_conv2d(x, dw, [1, 2, 2, 1], "SAME"),
        "dw_rate": nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "SAME", rate=[2, 2]),
        "dw_native": nn.depthwise_conv2d_native(x, dw, [1, 1, 1, 1], "SAME"),
        "sep_valid": nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "VALID"),
        "sep_same_s2": nn.separable_conv2d(x, dw, pw, [1, 2, 2, 1], "SAME"),
        "sep_rate": nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME", rate=[2, 2]),
        "max_valid": nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
        "max_same": nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        "max_s1": nn.max_pool(x, ksize=[1, 2, 3, 1], strides=[1, 1, 1, 1], padding="SAME"),
        "avg_valid": nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
        "avg_same": nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
        "avg_same_s1": nn.avg_pool(x, [1, 2, 3, 1], [1, 1, 1, 1], "SAME"),
    }
    r["shapes"] = {kk: shape(v) for kk, v in out.items()}
    r["op_types"] = {kk: v.op.type for kk, v in out.items()}
    r["names"] = {kk: v.name for kk, v in out.items()}
    R = {kk: tf.constant(rs.randn(*v.shape.as_list()).astype(np.float32))
         for kk, v in out.items()}
    wrt = {"conv": [x, k], "atrous": [x, k], "dw": [x, dw], "sep": [x, dw, pw], "max": [x],
           "avg": [x]}
    grads = {kk: tf.gradients(tf.reduce_sum(v * R[kk]), wrt[kk.split("_")[0]])
             for kk, v in out.items()}
    with tf.Session() as sess:
        r.update(sess.run(out))
        r["grads"] = sess.run(grads)
    p = tf.placeholder(tf.float32, [None, None, None, 3])
    r["unknown_spatial"] = [shape(nn.conv2d(p, k, [1, 2, 2, 1], "SAME")),
                            shape(nn.max_pool(p, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")),
                            shape(nn.separable_conv2d(p, dw, pw, [1, 1, 1, 1], "SAME"))]
    error(r, "conv_channels", lambda: nn.conv2d(x, tf.ones([3, 3, 4, 2]), [1, 1, 1, 1], "SAME"))
    error(r, "conv_bad_padding", lambda: nn.conv2d(x, k, [1, 1, 1, 1], "FULL"))
    error(r, "conv_too_small", lambda: nn.conv2d(x, tf.ones([9, 9, 3, 1]), [1, 1, 1, 1],
                                                 "VALID"))
    error(r, "pool_bad_ksize", lambda: nn.max_pool(x, [2, 2], [1, 1, 1, 1], "VALID"))
    error(r, "sep_pw_channels", lambda: nn.separable_conv2d(x, dw, tf.ones([1, 1, 5, 2]),
                                                            [1, 1, 1, 1], "SAME"))
    error(r, "dw_channels", lambda: nn.depthwise_conv2d(x, tf.ones([3, 3, 2, 1]),
                                                        [1, 1, 1, 1], "SAME"))
    return r
