"""benchmarks/bench_conv_ceiling.py runs at tiny sizes and writes well-formed JSON (no timing asserted)."""
from __future__ import annotations

import json
from pathlib import Path

from helpers.bench_loader import load_benchmark
from srgan_cpp.nn import winograd


def test_quick_run_writes_json(tmp_path: Path) -> None:
    bench = load_benchmark("bench_conv_ceiling")
    out = tmp_path / "ceiling.json"
    report = bench.main(["--quick", "--repeats", "2", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["benchmark"] == "conv_ceiling" and report["machine"]["cpu_count"] >= 1
    layouts = ["nchw", "channels_last", "onednn_blocked", "channels_last_batch4"] + (["winograd"] if winograd.is_enabled() else [])
    assert [r["layout"] for r in report["conv"]] == layouts
    assert all(r["ms_per_tile"] > 0 and r["gflops"] > 0 and r["tile"] == 32 for r in report["conv"])
    up = report["upscale"]
    assert up["input"] == [96, 64]
    assert up["timings_ms"]["peer_fp32"]["repeats"] == up["timings_ms"]["ours_fp32"]["repeats"] == 2
    assert 0 < up["convolution_share"] <= 1 and 0 <= up["prelu_share"] < 1 and 0 <= up["outside_recorded_ops_share"] < 1
    # the models' 3x3 convs run srgan_cpp's Winograd where it applies (recorded under its name)
    conv_op = "srgan_cpp::winograd_conv3x3" if winograd.is_enabled() else "aten::mkldnn_convolution"
    assert up["winograd"] == winograd.is_enabled() and conv_op in up["top_ops_self_s"]
    assert up["ceiling_speedup_vs_peer_fp32"] == up["peer_fp32_s"] / up["convolution_s_in_median"]
    assert up["ceiling_speedup_vs_peer_fp32"] >= up["speedup_vs_peer_fp32"]  # removing work cannot slow it
