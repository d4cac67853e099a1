"""tf.gradients: grad_ys, stop_gradient(s), unconnected None, several paths, 2nd order."""
import numpy as np

from _util import error, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(1)
    X = rs.randn(3, 4).astype(np.float32)
    W = rs.randn(4, 2).astype(np.float32)
    B = rs.randn(2).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    w = tf.constant(W, name="w")
    b = tf.constant(B, name="b")
    h = tf.matmul(x, w) + b
    y = tf.reduce_sum(tf.tanh(h) * h)
    unused = tf.constant(1.0, name="unused")
    gx, gw, gb, gu = tf.gradients(y, [x, w, b, unused])
    r["unconnected"] = gu is None
    r["grad_names_prefix"] = [g.name.split("/")[0] for g in [gx, gw, gb]]
    r["grad_shapes"] = [shape(g) for g in [gx, gw, gb]]
    r["grad_dtypes"] = [g.dtype.name for g in [gx, gw, gb]]
    # Several paths sum; a tensor used twice.
    z = x * x + 3.0 * x
    (gz,) = tf.gradients(z, x)
    # grad_ys weights the output.
    gys = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    (gz_w,) = tf.gradients(z, x, grad_ys=gys)
    # Several ys sum their gradients.
    (g_two,) = tf.gradients([tf.reduce_sum(z), tf.reduce_sum(x)], [x])
    # stop_gradient the op, and stop_gradients the argument.
    s = tf.stop_gradient(x * 2.0)
    (g_stop,) = tf.gradients(tf.reduce_sum(s * x), x)
    a = x * 2.0
    c = a * x
    g_stops = tf.gradients(c, [x, a], stop_gradients=[a])
    # Second order: d/dx sum(d/dx sum(x^3)) = 6x.
    (g1,) = tf.gradients(tf.reduce_sum(x ** 3), x)
    (g2,) = tf.gradients(g1, x)
    # Broadcast gradient reduces to the operand's shape.
    v = tf.constant(np.ones((1, 4), np.float32))
    gvb = tf.gradients(tf.reduce_sum((x + v) * x), [v])[0]
    # Gradients through array ops.
    sl = tf.reduce_sum(x[1:, ::2] * tf.constant([1.0, 2.0]))
    cat = tf.reduce_sum(tf.concat([x, x * x], 1) * 0.5)
    gat = tf.reduce_sum(tf.gather(x, [0, 0, 2]))
    red = tf.reduce_sum(tf.reduce_max(x, axis=1)) + tf.reduce_sum(tf.reduce_mean(x, axis=0))
    soft = tf.reduce_sum(tf.nn.softmax(x) * tf.constant(X))
    ops = {"slice": sl, "concat": cat, "gather": gat, "reduce": red, "softmax": soft,
           "where": tf.reduce_sum(tf.where(x > 0, x * 3.0, -x)),
           "clip": tf.reduce_sum(tf.clip_by_value(x, -0.5, 0.5)),
           "div": tf.reduce_sum(1.0 / (x * x + 1.0)), "sqrt": tf.reduce_sum(tf.sqrt(x * x + 1.)),
           "transpose_reshape": tf.reduce_sum(tf.reshape(tf.transpose(x), [2, 6]) *
                                              tf.constant(np.arange(12.).reshape(2, 6),
                                                          tf.float32)),
           "maximum": tf.reduce_sum(tf.maximum(x, 0.1)),
           "pow": tf.reduce_sum(tf.pow(x * x + 1.0, 1.5)),
           "tile_pad": tf.reduce_sum(tf.pad(tf.tile(x, [1, 2]), [[1, 0], [0, 1]]) ** 2),
           "cumsum": tf.reduce_sum(tf.cumsum(x, axis=1) ** 2)}
    # TF's gather gradient is an IndexedSlices: compare its dense value.
    grads = {k: tf.convert_to_tensor(tf.gradients(v, x)[0]) for k, v in ops.items()}
    r["gather_grad_type"] = type(tf.gradients(gat, x)[0]).__name__
    # Integer paths give no gradient.
    r["int_none"] = tf.gradients(tf.cast(tf.cast(x, tf.int32), tf.float32), x)[0] is None
    feed = {x: X}
    with tf.Session() as sess:
        res = sess.run({"gx": gx, "gw": gw, "gb": gb, "gz": gz, "gz_w": gz_w, "g_two": g_two,
                        "g_stop": g_stop, "g_stops0": g_stops[0], "g2": g2, "gvb": gvb,
                        "grads": grads}, feed)
    r.update(res)
    r["stops1_none"] = g_stops[1] is None
    error(r, "grad_ys_bad_shape", lambda: tf.gradients(z, x, grad_ys=tf.constant([1.0, 2.0])))
    error(r, "ys_not_tensor", lambda: tf.gradients(None, x))
    return r
