"""Real-ESRGAN's U-Net discriminator with spectral norm, implemented in C++
(csrc/models/discriminators/unet_discriminator_sn)."""
from __future__ import annotations

from .. import _C
from . import registry
from ._cpp_module import CppModule
from .registry import Geometry, shape


class UNetDiscriminatorSN(CppModule):
    """Real-ESRGAN's / BasicSR's ``UNetDiscriminatorSN``: per-pixel realness logits.

    Args:
        num_in_ch: image channels (3).
        num_feat: base width (64).
        skip_connection: add the down-path features to the up path (True).

    forward: (N, num_in_ch, H, W) float tensor, H and W multiples of 8 (else ValueError)
    -> (N, 1, H, W) logits. conv1..conv8 are spectral-normalised exactly as
    ``torch.nn.utils.spectral_norm``: a training forward runs one power iteration that
    updates ``convK.weight_u`` / ``convK.weight_v`` in place; eval uses them unchanged.
    Keys as Real-ESRGAN: conv0.{weight,bias}, convK.{weight_orig,weight_u,weight_v}
    (K = 1..8), conv9.{weight,bias}.
    """

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64, skip_connection: bool = True) -> None:
        super().__init__(_C.UNetDiscriminatorSN, dict(num_in_ch=int(num_in_ch), num_feat=int(num_feat),
                                                      skip_connection=bool(skip_connection)))


# skip_connection has no parameters: Real-ESRGAN's True is assumed (pass it to load() to override).
registry.register(UNetDiscriminatorSN, kind="discriminator", keys=("conv0.weight", "conv1.weight_orig", "conv9.weight"),
                  read_kwargs=lambda sd: dict(num_in_ch=shape(sd, "conv0.weight")[1],
                                              num_feat=shape(sd, "conv0.weight")[0], skip_connection=True),
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["num_in_ch"], out_channels=1, size_multiple=8,
                                               min_size=8))
