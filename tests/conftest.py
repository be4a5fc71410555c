"""Shared fixtures: devices (CUDA entries skip cleanly without a GPU) and seeding."""
from __future__ import annotations

import pytest
import torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

#: Parametrise a test over these; the CUDA entry is skipped where there is no GPU.
DEVICES = ["cpu", pytest.param("cuda", marks=[CUDA, pytest.mark.cuda])]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
