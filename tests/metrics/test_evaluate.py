"""The evaluator and ``srgan-cpp eval``."""
from __future__ import annotations

import argparse
import importlib
import json
import os

import numpy as np
import pytest
import torch

import srgan_cpp
from srgan_cpp.data import imresize, modcrop, read_image, write_image
from srgan_cpp.eval_cli import add_eval_subparser, load_model
from srgan_cpp.metrics import psnr, ssim

SCALE = 4


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """Two small benchmark folders in different layouts, made from real photographs."""
    skdata = pytest.importorskip("skimage.data")
    root = tmp_path_factory.mktemp("bench")
    photos = {"astro": skdata.astronaut()[60:160, 120:236], "cat": skdata.chelsea()[40:130, 100:210]}
    for name, im in photos.items():
        hr = modcrop(im, SCALE)
        write_image(root / "SetA" / "HR" / f"{name}.png", hr)
        write_image(root / "SetA" / "LR_bicubic" / f"X{SCALE}" / f"{name}x{SCALE}.png", imresize(hr, 1 / SCALE))
    write_image(root / "SetB" / "coffee.png", skdata.coffee()[100:190, 200:301])  # HR only, not a multiple of 4
    return root


def _expected_bicubic(folder_hr, folder_lr=None):
    vals = []
    for f in sorted(os.listdir(folder_hr)):
        hr = modcrop(read_image(os.path.join(folder_hr, f)), SCALE)
        lr = imresize(hr, 1 / SCALE)
        sr = imresize(lr, SCALE)
        vals.append((psnr(sr, hr, SCALE, "y"), ssim(sr, hr, SCALE, "y"), psnr(sr, hr, SCALE), ssim(sr, hr, SCALE)))
    return np.mean(vals, axis=0)


class TorchBicubic(torch.nn.Module):
    def forward(self, x):
        return imresize(x, SCALE)


def test_bicubic_baseline_numbers(bench, tmp_path, capsys):
    rep = srgan_cpp.evaluate(None, [bench / "SetA", bench / "SetB"], SCALE, json_path=tmp_path / "r.json", progress=False)
    for name, folder in (("SetA", bench / "SetA" / "HR"), ("SetB", bench / "SetB")):
        exp = _expected_bicubic(folder)
        got = rep.results[name]["bicubic"]
        np.testing.assert_allclose([got["psnr_y"], got["ssim_y"], got["psnr_rgb"], got["ssim_rgb"]], exp, atol=1e-9)
    assert rep.n_images == {"SetA": 2, "SetB": 1}
    out = capsys.readouterr().out
    assert "Y channel (BT.601)" in out and "RGB" in out and "SetA (2)" in out and "bicubic" in out
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["scale"] == SCALE and saved["crop_border"] == SCALE
    assert saved["results"]["SetA"]["bicubic"]["psnr_y"] == pytest.approx(rep.results["SetA"]["bicubic"]["psnr_y"])
    assert set(saved["per_image"]["SetA"]["bicubic"]) == {"astro", "cat"}
    assert [n for n in os.listdir(tmp_path)] == ["r.json"]


def test_model_rows_and_saved_outputs(bench, tmp_path, capsys):
    model = TorchBicubic()
    rep = srgan_cpp.evaluate(model, bench / "SetA", SCALE, model_name="torch-bicubic", save_dir=tmp_path / "out",
                             progress=True, channels=("y",))
    err = capsys.readouterr().err
    assert "evaluate" in err  # the progress bar
    bic, ours = rep.results["SetA"]["bicubic"], rep.results["SetA"]["torch-bicubic"]
    assert set(ours) == {"psnr_y", "ssim_y"}
    # float32 and a single final rounding instead of MATLAB's per-pass uint8 rounding: nearly equal
    assert ours["psnr_y"] == pytest.approx(bic["psnr_y"], abs=0.05)
    assert ours["ssim_y"] == pytest.approx(bic["ssim_y"], abs=1e-3)
    saved = read_image(tmp_path / "out" / "SetA" / "astro.png")
    lr = read_image(bench / "SetA" / "LR_bicubic" / "X4" / "astrox4.png")
    assert saved.shape == (lr.shape[0] * SCALE, lr.shape[1] * SCALE, 3)
    x = torch.from_numpy(lr).permute(2, 0, 1)[None].float() / 255
    expected = torch.floor(imresize(x, SCALE)[0].double().clamp(0, 1) * 255 + 0.5).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(saved, expected.astype(np.uint8))


def test_y_only_model_on_bicubic_input(bench):
    # an identity model fed the bicubic image's Y reproduces the bicubic baseline exactly
    rep = srgan_cpp.evaluate(lambda x: x.clone(), bench / "SetA", SCALE, model_input="bicubic", model_channels="y",
                             progress=False, print_table=False)
    assert rep.results["SetA"]["model"] == rep.results["SetA"]["bicubic"]


def test_srcnn_runs_through_the_evaluator(bench):
    torch.manual_seed(0)
    net = srgan_cpp.models.SRCNN(in_channels=1, kernel_sizes="9-1-5")
    net.train()
    rep = srgan_cpp.evaluate(net, bench / "SetB", SCALE, model_input="bicubic", model_channels="y",
                             progress=False, print_table=False, model_name="srcnn")
    assert np.isfinite(rep.results["SetB"]["srcnn"]["psnr_y"])
    assert net.training  # mode restored


def test_evaluate_errors(bench):
    with pytest.raises(ValueError, match="returned shape .* expected"):
        srgan_cpp.evaluate(lambda x: x, bench / "SetA", SCALE, progress=False, print_table=False)
    with pytest.raises(ValueError, match="nothing to evaluate"):
        srgan_cpp.evaluate(None, bench / "SetA", SCALE, bicubic=False)
    with pytest.raises(ValueError, match="`scale` must be a positive integer"):
        srgan_cpp.evaluate(None, bench / "SetA", 2.5)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        srgan_cpp.evaluate(None, bench / "nope", SCALE)
    with pytest.raises(ValueError, match="`channels` must be a non-empty subset"):
        srgan_cpp.evaluate(None, bench / "SetA", SCALE, channels=("lab",))


def test_evaluate_is_the_function_and_the_module_is_evaluation():
    mod = importlib.import_module("srgan_cpp.evaluation")
    assert srgan_cpp.evaluate is mod.evaluate and srgan_cpp.evaluate.__name__ == "evaluate"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="srgan-cpp")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_subparser(sub)
    return parser.parse_args(argv)


def test_cli_bicubic_and_python_model(bench, tmp_path, monkeypatch, capsys):
    args = _parse(["eval", str(bench / "SetA"), str(bench / "SetB"), "--scale", "4", "--no-progress",
                   "--json", str(tmp_path / "a.json")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "SetA (2)" in out and "SetB (1)" in out
    assert json.loads((tmp_path / "a.json").read_text())["n_images"] == {"SetA": 2, "SetB": 1}

    (tmp_path / "mymodels.py").write_text(
        "import torch\nfrom srgan_cpp.data import imresize\n"
        "class Up(torch.nn.Module):\n    def forward(self, x):\n        return imresize(x, 4)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    args = _parse(["eval", str(bench / "SetA"), "-s", "4", "--model", "mymodels:Up", "--no-progress", "--channels", "y",
                   "--device", "cpu"])
    args.func(args)
    out = capsys.readouterr().out
    assert "Up " in out and "RGB" not in out


class Nearest(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.interpolate(x, scale_factor=4.0, mode="nearest")


def test_cli_exported_program_model(bench, tmp_path, capsys):
    dims = {2: torch.export.Dim("h", min=4, max=4096), 3: torch.export.Dim("w", min=4, max=4096)}
    ep = torch.export.export(Nearest(), (torch.rand(1, 3, 16, 20),), dynamic_shapes={"x": dims})
    path = tmp_path / "nearest.pt2"
    torch.export.save(ep, str(path))
    args = _parse(["eval", str(bench / "SetB"), "--scale", "4", "--model", str(path), "--no-progress", "--no-bicubic"])
    args.func(args)
    out = capsys.readouterr().out
    assert "nearest" in out and "bicubic" not in out


@pytest.mark.filterwarnings("ignore:`torch.jit")
def test_cli_torchscript_model(bench, tmp_path, capsys):
    path = tmp_path / "nearest.ts"
    torch.jit.script(Nearest()).save(str(path))
    args = _parse(["eval", str(bench / "SetB"), "--scale", "4", "--model", str(path), "--no-progress", "--name", "ts"])
    args.func(args)
    out = capsys.readouterr().out
    assert "ts " in out and "bicubic" in out


@pytest.mark.filterwarnings("ignore:`torch.jit")
def test_cli_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="--model"):
        load_model(str(tmp_path / "missing.pt"))
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="--model: .* is not a TorchScript file"):
        load_model(str(tmp_path / "junk.pt"))
    with pytest.raises(ValueError, match="cannot import module"):
        load_model("no_such_module_xyz:Model")
    with pytest.raises(ValueError, match="--weights: only an nn.Module"):
        load_model("math:sqrt", weights=str(tmp_path / "junk.pt"))
