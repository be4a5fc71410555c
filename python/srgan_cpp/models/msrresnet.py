"""MSRResNet (BasicSR's modified SRResNet), implemented in C++ (csrc/models/msrresnet)."""
from __future__ import annotations

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule


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

    @property
    def scale(self) -> int:
        """The upscaling factor."""
        return self._cpp_config["upscale"]

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H*upscale, W*upscale)."""
        return self._cpp_forward(input)
