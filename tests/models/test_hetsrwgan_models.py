"""HetSRWGANGenerator and HetSRWGANCritic (C++) against plain-PyTorch references
(tests/hetsrwgan_reference.py): keys and shapes, float64 outputs and gradients, shapes per
scale and channel count, re-parameterisation, a WGAN-GP step with double backward through
the C++ critic, train/eval, copies, bad arguments and the loader's detection."""
from __future__ import annotations


import pytest
import torch

from helpers import hetsrwgan_reference as ref
from helpers import DEVICES
from helpers.model_checks import check_copy_trains_independently, reference_pair
from srgan_cpp import losses, models

GEN_CASES = [
    ("x2_prelu_rgb", dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, parts=4, upscale=2), 2),
    ("x3_lrelu_ir", dict(num_in_ch=1, num_out_ch=1, num_feat=8, num_block=1, parts=2, upscale=3, act="leaky_relu"), 3),
    ("x4_relu_1to3", dict(num_in_ch=1, num_out_ch=3, num_feat=8, num_block=2, parts=8, upscale=4, act="relu",
                          res_scale=0.5), 4),
    ("x4_prelu_p1", dict(num_in_ch=3, num_out_ch=3, num_feat=4, num_block=1, parts=1, upscale=4), 4),
    ("x2_noblocks", dict(num_in_ch=3, num_out_ch=3, num_feat=4, num_block=0, parts=2, upscale=2), 2),
]
GEN_IDS = [c[0] for c in GEN_CASES]
CRITIC_CASES = [
    ("plain", dict(num_in_ch=3, num_feat=4, num_stages=3, linear_feat=8)),
    ("ir_instance", dict(num_in_ch=1, num_feat=4, num_stages=2, linear_feat=6, norm="instance")),
    ("layer", dict(num_in_ch=3, num_feat=2, num_stages=4, linear_feat=5, norm="layer", negative_slope=0.1)),
]
CRITIC_IDS = [c[0] for c in CRITIC_CASES]


def _gen_pair(kw, dtype=torch.float64):
    return reference_pair(models.HetSRWGANGenerator, ref.HetSRWGANGeneratorRef, kw, dtype)


def _critic_pair(kw, dtype=torch.float64):
    reference = ref.HetSRWGANCriticRef(**kw).to(dtype)
    with torch.no_grad():  # non-trivial norm affine parameters
        for n, p in reference.named_parameters():
            if n.startswith("norm"):
                p.add_(torch.randn_like(p) * 0.1)
    model = models.HetSRWGANCritic(**kw).to(dtype)
    model.load_state_dict(reference.state_dict(), strict=True)
    return model, reference


def _check_grads(model, reference):
    theirs = dict(reference.named_parameters())
    assert set(theirs) == {n for n, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, theirs[name].grad, rtol=1e-9, atol=1e-10, msg=name)


@pytest.mark.parametrize("case", GEN_CASES, ids=GEN_IDS)
def test_generator_keys_forward_backward_match_reference(case):
    _, kw, s = case
    ours, theirs = models.HetSRWGANGenerator(**kw).state_dict(), ref.HetSRWGANGeneratorRef(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}
    model, reference = _gen_pair(kw)
    x = torch.rand(2, kw["num_in_ch"], 7, 5, dtype=torch.float64)  # odd sizes: any H, W works
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, expect = model(xa), reference(xb)
    assert out.shape == (2, kw["num_out_ch"], 7 * s, 5 * s)
    torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-10)
    g = torch.randn_like(out)
    out.backward(g)
    expect.backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-10, atol=1e-10)
    _check_grads(model, reference)


def test_generator_defaults_and_prelu_keys():
    sd = models.HetSRWGANGenerator().state_dict()
    assert sd["conv_first.weight"].shape == (64, 3, 3, 3)
    assert sd["body.15.conv1.weight3x3"].shape == (64, 16, 3, 3)
    assert sd["body.15.conv1.weight1x1"].shape == (64, 48)
    assert {k for k in sd if "act_" in k} == {"act_first.weight", "act_up1.weight", "act_up2.weight"}
    assert sd["upconv2.weight"].shape == (256, 64, 3, 3)
    relu = models.HetSRWGANGenerator(num_feat=8, num_block=1, act="relu", upscale=2).state_dict()
    assert not any("act_" in k or "prelu" in k for k in relu)


@pytest.mark.parametrize("case", GEN_CASES[:3], ids=GEN_IDS[:3])
def test_generator_reparameterize_is_equivalent(case):
    _, kw, _ = case
    model, _ = _gen_pair(kw)
    dense = model.reparameterize()
    assert not isinstance(dense, models.CppModule)
    assert all(not isinstance(m, torch.nn.Module) or "HetConv" not in type(m).__name__ for m in dense.modules())
    x = torch.rand(1, kw["num_in_ch"], 9, 6, dtype=torch.float64)
    torch.testing.assert_close(dense(x), model(x), rtol=1e-10, atol=1e-10)


def test_generator_float32_channels_last_train_eval_copy_and_step():
    kw = GEN_CASES[0][1]
    model, reference = _gen_pair(kw, torch.float32)
    x = torch.rand(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(model(x), reference(x), rtol=1e-4, atol=1e-5)
    y = model.train()(x)
    torch.testing.assert_close(model.eval()(x), y, rtol=0, atol=0)
    check_copy_trains_independently(model, x, y)


def test_generator_state_dict_round_trip(tmp_path):
    kw = GEN_CASES[1][1]
    model, _ = _gen_pair(kw, torch.float32)
    x = torch.rand(1, 1, 6, 6)
    models.save_state_dict(model, tmp_path / "g.pt")
    fresh = models.HetSRWGANGenerator(**kw)
    fresh.load_state_dict(models.load_state_dict_file(tmp_path / "g.pt"))
    assert torch.equal(fresh(x), model(x))


@pytest.mark.parametrize("case", CRITIC_CASES, ids=CRITIC_IDS)
def test_critic_matches_reference_float64(case):
    _, kw = case
    ours, theirs = models.HetSRWGANCritic(**kw).state_dict(), ref.HetSRWGANCriticRef(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}
    model, reference = _critic_pair(kw)
    size = 2 ** kw["num_stages"] + 3  # odd size above the minimum
    x = torch.rand(3, kw["num_in_ch"], size, size + 2, dtype=torch.float64)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, expect = model(xa), reference(xb)
    assert out.shape == (3, 1)
    torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-10)
    out.sum().backward()
    expect.sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-10, atol=1e-10)
    _check_grads(model, reference)


@pytest.mark.parametrize("case", CRITIC_CASES, ids=CRITIC_IDS)
def test_critic_gradient_penalty_double_backward_matches_reference(case):
    """A WGAN-GP critic step: the penalty differentiates the C++ forward twice
    (create_graph=True); its parameter gradients equal the reference's."""
    _, kw = case
    model, reference = _critic_pair(kw)
    size = 2 ** kw["num_stages"]
    real = torch.rand(2, kw["num_in_ch"], size, size, dtype=torch.float64)
    fake = torch.rand_like(real)
    alpha = torch.rand(2, dtype=torch.float64)
    gp = losses.gradient_penalty(model, real, fake, alpha=alpha)
    gp_ref = losses.gradient_penalty(reference, real, fake, alpha=alpha)
    torch.testing.assert_close(gp, gp_ref, rtol=1e-10, atol=1e-12)
    loss = model(fake).mean() - model(real).mean() + 10 * gp
    loss_ref = reference(fake).mean() - reference(real).mean() + 10 * gp_ref
    loss.backward()
    loss_ref.backward()
    _check_grads(model, reference)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = model(real).detach()
    opt.step()
    assert not torch.equal(model(real), before)


def test_critic_scores_are_per_sample():
    """No batch statistics: a sample's score does not depend on the rest of the batch."""
    model = models.HetSRWGANCritic(num_feat=4, num_stages=2, linear_feat=4, norm="instance")
    x = torch.rand(4, 3, 8, 8)
    torch.testing.assert_close(model(x)[1:2], model(x[1:2]), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(model.train()(x), model.eval()(x), rtol=0, atol=0)


def test_critic_input_size_and_bad_arguments():
    model = models.HetSRWGANCritic(num_feat=4, num_stages=3)
    with pytest.raises(ValueError, match=">= 8"):
        model(torch.rand(1, 3, 7, 16))
    with pytest.raises(ValueError, match="channels"):
        model(torch.rand(1, 1, 16, 16))
    for kw, match in [(dict(norm="batch"), "norm"), (dict(num_stages=0), "num_stages"),
                      (dict(num_feat=0), "num_feat")]:
        with pytest.raises(ValueError, match=match):
            models.HetSRWGANCritic(**kw)


@pytest.mark.parametrize("kw,match", [
    (dict(upscale=8), "upscale"),
    (dict(num_feat=6, parts=4), "parts"),
    (dict(act="gelu"), "act"),
    (dict(num_block=-1), "num_block"),
    (dict(num_out_ch=0), "num_out_ch"),
])
def test_generator_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        models.HetSRWGANGenerator(**kw)


def test_generator_bad_inputs():
    model = models.HetSRWGANGenerator(num_feat=4, num_block=1, parts=2)
    with pytest.raises(ValueError, match="channels"):
        model(torch.rand(1, 2, 8, 8))
    with pytest.raises(TypeError, match="input"):
        model(torch.zeros(1, 3, 8, 8, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="dtype"):
        model(torch.rand(1, 3, 8, 8, dtype=torch.float64))


@pytest.mark.parametrize("case", GEN_CASES, ids=GEN_IDS)
def test_loader_detects_hetsrwgan(case):
    _, kw, _ = case
    reference = ref.HetSRWGANGeneratorRef(**kw)
    sd = {"module." + k: v for k, v in reference.state_dict().items()}
    name, cfg = models.loader.detect(sd)
    assert name == "HetSRWGANGenerator"
    for k in ("num_in_ch", "num_out_ch", "num_feat", "num_block", "upscale"):
        assert cfg[k] == kw[k], k
    if kw["num_block"]:
        assert cfg["parts"] == kw["parts"]
    assert cfg["act"] == ("prelu" if kw.get("act", "prelu") == "prelu" else "leaky_relu")
    overrides = {k: kw[k] for k in ("act", "res_scale", "parts") if k in kw}
    model = models.load(sd, **overrides)
    x = torch.rand(1, kw["num_in_ch"], 5, 6)
    torch.testing.assert_close(model(x), reference(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_devices_match_cpu(device):
    kw = GEN_CASES[0][1]
    model, _ = _gen_pair(kw, torch.float32)
    critic = models.HetSRWGANCritic(num_feat=4, num_stages=2)
    x = torch.rand(2, 3, 8, 8)
    expect, score = model(x), critic(x)
    torch.testing.assert_close(model.to(device)(x.to(device)).cpu(), expect, rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(critic.to(device)(x.to(device)).cpu(), score, rtol=1e-3, atol=1e-3)
