"""PAN (Zhao et al., ECCV 2020 workshops) with the authors' key layout, implemented in C++
(csrc/models/pan)."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class PAN(CppModule):
    """Pixel attention network: SCPA blocks (self-calibrated convolution with pixel
    attention) and an up-sampler of nearest interpolation + conv + pixel attention stages,
    plus the bilinear-upscaled input.

    Defaults are the paper's x4 configuration (272K parameters): nf=40, unf=24, nb=16; the
    authors use the same widths at x2 and x3. Argument names are the authors' (in_nc,
    out_nc, nf, unf, nb, scale).

    Args:
        in_nc, out_nc: image channels (equal: the output adds the upscaled input).
        nf: trunk features (even). unf: up-sampler features. nb: SCPA blocks.
        scale: 2, 3 or 4.

    forward: (N, in_nc, H, W), values in [0, 1], any H, W >= 1 -> (N, out_nc, H*scale, W*scale).
    Every pixel-attention gate runs as one fused op (``srgan_cpp.ops.pixel_attention``).
    State-dict keys are the authors' (codes/models/archs/PAN_arch.py): conv_first,
    SCPA_trunk.N.{conv1_a, conv1_b, k1.0, PAConv.k2, PAConv.k3, PAConv.k4, conv3},
    trunk_conv, upconv1, att1.conv, HRconv1 (, upconv2, att2.conv, HRconv2 at x4), conv_last.
    """

    def __init__(self, in_nc: int = 3, out_nc: int = 3, nf: int = 40, unf: int = 24, nb: int = 16,
                 scale: int = 4) -> None:
        super().__init__(_C.PAN, dict(in_nc=int(in_nc), out_nc=int(out_nc), nf=int(nf), unf=int(unf), nb=int(nb),
                                      scale=int(scale)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    nf, in_nc = shape(sd, "conv_first.weight")[:2]
    unf = shape(sd, "upconv1.weight")[0]
    kwargs: Dict[str, Any] = dict(in_nc=in_nc, out_nc=shape(sd, "conv_last.weight")[0], nf=nf, unf=unf,
                                  nb=len(indices(sd, r"SCPA_trunk\.(\d+)\.conv1_a\.weight$")))
    # Two up-sampling stages are x4; one is x2 or x3 (the same layers): `check` asks for it.
    if "upconv2.weight" in sd:
        kwargs["scale"] = 4
    return kwargs


# what the weights cannot tell
_REQUIRES = registry.requires(scale="PAN checkpoint with one up-sampling stage: x2 and x3 have the same "
                                    "layers, so the weights cannot tell the scale; pass scale=2 or scale=3")

registry.register(PAN, kind="generator", keys=("conv_first.weight", "trunk_conv.weight", "upconv1.weight",
                                               "att1.conv.weight", "HRconv1.weight"),
                  read_kwargs=_read_kwargs, check=_REQUIRES,
                  layout="conv_first, SCPA_trunk.N, trunk_conv, upconv1, att1, HRconv1",
                  geometry=lambda kw: Geometry(scale=kw["scale"], in_channels=kw["in_nc"], out_channels=kw["out_nc"]))
