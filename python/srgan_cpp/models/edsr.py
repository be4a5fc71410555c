"""EDSR (Lim et al., 2017) as in BasicSR, implemented in C++ (csrc/models/edsr)."""
from __future__ import annotations

from typing import Any, Dict, Sequence

from .. import _C
from .._cpp_module import CppModule
from . import registry
from .registry import StateDict, indices, shape


class EDSR(CppModule):
    """BasicSR's ``EDSR`` (baseline: num_feat=64, num_block=16, res_scale=1; large:
    num_feat=256, num_block=32, res_scale=0.1).

    Args:
        num_in_ch, num_out_ch: image channels (equal, and equal to len(rgb_mean)).
        num_feat, num_block, res_scale: see above. upscale: a power of 2, or 3.
        img_range: the input is mapped to (x - rgb_mean) * img_range (255, as trained).
        rgb_mean: the mean subtracted per channel (DIV2K's by default).

    forward: (N, C, H, W), values in [0, 1], any H, W >= 1 -> (N, C, H*upscale, W*upscale).
    State-dict keys are BasicSR's: conv_first, body.N.conv1/conv2, conv_after_body,
    upsample.0 (+ upsample.2, ... for x4, x8), conv_last. ``mean`` (1, C, 1, 1) is a
    non-persistent buffer: it follows ``.to()`` but is not in the state dict, exactly as
    BasicSR (where it is a plain attribute), so BasicSR's files load strictly.
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_block: int = 16,
                 upscale: int = 4, res_scale: float = 1.0, img_range: float = 255.0,
                 rgb_mean: Sequence[float] = (0.4488, 0.4371, 0.4040)) -> None:
        super().__init__(_C.EDSR, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch), num_feat=int(num_feat),
                                       num_block=int(num_block), upscale=int(upscale), res_scale=float(res_scale),
                                       img_range=float(img_range), rgb_mean=[float(v) for v in rgb_mean]))
        self._non_persistent_buffers_set.add("mean")


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv_first.weight")[:2]
    upscale = registry.upsample_factor(sd, f)
    # res_scale is not stored in the weights. BasicSR's configs use 0.1 for the large
    # (256-feature) model and 1 for the baseline; pass res_scale= to override.
    return dict(num_in_ch=in_ch, num_out_ch=shape(sd, "conv_last.weight")[0], num_feat=f,
                num_block=len(indices(sd, r"body\.(\d+)\.conv1\.weight$")), upscale=upscale,
                res_scale=0.1 if f >= 256 else 1.0)


registry.register(EDSR, kind="generator", keys=("conv_first.weight", "conv_after_body.weight", "upsample.0.weight"),
                  matches=lambda sd: "body.0.conv.weight" not in sd,  # RCAN's residual groups end in body.G.conv
                  read_kwargs=_read_kwargs, geometry=registry.sr_geometry())
