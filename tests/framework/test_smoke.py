import numpy as np
import pytest

import minigraph as mg


def test_add_placeholder_and_constant():
    x = mg.placeholder(mg.float32, [None, 3], name="x")
    y = x + mg.constant([1.0, 2.0, 3.0])
    assert y.name == "add:0"
    assert y.shape.as_list() == [None, 3]
    with mg.Session() as sess:
        out = sess.run(y, {x: np.ones((2, 3))})
    np.testing.assert_array_equal(out, np.ones((2, 3)) + [1, 2, 3])
    assert out.dtype == np.float32


def test_unfed_placeholder_is_invalid_argument():
    x = mg.placeholder(mg.float32, [2], name="inp")
    with mg.Session() as sess:
        with pytest.raises(mg.errors.InvalidArgumentError, match="inp"):
            sess.run(x + 1.0)


def test_convert_tensor_shape_like_tf1():
    t = mg.convert_to_tensor(mg.TensorShape([2, 3]))
    assert t.dtype == mg.int32 and t.shape.as_list() == [2]
    with mg.Session() as sess:
        assert sess.run(t).tolist() == [2, 3]
    with pytest.raises(ValueError, match="partially known"):
        mg.convert_to_tensor(mg.TensorShape([None, 3]))
