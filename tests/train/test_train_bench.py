"""benchmarks/bench_train.py and run_tiny_recipes.py run end to end at tiny sizes: the
trainer's generator loss and gradients match the BasicSR-style loop's. No timing is asserted."""
from __future__ import annotations

import json

import pytest

from helpers.bench_loader import load_benchmark as _load


@pytest.mark.slow
def test_bench_train_quick(tmp_path):
    out = tmp_path / "train.json"
    _load("bench_train").main(["--preset", "quick", "--repeats", "1", "--no-memory", "--quiet", "--out", str(out)])
    report = json.loads(out.read_text())
    rows = {r["workload"]: r for r in report["results"]}
    assert set(rows) == {"esrgan", "srgan"}
    for name, r in rows.items():
        assert r["check"]["ok"], (name, r["check"])
        impls = r["implementations"]
        assert impls["basicsr"]["speedup_vs_basicsr"] == 1.0 and impls["ours"]["median_ms"] > 0
    assert rows["srgan"]["check"]["d_compared"] and not rows["esrgan"]["check"]["d_compared"]


@pytest.mark.slow
def test_run_tiny_recipes_script(tmp_path):
    out = tmp_path / "tiny.json"
    report = _load("run_tiny_recipes").main(["--recipes", "srcnn_tiny", "--set", "stages.0.iterations=3",
                                             "--set", "threads=1", "--out", str(out)])
    (row,) = report["results"]
    assert row["recipe"] == "srcnn_tiny" and row["iterations"] == 3
    assert row["before"] < row["after"] and row["bicubic"] > 20
    assert json.loads(out.read_text())["results"][0]["after"] == row["after"]
