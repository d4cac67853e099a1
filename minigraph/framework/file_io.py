"""Atomic file writes: readers (and a process killed mid-write) see the old file or the new
one, never half of one. Used by checkpoints and meta graphs."""
import os
import uuid


def _fsync_dir(path):
    # Make the rename itself durable (POSIX only; a no-op where directories can't be opened).
    try:
        fd = os.open(path or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write_fn, binary=True):
    """Create `path` through `write_fn(file)` so that readers see the old file or the new one.

    The content goes to a temporary file next to `path`, is flushed and fsynced, and is then
    renamed over `path`; on any error the temporary file is removed.
    """
    tmp = "%s.tmp-%d-%s" % (path, os.getpid(), uuid.uuid4().hex[:8])
    try:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(os.path.dirname(path))


def atomic_write_string(path, text):
    atomic_write(path, lambda f: f.write(text), binary=False)
