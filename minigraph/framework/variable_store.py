"""The variable store behind `get_variable`: creation, reuse checks and partitioning.

One `_VariableStore` per graph (see `variable_scope._state`) maps full variable names to
the `Variable`s (and `PartitionedVariable`s) that `get_variable` created, and enforces
TF1's rules: a name is created once, reuse returns the stored variable only when the
requested shape and dtype are compatible, and partitioned and plain variables of one
name never mix. The error messages are TF1's, with the offending values added.
"""
import functools
import inspect
import os
import traceback

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import partitioned_variables as _pv
from minigraph.framework import tensor_shape as _ts
from minigraph.framework import variables as _variables
from minigraph.framework.graph import GraphKeys


def _accepts(fn, arg):
    """Whether calling `fn` with keyword `arg` is allowed."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == arg or p.kind == p.VAR_KEYWORD for p in params)


def _needs_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in params)


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_stack():
    """The creation stack without minigraph's own frames, innermost first, 5 deep (TF1)."""
    # Source lines are looked up only if the message is ever formatted.
    frames = traceback.StackSummary.extract(traceback.walk_stack(None), lookup_lines=False)
    frames = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return traceback.StackSummary.from_list(frames[:5])


class _VariableStore:
    """The variables made by `get_variable` in one graph, by full name."""

    def __init__(self):
        self._vars = {}
        self._partitioned_vars = {}
        self._tracebacks = {}

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError("Passed a custom_getter which is not callable: %s" % (custom_getter,))
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype).base_dtype

        def true_getter(name, shape=None, dtype=dtypes.float32, initializer=None,
                        regularizer=None, reuse=None, trainable=None, collections=None,
                        caching_device=None, partitioner=None, validate_shape=True,
                        use_resource=None, constraint=None, synchronization=None,
                        aggregation=None):
            kwargs = dict(shape=shape, dtype=dtype, initializer=initializer,
                          regularizer=regularizer, reuse=reuse, trainable=trainable,
                          collections=collections, caching_device=caching_device,
                          validate_shape=validate_shape, constraint=constraint)
            is_scalar = isinstance(shape, (list, tuple)) and not shape
            if partitioner is not None and not is_scalar:
                if not callable(partitioner):
                    raise ValueError("Partitioner must be callable, but received: %s"
                                     % (partitioner,))
                with _graph.get_default_graph().name_scope(None):
                    return self._get_partitioned_variable(name, partitioner, **kwargs)
            # A partitioned variable can be reused without repeating its partitioner.
            if reuse is True and partitioner is None and name in self._partitioned_vars:
                return self._get_partitioned_variable(name, None, **kwargs)
            if "%s/part_0" % name in self._vars:
                raise ValueError("No partitioner was provided, but a partitioned version of the "
                                 "variable was found: %s/part_0. Perhaps a variable of the same "
                                 "name was already created with partitioning?" % name)
            return self._get_single_variable(name, **kwargs)

        if trainable is None:
            trainable = True
        if custom_getter is None:
            return true_getter(name, shape=shape, dtype=dtype, initializer=initializer,
                               regularizer=regularizer, reuse=reuse, trainable=trainable,
                               collections=collections, caching_device=caching_device,
                               partitioner=partitioner, validate_shape=validate_shape,
                               use_resource=use_resource, constraint=constraint,
                               synchronization=synchronization, aggregation=aggregation)
        kwargs = dict(getter=true_getter, name=name, shape=shape, dtype=dtype,
                      initializer=initializer, regularizer=regularizer, reuse=reuse,
                      trainable=trainable, collections=collections,
                      caching_device=caching_device, partitioner=partitioner,
                      validate_shape=validate_shape, use_resource=use_resource,
                      synchronization=synchronization, aggregation=aggregation)
        if _accepts(custom_getter, "constraint"):
            kwargs["constraint"] = constraint
        return custom_getter(**kwargs)

    def _get_partitioned_variable(self, name, partitioner, shape=None, dtype=dtypes.float32,
                                  initializer=None, regularizer=None, reuse=None,
                                  trainable=None, collections=None, caching_device=None,
                                  validate_shape=True, constraint=None):
        """Get or create the shards `name/part_0`, ... of a variable split along one axis."""
        from_value = isinstance(initializer, _graph.Tensor)
        if name in self._vars:
            raise ValueError("A partitioner was provided, but an unpartitioned version of the "
                             "variable was found: %s.  Perhaps a variable of the same name was "
                             "already created without partitioning?" % name)
        shape = _ts.as_shape(shape)
        if from_value:
            shape = shape.merge_with(initializer.shape)
        partitions = None
        if not reuse or partitioner:
            partitions = _pv.call_partitioner(partitioner, shape, dtype, name)
        if name in self._partitioned_vars:
            if reuse is False:
                raise ValueError("Partitioned variable with name %s already exists. Did you mean "
                                 "to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?" % name)
            existing = self._partitioned_vars[name]
            if not shape.is_compatible_with(existing.get_shape()):
                raise ValueError("Trying to reuse partitioned variable %s, but specified shape %s "
                                 "and found shape %s." % (name, shape, existing.get_shape()))
            if not dtype.is_compatible_with(existing.dtype):
                raise ValueError("Trying to reuse partitioned variable %s, but specified dtype %s "
                                 "and found dtype %s." % (name, dtype.name, existing.dtype.name))
            if partitions is not None and existing._get_partitions() != partitions:
                raise ValueError("Trying to reuse partitioned variable %s, but specified "
                                 "partitions %s and found partitions %s."
                                 % (name, partitions, existing._get_partitions()))
            return existing
        if reuse is True:
            raise ValueError("PartitionedVariable %s does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=False or "
                             "reuse=tf.AUTO_REUSE in VarScope?" % name)
        slice_dim, num_slices = _pv.slice_dim_and_num_slices(partitions)
        if "%s/part_0" % name in self._vars:
            if "%s/part_%d" % (name, num_slices - 1) not in self._vars:
                raise ValueError("Partitioner returned a different partitioning than what was "
                                 "already found.  Partitioner returned %d shards, and shard "
                                 "%s/part_0 was found, but %s/part_%d was not."
                                 % (num_slices, name, name, num_slices - 1))
            if "%s/part_%d" % (name, num_slices) in self._vars:
                raise ValueError("Partitioner returned a different partitioning than what was "
                                 "already found.  Partitioner returned %d shards, and shard "
                                 "%s/part_0 was found, but so was the extra shard %s/part_%d."
                                 % (num_slices, name, name, num_slices))
        graph = _graph.get_default_graph()
        shards = []
        for i, (offset, var_shape) in enumerate(_pv.iter_slices(shape.as_list(), num_slices,
                                                                 slice_dim)):
            info = _pv._PartitionInfo(full_shape=shape.as_list(), var_offset=offset)
            shard_name = "%s/part_%d" % (name, i)
            with graph.name_scope(shard_name + "/PartitionedInitializer"):
                init, init_shape, shard_dtype = self._shard_initializer(
                    name, initializer, shape, dtype, offset, var_shape)
            with graph.name_scope(None):
                var = self._get_single_variable(
                    shard_name, shape=init_shape, dtype=shard_dtype, initializer=init,
                    partition_info=info, regularizer=regularizer, reuse=reuse,
                    trainable=trainable, collections=collections, caching_device=caching_device,
                    validate_shape=validate_shape, constraint=constraint)
            var._set_save_slice_info(_pv.SaveSliceInfo(name, shape.as_list(), offset, var_shape))
            shards.append(var)
        pvar = _pv.PartitionedVariable(name=name, shape=shape, dtype=dtype, variable_list=shards,
                                       partitions=partitions)
        self._partitioned_vars[name] = pvar
        return pvar

    def _shard_initializer(self, name, initializer, shape, dtype, offset, var_shape):
        """(initializer, shape to pass, dtype) for one shard, as TF1 slices them."""
        from minigraph.ops import array_ops
        if initializer is None:
            init, from_value = self._get_default_initializer(name, dtype)
            return init, None if from_value else var_shape, dtype
        if callable(initializer):
            return initializer, var_shape, dtype
        if isinstance(initializer, _graph.Tensor):
            return array_ops.slice(initializer, offset, var_shape), None, initializer.dtype
        value = _graph.convert_to_tensor(initializer, dtype=dtype)
        return array_ops.slice(value, offset, var_shape), None, dtype

    def _get_single_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                             regularizer=None, partition_info=None, reuse=None, trainable=None,
                             collections=None, caching_device=None, validate_shape=True,
                             constraint=None):
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape (variable %s, "
                             "shape %s)." % (name, list(shape)))
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = _ts.as_shape(shape)

        if name in self._vars:
            if reuse is False:
                msg = ("Variable %s already exists, disallowed. Did you mean to set reuse=True "
                       "or reuse=tf.AUTO_REUSE in VarScope?" % name)
                tb = self._tracebacks.get(name)
                if tb:
                    msg += " Originally defined at:\n\n%s" % "".join(tb.format())
                raise ValueError(msg)
            found = self._vars[name]
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError("Trying to share variable %s, but specified shape %s and found "
                                 "shape %s." % (name, shape, found.get_shape()))
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError("Trying to share variable %s, but specified dtype %s and found "
                                 "dtype %s_ref." % (name, dtype.name, found.dtype.name))
            return found

        if reuse is True:
            raise ValueError("Variable %s does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?" % name)
        if initializer is None:
            if shape is None:
                raise ValueError("Variable %s did not get an initializer, so its `shape` "
                                 "argument must be specified." % name)
            initializer, from_value = self._get_default_initializer(name, dtype)
        if from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                kwargs = {"dtype": dtype}
                if _accepts(initializer, "partition_info"):
                    kwargs["partition_info"] = partition_info
                init_val = functools.partial(initializer, shape.as_list(), **kwargs)
                variable_dtype = dtype.base_dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            else:
                raise ValueError("The initializer passed is not valid. It should be a callable "
                                 "with no arguments and the shape should not be provided or an "
                                 "instance of `tf.keras.initializers.*' and `shape` should be "
                                 "fully defined. (Variable %s: shape %s, initializer %r)"
                                 % (name, shape, initializer))
        v = _variables.Variable(initial_value=init_val, name=name, trainable=trainable,
                                collections=collections, caching_device=caching_device,
                                dtype=variable_dtype, validate_shape=validate_shape,
                                constraint=constraint)
        self._vars[name] = v
        self._tracebacks[name] = _user_stack()
        if regularizer:
            graph = v.graph
            with graph.control_dependencies(None), graph.name_scope(name + "/Regularizer/"):
                loss = regularizer(v)
            if loss is not None:
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v

    def _get_default_initializer(self, name, dtype):
        """glorot_uniform for floats, zeros for ints and bools, as in TF1."""
        from minigraph.ops import init_ops
        if dtype.is_floating:
            return init_ops.glorot_uniform_initializer(), False
        if dtype.is_integer or dtype.is_bool or dtype == dtypes.string:
            return init_ops.zeros_initializer(), False
        raise ValueError("An initializer for variable %s of %s is required"
                         % (name, dtype.base_dtype))
