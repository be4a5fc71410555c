"""A torch.compile check shared by the op test files."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor


def check_compiled_block(block: Callable[..., Tensor], block_ref: Callable[..., Tensor], args: Sequence[Tensor],
                         backend: str) -> None:
    """``torch.compile(block, fullgraph=True)`` gives the output and the gradients (for every
    argument) of the plain-PyTorch ``block_ref`` on the same inputs, float32 tolerances."""
    a1 = [t.clone().requires_grad_() for t in args]
    a2 = [t.clone().requires_grad_() for t in args]
    out = torch.compile(block, fullgraph=True, backend=backend)(*a1)
    expect = block_ref(*a2)
    torch.testing.assert_close(out, expect, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(out)
    for a, e in zip(torch.autograd.grad(out, a1, g), torch.autograd.grad(expect, a2, g)):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-4)
