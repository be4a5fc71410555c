"""srgan_cpp.models.save: {param_key: state_dict} files that BasicSR's load_network
(torch.load(...)[param_key] + strict load_state_dict) and srgan_cpp.models.load read back
with identical outputs; .safetensors; atomic writes (a failing save keeps the old file)."""
from __future__ import annotations

import os

import pytest
import torch

import basicsr_reference as ref
from srgan_cpp import models
from srgan_cpp.models import checkpoint

# (srgan_cpp class, reference class, kwargs, extra kwargs for models.load)
ARCHS = [
    (models.MSRResNet, ref.MSRResNet, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=3), {}),
    (models.RRDBNet, ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=8, num_block=2, num_grow_ch=4),
     {}),
    (models.SRVGGNetCompact, ref.SRVGGNetCompact, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=3, upscale=4,
                                                       act_type="prelu"), {}),
    (models.EDSR, ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=2), {}),
]
IDS = [a[0].__name__ for a in ARCHS]


def _trained(cls, kw):
    """A float32 model whose weights differ from a fresh one's (one optimizer step).
    float32 because models.load builds float32 models."""
    torch.manual_seed(0)
    model = cls(**kw)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.rand(1, 3, 4, 4)
    model(x).square().mean().backward()
    opt.step()
    return model


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
@pytest.mark.parametrize("param_key", ["params", "params_ema"])
def test_round_trip_and_basicsr_style_loading(arch, param_key, tmp_path):
    cls, ref_cls, kw, load_kw = arch
    model = _trained(cls, kw)
    x = torch.rand(2, 3, 6, 6, dtype=torch.float32)
    expect = model(x)
    path = tmp_path / "net_g.pth"
    models.save(model, path, param_key=param_key)
    # BasicSR's load_network: torch.load(path)[param_key], strict load into the architecture.
    raw = torch.load(path, weights_only=True)
    assert list(raw) == [param_key]
    assert all(v.device.type == "cpu" and v.is_contiguous() and v.dtype == torch.float32
               for v in raw[param_key].values())
    basicsr_net = ref_cls(**kw).eval()
    basicsr_net.load_state_dict(raw[param_key], strict=True)
    torch.testing.assert_close(basicsr_net(x.clone()), expect, rtol=1e-5, atol=1e-5)
    # srgan_cpp.models.load detects the model and computes exactly the same.
    loaded = models.load(path, **load_kw)
    assert type(loaded) is cls and loaded.detected[0] == cls.__name__
    assert torch.equal(loaded(x), expect)


def test_also_ema_and_channels_last_weights(tmp_path):
    model = _trained(models.SRVGGNetCompact, ARCHS[2][2]).to(memory_format=torch.channels_last)
    assert not model.state_dict()["body.0.weight"].is_contiguous()
    path = tmp_path / "net.pt"
    models.save(model, path, also_ema=True)
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {"params", "params_ema"}
    for k, v in model.state_dict().items():
        assert raw["params"][k].is_contiguous() and torch.equal(raw["params"][k], v)
        assert torch.equal(raw["params_ema"][k], v)


def test_safetensors_round_trip(tmp_path):
    pytest.importorskip("safetensors")
    from safetensors import safe_open

    model = _trained(models.EDSR, ARCHS[3][2])
    x = torch.rand(1, 3, 5, 5, dtype=torch.float32)
    path = tmp_path / "edsr.safetensors"
    models.save(model, path, param_key="params_ema")
    with safe_open(str(path), framework="pt") as f:
        assert f.metadata()["param_key"] == "params_ema"
        assert set(f.keys()) == set(model.state_dict())  # flat, no `mean`
    assert torch.equal(models.load(path)(x), model(x))


def test_failing_save_keeps_the_existing_file(tmp_path, monkeypatch):
    model = _trained(models.MSRResNet, ARCHS[0][2])
    path = tmp_path / "net_g.pth"
    models.save(model, path)
    before = path.read_bytes()

    def broken_save(obj, f, *a, **k):
        f.write(b"PK\x03\x04 half a file")  # writes some bytes, then fails
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        models.save(models.MSRResNet(**ARCHS[0][2]), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net_g.pth"]  # no temporary file left behind
    assert torch.equal(models.load(path)(torch.ones(1, 3, 2, 2, dtype=torch.float32)),
                       model(torch.ones(1, 3, 2, 2, dtype=torch.float32)))


def test_bad_arguments(tmp_path):
    model = models.SRVGGNetCompact(num_feat=4, num_conv=1)
    with pytest.raises(ValueError, match="`path`"):
        models.save(model, tmp_path / "net.bin")
    with pytest.raises(ValueError, match="`param_key`"):
        models.save(model, tmp_path / "net.pth", param_key="")
    with pytest.raises(ValueError, match="also_ema"):
        models.save(model, tmp_path / "net.safetensors", also_ema=True)
    with pytest.raises(TypeError, match="`model`"):
        models.save([1, 2], tmp_path / "net.pth")
    with pytest.raises(TypeError, match="non-tensor"):
        models.save({"a": 1}, tmp_path / "net.pth")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
def test_cpp_loader_reads_saved_files(arch, tmp_path):
    """srgan_cpp::nn::load_state_dict (C++, through its binding) reads models.save files:
    the params / params_ema wrappers and `module.` prefixes are removed, EDSR's non-persistent
    `mean` is neither expected nor accepted."""
    cls, _, kw, _ = arch
    model = _trained(cls, kw)
    x = torch.rand(1, 3, 6, 6)
    expect = model(x)
    path = tmp_path / "net.pth"
    models.save({f"module.{k}": v for k, v in model.state_dict().items()}, path, param_key="params_ema",
                also_ema=False)
    fresh = cls(**kw)
    fresh.cpp_module.load_state_dict_file(str(path))
    assert torch.equal(fresh.cpp_module.forward(x), expect)
    if cls is models.EDSR:
        models.save({**model.state_dict(), "mean": torch.zeros(1, 3, 1, 1)}, path)
        with pytest.raises(ValueError, match="unexpected key 'mean'"):
            fresh.cpp_module.load_state_dict_file(str(path))
    sd = model.state_dict()
    sd.pop(next(iter(sd)))
    models.save(sd, path)
    with pytest.raises(ValueError, match="missing key"):
        fresh.cpp_module.load_state_dict_file(str(path))
