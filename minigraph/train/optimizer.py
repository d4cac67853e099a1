"""The TF1 `Optimizer` base class: gradients, slots, and the graph that applies updates.

`minimize(loss)` is `compute_gradients` (symbolic `mg.gradients` of the loss with respect
to each variable) followed by `apply_gradients`, which builds, under a name scope named
after the optimizer ("Adam"):

    Adam/update_<var>/ApplyAdam      one update op per variable (the op types of
                                     `minigraph.ops.training_ops`)
    <var>/Assign ...                 if the variable has a `constraint`: an assignment of
                                     constraint(new value), after the update
    Adam/update (or Adam)            a NoOp grouping the updates (+ subclass `_finish` ops)
    Adam                             with `global_step`: AssignAdd(global_step, 1), run
                                     after the group; it is then the returned train op

Subclasses implement `_create_slots(var_list)`, `_prepare()` (turn hyperparameters into
tensors) and `_apply_dense(grad, var)`, and may extend `_finish(update_ops, name)`.
"""
from minigraph.framework import dtypes
from minigraph.framework import graph as _graph
from minigraph.framework.graph import GraphKeys
from minigraph.train import slot_creator

_VALID_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


def _var_key(var):
    return (var.op.graph, var.op.name)


def _is_variable(v):
    from minigraph.framework.variables import Variable
    return isinstance(v, Variable)


def _flatten(var_list):
    out = []
    for v in var_list if isinstance(var_list, (list, tuple)) else [var_list]:
        if isinstance(v, (list, tuple)):
            out.extend(_flatten(v))
        elif hasattr(v, "_get_variable_list"):
            # A PartitionedVariable is trained part by part, each part a real variable.
            out.extend(v._get_variable_list())
        else:
            out.append(v)
    return out


def _cast(t, dtype):
    """`t` in `dtype`; no op when it already is (TF1's math_ops.cast does the same)."""
    if t.dtype == dtype:
        return t
    from minigraph.ops import unary_ops
    return unary_ops.cast(t, dtype)


class Optimizer:
    """Base class of the TF1 optimizers; use a subclass such as `GradientDescentOptimizer`.

    Args:
      use_locking: make each variable update atomic with respect to other locked updates.
      name: the name scope of the ops the optimizer creates, and the slot-name suffix.

    Raises:
      ValueError: if `name` is empty.
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}            # slot name -> {var key: slot variable}
        self._non_slot_dict = {}    # (name, graph) -> variable, e.g. Adam's beta1_power

    def get_name(self):
        return self._name

    # -- the public API ---------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Add ops that update `var_list` to reduce `loss` (and increment `global_step`).

        Args:
          loss: a float scalar (or any float tensor: its sum is minimized).
          global_step: optional integer variable, incremented by one after the updates.
          var_list: the variables to train; default the TRAINABLE_VARIABLES collection.
          gate_gradients: GATE_NONE, GATE_OP or GATE_GRAPH (GATE_GRAPH computes every
            gradient before any is used).
          name: name of the returned op (default: the optimizer's name).
          grad_loss: optional initial gradient of `loss`.

        Returns:
          The train op.

        Raises:
          ValueError: if no variable gets a gradient, or `loss` is not a float tensor.
          TypeError: if a variable that gets a gradient is not a float variable.
        """
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                "support gradients, between variables %s and loss %s."
                % ([str(v) for _, v in grads_and_vars], loss))
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """Gradients of `loss` for the variables in `var_list`.

        Returns:
          A list of (gradient, variable) pairs; the gradient is None for a variable the
          loss does not depend on.

        Raises:
          ValueError: if `var_list` is empty, `gate_gradients` is invalid, or `loss` (or
            `grad_loss`) is not a float tensor.
        """
        if callable(loss):
            loss = loss()
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, "
                             "Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not %s" % gate_gradients)
        loss = _graph.convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            grad_loss = _graph.convert_to_tensor(grad_loss)
            self._assert_valid_dtypes([grad_loss])
        if var_list is None:
            var_list = (loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                        + loss.graph.get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES))
        else:
            var_list = _flatten(var_list)
        if not var_list:
            raise ValueError("No variables to optimize (loss %s; the TRAINABLE_VARIABLES "
                             "collection is empty and no var_list was given)." % loss.name)
        from minigraph.framework import gradients as _gradients
        targets = [v._ref() if hasattr(v, "_ref") else v for v in var_list]
        grads = _gradients.gradients(
            loss, targets, grad_ys=None if grad_loss is None else [grad_loss],
            gate_gradients=(gate_gradients == Optimizer.GATE_OP),
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH:
            from minigraph.ops import control_flow_ops
            grads = control_flow_ops.tuple(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Add the ops that apply `grads_and_vars` (from `compute_gradients`).

        Pairs whose gradient is None are skipped.

        Args:
          grads_and_vars: (gradient, variable) pairs.
          global_step: optional integer variable incremented by one after the updates.
          name: name of the returned op (default: the optimizer's name).

        Returns:
          The train op: a NoOp grouping the updates, or with `global_step` the
          AssignAdd that increments it (after the updates).

        Raises:
          ValueError: if `grads_and_vars` is empty or holds no gradient; if a gradient's
            shape does not match its variable's.
          TypeError: if a gradient is not a tensor, or does not have its variable's float
            dtype.
          NotImplementedError: if something other than a variable is to be updated.
        """
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if g is not None:
                try:
                    g = _graph.convert_to_tensor(g)
                except (TypeError, ValueError):
                    raise TypeError("Gradient must be convertible to a Tensor or None: %s "
                                    "(gradient for %s)" % (g, v))
            if not _is_variable(v):
                raise NotImplementedError(
                    "Trying to update %r, which is not a tf.Variable: optimizers can only "
                    "update variables" % (v,))
            if g is not None and v.dtype not in _VALID_DTYPES:
                raise TypeError("Cannot apply %s to variable %s of dtype %s: optimizers update "
                                "only float16, float32 and float64 variables."
                                % (self._name, v.name, v.dtype.name))
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: %s."
                             % ([str(v) for _, v in converted],))
        graph = var_list[0].graph
        with graph.as_default():
            # TF1 builds slots in an init_scope: no enclosing control dependencies apply.
            with graph.control_dependencies(None):
                self._create_slots(var_list)
            update_ops = []
            with _graph.name_scope(name, self._name, []) as name:
                self._prepare()
                for grad, var in converted:
                    if grad is None:
                        continue
                    with graph.name_scope("update_" + var.op.name):
                        update_ops.append(self._update_with_constraint(grad, var))
                if global_step is None:
                    apply_updates = self._finish(update_ops, name)
                else:
                    from minigraph.ops import state_ops
                    with graph.control_dependencies([self._finish(update_ops, "update")]):
                        apply_updates = state_ops.assign_add(global_step, 1, name=name).op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    def _update_with_constraint(self, grad, var):
        update_op = self._apply_dense(grad, var)
        if var.constraint is None:
            return update_op
        # The constraint sees the updated value: the update op's output, not `w/read`,
        # which a run computes once, before the update.
        with var.graph.control_dependencies([update_op]):
            return var.assign(var.constraint(update_op.outputs[0])).op

    def get_slot(self, var, name):
        """The slot `name` (e.g. "m") the optimizer made for `var`, else None."""
        named_slots = self._slots.get(name)
        if not named_slots:
            return None
        return named_slots.get(_var_key(var))

    def get_slot_names(self):
        """The sorted names of the slots this optimizer creates, e.g. ['m', 'v']."""
        return sorted(self._slots)

    def variables(self):
        """The optimizer's variables in the default graph (slots and e.g. beta1_power),
        sorted by name."""
        graph = _graph.get_default_graph()
        out = [v for v in self._non_slot_dict.values() if v.graph is graph]
        for slots in self._slots.values():
            out.extend(v for v in slots.values() if v.graph is graph)
        return sorted(out, key=lambda v: v.name)

    # -- hooks for subclasses -----------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError("%s does not implement _apply_dense" % type(self).__name__)

    def _finish(self, update_ops, name_scope):
        from minigraph.ops import control_flow_ops
        return control_flow_ops.group(*update_ops, name=name_scope)

    # -- helpers for subclasses -----------------------------------------------------------------
    @staticmethod
    def _call_if_callable(param):
        return param() if callable(param) else param

    def _assert_valid_dtypes(self, tensors):
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in _VALID_DTYPES:
                raise ValueError("Invalid type %r for %s, expected: %s. (%s optimizes "
                                 "floating-point losses and variables only.)"
                                 % (dtype, t.name, list(_VALID_DTYPES), self._name))

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot(var, val, op_name)
        return named_slots[_var_key(var)]

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name,
                                           op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot_with_initializer(
                var, initializer, shape, dtype, op_name)
        return named_slots[_var_key(var)]

    def _zeros_slot(self, var, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_zeros_slot(var, op_name)
        return named_slots[_var_key(var)]

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        """A variable shared by all updates of one graph (Adam's `beta1_power`), made once.

        It is named in the current name scope, like any `tf.Variable`, not trainable.
        """
        from minigraph.framework.variables import Variable
        key = (name, colocate_with.graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            v = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph))

    def _non_slot_variables(self):
        return self._non_slot_dict.values()
