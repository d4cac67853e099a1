"""Explicit SIMD vectors in numba kernels: one 64-byte register of float32 or float64.

numba's loop vectoriser only vectorises a loop over channels when it can prove (or
check at run time) that the arrays do not overlap, and it keeps nothing in registers
across iterations of an outer loop. A depthwise convolution wants the opposite: each
tap's weights for 16 channels held in a register while the kernel walks along a row,
four output pixels at a time, so each loaded input vector feeds up to three taps. The
auto-vectorised kernels ran at ~20 cycles per 16 outputs of a 3x3 depthwise
convolution; written with these vectors, 4.7 cycles when the data is in L1 (measured on
a Zen 5 core).

`Vec` is a numba type whose value is an LLVM vector `<16 x float>` / `<8 x double>`
(held in a register, like any scalar local). The intrinsics load and store it at an
element index of a contiguous array, broadcast one element to every lane, multiply-add
three vectors in one rounding (`llvm.fma`, the same rounding as the scalar kernels'
FMA), add two, apply Relu or Relu6, and make a zero vector.
On CPUs without 512-bit registers LLVM splits each operation into narrower ones.

These are compile-time constructs: kernels using them cannot run under
NUMBA_DISABLE_JIT, so their callers check `available()` and otherwise take the scalar
kernels.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from minigraph.ops.kernels._jit import jit

VECTOR_BYTES = 64


class Vec(types.Type):
    """A SIMD vector of `VECTOR_BYTES` bytes of `dtype` (float32 or float64)."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.lanes = VECTOR_BYTES // (dtype.bitwidth // 8)
        super().__init__(name="vec%d_%s" % (self.lanes, dtype))


def _llvm_type(vec):
    scalar = ir.FloatType() if vec.dtype == types.float32 else ir.DoubleType()
    return ir.VectorType(scalar, vec.lanes)


@register_model(Vec)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _llvm_type(fe_type))


def _float_array(arr):
    return (isinstance(arr, types.Array) and arr.dtype in (types.float32, types.float64)
            and arr.layout == "C")


def _pointer(context, builder, arr_type, arr, idx, idx_type, vec):
    ary = context.make_array(arr_type)(context, builder, arr)
    i = context.cast(builder, idx, idx_type, types.intp)
    return builder.bitcast(builder.gep(ary.data, [i]), _llvm_type(vec).as_pointer())


@intrinsic
def vload(typingctx, arr, idx):
    """The vector of arr[idx : idx + lanes] (arr C-contiguous, 1-D; no bounds check)."""
    if not _float_array(arr) or not isinstance(idx, types.Integer):
        return None
    vec = Vec(arr.dtype)

    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1], vec)
        return builder.load(ptr, align=arr.dtype.bitwidth // 8)
    return vec(arr, idx), codegen


@intrinsic
def vstore(typingctx, arr, idx, value):
    """arr[idx : idx + lanes] = value."""
    if not _float_array(arr) or not isinstance(value, Vec) or value.dtype != arr.dtype:
        return None

    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1], value)
        builder.store(args[2], ptr, align=arr.dtype.bitwidth // 8)
        return context.get_dummy_value()
    return types.none(arr, idx, value), codegen


@intrinsic
def vfma(typingctx, a, b, c):
    """a * b + c, rounded once per lane."""
    if not (isinstance(a, Vec) and a == b == c):
        return None

    def codegen(context, builder, sig, args):
        vt = _llvm_type(a)
        name = "llvm.fma.v%d%s" % (a.lanes, "f32" if a.dtype == types.float32 else "f64")
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vt, [vt] * 3), name)
        return builder.call(fn, args)
    return a(a, b, c), codegen


@intrinsic
def vstore_stream(typingctx, arr, idx, value):
    """arr[idx : idx + lanes] = value with a non-temporal store: straight to memory, not
    read into the cache first. arr + idx must be 64-byte aligned; call `sfence` after
    the last one, before another thread reads the data."""
    if not _float_array(arr) or not isinstance(value, Vec) or value.dtype != arr.dtype:
        return None

    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1], value)
        inst = builder.store(args[2], ptr, align=VECTOR_BYTES)
        inst.set_metadata("nontemporal", builder.module.add_metadata(
            [ir.Constant(ir.IntType(32), 1)]))
        return context.get_dummy_value()
    return types.none(arr, idx, value), codegen


@intrinsic
def sfence(typingctx):
    """Orders the non-temporal stores before it before every later store."""
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                            "llvm.x86.sse.sfence")
        builder.call(fn, [])
        return context.get_dummy_value()
    return types.none(), codegen


@intrinsic
def vadd(typingctx, a, b):
    """a + b, lane by lane."""
    if not (isinstance(a, Vec) and a == b):
        return None

    def codegen(context, builder, sig, args):
        return builder.fadd(args[0], args[1])
    return a(a, b), codegen


@intrinsic
def vzero(typingctx, arr):
    """A vector of zeros with the dtype of array `arr`."""
    if not _float_array(arr):
        return None
    vec = Vec(arr.dtype)

    def codegen(context, builder, sig, args):
        return ir.Constant(_llvm_type(vec), None)
    return vec(arr), codegen


@intrinsic
def vbroadcast(typingctx, arr, idx):
    """The vector with arr[idx] in every lane (one broadcast load)."""
    if not _float_array(arr) or not isinstance(idx, types.Integer):
        return None
    vec = Vec(arr.dtype)

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        value = builder.load(builder.gep(ary.data, [i]))
        vt = _llvm_type(vec)
        undef = ir.Constant(vt, ir.Undefined)
        one = builder.insert_element(undef, value, ir.Constant(ir.IntType(32), 0))
        mask = ir.Constant(ir.VectorType(ir.IntType(32), vec.lanes), [0] * vec.lanes)
        return builder.shuffle_vector(one, undef, mask)
    return vec(arr, idx), codegen


def _splat(vec, value):
    return ir.Constant(_llvm_type(vec), [ir.Constant(_llvm_type(vec).element, value)] * vec.lanes)


@intrinsic
def vrelu(typingctx, a):
    """Lane by lane: 0 where a <= 0 (-0 too), else a (NaN stays NaN): the fused
    epilogues' Relu."""
    if not isinstance(a, Vec):
        return None

    def codegen(context, builder, sig, args):
        zero = _splat(a, 0.0)
        return builder.select(builder.fcmp_ordered("<=", args[0], zero), zero, args[0])
    return a(a), codegen


@intrinsic
def vrelu6(typingctx, a):
    """Lane by lane: 0 where a < 0, 6 where a > 6, else a (-0 and NaN unchanged): the
    fused epilogues' Relu6."""
    if not isinstance(a, Vec):
        return None

    def codegen(context, builder, sig, args):
        zero, six = _splat(a, 0.0), _splat(a, 6.0)
        v = builder.select(builder.fcmp_ordered(">", args[0], six), six, args[0])
        return builder.select(builder.fcmp_ordered("<", args[0], zero), zero, v)
    return a(a), codegen


@intrinsic
def prefetch(typingctx, arr, idx):
    """Ask for the cache line holding arr[idx] to be brought into the caches (a hint:
    never faults, never waits)."""
    if not _float_array(arr) or not isinstance(idx, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        i8p = ir.IntType(8).as_pointer()
        ptr = builder.bitcast(builder.gep(ary.data, [i]), i8p)
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # read, high locality, data cache
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.none(arr, idx), codegen


def lanes(dtype):
    """Elements of `dtype` in one vector."""
    return VECTOR_BYTES // dtype.itemsize


def available():
    """False when numba runs kernels as plain Python (NUMBA_DISABLE_JIT)."""
    return not numba.config.DISABLE_JIT


@jit
def aligned_zeros(rows, cols, like):
    """A zeroed [rows, cols] array of like's dtype that starts at a `VECTOR_BYTES`
    boundary, for compiled kernels' scratch: numba's own arrays start at 32 bytes, so half
    of the time every vector load from them straddles two cache lines (the 3x3 depthwise
    row kernel took 4.97 ns per output vector from such rows, 3.54 from aligned ones).
    Its rows are aligned too when cols * itemsize is a multiple of `VECTOR_BYTES`."""
    lanes = VECTOR_BYTES // like.itemsize
    raw = np.zeros(rows * cols + lanes, dtype=like.dtype)
    off = (-(raw.ctypes.data % VECTOR_BYTES) % VECTOR_BYTES) // like.itemsize
    return raw[off:off + rows * cols].reshape(rows, cols)
