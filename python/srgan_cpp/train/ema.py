"""Exponential moving average of a network's parameters and buffers.

``ema = decay * ema + (1 - decay) * current`` for every floating-point parameter and buffer
(so batch-norm statistics are averaged too); integer buffers (``num_batches_tracked``) are
copied. The average lives in a deep copy of the network in eval mode, without gradients,
and is what validation uses and what is exported as BasicSR's ``params_ema``.
"""
from __future__ import annotations

import copy
from typing import Dict, List

import torch
from torch import Tensor, nn


class EMA:
    """EMA of ``model`` (its current values are the starting point)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA: `decay` must be in [0, 1), got {decay!r}")
        self.decay = float(decay)
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self._pairs(model)

    def _pairs(self, model: nn.Module) -> None:
        src = dict(model.state_dict(keep_vars=True))
        dst = dict(self.module.state_dict(keep_vars=True))
        if list(src) != list(dst):
            raise ValueError("EMA: the model's state-dict keys changed")
        self._float_src: List[Tensor] = []
        self._float_dst: List[Tensor] = []
        self._copy_pairs: List = []
        for k, t in src.items():
            if t.is_floating_point():
                self._float_src.append(t)
                self._float_dst.append(dst[k])
            else:
                self._copy_pairs.append((t, dst[k]))

    @torch.no_grad()
    def update(self) -> None:
        """One EMA step toward the model's current values."""
        src = [t.detach() for t in self._float_src]
        dst = [t.detach() for t in self._float_dst]
        # lerp_(end, w): dst + w * (src - dst) = decay * dst + (1 - decay) * src
        torch._foreach_lerp_(dst, src, 1.0 - self.decay)
        for s, d in self._copy_pairs:
            d.copy_(s)

    def state_dict(self) -> Dict[str, Tensor]:
        return self.module.state_dict()

    def load_state_dict(self, state: Dict[str, Tensor]) -> None:
        self.module.load_state_dict(state, strict=True)
