"""srgan_cpp.models.widen_state_dict (Net2WiderNet): a wider network computing exactly the
function of the narrow one - on the C++ SRVGGNetCompact and on a plain nn.Sequential chain -
copies that can separate (uneven splits) or not (even), and errors naming the key."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from srgan_cpp import models


def _srvgg_chain(num_conv: int):
    convs = [f"body.{2 * i}" for i in range(num_conv + 2)]
    acts = [[f"body.{2 * i + 1}.weight"] for i in range(num_conv + 1)]
    return convs, acts


def _randomised(model: nn.Module, seed: int) -> nn.Module:
    """Non-trivial PReLU slopes and biases, so a wrong copy of either shows in the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * (0.3 if p.dim() > 1 else 0.5))
    return model


@pytest.mark.parametrize("split_noise", [0.0, 0.3])
@pytest.mark.parametrize("scale", [2, 4])
def test_widened_srvgg_computes_the_same_function(split_noise, scale):
    narrow = _randomised(models.SRVGGNetCompact(num_feat=8, num_conv=3, upscale=scale).double(), 0)
    convs, acts = _srvgg_chain(3)
    state = models.widen_state_dict(narrow.state_dict(), convs, 13, acts, split_noise=split_noise, seed=3)
    wide = models.SRVGGNetCompact(num_feat=13, num_conv=3, upscale=scale).double()
    wide.load_state_dict(state)
    x = torch.rand(2, 3, 9, 7, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(wide(x), narrow(x), rtol=1e-10, atol=1e-10)
    # The widened layers are really wider and the old channels come first, unchanged.
    assert state["body.2.weight"].shape == (13, 13, 3, 3)
    torch.testing.assert_close(state["body.0.weight"][:8], narrow.state_dict()["body.0.weight"])
    torch.testing.assert_close(state["body.1.weight"][:8], narrow.state_dict()["body.1.weight"])


def test_even_split_keeps_copies_identical_and_uneven_split_separates_them():
    narrow = _randomised(models.SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2).double(), 1)
    convs, acts = _srvgg_chain(1)

    def copy_grads(split_noise):
        state = models.widen_state_dict(narrow.state_dict(), convs, 5, acts, split_noise=split_noise, seed=0)
        wide = models.SRVGGNetCompact(num_feat=5, num_conv=1, upscale=2).double()
        wide.load_state_dict(state)
        # Channel 4 is new: a copy of one of the first four (the one with the same weights).
        w = state["body.0.weight"]
        src = next(c for c in range(4) if torch.equal(w[c], w[4]))
        wide(torch.rand(1, 3, 6, 6, dtype=torch.float64)).square().sum().backward()
        g = dict(wide.named_parameters())["body.0.weight"].grad
        return g[src], g[4]

    a, b = copy_grads(0.0)
    torch.testing.assert_close(a, b)      # even split: the copies can never separate
    a, b = copy_grads(0.5)
    assert (a - b).abs().max() > 1e-6     # uneven split: different gradients from the first step


def test_widens_a_plain_sequential_chain():
    torch.manual_seed(0)
    narrow = nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.PReLU(6), nn.Conv2d(6, 5, 1), nn.ReLU(),
                           nn.Conv2d(5, 3, 3, padding=1)).double()
    with torch.no_grad():
        narrow[1].weight.uniform_(-1, 1)
    state = models.widen_state_dict(narrow.state_dict(), ["0", "2", "4"], 9, [["1.weight"], []], split_noise=0.2)
    wide = nn.Sequential(nn.Conv2d(2, 9, 3, padding=1), nn.PReLU(9), nn.Conv2d(9, 9, 1), nn.ReLU(),
                         nn.Conv2d(9, 3, 3, padding=1)).double()
    wide.load_state_dict(state)
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(wide(x), narrow(x), rtol=1e-10, atol=1e-10)


def test_width_equal_to_the_current_one_is_a_copy():
    narrow = _randomised(models.SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2), 2)
    convs, acts = _srvgg_chain(1)
    state = models.widen_state_dict(narrow.state_dict(), convs, 4, acts, split_noise=0.5)
    for k, v in narrow.state_dict().items():
        torch.testing.assert_close(state[k], v)


@pytest.mark.parametrize("kwargs, message", [
    ({"width": 3}, "`width` 3 is below 'body.0.weight'"),
    ({"convs": ["body.0"]}, "at least 2 convs"),
    ({"convs": ["body.0", "body.9"], "per_channel": ()}, "'body.9.weight' must be a conv weight"),
    ({"convs": ["body.0", "body.0"], "per_channel": ()}, "'body.0.weight' takes 3 inputs, but 'body.0.weight' has 4"),
    ({"per_channel": [["body.1.weight"]]}, "one entry per hidden layer (2)"),
    ({"per_channel": [["body.2.weight"], []]}, "per-channel 'body.2.weight' must have shape (4,), got (4, 4, 3, 3)"),
    ({"split_noise": -1.0}, "`split_noise` must be >= 0"),
])
def test_bad_arguments_name_what_was_expected(kwargs, message):
    narrow = models.SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2)
    convs, acts = _srvgg_chain(1)
    args = {"convs": convs, "width": 6, "per_channel": acts, **kwargs}
    with pytest.raises(ValueError, match="widen_state_dict: ") as info:
        models.widen_state_dict(narrow.state_dict(), **args)
    assert message in str(info.value)
