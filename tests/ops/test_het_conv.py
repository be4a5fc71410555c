"""het_conv2d: the fused HetConv op against a dense masked 3x3 conv, forward and every
gradient, all dtypes, layouts, parts and strides; gradcheck, opcheck, torch.compile,
converters and argument errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from srgan_cpp import ops

from helpers import DEVICES
from helpers.op_checks import COMPILE_BACKENDS, check_compiled_block, requiring_grad, run_opcheck
from helpers.het_conv_reference import dense_weight, het_conv2d_reference, het_mask

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
# Both sides are exact convolutions summed in different orders (and, in 16-bit types,
# rounded at different points): tolerances relative to the output's magnitude.
TOL = {torch.float32: 2e-5, torch.float64: 1e-12, torch.float16: 4e-3, torch.bfloat16: 3e-2}


def make(n, cin, cout, parts, h, w, device, dtype, channels_last=False, bias=True):
    x = torch.randn(n, cin, h, w, device=device).to(dtype)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    cg = cin // parts
    w3 = (torch.randn(cout, cg, 3, 3, device=device) / 3).to(dtype)
    w1 = (torch.randn(cout, cin - cg, device=device) / 3).to(dtype)
    b = torch.randn(cout, device=device).to(dtype) if bias else None
    return x, w3, w1, b


def assert_close(got, want, dtype):
    assert got.shape == want.shape and got.dtype == dtype
    scale = max(1.0, want.abs().max().item()) if want.numel() else 1.0
    torch.testing.assert_close(got.double(), want.double(), rtol=0, atol=TOL[dtype] * scale)


# (in, out, parts): P in {1, 2, 4, 8, in}, plus in != out.
GEOMETRIES = [(16, 16, 1), (16, 16, 2), (16, 16, 4), (16, 16, 8), (16, 16, 16), (8, 16, 4), (16, 8, 8)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cin,cout,parts", GEOMETRIES)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("channels_last", [False, True])
def test_forward_and_gradients_match_masked_dense_conv(device, dtype, cin, cout, parts, stride, channels_last):
    n = 1 if parts % 2 else 2  # batch 1 included
    x, w3, w1, b = make(n, cin, cout, parts, 7, 5, device, dtype, channels_last)
    ours = [t.detach().clone().requires_grad_() for t in (x, w3, w1, b)]
    # The reference runs in float64 on the same (rounded) values.
    ref = [t.detach().double().requires_grad_() for t in (x, w3, w1, b)]
    y = ops.het_conv2d(*ours, parts, stride)
    y_ref = het_conv2d_reference(*ref, parts, stride)
    assert y.shape == (n, cout, (7 - 1) // stride + 1, (5 - 1) // stride + 1)
    assert y.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    assert_close(y, y_ref, dtype)
    g = torch.randn_like(y_ref)
    got = torch.autograd.grad(y, ours, g.to(dtype))
    want = torch.autograd.grad(y_ref, ref, g)
    for a, e, t in zip(got, want, ours):
        assert a.shape == t.shape
        assert_close(a, e, dtype)


@pytest.mark.parametrize("device", DEVICES)
def test_matches_dense_conv_with_mask_and_parameter_count(device):
    cin, cout, parts = 16, 8, 4
    x, w3, w1, b = make(2, cin, cout, parts, 6, 6, device, torch.float64)
    dense = dense_weight(w3, w1, parts)
    mask = het_mask(cin, cout, parts).to(device, torch.float64)
    assert torch.equal(dense * mask, dense)  # nothing outside the pattern
    assert int(mask.sum()) + cout == w3.numel() + w1.numel() + b.numel() == cout * (cin // parts * 9 + cin - cin // parts) + cout
    assert torch.equal(ops.het_conv2d_to_dense(w3, w1, parts), dense)
    y = ops.het_conv2d(x, w3, w1, b, parts)
    torch.testing.assert_close(y, torch.nn.functional.conv2d(x, dense * mask, b, padding=1), rtol=1e-12, atol=1e-12)


def test_no_bias_gradients_only_where_needed():
    x, w3, w1, _ = make(2, 8, 8, 4, 5, 5, "cpu", torch.float32, bias=False)
    w3.requires_grad_()
    y = ops.het_conv2d(x, w3, w1, None, 4)
    (gw3,) = torch.autograd.grad(y.sum(), [w3])
    ref3 = w3.detach().clone().requires_grad_()
    (e,) = torch.autograd.grad(het_conv2d_reference(x, ref3, w1, None, 4).sum(), [ref3])
    torch.testing.assert_close(gw3, e, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("parts,stride,channels_last", [(1, 1, False), (2, 2, True), (4, 1, True), (8, 2, False)])
def test_gradcheck_float64(parts, stride, channels_last):
    x, w3, w1, b = make(2, 8, 8, parts, 5, 4, "cpu", torch.float64, channels_last)
    args = [t.requires_grad_() for t in (x, w3, w1, b)]
    assert torch.autograd.gradcheck(lambda *a: ops.het_conv2d(*a, parts, stride), args)


def test_gradcheck_converters():
    w3 = torch.randn(8, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    w1 = torch.randn(8, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: ops.het_conv2d_to_dense(a, b, 4), (w3, w1))
    d = torch.randn(8, 8, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: ops.het_conv2d_from_dense(t, 4), (d,))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    op = torch.ops.srgan_cpp.het_conv2d.default
    cases = []
    for parts, stride, cl, bias, rg in [(4, 1, False, True, True), (2, 2, True, True, True), (1, 1, False, False, False),
                                        (8, 2, False, True, False), (4, 1, True, False, True)]:
        x, w3, w1, b = make(2, 8, 8, parts, 5, 4, device, torch.float32, cl, bias)
        if rg:
            x, w3, w1, b = requiring_grad(x, w3, w1, b)
        cases.append((op, (x, w3, w1, b, parts, stride)))
    x, w3, w1, _ = make(2, 8, 8, 4, 5, 4, device, torch.float32)
    cases += [(torch.ops.srgan_cpp.het_conv2d_backward.default,
               (torch.randn(2, 8, 3, 2, device=device), x, w3, w1, 4, 2, [True, True, True, True])),
              (torch.ops.srgan_cpp.het_conv2d_to_dense.default, (w3, w1, 4)),
              (torch.ops.srgan_cpp.het_conv2d_from_dense.default, (torch.randn(8, 8, 3, 3, device=device), 4))]
    run_opcheck(cases)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", COMPILE_BACKENDS)
def test_torch_compile_fullgraph(device, backend):
    def block(x, w3a, w1a, ba, w3b, w1b, bb):
        h = torch.relu(ops.het_conv2d(x, w3a, w1a, ba, 4, 1))
        return x[:, :, ::2, ::2] + ops.het_conv2d(h, w3b, w1b, bb, 4, 2)

    def block_ref(x, w3a, w1a, ba, w3b, w1b, bb):
        h = torch.relu(het_conv2d_reference(x, w3a, w1a, ba, 4, 1))
        return x[:, :, ::2, ::2] + het_conv2d_reference(h, w3b, w1b, bb, 4, 2)

    x, w3a, w1a, ba = make(2, 8, 8, 4, 7, 6, device, torch.float32)
    _, w3b, w1b, bb = make(2, 8, 8, 4, 7, 6, device, torch.float32)
    args = (x, w3a, w1a, ba, w3b, w1b, bb)
    check_compiled_block(block, block_ref, args, backend)


@pytest.mark.parametrize("parts", [1, 2, 8])
def test_dense_round_trip_and_strict(parts):
    w3 = torch.randn(16, 8 // parts, 3, 3)
    w1 = torch.randn(16, 8 - 8 // parts)
    dense = ops.het_conv2d_to_dense(w3, w1, parts)
    a, b = ops.het_conv2d_from_dense(dense, parts, strict=True)
    assert torch.equal(a, w3) and torch.equal(b, w1)
    full = torch.randn(16, 8, 3, 3)
    if parts == 1:
        ops.het_conv2d_from_dense(full, parts, strict=True)  # a dense conv is a HetConv with P = 1 minus nothing
        return
    with pytest.raises(ValueError, match="not a HetConv weight"):
        ops.het_conv2d_from_dense(full, parts, strict=True)
    a, b = ops.het_conv2d_from_dense(full, parts)  # non-strict: drops what has no place
    assert torch.equal(ops.het_conv2d_to_dense(a, b, parts), full * het_mask(8, 16, parts))


def test_numpy_and_empty_batch():
    x, w3, w1, b = make(1, 8, 8, 4, 4, 4, "cpu", torch.float32)
    out = ops.het_conv2d(x.numpy(), w3.numpy(), w1.numpy(), b.numpy(), 4)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, ops.het_conv2d(x, w3, w1, b, 4).numpy(), rtol=0, atol=0)
    xe = torch.randn(0, 8, 4, 4, requires_grad=True)
    w3.requires_grad_()
    w1.requires_grad_()
    y = ops.het_conv2d(xe, w3, w1, b, 4, 2)
    assert y.shape == (0, 8, 2, 2)
    y.sum().backward()
    assert torch.equal(w1.grad, torch.zeros_like(w1)) and torch.equal(w3.grad, torch.zeros_like(w3))


X = torch.randn(1, 8, 5, 5)
W3 = torch.randn(8, 2, 3, 3)
W1 = torch.randn(8, 6)


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(x=torch.randn(8, 5, 5)), ValueError, ["input", "rank 4"]),
    (dict(x=X.to(torch.int32)), TypeError, ["input", "float32"]),
    (dict(parts=3), ValueError, ["divisible", "parts"]),
    (dict(parts=0), ValueError, ["parts"]),
    (dict(stride=3), ValueError, ["stride"]),
    (dict(w3=torch.randn(8, 4, 3, 3)), ValueError, ["weight3x3"]),
    (dict(w3=torch.randn(8, 2, 5, 5)), ValueError, ["weight3x3"]),
    (dict(w1=torch.randn(8, 8)), ValueError, ["weight1x1", "(8, 6)"]),
    (dict(w3=torch.randn(6, 2, 3, 3), w1=torch.randn(6, 6)), ValueError, ["out_channels", "divisible"]),
    (dict(w1=W1.double()), TypeError, ["weight1x1", "dtype"]),
    (dict(b=torch.randn(4)), ValueError, ["bias", "(8,)"]),
    (dict(b=torch.randn(8).half()), TypeError, ["bias"]),
])
def test_bad_arguments(kwargs, exc, words):
    a = dict(x=X, w3=W3, w1=W1, b=None, parts=4, stride=1)
    a.update(kwargs)
    with pytest.raises(exc) as info:
        ops.het_conv2d(a["x"], a["w3"], a["w1"], a["b"], a["parts"], a["stride"])
    for w in words:
        assert w in str(info.value), str(info.value)


def test_bad_converter_arguments():
    with pytest.raises(ValueError, match="dense_weight"):
        ops.het_conv2d_from_dense(torch.randn(8, 8, 1, 1), 4)
    with pytest.raises(ValueError, match="divisible"):
        ops.het_conv2d_from_dense(torch.randn(8, 6, 3, 3), 4)
    with pytest.raises(ValueError, match="weight1x1"):
        ops.het_conv2d_to_dense(W3, torch.randn(8, 5), 4)


@pytest.mark.parametrize("device", [pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"))])
def test_mismatched_devices(device):
    with pytest.raises(RuntimeError, match="weight3x3"):
        ops.het_conv2d(X.to(device), W3, W1, None, 4)


@pytest.mark.parametrize("device", DEVICES)
def test_autocast(device):
    dtype = torch.bfloat16
    x, w3, w1, b = make(2, 8, 8, 4, 6, 5, device, torch.float32)
    with torch.autocast(device_type=device, dtype=dtype):
        out = ops.het_conv2d(x, w3, w1, b, 4)
    assert out.dtype == dtype
    want = het_conv2d_reference(*(t.to(dtype).double() for t in (x, w3, w1, b)), 4)
    assert_close(out, want, dtype)


@pytest.mark.parametrize("parts,stride,channels_last", [(4, 1, False), (2, 2, True)])
def test_double_backward(parts, stride, channels_last):
    # create_graph=True (e.g. a WGAN-GP gradient penalty through a HetConv discriminator).
    x, w3, w1, b = make(1, 4, 4, parts, 4, 3, "cpu", torch.float64, channels_last)
    args = [t.requires_grad_() for t in (x, w3, w1, b)]
    assert torch.autograd.gradgradcheck(lambda *a: ops.het_conv2d(*a, parts, stride), args)
    penalty = torch.autograd.grad(ops.het_conv2d(*args, parts, stride).square().sum(), x, create_graph=True)[0]
    ref = [t.detach().clone().requires_grad_() for t in args]
    ref_pen = torch.autograd.grad(het_conv2d_reference(*ref, parts, stride).square().sum(), ref[0],
                                  create_graph=True)[0]
    got = torch.autograd.grad(penalty.square().sum(), args)
    want = torch.autograd.grad(ref_pen.square().sum(), ref)
    for a, e in zip(got, want):
        torch.testing.assert_close(a, e, rtol=1e-10, atol=1e-10)


def test_fake_kernel_raises_like_the_op():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        x, w3, w1 = torch.empty(1, 8, 5, 5), torch.empty(8, 2, 3, 3), torch.empty(8, 6)
        assert ops.het_conv2d(x, w3, w1, torch.empty(8), 4, 2).shape == (1, 8, 3, 3)
        with pytest.raises(TypeError, match="bias"):
            ops.het_conv2d(x, w3, w1, torch.empty(8, dtype=torch.float64), 4)
        with pytest.raises(ValueError, match="divisible"):
            ops.het_conv2d(x, w3, w1, None, 3)
        with pytest.raises(ValueError, match="weight1x1"):
            ops.het_conv2d(x, w3, torch.empty(8, 5), None, 4)
