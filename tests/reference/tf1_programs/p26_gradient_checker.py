"""tf.test.compute_gradient / compute_gradient_error: Jacobians as TF computes them."""
import numpy as np


def run(tf, tmp):
    r = {}
    X = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
    x = tf.placeholder(tf.float64, [2, 3], name="x")
    y = tf.tanh(tf.matmul(x, tf.constant(np.arange(6.0).reshape(3, 2) / 5.0))) * 2.0
    z = tf.reduce_sum(x * x, axis=0)
    with tf.Session():
        theo, num = tf.test.compute_gradient(x, [2, 3], y, [2, 2], x_init_value=X)
        r["jacobian_theoretical"] = theo
        r["jacobian_numeric"] = num
        r["z"] = list(tf.test.compute_gradient(x, [2, 3], z, [3], x_init_value=X, delta=1e-4))
        r["error_small"] = bool(tf.test.compute_gradient_error(x, [2, 3], y, [2, 2],
                                                               x_init_value=X) < 1e-6)
        # Several xs at once: a list of (theoretical, numeric) pairs. (TF feeds only the x
        # being varied, so the others must be computable: w is a constant, fed in turn.)
        w = tf.constant(np.zeros(3), name="w")
        x2 = tf.constant(X, name="x2")
        u = tf.reduce_sum(x2 * w, axis=1)
        both = tf.test.compute_gradient([x2, w], [[2, 3], [3]], u, [2],
                                        x_init_value=[X, np.array([1.0, -2.0, 0.5])])
        r["two_xs"] = [list(pair) for pair in both]
    return r
