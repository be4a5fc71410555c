"""Sizes a user passes that drive memory have an upper bound, checked before anything is
allocated, with a ValueError naming the argument (issue 17, class 2): the blur window
(`kernel_size`, or `sigma` through the default window) and imresize's `scale` / `size`
(output values, and the taps of an antialiasing kernel for a tiny scale)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from srgan_cpp.data import degradations, imresize
from srgan_cpp.data import resize as resize_mod
from srgan_cpp.data.degradations import MAX_KERNEL_SIZE, Degradation, gaussian_blur, gaussian_kernel

IMAGES = [pytest.param(lambda: torch.rand(3, 8, 8), id="tensor"),
          pytest.param(lambda: np.random.default_rng(0).random((8, 8, 3)), id="numpy"),
          pytest.param(lambda: (np.random.default_rng(0).random((8, 8)) * 255).astype(np.uint8), id="uint8")]


@pytest.mark.parametrize("make", IMAGES)
@pytest.mark.parametrize("kernel_size", [10**9 + 1, MAX_KERNEL_SIZE + 2, 2**63 + 1])
def test_huge_blur_window_is_refused(make, kernel_size):
    with pytest.raises(ValueError, match=r"gaussian_blur: `kernel_size` must be at most 2049"):
        gaussian_blur(make(), 1.0, kernel_size)


@pytest.mark.parametrize("sigma", [1e9, 342.0])
def test_huge_sigma_is_refused_through_the_default_window(sigma):
    with pytest.raises(ValueError, match=r"gaussian_blur: `sigma` .* default kernel_size .* above the limit"):
        gaussian_blur(torch.rand(1, 8, 8), sigma)
    # An explicit small window keeps such a sigma usable.
    assert gaussian_blur(torch.rand(1, 8, 8), sigma, 5).shape == (1, 8, 8)


@pytest.mark.parametrize("kernel_size,sigma,words", [
    (4, 1.0, "`kernel_size` must be a positive odd integer"),
    (True, 1.0, "`kernel_size` must be a positive odd integer"),
    (float("inf"), 1.0, "`kernel_size` must be a positive odd integer"),
    (3.5, 1.0, "`kernel_size` must be a positive odd integer"),
    (3, float("inf"), "`sigma` must be positive and finite"),
    (3, float("nan"), "`sigma` must be positive and finite"),
    (None, float("inf"), "`sigma` must be positive and finite"),
    (10**6 + 1, 1.0, "`kernel_size` must be at most"),
])
def test_kernel_arguments(kernel_size, sigma, words):
    for fn, name in ((gaussian_kernel, "gaussian_kernel"), (gaussian_blur, "gaussian_blur")):
        with pytest.raises(ValueError, match=f"{name}: {words}"):
            if fn is gaussian_kernel:
                fn(kernel_size, sigma)
            else:
                fn(torch.rand(1, 8, 8), sigma, kernel_size)


def test_largest_window_still_works():
    k = gaussian_kernel(MAX_KERNEL_SIZE, 300.0)
    assert k.shape == (MAX_KERNEL_SIZE, MAX_KERNEL_SIZE) and abs(k.sum() - 1) < 1e-9


def test_degradation_with_a_huge_window_names_it():
    deg = Degradation(scale=2, kind="blur", sigma=1.0, kernel_size=10**9 + 1)
    with pytest.raises(ValueError, match="`kernel_size` must be at most"):
        deg(np.zeros((8, 8, 3), np.uint8), rng=0)


@pytest.mark.parametrize("make", IMAGES)
@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_huge_scale_is_refused_before_allocating(make, backend):
    with pytest.raises(ValueError, match=r"imresize: `scale` 1000000.0 gives an output of 8000000 x 8000000 pixels"):
        imresize(make(), 1e6, backend=backend)


@pytest.mark.parametrize("make", IMAGES)
@pytest.mark.parametrize("scale", [1e-9, (1.0, 1e-7)])
def test_tiny_scale_is_refused_before_allocating(make, scale):
    with pytest.raises(ValueError, match=r"imresize: `scale` .* is too small for a dimension of 8 pixels"):
        imresize(make(), scale)


def test_huge_size_is_refused():
    with pytest.raises(ValueError, match=r"imresize: `size` \(100000, 100000\) gives an output"):
        imresize(torch.rand(3, 8, 8), size=(100000, 100000))
    with pytest.raises(ValueError, match=r"imresize: `size` .* gives an output"):
        imresize(np.zeros((4, 4), np.uint8), size=(None, 10**7))


def test_resize_weights_bound():
    with pytest.raises(ValueError, match=r"resize_weights: `scale` 1e-09 is too small"):
        resize_mod.resize_weights(8, 1, 1e-9)
    # Without antialiasing the kernel stays 4 taps wide: no bound is reached.
    w, idx = resize_mod.resize_weights(8, 1, 1e-9, antialias=False)
    assert w.shape == idx.shape == (1, 4)


def test_bounds_leave_real_work_alone():
    """The limits are far from what SR uses: a x4 upscale of a 4K frame and a 1/64 shrink of
    a 16k-pixel-wide strip plan without error; a 1-pixel output via `size` still works."""
    assert resize_mod._plan((2160, 3840), 4.0, None, True, 3)[0] == (8640, 15360)
    assert resize_mod._plan((64, 16384), 1 / 64, None, True, 3)[0] == (1, 256)
    assert imresize(torch.rand(3, 8, 8), size=(1, 1)).shape == (3, 1, 1)
    assert imresize(torch.rand(3, 8, 8), 1 / 8).shape == (3, 1, 1)


def test_bicubic_downsample_names_scale():
    with pytest.raises(ValueError, match="`scale`"):
        degradations.bicubic_downsample(np.zeros((8, 8), np.uint8), 1e9)
