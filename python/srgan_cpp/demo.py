"""A one-minute SRCNN demo on the bundled photographs.

``run_demo`` trains :class:`srgan_cpp.models.SRCNN` (the C++ model) from scratch on the
bundled images except one held out, then upscales the held-out image and compares it with
plain bicubic interpolation:

* degradation (the classic SRCNN setup): the ground truth (cropped to a multiple of
  ``scale``) is downscaled by ``scale`` with Pillow's bicubic filter, then upscaled back
  to full size with the same filter; that "bicubic" image is both the baseline and the
  network input;
* the network sees and predicts only the luma Y (ITU-R BT.601 "studio swing",
  as MATLAB's ``rgb2ycbcr``: Y in [16, 235] / 255); the chroma of the output is the
  bicubic chroma;
* training: random ``patch_size`` patches (random flips and 90 degree rotations), loss
  = MSE on the valid centre of each patch (``padding="valid"``, as in the paper, so the
  network never learns from zero-padded borders), Adam with a cosine learning-rate decay
  over the wall-clock budget;
* inference: the input is reflect-padded by half the model's border, so the output
  keeps the input size without zero-padding artefacts at the image edges;
* PSNR is measured on Y in [0, 1] (float), with ``scale`` pixels cropped at every edge.

Training uses torch's intra-op threads (``torch.get_num_threads()``) and stops on wall time,
so the number of steps (and the exact result) depends on the machine's speed and load.
"""
from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from .data import bundled_images
from .image import load_image, save_image
from .metrics import psnr, rgb_to_ycbcr, ycbcr_to_rgb
from .models import SRCNN, save_state_dict

__all__ = ["run_demo"]

_LABEL_H = 22  # height of the label strip above each panel of the comparison image
_GAP = 4  # gap between panels (pixels)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _ycbcr(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB -> ``(H, W, 3)`` float64 YCbCr in [0, 1] (BT.601 studio swing, Y in
    [16, 235] / 255: ``srgan_cpp.metrics.rgb_to_ycbcr`` of the image as floats)."""
    return rgb_to_ycbcr(rgb.astype(np.float64) / 255.0)


def _rgb_uint8(ycc: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_ycbcr`: float YCbCr in [0, 1] -> uint8 RGB (rounded, saturated)."""
    return np.clip(np.round(ycbcr_to_rgb(ycc) * 255.0), 0, 255).astype(np.uint8)


def _bicubic_pair(hr: np.ndarray, scale: int) -> np.ndarray:
    """Bicubic down by ``scale`` then back up (Pillow), uint8 RGB in and out."""
    h, w = hr.shape[:2]
    im = Image.fromarray(hr)
    lr = im.resize((w // scale, h // scale), Image.Resampling.BICUBIC)
    return np.asarray(lr.resize((w, h), Image.Resampling.BICUBIC))


def _prepare(path: os.PathLike, scale: int) -> Tuple[np.ndarray, np.ndarray]:
    """Ground truth (cropped to a multiple of ``scale``) and its bicubic reconstruction, uint8 RGB."""
    hr = load_image(path, mode="RGB")
    h, w = hr.shape[0] - hr.shape[0] % scale, hr.shape[1] - hr.shape[1] % scale
    hr = np.ascontiguousarray(hr[:h, :w])
    return hr, _bicubic_pair(hr, scale)


def _upscale_y(model: SRCNN, y: np.ndarray, device: torch.device) -> np.ndarray:
    """Runs the model on a full Y image (reflect-padded so the output keeps its size)."""
    pad = model.border // 2
    x = torch.from_numpy(y.astype(np.float32))[None, None].to(device)
    with torch.no_grad():
        if pad:
            x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        out = model(x)
    return out[0, 0].clamp(0.0, 1.0).to("cpu", torch.float64).numpy()


def _font(size: int = 14) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _side_by_side(panels: List[np.ndarray], labels: List[str]) -> np.ndarray:
    """Panels (equal-size uint8 RGB) left to right with a label strip above each."""
    h, w = panels[0].shape[:2]
    canvas = Image.new("RGB", (len(panels) * w + (len(panels) - 1) * _GAP, h + _LABEL_H), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = _font()
    for i, (p, label) in enumerate(zip(panels, labels)):
        x0 = i * (w + _GAP)
        canvas.paste(Image.fromarray(p), (x0, _LABEL_H))
        draw.text((x0 + 4, 4), label, fill=(0, 0, 0), font=font)
    return np.asarray(canvas)


class _Progress:
    """tqdm over the seconds of the budget when tqdm is installed, else a line every 10 s."""

    def __init__(self, seconds: float, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.shown = 0.0
        self.next_print = 10.0
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=round(seconds, 1), unit="s", desc="training SRCNN",
                                bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}")

    def update(self, elapsed: float, step: int, loss: float) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            target = min(round(elapsed, 1), self.bar.total)
            if target - self.shown >= 0.5:
                self.bar.set_postfix_str(f"step {step}, loss {loss:.2e}", refresh=False)
                self.bar.update(target - self.shown)
                self.shown = target
        elif elapsed >= self.next_print:
            print(f"  {elapsed:5.1f} s  step {step:6d}  loss {loss:.3e}", flush=True)
            self.next_print += 10.0

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------
# the demo
# --------------------------------------------------------------------------------------
def run_demo(seconds: float = 60.0, out_dir: Union[str, os.PathLike] = "demo_out", scale: int = 3,
             seed: int = 0, variant: str = "9-1-5", device: Union[str, torch.device] = "cpu", *,
             holdout: str = "astronaut", batch_size: int = 16, lr: float = 2e-3, patch_size: int = 33,
             steps: Optional[int] = 8000, verbose: bool = True) -> Dict[str, Any]:
    """Trains SRCNN for ``steps`` Adam steps or ``seconds`` of wall time, whichever ends
    first, and compares it with bicubic upscaling.

    Args:
        seconds: training budget in wall-clock seconds (> 0); loading, evaluation and
            writing come on top (about a second).
        steps: step budget (None: time only). With the default, an idle 2-core machine
            finishes on steps (about 55 s), so the result is the same run after run; a busy
            machine stops on time instead.
        out_dir: folder for the outputs (created if missing).
        scale: upscaling factor (2..8).
        seed: seeds the model initialisation and the patch sampling. Training stops on
            time, so results still vary a little with the machine's speed and load.
        variant: SRCNN kernel sizes, "9-1-5" (default: the fastest, which learns the most
            in a short budget), "9-3-5" or "9-5-5".
        device: where to train, e.g. "cpu" or "cuda".
        holdout: stem of the bundled image kept out of training and used for the
            comparison (one of ``[p.stem for p in srgan_cpp.data.bundled_images()]``).
        batch_size: patches per Adam step.
        lr: peak Adam learning rate, cosine-decayed to 0 over the budget.
        patch_size: side of the (input) training patches.
        verbose: print progress and the result.

    Returns:
        A dict with ``psnr_srcnn``, ``psnr_bicubic``, ``gain_db`` (dB, Y channel, ``scale``
        pixels of border ignored), ``train_seconds`` (wall time of the training loop),
        ``steps``, ``patches_seen``, ``final_loss``, ``holdout``, ``train_images``, ``scale``,
        ``variant``, ``seed``, ``device``, ``image_size`` ((H, W) of the held-out image),
        ``comparison`` (path of the PNG: bicubic | SRCNN | ground truth, each with a label
        strip above) and ``weights`` (path of the state dict, loadable with
        ``srgan_cpp.models.load_state_dict_file`` into ``SRCNN(1, kernel_sizes=variant,
        padding="valid")``, or as that model with ``srgan_cpp.models.load(path,
        padding="valid")``).

    Outputs are written atomically: ``comparison_x{scale}.png`` and ``srcnn_x{scale}.pt``
    in ``out_dir``.
    """
    seconds = float(seconds)
    if steps is not None and (not isinstance(steps, int) or steps <= 0):
        raise ValueError(f"run_demo: `steps` must be a positive int or None, got {steps!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"run_demo: `seconds` must be a positive number, got {seconds!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or not 2 <= scale <= 8:
        raise ValueError(f"run_demo: `scale` must be an int in 2..8, got {scale!r}")
    scale = int(scale)
    if batch_size < 1:
        raise ValueError(f"run_demo: `batch_size` must be >= 1, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"run_demo: `lr` must be > 0, got {lr!r}")
    images = bundled_images()
    names = [p.stem for p in images]
    if holdout not in names:
        raise ValueError(f"run_demo: `holdout` must be one of {names}, got {holdout!r}")
    dev = torch.device(device)
    out_dir = os.fspath(out_dir)

    def say(msg: str) -> None:
        if verbose:
            print(msg, flush=True)

    # -- data: ground truth and bicubic input, luma only ---------------------------------
    train_x: List[torch.Tensor] = []
    train_y: List[torch.Tensor] = []
    for p in images:
        if p.stem == holdout:
            continue
        hr, bic = _prepare(p, scale)
        train_x.append(torch.from_numpy(_ycbcr(bic)[..., 0].astype(np.float32)).to(dev))
        train_y.append(torch.from_numpy(_ycbcr(hr)[..., 0].astype(np.float32)).to(dev))
    test_hr, test_bic = _prepare(images[names.index(holdout)], scale)
    test_bic_ycc = _ycbcr(test_bic)
    test_hr_y = _ycbcr(test_hr)[..., 0]

    # The model is initialised on the CPU (then moved), so only the CPU generator matters.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SRCNN(in_channels=1, features=(64, 32), kernel_sizes=variant, padding="valid").to(dev)
        border = model.border
        if patch_size <= border:
            raise ValueError(f"run_demo: `patch_size` must exceed the model border {border}, got {patch_size}")
        half = border // 2
        if min(min(t.shape) for t in train_x) < patch_size:
            raise ValueError(f"run_demo: `patch_size` {patch_size} is larger than a training image")
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))
        rng = np.random.default_rng(seed)
        say(f"srgan_cpp demo: SRCNN {variant} x{scale}, training on {len(train_x)} images "
            f"({', '.join(n for n in names if n != holdout)}) for {seconds:g} s, held out: {holdout}")

        # -- training, on wall time ------------------------------------------------------
        progress = _Progress(seconds, verbose)
        model.train()
        step = 0
        loss_value = float("nan")
        t0 = time.perf_counter()
        elapsed = 0.0
        try:
            while True:
                # Progress through the budget: the larger of the step and time fractions.
                progress_frac = elapsed / seconds if steps is None else max(elapsed / seconds, step / steps)
                if step > 0 and progress_frac >= 1.0:
                    break
                factor = 0.5 * (1.0 + math.cos(math.pi * min(progress_frac, 1.0)))
                for group in opt.param_groups:
                    group["lr"] = lr * factor
                xb, yb = _batch(train_x, train_y, rng, batch_size, patch_size)
                out = model(xb)
                loss = F.mse_loss(out, yb[..., half:half + out.shape[-2], half:half + out.shape[-1]])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                loss_value = float(loss.detach())
                elapsed = time.perf_counter() - t0
                progress.update(elapsed, step, loss_value)
        finally:
            progress.close()
        train_seconds = time.perf_counter() - t0

    # -- evaluation on the held-out image -------------------------------------------------
    model.eval()
    sr_y = _upscale_y(model, test_bic_ycc[..., 0], dev)
    p_bic = float(psnr(test_bic_ycc[..., 0], test_hr_y, crop_border=scale))
    p_sr = float(psnr(sr_y, test_hr_y, crop_border=scale))
    sr_rgb = _rgb_uint8(np.concatenate([sr_y[..., None], test_bic_ycc[..., 1:]], axis=-1))

    comparison = _side_by_side([test_bic, sr_rgb, test_hr],
                               [f"bicubic x{scale}  {p_bic:.2f} dB", f"SRCNN x{scale}  {p_sr:.2f} dB",
                                "ground truth"])
    os.makedirs(out_dir, exist_ok=True)
    comparison_path = os.path.join(out_dir, f"comparison_x{scale}.png")
    weights_path = os.path.join(out_dir, f"srcnn_x{scale}.pt")
    save_image(comparison_path, comparison)
    save_state_dict(model, weights_path)

    result: Dict[str, Any] = {
        "psnr_srcnn": p_sr,
        "psnr_bicubic": p_bic,
        "gain_db": p_sr - p_bic,
        "train_seconds": train_seconds,
        "steps": step,
        "patches_seen": step * batch_size,
        "final_loss": loss_value,
        "holdout": holdout,
        "train_images": [n for n in names if n != holdout],
        "scale": scale,
        "variant": variant,
        "seed": seed,
        "device": str(dev),
        "image_size": (int(test_hr.shape[0]), int(test_hr.shape[1])),
        "comparison": comparison_path,
        "weights": weights_path,
    }
    say(f"trained {step} steps ({step * batch_size} patches) in {train_seconds:.1f} s")
    say(f"PSNR on Y ({holdout}.png, x{scale}, {scale}-px border ignored): "
        f"bicubic {p_bic:.2f} dB, SRCNN {p_sr:.2f} dB ({p_sr - p_bic:+.2f} dB)")
    say(f"wrote {comparison_path} and {weights_path}")
    return result


def _batch(xs: List[torch.Tensor], ys: List[torch.Tensor], rng: np.random.Generator, n: int,
           size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """``n`` random aligned (input, target) patches, randomly flipped / rotated, (n, 1, size, size)."""
    bx, by = [], []
    for _ in range(n):
        i = int(rng.integers(len(xs)))
        h, w = xs[i].shape
        top = int(rng.integers(h - size + 1))
        left = int(rng.integers(w - size + 1))
        bx.append(xs[i][top:top + size, left:left + size])
        by.append(ys[i][top:top + size, left:left + size])
    x = torch.stack(bx)[:, None]
    y = torch.stack(by)[:, None]
    k = int(rng.integers(4))
    if k:
        x, y = torch.rot90(x, k, (2, 3)), torch.rot90(y, k, (2, 3))
    if rng.integers(2):
        x, y = x.flip(3), y.flip(3)
    return x.contiguous(), y.contiguous()


if __name__ == "__main__":  # pragma: no cover
    run_demo(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
