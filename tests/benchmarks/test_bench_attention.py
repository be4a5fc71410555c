"""benchmarks/bench_attention.py runs end to end at tiny sizes: every attention case matches
the eager composite (outputs and gradients). No timing is asserted."""
from __future__ import annotations

import json

from helpers.bench_loader import load_benchmark


def test_attention_quick_run_matches_eager(tmp_path):
    bench = load_benchmark("bench_attention")
    out = tmp_path / "attention.json"
    bench.main(["--quick", "--no-compile", "--quiet", "--repeats", "1", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "attention"
    seen = set()
    for r in report["results"]:
        seen.add((r["case"], r["params"]["layout"]))
        for mode in ("forward", "forward_backward"):
            impls = r["modes"][mode]["implementations"]
            assert impls["ours"]["error"] is None and impls["ours"]["median_ms"] > 0
            assert impls["ours"]["matches_baseline"], (r["case"], r["params"], mode)
    assert seen == {(c, layout) for c in bench.FAMILIES for layout in bench.LAYOUTS}
