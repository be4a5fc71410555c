"""FSRCNN (Dong, Loy, Tang, ECCV 2016), implemented in C++ (csrc/models/fsrcnn)."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class FSRCNN(CppModule):
    """FSRCNN(d, s, m): feature extraction 5x5 (d), shrinking 1x1 (s), m mapping 3x3 (s),
    expanding 1x1 (d), each with a per-channel PReLU, then a 9x9 transposed conv of stride
    ``scale`` - the whole network runs on the LR image.

    Defaults are the paper's FSRCNN(56, 12, 4) for x3 on the Y channel: 12,464 weights by
    the paper's formula ``25 c d + s d + 9 m s^2 + d s + 81 d c`` (biases and PReLU slopes
    not counted; 12,809 parameters in all).

    Args:
        in_channels: 1 (Y channel, the paper) or 3.
        d: LR feature dimension (56). s: shrunk dimension (12). m: mapping layers (4).
        scale: the up-scaling factor (stride of the deconvolution), >= 1.

    forward: (N, in_channels, H, W) LR image in the training range (e.g. [0, 1]) ->
    (N, in_channels, H * scale, W * scale).
    State-dict keys: ``first_part.0`` (conv), ``first_part.1`` (PReLU), ``mid_part.{2i}``
    (convs), ``mid_part.{2i+1}`` (PReLUs), ``last_part`` (transposed conv) - the layout of the
    common PyTorch FSRCNN. The weights do not store ``scale``: ``models.load`` asks for it.
    """

    def __init__(self, in_channels: int = 1, d: int = 56, s: int = 12, m: int = 4, scale: int = 3) -> None:
        super().__init__(_C.FSRCNN, dict(in_channels=int(in_channels), d=int(d), s=int(s), m=int(m),
                                         scale=int(scale)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    d, in_ch = shape(sd, "first_part.0.weight")[:2]
    convs = [i for i in indices(sd, r"mid_part\.(\d+)\.weight$") if len(shape(sd, f"mid_part.{i}.weight")) == 4]
    if len(convs) < 2 or convs != list(range(0, 2 * len(convs), 2)):
        raise ValueError(f"FSRCNN: expected mid_part convs at indices 0, 2, 4, ..., got {convs}")
    return dict(in_channels=in_ch, d=d, s=shape(sd, "mid_part.0.weight")[0], m=len(convs) - 2)


# what the weights cannot tell
_REQUIRES = registry.requires(scale="FSRCNN weights do not store the up-scaling factor (the stride of "
                                    "last_part); pass scale=2, 3 or 4 (the factor the model was trained for)")

registry.register(FSRCNN, kind="generator", keys=("first_part.0.weight", "mid_part.0.weight", "last_part.weight"),
                  read_kwargs=_read_kwargs, check=_REQUIRES,
                  geometry=lambda kw: Geometry(scale=kw["scale"], in_channels=kw["in_channels"],
                                               out_channels=kw["in_channels"]),
                  layout="first_part, mid_part.N, last_part")
