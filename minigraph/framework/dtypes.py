"""TF1 data types: thin named wrappers over NumPy dtypes."""
import numpy as np


class DType:
    """A tensor element type (`float32`, `int32`, ...), comparable to names and NumPy types."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name, np_type):
        self.name = name
        self.as_numpy_dtype = np_type
        self._np = np.dtype(np_type)

    @property
    def base_dtype(self):
        return self

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_numpy_compatible(self):
        return True

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        raise TypeError("Cannot find minimum value of %s." % self.name)

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        raise TypeError("Cannot find maximum value of %s." % self.name)

    def is_compatible_with(self, other):
        return self == as_dtype(other)

    def __eq__(self, other):
        if other is None:
            return False
        if isinstance(other, DType):
            return self is other
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "tf.%s" % self.name

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
bool = DType("bool", np.bool_)  # noqa: A001 - TF1 name
# Strings exist only so that report_uninitialized_variables can return variable names
# (bytes in a NumPy object array, as TF1 returns them); no math op accepts them.
string = DType("string", np.object_)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool, string)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)
_BY_NP = {d._np: d for d in _ALL}


def as_dtype(type_value):
    """Convert a DType, a name (`"float32"`) or a NumPy type to a `DType`.

    Raises:
      TypeError: if `type_value` names no supported type.
    """
    if isinstance(type_value, DType):
        return type_value
    if type_value is float:  # TF1 maps Python float to float32, not float64
        return float32
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is not None:
            return d
    else:
        try:
            d = _BY_NP.get(np.dtype(type_value))
        except TypeError:
            d = None
        if d is not None:
            return d
    raise TypeError("Cannot convert value %r to a minigraph DType." % (type_value,))
