"""Start-up cost: a fresh process imports minigraph, builds one separable conv layer and
runs one forward+backward pass (all of it timed, interpreter start included).

Three runs, each a new Python process:
- cold:  an empty numba cache directory, so every kernel the pass needs is compiled;
- warm:  the same cache directory again (kernels load from numba's on-disk cache);
- import only: `import minigraph` (it must not import numba).

Run: ./dev bench bench_startup   or   python benchmarks/bench_startup.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

PASS = r"""
import numpy as np
import minigraph as mg
x = mg.placeholder(mg.float32, [8, 28, 28, 32])
y = mg.layers.separable_conv2d(x, 64, 3, padding="same")
grads = mg.gradients(mg.reduce_sum(y * y), [x] + mg.trainable_variables())
with mg.Session() as sess:
    sess.run(mg.global_variables_initializer())
    sess.run([y] + grads, {x: np.ones((8, 28, 28, 32), np.float32)})
"""

IMPORT_ONLY = r"""
import sys
import minigraph
assert "numba" not in sys.modules, "import minigraph must not import numba"
"""


def run(code, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, PYTHONPATH=ROOT)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - t


def main():
    cache = tempfile.mkdtemp(prefix="minigraph-numba-cache-")
    try:
        cold = run(PASS, cache)
        warm = min(run(PASS, cache) for _ in range(3))
        imp = min(run(IMPORT_ONLY, cache) for _ in range(3))
        base = min(run("pass", cache) for _ in range(3))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print("%-58s %8s" % ("fresh process (interpreter start included)", "seconds"))
    print("%-58s %8.2f" % ("python -c pass", base))
    print("%-58s %8.2f" % ("import minigraph", imp))
    print("%-58s %8.2f" % ("import + separable conv fwd+bwd, numba cache cold", cold))
    print("%-58s %8.2f" % ("import + separable conv fwd+bwd, numba cache warm", warm))


if __name__ == "__main__":
    main()
