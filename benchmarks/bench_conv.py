"""Separable convolution blocks: minigraph beside TensorFlow 2.21 and PyTorch, same run.

For each case (a `separable_conv2d` layer: depthwise k x k, then 1x1 pointwise, + bias)
three things are timed:

- fwd        the layer's output;
- fwd+bwd    output and the gradients of every input and weight, given an output
             gradient (TF/minigraph: `gradients(y, [x] + weights, grad_ys=dy)`;
             PyTorch: `y.backward(dy)` with `x.requires_grad`);
- train      one SGD step on `mean(square(y))` (TF/minigraph:
             `GradientDescentOptimizer(0.01).minimize`, PyTorch: `optim.SGD`).

TF runs `tf.compat.v1.layers.separable_conv2d` in a `tf.compat.v1.Session` (graph mode,
its defaults, i.e. oneDNN on); minigraph runs `mg.layers.separable_conv2d` the same way;
PyTorch runs `Conv2d(C, C*M, k, groups=C)` + `Conv2d(C*M, F, 1)` on NCHW tensors. Every
feed is 64-byte aligned (a misaligned feed makes TF copy it on every call).

Each framework runs in its own worker process (its thread pools - numba's, OpenBLAS's,
TF's, PyTorch's OpenMP - would otherwise spin on the 2 cores while another framework
runs and distort its times). The driver alternates between the workers within each
round, with a short pause at each switch so the previous pools go idle; a worker's round
lasts at least 0.15 s (more calls for fast cases); the table shows per-call medians.

"TF-eigen" is TF with `TF_ENABLE_ONEDNN_OPTS=0` (its Eigen CPU kernels, as on builds or
CPUs without oneDNN).

"floor" is what this machine needs at least for the forward pass: NumPy's matmul of
the pointwise part (NumPy's own OpenBLAS) plus one read+write pass over the input
and one over the output.

Run: PYTHONPATH=. TF_USE_LEGACY_KERAS=1 /path/to/venv-with-tf-torch-numba/bin/python \
         benchmarks/bench_conv.py [--quick] [--cases 0,2] [--modes fwd] [--unfused]
(TF / PyTorch columns only where they import.)
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigraph as mg  # noqa: E402

CASES = [
    ("MobileNet N=32 56x56 C=128 F=128 k3", dict(n=32, h=56, w=56, c=128, f=128, k=3, s=1, m=1)),
    ("N=8 28x28 C=32 F=64 k3", dict(n=8, h=28, w=28, c=32, f=64, k=3, s=1, m=1)),
    ("N=16 112x112 C=64 F=128 k3 stride 2", dict(n=16, h=112, w=112, c=64, f=128, k=3, s=2, m=1)),
    ("N=32 56x56 C=64 M=2 F=128 k3", dict(n=32, h=56, w=56, c=64, f=128, k=3, s=1, m=2)),
    ("N=32 56x56 C=128 F=128 k5", dict(n=32, h=56, w=56, c=128, f=128, k=5, s=1, m=1)),
]
MODES = ("fwd", "fwd+bwd", "train")


def aligned(shape, dtype=np.float32, fill=None, seed=0):
    """A C-contiguous array whose data starts on a 64-byte boundary."""
    n = int(np.prod(shape))
    itemsize = np.dtype(dtype).itemsize
    buf = np.empty(n * itemsize + 64, np.uint8)
    off = (-buf.ctypes.data) % 64
    arr = buf[off:off + n * itemsize].view(dtype).reshape(shape)
    arr[...] = np.random.RandomState(seed).uniform(-1, 1, shape) if fill is None else fill
    return arr


def out_hw(cfg):
    return -(-cfg["h"] // cfg["s"]), -(-cfg["w"] // cfg["s"])


# -- graph-mode frameworks (minigraph, TF) --------------------------------------------------------
def graph_runner(lib, cfg):
    g = lib.Graph()
    with g.as_default():
        x = lib.placeholder(lib.float32, [cfg["n"], cfg["h"], cfg["w"], cfg["c"]], name="x")
        y = lib.layers.separable_conv2d(x, cfg["f"], cfg["k"], strides=cfg["s"], padding="same",
                                        depth_multiplier=cfg["m"])
        dy = lib.placeholder(lib.float32, y.shape, name="dy")
        weights = lib.trainable_variables()
        grads = lib.gradients(y, [x] + weights, grad_ys=dy)
        loss = lib.reduce_mean(lib.square(y))
        train = lib.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = lib.global_variables_initializer()
    sess = lib.Session(graph=g)
    sess.run(init)
    oh, ow = out_hw(cfg)
    xv = aligned((cfg["n"], cfg["h"], cfg["w"], cfg["c"]), seed=1)
    dyv = aligned((cfg["n"], oh, ow, cfg["f"]), seed=2)
    return {"fwd": lambda: sess.run(y, {x: xv}),
            "fwd+bwd": lambda: sess.run([y] + grads, {x: xv, dy: dyv}),
            "train": lambda: sess.run(train, {x: xv})}


def torch_runner(torch, cfg):
    c, m, k = cfg["c"], cfg["m"], cfg["k"]
    dw = torch.nn.Conv2d(c, c * m, k, stride=cfg["s"], padding=k // 2, groups=c, bias=False)
    pw = torch.nn.Conv2d(c * m, cfg["f"], 1, bias=True)
    model = torch.nn.Sequential(dw, pw)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    oh, ow = out_hw(cfg)
    x = torch.from_numpy(aligned((cfg["n"], c, cfg["h"], cfg["w"]), seed=1))
    xg = torch.from_numpy(aligned((cfg["n"], c, cfg["h"], cfg["w"]), seed=1)).requires_grad_(True)
    dy = torch.from_numpy(aligned((cfg["n"], cfg["f"], oh, ow), seed=2))

    def fwd():
        with torch.no_grad():
            return model(x)

    def fwd_bwd():
        xg.grad = None
        model.zero_grad(set_to_none=True)
        y = model(xg)
        y.backward(dy)
        return y

    def train():
        opt.zero_grad(set_to_none=True)
        loss = model(x).square().mean()
        loss.backward()
        opt.step()
    return {"fwd": fwd, "fwd+bwd": fwd_bwd, "train": train}


def floor_ms(cfg, reps=15):
    """Pointwise matmul + one pass over the input and one over the output, in ms."""
    oh, ow = out_hw(cfg)
    cm = cfg["c"] * cfg["m"]
    a = aligned((cfg["n"] * oh * ow, cm), seed=3)
    b = aligned((cm, cfg["f"]), seed=4)
    out = aligned((cfg["n"] * oh * ow, cfg["f"]), fill=0)
    xin = aligned((cfg["n"], cfg["h"], cfg["w"], cfg["c"]), seed=5)
    xin2 = aligned(xin.shape, fill=0)
    out2 = aligned(out.shape, fill=0)

    def once():
        np.matmul(a, b, out=out)
        np.copyto(xin2, xin)
        np.copyto(out2, out)
    once()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        once()
        ts.append(time.perf_counter() - t)
    return 1e3 * statistics.median(ts)


def _worker(name, conn):
    """Serve one framework: ("case", cfg) builds the runners, ("time", mode, calls)
    returns per-call seconds, ("floor", cfg) the floor, None stops."""
    lib = _import(name)
    runners = None
    while True:
        msg = conn.recv()
        if msg is None:
            return
        try:
            if msg[0] == "case":
                runners = None
                cfg = msg[1]
                runners = torch_runner(lib, cfg) if name == "torch" else graph_runner(lib, cfg)
                conn.send("ok")
            elif msg[0] == "floor":
                conn.send(floor_ms(msg[1]))
            else:
                _, mode, calls = msg
                fn = runners[mode]
                ts = []
                for _ in range(calls):
                    t = time.perf_counter()
                    fn()
                    ts.append(time.perf_counter() - t)
                conn.send(ts)
        except Exception as e:  # report, keep serving
            conn.send(e)


def _import(name):
    if name == "minigraph":
        return mg
    if name == "mg-unfused":
        from minigraph.framework import plan
        plan.FUSION = False  # every op on its own, as before fused kernels
        return mg
    if name.startswith("TF"):
        if name == "TF-eigen":
            os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
        import tensorflow as tf
        tf.compat.v1.disable_eager_execution()
        return tf.compat.v1
    import torch
    torch.set_num_threads(os.cpu_count())
    return torch


def _ask(conn, msg):
    conn.send(msg)
    out = conn.recv()
    if isinstance(out, Exception):
        raise out
    return out


def measure(workers, mode, rounds, calls, pause=0.1, min_round=0.15):
    """Median per-call ms of each worker, alternating workers within each round.

    A round of a worker lasts at least `min_round` seconds (more calls for fast cases),
    so its first call after the pause - threads waking, caches cold - does not decide
    the median.
    """
    n_calls = {}
    for name, conn in workers.items():
        est = statistics.median(_ask(conn, ("time", mode, 3)))
        n_calls[name] = max(calls, min(200, int(min_round / max(est, 1e-6))))
    times = {name: [] for name in workers}
    for r in range(rounds):
        order = list(workers) if r % 2 == 0 else list(reversed(workers))
        for name in order:
            time.sleep(pause)
            times[name] += _ask(workers[name], ("time", mode, n_calls[name]))
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def _available(name):
    if name in ("minigraph", "mg-unfused"):
        return True
    import importlib.util
    return importlib.util.find_spec("torch" if name == "torch" else "tensorflow") is not None


def main():
    import multiprocessing as mp
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--cases", default=None, help="comma-separated case indices")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--unfused", action="store_true",
                    help="also time minigraph with fused kernels off (MINIGRAPH_FUSION=0)")
    args = ap.parse_args()
    rounds, calls = (3, 3) if args.quick else (5, 5)
    names = ("minigraph",) + (("mg-unfused",) if args.unfused else ()) + ("TF", "TF-eigen", "torch")
    cols = [name for name in names if _available(name)]
    for name in ("TF", "torch"):
        if name not in cols:
            print("%s not importable: no %s column." % (name, name))
    ratios = [("minigraph", c) for c in cols if c not in ("minigraph", "mg-unfused")]
    ctx = mp.get_context("spawn")
    workers, procs = {}, []
    for name in cols:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(name, child), daemon=True)
        proc.start()
        workers[name] = parent
        procs.append(proc)
    cases = CASES if args.cases is None else [CASES[int(i)] for i in args.cases.split(",")]
    modes = args.modes.split(",")
    short = {"minigraph": "mg", "mg-unfused": "mg-nofuse"}
    head = "%-38s %-8s" % ("case", "mode") + "".join("%10s" % short.get(c, c) for c in cols)
    head += "".join("%13s" % ("%s/%s" % (short.get(a, a), b)) for a, b in ratios)
    head += "%9s" % "floor"
    print("times in ms (median per call); ratios < 1 mean minigraph is faster", flush=True)
    print(head, flush=True)
    try:
        for label, cfg in cases:
            for conn in workers.values():
                _ask(conn, ("case", cfg))
            floor = _ask(workers["minigraph"], ("floor", cfg))
            for mode in modes:
                res = measure(workers, mode, rounds, calls)
                line = "%-38s %-8s" % (label, mode) + "".join("%10.1f" % res[c] for c in cols)
                line += "".join("%13.2f" % (res[a] / res[b]) for a, b in ratios)
                line += "%9s" % ("%.1f" % floor if mode == "fwd" else "")
                print(line, flush=True)
    finally:
        for conn in workers.values():
            conn.send(None)
        for proc in procs:
            proc.join(timeout=10)


if __name__ == "__main__":
    main()
