"""The Trainer's features on micro runs: the run folder (BasicSR layout, weights that
srgan_cpp.models.load reads), validation and best tracking, hooks, interpolation, WGAN-GP,
D warm-up and D steps, frozen layers, NaN/Inf skipping, AMP bf16, bad runtime settings."""
from __future__ import annotations

import json
import math
import os

import pytest
import torch

from srgan_cpp import models
from srgan_cpp.train import ConfigError, Hook, Trainer, TrainingError, load_config
from train_helpers import MICRO_G, load_weights, micro_config

VAL = {"sets": [{"type": "bundled", "include": ["astronaut"]}], "every": 2, "at_start": True, "grid_images": 1,
       "grid_crop": 32}


class Recorder(Hook):
    def __init__(self):
        self.events = []

    def on_fit_start(self, trainer):
        self.events.append("fit_start")

    def on_stage_start(self, trainer, stage):
        self.events.append(f"stage_start:{stage.name}")

    def on_step_end(self, trainer, info):
        self.events.append(f"step:{info.iteration}:{info.stage_iteration}")
        assert all(math.isfinite(v) for v in info.values().values())

    def on_validation(self, trainer, iteration, metrics):
        self.events.append(f"val:{iteration}")

    def on_checkpoint(self, trainer, iteration, path):
        self.events.append(f"ckpt:{iteration}")

    def on_stage_end(self, trainer, stage):
        self.events.append(f"stage_end:{stage.name}")

    def on_fit_end(self, trainer, result):
        self.events.append("fit_end")


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("full") / "experiments" / "micro"
    cfg = micro_config(val=VAL, interpolate=[{"a": "psnr", "b": "gan", "alpha": [0.5]}],
                       log={"every": 2, "progress": "off", "plot": True})
    rec = Recorder()
    result = Trainer(cfg, out_dir=run, hooks=[rec]).fit()
    return run, result, rec


def test_run_folder_layout(full_run):
    run, result, _ = full_run
    assert result.iterations == 7 and result.run_dir == str(run)
    names = {p.name for p in run.iterdir()}
    assert {"config_resolved.yml", "models", "training_states", "visualization", "metrics.jsonl",
            "loss_curves.png"} <= names
    assert any(n.startswith("train_micro_") and n.endswith(".log") for n in names)
    m = {p.name for p in (run / "models").iterdir()}
    assert {"net_g_3.pth", "net_g_7.pth", "net_g_latest.pth", "net_d_7.pth", "net_d_latest.pth", "net_g_7.safetensors",
            "net_g_stage_psnr.pth", "net_g_stage_gan.pth", "net_g_best.pth",
            "net_g_interp_psnr_gan_0.5.pth"} <= m
    # BasicSR's layout: {params, params_ema}; srgan_cpp.models.load reads it (params_ema preferred)
    w = load_weights(run)
    assert set(w) == {"params", "params_ema", "arch"}  # + the architecture record, which BasicSR ignores
    g = models.load(run / "models" / "net_g_latest.pth")
    assert type(g).__name__ == "RRDBNet" and all(torch.equal(a, w["params_ema"][k]) for k, a in g.state_dict().items())
    st = models.load(run / "models" / "net_g_7.safetensors")
    assert type(st).__name__ == "RRDBNet"
    assert (run / "training_states" / "7" / "state.pt").is_file()
    assert sorted(p.name for p in (run / "visualization").iterdir())[0] == "val_00000000.png"


def test_metrics_file_and_validation(full_run):
    run, result, _ = full_run
    recs = [json.loads(line) for line in open(run / "metrics.jsonl")]
    kinds = [r["kind"] for r in recs]
    assert kinds[:2] == ["val", "stage_start"] and kinds[-1] == "end"  # validation before training first
    train = [r for r in recs if r["kind"] == "train"]
    assert {"l_g_pix", "l_g_total"} <= set(train[0]["losses"]) and train[0]["lr"] > 0
    gan = [r for r in train if r["stage"] == "gan"]
    assert {"l_g_gan", "l_d", "out_d_real", "out_d_fake"} <= set(gan[-1]["losses"])
    assert all(r["step_time"] > 0 and r["peak_mem_mb"] > 0 for r in train)
    assert "g" in train[0]["grad_norm"]
    vals = [r for r in recs if r["kind"] == "val"]
    assert [v["iter"] for v in vals] == [0, 2, 3, 4, 6, 7]
    for v in vals:
        assert {"psnr_y", "ssim_y", "psnr_rgb", "ssim_rgb", "bicubic/psnr_y"} <= set(v["metrics"])
    assert result.first_val["psnr_y"] == vals[0]["metrics"]["psnr_y"]
    assert result.last_val["psnr_y"] == vals[-1]["metrics"]["psnr_y"]
    best = max(vals[1:], key=lambda v: v["metrics"]["psnr_y"])
    assert result.best == {"metric": "psnr_y", "value": best["metrics"]["psnr_y"], "iteration": best["iter"]}


def test_hooks_order(full_run):
    _, _, rec = full_run
    ev = rec.events
    assert ev[0] == "fit_start" and ev[-1] == "fit_end"
    assert ev.index("stage_start:psnr") < ev.index("step:1:1") < ev.index("stage_end:psnr") < ev.index("stage_start:gan")
    assert "step:4:1" in ev and "ckpt:3" in ev and "ckpt:7" in ev and ev.count("val:0") == 1


def test_interpolation_matches_models_interpolate(full_run):
    run, _, _ = full_run
    a = models.RRDBNet(**{k: v for k, v in MICRO_G.items() if k != "type"})
    b = models.RRDBNet(**{k: v for k, v in MICRO_G.items() if k != "type"})
    a.load_state_dict(load_weights(run, "net_g_stage_psnr.pth")["params_ema"])
    b.load_state_dict(load_weights(run, "net_g_stage_gan.pth")["params_ema"])
    want = models.interpolate(a, b, 0.5).state_dict()
    got = load_weights(run, "net_g_interp_psnr_gan_0.5.pth")["params"]
    assert all(torch.equal(want[k], got[k]) for k in want)


def _micro_stage(**kw):
    stage = {"name": "gan", "iterations": 4, "losses": {"pixel": {"weight": 0.01},
                                                         "adversarial": {"type": "wgan", "weight": 1e-3, "gp_weight": 10}}}
    stage.update(kw)
    return stage


def test_wgan_gp_with_critic_steps_and_warmup(tmp_path):
    cfg = micro_config(stages=[_micro_stage(d_steps=2, d_warmup=2)],
                       discriminator={"type": "HetSRWGANCritic", "num_feat": 8, "num_stages": 3})
    rec = []

    class Steps(Hook):
        def on_step_end(self, trainer, info):
            rec.append((info.stage_iteration, info.result.g_stepped, info.result.d_stepped,
                        "l_d_gp" in info.result.terms))

    Trainer(cfg, out_dir=tmp_path / "run", hooks=[Steps()]).fit()
    # G only on iterations divisible by d_steps after the warm-up; D (with the penalty) every iteration
    assert rec == [(1, False, True, True), (2, False, True, True), (3, False, True, True), (4, True, True, True)]


def test_frozen_layers_do_not_move(tmp_path):
    cfg = micro_config(stages=[{"name": "psnr", "iterations": 2, "losses": {"pixel": {}}, "freeze_g": ["conv_first"]}])
    run = tmp_path / "run"
    fresh = Trainer(load_config(cfg), out_dir=tmp_path / "probe")
    fresh.prepare()
    before = {k: v.clone() for k, v in fresh._prepared[0][0].state_dict().items()}
    Trainer(cfg, out_dir=run).fit()
    after = load_weights(run)["params"]
    assert torch.equal(before["conv_first.weight"], after["conv_first.weight"])
    assert not torch.equal(before["conv_last.weight"], after["conv_last.weight"])


def test_non_finite_steps_are_skipped_then_the_run_stops(tmp_path, monkeypatch):
    import srgan_cpp.train.objectives as obj

    real = obj.ContentLoss.forward
    calls = {"n": 0}

    def nan_from_the_third(self, sr, *a, **k):
        calls["n"] += 1
        total, terms = real(self, sr, *a, **k)
        return (total * float("nan") if calls["n"] >= 3 else total), terms

    monkeypatch.setattr(obj.ContentLoss, "forward", nan_from_the_third)
    cfg = micro_config(stages=[{"name": "psnr", "iterations": 8, "losses": {"pixel": {}}, "max_bad_steps": 3}],
                       checkpoint={"every": 1})
    run = tmp_path / "run"
    with pytest.raises(TrainingError, match=r"3 steps with a NaN/Inf loss.*last complete checkpoint: .*training_states/2"):
        Trainer(cfg, out_dir=run).fit()
    skipped = [json.loads(line) for line in open(run / "metrics.jsonl") if '"skipped_step"' in line]
    assert [r["iter"] for r in skipped] == [3, 4, 5]
    assert all(torch.isfinite(v).all() for v in load_weights(run, "net_g_2.pth")["params"].values())


def test_non_finite_weights_are_never_checkpointed(tmp_path):
    class Poison(Hook):
        def on_step_end(self, trainer, info):
            if info.iteration == 2:
                with torch.no_grad():
                    next(trainer.g_raw.parameters()).fill_(float("nan"))

    cfg = micro_config(stages=[{"name": "psnr", "iterations": 4, "losses": {"pixel": {}}}], checkpoint={"every": 1})
    with pytest.raises(TrainingError, match=r"weights are NaN/Inf at iteration 2; no checkpoint written.*training_states/1"):
        Trainer(cfg, out_dir=tmp_path / "run", hooks=[Poison()]).fit()


def test_amp_bf16_on_cpu(tmp_path):
    # RRDBNet and the discriminators run under CPU bf16 autocast (MSRResNet / EDSR /
    # SRVGGNetCompact wait for the ops' autocast rules, issue of h3)
    result = Trainer(micro_config(), out_dir=tmp_path / "run", amp="bf16").fit()
    assert result.iterations == 7 and result.bad_steps == 0
    assert all(torch.isfinite(v).all() and v.dtype == torch.float32 for v in load_weights(tmp_path / "run")["params"].values())


def test_runtime_settings_refused(tmp_path):
    with pytest.raises(ConfigError, match="amp: fp16 needs a CUDA device"):
        Trainer(micro_config(), out_dir=tmp_path / "r", amp="fp16").fit()
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="device: 'cuda' was asked for, but CUDA is not available"):
            Trainer(micro_config(), out_dir=tmp_path / "r", device="cuda").fit()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="--out: cannot write to the run folder"):
        Trainer(micro_config(), out_dir=blocker / "run").fit()
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ConfigError, match="--out: cannot write to the run folder"):
                Trainer(micro_config(), out_dir=locked / "run").fit()
        finally:
            locked.chmod(0o700)
    bad_scale = micro_config(generator={**MICRO_G, "scale": 2})
    with pytest.raises(ConfigError, match=r"stages\[0\].generator: RRDBNet turns a 16x16 input into 32x32"):
        Trainer(bad_scale, out_dir=tmp_path / "r").fit()
    vgg_d = micro_config(discriminator={"type": "VGGStyleDiscriminator", "num_feat": 8, "input_size": 128})
    with pytest.raises(ConfigError, match=r"stages\[1\].discriminator: VGGStyleDiscriminator refuses .*32x32"):
        Trainer(vgg_d, out_dir=tmp_path / "r").fit()
    init = micro_config(stages=[{"name": "psnr", "iterations": 1, "losses": {"pixel": {}},
                                 "init_g": str(tmp_path / "other.pth")}])
    torch.save({"params": models.MSRResNet(num_feat=8, num_block=1).state_dict()}, tmp_path / "other.pth")
    with pytest.raises(ConfigError, match=r"stages\[0\].init_g: .*other.pth' does not fit RRDBNet"):
        Trainer(init, out_dir=tmp_path / "r").fit()
    assert not (tmp_path / "r").exists()


def test_dry_run_writes_nothing(tmp_path):
    summary = Trainer(micro_config(val=VAL), out_dir=tmp_path / "run").dry_run()
    assert [s["name"] for s in summary["stages"]] == ["psnr", "gan"] and summary["val_images"] == 1
    assert not (tmp_path / "run").exists()
