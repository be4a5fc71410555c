"""What the upscaler needs to know about a model, and the one place a ``model`` argument is resolved.

``resolve_model`` turns whatever the user passed (a module, a checkpoint path, a state dict,
a name) into an ``nn.Module``; ``model_info`` reads the scale, channel counts, input size
rules and precisions from it. Both are the single entry points the rest of the package uses,
so a packaged-model name lookup or a richer model description plugs in here only.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import torch
from torch import nn

__all__ = ["ModelInfo", "ModelSource", "resolve_model", "model_info"]

ModelSource = Union[nn.Module, str, "os.PathLike[str]", Mapping[str, Any]]

_ALL_PRECISIONS = ("fp32", "bf16", "fp16", "fp64")


@dataclass(frozen=True)
class ModelInfo:
    """The properties of an upscaling model that tiling, padding and precision depend on.

    Attributes:
        name: architecture (class) name.
        scale: output H/W = input H/W * scale (1 for restoration models such as SRCNN).
        in_channels, out_channels: image channels the model takes and gives.
        size_multiple: input H and W must be a multiple of this (RRDBNet x2: 2, x1: 4).
        min_size: smallest input H and W the model accepts.
        precisions: compute precisions the model runs in ("fp32", "bf16", "fp16", "fp64").
        num_params: parameter count.
        kwargs: constructor arguments (registered srgan_cpp architectures), else None.
        source_layout: the checkpoint's key layout ("BasicSR", ...), "constructed", or None.
    """

    name: str
    scale: int
    in_channels: int
    out_channels: int
    size_multiple: int = 1
    min_size: int = 1
    precisions: Tuple[str, ...] = _ALL_PRECISIONS
    num_params: int = 0
    kwargs: Optional[Dict[str, Any]] = None
    source_layout: Optional[str] = None


def _load_file(path: str) -> nn.Module:
    from ..models import load

    try:
        return load(path)
    except ValueError as checkpoint_error:
        # Not a checkpoint srgan_cpp can read: it may still be a TorchScript program.
        try:
            with warnings.catch_warnings():  # torch.jit.load is deprecated but still reads TorchScript files
                warnings.simplefilter("ignore", DeprecationWarning)
                return torch.jit.load(path, map_location="cpu").eval()
        except Exception:  # noqa: BLE001 - report the checkpoint error, which says more
            raise ValueError(f"`model`: {path!r} is neither a checkpoint srgan_cpp can read nor a TorchScript file: "
                             f"{checkpoint_error}") from checkpoint_error


def _named_model(name: str) -> nn.Module:
    """A model shipped with the package (``srgan_cpp.models.pretrained``), by name."""
    from ..models import shipped

    if name in shipped.pretrained_names():
        return shipped.pretrained(name)
    names = ", ".join(shipped.pretrained_names()) or "none"
    raise FileNotFoundError(f"`model`: {name!r} is not a file, nor a model shipped with srgan_cpp "
                            f"(shipped: {names}; srgan-cpp models lists them)")


def resolve_model(model: ModelSource) -> nn.Module:
    """The ``nn.Module`` a ``model`` argument stands for, in eval mode.

    Args:
        model: an ``nn.Module`` (used as it is; srgan_cpp never modifies it); a checkpoint
            path (``.pth``/``.pt``/``.safetensors``: the architecture is detected with
            :func:`srgan_cpp.models.load`; a TorchScript file also works); an in-memory state
            dict (detected the same way); or the name of a packaged model.

    Raises:
        FileNotFoundError: a path that does not exist and is no packaged model's name.
        IsADirectoryError: a path that is a folder.
        ValueError: an unreadable or unrecognised checkpoint.
        TypeError: anything else.
    """
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, Mapping):
        from ..models import load

        return load(model)
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if os.path.isdir(path):
            raise IsADirectoryError(f"`model`: {path!r} is a folder, not a checkpoint file")
        if os.path.isfile(path):
            return _load_file(path)
        return _named_model(path)
    raise TypeError(f"`model` must be an nn.Module, a checkpoint path, a state dict or a model name, "
                    f"got {type(model).__name__}")


def _first_conv_in_channels(model: nn.Module) -> Optional[int]:
    for m in model.modules():  # a torch conv knows its channels (grouped weights do not show them)
        if isinstance(m, nn.Conv2d):
            return int(m.in_channels)
    for _, p in model.named_parameters():
        if p.dim() == 4:
            return int(p.shape[1])
    return None


def _probe(model: nn.Module, channels: int) -> Tuple[int, int, int]:
    """(scale, out_channels, size_multiple) of an arbitrary module from tiny forwards."""
    p = next(iter(model.parameters()), None)
    kw = dict(device=p.device, dtype=p.dtype) if p is not None and p.is_floating_point() else {}
    with torch.no_grad():
        out = model(torch.zeros(1, channels, 24, 24, **kw))
        if not (isinstance(out, torch.Tensor) and out.dim() == 4 and out.shape[-1] % 24 == 0):
            raise ValueError(f"`model` ({type(model).__name__}) does not map (N, {channels}, H, W) images to "
                             f"(N, C, H*s, W*s); got {getattr(out, 'shape', type(out).__name__)}")
        multiple = 8
        for m in (1, 2, 4):
            try:
                model(torch.zeros(1, channels, 24 + m, 24 + m, **kw))
            except Exception:  # noqa: BLE001 - a size the model refuses
                continue
            multiple = m
            break
    return out.shape[-1] // 24, int(out.shape[1]), multiple


def _registered(model: nn.Module) -> Optional[ModelInfo]:
    """ModelInfo from :func:`srgan_cpp.models.describe` for a registered architecture, else None."""
    from ..models import describe, registry

    if registry.spec_of(model) is None:
        return None
    d = getattr(model, "description", None) or describe(model)
    if d.kind != "generator":
        raise ValueError(f"`model` is a {d.name}, a {d.kind}: it scores images, it does not upscale them")
    if d.border:
        raise ValueError(f"`model` ({d.name}) loses {d.border} pixels at the border (valid padding); the upscaler "
                         "needs a model whose output covers its input (same padding)")
    return ModelInfo(d.name, d.scale, d.in_channels, d.out_channels, d.size_multiple, d.min_size, tuple(d.precisions),
                     d.num_params, dict(d.kwargs), d.source_layout)


def model_info(model: nn.Module) -> ModelInfo:
    """Scale, channels, size rules and precisions of an (already resolved) model.

    srgan_cpp's registered architectures are described by :func:`srgan_cpp.models.describe`;
    any other module (a TorchScript file, your own ``nn.Module``) is probed with two tiny
    forwards (zeros) after its first convolution gave the input channels.

    Raises:
        ValueError: the model is a discriminator, or does not behave like an image-to-image
            upscaler.
    """
    info = _registered(model)
    if info is not None:
        return info
    name = type(model).__name__
    in_ch = _first_conv_in_channels(model)
    if in_ch is None:
        raise ValueError(f"`model` ({name}) has no convolution weights to tell its input channels from")
    scale, out_ch, multiple = _probe(model, in_ch)
    return ModelInfo(name, scale, in_ch, out_ch, multiple, 1, _ALL_PRECISIONS, sum(p.numel() for p in model.parameters()))
