"""The PSRGAN generator (Huang et al., "Infrared Image Super-Resolution via Transfer
Learning and PSRGAN", IEEE SPL 2021), implemented in C++ (csrc/models/psrgan) with the
state-dict layout of the public PSRGAN code, so its .pth files load directly."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from .._cpp_module import CppModule
from . import registry
from .registry import StateDict, indices, shape

_ACT_MODES = ("R", "L")
#: Smallest input H and W: the distillation branch's ESA max-pools 7x7 at half resolution.
MIN_SIZE = 13
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


def _tail_convs(sd: StateDict) -> list:
    return [i for i in indices(sd, r"tail\.(\d+)\.weight$") if sd[f"tail.{i}.weight"].dim() == 4]


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    nc, in_nc = shape(sd, "head.weight")[:2]
    nb = len(indices(sd, r"body\.sub\.(\d+)\.res\.0\.weight$"))
    convs = _tail_convs(sd)
    last = convs[-1]
    out_nc = shape(sd, f"tail.{last}.weight")[0]
    ups = convs[:-2]  # the upsampling convs; then conv_hr and conv_last
    # upconv stage = (Upsample, conv, act): conv at 3s+1 and keeps nc channels; pixelshuffle
    # stage = (conv, shuffle, act): conv at 3s and gives nc*r^2 channels.
    if not ups or len(ups) > 2:
        raise ValueError(f"srgan_cpp.models.load: PSRGAN layout, but found {len(ups)} upsampling convs in `tail` "
                         f"(indices {convs}); expected 1 (x2, x3) or 2 (x4)")
    first_out = shape(sd, f"tail.{ups[0]}.weight")[0]
    if first_out == nc:
        mode = "upconv"
        # Upsample(2) and Upsample(3) have no weights: x2 and x3 differ only in behaviour.
        upscale = 4 if len(ups) == 2 else 2
    else:
        mode = "pixelshuffle"
        r2 = first_out // nc
        upscale = 4 if len(ups) == 2 else {4: 2, 9: 3}.get(r2, 0)
        if upscale == 0 or first_out % nc:
            raise ValueError(f"srgan_cpp.models.load: PSRGAN layout, but tail.{ups[0]} gives {first_out} channels "
                             f"for nc={nc}")
    # act_mode ("R" / "L") is not stored in the weights: the code's options use "R".
    return dict(in_nc=in_nc, out_nc=out_nc, nc=nc, nb=nb, upscale=upscale, act_mode="R", upsample_mode=mode)


registry.register(PSRGANGenerator, kind="generator", keys=("head.weight", "copress.weight", "KD.c1_d.0.weight"),
                  read_kwargs=_read_kwargs,
                  geometry=registry.sr_geometry(in_channels="in_nc", out_channels="out_nc", min_size=MIN_SIZE),
                  layout="head, KD.*, copress")
