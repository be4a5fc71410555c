"""Pixel shuffle / unshuffle and the fused shuffle + bias + activation + residual op.

Output memory format: channels_last when the 4-D input is channels_last (and not also
NCHW-contiguous), NCHW-contiguous otherwise. Unlike PyTorch's CUDA path, a channels_last
input stays channels_last on every device.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from ._numpy import accepts_numpy

_FLOATS = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
_ACTIVATIONS = ("none", "relu", "leaky_relu", "prelu")


@accepts_numpy
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r); bit-identical to ``torch.nn.functional.pixel_shuffle``.

    Accepts float32/64/16 and bfloat16 tensors on CPU or CUDA, or NumPy arrays (returns NumPy).
    Values are moved, never changed, so any value range works.
    """
    return torch.ops.srgan_cpp.pixel_shuffle(input, upscale_factor)


@accepts_numpy
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W); bit-identical to ``torch.nn.functional.pixel_unshuffle``."""
    return torch.ops.srgan_cpp.pixel_unshuffle(input, downscale_factor)


@accepts_numpy
def fused_pixel_shuffle(
    input: Tensor,
    upscale_factor: int,
    bias: Optional[Tensor] = None,
    activation: str = "none",
    prelu_weight: Optional[Tensor] = None,
    negative_slope: float = 0.01,
    residual: Optional[Tensor] = None,
) -> Tensor:
    """``act(pixel_shuffle(input + bias[:, None, None])) + residual`` in one pass.

    Args:
        input: (N, C*r*r, H, W) float tensor, e.g. the output of a conv without bias.
        upscale_factor: r >= 1.
        bias: optional (C*r*r,) - the bias of that conv, added before the shuffle.
        activation: "none", "relu", "leaky_relu" (uses ``negative_slope``) or "prelu".
        prelu_weight: (1,) or (C,) PReLU slopes, required for (and only for) "prelu".
        negative_slope: LeakyReLU slope.
        residual: optional (N, C, H*r, W*r) tensor added after the activation
            (SRVGGNetCompact adds the upsampled input here).

    Returns:
        (N, C, H*r, W*r) in ``input``'s dtype, rounded exactly as the eager composite
        ``act(pixel_shuffle(input + bias)) + residual`` rounds in that dtype.
    Differentiable w.r.t. input, bias, prelu_weight and residual (first order only).
    """
    return torch.ops.srgan_cpp.fused_pixel_shuffle(
        input, upscale_factor, bias, activation, prelu_weight, negative_slope, residual
    )


# ----------------------------------------------------------------------------------------
# Fake (meta) kernels: shapes, dtypes and memory formats for torch.compile / FakeTensor.
# They repeat the C++ checks so errors surface at trace time with the same exception type.
# ----------------------------------------------------------------------------------------


def _is_channels_last(x: Tensor) -> bool:
    return x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


def _empty_like_layout(x: Tensor, sizes: list) -> Tensor:
    fmt = torch.channels_last if _is_channels_last(x) else torch.contiguous_format
    return torch.empty(sizes, dtype=x.dtype, device=x.device, memory_format=fmt)


def _check_float(x: Tensor, op: str, arg: str) -> None:
    if x.dtype not in _FLOATS:
        raise TypeError(f"{op}: expected `{arg}` to be float32, float64, float16 or bfloat16, got {x.dtype}")


def _shuffle_shape(x: Tensor, factor: int, upscale: bool) -> list:
    op = "srgan_cpp.ops.pixel_shuffle" if upscale else "srgan_cpp.ops.pixel_unshuffle"
    _check_float(x, op, "input")
    if x.dim() < 3:
        raise ValueError(f"{op}: expected `input` of rank >= 3 (*, C, H, W), got rank {x.dim()}")
    if factor <= 0:
        name = "upscale_factor" if upscale else "downscale_factor"
        raise ValueError(f"{op}: expected `{name}` > 0, got {factor}")
    *lead, c, h, w = x.shape
    if upscale:
        torch._check(c % (factor * factor) == 0, lambda: f"{op}: channels {c} not divisible by {factor * factor}")
        return [*lead, c // (factor * factor), h * factor, w * factor]
    torch._check(h % factor == 0 and w % factor == 0, lambda: f"{op}: H, W not divisible by {factor}")
    return [*lead, c * factor * factor, h // factor, w // factor]


@torch.library.register_fake("srgan_cpp::pixel_shuffle")
def _pixel_shuffle_fake(input: Tensor, upscale_factor: int) -> Tensor:
    return _empty_like_layout(input, _shuffle_shape(input, upscale_factor, True))


@torch.library.register_fake("srgan_cpp::pixel_unshuffle")
def _pixel_unshuffle_fake(input: Tensor, downscale_factor: int) -> Tensor:
    return _empty_like_layout(input, _shuffle_shape(input, downscale_factor, False))


def _fused_check(input: Tensor, r: int, activation: str) -> list:
    op = "srgan_cpp.ops.fused_pixel_shuffle"
    _check_float(input, op, "input")
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `input` of rank 4 (N, C*r*r, H, W), got rank {input.dim()}")
    if r <= 0:
        raise ValueError(f"{op}: expected `upscale_factor` > 0, got {r}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{op}: expected `activation` to be one of {_ACTIVATIONS}, got {activation!r}")
    n, c, h, w = input.shape
    torch._check(c % (r * r) == 0, lambda: f"{op}: channels {c} not divisible by {r * r}")
    return [n, c // (r * r), h * r, w * r]


@torch.library.register_fake("srgan_cpp::fused_pixel_shuffle")
def _fused_fake(input, upscale_factor, bias=None, activation="none", prelu_weight=None,
                negative_slope=0.01, residual=None):
    return _empty_like_layout(input, _fused_check(input, upscale_factor, activation))


@torch.library.register_fake("srgan_cpp::fused_pixel_shuffle_backward")
def _fused_backward_fake(grad_output, input, upscale_factor, bias, activation, prelu_weight, negative_slope):
    _fused_check(input, upscale_factor, activation)
    grad_input = _empty_like_layout(input, list(input.shape))
    grad_bias = bias.new_empty(bias.shape) if bias is not None else input.new_empty([0])
    grad_weight = prelu_weight.new_empty(prelu_weight.shape) if prelu_weight is not None else input.new_empty([0])
    return grad_input, grad_bias, grad_weight
