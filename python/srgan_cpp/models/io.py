"""Saving and safely loading model weights."""
from __future__ import annotations

import os
from typing import Dict, Union

import torch
from torch import Tensor, nn

from .._atomic import atomic_write


def save_state_dict(model_or_state: Union[nn.Module, Dict[str, Tensor]], path: Union[str, os.PathLike]) -> None:
    """Writes a plain ``{name: tensor}`` dict with ``torch.save``, atomically.

    The file loads with ``torch.load(path, weights_only=True)`` in Python and with
    ``srgan_cpp::nn::load_state_dict`` from C++. It is written to a temporary file in the
    same folder and renamed over ``path``, so an interrupted save never leaves a
    half-written file in place of a good one.
    """
    state = model_or_state.state_dict() if isinstance(model_or_state, nn.Module) else model_or_state
    plain = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    path = os.fspath(path)
    with atomic_write(path, suffix=".pt") as f:
        torch.save(plain, f)


def load_state_dict_file(path: Union[str, os.PathLike], map_location: Union[str, torch.device] = "cpu") -> Dict[str, Tensor]:
    """Reads a state dict with ``weights_only=True``: no code from the file ever runs.

    Raises FileNotFoundError for a missing file and ValueError for a file that is not a
    state dict (corrupt, truncated, or a pickle that would need code to load).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_state_dict_file: `path` {path!r} does not exist")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises UnpicklingError, RuntimeError, EOFError...
        raise ValueError(f"load_state_dict_file: {path!r} is not a loadable weights-only state dict: {e}") from e
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()):
        raise ValueError(f"load_state_dict_file: {path!r} does not hold a dict of tensors")
    return state
