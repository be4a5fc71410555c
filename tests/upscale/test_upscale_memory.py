"""Out of memory: the batch, then the tile, is halved and the pass redone; auto tile sizes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import srgan_cpp
from srgan_cpp.upscale import Upscaler
from srgan_cpp.upscale.memory import auto_tile, estimate_bytes_per_pixel, is_oom
from upscale_helpers import random_image, tiny_srvgg


class _Limited(nn.Module):
    """Wraps a model and raises torch.OutOfMemoryError for inputs with more pixels than allowed."""

    def __init__(self, inner: nn.Module, max_pixels: int):
        super().__init__()
        self.inner, self.max_pixels, self.calls = inner, max_pixels, []

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        if x.shape[0] * x.shape[-2] * x.shape[-1] > self.max_pixels:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return self.inner(x)


def test_out_of_memory_halves_the_tile_and_retries():
    inner = tiny_srvgg()
    img = random_image(70, 90)
    up = Upscaler(_Limited(inner, 40 * 40), tile=128, overlap=8, precision="fp32")
    out = up.run(img)
    # 128 -> one 70x90 tile (too big) -> at most 45: 2x3 tiles of 39x36 (fit)
    assert up.last_stats.retries == 1 and up.last_stats.tile == (39, 36)
    np.testing.assert_array_equal(out, Upscaler(inner, tile=45, overlap=8, precision="fp32").run(img))
    assert all(h * w <= 40 * 40 for _, _, h, w in up.model.calls[-6:])


def test_out_of_memory_first_drops_the_batch():
    inner = tiny_srvgg()
    up = Upscaler(_Limited(inner, 32 * 32), tile=32, overlap=8, batch=3, precision="fp32")
    up.run(random_image(40, 90))
    assert up.last_stats.batch == 1 and up.last_stats.tile == (24, 29) and up.last_stats.retries == 1


def test_out_of_memory_at_the_smallest_tile_fails_cleanly(tmp_path):
    model = _Limited(tiny_srvgg(), 25 * 25)  # the 25x25 probe of an unregistered module passes, no tile does
    src = tmp_path / "in.png"
    srgan_cpp.image.save_image(src, random_image(40, 40))
    with pytest.raises(MemoryError, match="out of memory"):
        Upscaler(model, tile=32, overlap=16).run_file(src, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()  # never a partial image


def test_other_errors_are_not_retried():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            if x.shape[-1] != 24 and x.shape[-1] != 25:  # the probe sizes pass
                raise RuntimeError("shape mismatch in layer 3")
            return x.repeat_interleave(2, -1).repeat_interleave(2, -2)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        Upscaler(Broken(), tile=16, overlap=4).run(random_image(30, 30))


def test_is_oom():
    assert is_oom(torch.OutOfMemoryError("x")) and is_oom(MemoryError())
    assert is_oom(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 123 bytes"))
    assert not is_oom(RuntimeError("size mismatch")) and not is_oom(ValueError("out of memory"))


def test_auto_tile_follows_the_memory_budget():
    model = srgan_cpp.models.RRDBNet(num_feat=64, num_block=1, num_grow_ch=32, scale=2)
    kw = dict(channels=3, scale=2, multiple=2, min_size=1, overlap=16, batch_streams=1, acc_channels=3,
              image_hw=(4000, 6000), device=torch.device("cpu"), dtype=torch.float32)
    small = auto_tile(model, None, limit_bytes=64 << 20, **kw)
    large = auto_tile(model, None, limit_bytes=64 << 30, **kw)
    assert 64 <= small < large <= 512 and small % 2 == 0 and large % 2 == 0
    per_px = estimate_bytes_per_pixel(model, 2, 4)
    assert small * small * per_px <= 32 << 20  # within half the budget
    assert auto_tile(model, None, limit_bytes=64 << 30, **{**kw, "image_hw": (50, 70)}) == 70  # never above the image
    up = Upscaler(tiny_srvgg(), precision="fp32")  # "auto" end to end
    up.run(random_image(30, 40))
    assert up.last_stats.tile == (30, 40)


def test_only_tiles_and_one_band_of_rows_reach_the_device(monkeypatch):
    import srgan_cpp.upscale.engine as engine

    inner = tiny_srvgg()
    model = _Limited(inner, 10**9)  # records every input shape
    allocated = []
    real_zeros = torch.zeros

    def zeros(*shape, **kw):
        t = real_zeros(*shape, **kw)
        allocated.append(tuple(t.shape))
        return t
    monkeypatch.setattr(engine.torch, "zeros", zeros)
    up = Upscaler(model, tile=48, overlap=8, precision="fp32")
    up.run(random_image(150, 200))
    calls = up.model.calls  # the Upscaler's own copy of the model
    assert max(h for _, _, h, _ in calls) <= 48 and max(w for _, _, _, w in calls) <= 48
    (band,) = [s for s in allocated if len(s) == 3]  # the one accumulator: a band of output rows, full width
    assert band[0] <= 48 * 2 and band[1] == 400


def test_run_dir_warns_about_non_images(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    srgan_cpp.image.save_image(src / "a.png", random_image(12, 12))
    (src / "readme.md").write_text("hi")
    with pytest.warns(UserWarning, match="readme.md.*not an image"):
        report = Upscaler(tiny_srvgg()).run_dir(src, tmp_path / "out", progress=False)
    assert [e["status"] for e in report.entries] == ["done"] and report.exit_code == 0
