"""Math ops: broadcasting, integer/float division rules, reductions, comparisons, dtypes."""
import numpy as np

from _util import error, shape


def run(tf, tmp):
    r = {}
    rs = np.random.RandomState(0)
    A = rs.randn(3, 4).astype(np.float32)
    B = rs.randn(4).astype(np.float32)
    C = rs.randn(3, 1).astype(np.float32)
    a, b, c = tf.constant(A), tf.constant(B), tf.constant(C)
    i = tf.constant([7, -7, 8, -9])
    j = tf.constant([2, 2, -3, 4])
    out = {
        "add": a + b, "sub": a - c, "mul": b * c, "div": a / c, "neg": -a,
        "pow": tf.pow(tf.abs(a), 1.5), "pow_op": tf.abs(b) ** 2,
        "maximum": tf.maximum(a, c), "minimum": tf.minimum(b, 0.0),
        "int_floordiv": i // j, "int_mod": i % j, "float_mod": tf.mod(a * 3.0, 2.0),
        "float_floordiv": tf.floordiv(a * 5.0, c), "truediv_int": tf.truediv(i, j),
        "divide_int": tf.divide(i, j), "int_div_op": i / j,
        "sign": tf.sign(a), "square": tf.square(a), "sqrt": tf.sqrt(tf.abs(a)),
        "rsqrt": tf.rsqrt(tf.abs(a) + 1.0), "exp": tf.exp(a), "log": tf.log(tf.abs(a)),
        "log1p": tf.log1p(tf.abs(a)), "sigmoid": tf.sigmoid(a), "tanh": tf.tanh(a),
        "matmul": tf.matmul(a, tf.transpose(a)),
        "matmul_ta": tf.matmul(a, a, transpose_a=True),
        "matmul_batch": tf.matmul(tf.reshape(tf.range(24.0), [2, 3, 4]),
                                  tf.reshape(tf.range(8.0), [2, 4, 1])),
        "tensordot": tf.tensordot(a, tf.transpose(a), axes=1),
        "tensordot_list": tf.tensordot(a, a, axes=[[0], [0]]),
        "sum_all": tf.reduce_sum(a), "sum_0": tf.reduce_sum(a, 0),
        "sum_keep": tf.reduce_sum(a, axis=1, keepdims=True),
        "sum_neg_axis": tf.reduce_sum(a, axis=-1), "sum_axes": tf.reduce_sum(a, [0, 1]),
        "mean": tf.reduce_mean(a, axis=0), "mean_int": tf.reduce_mean(i),
        "max": tf.reduce_max(a, 1), "min": tf.reduce_min(a), "prod": tf.reduce_prod(c),
        "all": tf.reduce_all(a > -5.0), "any": tf.reduce_any(a > 1.0, axis=0),
        "argmax": tf.argmax(a, 1), "argmin": tf.argmin(a, axis=0),
        "argmax_32": tf.argmax(a, 0, output_type=tf.int32),
        "eq": tf.equal(i, 7), "ne": tf.not_equal(i, j), "lt": a < c, "le": tf.less_equal(b, 0.),
        "gt": tf.greater(a, b), "ge": a >= 0.0,
        "and": tf.logical_and(a > 0., b > 0.), "or": tf.logical_or(a > 1., c > 0.),
        "not": tf.logical_not(a > 0.),
        "where3": tf.where(a > 0., a, tf.zeros_like(a)), "where1": tf.where(a > 0.5),
        "cast_int": tf.cast(a * 10.0, tf.int32), "cast_bool": tf.cast(i, tf.bool),
        "cast_f64": tf.cast(i, tf.float64),
        "cumsum": tf.cumsum(a, axis=1), "cumsum_ex_rev": tf.cumsum(b, exclusive=True,
                                                                    reverse=True),
        "clip": tf.clip_by_value(a, -0.5, 0.5), "add_n": tf.add_n([a, a, a]),
        "range": tf.range(5), "range_f": tf.range(1.0, 2.0, 0.25), "range_neg": tf.range(5, 1, -2),
        "abs_int": tf.abs(i), "negative": tf.negative(i), "sub_fn": tf.subtract(5, i),
        "mult_fn": tf.multiply(i, 3),
    }
    clipped, norm = tf.clip_by_global_norm([a, b], 1.0)
    out["global_norm"] = norm
    out["clip_global_0"] = clipped[0]
    with tf.Session() as sess:
        values = sess.run(out)
    r.update(values)
    r["dtypes"] = {k: v.dtype.name for k, v in out.items()}
    r["shapes"] = {k: shape(v) for k, v in out.items()}
    r["op_types"] = {k: out[k].op.type for k in ["sub", "mul", "div", "int_floordiv", "int_mod",
                                                 "truediv_int", "pow", "neg", "matmul",
                                                 "sum_all", "argmax", "cast_int", "where3"]}
    error(r, "incompatible_broadcast", lambda: a + tf.constant([1.0, 2.0]))
    error(r, "matmul_inner_mismatch", lambda: tf.matmul(a, a))
    error(r, "dtype_mix", lambda: tf.add(a, i))
    error(r, "dtype_mix_op", lambda: i + 1.5)
    error(r, "reduce_bad_axis", lambda: tf.reduce_sum(a, axis=2))
    error(r, "add_n_shapes", lambda: tf.add_n([a, b]))
    x = tf.placeholder(tf.float32, [None, 4])
    r["dynamic_broadcast_shape"] = shape(x + c)
    with tf.Session() as sess:
        error(r, "runtime_broadcast",
              lambda: sess.run(x + c, {x: np.ones((2, 4), np.float32)}))
        error(r, "int_div_zero", lambda: sess.run(i // tf.constant([1, 0, 1, 1])))
    return r
