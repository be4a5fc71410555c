"""VGG feature extractor and PerceptualLoss: torchvision layout and layer names, weight
files (.pth with weights_only, safetensors) including missing/corrupt/mismatched files,
features before/after activation, normalisation, style loss, against references."""
from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F

from srgan_cpp import losses

@pytest.fixture(scope="module")
def vgg19_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vgg") / "vgg19.pth"
    losses.save_random_vgg(path, "vgg19", seed=1)
    return str(path)


def test_layer_names_match_torchvision_indices():
    names = losses.layer_names("vgg19")
    assert len(names) == 37  # torchvision vgg19().features has 37 modules
    assert names[:5] == ["conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1"]
    assert names.index("conv5_4") == 34 and names.index("relu5_4") == 35 and names[-1] == "pool5"
    v16 = losses.layer_names("vgg16")
    assert len(v16) == 31 and v16.index("conv5_3") == 28 and "conv5_4" not in v16


def _manual_features(state, x, upto, vgg_type="vgg19"):
    """Runs torchvision's layer sequence by hand from the state dict (a second,
    independent implementation of the architecture)."""
    names = losses.layer_names(vgg_type)
    x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    for i, n in enumerate(names[: upto + 1]):
        if n.startswith("conv"):
            x = F.conv2d(x, state[f"features.{i}.weight"], state[f"features.{i}.bias"], padding=1)
        elif n.startswith("relu"):
            x = F.relu(x)
        else:
            x = F.max_pool2d(x, 2)
    return x


def test_features_match_manual_forward(vgg19_file):
    state = torch.load(vgg19_file, weights_only=True)
    ext = losses.VGGFeatureExtractor(["relu1_2", "conv3_4", "pool2"], weights_path=vgg19_file)
    assert len(ext.features) == losses.layer_names().index("conv3_4") + 1  # cut after the deepest layer
    x = torch.rand(1, 3, 16, 16)
    out = ext(x)
    for name in ("relu1_2", "conv3_4", "pool2"):
        torch.testing.assert_close(out[name], _manual_features(state, x, losses.layer_names().index(name)),
                                   rtol=1e-4, atol=1e-5)
    assert (out["conv3_4"] < 0).any()  # before activation: negative values survive
    assert not any(p.requires_grad for p in ext.parameters())


def test_safetensors_and_pth_load_the_same(tmp_path, vgg19_file):
    pytest.importorskip("safetensors")
    st = tmp_path / "vgg19.safetensors"
    losses.save_random_vgg(st, "vgg19", seed=1)
    a = losses.VGGFeatureExtractor(["conv5_4"], weights_path=vgg19_file)
    b = losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(st))
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k])


def test_bad_weight_files(tmp_path, vgg19_file):
    with pytest.raises(FileNotFoundError, match="weights_path"):
        losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(tmp_path / "missing.pth"))
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="not a readable"):
        losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(corrupt))
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(open(vgg19_file, "rb").read()[:5000])
    with pytest.raises(ValueError):
        losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(truncated))
    v16 = tmp_path / "vgg16.pth"
    losses.save_random_vgg(v16, "vgg16")
    with pytest.raises(ValueError, match="vgg19"):  # conv3_4 exists in vgg19 only: layout mismatch
        losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(v16))
    # A pickle that would need code to load is refused by weights_only.
    evil = tmp_path / "evil.pth"
    import pickle

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ValueError, match="not a readable"):
        losses.VGGFeatureExtractor(["conv5_4"], weights_path=str(evil))
    with pytest.raises(ValueError, match="unknown layer"):
        losses.VGGFeatureExtractor(["conv6_1"])
    with pytest.raises(ValueError, match="weights_path"):
        losses.PerceptualLoss()


@pytest.mark.parametrize("criterion", ["l1", "l2", "fro"])
def test_perceptual_loss_matches_reference(vgg19_file, criterion):
    state = torch.load(vgg19_file, weights_only=True)
    lw = {"conv2_2": 0.5, "relu3_1": 1.0}
    loss = losses.PerceptualLoss(lw, vgg19_file, criterion=criterion, perceptual_weight=2.0, style_weight=3.0)
    sr = torch.rand(2, 3, 16, 16, requires_grad=True)
    hr = torch.rand(2, 3, 16, 16)
    crit = {"l1": F.l1_loss, "l2": F.mse_loss, "fro": lambda a, b: (a - b).norm()}[criterion]

    def gram(f):
        n, c, h, w = f.shape
        f = f.reshape(n, c, h * w)
        return f @ f.transpose(1, 2) / (c * h * w)

    names = losses.layer_names()
    sr2 = sr.detach().clone().requires_grad_()
    expect = 0
    for name, w in lw.items():
        a = _manual_features(state, sr2, names.index(name))
        b = _manual_features(state, hr, names.index(name))
        expect = expect + 2.0 * w * crit(a, b) + 3.0 * w * crit(gram(a), gram(b))
    out = loss(sr, hr)
    torch.testing.assert_close(out, expect, rtol=1e-4, atol=1e-6)
    out.backward()
    expect.backward()
    torch.testing.assert_close(sr.grad, sr2.grad, rtol=1e-3, atol=1e-7)


def test_range_norm_grey_input_and_vgg16(tmp_path):
    v16 = tmp_path / "vgg16.pth"
    losses.save_random_vgg(v16, "vgg16", seed=3)
    ext = losses.VGGFeatureExtractor(["relu2_2"], "vgg16", str(v16), range_norm=True)
    x = torch.rand(1, 1, 8, 8)
    out = ext(x * 2 - 1)["relu2_2"]  # [-1, 1] input, one channel (infrared)
    plain = losses.VGGFeatureExtractor(["relu2_2"], "vgg16", str(v16))(x.expand(-1, 3, -1, -1))["relu2_2"]
    torch.testing.assert_close(out, plain, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="N, 3, H, W"):
        ext(torch.rand(1, 2, 8, 8))
    loss = losses.PerceptualLoss({"conv2_2": 1.0}, vgg_type="vgg16", allow_random_weights=True)
    assert loss(x, x).item() == 0
