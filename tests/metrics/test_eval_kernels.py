"""The C++ CPU paths of imresize and SSIM (csrc/data/imresize, csrc/metrics/ssim) against the
PyTorch paths that define them: float64 to ~1e-12, uint8 exactly, every layout and dtype the
public functions accept, and the dispatch rules (CUDA / autograd keep the PyTorch path)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from srgan_cpp import _C
from srgan_cpp.data import imresize, resize_weights
from srgan_cpp.metrics import ssim, ssim_map

SCALES = [2, 3, 4, 0.5, 1 / 3, 0.25, 1.5, 0.37, 2.7, (0.5, 3), (2.5, 0.3)]


def _both(img, scale=None, **kw):
    return imresize(img, scale, backend="cpp", **kw), imresize(img, scale, backend="torch", **kw)


# --- imresize ----------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", SCALES)
def test_imresize_float64_matches_torch_path(scale):
    rng = np.random.default_rng(0)
    for shape in [(13, 17, 3), (9, 8), (1, 7, 1), (16, 20, 4), (1, 1, 3), (5, 1)]:
        img = rng.random(shape) * 255
        c, t = _both(img, scale)
        assert c.shape == t.shape and c.dtype == np.float64
        np.testing.assert_allclose(c, t, rtol=0, atol=1e-12)
        chw = torch.from_numpy(img if img.ndim == 2 else np.ascontiguousarray(img.transpose(2, 0, 1)))
        ct, tt = _both(chw, scale)
        assert ct.shape == tt.shape and ct.dtype == torch.float64
        torch.testing.assert_close(ct, tt, rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", SCALES)
def test_imresize_uint8_exactly_equal(scale):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (23, 19, 3), dtype=np.uint8)
    c, t = _both(img, scale)
    assert c.dtype == np.uint8
    np.testing.assert_array_equal(c, t)
    nchw = torch.from_numpy(img).permute(2, 0, 1)[None].repeat(2, 1, 1, 1)
    ct, tt = _both(nchw, scale)
    assert ct.dtype == torch.uint8
    assert torch.equal(ct, tt)


def test_imresize_uint8_exact_halves_and_saturation():
    # dyadic weights (x2, x4) put exact .5 values on integer images: half away from zero
    img = np.array([[48, 0]], dtype=np.uint8)
    assert imresize(img, 2.0, backend="cpp")[0, 0] == 53
    edge = np.array([[0, 0, 255, 255]] * 4, dtype=np.uint8)
    up = imresize(edge, 2.0, backend="cpp")
    assert up.min() == 0 and up.max() == 255
    steps = np.tile(np.arange(0, 256, 17, dtype=np.uint8), (16, 1))
    for s in (2, 4, 0.5, 0.25):
        np.testing.assert_array_equal(imresize(steps, s, backend="cpp"), imresize(steps, s, backend="torch"))


def test_imresize_float32_half_uint16_and_size_argument():
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.random((2, 3, 21, 18))).float()
    c, t = _both(x, 0.37)
    assert c.dtype == torch.float32
    torch.testing.assert_close(c, t, rtol=1e-5, atol=1e-5)
    h = x.half()
    ch, th = _both(h, 2)
    assert ch.dtype == torch.float16
    torch.testing.assert_close(ch, th, rtol=0, atol=2e-3)
    n32 = rng.random((11, 12, 3)).astype(np.float32)  # NumPy float32: computed in float64
    c, t = _both(n32, 0.5)
    assert c.dtype == np.float32
    np.testing.assert_array_equal(c, t)
    u16 = rng.integers(0, 65536, (10, 14), dtype=np.uint16)
    c, t = _both(u16, 0.5)
    assert c.dtype == np.uint16
    np.testing.assert_array_equal(c, t)
    img = rng.random((10, 14, 3))
    for size in [(5, 7), (None, 20), (23, None), (10, 5)]:
        c, t = _both(img, size=size)
        np.testing.assert_allclose(c, t, rtol=0, atol=1e-12)


def test_imresize_layouts_without_copies_agree():
    rng = np.random.default_rng(3)
    base = torch.from_numpy(rng.random((2, 3, 17, 22)))
    ref = imresize(base, 0.5, backend="torch")
    cl = base.contiguous(memory_format=torch.channels_last)
    out = imresize(cl, 0.5, backend="cpp")
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)
    strided = torch.from_numpy(rng.random((2, 3, 17, 44)))[..., ::2]  # non-unit W stride: copied
    torch.testing.assert_close(imresize(strided, 3, backend="cpp"), imresize(strided, 3, backend="torch"),
                               rtol=0, atol=1e-12)
    hwc = rng.integers(0, 256, (17, 22, 3), dtype=np.uint8)
    flipped = hwc[::-1]  # negative strides, read-only views
    np.testing.assert_array_equal(imresize(flipped, 0.25, backend="cpp"), imresize(flipped, 0.25, backend="torch"))
    ro = hwc.copy()
    ro.setflags(write=False)
    np.testing.assert_array_equal(imresize(ro, 0.25, backend="cpp"), imresize(hwc, 0.25, backend="torch"))
    assert np.array_equal(imresize(ro, 1.0, backend="cpp"), ro)  # identity passes


def test_imresize_dispatch_rules():
    x = torch.rand(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    y = imresize(x, 0.5)  # autograd needs the PyTorch path
    assert y.requires_grad
    y.sum().backward()
    assert x.grad is not None
    with torch.no_grad():
        assert not imresize(x, 0.5).requires_grad
    assert not imresize(x, 0.5, backend="cpp").requires_grad
    with pytest.raises(ValueError, match="`backend` must be"):
        imresize(x, 0.5, backend="fast")
    if torch.cuda.is_available():
        with pytest.raises(ValueError, match="needs a CPU tensor"):
            imresize(x.detach().cuda(), 0.5, backend="cpp")


def test_imresize_cpp_function_errors():
    x = torch.zeros(1, 4, 4, 1, dtype=torch.float64)
    w, i = (torch.from_numpy(np.array(a)) for a in resize_weights(4, 2, 0.5))
    assert tuple(_C.imresize_bhwc(x, w, i, None, None, True).shape) == (1, 2, 4, 1)
    with pytest.raises(ValueError, match="rank 4"):
        _C.imresize_bhwc(x[0], w, i, None, None, True)
    with pytest.raises(TypeError, match="uint8, float32 or float64"):
        _C.imresize_bhwc(x.to(torch.int32), w, i, None, None, True)
    with pytest.raises(TypeError, match="`weights_h` of dtype float64"):
        _C.imresize_bhwc(x, w.float(), i, None, None, True)
    with pytest.raises(ValueError, match="given together"):
        _C.imresize_bhwc(x, w, None, None, None, True)
    with pytest.raises(ValueError, match=r"outside \[0, 4\)"):
        _C.imresize_bhwc(x, w, i + 3, None, None, True)
    with pytest.raises(ValueError, match="shape of `weights_w`"):
        _C.imresize_bhwc(x, None, None, w, i[:1], True)


@pytest.mark.parametrize("border", ["symmetric", "replicate"])
def test_cpp_contributions_match_python(border):
    for n_in, scale in [(7, 2.0), (9, 1 / 3), (16, 0.25), (5, 2.7), (12, 0.37), (1, 3.0), (20, 0.5), (3, 0.25)]:
        n_out = math.ceil(n_in * scale)
        for antialias in (True, False):
            w, i = _C.resize_contributions(n_in, n_out, scale, antialias, border == "symmetric")
            pw, pi = resize_weights(n_in, n_out, scale, antialias, border)
            assert w.dtype == torch.float64 and i.dtype == torch.int64
            np.testing.assert_array_equal(i.numpy(), pi)
            np.testing.assert_allclose(w.numpy(), pw, rtol=0, atol=1e-15)
    rng = np.random.default_rng(5)
    img = torch.from_numpy(rng.integers(0, 256, (2, 19, 23, 3), dtype=np.uint8))
    for sh, sw in [(0.25, 0.25), (3.0, 3.0), (0.5, 2.0), (1.0, 0.37)]:
        ours = _C.imresize_bhwc_scale(img, sh, sw, True, border == "symmetric")
        ref = imresize(img.permute(0, 3, 1, 2), (sh, sw), border=border, backend="torch").permute(0, 2, 3, 1)
        assert torch.equal(ours, ref), (sh, sw)
    with pytest.raises(ValueError, match="lengths must be >= 1"):
        _C.resize_contributions(0, 3, 2.0)
    with pytest.raises(ValueError, match="`scale` must be positive"):
        _C.resize_contributions(3, 3, float("nan"))


# --- SSIM -----------------------------------------------------------------------------------------
def test_ssim_cpp_matches_torch_path():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 256, (40, 37, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
    for kw in [{}, {"channel": "y"}, {"crop_border": 4}, {"channel": "y", "crop_border": 3, "round_y": True}]:
        assert ssim(a, b, backend="cpp", **kw) == pytest.approx(ssim(a, b, backend="torch", **kw), abs=1e-13)
    ta = torch.from_numpy(a).permute(2, 0, 1).double() / 255
    tb = torch.from_numpy(b).permute(2, 0, 1).double() / 255
    batch_a, batch_b = torch.stack([ta, tb, ta]), torch.stack([tb, tb, ta.flip(-1)])
    c = ssim(batch_a, batch_b, backend="cpp")
    t = ssim(batch_a, batch_b, backend="torch")
    assert c.shape == (3,) and c.dtype == torch.float64
    torch.testing.assert_close(c, t, rtol=0, atol=1e-13)
    assert float(c[1]) == pytest.approx(1.0, abs=1e-14)
    # channels_last and float32 inputs
    cl = batch_a.float().contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(ssim(cl, batch_b.float(), backend="cpp"), ssim(cl, batch_b.float(), backend="torch"),
                               rtol=0, atol=1e-12)


def test_ssim_cpp_kernel_direct_and_dispatch():
    x = torch.rand(2, 2, 15, 12, dtype=torch.float64) * 255
    y = torch.rand(2, 2, 15, 12, dtype=torch.float64) * 255
    from srgan_cpp.metrics.ssim import gaussian_window
    direct = _C.ssim_per_image(x, y, gaussian_window(11, 1.5), 6.5025, 58.5225)
    torch.testing.assert_close(direct, ssim_map(x, y, 255.0).mean(dim=(1, 2, 3)), rtol=0, atol=1e-13)
    k5 = gaussian_window(5, 1.0)
    direct5 = _C.ssim_per_image(x.float(), y.float(), k5, 6.5025, 58.5225)
    torch.testing.assert_close(direct5, ssim_map(x, y, 255.0, window_size=5, sigma=1.0).mean(dim=(1, 2, 3)),
                               rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="at least 11x11"):
        _C.ssim_per_image(x[..., :10], y[..., :10], gaussian_window(11, 1.5), 1.0, 1.0)
    with pytest.raises(ValueError, match="shape of `x`"):
        _C.ssim_per_image(x, y[:1], gaussian_window(11, 1.5), 1.0, 1.0)
    with pytest.raises(TypeError, match="float32 or float64"):
        _C.ssim_per_image(x.half(), y.half(), gaussian_window(11, 1.5), 1.0, 1.0)
    with pytest.raises(ValueError, match="odd length"):
        _C.ssim_per_image(x, y, torch.ones(4, dtype=torch.float64), 1.0, 1.0)
    # autograd keeps the differentiable PyTorch path
    xr = (x / 255).requires_grad_(True)
    v = ssim(xr, y / 255)
    assert v.requires_grad
    v.sum().backward()
    assert xr.grad is not None and torch.isfinite(xr.grad).all()
    with pytest.raises(ValueError, match="`backend` must be"):
        ssim(x, y, backend="numpy")


def test_ssim_cpp_known_values():
    # constant images: all variances vanish, SSIM = (2 a b + C1) / (a^2 + b^2 + C1)
    a = np.full((16, 16), 100, dtype=np.uint8)
    b = np.full((16, 16), 110, dtype=np.uint8)
    c1 = (0.01 * 255) ** 2
    assert ssim(a, b, backend="cpp") == pytest.approx((2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1), abs=1e-12)
    assert math.isclose(ssim(a, a, backend="cpp"), 1.0, abs_tol=1e-12)
