"""benchmarks/family_tiny_train.py and family_table.py run end to end on a tiny budget: the
tiny run reports its steps, CPU time and PSNRs, and the table reads it into its row."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _import(name: str):
    sys.path.insert(0, str(BENCH_DIR))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BENCH_DIR))


def test_tiny_run_and_table_row(tmp_path):
    tiny = _import("family_tiny_train")
    table = _import("family_table")
    run_json = tmp_path / "tiny.json"
    tiny.main(["--models", "FSRCNN", "--seconds", "0.5", "--out", str(run_json)])
    (run,) = json.loads(run_json.read_text())["runs"]
    assert run["model"] == "FSRCNN" and run["steps"] >= 1 and run["train_cpu_seconds"] >= 0.5
    assert 10 < run["psnr_y_bicubic"] < 50 and run["scale"] == 4
    report = table.main(["--models", "FSRCNN,VDSR", "--repeats", "1", "--tiny-json", str(run_json),
                         "--out", str(tmp_path / "table.json")])
    fsrcnn, vdsr = report["rows"]
    assert fsrcnn["num_params"] == 12_809 and fsrcnn["tiny"]["steps"] == run["steps"]
    # VDSR at 1280x720: 2 FLOPs per multiply-add of its 664,704 weights per pixel.
    assert abs(vdsr["gflops_320x180_x4"] - 2 * 664_704 * 1280 * 720 / 1e9) < 0.01
    assert vdsr["tiny"] is None
    rows = table.markdown_rows(report["rows"])
    assert rows[2].startswith("| FSRCNN |") and "not run" in rows[3]


def test_unknown_model_is_a_usage_error(capsys):
    tiny = _import("family_tiny_train")
    with pytest.raises(SystemExit) as e:
        tiny.main(["--models", "NoSuchNet"])
    assert e.value.code == 2
    assert "unknown ['NoSuchNet']" in capsys.readouterr().err
