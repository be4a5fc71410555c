"""Lets an op accept NumPy arrays: arrays in, arrays out, tensors untouched."""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np
import torch

F = TypeVar("F", bound=Callable[..., Any])


def accepts_numpy(fn: F) -> F:
    """Wraps ``fn`` so NumPy arrays among its arguments become tensors (sharing memory, no
    dtype change) and, if any was given, tensor results come back as NumPy arrays.

    Integer arrays are passed through unchanged, so the op raises the same TypeError it
    raises for integer tensors rather than silently converting.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        used_numpy = False

        def convert(v: Any) -> Any:
            nonlocal used_numpy
            if isinstance(v, np.ndarray):
                used_numpy = True
                return torch.from_numpy(np.ascontiguousarray(v))
            return v

        args = tuple(convert(a) for a in args)
        kwargs = {k: convert(v) for k, v in kwargs.items()}
        out = fn(*args, **kwargs)
        if used_numpy and isinstance(out, torch.Tensor):
            return out.detach().cpu().numpy()
        return out

    return wrapper  # type: ignore[return-value]
