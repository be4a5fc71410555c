"""Shipped models: the registry (pretrained, names, cards), `-m NAME` through the one resolver
(upscale, info, eval), `srgan-cpp models`, `upscale --compare`, and the models really shipped."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import srgan_cpp
from srgan_cpp.cli import main
from srgan_cpp.models import shipped


def _card(name, model, default=False):
    d = srgan_cpp.models.describe(model)
    return {"name": name, "default": default, "task": "test model", "architecture": d.name, "scale": d.scale,
            "in_channels": d.in_channels, "data": {}, "recipe": "none", "training": {}, "licence": {},
            "evaluation": {"model": {"psnr_y": 30.5}, "bicubic": {"psnr_y": 29.0}}}


@pytest.fixture
def fake_weights(tmp_path, monkeypatch):
    """A weights folder holding two tiny exported models (x2 default, 1-channel x4)."""
    folder = tmp_path / "weights"
    folder.mkdir()
    torch.manual_seed(0)
    models = {"tiny_x2": srgan_cpp.models.SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=2),
              "tiny_gray_x4": srgan_cpp.models.SRVGGNetCompact(num_in_ch=1, num_out_ch=1, num_feat=8, num_conv=2, upscale=4)}
    for name, m in models.items():
        shipped.export_weights(m, folder / f"{name}.safetensors")
        (folder / f"{name}.json").write_text(json.dumps(_card(name, m, default=name == "tiny_x2")))
    (folder / "orphan.json").write_text("{}")  # a card without weights is not a model
    monkeypatch.setattr(shipped, "WEIGHTS_DIR", folder)
    return models


def test_pretrained_builds_the_exported_model_from_fp16(fake_weights):
    assert shipped.pretrained_names() == ["tiny_gray_x4", "tiny_x2"]
    assert shipped.default_model() == "tiny_x2"
    model = srgan_cpp.models.pretrained("tiny_x2")
    assert isinstance(model, srgan_cpp.models.SRVGGNetCompact) and not model.training
    assert model.pretrained_name == "tiny_x2" and model.card["task"] == "test model"
    ref = fake_weights["tiny_x2"].state_dict()
    for k, v in model.state_dict().items():
        assert v.dtype == torch.float32
        torch.testing.assert_close(v, ref[k].half().float(), rtol=0, atol=0)
    x = torch.rand(1, 3, 10, 12)
    assert model(x).shape == (1, 3, 20, 24)
    assert {p.dtype for p in srgan_cpp.models.pretrained("tiny_x2", dtype=torch.float64).parameters()} == {torch.float64}


def test_unknown_name_is_one_error_listing_the_names(fake_weights):
    with pytest.raises(KeyError, match=r"no shipped model 'nope'; shipped models: tiny_gray_x4, tiny_x2") as e:
        srgan_cpp.models.pretrained("nope")
    assert str(e.value).startswith("no shipped model")  # not KeyError's quoted repr
    with pytest.raises(KeyError, match="shipped models: tiny_gray_x4, tiny_x2"):
        srgan_cpp.models.model_card("orphan")


def test_export_refuses_an_unregistered_module(tmp_path):
    with pytest.raises(ValueError, match="not a registered architecture"):
        shipped.export_weights(torch.nn.Conv2d(3, 3, 3), tmp_path / "x.safetensors")


def test_one_resolver_takes_names(fake_weights):
    from srgan_cpp.upscale.model_info import resolve_model

    assert resolve_model("tiny_gray_x4").pretrained_name == "tiny_gray_x4"
    with pytest.raises(FileNotFoundError, match=r"'nope' is not a file, nor a model shipped.*tiny_gray_x4, tiny_x2"):
        resolve_model("nope")


def _photo(path, h=64, w=72, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    Image.fromarray(base).resize((w, h), Image.Resampling.BICUBIC).save(path)  # smooth, photo-like
    return path


def test_upscale_info_eval_take_a_name(fake_weights, tmp_path, capsys):
    src = _photo(tmp_path / "p.png")
    assert main(["upscale", str(src), "-o", str(tmp_path / "out"), "-m", "tiny_x2", "-q"]) == 0
    assert Image.open(tmp_path / "out" / "p.png").size == (144, 128)
    assert main(["upscale", str(src), "-o", str(tmp_path / "dflt"), "-q"]) == 0  # no -m: the default model
    assert Image.open(tmp_path / "dflt" / "p.png").size == (144, 128)
    assert main(["info", "tiny_gray_x4", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["scale"] == 4 and info["in_channels"] == 1
    (tmp_path / "set").mkdir()
    _photo(tmp_path / "set" / "a.png", 48, 48)
    assert main(["eval", str(tmp_path / "set"), "--scale", "2", "-m", "tiny_x2", "--json", str(tmp_path / "e.json")]) == 0
    assert "tiny_x2" in json.loads((tmp_path / "e.json").read_text())["results"]["set"]
    for argv in (["upscale", str(src), "-o", str(tmp_path / "o2"), "-m", "nope"], ["info", "nope"],
                 ["eval", str(tmp_path / "set"), "--scale", "2", "-m", "nope"]):
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "'nope'" in err and "tiny_gray_x4, tiny_x2" in err


def test_upscale_without_model_when_none_is_shipped(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shipped, "WEIGHTS_DIR", tmp_path / "none")
    assert main(["upscale", str(_photo(tmp_path / "p.png")), "-o", str(tmp_path / "o")]) == 2
    assert "-m/--model: required: no shipped model" in capsys.readouterr().err


def test_models_command_lists_and_prints_cards(fake_weights, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["name", "scale"]
    assert out[1].startswith("tiny_gray_x4") and out[2].startswith("tiny_x2 (default)")
    assert "30.50 dB (+1.50 vs bicubic)" in out[2]
    assert main(["models", "tiny_x2"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "tiny_x2"
    assert main(["models", "--json"]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)] == ["tiny_gray_x4", "tiny_x2"]
    assert main(["models", "nope"]) == 2
    assert "NAME: no shipped model 'nope'" in capsys.readouterr().err


def test_upscale_compare_writes_the_side_by_side_and_prints_psnr(fake_weights, tmp_path, capsys):
    src = _photo(tmp_path / "p.png", 96, 120)
    report = tmp_path / "r.json"
    assert main(["upscale", str(src), "-o", str(tmp_path / "out"), "-m", "tiny_x2", "--compare",
                 "--json", str(report), "--no-progress"]) == 0
    out = capsys.readouterr().out
    grid = Image.open(tmp_path / "out" / "p_compare.png")
    assert grid.size[0] >= 3 * 120 and grid.size[1] > 96
    data = json.loads(report.read_text())["compare"][0]
    from srgan_cpp.data import imresize
    from srgan_cpp.metrics import psnr

    hr = np.asarray(Image.open(src).convert("RGB"))
    bic = imresize(imresize(hr, 0.5), 2.0)
    assert data["psnr_y_bicubic"] == pytest.approx(float(psnr(bic, hr, crop_border=2, channel="y")))
    assert f"bicubic {data['psnr_y_bicubic']:.2f} dB" in out and f"tiny_x2 {data['psnr_y_model']:.2f} dB" in out
    tiny = _photo(tmp_path / "t.png", 20, 20)
    assert main(["upscale", str(tiny), "-o", str(tmp_path / "o3"), "-m", "tiny_x2", "--compare", "-q"]) == 0
    assert "too small" in capsys.readouterr().err and not (tmp_path / "o3" / "t_compare.png").exists()


# ---- the models really shipped in the package -------------------------------------------------
SHIPPED = shipped.pretrained_names()


def test_a_default_model_is_shipped_and_the_weights_stay_small():
    assert SHIPPED, "no model is shipped in python/srgan_cpp/models/weights"
    assert shipped.model_card(shipped.default_model())["scale"] == 4
    assert [n for n in SHIPPED if shipped.model_card(n).get("default")] == [shipped.default_model()]  # just one
    total = sum(shipped.weights_path(n).stat().st_size for n in SHIPPED)
    assert total < 10 * 2 ** 20


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_card_matches_its_weights(name):
    card = shipped.model_card(name)
    shipped.check_card(card, name)
    path = shipped.weights_path(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card["weights"]["sha256"]
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    ev = card["evaluation"]
    assert ev["model"]["psnr_y"] > ev["bicubic"]["psnr_y"]  # nothing that loses to bicubic is shipped
    model = srgan_cpp.models.pretrained(name)
    d = srgan_cpp.models.describe(model)
    assert (d.scale, d.in_channels, d.name) == (card["scale"], card["in_channels"], card["architecture"])
    with torch.no_grad():
        y = model(torch.rand(1, card["in_channels"], 12, 16))
    assert y.shape == (1, card["in_channels"], 12 * card["scale"], 16 * card["scale"]) and torch.isfinite(y).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_is_what_its_recipe_trains(name):
    """The card's recipe builds the shipped architecture (the data and starting weights of the
    recipe, which are not in the repository, are swapped for the bundled photographs)."""
    from srgan_cpp.train import load_config, recipes

    card = shipped.model_card(name)
    assert card["recipe"] in recipes.names()
    with open(recipes.path(card["recipe"]), encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    overrides = ["data.train={type: bundled}", "val.sets=[{type: bundled}]"]
    overrides += [f"stages.{i}.init_g=null" for i, st in enumerate(raw["stages"]) if st.get("init_g")]
    cfg = load_config(f"recipe:{card['recipe']}", overrides)
    gen = cfg.stages[-1].generator
    assert gen.type == card["architecture"]
    built = srgan_cpp.models.registry.build(gen.type, **gen.kwargs)
    assert srgan_cpp.models.describe(built).kwargs == card["kwargs"]


def test_gray_state_dict_is_the_luma_of_the_rgb_model():
    torch.manual_seed(0)
    rgb = srgan_cpp.models.SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=3)
    gray = srgan_cpp.models.SRVGGNetCompact(num_in_ch=1, num_out_ch=1, num_feat=8, num_conv=2, upscale=3)
    last = max((k.rsplit(".", 1)[0] for k in rgb.state_dict()), key=lambda k: int(k.split(".")[1]))
    gray.load_state_dict(srgan_cpp.models.gray_state_dict(rgb.state_dict(), "body.0.weight", last, scale=3))
    x = torch.rand(2, 1, 10, 11)
    with torch.no_grad():
        ref = (rgb(x.repeat(1, 3, 1, 1)) * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        torch.testing.assert_close(gray(x), ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"has 27 outputs, expected 3 \* 2\^2 = 12"):
        srgan_cpp.models.gray_state_dict(rgb.state_dict(), "body.0.weight", last, scale=2)
    with pytest.raises(ValueError, match=r"`first` 'nope' must be a conv weight"):
        srgan_cpp.models.gray_state_dict(rgb.state_dict(), "nope", last, scale=3)
    with pytest.raises(ValueError, match="summing to 1"):
        srgan_cpp.models.gray_state_dict(rgb.state_dict(), "body.0.weight", last, scale=3, weights=(1, 1, 1))
