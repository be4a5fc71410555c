"""benchmarks/bench_models.py runs end to end at tiny sizes (channels_last, no compile): for
every generator the C++ model's output, loss and parameter gradients match the plain-PyTorch
reference with the same weights. No timing is asserted."""
from __future__ import annotations

import json

from helpers.bench_loader import load_benchmark


def test_quick_run_every_model_matches_reference(tmp_path):
    bench = load_benchmark("bench_models")
    out = tmp_path / "models.json"
    bench.main(["--quick", "--channels-last", "--quiet", "--repeats", "1", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "models"
    expected = set(bench.model_specs(1))
    assert {"MSRResNet", "RRDBNet", "SRVGGNetCompact", "EDSR", "SRCNN"} <= expected
    seen = set()
    for result in report["results"]:
        params = result["params"]
        assert params["layout"] == "channels_last" and params["dtype"] == "float32"
        seen.add((result["case"], params["model"]))
        (mode, m), = result["modes"].items()
        assert mode == ("forward" if result["case"] == "inference" else "forward_backward")
        impls = m["implementations"]
        assert impls["compile"]["error"].startswith("skipped")
        for name in ("ours", "eager"):
            assert impls[name]["error"] is None and impls[name]["matches_baseline"], (result["case"], params, name)
            assert impls[name]["median_ms"] > 0
        if result["case"] == "train_step":
            assert params["grads_match"] is True and params["grad_max_rel_diff"] < 1e-3, params
    assert seen == {(c, n) for c in ("inference", "train_step") for n in expected}
