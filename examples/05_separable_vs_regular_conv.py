"""05 - Separable vs regular convolution: the same output shape for far fewer weights and FLOPs.

A regular KxK convolution mixes space and channels in one step: every output channel
has a KxK filter over every input channel. A depthwise-separable convolution factors
that into two steps:
  depthwise: one KxK filter per input channel (no channel mixing),
  pointwise: a 1x1 convolution that mixes the channels.

What this shows:
  1. Parameter counts from `count_params()` against the formulas
       regular:   K*K*C_in*C_out + C_out
       separable: K*K*C_in*M + C_in*M*C_out + C_out     (M = depth_multiplier)
  2. Multiply-adds per image (H*W positions, SAME padding, stride 1) and their ratio,
     about 1/C_out + 1/K^2.
  3. The separable layer *is* depthwise_conv2d followed by a 1x1 conv2d (checked
     numerically on the layer's own weights).
  4. Measured forward (and forward+backward to the weights) time of both layers.

    python examples/05_separable_vs_regular_conv.py --size 32 --channels 32 --filters 64
"""
import argparse
import time

import numpy as np

import minigraph as tf


def _best_time(sess, fetch, feed, repeats):
    sess.run(fetch, feed)  # compile the plan (and the numba kernels) once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sess.run(fetch, feed)
        times.append(time.perf_counter() - start)
    # The fastest run is the least disturbed by other processes on a shared machine.
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=32, help="image height and width")
    parser.add_argument("--channels", type=int, default=32, help="input channels C_in")
    parser.add_argument("--filters", type=int, default=64, help="output channels C_out")
    parser.add_argument("--kernel", type=int, default=3, help="kernel size K")
    parser.add_argument("--depth-multiplier", type=int, default=1, help="M")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (the fastest counts)")
    args = parser.parse_args(argv)
    n, s, c, f, k, m = (args.batch, args.size, args.channels, args.filters, args.kernel,
                        args.depth_multiplier)
    results = {}

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, s, s, c], name="x")
        regular = tf.layers.Conv2D(f, k, padding="same", name="regular")
        separable = tf.layers.SeparableConv2D(f, k, padding="same", depth_multiplier=m,
                                              name="separable")
        y_reg, y_sep = regular(x), separable(x)
        # The same computation spelled out with the two nn ops the layer is made of.
        depthwise = tf.nn.depthwise_conv2d(x, separable.depthwise_kernel, [1, 1, 1, 1], "SAME")
        by_hand = tf.nn.bias_add(tf.nn.conv2d(depthwise, separable.pointwise_kernel,
                                              [1, 1, 1, 1], "VALID"), separable.bias)
        loss_reg, loss_sep = tf.reduce_sum(tf.square(y_reg)), tf.reduce_sum(tf.square(y_sep))
        grads_reg = tf.gradients(loss_reg, regular.trainable_weights)
        grads_sep = tf.gradients(loss_sep, separable.trainable_weights)
        init = tf.global_variables_initializer()

    print("Input [%d, %d, %d, %d], %dx%d kernels, %d filters, depth multiplier %d"
          % (n, s, s, c, k, k, f, m))
    print("Both outputs have shape", y_reg.shape, "and", y_sep.shape)
    params = {"regular": regular.count_params(), "separable": separable.count_params()}
    formula = {"regular": k * k * c * f + f, "separable": k * k * c * m + c * m * f + f}
    macs = {"regular": s * s * k * k * c * f, "separable": s * s * (k * k * c * m + c * m * f)}
    results.update(params=params, formula_params=formula, macs=macs)

    print("\n1-2. %-10s %12s %18s" % ("", "parameters", "multiply-adds/img"))
    for name in ("regular", "separable"):
        print("     %-10s %12s %18s" % (name, "{:,}".format(params[name]),
                                         "{:,}".format(macs[name])))
    ratio = macs["separable"] / macs["regular"]
    results["mac_ratio"] = ratio
    print("     separable/regular multiply-adds = %.3f (1/C_out + 1/K^2 = %.3f for M=1)"
          % (ratio, 1.0 / f + 1.0 / (k * k)))

    feed = {x: np.random.RandomState(0).standard_normal((n, s, s, c)).astype(np.float32)}
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        sep_value, hand_value = sess.run([y_sep, by_hand], feed)
        results["max_abs_diff"] = float(np.max(np.abs(sep_value - hand_value)))
        print("\n3. separable layer vs depthwise_conv2d + 1x1 conv2d: max |difference| = %.2e"
              % results["max_abs_diff"])

        timing = {}
        for name, fwd, bwd in (("regular", y_reg, grads_reg), ("separable", y_sep, grads_sep)):
            timing[name] = (_best_time(sess, fwd, feed, args.repeats),
                            _best_time(sess, bwd, feed, args.repeats))
        results["timing"] = timing
        print("\n4. Best time of %d runs (batch %d):" % (args.repeats, n))
        print("     %-10s %12s %20s" % ("", "forward", "forward+backward"))
        for name, (fwd_t, bwd_t) in timing.items():
            print("     %-10s %10.2f ms %18.2f ms" % (name, fwd_t * 1e3, bwd_t * 1e3))
        print("     (small layers are dominated by per-op overhead, so the measured speed-up"
              "\n      is smaller than the multiply-add ratio suggests)")
    return results


if __name__ == "__main__":
    main()
