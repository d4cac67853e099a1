"""Optimizer update ops: `ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`,
`ApplyRMSProp`, `ApplyCenteredRMSProp`.

As in TF1, the first inputs of each op are the variables it updates (the `w:0` outputs
of their `VariableV2` ops: the variable itself, then its slots), then the scalar
hyperparameters, then the gradient. The output is the variable's new value.

The kernels read the *current* values of those variables from the run context rather
than the input arrays (TF1's ref inputs: an earlier update in the same run is seen),
and store fresh arrays for every variable they write; stored arrays are never modified
in place, so values fetched or read earlier never change under their holder. With
`use_locking` the read-modify-write of one op is atomic with respect to other locked
updates (without it, concurrent runs may lose updates, as TF1 without locking does).

Update rules (all in the variable's dtype; `lr` etc. are scalars):
  GradientDescent: var -= lr * grad
  Momentum:        accum = accum * momentum + grad
                   var -= lr * accum                  (nesterov: lr * (grad + momentum * accum))
  Adam:            alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
                   m += (grad - m) * (1 - beta1);  v += (grad^2 - v) * (1 - beta2)
                   var -= alpha * m / (sqrt(v) + epsilon)
                   (nesterov: m replaced by beta1 * m + (1 - beta1) * grad)
  RMSProp:         ms += (grad^2 - ms) * (1 - rho)
                   mom = mom * momentum + lr * grad / sqrt(ms + epsilon);  var -= mom
  CenteredRMSProp: mg += (grad - mg) * (1 - rho), and sqrt(ms - mg^2 + epsilon) instead.
"""
import threading

import numpy as np

from minigraph.framework import errors
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import Op, make_tensor

_UPDATE_LOCK = threading.RLock()


class _ApplyOp(Op):
    """Shared rules: `refs` variable inputs (same dtype and shape), scalars, then `grad`."""

    abstract = True
    type = None
    needs_context = True
    stateful = True
    refs = ()       # names of the variable inputs, in order
    scalars = ()    # names of the scalar inputs, in order, after the refs

    def arg_names(self):
        """Input names in TF1's order (error messages use them)."""
        return list(self.refs) + list(self.scalars) + ["grad"]

    def infer(self, op):
        names = self.arg_names()
        var = op.inputs[0]
        for name, t in zip(names, op.inputs):
            if t.dtype != var.dtype:
                raise TypeError("Input '%s' of '%s' Op has type %s that does not match type %s "
                                "of argument 'var' (op '%s', input %s, variable %s)."
                                % (name, op.type, t.dtype.name, var.dtype.name, op.name, t.name,
                                   var.name))
        for name, t in zip(names[:len(self.refs)], op.inputs):
            if t.op.type != "VariableV2":
                raise TypeError("Input '%s' of '%s' Op requires l-value input: %s is the output "
                                "of a %s op, not of a variable (op '%s')"
                                % (name, op.type, t.name, t.op.type, op.name))
        shapes = ", ".join(_ts.shape_str(t.shape) for t in op.inputs)
        shape = var.shape
        for name, t in zip(names, op.inputs):
            if name in self.scalars:
                if t.shape.ndims not in (None, 0):
                    raise ValueError("Shape must be rank 0 but is rank %d for '%s' input '%s' "
                                     "(%s) of op '%s' with input shapes: %s."
                                     % (t.shape.ndims, op.type, name, t.name, op.name, shapes))
            elif not shape.is_compatible_with(t.shape):
                raise ValueError("Shapes of 'var' and '%s' must be equal, but are %s and %s for "
                                 "'%s' (op '%s'; var %s, %s %s) with input shapes: %s."
                                 % (name, _ts.shape_str(shape), _ts.shape_str(t.shape), op.type,
                                    op.name, var.name, name, t.name, shapes))
            else:
                shape = shape.merge_with(t.shape)
        return [(var.dtype, shape)]

    def compute(self, ctx, op, *inputs):
        n = len(self.refs)
        ref_ops = [t.op for t in op.inputs[:n]]
        scalars = inputs[n:-1]
        grad = inputs[-1]
        if op.attrs.get("use_locking"):
            with _UPDATE_LOCK:
                return self._update(ctx, op, ref_ops, scalars, grad)
        return self._update(ctx, op, ref_ops, scalars, grad)

    def _update(self, ctx, op, ref_ops, scalars, grad):
        current = [ctx.read_variable(r) for r in ref_ops]
        # Shapes are static almost always; variables made with validate_shape=False are not.
        for name, value in zip(self.refs[1:] + ("grad",), current[1:] + [grad]):
            if value.shape != current[0].shape:
                raise errors.InvalidArgumentError(
                    None, op, "var and %s do not have the same shape: %s %s (op '%s', "
                              "variable %s)" % (name, list(current[0].shape), list(value.shape),
                                                op.name, ref_ops[0].name))
        new = self.rule(op, *current, *scalars, grad)
        if not isinstance(new, tuple):
            new = (new,)
        for r, value in zip(ref_ops, new):
            ctx.variables[r] = value
        return new[0]


class ApplyGradientDescent(_ApplyOp):
    """var -= alpha * delta."""

    refs = ("var",)
    scalars = ("alpha",)

    def arg_names(self):
        return ["var", "alpha", "delta"]

    def rule(self, op, var, alpha, delta):
        return var - delta * alpha


class ApplyMomentum(_ApplyOp):
    """accum = accum * momentum + grad; var -= lr * accum (or the Nesterov form)."""

    refs = ("var", "accum")
    scalars = ("lr", "momentum")

    def arg_names(self):
        return ["var", "accum", "lr", "grad", "momentum"]

    def compute(self, ctx, op, var, accum, lr, grad, momentum):
        # TF1 puts `momentum` after `grad`; reorder to the shared (refs, scalars, grad) layout.
        return super().compute(ctx, op, var, accum, lr, momentum, grad)

    def rule(self, op, var, accum, lr, momentum, grad):
        accum = accum * momentum + grad
        if op.attrs.get("use_nesterov"):
            return var - (grad * lr + accum * momentum * lr), accum
        return var - accum * lr, accum


class ApplyAdam(_ApplyOp):
    """Adam with bias correction folded into the step size (see the module docstring)."""

    refs = ("var", "m", "v")
    scalars = ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon")

    def rule(self, op, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
        one = var.dtype.type(1)
        alpha = lr * np.sqrt(one - beta2_power) / (one - beta1_power)
        m = m + (grad - m) * (one - beta1)
        v = v + (np.square(grad) - v) * (one - beta2)
        if op.attrs.get("use_nesterov"):
            step = (grad * (one - beta1) + beta1 * m) * alpha / (np.sqrt(v) + epsilon)
        else:
            step = (m * alpha) / (np.sqrt(v) + epsilon)
        return var - step, m, v


class ApplyRMSProp(_ApplyOp):
    """RMSProp with momentum (see the module docstring)."""

    refs = ("var", "ms", "mom")
    scalars = ("lr", "rho", "momentum", "epsilon")

    def rule(self, op, var, ms, mom, lr, rho, momentum, epsilon, grad):
        one = var.dtype.type(1)
        ms = ms + (np.square(grad) - ms) * (one - rho)
        mom = mom * momentum + (grad * lr) / np.sqrt(ms + epsilon)
        return var - mom, ms, mom


class ApplyCenteredRMSProp(_ApplyOp):
    """RMSProp normalized by the estimated variance instead of the second moment."""

    refs = ("var", "mg", "ms", "mom")
    scalars = ("lr", "rho", "momentum", "epsilon")

    def rule(self, op, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
        one = var.dtype.type(1)
        mg = mg + (grad - mg) * (one - rho)
        ms = ms + (np.square(grad) - ms) * (one - rho)
        denom = (ms - np.square(mg)) + epsilon
        mom = mom * momentum + (grad * lr) / np.sqrt(denom)
        return var - mom, mg, ms, mom


# -- the TF1-named functions (gen_training_ops) ---------------------------------------------
def _ref(x, arg, op_type):
    from minigraph.ops import state_ops
    try:
        return state_ops.variable_op_of(x)._outputs[0]
    except TypeError:
        raise TypeError("Input '%s' of '%s' Op requires l-value input: expected a tf.Variable, "
                        "got %r" % (arg, op_type, x))


def _value(x, var, arg):
    if isinstance(x, _graph.Tensor) or hasattr(x, "_as_graph_element"):
        return _graph.convert_to_tensor(x)
    return _graph.convert_to_tensor(x, dtype=var.dtype, name=arg)


def _apply(op_type, refs, values, attrs, name):
    ref_ts = [_ref(x, arg, op_type) for arg, x in refs]
    var = ref_ts[0]
    with var.graph.as_default():
        value_ts = [_value(x, var, arg) for arg, x in values]
        return make_tensor(op_type, ref_ts + value_ts, attrs, name or op_type)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """Update `var` by subtracting `alpha * delta`; returns the new value.

    Args:
      var: a Variable, updated in the session.
      alpha: scalar learning rate, same dtype as `var`.
      delta: the change, same shape and dtype as `var`.
      use_locking: make the update atomic with respect to other locked updates.

    Raises:
      TypeError: if the dtypes differ or `var` is not a variable.
      ValueError: if `delta` does not have the shape of `var` or `alpha` is not a scalar.
    """
    return _apply("ApplyGradientDescent", [("var", var)], [("alpha", alpha), ("delta", delta)],
                  {"use_locking": bool(use_locking)}, name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    """Momentum update of `var` (and its accumulator `accum`); returns var's new value.

    Raises:
      TypeError, ValueError: as `apply_gradient_descent`.
    """
    return _apply("ApplyMomentum", [("var", var), ("accum", accum)],
                  [("lr", lr), ("grad", grad), ("momentum", momentum)],
                  {"use_locking": bool(use_locking), "use_nesterov": bool(use_nesterov)}, name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    """Adam update of `var` and its moments `m`, `v`; returns var's new value.

    Raises:
      TypeError, ValueError: as `apply_gradient_descent`.
    """
    return _apply("ApplyAdam", [("var", var), ("m", m), ("v", v)],
                  [("beta1_power", beta1_power), ("beta2_power", beta2_power), ("lr", lr),
                   ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon), ("grad", grad)],
                  {"use_locking": bool(use_locking), "use_nesterov": bool(use_nesterov)}, name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False,
                   name=None):
    """RMSProp update of `var`, its mean square `ms` and momentum `mom`; returns var's new value.

    Raises:
      TypeError, ValueError: as `apply_gradient_descent`.
    """
    return _apply("ApplyRMSProp", [("var", var), ("ms", ms), ("mom", mom)],
                  [("lr", lr), ("rho", rho), ("momentum", momentum), ("epsilon", epsilon),
                   ("grad", grad)], {"use_locking": bool(use_locking)}, name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    """Centered RMSProp update (also tracks the mean gradient `mg`); returns var's new value.

    Raises:
      TypeError, ValueError: as `apply_gradient_descent`.
    """
    return _apply("ApplyCenteredRMSProp", [("var", var), ("mg", mg), ("ms", ms), ("mom", mom)],
                  [("lr", lr), ("rho", rho), ("momentum", momentum), ("epsilon", epsilon),
                   ("grad", grad)], {"use_locking": bool(use_locking)}, name)
