"""srgan_cpp.ops.lista_shrinkage (SCN's LISTA soft threshold): forward and backward against
the eager composite over dtypes, layouts, with and without the addend; gradcheck, opcheck,
torch.compile, thread-count independence, NumPy, bad arguments."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import srgan_cpp
from helpers import DEVICES
from helpers.family_a_reference import shrink

op = srgan_cpp.ops.lista_shrinkage

TOL = {torch.float64: (1e-12, 1e-12), torch.float32: (1e-6, 1e-6), torch.float16: (2e-3, 2e-3),
       torch.bfloat16: (1.6e-2, 1.6e-2)}


def _data(shape, dtype, device, channels_last, seed=0):
    """Input, addend, thresholds with no |a| within 1e-2 of its threshold (away from the kink,
    where rounding of the sum in low precision could land on either side)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    r = torch.randn(shape, generator=g, dtype=torch.float64)
    t = torch.rand(shape[1], generator=g, dtype=torch.float64) * 0.8 + 0.1
    a = x + r
    gap = (a.abs() - t.view(1, -1, 1, 1)).abs() < 1e-2
    x = torch.where(gap, x + 0.05 * torch.sign(a), x)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    conv = lambda v: v.to(device=device, dtype=dtype).contiguous(memory_format=fmt)  # noqa: E731
    return conv(x), conv(r), t.to(device=device, dtype=dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("with_addend", [False, True])
def test_forward_backward_match_eager(device, dtype, channels_last, with_addend):
    x, r, t = _data((2, 5, 7, 6), dtype, device, channels_last)
    xs = [v.clone().requires_grad_() for v in (x, r, t)]
    xe = [v.clone().requires_grad_() for v in (x, r, t)]
    out = op(xs[0], xs[2], xs[1] if with_addend else None)
    # The eager reference computes in float64 (ours accumulates in float32 for low precision).
    ref = shrink((xe[0].double() + xe[1].double()) if with_addend else xe[0].double(), xe[2].double())
    rtol, atol = TOL[dtype]
    assert out.dtype == dtype and out.shape == x.shape
    assert out.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    torch.testing.assert_close(out.double(), ref, rtol=rtol, atol=atol)
    g = torch.randn(out.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out.backward(g.to(device=device, dtype=dtype))
    ref.backward(g.to(device))
    torch.testing.assert_close(xs[0].grad.double(), xe[0].grad.double(), rtol=rtol, atol=atol)
    if with_addend:
        torch.testing.assert_close(xs[1].grad.double(), xe[1].grad.double(), rtol=rtol, atol=atol)
    else:
        assert xs[1].grad is None
    # The threshold gradient sums N*H*W terms: a looser tolerance in low precision.
    torch.testing.assert_close(xs[2].grad.double(), xe[2].grad.double(), rtol=rtol * 10, atol=atol * 40)
    assert xs[2].grad.dtype == dtype


@pytest.mark.parametrize("device", DEVICES)
def test_float32_threshold_with_bfloat16_activations(device):
    x, r, _ = _data((1, 4, 5, 5), torch.bfloat16, device, False)
    t = torch.full((4,), 0.3, device=device, requires_grad=True)
    out = op(x, t, r)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), shrink(x.float() + r.float(), t.detach()), rtol=1e-2, atol=1e-2)
    out.float().sum().backward()
    assert t.grad.dtype == torch.float32 and t.grad.shape == (4,)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels_last", [False, True])
def test_gradcheck(device, channels_last):
    x, r, t = _data((2, 3, 4, 5), torch.float64, device, channels_last, seed=1)
    args = [v.clone().requires_grad_() for v in (x, t, r)]
    assert torch.autograd.gradcheck(lambda a, b, c: op(a, b, c), args)
    assert torch.autograd.gradcheck(lambda a, b: op(a, b), args[:2])


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x, r, t = _data((2, 3, 4, 4), torch.float32, device, False)
    xc, rc, _ = _data((2, 3, 4, 4), torch.float32, device, True)
    for args in [(x, t, r), (x, t, None), (xc, t, rc), (x.requires_grad_(), t.clone().requires_grad_(), None)]:
        torch.library.opcheck(torch.ops.srgan_cpp.lista_shrinkage.default, args)
    y = op(x.detach(), t)
    torch.library.opcheck(torch.ops.srgan_cpp.lista_shrinkage_backward.default, (torch.randn_like(y), y, t, True))
    torch.library.opcheck(torch.ops.srgan_cpp.lista_shrinkage_backward.default, (torch.randn_like(y), y, t, False))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph(device, backend):
    x, r, t = _data((2, 4, 6, 6), torch.float32, device, False)
    w = torch.randn(4, 4, 1, 1, device=device)

    def stage(fn):
        def block(x, r, t):  # one LISTA stage after a 1x1 conv: z = h(W y + S z)
            return fn(torch.nn.functional.conv2d(x, w), t, r)
        return block

    ours = stage(lambda a, th, b: op(a, th, b))
    ref = stage(lambda a, th, b: shrink(a + b, th))
    args = [v.clone().requires_grad_() for v in (x, r, t)]
    args_ref = [v.clone().requires_grad_() for v in (x, r, t)]
    out = torch.compile(ours, fullgraph=True, backend=backend)(*args)
    expect = ref(*args_ref)
    torch.testing.assert_close(out, expect, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(out)
    for a, e in zip(torch.autograd.grad(out, args, g), torch.autograd.grad(expect, args_ref, g)):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("channels_last", [False, True])
def test_threshold_gradient_independent_of_thread_count(channels_last):
    x, r, t = _data((4, 16, 40, 40), torch.float32, "cpu", channels_last)
    grads = []
    before = torch.get_num_threads()
    try:
        for n in (1, 2, 3):
            torch.set_num_threads(n)
            tt = t.clone().requires_grad_()
            op(x, tt, r).backward(torch.ones_like(x))
            grads.append(tt.grad)
    finally:
        torch.set_num_threads(before)
    assert all(torch.equal(grads[0], g) for g in grads[1:])


def test_strided_input_and_mixed_layouts():
    x, r, t = _data((2, 3, 8, 8), torch.float64, "cpu", False)
    xs = x[:, :, ::2, 1::2]  # neither NCHW- nor channels_last-contiguous
    rs = r[:, :, ::2, 1::2].contiguous(memory_format=torch.channels_last)
    out = op(xs, t, rs)
    assert out.is_contiguous()
    torch.testing.assert_close(out, shrink(xs + rs, t), rtol=0, atol=1e-15)


def test_zeros_and_empty():
    t = torch.full((3,), 0.5)
    assert torch.equal(op(torch.zeros(1, 3, 2, 2), t), torch.zeros(1, 3, 2, 2))
    x = torch.zeros(0, 3, 4, 4, requires_grad=True)
    tt = t.clone().requires_grad_()
    out = op(x, tt)
    assert out.shape == (0, 3, 4, 4)
    out.sum().backward()
    assert torch.equal(tt.grad, torch.zeros(3))


def test_numpy_in_and_out():
    x = np.random.default_rng(0).normal(size=(1, 2, 3, 3))
    out = op(x, np.array([0.5, 0.1]))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, shrink(torch.from_numpy(x), torch.tensor([0.5, 0.1], dtype=torch.float64)).numpy())


def test_bad_arguments_name_the_argument():
    t = torch.zeros(3)
    with pytest.raises(ValueError, match="`input` of rank 4"):
        op(torch.zeros(3, 4), t)
    with pytest.raises(TypeError, match="`input` to be float"):
        op(torch.zeros(1, 3, 2, 2, dtype=torch.int64), t)
    with pytest.raises(ValueError, match=r"`threshold` of shape \(3,\)"):
        op(torch.zeros(1, 3, 2, 2), torch.zeros(4))
    with pytest.raises(TypeError, match="`threshold` to be float"):
        op(torch.zeros(1, 3, 2, 2), torch.zeros(3, dtype=torch.int32))
    with pytest.raises(ValueError, match="`addend` of the shape"):
        op(torch.zeros(1, 3, 2, 2), t, torch.zeros(1, 3, 2, 3))
    with pytest.raises(TypeError, match="`addend` of dtype"):
        op(torch.zeros(1, 3, 2, 2), t, torch.zeros(1, 3, 2, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="`output` to be float"):
        torch.ops.srgan_cpp.lista_shrinkage_backward(torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 2, dtype=torch.int8),
                                                     t, True)


@pytest.mark.cuda
def test_cuda_without_kernels_is_a_clear_error():
    if srgan_cpp.built_with_cuda():
        pytest.skip("this build has CUDA kernels")
    with pytest.raises(RuntimeError, match="no CUDA kernels"):
        op(torch.zeros(1, 3, 2, 2, device="cuda"), torch.zeros(3, device="cuda"))


@pytest.mark.parametrize("device,dtype", [("cpu", torch.bfloat16),
                                          pytest.param("cuda", torch.float16, marks=pytest.mark.cuda)])
def test_autocast_runs_in_the_input_dtype(device, dtype):
    """Under autocast the conv outputs arrive in the autocast dtype; the float32 thresholds
    are not cast, and their gradient comes back in float32."""
    x = torch.randn(1, 4, 6, 6, device=device)
    w = torch.randn(4, 4, 1, 1, device=device, requires_grad=True)
    t = torch.full((4,), 0.3, device=device, requires_grad=True)
    with torch.autocast(device, dtype=dtype):
        a = torch.nn.functional.conv2d(x, w)
        out = op(a, t, a)
    assert a.dtype == dtype and out.dtype == dtype
    torch.testing.assert_close(out.float(), shrink(2 * a.float(), t.detach()), rtol=2e-2, atol=2e-2)
    out.float().sum().backward()
    assert t.grad.dtype == torch.float32 and w.grad.dtype == torch.float32


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("channels_last", [False, True])
def test_bit_identical_to_the_eager_composite_in_its_dtype(device, dtype, channels_last):
    """The sum is rounded to the dtype as eager's is, and |a| - t of two such values is exact
    in float32 before its one rounding: outputs and the input gradient equal the eager
    composite run in the same dtype bit for bit, on data right at the thresholds too."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    g = torch.Generator().manual_seed(5)
    x, r, gout = (torch.randn(2, 6, 9, 7, generator=g).to(device=device, dtype=dtype).contiguous(memory_format=fmt)
                  for _ in range(3))
    t = (torch.rand(6, generator=g) * 0.5).to(device=device, dtype=dtype)
    x[0, :, 0, 0] = t - r[0, :, 0, 0]  # sums exactly at (or one rounding from) the threshold
    xs, ts, rs = (v.clone().requires_grad_() for v in (x, t, r))
    xe, te, re_ = (v.clone().requires_grad_() for v in (x, t, r))
    out, expect = op(xs, ts, rs), shrink(xe + re_, te)
    assert torch.equal(out, expect)
    out.backward(gout)
    expect.backward(gout)
    assert torch.equal(xs.grad, xe.grad) and torch.equal(rs.grad, re_.grad)
    torch.testing.assert_close(ts.grad.float(), te.grad.float(), rtol=2e-2, atol=2e-2)
