"""srgan_cpp.ops.pixel_attention (PAN's pixel-attention gate, and a spatial-attention product
with a one-channel gate) against the plain-PyTorch composite: forward and backward over
dtypes, layouts, gate widths and devices; gradcheck, opcheck, torch.compile, autocast, bad
arguments, empty batches, thread-count independence."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import attention_reference as ref
from helpers.op_checks import check_compiled_block, check_refused_eager_and_meta
from helpers import DEVICES
from srgan_cpp import ops

DTYPES = [torch.float64, torch.float32, torch.bfloat16, torch.float16]
TOL = {torch.float64: 1e-12, torch.float32: 2e-5, torch.bfloat16: 3e-2, torch.float16: 5e-3}


def make_args(n=2, c=8, h=5, w=7, gate_channels=8, device="cpu", dtype=torch.float32, bias=True, layout="nchw"):
    x = torch.randn(n, c, h, w, device=device, dtype=dtype)
    z = torch.randn(n, gate_channels, h, w, device=device, dtype=dtype)
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
        z = z.contiguous(memory_format=torch.channels_last)
    elif layout == "mixed":  # channels_last input, NCHW gate
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "strided":
        x = torch.randn(n, c, h, 2 * w, device=device, dtype=dtype)[..., ::2]
    b = torch.randn(gate_channels, device=device, dtype=dtype) if bias else None
    return x, z, b


def _grads(fn, args, g):
    leaves = [a.detach().clone().requires_grad_() if a is not None else None for a in args]
    out = fn(*leaves)
    out.backward(g)
    return out, [a.grad if a is not None else None for a in leaves]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["nchw", "channels_last", "mixed", "strided"])
@pytest.mark.parametrize("gate_channels,bias", [(8, True), (8, False), (1, True)])
def test_forward_and_backward_match_the_composite(device, dtype, layout, gate_channels, bias):
    args = make_args(device=device, dtype=dtype, bias=bias, layout=layout, gate_channels=gate_channels)
    wide = [a.double() if a is not None else None for a in args]
    g = torch.randn(args[0].shape, device=device, dtype=torch.float64)
    out, grads = _grads(ops.pixel_attention, args, g.to(dtype))
    expect, ref_grads = _grads(ref.pixel_attention, wide, g)
    cl = layout in ("channels_last", "mixed")
    assert out.dtype == dtype and out.is_contiguous(memory_format=torch.channels_last if cl else torch.contiguous_format)
    tol = TOL[dtype]
    torch.testing.assert_close(out.double(), expect, rtol=tol, atol=tol)
    for name, a, e in zip(["input", "gate", "bias"], grads, ref_grads):
        if e is None:
            assert a is None
            continue
        assert a.dtype == dtype and a.shape == e.shape, name
        scale = max(1.0, e.abs().max().item())
        torch.testing.assert_close(a.double(), e, rtol=tol, atol=tol * scale, msg=name)


def test_gradcheck_float64():
    for layout, gc in itertools.product(["nchw", "channels_last"], [6, 1]):
        args = make_args(n=2, c=6, h=3, w=4, gate_channels=gc, dtype=torch.float64, layout=layout)
        assert torch.autograd.gradcheck(ops.pixel_attention, tuple(a.requires_grad_() for a in args))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.pixel_attention.default
    for layout, gc, bias, rg in itertools.product(["nchw", "channels_last"], [8, 1], [True, False], [True, False]):
        args = make_args(device=device, gate_channels=gc, bias=bias, layout=layout)
        if rg:
            args = tuple(a.requires_grad_() if a is not None else None for a in args)
        torch.library.opcheck(op, args)
    x, z, b = make_args(device=device, layout="channels_last", gate_channels=1)
    torch.library.opcheck(torch.ops.srgan_cpp.pixel_attention_backward.default, (torch.randn_like(x), x, z, b))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph(device, backend):
    def block(x, w, b):  # PAN's PA: x * sigmoid(conv1x1(x))
        return ops.pixel_attention(x, F.conv2d(x, w), b)

    def block_ref(x, w, b):
        return x * torch.sigmoid(F.conv2d(x, w, b))

    x, _, b = make_args(device=device)
    check_compiled_block(block, block_ref, [x, torch.randn(8, 8, 1, 1, device=device) * 0.3, b], backend)


@pytest.mark.parametrize("device", DEVICES)
def test_autocast_runs_in_the_autocast_dtype(device):
    conv = torch.nn.Conv2d(8, 8, 1).to(device)
    x = torch.randn(2, 8, 5, 5, device=device)
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        gate = F.conv2d(x, conv.weight)  # bfloat16
        out = ops.pixel_attention(x, gate, conv.bias)  # float32 input and bias are cast
    assert gate.dtype == out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), x * torch.sigmoid(conv(x)), rtol=3e-2, atol=3e-2)
    out.float().sum().backward()
    assert conv.bias.grad.dtype == torch.float32 and conv.weight.grad.dtype == torch.float32


def test_result_does_not_depend_on_the_thread_count():
    for layout, gc in itertools.product(["nchw", "channels_last"], [16, 1]):
        x, z, b = make_args(n=3, c=16, h=37, w=41, gate_channels=gc, layout=layout)
        b.requires_grad_()
        threads = torch.get_num_threads()
        try:
            grads = []
            for t in (1, max(2, threads)):
                torch.set_num_threads(t)
                out = ops.pixel_attention(x, z, b)
                grads.append(torch.autograd.grad(out, b, torch.ones_like(out))[0])
        finally:
            torch.set_num_threads(threads)
        assert torch.equal(grads[0], grads[1]), (layout, gc)


def test_empty_batch_and_numpy():
    x, z, b = make_args(n=0)
    b.requires_grad_()
    x.requires_grad_()
    out = ops.pixel_attention(x, z, b)
    assert out.shape == x.shape
    out.sum().backward()
    assert torch.equal(b.grad, torch.zeros_like(b)) and x.grad.shape == x.shape
    x, z, b = make_args(n=1)
    got = ops.pixel_attention(x.numpy(), z.numpy(), b.numpy())
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ref.pixel_attention(x, z, b).numpy(), rtol=1e-5, atol=1e-6)


X, Z, B = make_args()


@pytest.mark.parametrize("args,exc,words", [
    ((X[0], Z, B), ValueError, ["input", "rank 4"]),
    ((X.int(), Z, B), TypeError, ["input"]),
    ((X, Z[:, :3], B), ValueError, ["gate", "8 or 1"]),
    ((X, Z[..., :4], B), ValueError, ["gate"]),
    ((X, Z.double(), B), TypeError, ["gate", "dtype"]),
    ((X, Z, B[:1]), ValueError, ["bias", "(8,)"]),
    ((X, Z, B.half()), TypeError, ["bias", "dtype"]),
])
def test_bad_arguments(args, exc, words):
    check_refused_eager_and_meta(ops.pixel_attention, args, exc, words)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mismatched_devices():
    x, z, b = make_args(device="cuda")
    with pytest.raises(RuntimeError, match="bias"):
        ops.pixel_attention(x, z, b.cpu())
