"""``srgan-cpp upscale --compare``: how much a model recovers, on the user's own photo.

The photo is taken as ground truth: it is cropped to a multiple of the model's scale,
downscaled by the scale with MATLAB bicubic (``srgan_cpp.data.imresize``, the SR papers'
degradation), and brought back to its size twice - by bicubic and by the model. PSNR and
SSIM on Y (BT.601) with ``scale`` border pixels cropped, as the papers report them, are
printed, and ``<stem>_compare.png`` shows bicubic | model | original side by side (a
centre crop of at most ``panel`` pixels per side, so large photos stay readable).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict

import numpy as np

__all__ = ["Comparison", "compare_image"]


@dataclass(frozen=True)
class Comparison:
    """The scores of one photo: PSNR (dB) and SSIM on Y, border = scale."""

    psnr_bicubic: float
    psnr_model: float
    ssim_bicubic: float
    ssim_model: float
    scale: int
    grid: np.ndarray  # (H, W, 3) uint8: bicubic | model | original

    def as_dict(self) -> Dict[str, Any]:
        return {"psnr_y_bicubic": self.psnr_bicubic, "psnr_y_model": self.psnr_model,
                "ssim_y_bicubic": self.ssim_bicubic, "ssim_y_model": self.ssim_model,
                "gain_db": self.psnr_model - self.psnr_bicubic, "scale": self.scale}


def _centre(img: np.ndarray, panel: int) -> np.ndarray:
    h, w = img.shape[:2]
    ch, cw = min(h, panel), min(w, panel)
    top, left = (h - ch) // 2, (w - cw) // 2
    return img[top:top + ch, left:left + cw]


def compare_image(up: Any, photo: np.ndarray, *, name: str = "model", panel: int = 384) -> Comparison:
    """Scores ``up`` (an :class:`~srgan_cpp.upscale.Upscaler`) against bicubic on ``photo``.

    Args:
        up: the upscaler (its model's integer scale is used).
        photo: ``(H, W, 3)`` or ``(H, W)`` / ``(H, W, 1)`` uint8, at least 16 x scale pixels a side.
        name: the model's label in the grid.
        panel: the largest side of each panel of the grid.

    Raises:
        ValueError for a photo that is too small or not uint8.
    """
    from ..data import imresize
    from ..demo import _side_by_side
    from ..metrics import psnr, ssim

    scale = int(up.info.scale)
    if not isinstance(photo, np.ndarray) or photo.dtype != np.uint8:
        raise ValueError("--compare: needs an 8-bit image")
    if photo.ndim == 3 and photo.shape[2] == 4:
        photo = photo[..., :3]
    if photo.ndim == 3 and photo.shape[2] == 1:
        photo = photo[..., 0]
    h, w = photo.shape[0] - photo.shape[0] % scale, photo.shape[1] - photo.shape[1] % scale
    if min(h, w) < 16 * scale:
        raise ValueError(f"--compare: the image ({photo.shape[1]}x{photo.shape[0]}) is too small to be "
                         f"downscaled x{scale} and scored (needs {16 * scale} pixels a side)")
    hr = np.ascontiguousarray(photo[:h, :w])
    lr = imresize(hr, 1.0 / scale)
    bic = imresize(lr, float(scale))
    sr = up.run(lr, scale=scale)
    scores = [float(f(x, hr, crop_border=scale, channel="y")) for f in (psnr, ssim) for x in (bic, sr)]

    def rgb(img: np.ndarray) -> np.ndarray:
        return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img

    panels = [_centre(rgb(x), panel) for x in (bic, sr, hr)]
    grid = _side_by_side(panels, [f"bicubic x{scale}  {scores[0]:.2f} dB", f"{name}  {scores[1]:.2f} dB", "original"])
    return Comparison(psnr_bicubic=scores[0], psnr_model=scores[1], ssim_bicubic=scores[2], ssim_model=scores[3],
                      scale=scale, grid=grid)


def compare_path(output_dir: str, src: str) -> str:
    """Where the comparison of input ``src`` goes: ``<output folder>/<stem>_compare.png``."""
    return os.path.join(output_dir, os.path.splitext(os.path.basename(src))[0] + "_compare.png")
