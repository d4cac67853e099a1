"""Dev script (not collected by pytest): minigraph's SeparableConv2D vs TensorFlow's.

Run from the repository root with minigraph's interpreter:

    .venv/bin/python tests/reference/compare_tf_separable.py [--quick] [--seed N]

For a sweep of layer arguments it builds `mg.layers.SeparableConv2D` with random weights,
computes the output and the gradients of `sum(y * R)` (R random) with respect to the input
and every weight, and compares them with

- TF 2.x's `tf.compat.v1.layers.SeparableConv2D` (TF1's legacy layer) on the same weights,
  run in the reference virtualenv (`/work/refvenv`, override with MG_REF_PYTHON) as a
  subprocess of this script (`--tf-side`); minigraph never imports TensorFlow. TF's CPU
  build has no NCHW depthwise convolution, so channels_first cases run TF's layer in
  channels_last on the transposed input; it cannot run unequal strides at all, so those
  cases are compared with the NumPy reference only;
- a float64 NumPy reference (forward and backward written out below), for every case.

Tolerance: float32, |mg - ref| <= 1e-5 + 1e-5 * |ref| elementwise (rtol = atol = 1e-5).
Exits 1 if any comparison fails.
"""
import argparse
import itertools
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

RTOL = ATOL = 1e-5
REF_PYTHON = os.environ.get("MG_REF_PYTHON", "/work/refvenv/bin/python")
FIELDS = ("y", "gx", "gdw", "gpw", "gb")


# -- the sweep ---------------------------------------------------------------------------------
def configs(quick=False, seed=0):
    """A list of layer-argument dicts covering every geometry argument and their mixes."""
    r = np.random.RandomState(seed)
    grid = []
    kernels = [1, 2, 3, (3, 2), (1, 3)]
    for kernel, padding, dm, fmt in itertools.product(
            kernels, ["valid", "same"], [1, 2], ["channels_last", "channels_first"]):
        grid.append(dict(filters=3, kernel_size=kernel, padding=padding, depth_multiplier=dm,
                         data_format=fmt))
    for strides, padding, fmt in itertools.product(
            [2, 3, (2, 1), (1, 3), (3, 2)], ["valid", "same"],
            ["channels_last", "channels_first"]):
        grid.append(dict(filters=2, kernel_size=3, strides=strides, padding=padding,
                         data_format=fmt))
    for rate, padding, fmt in itertools.product(
            [2, (2, 1), (1, 3)], ["valid", "same"], ["channels_last", "channels_first"]):
        grid.append(dict(filters=4, kernel_size=(2, 3), dilation_rate=rate, padding=padding,
                         data_format=fmt))
    for use_bias, activation in itertools.product([True, False], [None, "relu", "tanh"]):
        grid.append(dict(filters=4, kernel_size=3, use_bias=use_bias, activation=activation,
                         depth_multiplier=3))
    # Random mixes of everything.
    n_random = 10 if quick else 80
    for _ in range(n_random):
        strides = [1, 2, 3, (2, 1), (1, 2)][r.randint(5)]
        rate = 1 if strides != 1 else [1, 2, (1, 2), (3, 1)][r.randint(4)]
        grid.append(dict(
            filters=int(r.randint(1, 6)), kernel_size=[1, 2, 3, (2, 3), (3, 1)][r.randint(5)],
            strides=strides, dilation_rate=rate, padding=["valid", "same"][r.randint(2)],
            depth_multiplier=int(r.randint(1, 4)),
            data_format=["channels_last", "channels_first"][r.randint(2)],
            use_bias=bool(r.randint(2)), activation=[None, "relu", "tanh"][r.randint(3)]))
    if quick:
        grid = grid[::4]
    return grid


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def make_case(cfg, index, seed):
    """Random input, weights and output cotangent for one config (None if it cannot run)."""
    r = np.random.RandomState(seed * 100003 + index)
    kh, kw = _pair(cfg["kernel_size"])
    sh, sw = _pair(cfg.get("strides", 1))
    dh, dw_ = _pair(cfg.get("dilation_rate", 1))
    n, c = int(r.randint(1, 3)), int(r.randint(1, 5))
    h, w = int(r.randint(5, 10)), int(r.randint(5, 10))
    m, f = cfg.get("depth_multiplier", 1), cfg["filters"]
    if cfg.get("padding", "valid") == "valid" and (h < (kh - 1) * dh + 1 or
                                                   w < (kw - 1) * dw_ + 1):
        h, w = (kh - 1) * dh + 2, (kw - 1) * dw_ + 2
    x = r.randn(n, h, w, c).astype(np.float32)
    if cfg.get("data_format") == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    dwk = r.randn(kh, kw, c, m).astype(np.float32)
    pwk = r.randn(1, 1, c * m, f).astype(np.float32)
    b = r.randn(f).astype(np.float32)
    # Activations have kinks or saturate; keep pre-activations away from 0 for relu by
    # drawing weights first and the cotangent after the forward pass.
    return dict(x=x, dw=dwk, pw=pwk, b=b, seed=seed * 100003 + index)


# -- NumPy reference (float64) --------------------------------------------------------------
def _geometry(h, w, cfg, kh, kw):
    sh, sw = _pair(cfg.get("strides", 1))
    dh, dw_ = _pair(cfg.get("dilation_rate", 1))
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw_ + 1
    if cfg.get("padding", "valid") == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        ph_, pw_ = max((oh - 1) * sh + ekh - h, 0), max((ow - 1) * sw + ekw - w, 0)
        pads = (ph_ // 2, ph_ - ph_ // 2, pw_ // 2, pw_ - pw_ // 2)
    else:
        oh, ow = math.ceil((h - ekh + 1) / sh), math.ceil((w - ekw + 1) / sw)
        pads = (0, 0, 0, 0)
    return oh, ow, pads, (sh, sw), (dh, dw_)


def numpy_reference(cfg, case, cot):
    """Forward and backward of the layer in float64: returns dict of FIELDS."""
    cf = cfg.get("data_format") == "channels_first"
    x = case["x"].astype(np.float64)
    if cf:
        x = x.transpose(0, 2, 3, 1)
    dwk, pwk, b = (case[k].astype(np.float64) for k in ("dw", "pw", "b"))
    n, h, w, c = x.shape
    kh, kw, _, m = dwk.shape
    oh, ow, (pt, pb, pl, pr), (sh, sw), (dh, dwd) = _geometry(h, w, cfg, kh, kw)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))

    def window(i, j):
        return (slice(None), slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                slice(j * dwd, j * dwd + (ow - 1) * sw + 1, sw), slice(None))
    depth = np.zeros((n, oh, ow, c, m))
    for i in range(kh):
        for j in range(kw):
            depth += xp[window(i, j)][..., None] * dwk[i, j]
    depth = depth.reshape(n, oh, ow, c * m)
    pre = depth @ pwk[0, 0]
    if cfg.get("use_bias", True):
        pre = pre + b
    act = cfg.get("activation")
    y = np.maximum(pre, 0) if act == "relu" else np.tanh(pre) if act == "tanh" else pre
    g = cot.astype(np.float64)
    if cf:
        g = g.transpose(0, 2, 3, 1)
    g = g * ((pre > 0) if act == "relu" else (1 - y ** 2) if act == "tanh" else 1)
    gb = g.sum((0, 1, 2)) if cfg.get("use_bias", True) else np.zeros_like(b)
    gpw = np.einsum("nhwk,nhwf->kf", depth, g)[None, None]
    gdepth = (g @ pwk[0, 0].T).reshape(n, oh, ow, c, m)
    gxp = np.zeros_like(xp)
    gdw = np.zeros_like(dwk)
    for i in range(kh):
        for j in range(kw):
            win = window(i, j)
            gdw[i, j] = np.einsum("nhwc,nhwcm->cm", xp[win], gdepth)
            gxp[win] += (gdepth * dwk[i, j]).sum(-1)
    gx = gxp[:, pt: pt + h, pl: pl + w, :]
    if cf:
        y, gx = y.transpose(0, 3, 1, 2), gx.transpose(0, 3, 1, 2)
    return dict(y=y, gx=gx, gdw=gdw, gpw=gpw, gb=gb)


# -- minigraph side ----------------------------------------------------------------------------
def run_minigraph(cfg, case):
    import minigraph as mg
    mg.reset_default_graph()
    x = mg.placeholder(mg.float32, list(case["x"].shape))
    act = {None: None, "relu": mg.nn.relu, "tanh": mg.tanh}[cfg.get("activation")]
    kwargs = dict(cfg, activation=act,
                  depthwise_initializer=mg.constant_initializer(case["dw"]),
                  pointwise_initializer=mg.constant_initializer(case["pw"]),
                  bias_initializer=mg.constant_initializer(case["b"]))
    layer = mg.layers.SeparableConv2D(**kwargs)
    y = layer(x)
    with mg.Session() as sess:
        sess.run(mg.global_variables_initializer())
        y_val = sess.run(y, {x: case["x"]})
        cot = np.random.RandomState(case["seed"] + 7).randn(*y_val.shape).astype(np.float32)
        xs = [x, layer.depthwise_kernel, layer.pointwise_kernel]
        if layer.use_bias:
            xs.append(layer.bias)
        grads = mg.gradients(mg.reduce_sum(y * mg.constant(cot)), xs)
        vals = sess.run(grads, {x: case["x"]})
    if not layer.use_bias:
        vals.append(np.zeros_like(case["b"]))
    return dict(zip(FIELDS, [y_val] + vals)), cot


# -- TensorFlow side (runs in the reference venv) -----------------------------------------------
def tf_supports(cfg):
    """TF's CPU depthwise kernel only has equal strides."""
    sh, sw = _pair(cfg.get("strides", 1))
    return sh == sw


def tf_side(in_path, out_path):
    import tensorflow as tf
    v1 = tf.compat.v1
    v1.disable_eager_execution()
    data = np.load(in_path, allow_pickle=True)
    cfgs = data["cfgs"]
    out = {}
    for i, cfg in enumerate(cfgs):
        if not tf_supports(cfg):
            continue
        case = {k: data["%d_%s" % (i, k)] for k in ("x", "dw", "pw", "b", "cot")}
        cf = cfg.get("data_format") == "channels_first"
        g = tf.Graph()
        with g.as_default():
            x_val = case["x"].transpose(0, 2, 3, 1) if cf else case["x"]
            cot = case["cot"].transpose(0, 2, 3, 1) if cf else case["cot"]
            x = v1.placeholder(tf.float32, x_val.shape)
            act = {None: None, "relu": tf.nn.relu, "tanh": tf.tanh}[cfg.get("activation")]
            kwargs = dict(cfg, activation=act, data_format="channels_last",
                          depthwise_initializer=v1.constant_initializer(case["dw"]),
                          pointwise_initializer=v1.constant_initializer(case["pw"]),
                          bias_initializer=v1.constant_initializer(case["b"]))
            layer = v1.layers.SeparableConv2D(**kwargs)
            y = layer(x)
            xs = [x, layer.depthwise_kernel, layer.pointwise_kernel]
            if layer.use_bias:
                xs.append(layer.bias)
            grads = v1.gradients(tf.reduce_sum(y * tf.constant(cot)), xs)
            with v1.Session(graph=g) as sess:
                sess.run(v1.global_variables_initializer())
                vals = sess.run([y] + grads, {x: x_val})
        if not layer.use_bias:
            vals.append(np.zeros_like(case["b"]))
        if cf:
            vals[0] = vals[0].transpose(0, 3, 1, 2)
            vals[1] = vals[1].transpose(0, 3, 1, 2)
        for name, v in zip(FIELDS, vals):
            out["%d_%s" % (i, name)] = v
    np.savez(out_path, **out)


def run_tf(cfgs, cases, cots):
    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        arrays = {"cfgs": np.array(cfgs, dtype=object)}
        for i, (case, cot) in enumerate(zip(cases, cots)):
            for k in ("x", "dw", "pw", "b"):
                arrays["%d_%s" % (i, k)] = case[k]
            arrays["%d_cot" % i] = cot
        np.savez(in_path, **arrays)
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3",
                   CUDA_VISIBLE_DEVICES="-1")
        proc = subprocess.run([REF_PYTHON, os.path.abspath(__file__), "--tf-side", in_path,
                               out_path], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit("TensorFlow side failed (exit %d)" % proc.returncode)
        data = np.load(out_path)
        return {k: data[k] for k in data.files}


# -- comparison ------------------------------------------------------------------------------------
def compare(got, want):
    """(max abs error, max error relative to the tolerance) over all fields."""
    max_abs, worst = 0.0, 0.0
    for name in FIELDS:
        a, b = np.asarray(got[name], np.float64), np.asarray(want[name], np.float64)
        if a.shape != b.shape:
            return float("inf"), float("inf")
        if a.size == 0:
            continue
        err = np.abs(a - b)
        max_abs = max(max_abs, float(err.max()))
        worst = max(worst, float((err / (ATOL + RTOL * np.abs(b))).max()))
    return max_abs, worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the sweep")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-tf", action="store_true", help="NumPy reference only")
    parser.add_argument("--tf-side", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tf_side:
        tf_side(*args.tf_side)
        return 0

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    cfgs = configs(args.quick, args.seed)
    cases, results, cots = [], [], []
    for i, cfg in enumerate(cfgs):
        case = make_case(cfg, i, args.seed)
        res, cot = run_minigraph(cfg, case)
        cases.append(case)
        results.append(res)
        cots.append(cot)
    tf_results = {} if args.no_tf else run_tf(cfgs, cases, cots)

    failures = 0
    n_tf = n_np = 0
    tf_max = np_max = tf_worst = np_worst = 0.0
    for i, (cfg, case, res, cot) in enumerate(zip(cfgs, cases, results, cots)):
        ref = numpy_reference(cfg, case, cot)
        err_np, worst_np = compare(res, ref)
        n_np += 1
        np_max = max(np_max, err_np)
        np_worst = max(np_worst, worst_np)
        line = "np %.2e" % err_np
        bad = worst_np > 1
        if "%d_y" % i in tf_results:
            tf_ref = {name: tf_results["%d_%s" % (i, name)] for name in FIELDS}
            err_tf, worst_tf = compare(res, tf_ref)
            n_tf += 1
            tf_max = max(tf_max, err_tf)
            tf_worst = max(tf_worst, worst_tf)
            line = "tf %.2e  " % err_tf + line
            bad = bad or worst_tf > 1
        else:
            line = "tf   --      " + line
        if bad:
            failures += 1
        print("%-4s %3d  %s  x%s  %s" % ("FAIL" if bad else "ok", i, line,
                                        list(case["x"].shape), cfg))
    print()
    print("compared %d configurations with TF's tf.compat.v1.layers.SeparableConv2D "
          "(outputs + gradients w.r.t. input, depthwise_kernel, pointwise_kernel, bias): "
          "max abs error %.3g, max error / tolerance %.3f" % (n_tf, tf_max, tf_worst))
    print("compared %d configurations with the float64 NumPy reference: max abs error %.3g, "
          "max error / tolerance %.3f" % (n_np, np_max, np_worst))
    print("tolerance rtol=%g atol=%g: %s" % (RTOL, ATOL,
                                              "all passed" if not failures
                                              else "%d FAILED" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
