"""Shape queries, reshape/expand_dims/squeeze/transpose, fill/zeros/ones/*_like, stop_gradient,
identity_n: forward against NumPy, gradients, static shapes (incl. unknown dims), names, errors."""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


# -- shape / size / rank ----------------------------------------------------------------------
def test_shape_size_rank_static_and_folded():
    x = mg.constant(np.zeros((2, 3, 4), np.float32))
    s, n, r = mg.shape(x), mg.size(x), mg.rank(x)
    assert (s.name, s.op.type, s.dtype, s.shape.as_list()) == ("Shape:0", "Shape", mg.int32, [3])
    assert (n.name, n.shape.as_list(), r.name) == ("Size:0", [], "Rank:0")
    np.testing.assert_array_equal(mg.framework.registry.static_value(s), [2, 3, 4])
    sv, nv, rv = evaluate([s, n, r])
    np.testing.assert_array_equal(sv, [2, 3, 4])
    assert (int(nv), int(rv), sv.dtype) == (24, 3, np.int32)


def test_shape_of_partial_shape_runs_at_runtime():
    x = _ph([None, 3])
    s = mg.shape(x, out_type=mg.int64)
    assert s.dtype == mg.int64 and s.shape.as_list() == [2]
    assert mg.framework.registry.static_value(s) is None
    assert mg.size(x).shape.as_list() == []
    v = evaluate([s, mg.size(x), mg.rank(x)], {x: np.zeros((5, 3))})
    np.testing.assert_array_equal(v[0], [5, 3])
    assert v[0].dtype == np.int64 and int(v[1]) == 15 and int(v[2]) == 2


def test_shape_unknown_rank():
    x = _ph(None)
    assert mg.shape(x).shape.as_list() == [None]
    np.testing.assert_array_equal(evaluate(mg.shape(x), {x: np.zeros((1, 2, 3))}), [1, 2, 3])


def test_shape_rejects_float_out_type():
    with pytest.raises(TypeError, match="out_type"):
        mg.shape(mg.constant(1.0), out_type=mg.float32)


# -- reshape ----------------------------------------------------------------------------------
@pytest.mark.parametrize("src,target,expect", [
    ([2, 3, 4], [6, 4], [6, 4]), ([2, 3, 4], [-1], [24]), ([2, 3, 4], [4, -1, 2], [4, 3, 2]),
    ([2, 3], [], None), ([1], [], []), ([0, 3], [-1, 6], [0, 6])])
def test_reshape_forward(src, target, expect):
    if expect is None:
        with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                              r"\[\] \(1 elements\)"):
            mg.reshape(mg.zeros(src), target)
        return
    v = rng().randn(*src)
    y = mg.reshape(mg.constant(v), target)
    assert y.shape.as_list() == expect
    np.testing.assert_array_equal(evaluate(y), v.reshape(expect))


def test_reshape_names_and_shape_input():
    x = _ph([2, 3], name="x")
    y = mg.reshape(x, [3, 2])
    assert y.name == "Reshape:0"
    assert [t.name for t in y.op.inputs] == ["x:0", "Reshape/shape:0"]
    assert y.op.inputs[1].dtype == mg.int32
    assert mg.reshape(x, [6], name="flat").name == "flat:0"


@pytest.mark.parametrize("target,expect", [
    ([-1, 12], [None, 12]), ([2, -1, 6], [2, None, 6]), ([6, -1], [6, None]),
    ([-1, 4], [None, 4])])
def test_reshape_unknown_dims(target, expect):
    x = _ph([None, 3, 4])
    y = mg.reshape(x, target)
    assert y.shape.as_list() == expect


def test_reshape_static_errors_name_op_and_shapes():
    x = _ph([2, 3], name="x")
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                          r"\[4\] \(4 elements\) for 'Reshape'.*\[2,3\], \[1\]"):
        mg.reshape(x, [4])
    with pytest.raises(ValueError, match="multiple unknown dimensions"):
        mg.reshape(x, [-1, -1])
    with pytest.raises(ValueError, match="divisible|multiple of 3"):
        mg.reshape(_ph([None, 3]), [4])
    with pytest.raises(ValueError, match="not a multiple of 4"):
        mg.reshape(x, [4, -1])
    with pytest.raises(ValueError, match="-2"):
        mg.reshape(x, [-2, 3])
    with pytest.raises(ValueError, match="rank 1"):
        mg.reshape(x, [[6]])
    with pytest.raises(TypeError, match="integers"):
        mg.reshape(x, [2.5, 3])


def test_reshape_runtime_mismatch_is_invalid_argument():
    x = _ph([None, 3], name="x")
    y = mg.reshape(x, [4, -1])
    with pytest.raises(mg.errors.InvalidArgumentError, match="(?s)6 values.*node Reshape"):
        evaluate(y, {x: np.zeros((2, 3))})


def test_reshape_shape_from_tensors_keeps_known_dims():
    x = _ph([None, 3, 4])
    y = mg.reshape(x, [mg.shape(x)[0], 12])
    assert y.shape.as_list() == [None, 12]
    z = mg.reshape(x, mg.shape(x))
    assert z.shape.as_list() == [None, 3, 4]
    w = mg.reshape(x, [-1, mg.shape(x)[1] * mg.shape(x)[2]])
    v = rng().randn(2, 3, 4)
    np.testing.assert_array_equal(evaluate(w, {x: v}), v.reshape(2, 12))
    d = _ph([], mg.int32)
    assert mg.reshape(x, [d, -1]).shape.as_list() == [None, None]


def test_reshape_of_constant_is_static():
    y = mg.reshape(mg.constant([[1, 2], [3, 4]]), [-1])
    np.testing.assert_array_equal(mg.framework.registry.static_value(y), [1, 2, 3, 4])


def test_reshape_gradient():
    v = rng().randn(2, 3, 2)
    assert gradient_error(lambda x: mg.reshape(x, [3, -1]) * mg.constant(rng(1).randn(3, 4)),
                          v) < 1e-8


def test_reshape_gradient_partial_shape():
    x = _ph([None, 4])
    y = mg.reshape(x, [-1, 2, 2])
    g, = mg.gradients(y * y, [x])
    assert g.shape.as_list() == [None, 4]
    v = rng().randn(3, 4)
    np.testing.assert_allclose(evaluate(g, {x: v}), 2 * v)


# -- expand_dims / squeeze ----------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_expand_dims(axis):
    v = rng().randn(2, 3)
    y = mg.expand_dims(mg.constant(v), axis)
    assert y.shape.as_list() == list(np.expand_dims(v, axis).shape)
    assert y.op.type == "ExpandDims" and y.op.inputs[1].name == "ExpandDims/dim:0"
    np.testing.assert_array_equal(evaluate(y), np.expand_dims(v, axis))


def test_expand_dims_unknown_and_errors():
    assert mg.expand_dims(_ph([None, 3]), 1).shape.as_list() == [None, 1, 3]
    assert mg.expand_dims(_ph(None), 0).shape.ndims is None
    assert mg.expand_dims(_ph([2]), _ph([], mg.int32)).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match=r"dim 3 is out of range .*\[-3, 3\).*\[2,3\]"):
        mg.expand_dims(_ph([2, 3]), 3)
    with pytest.raises(ValueError, match="axis"):
        mg.expand_dims(_ph([2, 3]))
    with pytest.raises(ValueError, match="both"):
        mg.expand_dims(_ph([2, 3]), 0, dim=1)
    assert mg.expand_dims(_ph([2, 3]), dim=2).shape.as_list() == [2, 3, 1]


def test_expand_dims_gradient():
    assert gradient_error(lambda x: mg.expand_dims(x, 1) * mg.constant(rng(2).randn(2, 1, 3)),
                          rng().randn(2, 3)) < 1e-8


@pytest.mark.parametrize("shape,axis", [([1, 2, 1, 3], None), ([1, 2, 1, 3], [0]),
                                        ([1, 2, 1, 3], [2, 0]), ([1, 2, 1, 3], -2),
                                        ([1, 1], None), ([1], [0])])
def test_squeeze(shape, axis):
    v = rng().randn(*shape)
    y = mg.squeeze(mg.constant(v), axis)
    ref = np.squeeze(v, None if axis is None else tuple(np.atleast_1d(axis)))
    assert y.shape.as_list() == list(ref.shape)
    np.testing.assert_array_equal(evaluate(y), ref)


def test_squeeze_unknown_dims_and_errors():
    assert mg.squeeze(_ph([None, 3])).shape.ndims is None
    assert mg.squeeze(_ph([None, 1, 3]), [1]).shape.as_list() == [None, 3]
    assert mg.squeeze(_ph([None, 1]), [0]).shape.as_list() == [1]
    assert mg.squeeze(_ph([2, 1]), squeeze_dims=[1]).shape.as_list() == [2]
    with pytest.raises(ValueError, match=r"Can not squeeze dim\[1\], expected a dimension of 1, "
                                          r"got 3 for 'Squeeze_\d'"):
        mg.squeeze(_ph([None, 3]), [1])
    with pytest.raises(ValueError, match="out of range"):
        mg.squeeze(_ph([2, 3]), [2])
    x = _ph([None, 1])
    with pytest.raises(mg.errors.InvalidArgumentError, match="Can not squeeze dim"):
        evaluate(mg.squeeze(x, [0]), {x: np.zeros((2, 1))})


def test_squeeze_gradient():
    assert gradient_error(lambda x: mg.squeeze(x) * mg.constant(rng(3).randn(2, 3)),
                          rng().randn(1, 2, 1, 3)) < 1e-8


# -- transpose ------------------------------------------------------------------------------------
@pytest.mark.parametrize("perm", [None, [0, 1, 2], [2, 0, 1], [1, 2, 0]])
def test_transpose(perm):
    v = rng().randn(2, 3, 4)
    y = mg.transpose(mg.constant(v), perm)
    ref = np.transpose(v, perm)
    assert y.name == "transpose:0" and y.shape.as_list() == list(ref.shape)
    out = evaluate(y)
    np.testing.assert_array_equal(out, ref)
    assert out.flags.c_contiguous


def test_transpose_unknown_and_errors():
    assert mg.transpose(_ph([None, 3]), [1, 0]).shape.as_list() == [3, None]
    assert mg.transpose(_ph(None), [1, 0]).shape.as_list() == [None, None]
    x = _ph(None)
    v = rng().randn(2, 3, 4)
    np.testing.assert_array_equal(evaluate(mg.transpose(x), {x: v}), v.T)
    with pytest.raises(ValueError, match=r"perm \[0, 0\] is not a permutation.*"
                                          r"'transpose_\d' \(op: 'Transpose'\)"):
        mg.transpose(_ph([2, 3]), [0, 0])
    with pytest.raises(ValueError, match="not a permutation"):
        mg.transpose(_ph([2, 3]), [1])


def test_transpose_gradient():
    w = mg.constant(rng(4).randn(4, 2, 3))
    assert gradient_error(lambda x: mg.transpose(x, [2, 0, 1]) * w, rng().randn(2, 3, 4)) < 1e-8


def test_invert_permutation():
    y = mg.invert_permutation([2, 0, 3, 1])
    np.testing.assert_array_equal(evaluate(y), np.argsort([2, 0, 3, 1]))


# -- fill / zeros / ones / *_like -----------------------------------------------------------------
def test_fill():
    y = mg.fill([2, 3], 7)
    assert (y.name, y.dtype, y.shape.as_list()) == ("Fill:0", mg.int32, [2, 3])
    np.testing.assert_array_equal(evaluate(y), np.full((2, 3), 7))
    d = _ph([2], mg.int32)
    z = mg.fill(d, 1.5)
    assert z.shape.as_list() == [None, None]
    np.testing.assert_array_equal(evaluate(z, {d: [1, 4]}), np.full((1, 4), 1.5, np.float32))


def test_fill_errors():
    with pytest.raises(ValueError, match="rank 0 but is rank 1.*'Fill'"):
        mg.fill([2, 3], [1, 2])
    with pytest.raises(ValueError, match="must be >= 0"):
        mg.fill([2, -1], 1.0)


def test_fill_gradient_sums():
    assert gradient_error(lambda v: mg.fill([2, 3], v) * mg.constant(rng(5).randn(2, 3)),
                          np.array(0.7)) < 1e-8


def test_zeros_ones_small_are_constants_big_are_fill():
    z, o = mg.zeros([2, 3]), mg.ones([2, 3], mg.int32)
    assert (z.name, z.op.type, z.dtype) == ("zeros:0", "Const", mg.float32)
    assert (o.name, o.op.type, o.dtype) == ("ones:0", "Const", mg.int32)
    big = mg.zeros([100, 100])
    assert big.op.type == "Fill" and big.name == "zeros_1:0"
    np.testing.assert_array_equal(evaluate(big), np.zeros((100, 100), np.float32))
    b = mg.ones([3], mg.bool)
    np.testing.assert_array_equal(evaluate(b), [True] * 3)


def test_zeros_with_tensor_shape():
    s = _ph([2], mg.int32)
    z = mg.zeros(s, mg.float64)
    np.testing.assert_array_equal(evaluate(z, {s: [2, 1]}), np.zeros((2, 1)))
    n = _ph([], mg.int32)
    np.testing.assert_array_equal(evaluate(mg.ones(n), {n: 3}), np.ones(3, np.float32))
    assert mg.zeros(mg.TensorShape([2, 2])).shape.as_list() == [2, 2]


def test_zeros_like_and_ones_like():
    x = _ph([None, 3], mg.float32, name="x")
    z, o = mg.zeros_like(x), mg.ones_like(x)
    assert (z.name, z.op.type, z.shape.as_list()) == ("zeros_like:0", "ZerosLike", [None, 3])
    assert (o.name, o.op.type, o.shape.as_list()) == ("ones_like:0", "Fill", [None, 3])
    v = np.ones((2, 3), np.float32)
    zv, ov = evaluate([z, o], {x: v})
    np.testing.assert_array_equal(zv, np.zeros((2, 3)))
    np.testing.assert_array_equal(ov, np.ones((2, 3)))
    c = mg.constant([[1, 2]])
    assert mg.zeros_like(c).op.type == "Const"
    assert mg.zeros_like(c, dtype=mg.float32).dtype == mg.float32
    assert mg.ones_like(c, dtype=mg.float64).dtype == mg.float64
    assert mg.zeros_like(x, dtype=mg.int32).dtype == mg.int32


def test_like_ops_are_not_differentiable():
    x = _ph([2])
    assert mg.gradients(mg.zeros_like(x) + mg.ones_like(x), [x]) == [None]


# -- stop_gradient / identity_n --------------------------------------------------------------------
def test_stop_gradient():
    x = _ph([3], name="x")
    y = mg.stop_gradient(x * x)
    assert y.op.type == "StopGradient" and y.name == "StopGradient:0"
    v = rng().randn(3)
    np.testing.assert_allclose(evaluate(y, {x: v}), v * v)
    g, = mg.gradients(x * y, [x])
    np.testing.assert_allclose(evaluate(g, {x: v}), v * v)


def test_identity_n():
    a, b = _ph([None, 3]), _ph([2])
    ya, yb = mg.identity_n([a, b])
    assert (ya.name, yb.name, ya.shape.as_list()) == ("IdentityN:0", "IdentityN:1", [None, 3])
    only, = mg.identity_n([b])
    vb = rng().randn(2)
    np.testing.assert_array_equal(evaluate(only, {b: vb}), vb)
    assert gradient_error(lambda p, q: mg.identity_n([p, q])[0] * mg.identity_n([p, q])[1],
                          rng().randn(2), rng(1).randn(2)) < 1e-8


# -- shape arguments given as TensorShape / Dimension (TF1 accepts both) ----------------------
def test_shape_arguments_accept_tensorshape_and_dimensions():
    x = _ph([None, 3, 4])
    assert mg.reshape(x, [-1, x.shape[1] * x.shape[2]]).shape.as_list() == [None, 12]
    assert mg.zeros(x.shape[1:]).shape.as_list() == [3, 4]
    assert mg.fill(x.shape[1:], 2.0).shape.as_list() == [3, 4]
    with pytest.raises(ValueError, match="partially known TensorShape"):
        mg.zeros(x.shape)
    with pytest.raises(ValueError, match="unknown Dimension"):
        mg.reshape(x, [x.shape[0], -1])
    # Empty index vectors are int32 even when another argument fixes the dtype.
    y = mg.strided_slice(x, [], [], [])
    assert y.shape.as_list() == [None, 3, 4]
