"""srgan_cpp.models.transfer: load_partial (skip by name / glob / shape, strict_shapes,
wrappers, files with weights_only), freeze / unfreeze on the real parameters of C++ and
plain models, and the report."""
from __future__ import annotations

import os
import pickle

import pytest
import torch
from torch import nn

from helpers import psrgan_reference as ref
from srgan_cpp import models
from srgan_cpp.models.transfer import matches


def _pretrained_rgb():
    """A 'visible-light' PSRGAN generator (3 channels) to transfer from."""
    return ref.PSRGANGeneratorRef(in_nc=3, out_nc=3, nc=8, nb=2)


def test_matches_names_prefixes_and_globs():
    assert matches("head.weight", "head")
    assert matches("body.sub.0.res.0.weight", "body.sub")
    assert not matches("body.sub_x.weight", "body.sub")
    assert matches("KD.esa.conv1.0.bias", "KD.*")
    assert matches("tail.3.bias", "*.bias")
    assert matches("tail.3.weight", "tail.[13].*")
    assert not matches("tail.5.weight", "tail.[13].*")


def test_load_partial_into_an_infrared_model_skips_mismatched_shapes_and_named_layers():
    src = _pretrained_rgb()
    model = models.PSRGANGenerator(in_nc=1, out_nc=1, nc=8, nb=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = models.load_partial(model, {"params": src.state_dict()}, skip=("KD.esa",))
    sd, theirs = model.state_dict(), src.state_dict()
    # head (8, 3, 3, 3) vs (8, 1, 3, 3) and tail.5 (3, 8, 3, 3) vs (1, 8, 3, 3) differ.
    assert set(report.skipped_by_shape) == {"head.weight", "tail.5.weight"}
    assert report.skipped_by_shape["head.weight"] == ((8, 3, 3, 3), (8, 1, 3, 3))
    assert report.skipped_by_name and all(k.startswith("KD.esa.") for k in report.skipped_by_name)
    assert not report.missing and not report.unexpected
    for k in sd:
        if k in report.loaded:
            assert torch.equal(sd[k], theirs[k]), k
        else:
            assert torch.equal(sd[k], before[k]), k
    assert "head.bias" in report.loaded and "copress.weight" in report.loaded
    assert len(report.loaded) + len(report.skipped_by_name) + len(report.skipped_by_shape) == len(theirs)
    text = str(report)
    assert "skipped by shape (2)" in text and "head.weight (8, 3, 3, 3) -> model (8, 1, 3, 3)" in text
    assert "frozen parameters (0): none" in text


def test_strict_shapes_raises_and_nothing_fitting_raises():
    src = _pretrained_rgb()
    model = models.PSRGANGenerator(in_nc=1, out_nc=1, nc=8, nb=2)
    with pytest.raises(ValueError, match="head.weight"):
        models.load_partial(model, src.state_dict(), strict_shapes=True)
    with pytest.raises(ValueError, match="nothing in the source fits"):
        models.load_partial(models.MSRResNet(num_feat=4, num_block=1), src.state_dict())


def test_missing_and_unexpected_are_reported():
    small = ref.PSRGANGeneratorRef(nc=8, nb=1).state_dict()
    model = models.PSRGANGenerator(nc=8, nb=2)
    report = models.load_partial(model, small)
    assert report.missing == [k for k in model.state_dict() if k.startswith("body.sub.1.res") or k.startswith("body.sub.2")]
    # the nb=1 model's final body conv (body.sub.1) has no counterpart in the nb=2 model
    assert set(report.unexpected) == {"body.sub.1.weight", "body.sub.1.bias"}


def test_freeze_acts_on_the_parameters_the_cpp_forward_uses():
    model = models.PSRGANGenerator(nc=8, nb=1)
    frozen = models.freeze(model, ["head", "KD.*"])
    assert "head.weight" in frozen and all(n.startswith(("head.", "KD.")) for n in frozen)
    params = dict(model.named_parameters())
    snapshot = {n: p.detach().clone() for n, p in params.items()}
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    x = torch.rand(1, 3, 14, 14)
    model(x).square().mean().backward()
    for n, p in params.items():
        if n in frozen:
            assert p.grad is None, n
    opt.step()
    for n, p in params.items():
        assert torch.equal(p, snapshot[n]) == (n in frozen), n
    # Frozen is not detached from the forward: changing a frozen weight changes the output.
    y = model(x).detach()
    with torch.no_grad():
        params["head.weight"].mul_(2)
    assert not torch.equal(model(x), y)
    assert set(models.unfreeze(model)) == set(params)
    assert all(p.requires_grad for p in model.parameters())


def test_load_partial_with_freeze_reports_frozen_and_works_for_plain_modules():
    src = _pretrained_rgb()
    plain = ref.PSRGANGeneratorRef(in_nc=3, out_nc=3, nc=8, nb=2)
    report = models.load_partial(plain, src.state_dict(), skip="tail.5", freeze=("head", "body"))
    assert report.skipped_by_name == ["tail.5.weight"]
    assert report.frozen == [n for n, _ in plain.named_parameters() if n.startswith(("head.", "body."))]
    assert all(not p.requires_grad for n, p in plain.named_parameters() if n.startswith("body."))


def test_freeze_rejects_unknown_patterns_and_bad_arguments():
    model = models.PSRGANGenerator(nc=8, nb=1)
    with pytest.raises(ValueError, match="hed"):
        models.freeze(model, "hed")
    with pytest.raises(TypeError, match="patterns"):
        models.freeze(model, [3])
    with pytest.raises(TypeError, match="model"):
        models.freeze("not a model", "head")
    assert all(p.requires_grad for p in model.parameters())


def test_load_partial_reads_files_weights_only(tmp_path):
    src = _pretrained_rgb()
    path = tmp_path / "pretrained.pth"
    torch.save({"params_ema": src.state_dict()}, path)
    model = models.PSRGANGenerator(nc=8, nb=2)
    report = models.load_partial(model, path)
    assert len(report.loaded) == len(model.state_dict())
    x = torch.rand(1, 3, 13, 13)
    torch.testing.assert_close(model(x), src(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(FileNotFoundError):
        models.load_partial(model, tmp_path / "missing.pth")

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    bad = tmp_path / "evil.pth"
    bad.write_bytes(pickle.dumps({"head.weight": Evil()}))
    with pytest.raises(ValueError):
        models.load_partial(model, bad)
    assert not (tmp_path / "pwned").exists()


def test_load_partial_converts_dtype_and_keeps_parameter_identity():
    src = _pretrained_rgb()
    model = models.PSRGANGenerator(nc=8, nb=2).double()
    ids = {n: id(p) for n, p in model.named_parameters()}
    models.load_partial(model, src.state_dict())
    assert {n: id(p) for n, p in model.named_parameters()} == ids
    assert model.head.weight.dtype == torch.float64
    torch.testing.assert_close(model.head.weight, src.head.weight.double())
    assert isinstance(model, nn.Module)
