"""Train a separable-convolution network on scikit-learn's 8x8 digits, TF1 style.

The whole script is TF1 graph-mode code run by minigraph (`import minigraph as tf`):
  - the 1,797 8x8 digit images bundled with scikit-learn (no download), split into a
    training set and a held-out test set with a fixed seed;
  - a graph: two `tf.layers.separable_conv2d` blocks with batch normalization and ReLU,
    max pooling, dropout and a dense softmax head; batch norm's moving averages are
    updated through the UPDATE_OPS collection, as TF1 requires;
  - Adam, one tqdm progress bar per epoch showing loss and accuracy;
  - a `tf.train.Saver` checkpoint, a picture of the graph (SVG, by mg.viz), a plot of
    the training curves (PNG), all in the output folder;
  - the checkpoint restored into a fresh graph and session, giving the same accuracy.

    python examples/train_digits.py                       # writes into out/digits/
    python examples/train_digits.py --epochs 3 --out /tmp/digits --seed 1
"""
import argparse
import os
import time

import numpy as np

import minigraph as tf

IMAGE_SIZE, CLASSES = 8, 10


def load_data(seed, test_fraction=0.2):
    """The digits as float32 images [n, 8, 8, 1] in [0, 1] and int32 labels, split in two."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
    labels = digits.target.astype(np.int32)
    return train_test_split(images, labels, test_size=test_fraction, random_state=seed,
                            stratify=labels)


def build_model(seed):
    """The graph, in the default graph; returns the tensors and ops a run needs."""
    tf.set_random_seed(seed)
    images = tf.placeholder(tf.float32, [None, IMAGE_SIZE, IMAGE_SIZE, 1], name="images")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    # Batch norm and dropout behave differently in training; evaluation leaves it False.
    training = tf.placeholder_with_default(False, [], name="training")
    # Fed once per epoch by the training loop (a cosine schedule); TF1 style, no decay op.
    learning_rate = tf.placeholder_with_default(0.01, [], name="learning_rate")

    h = images
    for i, filters in enumerate((32, 64), start=1):
        # The first block's depth multiplier gives the lone input channel 8 spatial filters.
        h = tf.layers.separable_conv2d(h, filters, 3, padding="same",
                                       depth_multiplier=8 if i == 1 else 1,
                                       use_bias=False, name="sep%d" % i)
        h = tf.layers.batch_normalization(h, momentum=0.9, training=training, name="bn%d" % i)
        h = tf.nn.relu(h, name="relu%d" % i)
    h = tf.layers.max_pooling2d(h, 2, 2, name="pool")                  # [?, 4, 4, 64]
    h = tf.layers.flatten(h, name="flatten")
    h = tf.layers.dropout(h, rate=0.3, training=training, name="dropout")
    logits = tf.layers.dense(h, CLASSES, name="logits")

    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    predictions = tf.argmax(logits, axis=1, output_type=tf.int32, name="predictions")
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, labels), tf.float32),
                              name="accuracy")
    global_step = tf.train.get_or_create_global_step()
    # Moving means/variances of batch norm update only if the train op depends on them.
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss, global_step=global_step)
    return {"images": images, "labels": labels, "training": training,
            "learning_rate": learning_rate, "logits": logits,
            "loss": loss, "accuracy": accuracy, "train_op": train_op}


def evaluate(sess, model, images, labels):
    return float(sess.run(model["accuracy"], {model["images"]: images,
                                              model["labels"]: labels}))


def cosine_schedule(epoch, epochs, base=0.01):
    """The learning rate of epoch 1..epochs: from `base` down towards 0 along a cosine."""
    return base * 0.5 * (1.0 + np.cos(np.pi * (epoch - 1) / epochs))


def train(sess, model, data, epochs, batch_size, seed, progress=True):
    """Run the training loop; returns the per-epoch history."""
    from tqdm import tqdm

    x_train, x_test, y_train, y_test = data
    rng = np.random.RandomState(seed)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    n_batches = -(-len(x_train) // batch_size)
    fetches = [model["train_op"], model["loss"], model["accuracy"]]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        seen = total_loss = total_correct = 0.0
        rate = cosine_schedule(epoch, epochs)
        with tqdm(total=n_batches, desc="epoch %d/%d" % (epoch, epochs), unit="batch",
                  disable=not progress) as bar:
            for b in range(n_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                _, loss, acc = sess.run(fetches, {model["images"]: x_train[idx],
                                                  model["labels"]: y_train[idx],
                                                  model["training"]: True,
                                                  model["learning_rate"]: rate})
                seen += len(idx)
                total_loss += loss * len(idx)
                total_correct += acc * len(idx)
                bar.set_postfix(loss="%.4f" % (total_loss / seen),
                                acc="%.3f" % (total_correct / seen), refresh=False)
                bar.update(1)
            history["loss"].append(total_loss / seen)
            history["train_acc"].append(total_correct / seen)
            history["test_acc"].append(evaluate(sess, model, x_test, y_test))
            bar.set_postfix(loss="%.4f" % history["loss"][-1],
                            acc="%.3f" % history["train_acc"][-1],
                            test_acc="%.3f" % history["test_acc"][-1])
    return history


def plot_history(history, path):
    """Training loss (with the learning rate) and train/test accuracy per epoch, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax_loss.plot(epochs, history["loss"], "o-", color="#3b6fb6", label="training loss")
    ax_loss.set(title="Training loss (cross-entropy, log scale)", xlabel="epoch", ylabel="loss")
    ax_loss.set_yscale("log")
    ax_rate = ax_loss.twinx()
    ax_rate.plot(epochs, [cosine_schedule(e, len(epochs)) for e in epochs], "--",
                 color="#999999", label="learning rate")
    ax_rate.set_ylabel("learning rate (cosine schedule)", color="#777777")
    ax_rate.set_ylim(0, None)
    lines = ax_loss.get_lines() + ax_rate.get_lines()
    ax_loss.legend(lines, [ln.get_label() for ln in lines], loc="upper right")

    train_acc = 100 * np.array(history["train_acc"])
    test_acc = 100 * np.array(history["test_acc"])
    ax_acc.plot(epochs, train_acc, "o-", color="#3b6fb6",
                label="training batches (dropout on)")
    ax_acc.plot(epochs, test_acc, "s-", color="#d9822b", label="held-out test set")
    ax_acc.annotate("%.1f%%" % test_acc[-1], (epochs[-1], test_acc[-1]),
                    textcoords="offset points", xytext=(-10, -16), ha="center",
                    color="#d9822b")
    ax_acc.set(title="Accuracy", xlabel="epoch", ylabel="accuracy (%)")
    ax_acc.set_ylim(max(0.0, min(train_acc.min(), test_acc.min()) - 3), 100.5)
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.set_xticks(epochs)
    fig.suptitle("minigraph: separable-conv network on scikit-learn's 8x8 digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", default=os.path.join("out", "digits"),
                        help="output folder for the checkpoint and pictures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)

    data = load_data(args.seed)
    x_train, x_test, y_train, y_test = data
    print("Digits: %d training and %d held-out test images of 8x8 pixels, 10 classes."
          % (len(x_train), len(x_test)))

    graph = tf.Graph()
    with graph.as_default():
        model = build_model(args.seed)
        saver = tf.train.Saver()
        init = tf.global_variables_initializer()
    params = sum(int(np.prod(v.shape.as_list())) for v in graph.get_collection(
        tf.GraphKeys.TRAINABLE_VARIABLES))
    print("Graph: %d ops, %d trainable parameters; training for %d epochs of batch %d."
          % (len(graph.get_operations()), params, args.epochs, args.batch_size))

    with tf.Session(graph=graph) as sess:
        sess.run(init)
        history = train(sess, model, data, args.epochs, args.batch_size, args.seed,
                        progress=not args.no_progress)
        test_accuracy = evaluate(sess, model, x_test, y_test)
        checkpoint = saver.save(sess, os.path.join(args.out, "model.ckpt"),
                                global_step=tf.train.get_global_step(graph))
    train_seconds = time.perf_counter() - start
    print("Final test accuracy: %.2f%% (%d of %d images), after %.1f s."
          % (100 * test_accuracy, round(test_accuracy * len(x_test)), len(x_test),
             train_seconds))
    print("Checkpoint:", checkpoint)

    # The ops a session runs for the loss, one box per layer (collapse_depth=0) with its
    # op and parameter counts, tensor shapes on the arrows; `minigraph draw` on the
    # checkpoint's .meta file opens the boxes (--collapse-depth 1).
    graph_picture = tf.viz.render(model["loss"], os.path.join(args.out, "graph.svg"),
                                  collapse_depth=0, gradients="hide", name="digits")
    print("Graph picture:", graph_picture)
    print("  (layers opened up: python -m minigraph draw %s.meta --fetch %s --collapse-depth 1 "
          "-o %s)" % (checkpoint, model["loss"].op.name,
                      os.path.join(args.out, "graph_detail.svg")))
    curves = plot_history(history, os.path.join(args.out, "training_curves.png"))
    print("Training curves:", curves)

    # Restore into a brand-new graph and session: same code, the checkpoint's values.
    fresh = tf.Graph()
    with fresh.as_default():
        restored_model = build_model(args.seed)
        restorer = tf.train.Saver()
        with tf.Session(graph=fresh) as sess:
            restorer.restore(sess, tf.train.latest_checkpoint(args.out))
            restored_accuracy = evaluate(sess, restored_model, x_test, y_test)
    same = "identical" if restored_accuracy == test_accuracy else "DIFFERENT"
    print("Restored into a fresh graph and session: test accuracy %.2f%% (%s)."
          % (100 * restored_accuracy, same))
    total_seconds = time.perf_counter() - start
    print("Done in %.1f s." % total_seconds)
    return {"test_accuracy": test_accuracy, "restored_accuracy": restored_accuracy,
            "history": history, "checkpoint": checkpoint, "graph_picture": graph_picture,
            "curves": curves, "seconds": total_seconds, "train_seconds": train_seconds,
            "params": params}


if __name__ == "__main__":
    main()
