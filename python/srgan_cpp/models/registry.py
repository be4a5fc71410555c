"""The architecture registry: one entry per model, written next to the model's Python class.

Each entry (:class:`ArchSpec`) says how to build the architecture, how to recognise its
weights (which keys a state dict must hold, plus an optional predicate on keys and shapes),
how to read its constructor arguments back from a state dict, and what its inputs and
outputs look like (:class:`Geometry`). ``srgan_cpp.models.load`` and
``srgan_cpp.models.describe`` loop over the registry; nothing else lists the architectures.

Registering an architecture of your own (any ``torch.nn.Module``) makes ``load``,
``describe`` and ``build`` handle it like the built-in ones::

    from srgan_cpp.models import registry

    class TinyNet(nn.Module):
        def __init__(self, channels: int = 3, width: int = 8) -> None: ...

    registry.register(
        TinyNet, kind="generator", keys=("tiny_head.weight", "tiny_tail.weight"),
        read_kwargs=lambda sd: dict(channels=registry.shape(sd, "tiny_head.weight")[1],
                                    width=registry.shape(sd, "tiny_head.weight")[0]),
        geometry=lambda kw: registry.Geometry(scale=1, in_channels=kw["channels"],
                                              out_channels=kw["channels"]))

Detection picks the one entry whose keys (and predicate) match; entries with a higher
``priority`` win over lower ones, and two matching entries of equal priority are an error
(the built-in entries are mutually exclusive, which a test checks).
"""
from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

from torch import Tensor, nn

__all__ = ["BASICSR", "PRECISIONS", "ArchSpec", "Geometry", "LayoutConverter", "StateDict", "build", "convert_layout", "find", "get",
           "indices", "kwargs_of", "layout_converters", "match", "names", "register", "register_layout", "requires", "shape",
           "spec_of", "specs", "sr_geometry", "unregister", "upsample_factor"]

StateDict = Dict[str, Tensor]
ModuleT = TypeVar("ModuleT", bound=type)

#: ``source_layout`` of a checkpoint already in BasicSR's key layout (no conversion needed).
BASICSR = "BasicSR"
#: Every precision a model may declare, by the short names used throughout srgan_cpp.
PRECISIONS: Tuple[str, ...] = ("fp32", "bf16", "fp16", "fp64")
_KINDS = ("generator", "discriminator")
#: State-dict entries that are buffers, not parameters, in the built-in layouts (batch norm
#: statistics, spectral-norm power-iteration vectors).
_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked", "weight_u", "weight_v")


@dataclass(frozen=True)
class Geometry:
    """What an architecture's inputs and outputs look like, for given constructor arguments.

    scale: output H, W = input H, W * scale (1 for discriminators and same-size networks).
    in_channels, out_channels: image channels in and out (1 for a discriminator's scores).
    size_multiple: input H and W must be multiples of it (e.g. RRDBNet x2: 2).
    min_size: the smallest input H and W accepted.
    fixed_size: the only input H == W accepted (VGG-style discriminators), else None.
    border: pixels the output loses in H and in W (SRCNN with valid padding), else 0.
    """

    scale: int
    in_channels: int
    out_channels: int
    size_multiple: int = 1
    min_size: int = 1
    fixed_size: Optional[int] = None
    border: int = 0


@dataclass(frozen=True)
class ArchSpec:
    """One registered architecture (see :func:`register` for the meaning of each field)."""

    name: str
    cls: Callable[..., nn.Module]
    kind: str
    keys: Tuple[str, ...]
    read_kwargs: Callable[[StateDict], Dict[str, Any]]
    geometry: Callable[[Dict[str, Any]], Geometry]
    matches: Optional[Callable[[StateDict], bool]] = None
    layout: str = ""
    precisions: Tuple[str, ...] = PRECISIONS
    check: Optional[Callable[[Dict[str, Any]], None]] = None
    is_buffer: Callable[[str], bool] = field(default=lambda key: key.rsplit(".", 1)[-1] in _BUFFER_SUFFIXES)
    priority: int = 0

    def recognises(self, sd: Mapping[str, Any]) -> bool:
        """Whether the (unwrapped, BasicSR-layout) state dict ``sd`` is this architecture's."""
        return all(k in sd for k in self.keys) and (self.matches is None or bool(self.matches(sd)))  # type: ignore[arg-type]

    def full_kwargs(self, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
        """``kwargs`` completed with the constructor's defaults for every argument not given."""
        bound = inspect.signature(self.cls).bind_partial(**kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)


#: ``converter(sd) -> (renamed sd, layout name)`` for a foreign key layout it recognises, else None.
LayoutConverter = Callable[[StateDict], Optional[Tuple[StateDict, str]]]

_SPECS: Dict[str, ArchSpec] = {}
_CONVERTERS: List[LayoutConverter] = []


def _record_init_kwargs(cls: type) -> None:
    """Wraps ``cls.__init__`` so every instance keeps the arguments it was built with (defaults
    filled in) as ``_init_kwargs``: ``describe(model)`` reads them. Only the outermost
    ``__init__`` of a construction records (a subclass calling ``super().__init__`` does not
    overwrite its own arguments with its parent's)."""
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_srgan_cpp_records_kwargs", False):
        return
    sig = inspect.signature(init)
    self_name = next(iter(sig.parameters))

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        outer = "_init_kwargs" not in self.__dict__
        if outer:
            self.__dict__["_init_kwargs"] = None  # claims the recording for this (outermost) call
        init(self, *args, **kwargs)
        if outer:
            bound = sig.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            arguments.pop(self_name)
            for p in sig.parameters.values():
                if p.kind is inspect.Parameter.VAR_KEYWORD:
                    arguments.update(arguments.pop(p.name, {}))
            self.__dict__["_init_kwargs"] = arguments

    __init__._srgan_cpp_records_kwargs = True  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


def register(cls: Optional[ModuleT] = None, *, kind: str, keys: Sequence[str],
             read_kwargs: Callable[[StateDict], Dict[str, Any]], geometry: Callable[[Dict[str, Any]], Geometry],
             name: Optional[str] = None, matches: Optional[Callable[[StateDict], bool]] = None,
             layout: Optional[str] = None, precisions: Sequence[str] = PRECISIONS,
             check: Optional[Callable[[Dict[str, Any]], None]] = None,
             is_buffer: Optional[Callable[[str], bool]] = None, priority: int = 0,
             replace: bool = False) -> Any:
    """Registers an architecture; returns ``cls`` (or, without ``cls``, a class decorator).

    Args:
        cls: the model class (any ``torch.nn.Module`` subclass) or factory; built as
            ``cls(**kwargs)``.
        kind: ``"generator"`` or ``"discriminator"``.
        keys: state-dict keys every checkpoint of this architecture holds (in the BasicSR
            layout, after wrappers, ``module.`` prefixes and layout conversion are removed).
        read_kwargs: ``read_kwargs(state_dict) -> constructor kwargs`` from keys and shapes
            alone. It may raise ValueError (a recognised but inconsistent layout: say what
            does not fit) or KeyError / IndexError (malformed: the loader words them).
        geometry: ``geometry(full kwargs) -> Geometry`` (kwargs with every default filled in).
        name: registry name (default: ``cls.__name__``).
        matches: optional extra test on the state dict, beyond ``keys``.
        layout: a short description of the keys for the loader's "cannot tell" message
            (default: the ``keys`` without ``.weight`` / ``.bias``).
        precisions: which of ``PRECISIONS`` the model runs in.
        check: optional ``check(kwargs)`` run on the detected kwargs merged with the user's
            overrides before building; raises ValueError for what the weights cannot tell
            and the user did not say (e.g. an activation without parameters).
        is_buffer: ``is_buffer(key)``: whether a state-dict entry is a buffer (not counted
            as a parameter); default: batch-norm statistics and spectral-norm vectors.
        priority: among several matching entries the highest priority wins.
        replace: allow replacing an existing entry of the same name.

    Raises:
        ValueError: a bad ``kind`` / ``precisions`` / empty ``keys``, or a name already
        registered (without ``replace=True``).
    """
    if cls is None:
        return lambda c: register(c, kind=kind, keys=keys, read_kwargs=read_kwargs, geometry=geometry, name=name,
                                  matches=matches, layout=layout, precisions=precisions, check=check,
                                  is_buffer=is_buffer, priority=priority, replace=replace)
    arch = name or getattr(cls, "__name__", None)
    if not isinstance(arch, str) or not arch:
        raise ValueError(f"registry.register: `name` must be a non-empty string, got {arch!r}")
    if kind not in _KINDS:
        raise ValueError(f"registry.register: `kind` must be one of {_KINDS}, got {kind!r}")
    keys = tuple(keys)
    if not keys or not all(isinstance(k, str) and k for k in keys):
        raise ValueError(f"registry.register: `keys` must be a non-empty sequence of key names, got {keys!r}")
    bad = [p for p in precisions if p not in PRECISIONS]
    if bad or not precisions:
        raise ValueError(f"registry.register: `precisions` must be a non-empty subset of {PRECISIONS}, got "
                         f"{tuple(precisions)!r}")
    if arch in _SPECS and not replace:
        raise ValueError(f"registry.register: {arch!r} is already registered (pass replace=True to replace it)")
    if layout is None:
        layout = ", ".join(re.sub(r"\.(weight|bias)$", "", k) for k in keys)
    extra = {} if is_buffer is None else {"is_buffer": is_buffer}
    _SPECS[arch] = ArchSpec(name=arch, cls=cls, kind=kind, keys=keys, read_kwargs=read_kwargs, geometry=geometry,
                            matches=matches, layout=layout, precisions=tuple(precisions), check=check,
                            priority=int(priority), **extra)
    if isinstance(cls, type):
        _record_init_kwargs(cls)
    return cls


def sr_geometry(scale: str = "upscale", in_channels: str = "num_in_ch", out_channels: str = "num_out_ch",
                **fixed: Any) -> Callable[[Dict[str, Any]], Geometry]:
    """A ``geometry`` for :func:`register` when the scale and the channels are constructor
    arguments (named here, BasicSR's names by default) and the other :class:`Geometry`
    fields are the same for every configuration (``fixed``, e.g. ``min_size=13``)."""
    return lambda kw: Geometry(scale=kw[scale], in_channels=kw[in_channels], out_channels=kw[out_channels], **fixed)


def requires(**why: str) -> Callable[[Dict[str, Any]], None]:
    """A ``check`` for constructor arguments the weights cannot tell (see ``register``):
    ``requires(act_type="... pass act_type='relu' or 'leakyrelu'")`` raises ValueError with
    the reason of each argument that neither ``read_kwargs`` nor the user supplied."""
    def check(kwargs: Dict[str, Any]) -> None:
        missing = [why[k] for k in why if k not in kwargs]
        if missing:
            raise ValueError("srgan_cpp.models.load: " + "; ".join(missing))
    return check


def unregister(name: str) -> ArchSpec:
    """Removes the entry registered as ``name`` and returns it (ValueError if there is none)."""
    spec = get(name)
    del _SPECS[name]
    return spec


def register_layout(converter: LayoutConverter) -> LayoutConverter:
    """Registers a converter from a foreign key layout to a registered one (e.g. the original
    ESRGAN code's names to BasicSR's RRDBNet); the loader applies the first that recognises
    a state dict. Returns ``converter``."""
    if converter not in _CONVERTERS:
        _CONVERTERS.append(converter)
    return converter


def layout_converters() -> List[LayoutConverter]:
    """The registered layout converters, in registration order."""
    return list(_CONVERTERS)


def convert_layout(sd: StateDict) -> Tuple[StateDict, Optional[str]]:
    """``(state dict in a registered layout, foreign layout name)`` - the name None when no
    converter recognised ``sd`` (it is returned unchanged)."""
    for converter in _CONVERTERS:
        converted = converter(sd)
        if converted is not None:
            return converted
    return sd, None


def get(name: str) -> ArchSpec:
    """The entry registered as ``name``; ValueError listing the known names otherwise."""
    spec = _SPECS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"srgan_cpp.models.registry: unknown architecture {name!r}; known: {', '.join(names())}")
    return spec


def names() -> List[str]:
    """The registered architecture names, sorted."""
    return sorted(_SPECS)


def specs() -> List[ArchSpec]:
    """Every registered entry, sorted by name."""
    return [_SPECS[n] for n in names()]


def build(name: str, **kwargs: Any) -> nn.Module:
    """Constructs the architecture registered as ``name`` with ``kwargs`` (its constructor's
    own defaults for the rest), e.g. ``build("RRDBNet", num_block=6)``."""
    return get(name).cls(**kwargs)


def spec_of(model: nn.Module) -> Optional[ArchSpec]:
    """The entry of ``model``'s class (or of its nearest registered base class), else None."""
    for klass in type(model).__mro__:
        for spec in _SPECS.values():
            if spec.cls is klass:
                return spec
    return None


def kwargs_of(model: nn.Module, spec: ArchSpec) -> Dict[str, Any]:
    """The constructor arguments ``model`` was built with (every default filled in): recorded
    at construction for a registered class, else read back from its state dict."""
    recorded = model.__dict__.get("_init_kwargs")
    if type(model) is spec.cls and isinstance(recorded, dict):
        return dict(recorded)
    return spec.full_kwargs(spec.read_kwargs(dict(model.state_dict())))


def match(sd: Mapping[str, Any]) -> Optional[ArchSpec]:
    """The entry that recognises the state dict ``sd`` (BasicSR layout), None if none does.

    Raises ValueError when two entries of the same (highest) priority both recognise it."""
    found = [s for s in _SPECS.values() if s.recognises(sd)]
    if not found:
        return None
    found.sort(key=lambda s: -s.priority)
    if len(found) > 1 and found[0].priority == found[1].priority:
        tied = [s.name for s in found if s.priority == found[0].priority]
        raise ValueError(f"srgan_cpp.models.load: the state dict fits several registered architectures {tied}; "
                         f"give one of them a higher `priority` or narrow its `matches`")
    return found[0]


def find(sd: Mapping[str, Any]) -> Tuple[ArchSpec, Dict[str, Any]]:
    """``(entry, detected kwargs)`` for a state dict in a registered layout. Raises ValueError
    saying what was found and which layouts are known when no entry recognises it, or when
    the keys look like an entry's but its shapes do not fit."""
    spec = match(sd)
    if spec is None:
        keys = list(sd)
        known = "; ".join(f"{s.name} ({s.layout})" for s in specs())
        foreign = "; ".join(getattr(c, "description", "") for c in _CONVERTERS if getattr(c, "description", ""))
        raise ValueError(f"srgan_cpp.models.load: cannot tell the architecture: found {len(keys)} tensors, e.g. "
                         f"{keys[:6]!r}; known layouts: {known}" + (f"; converted layouts: {foreign}" if foreign else ""))
    try:
        return spec, spec.read_kwargs(dict(sd))
    except (KeyError, IndexError) as e:
        raise ValueError(f"srgan_cpp.models.load: the keys look like {spec.name}'s layout but {e} is missing or "
                         f"malformed") from e


# ---------------------------------------------------------------------------------------
# helpers for read_kwargs functions
# ---------------------------------------------------------------------------------------
def indices(sd: Mapping[str, Any], pattern: str) -> List[int]:
    """Sorted distinct integers captured by group 1 of the regex ``pattern`` over the keys,
    e.g. ``indices(sd, r"body\\.(\\d+)\\.conv1\\.weight$")`` -> the residual block indices."""
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for k in sd for m in [rx.match(k)] if m})


def shape(sd: Mapping[str, Any], key: str) -> Tuple[int, ...]:
    """``sd[key]``'s shape as a tuple of ints (KeyError when the key is missing)."""
    return tuple(int(s) for s in sd[key].shape)


def upsample_factor(sd: Mapping[str, Any], num_feat: int, prefix: str = "upsample") -> int:
    """The factor of BasicSR's ``Upsample`` block (EDSR, RCAN) under ``prefix``: one conv to
    9 x ``num_feat`` channels is x3, else one conv per x2 (``prefix.0``, ``prefix.2``, ...)."""
    if shape(sd, f"{prefix}.0.weight")[0] == 9 * num_feat:
        return 3
    return 2 ** len(indices(sd, rf"{re.escape(prefix)}\.(\d+)\.weight$"))
