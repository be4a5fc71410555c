"""The one opcheck / torch.compile pattern the four ops' tests share.

Each op's test file lists its cases - ``(op overload, args)`` for :func:`run_opcheck`, a block
using the op and the same block written with its plain-PyTorch reference for
:func:`check_compiled_block` - and parametrises over ``DEVICES`` and ``COMPILE_BACKENDS``.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional, Sequence, Tuple

import pytest
import torch
from torch import Tensor

__all__ = ["COMPILE_BACKENDS", "check_compiled_block", "check_refused_eager_and_meta", "requiring_grad", "run_opcheck"]

#: The torch.compile backends every op is tested with (fullgraph=True).
COMPILE_BACKENDS = ("aot_eager", "inductor")


def requiring_grad(*tensors: Optional[Tensor]) -> Tuple[Optional[Tensor], ...]:
    """The tensors with ``requires_grad`` set (None entries, e.g. an absent bias, kept)."""
    return tuple(t if t is None else t.requires_grad_() for t in tensors)


def run_opcheck(cases: Iterable[Tuple[torch._ops.OpOverload, Sequence[object]]]) -> None:
    """``torch.library.opcheck`` (schema, fake kernel, autograd registration, AOT dispatch)
    on every ``(op, args)`` case; fails on the first case that does not pass."""
    n = 0
    for op, args in cases:
        torch.library.opcheck(op, tuple(args))
        n += 1
    assert n, "run_opcheck: no cases"


def check_compiled_block(block: Callable[..., Tensor], block_ref: Callable[..., Tensor], args: Sequence[Tensor],
                         backend: str, params: Sequence[Tensor] = (), rtol: float = 1e-5, atol: float = 1e-5,
                         grad_rtol: float = 1e-4, grad_atol: float = 1e-4) -> None:
    """``torch.compile(block, fullgraph=True, backend=backend)`` gives the output of the
    plain-PyTorch ``block_ref`` on the same inputs, and the same gradients for every argument
    and for ``params`` (tensors both blocks use through their closures, e.g. a module's
    weight)."""
    a1 = [t.detach().clone().requires_grad_() for t in args]
    a2 = [t.detach().clone().requires_grad_() for t in args]
    out = torch.compile(block, fullgraph=True, backend=backend)(*a1)
    expect = block_ref(*a2)
    torch.testing.assert_close(out, expect, rtol=rtol, atol=atol)
    g = torch.randn_like(out)
    got = torch.autograd.grad(out, [*a1, *params], g)
    want = torch.autograd.grad(expect, [*a2, *params], g)
    for a, e in zip(got, want):
        torch.testing.assert_close(a, e, rtol=grad_rtol, atol=grad_atol)


def check_refused_eager_and_meta(fn: Callable[..., object], args: Sequence[Tensor], exc: type,
                                 words: Sequence[str]) -> None:
    """``fn(*args)`` raises ``exc`` naming every one of ``words``: through the C++ checks, then
    through the fake kernel's (what torch.compile traces with) on meta copies of ``args``."""
    for call in (list(args), [a.to("meta") for a in args]):
        with pytest.raises(exc) as info:
            fn(*call)
        for w in words:
            assert w in str(info.value), str(info.value)

