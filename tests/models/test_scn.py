"""SCN: the C++ model (fused LISTA shrinkage) against the plain-PyTorch reference (eager
shrinkage), the parameter count, the initial patch aggregation, module behaviour, registry."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import family_a_checks as checks
from helpers.family_a_reference import SCNRef
from srgan_cpp import models
from srgan_cpp.models import SCN

TINY = dict(in_channels=1, num_filters=6, code_size=8, lr_patch=5, hr_patch=3, num_stages=2, residual=True)


def scn_params(c: int, my: int, n: int, sy: int, sx: int, k: int) -> int:
    """H (s_y^2 c m_y + m_y), W (m_y n), S (n^2, when k >= 1), theta (n), D_x (n s_x^2),
    G (s_x^2 s_x^2 c)."""
    return sy * sy * c * my + my + my * n + (n * n if k else 0) + n + n * sx * sx + sx ** 4 * c


def test_parameter_count():
    assert sum(p.numel() for p in SCN().parameters()) == scn_params(1, 100, 128, 9, 5, 1)
    assert sum(p.numel() for p in SCN(**dict(TINY, num_stages=0)).parameters()) == scn_params(1, 6, 8, 5, 3, 0)
    assert "recur.weight" not in SCN(num_stages=0).state_dict()


@pytest.mark.parametrize("kwargs", [TINY, dict(TINY, num_stages=0, residual=False),
                                    dict(TINY, in_channels=3, num_stages=1)])
def test_matches_reference_in_float64(kwargs):
    ours, ref = checks.pair(SCN, SCNRef, kwargs)
    # Thresholds spread so that some codes are cut and some pass.
    with torch.no_grad():
        t = torch.linspace(0.0, 0.3, kwargs["code_size"], dtype=torch.float64)
        ours.threshold.copy_(t)
        ref.threshold.copy_(t)
    x = torch.rand(2, kwargs["in_channels"], 10, 9, dtype=torch.float64)
    z = ours.sparse_code(x)
    assert 0.05 < float((z == 0).double().mean()) < 0.95
    torch.testing.assert_close(z, ref.sparse_code(x), rtol=1e-10, atol=1e-12)
    checks.check_forward_and_gradients(ours, ref, x)


def test_initial_aggregation_averages_the_overlapping_patches():
    model = SCN(**dict(TINY, residual=False)).double()
    x = torch.rand(1, 1, 12, 12, dtype=torch.float64)
    patches = model.dictionary.weight  # per-pixel HR patch of s_x^2 values
    hr = F.conv2d(model.sparse_code(x), patches)
    sx = 3
    # Pixel (i, j) averages entry (a, b) of the patch centred at (i + 1 - a, j + 1 - b).
    padded = F.pad(hr, (1, 1, 1, 1))
    expect = sum(padded[:, a * sx + b: a * sx + b + 1, 2 - a: 2 - a + 12, 2 - b: 2 - b + 12]
                 for a in range(sx) for b in range(sx)) / 9
    # The 1/9 taps were initialised in float32, hence the tolerance.
    torch.testing.assert_close(model(x), expect, rtol=1e-6, atol=1e-9)


def test_module_behaviour():
    ours, _ = checks.pair(SCN, SCNRef, TINY)
    checks.check_module_behaviour(ours, torch.rand(2, 1, 9, 9, dtype=torch.float64))


def test_registry_needs_stages_and_residual():
    model = SCN(**TINY)
    checks.check_registry(model, torch.rand(1, 1, 8, 8), overrides={"num_stages": 2, "residual": True})
    with pytest.raises(ValueError, match="num_stages=K.*residual=True or False"):
        models.load(model.state_dict())
    no_recur = SCN(**dict(TINY, num_stages=0))
    with pytest.raises(ValueError, match="do not store residual;"):
        models.load(no_recur.state_dict())
    assert models.load(no_recur.state_dict(), residual=True).cpp_module is not None


def test_bad_arguments():
    with pytest.raises(ValueError, match="odd positive"):
        SCN(lr_patch=4)
    with pytest.raises(ValueError, match="1 channels"):
        SCN(**TINY)(torch.rand(1, 3, 8, 8))
