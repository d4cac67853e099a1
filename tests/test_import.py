"""`import minigraph` stays light: numba, networkx and graphviz load only when first used."""
import subprocess
import sys


def test_import_does_not_load_heavy_dependencies():
    code = ("import sys, minigraph\n"
            "heavy = [m for m in ('numba', 'llvmlite', 'networkx', 'graphviz', 'matplotlib') "
            "if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_first_conv_loads_numba_lazily():
    code = ("import sys, numpy as np, minigraph as tf\n"
            "x = tf.placeholder(tf.float32, [1, 4, 4, 2])\n"
            "w = tf.constant(np.ones((3, 3, 2, 1), np.float32))\n"
            "y = tf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], 'SAME')\n"
            "assert 'numba' not in sys.modules\n"
            "with tf.Session() as s:\n"
            "    s.run(y, {x: np.ones((1, 4, 4, 2), np.float32)})\n"
            "print('numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
