"""LapSRN: the C++ model against the plain-PyTorch reference for each feature up-sampler,
the pyramid and its multi-level Charbonnier loss, parameter count, the bilinear image
branch, module behaviour, registry."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import family_a_checks as checks
from helpers.family_a_reference import LapSRNRef
from srgan_cpp import data
from srgan_cpp.losses.pixel import charbonnier_loss
from srgan_cpp.models import LapSRN, lapsrn_loss

TINY = dict(in_channels=1, num_features=4, depth=2, scale=4)


def lapsrn_params(c: int, f: int, depth: int, scale: int) -> int:
    """conv_input (3x3 c->F) + per level: depth 3x3 F->F, the 4x4 transposed conv F->F,
    to_residual 3x3 F->c, the 4x4 transposed conv c->c of the image; all with biases."""
    levels = scale.bit_length() - 1
    level = depth * (9 * f * f + f) + (16 * f * f + f) + (9 * f * c + c) + (16 * c * c + c)
    return 9 * c * f + f + levels * level


def test_parameter_count():
    assert sum(p.numel() for p in LapSRN().parameters()) == lapsrn_params(1, 64, 10, 4)
    assert sum(p.numel() for p in LapSRN(3, 8, 1, 8).parameters()) == lapsrn_params(3, 8, 1, 8)


@pytest.mark.parametrize("upsampler", ["transposed_conv", "pixel_shuffle", "nearest_conv"])
@pytest.mark.parametrize("scale,in_ch", [(4, 1), (2, 3)])
def test_matches_reference_in_float64(upsampler, scale, in_ch):
    kw = dict(TINY, upsampler=upsampler, scale=scale, in_channels=in_ch)
    ours, ref = checks.pair(LapSRN, LapSRNRef, kw)
    x = torch.rand(2, in_ch, 6, 5, dtype=torch.float64)
    checks.check_forward_and_gradients(ours, ref, x)
    pyr, pyr_ref = ours.forward_pyramid(x), ref.forward_pyramid(x)
    assert [p.shape[-1] for p in pyr] == [5 * 2 ** (i + 1) for i in range(scale.bit_length() - 1)]
    for p, q in zip(pyr, pyr_ref):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-10)


def test_image_branch_starts_bilinear():
    model = LapSRN(**dict(TINY, scale=2)).double()
    with torch.no_grad():
        level = getattr(model.levels, "0")
        level.to_residual.weight.zero_()
        level.to_residual.bias.zero_()
    x = torch.rand(1, 1, 8, 8, dtype=torch.float64)
    up = model(x)
    # Away from the border the 4x4 stride-2 bilinear kernel is bilinear interpolation.
    expect = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    torch.testing.assert_close(up[..., 2:-2, 2:-2], expect[..., 2:-2, 2:-2], rtol=1e-12, atol=1e-12)


def test_multi_level_charbonnier_loss():
    ours, ref = checks.pair(LapSRN, LapSRNRef, TINY)
    lr = torch.rand(2, 1, 6, 6, dtype=torch.float64)
    hr = torch.rand(2, 1, 24, 24, dtype=torch.float64)
    pyr = ours.forward_pyramid(lr)
    loss = lapsrn_loss(pyr, hr)
    half = data.imresize(hr, size=(12, 12))
    expect = charbonnier_loss(ref.forward_pyramid(lr)[0], half) + charbonnier_loss(ref.forward_pyramid(lr)[1], hr)
    torch.testing.assert_close(loss, expect, rtol=1e-10, atol=1e-12)
    loss.backward()
    assert all(p.grad is not None for p in ours.parameters())
    with pytest.raises(ValueError, match="level 1 output"):
        lapsrn_loss(pyr, hr[..., :20, :20], targets=[half, hr[..., :20, :20]])


def test_module_behaviour():
    ours, _ = checks.pair(LapSRN, LapSRNRef, TINY)
    checks.check_module_behaviour(ours, torch.rand(2, 1, 5, 5, dtype=torch.float64))


@pytest.mark.parametrize("upsampler", ["transposed_conv", "pixel_shuffle", "nearest_conv"])
def test_registry_detection_and_description(upsampler):
    checks.check_registry(LapSRN(**dict(TINY, upsampler=upsampler)), torch.rand(1, 1, 5, 4))


def test_bad_arguments():
    with pytest.raises(ValueError, match="power of 2"):
        LapSRN(scale=3)
    with pytest.raises(ValueError, match="`upsampler` must be one of"):
        LapSRN(upsampler="bicubic")
