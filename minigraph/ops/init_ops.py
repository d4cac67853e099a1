"""Initializers: callables `init(shape, dtype=None, partition_info=None)` -> a tensor.

TF1's classes with TF1's defaults and `get_config()`; the lowercase TF1 names are the
classes themselves (`zeros_initializer is Zeros`). `get_variable` calls them inside the
name scope `NAME/Initializer/`, so their ops are named `w/Initializer/random_uniform`,
`w/Initializer/zeros`, ... Random initializers draw through `random_ops` (TF1 seeds).
"""
import math

import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import tensor_shape as _ts


def _as_list(shape):
    if isinstance(shape, _ts.TensorShape):
        return shape.as_list()
    return [int(d) for d in shape]


def _assert_float_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError("Expected floating point type, got %s." % dtype.name)
    return dtype


def _call_dtype(init, dtype, need_float):
    dtype = init.dtype if dtype is None else dtypes.as_dtype(dtype).base_dtype
    if need_float and not dtype.is_floating:
        # TF1 fails here too, in the random op (TypeError); say which initializer.
        raise TypeError("%s initializer needs a floating point dtype, got %s (in name scope "
                        "'%s')" % (type(init).__name__, dtype.name, _scope()))
    return dtype


def _scope():
    from minigraph.framework import graph as _graph
    return _graph.get_default_graph().get_name_scope()


def _compute_fans(shape):
    """(fan_in, fan_out) of a weight of `shape`; conv kernels multiply by the receptive field.

    Shapes: [] -> (1, 1); [n] -> (n, n); [in, out]; [..., in, out] (a conv kernel
    [kh, kw, in, out]: fan_in = kh * kw * in, fan_out = kh * kw * out).
    """
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


class Initializer:
    """Base class: `__call__(shape, dtype=None, partition_info=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        """The initializer `get_config()` describes."""
        return cls(**config)


class Zeros(Initializer):
    """All zeros (op `zeros`)."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import array_ops
        return array_ops.zeros(shape, _call_dtype(self, dtype, False))

    def get_config(self):
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """All ones (op `ones`)."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import array_ops
        return array_ops.ones(shape, _call_dtype(self, dtype, False))

    def get_config(self):
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """The constant `value`: a scalar fills the shape; a list fills it in order, its last
    element repeated if it is short (TF1's `constant` rule).

    Raises:
      TypeError: if `value` is not a scalar, list, tuple or NumPy array; when called with
        `verify_shape` and a value of another shape.
      ValueError: when called with a shape that holds fewer elements than `value`.
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError("Invalid type for initial value: %s (expected Python scalar, list or "
                            "tuple of values, or numpy.ndarray), got %r"
                            % (type(value).__name__, value))
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        from minigraph.ops import constant_op
        dtype = _call_dtype(self, dtype, False)
        if verify_shape is None:
            verify_shape = self._verify_shape
        target = tuple(_as_list(shape))
        arr = constant_op.to_numpy(self.value, dtype, "constant_initializer value")
        if verify_shape and arr.shape != target:
            raise TypeError("Expected Tensor's shape: %s, got %s." % (target, arr.shape))
        need = int(np.prod(target))
        if arr.size > need:
            raise ValueError("Too many elements provided. Needed at most %d, but received %d "
                             "(constant_initializer value %s for shape %s)"
                             % (need, arr.size, _short(self.value), list(target)))
        if 1 < arr.size < need or (arr.size == 1 and arr.ndim > 0 and need > 1):
            flat = arr.ravel()
            arr = np.concatenate([flat, np.repeat(flat[-1:], need - flat.size)])
        return constant_op.constant(arr, dtype=dtype, shape=list(target))

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


def _short(value):
    s = repr(value)
    return s if len(s) < 60 else s[:57] + "..."


class RandomUniform(Initializer):
    """Uniform in [minval, maxval) (maxval default 1 for floats)."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import random_ops
        return random_ops.random_uniform(shape, self.minval, self.maxval,
                                         _call_dtype(self, dtype, False), seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """Normal with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import random_ops
        return random_ops.random_normal(shape, self.mean, self.stddev,
                                        _call_dtype(self, dtype, True), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(Initializer):
    """Normal with `mean` and `stddev`, redrawn outside two standard deviations."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import random_ops
        return random_ops.truncated_normal(shape, self.mean, self.stddev,
                                           _call_dtype(self, dtype, True), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """Deprecated TF1 initializer: uniform in +-sqrt(3 / fan_in) * factor."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import random_ops
        dtype = _call_dtype(self, dtype, True)
        scale_shape = _as_list(shape) if partition_info is None else partition_info.full_shape
        input_size = 1.0
        for d in scale_shape[:-1]:
            input_size *= float(d)
        max_val = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(shape, -max_val, max_val, dtype, seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


# TF1's "truncated_normal" keeps |x| < 2 stddev, which shrinks the standard deviation by
# this factor; dividing by it gives the requested variance.
_TRUNCATED_STDDEV = 0.87962566103423978


class VarianceScaling(Initializer):
    """Samples with variance `scale / n`, n = fan_in, fan_out or their mean (`mode`).

    `distribution`: "truncated_normal" (or its deprecated alias "normal"; stddev
    sqrt(scale / n) / 0.8796... before truncation at 2 stddev), "untruncated_normal"
    (stddev sqrt(scale / n)) or "uniform" (limit sqrt(3 * scale / n)). Fans of a
    partitioned variable use the full shape.

    Raises:
      ValueError: for scale <= 0, an unknown mode or distribution, or a non-float dtype.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError("`scale` must be positive float, got %r." % (scale,))
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Invalid `mode` argument: %r (expected 'fan_in', 'fan_out' or "
                             "'fan_avg')" % (mode,))
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Invalid `distribution` argument: %r (expected 'normal', 'uniform', "
                             "'truncated_normal' or 'untruncated_normal')" % (distribution,))
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import random_ops
        dtype = _call_dtype(self, dtype, True)
        scale_shape = _as_list(shape) if partition_info is None else partition_info.full_shape
        fan_in, fan_out = _compute_fans(scale_shape)
        scale = self.scale
        if self.mode == "fan_in":
            scale /= max(1., fan_in)
        elif self.mode == "fan_out":
            scale /= max(1., fan_out)
        else:
            scale /= max(1., (fan_in + fan_out) / 2.)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Uniform in +-sqrt(6 / (fan_in + fan_out)): the default for float variables."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed,
                         dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)) (after truncation)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal", seed=seed,
                         dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain`; shapes of rank > 2 are treated as
    [prod(shape[:-1]), shape[-1]] and reshaped back.

    The QR decomposition of a normal sample, with Q's columns sign-corrected by the
    diagonal of R (ops Qr, DiagPart, Sign, as in TF1), so Q is uniformly distributed.

    Raises:
      ValueError: when called with a shape of rank < 2.
    """

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtype)
        self.seed = seed

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import array_ops, linalg_ops, math_ops, random_ops
        dtype = _call_dtype(self, dtype, True)
        shape = _as_list(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional, got "
                             "shape %s (orthogonal_initializer, in name scope '%s')"
                             % (shape, _scope()))
        num_rows = 1
        for d in shape[:-1]:
            num_rows *= d
        num_cols = shape[-1]
        flat_shape = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        a = random_ops.random_normal(flat_shape, dtype=dtype, seed=self.seed)
        q, r = linalg_ops.qr(a, full_matrices=False)
        q = q * math_ops.sign(linalg_ops.diag_part(r))
        if num_rows < num_cols:
            q = array_ops.transpose(q)
        return self.gain * array_ops.reshape(q, shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular allowed)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from minigraph.ops import array_ops, constant_op
        dtype = _call_dtype(self, dtype, False)
        full_shape = _as_list(shape) if partition_info is None else partition_info.full_shape
        if len(full_shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices, got "
                             "shape %s (in name scope '%s')." % (full_shape, _scope()))
        eye = constant_op.constant(np.eye(*full_shape), dtype=dtype, name="eye")
        if partition_info is not None:
            eye = array_ops.slice(eye, partition_info.var_offset, _as_list(shape))
        return self.gain * eye

    def get_config(self):
        return {"gain": self.gain, "dtype": self.dtype.name}


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
identity_initializer = Identity


def lecun_normal(seed=None):
    """Truncated normal, stddev sqrt(1 / fan_in)."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="truncated_normal", seed=seed)


def lecun_uniform(seed=None):
    """Uniform in +-sqrt(3 / fan_in)."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """Truncated normal, stddev sqrt(2 / fan_in)."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="truncated_normal", seed=seed)


def he_uniform(seed=None):
    """Uniform in +-sqrt(6 / fan_in)."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)
