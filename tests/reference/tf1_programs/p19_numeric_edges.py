"""Numeric corner cases: NaN/inf propagation, empty tensors, casts, extreme logits."""
from _util import error, shape


def run(tf, tmp):
    r = {}
    nan, inf = float("nan"), float("inf")
    v = tf.constant([nan, inf, -inf, 0.0, -0.0, 1.5, -2.5, 3e38])
    z = tf.zeros([0, 3])
    big = tf.constant([[1000.0, 0.0, -1000.0], [-inf, 0.0, 1.0]])
    out = {
        "sign": tf.sign(v), "abs": tf.abs(v), "sqrt": tf.sqrt(v), "log": tf.log(v),
        "exp": tf.exp(v), "square": tf.square(v), "sigmoid": tf.sigmoid(v),
        "tanh": tf.tanh(v), "relu": tf.nn.relu(v), "floor_div": tf.floordiv(v, 2.0),
        "mod": tf.mod(v, 2.0), "div0": v / 0.0, "neg_div0": -v / 0.0,
        "maximum_nan": tf.maximum(v, 0.0), "minimum_nan": tf.minimum(v, 0.0),
        "clip_nan": tf.clip_by_value(v, -1.0, 1.0), "equal_nan": tf.equal(v, v),
        "reduce_max_nan": tf.reduce_max(v), "argmax_nan": tf.argmax(v),
        "cast_int_trunc": tf.cast(tf.constant([1.7, -1.7, 2.5, -0.5]), tf.int32),
        "cast_bool": tf.cast(tf.constant([0.0, -0.0, 0.1, nan]), tf.bool),
        "cast_bool_float": tf.cast(tf.constant([True, False]), tf.float32),
        "int_neg_floordiv": tf.constant(-7) // tf.constant(2),
        "int_neg_mod": tf.constant(-7) % tf.constant(2),
        "int_mod_neg": tf.constant(7) % tf.constant(-2),
        "int_truediv": tf.constant(7) / tf.constant(2),
        "int_pow": tf.constant(3) ** 4, "int64_sum": tf.reduce_sum(tf.constant([2 ** 40, 1],
                                                                              tf.int64)),
        "empty_sum": tf.reduce_sum(z, 0), "empty_mean": tf.reduce_mean(z, 0),
        "empty_max": tf.reduce_max(z, 0), "empty_min": tf.reduce_min(z, 0),
        "empty_prod": tf.reduce_prod(z, 0), "empty_all": tf.reduce_all(tf.cast(z, tf.bool)),
        "empty_concat": tf.concat([z, tf.ones([1, 3])], 0), "empty_size": tf.size(z),
        "softmax_big": tf.nn.softmax(big), "log_softmax_big": tf.nn.log_softmax(big),
        "xent_big": tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.constant([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), logits=big),
        "sigmoid_xent_big": tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.constant([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]]), logits=big * 0.0 + tf.constant(
                [[100.0, -100.0, 50.0], [-50.0, 20.0, -20.0]])),
        "softplus_big": tf.nn.softplus(tf.constant([-100.0, 0.0, 100.0, 30.0])),
        "l2_normalize_zeros": tf.nn.l2_normalize(tf.zeros([2, 2]), axis=1),
        "where_none": tf.where(tf.constant([[False, False]])),
        "range_empty": tf.range(3, 3), "one_hot_neg": tf.one_hot([-1, 5, 1], 3),
        "float16_add": tf.constant([1.0, 2.0], tf.float16) + tf.constant(0.5, tf.float16),
        "float64_mean": tf.reduce_mean(tf.constant([1.0, 2.0, 4.0], tf.float64)),
        "int_matmul": tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]])),
        "int_cumsum": tf.cumsum(tf.constant([1, 2, 3])),
        "int_abs_min": tf.abs(tf.constant([-2147483648])),
    }
    with tf.Session() as sess:
        r.update(sess.run(out))
    r["dtypes"] = {k: t.dtype.name for k, t in out.items()}
    r["shapes"] = {k: shape(t) for k, t in out.items()}
    error(r, "int_sqrt", lambda: tf.sqrt(tf.constant([4])))
    error(r, "int_log", lambda: tf.log(tf.constant([4])))
    error(r, "bool_add", lambda: tf.constant(True) + tf.constant(False))
    error(r, "float_mod_int", lambda: tf.mod(tf.constant(1.0), tf.constant(2)))
    error(r, "cast_unknown", lambda: tf.cast(tf.constant(1.0), tf.string))
    with tf.Session() as sess:
        error(r, "int_floordiv_zero", lambda: sess.run(tf.constant(7) // tf.constant(0)))
        error(r, "int_mod_zero", lambda: sess.run(tf.constant(7) % tf.constant(0)))
    return r
