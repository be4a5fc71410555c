"""The benchmark harness runs and writes well-formed JSON. No timing is asserted."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest
import torch

from helpers.bench_loader import load_benchmark


harness = load_benchmark("harness")
bench = load_benchmark("bench_pixel_shuffle")

IMPLS = {"ours", "eager", "compile"}
MODES = {"forward", "forward_backward"}


def _is_positive_float(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v) and v > 0


def _entries(report: Dict[str, Any]) -> Iterator[Tuple[Dict[str, Any], str, Dict[str, Any]]]:
    for result in report["results"]:
        for mode, m in result["modes"].items():
            yield result, mode, m


def _check_structure(report: Dict[str, Any], expect_compile: bool) -> None:
    assert report["schema_version"] == 1 and report["benchmark"] == "pixel_shuffle"
    machine = report["machine"]
    for key in ("cpu_model", "cpu_count", "torch_num_threads", "torch_version", "date", "device", "device_name"):
        assert key in machine
    assert machine["torch_version"] == torch.__version__
    assert report["config"]["timing"]["repeats"] >= 1
    for result, mode, m in _entries(report):
        assert set(result["params"]) == {"shape", "r", "dtype", "layout"}
        assert mode in MODES and set(m["implementations"]) == IMPLS
        assert set(m["ratios"]) == {"ours_vs_eager", "ours_vs_compile"}
        for name, impl in m["implementations"].items():
            if impl["error"] is None:
                for stat in ("median_ms", "q1_ms", "q3_ms", "min_ms", "mean_ms"):
                    assert _is_positive_float(impl[stat]), (name, stat, impl)
                assert impl["iqr_ms"] >= 0 and impl["repeats"] >= 1 and impl["inner_loops"] >= 1
                assert impl["matches_baseline"] is True, (result["case"], result["params"], mode, name)
            else:
                assert isinstance(impl["error"], str) and impl["error"]
                assert "median_ms" not in impl
        if not expect_compile:
            assert m["implementations"]["compile"]["error"].startswith("skipped")
            assert m["ratios"]["ours_vs_compile"] is None
        elif m["implementations"]["compile"]["error"] is None:
            assert _is_positive_float(m["implementations"]["compile"]["compile_s"])
            assert _is_positive_float(m["ratios"]["ours_vs_compile"])


def test_quick_run_writes_complete_json(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    returned = bench.main(["--quick", "--no-compile", "--quiet", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report == json.loads(json.dumps(returned, default=str))
    _check_structure(report, expect_compile=False)
    seen = {(r["case"], r["params"]["layout"]) for r in report["results"]}
    assert seen == {(f, layout) for f in bench.FAMILIES for layout in bench.LAYOUTS}
    for result, mode, m in _entries(report):
        assert {m2 for m2 in result["modes"]} == MODES
        # ours and eager must run everywhere; their ratio is a positive float.
        assert m["implementations"]["ours"]["error"] is None, (result["case"], mode, m["implementations"]["ours"])
        assert m["implementations"]["eager"]["error"] is None
        assert _is_positive_float(m["ratios"]["ours_vs_eager"])


@pytest.mark.slow
def test_quick_run_with_torch_compile(tmp_path: Path) -> None:
    """torch.compile is warmed up and timed, or its failure is recorded (never raised)."""
    out = tmp_path / "compile.json"
    bench.main(["--quick", "--quiet", "--cases", "shuffle_prelu", "--layouts", "channels_last", "--out", str(out)])
    report = json.loads(out.read_text())
    _check_structure(report, expect_compile=True)
    assert len(report["results"]) == 1


def test_compile_failure_is_recorded_not_raised() -> None:
    def ours(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    def eager(x: torch.Tensor) -> torch.Tensor:
        return x + x

    def breaks_graph(x: torch.Tensor) -> torch.Tensor:
        torch._dynamo.graph_break()
        return x + x

    case = harness.Case(
        name="double",
        params={"n": 64},
        make_inputs=lambda device, rg: (torch.randn(64, device=device).requires_grad_(rg),),
        impls=(
            harness.Impl("ours", ours),
            harness.Impl("eager", eager),
            harness.Impl("compile", breaks_graph, compiled=True, compile_kwargs={"fullgraph": True, "backend": "eager"}),
        ),
    )
    cfg = harness.RunConfig(device=torch.device("cpu"), timing=harness.TimingConfig(1, 2, 0.1, 2), verbose=False)
    (result,) = harness.run_cases([case], cfg)
    for mode in harness.MODES:
        m = result.modes[mode]
        assert m.impls["compile"].timing is None and m.impls["compile"].error
        assert m.ratios["ours_vs_compile"] is None
        assert _is_positive_float(m.ratios["ours_vs_eager"])
        assert m.impls["ours"].matches_baseline is True
    assert "ERROR" in harness.format_table([result])
    assert "compile [forward]" in harness.format_errors([result])


def test_wrong_implementation_is_flagged() -> None:
    case = harness.Case(
        name="wrong",
        params={},
        make_inputs=lambda device, rg: (torch.randn(8, device=device).requires_grad_(rg),),
        impls=(harness.Impl("ours", lambda x: x * 3), harness.Impl("eager", lambda x: x * 2)),
    )
    cfg = harness.RunConfig(device=torch.device("cpu"), timing=harness.TimingConfig(0, 1, 0.1, 1), verbose=False)
    (result,) = harness.run_cases([case], cfg)
    for m in result.modes.values():
        assert m.impls["ours"].matches_baseline is False and m.impls["ours"].max_abs_diff > 0
        assert m.impls["eager"].matches_baseline is True
    assert "!" in harness.format_table([result])


def test_timing_statistics() -> None:
    t = harness.Timing.from_samples([4.0, 1.0, 3.0, 2.0, 5.0], inner_loops=7)
    assert (t.median_ms, t.min_ms, t.mean_ms, t.repeats, t.inner_loops) == (3.0, 1.0, 3.0, 5, 7)
    assert (t.q1_ms, t.q3_ms, t.iqr_ms) == (2.0, 4.0, 2.0)
    one = harness.Timing.from_samples([1.5], inner_loops=1)
    assert one.iqr_ms == 0.0 and one.median_ms == 1.5
    calls = []
    timing = harness.time_callable(lambda: calls.append(1), harness.TimingConfig(2, 3, 0.0, 1), torch.device("cpu"))
    assert timing.repeats == 3 and len(calls) == 2 + 1 + 3  # warmup, calibration, samples


def test_speed_ratio_definition() -> None:
    def res(ms: float) -> Any:
        return harness.ImplResult(timing=harness.Timing.from_samples([ms], 1))

    ratios = harness.speed_ratios({"ours": res(2.0), "eager": res(6.0), "compile": harness.ImplResult(error="x")})
    assert ratios == {"ours_vs_eager": 3.0, "ours_vs_compile": None}


def test_tolerance_allows_reduction_rounding_not_wrong_values() -> None:
    ref = torch.tensor([3139.7652, 0.5, -2.0])
    _, rel, close = harness._tensor_diff(ref + torch.tensor([0.03, 0.0, 0.0]), ref)  # reordered big sum
    assert close and 0 < rel < 1e-4
    assert not harness._tensor_diff(ref + torch.tensor([0.0, 0.5, 0.0]), ref)[2]  # a wrong element
    nan = torch.tensor([float("nan"), 1.0, float("inf")])
    assert harness._tensor_diff(nan, nan.clone()) == (0.0, 0.0, True)
    assert not harness._tensor_diff(nan, torch.tensor([1.0, 1.0, float("inf")]))[2]
    assert not harness._tensor_diff(nan, torch.tensor([float("nan"), 1.0, float("-inf")]))[2]
    assert not harness._tensor_diff(torch.tensor([float("inf")]), torch.tensor([float("nan")]))[2]
    assert not harness._tensor_diff(ref, ref.double())[2]
