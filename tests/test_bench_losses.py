"""benchmarks/bench_losses.py runs end to end (tiny sizes, no compile) and reports every
case with outputs and gradients matching the eager baseline."""
from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def test_quick_run_writes_matching_results(tmp_path):
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import bench_losses
    finally:
        sys.path.remove(str(BENCH_DIR))
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
