"""pixel_shuffle / pixel_unshuffle: bit-exact parity with PyTorch, layouts, autograd,
opcheck, torch.compile, NumPy inputs and argument errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import srgan_cpp
from srgan_cpp import ops

from helpers import DEVICES
from helpers.op_checks import COMPILE_BACKENDS, check_compiled_block, run_opcheck

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


def _layouts(x: torch.Tensor):
    """The same values as contiguous, channels_last and a non-contiguous view."""
    yield "contiguous", x.contiguous()
    if x.dim() == 4:
        yield "channels_last", x.contiguous(memory_format=torch.channels_last)
    # A strided view: every other element of a tensor twice as wide.
    wide = torch.zeros(*x.shape[:-1], x.shape[-1] * 2, dtype=x.dtype, device=x.device)
    wide[..., ::2] = x
    yield "strided", wide[..., ::2]


SHUFFLE_SHAPES = [((0, 8, 3, 5), 2), ((1, 4, 5, 7), 2), ((2, 9, 4, 3), 3), ((3, 4, 1, 1), 2),
                  ((2, 16, 6, 5), 4), ((5, 3, 3), 1), ((2, 2, 8, 3, 3), 2), ((1, 1, 3, 3), 1),
                  # 4x4-block transposes of the channels_last kernel, with leftover channels
                  ((2, 24, 3, 5), 2), ((1, 80, 3, 2), 4), ((1, 48, 2, 3), 4)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,r", SHUFFLE_SHAPES)
def test_pixel_shuffle_bit_exact(device, dtype, shape, r):
    x = torch.randn(shape, device=device).to(dtype)
    expect = F.pixel_shuffle(x, r)
    for name, xv in _layouts(x):
        out = ops.pixel_shuffle(xv, r)
        assert out.shape == expect.shape, name
        assert torch.equal(out, expect), name


UNSHUFFLE_SHAPES = [((0, 2, 6, 4), 2), ((1, 1, 6, 9), 3), ((2, 3, 8, 8), 4), ((4, 6, 6), 2), ((2, 2, 3, 4, 6), 2),
                    ((2, 6, 6, 10), 2), ((1, 5, 8, 4), 4)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,r", UNSHUFFLE_SHAPES)
def test_pixel_unshuffle_bit_exact(device, dtype, shape, r):
    x = torch.randn(shape, device=device).to(dtype)
    *lead, c, h, w = shape
    if x.numel() == 0:
        # PyTorch returns an empty input unchanged (shape (0, C, H, W)); the op gives the
        # shape the definition implies, (0, C*r*r, H/r, W/r), so shapes stay consistent.
        assert ops.pixel_unshuffle(x, r).shape == (*lead, c * r * r, h // r, w // r)
        return
    expect = F.pixel_unshuffle(x, r)
    for name, xv in _layouts(x):
        assert torch.equal(ops.pixel_unshuffle(xv, r), expect), name


@pytest.mark.parametrize("device", DEVICES)
def test_memory_format_follows_input(device):
    x = torch.randn(2, 8, 4, 4, device=device)
    cl = x.contiguous(memory_format=torch.channels_last)
    assert ops.pixel_shuffle(cl, 2).is_contiguous(memory_format=torch.channels_last)
    assert ops.pixel_unshuffle(cl, 2).is_contiguous(memory_format=torch.channels_last)
    assert ops.pixel_shuffle(x, 2).is_contiguous()
    assert ops.pixel_shuffle(x.transpose(2, 3), 2).is_contiguous()  # strided -> NCHW


@pytest.mark.parametrize("device", DEVICES)
def test_nan_inf_and_negative_zero_are_moved_unchanged(device):
    x = torch.tensor([float("nan"), float("inf"), -0.0, -float("inf")], device=device).view(1, 4, 1, 1)
    out = ops.pixel_shuffle(x, 2)
    ref = F.pixel_shuffle(x, 2)
    assert torch.equal(out.isnan(), ref.isnan())
    assert torch.equal(torch.signbit(out), torch.signbit(ref))


@pytest.mark.parametrize("device", DEVICES)
def test_round_trip_and_backward(device):
    x = torch.randn(2, 12, 5, 3, device=device, dtype=torch.float64, requires_grad=True)
    y = ops.pixel_shuffle(x, 2)
    assert torch.equal(ops.pixel_unshuffle(y, 2), x)
    g = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, x, g)
    assert torch.equal(gx, F.pixel_unshuffle(g, 2))


def test_gradcheck_and_gradgradcheck():
    x = torch.randn(2, 8, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: ops.pixel_shuffle(t, 2), (x,))
    assert torch.autograd.gradgradcheck(lambda t: ops.pixel_shuffle(t, 2), (x,))
    z = torch.randn(2, 2, 4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: ops.pixel_unshuffle(t, 2), (z,))
    assert torch.autograd.gradgradcheck(lambda t: ops.pixel_unshuffle(t, 2), (z,))
    cl = torch.randn(1, 9, 2, 3, dtype=torch.float64).contiguous(memory_format=torch.channels_last).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: ops.pixel_shuffle(t, 3), (cl,))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    shuffle, unshuffle = torch.ops.srgan_cpp.pixel_shuffle.default, torch.ops.srgan_cpp.pixel_unshuffle.default
    run_opcheck([
        (shuffle, (torch.randn(2, 8, 3, 5, device=device), 2)),
        (shuffle, (torch.randn(2, 8, 3, 5, device=device, requires_grad=True), 2)),
        (shuffle, (torch.randn(1, 9, 4, 4, device=device).contiguous(memory_format=torch.channels_last), 3)),
        (shuffle, (torch.randn(9, 2, 2, device=device), 3)),
        (unshuffle, (torch.randn(2, 3, 4, 6, device=device, requires_grad=True), 2)),
    ])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", COMPILE_BACKENDS[:1])  # inductor: test_torch_compile_inductor_dynamic
def test_torch_compile_fullgraph(device, backend):
    def block(x):
        return ops.pixel_unshuffle(torch.sigmoid(ops.pixel_shuffle(x * 2, 2)), 2).sum()

    def block_ref(x):
        return F.pixel_unshuffle(torch.sigmoid(F.pixel_shuffle(x * 2, 2)), 2).sum()

    # float32 assert_close defaults, as before the shared pattern
    check_compiled_block(block, block_ref, [torch.randn(2, 8, 5, 6, device=device)], backend, rtol=1.3e-6, atol=1e-5,
                         grad_rtol=1.3e-6, grad_atol=1e-5)


def test_torch_compile_inductor_dynamic():
    f = torch.compile(lambda x: ops.pixel_shuffle(x, 2) + 1, fullgraph=True, dynamic=True)
    for shape in [(1, 4, 3, 3), (2, 8, 5, 7)]:
        x = torch.randn(shape)
        torch.testing.assert_close(f(x), F.pixel_shuffle(x, 2) + 1, rtol=0, atol=0)


def test_numpy_in_numpy_out():
    a = np.random.default_rng(0).standard_normal((2, 8, 3, 4)).astype(np.float32)
    out = ops.pixel_shuffle(a, 2)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, F.pixel_shuffle(torch.from_numpy(a), 2).numpy())
    back = ops.pixel_unshuffle(out, 2)
    np.testing.assert_array_equal(back, a)
    # A non-contiguous array is handled too.
    np.testing.assert_array_equal(ops.pixel_shuffle(a[:, :, :, ::2], 2),
                                  F.pixel_shuffle(torch.from_numpy(np.ascontiguousarray(a[:, :, :, ::2])), 2).numpy())


@pytest.mark.parametrize("fn,x,factor,exc,words", [
    (ops.pixel_shuffle, torch.randn(4, 4), 2, ValueError, ["input", "rank >= 3"]),
    (ops.pixel_shuffle, torch.randn(1, 6, 2, 2), 2, ValueError, ["divisible", "upscale_factor"]),
    (ops.pixel_shuffle, torch.randn(1, 4, 2, 2), 0, ValueError, ["upscale_factor", "> 0"]),
    (ops.pixel_shuffle, torch.randn(1, 4, 2, 2), -2, ValueError, ["upscale_factor", "> 0"]),
    (ops.pixel_shuffle, torch.ones(1, 4, 2, 2, dtype=torch.int64), 2, TypeError, ["input", "float32"]),
    (ops.pixel_unshuffle, torch.randn(1, 1, 5, 4), 2, ValueError, ["divisible", "downscale_factor"]),
    (ops.pixel_unshuffle, torch.randn(1, 1, 4, 4), 0, ValueError, ["downscale_factor"]),
    (ops.pixel_unshuffle, torch.ones(1, 1, 4, 4, dtype=torch.uint8), 2, TypeError, ["input"]),
    (ops.pixel_shuffle, np.ones((1, 4, 2, 2), dtype=np.int32), 2, TypeError, ["input"]),
])
def test_bad_arguments(fn, x, factor, exc, words):
    with pytest.raises(exc) as info:
        fn(x, factor)
    for w in words:
        assert w in str(info.value)


def test_bad_arguments_raise_in_compiled_code_too():
    f = torch.compile(lambda x: ops.pixel_shuffle(x, 2), fullgraph=True, backend="aot_eager")
    with pytest.raises(Exception, match="divisible|not divisible"):
        f(torch.randn(1, 6, 2, 2))


def test_cuda_availability_is_reported():
    assert isinstance(srgan_cpp.built_with_cuda(), bool)
    # Both keys have kernels: a CPU-only build answers CUDA tensors with its own message.
    for name in ["pixel_shuffle", "pixel_unshuffle", "fused_pixel_shuffle"]:
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"srgan_cpp::{name}", "CUDA")
        assert torch._C._dispatch_has_kernel_for_dispatch_key(f"srgan_cpp::{name}", "CPU")
