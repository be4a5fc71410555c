"""torchrun splits a folder across processes; rank 0 reports every file (two CPU processes, gloo)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from srgan_cpp.upscale.distributed import World, current_world, shard
from upscale_helpers import random_image


def test_shard_and_world(monkeypatch):
    items = list(range(7))
    parts = [shard(items, World(r, 3)) for r in range(3)]
    assert sorted(sum(parts, [])) == items and all(len(p) in (2, 3) for p in parts)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert current_world() == World(1, 2, 1, 2)
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ValueError, match="RANK=2"):
        current_world()


def test_torchrun_two_cpu_processes(tmp_path, checkpoint):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        Image.fromarray(random_image(16, 20, seed=i)).save(src / f"img{i}.png")
    out, report = tmp_path / "out", tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                             "MASTER_PORT")}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "srgan_cpp",
           "upscale", str(src), "-o", str(out), "-m", checkpoint, "--json", str(report), "--no-progress",
           "--device", "cpu"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=280, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(report.read_text())
    assert data["processes"] == 2 and data["done"] == 5
    assert sorted(os.listdir(out)) == [f"img{i}.png" for i in range(5)]
    assert [os.path.basename(e["input"]) for e in data["files"]] == [f"img{i}.png" for i in range(5)]
    assert [e["rank"] for e in data["files"]] == [0, 1, 0, 1, 0]  # every other file, one process each
    assert proc.stdout.count("upscaled 5 image(s)") == 1  # one summary, from rank 0
