"""Precision and device rules; bf16 stays close to fp32."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import srgan_cpp
from srgan_cpp.metrics import psnr
from srgan_cpp.upscale import Upscaler, precision as prec
from upscale_helpers import random_image

ALL = ("fp32", "bf16", "fp16", "fp64")


def test_auto_precision_rules(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(prec, "cpu_has_fast_bf16", lambda: True)
    assert prec.resolve_precision("auto", cpu, ALL) == "bf16"
    assert prec.resolve_precision("auto", cpu, ("fp32",)) == "fp32"
    assert prec.resolve_precision("auto", cuda, ALL) == "fp16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert prec.resolve_precision("auto", cuda, ("fp32", "bf16")) == "bf16"
    monkeypatch.setattr(prec, "cpu_has_fast_bf16", lambda: False)
    assert prec.resolve_precision("auto", cpu, ALL) == "fp32"
    assert prec.resolve_precision(None, cpu, ALL) == "fp32"
    assert prec.resolve_precision("bf16", cpu, ALL) == "bf16"  # asked for: allowed, if slower


def test_fp16_on_cpu_is_a_clear_error_suggesting_bf16():
    with pytest.raises(ValueError, match="fp16 is not available on the CPU.*use bf16"):
        prec.resolve_precision("fp16", torch.device("cpu"), ALL)
    with pytest.raises(ValueError, match="fp16 is not available on the CPU"):
        Upscaler(srgan_cpp.models.SRVGGNetCompact(num_feat=4, num_conv=1), device="cpu", precision="fp16")
    with pytest.raises(ValueError, match="`precision` must be one of"):
        prec.resolve_precision("half", torch.device("cpu"), ALL)
    with pytest.raises(ValueError, match="not supported by this model"):
        prec.resolve_precision("bf16", torch.device("cpu"), ("fp32",))


def test_device_rules():
    assert prec.resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="`device`"):
        prec.resolve_device("tpu")
    with pytest.raises(ValueError, match="`device`"):
        prec.resolve_device("not a device")
    if not torch.cuda.is_available():
        assert prec.resolve_device("auto") == torch.device("cpu")
        with pytest.raises(ValueError, match="`device`: .cuda. is not usable"):
            prec.resolve_device("cuda")


def test_bf16_result_is_close_to_fp32():
    torch.manual_seed(0)
    model = srgan_cpp.models.SRVGGNetCompact(num_feat=16, num_conv=4, upscale=2).eval()
    img = random_image(40, 48)
    fp32 = Upscaler(model, precision="fp32", tile=32).run(img)
    bf16_up = Upscaler(model, precision="bf16", tile=32)
    bf16 = bf16_up.run(img)
    assert bf16_up.precision == "bf16"
    assert next(bf16_up.model.parameters()).dtype == torch.bfloat16
    assert psnr(bf16, fp32) > 35.0


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device")])])
def test_every_precision_runs(device):
    torch.manual_seed(0)
    model = srgan_cpp.models.SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2).eval()
    img = random_image(20, 24)
    names = ("fp32", "bf16") if device == "cpu" else ("fp32", "bf16", "fp16")
    ref = Upscaler(model, precision="fp32", device=device).run(img)
    for name in names:
        out = Upscaler(model, precision=name, device=device, tile=16, overlap=4).run(img)
        assert out.dtype == np.uint8 and psnr(out, ref) > 30.0
