"""Variable state ops: `VariableV2`, `Assign`, `AssignAdd`, `AssignSub`, `IsVariableInitialized`.

A variable's value lives in the session (`RunContext.variables[variable_op]`), never in
the graph, so two sessions on one graph hold separate values.

TF1 passes the variable to `Assign` and friends as a *ref input* (`w:0`). Here the
variable op is the attribute `var` instead, because a session computes every data input
before running an op, and computing `w:0` reads the variable, which fails while it is
uninitialized (exactly when its initializer must run). Everything else matches TF1: op
types, names (`w/Assign`), output shapes, and that the output of an assignment is the
new value.

Assignments store a fresh array that nothing else holds and never modify a stored array
in place, so values fetched earlier, or read by another op of the same run, never change
under the caller.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor


class VariableV2(Op):
    """A mutable tensor whose value persists across runs of one session.

    Attrs: `shape` (static, unknown when created with validate_shape=False), `dtype`,
    `container`, `shared_name`.
    """

    needs_context = True
    stateful = True
    # TF1 ref semantics: each consumer (w/read, an update op) reads the current value.
    read_at_use = True

    def infer(self, op):
        return [(op.attrs["dtype"], op.attrs["shape"])]

    def compute(self, ctx, op):
        return ctx.read_variable(op)


def variable_op_v2(shape, dtype, name="Variable", container="", shared_name=""):
    """A `VariableV2` op's output (the variable's value as a tensor, TF1's `w:0`)."""
    return make_tensor("VariableV2", [], {"shape": _ts.as_shape(shape),
                                          "dtype": dtypes.as_dtype(dtype),
                                          "container": container,
                                          "shared_name": shared_name}, name)


def _shape_error(op, var, value_shape, what):
    return ValueError("Cannot %s a value of shape %s to variable '%s' of shape %s (op '%s', "
                      "type %s)" % (what, _ts.shape_str(value_shape), var.name,
                                    _ts.shape_str(var._outputs[0].shape), op.name, op.type))


class _Update(Op):
    """Shared rules of the ops that write a variable (attr `var`, one input `value`)."""

    abstract = True
    type = None
    needs_context = True
    stateful = True
    not_differentiable = True
    verb = "assign"

    def infer(self, op):
        var = op.attrs["var"]
        (value,) = op.inputs
        var_shape = var._outputs[0].shape
        if not op.attrs.get("validate_shape", True):
            return [(value.dtype, value.shape)]
        if not var_shape.is_compatible_with(value.shape):
            raise _shape_error(op, var, value.shape, self.verb)
        return [(value.dtype, var_shape.merge_with(value.shape))]

    def _check_runtime_shape(self, op, current_shape, value):
        if current_shape is not None and tuple(current_shape) != value.shape:
            raise errors.InvalidArgumentError(
                None, op, "%s of variable '%s' requires shapes of both tensors to match. "
                          "lhs shape= %s rhs shape= %s (op '%s')"
                % (op.type, op.attrs["var"].name, list(current_shape), list(value.shape), op.name))


class Assign(_Update):
    """Sets the variable `var` to `value`; outputs the new value.

    With `validate_shape` the value must have the variable's shape; without it, the
    variable takes whatever shape the value has.
    """

    def compute(self, ctx, op, value):
        var = op.attrs["var"]
        if op.attrs["validate_shape"]:
            old = ctx.variables.get(var)
            if old is not None:
                self._check_runtime_shape(op, old.shape, value)
            else:
                static = var._outputs[0].shape
                if static.is_fully_defined():
                    self._check_runtime_shape(op, static.as_list(), value)
        new = np.array(value, copy=True)
        ctx.variables[var] = new
        return new


class AssignAdd(_Update):
    """Adds `value` to the variable `var`; outputs the new value."""

    verb = "add"

    def compute(self, ctx, op, value):
        var = op.attrs["var"]
        old = ctx.read_variable(var)
        self._check_runtime_shape(op, old.shape, value)
        new = np.add(old, value)
        ctx.variables[var] = new
        return new


class AssignSub(_Update):
    """Subtracts `value` from the variable `var`; outputs the new value."""

    verb = "subtract"

    def compute(self, ctx, op, value):
        var = op.attrs["var"]
        old = ctx.read_variable(var)
        self._check_runtime_shape(op, old.shape, value)
        new = np.subtract(old, value)
        ctx.variables[var] = new
        return new


class IsVariableInitialized(Op):
    """A bool scalar: whether the variable `var` has a value in this session."""

    needs_context = True
    stateful = True
    not_differentiable = True

    def infer(self, op):
        return [(dtypes.bool, _ts.scalar())]

    def compute(self, ctx, op):
        return np.array(op.attrs["var"] in ctx.variables)


class InitializedValue(Op):
    """The variable's value if it is initialized, else its initial value (input 0).

    TF1 builds this from a `cond` on IsVariableInitialized; one op does the same here.
    Variables whose initial value reads another variable use it, so their initializers
    work whatever order the initializers run in.
    """

    needs_context = True
    stateful = True
    not_differentiable = True
    aliases_input = True

    def infer(self, op):
        x = op.inputs[0]
        return [(x.dtype, x.shape)]

    def compute(self, ctx, op, initial):
        value = ctx.variables.get(op.attrs["var"])
        return initial if value is None else value


class ReportUninitializedVariables(Op):
    """The names (bytes) of the variables whose IsVariableInitialized input is False.

    TF1 composes this from stack, logical_not and boolean_mask over a string constant;
    minigraph has no string ops, so one op does it. Output: a 1-D `string` tensor, a
    NumPy object array of bytes such as `array([b'w'], dtype=object)`, exactly what
    TF1's `sess.run` returns (`len(result) == 0` when all are initialized).
    """

    not_differentiable = True

    def infer(self, op):
        return [(dtypes.string, _ts.TensorShape([None]))]

    def compute(self, op, *initialized):
        names = op.attrs["names"]
        out = np.empty(sum(1 for ok in initialized if not ok), dtype=object)
        out[:] = [n.encode() for n, ok in zip(names, initialized) if not ok]
        return out


# -- the TF1-named functions -----------------------------------------------------------------
def _variable_op(ref, fn_name):
    """The VariableV2 op behind `ref` (a Variable or the `w:0` tensor of a VariableV2)."""
    if hasattr(ref, "_variable") and isinstance(getattr(ref, "_variable"), _graph.Tensor):
        ref = ref._variable
    if isinstance(ref, _graph.Tensor) and ref.op.type == "VariableV2":
        return ref.op
    raise TypeError("%s: ref must be a tf.Variable (or the output of its VariableV2 op), got %r"
                    % (fn_name, ref))


def _convert_value(var, value, op_type):
    dtype = var._outputs[0].dtype
    if isinstance(value, _graph.Tensor) or hasattr(value, "_as_graph_element"):
        t = _graph.convert_to_tensor(value, name="value")
        if t.dtype != dtype:
            raise TypeError("Input 'value' of '%s' Op has type %s that does not match type %s "
                            "of argument 'ref' (variable '%s', value %s)."
                            % (op_type, t.dtype.name, dtype.name, var.name, t.name))
        return t
    try:
        return _graph.convert_to_tensor(value, dtype=dtype, name="value")
    except (TypeError, ValueError) as e:
        raise TypeError("Expected %s passed to parameter 'value' of op '%s' for variable '%s', "
                        "got %r instead: %s" % (dtype.name, op_type, var.name, value, e))


def _update(op_type, ref, value, attrs, name, fn_name):
    if hasattr(ref, "_get_variable_list"):
        # A PartitionedVariable: TF1 delegates to its method, one result per shard.
        method = {"Assign": "assign", "AssignAdd": "assign_add", "AssignSub": "assign_sub"}
        return getattr(ref, method[op_type])(value, name=name)
    var = _variable_op(ref, fn_name)
    with var.graph.as_default(), _graph.name_scope(name, op_type, [value]) as scope:
        value = _convert_value(var, value, op_type)
        attrs = dict(attrs, var=var)
        return make_tensor(op_type, [value], attrs, scope)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Assign `value` to the variable `ref`; returns the new value (after the assignment).

    Args:
      ref: a `Variable`.
      value: a tensor or value of the variable's dtype.
      validate_shape: if True (the default) `value` must have the variable's shape; if
        False the variable takes the shape of `value`.
      use_locking: accepted for TF1 compatibility (assignments are atomic here).

    Raises:
      TypeError: if `value` does not have the variable's dtype.
      ValueError: if the static shapes do not match and `validate_shape` is on.
    """
    attrs = {"validate_shape": True if validate_shape is None else bool(validate_shape),
             "use_locking": True if use_locking is None else bool(use_locking)}
    return _update("Assign", ref, value, attrs, name, "assign")


def assign_add(ref, value, use_locking=None, name=None):
    """Add `value` to the variable `ref`; returns the new value.

    Raises:
      TypeError: if `value` does not have the variable's dtype.
      ValueError: if the static shapes differ.
    """
    return _update("AssignAdd", ref, value, {"use_locking": bool(use_locking)}, name,
                   "assign_add")


def assign_sub(ref, value, use_locking=None, name=None):
    """Subtract `value` from the variable `ref`; returns the new value.

    Raises:
      TypeError: if `value` does not have the variable's dtype.
      ValueError: if the static shapes differ.
    """
    return _update("AssignSub", ref, value, {"use_locking": bool(use_locking)}, name,
                   "assign_sub")


def is_variable_initialized(ref, name=None):
    """A bool scalar tensor: whether the variable `ref` has been initialized in the session."""
    var = _variable_op(ref, "is_variable_initialized")
    with var.graph.as_default():
        return make_tensor("IsVariableInitialized", [], {"var": var}, name)


def initialized_value(ref, initial_value, name=None):
    """The value of variable `ref` once initialized, else `initial_value` (see InitializedValue)."""
    var = _variable_op(ref, "initialized_value")
    return make_tensor("InitializedValue", [initial_value], {"var": var}, name)


def report_uninitialized(initialized_flags, names, name):
    """The `ReportUninitializedVariables` op over bool scalars, one per variable name."""
    return make_tensor("ReportUninitializedVariables", list(initialized_flags),
                       {"names": list(names)}, name)


def variable_op_of(ref):
    """The VariableV2 op behind a Variable or a `w:0` tensor (for ops that update variables).

    Raises:
      TypeError: if `ref` is neither.
    """
    return _variable_op(ref, "variable_op_of")
