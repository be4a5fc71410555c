"""Test-time augmentation: average the model over flips or the 8 dihedral transforms.

Each transform ``t`` of the input is undone on the output (``t^-1(model(t(x)))``) and the
results are averaged. For a model that commutes with the transforms (equivariant) every
term equals ``model(x)``, so TTA changes nothing but rounding.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor

__all__ = ["TTA_MODES", "transforms", "with_tta"]

TTA_MODES = ("none", "flip", "d8")
Transform = Tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]


def _dihedral(k: int, flip: bool) -> Transform:
    """Forward: flip W (optionally), then rotate by k * 90 degrees; inverse undoes it."""
    def fwd(x: Tensor) -> Tensor:
        return torch.rot90(x.flip(-1) if flip else x, k, (-2, -1))

    def inv(y: Tensor) -> Tensor:
        y = torch.rot90(y, -k, (-2, -1))
        return y.flip(-1) if flip else y
    return fwd, inv


def transforms(mode: Optional[str]) -> List[Transform]:
    """The (forward, inverse) pairs of ``mode``: "none"/None (identity only), "flip"
    (identity, horizontal flip), "d8" (4 rotations x with/without flip)."""
    if mode is None or mode == "none":
        return [_dihedral(0, False)]
    if mode == "flip":
        return [_dihedral(0, False), _dihedral(0, True)]
    if mode == "d8":
        return [_dihedral(k, f) for f in (False, True) for k in range(4)]
    raise ValueError(f"`tta` must be one of {', '.join(TTA_MODES)} (or None), got {mode!r}")


def with_tta(fn: Callable[[Tensor], Tensor], mode: Optional[str]) -> Callable[[Tensor], Tensor]:
    """``fn`` ((N, C, H, W) -> (N, C', H*s, W*s) float32) averaged over ``mode``'s transforms."""
    pairs = transforms(mode)
    if len(pairs) == 1:
        return fn

    def averaged(x: Tensor) -> Tensor:
        total: Optional[Tensor] = None
        for fwd, inv in pairs:
            y = inv(fn(fwd(x)))
            total = y if total is None else total.add_(y)
        assert total is not None
        return total.div_(len(pairs))
    return averaged
