"""The graph's elements: `Operation` (a node) and `Tensor` (one output of an operation).

Both are created only by `Graph._create_op`; see graph.py.
"""
from minigraph.framework import tensor_shape as _ts


class Tensor:
    """One output of an `Operation`: a symbolic value with a dtype and a static shape.

    Evaluate it with `Session.run(tensor)` or `tensor.eval()`. Arithmetic operators build
    new ops (they are attached by `minigraph.ops.math_ops`).
    """

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "_name", "__weakref__")

    # NumPy must defer to our operators (`np_array * tensor` builds an op).
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._consumers = []
        self._name = "%s:%d" % (op.name, value_index)

    @property
    def op(self):
        return self._op

    @property
    def value_index(self):
        return self._value_index

    @property
    def dtype(self):
        return self._dtype

    @property
    def graph(self):
        return self._op._graph

    @property
    def name(self):
        return self._name

    @property
    def device(self):
        return ""

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refine the static shape.

        Raises:
          ValueError: if `shape` is not compatible with the current shape.
        """
        try:
            self._shape = self._shape.merge_with(_ts.as_shape(shape))
        except ValueError:
            raise ValueError("Tensor %s has shape %s, which is not compatible with %s"
                             % (self._name, _ts.shape_str(self._shape), _ts.shape_str(shape)))

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Run this tensor in `session` (default: the default session) and return its value."""
        from minigraph.framework import session as _session
        return _session._run_with_default(self, feed_dict, session, "Tensor.eval()")

    def _as_graph_element(self):
        return self

    def __repr__(self):
        return "<tf.Tensor '%s' shape=%s dtype=%s>" % (self._name, self._shape, self._dtype.name)

    def __str__(self):
        return 'Tensor("%s", shape=%s, dtype=%s)' % (self._name, self._shape, self._dtype.name)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        # TF1 graph tensors compare by identity; use tf.equal for elementwise equality.
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed (tensor %s). "
                        "Use `if t is not None:` to test presence, or tf.cond / a session "
                        "run to branch on its value." % self._name)

    def __iter__(self):
        raise TypeError("Tensor %s is not iterable in graph mode; use tf.unstack or index it."
                        % self._name)

    def __len__(self):
        raise TypeError("len is not well defined for symbolic Tensor %s; use tf.shape(t)[0] or "
                        "t.shape[0]." % self._name)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Cannot convert symbolic Tensor %s to a NumPy array; run it in a "
                        "Session first." % self._name)


class Operation:
    """A node of the graph: an op type, input tensors, attributes and output tensors."""

    __slots__ = ("_graph", "_name", "_op_def", "_inputs", "_outputs", "_control_inputs",
                 "attrs", "_id", "_control_outputs", "__weakref__")

    def __init__(self, graph, op_def, name, inputs, attrs, control_inputs):
        self._graph = graph
        self._name = name
        self._op_def = op_def
        self._inputs = tuple(inputs)
        self._outputs = ()
        self._control_inputs = list(control_inputs)
        self._control_outputs = []
        self.attrs = dict(attrs) if attrs else {}
        self._id = None

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return self._op_def.type

    @property
    def op_def(self):
        return self._op_def

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def device(self):
        return ""

    @property
    def node_def(self):
        """A plain-dict description (name, op, inputs, attrs), TF1's NodeDef in spirit."""
        inputs = [t.name for t in self._inputs] + ["^" + c.name for c in self._control_inputs]
        return {"name": self._name, "op": self.type, "input": inputs, "attr": dict(self.attrs)}

    def get_attr(self, name):
        """The value of attribute `name`.

        Raises:
          ValueError: if the op has no such attribute.
        """
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError("Operation '%s' (type %s) has no attr named '%s'."
                             % (self._name, self.type, name))

    def values(self):
        return tuple(self._outputs)

    def _add_control_input(self, op):
        self._graph._check_not_finalized()
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)
            # Cached session plans that include this op must be rebuilt.
            self._graph._control_edges += 1

    def _add_control_inputs(self, ops):
        for op in ops:
            self._add_control_input(op)

    def run(self, feed_dict=None, session=None):
        """Run this op in `session` (default: the default session)."""
        from minigraph.framework import session as _session
        _session._run_with_default(self, feed_dict, session, "Operation.run()")

    def _as_graph_element(self):
        return self

    def __repr__(self):
        return "<tf.Operation '%s' type=%s>" % (self._name, self.type)

    __str__ = __repr__
