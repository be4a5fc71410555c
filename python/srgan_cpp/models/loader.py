"""Safe checkpoint loading with architecture detection, and ESRGAN network interpolation.

``load(path_or_state_dict)`` reads a BasicSR / Real-ESRGAN style checkpoint, finds out
which of srgan_cpp's generators it holds and with which hyperparameters - from the key
names and tensor shapes alone - builds that model and loads the weights strictly.
Files are read with ``torch.load(weights_only=True)`` (or safetensors), so no code from a
file ever runs: a pickle that would need to call anything is refused with ValueError.
"""
from __future__ import annotations

import copy
import importlib.util
import math
import os
import re
from typing import Any, Dict, Mapping, Tuple, Union

import torch
from torch import Tensor, nn

from . import convert_esrgan
from .detect_discriminators import DISCRIMINATOR_ARCHS, detect_discriminator
from .edsr import EDSR
from .msrresnet import MSRResNet
from .rrdbnet import RRDBNet
from .srvgg import SRVGGNetCompact
from .detect_gan import ARCHS as GAN_ARCHS, detect_gan

StateDict = Dict[str, Tensor]
Source = Union[str, "os.PathLike[str]", Mapping[str, Any]]

#: Wrapper keys unwrapped, in order of preference (params_ema is what BasicSR / Real-ESRGAN
#: inference uses when a file holds both it and params).
_WRAPPERS = ("params_ema", "params", "state_dict", "model")
_ARCHS = {"MSRResNet": MSRResNet, "RRDBNet": RRDBNet, "SRVGGNetCompact": SRVGGNetCompact, "EDSR": EDSR}
_ARCHS.update(GAN_ARCHS)
_ARCHS.update(DISCRIMINATOR_ARCHS)


def _read_file(path: str, map_location: Union[str, torch.device]) -> Any:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"srgan_cpp.models.load: `path` {path!r} does not exist")
    if path.endswith(".safetensors"):
        if importlib.util.find_spec("safetensors") is None:
            raise ValueError(f"srgan_cpp.models.load: {path!r} is a .safetensors file; `pip install safetensors` to read it")
        from safetensors.torch import load_file

        try:
            return load_file(path, device=str(map_location))
        except Exception as e:  # SafetensorError, OSError...
            raise ValueError(f"srgan_cpp.models.load: {path!r} is not a readable safetensors file: {e}") from e
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # UnpicklingError (incl. refused globals), RuntimeError, EOFError...
        raise ValueError(f"srgan_cpp.models.load: refused or could not read {path!r} as a weights-only checkpoint "
                         f"(corrupt, truncated, or a pickle that would run code): {e}") from e


def unwrap_state_dict(obj: Any) -> StateDict:
    """Strips ``params_ema``/``params``/``state_dict``/``model`` wrappers (nested too) and
    ``module.`` prefixes (DataParallel / DDP); returns a plain ``{name: tensor}`` dict.

    Raises ValueError when what is left is not a dict of tensors.
    """
    while isinstance(obj, Mapping):
        inner = next((obj[k] for k in _WRAPPERS if isinstance(obj.get(k), Mapping)), None)
        if inner is None:
            break
        obj = inner
    if not isinstance(obj, Mapping) or not obj:
        raise ValueError(f"srgan_cpp.models.load: expected a (possibly wrapped) state dict, got "
                         f"{type(obj).__name__}{' (empty)' if isinstance(obj, Mapping) else ''}")
    bad = [k for k, v in obj.items() if not (isinstance(k, str) and isinstance(v, Tensor))]
    if bad:
        raise ValueError(f"srgan_cpp.models.load: the state dict has non-tensor entries {bad[:5]!r}; top-level keys: "
                         f"{list(obj)[:8]!r}")
    out: StateDict = dict(obj)
    while all(k.startswith("module.") for k in out):
        out = {k[len("module."):]: v for k, v in out.items()}
    return out


def _indices(sd: StateDict, pattern: str) -> list:
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for k in sd for m in [rx.match(k)] if m})


def _shape(sd: StateDict, key: str) -> Tuple[int, ...]:
    return tuple(sd[key].shape)


def _detect_rrdbnet(sd: StateDict) -> Dict[str, Any]:
    f, in_total = _shape(sd, "conv_first.weight")[:2]
    out_ch = _shape(sd, "conv_last.weight")[0]
    blocks = _indices(sd, r"body\.(\d+)\.rdb1\.conv1\.weight$")
    grow = _shape(sd, "body.0.rdb1.conv1.weight")[0] if blocks else 32
    # conv_first sees num_in_ch * u^2 channels (u = 4 / scale). Assume num_in_ch == num_out_ch
    # (true of every released model) to tell u apart from the channel count.
    for u, scale in ((1, 4), (2, 2), (4, 1)):
        if in_total == out_ch * u * u:
            return dict(num_in_ch=out_ch, num_out_ch=out_ch, scale=scale, num_feat=f, num_block=len(blocks),
                        num_grow_ch=grow)
    raise ValueError(f"srgan_cpp.models.load: RRDBNet layout, but conv_first takes {in_total} channels and conv_last "
                     f"gives {out_ch}: cannot tell the input channels from the pixel-unshuffle factor; pass "
                     f"num_in_ch= and scale= to load()")


def _detect_msrresnet(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = _shape(sd, "conv_first.weight")[:2]
    up1 = _shape(sd, "upconv1.weight")[0]
    if "upconv2.weight" in sd:
        upscale = 4
    elif up1 in (4 * f, 9 * f):
        upscale = 2 if up1 == 4 * f else 3
    else:
        raise ValueError(f"srgan_cpp.models.load: MSRResNet layout, but upconv1 gives {up1} channels for {f} features "
                         f"(expected {4 * f} for x2 or {9 * f} for x3)")
    return dict(num_in_ch=in_ch, num_out_ch=_shape(sd, "conv_last.weight")[0], num_feat=f,
                num_block=len(_indices(sd, r"body\.(\d+)\.conv1\.weight$")), upscale=upscale)


def _detect_edsr(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = _shape(sd, "conv_first.weight")[:2]
    ups = _indices(sd, r"upsample\.(\d+)\.weight$")
    if _shape(sd, "upsample.0.weight")[0] == 9 * f:
        upscale = 3
    else:
        upscale = 2 ** len(ups)
    # res_scale is not stored in the weights. BasicSR's configs use 0.1 for the large
    # (256-feature) model and 1 for the baseline; pass res_scale= to override.
    return dict(num_in_ch=in_ch, num_out_ch=_shape(sd, "conv_last.weight")[0], num_feat=f,
                num_block=len(_indices(sd, r"body\.(\d+)\.conv1\.weight$")), upscale=upscale,
                res_scale=0.1 if f >= 256 else 1.0)


def _detect_srvgg(sd: StateDict) -> Dict[str, Any]:
    convs = [i for i in _indices(sd, r"body\.(\d+)\.weight$") if sd[f"body.{i}.weight"].dim() == 4]
    f, in_ch = _shape(sd, "body.0.weight")[:2]
    last = convs[-1]
    last_out = _shape(sd, f"body.{last}.weight")[0]
    up = math.isqrt(max(last_out // in_ch, 0))
    if last % 2 or up * up * in_ch != last_out:
        raise ValueError(f"srgan_cpp.models.load: SRVGGNetCompact layout, but the last conv body.{last} gives "
                         f"{last_out} channels for {in_ch} input channels (expected C*upscale^2 at an even index)")
    cfg: Dict[str, Any] = dict(num_in_ch=in_ch, num_out_ch=in_ch, num_feat=f, num_conv=(last - 2) // 2, upscale=up)
    if "body.1.weight" in sd:
        cfg["act_type"] = "prelu"
    return cfg


def detect(state_dict: Mapping[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """Returns ``(architecture name, constructor kwargs)`` for an (unwrapped or wrapped) state
    dict, from key names and shapes alone. Raises ValueError, saying what it found, when the
    layout is none of MSRResNet, RRDBNet, SRVGGNetCompact, EDSR or the discriminators of
    detect_discriminators.py (VGGStyleDiscriminator, UNetDiscriminatorSN, VGGDiscriminator96)."""
    sd, _ = convert_esrgan.to_basicsr(unwrap_state_dict(state_dict))
    has = sd.__contains__
    try:
        if has("conv_first.weight") and has("conv_up1.weight") and has("conv_body.weight"):
            return "RRDBNet", _detect_rrdbnet(sd)
        if has("conv_first.weight") and has("upconv1.weight") and has("conv_hr.weight"):
            return "MSRResNet", _detect_msrresnet(sd)
        if has("conv_first.weight") and has("conv_after_body.weight") and has("upsample.0.weight"):
            return "EDSR", _detect_edsr(sd)
        if has("body.0.weight") and all(re.match(r"body\.\d+\.(weight|bias)$", k) for k in sd):
            return "SRVGGNetCompact", _detect_srvgg(sd)
        found = detect_gan(sd)  # PSRGAN and HetSRWGAN generators (detect_gan.py)
        if found is None:
            found = detect_discriminator(sd)  # discriminators (detect_discriminators.py)
        if found is not None:
            return found
    except (KeyError, IndexError) as e:
        raise ValueError(f"srgan_cpp.models.load: the keys look like a known layout but {e} is missing or "
                         f"malformed") from e
    keys = list(sd)
    raise ValueError(f"srgan_cpp.models.load: cannot tell the architecture: found {len(keys)} tensors, e.g. "
                     f"{keys[:6]!r}; known layouts: BasicSR MSRResNet (conv_first, upconv1, conv_hr), RRDBNet "
                     f"(conv_first, body.N.rdb1, conv_body, conv_up1), EDSR (conv_first, conv_after_body, "
                     f"upsample.0), Real-ESRGAN SRVGGNetCompact (body.N only), PSRGAN (head, KD.*, copress), HetSRWGAN "
                     f"(conv_first, body.N.conv1.weight3x3, conv_body, upconv1); discriminators: "
                     f"VGGStyleDiscriminator (conv0_0, bn0_1, linear1), UNetDiscriminatorSN (conv0, conv1.weight_orig, "
                     f"conv9), KAIR/PSRGAN Discriminator_VGG_96 (features.N, classifier.0/2); "
                     f"original ESRGAN x4 (RRDB_trunk.N, trunk_conv / model.0, model.1.sub.N)")


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
            SRVGGNetCompact ``act_type`` when it is "relu" or "leakyrelu".

    Returns:
        The model in eval mode. ``model.detected`` holds ``(name, constructor kwargs)``;
        ``model.source_layout`` says which key layout was read: ``"BasicSR"`` or the
        original ESRGAN layout it was converted from (see ``convert_esrgan``).

    Raises:
        FileNotFoundError for a missing file; ValueError for a corrupt, truncated or
        code-running file, an unknown layout, or weights that do not fit the detected model.
    """
    obj = _read_file(os.fspath(source), map_location) if isinstance(source, (str, os.PathLike)) else source
    sd, layout = convert_esrgan.to_basicsr(unwrap_state_dict(obj))
    name, cfg = detect(sd)
    cfg.update(overrides)
    if name == "SRVGGNetCompact" and "act_type" not in cfg:
        raise ValueError("srgan_cpp.models.load: SRVGGNetCompact layout without PReLU weights: the activation is ReLU "
                         "or LeakyReLU, which the weights cannot tell apart; pass act_type='relu' or 'leakyrelu'")
    try:
        model = _ARCHS[name](**cfg)
        model.load_state_dict(sd, strict=True)
    except (RuntimeError, ValueError, TypeError) as e:
        raise ValueError(f"srgan_cpp.models.load: detected {name}({cfg}) but the weights do not fit it: {e}") from e
    model.detected = (name, dict(cfg))  # type: ignore[assignment]
    # Which key layout the file had: "BasicSR", or the original ESRGAN layout it was converted from.
    model.source_layout = layout or convert_esrgan.BASICSR  # type: ignore[assignment]
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
