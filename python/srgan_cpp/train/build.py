"""Setting up a stage's networks and optimisers: initial weights (fresh, from the previous
stage, from its EMA, or from a file - strictly or partially, as PSRGAN's transfer
learning), frozen layers, and the optimisers over what is trainable."""
from __future__ import annotations

from typing import Dict, List, Optional

import torch
from torch import Tensor, nn

from ..models import freeze, load_partial
from ..models.checkpoint import read_checkpoint, unwrap_state_dict
from .config import InitConfig, OptimizerConfig
from .errors import ConfigError


def _pick(obj: object, param_key: Optional[str], path: str, key: str) -> Dict[str, Tensor]:
    """The state dict of a weights file: ``param_key`` if given, else ``params_ema``, else
    ``params``, else the file's (unwrapped) state dict."""
    if isinstance(obj, dict) and param_key is not None:
        if param_key not in obj:
            raise ConfigError(f"{key}.param_key", f"{path!r} has no {param_key!r} (it has {list(obj)[:6]})")
        obj = obj[param_key]
    try:
        return unwrap_state_dict(obj, fn="initial weights")
    except ValueError as e:
        raise ConfigError(key, f"{path!r}: {e}") from None


def load_init(model: nn.Module, init: InitConfig, key: str,
              previous: Optional[Dict[str, Dict[str, Tensor]]] = None) -> str:
    """Loads the initial weights named by ``init`` into ``model`` (in place); returns a
    one-line report. ``previous``: ``{"params": ..., "params_ema": ...}`` of the previous stage."""
    if init.is_previous():
        assert previous is not None
        which = "params_ema" if init.source == "previous_ema" else "params"
        sd = previous.get(which)
        if sd is None:
            raise ConfigError(f"{key}.source", f"the previous stage has no {which}")
        source_name = f"the previous stage's {'EMA ' if which == 'params_ema' else ''}weights"
    else:
        try:
            obj = read_checkpoint(init.source, "cpu", fn="initial weights")
        except (FileNotFoundError, IsADirectoryError, ValueError) as e:
            raise ConfigError(f"{key}.source", str(e)) from None
        sd = _pick(obj, init.param_key, init.source, key)
        source_name = repr(init.source)
    if init.strict and not init.skip:
        try:
            model.load_state_dict(sd, strict=True)
        except RuntimeError as e:
            first = str(e).strip().splitlines()
            raise ConfigError(key, f"{source_name} does not fit {type(model).__name__} (another architecture or "
                                   f"size? set strict: false to load what fits): {' '.join(first[:3])[:400]}") from None
        return f"loaded {source_name} ({len(sd)} tensors)"
    try:
        report = load_partial(model, sd, skip=tuple(init.skip), strict_shapes=init.strict)
    except ValueError as e:
        raise ConfigError(key, f"{source_name}: {e}") from None
    return (f"partially loaded {source_name}: {len(report.loaded)} tensors, skipped {len(report.skipped_by_name)} "
            f"by name and {len(report.skipped_by_shape)} by shape, {len(report.missing)} kept as initialised")


def apply_freeze(model: nn.Module, patterns: List[str], key: str) -> int:
    """Freezes parameters by name / prefix / glob; returns how many are frozen."""
    if not patterns:
        return 0
    try:
        return len(freeze(model, tuple(patterns)))
    except ValueError as e:
        raise ConfigError(key, str(e)) from None


def _fused_ok(device: torch.device) -> bool:
    return device.type in ("cpu", "cuda")


def optimizer(cfg: OptimizerConfig, params: List[nn.Parameter], device: torch.device, key: str) -> torch.optim.Optimizer:
    """Adam / AdamW / SGD over ``params``; the fused implementation (one kernel for all
    parameters) where this torch has it, unless ``fused: false``."""
    if not params:
        raise ConfigError(key, "no trainable parameters (all frozen?)")
    fused = _fused_ok(device) if cfg.fused is None else bool(cfg.fused)
    kw = {"lr": cfg.lr, "weight_decay": cfg.weight_decay}
    try:
        if cfg.type == "sgd":
            return torch.optim.SGD(params, momentum=cfg.momentum, nesterov=cfg.nesterov, fused=fused or None, **kw)
        cls = torch.optim.Adam if cfg.type == "adam" else torch.optim.AdamW
        return cls(params, betas=(cfg.betas[0], cfg.betas[1]), eps=cfg.eps, fused=fused or None, **kw)
    except (RuntimeError, TypeError, ValueError) as e:
        if cfg.fused is None and fused:  # this torch / device has no fused kernel: the default one
            cfg_copy = OptimizerConfig(**{**cfg.__dict__, "fused": False})
            return optimizer(cfg_copy, params, device, key)
        raise ConfigError(key, str(e)) from None
