"""Shared fixtures (seeding). Helpers and references live in the ``helpers`` package
(``from helpers import DEVICES``); this file's folder is on ``sys.path`` for that."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
