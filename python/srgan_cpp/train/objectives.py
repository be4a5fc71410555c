"""The losses of a stage, built from its configuration with srgan_cpp's loss family.

Generator content losses take the float32 output ``sr`` and targets ``gt``; the
perceptual loss runs its VGG under the stage's autocast (its criterion in float32); the
adversarial terms are in :mod:`.steps`. Each call returns ``(total, {name: detached value})``
with BasicSR's names (``l_g_pix``, ``l_g_percep``, ``l_g_style``, plus ``l_g_gc`` for the
gradient cosine loss and ``l_g_tv``).
"""
from __future__ import annotations

from typing import Callable, ContextManager, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from .. import losses as L
from ..losses.perceptual import gram_matrix
from .config import LossesConfig, PerceptualLossConfig


def build_perceptual(cfg: PerceptualLossConfig) -> L.PerceptualLoss:
    """The VGG feature loss; ``weights: random[:SEED]`` builds the seeded untrained VGG of the tiny recipes."""
    if cfg.is_random():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.random_seed())
            return L.PerceptualLoss(dict(cfg.layers), None, cfg.vgg, cfg.use_input_norm, cfg.range_norm, cfg.criterion,
                                    cfg.weight, cfg.style_weight, allow_random_weights=True)
    return L.PerceptualLoss(dict(cfg.layers), cfg.weights, cfg.vgg, cfg.use_input_norm, cfg.range_norm, cfg.criterion,
                            cfg.weight, cfg.style_weight)


class ContentLoss(nn.Module):
    """Pixel, perceptual, gradient-cosine and TV terms of one stage."""

    def __init__(self, cfg: LossesConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.pixel: Optional[Callable[[Tensor, Tensor], Tensor]] = None
        if cfg.pixel is not None:
            p = cfg.pixel
            self.pixel = {"l1": L.L1Loss(p.weight), "mse": L.MSELoss(p.weight),
                          "charbonnier": L.CharbonnierLoss(p.weight, eps=p.eps)}[p.type]
        self.perceptual = build_perceptual(cfg.perceptual) if cfg.perceptual is not None else None
        self.gc = (L.GradientCosineLoss(cfg.gradient_cosine.weight, cfg.gradient_cosine.operator, cfg.gradient_cosine.mode)
                   if cfg.gradient_cosine is not None else None)
        self.tv = L.TVLoss(cfg.tv.weight) if cfg.tv is not None else None

    def _perceptual(self, sr: Tensor, gt: Tensor, autocast: Callable[[], ContextManager]) -> Tuple[Tensor, Tensor]:
        ploss = self.perceptual
        assert ploss is not None
        with autocast():
            fs = ploss.vgg(sr)
            with torch.no_grad():
                fh = ploss.vgg(gt)
        percep = sr.new_zeros(())
        style = sr.new_zeros(())
        for name, w in ploss.layer_weights.items():
            a, b = fs[name].float(), fh[name].float()
            if ploss.perceptual_weight:
                percep = percep + ploss.perceptual_weight * w * ploss._crit(a, b)
            if ploss.style_weight:
                style = style + ploss.style_weight * w * ploss._crit(gram_matrix(a), gram_matrix(b))
        return percep, style

    def forward(self, sr: Tensor, gt_pixel: Tensor, gt_percep: Tensor,
                autocast: Callable[[], ContextManager]) -> Tuple[Tensor, Dict[str, Tensor]]:
        terms: Dict[str, Tensor] = {}
        if self.pixel is not None:
            terms["l_g_pix"] = self.pixel(sr, gt_pixel)
        if self.perceptual is not None:
            percep, style = self._perceptual(sr, gt_percep, autocast)
            if self.perceptual.perceptual_weight:
                terms["l_g_percep"] = percep
            if self.perceptual.style_weight:
                terms["l_g_style"] = style
        if self.gc is not None:
            terms["l_g_gc"] = self.gc(sr, gt_pixel)
        if self.tv is not None:
            terms["l_g_tv"] = self.tv(sr)
        total = sum(terms.values()) if terms else sr.new_zeros(())
        return total, {k: v.detach() for k, v in terms.items()}  # type: ignore[return-value]
