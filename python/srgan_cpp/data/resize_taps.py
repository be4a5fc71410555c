"""MATLAB ``imresize``'s bicubic taps ("contributions"): the 1-D weights and source indices
both resize paths use - the PyTorch one (``resize.py``) and the C++ one (``_resize_cpp.py``).
Kept apart from both so neither imports the other."""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Tuple

import numpy as np

__all__ = ["BORDERS", "MAX_OUTPUT_VALUES", "MAX_TAPS", "check_border", "check_taps", "cubic", "resize_weights"]


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with ``a = -0.5`` (MATLAB's ``cubic``).

    ``x``: any shape, float. Returns the kernel value, same shape: ``1.5|x|^3 - 2.5|x|^2 + 1``
    for ``|x| <= 1``, ``-0.5|x|^3 + 2.5|x|^2 - 4|x| + 2`` for ``1 < |x| <= 2``, else 0.
    """
    ax = np.abs(np.asarray(x, dtype=np.float64))
    ax2 = ax * ax
    ax3 = ax2 * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1.0)
            + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1.0) & (ax <= 2.0)))


#: Border rules: current MATLAB (mirror) and the older imresize.m (clamp).
BORDERS = ("symmetric", "replicate")


def check_border(border: str, name: str) -> None:
    """ValueError naming ``name`` unless ``border`` is one of :data:`BORDERS`."""
    if border not in BORDERS:
        raise ValueError(f"{name}: `border` must be 'symmetric' or 'replicate', got {border!r}")


#: Upper bounds checked before anything is allocated, so that an extreme ``scale`` or
#: ``size`` is a ValueError naming it rather than an allocation that fails (or never ends)
#: deep inside NumPy or the allocator. Taps: entries of one pass's (out_length, P) weight
#: table - P = 4 / scale + 3 when shrinking with antialiasing, so a scale far below
#: 1 / in_length (which gives a 1-pixel output anyway) needs billions. Output values:
#: 2**32 (16 GiB as float32) per call.
MAX_TAPS = 1 << 24
MAX_OUTPUT_VALUES = 1 << 32


def _taps_per_output(scale: float, antialias: bool) -> int:
    """P, the taps each output pixel of a 1-D pass reads (before zero columns are dropped)."""
    width = 4.0 / scale if (scale < 1.0 and antialias) else 4.0
    return int(math.ceil(width)) + 2


def check_taps(in_length: int, out_length: int, scale: float, antialias: bool, name: str, arg: str) -> None:
    """ValueError naming ``arg`` when one pass's weight table would exceed :data:`MAX_TAPS`."""
    taps = out_length * _taps_per_output(scale, antialias)
    if taps > MAX_TAPS:
        raise ValueError(f"{name}: `{arg}` {scale!r} is too small for a dimension of {in_length} pixels: its "
                         f"antialiasing kernel is {4.0 / scale:.3g} pixels wide ({taps} taps for {out_length} output "
                         f"pixels, above the limit of {MAX_TAPS}); pass `size` for a tiny output")


@lru_cache(maxsize=256)
def _weights_cached(in_length: int, out_length: int, scale: float, antialias: bool,
                    border: str = "symmetric") -> Tuple[np.ndarray, np.ndarray]:
    kernel_width = 4.0
    shrink = scale < 1.0 and antialias
    if shrink:
        kernel_width = kernel_width / scale
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - kernel_width / 2.0)
    p = int(math.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(p, dtype=np.float64)[None, :]  # 1-based
    dist = u[:, None] - indices
    weights = scale * cubic(dist * scale) if shrink else cubic(dist)
    weights = weights / weights.sum(axis=1, keepdims=True)
    if border == "symmetric":
        # MATLAB's aux = [1:in, in:-1:1], ind = aux(mod(ind - 1, 2*in) + 1).
        aux = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
        idx = aux[np.mod(indices.astype(np.int64) - 1, 2 * in_length)]
    else:  # older imresize.m: ind = min(max(1, ind), in)
        idx = np.clip(indices.astype(np.int64) - 1, 0, in_length - 1)
    # MATLAB drops the taps that are zero for every output pixel.
    keep = np.any(weights != 0, axis=0)
    weights, idx = np.ascontiguousarray(weights[:, keep]), np.ascontiguousarray(idx[:, keep])
    weights.setflags(write=False)
    idx.setflags(write=False)
    return weights, idx


def resize_weights(in_length: int, out_length: int, scale: float, antialias: bool = True,
                   border: str = "symmetric") -> Tuple[np.ndarray, np.ndarray]:
    """MATLAB ``contributions``: the taps of a 1-D bicubic resize.

    Returns ``(weights, indices)``, both ``(out_length, P)``: output pixel ``i`` (0-based) is
    ``sum_k weights[i, k] * input[indices[i, k]]`` with 0-based ``indices`` already folded
    into ``[0, in_length)`` by the ``border`` rule (``'symmetric'``: current MATLAB;
    ``'replicate'``: clamping, older MATLAB). Rows of ``weights`` sum to 1. The arrays are
    cached and read-only.
    """
    if in_length < 1 or out_length < 1:
        raise ValueError(f"resize_weights: lengths must be >= 1, got in_length={in_length}, out_length={out_length}")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"resize_weights: `scale` must be a positive finite number, got {scale!r}")
    check_border(border, "resize_weights")
    check_taps(int(in_length), int(out_length), float(scale), bool(antialias), "resize_weights", "scale")
    return _weights_cached(int(in_length), int(out_length), float(scale), bool(antialias), border)
