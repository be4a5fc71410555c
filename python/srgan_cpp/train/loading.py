"""Reading a training configuration: a YAML / JSON file (srgan_cpp's format or a BasicSR
option file), a shipped recipe, or a mapping, with ``key.path=value`` overrides.

Files are read with ``yaml.safe_load`` / ``json.load`` (data only, never code); a mapping
key written twice in a YAML file is an error rather than silently the last one.
"""
from __future__ import annotations

import copy
import json
import os
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import basicsr_options
from .config import TrainConfig, parse_config
from .errors import ConfigError

PathLike = Union[str, "os.PathLike[str]"]


def _yaml_loader() -> Any:
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]
        """SafeLoader that refuses a key written twice in one mapping."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def read_file(path: PathLike) -> Any:
    """The data of a ``.yml`` / ``.yaml`` / ``.json`` file (FileNotFoundError, or ConfigError
    saying where the syntax is wrong)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"training configuration {path!r} does not exist")
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    return parse_text(text, path)


def parse_text(text: str, path: str = "<config>") -> Any:
    """Parses configuration text (JSON when ``path`` ends in .json, else YAML)."""
    if path.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError("", f"{path}: not valid JSON: {e}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise ConfigError("", f"{path}: not valid YAML: {str(e).strip()}") from None


_INDEX = re.compile(r"\[(\d+)\]")


def _split_key(key: str) -> List[str]:
    key = _INDEX.sub(r".\1", key.strip())
    parts = [p for p in key.split(".")]
    if not key or any(not p for p in parts):
        raise ConfigError(key, "an override key is a dotted path such as stages.0.iterations or train.total_iter")
    return parts


def apply_override(data: Dict[str, Any], assignment: str) -> None:
    """Applies one ``key.path=value`` in place. ``value`` is read as YAML (``5``, ``1e-4``,
    ``true``, ``[1, 2]``, ``null``); list items are addressed by index (``stages.1`` or
    ``stages[1]``) or, for lists of named mappings such as ``stages``, by name
    (``stages.gan.iterations=100``)."""
    if "=" not in assignment:
        raise ConfigError(assignment, "an override is KEY=VALUE (e.g. stages.0.iterations=100)")
    key, _, text = assignment.partition("=")
    parts = _split_key(key)
    value = parse_text(text, f"--set {key.strip()}") if text.strip() else None
    node: Any = data
    walked: List[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(walked + [part])
        if isinstance(node, list):
            if part.isdigit():
                idx = int(part)
                if idx >= len(node):
                    raise ConfigError(where, f"index {idx} is past the end of a list of {len(node)}")
            else:
                named = [j for j, item in enumerate(node) if isinstance(item, Mapping) and item.get("name") == part]
                if not named:
                    raise ConfigError(where, f"no list item named {part!r}")
                idx = named[0]
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise ConfigError(".".join(walked), f"is {type(node).__name__}, not a mapping or list; cannot set {part!r}")
        walked.append(part)


def load_config(source: Union[PathLike, Mapping[str, Any]], overrides: Sequence[str] = (), *,
                recipe: Optional[str] = None) -> TrainConfig:
    """Reads, overrides and checks a training configuration.

    Args:
        source: a YAML/JSON file (srgan_cpp's format or a BasicSR option file - told apart by
            its ``network_g`` key), a mapping in either format, or ``"recipe:NAME"`` for a
            shipped recipe (see :mod:`srgan_cpp.train.recipes`).
        overrides: ``key.path=value`` assignments applied to the data before it is checked,
            in the source's own key names (``stages.0.iterations=10``, or for a BasicSR file
            ``train.total_iter=10``).
        recipe: the name of a shipped recipe, instead of ``source``.

    Returns:
        The checked :class:`TrainConfig`; ``config.warnings`` holds the lines to show the
        user (BasicSR keys skipped).

    Raises:
        FileNotFoundError for a missing file, ConfigError (a ValueError) naming the key of
        anything unknown, mistyped, missing or impossible.
    """
    text: Optional[str] = None
    origin: Optional[str] = None
    if recipe is not None or (isinstance(source, str) and source.startswith("recipe:")):
        from . import recipes

        name = recipe if recipe is not None else str(source)[len("recipe:"):]
        path = recipes.path(name)
        origin = f"recipe:{name}"
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
        data = parse_text(text, path)
    elif isinstance(source, Mapping):
        data = copy.deepcopy(dict(source))
    else:
        origin = os.fspath(source)
        data = read_file(origin)
        with open(origin, "r", encoding="utf-8") as f:
            text = f.read()
    if not isinstance(data, dict):
        raise ConfigError("", f"{origin or 'the configuration'}: expected a mapping at the top level, got "
                              f"{type(data).__name__}")
    for assignment in overrides:
        apply_override(data, assignment)
    warnings: List[str] = []
    fmt = "srgan_cpp"
    if basicsr_options.is_basicsr(data):
        data, warnings = basicsr_options.translate(data, origin or "")
        fmt = "basicsr"
    config = parse_config(data)
    config.warnings = warnings
    config.source = origin
    config.source_text = text
    config.source_format = fmt
    return config


def dump_yaml(config: TrainConfig) -> str:
    """The resolved configuration as YAML text (what is written into the run folder)."""
    import yaml

    header = "# resolved by srgan_cpp: every setting, defaults filled in\n"
    return header + yaml.safe_dump(config.to_raw(), sort_keys=False, default_flow_style=None, width=100)
