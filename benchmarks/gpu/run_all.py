"""The whole GPU check in one bounded run: build, CUDA tests, compute-sanitizer, benchmarks.

Started by ``benchmarks/gpu/run_all.sh`` (which first installs the carried wheels); see
docs/benchmarks.md#gpu-run. Each step runs in its own process group with a time limit
(``min(its budget, what is left before --deadline)``; a step that cannot get ``min_s``
seconds is skipped), its output goes to ``logs/<step>.log``, its JSON to ``results/``.
At the end everything is packed into ``<out>/gpu_run.tar.gz`` next to ``summary.json`` and
``summary.txt`` (three files: the device tool returns at most eight), and the summary table
is printed last.

``--dry-run`` runs the same steps on the CPU at tiny sizes: the build is skipped (the
installed srgan_cpp is used), the CUDA tests are only collected (``pytest -m cuda
--collect-only``), the sanitizer steps run the kernel script on the CPU without the
sanitizer when ``compute-sanitizer`` is absent, and the benchmarks get ``--quick
--no-compile`` and a tiny time budget.

Adding a step is one line in ``steps()``: ``bench("bench_trainer", 40, "--some-flag")`` for a
benchmark script under benchmarks/ that takes the harness's common options.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
#: Seconds kept at the end for packing the results.
PACK_RESERVE_S = 15.0
#: Largest log kept in the tarball (head and tail are kept, the middle is cut).
MAX_LOG_BYTES = 2 << 20
#: compute-sanitizer checks only srgan_cpp's kernels (ATen's are run, not instrumented):
#: our kernels live in namespace srgan_cpp, and the control kernels carry the name too.
SANITIZER_FILTER = ["--kernel-name", "kns=srgan_cpp"]


@dataclass
class Context:
    """What a step's command line depends on."""

    dry_run: bool
    out: Path
    device: str
    budget: float = 0.0  # seconds this step may run (set per step)

    @property
    def results(self) -> Path:
        return self.out / "results"

    @property
    def logs(self) -> Path:
        return self.out / "logs"


@dataclass
class Step:
    """One step: ``argv(ctx)`` is run with the environment ``env(ctx)``; ``check(ctx, rc,
    log_text)`` may turn the exit status into findings for the summary."""

    name: str
    budget_s: float
    argv: Callable[[Context], Optional[List[str]]]  # None: skip (``skip_reason`` says why)
    needs_build: bool = True
    min_s: float = 10.0
    env: Callable[[Context], Dict[str, str]] = field(default=lambda ctx: {})
    check: Optional[Callable[[Context, int, str], Dict[str, Any]]] = None
    skip_reason: Callable[[Context], str] = field(default=lambda ctx: "not applicable")
    #: The benchmark script (benchmarks/<script>.py) of a ``bench`` step.
    script: Optional[str] = None


# --------------------------------------------------------------------------------------
# step helpers
# --------------------------------------------------------------------------------------
def bench(script: str, budget_s: float, *extra: str, name: Optional[str] = None,
          dry_extra: Sequence[str] = ()) -> Step:
    """A benchmark script of benchmarks/ with the harness's common options (``--device``,
    ``--out``, ``--time-budget``; ``--quick --no-compile`` in a dry run)."""
    label = name or script

    def argv(ctx: Context) -> List[str]:
        # startup (imports, CUDA context), JSON writing and one case running past the budget
        inner = max(2.0, ctx.budget - max(10.0, 0.25 * ctx.budget)) if not ctx.dry_run else 5.0
        cmd = [PY, str(REPO / "benchmarks" / f"{script}.py"), "--device", ctx.device,
               "--out", str(ctx.results / f"{label}.json"), "--time-budget", f"{inner:.0f}", "--quiet", *extra]
        if ctx.dry_run:
            cmd += ["--quick", "--no-compile", "--repeats", "1", *dry_extra]
        return cmd

    return Step(label, budget_s, argv, check=_bench_check(label), script=script)


def _bench_check(label: str) -> Callable[[Context, int, str], Dict[str, Any]]:
    def check(ctx: Context, rc: int, log: str) -> Dict[str, Any]:
        path = ctx.results / f"{label}.json"
        if not path.is_file():
            return {"json": None}
        report = json.loads(path.read_text())
        rows = report.get("results", [])
        mismatched = sorted({f"{r.get('case')}:{name}" for r in rows for m in r.get("modes", {}).values()
                             for name, impl in m.get("implementations", {}).items()
                             if impl.get("matches_baseline") is False})
        return {"json": f"results/{label}.json", "cases": len(rows),
                "cases_skipped": report.get("config", {}).get("cases_skipped", 0),
                "not_matching_baseline": mismatched[:20]}

    return check


def _sanitizer_available() -> bool:
    return shutil.which("compute-sanitizer") is not None


def sanitizer(tool: str, budget_s: float, *script_args: str) -> Step:
    """compute-sanitizer ``tool`` on the positive control, then on sanitize_kernels.py."""
    control = "oob" if tool == "memcheck" else "race"

    def argv(ctx: Context) -> Optional[List[str]]:
        script = [PY, str(REPO / "benchmarks" / "gpu" / "sanitize_kernels.py"), "--device", ctx.device,
                  "--json", str(ctx.results / f"sanitize_{tool}.json"), *script_args]
        if ctx.dry_run:  # the kernel script alone, on the CPU, a few calls
            return script + ["--dtypes", "float32", "--layouts", "contiguous", "--match", "r=2"]
        if not _sanitizer_available():
            return None
        inner = max(5.0, ctx.budget - 25.0)
        tool_args = ["compute-sanitizer", "--tool", tool, *SANITIZER_FILTER, "--print-limit", "50"]
        # one shell line: the control first (its verdict is parsed from the log), then the run
        ctl = shlex.join(tool_args + [PY, str(REPO / "benchmarks" / "gpu" / "sanitizer_control.py"), control])
        run = shlex.join(tool_args + script + ["--time-budget", f"{inner:.0f}"])
        return ["bash", "-c", f"echo '== control'; {ctl}; echo \"== control exit $?\"; echo '== run'; {run}"]

    def env(ctx: Context) -> Dict[str, str]:
        return {"PYTORCH_NO_CUDA_MEMORY_CACHING": "1"}

    def check(ctx: Context, rc: int, log: str) -> Dict[str, Any]:
        if ctx.dry_run:
            return {"sanitizer": "not used (dry run)"}
        return parse_sanitizer_log(tool, log)

    return Step(f"sanitize_{tool}", budget_s, argv, env=env, check=check, min_s=20.0,
                skip_reason=lambda ctx: "compute-sanitizer not found on PATH")


def parse_sanitizer_log(tool: str, log: str) -> Dict[str, Any]:
    """The sanitizer's verdicts: did the planted bug show (the tool works here), and how many
    errors did the real run report."""
    control, _, run = log.partition("== run")
    summaries = re.findall(r"(?:ERROR|RACECHECK) SUMMARY: (\d+) (?:errors?|hazards?)", run)
    control_hits = re.findall(r"(?:ERROR|RACECHECK) SUMMARY: (\d+)", control)
    refused = bool(re.search(r"Device not supported|not supported on this|error 999|Unrecognized option", log))
    control_skipped = "== control exit 77" in control
    detected = bool(control_hits) and int(control_hits[-1]) > 0
    return {
        "tool": tool,
        "control_detected_planted_bug": None if control_skipped else detected,
        "sanitizer_works": (not refused) and (detected or control_skipped),
        "errors_reported": int(summaries[-1]) if summaries else None,
        "refused_or_unsupported": refused,
    }


def _junit_counts(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        return {}
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    keys = ("tests", "failures", "errors", "skipped")
    counts = {k: sum(int(s.get(k, 0)) for s in suites) for k in keys}
    failed = [f"{c.get('classname')}::{c.get('name')}" for s in suites for c in s.iter("testcase")
              if c.find("failure") is not None or c.find("error") is not None]
    counts["failed_tests"] = failed[:40]
    return counts


def cuda_tests(budget_s: float) -> Step:
    """Every test marked ``cuda`` (the CPU/CUDA cross-checks included)."""

    def argv(ctx: Context) -> List[str]:
        base = [PY, "-m", "pytest", "-q", "-m", "cuda", "-p", "no:cacheprovider", str(REPO / "tests")]
        if ctx.dry_run:
            return base + ["--collect-only"]
        extra = ["--junitxml", str(ctx.results / "cuda_tests.xml"), "-rfE"]
        if _has_module("pytest_timeout"):
            extra += ["--timeout", "120"]
        if _has_module("xdist"):
            extra += ["-n", "8"]
        return base + extra

    def check(ctx: Context, rc: int, log: str) -> Dict[str, Any]:
        if ctx.dry_run:
            m = re.search(r"(\d+)/\d+ tests collected|(\d+) tests? collected", log)
            return {"collected": int(next(g for g in m.groups() if g)) if m else None}
        return _junit_counts(ctx.results / "cuda_tests.xml")

    return Step("cuda_tests", budget_s, argv, check=check, min_s=30.0)


def _has_module(name: str) -> bool:
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.run([PY, "-c", code], capture_output=True).returncode == 0


def build(budget_s: float) -> Step:
    """``pip install --no-build-isolation --no-deps .`` for Hopper (sm_90), CUDA kernels on."""

    def argv(ctx: Context) -> Optional[List[str]]:
        if ctx.dry_run:
            return None
        install = [PY, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-cache-dir", "-v",
                   "-C", "cmake.define.CMAKE_CUDA_ARCHITECTURES=90", str(REPO)]
        verify = [PY, "-c", "import srgan_cpp, sys; print('built_with_cuda', srgan_cpp.built_with_cuda()); "
                            "sys.exit(0 if srgan_cpp.built_with_cuda() else 3)"]
        return ["bash", "-c", shlex.join(install) + " && cd / && " + shlex.join(verify)]

    def env(ctx: Context) -> Dict[str, str]:
        return {"SRGAN_CPP_CUDA": "ON", "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 8)}

    return Step("build", budget_s, argv, needs_build=False, env=env, min_s=60.0,
                skip_reason=lambda ctx: "dry run: the installed srgan_cpp is used")


def command(name: str, budget_s: float, argv: Callable[[Context], List[str]], needs_build: bool = True) -> Step:
    return Step(name, budget_s, argv, needs_build=needs_build)


def _environment(ctx: Context) -> List[str]:
    code = ("import json, platform, torch, sys; d = {'python': platform.python_version(), 'torch': torch.__version__, "
            "'torch_cuda': torch.version.cuda, 'cuda_available': torch.cuda.is_available()}; "
            "d['device'] = torch.cuda.get_device_name() if d['cuda_available'] else None; print(json.dumps(d))")
    tools = "; ".join(f"echo '== {t}'; {t} 2>&1 | head -n {n}" for t, n in (
        ("nvidia-smi", 20), ("nvcc --version", 6), ("compute-sanitizer --version", 3), ("cmake --version", 1),
        ("ninja --version", 1), ("nproc", 1), ("free -g", 3)))
    pip = f"{PY} -m pip list 2>/dev/null | grep -iE '^(torch|triton|numpy|pillow|pypng|tqdm|pyyaml|pytest|scikit|pybind11|safetensors|cupy)'"
    return ["bash", "-c", f"{PY} -c \"{code}\"; {tools}; echo '== pip'; {pip}; true"]


def steps() -> List[Step]:
    """The run, in priority order (a step that no longer fits the deadline is skipped)."""
    return [
        command("environment", 20, _environment, needs_build=False),
        build(300),
        Step("device_probe", 30, lambda ctx: [PY, str(REPO / "benchmarks" / "gpu" / "device_probe.py"),
                                             "--device", ctx.device, "--json", str(ctx.results / "device_probe.json")]),
        cuda_tests(110),
        sanitizer("memcheck", 75),
        sanitizer("racecheck", 45, "--ops-only", "--dtypes", "float32", "float16"),
        bench("bench_losses", 45),
        bench("bench_pixel_shuffle", 45, "--no-compile", "--repeats", "7"),
        bench("bench_pixel_shuffle", 35, "--cases", "shuffle_prelu", "--dtypes", "float32", "float16",
              name="bench_pixel_shuffle_compile"),
        bench("bench_het_conv", 35),
        bench("bench_models", 45, "--dtype", "float16", "--models", "RRDBNet", "--rrdb-blocks", "23",
              name="bench_models_rrdb23_fp16", dry_extra=["--rrdb-blocks", "1"]),
        bench("bench_models", 45, "--repeats", "10", name="bench_models_fp32"),
        bench("bench_models", 35, "--dtype", "bfloat16", "--channels-last", "--repeats", "10",
              name="bench_models_bf16_cl"),
        bench("bench_het_conv", 25, "--dtype", "float16", "--no-compile", name="bench_het_conv_fp16"),
        bench("bench_eval", 25, "--no-compile"),
        bench("bench_upscale", 60, "--rrdb-blocks", "23", "--rrdb-size", "1920x1080", "--big-model", "srvgg",
              "--peer-big"),
    ]


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------
def _run(argv: List[str], env: Dict[str, str], timeout: float, log_path: Path) -> "tuple[int, bool, float]":
    """Runs ``argv`` in a new process group, output to ``log_path``; (rc, timed_out, seconds)."""
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **env)
    start = time.monotonic()
    with open(log_path, "wb") as log:
        log.write(f"$ {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO), env=full_env,
                                start_new_session=True)
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
            rc = proc.returncode if proc.returncode is not None else -9
        seconds = time.monotonic() - start
        log.write(f"\n== exit {rc}{' (time limit ' + format(timeout, '.0f') + ' s)' if timed_out else ''}, "
                  f"{seconds:.1f} s\n".encode())
    return rc, timed_out, seconds


def _read_log(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_LOG_BYTES:  # keep head and tail: the command, the first errors, the summary
        half = MAX_LOG_BYTES // 2
        data = data[:half] + b"\n\n[... log cut to fit the results' size limit ...]\n\n" + data[-half:]
        path.write_bytes(data)
    return data.decode("utf-8", errors="replace")


def run_steps(ctx: Context, selected: List[Step], deadline: float) -> List[Dict[str, Any]]:
    ctx.results.mkdir(parents=True, exist_ok=True)
    ctx.logs.mkdir(parents=True, exist_ok=True)
    records: List[Dict[str, Any]] = []
    built_ok = True
    for step in selected:
        rec: Dict[str, Any] = {"step": step.name, "budget_s": step.budget_s}
        records.append(rec)
        left = deadline - time.monotonic() - PACK_RESERVE_S
        ctx.budget = min(step.budget_s, left)
        if step.needs_build and not built_ok:
            rec.update(status="skipped", reason="the build failed")
        elif ctx.budget < step.min_s:
            rec.update(status="skipped", reason=f"out of time ({max(left, 0):.0f} s left, needs {step.min_s:.0f})")
        else:
            argv = step.argv(ctx)
            if argv is None:
                rec.update(status="skipped", reason=step.skip_reason(ctx))
            else:
                log_path = ctx.logs / f"{step.name}.log"
                print(f"[run_all] {step.name}: up to {ctx.budget:.0f} s", flush=True)
                rc, timed_out, seconds = _run(argv, step.env(ctx), ctx.budget, log_path)
                rec.update(status="timeout" if timed_out else ("ok" if rc == 0 else "failed"), rc=rc,
                           seconds=round(seconds, 1), log=f"logs/{step.name}.log")
                if step.check is not None:
                    try:
                        rec.update(step.check(ctx, rc, _read_log(log_path)))
                    except Exception as exc:  # noqa: BLE001 - a summary problem must not lose the run
                        rec["check_error"] = f"{type(exc).__name__}: {exc}"
                else:
                    _read_log(log_path)
        if step.name == "build" and rec["status"] not in ("ok", "skipped"):
            built_ok = False
    return records


def _pack(ctx: Context, summary: Dict[str, Any]) -> None:
    (ctx.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (ctx.out / "summary.txt").write_text(format_summary(summary) + "\n", encoding="utf-8")
    with tarfile.open(ctx.out / "gpu_run.tar.gz", "w:gz") as tar:
        for sub in ("logs", "results"):
            if (ctx.out / sub).is_dir():
                tar.add(ctx.out / sub, arcname=sub)
        tar.add(ctx.out / "summary.json", arcname="summary.json")
    for sub in ("logs", "results"):  # only the three files come back (the tool's limit is eight)
        shutil.rmtree(ctx.out / sub, ignore_errors=True)


def format_summary(summary: Dict[str, Any]) -> str:
    lines = [f"GPU run ({'dry run, CPU' if summary['dry_run'] else 'device'}), {summary['seconds']:.0f} s, "
             f"commit {summary.get('git_commit')}"]
    for r in summary["steps"]:
        extra = {k: v for k, v in r.items() if k not in ("step", "budget_s", "status", "rc", "seconds", "log")}
        detail = ", ".join(f"{k}={v}" for k, v in extra.items() if v not in (None, [], {}))
        lines.append(f"  {r['step']:<28} {r['status']:<8} {r.get('seconds', '-'):>6} s  {detail}"[:400])
    return "\n".join(lines)


def _git_commit() -> Optional[str]:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dry-run", action="store_true", help="the same steps on the CPU at tiny sizes (no GPU needed)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: $OUT, else gpu_run_out)")
    p.add_argument("--deadline", type=float, default=None, metavar="S",
                   help="seconds for the whole run, packing included (default: 510 on the device, 600 dry)")
    p.add_argument("--only", default=None, metavar="STEP,...", help="run only these steps (names as in the summary)")
    p.add_argument("--list", action="store_true", help="print the steps and their budgets, then exit")
    args = p.parse_args(argv)
    all_steps = steps()
    if args.list:
        for s in all_steps:
            print(f"{s.name:<28} {s.budget_s:>5.0f} s{'  (needs the build)' if s.needs_build else ''}")
        return 0
    selected = all_steps
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = sorted(set(wanted) - {s.name for s in all_steps})
        if unknown:
            p.error(f"--only: unknown step(s) {unknown}; see --list")
        selected = [s for s in all_steps if s.name in wanted]
    out = args.out or Path(os.environ.get("OUT") or "gpu_run_out")
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(dry_run=args.dry_run, out=out.resolve(), device="cpu" if args.dry_run else "cuda")
    start = time.monotonic()
    deadline = start + (args.deadline if args.deadline is not None else (600.0 if args.dry_run else 510.0))
    records = run_steps(ctx, selected, deadline)
    summary = {"dry_run": args.dry_run, "git_commit": _git_commit(), "seconds": round(time.monotonic() - start, 1),
               "steps": records}
    _pack(ctx, summary)
    print(format_summary(summary), flush=True)
    print(f"[run_all] wrote {ctx.out}/gpu_run.tar.gz, summary.json, summary.txt", flush=True)
    bad = [r["step"] for r in records if r["status"] in ("failed", "timeout")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
