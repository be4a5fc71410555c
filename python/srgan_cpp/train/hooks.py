"""Hooks: code of yours called at points of a run.

Subclass :class:`Hook`, override what you need and pass instances to
``Trainer(config, hooks=[...])``. Hooks run on every process (check ``trainer.is_main``
for rank-0-only work). ``trainer.request_stop()`` ends the run after the current
iteration with a checkpoint (early stopping, time budgets).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict


if TYPE_CHECKING:  # pragma: no cover
    from .config import StageConfig
    from .steps import StepResult
    from .trainer import Trainer, TrainResult


@dataclass
class StepInfo:
    """One finished iteration.

    iteration: of the run (1-based, across stages); stage / stage_iteration: the stage's
    name and the iteration within it; lr: the generator's learning rate; result: the loss
    terms as device tensors (``values()`` turns them into floats - a host sync on CUDA).
    """

    iteration: int
    stage: str
    stage_iteration: int
    lr: float
    result: "StepResult"

    def values(self) -> Dict[str, float]:
        return {k: float(v) for k, v in self.result.terms.items()}


class Hook:
    """Base class: every method does nothing."""

    def on_fit_start(self, trainer: "Trainer") -> None: ...

    def on_stage_start(self, trainer: "Trainer", stage: "StageConfig") -> None: ...

    def on_step_end(self, trainer: "Trainer", info: StepInfo) -> None: ...

    def on_validation(self, trainer: "Trainer", iteration: int, metrics: Dict[str, float]) -> None: ...

    def on_checkpoint(self, trainer: "Trainer", iteration: int, path: str) -> None: ...

    def on_stage_end(self, trainer: "Trainer", stage: "StageConfig") -> None: ...

    def on_fit_end(self, trainer: "Trainer", result: "TrainResult") -> None: ...


def call(hooks: Any, name: str, *args: Any) -> None:
    for h in hooks:
        getattr(h, name)(*args)


__all__ = ["Hook", "StepInfo"]
