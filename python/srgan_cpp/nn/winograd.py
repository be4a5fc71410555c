"""The Winograd F(4x4, 3x3) convolution that the C++ models use for float32 CPU inference.

Every 3x3, stride-1, padding-1 convolution of a C++ model runs through it when no gradient is
needed, the input is float32 channels_last on a CPU with AVX-512, and the layer has a multiple
of 16 output channels (else ``torch.nn.functional.conv2d`` runs, as in training). It needs 36
multiplies per 4x4 output block instead of 144, so these layers run about 2x faster than
oneDNN's direct convolution here (``benchmarks/bench_conv_ceiling.py``). Results equal the
direct convolution's to float32 rounding (about 1e-5 of the output's range), deterministic and
independent of the thread count. One difference: a NaN or infinity in the input spreads to the
whole 4x4 output block(s) it feeds, not only its 3x3 neighbourhood.

``SRGAN_CPP_WINOGRAD=0`` in the environment turns it off for the process; :func:`enabled`
turns it off or on in a ``with`` block.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from .. import _C

__all__ = ["conv3x3", "enabled", "is_enabled"]


def is_enabled() -> bool:
    """Whether the Winograd path is on (and this CPU has AVX-512)."""
    return bool(_C.winograd_enabled())


@contextlib.contextmanager
def enabled(flag: bool) -> Iterator[None]:
    """``with enabled(False): ...`` runs the C++ models' convolutions through ``F.conv2d``
    (process-wide, restored on exit)."""
    before = bool(_C.winograd_enabled())
    _C.set_winograd_enabled(bool(flag))
    try:
        yield
    finally:
        _C.set_winograd_enabled(before)


def conv3x3(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, *,
            act: str = "none", negative_slope: float = 0.0,
            prelu_weight: torch.Tensor | None = None) -> torch.Tensor:
    """``act(F.conv2d(input, weight, bias, padding=1))`` by Winograd, the activation fused.

    input: (N, C, H, W) float32 with contiguous channels (channels_last); weight
    (out, C, 3, 3) with out a multiple of 16; bias (out,) or None; act "none",
    "leaky_relu" (``negative_slope``) or "prelu" (``prelu_weight`` of 1 or out slopes).
    Returns (N, out, H, W) channels_last. Raises ValueError for arguments the fast path does
    not take (``F.conv2d`` is the general one).
    """
    return _C.winograd_conv3x3(input, weight, bias, act, float(negative_slope), prelu_weight)
