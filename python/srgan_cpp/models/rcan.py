"""RCAN (Zhang et al., ECCV 2018) as in BasicSR, implemented in C++ (csrc/models/rcan)."""
from __future__ import annotations

from typing import Any, Dict, Sequence

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class RCAN(CppModule):
    """BasicSR's ``RCAN``: residual groups of residual channel-attention blocks (RCABs).

    Defaults are the paper's configuration (and BasicSR's RCAN configs): 10 residual groups
    of 20 RCABs, 64 features, channel squeeze factor 16 (BasicSR's class default for
    ``num_block`` is 16; its training configs use 20).

    Args:
        num_in_ch, num_out_ch: image channels (equal, and equal to len(rgb_mean)).
        num_feat: feature channels. num_group: residual groups. num_block: RCABs per group.
        squeeze_factor: the channel attention keeps num_feat // squeeze_factor channels.
        upscale: a power of 2, or 3. res_scale: the RCAB residual scale (1).
        img_range: the input is mapped to (x - rgb_mean) * img_range (255, as trained).
        rgb_mean: the mean subtracted per channel (DIV2K's by default).

    forward: (N, C, H, W), values in [0, 1], any H, W >= 1 -> (N, C, H*upscale, W*upscale).
    Each channel attention runs as one fused op (``srgan_cpp.ops.channel_attention``).
    State-dict keys are BasicSR's: conv_first, body.G.residual_group.B.rcab.0 / .2 (convs),
    body.G.residual_group.B.rcab.3.attention.1 / .3 (the attention's 1x1 convs), body.G.conv,
    conv_after_body, upsample.0 (+ upsample.2, ... for x4, x8), conv_last; BasicSR RCAN
    checkpoints load strictly. ``mean`` is a non-persistent buffer (as EDSR's).
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_group: int = 10,
                 num_block: int = 20, squeeze_factor: int = 16, upscale: int = 4, res_scale: float = 1.0,
                 img_range: float = 255.0, rgb_mean: Sequence[float] = (0.4488, 0.4371, 0.4040)) -> None:
        super().__init__(_C.RCAN, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch), num_feat=int(num_feat),
                                       num_group=int(num_group), num_block=int(num_block),
                                       squeeze_factor=int(squeeze_factor), upscale=int(upscale),
                                       res_scale=float(res_scale), img_range=float(img_range),
                                       rgb_mean=[float(v) for v in rgb_mean]))
        self._non_persistent_buffers_set.add("mean")


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv_first.weight")[:2]
    upscale = registry.upsample_factor(sd, f)
    groups = indices(sd, r"body\.(\d+)\.conv\.weight$")
    blocks = indices(sd, r"body\.0\.residual_group\.(\d+)\.rcab\.0\.weight$")
    kwargs: Dict[str, Any] = dict(num_in_ch=in_ch, num_out_ch=shape(sd, "conv_last.weight")[0], num_feat=f,
                                  num_group=len(groups), num_block=len(blocks), upscale=upscale)
    squeeze = "body.0.residual_group.0.rcab.3.attention.1.weight"
    if squeeze in sd:
        hidden = shape(sd, squeeze)[0]
        factor = f // hidden
        if factor < 1 or f // factor != hidden:
            raise ValueError(f"srgan_cpp.models.load: RCAN layout, but the channel attention squeezes {f} features to "
                             f"{hidden}, which no squeeze_factor gives (num_feat // squeeze_factor)")
        kwargs["squeeze_factor"] = factor
    # res_scale is not stored in the weights; BasicSR's RCAN configs use 1 (the default).
    return kwargs


registry.register(RCAN, kind="generator",
                  keys=("conv_first.weight", "conv_after_body.weight", "upsample.0.weight", "body.0.conv.weight"),
                  read_kwargs=_read_kwargs, layout="conv_first, body.G.residual_group.B.rcab, body.G.conv, "
                                                   "conv_after_body, upsample.0",
                  geometry=lambda kw: Geometry(scale=kw["upscale"], in_channels=kw["num_in_ch"],
                                               out_channels=kw["num_out_ch"]))
