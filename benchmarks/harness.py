"""Small, reusable benchmark harness for srgan_cpp ops.

A *case* is one workload (op family + shape + dtype + memory layout) with several
*implementations* of the same computation, typically:

* ``ours``    - the srgan_cpp op,
* ``eager``   - the eager PyTorch reference,
* ``compile`` - ``torch.compile`` of the reference (compilation excluded from timing).

Every case is measured in two *modes*, side by side in one process run:

* ``forward``          - forward only, inside ``torch.no_grad()`` (what SR inference code uses;
  ``torch.inference_mode()`` on request), inputs do not require grad;
* ``forward_backward`` - forward, then ``out.backward(grad)`` with a fixed random ``grad``;
  every implementation gets the same inputs with the same ``requires_grad`` set, and the
  ``.grad`` of every leaf is reset to ``None`` before each iteration.

Implementations of a case are timed round-robin (one sample of each in turn), so
background load on a shared machine hits all of them alike. Before timing, every
implementation's output (and, in ``forward_backward`` mode, its gradients) is compared with
the baseline's, so a fast but wrong implementation is flagged in the results.

Speed ratios are ``median_ms(other) / median_ms(ours)``: > 1 means ours is faster.

Typical use (see ``bench_pixel_shuffle.py``)::

    cases = [Case(name=..., params=..., make_inputs=..., impls=(Impl("ours", f), Impl("eager", g),
                  Impl("compile", g, compiled=True)))]
    results = run_cases(cases, RunConfig(device=torch.device("cpu")))
    print(format_table(results))
    write_json(path, make_report("pixel_shuffle", results, config))
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import Tensor

MODES: Tuple[str, ...] = ("forward", "forward_backward")
#: Name of the implementation every ratio is computed for.
OURS = "ours"
#: Longest error message kept in the results.
_MAX_ERROR_CHARS = 2000

#: Builds a case's positional arguments on ``device``; ``requires_grad`` says whether the
#: differentiable ones (the case decides which) must require grad.
InputFactory = Callable[[torch.device, bool], Tuple[Any, ...]]


# ----------------------------------------------------------------------------------------
# Configuration and case description
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingConfig:
    """How one callable is timed.

    Attributes:
        warmup: untimed calls before calibration (compiled functions are compiled before).
        repeats: timed samples per implementation; statistics are over these.
        min_sample_ms: each sample loops the callable until it lasts about this long, so
            sub-millisecond ops are not dominated by timer resolution.
        max_inner: upper bound on the calls per sample.
    """

    warmup: int = 3
    repeats: int = 15
    min_sample_ms: float = 20.0
    max_inner: int = 100


@dataclass(frozen=True)
class RunConfig:
    """Everything that applies to all cases of one run."""

    device: torch.device
    timing: TimingConfig = field(default_factory=TimingConfig)
    modes: Tuple[str, ...] = MODES
    use_compile: bool = True
    #: "no_grad" or "inference_mode": the autograd context of the ``forward`` mode.
    forward_context: str = "no_grad"
    #: Whether to compare each implementation with the baseline before timing it.
    check_outputs: bool = True
    verbose: bool = True
    #: ``time.monotonic()`` after which no further case is started (``--time-budget``); the
    #: cases left are reported as skipped, so a bounded run still writes its JSON.
    deadline: Optional[float] = None


@dataclass(frozen=True)
class Impl:
    """One implementation of a case's computation.

    Attributes:
        name: "ours", "eager", "compile", ... (unique within a case).
        fn: takes the case's positional inputs, returns one tensor.
        compiled: wrap ``fn`` with ``torch.compile`` (fresh Dynamo state, warmed up, the
            compilation time is reported apart and never timed).
        compile_kwargs: extra ``torch.compile`` arguments.
    """

    name: str
    fn: Callable[..., Tensor]
    compiled: bool = False
    compile_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"dynamic": False})


@dataclass(frozen=True)
class Case:
    """One workload measured with several implementations.

    Attributes:
        name: the op family, e.g. "shuffle_prelu" (several cases may share it).
        params: what distinguishes this case within its family (shape, r, dtype, layout...);
            JSON-serialisable.
        make_inputs: see ``InputFactory``; called once per mode, the tensors are shared by
            all implementations.
        impls: the implementations; must contain ``baseline`` and should contain ``OURS``.
        baseline: the implementation others are checked against.
        description: one line for humans.
    """

    name: str
    params: Mapping[str, Any]
    make_inputs: InputFactory
    impls: Tuple[Impl, ...]
    baseline: str = "eager"
    description: str = ""


# ----------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Per-call statistics over the repeats of one implementation, in milliseconds."""

    median_ms: float
    q1_ms: float
    q3_ms: float
    iqr_ms: float
    min_ms: float
    mean_ms: float
    repeats: int
    inner_loops: int

    @staticmethod
    def from_samples(per_call_ms: Sequence[float], inner_loops: int) -> "Timing":
        """Summarises per-call times (one per repeat)."""
        if not per_call_ms:
            raise ValueError("Timing.from_samples: no samples")
        q1, q3 = _quartiles(per_call_ms)
        return Timing(
            median_ms=statistics.median(per_call_ms),
            q1_ms=q1,
            q3_ms=q3,
            iqr_ms=q3 - q1,
            min_ms=min(per_call_ms),
            mean_ms=statistics.fmean(per_call_ms),
            repeats=len(per_call_ms),
            inner_loops=inner_loops,
        )


def _quartiles(values: Sequence[float]) -> Tuple[float, float]:
    """First and third quartiles (inclusive method; both equal the value for one sample)."""
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def synchronize(device: torch.device) -> None:
    """Waits for queued work on ``device`` (no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _run_loop(fn: Callable[[], Any], n: int, device: torch.device) -> float:
    """Runs ``fn`` ``n`` times and returns the elapsed wall time in ms (device-synchronised)."""
    synchronize(device)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    synchronize(device)
    return (time.perf_counter() - start) * 1e3


def _calibrate(fn: Callable[[], Any], cfg: TimingConfig, device: torch.device) -> int:
    """Calls per sample so that one sample lasts about ``cfg.min_sample_ms``."""
    once_ms = max(_run_loop(fn, 1, device), 1e-6)
    return int(min(cfg.max_inner, max(1, math.ceil(cfg.min_sample_ms / once_ms))))


def time_side_by_side(
    fns: Mapping[str, Callable[[], Any]], cfg: TimingConfig, device: torch.device
) -> Dict[str, Timing]:
    """Times several zero-argument callables round-robin and returns their statistics.

    Each callable is warmed up (``cfg.warmup`` calls) and calibrated on its own; then
    ``cfg.repeats`` rounds take one sample of each in turn. The garbage collector is off
    while timing. On CUDA the device is synchronised around every sample.
    """
    inner: Dict[str, int] = {}
    for name, fn in fns.items():
        for _ in range(cfg.warmup):
            fn()
        inner[name] = _calibrate(fn, cfg, device)
    samples: Dict[str, List[float]] = {name: [] for name in fns}
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(cfg.repeats):
            for name, fn in fns.items():
                samples[name].append(_run_loop(fn, inner[name], device) / inner[name])
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: Timing.from_samples(samples[name], inner[name]) for name in fns}


def time_callable(fn: Callable[[], Any], cfg: TimingConfig, device: torch.device) -> Timing:
    """Times one zero-argument callable (warmup, calibration, ``cfg.repeats`` samples)."""
    return time_side_by_side({"fn": fn}, cfg, device)["fn"]


def peak_memory_bytes(fn: Callable[[], Any], device: torch.device) -> Optional[int]:
    """Peak CUDA memory allocated by one call beyond what was allocated before it.

    Returns None on CPU (not measured there).
    """
    if device.type != "cuda":
        return None
    synchronize(device)
    base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn()
    synchronize(device)
    return int(torch.cuda.max_memory_allocated(device) - base)


# ----------------------------------------------------------------------------------------
# Running cases
# ----------------------------------------------------------------------------------------


@dataclass
class ImplResult:
    """What was measured for one implementation in one mode (``timing`` or ``error``)."""

    timing: Optional[Timing] = None
    error: Optional[str] = None
    #: Wall time of a compiled implementation's first call (compilation + one run), in s.
    compile_s: Optional[float] = None
    #: CUDA only: peak memory allocated by one iteration beyond what was allocated before.
    peak_memory_bytes: Optional[int] = None
    #: Largest |difference| to the baseline over the output (and grads); None if not checked.
    max_abs_diff: Optional[float] = None
    #: The same divided by the largest |value| of the baseline tensor (at least 1).
    max_rel_diff: Optional[float] = None
    matches_baseline: Optional[bool] = None

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready form; timing fields are flattened into the dict."""
        d: Dict[str, Any] = asdict(self.timing) if self.timing is not None else {}
        d.update(
            error=self.error,
            compile_s=self.compile_s,
            peak_memory_bytes=self.peak_memory_bytes,
            # JSON has no inf/nan: a non-finite difference (NaN output, shape mismatch) is null
            # and ``matches_baseline`` says whether it matters.
            max_abs_diff=_finite_or_none(self.max_abs_diff),
            max_rel_diff=_finite_or_none(self.max_rel_diff),
            matches_baseline=self.matches_baseline,
        )
        return d


def _finite_or_none(v: Optional[float]) -> Optional[float]:
    return v if v is not None and math.isfinite(v) else None


@dataclass
class ModeResult:
    """All implementations of one case in one mode, plus the speed ratios of ours."""

    impls: Dict[str, ImplResult]
    ratios: Dict[str, Optional[float]]

    def to_dict(self) -> Dict[str, Any]:
        return {"implementations": {k: v.to_dict() for k, v in self.impls.items()}, "ratios": self.ratios}


@dataclass
class CaseResult:
    """One case in every mode."""

    case: Case
    modes: Dict[str, ModeResult]
    #: Why the case was not run (e.g. the time budget was spent); None when it ran.
    skipped: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        d = {
            "case": self.case.name,
            "description": self.case.description,
            "params": dict(self.case.params),
            "baseline": self.case.baseline,
            "modes": {k: v.to_dict() for k, v in self.modes.items()},
        }
        if self.skipped is not None:
            d["skipped"] = self.skipped
        return d


def _error_string(exc: BaseException) -> str:
    """``Type: message``, at most ``_MAX_ERROR_CHARS`` long."""
    msg = f"{type(exc).__name__}: {exc}".strip()
    return msg if len(msg) <= _MAX_ERROR_CHARS else msg[: _MAX_ERROR_CHARS - 3] + "..."


def _forward_context(mode: str, cfg: RunConfig) -> AbstractContextManager:
    """Autograd context for ``mode``: inference/no-grad for forward, grad enabled otherwise."""
    if mode == "forward_backward":
        return torch.enable_grad()
    if cfg.forward_context == "inference_mode":
        return torch.inference_mode()
    if cfg.forward_context == "no_grad":
        return torch.no_grad()
    raise ValueError(f"unknown forward_context {cfg.forward_context!r}")


def _leaves(args: Sequence[Any]) -> List[Tensor]:
    """The arguments that are tensors requiring grad."""
    return [a for a in args if isinstance(a, Tensor) and a.requires_grad]


def _make_step(
    fn: Callable[..., Tensor], args: Tuple[Any, ...], mode: str, grad: Optional[Tensor]
) -> Callable[[], Optional[Tensor]]:
    """A zero-argument callable doing one iteration of ``mode``.

    ``forward`` returns the output; ``forward_backward`` resets the leaves' grads, runs
    ``out.backward(grad)`` and returns None (the output is not kept alive between calls).
    """
    if mode == "forward":
        return lambda: fn(*args)
    leaves = _leaves(args)
    assert grad is not None

    def step() -> None:
        for t in leaves:
            t.grad = None
        fn(*args).backward(grad)

    return step


def _prepare_fn(impl: Impl, cfg: RunConfig) -> Callable[..., Tensor]:
    """``impl.fn``, or a freshly compiled version of it (Dynamo state reset first)."""
    if not impl.compiled:
        return impl.fn
    torch._dynamo.reset()
    return torch.compile(impl.fn, **dict(impl.compile_kwargs))


def _grad_like(out: Tensor, grad: Tensor) -> Tensor:
    """``grad``'s values in ``out``'s memory format, so backward does not pay for a relayout."""
    if out.dim() == 4 and not out.is_contiguous() and out.is_contiguous(memory_format=torch.channels_last):
        return grad.contiguous(memory_format=torch.channels_last)
    return grad.contiguous()


def _first_call(
    fn: Callable[..., Tensor], args: Tuple[Any, ...], mode: str, grad: Optional[Tensor], cfg: RunConfig
) -> Tuple[Tensor, List[Optional[Tensor]], Optional[Tensor]]:
    """Runs ``fn`` once (compiling it if needed); returns output, leaf grads and the grad
    tensor in the output's layout (None in forward mode)."""
    leaves = _leaves(args)
    with _forward_context(mode, cfg):
        out = fn(*args)
        if mode == "forward":
            return out.detach().clone(), [], None
        for t in leaves:
            t.grad = None
        g = _grad_like(out, grad)
        out.backward(g)
    synchronize(cfg.device)
    return out.detach().clone(), [None if t.grad is None else t.grad.clone() for t in leaves], g


#: Relative tolerance per dtype, scaled by the largest |value| of the baseline tensor (see
#: ``_compare``): loose enough for reductions summed in another order (a PReLU weight grad
#: sums millions of terms), tight enough that a wrong value (an O(1) error) is caught.
_RTOL: Dict[torch.dtype, float] = {
    torch.float64: 1e-10,
    torch.float32: 1e-4,
    torch.float16: 1e-2,
    torch.bfloat16: 5e-2,
}


def _tensor_diff(a: Tensor, b: Tensor) -> Tuple[float, float, bool]:
    """(max |a - b|, that divided by max(max |b|, 1), whether it is within ``_RTOL``).

    NaNs must sit at the same places; infinities must be equal.
    """
    if a.shape != b.shape or a.dtype != b.dtype:
        return math.inf, math.inf, False
    if a.numel() == 0:
        return 0.0, 0.0, True
    a64, b64 = a.double(), b.double()
    finite = a64.isfinite()
    special = ~finite & ~a64.isnan()  # +-inf
    same_places = torch.equal(finite, b64.isfinite()) and torch.equal(a64.isnan(), b64.isnan())
    if not same_places or not torch.equal(a64[special], b64[special]):
        return math.inf, math.inf, False  # NaN/inf in different places or of different sign
    if not bool(finite.any()):
        return 0.0, 0.0, True
    diff = float((a64[finite] - b64[finite]).abs().max())
    rel = diff / max(float(b64[finite].abs().max()), 1.0)
    return diff, rel, rel <= _RTOL.get(a.dtype, 1e-4)


def _compare(
    got: Tuple[Tensor, List[Optional[Tensor]]], ref: Tuple[Tensor, List[Optional[Tensor]]]
) -> Tuple[float, float, bool]:
    """Worst absolute and scaled difference over output and grads, and whether every tensor
    is within tolerance (a grad present on one side only is a mismatch)."""
    if len(got[1]) != len(ref[1]):
        return math.inf, math.inf, False
    worst_abs, worst_rel, ok = 0.0, 0.0, True
    for a, b in [(got[0], ref[0])] + list(zip(got[1], ref[1])):
        if a is None or b is None:
            ok = ok and a is None and b is None
            continue
        d_abs, d_rel, close = _tensor_diff(a, b)
        worst_abs, worst_rel, ok = max(worst_abs, d_abs), max(worst_rel, d_rel), ok and close
    return worst_abs, worst_rel, ok


def _log(cfg: RunConfig, msg: str) -> None:
    if cfg.verbose:
        print(msg, flush=True)


def run_mode(case: Case, mode: str, cfg: RunConfig) -> ModeResult:
    """Measures every implementation of ``case`` in ``mode`` (errors are recorded, not raised)."""
    args = case.make_inputs(cfg.device, mode == "forward_backward")
    results: Dict[str, ImplResult] = {impl.name: ImplResult() for impl in case.impls}
    steps: Dict[str, Callable[[], Any]] = {}
    firsts: Dict[str, Tuple[Tensor, List[Optional[Tensor]]]] = {}
    grad = _make_grad(case, args, cfg.device) if mode == "forward_backward" else None
    for impl in case.impls:
        if impl.compiled and not cfg.use_compile:
            results[impl.name].error = "skipped: torch.compile disabled (--no-compile)"
            continue
        try:
            start = time.perf_counter()
            fn = _prepare_fn(impl, cfg)
            out, grads, g = _first_call(fn, args, mode, grad, cfg)
            if impl.compiled:
                results[impl.name].compile_s = time.perf_counter() - start
            firsts[impl.name] = (out, grads)
            steps[impl.name] = _make_step(fn, args, mode, g)
        except Exception as exc:  # noqa: BLE001 - any failure is a result to report
            results[impl.name].error = _error_string(exc)
            _log(cfg, f"    {impl.name}: ERROR {results[impl.name].error.splitlines()[0]}")
    _check_against_baseline(case, firsts, results, cfg)
    _time_steps(steps, mode, results, cfg)
    return ModeResult(impls=results, ratios=speed_ratios(results))


def _make_grad(case: Case, args: Tuple[Any, ...], device: torch.device) -> Tensor:
    """The ``grad`` fed to ``out.backward``: seeded N(0, 1) values in the shape and dtype of
    the baseline's output, the same for every implementation of the case."""
    baseline = next(impl for impl in case.impls if impl.name == case.baseline)
    with torch.inference_mode():
        out = baseline.fn(*args)
    values = torch.randn(out.shape, generator=torch.Generator().manual_seed(1234), dtype=torch.float32)
    return values.to(device=device, dtype=out.dtype)


def _check_against_baseline(
    case: Case,
    firsts: Mapping[str, Tuple[Tensor, List[Optional[Tensor]]]],
    results: Dict[str, ImplResult],
    cfg: RunConfig,
) -> None:
    """Fills ``max_abs_diff`` / ``matches_baseline`` for every implementation that ran."""
    if not cfg.check_outputs or case.baseline not in firsts:
        return
    ref = firsts[case.baseline]
    for name, got in firsts.items():
        diff, rel, ok = _compare(got, ref)
        res = results[name]
        res.max_abs_diff, res.max_rel_diff, res.matches_baseline = diff, rel, ok
        if not ok:
            _log(cfg, f"    {name}: does NOT match {case.baseline} (max abs diff {diff:.3g}, scaled {rel:.3g})")


def _time_steps(
    steps: Mapping[str, Callable[[], Any]], mode: str, results: Dict[str, ImplResult], cfg: RunConfig
) -> None:
    """Times the working implementations together; a failure mid-timing is recorded for all."""
    if not steps:
        return
    try:
        with _forward_context(mode, cfg):
            timings = time_side_by_side(steps, cfg.timing, cfg.device)
            for name, step in steps.items():
                results[name].peak_memory_bytes = peak_memory_bytes(step, cfg.device)
    except Exception as exc:  # noqa: BLE001
        for name in steps:
            results[name].error = _error_string(exc)
        return
    for name, timing in timings.items():
        results[name].timing = timing


def speed_ratios(results: Mapping[str, ImplResult]) -> Dict[str, Optional[float]]:
    """``{"ours_vs_<name>": median(<name>) / median(ours)}`` for every other implementation;
    None where either side has no timing."""
    ours = results.get(OURS)
    ratios: Dict[str, Optional[float]] = {}
    for name, res in results.items():
        if name == OURS:
            continue
        ok = ours is not None and ours.timing is not None and res.timing is not None
        ratios[f"{OURS}_vs_{name}"] = res.timing.median_ms / ours.timing.median_ms if ok else None  # type: ignore[union-attr]
    return ratios


def run_case(case: Case, cfg: RunConfig) -> CaseResult:
    """Measures ``case`` in every mode of ``cfg``."""
    modes: Dict[str, ModeResult] = {}
    for mode in cfg.modes:
        _log(cfg, f"  {case.name} {_params_str(case.params)} [{mode}]")
        modes[mode] = run_mode(case, mode, cfg)
    return CaseResult(case=case, modes=modes)


def run_cases(cases: Sequence[Case], cfg: RunConfig) -> List[CaseResult]:
    """Measures every case; the order of the results is the order of ``cases``.

    Once ``cfg.deadline`` has passed, the remaining cases are not started: they come back
    with ``skipped`` set and no modes."""
    results: List[CaseResult] = []
    for case in cases:
        if cfg.deadline is not None and time.monotonic() >= cfg.deadline:
            results.append(CaseResult(case=case, modes={}, skipped="time budget (--time-budget) spent"))
            continue
        results.append(run_case(case, cfg))
    skipped = sum(r.skipped is not None for r in results)
    if skipped:
        _log(cfg, f"  time budget spent: {skipped} of {len(cases)} case(s) not run")
    return results


# ----------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------


def _cpu_model() -> str:
    """The CPU model named in /proc/cpuinfo, or ``platform.processor()`` elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> Optional[str]:
    """HEAD of the repository holding this file (``+dirty`` if modified), if git answers."""
    root = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _cuda_info(device: torch.device) -> Dict[str, Any]:
    """The GPU's properties and driver, for the report of a CUDA run."""
    props = torch.cuda.get_device_properties(device)
    info: Dict[str, Any] = {
        "device_capability": f"{props.major}.{props.minor}",
        "device_memory_gib": round(props.total_memory / 2**30, 1),
        "device_sm_count": props.multi_processor_count,
        "device_l2_mib": round(getattr(props, "L2_cache_size", 0) / 2**20, 1) or None,
        "cuda_arch_list": torch.cuda.get_arch_list(),
    }
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version,clocks.max.sm,power.limit", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        info["nvidia_smi"] = smi.stdout.strip() if smi.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        info["nvidia_smi"] = None
    return info


def machine_info(device: torch.device) -> Dict[str, Any]:
    """Where and with what the numbers were taken."""
    info: Dict[str, Any] = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_num_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "torch_cuda_version": torch.version.cuda,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "git_commit": _git_commit(),
    }
    if device.type == "cuda":
        info.update(_cuda_info(device))
    try:
        import srgan_cpp

        info["srgan_cpp_version"] = srgan_cpp.__version__
        info["srgan_cpp_built_with_cuda"] = srgan_cpp.built_with_cuda()
    except Exception as exc:  # noqa: BLE001 - the harness does not need srgan_cpp itself
        info["srgan_cpp_version"] = _error_string(exc)
    return info


def make_report(benchmark: str, results: Sequence[CaseResult], cfg: RunConfig, **extra: Any) -> Dict[str, Any]:
    """The JSON document of one run."""
    return {
        "schema_version": 1,
        "benchmark": benchmark,
        "machine": machine_info(cfg.device),
        "config": {
            "device": str(cfg.device),
            "modes": list(cfg.modes),
            "use_compile": cfg.use_compile,
            "forward_context": cfg.forward_context,
            "timing": asdict(cfg.timing),
            "ratio_definition": "median_ms(other) / median_ms(ours); > 1 means ours is faster",
            "cases_skipped": sum(r.skipped is not None for r in results),
            **extra,
        },
        "results": [r.to_dict() for r in results],
    }


def format_machine(info: Mapping[str, Any]) -> str:
    """One line naming the machine, for the head of a printed table."""
    where = info.get("device_name") or info.get("cpu_model")
    return (
        f"{info.get('device')} ({where}), {info.get('cpu_count')} CPUs, torch {info.get('torch_version')} "
        f"with {info.get('torch_num_threads')} threads, {info.get('date')}"
    )


def add_common_args(parser: "argparse.ArgumentParser", out_default: str) -> None:
    """The options every benchmark script takes: device, quick mode, compile on/off, output
    path, repeats, threads and verbosity."""
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats: checks that the harness runs")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile implementation")
    parser.add_argument("--out", type=Path, default=None, help=f"JSON path (default {out_default})")
    parser.add_argument("--repeats", type=int, default=None, help="timed samples per implementation")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: unchanged)")
    parser.add_argument("--quiet", action="store_true", help="no per-case progress lines")
    parser.add_argument("--time-budget", type=_positive_seconds, default=None, metavar="S",
                        help="start no new case after S seconds; the cases left are reported as skipped")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def device_from_args(args: "argparse.Namespace") -> torch.device:
    """Applies --threads and returns the --device, refusing what cannot run here.

    ``--device cuda`` needs a usable GPU *and* srgan_cpp built with CUDA kernels; otherwise
    the script stops with one line naming ``--device`` and exit status 2 (the rules of
    ``srgan_cpp.cli``, whose :func:`~srgan_cpp.cli.parse_device` does the check)."""
    from srgan_cpp.cli import UsageError, parse_device

    try:
        device = parse_device(args.device, "--device")
    except UsageError as e:
        print(f"{Path(sys.argv[0]).name or 'benchmark'}: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    return device


def deadline_from_args(args: "argparse.Namespace") -> Optional[float]:
    """``time.monotonic()`` deadline of ``--time-budget`` counted from now (None: unbounded).

    Call it once, at the start of the script, and pass it to every ``RunConfig``."""
    budget = getattr(args, "time_budget", None)
    return None if budget is None else time.monotonic() + budget


def report_and_save(name: str, results: Sequence["CaseResult"], cfg: "RunConfig", out: Path,
                    quick: bool = False) -> Dict[str, Any]:
    """The common ending of a benchmark script: builds the report, prints the machine, the
    table and any errors, writes the JSON to ``out`` and returns the report."""
    report = make_report(name, results, cfg, quick=quick)
    print("\n" + format_machine(report["machine"]))
    print("median ± IQR ms per call; ratio = median(other) / median(ours), > 1: ours faster\n")
    print(format_table(results))
    errors = format_errors(results)
    if errors:
        print("\nErrors:\n" + errors)
    skipped = report["config"]["cases_skipped"]
    if skipped:
        print(f"\n{skipped} of {len(results)} case(s) skipped: the time budget was spent")
    write_json(out, report)
    print(f"\nwrote {out}")
    return report


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    """Writes ``report`` to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")


def _params_str(params: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={_fmt_param(v)}" for k, v in params.items())


def _fmt_param(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "x".join(str(i) for i in v)
    return str(v)


def _fmt_ms(res: Optional[ImplResult]) -> str:
    if res is None:
        return "-"
    if res.timing is None:
        return "skipped" if res.error and res.error.startswith("skipped") else "ERROR"
    t = res.timing
    mark = "" if res.matches_baseline in (None, True) else "!"
    return f"{t.median_ms:.3f}±{t.iqr_ms:.3f}{mark}"


def _fmt_ratio(r: Optional[float]) -> str:
    return "-" if r is None else f"{r:.2f}x"


def format_table(results: Sequence[CaseResult], param_keys: Optional[Sequence[str]] = None) -> str:
    """A fixed-width table: one row per case and mode, median±IQR ms per implementation,
    then ours' speed ratios. A trailing ``!`` marks output that differs from the baseline."""
    if not results:
        return "(no results)"
    keys = list(param_keys) if param_keys is not None else list(results[0].case.params)
    impl_names: List[str] = []
    ratio_names: List[str] = []
    for r in results:
        for m in r.modes.values():
            impl_names += [n for n in m.impls if n not in impl_names]
            ratio_names += [n for n in m.ratios if n not in ratio_names]
    header = ["case", *keys, "mode", *[f"{n} ms" for n in impl_names], *ratio_names]
    rows = [header]
    for r in results:
        for mode, m in r.modes.items():
            rows.append(
                [r.case.name, *[_fmt_param(r.case.params.get(k, "")) for k in keys], mode,
                 *[_fmt_ms(m.impls.get(n)) for n in impl_names],
                 *[_fmt_ratio(m.ratios.get(n)) for n in ratio_names]]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_errors(results: Sequence[CaseResult]) -> str:
    """One line per distinct (implementation, mode, error) that was not a deliberate skip."""
    seen: Dict[Tuple[str, str, str], List[str]] = {}
    for r in results:
        for mode, m in r.modes.items():
            for name, res in m.impls.items():
                if res.error and not res.error.startswith("skipped"):
                    key = (name, mode, res.error.splitlines()[0])
                    seen.setdefault(key, []).append(f"{r.case.name}({_params_str(r.case.params)})")
    return "\n".join(
        f"{name} [{mode}] failed in {len(where)} case(s), e.g. {where[0]}: {err}"
        for (name, mode, err), where in seen.items()
    )
