"""Binary arithmetic, broadcasting gradients (`sum_to_shape`), `add_n`, and operators."""
import numpy as np
import pytest

import minigraph as mg
from minigraph.ops import math_ops
from tests.util import evaluate, gradient_error, rng


def _ph(shape, dtype=mg.float64, name=None):
    return mg.placeholder(dtype, shape, name=name)


# -- sum_to_shape --------------------------------------------------------------------------------
@pytest.mark.parametrize("gshape,xshape", [
    ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 3], [1, 3]), ([2, 3], [2, 1]), ([4, 2, 3], [2, 1]),
    ([4, 2, 3], [1, 1, 1]), ([2, 3], []), ([5, 1, 3], [1, 1, 3])])
def test_sum_to_shape_static(gshape, xshape):
    g = rng().randn(*gshape)
    x = mg.zeros(xshape, mg.float64)
    out = math_ops.sum_to_shape(mg.constant(g), x)
    assert out.shape.as_list() == xshape
    lead = len(gshape) - len(xshape)
    ref = g.sum(axis=tuple(range(lead)))
    ref = ref.sum(axis=tuple(i for i, d in enumerate(xshape) if d == 1), keepdims=True)
    np.testing.assert_allclose(evaluate(out), ref.reshape(xshape))


def test_sum_to_shape_no_broadcast_adds_no_op():
    g = _ph([2, 3])
    assert math_ops.sum_to_shape(g, _ph([2, 3])) is g


def test_sum_to_shape_dynamic_uses_broadcast_gradient_args():
    g = _ph([None, None, 3])
    x = _ph([None, 3])
    out = math_ops.sum_to_shape(g, x)
    types = {op.type for op in mg.get_default_graph().get_operations()}
    assert "BroadcastGradientArgs" in types
    gv = rng().randn(4, 1, 3)
    np.testing.assert_allclose(evaluate(out, {g: gv, x: np.zeros((1, 3))}), gv.sum(0))
    gv = rng().randn(4, 5, 3)
    np.testing.assert_allclose(evaluate(out, {g: gv, x: np.zeros((5, 3))}), gv.sum(0))


def test_broadcast_gradient_args_values():
    r0, r1 = math_ops.broadcast_gradient_args([2, 3, 1], [3, 4])
    a, b = evaluate([r0, r1])
    np.testing.assert_array_equal(a, [2])
    np.testing.assert_array_equal(b, [0])
    s0 = mg.placeholder(mg.int32, [None])
    r0, _ = math_ops.broadcast_gradient_args(s0, [2, 3])
    with pytest.raises(mg.errors.InvalidArgumentError, match="Incompatible shapes"):
        evaluate(r0, {s0: [4, 3]})


def test_broadcast_gradient_args_static_value_is_folded():
    from minigraph.framework.registry import static_value
    r0, r1 = math_ops.broadcast_gradient_args([5, 1], [1, 7])
    np.testing.assert_array_equal(static_value(r0), [1])
    np.testing.assert_array_equal(static_value(r1), [0])


# -- add_n -----------------------------------------------------------------------------------------
def test_add_n_forward_and_names():
    vals = [rng(i).randn(2, 3).astype(np.float32) for i in range(3)]
    ts = [mg.constant(v) for v in vals]
    s = mg.add_n(ts)
    assert s.op.type == "AddN" and s.name == "AddN:0"
    out = evaluate(s)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, vals[0] + vals[1] + vals[2], rtol=1e-6)
    assert mg.add_n([ts[0]]) is ts[0]


def test_add_n_gradient():
    a, b = rng(1).randn(2, 3), rng(2).randn(2, 3)
    assert gradient_error(lambda x, y: mg.add_n([x, y, x]), a, b) < 1e-6


def test_add_n_errors():
    with pytest.raises(ValueError, match="AddN"):
        mg.add_n([_ph([2, 3]), _ph([3, 2])])
    with pytest.raises(TypeError):
        mg.add_n([_ph([2], mg.float32), _ph([2], mg.float64)])
    with pytest.raises(ValueError, match="non-empty"):
        mg.add_n([])
