"""Numba CPU kernels for convolution and pooling: plain functions on NumPy arrays.

Nothing here knows about graphs or ops. Importing this package does not import numba;
the op that needs a kernel imports its module (`depthwise`, `conv`, `pool`, ...) on
first use, and numba compiles (or loads from its on-disk cache) each kernel lazily.

Conventions shared by every kernel module:
- arrays are C-contiguous float32 or float64, laid out NHWC (channels last, so the inner
  loops run over contiguous channels and vectorise); NCHW callers go through
  `layout.to_nhwc` / `layout.from_nhwc`;
- geometry (output sizes, TF's SAME/VALID padding split) comes from `geometry`, which
  the graph side uses too, so shape inference and kernels can never disagree;
- integer arguments are plain Python ints, so each kernel compiles one specialization
  per float dtype;
- large outputs come from `_alloc.empty` (recycled buffers, no page faults), matrix
  products go through `_blas` (our threads, AVX-512 OpenBLAS where NumPy's is not), and
  every numba option lives in `_jit`.
"""
