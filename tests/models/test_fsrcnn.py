"""FSRCNN: the C++ model against the plain-PyTorch reference, the paper's parameter formula,
the module behaviour and the registry (the scale is not in the weights)."""
from __future__ import annotations

import pytest
import torch

from helpers import family_a_checks as checks
from helpers.family_a_reference import FSRCNNRef
from srgan_cpp import models
from srgan_cpp.models import FSRCNN

TINY = dict(in_channels=1, d=8, s=4, m=2, scale=3)


def fsrcnn_weights(c: int, d: int, s: int, m: int) -> int:
    """The paper's formula (weights only): 25cd + sd + 9ms^2 + ds + 81dc."""
    return 25 * c * d + s * d + 9 * m * s * s + d * s + 81 * d * c


def test_parameter_count_is_the_papers():
    model = FSRCNN()
    weights = sum(p.numel() for n, p in model.named_parameters() if n.endswith("weight") and p.dim() == 4)
    assert weights == fsrcnn_weights(1, 56, 12, 4) == 12_464
    biases = 56 + 12 + 4 * 12 + 56 + 1
    prelu = 56 + 12 + 4 * 12 + 56
    assert sum(p.numel() for p in model.parameters()) == 12_464 + biases + prelu
    small = FSRCNN(in_channels=3, d=32, s=5, m=1, scale=2)
    assert sum(p.numel() for n, p in small.named_parameters() if p.dim() == 4) == fsrcnn_weights(3, 32, 5, 1)


@pytest.mark.parametrize("kwargs", [TINY, dict(in_channels=3, d=6, s=3, m=0, scale=2), dict(TINY, scale=4),
                                    dict(TINY, scale=1)])
def test_matches_reference_in_float64(kwargs):
    ours, ref = checks.pair(FSRCNN, FSRCNNRef, kwargs)
    x = torch.rand(2, kwargs["in_channels"], 7, 5, dtype=torch.float64)
    assert ours(x).shape == (2, kwargs["in_channels"], 7 * kwargs["scale"], 5 * kwargs["scale"])
    checks.check_forward_and_gradients(ours, ref, x)


def test_module_behaviour():
    ours, _ = checks.pair(FSRCNN, FSRCNNRef, TINY)
    checks.check_module_behaviour(ours, torch.rand(2, 1, 6, 6, dtype=torch.float64))


def test_registry_detection_needs_the_scale():
    model = FSRCNN(**TINY)
    checks.check_registry(model, torch.rand(1, 1, 6, 5), overrides={"scale": 3})
    with pytest.raises(ValueError, match="pass scale=2, 3 or 4"):
        models.load(model.state_dict())


def test_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        FSRCNN(scale=0)
    with pytest.raises(ValueError, match="1 channels"):
        FSRCNN(**TINY)(torch.rand(1, 3, 8, 8))
