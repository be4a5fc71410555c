"""Checkpoints of the reference codes load into RCAN, RDN, DRRN and PAN through
srgan_cpp.models.load (architecture detected from the keys, arguments from the shapes, the
rest asked for), give the reference's outputs, and are described correctly."""
from __future__ import annotations

import pytest
import torch

from helpers import family_b_reference as ref
from srgan_cpp import models
from srgan_cpp.models import registry


def _save(tmp_path, sd, wrap=None):
    path = tmp_path / "net.pth"
    torch.save({wrap: sd} if wrap else sd, path)
    return path


def _same_outputs(model, reference, channels, scale):
    x = torch.rand(1, channels, 6, 5, dtype=torch.float64)
    out = model.double()(x)
    assert out.shape == (1, channels, 6 * scale, 5 * scale)
    torch.testing.assert_close(out, reference.double()(x), rtol=1e-10, atol=1e-10)


def test_basicsr_rcan_checkpoint_loads_and_matches(tmp_path):
    kw = dict(num_in_ch=3, num_out_ch=3, num_feat=16, num_group=2, num_block=3, squeeze_factor=4, upscale=4)
    reference = ref.RCAN(**kw)
    model = models.load(_save(tmp_path, reference.state_dict(), wrap="params_ema"))
    assert isinstance(model, models.RCAN) and not model.training
    assert model.detected == ("RCAN", kw)
    _same_outputs(model, reference, 3, 4)
    d = model.description
    assert (d.name, d.scale, d.in_channels, d.out_channels, d.source_layout) == ("RCAN", 4, 3, 3, "BasicSR")
    assert d.num_params == sum(p.numel() for p in reference.parameters())


def test_rcan_and_edsr_checkpoints_are_told_apart():
    rcan = models.RCAN(num_feat=8, num_group=1, num_block=1, squeeze_factor=2, upscale=2).state_dict()
    edsr = models.EDSR(num_feat=8, num_block=1, upscale=2).state_dict()
    assert [s.name for s in registry.specs() if s.recognises(rcan)] == ["RCAN"]
    assert [s.name for s in registry.specs() if s.recognises(edsr)] == ["EDSR"]


def test_rcan_squeeze_that_no_factor_gives_is_refused():
    sd = models.RCAN(num_feat=16, num_group=1, num_block=1, squeeze_factor=4, upscale=2).state_dict()
    key = "body.0.residual_group.0.rcab.3.attention.1.weight"
    sd[key] = torch.zeros(6, 16, 1, 1)  # 16 -> 6: 16 // 2 = 8, 16 // 3 = 5
    with pytest.raises(ValueError, match="squeeze"):
        models.load(sd)


def test_edsr_pytorch_rdn_checkpoint_loads_with_its_image_range(tmp_path):
    kw = dict(num_in_ch=3, num_out_ch=3, upscale=3, num_features=8, num_blocks=2, num_layers=3, growth_rate=4)
    reference = ref.RDN(**kw, img_range=255.0)  # EDSR-PyTorch works on [0, 255] images
    path = _save(tmp_path, reference.state_dict())
    model = models.load(path, img_range=255.0)
    assert isinstance(model, models.RDN)
    assert model.detected == ("RDN", {**kw, "img_range": 255.0})
    _same_outputs(model, reference, 3, 3)
    assert models.describe(path).scale == 3


def test_drrn_port_checkpoint_needs_the_unit_count_then_matches(tmp_path):
    port = ref.DRRNPort(num_units=25, num_feat=8)
    path = _save(tmp_path, port.state_dict())
    with pytest.raises(ValueError, match="num_units"):
        models.load(path)
    model = models.load(path, num_units=25)
    assert isinstance(model, models.DRRN) and model.source_layout.startswith("DRRN PyTorch port")
    _same_outputs(model, port, 1, 1)
    d = models.describe(path, num_units=25)
    assert (d.scale, d.in_channels, d.num_params) == (1, 1, sum(p.numel() for p in port.parameters()))


def test_drrn_own_checkpoints_reload(tmp_path):
    model = models.DRRN(num_feat=8, num_blocks=2, num_units=3)
    path = tmp_path / "drrn.pth"
    models.save(model, path)
    loaded = models.load(path, num_units=3)
    assert loaded.detected == ("DRRN", dict(num_in_ch=1, num_feat=8, num_blocks=2, num_units=3))
    x = torch.rand(1, 1, 9, 9)
    assert torch.equal(loaded(x), model.eval()(x))


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_authors_pan_checkpoint_loads(scale, tmp_path):
    reference = ref.PAN(nf=8, unf=6, nb=2, scale=scale)
    path = _save(tmp_path, reference.state_dict())
    if scale == 4:
        model = models.load(path)
    else:  # one up-sampling stage: x2 and x3 have the same layers
        with pytest.raises(ValueError, match="scale=2 or scale=3"):
            models.load(path)
        model = models.load(path, scale=scale)
    assert isinstance(model, models.PAN)
    assert model.detected[1]["scale"] == scale
    _same_outputs(model, reference, 3, scale)


def test_pan_is_not_taken_for_an_original_esrgan_file():
    sd = models.PAN(nf=8, unf=6, nb=1).state_dict()  # has trunk_conv, as ESRGAN's new arch
    assert registry.convert_layout(sd)[1] is None
    assert registry.match(sd).name == "PAN"
