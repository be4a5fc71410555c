"""Checkpoint files: reading them safely, unwrapping their state dict, writing them atomically.

Reading: ``torch.load(weights_only=True)`` (or safetensors), so no code from a file ever
runs - a pickle that would need to call anything is refused with ValueError - and the
unwrapping is bounded (a file whose wrapper refers to itself, or nests wrappers without end,
is refused at once). These are the only ways srgan_cpp reads weights; ``load``,
``load_partial`` and ``describe`` all go through :func:`read_checkpoint` and
:func:`unwrap_state_dict`.

Writing: :func:`save` writes BasicSR's layout ``{param_key: state_dict}`` (what BasicSR's
``load_network(net, path, param_key='params')`` - ``torch.load(path)[param_key]`` - and
Real-ESRGAN's inference (``param_key='params_ema'``) read); :func:`save_state_dict` a plain
``{name: tensor}`` dict. ``.safetensors`` files hold one flat state dict (the format has no
nesting); the wrapper key is kept in the file's metadata. Every write goes to a temporary
file in the same folder, renamed over the target only once complete.
"""
from __future__ import annotations

import importlib.util
import os
from typing import Any, Dict, Mapping, Union

import torch
from torch import Tensor, nn

from .._atomic import atomic_write

__all__ = ["MAX_WRAPPER_DEPTH", "STATE_DICT_WRAPPERS", "load_state_dict_file", "read_checkpoint", "save",
           "save_state_dict", "unwrap_state_dict"]

StateDict = Dict[str, Tensor]
PathLike = Union[str, "os.PathLike[str]"]

#: Wrapper keys unwrapped, in order of preference (params_ema is what BasicSR / Real-ESRGAN
#: inference uses when a file holds both it and params).
STATE_DICT_WRAPPERS = ("params_ema", "params", "state_dict", "model")
#: Wrappers nested deeper than this are refused (real files nest at most two).
MAX_WRAPPER_DEPTH = 8
_PTH = (".pth", ".pt")
_SAFETENSORS = ".safetensors"


def read_checkpoint(path: PathLike, map_location: Union[str, torch.device] = "cpu",
                    fn: str = "srgan_cpp.models.load") -> Any:
    """The object a ``.pth``/``.pt`` (``weights_only=True``) or ``.safetensors`` file holds.

    ``fn`` names the caller in error messages. Raises FileNotFoundError for a missing file,
    IsADirectoryError for a folder, ValueError for a corrupt, truncated or code-running file
    (or a ``.safetensors`` file without the ``safetensors`` package).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{fn}: `path` {path!r} is a directory, not a checkpoint file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{fn}: `path` {path!r} does not exist")
    if path.endswith(_SAFETENSORS):
        if importlib.util.find_spec("safetensors") is None:
            raise ValueError(f"{fn}: {path!r} is a .safetensors file; `pip install safetensors` to read it")
        from safetensors.torch import load_file

        try:
            return load_file(path, device=str(map_location))
        except Exception as e:  # SafetensorError, OSError...
            raise ValueError(f"{fn}: {path!r} is not a readable safetensors file: {e}") from e
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # UnpicklingError (incl. refused globals), RuntimeError, EOFError...
        raise ValueError(f"{fn}: refused or could not read {path!r} as a weights-only checkpoint "
                         f"(corrupt, truncated, or a pickle that would run code): {e}") from e


def unwrap_state_dict(obj: Any, fn: str = "srgan_cpp.models.load") -> StateDict:
    """Strips ``params_ema``/``params``/``state_dict``/``model`` wrappers (nested too, at most
    ``MAX_WRAPPER_DEPTH`` deep) and ``module.`` prefixes (DataParallel / DDP); returns a plain
    ``{name: tensor}`` dict.

    Raises ValueError when a wrapper refers to itself or nests too deep, or when what is left
    is not a non-empty dict of tensors. ``fn`` names the caller in the message.
    """
    seen = set()
    for _ in range(MAX_WRAPPER_DEPTH + 1):
        if not isinstance(obj, Mapping):
            break
        if id(obj) in seen:
            raise ValueError(f"{fn}: refused: the checkpoint's state-dict wrapper refers to itself")
        seen.add(id(obj))
        inner = next((obj[k] for k in STATE_DICT_WRAPPERS if isinstance(obj.get(k), Mapping)), None)
        if inner is None:
            break
        obj = inner
    else:
        raise ValueError(f"{fn}: refused: the checkpoint nests state-dict wrappers "
                         f"({'/'.join(STATE_DICT_WRAPPERS)}) more than {MAX_WRAPPER_DEPTH} deep")
    if not isinstance(obj, Mapping) or not obj:
        raise ValueError(f"{fn}: expected a (possibly wrapped) state dict, got "
                         f"{type(obj).__name__}{' (empty)' if isinstance(obj, Mapping) else ''}")
    bad = [k for k, v in obj.items() if not (isinstance(k, str) and isinstance(v, Tensor))]
    if bad:
        shown = [k if not isinstance(k, str) or len(k) <= 80 else k[:77] + "..." for k in bad[:5]]
        raise ValueError(f"{fn}: the state dict has non-tensor entries {shown!r}; top-level keys: "
                         f"{[k for k in list(obj)[:8]]!r}")
    out: StateDict = dict(obj)
    while all(k.startswith("module.") for k in out):  # non-empty, so this ends
        out = {k[len("module."):]: v for k, v in out.items()}
    return out


def load_state_dict_file(path: PathLike, map_location: Union[str, torch.device] = "cpu") -> StateDict:
    """Reads a state dict with ``weights_only=True`` (or safetensors): no code from the file
    ever runs. Wrappers (``params_ema`` / ``params`` / ...) and ``module.`` prefixes are
    removed, so files written by :func:`save` and :func:`save_state_dict` both load.

    Raises FileNotFoundError for a missing file, IsADirectoryError for a folder, and
    ValueError for a file that is not a state dict (corrupt, truncated, a pickle that would
    need code to load, or a wrapper that refers to itself).
    """
    fn = "load_state_dict_file"
    return unwrap_state_dict(read_checkpoint(path, map_location, fn=fn), fn=fn)


def _plain_state(model_or_state: Union[nn.Module, Mapping[str, Tensor]], fn: str) -> StateDict:
    if isinstance(model_or_state, nn.Module):
        state = model_or_state.state_dict()
    elif isinstance(model_or_state, Mapping):
        state = model_or_state
    else:
        raise TypeError(f"{fn}: expected `model` to be an nn.Module or a state dict, got "
                        f"{type(model_or_state).__name__}")
    bad = [k for k, v in state.items() if not (isinstance(k, str) and isinstance(v, Tensor))]
    if bad:
        raise TypeError(f"{fn}: `model` state has non-tensor entries {bad[:5]!r}")
    # Own contiguous CPU copies: the file must not depend on the device, layout (channels_last),
    # or on storage shared with other tensors (safetensors refuses shared storage).
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}


def save_state_dict(model_or_state: Union[nn.Module, Mapping[str, Tensor]], path: PathLike) -> None:
    """Writes a plain ``{name: tensor}`` dict with ``torch.save``, atomically.

    The file loads with ``torch.load(path, weights_only=True)``, :func:`load_state_dict_file`
    and ``srgan_cpp.models.load`` in Python and with ``srgan_cpp::nn::load_state_dict`` from
    C++. Tensors are saved as contiguous CPU copies. An interrupted save never leaves a
    half-written file in place of a good one.
    """
    state = _plain_state(model_or_state, "save_state_dict")
    with atomic_write(os.fspath(path), suffix=".pt") as f:
        torch.save(state, f)


def save(model: Union[nn.Module, Mapping[str, Tensor]], path: PathLike, *, param_key: str = "params",
         also_ema: bool = False) -> None:
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

    Tensors are saved as contiguous CPU copies, dtype kept. A failed or interrupted save
    leaves an existing file untouched.

    Raises:
        ValueError: unknown extension, empty ``param_key``, ``also_ema`` with safetensors,
            or safetensors not installed. TypeError: ``model`` is not a module or state dict.
    """
    fn = "srgan_cpp.models.save"
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _PTH + (_SAFETENSORS,):
        raise ValueError(f"{fn}: expected `path` to end in .pth, .pt or .safetensors, got {path!r}")
    if not isinstance(param_key, str) or not param_key:
        raise ValueError(f"{fn}: expected `param_key` to be a non-empty string, got {param_key!r}")
    state = _plain_state(model, fn)
    if ext == _SAFETENSORS:
        if also_ema:
            raise ValueError(f"{fn}: `also_ema` needs a .pth file (safetensors holds one flat dict)")
        try:
            from safetensors.torch import save as st_save
        except ImportError as e:
            raise ValueError(f"{fn}: {path!r} is a .safetensors path; `pip install safetensors`") from e
        data = st_save(state, metadata={"param_key": param_key, "format": "pt"})
        with atomic_write(path, suffix=ext) as f:
            f.write(data)
        return
    payload: Dict[str, StateDict] = {param_key: state}
    if also_ema and param_key != "params_ema":
        payload["params_ema"] = state  # the same tensors: torch.save stores them once
    with atomic_write(path, suffix=ext) as f:
        torch.save(payload, f)
