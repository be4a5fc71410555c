"""The PSRGAN generator (Huang et al., "Infrared Image Super-Resolution via Transfer
Learning and PSRGAN", IEEE SPL 2021), implemented in C++ (csrc/models/psrgan) with the
state-dict layout of the public PSRGAN code, so its .pth files load directly."""
from __future__ import annotations

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule

_ACT_MODES = ("R", "L")
_UPSAMPLE_MODES = ("upconv", "pixelshuffle")


class PSRGANGenerator(CppModule):
    """PSRGAN's generator (the code's ``D_msrresnet0``): a main path of depthwise-separable
    residual blocks, a distillation branch (KDB) with enhanced spatial attention (ESA), a
    1x1 compression of both (``copress``) and an upsampling tail.

    Args (names and defaults of the PSRGAN code's options/train_kdsrgan.json):
        in_nc, out_nc: image channels (3; 1 for single-channel infrared).
        nc: feature channels (64), a multiple of 4.
        nb: residual blocks of the main path (16), >= 1.
        upscale: 2 (the options file's scale), 3 or 4.
        act_mode: "R" (ReLU) or "L" (LeakyReLU 0.2) in the main path and tail.
        upsample_mode: "upconv" (nearest + conv, the code's default) or "pixelshuffle"
            (conv + pixel shuffle + activation, one fused op here).

    forward: (N, in_nc, H, W) in [0, 1], H, W >= 13 (ESA max-pools 7x7 at half resolution;
    smaller inputs raise ValueError) -> (N, out_nc, H*upscale, W*upscale).
    State-dict keys: KD.{c1_d,...,c5}.{0,1}.*, KD.esa.{conv1,...,conv4}.{0,1}.*, head.*,
    body.sub.{i}.res.{0,1,3,4}.*, body.sub.{nb}.*, tail.{k}.* (conv_last: weight only),
    copress.*.
    """

    def __init__(self, in_nc: int = 3, out_nc: int = 3, nc: int = 64, nb: int = 16, upscale: int = 2,
                 act_mode: str = "R", upsample_mode: str = "upconv") -> None:
        if act_mode not in _ACT_MODES:
            raise ValueError(f"PSRGANGenerator: `act_mode` must be one of {_ACT_MODES} (batch-norm modes are not "
                             f"supported), got {act_mode!r}")
        if upsample_mode not in _UPSAMPLE_MODES:
            raise ValueError(f"PSRGANGenerator: `upsample_mode` must be one of {_UPSAMPLE_MODES}, got "
                             f"{upsample_mode!r}")
        super().__init__(_C.PSRGANGenerator, dict(in_nc=int(in_nc), out_nc=int(out_nc), nc=int(nc), nb=int(nb),
                                                  upscale=int(upscale), act_mode=act_mode,
                                                  upsample_mode=upsample_mode))

    @property
    def scale(self) -> int:
        """The upscaling factor."""
        return self._cpp_config["upscale"]

    def forward(self, input: Tensor) -> Tensor:
        """(N, in_nc, H, W), H, W >= 13 -> (N, out_nc, H*upscale, W*upscale)."""
        return self._cpp_forward(input)
