"""Dev script (not collected by pytest): minigraph's Dense, Flatten, pooling and
BatchNormalization layers vs TensorFlow's TF1 layers on the same weights.

Run from the repository root with minigraph's interpreter:

    .venv/bin/python tests/reference/compare_tf_layers.py [--seed N] [-v]

Each case is one TF1 program, written once in `run_case` against the `tf.compat.v1`
API, which minigraph copies: it builds the layer with constant initializers holding
random weights, calls it on a placeholder, and fetches the output, the gradients of
`sum(y * R)` (R random) with respect to the input and every trainable weight, and, for
BatchNormalization in training, the moving mean and variance after running the ops in
`UPDATE_OPS` once. The same function runs with `minigraph` here and with
`tf.compat.v1` (TF 2.x with tf-keras, `TF_USE_LEGACY_KERAS=1`) in the reference
virtualenv (`/work/refvenv`, override with MG_REF_PYTHON) as a subprocess
(`--tf-side`); minigraph never imports TensorFlow. TF's CPU kernels have no NCHW
pooling, so channels_first pooling runs TF's layer in channels_last on the transposed
input. It also compares the output tensor names and the variable names.

Dropout is not compared: its random mask depends on each framework's generator.

Tolerance: float32, |mg - tf| <= 1e-5 + 1e-5 * |tf| elementwise (rtol = atol = 1e-5).
Exits 1 if any comparison fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

RTOL = ATOL = 1e-5
REF_PYTHON = os.environ.get("MG_REF_PYTHON", "/work/refvenv/bin/python")
ARRAYS = ("x", "cot")


# -- the cases ---------------------------------------------------------------------------------
def case_specs():
    """(kind, layer kwargs, call kwargs, input shape, {initializer argument: weight shape})."""
    specs = []
    for shape, units, act, bias in [((4, 5), 3, None, True), ((2, 3, 5), 4, "relu", True),
                                    ((2, 3, 4, 5), 2, "tanh", True), ((3, 6), 2, None, False),
                                    ((1, 7), 1, "tanh", True)]:
        inits = {"kernel_initializer": (shape[-1], units)}
        if bias:
            inits["bias_initializer"] = (units,)
        specs.append(("dense", dict(units=units, activation=act, use_bias=bias), {}, shape,
                      inits))
    for fmt in ("channels_last", "channels_first"):
        specs.append(("flatten", dict(data_format=fmt), {}, (2, 3, 4, 5), {}))
    specs.append(("flatten", {}, {}, (3, 7), {}))
    for kind in ("max_pool", "avg_pool"):
        for pool, strides, padding in [(2, 2, "valid"), ((2, 3), (1, 2), "valid"),
                                       (3, 2, "same"), ((3, 2), 1, "SAME"), (2, (2, 1), "same")]:
            for fmt in ("channels_last", "channels_first"):
                shape = (2, 3, 7, 6) if fmt == "channels_first" else (2, 7, 6, 3)
                specs.append((kind, dict(pool_size=pool, strides=strides, padding=padding,
                                         data_format=fmt), {}, shape, {}))
    bn_inits = lambda c: {"gamma_initializer": c, "beta_initializer": c}  # noqa: E731
    for shape, kwargs, training in [
            ((6, 3, 4, 5), {}, True),                       # fused NHWC
            ((6, 3, 4, 5), dict(axis=1), True),             # fused NCHW
            ((6, 3, 4, 5), dict(fused=False), True),        # composed, 4-D
            ((6, 3, 4, 5), dict(axis=2), True),             # composed, broadcast
            ((6, 3, 4, 5), dict(axis=[1, 3]), True),        # composed, two axes
            ((8, 5), dict(momentum=0.5, epsilon=0.01), True),
            ((4, 3, 5), dict(axis=1), True),
            ((6, 3, 4, 5), dict(center=False, scale=False), True),
            ((6, 3, 4, 5), {}, False),                      # inference: moving statistics
            ((6, 3, 4, 5), dict(axis=1), False),
            ((8, 5), {}, False),
            ((6, 3, 4, 5), dict(axis=[1, 3]), False)]:
        axes = kwargs.get("axis", -1)
        axes = [axes] if isinstance(axes, int) else axes
        axes = [a % len(shape) for a in axes]
        pshape = ((shape[axes[0]],) if len(axes) == 1
                  else tuple(d if i in axes else 1 for i, d in enumerate(shape)))
        inits = {} if not kwargs.get("scale", True) else bn_inits(pshape)
        if not training:
            inits.update(moving_mean_initializer=pshape, moving_variance_initializer=pshape)
        specs.append(("batch_norm", kwargs, dict(training=training), shape, inits))
    return specs


def make_cases(seed):
    cases = []
    for i, (kind, kwargs, call, shape, inits) in enumerate(case_specs()):
        r = np.random.RandomState(seed * 100003 + i)
        x = (r.randn(*shape) * 2 + 0.5).astype(np.float32)
        weights = {}
        for name, wshape in inits.items():
            w = r.randn(*wshape).astype(np.float32)
            if name == "moving_variance_initializer":
                w = np.abs(w) + 0.5
            weights[name] = w
        cases.append(dict(kind=kind, kwargs=kwargs, call=call, x=x, weights=weights,
                          cot_seed=seed * 100003 + i + 7))
    return cases


# -- one TF1 program, run by both frameworks ----------------------------------------------------
LAYERS = {"dense": "Dense", "flatten": "Flatten", "max_pool": "MaxPooling2D",
          "avg_pool": "AveragePooling2D", "batch_norm": "BatchNormalization"}


def run_case(api, case, nhwc_pooling_only=False):
    """Build and run the case with `api` (`minigraph` or `tf.compat.v1`); a dict of results."""
    kwargs = dict(case["kwargs"])
    x_val = case["x"]
    transpose = (nhwc_pooling_only and case["kind"] in ("max_pool", "avg_pool")
                 and kwargs.get("data_format") == "channels_first")
    if transpose:
        x_val = x_val.transpose(0, 2, 3, 1)
        kwargs["data_format"] = "channels_last"
    if "activation" in kwargs:
        kwargs["activation"] = {None: None, "relu": api.nn.relu,
                                "tanh": api.tanh}[kwargs["activation"]]
    for name, value in case["weights"].items():
        kwargs[name] = api.constant_initializer(value)
    graph = api.Graph()
    with graph.as_default():
        x = api.placeholder(api.float32, x_val.shape)
        layer = getattr(api.layers, LAYERS[case["kind"]])(**kwargs)
        y = layer(x, **case["call"])
        out_shape = y.shape.as_list()
        if transpose:
            out_shape = [out_shape[i] for i in (0, 3, 1, 2)]
        cot = np.random.RandomState(case["cot_seed"]).randn(*out_shape).astype(np.float32)
        if transpose:
            cot = cot.transpose(0, 2, 3, 1)
        xs = [x] + layer.trainable_weights
        grads = api.gradients(api.reduce_sum(y * api.constant(cot)), xs)
        updates = api.get_collection(api.GraphKeys.UPDATE_OPS)
        names = dict(y=y.name, variables=[v.name for v in api.global_variables()],
                     updates=len(updates))
        with api.Session(graph=graph) as sess:
            sess.run(api.global_variables_initializer())
            values = sess.run([y] + grads, {x: x_val})
            stats = []
            if updates:
                sess.run(updates, {x: x_val})
                stats = sess.run([layer.moving_mean, layer.moving_variance])
    if transpose:
        values[0] = values[0].transpose(0, 3, 1, 2)
        values[1] = values[1].transpose(0, 3, 1, 2)
    fields = ["y", "grad_x"] + ["grad_" + v.name.split("/")[-1].split(":")[0]
                                for v in xs[1:]] + ["moving_mean", "moving_variance"][:len(stats)]
    return dict(zip(fields, [np.asarray(v) for v in values + stats])), names


# -- TensorFlow side (runs in the reference venv) -----------------------------------------------
def save_cases(path, cases):
    meta, arrays = [], {}
    for i, case in enumerate(cases):
        meta.append(dict(kind=case["kind"], kwargs=case["kwargs"], call=case["call"],
                         cot_seed=case["cot_seed"], weights=sorted(case["weights"])))
        arrays["%d/x" % i] = case["x"]
        for name, w in case["weights"].items():
            arrays["%d/%s" % (i, name)] = w
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)


def load_cases(path):
    data = np.load(path)
    cases = []
    for i, m in enumerate(json.loads(str(data["meta"]))):
        cases.append(dict(m, x=data["%d/x" % i],
                          weights={n: data["%d/%s" % (i, n)] for n in m["weights"]}))
    return cases


def tf_side(in_path, out_path):
    import tensorflow as tf
    v1 = tf.compat.v1
    v1.disable_eager_execution()
    arrays, names = {}, []
    for i, case in enumerate(load_cases(in_path)):
        res, case_names = run_case(v1, case, nhwc_pooling_only=True)
        for k, v in res.items():
            arrays["%d/%s" % (i, k)] = v
        names.append(case_names)
    np.savez(out_path, names=np.array(json.dumps(names)), version=np.array(tf.__version__),
             **arrays)


def run_tf(cases):
    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        save_cases(in_path, cases)
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3",
                   CUDA_VISIBLE_DEVICES="-1")
        proc = subprocess.run([REF_PYTHON, os.path.abspath(__file__), "--tf-side", in_path,
                               out_path], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit("TensorFlow side failed (exit %d)" % proc.returncode)
        data = np.load(out_path)
        names = json.loads(str(data["names"]))
        results = [{} for _ in names]
        for key in data.files:
            if key not in ("names", "version"):
                i, field = key.split("/", 1)
                results[int(i)][field] = data[key]
        return results, names, str(data["version"])


# -- comparison ------------------------------------------------------------------------------------
def compare(got, want):
    """(max abs error, max error relative to the tolerance, problem) over all fields."""
    if sorted(got) != sorted(want):
        return float("inf"), float("inf"), "fields %s vs %s" % (sorted(got), sorted(want))
    max_abs, worst = 0.0, 0.0
    for name in want:
        a, b = np.asarray(got[name], np.float64), np.asarray(want[name], np.float64)
        if a.shape != b.shape:
            return float("inf"), float("inf"), "%s shape %s vs %s" % (name, a.shape, b.shape)
        if a.size == 0:
            continue
        err = np.abs(a - b)
        max_abs = max(max_abs, float(err.max()))
        worst = max(worst, float((err / (ATOL + RTOL * np.abs(b))).max()))
    return max_abs, worst, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    parser.add_argument("--tf-side", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tf_side:
        tf_side(*args.tf_side)
        return 0

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    import minigraph as mg
    cases = make_cases(args.seed)
    mg_results = [run_case(mg, case) for case in cases]
    tf_results, tf_names, tf_version = run_tf(cases)

    failures = 0
    summary = {}
    for i, case in enumerate(cases):
        (res, names), want = mg_results[i], tf_results[i]
        max_abs, worst, problem = compare(res, want)
        if names != tf_names[i]:
            problem += " names %s vs TF %s" % (names, tf_names[i])
        bad = worst > 1 or bool(problem)
        failures += bad
        kind = case["kind"]
        n, a, w = summary.get(kind, (0, 0.0, 0.0))
        summary[kind] = (n + 1, max(a, max_abs), max(w, worst))
        if args.verbose or bad:
            print("%-4s %3d  max abs %.2e  err/tol %.3f  %s %s %s x%s %s"
                  % ("FAIL" if bad else "ok", i, max_abs, worst, kind, case["kwargs"],
                     case["call"], list(case["x"].shape), problem))
    print("minigraph vs TF %s tf.compat.v1.layers, same weights (outputs, gradients w.r.t. "
          "input and trainable weights, moving statistics after UPDATE_OPS):" % tf_version)
    for kind, (n, max_abs, worst) in summary.items():
        print("  %-10s %2d cases  max abs error %.3g  max error / tolerance %.3f"
              % (kind, n, max_abs, worst))
    print("tolerance rtol=%g atol=%g: %s" % (RTOL, ATOL, "all passed" if not failures
                                              else "%d FAILED" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
