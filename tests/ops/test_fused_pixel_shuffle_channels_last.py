"""CPU channels_last paths of fused_pixel_shuffle (per-pixel 4x4 transposes, whole-row
epilogue, vectorised backward with per-row sums): exact against the eager composite where
it rounds the same way, independent of the thread count, and the baseline-ISA copy of the
backward agrees bit for bit with the AVX2 one."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import List, Optional, Tuple

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from srgan_cpp import ops

from helpers.paths import TESTS_DIR

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
# (C, r): 4x4 blocks plus a leftover channel; C < 4 (SRVGGNetCompact's RGB tail); r*r = 16 blocks.
SIZES = [(5, 2), (3, 4), (4, 4)]
GRAD_TOL = {torch.float32: 1e-5, torch.float64: 1e-12, torch.float16: 2e-2, torch.bfloat16: 5e-2}
CL = torch.channels_last


def _inputs(c: int, r: int, dtype: torch.dtype, per_channel: bool, n: int = 2, h: int = 3, w: int = 5,
            seed: int = 0) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """x (n, c*r*r, h, w) channels_last with exact zeros, bias (c*r*r,), PReLU weight in [0, 0.5)
    ((c,) or (1,)), residual (n, c, h*r, w*r) NCHW."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c * r * r, h, w, generator=g)
    x.view(-1)[::7] = 0  # exact zeros exercise the z > 0 convention of the gradients
    b = torch.randn(c * r * r, generator=g)
    wt = torch.rand(c if per_channel else 1, generator=g) * 0.5
    res = torch.randn(n, c, h * r, w * r, generator=g)
    return x.to(dtype).contiguous(memory_format=CL), b.to(dtype), wt.to(dtype), res.to(dtype)


def _reference(x: Tensor, r: int, b: Optional[Tensor], w: Tensor, res: Optional[Tensor]) -> Tensor:
    y = F.prelu(F.pixel_shuffle(x if b is None else x + b.view(1, -1, 1, 1), r), w)
    return y if res is None else y + res


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c,r", SIZES)
def test_forward_exact(dtype, c, r):
    for per_channel in (False, True):
        x, b, w, res = _inputs(c, r, dtype, per_channel)
        for bias in (None, b):
            for residual in (None, res, res.contiguous(memory_format=CL)):
                out = ops.fused_pixel_shuffle(x, r, bias, "prelu", w, residual=residual)
                assert out.is_contiguous(memory_format=CL)
                torch.testing.assert_close(out, _reference(x, r, bias, w, residual), rtol=0, atol=0)
    # Activation without a slope, and the plain residual tail.
    x, b, _, res = _inputs(c, r, dtype, False)
    torch.testing.assert_close(ops.fused_pixel_shuffle(x, r, b, "relu"), F.relu(F.pixel_shuffle(x + b.view(1, -1, 1, 1), r)),
                               rtol=0, atol=0)
    res_cl = res.contiguous(memory_format=CL)
    torch.testing.assert_close(ops.fused_pixel_shuffle(x, r, residual=res_cl), F.pixel_shuffle(x, r) + res_cl,
                               rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c,r", SIZES)
def test_backward_matches_eager(dtype, c, r):
    """grad_input is exact; the reduced bias/weight grads match to round-off. grad_output
    channels_last (transposed path) and NCHW (gather path)."""
    for per_channel, use_bias in ((False, False), (True, True), (False, True)):
        x, b, w, _ = _inputs(c, r, dtype, per_channel)
        leaves = [x, w] + ([b] if use_bias else [])
        ours = [t.detach().clone().requires_grad_() for t in leaves]
        theirs = [t.detach().clone().requires_grad_() for t in leaves]
        out = ops.fused_pixel_shuffle(ours[0], r, ours[2] if use_bias else None, "prelu", ours[1])
        expect = _reference(theirs[0], r, theirs[2] if use_bias else None, theirs[1], None)
        g = torch.randn(expect.shape).to(dtype)
        for grad in (g.contiguous(memory_format=CL), g):
            got = torch.autograd.grad(out, ours, grad, retain_graph=True)
            want = torch.autograd.grad(expect, theirs, grad, retain_graph=True)
            torch.testing.assert_close(got[0], want[0], rtol=0, atol=0)
            tol = GRAD_TOL[dtype]
            for a, e in zip(got[1:], want[1:]):
                torch.testing.assert_close(a, e, rtol=tol, atol=tol * max(1.0, e.abs().max().item()))


def _backward_all(per_channel: bool) -> List[Tensor]:
    """grad_input, grad_bias, grad_weight of a float32 case large enough to span several tasks."""
    x, b, w, _ = _inputs(16, 2, torch.float32, per_channel, n=4, h=16, w=16, seed=3)
    g = torch.randn(4, 16, 32, 32, generator=torch.Generator().manual_seed(4)).contiguous(memory_format=CL)
    return list(torch.ops.srgan_cpp.fused_pixel_shuffle_backward(g, x, 2, b, "prelu", w, 0.01))


def test_backward_independent_of_thread_count():
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = _backward_all(True) + _backward_all(False)
    finally:
        torch.set_num_threads(threads)
    for a, e in zip(_backward_all(True) + _backward_all(False), one):
        assert torch.equal(a, e)


@pytest.mark.parametrize("layout", ["nchw", "channels_last_x_nchw_grad"])
def test_other_layouts_backward_independent_of_thread_count(layout):
    """The NCHW kernel and the mixed-layout fallback also sum bias / PReLU-weight gradients
    per input row and reduce the rows in a fixed order."""
    def run() -> List[Tensor]:
        outs = []
        for per_channel in (True, False):
            x, b, w, _ = _inputs(16, 2, torch.float32, per_channel, n=4, h=16, w=16, seed=3)
            x = x.contiguous() if layout == "nchw" else x.contiguous(memory_format=CL)
            g = torch.randn(4, 16, 32, 32, generator=torch.Generator().manual_seed(4))
            outs += list(torch.ops.srgan_cpp.fused_pixel_shuffle_backward(g, x, 2, b, "prelu", w, 0.01))
        return outs

    threads = torch.get_num_threads()
    results = []
    try:
        for n in (1, 2, 3):
            torch.set_num_threads(n)
            results.append(run())
    finally:
        torch.set_num_threads(threads)
    for other in results[1:]:
        for a, e in zip(other, results[0]):
            assert torch.equal(a, e)


_BASELINE_SCRIPT = """
import sys, torch
sys.path[:0] = sys.argv[2:]
from test_fused_pixel_shuffle_channels_last import _backward_all
torch.save(_backward_all(True) + _backward_all(False), sys.argv[1])
"""


def test_baseline_isa_copy_matches(tmp_path):
    # The backward's row loop has an AVX2 copy picked at run time (common/cpu_isa.h); it has
    # no multiply-add to contract, so the baseline copy must give the same bits.
    out = tmp_path / "baseline.pt"
    env = dict(os.environ, SRGAN_CPP_CPU_ISA="baseline")
    paths = [os.path.dirname(os.path.abspath(__file__)), str(TESTS_DIR)]  # this file, and the helpers package
    subprocess.run([sys.executable, "-c", _BASELINE_SCRIPT, str(out), *paths], env=env, check=True, timeout=120)
    for a, e in zip(_backward_all(True) + _backward_all(False), torch.load(out, weights_only=True)):
        assert torch.equal(a, e)
