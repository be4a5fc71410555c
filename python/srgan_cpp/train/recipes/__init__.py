"""Training recipes shipped with srgan_cpp: one readable YAML file per recipe in this folder
(``srgan-cpp train --recipe NAME``). Adding a recipe is adding a file ``NAME.yml`` here.

Each full recipe has a ``NAME_tiny`` variant that trains for about a minute on the CPU on
the bundled photographs, so the whole run (stages, validation, checkpoints, logs) can be
seen end to end.
"""
from __future__ import annotations

import os
from typing import List

_HERE = os.path.dirname(os.path.abspath(__file__))


def names() -> List[str]:
    """The recipes' names, sorted (``esrgan``, ``esrgan_tiny``, ...)."""
    return sorted(n[:-4] for n in os.listdir(_HERE) if n.endswith(".yml") and not n.startswith("."))


def path(name: str) -> str:
    """The YAML file of recipe ``name`` (ValueError listing the recipes when there is none)."""
    if not isinstance(name, str) or name not in names():
        raise ValueError(f"no recipe {name!r}; recipes: {', '.join(names())}")
    return os.path.join(_HERE, name + ".yml")


def summary(name: str) -> str:
    """The recipe's one-line ``description``."""
    import yaml

    with open(path(name), "r", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return str((data or {}).get("description", "")).strip().splitlines()[0] if data and data.get("description") else ""
