"""The Winograd F(4x4, 3x3) convolution (csrc/nn/winograd_conv3x3.cpp) against a float64
F.conv2d reference: every tile remainder, channel tail, epilogue, input layout and dtype
(float32, bfloat16) it takes, its weight cache, when it must step aside for F.conv2d, and the
C++ models that use it in inference."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import models
from srgan_cpp.nn import winograd

pytestmark = pytest.mark.skipif(not winograd.is_enabled(), reason="needs a CPU with AVX-512 (and SRGAN_CPP_WINOGRAD unset)")

CL = torch.channels_last


def _case(n: int, cin: int, cout: int, h: int, w: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, cin, h, w, generator=g).contiguous(memory_format=CL)
    weight = torch.randn(cout, cin, 3, 3, generator=g) / (3 * cin ** 0.5)
    bias = torch.randn(cout, generator=g)
    return x, weight, bias


def _reference(x, weight, bias):
    return F.conv2d(x.double(), weight.double(), None if bias is None else bias.double(), padding=1)


def _assert_float32_close(y: torch.Tensor, ref: torch.Tensor) -> None:
    # F(4x4, 3x3) adds a few float32 rounding steps: the error is a small multiple of the
    # direct convolution's, bounded here relative to the output's range.
    assert y.dtype == torch.float32 and y.shape == ref.shape
    err = (y.double() - ref).abs().max().item()
    assert err <= 2e-5 * max(ref.abs().max().item(), 1.0), err


@pytest.mark.parametrize("h,w", [(1, 1), (1, 7), (2, 3), (4, 4), (5, 9), (8, 13), (17, 23), (33, 4)])
@pytest.mark.parametrize("cin,cout", [(1, 16), (3, 48), (17, 32), (64, 64)])
def test_matches_float64_reference_for_every_tile_remainder(h, w, cin, cout):
    x, weight, bias = _case(2, cin, cout, h, w)
    with torch.inference_mode():
        y = winograd.conv3x3(x, weight, bias)
    assert y.is_contiguous(memory_format=CL)
    _assert_float32_close(y, _reference(x, weight, bias))


def test_wide_input_and_many_blocks_without_bias():
    x, weight, _ = _case(1, 224, 32, 40, 150, seed=3)  # RRDB's conv5 width; several tile blocks
    with torch.no_grad():
        y = winograd.conv3x3(x, weight, None)
    _assert_float32_close(y, _reference(x, weight, None))


@pytest.mark.parametrize("act", ["leaky_relu", "prelu_per_channel", "prelu_one"])
def test_fused_epilogue_is_the_activation_of_the_plain_result_to_the_bit(act):
    x, weight, bias = _case(1, 32, 32, 11, 10, seed=1)
    with torch.inference_mode():
        plain = winograd.conv3x3(x, weight, bias)
        if act == "leaky_relu":
            fused, expected = winograd.conv3x3(x, weight, bias, act="leaky_relu", negative_slope=0.2), F.leaky_relu(plain, 0.2)
        else:
            slopes = torch.linspace(-0.5, 0.5, 32) if act == "prelu_per_channel" else torch.tensor([0.25])
            fused, expected = winograd.conv3x3(x, weight, bias, act="prelu", prelu_weight=slopes), F.prelu(plain, slopes)
    assert torch.equal(fused, expected)


def test_channel_slice_input_and_thread_count_give_the_same_bits():
    x, weight, bias = _case(2, 48, 16, 19, 21, seed=2)
    wider = torch.cat([x, torch.randn(2, 16, 19, 21)], 1).contiguous(memory_format=CL)
    before = torch.get_num_threads()
    with torch.inference_mode():
        whole = winograd.conv3x3(x, weight, bias)
        sliced = winograd.conv3x3(wider[:, :48], weight, bias)  # channel stride 64, like a dense-block buffer
        torch.set_num_threads(1)
        try:
            one_thread = winograd.conv3x3(x, weight, bias)
        finally:
            torch.set_num_threads(before)
    assert torch.equal(whole, sliced) and torch.equal(whole, one_thread)


@pytest.mark.parametrize("act", ["none", "leaky_relu", "prelu"])
def test_bfloat16_is_as_accurate_as_the_direct_bfloat16_convolution(act):
    """bf16 tensors, float32 arithmetic inside, one rounding on the way out: against the float64
    result of the same bf16-rounded inputs, its error is at most that of F.conv2d in bf16."""
    x, weight, bias = _case(1, 64, 48, 37, 29, seed=4)
    xb, wb, bb = x.bfloat16(), weight.bfloat16(), bias.bfloat16()
    slopes = torch.linspace(-0.3, 0.3, 48).bfloat16()
    def act_fn(t):
        return {"none": t, "leaky_relu": F.leaky_relu(t, 0.2), "prelu": F.prelu(t, slopes.to(t.dtype))}[act]
    with torch.inference_mode():
        y = winograd.conv3x3(xb, wb, bb, act=act, negative_slope=0.2, prelu_weight=slopes)
        direct = act_fn(F.conv2d(xb, wb, bb, padding=1))
    ref = act_fn(_reference(xb, wb, bb))
    assert y.dtype == torch.bfloat16 and y.is_contiguous(memory_format=CL)
    err = (y.double() - ref).abs()
    err_direct = (direct.double() - ref).abs()
    assert err.max() <= err_direct.max() and err.mean() <= err_direct.mean() * 1.05, (err.max(), err_direct.max())


def test_cached_weights_follow_in_place_changes():
    x, weight, bias = _case(1, 16, 16, 9, 9, seed=5)
    with torch.inference_mode():
        first = winograd.conv3x3(x, weight, bias)
    with torch.no_grad():
        weight.mul_(2.0)  # bumps the version counter: the cached transform must not be used
    with torch.inference_mode():
        second = winograd.conv3x3(x, weight, bias)
    _assert_float32_close(second, _reference(x, weight, bias))
    assert not torch.equal(first, second)
    winograd.clear_cache()
    with torch.inference_mode():
        assert torch.equal(winograd.conv3x3(x, weight, bias), second)


def test_nan_stays_inside_the_blocks_it_feeds():
    x, weight, bias = _case(1, 16, 16, 12, 12)
    x[0, 3, 5, 6] = float("nan")  # tile (1, 1) of the 3x3 grid of 4x4 blocks, away from its border
    with torch.inference_mode():
        y = winograd.conv3x3(x, weight, bias)
    nan_pixels = y.isnan().any(1)[0]
    assert nan_pixels[4:8, 4:8].all() and nan_pixels.sum() == 16


def _applies(x, weight, bias=None) -> bool:
    from srgan_cpp import _C
    return bool(_C.winograd_conv3x3_applies(x, weight, bias))


def test_steps_aside_where_it_does_not_apply():
    x, weight, bias = _case(1, 16, 32, 8, 8)
    with torch.inference_mode():
        assert _applies(x, weight, bias)
        assert not _applies(x.contiguous(), weight, bias)  # NCHW: channels not contiguous
        assert not _applies(x.double(), weight.double(), bias.double())
        assert _applies(x.bfloat16(), weight.bfloat16(), bias.bfloat16())
        assert not _applies(x.half(), weight.half(), bias.half())
        assert not _applies(x.bfloat16(), weight, bias)  # mixed dtypes: F.conv2d's error
        assert not _applies(x, weight[:8], bias[:8])  # 8 output channels: not a whole vector
        assert not _applies(x, torch.randn(32, 16, 5, 5), bias)
        assert not _applies(x[:, :8], weight, bias)  # channel count differs from the weight's
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert not _applies(x, weight, bias)
        with winograd.enabled(False):
            assert not _applies(x, weight, bias) and not winograd.is_enabled()
        assert winograd.is_enabled()
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode() as mode, torch.inference_mode():
        fake_x, fake_w = mode.from_tensor(x), mode.from_tensor(weight)
        assert not _applies(fake_x, fake_w)  # no data to read: F.conv2d's fake kernel
        assert not _applies(x, weight)  # a dispatch mode is active
    w_grad = weight.clone().requires_grad_()
    assert not _applies(x, w_grad, bias)  # training: F.conv2d and its backward
    with torch.no_grad():
        assert _applies(x, w_grad, bias)
    with pytest.raises(ValueError, match="winograd_conv3x3"):
        winograd.conv3x3(x.contiguous(), weight, bias)
    with pytest.raises(ValueError, match="act"):
        winograd.conv3x3(x, weight, bias, act="gelu")


@pytest.mark.parametrize("factory", [
    lambda: models.SRVGGNetCompact(num_feat=32, num_conv=4, upscale=4, act_type="prelu"),
    lambda: models.SRVGGNetCompact(num_feat=32, num_conv=2, upscale=2, act_type="leakyrelu"),
    lambda: models.RRDBNet(num_feat=32, num_block=1, num_grow_ch=16, scale=4),
    lambda: models.RRDBNet(num_feat=32, num_block=1, num_grow_ch=16, scale=2),
    lambda: models.EDSR(num_feat=16, num_block=2, upscale=2),
    lambda: models.MSRResNet(num_feat=16, num_block=2, upscale=4),
], ids=["srvgg_prelu", "srvgg_leaky", "rrdbnet_x4", "rrdbnet_x2", "edsr", "msrresnet"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_models_in_inference_match_the_direct_convolution(factory, dtype):
    torch.manual_seed(0)
    model = factory().eval().to(dtype).to(memory_format=CL)
    x = torch.rand(1, 3, 20, 28).to(dtype).contiguous(memory_format=CL)
    with torch.inference_mode():
        with torch.profiler.profile() as prof:
            fast = model(x)
        with winograd.enabled(False):
            direct = model(x)
        reference = model.double()(x.double())
    ran = {e.key: e.count for e in prof.key_averages()}
    assert ran.get("srgan_cpp::winograd_conv3x3", 0) > 0, ran  # the Winograd path really ran
    assert fast.shape == direct.shape and fast.dtype == dtype
    err_fast = (fast.double() - reference).abs().max().item()
    err_direct = (direct.double() - reference).abs().max().item()
    if dtype == torch.float32:
        assert err_fast <= max(20 * err_direct, 1e-5), (err_fast, err_direct)
    else:  # float32 arithmetic inside: no worse than oneDNN's bf16 convolutions
        assert err_fast <= 1.5 * err_direct, (err_fast, err_direct)
