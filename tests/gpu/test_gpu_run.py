"""The GPU run kit (benchmarks/gpu/): its dry run on this CPU, the kernel catalogue, the
benchmark steps' arguments and the sanitizer-log verdicts. No GPU needed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks" / "gpu"))
sys.path.insert(0, str(REPO / "benchmarks"))
import kernel_calls  # noqa: E402
import run_all  # noqa: E402

from bench_loader import load_benchmark  # noqa: E402


def test_the_catalogue_covers_every_op_with_a_cuda_kernel():
    import srgan_cpp  # noqa: F401 - registers the ops

    names = {n.split("::", 1)[1] for n in torch._C._dispatch_get_all_op_names() if n.startswith("srgan_cpp::")}
    cuda_ops = {n for n in names if torch._C._dispatch_has_kernel_for_dispatch_key(f"srgan_cpp::{n}", "CUDA")}
    forward_ops = {n for n in cuda_ops if not n.endswith("_backward")}
    assert {"pixel_shuffle", "fused_pixel_shuffle", "gradient_cosine_loss", "ragan_loss", "het_conv2d"} <= forward_ops
    covered = {c.name.split(" ", 1)[0] for c in kernel_calls.CALLS}
    assert forward_ops <= covered, f"add calls for {sorted(forward_ops - covered)} to kernel_calls.py"
    # the backward kernels run through every call's backward
    assert {f"{n}_backward" for n in forward_ops} & cuda_ops <= {n for n in cuda_ops if n.endswith("_backward")}


def test_every_catalogue_call_runs_on_the_cpu():
    """One dtype and layout per call (the sanitizer and the CUDA cross-checks run them all)."""
    for call in kernel_calls.CALLS:
        dtype = torch.float32 if torch.float32 in call.dtypes else call.dtypes[0]
        out = kernel_calls.run_call(call, torch.device("cpu"), dtype, call.layouts[-1])
        grads = [k for k in out if k.startswith("grad:")]
        assert grads, f"{call.name}: no gradient computed"
        for key, t in out.items():
            assert bool(torch.isfinite(t).all()), f"{call.name}: {key} is not finite"
        if call.double_backward:
            assert any(k.startswith("grad2:") for k in out), call.name
    a = kernel_calls.run_call(kernel_calls.CALLS[0], torch.device("cpu"), torch.float64, "contiguous")
    b = kernel_calls.run_call(kernel_calls.CALLS[0], torch.device("cpu"), torch.float64, "contiguous")
    assert all(torch.equal(a[k], b[k]) for k in a)  # inputs are seeded by the call's name


def _ctx(dry: bool, tmp_path: Path) -> "run_all.Context":
    ctx = run_all.Context(dry_run=dry, out=tmp_path, device="cpu" if dry else "cuda")
    ctx.budget = 40.0
    return ctx


@pytest.mark.parametrize("dry", [False, True], ids=["device", "dry_run"])
def test_every_benchmark_step_passes_valid_arguments(dry, tmp_path):
    benches = [s for s in run_all.steps() if s.script is not None]
    assert len(benches) >= 8 and len({s.name for s in run_all.steps()}) == len(run_all.steps())
    for step in benches:
        argv = step.argv(_ctx(dry, tmp_path))
        assert argv[1].endswith(f"{step.script}.py") and argv[argv.index("--device") + 1] == ("cpu" if dry else "cuda")
        args = load_benchmark(step.script).parse_args(argv[2:])  # argparse exits on a bad flag
        assert args.time_budget > 0 and str(args.out).endswith(f"{step.name}.json")


def test_adding_a_benchmark_step_is_one_line():
    step = run_all.bench("bench_losses", 30, "--repeats", "3", name="extra")
    assert step.name == "extra" and step.script == "bench_losses"
    assert step.argv(_ctx(False, Path("/x")))[-2:] == ["--repeats", "3"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal where no GPU is usable")
@pytest.mark.parametrize("script", ["bench_pixel_shuffle", "bench_losses", "bench_het_conv", "bench_models",
                                    "bench_eval"])
def test_benchmark_scripts_refuse_cuda_without_a_gpu(script, capsys):
    with pytest.raises(SystemExit) as e:
        load_benchmark(script).main(["--device", "cuda", "--quick"])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1 and "--device" in err[0] and "cuda" in err[0]
    with pytest.raises(SystemExit) as e:
        load_benchmark(script).main(["--device", "potato"])
    assert e.value.code == 2


def test_sanitizer_verdicts():
    ok = ("== control\n========= Invalid __global__ write of size 4 bytes\n========= ERROR SUMMARY: 64 errors\n"
          "== control exit 0\n== run\nok  x\n========= ERROR SUMMARY: 0 errors\n")
    v = run_all.parse_sanitizer_log("memcheck", ok)
    assert v == {"tool": "memcheck", "control_detected_planted_bug": True, "sanitizer_works": True,
                 "errors_reported": 0, "refused_or_unsupported": False}
    found = ok.replace("ERROR SUMMARY: 0 errors", "ERROR SUMMARY: 3 errors")
    assert run_all.parse_sanitizer_log("memcheck", found)["errors_reported"] == 3
    race = ("== control\n========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)\n== control exit 0\n"
            "== run\n========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)\n")
    assert run_all.parse_sanitizer_log("racecheck", race)["errors_reported"] == 0
    assert run_all.parse_sanitizer_log("racecheck", race)["sanitizer_works"]
    refused = "== control\n========= Error: Device not supported\n== control exit 1\n== run\n"
    v = run_all.parse_sanitizer_log("memcheck", refused)
    assert not v["sanitizer_works"] and v["refused_or_unsupported"] and v["errors_reported"] is None
    blind = "== control\n========= ERROR SUMMARY: 0 errors\n== control exit 0\n== run\n========= ERROR SUMMARY: 0 errors\n"
    assert not run_all.parse_sanitizer_log("memcheck", blind)["sanitizer_works"]  # missed the planted bug


@pytest.mark.slow
def test_dry_run(tmp_path):
    """``run_all.sh --dry-run`` on one step of each kind; every step of the full list is
    checked by the argument test above. Bounded: the run has its own deadline."""
    only = "environment,build,device_probe,cuda_tests,sanitize_memcheck,bench_losses"
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu" / "run_all.sh"), "--dry-run", "--out",
                           str(tmp_path), "--only", only, "--deadline", "240"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert sorted(os.listdir(tmp_path)) == ["gpu_run.tar.gz", "summary.json", "summary.txt"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    status = {r["step"]: r for r in summary["steps"]}
    assert list(status) == only.split(",") and summary["dry_run"]
    assert status["build"]["status"] == "skipped"
    assert all(r["status"] == "ok" for name, r in status.items() if name != "build"), status
    assert status["cuda_tests"]["collected"] >= 500  # every CUDA test carries the marker
    assert status["bench_losses"]["cases"] >= 1
    with tarfile.open(tmp_path / "gpu_run.tar.gz") as tar:
        names = set(tar.getnames())
        assert {"summary.json", "logs/cuda_tests.log", "results/bench_losses.json", "results/device_probe.json",
                "results/sanitize_memcheck.json"} <= names
        bench = json.load(tar.extractfile("results/bench_losses.json"))
    assert bench["machine"]["device"] == "cpu" and bench["results"]
    tail = proc.stdout.splitlines()[-len(status) - 2:]  # the summary table is printed last
    assert all(any(line.strip().startswith(name) for line in tail) for name in status), tail


def test_time_budget_skips_the_remaining_cases(tmp_path):
    import time

    harness = load_benchmark("harness")
    case = harness.Case(name="double", params={"n": 8},
                        make_inputs=lambda device, rg: (torch.randn(8, device=device).requires_grad_(rg),),
                        impls=(harness.Impl("ours", lambda x: x * 2), harness.Impl("eager", lambda x: x + x)))
    timing = harness.TimingConfig(0, 1, 0.1, 1)
    cfg = harness.RunConfig(device=torch.device("cpu"), timing=timing, verbose=False, deadline=time.monotonic() + 3600)
    late = harness.RunConfig(device=torch.device("cpu"), timing=timing, verbose=False, deadline=time.monotonic() - 1)
    results = harness.run_cases([case], cfg) + harness.run_cases([case, case], late)
    assert [r.skipped is None for r in results] == [True, False, False]
    report = harness.make_report("t", results, cfg)
    assert report["config"]["cases_skipped"] == 2
    assert report["results"][1]["skipped"].startswith("time budget") and report["results"][1]["modes"] == {}
    assert "skipped" not in report["results"][0]
    harness.write_json(tmp_path / "r.json", report)  # still valid JSON (no NaN)
    # a script stops starting cases once its budget is spent, and says so in its JSON
    out = tmp_path / "eval.json"
    assert load_benchmark("bench_eval").main(["--quick", "--no-compile", "--quiet", "--repeats", "1",
                                              "--time-budget", "0.001", "--out", str(out)]) == 0
    ev = json.loads(out.read_text())
    assert ev["config"]["cases_skipped"] == len(ev["results"]) == 10


def test_device_commands_of_the_build_and_sanitizer_steps(tmp_path, monkeypatch):
    import shlex

    import sanitize_kernels

    steps = {s.name: s for s in run_all.steps()}
    ctx = _ctx(False, tmp_path)
    build = " ".join(steps["build"].argv(ctx))
    assert "--no-build-isolation --no-deps" in build and "CMAKE_CUDA_ARCHITECTURES=90" in build
    assert "built_with_cuda" in build and steps["build"].env(ctx)["SRGAN_CPP_CUDA"] == "ON"
    assert steps["build"].argv(_ctx(True, tmp_path)) is None  # a dry run builds nothing
    monkeypatch.setattr(run_all, "_sanitizer_available", lambda: True)
    for tool in ("memcheck", "racecheck"):
        step = steps[f"sanitize_{tool}"]
        script = step.argv(ctx)[2]
        control, run = script.split("; echo '== run'; ")
        assert f"--tool {tool} --kernel-name kns=srgan_cpp" in control and "sanitizer_control.py" in control
        words = shlex.split(run)
        assert words[:3] == ["compute-sanitizer", "--tool", tool]
        at = next(i for i, w in enumerate(words) if w.endswith("sanitize_kernels.py"))
        args = sanitize_kernels.parse_args(words[at + 1:])
        assert args.device == "cuda" and args.time_budget > 0 and args.json.name == f"sanitize_{tool}.json"
        assert step.env(ctx) == {"PYTORCH_NO_CUDA_MEMORY_CACHING": "1"}
    monkeypatch.setattr(run_all, "_sanitizer_available", lambda: False)
    assert steps["sanitize_memcheck"].argv(ctx) is None  # absent on the device: skipped, and said so
    assert "not found" in steps["sanitize_memcheck"].skip_reason(ctx)
