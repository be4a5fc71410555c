"""Architecture detection for the PSRGAN and HetSRWGAN generators (used by
``srgan_cpp.models.load`` / ``loader.detect``), from key names and tensor shapes alone."""
from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Tuple

from torch import Tensor

from .hetsrwgan_gan import HetSRWGANGenerator
from .psrgan import PSRGANGenerator

ARCHS = {"PSRGANGenerator": PSRGANGenerator, "HetSRWGANGenerator": HetSRWGANGenerator}


def _indices(sd: Mapping[str, Tensor], pattern: str) -> list:
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for k in sd for m in [rx.match(k)] if m})


def _tail_convs(sd: Mapping[str, Tensor]) -> list:
    return [i for i in _indices(sd, r"tail\.(\d+)\.weight$") if sd[f"tail.{i}.weight"].dim() == 4]


def _detect_psrgan(sd: Mapping[str, Tensor]) -> Dict[str, Any]:
    nc, in_nc = tuple(sd["head.weight"].shape[:2])
    nb = len(_indices(sd, r"body\.sub\.(\d+)\.res\.0\.weight$"))
    convs = _tail_convs(sd)
    last = convs[-1]
    out_nc = int(sd[f"tail.{last}.weight"].shape[0])
    ups = convs[:-2]  # the upsampling convs; then conv_hr and conv_last
    # upconv stage = (Upsample, conv, act): conv at 3s+1 and keeps nc channels; pixelshuffle
    # stage = (conv, shuffle, act): conv at 3s and gives nc*r^2 channels.
    if not ups or len(ups) > 2:
        raise ValueError(f"srgan_cpp.models.load: PSRGAN layout, but found {len(ups)} upsampling convs in `tail` "
                         f"(indices {convs}); expected 1 (x2, x3) or 2 (x4)")
    first_out = int(sd[f"tail.{ups[0]}.weight"].shape[0])
    if first_out == nc:
        mode = "upconv"
        # Upsample(2) and Upsample(3) have no weights: x2 and x3 differ only in behaviour.
        upscale = 4 if len(ups) == 2 else 2
    else:
        mode = "pixelshuffle"
        r2 = first_out // nc
        upscale = 4 if len(ups) == 2 else {4: 2, 9: 3}.get(r2, 0)
        if upscale == 0 or first_out % nc:
            raise ValueError(f"srgan_cpp.models.load: PSRGAN layout, but tail.{ups[0]} gives {first_out} channels "
                             f"for nc={nc}")
    # act_mode ("R" / "L") is not stored in the weights: the code's options use "R".
    return dict(in_nc=int(in_nc), out_nc=out_nc, nc=int(nc), nb=nb, upscale=upscale, act_mode="R",
                upsample_mode=mode)


def _detect_hetsrwgan(sd: Mapping[str, Tensor]) -> Dict[str, Any]:
    f, in_ch = tuple(sd["conv_first.weight"].shape[:2])
    blocks = _indices(sd, r"body\.(\d+)\.conv1\.weight3x3$")
    parts = int(f // sd["body.0.conv1.weight3x3"].shape[1]) if blocks else 4
    upscale = 4 if "upconv2.weight" in sd else {4 * f: 2, 9 * f: 3}.get(int(sd["upconv1.weight"].shape[0]), 0)
    if upscale == 0:
        raise ValueError(f"srgan_cpp.models.load: HetSRWGANGenerator layout, but upconv1 gives "
                         f"{sd['upconv1.weight'].shape[0]} channels for {f} features")
    cfg: Dict[str, Any] = dict(num_in_ch=int(in_ch), num_out_ch=int(sd["conv_last.weight"].shape[0]), num_feat=int(f),
                               num_block=len(blocks), parts=parts, upscale=upscale)
    # PReLU slopes are stored; without them the activation (relu / leaky_relu) is not.
    cfg["act"] = "prelu" if "act_first.weight" in sd else "leaky_relu"
    return cfg


def detect_gan(sd: Mapping[str, Tensor]) -> Optional[Tuple[str, Dict[str, Any]]]:
    """``(name, constructor kwargs)`` for a PSRGAN or HetSRWGAN generator state dict, None for
    any other layout. Raises ValueError when the keys say which model but the shapes do not fit."""
    has = sd.__contains__
    if has("head.weight") and has("copress.weight") and has("KD.c1_d.0.weight"):
        return "PSRGANGenerator", _detect_psrgan(sd)
    if has("conv_first.weight") and has("conv_body.weight") and has("upconv1.weight") and (
            has("body.0.conv1.weight3x3") or not any(k.startswith("body.") for k in sd)):
        return "HetSRWGANGenerator", _detect_hetsrwgan(sd)
    return None
