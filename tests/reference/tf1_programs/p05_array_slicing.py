"""Array ops and slicing: reshape/transpose/concat/stack/split/pad/tile/gather/one_hot/..."""
import numpy as np

from _util import error, names, shape


def run(tf, tmp):
    r = {}
    X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = tf.constant(X, name="x")
    p = tf.placeholder(tf.float32, [None, 3, 4], name="p")
    out = {
        "reshape": tf.reshape(x, [4, -1]), "reshape_p": tf.reshape(p, [-1, 12]),
        "transpose": tf.transpose(x), "transpose_perm": tf.transpose(x, [1, 0, 2]),
        "concat": tf.concat([x, x], 1), "concat_neg": tf.concat([x, x], axis=-1),
        "stack": tf.stack([x[0], x[1]], axis=1),
        "squeeze": tf.squeeze(tf.reshape(x, [2, 1, 12, 1])),
        "squeeze_axis": tf.squeeze(tf.reshape(x, [2, 1, 12, 1]), axis=[1]),
        "expand": tf.expand_dims(x, 1), "expand_neg": tf.expand_dims(x, -1),
        "shape": tf.shape(x), "size": tf.size(x), "rank": tf.rank(x),
        "pad": tf.pad(x[0], [[1, 0], [0, 2]]),
        "pad_reflect": tf.pad(x[0], [[1, 1], [2, 1]], mode="REFLECT"),
        "pad_symmetric": tf.pad(x[0], [[1, 1], [2, 1]], mode="SYMMETRIC"),
        "pad_const": tf.pad(x[0], [[1, 1], [0, 0]], constant_values=-1.0),
        "tile": tf.tile(x[0], [2, 1]), "slice": tf.slice(x, [0, 1, 1], [2, 2, -1]),
        "strided": tf.strided_slice(x, [0, 0, 3], [2, 3, 0], [1, 2, -1]),
        "strided_masks": tf.strided_slice(x, [1, 0, 0], [2, 0, 0], [1, 1, 1],
                                          begin_mask=6, end_mask=6, shrink_axis_mask=1),
        "getitem_int": x[1], "getitem_neg": x[-1, -1], "getitem_slice": x[:, 1:, ::2],
        "getitem_rev": x[::-1, :, -2:], "getitem_ellipsis": x[..., 1],
        "getitem_newaxis": x[:, tf.newaxis, 0], "getitem_mixed": x[1, ..., tf.newaxis, 1:3],
        "getitem_tensor_idx": x[tf.constant(1)],
        "gather": tf.gather(x, [1, 0, 1]), "gather_axis": tf.gather(x, [3, 0], axis=2),
        "gather_2d_idx": tf.gather(x[0], [[0, 1], [2, 2]]),
        "one_hot": tf.one_hot([0, 2, -1, 1], 3), "one_hot_opts": tf.one_hot(
            [[1], [0]], 2, on_value=5.0, off_value=-1.0, axis=0),
        "broadcast_to": tf.broadcast_to(tf.constant([1, 2, 3]), [2, 3]),
        "fill": tf.fill([2, 2], 7), "zeros": tf.zeros([2, 3], tf.int32), "ones": tf.ones([3]),
        "zeros_like": tf.zeros_like(x[0]), "ones_like": tf.ones_like(tf.constant([1, 2])),
        "identity": tf.identity(x[0, 0]),
    }
    parts = tf.split(x, 2, axis=2)
    parts_sizes = tf.split(x, [1, -1], 1)
    un = tf.unstack(x, axis=1)
    out["split"] = parts
    out["split_sizes"] = parts_sizes
    out["unstack"] = un
    r["split_names"] = names(parts) + names(parts_sizes) + names(un)
    with tf.Session() as sess:
        r.update(sess.run(out, {p: np.ones((2, 3, 4), np.float32)}))
    r["shapes"] = {k: (shape(v) if not isinstance(v, list) else [shape(t) for t in v])
                   for k, v in out.items()}
    r["dtypes"] = {k: v.dtype.name for k, v in out.items() if not isinstance(v, list)}
    r["static_partial"] = [shape(p[:, 1]), shape(tf.reshape(p, [-1, 12])),
                           shape(tf.concat([p, p], 0)), shape(tf.stack([p, p])),
                           shape(tf.tile(p, [2, 1, 1])), shape(tf.gather(p, [0, 1], axis=1)),
                           shape(tf.expand_dims(p, 0)), shape(p[..., 0])]
    error(r, "reshape_bad", lambda: tf.reshape(x, [5, -1]))
    error(r, "concat_mismatch", lambda: tf.concat([x, x[0]], 0))
    error(r, "stack_mismatch", lambda: tf.stack([x, x[0]]))
    error(r, "split_uneven", lambda: tf.split(x, 3, axis=2))
    error(r, "squeeze_non1", lambda: tf.squeeze(x, axis=[0]))
    error(r, "index_out_of_range", lambda: x[5])
    error(r, "transpose_bad_perm", lambda: tf.transpose(x, [0, 1]))
    error(r, "tile_bad_len", lambda: tf.tile(x, [1, 2]))
    with tf.Session() as sess:
        error(r, "gather_out_of_range", lambda: sess.run(tf.gather(x, [0, 5])))
        error(r, "reshape_runtime", lambda: sess.run(tf.reshape(p, [5, -1]),
                                                     {p: np.ones((2, 3, 4))}))
    return r
