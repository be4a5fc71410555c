"""Exceptions of the training engine.

``ConfigError`` is a ``ValueError`` (the CLI turns it into one line and exit status 2); its
message always starts with the dotted key of the offending setting, e.g.
``stages[1].losses.pixel.weight: expected a number, got 'abc'``.
``TrainingError`` is raised when a run has to stop after it started (too many non-finite
losses, a checkpoint that cannot be written); the last complete checkpoint stays intact.
"""
from __future__ import annotations

from typing import Optional


class ConfigError(ValueError):
    """A setting of a training configuration is unknown, of the wrong type, or impossible.

    Attributes:
        key: dotted path of the setting (``"stages[0].optim_g.lr"``), or ``""`` for the whole file.
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


class TrainingError(RuntimeError):
    """A run stopped for a reason found while training (it is not a bad setting).

    Attributes:
        checkpoint: the newest complete checkpoint folder, if any (resume from it).
    """

    def __init__(self, message: str, checkpoint: Optional[str] = None) -> None:
        self.checkpoint = checkpoint
        super().__init__(message + (f" (last complete checkpoint: {checkpoint})" if checkpoint else ""))
