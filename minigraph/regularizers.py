"""Weight regularizers: callables that map a weight tensor to a scalar penalty tensor.

Two families exist in TF1 and both live here:

- `l1(l=0.01)`, `l2(l=0.01)`, `l1_l2(l1=0.01, l2=0.01)` (`tf.keras.regularizers`, what
  `mg.regularizers` is in API.md): `l2(0.1)(w) = 0.1 * sum(w ** 2)`.
- `l1_regularizer(scale)`, `l2_regularizer(scale)`, `l1_l2_regularizer(...)`
  (`tf.contrib.layers`): `l2_regularizer(0.1)(w) = 0.1 * sum(w ** 2) / 2` -- note the
  half, it is `tf.nn.l2_loss`.

Any callable `f(weights) -> scalar tensor (or None)` works wherever a layer or
`get_variable` takes a regularizer.
"""
import numbers

import numpy as np

import minigraph as _mg


class Regularizer:
    """Base class of weight regularizers: `__call__(x)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _strength(value, arg):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError("Regularization strength `%s` must be a real number, got %r (%s)."
                        % (arg, value, type(value).__name__))
    # Keras stores the strength as float32 (K.cast_to_floatx); keep that rounding so the
    # penalty matches TF bit for bit on float32 weights.
    return float(np.float32(value))


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x ** 2)` (keras `L1L2`).

    Args:
      l1: L1 strength (float).
      l2: L2 strength (float).

    Raises:
      TypeError: if a strength is not a real number.
    """

    def __init__(self, l1=0., l2=0.):  # noqa: E741 - keras names
        self.l1 = _strength(l1, "l1")
        self.l2 = _strength(l2, "l2")

    def __call__(self, x):
        if not self.l1 and not self.l2:
            return _mg.constant(0., dtype=_mg.float32)
        # Same arithmetic as keras (starting from a Python 0.), so op names match TF:
        # .../Regularizer/Abs, Sum, mul, add.
        regularization = 0.
        if self.l1:
            regularization += self.l1 * _mg.reduce_sum(_mg.abs(x))
        if self.l2:
            regularization += self.l2 * _mg.reduce_sum(_mg.square(x))
        return regularization

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}

    def __repr__(self):
        return "L1L2(l1=%g, l2=%g)" % (self.l1, self.l2)


def l1(l=0.01):  # noqa: E741 - keras name
    """`l * sum(|w|)` (keras `regularizers.l1`)."""
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741 - keras name
    """`l * sum(w ** 2)` (keras `regularizers.l2`; no factor 1/2, unlike `l2_regularizer`)."""
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: E741 - keras names
    """`l1 * sum(|w|) + l2 * sum(w ** 2)` (keras `regularizers.l1_l2`)."""
    return L1L2(l1=l1, l2=l2)


def serialize(regularizer):
    return {"class_name": regularizer.__class__.__name__, "config": regularizer.get_config()}


def deserialize(config):
    """A regularizer from `{"class_name": ..., "config": {...}}` or a name ("l2")."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    name = config.get("class_name")
    cls = {"L1L2": L1L2, "l1": l1, "l2": l2, "l1_l2": l1_l2}.get(name)
    if cls is None:
        raise ValueError("Unknown regularizer: %r (known: L1L2, l1, l2, l1_l2)" % (name,))
    return cls(**config.get("config", {}))


def get(identifier):
    """A regularizer from None, a name ("l1", "l2", "l1_l2"), a config dict or a callable.

    Raises:
      ValueError: if `identifier` is none of these.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret regularizer identifier: %r" % (identifier,))


# -- tf.contrib.layers regularizers ---------------------------------------------------------
def _check_scale(scale):
    """TF1's contrib checks; returns True when the regularizer is disabled (scale 0)."""
    if isinstance(scale, numbers.Integral):
        raise ValueError("scale cannot be an integer: %s" % (scale,))
    if isinstance(scale, numbers.Real):
        if scale < 0.:
            raise ValueError("Setting a scale less than 0 on a regularizer: %g." % scale)
        return scale == 0.
    return False


def l1_regularizer(scale, scope=None):
    """`scale * sum(|w|)`, as `tf.contrib.layers.l1_regularizer` (a scale of 0 disables it).

    Raises:
      ValueError: if `scale` is an integer or negative.
    """
    if _check_scale(scale):
        return lambda _: None

    def l1(weights):
        with _mg.name_scope(scope, "l1_regularizer", [weights]) as name:
            my_scale = _mg.convert_to_tensor(scale, dtype=weights.dtype, name="scale")
            return _mg.multiply(my_scale, _mg.reduce_sum(_mg.abs(weights)), name=name)
    return l1


def l2_regularizer(scale, scope=None):
    """`scale * sum(w ** 2) / 2` (`tf.nn.l2_loss`), as `tf.contrib.layers.l2_regularizer`.

    Raises:
      ValueError: if `scale` is an integer or negative.
    """
    if _check_scale(scale):
        return lambda _: None

    def l2(weights):
        with _mg.name_scope(scope, "l2_regularizer", [weights]) as name:
            my_scale = _mg.convert_to_tensor(scale, dtype=weights.dtype, name="scale")
            return _mg.multiply(my_scale, _mg.nn.l2_loss(weights), name=name)
    return l2


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """`l1_regularizer(scale_l1)(w) + l2_regularizer(scale_l2)(w)` (tf.contrib.layers).

    Raises:
      ValueError: if a scale is an integer or negative.
    """
    if isinstance(scale_l1, numbers.Integral) or isinstance(scale_l2, numbers.Integral):
        raise ValueError("scale cannot be an integer: %s, %s" % (scale_l1, scale_l2))
    scope = scope or "l1_l2_regularizer"
    if scale_l1 == 0.:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.:
        return l1_regularizer(scale_l1, scope)
    parts = [l1_regularizer(scale_l1), l2_regularizer(scale_l2)]

    def l1_l2(weights):
        with _mg.name_scope(scope, "sum_regularizer", [weights]) as name:
            return _mg.add_n([p(weights) for p in parts], name=name)
    return l1_l2
