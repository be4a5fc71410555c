"""PSNR / SSIM / YCbCr against scikit-image (where the definitions coincide) and hand-computed cases."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from srgan_cpp.metrics import SSIMLoss, gaussian_window, psnr, rgb_to_y, rgb_to_ycbcr, ssim, ssim_map, ycbcr_to_rgb

skimage = pytest.importorskip("skimage")
from skimage import data as skdata  # noqa: E402
from skimage.color import rgb2ycbcr as sk_rgb2ycbcr  # noqa: E402
from skimage.metrics import peak_signal_noise_ratio as sk_psnr  # noqa: E402
from skimage.metrics import structural_similarity as sk_ssim  # noqa: E402

SK_SSIM = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)


@pytest.fixture(scope="module")
def pair():
    """A real photograph crop and a degraded copy (uint8 RGB)."""
    hr = skdata.astronaut()[100:196, 150:262]
    rng = np.random.default_rng(0)
    sr = np.clip(hr.astype(np.int64) + rng.integers(-12, 13, hr.shape), 0, 255).astype(np.uint8)
    return hr, sr


def _y255(img: np.ndarray) -> np.ndarray:
    """BT.601 studio-range Y on the [0, 255] scale, written out independently."""
    x = img.astype(np.float64) / 255.0
    return 16.0 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]


def _y_rounded_exact(img: np.ndarray) -> np.ndarray:
    """MATLAB rgb2ycbcr Y of uint8 RGB, rounded half away from zero, in exact integer arithmetic."""
    c = img.astype(np.int64)
    n = 65481 * c[..., 0] + 128553 * c[..., 1] + 24966 * c[..., 2] + 16 * 255000
    q, r = np.divmod(n, 255000)
    return q + (r >= 127500)


# --- colour conversion -----------------------------------------------------------------------
def test_y_values_hand_computed():
    px = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    y = rgb_to_y(px)
    assert y.shape == (1, 5, 1) and y.dtype == np.uint8
    # 235, 16, 16 + 65.481, 16 + 128.553, 16 + 24.966 rounded
    assert y[0, :, 0].tolist() == [235, 16, 81, 145, 41]
    yf = rgb_to_y(px.astype(np.float64) / 255)
    np.testing.assert_allclose(yf[0, :, 0] * 255, [235.0, 16.0, 81.481, 144.553, 40.966], atol=1e-9)
    # exactly k + 0.5: (65.481*2 + 128.553*44 + 24.966*141) / 255 = 9307.5 / 255 = 36.5 -> Y = 52.5 -> 53
    # (a naive float evaluation gives 52.499999... -> 52 for some of these)
    halves = np.array([[[2, 44, 141], [0, 204, 68], [5, 65, 25]]], dtype=np.uint8)
    assert rgb_to_y(halves)[0, :, 0].tolist() == [53, 126, 53]
    h = torch.from_numpy(halves).permute(2, 0, 1)
    assert rgb_to_y(h)[0, 0].tolist() == [53, 126, 53]
    z = np.zeros((11, 11, 3), np.uint8)
    assert psnr(np.broadcast_to(halves[:, :1], (11, 11, 3)).copy(), z, channel="y", round_y=True) == pytest.approx(
        10 * math.log10(255 ** 2 / (53 - 16) ** 2), abs=1e-12)
    # against exact integer rounding on a random image
    rgb = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(rgb_to_y(rgb)[..., 0], _y_rounded_exact(rgb))
    np.testing.assert_array_equal(rgb_to_y(torch.from_numpy(rgb).permute(2, 0, 1))[0].numpy(), _y_rounded_exact(rgb))
    ycc = rgb_to_ycbcr(px)
    assert ycc[0, 2].tolist() == [81, 90, 240]  # red: Cr = 128 + 112
    assert ycc[0, 4].tolist() == [41, 240, 110]  # blue: Cb = 128 + 112, Cr = 128 - 18.214


def test_ycbcr_matches_skimage_and_round_trips(pair):
    hr, _ = pair
    ours = rgb_to_ycbcr(hr.astype(np.float64) / 255) * 255
    np.testing.assert_allclose(ours, sk_rgb2ycbcr(hr), atol=1e-9)
    back = ycbcr_to_rgb(rgb_to_ycbcr(hr.astype(np.float64) / 255))
    np.testing.assert_allclose(back, hr / 255.0, atol=1e-12)
    assert np.abs(ycbcr_to_rgb(rgb_to_ycbcr(hr)).astype(int) - hr).max() <= 2  # through uint8 YCbCr
    t = torch.from_numpy(hr).permute(2, 0, 1).double() / 255
    np.testing.assert_allclose(rgb_to_ycbcr(t).permute(1, 2, 0).numpy() * 255, ours, atol=1e-9)
    assert tuple(rgb_to_y(t[None]).shape) == (1, 1) + hr.shape[:2]


# --- PSNR --------------------------------------------------------------------------------------
def test_psnr_hand_computed():
    a = np.full((8, 8, 3), 100, dtype=np.uint8)
    b = a + 5  # MSE = 25
    expected = 10 * math.log10(255 ** 2 / 25)
    assert psnr(a, b) == pytest.approx(expected, abs=1e-12)
    assert psnr(a / 255.0, b / 255.0) == pytest.approx(expected, abs=1e-9)
    assert psnr(a.astype(np.float64), b.astype(np.float64), data_range=255) == pytest.approx(expected, abs=1e-12)
    assert psnr(a, a) == math.inf
    # Y of a grey shift of 5: Y changes by 5 * (65.481 + 128.553 + 24.966) / 255 = 5 * 219 / 255
    dy = 5 * 219.0 / 255
    assert psnr(a, b, channel="y") == pytest.approx(10 * math.log10(255 ** 2 / dy ** 2), abs=1e-9)


def test_psnr_crop_border():
    a = np.zeros((20, 20), dtype=np.uint8)
    b = a.copy()
    b[:3, :] = 200
    assert psnr(a, b) < 20
    assert psnr(a, b, crop_border=3) == math.inf
    assert psnr(a, b, crop_border=2) < math.inf


def test_psnr_matches_skimage(pair):
    hr, sr = pair
    assert psnr(hr, sr) == pytest.approx(sk_psnr(hr, sr, data_range=255), abs=1e-10)
    assert psnr(hr, sr, crop_border=4) == pytest.approx(sk_psnr(hr[4:-4, 4:-4], sr[4:-4, 4:-4], data_range=255), abs=1e-10)
    y1, y2 = _y255(hr), _y255(sr)
    assert psnr(hr, sr, channel="y") == pytest.approx(sk_psnr(y1, y2, data_range=255), abs=1e-10)
    r1, r2 = _y_rounded_exact(hr).astype(np.float64), _y_rounded_exact(sr).astype(np.float64)
    assert psnr(hr, sr, channel="y", round_y=True) == pytest.approx(sk_psnr(r1, r2, data_range=255), abs=1e-10)
    h16, s16 = hr.astype(np.uint16) * 257, sr.astype(np.uint16) * 257
    assert psnr(h16, s16) == pytest.approx(sk_psnr(h16, s16, data_range=65535), abs=1e-10)


def test_psnr_tensors_batched(pair):
    hr, sr = pair
    t_hr = torch.from_numpy(hr).permute(2, 0, 1).float() / 255
    t_sr = torch.from_numpy(sr).permute(2, 0, 1).float() / 255
    single = psnr(t_sr, t_hr, crop_border=2, channel="y")
    assert single.dim() == 0
    assert float(single) == pytest.approx(psnr(sr, hr, crop_border=2, channel="y"), abs=1e-4)
    batch = psnr(torch.stack([t_sr, t_hr, t_sr.flip(-1)]), torch.stack([t_hr, t_hr, t_hr.flip(-1)]))
    assert batch.shape == (3,) and batch.dtype == torch.float64
    assert float(batch[0]) == pytest.approx(psnr(sr, hr), abs=1e-4)
    assert math.isinf(float(batch[1]))
    assert float(batch[2]) == pytest.approx(float(batch[0]), abs=1e-9)


# --- SSIM --------------------------------------------------------------------------------------
def test_gaussian_window_values():
    g = gaussian_window(11, 1.5)
    # OpenCV getGaussianKernel(11, 1.5) / MATLAB fspecial('gaussian', [11 1], 1.5)
    np.testing.assert_allclose(g[:6].numpy(), [0.00102838, 0.00759876, 0.03600077, 0.10936069, 0.21300554, 0.26601172],
                               atol=5e-9)
    assert float(g.sum()) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(g.numpy(), g.flip(0).numpy())


def test_ssim_constant_images_hand_computed():
    a = np.full((16, 16), 100, dtype=np.uint8)
    b = np.full((16, 16), 110, dtype=np.uint8)
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1)  # all variances are 0
    assert ssim(a, b) == pytest.approx(expected, abs=1e-12)
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)


def test_ssim_matches_skimage(pair):
    hr, sr = pair
    assert ssim(hr, sr) == pytest.approx(sk_ssim(hr, sr, channel_axis=2, data_range=255, **SK_SSIM), abs=1e-10)
    g1, g2 = hr[..., 1], sr[..., 1]
    assert ssim(g1, g2) == pytest.approx(sk_ssim(g1, g2, data_range=255, **SK_SSIM), abs=1e-10)
    c = 3
    assert ssim(hr, sr, crop_border=c) == pytest.approx(
        sk_ssim(hr[c:-c, c:-c], sr[c:-c, c:-c], channel_axis=2, data_range=255, **SK_SSIM), abs=1e-10)
    y1, y2 = _y255(hr), _y255(sr)
    assert ssim(hr, sr, channel="y") == pytest.approx(sk_ssim(y1, y2, data_range=255, **SK_SSIM), abs=1e-10)
    assert ssim(hr / 255.0, sr / 255.0, channel="y") == pytest.approx(ssim(hr, sr, channel="y"), abs=1e-12)


def test_ssim_map_is_the_valid_region_of_skimage(pair):
    hr, sr = pair
    x, y = hr[..., 0].astype(np.float64), sr[..., 0].astype(np.float64)
    _, full = sk_ssim(x, y, data_range=255, full=True, **SK_SSIM)
    ours = ssim_map(torch.from_numpy(x)[None, None], torch.from_numpy(y)[None, None], data_range=255.0)
    assert tuple(ours.shape) == (1, 1, x.shape[0] - 10, x.shape[1] - 10)
    np.testing.assert_allclose(ours[0, 0].numpy(), full[5:-5, 5:-5], atol=1e-12)


def test_ssim_tensors_batched(pair):
    hr, sr = pair
    t_hr = torch.from_numpy(hr).permute(2, 0, 1)
    t_sr = torch.from_numpy(sr).permute(2, 0, 1)
    v = ssim(torch.stack([t_sr, t_hr]), torch.stack([t_hr, t_hr]), crop_border=4, channel="y")
    assert v.shape == (2,)
    assert float(v[0]) == pytest.approx(ssim(sr, hr, crop_border=4, channel="y"), abs=1e-12)
    assert float(v[1]) == pytest.approx(1.0, abs=1e-12)


def test_ssim_loss_is_differentiable_and_consistent(pair):
    hr, sr = pair
    t_hr = (torch.from_numpy(hr).permute(2, 0, 1).double() / 255)[None]
    t_sr = (torch.from_numpy(sr).permute(2, 0, 1).double() / 255)[None].requires_grad_(True)
    loss = SSIMLoss()(t_sr, t_hr)
    assert float(loss.detach()) == pytest.approx(1 - ssim(sr, hr), abs=1e-9)
    loss.backward()
    assert t_sr.grad is not None and torch.isfinite(t_sr.grad).all() and t_sr.grad.abs().sum() > 0
    ly = SSIMLoss(channel="y", reduction="none")(t_sr.detach(), t_hr)
    assert ly.shape == (1,) and float(ly[0]) == pytest.approx(1 - ssim(sr, hr, channel="y"), abs=1e-9)
    assert float(SSIMLoss()(t_hr, t_hr)) == pytest.approx(0.0, abs=1e-12)
    # analytic gradient == numerical (a 5x5 window on 7x7 images keeps gradcheck quick)
    x = torch.rand(1, 1, 7, 7, dtype=torch.float64, requires_grad=True)
    y = torch.rand(1, 1, 7, 7, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a: SSIMLoss(window_size=5)(a, y), (x,))


def test_metric_errors(pair):
    hr, sr = pair
    with pytest.raises(ValueError, match="same shape"):
        psnr(hr, sr[:-1])
    with pytest.raises(TypeError, match="same dtype"):
        psnr(hr, sr.astype(np.float32))
    with pytest.raises(TypeError, match="both be NumPy arrays or both tensors"):
        ssim(hr, torch.from_numpy(sr))
    with pytest.raises(ValueError, match="`channel` must be 'rgb' or 'y'"):
        psnr(hr, sr, channel="ycbcr")
    with pytest.raises(ValueError, match="`crop_border`=60 leaves nothing"):
        psnr(hr, sr, crop_border=60)
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(hr[:10, :10], sr[:10, :10])
    with pytest.raises(ValueError, match="3 channels"):
        psnr(np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 4), np.uint8), channel="y")
    with pytest.raises(TypeError, match="uint8, uint16 or float"):
        psnr(hr.astype(np.int32), sr.astype(np.int32))
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(N, C, H, W\)"):
        psnr(torch.zeros(8, 8), torch.zeros(8, 8))
    with pytest.raises(ValueError, match="RGB NumPy array"):
        rgb_to_ycbcr(hr[..., :2])
