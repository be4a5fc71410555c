"""The autocast rule of every op (csrc/common/autocast.h): which dtype each op computes in
under torch.autocast, that gradients return in each argument's own dtype, and that the
rules hold inside torch.compile(fullgraph=True) too.

  fused_pixel_shuffle, het_conv2d   lower_precision_fp (like conv2d / prelu)
  gradient_cosine_loss, ragan_loss  fp32 (like the losses)
  pixel_shuffle, pixel_unshuffle    no cast (like torch.nn.functional.pixel_shuffle)
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import ops

from conftest import CUDA

PRECISIONS = [
    pytest.param("cpu", torch.bfloat16, id="cpu-bf16"),
    pytest.param("cuda", torch.float16, id="cuda-fp16", marks=[CUDA, pytest.mark.cuda]),
    pytest.param("cuda", torch.bfloat16, id="cuda-bf16", marks=[CUDA, pytest.mark.cuda]),
]
TOL = dict(rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("device,dtype", PRECISIONS)
def test_fused_pixel_shuffle_casts_to_the_autocast_dtype(device, dtype):
    """A conv output in the autocast dtype with float32 bias, PReLU weight and residual - the
    pattern of every upsampler under AMP - runs in the autocast dtype."""
    y = torch.randn(2, 12, 5, 4, device=device).to(dtype).requires_grad_()
    bias = torch.randn(12, device=device, requires_grad=True)
    weight = torch.full((3,), 0.25, device=device, requires_grad=True)
    residual = torch.randn(2, 3, 10, 8, device=device, requires_grad=True)
    with torch.autocast(device, dtype=dtype):
        out = ops.fused_pixel_shuffle(y, 2, bias, "prelu", weight, residual=residual)
    assert out.dtype == dtype
    want = F.prelu(F.pixel_shuffle(y.float() + bias.view(-1, 1, 1), 2), weight) + residual
    torch.testing.assert_close(out.float(), want, **TOL)
    out.float().sum().backward()
    assert y.grad.dtype == dtype
    assert bias.grad.dtype == weight.grad.dtype == residual.grad.dtype == torch.float32


@pytest.mark.parametrize("device,dtype", PRECISIONS)
def test_het_conv2d_casts_to_the_autocast_dtype(device, dtype):
    x = torch.randn(1, 8, 6, 6, device=device)
    w3 = torch.randn(8, 2, 3, 3, device=device, requires_grad=True)
    w1 = torch.randn(8, 6, device=device, requires_grad=True)
    with torch.autocast(device, dtype=dtype):
        out = ops.het_conv2d(x, w3, w1, None, 4)
    assert out.dtype == dtype
    want = F.conv2d(x, ops.het_conv2d_to_dense(w3, w1, 4), padding=1)
    torch.testing.assert_close(out.float(), want, rtol=3e-2, atol=3e-2 * want.abs().max().item())
    out.float().sum().backward()
    assert w3.grad.dtype == w1.grad.dtype == torch.float32


@pytest.mark.parametrize("device,dtype", PRECISIONS)
def test_losses_compute_in_float32(device, dtype):
    """A model output in the autocast dtype against a float32 target: both losses run in
    float32, as PyTorch's losses do under autocast."""
    sr = torch.rand(2, 3, 8, 8, device=device).to(dtype).requires_grad_()
    hr = torch.rand(2, 3, 8, 8, device=device)
    real = torch.randn(4, 1, device=device).to(dtype).requires_grad_()
    fake = torch.randn(4, 1, device=device, requires_grad=True)
    with torch.autocast(device, dtype=dtype):
        gc = ops.gradient_cosine_loss(sr, hr)
        rg = ops.ragan_loss(real, fake, target="generator")
    assert gc.dtype == rg.dtype == torch.float32
    torch.testing.assert_close(gc, ops.gradient_cosine_loss(sr.float(), hr))
    torch.testing.assert_close(rg, ops.ragan_loss(real.float(), fake, target="generator"))
    (gc + rg).backward()
    assert sr.grad.dtype == real.grad.dtype == dtype and fake.grad.dtype == torch.float32


@pytest.mark.parametrize("device,dtype", PRECISIONS)
@pytest.mark.parametrize("x_dtype", [torch.float32, torch.bfloat16])
def test_pixel_shuffle_keeps_its_input_dtype(device, dtype, x_dtype):
    x = torch.randn(1, 8, 3, 3, device=device, dtype=x_dtype)
    with torch.autocast(device, dtype=dtype):
        up, down = ops.pixel_shuffle(x, 2), ops.pixel_unshuffle(x, 3)
    assert up.dtype == down.dtype == x_dtype
    assert torch.equal(up, F.pixel_shuffle(x, 2)) and torch.equal(down, F.pixel_unshuffle(x, 3))


def test_float64_is_not_cast():
    """As in ATen, only float32/16 tensors are eligible: float64 arguments stay float64."""
    y, bias = torch.randn(1, 4, 2, 2, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert ops.fused_pixel_shuffle(y, 2, bias).dtype == torch.float64
        assert ops.ragan_loss(y.flatten(), y.flatten()).dtype == torch.float64


def test_rules_hold_under_torch_compile():
    """The conv + fused-shuffle block of MSRResNet, compiled with fullgraph=True and run
    under autocast: the fake kernels see the cast dtypes and the result matches eager."""
    conv = torch.nn.Conv2d(4, 16, 3, padding=1)
    weight = torch.full((1,), 0.25)

    def block(x):
        y = F.conv2d(x, conv.weight, None, padding=1)
        return ops.fused_pixel_shuffle(y, 2, conv.bias, "prelu", weight)

    x = torch.randn(1, 4, 6, 6)
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.no_grad():
        want = block(x)
        got = torch.compile(block, fullgraph=True, backend="aot_eager")(x)
    assert got.dtype == want.dtype == torch.bfloat16
    torch.testing.assert_close(got, want)
