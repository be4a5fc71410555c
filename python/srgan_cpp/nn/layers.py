"""Single C++ layers (csrc/nn) exposed as torch.nn.Modules through the C++ bridge
(``srgan_cpp._cpp_module.CppModule``): the building blocks of the discriminators, usable on
their own and tested against torch's layers."""
from __future__ import annotations

from typing import Any, Dict, List

import torch
from torch import Tensor, nn

from .. import _C
from .._cpp_module import CppModule

__all__ = ["BatchNorm2d", "Linear", "SpectralNormConv2d", "fill_missing_num_batches_tracked"]


def fill_missing_num_batches_tracked(module: nn.Module, state_dict: Dict[str, Any], prefix: str,
                                     local_metadata: Dict[str, Any], strict: bool, missing_keys: List[str],
                                     unexpected_keys: List[str], error_msgs: List[str]) -> None:
    """load_state_dict pre-hook: a batch norm whose ``num_batches_tracked`` is absent from
    the file (written by torch < 0.4.1) gets 0, as torch.nn.BatchNorm2d does for such
    files. Only that counter is filled in; every other key stays strict."""
    for name, _ in module.named_buffers():
        if name.rsplit(".", 1)[-1] == "num_batches_tracked":
            key = prefix + name
            stem = key[: -len("num_batches_tracked")]
            if key not in state_dict and stem + "running_mean" in state_dict:
                state_dict[key] = torch.tensor(0, dtype=torch.long)


class BatchNorm2d(CppModule):
    """torch.nn.BatchNorm2d (affine, tracking running statistics) computed in C++.

    forward: (N, num_features, H, W) float tensor -> same shape. Training mode uses the batch
    statistics and updates ``running_mean`` / ``running_var`` (unbiased) /
    ``num_batches_tracked`` in place; eval mode uses the running statistics.
    State-dict keys: weight, bias, running_mean, running_var, num_batches_tracked.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__(_C.BatchNorm2d, dict(num_features=int(num_features), eps=float(eps),
                                              momentum=float(momentum)))
        self._register_load_state_dict_pre_hook(fill_missing_num_batches_tracked, with_module=True)



class Linear(CppModule):
    """torch.nn.Linear computed in C++: (..., in_features) -> (..., out_features).
    State-dict keys: weight (out, in), bias (out,)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__(_C.Linear, dict(in_features=int(in_features), out_features=int(out_features),
                                         bias=bool(bias)))



class SpectralNormConv2d(CppModule):
    """``torch.nn.utils.spectral_norm(nn.Conv2d(...))`` computed in C++, same state dict.

    State-dict keys: [bias], weight_orig (out, in, k, k), weight_u (out,), weight_v (in*k*k,).
    Training forwards run ``n_power_iterations`` power iterations that update weight_u /
    weight_v in place (no grad); eval forwards use them unchanged. The conv weight is
    weight_orig / sigma with sigma = u . (W v), W = weight_orig reshaped to (out, -1).

    forward: (N, in_channels, H, W) -> (N, out_channels, H', W').
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 bias: bool = True, eps: float = 1e-12, n_power_iterations: int = 1) -> None:
        super().__init__(_C.SpectralNormConv2d, dict(in_channels=int(in_channels), out_channels=int(out_channels),
                                                     kernel_size=int(kernel_size), stride=int(stride),
                                                     padding=int(padding), bias=bool(bias), eps=float(eps),
                                                     n_power_iterations=int(n_power_iterations)))


    def normalized_weight(self) -> Tensor:
        """weight_orig / sigma from the stored u and v (no power iteration, no update):
        what an eval-mode forward convolves with."""
        w = self.weight_orig
        mat = w.reshape(w.shape[0], -1)
        return w / torch.dot(self.weight_u, torch.mv(mat, self.weight_v))
