"""Upscaling images, files and folders with any srgan_cpp (or PyTorch) SR model.

    import srgan_cpp
    out = srgan_cpp.upscale(img, "RealESRGAN_x4plus.pth")          # same type/dtype/channels as img
    up = srgan_cpp.Upscaler("net_g.pth", tile=256, precision="bf16")
    up.run_file("photo.jpg", "photo_x4.jpg")                        # EXIF orientation, ICC, EXIF kept
    report = up.run_dir("holiday/", "holiday_x4/", recursive=True)

This package is callable: ``srgan_cpp.upscale(...)`` is :func:`upscale`. Modules: the
Upscaler (``upscaler``), tiling and blending (``tiling``, ``engine``), image files
(``image_io``, ``png_writer``), alpha (``alpha``), output sizes (``sizing``), precision and
device (``precision``), memory (``memory``), TTA (``tta``), folders (``folder``,
``distributed``), the model argument (``model_info``) and the command line (``cli``).
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .model_info import ModelInfo, model_info, resolve_model
from .upscaler import DEFAULT_OVERLAP, UpscaledPicture, Upscaler, UpscaleStats, upscale

__all__ = ["upscale", "Upscaler", "UpscaleStats", "UpscaledPicture", "resolve_model", "model_info", "ModelInfo",
           "DEFAULT_OVERLAP"]


class _CallableModule(types.ModuleType):
    """Lets ``srgan_cpp.upscale(image, model, ...)`` call :func:`upscale` while
    ``srgan_cpp.upscale`` stays the package (so ``srgan_cpp.upscale.Upscaler`` etc. work)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return upscale(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
