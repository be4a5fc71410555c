"""srgan_cpp.models.load on the original ESRGAN checkpoint layouts (xinntao/ESRGAN's "new
arch" RRDB_trunk/trunk_conv/HRconv keys and the "old arch" model.0/model.1.sub.N keys of
RRDB_ESRGAN_x4.pth): the state dicts are built here by renaming a BasicSR-layout one, and
the loaded model must compute exactly what the reference with the original keys does."""
from __future__ import annotations

import re

import pytest
import torch

from helpers import basicsr_reference as ref
from srgan_cpp import models
from srgan_cpp.models import convert_esrgan


def _rename(sd, top, block_key):
    """BasicSR RRDBNet keys -> another layout: ``top`` maps the single convs' names,
    ``block_key(block, rdb, conv, leaf)`` names the RRDB convs' tensors."""
    out = {}
    for k, v in sd.items():
        m = re.match(r"body\.(\d+)\.rdb(\d)\.(conv\d)\.(weight|bias)$", k)
        if m:
            out[block_key(*m.groups())] = v
        else:
            name, leaf = k.rsplit(".", 1)
            out[f"{top[name]}.{leaf}"] = v
    return out


def _to_new_arch(sd):
    """BasicSR RRDBNet keys -> xinntao/ESRGAN RRDBNet_arch.py keys (written from the layout)."""
    top = {"conv_first": "conv_first", "conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2",
           "conv_hr": "HRconv", "conv_last": "conv_last"}
    return _rename(sd, top, lambda b, r, c, leaf: f"RRDB_trunk.{b}.RDB{r}.{c}.{leaf}")


def _to_old_arch(sd, num_block):
    """BasicSR RRDBNet keys -> the old flattened-Sequential layout of RRDB_ESRGAN_x4.pth."""
    top = {"conv_first": "model.0", "conv_body": f"model.1.sub.{num_block}", "conv_up1": "model.3",
           "conv_up2": "model.6", "conv_hr": "model.8", "conv_last": "model.10"}
    return _rename(sd, top, lambda b, r, c, leaf: f"model.1.sub.{b}.RDB{r}.{c}.0.{leaf}")


CFG = dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=3, num_grow_ch=4)


@pytest.fixture(scope="module")
def reference():
    torch.manual_seed(0)
    return ref.RRDBNet(**CFG).double().eval()


@pytest.mark.parametrize("layout", ["new", "old"])
@pytest.mark.parametrize("wrap", [
    lambda sd: sd,
    lambda sd: {f"module.{k}": v for k, v in sd.items()},
    lambda sd: {"params_ema": sd},
    lambda sd: {"state_dict": {f"module.{k}": v for k, v in sd.items()}},
], ids=["plain", "module", "params_ema", "state_dict+module"])
def test_original_layouts_load_with_identical_outputs(reference, layout, wrap, tmp_path):
    sd = reference.state_dict()
    orig = _to_new_arch(sd) if layout == "new" else _to_old_arch(sd, CFG["num_block"])
    assert not set(orig) & set(sd) - {"conv_first.weight", "conv_first.bias", "conv_last.weight", "conv_last.bias"}
    path = tmp_path / "RRDB_ESRGAN_x4.pth"
    torch.save(wrap(orig), path)
    model = models.load(path)
    assert model.detected == ("RRDBNet", CFG)
    expected_layout = convert_esrgan.ESRGAN_NEW if layout == "new" else convert_esrgan.ESRGAN_OLD
    assert model.source_layout == expected_layout and "ESRGAN original" in model.source_layout
    assert models.loader.detect(wrap(orig)) == ("RRDBNet", CFG)
    x = torch.rand(1, 3, 5, 7, dtype=torch.float64)
    out = model.double()(x)
    assert out.shape == (1, 3, 20, 28)
    torch.testing.assert_close(out, reference(x.clone()), rtol=1e-10, atol=1e-10)


def test_basicsr_layout_reported_as_such(reference):
    model = models.load(reference.state_dict())
    assert model.source_layout == convert_esrgan.BASICSR


def test_conversion_is_a_renaming(reference):
    sd = reference.state_dict()
    for orig in (_to_new_arch(sd), _to_old_arch(sd, CFG["num_block"])):
        back, layout = convert_esrgan.to_basicsr(orig)
        assert layout is not None and set(back) == set(sd)
        assert all(back[k] is sd[k] for k in sd)  # renamed, not copied


def test_old_arch_other_scales_and_misplaced_keys_are_refused(reference):
    sd = _to_old_arch(reference.state_dict(), CFG["num_block"])
    # An x2 model of the old code (one upsampling stage): no BasicSR RRDBNet equivalent.
    x2 = {k: v for k, v in sd.items() if not k.startswith(("model.6.", "model.8.", "model.10."))}
    x2.update({"model.5.weight": sd["model.8.weight"], "model.5.bias": sd["model.8.bias"],
               "model.7.weight": sd["model.10.weight"], "model.7.bias": sd["model.10.bias"]})
    with pytest.raises(ValueError, match=r"1 upsampling stage\(s\) \(x2\)"):
        models.load(x2)
    # The trunk conv must follow the last RRDB.
    bad = dict(sd)
    bad["model.1.sub.7.weight"] = bad.pop(f"model.1.sub.{CFG['num_block']}.weight")
    with pytest.raises(ValueError, match="unexpected key 'model.1.sub.7.weight'"):
        models.load(bad)
    new = _to_new_arch(reference.state_dict())
    new["HRconv.running_mean"] = torch.zeros(3)
    with pytest.raises(ValueError, match="unexpected key 'HRconv.running_mean'"):
        models.load(new)
    # Shapes are still checked after the renaming.
    new = _to_new_arch(reference.state_dict())
    new["HRconv.weight"] = torch.zeros(8, 8, 1, 1)
    with pytest.raises(ValueError, match="do not fit"):
        models.load(new)
