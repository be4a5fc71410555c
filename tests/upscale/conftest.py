"""Fixtures for the upscaler tests."""
from __future__ import annotations

import pytest
from torch import nn

import srgan_cpp
from upscale_helpers import tiny_srvgg


@pytest.fixture
def srvgg() -> nn.Module:
    return tiny_srvgg()


@pytest.fixture
def checkpoint(tmp_path, srvgg) -> str:
    path = tmp_path / "tiny_x2.pth"
    srgan_cpp.models.save(srvgg, path)
    return str(path)
