"""Graphs, operations and tensors: the symbolic core, with TF1's names and rules.

A `Graph` owns `Operation`s; each operation has input `Tensor`s and output `Tensor`s
with a static dtype and (possibly partial) `TensorShape`. Ops are created only through
`Graph._create_op` (reached via `registry.make_op`), which names the op, records control
dependencies, and runs the op type's shape inference, so shape errors happen here, at
graph construction, and never later in a session.
"""
import contextlib
import re
import threading

from minigraph.framework import dtypes as _dtypes
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.graph_keys import GraphKeys  # noqa: F401 - part of this module's API
from minigraph.framework.tensor import Operation, Tensor

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


class _ControlDependenciesController:
    __slots__ = ("control_inputs", "seen")

    def __init__(self, control_inputs):
        self.control_inputs = control_inputs
        self.seen = set()


class Graph:
    """A TF1 dataflow graph: a container of operations, name scopes and collections.

    Use `with g.as_default():` to make ops land in `g`.
    """

    def __init__(self):
        self._ops_by_name = {}
        self._ops = []
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []
        self._collections = {}
        self._finalized = False
        self._version = 0
        self._control_edges = 0
        self.seed = None
        self._lock = threading.RLock()
        # Free-form per-graph state that higher layers keep (variable scopes, layer name
        # counters); keyed by the owning module's name so they never collide.
        self._extra = {}

    # -- default graph ------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Make this graph the default graph inside the `with` block."""
        stack = _default_graph_stack()
        stack.append(self)
        try:
            yield self
        finally:
            # Pop this graph even if an inner block misbehaved.
            if stack and stack[-1] is self:
                stack.pop()
            elif self in stack:
                stack.remove(self)

    # -- names ----------------------------------------------------------------------------
    def unique_name(self, name, mark_as_used=True):
        """`name` prefixed by the current name scope and made unique (`add`, `add_1`, ...)."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_key = name_key
            while name_key in self._names_in_use:
                name_key = "%s_%d" % (base_key, i)
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = "%s_%d" % (name, i - 1)
        return name

    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Enter a name scope; yields the scope string ending in "/" ("" at the root).

        `name` None or "" returns to the root scope; a name ending in "/" re-enters that
        exact scope; any other name opens a new, uniquified scope inside the current one.

        Raises:
          ValueError: if `name` is not a valid scope name.
        """
        if name:
            if not isinstance(name, str):
                raise TypeError("name_scope name must be a string, got %r" % (name,))
            regex = _VALID_SCOPE_NAME if self._name_stack else _VALID_OP_NAME
            if not regex.match(name):
                raise ValueError("'%s' is not a valid scope name" % name)
        old = self._name_stack
        if not name:
            new = ""
        elif name[-1] == "/":
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield new + "/" if new else ""
        finally:
            self._name_stack = old

    # -- ops --------------------------------------------------------------------------------
    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    def finalize(self):
        """Make the graph read-only: creating ops afterwards raises RuntimeError."""
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    @property
    def version(self):
        return self._version

    def _create_op(self, op_def, inputs, attrs, name):
        """Create, shape-check and add one op. Only `registry.make_op` calls this."""
        self._check_not_finalized()
        for i, t in enumerate(inputs):
            if t.graph is not self:
                raise ValueError("Input %d of op %r (%s) is tensor %s from a different graph; "
                                 "all inputs of an op must come from the same graph."
                                 % (i, name, op_def.type, t.name))
        if name and name[-1] == "/":
            name = name[:-1]
        else:
            name = self.unique_name(name or op_def.type)
        if not _VALID_OP_NAME.match(name):
            raise ValueError("'%s' is not a valid node name" % name)
        if name in self._ops_by_name:
            raise ValueError("Duplicate node name in graph: '%s'" % name)
        op = Operation(self, op_def, name, inputs, attrs,
                       self._control_dependencies_for_inputs({t.op for t in inputs}))
        specs = op_def.infer(op)
        op._outputs = tuple(Tensor(op, i, _dtypes.as_dtype(dt), _ts.as_shape(shape))
                            for i, (dt, shape) in enumerate(specs))
        with self._lock:
            self._version += 1
            op._id = self._version
            self._ops_by_name[name] = op
            self._ops.append(op)
        for t in op._inputs:
            t._consumers.append(op)
        for c in op._control_inputs:
            c._control_outputs.append(op)
        for controller in self._control_stack:
            controller.seen.add(op)
        return op

    def _control_version(self):
        return self._control_edges

    @property
    def _last_id(self):
        return self._version

    def get_operations(self):
        """All operations, in creation order."""
        return list(self._ops)

    def get_operation_by_name(self, name):
        """The operation called `name`.

        Raises:
          TypeError: if `name` is not a string.
          ValueError: if `name` looks like a tensor name ("x:0").
          KeyError: if there is no such operation.
        """
        if not isinstance(name, str):
            raise TypeError("Operation names are strings (or similar), not %s."
                            % type(name).__name__)
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name):
        """The tensor called `name` ("op_name:index").

        Raises:
          TypeError: if `name` is not a string.
          ValueError: if `name` has no ":index" part.
          KeyError: if there is no such tensor.
        """
        if not isinstance(name, str):
            raise TypeError("Tensor names are strings (or similar), not %s."
                            % type(name).__name__)
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolve a tensor, an operation, or a name to an element of this graph."""
        if allow_tensor and allow_operation:
            types_str = "Tensor or Operation"
        elif allow_tensor:
            types_str = "Tensor"
        else:
            types_str = "Operation"
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, _, index = obj.rpartition(":")
                try:
                    index = int(index)
                except ValueError:
                    raise ValueError("The name %r looks a like a Tensor name, but is not a valid "
                                     "one. Tensor names must be of the form "
                                     "\"<op_name>:<output_index>\"." % obj)
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError("The name %r refers to a Tensor which does not exist. The "
                                   "operation, %r, does not exist in the graph." % (obj, op_name))
                if not 0 <= index < len(op._outputs):
                    raise KeyError("The name %r refers to a Tensor which does not exist. The "
                                   "operation, %r, exists but only has %d outputs."
                                   % (obj, op_name, len(op._outputs)))
                return op._outputs[index]
            if ":" in obj:
                raise ValueError("The name %r appears to refer to a Tensor, not a %s."
                                 % (obj, types_str))
            if not allow_operation:
                raise ValueError("The name %r looks like an (invalid) Operation name, not a %s."
                                 % (obj, types_str))
            op = self._ops_by_name.get(obj)
            if op is None:
                raise KeyError("The name %r refers to an Operation not in the graph." % obj)
            return op
        conv = getattr(obj, "_as_graph_element", None)
        elem = conv() if conv is not None else None
        if isinstance(elem, Tensor) and allow_tensor:
            if elem.graph is not self:
                raise ValueError("Tensor %s is not an element of this graph." % elem.name)
            return elem
        if isinstance(elem, Operation) and allow_operation:
            if elem.graph is not self:
                raise ValueError("Operation %s is not an element of this graph." % elem.name)
            return elem
        raise TypeError("Can not convert a %s into a %s." % (type(obj).__name__, types_str))

    # -- control dependencies ----------------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created in the block run only after `control_inputs` (ops or tensors).

        `None` clears the enclosing control dependencies for the block.
        """
        if control_inputs is None:
            old = self._control_stack
            self._control_stack = []
            try:
                yield
            finally:
                self._control_stack = old
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_as_control_input"):
                c = c._as_control_input()
            elif hasattr(c, "_as_graph_element") and not isinstance(c, (Tensor, Operation)):
                c = c._as_graph_element()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError("Control input must be an Operation, a Tensor or a Variable, "
                                "got %r" % (c,))
            if c.graph is not self:
                raise ValueError("Control input %s is from a different graph." % c.name)
            if c not in ops:
                ops.append(c)
        self._control_stack.append(_ControlDependenciesController(ops))
        try:
            yield
        finally:
            self._control_stack.pop()

    def _control_dependencies_for_inputs(self, input_ops):
        ret = []
        for controller in self._control_stack:
            # An op whose input was itself created under this controller already waits for it.
            if any(op in controller.seen for op in input_ops):
                continue
            for c in controller.control_inputs:
                if c not in input_ops and c not in ret:
                    ret.append(c)
        return ret

    # -- collections -----------------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._check_not_finalized()
        with self._lock:
            self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        if isinstance(names, str):
            names = [names]
        for name in set(names):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        """The live list behind collection `name` (created empty if missing)."""
        with self._lock:
            return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        """A copy of collection `name`, optionally filtered to items whose name matches `scope`."""
        items = self._collections.get(name)
        if items is None:
            return []
        if scope is None:
            return list(items)
        regex = re.compile(scope)
        return [item for item in items
                if getattr(item, "name", None) is not None and regex.match(item.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    @property
    def collections(self):
        return list(self._collections)

    def clear_collection(self, name):
        self._check_not_finalized()
        self._collections.pop(name, None)

    @property
    def building_function(self):
        return False

    def __repr__(self):
        return "<minigraph.Graph with %d ops at 0x%x>" % (len(self._ops), id(self))


# -- the default graph ------------------------------------------------------------------------
_global_default_graph = None
_local = threading.local()


def _default_graph_stack():
    stack = getattr(_local, "graph_stack", None)
    if stack is None:
        stack = _local.graph_stack = []
    return stack


def get_default_graph():
    """The graph new ops go to: the innermost `as_default()` graph, else the global one."""
    stack = _default_graph_stack()
    if stack:
        return stack[-1]
    global _global_default_graph
    if _global_default_graph is None:
        _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph():
    """Replace the global default graph with a new, empty one.

    Raises:
      AssertionError: inside a `with g.as_default():` block (TF1 behaviour).
    """
    if _default_graph_stack():
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                             "you need a cleared graph, exit the nesting and create a new graph.")
    global _global_default_graph
    _global_default_graph = Graph()


# -- tensor conversion --------------------------------------------------------------------------
_conversion_functions = []  # (types, fn), tried in registration order
_base_conversion = None  # set by minigraph.ops.constant_op: Python/NumPy values -> Const


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Teach `convert_to_tensor` a new type: `conversion_func(value, dtype, name, as_ref)`."""
    _conversion_functions.append((priority, base_type, conversion_func))
    _conversion_functions.sort(key=lambda e: e[0])


def _set_base_conversion(fn):
    global _base_conversion
    _base_conversion = fn


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False):
    """`value` as a Tensor: tensors pass through, variables read, Python/NumPy become Const.

    Raises:
      TypeError: if `value` cannot be converted to `dtype` without changing its values,
        or is a tensor of another dtype.
      ValueError: if `value` is ragged or otherwise not a tensor.
    """
    if isinstance(value, Tensor):
        if dtype is not None and value._dtype != _dtypes.as_dtype(dtype):
            raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %r"
                             % (_dtypes.as_dtype(dtype).name, value._dtype.name, value))
        return value
    for _, base_type, fn in _conversion_functions:
        if isinstance(value, base_type):
            t = fn(value, dtype=dtype, name=name, as_ref=as_ref)
            if t is not NotImplemented:
                return convert_to_tensor(t, dtype=dtype)
    if isinstance(value, Operation):
        raise TypeError("Can't convert Operation '%s' to Tensor (target dtype=%s, name=%s)"
                        % (value.name, dtype, name))
    if dtype is None and preferred_dtype is not None:
        try:
            return _base_conversion(value, dtype=preferred_dtype, name=name)
        except (TypeError, ValueError):
            pass
    return _base_conversion(value, dtype=dtype, name=name)


def convert_n_to_tensor(values, dtype=None, name=None):
    return [convert_to_tensor(v, dtype=dtype, name=None if name is None else "%s_%d" % (name, i))
            for i, v in enumerate(values)]


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_graph_element") and not isinstance(x, Operation)


def get_graph_from_inputs(values):
    """The graph shared by the tensors/ops in `values`, else the default graph.

    Raises:
      ValueError: if the values come from different graphs.
    """
    graph = None
    for v in values:
        g = getattr(v, "graph", None)
        if g is None or not isinstance(g, Graph):
            continue
        if graph is None:
            graph = g
        elif g is not graph:
            raise ValueError("%r must be from the same graph as %r." % (v, values[0]))
    return graph if graph is not None else get_default_graph()


class name_scope:  # noqa: N801 - TF1 name
    """`with mg.name_scope(name, default_name, values) as scope:` opens a name scope.

    The scope goes to the graph of `values` (else the default graph). `name` None uses
    `default_name` (made unique); both None returns to the root scope.
    """

    def __init__(self, name, default_name=None, values=None):
        self._name = default_name if name is None else name
        self._default_name = default_name
        self._values = values
        self._ctx = None
        self._graph_ctx = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        if self._name is None and self._values is not None:
            raise ValueError("At least one of name (%s) and default_name (%s) must be provided."
                             % (self._name, self._default_name))
        g = get_graph_from_inputs(list(self._values)) if self._values else get_default_graph()
        if g is not get_default_graph():
            self._graph_ctx = g.as_default()
            self._graph_ctx.__enter__()
        self._ctx = g.name_scope(self._name)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        if self._graph_ctx is not None:
            self._graph_ctx.__exit__(*exc)
        return False


def control_dependencies(control_inputs):
    """`Graph.control_dependencies` on the default graph."""
    return get_default_graph().control_dependencies(control_inputs)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)
