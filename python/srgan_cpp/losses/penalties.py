"""Discriminator regularisers: the WGAN-GP gradient penalty and the R1 penalty."""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import Tensor


def gradient_penalty(discriminator: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     alpha: Optional[Tensor] = None, target_norm: float = 1.0) -> Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad_x D(x_hat)||_2 - target_norm)^2].

    x_hat = alpha * real + (1 - alpha) * fake with alpha ~ U(0, 1) per sample (or the given
    (N,) / (N, 1, 1, 1) ``alpha``); the norm is the canonical per-sample norm over all of
    C, H, W. ``fake`` is detached (the penalty trains the discriminator only). Returns a
    0-dim tensor that keeps the graph (create_graph=True) so it can be backpropagated into
    the discriminator's parameters. Multiply by lambda (10 in the paper) yourself.
    """
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: expected `fake` of the same shape as `real` {tuple(real.shape)}, "
                         f"got {tuple(fake.shape)}")
    if real.dim() < 2:
        raise ValueError(f"gradient_penalty: expected batched inputs (N, ...), got shape {tuple(real.shape)}")
    n = real.shape[0]
    view = [n] + [1] * (real.dim() - 1)
    if alpha is None:
        alpha = torch.rand(view, device=real.device, dtype=real.dtype)
    else:
        if alpha.numel() != n:
            raise ValueError(f"gradient_penalty: expected one `alpha` per sample ({n}), got shape {tuple(alpha.shape)}")
        alpha = alpha.reshape(view).to(real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = discriminator(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return (norm - target_norm).square().mean()


def r1_penalty(real_logits: Tensor, real_images: Tensor) -> Tensor:
    """R1 (Mescheder et al. 2018): E[||grad_x D(x)||^2] over real samples.

    ``real_images`` must require grad and ``real_logits = D(real_images)``. Returns the
    batch mean of the per-sample squared norm over all of C, H, W, with the graph kept;
    the usual regulariser is gamma / 2 times this.
    """
    if not real_images.requires_grad:
        raise ValueError("r1_penalty: `real_images` must require grad (call real_images.requires_grad_() "
                         "before computing real_logits = D(real_images))")
    (grad,) = torch.autograd.grad(real_logits.sum(), real_images, create_graph=True)
    return grad.flatten(1).square().sum(1).mean()
