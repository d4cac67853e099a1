"""tf.losses: values for each reduction and weights, names, LOSSES/REGULARIZATION_LOSSES."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(2)
    P = rs.randn(4, 3).astype(np.float32)
    T = rs.randn(4, 3).astype(np.float32)
    L = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
    pred, tgt, onehot = tf.constant(P), tf.constant(T), tf.constant(L)
    sparse = tf.constant([0, 2, 1, 2])
    wts = tf.constant([[1.0], [0.0], [2.0], [0.5]])
    R = tf.losses.Reduction
    out = {
        "mse": tf.losses.mean_squared_error(tgt, pred),
        "mse_w": tf.losses.mean_squared_error(tgt, pred, weights=wts),
        "mse_scalar_w": tf.losses.mean_squared_error(tgt, pred, weights=3.0),
        "mse_none": tf.losses.mean_squared_error(tgt, pred, reduction=R.NONE,
                                                loss_collection=None),
        "mse_sum": tf.losses.mean_squared_error(tgt, pred, weights=wts, reduction=R.SUM),
        "mse_mean": tf.losses.mean_squared_error(tgt, pred, weights=wts, reduction=R.MEAN),
        "mse_sbn": tf.losses.mean_squared_error(tgt, pred, weights=wts,
                                                reduction=R.SUM_BY_NONZERO_WEIGHTS),
        "mse_sobs": tf.losses.mean_squared_error(tgt, pred, weights=wts,
                                                 reduction=R.SUM_OVER_BATCH_SIZE),
        "softmax": tf.losses.softmax_cross_entropy(onehot, pred),
        "softmax_smooth": tf.losses.softmax_cross_entropy(onehot, pred, label_smoothing=0.1),
        "softmax_w": tf.losses.softmax_cross_entropy(onehot, pred, weights=[1., 0., 2., 1.]),
        "sparse": tf.losses.sparse_softmax_cross_entropy(sparse, pred),
        "sparse_w": tf.losses.sparse_softmax_cross_entropy(sparse, pred, weights=wts),
        "sigmoid": tf.losses.sigmoid_cross_entropy(onehot, pred),
        "sigmoid_smooth": tf.losses.sigmoid_cross_entropy(onehot, pred, label_smoothing=0.2),
        "zero_weights": tf.losses.mean_squared_error(tgt, pred, weights=0.0),
        "nn_l2": tf.nn.l2_loss(pred),
        "nn_softmax_v2": tf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot,
                                                                   logits=pred),
        "nn_sparse": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse,
                                                                    logits=pred),
        "nn_sigmoid": tf.nn.sigmoid_cross_entropy_with_logits(labels=onehot, logits=pred),
    }
    r["names"] = {k: v.name for k, v in out.items()}
    r["shapes"] = {k: shape(v) for k, v in out.items()}
    r["losses_collection"] = names(tf.get_collection(tf.GraphKeys.LOSSES))
    r["get_losses"] = names(tf.losses.get_losses())
    # Regularization losses from get_variable, and the totals.
    w = tf.get_variable("w", initializer=tf.constant([[1.0, -2.0], [0.5, 3.0]]),
                        regularizer=lambda t: 0.1 * tf.reduce_sum(tf.abs(t)))
    v = tf.get_variable("v", initializer=tf.constant([2.0]),
                        regularizer=lambda t: tf.reduce_sum(t * t))
    r["reg_collection"] = names(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    reg = tf.losses.get_regularization_loss()
    regs = tf.losses.get_regularization_losses()
    total = tf.losses.get_total_loss()
    total_noreg = tf.losses.get_total_loss(add_regularization_losses=False)
    r["reg_names"] = [reg.name, total.name] + names(regs)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r.update(sess.run(out))
        r["reg"], r["total"], r["total_noreg"] = sess.run([reg, total, total_noreg])
    del w, v
    error(r, "shape_mismatch", lambda: tf.losses.mean_squared_error(tgt, pred[:, :2]))
    error(r, "bad_weights", lambda: tf.losses.mean_squared_error(tgt, pred,
                                                                 weights=[1.0, 2.0]))
    error(r, "sparse_rank", lambda: tf.losses.sparse_softmax_cross_entropy(
        tf.constant([[0, 1, 0]] * 4), pred))
    error(r, "sparse_float_labels", lambda: tf.losses.sparse_softmax_cross_entropy(onehot, pred))
    error(r, "sparse_float_labels_1d", lambda: tf.losses.sparse_softmax_cross_entropy(
        tf.constant([0.0, 1.0, 2.0, 1.0]), pred))
    error(r, "bad_reduction", lambda: tf.losses.mean_squared_error(tgt, pred,
                                                                   reduction="bogus"))
    return r
