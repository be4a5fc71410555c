"""``srgan-cpp eval --model/--weights`` forms, and non-finite model outputs (never a score)."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

import srgan_cpp
from srgan_cpp import cli
from srgan_cpp.data import bundled_images, modcrop, read_image, write_image
from srgan_cpp.eval_cli import load_model, read_weights
from srgan_cpp.evaluation import NonFiniteOutputError
from srgan_cpp.models import MSRResNet, save

SCALE = 4


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Two small HR-only benchmark images (crops of the bundled colour photographs)."""
    root = tmp_path_factory.mktemp("evalcli") / "Tiny"
    colour = [img for img in (read_image(p) for p in bundled_images()) if img.ndim == 3 and img.shape[2] == 3]
    for i, img in enumerate(colour[:2]):
        write_image(root / f"photo{i}.png", modcrop(img[40:88, 60:116], SCALE))
    return root


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """An importable package ``h6pkg.models`` with models, factories and bad outputs."""
    pkg = tmp_path / "h6pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(
        "import torch\n"
        "from srgan_cpp.data import imresize\n"
        "CALLS = []\n"
        "class Up(torch.nn.Module):\n"
        "    def __init__(self, fill=None):\n"
        "        super().__init__()\n"
        "        self.fill = fill\n"
        "    def forward(self, x):\n"
        "        y = imresize(x, 4)\n"
        "        if self.fill is not None:\n"
        "            y = y.clone()\n"
        "            y[..., 3, 5] = self.fill\n"
        "        return y\n"
        "def make_up():\n"
        "    CALLS.append('factory')\n"
        "    return Up()\n"
        "def make_nan():\n"
        "    return Up(float('nan'))\n"
        "def make_inf():\n"
        "    return Up(float('inf'))\n"
        "def upscale(x):\n"
        "    CALLS.append(tuple(x.shape))\n"
        "    return imresize(x, 4)\n"
        "class Holder:\n"
        "    model = Up()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "h6pkg.models"
    import sys

    for name in ("h6pkg.models", "h6pkg"):
        sys.modules.pop(name, None)


def _eval(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def _psnr_rows(out: str):
    return [line for line in out.splitlines() if " | " in line and "/" in line]


def test_dotted_module_forms(dataset, user_module, capsys):
    import importlib

    mod = importlib.import_module(user_module)
    for attr in ("Up", "make_up", "upscale", "Holder.model"):
        status, out, err = _eval(["eval", str(dataset), "-s", "4", "--model", f"{user_module}:{attr}",
                                  "--no-progress", "--no-bicubic", "--channels", "y"], capsys)
        assert status == 0, err
        assert len(_psnr_rows(out)) == 1
    # the factory was called once with no arguments, the function on each image's tensor
    assert mod.CALLS.count("factory") == 1
    shapes = [c for c in mod.CALLS if c != "factory"]
    assert len(shapes) == 2 and all(len(s) == 4 and s[:2] == (1, 3) for s in shapes)


def test_factory_is_called_without_arguments():
    model = load_model("srgan_cpp.models:MSRResNet")
    assert isinstance(model, MSRResNet)
    calls = []

    def factory(width=8):  # every parameter has a default: a factory
        calls.append(width)
        return torch.nn.Identity()

    import types
    import sys

    sys.modules["h6_factory_mod"] = types.SimpleNamespace(factory=factory, __name__="h6_factory_mod")  # type: ignore
    try:
        assert isinstance(load_model("h6_factory_mod:factory"), torch.nn.Identity) and calls == [8]
    finally:
        del sys.modules["h6_factory_mod"]


def test_weights_written_by_models_save(dataset, tmp_path, capsys):
    torch.manual_seed(3)
    model = MSRResNet(num_feat=16, num_block=2)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(0.5)
    want = srgan_cpp.evaluate(model, dataset, SCALE, bicubic=False, progress=False, print_table=False, model_name="m")
    for name, kwargs in [("basicsr.pth", {}), ("ema.pth", {"param_key": "params_ema"}), ("both.pth", {"also_ema": True})]:
        path = tmp_path / name
        save(model, path, **kwargs)
        state = read_weights(str(path))
        assert state.keys() == model.state_dict().keys()
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, tmp_path / "ddp.pt")
    # the CLI rebuilds the architecture from a factory module and loads each file into it
    import sys
    import types

    sys.modules["h6_small"] = types.SimpleNamespace(make=lambda: MSRResNet(num_feat=16, num_block=2))  # type: ignore
    try:
        for name in ("basicsr.pth", "ema.pth", "both.pth", "ddp.pt"):
            js = tmp_path / f"{name}.json"
            status, _, err = _eval(["eval", str(dataset), "-s", "4", "--model", "h6_small:make", "--weights",
                                    str(tmp_path / name), "--no-bicubic", "--no-progress", "--name", "m",
                                    "--json", str(js)], capsys)
            assert status == 0, err
            got = json.loads(js.read_text())["results"]["Tiny"]["m"]
            assert got == pytest.approx(want.results["Tiny"]["m"], abs=1e-9)
        status, _, err = _eval(["eval", str(dataset), "-s", "4", "--model", "srgan_cpp.models:MSRResNet", "--weights",
                                str(tmp_path / "basicsr.pth"), "--no-progress"], capsys)
        assert status == 2 and "--weights" in err and "does not fit" in err and len(err.strip().splitlines()) == 1
    finally:
        del sys.modules["h6_small"]


def test_self_referencing_weights_file_is_refused(tmp_path):
    d: dict = {}
    d["params"] = d
    torch.save(d, tmp_path / "loop.pth")
    with pytest.raises(ValueError, match="--weights: .*(refers to itself|nested deeper)"):
        read_weights(str(tmp_path / "loop.pth"))
    torch.save({"params": {"w": 3}}, tmp_path / "notensors.pth")
    with pytest.raises(ValueError, match="--weights: .*(non-tensor entries|does not hold a state dict)"):
        read_weights(str(tmp_path / "notensors.pth"))


@pytest.mark.parametrize("factory, kind", [("make_nan", "NaN"), ("make_inf", "+inf")])
def test_non_finite_output_is_a_failure_naming_the_image(dataset, user_module, tmp_path, factory, kind, capsys):
    import importlib

    mod = importlib.import_module(user_module)
    first = sorted(p.stem for p in dataset.iterdir())[0]
    with pytest.raises(NonFiniteOutputError, match=rf"{re.escape(kind)} for image 'Tiny/{first}' \(3 of \d+ values\)"):
        srgan_cpp.evaluate(getattr(mod, factory)(), dataset, SCALE, progress=False, print_table=False)
    js = tmp_path / "r.json"
    status, out, err = _eval(["eval", str(dataset), "-s", "4", "--model", f"{user_module}:{factory}", "--no-progress",
                              "--json", str(js), "--save-dir", str(tmp_path / "sr")], capsys)
    assert status == 1, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"Tiny/{first}" in err and kind in err
    assert not js.exists() and not (tmp_path / "sr" / "Tiny" / f"{first}.png").exists()  # nothing scored or written
    assert not _psnr_rows(out)


def test_y_only_nan_output_is_refused_too(dataset):
    def y_nan(x):
        y = torch.nn.functional.interpolate(x, scale_factor=4.0, mode="nearest")
        return torch.where(y > 0.5, torch.full_like(y, float("nan")), y)

    with pytest.raises(NonFiniteOutputError, match="NaN for image 'Tiny/"):
        srgan_cpp.evaluate(y_nan, dataset, SCALE, model_channels="y", progress=False, print_table=False)
    finite = srgan_cpp.evaluate(lambda x: torch.nn.functional.interpolate(x, scale_factor=4.0, mode="nearest"),
                                dataset, SCALE, model_channels="y", progress=False, print_table=False)
    assert all(np.isfinite(v) for v in finite.results["Tiny"]["model"].values())
