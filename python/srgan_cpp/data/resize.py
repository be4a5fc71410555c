"""MATLAB-compatible bicubic ``imresize`` for NumPy arrays and PyTorch tensors.

This reproduces MATLAB's ``imresize(A, scale)`` / ``imresize(A, [rows cols])`` with the
default ``'bicubic'`` method, which is how the low-resolution images of the SR benchmarks
(Set5, Set14, BSD100, Urban100, DIV2K ``LR_bicubic``) were made:

* cubic convolution kernel with ``a = -0.5`` (Keys);
* when downscaling with antialiasing the kernel is stretched by ``1/scale`` (and scaled by
  ``scale``), so it is ``4/scale`` pixels wide;
* MATLAB's coordinate mapping ``u = x/scale + 0.5*(1 - 1/scale)`` (1-based ``x``), the
  weights of each output pixel normalised to sum to 1;
* symmetric (mirror, edge pixel repeated) border handling, as imresize.m does since it
  replaced clamping ("Mirror out-of-bounds indices; equivalent of doing symmetric
  padding"); ``border="replicate"`` gives the older imresize.m (the "Copyright 1992-2006"
  version: "Clamp out-of-range indices; has the effect of replicating end-points"), which
  differs only in the outermost pixels;
* output size ``ceil(in * scale)`` when a scale is given, the scale ``out/in`` per
  dimension when a size is given;
* the dimension with the smaller scale is resized first (H first on ties);
* integer images (uint8, uint16) are rounded (half away from zero) and saturated after
  *each* one-dimensional pass, as MATLAB's ``imresizemex`` does; float images are computed
  in float64 for NumPy and in the tensor's dtype (float16/bfloat16 in float32) for tensors.

NumPy arrays and CPU tensors (that need no gradient) go through a C++ kernel
(``csrc/data/imresize``: the two separable passes over precomputed taps, multi-threaded);
other tensors (CUDA, autograd) through PyTorch ops: one matrix product (or, for very long
dimensions, a tap-by-tap gather) per dimension, on any device. ``backend=`` forces one.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Optional, Sequence, Tuple, TypeVar, Union

import numpy as np
import torch
from torch import Tensor

from ._resize_cpp import resize_numpy, resize_tensor_cpu
from .resize_taps import MAX_OUTPUT_VALUES, MAX_TAPS, check_border, check_taps, cubic, resize_weights

__all__ = ["imresize", "cubic", "resize_weights", "resize_matrix", "round_half_away"]

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, Tensor)
ScaleArg = Union[float, Tuple[float, float], Sequence[float]]

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_TORCH_INT_MAX = {torch.uint8: 255}


def round_half_away(x: Tensor) -> Tensor:
    """Rounds half away from zero (MATLAB's ``round`` and double->integer conversion).

    ``torch.round`` / ``np.round`` round half to even, which differs on exact ``.5`` values;
    those occur with integer images because bicubic weights for scales 2 and 4 are dyadic.
    """
    fl = torch.floor(x.abs())
    r = fl + (x.abs() - fl >= 0.5).to(x.dtype)
    return torch.copysign(r, x)


def _parse_scale(scale: ScaleArg) -> Tuple[float, float]:
    if isinstance(scale, (int, float, np.integer, np.floating)) and not isinstance(scale, bool):
        s = (float(scale), float(scale))
    else:
        try:
            vals = [float(v) for v in scale]  # type: ignore[union-attr]
        except TypeError:
            raise TypeError(f"imresize: `scale` must be a number or a pair (scale_h, scale_w), got {scale!r}") from None
        if len(vals) != 2:
            raise ValueError(f"imresize: `scale` as a sequence needs 2 values (scale_h, scale_w), got {scale!r}")
        s = (vals[0], vals[1])
    for v in s:
        if not (v > 0 and math.isfinite(v)):
            raise ValueError(f"imresize: `scale` must be positive and finite, got {scale!r}")
    return s


def _plan(in_hw: Tuple[int, int], scale: Optional[ScaleArg], size: Optional[Sequence[Optional[int]]],
          antialias: bool = True, values_per_pixel: int = 1) -> Tuple[Tuple[int, int], Tuple[float, float]]:
    """Output size and per-dimension scale, following MATLAB's imresize parsing, within the
    MAX_OUTPUT_VALUES and MAX_TAPS bounds (``values_per_pixel``: channels times batch)."""
    out_hw, scales = _plan_unbounded(in_hw, scale, size)
    arg = "scale" if scale is not None else "size"
    values = out_hw[0] * out_hw[1] * values_per_pixel
    if values > MAX_OUTPUT_VALUES:
        given = scale if scale is not None else size
        raise ValueError(f"imresize: `{arg}` {given!r} gives an output of {out_hw[0]} x {out_hw[1]} pixels "
                         f"({values:.3g} values with the channels), above the limit of {MAX_OUTPUT_VALUES}")
    for d in (0, 1):
        if not (in_hw[d] == out_hw[d] and scales[d] == 1.0):
            check_taps(in_hw[d], out_hw[d], scales[d], antialias, "imresize", arg)
    return out_hw, scales


def _plan_unbounded(in_hw: Tuple[int, int], scale: Optional[ScaleArg], size: Optional[Sequence[Optional[int]]]
                    ) -> Tuple[Tuple[int, int], Tuple[float, float]]:
    if (scale is None) == (size is None):
        raise ValueError("imresize: give exactly one of `scale` and `size`")
    if scale is not None:
        sh, sw = _parse_scale(scale)
        return (int(math.ceil(sh * in_hw[0])), int(math.ceil(sw * in_hw[1]))), (sh, sw)
    try:
        vals = list(size)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"imresize: `size` must be a pair (height, width), got {size!r}") from None
    if len(vals) != 2:
        raise ValueError(f"imresize: `size` must be a pair (height, width), got {size!r}")
    if vals[0] is None and vals[1] is None:
        raise ValueError("imresize: `size` needs at least one of height and width")
    for v in vals:
        if v is not None and (int(v) != v or int(v) < 1):
            raise ValueError(f"imresize: `size` values must be positive integers or None, got {size!r}")
    if vals[0] is None:  # MATLAB [NaN cols]: keep the aspect ratio
        s = int(vals[1]) / in_hw[1]
        return (int(math.ceil(s * in_hw[0])), int(vals[1])), (s, s)
    if vals[1] is None:
        s = int(vals[0]) / in_hw[0]
        return (int(vals[0]), int(math.ceil(s * in_hw[1]))), (s, s)
    oh, ow = int(vals[0]), int(vals[1])
    return (oh, ow), (oh / in_hw[0], ow / in_hw[1])


@lru_cache(maxsize=64)
def _matrix_cached(in_length: int, out_length: int, scale: float, antialias: bool,
                   border: str = "symmetric") -> np.ndarray:
    w, idx = resize_weights(in_length, out_length, scale, antialias, border)
    m = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.broadcast_to(np.arange(out_length)[:, None], idx.shape)
    np.add.at(m, (rows, idx), w)  # mirrored taps can hit the same input pixel twice
    m.setflags(write=False)
    return m


def resize_matrix(in_length: int, out_length: int, scale: float, antialias: bool = True,
                  border: str = "symmetric") -> np.ndarray:
    """The 1-D bicubic resize as a dense ``(out_length, in_length)`` float64 matrix ``M``.

    ``output = M @ input`` along the resized dimension; it is :func:`resize_weights`
    scattered into a matrix (taps that mirror onto the same pixel are added). Cached, read-only.
    """
    resize_weights(in_length, out_length, scale, antialias, border)  # validates
    return _matrix_cached(int(in_length), int(out_length), float(scale), bool(antialias), border)


#: Above this many matrix entries a pass gathers tap by tap instead of multiplying by the
#: dense resize matrix (a matmul is several times faster on CPU and GPU while it is small).
_DENSE_MAX = 1 << 24


def _resize_dim(x: Tensor, dim: int, scale: float, out_len: int, antialias: bool, int_max: Optional[int],
                border: str = "symmetric") -> Tensor:
    """One 1-D pass along ``dim`` (-2 = H, -1 = W) of a float tensor ``(..., H, W)``."""
    in_len = x.shape[dim]
    if in_len * out_len <= _DENSE_MAX:
        m = torch.tensor(resize_matrix(in_len, out_len, scale, antialias, border), dtype=x.dtype, device=x.device)
        y = torch.matmul(x, m.T) if dim == -1 else torch.matmul(m, x)
    else:
        weights, idx = resize_weights(in_len, out_len, scale, antialias, border)
        w = torch.tensor(weights, dtype=x.dtype, device=x.device)
        ind = torch.tensor(idx, dtype=torch.int64, device=x.device)
        # Tap by tap keeps memory at one output-sized buffer (gathering all P taps at once
        # would materialise P outputs).
        wk = w if dim == -1 else w.unsqueeze(-1)
        y = x.index_select(dim, ind[:, 0]) * wk[:, 0]
        for k in range(1, weights.shape[1]):
            y.add_(x.index_select(dim, ind[:, k]) * wk[:, k])
    if int_max is not None:
        y = round_half_away(y.clamp_(0, int_max))
    return y


def _resize_tensor(x: Tensor, out_hw: Tuple[int, int], scales: Tuple[float, float], antialias: bool,
                   int_max: Optional[int], border: str = "symmetric") -> Tensor:
    in_hw = (x.shape[-2], x.shape[-1])
    order = [0, 1] if scales[0] <= scales[1] else [1, 0]
    for d in order:
        if in_hw[d] == out_hw[d] and scales[d] == 1.0:
            continue  # identity pass (MATLAB skips it too)
        x = _resize_dim(x, -2 + d, scales[d], out_hw[d], antialias, int_max, border)
    return x


def _use_cpp(img: ArrayOrTensor, backend: str) -> bool:
    """Whether ``imresize`` runs the C++ CPU kernel: NumPy arrays and CPU tensors that need no
    gradient (the PyTorch path is differentiable); ``backend`` forces one path."""
    if backend not in ("auto", "cpp", "torch"):
        raise ValueError(f"imresize: `backend` must be 'auto', 'cpp' or 'torch', got {backend!r}")
    if backend == "torch":
        return False
    if isinstance(img, np.ndarray):
        return True
    on_cpu = img.device.type == "cpu"
    if backend == "cpp":
        if not on_cpu:
            raise ValueError(f"imresize: backend='cpp' needs a CPU tensor, got one on {img.device}")
        return True
    return on_cpu and not (img.requires_grad and torch.is_grad_enabled())


def imresize(img: ArrayOrTensor, scale: Optional[ScaleArg] = None, *, size: Optional[Sequence[Optional[int]]] = None,
             antialias: bool = True, backend: str = "auto", border: str = "symmetric") -> ArrayOrTensor:
    """MATLAB ``imresize(img, scale)`` / ``imresize(img, [h w])``, bicubic.

    Args:
        img: NumPy array ``(H, W)`` or ``(H, W, C)`` (HWC) of dtype uint8, uint16 or float
            (any value range; uint8/uint16 are rounded and saturated like MATLAB), or a
            tensor ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` of dtype uint8 or float on
            any device. Any number of channels (1, 3, 4, ...).
        scale: a positive number or ``(scale_h, scale_w)``; output size is
            ``ceil(in * scale)``. ``0.25`` makes the x4 LR image of an HR image.
        size: ``(height, width)`` of the output instead of ``scale``; one of them may be
            ``None`` to keep the aspect ratio.
        antialias: widen the kernel when downscaling (MATLAB's default ``true``).
        backend: ``'auto'`` (default): the C++ kernel for NumPy arrays and CPU tensors that
            do not require grad, the PyTorch path otherwise (CUDA tensors, autograd);
            ``'cpp'`` or ``'torch'`` force one (``'cpp'`` needs CPU data and gives no
            gradient). Both compute the same definition; results agree to float rounding
            (about 1e-13 in float64) and exactly for uint8.
        border: ``'symmetric'`` (default; MATLAB's current imresize.m) or ``'replicate'``
            (the older imresize.m that clamped out-of-range taps; it differs only where the
            kernel reaches more than one pixel beyond the edge).

    Returns:
        The resized image with the same type, layout and dtype as ``img`` (float16/bfloat16
        tensors are computed in float32). NumPy float inputs are computed in float64 and
        returned in their own float dtype.
    """
    check_border(border, "imresize")
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"imresize: `img` as a NumPy array must be (H, W) or (H, W, C), got shape {img.shape}")
        if img.ndim == 3 and img.shape[2] < 1:
            raise ValueError(f"imresize: `img` has no channels, shape {img.shape}")
        if img.dtype in _INT_MAX:
            int_max: Optional[int] = _INT_MAX[img.dtype]
        elif np.issubdtype(img.dtype, np.floating):
            int_max = None
        else:
            raise TypeError(f"imresize: `img` dtype must be uint8, uint16 or float, got {img.dtype}")
        if img.shape[0] < 1 or img.shape[1] < 1:
            raise ValueError(f"imresize: `img` must be non-empty, got shape {img.shape}")
        out_hw, scales = _plan((img.shape[0], img.shape[1]), scale, size, antialias,
                               img.shape[2] if img.ndim == 3 else 1)
        if _use_cpp(img, backend):
            return resize_numpy(img, out_hw, scales, antialias, int_max, border)
        t = torch.from_numpy(img.astype(np.float64))  # a fresh (writable) float64 copy
        t = t.permute(2, 0, 1) if img.ndim == 3 else t
        y = _resize_tensor(t, out_hw, scales, antialias, int_max, border)
        y = y.permute(1, 2, 0) if img.ndim == 3 else y
        return np.ascontiguousarray(y.numpy()).astype(img.dtype, copy=False)
    if isinstance(img, Tensor):
        if img.dim() not in (2, 3, 4):
            raise ValueError(f"imresize: `img` as a tensor must be (H, W), (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}")
        if img.numel() == 0:
            raise ValueError(f"imresize: `img` must be non-empty, got shape {tuple(img.shape)}")
        if img.dtype in _TORCH_INT_MAX:
            int_max = _TORCH_INT_MAX[img.dtype]
            work = torch.float64  # exact rounding decisions, as MATLAB (double)
        elif img.is_floating_point():
            int_max = None
            work = img.dtype if img.dtype in (torch.float32, torch.float64) else torch.float32
        else:
            raise TypeError(f"imresize: `img` tensor dtype must be uint8 or floating point, got {img.dtype}")
        out_hw, scales = _plan((img.shape[-2], img.shape[-1]), scale, size, antialias,
                               img.numel() // (img.shape[-2] * img.shape[-1]))
        if _use_cpp(img, backend):
            # uint8 runs natively in C++ (float64 sums); float16/bfloat16 in float32 as below.
            x = img.detach() if img.dtype == torch.uint8 else img.detach().to(work)
            return resize_tensor_cpu(x, out_hw, scales, antialias, int_max, border).to(img.dtype)
        y = _resize_tensor(img.to(work), out_hw, scales, antialias, int_max, border)
        return y.to(img.dtype)
    raise TypeError(f"imresize: `img` must be a NumPy array or a torch.Tensor, got {type(img).__name__}")
