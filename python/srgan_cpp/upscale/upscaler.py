"""``Upscaler``: one model prepared once (device, precision, channels_last) and applied to
images, files and folders; ``upscale()`` is the one-call form.

Per image: the alpha plan (constant alpha copied, or premultiplied colour with the alpha
upscaled alongside), then one or more tiled, blended model passes (``engine.run_tiled``),
then MATLAB bicubic to the exact output size when the factor is not a power of the
model's scale. On out-of-memory the tile batch, then the tile side, is halved and the
whole pass redone - a partial image is never returned.
"""
from __future__ import annotations

import copy
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from .alpha import ALPHA_MODES, constant_alpha, resize_pixels, unpremultiply
from .engine import make_grid, run_tiled
from .image_io import DEFAULT_MAX_PIXELS, Picture, picture_from_pil, picture_to_pil, read_picture
from .memory import auto_tile, is_oom, release
from .model_info import ModelInfo, ModelSource, model_info, resolve_model
from .precision import DTYPES, resolve_device, resolve_precision
from .sizing import SizeArg, SizePlan, plan_size
from .tiling import round_up
from .tta import transforms, with_tta

__all__ = ["Upscaler", "upscale", "DEFAULT_OVERLAP", "UpscaleStats"]

#: Input pixels neighbouring tiles share (context margins + cross-fade band).
DEFAULT_OVERLAP = 16
_INT_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_TORCH_DTYPE = {np.dtype(np.uint8): torch.uint8, np.dtype(np.uint16): torch.uint16, np.dtype(np.float32): torch.float32}
#: BT.601 luma: a gray image that went through an RGB model comes back gray this way.
_LUMA = (0.299, 0.587, 0.114)

ImageLike = Union[np.ndarray, Tensor, Image.Image, str, "os.PathLike[str]"]


@dataclass
class UpscaleStats:
    """What the last image took: the tile (after any out-of-memory halving), the batch,
    the precision and device, model passes, tiles run and seconds."""

    tile: Tuple[int, int] = (0, 0)
    batch: int = 1
    precision: str = ""
    device: str = ""
    passes: int = 0
    tiles: int = 0
    seconds: float = 0.0
    retries: int = 0
    alpha: str = "none"
    input_size: Tuple[int, int] = (0, 0)
    output_size: Tuple[int, int] = (0, 0)

    def as_dict(self) -> Dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class _PassSpec:
    """How the tiles of one pass are computed."""

    colour_channels: int
    alpha: str  # "none" | "model" | "bicubic"
    premultiply: bool
    value_max: float  # 255, 65535 or 1 (float input)
    dtype: np.dtype
    streams: int = field(default=1)  # tensors per tile through the model (2 with model alpha)


def _validate_tile(tile: Any) -> Union[str, int]:
    if tile == "auto" or tile is None:
        return "auto"
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 0:
        raise ValueError(f"`tile` must be 'auto', 0 (no tiling) or a positive tile side in pixels, got {tile!r}")
    return int(tile)


class Upscaler:
    """A model ready to upscale images.

    Args:
        model: an ``nn.Module`` (copied, never modified), a checkpoint path (architecture
            detected by :func:`srgan_cpp.models.load`), a state dict, or a packaged model's
            name; see :func:`resolve_model`.
        tile: ``"auto"`` (from the free memory), 0 (the whole image in one piece) or the tile
            side in input pixels (rounded up to the model's size multiple).
        overlap: input pixels neighbouring tiles share (context + cross-fade).
        precision: ``"auto"`` (fp16 on CUDA, bf16 on CPUs with native bf16, else fp32),
            ``"fp32"``, ``"bf16"`` or ``"fp16"`` (CUDA only).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a ``torch.device``.
        alpha: ``"auto"``, ``"model"``, ``"bicubic"`` or ``"discard"`` (see ``alpha.ALPHA_MODES``).
        tta: None / ``"none"``, ``"flip"`` or ``"d8"``.
        batch: tiles per model call, or ``"auto"`` (1 on the CPU; on CUDA as many of a
            tile row as the memory budget allows).
        progress: show a tqdm bar over the tiles (None: when stderr is a terminal).
        max_pixels: input files declaring more pixels are refused (decompression bombs).

    Raises:
        ValueError / TypeError / FileNotFoundError: bad arguments, named.
    """

    def __init__(self, model: ModelSource, *, tile: Union[str, int] = "auto", overlap: int = DEFAULT_OVERLAP,
                 precision: str = "auto", device: Union[str, torch.device] = "auto", alpha: str = "auto",
                 tta: Optional[str] = None, batch: Union[str, int] = "auto", progress: Optional[bool] = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.tile = _validate_tile(tile)
        if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or overlap < 0:
            raise ValueError(f"`overlap` must be a non-negative number of pixels, got {overlap!r}")
        self.overlap = int(overlap)
        if alpha not in ALPHA_MODES:
            raise ValueError(f"`alpha` must be one of {', '.join(ALPHA_MODES)}, got {alpha!r}")
        self.alpha = alpha
        transforms(tta)  # validates the name
        self.tta = tta
        if not (batch == "auto" or (isinstance(batch, (int, np.integer)) and not isinstance(batch, bool) and batch >= 1)):
            raise ValueError(f"`batch` must be 'auto' or a positive number of tiles, got {batch!r}")
        self.batch = batch
        self.progress = progress
        self.max_pixels = int(max_pixels)
        self.device = resolve_device(device)
        owned = not isinstance(model, nn.Module)
        module = resolve_model(model)
        self.info: ModelInfo = model_info(module)
        if self.info.in_channels != self.info.out_channels or self.info.in_channels not in (1, 3):
            raise ValueError(f"`model` maps {self.info.in_channels} to {self.info.out_channels} channels; the upscaler "
                             "needs an image model with 1 (gray) or 3 (RGB) channels in and out")
        if isinstance(self.tile, int) and self.tile:
            self._check_tile(self.tile)
        self.precision = resolve_precision(precision, self.device, self.info.precisions)
        self.dtype = DTYPES[self.precision]
        self.model = self._prepare(module, owned)
        self._forward = with_tta(self._model_forward, tta)
        self.last_stats = UpscaleStats()

    # ---------------------------------------------------------------------------------
    # setup
    # ---------------------------------------------------------------------------------
    def _check_tile(self, tile: int) -> None:
        floor = max(self.info.min_size, self.info.size_multiple)
        if tile < floor:
            raise ValueError(f"`tile` {tile} is smaller than the smallest input this {self.info.name} accepts ({floor})")
        if tile <= self.overlap:
            raise ValueError(f"`tile` {tile} must be larger than `overlap` {self.overlap}")

    def _prepare(self, module: nn.Module, owned: bool) -> nn.Module:
        if not owned:
            try:
                module = copy.deepcopy(module)
            except Exception as e:  # noqa: BLE001 - e.g. a module holding an open handle
                raise ValueError(f"`model` ({type(module).__name__}) cannot be copied to prepare it: {e}") from e
        module = module.eval().requires_grad_(False).to(device=self.device, dtype=self.dtype)
        try:
            module = module.to(memory_format=torch.channels_last)
        except (RuntimeError, TypeError):  # TorchScript and exotic modules: keep their layout
            pass
        return module

    def _model_forward(self, x: Tensor) -> Tensor:
        with torch.inference_mode():
            y = self.model(x.to(self.dtype).contiguous(memory_format=torch.channels_last))
        return y.float()

    # ---------------------------------------------------------------------------------
    # public API
    # ---------------------------------------------------------------------------------
    def run(self, image: ImageLike, *, scale: Optional[float] = None, size: Optional[SizeArg] = None) -> Any:
        """Upscales one image and returns it as the same kind of object.

        Args:
            image: a NumPy array ``(H, W)`` / ``(H, W, C)`` (C = 1, 2, 3, 4; uint8, uint16, or
                float32 in [0, 1]); a tensor ``(C, H, W)`` / ``(N, C, H, W)`` (float in [0, 1]
                or uint8); a PIL image; or a file path (returns a NumPy array, upright).
            scale: output factor (default: the model's); any positive number.
            size: output ``(height, width)`` (a side may be None: aspect kept) or ``"WxH"``.

        Returns:
            The upscaled image: same type, dtype, layout and channel count as ``image``
            (``alpha="discard"`` drops the alpha channel; PIL palette images come back RGB(A)).
        """
        if isinstance(image, (str, os.PathLike)):
            pic = read_picture(image, self.max_pixels)
            return self.upscale_picture(pic, scale=scale, size=size).pixels_like(pic.pixels)
        if isinstance(image, Tensor):
            return self._run_tensor(image, scale, size)
        if isinstance(image, np.ndarray):
            return self._run_array(image, scale, size)
        if isinstance(image, Image.Image):
            pic = picture_from_pil(image)
            out = self.upscale_picture(pic, scale=scale, size=size)
            return picture_to_pil(out.pixels, pic)
        raise TypeError(f"`image` must be a NumPy array, a tensor, a PIL image or a path, got {type(image).__name__}")

    def run_file(self, src: Union[str, "os.PathLike[str]"], dst: Union[str, "os.PathLike[str]"], *,
                 scale: Optional[float] = None, size: Optional[SizeArg] = None, format: Optional[str] = None,
                 quality: Optional[int] = None, existing: str = "overwrite",
                 png_level: Optional[int] = None) -> UpscaleStats:
        """Reads ``src``, upscales it and writes ``dst`` atomically (ICC profile and EXIF carried).

        ``format``: "png", "jpg", "webp" or "tif" (default: from ``dst``'s extension);
        ``quality``: jpg / webp 1..100; ``png_level``: png zlib level 0..9 (default 1).
        ``existing``: what to do when ``dst`` exists: "overwrite", "skip" (returns the stats
        of nothing done) or "error" (FileExistsError). ``dst`` is never ``src``.
        """
        from .folder import write_result  # folder.py holds the output rules

        pic = read_picture(src, self.max_pixels)
        return write_result(self, pic, os.fspath(src), os.fspath(dst), scale=scale, size=size, fmt=format,
                            quality=quality, existing=existing, png_level=png_level)

    def run_dir(self, src: Union[str, "os.PathLike[str]"], dst: Union[str, "os.PathLike[str]"], **kwargs: Any) -> Any:
        """Upscales every image in folder ``src`` into folder ``dst`` (structure kept);
        see :func:`srgan_cpp.upscale.folder.run_folder` for the options and the report."""
        from .folder import run_folder

        return run_folder(self, [os.fspath(src)], os.fspath(dst), **kwargs)

    # ---------------------------------------------------------------------------------
    # kinds of input
    # ---------------------------------------------------------------------------------
    def _run_array(self, img: np.ndarray, scale: Optional[float], size: Optional[SizeArg]) -> np.ndarray:
        if img.dtype not in _TORCH_DTYPE:
            raise TypeError(f"`image` must have dtype uint8, uint16 or float32, got {img.dtype}")
        if img.ndim == 2:
            hwc = img[:, :, None]
        elif img.ndim == 3 and img.shape[2] in (1, 2, 3, 4):
            hwc = img
        else:
            raise ValueError(f"`image` must be (H, W) or (H, W, C) with C in 1..4 (gray, gray+alpha, RGB, RGBA), "
                             f"got shape {img.shape}")
        out = self.upscale_picture(Picture(np.ascontiguousarray(hwc)), scale=scale, size=size).pixels
        return out[:, :, 0] if img.ndim == 2 else out

    def _run_tensor(self, t: Tensor, scale: Optional[float], size: Optional[SizeArg]) -> Tensor:
        if t.dim() == 4:
            return torch.stack([self._run_tensor(x, scale, size) for x in t])
        if t.dim() != 3:
            raise ValueError(f"`image` as a tensor must be (C, H, W) or (N, C, H, W), got shape {tuple(t.shape)}")
        if t.dtype == torch.uint8:
            arr = t.detach().permute(1, 2, 0).cpu().numpy()
        elif t.is_floating_point():
            arr = t.detach().permute(1, 2, 0).to("cpu", torch.float32).numpy()
        else:
            raise TypeError(f"`image` tensor must be float (values in [0, 1]) or uint8, got {t.dtype}")
        out = self._run_array(np.ascontiguousarray(arr), scale, size)
        return torch.from_numpy(out).permute(2, 0, 1).to(device=t.device, dtype=t.dtype)

    # ---------------------------------------------------------------------------------
    # the work
    # ---------------------------------------------------------------------------------
    def upscale_picture(self, pic: Picture, *, scale: Optional[float] = None,
                        size: Optional[SizeArg] = None) -> "UpscaledPicture":
        """Upscales a :class:`Picture` (see ``image_io``); the result keeps its ICC and EXIF."""
        start = time.perf_counter()
        pixels = pic.pixels
        h, w, c = pixels.shape
        if h < 1 or w < 1:
            raise ValueError(f"`image` is empty ({w}x{h})")
        colour = c - (1 if pic.has_alpha else 0)
        if colour == 3 and self.info.in_channels == 1:
            raise ValueError(f"this {self.info.name} takes 1 channel (grayscale) and the image has 3 (colour): "
                             "convert the image to grayscale first, or use an RGB model")
        plan = plan_size((h, w), self.info.scale, scale, size)
        stats = UpscaleStats(precision=self.precision, device=str(self.device), input_size=(w, h),
                             output_size=(plan.out_hw[1], plan.out_hw[0]))
        const: Optional[Any] = None
        alpha_kind = "none"
        if pic.has_alpha:
            if self.alpha == "discard":
                pixels = np.ascontiguousarray(pixels[..., :colour])
            else:
                const = constant_alpha(pixels) if self.alpha == "auto" else None
                if const is not None:
                    pixels = np.ascontiguousarray(pixels[..., :colour])
                    alpha_kind = "constant"
                else:
                    alpha_kind = "bicubic" if self.alpha == "bicubic" else "model"
        stats.alpha = alpha_kind
        has_alpha = alpha_kind in ("model", "bicubic")
        if plan.pre_resize:
            pixels = resize_pixels(pixels, plan.out_hw, has_alpha)
        for _ in range(plan.passes):
            pixels = self._pass(pixels, colour, alpha_kind if has_alpha else "none", stats)
        if plan.resize:
            pixels = resize_pixels(pixels, plan.out_hw, has_alpha)
        if const is not None:
            pixels = np.concatenate([pixels, np.full(pixels.shape[:2] + (1,), const, dtype=pixels.dtype)], axis=2)
        stats.seconds = time.perf_counter() - start
        self.last_stats = stats
        return UpscaledPicture(pixels, pic.icc_profile, pic.exif, stats)

    def _pass(self, pixels: np.ndarray, colour: int, alpha: str, stats: UpscaleStats) -> np.ndarray:
        """One tiled model pass over ``(H, W, C)`` pixels -> ``(H*s, W*s, C)`` of the same dtype."""
        info = self.info
        h, w, _ = pixels.shape
        m = info.size_multiple
        hp = max(round_up(h, m), round_up(info.min_size, m))
        wp = max(round_up(w, m), round_up(info.min_size, m))
        padded = _pad(pixels, hp, wp)
        spec = _PassSpec(colour, alpha, alpha != "none", _INT_MAX.get(pixels.dtype, 1.0), pixels.dtype,
                         2 if alpha == "model" else 1)
        acc_channels = colour + (1 if alpha != "none" else 0)
        out_c = pixels.shape[2]
        out = np.empty((h * info.scale, w * info.scale, out_c), dtype=pixels.dtype)
        tile, batch = self._start_tile(spec, acc_channels, (hp, wp))
        fn, finalize = self._tile_fn(spec), self._finalize_fn(spec)
        while True:
            tile_hw = (min(tile, hp), min(tile, wp)) if tile else (hp, wp)
            grid = make_grid(hp, wp, tile_hw, self.overlap, m)
            bar = self._bar(grid.count)
            try:
                run_tiled(padded, fn, finalize, out, grid=grid, scale=info.scale, acc_channels=acc_channels,
                          device=self.device, batch=batch, on_tiles=bar.update if bar is not None else None)
                break
            except Exception as e:  # noqa: BLE001 - only out-of-memory is retried
                if not is_oom(e):
                    raise
                del e
                release(self.device)
                smaller = self._smaller(tile_hw, batch)
                if smaller is None:
                    raise MemoryError(f"upscale: out of memory on {self.device} even with {tile_hw[0]}x{tile_hw[1]} "
                                      "tiles one at a time") from None
                tile, batch = smaller
                stats.retries += 1
            finally:
                if bar is not None:
                    bar.close()
        stats.tile, stats.batch = grid.tile_hw, batch
        stats.passes += 1
        stats.tiles += grid.count
        return out

    def _smaller(self, tile_hw: Tuple[int, int], batch: int) -> Optional[Tuple[int, int]]:
        if batch > 1:
            return max(tile_hw), 1
        m = self.info.size_multiple
        half = round_up(max(tile_hw) // 2, m)
        floor = max(self.info.min_size, m, self.overlap + m, 16)
        if half < floor or half >= max(tile_hw):
            return None
        return half, 1

    def _start_tile(self, spec: _PassSpec, acc_channels: int, hw: Tuple[int, int]) -> Tuple[int, int]:
        streams = spec.streams
        if self.tile == "auto":
            tile = auto_tile(self.model, self._forward, channels=self.info.in_channels, scale=self.info.scale,
                             multiple=self.info.size_multiple, min_size=self.info.min_size, overlap=self.overlap,
                             batch_streams=streams, acc_channels=acc_channels, image_hw=hw, device=self.device,
                             dtype=self.dtype)
        else:
            tile = int(self.tile)
        if self.batch != "auto":
            return tile, int(self.batch)
        if self.device.type != "cuda" or tile == 0:
            return tile, 1
        # On a GPU, batch the tiles of a row while the budget (computed for one tile) allows it.
        per_row = math.ceil(max(hw[1] - self.overlap, 1) / max(tile - self.overlap, 1))
        return tile, max(1, min(per_row, 4))

    def _bar(self, total: int) -> Any:
        show = self.progress if self.progress is not None else sys.stderr.isatty()
        if not show or total <= 1:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="tiles", unit="tile", leave=False, dynamic_ncols=True)

    def _tile_fn(self, spec: _PassSpec) -> Callable[[Tensor], Tensor]:
        model_c = self.info.in_channels
        gray_through_rgb = spec.colour_channels == 1 and model_c == 3
        luma = torch.tensor(_LUMA, device=self.device).view(1, 3, 1, 1)
        scale = self.info.scale
        forward = self._forward

        def fn(tiles: Tensor) -> Tensor:
            x = tiles.to(self.device, non_blocking=True).permute(0, 3, 1, 2).float()
            if spec.value_max != 1.0:
                x = x * (1.0 / spec.value_max)
            n = x.shape[0]
            colour = x[:, :spec.colour_channels]
            alpha = x[:, spec.colour_channels:] if spec.alpha != "none" else None
            if spec.premultiply and alpha is not None:
                colour = colour * alpha
            if gray_through_rgb:
                colour = colour.expand(-1, 3, -1, -1)
            if spec.alpha == "model":
                y = forward(torch.cat([colour, alpha.expand(-1, model_c, -1, -1)]))  # type: ignore[union-attr]
                y_colour, y_alpha = y[:n], y[n:].mean(dim=1, keepdim=True)
            else:
                y_colour, y_alpha = forward(colour), None
            if gray_through_rgb:
                y_colour = (y_colour * luma).sum(dim=1, keepdim=True)
            if spec.alpha == "bicubic":
                from ..data import imresize

                y_alpha = imresize(alpha.contiguous(), float(scale))  # type: ignore[union-attr]
            return y_colour if y_alpha is None else torch.cat([y_colour, y_alpha], dim=1)
        return fn

    def _finalize_fn(self, spec: _PassSpec) -> Callable[[Tensor], Tensor]:
        target = _TORCH_DTYPE[np.dtype(spec.dtype)]

        def finalize(block: Tensor) -> Tensor:
            if spec.premultiply:
                block = unpremultiply(block, spec.value_max)
            else:
                block = block.clamp_(0.0, 1.0)
            if spec.value_max == 1.0:
                return block
            return block.mul_(spec.value_max).round_().to(target)
        return finalize


def _pad(pixels: np.ndarray, hp: int, wp: int) -> np.ndarray:
    """Pads ``(H, W, C)`` at the bottom and right to ``(hp, wp)`` by reflection (edge
    replication where the image is too small to reflect)."""
    h, w, _ = pixels.shape
    if (h, w) == (hp, wp):
        return pixels
    mode = "reflect" if hp - h < h and wp - w < w else "edge"
    return np.pad(pixels, ((0, hp - h), (0, wp - w), (0, 0)), mode=mode)


@dataclass
class UpscaledPicture:
    """An upscaled image with what its file must carry (ICC profile, EXIF) and the stats."""

    pixels: np.ndarray
    icc_profile: Optional[bytes]
    exif: Optional[bytes]
    stats: UpscaleStats

    def pixels_like(self, source: np.ndarray) -> np.ndarray:
        """The pixels as ``(H, W)`` if the source was single-channel, else ``(H, W, C)``."""
        return self.pixels[:, :, 0] if source.shape[2] == 1 and self.pixels.shape[2] == 1 else self.pixels


def upscale(image: ImageLike, model: ModelSource, *, scale: Optional[float] = None, size: Optional[SizeArg] = None,
            tile: Union[str, int] = "auto", overlap: int = DEFAULT_OVERLAP, precision: str = "auto",
            device: Union[str, torch.device] = "auto", alpha: str = "auto", tta: Optional[str] = None,
            progress: Optional[bool] = None, batch: Union[str, int] = "auto") -> Any:
    """Upscales one image with ``model``; the result has the input's type, dtype and channels.

    ``srgan_cpp.upscale(img, "RealESRGAN_x4plus.pth")`` is ``Upscaler(model, ...).run(img)``;
    build an :class:`Upscaler` once to upscale many images with the same model. See
    :class:`Upscaler` for the arguments and :meth:`Upscaler.run` for the image kinds.
    """
    return Upscaler(model, tile=tile, overlap=overlap, precision=precision, device=device, alpha=alpha, tta=tta,
                    progress=progress, batch=batch).run(image, scale=scale, size=size)
