"""RRDBNet (the ESRGAN / Real-ESRGAN generator), implemented in C++ (csrc/models/rrdbnet).

Besides BasicSR's key layout, ``srgan_cpp.models.load`` reads the original ESRGAN code's two
layouts, renamed by :mod:`.convert_esrgan` (registered here as a layout converter)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from .. import _C
from .._cpp_module import CppModule
from . import convert_esrgan, registry
from .registry import Geometry, StateDict, indices, shape


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
    def unshuffle_factor(self) -> int:
        """4 // scale: how much the input is pixel-unshuffled before conv_first (1 = not)."""
        return int(self._cpp.unshuffle_factor)


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_total = shape(sd, "conv_first.weight")[:2]
    out_ch = shape(sd, "conv_last.weight")[0]
    blocks = indices(sd, r"body\.(\d+)\.rdb1\.conv1\.weight$")
    grow = shape(sd, "body.0.rdb1.conv1.weight")[0] if blocks else 32
    # conv_first sees num_in_ch * u^2 channels (u = 4 / scale). Assume num_in_ch == num_out_ch
    # (true of every released model) to tell u apart from the channel count.
    for u, scale in ((1, 4), (2, 2), (4, 1)):
        if in_total == out_ch * u * u:
            return dict(num_in_ch=out_ch, num_out_ch=out_ch, scale=scale, num_feat=f, num_block=len(blocks),
                        num_grow_ch=grow)
    raise ValueError(f"srgan_cpp.models.load: RRDBNet layout, but conv_first takes {in_total} channels and conv_last "
                     f"gives {out_ch}: cannot tell the input channels from the pixel-unshuffle factor; pass "
                     f"num_in_ch= and scale= to load()")


def _geometry(kw: Dict[str, Any]) -> Geometry:
    unshuffle = 4 // kw["scale"]
    return Geometry(scale=kw["scale"], in_channels=kw["num_in_ch"], out_channels=kw["num_out_ch"],
                    size_multiple=unshuffle, min_size=unshuffle)


def _from_original_esrgan(sd: StateDict) -> Optional[Tuple[StateDict, str]]:
    converted, layout = convert_esrgan.to_basicsr(sd)
    return None if layout is None else (converted, layout)


_from_original_esrgan.description = ("original ESRGAN x4 -> RRDBNet (RRDB_trunk.N, trunk_conv / "  # type: ignore[attr-defined]
                                     "model.0, model.1.sub.N)")

registry.register(RRDBNet, kind="generator", keys=("conv_first.weight", "conv_up1.weight", "conv_body.weight"),
                  read_kwargs=_read_kwargs, geometry=_geometry, layout="conv_first, body.N.rdb1, conv_body, conv_up1")
registry.register_layout(_from_original_esrgan)
