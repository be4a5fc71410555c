"""Calls a C++ model's forward-like method other than ``forward`` on the wrapper's current
tensors (see CppModule): DRCN's intermediate predictions, LapSRN's pyramid."""
from __future__ import annotations

from typing import Any

from torch import Tensor

from .._cpp_module import CppModule


def bound_call(model: CppModule, method: str, input: Tensor) -> Any:
    """``model._cpp.<method>(params, buffers, training, input)``: the C++ tree re-pointed at
    the Python parameters, in the model's train/eval mode, as ``forward`` does."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{type(model).__name__}: expected `input` to be a torch.Tensor, got {type(input).__name__}")
    params, buffers = model._bound_tensors()
    return getattr(model._cpp, method)(params, buffers, model.training, input)
