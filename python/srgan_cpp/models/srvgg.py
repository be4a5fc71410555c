"""SRVGGNetCompact (Real-ESRGAN's compact VGG-style generator), implemented in C++ (csrc/models/srvgg)."""
from __future__ import annotations

import math
import re
from typing import Any, Dict

from .. import _C
from .._cpp_module import CppModule
from . import registry
from .registry import StateDict, indices, shape


class SRVGGNetCompact(CppModule):
    """Real-ESRGAN's ``SRVGGNetCompact`` (e.g. realesr-general-x4v3, realesr-animevideov3).

    Args:
        num_in_ch, num_out_ch: image channels (must be equal: the output adds the
            nearest-upsampled input).
        num_feat: channels (64). num_conv: body convs between the first and the last (16).
        upscale: any factor >= 1 (4). act_type: "prelu" | "relu" | "leakyrelu" (slope 0.1).

    forward: (N, C, H, W), values in [0, 1], any H, W >= 1 -> (N, C, H*upscale, W*upscale).
    State-dict keys are Real-ESRGAN's: body.0 (conv), body.1 (PReLU weight, "prelu" only),
    body.2 (conv), ..., body.{2*num_conv+2} (last conv).
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_conv: int = 16,
                 upscale: int = 4, act_type: str = "prelu") -> None:
        super().__init__(_C.SRVGGNetCompact, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch),
                                                  num_feat=int(num_feat), num_conv=int(num_conv),
                                                  upscale=int(upscale), act_type=str(act_type)))


_BODY_KEY = re.compile(r"body\.\d+\.(weight|bias)$")


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    convs = [i for i in indices(sd, r"body\.(\d+)\.weight$") if sd[f"body.{i}.weight"].dim() == 4]
    f, in_ch = shape(sd, "body.0.weight")[:2]
    last = convs[-1]
    last_out = shape(sd, f"body.{last}.weight")[0]
    up = math.isqrt(max(last_out // in_ch, 0))
    if last % 2 or up * up * in_ch != last_out:
        raise ValueError(f"srgan_cpp.models.load: SRVGGNetCompact layout, but the last conv body.{last} gives "
                         f"{last_out} channels for {in_ch} input channels (expected C*upscale^2 at an even index)")
    cfg: Dict[str, Any] = dict(num_in_ch=in_ch, num_out_ch=in_ch, num_feat=f, num_conv=(last - 2) // 2, upscale=up)
    if "body.1.weight" in sd:
        cfg["act_type"] = "prelu"
    return cfg


# what the weights cannot tell
_REQUIRES = registry.requires(
    act_type="SRVGGNetCompact layout without PReLU weights: the activation is ReLU or LeakyReLU, which the weights "
             "cannot tell apart; pass act_type='relu' or 'leakyrelu'")

registry.register(SRVGGNetCompact, kind="generator", keys=("body.0.weight",),
                  matches=lambda sd: all(_BODY_KEY.match(k) for k in sd), read_kwargs=_read_kwargs, check=_REQUIRES,
                  geometry=registry.sr_geometry(), layout="body.N only")
