"""HetConv2d (Python module), its converters and re-parameterisation, and HetSRWGAN's
residual block (C++ module) against plain-PyTorch references."""
from __future__ import annotations

import copy
import math
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from srgan_cpp.models import DenseResidualBlock, HetResidualBlock
from srgan_cpp.nn import HetConv2d

from helpers.het_conv_reference import dense_weight, het_conv2d_reference, het_mask


@pytest.mark.parametrize("cin,cout,parts", [(64, 64, 4), (16, 32, 2), (8, 8, 8), (12, 6, 1)])
def test_parameters_count_and_init(cin, cout, parts):
    conv = HetConv2d(cin, cout, parts)
    cg = cin // parts
    assert conv.weight3x3.shape == (cout, cg, 3, 3) and conv.weight1x1.shape == (cout, cin - cg)
    assert sum(p.numel() for p in conv.parameters()) == cout * (cg * 9 + cin - cg) + cout
    bound = 1 / math.sqrt(conv.fan_in)
    for p in conv.parameters():
        assert p.numel() == 0 or p.abs().max() <= bound
    # Output variance at init matches what nn.Conv2d's default gives a dense conv of this width.
    x = torch.randn(8, cin, 16, 16)
    het_var = F.conv2d(x, conv.to_dense()[0], padding=1).var().item()
    dense_var = F.conv2d(x, nn.Conv2d(cin, cout, 3, padding=1).weight, padding=1).var().item()
    assert 0.6 < het_var / dense_var < 1.6
    assert "parts=" in repr(conv) and len(list(conv.state_dict())) == 3
    assert HetConv2d(8, 8, 2, bias=False).bias is None


@pytest.mark.parametrize("stride", [1, 2])
def test_forward_matches_reference_and_trains(stride):
    conv = HetConv2d(16, 8, 4, stride=stride).double()
    x = torch.randn(2, 16, 9, 7, dtype=torch.float64)
    want = het_conv2d_reference(x, conv.weight3x3, conv.weight1x1, conv.bias, 4, stride)
    torch.testing.assert_close(conv(x), want, rtol=1e-12, atol=1e-12)
    conv(x).square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in conv.parameters())


@pytest.mark.parametrize("parts", [1, 2, 4, 16])
def test_dense_converters_round_trip_and_reparameterize(parts):
    conv = HetConv2d(16, 16, parts, stride=2)
    w, b = conv.to_dense()
    assert w.shape == (16, 16, 3, 3) and torch.equal(w, dense_weight(conv.weight3x3, conv.weight1x1, parts))
    back = HetConv2d.from_dense(w, b, parts, stride=2)
    for p, q in zip(back.parameters(), conv.parameters()):
        assert torch.equal(p, q)
    if parts > 1:  # (with P = 1 every dense 3x3 weight is a HetConv weight)
        with pytest.raises(ValueError, match="HetConv"):
            HetConv2d.from_dense(torch.randn(16, 16, 3, 3), None, parts)
    fused = conv.fuse_for_inference()
    assert isinstance(fused, nn.Conv2d) and fused.stride == (2, 2)
    x = torch.randn(2, 16, 11, 10)
    torch.testing.assert_close(fused(x), conv(x), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(conv.reparameterize()(x.contiguous(memory_format=torch.channels_last)), conv(x),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("parts", [2, 4, 8])
def test_two_conv_layout_round_trip(parts):
    # The "efficient HetConv" layout: groupwise 3x3 + a full pointwise conv, whose weights on
    # each filter's own group overlap the 3x3 centre taps.
    cin, cout = 16, 8
    gw = torch.randn(cout, cin // parts, 3, 3, dtype=torch.float64)
    pw = torch.randn(cout, cin, 1, 1, dtype=torch.float64)
    gb, pb = torch.randn(cout, dtype=torch.float64), torch.randn(cout, dtype=torch.float64)
    x = torch.randn(2, cin, 6, 7, dtype=torch.float64)
    want = F.conv2d(x, gw, gb, padding=1, groups=parts) + F.conv2d(x, pw, pb)
    conv = HetConv2d.from_two_conv(gw, pw, parts, gb, pb)
    torch.testing.assert_close(conv(x), want, rtol=1e-12, atol=1e-12)
    gw2, pw2 = conv.to_two_conv()
    assert pw2.shape == (cout, cin, 1, 1)
    assert torch.equal(pw2[:, :, 0, 0] * het_mask(cin, cout, parts)[:, :, 0, 0], torch.zeros(cout, cin).double())
    torch.testing.assert_close(F.conv2d(x, gw2, conv.bias, padding=1, groups=parts) + F.conv2d(x, pw2), want,
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="pointwise_weight"):
        HetConv2d.from_two_conv(gw, torch.randn(cout, cin, 3, 3), parts)


def test_module_argument_errors():
    with pytest.raises(ValueError, match="divisible"):
        HetConv2d(10, 8, 4)
    with pytest.raises(ValueError, match="stride"):
        HetConv2d(8, 8, 4, stride=3)
    with pytest.raises(ValueError, match="positive"):
        HetConv2d(8, 8, 0)


# ---------------------------------------------------------------------------------------
# HetSRWGAN residual block (C++)
# ---------------------------------------------------------------------------------------


def block_reference(block: HetResidualBlock, x: torch.Tensor) -> torch.Tensor:
    cfg = block._cpp_config
    p = dict(block.named_parameters())
    h = het_conv2d_reference(x, p["conv1.weight3x3"], p["conv1.weight1x1"], p.get("conv1.bias"), cfg["parts"])
    if cfg["activation"] == "relu":
        h = F.relu(h)
    elif cfg["activation"] == "leaky_relu":
        h = F.leaky_relu(h, cfg["negative_slope"])
    else:
        h = F.prelu(h, p["prelu_weight"])
    h = het_conv2d_reference(h, p["conv2.weight3x3"], p["conv2.weight1x1"], p.get("conv2.bias"), cfg["parts"])
    return x + cfg["res_scale"] * h


@pytest.mark.parametrize("activation,res_scale,bias,parts", [
    ("relu", 1.0, True, 4), ("leaky_relu", 0.1, True, 2), ("prelu", 0.5, False, 8), ("relu", 1.0, True, 1),
])
def test_block_matches_reference_gradients_and_reparameterization(activation, res_scale, bias, parts):
    block = HetResidualBlock(16, parts, activation, res_scale=res_scale, bias=bias).double()
    x = torch.randn(2, 16, 9, 8, dtype=torch.float64, requires_grad=True)
    out = block(x)
    want = block_reference(block, x)
    torch.testing.assert_close(out, want, rtol=1e-12, atol=1e-12)
    params = list(block.parameters())
    g = torch.randn_like(out)
    got = torch.autograd.grad(out, [x, *params], g)
    exp = torch.autograd.grad(want, [x, *params], g)
    for a, e in zip(got, exp):
        torch.testing.assert_close(a, e, rtol=1e-10, atol=1e-10)
    fused = block.fuse_for_inference()
    assert isinstance(fused, DenseResidualBlock)
    assert fused.conv1.weight.shape == (16, 16, 3, 3)
    torch.testing.assert_close(fused(x), out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(block.float().reparameterize()(x.float()), block(x.float()), rtol=1e-5, atol=1e-5)


def test_block_is_a_drop_in_module():
    torch.manual_seed(3)
    block = HetResidualBlock(8, 4, "prelu", res_scale=0.2)
    keys = ["conv1.weight3x3", "conv1.weight1x1", "conv1.bias", "conv2.weight3x3", "conv2.weight1x1", "conv2.bias",
            "prelu_weight"]
    assert sorted(block.state_dict()) == sorted(keys)
    body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), block, HetResidualBlock(8, 2),
                         nn.Conv2d(8, 3, 3, padding=1))
    x = torch.rand(2, 3, 12, 12)
    opt = torch.optim.Adam(body.parameters(), 1e-2)
    losses = []
    for _ in range(5):
        loss = F.mse_loss(body(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    clone = copy.deepcopy(block)
    torch.testing.assert_close(clone(x.new_ones(1, 8, 5, 5)), block(x.new_ones(1, 8, 5, 5)))
    restored = pickle.loads(pickle.dumps(block))
    torch.testing.assert_close(restored(x.new_ones(1, 8, 5, 5)), block(x.new_ones(1, 8, 5, 5)))
    other = HetResidualBlock(8, 4, "prelu", res_scale=0.2)
    other.load_state_dict(block.state_dict())
    torch.testing.assert_close(other(x.new_ones(1, 8, 5, 5)), block(x.new_ones(1, 8, 5, 5)))
    cl = x.new_ones(2, 8, 6, 6).contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(block(cl), block(cl.contiguous()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs,exc,word", [
    (dict(channels=10, parts=4), ValueError, "divisible"),
    (dict(activation="gelu"), ValueError, "activation"),
])
def test_block_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        HetResidualBlock(**kwargs)


def test_block_bad_inputs():
    block = HetResidualBlock(8, 4)
    with pytest.raises(ValueError, match="8 channels"):
        block(torch.randn(1, 4, 5, 5))
    with pytest.raises(ValueError, match="rank 4"):
        block(torch.randn(8, 5, 5))
    with pytest.raises(RuntimeError, match="dtype"):
        block(torch.randn(1, 8, 5, 5, dtype=torch.float64))
    with pytest.raises(TypeError, match="input"):
        block(torch.ones(1, 8, 5, 5, dtype=torch.int64))


def test_block_under_autocast():
    block = HetResidualBlock(8, 4)
    x = torch.randn(2, 8, 6, 6)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = block(x)
    torch.testing.assert_close(out.float(), block(x), rtol=5e-2, atol=5e-2)
