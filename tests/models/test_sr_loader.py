"""srgan_cpp.models.load: architecture detection from keys and shapes on every supported
layout, wrappers and prefixes, safe reading (corrupt, truncated and code-running files are
refused), and interpolate (ESRGAN network interpolation)."""
from __future__ import annotations

import os
import pickle

import pytest
import torch

from helpers import basicsr_reference as ref
from srgan_cpp import models

# (reference class, kwargs, expected srgan_cpp class, expected detected kwargs)
LAYOUTS = [
    (ref.MSRResNet, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=3, upscale=4), "MSRResNet", {}),
    (ref.MSRResNet, dict(num_in_ch=1, num_out_ch=1, num_feat=8, num_block=1, upscale=3), "MSRResNet", {}),
    (ref.MSRResNet, dict(num_in_ch=3, num_out_ch=3, num_feat=4, num_block=2, upscale=2), "MSRResNet", {}),
    (ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=2, num_grow_ch=4), "RRDBNet", {}),
    (ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=8, num_block=1, num_grow_ch=6), "RRDBNet", {}),
    (ref.RRDBNet, dict(num_in_ch=1, num_out_ch=1, scale=1, num_feat=4, num_block=3, num_grow_ch=2), "RRDBNet", {}),
    (ref.SRVGGNetCompact, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=4, upscale=4, act_type="prelu"),
     "SRVGGNetCompact", {}),
    (ref.SRVGGNetCompact, dict(num_in_ch=3, num_out_ch=3, num_feat=4, num_conv=2, upscale=2, act_type="relu"),
     "SRVGGNetCompact", {"act_type": "relu"}),
    (ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=4), "EDSR", {"res_scale": 1.0}),
    (ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=1, upscale=3), "EDSR", {"res_scale": 1.0}),
    (ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=1, upscale=2, res_scale=0.1), "EDSR",
     {"res_scale": 0.1}),
]
LAYOUT_IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(LAYOUTS)]


def _scale_of(kw):
    return kw.get("upscale", kw.get("scale"))


@pytest.mark.parametrize("layout", LAYOUTS, ids=LAYOUT_IDS)
def test_detects_architecture_and_hyperparameters(layout, tmp_path):
    ref_cls, kw, name, overrides = layout
    reference = ref_cls(**kw).double().eval()
    sd = reference.state_dict()
    if name == "SRVGGNetCompact" and kw["act_type"] != "prelu":
        with pytest.raises(ValueError, match="act_type"):
            models.load(sd)
    path = tmp_path / "net.pth"
    torch.save({"params_ema": sd, "params": {k: torch.zeros_like(v) for k, v in sd.items()}}, path)
    model = models.load(path, **overrides)
    assert type(model).__name__ == name and not model.training
    det_name, cfg = model.detected
    assert det_name == name
    for k, v in kw.items():
        if k != "res_scale":
            assert cfg[k] == v, (k, cfg)
    if name == "RRDBNet":
        assert model.unshuffle_factor == 4 // kw["scale"]
    # params_ema (not params) was loaded, and the model computes what the reference does.
    model.double()
    x = torch.rand(1, kw["num_in_ch"], 8, 8, dtype=torch.float64)
    s = _scale_of(kw)
    out = model(x)
    assert out.shape == (1, kw["num_out_ch"], 8 * s, 8 * s)
    torch.testing.assert_close(out, reference(x.clone()), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("wrap", [
    lambda sd: sd,
    lambda sd: {"params": sd},
    lambda sd: {"state_dict": sd, "epoch": 3},
    lambda sd: {"model": {"params_ema": sd}},
    lambda sd: {f"module.{k}": v for k, v in sd.items()},
    lambda sd: {"state_dict": {f"module.module.{k}": v for k, v in sd.items()}},
], ids=["plain", "params", "state_dict", "model+params_ema", "module", "state_dict+module.module"])
def test_wrappers_and_prefixes(wrap):
    reference = ref.RRDBNet(3, 3, scale=2, num_feat=4, num_block=1, num_grow_ch=2)
    model = models.load(wrap(reference.state_dict()))
    assert model.detected == ("RRDBNet", dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=4, num_block=1,
                                              num_grow_ch=2))
    x = torch.rand(1, 3, 6, 6)
    torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-5)


def test_round_trip_through_save_state_dict_and_safetensors(tmp_path):
    a = models.SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2)
    path = tmp_path / "a.pt"
    models.save_state_dict(a, path)
    b = models.load(path)
    x = torch.rand(1, 3, 5, 5)
    assert torch.equal(a(x), b(x))
    safetensors = pytest.importorskip("safetensors.torch")
    st = tmp_path / "a.safetensors"
    safetensors.save_file({k: v.contiguous() for k, v in a.state_dict().items()}, str(st))
    assert torch.equal(models.load(st)(x), a(x))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ValueError, match="safetensors"):
        models.load(bad)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch SHOULD_NOT_EXIST",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"params": {"conv_first.weight": _RunsCode()}}, f)
    with pytest.raises(ValueError, match="refused"):
        models.load(path)
    # The same through torch.save's zip format.
    path2 = tmp_path / "evil2.pth"
    torch.save({"conv_first.weight": _RunsCode()}, path2)
    with pytest.raises(ValueError, match="refused"):
        models.load(path2)
    assert not (tmp_path / "SHOULD_NOT_EXIST").exists()


def test_corrupt_truncated_missing_and_wrong_content(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        models.load(tmp_path / "nope.pth")
    good = tmp_path / "good.pth"
    torch.save(ref.MSRResNet(num_feat=4, num_block=1).state_dict(), good)
    data = good.read_bytes()
    trunc = tmp_path / "trunc.pth"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="could not read"):
        models.load(trunc)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"this is not a checkpoint at all" * 10)
    with pytest.raises(ValueError):
        models.load(garbage)
    tensor_only = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), tensor_only)
    with pytest.raises(ValueError, match="state dict"):
        models.load(tensor_only)
    with pytest.raises(ValueError, match="non-tensor"):
        models.load({"conv_first.weight": torch.zeros(1), "meta": "x"})
    with pytest.raises(ValueError, match="empty"):
        models.load({})


def test_unknown_and_inconsistent_layouts_say_what_they_found():
    with pytest.raises(ValueError, match=r"cannot tell the architecture.*'fc\.weight'"):
        models.load({"fc.weight": torch.zeros(2, 2), "fc.bias": torch.zeros(2)})
    sd = ref.MSRResNet(num_feat=4, num_block=1, upscale=2).state_dict()
    sd["upconv1.weight"] = torch.zeros(20, 4, 3, 3)
    with pytest.raises(ValueError, match="upconv1 gives 20 channels"):
        models.load(sd)
    sd = ref.EDSR(3, 3, num_feat=4, num_block=2, upscale=2).state_dict()
    sd["body.1.conv2.weight"] = torch.zeros(4, 5, 3, 3)
    with pytest.raises(ValueError, match="do not fit"):
        models.load(sd)
    sd = ref.RRDBNet(3, 3, num_feat=4, num_block=1, num_grow_ch=2).state_dict()
    sd["conv_first.weight"] = torch.zeros(4, 7, 3, 3)
    with pytest.raises(ValueError, match="cannot tell the input channels"):
        models.load(sd)


def test_interpolate():
    a = models.RRDBNet(num_feat=4, num_block=1, num_grow_ch=2).double()
    b = models.RRDBNet(num_feat=4, num_block=1, num_grow_ch=2).double()
    sa = {k: v.clone() for k, v in a.state_dict().items()}
    mid = models.interpolate(a, b, 0.25)
    assert type(mid) is models.RRDBNet
    for k, v in mid.state_dict().items():
        torch.testing.assert_close(v, 0.75 * sa[k] + 0.25 * b.state_dict()[k], rtol=1e-12, atol=1e-12)
    assert all(torch.equal(v, sa[k]) for k, v in a.state_dict().items())  # inputs untouched
    x = torch.rand(1, 3, 4, 4, dtype=torch.float64)
    assert torch.equal(models.interpolate(a, b, 0.0)(x), a(x))
    assert torch.equal(models.interpolate(a, b, 1.0)(x), b(x))
    with pytest.raises(ValueError, match="alpha"):
        models.interpolate(a, b, 1.5)
    with pytest.raises(ValueError, match="same class"):
        models.interpolate(a, models.MSRResNet(num_feat=4, num_block=1), 0.5)
    with pytest.raises(ValueError, match="shape mismatch"):
        models.interpolate(a, models.RRDBNet(num_feat=4, num_block=1, num_grow_ch=3), 0.5)
    with pytest.raises(ValueError, match="different state-dict keys"):
        models.interpolate(a, models.RRDBNet(num_feat=4, num_block=2, num_grow_ch=2), 0.5)
