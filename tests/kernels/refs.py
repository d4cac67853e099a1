"""Naive NumPy references for the conv/pool kernels (float64, written for clarity)."""
import numpy as np


def tf_padding(size, k, stride, dilation, padding):
    """(out, before, after) along one axis, straight from TF's documented formulas."""
    eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return (size - eff) // stride + 1, 0, 0
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2, total - total // 2


def _geometry(x_shape, k_hw, strides, dilations, padding):
    oh, pt, pb = tf_padding(x_shape[1], k_hw[0], strides[0], dilations[0], padding)
    ow, pl, pr = tf_padding(x_shape[2], k_hw[1], strides[1], dilations[1], padding)
    return oh, ow, ((0, 0), (pt, pb), (pl, pr), (0, 0))


def _window(xp, i, j, oh, ow, strides, dilations):
    sh, sw = strides
    dh, dw = dilations
    return xp[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw, :]


def depthwise(x, f, strides, dilations, padding):
    kh, kw, c, m = f.shape
    oh, ow, pads = _geometry(x.shape, (kh, kw), strides, dilations, padding)
    xp = np.pad(x.astype(np.float64), pads)
    out = np.zeros((x.shape[0], oh, ow, c, m))
    for i in range(kh):
        for j in range(kw):
            out += _window(xp, i, j, oh, ow, strides, dilations)[..., None] * f[i, j]
    return out.reshape(x.shape[0], oh, ow, c * m)


def depthwise_backprop_input(x_shape, f, dy, strides, dilations, padding):
    kh, kw, c, m = f.shape
    oh, ow, pads = _geometry(x_shape, (kh, kw), strides, dilations, padding)
    dxp = np.zeros(np.pad(np.zeros(x_shape), pads).shape)
    g = dy.astype(np.float64).reshape(dy.shape[0], oh, ow, c, m)
    for i in range(kh):
        for j in range(kw):
            _window(dxp, i, j, oh, ow, strides, dilations)[...] += (g * f[i, j]).sum(-1)
    (_, _), (pt, _), (pl, _), _ = pads
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :]


def depthwise_backprop_filter(x, f_shape, dy, strides, dilations, padding):
    kh, kw, c, m = f_shape
    oh, ow, pads = _geometry(x.shape, (kh, kw), strides, dilations, padding)
    xp = np.pad(x.astype(np.float64), pads)
    g = dy.astype(np.float64).reshape(dy.shape[0], oh, ow, c, m)
    df = np.zeros(f_shape)
    for i in range(kh):
        for j in range(kw):
            df[i, j] = (_window(xp, i, j, oh, ow, strides, dilations)[..., None] * g).sum((0, 1, 2))
    return df


def conv2d(x, w, strides, dilations, padding):
    kh, kw, c, f = w.shape
    oh, ow, pads = _geometry(x.shape, (kh, kw), strides, dilations, padding)
    xp = np.pad(x.astype(np.float64), pads)
    out = np.zeros((x.shape[0], oh, ow, f))
    for i in range(kh):
        for j in range(kw):
            out += _window(xp, i, j, oh, ow, strides, dilations) @ w[i, j].astype(np.float64)
    return out


def conv2d_backprop_input(x_shape, w, dy, strides, dilations, padding):
    kh, kw, c, f = w.shape
    oh, ow, pads = _geometry(x_shape, (kh, kw), strides, dilations, padding)
    dxp = np.zeros(np.pad(np.zeros(x_shape), pads).shape)
    for i in range(kh):
        for j in range(kw):
            _window(dxp, i, j, oh, ow, strides, dilations)[...] += dy @ w[i, j].T.astype(np.float64)
    (_, _), (pt, _), (pl, _), _ = pads
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :]


def conv2d_backprop_filter(x, w_shape, dy, strides, dilations, padding):
    kh, kw, c, f = w_shape
    oh, ow, pads = _geometry(x.shape, (kh, kw), strides, dilations, padding)
    xp = np.pad(x.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    for i in range(kh):
        for j in range(kw):
            win = _window(xp, i, j, oh, ow, strides, dilations)
            dw[i, j] = np.einsum("nhwc,nhwf->cf", win, dy.astype(np.float64))
    return dw


def max_pool(x, ksize, strides, padding):
    oh, ow, pads = _geometry(x.shape, ksize, strides, (1, 1), padding)
    xp = np.pad(x.astype(np.float64), pads, constant_values=-np.inf)
    wins = [_window(xp, i, j, oh, ow, strides, (1, 1))
            for i in range(ksize[0]) for j in range(ksize[1])]
    return np.max(wins, axis=0)


def avg_pool(x, ksize, strides, padding):
    oh, ow, pads = _geometry(x.shape, ksize, strides, (1, 1), padding)
    xp = np.pad(x.astype(np.float64), pads)
    ones = np.pad(np.ones(x.shape[:3] + (1,)), pads)
    total = sum(_window(xp, i, j, oh, ow, strides, (1, 1))
                for i in range(ksize[0]) for j in range(ksize[1]))
    count = sum(_window(ones, i, j, oh, ow, strides, (1, 1))
                for i in range(ksize[0]) for j in range(ksize[1]))
    return total / count


def max_pool_grad(x, dy, ksize, strides, padding):
    """Each window's gradient goes to the first (row-major) max of the window."""
    oh, ow, pads = _geometry(x.shape, ksize, strides, (1, 1), padding)
    pt, pl = pads[1][0], pads[2][0]
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            for a in range(oh):
                for b in range(ow):
                    best, where = None, None
                    for i in range(a * strides[0] - pt, a * strides[0] - pt + ksize[0]):
                        for j in range(b * strides[1] - pl, b * strides[1] - pl + ksize[1]):
                            if 0 <= i < x.shape[1] and 0 <= j < x.shape[2]:
                                if best is None or x[n, i, j, c] > best:
                                    best, where = x[n, i, j, c], (i, j)
                    dx[n, where[0], where[1], c] += dy[n, a, b, c]
    return dx


def avg_pool_grad(x_shape, dy, ksize, strides, padding):
    oh, ow, pads = _geometry(x_shape, ksize, strides, (1, 1), padding)
    ones = np.pad(np.ones(x_shape[:3] + (1,)), pads)
    count = sum(_window(ones, i, j, oh, ow, strides, (1, 1))
                for i in range(ksize[0]) for j in range(ksize[1]))
    dxp = np.zeros(np.pad(np.zeros(x_shape), pads).shape)
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            _window(dxp, i, j, oh, ow, strides, (1, 1))[...] += dy / count
    pt, pl = pads[1][0], pads[2][0]
    return dxp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :]
