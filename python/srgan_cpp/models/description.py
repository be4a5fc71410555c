"""``describe``: what a model (or a checkpoint, without building it) is and what it accepts.

The upscaler and the trainer read it to pad inputs to a valid size, pick a precision and
report the model; ``srgan_cpp.models.load`` attaches it to the models it builds
(``model.description``).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import torch
from torch import nn

from . import registry
from .checkpoint import StateDict, read_checkpoint, unwrap_state_dict
from .registry import ArchSpec

__all__ = ["CONSTRUCTED", "ModelDescription", "describe", "describe_model", "description_of", "resolve"]

Source = Union[str, "os.PathLike[str]", Mapping[str, Any], nn.Module]

#: ``source_layout`` of a model built in Python rather than loaded from a checkpoint.
CONSTRUCTED = "constructed"


@dataclass(frozen=True)
class ModelDescription:
    """A registered architecture with its constructor arguments and what follows from them.

    name: registry name (``srgan_cpp.models.registry.build(name, **kwargs)`` rebuilds it).
    kwargs: every constructor argument, defaults filled in.
    kind: ``"generator"`` or ``"discriminator"``.
    scale: output H, W = input H, W * scale (1 for discriminators).
    in_channels, out_channels: image channels in and out (1 for a discriminator's scores).
    size_multiple: input H and W must be multiples of it (RRDBNet x2: 2, x1: 4; else 1).
    min_size: the smallest input H and W the model accepts.
    fixed_size: the only H == W accepted (VGG-style discriminators), else None.
    border: pixels the output loses in H and in W (SRCNN with valid padding: the output is
        ``(H - border) * scale``), else 0.
    precisions: the subset of ("fp32", "bf16", "fp16", "fp64") the model runs in.
    num_params: number of parameters (buffers such as batch-norm statistics not counted).
    source_layout: the checkpoint's key layout (``"BasicSR"``, an original-ESRGAN layout
        name) or ``"constructed"`` for a model built in Python.
    """

    name: str
    kwargs: Dict[str, Any]
    kind: str
    scale: int
    in_channels: int
    out_channels: int
    size_multiple: int
    min_size: int
    precisions: Tuple[str, ...]
    num_params: int
    source_layout: str
    fixed_size: Optional[int] = None
    border: int = 0

    def accepts(self, height: int, width: int) -> bool:
        """Whether an input of ``height`` x ``width`` pixels has a size the model takes."""
        if self.fixed_size is not None:
            return height == width == self.fixed_size
        return (min(height, width) >= self.min_size and height % self.size_multiple == 0
                and width % self.size_multiple == 0)

    def to_dict(self) -> Dict[str, Any]:
        """The fields as a plain (JSON-serialisable) dict."""
        return asdict(self)


#: Top-level key of the weights files srgan_cpp's trainer writes: ``{"type": NAME, "kwargs":
#: {constructor arguments}}``, so arguments the weights cannot tell (SCN's ``num_stages``,
#: FSRCNN's ``scale``, DRRN's ``num_units``, ...) travel with them. BasicSR's loaders read
#: only ``params`` / ``params_ema`` and ignore it.
ARCH_KEY = "arch"
_PLAIN = (str, int, float, bool, type(None))


def stored_arch_kwargs(obj: Any, spec: ArchSpec, fn: str) -> Dict[str, Any]:
    """The constructor arguments of a checkpoint's :data:`ARCH_KEY` record when it names
    ``spec``'s architecture (else ``{}``). ValueError for a malformed record or an argument
    the constructor does not take."""
    rec = obj.get(ARCH_KEY) if isinstance(obj, Mapping) else None
    if rec is None:
        return {}
    if not (isinstance(rec, Mapping) and isinstance(rec.get("type"), str) and isinstance(rec.get("kwargs", {}), Mapping)):
        raise ValueError(f"{fn}: the checkpoint's {ARCH_KEY!r} record is not {{'type': NAME, 'kwargs': {{...}}}}")
    if rec["type"] != spec.name:
        return {}
    import inspect

    params = inspect.signature(spec.cls).parameters
    out: Dict[str, Any] = {}
    for k, v in dict(rec.get("kwargs", {})).items():
        if k not in params:
            raise ValueError(f"{fn}: the checkpoint's {ARCH_KEY!r} record has argument {k!r}, which {spec.name} "
                             f"does not take")
        if not (isinstance(v, _PLAIN) or (isinstance(v, (list, tuple)) and all(isinstance(x, _PLAIN) for x in v))):
            raise ValueError(f"{fn}: the checkpoint's {ARCH_KEY!r} record has a non-plain value for {k!r}")
        out[k] = v
    return out


def resolve(source: Union[str, "os.PathLike[str]", Mapping[str, Any]], *,
            map_location: Union[str, torch.device] = "cpu", fn: str = "srgan_cpp.models.load",
            **overrides: Any) -> Tuple[ArchSpec, Dict[str, Any], StateDict, str]:
    """Reads (if a path), unwraps, converts and detects a checkpoint.

    Returns ``(entry, detected kwargs merged with overrides, BasicSR-layout state dict,
    source layout name)``. Raises as ``srgan_cpp.models.load`` does.
    """
    obj = read_checkpoint(source, map_location, fn=fn) if isinstance(source, (str, os.PathLike)) else source
    sd, layout = registry.convert_layout(unwrap_state_dict(obj, fn=fn))
    spec, cfg = registry.find(sd)
    for k, v in stored_arch_kwargs(obj, spec, fn).items():
        cfg.setdefault(k, v)  # what the shapes tell wins; the record fills what they cannot
    cfg.update(overrides)
    if spec.check is not None:
        spec.check(cfg)
    return spec, cfg, sd, layout or registry.BASICSR


def description_of(spec: ArchSpec, kwargs: Dict[str, Any], num_params: int, layout: str) -> ModelDescription:
    full = spec.full_kwargs(kwargs)
    geo = spec.geometry(full)
    return ModelDescription(name=spec.name, kwargs=full, kind=spec.kind, scale=int(geo.scale),
                            in_channels=int(geo.in_channels), out_channels=int(geo.out_channels),
                            size_multiple=int(geo.size_multiple), min_size=int(geo.min_size),
                            precisions=spec.precisions, num_params=int(num_params), source_layout=layout,
                            fixed_size=None if geo.fixed_size is None else int(geo.fixed_size),
                            border=int(geo.border))


def describe_model(model: nn.Module) -> ModelDescription:
    """:func:`describe` for a model object."""
    spec = registry.spec_of(model)
    if spec is None:
        raise ValueError(f"srgan_cpp.models.describe: {type(model).__name__} is not a registered architecture "
                         f"(register it with srgan_cpp.models.registry.register); known: "
                         f"{', '.join(registry.names())}")
    layout = getattr(model, "source_layout", CONSTRUCTED)
    return description_of(spec, registry.kwargs_of(model, spec), sum(p.numel() for p in model.parameters()), layout)


def describe(source: Source, **overrides: Any) -> ModelDescription:
    """Describes a model, a checkpoint file or a state dict (a checkpoint is not built).

    Args:
        source: an ``nn.Module`` of a registered architecture, a ``.pth``/``.pt``/
            ``.safetensors`` file (read with ``weights_only=True``) or an in-memory state
            dict (wrappers and ``module.`` prefixes are removed, as ``load`` does).
        **overrides: for checkpoints, constructor arguments the weights cannot tell (as for
            ``load``); not accepted with a model.

    Returns:
        A :class:`ModelDescription`.

    Raises:
        FileNotFoundError / IsADirectoryError / ValueError as ``srgan_cpp.models.load``; ValueError
        for a model whose class is not registered.
    """
    if isinstance(source, nn.Module):
        if overrides:
            raise TypeError(f"srgan_cpp.models.describe: keyword overrides apply to checkpoints, not to a model "
                            f"(got {sorted(overrides)})")
        return describe_model(source)
    spec, cfg, sd, layout = resolve(source, fn="srgan_cpp.models.describe", **overrides)
    num_params = sum(v.numel() for k, v in sd.items() if not spec.is_buffer(k))
    return description_of(spec, cfg, num_params, layout)
