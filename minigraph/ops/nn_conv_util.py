"""Argument rules shared by the convolution and pooling ops (TF1's checks, clearer errors).

`window_geometry` is the single place where an op's static shapes, its `strides` /
`dilations` / `ksize` attributes and its padding become output sizes; `infer` and
`compute` both call it, so shape inference and kernels cannot disagree.
"""
import numpy as np

from minigraph.framework import dtypes
from minigraph.framework import tensor_shape as _ts
from minigraph.framework.registry import static_value
from minigraph.ops.kernels import geometry

FLOAT_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


def shapes_str(*tensors):
    return ", ".join(_ts.shape_str(t.shape) for t in tensors)


def op_fail(op, reason, tensors=None):
    """A ValueError that names the op, its type and its input shapes."""
    tensors = op.inputs if tensors is None else tensors
    return ValueError("%s, for '%s' (op: '%s') with input shapes: %s."
                      % (reason, op.name, op.type, shapes_str(*tensors)))


def normalize_data_format(data_format):
    """None -> "NHWC"; "NHWC"/"NCHW" pass; anything else raises ValueError."""
    if data_format is None:
        return "NHWC"
    if isinstance(data_format, bytes):
        data_format = data_format.decode()
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format must be 'NHWC' or 'NCHW', got %r" % (data_format,))
    return data_format


def normalize_padding(padding):
    if isinstance(padding, bytes):
        padding = padding.decode()
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError("padding must be 'SAME' or 'VALID', got %r" % (padding,))
    return padding.upper()


def get_sequence(value, data_format, name, allow_short=True):
    """TF1's `_get_sequence` for 2-D ops: an int, or a list of 1, 2 or 4 ints, as 4 ints in
    `data_format` order (1 for the batch and channel axes).

    Raises:
      ValueError: for another length (or any length but 4 when `allow_short` is False).
    """
    if value is None:
        value = 1
    if isinstance(value, (int, np.integer)):
        value = [int(value)]
    try:
        value = [int(v) for v in value]
    except TypeError:
        raise TypeError("%s must be an int or a list of ints, got %r" % (name, value))
    if len(value) == 4:
        return value
    if allow_short and len(value) in (1, 2):
        hw = value * 2 if len(value) == 1 else value
        return [1, 1] + hw if data_format == "NCHW" else [1] + hw + [1]
    raise ValueError("%s should be of length %s but was %d: %r"
                     % (name, "1, 2 or 4" if allow_short else "4", len(value), value))


def spatial(seq, data_format):
    """The (height, width) entries of a 4-list in `data_format` order."""
    return (seq[2], seq[3]) if data_format == "NCHW" else (seq[1], seq[2])


def nhwc_dims(shape, data_format):
    """[batch, height, width, channels] (ints or None) of a static 4-D shape."""
    if shape.ndims is None:
        return [None] * 4
    d = shape.as_list()
    return [d[0], d[2], d[3], d[1]] if data_format == "NCHW" else d


def from_nhwc_dims(dims, data_format):
    n, h, w, c = dims
    return [n, c, h, w] if data_format == "NCHW" else [n, h, w, c]


def check_float(op, tensors, names):
    """All `tensors` are half/float/double and of one dtype (TF's `T` attr).

    Raises:
      TypeError: naming the op and the offending tensor.
    """
    dt = tensors[0].dtype
    for t, name in zip(tensors, names):
        if t.dtype not in FLOAT_TYPES:
            raise TypeError("Value passed to parameter '%s' has DataType %s not in list of "
                            "allowed values: float16, float32, float64 (tensor %s of op '%s', "
                            "type %s)" % (name, t.dtype.name, t.name, op.name, op.type))
        if t.dtype != dt:
            raise TypeError("Input '%s' of '%s' Op (%s) has type %s that does not match type "
                            "%s of argument '%s'." % (name, op.type, op.name, t.dtype.name,
                                                     dt.name, names[0]))
    return dt


def check_rank(op, tensor, rank, what):
    if tensor.shape.ndims is not None and tensor.shape.ndims != rank:
        raise op_fail(op, "Shape must be rank %d but is rank %d for %s %s"
                      % (rank, tensor.shape.ndims, what, tensor.name))


def check_window_attrs(op, strides, dilations=None, ksize=None):
    """Strides/dilations/ksize: 4 positive ints, 1 on the batch and channel axes; no
    strides > 1 together with dilations > 1.

    Raises:
      ValueError: naming the op and the offending attribute.
    """
    fmt = op.attrs["data_format"]
    b, c = (0, 1) if fmt == "NCHW" else (0, 3)
    for name, seq in (("strides", strides), ("dilations", dilations), ("ksize", ksize)):
        if seq is None:
            continue
        if len(seq) != 4:
            raise op_fail(op, "%s must have 4 elements, got %r" % (name, list(seq)))
        if any(v <= 0 for v in seq):
            raise op_fail(op, "%s must be positive, got %r" % (name, list(seq)))
        if seq[b] != 1 or seq[c] != 1:
            raise op_fail(op, "%s on the batch and channel dimensions must be 1 (%s), got %r"
                          % (name, fmt, list(seq)))
    if dilations is not None and max(spatial(strides, fmt)) > 1 and max(spatial(dilations, fmt)) > 1:
        raise op_fail(op, "strides > 1 are not supported together with dilations > 1 (strides "
                      "%r, dilations %r)" % (list(strides), list(dilations)))


def window_geometry(op, in_hw, k_hw):
    """((out_h, out_w), (pad_top, pad_left)) of `op` for input (h, w) and window (kh, kw);
    None entries where a size is unknown.

    Raises:
      ValueError: for VALID padding with a window larger than the input.
    """
    attrs = op.attrs
    fmt = attrs["data_format"]
    strides = spatial(attrs["strides"], fmt)
    dil = spatial(attrs["dilations"], fmt) if "dilations" in attrs else (1, 1)
    try:
        out, pads = [], []
        for axis in range(2):
            if k_hw[axis] is None:
                o, p = None, None
            else:
                o, p, _ = geometry.output_size(in_hw[axis], k_hw[axis], strides[axis],
                                               dil[axis], attrs["padding"])
            out.append(o)
            pads.append(p)
    except ValueError as e:
        raise op_fail(op, "Negative dimension size: %s along %s"
                      % (e, "height" if axis == 0 else "width"))
    return tuple(out), tuple(pads)


def sizes_value(op, tensor, what):
    """The static value of a 1-D int `*_sizes` input as 4 ints (None where unknown), or
    None when nothing is known.

    Raises:
      ValueError: if it is known and not 4 non-negative ints.
    """
    if tensor.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError("%s of '%s' (op: '%s') must be int32 or int64, got %s"
                        % (what, op.name, op.type, tensor.dtype.name))
    v = static_value(tensor)
    if v is None:
        if tensor.shape.ndims is not None and tensor.shape.as_list() not in ([4], [None]):
            raise op_fail(op, "%s must be a vector of 4 ints, got shape %s"
                          % (what, _ts.shape_str(tensor.shape)))
        # The shape of a tensor with a partly known static shape (what gradients pass):
        # its known dimensions still shape the result, as TF's shape functions do.
        if tensor.op.type == "Shape" and tensor.op.inputs[0].shape.ndims == 4:
            return tensor.op.inputs[0].shape.as_list()
        return None
    v = np.asarray(v).reshape(-1)
    if v.shape != (4,) or np.any(v < 0):
        raise op_fail(op, "%s must be 4 non-negative ints, got %r" % (what, v.tolist()))
    return [int(d) for d in v]
