"""`InputSpec`: what a layer accepts (rank, dtype, fixed axes, shape), checked on call."""
from minigraph.framework import dtypes as _dtypes
from minigraph.framework import tensor_shape as _ts


class InputSpec:
    """Constraints on one input of a layer, checked by `Layer.__call__` before `call`.

    Args:
      dtype: expected dtype of the input (a DType or its name), or None.
      shape: expected shape (a tuple with ints and None); sets `ndim` to its length.
      ndim: expected rank, or None.
      max_ndim: largest accepted rank, or None.
      min_ndim: smallest accepted rank, or None.
      axes: dict mapping an axis (int, may be negative) to its required size.

    Raises:
      ValueError: if an axis in `axes` lies beyond `ndim` (or `max_ndim`).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = None if dtype is None else _dtypes.as_dtype(dtype).name
        if shape is not None:
            self.ndim = len(shape)
            self.shape = tuple(_ts.dimension_value(d) for d in shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError("Axis %d is greater than the maximum allowed value: %d"
                                 % (max_axis, max_dim))

    def __repr__(self):
        spec = [("dtype=" + str(self.dtype)) if self.dtype else "",
                ("shape=" + str(self.shape)) if self.shape else "",
                ("ndim=" + str(self.ndim)) if self.ndim is not None else "",
                ("max_ndim=" + str(self.max_ndim)) if self.max_ndim is not None else "",
                ("min_ndim=" + str(self.min_ndim)) if self.min_ndim is not None else "",
                ("axes=" + str(self.axes)) if self.axes else ""]
        return "InputSpec(%s)" % ", ".join(x for x in spec if x)

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for e in x:
            out.extend(_flatten(e))
        return out
    return [x]


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Check `inputs` against `input_spec` (an InputSpec, a list of them, or None).

    Raises:
      ValueError: naming the layer, the input index, what was expected and what was found.
      TypeError: if an input is not a tensor.
    """
    if not input_spec:
        return
    specs = _flatten(input_spec)
    inputs = _flatten(inputs)
    for x in inputs:
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            raise TypeError("Inputs to layer %s should be tensors. Got: %r" % (layer_name, x))
    if len(inputs) != len(specs):
        raise ValueError("Layer %s expects %d input(s), but it received %d input tensors. "
                         "Inputs received: %s" % (layer_name, len(specs), len(inputs), inputs))
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None:
            continue
        shape = _ts.as_shape(x.shape)
        ndim = shape.ndims
        where = "Input %d of layer %s is incompatible with the layer" % (index, layer_name)
        full = ". Full shape received: %s" % _ts.shape_str(shape)
        if spec.ndim is not None and ndim != spec.ndim:
            raise ValueError("%s: expected ndim=%d, found ndim=%s%s"
                             % (where, spec.ndim, ndim, full))
        if spec.max_ndim is not None and ndim is not None and ndim > spec.max_ndim:
            raise ValueError("%s: expected max_ndim=%d, found ndim=%d%s"
                             % (where, spec.max_ndim, ndim, full))
        if spec.min_ndim is not None and ndim is not None and ndim < spec.min_ndim:
            raise ValueError("%s: expected min_ndim=%d, found ndim=%d%s"
                             % (where, spec.min_ndim, ndim, full))
        if spec.dtype is not None and x.dtype.name != spec.dtype:
            raise ValueError("%s: expected dtype=%s, found dtype=%s"
                             % (where, spec.dtype, x.dtype.name))
        if spec.axes and ndim is not None:
            for axis, value in spec.axes.items():
                value = _ts.dimension_value(value)
                if not -ndim <= int(axis) < ndim:
                    raise ValueError("%s: expected axis %d to exist, found ndim=%d%s"
                                     % (where, axis, ndim, full))
                found = shape[int(axis)].value
                if value is not None and found is not None and found != value:
                    raise ValueError("%s: expected axis %d of input shape to have value %d, "
                                     "but received input with shape %s"
                                     % (where, axis, value, _ts.shape_str(shape)))
        if spec.shape is not None and ndim is not None:
            for spec_dim, dim in zip(spec.shape, shape.as_list()):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise ValueError("%s: expected shape=%s, found shape=%s"
                                     % (where, _ts.shape_str(spec.shape), _ts.shape_str(shape)))
