"""Transfer learning as PSRGAN uses it: start from a generator pretrained on another domain
(e.g. visible-light images), load what fits, freeze chosen layers, fine-tune the rest.

* :func:`load_partial` loads the tensors of a checkpoint that fit a model, skipping layers
  named by the caller and tensors whose shapes differ (e.g. a 3-channel ``head`` into a
  1-channel infrared model), and reports what happened.
* :func:`freeze` / :func:`unfreeze` set ``requires_grad`` on the model's own parameters -
  for srgan_cpp's C++ models these are exactly the tensors the C++ forward computes with,
  so a frozen layer really receives no gradient and an optimizer leaves it unchanged.

Works for any ``torch.nn.Module``. Files are read with ``torch.load(weights_only=True)``
(or safetensors) through :mod:`.checkpoint`: no code from a file ever runs.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from .checkpoint import read_checkpoint, unwrap_state_dict

Patterns = Union[str, Sequence[str]]
Source = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _as_patterns(patterns: Patterns, arg: str) -> Tuple[str, ...]:
    if isinstance(patterns, str):
        patterns = (patterns,)
    out = tuple(patterns)
    if not all(isinstance(p, str) and p for p in out):
        raise TypeError(f"`{arg}` must be a non-empty string or a sequence of them, got {patterns!r}")
    return out


def matches(name: str, pattern: str) -> bool:
    """True when ``name`` (a dotted parameter / state-dict name) is selected by ``pattern``:
    the same name, a module prefix (``"body.sub"`` selects ``"body.sub.0.res.0.weight"``,
    not ``"body.sub_x.weight"``), or a glob (``"KD.*"``, ``"*.bias"``, ``"tail.[13].*"``)."""
    if name == pattern or fnmatch.fnmatchcase(name, pattern):
        return True
    prefix = pattern.rstrip(".")
    return name.startswith(prefix + ".")


def _select(names: Iterable[str], patterns: Tuple[str, ...]) -> List[str]:
    return [n for n in names if any(matches(n, p) for p in patterns)]


def _shape(t: Tensor) -> Tuple[int, ...]:
    return tuple(int(s) for s in t.shape)


def _short(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... (+{len(items) - limit})" if len(items) > limit else "")


@dataclass
class TransferReport:
    """What :func:`load_partial` did (all lists are state-dict / parameter names).

    loaded: model entries that received a tensor from the source.
    skipped_by_name: source entries left out because a ``skip`` pattern named them.
    skipped_by_shape: source entries left out for a shape mismatch: name -> (source shape,
        model shape).
    missing: model entries the source does not hold (they keep their current values).
    unexpected: source entries with no counterpart in the model.
    frozen: the model's parameters with ``requires_grad=False`` after the call.
    """

    loaded: List[str] = field(default_factory=list)
    skipped_by_name: List[str] = field(default_factory=list)
    skipped_by_shape: Dict[str, Tuple[Tuple[int, ...], Tuple[int, ...]]] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    frozen: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"TransferReport: loaded {len(self.loaded)} tensors"]
        if self.skipped_by_name:
            lines.append(f"  skipped by name ({len(self.skipped_by_name)}): {_short(self.skipped_by_name)}")
        if self.skipped_by_shape:
            shapes = [f"{k} {tuple(s)} -> model {tuple(m)}" for k, (s, m) in self.skipped_by_shape.items()]
            lines.append(f"  skipped by shape ({len(shapes)}): {_short(shapes, 4)}")
        if self.missing:
            lines.append(f"  missing from the source ({len(self.missing)}, kept as initialised): "
                         f"{_short(self.missing)}")
        if self.unexpected:
            lines.append(f"  not in the model ({len(self.unexpected)}, ignored): {_short(self.unexpected)}")
        lines.append(f"  frozen parameters ({len(self.frozen)}): {_short(self.frozen) if self.frozen else 'none'}")
        return "\n".join(lines)


def load_partial(model: nn.Module, source: Source, skip: Patterns = (), strict_shapes: bool = False,
                 freeze: Patterns = (), map_location: Union[str, torch.device] = "cpu") -> TransferReport:
    """Loads into ``model`` every tensor of ``source`` that fits, in place.

    Args:
        model: any ``nn.Module`` (srgan_cpp's C++ models included).
        source: a ``.pth``/``.pt`` (``weights_only=True``) or ``.safetensors`` file, or an
            in-memory state dict; ``params_ema``/``params``/``state_dict``/``model`` wrappers
            and ``module.`` prefixes are removed first.
        skip: names, module prefixes or globs (see :func:`matches`) of entries not to load,
            e.g. ``("head", "tail.5")`` to re-learn the first and last layers.
        strict_shapes: raise ValueError on a shape mismatch instead of skipping the tensor.
        freeze: patterns of parameters to freeze afterwards (as :func:`freeze`).
        map_location: where file tensors are read to (values are then copied into the
            model's own tensors, converting dtype and device).

    Returns:
        A :class:`TransferReport`.

    Raises:
        FileNotFoundError / ValueError for a missing or unreadable file (a pickle that would
        run code is refused); ValueError with ``strict_shapes`` and a mismatch, or when
        nothing at all could be loaded (wrong model or wrong file).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"load_partial: expected `model` to be a torch.nn.Module, got {type(model).__name__}")
    skip_p = _as_patterns(skip, "skip") if skip else ()
    fn = "load_partial"
    obj = read_checkpoint(source, map_location, fn=fn) if isinstance(source, (str, os.PathLike)) else source
    sd = unwrap_state_dict(obj, fn=fn)
    own = model.state_dict()
    report = TransferReport()
    take: Dict[str, Tensor] = {}
    for k, v in sd.items():
        if any(matches(k, p) for p in skip_p):
            report.skipped_by_name.append(k)
        elif k not in own:
            report.unexpected.append(k)
        elif _shape(v) != _shape(own[k]):
            if strict_shapes:
                raise ValueError(f"load_partial: shape mismatch for {k!r}: source {_shape(v)}, model "
                                 f"{_shape(own[k])} (pass strict_shapes=False to skip such tensors)")
            report.skipped_by_shape[k] = (_shape(v), _shape(own[k]))
        else:
            take[k] = v
    if not take:
        raise ValueError(f"load_partial: nothing in the source fits the model ({len(sd)} source tensors: "
                         f"{len(report.skipped_by_name)} skipped by name, {len(report.skipped_by_shape)} by shape, "
                         f"{len(report.unexpected)} unknown to the model, e.g. {list(sd)[:4]!r})")
    # strict=False: the model entries not in `take` keep their values; load_state_dict copies
    # in place into the model's own tensors (converting dtype/device), so parameter
    # identities - and hence optimizers already holding them - are preserved.
    model.load_state_dict(take, strict=False)
    report.loaded = list(take)
    report.missing = [k for k in own if k not in sd]
    if freeze:
        _set_requires_grad(model, freeze, False, "load_partial")
    report.frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    return report


def _set_requires_grad(model: nn.Module, patterns: Patterns, flag: bool, fn: str) -> List[str]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: expected `model` to be a torch.nn.Module, got {type(model).__name__}")
    pats = _as_patterns(patterns, "patterns")
    params = dict(model.named_parameters())
    chosen = _select(params, pats)
    unmatched = [p for p in pats if not any(matches(n, p) for n in params)]
    if unmatched:
        raise ValueError(f"{fn}: `patterns` {unmatched!r} match no parameter of {type(model).__name__} "
                         f"(parameters look like {list(params)[:4]!r})")
    for n in chosen:
        params[n].requires_grad_(flag)
    return chosen


def freeze(model: nn.Module, patterns: Patterns) -> List[str]:
    """Sets ``requires_grad=False`` on the model's parameters selected by ``patterns`` (names,
    module prefixes or globs, see :func:`matches`); returns their names. The parameters
    themselves are changed - not copies - so the (C++) forward still uses them, they get no
    ``.grad`` and an optimizer step leaves them unchanged. Raises ValueError for a pattern
    that selects nothing (a typo would otherwise silently freeze nothing)."""
    return _set_requires_grad(model, patterns, False, "freeze")


def unfreeze(model: nn.Module, patterns: Patterns = "*") -> List[str]:
    """The inverse of :func:`freeze` (default: every parameter); returns the names."""
    return _set_requires_grad(model, patterns, True, "unfreeze")


#: BT.601 luma weights of R, G, B (sum 1), the gray conversion of ``srgan_cpp.data``.
LUMA = (0.299, 0.587, 0.114)


def gray_state_dict(rgb_state: Mapping[str, Tensor], first: str, last: str, scale: int = 1,
                    weights: Sequence[float] = LUMA) -> Dict[str, Tensor]:
    """The state dict of a 1-channel model that computes exactly the luma of the RGB model's
    output on a gray image replicated to RGB: ``luma(f_rgb([g, g, g]))``.

    Args:
        rgb_state: the RGB model's state dict.
        first: the first conv's weight key, ``(F, 3, k, k)``: summed over its input channels.
        last: the last conv's key prefix (``<last>.weight`` ``(3 * s * s, F, k, k)``, and
            ``<last>.bias`` if present), whose outputs are pixel-shuffled by ``scale`` = s
            (1: no shuffle): output channel ``c * s * s + j`` becomes the luma-weighted sum
            over ``c`` (``weights``, which must sum to 1 so that a residual input added after
            the shuffle, as in SRVGGNetCompact, stays the gray input).

    Every other tensor is copied. Raises ValueError naming the key for shapes that do not fit.
    """
    if abs(sum(weights) - 1.0) > 1e-6 or len(weights) != 3:
        raise ValueError(f"gray_state_dict: `weights` must be 3 numbers summing to 1, got {tuple(weights)}")
    out = {k: v.clone() for k, v in rgb_state.items()}
    w0 = rgb_state.get(first)
    if w0 is None or w0.dim() != 4 or w0.shape[1] != 3:
        raise ValueError(f"gray_state_dict: `first` {first!r} must be a conv weight (F, 3, k, k), got "
                         f"{None if w0 is None else tuple(w0.shape)}")
    out[first] = w0.sum(dim=1, keepdim=True)
    s2 = scale * scale
    lw = torch.tensor(weights, dtype=torch.float64)
    for suffix in ("weight", "bias"):
        key = f"{last}.{suffix}"
        if key not in rgb_state:
            if suffix == "weight":
                raise ValueError(f"gray_state_dict: no {key!r} in the state dict")
            continue
        t = rgb_state[key]
        if t.shape[0] != 3 * s2:
            raise ValueError(f"gray_state_dict: {key!r} has {t.shape[0]} outputs, expected 3 * {scale}^2 = {3 * s2}")
        groups = t.reshape(3, s2, *t.shape[1:]).to(torch.float64)
        out[key] = torch.einsum("c,c...->...", lw, groups).to(t.dtype)
    return out


def widen_state_dict(state: Mapping[str, Tensor], convs: Sequence[str], width: int,
                     per_channel: Sequence[Sequence[str]] = (), split_noise: float = 0.0,
                     seed: int = 0) -> Dict[str, Tensor]:
    """Net2WiderNet (Chen et al. 2016) for a plain chain of convolutions: the state dict of the
    same network with every hidden layer ``width`` channels wide, computing exactly the same
    function - a larger model that starts where a trained smaller one ended.

    Args:
        state: the narrow model's state dict.
        convs: the chain's conv key prefixes in order (``<p>.weight`` ``(C_out, C_in, k, k)``,
            optional ``<p>.bias``); conv ``i``'s outputs feed conv ``i + 1`` through nothing
            but per-channel operations. The first conv's inputs and the last conv's outputs
            keep their size; the ``len(convs) - 1`` hidden layers become ``width`` wide.
        width: the new hidden width, at least the current one of every hidden layer.
        per_channel: for each hidden layer, the keys of its per-channel tensors of shape
            ``(C,)`` (e.g. a PReLU's ``weight``), copied with their channel; ``()`` for none.
        split_noise: a new channel copies an existing one (chosen at random); the copies'
            outgoing weights split the original's between them. With 0 they split it evenly,
            and copies then receive identical gradients forever; with ``s > 0`` each copy's
            share is ``1/c + s * (z - mean z)``, ``z ~ N(0, 1)``: still summing to 1 (the
            function is unchanged), but different, so training separates the copies.
        seed: seeds the choice of channels to copy and the split.

    Every other tensor is copied. Raises ValueError naming the key for shapes that do not fit.
    """
    if len(convs) < 2:
        raise ValueError(f"widen_state_dict: `convs` must name at least 2 convs, got {list(convs)}")
    hidden = len(convs) - 1
    acts = list(per_channel) if per_channel else [()] * hidden
    if len(acts) != hidden:
        raise ValueError(f"widen_state_dict: `per_channel` must have one entry per hidden layer ({hidden}), "
                         f"got {len(acts)}")
    if split_noise < 0:
        raise ValueError(f"widen_state_dict: `split_noise` must be >= 0, got {split_noise}")
    out = {k: v.clone() for k, v in state.items()}
    gen = torch.Generator().manual_seed(seed)
    for i in range(hidden):
        w_key, nxt_key = f"{convs[i]}.weight", f"{convs[i + 1]}.weight"
        for key in (w_key, nxt_key):
            if key not in state or state[key].dim() != 4:
                raise ValueError(f"widen_state_dict: {key!r} must be a conv weight (C_out, C_in, k, k) in the "
                                 "state dict")
        old = state[w_key].shape[0]
        if out[nxt_key].shape[1] != old:
            raise ValueError(f"widen_state_dict: {nxt_key!r} takes {out[nxt_key].shape[1]} inputs, but "
                             f"{w_key!r} has {old} outputs")
        if width < old:
            raise ValueError(f"widen_state_dict: `width` {width} is below {w_key!r}'s {old} outputs")
        # g: new channel -> the old channel it copies (identity on the first `old`).
        g = torch.cat([torch.arange(old), torch.randint(0, old, (width - old,), generator=gen)])
        counts = torch.bincount(g, minlength=old).to(torch.float64)
        share = 1.0 / counts[g]
        if split_noise > 0:
            z = torch.randn(width, generator=gen, dtype=torch.float64)
            zsum = torch.zeros(old, dtype=torch.float64).index_add_(0, g, z)
            share = share + split_noise * (z - (zsum / counts)[g])
        out[w_key] = out[w_key][g].clone()
        b_key = f"{convs[i]}.bias"
        if b_key in out:
            out[b_key] = out[b_key][g].clone()
        for key in acts[i]:
            if key not in state or state[key].shape != (old,):
                raise ValueError(f"widen_state_dict: per-channel {key!r} must have shape ({old},), got "
                                 f"{None if key not in state else tuple(state[key].shape)}")
            out[key] = state[key][g].clone()
        nxt = out[nxt_key].to(torch.float64)[:, g] * share.view(1, -1, 1, 1)
        out[nxt_key] = nxt.to(state[nxt_key].dtype)
    return out
