"""Array/math op edge cases: where without broadcasting, tensordot axes, strided_slice
masks, negative axes, single-element concat, matmul ranks, random op seeds."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = tf.constant(X)
    a = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    out = {
        "tensordot0": tf.tensordot(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0, 5.0]), 0),
        "tensordot2": tf.tensordot(x, tf.ones([3, 4]), 2),
        "tensordot_neg": tf.tensordot(x, tf.ones([4, 2]), [[-1], [0]]),
        "ss_ellipsis": tf.strided_slice(x, [0, 1], [1, 3], [1, 1], ellipsis_mask=1),
        "ss_newaxis": tf.strided_slice(x, [0, 0, 1], [1, 1, 3], [1, 1, 1], new_axis_mask=2,
                                       shrink_axis_mask=1),
        "ss_neg_stride": tf.strided_slice(x, [-1, -1, -1], [-3, -4, -5], [-1, -2, -3]),
        "sum_neg_axes": tf.reduce_sum(x, [-1, -3], keepdims=True),
        "sum_tensor_axis": tf.reduce_sum(x, tf.constant([0, 2])),
        "sum_empty_axes": tf.reduce_sum(x, []),
        "concat_one": tf.concat([a], 0), "concat_neg": tf.concat([a, a], -1),
        "stack_neg": tf.stack([a, a], axis=-1), "unstack_num": tf.unstack(a, num=3, axis=1)[2],
        "split_neg": tf.split(x, [1, 1, 2], -1)[2], "squeeze_neg": tf.squeeze(
            tf.ones([1, 2, 1]), -1),
        "expand_neg2": tf.expand_dims(a, -2), "transpose_neg": tf.transpose(x, [2, 0, 1]),
        "reverse_slice": a[::-1, ::-2], "one_hot_int": tf.one_hot([1, 0], 3, dtype=tf.int32),
        "gather_neg_axis": tf.gather(x, [1], axis=-1),
        "tile_zero": tf.tile(a, [0, 2]), "pad_zero": tf.pad(a, [[0, 0], [0, 0]]),
        "matmul_adjoint": tf.matmul(a, a, adjoint_b=True),
        "matmul_int64": tf.matmul(tf.constant([[1, 2]], tf.int64), tf.constant([[3], [4]],
                                                                               tf.int64)),
        "where_vector_cond": tf.where(tf.constant([True, False]), a, -a),
        "where_scalar_cond": tf.where(tf.constant(True), a, -a),
        "cumsum_axis0": tf.cumsum(x, 0), "range_dtype": tf.range(0, 5, 2, dtype=tf.float32),
        "range_delta": tf.range(10, 0, -3), "cast_uint8": tf.cast(tf.constant([1.9, 255.0]),
                                                                   tf.uint8),
        "fill_float": tf.fill(tf.constant([2, 1]), 0.5), "zeros_dtype": tf.zeros([2], tf.bool),
        "ones_like_dtype": tf.ones_like(a, dtype=tf.int32),
        "broadcast_to_rank": tf.broadcast_to(tf.constant(3.0), [2, 2]),
        "clip_tensor_bounds": tf.clip_by_value(a, tf.constant([0.0, 1.0, 2.0]), 3.5),
        "size_int64": tf.size(x, out_type=tf.int64), "shape_int64": tf.shape(x, out_type=tf.int64),
        "add_n_one": tf.add_n([a]), "abs_int64": tf.abs(tf.constant([-3], tf.int64)),
    }
    with tf.Session() as sess:
        r.update(sess.run(out))
    r["shapes"] = {k: shape(v) for k, v in out.items()}
    r["dtypes"] = {k: v.dtype.name for k, v in out.items()}
    r["names"] = names([out["concat_one"], out["add_n_one"], out["squeeze_neg"]])
    error(r, "where_bad_shapes", lambda: tf.where(tf.constant([True, False, True]), a, -a))
    error(r, "where_xy_mismatch", lambda: tf.where(tf.constant([[True] * 3] * 2), a,
                                                   tf.ones([3])))
    error(r, "matmul_rank1", lambda: tf.matmul(tf.ones([3]), tf.ones([3])))
    error(r, "pad_negative", lambda: tf.pad(a, [[-1, 0], [0, 0]]))
    error(r, "one_hot_float", lambda: tf.one_hot([1.0, 2.0], 3))
    error(r, "unstack_unknown", lambda: tf.unstack(tf.placeholder(tf.float32, [None, 2])))
    error(r, "split_bad_sizes", lambda: tf.split(a, [1, 1], 1))
    error(r, "concat_no_values", lambda: tf.concat([], 0))
    error(r, "tensordot_bad", lambda: tf.tensordot(x, a, [[0], [1]]))
    # Op seeds: the same (graph seed, op seed) gives the same numbers, twice in one graph.
    tf.set_random_seed(5)
    u1 = tf.random_uniform([4], seed=9)
    u2 = tf.random_uniform([4], seed=9)
    u3 = tf.random_uniform([4])
    u4 = tf.random_uniform([4])
    with tf.Session() as sess:
        v1, v2, v3, v4 = sess.run([u1, u2, u3, u4])
    r["seeds"] = [bool(np.array_equal(v1, v2)), bool(np.array_equal(v3, v4))]
    return r
