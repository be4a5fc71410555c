"""Every model and discriminator under torch.autocast: it runs (forward and, for training,
backward) and its output stays within mixed-precision tolerance of the float32 output.

The mixed-precision paths of the trainer (AMP) and of the upscaler (bfloat16 / float16
inference) rely on this. On CPU autocast means bfloat16; the CUDA rows (float16 and
bfloat16) run where a GPU is present.
"""
from __future__ import annotations

from typing import Callable, Dict, Tuple

import pytest
import torch

from srgan_cpp import models

from helpers import CUDA

# name -> (constructor, input shape (N, C, H, W)). Small widths and depths keep the suite
# fast; every layer kind of each architecture is still present.
MODELS: Dict[str, Tuple[Callable[[], torch.nn.Module], Tuple[int, ...]]] = {
    "MSRResNet": (lambda: models.MSRResNet(num_feat=16, num_block=2, upscale=4), (1, 3, 12, 10)),
    "MSRResNet_x3": (lambda: models.MSRResNet(num_feat=16, num_block=1, upscale=3), (1, 3, 9, 8)),
    "EDSR": (lambda: models.EDSR(num_feat=16, num_block=2, upscale=2), (1, 3, 12, 10)),
    "SRVGGNetCompact": (lambda: models.SRVGGNetCompact(num_feat=16, num_conv=3, upscale=4), (1, 3, 12, 10)),
    "HetSRWGANGenerator": (lambda: models.HetSRWGANGenerator(num_feat=16, num_block=2, parts=4, upscale=4),
                           (1, 3, 12, 10)),
    "HetSRWGANGenerator_dense": (
        lambda: models.HetSRWGANGenerator(num_feat=16, num_block=2, parts=4, upscale=2).reparameterize(),
        (1, 3, 12, 10)),
    "RRDBNet": (lambda: models.RRDBNet(num_feat=16, num_block=1, num_grow_ch=8, scale=4), (1, 3, 12, 10)),
    "RRDBNet_x2": (lambda: models.RRDBNet(num_feat=16, num_block=1, num_grow_ch=8, scale=2), (1, 3, 12, 10)),
    "SRCNN": (lambda: models.SRCNN(), (1, 1, 20, 18)),
    "SCN": (lambda: models.SCN(num_filters=16, code_size=16, num_stages=2), (1, 1, 20, 18)),
    "FSRCNN": (lambda: models.FSRCNN(d=16, s=8, m=2, scale=3), (1, 1, 12, 10)),
    "DRCN": (lambda: models.DRCN(num_features=16, num_recursions=3), (1, 1, 20, 18)),
    "VDSR": (lambda: models.VDSR(num_features=16, num_layers=6), (1, 1, 20, 18)),
    "LapSRN": (lambda: models.LapSRN(num_features=16, depth=2, scale=4), (1, 1, 12, 10)),
    "LapSRN_pixel_shuffle": (lambda: models.LapSRN(num_features=16, depth=1, scale=2, upsampler="pixel_shuffle"),
                             (1, 1, 12, 10)),
    "PSRGANGenerator": (lambda: models.PSRGANGenerator(nc=16, nb=2, upscale=4, upsample_mode="pixelshuffle"),
                        (1, 3, 14, 16)),
    "PSRGANGenerator_upconv": (lambda: models.PSRGANGenerator(nc=16, nb=2, upscale=2), (1, 3, 14, 16)),
    "HetSRWGANCritic": (lambda: models.HetSRWGANCritic(num_feat=8, num_stages=2, linear_feat=16), (2, 3, 32, 32)),
    "SRGANDiscriminator": (lambda: models.SRGANDiscriminator(base_nc=8), (2, 3, 96, 96)),
    "UNetDiscriminatorSN": (lambda: models.UNetDiscriminatorSN(num_feat=8), (1, 3, 32, 32)),
    "VGGDiscriminator96": (lambda: models.VGGDiscriminator96(base_nc=8), (2, 3, 96, 96)),
    "VGGStyleDiscriminator": (lambda: models.VGGStyleDiscriminator(num_feat=8, input_size=128), (2, 3, 128, 128)),
    "RCAN": (lambda: models.RCAN(num_feat=16, num_group=2, num_block=2, squeeze_factor=4, upscale=2), (1, 3, 12, 10)),
    "RDN": (lambda: models.RDN(num_features=16, num_blocks=2, num_layers=2, growth_rate=8, upscale=4), (1, 3, 12, 10)),
    "DRRN": (lambda: models.DRRN(num_feat=16, num_blocks=2, num_units=3), (1, 1, 20, 18)),
    "PAN": (lambda: models.PAN(nf=16, unf=8, nb=2, scale=4), (1, 3, 12, 10)),
}

#: Max |mixed - float32| relative to max |float32|, per autocast dtype: a few bfloat16 (8-bit
#: mantissa) roundings compounded over the convolutions.
#: Measured on CPU: at most 1.1e-2 (UNetDiscriminatorSN), 0.2-0.9e-2 for the generators.
TOLERANCE = {torch.bfloat16: 3e-2, torch.float16: 1e-2}
#: Minimum cosine between the mixed-precision and the float32 gradient. Measured on CPU:
#: >= 0.9999 for the generators; the batch-norm discriminators in training mode (batch
#: statistics of 2 samples, normalised in bfloat16) give 0.982-0.985.
GRAD_COSINE = {"HetSRWGANCritic": 0.999, "VGGStyleDiscriminator": 0.97}

PRECISIONS = [
    pytest.param("cpu", torch.bfloat16, id="cpu-bf16"),
    pytest.param("cuda", torch.float16, id="cuda-fp16", marks=[CUDA, pytest.mark.cuda]),
    pytest.param("cuda", torch.bfloat16, id="cuda-bf16", marks=[CUDA, pytest.mark.cuda]),
]


def _build(name: str, device: str) -> Tuple[torch.nn.Module, torch.Tensor]:
    ctor, shape = MODELS[name]
    torch.manual_seed(0)
    model = ctor().to(device).eval()
    return model, torch.rand(shape, device=device)


def _relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return ((got.float() - want).abs().max() / want.abs().max().clamp_min(1e-6)).item()


@pytest.mark.parametrize("device,dtype", PRECISIONS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_inference_under_autocast_matches_float32(name, device, dtype):
    model, x = _build(name, device)
    with torch.no_grad():
        want = model(x)
        with torch.autocast(device, dtype=dtype):
            got = model(x)
    assert got.shape == want.shape
    assert got.dtype in (dtype, torch.float32)
    assert torch.isfinite(got).all()
    err = _relative_error(got, want)
    assert err < TOLERANCE[dtype], f"{name}: relative error {err:.3g} under {dtype} autocast"


@pytest.mark.parametrize("device,dtype", PRECISIONS)
@pytest.mark.parametrize("name", ["MSRResNet", "EDSR", "SRVGGNetCompact", "HetSRWGANGenerator", "RRDBNet",
                                  "HetSRWGANCritic", "VGGStyleDiscriminator", "RCAN", "RDN", "DRRN", "PAN"])
def test_training_step_under_autocast(name, device, dtype):
    """AMP training: forward under autocast, backward outside; every parameter gets a finite
    float32 gradient close to the float32 step's."""
    model, x = _build(name, device)
    model.train()
    with torch.autocast(device, dtype=dtype):
        out = model(x)
    out.float().square().mean().backward()
    got = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    model(x).square().mean().backward()
    want = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert set(got) == set(want) and got
    for n, g in got.items():
        assert g.dtype == torch.float32 and torch.isfinite(g).all(), n
    # The direction of the whole gradient, which is what an optimiser step follows.
    flat_got = torch.cat([g.flatten() for g in got.values()])
    flat_want = torch.cat([want[n].flatten() for n in got])
    cos = torch.nn.functional.cosine_similarity(flat_got, flat_want, dim=0).item()
    assert cos > GRAD_COSINE.get(name, 0.999), f"{name}: gradient cosine {cos:.5f} under {dtype} autocast"
