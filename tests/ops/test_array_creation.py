"""range and one_hot: values against NumPy, dtype inference, static shapes, names, errors."""
import numpy as np
import pytest

import minigraph as mg
from minigraph.framework.registry import static_value
from tests.util import evaluate


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


# -- range -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs,ref", [
    ((5,), {}, np.arange(5, dtype=np.int32)),
    ((2, 9, 3), {}, np.arange(2, 9, 3, dtype=np.int32)),
    ((5, 1, -1), {}, np.arange(5, 1, -1, dtype=np.int32)),
    ((1, 5.0, 2), {}, np.array([1.0, 3.0], np.float32)),
    ((0, 3), {"dtype": mg.float64}, np.arange(3, dtype=np.float64)),
    ((3, 3), {}, np.zeros([0], np.int32)),
    ((2**40, 2**40 + 3), {}, np.arange(2**40, 2**40 + 3, dtype=np.int64))])
def test_range_values_and_dtypes(args, kwargs, ref):
    y = mg.range(*args, **kwargs)
    assert y.dtype == mg.as_dtype(ref.dtype) and y.shape.as_list() == [len(ref)]
    got = evaluate(y)
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


def test_range_accumulates_like_tf_kernel():
    # TF's kernel adds delta repeatedly in the output dtype.
    got = evaluate(mg.range(0.3, 7.1, 0.37))
    ref = [np.float32(0.3)]
    while len(ref) < len(got):
        ref.append(np.float32(ref[-1] + np.float32(0.37)))
    assert len(got) == 19
    np.testing.assert_array_equal(got, np.array(ref, np.float32))


def test_range_names_and_casts():
    y = mg.range(1, 5.0, 2)
    names = [op.name for op in mg.get_default_graph().get_operations()]
    assert y.name == "range:0"
    assert names[:3] == ["range/start", "range/limit", "range/delta"]
    assert mg.range(3, name="r").name == "r:0"


def test_range_dynamic_and_static_value():
    n = _ph([], mg.int32)
    y = mg.range(n)
    assert y.shape.as_list() == [None]
    np.testing.assert_array_equal(evaluate(y, {n: 4}), np.arange(4))
    np.testing.assert_array_equal(static_value(mg.range(3)), [0, 1, 2])


def test_range_errors():
    with pytest.raises(ValueError, match=r"Requires start <= limit when delta > 0: 5/1 for "
                                          r"'range'"):
        mg.range(5, 1)
    with pytest.raises(ValueError, match="Requires delta != 0"):
        mg.range(1, 5, 0)
    with pytest.raises(ValueError, match="Requires start >= limit when delta < 0"):
        mg.range(1, 5, -1)
    n = _ph([], mg.int32)
    with pytest.raises(mg.errors.InvalidArgumentError, match="Requires start <= limit"):
        evaluate(mg.range(3, n), {n: 1})
    with pytest.raises(ValueError, match="rank 0"):
        mg.range(_ph([2], mg.int32))


def test_range_not_differentiable():
    x = _ph([])
    assert mg.gradients(mg.range(x, 10.0, 1.0), [x]) == [None]


# -- one_hot ---------------------------------------------------------------------------------------
def _one_hot_ref(indices, depth, on=1.0, off=0.0, axis=-1, dtype=np.float32):
    indices = np.asarray(indices)
    out = np.full(indices.shape + (depth,), off, dtype=dtype)
    for pos in np.ndindex(*indices.shape):
        if 0 <= indices[pos] < depth:
            out[pos + (indices[pos],)] = on
    return np.moveaxis(out, -1, axis) if axis != -1 else out


@pytest.mark.parametrize("indices,depth,kwargs", [
    ([1, 2, 0], 3, {}), ([[1, -1], [4, 0]], 4, {}), ([1, 2], 3, {"axis": 0}),
    ([[1, 2]], 3, {"axis": 1, "on_value": 5, "off_value": -1}),
    ([0, 3], 4, {"dtype": mg.float64}), ([2], 0, {})])
def test_one_hot(indices, depth, kwargs):
    y = mg.one_hot(indices, depth, **kwargs)
    on, off = kwargs.get("on_value", 1.0), kwargs.get("off_value", 0.0)
    dtype = kwargs.get("dtype")
    np_dtype = (dtype.as_numpy_dtype if dtype is not None else
                (np.int32 if isinstance(on, int) else np.float32))
    ref = _one_hot_ref(indices, depth, on, off, kwargs.get("axis", -1), np_dtype)
    assert y.name == "one_hot:0" and y.op.type == "OneHot"
    assert y.shape.as_list() == list(ref.shape) and y.dtype == mg.as_dtype(np_dtype)
    got = evaluate(y)
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


def test_one_hot_names_shapes_and_errors():
    i = _ph([None], mg.int32, name="i")
    y = mg.one_hot(i, 5)
    assert y.shape.as_list() == [None, 5]
    assert [t.name for t in y.op.inputs] == ["i:0", "one_hot/depth:0", "one_hot/on_value:0",
                                             "one_hot/off_value:0"]
    assert mg.one_hot(i, _ph([], mg.int32)).shape.as_list() == [None, None]
    assert mg.one_hot(_ph(None, mg.int64), 2).shape.ndims is None
    with pytest.raises(TypeError, match="dtype float32 of on_value does not match dtype "
                                        "parameter int32"):
        mg.one_hot([1, 2], 3, on_value=5.0, dtype=mg.int32)
    with pytest.raises(TypeError, match="on_value does not match dtype int32 of off_value"):
        mg.one_hot([1], 3, on_value=1.0, off_value=0)
    with pytest.raises(TypeError, match="indices must be"):
        mg.one_hot([0.5], 3)
    with pytest.raises(ValueError, match="axis"):
        mg.one_hot([1, 2], 3, axis=3)
    with pytest.raises(ValueError, match="depth must be non-negative"):
        mg.one_hot([1, 2], -1)


def test_one_hot_not_differentiable():
    on = _ph([])
    assert mg.gradients(mg.one_hot([0, 1], 2, on_value=on, off_value=mg.constant(0.0, mg.float64)),
                        [on]) == [None]


def test_constant_short_value_fills_with_its_last_element():
    # TF1's constant rule (values from TF 2.21 tf.compat.v1.constant).
    assert static_value(mg.constant([1, 2], shape=[2, 3])).tolist() == [[1, 2, 2], [2, 2, 2]]
    assert static_value(mg.constant(np.array([1.5]), shape=[2])).tolist() == [1.5, 1.5]
    with pytest.raises(ValueError, match="4 values do not fit shape \\[3\\]"):
        mg.constant([1, 2, 3, 4], shape=[3])
