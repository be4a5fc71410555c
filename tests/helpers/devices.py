"""Device parametrisation: the CUDA entry skips cleanly where there is no GPU."""
from __future__ import annotations

import pytest
import torch

__all__ = ["CUDA", "DEVICES"]

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

#: Parametrise a test over these; the CUDA entry is skipped where there is no GPU.
DEVICES = ["cpu", pytest.param("cuda", marks=[CUDA, pytest.mark.cuda])]
