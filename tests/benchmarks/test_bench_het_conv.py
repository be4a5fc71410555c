"""bench_het_conv runs end to end (tiny sizes, no compile) and every implementation that
computes HetConv matches the masked dense conv. No timing is asserted."""
from __future__ import annotations

import json

from helpers.bench_loader import load_benchmark


def test_quick_run_writes_json_and_implementations_agree(tmp_path):
    bench = load_benchmark("bench_het_conv")
    out = tmp_path / "het.json"
    bench.main(["--quick", "--no-compile", "--quiet", "--repeats", "1", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "het_conv" and len(report["results"]) == 2
    for result in report["results"]:
        assert result["baseline"] == "masked_dense"
        for mode, m in result["modes"].items():
            impls = m["implementations"]
            assert impls["compile_b"]["error"].startswith("skipped")
            for name in ("ours", "grouped_1x1", "alt_exact"):
                assert impls[name]["error"] is None and impls[name]["matches_baseline"], (mode, name)
                assert impls[name]["median_ms"] > 0
            # The dense conv has its own weight: same forward, different weight gradient.
            assert impls["dense"]["matches_baseline"] == (mode == "forward")
