"""ragan_loss against ESRGAN's BCE-with-logits formulation: forward and backward for both
targets, every reduction and dtype; huge logits; gradcheck, opcheck, torch.compile;
argument errors."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import ops

from helpers import DEVICES
from helpers.op_checks import COMPILE_BACKENDS, check_compiled_block, requiring_grad, run_opcheck
from helpers.loss_references import ragan_reference as reference

TARGETS = ["discriminator", "generator"]
REDUCTIONS = ["mean", "sum", "none"]
SHAPES = [(1,), (16, 1), (4, 1, 6, 5)]
TOL = {torch.float64: 1e-12, torch.float32: 1e-5, torch.float16: 4e-3, torch.bfloat16: 3e-2}


def _compare(real, fake, target, reduction, tol):
    ours = [real.detach().clone().requires_grad_(), fake.detach().clone().requires_grad_()]
    ref_dtype = torch.float64 if real.dtype != torch.float32 else torch.float32
    theirs = [t.detach().to(ref_dtype).requires_grad_() for t in (real, fake)]
    out = ops.ragan_loss(*ours, target=target, reduction=reduction)
    expect = reference(*theirs, target, reduction)
    assert out.dtype == real.dtype and out.shape == expect.shape
    torch.testing.assert_close(out.to(ref_dtype), expect, rtol=tol, atol=tol)
    g = torch.rand_like(expect) + 0.5
    got = torch.autograd.grad(out, ours, g.to(out.dtype))
    want = torch.autograd.grad(expect, theirs, g)
    for a, e in zip(got, want):
        scale = max(e.abs().max().item(), 1e-30)
        torch.testing.assert_close(a.to(ref_dtype), e, rtol=tol * 4, atol=tol * 4 * scale)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", list(TOL))
@pytest.mark.parametrize("target,reduction", list(itertools.product(TARGETS, REDUCTIONS)))
def test_matches_esrgan_formulation(device, dtype, target, reduction):
    for shape in SHAPES:
        real = (torch.randn(shape, device=device) * 3 + 1).to(dtype)
        fake = (torch.randn(shape, device=device) * 3 - 1).to(dtype)
        _compare(real, fake, target, reduction, TOL[dtype])


def test_large_batch_spans_chunks():
    real, fake = torch.randn(3, 1, 50, 50, dtype=torch.float64), torch.randn(3, 1, 50, 50, dtype=torch.float64)
    for target in TARGETS:
        _compare(real, fake, target, "mean", TOL[torch.float64])


def test_equals_esrgan_training_code_literally():
    # ESRGAN codes/models/SRGAN_model.py: cri_gan = BCEWithLogitsLoss (mean).
    real, fake = torch.randn(8, 1), torch.randn(8, 1)
    cri = torch.nn.BCEWithLogitsLoss()
    l_d = (cri(real - fake.mean(), torch.ones_like(real)) + cri(fake - real.mean(), torch.zeros_like(fake))) / 2
    l_g = (cri(real - fake.mean(), torch.zeros_like(real)) + cri(fake - real.mean(), torch.ones_like(fake))) / 2
    torch.testing.assert_close(ops.ragan_loss(real, fake, target="discriminator"), l_d)
    torch.testing.assert_close(ops.ragan_loss(real, fake, target="generator"), l_g)
    # The paper's formula, halved: -E[log D_Ra(x_r, x_f)] - E[log(1 - D_Ra(x_f, x_r))].
    d_rf, d_fr = torch.sigmoid(real - fake.mean()), torch.sigmoid(fake - real.mean())
    torch.testing.assert_close(ops.ragan_loss(real, fake), -(d_rf.log().mean() + (1 - d_fr).log().mean()) / 2)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_huge_logits_finite(device, dtype):
    real = torch.tensor([1e4, -1e4, 5e3, -2.0], device=device, dtype=dtype)
    fake = torch.tensor([-1e4, 1e4, 3.0, -5e3], device=device, dtype=dtype)
    for target, reduction in itertools.product(TARGETS, REDUCTIONS):
        r, f = real.clone().requires_grad_(), fake.clone().requires_grad_()
        out = ops.ragan_loss(r, f, target=target, reduction=reduction)
        assert torch.isfinite(out).all()
        out.sum().backward()
        assert torch.isfinite(r.grad).all() and torch.isfinite(f.grad).all()
        expect = reference(real.double(), fake.double(), target, reduction)
        torch.testing.assert_close(out.double(), expect, rtol=1e-2, atol=1e-2)


def test_gradcheck():
    for target, reduction in itertools.product(TARGETS, REDUCTIONS):
        real = torch.randn(5, 1, dtype=torch.float64, requires_grad=True)
        fake = torch.randn(5, 1, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda r, f: ops.ragan_loss(r, f, target=target, reduction=reduction),
                                        (real, fake))


def test_only_requested_gradients_and_detached_real():
    real, fake = torch.randn(6), torch.randn(6, requires_grad=True)
    ops.ragan_loss(real, fake, target="generator").backward()
    assert real.grad is None and fake.grad is not None
    # Equals the generator step of BasicSR's ESRGAN (real logits from a detached D output).
    f2 = fake.detach().clone().requires_grad_()
    reference(real, f2, "generator").backward()
    torch.testing.assert_close(fake.grad, f2.grad)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.ragan_loss.default
    cases = [(op, (*requiring_grad(torch.randn(4, 1, device=device), torch.randn(4, 1, device=device)), target,
                   reduction)) for target, reduction in itertools.product(TARGETS, REDUCTIONS)]
    bwd = torch.ops.srgan_cpp.ragan_loss_backward.default
    real, fake = torch.randn(4, device=device), torch.randn(4, device=device)
    _, stats = op(real, fake, "generator", "none")
    cases.append((bwd, (torch.rand(4, device=device), real, fake, stats, "generator", "none", True, False)))
    run_opcheck(cases)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", COMPILE_BACKENDS)
def test_torch_compile_fullgraph(device, backend):
    disc = torch.nn.Linear(6, 1).to(device)

    def d_loss(real, fake):
        return ops.ragan_loss(disc(real), disc(fake), target="discriminator")

    def d_loss_ref(real, fake):
        return reference(disc(real), disc(fake), "discriminator")

    real, fake = torch.randn(8, 6, device=device), torch.randn(8, 6, device=device)
    check_compiled_block(d_loss, d_loss_ref, [real, fake], backend, params=[disc.weight], rtol=1.3e-6, atol=1e-5,
                         grad_rtol=1.3e-6, grad_atol=1e-5)


R = torch.randn(4, 1)


@pytest.mark.parametrize("args,kwargs,exc,words", [
    ((R, torch.randn(5, 1)), {}, ValueError, ["same shape"]),
    ((R, R.double()), {}, TypeError, ["fake_logits", "dtype"]),
    ((R.long(), R.long()), {}, TypeError, ["real_logits"]),
    ((torch.randn(0), torch.randn(0)), {}, ValueError, ["non-empty"]),
    ((R, R), {"target": "critic"}, ValueError, ["target", "critic"]),
    ((R, R), {"reduction": "avg"}, ValueError, ["reduction", "avg"]),
])
def test_bad_arguments(args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        ops.ragan_loss(*args, **kwargs)
    for w in words:
        assert w in str(info.value), str(info.value)


def test_nan_logits_propagate():
    # The CPU float path clamps exp's argument; a NaN logit must still give a NaN loss.
    real = torch.tensor([0.5, float("nan"), -1.0])
    fake = torch.tensor([0.2, 0.1, 0.3])
    for reduction in REDUCTIONS:
        assert torch.isnan(ops.ragan_loss(real, fake, reduction=reduction)).any()
