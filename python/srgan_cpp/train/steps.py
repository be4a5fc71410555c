"""One training iteration of a stage, in BasicSR's update order.

Per iteration (``it``, 1-based in the stage):

1. **Generator step** when there is no discriminator, or ``it % d_steps == 0`` and
   ``it > d_warmup`` (BasicSR's ``net_d_iters`` / ``net_d_init_iters``): D frozen,
   ``sr = G(lq)``, content losses + ``weight`` x adversarial loss, backward, clip, step.
   Otherwise ``sr`` is computed without a graph (it only feeds D).
2. **Discriminator step** when the stage has one: ``D(gt)`` and ``D(sr.detach())``, the
   discriminator loss (+ ``gp_weight`` x WGAN-GP penalty), backward, clip, step.
3. The generator's EMA is updated (every iteration, as BasicSR does).

Relativistic average GAN (ESRGAN): the real logits ``D(gt)`` are computed once per
iteration, with D's gradients enabled, and serve both steps (BasicSR runs D on ``gt`` in
each step, and twice on ``sr`` in the D step; D's weights do not change in between, so
the values are the same - only batch-norm running statistics and spectral-norm power
iterations advance once instead of twice). The loss is the fused ``ragan_loss`` with
gradients through both batch means (the original ESRGAN code; BasicSR detaches the other
batch's mean in its D step).

A step whose loss is NaN or Inf is skipped (no backward, no update) and counted; with
several processes they agree on it (one tiny all-reduce) so their weights stay equal.
Loss values are kept on the device (no host sync) until they are logged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from .. import ops
from ..losses import gan_loss, gradient_penalty
from .config import StageConfig
from .distributed import Dist
from .ema import EMA
from .objectives import ContentLoss, split_output
from .precision import Scaler
from .sharpen import usm_sharpen


def set_requires_grad(module: Optional[nn.Module], flag: bool, trainable: Optional[List[nn.Parameter]] = None) -> None:
    """Switches gradients of ``trainable`` (default: all of ``module``'s parameters)."""
    if module is None:
        return
    for p in (trainable if trainable is not None else module.parameters()):
        p.requires_grad_(flag)


def _params_with_grad(opt: torch.optim.Optimizer) -> List[Tensor]:
    return [p for g in opt.param_groups for p in g["params"] if p.grad is not None]


def grad_norm(opt: torch.optim.Optimizer) -> Tensor:
    """The total L2 norm of the gradients an optimiser is about to apply (a device tensor)."""
    grads = [p.grad for p in _params_with_grad(opt)]
    if not grads:
        return torch.zeros(())
    norms = torch._foreach_norm(grads)
    return torch.linalg.vector_norm(torch.stack([n.float() for n in norms]))


@dataclass
class StepResult:
    """What one iteration did: loss terms (detached device tensors), whether each network
    stepped, and the gradient norms when they were computed."""

    terms: Dict[str, Tensor] = field(default_factory=dict)
    g_stepped: bool = False
    d_stepped: bool = False
    skipped: List[str] = field(default_factory=list)
    grad_norms: Dict[str, Tensor] = field(default_factory=dict)


class Stepper:
    """The update of one stage (networks, optimisers, scalers and losses already built).

    ``g`` / ``d`` are what forward passes go through (DDP-wrapped with several processes;
    ``g`` is an :class:`~.objectives.AuxForward` of the generator when the losses need its
    intermediate predictions); ``g_raw`` / ``d_raw`` the networks themselves.
    """

    def __init__(self, cfg: StageConfig, g: nn.Module, g_raw: nn.Module, d: Optional[nn.Module],
                 d_raw: Optional[nn.Module], opt_g: torch.optim.Optimizer, opt_d: Optional[torch.optim.Optimizer],
                 scaler_g: Scaler, scaler_d: Scaler, content: ContentLoss, ema: Optional[EMA],
                 autocast: Callable[[], ContextManager[Any]], dist: Dist) -> None:
        self.cfg = cfg
        self.g, self.g_raw, self.d, self.d_raw = g, g_raw, d, d_raw
        self.opt_g, self.opt_d = opt_g, opt_d
        self.scaler_g, self.scaler_d = scaler_g, scaler_d
        self.content = content
        self.ema = ema
        self.autocast = autocast
        self.dist = dist
        self.adv = cfg.losses.adversarial
        self.d_params = [p for p in d_raw.parameters()] if d_raw is not None else []
        self.g_trainable = [p for p in g_raw.parameters() if p.requires_grad]

    # -- helpers ------------------------------------------------------------------------
    def _finite(self, loss: Tensor) -> bool:
        flag = torch.isfinite(loss.detach()).to(torch.int32)
        return bool(self.dist.all_min(flag).item())

    def _apply(self, loss: Tensor, opt: torch.optim.Optimizer, scaler: Scaler, clip: Optional[float],
               want_norm: bool) -> Optional[Tensor]:
        scaler.scale(loss).backward()
        norm = None
        if clip is not None or want_norm:
            scaler.unscale_(opt)
            params = _params_with_grad(opt)
            if clip is not None:
                norm = torch.nn.utils.clip_grad_norm_(params, clip, foreach=True)
            else:
                norm = grad_norm(opt)
        scaler.step(opt)
        scaler.update()
        return norm

    def _step_or_skip(self, net: str, loss: Tensor, opt: torch.optim.Optimizer, scaler: Scaler, clip: Optional[float],
                      want_norm: bool, res: StepResult) -> bool:
        """Backward and optimiser step of network ``net`` ("g" / "d"), or - for a NaN/Inf
        loss - no update at all (recorded in ``res.skipped``). Returns whether it stepped."""
        if not self._finite(loss):
            res.skipped.append(net)
            opt.zero_grad(set_to_none=True)
            return False
        norm = self._apply(loss, opt, scaler, clip, want_norm)
        if norm is not None:
            res.grad_norms[net] = norm.detach()
        return True

    def _targets(self, gt: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Targets of the pixel, perceptual and adversarial terms (USM-sharpened when asked)."""
        sh = self.cfg.sharpen_gt
        if sh is None or not (sh.pixel or sh.perceptual or sh.adversarial):
            return gt, gt, gt
        sharp = usm_sharpen(gt, sh.weight, sh.radius, sh.threshold)
        return (sharp if sh.pixel else gt), (sharp if sh.perceptual else gt), (sharp if sh.adversarial else gt)

    def _d_logits(self, net: nn.Module, x: Tensor) -> Tensor:
        # float32 in: srgan_cpp's C++ networks take inputs of their parameters' dtype, and
        # autocast casts inside them anyway
        with self.autocast():
            return net(x.float()).float()

    # -- the iteration --------------------------------------------------------------------
    def __call__(self, lq: Tensor, gt: Tensor, it: int, want_norms: bool = False) -> StepResult:
        cfg = self.cfg
        res = StepResult()
        gt_pix, gt_percep, gt_gan = self._targets(gt)
        has_d = self.d is not None
        do_g = (not has_d) or (it % cfg.d_steps == 0 and it > cfg.d_warmup)
        real_for_d: Optional[Tensor] = None
        ragan = self.adv is not None and self.adv.type == "ragan"

        # 1. generator
        if do_g:
            set_requires_grad(self.d_raw, False)
            self.opt_g.zero_grad(set_to_none=True)
            with self.autocast():
                sr, aux = split_output(self.g(lq), self.cfg.losses.aux_forward())
            sr32 = sr.float()
            total, terms = self.content(sr32, gt_pix, gt_percep, self.autocast, aux=aux, iteration=it)
            if has_d:
                assert self.adv is not None and self.d_raw is not None
                if ragan:
                    set_requires_grad(self.d_raw, True)
                    real_for_d = self._d_logits(self.d, gt_gan)  # kept for the D step (same weights)
                    set_requires_grad(self.d_raw, False)
                    fake = self._d_logits(self.d_raw, sr)
                    l_gan = self.adv.weight * ops.ragan_loss(real_for_d.detach(), fake, target="generator")
                else:
                    fake = self._d_logits(self.d_raw, sr)
                    l_gan = self.adv.weight * gan_loss(fake, True, self.adv.type, is_disc=False,
                                                       real_label=self.adv.real_label, fake_label=self.adv.fake_label)
                terms["l_g_gan"] = l_gan.detach()
                total = total + l_gan
            terms["l_g_total"] = total.detach()
            res.terms.update(terms)
            clip_g = cfg.clip_grad_g
            if clip_g is not None and cfg.clip_grad_g_by_lr:  # VDSR: theta / lr
                clip_g = clip_g / self.opt_g.param_groups[0]["lr"]
            res.g_stepped = self._step_or_skip("g", total, self.opt_g, self.scaler_g, clip_g, want_norms, res)
            sr_d = sr.detach()
        elif has_d:
            with torch.no_grad(), self.autocast():
                sr_d = self.g_raw(lq)

        # 2. discriminator
        if has_d:
            assert self.adv is not None and self.d is not None and self.opt_d is not None
            set_requires_grad(self.d_raw, True)
            self.opt_d.zero_grad(set_to_none=True)
            real = real_for_d if real_for_d is not None else self._d_logits(self.d, gt_gan)
            fake = self._d_logits(self.d, sr_d)
            if ragan:
                l_d = ops.ragan_loss(real, fake, target="discriminator")
            else:
                kw = dict(is_disc=True, real_label=self.adv.real_label, fake_label=self.adv.fake_label)
                l_d = gan_loss(real, True, self.adv.type, **kw) + gan_loss(fake, False, self.adv.type, **kw)
            if self.adv.gp_weight > 0:
                # through the bare network: DDP all-reduces these gradients with the others
                # (its hooks are on the parameters), without taking part in the double backward
                gp = gradient_penalty(self.d_raw, gt_gan.float(), sr_d.float())
                res.terms["l_d_gp"] = gp.detach()
                l_d = l_d + self.adv.gp_weight * gp
            res.terms["l_d"] = l_d.detach()
            res.terms["out_d_real"] = real.detach().mean()
            res.terms["out_d_fake"] = fake.detach().mean()
            res.d_stepped = self._step_or_skip("d", l_d, self.opt_d, self.scaler_d, cfg.clip_grad_d, want_norms, res)

        # 3. EMA
        if self.ema is not None:
            self.ema.update()
        return res

