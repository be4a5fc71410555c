"""Building the generator and discriminator a configuration names, and checking their
constructor arguments before anything is built.

Architectures are looked up by their name in ``srgan_cpp.models.registry`` ("RRDBNet",
"VGGStyleDiscriminator", ...), so an architecture registered there - built in or your own -
can be trained.
"""
from __future__ import annotations

import inspect
from typing import Any, List, Mapping, Tuple

import torch
from torch import nn

from ..models import registry
from .errors import ConfigError


def names() -> List[str]:
    """Architecture names a configuration may use."""
    return registry.names()


def check_kwargs(name: str, kwargs: Mapping[str, Any], key: str) -> None:
    """Raises ConfigError when ``name`` is no registered architecture or ``kwargs`` holds an
    argument its constructor does not take (or lacks a required one)."""
    if name not in registry.names():
        raise ConfigError(f"{key}.type", f"unknown architecture {name!r} (known: {', '.join(names())})")
    try:
        sig = inspect.signature(registry.get(name).cls)
    except (TypeError, ValueError):  # pragma: no cover - C callables without a signature
        return
    params = {p.name: p for p in sig.parameters.values() if p.name != "self"}
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    for k in kwargs:
        if k not in params:
            raise ConfigError(f"{key}.{k}", f"{name} takes no argument {k!r} (it takes: {', '.join(params)})")
    missing = [p.name for p in params.values() if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               and p.name not in kwargs]
    if missing:
        raise ConfigError(f"{key}.{missing[0]}", f"{name} needs the argument {missing[0]!r}")


def build(name: str, kwargs: Mapping[str, Any], key: str) -> nn.Module:
    """Constructs the architecture (on CPU, float32); a constructor's ValueError/TypeError
    becomes a ConfigError naming ``key``."""
    check_kwargs(name, kwargs, key)
    try:
        return registry.build(name, **dict(kwargs))
    except (ValueError, TypeError, RuntimeError) as e:
        raise ConfigError(key, f"cannot build {name}({dict(kwargs)}): {e}") from e


def geometry(name: str, kwargs: Mapping[str, Any]) -> registry.Geometry:
    """What the architecture takes and gives (scale, channels, sizes) for these arguments."""
    spec = registry.get(name)
    return spec.geometry(spec.full_kwargs(kwargs))


def model_class(name: str) -> type:
    """The class registered as ``name``."""
    return registry.get(name).cls


def is_discriminator(name: str) -> bool:
    """Whether ``name`` is a discriminator / critic (not a generator)."""
    return name in registry.names() and registry.get(name).kind == "discriminator"


def probe_generator(model: nn.Module, scale: int, in_channels: int, input_mode: str, key: str,
                    size: int = 16) -> Tuple[int, int]:
    """Runs the generator once on a small zero input to check what it does against the
    configuration: the upscaling factor (``scale``; 1 when it is fed the bicubic-upscaled
    image) and the channel count. Returns ``(model input channels, output channels)``.

    Raises ConfigError naming ``key`` when the model refuses the input or produces another size.
    """
    want = 1 if input_mode == "bicubic" else scale
    x = torch.zeros(1, in_channels, size, size)  # size: a multiple of the model's size_multiple
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    except (RuntimeError, ValueError) as e:
        raise ConfigError(key, f"{type(model).__name__} refuses a {in_channels}-channel {size}x{size} input: "
                               f"{str(e).splitlines()[0]}") from e
    finally:
        model.train(was)
    got = (int(out.shape[-2]), int(out.shape[-1]))
    if got != (size * want, size * want):
        what = "keep the size of its (bicubic-upscaled) input" if want == 1 else f"upscale by `scale`={scale}"
        raise ConfigError(key, f"{type(model).__name__} turns a {size}x{size} input into {got[0]}x{got[1]}, but it must "
                               f"{what} ({size * want}x{size * want}); set the model's scale argument to match `scale`")
    return in_channels, int(out.shape[1])


def probe_discriminator(model: nn.Module, patch_size: int, channels: int, key: str) -> None:
    """Runs the discriminator once (eval mode) on a ``patch_size`` zero input; ConfigError
    naming ``key`` if it refuses it (e.g. VGGStyleDiscriminator's fixed ``input_size``)."""
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, channels, patch_size, patch_size))
    except (RuntimeError, ValueError) as e:
        raise ConfigError(key, f"{type(model).__name__} refuses the {channels}-channel {patch_size}x{patch_size} HR "
                               f"patches of `data.patch_size`: {str(e).splitlines()[0]}") from e
    finally:
        model.train(was)
