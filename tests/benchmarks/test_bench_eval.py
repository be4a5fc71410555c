"""benchmarks/bench_eval.py runs at a tiny size and writes well-formed JSON (no timing asserted)."""
from __future__ import annotations

import json
from pathlib import Path

from helpers.bench_loader import load_benchmark


def test_quick_run_writes_json(tmp_path: Path) -> None:
    bench = load_benchmark("bench_eval")
    out = tmp_path / "eval.json"
    assert bench.main(["--quick", "--no-compile", "--quiet", "--repeats", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["benchmark"] == "eval" and report["machine"]["cpu_count"] >= 1
    cases = report["results"]
    assert [c["params"]["op"] for c in cases] == ["down x2", "down x3", "down x4", "up x4"] * 2 + ["SSIM rgb", "SSIM y"]
    for c in cases:
        assert set(c["timings"]) >= {"cpp", "torch", "numpy"}
        for t in c["timings"].values():
            assert t["median_ms"] > 0
        # every implementation computes the same thing
        tol = 0 if c["params"]["dtype"] == "uint8" and c["case"] == "imresize" else 1e-9
        assert max(c["max_abs_diff_vs_cpp"].values()) <= tol, c
    assert "| down x4 | uint8 |" in bench.format_table(cases)
