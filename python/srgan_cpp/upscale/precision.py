"""Device and compute-precision choice for upscaling.

``auto`` precision: fp16 on CUDA where the model allows it, bf16 on CPUs with native bf16
(oneDNN reports it: AVX512-BF16 / AMX), otherwise fp32. fp16 on a CPU is refused: CPUs
have no fast fp16 convolutions, and bf16 has fp32's range so it cannot overflow.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import torch

__all__ = ["PRECISIONS", "DTYPES", "resolve_device", "resolve_precision", "cpu_has_fast_bf16"]

#: Values of the ``precision`` argument.
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: Compute dtype of each precision name.
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16, "fp64": torch.float64}


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU runs bf16 convolutions natively (oneDNN's own check)."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_device(device: Union[str, torch.device, None] = "auto") -> torch.device:
    """The torch device for ``device``: ``"auto"`` (or None) = this process's GPU
    (``LOCAL_RANK`` under torchrun) when CUDA is usable with srgan_cpp's kernels, else the CPU.

    Raises:
        ValueError: an unknown device, or a CUDA device that this machine or this build of
            srgan_cpp does not have (the checks of ``srgan_cpp.cli.parse_device``).
    """
    from ..cli import parse_device

    if isinstance(device, torch.device):
        device = str(device)
    dev = parse_device(device, "`device`")
    if dev.type == "cuda" and dev.index is None and device in (None, "auto"):
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count())
    return dev


def resolve_precision(precision: Optional[str], device: torch.device, supported: Sequence[str]) -> str:
    """The precision name ("fp32", "bf16", "fp16") to compute in.

    Args:
        precision: "auto" (or None), "fp32", "bf16" or "fp16".
        device: where the model runs.
        supported: the precisions the model allows (``ModelInfo.precisions``).

    Raises:
        ValueError: an unknown precision, fp16 on a CPU, or a precision the model does not allow.
    """
    if precision is None:
        precision = "auto"
    if precision not in PRECISIONS:
        raise ValueError(f"`precision` must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        if device.type == "cuda":
            for p in ("fp16", "bf16"):
                if p in supported and (p == "fp16" or torch.cuda.is_bf16_supported()):
                    return p
            return "fp32"
        return "bf16" if "bf16" in supported and cpu_has_fast_bf16() else "fp32"
    if precision == "fp16" and device.type == "cpu":
        hint = "bf16 (native on this CPU)" if cpu_has_fast_bf16() else "bf16 or fp32"
        raise ValueError(f"`precision` fp16 is not available on the CPU (no fast fp16 convolutions; fp16 overflows "
                         f"where bf16 cannot): use {hint}")
    if precision not in supported:
        raise ValueError(f"`precision` {precision} is not supported by this model (it supports {', '.join(supported)})")
    return precision
