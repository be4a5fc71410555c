"""VGG-style discriminators implemented in C++ (csrc/models/discriminators): BasicSR's
VGGStyleDiscriminator (128 / 256) and KAIR's / PSRGAN's 96x96 one."""
from __future__ import annotations

import re
from typing import Any, Dict

from .. import _C
from . import registry
from ._cpp_module import CppModule
from .cpp_layers import fill_missing_num_batches_tracked
from .registry import Geometry, StateDict, shape


class VGGStyleDiscriminator(CppModule):
    """BasicSR's ``VGGStyleDiscriminator`` (SRGAN / ESRGAN training), batch norm included.

    Args:
        num_in_ch: image channels (3).
        num_feat: base width (64); the last stages have 8 * num_feat channels.
        input_size: 128 or 256 (256 adds stage 5); anything else raises ValueError.

    forward: (N, num_in_ch, input_size, input_size) float tensor (images in [0, 1] or
    whatever range the generator produces) -> (N, 1) logits (no sigmoid). Train mode
    normalises with batch statistics and updates the running ones; eval mode uses them.
    Keys as BasicSR: conv0_0, conv0_1, bn0_1, conv1_0, bn1_0, conv1_1, bn1_1, ...,
    conv4_1, bn4_1, [conv5_*, bn5_*], linear1, linear2.
    """

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64, input_size: int = 128) -> None:
        super().__init__(_C.VGGStyleDiscriminator, dict(num_in_ch=int(num_in_ch), num_feat=int(num_feat),
                                                        input_size=int(input_size)))
        self._register_load_state_dict_pre_hook(fill_missing_num_batches_tracked, with_module=True)

    @property
    def input_size(self) -> int:
        """The only spatial size accepted (H == W == input_size)."""
        return self._cpp_config["input_size"]



class VGGDiscriminator96(CppModule):
    """The SRGAN-style discriminator for 96x96 patches in KAIR's ``Discriminator_VGG_96``
    layout - the one PSRGAN trains with - so KAIR / PSRGAN ``netD`` files load directly.

    Args (KAIR's names and defaults):
        in_nc: image channels (3).
        base_nc: base width (64). KAIR hard-codes its classifier input as 512*3*3, so its
            files always have base_nc = 64; here the classifier takes 8*base_nc*3*3.
        ac_type: layers after each conv but the first: "BL" (BatchNorm2d with KAIR's
            momentum 0.9 / eps 1e-4, then LeakyReLU(0.2); KAIR's default), "BR", "L", "R".

    forward: (N, in_nc, 96, 96) float tensor -> (N, 1) logits (no sigmoid).
    Keys: features.0 (3x3 conv), then per stage features.{3i+1} conv, [features.{3i+2}
    batch norm], activation (no parameters); classifier.0 (Linear -> 100),
    classifier.2 (Linear -> 1).

    Relation to the SRGAN paper's discriminator (Ledig et al. 2017: 8 3x3 convs, 64 -> 512
    channels, stride 2 every second conv, BN after all but the first, LeakyReLU(0.2),
    Dense(1024), LeakyReLU, Dense(1), sigmoid): same VGG pattern and activations, but 10
    convs with 4x4 stride-2 convs (five halvings, 96 -> 3), conv biases, no activation after
    the first conv, Dense(100) and no sigmoid (the loss takes logits).
    """

    def __init__(self, in_nc: int = 3, base_nc: int = 64, ac_type: str = "BL") -> None:
        super().__init__(_C.VGGDiscriminator96, dict(in_nc=int(in_nc), base_nc=int(base_nc), ac_type=str(ac_type)))
        self._register_load_state_dict_pre_hook(fill_missing_num_batches_tracked, with_module=True)


#: The SRGAN discriminator as the public SRGAN-family code (KAIR, PSRGAN) builds it.
SRGANDiscriminator = VGGDiscriminator96


def _read_vgg_style_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv0_0.weight")[:2]
    input_size = 256 if "conv5_0.weight" in sd else 128
    lin_in = shape(sd, "linear1.weight")[1]
    if lin_in != f * 8 * 4 * 4:
        raise ValueError(f"srgan_cpp.models.load: VGGStyleDiscriminator layout with num_feat={f}, but linear1 takes "
                         f"{lin_in} inputs (expected {f * 8 * 16})")
    return dict(num_in_ch=in_ch, num_feat=f, input_size=input_size)


def _read_vgg96_kwargs(sd: StateDict) -> Dict[str, Any]:
    b, in_ch = shape(sd, "features.0.weight")[:2]
    lin_in = shape(sd, "classifier.0.weight")[1]
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
    # The activation (LeakyReLU vs ReLU) has no parameters: KAIR's LeakyReLU is assumed.
    return dict(in_nc=in_ch, base_nc=b, ac_type="BL" if has_bn else "L")


registry.register(VGGStyleDiscriminator, kind="discriminator",
                  keys=("conv0_0.weight", "bn0_1.running_mean", "linear1.weight", "linear2.weight"),
                  read_kwargs=_read_vgg_style_kwargs,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["num_in_ch"], out_channels=1,
                                               min_size=kw["input_size"], fixed_size=kw["input_size"]),
                  layout="conv0_0, bn0_1, linear1")
registry.register(VGGDiscriminator96, kind="discriminator",
                  keys=("features.0.weight", "classifier.0.weight", "classifier.2.weight"),
                  read_kwargs=_read_vgg96_kwargs,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["in_nc"], out_channels=1, min_size=96,
                                               fixed_size=96),
                  layout="KAIR/PSRGAN Discriminator_VGG_96: features.N, classifier.0/2")
