"""TF1 reference variables (`tf.Variable`) and the functions over variable collections.

A `Variable` is four graph ops, named as in TF1:

    w/initial_value (or w/Initializer/...)   the initial value
    w                VariableV2              the variable itself, `w:0`
    w/Assign         Assign                  the initializer, sets w to the initial value
    w/read           Identity                the snapshot `w/read:0` that uses of w consume

Values live in the session (see `minigraph.ops.state_ops`). Differences from TF1, by
design: `Variable.dtype` is the base dtype (`float32`, never `float32_ref`; minigraph
has no ref dtypes, though `repr` prints `float32_ref` as TF1 does), and `use_resource`
is accepted but always builds a reference variable.
"""
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.graph import GraphKeys


def _state_ops():
    from minigraph.ops import state_ops
    return state_ops


def _is_tensor_like(value):
    return isinstance(value, _graph.Tensor) or (
        hasattr(value, "_as_graph_element") and not isinstance(value, _graph.Operation))


def _convert_initial_value(value, dtype, var_name):
    """`value` as a tensor named "initial_value" (TF1's rules and exception classes)."""
    if _is_tensor_like(value):
        t = _graph.convert_to_tensor(value)
        if dtype is not None and t.dtype != dtype:
            raise ValueError("initial_value of variable '%s': Tensor conversion requested dtype "
                             "%s for Tensor with dtype %s: %r"
                             % (var_name, dtype.name, t.dtype.name, t))
        return t
    try:
        return _graph.convert_to_tensor(value, dtype=dtype, name="initial_value")
    except (TypeError, ValueError) as e:
        raise type(e)("initial_value of variable '%s' (%s): %s"
                      % (var_name, _short(value), e)) from e


def _short(value):
    s = repr(value)
    return s if len(s) < 80 else s[:77] + "..."


class Variable:
    """A TF1 reference variable: a tensor whose value persists across `Session.run` calls.

    `Variable(initial_value, trainable=True, collections=None, validate_shape=True,
    caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
    import_scope=None, constraint=None, use_resource=None, synchronization=None,
    aggregation=None, shape=None)`

    Args:
      initial_value: a tensor, a Python/NumPy value, or a callable returning one (then it
        is created under `NAME/Initializer/`).
      trainable: also add the variable to `GraphKeys.TRAINABLE_VARIABLES`.
      collections: collection keys (list/tuple/set); default `[GLOBAL_VARIABLES]`.
      validate_shape: if False the variable has an unknown static shape and assignments
        may change its shape.
      name: the op name (default "Variable", made unique in the current name scope).
      dtype: convert a Python `initial_value` to this dtype (a tensor must already have it).
      constraint: a callable applied by optimizers after each update.
      shape: the variable's static shape, if it should differ from the initial value's.

    Raises:
      ValueError: if `initial_value` is missing, has an unknown shape with
        `validate_shape`, or does not match `dtype`; if `collections` is not a
        list/tuple/set or `constraint` not callable.
      TypeError: if `initial_value` cannot be converted to `dtype`.
      NotImplementedError: for `variable_def` (no protocol buffers in minigraph).
    """

    # NumPy must defer to our operators (`np_array * variable` builds an op).
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if variable_def is not None:
            raise NotImplementedError("Variable(variable_def=...) rebuilds a variable from a "
                                      "VariableDef protocol buffer, which minigraph does not have")
        if initial_value is None:
            raise ValueError("initial_value must be specified (variable %r)." % (name,))
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if not isinstance(collections, (list, tuple, set)):
            raise ValueError("collections argument to Variable constructor must be a list, tuple, "
                             "or set. Got %r of type %s" % (collections, type(collections)))
        if constraint is not None and not callable(constraint):
            raise ValueError("The `constraint` argument must be a callable (variable %r), got %r"
                             % (name, constraint))
        _install_operators()
        from minigraph.framework import dtypes
        dtype = None if dtype is None else dtypes.as_dtype(dtype).base_dtype
        trainable = True if trainable is None else bool(trainable)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        init_from_fn = callable(initial_value)
        state_ops = _state_ops()
        graph = (_graph.get_graph_from_inputs([initial_value])
                 if not init_from_fn and _is_tensor_like(initial_value)
                 else _graph.get_default_graph())
        # TF1 creates variables in an init_scope: enclosing control dependencies do not apply.
        with graph.as_default(), graph.control_dependencies(None), \
                _graph.name_scope(name, "Variable", []) as scope:
            var_name = scope[:-1]
            if init_from_fn:
                with graph.name_scope("Initializer"):
                    init = _convert_initial_value(initial_value(), dtype, var_name)
            else:
                init = _convert_initial_value(initial_value, dtype, var_name)
            if init.graph is not graph:
                raise ValueError("initial_value %s of variable '%s' is from a different graph"
                                 % (init.name, var_name))
            if validate_shape and not init.shape.is_fully_defined():
                raise ValueError("initial_value must have a shape specified: %s (variable '%s'; "
                                 "pass validate_shape=False for a variable of unknown shape)"
                                 % (init, var_name))
            if shape is not None:
                shape = _ts.as_shape(shape)
                if validate_shape and not shape.is_compatible_with(init.shape):
                    raise ValueError("Variable '%s': shape %s is not compatible with the shape %s "
                                     "of its initial value" % (var_name, _ts.shape_str(shape),
                                                               _ts.shape_str(init.shape)))
            else:
                shape = init.shape if validate_shape else _ts.unknown_shape()
            self._initial_value = init
            self._variable = state_ops.variable_op_v2(shape, init.dtype, name=scope)
            guarded = _guard_against_uninitialized_dependencies(var_name, init)
            self._initializer_op = state_ops.assign(self._variable, guarded,
                                                    validate_shape=validate_shape).op
            from minigraph.ops import array_ops
            self._snapshot = array_ops.identity(self._variable, name="read")
        graph.add_to_collections(collections, self)
        self._trainable = trainable
        self._constraint = constraint
        self._caching_device = caching_device
        self._save_slice_info = None

    # -- properties --------------------------------------------------------------------------
    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def device(self):
        return ""

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    @property
    def constraint(self):
        return self._constraint

    @property
    def trainable(self):
        return self._trainable

    @property
    def caching_device(self):
        return self._caching_device

    # -- reading ---------------------------------------------------------------------------------
    def value(self):
        """The snapshot `NAME/read:0` every use of the variable reads."""
        return self._snapshot

    def read_value(self):
        """A new Identity op reading the variable (named "read" in the current name scope)."""
        from minigraph.ops import array_ops
        return array_ops.identity(self._variable, name="read")

    def _ref(self):
        return self._variable

    def initialized_value(self):
        """The variable's value once initialized, else its initial value.

        Use it to initialize one variable from another regardless of the order in which
        the initializers run.
        """
        with self.graph.as_default(), self.graph.control_dependencies(None):
            return _state_ops().initialized_value(self, self._initial_value)

    def eval(self, session=None):
        """The variable's value in `session` (default: the default session)."""
        return self._variable.eval(session=session)

    # -- writing ------------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Set the variable to `value`; returns the new value (or the op if not `read_value`)."""
        t = _state_ops().assign(self, value, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Add `delta`; returns the new value (or the op if not `read_value`)."""
        t = _state_ops().assign_add(self, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtract `delta`; returns the new value (or the op if not `read_value`)."""
        t = _state_ops().assign_sub(self, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def load(self, value, session=None):
        """Set the variable to `value` (a NumPy value) by running its initializer with a feed.

        Raises:
          ValueError: if there is no session, or `value` does not have the shape of the
            initial value.
        """
        from minigraph.framework import session as _session
        if session is None:
            session = _session.get_default_session()
            if session is None:
                raise ValueError("Variable.load of '%s': Either session argument should be "
                                 "provided or default session should be established" % self.name)
        session.run(self._initializer_op, {self._initializer_op.inputs[0]: value})

    # -- graph element protocol ---------------------------------------------------------------
    def _as_graph_element(self):
        return self._variable

    def _as_control_input(self):
        return self._variable.op

    def _AsTensor(self):  # noqa: N802 - TF1 name
        return self._snapshot

    # -- partitioning -----------------------------------------------------------------------------
    def _set_save_slice_info(self, save_slice_info):
        self._save_slice_info = save_slice_info

    def _get_save_slice_info(self):
        return self._save_slice_info

    # -- Python protocol --------------------------------------------------------------------------
    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        # TF1 graph-mode variables compare by identity, like tensors.
        return self is other

    def __ne__(self, other):
        return self is not other

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable (variable %s); use tf.unstack or "
                        "index it." % self.name)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Cannot convert variable %s to a NumPy array; run it in a Session "
                        "first (sess.run(v) or v.eval())." % self.name)

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s_ref>" % (self.name, self.shape, self.dtype.name)

    __str__ = __repr__


def _to_tensor(var, dtype=None, name=None, as_ref=False):
    if dtype is not None and var.dtype != dtype:
        raise ValueError("Incompatible type conversion requested to type '%s' for variable %s "
                         "of type '%s'" % (getattr(dtype, "name", dtype), var.name, var.dtype.name))
    return var._variable if as_ref else var._snapshot


_graph.register_tensor_conversion_function(Variable, _to_tensor)


# -- operators: every Tensor operator, applied to the variable's value -------------------------------
# Python looks operators up on the class, so each needs a real method. The set of Tensor
# operators grows as op modules load, so methods are (re)installed whenever a Variable is
# created, and each one looks the Tensor method up at call time.
_NOT_OPERATORS = frozenset((
    "__init__", "__new__", "__repr__", "__str__", "__hash__", "__eq__", "__ne__", "__bool__",
    "__iter__", "__len__", "__array__", "__array_priority__", "__slots__", "__module__",
    "__doc__", "__weakref__", "__qualname__", "__dict__", "__reduce__", "__reduce_ex__",
    "__getattribute__", "__getattr__", "__setattr__", "__delattr__", "__init_subclass__",
    "__class__", "__dir__", "__format__", "__sizeof__", "__subclasshook__", "__copy__",
    "__deepcopy__", "__contains__", "__setitem__", "__delitem__", "__call__", "__enter__",
    "__exit__", "__index__", "__int__", "__float__", "__complex__", "__array_ufunc__",
    "__array_function__", "__getstate__", "__setstate__", "__annotations__"))
_installed_operators = set()


def _delegate(name):
    def method(self, *args, **kwargs):
        fn = getattr(_graph.Tensor, name, None)
        if fn is None:
            raise TypeError("Operator %s is not defined for tensors (variable %s)"
                            % (name, self.name))
        return fn(self._snapshot, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = "`Tensor.%s` applied to the variable's value (`NAME/read:0`)." % name
    return method


def _install_operators():
    for name, fn in list(vars(_graph.Tensor).items()):
        if (name.startswith("__") and name.endswith("__") and name not in _NOT_OPERATORS
                and name not in _installed_operators and callable(fn)):
            setattr(Variable, name, _delegate(name))
            _installed_operators.add(name)


_install_operators()


# -- initializing from other variables ---------------------------------------------------------------
def _guard_against_uninitialized_dependencies(var_name, initial_value):
    """`initial_value` with reads of other variables replaced by their initialized values.

    As in TF1, `tf.Variable(w * 2)` then initializes correctly even if its initializer runs
    before `w`'s: the ops between `w` and the initial value are copied (named
    `<op>_<var_name>`) with `w` replaced by `w.initialized_value()`.
    """
    if not _depends_on_variable(initial_value):
        return initial_value
    return _safe_tensor(var_name, initial_value, {})


def _depends_on_variable(tensor):
    seen, stack = set(), [tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "VariableV2":
            return True
        stack.extend(t.op for t in op.inputs)
    return False


def _safe_tensor(var_name, tensor, cache):
    op = tensor.op
    new = cache.get(op)
    if new is None:
        new = cache[op] = _safe_op(var_name, op, cache)
    if isinstance(new, _graph.Tensor):  # a variable, replaced by its initialized value
        return new
    return new.outputs[tensor.value_index]


def _safe_op(var_name, op, cache):
    if op.type in ("IsVariableInitialized", "InitializedValue"):
        return op
    if op.type == "VariableV2":
        graph = op.graph
        for v in (graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
                  + graph.get_collection(GraphKeys.LOCAL_VARIABLES)):
            if isinstance(v, Variable) and v.op is op:
                return v.initialized_value()
        return op
    new_inputs = [_safe_tensor(var_name, t, cache) for t in op.inputs]
    if all(a is b for a, b in zip(new_inputs, op.inputs)):
        return op
    from minigraph.framework.registry import make_op
    with op.graph.name_scope(None):
        return make_op(op.type, new_inputs, op.attrs, "%s_%s" % (op.name, var_name))


# -- collections ------------------------------------------------------------------------------------
def global_variables(scope=None):
    """The variables in `GraphKeys.GLOBAL_VARIABLES` (names matching regex `scope`)."""
    return _graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def all_variables():
    """Deprecated TF1 alias of `global_variables()`."""
    return global_variables()


def trainable_variables(scope=None):
    """The variables in `GraphKeys.TRAINABLE_VARIABLES` (names matching regex `scope`)."""
    return _graph.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    """The variables in `GraphKeys.LOCAL_VARIABLES` (names matching regex `scope`)."""
    return _graph.get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    """The variables in `GraphKeys.MODEL_VARIABLES` (names matching regex `scope`)."""
    return _graph.get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """The variables in `GraphKeys.MOVING_AVERAGE_VARIABLES` (names matching regex `scope`)."""
    return _graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


# -- initialization ------------------------------------------------------------------------------------
def variables_initializer(var_list, name="init"):
    """One op (a NoOp named `name`) that runs the initializers of `var_list`."""
    from minigraph.ops import control_flow_ops
    if var_list:
        return control_flow_ops.group(*[v.initializer for v in var_list], name=name)
    return control_flow_ops.no_op(name=name)


def initialize_variables(var_list, name="init"):
    """Deprecated TF1 alias of `variables_initializer`."""
    return variables_initializer(var_list, name=name)


def global_variables_initializer():
    """The op `init` that initializes every global variable."""
    return variables_initializer(global_variables())


def initialize_all_variables():
    """Deprecated TF1 alias of `global_variables_initializer()`."""
    return global_variables_initializer()


def local_variables_initializer():
    """The op `init` that initializes every local variable."""
    return variables_initializer(local_variables())


def initialize_local_variables():
    """Deprecated TF1 alias of `local_variables_initializer()`."""
    return local_variables_initializer()


def is_variable_initialized(variable):
    """A bool scalar tensor: whether `variable` is initialized in the session that runs it."""
    return _state_ops().is_variable_initialized(variable)


def _variable_ops(var_list):
    out = []
    for v in var_list:
        if isinstance(v, _graph.Tensor):
            out.append(v.op)
        elif hasattr(v, "_get_variable_list"):
            out.extend(p.op for p in v._get_variable_list())
        else:
            out.append(v.op)
    return out


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor with the names of the uninitialized variables of `var_list`.

    Running it gives a NumPy object array of bytes, e.g. `array([b'w'], dtype=object)`, as
    in TF1 (`len(result) == 0` once everything is initialized). `var_list` defaults to
    the global and local variables, else every VariableV2 op of the graph.
    """
    state_ops = _state_ops()
    graph = _graph.get_default_graph()
    if var_list is None:
        var_list = global_variables() + local_variables()
        if not var_list:
            var_list = [op.outputs[0] for op in graph.get_operations() if op.type == "VariableV2"]
    var_ops = _variable_ops(var_list)
    with graph.control_dependencies(None), graph.name_scope(name) as scope:
        flags = [state_ops.is_variable_initialized(op.outputs[0]) for op in var_ops]
        return state_ops.report_uninitialized(flags, [op.name for op in var_ops], scope)



def assert_variables_initialized(var_list=None):
    """A tensor (the variables' ranks) whose evaluation fails for uninitialized variables.

    Running it raises FailedPreconditionError naming the first uninitialized variable,
    as in TF1. `var_list` defaults as in `report_uninitialized_variables`; returns None
    when there are no variables.
    """
    from minigraph.ops import array_ops
    graph = _graph.get_default_graph()
    if var_list is None:
        var_list = global_variables() + local_variables()
        if not var_list:
            var_list = [op.outputs[0] for op in graph.get_operations() if op.type == "VariableV2"]
    if not var_list:
        return None
    var_ops = _variable_ops(var_list)
    ranks = [array_ops.rank(op.outputs[0]) for op in var_ops]
    value = ranks[0] if len(ranks) == 1 else array_ops.stack(ranks)
    # The ranks are static (folded without reading anything); the control dependency on
    # every variable op makes the run read, hence check, each variable.
    with graph.control_dependencies(var_ops):
        return array_ops.identity(value)
