"""Imports the benchmark scripts of ``benchmarks/`` (a folder, not a package) for the tests."""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from .paths import BENCH_DIR


def load_benchmark(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (cached in ``sys.modules``; the folder goes on
    ``sys.path`` so the scripts' own ``import harness`` works)."""
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
