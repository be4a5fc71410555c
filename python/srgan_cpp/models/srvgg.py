"""SRVGGNetCompact (Real-ESRGAN's compact VGG-style generator), implemented in C++ (csrc/models/srvgg)."""
from __future__ import annotations

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule


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

    @property
    def scale(self) -> int:
        """The upscaling factor."""
        return self._cpp_config["upscale"]

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H*upscale, W*upscale)."""
        return self._cpp_forward(input)
