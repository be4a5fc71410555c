"""VDSR (Kim, Lee, Lee, CVPR 2016), implemented in C++ (csrc/models/vdsr)."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class VDSR(CppModule):
    """VDSR: ``num_layers`` 3x3 convs (ReLU between, no biases) plus a global residual.

    Defaults are the paper's network: 20 layers of 64 filters on the Y channel, 664,704
    weights (``9 c F + 9 F^2 (L - 2) + 9 F c``). Like SRCNN it restores the
    bicubic-upscaled image (registry scale 1: callers pre-upsample), so one network serves
    every scale it was trained on (the paper trains x2, x3 and x4 together).

    Args:
        in_channels: 1 (Y channel, the paper) or 3.
        num_features: filters per layer F (64).
        num_layers: conv layers L in all (20), >= 2.

    forward: (N, in_channels, H, W) bicubic-upscaled image in the training range (srgan_cpp
    uses [0, 1]) -> (N, in_channels, H, W): ``input + f(input)``.
    State-dict keys: ``input.weight``, ``residual_layer.{i}.conv.weight`` (i < L - 2),
    ``output.weight`` - the layout of the common PyTorch VDSR, so its checkpoints load.
    """

    def __init__(self, in_channels: int = 1, num_features: int = 64, num_layers: int = 20) -> None:
        super().__init__(_C.VDSR, dict(in_channels=int(in_channels), num_features=int(num_features),
                                       num_layers=int(num_layers)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    feats, in_ch = shape(sd, "input.weight")[:2]
    hidden = indices(sd, r"residual_layer\.(\d+)\.conv\.weight$")
    if hidden != list(range(len(hidden))):
        raise ValueError(f"VDSR: residual_layer indices {hidden} are not 0..{len(hidden) - 1}")
    return dict(in_channels=in_ch, num_features=feats, num_layers=len(hidden) + 2)


registry.register(VDSR, kind="generator", keys=("input.weight", "output.weight"),
                  matches=lambda sd: all(k in ("input.weight", "output.weight") or k.startswith("residual_layer.")
                                         for k in sd),
                  read_kwargs=_read_kwargs,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["in_channels"], out_channels=kw["in_channels"]),
                  layout="input, residual_layer.N.conv, output")
