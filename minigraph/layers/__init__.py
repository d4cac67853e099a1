"""`mg.layers`: TF1's `tf.layers` module (re-exports only; the code lives in the modules)."""
# isort: skip_file
from minigraph.layers.base import Layer, InputSpec  # noqa: F401
from minigraph.layers.convolutional import (  # noqa: F401
    SeparableConv2D, SeparableConvolution2D, separable_conv2d, separable_convolution2d,
    Conv2D, Convolution2D, conv2d, convolution2d)
