"""RDN (Zhang et al., CVPR 2018) with EDSR-PyTorch's key layout, implemented in C++
(csrc/models/rdn)."""
from __future__ import annotations

from typing import Any, Dict

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class RDN(CppModule):
    """Residual dense network: shallow features, D residual dense blocks (C densely
    connected conv + ReLU layers of growth rate G, local feature fusion, local residual),
    global feature fusion of all block outputs with a global residual, pixel-shuffle
    up-sampling.

    Defaults are the paper's configuration (D=16, C=8, G=64, G0=64; EDSR-PyTorch's
    ``RDNconfig='B'``); its configuration 'A' is D=20, C=6, G=32.

    Args:
        num_in_ch, num_out_ch: image channels.
        upscale: 2, 3 or 4.
        num_features: G0, the channels between blocks. num_blocks: D.
        num_layers: C, layers per block. growth_rate: G.
        img_range: the input is multiplied by it and the output divided by it; 1 maps [0, 1]
            images end to end. EDSR-PyTorch trains on [0, 255] (``rgb_range`` 255): load its
            checkpoints with ``img_range=255``.

    forward: (N, num_in_ch, H, W), values in [0, 1], any H, W >= 1
    -> (N, num_out_ch, H*upscale, W*upscale).
    State-dict keys are EDSR-PyTorch's (src/model/rdn.py): SFENet1, SFENet2,
    RDBs.D.convs.C.conv.0, RDBs.D.LFF, GFF.0, GFF.1, UPNet.0, UPNet.2 (, UPNet.4).
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, upscale: int = 4, num_features: int = 64,
                 num_blocks: int = 16, num_layers: int = 8, growth_rate: int = 64, img_range: float = 1.0) -> None:
        super().__init__(_C.RDN, dict(num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch), upscale=int(upscale),
                                      num_features=int(num_features), num_blocks=int(num_blocks),
                                      num_layers=int(num_layers), growth_rate=int(growth_rate),
                                      img_range=float(img_range)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    g0, in_ch = shape(sd, "SFENet1.weight")[:2]
    blocks = indices(sd, r"RDBs\.(\d+)\.LFF\.weight$")
    layers = indices(sd, r"RDBs\.0\.convs\.(\d+)\.conv\.0\.weight$")
    up = indices(sd, r"UPNet\.(\d+)\.weight$")
    last = shape(sd, f"UPNet.{up[-1]}.weight")
    growth = last[1]
    if len(up) == 3:
        upscale = 4
    else:
        ratio = shape(sd, "UPNet.0.weight")[0] // growth
        upscale = {4: 2, 9: 3}.get(ratio, 0)
        if not upscale or ratio * growth != shape(sd, "UPNet.0.weight")[0]:
            raise ValueError(f"srgan_cpp.models.load: RDN layout, but UPNet.0 gives {shape(sd, 'UPNet.0.weight')[0]} "
                             f"channels for growth rate {growth} (expected {4 * growth} for x2 or {9 * growth} for x3)")
    # img_range is not stored in the weights: EDSR-PyTorch's checkpoints need img_range=255.
    return dict(num_in_ch=in_ch, num_out_ch=last[0], upscale=upscale, num_features=g0, num_blocks=len(blocks),
                num_layers=len(layers), growth_rate=growth)


registry.register(RDN, kind="generator", keys=("SFENet1.weight", "SFENet2.weight", "GFF.0.weight", "UPNet.0.weight"),
                  read_kwargs=_read_kwargs, layout="SFENet1, SFENet2, RDBs.D.convs.C.conv.0, RDBs.D.LFF, GFF, UPNet",
                  geometry=lambda kw: Geometry(scale=kw["upscale"], in_channels=kw["num_in_ch"],
                                               out_channels=kw["num_out_ch"]))
