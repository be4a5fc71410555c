"""Seeded-random fuzz of every op's argument handling (issue 17, classes 1, 3 and 7).

Each case builds its inputs from a fixed seed and checks one property:

* class 1 - integer arguments (factors, ``parts``, ``stride``) drawn from edge values
  (0, negatives, ``True``, 2**31, 2**32, 2**32 + 2, 2**62, 2**63 - 1, beyond int64) and
  random ones, on inputs with random shapes including C = 0 and H = 0: either the result
  of a plain-PyTorch reference, or a ValueError/TypeError naming the op and the argument
  - never a crash, a wrapped value or an error from deep inside ATen;
* class 3 - one tensor argument on another device (meta; CUDA where present) or of
  another dtype: an error naming that argument, never a result; all arguments on meta:
  a meta result of the right shape;
* class 7 - under ``torch.autocast("cpu", bfloat16)`` with float32 (and bfloat16 +
  float32) arguments: the op runs, forward and backward, within bfloat16 tolerance of
  the float32 result.

Run as a script (``python tests/ops/test_op_fuzz.py``) it runs every case in a forked
child, so crashes (SIGFPE, SIGSEGV) are counted instead of ending the run, and prints the
failures per class - the before/after counts reported for issue 17.
"""
from __future__ import annotations

import os
import random
import re
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import pytest
import torch
import torch.nn.functional as F

import srgan_cpp.nn as snn
from srgan_cpp import ops

INT64_MAX = 2**63 - 1
#: Edge values for integer arguments; random ones are added per case.
EDGE_INTS = [0, -1, -(2**63), 1, 2, 3, True, False, 2**31, 2**32, 2**32 + 2, 2**62, INT64_MAX, 2**63, 2**64 + 1]
CASES_PER_OP = 48  # per class and op, about 10 s for the whole file (shared 2-core machine)
RAW = torch.ops.srgan_cpp
DEVICES_OFF_CPU = ["meta"] + (["cuda"] if torch.cuda.is_available() else [])


@dataclass
class Case:
    cls: int
    name: str
    run: Callable[[], None]


def _int_arg(rng: random.Random):
    """An integer argument: an edge value, a small one, or a random one up to 2**63."""
    pick = rng.random()
    if pick < 0.5:
        return rng.choice(EDGE_INTS)
    if pick < 0.8:
        return rng.randint(1, 5)
    return rng.randint(1, INT64_MAX)


def _shape4(rng: random.Random, c: Optional[int] = None) -> List[int]:
    n = rng.choice([0, 1, 2]) if rng.random() < 0.2 else rng.choice([1, 2])
    c = c if c is not None else rng.choice([0, 1, 2, 4, 8, 9, 16])
    h = rng.choice([0, 1, 2, 3, 4, 6])
    w = rng.choice([0, 1, 2, 4, 6])
    return [n, c, h, w]


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _fits(sizes: Sequence[int]) -> bool:
    """Whether a tensor of ``sizes`` can exist: the product with zeros counted as one (strides)
    fits int64."""
    product = 1
    for v in sizes:
        product *= max(v, 1)
    return product <= INT64_MAX


def _expect_error(fn: Callable[[], object], op: str, arg: str, kinds=(ValueError, TypeError)) -> None:
    """``fn`` raises one of ``kinds`` whose message names ``op`` (its last dotted part) and ``arg``."""
    try:
        out = fn()
    except kinds as e:
        msg = str(e)
        short = op.split(".")[-1]
        assert short in msg and arg in msg, f"error does not name {short!r} and {arg!r}: {msg}"
        return
    except Exception as e:  # noqa: BLE001 - any other type is a failure of the property
        raise AssertionError(f"expected {[k.__name__ for k in kinds]} naming {arg!r}, got "
                             f"{type(e).__name__}: {str(e)[:300]}") from None
    raise AssertionError(f"expected an error naming {arg!r}, got a result {_describe(out)}")


def _describe(out) -> str:
    if isinstance(out, torch.Tensor):
        return f"{tuple(out.shape)} {out.dtype} on {out.device}"
    if isinstance(out, (tuple, list)):
        return "(" + ", ".join(_describe(o) for o in out) + ")"
    return repr(out)


# ----------------------------------------------------------------------------------------
# Class 1: integer arguments
# ----------------------------------------------------------------------------------------

def _shuffle_case(rng: random.Random, upscale: bool, entry: str) -> Callable[[], None]:
    shape = _shape4(rng)
    if rng.random() < 0.3:
        shape = [2] + shape  # a leading batch dim: (*, C, H, W)
    r = _int_arg(rng)
    name = "upscale_factor" if upscale else "downscale_factor"
    op = "pixel_shuffle" if upscale else "pixel_unshuffle"

    def run() -> None:
        x = torch.rand(shape)
        *lead, c, h, w = shape
        if entry == "raw":
            if not (-(2**63) <= int(r) <= INT64_MAX):
                return  # torch's own argument parser refuses these before the op is reached
            fn = lambda: getattr(RAW, op)(x, r)  # noqa: E731
            rv = int(r)  # the C++ op sees a bool as the int it is
        elif entry == "module":
            mod = snn.PixelShuffle if upscale else snn.PixelUnshuffle
            fn = lambda: mod(r)(x)  # noqa: E731
            rv = r
            if not (_is_int(rv) and -(2**63) <= rv <= INT64_MAX):  # refused by the constructor
                return _expect_error(fn, mod.__name__, name, (TypeError,) if isinstance(rv, bool) else (ValueError,))
        else:
            fn = lambda: getattr(ops, op)(x, r)  # noqa: E731
            rv = r
        if isinstance(rv, bool):
            return _expect_error(fn, op, name, (TypeError,))
        valid = 1 <= rv <= INT64_MAX and rv * rv <= INT64_MAX
        if valid and upscale:
            out_shape = [*lead, c // (rv * rv), h * rv, w * rv]
            valid = c % (rv * rv) == 0 and _fits(out_shape)
        elif valid:
            out_shape = [*lead, c * rv * rv, h // rv, w // rv]
            valid = h % rv == 0 and w % rv == 0 and _fits(out_shape)
        if not valid:
            return _expect_error(fn, op, name)
        out = fn()
        assert list(out.shape) == out_shape, (list(out.shape), out_shape)
        if out.numel() and rv <= 8:
            ref = F.pixel_shuffle(x, rv) if upscale else F.pixel_unshuffle(x, rv)
            assert torch.equal(out, ref)

    return run


def _fused_case(rng: random.Random, entry: str, backward: bool = False) -> Callable[[], None]:
    shape = _shape4(rng)
    r = _int_arg(rng)
    act = rng.choice(["none", "relu", "leaky_relu", "prelu"])
    with_bias = rng.random() < 0.5
    op = "fused_pixel_shuffle_backward" if backward else "fused_pixel_shuffle"

    def run() -> None:
        x = torch.rand(shape) - 0.5
        n, c, h, w = shape
        bias = torch.rand(c) if with_bias else None
        weight = torch.full((1,), 0.25) if act == "prelu" else None
        rv = int(r) if entry == "raw" else r
        if entry == "raw" and not (-(2**63) <= rv <= INT64_MAX):
            return
        valid = _is_int(rv) and 1 <= rv <= INT64_MAX and rv * rv <= INT64_MAX
        valid = valid and c % (rv * rv) == 0 and _fits([n, c // (rv * rv), h * rv, w * rv])
        if backward:
            g = torch.rand([n, c // (rv * rv), h * rv, w * rv] if valid and rv <= 8 else [n, 1, 1, 1])
            fn = lambda: RAW.fused_pixel_shuffle_backward(g, x, rv, bias, act, weight, 0.01)  # noqa: E731
            if valid and rv > 8:
                return  # a matching grad_output would be huge; covered by the forward
        elif entry == "raw":
            fn = lambda: RAW.fused_pixel_shuffle(x, rv, bias, act, weight, 0.01, None)  # noqa: E731
        else:
            fn = lambda: ops.fused_pixel_shuffle(x, rv, bias, act, weight)  # noqa: E731
        if isinstance(rv, bool):
            return _expect_error(fn, op, "upscale_factor", (TypeError,))
        if not valid:
            return _expect_error(fn, op, "upscale_factor")
        out = fn()
        if backward:
            assert out[0].shape == x.shape
            return
        assert list(out.shape) == [n, c // (rv * rv), h * rv, w * rv]
        if out.numel():
            y = F.pixel_shuffle(x + (bias.view(-1, 1, 1) if bias is not None else 0), rv)
            y = {"none": y, "relu": F.relu(y), "leaky_relu": F.leaky_relu(y, 0.01),
                 "prelu": F.prelu(y, weight) if weight is not None else y}[act]
            torch.testing.assert_close(out, y)

    return run


def _dense_weight(w3: torch.Tensor, w1: torch.Tensor, parts: int) -> torch.Tensor:
    """Independent dense (out, in, 3, 3) weight of a HetConv (loops; small sizes only)."""
    out, cg = w3.shape[0], w3.shape[1]
    cin, og = cg * parts, out // parts
    dense = torch.zeros(out, cin, 3, 3, dtype=w3.dtype)
    for o in range(out):
        g = o // og
        others = [i for i in range(cin) if not g * cg <= i < (g + 1) * cg]
        dense[o, g * cg:(g + 1) * cg] = w3[o]
        for j, i in enumerate(others):
            dense[o, i, 1, 1] = w1[o, j]
    return dense


def _het_case(rng: random.Random, entry: str) -> Callable[[], None]:
    p0 = rng.choice([1, 2, 4])
    cin = p0 * rng.choice([0, 1, 2]) if rng.random() < 0.2 else p0 * rng.choice([1, 2])
    cout = p0 * rng.choice([1, 2])
    shape = _shape4(rng, cin)
    parts = _int_arg(rng) if rng.random() < 0.7 else p0
    stride = _int_arg(rng) if rng.random() < 0.5 else rng.choice([1, 2])
    cg0 = cin // p0
    which = rng.choice(["parts", "stride"])

    def run() -> None:
        x = torch.rand(shape)
        w3, w1, b = torch.rand(cout, cg0, 3, 3), torch.rand(cout, cin - cg0), torch.rand(cout)
        pv, sv = (int(parts), int(stride)) if entry == "raw" else (parts, stride)
        if entry == "raw" and not all(-(2**63) <= v <= INT64_MAX for v in (pv, sv)):
            return
        fn = (lambda: RAW.het_conv2d(x, w3, w1, b, pv, sv)) if entry == "raw" else \
            (lambda: ops.het_conv2d(x, w3, w1, b, pv, sv))
        for arg, v in (("parts", pv), ("stride", sv)):
            if isinstance(v, bool):
                return _expect_error(fn, "het_conv2d", arg, (TypeError,))
        if sv not in (1, 2):
            return _expect_error(fn, "het_conv2d", "stride")
        n, c, h, w = shape
        if not (1 <= pv <= INT64_MAX) or cg0 == 0 or h == 0 or w == 0:
            try:
                fn()
            except (ValueError, TypeError) as e:
                assert "het_conv2d" in str(e)
                return
            raise AssertionError("expected a ValueError for an invalid parts/input")
        shapes_ok = c % pv == 0 and c // pv == cg0 and cout % pv == 0 and cin - cg0 == c - c // pv
        if not shapes_ok:
            try:
                fn()
            except (ValueError, TypeError) as e:
                assert "het_conv2d" in str(e)
                return
            raise AssertionError(f"expected a ValueError for parts={pv} with shapes {shape}, {tuple(w3.shape)}")
        out = fn()
        ref = F.conv2d(x, _dense_weight(w3, w1, pv), b, stride=sv, padding=1)
        torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)

    return run


def _het_dense_case(rng: random.Random, to_dense: bool) -> Callable[[], None]:
    p0 = rng.choice([1, 2, 4])
    cout, cg = p0 * rng.choice([1, 2]), rng.choice([0, 1, 2]) if rng.random() < 0.2 else rng.choice([1, 2])
    parts = _int_arg(rng) if rng.random() < 0.7 else p0
    op = "het_conv2d_to_dense" if to_dense else "het_conv2d_from_dense"

    def run() -> None:
        pv = parts
        if not (-(2**63) <= int(pv) <= INT64_MAX):
            return
        if to_dense:
            w3 = torch.rand(cout, cg, 3, 3)
            w1 = torch.rand(cout, cg * p0 - cg)
            fn = lambda: ops.het_conv2d_to_dense(w3, w1, pv)  # noqa: E731
            valid = _is_int(pv) and pv >= 1 and cg >= 1 and cout % pv == 0 and cg * pv - cg == w1.shape[1]
        else:
            dense = torch.rand(cout, cg * p0, 3, 3)
            fn = lambda: ops.het_conv2d_from_dense(dense, pv)  # noqa: E731
            cin = cg * p0
            valid = _is_int(pv) and pv >= 1 and cin >= 1 and cout % pv == 0 and cin % pv == 0
        if isinstance(pv, bool):
            return _expect_error(fn, op, "parts", (TypeError,))
        if not valid:
            try:
                fn()
            except (ValueError, TypeError) as e:
                assert op in str(e)
                return
            raise AssertionError(f"expected a ValueError for parts={pv}")
        fn()

    return run


def _named(cls: int, name: str, run: Callable[[], None]) -> Case:
    """A case named by its op, entry point, index and the values its closure holds."""
    names = run.__code__.co_freevars
    vals = {k: c.cell_contents.op if isinstance(c.cell_contents, OpCall) else c.cell_contents
            for k, c in zip(names, run.__closure__ or ())
            if isinstance(c.cell_contents, (int, float, str, list, bool, set, OpCall))}
    return Case(cls, f"{name} {vals}", run)


def class1_cases(seed: int = 1) -> List[Case]:
    rng = random.Random(seed)
    cases = []
    for i in range(CASES_PER_OP):
        for upscale in (True, False):
            for entry in ("ops", "raw", "module"):
                cases.append(_named(1, f"{'pixel_shuffle' if upscale else 'pixel_unshuffle'}/{entry}/{i}",
                                    _shuffle_case(rng, upscale, entry)))
        for entry in ("ops", "raw"):
            cases.append(_named(1, f"fused_pixel_shuffle/{entry}/{i}", _fused_case(rng, entry)))
            cases.append(_named(1, f"het_conv2d/{entry}/{i}", _het_case(rng, entry)))
        cases.append(_named(1, f"fused_pixel_shuffle_backward/raw/{i}", _fused_case(rng, "raw", backward=True)))
        cases.append(_named(1, f"het_conv2d_to_dense/{i}", _het_dense_case(rng, True)))
        cases.append(_named(1, f"het_conv2d_from_dense/{i}", _het_dense_case(rng, False)))
    return cases


# ----------------------------------------------------------------------------------------
# Class 3: devices and dtypes of the tensor arguments
# ----------------------------------------------------------------------------------------

@dataclass
class OpCall:
    """One call of an op through torch.ops.srgan_cpp: tensor arguments by name, the rest fixed."""
    op: str
    tensors: Dict[str, torch.Tensor]
    call: Callable[[Dict[str, torch.Tensor]], object]
    same_dtype: Sequence[str]  # the arguments that must share the first one's dtype


def _op_calls(rng: random.Random) -> List[OpCall]:
    n, r = rng.choice([1, 2]), rng.choice([1, 2])
    c, h, w = rng.choice([1, 3]), rng.choice([2, 3]), rng.choice([2, 4])
    x = torch.rand(n, c * r * r, h, w)
    grad_fused = torch.rand(n, c, h * r, w * r)
    sr, hr = torch.rand(n, c, h + 2, w + 2), torch.rand(n, c, h + 2, w + 2)
    real, fake = torch.rand(n, 3), torch.rand(n, 3)
    p = rng.choice([1, 2])
    xi = torch.rand(n, 2 * p, h, w)
    w3, w1, b = torch.rand(4, 2, 3, 3), torch.rand(4, 2 * p - 2), torch.rand(4)
    gh = torch.rand(n, 4, h, w)
    act = rng.choice(["prelu", "none"])
    fused_t = {"input": x, "bias": torch.rand(c * r * r), "residual": torch.rand(n, c, h * r, w * r)}
    if act == "prelu":
        fused_t["prelu_weight"] = torch.rand(1)
    gc_stats = RAW.gradient_cosine_loss(sr, hr, "sobel", "magnitude", "none", 1e-8)[1]
    rg_stats = RAW.ragan_loss(real, fake, "discriminator", "none")[1]
    ca_t = {"input": gh, "squeeze_weight": torch.rand(2, 4) - 0.5, "squeeze_bias": torch.rand(2),
            "excite_weight": torch.rand(4, 2) - 0.5, "excite_bias": torch.rand(4)}
    gate_c = rng.choice([1, 4])
    pa_t = {"input": gh, "gate": torch.rand(n, gate_c, h, w) - 0.5, "bias": torch.rand(gate_c)}
    return [
        OpCall("pixel_shuffle", {"input": x}, lambda t: RAW.pixel_shuffle(t["input"], r), ["input"]),
        OpCall("pixel_unshuffle", {"input": grad_fused}, lambda t: RAW.pixel_unshuffle(t["input"], r), ["input"]),
        OpCall("fused_pixel_shuffle", fused_t,
               lambda t: RAW.fused_pixel_shuffle(t["input"], r, t["bias"], act, t.get("prelu_weight"), 0.01,
                                                 t["residual"]),
               list(fused_t)),
        OpCall("fused_pixel_shuffle_backward",
               {"grad_output": grad_fused, "input": x, "bias": fused_t["bias"],
                **({"prelu_weight": fused_t["prelu_weight"]} if act == "prelu" else {})},
               lambda t: RAW.fused_pixel_shuffle_backward(t["grad_output"], t["input"], r, t["bias"], act,
                                                          t.get("prelu_weight"), 0.01),
               ["grad_output", "input", "bias"] + (["prelu_weight"] if act == "prelu" else [])),
        OpCall("gradient_cosine_loss", {"sr": sr, "hr": hr},
               lambda t: RAW.gradient_cosine_loss(t["sr"], t["hr"], "sobel", "magnitude", "mean", 1e-8), ["sr", "hr"]),
        OpCall("gradient_cosine_loss_backward",
               {"grad": torch.rand(n), "sr": sr, "hr": hr, "stats": gc_stats},
               lambda t: RAW.gradient_cosine_loss_backward(t["grad"], t["sr"], t["hr"], t["stats"], "sobel",
                                                           "magnitude", "none", 1e-8, True, True),
               ["grad", "sr", "hr"]),
        OpCall("ragan_loss", {"real_logits": real, "fake_logits": fake},
               lambda t: RAW.ragan_loss(t["real_logits"], t["fake_logits"], "generator", "mean"),
               ["real_logits", "fake_logits"]),
        OpCall("ragan_loss_backward",
               {"grad": torch.rand(n, 3), "real_logits": real, "fake_logits": fake, "stats": rg_stats},
               lambda t: RAW.ragan_loss_backward(t["grad"], t["real_logits"], t["fake_logits"], t["stats"],
                                                 "discriminator", "none", True, True),
               ["grad", "real_logits", "fake_logits"]),
        OpCall("het_conv2d", {"input": xi, "weight3x3": w3, "weight1x1": w1, "bias": b},
               lambda t: RAW.het_conv2d(t["input"], t["weight3x3"], t["weight1x1"], t["bias"], p, 1),
               ["input", "weight3x3", "weight1x1", "bias"]),
        OpCall("het_conv2d_backward", {"grad_output": gh, "input": xi, "weight3x3": w3, "weight1x1": w1},
               lambda t: RAW.het_conv2d_backward(t["grad_output"], t["input"], t["weight3x3"], t["weight1x1"], p, 1,
                                                 [True, True, True, True]),
               ["grad_output", "input", "weight3x3", "weight1x1"]),
        OpCall("het_conv2d_to_dense", {"weight3x3": w3, "weight1x1": w1},
               lambda t: RAW.het_conv2d_to_dense(t["weight3x3"], t["weight1x1"], p), ["weight3x3", "weight1x1"]),
        # The threshold may have another floating dtype (a float32 parameter on bf16 codes).
        OpCall("lista_shrinkage", {"input": gh - 0.5, "threshold": torch.rand(4) * 0.3, "addend": torch.rand(n, 4, h, w)},
               lambda t: RAW.lista_shrinkage(t["input"], t["threshold"], t["addend"]), ["input", "addend"]),
        OpCall("lista_shrinkage_backward", {"grad": torch.rand(n, 4, h, w), "output": gh - 0.5,
                                            "threshold": torch.rand(4)},
               lambda t: RAW.lista_shrinkage_backward(t["grad"], t["output"], t["threshold"], True), ["grad", "output"]),
        OpCall("channel_attention", ca_t,
               lambda t: RAW.channel_attention(t["input"], t["squeeze_weight"], t["squeeze_bias"], t["excite_weight"],
                                               t["excite_bias"]), list(ca_t)),
        OpCall("channel_attention_backward", {"grad_output": torch.rand(n, 4, h, w), **ca_t},
               lambda t: RAW.channel_attention_backward(t["grad_output"], t["input"], t["squeeze_weight"],
                                                        t["squeeze_bias"], t["excite_weight"], t["excite_bias"]),
               ["grad_output"] + list(ca_t)),
        OpCall("pixel_attention", pa_t, lambda t: RAW.pixel_attention(t["input"], t["gate"], t["bias"]), list(pa_t)),
        OpCall("pixel_attention_backward", {"grad_output": torch.rand(n, 4, h, w), **pa_t},
               lambda t: RAW.pixel_attention_backward(t["grad_output"], t["input"], t["gate"], t["bias"]),
               ["grad_output"] + list(pa_t)),
    ]


def _device_case(rng: random.Random, index: int) -> Callable[[], None]:
    calls = _op_calls(rng)
    call = calls[index % len(calls)]
    arg = rng.choice(list(call.tensors))
    device = rng.choice(DEVICES_OFF_CPU)
    mode = rng.random()

    def run() -> None:
        if mode < 0.2:  # every argument on meta: a meta result shaped like the CPU one
            want = call.call(call.tensors)
            got = call.call({k: v.to("meta") for k, v in call.tensors.items()})
            for g, e in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
                assert g.device.type == "meta" and g.shape == e.shape and g.dtype == e.dtype, (g, e)
            return
        moved = dict(call.tensors)
        if len(call.tensors) == 1:  # a single tensor argument: any device is consistent
            moved[arg] = moved[arg].to(device)
            out = call.call(moved)
            assert out.device.type == device, _describe(out)
            return
        if mode < 0.7:  # one argument on another device
            moved[arg] = moved[arg].to(device)
            _expect_error(lambda: call.call(moved), call.op, f"`{arg}`", (RuntimeError, ValueError, TypeError))
        else:  # one argument of another dtype (eager; then through the meta/fake path)
            if arg not in call.same_dtype:
                return
            moved[arg] = moved[arg].double()
            _expect_error(lambda: call.call(moved), call.op, f"`{arg}`" if arg != call.same_dtype[0] else "dtype",
                          (TypeError,))
            meta = {k: v.to("meta") for k, v in moved.items()}
            _expect_error(lambda: call.call(meta), call.op, "dtype", (TypeError,))

    return run


def class3_cases(seed: int = 3) -> List[Case]:
    rng = random.Random(seed)
    n_ops = len(_op_calls(random.Random(0)))
    return [_named(3, f"device/{i}", _device_case(rng, i)) for i in range(CASES_PER_OP * n_ops // 4)]


# ----------------------------------------------------------------------------------------
# Class 7: autocast
# ----------------------------------------------------------------------------------------

BF16_TOL = dict(rtol=3e-2, atol=3e-2)


def _autocast_case(rng: random.Random, index: int) -> Callable[[], None]:
    calls = _op_calls(rng)
    forward_ops = [c for c in calls if not c.op.endswith(("_backward", "_to_dense"))]
    call = forward_ops[index % len(forward_ops)]
    # Which arguments arrive in bfloat16 (as a conv output does under autocast); the rest
    # stay float32, like parameters.
    low = {k for k in call.tensors if rng.random() < 0.5}

    def run() -> None:
        args = {k: (v.to(torch.bfloat16) if k in low else v).requires_grad_() for k, v in call.tensors.items()}
        ref_args = {k: v.detach().float().requires_grad_() for k, v in args.items()}
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = call.call(args)
            out0 = out[0] if isinstance(out, tuple) else out
            assert out0.dtype in (torch.bfloat16, torch.float32)
            out0.float().sum().backward()
        ref = call.call(ref_args)
        ref0 = ref[0] if isinstance(ref, tuple) else ref
        scale = max(1.0, ref0.abs().max().item())
        torch.testing.assert_close(out0.float(), ref0, rtol=BF16_TOL["rtol"], atol=BF16_TOL["atol"] * scale)
        ref0.sum().backward()
        for k in args:
            assert args[k].grad is not None and args[k].grad.dtype == args[k].dtype, k
            gs = max(1.0, ref_args[k].grad.abs().max().item()) if ref_args[k].grad.numel() else 1.0
            torch.testing.assert_close(args[k].grad.float(), ref_args[k].grad, rtol=6e-2, atol=6e-2 * gs)

    return run


def class7_cases(seed: int = 7) -> List[Case]:
    rng = random.Random(seed)
    return [_named(7, f"autocast/{i}", _autocast_case(rng, i)) for i in range(CASES_PER_OP)]


def all_cases() -> List[Case]:
    return class1_cases() + class3_cases() + class7_cases()


# ----------------------------------------------------------------------------------------
# pytest: every case in-process (no case may crash once the classes are fixed)
# ----------------------------------------------------------------------------------------

def _run_all(cases: Sequence[Case]) -> None:
    failures = []
    for case in cases:
        try:
            case.run()
        except Exception as e:  # noqa: BLE001 - collected and reported together
            failures.append(f"{case.name}: {type(e).__name__}: {str(e)[:300]}")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:20])


def test_integer_arguments_fuzz():
    _run_all(class1_cases())


def test_device_and_dtype_fuzz():
    _run_all(class3_cases())


def test_autocast_fuzz():
    _run_all(class7_cases())


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cpu_cuda_mixes_are_refused():
    cases = class3_cases(seed=31)
    assert "cuda" in DEVICES_OFF_CPU
    _run_all(cases)


# ----------------------------------------------------------------------------------------
# Script: each case in a forked child, failures (crashes included) counted per class
# ----------------------------------------------------------------------------------------

def _isolated(case: Case) -> str:
    """'ok', 'fail: ...' or 'crash: signal N' for one case run in a forked child."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(rfd)
        torch.set_num_threads(1)
        try:
            case.run()
            msg = "ok"
        except BaseException as e:  # noqa: BLE001
            msg = f"fail: {type(e).__name__}: {str(e)[:200]}"
        os.write(wfd, msg.encode())
        os._exit(0)
    os.close(wfd)
    data = b""
    while chunk := os.read(rfd, 4096):
        data += chunk
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"crash: signal {os.WTERMSIG(status)}"
    return data.decode() or "crash: no result"


def main() -> int:
    counts: Dict[int, Dict[str, int]] = {}
    examples: Dict[int, List[str]] = {}
    for case in all_cases():
        res = _isolated(case)
        kind = res.split(":")[0]
        c = counts.setdefault(case.cls, {"cases": 0, "ok": 0, "fail": 0, "crash": 0})
        c["cases"] += 1
        c[kind] += 1
        if kind != "ok":
            examples.setdefault(case.cls, []).append(f"  {case.name}: {res}")
    verbose = "-v" in sys.argv
    for cls in sorted(counts):
        print(f"class {cls}: {counts[cls]}")
        for line in examples.get(cls, [])[:None if verbose else 8]:
            print(re.sub(r"\s+", " ", line)[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
