"""benchmarks/run_tiny_recipes.py and bench_family.py run end to end at tiny sizes: a tiny
recipe's run reports PSNR / SSIM against bicubic and its CPU time, and the family table
reads it into its row; every row's parameter count is its model's and the FLOP count is
scaled to 320x180 exactly. No timing is asserted."""
from __future__ import annotations

import json

import pytest

from helpers.bench_loader import load_benchmark
from srgan_cpp import models


def test_tiny_run_feeds_the_family_table(tmp_path):
    run_json = tmp_path / "tiny.json"
    tiny = load_benchmark("run_tiny_recipes").main(["--recipes", "fsrcnn_tiny", "--set", "stages.0.iterations=2",
                                                    "--out", str(run_json)])
    (run,) = tiny["results"]
    assert run["model"] == "FSRCNN" and run["iterations"] == 2 and run["scale"] == 4 and run["cpu_seconds"] > 0
    assert run["num_params"] == 12_809 and tiny["threads"] == 1
    assert 20 < run["psnr_y_bicubic"] < 40 and 0 < run["ssim_y_bicubic"] < 1 and 0 < run["ssim_y_after"] < 1
    bench = load_benchmark("bench_family")
    report = bench.main(["--quick", "--models", "FSRCNN,VDSR", "--repeats", "1", "--tiny-json", str(run_json),
                         "--out", str(tmp_path / "table.json")])
    fsrcnn, vdsr = report["rows"]
    assert fsrcnn["tiny"]["iterations"] == 2 and vdsr["tiny"] is None
    # VDSR (4 filters, 3 layers: 216 weights) on the bicubic-upscaled 1280x720 image
    assert abs(vdsr["gflops_320x180"] - 2 * 216 * 1280 * 720 / 1e9) < 1e-4
    table = report["markdown"]
    assert table[2].startswith("| FSRCNN |") and "`fsrcnn_tiny` x4, 2 its" in table[2] and "not run" in table[3]
    assert json.loads((tmp_path / "table.json").read_text())["rows"][0]["params"] == fsrcnn["params"]


def test_every_family_row_quick(tmp_path):
    bench = load_benchmark("bench_family")
    report = bench.main(["--quick", "--repeats", "1", "--tiny-json", "--out", str(tmp_path / "family.json")])
    rows = {r["model"]: r for r in report["rows"]}
    assert set(rows) == set(bench.ROWS) >= {"SRCNN", "EDSR", "SCN", "FSRCNN", "DRCN", "VDSR", "LapSRN", "DRRN", "RDN",
                                           "RCAN", "PAN"}
    for name, r in rows.items():
        model = models.registry.build(name, **r["kwargs"])
        assert r["params"] == sum(p.numel() for p in model.parameters())
        assert r["gflops_320x180"] > 0 and r["cpu_ms"] >= 0
        h, w = r["time_input"][2:]
        s = 1 if r["pre_upsampled"] else r["scale"]
        assert r["time_output"] == [1, r["channels"], h * s, w * s]
        assert models.describe(model).scale == s  # the registry's geometry agrees with the table's input


@pytest.mark.parametrize("script, argv, message", [
    ("bench_family", ["--models", "NoSuchNet"], "unknown ['NoSuchNet']"),
    ("run_tiny_recipes", ["--recipes", "nope_tiny"], "unknown ['nope_tiny']"),
])
def test_unknown_names_are_usage_errors(capsys, script, argv, message):
    with pytest.raises(SystemExit) as e:
        load_benchmark(script).main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err
