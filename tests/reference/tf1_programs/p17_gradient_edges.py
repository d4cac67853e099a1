"""Gradients at ties and kinks, and of the less common ops, against TF's conventions."""
import numpy as np


def run(tf, tmp):
    r = {}
    X = np.array([[0.0, 1.0, -1.0, 2.0], [2.0, 2.0, 0.0, -3.0], [0.5, -0.5, 0.0, 0.0]],
                 np.float32)
    x = tf.placeholder(tf.float32, [3, 4], name="x")
    y = tf.constant([[0.0, 1.0, 1.0, -2.0]] * 3)
    fx = {
        "relu_at_0": tf.nn.relu(x), "relu6": tf.nn.relu6(x * 3.0), "abs": tf.abs(x),
        "sign": tf.sign(x), "maximum_tie": tf.maximum(x, y), "minimum_tie": tf.minimum(x, y),
        "reduce_max_tie": tf.reduce_max(x, axis=1), "reduce_min_tie": tf.reduce_min(x),
        "reduce_prod_zero": tf.reduce_prod(x, axis=1),
        "reduce_prod_all": tf.reduce_prod(x + 1.0),
        "clip_edges": tf.clip_by_value(x, 0.0, 1.0), "sqrt_pos": tf.sqrt(x * x + 0.25),
        "pow_x_2": tf.pow(x, 2.0), "pow_2_x": tf.pow(2.0, x), "pow_x_0.5": tf.pow(x * x, 0.5),
        "elu_at_0": tf.nn.elu(x), "selu": tf.nn.selu(x), "leaky_at_0": tf.nn.leaky_relu(x),
        "softplus": tf.nn.softplus(x), "l2_normalize": tf.nn.l2_normalize(x, axis=1),
        "l2_normalize_zero": tf.nn.l2_normalize(x * 0.0, axis=1),
        "argmax_cast": tf.cast(tf.argmax(x, 1), tf.float32),
        "floordiv": tf.floordiv(x, 0.7), "mod": tf.mod(x, 0.7),
        "div_by_x": tf.div_no_nan(1.0, x),
        "squared_difference": tf.squared_difference(x, y),
        "log_softmax": tf.nn.log_softmax(x),
        "softmax_xent": tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.nn.softmax(y),
                                                                   logits=x),
        "sigmoid_xent": tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.sigmoid(y), logits=x),
        "moments": tf.nn.moments(x, axes=[0])[1],
        "batch_norm": tf.nn.batch_normalization(x, tf.reduce_mean(x, 0),
                                                tf.reduce_mean(x * x, 0), 0.5, 2.0, 1e-3),
        "tensordot": tf.tensordot(x, tf.transpose(y), axes=[[1], [0]]),
        "matmul_tb": tf.matmul(x, y, transpose_b=True),
        "batch_matmul": tf.matmul(tf.reshape(x, [3, 2, 2]), tf.reshape(x, [3, 2, 2]),
                                  transpose_a=True),
        "cumsum_ex_rev": tf.cumsum(x, axis=1, exclusive=True, reverse=True),
        "strided": tf.strided_slice(x, [0, 3], [3, 0], [2, -2]),
        "getitem_newaxis": x[tf.newaxis, 1:, ..., ::-1],
        "gather_axis1": tf.gather(x, [3, 3, 0], axis=1),
        "tile": tf.tile(x, [2, 1]), "pad_reflect": tf.pad(x, [[1, 1], [2, 2]], "REFLECT"),
        "pad_symmetric": tf.pad(x, [[1, 1], [2, 2]], "SYMMETRIC"),
        "broadcast_to": tf.broadcast_to(x[:1], [3, 4]),
        "stack_unstack": tf.stack(tf.unstack(x, axis=1)[::-1], axis=0),
        "split": tf.concat(tf.split(x, [1, 3], axis=1)[::-1], 1),
        "one_hot_mul": tf.one_hot([1, 0, 3], 4) * x,
        "where_select": tf.where(x > 0.0, x * x, -x),
        "where_vector": tf.where(tf.constant([True, False, True]), x, x * 3.0),
        "expand_squeeze": tf.squeeze(tf.expand_dims(x, 1) * 2.0),
        "add_n": tf.add_n([x, x * x, tf.ones_like(x)]),
        "cast_f64": tf.cast(x, tf.float64) * 2.0, "clip_global": tf.clip_by_global_norm(
            [x * 3.0], 2.0)[0][0],
        "sigmoid": tf.sigmoid(x), "tanh": tf.tanh(x), "exp_log": tf.log(tf.exp(x) + 1.0),
        "log1p": tf.log1p(x * x), "rsqrt": tf.rsqrt(x * x + 1.0), "square": tf.square(x),
        "reduce_mean_keep": tf.reduce_mean(x, axis=[0, 1], keepdims=True),
        "bias_add": tf.nn.bias_add(x, tf.constant([1.0, 2.0, 3.0, 4.0])),
        "crelu": tf.nn.crelu(x), "softsign": tf.nn.softsign(x), "swish": tf.nn.swish(x),
    }
    R = np.random.RandomState(7)
    grads = {}
    for k, v in fx.items():
        w = tf.constant(np.asarray(R.randn(*v.shape.as_list()), v.dtype.as_numpy_dtype))
        grads[k] = tf.gradients(tf.reduce_sum(v * w), x)[0]
    r["none"] = sorted(k for k, g in grads.items() if g is None)
    grads = {k: g for k, g in grads.items() if g is not None}
    # Second derivatives of a few.
    (g1,) = tf.gradients(tf.reduce_sum(tf.tanh(x) * tf.nn.softplus(x)), x)
    (g2,) = tf.gradients(tf.reduce_sum(g1 * g1), x)
    (h1,) = tf.gradients(tf.reduce_sum(tf.nn.log_softmax(x) * y), x)
    (h2,) = tf.gradients(tf.reduce_sum(h1 * h1 * h1), x)
    with tf.Session() as sess:
        r["forward"] = sess.run(fx, {x: X})
        r["grads"] = sess.run(grads, {x: X})
        r["second"] = sess.run([g2, h2], {x: X})
    return r
