"""Mixed precision: autocast regions and one gradient scaler per network.

``bf16``: ``torch.autocast`` with bfloat16 on the CPU or CUDA; no scaler (bfloat16 has
float32's range). ``fp16``: autocast with float16 on CUDA and a ``GradScaler`` per network
(the generator's and the discriminator's losses have very different magnitudes, so each
gets its own scale). Networks keep float32 weights; losses are computed in float32 on the
outputs cast back (``.float()``), so the loss ops never see reduced precision.
"""
from __future__ import annotations

import contextlib
from typing import Any, ContextManager, Dict, Optional

import torch

from .errors import ConfigError

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def check(amp: str, device: torch.device) -> None:
    """ConfigError for a precision the device cannot do."""
    if amp == "fp16" and device.type != "cuda":
        raise ConfigError("amp", "fp16 needs a CUDA device (its GradScaler); use bf16 on the CPU")
    if amp == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("amp", f"{torch.cuda.get_device_name(device)} does not support bfloat16; use fp16")


def autocast(amp: str, device: torch.device) -> ContextManager[Any]:
    """The autocast context of a forward pass (a no-op for ``off``)."""
    if amp == "off":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=_DTYPES[amp])


class Scaler:
    """A GradScaler for fp16, or a pass-through with the same methods otherwise."""

    def __init__(self, amp: str, device: torch.device) -> None:
        self.scaler: Optional[Any] = None
        if amp == "fp16":
            self.scaler = torch.amp.GradScaler(device.type)

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        return self.scaler.scale(loss) if self.scaler is not None else loss

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler is not None:
            self.scaler.step(optimizer)
        else:
            optimizer.step()

    def update(self) -> None:
        if self.scaler is not None:
            self.scaler.update()

    def state_dict(self) -> Dict[str, Any]:
        return self.scaler.state_dict() if self.scaler is not None else {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        if self.scaler is not None and state:
            self.scaler.load_state_dict(state)
