"""clip_by_value, global_norm, clip_by_global_norm: values, names, gradients, errors."""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def test_clip_by_value_forward_and_names():
    v = rng().randn(3, 4).astype(np.float32)
    t = mg.clip_by_value(mg.constant(v), -0.5, 0.5)
    assert t.op.type == "Maximum" and t.op.name == "clip_by_value"
    assert t.op.inputs[0].op.name == "clip_by_value/Minimum"
    out = evaluate(t)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[min(max(e, -0.5), 0.5) for e in row] for row in v])


def test_clip_by_value_tensor_bounds_and_ints():
    lo = mg.constant([0, 1, 2])
    out = evaluate(mg.clip_by_value(mg.constant([[5, -1, 1]]), lo, 3))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[3, 1, 2]])


def test_clip_by_value_gradient_passes_inside_and_at_bounds():
    x = mg.constant([-2.0, -0.5, 0.0, 0.5, 2.0], mg.float64)
    g = evaluate(mg.gradients(mg.clip_by_value(x, -0.5, 0.5), x)[0])
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])
    v = rng().uniform(-1, 1, (2, 3))
    v[np.abs(np.abs(v) - 0.3) < 0.05] = 0.0
    assert gradient_error(lambda t: mg.clip_by_value(t, -0.3, 0.3), v) < 1e-6


def test_clip_by_value_refuses_to_broadcast_t():
    with pytest.raises(ValueError, match=r"broadcast .* \[3\] to shape \[2,3\]"):
        mg.clip_by_value(mg.ones([3]), mg.zeros([2, 3]), 1.0)


def _norm(arrays):
    return np.sqrt(sum(float(np.sum(a.astype(np.float64) ** 2)) for a in arrays))


def test_global_norm():
    a, b = rng(1).randn(2, 3).astype(np.float32), rng(2).randn(4).astype(np.float32)
    n = mg.global_norm([mg.constant(a), None, mg.constant(b)])
    assert n.op.name == "global_norm/global_norm" and n.shape.as_list() == []
    out = evaluate(n)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _norm([a, b]), rtol=1e-6)
    with pytest.raises(TypeError, match="sequence"):
        mg.global_norm(mg.constant(a))


@pytest.mark.parametrize("clip", [0.5, 100.0])
def test_clip_by_global_norm(clip):
    a, b = rng(1).randn(2, 3).astype(np.float32), rng(2).randn(4).astype(np.float32)
    clipped, norm = mg.clip_by_global_norm([mg.constant(a), None, mg.constant(b)], clip)
    assert clipped[1] is None
    assert clipped[0].op.name == "clip_by_global_norm/clip_by_global_norm/_0"
    assert clipped[2].op.name == "clip_by_global_norm/clip_by_global_norm/_2"
    ca, cb, n = evaluate([clipped[0], clipped[2], norm])
    g = _norm([a, b])
    scale = clip / max(g, clip)
    np.testing.assert_allclose(n, g, rtol=1e-6)
    np.testing.assert_allclose(ca, a * scale, rtol=1e-5)
    np.testing.assert_allclose(cb, b * scale, rtol=1e-5)
    assert ca.dtype == np.float32


def test_clip_by_global_norm_use_norm_and_nonfinite():
    a = mg.constant([3.0, 4.0])
    (c,), n = mg.clip_by_global_norm([a], 1.0, use_norm=10.0)
    np.testing.assert_allclose(evaluate(c), [0.3, 0.4], rtol=1e-6)
    (c,), _ = mg.clip_by_global_norm([mg.constant([np.inf, 1.0])], 1.0)
    assert np.all(np.isnan(evaluate(c)))


def test_clip_by_global_norm_gradient():
    a, b = rng(1).randn(2, 3), rng(2).randn(3)

    def build(x, y):
        (cx, cy), _ = mg.clip_by_global_norm([x, y], 1.0)
        return cx * cy
    assert gradient_error(build, a, b) < 1e-6
