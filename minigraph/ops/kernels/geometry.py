"""Convolution geometry with TensorFlow's rules (pure Python; no numba, no graph)."""


def effective_size(k, dilation):
    """The extent of a `k`-tap window whose taps are `dilation` apart."""
    return (k - 1) * dilation + 1


def output_size(in_size, k, stride, dilation, padding):
    """Output size and (before, after) padding along one spatial axis, as TF computes them.

    VALID: `(in - eff) // stride + 1`, no padding. SAME: `ceil(in / stride)`, with the
    total padding split so that the extra row/column (when odd) goes after (bottom/right).
    `in_size` None (unknown) gives `(None, None, None)`.

    Raises:
      ValueError: for VALID padding with a window larger than the input (the message says
        by how much; callers add the op name).
    """
    if in_size is None:
        return None, None, None
    eff = effective_size(k, dilation)
    if padding == "VALID":
        if in_size < eff:
            raise ValueError("the %swindow of size %d is larger than the input size %d "
                             "with VALID padding"
                             % ("dilated " if dilation > 1 else "", eff, in_size))
        return (in_size - eff) // stride + 1, 0, 0
    out = -(-in_size // stride)
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2, total - total // 2


def conv_geometry(in_hw, k_hw, strides, dilations, padding):
    """`output_size` for both spatial axes.

    Returns:
      `((out_h, out_w), (pad_top, pad_left))`; entries are None where the input size is.
    """
    oh, pt, _ = output_size(in_hw[0], k_hw[0], strides[0], dilations[0], padding)
    ow, pl, _ = output_size(in_hw[1], k_hw[1], strides[1], dilations[1], padding)
    return (oh, ow), (pt, pl)
