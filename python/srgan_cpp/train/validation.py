"""Validation during training through :func:`srgan_cpp.evaluate` (the literature's
protocol: MATLAB bicubic LR, Y/RGB PSNR and SSIM with ``crop_border`` = scale), plus a PNG
grid of a few validation crops (bicubic | model | ground truth) per validation.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from ..data import BenchmarkDataset, SRDataset, imresize
from ..data.files import write_image
from ..evaluation import _run_model, evaluate
from .config import TrainDataConfig, ValConfig
from .data import dataset_pairs
from .errors import ConfigError

_LABEL = 18


class PairsSet(BenchmarkDataset):
    """A validation set given as pairs (bundled photographs, HR-only or paired folders),
    usable wherever ``evaluate`` takes a ``BenchmarkDataset``."""

    def __init__(self, pairs: List[Tuple[str, str, Optional[str]]], scale: int, name: str, degradation: Any,
                 channels: Optional[int]) -> None:
        SRDataset.__init__(self, pairs, scale, None, False, degradation, channels, seed=0)
        self.root = name
        self.layout = "pairs"

    @property
    def name(self) -> str:
        return self.root


def build_sets(cfg: ValConfig, scale: int, channels: Optional[int]) -> List[BenchmarkDataset]:
    """The validation sets, whole images read with ``channels`` (1, 3 or as stored)."""
    out: List[BenchmarkDataset] = []
    for i, s in enumerate(cfg.sets):
        key = f"val.sets[{i}]"
        if s.type == "benchmark":
            try:
                ds: BenchmarkDataset = BenchmarkDataset(s.root, scale, channels=channels)
            except (FileNotFoundError, ValueError) as e:
                raise ConfigError(f"{key}.root", str(e)) from None
            if s.name:
                ds.root = s.name
        else:
            folders = "+".join(os.path.basename(os.path.normpath(f)) for f in s.hr_folders())
            default = {"bundled": "bundled", "hr_folder": folders, "paired": folders}[s.type]
            ds = PairsSet(dataset_pairs(s, scale, key), scale, s.name or default or f"val{i}",
                          s.degradation.build(scale), channels)
        out.append(ds)
    names = [d.name for d in out]
    if len(set(names)) != len(names):
        raise ConfigError("val.sets", f"two sets are called the same ({names}); give them a `name`")
    return out


def _font() -> Any:
    try:
        return ImageFont.load_default(size=12)  # type: ignore[call-arg]
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _rgb(img: np.ndarray) -> np.ndarray:
    img = img if img.dtype == np.uint8 else (img.astype(np.float64) / 257.0).round().astype(np.uint8)
    return np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img


def grid(model: nn.Module, ds: BenchmarkDataset, n: int, crop: int, data: TrainDataConfig, device: torch.device,
         title: str) -> Optional[np.ndarray]:
    """Up to ``n`` centre crops of ``crop`` HR pixels: rows of bicubic | model | ground truth."""
    s = ds.scale
    rows: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(min(n, len(ds))):
        lr, hr = ds.load_pair(i)
        p = max(1, min(crop // s, lr.shape[0], lr.shape[1]))
        y0, x0 = (lr.shape[0] - p) // 2, (lr.shape[1] - p) // 2
        lr_c = np.ascontiguousarray(lr[y0:y0 + p, x0:x0 + p])
        hr_c = np.ascontiguousarray(hr[y0 * s:(y0 + p) * s, x0 * s:(x0 + p) * s])
        bic = imresize(lr_c, s)
        sr = _run_model(model, lr_c, bic, s, data.input, data.color, device, ds.pairs[i][0])
        rows.append((_rgb(bic), _rgb(sr), _rgb(hr_c)))
    if not rows:
        return None
    h = max(r[0].shape[0] for r in rows)
    w = max(r[0].shape[1] for r in rows)
    gap = 4
    canvas = Image.new("RGB", (3 * w + 2 * gap, _LABEL + len(rows) * (h + gap)), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = _font()
    for j, label in enumerate(("bicubic", title, "ground truth")):
        draw.text((j * (w + gap) + 3, 3), label, fill=(0, 0, 0), font=font)
    for r, panels in enumerate(rows):
        for j, p in enumerate(panels):
            canvas.paste(Image.fromarray(p), (j * (w + gap), _LABEL + r * (h + gap)))
    return np.asarray(canvas)


def validate(model: nn.Module, sets: Sequence[BenchmarkDataset], cfg: ValConfig, data: TrainDataConfig, scale: int,
             device: torch.device, grid_path: Optional[str], label: str) -> Dict[str, float]:
    """Runs ``evaluate`` on every set; returns ``{metric: mean over sets}`` plus
    ``{"<set>/<metric>": value}`` and ``{"bicubic/<metric>": ...}`` entries. Writes the crop grid."""
    report = evaluate(model, list(sets), scale, crop_border=cfg.crop_border, channels=tuple(cfg.channels),
                      model_name="model", model_input=data.input, model_channels=data.color, device=device,
                      progress=False, print_table=False, bicubic=True)
    out: Dict[str, float] = {}
    metrics = next(iter(report.results.values()))["model"].keys()
    for m in metrics:
        out[m] = float(np.mean([report.results[d]["model"][m] for d in report.results]))
        out[f"bicubic/{m}"] = float(np.mean([report.results[d]["bicubic"][m] for d in report.results]))
        if len(report.results) > 1:
            for d in report.results:
                out[f"{d}/{m}"] = report.results[d]["model"][m]
    if grid_path is not None and cfg.grid_images > 0:
        was = model.training
        model.eval()
        try:
            img = grid(model, sets[0], cfg.grid_images, cfg.grid_crop, data, device, label)
        finally:
            model.train(was)
        if img is not None:
            os.makedirs(os.path.dirname(grid_path), exist_ok=True)
            write_image(grid_path, img)
    return out
