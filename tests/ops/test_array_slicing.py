"""slice, strided_slice and Tensor.__getitem__ (hypothesis vs NumPy indexing), gather and
unsorted_segment_sum: forward, gradients, static shapes with unknown dims, names, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigraph as mg
from minigraph.framework.registry import static_value
from tests.util import evaluate, gradient_error, rng


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


def _weights(shape, seed=7):
    return mg.constant(rng(seed).randn(*shape))


# -- slice ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("begin,size", [([0, 0], [2, 3]), ([1, 1], [1, 2]), ([0, 1], [-1, 2]),
                                        ([1, 0], [-1, -1]), ([2, 3], [0, 0])])
def test_slice(begin, size):
    v = rng().randn(2, 3)
    y = mg.slice(mg.constant(v), begin, size)
    ref = v[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]
    assert y.name == "Slice:0" and y.shape.as_list() == list(ref.shape)
    assert [t.name for t in y.op.inputs[1:]] == ["Slice/begin:0", "Slice/size:0"]
    np.testing.assert_array_equal(evaluate(y), ref)


def test_slice_unknown_dims_and_errors():
    assert mg.slice(_ph([None, 3]), [1, 1], [-1, 1]).shape.as_list() == [None, 1]
    assert mg.slice(_ph([None, 3]), [1, 1], [2, -1]).shape.as_list() == [2, 2]
    b = _ph([2], mg.int32)
    assert mg.slice(_ph([4, 3]), b, [2, -1]).shape.as_list() == [2, None]
    with pytest.raises(ValueError, match=r"Negative dimension size caused by subtracting 4 from "
                                          r"3 for 'Slice"):
        mg.slice(_ph([2, 3]), [0, 4], [-1, -1])
    with pytest.raises(ValueError, match=r"Expected size\[1\] in \[0, 1\], but got 2"):
        mg.slice(_ph([2, 3]), [0, 2], [-1, 2])
    with pytest.raises(ValueError, match="rank 2"):
        mg.slice(_ph([2, 3]), [0], [1])
    x = _ph([None])
    with pytest.raises(mg.errors.InvalidArgumentError, match="Slice"):
        evaluate(mg.slice(x, [1], [3]), {x: np.zeros(2)})


def test_slice_gradients():
    assert gradient_error(lambda x: mg.slice(x, [1, 0, 1], [2, -1, 2]) * _weights([2, 3, 2]),
                          rng().randn(3, 3, 4)) < 1e-8
    x, b = _ph([None, 3]), _ph([2], mg.int32)
    g, = mg.gradients(mg.slice(x, b, [1, 2]), [x])
    got = evaluate(g, {x: np.zeros((3, 3)), b: [1, 1]})
    np.testing.assert_array_equal(got, [[0, 0, 0], [0, 1, 1], [0, 0, 0]])


# -- __getitem__ / strided_slice against NumPy -----------------------------------------------------
@st.composite
def _index_case(draw):
    """A shape and a NumPy basic index for it: items for leading dims, maybe `...` and items
    for trailing dims, and maybe a stray `None`."""
    shape = draw(st.lists(st.integers(0, 4), min_size=0, max_size=4))

    def items_for(dims):
        out = []
        for d in dims:
            kind = draw(st.sampled_from(["int", "slice", "slice", "none"] if d else
                                        ["slice", "none"]))
            if kind == "int":
                out.append(draw(st.integers(-d, d - 1)))
            elif kind == "slice":
                bound = st.one_of(st.none(), st.integers(-d - 2, d + 2))
                step = draw(st.sampled_from([None, 1, 2, 3, -1, -2]))
                out.append(slice(draw(bound), draw(bound), step))
            else:
                out += [None, slice(None)]  # a new axis, then this dimension whole
        return out

    lead = draw(st.integers(0, len(shape)))
    items = items_for(shape[:lead])
    if draw(st.booleans()):
        trail = draw(st.integers(0, len(shape) - lead))
        items += [Ellipsis] + items_for(shape[len(shape) - trail:])
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    return shape, tuple(items)


@settings(max_examples=60, deadline=None)
@given(_index_case())
def test_getitem_matches_numpy(case):
    shape, index = case
    mg.reset_default_graph()
    v = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    ref = v[index]
    y = mg.constant(v)[index]
    assert y.op.type == "StridedSlice"
    assert y.shape.as_list() == list(ref.shape)
    got = evaluate(y)
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)
    # The same index on a fed tensor whose static shape is unknown.
    x = _ph([None] * len(shape), mg.float32)
    yx = x[index]
    assert yx.shape.is_compatible_with(ref.shape)
    np.testing.assert_array_equal(evaluate(yx, {x: v}), ref)


@settings(max_examples=25, deadline=None)
@given(_index_case())
def test_getitem_gradient_scatters_into_zeros(case):
    shape, index = case
    mg.reset_default_graph()
    x = _ph(shape)
    y = x[index]
    up = np.asarray(rng().randn(*np.zeros(shape)[index].shape))
    g, = mg.gradients(y, [x], grad_ys=[mg.constant(up)])
    ref = np.zeros(shape)
    ref[index] = up  # basic indexing never repeats an element, so assignment == scatter-add
    np.testing.assert_array_equal(evaluate(g, {x: np.zeros(shape)}), ref)


def test_getitem_names_and_tf1_list_as_tuple():
    y = _ph([2, 3], name="y")
    t = y[0]
    assert t.name == "strided_slice:0"
    assert [i.name for i in t.op.inputs] == ["y:0", "strided_slice/stack:0",
                                             "strided_slice/stack_1:0", "strided_slice/stack_2:0"]
    assert t.op.get_attr("shrink_axis_mask") == 1
    # TF1 reads a Python list as a tuple of indices.
    assert y[[0, 1]].shape.as_list() == []
    assert y[mg.newaxis, ..., 1].shape.as_list() == [1, 2]


def test_getitem_tensor_indices():
    x = _ph([4, 3])
    i = _ph([], mg.int32)
    v = rng().randn(4, 3)
    a, b, c = x[i], x[:, i:i + 2], x[i, -1]
    assert a.shape.as_list() == [3] and b.shape.as_list() == [4, None]
    assert c.shape.as_list() == []
    for iv in (0, 1, -1):
        ra, rb, rc = evaluate([a, b, c], {x: v, i: iv})
        np.testing.assert_array_equal(ra, v[iv])
        np.testing.assert_array_equal(rc, v[iv, -1])
        if iv >= 0:
            np.testing.assert_array_equal(rb, v[:, iv:iv + 2])
    j = _ph([], mg.int64)
    np.testing.assert_array_equal(evaluate(x[j], {x: v, j: 2}), v[2])


def test_getitem_unknown_dims():
    x = _ph([None, 3])
    assert x[0:2].shape.as_list() == [None, 3]
    assert x[:, 1:].shape.as_list() == [None, 2]
    assert x[1].shape.as_list() == [3]
    assert x[..., ::-1].shape.as_list() == [None, 3]
    assert _ph(None)[0].shape.ndims is None


def test_getitem_errors():
    y = _ph([2, 3])
    with pytest.raises(TypeError, match=r"Only integers, slices .* got 0.5"):
        y[0.5]
    with pytest.raises(TypeError, match="valid indices"):
        y[_ph([2], mg.int32)]
    with pytest.raises(TypeError, match="valid indices"):
        y[mg.constant(1.0)]
    with pytest.raises(TypeError, match="Boolean mask"):
        y[mg.constant([True, False])]
    with pytest.raises(ValueError, match=r"slice index 5 of dimension 0 out of bounds\. for "
                                          r"'strided_slice.*\[2,3\]"):
        y[5]
    with pytest.raises(ValueError, match="slice index -3 of dimension 0"):
        y[-3]
    with pytest.raises(ValueError, match="Index out of range using input dim 2; input has only "
                                         "2 dims"):
        y[:, 0, 1]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        y[..., ...]
    with pytest.raises(ValueError, match=r"strides\[0\] must be non-zero"):
        y[::0]
    x, i = _ph([None]), _ph([], mg.int32)
    with pytest.raises(mg.errors.InvalidArgumentError, match="out of bounds"):
        evaluate(x[i], {x: np.zeros(2), i: 2})


def test_strided_slice_masks_directly():
    v = rng().randn(3, 4, 5)
    x = mg.constant(v)
    y = mg.strided_slice(x, [0, 1, 4], [0, 3, 0], [1, 1, -2], begin_mask=1, end_mask=5)
    assert y.name == "StridedSlice:0"
    np.testing.assert_array_equal(evaluate(y), v[:, 1:3, 4::-2])
    z = mg.strided_slice(x, [0, 2], [0, 3], [1, 1], ellipsis_mask=1, shrink_axis_mask=2)
    np.testing.assert_array_equal(evaluate(z), v[..., 2])
    w = mg.strided_slice(x, [0, 0, 1], [0, 0, 2], new_axis_mask=1, ellipsis_mask=2)
    np.testing.assert_array_equal(evaluate(w), v[None, ..., 1:2])
    assert w.shape.as_list() == [1, 3, 4, 1]


def test_strided_slice_of_partial_shape_is_static_where_known():
    x = _ph([None, 3, 4])
    s = mg.shape(x)
    assert int(static_value(s[1])) == 3
    assert static_value(s[0]) is None
    np.testing.assert_array_equal(static_value(s[1:]), [3, 4])
    assert mg.zeros(s[1:]).shape.as_list() == [3, 4]


def test_strided_slice_gradient_numeric():
    w = _weights([2, 2, 3])
    assert gradient_error(lambda x: x[1:, ::-2, None, 1:] [:, :, 0] * w,
                          rng().randn(3, 4, 4)) < 1e-8


def test_strided_slice_gradient_of_gradient():
    x = _ph([5])
    y = x[1::2]
    g, = mg.gradients(mg.reduce_sum(y * y), [x])
    gg, = mg.gradients(mg.reduce_sum(g * g), [x])
    v = rng().randn(5)
    mask = np.zeros(5)
    mask[1::2] = 1
    np.testing.assert_allclose(evaluate(gg, {x: v}), 8 * v * mask)


# -- gather ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis,indices", [(0, [2, 0, 2]), (1, [[0, 1], [3, 3]]), (-1, 1),
                                          (2, [[[0]]]), (0, np.array([1, 2], np.int64))])
def test_gather(axis, indices):
    v = rng().randn(3, 4, 2)
    y = mg.gather(mg.constant(v), indices, axis=axis)
    ref = np.take(v, indices, axis=axis)
    assert (y.name, y.op.type) == ("GatherV2:0", "GatherV2")
    assert [t.name for t in y.op.inputs[1:]] == ["GatherV2/indices:0", "GatherV2/axis:0"]
    assert y.shape.as_list() == list(ref.shape)
    np.testing.assert_array_equal(evaluate(y), ref)


def test_gather_unknown_dims_and_errors():
    assert mg.gather(_ph([None, 3]), [0, 1]).shape.as_list() == [2, 3]
    assert mg.gather(_ph([4, 3]), _ph([None], mg.int32), axis=1).shape.as_list() == [4, None]
    assert mg.gather(_ph([4, 3]), [0], axis=_ph([], mg.int32)).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match=r"at least rank 3 but is rank 2 for 'GatherV2"):
        mg.gather(_ph([2, 3]), [0, 1], axis=2)
    with pytest.raises(TypeError, match="int32 or int64"):
        mg.gather(_ph([2, 3]), mg.constant([0.0]))
    with pytest.raises(ValueError, match="batch_dims"):
        mg.gather(_ph([2, 3]), [[0]], batch_dims=1)
    x = _ph([2, 3])
    with pytest.raises(mg.errors.InvalidArgumentError, match=r"indices\[1\] = 3 is not in "
                                                              r"\[0, 2\)"):
        evaluate(mg.gather(x, [0, 3]), {x: np.zeros((2, 3))})


@pytest.mark.parametrize("axis,indices", [(0, [1, 1, 0, 3]), (1, [[2, 0], [2, 2]]),
                                          (2, [1]), (-2, 0)])
def test_gather_gradient_sums_duplicates(axis, indices):
    ref_shape = np.take(np.zeros((4, 3, 2)), indices, axis=axis).shape
    assert gradient_error(lambda p: mg.gather(p, indices, axis=axis) * _weights(ref_shape),
                          rng().randn(4, 3, 2)) < 1e-8


def test_gather_gradient_unknown_rows():
    p = _ph([None, 2])
    i = _ph([None], mg.int32)
    g, = mg.gradients(mg.gather(p, i), [p])
    got = evaluate(g, {p: np.zeros((3, 2)), i: [2, 2, 0]})
    np.testing.assert_array_equal(got, [[1, 1], [0, 0], [2, 2]])


# -- unsorted_segment_sum --------------------------------------------------------------------------
def test_unsorted_segment_sum():
    data = rng().randn(4, 3)
    ids = [0, 2, 0, -1]
    y = mg.unsorted_segment_sum(mg.constant(data), ids, 3)
    ref = np.zeros((3, 3))
    for k, s in enumerate(ids):
        if s >= 0:
            ref[s] += data[k]
    assert y.name == "UnsortedSegmentSum:0" and y.shape.as_list() == [3, 3]
    np.testing.assert_allclose(evaluate(y), ref)
    assert mg.unsorted_segment_sum(_ph([None, 2, 5]), _ph([None, 2], mg.int32),
                                   4).shape.as_list() == [4, 5]
    with pytest.raises(ValueError, match="prefix"):
        mg.unsorted_segment_sum(_ph([4, 3]), [0, 1, 2], 3)
    with pytest.raises(mg.errors.InvalidArgumentError, match=r"segment_ids\[0\] = 5"):
        evaluate(mg.unsorted_segment_sum(mg.constant(data), [5, 0, 0, 0], 3))


def test_unsorted_segment_sum_gradient():
    w = _weights([3, 3])
    assert gradient_error(lambda d: mg.unsorted_segment_sum(d, [1, -1, 1, 0], 3) * w,
                          rng().randn(4, 3)) < 1e-8
