"""Benchmark evaluation with the SR literature's protocol.

For each benchmark folder (Set5, Set14, BSD100, Urban100, ... in any layout of
:func:`srgan_cpp.data.datasets.find_benchmark_layout`) and each image:

1. HR is cropped to a multiple of the scale (``modcrop``); LR is read from the folder or
   made with MATLAB bicubic ``imresize(HR, 1/scale)``;
2. the bicubic baseline is MATLAB ``imresize(LR, scale)`` (8-bit, MATLAB rounding);
3. the model gets the LR image as a float32 ``(1, C, h, w)`` tensor in [0, 1] (or the
   bicubic-upscaled image, for SRCNN-style models; or its Y channel, for Y-only models, in
   which case Cb and Cr come from the bicubic image), its output is clamped to [0, 1] and
   quantised to the image's bit depth, as saved results are;
4. PSNR and SSIM on the BT.601 Y channel and on RGB, ``crop_border = scale`` pixels
   removed from each side (see :mod:`srgan_cpp.metrics`).

Results are averaged per dataset and printed as a table like the papers' (bicubic first).
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor, nn

from .data.datasets import BenchmarkDataset, to_tensor
from .data.files import write_image
from .data.resize import imresize, round_half_away
from .metrics import psnr, rgb_to_ycbcr, ssim, ycbcr_to_rgb
from ._atomic import atomic_write

__all__ = ["evaluate", "EvalReport", "format_table", "NonFiniteOutputError"]

PathLike = Union[str, "os.PathLike[str]"]
ModelLike = Union[nn.Module, Callable[[Tensor], Tensor]]

METRICS = ("psnr_y", "ssim_y", "psnr_rgb", "ssim_rgb")


class NonFiniteOutputError(ValueError):
    """The model returned NaN or infinity for an image: there is no score to give it (clamping
    would turn NaN into black and report a PSNR as if the model had drawn that)."""


@dataclass
class EvalReport:
    """Evaluation results.

    Attributes:
        scale, crop_border: the protocol used.
        results: ``{dataset: {method: {"psnr_y", "ssim_y", "psnr_rgb", "ssim_rgb": mean}}}``
            (only the metrics asked for); methods are ``"bicubic"`` and the model's name.
        per_image: ``{dataset: {method: {image name: {metric: value}}}}``.
        n_images: ``{dataset: number of images}``.
    """

    scale: int
    crop_border: int
    results: Dict[str, Dict[str, Dict[str, float]]] = field(default_factory=dict)
    per_image: Dict[str, Dict[str, Dict[str, Dict[str, float]]]] = field(default_factory=dict)
    n_images: Dict[str, int] = field(default_factory=dict)

    def table(self) -> str:
        """The results as a plain-text table (see :func:`format_table`)."""
        return format_table(self)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-serialisable dict of everything in the report."""
        return {"scale": self.scale, "crop_border": self.crop_border, "n_images": self.n_images,
                "results": self.results, "per_image": self.per_image}

    def save_json(self, path: PathLike) -> None:
        """Writes :meth:`to_dict` as JSON, atomically (temp file in the same folder + os.replace)."""
        _atomic_write_text(os.fspath(path), json.dumps(self.to_dict(), indent=2, allow_nan=True) + "\n")


def _atomic_write_text(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path, suffix=".json") as f:
        f.write(text.encode("utf-8"))


def format_table(report: EvalReport) -> str:
    """Papers' layout: one block per channel (Y, then RGB), a row per method, ``PSNR / SSIM``
    per dataset, bicubic first."""
    datasets = list(report.results)
    methods: List[str] = []
    for d in datasets:
        for m in report.results[d]:
            if m not in methods:
                methods.append(m)
    lines = []
    for ch, title in (("y", "Y channel (BT.601)"), ("rgb", "RGB")):
        if not any(f"psnr_{ch}" in report.results[d][m] for d in datasets for m in report.results[d]):
            continue
        head = [f"Method (x{report.scale})"] + [f"{d} ({report.n_images[d]})" for d in datasets]
        rows = [head]
        for m in methods:
            row = [m]
            for d in datasets:
                r = report.results[d].get(m)
                row.append("-" if r is None or f"psnr_{ch}" not in r else f"{r[f'psnr_{ch}']:.2f} / {r[f'ssim_{ch}']:.4f}")
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines.append(f"PSNR (dB) / SSIM, {title}, {report.crop_border}-pixel border cropped")
        for k, r in enumerate(rows):
            lines.append(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
            if k == 0:
                lines.append("-+-".join("-" * w for w in widths))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _quantise(x: Tensor, dtype: np.dtype) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> HWC integer image of ``dtype`` (round half away)."""
    top = 65535.0 if dtype == np.uint16 else 255.0
    q = round_half_away(x.detach().to(torch.float64).clamp(0, 1) * top)
    return q.permute(1, 2, 0).cpu().numpy().astype(dtype)


def _model_device(model: ModelLike) -> torch.device:
    if isinstance(model, nn.Module):
        for t in list(model.parameters()) + list(model.buffers()):
            return t.device
    return torch.device("cpu")


def _run_model(model: ModelLike, lr: np.ndarray, bic: np.ndarray, scale: int, model_input: str,
               model_channels: str, device: torch.device, name: str) -> np.ndarray:
    """SR image (HWC, dtype of ``lr``) from the model, following the protocol options."""
    src = lr if model_input == "lr" else bic
    c = src.shape[2]
    if model_channels == "y" and c == 3:
        ycc = rgb_to_ycbcr(to_tensor(src).to(torch.float64))  # YCbCr / 255
        x = ycc[:1].to(torch.float32)
    else:
        x = to_tensor(src)
    x = x.unsqueeze(0).to(device)
    with torch.no_grad():
        out = model(x)
    if not isinstance(out, Tensor):
        raise TypeError(f"evaluate: the model must return a tensor, got {type(out).__name__} for image {name!r}")
    want = (1, x.shape[1], bic.shape[0], bic.shape[1])
    if tuple(out.shape) != want:
        raise ValueError(f"evaluate: for image {name!r} the model returned shape {tuple(out.shape)}, expected {want} "
                         f"(input {tuple(x.shape)}, `scale`={scale}, `model_input`={model_input!r})")
    finite = torch.isfinite(out)
    if not bool(finite.all()):
        bad = out[~finite]
        kinds = [k for k, present in (("NaN", bool(bad.isnan().any())), ("+inf", bool((bad == float("inf")).any())),
                                      ("-inf", bool((bad == float("-inf")).any()))) if present]
        raise NonFiniteOutputError(f"evaluate: the model returned {' and '.join(kinds)} for image {name!r} "
                                   f"({bad.numel()} of {out.numel()} values); no score is given for a non-finite output")
    out = out[0].to(torch.float64)
    if model_channels == "y" and c == 3:
        ycc_bic = rgb_to_ycbcr(to_tensor(bic).to(torch.float64))
        out = ycbcr_to_rgb(torch.cat([out.cpu(), ycc_bic[1:]], dim=0))
    return _quantise(out, lr.dtype)


def evaluate(model: Optional[ModelLike], datasets: Union[PathLike, Sequence[Union[PathLike, BenchmarkDataset]], BenchmarkDataset],
             scale: int, *, crop_border: Optional[int] = None, channels: Sequence[str] = ("y", "rgb"),
             model_name: str = "model", model_input: str = "lr", model_channels: str = "rgb", bicubic: bool = True,
             device: Optional[Union[str, torch.device]] = None, save_dir: Optional[PathLike] = None,
             json_path: Optional[PathLike] = None, progress: Optional[bool] = None, round_y: bool = False,
             print_table: bool = True, regenerate_lr: bool = False, image_channels: Optional[int] = None) -> EvalReport:
    """Evaluates a super-resolution model (and the bicubic baseline) on benchmark folders.

    Args:
        model: ``nn.Module`` or callable, float32 ``(1, C, h, w)`` in [0, 1] ->
            ``(1, C, h*scale, w*scale)`` (clamped to [0, 1] afterwards); None for bicubic only.
        datasets: one benchmark folder, several, or :class:`BenchmarkDataset` objects.
        scale: integer upscaling factor.
        crop_border: pixels removed from each side before the metrics; default ``scale``.
        channels: metrics to compute: ``"y"`` (BT.601 luma, the papers' numbers) and/or ``"rgb"``.
        model_name: the model's row in the table.
        model_input: ``"lr"`` (the LR image) or ``"bicubic"`` (the bicubic-upscaled LR, as
            SRCNN/VDSR expect).
        model_channels: ``"rgb"`` (all channels) or ``"y"`` (the model sees and returns the Y
            channel, YCbCr/255; Cb, Cr of the result are bicubic's).
        bicubic: include the bicubic baseline row.
        device: where the model runs; default: the model's parameters' device (CPU if none).
            An ``nn.Module`` is moved there.
        save_dir: if set, SR results are written to ``save_dir/<dataset>/<image>.png`` (atomically).
        json_path: if set, the report is written there as JSON (atomically).
        progress: tqdm progress bar over images; None shows it when stderr is a terminal.
        round_y: round Y to integers before the metrics (MATLAB scripts) instead of BasicSR's float Y.
        print_table: print :func:`format_table` to stdout at the end.
        regenerate_lr: ignore LR files and make LR from HR with MATLAB bicubic.
        image_channels: None (as stored), 1 or 3: convert images on reading (e.g. 3 for an RGB
            model on grayscale images).

    Returns:
        An :class:`EvalReport` (means per dataset and method, per-image values).

    Raises:
        NonFiniteOutputError: (a ValueError) the model returned NaN or infinity for an
            image, named ``dataset/image``; nothing is scored or written for it.
        ValueError / TypeError / FileNotFoundError: bad arguments or folders, naming them.
    """
    from tqdm.auto import tqdm

    if isinstance(scale, bool) or int(scale) != scale or scale < 1:
        raise ValueError(f"evaluate: `scale` must be a positive integer, got {scale!r}")
    scale = int(scale)
    crop = scale if crop_border is None else int(crop_border)
    if crop < 0:
        raise ValueError(f"evaluate: `crop_border` must be >= 0, got {crop_border!r}")
    chans = tuple(channels)
    if not chans or any(c not in ("y", "rgb") for c in chans):
        raise ValueError(f"evaluate: `channels` must be a non-empty subset of ('y', 'rgb'), got {channels!r}")
    if model_input not in ("lr", "bicubic"):
        raise ValueError(f"evaluate: `model_input` must be 'lr' or 'bicubic', got {model_input!r}")
    if model_channels not in ("rgb", "y"):
        raise ValueError(f"evaluate: `model_channels` must be 'rgb' or 'y', got {model_channels!r}")
    if model is None and not bicubic:
        raise ValueError("evaluate: nothing to evaluate: `model` is None and `bicubic` is False")
    if model is not None and not callable(model):
        raise TypeError(f"evaluate: `model` must be an nn.Module or a callable, got {type(model).__name__}")
    if model is not None and model_name == "bicubic" and bicubic:
        raise ValueError("evaluate: `model_name` 'bicubic' clashes with the baseline row")

    if isinstance(datasets, (str, os.PathLike, BenchmarkDataset)):
        datasets = [datasets]
    sets: List[BenchmarkDataset] = [d if isinstance(d, BenchmarkDataset)
                                    else BenchmarkDataset(d, scale, channels=image_channels, regenerate_lr=regenerate_lr)
                                    for d in datasets]
    if not sets:
        raise ValueError("evaluate: `datasets` is empty")
    for d in sets:
        if d.scale != scale:
            raise ValueError(f"evaluate: dataset {d.name!r} was built for scale {d.scale}, not `scale`={scale}")
    names = [d.name for d in sets]
    if len(set(names)) != len(names):
        raise ValueError(f"evaluate: two datasets share a folder name: {names}")

    dev = torch.device(device) if device is not None else (_model_device(model) if model is not None else torch.device("cpu"))
    was_training = None
    if isinstance(model, nn.Module):
        model.to(dev)
        prev_mode = model.training
        try:
            model.eval()
            was_training = prev_mode
        except NotImplementedError:  # torch.export programs' modules cannot switch modes
            was_training = None

    report = EvalReport(scale=scale, crop_border=crop)
    methods = (["bicubic"] if bicubic else []) + ([model_name] if model is not None else [])
    total = sum(len(d) for d in sets)
    bar = tqdm(total=total, disable=(None if progress is None else not progress), desc="evaluate", unit="img",
               file=sys.stderr, dynamic_ncols=True)
    try:
        for d in sets:
            per: Dict[str, Dict[str, Dict[str, float]]] = {m: {} for m in methods}
            for i in range(len(d)):
                name = d.pairs[i][0]
                bar.set_postfix_str(f"{d.name}/{name}", refresh=False)
                lr, hr = d.load_pair(i)
                if lr.dtype not in (np.uint8, np.uint16):
                    raise TypeError(f"evaluate: image {name!r} of {d.name!r} is {lr.dtype}; expected 8- or 16-bit")
                bic = imresize(lr, scale)
                outs = {}
                if bicubic:
                    outs["bicubic"] = bic
                if model is not None:
                    outs[model_name] = _run_model(model, lr, bic, scale, model_input, model_channels, dev,
                                                  f"{d.name}/{name}")
                for m, sr in outs.items():
                    vals: Dict[str, float] = {}
                    for ch in chans:
                        vals[f"psnr_{ch}"] = float(psnr(sr, hr, crop, ch, round_y=round_y))
                        vals[f"ssim_{ch}"] = float(ssim(sr, hr, crop, ch, round_y=round_y))
                    per[m][name] = vals
                if save_dir is not None:
                    sr = outs[model_name] if model is not None else outs["bicubic"]
                    write_image(os.path.join(os.fspath(save_dir), d.name, f"{name}.png"), sr)
                bar.update(1)
            report.per_image[d.name] = per
            report.n_images[d.name] = len(d)
            report.results[d.name] = {m: {k: float(np.mean([v[k] for v in per[m].values()]))
                                          for k in next(iter(per[m].values()))} for m in methods}
    finally:
        bar.close()
        if isinstance(model, nn.Module) and was_training is not None:
            model.train(was_training)
    if json_path is not None:
        report.save_json(json_path)
    if print_table:
        print(report.table(), end="")
    return report
