"""LapSRN (Lai, Huang, Ahuja, Yang, CVPR 2017), implemented in C++ (csrc/models/lapsrn),
and its multi-level Charbonnier loss."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import Tensor

from .. import _C
from ..losses.pixel import charbonnier_loss
from . import registry
from ._bound_call import bound_call
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape

UPSAMPLERS = ("transposed_conv", "pixel_shuffle", "nearest_conv")


class LapSRN(CppModule):
    """LapSRN: a Laplacian pyramid of log2(scale) x2 levels on the LR image.

    Level l: ``depth`` 3x3 convs (LeakyReLU) on the features, a x2 feature up-sampler
    (:class:`srgan_cpp.nn.Upsampler` layer; the paper's 4x4 stride-2 transposed conv by
    default), a 3x3 conv to that level's residual image, added to the previous level's image
    up-sampled x2 by a 4x4 transposed conv (initialised to bilinear).

    Defaults are the paper's LapSRN for x4: depth 10 per level, 64 filters, LeakyReLU 0.2,
    Y channel. The paper trains with a Charbonnier loss at every level
    (:func:`lapsrn_loss`).

    Args:
        in_channels: 1 (Y channel, the paper) or 3.
        num_features: filters (64). depth: convs per level (10).
        scale: 2, 4, 8, ... (log2(scale) levels).
        upsampler: the feature up-sampler, ``"transposed_conv"`` (the paper),
            ``"pixel_shuffle"`` or ``"nearest_conv"`` (see :class:`srgan_cpp.nn.Upsampler`).
        negative_slope: LeakyReLU slope (0.2, the paper; not stored in the weights).

    forward: (N, in_channels, H, W) LR image in the training range (e.g. [0, 1]) ->
    (N, in_channels, H * scale, W * scale). :meth:`forward_pyramid` returns every level.
    State-dict keys: ``conv_input``, ``levels.{l}.body.{i}``, ``levels.{l}.upsample.0``
    (``upsample.1`` too with PReLU), ``levels.{l}.to_residual``, ``levels.{l}.image_up``.
    """

    def __init__(self, in_channels: int = 1, num_features: int = 64, depth: int = 10, scale: int = 4,
                 upsampler: str = "transposed_conv", negative_slope: float = 0.2) -> None:
        if upsampler not in UPSAMPLERS:
            raise ValueError(f"LapSRN: `upsampler` must be one of {UPSAMPLERS}, got {upsampler!r}")
        super().__init__(_C.LapSRN, dict(in_channels=int(in_channels), num_features=int(num_features),
                                         depth=int(depth), scale=int(scale), upsampler=upsampler,
                                         negative_slope=float(negative_slope)))

    def forward_pyramid(self, input: Tensor) -> List[Tensor]:
        """``[x2, x4, ..., x scale]`` outputs, level l of shape (N, C, H * 2^l, W * 2^l)."""
        return list(bound_call(self, "bound_forward_pyramid", input))


def pyramid_targets(hr: Tensor, levels: int) -> List[Tensor]:
    """The HR image (N, C, H, W) and its MATLAB-bicubic downscales by 2, 4, ...: the
    supervision of each pyramid level, coarsest first (``levels`` of them).
    H and W must be multiples of 2^(levels - 1)."""
    from ..data import imresize  # the data package imports models' neighbours; keep it lazy

    f = 2 ** (levels - 1)
    if hr.dim() != 4 or hr.shape[-1] % f or hr.shape[-2] % f:
        raise ValueError(f"lapsrn_loss: expected `hr` (N, C, H, W) with H, W multiples of {f}, got "
                         f"{tuple(hr.shape)}")
    out = [hr]
    with torch.no_grad():
        for k in range(1, levels):
            d = 2 ** k
            out.append(imresize(hr.detach(), size=(hr.shape[-2] // d, hr.shape[-1] // d)))
    return out[::-1]


def lapsrn_loss(pyramid: Sequence[Tensor], hr: Tensor, eps: float = 1e-3,
                targets: Optional[Sequence[Tensor]] = None) -> Tensor:
    """LapSRN's loss: the sum over levels of the Charbonnier loss (``sqrt(d^2 + eps^2)``,
    mean over elements) between each level's output and the HR image bicubic-downscaled to
    that level's size (``targets``, or made from ``hr`` by :func:`pyramid_targets`).

    Args:
        pyramid: ``LapSRN.forward_pyramid(lr)``, coarsest first.
        hr: the HR image (N, C, H, W) of the last level.
        eps: the Charbonnier epsilon (1e-3, the paper).
        targets: precomputed per-level targets, coarsest first (optional).
    """
    if len(pyramid) == 0:
        raise ValueError("lapsrn_loss: expected at least one pyramid level")
    tg = list(targets) if targets is not None else pyramid_targets(hr, len(pyramid))
    if len(tg) != len(pyramid):
        raise ValueError(f"lapsrn_loss: {len(pyramid)} levels but {len(tg)} targets")
    for lvl, (p, t) in enumerate(zip(pyramid, tg)):
        if p.shape != t.shape:
            raise ValueError(f"lapsrn_loss: level {lvl} output {tuple(p.shape)} vs target {tuple(t.shape)}")
    return sum(charbonnier_loss(p, t.to(p.dtype), eps=eps) for p, t in zip(pyramid, tg))  # type: ignore[return-value]


def _upsampler_of(sd: StateDict, feats: int) -> str:
    w = shape(sd, "levels.0.upsample.0.weight")
    if w[2] == 4:
        return "transposed_conv"
    if w[0] == 4 * feats:
        return "pixel_shuffle"
    return "nearest_conv"


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    feats, in_ch = shape(sd, "conv_input.weight")[:2]
    levels = indices(sd, r"levels\.(\d+)\.image_up\.weight$")
    if levels != list(range(len(levels))):
        raise ValueError(f"LapSRN: pyramid level indices {levels} are not 0..{len(levels) - 1}")
    depth = len(indices(sd, r"levels\.0\.body\.(\d+)\.weight$"))
    # negative_slope is not stored: the paper's 0.2 (the class default) is assumed.
    return dict(in_channels=in_ch, num_features=feats, depth=depth, scale=2 ** len(levels),
                upsampler=_upsampler_of(sd, feats))


def _geometry(kw: Dict[str, Any]) -> Geometry:
    if kw["scale"] < 2 or 2 ** int(round(math.log2(kw["scale"]))) != kw["scale"]:
        raise ValueError(f"LapSRN: `scale` must be a power of 2 >= 2, got {kw['scale']}")
    return Geometry(scale=kw["scale"], in_channels=kw["in_channels"], out_channels=kw["in_channels"])


registry.register(LapSRN, kind="generator", keys=("conv_input.weight", "levels.0.image_up.weight"),
                  read_kwargs=_read_kwargs, geometry=_geometry,
                  layout="conv_input, levels.N.{body.N, upsample, to_residual, image_up}")
