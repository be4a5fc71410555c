"""fused_pixel_shuffle: act(shuffle(x + bias)) + residual against the eager composite,
forward and backward, every activation, dtype and layout; gradcheck, opcheck, compile,
AMP, modules and argument errors."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import nn as snn
from srgan_cpp import ops

from helpers import DEVICES
from helpers.op_checks import COMPILE_BACKENDS, check_compiled_block, requiring_grad, run_opcheck

ACTS = ["none", "relu", "leaky_relu", "prelu"]
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
# Forward is rounded like the eager composite, so it matches exactly; gradients of the
# reduced bias/weight are summed in another order and match to round-off.
GRAD_TOL = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12),
            torch.float16: (2e-2, 1e-2), torch.bfloat16: (5e-2, 5e-2)}


def reference(x, r, bias=None, activation="none", weight=None, slope=0.01, residual=None):
    """The eager composite the fused op replaces."""
    if bias is not None:
        x = x + bias.view(1, -1, 1, 1)
    y = F.pixel_shuffle(x, r)
    if activation == "relu":
        y = F.relu(y)
    elif activation == "leaky_relu":
        y = F.leaky_relu(y, slope)
    elif activation == "prelu":
        y = F.prelu(y, weight)
    if residual is not None:
        y = y + residual
    return y


def make_args(n, c, h, w, r, device, dtype, *, bias, activation, per_channel, residual, channels_last, zeros=False):
    x = torch.randn(n, c * r * r, h, w, device=device).to(dtype)
    if zeros:  # exact zeros exercise the z > 0 convention of the activations' gradients
        x.view(-1)[::3] = 0
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    b = torch.randn(c * r * r, device=device).to(dtype) if bias else None
    wt = None
    if activation == "prelu":
        wt = (torch.rand(c if per_channel else 1, device=device) * 0.5).to(dtype)
    res = torch.randn(n, c, h * r, w * r, device=device).to(dtype) if residual else None
    return x, b, wt, res


CASES = list(itertools.product(ACTS, [False, True], [False, True], [False, True]))  # act, bias, residual, channels_last


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation,bias,residual,channels_last", CASES)
def test_forward_matches_eager_exactly(device, dtype, activation, bias, residual, channels_last):
    for per_channel in ([False, True] if activation == "prelu" else [False]):
        x, b, w, res = make_args(2, 3, 5, 4, 2, device, dtype, bias=bias, activation=activation,
                                 per_channel=per_channel, residual=residual, channels_last=channels_last, zeros=True)
        out = ops.fused_pixel_shuffle(x, 2, b, activation, w, 0.2, res)
        expect = reference(x, 2, b, activation, w, 0.2, res)
        assert out.dtype == dtype and out.shape == expect.shape
        assert out.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        torch.testing.assert_close(out, expect, rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation,bias,residual,channels_last", CASES)
def test_backward_matches_eager(device, dtype, activation, bias, residual, channels_last):
    per_channel = activation == "prelu" and bias  # cover both weight forms across the grid
    x, b, w, res = make_args(2, 4, 3, 5, 2, device, dtype, bias=bias, activation=activation,
                             per_channel=per_channel, residual=residual, channels_last=channels_last, zeros=True)
    inputs = [t for t in (x, b, w, res) if t is not None]
    ours = [t.detach().clone().requires_grad_() for t in inputs]
    theirs = [t.detach().clone().requires_grad_() for t in inputs]

    def unpack(ts):
        it = iter(ts)
        return [next(it) if t is not None else None for t in (x, b, w, res)]

    xo, bo, wo, ro = unpack(ours)
    xr, br, wr, rr = unpack(theirs)
    out = ops.fused_pixel_shuffle(xo, 2, bo, activation, wo, 0.1, ro)
    expect = reference(xr, 2, br, activation, wr, 0.1, rr)
    g = torch.randn_like(expect)
    got = torch.autograd.grad(out, ours, g)
    want = torch.autograd.grad(expect, theirs, g)
    rtol, atol = GRAD_TOL[dtype]
    for a, e in zip(got, want):
        assert a.shape == e.shape and a.dtype == e.dtype
        torch.testing.assert_close(a, e, rtol=rtol, atol=atol * max(1.0, e.abs().max().item()))


@pytest.mark.parametrize("activation", ACTS)
def test_gradcheck_all_inputs(activation):
    def run(x, b, w, res):
        return ops.fused_pixel_shuffle(x, 2, b, activation, w if activation == "prelu" else None, 0.3, res)

    x = torch.randn(2, 8, 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(8, dtype=torch.float64, requires_grad=True)
    w = torch.rand(2, dtype=torch.float64, requires_grad=activation == "prelu")
    res = torch.randn(2, 2, 6, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(run, (x, b, w, res))
    xcl = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_()
    assert torch.autograd.gradcheck(run, (xcl, b, w, res))


def test_gradcheck_single_prelu_weight_r3():
    x = torch.randn(1, 18, 2, 3, dtype=torch.float64, requires_grad=True)
    w = torch.rand(1, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w: ops.fused_pixel_shuffle(x, 3, None, "prelu", w), (x, w))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.fused_pixel_shuffle.default
    cases = []
    for act, cl, rg in itertools.product(ACTS, [False, True], [False, True]):
        x, b, w, res = make_args(2, 3, 4, 3, 2, device, torch.float32, bias=True, activation=act, per_channel=True,
                                 residual=True, channels_last=cl)
        if rg:
            x, b, w, res = requiring_grad(x, b, w, res)
        cases.append((op, (x, 2, b, act, w, 0.2, res)))
    x, _, _, _ = make_args(1, 2, 3, 3, 2, device, torch.float32, bias=False, activation="relu", per_channel=False,
                           residual=False, channels_last=False)
    cases.append((op, (x.requires_grad_(), 2, None, "relu", None, 0.01, None)))
    bwd = torch.ops.srgan_cpp.fused_pixel_shuffle_backward.default
    x, b, w, _ = make_args(2, 3, 4, 3, 2, device, torch.float32, bias=True, activation="prelu", per_channel=False,
                           residual=False, channels_last=False)
    cases.append((bwd, (torch.randn(2, 3, 8, 6, device=device), x, 2, b, "prelu", w, 0.01)))
    run_opcheck(cases)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", COMPILE_BACKENDS)
def test_torch_compile_fullgraph(device, backend):
    def block(x, conv_w, conv_b, prelu_w, skip):
        y = F.conv2d(x, conv_w, None, padding=1)
        return ops.fused_pixel_shuffle(y, 2, conv_b, "prelu", prelu_w, 0.01, skip)

    def block_ref(x, conv_w, conv_b, prelu_w, skip):
        return F.prelu(F.pixel_shuffle(F.conv2d(x, conv_w, conv_b, padding=1), 2), prelu_w) + skip

    args = [torch.randn(2, 4, 6, 5, device=device), torch.randn(16, 4, 3, 3, device=device) * 0.1,
            torch.randn(16, device=device), torch.full((1,), 0.25, device=device),
            torch.randn(2, 4, 12, 10, device=device)]
    check_compiled_block(block, block_ref, args, backend)


@pytest.mark.parametrize("device", DEVICES)
def test_autocast(device):
    dtype = torch.bfloat16
    conv = torch.nn.Conv2d(3, 12, 3, padding=1).to(device)
    x = torch.randn(1, 3, 8, 8, device=device)
    w = torch.full((1,), 0.25, device=device)
    with torch.autocast(device_type=device, dtype=dtype):
        y = conv(x)
        out = ops.fused_pixel_shuffle(y, 2, None, "prelu", w.to(y.dtype))
    assert out.dtype == y.dtype
    torch.testing.assert_close(out.float(), F.prelu(F.pixel_shuffle(y.float(), 2), w), rtol=2e-2, atol=2e-2)


def test_modules_match_their_sequential_equivalents():
    torch.manual_seed(1)
    block = snn.ConvPixelShuffle(8, 4, 2, activation="prelu", num_parameters=4)
    seq = torch.nn.Sequential(torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.PixelShuffle(2), torch.nn.PReLU(4))
    seq[0].load_state_dict(block.conv.state_dict())
    seq[2].weight.data.copy_(block.act.weight.data)
    assert set(block.state_dict()) == {"conv.weight", "conv.bias", "act.weight"}
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(block(x), seq(x), rtol=1e-5, atol=1e-6)
    block(x).sum().backward()
    seq(x).sum().backward()
    torch.testing.assert_close(block.act.weight.grad, seq[2].weight.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(block.conv.bias.grad, seq[0].bias.grad, rtol=1e-4, atol=1e-4)
    assert torch.equal(snn.PixelShuffle(2)(x), F.pixel_shuffle(x, 2))
    assert torch.equal(snn.PixelUnshuffle(5)(x), F.pixel_unshuffle(x, 5))
    leaky = snn.FusedPixelShuffle(2, "leaky_relu", negative_slope=0.2)
    torch.testing.assert_close(leaky(x), F.leaky_relu(F.pixel_shuffle(x, 2), 0.2), rtol=0, atol=0)
    with pytest.raises(ValueError, match="activation"):
        snn.FusedPixelShuffle(2, "gelu")


def _err(x, r=2, bias=None, activation="none", weight=None, slope=0.01, residual=None):
    return ops.fused_pixel_shuffle(x, r, bias, activation, weight, slope, residual)


X = torch.randn(1, 8, 3, 3)


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(x=torch.randn(8, 3, 3)), ValueError, ["input", "rank 4"]),
    (dict(x=torch.randn(1, 6, 3, 3)), ValueError, ["divisible"]),
    (dict(x=X, r=0), ValueError, ["upscale_factor"]),
    (dict(x=X.to(torch.int32)), TypeError, ["input"]),
    (dict(x=X, bias=torch.randn(2)), ValueError, ["bias", "(8,)"]),
    (dict(x=X, bias=torch.randn(8, dtype=torch.float64)), TypeError, ["bias", "dtype"]),
    (dict(x=X, activation="prelu"), ValueError, ["prelu_weight"]),
    (dict(x=X, activation="prelu", weight=torch.rand(3)), ValueError, ["prelu_weight", "(2,)"]),
    (dict(x=X, activation="relu", weight=torch.rand(1)), ValueError, ["prelu_weight", "only"]),
    (dict(x=X, activation="swish"), ValueError, ["activation", "swish"]),
    (dict(x=X, residual=torch.randn(1, 2, 6, 5)), ValueError, ["residual", "shape"]),
    (dict(x=X, residual=torch.randn(1, 2, 6, 6).half()), TypeError, ["residual"]),
])
def test_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc) as info:
        _err(**kwargs)
    for w in words:
        assert w in str(info.value), str(info.value)


def test_empty_batch():
    x = torch.randn(0, 8, 3, 3, requires_grad=True)
    w = torch.rand(1, requires_grad=True)
    out = ops.fused_pixel_shuffle(x, 2, None, "prelu", w)
    assert out.shape == (0, 2, 6, 6)
    out.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros(1))


@pytest.mark.parametrize("device", [pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"))])
def test_mismatched_devices(device):
    with pytest.raises(RuntimeError, match="bias"):
        ops.fused_pixel_shuffle(torch.randn(1, 8, 3, 3, device=device), 2, torch.randn(8))
