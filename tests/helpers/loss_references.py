"""Plain-PyTorch references of the loss ops, written from the definitions (not from the
kernels) so the tests compare two independent implementations."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

# 3x3 correlation kernels (x gradient, y gradient) of each operator.
GRAD_KERNELS = {
    "sobel": ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "central": ([[0, 0, 0], [-0.5, 0, 0.5], [0, 0, 0]], [[0, -0.5, 0], [0, 0, 0], [0, 0.5, 0]]),
    "forward": ([[0, 0, 0], [0, -1, 1], [0, 0, 0]], [[0, 0, 0], [0, -1, 0], [0, 1, 0]]),
}


def image_gradient(x: Tensor, operator: str) -> tuple:
    """(gx, gy), each (N, C, H, W): per-channel stencil on the replicate-padded image."""
    kx, ky = GRAD_KERNELS[operator]
    c = x.shape[1]
    w = torch.tensor([kx, ky], dtype=x.dtype, device=x.device).unsqueeze(1).repeat(c, 1, 1, 1)
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), w, groups=c)
    return g[:, 0::2], g[:, 1::2]


def gradient_cosine_reference(sr: Tensor, hr: Tensor, operator: str = "sobel", mode: str = "magnitude",
                              reduction: str = "mean", eps: float = 1e-8) -> Tensor:
    gxs, gys = image_gradient(sr, operator)
    gxh, gyh = image_gradient(hr, operator)
    if mode == "magnitude":
        # vector_norm's sub-gradient at 0 is 0, the convention the op documents.
        y = torch.linalg.vector_norm(torch.stack([gxs, gys]), dim=0).flatten(1)
        x = torch.linalg.vector_norm(torch.stack([gxh, gyh]), dim=0).flatten(1)
    else:
        y = torch.cat([gxs, gys], 1).flatten(1)
        x = torch.cat([gxh, gyh], 1).flatten(1)
    nx = torch.linalg.vector_norm(x, dim=1).clamp_min(eps)
    ny = torch.linalg.vector_norm(y, dim=1).clamp_min(eps)
    loss = 1 - (x * y).sum(1) / (nx * ny)
    return reduce(loss, reduction)


def reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def ragan_reference(real: Tensor, fake: Tensor, target: str = "discriminator", reduction: str = "mean") -> Tensor:
    """ESRGAN: BCE-with-logits on real - mean(fake) and fake - mean(real), halved."""
    ones, zeros = torch.ones_like(real), torch.zeros_like(real)
    t_real, t_fake = (ones, zeros) if target == "discriminator" else (zeros, ones)
    lr = F.binary_cross_entropy_with_logits(real - fake.mean(), t_real, reduction="none")
    lf = F.binary_cross_entropy_with_logits(fake - real.mean(), t_fake, reduction="none")
    return reduce(0.5 * (lr + lf), reduction)
