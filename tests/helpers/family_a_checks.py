"""Checks every model of the family tests runs (tests/models/test_{scn,fsrcnn,drcn,vdsr,
lapsrn}.py): the C++ model against its plain-PyTorch reference (helpers/family_a_reference.py)
with identical weights, as a torch.nn.Module (gradients, train/eval, state_dict, dtypes,
channels_last, copies) and through the registry (detection, describe)."""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Mapping, Optional

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from srgan_cpp import models
from srgan_cpp.models import registry


def pair(cls: Callable[..., nn.Module], ref_cls: Callable[..., nn.Module], kwargs: Mapping[str, Any],
         dtype: torch.dtype = torch.float64):
    """(ours, reference): the reference built with ``kwargs``, its weights loaded into ours
    strictly (so the key layouts must be identical); after a small random perturbation of
    every parameter, so that structured inits (bilinear, averaging, 1/D) do not hide bugs."""
    torch.manual_seed(0)
    ref = ref_cls(**kwargs).to(dtype)
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    ours = cls(**kwargs).to(dtype)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ours, ref


def check_forward_and_gradients(ours: nn.Module, ref: nn.Module, x: Tensor,
                                forward: Optional[Callable[[nn.Module, Tensor], Tensor]] = None) -> None:
    """Float64 outputs and every parameter's and the input's gradient agree to 1e-10."""
    fwd = forward or (lambda m, t: m(t))
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, expect = fwd(ours, xa), fwd(ref, xb)
    torch.testing.assert_close(out, expect, rtol=1e-10, atol=1e-10)
    g = torch.randn_like(out)
    out.backward(g)
    expect.backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-9, atol=1e-10)
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        torch.testing.assert_close(p.grad, ref_params[name].grad, rtol=1e-9, atol=1e-10, msg=name)


def check_module_behaviour(ours: nn.Module, x: Tensor) -> None:
    """train/eval reach C++, an optimizer step changes the output, state_dict round trip
    (strict errors), deepcopy independence, dtype moves, channels_last."""
    ours.eval()
    ours(x)
    assert ours.cpp_module.is_training is False
    ours.train()
    ours(x)
    assert ours.cpp_module.is_training is True
    # An optimizer step changes what C++ computes.
    before = ours(x).detach()
    opt = torch.optim.SGD(ours.parameters(), lr=1e-2)
    F.mse_loss(ours(x), torch.zeros_like(before)).backward()
    opt.step()
    after = ours(x).detach()
    assert not torch.equal(before, after)
    # state_dict round trip into a fresh model; strictness.
    twin = type(ours)(**ours._init_kwargs).to(x.dtype)
    twin.load_state_dict(ours.state_dict())
    assert torch.equal(twin(x), after)
    sd = ours.state_dict()
    first = next(iter(sd))
    with pytest.raises(RuntimeError, match="Missing key"):
        twin.load_state_dict({k: v for k, v in sd.items() if k != first})
    with pytest.raises(RuntimeError, match="Unexpected key"):
        twin.load_state_dict({**sd, "extra.weight": torch.zeros(1)})
    # deepcopy: same output, independent parameters.
    dup = copy.deepcopy(ours)
    assert torch.equal(dup(x), after)
    with torch.no_grad():
        next(dup.parameters()).add_(1.0)
    assert not torch.equal(dup(x), after) and torch.equal(ours(x), after)
    # channels_last input and weights: same result.
    cl = copy.deepcopy(ours).to(memory_format=torch.channels_last)
    torch.testing.assert_close(cl(x.contiguous(memory_format=torch.channels_last)), after, rtol=1e-9, atol=1e-9)
    # dtype moves: float32 and bfloat16 run and stay close to float64.
    for dtype, tol in ((torch.float32, 1e-4), (torch.bfloat16, 1e-1)):
        low = copy.deepcopy(ours).to(dtype)
        out = low(x.to(dtype))
        assert out.dtype == dtype and all(p.dtype == dtype for p in low.parameters())
        scale = max(float(after.abs().max()), 1.0)
        torch.testing.assert_close(out.double(), after, rtol=tol, atol=tol * scale)
    with pytest.raises((TypeError, RuntimeError, ValueError)):
        ours(x.float())  # float32 input, float64 weights: refused, not silently cast


def check_registry(model: nn.Module, x: Tensor, overrides: Optional[Dict[str, Any]] = None) -> None:
    """The state dict is detected as this architecture with the model's arguments (plus the
    ``overrides`` the weights cannot tell), ``describe`` matches the running model, and
    ``registry.build`` / ``models.load`` rebuild it."""
    name = type(model).__name__
    sd = model.state_dict()
    spec, found = registry.find(sd)
    assert spec.name == name
    kw = dict(model._init_kwargs)
    assert spec.full_kwargs({**found, **(overrides or {})}) == kw
    d = models.describe(model)
    assert d.name == name and d.kind == "generator" and d.kwargs == kw
    assert d.num_params == sum(p.numel() for p in model.parameters())
    out = model(x)
    assert out.shape[1] == d.out_channels and x.shape[1] == d.in_channels
    assert out.shape[-1] == x.shape[-1] * d.scale and out.shape[-2] == x.shape[-2] * d.scale
    assert set(d.precisions) == {"fp32", "bf16", "fp16", "fp64"}
    d2 = models.describe(sd, **(overrides or {}))
    assert d2.kwargs == kw and d2.num_params == d.num_params and d2.source_layout == "BasicSR"
    loaded = models.load({k: v.float() for k, v in sd.items()}, **(overrides or {}))
    assert type(loaded) is type(model)
    torch.testing.assert_close(loaded(x.float()), out.float(), rtol=1e-4, atol=1e-4)
    rebuilt = registry.build(name, **kw)
    assert type(rebuilt) is type(model) and rebuilt.state_dict().keys() == sd.keys()
