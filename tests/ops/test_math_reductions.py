"""Reductions, argmax/argmin, cumsum/cumprod, count_nonzero: values, shapes, gradients, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def _np_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = [axis] if np.ndim(axis) == 0 else list(axis)
    return tuple(a % ndim for a in axis)


def _loop_reduce(fn, v, axis, keepdims):
    """A naive reference: apply `fn` to every 1-D run of the moved-to-the-end axes."""
    axes = _np_axes(axis, v.ndim)
    rest = [i for i in range(v.ndim) if i not in axes]
    moved = np.transpose(v, rest + list(axes))
    flat = moved.reshape([v.shape[i] for i in rest] + [-1])
    out = np.empty(flat.shape[:-1], dtype=np.float64)
    for idx in np.ndindex(*flat.shape[:-1]):
        out[idx] = fn(list(flat[idx]))
    if keepdims:
        out = out.reshape([1 if i in axes else d for i, d in enumerate(v.shape)])
    return out


def _prod(xs):
    p = 1.0
    for x in xs:
        p *= x
    return p


REDUCTIONS = [
    (mg.reduce_sum, sum, "Sum"),
    (mg.reduce_mean, lambda xs: sum(xs) / len(xs), "Mean"),
    (mg.reduce_max, max, "Max"),
    (mg.reduce_min, min, "Min"),
    (mg.reduce_prod, _prod, "Prod"),
]
AXES = [None, 0, 1, -1, [0, 2], [2, 0, 1], [-2]]


@pytest.mark.parametrize("fn,ref,op_type", REDUCTIONS)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_forward(fn, ref, op_type, axis, keepdims):
    v = rng().uniform(0.5, 1.5, (2, 3, 4)).astype(np.float32)
    t = fn(mg.constant(v), axis=axis, keepdims=keepdims)
    assert t.op.type == op_type and t.op.name == op_type
    expect = _loop_reduce(ref, v.astype(np.float64), axis, keepdims)
    assert t.shape.as_list() == list(expect.shape)
    out = evaluate(t)
    assert isinstance(out, (np.ndarray, np.generic)) and out.dtype == np.float32
    np.testing.assert_allclose(out, expect, rtol=1e-5)


@pytest.mark.parametrize("fn,ref,op_type", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 1, [0, 2], -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradient(fn, ref, op_type, axis, keepdims):
    v = rng(1).uniform(0.5, 1.5, (2, 3, 4))
    assert gradient_error(lambda x: fn(x, axis, keepdims=keepdims), v) < 1e-6


@pytest.mark.parametrize("fn,ref,op_type", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 1, [0, 2]])
def test_reduction_gradient_unknown_shape(fn, ref, op_type, axis):
    v = rng(2).uniform(0.5, 1.5, (2, 3, 4))
    static = fn(mg.constant(v), axis).shape.as_list()

    def build(x):
        unknown = mg.placeholder_with_default(x, [None, None, None])
        y = fn(unknown, axis)
        assert y.shape.is_fully_defined() is (axis is None)
        return mg.reshape(y, static)
    assert gradient_error(build, v) < 1e-6

    def build_unknown_rank(x):
        return mg.reshape(fn(mg.placeholder_with_default(x, None), axis), static)
    assert gradient_error(build_unknown_rank, v) < 1e-6


def test_reduction_gradient_with_run_time_axes():
    v = rng(3).uniform(0.5, 1.5, (2, 3, 4))
    x = mg.placeholder(mg.float64, [2, 3, 4])
    axes = mg.placeholder(mg.int32, [None])
    for fn in (mg.reduce_sum, mg.reduce_mean, mg.reduce_max, mg.reduce_prod):
        dyn = mg.gradients(mg.reduce_sum(fn(x, axes)), x)[0]
        ref = mg.gradients(mg.reduce_sum(fn(x, [2, 0])), x)[0]
        got, want = evaluate([dyn, ref], {x: v, axes: [2, 0]})
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reduce_prod_gradient_with_zeros():
    v = rng(4).uniform(0.5, 1.5, (3, 4))
    v[1, 2] = 0.0
    v[2, 0] = v[2, 3] = 0.0
    for axis in (None, 0, 1, [0, 1]):
        assert gradient_error(lambda x: mg.reduce_prod(x, axis), v) < 1e-6


def test_reduce_max_ties_share_the_gradient():
    x = mg.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], mg.float64)
    g = evaluate(mg.gradients(mg.reduce_max(x, 1), x)[0])
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=4), data=st.data())
def test_reduce_sum_random_axes(shape, data):
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda a:
                              a % len(shape), max_size=len(shape)))
    keep = data.draw(st.booleans())
    v = rng().randn(*shape)
    with mg.Graph().as_default():
        t = mg.reduce_sum(mg.constant(v), axes, keepdims=keep)
        expect = np.sum(v, axis=tuple(axes), keepdims=keep)
        assert t.shape.as_list() == list(expect.shape)
        np.testing.assert_allclose(evaluate(t), expect)


def test_integer_reductions_keep_int32():
    i = mg.constant([[-7, 2, 4], [7, 0, 1]])
    s, m, mx, p = evaluate([mg.reduce_sum(i, 1), mg.reduce_mean(i, 1), mg.reduce_max(i),
                            mg.reduce_prod(i, 0)])
    for v in (s, m, mx, p):
        assert v.dtype == np.int32
    np.testing.assert_array_equal(s, [-1, 8])
    np.testing.assert_array_equal(m, [0, 2])
    assert mx == 7
    np.testing.assert_array_equal(p, [-49, 0, 4])
    # An integer mean truncates toward zero, as TF1 does (not floor).
    np.testing.assert_array_equal(evaluate(mg.reduce_mean(mg.constant([[-7, 2], [7, 0]]), 1)),
                                  [-2, 3])


def test_empty_reductions():
    e = mg.zeros([0, 3])
    s, mx, mn, m = evaluate([mg.reduce_sum(e, 0), mg.reduce_max(e, 0), mg.reduce_min(e, 0),
                             mg.reduce_mean(e, 0)])
    np.testing.assert_array_equal(s, [0, 0, 0])
    assert np.all(mx == -np.inf) and np.all(mn == np.inf) and np.all(np.isnan(m))
    assert np.all(evaluate(mg.reduce_max(mg.zeros([0], mg.int32))) == np.iinfo(np.int32).min)


def test_axis_none_names_and_scalar_result():
    x = mg.placeholder(mg.float32, [2, 3], name="x")
    s = mg.reduce_sum(x)
    assert s.name == "Sum:0" and s.op.inputs[1].name == "Const:0"
    s2 = mg.reduce_sum(x, 1, name="foo")
    assert s2.op.inputs[1].name == "foo/reduction_indices:0"
    u = mg.placeholder(mg.float32, None, name="u")
    s3 = mg.reduce_sum(u)
    assert s3.shape.as_list() == [] and s3.op.inputs[1].op.type == "Range"
    np.testing.assert_allclose(evaluate(s3, {u: np.ones((2, 5))}), 10.0)
    k = mg.reduce_max(u, keepdims=True)
    assert k.shape.ndims is None
    assert evaluate(k, {u: np.arange(6.0).reshape(2, 3)}).shape == (1, 1)


def test_partial_shapes():
    x = mg.placeholder(mg.float32, [None, 3, 4])
    assert mg.reduce_sum(x, 1).shape.as_list() == [None, 4]
    assert mg.reduce_mean(x, [0, 2], keepdims=True).shape.as_list() == [1, 3, 1]
    axes = mg.placeholder(mg.int32, [None])
    assert mg.reduce_sum(x, axes).shape.ndims is None
    assert mg.reduce_sum(x, axes, keepdims=True).shape.as_list() == [None, None, None]


def test_deprecated_aliases():
    v = rng().randn(2, 3).astype(np.float32)
    x = mg.constant(v)
    t = mg.reduce_sum(x, reduction_indices=[1], keep_dims=True)
    assert t.shape.as_list() == [2, 1]
    np.testing.assert_allclose(evaluate(t), v.sum(1, keepdims=True), rtol=1e-6)
    with pytest.raises(ValueError, match="Cannot specify both 'axis' and 'reduction_indices'"):
        mg.reduce_sum(x, axis=0, reduction_indices=0)
    with pytest.raises(ValueError, match="Cannot specify both 'keepdims' and 'keep_dims'"):
        mg.reduce_mean(x, keepdims=True, keep_dims=True)


def test_bad_axis_is_value_error_naming_op():
    x = mg.placeholder(mg.float32, [2, 3])
    with pytest.raises(ValueError, match=r"Invalid reduction dimension 2 .*'Sum'.*\[2,3\]"):
        mg.reduce_sum(x, 2)
    with pytest.raises(ValueError, match=r"Invalid reduction dimension -3"):
        mg.reduce_max(x, [0, -3], name="m")
    with pytest.raises(TypeError):
        mg.reduce_sum(x, 0.5)


def test_run_time_axis_errors_are_invalid_argument():
    x = mg.placeholder(mg.float32, [2, 3])
    axes = mg.placeholder(mg.int32, [None])
    s = mg.reduce_sum(x, axes)
    with pytest.raises(mg.errors.InvalidArgumentError, match="duplicate"):
        evaluate(s, {x: np.ones((2, 3)), axes: [1, -1]})
    with pytest.raises(mg.errors.InvalidArgumentError, match="Invalid reduction dimension"):
        evaluate(s, {x: np.ones((2, 3)), axes: [5]})


def test_bool_reductions():
    b = mg.constant([[True, False, True], [True, True, True]])
    a, o = mg.reduce_all(b, 1), mg.reduce_any(b, 0, keepdims=True)
    assert (a.op.type, o.op.type) == ("All", "Any")
    out_a, out_o = evaluate([a, o])
    np.testing.assert_array_equal(out_a, [False, True])
    np.testing.assert_array_equal(out_o, [[True, True, True]])
    with pytest.raises(TypeError, match="bool"):
        mg.reduce_all(mg.constant([1.0]))
    with pytest.raises(TypeError, match="bool"):
        mg.reduce_sum(b)


# -- argmax / argmin ----------------------------------------------------------------------------
def test_argmax_argmin():
    v = rng().randn(3, 4).astype(np.float32)
    x = mg.constant(v)
    a0, a1, m1 = mg.argmax(x), mg.argmax(x, 1), mg.argmin(x, -1, output_type=mg.int32)
    assert a0.op.type == "ArgMax" and a0.op.inputs[1].name == "ArgMax/dimension:0"
    assert (a0.dtype, m1.dtype) == (mg.int64, mg.int32)
    assert a0.shape.as_list() == [4] and a1.shape.as_list() == [3]
    o0, o1, om = evaluate([a0, a1, m1])
    np.testing.assert_array_equal(o0, [max(range(3), key=lambda i: v[i, j]) for j in range(4)])
    np.testing.assert_array_equal(o1, [max(range(4), key=lambda j: v[i, j]) for i in range(3)])
    np.testing.assert_array_equal(om, [min(range(4), key=lambda j: v[i, j]) for i in range(3)])
    assert om.dtype == np.int32
    np.testing.assert_array_equal(evaluate(mg.argmax(x, dimension=1)), o1)


def test_argmax_ties_pick_first_and_errors():
    assert evaluate(mg.argmax(mg.constant([1, 5, 5]))) == 1
    x = mg.placeholder(mg.float32, [2, 3])
    with pytest.raises(ValueError, match=r"'ArgMax'.*\[2,3\]"):
        mg.argmax(x, 2)
    with pytest.raises(ValueError, match="Cannot specify both"):
        mg.argmax(x, 1, dimension=1)
    with pytest.raises(TypeError):
        mg.argmax(x, output_type=mg.float32)
    with pytest.raises(mg.errors.InvalidArgumentError, match="empty"):
        evaluate(mg.argmax(mg.zeros([0, 3]), 0))


def test_argmax_argmin_skip_nan_like_tf():
    # Expected indices from TF 2.21 tf.compat.v1.argmax/argmin (CPU kernels skip NaN).
    nan, inf = np.nan, np.inf
    cases = [([nan, 1, nan], 1, 1), ([nan, nan], 0, 0), ([1, nan, 3], 2, 0),
             ([-inf, nan], 0, 0), ([nan, -inf], 0, 1), ([3, nan, 1], 0, 2)]
    x = mg.placeholder(mg.float32, [None])
    amax, amin = mg.argmax(x, 0), mg.argmin(x, 0)
    with mg.Session() as sess:
        for values, want_max, want_min in cases:
            got = sess.run([amax, amin], {x: np.array(values, np.float32)})
            assert got == [want_max, want_min], values
    m = np.array([[nan, 1], [2, nan]], np.float32)
    assert evaluate([mg.argmax(m, 0), mg.argmax(m, 1)])[0].tolist() == [1, 0]


def test_argmax_is_not_differentiable():
    x = mg.placeholder(mg.float32, [3])
    y = mg.cast(mg.argmax(x), mg.float32) * mg.reduce_sum(x)
    g = evaluate(mg.gradients(y, x)[0], {x: [1.0, 3.0, 2.0]})
    np.testing.assert_allclose(g, [1, 1, 1])


# -- cumsum / cumprod ---------------------------------------------------------------------------
def _naive_cum(v, axis, exclusive, reverse, op, ident):
    v = np.moveaxis(v, axis, -1)
    out = np.empty_like(v)
    n = v.shape[-1]
    for idx in np.ndindex(*v.shape[:-1]):
        for k in range(n):
            run = range(k + 1, n) if reverse else range(0, k)
            if not exclusive:
                run = list(run) + [k]
            acc = ident
            for j in run:
                acc = op(acc, v[idx + (j,)])
            out[idx + (k,)] = acc
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum_cumprod_forward(exclusive, reverse, axis):
    v = rng().uniform(0.5, 1.5, (3, 4)).astype(np.float32)
    cs = mg.cumsum(mg.constant(v), axis, exclusive=exclusive, reverse=reverse)
    cp = mg.cumprod(mg.constant(v), axis, exclusive=exclusive, reverse=reverse)
    assert (cs.op.type, cp.op.type) == ("Cumsum", "Cumprod")
    assert cs.op.inputs[1].name == "Cumsum/axis:0" and cs.shape.as_list() == [3, 4]
    out_s, out_p = evaluate([cs, cp])
    assert out_s.dtype == np.float32 and out_p.dtype == np.float32
    np.testing.assert_allclose(out_s, _naive_cum(v, axis, exclusive, reverse,
                                                 lambda a, b: a + b, 0.0), rtol=1e-5)
    np.testing.assert_allclose(out_p, _naive_cum(v, axis, exclusive, reverse,
                                                 lambda a, b: a * b, 1.0), rtol=1e-5)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_cumprod_gradient(exclusive, reverse):
    v = rng(1).uniform(0.5, 1.5, (2, 4))
    for fn in (mg.cumsum, mg.cumprod):
        assert gradient_error(lambda x: fn(x, 1, exclusive=exclusive, reverse=reverse), v) < 1e-6


def test_cumsum_int_and_errors():
    out = evaluate(mg.cumsum(mg.constant([1, 2, 3])))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [1, 3, 6])
    with pytest.raises(ValueError, match=r"'Cumsum'.*\[2,3\]"):
        mg.cumsum(mg.placeholder(mg.float32, [2, 3]), 2)
    with pytest.raises(ValueError, match="rank 0"):
        mg.cumsum(mg.placeholder(mg.float32, [2, 3]), [0])


def test_count_nonzero():
    v = np.array([[0.0, 1e-9, 2.0], [0.0, 0.0, -1.0]], np.float32)
    c = mg.count_nonzero(mg.constant(v))
    assert c.dtype == mg.int64 and c.op.name == "count_nonzero/Sum"
    assert evaluate(c) == 3
    c1 = mg.count_nonzero(mg.constant(v) > 0, 1, dtype=mg.int32, keepdims=True)
    assert c1.dtype == mg.int32 and c1.shape.as_list() == [2, 1]
    np.testing.assert_array_equal(evaluate(c1), [[2], [0]])


def test_float16_mean_accumulates_in_float32():
    v = np.full(4096, 1.0, np.float16)
    out = evaluate(mg.reduce_mean(mg.constant(v)))
    assert out.dtype == np.float16 and out == 1.0
