"""Core layers: `Dense` / `dense`, `Flatten` / `flatten`, `Dropout` / `dropout`.

`Dense` computes `activation(inputs @ kernel + bias)` on the last axis of its input:

    NAME/kernel  [in_features, units]
    NAME/bias    [units]

An input of rank > 2 (`[batch, d1, ..., in_features]`) is contracted with `tensordot`
over its last axis, giving `[batch, d1, ..., units]`, as in TF1.

`Flatten` reshapes `[batch, d1, ..., dn]` to `[batch, d1 * ... * dn]` and `Dropout`
applies `mg.nn.dropout` when `training` is true and is the identity otherwise.
"""
import numbers

import numpy as np

from minigraph.framework import dtypes as _dtypes
from minigraph.framework import graph as _graph
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import static_value
from minigraph.layers.base import InputSpec, Layer
from minigraph.layers.utils import (ZEROS_DEFAULT, get_activation, get_constraint, default_zeros,
                                            get_initializer, get_regularizer,
                                            normalize_data_format)


def _mg():
    import minigraph
    return minigraph


# -- the `training` argument -------------------------------------------------------------------
def training_value(training, layer_name):
    """Split `training` into a Python bool known now or a bool tensor decided at run time.

    TF1 layers take `training` as a Python bool (also 0 or 1) or a scalar bool tensor
    (e.g. a placeholder) and choose between the two behaviours with `smart_cond`: a
    value known at graph-construction time (a Python bool, a constant) picks one branch,
    anything else builds both. minigraph has no `cond` yet, so the layers build both
    branches and pick one with `mg.where` (op type `Select`).

    `None` means False: TF1 would read the keras learning phase, whose default is False;
    minigraph has no learning phase.

    Returns:
      `(value, None)` with a Python bool, or `(None, tensor)` with a scalar bool tensor.

    Raises:
      TypeError: if `training` is not a bool, 0/1 or a bool tensor.
      ValueError: if it is a tensor that is not a scalar.
    """
    if training is None:
        return False, None
    if isinstance(training, (bool, np.bool_)):
        return bool(training), None
    if isinstance(training, (numbers.Integral, np.integer)) and training in (0, 1):
        return bool(training), None
    if isinstance(training, _graph.Tensor) or hasattr(training, "_as_graph_element"):
        t = _graph.convert_to_tensor(training)
        if t.dtype != _dtypes.bool:
            raise TypeError("The `training` argument of layer %s must be a bool tensor; got %s "
                            "of dtype %s. Compare or cast it first (e.g. mg.cast(t, mg.bool))."
                            % (layer_name, t.name, t.dtype.name))
        if t.shape.ndims not in (None, 0):
            raise ValueError("The `training` argument of layer %s must be a scalar; got %s with "
                             "shape %s." % (layer_name, t.name, _ts.shape_str(t.shape)))
        value = static_value(t)
        if value is not None:
            return bool(value), None
        return None, t
    raise TypeError("The `training` argument of layer %s must be a Python bool, 0 or 1, or a "
                    "scalar bool tensor (e.g. mg.placeholder(mg.bool, [])); got %r of type %s."
                    % (layer_name, training, type(training).__name__))


def _check_float_input(layer, inputs):
    if not inputs.dtype.is_floating:
        raise TypeError("Layer %s computes in floating point; its input %s has dtype %s. Cast "
                        "it first (mg.cast(x, mg.float32))."
                        % (layer.name, inputs.name, inputs.dtype.name))


# -- Dense -------------------------------------------------------------------------------------
def _units(units, layer):
    if isinstance(units, bool):
        raise TypeError("The `units` argument of layer %s must be a positive integer. "
                        "Received: %r" % (layer, units))
    try:
        value = int(units)  # TF1 does int(units): 4.0 and "4" work, 4.5 becomes 4.
    except (TypeError, ValueError):
        raise ValueError("The `units` argument of layer %s must be a positive integer. "
                         "Received: %r" % (layer, units))
    if value < 0:
        raise ValueError("The `units` argument of layer %s must be a positive integer. "
                         "Received: %r" % (layer, units))
    return value


class Dense(Layer):
    """Densely-connected layer (TF1 `tf.layers.Dense`): `activation(inputs @ kernel + bias)`.

    Args:
      units: number of outputs (the size of the new last axis).
      activation: callable (or an mg.nn activation name), None for linear.
      use_bias: whether to add a bias vector.
      kernel_initializer: initializer of `kernel` `[in_features, units]` (None: the
        variable scope's initializer, else glorot uniform).
      bias_initializer: initializer of `bias` `[units]` (default zeros).
      kernel_regularizer, bias_regularizer: optional `w -> scalar` penalties, added to
        `GraphKeys.REGULARIZATION_LOSSES`; activity_regularizer: penalty on the output.
      kernel_constraint, bias_constraint: projections applied after optimizer updates.
      trainable: whether the variables go to `GraphKeys.TRAINABLE_VARIABLES`.
      name: the layer name (and variable scope); default `dense`, `dense_1`, ...

    Input shape `[batch, ..., in_features]` (rank >= 2, `in_features` known); output
    shape `[batch, ..., units]`.

    Raises:
      ValueError: for a negative or non-integer `units`, or an unknown argument value.
      TypeError: for an unknown keyword argument.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=ZEROS_DEFAULT, kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=get_regularizer(activity_regularizer,
                                                           "activity_regularizer", name),
                         **kwargs)
        n = self.name
        self.units = _units(units, n)
        self.activation = get_activation(activation, n)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = get_initializer(kernel_initializer, "kernel_initializer", n)
        self.bias_initializer = get_initializer(default_zeros(bias_initializer),
                                             "bias_initializer", n)
        self.kernel_regularizer = get_regularizer(kernel_regularizer, "kernel_regularizer", n)
        self.bias_regularizer = get_regularizer(bias_regularizer, "bias_regularizer", n)
        self.kernel_constraint = get_constraint(kernel_constraint, "kernel_constraint", n)
        self.bias_constraint = get_constraint(bias_constraint, "bias_constraint", n)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        """Create `kernel` `[in_features, units]` and (if `use_bias`) `bias` `[units]`.

        Raises:
          TypeError: if the layer's dtype is not floating point.
          ValueError: if the last dimension of `input_shape` is unknown.
        """
        dtype = _dtypes.as_dtype(self.dtype or _dtypes.float32)
        if not dtype.is_floating:
            raise TypeError("Unable to build Dense layer %s with non-floating point dtype %s; "
                            "cast its input to a float dtype first."
                            % (self.name, dtype.name))
        input_shape = _ts.as_shape(input_shape)
        last_dim = input_shape[-1].value if input_shape.ndims else None
        if last_dim is None:
            raise ValueError("The last dimension of the inputs to Dense layer %s should be "
                             "defined. Found None. Full input shape received: %s"
                             % (self.name, _ts.shape_str(input_shape)))
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight("kernel", shape=[last_dim, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint,
                                      dtype=self.dtype, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", shape=[self.units],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint,
                                        dtype=self.dtype, trainable=True)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        mg = _mg()
        _check_float_input(self, inputs)
        rank = inputs.shape.ndims
        if rank is None:
            raise ValueError("Dense layer %s needs inputs of known rank (>= 2); got %s of "
                             "unknown rank." % (self.name, inputs.name))
        if rank > 2:
            # Contract the last axis only: [batch, ..., in] x [in, units].
            outputs = mg.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        else:
            outputs = mg.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = mg.nn.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        """`input_shape` with its last dimension replaced by `units`.

        Raises:
          TypeError: if `input_shape` cannot be read as a shape.
          ValueError: if its rank is below 2 (or unknown) or its last dimension is unknown.
        """
        shape = _as_shape(input_shape, self.name)
        try:
            shape = shape.with_rank_at_least(2)
        except ValueError:
            raise ValueError("compute_output_shape of Dense layer %s needs a shape of rank "
                             ">= 2, got %s" % (self.name, _ts.shape_str(shape)))
        if shape[-1].value is None:
            raise ValueError("The last dimension of the input shape of Dense layer %s should "
                             "be defined. Found None. Received: input_shape=%s"
                             % (self.name, _ts.shape_str(shape)))
        return shape[:-1].concatenate([self.units])


def _as_shape(input_shape, layer):
    try:
        return _ts.as_shape(input_shape)
    except (TypeError, ValueError) as e:
        raise TypeError("compute_output_shape of layer %s takes a TensorShape (or a list/tuple "
                        "of ints and None), got %r: %s" % (layer, input_shape, e))


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=ZEROS_DEFAULT, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """Functional form of `Dense`: creates the layer and applies it to `inputs`.

    Arguments as `Dense`, plus `reuse`: True (or `mg.AUTO_REUSE`) to reuse the
    variables of an earlier layer with the same `name`.

    Returns:
      The output tensor `[batch, ..., units]`.
    """
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


# -- Flatten -----------------------------------------------------------------------------------
class Flatten(Layer):
    """Flattens all but the first (batch) axis (TF1 `tf.layers.Flatten`).

    `[batch, d1, ..., dn]` becomes `[batch, d1 * ... * dn]`; a 1-D input `[batch]`
    becomes `[batch, 1]`. With `data_format="channels_first"` the channel axis is moved
    last before flattening, so the result matches the channels_last layout. An unknown
    batch size stays unknown; unknown non-batch dimensions give an unknown flattened size.

    Args:
      data_format: "channels_last" (default, also for None) or "channels_first".
      **kwargs: `name`, `trainable`, `dtype` and the other `Layer` arguments.

    Raises:
      ValueError: for an unknown `data_format`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        mg = _mg()
        ndims = inputs.shape.ndims
        if ndims is None:
            raise ValueError("Flatten layer %s needs an input of known rank; got %s of unknown "
                             "rank." % (self.name, inputs.name))
        if self.data_format == "channels_first" and ndims > 1:
            inputs = mg.transpose(inputs, [0] + list(range(2, ndims)) + [1])
        shape = inputs.shape
        if shape[1:].is_fully_defined():
            flat = int(np.prod(shape[1:].as_list(), dtype=np.int64))
            outputs = mg.reshape(inputs, (-1, flat))
        else:
            batch = shape[0].value
            outputs = mg.reshape(inputs, (batch if batch else mg.shape(inputs)[0], -1))
        outputs.set_shape(self.compute_output_shape(shape))
        return outputs

    def compute_output_shape(self, input_shape):
        """`[batch, product of the other dimensions]` (None when one of them is unknown).

        Raises:
          TypeError: if `input_shape` cannot be read as a shape.
          ValueError: if its rank is unknown or 0.
        """
        shape = _as_shape(input_shape, self.name)
        if shape.ndims is None or shape.ndims == 0:
            raise ValueError("Flatten layer %s needs an input shape of rank >= 1, got %s"
                             % (self.name, _ts.shape_str(shape)))
        dims = shape.as_list()
        rest = dims[1:]
        flat = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return _ts.TensorShape([dims[0], flat])


def flatten(inputs, name=None, data_format="channels_last"):
    """Functional form of `Flatten`: `[batch, d1, ..., dn]` -> `[batch, d1 * ... * dn]`.

    Returns:
      The flattened tensor.
    """
    return Flatten(name=name, data_format=data_format).apply(inputs)


# -- Dropout -----------------------------------------------------------------------------------
class Dropout(Layer):
    """Dropout (TF1 `tf.layers.Dropout`): `mg.nn.dropout` when training, else the identity.

    In training each element is zeroed with probability `rate` and the kept ones are
    scaled by `1 / (1 - rate)`.

    Args:
      rate: fraction of the inputs to drop, in [0, 1) (a float or a scalar tensor).
      noise_shape: shape of the keep/drop mask, broadcast against the input (a list, or
        an int32 tensor); None entries of a list take the input's size at run time
        (`[None, 1, None]` shares one decision along axis 1).
      seed: op-level random seed.
      name: the layer name; default `dropout`, `dropout_1`, ...

    Call arguments:
      inputs: a float tensor of any shape.
      training: Python bool (also 0/1) or a scalar bool tensor (e.g. a placeholder). With a
        tensor, both the dropped and the unchanged input are computed and `mg.where`
        picks one (TF1 uses `tf.cond`; minigraph has no `cond` yet), so the random op runs
        on every step.

    Raises:
      ValueError: if a numeric `rate` is outside [0, 1].
    """

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(rate, numbers.Real) and not 0 <= rate <= 1:
            raise ValueError("Invalid value %r received for `rate` of Dropout layer %s, "
                             "expected a value between 0 and 1." % (rate, self.name))
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        if isinstance(self.noise_shape, _graph.Tensor):
            return self.noise_shape  # decided at run time; mg.nn.dropout checks it
        mg = _mg()
        entries = list(self.noise_shape)
        static = inputs.shape.as_list() if inputs.shape.ndims is not None else None
        if static is not None and len(entries) != len(static):
            raise ValueError("noise_shape %r of Dropout layer %s must have one entry per "
                             "input dimension; the input %s has shape %s"
                             % (self.noise_shape, self.name, inputs.name,
                                _ts.shape_str(inputs.shape)))
        shape = []
        for i, value in enumerate(entries):
            value = _ts.dimension_value(value)
            if value is None:
                known = static[i] if static is not None else None
                value = known if known is not None else mg.shape(inputs)[i]
            shape.append(value)
        if any(isinstance(v, _graph.Tensor) for v in shape):
            return mg.stack(shape)
        return shape

    def call(self, inputs, training=False):
        mg = _mg()
        value, flag = training_value(training, self.name)
        if value is False:
            return mg.identity(inputs)
        outputs = mg.nn.dropout(inputs, noise_shape=self._get_noise_shape(inputs),
                                seed=self.seed, rate=self.rate)
        if outputs is inputs:  # rate 0: nothing dropped, but the layer makes its own tensor
            outputs = mg.identity(inputs)
        if flag is not None:
            outputs = mg.where(flag, outputs, mg.identity(inputs))
        return outputs

    def compute_output_shape(self, input_shape):
        """The input shape: dropout does not change it."""
        return _as_shape(input_shape, self.name)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Functional form of `Dropout`: dropout when `training`, else the identity.

    Arguments as `Dropout`; `training` is a Python bool or a scalar bool tensor.

    Returns:
      A tensor of the shape and dtype of `inputs`.
    """
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)
    return layer.apply(inputs, training=training)
