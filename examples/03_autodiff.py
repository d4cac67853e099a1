"""03 - Autodiff: `tf.gradients` builds new graph ops; nothing is differentiated numerically.

What this shows:
  1. `tf.gradients(y, x)` returns a symbolic tensor; the ops it adds live under the
     `gradients/` name scope, one `<op>_grad` scope per forward op it passes through.
  2. Those ops run in a session like any other, and match central differences.
  3. Gradients of gradients work, because gradients are ordinary graph ops.
  4. An x that y does not depend on gets None; `stop_gradient` cuts a path.
  5. The forward pass and its gradient ops are drawn (an SVG in --out).

    python examples/03_autodiff.py --out out/03_autodiff
"""
import argparse
import os

import numpy as np

import minigraph as tf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x", type=float, default=0.7, help="the point to differentiate at")
    parser.add_argument("--out", default=os.path.join("out", "03_autodiff"),
                        help="folder for the picture")
    parser.add_argument("--no-picture", action="store_true", help="skip drawing")
    args = parser.parse_args(argv)
    results = {}

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [], name="x")
        y = tf.multiply(tf.square(x, name="x2"), tf.tanh(x, name="t"), name="y")  # x^2 tanh(x)
        n_forward = len(graph.get_operations())
        dy_dx, = tf.gradients(y, x)
        grad_ops = [op.name for op in graph.get_operations()[n_forward:]]
        d2y_dx2, = tf.gradients(dy_dx, x)
        unused = tf.placeholder(tf.float64, [], name="unused")
        _, none_grad = tf.gradients(y, [x, unused])
        blocked, = tf.gradients(tf.stop_gradient(tf.square(x)) * x, x)

    print("1. tf.gradients(y, x) is a tensor:", dy_dx)
    print("   it added %d ops, all under gradients/:" % len(grad_ops))
    for name in grad_ops:
        print("     ", name)
    results["grad_ops"] = grad_ops

    with tf.Session(graph=graph) as sess:
        x0 = args.x
        val, g1, g2, gb = sess.run([y, dy_dx, d2y_dx2, blocked], {x: x0})
        f = lambda v: v * v * np.tanh(v)  # noqa: E731 - the same function in NumPy
        h = 1e-5
        numeric1 = (f(x0 + h) - f(x0 - h)) / (2 * h)
        numeric2 = (f(x0 + h) - 2 * f(x0) + f(x0 - h)) / (h * h)
        print("\n2. At x = %g: y = %.6f, dy/dx = %.6f (central difference %.6f)"
              % (x0, val, g1, numeric1))
        print("3. d2y/dx2 = %.6f (second difference %.4f), from %s"
              % (g2, numeric2, d2y_dx2.name))
        results.update(dy_dx=float(g1), numeric_dy_dx=numeric1, d2y_dx2=float(g2),
                       numeric_d2y_dx2=numeric2, blocked=float(gb))
        with sess.as_default():
            err = tf.test.compute_gradient_error(x, [], y, [], x_init_value=np.array(x0))
        print("   tf.test.compute_gradient_error (symbolic vs numeric Jacobian): %.2e" % err)
        results["gradient_error"] = err

    print("\n4. gradients(y, [x, unused]) -> [tensor, %r]" % (none_grad,))
    print("   d/dx [stop_gradient(x^2) * x] = x^2 = %.6f (the x^2 factor is a constant)" % gb)
    results["none_grad"] = none_grad

    if not args.no_picture:
        os.makedirs(args.out, exist_ok=True)
        path = tf.viz.render(dy_dx, os.path.join(args.out, "gradient.svg"), gradients="show",
                             feeds=[x])
        print("\n5. The forward ops and the gradient ops (purple) that compute dy/dx:", path)
        results["picture"] = path
    return results


if __name__ == "__main__":
    main()
