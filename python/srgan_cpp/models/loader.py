"""Safe checkpoint loading with architecture detection, and ESRGAN network interpolation.

``load(path_or_state_dict)`` reads a BasicSR / Real-ESRGAN style checkpoint, finds out
which registered architecture it holds and with which hyperparameters - from the key names
and tensor shapes alone (each architecture's rule lives next to its class, see
:mod:`.registry`) - builds that model and loads the weights strictly. Files are read with
``torch.load(weights_only=True)`` (or safetensors), so no code from a file ever runs: a
pickle that would need to call anything is refused with ValueError.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Dict, Mapping, Tuple, Union

import torch
from torch import nn

from . import registry
from .checkpoint import unwrap_state_dict
from .description import description_of, resolve

__all__ = ["detect", "interpolate", "load"]

Source = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def detect(state_dict: Mapping[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """Returns ``(architecture name, constructor kwargs)`` for an (unwrapped or wrapped) state
    dict, from key names and shapes alone. Raises ValueError, saying what it found and which
    layouts are known, when no registered architecture recognises it."""
    sd, _ = registry.convert_layout(unwrap_state_dict(state_dict))
    spec, cfg = registry.find(sd)
    return spec.name, cfg


def load(source: Source, *, map_location: Union[str, torch.device] = "cpu", **overrides: Any) -> nn.Module:
    """Builds the srgan_cpp model a checkpoint holds and loads its weights strictly.

    Args:
        source: a ``.pth``/``.pt`` file (read with ``weights_only=True``), a
            ``.safetensors`` file (needs the ``safetensors`` package), or an in-memory
            state dict; wrappers (``params_ema``, ``params``, ``state_dict``, ``model``) and
            ``module.`` prefixes are removed first.
        map_location: where tensors are read to (the model is built on CPU in float32 and
            the weights copied in; move it afterwards).
        **overrides: constructor arguments that replace detected ones - for what the
            weights cannot tell: EDSR ``res_scale`` / ``img_range`` / ``rgb_mean``,
            SRVGGNetCompact ``act_type`` when it is "relu" or "leakyrelu", SRCNN ``padding``
            ("same" assumed), and the others listed in docs/models.md.

    Returns:
        The model in eval mode. ``model.description`` is its
        :class:`~srgan_cpp.models.ModelDescription`; ``model.detected`` holds ``(name,
        constructor kwargs)`` as detected (with the overrides); ``model.source_layout`` says
        which key layout was read: ``"BasicSR"`` or the original ESRGAN layout it was
        converted from (see ``convert_esrgan``).

    Raises:
        FileNotFoundError for a missing file, IsADirectoryError for a folder; ValueError for
        a corrupt, truncated or code-running file, a wrapper that refers to itself, an
        unknown layout, or weights that do not fit the detected model.
    """
    spec, cfg, sd, layout = resolve(source, map_location=map_location, **overrides)
    try:
        model = spec.cls(**cfg)
        model.load_state_dict(sd, strict=True)
    except (RuntimeError, ValueError, TypeError) as e:
        raise ValueError(f"srgan_cpp.models.load: detected {spec.name}({cfg}) but the weights do not fit it: {e}") from e
    model.detected = (spec.name, dict(cfg))  # type: ignore[assignment]
    model.source_layout = layout  # type: ignore[assignment]
    model.description = description_of(spec, cfg, sum(p.numel() for p in model.parameters()), layout)  # type: ignore[assignment]
    return model.eval()


def interpolate(model_a: nn.Module, model_b: nn.Module, alpha: float) -> nn.Module:
    """ESRGAN network interpolation: a new model with weights ``(1 - alpha) * a + alpha * b``.

    ``model_a`` and ``model_b`` must be the same class with the same state-dict keys and
    shapes (e.g. a PSNR-oriented and a GAN-trained RRDBNet); alpha in [0, 1] (0 gives a,
    1 gives b). Floating-point tensors are interpolated; other buffers are taken from a.
    Neither input is modified. Raises ValueError for incompatible models or a bad alpha.
    """
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"interpolate: expected `alpha` in [0, 1], got {alpha}")
    if type(model_a) is not type(model_b):
        raise ValueError(f"interpolate: models must be of the same class, got {type(model_a).__name__} and "
                         f"{type(model_b).__name__}")
    sa, sb = model_a.state_dict(), model_b.state_dict()
    if list(sa) != list(sb):
        diff = sorted(set(sa) ^ set(sb))
        raise ValueError(f"interpolate: the models have different state-dict keys, e.g. {diff[:5]!r}")
    for k in sa:
        if sa[k].shape != sb[k].shape:
            raise ValueError(f"interpolate: shape mismatch for {k!r}: {tuple(sa[k].shape)} vs {tuple(sb[k].shape)}")
    out = copy.deepcopy(model_a)
    mixed = {k: (torch.lerp(v, sb[k].to(v), alpha) if v.is_floating_point() else v.clone()) for k, v in sa.items()}
    out.load_state_dict(mixed, strict=True)
    return out
