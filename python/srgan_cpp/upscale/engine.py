"""The tiled, blended pass of a model over one image that stays on the host.

Only one batch of tiles (with their context margins) and one band of output rows are on the
device at a time: tiles are sliced from the host image, the model's outputs are weighted
and added into a float32 band accumulator as wide as the output, and every output row
whose tiles are all done is normalised, converted to the output dtype on the device
(``finalize``: clamp, scale, round) and copied into the host output array. The band is as
tall as one tile's output, so device (and host) memory does not grow with the image height.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from queue import Queue
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .tiling import AxisPlan, axis_weights, plan_axis

__all__ = ["TileGrid", "make_grid", "run_tiled"]

#: ``(B, T_h, T_w, C)`` host-dtype tiles on the device -> ``(B, C_acc, T_h*s, T_w*s)`` float32.
TileFn = Callable[[Tensor], Tensor]
#: ``(rows, W_out, C_acc)`` normalised float32 -> ``(rows, W_out, C_out)`` in the output dtype
#: (may work in place on its argument, a view of the band accumulator).
FinalizeFn = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class TileGrid:
    """Tiles over a padded ``(height, width)`` image."""

    rows: AxisPlan
    cols: AxisPlan

    @property
    def tile_hw(self) -> Tuple[int, int]:
        return self.rows.tile, self.cols.tile

    @property
    def count(self) -> int:
        return self.rows.count * self.cols.count


def make_grid(height: int, width: int, tile: Tuple[int, int], overlap: int, multiple: int) -> TileGrid:
    """The tile grid of a padded image (``height``, ``width`` multiples of ``multiple``)."""
    return TileGrid(plan_axis(height, tile[0], overlap, multiple), plan_axis(width, tile[1], overlap, multiple))


class _HostWriter:
    """Copies finished device blocks into the host output, on a thread when the device is a
    GPU so that the device-to-host copy overlaps the next tiles' compute."""

    def __init__(self, out: np.ndarray, threaded: bool) -> None:
        self.out = out
        self.queue: Optional[Queue] = Queue(maxsize=4) if threaded else None
        self.error: Optional[BaseException] = None
        self.thread: Optional[threading.Thread] = None
        if self.queue is not None:
            self.thread = threading.Thread(target=self._loop, name="srgan_cpp-upscale-writer", daemon=True)
            self.thread.start()

    def _copy(self, r0: int, block: Tensor) -> None:
        rows = min(block.shape[0], self.out.shape[0] - r0)
        if rows > 0:
            self.out[r0:r0 + rows] = block[:rows, :self.out.shape[1]].cpu().numpy()

    def _loop(self) -> None:
        assert self.queue is not None
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    self._copy(*item)
                except BaseException as e:  # noqa: BLE001 - re-raised by close()
                    self.error = e

    def put(self, r0: int, block: Tensor) -> None:
        if self.queue is None:
            self._copy(r0, block)
        else:
            if self.error is not None:
                raise self.error
            self.queue.put((r0, block))

    def close(self) -> None:
        if self.queue is not None and self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            if self.error is not None:
                raise self.error


def _host_tiles(image: np.ndarray, ys: int, xs: List[int], th: int, tw: int) -> Tensor:
    batch = np.stack([image[ys:ys + th, x:x + tw] for x in xs])
    return torch.from_numpy(batch)


def run_tiled(image: np.ndarray, fn: TileFn, finalize: FinalizeFn, out: np.ndarray, *, grid: TileGrid, scale: int,
              acc_channels: int, device: torch.device, batch: int = 1,
              on_tiles: Optional[Callable[[int], None]] = None) -> None:
    """Runs ``fn`` over the tiles of ``image`` and writes the blended, finalized result into ``out``.

    Args:
        image: ``(H_p, W_p, C)`` host array (uint8, uint16 or float32), padded so that the
            grid covers it exactly.
        fn: the per-batch computation (normalise, model, TTA, alpha...), see ``TileFn``.
        finalize: normalised float32 rows -> output dtype, on the device.
        out: ``(H_out, W_out, C_out)`` host array, ``H_out <= H_p * scale`` (the padding
            at the bottom and right is cropped by writing only what fits).
        grid: the tiles (``make_grid``); scale: the model's factor.
        acc_channels: channels ``fn`` returns.
        batch: tiles per model call (tiles of one grid row are batched).
        on_tiles: called with the number of tiles done after each batch (progress).

    A failure (for example out of memory) leaves ``out`` partly written; the caller
    discards it.
    """
    wy, ty, sup_y = axis_weights(grid.rows, scale, device)
    wx, tx, sup_x = axis_weights(grid.cols, scale, device)
    th, tw = grid.tile_hw
    w_out = grid.cols.length * scale
    band_rows = max(hi - lo for lo, hi in sup_y)
    acc = torch.zeros(band_rows, w_out, acc_channels, device=device, dtype=torch.float32)
    acc_lo = sup_y[0][0]
    writer = _HostWriter(out, threaded=device.type == "cuda")
    try:
        for i, ys in enumerate(grid.rows.starts):
            lo, hi = sup_y[i]
            if lo > acc_lo:  # move the rows still open (shared with this tile row) to the top
                keep = acc[lo - acc_lo:band_rows].clone()
                acc[:keep.shape[0]] = keep
                acc[keep.shape[0]:].zero_()
                acc_lo = lo
            row_w = wy[i][lo - ys * scale:hi - ys * scale]
            for j0 in range(0, grid.cols.count, batch):
                js = list(range(j0, min(j0 + batch, grid.cols.count)))
                tiles = _host_tiles(image, ys, [grid.cols.starts[j] for j in js], th, tw)
                if device.type == "cuda":
                    tiles = tiles.pin_memory().to(device, non_blocking=True)
                result = fn(tiles)  # (B, C_acc, th*s, tw*s) float32
                for b, j in enumerate(js):
                    c0, c1 = sup_x[j]
                    xs = grid.cols.starts[j] * scale
                    tile_out = result[b, :, lo - ys * scale:hi - ys * scale, c0 - xs:c1 - xs].permute(1, 2, 0)
                    weight = row_w[:, None, None] * wx[j][c0 - xs:c1 - xs][None, :, None]
                    acc[lo - acc_lo:hi - acc_lo, c0:c1].addcmul_(tile_out, weight)
                del result
                if on_tiles is not None:
                    on_tiles(len(js))
            done = sup_y[i + 1][0] if i + 1 < grid.rows.count else hi  # rows no later tile touches
            if done > acc_lo:
                # Normalised and finalized in place: these rows of the band are not needed again.
                block = acc[:done - acc_lo].div_(ty[acc_lo:done, None, None]).div_(tx[None, :, None])
                result = finalize(block)
                if writer.queue is not None and result.untyped_storage().data_ptr() == acc.untyped_storage().data_ptr():
                    result = result.clone()  # the band is reused before the writer thread copies it
                writer.put(acc_lo, result)
    finally:
        writer.close()
