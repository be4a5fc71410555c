"""MSRResNet (BasicSR's modified SRResNet), implemented in C++ (csrc/models/msrresnet)."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from .._cpp_module import CppModule
from . import registry
from .registry import StateDict, indices, shape


class MSRResNet(CppModule):
    """SRResNet without batch norm, as BasicSR's ``MSRResNet``.

    Args:
        num_in_ch, num_out_ch: image channels (must be equal: the output adds the
            bilinear-upsampled input).
        num_feat: feature channels (64).
        num_block: residual blocks (16).
        upscale: 2, 3 or 4.

    forward: (N, num_in_ch, H, W), values in [0, 1], any H, W >= 1
    -> (N, num_out_ch, H*upscale, W*upscale).
    State-dict keys are BasicSR's: conv_first, body.N.conv1, body.N.conv2, upconv1,
    upconv2 (x4 only), conv_hr, conv_last (.weight/.bias each).
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_block: int = 16,
                 upscale: int = 4) -> None:
        super().__init__(_C.MSRResNet, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch),
                                            num_feat=int(num_feat), num_block=int(num_block), upscale=int(upscale)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv_first.weight")[:2]
    up1 = shape(sd, "upconv1.weight")[0]
    if "upconv2.weight" in sd:
        upscale = 4
    elif up1 in (4 * f, 9 * f):
        upscale = 2 if up1 == 4 * f else 3
    else:
        raise ValueError(f"srgan_cpp.models.load: MSRResNet layout, but upconv1 gives {up1} channels for {f} features "
                         f"(expected {4 * f} for x2 or {9 * f} for x3)")
    return dict(num_in_ch=in_ch, num_out_ch=shape(sd, "conv_last.weight")[0], num_feat=f,
                num_block=len(indices(sd, r"body\.(\d+)\.conv1\.weight$")), upscale=upscale)


registry.register(MSRResNet, kind="generator", keys=("conv_first.weight", "upconv1.weight", "conv_hr.weight"),
                  read_kwargs=_read_kwargs, geometry=registry.sr_geometry())
