"""DRCN: the C++ model against the plain-PyTorch reference (ensemble output and the
intermediate predictions), the recursive-supervision loss, parameter count, module
behaviour, registry."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import family_a_checks as checks
from helpers.family_a_reference import DRCNRef
from srgan_cpp.models import DRCN, drcn_loss

TINY = dict(in_channels=1, num_features=6, num_recursions=3)


def drcn_params(c: int, f: int, d: int) -> int:
    """embedding (c->F, F->F), the shared inference conv (F->F), reconstruction (F->F, F->c),
    3x3 with biases, plus the D ensemble weights."""
    conv = lambda i, o: 9 * i * o + o  # noqa: E731
    return conv(c, f) + conv(f, f) + conv(f, f) + conv(f, f) + conv(f, c) + d


def test_parameter_count():
    assert sum(p.numel() for p in DRCN().parameters()) == drcn_params(1, 256, 16) == 1_775_121
    # Recursions share the inference conv: more of them add only their ensemble weights.
    assert sum(p.numel() for p in DRCN(**dict(TINY, num_recursions=9)).parameters()) == drcn_params(1, 6, 9)
    assert torch.allclose(DRCN(**TINY).ensemble_weight, torch.full((3,), 1 / 3))


@pytest.mark.parametrize("kwargs", [TINY, dict(in_channels=3, num_features=4, num_recursions=1)])
def test_matches_reference_in_float64(kwargs):
    ours, ref = checks.pair(DRCN, DRCNRef, kwargs)
    x = torch.rand(2, kwargs["in_channels"], 9, 8, dtype=torch.float64)
    checks.check_forward_and_gradients(ours, ref, x)
    out, preds = ours.forward_all(x)
    out_ref, preds_ref = ref.forward_all(x)
    assert len(preds) == kwargs["num_recursions"]
    torch.testing.assert_close(out, out_ref, rtol=1e-10, atol=1e-10)
    for p, q in zip(preds, preds_ref):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-10)


def test_recursive_supervision_loss_and_its_gradients():
    ours, ref = checks.pair(DRCN, DRCNRef, TINY)
    x = torch.rand(2, 1, 8, 8, dtype=torch.float64)
    y = torch.rand_like(x)
    out, preds = ours.forward_all(x)
    loss = drcn_loss(out, preds, y, alpha=0.7, beta=1e-3, parameters=ours.parameters())
    out_r, preds_r = ref.forward_all(x)
    expect = (0.7 * sum(F.mse_loss(p, y) for p in preds_r) / (2 * 3) + 0.3 * F.mse_loss(out_r, y) / 2
              + 1e-3 * sum(p.pow(2).sum() for p in ref.parameters() if p.dim() > 1))
    torch.testing.assert_close(loss, expect, rtol=1e-10, atol=1e-12)
    loss.backward()
    expect.backward()
    ref_p = dict(ref.named_parameters())
    for n, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, ref_p[n].grad, rtol=1e-9, atol=1e-11, msg=n)
    # alpha = 0: only the ensemble output is supervised.
    out, preds = ours.forward_all(x)
    torch.testing.assert_close(drcn_loss(out, preds, y, alpha=0.0), F.mse_loss(out, y) / 2)
    with pytest.raises(ValueError, match="alpha"):
        drcn_loss(out, preds, y, alpha=1.5)
    with pytest.raises(ValueError, match="intermediate prediction 0"):
        drcn_loss(out, [p[:, :, :4] for p in preds], y, alpha=0.5)


def test_module_behaviour():
    ours, _ = checks.pair(DRCN, DRCNRef, TINY)
    checks.check_module_behaviour(ours, torch.rand(2, 1, 8, 8, dtype=torch.float64))


def test_registry_detection_and_description():
    checks.check_registry(DRCN(**TINY), torch.rand(1, 1, 7, 7))


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_recursions >= 1"):
        DRCN(num_recursions=0)
    with pytest.raises(TypeError, match="torch.Tensor"):
        DRCN(**TINY).forward_all([1, 2])
