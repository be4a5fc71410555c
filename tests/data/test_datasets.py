"""Image IO, degradations and datasets."""
from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from srgan_cpp.data import (BenchmarkDataset, Degradation, HRFolderDataset, PairedFolderDataset, add_gaussian_noise,
                            augment, bicubic_downsample, blur_downsample, find_benchmark_layout, gaussian_blur,
                            gaussian_kernel, imresize, jpeg_compress, list_images, match_pairs, modcrop,
                            nearest_downsample, read_image, write_image)


def _photo(h: int = 96, w: int = 128) -> np.ndarray:
    skdata = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(skdata.astronaut()[80:80 + h, 140:140 + w])


def _png16_rgb(path: str, arr: np.ndarray) -> None:
    """Writes a 16-bit RGB PNG by hand (independently of the pypng writer the package uses)."""
    h, w, _ = arr.shape
    raw = b"".join(b"\x00" + arr[i].astype(">u2").tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --- files -------------------------------------------------------------------------------------
def test_read_write_round_trip(tmp_path):
    rgb = _photo(20, 30)
    gray16 = (np.arange(20 * 30, dtype=np.uint16).reshape(20, 30) * 97)
    gray8 = rgb[..., 0]
    write_image(tmp_path / "rgb.png", rgb)
    write_image(tmp_path / "g16.png", gray16)
    write_image(tmp_path / "g8.png", gray8[..., None])
    a, b, c = read_image(tmp_path / "rgb.png"), read_image(tmp_path / "g16.png"), read_image(tmp_path / "g8.png")
    assert a.dtype == np.uint8 and a.shape == (20, 30, 3) and np.array_equal(a, rgb)
    assert b.dtype == np.uint16 and b.shape == (20, 30, 1) and np.array_equal(b[..., 0], gray16)
    assert c.shape == (20, 30, 1) and np.array_equal(c[..., 0], gray8)
    assert read_image(tmp_path / "g8.png", channels=3).shape == (20, 30, 3)
    assert read_image(tmp_path / "rgb.png", channels=1).shape == (20, 30, 1)
    assert sorted(os.listdir(tmp_path)) == ["g16.png", "g8.png", "rgb.png"]  # no temporary files left


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.png"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read image .*bad.png"):
        read_image(tmp_path / "bad.png")
    good = tmp_path / "trunc.png"
    write_image(good, _photo(32, 32))
    good.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="cannot read image .*trunc.png"):
        read_image(good)
    _png16_rgb(str(tmp_path / "rgb16.png"), np.full((4, 5, 3), 1000, np.uint16))
    rgb16 = tmp_path / "rgb16.png"
    rgb16.write_bytes(rgb16.read_bytes()[:60])  # truncated inside IDAT: pypng's error -> ValueError
    with pytest.raises(ValueError, match="cannot read image .*rgb16.png"):
        read_image(rgb16)
    with pytest.raises(ValueError, match="holds no images"):
        list_images(_empty(tmp_path))
    with pytest.raises(TypeError, match="uint8 or uint16"):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="only be written as PNG"):
        write_image(tmp_path / "x.tif", np.zeros((4, 4, 3), np.uint16))
    assert not (tmp_path / "x.tif").exists()


def test_16bit_colour_png(tmp_path):
    """16-bit colour PNGs keep every bit: read (a file written independently of the package),
    written back (pypng), and fed to a dataset as /65535 floats."""
    rng = np.random.default_rng(3)
    img = rng.integers(0, 65536, (12, 16, 3), dtype=np.uint16)
    _png16_rgb(str(tmp_path / "hand.png"), img)
    got = read_image(tmp_path / "hand.png")
    assert got.dtype == np.uint16 and got.shape == (12, 16, 3) and np.array_equal(got, img)
    assert np.any(got % 256 != 0)  # not an 8-bit image scaled up
    write_image(tmp_path / "out.png", img)
    assert np.array_equal(read_image(tmp_path / "out.png"), img)
    rgba = np.concatenate([img, np.full((12, 16, 1), 65535, np.uint16)], axis=2)
    write_image(tmp_path / "rgba.png", rgba)
    assert np.array_equal(read_image(tmp_path / "rgba.png"), img)  # alpha dropped
    gray = read_image(tmp_path / "out.png", channels=1)
    assert gray.dtype == np.uint16 and gray.shape == (12, 16, 1)
    from srgan_cpp.data.datasets import to_tensor
    t = to_tensor(img)
    assert t.shape == (3, 12, 16) and abs(float(t.max()) - img.max() / 65535.0) < 1e-6


def _empty(tmp_path) -> str:
    d = tmp_path / "empty"
    d.mkdir()
    (d / "notes.txt").write_text("x")
    return str(d)


# --- degradations ------------------------------------------------------------------------------
def test_gaussian_kernel_and_blur():
    k = gaussian_kernel(7, 1.6)
    assert k.shape == (7, 7) and k.sum() == pytest.approx(1.0)
    assert k[3, 3] / k[3, 4] == pytest.approx(np.exp(1 / (2 * 1.6 ** 2)))  # exp(-x^2 / 2 sigma^2)
    scipy_ndimage = pytest.importorskip("scipy.ndimage")
    img = np.random.default_rng(0).random((20, 23))
    ours = gaussian_blur(img, 1.6, 7)  # replicate border == scipy 'nearest'
    ref = scipy_ndimage.gaussian_filter(img, 1.6, mode="nearest", truncate=3 / 1.6)
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    u8 = (img * 255).astype(np.uint8)
    out8 = gaussian_blur(u8, 1.6, 7)
    assert out8.dtype == np.uint8
    np.testing.assert_array_equal(out8, np.floor(gaussian_blur(u8.astype(np.float64), 1.6, 7) + 0.5).astype(np.uint8))
    t = torch.from_numpy(u8)[None]
    np.testing.assert_array_equal(gaussian_blur(t, 1.6, 7)[0].numpy(), out8)


def test_nearest_and_blur_downsample():
    img = np.arange(12 * 12, dtype=np.float64).reshape(12, 12)
    # MATLAB imresize(.., 1/s, 'nearest') keeps pixels floor(s/2) + s*i (0-based)
    np.testing.assert_array_equal(nearest_downsample(img, 3), img[1::3, 1::3])
    np.testing.assert_array_equal(nearest_downsample(img, 4), img[2::4, 2::4])
    np.testing.assert_array_equal(nearest_downsample(img[:11, :11], 4), img[[2, 6, 10]][:, [2, 6, 10]])
    t = torch.from_numpy(img)[None, None]
    np.testing.assert_array_equal(nearest_downsample(t, 3)[0, 0].numpy(), img[1::3, 1::3])
    photo = _photo(48, 60)
    bd = blur_downsample(photo, 3, 1.6, 7)
    np.testing.assert_array_equal(bd, nearest_downsample(gaussian_blur(photo, 1.6, 7), 3))
    assert bd.shape == (16, 20, 3)
    bb = blur_downsample(photo, 3, 1.6, 7, downsample="bicubic")
    np.testing.assert_array_equal(bb, imresize(gaussian_blur(photo, 1.6, 7), 1 / 3))
    np.testing.assert_array_equal(bicubic_downsample(photo, 4), imresize(photo, 0.25))
    with pytest.raises(ValueError, match="`scale` must be a positive integer"):
        blur_downsample(photo, 2.5, 1.0)


def test_noise_and_jpeg_are_seeded():
    photo = _photo(64, 64)
    a = add_gaussian_noise(photo, 10, rng=1)
    assert np.array_equal(a, add_gaussian_noise(photo, 10, rng=1))
    assert not np.array_equal(a, add_gaussian_noise(photo, 10, rng=2))
    f = add_gaussian_noise(np.full((128, 128), 0.5), 25.5, rng=0)  # 25.5 / 255 = 0.1 in [0, 1] units
    assert f.std() == pytest.approx(0.1, rel=0.05)
    j = jpeg_compress(photo, 30)
    assert j.dtype == np.uint8 and j.shape == photo.shape and not np.array_equal(j, photo)
    assert np.abs(jpeg_compress(photo, 95).astype(int) - photo).mean() < np.abs(j.astype(int) - photo).mean()
    tj = jpeg_compress(torch.from_numpy(photo).permute(2, 0, 1).float() / 255, 30)
    np.testing.assert_allclose(tj.permute(1, 2, 0).numpy() * 255, j, atol=1e-3)
    with pytest.raises(ValueError, match="`quality` must be an integer in \\[1, 95\\]"):
        jpeg_compress(photo, 0)


def test_degradation_pipeline_reproducible():
    photo = _photo(64, 80)
    d = Degradation(4, kind="blur", sigma=(0.8, 2.0), noise_sigma=(1, 10), jpeg_quality=(50, 90))
    a, b, c = d(photo, 7), d(photo, 7), d(photo, 8)
    assert a.shape == (16, 20, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(Degradation(4)(photo), imresize(photo, 0.25))
    with pytest.raises(ValueError, match="`kind` must be 'bicubic' or 'blur'"):
        Degradation(4, kind="box")
    with pytest.raises(ValueError, match="`jpeg_quality`"):
        Degradation(4, jpeg_quality=(0, 50))


# --- pairing -----------------------------------------------------------------------------------
def _write_set(folder, names, arr):
    os.makedirs(folder, exist_ok=True)
    for n in names:
        write_image(os.path.join(folder, n), arr)


def test_match_pairs_by_name(tmp_path):
    z = np.zeros((4, 4, 3), np.uint8)
    _write_set(tmp_path / "hr", ["baby.png", "bird.png", "img_001_SRF_4_HR.png"], z)
    _write_set(tmp_path / "lr", ["babyx4.png", "bird_x4.png", "img_001_SRF_4_LR.png"], z)
    pairs = match_pairs(tmp_path / "hr", tmp_path / "lr", 4)
    assert [(p[0], os.path.basename(p[1]), os.path.basename(p[2])) for p in pairs] == [
        ("baby", "baby.png", "babyx4.png"), ("bird", "bird.png", "bird_x4.png"),
        ("img_001", "img_001_SRF_4_HR.png", "img_001_SRF_4_LR.png")]
    write_image(tmp_path / "hr" / "zebra.png", z)
    with pytest.raises(ValueError, match=r"no LR image .* for HR \['zebra'\]"):
        match_pairs(tmp_path / "hr", tmp_path / "lr", 4)


# --- datasets ----------------------------------------------------------------------------------
def test_paired_crop_is_aligned_and_augmented_consistently(tmp_path):
    s = 4
    lr = np.random.default_rng(0).integers(0, 65536, (24, 20, 1), dtype=np.uint16)
    hr = np.kron(lr, np.ones((s, s, 1), np.uint16))  # every LR pixel is a constant HR block
    write_image(tmp_path / "hr" / "a.png", hr)
    write_image(tmp_path / "lr" / "ax4.png", lr)
    ds = PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", s, patch_size=32, augment=True, seed=3)
    seen = set()
    for epoch in range(12):
        ds.set_epoch(epoch)
        item = ds[0]
        x, y = item["lr"], item["hr"]
        assert x.shape == (1, 8, 8) and y.shape == (1, 32, 32) and x.dtype == torch.float32
        assert torch.equal(torch.repeat_interleave(torch.repeat_interleave(x, s, 1), s, 2), y)
        assert float(x.max()) <= 1.0
        seen.add(x.numpy().tobytes())
    assert len(seen) > 6  # different crops / transforms per epoch
    ds.set_epoch(5)
    assert torch.equal(ds[0]["lr"], ds[0]["lr"])  # reproducible for (seed, epoch, index)


def test_augment_covers_the_eight_transforms():
    a = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    b = np.kron(a, np.ones((2, 2, 1), np.uint8))
    outs = set()
    for seed in range(64):
        x, y = augment([a, b], np.random.default_rng(seed))
        assert np.array_equal(np.kron(x, np.ones((2, 2, 1), np.uint8)), y)
        outs.add((x.shape, x.tobytes()))
    assert len(outs) == 8


def test_paired_size_mismatch_and_bad_files(tmp_path):
    _write_set(tmp_path / "hr", ["a.png"], np.zeros((40, 40, 3), np.uint8))
    _write_set(tmp_path / "lr", ["a.png"], np.zeros((11, 10, 3), np.uint8))
    ds = PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 4)
    with pytest.raises(ValueError, match=r"HR .*a.png' is 40x40 and LR .*a.png' is 11x10.*`scale`=4"):
        ds[0]
    (tmp_path / "lr" / "a.png").write_bytes(b"broken")
    with pytest.raises(ValueError, match="cannot read image"):
        ds[0]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        PairedFolderDataset(tmp_path / "nope", tmp_path / "lr", 4)
    with pytest.raises(ValueError, match="`patch_size` must be a positive multiple of `scale`=4"):
        PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 4, patch_size=30)
    with pytest.raises(ValueError, match="`scale` must be a positive integer"):
        PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 2.5)


def test_paired_hr_is_cropped_to_lr_times_scale(tmp_path):
    hr = _photo(50, 61)
    _write_set(tmp_path / "hr", ["a.png"], hr)
    _write_set(tmp_path / "lr", ["a.png"], imresize(modcrop(hr, 4), 0.25))
    item = PairedFolderDataset(tmp_path / "hr", tmp_path / "lr", 4)[0]
    assert tuple(item["hr"].shape) == (3, 48, 60) and tuple(item["lr"].shape) == (3, 12, 15)


@pytest.mark.parametrize("degradation", [None, Degradation(3, kind="blur", sigma=1.2)])
def test_hr_only_patch_equals_crop_of_whole_degraded_image(tmp_path, degradation):
    hr = _photo(90, 120)
    _write_set(tmp_path / "hr", ["a.png"], hr)
    ds = HRFolderDataset(tmp_path / "hr", 3, patch_size=24, degradation=degradation, seed=0)
    full_ds = HRFolderDataset(tmp_path / "hr", 3, degradation=degradation)
    full_lr = full_ds[0]["lr"]
    full_hr = full_ds[0]["hr"]
    for epoch in range(6):
        ds.set_epoch(epoch)
        item = ds[0]
        x, y = item["lr"], item["hr"]
        assert x.shape == (3, 8, 8) and y.shape == (3, 24, 24)
        # locate the HR patch in the full HR image, then compare with the full LR there
        found = False
        for i in range(0, 90 - 24 + 1, 3):
            for j in range(0, 120 - 24 + 1, 3):
                if torch.equal(full_hr[:, i:i + 24, j:j + 24], y):
                    assert torch.equal(full_lr[:, i // 3:i // 3 + 8, j // 3:j // 3 + 8], x)
                    found = True
        assert found


def test_grayscale_16bit_hr_only(tmp_path):
    ir = (np.random.default_rng(0).random((40, 44)) * 60000).astype(np.uint16)
    _write_set(tmp_path / "ir", ["t.png"], ir)
    item = HRFolderDataset(tmp_path / "ir", 2)[0]
    assert tuple(item["hr"].shape) == (1, 40, 44)
    np.testing.assert_allclose(item["hr"][0].numpy(), ir / 65535.0, atol=1e-7)
    np.testing.assert_allclose(item["lr"][0].numpy(), imresize(ir, 0.5) / 65535.0, atol=1e-7)
    rgb = HRFolderDataset(tmp_path / "ir", 2, channels=3)[0]
    assert tuple(rgb["lr"].shape) == (3, 20, 22)


def test_dataloader_with_workers_is_reproducible(tmp_path):
    photo = _photo(64, 64)
    _write_set(tmp_path / "hr", [f"{k}.png" for k in range(4)], photo)
    ds = HRFolderDataset(tmp_path / "hr", 2, patch_size=16, augment=True,
                         degradation=Degradation(2, noise_sigma=5), seed=11)

    def run(workers):
        return [b["lr"] for b in DataLoader(ds, batch_size=2, num_workers=workers)]

    a, b = run(0), run(2)
    assert len(a) == 2 and a[0].shape == (2, 3, 8, 8)
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_patch_larger_than_image(tmp_path):
    _write_set(tmp_path / "hr", ["a.png"], np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(ValueError, match="smaller than `patch_size`=32"):
        HRFolderDataset(tmp_path / "hr", 2, patch_size=32)[0]


# --- benchmark layouts -------------------------------------------------------------------------
def test_benchmark_layouts(tmp_path):
    hr = _photo(48, 52)
    lr = imresize(modcrop(hr, 4), 0.25)
    _write_set(tmp_path / "A" / "HR", ["baby.png"], hr)
    _write_set(tmp_path / "A" / "LR_bicubic" / "X4", ["babyx4.png"], lr)
    _write_set(tmp_path / "B" / "GTmod12", ["baby.png"], modcrop(hr, 12))
    _write_set(tmp_path / "B" / "LRbicx4", ["baby.png"], imresize(modcrop(hr, 12), 0.25))
    _write_set(tmp_path / "C" / "image_SRF_4", ["img_001_SRF_4_HR.png"], hr)
    _write_set(tmp_path / "C" / "image_SRF_4", ["img_001_SRF_4_LR.png"], lr)
    _write_set(tmp_path / "D", ["baby.png"], hr)
    layouts = {k: find_benchmark_layout(tmp_path / k, 4)[2] for k in "ABCD"}
    assert layouts == {"A": "HR + LR_bicubic/X4", "B": "GTmod12 + LRbicx4", "C": "image_SRF_4", "D": "HR only"}
    for k in "ABCD":
        ds = BenchmarkDataset(tmp_path / k, 4)
        assert len(ds) == 1 and ds.name == k
        x, y = ds.load_pair(0)
        assert y.shape[0] == 4 * x.shape[0] and y.shape[1] == 4 * x.shape[1]
    x, y = BenchmarkDataset(tmp_path / "D", 4).load_pair(0)
    np.testing.assert_array_equal(x, lr)
    np.testing.assert_array_equal(y, modcrop(hr, 4))
    with pytest.raises(ValueError, match="no images for scale 3"):
        find_benchmark_layout(_empty(tmp_path), 3)
