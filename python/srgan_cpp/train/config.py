"""The training configuration: typed records for every setting, checked before anything runs.

A configuration file (YAML or JSON) has a top level with the run's settings, the networks
and the training data shared by all stages, and a list of ``stages`` (see docs/training.md
for every key). A stage may override ``generator``, ``discriminator`` and ``data`` (merged
key by key over the top-level ones), which is how a transfer-learning stage changes the
image channels or a GAN stage the patch size.

Relative paths are relative to the current working folder (as in BasicSR).
"""
from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Dict, List, Literal, Mapping, Optional, Union

from . import networks
from .errors import ConfigError
from .schema import (NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, Range, UnitFloat, parse,
                     parse_value)

Amp = Literal["off", "bf16", "fp16"]
Switch = Literal["auto", "on", "off"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def _need(cond: bool, key: str, message: str) -> None:
    if not cond:
        raise ConfigError(key, message)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def deep_merge(base: Any, over: Any) -> Any:
    """``over`` merged into a copy of ``base``, mapping by mapping (other values replace)."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = {k: copy.deepcopy(v) for k, v in base.items()}
        for k, v in over.items():
            out[k] = deep_merge(out[k], v) if k in out else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


# ----------------------------------------------------------------------------------------
# networks
# ----------------------------------------------------------------------------------------
@dataclass
class NetworkConfig:
    """An architecture by registry name and its constructor arguments, written flat:
    ``{type: RRDBNet, num_feat: 64, num_block: 23}``."""

    type: str
    kwargs: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, data: Any, key: str) -> "NetworkConfig":
        if not isinstance(data, Mapping):
            raise ConfigError(key, "expected a mapping with `type` (the architecture) and its arguments")
        if "type" not in data:
            raise ConfigError(_join(key, "type"), f"missing required key (one of: {', '.join(networks.names())})")
        name = parse_value(str, data["type"], _join(key, "type"))
        kwargs = {k: v for k, v in data.items() if k != "type"}
        networks.check_kwargs(name, kwargs, key)
        return cls(name, kwargs)

    def to_raw(self) -> Dict[str, Any]:
        return {"type": self.type, **self.kwargs}


# ----------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------
@dataclass
class DegradationConfig:
    """HR -> LR for sets without LR files (``srgan_cpp.data.Degradation``): MATLAB bicubic,
    or Gaussian blur + downsampling (the MRI seed's degradation), then optional noise / JPEG.
    A two-element list is a range sampled per image."""

    kind: Literal["bicubic", "blur"] = "bicubic"
    sigma: Union[float, List[float]] = 1.6
    kernel_size: Optional[int] = None
    downsample: Literal["nearest", "bicubic"] = "nearest"
    noise_sigma: Optional[Union[float, List[float]]] = None
    jpeg_quality: Optional[Union[int, List[int]]] = None

    def check(self, key: str) -> None:
        for name in ("sigma", "noise_sigma", "jpeg_quality"):
            v = getattr(self, name)
            _need(not isinstance(v, list) or len(v) == 2, _join(key, name), f"a range is [low, high], got {v!r}")
        try:
            self.build(2)
        except ValueError as e:
            raise ConfigError(key, str(e)) from None

    def build(self, scale: int) -> Any:
        from ..data import Degradation

        rng = lambda v: tuple(v) if isinstance(v, list) else v  # noqa: E731
        return Degradation(scale, kind=self.kind, sigma=rng(self.sigma), kernel_size=self.kernel_size,
                           downsample=self.downsample, noise_sigma=rng(self.noise_sigma),
                           jpeg_quality=rng(self.jpeg_quality))


@dataclass
class DatasetConfig:
    """One image set.

    type:
        ``paired``: ``hr`` and ``lr`` folders, files paired by name;
        ``hr_folder``: ``hr`` folder only (or a list of folders, read as one set), LR made
        by ``degradation`` on the fly;
        ``bundled``: the photographs shipped in the package (``include`` / ``exclude`` by
        name), LR made by ``degradation``;
        ``benchmark``: (validation) a benchmark folder ``root`` in any layout
        ``srgan_cpp.data.BenchmarkDataset`` reads (Set5, Set14, ...).
    """

    type: Literal["paired", "hr_folder", "bundled", "benchmark"]
    hr: Optional[Union[str, List[str]]] = None
    lr: Optional[str] = None
    root: Optional[str] = None
    include: Optional[List[str]] = None
    exclude: List[str] = field(default_factory=list)
    channels: Optional[int] = None
    degradation: DegradationConfig = field(default_factory=DegradationConfig)
    name: Optional[str] = None

    def check(self, key: str) -> None:
        need = {"paired": ("hr", "lr"), "hr_folder": ("hr",), "bundled": (), "benchmark": ("root",)}[self.type]
        for name in ("hr", "lr", "root"):
            value = getattr(self, name)
            if name in need:
                _need(value is not None, _join(key, name), f"required for `type`: {self.type}")
                if isinstance(value, list):
                    _need(self.type == "hr_folder", _join(key, name), f"one folder for `type`: {self.type} "
                                                                      "(a list of folders is for `type`: hr_folder)")
                    _need(bool(value), _join(key, name), "an empty list of folders")
                    for i, folder in enumerate(value):
                        _need(os.path.isdir(folder), f"{_join(key, name)}[{i}]", f"folder {folder!r} does not exist")
                else:
                    _need(os.path.isdir(value), _join(key, name), f"folder {value!r} does not exist")
            else:
                _need(value is None, _join(key, name), f"not used with `type`: {self.type}")
        _need(self.channels in (None, 1, 3), _join(key, "channels"), f"expected 1, 3 or null, got {self.channels!r}")
        if self.type == "bundled":
            from ..data import bundled_images

            known = [p.stem for p in bundled_images()]
            for name in ("include", "exclude"):
                for i, stem in enumerate(getattr(self, name) or []):
                    _need(stem in known, f"{_join(key, name)}[{i}]", f"no bundled image {stem!r} (there are: {', '.join(known)})")
            _need(bool(self.stems()), key, "`include` / `exclude` leave no bundled image")
        else:
            _need(self.include is None and not self.exclude, key, "`include` / `exclude` only apply to `type`: bundled")

    def hr_folders(self) -> List[str]:
        """``hr`` as a list of folders (empty when unset)."""
        if self.hr is None:
            return []
        return list(self.hr) if isinstance(self.hr, list) else [self.hr]

    def stems(self) -> List[str]:
        """Bundled images selected (``type: bundled``)."""
        from ..data import bundled_images

        known = [p.stem for p in bundled_images()]
        chosen = known if self.include is None else [s for s in known if s in self.include]
        return [s for s in chosen if s not in self.exclude]


@dataclass
class TextureSamplingConfig:
    """Crops biased towards textured regions (``srgan_cpp.data.TextureSampling``): a
    candidate patch of texture level ``t`` (mean neighbour difference, 8-bit levels) is
    kept with probability ``keep_flat + (1 - keep_flat) * min(1, t / threshold)``, at most
    ``tries`` candidates per patch."""

    threshold: PositiveFloat
    keep_flat: UnitFloat = 0.2
    tries: Annotated[int, Range(1, 100)] = 8

    def build(self) -> Any:
        from ..data import TextureSampling

        return TextureSampling(float(self.threshold), float(self.keep_flat), int(self.tries))


@dataclass
class TrainDataConfig:
    """The training set and how batches are made from it.

    patch_size is in HR pixels (BasicSR's ``gt_size``); batch_size is per process
    (BasicSR's ``batch_size_per_gpu``). ``input: bicubic`` feeds the model the
    bicubic-upscaled LR image (SRCNN); ``color: y`` trains on the BT.601 luma only.
    ``cache``: keep decoded images in memory (``auto``: when they take less than 512 MiB;
    each loader worker holds its own copy). ``texture``: bias crops towards textured
    regions (null: uniform crops).
    """

    train: DatasetConfig
    patch_size: Annotated[int, Range(2)]
    batch_size: PositiveInt = 16
    hflip: bool = True
    rot: bool = True
    repeat: PositiveInt = 1
    num_workers: NonNegativeInt = 0
    pin_memory: bool = False
    persistent_workers: bool = False
    prefetch_factor: Optional[int] = None
    input: Literal["lr", "bicubic"] = "lr"
    color: Literal["rgb", "y"] = "rgb"
    cache: Switch = "auto"
    texture: Optional[TextureSamplingConfig] = None

    def check(self, key: str) -> None:
        _need(self.train.type != "benchmark", _join(key, "train.type"), "`benchmark` sets are for validation")
        _need(self.prefetch_factor is None or (self.prefetch_factor >= 1 and self.num_workers > 0),
              _join(key, "prefetch_factor"), "needs num_workers > 0 and a value >= 1")
        _need(not self.persistent_workers or self.num_workers > 0, _join(key, "persistent_workers"),
              "needs num_workers > 0")


# ----------------------------------------------------------------------------------------
# losses, optimisers, schedules
# ----------------------------------------------------------------------------------------
@dataclass
class PixelLossConfig:
    type: Literal["l1", "mse", "charbonnier"] = "l1"
    weight: float = 1.0
    eps: float = 1e-3


@dataclass
class PerceptualLossConfig:
    """VGG feature loss (``srgan_cpp.losses.PerceptualLoss``). ``weights``: torchvision
    VGG weights (.pth / .safetensors); ImageNet weights cannot be downloaded, so it is
    required - except ``random`` (or ``random:SEED``), the documented substitute of the
    tiny recipes: an untrained, seeded VGG ("random-feature perceptual loss")."""

    layers: Dict[str, float] = field(default_factory=lambda: {"conv5_4": 1.0})
    vgg: Literal["vgg19", "vgg16"] = "vgg19"
    criterion: Literal["l1", "l2", "fro"] = "l1"
    weight: float = 1.0
    style_weight: float = 0.0
    weights: Optional[str] = None
    use_input_norm: bool = True
    range_norm: bool = False

    def check(self, key: str) -> None:
        from ..losses import layer_names

        valid = layer_names(self.vgg)
        for name in self.layers:
            _need(name in valid, f"{_join(key, 'layers')}.{name}", f"no {self.vgg} layer {name!r} (e.g. conv5_4, relu5_4)")
        _need(bool(self.layers), _join(key, "layers"), "needs at least one layer")
        if self.weights is None:
            raise ConfigError(_join(key, "weights"), f"a VGG weights file is required (ImageNet VGG weights cannot be "
                              f"downloaded here): pass torchvision's {self.vgg} .pth or a .safetensors file, e.g. "
                              f"--set {_join(key, 'weights')}={self.vgg}.pth; the `tiny` recipes use `random`, "
                              f"an untrained VGG, instead")
        if not self.is_random():
            _need(os.path.isfile(self.weights), _join(key, "weights"), f"file {self.weights!r} does not exist")

    def is_random(self) -> bool:
        return self.weights is not None and (self.weights == "random" or self.weights.startswith("random:"))

    def random_seed(self) -> int:
        assert self.weights is not None
        tail = self.weights.partition(":")[2]
        return int(tail) if tail.strip().lstrip("-").isdigit() else 0


@dataclass
class GradientCosineLossConfig:
    """HetSRWGAN's gradient cosine-similarity loss (the fused op)."""

    weight: float = 1.0
    operator: Literal["sobel", "prewitt", "central", "forward"] = "sobel"
    mode: Literal["magnitude", "components", "flat"] = "magnitude"

    def check(self, key: str) -> None:
        from ..ops.gradient_cosine import MODES, OPERATORS

        _need(self.operator in OPERATORS, _join(key, "operator"), f"expected one of {OPERATORS}")
        _need(self.mode in MODES, _join(key, "mode"), f"expected one of {MODES}")


@dataclass
class TVLossConfig:
    weight: float = 1.0


@dataclass
class AdversarialLossConfig:
    """``type``: vanilla (SRGAN), lsgan, hinge, wgan_softplus, ragan (ESRGAN's relativistic
    average loss, fused op) or wgan (critic; add ``gp_weight`` for WGAN-GP). ``weight``
    scales the generator's adversarial term (SRGAN 1e-3, ESRGAN 5e-3)."""

    type: Literal["vanilla", "lsgan", "wgan", "wgan_softplus", "hinge", "ragan"] = "vanilla"
    weight: float = 1e-3
    gp_weight: NonNegativeFloat = 0.0
    real_label: float = 1.0
    fake_label: float = 0.0


@dataclass
class RecursiveSupervisionConfig:
    """DRCN's recursive supervision (``srgan_cpp.models.drcn_loss``): ``weight`` x
    ``(alpha l1 + (1 - alpha) l2 + beta ||W||^2)`` with ``l1 = 1/(2D) sum_d MSE(y_d, gt)``
    over the D intermediate predictions and ``l2 = 1/2 MSE(output, gt)`` of the ensemble.
    ``alpha`` goes linearly from ``alpha`` to ``alpha_end`` over ``alpha_iterations``
    iterations of the stage (null: the whole stage), then stays there - the paper starts at
    1 and lets it decay towards 0. ``beta``: the paper's weight decay on the weights (not the
    biases) inside the loss (1e-4 in the paper; or 0 and the optimiser's ``weight_decay``).
    The generator must have ``forward_all(x) -> (output, [y_1 .. y_D])`` (``DRCN``)."""

    weight: float = 1.0
    alpha: UnitFloat = 1.0
    alpha_end: UnitFloat = 0.0
    alpha_iterations: Optional[PositiveInt] = None
    beta: NonNegativeFloat = 0.0

    def alpha_at(self, iteration: int, stage_iterations: int) -> float:
        """alpha at 1-based stage iteration ``iteration`` (linear decay, then constant)."""
        span = self.alpha_iterations or stage_iterations
        t = min(1.0, max(0, iteration - 1) / max(1, span - 1)) if span > 1 else 1.0
        return self.alpha + (self.alpha_end - self.alpha) * t


@dataclass
class PyramidLossConfig:
    """LapSRN's loss (``srgan_cpp.models.lapsrn_loss``): ``weight`` x the sum over the
    pyramid levels of the Charbonnier loss ``sqrt(d^2 + eps^2)`` between each level's output
    and the HR patch MATLAB-bicubic-downscaled to that level (eps 1e-3, the paper). The
    generator must have ``forward_pyramid(x) -> [x2, x4, ...]`` (``LapSRN``)."""

    weight: float = 1.0
    eps: PositiveFloat = 1e-3


#: losses that need more than the generator's output, and the generator method giving it
AUX_FORWARD = {"recursive_supervision": "forward_all", "pyramid": "forward_pyramid"}


@dataclass
class LossesConfig:
    pixel: Optional[PixelLossConfig] = None
    perceptual: Optional[PerceptualLossConfig] = None
    gradient_cosine: Optional[GradientCosineLossConfig] = None
    tv: Optional[TVLossConfig] = None
    adversarial: Optional[AdversarialLossConfig] = None
    recursive_supervision: Optional[RecursiveSupervisionConfig] = None
    pyramid: Optional[PyramidLossConfig] = None

    def check(self, key: str) -> None:
        main = ("pixel", "perceptual", "gradient_cosine", "adversarial", "recursive_supervision", "pyramid")
        _need(any(getattr(self, n) is not None for n in main), key, f"a stage needs at least one of {', '.join(main)}")
        _need(self.recursive_supervision is None or self.pyramid is None, key,
              "recursive_supervision and pyramid need different generators (DRCN, LapSRN): use one")

    def aux_forward(self) -> Optional[str]:
        """The generator method the losses train through (``forward_all`` / ``forward_pyramid``),
        or None when the plain forward's output is enough."""
        return next((m for n, m in AUX_FORWARD.items() if getattr(self, n) is not None), None)


@dataclass
class OptimizerConfig:
    type: Literal["adam", "adamw", "sgd"] = "adam"
    lr: PositiveFloat = 1e-4
    betas: List[float] = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1e-8
    weight_decay: NonNegativeFloat = 0.0
    momentum: float = 0.0
    nesterov: bool = False
    fused: Optional[bool] = None

    def check(self, key: str) -> None:
        _need(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), _join(key, "betas"),
              f"expected two values in [0, 1), got {self.betas}")
        _need(self.type == "sgd" or (self.momentum == 0 and not self.nesterov), _join(key, "momentum"),
              "only for `type`: sgd")


@dataclass
class SchedulerConfig:
    """Learning rate over a stage's iterations (all of its optimisers): ``constant``,
    ``multistep`` (times ``gamma`` at each milestone) or ``cosine`` with restarts
    (BasicSR's CosineAnnealingRestartLR: ``periods``, ``restart_weights``, ``eta_min``),
    after ``warmup`` iterations of linear warm-up."""

    type: Literal["constant", "multistep", "cosine"] = "constant"
    milestones: List[int] = field(default_factory=list)
    gamma: float = 0.5
    periods: List[int] = field(default_factory=list)
    restart_weights: List[float] = field(default_factory=list)
    eta_min: float = 0.0
    warmup: NonNegativeInt = 0

    def check(self, key: str) -> None:
        _need(self.type == "multistep" or not self.milestones, _join(key, "milestones"), "only for `type`: multistep")
        _need(self.milestones == sorted(self.milestones), _join(key, "milestones"), "expected increasing iterations")
        if self.type == "cosine":
            _need(all(p >= 1 for p in self.periods), _join(key, "periods"), "expected positive lengths")
            _need(not self.restart_weights or len(self.restart_weights) == len(self.periods), _join(key, "restart_weights"),
                  "expected one weight per period")
        else:
            _need(not self.periods and not self.restart_weights, _join(key, "periods"), "only for `type`: cosine")


@dataclass
class InitConfig:
    """Where a stage's network starts from: ``previous`` (the previous stage's weights),
    ``previous_ema`` (its EMA weights) or a weights file. Written as a string, or a mapping
    with ``source``, ``param_key`` (params / params_ema; default: params_ema when present),
    ``strict`` (all tensors must fit) and ``skip`` (names / prefixes / globs not loaded;
    with strict false, tensors whose shapes differ are skipped too - transfer learning)."""

    source: str
    param_key: Optional[str] = None
    strict: bool = True
    skip: List[str] = field(default_factory=list)

    @classmethod
    def from_raw(cls, data: Any, key: str) -> "InitConfig":
        if isinstance(data, str):
            data = {"source": data}
        if not isinstance(data, Mapping):
            raise ConfigError(key, "expected `previous`, `previous_ema`, a weights file, or a mapping with `source`")
        allowed = {"source", "param_key", "strict", "skip"}
        for k in data:
            _need(k in allowed, _join(key, str(k)), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        _need("source" in data, _join(key, "source"), "missing required key")
        return cls(source=parse_value(str, data["source"], _join(key, "source")),
                   param_key=parse_value(Optional[str], data.get("param_key"), _join(key, "param_key")),
                   strict=parse_value(bool, data.get("strict", True), _join(key, "strict")),
                   skip=parse_value(List[str], data.get("skip", []), _join(key, "skip")))

    def is_previous(self) -> bool:
        return self.source in ("previous", "previous_ema")

    def check(self, key: str) -> None:
        if not self.is_previous():
            _need(os.path.isfile(self.source), _join(key, "source"),
                  f"expected `previous`, `previous_ema` or an existing weights file, got {self.source!r}")
        _need(self.param_key in (None, "params", "params_ema"), _join(key, "param_key"),
              f"expected params or params_ema, got {self.param_key!r}")


@dataclass
class SharpenConfig:
    """Real-ESRGAN's unsharp-masked ground truth (USM: ``weight`` 0.5, Gaussian ``radius``
    50, ``threshold`` 10 on the [0, 255] scale) as the target of the chosen losses."""

    pixel: bool = True
    perceptual: bool = True
    adversarial: bool = False
    weight: float = 0.5
    radius: PositiveInt = 50
    threshold: float = 10.0


# ----------------------------------------------------------------------------------------
# stages
# ----------------------------------------------------------------------------------------
@dataclass
class StageConfig:
    """One phase of training (fully resolved: its data and networks filled in from the top level).

    d_steps: discriminator steps per generator step (BasicSR ``net_d_iters``: G is
    updated on iterations divisible by it). d_warmup: iterations in which only D is
    trained, G frozen (BasicSR ``net_d_init_iters``). ema: decay of the generator's EMA
    (parameters and buffers), e.g. 0.999. clip_grad_*: max gradient norm per network.
    clip_grad_g_by_lr: VDSR's adjustable gradient clipping - the generator's max norm is
    ``clip_grad_g / lr`` at the current learning rate (the paper clips to ``theta / lr`` so
    that a high learning rate stays stable; as the common PyTorch VDSR, on the norm).
    max_bad_steps: a step whose loss is NaN/Inf is skipped and counted; the run stops after
    this many in the stage.
    """

    name: str
    iterations: PositiveInt
    losses: LossesConfig
    data: TrainDataConfig
    generator: NetworkConfig
    discriminator: Optional[NetworkConfig] = None
    optim_g: OptimizerConfig = field(default_factory=OptimizerConfig)
    optim_d: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    ema: Optional[float] = None
    d_steps: PositiveInt = 1
    d_warmup: NonNegativeInt = 0
    clip_grad_g: Optional[PositiveFloat] = None
    clip_grad_d: Optional[PositiveFloat] = None
    clip_grad_g_by_lr: bool = False
    init_g: Optional[InitConfig] = None
    init_d: Optional[InitConfig] = None
    freeze_g: List[str] = field(default_factory=list)
    max_bad_steps: PositiveInt = 10
    sharpen_gt: Optional[SharpenConfig] = None

    def check(self, key: str) -> None:
        _need(bool(_NAME.match(self.name)), _join(key, "name"), f"letters, digits, _ . + - only, got {self.name!r}")
        _need(self.ema is None or 0 <= self.ema < 1, _join(key, "ema"), f"expected a decay in [0, 1), got {self.ema}")
        _need(not self.clip_grad_g_by_lr or self.clip_grad_g is not None, _join(key, "clip_grad_g_by_lr"),
              "needs clip_grad_g (the clipping threshold theta)")
        _need(not networks.is_discriminator(self.generator.type), _join(key, "generator.type"),
              f"{self.generator.type} is a discriminator")
        method = self.losses.aux_forward()
        if method is not None:
            loss = next(n for n, m in AUX_FORWARD.items() if m == method)
            _need(callable(getattr(networks.model_class(self.generator.type), method, None)),
                  _join(key, f"losses.{loss}"), f"needs a generator with `{method}` (e.g. "
                  f"{'DRCN' if method == 'forward_all' else 'LapSRN'}), not {self.generator.type}")
        adv = self.losses.adversarial
        if adv is not None:
            _need(self.discriminator is not None, _join(key, "losses.adversarial"),
                  "needs a `discriminator` (top level or in the stage)")
        else:
            for n in ("d_steps", "d_warmup"):
                _need(getattr(self, n) == StageConfig.__dataclass_fields__[n].default, _join(key, n),
                      "only with an adversarial loss")
            _need(self.init_d is None, _join(key, "init_d"), "only with an adversarial loss")
        if self.discriminator is not None:
            _need(networks.is_discriminator(self.discriminator.type), _join(key, "discriminator.type"),
                  f"{self.discriminator.type} is not a discriminator")
        _need(self.d_warmup < self.iterations or adv is None, _join(key, "d_warmup"),
              f"{self.d_warmup} warm-up iterations leave no generator step in {self.iterations} iterations")


_STAGE_OVERRIDES = ("data", "generator", "discriminator")


@dataclass
class ValConfig:
    """Validation through ``srgan_cpp.evaluate`` (PSNR/SSIM on Y and/or RGB, ``crop_border``
    default = scale) every ``every`` iterations (0: at the end of each stage only), with a
    PNG grid of ``grid_images`` crops of ``grid_crop`` HR pixels. best_metric:
    ``psnr_y`` / ``ssim_y`` / ``psnr_rgb`` / ``ssim_rgb`` averaged over the sets."""

    sets: List[DatasetConfig]
    every: NonNegativeInt = 0
    channels: List[Literal["y", "rgb"]] = field(default_factory=lambda: ["y", "rgb"])
    crop_border: Optional[NonNegativeInt] = None
    best_metric: Optional[str] = None
    at_start: bool = False
    grid_images: int = 4
    grid_crop: int = 96
    use_ema: bool = True

    def check(self, key: str) -> None:
        _need(bool(self.sets), _join(key, "sets"), "needs at least one set")
        _need(bool(self.channels), _join(key, "channels"), "needs y and/or rgb")
        _need(self.grid_images >= 0 and self.grid_crop >= 8, _join(key, "grid_crop"), "expected >= 8 HR pixels")
        if self.best_metric is not None:
            valid = [f"{m}_{c}" for c in self.channels for m in ("psnr", "ssim")]
            _need(self.best_metric in valid, _join(key, "best_metric"), f"expected one of {valid}")
        names = [s.name for s in self.sets if s.name]
        _need(len(names) == len(set(names)), _join(key, "sets"), "set names must differ")

    def metric(self) -> str:
        return self.best_metric or ("psnr_y" if "y" in self.channels else "psnr_rgb")


@dataclass
class CheckpointConfig:
    """Checkpoints every ``every`` iterations (0: at the end of each stage only) and at
    every stage end; the last ``keep_last`` are kept, plus the best by validation."""

    every: NonNegativeInt = 0
    keep_last: PositiveInt = 3
    keep_best: bool = True
    safetensors: bool = True


@dataclass
class LogConfig:
    every: PositiveInt = 10
    tensorboard: Switch = "auto"
    progress: Switch = "auto"
    plot: bool = True


@dataclass
class InterpolationConfig:
    """ESRGAN network interpolation written at the end: ``(1 - alpha) * a + alpha * b`` for
    each ``alpha``, between the final generators of stages ``a`` (PSNR) and ``b`` (GAN)."""

    a: str
    b: str
    alpha: List[float]
    ema: bool = True

    def check(self, key: str) -> None:
        _need(bool(self.alpha) and all(0 <= a <= 1 for a in self.alpha), _join(key, "alpha"), "expected values in [0, 1]")


@dataclass
class RunSettings:
    """The top-level settings other than ``stages`` and the shared ``data`` / networks."""

    name: str
    scale: int
    seed: int = 0
    device: str = "cpu"
    amp: Amp = "off"
    channels_last: bool = True
    threads: Optional[int] = None
    output_dir: str = "experiments"
    description: Optional[str] = None
    val: Optional[ValConfig] = None
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    log: LogConfig = field(default_factory=LogConfig)
    interpolate: List[InterpolationConfig] = field(default_factory=list)


@dataclass
class TrainConfig(RunSettings):
    """A whole run: the top-level settings and the resolved stages. ``device`` and ``amp``
    are defaults the command line may override."""

    stages: List[StageConfig] = field(default_factory=list)
    #: Lines to show the user (e.g. BasicSR keys skipped); not settings.
    warnings: List[str] = field(default_factory=list, init=False, repr=False, compare=False)
    #: Where the configuration came from: a file path, ``recipe:NAME``, or None (a mapping).
    source: Optional[str] = field(default=None, init=False, repr=False, compare=False)
    #: The file's text as given (copied into the run folder, as BasicSR copies its options).
    source_text: Optional[str] = field(default=None, init=False, repr=False, compare=False)
    #: "srgan_cpp" or "basicsr": the format of the source.
    source_format: str = field(default="srgan_cpp", init=False, repr=False, compare=False)

    @classmethod
    def from_raw(cls, data: Any, key: str = "") -> "TrainConfig":
        if not isinstance(data, Mapping):
            raise ConfigError(key, f"a training configuration is a mapping, got {type(data).__name__}")
        shared = {k: data[k] for k in _STAGE_OVERRIDES if k in data}
        top = {k: v for k, v in data.items() if k not in _STAGE_OVERRIDES}
        raw_stages = top.pop("stages", None)
        if raw_stages is None:
            raise ConfigError("stages", "missing required key (a list of training stages)")
        if not isinstance(raw_stages, list) or not raw_stages:
            raise ConfigError("stages", "expected a non-empty list of stages")
        # the plain settings first: typed like any record
        plain = parse(RunSettings, top, key)
        stages = []
        for i, raw in enumerate(raw_stages):
            sk = f"stages[{i}]"
            if not isinstance(raw, Mapping):
                raise ConfigError(sk, "expected a mapping")
            merged = dict(raw)
            for k in _STAGE_OVERRIDES:
                if k in shared or k in raw:
                    base, over = shared.get(k), raw.get(k)
                    same_arch = (isinstance(base, Mapping) and isinstance(over, Mapping)
                                 and over.get("type", base.get("type")) == base.get("type"))
                    if over is None:
                        merged[k] = copy.deepcopy(base)
                    elif base is None or (k != "data" and not same_arch):
                        merged[k] = copy.deepcopy(over)
                    else:
                        merged[k] = deep_merge(base, over)
            for k in ("data", "generator"):
                if merged.get(k) is None:
                    raise ConfigError(f"{sk}.{k}", "missing: set it at the top level or in the stage")
            if merged.get("discriminator") is None:
                merged.pop("discriminator", None)
            stages.append(parse(StageConfig, merged, sk))
        return cls(stages=stages, **{f: getattr(plain, f) for f in RunSettings.__dataclass_fields__})

    def check(self, key: str) -> None:
        _need(bool(_NAME.match(self.name)), "name", f"letters, digits, _ . + - only, got {self.name!r}")
        _need(self.scale >= 1, "scale", f"expected >= 1, got {self.scale}")
        _need(self.threads is None or self.threads >= 1, "threads", "expected >= 1")
        _need(bool(re.match(r"^(cpu|auto|cuda(:\d+)?)$", self.device)), "device",
              f"expected cpu, cuda, cuda:N or auto, got {self.device!r}")
        names = [s.name for s in self.stages]
        for i, n in enumerate(names):
            _need(n not in names[:i], f"stages[{i}].name", f"two stages are called {n!r}")
        for i, st in enumerate(self.stages):
            sk = f"stages[{i}]"
            _need(st.data.patch_size % self.scale == 0, f"{sk}.data.patch_size",
                  f"{st.data.patch_size} is not a multiple of `scale`={self.scale}")
            if i == 0:
                for n in ("init_g", "init_d"):
                    init = getattr(st, n)
                    _need(init is None or not init.is_previous(), f"{sk}.{n}", "the first stage has no previous stage")
            elif st.init_g is not None and st.init_g.source == "previous_ema":
                _need(self.stages[i - 1].ema is not None, f"{sk}.init_g",
                      f"`previous_ema` needs `ema` in stage {self.stages[i - 1].name!r}")
            if st.init_d is not None and st.init_d.is_previous():
                prev = next((s for s in reversed(self.stages[:i]) if s.discriminator is not None), None)
                _need(prev is not None, f"{sk}.init_d", "no earlier stage has a discriminator")
            if st.data.color == "y":
                _need(st.data.train.channels in (None, 3), f"{sk}.data.train.channels", "`color: y` reads RGB images")
        if self.amp == "fp16" and self.device == "cpu":
            raise ConfigError("amp", "fp16 needs a CUDA device (GradScaler); use bf16 on the CPU")
        for i, it in enumerate(self.interpolate):
            ik = f"interpolate[{i}]"
            for side in ("a", "b"):
                _need(getattr(it, side) in names, f"{ik}.{side}", f"no stage {getattr(it, side)!r} (stages: {names})")
            sa = self.stages[names.index(it.a)]
            sb = self.stages[names.index(it.b)]
            _need(sa.generator == sb.generator, ik, f"stages {it.a!r} and {it.b!r} train different generators")
            if it.ema:
                _need(sa.ema is not None and sb.ema is not None, _join(ik, "ema"),
                      "both stages need `ema` (or set ema: false)")

    def to_raw(self) -> Dict[str, Any]:
        from .schema import to_data

        out = {f: to_data(getattr(self, f)) for f in RunSettings.__dataclass_fields__}
        out["stages"] = [to_data(s) for s in self.stages]
        return out


def parse_config(data: Mapping[str, Any]) -> TrainConfig:
    """Checks a native configuration mapping and returns the typed :class:`TrainConfig`."""
    return parse(TrainConfig, data)
