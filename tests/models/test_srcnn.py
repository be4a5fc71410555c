"""SRCNN: the C++ model as a genuine torch.nn.Module (parameters shared with C++,
state_dict, dtype/device moves, copies, nesting, functional_call, compile, DDP, threads)."""
from __future__ import annotations

import copy
import pickle
import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import srgan_cpp
from srgan_cpp.models import SRCNN

from helpers import DEVICES


def reference_forward(model: SRCNN, x: torch.Tensor) -> torch.Tensor:
    """Plain-PyTorch SRCNN on the model's own parameters."""
    sd = dict(model.named_parameters())
    pad = "same" if model.border == 0 else 0
    y = F.relu(F.conv2d(x, sd["conv1.weight"], sd["conv1.bias"], padding=pad))
    y = F.relu(F.conv2d(y, sd["conv2.weight"], sd["conv2.bias"], padding=pad))
    return F.conv2d(y, sd["conv3.weight"], sd["conv3.bias"], padding=pad)


@pytest.mark.parametrize("kernels,in_ch,padding,features", [
    ("9-5-5", 1, "same", (64, 32)), ("9-1-5", 3, "same", (32, 16)), ("9-5-5", 1, "valid", (8, 4)),
    ((3, 3, 3), 3, "valid", (4, 4)), ("9-3-5", 1, "same", (16, 8)),
])
def test_forward_matches_reference(kernels, in_ch, padding, features):
    model = SRCNN(in_channels=in_ch, features=features, kernel_sizes=kernels, padding=padding).double()
    x = torch.rand(2, in_ch, 23, 17, dtype=torch.float64)
    out = model(x)
    b = model.border
    assert out.shape == (2, in_ch, 23 - b, 17 - b)
    torch.testing.assert_close(out, reference_forward(model, x), rtol=1e-12, atol=1e-12)


def test_is_a_real_module_with_expected_parameters():
    model = SRCNN()
    assert isinstance(model, nn.Module)
    assert list(model.state_dict()) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                        "conv3.weight", "conv3.bias"]
    assert model.conv1.weight.shape == (64, 1, 9, 9) and model.conv3.weight.shape == (1, 32, 5, 5)
    assert sum(p.numel() for p in model.parameters()) == 64 * 81 + 64 + 32 * 64 * 25 + 32 + 32 * 25 + 1
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert model.border == 0 and SRCNN(padding="valid").border == 9 + 5 + 5 - 3


def test_gradients_and_optimizer_step_reach_the_cpp_forward():
    model = SRCNN(features=(8, 4)).double()
    x = torch.rand(2, 1, 12, 12, dtype=torch.float64)
    target = torch.rand_like(x)
    before = model(x).detach()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    ref_params = {k: v.detach().clone().requires_grad_() for k, v in model.named_parameters()}
    ref_loss = F.mse_loss(_ref_with(ref_params, x, 0), target)
    ref_loss.backward()
    for k, p in model.named_parameters():
        torch.testing.assert_close(p.grad, ref_params[k].grad, rtol=1e-10, atol=1e-12)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    opt.step()
    after = model(x).detach()
    assert not torch.equal(before, after)
    torch.testing.assert_close(after, reference_forward(model, x), rtol=1e-12, atol=1e-12)


def _ref_with(p, x, border):
    pad = "same" if border == 0 else 0
    y = F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], padding=pad))
    y = F.relu(F.conv2d(y, p["conv2.weight"], p["conv2.bias"], padding=pad))
    return F.conv2d(y, p["conv3.weight"], p["conv3.bias"], padding=pad)


def test_state_dict_round_trip_and_strict_errors(tmp_path):
    a, b = SRCNN(features=(8, 4)), SRCNN(features=(8, 4))
    x = torch.rand(1, 1, 10, 10)
    assert not torch.equal(a(x), b(x))
    b.load_state_dict(a.state_dict())
    assert torch.equal(a(x), b(x))
    path = tmp_path / "srcnn.pt"
    srgan_cpp.models.save_state_dict(a, path)
    c = SRCNN(features=(8, 4))
    c.load_state_dict(srgan_cpp.models.load_state_dict_file(path))
    assert torch.equal(a(x), c(x))
    sd = a.state_dict()
    missing = {k: v for k, v in sd.items() if k != "conv2.bias"}
    with pytest.raises(RuntimeError, match="Missing key.*conv2.bias"):
        c.load_state_dict(missing)
    with pytest.raises(RuntimeError, match="Unexpected key.*extra"):
        c.load_state_dict({**sd, "extra": torch.zeros(1)})
    with pytest.raises(RuntimeError, match="size mismatch for conv1.weight"):
        c.load_state_dict({**sd, "conv1.weight": torch.zeros(8, 1, 3, 3)})
    # assign=True replaces the Parameter objects; the C++ forward follows them.
    d = SRCNN(features=(8, 4))
    d.load_state_dict({k: v.clone() for k, v in sd.items()}, assign=True)
    assert torch.equal(d(x), a(x))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_dtype_moves(dtype):
    model = SRCNN(features=(8, 4))
    x = torch.rand(1, 1, 9, 9)
    expect = reference_forward(model, x)
    model.to(dtype)
    assert all(p.dtype == dtype for p in model.parameters())
    out = model(x.to(dtype))
    assert out.dtype == dtype
    if dtype == torch.float64:
        torch.testing.assert_close(out, reference_forward(model, x.double()), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out.float(), expect, rtol=5e-2, atol=5e-2)
    model.float()
    torch.testing.assert_close(model(x), expect, rtol=1e-2 if dtype != torch.float64 else 1e-6, atol=1e-2)


def test_half_shortcut():
    model = SRCNN(features=(4, 4)).half()
    assert model.conv2.weight.dtype == torch.float16
    assert model(torch.rand(1, 1, 8, 8).half()).dtype == torch.float16


def test_train_eval_reaches_cpp():
    model = SRCNN(features=(4, 4))
    x = torch.rand(1, 1, 8, 8)
    model.eval()
    model(x)
    assert model.cpp_module.is_training is False
    model.train()
    model(x)
    assert model.cpp_module.is_training is True


def test_deepcopy_is_independent():
    model = SRCNN(features=(8, 4))
    x = torch.rand(1, 1, 10, 10)
    twin = copy.deepcopy(model)
    assert torch.equal(twin(x), model(x))
    assert twin.cpp_module is not model.cpp_module
    with torch.no_grad():
        twin.conv1.weight.add_(1.0)
    assert not torch.equal(twin(x), model(x))
    torch.testing.assert_close(model(x), reference_forward(model, x))
    # EMA-style update of the copy from the original.
    ema = copy.deepcopy(model)
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.mul_(0.5).add_(pm, alpha=0.5)
    torch.testing.assert_close(ema(x), model(x))


def test_pickle_round_trip():
    model = SRCNN(features=(8, 4), kernel_sizes="9-1-5")
    clone = pickle.loads(pickle.dumps(model))
    x = torch.rand(1, 1, 10, 10)
    assert torch.equal(clone(x), model(x))
    assert clone.conv2.weight.shape == (4, 8, 1, 1)


def test_nesting_in_sequential_and_functional_call():
    seq = nn.Sequential(SRCNN(features=(4, 4)), nn.ReLU(), SRCNN(features=(4, 4)))
    assert "0.conv1.weight" in seq.state_dict() and "2.conv3.bias" in seq.state_dict()
    x = torch.rand(1, 1, 8, 8)
    expect = reference_forward(seq[2], torch.relu(reference_forward(seq[0], x)))
    torch.testing.assert_close(seq(x), expect)
    model = seq[0]
    other = {k: torch.randn_like(v) for k, v in model.named_parameters()}
    out = torch.func.functional_call(model, other, (x,))
    torch.testing.assert_close(out, _ref_with(other, x, 0))
    torch.testing.assert_close(model(x), reference_forward(model, x))  # originals untouched


def test_parametrization_is_respected():
    from torch.nn.utils import parametrize

    class Double(nn.Module):
        def forward(self, w):
            return 2 * w

    model = SRCNN(features=(4, 4))
    x = torch.rand(1, 1, 8, 8)
    base = {k: v.detach().clone() for k, v in model.named_parameters()}
    parametrize.register_parametrization(model.conv3, "weight", Double())
    expect = _ref_with({**base, "conv3.weight": 2 * base["conv3.weight"]}, x, 0)
    torch.testing.assert_close(model(x), expect)


def test_torch_compile_runs_and_matches():
    model = SRCNN(features=(8, 4))
    x = torch.rand(2, 1, 12, 12)
    compiled = torch.compile(model)
    torch.testing.assert_close(compiled(x), model(x))
    compiled(x).sum().backward()
    assert model.conv1.weight.grad is not None


def test_ddp_wrapping(tmp_path):
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    store = dist.FileStore(str(tmp_path / "store"), 1)
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        model = SRCNN(features=(8, 4))
        ddp = DDP(model)
        x = torch.rand(2, 1, 10, 10)
        out = ddp(x)
        torch.testing.assert_close(out, reference_forward(model, x))
        out.square().mean().backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
        opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
        opt.step()
        torch.testing.assert_close(ddp(x), reference_forward(model, x))
    finally:
        dist.destroy_process_group()


def test_shared_model_from_threads():
    model = SRCNN(features=(8, 4))
    xs = [torch.rand(1, 1, 16, 16) for _ in range(8)]
    expect = [reference_forward(model, x).detach() for x in xs]
    results = [None] * len(xs)

    def work(i):
        with torch.no_grad():
            results[i] = model(xs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, e in zip(results, expect):
        torch.testing.assert_close(r, e)


@pytest.mark.parametrize("device", DEVICES)
def test_device_moves(device):
    model = SRCNN(features=(8, 4)).to(device)
    x = torch.rand(1, 1, 10, 10, device=device)
    assert model(x).device.type == device
    torch.testing.assert_close(model(x), reference_forward(model, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("x,exc,words", [
    (torch.rand(1, 3, 8, 8), ValueError, ["1 channels"]),
    (torch.rand(3, 8, 8), ValueError, ["rank 4"]),
    (torch.ones(1, 1, 8, 8, dtype=torch.int64), TypeError, ["input"]),
    (torch.rand(1, 1, 8, 8, dtype=torch.float64), RuntimeError, ["dtype", "Float", "Double"]),
    ("not a tensor", TypeError, ["torch.Tensor"]),
])
def test_bad_input(x, exc, words):
    model = SRCNN(features=(4, 4))
    with pytest.raises(exc) as info:
        model(x)
    for w in words:
        assert w in str(info.value)


def test_valid_padding_too_small_and_bad_config():
    with pytest.raises(ValueError, match="larger than 16"):
        SRCNN(features=(4, 4), padding="valid")(torch.rand(1, 1, 10, 10))
    with pytest.raises(ValueError, match="kernel_sizes"):
        SRCNN(kernel_sizes="9-9-9")
    with pytest.raises(ValueError, match="odd"):
        SRCNN(kernel_sizes=(9, 4, 5))
    with pytest.raises(ValueError, match="padding"):
        SRCNN(padding="reflect")
