"""Saving model weights in the layout BasicSR / Real-ESRGAN load back.

BasicSR's ``load_network(net, path, strict=True, param_key='params')`` does
``torch.load(path)[param_key]`` (Real-ESRGAN's inference passes ``param_key='params_ema'``)
and then ``net.load_state_dict(..., strict)``. ``save`` writes exactly that: a dict
``{param_key: state_dict}`` (plus ``params_ema`` on request), so the file works with BasicSR,
Real-ESRGAN and ``srgan_cpp.models.load``. ``.safetensors`` files hold one flat state dict
(the format has no nesting); the wrapper key is kept in the file's metadata.
"""
from __future__ import annotations

import os
from typing import Dict, Mapping, Union

import torch
from torch import Tensor, nn

from .._atomic import atomic_write

_PTH = (".pth", ".pt")
_SAFETENSORS = ".safetensors"


def _plain_state(model_or_state: Union[nn.Module, Mapping[str, Tensor]]) -> Dict[str, Tensor]:
    if isinstance(model_or_state, nn.Module):
        state = model_or_state.state_dict()
    elif isinstance(model_or_state, Mapping):
        state = model_or_state
    else:
        raise TypeError(f"srgan_cpp.models.save: expected `model` to be an nn.Module or a state dict, got "
                        f"{type(model_or_state).__name__}")
    bad = [k for k, v in state.items() if not (isinstance(k, str) and isinstance(v, Tensor))]
    if bad:
        raise TypeError(f"srgan_cpp.models.save: `model` state has non-tensor entries {bad[:5]!r}")
    # Own contiguous CPU copies: the file must not depend on the device, layout (channels_last),
    # or on storage shared with other tensors (safetensors refuses shared storage).
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}


def save(model: Union[nn.Module, Mapping[str, Tensor]], path: Union[str, "os.PathLike[str]"], *,
         param_key: str = "params", also_ema: bool = False) -> None:
    """Writes ``model``'s weights to ``path`` atomically, in a layout BasicSR can load.

    Args:
        model: an ``nn.Module`` (its ``state_dict()``: persistent parameters and buffers,
            so EDSR's ``mean`` is left out exactly as in BasicSR's files) or a state dict.
        path: ``.pth`` / ``.pt`` -> ``torch.save({param_key: state_dict})`` (readable with
            ``torch.load(weights_only=True)``); ``.safetensors`` -> the flat state dict
            (needs the ``safetensors`` package), metadata ``{"param_key": param_key}``.
        param_key: the wrapper key: ``"params"`` (BasicSR's ``load_network`` default) or
            ``"params_ema"`` (Real-ESRGAN's released models).
        also_ema: ``.pth`` only: also store the same weights under ``"params_ema"``, as
            BasicSR writes when training with an EMA model, so either key loads.

    Tensors are saved as contiguous CPU copies, dtype kept. The file is written to a
    temporary file in the same folder and renamed over ``path`` only once complete: a
    failed or interrupted save leaves an existing file untouched.

    Raises:
        ValueError: unknown extension, empty ``param_key``, ``also_ema`` with safetensors,
            or safetensors not installed. TypeError: ``model`` is not a module or state dict.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _PTH + (_SAFETENSORS,):
        raise ValueError(f"srgan_cpp.models.save: expected `path` to end in .pth, .pt or .safetensors, got {path!r}")
    if not isinstance(param_key, str) or not param_key:
        raise ValueError(f"srgan_cpp.models.save: expected `param_key` to be a non-empty string, got {param_key!r}")
    state = _plain_state(model)
    if ext == _SAFETENSORS:
        if also_ema:
            raise ValueError("srgan_cpp.models.save: `also_ema` needs a .pth file (safetensors holds one flat dict)")
        try:
            from safetensors.torch import save as st_save
        except ImportError as e:
            raise ValueError(f"srgan_cpp.models.save: {path!r} is a .safetensors path; `pip install safetensors`") from e
        data = st_save(state, metadata={"param_key": param_key, "format": "pt"})
        with atomic_write(path, suffix=ext) as f:
            f.write(data)
        return
    payload: Dict[str, Dict[str, Tensor]] = {param_key: state}
    if also_ema and param_key != "params_ema":
        payload["params_ema"] = state  # the same tensors: torch.save stores them once
    with atomic_write(path, suffix=ext) as f:
        torch.save(payload, f)
