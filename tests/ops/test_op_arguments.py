"""The argument failures of issue 17 as fixed examples, for every op and both entry points
(srgan_cpp.ops.* and torch.ops.srgan_cpp.*, i.e. the dispatcher that LibTorch code calls):

* class 1: integer arguments whose size arithmetic overflowed int64 (a SIGFPE for
  ``pixel_shuffle(x, 2**32)``, a wrong ``upscale_factor**2`` for 2**32 + 2, a wrap to 1 for
  2**63 - 1), ``True`` as a factor, and C = 0 / empty inputs;
* class 3: one tensor argument on another device (meta; CUDA where present), which returned
  uninitialised memory, and dtype mismatches on the meta (fake-kernel) path.
The seeded fuzz of the same properties is test_op_fuzz.py.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import srgan_cpp.nn as snn
from srgan_cpp import ops

from helpers import CUDA

RAW = torch.ops.srgan_cpp
HUGE = [2**32, 2**32 + 2, 2**62, 2**63 - 1]


def _shufflers():
    x = torch.rand(1, 4, 2, 2)
    return {
        "ops.pixel_shuffle": lambda r: ops.pixel_shuffle(x, r),
        "raw.pixel_shuffle": lambda r: RAW.pixel_shuffle(x, r),
        "ops.pixel_unshuffle": lambda r: ops.pixel_unshuffle(x, r),
        "raw.pixel_unshuffle": lambda r: RAW.pixel_unshuffle(x, r),
        "ops.fused_pixel_shuffle": lambda r: ops.fused_pixel_shuffle(x, r, torch.rand(4), "relu"),
        "raw.fused_pixel_shuffle": lambda r: RAW.fused_pixel_shuffle(x, r, None, "none", None, 0.01, None),
        "raw.fused_pixel_shuffle_backward":
            lambda r: RAW.fused_pixel_shuffle_backward(torch.rand(1, 1, 4, 4), x, r, None, "none", None, 0.01),
        "module.PixelShuffle": lambda r: snn.PixelShuffle(r)(x),
        "module.FusedPixelShuffle": lambda r: snn.FusedPixelShuffle(r, "relu")(x),
    }


@pytest.mark.parametrize("entry", sorted(_shufflers()))
@pytest.mark.parametrize("factor", HUGE)
def test_huge_factors_are_refused_naming_the_argument(entry, factor):
    name = "downscale_factor" if "unshuffle" in entry else "upscale_factor"
    with pytest.raises(ValueError, match=rf"`{name}` <= 3037000499 \(its square must fit in int64\), got {factor}"):
        _shufflers()[entry](factor)


@pytest.mark.parametrize("entry", [e for e in sorted(_shufflers()) if not e.startswith("raw.")])
@pytest.mark.parametrize("factor", [True, False, 2.0, "2"])
def test_non_int_factors_are_refused_like_pytorch(entry, factor):
    """PyTorch refuses ``F.pixel_shuffle(x, True)`` with a TypeError; so do the wrappers and
    modules (torch.ops itself turns a bool into 1 before C++ sees it)."""
    with pytest.raises(TypeError, match="factor` to be an int"):
        _shufflers()[entry](factor)
    with pytest.raises(TypeError):
        F.pixel_shuffle(torch.rand(1, 4, 2, 2), factor)


@pytest.mark.parametrize("factor", [2**64, -(2**63) - 1])
def test_factors_beyond_int64_are_refused_by_the_wrappers(factor):
    with pytest.raises(ValueError, match="`upscale_factor` to fit in int64"):
        ops.pixel_shuffle(torch.rand(1, 4, 2, 2), factor)


@pytest.mark.parametrize("shape,r", [((1, 0, 2, 2), 2), ((1, 0, 2, 2), 2**31), ((2, 3, 0, 2, 2), 1),
                                     ((2, 2, 4, 0, 3), 2), ((0, 4, 2, 2), 2)])
def test_empty_inputs(shape, r):
    """C = 0 and other empty inputs give the empty output of the right shape - or, when even
    an empty output cannot exist (its size product overflows int64), an error naming the
    factor - never a SIGFPE or an ambiguous reshape."""
    x = torch.rand(shape)
    *lead, c, h, w = shape
    prod = 1
    for v in (*lead, c // (r * r), h * r, w * r):
        prod *= max(v, 1)
    if prod >= 2**63:
        with pytest.raises(ValueError, match="`upscale_factor` is too large"):
            ops.pixel_shuffle(x, r)
        return
    out = ops.pixel_shuffle(x, r)
    assert out.shape == (*lead, c // (r * r), h * r, w * r)
    if r <= 2:
        assert ops.pixel_unshuffle(out, r).shape == x.shape
        if x.dim() == 4:
            assert ops.fused_pixel_shuffle(x, r, None, "relu").shape == out.shape


def test_unshuffle_of_empty_height_checks_the_channel_product():
    """H = 0 is divisible by any factor, so C * r**2 is where it overflows."""
    with pytest.raises(ValueError, match="`downscale_factor` is too large: the output channel count"):
        ops.pixel_unshuffle(torch.rand(1, 4, 0, 0), 2**31)


def test_het_conv_parts_overflow():
    w3, w1 = torch.rand(4, 2, 3, 3), torch.rand(4, 2)
    with pytest.raises(ValueError, match="het_conv2d_to_dense: `parts` is too large"):
        ops.het_conv2d_to_dense(w3, w1, 2**62)
    with pytest.raises(ValueError, match="het_conv2d: expected the channel count of `input` \\(4\\) to be divisible"):
        ops.het_conv2d(torch.rand(1, 4, 4, 4), w3, w1, None, 2**62, 1)
    with pytest.raises(TypeError, match="`parts` to be an int, got bool"):
        ops.het_conv2d(torch.rand(1, 4, 4, 4), w3, w1, None, True, 1)
    with pytest.raises(TypeError, match="`stride` to be an int, got bool"):
        snn.HetConv2d(4, 4, 2, stride=True)


# ----------------------------------------------------------------------------------------
# Class 3: devices and dtypes
# ----------------------------------------------------------------------------------------

def _calls(device_of):
    """(op, tensor name, call) for every op and tensor argument, that argument on
    ``device_of(name)``; the others on the CPU."""
    def t(name, *shape):
        return torch.rand(*shape, device=device_of(name))

    return [
        ("fused_pixel_shuffle", "bias", lambda: ops.fused_pixel_shuffle(t("input", 1, 4, 2, 2), 2, t("bias", 4))),
        ("fused_pixel_shuffle", "residual",
         lambda: ops.fused_pixel_shuffle(t("input", 1, 4, 2, 2), 2, residual=t("residual", 1, 1, 4, 4))),
        ("fused_pixel_shuffle", "prelu_weight",
         lambda: ops.fused_pixel_shuffle(t("input", 1, 4, 2, 2), 2, None, "prelu", t("prelu_weight", 1))),
        ("fused_pixel_shuffle_backward", "input",
         lambda: RAW.fused_pixel_shuffle_backward(t("grad_output", 1, 1, 4, 4), t("input", 1, 4, 2, 2), 2, None,
                                                  "none", None, 0.01)),
        ("gradient_cosine_loss", "hr", lambda: ops.gradient_cosine_loss(t("sr", 1, 3, 8, 8), t("hr", 1, 3, 8, 8))),
        ("ragan_loss", "fake_logits", lambda: ops.ragan_loss(t("real_logits", 4), t("fake_logits", 4))),
        ("het_conv2d", "weight1x1",
         lambda: ops.het_conv2d(t("input", 1, 4, 4, 4), t("weight3x3", 4, 2, 3, 3), t("weight1x1", 4, 2), None, 2)),
        ("het_conv2d", "bias",
         lambda: ops.het_conv2d(t("input", 1, 4, 4, 4), t("weight3x3", 4, 2, 3, 3), t("weight1x1", 4, 2),
                                t("bias", 4), 2)),
        ("het_conv2d_to_dense", "weight1x1",
         lambda: ops.het_conv2d_to_dense(t("weight3x3", 4, 2, 3, 3), t("weight1x1", 4, 2), 2)),
    ]


OTHER_DEVICES = ["meta", pytest.param("cuda", marks=[CUDA, pytest.mark.cuda])]


@pytest.mark.parametrize("device", OTHER_DEVICES)
@pytest.mark.parametrize("index", range(len(_calls(lambda n: "cpu"))))
def test_one_argument_on_another_device_is_refused(device, index):
    op, arg, call = _calls(lambda name: device if name == _calls(lambda n: "cpu")[index][1] else "cpu")[index]
    with pytest.raises(RuntimeError, match=rf"srgan_cpp.ops.{op}: expected `{arg}` on cpu like `\w+`, got {device}"):
        call()


@pytest.mark.parametrize("device", OTHER_DEVICES)
@pytest.mark.parametrize("index", range(len(_calls(lambda n: "cpu"))))
def test_first_argument_on_another_device_is_refused(device, index):
    """The reverse mix (the first argument elsewhere) is named from the other side."""
    first = {"fused_pixel_shuffle": "input", "fused_pixel_shuffle_backward": "grad_output",
             "gradient_cosine_loss": "sr", "ragan_loss": "real_logits", "het_conv2d": "input",
             "het_conv2d_to_dense": "weight3x3"}
    op = _calls(lambda n: "cpu")[index][0]
    _, _, call = _calls(lambda name: device if name == first[op] else "cpu")[index]
    with pytest.raises(RuntimeError, match=rf"srgan_cpp.ops.{op}: expected `\w+` on {device}.* like `{first[op]}`"):
        call()


@pytest.mark.parametrize("index", range(len(_calls(lambda n: "cpu"))))
def test_all_on_meta_gives_meta_results(index):
    _, _, call = _calls(lambda name: "meta")[index]
    out = call()
    for t in out if isinstance(out, tuple) else (out,):
        assert t.device.type == "meta"


def test_dtype_mismatch_on_the_meta_path():
    """The fake kernels repeat the C++ dtype checks: meta tensors (and torch.compile) get the
    same TypeError as eager CPU tensors."""
    for device in ("cpu", "meta"):
        x = torch.rand(1, 4, 2, 2, device=device)
        with pytest.raises(TypeError, match="expected `bias` of dtype torch.float32|expected `bias` of dtype Float"):
            ops.fused_pixel_shuffle(x, 2, torch.rand(4, device=device, dtype=torch.float64))
        with pytest.raises(TypeError, match="`hr` of dtype"):
            ops.gradient_cosine_loss(torch.rand(1, 3, 4, 4, device=device),
                                     torch.rand(1, 3, 4, 4, device=device, dtype=torch.float64))
        with pytest.raises(TypeError, match="`grad_output` of dtype"):
            RAW.het_conv2d_backward(torch.rand(1, 4, 4, 4, device=device, dtype=torch.float64),
                                    torch.rand(1, 4, 4, 4, device=device), torch.rand(4, 2, 3, 3, device=device),
                                    torch.rand(4, 2, device=device), 2, 1, [True] * 4)


@CUDA
@pytest.mark.cuda
def test_cuda_tensors_on_two_gpus_are_refused():
    if torch.cuda.device_count() < 2:
        pytest.skip("needs two GPUs")
    with pytest.raises(RuntimeError, match="expected `fake_logits` on cuda:0 like `real_logits`, got cuda:1"):
        ops.ragan_loss(torch.rand(4, device="cuda:0"), torch.rand(4, device="cuda:1"))
