"""Module form of the fused gradient cosine-similarity loss (HetSRWGAN)."""
from __future__ import annotations

from torch import Tensor, nn

from .. import ops
from ..ops.gradient_cosine import MODES, OPERATORS
from ._reduce import check_reduction


class GradientCosineLoss(nn.Module):
    """``loss_weight * srgan_cpp.ops.gradient_cosine_loss(sr, hr, ...)``.

    sr, hr: (N, C, H, W), H, W >= 2. Defaults: operator "sobel", mode "magnitude",
    reduction "mean", eps 1e-8 (see the op for their meaning).
    """

    def __init__(self, loss_weight: float = 1.0, operator: str = "sobel", mode: str = "magnitude",
                 reduction: str = "mean", eps: float = 1e-8) -> None:
        super().__init__()
        if operator not in OPERATORS:
            raise ValueError(f"GradientCosineLoss: expected `operator` in {OPERATORS}, got {operator!r}")
        if mode not in MODES:
            raise ValueError(f"GradientCosineLoss: expected `mode` in {MODES}, got {mode!r}")
        self.loss_weight = float(loss_weight)
        self.operator, self.mode = operator, mode
        self.reduction = check_reduction(reduction, "GradientCosineLoss")
        self.eps = float(eps)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return self.loss_weight * ops.gradient_cosine_loss(sr, hr, operator=self.operator, mode=self.mode,
                                                           reduction=self.reduction, eps=self.eps)

    def extra_repr(self) -> str:
        return f"operator={self.operator!r}, mode={self.mode!r}, loss_weight={self.loss_weight}"
