"""Pixel losses: L1, MSE, Charbonnier and total variation, each with `reduction` and an
optional per-pixel weight (see ``_reduce.weighted_reduce`` for the weighted mean)."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from ._reduce import check_pair, check_reduction, weighted_reduce


def l1_loss(pred: Tensor, target: Tensor, weight: Optional[Tensor] = None, reduction: str = "mean") -> Tensor:
    """|pred - target| per element; pred, target any equal shape, e.g. (N, C, H, W)."""
    check_pair(pred, target, "l1_loss")
    return weighted_reduce((pred - target).abs(), weight, reduction, "l1_loss")


def mse_loss(pred: Tensor, target: Tensor, weight: Optional[Tensor] = None, reduction: str = "mean") -> Tensor:
    """(pred - target)^2 per element."""
    check_pair(pred, target, "mse_loss")
    return weighted_reduce((pred - target).square(), weight, reduction, "mse_loss")


def charbonnier_loss(pred: Tensor, target: Tensor, weight: Optional[Tensor] = None, reduction: str = "mean",
                     eps: float = 1e-3) -> Tensor:
    """sqrt((pred - target)^2 + eps^2) per element - a smooth L1 (LapSRN, ESRGAN's
    PSNR stage). eps > 0 keeps the gradient finite at zero difference."""
    check_pair(pred, target, "charbonnier_loss")
    if not eps > 0:
        raise ValueError(f"charbonnier_loss: expected `eps` > 0, got {eps}")
    return weighted_reduce(torch.sqrt((pred - target).square() + eps * eps), weight, reduction, "charbonnier_loss")


def total_variation_loss(image: Tensor, weight: Optional[Tensor] = None, reduction: str = "mean",
                         p: int = 1) -> Tensor:
    """Total variation of (N, C, H, W) images, as a per-pixel map then reduced.

    Per pixel: |x[i+1, j] - x[i, j]|^p + |x[i, j+1] - x[i, j]|^p with forward differences
    and a replicate border (the last row/column contributes 0), p = 1 (anisotropic TV,
    default) or 2 (squared differences). "mean" divides by N*C*H*W.
    """
    if not isinstance(image, Tensor) or image.dim() != 4:
        raise ValueError(f"total_variation_loss: expected `image` of rank 4 (N, C, H, W), got "
                         f"{getattr(image, 'shape', type(image).__name__)}")
    if p not in (1, 2):
        raise ValueError(f"total_variation_loss: expected `p` 1 or 2, got {p}")
    dy = torch.nn.functional.pad(image[:, :, 1:, :] - image[:, :, :-1, :], (0, 0, 0, 1))
    dx = torch.nn.functional.pad(image[:, :, :, 1:] - image[:, :, :, :-1], (0, 1, 0, 0))
    tv = dy.abs() + dx.abs() if p == 1 else dy.square() + dx.square()
    return weighted_reduce(tv, weight, reduction, "total_variation_loss")


class _PixelLoss(nn.Module):
    """``loss_weight * loss(pred, target, weight)``."""

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.reduction = check_reduction(reduction, type(self).__name__)

    def extra_repr(self) -> str:
        return f"loss_weight={self.loss_weight}, reduction={self.reduction!r}"


class L1Loss(_PixelLoss):
    """Mean absolute error; ``forward(pred, target, weight=None)``."""

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * l1_loss(pred, target, weight, self.reduction)


class MSELoss(_PixelLoss):
    """Mean squared error; ``forward(pred, target, weight=None)``."""

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * mse_loss(pred, target, weight, self.reduction)


class CharbonnierLoss(_PixelLoss):
    """sqrt(diff^2 + eps^2); ``forward(pred, target, weight=None)``."""

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean", eps: float = 1e-3) -> None:
        super().__init__(loss_weight, reduction)
        if not eps > 0:
            raise ValueError(f"CharbonnierLoss: expected `eps` > 0, got {eps}")
        self.eps = float(eps)

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * charbonnier_loss(pred, target, weight, self.reduction, self.eps)


class TVLoss(_PixelLoss):
    """Total variation of the prediction; ``forward(image, weight=None)``."""

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean", p: int = 1) -> None:
        super().__init__(loss_weight, reduction)
        if p not in (1, 2):
            raise ValueError(f"TVLoss: expected `p` 1 or 2, got {p}")
        self.p = p

    def forward(self, image: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * total_variation_loss(image, weight, self.reduction, self.p)
