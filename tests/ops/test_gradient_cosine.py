"""gradient_cosine_loss against the plain-PyTorch reference: forward and backward for
every operator, mode, reduction, dtype and layout; gradcheck, opcheck, torch.compile;
flat and degenerate images; argument errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from srgan_cpp import ops

from helpers import DEVICES
from helpers.op_checks import COMPILE_BACKENDS, check_compiled_block, run_opcheck
from helpers.loss_references import gradient_cosine_reference as reference

OPERATORS = ["sobel", "central", "forward"]
MODES = ["magnitude", "components"]
REDUCTIONS = ["mean", "sum", "none"]
# float16/bfloat16 are compared with the float64 reference of the same (rounded) inputs:
# the op accumulates in float32, so the error is the dtype's output rounding.
TOL = {torch.float64: 1e-10, torch.float32: 2e-5, torch.float16: 5e-3, torch.bfloat16: 3e-2}


def _images(n, c, h, w, device, dtype=torch.float32, channels_last=False):
    sr = torch.rand(n, c, h, w, device=device).to(dtype)
    hr = (sr.float() * 0.7 + 0.3 * torch.rand(n, c, h, w, device=device)).to(dtype)
    if channels_last:
        sr, hr = sr.contiguous(memory_format=torch.channels_last), hr.contiguous(memory_format=torch.channels_last)
    return sr, hr


def _compare(sr, hr, operator, mode, reduction, tol, eps=1e-8):
    ours = [sr.detach().clone().requires_grad_(), hr.detach().clone().requires_grad_()]
    ref_dtype = torch.float64 if sr.dtype != torch.float32 else torch.float32
    theirs = [t.detach().to(ref_dtype).requires_grad_() for t in (sr, hr)]
    out = ops.gradient_cosine_loss(*ours, operator=operator, mode=mode, reduction=reduction, eps=eps)
    expect = reference(*theirs, operator, mode, reduction, eps)
    assert out.dtype == sr.dtype and out.shape == expect.shape
    torch.testing.assert_close(out.to(ref_dtype), expect, rtol=tol, atol=tol)
    g = torch.rand_like(expect) + 0.5
    got = torch.autograd.grad(out, ours, g.to(out.dtype))
    want = torch.autograd.grad(expect, theirs, g)
    for a, e, src in zip(got, want, ours):
        assert a.dtype == sr.dtype and a.shape == src.shape
        assert a.is_contiguous(memory_format=torch.channels_last) == src.is_contiguous(memory_format=torch.channels_last)
        scale = max(e.abs().max().item(), 1e-30)
        torch.testing.assert_close(a.to(ref_dtype), e, rtol=tol * 10, atol=tol * 10 * scale)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("operator,mode,reduction", list(itertools.product(OPERATORS, MODES, REDUCTIONS)))
def test_matches_reference_float32(device, operator, mode, reduction):
    for shape, cl in (((2, 3, 7, 9), False), ((3, 1, 5, 4), False), ((2, 3, 6, 5), True)):
        sr, hr = _images(*shape, device, channels_last=cl)
        _compare(sr, hr, operator, mode, reduction, TOL[torch.float32])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("operator,mode", list(itertools.product(OPERATORS, MODES)))
def test_matches_reference_other_dtypes(device, dtype, operator, mode):
    sr, hr = _images(2, 3, 8, 6, device, dtype)
    _compare(sr, hr, operator, mode, "mean", TOL[dtype])
    sr, hr = _images(2, 1, 5, 7, device, dtype, channels_last=True)
    _compare(sr, hr, operator, mode, "none", TOL[dtype])


def test_wide_rows_use_the_vector_path():
    # W > 8 + 2 exercises the unrolled interior loop and its tail; H > 32 spans two
    # backward row blocks (their halo rows must line up).
    sr, hr = _images(1, 2, 70, 37, "cpu", torch.float64)
    for operator, mode in itertools.product(OPERATORS, MODES):
        _compare(sr, hr, operator, mode, "sum", TOL[torch.float64])


@pytest.mark.parametrize("operator,mode", list(itertools.product(OPERATORS, MODES)))
def test_gradcheck(operator, mode):
    def fn(a, b):
        return ops.gradient_cosine_loss(a, b, operator=operator, mode=mode, reduction="none")

    sr, hr = _images(2, 2, 4, 5, "cpu", torch.float64)
    assert torch.autograd.gradcheck(fn, (sr.requires_grad_(), hr.requires_grad_()))
    sr, hr = _images(1, 1, 2, 2, "cpu", torch.float64, channels_last=True)  # smallest image
    assert torch.autograd.gradcheck(fn, (sr.requires_grad_(), hr.requires_grad_()))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.gradient_cosine_loss.default
    cases = []
    for operator, mode, reduction, cl in [("sobel", "magnitude", "mean", False), ("central", "components", "none", True),
                                          ("forward", "magnitude", "sum", True)]:
        sr, hr = _images(2, 3, 5, 6, device, channels_last=cl)
        cases.append((op, (sr.detach().clone().requires_grad_(), hr, operator, mode, reduction, 1e-8)))
        cases.append((op, (sr.detach(), hr.detach().clone().requires_grad_(), operator, mode, reduction, 1e-8)))
    bwd = torch.ops.srgan_cpp.gradient_cosine_loss_backward.default
    sr, hr = _images(2, 3, 5, 6, device)
    _, stats = op(sr, hr, "sobel", "magnitude", "none", 1e-8)
    cases.append((bwd, (torch.rand(2, device=device), sr, hr, stats, "sobel", "magnitude", "none", 1e-8, True, True)))
    run_opcheck(cases)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", COMPILE_BACKENDS)
def test_torch_compile_fullgraph(device, backend):
    conv = torch.nn.Conv2d(3, 3, 3, padding=1).to(device)

    def step(x, hr):
        return ops.gradient_cosine_loss(conv(x), hr, operator="sobel", mode="magnitude") + (conv(x) - hr).abs().mean()

    def step_ref(x, hr):
        return reference(conv(x), hr) + (conv(x) - hr).abs().mean()

    x, hr = _images(2, 3, 8, 8, device)
    check_compiled_block(step, step_ref, [x, hr], backend, params=[conv.weight], grad_atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("operator,mode", list(itertools.product(OPERATORS, MODES)))
def test_flat_images_stay_finite(device, operator, mode):
    flat = torch.full((2, 3, 6, 6), 0.5, device=device)
    textured, _ = _images(2, 3, 6, 6, device)
    for sr, hr in ((flat, flat), (flat, textured), (textured, flat)):
        a, b = sr.clone().requires_grad_(), hr.clone().requires_grad_()
        loss = ops.gradient_cosine_loss(a, b, operator=operator, mode=mode, reduction="none")
        torch.testing.assert_close(loss, torch.ones(2, device=device))  # F = 0 when either side is flat
        loss.sum().backward()
        assert torch.isfinite(a.grad).all() and torch.isfinite(b.grad).all()
        # The documented bound |dloss/dY'| <= 2/eps, through a stencil of norm <= 8.
        assert a.grad.abs().max() <= 2 / 1e-8 * 8
    # float16 with the documented eps >= 1e-4 keeps the flat-sr gradient representable.
    a = flat.half().requires_grad_()
    ops.gradient_cosine_loss(a, textured.half(), operator=operator, mode=mode, eps=1e-4).backward()
    assert torch.isfinite(a.grad).all()


def test_partially_flat_pixels_match_reference():
    # Pixels of exactly zero gradient magnitude inside a textured image: the magnitude's
    # zero sub-gradient must match torch.linalg.vector_norm's.
    sr, hr = _images(2, 3, 9, 9, "cpu", torch.float64)
    sr[:, :, :4, :4] = 0.25
    hr[:, :, 5:, 5:] = 0.75
    for operator in OPERATORS:
        _compare(sr, hr, operator, "magnitude", "mean", TOL[torch.float64])


def test_values_and_invariances():
    sr, hr = _images(3, 3, 10, 10, "cpu", torch.float64)
    same = ops.gradient_cosine_loss(hr, hr, reduction="none")
    torch.testing.assert_close(same, torch.zeros(3, dtype=torch.float64), atol=1e-12, rtol=0)
    # Scale and offset invariance: only the direction of the gradient field matters.
    base = ops.gradient_cosine_loss(sr, hr, mode="components", reduction="none")
    torch.testing.assert_close(ops.gradient_cosine_loss(3 * sr + 1, hr, mode="components", reduction="none"), base)
    # Opposite gradients are as far apart as possible in components mode.
    torch.testing.assert_close(ops.gradient_cosine_loss(-hr, hr, mode="components"),
                               torch.tensor(2.0, dtype=torch.float64))
    # Batch entries are independent: batch of 1 equals the first entry.
    torch.testing.assert_close(ops.gradient_cosine_loss(sr[:1], hr[:1], mode="components"), base[0])
    # The default is sobel / magnitude / mean.
    torch.testing.assert_close(ops.gradient_cosine_loss(sr, hr), reference(sr, hr, "sobel", "magnitude", "mean"))


def test_hr_gradient_only_when_needed_and_numpy():
    sr, hr = _images(2, 3, 5, 5, "cpu")
    sr.requires_grad_()
    ops.gradient_cosine_loss(sr, hr).backward()
    assert sr.grad is not None and hr.grad is None
    a, b = _images(1, 1, 4, 4, "cpu")
    out = ops.gradient_cosine_loss(a.numpy(), b.numpy())
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, reference(a, b).numpy(), rtol=1e-5)


def test_mixed_layouts():
    sr, _ = _images(2, 3, 6, 7, "cpu", torch.float64)
    _, hr = _images(2, 3, 6, 7, "cpu", torch.float64, channels_last=True)
    _compare(sr, hr, "sobel", "components", "mean", TOL[torch.float64])
    _compare(sr[:, :, :, 1:], hr[:, :, :, :-1], "central", "magnitude", "mean", TOL[torch.float64])  # strided views


def test_empty_batch():
    sr = torch.rand(0, 3, 4, 4, requires_grad=True)
    out = ops.gradient_cosine_loss(sr, torch.rand(0, 3, 4, 4), reduction="none")
    assert out.shape == (0,)
    out.sum().backward()
    assert sr.grad.shape == sr.shape
    assert ops.gradient_cosine_loss(sr, torch.rand(0, 3, 4, 4), reduction="sum").item() == 0


S = torch.rand(1, 3, 4, 4)


@pytest.mark.parametrize("args,kwargs,exc,words", [
    ((torch.rand(3, 4, 4), torch.rand(3, 4, 4)), {}, ValueError, ["sr", "rank 4"]),
    ((S, torch.rand(1, 3, 4, 5)), {}, ValueError, ["hr", "shape"]),
    ((S, S.double()), {}, TypeError, ["hr", "dtype"]),
    ((S.int(), S.int()), {}, TypeError, ["sr"]),
    ((torch.rand(1, 3, 1, 4), torch.rand(1, 3, 1, 4)), {}, ValueError, ["2x2"]),
    ((S, S), {"operator": "laplace"}, ValueError, ["operator", "laplace"]),
    ((S, S), {"mode": "angle"}, ValueError, ["mode", "angle"]),
    ((S, S), {"reduction": "max"}, ValueError, ["reduction", "max"]),
    ((S, S), {"eps": 0.0}, ValueError, ["eps"]),
])
def test_bad_arguments(args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        ops.gradient_cosine_loss(*args, **kwargs)
    for w in words:
        assert w in str(info.value), str(info.value)
