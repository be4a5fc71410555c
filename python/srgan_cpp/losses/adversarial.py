"""Adversarial losses on raw discriminator outputs (logits / critic values).

``GANLoss(kind)`` follows the conventions of BasicSR's ``GANLoss`` so configurations port
directly; the relativistic average loss is the fused ``srgan_cpp.ops.ragan_loss``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import ops
from ._reduce import check_reduction, weighted_reduce

KINDS = ("vanilla", "lsgan", "wgan", "wgan_softplus", "hinge")


def gan_loss(pred: Tensor, target_is_real: bool, kind: str = "vanilla", is_disc: bool = False,
             reduction: str = "mean", real_label: float = 1.0, fake_label: float = 0.0) -> Tensor:
    """Per-element adversarial loss of discriminator outputs ``pred`` (any shape), reduced.

    - vanilla: BCE-with-logits against real_label / fake_label (stable log-sigmoid form)
    - lsgan:   (pred - label)^2
    - wgan:    -pred for real, +pred for fake
    - wgan_softplus: softplus(-pred) for real, softplus(pred) for fake
    - hinge:   discriminator: relu(1 - pred) real, relu(1 + pred) fake; generator
               (``is_disc=False``): -pred (the target must then be real)
    """
    if kind not in KINDS:
        raise ValueError(f"gan_loss: expected `kind` to be one of {KINDS}, got {kind!r}")
    check_reduction(reduction, "gan_loss")
    if not isinstance(pred, Tensor) or not pred.is_floating_point():
        raise TypeError(f"gan_loss: expected a floating-point tensor `pred`, got "
                        f"{getattr(pred, 'dtype', type(pred).__name__)}")
    if kind == "vanilla":
        label = torch.full_like(pred, real_label if target_is_real else fake_label)
        loss = F.binary_cross_entropy_with_logits(pred, label, reduction="none")
    elif kind == "lsgan":
        loss = (pred - (real_label if target_is_real else fake_label)).square()
    elif kind == "wgan":
        loss = -pred if target_is_real else pred
    elif kind == "wgan_softplus":
        loss = F.softplus(-pred) if target_is_real else F.softplus(pred)
    else:  # hinge
        if is_disc:
            loss = F.relu(1 - pred) if target_is_real else F.relu(1 + pred)
        else:
            if not target_is_real:
                raise ValueError("gan_loss: the hinge generator loss is -pred; call it with target_is_real=True")
            loss = -pred
    return weighted_reduce(loss, None, reduction, "gan_loss")


class GANLoss(nn.Module):
    """``loss_weight * gan_loss(pred, target_is_real, kind, is_disc)``.

    As in BasicSR, ``loss_weight`` applies to the generator only (``is_disc=False``); the
    discriminator loss is never scaled.
    """

    def __init__(self, kind: str = "vanilla", real_label: float = 1.0, fake_label: float = 0.0,
                 loss_weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"GANLoss: expected `kind` to be one of {KINDS}, got {kind!r}")
        self.kind = kind
        self.real_label, self.fake_label = float(real_label), float(fake_label)
        self.loss_weight = float(loss_weight)
        self.reduction = check_reduction(reduction, "GANLoss")

    def forward(self, pred: Tensor, target_is_real: bool, is_disc: bool = False) -> Tensor:
        loss = gan_loss(pred, target_is_real, self.kind, is_disc, self.reduction, self.real_label, self.fake_label)
        return loss if is_disc else self.loss_weight * loss

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, loss_weight={self.loss_weight}"


class RelativisticAverageGANLoss(nn.Module):
    """ESRGAN's RaGAN loss (fused op): ``forward(real_logits, fake_logits, is_disc)``.

    is_disc=True gives the discriminator loss, False the generator loss scaled by
    ``loss_weight``. See ``srgan_cpp.ops.ragan_loss`` for the definition and the
    detaching conventions.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.reduction = check_reduction(reduction, "RelativisticAverageGANLoss")

    def forward(self, real_logits: Tensor, fake_logits: Tensor, is_disc: bool = False) -> Tensor:
        target = "discriminator" if is_disc else "generator"
        loss = ops.ragan_loss(real_logits, fake_logits, target=target, reduction=self.reduction)
        return loss if is_disc else self.loss_weight * loss
