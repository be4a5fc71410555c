"""Loss curves as a PNG, drawn with Pillow (no plotting library needed).

One small panel per logged quantity (losses, discriminator outputs, learning rate,
validation metrics), iteration on the x axis, the value range written on the y axis,
stage boundaries as vertical lines.
"""
from __future__ import annotations

import json
import math
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..data.files import write_image

_W, _H, _PAD = 360, 190, 34


def _font() -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=12)  # type: ignore[call-arg]
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def read_series(jsonl: str) -> Tuple[Dict[str, List[Tuple[int, float]]], List[int]]:
    """``({quantity: [(iteration, value)]}, stage start iterations)`` from a metrics file
    (lines that do not parse - e.g. the last one of a killed run - are skipped)."""
    series: Dict[str, List[Tuple[int, float]]] = {}
    starts: List[int] = []
    if not os.path.isfile(jsonl):
        return series, starts
    with open(jsonl, "r", encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            it = rec.get("iter")
            if not isinstance(it, int):
                continue
            if rec.get("kind") == "stage_start":
                starts.append(it)
            prefix = {"train": "", "val": "val/"}.get(rec.get("kind"))
            if prefix is None:
                continue
            values = rec.get("losses", {}) if rec.get("kind") == "train" else rec.get("metrics", {})
            if rec.get("kind") == "train" and isinstance(rec.get("lr"), (int, float)):
                values = dict(values, lr=rec["lr"])
            for k, v in values.items():
                if k.startswith("bicubic/"):
                    continue  # the baseline is constant over a run
                if isinstance(v, (int, float)) and math.isfinite(v):
                    series.setdefault(prefix + k, []).append((it, float(v)))
    return series, starts


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def draw(series: Dict[str, List[Tuple[int, float]]], starts: Sequence[int], title: str) -> np.ndarray:
    """The panels as an RGB image (HWC uint8)."""
    keys = sorted(series, key=lambda k: (k.startswith("val/"), k == "lr", k))
    cols = 3
    rows = max(1, math.ceil(len(keys) / cols))
    img = Image.new("RGB", (cols * _W, rows * _H + 24), (255, 255, 255))
    d = ImageDraw.Draw(img)
    font = _font()
    d.text((6, 4), title, fill=(0, 0, 0), font=font)
    x_max = max((p[0] for v in series.values() for p in v), default=1)
    x_min = min((p[0] for v in series.values() for p in v), default=0)
    span = max(1, x_max - x_min)
    for n, key in enumerate(keys):
        ox, oy = (n % cols) * _W, 24 + (n // cols) * _H
        x0, y0, x1, y1 = ox + _PAD + 20, oy + 18, ox + _W - 10, oy + _H - 22
        d.rectangle((x0, y0, x1, y1), outline=(160, 160, 160))
        d.text((x0, oy + 2), key, fill=(0, 0, 0), font=font)
        pts = series[key]
        vals = [v for _, v in pts]
        lo, hi = min(vals), max(vals)
        if hi - lo < 1e-12 * max(1.0, abs(hi)):
            lo, hi = lo - 0.5 * max(abs(lo), 1e-12), hi + 0.5 * max(abs(hi), 1e-12)
        d.text((ox + 2, y0 - 2), _fmt(hi), fill=(90, 90, 90), font=font)
        d.text((ox + 2, y1 - 10), _fmt(lo), fill=(90, 90, 90), font=font)
        d.text((x0, y1 + 4), str(x_min), fill=(90, 90, 90), font=font)
        d.text((x1 - 40, y1 + 4), str(x_max), fill=(90, 90, 90), font=font)
        for s in starts:
            if x_min < s <= x_max:
                sx = x0 + (s - x_min) / span * (x1 - x0)
                d.line((sx, y0, sx, y1), fill=(220, 180, 180))
        xy = [(x0 + (it - x_min) / span * (x1 - x0), y1 - (v - lo) / (hi - lo) * (y1 - y0)) for it, v in pts]
        if len(xy) == 1:
            d.ellipse((xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2), fill=(30, 90, 200))
        else:
            d.line(xy, fill=(30, 90, 200), width=1)
    return np.asarray(img)


def write_loss_curves(jsonl: str, png: str, title: str) -> bool:
    """Draws the curves of a metrics file into ``png`` (atomically); False when there is nothing to draw."""
    series, starts = read_series(jsonl)
    if not series:
        return False
    write_image(png, draw(series, starts, title))
    return True
