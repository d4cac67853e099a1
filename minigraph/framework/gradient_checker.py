"""Numeric vs symbolic Jacobians (`mg.test.compute_gradient`, `compute_gradient_error`)."""
import numpy as np

from minigraph.framework import gradients as _gradients
from minigraph.framework import graph as _graph
from minigraph.framework import session as _session


def _jacobians(sess, x, x_shape, y, y_shape, x_init, delta, extra_feed_dict):
    from minigraph.ops import array_ops
    x_size = int(np.prod(x_shape))
    y_size = int(np.prod(y_shape))
    x_dtype = x.dtype.as_numpy_dtype
    y_dtype = y.dtype.as_numpy_dtype
    dy = array_ops.placeholder(y.dtype, shape=y_shape, name="grad_check_dy")
    (dx,) = _gradients.gradients(y, [x], grad_ys=[dy])
    theoretical = np.zeros((x_size, y_size), dtype=x_dtype)
    feed = dict(extra_feed_dict or {})
    feed[x] = x_init
    if dx is not None:
        for j in range(y_size):
            onehot = np.zeros(y_size, dtype=y_dtype)
            onehot[j] = 1
            feed[dy] = onehot.reshape(y_shape)
            g = sess.run(dx, feed)
            theoretical[:, j] = np.asarray(g, dtype=x_dtype).reshape(-1)
        del feed[dy]
    numeric = np.zeros((x_size, y_size), dtype=x_dtype)
    flat = x_init.reshape(-1).copy()
    for i in range(x_size):
        orig = flat[i]
        flat[i] = orig + delta
        feed[x] = flat.reshape(x_shape)
        y_pos = np.asarray(sess.run(y, feed), dtype=np.float64)
        flat[i] = orig - delta
        feed[x] = flat.reshape(x_shape)
        y_neg = np.asarray(sess.run(y, feed), dtype=np.float64)
        flat[i] = orig
        numeric[i, :] = ((y_pos - y_neg) / (2 * delta)).reshape(-1)
    return theoretical, numeric


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                     init_targets=None, extra_feed_dict=None):
    """Theoretical and numerical Jacobians of `y` with respect to `x`, as in TF1.

    Runs in the default session. `x` may be a list (with `x_shape`, `x_init_value` lists):
    as in TF1, each `x[i]` is varied on its own while the others keep their graph values;
    only another x that is a placeholder (which TF1 leaves unfed, failing) is fed its
    `x_init_value`.

    Returns:
      `(theoretical, numerical)`, each of shape [x_size, y_size]; a list of such pairs
      when `x` is a list.

    Raises:
      ValueError: if there is no default session or a value does not match its shape.
    """
    sess = _session.get_default_session()
    if sess is None:
        raise ValueError("compute_gradient needs a default session: use "
                         "`with tf.Session() as sess:` around it")
    if init_targets is not None:
        sess.run(init_targets)
    if isinstance(x, (list, tuple)):
        inits = x_init_value if x_init_value is not None else [None] * len(x)
        out = []
        for i, (xi, si, vi) in enumerate(zip(x, x_shape, inits)):
            feed = dict(extra_feed_dict or {})
            for j, (xj, sj, vj) in enumerate(zip(x, x_shape, inits)):
                if j != i and xj.op.type == "Placeholder" and xj not in feed:
                    feed[xj] = _init_value(xj, sj, vj, seed=j)
            out.append(compute_gradient(xi, si, y, y_shape, vi, delta, None, feed))
        return out
    x_shape = tuple(x_shape)
    x_init = _init_value(x, x_shape, x_init_value)
    return _jacobians(sess, x, x_shape, y, tuple(y_shape), x_init, delta, extra_feed_dict)


def _init_value(x, x_shape, value, seed=0):
    dtype = x.dtype.as_numpy_dtype
    if value is None:
        rng = np.random.RandomState(1234 + seed)
        return rng.random_sample(x_shape).astype(dtype)
    value = np.asarray(value, dtype=dtype)
    if value.shape != tuple(x_shape):
        raise ValueError("x_init_value has shape %s, but x_shape is %s" % (value.shape, tuple(x_shape)))
    return value


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None):
    """The largest absolute difference between theoretical and numerical Jacobians."""
    grad = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                            extra_feed_dict)
    if isinstance(grad, tuple):
        grad = [grad]
    err = 0.0
    for theoretical, numerical in grad:
        if theoretical.size or numerical.size:
            err = max(err, float(np.max(np.fabs(theoretical - numerical))))
    return err
