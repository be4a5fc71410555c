"""VDSR: the C++ model against the plain-PyTorch reference, its parameter count, the module
behaviour and the registry."""
from __future__ import annotations

import pytest
import torch

from helpers import family_a_checks as checks
from helpers.family_a_reference import VDSRRef
from srgan_cpp.models import VDSR, registry

TINY = dict(in_channels=1, num_features=8, num_layers=5)


def vdsr_weights(c: int, f: int, layers: int) -> int:
    """The paper's count: input 3x3 c->F, L-2 hidden 3x3 F->F, output 3x3 F->c, no biases."""
    return 9 * c * f + (layers - 2) * 9 * f * f + 9 * f * c


def test_parameter_count_is_the_papers():
    model = VDSR()
    assert sum(p.numel() for p in model.parameters()) == vdsr_weights(1, 64, 20) == 664_704
    assert sum(p.numel() for p in VDSR(3, 32, 8).parameters()) == vdsr_weights(3, 32, 8)
    assert list(model.state_dict())[:2] == ["input.weight", "residual_layer.0.conv.weight"]
    assert list(model.state_dict())[-1] == "output.weight" and len(model.state_dict()) == 20


@pytest.mark.parametrize("kwargs", [TINY, dict(in_channels=3, num_features=4, num_layers=2)])
def test_matches_reference_in_float64(kwargs):
    ours, ref = checks.pair(VDSR, VDSRRef, kwargs)
    x = torch.rand(2, kwargs["in_channels"], 11, 9, dtype=torch.float64)
    checks.check_forward_and_gradients(ours, ref, x)


def test_global_residual():
    model = VDSR(**TINY)
    with torch.no_grad():
        model.output.weight.zero_()
    x = torch.rand(1, 1, 7, 7)
    assert torch.equal(model(x), x)


def test_module_behaviour():
    ours, _ = checks.pair(VDSR, VDSRRef, TINY)
    checks.check_module_behaviour(ours, torch.rand(2, 1, 10, 10, dtype=torch.float64))


def test_registry_detection_and_description():
    model = VDSR(**TINY)
    checks.check_registry(model, torch.rand(1, 1, 9, 9))
    assert registry.get("VDSR").geometry(model._init_kwargs).scale == 1  # bicubic-upscaled input, like SRCNN


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_layers >= 2"):
        VDSR(num_layers=1)
    with pytest.raises(ValueError, match="1 channels"):
        VDSR(**TINY)(torch.rand(1, 3, 8, 8))
