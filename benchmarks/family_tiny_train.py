"""The ``tiny`` training recipes of the model family, run on the bundled photographs: each
model trains from scratch on four of them and is scored on the fifth, held out
(astronaut), against bicubic interpolation.

The budget is the training process's CPU time (``time.process_time``: all its threads),
not wall time, so a run does the same work on a machine shared with other jobs; a
process that keeps at least one core busy takes at most that long in wall time on an idle
machine, so a 90 s budget is "within two minutes" there (the wall time of the run is
reported too). Training runs on one thread.

Protocol (every model, x4, the Y channel as in the papers): HR = the photograph's BT.601
luma in [0, 1]; LR = MATLAB-bicubic downscale by 4 (``srgan_cpp.data.imresize``); models
that restore the bicubic-upscaled image (SRCNN, SCN, VDSR, DRCN) get ``imresize(LR, 4)``,
the others the LR image. Random HR patches with flips and 90-degree rotations; Adam with a
cosine decay over the budget; each model's paper loss (MSE; DRCN's recursive supervision
with alpha decaying from 1 to 0 over the run; LapSRN's Charbonnier at every level; L1 for
EDSR, as BasicSR trains it). PSNR on Y with 4 pixels cropped (``srgan_cpp.metrics.psnr``).

The recipes (``RECIPES``) are documented in docs/family.md; once the trainer
(``srgan_cpp.train``) is on main they move to its recipes folder.

Usage::

    python benchmarks/family_tiny_train.py [--models SCN,VDSR] [--seconds 90] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from srgan_cpp import data, metrics, models  # noqa: E402
from srgan_cpp.image import load_image  # noqa: E402

SCALE = 4
HELD_OUT = "astronaut"


@dataclass(frozen=True)
class Recipe:
    """One tiny recipe: the model, its input, loss, patch, batch and learning rate."""

    model: str
    kwargs: Mapping[str, Any]
    bicubic_input: bool
    loss: str  # "mse" | "l1" | "drcn" | "lapsrn"
    patch: int  # HR patch size (a multiple of SCALE)
    batch: int
    lr: float
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


RECIPES: Dict[str, Recipe] = {
    "SRCNN": Recipe("SRCNN", dict(in_channels=1, kernel_sizes="9-1-5"), True, "mse", 32, 16, 2e-3),
    "SCN": Recipe("SCN", dict(in_channels=1, num_filters=32, code_size=64, num_stages=1), True, "mse", 32, 16, 1e-3),
    "FSRCNN": Recipe("FSRCNN", dict(in_channels=1, scale=SCALE), False, "mse", 48, 16, 3e-3),
    "DRCN": Recipe("DRCN", dict(in_channels=1, num_features=32, num_recursions=4), True, "drcn", 32, 8, 1e-3),
    "VDSR": Recipe("VDSR", dict(in_channels=1, num_features=32, num_layers=10), True, "mse", 32, 16, 1e-3),
    "LapSRN": Recipe("LapSRN", dict(in_channels=1, num_features=32, depth=3, scale=SCALE), False, "lapsrn", 48, 8,
                     1e-3),
    "EDSR": Recipe("EDSR", dict(num_in_ch=1, num_out_ch=1, num_feat=32, num_block=4, upscale=SCALE, img_range=1.0,
                                rgb_mean=[0.5]), False, "l1", 48, 8, 1e-3),
}


def _y(path: Path) -> np.ndarray:
    rgb = load_image(path, mode="RGB").astype(np.float64) / 255.0
    return metrics.rgb_to_y(rgb)[..., 0]


def _pair(y: np.ndarray) -> Tuple[Tensor, Tensor, Tensor]:
    """(HR, LR, bicubic-upscaled LR) as (1, 1, H, W) float32 tensors."""
    h, w = y.shape[0] - y.shape[0] % SCALE, y.shape[1] - y.shape[1] % SCALE
    hr = torch.from_numpy(np.ascontiguousarray(y[:h, :w]))[None, None]
    lr = data.imresize(hr, 1 / SCALE)
    bic = data.imresize(lr, SCALE)
    return hr.float(), lr.float(), bic.float()


def load_images() -> Tuple[List[Tuple[Tensor, Tensor, Tensor]], Tuple[Tensor, Tensor, Tensor]]:
    paths = data.bundled_images()
    train = [_pair(_y(p)) for p in paths if p.stem != HELD_OUT]
    held = [_pair(_y(p)) for p in paths if p.stem == HELD_OUT]
    return train, held[0]


def batch(images: Sequence[Tuple[Tensor, Tensor, Tensor]], r: Recipe, rng: random.Random) -> Tuple[Tensor, Tensor]:
    xs, ys = [], []
    p, q = r.patch, r.patch // SCALE
    for _ in range(r.batch):
        hr, lr, bic = images[rng.randrange(len(images))]
        i, j = rng.randrange(lr.shape[-2] - q + 1), rng.randrange(lr.shape[-1] - q + 1)
        t = hr[..., i * SCALE: i * SCALE + p, j * SCALE: j * SCALE + p]
        x = bic[..., i * SCALE: i * SCALE + p, j * SCALE: j * SCALE + p] if r.bicubic_input else lr[..., i: i + q, j: j + q]
        k, flip = rng.randrange(4), rng.random() < 0.5
        t, x = (torch.rot90(v, k, (-2, -1)) for v in (t, x))
        if flip:
            t, x = t.flip(-1), x.flip(-1)
        xs.append(x)
        ys.append(t)
    return torch.cat(xs), torch.cat(ys)


def loss_of(model: nn.Module, r: Recipe, x: Tensor, y: Tensor, progress: float) -> Tensor:
    if r.loss == "drcn":
        out, preds = model.forward_all(x)
        return models.drcn_loss(out, preds, y, alpha=max(0.0, 1.0 - progress))
    if r.loss == "lapsrn":
        return models.lapsrn_loss(model.forward_pyramid(x), y)
    out = model(x)
    return F.l1_loss(out, y) if r.loss == "l1" else F.mse_loss(out, y)


def evaluate(model: nn.Module, r: Recipe, held: Tuple[Tensor, Tensor, Tensor]) -> Tuple[float, float]:
    hr, lr, bic = held
    model.eval()
    with torch.no_grad():
        sr = model(bic if r.bicubic_input else lr).clamp(0, 1)
    model.train()
    p = float(metrics.psnr(sr.double(), hr.double(), crop_border=SCALE, channel="y")[0])
    b = float(metrics.psnr(bic.double().clamp(0, 1), hr.double(), crop_border=SCALE, channel="y")[0])
    return p, b


def train(name: str, seconds: float, seed: int = 0, log: Callable[[str], None] = print) -> Dict[str, Any]:
    r = RECIPES[name]
    # One thread: the CPU-time budget then measures compute, not OpenMP threads spinning
    # while they wait for each other (or for a core on a shared machine).
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    train_set, held = load_images()
    model = models.registry.build(r.model, **r.kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=r.lr, betas=(0.9, 0.99))
    start, cpu0 = time.monotonic(), time.process_time()
    steps = 0
    while True:
        progress = (time.process_time() - cpu0) / seconds
        if progress >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = r.lr * 0.5 * (1 + math.cos(math.pi * progress))
        x, y = batch(train_set, r, rng)
        opt.zero_grad(set_to_none=True)
        loss = loss_of(model, r, x, y, progress)
        loss.backward()
        opt.step()
        steps += 1
        if steps % 200 == 0:
            log(f"  {name} step {steps} loss {loss.item():.5f} ({time.process_time() - cpu0:.0f} CPU s)")
    trained_s, cpu_s = time.monotonic() - start, time.process_time() - cpu0
    p, b = evaluate(model, r, held)
    log(f"{name}: {steps} steps in {cpu_s:.0f} CPU s ({trained_s:.0f} s wall), PSNR {p:.2f} dB vs bicubic {b:.2f} dB "
        f"({p - b:+.2f})")
    return {"model": name, "kwargs": dict(r.kwargs), "recipe": {k: getattr(r, k) for k in
                                                             ("bicubic_input", "loss", "patch", "batch", "lr")},
            "scale": SCALE, "steps": steps, "train_cpu_seconds": round(cpu_s, 1), "train_wall_seconds": round(trained_s, 1),
            "total_seconds": round(time.monotonic() - start, 1), "psnr_y": round(p, 3), "psnr_y_bicubic": round(b, 3),
            "gain_db": round(p - b, 3), "num_params": sum(q.numel() for q in model.parameters())}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(RECIPES), help="comma-separated names from RECIPES")
    p.add_argument("--seconds", type=float, default=90.0, help="training budget per model, in CPU seconds")
    p.add_argument("--out", default=str(_HERE / "results" / "cpu_family_tiny_train.json"))
    args = p.parse_args(argv)
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        p.error(f"--models: unknown {unknown}; known: {sorted(RECIPES)}")
    runs = [train(n, args.seconds) for n in names]
    report = {"benchmark": "family_tiny_train", "machine": harness.machine_info(torch.device("cpu")),
              "threads": torch.get_num_threads(), "held_out": HELD_OUT, "runs": runs}
    harness.write_json(Path(args.out), report)
    return report


if __name__ == "__main__":
    main()
