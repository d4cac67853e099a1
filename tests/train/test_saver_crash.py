"""A process killed (SIGKILL) in the middle of `Saver.save` never loses the previous checkpoint.

A child process saves a large variable over and over (each save fills it with the step
number, both to a fixed prefix that is overwritten and to numbered checkpoints), printing
each finished step. The parent kills it, then checks that the newest recorded checkpoint
and the overwritten prefix both restore, each to one complete, uniform step.
"""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import minigraph as mg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIZE = 1 << 21  # 8 MB of float32: a save takes long enough to be killed inside it

CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import minigraph as mg
    from minigraph.train import checkpoint_io

    directory, mode = sys.argv[1], sys.argv[2]
    if mode == "stall":
        # Stop inside the data file write, after part of it is on disk, and wait to be killed.
        real_savez = np.savez
        def stalling_savez(f, **arrays):
            if stalling_savez.armed:
                f.write(b"PK partial data")
                f.flush()
                print("STALLED", flush=True)
                time.sleep(60)
            real_savez(f, **arrays)
        stalling_savez.armed = False
        np.savez = stalling_savez
    v = mg.get_variable("big", [%(size)d], initializer=mg.zeros_initializer())
    step = mg.placeholder(mg.float32, [])
    fill = v.assign(mg.fill([%(size)d], step))
    saver = mg.train.Saver(max_to_keep=2)
    with mg.Session() as sess:
        for k in range(1, 1000):
            sess.run(fill, {step: float(k)})
            if mode == "stall" and k == 3:
                stalling_savez.armed = True
            saver.save(sess, directory + "/fixed", write_meta_graph=False, write_state=False)
            saver.save(sess, directory + "/model", global_step=k, write_meta_graph=False)
            print("SAVED", k, flush=True)
""" % {"size": SIZE})


def _start(directory, mode):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", CHILD, directory, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for(proc, marker):
    """Read the child's lines until one starts with `marker`; returns the last SAVED step."""
    last = 0
    for line in proc.stdout:
        if line.startswith("SAVED"):
            last = int(line.split()[1])
        if line.startswith(marker):
            return last
    proc.wait()
    pytest.fail("child exited (%s) before %s: %s" % (proc.returncode, marker, proc.stderr.read()))


def _restored_step(prefix):
    """The uniform value a fresh graph restores from `prefix` (asserting it is uniform)."""
    g = mg.Graph()
    with g.as_default():
        v = mg.get_variable("big", [SIZE])
        with mg.Session() as sess:
            mg.train.Saver().restore(sess, prefix)
            value = sess.run(v)
    assert value.min() == value.max(), "checkpoint %s mixes two saves" % prefix
    return int(value[0])


def _check_after_kill(directory, last_reported):
    latest = mg.train.latest_checkpoint(directory)
    assert latest is not None
    step = _restored_step(latest)
    # The state file is written last, so it may lag one save behind the files, never ahead.
    assert latest == os.path.join(directory, "model-%d" % step)
    assert step >= last_reported
    assert _restored_step(os.path.join(directory, "fixed")) >= last_reported
    return step


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigkill_at_a_random_moment_keeps_the_previous_checkpoint(tmp_path, seed):
    proc = _start(str(tmp_path), "run")
    try:
        first = _wait_for(proc, "SAVED 2")
        assert first == 2
        # Unread output stays in the pipe buffer: the child prints a few bytes per save.
        time.sleep(random.Random(seed).uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    _check_after_kill(str(tmp_path), 2)


def test_sigkill_inside_the_data_file_write(tmp_path):
    proc = _start(str(tmp_path), "stall")
    try:
        last = _wait_for(proc, "STALLED")
        assert last == 2
        leftovers = [f for f in os.listdir(tmp_path) if ".tmp-" in f]
        assert leftovers, "the child should be in the middle of writing a temporary file"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _check_after_kill(str(tmp_path), 2) == 2
    assert _restored_step(str(tmp_path / "fixed")) == 2
    # The half-written temporary file is ignored, and the next save still works.
    with mg.Session() as sess:
        v = mg.get_variable("big", [SIZE])
        saver = mg.train.Saver()
        saver.restore(sess, mg.train.latest_checkpoint(str(tmp_path)))
        saver.save(sess, str(tmp_path / "fixed"))
        np.testing.assert_array_equal(mg.train.load_variable(str(tmp_path / "fixed"), "big")[:3],
                                      [2, 2, 2])
