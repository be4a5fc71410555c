"""Transparency: constant alpha copied, premultiplied colour (no halo), bicubic / discard modes."""
from __future__ import annotations

import numpy as np
import pytest

import srgan_cpp
from srgan_cpp.upscale import Upscaler
from srgan_cpp.upscale.alpha import resize_pixels
from upscale_helpers import random_image


def _rgba(h=24, w=28, dtype=np.uint8, seed=0):
    rgb = random_image(h, w, 3, dtype, seed)
    top = np.iinfo(dtype).max
    a = np.zeros((h, w, 1), dtype)
    a[4:-4, 6:-6] = top  # an opaque rectangle on a transparent background, with a soft edge
    a[3, 5:-5] = top // 2
    return np.concatenate([rgb, a], axis=2)


def test_constant_alpha_is_copied_and_colour_is_as_without_alpha(srvgg):
    rgb = random_image(20, 22)
    for value in (255, 128, 0):
        rgba = np.concatenate([rgb, np.full((20, 22, 1), value, np.uint8)], axis=2)
        up = Upscaler(srvgg, precision="fp32")
        out = up.run(rgba)
        assert up.last_stats.alpha == "constant"
        assert (out[..., 3] == value).all()
        np.testing.assert_array_equal(out[..., :3], up.run(rgb))


def test_invisible_colour_does_not_bleed_into_the_visible_edge(srvgg):
    a = _rgba()
    b = a.copy()
    b[..., :3][a[..., 3] == 0] = 255 - b[..., :3][a[..., 3] == 0]  # different colour where fully transparent
    up = Upscaler(srvgg, precision="fp32", tile=16, overlap=8)
    oa, ob = up.run(a), up.run(b)
    assert up.last_stats.alpha == "model"
    np.testing.assert_array_equal(oa[..., 3], ob[..., 3])
    visible = oa[..., 3] > 0
    assert np.abs(oa[..., :3].astype(int) - ob[..., :3].astype(int))[visible].max() <= 1  # premultiplied: no bleed
    assert (oa[..., :3][oa[..., 3] == 0] == 0).all()


def test_alpha_modes(srvgg):
    rgba = _rgba()
    out_b = Upscaler(srvgg, alpha="bicubic", tile=0, precision="fp32").run(rgba)
    ref_alpha = srgan_cpp.data.imresize(rgba[..., 3:].astype(np.float32) / 255, 2.0)
    assert np.abs(out_b[..., 3].astype(float) - np.clip(ref_alpha[..., 0], 0, 1) * 255).max() <= 0.5 + 1e-3
    tiled_b = Upscaler(srvgg, alpha="bicubic", tile=16, overlap=8, precision="fp32").run(rgba)
    assert np.abs(tiled_b.astype(int) - out_b.astype(int)).max() <= 1
    out_d = Upscaler(srvgg, alpha="discard").run(rgba)
    assert out_d.shape == (48, 56, 3)
    gray_alpha = np.concatenate([random_image(24, 28, 1), rgba[..., 3:]], axis=2)
    assert Upscaler(srvgg).run(gray_alpha).shape == (48, 56, 2)
    with pytest.raises(ValueError, match="`alpha`"):
        Upscaler(srvgg, alpha="keep")


def test_16_bit_alpha(srvgg):
    out = Upscaler(srvgg, precision="fp32").run(_rgba(dtype=np.uint16))
    assert out.dtype == np.uint16 and out.shape == (48, 56, 4)
    assert out[..., 3].max() == 65535 and out[..., 3].min() == 0


def test_resize_with_alpha_is_premultiplied():
    rgba = _rgba()
    big = resize_pixels(rgba, (60, 70), has_alpha=True)
    assert big.shape == (60, 70, 4) and big.dtype == np.uint8
    flipped = rgba.copy()
    flipped[..., :3][rgba[..., 3] == 0] = 0
    np.testing.assert_array_equal(big, resize_pixels(flipped, (60, 70), has_alpha=True))
    np.testing.assert_array_equal(resize_pixels(rgba[..., :3], (60, 70), False),
                                  srgan_cpp.data.imresize(rgba[..., :3], size=(60, 70)))
