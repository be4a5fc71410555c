"""The C++ discriminators (VGGStyleDiscriminator, UNetDiscriminatorSN, VGGDiscriminator96)
and their C++ layers (BatchNorm2d, SpectralNormConv2d, Linear) against plain-PyTorch
references (tests/discriminator_reference.py, built on torch.nn.BatchNorm2d and
torch.nn.utils.spectral_norm): identical state-dict keys and shapes; float64 outputs,
gradients and running buffers (batch-norm statistics, spectral-norm u / v) equal in train
and eval mode; copies, dtype moves, round trips, bad inputs and the loader's detection."""
from __future__ import annotations

import copy
import pickle

import pytest
import torch
from torch import nn
from torch.nn.utils import spectral_norm

from helpers import discriminator_reference as ref
from helpers import DEVICES
from helpers.model_checks import reference_pair
from srgan_cpp import models
from srgan_cpp.models import loader
from srgan_cpp.nn import layers as cpp_layers

# (name, srgan_cpp class, reference class, kwargs, input (C, H, W)) - tiny widths, fast.
CASES = [
    ("vgg128", models.VGGStyleDiscriminator, ref.VGGStyleDiscriminator,
     dict(num_in_ch=3, num_feat=2, input_size=128), (3, 128, 128)),
    ("vgg256_gray", models.VGGStyleDiscriminator, ref.VGGStyleDiscriminator,
     dict(num_in_ch=1, num_feat=2, input_size=256), (1, 256, 256)),
    ("unet", models.UNetDiscriminatorSN, ref.UNetDiscriminatorSN, dict(num_in_ch=3, num_feat=4), (3, 16, 24)),
    ("unet_noskip", models.UNetDiscriminatorSN, ref.UNetDiscriminatorSN,
     dict(num_in_ch=1, num_feat=4, skip_connection=False), (1, 8, 16)),
    ("vgg96_BL", models.VGGDiscriminator96, ref.DiscriminatorVGG96, dict(in_nc=3, base_nc=2, ac_type="BL"),
     (3, 96, 96)),
    ("vgg96_L", models.VGGDiscriminator96, ref.DiscriminatorVGG96, dict(in_nc=1, base_nc=2, ac_type="L"),
     (1, 96, 96)),
]
IDS = [c[0] for c in CASES]


def _pair(case, dtype=torch.float64):
    _, cls, ref_cls, kw, _ = case
    return reference_pair(cls, ref_cls, kw, dtype)


def _input(case, n=2, dtype=torch.float64):
    return torch.rand(n, *case[4], dtype=dtype)


def _assert_same_state(model, reference, rtol=1e-10, atol=1e-12):
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)
    for k in ours:
        torch.testing.assert_close(ours[k], theirs[k], rtol=rtol, atol=atol, msg=k)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_keys_and_shapes_equal_reference(case):
    _, cls, ref_cls, kw, _ = case
    ours, theirs = cls(**kw).state_dict(), ref_cls(**kw).state_dict()
    assert list(ours) == list(theirs)
    assert {k: (tuple(v.shape), v.dtype) for k, v in ours.items()} == \
        {k: (tuple(v.shape), v.dtype) for k, v in theirs.items()}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_train_and_eval_match_reference_float64(case):
    """Two training steps (forward, backward on every parameter and the input, buffers
    updated), then eval: outputs, gradients, running statistics and u / v all equal."""
    model, reference = _pair(case)
    for step in range(2):
        x = _input(case)
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        out, expect = model(xa), reference(xb)
        n, _, h, w = x.shape
        assert out.shape == ((n, 1, h, w) if case[1] is models.UNetDiscriminatorSN else (n, 1))
        torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-12)
        weight = torch.randn_like(out)
        (out * weight).sum().backward()
        (expect * weight).sum().backward()
        torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-9, atol=1e-12)
        ref_params = dict(reference.named_parameters())
        for name, p in model.named_parameters():
            torch.testing.assert_close(p.grad, ref_params[name].grad, rtol=1e-9, atol=1e-11, msg=name)
        _assert_same_state(model, reference)
    counts = [int(v) for k, v in model.state_dict().items() if k.endswith("num_batches_tracked")]
    assert counts == [2] * len(counts)
    model.eval(), reference.eval()
    before = copy.deepcopy(model.state_dict())
    x = _input(case)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=1e-10, atol=1e-12)
    # Eval forwards leave every buffer (running stats, u, v) untouched.
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_batch_norm_layer_updates_python_buffers_in_place():
    bn, theirs = cpp_layers.BatchNorm2d(5, eps=1e-3, momentum=0.3).double(), nn.BatchNorm2d(5, 1e-3, 0.3).double()
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5), theirs.bias.uniform_(-1, 1)
    bn.load_state_dict(theirs.state_dict())
    mean, var, count = bn.running_mean, bn.running_var, bn.num_batches_tracked
    for _ in range(4):
        x = torch.randn(3, 5, 4, 6, dtype=torch.float64) * 2 + 1
        torch.testing.assert_close(bn(x), theirs(x), rtol=1e-12, atol=1e-12)
    # The same Python tensors now hold torch's running statistics: C++ wrote into them.
    assert bn.running_mean is mean and bn.running_var is var and bn.num_batches_tracked is count
    torch.testing.assert_close(mean, theirs.running_mean, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(var, theirs.running_var, rtol=1e-12, atol=1e-14)
    assert int(count) == 4 and count.dtype == torch.long
    bn.eval(), theirs.eval()
    x = torch.randn(2, 5, 3, 3, dtype=torch.float64)
    torch.testing.assert_close(bn(x), theirs(x), rtol=1e-12, atol=1e-12)
    assert int(count) == 4
    bn.train()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(torch.randn(1, 5, 1, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="`input` with 5 channels"):
        bn(torch.randn(2, 4, 3, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="rank 4"):
        bn(torch.randn(2, 5, 3, dtype=torch.float64))


@pytest.mark.parametrize("bias", [True, False])
def test_spectral_norm_conv_matches_torch_spectral_norm(bias):
    sn = cpp_layers.SpectralNormConv2d(3, 6, 3, stride=2, padding=1, bias=bias).double()
    theirs = spectral_norm(nn.Conv2d(3, 6, 3, 2, 1, bias=bias)).double()
    assert list(sn.state_dict()) == list(theirs.state_dict())
    sn.load_state_dict(theirs.state_dict())
    u, v = sn.weight_u, sn.weight_v
    for _ in range(5):
        x = torch.randn(2, 3, 7, 5, dtype=torch.float64)
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        out, expect = sn(xa), theirs(xb)
        torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-12)
        out.square().sum().backward()
        expect.square().sum().backward()
        torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(sn.weight_orig.grad, theirs.weight_orig.grad, rtol=1e-9, atol=1e-12)
    # u and v were updated in place in the Python buffers, exactly as torch's power iteration.
    assert sn.weight_u is u and sn.weight_v is v
    torch.testing.assert_close(u, theirs.weight_u, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(v, theirs.weight_v, rtol=1e-10, atol=1e-12)
    sn.eval(), theirs.eval()
    x = torch.randn(1, 3, 4, 4, dtype=torch.float64)
    u0 = u.clone()
    torch.testing.assert_close(sn(x), theirs(x), rtol=1e-10, atol=1e-12)
    assert torch.equal(u, u0)
    # Eval sigma: the weight torch's hook sets from the stored u, v.
    torch.testing.assert_close(sn.normalized_weight(), theirs.weight, rtol=1e-12, atol=1e-14)
    # Power iteration converges to the largest singular value.
    sn.train()
    with torch.no_grad():
        for _ in range(100):
            sn(x)
        mat = sn.weight_orig.reshape(6, -1)
        torch.testing.assert_close(torch.dot(u, mat @ v), torch.linalg.matrix_norm(mat, ord=2), rtol=1e-6, atol=0)


def test_linear_layer_matches_torch():
    lin, theirs = cpp_layers.Linear(7, 3).double(), nn.Linear(7, 3).double()
    lin.load_state_dict(theirs.state_dict())
    x = torch.randn(4, 7, dtype=torch.float64)
    torch.testing.assert_close(lin(x), theirs(x), rtol=1e-12, atol=1e-12)
    assert "bias" not in cpp_layers.Linear(7, 3, bias=False).state_dict()
    with pytest.raises(ValueError, match="last dimension 7"):
        lin(torch.randn(4, 6, dtype=torch.float64))


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4]], ids=[IDS[0], IDS[2], IDS[4]])
def test_float32_and_channels_last_close_to_reference(case):
    model, reference = _pair(case, torch.float32)
    model.eval(), reference.eval()
    x = _input(case, dtype=torch.float32)
    with torch.no_grad():
        expect = reference(x)
        # Fresh spectral-norm u, v are random, so sigma can be far below the true norm and
        # the logits large: compare relative to their scale.
        atol = 1e-5 * max(1.0, float(expect.abs().max()))
        torch.testing.assert_close(model(x), expect, rtol=1e-4, atol=atol)
        torch.testing.assert_close(model(x.to(memory_format=torch.channels_last)), expect, rtol=1e-4, atol=atol)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4]], ids=[IDS[0], IDS[2], IDS[4]])
def test_deepcopy_optimizer_step_and_to_float64(case):
    model = case[1](**case[3])  # float32
    x = _input(case, dtype=torch.float64)
    model = model.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert all(b.dtype == (torch.long if n.endswith("num_batches_tracked") else torch.float64)
               for n, b in model.named_buffers())
    twin = copy.deepcopy(model)
    state = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(twin.parameters(), lr=0.1)
    twin(x).mean().backward()
    opt.step()
    # The copy trained (parameters moved, buffers updated); the original is untouched.
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k
    changed = [k for k, v in twin.state_dict().items() if not torch.equal(v, state[k])]
    assert any(k.endswith(("weight", "weight_orig")) for k in changed)
    assert any(k.endswith(("running_mean", "weight_u")) for k in changed)
    # The C++ forward sees the stepped parameters: eval outputs now differ.
    model.eval(), twin.eval()
    with torch.no_grad():
        assert not torch.allclose(model(x), twin(x))
    # And a reference model loaded with the copy's state computes what the copy computes.
    reference = case[2](**case[3]).double().eval()
    reference.load_state_dict(twin.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(twin(x), reference(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", [CASES[1], CASES[3], CASES[4]], ids=[IDS[1], IDS[3], IDS[4]])
def test_state_dict_round_trip_file_and_pickle(case, tmp_path):
    model, _ = _pair(case, torch.float32)
    model.train()
    model(_input(case, dtype=torch.float32))  # moves running stats / u, v away from init
    model.eval()
    x = _input(case, dtype=torch.float32)
    with torch.no_grad():
        expect = model(x)
        path = tmp_path / "d.pt"
        models.save_state_dict(model, path)
        fresh = case[1](**case[3]).eval()
        fresh.load_state_dict(models.load_state_dict_file(path), strict=True)
        assert torch.equal(fresh(x), expect)
        clone = pickle.loads(pickle.dumps(model))
        assert torch.equal(clone(x), expect)
        # The C++ loader (LibTorch's restricted unpickler) reads the same file into the C++
        # tree: parameters and buffers (running stats, u, v, the int64 counter).
        cpp_only = case[1](**case[3]).cpp_module
        cpp_only.load_state_dict_file(str(path))
        cpp_only.train(False)
        assert torch.equal(cpp_only.forward(x), expect)


def test_missing_num_batches_tracked_is_filled_like_torch():
    model, reference = _pair(CASES[0])
    sd = {k: v for k, v in reference.state_dict().items() if not k.endswith("num_batches_tracked")}
    fresh = models.VGGStyleDiscriminator(**CASES[0][3]).double()
    fresh.load_state_dict(sd, strict=True)
    assert int(fresh.bn0_1.num_batches_tracked) == 0
    sd.pop("bn1_0.running_mean")
    with pytest.raises(RuntimeError, match="bn1_0.running_mean"):
        fresh.load_state_dict(sd, strict=True)


@pytest.mark.parametrize("factory, match", [
    (lambda: models.VGGStyleDiscriminator(input_size=96), "`input_size` 128 or 256"),
    (lambda: models.VGGStyleDiscriminator(num_feat=0), "num_feat"),
    (lambda: models.UNetDiscriminatorSN(num_in_ch=0), "num_in_ch"),
    (lambda: models.VGGDiscriminator96(ac_type="IL"), "`ac_type`"),
    (lambda: models.VGGDiscriminator96(ac_type="LL"), "`ac_type`"),
    (lambda: cpp_layers.BatchNorm2d(4, momentum=2.0), "`momentum`"),
    (lambda: cpp_layers.SpectralNormConv2d(2, 2, 3, eps=0.0), "`eps`"),
])
def test_bad_constructor_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize("case", CASES[::2], ids=IDS[::2])
def test_bad_inputs_name_the_argument(case):
    model = case[1](**case[3])
    c, h, w = case[4]
    with pytest.raises(ValueError, match="`input` of rank 4"):
        model(torch.rand(c, h, w))
    with pytest.raises(ValueError, match=f"`input` with {c} channels"):
        model(torch.rand(1, c + 1, h, w))
    bad_size = (1, c, h + 8, w + 8) if case[1] is not models.UNetDiscriminatorSN else (1, c, h + 4, w)
    with pytest.raises(ValueError, match="`input`"):
        model(torch.rand(*bad_size))
    with pytest.raises(TypeError, match="`input`"):
        model(torch.zeros(1, c, h, w, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model([1.0])


def test_size_rules_are_explained():
    with pytest.raises(ValueError, match="spatial size 128x128"):
        models.VGGStyleDiscriminator(num_feat=2)(torch.rand(1, 3, 128, 96))
    with pytest.raises(ValueError, match="spatial size 96x96"):
        models.VGGDiscriminator96(base_nc=2)(torch.rand(1, 3, 128, 128))
    with pytest.raises(ValueError, match="divisible by 8"):
        models.UNetDiscriminatorSN(num_feat=2)(torch.rand(1, 3, 20, 16))


LOADER_CASES = [
    (CASES[0], "VGGStyleDiscriminator", dict(num_in_ch=3, num_feat=2, input_size=128)),
    (CASES[1], "VGGStyleDiscriminator", dict(num_in_ch=1, num_feat=2, input_size=256)),
    (CASES[2], "UNetDiscriminatorSN", dict(num_in_ch=3, num_feat=4, skip_connection=True)),
    (CASES[4], "VGGDiscriminator96", dict(in_nc=3, base_nc=2, ac_type="BL")),
    (CASES[5], "VGGDiscriminator96", dict(in_nc=1, base_nc=2, ac_type="L")),
]


@pytest.mark.parametrize("case, name, kwargs", LOADER_CASES, ids=[c[0][0] for c in LOADER_CASES])
def test_loader_detects_discriminators(case, name, kwargs, tmp_path):
    reference = case[2](**case[3]).eval()
    if name == "VGGDiscriminator96" or name == "VGGStyleDiscriminator":  # give the running stats non-default values
        reference.train()(_input(case, dtype=torch.float32))
        reference.eval()
    sd = reference.state_dict()
    assert loader.detect(sd) == (name, kwargs)
    path = tmp_path / "net_d.pth"
    torch.save({"params": sd}, path)  # BasicSR / Real-ESRGAN wrap net_d weights in "params"
    model = models.load(path)
    assert type(model).__name__ == name and not model.training and model.detected == (name, kwargs)
    x = _input(case, n=1, dtype=torch.float32)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x), rtol=1e-4, atol=1e-5)


def test_loader_overrides_and_rejections():
    sd = ref.UNetDiscriminatorSN(num_in_ch=3, num_feat=4, skip_connection=False).state_dict()
    model = models.load(sd, skip_connection=False)
    assert model.detected[1]["skip_connection"] is False
    kair128 = ref.DiscriminatorVGG96(base_nc=4).state_dict()
    kair128["classifier.0.weight"] = torch.zeros(100, 32 * 16)  # Discriminator_VGG_128's classifier
    with pytest.raises(ValueError, match="only the 96x96 variant"):
        models.load(kair128)
    sd = ref.VGGStyleDiscriminator(num_feat=4).state_dict()
    sd["linear1.weight"] = torch.zeros(100, 7)
    with pytest.raises(ValueError, match="linear1 takes 7 inputs"):
        models.load(sd)
    sd = ref.UNetDiscriminatorSN(num_feat=4).state_dict()
    sd["conv4.weight_orig"] = torch.zeros(16, 31, 3, 3)
    with pytest.raises(ValueError, match="do not fit"):
        models.load(sd)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4]], ids=[IDS[0], IDS[2], IDS[4]])
def test_devices_match_cpu(case, device):
    model, _ = _pair(case, torch.float32)
    x = _input(case, dtype=torch.float32)
    twin = copy.deepcopy(model).to(device)
    expect = model(x)
    out = twin(x.to(device))
    torch.testing.assert_close(out.cpu(), expect, rtol=1e-3, atol=1e-3)
    for k, v in twin.state_dict().items():  # buffers updated on the device as on the CPU
        torch.testing.assert_close(v.cpu(), model.state_dict()[k], rtol=1e-3, atol=1e-4, msg=k)


@pytest.mark.parametrize("case", [CASES[3], CASES[5]], ids=[IDS[3], IDS[5]])
def test_gradient_penalty_double_backward_matches_reference(case):
    """R1 / WGAN-GP penalties differentiate the discriminator's input gradient again."""
    model, reference = _pair(case)
    x = _input(case)
    grads = {}
    for name, net in (("ours", model), ("ref", reference)):
        xi = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(net(xi).sum(), xi, create_graph=True)
        g.square().sum().backward()
        # The last bias does not affect the input gradient: no grad, in both.
        grads[name] = {k: p.grad for k, p in net.named_parameters()}
    assert sum(g is not None for g in grads["ours"].values()) >= len(grads["ours"]) - 1
    for k, g in grads["ours"].items():
        if g is None:
            assert grads["ref"][k] is None, k
        else:
            torch.testing.assert_close(g, grads["ref"][k], rtol=1e-8, atol=1e-10, msg=k)
