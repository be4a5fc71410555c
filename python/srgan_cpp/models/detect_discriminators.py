"""Discriminator layouts for ``srgan_cpp.models.load`` / ``loader.detect``: BasicSR's
VGGStyleDiscriminator (128 / 256), Real-ESRGAN's UNetDiscriminatorSN and KAIR's / PSRGAN's
Discriminator_VGG_96 - told apart, with their hyperparameters, from keys and shapes alone.

What the weights cannot tell: UNetDiscriminatorSN's ``skip_connection`` (no parameters)
defaults to True, Real-ESRGAN's setting; VGGDiscriminator96's activation (LeakyReLU vs ReLU,
no parameters) defaults to LeakyReLU, KAIR's. Pass them to ``load()`` to override.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Tuple

from torch import Tensor

from .unet_discriminator import UNetDiscriminatorSN
from .vgg_discriminator import VGGDiscriminator96, VGGStyleDiscriminator

#: Name -> class, merged into the loader's table.
DISCRIMINATOR_ARCHS = {"VGGStyleDiscriminator": VGGStyleDiscriminator, "UNetDiscriminatorSN": UNetDiscriminatorSN,
                       "VGGDiscriminator96": VGGDiscriminator96}


def _vgg_style(sd: Mapping[str, Tensor]) -> Dict[str, Any]:
    f, in_ch = tuple(sd["conv0_0.weight"].shape[:2])
    input_size = 256 if "conv5_0.weight" in sd else 128
    lin_in = sd["linear1.weight"].shape[1]
    if lin_in != f * 8 * 4 * 4:
        raise ValueError(f"srgan_cpp.models.load: VGGStyleDiscriminator layout with num_feat={f}, but linear1 takes "
                         f"{lin_in} inputs (expected {f * 8 * 16})")
    return dict(num_in_ch=in_ch, num_feat=f, input_size=input_size)


def _unet(sd: Mapping[str, Tensor]) -> Dict[str, Any]:
    f, in_ch = tuple(sd["conv0.weight"].shape[:2])
    return dict(num_in_ch=in_ch, num_feat=f, skip_connection=True)


def _vgg96(sd: Mapping[str, Tensor]) -> Dict[str, Any]:
    b, in_ch = tuple(sd["features.0.weight"].shape[:2])
    lin_in = sd["classifier.0.weight"].shape[1]
    if lin_in != 8 * b * 3 * 3:
        raise ValueError(f"srgan_cpp.models.load: KAIR Discriminator_VGG layout, but classifier.0 takes {lin_in} "
                         f"inputs for base_nc={b}; only the 96x96 variant ({8 * b * 9} inputs) is supported "
                         f"(Discriminator_VGG_128 / _192 are not)")
    convs = sorted({int(m.group(1)) for k in sd for m in [re.match(r"features\.(\d+)\.weight$", k)] if m
                    and sd[k].dim() == 4})
    has_bn = "features.2.running_mean" in sd
    if len(convs) != 10 or convs[1] != 1 or convs[2] != (4 if has_bn else 3):
        raise ValueError(f"srgan_cpp.models.load: KAIR Discriminator_VGG layout, but its convs sit at features "
                         f"{convs} (expected 10: 0, 1, then every {3 if has_bn else 2})")
    return dict(in_nc=in_ch, base_nc=b, ac_type="BL" if has_bn else "L")


def detect_discriminator(sd: Mapping[str, Tensor]) -> Optional[Tuple[str, Dict[str, Any]]]:
    """``(name, constructor kwargs)`` if the unwrapped state dict ``sd`` is one of the
    discriminator layouts, else None. Raises ValueError for a recognised but inconsistent
    layout; KeyError / IndexError for malformed ones (the loader words them)."""
    has = sd.__contains__
    if has("conv0_0.weight") and has("bn0_1.running_mean") and has("linear1.weight") and has("linear2.weight"):
        return "VGGStyleDiscriminator", _vgg_style(sd)
    if has("conv0.weight") and has("conv1.weight_orig") and has("conv9.weight"):
        return "UNetDiscriminatorSN", _unet(sd)
    if has("features.0.weight") and has("classifier.0.weight") and has("classifier.2.weight"):
        return "VGGDiscriminator96", _vgg96(sd)
    return None
