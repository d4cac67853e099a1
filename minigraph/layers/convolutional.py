"""2-D convolution layers: `SeparableConv2D` / `separable_conv2d` and `Conv2D` / `conv2d`.

`SeparableConv2D` computes a depthwise convolution (each input channel filtered on its
own by `depth_multiplier` filters: `in_channels * depth_multiplier` channels), then a
pointwise 1x1 convolution mixing them into `filters` channels, then adds the bias and
applies the activation. Its variables, for an input with `C` channels:

    NAME/depthwise_kernel  [kh, kw, C, depth_multiplier]
    NAME/pointwise_kernel  [1, 1, C * depth_multiplier, filters]
    NAME/bias              [filters]

Spatial output size per dimension, for input size `n`, kernel `k`, stride `s`, dilation
`d` (`k_eff = k + (k - 1) * (d - 1)`): `ceil((n - k_eff + 1) / s)` for "valid" padding,
`ceil(n / s)` for "same".
"""
from minigraph.framework import tensor_shape as _ts
from minigraph.layers.base import InputSpec, Layer
from minigraph.layers.utils import (
    ZEROS_DEFAULT, conv_output_length, default_zeros, get_activation, get_constraint,
    get_initializer, get_regularizer, normalize_data_format, normalize_padding,
    normalize_tuple, positive_int)


class _Conv2DBase(Layer):
    """What Conv2D and SeparableConv2D share: arguments, bias, activation, output shape."""

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 activation, use_bias, bias_initializer, bias_regularizer,
                 activity_regularizer, bias_constraint, trainable, name, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        n = self.name
        self.activity_regularizer = get_regularizer(activity_regularizer, "activity_regularizer", n)
        self.rank = 2
        self.filters = positive_int(filters, "filters", n)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", n)
        self.strides = normalize_tuple(strides, 2, "strides", n)
        self.padding = normalize_padding(padding, n)
        self.data_format = normalize_data_format(data_format, n)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", n)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Layer %s: `strides` > 1 is not supported in conjunction with "
                             "`dilation_rate` > 1 (TF1 rule). Received: strides=%r and "
                             "dilation_rate=%r" % (n, self.strides, self.dilation_rate))
        self.activation = get_activation(activation, n)
        self.use_bias = bool(use_bias)
        self.bias_initializer = get_initializer(default_zeros(bias_initializer),
                                             "bias_initializer", n)
        self.bias_regularizer = get_regularizer(bias_regularizer, "bias_regularizer", n)
        self.bias_constraint = get_constraint(bias_constraint, "bias_constraint", n)
        self.input_spec = InputSpec(ndim=4)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    @property
    def _nn_data_format(self):
        return "NCHW" if self.data_format == "channels_first" else "NHWC"

    def _input_channels(self, input_shape):
        input_shape = _ts.as_shape(input_shape)
        if input_shape.ndims != 4:
            raise ValueError("Layer %s expects 4-D inputs (%s), got shape %s"
                             % (self.name, self._layout(), _ts.shape_str(input_shape)))
        dim = input_shape[self._channel_axis].value
        if dim is None:
            raise ValueError("The channel dimension of the inputs to layer %s should be "
                             "defined. The input_shape received is %s, where axis %d "
                             "(data_format=%s) is the channel dimension, which was found to "
                             "be `None`." % (self.name, _ts.shape_str(input_shape),
                                             self._channel_axis, self.data_format))
        return dim

    def _layout(self):
        return ("[batch, channels, height, width]" if self.data_format == "channels_first"
                else "[batch, height, width, channels]")

    def _build_bias(self):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True,
                                        dtype=self.dtype)
        else:
            self.bias = None

    def _finish(self, outputs):
        import minigraph as mg
        if self.use_bias:
            outputs = mg.nn.bias_add(outputs, self.bias, data_format=self._nn_data_format)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def _check_call_input(self, inputs):
        if not inputs.dtype.is_floating:
            raise TypeError("Layer %s computes in floating point; its input %s has dtype %s. "
                            "Cast it first (mg.cast(x, mg.float32))."
                            % (self.name, inputs.name, inputs.dtype.name))
        self.compute_output_shape(inputs.shape)  # clear error for too-small inputs

    def _nn_strides(self):
        if self.data_format == "channels_first":
            return (1, 1) + self.strides
        return (1,) + self.strides + (1,)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (a TensorShape or a list/tuple with None entries).

        Raises:
          TypeError: if `input_shape` cannot be read as a shape.
          ValueError: if its rank is unknown or not 4, its channel dimension differs from
            the one the layer was built for, or it is too small for the kernel.
        """
        try:
            shape = _ts.as_shape(input_shape)
        except (TypeError, ValueError) as e:
            raise TypeError("compute_output_shape of layer %s takes a TensorShape (or a "
                            "list/tuple of ints and None), got %r: %s"
                            % (self.name, input_shape, e))
        if shape.ndims is None:
            raise ValueError("compute_output_shape of layer %s needs the input rank (4-D, %s); "
                             "got a shape of unknown rank." % (self.name, self._layout()))
        if shape.ndims != 4:
            raise ValueError("Layer %s expects 4-D inputs (%s); compute_output_shape got "
                             "shape %s" % (self.name, self._layout(), _ts.shape_str(shape)))
        dims = shape.as_list()
        if self.built and self.input_spec is not None and self.input_spec.axes:
            expected = self.input_spec.axes.get(self._channel_axis)
            found = dims[self._channel_axis]
            if expected is not None and found is not None and found != expected:
                raise ValueError("Layer %s was built for inputs with %d channels; "
                                 "compute_output_shape got shape %s"
                                 % (self.name, expected, _ts.shape_str(shape)))
        space = dims[2:] if self.data_format == "channels_first" else dims[1:3]
        new_space = []
        for i, n in enumerate(space):
            out = conv_output_length(n, self.kernel_size[i], self.padding, self.strides[i],
                                     self.dilation_rate[i])
            if out is not None and out < 1:
                k_eff = self.kernel_size[i] + (self.kernel_size[i] - 1) * \
                    (self.dilation_rate[i] - 1)
                raise ValueError("Layer %s: input shape %s is too small for the kernel along "
                                 "spatial dimension %d: size %d, effective kernel size %d "
                                 "(kernel_size=%r, dilation_rate=%r) with padding 'valid'."
                                 % (self.name, _ts.shape_str(shape), i, n, k_eff,
                                    self.kernel_size, self.dilation_rate))
            new_space.append(out)
        if self.data_format == "channels_first":
            return _ts.TensorShape([dims[0], self.filters] + new_space)
        return _ts.TensorShape([dims[0]] + new_space + [self.filters])


class SeparableConv2D(_Conv2DBase):
    """Depthwise separable 2-D convolution (TF1 `tf.layers.SeparableConv2D`).

    A depthwise convolution on each input channel separately, then a pointwise (1x1)
    convolution mixing channels, then `+ bias` (if `use_bias`) and the activation.

    Args:
      filters: number of output channels.
      kernel_size: int or pair of ints `(kh, kw)`.
      strides: int or pair of positive ints. Any stride != 1 is incompatible with any
        `dilation_rate` != 1.
      padding: "valid" or "same" (case-insensitive).
      data_format: "channels_last" (`[batch, height, width, channels]`, default) or
        "channels_first" (`[batch, channels, height, width]`).
      dilation_rate: int or pair of ints (atrous convolution).
      depth_multiplier: depthwise output channels per input channel.
      activation: callable (or an mg.nn activation name), None for linear.
      use_bias: whether to add a bias vector.
      depthwise_initializer, pointwise_initializer: initializers of the kernels (None:
        the variable scope's initializer, else glorot uniform).
      bias_initializer: initializer of the bias (default zeros; None means the scope's
        default initializer, as in TF1).
      depthwise_regularizer, pointwise_regularizer, bias_regularizer: optional
        `w -> scalar` penalties; activity_regularizer: optional penalty on the output.
      depthwise_constraint, pointwise_constraint, bias_constraint: optional projections
        applied by the optimizers after each update (same-shape output).
      trainable: whether the variables are in `GraphKeys.TRAINABLE_VARIABLES`.
      name: the layer name (and variable scope).

    Raises:
      ValueError: for a bad `kernel_size`/`strides`/`dilation_rate`/`padding`/
        `data_format`, strides and dilation both > 1, or a non-positive `filters` or
        `depth_multiplier`.
      TypeError: for a non-integer `filters`/`depth_multiplier` or unknown keyword.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=ZEROS_DEFAULT,
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, trainable, name, **kwargs)
        n = self.name
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", n)
        self.depthwise_initializer = get_initializer(depthwise_initializer,
                                                  "depthwise_initializer", n)
        self.pointwise_initializer = get_initializer(pointwise_initializer,
                                                  "pointwise_initializer", n)
        self.depthwise_regularizer = get_regularizer(depthwise_regularizer,
                                                  "depthwise_regularizer", n)
        self.pointwise_regularizer = get_regularizer(pointwise_regularizer,
                                                  "pointwise_regularizer", n)
        self.depthwise_constraint = get_constraint(depthwise_constraint, "depthwise_constraint", n)
        self.pointwise_constraint = get_constraint(pointwise_constraint, "pointwise_constraint", n)

    def build(self, input_shape):
        """Create `depthwise_kernel`, `pointwise_kernel` and (if `use_bias`) `bias`.

        Raises:
          ValueError: if the input is not 4-D or its channel dimension is unknown.
        """
        input_dim = self._input_channels(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis: input_dim})
        kh, kw = self.kernel_size
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(kh, kw, input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True, dtype=self.dtype)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1, 1, input_dim * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, trainable=True, dtype=self.dtype)
        self._build_bias()
        self.built = True

    def call(self, inputs):
        import minigraph as mg
        self._check_call_input(inputs)
        outputs = mg.nn.separable_conv2d(
            inputs, self.depthwise_kernel, self.pointwise_kernel,
            strides=self._nn_strides(), padding=self.padding.upper(),
            rate=self.dilation_rate, data_format=self._nn_data_format)
        return self._finish(outputs)


class Conv2D(_Conv2DBase):
    """2-D convolution (TF1 `tf.layers.Conv2D`): `kernel` `[kh, kw, in, filters]`, `bias`.

    Arguments as `SeparableConv2D`, with `kernel_initializer`, `kernel_regularizer` and
    `kernel_constraint` for the single kernel.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format="channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer=None, bias_initializer=ZEROS_DEFAULT,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         activity_regularizer, bias_constraint, trainable, name, **kwargs)
        n = self.name
        self.kernel_initializer = get_initializer(kernel_initializer, "kernel_initializer", n)
        self.kernel_regularizer = get_regularizer(kernel_regularizer, "kernel_regularizer", n)
        self.kernel_constraint = get_constraint(kernel_constraint, "kernel_constraint", n)

    def build(self, input_shape):
        """Create `kernel` `[kh, kw, in_channels, filters]` and (if `use_bias`) `bias`.

        Raises:
          ValueError: if the input is not 4-D or its channel dimension is unknown.
        """
        input_dim = self._input_channels(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis: input_dim})
        self.kernel = self.add_weight(
            name="kernel", shape=tuple(self.kernel_size) + (input_dim, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, trainable=True, dtype=self.dtype)
        self._build_bias()
        self.built = True

    def call(self, inputs):
        import minigraph as mg
        self._check_call_input(inputs)
        outputs = mg.nn.conv2d(inputs, self.kernel, strides=self._nn_strides(),
                               padding=self.padding.upper(),
                               dilations=self._nn_dilations(),
                               data_format=self._nn_data_format)
        return self._finish(outputs)

    def _nn_dilations(self):
        if self.data_format == "channels_first":
            return (1, 1) + self.dilation_rate
        return (1,) + self.dilation_rate + (1,)


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", dilation_rate=(1, 1), depth_multiplier=1,
                     activation=None, use_bias=True, depthwise_initializer=None,
                     pointwise_initializer=None, bias_initializer=ZEROS_DEFAULT,
                     depthwise_regularizer=None, pointwise_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None,
                     depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional form of `SeparableConv2D`: creates the layer and applies it to `inputs`.

    Arguments as `SeparableConv2D`, plus `reuse`: True (or `mg.AUTO_REUSE`) to reuse the
    variables of an earlier layer with the same `name` (its variable scope).

    Returns:
      The output tensor.
    """
    layer = SeparableConv2D(
        filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
        data_format=data_format, dilation_rate=dilation_rate,
        depth_multiplier=depth_multiplier, activation=activation, use_bias=use_bias,
        depthwise_initializer=depthwise_initializer,
        pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
        depthwise_regularizer=depthwise_regularizer,
        pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
        pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
        trainable=trainable, name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=ZEROS_DEFAULT, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """Functional form of `Conv2D` (`reuse` as in `separable_conv2d`).

    Returns:
      The output tensor.
    """
    layer = Conv2D(
        filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
        data_format=data_format, dilation_rate=dilation_rate, activation=activation,
        use_bias=use_bias, kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        trainable=trainable, name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs)


# TF1 aliases.
SeparableConvolution2D = SeparableConv2D
Convolution2D = Conv2D
separable_convolution2d = separable_conv2d
convolution2d = conv2d
