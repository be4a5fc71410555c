"""Plain-PyTorch reference for HetConv: a dense 3x3 conv whose weight is assembled from the
heterogeneous parameters (built here independently of srgan_cpp's converters)."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def dense_weight(w3: Tensor, w1: Tensor, parts: int) -> Tensor:
    """(out, in/P, 3, 3) + (out, in - in/P) -> (out, in, 3, 3), differentiable (torch.cat/pad)."""
    out, cg = w3.shape[0], w3.shape[1]
    og = out // parts
    rows = []
    for g in range(parts):
        r = slice(g * og, (g + 1) * og)
        centre = F.pad(w1[r, :, None, None], (1, 1, 1, 1))  # (og, in - cg, 3, 3): 1x1 kernels at the centre tap
        rows.append(torch.cat([centre[:, : g * cg], w3[r], centre[:, g * cg:]], dim=1))
    return torch.cat(rows, dim=0)


def het_mask(in_ch: int, out_ch: int, parts: int) -> Tensor:
    """1 where a dense 3x3 weight has a HetConv parameter, 0 elsewhere."""
    m = torch.zeros(out_ch, in_ch, 3, 3)
    m[:, :, 1, 1] = 1
    cg, og = in_ch // parts, out_ch // parts
    for g in range(parts):
        m[g * og:(g + 1) * og, g * cg:(g + 1) * cg] = 1
    return m


def het_conv2d_reference(x: Tensor, w3: Tensor, w1: Tensor, bias: Optional[Tensor], parts: int,
                         stride: int = 1) -> Tensor:
    return F.conv2d(x, dense_weight(w3, w1, parts), bias, stride=stride, padding=1)
