"""The attention blocks - the Python modules of srgan_cpp.nn and the C++ layers the models use -
against plain-PyTorch references (tests/helpers/attention_reference.py): same keys, outputs and
gradients (float64), channels_last, torch.compile(fullgraph=True) for the Python modules."""
from __future__ import annotations

import pytest
import torch

from helpers import attention_reference as ref
from helpers.op_checks import check_compiled_block
from srgan_cpp import _C
from srgan_cpp import nn as snn
from srgan_cpp.models import CppModule

BLOCKS = [
    ("channel", lambda: snn.ChannelAttention(16, 4), lambda: ref.ChannelAttention(16, 4),
     lambda: CppModule(_C.ChannelAttention, dict(num_feat=16, squeeze_factor=4))),
    ("pixel", lambda: snn.PixelAttention(16), lambda: ref.PixelAttention(16),
     lambda: CppModule(_C.PixelAttention, dict(num_feat=16))),
    ("spatial", lambda: snn.SpatialAttention(7), lambda: ref.SpatialAttention(7),
     lambda: CppModule(_C.SpatialAttention, dict(kernel_size=7))),
    ("spatial_k3", lambda: snn.SpatialAttention(3), lambda: ref.SpatialAttention(3),
     lambda: CppModule(_C.SpatialAttention, dict(kernel_size=3))),
]
IDS = [b[0] for b in BLOCKS]


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
@pytest.mark.parametrize("which", ["python", "cpp"])
@pytest.mark.parametrize("channels_last", [False, True])
def test_block_matches_reference(block, which, channels_last):
    _, make_py, make_ref, make_cpp = block
    reference = make_ref().double()
    ours = (make_py() if which == "python" else make_cpp()).double()
    assert list(ours.state_dict()) == list(reference.state_dict())
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, 16, 6, 7, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, expect = ours(xa), reference(xb)
    torch.testing.assert_close(out, expect, rtol=1e-12, atol=1e-12)
    g = torch.randn_like(out)
    out.backward(g)
    expect.backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-10, atol=1e-12)
    theirs = dict(reference.named_parameters())
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, theirs[name].grad, rtol=1e-10, atol=1e-10, msg=name)


@pytest.mark.parametrize("block", BLOCKS[:3], ids=IDS[:3])
@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_python_modules_compile_fullgraph(block, backend):
    _, make_py, make_ref, _ = block
    ours, reference = make_py(), make_ref()
    reference.load_state_dict(ours.state_dict())
    check_compiled_block(ours, reference, [torch.randn(2, 16, 6, 7)], backend)


def test_bad_block_arguments():
    with pytest.raises(ValueError, match="squeeze_factor"):
        snn.ChannelAttention(8, 16)
    with pytest.raises(ValueError, match="squeeze_factor"):
        CppModule(_C.ChannelAttention, dict(num_feat=8, squeeze_factor=16))
    with pytest.raises(ValueError, match="kernel_size"):
        snn.SpatialAttention(4)
    with pytest.raises(ValueError, match="kernel_size"):
        CppModule(_C.SpatialAttention, dict(kernel_size=0))
