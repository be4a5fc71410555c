"""srgan_cpp.losses: pixel, adversarial, penalty and gradient-cosine modules against
plain-PyTorch references (forward and backward), gradcheck, degenerate inputs, errors."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import losses, ops

from helpers.loss_references import gradient_cosine_reference, ragan_reference


def _pair(shape=(2, 3, 6, 5), dtype=torch.float64):
    return torch.rand(shape, dtype=dtype, requires_grad=True), torch.rand(shape, dtype=dtype)


def _grad_match(fn_ours, fn_ref, *inputs):
    a = [t.detach().clone().requires_grad_(t.requires_grad) for t in inputs]
    b = [t.detach().clone().requires_grad_(t.requires_grad) for t in inputs]
    out, ref = fn_ours(*a), fn_ref(*b)
    torch.testing.assert_close(out, ref)
    req = [i for i, t in enumerate(inputs) if t.requires_grad]
    g1 = torch.autograd.grad(out.sum(), [a[i] for i in req])
    g2 = torch.autograd.grad(ref.sum(), [b[i] for i in req])
    for x, y in zip(g1, g2):
        torch.testing.assert_close(x, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_mse_match_torch(reduction):
    p, t = _pair()
    _grad_match(lambda p, t: losses.L1Loss(reduction=reduction)(p, t), lambda p, t: F.l1_loss(p, t, reduction=reduction), p, t)
    _grad_match(lambda p, t: losses.MSELoss(2.0, reduction)(p, t),
                lambda p, t: 2.0 * F.mse_loss(p, t, reduction=reduction), p, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_pixel_losses(reduction):
    p, t = _pair()
    w = torch.rand(2, 1, 6, 5, dtype=torch.float64)  # per-pixel, broadcast over channels

    def ref(p, t, elem):
        wl = elem(p, t) * w
        return {"mean": wl.sum() / w.expand_as(wl).sum(), "sum": wl.sum(), "none": wl}[reduction]

    _grad_match(lambda p, t: losses.l1_loss(p, t, w, reduction), lambda p, t: ref(p, t, lambda a, b: (a - b).abs()), p, t)
    _grad_match(lambda p, t: losses.CharbonnierLoss(reduction=reduction, eps=1e-2)(p, t, w),
                lambda p, t: ref(p, t, lambda a, b: ((a - b) ** 2 + 1e-4).sqrt()), p, t)
    # A weight of ones is the unweighted loss.
    torch.testing.assert_close(losses.mse_loss(p, t, torch.ones(1, dtype=torch.float64)), F.mse_loss(p, t))


def test_charbonnier_smooth_at_zero_and_gradcheck():
    x = torch.rand(1, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    loss = losses.charbonnier_loss(x, x.detach())
    torch.testing.assert_close(loss, torch.tensor(1e-3, dtype=torch.float64))
    loss.backward()
    assert torch.equal(x.grad, torch.zeros_like(x))
    assert torch.autograd.gradcheck(lambda a, b: losses.charbonnier_loss(a, b), (x, torch.rand_like(x)))


@pytest.mark.parametrize("p_norm", [1, 2])
def test_total_variation(p_norm):
    x = torch.rand(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)

    def ref(x):
        dy, dx = x[:, :, 1:] - x[:, :, :-1], x[:, :, :, 1:] - x[:, :, :, :-1]
        f = (lambda d: d.abs()) if p_norm == 1 else (lambda d: d.square())
        return (f(dy).sum() + f(dx).sum()) / x.numel()

    _grad_match(lambda x: losses.TVLoss(p=p_norm)(x), ref, x)
    assert losses.total_variation_loss(torch.ones(1, 1, 4, 4)).item() == 0  # constant image
    assert torch.autograd.gradcheck(lambda x: losses.total_variation_loss(x, p=2), (x,))


KIND_REFS = {
    ("vanilla", True): lambda x: F.binary_cross_entropy_with_logits(x, torch.ones_like(x)),
    ("vanilla", False): lambda x: F.binary_cross_entropy_with_logits(x, torch.zeros_like(x)),
    ("lsgan", True): lambda x: F.mse_loss(x, torch.ones_like(x)),
    ("lsgan", False): lambda x: F.mse_loss(x, torch.zeros_like(x)),
    ("wgan", True): lambda x: -x.mean(),
    ("wgan", False): lambda x: x.mean(),
    ("wgan_softplus", True): lambda x: F.softplus(-x).mean(),
    ("wgan_softplus", False): lambda x: F.softplus(x).mean(),
}


@pytest.mark.parametrize("kind,real", list(KIND_REFS))
def test_gan_losses(kind, real):
    x = torch.randn(8, 1, dtype=torch.float64, requires_grad=True)
    _grad_match(lambda x: losses.GANLoss(kind, loss_weight=0.5)(x, real, is_disc=True), KIND_REFS[(kind, real)], x)
    _grad_match(lambda x: losses.GANLoss(kind, loss_weight=0.5)(x, real), lambda x: 0.5 * KIND_REFS[(kind, real)](x), x)


def test_hinge_and_huge_logits():
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    hinge = losses.GANLoss("hinge")
    _grad_match(lambda x: hinge(x, True, is_disc=True), lambda x: F.relu(1 - x).mean(), x)
    _grad_match(lambda x: hinge(x, False, is_disc=True), lambda x: F.relu(1 + x).mean(), x)
    _grad_match(lambda x: hinge(x, True), lambda x: -x.mean(), x)
    with pytest.raises(ValueError, match="target_is_real"):
        hinge(x, False)
    big = torch.tensor([1e4, -1e4], requires_grad=True)
    for kind in ("vanilla", "wgan_softplus"):
        for real in (True, False):
            out = losses.GANLoss(kind)(big, real, is_disc=True)
            g, = torch.autograd.grad(out, big)
            assert torch.isfinite(out) and torch.isfinite(g).all()
    with pytest.raises(ValueError, match="kind"):
        losses.GANLoss("minimax")


def test_relativistic_module():
    r, f = torch.randn(4, 1, dtype=torch.float64), torch.randn(4, 1, dtype=torch.float64, requires_grad=True)
    m = losses.RelativisticAverageGANLoss(loss_weight=5e-3)
    _grad_match(lambda r, f: m(r, f, is_disc=True), lambda r, f: ragan_reference(r, f, "discriminator"), r, f)
    _grad_match(lambda r, f: m(r, f), lambda r, f: 5e-3 * ragan_reference(r, f, "generator"), r, f)


def test_gradient_cosine_module():
    sr, hr = _pair((2, 1, 6, 7))
    m = losses.GradientCosineLoss(0.1, operator="central", mode="components")
    _grad_match(lambda a, b: m(a, b), lambda a, b: 0.1 * gradient_cosine_reference(a, b, "central", "components"), sr, hr)
    with pytest.raises(ValueError, match="operator"):
        losses.GradientCosineLoss(operator="prewitt")


def test_gradient_penalty_canonical_norm():
    # D(x) = <w, x> per sample: grad = w everywhere, so the penalty is (|w| - 1)^2 exactly,
    # with the norm taken over all of C, H, W.
    w = torch.randn(3, 4, 4, dtype=torch.float64, requires_grad=True)

    def disc(x):
        return (x * w).flatten(1).sum(1)

    real, fake = torch.rand(5, 3, 4, 4, dtype=torch.float64), torch.rand(5, 3, 4, 4, dtype=torch.float64)
    gp = losses.gradient_penalty(disc, real, fake)
    expect = (w.norm() - 1) ** 2
    torch.testing.assert_close(gp, expect)
    g1, = torch.autograd.grad(gp, w)  # create_graph: the penalty trains D
    g2, = torch.autograd.grad(expect, w)
    torch.testing.assert_close(g1, g2)
    # A non-linear D against autograd written out by hand, with fixed alpha.
    conv = torch.nn.Conv2d(3, 1, 3).double()
    alpha = torch.rand(5, dtype=torch.float64)
    x_hat = (alpha.view(5, 1, 1, 1) * real + (1 - alpha.view(5, 1, 1, 1)) * fake).requires_grad_()
    gr, = torch.autograd.grad(torch.tanh(conv(x_hat)).sum(), x_hat)
    torch.testing.assert_close(losses.gradient_penalty(lambda x: torch.tanh(conv(x)), real, fake, alpha),
                               ((gr.flatten(1).norm(dim=1) - 1) ** 2).mean())
    with pytest.raises(ValueError, match="same shape"):
        losses.gradient_penalty(disc, real, fake[:2])


def test_r1_penalty():
    x = torch.rand(4, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    logits = (x ** 2).flatten(1).sum(1)  # grad = 2x
    r1 = losses.r1_penalty(logits, x)
    torch.testing.assert_close(r1, (4 * x.detach() ** 2).flatten(1).sum(1).mean())
    assert r1.requires_grad
    with pytest.raises(ValueError, match="requires_grad|require grad"):
        losses.r1_penalty(logits, x.detach())


@pytest.mark.parametrize("fn", [losses.l1_loss, losses.mse_loss, losses.charbonnier_loss])
def test_pixel_bad_arguments(fn):
    with pytest.raises(ValueError, match="shape"):
        fn(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 5))
    with pytest.raises(ValueError, match="reduction"):
        fn(torch.rand(2), torch.rand(2), reduction="avg")
    with pytest.raises(ValueError, match="weight"):
        fn(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4), torch.rand(2, 4, 4))
    with pytest.raises(TypeError):
        fn([1.0], torch.rand(1))


def test_losses_in_a_training_step():
    # Every module composes in one generator step and gives finite gradients.
    torch.manual_seed(0)
    gen = torch.nn.Conv2d(3, 3, 3, padding=1)
    disc = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, stride=2), torch.nn.Flatten(), torch.nn.LazyLinear(1))
    lr, hr = torch.rand(2, 3, 12, 12), torch.rand(2, 3, 12, 12)
    sr = gen(lr)
    total = (losses.L1Loss(1e-2)(sr, hr) + losses.GradientCosineLoss(0.1)(sr, hr) + losses.TVLoss(1e-4)(sr)
             + losses.RelativisticAverageGANLoss(5e-3)(disc(hr).detach(), disc(sr)))
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in gen.parameters())
