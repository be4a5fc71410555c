"""Relativistic average GAN loss (ESRGAN) as one fused op, numerically stable for any
finite logits."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from . import _checks
from ._checks import REDUCTIONS
from ._numpy import accepts_numpy

TARGETS = ("discriminator", "generator")
_OP = "srgan_cpp.ops.ragan_loss"


@accepts_numpy
def ragan_loss(real_logits: Tensor, fake_logits: Tensor, *, target: str = "discriminator",
               reduction: str = "mean") -> Tensor:
    """ESRGAN's relativistic average loss on raw discriminator outputs C(x).

    With D_Ra(a, b) = sigmoid(C(a) - mean C(b)):

    - ``target="discriminator"``: ``0.5 * (BCE(real - mean(fake), 1) + BCE(fake - mean(real), 0))``
      = ``-0.5 * (E[log D_Ra(x_r, x_f)] + E[log(1 - D_Ra(x_f, x_r))])``
    - ``target="generator"``: real and fake swapped in the targets,
      ``0.5 * (BCE(real - mean(fake), 0) + BCE(fake - mean(real), 1))``.

    This is exactly ESRGAN's training code (BCE-with-logits on ``real - mean(fake)`` and
    ``fake - mean(real)``, halved), i.e. half the paper's formula. Computed in log-sigmoid
    (softplus) form, so logits of +-1e4 give finite losses and gradients.

    Gradients flow to both inputs, through the means as well; nothing is detached. This
    equals the original ESRGAN code (``codes/models/SRGAN_model.py``). BasicSR's ESRGAN
    model instead detaches the other batch's mean in the discriminator step (it runs D
    twice to save memory); its generator step, where ``real_logits`` come from a detached
    D output, is reproduced exactly by passing ``real_logits.detach()``.

    Args:
        real_logits: discriminator logits of real (HR) samples, any shape, e.g. (N,),
            (N, 1) or a patch map (N, 1, h, w); float32/64/16 or bfloat16; non-empty.
        fake_logits: logits of generated samples, same shape, dtype and device.
        target: ``"discriminator"`` or ``"generator"``.
        reduction: ``"mean"`` (default, the ESRGAN value) or ``"sum"`` (0-dim result) or
            ``"none"``: the per-element terms ``0.5 * (softplus(+-(r_i - mean f)) +
            softplus(+-(f_i - mean r)))`` in the logits' shape (their mean is the "mean" loss).
    """
    return torch.ops.srgan_cpp.ragan_loss(real_logits, fake_logits, target, reduction)[0]


def _check(real: Tensor, fake: Tensor, target: str, reduction: str, op: str, grad: Optional[Tensor] = None,
           stats: Optional[Tensor] = None) -> None:
    named = [("real_logits", real), ("fake_logits", fake)]
    _checks.check_same_device(op, named if grad is None else [("grad", grad)] + named + [("stats", stats)])
    if target not in TARGETS:
        raise ValueError(f"{op}: expected `target` to be 'discriminator' or 'generator', got {target!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: expected `reduction` to be one of {REDUCTIONS}, got {reduction!r}")
    for name, t in named:
        _checks.check_float(t, op, name)
    _checks.check_same_dtype(op, "real_logits", real, [("fake_logits", fake), ("grad", grad)])
    if fake.shape != real.shape:
        raise ValueError(f"{op}: expected `real_logits` and `fake_logits` of the same shape, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    torch._check(real.numel() > 0, lambda: f"{op}: expected non-empty logits")
    if grad is not None:
        want = list(real.shape) if reduction == "none" else []
        if list(grad.shape) != want:
            raise ValueError(f"{op}: expected `grad` of shape {want}, got {tuple(grad.shape)}")
    if stats is not None and (stats.dtype != torch.float64 or list(stats.shape) != [2]):
        raise ValueError(f"{op}: expected `stats` float64 of shape (2,) (the second output of ragan_loss), got "
                         f"{stats.dtype} {tuple(stats.shape)}")


@torch.library.register_fake("srgan_cpp::ragan_loss")
def _forward_fake(real_logits, fake_logits, target="discriminator", reduction="mean"):
    _check(real_logits, fake_logits, target, reduction, _OP)
    shape = list(real_logits.shape) if reduction == "none" else []
    loss = torch.empty(shape, dtype=real_logits.dtype, device=real_logits.device)
    return loss, real_logits.new_empty([2], dtype=torch.float64)


@torch.library.register_fake("srgan_cpp::ragan_loss_backward")
def _backward_fake(grad, real_logits, fake_logits, stats, target, reduction, need_real, need_fake):
    _check(real_logits, fake_logits, target, reduction, _OP + "_backward", grad, stats)

    def out(t: Tensor, need: bool) -> Tensor:
        return torch.empty(t.shape if need else [0], dtype=t.dtype, device=t.device)

    return out(real_logits, need_real), out(fake_logits, need_fake)
