"""Partitioned variables: one logical variable stored as shards along one axis.

`get_variable(name, shape, partitioner=p)` asks `p(shape=, dtype=)` for the number of
shards per axis (at most one axis > 1) and creates `name/part_0`, `name/part_1`, ...;
the first `shape[axis] % n` shards get one extra slice. The result, a
`PartitionedVariable`, iterates over its shards and converts to a tensor (the
concatenation `name/ConcatPartitions/concat` followed by the Identity `name`), as in TF1.
Like TF1, it is not itself fetchable and has no arithmetic operators: convert it first.
"""
import collections.abc
import math

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts


class _PartitionInfo:
    """Where a shard sits in the full variable; passed to initializers as `partition_info`."""

    def __init__(self, full_shape, var_offset):
        if not isinstance(full_shape, (list, tuple)):
            raise TypeError("`full_shape` must be a sequence (like tuple or list) instead of %s"
                            % type(full_shape).__name__)
        if not isinstance(var_offset, (list, tuple)):
            raise TypeError("`var_offset` must be a sequence (like tuple or list) instead of %s"
                            % type(var_offset).__name__)
        if len(var_offset) != len(full_shape):
            raise ValueError("Expected equal length, but `var_offset` is of length %d while "
                             "full_shape is of length %d." % (len(var_offset), len(full_shape)))
        for off, dim in zip(var_offset, full_shape):
            if off < 0 or off >= dim:
                raise ValueError("Expected 0 <= offset < full_shape in every dimension, but got "
                                 "var_offset %s and full_shape %s" % (var_offset, full_shape))
        self._full_shape = list(full_shape)
        self._var_offset = list(var_offset)

    @property
    def full_shape(self):
        return self._full_shape

    @property
    def var_offset(self):
        return self._var_offset

    def single_offset(self, shape):
        """The shard's offset along its partitioned axis (0 if unpartitioned)."""
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self._var_offset[dim]

    def single_slice_dim(self, shape):
        """The axis along which the shard of `shape` is cut, or None.

        Raises:
          ValueError: if `shape` differs from the full shape along more than one axis.
        """
        if len(shape) != len(self._full_shape):
            raise ValueError("Expected equal length, but received shape %s of length %d while "
                             "full_shape %s is of length %d."
                             % (shape, len(shape), self._full_shape, len(self._full_shape)))
        dims = [i for i, (s, f) in enumerate(zip(shape, self._full_shape)) if s != f]
        if len(dims) > 1:
            raise ValueError("Cannot use single_slice_dim() with shape %s and full_shape %s "
                             "since the slice is along more than one dimension."
                             % (shape, self._full_shape))
        return dims[0] if dims else None


class SaveSliceInfo:
    """Which slice of the full variable `full_name` a shard holds (used by savers)."""

    def __init__(self, full_name, full_shape, var_offset, var_shape):
        self.full_name = full_name
        self.full_shape = list(full_shape)
        self.var_offset = list(var_offset)
        self.var_shape = list(var_shape)

    @property
    def spec(self):
        """TF1's slice spec string, e.g. "10 3 4,3:0,3"."""
        full = " ".join(str(d) for d in self.full_shape)
        sl = ":".join("%d,%d" % (o, s) for o, s in zip(self.var_offset, self.var_shape))
        return full + " " + sl


class PartitionedVariable:
    """A variable stored as shards (each a `Variable`) along one axis.

    Iterate it for the shards; `convert_to_tensor` gives the full value (a concat);
    `assign*` split the value and return one result per shard.
    """

    def __init__(self, name, shape, dtype, variable_list, partitions):
        if not isinstance(variable_list, (list, tuple)):
            raise TypeError("variable_list is not a list or tuple: %s" % (variable_list,))
        if not isinstance(partitions, (list, tuple)):
            raise TypeError("partitions is not a list or tuple: %s" % (partitions,))
        if not all(p >= 1 for p in partitions):
            raise ValueError("partition values must be positive: %s" % (partitions,))
        if not variable_list:
            raise ValueError("variable_list may not be empty")
        shape = _ts.as_shape(shape)
        for v in variable_list:
            info = v._get_save_slice_info()
            if info is None:
                raise ValueError("All variables must have a save_slice_info available: %s"
                                 % [x.name for x in variable_list])
            if len(shape) != len(partitions):
                raise ValueError("len(shape) != len(partitions): %s vs. %s" % (shape, partitions))
            if info.full_shape != shape.as_list():
                raise ValueError("All variables' full shapes must match shape: %s; but full "
                                 "shapes were: %s" % (shape, info.full_shape))
        self._variable_list = sorted(variable_list,
                                     key=lambda v: v._get_save_slice_info().var_offset)
        self._name = name
        self._shape = shape
        self._dtype = dtypes.as_dtype(dtype)
        self._partitions = list(partitions)

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        if len(self._partition_axes()) > 1:
            raise ValueError("Cannot get a length for %d > 1 partition axes"
                             % len(self._partition_axes()))
        return len(self._variable_list)

    def _partition_axes(self):
        axes = [i for i, n in enumerate(self._partitions) if n > 1]
        return axes or [0]

    def _concat(self):
        from minigraph.ops import array_ops
        graph = self._variable_list[0].graph
        with graph.as_default():
            if len(self._variable_list) == 1:
                with graph.name_scope(None):
                    return array_ops.identity(self._variable_list[0], name=self._name)
            axis = self._partition_axes()[0]
            with graph.name_scope(self._name + "/ConcatPartitions/"):
                concatenated = array_ops.concat(self._variable_list, axis)
            with graph.name_scope(None):
                return array_ops.identity(concatenated, name=self._name)

    def as_tensor(self):
        """The full value: the shards concatenated along the partition axis."""
        with self._variable_list[0].graph.control_dependencies(None):
            return self._concat()

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    @property
    def graph(self):
        return self._variable_list[0].graph

    def get_shape(self):
        return self._shape

    def _get_variable_list(self):
        return self._variable_list

    def _get_partitions(self):
        return self._partitions

    def _apply_assign_fn(self, assign_fn, value):
        # As in TF1, a Python list holds one value per shard; anything else is split.
        if isinstance(value, list):
            if len(value) != len(self._variable_list):
                raise ValueError("Assigning a list of %d values to partitioned variable %s with "
                                 "%d shards; pass one value per shard or a single full value"
                                 % (len(value), self._name, len(self._variable_list)))
            values = value
        elif isinstance(value, PartitionedVariable):
            values = list(value)
        else:
            from minigraph.ops import array_ops
            axis = self._partition_axes()[0]
            sizes = [v.shape[axis].value for v in self._variable_list]
            values = array_ops.split(_graph.convert_to_tensor(value, dtype=self._dtype),
                                     sizes, axis=axis)
        return [assign_fn(v, x) for v, x in zip(self._variable_list, values)]

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Assign the matching slice of `value` to every shard; one result per shard."""
        return self._apply_assign_fn(
            lambda v, x: v.assign(x, use_locking=use_locking, name=name, read_value=read_value),
            value)

    def assign_add(self, value, use_locking=False, name=None, read_value=True):
        return self._apply_assign_fn(
            lambda v, x: v.assign_add(x, use_locking=use_locking, name=name,
                                      read_value=read_value), value)

    def assign_sub(self, value, use_locking=False, name=None, read_value=True):
        return self._apply_assign_fn(
            lambda v, x: v.assign_sub(x, use_locking=use_locking, name=name,
                                      read_value=read_value), value)

    def __repr__(self):
        return "<PartitionedVariable '%s' shape=%s dtype=%s partitions=%s>" % (
            self._name, self._shape, self._dtype.name, self._partitions)


def _to_tensor(pvar, dtype=None, name=None, as_ref=False):
    if dtype is not None and dtypes.as_dtype(dtype) != pvar.dtype:
        raise ValueError("Incompatible type conversion requested to type '%s' for variable of "
                         "type '%s' (partitioned variable %s)"
                         % (dtypes.as_dtype(dtype).name, pvar.dtype.name, pvar.name))
    if as_ref:
        raise NotImplementedError("PartitionedVariable doesn't support being used as a "
                                  "reference (%s)." % pvar.name)
    return pvar.as_tensor()


_graph.register_tensor_conversion_function(PartitionedVariable, _to_tensor)


# -- partitioners -------------------------------------------------------------------------------
def call_partitioner(partitioner, shape, dtype, name="variable"):
    """`partitioner(shape=, dtype=)`, with its result checked (one axis at most > 1).

    Raises:
      ValueError: naming the variable, if the shape is not fully defined or scalar, or the
        partitioner returns something other than a list with one positive int per axis.
    """
    if not shape.is_fully_defined():
        raise ValueError("Shape of a new partitioned variable must be fully defined, but "
                         "instead was %s (variable %s)." % (shape, name))
    if shape.ndims < 1:
        raise ValueError("A partitioned Variable must have rank at least 1, shape: %s "
                         "(variable %s)" % (shape, name))
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, collections.abc.Sequence):
        raise ValueError("Partitioner must return a sequence, but saw: %s (variable %s)"
                         % (slicing, name))
    if len(slicing) != shape.ndims:
        raise ValueError("Partitioner returned a partition list that does not match the "
                         "Variable's rank: %s vs. %s (variable %s)" % (slicing, shape, name))
    if any(p < 1 for p in slicing):
        raise ValueError("Partitioner returned zero partitions for some axes: %s (variable %s)"
                         % (slicing, name))
    if sum(p > 1 for p in slicing) > 1:
        raise ValueError("Can only slice a variable along one dimension: shape: %s, "
                         "partitioning: %s (variable %s)" % (shape, slicing, name))
    return list(slicing)


def slice_dim_and_num_slices(slicing):
    """(axis, number of shards) from a partition list."""
    for dim, n in enumerate(slicing):
        if n > 1:
            return dim, n
    return 0, 1


def iter_slices(full_shape, num_slices, slice_dim):
    """(offset, shape) of each shard; the first `dim % n` shards are one larger."""
    excess = full_shape[slice_dim] % num_slices
    offset = [0] * len(full_shape)
    base = full_shape[slice_dim] // num_slices
    for i in range(num_slices):
        shape = list(full_shape)
        shape[slice_dim] = base + (i < excess)
        yield list(offset), shape
        offset[slice_dim] += shape[slice_dim]


def fixed_size_partitioner(num_shards, axis=0):
    """A partitioner making `num_shards` shards along `axis` (fewer if the axis is shorter)."""
    def _partitioner(shape, **unused_args):
        partitions = [1] * len(shape)
        partitions[axis] = min(num_shards, shape.dims[axis].value)
        return partitions
    return _partitioner


def _element_size(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype)
    return bytes_per_string_element if dtype == dtypes.string else dtype.size


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
                                   max_shards=None):
    """A partitioner keeping every shard under `max_shard_bytes` (at most `max_shards`).

    Raises:
      ValueError: if `max_shard_bytes`, `bytes_per_string_element` or `max_shards` is < 1.
    """
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError("Both max_shard_bytes and bytes_per_string_element must be positive. "
                         "Currently, max_shard_bytes is %s and bytes_per_string_element is %s"
                         % (max_shard_bytes, bytes_per_string_element))
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive, got %s." % max_shards)

    def _partitioner(shape, dtype):
        if not isinstance(shape, _ts.TensorShape):
            raise ValueError("shape is not a TensorShape: %s" % (shape,))
        if not shape.is_fully_defined():
            raise ValueError("shape is not fully defined: %s" % (shape,))
        partitions = [1] * shape.ndims
        slice_bytes = (1.0 * shape.num_elements() / shape.dims[axis].value
                       * _element_size(dtype, bytes_per_string_element))
        slices_per_shard = max(1, math.floor(max_shard_bytes / slice_bytes))
        shards = int(math.ceil(1.0 * shape.dims[axis].value / slices_per_shard))
        if max_shards:
            shards = min(max_shards, shards)
        partitions[axis] = shards
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10,
                                 bytes_per_string_element=16):
    """A partitioner making shards of at least `min_slice_size` bytes, at most
    `max_partitions` of them (and never more than the axis length)."""
    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise ValueError("Cannot partition variable along axis %d when shape is only %s"
                             % (axis, shape))
        total = shape.num_elements() * _element_size(dtype, bytes_per_string_element)
        partitions = [1] * len(shape)
        partitions[axis] = max(1, min(shape.dims[axis].value, max_partitions,
                                      int(math.ceil(total / min_slice_size))))
        return partitions
    return _partitioner


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32,
                                 trainable=True, collections=None, name=None, reuse=None):
    """Deprecated TF1 helper: the shards (a list of Variables) of a variable cut by `slicing`.

    Raises:
      ValueError: if `slicing` does not have one entry per dimension of `shape`.
    """
    from minigraph.framework import variable_scope as vs
    if len(shape) != len(slicing):
        raise ValueError("The 'shape' and 'slicing' of a partitioned Variable must have the "
                         "length: shape: %s, slicing: %s" % (shape, slicing))
    if len(shape) < 1:
        raise ValueError("A partitioned Variable must have rank at least 1: shape: %s" % (shape,))
    with vs.variable_scope(name, "PartitionedVariable", reuse=reuse):
        pvar = vs._get_partitioned_variable(
            name=None, shape=shape, dtype=dtype, initializer=initializer, trainable=trainable,
            partitioner=lambda **unused: list(slicing), collections=collections)
        return list(pvar)
