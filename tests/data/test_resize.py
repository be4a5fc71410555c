"""MATLAB bicubic imresize: hand-worked values, kernel properties, an independent loop
implementation of MATLAB's imresize.m, Pillow in the interior, rounding rules, layouts."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from srgan_cpp.data import imresize, resize_matrix, resize_weights
from srgan_cpp.data import resize as resize_mod


# --- an independent reference: MATLAB's imresize.m transcribed with plain loops ------------
def _ref_cubic(x: float) -> float:
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1
    if ax <= 2:
        return -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2
    return 0.0


def _ref_resize_1d(v: list, out_len: int, scale: float, antialias: bool, integer: bool) -> list:
    n = len(v)
    width = 4.0 / scale if (scale < 1 and antialias) else 4.0
    out = []
    for x in range(1, out_len + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = []
        for j in range(math.ceil(width) + 2):
            ind = left + j
            d = u - ind
            w = scale * _ref_cubic(scale * d) if (scale < 1 and antialias) else _ref_cubic(d)
            # symmetric border: 1..n, n..1, repeated
            m = (ind - 1) % (2 * n)
            src = m if m < n else 2 * n - 1 - m
            taps.append((w, src))
        total = sum(w for w, _ in taps)
        val = sum(w / total * v[s] for w, s in taps)
        if integer:
            val = min(max(val, 0.0), 255.0)
            val = float(math.floor(val + 0.5))  # MATLAB: round half away from zero (val >= 0)
        out.append(val)
    return out


def _ref_imresize(img: np.ndarray, scale: float, antialias: bool = True) -> np.ndarray:
    """(H, W) image, same scale for both dims: H first (MATLAB's order on ties), then W."""
    integer = img.dtype == np.uint8
    h, w = img.shape
    oh, ow = math.ceil(h * scale), math.ceil(w * scale)
    a = img.astype(np.float64)
    tmp = np.zeros((oh, w))
    for c in range(w):
        tmp[:, c] = _ref_resize_1d(list(a[:, c]), oh, scale, antialias, integer)
    out = np.zeros((oh, ow))
    for r in range(oh):
        out[r, :] = _ref_resize_1d(list(tmp[r, :]), ow, scale, antialias, integer)
    return out.astype(np.uint8) if integer else out


# --- hand-worked values ----------------------------------------------------------------------
def test_cubic_kernel_values():
    k = resize_mod.cubic(np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, -0.25]))
    expected = [1.0, 0.8671875, 0.5625, 0.2265625, 0.0, -0.0703125, -0.0625, -0.0234375, 0.0, 0.0, 0.8671875]
    np.testing.assert_allclose(k, expected, rtol=0, atol=1e-15)


def test_x2_upscale_weights_hand_worked():
    w, idx = resize_weights(4, 8, 2.0)
    # output pixel 1 (1-based): u = 0.75, distances 1.75, 0.75, -0.25, -1.25 to inputs 0, 1, 2, 3 (1-based)
    np.testing.assert_allclose(w[0], [-0.0234375, 0.2265625, 0.8671875, -0.0703125], atol=1e-15)
    assert idx[0].tolist() == [1, 0, 0, 1]  # inputs 0 and -1 mirror onto pixels 1 and 2 (1-based)
    np.testing.assert_allclose(w[1], [-0.0703125, 0.8671875, 0.2265625, -0.0234375], atol=1e-15)
    assert idx[1].tolist() == [0, 0, 1, 2]


def test_x2_downscale_hand_worked():
    # antialiased kernel 0.5 * cubic(d / 2) at d = +-0.5, +-1.5, +-2.5, +-3.5
    w, idx = resize_weights(4, 2, 0.5)
    np.testing.assert_allclose(w[0], [-0.01171875, -0.03515625, 0.11328125, 0.43359375,
                                      0.43359375, 0.11328125, -0.03515625, -0.01171875], atol=1e-15)
    assert idx[0].tolist() == [2, 1, 0, 0, 1, 2, 3, 3]
    # row [10, 20, 30, 40] -> 14.609375 and (by the symmetry v -> 50 - v) 35.390625, worked by hand
    row = np.array([[10.0, 20.0, 30.0, 40.0]])
    out = imresize(row, 0.5)
    assert out.shape == (1, 2)
    np.testing.assert_allclose(out, [[14.609375, 35.390625]], atol=1e-12)
    out8 = imresize(row.astype(np.uint8), 0.5)
    assert out8.dtype == np.uint8 and out8.tolist() == [[15, 35]]


def test_uint8_rounds_half_away_from_zero():
    # W pass 2 -> 4 (x2): pixel 0 = 1.09375 * 48 - 0.09375 * 0 = 52.5 exactly
    img = np.array([[48, 0]], dtype=np.uint8)
    f = imresize(img.astype(np.float64), 2.0)
    assert f[0, 0] == 52.5
    u = imresize(img, 2.0)
    assert u[0, 0] == 53  # np.round would give 52 (half to even)
    assert u.dtype == np.uint8
    # saturation: overshoot of the cubic kernel beyond [0, 255] is clipped
    edge = np.array([[0, 0, 255, 255]] * 4, dtype=np.uint8)
    up = imresize(edge, 2.0)
    assert up.min() == 0 and up.max() == 255
    assert imresize(edge.astype(np.float64), 2.0).max() > 255


def test_uint8_rounds_after_each_pass_like_matlab():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (9, 11), dtype=np.uint8)
    for s in (0.5, 1 / 3, 2.0, 3.0, 0.7):
        np.testing.assert_array_equal(imresize(img, s), _ref_imresize(img, s), err_msg=f"scale {s}")
    # rounding only once at the end (BasicSR on float images) differs by 1 on some pixels
    once = np.clip(np.floor(imresize(img.astype(np.float64), 0.5) + 0.5), 0, 255).astype(np.uint8)
    twice = imresize(img, 0.5)
    diff = np.abs(once.astype(int) - twice.astype(int))
    assert diff.max() == 1 and diff.sum() > 0


# --- against the independent loop implementation --------------------------------------------
@pytest.mark.parametrize("scale", [2, 3, 4, 0.5, 1 / 3, 0.25, 1.5, 0.37, 2.7])
@pytest.mark.parametrize("shape", [(7, 9), (12, 5), (1, 6)])
def test_matches_reference_float(scale, shape):
    img = np.random.default_rng(1).random(shape) * 255
    out = imresize(img, scale)
    ref = _ref_imresize(img, scale)
    assert out.shape == ref.shape == (math.ceil(shape[0] * scale), math.ceil(shape[1] * scale))
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9)


def test_matches_reference_without_antialias():
    img = np.random.default_rng(2).random((10, 13))
    np.testing.assert_allclose(imresize(img, 0.5, antialias=False), _ref_imresize(img, 0.5, antialias=False), atol=1e-12)
    assert not np.allclose(imresize(img, 0.5, antialias=False), imresize(img, 0.5))


def test_pillow_agrees_in_the_interior():
    # Pillow's BICUBIC uses the same kernel (a = -0.5), antialiasing and pixel-centre mapping;
    # it differs only at the border (it renormalises instead of mirroring).
    a = np.random.default_rng(0).random((64, 72)).astype(np.float32)
    for s in (0.25, 0.5, 2.0, 3.0):
        oh, ow = math.ceil(64 * s), math.ceil(72 * s)
        pil = np.asarray(Image.fromarray(a, mode="F").resize((ow, oh), Image.BICUBIC))
        ours = imresize(a.astype(np.float64), s)
        b = 3 if s < 1 else int(3 * s) + 2
        np.testing.assert_allclose(ours[b:-b, b:-b], pil[b:-b, b:-b], atol=1e-6)


# --- kernel and resize properties --------------------------------------------------------------
def test_weights_rows_sum_to_one_and_matrix_consistent():
    for n_in, n_out, s in ((10, 3, 0.3), (10, 20, 2.0), (7, 21, 3.0), (100, 25, 0.25), (3, 10, 10 / 3)):
        w, idx = resize_weights(n_in, n_out, s)
        np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-12)
        assert idx.min() >= 0 and idx.max() < n_in
        m = resize_matrix(n_in, n_out, s)
        assert m.shape == (n_out, n_in)
        v = np.random.default_rng(0).random(n_in)
        np.testing.assert_allclose(m @ v, (w * v[idx]).sum(1), atol=1e-12)


def test_constant_image_is_preserved():
    for dtype, val in ((np.uint8, 77), (np.float64, 0.3)):
        img = np.full((11, 14, 3), val, dtype=dtype)
        for s in (0.25, 0.5, 2, 3, 1.3):
            out = imresize(img, s)
            np.testing.assert_allclose(out.astype(np.float64), val, atol=1e-12)


def test_odd_integer_upscale_interpolates_input_pixels():
    # x3: output pixel 3k-1 (1-based) maps to u = k exactly, so it equals input pixel k
    img = np.random.default_rng(5).random((8, 9))
    np.testing.assert_allclose(imresize(img, 3)[1::3, 1::3], img, atol=1e-12)
    u8 = (img * 255).astype(np.uint8)
    np.testing.assert_array_equal(imresize(u8, 3)[1::3, 1::3], u8)


def test_quadratic_reproduced_away_from_borders():
    # Keys' kernel with a = -0.5 reproduces polynomials up to degree 2
    n = 30
    x = np.arange(1, n + 1, dtype=np.float64)
    row = (0.1 * x ** 2 - 2 * x + 3)[None, :]
    s = 1.7
    out = imresize(np.repeat(row, 3, 0), size=(3, math.ceil(n * s)))[1]
    u = np.arange(1, out.size + 1) / s + 0.5 * (1 - 1 / s)
    interior = (u > 3) & (u < n - 2)
    np.testing.assert_allclose(out[interior], (0.1 * u ** 2 - 2 * u + 3)[interior], atol=1e-9)


def test_identity_and_round_trip():
    img = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    np.testing.assert_array_equal(imresize(img, 1), img)
    # a smooth image survives x2 down and up nearly unchanged
    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    smooth = 0.5 + 0.3 * np.sin(2 * np.pi * xx) * np.cos(2 * np.pi * yy)
    back = imresize(imresize(smooth, 0.5), 2)
    assert back.shape == smooth.shape
    assert np.abs(back - smooth)[4:-4, 4:-4].max() < 5e-3


@pytest.mark.parametrize("shape,scale,expected", [
    ((13, 17), 1 / 3, (5, 6)), ((13, 17), 0.37, (5, 7)), ((5, 7), 2.5, (13, 18)), ((256, 256), 0.25, (64, 64)),
    ((255, 255), 0.25, (64, 64)), ((10, 10), (0.5, 2.0), (5, 20)),
])
def test_output_size_is_ceil(shape, scale, expected):
    assert imresize(np.zeros(shape), scale).shape == expected


def test_size_argument():
    img = np.random.default_rng(0).random((20, 30))
    assert imresize(img, size=(7, 11)).shape == (7, 11)
    assert imresize(img, size=(None, 15)).shape == (10, 15)
    assert imresize(img, size=(40, None)).shape == (40, 60)
    # size equal to ceil(in * scale) with an exact scale gives the same result as the scale
    np.testing.assert_allclose(imresize(img, size=(10, 15)), imresize(img, 0.5), atol=1e-12)


def test_smaller_scale_dimension_first():
    # uint8 rounding makes the pass order observable; MATLAB resizes the dim with the smaller scale first
    img = np.random.default_rng(4).integers(0, 256, (12, 12), dtype=np.uint8)
    out = imresize(img, (2.0, 0.5))
    w_first = imresize(imresize(img, (1.0, 0.5)), (2.0, 1.0))
    h_first = imresize(imresize(img, (2.0, 1.0)), (1.0, 0.5))
    assert out.shape == (24, 6)
    np.testing.assert_array_equal(out, w_first)
    assert not np.array_equal(out, h_first)


# --- layouts, dtypes, devices -------------------------------------------------------------------
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_numpy_and_tensor_layouts_agree(channels):
    rng = np.random.default_rng(channels)
    hwc = rng.integers(0, 256, (15, 13, channels), dtype=np.uint8)
    ref = imresize(hwc, 0.5)
    assert ref.shape == (8, 7, channels) and ref.dtype == np.uint8
    for c in range(channels):
        np.testing.assert_array_equal(ref[:, :, c], imresize(hwc[:, :, c], 0.5))
    chw = torch.from_numpy(hwc).permute(2, 0, 1)
    t = imresize(chw, 0.5)
    assert t.dtype == torch.uint8 and tuple(t.shape) == (channels, 8, 7)
    np.testing.assert_array_equal(t.permute(1, 2, 0).numpy(), ref)
    nchw = torch.stack([chw, chw.flip(-1)])
    tb = imresize(nchw, 0.5)
    np.testing.assert_array_equal(tb[0].numpy(), t.numpy())
    np.testing.assert_array_equal(tb[1].numpy(), imresize(chw.flip(-1), 0.5).numpy())
    f32 = imresize(chw.float() / 255, 3)
    assert f32.dtype == torch.float32
    np.testing.assert_allclose(f32.permute(1, 2, 0).numpy(), imresize(hwc.astype(np.float64) / 255, 3), atol=1e-5)
    f64 = imresize(chw.double() / 255, 3)
    np.testing.assert_allclose(f64.permute(1, 2, 0).numpy(), imresize(hwc.astype(np.float64) / 255, 3), atol=1e-12)


def test_float32_numpy_and_half_tensor():
    img = np.random.default_rng(0).random((9, 9, 3)).astype(np.float32)
    out = imresize(img, 0.5)
    assert out.dtype == np.float32
    h = imresize(torch.from_numpy(img).permute(2, 0, 1).half(), 2)
    assert h.dtype == torch.float16 and tuple(h.shape) == (3, 18, 18)


def test_uint16():
    img = np.random.default_rng(0).integers(0, 65536, (10, 10), dtype=np.uint16)
    out = imresize(img, 0.5)
    assert out.dtype == np.uint16
    ref = np.clip(imresize(img.astype(np.float64), 0.5), 0, 65535)
    assert np.abs(out.astype(np.float64) - ref).max() <= 1.0


def test_gather_path_matches_matrix_path(monkeypatch):
    img = np.random.default_rng(0).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    dense = {s: imresize(img, s, backend="torch") for s in (0.25, 3, 0.6)}
    monkeypatch.setattr(resize_mod, "_DENSE_MAX", 0)
    for s, ref in dense.items():
        np.testing.assert_array_equal(imresize(img, s, backend="torch"), ref)
    gray = img[:, :, 0].astype(np.float64)
    np.testing.assert_allclose(imresize(gray, 0.6, backend="torch"), _ref_imresize(gray, 0.6), atol=1e-9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.cuda
def test_cuda_matches_cpu():
    x = torch.rand(2, 3, 33, 40)
    np.testing.assert_allclose(imresize(x.cuda(), 0.25).cpu().numpy(), imresize(x, 0.25).numpy(), atol=1e-5)
    u = (x * 255).to(torch.uint8)
    assert torch.equal(imresize(u.cuda(), 3).cpu(), imresize(u, 3))


def test_bad_inputs():
    img = np.zeros((4, 4, 3))
    with pytest.raises(ValueError, match="exactly one of `scale` and `size`"):
        imresize(img)
    with pytest.raises(ValueError, match="exactly one"):
        imresize(img, 2, size=(8, 8))
    with pytest.raises(ValueError, match="`scale` must be positive"):
        imresize(img, -2)
    with pytest.raises(ValueError, match="`scale` as a sequence needs 2"):
        imresize(img, (1, 2, 3))
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        imresize(np.zeros((2, 4, 4, 3)), 2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        imresize(torch.zeros(1, 1, 1, 4, 4), 2)
    with pytest.raises(TypeError, match="uint8, uint16 or float"):
        imresize(np.zeros((4, 4), dtype=np.int32), 2)
    with pytest.raises(TypeError, match="uint8 or floating point"):
        imresize(torch.zeros(3, 4, 4, dtype=torch.int64), 2)
    with pytest.raises(ValueError, match="`size` values must be positive integers"):
        imresize(img, size=(0, 4))
    with pytest.raises(TypeError, match="NumPy array or a torch.Tensor"):
        imresize([[1, 2], [3, 4]], 2)
