"""Output size and how it is reached: model passes, then MATLAB bicubic to the exact size.

A factor up to the model's scale takes one model pass; a larger one applies the model again
(``s``, ``s^2``, ...) until the factor is reached or passed; then
:func:`srgan_cpp.data.imresize` brings the result to the exact size. A model of scale 1
(SRCNN-style restoration) gets the bicubic-upscaled image instead, as it was trained.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

__all__ = ["SizeArg", "SizePlan", "parse_size", "plan_size", "DEFAULT_MAX_OUTPUT_PIXELS"]

#: ``(height, width)`` (either may be None to keep the aspect ratio) or a ``"WxH"`` string.
SizeArg = Union[str, Sequence[Optional[int]]]
#: Outputs above this many pixels (4 gigapixels) are refused before any work.
DEFAULT_MAX_OUTPUT_PIXELS = 1 << 32
#: More model passes than this are refused (the factor would be s^4 or more).
_MAX_PASSES = 3


@dataclass(frozen=True)
class SizePlan:
    """``passes`` model applications, then a resize to ``out_hw`` when ``resize``;
    ``pre_resize``: resize *before* a single pass (scale-1 models)."""

    out_hw: Tuple[int, int]
    passes: int
    resize: bool
    pre_resize: bool = False


def parse_size(size: SizeArg) -> Tuple[Optional[int], Optional[int]]:
    """``"1920x1080"`` (width x height) or ``(height, width)`` -> ``(height, width)``.

    Raises ValueError for anything else or a non-positive dimension.
    """
    if isinstance(size, str):
        m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", size)
        if not m:
            raise ValueError(f"`size` must be WIDTHxHEIGHT such as 1920x1080, got {size!r}")
        h, w = int(m.group(2)), int(m.group(1))
    else:
        try:
            h, w = size  # type: ignore[misc]
        except (TypeError, ValueError):
            raise ValueError(f"`size` must be (height, width) or 'WIDTHxHEIGHT', got {size!r}") from None
    for name, v in (("height", h), ("width", w)):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            raise ValueError(f"`size` {name} must be a positive integer or None, got {v!r}")
    if h is None and w is None:
        raise ValueError("`size` needs a height or a width")
    return h, w


def plan_size(in_hw: Tuple[int, int], model_scale: int, scale: Optional[float] = None,
              size: Optional[SizeArg] = None, max_output_pixels: int = DEFAULT_MAX_OUTPUT_PIXELS) -> SizePlan:
    """How an ``in_hw`` image reaches the requested size.

    Args:
        in_hw: input ``(height, width)``.
        model_scale: the model's factor.
        scale: output factor (e.g. 3.5; default: the model's), exclusive with ``size``;
            each side becomes ``round(side * scale)``.
        size: output ``(height, width)`` or ``"WxH"``; a missing side keeps the aspect ratio.

    Raises:
        ValueError: both or bad ``scale`` / ``size``, an output above ``max_output_pixels``
            or needing more than three model passes.
    """
    h, w = in_hw
    if scale is not None and size is not None:
        raise ValueError("give `scale` or `size`, not both")
    if size is not None:
        oh, ow = parse_size(size)
        if oh is None:
            oh = max(1, round(h * ow / w))  # type: ignore[operator]
        if ow is None:
            ow = max(1, round(w * oh / h))
    elif scale is not None:
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise ValueError(f"`scale` must be a positive number, got {scale!r}") from None
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError(f"`scale` must be a positive number, got {scale!r}")
        oh, ow = max(1, round(h * scale)), max(1, round(w * scale))
    else:
        oh, ow = h * model_scale, w * model_scale
    if oh * ow > max_output_pixels:
        raise ValueError(f"the output would be {ow}x{oh} = {ow * oh} pixels, more than the limit of {max_output_pixels}")
    out_hw = (int(oh), int(ow))
    if model_scale == 1:
        return SizePlan(out_hw, 1, False, pre_resize=out_hw != (h, w))
    factor = max(oh / h, ow / w)
    passes = 1
    while model_scale ** passes < factor - 1e-9:
        passes += 1
        if passes > _MAX_PASSES:
            raise ValueError(f"a factor of {factor:g} needs more than {_MAX_PASSES} passes of this x{model_scale} model")
    reached = (h * model_scale ** passes, w * model_scale ** passes)
    return SizePlan(out_hw, passes, reached != out_hw)
