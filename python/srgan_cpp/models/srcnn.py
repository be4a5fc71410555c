"""SRCNN (Dong et al., ECCV 2014 / TPAMI 2016), implemented in C++ (csrc/models/srcnn)."""
from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple, Union

from .. import _C
from . import registry
from ._cpp_module import CppModule
from .registry import Geometry, StateDict, shape

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
    was trained on (srgan_cpp uses [0, 1]) -> (N, in_channels, H - border, W - border)
    restored image (border 0 for "same" padding).
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


_KEYS = ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias")


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    n1, in_ch, k1 = shape(sd, "conv1.weight")[:3]
    n2, _, k2 = shape(sd, "conv2.weight")[:3]
    k3 = shape(sd, "conv3.weight")[2]
    kernels = (k1, k2, k3)
    variant = next((name for name, ks in _VARIANTS.items() if ks == kernels), None)
    # padding is not stored in the weights: "same" (the class default) is assumed; the
    # paper's (and the demo's) "valid" needs padding="valid".
    return dict(in_channels=in_ch, features=(n1, n2), kernel_sizes=variant or kernels)


def _geometry(kw: Dict[str, Any]) -> Geometry:
    border = sum(_parse_kernels(kw["kernel_sizes"])) - 3 if kw["padding"] == "valid" else 0
    return Geometry(scale=1, in_channels=kw["in_channels"], out_channels=kw["in_channels"], min_size=border + 1,
                    border=border)


registry.register(SRCNN, kind="generator", keys=_KEYS, matches=lambda sd: len(sd) == len(_KEYS),
                  read_kwargs=_read_kwargs, geometry=_geometry, layout="conv1, conv2, conv3 only")
