"""Every srgan_cpp op (and each C++ model) called forward and backward on small, odd shapes.

One catalogue, two users:

* ``sanitize_kernels.py`` runs every call on CUDA under compute-sanitizer (memcheck,
  racecheck): odd sizes, every dtype and layout, so an out-of-bounds index, a missed tail or
  a shared-memory race in a kernel shows up;
* ``tests/cuda/test_cuda_cross_checks.py`` runs every call on the CPU and on CUDA with the
  same inputs and compares outputs and gradients.

Inputs are drawn on the CPU from a generator seeded by the call's name, then cast and moved,
so every device sees the same values. A call returns its outputs; :func:`run_call` adds the
gradient of every leaf (``grad:<name>``) for seeded output gradients given in the output's
memory format (so the kernels' channels_last backward paths run too).

Adding an op: append ``KernelCall(...)`` lines to ``CALLS`` (or a model to ``_MODELS``).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import torch
from torch import Tensor

from srgan_cpp import models, ops

FLOAT_DTYPES: Tuple[torch.dtype, ...] = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
LAYOUTS: Tuple[str, ...] = ("contiguous", "channels_last")


class Inputs:
    """Seeded tensors for one call on one device, dtype and layout; records the leaves."""

    def __init__(self, name: str, device: torch.device, dtype: torch.dtype, layout: str) -> None:
        self.device, self.dtype, self.layout = torch.device(device), dtype, layout
        self.generator = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        self.leaves: Dict[str, Tensor] = {}

    def place(self, t: Tensor) -> Tensor:
        """``t`` on the call's device and dtype, in its layout (4-D tensors only)."""
        t = t.to(device=self.device, dtype=self.dtype)
        if self.layout == "channels_last" and t.dim() == 4:
            t = t.contiguous(memory_format=torch.channels_last)
        return t

    def randn(self, name: str, *shape: int, scale: float = 1.0, offset: float = 0.0, grad: bool = True) -> Tensor:
        """N(offset, scale^2) values drawn in float64 on the CPU, placed; a leaf if ``grad``."""
        t = self.place(torch.randn(shape, generator=self.generator, dtype=torch.float64) * scale + offset)
        if grad:
            t.requires_grad_(True)
            self.leaves[name] = t
        return t


@dataclass(frozen=True)
class KernelCall:
    """One call: ``fn(inputs) -> {output name: tensor}``; ``inputs.randn`` makes the leaves."""

    name: str
    fn: Callable[[Inputs], Dict[str, Tensor]]
    dtypes: Tuple[torch.dtype, ...] = FLOAT_DTYPES
    layouts: Tuple[str, ...] = LAYOUTS
    #: Differentiate the gradients again (ops that support double backward).
    double_backward: bool = False


def _grad_for(out: Tensor, generator: torch.Generator) -> Tensor:
    g = torch.randn(out.shape, generator=generator, dtype=torch.float64).to(device=out.device, dtype=out.dtype)
    if out.dim() == 4 and not out.is_contiguous() and out.is_contiguous(memory_format=torch.channels_last):
        g = g.contiguous(memory_format=torch.channels_last)
    return g


def run_call(call: KernelCall, device: torch.device, dtype: torch.dtype, layout: str) -> Dict[str, Tensor]:
    """Runs ``call`` forward and backward; returns outputs and ``grad:<leaf>`` tensors, detached
    (still on ``device``)."""
    inputs = Inputs(call.name, device, dtype, layout)
    outs = call.fn(inputs)
    result = {k: v.detach() for k, v in outs.items()}
    diff = [(v, _grad_for(v, inputs.generator)) for v in outs.values() if v.requires_grad]
    leaves = list(inputs.leaves.items())
    if diff and leaves:
        grads = torch.autograd.grad([o for o, _ in diff], [t for _, t in leaves], [g for _, g in diff],
                                    allow_unused=True, create_graph=call.double_backward)
        for (name, _), g in zip(leaves, grads):
            if g is not None:
                result[f"grad:{name}"] = g.detach()
        if call.double_backward:
            second = [g for g in grads if g is not None and g.requires_grad]
            total = sum((g.float() * g.float()).sum() for g in second)
            again = torch.autograd.grad(total, [t for _, t in leaves], allow_unused=True)
            for (name, _), g in zip(leaves, again):
                if g is not None:
                    result[f"grad2:{name}"] = g.detach()
    return result


# --------------------------------------------------------------------------------------
# ops
# --------------------------------------------------------------------------------------
def _shuffle(shape: Tuple[int, ...], r: int) -> Callable[[Inputs], Dict[str, Tensor]]:
    return lambda i: {"out": ops.pixel_shuffle(i.randn("x", *shape), r)}


def _unshuffle(shape: Tuple[int, ...], r: int) -> Callable[[Inputs], Dict[str, Tensor]]:
    return lambda i: {"out": ops.pixel_unshuffle(i.randn("x", *shape), r)}


def _fused(n: int, c: int, r: int, h: int, w: int, activation: str, bias: bool = False, prelu: int = 0,
           residual: bool = False) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        x = i.randn("x", n, c * r * r, h, w)
        b = i.randn("bias", c * r * r, scale=0.1) if bias else None
        pw = i.randn("prelu_weight", prelu, scale=0.1, offset=0.25) if prelu else None
        res = i.randn("residual", n, c, h * r, w * r) if residual else None
        return {"out": ops.fused_pixel_shuffle(x, r, b, activation, pw, 0.2, res)}

    return fn


def _gradient_cosine(shape: Tuple[int, ...], operator: str, mode: str, reduction: str,
                     hr_grad: bool = False) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        sr = i.randn("sr", *shape)
        hr = i.randn("hr", *shape, grad=hr_grad)
        # eps 1e-3: half-precision gradients of a flat patch stay finite (see the op's docs)
        return {"loss": ops.gradient_cosine_loss(sr, hr, operator=operator, mode=mode, reduction=reduction, eps=1e-3)}

    return fn


def _ragan(shape: Tuple[int, ...], target: str, reduction: str) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        real = i.randn("real", *shape, scale=2.0)
        fake = i.randn("fake", *shape, scale=2.0, offset=-1.0)
        return {"loss": ops.ragan_loss(real, fake, target=target, reduction=reduction)}

    return fn


def _het_conv(n: int, cin: int, cout: int, h: int, w: int, parts: int, stride: int,
              bias: bool) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        x = i.randn("x", n, cin, h, w)
        w3 = i.randn("weight3x3", cout, cin // parts, 3, 3, scale=0.2)
        w1 = i.randn("weight1x1", cout, cin - cin // parts, scale=0.2)
        b = i.randn("bias", cout, scale=0.1) if bias else None
        return {"out": ops.het_conv2d(x, w3, w1, b, parts, stride)}

    return fn


_OPS: List[KernelCall] = [
    KernelCall("pixel_shuffle r=3 2x18x5x7", _shuffle((2, 18, 5, 7), 3)),
    KernelCall("pixel_shuffle r=2 1x12x7x3", _shuffle((1, 12, 7, 3), 2)),
    KernelCall("pixel_shuffle r=2 5-D 2x2x12x3x5", _shuffle((2, 2, 12, 3, 5), 2), layouts=("contiguous",)),
    KernelCall("pixel_unshuffle r=2 2x3x6x10", _unshuffle((2, 3, 6, 10), 2)),
    KernelCall("pixel_unshuffle r=3 1x2x9x6", _unshuffle((1, 2, 9, 6), 3)),
    KernelCall("fused_pixel_shuffle none 3x20x5x7", _fused(3, 5, 2, 5, 7, "none")),
    KernelCall("fused_pixel_shuffle relu+bias", _fused(3, 5, 2, 5, 7, "relu", bias=True)),
    KernelCall("fused_pixel_shuffle leaky_relu+bias", _fused(2, 3, 2, 7, 3, "leaky_relu", bias=True)),
    KernelCall("fused_pixel_shuffle prelu(1)+bias", _fused(3, 5, 2, 5, 7, "prelu", bias=True, prelu=1)),
    KernelCall("fused_pixel_shuffle prelu(C)", _fused(2, 5, 2, 3, 9, "prelu", prelu=5)),
    KernelCall("fused_pixel_shuffle residual", _fused(3, 3, 2, 5, 7, "none", residual=True)),
    KernelCall("fused_pixel_shuffle prelu+bias+residual r=4", _fused(1, 3, 4, 5, 3, "prelu", bias=True, prelu=1,
                                                                      residual=True)),
    KernelCall("fused_pixel_shuffle relu r=3 2x27x4x5", _fused(2, 3, 3, 4, 5, "relu", bias=True)),
    KernelCall("fused_pixel_shuffle r=1 relu+bias", _fused(2, 6, 1, 5, 3, "relu", bias=True)),
]
_OPS += [KernelCall(f"gradient_cosine_loss {op} {mode} mean 3x3x7x9", _gradient_cosine((3, 3, 7, 9), op, mode, "mean"))
         for op in ("sobel", "central", "forward") for mode in ("magnitude", "components")]
_OPS += [
    KernelCall("gradient_cosine_loss sobel magnitude none 2x1x2x2", _gradient_cosine((2, 1, 2, 2), "sobel", "magnitude",
                                                                                       "none", hr_grad=True)),
    KernelCall("gradient_cosine_loss sobel components sum 2x3x33x65 (hr grad)",
               _gradient_cosine((2, 3, 33, 65), "sobel", "components", "sum", hr_grad=True)),
]
_OPS += [KernelCall(f"ragan_loss {target} {red} {'x'.join(map(str, shape))}", _ragan(shape, target, red))
         for target in ("discriminator", "generator") for red in ("mean", "sum", "none")
         for shape in ((5,), (3, 1, 7, 5))]
_OPS += [KernelCall("ragan_loss generator mean 2x1x33x47 (several blocks)", _ragan((2, 1, 33, 47), "generator", "mean"))]
_OPS += [KernelCall(f"het_conv2d P={p} stride={s}{' bias' if b else ''} 2x8x7x9->12", _het_conv(2, 8, 12, 7, 9, p, s, b))
         for p, s, b in ((1, 1, True), (2, 1, False), (4, 1, True), (4, 2, True), (2, 2, False))]
_OPS += [KernelCall("het_conv2d P=4 double backward", _het_conv(1, 8, 8, 5, 6, 4, 1, True), double_backward=True,
                    dtypes=(torch.float32, torch.float64))]


def _lista(shape: Tuple[int, ...], addend: bool) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        x = i.randn("input", *shape)
        t = i.randn("threshold", shape[1], scale=0.1, offset=0.4)
        r = i.randn("addend", *shape) if addend else None
        return {"out": ops.lista_shrinkage(x, t, r)}

    return fn


_OPS += [KernelCall("lista_shrinkage 3x4x9x2", _lista((3, 4, 9, 2), False)),
         KernelCall("lista_shrinkage addend 2x6x5x7", _lista((2, 6, 5, 7), True)),
         KernelCall("lista_shrinkage addend 2x3x96x97 (several slices per channel)", _lista((2, 3, 96, 97), True))]



def _channel_attention(n: int, c: int, cr: int, h: int, w: int, bias: bool) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        x = i.randn("input", n, c, h, w)
        w1 = i.randn("squeeze_weight", cr, c, scale=0.3)
        b1 = i.randn("squeeze_bias", cr, scale=0.1) if bias else None
        w2 = i.randn("excite_weight", c, cr, scale=0.3)
        b2 = i.randn("excite_bias", c, scale=0.1) if bias else None
        return {"out": ops.channel_attention(x, w1, b1, w2, b2)}

    return fn


def _pixel_attention(n: int, c: int, gate_c: int, h: int, w: int, bias: bool) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        x = i.randn("input", n, c, h, w)
        g = i.randn("gate", n, gate_c, h, w)
        b = i.randn("bias", gate_c, scale=0.1) if bias else None
        return {"out": ops.pixel_attention(x, g, b)}

    return fn


_OPS += [KernelCall("channel_attention bias 2x8x5x7 r=4", _channel_attention(2, 8, 2, 5, 7, True)),
         KernelCall("channel_attention no bias 1x6x33x17", _channel_attention(1, 6, 3, 33, 17, False)),
         KernelCall("pixel_attention per channel bias 2x5x7x3", _pixel_attention(2, 5, 5, 7, 3, True)),
         KernelCall("pixel_attention shared gate 2x4x9x11", _pixel_attention(2, 4, 1, 9, 11, False)),
         KernelCall("pixel_attention 1x3x40x41 (several blocks)", _pixel_attention(1, 3, 3, 40, 41, True))]

# --------------------------------------------------------------------------------------
# C++ models (float32; their kernels are the ops above plus ATen's)
# --------------------------------------------------------------------------------------
def _model(ctor: Callable[[], torch.nn.Module], shape: Tuple[int, ...]) -> Callable[[Inputs], Dict[str, Tensor]]:
    def fn(i: Inputs) -> Dict[str, Tensor]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(1234)
            model = ctor()  # on the CPU: the same weights for every device
        fmt = torch.channels_last if i.layout == "channels_last" else torch.contiguous_format
        model = model.to(device=i.device, dtype=i.dtype, memory_format=fmt).train()
        for name, p in model.named_parameters():
            i.leaves[f"param:{name}"] = p
        return {"out": model(i.randn("x", *shape))}

    return fn


_MODELS: List[Tuple[str, Callable[[], torch.nn.Module], Tuple[int, ...]]] = [
    ("SRCNN 9-5-5", lambda: models.SRCNN(1, features=(8, 4), kernel_sizes="9-5-5"), (2, 1, 13, 11)),
    ("MSRResNet x4", lambda: models.MSRResNet(num_feat=8, num_block=1, upscale=4), (1, 3, 7, 5)),
    ("MSRResNet x3", lambda: models.MSRResNet(num_feat=8, num_block=1, upscale=3), (2, 3, 5, 6)),
    ("RRDBNet x4", lambda: models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=4), (1, 3, 7, 5)),
    ("RRDBNet x2 (pixel_unshuffle)", lambda: models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=2),
     (1, 3, 8, 6)),
    ("SRVGGNetCompact x4", lambda: models.SRVGGNetCompact(num_feat=8, num_conv=2, upscale=4), (2, 3, 5, 7)),
    ("EDSR x3", lambda: models.EDSR(num_feat=8, num_block=1, upscale=3), (1, 3, 5, 7)),
    ("HetSRWGANGenerator x4", lambda: models.HetSRWGANGenerator(num_feat=8, num_block=1, parts=4, upscale=4),
     (1, 3, 7, 5)),
    ("PSRGANGenerator x2", lambda: models.PSRGANGenerator(nc=8, nb=1, upscale=2), (1, 3, 16, 16)),
    ("UNetDiscriminatorSN", lambda: models.UNetDiscriminatorSN(num_feat=4), (1, 3, 16, 24)),
    ("VGGStyleDiscriminator 128", lambda: models.VGGStyleDiscriminator(num_feat=2, input_size=128), (2, 3, 128, 128)),
    ("VGGDiscriminator96", lambda: models.VGGDiscriminator96(base_nc=2), (2, 3, 96, 96)),
    ("HetSRWGANCritic", lambda: models.HetSRWGANCritic(num_feat=4, num_stages=3, linear_feat=8), (2, 3, 9, 11)),
    ("SCN", lambda: models.SCN(num_filters=6, code_size=8, lr_patch=5, hr_patch=3, num_stages=2), (2, 1, 11, 9)),
    ("FSRCNN x3", lambda: models.FSRCNN(d=8, s=4, m=1, scale=3), (2, 1, 5, 6)),
    ("DRCN", lambda: models.DRCN(num_features=6, num_recursions=3), (2, 1, 9, 8)),
    ("VDSR", lambda: models.VDSR(num_features=6, num_layers=4), (2, 1, 9, 8)),
    ("LapSRN x4", lambda: models.LapSRN(num_features=4, depth=1, scale=4), (1, 1, 5, 6)),
    ("LapSRN x2 pixel_shuffle", lambda: models.LapSRN(num_features=4, depth=1, scale=2, upsampler="pixel_shuffle"),
     (1, 1, 5, 6)),
    ("LapSRN x2 nearest_conv", lambda: models.LapSRN(num_features=4, depth=1, scale=2, upsampler="nearest_conv"),
     (1, 1, 5, 6)),
    ("RCAN x2", lambda: models.RCAN(num_feat=8, num_group=1, num_block=1, squeeze_factor=4, upscale=2), (1, 3, 6, 5)),
    ("RDN x3", lambda: models.RDN(num_features=4, num_blocks=2, num_layers=1, growth_rate=2, upscale=3), (1, 3, 5, 6)),
    ("DRRN", lambda: models.DRRN(num_feat=4, num_blocks=2, num_units=2), (2, 1, 9, 8)),
    ("PAN x4", lambda: models.PAN(nf=4, unf=2, nb=1, scale=4), (1, 3, 5, 6)),
]

CALLS: List[KernelCall] = _OPS + [KernelCall(f"model {name}", _model(ctor, shape), dtypes=(torch.float32,))
                                  for name, ctor, shape in _MODELS]


def cases(calls: List[KernelCall] = CALLS) -> List[Tuple[KernelCall, torch.dtype, str]]:
    """Every (call, dtype, layout) combination, in a stable order."""
    return [(c, d, lay) for c in calls for d in c.dtypes for lay in c.layouts]


def case_id(call: KernelCall, dtype: torch.dtype, layout: str) -> str:
    return f"{call.name} [{str(dtype).replace('torch.', '')}, {layout}]"
