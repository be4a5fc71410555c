"""HetSRWGAN's generator and WGAN critic (Huang et al., PRICAI 2021), implemented in C++
(csrc/models/hetsrwgan). The paper's code is not public; the architecture chosen is
documented in docs/models.md."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import _C
from .._cpp_module import CppModule
from ..nn.het_conv import HetConv2d
from . import registry
from .het_residual_block import DenseResidualBlock
from .registry import Geometry, StateDict, indices, shape

_GEN_ACTS = ("prelu", "leaky_relu", "relu")
_NORMS = ("none", "instance", "layer")


class HetSRWGANGenerator(CppModule):
    """SRResNet-style generator whose residual blocks are HetConv blocks, without batch norm.

    ``fea = act(conv_first(x))``; ``out = conv_body(blocks(fea)) + fea``; one (x2, x3) or two
    (x4) ``act(pixel_shuffle(upconv(out)))`` stages (each one fused C++ op); ``conv_last``.

    Args:
        num_in_ch, num_out_ch: image channels (1 for infrared, 3 for RGB; may differ).
        num_feat: feature channels (64), divisible by ``parts``.
        num_block: HetResidualBlocks (16).
        parts: HetConv P of every block (4).
        upscale: 2, 3 or 4.
        act: "prelu" (SRResNet, per-channel slopes), "leaky_relu" or "relu"; used after
            conv_first, inside every block and after every upsampling stage.
        negative_slope: LeakyReLU slope / initial PReLU slopes (0.2).
        res_scale: residual scaling inside each block (1).

    forward: (N, num_in_ch, H, W) in [0, 1], any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
    State-dict keys: conv_first, [act_first.weight], body.N.{conv1,conv2}.{weight3x3,weight1x1,bias},
    [body.N.prelu_weight], conv_body, upconv1, [act_up1.weight], upconv2 / [act_up2.weight] (x4),
    conv_last.
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_block: int = 16,
                 parts: int = 4, upscale: int = 4, act: str = "prelu", negative_slope: float = 0.2,
                 res_scale: float = 1.0) -> None:
        if act not in _GEN_ACTS:
            raise ValueError(f"HetSRWGANGenerator: `act` must be one of {_GEN_ACTS}, got {act!r}")
        super().__init__(_C.HetSRWGANGenerator, dict(
            num_in_ch=int(num_in_ch), num_out_ch=int(num_out_ch), num_feat=int(num_feat), num_block=int(num_block),
            parts=int(parts), upscale=int(upscale), act=act, negative_slope=float(negative_slope),
            res_scale=float(res_scale)))

    def reparameterize(self) -> "DenseHetSRWGANGenerator":
        """The same generator with every HetConv folded into a dense 3x3 ``nn.Conv2d`` (and
        ``res_scale`` into each block's second conv): a plain-PyTorch model with identical
        output (to float round-off), for deployment where dense convs are faster (e.g. NCHW
        on CPU, see the HetConv benchmark). Weights are copies: training this model does not
        change the HetConv one."""
        cfg = self._cpp_config
        blocks: List[DenseResidualBlock] = []
        for i in range(cfg["num_block"]):
            sub = getattr(self.body, str(i))
            convs = []
            for name in ("conv1", "conv2"):
                c = getattr(sub, name)
                convs.append(HetConv2d._with(c.weight3x3.detach(), c.weight1x1.detach(), c.bias.detach(),
                                             cfg["parts"], 1).reparameterize())
            with torch.no_grad():
                convs[1].weight.mul_(cfg["res_scale"])
                convs[1].bias.mul_(cfg["res_scale"])
            prelu = sub.prelu_weight.detach().clone() if cfg["act"] == "prelu" else None
            blocks.append(DenseResidualBlock(convs[0], convs[1], cfg["act"], cfg["negative_slope"], prelu))
        dense = DenseHetSRWGANGenerator(cfg, blocks).to(self.conv_first.weight)
        own = {k: v for k, v in self.state_dict().items() if not k.startswith("body.")}
        missing, unexpected = dense.load_state_dict(own, strict=False)
        if unexpected or not all(k.startswith("body.") for k in missing):  # the two layouts must agree
            raise RuntimeError(f"HetSRWGANGenerator.reparameterize: layout mismatch {missing} / {unexpected}")
        return dense.train(self.training)

    fuse_for_inference = reparameterize


class DenseHetSRWGANGenerator(nn.Module):
    """Plain-PyTorch deployment form of :class:`HetSRWGANGenerator` (dense residual blocks);
    built by ``HetSRWGANGenerator.reparameterize()``. Same forward contract."""

    def __init__(self, config: dict, blocks: List[DenseResidualBlock]) -> None:
        super().__init__()
        f, act = config["num_feat"], config["act"]
        self.upscale, self.act, self.negative_slope = config["upscale"], act, config["negative_slope"]
        self.conv_first = nn.Conv2d(config["num_in_ch"], f, 3, 1, 1)
        self.act_first = nn.PReLU(f) if act == "prelu" else None
        self.body = nn.Sequential(*blocks)
        self.conv_body = nn.Conv2d(f, f, 3, 1, 1)
        r1 = 2 if self.upscale == 4 else self.upscale
        self.upconv1 = nn.Conv2d(f, f * r1 * r1, 3, 1, 1)
        self.act_up1 = nn.PReLU(f) if act == "prelu" else None
        self.upconv2: Optional[nn.Conv2d] = nn.Conv2d(f, f * 4, 3, 1, 1) if self.upscale == 4 else None
        self.act_up2 = nn.PReLU(f) if act == "prelu" and self.upscale == 4 else None
        self.conv_last = nn.Conv2d(f, config["num_out_ch"], 3, 1, 1)

    def _act(self, x: Tensor, prelu: Optional[nn.PReLU]) -> Tensor:
        if prelu is not None:
            return prelu(x)
        return F.relu(x) if self.act == "relu" else F.leaky_relu(x, self.negative_slope)

    def forward(self, input: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H*upscale, W*upscale)."""
        fea = self._act(self.conv_first(input), self.act_first)
        out = self.conv_body(self.body(fea)) + fea
        r1 = 2 if self.upscale == 4 else self.upscale
        out = self._act(F.pixel_shuffle(self.upconv1(out), r1), self.act_up1)
        if self.upconv2 is not None:
            out = self._act(F.pixel_shuffle(self.upconv2(out), 2), self.act_up2)
        return self.conv_last(out)


class HetSRWGANCritic(CppModule):
    """WGAN critic for HetSRWGAN: VGG-style conv stack, LeakyReLU, no batch norm, no sigmoid.

    Stage i: conv{i}_0 (3x3) and conv{i}_1 (4x4, stride 2), each + [norm] + LeakyReLU;
    widths num_feat * min(2^i, 8); then the mean over H, W, linear1 (-> linear_feat),
    LeakyReLU, linear2 (-> 1). Suitable for a gradient penalty
    (``srgan_cpp.losses.gradient_penalty``): every sample's score depends on that sample
    only, and the forward is twice differentiable.

    Args:
        num_in_ch: image channels (1 or 3).
        num_feat: width of the first stage (64).
        num_stages: stride-2 stages (5); inputs need H, W >= 2^num_stages.
        linear_feat: hidden width of the head (100).
        norm: "none" (default, as WGAN-GP recommends), "instance" (GroupNorm(C, C)) or
            "layer" (GroupNorm(1, C)) - both per sample, affine (keys norm{i}_{j}.weight/bias).
        negative_slope: LeakyReLU slope (0.2).

    forward: (N, num_in_ch, H, W) -> (N, 1) unbounded scores.
    """

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64, num_stages: int = 5, linear_feat: int = 100,
                 norm: str = "none", negative_slope: float = 0.2) -> None:
        if norm not in _NORMS:
            raise ValueError(f"HetSRWGANCritic: `norm` must be one of {_NORMS}, got {norm!r}")
        super().__init__(_C.HetSRWGANCritic, dict(
            num_in_ch=int(num_in_ch), num_feat=int(num_feat), num_stages=int(num_stages),
            linear_feat=int(linear_feat), norm=norm, negative_slope=float(negative_slope)))


def _read_generator_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv_first.weight")[:2]
    blocks = indices(sd, r"body\.(\d+)\.conv1\.weight3x3$")
    parts = f // shape(sd, "body.0.conv1.weight3x3")[1] if blocks else 4
    upscale = 4 if "upconv2.weight" in sd else {4 * f: 2, 9 * f: 3}.get(shape(sd, "upconv1.weight")[0], 0)
    if upscale == 0:
        raise ValueError(f"srgan_cpp.models.load: HetSRWGANGenerator layout, but upconv1 gives "
                         f"{shape(sd, 'upconv1.weight')[0]} channels for {f} features")
    cfg: Dict[str, Any] = dict(num_in_ch=in_ch, num_out_ch=shape(sd, "conv_last.weight")[0], num_feat=f,
                               num_block=len(blocks), parts=parts, upscale=upscale)
    # PReLU slopes are stored; without them the activation (relu / leaky_relu) is not.
    cfg["act"] = "prelu" if "act_first.weight" in sd else "leaky_relu"
    return cfg


registry.register(HetSRWGANGenerator, kind="generator", keys=("conv_first.weight", "conv_body.weight", "upconv1.weight"),
                  matches=lambda sd: "body.0.conv1.weight3x3" in sd or not any(k.startswith("body.") for k in sd),
                  read_kwargs=_read_generator_kwargs, geometry=registry.sr_geometry(),
                  layout="conv_first, body.N.conv1.weight3x3, conv_body, upconv1")


def _read_critic_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "conv0_0.weight")[:2]
    stages = indices(sd, r"conv(\d+)_1\.weight$")
    if stages != list(range(len(stages))) or not stages:
        raise ValueError(f"srgan_cpp.models.load: HetSRWGANCritic layout, but its stride-2 convs are conv{{i}}_1 for "
                         f"i in {stages} (expected 0..num_stages-1)")
    cfg: Dict[str, Any] = dict(num_in_ch=in_ch, num_feat=f, num_stages=len(stages),
                               linear_feat=shape(sd, "linear1.weight")[0])
    if not any(k.startswith("norm") for k in sd):
        cfg["norm"] = "none"
    return cfg


# what the weights cannot tell
_REQUIRES_CRITIC = registry.requires(
    norm="HetSRWGANCritic layout with norm weights: instance and layer norm have the same parameters, which cannot "
         "tell them apart; pass norm='instance' or 'layer'")

registry.register(HetSRWGANCritic, kind="discriminator", keys=("conv0_0.weight", "conv0_1.weight", "linear1.weight",
                                                              "linear2.weight"),
                  matches=lambda sd: "bn0_1.running_mean" not in sd, read_kwargs=_read_critic_kwargs,
                  check=_REQUIRES_CRITIC,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["num_in_ch"], out_channels=1,
                                               min_size=2 ** kw["num_stages"]),
                  layout="conv{i}_0, conv{i}_1, [norm{i}_j], linear1, linear2, no batch norm")
