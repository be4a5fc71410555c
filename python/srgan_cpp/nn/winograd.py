"""The Winograd F(4x4, 3x3) convolution that the C++ models use for CPU inference.

Every 3x3, stride-1, padding-1 convolution of a C++ model runs through it when no gradient is
needed, the input is float32 or bfloat16 and channels_last on a CPU with AVX-512, autocast is
off, and the layer has a multiple of 16 output channels (else ``torch.nn.functional.conv2d``
runs, as in training). It needs 36 multiplies per 4x4 output block instead of 144, so these
layers run about 2x faster than oneDNN's direct float32 convolution here
(``benchmarks/bench_conv_ceiling.py``). float32 results equal the direct convolution's to
float32 rounding (about 1e-5 of the output's range); bfloat16 tensors are only stored in
bfloat16 (the arithmetic is float32, rounded once per output), at least as accurate as
oneDNN's bf16 convolution and faster. Deterministic and independent of the thread count. One
difference: a NaN or infinity in the input spreads to the whole 4x4 output block(s) it feeds,
not only its 3x3 neighbourhood. The transformed weights are cached per weight tensor (dropped
when the weight changes in place or is freed; ``clear_cache()``).

``SRGAN_CPP_WINOGRAD=0`` in the environment turns it off for the process; :func:`enabled`
turns it off or on in a ``with`` block.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from .. import _C

__all__ = ["clear_cache", "conv3x3", "enabled", "is_enabled"]


def is_enabled() -> bool:
    """Whether the Winograd path is on (and this CPU has AVX-512)."""
    return bool(_C.winograd_enabled())


def clear_cache() -> None:
    """Frees the cached transformed weights (up to 512 MiB, least recently used dropped first)."""
    _C.clear_winograd_weight_cache()


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

    input: (N, C, H, W) float32 or bfloat16 with contiguous channels (channels_last);
    weight (out, C, 3, 3) with out a multiple of 16, bias (out,) or None and
    ``prelu_weight`` in the same dtype; act "none", "leaky_relu" (``negative_slope``) or
    "prelu" (``prelu_weight`` of 1 or out slopes). Returns (N, out, H, W) channels_last in
    the input's dtype. Raises ValueError for arguments the fast path does
    not take (``F.conv2d`` is the general one).
    """
    return _C.winograd_conv3x3(input, weight, bias, act, float(negative_slope), prelu_weight)
