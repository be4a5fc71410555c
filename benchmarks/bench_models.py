"""Benchmark srgan_cpp's C++ generators against plain-PyTorch references of the same
architectures, with the same weights.

For every model two cases, side by side in one run (ratio = median(other) / median(ours),
> 1: ours faster):

* ``inference``  - ``model(x)`` in eval mode under ``torch.no_grad()`` (one LR image);
* ``train_step`` - ``zero_grad``, forward, L1 loss against a fixed target, ``backward`` (a
  batch of LR patches), the model in train mode.

Implementations: ``ours`` (the srgan_cpp model, forward in C++), ``eager`` (the reference:
``tests/helpers/basicsr_reference.py``, the same BasicSR / Real-ESRGAN architecture in plain PyTorch,
loaded with ours' state dict) and, with ``--compile``, ``compile`` (``torch.compile`` of the
reference). Before timing, outputs (and the loss) are checked against ``eager`` by the
harness; for ``train_step`` every parameter gradient is also compared (``grads_match`` and
``grad_max_rel_diff`` in the case's params).

Models (``MODELS``; add one with a ``ModelSpec`` line): MSRResNet x4, RRDBNet x4 (``--rrdb-blocks``,
default 6 of the released model's 23 - 23 takes many minutes on 2 cores), SRVGGNetCompact x4,
EDSR baseline x4, SRCNN 9-5-5 (Y channel; works at HR size), HetSRWGANGenerator x4 (P = 4; its
reference computes each HetConv as the masked dense conv), PSRGANGenerator x2 (PSRGAN's
defaults), SCN, FSRCNN (56-12-4 x3), DRCN (D = 16, 256 filters), VDSR (20 layers) and LapSRN x4
(the papers' configurations, references in ``tests/helpers/family_a_reference.py``), RCAN x4
(2 of 10 residual groups), RDN x4 (4 of 16 blocks), DRRN B1U9 and PAN x4
(``tests/helpers/family_b_reference.py``).

Usage::

    python benchmarks/bench_models.py [--device cpu|cuda] [--dtype float32|float16|bfloat16]
        [--channels-last] [--compile] [--models RRDBNet,EDSR] [--rrdb-blocks 23] [--quick]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_HERE = Path(__file__).resolve().parent
for _p in (_HERE, _HERE.parent / "tests"):  # harness; the test suite's references (tests/helpers)
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import harness  # noqa: E402
from helpers import basicsr_reference as ref  # noqa: E402
from helpers import hetsrwgan_reference as het_ref  # noqa: E402
from helpers import family_a_reference as fam_ref  # noqa: E402
from helpers import family_b_reference as fb_ref  # noqa: E402
from helpers import psrgan_reference as psrgan_ref  # noqa: E402
from harness import Case, Impl, RunConfig, TimingConfig  # noqa: E402
from srgan_cpp import models  # noqa: E402

Shape = Tuple[int, int, int, int]


class ReferenceSRCNN(nn.Module):
    """Plain-PyTorch SRCNN with srgan_cpp's keys (conv1..3), "same" padding."""

    def __init__(self, in_channels: int = 1, features: Sequence[int] = (64, 32), kernel_sizes: str = "9-5-5",
                 padding: str = "same") -> None:
        super().__init__()
        k1, k2, k3 = (int(k) for k in kernel_sizes.split("-"))
        n1, n2 = features
        self.conv1 = nn.Conv2d(in_channels, n1, k1, padding=k1 // 2)
        self.conv2 = nn.Conv2d(n1, n2, k2, padding=k2 // 2)
        self.conv3 = nn.Conv2d(n2, in_channels, k3, padding=k3 // 2)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv3(F.relu(self.conv2(F.relu(self.conv1(x)))))


@dataclass(frozen=True)
class ModelSpec:
    """One model to benchmark.

    Attributes:
        ours / reference: constructors taking ``kwargs``; the reference must have the same
            state-dict keys (it is loaded with ours' weights, strictly).
        kwargs / quick_kwargs: constructor arguments for the full and the --quick run.
        infer_shape / train_shape: LR input (N, C, H, W) of the inference and training cases.
        quick_shape: input of both cases in --quick runs.
    """

    ours: Callable[..., nn.Module]
    reference: Callable[..., nn.Module]
    kwargs: Mapping[str, Any]
    quick_kwargs: Mapping[str, Any]
    infer_shape: Shape = (1, 3, 64, 64)
    train_shape: Shape = (4, 3, 32, 32)
    quick_shape: Shape = (1, 3, 8, 8)
    #: Extra entries for the case params (what to tell the reader about the size).
    note: Mapping[str, Any] = field(default_factory=dict)


def model_specs(rrdb_blocks: int) -> Dict[str, ModelSpec]:
    """The benchmarked generators, by name (others add theirs here)."""
    return {
        "MSRResNet": ModelSpec(models.MSRResNet, ref.MSRResNet, dict(num_feat=64, num_block=16, upscale=4),
                               dict(num_feat=8, num_block=1, upscale=4)),
        "RRDBNet": ModelSpec(lambda **kw: models.RRDBNet(**kw), lambda **kw: ref.RRDBNet(**kw),
                             dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=rrdb_blocks,
                                  num_grow_ch=32),
                             dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=1, num_grow_ch=4),
                             note={"num_block": rrdb_blocks}),
        "SRVGGNetCompact": ModelSpec(models.SRVGGNetCompact, ref.SRVGGNetCompact,
                                     dict(num_feat=64, num_conv=16, upscale=4, act_type="prelu"),
                                     dict(num_feat=8, num_conv=2, upscale=4, act_type="prelu")),
        "EDSR": ModelSpec(models.EDSR, lambda **kw: ref.EDSR(3, 3, **kw), dict(num_feat=64, num_block=16, upscale=4),
                          dict(num_feat=8, num_block=1, upscale=4)),
        "SRCNN": ModelSpec(models.SRCNN, ReferenceSRCNN, dict(in_channels=1, features=(64, 32), kernel_sizes="9-5-5"),
                           dict(in_channels=1, features=(8, 4), kernel_sizes="9-5-5"),
                           infer_shape=(1, 1, 256, 256), train_shape=(16, 1, 33, 33), quick_shape=(1, 1, 12, 12)),
        # The reference computes each HetConv as the masked dense 3x3 conv (the usual emulation).
        "HetSRWGANGenerator": ModelSpec(models.HetSRWGANGenerator, het_ref.HetSRWGANGeneratorRef,
                                        dict(num_feat=64, num_block=16, parts=4, upscale=4, act="prelu"),
                                        dict(num_feat=8, num_block=1, parts=4, upscale=4, act="prelu")),
        "PSRGANGenerator": ModelSpec(models.PSRGANGenerator, psrgan_ref.PSRGANGeneratorRef,
                                     dict(in_nc=3, out_nc=3, nc=64, nb=16, upscale=2),
                                     dict(in_nc=3, out_nc=3, nc=8, nb=1, upscale=2),
                                     quick_shape=(1, 3, 16, 16)),
        # The first half of the family (issue 13), paper configurations, Y channel; SCN,
        # VDSR and DRCN work at HR size (bicubic-upscaled input).
        "SCN": ModelSpec(models.SCN, fam_ref.SCNRef, dict(num_filters=100, code_size=128, num_stages=1),
                         dict(num_filters=8, code_size=8, num_stages=1),
                         infer_shape=(1, 1, 256, 256), train_shape=(16, 1, 33, 33), quick_shape=(1, 1, 12, 12)),
        "FSRCNN": ModelSpec(models.FSRCNN, fam_ref.FSRCNNRef, dict(d=56, s=12, m=4, scale=3), dict(d=8, s=4, m=1, scale=3),
                            infer_shape=(1, 1, 128, 128), train_shape=(16, 1, 32, 32), quick_shape=(1, 1, 8, 8)),
        "DRCN": ModelSpec(models.DRCN, fam_ref.DRCNRef, dict(num_features=256, num_recursions=16),
                          dict(num_features=8, num_recursions=2),
                          infer_shape=(1, 1, 32, 32), train_shape=(2, 1, 24, 24), quick_shape=(1, 1, 12, 12)),
        "VDSR": ModelSpec(models.VDSR, fam_ref.VDSRRef, dict(num_features=64, num_layers=20),
                          dict(num_features=8, num_layers=4),
                          infer_shape=(1, 1, 256, 256), train_shape=(16, 1, 41, 41), quick_shape=(1, 1, 12, 12)),
        "LapSRN": ModelSpec(models.LapSRN, fam_ref.LapSRNRef, dict(num_features=64, depth=10, scale=4),
                            dict(num_features=8, depth=1, scale=4),
                            infer_shape=(1, 1, 64, 64), train_shape=(16, 1, 32, 32), quick_shape=(1, 1, 8, 8)),
        # RCAN at full width but 2 of its 10 residual groups (the whole model takes minutes per step here).
        "RCAN": ModelSpec(models.RCAN, fb_ref.RCAN, dict(num_feat=64, num_group=2, num_block=20, upscale=4),
                          dict(num_feat=8, num_group=1, num_block=1, squeeze_factor=4, upscale=4),
                          note={"num_group": 2}),
        # RDN at the paper's block width (C=8, G=64) with 4 of its 16 blocks.
        "RDN": ModelSpec(models.RDN, fb_ref.RDN, dict(num_blocks=4, num_layers=8, growth_rate=64, upscale=4),
                         dict(num_features=8, num_blocks=1, num_layers=2, growth_rate=4, upscale=4),
                         note={"num_blocks": 4}),
        # DRRN B1U9 (the paper's 20-layer model) on the Y channel at HR size; 31-px patches as the paper.
        "DRRN": ModelSpec(models.DRRN, fb_ref.DRRN, dict(num_feat=128, num_blocks=1, num_units=9),
                          dict(num_feat=8, num_blocks=1, num_units=2),
                          infer_shape=(1, 1, 96, 96), train_shape=(4, 1, 31, 31), quick_shape=(1, 1, 12, 12),
                          note={"num_units": 9}),
        "PAN": ModelSpec(models.PAN, fb_ref.PAN, dict(nf=40, unf=24, nb=16, scale=4),
                         dict(nf=8, unf=6, nb=1, scale=4)),
    }


@dataclass
class Pair:
    """ours and the reference with identical weights, on the benchmark's device/dtype/layout."""

    ours: nn.Module
    reference: nn.Module
    compiled: Optional[Callable[..., Tensor]] = None


def make_pair(spec: ModelSpec, quick: bool, device: torch.device, dtype: torch.dtype,
              fmt: torch.memory_format) -> Pair:
    torch.manual_seed(0)
    kw = dict(spec.quick_kwargs if quick else spec.kwargs)
    ours = spec.ours(**kw)
    reference = spec.reference(**kw)
    reference.load_state_dict(ours.state_dict(), strict=True)
    for m in (ours, reference):
        m.to(device=device, dtype=dtype, memory_format=fmt)
    return Pair(ours, reference)


def _input(shape: Shape, seed: int, device: torch.device, dtype: torch.dtype, fmt: torch.memory_format) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g).to(device=device, dtype=dtype).contiguous(memory_format=fmt)


def _inference_fn(model: nn.Module) -> Callable[[Tensor], Tensor]:
    def run(x: Tensor) -> Tensor:
        return model(x)

    return run


def _train_fn(model: nn.Module) -> Callable[[Tensor, Tensor], Tensor]:
    """One training step up to the loss; the harness calls ``.backward`` on the result."""

    def step(x: Tensor, target: Tensor) -> Tensor:
        model.zero_grad(set_to_none=True)
        return F.l1_loss(model(x), target)

    return step


def _grad_check(pair: Pair, x: Tensor, target: Tensor) -> Tuple[bool, float]:
    """One training step of each; every parameter gradient of ours vs the reference's."""
    grads = []
    for m in (pair.ours, pair.reference):
        m.train()
        _train_fn(m)(x, target).backward()
        grads.append({k: p.grad for k, p in m.named_parameters()})
    worst, ok = 0.0, True
    tol = {torch.float64: 1e-9, torch.float32: 1e-3}.get(x.dtype, 5e-2)
    for k, g_ref in grads[1].items():
        g = grads[0].get(k)
        if g is None or g_ref is None:
            ok = ok and g is None and g_ref is None
            continue
        rel = float((g.double() - g_ref.double()).abs().max()) / max(float(g_ref.double().abs().max()), 1e-12)
        worst = max(worst, rel)
        ok = ok and math.isfinite(rel) and rel <= tol
    for m in (pair.ours, pair.reference):
        m.zero_grad(set_to_none=True)
    return ok, worst


def make_cases(name: str, spec: ModelSpec, quick: bool, device: torch.device, dtype: torch.dtype,
               channels_last: bool) -> Tuple[Case, Case]:
    """(inference case, train_step case) of one model."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    pair = make_pair(spec, quick, device, dtype, fmt)
    params = {"model": name, "dtype": str(dtype).replace("torch.", ""),
              "layout": "channels_last" if channels_last else "nchw", **spec.note}
    infer_shape = spec.quick_shape if quick else spec.infer_shape
    train_shape = spec.quick_shape if quick else spec.train_shape

    def infer_inputs(dev: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        pair.ours.eval()
        pair.reference.eval()
        return (_input(infer_shape, 0, dev, dtype, fmt),)

    with torch.no_grad():
        out_shape = pair.reference.eval()(_input(train_shape, 1, device, dtype, fmt)).shape
    x_train = _input(train_shape, 1, device, dtype, fmt)
    target = _input(tuple(out_shape), 2, device, dtype, fmt)  # type: ignore[arg-type]
    grads_ok, grad_rel = _grad_check(pair, x_train, target)

    def train_inputs(dev: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        pair.ours.train()
        pair.reference.train()
        return (x_train, target)

    compile_kwargs = {"dynamic": False}
    infer = Case(name="inference", params={**params, "shape": list(infer_shape)}, make_inputs=infer_inputs,
                 impls=(Impl("ours", _inference_fn(pair.ours)), Impl("eager", _inference_fn(pair.reference)),
                        Impl("compile", _inference_fn(pair.reference), compiled=True, compile_kwargs=compile_kwargs)),
                 description=f"{name}: eval forward under no_grad, C++ model vs plain-PyTorch reference")
    train = Case(name="train_step", params={**params, "shape": list(train_shape), "grads_match": grads_ok,
                                            "grad_max_rel_diff": grad_rel},
                 make_inputs=train_inputs,
                 impls=(Impl("ours", _train_fn(pair.ours)), Impl("eager", _train_fn(pair.reference)),
                        Impl("compile", _train_fn(pair.reference), compiled=True, compile_kwargs=compile_kwargs)),
                 description=f"{name}: zero_grad + forward + L1 loss + backward, C++ model vs reference")
    return infer, train


def _no_inputs(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
    raise RuntimeError("a skipped case has no inputs")


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_models.json")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16", "float64"), default="float32")
    p.add_argument("--channels-last", action="store_true", help="models and inputs in channels_last")
    p.add_argument("--compile", action="store_true",
                   help="also time torch.compile of the reference (off by default: minutes of compilation on CPU)")
    p.add_argument("--models", default=None, help="comma-separated subset of: " + ", ".join(model_specs(1)))
    p.add_argument("--rrdb-blocks", type=int, default=6, help="RRDBNet num_block (released models: 23; default 6)")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Runs the benchmark, prints the table and writes the JSON; returns the report."""
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    dtype = getattr(torch, args.dtype)
    specs = model_specs(args.rrdb_blocks)
    names = list(specs) if args.models is None else [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; choose from {list(specs)}")
    # One model call lasts 10 ms to seconds on a CPU: few samples of one call each suffice.
    timing = (TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=5) if args.quick
              else TimingConfig(warmup=1, repeats=7 if device.type == "cpu" else 25, min_sample_ms=50.0, max_inner=20))
    if args.repeats is not None:
        timing = TimingConfig(warmup=timing.warmup, repeats=args.repeats, min_sample_ms=timing.min_sample_ms,
                              max_inner=timing.max_inner)
    use_compile = args.compile and not args.no_compile
    base = dict(device=device, timing=timing, use_compile=use_compile, verbose=not args.quiet, deadline=deadline)
    results: List[harness.CaseResult] = []
    for name in names:
        if deadline is not None and time.monotonic() >= deadline:  # do not even build the model
            results += [harness.CaseResult(case=Case(name=n, params={"model": name}, make_inputs=_no_inputs, impls=()),
                                           modes={}, skipped="time budget (--time-budget) spent")
                        for n in ("inference", "train_step")]
            continue
        infer, train = make_cases(name, specs[name], args.quick, device, dtype, args.channels_last)
        results += harness.run_cases([infer], RunConfig(modes=("forward",), **base))
        results += harness.run_cases([train], RunConfig(modes=("forward_backward",), **base))
    cfg = RunConfig(**base)
    suffix = ("_" + args.dtype if args.dtype != "float32" else "") + ("_cl" if args.channels_last else "")
    out = args.out or _HERE / "results" / f"{device.type}_models{suffix}{'-quick' if args.quick else ''}.json"
    return harness.report_and_save("models", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
