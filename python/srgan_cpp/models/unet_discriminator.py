"""Real-ESRGAN's U-Net discriminator with spectral norm, implemented in C++
(csrc/models/discriminators/unet_discriminator_sn)."""
from __future__ import annotations

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule


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

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, 1, H, W)."""
        return self._cpp_forward(input)
