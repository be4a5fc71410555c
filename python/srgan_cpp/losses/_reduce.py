"""The `reduction` / per-pixel `weight` rule shared by the pixel losses."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, where: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: expected `reduction` to be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def check_pair(pred: Tensor, target: Tensor, where: str) -> None:
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{where}: expected tensors `pred` and `target`, got {type(pred).__name__} and "
                        f"{type(target).__name__}")
    if pred.shape != target.shape:
        raise ValueError(f"{where}: expected `target` of the same shape as `pred` {tuple(pred.shape)}, got "
                         f"{tuple(target.shape)}")


def weighted_reduce(loss: Tensor, weight: Optional[Tensor], reduction: str, where: str) -> Tensor:
    """Applies an optional per-element ``weight`` (broadcastable to ``loss``) and reduces.

    With a weight, "mean" is the weighted mean ``sum(w * l) / sum(w)`` (w broadcast to the
    loss's shape), so the loss scale does not depend on how much of the image is weighted;
    "sum" is ``sum(w * l)``; "none" is ``w * l``.
    """
    check_reduction(reduction, where)
    if weight is not None:
        try:
            w = torch.broadcast_to(weight, loss.shape)
        except RuntimeError as e:
            raise ValueError(f"{where}: expected `weight` broadcastable to {tuple(loss.shape)}, got "
                             f"{tuple(weight.shape)}") from e
        loss = loss * w
        if reduction == "mean":
            return loss.sum() / w.sum()
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
