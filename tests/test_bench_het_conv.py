"""bench_het_conv runs end to end (tiny sizes, no compile) and every implementation that
computes HetConv matches the masked dense conv. No timing is asserted."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_json_and_implementations_agree(tmp_path):
    bench = _load("bench_het_conv")
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
