"""stack/unstack, concat, split, tile, pad, broadcast_to: forward against NumPy, gradients,
static shapes with unknown dims, TF1 names and errors."""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


def _weights(shape, seed=7):
    # A fixed random weighting makes every output element matter in a gradient check.
    return mg.constant(rng(seed).randn(*shape))


# -- stack / unstack -------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis):
    vs = [rng(i).randn(2, 3) for i in range(4)]
    y = mg.stack([mg.constant(v) for v in vs], axis=axis)
    ref = np.stack(vs, axis=axis)
    assert y.op.type == "Pack" and y.name == "stack:0"
    assert y.shape.as_list() == list(ref.shape)
    np.testing.assert_array_equal(evaluate(y), ref)


def test_stack_python_values_is_constant_and_mixed_lists_pack():
    c = mg.stack([1, 2, 3])
    assert c.op.type == "Const" and c.name == "stack:0"
    x = _ph([], mg.int32, name="x")
    p = mg.stack([x, 5])
    assert p.op.type == "Pack" and p.dtype == mg.int32 and p.shape.as_list() == [2]
    np.testing.assert_array_equal(evaluate(p, {x: 4}), [4, 5])
    # convert_to_tensor packs a list holding tensors, as TF1 does.
    q = mg.convert_to_tensor([x, x])
    assert q.op.type == "Pack"


def test_stack_unknown_dims_and_errors():
    y = mg.stack([_ph([None, 3]), _ph([2, None])])
    assert y.shape.as_list() == [2, 2, 3]
    assert mg.stack([_ph(None), _ph([4])], axis=1).shape.as_list() == [4, 2]
    with pytest.raises(ValueError, match=r"Dimension 1 in both shapes must be equal, but are 3 "
                                          r"and 2.*'stack_\d' \(op: 'Pack'\)"):
        mg.stack([_ph([2, 3]), _ph([2, 2])])
    with pytest.raises(ValueError, match=r"axis` = 3 not in range \[-3, 3\)"):
        mg.stack([_ph([2, 3]), _ph([2, 3])], axis=3)
    with pytest.raises(TypeError, match="float64, int32"):
        mg.stack([_ph([2]), _ph([2], mg.int32)])


def test_stack_gradient():
    w = _weights([2, 2, 2])
    assert gradient_error(lambda a, b: mg.stack([a, b], axis=1) * w,
                          rng(1).randn(2, 2), rng(2).randn(2, 2)) < 1e-8


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis):
    v = rng().randn(2, 3, 4)
    outs = mg.unstack(mg.constant(v), axis=axis)
    assert len(outs) == v.shape[axis]
    assert [t.name for t in outs[:2]] == ["unstack:0", "unstack:1"]
    vals = evaluate(outs)
    for i, got in enumerate(vals):
        np.testing.assert_array_equal(got, np.take(v, i, axis=axis))


def test_unstack_num_inference_and_errors():
    x = _ph([None, 3])
    with pytest.raises(ValueError, match=r"Cannot infer argument `num` from shape \[\?,3\]"):
        mg.unstack(x)
    with pytest.raises(ValueError, match="Cannot infer num"):
        mg.unstack(_ph(None))
    parts = mg.unstack(x, axis=1)
    assert [p.shape.as_list() for p in parts] == [[None]] * 3
    assert len(mg.unstack(x, num=2)) == 2
    with pytest.raises(ValueError, match=r"Dimension must be 3 but is 2 for 'unstack_\d'"):
        mg.unstack(_ph([2, 3]), num=3)
    one, = mg.unstack(_ph([1, 2]))
    assert one.shape.as_list() == [2]


def test_unstack_of_static_value_is_static():
    a, b = mg.unstack(mg.shape(mg.zeros([4, 5])))
    assert mg.fill([a, b], 1.0).shape.as_list() == [4, 5]


def test_unstack_gradient_with_unused_outputs():
    x = _ph([3, 2])
    parts = mg.unstack(x)
    g, = mg.gradients(parts[0] * 2.0 + parts[2], [x])
    np.testing.assert_array_equal(evaluate(g, {x: np.zeros((3, 2))}),
                                  [[2, 2], [0, 0], [1, 1]])
    assert gradient_error(lambda t: mg.unstack(t, axis=1)[1] * _weights([3]),
                          rng().randn(3, 2)) < 1e-8


# -- concat ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    shapes = [[2, 3], [2, 3], [2, 3]]
    if axis == 0:
        shapes = [[1, 3], [2, 3], [4, 3]]
    vs = [rng(i).randn(*s) for i, s in enumerate(shapes)]
    y = mg.concat([mg.constant(v) for v in vs], axis)
    ref = np.concatenate(vs, axis)
    assert (y.name, y.op.type, y.shape.as_list()) == ("concat:0", "ConcatV2", list(ref.shape))
    assert y.op.inputs[-1].name == "concat/axis:0"
    np.testing.assert_array_equal(evaluate(y), ref)


def test_concat_unknown_dims():
    assert mg.concat([_ph([None, 3]), _ph([2, 3])], 0).shape.as_list() == [None, 3]
    assert mg.concat([_ph([None, 3]), _ph([2, None])], 1).shape.as_list() == [2, None]
    assert mg.concat([_ph([4, 3]), _ph([2, 3])], 0).shape.as_list() == [6, 3]
    assert mg.concat([_ph(None), _ph([2, 3])], 1).shape.as_list() == [2, None]
    a = _ph([], mg.int32)
    assert mg.concat([_ph([2, 3]), _ph([2, 3])], a).shape.as_list() == [None, None]


def test_concat_errors():
    with pytest.raises(ValueError, match=r"Dimension 1 in both shapes must be equal, but are 3 "
                                          r"and 2.*'concat' \(op: 'ConcatV2'\)"):
        mg.concat([_ph([2, 3]), _ph([2, 2])], 0)
    with pytest.raises(ValueError, match="at least rank 3 but is rank 2"):
        mg.concat([_ph([2, 3]), _ph([None, 3])], 2)
    with pytest.raises(ValueError, match="rank 2 but is rank 1"):
        mg.concat([_ph([2, 3]), _ph([3])], 0)
    with pytest.raises(TypeError, match=r"float64, int32"):
        mg.concat([_ph([2]), _ph([2], mg.int32)], 0)
    # An empty list: ValueError, as TF1 (was an IndexError from shape inference).
    with pytest.raises(ValueError, match="'values' to 'ConcatV2' Op .* has length 0"):
        mg.concat([], 0)


def test_concat_single_value_is_identity():
    x = _ph([2, 3])
    y = mg.concat([x], 0)
    assert y.op.type == "Identity" and y.name == "concat/concat:0"


def test_concat_python_values_take_tensor_dtype():
    x = _ph([2], mg.int32)
    y = mg.concat([x, [7]], 0)
    np.testing.assert_array_equal(evaluate(y, {x: [1, 2]}), [1, 2, 7])


def test_concat_gradient():
    w = _weights([2, 7])
    assert gradient_error(lambda a, b, c: mg.concat([a, b, c], 1) * w,
                          rng(1).randn(2, 1), rng(2).randn(2, 4), rng(3).randn(2, 2)) < 1e-8


def test_concat_gradient_unknown_sizes():
    a, b = _ph([None, 2]), _ph([None, 2])
    ga, gb = mg.gradients(mg.concat([a, b], 0) * mg.constant([1.0, 2.0], mg.float64), [a, b])
    va, vb = np.zeros((1, 2)), np.zeros((3, 2))
    ra, rb = evaluate([ga, gb], {a: va, b: vb})
    np.testing.assert_array_equal(ra, [[1, 2]])
    np.testing.assert_array_equal(rb, [[1, 2]] * 3)


# -- split -----------------------------------------------------------------------------------------
def test_split_equal_parts():
    v = rng().randn(2, 6)
    parts = mg.split(mg.constant(v), 3, axis=1)
    assert [p.name for p in parts] == ["split:0", "split:1", "split:2"]
    assert parts[0].op.type == "Split" and parts[0].shape.as_list() == [2, 2]
    for got, ref in zip(evaluate(parts), np.split(v, 3, axis=1)):
        np.testing.assert_array_equal(got, ref)
    one, = mg.split(mg.constant(v), 1)
    np.testing.assert_array_equal(evaluate(one), v)


def test_split_sizes_with_minus_one():
    v = rng().randn(7, 2)
    parts = mg.split(mg.constant(v), [1, -1, 2], axis=0)
    assert parts[0].op.type == "SplitV"
    assert [p.shape.as_list() for p in parts] == [[1, 2], [4, 2], [2, 2]]
    for got, ref in zip(evaluate(parts), np.split(v, [1, 5], axis=0)):
        np.testing.assert_array_equal(got, ref)


def test_split_unknown_dims_and_errors():
    assert [p.shape.as_list() for p in mg.split(_ph([None, 3]), 3, axis=1)] == [[None, 1]] * 3
    assert [p.shape.as_list() for p in mg.split(_ph([None, 3]), 2)] == [[None, 3]] * 2
    assert [p.shape.as_list() for p in mg.split(_ph([None, 3]), [1, -1], 0)] == \
        [[1, 3], [None, 3]]
    with pytest.raises(ValueError, match=r"evenly divisible by 2 but is 3.*'split_\d'"):
        mg.split(_ph([2, 3]), 2, axis=1)
    with pytest.raises(ValueError, match=r"can't split axis of size 3 into pieces of size "
                                          r"\[1,1\]"):
        mg.split(_ph([2, 3]), [1, 1], axis=1)
    with pytest.raises(ValueError, match="only have one -1"):
        mg.split(_ph([2, 3]), [1, -1, -1], axis=1)
    with pytest.raises(ValueError, match="Rank-0"):
        mg.split(_ph([2, 3]), mg.constant(2))
    with pytest.raises(ValueError, match="Cannot infer num"):
        mg.split(_ph([2, 3]), _ph([None], mg.int32))
    x = _ph([None, 3])
    with pytest.raises(mg.errors.InvalidArgumentError, match="evenly divide"):
        evaluate(mg.split(x, 2), {x: np.zeros((3, 3))})


def test_split_gradients():
    w = [_weights([2, 2], 1), _weights([2, 2], 2), _weights([2, 2], 3)]
    assert gradient_error(lambda x: mg.add_n([p * wi for p, wi in zip(mg.split(x, 3, 1), w)]),
                          rng().randn(2, 6)) < 1e-8
    assert gradient_error(lambda x: mg.split(x, [3, -1], axis=0)[1] * _weights([2, 2]),
                          rng().randn(5, 2)) < 1e-8


# -- tile ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mult", [[1, 1], [2, 3], [3, 1], [1, 0]])
def test_tile(mult):
    v = rng().randn(2, 3)
    y = mg.tile(mg.constant(v), mult)
    ref = np.tile(v, mult)
    assert y.name == "Tile:0" and y.shape.as_list() == list(ref.shape)
    np.testing.assert_array_equal(evaluate(y), ref)


def test_tile_unknown_and_errors():
    assert mg.tile(_ph([None, 3]), [2, 3]).shape.as_list() == [None, 9]
    assert mg.tile(_ph([2, 3]), _ph([2], mg.int32)).shape.as_list() == [None, None]
    assert mg.tile(_ph([2, 3]), [2, _ph([], mg.int32)]).shape.as_list() == [4, None]
    with pytest.raises(ValueError, match="rank 2 but is rank 1.*'Tile'"):
        mg.tile(_ph([2, 3]), [2])
    with pytest.raises(ValueError, match="non-negative"):
        mg.tile(_ph([2, 3]), [2, -1])


def test_tile_gradient():
    assert gradient_error(lambda x: mg.tile(x, [2, 1, 3]) * _weights([4, 3, 6]),
                          rng().randn(2, 3, 2)) < 1e-8


def test_tile_gradient_unknown_batch():
    x = _ph([None, 2])
    g, = mg.gradients(mg.tile(x, [3, 2]), [x])
    np.testing.assert_array_equal(evaluate(g, {x: np.zeros((2, 2))}), np.full((2, 2), 6.0))


# -- pad -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
def test_pad_modes(mode):
    v = rng().randn(3, 4)
    p = [[1, 2], [2, 1]]
    y = mg.pad(mg.constant(v), p, mode=mode)
    np_mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[
        mode.upper()]
    ref = np.pad(v, p, mode=np_mode)
    expect_type = {"CONSTANT": "Pad"}.get(mode.upper(), "MirrorPad")
    assert y.op.type == expect_type and y.name == expect_type + ":0"
    assert y.shape.as_list() == list(ref.shape)
    np.testing.assert_array_equal(evaluate(y), ref)


def test_pad_constant_values():
    v = rng().randn(2, 2)
    y = mg.pad(mg.constant(v), [[0, 1], [1, 0]], constant_values=-3)
    assert y.op.type == "PadV2" and y.name == "PadV2:0"
    np.testing.assert_array_equal(evaluate(y), np.pad(v, [[0, 1], [1, 0]], constant_values=-3))


def test_pad_unknown_dims_and_errors():
    assert mg.pad(_ph([None, 3]), [[1, 1], [2, 2]]).shape.as_list() == [None, 7]
    assert mg.pad(_ph([2, 3]), _ph([2, 2], mg.int32)).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match=r"Value of argument `mode` .*FOO"):
        mg.pad(_ph([2, 3]), [[1, 1], [1, 1]], mode="foo")
    with pytest.raises(ValueError, match="rank 2 but is rank 1"):
        mg.pad(_ph([2, 3]), [1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        mg.pad(_ph([2, 3]), [[-1, 1], [0, 0]])
    with pytest.raises(ValueError, match="rank of inputs"):
        mg.pad(_ph([2, 3]), [[1, 1]])
    with pytest.raises(ValueError, match="minus one: 3, 3 greater than 2.*'MirrorPad'"):
        mg.pad(_ph([2, 3]), [[1, 1], [3, 3]], mode="REFLECT")
    assert mg.pad(_ph([2, 3]), [[1, 1], [3, 3]], mode="SYMMETRIC").shape.as_list() == [4, 9]
    with pytest.raises(ValueError, match="no greater than the dimension size: 4, 3"):
        mg.pad(_ph([2, 3]), [[1, 1], [4, 3]], mode="SYMMETRIC")
    x = _ph([None])
    with pytest.raises(mg.errors.InvalidArgumentError, match="MirrorPad"):
        evaluate(mg.pad(x, [[2, 0]], mode="REFLECT"), {x: np.zeros(2)})


@pytest.mark.parametrize("mode,const", [("CONSTANT", 0), ("CONSTANT", 2.5), ("REFLECT", 0),
                                        ("SYMMETRIC", 0)])
def test_pad_gradients(mode, const):
    p = [[2, 1], [1, 2]]
    assert gradient_error(lambda x: mg.pad(x, p, mode=mode, constant_values=const)
                          * _weights([6, 6]), rng().randn(3, 3)) < 1e-8


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad_gradient_of_gradient(mode):
    x = _ph([4])
    y = mg.pad(x, [[3, 2]] if mode == "REFLECT" else [[4, 2]], mode=mode)
    n = y.shape[0].value
    # The gradient is linear in the upstream gradient: check it against a dense Jacobian.
    up = _ph([n])
    d, = mg.gradients(y, [x], grad_ys=[up])
    assert d.op.type == "MirrorPadGrad"
    jac = np.stack([evaluate(d, {x: np.zeros(4), up: np.eye(n)[i]}) for i in range(n)])
    pads = [[3, 2]] if mode == "REFLECT" else [[4, 2]]
    ref = np.stack([np.pad(np.eye(4)[j], pads, mode=mode.lower()) for j in range(4)], 1)
    np.testing.assert_array_equal(jac, ref)

    # MirrorPadGrad's own gradient (a MirrorPad) against central differences.
    def grad_of_pad(u):
        c = mg.constant(np.zeros(4))
        g, = mg.gradients(mg.pad(c, pads, mode=mode), [c], grad_ys=[u])
        return g * _weights([4])
    assert gradient_error(grad_of_pad, rng().randn(n)) < 1e-8


# -- broadcast_to ----------------------------------------------------------------------------------
@pytest.mark.parametrize("src,target", [([3], [2, 3]), ([2, 1], [2, 4]), ([], [2, 2]),
                                        ([1, 3], [4, 2, 3])])
def test_broadcast_to(src, target):
    v = np.asarray(rng().randn(*src))
    y = mg.broadcast_to(mg.constant(v), target)
    assert y.name == "BroadcastTo:0" and y.shape.as_list() == target
    np.testing.assert_array_equal(evaluate(y), np.broadcast_to(v, target))


def test_broadcast_to_unknown_and_errors():
    assert mg.broadcast_to(_ph([None, 3]), [4, 5, 3]).shape.as_list() == [4, 5, 3]
    assert mg.broadcast_to(_ph([2, 1]), [2, _ph([], mg.int32)]).shape.as_list() == [2, None]
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 2 and 3 for "
                                          r"'BroadcastTo_\d'"):
        mg.broadcast_to(_ph([2, 3]), [4, 3, 3])
    with pytest.raises(ValueError, match="at most rank 1 but is rank 2"):
        mg.broadcast_to(_ph([2, 3]), [3])


def test_broadcast_to_gradient():
    assert gradient_error(lambda x: mg.broadcast_to(x, [4, 2, 3]) * _weights([4, 2, 3]),
                          rng().randn(2, 1)) < 1e-8
