"""torchrun: two CPU processes (gloo, loopback) train with DistributedDataParallel, rank 0
alone logs and writes, and the run resumes on one process (another world size). With the
same global batch the result equals a one-process run up to float rounding."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
import yaml

from srgan_cpp.train import Trainer
from srgan_cpp.train.checkpoint import CheckpointStore
from train_helpers import load_weights, micro_config


def _config(gan_iterations: int, batch: int):
    cfg = micro_config(stages=[
        {"name": "psnr", "iterations": 3, "losses": {"pixel": {"type": "l1"}}, "optim_g": {"lr": 1e-3}},
        {"name": "gan", "iterations": gan_iterations, "losses": {"pixel": {"weight": 0.1},
                                                                 "adversarial": {"type": "vanilla", "weight": 0.01}}},
    ], checkpoint={"every": 1})
    cfg["data"]["batch_size"] = batch
    return cfg


@pytest.mark.slow
def test_torchrun_two_cpu_processes_then_resume_on_one(tmp_path):
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(_config(gan_iterations=1, batch=1)))
    run = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "srgan_cpp", "train", str(path), "--out", str(run), "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    recs = [json.loads(line) for line in open(run / "metrics.jsonl")]
    train_iters = [x["iter"] for x in recs if x["kind"] == "train"]
    assert train_iters == sorted(set(train_iters))  # one writer: no line twice
    state = CheckpointStore.load(CheckpointStore(str(run)).latest())
    assert state["iteration"] == 4 and state["world_size"] == 2 and len(state["rng"]) == 2
    assert state["stream_position"] == 2  # the GAN stage consumed one global batch of 2

    # resume the same run on one process, batch 2 (the same global batch), to the end
    resumed = Trainer(_config(gan_iterations=3, batch=2), out_dir=run, resume="auto").fit()
    assert resumed.iterations == 6
    straight = Trainer(_config(gan_iterations=3, batch=2), out_dir=tmp_path / "straight").fit()
    a = load_weights(tmp_path / "straight")["params"]
    b = load_weights(run)["params"]
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst < 1e-4, worst
    assert straight.iterations == 6
    assert all(torch.isfinite(v).all() for v in b.values())
