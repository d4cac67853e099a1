"""The TF1 optimizers: GradientDescent, Momentum, Adam, RMSProp.

Each is a small `Optimizer` subclass: which slots it keeps, which hyperparameters become
tensors (named `<Optimizer>/learning_rate`, ... as in TF1), and which update op it adds
per variable. Hyperparameters may be Python numbers, tensors (e.g. placeholders, for a
learning-rate schedule) or callables returning either. The update rules themselves are
spelled out in `minigraph.ops.training_ops`.
"""
from minigraph.framework import graph as _graph
from minigraph.ops import training_ops
from minigraph.train.optimizer import Optimizer, _cast


def _tensor(value, name):
    return _graph.convert_to_tensor(Optimizer._call_if_callable(value), name=name)


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent: `var -= learning_rate * grad`.

    Args:
      learning_rate: a float or a scalar float tensor.
      use_locking: make updates atomic with respect to other locked updates.
      name: name scope of the update ops (default "GradientDescent").
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = _tensor(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return training_ops.apply_gradient_descent(
            var, _cast(self._learning_rate_tensor, var.dtype), grad,
            use_locking=self._use_locking).op


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum; slot "momentum" (variable `<var>/Momentum`).

    `accum = momentum * accum + grad; var -= learning_rate * accum`, or with
    `use_nesterov` `var -= learning_rate * (grad + momentum * accum)`.

    Args:
      learning_rate: a float or a scalar float tensor.
      momentum: a float or a scalar float tensor.
      use_locking: make updates atomic with respect to other locked updates.
      name: name scope of the update ops (default "Momentum").
      use_nesterov: use Nesterov momentum.
    """

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = _tensor(self._learning_rate, "learning_rate")
        self._momentum_tensor = _tensor(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        return training_ops.apply_momentum(
            var, self.get_slot(var, "momentum"), _cast(self._learning_rate_tensor, var.dtype),
            grad, _cast(self._momentum_tensor, var.dtype), use_locking=self._use_locking,
            use_nesterov=self._use_nesterov).op


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba); slots "m" (`<var>/Adam`) and "v" (`<var>/Adam_1`).

    The bias corrections use two non-slot variables shared by all updated variables,
    `beta1_power` and `beta2_power` (initialized to beta1 and beta2 and multiplied by
    them after every step), as in TF1.

    Args:
      learning_rate, beta1, beta2, epsilon: floats or scalar float tensors.
      use_locking: make updates atomic with respect to other locked updates.
      name: name scope of the update ops (default "Adam").
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self):
        graph = _graph.get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph=graph),
                self._get_non_slot_variable("beta2_power", graph=graph))

    def _create_slots(self, var_list):
        # The accumulators are created next to the first variable by name, as in TF1.
        first_var = min(var_list, key=lambda x: x.name)
        self._create_non_slot_variable(initial_value=self._beta1, name="beta1_power",
                                       colocate_with=first_var)
        self._create_non_slot_variable(initial_value=self._beta2, name="beta2_power",
                                       colocate_with=first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = _tensor(self._lr, "learning_rate")
        self._beta1_t = _tensor(self._beta1, "beta1")
        self._beta2_t = _tensor(self._beta2, "beta2")
        self._epsilon_t = _tensor(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        beta1_power, beta2_power = self._get_beta_accumulators()
        dt = var.dtype
        return training_ops.apply_adam(
            var, self.get_slot(var, "m"), self.get_slot(var, "v"),
            _cast(beta1_power.value(), dt), _cast(beta2_power.value(), dt),
            _cast(self._lr_t, dt), _cast(self._beta1_t, dt), _cast(self._beta2_t, dt),
            _cast(self._epsilon_t, dt), grad, use_locking=self._use_locking).op

    def _finish(self, update_ops, name_scope):
        from minigraph.ops import control_flow_ops
        graph = _graph.get_default_graph()
        with graph.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            update_beta1 = beta1_power.assign(beta1_power * self._beta1_t,
                                              use_locking=self._use_locking)
            update_beta2 = beta2_power.assign(beta2_power * self._beta2_t,
                                              use_locking=self._use_locking)
        return control_flow_ops.group(*update_ops + [update_beta1, update_beta2],
                                      name=name_scope)


class RMSPropOptimizer(Optimizer):
    """RMSProp; slots "rms" (`<var>/RMSProp`, initialized to ones), "momentum", and with
    `centered` "mg" (named `<var>/RMSProp_1`, `<var>/RMSProp_2` in creation order).

    Args:
      learning_rate: a float or scalar float tensor.
      decay: discounting factor of the running mean square (TF1's `rho`).
      momentum: momentum of the update.
      epsilon: added to the mean square before the square root.
      use_locking: make updates atomic with respect to other locked updates.
      centered: normalize by the estimated variance (mean square minus squared mean
        gradient) instead of the mean square.
      name: name scope of the update ops (default "RMSProp").
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        from minigraph.ops import init_ops
        for v in var_list:
            if v.get_shape().is_fully_defined():
                self._get_or_make_slot_with_initializer(
                    v, init_ops.ones_initializer(), v.get_shape(), v.dtype, "rms", self._name)
            else:
                from minigraph.ops import array_ops
                self._get_or_make_slot(v, array_ops.ones_like(v.initialized_value()), "rms",
                                       self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = _tensor(self._learning_rate, "learning_rate")
        self._decay_tensor = _tensor(self._decay, "decay")
        self._momentum_tensor = _tensor(self._momentum, "momentum")
        self._epsilon_tensor = _tensor(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        dt = var.dtype
        rms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum")
        hyper = [_cast(t, dt) for t in (self._learning_rate_tensor, self._decay_tensor,
                                        self._momentum_tensor, self._epsilon_tensor)]
        if self._centered:
            return training_ops.apply_centered_rms_prop(
                var, self.get_slot(var, "mg"), rms, mom, *hyper, grad,
                use_locking=self._use_locking).op
        return training_ops.apply_rms_prop(var, rms, mom, *hyper, grad,
                                           use_locking=self._use_locking).op
