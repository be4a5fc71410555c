"""srgan_cpp.demo, the bundled images and the command line (short runs only)."""
from __future__ import annotations

import math
import os
import runpy
import sys

import numpy as np
import pytest
import torch

import srgan_cpp
from srgan_cpp import cli
from srgan_cpp.data import bundled_images
from srgan_cpp.demo import _rgb_uint8, _ycbcr, run_demo
from srgan_cpp.image import load_image
from srgan_cpp.metrics import psnr
from srgan_cpp.models import SRCNN, load_state_dict_file


def test_bundled_images():
    paths = bundled_images()
    assert [p.name for p in paths] == sorted(p.name for p in paths)
    assert 4 <= len(paths) <= 6
    assert sum(p.stat().st_size for p in paths) < 1.5e6
    licences = (paths[0].parent / "LICENSES.md").read_text()
    for p in paths:
        assert p.suffix == ".png" and f"`{p.name}`" in licences
        img = load_image(p, mode=None)
        assert img.dtype == np.uint8 and img.shape[:2] == (252, 336)
        assert img.std() > 20  # a real photograph, not a flat test card
    assert all(p.is_relative_to(os.path.dirname(srgan_cpp.__file__)) for p in paths)  # shipped in the package


def test_colour_helpers():
    """The demo's colour and PSNR steps (srgan_cpp.metrics on float images in [0, 1])."""
    rgb = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    ycc = _ycbcr(rgb)
    assert ycc.dtype == np.float64
    assert 16 / 255 - 1e-9 <= ycc[..., 0].min() and ycc[..., 0].max() <= 235 / 255 + 1e-9
    np.testing.assert_array_equal(_rgb_uint8(ycc), rgb)
    white = _ycbcr(np.full((1, 1, 3), 255, np.uint8))
    np.testing.assert_allclose(white[0, 0], [235 / 255, 128 / 255, 128 / 255], atol=1e-6)
    a = np.zeros((10, 10))
    b = a.copy()
    b[5, 5] = 0.1
    assert psnr(a, a) == math.inf
    assert psnr(a, b) == pytest.approx(10 * math.log10(1 / (0.01 / 100)))
    assert psnr(a, b, crop_border=1) == pytest.approx(10 * math.log10(1 / (0.01 / 64)))
    c = a.copy()
    c[0, 3] = 0.5
    assert psnr(a, c, crop_border=1) == math.inf  # the only difference lies in the ignored border
    with pytest.raises(ValueError):
        psnr(a, b[:5])


def test_run_demo_short(tmp_path):
    out = tmp_path / "out"
    r = run_demo(seconds=3, out_dir=out, scale=3, seed=0, verbose=False)
    assert r["steps"] >= 1 and r["patches_seen"] == 16 * r["steps"]
    for key in ("psnr_srcnn", "psnr_bicubic", "gain_db", "train_seconds", "final_loss"):
        assert math.isfinite(r[key]), key
    assert 20 < r["psnr_bicubic"] < 45  # bicubic x3 on a photograph
    assert r["gain_db"] == pytest.approx(r["psnr_srcnn"] - r["psnr_bicubic"])
    assert r["holdout"] == "astronaut" and "astronaut" not in r["train_images"] and len(r["train_images"]) >= 3

    h, w = r["image_size"]
    assert (h, w) == (252, 336)
    comp = load_image(r["comparison"], mode=None)
    assert comp.dtype == np.uint8 and comp.shape == (h + 22, 3 * w + 2 * 4, 3)
    # The right-hand panel is the ground truth itself, the left one the bicubic baseline.
    truth = load_image(bundled_images()[[p.stem for p in bundled_images()].index("astronaut")])
    np.testing.assert_array_equal(comp[22:, 2 * (w + 4):], truth[:h, :w])
    assert not np.array_equal(comp[22:, :w], truth[:h, :w])

    state = load_state_dict_file(r["weights"])
    model = SRCNN(1, kernel_sizes=r["variant"], padding="valid")
    model.load_state_dict(state)
    assert all(torch.isfinite(v).all() for v in state.values())
    reloaded = srgan_cpp.models.load(r["weights"], padding="valid")  # detected as SRCNN
    x = torch.rand(1, 1, 20, 20)
    assert type(reloaded) is SRCNN and torch.equal(reloaded(x), model(x))
    assert sorted(os.listdir(out)) == ["comparison_x3.png", "srcnn_x3.pt"]  # no temp files left


def test_run_demo_other_scale_and_bad_args(tmp_path):
    r = run_demo(seconds=0.5, out_dir=tmp_path, scale=2, holdout="camera", verbose=False)
    assert os.path.basename(r["comparison"]) == "comparison_x2.png"
    assert math.isfinite(r["psnr_srcnn"]) and r["psnr_bicubic"] > 25
    with pytest.raises(ValueError, match="`seconds`"):
        run_demo(seconds=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="`scale`"):
        run_demo(seconds=1, out_dir=tmp_path, scale=1)
    with pytest.raises(ValueError, match="`holdout`"):
        run_demo(seconds=1, out_dir=tmp_path, holdout="lena")


def test_cli_demo(tmp_path, capsys):
    assert cli.main(["demo", "--seconds", "0.5", "--out", str(tmp_path), "--scale", "4", "--seed", "1", "--quiet"]) == 0
    line = capsys.readouterr().out
    assert "bicubic" in line and "SRCNN" in line
    assert (tmp_path / "comparison_x4.png").is_file() and (tmp_path / "srcnn_x4.pt").is_file()


def test_cli_errors(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([])  # a subcommand is required
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--seconds", "-1"])
    assert e.value.code == 2
    assert "--seconds" in capsys.readouterr().err
    assert cli.main(["demo", "--seconds", "1", "--holdout", "nope", "--quiet"]) == 2
    assert "holdout" in capsys.readouterr().err


def test_python_m(monkeypatch, capsys):
    # `python -m srgan_cpp` runs srgan_cpp/__main__.py; run it in-process (a subprocess would
    # spend seconds importing torch again).
    monkeypatch.setattr(sys, "argv", ["srgan_cpp", "demo", "--help"])
    with pytest.raises(SystemExit) as e:
        runpy.run_module("srgan_cpp", run_name="__main__")
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--seconds" in out and "--scale" in out and "--seed" in out and "--out" in out
