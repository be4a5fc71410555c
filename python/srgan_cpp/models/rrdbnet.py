"""RRDBNet (the ESRGAN / Real-ESRGAN generator), implemented in C++ (csrc/models/rrdbnet)."""
from __future__ import annotations

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule


class RRDBNet(CppModule):
    """BasicSR's ``RRDBNet``: residual-in-residual dense blocks, nearest+conv upsampling.

    Args:
        num_in_ch, num_out_ch: image channels.
        scale: 4, 2 or 1. For 2 and 1 the input is first pixel-unshuffled by 2 and 4
            (Real-ESRGAN x2 / x1 models), so H and W must be divisible by 2 and 4.
        num_feat: trunk channels (64). num_block: RRDBs (23). num_grow_ch: dense growth (32).

    forward: (N, num_in_ch, H, W), values in [0, 1] -> (N, num_out_ch, H*scale, W*scale).
    An H or W not divisible by ``unshuffle_factor`` raises ValueError (pad and crop instead).
    State-dict keys are BasicSR's: conv_first, body.N.rdb{1,2,3}.conv{1..5}, conv_body,
    conv_up1, conv_up2, conv_hr, conv_last.
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, scale: int = 4, num_feat: int = 64,
                 num_block: int = 23, num_grow_ch: int = 32) -> None:
        super().__init__(_C.RRDBNet, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch), scale=int(scale),
                                          num_feat=int(num_feat), num_block=int(num_block),
                                          num_grow_ch=int(num_grow_ch)))

    @property
    def scale(self) -> int:
        """The upscaling factor (1, 2 or 4)."""
        return self._cpp_config["scale"]

    @property
    def unshuffle_factor(self) -> int:
        """4 // scale: how much the input is pixel-unshuffled before conv_first (1 = not)."""
        return int(self._cpp.unshuffle_factor)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H*scale, W*scale)."""
        return self._cpp_forward(input)
