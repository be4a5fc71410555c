"""Tile layout and blending weights.

Along each axis the (padded) image of length ``L`` is covered by ``n`` tiles of equal length
``T`` (a multiple of the model's size multiple) whose starts are spread evenly, so that
neighbours share at least ``overlap`` input pixels. Inside each shared strip:

* the outer ``margin`` pixels at either side get weight 0 in the tile that ends (or starts)
  there - they are context only, where zero padding at the tile's edge distorts the output;
* the ``band`` in the middle cross-fades the two tiles with ``cos^2`` / ``sin^2`` ramps, which
  sum to one.

Weights are separable (``w(y, x) = wy(y) * wx(x)``) and the tiles form a full grid, so the
accumulated weight is the outer product of the per-axis sums; dividing by it makes the
blend a weighted mean however the starts were rounded. Where both tiles see enough
context (margin >= the model's receptive-field radius), both agree with the untiled result
and so does their blend: tiling is then exact to float rounding away from the image border.
All weights are computed at output resolution (input coordinates times ``scale``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Tuple

import torch
from torch import Tensor

__all__ = ["AxisPlan", "plan_axis", "split_overlap", "axis_weights", "round_up"]


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is >= ``n``."""
    return -(-n // multiple) * multiple


def split_overlap(overlap: int) -> Tuple[int, int]:
    """``(margin, band)`` of a shared strip of ``overlap`` pixels: a quarter (at least 1 pixel
    when there is any overlap) cross-fades, the rest is split into the two context margins."""
    if overlap <= 0:
        return 0, 0
    band = max(1, overlap // 4)
    return (overlap - band) // 2, band


@dataclass(frozen=True)
class AxisPlan:
    """Tiles along one axis, in input pixels.

    Attributes:
        length: the (padded) image length the tiles cover.
        tile: every tile's length.
        starts: first pixel of each tile, ascending; ``starts[-1] + tile == length``.
        margin: context pixels (weight 0) at a tile edge shared with a neighbour.
    """

    length: int
    tile: int
    starts: Tuple[int, ...]
    margin: int

    @property
    def count(self) -> int:
        return len(self.starts)


def plan_axis(length: int, tile: int, overlap: int, multiple: int = 1) -> AxisPlan:
    """Evenly spread equal tiles of at most ``tile`` pixels (a multiple of ``multiple``; at most
    ``length``) covering ``length`` pixels with neighbours sharing >= ``overlap`` pixels: as
    few tiles as that allows, each as small as covering the axis with that many allows.

    ``length`` must be a multiple of ``multiple``; starts are multiples of it too, so that a
    pixel-unshuffling model sees the same pixel grid in every tile as in the whole image.
    """
    if length < 1 or tile < 1 or multiple < 1 or length % multiple:
        raise ValueError(f"plan_axis: bad arguments length={length}, tile={tile}, multiple={multiple}")
    tile = min(round_up(tile, multiple), length)
    margin, _ = split_overlap(overlap)
    if tile == length:
        return AxisPlan(length, tile, (0,), margin)
    stride = tile - overlap
    if stride < multiple:
        raise ValueError(f"tile size {tile} must exceed the overlap {overlap} by at least {multiple} pixel(s)")
    n = math.ceil((length - tile) / stride) + 1
    # The smallest equal tile that still covers the axis with n tiles: no work is wasted on
    # tiles overlapping more than asked (a 270-pixel side with tile 256 gets two 143s).
    tile = min(tile, round_up(-(-(length + (n - 1) * overlap) // n), multiple))
    span = length - tile
    starts = [(i * span // (n - 1)) // multiple * multiple for i in range(n - 1)] + [span]
    return AxisPlan(length, tile, tuple(starts), margin)


def _pair_band(plan: AxisPlan, i: int) -> Tuple[int, int]:
    """Input-pixel interval ``[lo, hi)`` where tiles ``i`` and ``i+1`` cross-fade (may be empty)."""
    a, b = plan.starts[i + 1], plan.starts[i] + plan.tile  # their shared strip
    m = min(plan.margin, (b - a) // 2)
    return a + m, b - m


def axis_weights(plan: AxisPlan, scale: int, device: torch.device = torch.device("cpu")
                 ) -> Tuple[List[Tensor], Tensor, List[Tuple[int, int]]]:
    """Per-tile 1D weights at output resolution, their sum along the axis, and each tile's
    support.

    Returns:
        ``(weights, total, support)``: ``weights[i]`` is a float32 tensor of length
        ``tile * scale`` (values in [0, 1]); ``total`` has length ``length * scale`` and is > 0
        everywhere; ``support[i] = (lo, hi)`` is the output interval (absolute) where
        ``weights[i] > 0``.
    """
    n, ts = plan.count, plan.tile * scale
    weights, support = [], []
    total = torch.zeros(plan.length * scale, dtype=torch.float64)
    for i in range(n):
        w = torch.ones(ts, dtype=torch.float64)
        origin = plan.starts[i] * scale
        lo, hi = 0, ts
        if i > 0:  # ramp up across the band shared with the previous tile
            b0, b1 = (v * scale - origin for v in _pair_band(plan, i - 1))
            w[:max(b0, 0)] = 0
            if b1 > b0:
                t = (torch.arange(b1 - b0, dtype=torch.float64) + 0.5) / (b1 - b0)
                w[b0:b1] *= torch.sin(t * (math.pi / 2)) ** 2
            lo = b0
        if i < n - 1:  # ramp down across the band shared with the next tile
            b0, b1 = (v * scale - origin for v in _pair_band(plan, i))
            if b1 > b0:
                t = (torch.arange(b1 - b0, dtype=torch.float64) + 0.5) / (b1 - b0)
                w[b0:b1] *= torch.cos(t * (math.pi / 2)) ** 2
            w[b1:] = 0
            hi = b1
        total[origin:origin + ts] += w
        weights.append(w.to(device=device, dtype=torch.float32))
        support.append((origin + lo, origin + hi))
    if not bool((total > 0).all()):
        raise AssertionError("axis_weights: a pixel is covered by no tile")  # planning bug, never user input
    return weights, total.to(device=device, dtype=torch.float32), support
