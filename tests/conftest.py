"""Shared fixtures: devices (CUDA entries skip cleanly without a GPU) and seeding.

CUDA tests: mark them ``@pytest.mark.cuda`` or parametrise over ``DEVICES``. Every test that
needs a GPU then carries the ``cuda`` marker, so ``pytest -m cuda`` selects them all (the GPU
run of ``benchmarks/gpu/run_all.sh``). The collection hook below makes that hold for any
test parametrised with a ``"cuda..."`` device value too, and skips ``cuda``-marked tests
where no GPU is usable.
"""
from __future__ import annotations

from typing import List

import pytest
import torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

#: Parametrise a test over these; the CUDA entry is skipped where there is no GPU.
DEVICES = ["cpu", pytest.param("cuda", marks=[CUDA, pytest.mark.cuda])]


def _is_cuda_value(value: object) -> bool:
    if isinstance(value, torch.device):
        return value.type == "cuda"
    return isinstance(value, str) and (value == "cuda" or value.startswith("cuda:"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Adds the ``cuda`` marker to tests parametrised with a CUDA device, and a skip to every
    ``cuda`` test when no GPU is usable."""
    usable = torch.cuda.is_available()
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(_is_cuda_value(v) for v in callspec.params.values()):
            if item.get_closest_marker("cuda") is None:
                item.add_marker(pytest.mark.cuda)
        if not usable and item.get_closest_marker("cuda") is not None:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA device"))


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
