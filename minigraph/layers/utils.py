"""What the layers share: argument normalisation and resolving activations, initializers,
regularizers and constraints given by object or by name (keras conv_utils, with clearer
errors naming the layer)."""
import numbers

import numpy as np

# -- argument normalisation (keras conv_utils, with clearer errors) ------------------------
def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def normalize_tuple(value, n, name, layer=None, minimum=1):
    """An int or an iterable of `n` ints, as a tuple of `n` ints >= `minimum`.

    Raises:
      ValueError: naming the argument, the layer and the value, when `value` is not an
        int or `n` ints, or an entry is below `minimum`.
    """
    where = "" if layer is None else " of layer %s" % layer
    what = "The `%s` argument%s must be an int or a tuple of %d integers" % (name, where, n)
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError("%s. Received: %r" % (what, value))
        if len(values) != n:
            raise ValueError("%s. Received: %r (%d entries)" % (what, value, len(values)))
        for v in values:
            if not _is_int(v):
                raise ValueError("%s. Received: %r including element %r of type %s"
                                 % (what, value, v, type(v).__name__))
        values = tuple(int(v) for v in values)
    bad = [v for v in values if v < minimum]
    if bad:
        raise ValueError("%s, each >= %d. Received: %r" % (what, minimum, value))
    return values


def normalize_padding(value, layer=None):
    """'valid' or 'same' (case-insensitive).

    Raises:
      ValueError: for any other value.
    """
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        where = "" if layer is None else " of layer %s" % layer
        raise ValueError('The `padding` argument%s must be one of "valid", "same" '
                         "(case-insensitive). Received: %r" % (where, value))
    return padding


def normalize_data_format(value, layer=None):
    """'channels_last' (the default, also for None) or 'channels_first'.

    Raises:
      ValueError: for any other value (including TF's op-level "NHWC"/"NCHW").
    """
    if value is None:
        return "channels_last"
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_first", "channels_last"):
        where = "" if layer is None else " of layer %s" % layer
        raise ValueError('The `data_format` argument%s must be one of "channels_first", '
                         '"channels_last". Received: %r' % (where, value))
    return data_format


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution along one dimension (None stays None)."""
    if input_length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    length = input_length if padding == "same" else input_length - dilated + 1
    return (length + stride - 1) // stride


def positive_int(value, name, layer):
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if not _is_int(value):
        raise TypeError("The `%s` argument of layer %s must be a positive integer. Received: "
                        "%r (%s)" % (name, layer, value, type(value).__name__))
    if value < 1:
        raise ValueError("The `%s` argument of layer %s must be a positive integer. "
                         "Received: %r" % (name, layer, value))
    return int(value)


def get_activation(identifier, layer):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier == "linear":
            return None
        import minigraph as mg
        fn = getattr(mg.nn, identifier, None)
        if callable(fn):
            return fn
    raise ValueError("Could not interpret activation %r for layer %s: pass a callable, None, "
                     "or the name of an mg.nn activation ('relu', 'tanh', ...)."
                     % (identifier, layer))


_INITIALIZER_NAMES = {
    "zeros": "zeros_initializer", "ones": "ones_initializer",
    "glorot_uniform": "glorot_uniform_initializer", "glorot_normal": "glorot_normal_initializer",
    "random_uniform": "random_uniform_initializer", "random_normal": "random_normal_initializer",
    "truncated_normal": "truncated_normal_initializer", "orthogonal": "orthogonal_initializer",
    "variance_scaling": "variance_scaling_initializer"}


def get_initializer(identifier, name, layer):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        import minigraph as mg
        fn_name = _INITIALIZER_NAMES.get(identifier, identifier)
        fn = getattr(mg, fn_name, None)
        if fn is not None:
            return fn()
    raise ValueError("Could not interpret `%s` %r for layer %s: pass an initializer (e.g. "
                     "mg.zeros_initializer()), None, or a name such as 'glorot_uniform'."
                     % (name, identifier, layer))


def get_regularizer(identifier, name, layer):
    from minigraph import regularizers
    try:
        return regularizers.get(identifier)
    except ValueError as e:
        raise ValueError("Bad `%s` for layer %s: %s" % (name, layer, e))


def get_constraint(identifier, name, layer):
    from minigraph import constraints
    try:
        return constraints.get(identifier)
    except ValueError as e:
        raise ValueError("Bad `%s` for layer %s: %s" % (name, layer, e))


class _ZerosDefault:
    """The default `bias_initializer`: `zeros_initializer()`, made when a layer is created."""

    def __repr__(self):
        return "zeros_initializer()"


ZEROS_DEFAULT = _ZerosDefault()


def default_zeros(identifier):
    if identifier is ZEROS_DEFAULT:
        import minigraph as mg
        return mg.zeros_initializer()
    return identifier
