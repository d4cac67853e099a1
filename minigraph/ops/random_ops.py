"""Random ops and TF1's seed logic (`set_random_seed`, `get_seed`).

Every random op draws from `ctx.rng(op)`: a generator per (session, op) keyed by the op's
`seed`/`seed2` attributes. With a graph-level or op-level seed, a new session on the same
graph repeats the same sequence, and successive runs in one session give new values; with
neither, values differ between sessions, as in TF1.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework.registry import Op, make_tensor, static_value
from minigraph.ops.shape_util import int_input, check_vector, check_scalar, \
    constant_value_as_shape

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
# TF1's truncated normal keeps values within this many standard deviations.
_TRUNCATE_AT = 2.0


def set_random_seed(seed):
    """Set the graph-level seed of the default graph.

    Random ops created afterwards in this graph get deterministic op seeds (see
    `get_seed`), so every new session repeats the same random sequences.

    Args:
      seed: an integer, or None to clear the graph-level seed.
    """
    _graph.get_default_graph().seed = None if seed is None else int(seed)


def _truncate_seed(seed):
    return int(seed) % _MAXINT32


def get_seed(op_seed):
    """The (seed, seed2) pair a random op uses, from the graph seed and `op_seed` (TF1 rules).

    - graph seed set, op seed None: op seed is the graph's last op id (so each op differs
      but the sequence repeats for an identically built graph);
    - graph seed None, op seed set: the graph seed is DEFAULT_GRAPH_SEED (87654321);
    - both None: (None, None), i.e. nondeterministic.
    (0, 0) would mean "nondeterministic" to the kernels, so it becomes (0, 2**31 - 1).

    Args:
      op_seed: an integer or None.

    Returns:
      A tuple of two integers or of two Nones.
    """
    graph = _graph.get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = graph._last_id
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def _seed_attrs(seed):
    s1, s2 = get_seed(seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}


def _shape_tensor(shape):
    return int_input(list(shape.as_list()) if hasattr(shape, "as_list") else shape,
                     "shape", "the shape of a random op")


class _Random(Op):
    """A random tensor of the shape given by its first input; never folded or shared."""

    abstract = True
    type = None
    stateful = True
    needs_context = True
    not_differentiable = True

    def infer(self, op):
        shape_t = op.inputs[0]
        check_vector(op, shape_t, "shape")
        known = static_value(shape_t)
        if known is not None and np.any(np.asarray(known) < 0):
            raise ValueError("Shape of a random op must be non-negative, got %s for '%s' (op: "
                             "'%s')" % (np.asarray(known).tolist(), op.name, op.type))
        return [(self.out_dtype(op), constant_value_as_shape(shape_t))]

    def out_dtype(self, op):
        return op.attrs["dtype"]


def _float_draw(fn, shape, dtype):
    """`fn(shape, np_dtype)` in float32/64; float16 is drawn in float32 and rounded."""
    np_dtype = dtype.as_numpy_dtype
    draw_dtype = np.float32 if np_dtype == np.float16 else np_dtype
    return fn(tuple(int(d) for d in shape), draw_dtype).astype(np_dtype, copy=False)


class RandomUniform(_Random):
    """Floats uniform in [0, 1)."""

    def compute(self, ctx, op, shape):
        gen = ctx.rng(op)
        return _float_draw(lambda s, d: gen.random(s, dtype=d), shape, op.attrs["dtype"])


class RandomUniformInt(_Random):
    """Integers uniform in [minval, maxval)."""

    def infer(self, op):
        _, lo, hi = op.inputs
        check_scalar(op, lo, "minval")
        check_scalar(op, hi, "maxval")
        lv, hv = static_value(lo), static_value(hi)
        if lv is not None and hv is not None and not lv < hv:
            raise ValueError("Need minval < maxval: %d >= %d for '%s' (op: 'RandomUniformInt')"
                             % (lv, hv, op.name))
        return super().infer(op)

    def out_dtype(self, op):
        return op.inputs[1].dtype

    def compute(self, ctx, op, shape, lo, hi):
        if not lo < hi:
            raise ValueError("Need minval < maxval: %d >= %d" % (lo, hi))
        return ctx.rng(op).integers(lo, hi, size=tuple(int(d) for d in shape), dtype=lo.dtype)


class RandomStandardNormal(_Random):
    """Floats from the standard normal distribution."""

    def compute(self, ctx, op, shape):
        gen = ctx.rng(op)
        return _float_draw(lambda s, d: gen.standard_normal(s, dtype=d), shape,
                           op.attrs["dtype"])


class TruncatedNormal(_Random):
    """Standard normal floats, redrawn until they lie within 2 standard deviations."""

    def compute(self, ctx, op, shape):
        gen = ctx.rng(op)

        def draw(s, d):
            out = gen.standard_normal(s, dtype=d)
            bad = np.abs(out) > _TRUNCATE_AT
            while bad.any():
                out[bad] = gen.standard_normal(int(bad.sum()), dtype=d)
                bad = np.abs(out) > _TRUNCATE_AT
            return out
        return _float_draw(draw, shape, op.attrs["dtype"])


class RandomShuffle(Op):
    """Its input with the slices along the first dimension in random order."""

    stateful = True
    needs_context = True
    # TF1 gives no gradient through a shuffle (gradients() returns None, no error).
    not_differentiable = True

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, ctx, op, x):
        if x.ndim == 0:
            return x.copy()
        return x[ctx.rng(op).permutation(x.shape[0])]


def _float_dtype(dtype, fn):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError("Invalid dtype %r for %s: expected a floating point type" % (dtype, fn))
    return dtype


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Values uniform in `[minval, maxval)`.

    Floats are `RandomUniform * (maxval - minval) + minval`, as in TF1; integers come from
    `RandomUniformInt` (then `maxval` is required).

    Args:
      shape: int vector (list or tensor), the output shape.
      minval: scalar lower bound (inclusive), default 0.
      maxval: scalar upper bound (exclusive); default 1 for floats; required for ints.
      dtype: float16/32/64, int32 or int64.
      seed: op-level seed (see `set_random_seed`).
      name: op name (default "random_uniform").

    Returns:
      A tensor of shape `shape` and dtype `dtype`.

    Raises:
      ValueError: for an unsupported dtype, or an integer dtype without `maxval`.
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32,
                     dtypes.int64):
        raise ValueError("Invalid dtype %r" % dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError("Must specify maxval for integer dtype %r" % dtype)
        maxval = 1
    with _graph.name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        s = _shape_tensor(shape)
        lo = _graph.convert_to_tensor(minval, dtype=dtype, name="min")
        hi = _graph.convert_to_tensor(maxval, dtype=dtype, name="max")
        attrs = _seed_attrs(seed)
        if dtype.is_integer:
            return make_tensor("RandomUniformInt", [s, lo, hi], attrs, scope)
        attrs["dtype"] = dtype
        rnd = make_tensor("RandomUniform", [s], attrs)
        from minigraph.ops import math_ops
        return math_ops.add(rnd * (hi - lo), lo, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Values from a normal distribution: `RandomStandardNormal * stddev + mean`.

    Args:
      shape: int vector, the output shape.
      mean: scalar mean.
      stddev: scalar standard deviation.
      dtype: a float dtype.
      seed: op-level seed (see `set_random_seed`).
      name: op name (default "random_normal").

    Returns:
      A tensor of shape `shape` and dtype `dtype`.
    """
    dtype = _float_dtype(dtype, "random_normal")
    return _scaled("RandomStandardNormal", "random_normal", shape, mean, stddev, dtype, seed,
                   name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values redrawn until within 2 standard deviations of the mean.

    `TruncatedNormal * stddev + mean`, as in TF1.

    Args:
      shape: int vector, the output shape.
      mean: scalar mean.
      stddev: scalar standard deviation of the normal before truncation.
      dtype: a float dtype.
      seed: op-level seed (see `set_random_seed`).
      name: op name (default "truncated_normal").

    Returns:
      A tensor of shape `shape` and dtype `dtype`, values in
      `[mean - 2 * stddev, mean + 2 * stddev]`.
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    return _scaled("TruncatedNormal", "truncated_normal", shape, mean, stddev, dtype, seed, name)


def _scaled(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    from minigraph.ops import math_ops
    with _graph.name_scope(name, default_name, [shape, mean, stddev]) as scope:
        s = _shape_tensor(shape)
        m = _graph.convert_to_tensor(mean, dtype=dtype, name="mean")
        sd = _graph.convert_to_tensor(stddev, dtype=dtype, name="stddev")
        attrs = _seed_attrs(seed)
        attrs["dtype"] = dtype
        rnd = make_tensor(op_type, [s], attrs)
        return math_ops.add(rnd * sd, m, name=scope)


def random_shuffle(value, seed=None, name=None):
    """`value` with its slices along the first dimension shuffled (op `RandomShuffle`).

    Args:
      value: a tensor of shape `[n, ...]`.
      seed: op-level seed (see `set_random_seed`).
      name: op name (default "RandomShuffle").

    Returns:
      A tensor of `value`'s shape and dtype.
    """
    with _graph.name_scope(name, "RandomShuffle", [value]) as scope:
        x = _graph.convert_to_tensor(value, name="value")
        return make_tensor("RandomShuffle", [x], _seed_attrs(seed), scope)
