"""Learning-rate schedules as functions of the iteration, with linear warm-up.

A schedule here is stateless: the rate of iteration ``it`` (1-based within a stage) follows
from the configuration alone, so resuming needs only the iteration. The values equal
BasicSR's (``MultiStepRestartLR`` without restarts, ``CosineAnnealingRestartLR``, and the
warm-up of ``BaseModel.update_learning_rate``, ``base * it / warmup`` while ``it < warmup``):
BasicSR steps its schedulers once per iteration after the first, so iteration ``it`` has
the scheduler's epoch ``it - 1``.
"""
from __future__ import annotations

import bisect
import math
from typing import Sequence

from torch.optim import Optimizer

from .config import SchedulerConfig


def rate(cfg: SchedulerConfig, base: float, it: int, total: int) -> float:
    """The learning rate at iteration ``it`` (1-based) of a ``total``-iteration stage for a
    base rate ``base``."""
    if cfg.warmup > 0 and it < cfg.warmup:
        return base * it / cfg.warmup
    e = it - 1
    if cfg.type == "constant":
        return base
    if cfg.type == "multistep":
        return base * cfg.gamma ** bisect.bisect_right(cfg.milestones, e)
    periods = list(cfg.periods) or [total]
    weights = list(cfg.restart_weights) or [1.0] * len(periods)
    start = 0
    for period, weight in zip(periods, weights):
        if e < start + period:
            return cfg.eta_min + weight * 0.5 * (base - cfg.eta_min) * (1.0 + math.cos(math.pi * (e - start) / period))
        start += period
    return cfg.eta_min  # past the last period


def set_lr(optimizers: Sequence[Optimizer], base_lrs: Sequence[Sequence[float]], cfg: SchedulerConfig, it: int,
           total: int) -> float:
    """Sets every parameter group's rate for iteration ``it``; returns the first group's."""
    first = None
    for opt, bases in zip(optimizers, base_lrs):
        for group, base in zip(opt.param_groups, bases):
            group["lr"] = rate(cfg, base, it, total)
            if first is None:
                first = group["lr"]
    return float(first if first is not None else 0.0)
