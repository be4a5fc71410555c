"""benchmarks/bench_upscale.py runs end to end at tiny sizes; the RealESRGANer
re-implementation computes what the model computes. No timing is asserted."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers.bench_loader import load_benchmark  # noqa: E402


def test_realesrganer_reference_matches_the_model_untiled_and_pastes_tiles():
    bench = load_benchmark("bench_upscale")
    model, _ = bench.make_model("srvgg_tiny")
    img = bench.photo(40, 30)
    peer = bench.RealESRGANer(4, model, tile=0, pre_pad=0, device=torch.device("cpu"))
    out = peer.enhance(np.ascontiguousarray(img[:, :, ::-1]))[:, :, ::-1]
    with torch.no_grad():
        ref = model(torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255)[0].clamp(0, 1)
    np.testing.assert_array_equal(out, (ref.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    tiled = bench.RealESRGANer(4, model, tile=16, tile_pad=10, pre_pad=0, device=torch.device("cpu"))
    assert tiled.enhance(np.ascontiguousarray(img[:, :, ::-1])).shape == (120, 160, 3)


def test_quick_run(tmp_path):
    bench = load_benchmark("bench_upscale")
    out = tmp_path / "upscale.json"
    bench.main(["--quick", "--quiet", "--skip", "memory", "--out", str(out)])
    report = json.loads(out.read_text())
    assert report["benchmark"] == "upscale" and report["machine"]["torch_version"]
    for case in report["throughput"]:
        impls = case["implementations"]
        assert {"peer_fp32", "ours_fp32", "ours_auto"} <= set(impls)
        assert impls["ours_fp32"]["images_per_s"] > 0
        assert impls["peer_fp32"]["max_abs_diff_vs_ours_fp32"] <= 2  # same model: near-identical outputs
    for row in report["quality"]:
        assert abs(row["delta_db"]) < 0.5 and row["psnr_bf16_vs_fp32_db"] > 35
    assert {r["weights"] for r in report["seams"]} == {"self-made", "random init"}
    mem = bench.memory_child({"impl": "ours_fp32", "model": "srvgg_tiny", "size": [64, 48], "tile": 32,
                              "device": "cpu"})
    assert mem["output_shape"] == [192, 256, 3] and mem["peak_rss_increase_bytes"] >= 0
