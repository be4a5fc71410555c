"""Argument checks shared by the op wrappers and the fake (meta) kernels of every op.

The fake kernels run instead of the C++ ones under ``torch.compile`` / FakeTensor and for
meta tensors, so they repeat the C++ checks with the same exception types and the same
bounds (sizes that must fit int64), and report problems at trace time. The wrappers add
what only Python can see: a ``bool`` or an out-of-range int where the C++ schema takes
``int`` (``torch.ops`` would turn ``True`` into 1 and fail on 2**64 with an unrelated
message).
"""
from __future__ import annotations

import operator
from typing import Iterable, List, Optional, Sequence

import torch
from torch import Tensor

INT64_MAX = 2**63 - 1
#: The floating dtypes every op takes.
FLOATS = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
#: ``reduction`` values of the loss ops.
REDUCTIONS = ("mean", "sum", "none")
#: ``activation`` values of the fused pixel shuffle (and its module).
ACTIVATIONS = ("none", "relu", "leaky_relu", "prelu")


def _is_concrete(v) -> bool:
    """False for symbolic sizes (torch.compile with dynamic shapes): their bounds are checked
    by the C++ op at run time instead of guarded on at trace time."""
    return not isinstance(v, torch.SymInt)


def check_int_arg(value, op: str, name: str) -> int:
    """``value`` as a Python int for an ``int`` argument of ``op``.

    Raises TypeError for ``bool`` (as PyTorch's own ops do: ``pixel_shuffle(x, True)`` is
    refused) and for non-integers, ValueError for values outside int64.
    """
    if isinstance(value, torch.SymInt):
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        raise TypeError(f"{op}: expected `{name}` to be an int, got bool ({value})")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: expected `{name}` to be an int, got {type(value).__name__} ({value!r})") from None
    if not -INT64_MAX - 1 <= v <= INT64_MAX:
        raise ValueError(f"{op}: expected `{name}` to fit in int64, got {v}")
    return v


def factor_square(r, op: str, name: str):
    """``r * r`` for a shuffle factor, with the C++ bounds: r >= 1 and r**2 within int64."""
    if _is_concrete(r):
        if r <= 0:
            raise ValueError(f"{op}: expected `{name}` > 0, got {r}")
        if r * r > INT64_MAX:
            raise ValueError(f"{op}: expected `{name}` <= 3037000499 (its square must fit in int64), got {r}")
    return r * r


def check_sizes_fit(sizes: Sequence, op: str, name: str) -> List:
    """``sizes`` of an output that ``name`` scales: each, and their product with zeros counted
    as one (as strides are computed), must fit int64 - as the C++ check_output_sizes_fit."""
    if all(_is_concrete(s) for s in sizes):
        product = 1
        for s in sizes:
            product *= max(int(s), 1)
            if product > INT64_MAX:
                raise ValueError(f"{op}: `{name}` is too large: the output would have sizes {list(sizes)}, whose "
                                 f"product does not fit in int64")
    return list(sizes)


def check_float(t: Tensor, op: str, name: str) -> None:
    if t.dtype not in FLOATS:
        raise TypeError(f"{op}: expected `{name}` to be float32, float64, float16 or bfloat16, got {t.dtype}")


def check_same_device(op: str, tensors: Iterable[tuple]) -> None:
    """Every defined tensor of ``(name, tensor)`` pairs on the device of the first one (the
    C++ BackendSelect check, csrc/common/same_device.h)."""
    ref_name, ref = None, None
    for name, t in tensors:
        if t is None:
            continue
        if ref is None:
            ref_name, ref = name, t
        elif t.device != ref.device:
            raise RuntimeError(f"{op}: expected `{name}` on {ref.device} like `{ref_name}`, got {t.device} "
                               f"(all tensor arguments must be on one device)")


def check_same_dtype(op: str, ref_name: str, ref: Tensor, tensors: Iterable[tuple]) -> None:
    """Every defined tensor of ``(name, tensor)`` pairs of ``ref``'s dtype (TypeError otherwise)."""
    for name, t in tensors:
        if t is not None and t.dtype != ref.dtype:
            raise TypeError(f"{op}: expected `{name}` of dtype {ref.dtype} like `{ref_name}`, got {t.dtype}")


def is_channels_last(x: Tensor) -> bool:
    """The ops' memory-format rule (csrc/common/tensor_checks.h): channels_last exactly when the
    4-D input is channels_last-contiguous and not also NCHW-contiguous."""
    return x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


def empty_like_layout(x: Tensor, sizes: Optional[Sequence] = None) -> Tensor:
    """An empty tensor of ``sizes`` (default ``x``'s) with ``x``'s dtype and device, in the memory
    format the ops give outputs computed from ``x``."""
    fmt = torch.channels_last if is_channels_last(x) else torch.contiguous_format
    return torch.empty(list(x.shape) if sizes is None else list(sizes), dtype=x.dtype, device=x.device,
                       memory_format=fmt)
