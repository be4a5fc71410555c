"""The multi-threaded, vectorised CPU paths of the fused loss ops: results independent of
the thread count (bit for bit), and inputs large enough to be split across threads and to
run the vector loops of both layouts, compared with the plain-PyTorch references."""
from __future__ import annotations

import itertools

import pytest
import torch

from srgan_cpp import ops

from helpers.loss_references import gradient_cosine_reference, ragan_reference
from helpers.paths import TESTS_DIR


def _with_threads(n, fn):
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        return fn()
    finally:
        torch.set_num_threads(old)


def _upstream(out):
    """A non-uniform incoming gradient of out's shape (0.5 for a scalar)."""
    return torch.linspace(0.5, 1.5, out.numel(), dtype=torch.float64).reshape(out.shape).to(out.dtype)


def _gc_run(sr, hr, operator, mode, reduction):
    a, b = sr.clone().requires_grad_(), hr.clone().requires_grad_()
    out = ops.gradient_cosine_loss(a, b, operator=operator, mode=mode, reduction=reduction)
    out.backward(_upstream(out))
    return out.detach(), a.grad, b.grad


def _images(shape, dtype, channels_last):
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(shape, generator=g, dtype=torch.float64)
    sr = 0.8 * hr + 0.2 * torch.rand(shape, generator=g, dtype=torch.float64)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    return sr.to(dtype).contiguous(memory_format=fmt), hr.to(dtype).contiguous(memory_format=fmt)


@pytest.mark.parametrize("mode,channels_last,dtype", [("magnitude", False, torch.float32),
                                                      ("components", True, torch.float32),
                                                      ("magnitude", True, torch.bfloat16)])
def test_gradient_cosine_independent_of_thread_count(mode, channels_last, dtype):
    # 2 x 3 x 70 x 64: the forward splits its rows, the backward its 32-row blocks.
    sr, hr = _images((2, 3, 70, 64), dtype, channels_last)
    one = _with_threads(1, lambda: _gc_run(sr, hr, "sobel", mode, "none"))
    two = _with_threads(2, lambda: _gc_run(sr, hr, "sobel", mode, "none"))
    for a, b in zip(one, two):
        assert torch.equal(a, b)


@pytest.mark.parametrize("operator,mode", list(itertools.product(["sobel", "central", "forward"],
                                                                 ["magnitude", "components"])))
def test_gradient_cosine_large_channels_last_matches_reference(operator, mode):
    # Rows of W * C = 3 * 41 interleaved elements (vector loop + tail, border columns of
    # C elements), H = 37 spans two backward blocks; mixed with NCHW hr too.
    sr, hr = _images((2, 3, 37, 41), torch.float64, True)
    for h in (hr, hr.contiguous()):
        out, gs, gh = _gc_run(sr, h, operator, mode, "sum")
        a, b = sr.clone().requires_grad_(), h.clone().requires_grad_()
        ref = gradient_cosine_reference(a, b, operator, mode, "sum")
        ref.backward(_upstream(ref))
        torch.testing.assert_close(out, ref.detach(), rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(gs, a.grad, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(gh, b.grad, rtol=1e-9, atol=1e-12)
        assert gs.is_contiguous(memory_format=torch.channels_last)
        assert gh.is_contiguous(memory_format=torch.channels_last) == h.is_contiguous(memory_format=torch.channels_last)


def _ragan_run(real, fake, target, reduction):
    a, b = real.clone().requires_grad_(), fake.clone().requires_grad_()
    out = ops.ragan_loss(a, b, target=target, reduction=reduction)
    out.backward(_upstream(out))
    return out.detach(), a.grad, b.grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_ragan_large_map_threads_and_reference(dtype, reduction):
    # 3 x 1 x 110 x 110 logits: several reduction chunks, split across threads.
    g = torch.Generator().manual_seed(1)
    real = (torch.randn(3, 1, 110, 110, generator=g) * 4 + 1).to(dtype)
    fake = (torch.randn(3, 1, 110, 110, generator=g) * 4 - 1).to(dtype)
    for target in ("discriminator", "generator"):
        one = _with_threads(1, lambda: _ragan_run(real, fake, target, reduction))
        two = _with_threads(2, lambda: _ragan_run(real, fake, target, reduction))
        for a, b in zip(one, two):
            assert torch.equal(a, b)
        ref64 = [real.double().requires_grad_(), fake.double().requires_grad_()]
        ref = ragan_reference(*ref64, target, reduction)
        ref.backward(_upstream(ref))
        tol = 1e-5 if dtype == torch.float32 else 4e-3
        torch.testing.assert_close(one[0].double(), ref.detach(), rtol=tol, atol=tol)
        for got, want in zip(one[1:], (ref64[0].grad, ref64[1].grad)):
            scale = want.abs().max().item()
            torch.testing.assert_close(got.double(), want, rtol=4 * tol, atol=4 * tol * scale)


_BASELINE_SCRIPT = r"""
import sys, torch
sys.path[:0] = sys.argv[2:]
import test_loss_kernels_cpu as t
torch.save(t._both_ops(), sys.argv[1])
"""


def _both_ops():
    """Loss and gradients of both ops on inputs that take the vector loops and threads."""
    sr, hr = _images((2, 3, 40, 37), torch.float32, True)
    g = torch.Generator().manual_seed(2)
    real, fake = torch.randn(2, 1, 100, 100, generator=g), torch.randn(2, 1, 100, 100, generator=g)
    return (_gc_run(sr, hr, "sobel", "magnitude", "none") + _gc_run(sr.contiguous(), hr.contiguous(), "central",
                                                                     "components", "mean")
            + _ragan_run(real, fake, "discriminator", "mean") + _ragan_run(real.half(), fake.half(), "generator", "none"))


def test_baseline_isa_copy_matches(tmp_path):
    # The kernels have an AVX2 + FMA copy picked at run time (common/cpu_isa.h); the
    # baseline (SSE2) copy, forced by SRGAN_CPP_CPU_ISA=baseline, must agree with it.
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "baseline.pt"
    env = dict(os.environ, SRGAN_CPP_CPU_ISA="baseline")
    paths = [str(Path(__file__).resolve().parent), str(TESTS_DIR)]  # this file, and the helpers package
    subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT, str(out), *paths], env=env, check=True, timeout=120)
    baseline = torch.load(out, weights_only=True)
    for got, want in zip(_both_ops(), baseline):
        tol = 5e-3 if got.dtype == torch.float16 else 2e-5
        scale = max(want.abs().max().item(), 1e-30)
        torch.testing.assert_close(got, want, rtol=tol, atol=tol * scale)
