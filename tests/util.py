"""Shared test helpers: evaluate tensors, and check gradients against central differences."""
import numpy as np

import minigraph as mg


def evaluate(fetches, feed_dict=None):
    """Run `fetches` in a fresh session on the default graph (variables initialized)."""
    with mg.Session() as sess:
        init = getattr(mg, "global_variables_initializer", None)
        if init is not None and mg.get_collection(mg.GraphKeys.GLOBAL_VARIABLES):
            sess.run(init())
        return sess.run(fetches, feed_dict)


def gradient_error(build, *values, delta=1e-6):
    """Max |symbolic - numeric| Jacobian entry of `build(*placeholders)` w.r.t. each input.

    `values` are float64 NumPy arrays; each becomes a placeholder of its shape. Use
    values away from kinks (|x| > 10*delta for relu/abs/max).
    """
    xs = [mg.placeholder(mg.float64, v.shape, name="x%d" % i) for i, v in enumerate(values)]
    y = build(*xs)
    y_shape = y.shape.as_list()
    with mg.Session() as sess:
        return max(mg.test.compute_gradient_error(
            x, list(v.shape), y, y_shape, x_init_value=v, delta=delta,
            extra_feed_dict={xj: vj for j, (xj, vj) in enumerate(zip(xs, values)) if j != i})
            for i, (x, v) in enumerate(zip(xs, values)))


def rng(seed=0):
    return np.random.RandomState(seed)
