"""DRCN (Kim, Lee, Lee, CVPR 2016), implemented in C++ (csrc/models/drcn), and its
recursive-supervision loss."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import torch.nn.functional as F
from torch import Tensor

from .. import _C
from . import registry
from ._bound_call import bound_call
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, shape


class DRCN(CppModule):
    """DRCN: embedding (2 convs) -> ONE inference conv applied ``num_recursions`` times
    (shared weights) -> a shared reconstruction net (2 convs) after every recursion, each
    with the input added back (skip connection) -> the learned weighted sum
    ``sum_d ensemble_weight[d] * y_d`` (weights initialised to 1 / D).

    Defaults are the paper's network: D = 16 recursions, 256 filters of 3x3, Y channel
    (1,775,121 parameters). It restores the bicubic-upscaled image (registry scale 1:
    callers pre-upsample).

    Args:
        in_channels: 1 (Y channel, the paper) or 3.
        num_features: filters of every conv (256).
        num_recursions: D, the recursions of the inference conv (16).

    forward: (N, in_channels, H, W) bicubic-upscaled image in the training range (e.g.
    [0, 1]) -> (N, in_channels, H, W), the ensemble output.
    :meth:`forward_all` also returns the D intermediate predictions, for the recursive
    supervision of :func:`drcn_loss`.
    State-dict keys: ``embedding.0``, ``embedding.2``, ``inference``, ``reconstruction.0``,
    ``reconstruction.2`` (convs; ReLUs at the odd indices) and ``ensemble_weight`` (D,).
    """

    def __init__(self, in_channels: int = 1, num_features: int = 256, num_recursions: int = 16) -> None:
        super().__init__(_C.DRCN, dict(in_channels=int(in_channels), num_features=int(num_features),
                                       num_recursions=int(num_recursions)))

    def forward_all(self, input: Tensor) -> Tuple[Tensor, List[Tensor]]:
        """``(ensemble output, [y_1, ..., y_D])``, each (N, in_channels, H, W)."""
        out, preds = bound_call(self, "bound_forward_all", input)
        return out, list(preds)


def drcn_loss(output: Tensor, intermediates: Sequence[Tensor], target: Tensor, alpha: float,
              beta: float = 0.0, parameters: Optional[Iterable[Tensor]] = None) -> Tensor:
    """DRCN's training objective ``alpha * l1 + (1 - alpha) * l2 + beta * ||W||^2``.

    ``l1 = 1/(2D) sum_d MSE(y_d, target)`` supervises every recursion's prediction (the
    paper's recursive supervision), ``l2 = 1/2 MSE(output, target)`` the ensemble. The paper
    starts with ``alpha`` = 1 and lets it decay towards 0 during training, so the
    intermediate predictions carry the gradient early on; ``beta`` is its weight decay
    (1e-4), applied to ``parameters`` (e.g. ``model.parameters()``) when given - or leave it
    0 and use the optimizer's ``weight_decay``.

    Args:
        output: the ensemble prediction (N, C, H, W) (``DRCN.forward_all(x)[0]``).
        intermediates: the D predictions y_d, each like ``output``.
        target: the HR image (N, C, H, W).
        alpha: in [0, 1]. beta: >= 0.

    Returns:
        A 0-dim tensor.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"drcn_loss: expected `alpha` in [0, 1], got {alpha}")
    if beta < 0:
        raise ValueError(f"drcn_loss: expected `beta` >= 0, got {beta}")
    if len(intermediates) == 0:
        raise ValueError("drcn_loss: expected at least one intermediate prediction")
    for i, p in enumerate(intermediates):
        if p.shape != target.shape:
            raise ValueError(f"drcn_loss: intermediate prediction {i} has shape {tuple(p.shape)}, the target "
                             f"{tuple(target.shape)}")
    if output.shape != target.shape:
        raise ValueError(f"drcn_loss: `output` has shape {tuple(output.shape)}, the target {tuple(target.shape)}")
    l1 = sum(F.mse_loss(p, target) for p in intermediates) / (2 * len(intermediates))
    l2 = F.mse_loss(output, target) / 2
    loss = alpha * l1 + (1 - alpha) * l2
    if beta > 0 and parameters is not None:
        loss = loss + beta * sum(p.pow(2).sum() for p in parameters if p.dim() > 1)
    return loss  # type: ignore[return-value]


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    feats, in_ch = shape(sd, "embedding.0.weight")[:2]
    return dict(in_channels=in_ch, num_features=feats, num_recursions=shape(sd, "ensemble_weight")[0])


registry.register(DRCN, kind="generator", keys=("embedding.0.weight", "inference.weight", "ensemble_weight"),
                  read_kwargs=_read_kwargs,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["in_channels"], out_channels=kw["in_channels"]),
                  layout="embedding.N, inference, reconstruction.N, ensemble_weight")
