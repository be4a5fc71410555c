"""CPU/CUDA cross-checks: every call of benchmarks/gpu/kernel_calls.py (each op forward and
backward on odd shapes, every dtype and layout; each C++ model) gives the same outputs,
gradients, dtypes and memory formats on CUDA as on the CPU, from the same inputs. Also:
CPU/CUDA mixes of arguments are refused with an error, never computed on.

All tests here need a GPU (``pytest -m cuda``; skipped elsewhere)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "gpu"))
import kernel_calls  # noqa: E402

from srgan_cpp import ops  # noqa: E402

pytestmark = pytest.mark.cuda

#: max |cuda - cpu| / max |cpu| per tensor (TF32 is switched off below, so float32 is float32).
TOLERANCE = {torch.float64: 1e-9, torch.float32: 2e-5, torch.float16: 4e-3, torch.bfloat16: 3e-2}
#: Models run ATen's convolutions (different algorithms per device): looser in float32.
MODEL_TOLERANCE = {torch.float32: 2e-4}

CASES = kernel_calls.cases()


@pytest.fixture(autouse=True)
def _no_tf32():
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def _layout(t: torch.Tensor) -> str:
    if t.dim() == 4 and t.is_contiguous(memory_format=torch.channels_last) and not t.is_contiguous():
        return "channels_last"
    return "contiguous" if t.is_contiguous() else "strided"


@pytest.mark.parametrize("call, dtype, layout", CASES, ids=[kernel_calls.case_id(*c) for c in CASES])
def test_cuda_matches_cpu(call, dtype, layout):
    cpu = kernel_calls.run_call(call, torch.device("cpu"), dtype, layout)
    cuda = kernel_calls.run_call(call, torch.device("cuda"), dtype, layout)
    assert cuda.keys() == cpu.keys()
    tol = (MODEL_TOLERANCE if call.name.startswith("model ") else TOLERANCE).get(dtype, TOLERANCE[dtype])
    for key, want in cpu.items():
        got = cuda[key]
        assert got.device.type == "cuda", key
        assert got.dtype == want.dtype and got.shape == want.shape, key
        assert _layout(got) == _layout(want), f"{key}: {_layout(got)} on CUDA, {_layout(want)} on CPU"
        assert bool(torch.isfinite(got).all()), f"{key}: non-finite values on CUDA"
        diff = float((got.cpu().double() - want.double()).abs().max()) if want.numel() else 0.0
        scale = max(float(want.double().abs().max()) if want.numel() else 0.0, 1e-30)
        assert diff / scale <= tol, f"{key}: max |cuda - cpu| = {diff:.3g}, {diff / scale:.3g} of max |cpu|"


def test_cuda_is_deterministic_run_to_run():
    """The same inputs give the same result twice (a moving result is a race)."""
    for call, dtype, layout in [c for c in CASES if c[1] == torch.float32 and c[2] == "contiguous"]:
        a = kernel_calls.run_call(call, torch.device("cuda"), dtype, layout)
        b = kernel_calls.run_call(call, torch.device("cuda"), dtype, layout)
        for key in a:
            tol = 1e-6 if not call.name.startswith("model ") else 1e-5  # atomics may reorder sums
            scale = max(float(a[key].abs().max()), 1e-30)
            assert float((a[key] - b[key]).abs().max()) / scale <= tol, f"{call.name}: {key} moved between runs"


def _mixes():
    c, g = torch.device("cpu"), torch.device("cuda")
    x = torch.randn(1, 8, 3, 3)
    yield "fused_pixel_shuffle bias", lambda: ops.fused_pixel_shuffle(x.to(g), 2, torch.randn(8, device=c))
    yield "fused_pixel_shuffle input", lambda: ops.fused_pixel_shuffle(x, 2, torch.randn(8, device=g))
    yield "fused_pixel_shuffle prelu", lambda: ops.fused_pixel_shuffle(x.to(g), 2, None, "prelu", torch.rand(1))
    yield "fused_pixel_shuffle residual", lambda: ops.fused_pixel_shuffle(x.to(g), 2, residual=torch.rand(1, 2, 6, 6))
    yield "gradient_cosine_loss", lambda: ops.gradient_cosine_loss(torch.rand(1, 3, 8, 8, device=g), torch.rand(1, 3, 8, 8))
    yield "ragan_loss", lambda: ops.ragan_loss(torch.rand(4, 1), torch.rand(4, 1, device=g))
    w3, w1 = torch.randn(8, 2, 3, 3), torch.randn(8, 6)
    yield "het_conv2d weight3x3", lambda: ops.het_conv2d(x.to(g), w3, w1.to(g), None, 4)
    yield "het_conv2d weight1x1", lambda: ops.het_conv2d(x.to(g), w3.to(g), w1, None, 4)
    yield "het_conv2d bias", lambda: ops.het_conv2d(x.to(g), w3.to(g), w1.to(g), torch.zeros(8), 4)


@pytest.mark.parametrize("name, call", list(_mixes()), ids=[n for n, _ in _mixes()])
def test_cpu_cuda_mixes_are_refused(name, call):
    with pytest.raises((RuntimeError, ValueError), match=r"(?i)device|cuda|cpu"):
        call()
    torch.cuda.synchronize()  # and the device is still usable
