"""benchmarks/bench_lista_shrinkage.py runs end to end (tiny sizes, no compile) and reports
every case with outputs and gradients matching the eager baseline."""
from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def test_quick_run_writes_matching_results(tmp_path):
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import bench_lista_shrinkage
    finally:
        sys.path.remove(str(BENCH_DIR))
    out = tmp_path / "lista.json"
    bench_lista_shrinkage.main(["--quick", "--no-compile", "--quiet", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "lista_shrinkage"
    assert {r["params"]["layout"] for r in report["results"]} == {"nchw", "channels_last"}
    for r in report["results"]:
        for mode in ("forward", "forward_backward"):
            impls = r["modes"][mode]["implementations"]
            assert impls["ours"]["error"] is None and impls["ours"]["median_ms"] > 0
            assert impls["ours"]["matches_baseline"], (r["params"], mode)
