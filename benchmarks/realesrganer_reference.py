"""A re-implementation of Real-ESRGAN's ``RealESRGANer`` (realesrgan/utils.py), the peer
``bench_upscale.py`` measures srgan_cpp's upscaler against.

Written from its documented behaviour, for the benchmark only (no code copied):

* ``enhance(img)``: the HWC uint8 (or uint16: detected by ``max > 256``) BGR image becomes
  float32 in [0, 1], is converted to RGB, goes to the device *whole* (``pre_process``:
  reflect pre-padding at the bottom/right, then "mod padding" to a multiple of 2 / 4 for
  x2 / x1 models), in fp16 when ``half``;
* ``tile_process``: an all-zero output tensor of the full output size on the device; the
  image is cut into ``tile x tile`` squares (the last ones smaller), each read with
  ``tile_pad`` pixels of context and upscaled one by one; the centre of each result is
  *pasted* into the output (crop-and-paste, no blending);
* ``post_process``: the padding is cropped; the float output is copied to the host,
  clamped, converted back to BGR HWC and rounded to uint8 / uint16.

Grayscale and alpha inputs, and ``outscale`` resizing (cv2), are not needed by the
benchmark (RGB inputs at the model's scale) and are left out.

The network it runs is what Real-ESRGAN's users run: the architecture in plain PyTorch
(``pytorch_twin``: the BasicSR / Real-ESRGAN classes of ``tests/helpers/basicsr_reference.py``)
with the srgan_cpp model's weights, so its convolutions are torch's (oneDNN on CPU), not
srgan_cpp's C++ model with its Winograd convolutions and fused layers.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import basicsr_reference  # noqa: E402

__all__ = ["RealESRGANer", "pytorch_twin"]


def pytorch_twin(model: nn.Module) -> nn.Module:
    """The plain-PyTorch BasicSR / Real-ESRGAN network of the same architecture (SRVGGNetCompact,
    RRDBNet, MSRResNet, EDSR) as the srgan_cpp ``model``, holding a copy of its weights."""
    from srgan_cpp.models import registry

    spec = registry.spec_of(model)
    cls = getattr(basicsr_reference, type(model).__name__, None) if spec is not None else None
    if cls is None:
        raise ValueError(f"pytorch_twin: no plain-PyTorch reference for {type(model).__name__}")
    twin = cls(**registry.kwargs_of(model, spec))
    twin.load_state_dict({k: v.detach().clone() for k, v in model.state_dict().items()})
    return twin.to(next(model.parameters()).dtype).eval()


class RealESRGANer:
    """``RealESRGANer(scale, model, tile, tile_pad, pre_pad, half, device)``, as in Real-ESRGAN
    (the model is passed built, not loaded from a path)."""

    def __init__(self, scale: int, model: nn.Module, tile: int = 0, tile_pad: int = 10, pre_pad: int = 10,
                 half: bool = False, device: Optional[torch.device] = None) -> None:
        self.scale = scale
        self.tile_size = tile
        self.tile_pad = tile_pad
        self.pre_pad = pre_pad
        self.mod_scale: Optional[int] = None
        self.half = half
        self.device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.eval().to(self.device)
        if self.half:
            self.model = self.model.half()

    def pre_process(self, img: np.ndarray) -> None:
        t = torch.from_numpy(np.transpose(img, (2, 0, 1))).float()
        self.img = t.unsqueeze(0).to(self.device)
        if self.half:
            self.img = self.img.half()
        if self.pre_pad != 0:
            self.img = F.pad(self.img, (0, self.pre_pad, 0, self.pre_pad), "reflect")
        self.mod_scale = {2: 2, 1: 4}.get(self.scale)
        if self.mod_scale is not None:
            _, _, h, w = self.img.shape
            self.mod_pad_h = (self.mod_scale - h % self.mod_scale) % self.mod_scale
            self.mod_pad_w = (self.mod_scale - w % self.mod_scale) % self.mod_scale
            self.img = F.pad(self.img, (0, self.mod_pad_w, 0, self.mod_pad_h), "reflect")

    def process(self) -> None:
        self.output = self.model(self.img)

    def tile_process(self) -> None:
        batch, channel, height, width = self.img.shape
        self.output = self.img.new_zeros((batch, channel, height * self.scale, width * self.scale))
        tiles_x = math.ceil(width / self.tile_size)
        tiles_y = math.ceil(height / self.tile_size)
        for y in range(tiles_y):
            for x in range(tiles_x):
                x0, y0 = x * self.tile_size, y * self.tile_size
                x1, y1 = min(x0 + self.tile_size, width), min(y0 + self.tile_size, height)
                px0, px1 = max(x0 - self.tile_pad, 0), min(x1 + self.tile_pad, width)
                py0, py1 = max(y0 - self.tile_pad, 0), min(y1 + self.tile_pad, height)
                with torch.no_grad():
                    out = self.model(self.img[:, :, py0:py1, px0:px1])
                s = self.scale
                ox, oy = (x0 - px0) * s, (y0 - py0) * s
                self.output[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = out[:, :, oy:oy + (y1 - y0) * s, ox:ox + (x1 - x0) * s]

    def post_process(self) -> torch.Tensor:
        if self.mod_scale is not None:
            _, _, h, w = self.output.shape
            self.output = self.output[:, :, 0:h - self.mod_pad_h * self.scale, 0:w - self.mod_pad_w * self.scale]
        if self.pre_pad != 0:
            _, _, h, w = self.output.shape
            self.output = self.output[:, :, 0:h - self.pre_pad * self.scale, 0:w - self.pre_pad * self.scale]
        return self.output

    @torch.no_grad()
    def enhance(self, img: np.ndarray) -> np.ndarray:
        """``(H, W, 3)`` BGR uint8/uint16 -> ``(H*s, W*s, 3)`` BGR of the same dtype."""
        img = img.astype(np.float32)
        max_range = 65535 if np.max(img) > 256 else 255
        img = img / max_range
        img = np.ascontiguousarray(img[:, :, ::-1])  # cv2.cvtColor(img, cv2.COLOR_BGR2RGB): a new array
        self.pre_process(img)
        if self.tile_size > 0:
            self.tile_process()
        else:
            self.process()
        out = self.post_process()
        out = out.data.squeeze().float().cpu().clamp_(0, 1).numpy()
        out = np.transpose(out[[2, 1, 0], :, :], (1, 2, 0))  # RGB -> BGR, CHW -> HWC
        if max_range == 65535:
            return (out * 65535.0).round().astype(np.uint16)
        return (out * 255.0).round().astype(np.uint8)
