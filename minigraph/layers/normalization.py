"""Batch normalization: `BatchNormalization` / `batch_normalization` (TF1 `tf.layers`).

For each position along `axis` (the channels), the layer normalises its input with a
mean and variance and then scales and shifts it:

    y = gamma * (x - mean) / sqrt(variance + epsilon) + beta

In training (`training=True`) `mean`/`variance` are the moments of the batch (over every
axis but `axis`), and the layer makes two update ops, which TF1 code runs through
`GraphKeys.UPDATE_OPS` (e.g. `with control_dependencies(get_collection(UPDATE_OPS)):
train_op = opt.minimize(loss)`):

    moving_mean     -= (moving_mean - mean) * (1 - momentum)          # AssignMovingAvg
    moving_variance -= (moving_variance - variance) * (1 - momentum)  # AssignMovingAvg_1

In inference (`training=False`, the default) the moving statistics are used instead.
Variables, for `C` channels (one axis; several axes give a shape with 1 elsewhere):

    NAME/gamma            [C]  trainable (if scale)
    NAME/beta             [C]  trainable (if center)
    NAME/moving_mean      [C]  not trainable
    NAME/moving_variance  [C]  not trainable
"""
import numbers

from minigraph.framework import dtypes as _dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.layers.base import InputSpec, Layer
from minigraph.layers.utils import (ZEROS_DEFAULT, get_constraint, default_zeros, get_initializer,
                                            get_regularizer)
from minigraph.layers.core import training_value


def _mg():
    import minigraph
    return minigraph


class _OnesDefault:
    """The default `gamma_initializer`/`moving_variance_initializer`: `ones_initializer()`."""

    def __repr__(self):
        return "ones_initializer()"


_ONES = _OnesDefault()


def _default_init(identifier):
    if identifier is _ONES:
        return _mg().ones_initializer()
    return default_zeros(identifier)


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


class BatchNormalization(Layer):
    """Batch normalization layer (TF1 `tf.layers.BatchNormalization`).

    Args:
      axis: int or list of ints: the axis (or axes) holding the features, normalised
        separately (`-1` for channels_last, `1` for channels_first).
      momentum: decay of the moving averages.
      epsilon: small float added to the variance.
      center: whether to add the learned offset `beta`.
      scale: whether to multiply by the learned `gamma` (set False when the next layer is
        linear or relu, which make scaling redundant).
      beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers (defaults zeros, ones, zeros, ones;
        None means the variable scope's default initializer, as in TF1).
      beta_regularizer, gamma_regularizer: optional `w -> scalar` penalties.
      beta_constraint, gamma_constraint: projections applied after optimizer updates.
      renorm, renorm_clipping, renorm_momentum: batch renormalization; not implemented
        (renorm must be False; the other two are then ignored, as in TF1).
      fused: None or True: use the fused kernel (`FusedBatchNormV3`) when possible (a 4-D
        float32/float64 input normalised over axis 1 or 3), as TF1's `tf.layers` does;
        False: never. float16 inputs always take the composed path here (minigraph's
        fused op has no mixed-precision form).
      trainable: whether gamma and beta go to `GraphKeys.TRAINABLE_VARIABLES`. A
        non-trainable layer has no `updates`, so nothing it creates lands in `UPDATE_OPS`
        (TF1's rule).
      virtual_batch_size, adjustment: not implemented (must be None).
      name: the layer name; default `batch_normalization`, `batch_normalization_1`, ...

    Call arguments:
      inputs: a float tensor of known rank whose `axis` dimensions are known.
      training: Python bool (also 0/1) or a scalar bool tensor. With a tensor both
        behaviours are built and `mg.where` picks one at run time (TF1 uses `tf.cond`;
        minigraph has none yet); the update ops then run always but leave the moving
        statistics unchanged when `training` is False (the momentum becomes 1).

    TF1 oddity, kept: with the fused kernel the moving variance is updated with the
    unbiased (Bessel-corrected, `n / (n - 1)`) batch variance, with the composed path
    with the biased one; the output uses the biased one in both.

    Raises:
      TypeError: if `axis` is not an int or a list/tuple of ints.
      NotImplementedError: for `renorm=True`, `virtual_batch_size` or `adjustment`.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=ZEROS_DEFAULT, gamma_initializer=_ONES,
                 moving_mean_initializer=ZEROS_DEFAULT, moving_variance_initializer=_ONES,
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        n = self.name
        if isinstance(axis, (list, tuple)) and all(_is_int(a) for a in axis) and axis:
            self.axis = [int(a) for a in axis]
        elif _is_int(axis):
            self.axis = int(axis)
        else:
            raise TypeError("The `axis` argument of BatchNormalization layer %s must be an int "
                            "or a non-empty list of ints; got %r (%s)"
                            % (n, axis, type(axis).__name__))
        for arg, value in (("renorm=True", renorm),
                           ("virtual_batch_size", virtual_batch_size is not None),
                           ("adjustment", adjustment is not None)):
            if value:
                raise NotImplementedError(
                    "BatchNormalization layer %s: %s is not implemented in minigraph (batch "
                    "renormalization, ghost batches and adjustments are not supported); "
                    "leave renorm=False, virtual_batch_size=None, adjustment=None." % (n, arg))
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = get_initializer(_default_init(beta_initializer),
                                             "beta_initializer", n)
        self.gamma_initializer = get_initializer(_default_init(gamma_initializer),
                                              "gamma_initializer", n)
        self.moving_mean_initializer = get_initializer(_default_init(moving_mean_initializer),
                                                    "moving_mean_initializer", n)
        self.moving_variance_initializer = get_initializer(
            _default_init(moving_variance_initializer), "moving_variance_initializer", n)
        self.beta_regularizer = get_regularizer(beta_regularizer, "beta_regularizer", n)
        self.gamma_regularizer = get_regularizer(gamma_regularizer, "gamma_regularizer", n)
        self.beta_constraint = get_constraint(beta_constraint, "beta_constraint", n)
        self.gamma_constraint = get_constraint(gamma_constraint, "gamma_constraint", n)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.virtual_batch_size = None
        self.adjustment = None
        # TF1's tf.layers default: fused whenever the input allows it (decided in build).
        self.fused = True if fused is None else bool(fused)
        self.supports_masking = True

    @property
    def _param_dtype(self):
        # float16 inputs keep float32 statistics and parameters, as in TF1.
        if self.dtype is None or _dtypes.as_dtype(self.dtype) == _dtypes.float16:
            return _dtypes.float32
        return _dtypes.as_dtype(self.dtype)

    def build(self, input_shape):
        """Create gamma, beta, moving_mean and moving_variance; resolve `axis` and `fused`.

        Raises:
          TypeError: if the layer's dtype is not floating point.
          ValueError: if the input rank is unknown, `axis` is out of range or repeated, or
            an `axis` dimension is unknown.
        """
        shape = _ts.as_shape(input_shape)
        if not shape.ndims:
            raise ValueError("BatchNormalization layer %s needs an input of known rank >= 1; "
                             "got shape %s" % (self.name, _ts.shape_str(shape)))
        ndims = shape.ndims
        dtype = _dtypes.as_dtype(self.dtype or _dtypes.float32)
        if not dtype.is_floating:
            raise TypeError("BatchNormalization layer %s computes in floating point; its input "
                            "has dtype %s. Cast it first (mg.cast(x, mg.float32))."
                            % (self.name, dtype.name))
        given = [self.axis] if _is_int(self.axis) else list(self.axis)
        axis = [a + ndims if a < 0 else a for a in given]
        for a, g in zip(axis, given):
            if not 0 <= a < ndims:
                raise ValueError("Invalid axis %d for BatchNormalization layer %s: the input "
                                 "has rank %d (shape %s), so axis must be in [%d, %d)."
                                 % (g, self.name, ndims, _ts.shape_str(shape), -ndims, ndims))
        if len(set(axis)) != len(axis):
            raise ValueError("Duplicate axis for BatchNormalization layer %s: %r resolves to %r "
                             "for an input of rank %d." % (self.name, given, axis, ndims))
        self.axis = axis
        self.fused = (self.fused and ndims == 4 and axis in ([1], [3])
                      and dtype in (_dtypes.float32, _dtypes.float64))
        axis_to_dim = {a: shape[a].value for a in axis}
        unknown = [a for a, d in axis_to_dim.items() if d is None]
        if unknown:
            raise ValueError("Input of BatchNormalization layer %s has an undefined `axis` "
                             "dimension: input shape %s, axis %r (dimension %d is None)."
                             % (self.name, _ts.shape_str(shape), given, unknown[0]))
        self.input_spec = InputSpec(ndim=ndims, axes=axis_to_dim)
        if len(axis) == 1:
            param_shape = [axis_to_dim[axis[0]]]
        else:
            param_shape = [axis_to_dim.get(i, 1) for i in range(ndims)]
        pdtype = self._param_dtype
        mg = _mg()
        if self.scale:
            self.gamma = self.add_weight("gamma", shape=param_shape, dtype=pdtype,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True)
        else:
            self.gamma = None
            if self.fused:
                self._gamma_const = mg.constant(1.0, dtype=pdtype, shape=param_shape)
        if self.center:
            self.beta = self.add_weight("beta", shape=param_shape, dtype=pdtype,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True)
        else:
            self.beta = None
            if self.fused:
                self._beta_const = mg.constant(0.0, dtype=pdtype, shape=param_shape)
        # The moving statistics are never partitioned (TF1 lifts the scope's partitioner).
        scope = self._scope
        partitioner = scope.partitioner if scope is not None else None
        if partitioner is not None:
            scope.set_partitioner(None)
        try:
            self.moving_mean = self.add_weight("moving_mean", shape=param_shape, dtype=pdtype,
                                               initializer=self.moving_mean_initializer,
                                               trainable=False)
            self.moving_variance = self.add_weight(
                "moving_variance", shape=param_shape, dtype=pdtype,
                initializer=self.moving_variance_initializer, trainable=False)
        finally:
            if partitioner is not None:
                scope.set_partitioner(partitioner)
        self.built = True

    # -- moving averages ---------------------------------------------------------------------
    def _assign_moving_average(self, variable, value, momentum):
        """`variable -= (variable - value) * (1 - momentum)`, op `NAME/AssignMovingAvg`."""
        mg = _mg()
        with mg.name_scope("AssignMovingAvg") as scope:
            if isinstance(momentum, _graph.Tensor):
                decay = 1.0 - momentum
            else:
                decay = mg.constant(1.0 - momentum, dtype=mg.float32, name="decay")
            if decay.dtype != variable.dtype.base_dtype:
                decay = mg.cast(decay, variable.dtype.base_dtype)
            delta = (variable - mg.cast(value, variable.dtype.base_dtype)) * decay
            return mg.assign_sub(variable, delta, name=scope)

    def _add_moving_updates(self, inputs, mean, variance, momentum):
        self.add_update(self._assign_moving_average(self.moving_mean, mean, momentum),
                        inputs=inputs)
        self.add_update(self._assign_moving_average(self.moving_variance, variance, momentum),
                        inputs=inputs)

    def _momentum_tensor(self, flag):
        """The momentum as TF1 builds it: 1 (no change) when the `training` tensor is False."""
        mg = _mg()
        momentum = mg.constant(self.momentum, dtype=mg.float32) \
            if not isinstance(self.momentum, _graph.Tensor) else self.momentum
        if flag is None:
            return momentum
        return mg.where(flag, momentum, mg.ones_like(momentum))

    # -- the computation ---------------------------------------------------------------------
    def call(self, inputs, training=False):
        if not inputs.dtype.is_floating:
            raise TypeError("BatchNormalization layer %s computes in floating point; its input "
                            "%s has dtype %s. Cast it first (mg.cast(x, mg.float32))."
                            % (self.name, inputs.name, inputs.dtype.name))
        value, flag = training_value(training, self.name)
        if self.fused:
            return self._fused_batch_norm(inputs, value, flag)
        mg = _mg()
        input_shape = inputs.shape
        ndims = input_shape.ndims
        reduction_axes = [i for i in range(ndims) if i not in self.axis]
        # Vectors need reshaping to broadcast only when a single axis is not the last one.
        broadcast_shape = [1] * ndims
        broadcast_shape[self.axis[0]] = input_shape[self.axis[0]].value

        def _broadcast(v):
            if (v is not None and v.shape.ndims != ndims
                    and reduction_axes != list(range(ndims - 1))):
                return mg.reshape(v, broadcast_shape)
            return v

        scale, offset = _broadcast(self.gamma), _broadcast(self.beta)
        if value is False:
            mean, variance = self.moving_mean, self.moving_variance
        else:
            mean, variance = mg.nn.moments(mg.cast(inputs, self._param_dtype), reduction_axes,
                                           keep_dims=len(self.axis) > 1)
            if flag is None:
                momentum = self.momentum
            else:
                mean = mg.where(flag, mean, mg.convert_to_tensor(self.moving_mean))
                variance = mg.where(flag, variance, mg.convert_to_tensor(self.moving_variance))
                momentum = self._momentum_tensor(flag)
            self._add_moving_updates(inputs, mean, variance, momentum)
        mean = mg.cast(mean, inputs.dtype)
        variance = mg.cast(variance, inputs.dtype)
        if offset is not None:
            offset = mg.cast(offset, inputs.dtype)
        if scale is not None:
            scale = mg.cast(scale, inputs.dtype)
        outputs = mg.nn.batch_normalization(inputs, _broadcast(mean), _broadcast(variance),
                                            offset, scale, self.epsilon)
        outputs.set_shape(input_shape)
        return outputs

    def _fused_batch_norm(self, inputs, value, flag):
        mg = _mg()
        beta = self.beta if self.center else self._beta_const
        gamma = self.gamma if self.scale else self._gamma_const
        data_format = "NCHW" if self.axis == [1] else "NHWC"

        def training_branch():
            return mg.nn.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon,
                                          data_format=data_format)

        def inference_branch():
            return mg.nn.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                          variance=self.moving_variance, epsilon=self.epsilon,
                                          is_training=False, data_format=data_format)

        if value is True:
            output, mean, variance = training_branch()
        elif value is False:
            output, mean, variance = inference_branch()
        else:
            pairs = zip(training_branch(), inference_branch())
            output, mean, variance = [mg.where(flag, t, i) for t, i in pairs]
        if value is not False:
            self._add_moving_updates(inputs, mean, variance, self._momentum_tensor(flag))
        return output

    def compute_output_shape(self, input_shape):
        """The input shape: normalization does not change it.

        Raises:
          TypeError: if `input_shape` cannot be read as a shape.
        """
        try:
            return _ts.as_shape(input_shape)
        except (TypeError, ValueError) as e:
            raise TypeError("compute_output_shape of layer %s takes a TensorShape (or a "
                            "list/tuple of ints and None), got %r: %s"
                            % (self.name, input_shape, e))


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=ZEROS_DEFAULT, gamma_initializer=_ONES,
                        moving_mean_initializer=ZEROS_DEFAULT, moving_variance_initializer=_ONES,
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Functional form of `BatchNormalization`.

    Note: in training the moving statistics are updated by two ops in
    `GraphKeys.UPDATE_OPS`; run them with the train op, e.g.

        update_ops = mg.get_collection(mg.GraphKeys.UPDATE_OPS)
        with mg.control_dependencies(update_ops):
            train_op = optimizer.minimize(loss)

    Arguments as `BatchNormalization`, plus `training` (Python bool or scalar bool tensor)
    and `reuse` (True or `mg.AUTO_REUSE` to reuse the variables of an earlier layer with
    the same `name`).

    Returns:
      The normalized tensor, of the shape and dtype of `inputs`.
    """
    layer = BatchNormalization(
        axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
        renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
        trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
        name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs, training=training)
