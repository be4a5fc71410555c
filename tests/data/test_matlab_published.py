"""Checks against values published from real MATLAB sessions or MATLAB's documentation (no
MATLAB is available here; each value below names where it was printed).

What could not be checked here, and why: MATLAB-generated fixtures in public repositories
(sanghyun-son/bicubic_pytorch ``test_answer/*.mat``, open-mmlab/mmagic ``bicubic.mat``,
fatheral/matlab_imresize's resized Lena PNGs) are binary files that could not be fetched, and
the published bicubic PSNR/SSIM of Set5/Set14 (e.g. Set5 x4 bicubic 28.42 dB / 0.8104) need the
benchmark images themselves, which cannot be downloaded on this machine.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from srgan_cpp.data import imresize
from srgan_cpp.metrics import rgb_to_y, rgb_to_ycbcr

# MATLAB's imresize (default bicubic, antialiasing on) of a 1x5 row to 1x10, as printed by
# MATLAB ("format short", 4 decimals) in the Stack Overflow question "Why does imresize
# produce values greater than maximal?" (question 17380407, June 2013):
#   >> M = [0 0 1 1 0];  imresize(M, [1, size(M, 2) * 2])
#   ans = 0  -0.0234  -0.0703  0.2031  0.7969  1.0938  1.0938  0.7969  0.2031  -0.0703
MATLAB_ROW = np.array([[0, 0, 1, 1, 0]], dtype=np.float64)
MATLAB_ROW_X2 = np.array([[0, -0.0234, -0.0703, 0.2031, 0.7969, 1.0938, 1.0938, 0.7969, 0.2031, -0.0703]])
#: half a unit in the last printed place (plus float slack: 1.09375 prints as 1.0938)
PRINTED = 5e-5 + 1e-12


@pytest.mark.parametrize("backend", ["cpp", "torch"])
def test_imresize_matches_printed_matlab_output(backend):
    out = imresize(MATLAB_ROW, size=(1, 10), backend=backend)
    assert out.shape == (1, 10)
    # The nine values away from the right border agree to the printed precision (they are
    # the dyadic numbers 0, -3/128, -9/128, 13/64, 51/64, 35/32, ...).
    np.testing.assert_allclose(out[:, :9], MATLAB_ROW_X2[:, :9], rtol=0, atol=PRINTED)
    np.testing.assert_allclose(imresize(MATLAB_ROW, 2.0, backend=backend)[:1, :9], MATLAB_ROW_X2[:, :9],
                               rtol=0, atol=PRINTED)
    t = imresize(torch.from_numpy(MATLAB_ROW), size=(1, 10), backend=backend)
    np.testing.assert_allclose(t.numpy()[:, :9], MATLAB_ROW_X2[:, :9], rtol=0, atol=PRINTED)
    # The last value differs, and the difference identifies the MATLAB version: output 10
    # sits at u = 5.25 with taps at input positions 4..7 (weights cubic(1.25) = -9/128,
    # cubic(0.25), cubic(0.75), cubic(1.75) = -3/128). Position 7 is outside the row.
    # imresize.m up to the "Copyright 1992-2006" version clamps it to 5 ("Clamp out-of-range
    # indices; has the effect of replicating end-points": indices = min(max(1, indices),
    # in_length)), so only position 4 (value 1) counts: -9/128 = -0.0703, as printed in
    # 2013. Later imresize.m mirrors it to 4 ("Mirror out-of-bounds indices; equivalent of
    # doing symmetric padding": aux = [1:in_length, in_length:-1:1]), which srgan_cpp follows
    # (as BasicSR, mmagic and the Python ports do): -9/128 - 3/128 = -0.09375.
    clamp = -9 / 128
    assert MATLAB_ROW_X2[0, 9] == pytest.approx(clamp, abs=PRINTED)
    assert out[0, 9] == pytest.approx(-9 / 128 - 3 / 128, abs=1e-15)
    # border="replicate" reproduces that older imresize.m: all ten printed values
    old = imresize(MATLAB_ROW, size=(1, 10), backend=backend, border="replicate")
    np.testing.assert_allclose(old, MATLAB_ROW_X2, rtol=0, atol=PRINTED)
    assert old[0, 9] == clamp


@pytest.mark.parametrize("scale", [0.25, 1 / 3, 0.5, 2, 3, 4, 0.37])
def test_replicate_border_differs_only_near_the_edges(scale):
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (40, 44, 3), dtype=np.uint8)
    sym = imresize(img, scale).astype(int)
    rep = imresize(img, scale, border="replicate")
    np.testing.assert_array_equal(rep, imresize(img, scale, border="replicate", backend="torch"))
    # taps reach 2 / scale input pixels (2 when upscaling): beyond that the rules agree
    reach = int(np.ceil(2 / min(scale, 1) * scale)) + 1
    np.testing.assert_array_equal(sym[reach:-reach, reach:-reach], rep[reach:-reach, reach:-reach])
    assert (sym != rep).any()
    with pytest.raises(ValueError, match="`border` must be 'symmetric' or 'replicate'"):
        imresize(img, scale, border="reflect")


def test_ycbcr_matches_matlab_documented_ranges():
    # MATLAB's rgb2ycbcr documentation (Image Processing Toolbox, "Output Arguments"): for
    # uint8 input "Y is in the range [16, 235] and Cb and Cr are in the range [16, 240]"; for
    # double input the same divided by 255. The extremes are reached by these colours
    # (BT.601: black/white give Y = 16/235 with neutral chroma 128; blue and red give the
    # Cb/Cr maximum 240, yellow and cyan the minimum 16).
    px = np.array([[[0, 0, 0], [255, 255, 255], [0, 0, 255], [255, 0, 0], [255, 255, 0], [0, 255, 255]]],
                  dtype=np.uint8)
    ycc = rgb_to_ycbcr(px)
    assert ycc.dtype == np.uint8
    assert ycc[0].tolist() == [[16, 128, 128], [235, 128, 128], [41, 240, 110], [81, 90, 240], [210, 16, 146],
                               [170, 166, 16]]
    f = rgb_to_ycbcr(px.astype(np.float64) / 255) * 255
    assert f[..., 0].min() == pytest.approx(16.0, abs=1e-9) and f[..., 0].max() == pytest.approx(235.0, abs=1e-9)
    assert f[..., 1:].min() == pytest.approx(16.0, abs=1e-9) and f[..., 1:].max() == pytest.approx(240.0, abs=1e-9)
    assert rgb_to_y(px)[0, :2, 0].tolist() == [16, 235]
