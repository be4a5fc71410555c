"""srgan_cpp.upscale / Upscaler.run: every input kind comes back as itself; sizes; models."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

import srgan_cpp
from srgan_cpp.upscale import Upscaler, model_info, resolve_model
from upscale_helpers import random_image, tiny_srvgg


def test_package_is_callable_and_exports():
    assert callable(srgan_cpp.upscale)
    assert srgan_cpp.Upscaler is srgan_cpp.upscale.Upscaler
    import srgan_cpp.upscale.cli as cli  # the package stays importable as a package
    assert hasattr(cli, "add_upscale_parser")


@pytest.mark.parametrize("shape,dtype", [((20, 30), np.uint8), ((20, 30, 1), np.uint8), ((20, 30, 3), np.uint8),
                                         ((20, 30, 4), np.uint8), ((20, 30, 2), np.uint8), ((20, 30, 3), np.uint16),
                                         ((20, 30), np.uint16), ((20, 30, 3), np.float32)])
def test_numpy_in_numpy_out_same_dtype_and_channels(srvgg, shape, dtype):
    img = random_image(20, 30, shape[2] if len(shape) == 3 else 1, dtype)
    img = img[:, :, 0] if len(shape) == 2 else img
    out = srgan_cpp.upscale(img, srvgg, tile=16, overlap=4)
    assert out.dtype == dtype and out.shape == (40, 60) + shape[2:]


def test_tensor_pil_and_path_inputs(srvgg, tmp_path):
    t = torch.rand(3, 12, 14)
    out = srgan_cpp.upscale(t, srvgg)
    assert isinstance(out, torch.Tensor) and out.shape == (3, 24, 28) and out.dtype == torch.float32
    batch = srgan_cpp.upscale(torch.rand(2, 3, 12, 14, dtype=torch.float64), srvgg)
    assert batch.shape == (2, 3, 24, 28) and batch.dtype == torch.float64
    u8 = srgan_cpp.upscale(torch.randint(0, 255, (3, 12, 14), dtype=torch.uint8), srvgg)
    assert u8.dtype == torch.uint8
    for mode in ("RGB", "RGBA", "L", "LA"):
        im = Image.fromarray(random_image(12, 14, 3)).convert(mode)
        res = srgan_cpp.upscale(im, srvgg)
        assert isinstance(res, Image.Image) and res.mode == mode and res.size == (28, 24)
    path = tmp_path / "x.png"
    Image.fromarray(random_image(12, 14, 3)).save(path)
    arr = srgan_cpp.upscale(str(path), srvgg)
    assert arr.shape == (24, 28, 3) and arr.dtype == np.uint8


def test_same_result_for_every_input_kind(srvgg):
    img = random_image(16, 18, 3)
    a = srgan_cpp.upscale(img, srvgg, precision="fp32")
    b = srgan_cpp.upscale(Image.fromarray(img), srvgg, precision="fp32")
    c = srgan_cpp.upscale(torch.from_numpy(img).permute(2, 0, 1), srvgg, precision="fp32")
    np.testing.assert_array_equal(a, np.asarray(b))
    np.testing.assert_array_equal(a, c.permute(1, 2, 0).numpy())


def test_result_matches_the_model_itself(srvgg):
    img = random_image(16, 18, 3, np.float32)
    out = srgan_cpp.upscale(img, srvgg, precision="fp32", tile=0)
    with torch.no_grad():
        ref = srvgg(torch.from_numpy(img).permute(2, 0, 1)[None]).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_user_model_is_not_modified(srvgg):
    before = {k: v.clone() for k, v in srvgg.state_dict().items()}
    srvgg.train()
    Upscaler(srvgg, precision="bf16").run(random_image(8, 8))
    assert srvgg.training and all(torch.equal(v, before[k]) and v.dtype == torch.float32
                                  for k, v in srvgg.state_dict().items())


def test_checkpoint_path_and_state_dict_are_detected(checkpoint, srvgg):
    img = random_image(10, 12)
    ref = srgan_cpp.upscale(img, srvgg, precision="fp32")
    np.testing.assert_array_equal(srgan_cpp.upscale(img, checkpoint, precision="fp32"), ref)
    np.testing.assert_array_equal(srgan_cpp.upscale(img, srvgg.state_dict(), precision="fp32"), ref)


def test_model_argument_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a file"):
        resolve_model(str(tmp_path / "missing.pth"))
    with pytest.raises(IsADirectoryError, match="folder"):
        resolve_model(str(tmp_path))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="neither a checkpoint"):
        resolve_model(str(tmp_path / "junk.pth"))
    with pytest.raises(TypeError, match="`model` must be"):
        resolve_model(42)
    with pytest.raises(ValueError, match="discriminator"):
        Upscaler(srgan_cpp.models.VGGStyleDiscriminator(num_in_ch=3, num_feat=8))


def test_model_info_of_cpp_models_and_of_a_plain_module():
    rrdb = model_info(srgan_cpp.models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=2))
    assert (rrdb.scale, rrdb.in_channels, rrdb.size_multiple) == (2, 3, 2)
    assert model_info(srgan_cpp.models.PSRGANGenerator(nc=8, nb=1)).min_size == 13
    assert model_info(srgan_cpp.models.SRCNN(in_channels=1)).scale == 1

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)

        def forward(self, x):
            return F.pixel_shuffle(self.conv(x), 2)
    info = model_info(Plain())
    assert (info.scale, info.in_channels, info.out_channels, info.size_multiple) == (2, 1, 1, 1)


def test_channel_rules():
    gray_model = tiny_srvgg(channels=1)
    out = srgan_cpp.upscale(random_image(10, 12, 1)[:, :, 0], gray_model)
    assert out.shape == (20, 24)
    with pytest.raises(ValueError, match="takes 1 channel"):
        srgan_cpp.upscale(random_image(10, 12, 3), gray_model)
    # A gray image through an RGB model comes back gray: BT.601 luma of the output, then clamped and rounded.
    rgb_model = tiny_srvgg()
    gray = random_image(10, 12, 1)
    out = srgan_cpp.upscale(gray, rgb_model, precision="fp32")
    with torch.no_grad():
        y = rgb_model(torch.from_numpy(gray).permute(2, 0, 1)[None].float().div(255).expand(1, 3, -1, -1))
    luma = (y[0].permute(1, 2, 0) @ torch.tensor([0.299, 0.587, 0.114])).clamp(0, 1).mul(255).round()
    assert out.shape == (20, 24, 1)
    assert np.abs(out[..., 0].astype(np.float64) - luma.numpy()).max() <= 1.0


def test_output_sizes(srvgg):
    img = random_image(20, 30)
    assert srgan_cpp.upscale(img, srvgg, scale=3.5).shape == (70, 105, 3)
    assert srgan_cpp.upscale(img, srvgg, scale=1).shape == (20, 30, 3)
    assert srgan_cpp.upscale(img, srvgg, size=(50, None)).shape == (50, 75, 3)
    assert srgan_cpp.upscale(img, srvgg, size="64x33").shape == (33, 64, 3)
    with pytest.raises(ValueError, match="not both"):
        srgan_cpp.upscale(img, srvgg, scale=2, size="10x10")
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        srgan_cpp.upscale(img, srvgg, size="big")
    with pytest.raises(ValueError, match="positive number"):
        srgan_cpp.upscale(img, srvgg, scale=-1)


def test_factor_above_the_model_scale_applies_it_twice_then_matlab_bicubic(srvgg):
    img = random_image(12, 14)
    up = Upscaler(srvgg, precision="fp32")
    twice = up.run(up.run(img))
    assert up.run(img, scale=4).shape == (48, 56, 3)
    np.testing.assert_array_equal(up.run(img, scale=4), twice)  # x2 model, factor 4: two passes, no resize
    assert up.last_stats.passes == 2
    expected = srgan_cpp.data.imresize(twice, size=(36, 42))
    np.testing.assert_array_equal(up.run(img, scale=3), expected)


def test_scale_one_models_get_the_bicubic_upscaled_image():
    torch.manual_seed(0)
    srcnn = srgan_cpp.models.SRCNN(in_channels=3, features=(8, 4), kernel_sizes="9-1-5").eval()
    img = random_image(15, 17)
    out = Upscaler(srcnn, precision="fp32").run(img, scale=3)
    bic = srgan_cpp.data.imresize(img, size=(45, 51))
    ref = Upscaler(srcnn, precision="fp32").run(bic)
    np.testing.assert_array_equal(out, ref)


class _Nearest(nn.Module):
    """Equivariant x2 model: a D8-symmetric 3x3 blur, then nearest upsampling."""

    def __init__(self):
        super().__init__()
        k = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
        self.conv = nn.Conv2d(3, 3, 3, padding=1, bias=False, groups=3)
        self.conv.weight.data[:] = k

    def forward(self, x):
        return F.interpolate(self.conv(x), scale_factor=2, mode="nearest")


@pytest.mark.parametrize("tta", ["flip", "d8"])
def test_tta_is_exact_for_an_equivariant_model_and_averages_otherwise(tta, srvgg):
    img = random_image(16, 20, 3, np.float32)
    eq = _Nearest().eval()
    plain = Upscaler(eq, precision="fp32").run(img)
    np.testing.assert_allclose(Upscaler(eq, precision="fp32", tta=tta).run(img), plain, atol=1e-6)
    # Non-equivariant model: the mean of the transformed results (before clamping), by hand.
    k = [(0, False), (0, True)] if tta == "flip" else [(r, f) for f in (False, True) for r in range(4)]
    x = torch.from_numpy(img).permute(2, 0, 1)[None]
    acc = 0
    with torch.no_grad():
        for r, f in k:
            y = srvgg(torch.rot90(x.flip(-1) if f else x, r, (-2, -1)))
            y = torch.rot90(y, -r, (-2, -1))
            acc = acc + (y.flip(-1) if f else y)
    ref = (acc / len(k)).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(Upscaler(srvgg, precision="fp32", tile=0, tta=tta).run(img), ref, atol=1e-5)
    with pytest.raises(ValueError, match="`tta`"):
        Upscaler(srvgg, tta="d4")
