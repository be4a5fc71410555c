"""srgan_cpp.ops.channel_attention (RCAN's channel attention, fused) against the plain-PyTorch
composite: forward and backward over dtypes, layouts and devices; gradcheck, opcheck,
torch.compile, autocast, bad arguments, empty batches, thread-count independence."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from helpers import attention_reference as ref
from helpers.op_checks import check_compiled_block, check_refused_eager_and_meta
from helpers import DEVICES
from srgan_cpp import ops

DTYPES = [torch.float64, torch.float32, torch.bfloat16, torch.float16]
TOL = {torch.float64: 1e-12, torch.float32: 2e-5, torch.bfloat16: 3e-2, torch.float16: 5e-3}


def make_args(n=2, c=16, cr=4, h=5, w=7, device="cpu", dtype=torch.float32, bias=True, conv_weights=True,
              layout="nchw"):
    x = torch.randn(n, c, h, w, device=device, dtype=dtype)
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "strided":
        x = torch.randn(n, c, h, 2 * w, device=device, dtype=dtype)[..., ::2]
    shape1, shape2 = ((cr, c, 1, 1), (c, cr, 1, 1)) if conv_weights else ((cr, c), (c, cr))
    w1 = torch.randn(shape1, device=device, dtype=dtype) * 0.5
    w2 = torch.randn(shape2, device=device, dtype=dtype) * 0.5
    b1 = torch.randn(cr, device=device, dtype=dtype) if bias else None
    b2 = torch.randn(c, device=device, dtype=dtype) if bias else None
    return x, w1, b1, w2, b2


def _grads(fn, args, g):
    leaves = [a.detach().clone().requires_grad_() if a is not None else None for a in args]
    out = fn(*leaves)
    out.backward(g)
    return out, [a.grad if a is not None else None for a in leaves]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["nchw", "channels_last", "strided"])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_and_backward_match_the_composite(device, dtype, layout, bias):
    args = make_args(device=device, dtype=dtype, bias=bias, layout=layout, conv_weights=layout != "strided")
    wide = [a.double() if a is not None else None for a in args]
    g = torch.randn(args[0].shape, device=device, dtype=torch.float64)
    out, grads = _grads(ops.channel_attention, args, g.to(dtype))
    expect, ref_grads = _grads(ref.channel_attention, wide, g)
    assert out.dtype == dtype and out.shape == args[0].shape
    assert out.is_contiguous(memory_format=torch.channels_last if layout == "channels_last" else torch.contiguous_format)
    tol = TOL[dtype]
    torch.testing.assert_close(out.double(), expect, rtol=tol, atol=tol)
    for name, a, e in zip(["input", "w1", "b1", "w2", "b2"], grads, ref_grads):
        if e is None:
            assert a is None
            continue
        assert a.dtype == dtype and a.shape == e.shape, name
        scale = max(1.0, e.abs().max().item())  # weight gradients sum over N*H*W terms
        torch.testing.assert_close(a.double(), e, rtol=tol, atol=tol * scale, msg=name)


def test_gradcheck_float64():
    for layout, bias in itertools.product(["nchw", "channels_last"], [True, False]):
        args = make_args(n=2, c=6, cr=3, h=3, w=4, dtype=torch.float64, bias=bias, layout=layout)
        leaves = tuple(a.requires_grad_() if a is not None else None for a in args)
        assert torch.autograd.gradcheck(ops.channel_attention, leaves)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.channel_attention.default
    for layout, bias, rg in itertools.product(["nchw", "channels_last"], [True, False], [True, False]):
        args = make_args(device=device, bias=bias, layout=layout)
        if rg:
            args = tuple(a.requires_grad_() if a is not None else None for a in args)
        torch.library.opcheck(op, args)
    x, w1, b1, w2, b2 = make_args(device=device, layout="channels_last")
    torch.library.opcheck(torch.ops.srgan_cpp.channel_attention_backward.default,
                          (torch.randn_like(x), x, w1, b1, w2, b2))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph(device, backend):
    def block(x, conv_w, w1, b1, w2, b2):
        y = torch.nn.functional.conv2d(x, conv_w, padding=1)
        return ops.channel_attention(y, w1, b1, w2, b2) + x

    def block_ref(x, conv_w, w1, b1, w2, b2):
        return ref.channel_attention(torch.nn.functional.conv2d(x, conv_w, padding=1), w1, b1, w2, b2) + x

    x, w1, b1, w2, b2 = make_args(device=device)
    conv_w = torch.randn(16, 16, 3, 3, device=device) * 0.1
    check_compiled_block(block, block_ref, [x, conv_w, w1, b1, w2, b2], backend)


@pytest.mark.parametrize("device", DEVICES)
def test_autocast_runs_in_the_autocast_dtype(device):
    x, w1, b1, w2, b2 = make_args(device=device)
    rg = [t.requires_grad_() for t in (w1, b1, w2, b2)]
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        out = ops.channel_attention(x, *rg[:1], rg[1], rg[2], rg[3])
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), ref.channel_attention(x, w1, b1, w2, b2), rtol=3e-2, atol=3e-2)
    out.float().sum().backward()
    assert all(t.grad is not None and t.grad.dtype == torch.float32 for t in rg)  # back in each weight's dtype
    xd = x.double()
    with torch.autocast(device_type=device, dtype=torch.bfloat16):  # float64 is left alone, as ATen does
        assert ops.channel_attention(xd, w1.double(), None, w2.double(), None).dtype == torch.float64


def test_result_does_not_depend_on_the_thread_count():
    args = make_args(n=3, c=32, cr=2, h=37, w=41, layout="channels_last")
    x = args[0].clone().requires_grad_()
    threads = torch.get_num_threads()
    try:
        results = []
        for t in (1, max(2, threads)):
            torch.set_num_threads(t)
            out = ops.channel_attention(x, *args[1:])
            (gx,) = torch.autograd.grad(out, x, torch.ones_like(out))
            results.append((out, gx))
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])


def test_empty_batch_and_numpy():
    x, w1, b1, w2, b2 = make_args(n=0)
    x.requires_grad_()
    w1.requires_grad_()
    out = ops.channel_attention(x, w1, b1, w2, b2)
    assert out.shape == x.shape
    out.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w1.grad, torch.zeros_like(w1))
    x, w1, b1, w2, b2 = make_args(n=1)
    got = ops.channel_attention(x.numpy(), w1.numpy(), b1.numpy(), w2.numpy(), b2.numpy())
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ref.channel_attention(x, w1, b1, w2, b2).numpy(), rtol=1e-5, atol=1e-6)


X, W1, B1, W2, B2 = make_args()


@pytest.mark.parametrize("args,exc,words", [
    ((X[0], W1, B1, W2, B2), ValueError, ["input", "rank 4"]),
    ((X.int(), W1, B1, W2, B2), TypeError, ["input"]),
    ((X[:, :, :0], W1, B1, W2, B2), ValueError, ["input", "H, W >= 1"]),
    ((X, W1[:, :8], B1, W2, B2), ValueError, ["squeeze_weight", "16"]),
    ((X, W1.expand(4, 16, 3, 3), B1, W2, B2), ValueError, ["squeeze_weight", "1x1"]),
    ((X, W1, B1, W2[:, :2], B2), ValueError, ["excite_weight", "(16, 4)"]),
    ((X, W1, B1[:2], W2, B2), ValueError, ["squeeze_bias", "(4,)"]),
    ((X, W1, B1, W2, B2.double()), TypeError, ["excite_bias", "dtype"]),
    ((X, W1.double(), B1, W2, B2), TypeError, ["squeeze_weight", "dtype"]),
])
def test_bad_arguments(args, exc, words):
    check_refused_eager_and_meta(ops.channel_attention, args, exc, words)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mismatched_devices():
    x, w1, b1, w2, b2 = make_args(device="cuda")
    with pytest.raises(RuntimeError, match="excite_bias"):
        ops.channel_attention(x, w1, b1, w2, b2.cpu())
