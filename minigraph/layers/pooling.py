"""2-D pooling layers: `MaxPooling2D` / `max_pooling2d`, `AveragePooling2D` /
`average_pooling2d`, and TF1's aliases `MaxPool2D`, `AvgPool2D`, `max_pool2d`,
`avg_pool2d`.

A window of `pool_size` slides over the spatial axes with step `strides`; each output
is the max (or the mean of the in-range positions) of its window. Spatial output size
per dimension, for input size `n`, window `k`, stride `s`: `ceil((n - k + 1) / s)` for
"valid" padding, `ceil(n / s)` for "same". The layers have no variables.
"""
from minigraph.framework import tensor_shape as _ts
from minigraph.layers.base import InputSpec, Layer
from minigraph.layers.utils import (conv_output_length, normalize_data_format,
                                            normalize_padding, normalize_tuple)


class _Pooling2D(Layer):
    """What MaxPooling2D and AveragePooling2D share: arguments, output shape, the op call."""

    _op_function = None  # the name of the mg.nn function, set by the subclasses

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        n = self.name
        if strides is None:
            raise ValueError("Argument `strides` of pooling layer %s must not be None (TF1's "
                             "tf.layers pooling layers need it; pass pool_size to get "
                             "non-overlapping windows)." % n)
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size", n)
        self.strides = normalize_tuple(strides, 2, "strides", n)
        self.padding = normalize_padding(padding, n)
        self.data_format = normalize_data_format(data_format, n)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        import minigraph as mg
        self.compute_output_shape(inputs.shape)  # clear error for a too-small input
        if self.data_format == "channels_last":
            ksize, strides, fmt = (1,) + self.pool_size + (1,), (1,) + self.strides + (1,), "NHWC"
        else:
            ksize, strides, fmt = (1, 1) + self.pool_size, (1, 1) + self.strides, "NCHW"
        pool = getattr(mg.nn, self._op_function)
        return pool(inputs, ksize=ksize, strides=strides, padding=self.padding.upper(),
                    data_format=fmt)

    def compute_output_shape(self, input_shape):
        """Output shape for a 4-D `input_shape` (unknown dimensions stay unknown).

        Raises:
          TypeError: if `input_shape` cannot be read as a shape.
          ValueError: if it is not 4-D, or a "valid" window does not fit in the input.
        """
        try:
            shape = _ts.as_shape(input_shape)
        except (TypeError, ValueError) as e:
            raise TypeError("compute_output_shape of layer %s takes a TensorShape (or a "
                            "list/tuple of ints and None), got %r: %s"
                            % (self.name, input_shape, e))
        if shape.ndims != 4:
            raise ValueError("Pooling layer %s expects 4-D inputs (%s); got shape %s"
                             % (self.name, self._layout(), _ts.shape_str(shape)))
        dims = shape.as_list()
        first = 2 if self.data_format == "channels_first" else 1
        space = []
        for i in range(2):
            n = dims[first + i]
            out = conv_output_length(n, self.pool_size[i], self.padding, self.strides[i])
            if out is not None and out < 1:
                raise ValueError("Pooling layer %s: input shape %s is too small for the window "
                                 "along spatial dimension %d: size %d, pool_size %r with "
                                 "padding 'valid'." % (self.name, _ts.shape_str(shape), i, n,
                                                       self.pool_size))
            space.append(out)
        if self.data_format == "channels_first":
            return _ts.TensorShape(dims[:2] + space)
        return _ts.TensorShape(dims[:1] + space + dims[3:])

    def _layout(self):
        return ("[batch, channels, height, width]" if self.data_format == "channels_first"
                else "[batch, height, width, channels]")


class MaxPooling2D(_Pooling2D):
    """Max pooling for 2-D inputs (TF1 `tf.layers.MaxPooling2D`); op `NAME/MaxPool`.

    Args:
      pool_size: int or pair of ints `(ph, pw)`: the window size.
      strides: int or pair of ints: the window step (required, as in TF1).
      padding: "valid" or "same" (case-insensitive); padded positions never win.
      data_format: "channels_last" (`[batch, height, width, channels]`, default) or
        "channels_first" (`[batch, channels, height, width]`).
      name: the layer name; default `max_pooling2d`, `max_pooling2d_1`, ...

    Raises:
      ValueError: for `strides` None, a bad `pool_size`/`strides`/`padding`/
        `data_format`, or (when called) a non-4-D input or a window that does not fit.
    """

    _op_function = "max_pool"

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding=padding, data_format=data_format,
                         name=name, **kwargs)


class AveragePooling2D(_Pooling2D):
    """Average pooling for 2-D inputs (TF1 `tf.layers.AveragePooling2D`); op `NAME/AvgPool`.

    Each output is the mean of the in-range positions of its window ("same" padding does
    not count padded positions). Arguments as `MaxPooling2D`; default name
    `average_pooling2d`.
    """

    _op_function = "avg_pool"

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding=padding, data_format=data_format,
                         name=name, **kwargs)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """Functional form of `MaxPooling2D`.

    Returns:
      The pooled tensor, `[batch, out_height, out_width, channels]` (or channels_first).
    """
    layer = MaxPooling2D(pool_size=pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name)
    return layer.apply(inputs)


def average_pooling2d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """Functional form of `AveragePooling2D`.

    Returns:
      The pooled tensor, `[batch, out_height, out_width, channels]` (or channels_first).
    """
    layer = AveragePooling2D(pool_size=pool_size, strides=strides, padding=padding,
                             data_format=data_format, name=name)
    return layer.apply(inputs)


# TF1 aliases (tensorflow/python/layers/pooling.py).
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
max_pool2d = max_pooling2d
avg_pool2d = average_pooling2d
