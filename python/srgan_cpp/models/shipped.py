"""Models trained by srgan_cpp's own engine and shipped inside the package.

Each shipped model is two files in ``srgan_cpp/models/weights/``: ``<name>.safetensors``
(float16 weights; its metadata names the architecture and constructor arguments) and
``<name>.json``, its model card: the data (``srgan_cpp/data/photo_set.json``), the recipe,
iterations and CPU time of training, PSNR/SSIM on the held-out photographs next to bicubic,
and the licence. ``pretrained(name)`` builds the model; every command that takes a model
(``upscale -m``, ``info``, ``eval -m``) accepts these names through the one resolver
(:func:`srgan_cpp.upscale.model_info.resolve_model`); ``srgan-cpp models`` lists them.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
from typing import Any, Dict, List, Mapping, Optional

import torch
from torch import nn

__all__ = ["WEIGHTS_DIR", "UnknownModelError", "pretrained", "pretrained_names", "default_model", "model_card",
           "weights_path", "export_weights", "load_weights_file", "check_card"]

WEIGHTS_DIR = pathlib.Path(__file__).resolve().parent / "weights"
#: The safetensors metadata keys a shipped weights file carries.
_META_ARCH, _META_KWARGS, _META_FORMAT = "srgan_cpp.architecture", "srgan_cpp.kwargs", "srgan_cpp.format"


class UnknownModelError(KeyError):
    """A name that is no shipped model's; the message lists the names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def pretrained_names() -> List[str]:
    """The names of the shipped models (those with a card and a weights file), sorted."""
    if not WEIGHTS_DIR.is_dir():
        return []
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.json") if (WEIGHTS_DIR / f"{p.stem}.safetensors").is_file())


def _unknown(name: object) -> UnknownModelError:
    names = pretrained_names()
    listing = ", ".join(names) if names else "none"
    return UnknownModelError(f"no shipped model {name!r}; shipped models: {listing} (srgan-cpp models lists them)")


def model_card(name: str) -> Dict[str, Any]:
    """The model card of shipped model ``name`` (a dict read from ``<name>.json``).

    Raises :class:`UnknownModelError` (a KeyError) listing the shipped names when there is none.
    """
    if not isinstance(name, str) or name not in pretrained_names():
        raise _unknown(name)
    with open(WEIGHTS_DIR / f"{name}.json", "r", encoding="utf-8") as f:
        return json.load(f)


def default_model() -> str:
    """The name of the default model (the card marked ``"default": true``)."""
    for name in pretrained_names():
        if model_card(name).get("default"):
            return name
    raise _unknown("<default>")


def weights_path(name: str) -> pathlib.Path:
    """The ``.safetensors`` file of shipped model ``name``."""
    model_card(name)  # the error listing the names
    return WEIGHTS_DIR / f"{name}.safetensors"


def pretrained(name: str, *, dtype: torch.dtype = torch.float32, device: Optional[torch.device] = None) -> nn.Module:
    """A shipped model, built and loaded, in eval mode.

    Args:
        name: one of :func:`pretrained_names` (``srgan-cpp models`` lists them).
        dtype: parameter dtype (the file is float16; float32 by default).
        device: where to put it (CPU by default).

    Returns:
        The ``nn.Module`` (an srgan_cpp C++ model); it maps ``(N, C, H, W)`` images in
        [0, 1] to ``(N, C, H*scale, W*scale)``. ``model.card`` is its model card and
        ``model.pretrained_name`` its name.

    Raises:
        UnknownModelError (a KeyError) listing the shipped names for any other name.
    """
    model = load_weights_file(weights_path(name)).to(dtype=dtype, device=device)
    model.card = model_card(name)
    model.pretrained_name = name
    return model


def load_weights_file(path: os.PathLike) -> nn.Module:
    """Builds the model an :func:`export_weights` file holds (float32, CPU, eval mode)."""
    from safetensors import safe_open

    from . import registry

    with safe_open(os.fspath(path), framework="pt") as f:
        meta = f.metadata() or {}
        state = {k: f.get_tensor(k) for k in f.keys()}
    arch = meta.get(_META_ARCH)
    if arch is None:
        raise ValueError(f"pretrained: {os.fspath(path)!r} lacks the {_META_ARCH!r} metadata")
    model = registry.build(arch, **json.loads(meta.get(_META_KWARGS, "{}")))
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=True)
    return model.eval()


def _sha256(path: os.PathLike) -> str:
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def export_weights(model: nn.Module, path: os.PathLike) -> Dict[str, Any]:
    """Writes ``model``'s weights as a float16 safetensors file for shipping.

    The architecture and constructor arguments come from the registry
    (:func:`srgan_cpp.models.describe`) and are stored in the file's metadata. Returns
    ``{"architecture", "kwargs", "parameters", "sha256", "bytes"}`` for the model card.
    """
    from safetensors.torch import save as safetensors_bytes

    from .._atomic import atomic_write
    from .description import describe

    desc = describe(model)  # ValueError for a class that is not a registered architecture
    kwargs = dict(desc.kwargs)
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items()
             if v.is_floating_point()}
    meta = {_META_ARCH: desc.name, _META_KWARGS: json.dumps(kwargs, sort_keys=True), _META_FORMAT: "1"}
    with atomic_write(path, suffix=".safetensors") as f:
        f.write(safetensors_bytes(state, metadata=meta))
    return {"architecture": desc.name, "kwargs": kwargs,
            "parameters": int(sum(v.numel() for v in state.values())),
            "sha256": _sha256(path), "bytes": os.path.getsize(path)}


def check_card(card: Mapping[str, Any], name: str) -> None:
    """Checks that a model card has the fields ``srgan-cpp models`` and the docs rely on."""
    need = ("name", "task", "architecture", "scale", "in_channels", "data", "recipe", "training", "evaluation", "licence")
    missing = [k for k in need if k not in card]
    if missing:
        raise ValueError(f"model card {name!r}: missing {', '.join(missing)}")
    if card["name"] != name:
        raise ValueError(f"model card {name!r}: its name field says {card['name']!r}")
