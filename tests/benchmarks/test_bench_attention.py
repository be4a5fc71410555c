"""benchmarks/bench_attention.py and bench_family.py run end to end at tiny sizes: every
attention case matches the eager composite (outputs and gradients); the family table has a
row per model with its parameter count and a positive FLOP count. No timing is asserted."""
from __future__ import annotations

import json

from helpers.bench_loader import load_benchmark
from srgan_cpp import models


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


def test_family_quick_run_counts_parameters_and_flops(tmp_path):
    bench = load_benchmark("bench_family")
    out = tmp_path / "family.json"
    bench.main(["--quick", "--out", str(out)])
    report = json.loads(out.read_text())
    rows = {r["model"]: r for r in report["rows"]}
    assert set(rows) == set(bench.ROWS)
    for name, r in rows.items():
        model = getattr(models, name)(**r["kwargs"])
        assert r["params"] == sum(p.numel() for p in model.parameters())
        assert r["gflops"] >= 0 and r["cpu_ms"] > 0
        h, w = r["input"][2:]
        s = 1 if bench.ROWS[name].pre_upsampled else r["scale"]
        assert r["output"] == [1, r["input"][1], h * s, w * s]
