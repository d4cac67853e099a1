"""Moving between NCHW and the NHWC layout every kernel works in (pure NumPy)."""
import numpy as np


def to_nhwc(x, data_format):
    """`x` as a C-contiguous NHWC array (a copy only when needed)."""
    if data_format == "NCHW":
        x = x.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(x)


def from_nhwc(y, data_format):
    """An NHWC kernel result in `data_format`, C-contiguous."""
    if data_format == "NCHW":
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2))
    return y


def compute_dtype(*arrays):
    """The dtype kernels run in: float64 stays, float32 stays, float16 widens to float32."""
    dt = np.result_type(*arrays)
    return np.float64 if dt == np.float64 else np.float32


def as_kernel_array(x, dtype):
    """`x` C-contiguous in `dtype` (no copy when it already is)."""
    return np.ascontiguousarray(x, dtype=dtype)
