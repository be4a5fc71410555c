"""The engine's small pieces against independent references: learning-rate schedules (torch's
schedulers stepped as BasicSR steps them), EMA of parameters and buffers, Real-ESRGAN's USM
sharpening, the loss-curve PNG, checkpoint RNG state round trips, TensorBoard switch."""
from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
import torch
from torch import nn

from srgan_cpp.train import ConfigError
from srgan_cpp.train.checkpoint import rng_state, set_rng_state
from srgan_cpp.train.config import LogConfig, SchedulerConfig
from srgan_cpp.train.ema import EMA
from srgan_cpp.train.plot import read_series, write_loss_curves
from srgan_cpp.train.run_log import tensorboard_writer
from srgan_cpp.train.schedules import rate, set_lr
from srgan_cpp.train.sharpen import usm_sharpen


def _torch_rates(make_sched, total, base=1e-3):
    """Rates of iterations 1..total when the scheduler is stepped once per iteration after
    the first, as BasicSR's update_learning_rate does."""
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base)
    sched = make_sched(opt)
    out = []
    for it in range(1, total + 1):
        if it > 1:
            opt.step()
            sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


def test_multistep_matches_torch():
    cfg = SchedulerConfig(type="multistep", milestones=[3, 7], gamma=0.5)
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [3, 7], 0.5), 10)
    assert [rate(cfg, 1e-3, it, 10) for it in range(1, 11)] == pytest.approx(want, rel=1e-12)


def test_cosine_matches_torch_and_restarts():
    cfg = SchedulerConfig(type="cosine", eta_min=1e-5)
    want = _torch_rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=1e-5), 20)
    assert [rate(cfg, 1e-3, it, 20) for it in range(1, 21)] == pytest.approx(want, rel=1e-9)
    # BasicSR's CosineAnnealingRestartLR: periods [4, 6], the second at half weight
    r = SchedulerConfig(type="cosine", periods=[4, 6], restart_weights=[1.0, 0.5])
    vals = [rate(r, 1.0, it, 10) for it in range(1, 11)]
    assert vals[0] == 1.0 and vals[4] == pytest.approx(0.5)  # the restart, at the second weight
    assert vals[5] == pytest.approx(0.25 * (1 + math.cos(math.pi / 6)))
    assert rate(r, 1.0, 11, 10) == 0.0  # past the last period: eta_min


def test_linear_warmup_then_schedule():
    cfg = SchedulerConfig(type="multistep", milestones=[6], gamma=0.1, warmup=4)
    got = [rate(cfg, 1.0, it, 10) for it in range(1, 11)]
    assert got[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0]) and got[6] == pytest.approx(0.1)
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=1.0)
    assert set_lr([opt], [[2.0]], cfg, 1, 10) == 0.5 and opt.param_groups[0]["lr"] == 0.5


def test_ema_of_parameters_and_buffers():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    ema = EMA(net, 0.9)
    start = {k: v.clone() for k, v in net.state_dict().items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    net(torch.randn(4, 1, 5, 5))  # moves the running statistics and num_batches_tracked
    ema.update()
    now = net.state_dict()
    for k, v in ema.state_dict().items():
        if v.is_floating_point():
            assert torch.allclose(v, 0.9 * start[k] + 0.1 * now[k], atol=1e-6), k
        else:
            assert torch.equal(v, now[k]), k
    assert not any(p.requires_grad for p in ema.module.parameters()) and not ema.module.training
    with pytest.raises(ValueError):
        EMA(net, 1.0)


def _usm_reference(img: np.ndarray, weight=0.5, radius=50, threshold=10) -> np.ndarray:
    """Real-ESRGAN's USMSharp written with NumPy (2-D Gaussian kernel, reflect padding)."""
    k = 2 * radius + 1
    sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
    g = np.exp(-((np.arange(k) - radius) ** 2) / (2 * sigma * sigma))
    g /= g.sum()
    kernel = np.outer(g, g)

    def blur(x):
        pad = np.pad(x, ((radius, radius), (radius, radius)), mode="reflect")
        out = np.zeros_like(x)
        for dy in range(k):
            for dx in range(k):
                out += kernel[dy, dx] * pad[dy:dy + x.shape[0], dx:dx + x.shape[1]]
        return out

    res = img - blur(img)
    mask = (np.abs(res) * 255 > threshold).astype(np.float64)
    soft = blur(mask)
    sharp = np.clip(img + weight * res, 0, 1)
    return soft * sharp + (1 - soft) * img


def test_usm_sharpen_matches_real_esrgan():
    rng = np.random.default_rng(0)
    img = rng.random((12, 14))
    img[:, 7:] += 0.5
    img = np.clip(img, 0, 1)
    got = usm_sharpen(torch.from_numpy(img)[None, None].float(), radius=5)[0, 0].double().numpy()
    assert np.abs(got - _usm_reference(img, radius=5)).max() < 1e-5
    with pytest.raises(ValueError, match="larger than `radius`"):
        usm_sharpen(torch.zeros(1, 3, 8, 8), radius=50)


def test_rng_state_round_trip_weights_only(tmp_path):
    torch.manual_seed(1)
    np.random.seed(2)
    random.seed(3)
    state = rng_state()
    torch.save(state, tmp_path / "rng.pt")
    want = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(9)
    np.random.seed(9)
    random.seed(9)
    set_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    got = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(want[0], got[0]) and np.array_equal(want[1], got[1]) and want[2] == got[2]


def test_loss_curves_png(tmp_path):
    path = tmp_path / "m.jsonl"
    lines = [{"kind": "stage_start", "iter": 0}, {"kind": "train", "iter": 10, "losses": {"l_g_pix": 0.5}, "lr": 1e-3},
             {"kind": "train", "iter": 20, "losses": {"l_g_pix": 0.25}, "lr": 1e-3},
             {"kind": "val", "iter": 20, "metrics": {"psnr_y": 25.0, "bicubic/psnr_y": 24.0}}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{torn line")
    series, starts = read_series(str(path))
    assert series["l_g_pix"] == [(10, 0.5), (20, 0.25)] and "val/psnr_y" in series and starts == [0]
    assert "val/bicubic/psnr_y" not in series
    png = tmp_path / "c.png"
    assert write_loss_curves(str(path), str(png), "title")
    from PIL import Image

    with Image.open(png) as im:
        assert im.size[0] > 500 and im.mode == "RGB"


def test_tensorboard_switch(tmp_path):
    try:
        import torch.utils.tensorboard  # noqa: F401
        have = True
    except ImportError:
        have = False
    assert tensorboard_writer(LogConfig(tensorboard="off"), str(tmp_path)) is None
    if have:
        w = tensorboard_writer(LogConfig(tensorboard="on"), str(tmp_path / "tb"))
        w.add_scalar("x", 1.0, 0)
        w.close()
        assert any((tmp_path / "tb").iterdir())
    else:
        assert tensorboard_writer(LogConfig(tensorboard="auto"), str(tmp_path)) is None
        with pytest.raises(ConfigError, match="log.tensorboard: on, but TensorBoard is not installed"):
            tensorboard_writer(LogConfig(tensorboard="on"), str(tmp_path))
