"""Perceptual (VGG feature) loss with an optional style (Gram matrix) term."""
from __future__ import annotations

import os
from typing import Dict, Optional, Union

import torch
from torch import Tensor, nn

from .vgg import VGGFeatureExtractor

CRITERIA = ("l1", "l2", "fro")


def gram_matrix(feat: Tensor) -> Tensor:
    """(N, C, H, W) -> (N, C, C) Gram matrix normalised by C*H*W."""
    n, c, h, w = feat.shape
    f = feat.reshape(n, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


class PerceptualLoss(nn.Module):
    """``perceptual_weight * sum_l w_l crit(phi_l(sr), phi_l(hr)) + style_weight * sum_l w_l
    crit(gram(phi_l(sr)), gram(phi_l(hr)))``.

    Args:
        layer_weights: ``{layer name: weight}``; default ``{"conv5_4": 1.0}`` (ESRGAN: the
            last VGG19 conv before its ReLU). SRGAN's VGG54 loss is ``{"relu5_4": 1.0}``
            with criterion "l2". Names: see ``vgg.layer_names``.
        weights_path: torchvision VGG weights (.pth via ``weights_only=True``) or
            .safetensors. Required unless ``allow_random_weights=True`` (tests only).
        vgg_type, use_input_norm, range_norm: as in ``VGGFeatureExtractor``.
        criterion: "l1" (mean absolute, ESRGAN), "l2" (mean squared, SRGAN) or "fro"
            (Frobenius norm of the difference, BasicSR's option).
        perceptual_weight, style_weight: scales of the two terms; a weight of 0 skips
            the term.
    ``forward(sr, hr)`` with (N, 3 or 1, H, W) images returns a 0-dim loss; ``hr``
    features are computed without grad. VGG parameters are frozen.
    """

    def __init__(self, layer_weights: Optional[Dict[str, float]] = None,
                 weights_path: Union[str, os.PathLike, None] = None, vgg_type: str = "vgg19",
                 use_input_norm: bool = True, range_norm: bool = False, criterion: str = "l1",
                 perceptual_weight: float = 1.0, style_weight: float = 0.0,
                 allow_random_weights: bool = False) -> None:
        super().__init__()
        if criterion not in CRITERIA:
            raise ValueError(f"PerceptualLoss: expected `criterion` to be one of {CRITERIA}, got {criterion!r}")
        if weights_path is None and not allow_random_weights:
            raise ValueError("PerceptualLoss: `weights_path` is required (pretrained VGG weights cannot be "
                             "downloaded here: pass torchvision's vgg19/vgg16 .pth or a .safetensors file); "
                             "allow_random_weights=True builds an untrained VGG for tests")
        self.layer_weights = dict(layer_weights or {"conv5_4": 1.0})
        self.vgg = VGGFeatureExtractor(list(self.layer_weights), vgg_type, weights_path, use_input_norm, range_norm)
        self.criterion = criterion
        self.perceptual_weight = float(perceptual_weight)
        self.style_weight = float(style_weight)

    def _crit(self, a: Tensor, b: Tensor) -> Tensor:
        if self.criterion == "l1":
            return (a - b).abs().mean()
        if self.criterion == "l2":
            return (a - b).square().mean()
        return torch.linalg.vector_norm(a - b)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        if sr.shape != hr.shape:
            raise ValueError(f"PerceptualLoss: expected `hr` of the same shape as `sr` {tuple(sr.shape)}, got "
                             f"{tuple(hr.shape)}")
        fs = self.vgg(sr)
        with torch.no_grad():
            fh = self.vgg(hr.detach())
        total = sr.new_zeros(())
        for name, w in self.layer_weights.items():
            if self.perceptual_weight:
                total = total + self.perceptual_weight * w * self._crit(fs[name], fh[name])
            if self.style_weight:
                total = total + self.style_weight * w * self._crit(gram_matrix(fs[name]), gram_matrix(fh[name]))
        return total
