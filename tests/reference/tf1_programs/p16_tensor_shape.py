"""TensorShape / Dimension: merging, compatibility, indexing, arithmetic, errors."""
from _util import error


def _s(shape):
    return None if shape.ndims is None else shape.as_list()


def run(tf, tmp):
    r = {}
    TS, D = tf.TensorShape, tf.Dimension
    a = TS([None, 3, 4])
    b = TS([2, None, 4])
    u = TS(None)
    r["merge"] = _s(a.merge_with(b))
    r["merge_unknown"] = [_s(u.merge_with(a)), _s(a.merge_with(u))]
    r["compatible"] = [a.is_compatible_with(b), a.is_compatible_with(TS([2, 3, 5])),
                       u.is_compatible_with(a), a.is_compatible_with([None, 3, None]),
                       a.is_compatible_with(TS([None, 3]))]
    r["fully_defined"] = [a.is_fully_defined(), TS([1, 2]).is_fully_defined(),
                          u.is_fully_defined(), TS([]).is_fully_defined()]
    r["ndims"] = [a.ndims, u.ndims, TS([]).ndims, a.rank, u.rank]
    r["concat"] = [_s(a.concatenate([5])), _s(a.concatenate(u)), _s(TS([]).concatenate(a))]
    r["with_rank"] = [_s(u.with_rank(2)), _s(a.with_rank(3))]
    r["index"] = [a[1].value, a[0].value, _s(a[1:]), _s(a[:-1]), _s(a[::2])]
    r["unknown_slice"] = _s(u[1:])
    r["dims"] = [d.value for d in a.dims]
    r["num_elements"] = [TS([2, 3]).num_elements(), a.num_elements()]
    r["eq"] = [TS([1, 2]) == TS([1, 2]), TS([1, 2]) == TS([1, 3]),
               TS([1, 2]) != TS([1, 3]), TS([1, 2]) == [1, 2]]
    r["str"] = [str(a), str(u), str(TS([])), repr(TS([1, None]))]
    r["dim_arith"] = [(D(3) + 2).value, (D(None) + 2).value, (D(6) // D(4)).value,
                      (D(3) * D(None)).value, (D(7) - 2).value, (D(8) % 3).value]
    r["dim_cmp"] = [D(3) == 3, D(3) == D(4), D(None) == 3, D(2) < D(3), D(None) < 3]
    r["dim_merge"] = [D(None).merge_with(3).value, D(3).merge_with(None).value]
    r["dim_compat"] = [D(3).is_compatible_with(D(None)), D(3).is_compatible_with(4)]
    r["as_shape_from_list"] = [_s(TS([D(2), None, 3])), _s(TS(()))]
    error(r, "merge_incompatible", lambda: a.merge_with(TS([2, 3, 5])))
    error(r, "merge_rank", lambda: a.merge_with(TS([1, 2])))
    error(r, "with_rank_bad", lambda: a.with_rank(2))
    error(r, "as_list_unknown", lambda: u.as_list())
    error(r, "dim_merge_bad", lambda: D(3).merge_with(4))
    error(r, "negative_dim", lambda: D(-1))
    error(r, "bad_dim_type", lambda: D("x"))
    error(r, "index_out_of_range", lambda: a[5])
    # Tensor.set_shape / get_shape.
    p = tf.placeholder(tf.float32, [None, None])
    p.set_shape([4, None])
    r["set_shape"] = _s(p.get_shape())
    error(r, "set_shape_bad", lambda: p.set_shape([3, 2]))
    r["tensor_shape_index"] = [p.shape[0].value, p.shape[1].value, p.get_shape().ndims]
    return r
