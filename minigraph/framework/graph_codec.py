"""JSON encoding of attribute values, dtypes and shapes, for meta graph files.

Every value is written as a one-key object naming its kind (`{"i": 3}`, `{"dtype":
"float32"}`, `{"array": {...}}`); reading checks the kind, the payload's type and its size
before building anything, so a file can only ever produce plain data: numbers, strings,
dtypes, shapes, NumPy arrays and references to ops of the same file. Nothing read from a
file is ever called, imported or unpickled. docs/graph_format.md is the specification.
"""
import base64
import binascii
import json
import math

import numpy as np

from minigraph.framework import dtypes as _dtypes
from minigraph.framework import tensor_shape as _ts

# Bounds on what a file may ask for; a file beyond them is refused with a ValueError.
MAX_FILE_BYTES = 256 * 2**20
MAX_NESTING = 32          # lists inside lists inside ... in one attr value
MAX_RANK = 32
MAX_DIM = 2**40           # any one static dimension
MAX_NAME_CHARS = 1024     # op, attr and collection names
MAX_INT = 2**63           # integers are int64, as in TF

# Arrays hold raw bytes, so only fixed-size element types; "string" tensors (variable names
# reported by report_uninitialized_variables) appear only as dtypes, never as array data.
_ARRAY_DTYPE_NAMES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                      "uint8", "uint16", "bool")
_DTYPE_NAMES = _ARRAY_DTYPE_NAMES + ("string",)


class ExportError(ValueError):
    """An attribute value that cannot be written (code, or an object of unknown type)."""


# -- writing --------------------------------------------------------------------------------
def encode_shape(shape):
    """A TensorShape as a JSON list (None for an unknown dimension), or None (unknown rank)."""
    shape = _ts.as_shape(shape)
    return None if shape.ndims is None else shape.as_list()


def encode_array(arr, where):
    """A NumPy array (or scalar) as {"dtype", "shape", "data": base64 of little-endian bytes}."""
    a = np.asarray(arr)
    if a.dtype.name not in _ARRAY_DTYPE_NAMES:
        raise ExportError("%s holds a NumPy array of dtype %s, which a meta graph cannot hold "
                          "(supported: %s)" % (where, a.dtype, ", ".join(_ARRAY_DTYPE_NAMES)))
    dtype = _dtypes.as_dtype(a.dtype)
    data = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
    out = {"dtype": dtype.name, "shape": list(a.shape),
           "data": base64.b64encode(data).decode("ascii")}
    if isinstance(arr, np.generic):
        out["scalar"] = True
    return out


def encode_value(value, where, rename=None, depth=0):
    """An attribute value as a tagged JSON object.

    Args:
      value: the attr value: None, bool, int, float, str, DType, TensorShape, NumPy array
        or scalar, Operation, Tensor, or a list/tuple/str-keyed dict of these.
      where: "op 'name' (Type) attr 'key'", for error messages.
      rename: optional function from an op or tensor name to the name written.

    Raises:
      ExportError: for anything else (functions, arbitrary objects): code is never written.
    """
    from minigraph.framework import graph as _graph

    if depth > MAX_NESTING:
        raise ExportError("%s nests lists more than %d deep" % (where, MAX_NESTING))
    if value is None:
        return {"none": True}
    if isinstance(value, (bool, np.bool_)) and not isinstance(value, np.ndarray):
        if isinstance(value, np.generic):
            return {"array": encode_array(value, where)}
        return {"b": value}
    if isinstance(value, int):
        return {"i": value}
    if isinstance(value, float):
        if math.isfinite(value):
            return {"f": value}
        return {"f": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, str):
        return {"s": value}
    if isinstance(value, _dtypes.DType):
        return {"dtype": value.name}
    if isinstance(value, _ts.TensorShape):
        return {"shape": encode_shape(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        return {"array": encode_array(value, where)}
    if isinstance(value, (_graph.Operation, _graph.Tensor)):
        kind = "op" if isinstance(value, _graph.Operation) else "tensor"
        return {kind: rename(value.name) if rename else value.name}
    if isinstance(value, (list, tuple)):
        items = [encode_value(v, where, rename, depth + 1) for v in value]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode_value(v, where, rename, depth + 1) for k, v in value.items()}}
    what = ("a Python function or other callable" if callable(value)
            else "an object of type %s" % type(value).__name__)
    raise ExportError("%s holds %r, %s, which cannot be written to a meta graph: only data "
                      "(numbers, strings, dtypes, shapes, arrays, op and tensor references, "
                      "and lists of them) is serialized, never code" % (where, value, what))


def dumps(doc, pretty=False):
    """The JSON text of a meta graph document (strict JSON: no NaN or Infinity)."""
    return json.dumps(doc, indent=1 if pretty else None, allow_nan=False,
                      separators=None if pretty else (",", ":"))


# -- reading -------------------------------------------------------------------------------------
def _reject_constant(name):
    raise ValueError("non-standard JSON constant %s" % name)


def _no_duplicate_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("duplicate key %r in one JSON object" % (k,))
        out[k] = v
    return out


def loads(text, source):
    """Parse strict JSON text, refusing NaN/Infinity, duplicate keys and absurd nesting.

    Raises:
      ValueError: naming `source` and what is wrong.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError("%s is not a minigraph meta graph: not UTF-8 text (%s)" % (source, e))
    if len(text) > MAX_FILE_BYTES:
        raise ValueError("%s is %d characters long, more than the %d a meta graph may have"
                         % (source, len(text), MAX_FILE_BYTES))
    try:
        return json.loads(text, parse_constant=_reject_constant,
                          object_pairs_hook=_no_duplicate_keys)
    except RecursionError:
        raise ValueError("%s is not a minigraph meta graph: JSON nested too deeply" % source)
    except ValueError as e:
        raise ValueError("%s is not a minigraph meta graph: invalid JSON (%s)" % (source, e))


def check_type(value, types, where, what):
    """`value` if it is of `types` (bools are not ints here), else a ValueError."""
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in
                                           (types if isinstance(types, tuple) else (types,)))
    if not ok:
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise ValueError("%s: %s must be %s, got %s" % (where, what, names, _short(value)))
    return value


def check_name(value, where, what):
    check_type(value, str, where, what)
    if not value or len(value) > MAX_NAME_CHARS:
        raise ValueError("%s: %s must be a non-empty string of at most %d characters, got %s"
                         % (where, what, MAX_NAME_CHARS, _short(value)))
    return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def decode_dtype(value, where, names=_DTYPE_NAMES):
    if value not in names:
        raise ValueError("%s: unknown dtype %s (expected one of %s)"
                         % (where, _short(value), ", ".join(names)))
    return _dtypes.as_dtype(value)


def decode_dims(value, where, allow_unknown):
    check_type(value, list, where, "shape")
    if len(value) > MAX_RANK:
        raise ValueError("%s: shape has rank %d, more than %d" % (where, len(value), MAX_RANK))
    for d in value:
        if d is None and allow_unknown:
            continue
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_DIM:
            raise ValueError("%s: shape %s has a bad dimension %s (dimensions are integers in "
                             "[0, %d]%s)" % (where, _short(value), _short(d), MAX_DIM,
                                             " or null" if allow_unknown else ""))
    return value


def decode_shape(value, where):
    """A JSON shape (list, or null for unknown rank) as a TensorShape."""
    if value is None:
        return _ts.unknown_shape()
    return _ts.TensorShape(decode_dims(value, where, allow_unknown=True))


def decode_array(value, where):
    """{"dtype", "shape", "data"[, "scalar"]} as a read-only NumPy array (or scalar)."""
    check_type(value, dict, where, "array")
    extra = set(value) - {"dtype", "shape", "data", "scalar"}
    if extra or not {"dtype", "shape", "data"} <= set(value):
        raise ValueError("%s: an array needs exactly the keys dtype, shape, data (and optional "
                         "scalar), got %s" % (where, sorted(value)))
    dtype = decode_dtype(value["dtype"], where, _ARRAY_DTYPE_NAMES)
    shape = decode_dims(value["shape"], where, allow_unknown=False)
    data = check_type(value["data"], str, where, "array data")
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    count = 1
    for d in shape:
        count *= d
    if len(data) % 4:
        raise ValueError("%s: array data is not valid base64 (its length %d is not a multiple "
                         "of 4)" % (where, len(data)))
    # Compare sizes before decoding, so a tiny file cannot claim a huge array.
    nbytes = len(data) // 4 * 3 - data[-2:].count("=")
    if count * np_dtype.itemsize != nbytes:
        raise ValueError("%s: array of dtype %s and shape %s needs %d bytes, but its data holds "
                         "%d" % (where, dtype.name, shape, count * np_dtype.itemsize, nbytes))
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise ValueError("%s: array data is not valid base64 (%s)" % (where, e))
    if len(raw) != nbytes:
        raise ValueError("%s: array data is not valid base64 (padding in the middle)" % where)
    arr = np.frombuffer(raw, dtype=np_dtype).astype(np_dtype.newbyteorder("="), copy=False)
    if dtype.is_bool and arr.view(np.uint8).max(initial=0) > 1:
        raise ValueError("%s: bool array holds bytes other than 0 and 1" % where)
    arr = arr.reshape(shape)
    scalar = value.get("scalar", False)
    check_type(scalar, bool, where, "array scalar flag")
    if scalar:
        if shape:
            raise ValueError("%s: a scalar array must have shape [], got %s" % (where, shape))
        return arr[()]
    arr.flags.writeable = False
    return arr


def decode_value(value, where, resolve, depth=0):
    """A tagged JSON attribute value back as a Python value.

    Args:
      value: the JSON object.
      where: text naming the node and attr, for errors.
      resolve: `resolve(kind, name)` -> the Operation ("op") or Tensor ("tensor") the
        file's name refers to; it raises ValueError for unknown names.

    Raises:
      ValueError: naming `where` for any malformed or oversized value.
    """
    if depth > MAX_NESTING:
        raise ValueError("%s: attr value nests more than %d deep" % (where, MAX_NESTING))
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError("%s: an attr value must be an object with exactly one key naming its "
                         "kind, got %s" % (where, _short(value)))
    (kind, payload), = value.items()
    if kind == "none":
        if payload is not True:
            raise ValueError("%s: \"none\" must be true, got %s" % (where, _short(payload)))
        return None
    if kind == "b":
        return check_type(payload, bool, where, "a \"b\" value")
    if kind == "i":
        check_type(payload, int, where, "an \"i\" value")
        if not -MAX_INT <= payload < MAX_INT:
            raise ValueError("%s: integer %s is out of the int64 range" % (where, _short(payload)))
        return payload
    if kind == "f":
        if payload in ("nan", "inf", "-inf"):
            return float(payload)
        check_type(payload, (int, float), where, "an \"f\" value")
        try:
            return float(payload)
        except OverflowError:
            raise ValueError("%s: %s does not fit a float" % (where, _short(payload)))
    if kind == "s":
        return check_type(payload, str, where, "an \"s\" value")
    if kind == "dtype":
        return decode_dtype(payload, where)
    if kind == "shape":
        return decode_shape(payload, where)
    if kind == "array":
        return decode_array(payload, where)
    if kind in ("op", "tensor"):
        return resolve(kind, check_name(payload, where, "a reference"))
    if kind in ("list", "tuple"):
        check_type(payload, list, where, "a \"%s\" value" % kind)
        items = [decode_value(v, where, resolve, depth + 1) for v in payload]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        check_type(payload, dict, where, "a \"dict\" value")
        return {k: decode_value(v, where, resolve, depth + 1) for k, v in payload.items()}
    raise ValueError("%s: unknown attr value kind %s (expected none, b, i, f, s, dtype, shape, "
                     "array, op, tensor, list, tuple or dict)" % (where, _short(kind)))
