"""Softmax and softmax cross-entropy kernels: plain NumPy functions on arrays.

Every reduction here runs along one axis over whole arrays, which NumPy already does at
memory speed, so these are not numba kernels (no compile time, no cache). All of them
subtract the per-row maximum before `exp`, so large logits never overflow, and they work
in the input's float dtype.
"""
import numpy as np


def _shifted(logits, axis):
    """logits - max(logits) along `axis`, and log(sum(exp(that)))."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return shifted, log_sum


def softmax(logits, axis=-1):
    """exp(logits) / sum(exp(logits)) along `axis`."""
    if logits.size == 0:
        return np.empty_like(logits)
    e = np.exp(logits - np.max(logits, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(logits, axis=-1):
    """logits - log(sum(exp(logits))) along `axis`."""
    if logits.size == 0:
        return np.empty_like(logits)
    shifted, log_sum = _shifted(logits, axis)
    return shifted - log_sum


def softmax_xent(logits, labels):
    """Per-row cross entropy of `labels` against softmax(`logits`), and its gradient.

    Args:
      logits: `[batch, num_classes]` (any leading shape works).
      labels: a probability distribution per row, same shape as `logits`.

    Returns:
      `(loss, backprop)`: `loss` is `[batch]`, `backprop` = softmax(logits) - labels.
    """
    if logits.shape[-1] == 0:
        return (np.zeros(logits.shape[:-1], logits.dtype), np.empty_like(logits))
    shifted, log_sum = _shifted(logits, -1)
    log_probs = shifted - log_sum
    loss = -np.sum(labels * log_probs, axis=-1)
    return loss.astype(logits.dtype, copy=False), np.exp(log_probs) - labels


def bad_sparse_label(labels, num_classes):
    """The first label outside [0, num_classes), or None when all are in range."""
    bad = (labels < 0) | (labels >= num_classes)
    if not bad.any():
        return None
    return labels.reshape(-1)[np.argmax(bad.reshape(-1))]


def sparse_softmax_xent(logits, labels):
    """Cross entropy of integer class `labels` against softmax(`logits`), and its gradient.

    Args:
      logits: `[batch, num_classes]`.
      labels: `[batch]` integers, each in [0, num_classes) (the caller checks).

    Returns:
      `(loss, backprop)`: `loss` is `[batch]`, `backprop` = softmax(logits) - onehot(labels).
    """
    if logits.shape[-1] == 0:
        return (np.zeros(logits.shape[:-1], logits.dtype), np.empty_like(logits))
    shifted, log_sum = _shifted(logits, -1)
    picked = np.take_along_axis(shifted, labels[..., None].astype(np.intp), axis=-1)
    loss = (log_sum - picked)[..., 0]
    backprop = np.exp(shifted - log_sum)
    np.put_along_axis(backprop, labels[..., None].astype(np.intp),
                      np.take_along_axis(backprop, labels[..., None].astype(np.intp), -1) - 1,
                      axis=-1)
    return loss.astype(logits.dtype, copy=False), backprop


def sigmoid_xent(logits, labels):
    """Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)).

    This form never overflows: `exp` only ever sees non-positive numbers.
    """
    x, z = logits, labels
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)
