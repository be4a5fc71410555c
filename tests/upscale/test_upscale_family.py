"""Every model of the SR family through ``srgan-cpp info`` and ``srgan-cpp upscale -m`` from
a checkpoint in the trainer's layout (tiny random weights): the registry geometry (scale 1
for the models that restore the bicubic-upscaled image, which the upscaler pre-resizes),
the output size, and the ``arch`` record that carries what the weights cannot tell (SCN's
stages, FSRCNN's and PAN's scale, DRRN's units)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from srgan_cpp import models
from srgan_cpp.cli import main
from srgan_cpp.train.checkpoint import CheckpointStore, arch_record
from srgan_cpp.train.config import NetworkConfig
from upscale_helpers import random_image

#: name -> (tiny constructor arguments, model scale as the registry describes it)
FAMILY = {
    "SRCNN": (dict(in_channels=3, features=(4, 2), kernel_sizes="9-1-5"), 1),
    "SCN": (dict(in_channels=3, num_filters=4, code_size=4, num_stages=2, residual=True), 1),
    "FSRCNN": (dict(in_channels=3, d=4, s=2, m=1, scale=4), 4),
    "DRCN": (dict(in_channels=3, num_features=4, num_recursions=2), 1),
    "VDSR": (dict(in_channels=3, num_features=4, num_layers=3), 1),
    "LapSRN": (dict(in_channels=3, num_features=4, depth=1, scale=4), 4),
    "DRRN": (dict(num_in_ch=3, num_feat=4, num_blocks=1, num_units=3), 1),
    "EDSR": (dict(num_feat=4, num_block=1, upscale=4), 4),
    "RDN": (dict(num_features=4, num_blocks=1, num_layers=1, growth_rate=2, upscale=4), 4),
    "RCAN": (dict(num_feat=4, num_group=1, num_block=1, squeeze_factor=2, upscale=4), 4),
    "PAN": (dict(nf=4, unf=2, nb=1, scale=3), 3),
}


def _export(tmp_path, name, kwargs, with_arch=True):
    torch.manual_seed(0)
    net = models.registry.build(name, **kwargs)
    store = CheckpointStore(str(tmp_path / "run"))
    arch = arch_record(NetworkConfig(name, dict(kwargs))) if with_arch else None
    (path,) = store.export_weights("net_g", "latest", net.state_dict(), net.state_dict(), arch=arch)
    return net.eval(), path


@pytest.mark.parametrize("name", list(FAMILY))
def test_family_checkpoint_through_info_and_upscale(name, tmp_path, capsys):
    kwargs, scale = FAMILY[name]
    net, ckpt = _export(tmp_path, name, kwargs)
    assert main(["info", ckpt, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["architecture"] == name and info["scale"] == scale and info["in_channels"] == 3
    for k, v in kwargs.items():
        assert info["kwargs"][k] == (list(v) if isinstance(v, tuple) else v), k
    loaded = models.load(ckpt)
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x))
    photo = tmp_path / "photo.png"
    Image.fromarray(random_image(12, 16, seed=1)).save(photo)
    out = tmp_path / "out.png"
    assert main(["upscale", str(photo), "-o", str(out), "-m", ckpt, "-s", "3", "--quiet"]) == 0, capsys.readouterr()
    with Image.open(out) as img:
        assert img.size == (48, 36)
        assert np.asarray(img).std() > 0


@pytest.mark.parametrize("name, missing", [("SCN", "num_stages"), ("FSRCNN", "scale"), ("DRRN", "num_units")])
def test_without_the_arch_record_the_missing_argument_is_named(name, missing, tmp_path, capsys):
    _, ckpt = _export(tmp_path, name, FAMILY[name][0], with_arch=False)
    assert main(["info", ckpt]) == 2
    err = capsys.readouterr().err
    assert err.startswith("srgan-cpp info: error: MODEL:") and missing in err and "\n" not in err.strip()


def test_trainer_checkpoint_carries_the_arch_record_and_cpp_reads_it(tmp_path):
    """The trainer's net_g files hold {"params", "params_ema", "arch"}: weights_only loads
    them, the C++ loader still finds the weights, a record of another architecture is
    ignored and a bad record is refused by name."""
    kwargs = FAMILY["SCN"][0]
    net, ckpt = _export(tmp_path, "SCN", kwargs)
    obj = torch.load(ckpt, weights_only=True)
    assert set(obj) == {"params", "params_ema", "arch"} and obj["arch"]["type"] == "SCN"
    fresh = models.SCN(**kwargs)
    fresh.cpp_module.load_state_dict_file(ckpt)
    x = torch.rand(1, 3, 10, 10)
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), net(x))
    torch.save({**obj, "arch": {"type": "VDSR", "kwargs": {"num_layers": 3}}}, tmp_path / "other.pth")
    with pytest.raises(ValueError, match="num_stages"):
        models.load(tmp_path / "other.pth")
    torch.save({**obj, "arch": {"type": "SCN", "kwargs": {"num_stage": 2}}}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="'num_stage', which SCN does not take"):
        models.load(tmp_path / "bad.pth")
    torch.save({**obj, "arch": ["SCN"]}, tmp_path / "bad2.pth")
    with pytest.raises(ValueError, match="'arch' record is not"):
        models.load(tmp_path / "bad2.pth")
