"""srgan_cpp.nn.Upsampler (C++ layer): each mode and activation against plain PyTorch in
float64 (forward and gradients), keys, layouts, bad arguments."""
from __future__ import annotations

import pytest
import torch

from helpers import family_a_checks as checks
from helpers.family_a_reference import UpsamplerRef
from srgan_cpp.nn import Upsampler

MODES = ["pixel_shuffle", "transposed_conv", "nearest_conv"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("activation", ["none", "relu", "leaky_relu", "prelu"])
def test_matches_reference_in_float64(mode, scale, activation):
    kw = dict(channels=3, scale=scale, mode=mode, activation=activation, negative_slope=0.1)
    ours, ref = checks.pair(Upsampler, UpsamplerRef, kw)
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64)
    assert ours(x).shape == (2, 3, 5 * scale, 4 * scale)
    checks.check_forward_and_gradients(ours, ref, x)
    cl = ours(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(cl, ref(x), rtol=1e-10, atol=1e-10)


def test_keys_follow_basicsr_upsample():
    assert list(Upsampler(8, 4).state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert Upsampler(8, 4).state_dict()["0.weight"].shape == (32, 8, 3, 3)
    assert list(Upsampler(8, 2, "transposed_conv", "prelu").state_dict()) == ["0.weight", "0.bias", "1.weight"]
    assert Upsampler(8, 3, "transposed_conv").state_dict()["0.weight"].shape == (8, 8, 3, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="power of 2 or 3"):
        Upsampler(4, 6)
    with pytest.raises(ValueError, match="`mode` must be one of"):
        Upsampler(4, 2, mode="bilinear")
    with pytest.raises(ValueError, match="`activation` must be one of"):
        Upsampler(4, 2, activation="gelu")
    with pytest.raises(ValueError, match=r"\(N, 4, H, W\)"):
        Upsampler(4, 2)(torch.rand(1, 3, 4, 4))
