"""``srgan-cpp train``: one-line errors with exit 2, --dry-run, --list-recipes, --set,
--resume, and ``python -m srgan_cpp train`` in a fresh process."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from srgan_cpp.cli import main
from train_helpers import micro_config


def _write(tmp_path, cfg, name="cfg.yml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(cfg))
    return p


def _one_line_error(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("srgan-cpp train: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_user_errors_are_one_line_exit_2(capsys, tmp_path):
    cfg = _write(tmp_path, micro_config())
    assert "CONFIG: give either CONFIG or --recipe" in _one_line_error(capsys, ["train"])
    assert "CONFIG: " in _one_line_error(capsys, ["train", str(tmp_path / "nope.yml")])
    assert "--recipe: no recipe 'nope'" in _one_line_error(capsys, ["train", "--recipe", "nope"])
    assert "--device: 'gpu0' is not a device" in _one_line_error(capsys, ["train", str(cfg), "--device", "gpu0"])
    (tmp_path / "afile").write_text("x")
    assert "--out: " in _one_line_error(capsys, ["train", str(cfg), "--out", str(tmp_path / "afile")])
    err = _one_line_error(capsys, ["train", str(cfg), "--set", "stages.0.iterations=many"])
    assert "stages[0].iterations: expected an integer, got a string 'many'" in err
    assert "stages.7" in _one_line_error(capsys, ["train", str(cfg), "--set", "stages.7.iterations=1"])
    assert "amp: fp16 needs a CUDA device" in _one_line_error(capsys, ["train", str(cfg), "--amp", "fp16", "--out",
                                                                       str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()


def test_dry_run_and_list(capsys, tmp_path):
    cfg = _write(tmp_path, micro_config())
    assert main(["train", str(cfg), "--dry-run", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert [s["name"] for s in summary["stages"]] == ["psnr", "gan"] and "nothing trained" in out.err
    assert not (tmp_path / "run").exists()
    assert main(["train", "--list-recipes"]) == 0
    listed = capsys.readouterr().out
    assert "esrgan_tiny" in listed and "psrgan" in listed


def test_train_and_resume_from_the_command_line(capsys, tmp_path):
    cfg = micro_config(stages=[{"name": "psnr", "iterations": 2, "losses": {"pixel": {}}}])
    path = _write(tmp_path, cfg)
    run = tmp_path / "run"
    assert main(["train", str(path), "--out", str(run), "--quiet"]) == 0
    assert "done: 2 iterations" in capsys.readouterr().err
    assert (run / "cfg.yml").read_text() == path.read_text()  # the options as given, like BasicSR
    assert main(["train", str(path), "--out", str(run), "--set", "stages.0.iterations=3", "--resume", "auto",
                 "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "resuming from" in err and "done: 3 iterations" in err


@pytest.mark.slow
def test_python_m_srgan_cpp_train(tmp_path):
    path = _write(tmp_path, micro_config(stages=[{"name": "psnr", "iterations": 1, "losses": {"pixel": {}}}]))
    r = subprocess.run([sys.executable, "-m", "srgan_cpp", "train", str(path), "--out", str(tmp_path / "run"),
                        "--quiet"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "models" / "net_g_latest.pth").is_file()
    r = subprocess.run([sys.executable, "-m", "srgan_cpp", "train", str(path), "--set", "seed=x"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "seed: expected an integer" in r.stderr
