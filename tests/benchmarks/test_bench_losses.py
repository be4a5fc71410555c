"""benchmarks/bench_losses.py runs end to end (tiny sizes, no compile) and reports every
case with outputs and gradients matching the eager baseline."""
from __future__ import annotations

import json

from helpers.bench_loader import load_benchmark


def test_quick_run_writes_matching_results(tmp_path):
    bench_losses = load_benchmark("bench_losses")
    out = tmp_path / "losses.json"
    bench_losses.main(["--quick", "--no-compile", "--quiet", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "losses"
    cases = {r["case"] for r in report["results"]}
    assert cases == {"gradient_cosine", "ragan"}
    for r in report["results"]:
        for mode in ("forward", "forward_backward"):
            impls = r["modes"][mode]["implementations"]
            assert impls["ours"]["error"] is None and impls["ours"]["median_ms"] > 0
            assert impls["ours"]["matches_baseline"], (r["case"], r["params"], mode)
