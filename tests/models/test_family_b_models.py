"""RCAN, RDN, DRRN and PAN: the C++ models against their plain-PyTorch references
(tests/helpers/family_b_reference.py) - identical state_dict keys and shapes, same outputs and
gradients in float64, float32 / channels_last / bfloat16, train/eval, copies, pickling,
files (Python and C++ loaders), bad arguments - and their parameter counts against the
papers' formulas."""
from __future__ import annotations

import pickle

import pytest
import torch

from helpers import family_b_reference as ref
from helpers import DEVICES
from helpers.model_checks import check_copy_trains_independently, reference_pair
from srgan_cpp import models

# (id, srgan_cpp class, reference class, kwargs shared by both, input channels, scale) - small and fast.
CASES = [
    ("rcan_x2", models.RCAN, ref.RCAN, dict(num_feat=16, num_group=2, num_block=2, squeeze_factor=4, upscale=2), 3, 2),
    ("rcan_x3", models.RCAN, ref.RCAN, dict(num_feat=16, num_group=1, num_block=2, squeeze_factor=8, upscale=3,
                                            res_scale=0.5), 3, 3),
    ("rcan_x4", models.RCAN, ref.RCAN, dict(num_feat=8, num_group=2, num_block=1, squeeze_factor=2, upscale=4), 3, 4),
    ("rdn_x2", models.RDN, ref.RDN, dict(num_features=8, num_blocks=2, num_layers=3, growth_rate=4, upscale=2), 3, 2),
    ("rdn_x3_y", models.RDN, ref.RDN, dict(num_in_ch=1, num_out_ch=1, num_features=8, num_blocks=1, num_layers=2,
                                           growth_rate=4, upscale=3, img_range=255.0), 1, 3),
    ("rdn_x4", models.RDN, ref.RDN, dict(num_features=8, num_blocks=3, num_layers=2, growth_rate=6, upscale=4), 3, 4),
    ("drrn_b1u3", models.DRRN, ref.DRRN, dict(num_feat=8, num_blocks=1, num_units=3), 1, 1),
    ("drrn_b3u2_rgb", models.DRRN, ref.DRRN, dict(num_in_ch=3, num_feat=8, num_blocks=3, num_units=2), 3, 1),
    ("pan_x2", models.PAN, ref.PAN, dict(nf=8, unf=6, nb=2, scale=2), 3, 2),
    ("pan_x3", models.PAN, ref.PAN, dict(nf=8, unf=6, nb=1, scale=3), 3, 3),
    ("pan_x4", models.PAN, ref.PAN, dict(nf=8, unf=6, nb=2, scale=4), 3, 4),
]
IDS = [c[0] for c in CASES]


def _pair(case, dtype=torch.float64):
    _, cls, ref_cls, kw, _, _ = case
    return reference_pair(cls, ref_cls, kw, dtype)


def _input(case, h=7, w=9, n=2, dtype=torch.float64):
    return torch.rand(n, case[4], h, w, dtype=dtype)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_keys_and_shapes_equal_reference(case):
    _, cls, ref_cls, kw, _, _ = case
    ours, theirs = cls(**kw).state_dict(), ref_cls(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_backward_match_reference_float64(case):
    model, reference = _pair(case)
    x = _input(case)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = model(xa)
    s = case[5]
    assert out.shape == (2, case[4], 7 * s, 9 * s) and out.dtype == torch.float64
    expect = reference(xb)
    torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-10)
    weight = torch.randn_like(out)
    (out * weight).sum().backward()
    (expect * weight).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-9, atol=1e-10)
    ref_grads = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        torch.testing.assert_close(p.grad, ref_grads[name].grad, rtol=1e-9, atol=1e-9, msg=name)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_channels_last_and_bfloat16_close_to_reference(case):
    model, reference = _pair(case, torch.float32)
    x = _input(case, dtype=torch.float32)
    expect = reference(x.clone())
    torch.testing.assert_close(model(x), expect, rtol=1e-4, atol=1e-4)
    out_cl = model(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(out_cl, expect, rtol=1e-4, atol=1e-4)
    bf = model.to(torch.bfloat16)(x.to(torch.bfloat16))
    assert bf.dtype == torch.bfloat16
    torch.testing.assert_close(bf.float(), expect, rtol=0.1, atol=0.1 * max(1.0, expect.abs().max().item()))


@pytest.mark.parametrize("case", CASES[::2], ids=IDS[::2])
def test_train_eval_deepcopy_and_optimizer(case):
    model, _ = _pair(case)
    x = _input(case)
    model.train()
    y_train = model(x)
    model.eval()  # no batch norm or dropout: train and eval give the same output
    assert not model.training and all(not m.training for m in model.modules())
    torch.testing.assert_close(model(x), y_train, rtol=0, atol=0)
    check_copy_trains_independently(model, x, y_train)


@pytest.mark.parametrize("case", CASES[1::3], ids=IDS[1::3])
def test_state_dict_round_trip_file_and_pickle(case, tmp_path):
    model, _ = _pair(case, torch.float32)
    x = _input(case, dtype=torch.float32)
    expect = model(x)
    path = tmp_path / "w.pt"
    models.save_state_dict(model, path)
    fresh = case[1](**case[3])
    assert not torch.equal(fresh(x), expect)
    fresh.load_state_dict(models.load_state_dict_file(path), strict=True)
    assert torch.equal(fresh(x), expect)
    cpp_only = case[1](**case[3])  # the C++ loader reads the same file into the C++ tree
    cpp_only.cpp_module.load_state_dict_file(str(path))
    assert torch.equal(cpp_only.cpp_module.forward(x), expect)
    assert torch.equal(pickle.loads(pickle.dumps(model))(x), expect)


@pytest.mark.parametrize("device", DEVICES)
def test_devices_match_cpu(device):
    for case in (CASES[0], CASES[3], CASES[6], CASES[10]):
        model, _ = _pair(case, torch.float32)
        x = _input(case, dtype=torch.float32)
        expect = model(x)
        torch.testing.assert_close(model.to(device)(x.to(device)).cpu(), expect, rtol=1e-3, atol=1e-3)


# ---------------------------------------------------------------------------------------
# Parameter counts: the papers' formulas, and their reported sizes for the defaults.
# ---------------------------------------------------------------------------------------
def conv(cin: int, cout: int, k: int, bias: bool = True) -> int:
    return k * k * cin * cout + (cout if bias else 0)


def rcan_params(c=3, f=64, g=10, b=20, r=16, s=4) -> int:
    h = f // r
    rcab = 2 * conv(f, f, 3) + conv(f, h, 1) + conv(h, f, 1)
    up = conv(f, 9 * f, 3) if s == 3 else (s.bit_length() - 1) * conv(f, 4 * f, 3)
    return conv(c, f, 3) + g * (b * rcab + conv(f, f, 3)) + conv(f, f, 3) + up + conv(f, c, 3)


def rdn_params(c=3, g0=64, d=16, layers=8, g=64, s=4) -> int:
    rdb = sum(conv(g0 + i * g, g, 3) for i in range(layers)) + conv(g0 + layers * g, g0, 1)
    up = conv(g0, 4 * g, 3) + conv(g, 4 * g, 3) if s == 4 else conv(g0, g * s * s, 3)
    return conv(c, g0, 3) + conv(g0, g0, 3) + d * rdb + conv(d * g0, g0, 1) + conv(g0, g0, 3) + up + conv(g, c, 3)


def drrn_params(c=1, f=128, b=1) -> int:  # U does not change the count: the units share weights
    return conv(c, f, 3, False) + (b - 1) * conv(f, f, 3, False) + b * 2 * conv(f, f, 3, False) + conv(f, c, 3, False)


def pan_params(c=3, nf=40, unf=24, nb=16, s=4) -> int:
    half = nf // 2
    scpa = 2 * conv(nf, half, 1, False) + conv(half, half, 3, False) + conv(half, half, 1) + \
        2 * conv(half, half, 3, False) + conv(nf, nf, 1, False)
    stage = conv(unf, unf, 1) + conv(unf, unf, 3)  # attK + HRconvK, after upconvK
    up = conv(nf, unf, 3) + stage + ((conv(unf, unf, 3) + stage) if s == 4 else 0)
    return conv(c, nf, 3) + nb * scpa + conv(nf, nf, 3) + up + conv(unf, c, 3)


def _count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kwargs,formula", [
    (dict(upscale=2), dict(s=2)), (dict(upscale=3), dict(s=3)),
    (dict(num_feat=32, num_group=2, num_block=3, squeeze_factor=8), dict(f=32, g=2, b=3, r=8)),
])
def test_rcan_parameter_count(kwargs, formula):
    assert _count(models.RCAN(**kwargs)) == rcan_params(**formula)


def test_default_sizes_are_the_papers():
    # RCAN x4 (10 groups x 20 RCABs): ~15.6M; RDN (D16 C8 G64) x2: ~22.1M; DRRN B1U25: 297,216
    # weights (Tai et al., Table 1: 297K); PAN x4: 272,419 (Zhao et al.: 272K).
    assert rcan_params() == _count(models.RCAN()) == 15_592_355
    assert rdn_params(s=2) == _count(models.RDN(upscale=2))
    assert round(rdn_params(s=2) / 1e6, 1) == 22.1
    assert drrn_params() == _count(models.DRRN()) == 297_216
    assert pan_params() == _count(models.PAN()) == 272_419


@pytest.mark.parametrize("kwargs,formula", [
    (dict(upscale=3, num_features=16, num_blocks=3, num_layers=4, growth_rate=8), dict(s=3, g0=16, d=3, layers=4, g=8)),
    (dict(upscale=4, num_features=16, num_blocks=2, num_layers=2, growth_rate=8, num_in_ch=1, num_out_ch=1),
     dict(s=4, g0=16, d=2, layers=2, g=8, c=1)),
])
def test_rdn_parameter_count(kwargs, formula):
    assert _count(models.RDN(**kwargs)) == rdn_params(**formula)


@pytest.mark.parametrize("blocks,units", [(1, 1), (3, 4), (2, 9)])
def test_drrn_parameter_count_and_depth(blocks, units):
    model = models.DRRN(num_feat=16, num_blocks=blocks, num_units=units)
    assert _count(model) == drrn_params(f=16, b=blocks)
    # (1 + 2U) B + 1 conv layers are applied: count the convs a forward runs through hooks
    # on a reference with the same weights.
    reference = ref.DRRN(num_feat=16, num_blocks=blocks, num_units=units)
    calls = []
    for m in reference.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(lambda *a: calls.append(1))
    reference(torch.rand(1, 1, 5, 5))
    assert len(calls) == (1 + 2 * units) * blocks + 1


@pytest.mark.parametrize("kwargs,formula", [(dict(scale=2), dict(s=2)), (dict(scale=3, nf=16, unf=8, nb=3),
                                                                         dict(s=3, nf=16, unf=8, nb=3))])
def test_pan_parameter_count(kwargs, formula):
    assert _count(models.PAN(**kwargs)) == pan_params(**formula)


# ---------------------------------------------------------------------------------------
# Bad arguments and inputs.
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory,match", [
    (lambda: models.RCAN(upscale=5), "upscale"),
    (lambda: models.RCAN(num_in_ch=1, num_out_ch=1), "rgb_mean"),
    (lambda: models.RCAN(num_feat=8, squeeze_factor=16), "squeeze_factor"),
    (lambda: models.RCAN(img_range=0), "img_range"),
    (lambda: models.RDN(upscale=8), "upscale"),
    (lambda: models.RDN(growth_rate=0), "positive"),
    (lambda: models.DRRN(num_blocks=0), "positive"),
    (lambda: models.DRRN(num_units=-1), "num_units"),
    (lambda: models.PAN(nf=7), "even"),
    (lambda: models.PAN(in_nc=3, out_nc=1), "out_nc"),
    (lambda: models.PAN(scale=8), "scale"),
])
def test_bad_constructor_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[6], CASES[8]], ids=[IDS[0], IDS[3], IDS[6], IDS[8]])
def test_bad_inputs(case):
    model = case[1](**case[3])
    c = case[4]
    with pytest.raises(ValueError, match="channels"):
        model(torch.rand(1, c + 1, 8, 8))
    with pytest.raises(ValueError, match="rank 4"):
        model(torch.rand(c, 8, 8))
    with pytest.raises(TypeError, match="input"):
        model(torch.zeros(1, c, 8, 8, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="dtype"):
        model(torch.rand(1, c, 8, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match="non-empty"):
        model(torch.rand(0, c, 8, 8))
