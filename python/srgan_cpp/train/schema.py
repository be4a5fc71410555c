"""Typed configuration records: plain data read from YAML/JSON, checked against dataclass
annotations before anything runs.

``parse(cls, data, key)`` builds the dataclass ``cls`` from a mapping. Every field's type
annotation is enforced: ``str``, ``int``, ``float``, ``bool``, ``Any``, ``Optional[T]``,
``Union[...]``, ``List[T]``, ``Dict[str, T]``, ``Literal[...]`` and nested dataclasses. An
unknown key, a missing required key or a value of the wrong type raises
:class:`~srgan_cpp.train.errors.ConfigError` naming the dotted key. Nothing is ever
evaluated: values are data.

Two leniencies, both for YAML: a float field accepts an int, and a string that is a
number (PyYAML reads ``1e-4`` as a string, YAML 1.1 only knows ``1.0e-4``); a ``Literal``
field that allows ``"off"``/``"on"`` accepts ``false``/``true`` (YAML 1.1 reads an unquoted
``off`` as a boolean).

A number field's limits are part of its annotation: ``Annotated[int, Range(1)]`` (the
aliases ``PositiveInt``, ``NonNegativeInt``, ``PositiveFloat``, ``NonNegativeFloat`` and
``UnitFloat`` name the common ones), checked as the field is parsed. A dataclass may define
``check(self, key)`` for rules between fields (called after its fields are parsed) and
``from_raw(cls, data, key)`` (classmethod) to parse itself.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import typing
from typing import Annotated, Any, Dict, List, Mapping, Optional, Type, TypeVar, Union

from .errors import ConfigError

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Range:
    """The limits of a number field, put in its annotation: ``Annotated[float, Range(0, 1)]``.

    ``low`` is inclusive unless ``open_low`` (then the value must be above it); ``high``,
    when given, is inclusive."""

    low: float
    high: Optional[float] = None
    open_low: bool = False

    def describe(self) -> str:
        """``>= 1``, ``> 0`` or ``in [0, 1]``: what follows a type name in messages and docs."""
        if self.high is not None:
            return f"in {'(' if self.open_low else '['}{self.low:g}, {self.high:g}]"
        return f"{'>' if self.open_low else '>='} {self.low:g}"

    def check(self, value: float, key: str) -> None:
        above = value > self.low if self.open_low else value >= self.low
        if not (above and (self.high is None or value <= self.high)):
            what = f"a value {self.describe()}" if self.high is not None else self.describe()
            raise ConfigError(key, f"expected {what}, got {value!r}")


PositiveInt = Annotated[int, Range(1)]
NonNegativeInt = Annotated[int, Range(0)]
PositiveFloat = Annotated[float, Range(0, open_low=True)]
NonNegativeFloat = Annotated[float, Range(0)]
UnitFloat = Annotated[float, Range(0, 1)]  # [0, 1]

if sys.version_info >= (3, 10):
    from types import UnionType as _UnionType  # `int | None` annotations
else:  # pragma: no cover - Python 3.9
    _UnionType = None


def _kind(value: Any) -> str:
    """How a value is described in messages: its YAML type name and a short repr."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "a mapping", type(None): "null"}
    name = next((n for t, n in names.items() if type(value) is t), type(value).__name__)
    if isinstance(value, (dict, list)) or value is None:
        return name
    text = repr(value)
    return f"{name} {text[:60] + '...' if len(text) > 60 else text}"


def describe_type(tp: Any) -> str:
    """A readable name for a type annotation (used in messages and the docs)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        return " ".join([describe_type(args[0])] + [m.describe() for m in tp.__metadata__ if isinstance(m, Range)])
    if tp is Any:
        return "any value"
    if tp in (str, int, float, bool):
        return {str: "a string", int: "an integer", float: "a number", bool: "true/false"}[tp]
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is Union or (_UnionType is not None and isinstance(tp, _UnionType)):
        parts = [describe_type(a) for a in args if a is not type(None)]
        return " or ".join(parts) + (" or null" if type(None) in args else "")
    if origin in (list, List):
        return f"a list of {describe_type(args[0])}" if args else "a list"
    if origin in (dict, Dict):
        return f"a mapping to {describe_type(args[1])}" if args else "a mapping"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return getattr(tp, "__name__", str(tp))


def _float(value: Any, key: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(key, f"expected a number, got {_kind(value)}")
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            raise ConfigError(key, f"expected a number, got {_kind(value)}") from None
    else:
        raise ConfigError(key, f"expected a number, got {_kind(value)}")
    if not math.isfinite(out):
        raise ConfigError(key, f"expected a finite number, got {value!r}")
    return out


def parse_value(tp: Any, value: Any, key: str) -> Any:
    """Checks (and for floats converts) ``value`` against the annotation ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin is Annotated:
        out = parse_value(args[0], value, key)
        for limit in tp.__metadata__:
            if isinstance(limit, Range):
                limit.check(out, key)
        return out
    if origin is Union or (_UnionType is not None and isinstance(tp, _UnionType)):
        if value is None:
            if type(None) in args:
                return None
            raise ConfigError(key, f"expected {describe_type(tp)}, got null")
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return parse_value(a, value, key)
            except ConfigError as e:
                errors.append(e)
        if len(errors) == 1:
            raise errors[0]
        raise ConfigError(key, f"expected {describe_type(tp)}, got {_kind(value)}")
    if value is None:
        raise ConfigError(key, f"expected {describe_type(tp)}, got null")
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(key, f"expected an integer, got {_kind(value)}")
        return value
    if tp is float:
        return _float(value, key)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {_kind(value)}")
        return value
    if origin is typing.Literal:
        if isinstance(value, bool):  # YAML 1.1: unquoted off/on/no/yes are booleans
            alias = "on" if value else "off"
            if alias in args:
                return alias
        if value not in args or isinstance(value, bool):
            raise ConfigError(key, f"expected {describe_type(tp)}, got {_kind(value)}")
        return value
    if origin in (list, List):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected {describe_type(tp)}, got {_kind(value)}")
        (item,) = args or (Any,)
        return [parse_value(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Dict):
        if not isinstance(value, Mapping):
            raise ConfigError(key, f"expected {describe_type(tp)}, got {_kind(value)}")
        kt, vt = args or (str, Any)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{key}.{k}", f"keys must be strings, got {_kind(k)}")
            out[k] = parse_value(vt, v, f"{key}.{k}")
        return out
    if dataclasses.is_dataclass(tp):
        return parse(tp, value, key)
    raise TypeError(f"schema: unsupported annotation {tp!r} for {key}")  # a bug in the schema, not in the config


def parse(cls: Type[T], data: Any, key: str = "") -> T:
    """Builds dataclass ``cls`` from the mapping ``data``; ``key`` is its dotted path."""
    custom = getattr(cls, "from_raw", None)
    if custom is not None:
        obj = custom(data, key)
    else:
        if not isinstance(data, Mapping):
            raise ConfigError(key, f"expected a mapping, got {_kind(data)}")
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        unknown = [k for k in data if k not in fields]
        if unknown:
            k = unknown[0]
            where = f"{key}.{k}" if key else str(k)
            raise ConfigError(where, f"unknown key (expected one of: {', '.join(sorted(fields))})")
        kwargs = {}
        for name, f in fields.items():
            sub = f"{key}.{name}" if key else name
            if name in data:
                kwargs[name] = parse_value(hints[name], data[name], sub)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
                raise ConfigError(sub, "missing required key")
        obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if check is not None:
        check(key)
    return obj


def to_data(obj: Any) -> Any:
    """A dataclass tree as plain dicts/lists (what YAML and JSON can hold)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        to_raw = getattr(obj, "to_raw", None)
        if to_raw is not None:
            return to_data(to_raw())
        return {f.name: to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_data(v) for v in obj]
    return obj
