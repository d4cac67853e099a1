"""mg.regularizers and mg.constraints: values against NumPy formulas, names, errors."""
import numpy as np
import pytest

import minigraph as mg
from util import evaluate, rng

W = rng(3).randn(3, 4, 2).astype(np.float32)
EPS = 1e-7


def run(fn, w=W):
    return evaluate(fn(mg.constant(w)))


# -- regularizers -------------------------------------------------------------------------------
@pytest.mark.parametrize("make, ref", [
    (lambda: mg.regularizers.l1(), lambda w: np.float32(0.01) * np.abs(w).sum()),
    (lambda: mg.regularizers.l1(0.3), lambda w: np.float32(0.3) * np.abs(w).sum()),
    (lambda: mg.regularizers.l2(), lambda w: np.float32(0.01) * np.square(w).sum()),
    (lambda: mg.regularizers.l2(0.5), lambda w: np.float32(0.5) * np.square(w).sum()),
    (lambda: mg.regularizers.l1_l2(), lambda w: 0.01 * np.abs(w).sum() + 0.01 * (w ** 2).sum()),
    (lambda: mg.regularizers.l1_l2(0.1, 0.2),
     lambda w: 0.1 * np.abs(w).sum() + 0.2 * (w ** 2).sum()),
    (lambda: mg.regularizers.L1L2(l2=0.25), lambda w: 0.25 * (w ** 2).sum()),
    (lambda: mg.regularizers.l2_regularizer(0.5), lambda w: 0.5 * (w ** 2).sum() / 2),
    (lambda: mg.regularizers.l1_regularizer(0.5), lambda w: 0.5 * np.abs(w).sum()),
    (lambda: mg.regularizers.l1_l2_regularizer(0.5, 0.25),
     lambda w: 0.5 * np.abs(w).sum() + 0.25 * (w ** 2).sum() / 2),
])
def test_regularizer_values(make, ref):
    out = run(make())
    assert out.shape == () and out.dtype == np.float32
    np.testing.assert_allclose(out, ref(W.astype(np.float64)), rtol=1e-5)


def test_keras_l2_has_no_half_and_contrib_l2_has_it():
    w = np.ones((2, 2), np.float32)
    assert run(mg.regularizers.l2(1.0), w) == pytest.approx(4.0)
    assert run(mg.regularizers.l2_regularizer(1.0), w) == pytest.approx(2.0)


def test_regularizer_op_names_follow_keras_arithmetic():
    out = mg.regularizers.l1_l2(0.1, 0.2)(mg.constant(W))
    assert out.op.type == "Add"
    assert mg.regularizers.l2_regularizer(0.1)(mg.constant(W)).op.name == "l2_regularizer"


def test_zero_strength_regularizers():
    assert run(mg.regularizers.L1L2()) == 0.0
    assert mg.regularizers.l2_regularizer(0.0)(mg.constant(W)) is None


def test_float64_weights():
    w = W.astype(np.float64)
    out = run(mg.regularizers.l2_regularizer(0.5), w)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, 0.25 * (w ** 2).sum())


def test_contrib_scale_errors():
    with pytest.raises(ValueError, match="integer"):
        mg.regularizers.l2_regularizer(1)
    with pytest.raises(ValueError, match="less than 0"):
        mg.regularizers.l1_regularizer(-0.5)


def test_keras_strength_must_be_a_number():
    with pytest.raises(TypeError, match="l2"):
        mg.regularizers.l2("big")


def test_regularizer_get_and_config():
    assert mg.regularizers.get(None) is None
    assert isinstance(mg.regularizers.get("l2"), mg.regularizers.L1L2)
    assert mg.regularizers.get("l2").get_config() == {"l1": 0.0, "l2": pytest.approx(0.01)}
    fn = lambda w: None  # noqa: E731
    assert mg.regularizers.get(fn) is fn
    r = mg.regularizers.L1L2.from_config({"l1": 0.5, "l2": 0.25})
    assert (r.l1, r.l2) == (0.5, 0.25)
    assert mg.regularizers.deserialize(mg.regularizers.serialize(r)).get_config() == \
        r.get_config()
    with pytest.raises(ValueError, match="regularizer"):
        mg.regularizers.get(3)
    with pytest.raises(ValueError, match="Unknown regularizer"):
        mg.regularizers.get("l3")


# -- constraints --------------------------------------------------------------------------------
def _norms(w, axis):
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("make, ref", [
    (lambda: mg.constraints.max_norm(),
     lambda w: w * np.clip(_norms(w, 0), 0, 2) / (EPS + _norms(w, 0))),
    (lambda: mg.constraints.MaxNorm(0.5, axis=[0, 1]),
     lambda w: w * np.clip(_norms(w, (0, 1)), 0, 0.5) / (EPS + _norms(w, (0, 1)))),
    (lambda: mg.constraints.non_neg(), lambda w: w * (w >= 0)),
    (lambda: mg.constraints.unit_norm(), lambda w: w / (EPS + _norms(w, 0))),
    (lambda: mg.constraints.UnitNorm(axis=2), lambda w: w / (EPS + _norms(w, 2))),
    (lambda: mg.constraints.min_max_norm(),
     lambda w: w * np.clip(_norms(w, 0), 0, 1) / (EPS + _norms(w, 0))),
    (lambda: mg.constraints.MinMaxNorm(1.5, 3.0, rate=0.5, axis=1),
     lambda w: w * (0.5 * np.clip(_norms(w, 1), 1.5, 3.0) + 0.5 * _norms(w, 1))
     / (EPS + _norms(w, 1))),
])
def test_constraint_values(make, ref):
    out = run(make())
    assert out.shape == W.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, ref(W), rtol=1e-5, atol=1e-6)


def test_max_norm_leaves_small_weights_alone_and_limits_large_ones():
    w = np.array([[0.3, 30.0], [0.4, 40.0]], np.float32)
    out = run(mg.constraints.max_norm(1.0), w)
    np.testing.assert_allclose(out[:, 0], w[:, 0], rtol=1e-5)
    assert np.linalg.norm(out[:, 1]) == pytest.approx(1.0, rel=1e-5)


def test_constraint_on_a_variable_and_float64():
    v = mg.Variable(W.astype(np.float64) - 0.5)
    out = mg.constraints.non_neg()(v)
    res = evaluate(out)
    assert res.dtype == np.float64 and (res >= 0).all()


def test_constraint_get_and_config():
    assert mg.constraints.get(None) is None
    assert isinstance(mg.constraints.get("max_norm"), mg.constraints.MaxNorm)
    assert isinstance(mg.constraints.get("NonNeg"), mg.constraints.NonNeg)
    c = mg.constraints.get({"class_name": "MinMaxNorm", "config": {"max_value": 2.0}})
    assert c.get_config() == {"min_value": 0.0, "max_value": 2.0, "rate": 1.0, "axis": 0}
    assert mg.constraints.MaxNorm.from_config({"max_value": 3, "axis": 1}).max_value == 3
    assert mg.constraints.deserialize(mg.constraints.serialize(c)).get_config() == \
        c.get_config()
    fn = lambda w: w  # noqa: E731
    assert mg.constraints.get(fn) is fn
    assert mg.constraints.Constraint()(W) is W
    with pytest.raises(ValueError, match="constraint"):
        mg.constraints.get(1.5)
    with pytest.raises(ValueError, match="Unknown constraint"):
        mg.constraints.get("norm_max")
