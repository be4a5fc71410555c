"""Texture-biased crops (srgan_cpp.data.TextureSampling): the texture measure, the keep
rule, its effect on where crops come from, bounded tries, unchanged uniform streams, and
bad arguments named."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from srgan_cpp.data import HRFolderDataset, PairedFolderDataset, TextureSampling, texture_level, write_image
from srgan_cpp.data.datasets import paired_random_crop


def _half_textured(h: int = 96, w: int = 192, seed: int = 0) -> np.ndarray:
    """Left half flat grey, right half uniform noise: (h, w, 3) uint8."""
    img = np.full((h, w, 3), 128, np.uint8)
    img[:, w // 2:] = np.random.default_rng(seed).integers(0, 256, (h, w - w // 2, 3), dtype=np.uint8)
    return img


def test_texture_level_units():
    flat = np.full((8, 8, 3), 77, np.uint8)
    assert texture_level(flat) == 0.0
    stripes = np.zeros((8, 8), np.uint8)
    stripes[:, ::2] = 255  # |dx| = 255 everywhere, dy = 0
    assert texture_level(stripes) == pytest.approx(127.5)
    # the same picture in uint16 and in float [0, 1] is the same level in 8-bit units
    assert texture_level(stripes.astype(np.uint16) * 257) == pytest.approx(127.5)
    assert texture_level(stripes.astype(np.float32) / 255) == pytest.approx(127.5)
    # channel mean: opposite stripes in two channels cancel
    rgb = np.stack([stripes, 255 - stripes, np.zeros_like(stripes)], axis=2)
    assert texture_level(rgb) == pytest.approx(0.0)
    for bad in (np.zeros((1, 8)), np.zeros(8), np.zeros((2, 2, 3, 1))):
        with pytest.raises(ValueError, match="texture_level: `patch`"):
            texture_level(bad)


def test_keep_probability():
    t = TextureSampling(threshold=4.0, keep_flat=0.25)
    assert t.keep_probability(0.0) == 0.25 and t.keep_probability(4.0) == 1.0 and t.keep_probability(40.0) == 1.0
    assert t.keep_probability(2.0) == pytest.approx(0.625)
    levels = np.linspace(0, 8, 17)
    assert np.all(np.diff([t.keep_probability(v) for v in levels]) >= 0)


@pytest.mark.parametrize("kwargs, key", [
    ({"threshold": 0.0}, "threshold"), ({"threshold": float("nan")}, "threshold"), ({"threshold": "4"}, "threshold"),
    ({"threshold": 4.0, "keep_flat": -0.1}, "keep_flat"), ({"threshold": 4.0, "keep_flat": 1.5}, "keep_flat"),
    ({"threshold": 4.0, "tries": 0}, "tries"), ({"threshold": 4.0, "tries": 101}, "tries"),
    ({"threshold": 4.0, "tries": 2.0}, "tries"), ({"threshold": 4.0, "tries": True}, "tries"),
])
def test_bad_arguments_are_named(kwargs, key):
    with pytest.raises(ValueError, match=f"TextureSampling: `{key}`"):
        TextureSampling(**kwargs)


def _left_fraction(ds, n: int = 200) -> float:
    """Share of crops whose HR patch is flat (it came from the flat left half)."""
    flat = 0
    for e in range(n):
        ds.set_epoch(e)
        hr = ds[0]["hr"]
        flat += int(float(hr.std()) == 0.0)
    return flat / n


def test_crops_move_towards_texture(tmp_path):
    write_image(tmp_path / "half.png", _half_textured())
    uniform = HRFolderDataset(tmp_path, 4, patch_size=32, seed=3)
    biased = HRFolderDataset(tmp_path, 4, patch_size=32, seed=3,
                             texture=TextureSampling(threshold=20.0, keep_flat=0.0, tries=20))
    # a 32-px patch is wholly flat when it starts in the left 64 of the 160 possible columns
    u, b = _left_fraction(uniform), _left_fraction(biased)
    assert 0.25 < u < 0.55, u
    assert b < 0.02, b  # rejected unless 20 flat candidates come in a row (0.4^20)
    # keep_flat = 1 keeps every first candidate: the bias disappears
    keep_all = HRFolderDataset(tmp_path, 4, patch_size=32, seed=3, texture=TextureSampling(20.0, keep_flat=1.0))
    assert 0.25 < _left_fraction(keep_all) < 0.55


def test_flat_images_still_give_a_patch_and_items_are_seeded(tmp_path):
    write_image(tmp_path / "flat.png", np.full((64, 64, 3), 9, np.uint8))
    t = TextureSampling(threshold=5.0, keep_flat=0.0, tries=3)  # every candidate rejected
    ds = HRFolderDataset(tmp_path, 2, patch_size=16, seed=1, texture=t)
    item = ds[0]
    assert item["hr"].shape == (3, 16, 16) and item["lr"].shape == (3, 8, 8)
    again = HRFolderDataset(tmp_path, 2, patch_size=16, seed=1, texture=t)[0]
    assert torch.equal(item["hr"], again["hr"]) and torch.equal(item["lr"], again["lr"])


def test_uniform_positions_are_unchanged(tmp_path):
    """Without `texture` a crop starts where two uniform draws put it (as before texture
    sampling existed), so seeded training streams of older runs are reproduced."""
    img = np.random.default_rng(4).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    lr = img[::4, ::4]
    rng = np.random.default_rng(11)
    lr_c, hr_c = paired_random_crop(lr, img[:64, :80], 16, 4, rng)
    ref = np.random.default_rng(11)
    y, x = int(ref.integers(0, 16 - 4 + 1)), int(ref.integers(0, 20 - 4 + 1))
    assert np.array_equal(hr_c, img[y * 4:(y + 4) * 4, x * 4:(x + 4) * 4]) and np.array_equal(lr_c, lr[y:y + 4, x:x + 4])


def test_paired_folders_use_the_hr_texture(tmp_path):
    hr = _half_textured(64, 128)
    (tmp_path / "hr").mkdir()
    (tmp_path / "lr").mkdir()
    write_image(tmp_path / "hr" / "a.png", hr)
    write_image(tmp_path / "lr" / "a.png", np.ascontiguousarray(hr[::2, ::2]))
    ds = PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 2, patch_size=16, seed=0,
                             texture=TextureSampling(threshold=20.0, keep_flat=0.0, tries=20))
    assert _left_fraction(ds) < 0.02
    with pytest.raises(ValueError, match="`texture` must be a TextureSampling"):
        PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 2, patch_size=16, texture={"threshold": 4})
