"""tf.nn activations, softmax family, normalization, bias_add, dropout; and their gradients."""
import numpy as np

from _util import error, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(3)
    X = (rs.randn(2, 3, 4) * 3).astype(np.float32)
    X[0, 0, :2] = [0.0, 6.0]  # kinks of relu / relu6
    x = tf.constant(X)
    bias = tf.constant([0.5, -1.0, 2.0, 0.0])
    bias3 = tf.constant([1.0, 2.0, 3.0])
    nn = tf.nn
    out = {
        "relu": nn.relu(x), "relu6": nn.relu6(x), "elu": nn.elu(x), "selu": nn.selu(x),
        "softplus": nn.softplus(x), "softsign": nn.softsign(x), "sigmoid": nn.sigmoid(x),
        "tanh": nn.tanh(x), "leaky": nn.leaky_relu(x), "leaky_a": nn.leaky_relu(x, alpha=0.3),
        "crelu": nn.crelu(x), "swish": nn.swish(x),
        "softmax": nn.softmax(x), "softmax_axis": nn.softmax(x, axis=1),
        "log_softmax": nn.log_softmax(x), "log_softmax_axis": nn.log_softmax(x, axis=0),
        "bias_add": nn.bias_add(x, bias),
        "bias_add_nchw": nn.bias_add(tf.transpose(x, [0, 2, 1]), tf.constant([1.0, 2.0, 3.0,
                                                                              4.0]),
                                     data_format="NCHW"),
        "l2_normalize": nn.l2_normalize(x, axis=1),
        "l2_normalize_all": nn.l2_normalize(x, axis=[1, 2], epsilon=1e-3),
        "l2_loss": nn.l2_loss(x),
        "dropout_keep1": nn.dropout(x, keep_prob=1.0), "dropout_rate0": nn.dropout(x, rate=0.0),
    }
    mean, var = nn.moments(x, axes=[0, 1])
    mean_k, var_k = nn.moments(x, axes=[1], keep_dims=True)
    out["moments_mean"], out["moments_var"] = mean, var
    out["moments_keep_mean"], out["moments_keep_var"] = mean_k, var_k
    out["batch_norm"] = nn.batch_normalization(x, mean, var, offset=bias, scale=2.0,
                                               variance_epsilon=1e-3)
    out["batch_norm_none"] = nn.batch_normalization(x, mean, var, None, None, 1e-3)
    # Dropout keeps the shape and scales kept values by 1/keep_prob.
    d = nn.dropout(tf.ones([1000]), keep_prob=0.25, seed=1)
    r["dropout_shape"] = shape(d)
    grads = {k: tf.gradients(tf.reduce_sum(v * tf.tanh(v)), x)[0] for k, v in out.items()
             if k not in ("moments_keep_mean", "moments_keep_var")}
    grads["bias_add_b"] = tf.gradients(tf.reduce_sum(out["bias_add"] ** 2), bias)[0]
    with tf.Session() as sess:
        r.update(sess.run(out))
        r["grads"] = sess.run(grads)
        dv = sess.run(d)
        r["dropout_values"] = sorted(set(np.round(dv, 4).tolist()))
    r["shapes"] = {k: shape(v) for k, v in out.items()}
    r["op_types"] = {k: out[k].op.type for k in ["relu", "relu6", "elu", "selu", "softplus",
                                                 "softsign", "softmax", "log_softmax",
                                                 "bias_add", "l2_loss"]}
    error(r, "bias_add_bad", lambda: nn.bias_add(x, bias3))
    error(r, "dropout_bad_keep", lambda: nn.dropout(x, keep_prob=1.5))
    error(r, "softmax_int", lambda: nn.softmax(tf.constant([1, 2])))
    error(r, "xent_shapes", lambda: nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.ones([2, 3]), logits=tf.ones([2, 4])))
    return r
