"""Variable scopes and `get_variable`: named, shareable variables, with TF1's reuse rules.

Each graph keeps a variable store (the variables `get_variable` created, by full name)
and, per thread, the current `VariableScope` and how often each scope name was opened
(for `default_name` uniquification), in `Graph._extra[__name__]`.

`variable_scope(name)` opens a name scope too, so ops get `foo/...` (or `foo_1/...` when
the name scope `foo` was used before) while variables always get `foo/NAME`: the
variable name depends on variable scopes only, since `get_variable` creates every
variable from the root name scope.
"""
import enum
import functools
import threading

from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework.graph import GraphKeys
from minigraph.framework.variable_store import _VariableStore


class _ReuseMode(enum.Enum):
    """Reuse modes besides True/None; only AUTO_REUSE exists (as in TF1)."""

    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


def no_regularizer(_):
    """A regularizer that adds no loss (overrides a scope's regularizer)."""
    return None


class VariableScope:
    """The defaults `get_variable` uses inside a `variable_scope`: name prefix, reuse,
    initializer, regularizer, partitioner, dtype, constraint, custom getter.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Reuse variables in this scope from now on."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """The items of collection `name` whose names start with this scope's name."""
        scope = self._name + "/" if self._name else ""
        return _graph.get_collection(name, scope)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """`get_variable` with this scope's defaults filled in (see module `get_variable`)."""
        if regularizer is None:
            regularizer = self._regularizer
        if caching_device is None:
            caching_device = self._caching_device
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        if use_resource is None:
            use_resource = self._use_resource
        full_name = self.name + "/" + name if self.name else name
        with _graph.get_default_graph().name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = _graph.convert_to_tensor(initializer).dtype.base_dtype
                if init_dtype != dtypes.as_dtype(dtype):
                    raise ValueError("Initializer type '%s' and explicit dtype '%s' don't match "
                                     "(variable %s)." % (init_dtype.name,
                                                         dtypes.as_dtype(dtype).name, full_name))
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape,
                use_resource=use_resource, custom_getter=custom_getter, constraint=constraint,
                synchronization=synchronization, aggregation=aggregation)

    def __repr__(self):
        return "<VariableScope %r reuse=%r>" % (self._name, self._reuse)


class _VariableScopeStore(threading.local):
    """Per thread: the current scope and how often each scope name has been opened."""

    def __init__(self):
        super().__init__()
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name, 0) + 1

    def close_variable_subscopes(self, scope_name):
        prefix = None if scope_name is None else scope_name + "/"
        for k in self.variable_scopes_count:
            if prefix is None or k.startswith(prefix):
                self.variable_scopes_count[k] = 0

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


def _state(graph=None):
    graph = graph or _graph.get_default_graph()
    state = graph._extra.get(__name__)
    if state is None:
        state = graph._extra[__name__] = (_VariableStore(), _VariableScopeStore())
    return state


def _get_default_variable_store():
    return _state()[0]


def get_variable_scope_store():
    return _state()[1]


def get_variable_scope():
    """The current `VariableScope` (the root scope, name "", outside any variable_scope)."""
    return get_variable_scope_store().current_scope


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Get the variable `SCOPE/name` if reuse allows, else create it.

    Args:
      name: the name inside the current variable scope.
      shape: the shape of a new variable (must be fully defined unless `initializer` is a
        value or a no-argument callable).
      dtype: default the scope's dtype (float32).
      initializer: an initializer (`init(shape, dtype, partition_info)`), an initializer
        class, a tensor or a Python value (then `shape` must be None); default the
        scope's initializer, else glorot_uniform for floats and zeros for integers.
      regularizer: `regularizer(var)` is added to REGULARIZATION_LOSSES, built under the
        name scope `NAME/Regularizer/`.
      trainable, collections, validate_shape, constraint: as for `Variable`.
      partitioner: `partitioner(shape=, dtype=)` -> partitions per axis; returns a
        `PartitionedVariable` of shards `NAME/part_<i>`.
      custom_getter: `custom_getter(getter, name, *args, **kwargs)` wraps creation.

    Returns:
      A `Variable`, or a `PartitionedVariable` when a partitioner is used.

    Raises:
      ValueError: when reuse rules are violated (creating an existing variable without
        reuse, or reusing a missing one), when a reused variable's shape or dtype differs,
        or when a new variable's shape is missing or not fully defined.
    """
    return get_variable_scope().get_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        caching_device=caching_device, partitioner=partitioner, validate_shape=validate_shape,
        use_resource=use_resource, custom_getter=custom_getter, constraint=constraint,
        synchronization=synchronization, aggregation=aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None, partitioner=None,
                       validate_shape=True, use_resource=None, custom_getter=None,
                       constraint=None, synchronization=None, aggregation=None):
    """`get_variable` for LOCAL_VARIABLES: never trainable, not a global variable."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, use_resource=use_resource,
                        custom_getter=custom_getter, constraint=constraint)


def _get_partitioned_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                              trainable=True, collections=None, caching_device=None,
                              partitioner=None, validate_shape=True, constraint=None):
    """The shards of `SCOPE/name` made with `partitioner` (create_partitioned_variables)."""
    scope = get_variable_scope()
    if scope.custom_getter is not None:
        raise ValueError("Private access to _get_partitioned_variable is not allowed when a "
                         "custom getter is set.  Current custom getter: %s." % scope.custom_getter)
    partitioner = partitioner if partitioner is not None else scope.partitioner
    if partitioner is None:
        raise ValueError("No partitioner was specified")
    full_name = "/".join(n for n in (scope.name, name) if n)
    with _graph.get_default_graph().name_scope(None):
        return _get_default_variable_store()._get_partitioned_variable(
            full_name, partitioner, shape=shape,
            dtype=dtype if dtype is not None else scope.dtype,
            initializer=initializer if initializer is not None else scope.initializer,
            regularizer=regularizer if regularizer is not None else scope.regularizer,
            reuse=scope.reuse, trainable=trainable, collections=collections,
            caching_device=caching_device, validate_shape=validate_shape,
            constraint=constraint if constraint is not None else scope.constraint)



# -- the context managers ----------------------------------------------------------------------
def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Nested custom getters compose: the inner scope's getter wraps the outer one's."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


def _get_unique_variable_scope(prefix):
    """`prefix`, or `prefix_<i>`, whichever scope name is unused in the current scope."""
    store = get_variable_scope_store()
    current = get_variable_scope()
    name = current.name + "/" + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(name + ("_%d" % idx)) > 0:
        idx += 1
    return prefix + ("_%d" % idx)


class _pure_variable_scope:  # noqa: N801 - TF1 name
    """Sets the current VariableScope (opens no name scope); see `variable_scope`."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, old_name_scope=None,
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = dict(initializer=initializer, regularizer=regularizer,
                               caching_device=caching_device, partitioner=partitioner,
                               dtype=dtype, use_resource=use_resource)
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._constraint = constraint
        self._var_scope_store = get_variable_scope_store()
        self._last_scope = None
        if isinstance(name_or_scope, VariableScope):
            self._new_name = name_or_scope.name
            # TF1 keeps a re-entered scope's own reuse unless reuse=True/AUTO_REUSE is given,
            # and (oddly) its constraint only if passed again.
            self._cached_scope = self._derive(
                name_or_scope, self._reuse if self._reuse else name_or_scope.reuse,
                name_or_scope.original_name_scope)

    def _derive(self, parent, reuse, name_scope):
        scope = VariableScope(
            reuse, name=self._new_name, initializer=parent.initializer,
            regularizer=parent.regularizer, caching_device=parent.caching_device,
            partitioner=parent.partitioner, dtype=parent.dtype,
            custom_getter=parent.custom_getter, name_scope=name_scope,
            use_resource=parent.use_resource, constraint=self._constraint)
        for key, value in self._overrides.items():
            if value is not None:
                getattr(scope, "set_" + key)(value)
        if self._custom_getter is not None:
            scope.set_custom_getter(_maybe_wrap_custom_getter(self._custom_getter,
                                                              parent.custom_getter))
        return scope

    def __enter__(self):
        store = self._var_scope_store
        self._old = store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(store.variable_scopes_count)
            scope = self._cached_scope
        else:
            old = self._old
            self._new_name = (old.name + "/" + self._name_or_scope if old.name
                              else self._name_or_scope)
            # Reuse is inherited by sub-scopes: once True, always True below.
            self._reuse = self._reuse or old.reuse
            name_scope = (self._name_or_scope if self._old_name_scope is None
                          else self._old_name_scope)
            scope = self._derive(old, self._reuse, name_scope)
            store.open_variable_scope(self._new_name)
        store.current_scope = scope
        self._last_scope = scope
        return scope

    def __exit__(self, *exc):
        store = self._var_scope_store
        if store.current_scope is not self._last_scope:
            raise RuntimeError("Improper nesting of variable_scope: exiting scope %r while %r "
                               "is current." % (self._last_scope.name, store.current_scope.name))
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_subscopes
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old


class variable_scope:  # noqa: N801 - TF1 name
    """`with mg.variable_scope(name_or_scope, ...) as scope:` sets get_variable's defaults.

    Args:
      name_or_scope: a string (a new scope inside the current one) or a `VariableScope`
        (re-entered: same name and defaults, `original_name_scope` kept, current reuse
        not inherited); None uses `default_name`.
      default_name: used when `name_or_scope` is None, made unique ("foo", "foo_1", ...).
      values: tensors passed to the op (selects their graph).
      initializer, regularizer, caching_device, partitioner, dtype, constraint: defaults
        for `get_variable` inside the scope (inherited by sub-scopes, except constraint).
      custom_getter: wraps variable creation; composes with the enclosing scope's.
      reuse: True (reuse only; sticky for every sub-scope), `AUTO_REUSE` (create or
        reuse), None/False (inherit the enclosing scope's reuse).
      auxiliary_name_scope: if False, open no name scope (ops keep the current one).

    Raises:
      TypeError: if both `name_or_scope` and `default_name` are None, `name_or_scope` is
        neither a string nor a VariableScope, or `auxiliary_name_scope` is not a bool.
      ValueError: for an invalid `reuse`, or reuse=True without `name_or_scope`.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._kwargs = dict(initializer=initializer, regularizer=regularizer,
                            caching_device=caching_device, partitioner=partitioner,
                            custom_getter=custom_getter, dtype=dtype,
                            use_resource=use_resource, constraint=constraint)
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None (got %r for "
                             "variable_scope %r)." % (reuse, name_or_scope))
        self._reuse = reuse
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get {}"
                            .format(auxiliary_name_scope))
        self._auxiliary_name_scope = auxiliary_name_scope
        self._graph = _graph.get_graph_from_inputs(list(values or []))
        self._cached_pure_scope = None
        self._current_name_scope = None
        self._graph_ctx = None

    def __enter__(self):
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        try:
            if self._cached_pure_scope is not None:
                # Entering the same variable_scope object again: same name scope, same scope.
                if self._current_name_scope is not None:
                    self._enter_name_scope(self._graph.name_scope(self._entered_name or None))
                return self._cached_pure_scope.__enter__()
            return self._enter_uncached()
        except BaseException:
            self._graph_ctx.__exit__(None, None, None)
            raise

    def _enter_uncached(self):
        graph = self._graph
        if self._auxiliary_name_scope:
            current_name_scope = None
        else:
            name_scope = graph.get_name_scope()
            current_name_scope = graph.name_scope(name_scope + "/" if name_scope else name_scope)
        if self._name_or_scope is not None:
            if not isinstance(self._name_or_scope, (VariableScope, str)):
                raise TypeError("VariableScope: name_or_scope must be a string or "
                                "VariableScope (got %r)." % (self._name_or_scope,))
            if isinstance(self._name_or_scope, str):
                name_scope = self._name_or_scope
            else:
                name_scope = self._name_or_scope.name.split("/")[-1]
            old_name_scope = None
            if name_scope or current_name_scope:
                current_name_scope = current_name_scope or graph.name_scope(name_scope)
                entered = self._enter_name_scope(current_name_scope)
                old_name_scope = (entered if isinstance(self._name_or_scope, str)
                                  else self._name_or_scope.original_name_scope)
            pure = _pure_variable_scope(self._name_or_scope, reuse=self._reuse,
                                        old_name_scope=old_name_scope, **self._kwargs)
        else:
            if self._reuse:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            current_name_scope = current_name_scope or graph.name_scope(self._default_name)
            entered = self._enter_name_scope(current_name_scope)
            pure = _pure_variable_scope(_get_unique_variable_scope(self._default_name),
                                        old_name_scope=entered, **self._kwargs)
        try:
            scope = pure.__enter__()
        except BaseException:
            if self._current_name_scope is not None:
                self._current_name_scope.__exit__(None, None, None)
            raise
        self._cached_pure_scope = pure
        return scope

    def _enter_name_scope(self, ctx):
        entered = ctx.__enter__()
        self._current_name_scope = ctx
        self._entered_name = entered
        return entered

    def __exit__(self, *exc):
        try:
            self._cached_pure_scope.__exit__(*exc)
        finally:
            try:
                if self._current_name_scope is not None:
                    self._current_name_scope.__exit__(*exc)
            finally:
                self._graph_ctx.__exit__(*exc)
        return False


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    """Deprecated TF1 spelling of `variable_scope(name_or_scope, default_name, values)`."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)
