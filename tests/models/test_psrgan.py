"""PSRGANGenerator (C++) against a plain-PyTorch re-implementation of the public PSRGAN
code's generator (tests/psrgan_reference.py): identical state_dict keys, order and shapes,
same outputs and gradients in float64, plus shapes per scale and channel count, train/eval,
copies, the minimum input size, bad arguments and the loader's detection."""
from __future__ import annotations


import pytest
import torch

from helpers import psrgan_reference as ref
from helpers import DEVICES
from helpers.model_checks import check_copy_trains_independently, reference_pair
from srgan_cpp import models

# Tiny configurations (nc multiple of 4). H, W >= 13 (ESA).
CASES = [
    ("x2_upconv_rgb", dict(in_nc=3, out_nc=3, nc=8, nb=2, upscale=2), 2),
    ("x3_upconv_ir", dict(in_nc=1, out_nc=1, nc=8, nb=1, upscale=3), 3),
    ("x4_upconv_lrelu", dict(in_nc=3, out_nc=3, nc=8, nb=1, upscale=4, act_mode="L"), 4),
    ("x2_shuffle_ir", dict(in_nc=1, out_nc=1, nc=8, nb=1, upscale=2, upsample_mode="pixelshuffle"), 2),
    ("x3_shuffle", dict(in_nc=3, out_nc=3, nc=8, nb=1, upscale=3, upsample_mode="pixelshuffle"), 3),
    ("x4_shuffle_1to3", dict(in_nc=1, out_nc=3, nc=12, nb=2, upscale=4, upsample_mode="pixelshuffle"), 4),
]
IDS = [c[0] for c in CASES]


def _pair(kw, dtype=torch.float64):
    return reference_pair(models.PSRGANGenerator, ref.PSRGANGeneratorRef, kw, dtype)


def _input(kw, h=14, w=17, n=2, dtype=torch.float64):
    return torch.rand(n, kw["in_nc"], h, w, dtype=dtype)


def test_defaults_follow_the_psrgan_options_file():
    sd = models.PSRGANGenerator().state_dict()
    theirs = ref.PSRGANGeneratorRef(in_nc=3, out_nc=3, nc=64, nb=16, upscale=2).state_dict()
    assert list(sd) == list(theirs)
    assert sd["head.weight"].shape == (64, 3, 3, 3)
    assert sd["copress.weight"].shape == (64, 128, 1, 1)
    assert sd["body.sub.16.weight"].shape == (64, 64, 3, 3)
    assert sd["KD.c5.0.weight"].shape == (128, 1, 1, 1)
    assert sd["KD.esa.conv2.0.weight"].shape == (16, 1, 3, 3)
    assert "tail.5.weight" in sd and "tail.5.bias" not in sd  # conv_last has no bias
    assert sum(v.numel() for v in sd.values()) == sum(v.numel() for v in theirs.values())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_keys_and_shapes_equal_reference(case):
    _, kw, _ = case
    ours, theirs = models.PSRGANGenerator(**kw).state_dict(), ref.PSRGANGeneratorRef(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_backward_match_reference_float64(case):
    _, kw, s = case
    model, reference = _pair(kw)
    x = _input(kw)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = model(xa)
    expect = reference(xb)
    assert out.shape == (2, kw["out_nc"], 14 * s, 17 * s)
    torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-10)
    g = torch.randn_like(out)
    out.backward(g)
    expect.backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-10, atol=1e-10)
    theirs = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, theirs[name].grad, rtol=1e-9, atol=1e-10, msg=name)


@pytest.mark.parametrize("case", CASES[::2], ids=IDS[::2])
def test_float32_and_channels_last_close_to_reference(case):
    _, kw, _ = case
    model, reference = _pair(kw, torch.float32)
    x = _input(kw, dtype=torch.float32).contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(model(x), reference(x), rtol=1e-4, atol=1e-5)


def test_train_eval_deepcopy_and_optimizer():
    kw = CASES[0][1]
    model, _ = _pair(kw)
    x = _input(kw)
    y_train = model.train()(x)
    model.eval()
    assert all(not m.training for m in model.modules())
    torch.testing.assert_close(model(x), y_train, rtol=0, atol=0)  # no BN / dropout
    check_copy_trains_independently(model, x, y_train)


def test_state_dict_round_trip_through_a_file(tmp_path):
    kw = CASES[3][1]
    model, _ = _pair(kw, torch.float32)
    x = _input(kw, dtype=torch.float32)
    path = tmp_path / "psrgan.pth"
    models.save_state_dict(model, path)
    fresh = models.PSRGANGenerator(**kw)
    assert not torch.equal(fresh(x), model(x))
    fresh.load_state_dict(models.load_state_dict_file(path), strict=True)
    assert torch.equal(fresh(x), model(x))
    # The C++ loader (LibTorch's restricted unpickler) reads the same file into the C++ tree.
    cpp_only = models.PSRGANGenerator(**kw)
    cpp_only.cpp_module.load_state_dict_file(str(path))
    assert torch.equal(cpp_only.cpp_module.forward(x), model(x))


@pytest.mark.parametrize("h,w", [(13, 13), (13, 20), (21, 15)])
def test_odd_sizes_from_the_minimum_up(h, w):
    kw = CASES[1][1]
    model, reference = _pair(kw)
    x = _input(kw, h=h, w=w, n=1)
    out = model(x)
    assert out.shape == (1, 1, 3 * h, 3 * w)
    torch.testing.assert_close(out, reference(x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("h,w", [(12, 20), (20, 12), (4, 4)])
def test_inputs_below_the_esa_minimum_raise(h, w):
    model = models.PSRGANGenerator(nc=8, nb=1)
    with pytest.raises(ValueError, match=">= 13"):
        model(torch.rand(1, 3, h, w))


@pytest.mark.parametrize("kw,match", [
    (dict(upscale=5), "upscale"),
    (dict(nc=10), "nc"),
    (dict(nb=0), "nb"),
    (dict(act_mode="BR"), "act_mode"),
    (dict(upsample_mode="convtranspose"), "upsample_mode"),
    (dict(in_nc=0), "in_nc"),
])
def test_bad_constructor_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        models.PSRGANGenerator(**kw)


def test_bad_inputs():
    model = models.PSRGANGenerator(nc=8, nb=1)
    with pytest.raises(ValueError, match="channels"):
        model(torch.rand(1, 1, 16, 16))
    with pytest.raises(ValueError, match="rank 4"):
        model(torch.rand(3, 16, 16))
    with pytest.raises(RuntimeError, match="dtype"):
        model(torch.rand(1, 3, 16, 16, dtype=torch.float64))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loader_detects_psrgan(case):
    _, kw, s = case
    reference = ref.PSRGANGeneratorRef(**kw)
    name, cfg = models.loader.detect({"params": reference.state_dict()})
    assert name == "PSRGANGenerator"
    expect = dict(in_nc=1, out_nc=3, nc=8, nb=1, upscale=2, act_mode="R", upsample_mode="upconv")
    expect.update(kw)
    # What the weights cannot tell: act_mode, and x3 vs x2 for "upconv" (nearest upsampling
    # has no weights): the options-file values are assumed, keyword overrides fix them.
    if expect["upsample_mode"] == "upconv" and s == 3:
        expect["upscale"] = 2
    expect["act_mode"] = "R"
    assert cfg == expect
    overrides = {"act_mode": kw.get("act_mode", "R"), "upscale": s}
    model = models.load({"params_ema": reference.state_dict()}, **overrides)
    assert isinstance(model, models.PSRGANGenerator) and not model.training
    x = torch.rand(1, kw["in_nc"], 13, 14)
    torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-6)


def test_loader_reads_a_psrgan_file(tmp_path):
    reference = ref.PSRGANGeneratorRef(nc=8, nb=2)
    path = tmp_path / "psrgan_x2.pth"
    torch.save({k: v for k, v in reference.state_dict().items()}, path)
    model = models.load(path)
    assert model.detected[0] == "PSRGANGenerator" and model.detected[1]["nb"] == 2


@pytest.mark.parametrize("device", DEVICES)
def test_devices_match_cpu(device):
    kw = CASES[3][1]
    model, _ = _pair(kw, torch.float32)
    x = _input(kw, dtype=torch.float32)
    expect = model(x)
    torch.testing.assert_close(model.to(device)(x.to(device)).cpu(), expect, rtol=1e-3, atol=1e-3)
