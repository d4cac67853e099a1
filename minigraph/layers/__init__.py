"""`mg.layers`: TF1's `tf.layers` module (re-exports only; the code lives in the modules)."""
# isort: skip_file
from minigraph.layers.base import Layer, InputSpec  # noqa: F401
from minigraph.layers.convolutional import (  # noqa: F401
    SeparableConv2D, SeparableConvolution2D, separable_conv2d, separable_convolution2d,
    Conv2D, Convolution2D, conv2d, convolution2d)
from minigraph.layers.core import (  # noqa: F401
    Dense, dense, Flatten, flatten, Dropout, dropout)
from minigraph.layers.pooling import (  # noqa: F401
    MaxPooling2D, max_pooling2d, AveragePooling2D, average_pooling2d,
    MaxPool2D, AvgPool2D, max_pool2d, avg_pool2d)
from minigraph.layers.normalization import (  # noqa: F401
    BatchNormalization, batch_normalization)
