"""Memory: the automatic tile size and recognising out-of-memory errors.

The tile is chosen so that one batch of tiles (the model's activations), plus the band of
output rows the engine accumulates, stays within a fraction of the memory that is free now:
``torch.cuda.mem_get_info`` on a GPU, ``MemAvailable`` from ``/proc/meminfo`` on the CPU.
On a GPU the activation cost per pixel is measured with one small probe forward; on the CPU
it is estimated from the model's widest convolution (the probe cannot be measured there),
and the tile is capped where larger tiles stop paying (the overlap is then a few percent).
"""
from __future__ import annotations

import gc
import math
import os
from typing import Callable, Optional

import torch
from torch import Tensor, nn

from .tiling import round_up

__all__ = ["free_bytes", "is_oom", "release", "auto_tile", "estimate_bytes_per_pixel"]

#: Share of the free memory the tiles may use.
_BUDGET = 0.5
#: Tile sides the automatic choice stays within (input pixels).
_AUTO_RANGE = {"cpu": (64, 512), "cuda": (64, 2048)}
_PROBE = 64


def free_bytes(device: torch.device) -> int:
    """Bytes free on ``device`` now (RAM available to this machine for the CPU)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def is_oom(error: BaseException) -> bool:
    """Whether ``error`` is an allocation failure (CUDA or CPU) worth retrying smaller."""
    if isinstance(error, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text
                                                 or "not enough memory" in text)


def release(device: torch.device) -> None:
    """Frees what can be freed after an out-of-memory error."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def estimate_bytes_per_pixel(model: nn.Module, scale: int, element_size: int) -> float:
    """Activation bytes per *input* pixel of one forward, from the widest convolution: a few
    feature maps live at the input resolution and a few at the output (upsampled) one."""
    widest = max((p.shape[0] for p in model.parameters() if p.dim() == 4), default=64)
    return element_size * widest * (8 + 4 * scale * scale)


def _measure_cuda(run: Callable[[Tensor], Tensor], channels: int, device: torch.device, dtype: torch.dtype) -> float:
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    run(torch.zeros(1, channels, _PROBE, _PROBE, device=device, dtype=dtype))
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - base) / (_PROBE * _PROBE)


def auto_tile(model: nn.Module, run: Callable[[Tensor], Tensor], *, channels: int, scale: int, multiple: int,
              min_size: int, overlap: int, batch_streams: int, acc_channels: int, image_hw: tuple,
              device: torch.device, dtype: torch.dtype, limit_bytes: Optional[int] = None) -> int:
    """The tile side (input pixels) to start with.

    Args:
        run: one model forward as the engine calls it (used for the GPU probe).
        batch_streams: tensors per tile that go through the model at once (2 when the
            alpha channel is upscaled by the model too, times the TTA that is not batched).
        acc_channels: channels of the engine's output accumulator.
        image_hw: the padded image size (the tile never exceeds it).
        limit_bytes: memory to plan for instead of what is free now.
    """
    free = limit_bytes if limit_bytes is not None else free_bytes(device)
    budget = free * _BUDGET
    if device.type == "cuda":
        per_px = _measure_cuda(run, channels, device, dtype)
        lo, hi = _AUTO_RANGE["cuda"]
    else:
        per_px = estimate_bytes_per_pixel(model, scale, torch.tensor([], dtype=dtype).element_size())
        lo, hi = _AUTO_RANGE["cpu"]
    per_px *= batch_streams
    # The band accumulator: one tile of output rows across the whole output width (float32).
    band_per_tile_row = image_hw[1] * scale * scale * acc_channels * 4
    # tile^2 * per_px + tile * band_per_tile_row <= budget
    a, b = per_px, band_per_tile_row
    side = (-b + math.sqrt(b * b + 4 * a * budget)) / (2 * a) if a > 0 else hi
    floor_side = max(lo, min_size, overlap + multiple)
    side = int(min(max(side, floor_side), hi))
    side = max(round_up(side, multiple) if side % multiple else side, round_up(floor_side, multiple))
    return min(side, max(image_hw))
