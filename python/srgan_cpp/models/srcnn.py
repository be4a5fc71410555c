"""SRCNN (Dong et al., ECCV 2014 / TPAMI 2016), implemented in C++ (csrc/models/srcnn)."""
from __future__ import annotations

from typing import Sequence, Tuple, Union

from torch import Tensor

from .. import _C
from ._cpp_module import CppModule

_VARIANTS = {"9-1-5": (9, 1, 5), "9-3-5": (9, 3, 5), "9-5-5": (9, 5, 5)}


def _parse_kernels(kernel_sizes: Union[str, Sequence[int]]) -> Tuple[int, int, int]:
    if isinstance(kernel_sizes, str):
        if kernel_sizes not in _VARIANTS:
            raise ValueError(f"SRCNN: `kernel_sizes` must be one of {sorted(_VARIANTS)} or 3 odd ints, got {kernel_sizes!r}")
        return _VARIANTS[kernel_sizes]
    ks = tuple(int(k) for k in kernel_sizes)
    if len(ks) != 3:
        raise ValueError(f"SRCNN: `kernel_sizes` needs 3 values (f1, f2, f3), got {kernel_sizes!r}")
    return ks  # type: ignore[return-value]


class SRCNN(CppModule):
    """SRCNN: patch extraction (f1) -> non-linear mapping (f2) -> reconstruction (f3).

    Args:
        in_channels: 1 (the Y channel, as in the paper) or 3 (RGB).
        features: (n1, n2) feature counts, default (64, 32).
        kernel_sizes: "9-1-5", "9-3-5", "9-5-5" (default) or three odd ints.
        padding: "same" (output size = input size, the usual choice) or "valid" (the
            paper: the output loses ``border`` = f1 + f2 + f3 - 3 pixels in H and W).

    forward: (N, in_channels, H, W) bicubic-upscaled image, values in the range the model
    was trained on (srgan_cpp uses [0, 1]) -> (N, in_channels, H', W') restored image.
    State-dict keys: conv1.weight, conv1.bias, conv2.*, conv3.* (the common SRCNN layout).
    """

    def __init__(self, in_channels: int = 1, features: Sequence[int] = (64, 32),
                 kernel_sizes: Union[str, Sequence[int]] = "9-5-5", padding: str = "same") -> None:
        if padding not in ("same", "valid"):
            raise ValueError(f"SRCNN: `padding` must be 'same' or 'valid', got {padding!r}")
        feats = tuple(int(f) for f in features)
        if len(feats) != 2:
            raise ValueError(f"SRCNN: `features` needs 2 values (n1, n2), got {features!r}")
        k1, k2, k3 = _parse_kernels(kernel_sizes)
        super().__init__(_C.SRCNN, dict(in_channels=int(in_channels), features1=feats[0], features2=feats[1],
                                        kernel1=k1, kernel2=k2, kernel3=k3, same_padding=padding == "same"))

    @property
    def border(self) -> int:
        """Pixels lost in H and W by valid padding (0 for same padding)."""
        return int(self._cpp.border)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H - border, W - border)."""
        return self._cpp_forward(input)
