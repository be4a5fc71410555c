"""Pixel shuffle / unshuffle and the fused shuffle + bias + activation + residual op.

Output memory format: channels_last when the 4-D input is channels_last (and not also
NCHW-contiguous), NCHW-contiguous otherwise. Unlike PyTorch's CUDA path, a channels_last
input stays channels_last on every device.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from . import _checks
from ._checks import ACTIVATIONS
from ._numpy import accepts_numpy

_SHUFFLE = "srgan_cpp.ops.pixel_shuffle"
_UNSHUFFLE = "srgan_cpp.ops.pixel_unshuffle"
_FUSED = "srgan_cpp.ops.fused_pixel_shuffle"


@accepts_numpy
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r); bit-identical to ``torch.nn.functional.pixel_shuffle``.

    Accepts float32/64/16 and bfloat16 tensors on CPU or CUDA, or NumPy arrays (returns NumPy).
    Values are moved, never changed, so any value range works. ``upscale_factor``: an int
    >= 1 whose square divides C (a bool is refused, as PyTorch does).
    """
    return torch.ops.srgan_cpp.pixel_shuffle(input, _checks.check_int_arg(upscale_factor, _SHUFFLE, "upscale_factor"))


@accepts_numpy
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W); bit-identical to ``torch.nn.functional.pixel_unshuffle``."""
    factor = _checks.check_int_arg(downscale_factor, _UNSHUFFLE, "downscale_factor")
    return torch.ops.srgan_cpp.pixel_unshuffle(input, factor)


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
    r = _checks.check_int_arg(upscale_factor, _FUSED, "upscale_factor")
    return torch.ops.srgan_cpp.fused_pixel_shuffle(input, r, bias, activation, prelu_weight, negative_slope, residual)


# ----------------------------------------------------------------------------------------
# Fake (meta) kernels: shapes, dtypes and memory formats for torch.compile / FakeTensor.
# They repeat the C++ checks so errors surface at trace time with the same exception type.
# ----------------------------------------------------------------------------------------


def _shuffle_shape(x: Tensor, factor: int, upscale: bool) -> list:
    op = _SHUFFLE if upscale else _UNSHUFFLE
    name = "upscale_factor" if upscale else "downscale_factor"
    _checks.check_float(x, op, "input")
    if x.dim() < 3:
        raise ValueError(f"{op}: expected `input` of rank >= 3 (*, C, H, W), got rank {x.dim()}")
    r2 = _checks.factor_square(factor, op, name)
    *lead, c, h, w = x.shape
    if upscale:
        torch._check(c % r2 == 0, lambda: f"{op}: expected the channel count of `input` ({c}) to be divisible by "
                                          f"upscale_factor**2 = {r2}")
        return _checks.check_sizes_fit([*lead, c // r2, h * factor, w * factor], op, name)
    torch._check(h % factor == 0 and w % factor == 0,
                 lambda: f"{op}: expected the height and width of `input` ({h}, {w}) to be divisible by "
                         f"downscale_factor = {factor}")
    return _checks.check_sizes_fit([*lead, c * r2, h // factor, w // factor], op, name)


@torch.library.register_fake("srgan_cpp::pixel_shuffle")
def _pixel_shuffle_fake(input: Tensor, upscale_factor: int) -> Tensor:
    return _checks.empty_like_layout(input, _shuffle_shape(input, upscale_factor, True))


@torch.library.register_fake("srgan_cpp::pixel_unshuffle")
def _pixel_unshuffle_fake(input: Tensor, downscale_factor: int) -> Tensor:
    return _checks.empty_like_layout(input, _shuffle_shape(input, downscale_factor, False))


def _fused_check(input: Tensor, r: int, bias: Optional[Tensor], activation: str, prelu_weight: Optional[Tensor],
                 residual: Optional[Tensor], op: str, grad_output: Optional[Tensor] = None) -> list:
    """The C++ check_fused_args: returns the output shape (N, C, H*r, W*r)."""
    named = [("input", input), ("bias", bias), ("prelu_weight", prelu_weight), ("residual", residual)]
    if grad_output is not None:
        named = [("grad_output", grad_output)] + named
    _checks.check_same_device(op, named)
    _checks.check_float(input, op, "input")
    if activation not in ACTIVATIONS:
        raise ValueError(f"{op}: expected `activation` to be one of {ACTIVATIONS}, got {activation!r}")
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `input` of rank 4 (N, C*r*r, H, W), got rank {input.dim()}")
    r2 = _checks.factor_square(r, op, "upscale_factor")
    n, cin, h, w = input.shape
    torch._check(cin % r2 == 0, lambda: f"{op}: expected the channel count of `input` ({cin}) to be divisible by "
                                        f"upscale_factor**2 = {r2}")
    out = _checks.check_sizes_fit([n, cin // r2, h * r, w * r], op, "upscale_factor")
    _checks.check_same_dtype(op, "input", input, named)
    if bias is not None and list(bias.shape) != [cin]:
        raise ValueError(f"{op}: expected `bias` of shape ({cin},), got {tuple(bias.shape)}")
    if activation == "prelu":
        if prelu_weight is None:
            raise ValueError(f"{op}: activation 'prelu' needs `prelu_weight` of 1 or {cin // r2} elements")
        if prelu_weight.dim() > 1 or prelu_weight.numel() not in (1, cin // r2):
            raise ValueError(f"{op}: expected `prelu_weight` of shape (1,) or ({cin // r2},), got "
                             f"{tuple(prelu_weight.shape)}")
    elif prelu_weight is not None:
        raise ValueError(f"{op}: `prelu_weight` is only used with activation 'prelu'")
    if residual is not None and list(residual.shape) != out:
        raise ValueError(f"{op}: expected `residual` of the output shape {out}, got {tuple(residual.shape)}")
    if grad_output is not None and list(grad_output.shape) != out:
        raise ValueError(f"{op}: expected `grad_output` of shape {out}, got {tuple(grad_output.shape)}")
    return out


@torch.library.register_fake("srgan_cpp::fused_pixel_shuffle")
def _fused_fake(input, upscale_factor, bias=None, activation="none", prelu_weight=None,
                negative_slope=0.01, residual=None):
    out = _fused_check(input, upscale_factor, bias, activation, prelu_weight, residual, _FUSED)
    return _checks.empty_like_layout(input, out)


@torch.library.register_fake("srgan_cpp::fused_pixel_shuffle_backward")
def _fused_backward_fake(grad_output, input, upscale_factor, bias, activation, prelu_weight, negative_slope):
    _fused_check(input, upscale_factor, bias, activation, prelu_weight, None, _FUSED + "_backward", grad_output)
    grad_input = _checks.empty_like_layout(input)
    grad_bias = bias.new_empty(bias.shape) if bias is not None else input.new_empty([0])
    grad_weight = prelu_weight.new_empty(prelu_weight.shape) if prelu_weight is not None else input.new_empty([0])
    return grad_input, grad_bias, grad_weight
