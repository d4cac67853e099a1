"""The op registry: every op type is one `Op` subclass holding all of its rules.

An op type is defined once, in `minigraph/ops/`, as a subclass of `Op`:

    class Add(Op):
        '''x + y, with NumPy broadcasting.'''
        def infer(self, op):
            return [(op.inputs[0].dtype, broadcast_shape(op, *op.inputs))]
        def compute(self, op, x, y):
            return np.add(x, y)
        def gradient(self, op, grad):
            x, y = op.inputs
            return [reduce_to(grad, x), reduce_to(grad, y)]

followed by the TF1-named function users call, which converts its arguments and calls
`make_op("Add", [x, y], attrs, name)`. Defining the class registers it (the TF1 op type
name is the class name unless `type = "..."` says otherwise). The session, the graph and
the gradient walker know nothing about particular ops; they only use this contract:

- `infer(op)`: returns one `(dtype, shape)` per output, from `op.inputs` (tensors with
  static dtypes/shapes) and `op.attrs`. It runs when the op is created and must raise
  ValueError/TypeError naming `op.name`, `op.type` and every shape involved when the
  inputs cannot work together.
- `compute(op, *arrays)`: the kernel call on NumPy arrays (numba kernels live in
  `ops/kernels/`). Returns one array for a one-output op, else a tuple. It must never
  modify its input arrays (they may be constants, variables or feeds). With
  `needs_context = True` it is called as `compute(ctx, op, *arrays)`, where `ctx` is the
  run context (variable values, random state) of the session or eager runtime. The
  runtime sets `np.errstate(all="ignore")` around every run (TF1 returns inf/NaN
  silently), so kernels need not.
- `gradient(op, *grads)`: given one gradient tensor per output, returns one gradient
  tensor (or None) per input, built with graph ops (so gradients of gradients work).
  Leave it None when TF1 defines no gradient (the gradient walker raises LookupError
  naming the op); set `not_differentiable = True` for ops whose inputs get no gradient.
- `static_value(op)`: optionally, output 0's value as a NumPy array when it is known at
  graph-construction time (constants, shapes that are fully defined), else None. Shape
  inference uses it (`reshape(x, [2, -1])`).

Flags: `read_at_use` (a one-output, needs_context op whose output is a reference to
state, like a variable: the session reads it afresh wherever it is consumed instead of
once per run, so reads ordered after an assign see the new value), `requires_feed` (a placeholder: a session refuses a plan that needs it unfed),
`stateful` (never folded or deduplicated: variables, random ops, assignments),
`aliases_input` (compute may return an input array, or a view of it, unchanged; the
session then copies fetched results so users never alias graph state),
`forwards_reference` (an identity: when its input is a `read_at_use` reference and it
has no control inputs, its output is that same reference, read where consumed, as
TF1's ref-typed Identity aliases the variable's buffer).
"""

import numpy as np

from minigraph.framework import graph as _graph

_REGISTRY = {}


class Op:
    type = None
    needs_context = False
    stateful = False
    aliases_input = False
    not_differentiable = False
    requires_feed = False
    read_at_use = False
    forwards_reference = False
    gradient = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "type" not in cls.__dict__:
            cls.type = cls.__name__
        if cls.type is None or cls.__dict__.get("abstract", False):
            return
        if cls.type in _REGISTRY:
            raise ValueError("Op type %r is defined twice: %s and %s"
                             % (cls.type, _REGISTRY[cls.type].__class__, cls))
        _REGISTRY[cls.type] = cls()

    def infer(self, op):
        raise NotImplementedError("Op %s defines no shape inference" % self.type)

    def compute(self, op, *inputs):
        raise NotImplementedError("Op %s has no kernel" % self.type)

    def static_value(self, op):
        return None

    def __repr__(self):
        return "<op type %s>" % self.type


_FUSIONS = {}  # first op type of the chain -> [Fusion]


class Fusion:
    """A chain of ops that a session may run as one kernel (TF's grappler "remapper").

    The graph is never changed: names, shapes, collections, gradients and pictures stay
    TF1's. When a session compiles a run and finds the chain in it, with every
    intermediate result used by the next op of the chain only (not fetched, not fed, no
    other consumer, no control dependency), it calls one kernel for the whole chain.

    A subclass sets `chain`: op types from producer to consumer, each op taking the
    previous op's output 0 as its input 0, or as input k when the type is written
    "Type@k". "A|B" accepts either type; a trailing "?" makes a step optional.
    `kernel(ops)` gets the matched ops and returns a callable taking the chain's other
    inputs in order (every input of the first op, then each next op's inputs but the
    chained one) and returning the last op's output, or None when these ops don't
    qualify (attributes, dtypes, static shapes). The longest qualifying chain wins.
    A rule may also hand out intermediate results other ops need (`exports`).

    Fused results must equal the unfused ops' exactly or within float rounding; under
    MINIGRAPH_CHECK_KERNELS (the test suite) every fused run is checked against them.
    """

    chain = ()
    # Indices of chain steps whose output the kernel can also return, when other ops need
    # it: `kernel(ops, exports)` then gets the indices (into ops) of those outputs, and its
    # callable returns (last output, *exported outputs). Other rules' intermediates must
    # be used by the chain only.
    exports = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.chain:
            return
        steps = []
        for spec in cls.chain:
            optional = spec.endswith("?")
            spec = spec.rstrip("?")
            spec, _, slot = spec.partition("@")
            steps.append((frozenset(spec.split("|")), optional, int(slot or 0)))
        cls.steps = tuple(steps)
        inst = cls()
        for head in steps[0][0]:
            _FUSIONS.setdefault(head, []).append(inst)

    def kernel(self, ops):
        raise NotImplementedError


def fusions_from(op_type):
    """The registered `Fusion`s whose chain starts with `op_type`."""
    return _FUSIONS.get(op_type, ())


_TREE_FUSIONS = []


class TreeFusion:
    """A tree of ops that a session may run as one kernel: ops for which `member(op)`
    holds, each but the last (the root) feeding exactly one other op of the tree, once,
    under the same conditions as a `Fusion`'s intermediates (not fetched, not fed, no
    other consumer, no control dependency). The graph is never changed.

    `kernel(ops, wiring)` gets the ops in run order (the root last) and, for each op,
    where each of its inputs comes from: k >= 0 for the tree's k-th outside input, -(j+1)
    for the output of ops[j]. It returns a callable taking the outside inputs in order
    and returning the root's output, or None when these ops don't qualify. Results must
    equal the ops' one by one, as for `Fusion`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _TREE_FUSIONS.append(cls())

    def member(self, op):
        raise NotImplementedError

    def kernel(self, ops, wiring):
        raise NotImplementedError


def tree_fusions():
    """The registered `TreeFusion`s."""
    return tuple(_TREE_FUSIONS)


def get_op_def(op_type):
    """The registered `Op` for a type name.

    Raises:
      KeyError: if no op of that type is registered.
    """
    try:
        return _REGISTRY[op_type]
    except KeyError:
        raise KeyError("No op type %r is registered in minigraph" % op_type)


def registered_ops():
    return dict(_REGISTRY)


def make_op(op_type, inputs=(), attrs=None, name=None, graph=None):
    """Create an op of `op_type` in the graph of its inputs (else the default graph).

    `inputs` must already be Tensors (the user-facing functions convert them, with the
    dtype rules of each op). `name` ending in "/" is used exactly (a name scope's name);
    any other name is prefixed with the current name scope and made unique.

    Returns:
      The new `Operation`.
    """
    op_def = _REGISTRY.get(op_type)
    if op_def is None:
        op_def = get_op_def(op_type)
    if graph is None:
        graph = _graph.get_default_graph() if not inputs else inputs[0].graph
    return graph._create_op(op_def, inputs, attrs, name)


def make_tensor(op_type, inputs=(), attrs=None, name=None, graph=None):
    """`make_op` for a one-output op; returns its output tensor."""
    return make_op(op_type, inputs, attrs, name, graph)._outputs[0]


def static_value(tensor):
    """The value of `tensor` if it is known at graph-construction time, else None.

    TF1's `tensor_util.constant_value`: asks the producing op's `static_value` rule.
    """
    if not isinstance(tensor, _graph.Tensor):
        try:
            return np.asarray(tensor)
        except Exception:
            return None
    op = tensor.op
    # Folding runs kernels at graph time: same silent inf/NaN rule as a session run.
    with np.errstate(all="ignore"):
        if tensor.value_index != 0:
            return op._op_def.static_value_at(op, tensor.value_index) \
                if hasattr(op._op_def, "static_value_at") else None
        return op._op_def.static_value(op)


def op_error_message(op, message):
    """A uniform "op 'name' (Type): message" prefix for errors raised by ops."""
    return "%s (op '%s', type %s)" % (message, op.name, op.type)
