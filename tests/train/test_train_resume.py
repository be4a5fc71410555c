"""Exact resume: N iterations, a checkpoint, resume to 2N gives bit for bit the weights of
2N iterations in one go (CPU), wherever the run was cut - inside a stage or at a stage
boundary - and checkpoints are written atomically."""
from __future__ import annotations

import json
import os

import pytest
import torch

from srgan_cpp.train import ConfigError, Hook, Trainer, TrainingError
from srgan_cpp.train.checkpoint import CheckpointStore
from train_helpers import load_weights, micro_config, state_dicts_equal


class StopAt(Hook):
    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def on_step_end(self, trainer, info) -> None:
        if info.iteration == self.iteration:
            trainer.request_stop()


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The uninterrupted run (3 + 4 iterations) everything is compared with."""
    run = tmp_path_factory.mktemp("straight") / "run"
    result = Trainer(micro_config(), out_dir=run).fit()
    assert result.iterations == 7 and not result.stopped
    return run


def _same_as(straight, run):
    a, b = load_weights(straight), load_weights(run)
    for key in ("params", "params_ema"):
        assert state_dicts_equal(a[key], b[key]) == [], key
    assert state_dicts_equal(load_weights(straight, "net_d_latest.pth")["params"],
                             load_weights(run, "net_d_latest.pth")["params"]) == []


@pytest.mark.parametrize("stop", [2, 3, 5])  # inside stage 1, at its end, inside the GAN stage
def test_resume_is_bit_exact(straight, tmp_path, stop):
    run = tmp_path / "run"
    first = Trainer(micro_config(), out_dir=run, hooks=[StopAt(stop)]).fit()
    assert first.iterations == stop and first.stopped == (stop != 7)
    assert CheckpointStore(str(run)).list()[-1][0] == stop
    second = Trainer(micro_config(), out_dir=run, resume="auto").fit()
    assert second.iterations == 7 and not second.stopped
    _same_as(straight, run)
    # the metrics file holds each iteration once
    iters = [json.loads(line)["iter"] for line in open(run / "metrics.jsonl") if '"kind": "train"' in line]
    assert iters == sorted(set(iters))


def test_resume_from_a_checkpoint_path_and_keep_last(straight, tmp_path):
    run = tmp_path / "run"
    cfg = micro_config(checkpoint={"every": 1, "keep_last": 2})
    Trainer(cfg, out_dir=run, hooks=[StopAt(4)]).fit()
    store = CheckpointStore(str(run))
    assert [it for it, _ in store.list()] == [3, 4]  # older ones pruned
    assert not [n for n in os.listdir(store.root) if n.startswith(".")]
    # resume from an explicit checkpoint folder (the older one) into the same run folder
    Trainer(cfg, resume=os.path.join(store.root, "3")).fit()
    _same_as(straight, run)


def test_resume_refuses_another_architecture(tmp_path):
    run = tmp_path / "run"
    Trainer(micro_config(), out_dir=run, hooks=[StopAt(2)]).fit()
    other = micro_config(generator={"type": "MSRResNet", "num_feat": 8, "num_block": 1})
    with pytest.raises(ConfigError, match=r"--resume: checkpoint .* holds a generator .*RRDBNet.*MSRResNet"):
        Trainer(other, out_dir=run, resume="auto").fit()
    with pytest.raises(ConfigError, match="not a checkpoint or run folder"):
        Trainer(micro_config(), out_dir=run, resume=str(tmp_path / "nothing")).fit()


def test_auto_resume_without_checkpoint_starts_fresh_and_archives(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine")
    cfg = micro_config(stages=[{"name": "psnr", "iterations": 2, "losses": {"pixel": {}}}])
    result = Trainer(cfg, out_dir=run, resume="auto").fit()
    assert result.iterations == 2
    archived = [p for p in tmp_path.iterdir() if p.name.startswith("run_archived_")]
    assert len(archived) == 1 and (archived[0] / "notes.txt").read_text() == "mine"  # nothing the user had is lost


def test_full_disk_while_checkpointing_keeps_the_previous_one(tmp_path, monkeypatch):
    import srgan_cpp.train.checkpoint as ck

    run = tmp_path / "run"
    cfg = micro_config(checkpoint={"every": 1})
    real_save = torch.save
    calls = {"n": 0}

    def flaky_save(obj, f, *a, **k):
        if isinstance(obj, dict) and obj.get("format") == ck.FORMAT:
            calls["n"] += 1
            if calls["n"] == 2:
                real_save(obj, f, *a, **k)  # part of the file is written, then the disk is full
                raise OSError(28, "No space left on device")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(ck.torch, "save", flaky_save)
    with pytest.raises(TrainingError, match=r"No space left on device.*last complete checkpoint: .*training_states/1"):
        Trainer(cfg, out_dir=run).fit()
    store = CheckpointStore(str(run))
    assert [it for it, _ in store.list()] == [1]
    assert CheckpointStore.load(store.latest())["iteration"] == 1
    assert not [n for n in os.listdir(store.root) if n.startswith(".tmp")]
