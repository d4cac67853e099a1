"""Weight constraints: projections applied to a variable after each optimizer update.

A constraint is a callable `f(w) -> tensor of w's shape`; optimizers in `mg.train` assign
`f(var)` to `var` after every update of a variable created with `constraint=f`. These are
the keras ones TF1 layers use (`tf.keras.constraints`), with keras' defaults: norms are
taken along `axis=0` (for a conv kernel `[kh, kw, in, out]` you usually want
`axis=[0, 1, 2]`, i.e. one norm per output filter).
"""
import minigraph as _mg

# keras backend epsilon: keeps the division finite for all-zero weights.
_EPSILON = 1e-7


class Constraint:
    """Base class: the identity projection."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return _mg.sqrt(_mg.reduce_sum(_mg.square(w), axis=axis, keepdims=True))


def _clip(x, lo, hi):
    # keras K.clip: an upper bound below the lower one means "clip to the lower one".
    if hi is not None and lo is not None and hi < lo:
        hi = lo
    return _mg.clip_by_value(x, lo, hi)


class MaxNorm(Constraint):
    """Rescale so the norm of each slice along `axis` is at most `max_value`.

    Args:
      max_value: the largest allowed norm.
      axis: int or list of ints: the axes the norm is taken over (keras default 0).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _mg.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = _clip(norms, 0., float(self.max_value))
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative weights."""

    def __call__(self, w):
        w = _mg.convert_to_tensor(w)
        return w * _mg.cast(_mg.greater_equal(w, _mg.constant(0., dtype=w.dtype)), w.dtype)


class UnitNorm(Constraint):
    """Rescale so the norm of each slice along `axis` is 1.

    Args:
      axis: int or list of ints: the axes the norm is taken over (keras default 0).
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _mg.convert_to_tensor(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the norm of each slice along `axis` into `[min_value, max_value]`.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`; `rate=1`
    enforces the bounds strictly, smaller rates move part of the way each step.

    Args:
      min_value: smallest allowed norm.
      max_value: largest allowed norm.
      rate: how far to move towards the bounds per application, in (0, 1].
      axis: int or list of ints: the axes the norm is taken over (keras default 0).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _mg.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * _clip(norms, float(self.min_value), float(self.max_value))
                   + (1 - self.rate) * norms)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


# keras' function-style names (they are the classes, as in keras).
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
# keras 1 spellings kept by TF1.
maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

_BY_NAME = {"MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
            "MinMaxNorm": MinMaxNorm, "max_norm": MaxNorm, "non_neg": NonNeg,
            "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm, "maxnorm": MaxNorm,
            "nonneg": NonNeg, "unitnorm": UnitNorm}


def serialize(constraint):
    return {"class_name": constraint.__class__.__name__, "config": constraint.get_config()}


def deserialize(config):
    """A constraint from `{"class_name": ..., "config": {...}}` or a name ("max_norm")."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    cls = _BY_NAME.get(config.get("class_name"))
    if cls is None:
        raise ValueError("Unknown constraint: %r (known: %s)"
                         % (config.get("class_name"), ", ".join(sorted(_BY_NAME))))
    return cls(**config.get("config", {}))


def get(identifier):
    """A constraint from None, a name, a config dict or a callable.

    Raises:
      ValueError: if `identifier` is none of these.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret constraint identifier: %r" % (identifier,))

