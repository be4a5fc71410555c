"""Checks shared by the model test files (C++ models vs their plain-PyTorch references)."""
from __future__ import annotations

import copy
from typing import Any, Callable, Mapping, Tuple

import torch
from torch import Tensor, nn


def reference_pair(cls: Callable[..., nn.Module], ref_cls: Callable[..., nn.Module], kwargs: Mapping[str, Any],
                   dtype: torch.dtype = torch.float64) -> Tuple[nn.Module, nn.Module]:
    """(srgan_cpp model, reference) built with ``kwargs``, the reference's random weights and
    buffers loaded into ours strictly (so the key layouts must be identical)."""
    reference = ref_cls(**kwargs).to(dtype)
    model = cls(**kwargs).to(dtype)
    model.load_state_dict(reference.state_dict(), strict=True)
    return model, reference


def check_copy_trains_independently(model: nn.Module, x: Tensor, expected: Tensor) -> None:
    """A deepcopy of ``model`` takes an optimizer step (its output changes) while ``model``
    still gives ``expected`` for ``x``: the copy owns its parameters and the C++ forward uses them."""
    twin = copy.deepcopy(model)
    torch.testing.assert_close(twin(x), expected, rtol=0, atol=0)
    opt = torch.optim.Adam(twin.parameters(), lr=1e-3)
    twin(x).square().mean().backward()
    opt.step()
    assert not torch.equal(twin(x), expected)
    torch.testing.assert_close(model(x), expected, rtol=0, atol=0)
