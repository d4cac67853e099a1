"""matmul (MatMul / BatchMatMulV2) and tensordot: values, shapes, names, gradients, errors."""
import numpy as np
import pytest

import minigraph as mg
from tests.util import evaluate, gradient_error, rng


def _naive_matmul(a, b):
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = sum(a[i, k] * b[k, j] for k in range(a.shape[1]))
    return out


def _naive_batch(a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.zeros(batch + (a.shape[-2], b.shape[-1]))
    for idx in np.ndindex(*batch):
        out[idx] = _naive_matmul(a[idx], b[idx])
    return out


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_transposes(ta, tb):
    a = rng(1).randn(*((3, 2) if ta else (2, 3))).astype(np.float32)
    b = rng(2).randn(*((4, 3) if tb else (3, 4))).astype(np.float32)
    t = mg.matmul(mg.constant(a), mg.constant(b), transpose_a=ta, transpose_b=tb)
    assert t.op.type == "MatMul" and t.op.name == "MatMul" and t.shape.as_list() == [2, 4]
    assert t.op.get_attr("transpose_a") == ta and t.op.get_attr("transpose_b") == tb
    out = evaluate(t)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _naive_matmul(a.T if ta else a, b.T if tb else b),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_gradient(ta, tb):
    a = rng(1).randn(*((3, 2) if ta else (2, 3)))
    b = rng(2).randn(*((4, 3) if tb else (3, 4)))
    assert gradient_error(lambda x, y: mg.matmul(x, y, transpose_a=ta, transpose_b=tb),
                          a, b) < 1e-6
    assert gradient_error(lambda x, y: mg.matmul(x, y, adjoint_a=ta, adjoint_b=tb), a, b) < 1e-6


@pytest.mark.parametrize("sa,sb", [([4, 2, 3], [4, 3, 5]), ([4, 2, 3], [3, 5]),
                                   ([2, 3], [4, 3, 5]), ([2, 1, 2, 3], [3, 3, 2]),
                                   ([1, 2, 3], [5, 3, 1])])
def test_batch_matmul_broadcasts(sa, sb):
    a = rng(1).randn(*sa).astype(np.float32)
    b = rng(2).randn(*sb).astype(np.float32)
    t = mg.matmul(mg.constant(a), mg.constant(b))
    expect = _naive_batch(a.astype(np.float64), b.astype(np.float64))
    assert t.op.type == "BatchMatMulV2" and t.op.name == "MatMul"
    assert t.shape.as_list() == list(expect.shape)
    out = evaluate(t)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=1e-5)
    assert gradient_error(mg.matmul, a.astype(np.float64), b.astype(np.float64)) < 1e-6


@pytest.mark.parametrize("adj_a", [False, True])
@pytest.mark.parametrize("adj_b", [False, True])
def test_batch_matmul_adjoint_and_gradient(adj_a, adj_b):
    a = rng(1).randn(*((2, 3, 2) if adj_a else (2, 2, 3)))
    b = rng(2).randn(*((2, 4, 3) if adj_b else (2, 3, 4)))
    t = mg.matmul(mg.constant(a), mg.constant(b), adjoint_a=adj_a, transpose_b=adj_b)
    assert t.op.get_attr("adj_x") == adj_a and t.op.get_attr("adj_y") == adj_b
    sw = lambda m, f: np.swapaxes(m, -1, -2) if f else m  # noqa: E731
    np.testing.assert_allclose(evaluate(t), _naive_batch(sw(a, adj_a), sw(b, adj_b)))
    assert gradient_error(lambda x, y: mg.matmul(x, y, adjoint_a=adj_a, adjoint_b=adj_b),
                          a, b) < 1e-6


def test_batch_matmul_unknown_shapes_gradient():
    a, b = rng(1).randn(3, 2, 3), rng(2).randn(3, 4)
    pa = mg.placeholder(mg.float64, [None, None, 3])
    pb = mg.placeholder(mg.float64, None)
    t = mg.matmul(pa, pb)
    assert t.op.type == "BatchMatMulV2"
    ga, gb = evaluate(mg.gradients(mg.reduce_sum(t), [pa, pb]), {pa: a, pb: b})
    np.testing.assert_allclose(ga, np.broadcast_to(b.sum(1), (3, 2, 3)))
    np.testing.assert_allclose(gb, np.broadcast_to(a.sum((0, 1))[:, None], (3, 4)))


def test_matmul_operator_and_int32():
    a = mg.constant([[1, 2], [3, 4]])
    t = a @ a
    assert t.op.name == "matmul" and t.dtype == mg.int32
    out = evaluate(t)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[7, 10], [15, 22]])
    r = np.array([[1.0, 0.0]], np.float32) @ mg.constant([[1.0], [2.0]])
    np.testing.assert_array_equal(evaluate(r), [[1.0]])


def test_matmul_errors():
    x = mg.placeholder(mg.float32, [2, 3])
    with pytest.raises(ValueError, match=r"rank 2 but is rank 1 for 'MatMul'.*\[3\], \[2,3\]"):
        mg.matmul(mg.placeholder(mg.float32, [3]), x)
    with pytest.raises(ValueError, match=r"3 and 2 for 'mm' \(op: 'MatMul'\).*\[2,3\], \[2,3\]"):
        mg.matmul(x, x, name="mm")
    with pytest.raises(ValueError, match=r"Batch dimensions \[2\] and \[3\].*'MatMul_1' "
                                         r"\(op: 'BatchMatMulV2'\).*\[2,2,3\], \[3,3,2\]"):
        mg.matmul(mg.ones([2, 2, 3]), mg.ones([3, 3, 2]))
    with pytest.raises(ValueError, match="Only one of transpose_a and adjoint_a"):
        mg.matmul(x, x, transpose_a=True, adjoint_a=True)
    with pytest.raises(TypeError):
        mg.matmul(x, mg.placeholder(mg.float64, [3, 2]))
    with pytest.raises(TypeError, match="bool"):
        mg.matmul(mg.constant([[True]]), mg.constant([[True]]))
    p = mg.placeholder(mg.float32, [None, None])
    with pytest.raises(mg.errors.InvalidArgumentError, match="size-incompatible"):
        evaluate(mg.matmul(p, p), {p: np.ones((2, 3))})


# -- tensordot ------------------------------------------------------------------------------------
def _naive_tensordot(a, b, a_axes, b_axes):
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    out_shape = [a.shape[i] for i in a_free] + [b.shape[i] for i in b_free]
    out = np.zeros(out_shape)
    contracted = [a.shape[i] for i in a_axes]
    for oi in np.ndindex(*out_shape):
        ai, bi = oi[:len(a_free)], oi[len(a_free):]
        acc = 0.0
        for ci in np.ndindex(*contracted):
            ia, ib = [0] * a.ndim, [0] * b.ndim
            for k, i in enumerate(a_free):
                ia[i] = ai[k]
            for k, i in enumerate(b_free):
                ib[i] = bi[k]
            for k, (i, j) in enumerate(zip(a_axes, b_axes)):
                ia[i] = ib[j] = ci[k]
            acc += a[tuple(ia)] * b[tuple(ib)]
        out[oi] = acc
    return out


@pytest.mark.parametrize("sa,sb,axes,a_axes,b_axes", [
    ([2, 3], [3, 4], 1, [1], [0]),
    ([2, 3], [2, 3], [[1], [1]], [1], [1]),
    ([2, 3, 4], [4, 3, 5], [[1, 2], [1, 0]], [1, 2], [1, 0]),
    ([2, 3], [4], 0, [], []),
    ([2, 3, 4], [3, 4], 2, [1, 2], [0, 1]),
    ([3, 4], [4, 3], [[0, -1], [1, 0]], [0, 1], [1, 0]),
])
def test_tensordot(sa, sb, axes, a_axes, b_axes):
    a = rng(1).randn(*sa)
    b = rng(2).randn(*sb)
    t = mg.tensordot(mg.constant(a.astype(np.float32)), mg.constant(b.astype(np.float32)), axes)
    expect = _naive_tensordot(a, b, a_axes, b_axes)
    assert t.shape.as_list() == list(expect.shape)
    assert t.name.startswith("Tensordot")
    np.testing.assert_allclose(evaluate(t), expect, rtol=1e-5, atol=1e-5)
    assert gradient_error(lambda x, y: mg.tensordot(x, y, axes), a, b) < 1e-6


def test_tensordot_partially_known_shapes():
    a, b = rng(1).randn(5, 3, 4), rng(2).randn(4, 2)
    pa = mg.placeholder(mg.float64, [None, 3, 4])
    t = mg.tensordot(pa, mg.constant(b), 1)
    assert t.shape.as_list() == [None, 3, 2]
    np.testing.assert_allclose(evaluate(t, {pa: a}), np.einsum("ijk,kl->ijl", a, b))


def test_tensordot_numpy_axes():
    a, b = rng(1).randn(2, 3), rng(2).randn(3, 4)
    t = mg.tensordot(mg.constant(a), mg.constant(b), np.array([[1], [0]]))
    np.testing.assert_allclose(evaluate(t), _naive_matmul(a, b))


def test_tensordot_errors():
    a, b = mg.ones([2, 3]), mg.ones([4, 2])
    with pytest.raises(ValueError, match=r"size 3 .* size 4"):
        mg.tensordot(a, b, 1)
    with pytest.raises(ValueError, match="Different number of contraction axes"):
        mg.tensordot(a, b, [[1], [0, 1]])
    with pytest.raises(ValueError, match="at least 0"):
        mg.tensordot(a, b, -1)
    with pytest.raises(ValueError, match="out of range"):
        mg.tensordot(a, mg.ones([3, 2]), [[2], [0]])
