"""The model family's recipes and objectives: every family recipe (full and tiny) passes
``--dry-run``; DRCN's recursive supervision and LapSRN's pyramid loss train through the
trainer with the values of ``drcn_loss`` / ``lapsrn_loss``; alpha's schedule; VDSR's
lr-scaled gradient clipping; bad settings name their key."""
from __future__ import annotations

import copy
import json

import pytest
import torch

from srgan_cpp import models
from srgan_cpp.cli import main
from srgan_cpp.train import ConfigError, Trainer, load_config, recipes
from srgan_cpp.train.config import RecursiveSupervisionConfig

FAMILY = ["scn", "fsrcnn", "drcn", "vdsr", "lapsrn", "drrn", "rdn", "rcan", "pan"]
BUNDLED = ["data.train={type: bundled}", "val.sets=[{type: bundled, include: [astronaut]}]"]


@pytest.mark.parametrize("name", FAMILY)
def test_tiny_recipe_dry_run(name, tmp_path):
    cfg = load_config(f"recipe:{name}_tiny")
    assert cfg.val is not None and cfg.val.at_start and cfg.val.channels == ["y"]
    assert cfg.stages[0].data.train.exclude == ["astronaut"] and cfg.val.sets[0].include == ["astronaut"]
    summary = Trainer(cfg, out_dir=tmp_path / "run").dry_run()
    assert summary["stages"][0]["images"] == 4 and summary["val_images"] == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", FAMILY)
def test_full_recipe_dry_run_on_bundled_data(name, tmp_path):
    """The paper recipes name datasets that are not here: with the bundled photographs
    swapped in (PAN's 256 px patches cut to the photographs' size) they pass every check."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(f"recipe:{name}")
    over = list(BUNDLED) + (["data.patch_size=240"] if name == "pan" else [])
    cfg = load_config(f"recipe:{name}", over)
    assert cfg.stages[-1].iterations >= 100000 and recipes.summary(name)
    summary = Trainer(cfg, out_dir=tmp_path / "run").dry_run()
    assert summary["stages"][0]["generator"] == cfg.stages[0].generator.type


def test_dry_run_from_the_command_line(capsys, tmp_path):
    assert main(["train", "--recipe", "drcn_tiny", "--dry-run", "--out", str(tmp_path / "run")]) == 0
    assert json.loads(capsys.readouterr().out)["stages"][0]["generator"] == "DRCN"


def _micro(generator, losses, scale=4, data=None, **stage):
    return {"name": "fam", "scale": scale, "seed": 1, "threads": 1, "generator": generator,
            "data": {"train": {"type": "bundled", "exclude": ["astronaut"]}, "patch_size": 16, "batch_size": 2,
                     "color": "y", **(data or {})},
            "stages": [{"name": "s", "iterations": 10, "losses": losses, **stage}],
            "log": {"progress": "off", "plot": False}, "checkpoint": {"every": 0}}


def _batch(lq_hw, gt_hw, seed=0):
    g = torch.Generator().manual_seed(seed)
    lq = torch.rand(2, 1, *lq_hw, generator=g)
    gt = torch.rand(2, 1, *gt_hw, generator=g)
    return lq.contiguous(memory_format=torch.channels_last), gt.contiguous(memory_format=torch.channels_last)


def test_recursive_supervision_is_drcn_loss_and_trains():
    cfg = _micro({"type": "DRCN", "num_features": 4, "num_recursions": 3},
                 {"recursive_supervision": {"alpha": 0.8, "alpha_end": 0.2, "beta": 1e-3, "weight": 2.0}},
                 data={"input": "bicubic"}, optim_g={"type": "sgd", "lr": 1e-2})
    trainer = Trainer(load_config(cfg))
    step = trainer.make_step()
    net = trainer.g_raw
    lq, gt = _batch((16, 16), (16, 16))
    before = copy.deepcopy(net)
    for it in (1, 2):
        ref = copy.deepcopy(net)
        out, preds = ref.forward_all(lq)
        alpha = 0.8 - 0.6 * (it - 1) / 9
        want = 2.0 * models.drcn_loss(out, preds, gt, alpha, 1e-3, list(ref.parameters()))
        res = step(lq, gt, it)
        assert res.g_stepped and set(res.terms) == {"l_g_recursive", "l_g_total"}
        torch.testing.assert_close(res.terms["l_g_recursive"], want.detach(), rtol=1e-5, atol=1e-7)
    moved = [k for k, v in net.state_dict().items() if not torch.equal(v, before.state_dict()[k])]
    assert "inference.weight" in moved and "ensemble_weight" in moved


def test_pyramid_loss_is_lapsrn_loss_and_trains():
    cfg = _micro({"type": "LapSRN", "num_features": 4, "depth": 1, "scale": 4}, {"pyramid": {"eps": 1e-2}},
                 optim_g={"lr": 1e-2})
    trainer = Trainer(load_config(cfg))
    step = trainer.make_step()
    net = trainer.g_raw
    lq, gt = _batch((4, 4), (16, 16))
    ref = copy.deepcopy(net)
    want = models.lapsrn_loss(ref.forward_pyramid(lq), gt, eps=1e-2)
    res = step(lq, gt, 1)
    torch.testing.assert_close(res.terms["l_g_pyramid"], want.detach(), rtol=1e-5, atol=1e-7)
    assert not torch.equal(net.state_dict()["levels.1.image_up.weight"], ref.state_dict()["levels.1.image_up.weight"])
    res2 = step(lq, gt, 2)
    assert float(res2.terms["l_g_pyramid"]) < float(res.terms["l_g_pyramid"])


def test_alpha_schedule():
    rs = RecursiveSupervisionConfig(alpha=1.0, alpha_end=0.0)
    assert [rs.alpha_at(i, 5) for i in (1, 3, 5, 9)] == [1.0, 0.5, 0.0, 0.0]
    rs = RecursiveSupervisionConfig(alpha=1.0, alpha_end=0.5, alpha_iterations=3)
    assert [rs.alpha_at(i, 100) for i in (1, 2, 3, 50)] == [1.0, 0.75, 0.5, 0.5]


def test_clip_grad_by_lr_scales_the_threshold():
    """Plain SGD moves the weights by lr x the clipped gradient: with the threshold theta / lr
    the step's norm is theta itself (without the option: lr x theta)."""
    steps = {}
    for by_lr in (True, False):
        cfg = _micro({"type": "VDSR", "num_features": 4, "num_layers": 3}, {"pixel": {"type": "mse"}},
                     data={"input": "bicubic"}, optim_g={"type": "sgd", "lr": 0.5}, clip_grad_g=1e-4,
                     clip_grad_g_by_lr=by_lr)
        trainer = Trainer(load_config(cfg))
        step = trainer.make_step()
        w0 = [p.detach().clone() for p in trainer.g_raw.parameters()]
        step(*_batch((16, 16), (16, 16)), 1)
        steps[by_lr] = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.detach() - q)
                                                             for p, q in zip(trainer.g_raw.parameters(), w0)]))
    assert abs(float(steps[True]) - 1e-4) < 1e-6
    assert abs(float(steps[False]) - 0.5e-4) < 1e-6


@pytest.mark.parametrize("generator, losses, stage, key", [
    ({"type": "VDSR", "num_layers": 3}, {"recursive_supervision": {}}, {}, "stages[0].losses.recursive_supervision"),
    ({"type": "DRCN", "num_features": 4}, {"pyramid": {}}, {}, "stages[0].losses.pyramid"),
    ({"type": "DRCN", "num_features": 4}, {"recursive_supervision": {}, "pyramid": {}}, {}, "stages[0].losses"),
    ({"type": "DRCN", "num_features": 4}, {"recursive_supervision": {"alpha": 1.5}}, {},
     "stages[0].losses.recursive_supervision.alpha"),
    ({"type": "DRCN", "num_features": 4}, {"recursive_supervision": {"beta": -1}}, {},
     "stages[0].losses.recursive_supervision.beta"),
    ({"type": "LapSRN", "num_features": 4}, {"pyramid": {"eps": 0}}, {}, "stages[0].losses.pyramid.eps"),
    ({"type": "VDSR", "num_layers": 3}, {"pixel": {}}, {"clip_grad_g_by_lr": True}, "stages[0].clip_grad_g_by_lr"),
])
def test_bad_family_settings_name_the_key(generator, losses, stage, key):
    with pytest.raises(ConfigError) as e:
        load_config(_micro(generator, losses, data={"input": "bicubic"}, **stage))
    assert str(e.value).startswith(key + ":"), str(e.value)
