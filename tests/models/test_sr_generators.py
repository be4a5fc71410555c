"""MSRResNet, RRDBNet, SRVGGNetCompact, EDSR: the C++ models against plain-PyTorch
re-implementations of the BasicSR / Real-ESRGAN architectures (tests/helpers/basicsr_reference.py):
identical state_dict keys and shapes, same outputs and gradients in float64, plus shapes,
train/eval, copies, odd input sizes and bad arguments."""
from __future__ import annotations

import pickle

import pytest
import torch

from helpers import basicsr_reference as ref
from helpers import DEVICES
from helpers.model_checks import check_copy_trains_independently, reference_pair
from srgan_cpp import models
from srgan_cpp.nn import winograd

# (name, srgan_cpp class, reference class, kwargs shared by both, scale) - small and fast.
CASES = [
    ("msrresnet_x2", models.MSRResNet, ref.MSRResNet, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=2), 2),
    ("msrresnet_x3", models.MSRResNet, ref.MSRResNet, dict(num_in_ch=1, num_out_ch=1, num_feat=8, num_block=1, upscale=3), 3),
    ("msrresnet_x4", models.MSRResNet, ref.MSRResNet, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=4), 4),
    ("rrdbnet_x4", models.RRDBNet, ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=2, num_grow_ch=4), 4),
    ("rrdbnet_x4_1to3", models.RRDBNet, ref.RRDBNet, dict(num_in_ch=1, num_out_ch=3, scale=4, num_feat=8, num_block=1, num_grow_ch=4), 4),
    ("rrdbnet_x2", models.RRDBNet, ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=8, num_block=1, num_grow_ch=4), 2),
    ("rrdbnet_x1", models.RRDBNet, ref.RRDBNet, dict(num_in_ch=3, num_out_ch=3, scale=1, num_feat=8, num_block=1, num_grow_ch=4), 1),
    ("srvgg_x4_prelu", models.SRVGGNetCompact, ref.SRVGGNetCompact, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=3, upscale=4, act_type="prelu"), 4),
    ("srvgg_x2_relu", models.SRVGGNetCompact, ref.SRVGGNetCompact, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=2, act_type="relu"), 2),
    ("srvgg_x3_lrelu", models.SRVGGNetCompact, ref.SRVGGNetCompact, dict(num_in_ch=1, num_out_ch=1, num_feat=8, num_conv=1, upscale=3, act_type="leakyrelu"), 3),
    ("edsr_x2", models.EDSR, ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=2), 2),
    ("edsr_x3", models.EDSR, ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=1, upscale=3, res_scale=0.1), 3),
    ("edsr_x4", models.EDSR, ref.EDSR, dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=4, res_scale=0.1), 4),
]
IDS = [c[0] for c in CASES]


def _pair(case, dtype=torch.float64):
    _, cls, ref_cls, kw, _ = case
    return reference_pair(cls, ref_cls, kw, dtype)


def _input(case, h=8, w=12, n=2, dtype=torch.float64):
    return torch.rand(n, case[3]["num_in_ch"], h, w, dtype=dtype)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_keys_and_shapes_equal_reference(case):
    _, cls, ref_cls, kw, _ = case
    ours, theirs = cls(**kw).state_dict(), ref_cls(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_reference_float64(case):
    model, reference = _pair(case)
    x = _input(case)
    out = model(x)
    s = case[4]
    assert out.shape == (2, case[3]["num_out_ch"], 8 * s, 12 * s) and out.dtype == torch.float64
    torch.testing.assert_close(out, reference(x.clone()), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward_matches_reference_float64(case):
    model, reference = _pair(case)
    x = _input(case, h=4, w=8, n=1)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out = model(xa)
    weight = torch.randn_like(out)
    (out * weight).sum().backward()
    (reference(xb) * weight).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-9, atol=1e-10)
    ref_grads = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        torch.testing.assert_close(p.grad, ref_grads[name].grad, rtol=1e-9, atol=1e-10, msg=name)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_and_channels_last_close_to_reference(case):
    model, reference = _pair(case, torch.float32)
    x = _input(case, dtype=torch.float32)
    expect = reference(x.clone())
    torch.testing.assert_close(model(x), expect, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(model(x.contiguous(memory_format=torch.channels_last)), expect, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES[::3], ids=IDS[::3])
def test_train_eval_deepcopy_and_optimizer(case):
    model, _ = _pair(case)
    x = _input(case)
    # No batch norm or dropout in these generators: train and eval give the same output.
    model.train()
    y_train = model(x)
    model.eval()
    assert not model.training and all(not m.training for m in model.modules())
    torch.testing.assert_close(model(x), y_train, rtol=0, atol=0)
    check_copy_trains_independently(model, x, y_train)  # the copy owns its weights


@pytest.mark.parametrize("case", [c for c in CASES if c[1] is not models.RRDBNet or c[4] == 4],
                         ids=[c[0] for c in CASES if c[1] is not models.RRDBNet or c[4] == 4])
def test_odd_input_sizes_work_where_the_architecture_allows(case):
    model, reference = _pair(case)
    x = _input(case, h=7, w=5, n=1)
    out = model(x)
    s = case[4]
    assert out.shape == (1, case[3]["num_out_ch"], 7 * s, 5 * s)
    torch.testing.assert_close(out, reference(x.clone()), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("scale,h,w", [(2, 7, 6), (2, 6, 5), (1, 6, 8), (1, 8, 10)])
def test_rrdbnet_unshuffle_needs_divisible_sizes(scale, h, w):
    model = models.RRDBNet(num_feat=4, num_block=1, num_grow_ch=2, scale=scale)
    assert model.unshuffle_factor == 4 // scale
    with pytest.raises(ValueError, match=f"divisible by {4 // scale}"):
        model(torch.rand(1, 3, h, w))


def test_edsr_mean_is_a_non_persistent_buffer_that_follows_dtype():
    model = models.EDSR(num_feat=4, num_block=1, upscale=2)
    assert "mean" not in model.state_dict()
    assert dict(model.named_buffers())["mean"].shape == (1, 3, 1, 1)
    model.double()
    assert model.mean.dtype == torch.float64
    torch.testing.assert_close(model.mean.flatten(), torch.tensor([0.4488, 0.4371, 0.4040], dtype=torch.float64))


def test_srvgg_prelu_weights_sit_at_real_esrgan_indices():
    sd = models.SRVGGNetCompact(num_feat=8, num_conv=2).state_dict()
    assert [k for k in sd if k.endswith("weight") and sd[k].dim() == 1] == ["body.1.weight", "body.3.weight",
                                                                           "body.5.weight"]
    assert sd["body.6.weight"].shape == (3 * 16, 8, 3, 3)
    assert not any(k.startswith("body.1.") for k in models.SRVGGNetCompact(num_feat=8, act_type="relu").state_dict())


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("slopes", ["per_channel", "one"])
def test_srvgg_inference_path_is_bit_identical(dtype, memory_format, slopes):
    """Without gradients SRVGGNetCompact overwrites its conv outputs with PReLU
    (nn::prelu_inference_) and builds the nearest residual by broadcast copies: the result must
    be the grad-mode one (at::prelu, at::upsample_nearest2d) to the bit, negative slopes included."""
    torch.manual_seed(0)
    model = models.SRVGGNetCompact(num_feat=16 if slopes == "per_channel" else 1, num_conv=3, upscale=4)
    model = model.to(dtype).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and not name.endswith("bias"):
                p.uniform_(-0.5, 0.5)
    x = torch.rand(2, 3, 17, 23).to(dtype).contiguous(memory_format=memory_format)
    x_before = x.clone()
    reference = model(x)  # parameters require grad: the out-of-place path
    assert reference.requires_grad
    with winograd.enabled(False), torch.inference_mode():  # the same convolution as grad mode
        fast = model(x)
    with winograd.enabled(False), torch.no_grad():
        assert torch.equal(model(x), fast)
    assert torch.equal(reference.detach(), fast)
    assert fast.is_contiguous(memory_format=memory_format)
    assert torch.equal(x, x_before)  # the input itself is never written


@pytest.mark.parametrize("factory,match", [
    (lambda: models.MSRResNet(upscale=5), "upscale"),
    (lambda: models.MSRResNet(num_in_ch=3, num_out_ch=1), "num_out_ch"),
    (lambda: models.RRDBNet(scale=3), "scale"),
    (lambda: models.RRDBNet(num_feat=0), "positive"),
    (lambda: models.SRVGGNetCompact(act_type="gelu"), "act_type"),
    (lambda: models.EDSR(upscale=6), "upscale"),
    (lambda: models.EDSR(num_in_ch=1, num_out_ch=1), "rgb_mean"),
])
def test_bad_constructor_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize("cls", [models.MSRResNet, models.RRDBNet, models.SRVGGNetCompact, models.EDSR])
def test_bad_inputs(cls):
    model = cls(num_feat=4, **({"num_conv": 1} if cls is models.SRVGGNetCompact else {"num_block": 1}))
    with pytest.raises(ValueError, match="channels"):
        model(torch.rand(1, 2, 8, 8))
    with pytest.raises(ValueError, match="rank 4"):
        model(torch.rand(3, 8, 8))
    with pytest.raises(TypeError, match="input"):
        model(torch.zeros(1, 3, 8, 8, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="dtype"):
        model(torch.rand(1, 3, 8, 8, dtype=torch.float64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model([1.0])


@pytest.mark.parametrize("device", DEVICES)
def test_devices_match_cpu(device):
    case = CASES[3]  # RRDBNet x4
    model, _ = _pair(case, torch.float32)
    x = _input(case, dtype=torch.float32)
    expect = model(x)
    out = model.to(device)(x.to(device))
    torch.testing.assert_close(out.cpu(), expect, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", [CASES[2], CASES[5], CASES[7], CASES[12]], ids=[IDS[2], IDS[5], IDS[7], IDS[12]])
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
    # The C++ loader reads the same file (LibTorch's restricted unpickler) into the C++ tree.
    # EDSR's `mean` is a non-persistent buffer in C++ too, so its file (no `mean`) loads.
    cpp_only = case[1](**case[3])
    cpp_only.cpp_module.load_state_dict_file(str(path))
    assert torch.equal(cpp_only.cpp_module.forward(x), expect)
    assert torch.equal(pickle.loads(pickle.dumps(model))(x), expect)
