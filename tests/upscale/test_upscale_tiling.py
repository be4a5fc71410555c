"""Tile layout, blending weights, and tiled == untiled away from the image border."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import srgan_cpp
from srgan_cpp.upscale import Upscaler
from srgan_cpp.upscale.tiling import axis_weights, plan_axis, split_overlap
from upscale_helpers import random_image, tiny_srvgg


@pytest.mark.parametrize("length,tile,overlap,multiple", [(100, 32, 8, 1), (97 * 2, 40, 16, 2), (64, 64, 16, 1),
                                                          (40, 64, 16, 4), (257, 48, 0, 1), (300, 33, 32, 1)])
def test_plan_covers_with_equal_tiles_and_enough_overlap(length, tile, overlap, multiple):
    assert length % multiple == 0  # the table's lengths are multiples (plan_axis requires it)
    plan = plan_axis(length, tile, overlap, multiple)
    assert plan.starts[0] == 0 and plan.starts[-1] + plan.tile == length
    assert plan.tile % multiple == 0 or plan.tile == length
    assert all(s % multiple == 0 for s in plan.starts)
    for a, b in zip(plan.starts, plan.starts[1:]):
        assert a < b and a + plan.tile - b >= min(overlap, plan.tile)  # neighbours share >= overlap pixels


def test_plan_refuses_a_tile_not_larger_than_the_overlap():
    with pytest.raises(ValueError, match="must exceed the overlap"):
        plan_axis(100, 16, 16)


@pytest.mark.parametrize("overlap", [0, 1, 5, 16, 31])
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_weights_are_a_partition_of_unity_with_zero_margins(overlap, scale):
    plan = plan_axis(203, 40, overlap)
    weights, total, support = axis_weights(plan, scale)
    assert torch.allclose(total, torch.ones_like(total), atol=1e-6)  # cos^2 + sin^2 = 1 in every band
    margin, band = split_overlap(overlap)
    assert (margin, band) == ((overlap - max(1, overlap // 4)) // 2, max(1, overlap // 4)) or overlap == 0
    for i, (w, (lo, hi)) in enumerate(zip(weights, support)):
        origin = plan.starts[i] * scale
        inside = torch.zeros_like(w, dtype=torch.bool)
        inside[lo - origin:hi - origin] = True
        assert bool((w[inside] > 0).all()) and bool((w[~inside] == 0).all())
        if 0 < i < plan.count - 1:  # interior tiles ignore their outer margins (context only)
            assert lo - origin >= margin * scale and origin + len(w) - hi >= margin * scale


def _max_diff(a: np.ndarray, b: np.ndarray, border: int) -> float:
    return float(np.abs(a[border:-border, border:-border] - b[border:-border, border:-border]).max())


@pytest.mark.parametrize("tile", [24, 37, 50])
def test_tiled_equals_untiled_to_float_rounding(tile):
    # Receptive-field radius 4 input pixels < margin 6 of overlap 16: exact but for rounding.
    model = tiny_srvgg(scale=2)
    img = random_image(61, 83, dtype=np.float32)
    whole = Upscaler(model, tile=0, precision="fp32").run(img)
    up = Upscaler(model, tile=tile, overlap=16, precision="fp32")
    tiled = up.run(img)
    assert up.last_stats.tiles >= 4
    assert tiled.shape == whole.shape == (122, 166, 3)
    assert _max_diff(tiled, whole, 8) < 1e-5
    assert float(np.abs(tiled - whole).max()) < 1e-5  # zero padding at the border is seen alike here


def test_tiled_equals_untiled_for_a_pixel_unshuffling_rrdbnet():
    torch.manual_seed(0)
    model = srgan_cpp.models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=2).eval()  # unshuffles by 2
    img = random_image(130, 150, dtype=np.float32)  # receptive field ~ 19 input px < margin 24 of overlap 64
    whole = Upscaler(model, tile=0, precision="fp32").run(img)
    up = Upscaler(model, tile=96, overlap=64, precision="fp32")
    tiled = up.run(img)
    assert up.last_stats.tiles == 9
    assert _max_diff(tiled, whole, 4) < 1e-5


def test_odd_sizes_are_padded_to_the_size_multiple_and_cropped():
    torch.manual_seed(0)
    model = srgan_cpp.models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=1).eval()  # multiple of 4
    img = random_image(31, 26, dtype=np.uint8)
    out = Upscaler(model, tile=16, overlap=8, precision="fp32").run(img)
    assert out.shape == (31, 26, 3) and out.dtype == np.uint8


def test_small_images_are_padded_to_the_model_minimum():
    torch.manual_seed(0)
    model = srgan_cpp.models.PSRGANGenerator(nc=8, nb=1, upscale=2).eval()  # needs H, W >= 13
    out = Upscaler(model, tile=0, precision="fp32").run(random_image(5, 9))
    assert out.shape == (10, 18, 3)
    with pytest.raises(ValueError, match="`tile` 8 is smaller than the smallest input"):
        Upscaler(model, tile=8, overlap=4)


def test_default_blend_shows_no_seam_on_a_big_receptive_field():
    # Margins smaller than the receptive field: the cross-fade keeps the error small and smooth.
    torch.manual_seed(0)
    model = srgan_cpp.models.MSRResNet(num_feat=16, num_block=4, upscale=2).eval()
    img = random_image(64, 96, dtype=np.float32)
    whole = Upscaler(model, tile=0, precision="fp32").run(img)
    blended = Upscaler(model, tile=40, precision="fp32").run(img)
    pasted = Upscaler(model, tile=40, overlap=0, precision="fp32").run(img)  # crop-and-paste, no context
    err_blend = float(np.abs(blended - whole).max())
    err_paste = float(np.abs(pasted - whole).max())
    assert err_blend < err_paste / 4, (err_blend, err_paste)
