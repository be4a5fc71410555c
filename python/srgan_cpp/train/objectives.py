"""The losses of a stage, built from its configuration with srgan_cpp's loss family.

Generator content losses take the float32 output ``sr`` and targets ``gt``; the
perceptual loss runs its VGG under the stage's autocast (its criterion in float32); the
adversarial terms are in :mod:`.steps`. Each call returns ``(total, {name: detached value})``
with BasicSR's names (``l_g_pix``, ``l_g_percep``, ``l_g_style``, plus ``l_g_gc`` for the
gradient cosine loss, ``l_g_tv``, ``l_g_recursive`` for DRCN's recursive supervision and
``l_g_pyramid`` for LapSRN's loss at every level).

The last two need more than the generator's output: the stage then trains through
:class:`AuxForward` (the generator's ``forward_all`` / ``forward_pyramid``), whose output
:func:`split_output` turns into ``(sr, aux)``; ``aux`` reaches :class:`ContentLoss`.
"""
from __future__ import annotations

from typing import Any, Callable, ContextManager, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from .. import losses as L
from ..losses.perceptual import gram_matrix
from ..models.drcn import drcn_loss
from ..models.lapsrn import lapsrn_loss
from .config import LossesConfig, PerceptualLossConfig


class AuxForward(nn.Module):
    """``net`` called through its method ``method`` (``forward_all`` / ``forward_pyramid``):
    what the stage trains (and DDP wraps) when a loss needs the intermediate predictions.
    Its parameters are ``net``'s, so optimisers, EMA and checkpoints see the same tensors."""

    def __init__(self, net: nn.Module, method: str) -> None:
        super().__init__()
        self.net = net
        self.method = method

    def forward(self, x: Tensor) -> Any:
        return getattr(self.net, self.method)(x)


def split_output(out: Any, method: Optional[str]) -> Tuple[Tensor, Optional[List[Tensor]]]:
    """``(sr, aux)`` from what the trained forward returned: the plain output and None;
    ``forward_all``'s ``(output, [y_1 .. y_D])``; ``forward_pyramid``'s ``[x2, ..., x scale]``
    (sr is the last level, aux every level)."""
    if method is None:
        return out, None
    if method == "forward_all":
        sr, preds = out
        return sr, list(preds)
    levels = list(out)
    return levels[-1], levels


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

    def __init__(self, cfg: LossesConfig, iterations: int = 1, parameters: Sequence[Tensor] = ()) -> None:
        """``iterations``: the stage's (for the schedule of DRCN's alpha); ``parameters``: the
        generator's trainable ones (for DRCN's ``beta ||W||^2``)."""
        super().__init__()
        self.cfg = cfg
        self.iterations = int(iterations)
        self.parameters_for_decay = list(parameters)
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

    def forward(self, sr: Tensor, gt_pixel: Tensor, gt_percep: Tensor, autocast: Callable[[], ContextManager],
                aux: Optional[Sequence[Tensor]] = None, iteration: int = 1) -> Tuple[Tensor, Dict[str, Tensor]]:
        """``aux``: the intermediate predictions (see :func:`split_output`), required by
        ``recursive_supervision`` / ``pyramid``; ``iteration``: the 1-based stage iteration."""
        terms: Dict[str, Tensor] = {}
        rs, pyr = self.cfg.recursive_supervision, self.cfg.pyramid
        if (rs is not None or pyr is not None) and aux is None:
            raise ValueError("ContentLoss: recursive_supervision / pyramid need the intermediate predictions `aux`")
        if rs is not None:
            assert aux is not None
            alpha = rs.alpha_at(iteration, self.iterations)
            terms["l_g_recursive"] = rs.weight * drcn_loss(sr, [p.float() for p in aux], gt_pixel, alpha, rs.beta,
                                                           self.parameters_for_decay if rs.beta > 0 else None)
        if pyr is not None:
            assert aux is not None
            terms["l_g_pyramid"] = pyr.weight * lapsrn_loss([p.float() for p in aux], gt_pixel, eps=pyr.eps)
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
